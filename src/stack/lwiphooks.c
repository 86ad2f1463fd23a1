/*
 * lwiphooks.c: lwIP's routing hooks, forwarding to what the stack glue registered
 * (lwiphooks.h).  Compiled into zt_lwip.
 */
#include "lwiphooks.h"

#include <stddef.h>

static const zt_lwip_route_hooks *hooks; /* core lock */

void zt__lwip_set_route_hooks(const zt_lwip_route_hooks *h)
{
    hooks = h;
}

struct netif *zt__stack_route4(const ip4_addr_t *src, const ip4_addr_t *dest)
{
    return hooks != NULL ? hooks->route4(src, dest) : NULL;
}

struct netif *zt__stack_route6(const ip6_addr_t *src, const ip6_addr_t *dest)
{
    return hooks != NULL ? hooks->route6(src, dest) : NULL;
}

const ip4_addr_t *zt__stack_gw4(struct netif *netif, const ip4_addr_t *dest)
{
    return hooks != NULL ? hooks->gw4(netif, dest) : NULL;
}

const ip6_addr_t *zt__stack_gw6(struct netif *netif, const ip6_addr_t *dest)
{
    return hooks != NULL ? hooks->gw6(netif, dest) : NULL;
}
