/*
 * statistics: a memory-only node, as pingable-node, that then prints the counters of its
 * TCP/IP stack (zts_stats_get_all) every second: nine lines (link, etharp, ip4, ip6, icmp4,
 * icmp6, udp, tcp, nd6), each with what was transmitted, received, dropped and in error.
 * Runs until killed.
 *
 *   statistics <net_id>
 *
 * ZT_EXAMPLE_ROOTS=<file> (optional): the signed planet to use instead of the built-in roots.
 */
#include "example_common.h"

/* One counter line: "<name>_tx=<n>, <name>_rx=<n>, <name>_drop=<n>, <name>_err=<n>". */
static void line(const char *name, uint32_t tx, uint32_t rx, uint32_t drop, uint32_t err)
{
    printf("%s_tx=%u, %s_rx=%u, %s_drop=%u, %s_err=%u\n", name, (unsigned int)tx, name,
           (unsigned int)rx, name, (unsigned int)drop, name, (unsigned int)err);
}

static void print_stats(const zts_stats_counter_t *s)
{
    line("link", s->link_tx, s->link_rx, s->link_drop, s->link_err);
    line("etharp", s->etharp_tx, s->etharp_rx, s->etharp_drop, s->etharp_err);
    line("ip4", s->ip4_tx, s->ip4_rx, s->ip4_drop, s->ip4_err);
    line("ip6", s->ip6_tx, s->ip6_rx, s->ip6_drop, s->ip6_err);
    line("icmp4", s->icmp4_tx, s->icmp4_rx, s->icmp4_drop, s->icmp4_err);
    line("icmp6", s->icmp6_tx, s->icmp6_rx, s->icmp6_drop, s->icmp6_err);
    line("udp", s->udp_tx, s->udp_rx, s->udp_drop, s->udp_err);
    line("tcp", s->tcp_tx, s->tcp_rx, s->tcp_drop, s->tcp_err);
    line("nd6", s->nd6_tx, s->nd6_rx, s->nd6_drop, s->nd6_err);
}

/* Starts the node, joins |net_id| and waits for an IPv4 address (as pingable-node). */
static void start_and_join(unsigned long long net_id)
{
    char ip[ZTS_IP_MAX_STR_LEN] = {0};

    start_node();
    printf("My public identity (node ID) is %llx\n", (unsigned long long)zts_node_get_id());
    printf("Joining network %llx\n", net_id);
    join_network(net_id, 1);
    if (wait_addr(net_id, ZTS_AF_INET, ip, sizeof(ip)) == ZTS_ERR_OK)
        printf("Join %llx and ping me at %s\n", net_id, ip);
}

int main(int argc, char **argv)
{
    zts_stats_counter_t stats;
    int err;

    check_usage(argc == 2, "the counters of the node's TCP/IP stack, every second",
                "statistics <net_id>");
    use_private_roots();
    start_and_join(strtoull(argv[1], NULL, 16));

    for (;;) {
        err = zts_stats_get_all(&stats);
        if (err == ZTS_ERR_OK)
            print_stats(&stats);
        else if (err == ZTS_ERR_NO_RESULT)
            printf("no results\n");
        else
            printf("zts_stats_get_all() failed, error = %d\n", err);
        zts_util_delay(1000);
    }
}
