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
#include <ZeroTierSockets.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ZT_EXAMPLE_ROOTS: a planet file for zts_init_set_roots (a private world).  Returns 0 when
 * the variable is unset or the roots were set, -1 (after a message) otherwise. */
static int use_private_roots(void)
{
    static char blob[ZTS_STORE_DATA_LEN];
    const char *path = getenv("ZT_EXAMPLE_ROOTS");
    size_t len;
    FILE *f;
    int err;

    if (path == NULL || path[0] == '\0')
        return 0;
    if ((f = fopen(path, "rb")) == NULL) {
        printf("Unable to read the roots in %s. Exiting.\n", path);
        return -1;
    }
    len = fread(blob, 1, sizeof(blob), f);
    fclose(f);
    if ((err = zts_init_set_roots(blob, (unsigned int)len)) != ZTS_ERR_OK) {
        printf("Unable to use the roots in %s, error = %d. Exiting.\n", path, err);
        return -1;
    }
    printf("Using the roots in %s (%u bytes)\n", path, (unsigned int)len);
    return 0;
}

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

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) {
        printf("\nlibzt example: a node the other members of a network can ping\n");
        printf("pingable-node <net_id>\n");
        return 0;
    }
    net_id = strtoull(argv[1], NULL, 16);
    if (use_private_roots() != 0)
        return 1;

    printf("Starting node...\n");
    if ((err = zts_node_start()) != ZTS_ERR_OK) {
        printf("Unable to start service, error = %d. Exiting.\n", err);
        return 1;
    }
    printf("Waiting for node to come online\n");
    while (!zts_node_is_online())
        zts_util_delay(50);
    print_identity();

    printf("Joining network %llx\n", net_id);
    if ((err = zts_net_join(net_id)) != ZTS_ERR_OK) {
        printf("Unable to join network, error = %d. Exiting.\n", err);
        return 1;
    }
    printf("Don't forget to authorize this device in my.zerotier.com or the web API!\n");
    printf("Waiting for join to complete\n");
    while (zts_net_transport_is_ready(net_id) != 1)
        zts_util_delay(50);
    printf("Waiting for an IPv4 address from the network\n");
    while (zts_addr_is_assigned(net_id, ZTS_AF_INET) != 1)
        zts_util_delay(50);
    if ((err = zts_addr_get_str(net_id, ZTS_AF_INET, ip, sizeof(ip))) != ZTS_ERR_OK) {
        printf("Unable to read the IPv4 address, error = %d. Exiting.\n", err);
        return 1;
    }
    printf("Join %llx and ping me at %s\n", net_id, ip);

    printf("Node will now idle...\n");
    for (;;)
        zts_util_delay(500);
}
