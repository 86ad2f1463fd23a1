/*
 * comprehensive: joins a network, then shows what the node knows: its ID, its peers and
 * their physical paths, the node and network status, and once a second the node status
 * and the ICMP and TCP counters of the network stack.  Runs until killed.
 *
 *   comprehensive <config_file_path> <nwid> <ztServicePort>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ZeroTierSockets.h"
#include "example_common.h"

/* Called by the library on its event thread, once per event; |arg| is only valid during
 * the call. */
static void on_event(void *arg)
{
    struct zts_callback_msg *msg = (struct zts_callback_msg *)arg;

    if (print_event(msg) || print_addr_event(msg))
        return;
    if (msg->eventCode == ZTS_EVENT_NETIF_UP)
        print_netif("ZTS_EVENT_NETIF_UP", msg->netif);
    else if (msg->eventCode == ZTS_EVENT_NETIF_DOWN)
        print_netif("ZTS_EVENT_NETIF_DOWN", msg->netif);
}

/* One line for the peer, then one indented line per physical path.  The family byte of
 * each path address says how to read it. */
static void print_peer(const struct zts_peer_details *pd)
{
    char ip[ZTS_INET6_ADDRSTRLEN];
    unsigned int i;

    printf("peer=%llx, latency=%d, version=%d.%d.%d, pathCount=%u\n",
           (unsigned long long)pd->address, pd->latency, pd->versionMajor, pd->versionMinor,
           pd->versionRev, pd->pathCount);
    for (i = 0; i < pd->pathCount && i < ZT_MAX_PEER_NETWORK_PATHS; i++) {
        const struct zts_sockaddr *sa = (const struct zts_sockaddr *)&pd->paths[i].address;
        int port = 0;

        if (sa->sa_family == ZTS_AF_INET) {
            const struct zts_sockaddr_in *in4 = (const struct zts_sockaddr_in *)sa;
            zts_inet_ntop(ZTS_AF_INET, &in4->sin_addr, ip, sizeof(ip));
            port = zts_ntohs(in4->sin_port);
        } else if (sa->sa_family == ZTS_AF_INET6) {
            const struct zts_sockaddr_in6 *in6 = (const struct zts_sockaddr_in6 *)sa;
            zts_inet_ntop(ZTS_AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
        } else {
            snprintf(ip, sizeof(ip), "(family %d)", sa->sa_family);
        }
        printf("    path[%u]=%s, port=%d\n", i, ip, port);
    }
}

int main(int argc, char **argv)
{
    struct zts_peer_details pds[128], pd;
    struct zts_stats_proto stats;
    uint32_t num = 128, i;
    uint64_t nwid;
    uint16_t service_port;
    int err;

    check_usage(argc == 4, "comprehensive",
                "comprehensive <config_file_path> <nwid> <ztServicePort>");
    nwid = strtoull(argv[2], NULL, 16);
    service_port = (uint16_t)strtoul(argv[3], NULL, 10);

    start_node(argv[1], on_event, service_port);
    printf("This node ID is %llx\n", (unsigned long long)zts_get_node_id());
    printf("This node's identity is stored in %s\n", argv[1]);

    join_network(nwid);
    wait_network();

    /* Every peer the node knows, root servers included. */
    if ((err = zts_get_peers(pds, &num)) < 0) {
        printf("error (%d)\n", err);
    } else if (num > 0) {
        printf("num=%u\n", (unsigned)num);
        for (i = 0; i < num; i++)
            print_peer(&pds[i]);
    }

    /* One peer, by ID: this one is made up, so the expected answer is "not found". */
    err = zts_get_peer(&pd, 0xabcdef1234);
    if (err == ZTS_ERR_OK) {
        printf("(%d) peer found:\n", err);
        print_peer(&pd);
    } else if (err == ZTS_ERR_ARG) {
        printf("(%d) error: invalid argument\n", err);
    } else if (err == ZTS_ERR_SERVICE) {
        printf("(%d) error: the service is not running or the node is not online\n", err);
    } else if (err == ZTS_ERR_NO_RESULT) {
        printf("(%d) error: object or result not found\n", err);
    }

    printf("zts_get_node_status()=%d\n", zts_get_node_status());
    printf("zts_get_network_status()=%d\n", zts_get_network_status(nwid));

    /* Counters of the embedded network stack: pinging this node makes icmp.recv grow. */
    for (;;) {
        zts_delay_ms(1000);
        printf("zts_get_node_status()=%d\n", zts_get_node_status());
        if ((err = zts_get_protocol_stats(ZTS_STATS_PROTOCOL_ICMP, &stats)) != ZTS_ERR_OK) {
            printf("zts_get_proto_stats()=%d", err);
            fflush(stdout);
            continue;
        }
        printf("icmp.recv=%u\n", (unsigned)stats.recv);
        if ((err = zts_get_protocol_stats(ZTS_STATS_PROTOCOL_TCP, &stats)) != ZTS_ERR_OK) {
            printf("zts_get_proto_stats()=%d", err);
            fflush(stdout);
            continue;
        }
        printf("tcp.drop=%u\n", (unsigned)stats.drop);
    }
    /* Not reached: the program runs until it is killed. */
}
