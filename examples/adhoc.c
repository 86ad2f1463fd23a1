/*
 * adhoc: puts a node on an ad-hoc network (no controller: the network ID encodes the
 * allowed port range, the address is the node's 6PLANE address) and idles, so that other
 * nodes on the same ad-hoc network can reach it.  Runs until killed.
 *
 *   adhoc <config_file_path> <adhocStartPort> <adhocEndPort> <ztServicePort>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ZeroTierSockets.h"

/* Set by on_event() on the library's event thread, polled by main(): _Atomic makes the
 * hand-over between the two threads well defined. */
static _Atomic int node_ready;
static _Atomic int network_ready;

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
    char ip[ZTS_INET6_ADDRSTRLEN];

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
    case ZTS_EVENT_ADDR_ADDED_IP6: {
        const struct zts_sockaddr_in6 *in6 = (const struct zts_sockaddr_in6 *)&msg->addr->addr;
        zts_inet_ntop(ZTS_AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
        printf("ZTS_EVENT_ADDR_NEW_IP6 --- Join %llx and ping me at %s\n",
               (unsigned long long)msg->addr->nwid, ip);
        break;
    }
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

int main(int argc, char **argv)
{
    uint16_t start_port, end_port, service_port;
    uint64_t nwid;
    int err;

    if (argc != 5) {
        printf("\nlibzt example ad-hoc node\n");
        printf("adhoc <config_file_path> <adhocStartPort> <adhocEndPort> <ztServicePort>\n");
        exit(0);
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, even into a pipe or a file */
    start_port = (uint16_t)strtoul(argv[2], NULL, 10);
    end_port = (uint16_t)strtoul(argv[3], NULL, 10);
    service_port = (uint16_t)strtoul(argv[4], NULL, 10);

    /* e.g. 22 and 22 give ff00160016000000: only TCP/UDP port 22 is allowed on it. */
    nwid = zts_generate_adhoc_nwid_from_range(start_port, end_port);
    zts_allow_network_caching(0); /* nothing to cache: the configuration is made locally */

    if ((err = zts_start(argv[1], on_event, service_port)) != ZTS_ERR_OK) {
        printf("Unable to start service, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Waiting for node to come online...\n");
    while (!node_ready)
        zts_delay_ms(50);
    printf("This node's identity is stored in %s\n", argv[1]);

    if ((err = zts_join(nwid)) != ZTS_ERR_OK) {
        printf("Unable to join network, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Joining network %llx\n", (unsigned long long)nwid);
    while (!network_ready)
        zts_delay_ms(50);

    printf("Node will now idle...\n");
    for (;;)
        zts_delay_ms(1000);
    /* Not reached: the node runs until the program is killed. */
}
