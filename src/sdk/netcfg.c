/*
 * netcfg.c: a network's config as the stack takes it (netcfg.h).
 */
#include "sdk/netcfg.h"

#include <string.h>

static void prefix_of(const zt_inetaddr *a, zt_stack_prefix *p)
{
    memset(p, 0, sizeof(*p));
    p->family = a->family;
    memcpy(p->ip, a->ip, 16);
    p->bits = (uint8_t)(a->port > (a->family == 4 ? 32 : 128) ? 0 : a->port);
}

void zt__netcfg_of(const zt_runner_network *rn, zt_netcfg *sc)
{
    sc->mtu = rn->mtu < 1280 ? 1280 : rn->mtu > 10000 ? 10000 : rn->mtu;
    sc->naddrs = sc->nroutes = 0;
    sc->has4 = sc->has6 = false;
    for (unsigned i = 0; i < rn->n_ips && sc->naddrs < ZT_STACK_MAX_ADDRS; i++) {
        if (rn->ips[i].family != 4 && rn->ips[i].family != 6)
            continue;
        prefix_of(&rn->ips[i], &sc->addrs[sc->naddrs]);
        sc->has4 |= rn->ips[i].family == 4;
        sc->has6 |= rn->ips[i].family == 6;
        sc->naddrs++;
    }
    for (unsigned i = 0; i < rn->n_routes && sc->nroutes < ZT_STACK_MAX_ROUTES; i++) {
        zt_stack_route *route = &sc->routes[sc->nroutes];
        memset(route, 0, sizeof(*route));
        prefix_of(&rn->routes[i].target, &route->target);
        if (rn->routes[i].via.family != 0)
            prefix_of(&rn->routes[i].via, &route->via);
        sc->nroutes++;
    }
}

int zt__netcfg_apply(zt_stack_netif **pnif, const zt_runner_network *rn, const zt_netcfg *nc,
                     const zt_stack_netif_ops *ops, bool *created)
{
    int rv;

    *created = false;
    if (*pnif == NULL) {
        rv = zt__stack_netif_new(pnif, rn->nwid, rn->mac, nc->mtu, ops);
        if (rv != 0)
            return rv;
        *created = true;
    }
    return zt__stack_netif_configure(*pnif, nc->mtu, nc->addrs, nc->naddrs, nc->routes,
                                     nc->nroutes);
}
