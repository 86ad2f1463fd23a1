/*
 * callbackapi: a memory-only node, as pingable-node, that follows its life through events:
 * an event handler (zts_init_set_event_handler) prints the node coming online with its ID,
 * the network's answers (not found, access denied, ready for IPv4 / IPv6, down) and every
 * address the network assigns.  Runs until killed.
 *
 *   callbackapi <net_id>
 *
 * ZT_EXAMPLE_ROOTS=<file> (optional): the signed planet to use instead of the built-in roots.
 */
#include "example_common.h"

/* An address event: the address sits at offset 4 (IPv4) or 8 (IPv6) of |addr|. */
static void print_addr(const char *name, const zts_addr_info_t *a, int family)
{
    char ip[ZTS_IP_MAX_STR_LEN] = {0};
    const void *src = family == ZTS_AF_INET6
                          ? (const void *)&((const struct zts_sockaddr_in6 *)&a->addr)->sin6_addr
                          : (const void *)&((const struct zts_sockaddr_in *)&a->addr)->sin_addr;

    zts_inet_ntop(family, src, ip, sizeof(ip));
    printf("%s --- Join %llx and ping me at %s\n", name, (unsigned long long)a->net_id, ip);
}

static void print_network(int code, unsigned long long id)
{
    switch (code) {
    case ZTS_EVENT_NETWORK_NOT_FOUND:
        printf("ZTS_EVENT_NETWORK_NOT_FOUND --- Are you sure %llx is a valid network?\n", id);
        break;
    case ZTS_EVENT_NETWORK_ACCESS_DENIED:
        printf("ZTS_EVENT_NETWORK_ACCESS_DENIED --- Access to virtual network %llx has been "
               "denied. Did you authorize the node yet?\n",
               id);
        break;
    case ZTS_EVENT_NETWORK_READY_IP4:
        printf("ZTS_EVENT_NETWORK_READY_IP4 --- Network config received. IPv4 traffic can now "
               "be sent over network %llx\n",
               id);
        break;
    case ZTS_EVENT_NETWORK_READY_IP6:
        printf("ZTS_EVENT_NETWORK_READY_IP6 --- Network config received. IPv6 traffic can now "
               "be sent over network %llx\n",
               id);
        break;
    case ZTS_EVENT_NETWORK_DOWN:
        printf("ZTS_EVENT_NETWORK_DOWN --- %llx\n", id);
        break;
    default:
        break;
    }
}

/* Called by the library on its event thread, one event at a time; |arg| (a zts_event_msg_t)
 * and its payload are valid only during the call. */
static void on_zts_event(void *arg)
{
    zts_event_msg_t *msg = (zts_event_msg_t *)arg;

    switch (msg->event_code) {
    case ZTS_EVENT_NODE_ONLINE:
        print_node_online(msg);
        break;
    case ZTS_EVENT_NODE_OFFLINE:
        printf("ZTS_EVENT_NODE_OFFLINE --- Check your physical Internet connection, router, "
               "firewall, etc. What ports are you blocking?\n");
        break;
    case ZTS_EVENT_NODE_DOWN:
        printf("ZTS_EVENT_NODE_DOWN --- The node is down\n");
        break;
    case ZTS_EVENT_ADDR_ADDED_IP4:
        print_addr("ZTS_EVENT_ADDR_ADDED_IP4", msg->addr, ZTS_AF_INET);
        break;
    case ZTS_EVENT_ADDR_ADDED_IP6:
        print_addr("ZTS_EVENT_ADDR_ADDED_IP6", msg->addr, ZTS_AF_INET6);
        break;
    default:
        if (msg->network != NULL)
            print_network(msg->event_code, (unsigned long long)msg->network->net_id);
        break;
    }
}

int main(int argc, char **argv)
{
    unsigned long long net_id;

    check_usage(argc == 2, "a node that prints its events", "callbackapi <net_id>");
    net_id = strtoull(argv[1], NULL, 16);
    use_private_roots();
    zts_init_set_event_handler(&on_zts_event);
    start_node();
    printf("Joining network %llx\n", net_id);
    join_network(net_id, 1);
    idle();
}
