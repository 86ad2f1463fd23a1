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
#include "example_common.h"

/* Waits for the IPv6 address that |net_id| assigns (the 6PLANE one), then prints the node's
 * addresses: RFC 4193 and 6PLANE as computed, and the one assigned. */
static void print_addresses(uint64_t net_id)
{
    char rfc[ZTS_IP_MAX_STR_LEN] = {0}, plane[ZTS_IP_MAX_STR_LEN] = {0};
    char got[ZTS_IP_MAX_STR_LEN] = {0};
    uint64_t node = zts_node_get_id();
    unsigned long long id = (unsigned long long)net_id;

    wait_addr(net_id, ZTS_AF_INET6, got, sizeof(got));
    zts_addr_compute_rfc4193_str(net_id, node, rfc, ZTS_IP_MAX_STR_LEN);
    zts_addr_compute_6plane_str(net_id, node, plane, ZTS_IP_MAX_STR_LEN);
    printf("RFC 4193 address on network %llx is %s (computed; not assigned here)\n", id, rfc);
    printf("6PLANE address on network %llx is %s\n", id, plane);
    printf("Join %llx and ping me at %s\n", id, got);
}

int main(int argc, char **argv)
{
    unsigned long start_port, end_port;
    uint64_t net_id;

    check_usage(argc == 3, "a node on an ad-hoc network (no controller)",
                "adhoc <start_port> <end_port>");
    start_port = strtoul(argv[1], NULL, 10);
    end_port = strtoul(argv[2], NULL, 10);
    if (start_port > 65535 || end_port > 65535) {
        printf("Ports are 0 to 65535. Exiting.\n");
        return 1;
    }
    net_id = zts_net_compute_adhoc_id((uint16_t)start_port, (uint16_t)end_port);
    use_private_roots();
    start_node();
    printf("My public identity (node ID) is %llx\n", (unsigned long long)zts_node_get_id());

    printf("Joining ad-hoc network %llx (ports %lu to %lu)\n", (unsigned long long)net_id,
           start_port, end_port);
    join_network(net_id, 0);
    printf("Waiting for the 6PLANE address\n");
    print_addresses(net_id);
    idle();
}
