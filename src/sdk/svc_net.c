/*
 * svc_net.c: the service's table of joined networks (zt__svc.nets) and what a network config
 * becomes: a netif carrying its addresses, routes and MTU, and the events that say so, in the
 * order of api-modern.md §6.3 (docs/internals/api.md, "Networks and netifs").  Called on the
 * runner's I/O thread, the only one that changes the table while a node runs.
 */
#include "sdk/svc.h"
#include "sdk/netcfg.h"

#include <stdlib.h>
#include <string.h>

/* The group every netif subscribes, for programs that join an MLD group on the stack alone
 * (DevilutionX, api-modern.md §9.2 item 5): 33:33:37:86:6f:b7. */
#define ZT_SVC_DEVX_GROUP 0x333337866fb7ull

zt_svc_net *zt__svc_find_net(uint64_t nwid)
{
    for (unsigned i = 0; i < zt__svc.nnets; i++)
        if (zt__svc.nets[i].nwid == nwid)
            return &zt__svc.nets[i];
    return NULL;
}

static zt_svc_net *add_net(uint64_t nwid)
{
    zt_svc_net *net = zt__svc_find_net(nwid);

    if (net != NULL)
        return net;
    /* mc_mu too: zt__svc_note_multicast walks the table under it alone. */
    pthread_mutex_lock(&zt__svc.mc_mu);
    if (zt__svc.nnets == zt__svc.capnets) {
        unsigned ncap = zt__svc.capnets == 0 ? 4 : zt__svc.capnets * 2;
        zt_svc_net *n = realloc(zt__svc.nets, ncap * sizeof(*n));
        if (n == NULL) {
            pthread_mutex_unlock(&zt__svc.mc_mu);
            return NULL;
        }
        zt__svc.nets = n;
        zt__svc.capnets = ncap;
    }
    net = &zt__svc.nets[zt__svc.nnets++];
    memset(net, 0, sizeof(*net));
    net->nwid = nwid;
    pthread_mutex_unlock(&zt__svc.mc_mu);
    return net;
}

/* A copy of |net| (mu held), its multicast groups included. */
static void snapshot(const zt_svc_net *net, zt_svc_net *out)
{
    pthread_mutex_lock(&zt__svc.mc_mu);
    *out = *net;
    pthread_mutex_unlock(&zt__svc.mc_mu);
}

