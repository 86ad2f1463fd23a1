/*
 * ctl_core.c: the core lock and the core queries of the modern API (api-modern.md §5.10,
 * DevilutionX's zts_core_query_peer_info of §5.14).
 *
 * The core lock is a recursive mutex of its own: wrappers hold it across a count and the
 * queries that follow, and nothing inside the library takes it, so holding it never stalls the
 * node's I/O thread and calling any other function while holding it cannot deadlock (§5.10
 * "SHOULD make re-entrant use safe").  The queries take the service's own locks for each
 * answer; an index that went out of range meanwhile is ZTS_ERR_ARG.  Addresses are written as
 * host-style text (IPv6 lowercase), unlike zts_inet_ntop (§11 item 24).
 */
#include "modern/ctl_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ethernet.h"

static pthread_mutex_t core_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static _Thread_local unsigned held; /* how deep this thread holds it */

int zts_core_lock_obtain(void)
{
    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    pthread_mutex_lock(&core_lock);
    held++;
    return ZTS_ERR_OK;
}

int zts_core_lock_release(void)
{
    /* Released even after a stop, so that a holder is never left locked. */
    if (held == 0)
        return zt__modern_running() != ZTS_ERR_OK ? ZTS_ERR_SERVICE : ZTS_ERR_GENERAL;
    held--;
    pthread_mutex_unlock(&core_lock);
    return ZTS_ERR_OK;
}

/* Host-style text of |family| (4, 6) address |ip| into |dst| (|len| bytes). */
static void host_text(int family, const uint8_t *ip, char *dst, size_t len)
{
    if (inet_ntop(family == 4 ? AF_INET : AF_INET6, ip, dst, (socklen_t)len) == NULL && len > 0)
        dst[0] = 0;
}

/* ---- networks ----------------------------------------------------------------------------- */

