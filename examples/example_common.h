/*
 * example_common.h: what every example program does the same way (examples/README.md,
 * "What every example does"): the two flags the event callback sets and main() polls, the
 * event lines, starting the node and joining the network.  A header of static inline
 * functions (no warning for those an example does not use), so that each example stays one
 * file built with the public header alone.
 */
#ifndef ZT_EXAMPLE_COMMON_H
#define ZT_EXAMPLE_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "ZeroTierSockets.h"

/* Set by the event callback on the library's event thread, polled by main(): _Atomic makes
 * the hand-over between the two threads well defined. */
static _Atomic int node_ready;
static _Atomic int network_ready;

/* Writes the address of an ADDR event into |ip| (|len| bytes); |af| says which overlay to
 * read it through. */
static inline void addr_text(int af, const struct zts_addr_details *ad, char *ip,
                             zts_socklen_t len)
{
    if (af == ZTS_AF_INET) {
        const struct zts_sockaddr_in *in4 = (const struct zts_sockaddr_in *)&ad->addr;
        zts_inet_ntop(ZTS_AF_INET, &in4->sin_addr, ip, len);
    } else {
        const struct zts_sockaddr_in6 *in6 = (const struct zts_sockaddr_in6 *)&ad->addr;
        zts_inet_ntop(ZTS_AF_INET6, &in6->sin6_addr, ip, len);
    }
}

/* Prints the address an ADDR event adds or removes: "<name> --- This node's virtual
 * address on network <nwid> is <ip>". */
static inline void print_addr(const char *name, int af, const struct zts_addr_details *ad)
{
    char ip[ZTS_INET6_ADDRSTRLEN];

    addr_text(af, ad, ip, sizeof(ip));
    printf("%s --- This node's virtual address on network %llx is %s\n", name,
           (unsigned long long)ad->nwid, ip);
}

/* Prints the address an ADDR event adds as an invitation: "<name> --- Join <nwid> and ping
 * me at <ip>" (pingable, adhoc). */
static inline void print_ping_me(const char *name, int af, const struct zts_addr_details *ad)
{
    char ip[ZTS_INET6_ADDRSTRLEN];

    addr_text(af, ad, ip, sizeof(ip));
    printf("%s --- Join %llx and ping me at %s\n", name, (unsigned long long)ad->nwid, ip);
}

/* Prints a NETIF event; the virtual interface is up or down, so the network is usable (or
 * will not become so): either way main() stops waiting. */
static inline void print_netif(const char *name, const struct zts_netif_details *nd)
{
    printf("%s --- network=%llx, mac=%llx, mtu=%d\n", name, (unsigned long long)nd->nwid,
           (unsigned long long)nd->mac, nd->mtu);
    network_ready = 1;
}

/* Prints a NETWORK_READY event for IPv|version| and lets main() go on. */
static inline void print_ready(const char *name, char version, const struct zts_network_details *nd)
{
    printf("%s --- Network config received. IPv%c traffic can now be sent over network %llx\n",
           name, version, (unsigned long long)nd->nwid);
    network_ready = 1;
}

/* Prints the node, network and peer events every example reports alike and sets the two
 * flags; returns 0 for any other event (ADDR, NETIF, ...), which the caller handles or
 * ignores.  Runs on the event thread, |msg| valid for the call only. */
static inline int print_event(const struct zts_callback_msg *msg)
{
    switch (msg->eventCode) {
    case ZTS_EVENT_NODE_ONLINE:
        printf("ZTS_EVENT_NODE_ONLINE --- This node's ID is %llx\n",
               (unsigned long long)msg->node->address);
        node_ready = 1;
        return 1;
    case ZTS_EVENT_NODE_OFFLINE:
        printf("ZTS_EVENT_NODE_OFFLINE --- Check your physical Internet connection, router, "
               "firewall, etc. What ports are you blocking?\n");
        return 1;
    case ZTS_EVENT_NODE_NORMAL_TERMINATION:
        printf("ZTS_EVENT_NODE_NORMAL_TERMINATION\n");
        return 1;
    case ZTS_EVENT_NETWORK_NOT_FOUND:
        printf("ZTS_EVENT_NETWORK_NOT_FOUND --- Are you sure %llx is a valid network?\n",
               (unsigned long long)msg->network->nwid);
        return 1;
    case ZTS_EVENT_NETWORK_REQ_CONFIG:
        printf("ZTS_EVENT_NETWORK_REQ_CONFIG --- Requesting config for network %llx, "
               "please wait a few seconds...\n",
               (unsigned long long)msg->network->nwid);
        return 1;
    case ZTS_EVENT_NETWORK_ACCESS_DENIED:
        printf("ZTS_EVENT_NETWORK_ACCESS_DENIED --- Access to virtual network %llx has been "
               "denied. Did you authorize the node yet?\n",
               (unsigned long long)msg->network->nwid);
        return 1;
    case ZTS_EVENT_NETWORK_READY_IP4:
        print_ready("ZTS_EVENT_NETWORK_READY_IP4", '4', msg->network);
        return 1;
    case ZTS_EVENT_NETWORK_READY_IP6:
        print_ready("ZTS_EVENT_NETWORK_READY_IP6", '6', msg->network);
        return 1;
    case ZTS_EVENT_NETWORK_DOWN:
        printf("ZTS_EVENT_NETWORK_DOWN --- %llx\n", (unsigned long long)msg->network->nwid);
        return 1;
    case ZTS_EVENT_PEER_DIRECT:
        printf("ZTS_EVENT_PEER_DIRECT --- A direct path is known for %llx\n",
               (unsigned long long)msg->peer->address);
        return 1;
    case ZTS_EVENT_PEER_RELAY:
        printf("ZTS_EVENT_PEER_RELAY --- No direct path to %llx\n",
               (unsigned long long)msg->peer->address);
        return 1;
    default:
        return 0;
    }
}

