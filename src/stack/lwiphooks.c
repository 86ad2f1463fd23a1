/*
 * lwiphooks.c: lwIP's routing hooks, forwarding to what the stack glue registered
 * (lwiphooks.h).  Compiled into zt_lwip.
 */
#include "lwiphooks.h"

#include <stddef.h>
#include <stdint.h>

#include "lwip/pbuf.h"

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

/* Reads |n| bytes at |off| of |p|; false if the packet is shorter. */
static int peek(const struct pbuf *p, uint8_t *out, u16_t n, u16_t off)
{
    return pbuf_copy_partial(p, out, n, off) == n;
}

int zt__stack_ip6_input(struct pbuf *p, struct netif *inp)
{
    uint8_t h[8];
    uint8_t nh;
    uint32_t mtu;
    u16_t off = 40;

    if (!peek(p, h, 8, 0))
        return 0; /* lwIP drops it */
    nh = h[6];
    /* Walk the extension headers up to the ICMPv6 header (a few at most). */
    for (int i = 0; i < 8 && nh != 58; i++) {
        if (nh == 0 || nh == 43 || nh == 60) { /* hop-by-hop, routing, destination options */
            if (!peek(p, h, 2, off))
                return 0;
            nh = h[0];
            off = (u16_t)(off + (h[1] + 1) * 8);
        } else if (nh == 44) { /* fragment: only the first one carries the ICMPv6 header */
            if (!peek(p, h, 8, off) || ((h[2] << 8 | h[3]) & 0xfff8) != 0)
                return 0;
            nh = h[0];
            off = (u16_t)(off + 8);
        } else {
            return 0;
        }
    }
    if (nh != 58 || !peek(p, h, 8, off) || h[0] != 2 /* Packet Too Big */)
        return 0;
    mtu = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    if (mtu >= 1280 && mtu <= netif_mtu6(inp))
        return 0;
    pbuf_free(p);
    return 1;
}