/* A copy of the table entry of |net_id|: ZTS_ERR_OK, ZTS_ERR_SERVICE or ZTS_ERR_NO_RESULT. */
static int net_copy(uint64_t net_id, zt_svc_net *out, uint64_t *mc, unsigned *nmc)
{
    zt_svc_net *net;
    int rv;

    pthread_mutex_lock(&zt__svc.mu);
    net = zt__svc.state == ZT_SVC_RUNNING ? zt__svc_find_net(net_id) : NULL;
    rv = zt__svc.state != ZT_SVC_RUNNING ? ZTS_ERR_SERVICE
         : net == NULL                    ? ZTS_ERR_NO_RESULT
                                          : ZTS_ERR_OK;
    if (net != NULL) {
        out->naddrs = net->naddrs;
        memcpy(out->addrs, net->addrs, sizeof(out->addrs));
        out->nroutes = net->nroutes;
        memcpy(out->routes, net->routes, sizeof(out->routes));
        if (mc != NULL)
            *nmc = zt__svc_multicast_of(net, mc, ZT_SVC_MAX_MC);
    }
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_core_query_addr_count(uint64_t net_id)
{
    zt_svc_net *net = calloc(1, sizeof(*net));
    int rv;

    if (net == NULL)
        return ZTS_ERR_GENERAL;
    rv = net_copy(net_id, net, NULL, NULL);
    if (rv == ZTS_ERR_OK)
        rv = (int)net->naddrs;
    free(net);
    return rv;
}

int zts_core_query_addr(uint64_t net_id, unsigned int idx, char *addr, unsigned int len)
{
    zt_svc_net *net;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (addr == NULL || len < ZTS_INET6_ADDRSTRLEN)
        return ZTS_ERR_ARG;
    net = calloc(1, sizeof(*net));
    if (net == NULL)
        return ZTS_ERR_GENERAL;
    rv = net_copy(net_id, net, NULL, NULL);
    if (rv == ZTS_ERR_OK && idx >= net->naddrs)
        rv = ZTS_ERR_ARG;
    if (rv == ZTS_ERR_OK)
        host_text(net->addrs[idx].family, net->addrs[idx].ip, addr, len);
    free(net);
    return rv;
}

int zts_core_query_route_count(uint64_t net_id)
{
    zt_svc_net *net = calloc(1, sizeof(*net));
    int rv;

    if (net == NULL)
        return ZTS_ERR_GENERAL;
    rv = net_copy(net_id, net, NULL, NULL);
    if (rv == ZTS_ERR_OK)
        rv = (int)net->nroutes;
    free(net);
    return rv;
}

int zts_core_query_route(uint64_t net_id, unsigned int idx, char *target, char *via,
                         unsigned int len, uint16_t *flags, uint16_t *metric)
{
    zt_svc_net *net;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (target == NULL || via == NULL || len == 0)
        return ZTS_ERR_ARG;
    memset(target, 0, len);
    memset(via, 0, len);
    net = calloc(1, sizeof(*net));
    if (net == NULL)
        return ZTS_ERR_GENERAL;
    rv = net_copy(net_id, net, NULL, NULL);
    if (rv == ZTS_ERR_OK && idx >= net->nroutes)
        rv = ZTS_ERR_ARG;
    if (rv == ZTS_ERR_OK) {
        const zt_netconf_route *r = &net->routes[idx];
        host_text(r->target.family, r->target.ip, target, len);
        if (r->via.family == 4 || r->via.family == 6)
            host_text(r->via.family, r->via.ip, via, len);
        else
            snprintf(via, len, "%s", "0.0.0.0");
        if (flags != NULL)
            *flags = r->flags;
        if (metric != NULL)
            *metric = r->metric;
    }
    free(net);
    return rv;
}

int zts_core_query_mc_count(uint64_t net_id)
{
    zt_svc_net *net = calloc(1, sizeof(*net));
    uint64_t mc[ZT_SVC_MAX_MC];
    unsigned nmc = 0;
    int rv;

    if (net == NULL)
        return ZTS_ERR_GENERAL;
    rv = net_copy(net_id, net, mc, &nmc);
    free(net);
    return rv == ZTS_ERR_OK ? (int)nmc : rv;
}

int zts_core_query_mc(uint64_t net_id, unsigned int idx, uint64_t *mac, uint32_t *adi)
{
    zt_svc_net *net;
    uint64_t mc[ZT_SVC_MAX_MC];
    unsigned nmc = 0;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (mac == NULL || adi == NULL)
        return ZTS_ERR_ARG;
    net = calloc(1, sizeof(*net));
    if (net == NULL)
        return ZTS_ERR_GENERAL;
    rv = net_copy(net_id, net, mc, &nmc);
    free(net);
    if (rv == ZTS_ERR_OK && idx >= nmc)
        rv = ZTS_ERR_ARG;
    if (rv == ZTS_ERR_OK) {
        *mac = mc[idx];
        *adi = 0;
    }
    return rv;
}

/* ---- peers -------------------------------------------------------------------------------- */

/* The peer |address| as zts_peer_info_t: ZTS_ERR_OK, ZTS_ERR_SERVICE, ZTS_ERR_NO_RESULT. */
static int peer_of(uint64_t address, zts_peer_info_t *out)
{
    zt_runner *r = zt__svc_runner(false);
    zt_peer_info *info;
    int rv;

    if (r == NULL)
        return zt__modern_running() == ZTS_ERR_OK ? ZTS_ERR_NO_RESULT : ZTS_ERR_SERVICE;
    info = calloc(1, sizeof(*info));
    rv = info == NULL ? ZT_ERR_NOMEM : zt__runner_get_peer(r, address, info);
    zt__svc_release_runner();
    if (rv == 0)
        zt__modern_peer_info(info, out);
    free(info);
    return rv == 0 ? ZTS_ERR_OK : rv == ZT_ERR_NOMEM ? ZTS_ERR_GENERAL : ZTS_ERR_NO_RESULT;
}

int zts_core_query_peer_info(uint64_t net_id, uint64_t mac, zts_peer_info_t *peerInfo)
{
    zts_peer_info_t *info;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (peerInfo == NULL)
        return ZTS_ERR_ARG;
    info = calloc(1, sizeof(*info));
    if (info == NULL)
        return ZTS_ERR_GENERAL;
    /* A member's MAC on a network names its address (vl2.md: the per-network mapping). */
    rv = peer_of(zt__mac_to_address(mac & 0xffffffffffffull, net_id), info);
    if (rv == ZTS_ERR_OK)
        *peerInfo = *info;
    free(info);
    return rv;
}

int zts_core_query_path_count(uint64_t peer_id)
{
    zts_peer_info_t *info = calloc(1, sizeof(*info));
    int rv;

    if (info == NULL)
        return ZTS_ERR_GENERAL;
    rv = peer_of(peer_id, info);
    if (rv == ZTS_ERR_OK)
        rv = (int)info->path_count;
    free(info);
    return rv;
}

int zts_core_query_path(uint64_t peer_id, unsigned int idx, char *dst, unsigned int len)
{
    zts_peer_info_t *info;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (dst == NULL || len < ZTS_INET6_ADDRSTRLEN)
        return ZTS_ERR_ARG;
    info = calloc(1, sizeof(*info));
    if (info == NULL)
        return ZTS_ERR_GENERAL;
    rv = peer_of(peer_id, info);
    if (rv == ZTS_ERR_OK && idx >= info->path_count)
        rv = ZTS_ERR_ARG;
    if (rv == ZTS_ERR_OK) {
        const struct zts_sockaddr_storage *ss = &info->paths[idx].address;
        bool v6 = ss->ss_family == ZTS_AF_INET6;
        host_text(v6 ? 6 : 4, (const uint8_t *)ss + (v6 ? 8 : 4), dst, len);
    }
    free(info);
    return rv;
}
