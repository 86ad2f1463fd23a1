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
#include "example_common.h"

/* Called by the library on its event thread, once per event; |arg| is only valid during
 * the call.  The 6PLANE address is printed as an invitation to ping it. */
static void on_event(void *arg)
{
    struct zts_callback_msg *msg = (struct zts_callback_msg *)arg;

    if (print_event(msg))
        return;
    if (msg->eventCode == ZTS_EVENT_NETIF_UP)
        print_netif("ZTS_EVENT_NETIF_UP", msg->netif);
    else if (msg->eventCode == ZTS_EVENT_NETIF_DOWN)
        print_netif("ZTS_EVENT_NETIF_DOWN", msg->netif);
    else if (msg->eventCode == ZTS_EVENT_ADDR_ADDED_IP6)
        print_ping_me("ZTS_EVENT_ADDR_NEW_IP6", ZTS_AF_INET6, msg->addr);
}

int main(int argc, char **argv)
{
    uint16_t start_port, end_port, service_port;
    uint64_t nwid;

    check_usage(argc == 5, "ad-hoc node",
                "adhoc <config_file_path> <adhocStartPort> <adhocEndPort> <ztServicePort>");
    start_port = (uint16_t)strtoul(argv[2], NULL, 10);
    end_port = (uint16_t)strtoul(argv[3], NULL, 10);
    service_port = (uint16_t)strtoul(argv[4], NULL, 10);

    /* e.g. 22 and 22 give ff00160016000000: only TCP/UDP port 22 is allowed on it. */
    nwid = zts_generate_adhoc_nwid_from_range(start_port, end_port);
    zts_allow_network_caching(0); /* nothing to cache: the configuration is made locally */

    start_node(argv[1], on_event, service_port);
    printf("This node's identity is stored in %s\n", argv[1]);

    join_network(nwid);
    wait_network();

    printf("Node will now idle...\n");
    for (;;)
        zts_delay_ms(1000);
    /* Not reached: the node runs until the program is killed. */
}
