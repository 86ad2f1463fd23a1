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

/* Set by on_event() on the library's event thread, polled by main(): _Atomic makes the
 * hand-over between the two threads well defined. */
static _Atomic int node_ready;
static _Atomic int network_ready;

/* Prints the address of an ADDR event; |af| says which overlay to read it through. */
static void print_addr(const char *name, int af, const struct zts_addr_details *ad)
{
    char ip[ZTS_INET6_ADDRSTRLEN];

    if (af == ZTS_AF_INET) {
        const struct zts_sockaddr_in *in4 = (const struct zts_sockaddr_in *)&ad->addr;
        zts_inet_ntop(ZTS_AF_INET, &in4->sin_addr, ip, sizeof(ip));
    } else {
        const struct zts_sockaddr_in6 *in6 = (const struct zts_sockaddr_in6 *)&ad->addr;
        zts_inet_ntop(ZTS_AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
    }
    printf("%s --- This node's virtual address on network %llx is %s\n", name,
           (unsigned long long)ad->nwid, ip);
}

static void print_netif(const char *name, const struct zts_netif_details *nd)
{
    printf("%s --- network=%llx, mac=%llx, mtu=%d\n", name, (unsigned long long)nd->nwid,
           (unsigned long long)nd->mac, nd->mtu);
}

/* Called by the library on its event thread, once per event; |arg| is only valid during
 * the call. */
static void on_event(void *arg)
{
    struct zts_callback_msg *msg = (struct zts_callback_msg *)arg;

    switch (msg->eventCode) {
    case ZTS_EVENT_NODE_ONLINE:
        printf("ZTS_EVENT_NODE_ONLINE --- This node's ID is %llx\n",
               (unsigned long long)msg->node->address);
        node_ready = 1;
        break;
    case ZTS_EVENT_NODE_OFFLINE:
        printf("ZTS_EVENT_NODE_OFFLINE --- Check your physical Internet connection, router, "
               "firewall, etc. What ports are you blocking?\n");
        break;
    case ZTS_EVENT_NODE_NORMAL_TERMINATION:
        printf("ZTS_EVENT_NODE_NORMAL_TERMINATION\n");
        break;
    case ZTS_EVENT_NETWORK_NOT_FOUND:
        printf("ZTS_EVENT_NETWORK_NOT_FOUND --- Are you sure %llx is a valid network?\n",
               (unsigned long long)msg->network->nwid);
        break;
    case ZTS_EVENT_NETWORK_REQ_CONFIG:
        printf("ZTS_EVENT_NETWORK_REQ_CONFIG --- Requesting config for network %llx, "
               "please wait a few seconds...\n",
               (unsigned long long)msg->network->nwid);
        break;
    case ZTS_EVENT_NETWORK_ACCESS_DENIED:
        printf("ZTS_EVENT_NETWORK_ACCESS_DENIED --- Access to virtual network %llx has been "
               "denied. Did you authorize the node yet?\n",
               (unsigned long long)msg->network->nwid);
        break;
    case ZTS_EVENT_NETWORK_READY_IP4:
        printf("ZTS_EVENT_NETWORK_READY_IP4 --- Network config received. IPv4 traffic can "
               "now be sent over network %llx\n",
               (unsigned long long)msg->network->nwid);
        network_ready = 1;
        break;
    case ZTS_EVENT_NETWORK_READY_IP6:
        printf("ZTS_EVENT_NETWORK_READY_IP6 --- Network config received. IPv6 traffic can "
               "now be sent over network %llx\n",
               (unsigned long long)msg->network->nwid);
        network_ready = 1;
        break;
    case ZTS_EVENT_NETWORK_DOWN:
        printf("ZTS_EVENT_NETWORK_DOWN --- %llx\n", (unsigned long long)msg->network->nwid);
        break;
    case ZTS_EVENT_NETIF_UP:
        print_netif("ZTS_EVENT_NETIF_UP", msg->netif);
        network_ready = 1;
        break;
    case ZTS_EVENT_NETIF_DOWN:
        print_netif("ZTS_EVENT_NETIF_DOWN", msg->netif);
        network_ready = 1;
        break;
    case ZTS_EVENT_ADDR_ADDED_IP4:
        print_addr("ZTS_EVENT_ADDR_NEW_IP4", ZTS_AF_INET, msg->addr);
        break;
    case ZTS_EVENT_ADDR_ADDED_IP6:
        print_addr("ZTS_EVENT_ADDR_NEW_IP6", ZTS_AF_INET6, msg->addr);
        break;
    case ZTS_EVENT_ADDR_REMOVED_IP4:
        print_addr("ZTS_EVENT_ADDR_REMOVED_IP4", ZTS_AF_INET, msg->addr);
        break;
    case ZTS_EVENT_ADDR_REMOVED_IP6:
        print_addr("ZTS_EVENT_ADDR_REMOVED_IP6", ZTS_AF_INET6, msg->addr);
        break;
    case ZTS_EVENT_PEER_DIRECT:
        printf("ZTS_EVENT_PEER_DIRECT --- A direct path is known for %llx\n",
               (unsigned long long)msg->peer->address);
        break;
    case ZTS_EVENT_PEER_RELAY:
        printf("ZTS_EVENT_PEER_RELAY --- No direct path to %llx\n",
               (unsigned long long)msg->peer->address);
        break;
    default:
        break;
    }
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

    if (argc != 4) {
        printf("\nlibzt example comprehensive\n");
        printf("comprehensive <config_file_path> <nwid> <ztServicePort>\n");
        exit(0);
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, even into a pipe or a file */
    nwid = strtoull(argv[2], NULL, 16);
    service_port = (uint16_t)strtoul(argv[3], NULL, 10);

    if ((err = zts_start(argv[1], on_event, service_port)) != ZTS_ERR_OK) {
        printf("Unable to start service, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Waiting for node to come online...\n");
    while (!node_ready)
        zts_delay_ms(50);
    printf("This node ID is %llx\n", (unsigned long long)zts_get_node_id());
    printf("This node's identity is stored in %s\n", argv[1]);

    if ((err = zts_join(nwid)) != ZTS_ERR_OK) {
        printf("Unable to join network, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Joining network %llx\n", (unsigned long long)nwid);
    while (!network_ready)
        zts_delay_ms(50);

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
