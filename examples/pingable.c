/*
 * pingable: joins a network, prints every address the node is given and idles, so that
 * other members of the network can ping it (it takes the place of the original
 * "earthtest", which needed ZeroTier's public Earth network).  Without |seconds| it runs
 * until killed; with it, it stops the node after that many seconds and exits with 0.
 *
 *   pingable <config_file_path> <nwid> <ztServicePort> [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ZeroTierSockets.h"

/* Set by on_event() on the library's event thread, polled by main(): _Atomic makes the
 * hand-over between the two threads well defined. */
static _Atomic int node_ready;
static _Atomic int network_ready;

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
    case ZTS_EVENT_NODE_NORMAL_TERMINATION:
        printf("ZTS_EVENT_NODE_NORMAL_TERMINATION\n");
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
    case ZTS_EVENT_ADDR_ADDED_IP4: {
        const struct zts_sockaddr_in *in4 = (const struct zts_sockaddr_in *)&msg->addr->addr;
        zts_inet_ntop(ZTS_AF_INET, &in4->sin_addr, ip, sizeof(ip));
        printf("ZTS_EVENT_ADDR_NEW_IP4 --- Join %llx and ping me at %s\n",
               (unsigned long long)msg->addr->nwid, ip);
        break;
    }
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
    uint64_t nwid;
    uint16_t service_port;
    long seconds = -1, i;
    int err;

    if (argc != 4 && argc != 5) {
        printf("\nlibzt example pingable node\n");
        printf("pingable <config_file_path> <nwid> <ztServicePort> [seconds]\n");
        exit(0);
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, even into a pipe or a file */
    nwid = strtoull(argv[2], NULL, 16);
    service_port = (uint16_t)strtoul(argv[3], NULL, 10);
    if (argc == 5)
        seconds = strtol(argv[4], NULL, 10);

    zts_allow_network_caching(0); /* join afresh each time */

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
    for (i = 0; seconds < 0 || i < seconds; i++)
        zts_delay_ms(1000);

    printf("Shutting down service\n");
    zts_stop();
    return 0;
}