void zt__svc_set_net_status(uint64_t nwid, zt_svc_event_kind kind, zt_network_status st)
{
    zt_svc_net *net, copy;
    bool changed = false;

    pthread_mutex_lock(&zt__svc.mu);
    net = add_net(nwid);
    if (net != NULL) {
        net->netstatus = st;
        if (net->status != (int)kind) {
            net->status = (int)kind;
            snapshot(net, &copy);
            changed = true;
        }
    }
    pthread_mutex_unlock(&zt__svc.mu);
    if (changed)
        zt__svc_queue_net(kind, &copy);
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

static zt_svc_event_kind addr_kind(const zt_stack_prefix *a, bool added)
{
    if (a->family == 4)
        return added ? ZT_SVC_EV_ADDR_ADDED4 : ZT_SVC_EV_ADDR_REMOVED4;
    return added ? ZT_SVC_EV_ADDR_ADDED6 : ZT_SVC_EV_ADDR_REMOVED6;
}

/* The address and route events from |old| to the config |rn| (|sc|): removals first, then
 * additions, IPv4 addresses before IPv6 ones (§6.3 item 3). */
static void queue_changes(uint64_t nwid, const zt_svc_net *old, const zt_runner_network *rn,
                          const zt_netcfg *sc)
{
    for (unsigned i = 0; i < old->naddrs; i++)
        if (!has_addr(sc->addrs, sc->naddrs, &old->addrs[i]))
            zt__svc_queue_addr(addr_kind(&old->addrs[i], false), nwid, &old->addrs[i]);
    for (unsigned i = 0; i < old->nroutes; i++)
        if (!has_route(rn->routes, sc->nroutes, &old->routes[i]))
            zt__svc_queue_route(ZT_SVC_EV_ROUTE_REMOVED, nwid, &old->routes[i]);
    for (unsigned i = 0; i < sc->nroutes; i++)
        if (!has_route(old->routes, old->nroutes, &rn->routes[i]))
            zt__svc_queue_route(ZT_SVC_EV_ROUTE_ADDED, nwid, &rn->routes[i]);
    for (unsigned family = 4; family <= 6; family += 2)
        for (unsigned i = 0; i < sc->naddrs; i++)
            if (sc->addrs[i].family == family && !has_addr(old->addrs, old->naddrs, &sc->addrs[i]))
                zt__svc_queue_addr(addr_kind(&sc->addrs[i], true), nwid, &sc->addrs[i]);
}

/* The config's facts into the table entry (mu held). */
static void record(zt_svc_net *net, zt_stack_netif *netif, const zt_runner_network *rn,
                   const zt_netcfg *sc)
{
    net->netif = netif;
    net->mac = rn->mac;
    net->mtu = sc->mtu;
    memcpy(net->addrs, sc->addrs, sizeof(sc->addrs[0]) * sc->naddrs);
    net->naddrs = sc->naddrs;
    memcpy(net->routes, rn->routes, sizeof(rn->routes[0]) * sc->nroutes);
    net->nroutes = sc->nroutes;
    net->has_config = true;
    net->is_public = rn->is_public;
    net->broadcast = rn->broadcast_enabled;
    net->bridge = rn->is_bridge;
    net->revision = rn->revision;
    net->netstatus = ZT_NETWORK_OK;
    memcpy(net->name, rn->name, sizeof(net->name));
    net->name[sizeof(net->name) - 1] = 0;
}

/* Records the config in the table, then sends UPDATE, READY for each family that became
 * usable (also after OK: §6.3 item 4, Required deviation), and OK itself. */
static void commit(uint64_t nwid, zt_stack_netif *netif, const zt_runner_network *rn,
                   const zt_netcfg *sc)
{
    zt_svc_net *net, now;

    pthread_mutex_lock(&zt__svc.mu);
    net = zt__svc_find_net(nwid);
    record(net, netif, rn, sc);
    snapshot(net, &now); /* with the readiness from before: the tests below */
    net->ready4 = sc->has4;
    net->ready6 = sc->has6;
    pthread_mutex_unlock(&zt__svc.mu);

    zt__svc_queue_net(ZT_SVC_EV_NET_UPDATE, &now);
    if (sc->has4 && !now.ready4)
        zt__svc_queue_net(ZT_SVC_EV_NET_READY4, &now);
    if (sc->has6 && !now.ready6)
        zt__svc_queue_net(ZT_SVC_EV_NET_READY6, &now);
    zt__svc_set_net_status(nwid, ZT_SVC_EV_NET_OK, ZT_NETWORK_OK);
}

void zt__svc_apply_config(zt_runner *r, uint64_t nwid, const zt_stack_netif_ops *ops)
{
    zt_runner_network rn;
    zt_netcfg sc;
    zt_svc_net *net, old;
    bool created;

    if (zt__runner_get_network(r, nwid, &rn) != 0 || !rn.has_config)
        return;
    zt__netcfg_of(&rn, &sc);

    pthread_mutex_lock(&zt__svc.mu);
    net = add_net(nwid);
    if (net == NULL) {
        pthread_mutex_unlock(&zt__svc.mu);
        return;
    }
    snapshot(net, &old);
    pthread_mutex_unlock(&zt__svc.mu);

    if (zt__netcfg_apply(&old.netif, &rn, &sc, ops, &created) != 0 && old.netif == NULL)
        return;
    if (created) {
        zt__svc_note_multicast(nwid, ZT_SVC_DEVX_GROUP, true);
        (void)zt__runner_multicast(r, nwid, ZT_SVC_DEVX_GROUP, 0, true);
        zt__svc_queue_netif(nwid, rn.mac, sc.mtu);
    }
    queue_changes(nwid, &old, &rn, &sc);
    commit(nwid, old.netif, &rn, &sc);
}

void zt__svc_drop_net(uint64_t nwid)
{
    zt_svc_net copy;
    bool found = false;

    pthread_mutex_lock(&zt__svc.mu);
    for (unsigned i = 0; i < zt__svc.nnets; i++) {
        if (zt__svc.nets[i].nwid != nwid)
            continue;
        pthread_mutex_lock(&zt__svc.mc_mu);
        copy = zt__svc.nets[i];
        zt__svc.nets[i] = zt__svc.nets[--zt__svc.nnets];
        pthread_mutex_unlock(&zt__svc.mc_mu);
        found = true;
        break;
    }
    pthread_mutex_unlock(&zt__svc.mu);
    if (!found)
        return;
    zt__stack_netif_del(copy.netif);
    zt__svc_queue_net(ZT_SVC_EV_NET_DOWN, &copy);
}

/* ---- multicast groups (mc_mu only) -------------------------------------------------------- */

void zt__svc_note_multicast(uint64_t nwid, uint64_t mac, bool join)
{
    pthread_mutex_lock(&zt__svc.mc_mu);
    for (unsigned i = 0; i < zt__svc.nnets; i++) {
        zt_svc_net *net = &zt__svc.nets[i];
        unsigned k = 0;
        if (net->nwid != nwid)
            continue;
        while (k < net->nmc && net->mc[k] != mac)
            k++;
        if (join && k == net->nmc && net->nmc < ZT_SVC_MAX_MC)
            net->mc[net->nmc++] = mac;
        else if (!join && k < net->nmc)
            net->mc[k] = net->mc[--net->nmc];
        break;
    }
    pthread_mutex_unlock(&zt__svc.mc_mu);
}

unsigned zt__svc_multicast_of(const zt_svc_net *net, uint64_t *out, unsigned max)
{
    unsigned n;

    pthread_mutex_lock(&zt__svc.mc_mu);
    n = net->nmc < max ? net->nmc : max;
    memcpy(out, net->mc, n * sizeof(*out));
    pthread_mutex_unlock(&zt__svc.mc_mu);
    return n;
}
