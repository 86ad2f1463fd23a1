/*
 * lwiphooks.h: the routing hooks lwipopts.h installs in lwIP (LWIP_HOOK_FILENAME).  Included
 * by lwIP's own ip4.c, etharp.c, ip6.c and nd6.c; always called with the core lock held.
 *
 * lwIP is a library of its own (zt_lwip, also used alone by tests), so the hooks live beside
 * it (lwiphooks.c) and forward to the functions the stack glue registers when it starts
 * (netif.c: routing by each network's prefixes and managed routes).  Each returns NULL to let
 * lwIP decide (its loopback netif, the default netif), which is all they do before that.
 */
#ifndef ZT_STACK_LWIPHOOKS_H
#define ZT_STACK_LWIPHOOKS_H

#include "lwip/ip_addr.h"
#include "lwip/netif.h"

typedef struct zt_lwip_route_hooks {
    /* The netif whose addresses or routes cover |dest| (longest prefix). */
    struct netif *(*route4)(const ip4_addr_t *src, const ip4_addr_t *dest);
    struct netif *(*route6)(const ip6_addr_t *src, const ip6_addr_t *dest);
    /* The next hop on |netif| for |dest|: |dest| itself when on-link, a route's gateway. */
    const ip4_addr_t *(*gw4)(struct netif *netif, const ip4_addr_t *dest);
    const ip6_addr_t *(*gw6)(struct netif *netif, const ip6_addr_t *dest);
} zt_lwip_route_hooks;

/* Installs |h| (static storage; core lock held, or before tcpip_init). */
void zt__lwip_set_route_hooks(const zt_lwip_route_hooks *h);

struct netif *zt__stack_route4(const ip4_addr_t *src, const ip4_addr_t *dest);
struct netif *zt__stack_route6(const ip6_addr_t *src, const ip6_addr_t *dest);
const ip4_addr_t *zt__stack_gw4(struct netif *netif, const ip4_addr_t *dest);
const ip6_addr_t *zt__stack_gw6(struct netif *netif, const ip6_addr_t *dest);
/* Drops (frees |p|, returns 1) an ICMPv6 Packet Too Big whose MTU is below 1280 or above the
 * input netif's; 0 lets lwIP go on.  Needs no registration. */
int zt__stack_ip6_input(struct pbuf *p, struct netif *inp);

/* TCP loss recovery beyond lwIP's own (tcp_recovery.c), run before lwIP processes each
 * segment of a connection; always ERR_OK.  Needs no registration. */
struct tcp_pcb;
struct tcp_hdr;
err_t zt__stack_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr,
                             const struct pbuf *p);

#endif
