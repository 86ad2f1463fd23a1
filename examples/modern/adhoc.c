/*
 * adhoc: a memory-only node on an ad-hoc network: no controller, the network's ID is made of
 * a port range (zts_net_compute_adhoc_id), and each member gets its 6PLANE IPv6 address from
 * its own node ID.  Only ICMPv6 and new TCP connections to ports in the range pass (UDP: any
 * port).  Prints the node's addresses and idles; runs until killed.
 *
 *   adhoc <start_port> <end_port>          e.g. adhoc 8000 9000: network ff1f402328000000
 *
 * The RFC 4193 address is printed as computed, as libzt's example does, but an ad-hoc network
 * does not assign it: the address other members reach (and ping) is the 6PLANE one.
 * ZT_EXAMPLE_ROOTS=<file> (optional): the signed planet to use instead of the built-in roots.
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

/* The node's addresses on |net_id|: RFC 4193 and 6PLANE as computed, and the one assigned. */
static void print_addresses(uint64_t net_id)
{
    char rfc[ZTS_IP_MAX_STR_LEN] = {0}, plane[ZTS_IP_MAX_STR_LEN] = {0};
    char got[ZTS_IP_MAX_STR_LEN] = {0};
    uint64_t node = zts_node_get_id();
    unsigned long long id = (unsigned long long)net_id;

    zts_addr_compute_rfc4193_str(net_id, node, rfc, ZTS_IP_MAX_STR_LEN);
    zts_addr_compute_6plane_str(net_id, node, plane, ZTS_IP_MAX_STR_LEN);
    zts_addr_get_str(net_id, ZTS_AF_INET6, got, sizeof(got));
    printf("RFC 4193 address on network %llx is %s (computed; not assigned here)\n", id, rfc);
    printf("6PLANE address on network %llx is %s\n", id, plane);
    printf("Join %llx and ping me at %s\n", id, got);
}

int main(int argc, char **argv)
{
    unsigned long start_port, end_port;
    uint64_t net_id;
    int err;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 3) {
        printf("\nlibzt example: a node on an ad-hoc network (no controller)\n");
        printf("adhoc <start_port> <end_port>\n");
        return 0;
    }
    start_port = strtoul(argv[1], NULL, 10);
    end_port = strtoul(argv[2], NULL, 10);
    if (start_port > 65535 || end_port > 65535) {
        printf("Ports are 0 to 65535. Exiting.\n");
        return 1;
    }
    net_id = zts_net_compute_adhoc_id((uint16_t)start_port, (uint16_t)end_port);
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
    printf("My public identity (node ID) is %llx\n", (unsigned long long)zts_node_get_id());

    printf("Joining ad-hoc network %llx (ports %lu to %lu)\n", (unsigned long long)net_id,
           start_port, end_port);
    if ((err = zts_net_join(net_id)) != ZTS_ERR_OK) {
        printf("Unable to join network, error = %d. Exiting.\n", err);
        return 1;
    }
    printf("Waiting for join to complete\n");
    while (zts_net_transport_is_ready(net_id) != 1)
        zts_util_delay(50);
    printf("Waiting for the 6PLANE address\n");
    while (zts_addr_is_assigned(net_id, ZTS_AF_INET6) != 1)
        zts_util_delay(50);
    print_addresses(net_id);

    printf("Node will now idle...\n");
    for (;;)
        zts_util_delay(500);
}