/* Prints the four ADDR events with print_addr() (their historical names for the added
 * ones); returns 0 for any other event. */
static inline int print_addr_event(const struct zts_callback_msg *msg)
{
    switch (msg->eventCode) {
    case ZTS_EVENT_ADDR_ADDED_IP4:
        print_addr("ZTS_EVENT_ADDR_NEW_IP4", ZTS_AF_INET, msg->addr);
        return 1;
    case ZTS_EVENT_ADDR_ADDED_IP6:
        print_addr("ZTS_EVENT_ADDR_NEW_IP6", ZTS_AF_INET6, msg->addr);
        return 1;
    case ZTS_EVENT_ADDR_REMOVED_IP4:
        print_addr("ZTS_EVENT_ADDR_REMOVED_IP4", ZTS_AF_INET, msg->addr);
        return 1;
    case ZTS_EVENT_ADDR_REMOVED_IP6:
        print_addr("ZTS_EVENT_ADDR_REMOVED_IP6", ZTS_AF_INET6, msg->addr);
        return 1;
    default:
        return 0;
    }
}

/* Fills |addr| with the IPv4 address |ip| (network order) and the port written in |port|.
 * sin_len and sin_zero are left unset on purpose, as in the original examples: the library
 * ignores them (api.md 4.2). */
static inline void set_ipv4(struct zts_sockaddr_in *addr, uint32_t ip, const char *port)
{
    addr->sin_port = zts_htons((uint16_t)strtoul(port, NULL, 10));
#if defined(_WIN32)
    addr->sin_addr.S_addr = ip;
#else
    addr->sin_addr.s_addr = ip;
#endif
    addr->sin_family = ZTS_AF_INET;
}

/* A socket call on |fd| returned |ret| < 0: prints "Error <what> (fd, ret, zts_errno).
 * Exiting." and exits with 1. */
static inline void exit_socket_error(const char *what, int fd, int ret)
{
    printf("Error %s (fd=%d, ret=%d, zts_errno=%d). Exiting.\n", what, fd, ret, zts_errno);
    exit(1);
}

/* With the wrong argument count, prints the example's title and usage line and exits with
 * status 0; otherwise makes stdout line-buffered (one line at a time, even into a pipe or a
 * file). */
static inline void check_usage(int ok, const char *title, const char *usage)
{
    if (!ok) {
        printf("\nlibzt example %s\n", title);
        printf("%s\n", usage);
        exit(0);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Starts the node with its config in |path| and its UDP service on |port| (0: a random
 * one), the events going to |cb|, and waits until it is online.  Exits with 1 if it
 * cannot start. */
static inline void start_node(const char *path, void (*cb)(void *), uint16_t port)
{
    int err;

    if ((err = zts_start(path, cb, port)) != ZTS_ERR_OK) {
        printf("Unable to start service, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Waiting for node to come online...\n");
    while (!node_ready)
        zts_delay_ms(50);
}

/* Joins |nwid|; exits with 1 if the library refuses.  The caller then waits with
 * wait_network(). */
static inline void join_network(uint64_t nwid)
{
    int err;

    if ((err = zts_join(nwid)) != ZTS_ERR_OK) {
        printf("Unable to join network, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Joining network %llx\n", (unsigned long long)nwid);
}

/* Waits until the event callback says the network is ready. */
static inline void wait_network(void)
{
    while (!network_ready)
        zts_delay_ms(50);
}

#endif
