/*
 * pingable-node: a memory-only node (it reads and writes no file) that joins a network,
 * prints its identity, waits for an IPv4 address and idles, so that other members of the
 * network can ping it.  Runs until killed.
 *
 *   pingable-node <net_id>
 *
 * <net_id> is the network's ID in hex.  The node makes a new identity at each start: authorize
 * the node ID it prints at the network's controller.  ZT_EXAMPLE_ROOTS=<file> (optional) makes
 * it use the signed planet in <file> instead of the library's built-in roots (README.md).
 */
#include "example_common.h"

/* Prints the node's ID and its key pair (the secret identity, 270 characters). */
static void print_identity(void)
{
    char key[ZTS_ID_STR_BUF_LEN] = {0};
    unsigned int key_len = ZTS_ID_STR_BUF_LEN;
    int err;

    printf("My public identity (node ID) is %llx\n", (unsigned long long)zts_node_get_id());
    if ((err = zts_node_get_id_pair(key, &key_len)) != ZTS_ERR_OK) {
        printf("Error getting the identity key pair, error = %d\n", err);
        return;
    }
    printf("Identity [public/secret pair] = %s\n", key);
}

int main(int argc, char **argv)
{
    char ip[ZTS_IP_MAX_STR_LEN] = {0};
    unsigned long long net_id;
    int err;

    check_usage(argc == 2, "a node the other members of a network can ping",
                "pingable-node <net_id>");
    net_id = strtoull(argv[1], NULL, 16);
    use_private_roots();
    start_node();
    print_identity();

    printf("Joining network %llx\n", net_id);
    join_network(net_id, 1);
    printf("Waiting for an IPv4 address from the network\n");
    if ((err = wait_addr(net_id, ZTS_AF_INET, ip, sizeof(ip))) != ZTS_ERR_OK) {
        printf("Unable to read the IPv4 address, error = %d. Exiting.\n", err);
        return 1;
    }
    printf("Join %llx and ping me at %s\n", net_id, ip);
    idle();
}
