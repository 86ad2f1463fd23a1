/*
 * api_config.c: the API's table of joined networks (zt__api.nets) and what a network config
 * becomes: a netif carrying its addresses, routes and MTU, and the events that say so, in the
 * order of api.md §6.3 (docs/internals/api.md, "Networks and netifs").  Called on the
 * runner's I/O thread, the only one that changes the table while a node runs.
 */
#include "sdk/api_internal.h"
#include "sdk/netcfg.h"

#include <stdlib.h>
#include <string.h>

/* The group every netif subscribes, for programs that join an MLD group on the stack alone
 * (DevilutionX, api.md §10.3): 33:33:37:86:6f:b7. */
#define ZT_API_DEVX_GROUP 0x333337866fb7ull

zt_api_net *zt__api_find_net(uint64_t nwid)
{
    for (unsigned i = 0; i < zt__api.nnets; i++)
        if (zt__api.nets[i].nwid == nwid)
            return &zt__api.nets[i];
    return NULL;
}

static zt_api_net *add_net(uint64_t nwid)
{
    zt_api_net *net = zt__api_find_net(nwid);

    if (net != NULL)
        return net;
    if (zt__api.nnets == zt__api.capnets) {
        unsigned ncap = zt__api.capnets == 0 ? 4 : zt__api.capnets * 2;
        zt_api_net *n = realloc(zt__api.nets, ncap * sizeof(*n));
        if (n == NULL)
            return NULL;
        zt__api.nets = n;
        zt__api.capnets = ncap;
    }
    net = &zt__api.nets[zt__api.nnets++];
    memset(net, 0, sizeof(*net));
    net->nwid = nwid;
    return net;
}

void zt__api_set_net_status(uint64_t nwid, int code)
{
    zt_api_net *net, copy;
    bool changed = false;

    pthread_mutex_lock(&zt__api.mu);
    net = add_net(nwid);
    if (net != NULL && net->status != code) {
        net->status = code;
        copy = *net;
        changed = true;
    }
    pthread_mutex_unlock(&zt__api.mu);
    if (changed)
        zt__api_queue_network(code, &copy);
}

static bool has_addr(const zt_stack_prefix *list, unsigned n, const zt_stack_prefix *a)
{
    for (unsigned i = 0; i < n; i++)
        if (list[i].family == a->family && list[i].bits == a->bits &&
            memcmp(list[i].ip, a->ip, 16) == 0)
            return true;
    return false;
}

static bool has_route(const zt_netconf_route *list, unsigned n, const zt_netconf_route *r)
{
    for (unsigned i = 0; i < n; i++)
        if (zt__inetaddr_equal(&list[i].target, &r->target) &&
            zt__inetaddr_equal(&list[i].via, &r->via) && list[i].flags == r->flags &&
            list[i].metric == r->metric)
            return true;
    return false;
}

/* The address and route events from |old| to the config |rn| (|sc|): removals first. */
static void queue_changes(uint64_t nwid, const zt_api_net *old, const zt_runner_network *rn,
                          const zt_netcfg *sc)
{
    for (unsigned i = 0; i < old->naddrs; i++)
        if (!has_addr(sc->addrs, sc->naddrs, &old->addrs[i]))
            zt__api_queue_addr(old->addrs[i].family == 4 ? ZTS_EVENT_ADDR_REMOVED_IP4
                                                         : ZTS_EVENT_ADDR_REMOVED_IP6,
                               nwid, &old->addrs[i]);
    for (unsigned i = 0; i < old->nroutes; i++)
        if (!has_route(rn->routes, sc->nroutes, &old->routes[i]))
            zt__api_queue_route(ZTS_EVENT_ROUTE_REMOVED, &old->routes[i]);
    for (unsigned i = 0; i < sc->nroutes; i++)
        if (!has_route(old->routes, old->nroutes, &rn->routes[i]))
            zt__api_queue_route(ZTS_EVENT_ROUTE_ADDED, &rn->routes[i]);
    for (unsigned i = 0; i < sc->naddrs; i++)
        if (!has_addr(old->addrs, old->naddrs, &sc->addrs[i]))
            zt__api_queue_addr(sc->addrs[i].family == 4 ? ZTS_EVENT_ADDR_ADDED_IP4
                                                        : ZTS_EVENT_ADDR_ADDED_IP6,
                               nwid, &sc->addrs[i]);
}

/* Records the config in the table, then sends READY for each family that became usable, also
 * after OK (spec §6.3 item 4), and OK itself. */
static void commit(uint64_t nwid, zt_stack_netif *netif, const zt_runner_network *rn,
                   const zt_netcfg *sc)
{
    zt_api_net *net, now;

    pthread_mutex_lock(&zt__api.mu);
    net = zt__api_find_net(nwid);
    net->netif = netif;
    net->mac = rn->mac;
    net->mtu = sc->mtu;
    memcpy(net->addrs, sc->addrs, sizeof(sc->addrs[0]) * sc->naddrs);
    net->naddrs = sc->naddrs;
    memcpy(net->routes, rn->routes, sizeof(rn->routes[0]) * sc->nroutes);
    net->nroutes = sc->nroutes;
    now = *net; /* with the readiness from before: the test below */
    net->ready4 = sc->has4;
    net->ready6 = sc->has6;
    pthread_mutex_unlock(&zt__api.mu);

    if (sc->has4 && !now.ready4)
        zt__api_queue_network(ZTS_EVENT_NETWORK_READY_IP4, &now);
    if (sc->has6 && !now.ready6)
        zt__api_queue_network(ZTS_EVENT_NETWORK_READY_IP6, &now);
    zt__api_set_net_status(nwid, ZTS_EVENT_NETWORK_OK);
}

void zt__api_apply_config(zt_runner *r, uint64_t nwid, const zt_stack_netif_ops *ops)
{
    zt_runner_network rn;
    zt_netcfg sc;
    zt_api_net *net, old;
    bool created;

    if (zt__runner_get_network(r, nwid, &rn) != 0 || !rn.has_config)
        return;
    zt__netcfg_of(&rn, &sc);

    pthread_mutex_lock(&zt__api.mu);
    net = add_net(nwid);
    if (net == NULL) {
        pthread_mutex_unlock(&zt__api.mu);
        return;
    }
    old = *net;
    pthread_mutex_unlock(&zt__api.mu);

    if (zt__netcfg_apply(&old.netif, &rn, &sc, ops, &created) != 0 && old.netif == NULL)
        return;
    if (created) {
        (void)zt__runner_multicast(r, nwid, ZT_API_DEVX_GROUP, 0, true);
        zt__api_queue_netif(ZTS_EVENT_NETIF_UP, nwid, rn.mac, (int)sc.mtu);
    }
    queue_changes(nwid, &old, &rn, &sc);
    commit(nwid, old.netif, &rn, &sc);
}

void zt__api_drop_net(uint64_t nwid)
{
    zt_api_net copy;
    bool found = false;

    pthread_mutex_lock(&zt__api.mu);
    for (unsigned i = 0; i < zt__api.nnets; i++) {
        if (zt__api.nets[i].nwid != nwid)
            continue;
        copy = zt__api.nets[i];
        zt__api.nets[i] = zt__api.nets[--zt__api.nnets];
        found = true;
        break;
    }
    pthread_mutex_unlock(&zt__api.mu);
    if (!found)
        return;
    zt__stack_netif_del(copy.netif);
    zt__api_queue_network(ZTS_EVENT_NETWORK_DOWN, &copy);
}
