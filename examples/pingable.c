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
#include "example_common.h"

/* Called by the library on its event thread, once per event; |arg| is only valid during
 * the call.  Added addresses are printed as an invitation to ping them. */
static void on_event(void *arg)
{
    struct zts_callback_msg *msg = (struct zts_callback_msg *)arg;

    if (print_event(msg))
        return;
    if (msg->eventCode == ZTS_EVENT_ADDR_ADDED_IP4)
        print_ping_me("ZTS_EVENT_ADDR_NEW_IP4", ZTS_AF_INET, msg->addr);
    else if (msg->eventCode == ZTS_EVENT_ADDR_ADDED_IP6)
        print_ping_me("ZTS_EVENT_ADDR_NEW_IP6", ZTS_AF_INET6, msg->addr);
}

int main(int argc, char **argv)
{
    uint64_t nwid;
    uint16_t service_port;
    long seconds = -1, i;

    check_usage(argc == 4 || argc == 5, "pingable node",
                "pingable <config_file_path> <nwid> <ztServicePort> [seconds]");
    nwid = strtoull(argv[2], NULL, 16);
    service_port = (uint16_t)strtoul(argv[3], NULL, 10);
    if (argc == 5)
        seconds = strtol(argv[4], NULL, 10);

    zts_allow_network_caching(0); /* join afresh each time */

    start_node(argv[1], on_event, service_port);
    printf("This node's identity is stored in %s\n", argv[1]);

    join_network(nwid);
    wait_network();

    printf("Node will now idle...\n");
    for (i = 0; seconds < 0 || i < seconds; i++)
        zts_delay_ms(1000);

    printf("Shutting down service\n");
    zts_stop();
    return 0;
}
