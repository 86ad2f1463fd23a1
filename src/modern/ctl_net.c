/*
 * ctl_net.c: networks, addresses and statistics of the modern API (api-modern.md §5.4-§5.6).
 *
 * What a network's config says (MAC, name, MTU, type, broadcast, routes, status) is asked of
 * the runner, which answers from the node's own view; the addresses are the ones installed on
 * the network's netif (the service's table, src/sdk/svc.h), which is what sockets can use.
 * Every call checks the service first (ZTS_ERR_SERVICE when not running, whatever the
 * arguments: the reference's selftest calls them with random values before a start), then
 * its arguments (ZTS_ERR_ARG), then whether the network is known (ZTS_ERR_NO_RESULT).
 */
#include "modern/ctl_internal.h"

#include <stdio.h>
#include <string.h>

#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "socket/zts_gate.h"

/* ---- join and leave ----------------------------------------------------------------------- */

/* A join asked while the node is being built waits in the run's list (ctl_node.c, started).
 * Returns ZTS_ERR_OK, ZTS_ERR_SERVICE, ZTS_ERR_GENERAL (list full), or 1: the list was taken
 * meanwhile, the runner exists now. */
static int join_later(uint64_t net_id)
{
    int rv = ZTS_ERR_OK;
    unsigned i;

    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.state != ZT_SVC_RUNNING) {
        rv = ZTS_ERR_SERVICE;
    } else if (zt__modern_run.started) {
        rv = 1;
    } else {
        for (i = 0; i < zt__modern_run.npending && zt__modern_run.pending[i] != net_id; i++)
            ;
        if (i == zt__modern_run.npending) {
            if (i < ZT_MODERN_MAX_PENDING)
                zt__modern_run.pending[zt__modern_run.npending++] = net_id;
            else
                rv = ZTS_ERR_GENERAL;
        }
    }
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_net_join(uint64_t net_id)
{
    zt_runner *r;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (net_id == 0)
        return ZTS_ERR_ARG;
    r = zt__svc_runner(false);
    if (r == NULL && (rv = join_later(net_id)) != 1)
        return rv;
    if (r == NULL && (r = zt__svc_runner(false)) == NULL)
        return ZTS_ERR_SERVICE; /* stopped meanwhile */
    rv = zt__runner_join(r, net_id) == 0 ? ZTS_ERR_OK : ZTS_ERR_GENERAL;
    zt__svc_release_runner();
    return rv;
}

int zts_net_leave(uint64_t net_id)
{
    zt_runner *r;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (net_id == 0)
        return ZTS_ERR_ARG;
    r = zt__svc_runner(false);
    if (r == NULL) {
        bool started;
        /* Not built yet: forget a join that waits (unless the list was taken meanwhile). */
        pthread_mutex_lock(&zt__svc.mu);
        started = zt__modern_run.started;
        for (unsigned i = 0; !started && i < zt__modern_run.npending; i++)
            if (zt__modern_run.pending[i] == net_id)
                zt__modern_run.pending[i] = zt__modern_run.pending[--zt__modern_run.npending];
        pthread_mutex_unlock(&zt__svc.mu);
        if (!started)
            return ZTS_ERR_OK;
        if ((r = zt__svc_runner(false)) == NULL)
            return ZTS_ERR_SERVICE; /* stopped meanwhile */
    }
    rv = zt__runner_leave(r, net_id);
    zt__svc_release_runner();
    return rv == 0 || rv == ZT_ERR_NOTFOUND ? ZTS_ERR_OK : ZTS_ERR_GENERAL;
}

/* ---- what the node knows of a network ----------------------------------------------------- */

/* The node's view of |net_id| into |out|: ZTS_ERR_OK, ZTS_ERR_SERVICE, ZTS_ERR_ARG (0) or
 * ZTS_ERR_NO_RESULT (not joined, or the node not built yet). */
static int net_view(uint64_t net_id, zt_runner_network *out)
{
    zt_runner *r;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (net_id == 0)
        return ZTS_ERR_ARG;
    r = zt__svc_runner(false);
    if (r == NULL)
        return ZTS_ERR_NO_RESULT;
    rv = zt__runner_get_network(r, net_id, out);
    zt__svc_release_runner();
    return rv == 0 ? ZTS_ERR_OK : rv == ZT_ERR_AGAIN ? ZTS_ERR_SERVICE : ZTS_ERR_NO_RESULT;
}

uint64_t zts_net_get_mac(uint64_t net_id)
{
    zt_runner_network rn;
    int rv = net_view(net_id, &rn);

    return rv == ZTS_ERR_OK ? rn.mac : (uint64_t)(int64_t)rv;
}

int zts_net_get_mac_str(uint64_t net_id, char *dst, unsigned int len)
{
    zt_runner_network rn;
    uint64_t m;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (dst == NULL || len < ZTS_MAC_ADDRSTRLEN)
        return ZTS_ERR_ARG;
    rv = net_view(net_id, &rn);
    if (rv != ZTS_ERR_OK)
        return rv;
    m = rn.mac;
    /* Six fields without zero padding, as the reference prints them (§5.4). */
    snprintf(dst, ZTS_MAC_ADDRSTRLEN, "%x:%x:%x:%x:%x:%x", (unsigned)(m >> 40 & 0xff),
             (unsigned)(m >> 32 & 0xff), (unsigned)(m >> 24 & 0xff), (unsigned)(m >> 16 & 0xff),
             (unsigned)(m >> 8 & 0xff), (unsigned)(m & 0xff));
    return ZTS_ERR_OK;
}

int zts_net_get_broadcast(uint64_t net_id)
{
    zt_runner_network rn;
    int rv = net_view(net_id, &rn);

    return rv == ZTS_ERR_OK ? rn.broadcast_enabled : rv;
}

int zts_net_get_mtu(uint64_t net_id)
{
    zt_runner_network rn;
    int rv = net_view(net_id, &rn);

    return rv == ZTS_ERR_OK ? (int)rn.mtu : rv;
}

int zts_net_get_name(uint64_t net_id, char *dst, unsigned int len)
{
    zt_runner_network rn;
    size_t n;
    int rv;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (net_id == 0 || dst == NULL || len != ZTS_MAX_NETWORK_SHORT_NAME_LENGTH)
        return ZTS_ERR_ARG;
    if (!zts_node_is_online())
        return ZTS_ERR_SERVICE; /* reference behaviour kept (§11 item 23) */
    rv = net_view(net_id, &rn);
    if (rv != ZTS_ERR_OK)
        return rv;
    /* Always terminated within |len|: at most 126 characters (§5.4, Required). */
    n = strnlen(rn.name, len - 1);
    memcpy(dst, rn.name, n);
    dst[n] = '\0';
    return ZTS_ERR_OK;
}

int zts_net_get_status(uint64_t net_id)
{
    zt_runner_network rn;
    int rv = net_view(net_id, &rn);

    if (rv != ZTS_ERR_OK)
        return rv;
    /* SSO has no code of its own in the API: access denied. */
    return rn.status == ZT_NETWORK_AUTHENTICATION_REQUIRED ? ZTS_NETWORK_STATUS_ACCESS_DENIED
                                                           : (int)rn.status;
}

int zts_net_get_type(uint64_t net_id)
{
    zt_runner_network rn;
    int rv = net_view(net_id, &rn);

    return rv == ZTS_ERR_OK ? (rn.is_public ? ZTS_NETWORK_TYPE_PUBLIC : ZTS_NETWORK_TYPE_PRIVATE)
                            : rv;
}

/* 4 or 6 for ZTS_AF_INET / ZTS_AF_INET6, else 0. */
static int family_of(unsigned int family)
{
    return family == ZTS_AF_INET ? 4 : family == ZTS_AF_INET6 ? 6 : 0;
}

int zts_route_is_assigned(uint64_t net_id, unsigned int family)
{
    zt_runner_network rn;
    int rv = net_view(net_id, &rn);

    if (rv != ZTS_ERR_OK)
        return rv;
    for (unsigned i = 0; i < rn.n_routes && i < ZT_RUNNER_MAX_NETWORK_ROUTES; i++)
        if (family_of(family) != 0 && rn.routes[i].target.family == family_of(family))
            return 1;
    return 0;
}

/* ---- addresses installed on the network --------------------------------------------------- */

/* Copies the table's addresses of |net_id| (mu taken here): their count, ZTS_ERR_SERVICE or
 * ZTS_ERR_NO_RESULT (unknown network). */
static int installed(uint64_t net_id, zt_stack_prefix *out)
{
    zt_svc_net *net;
    int rv;

    pthread_mutex_lock(&zt__svc.mu);
    net = zt__svc.state != ZT_SVC_RUNNING ? NULL : zt__svc_find_net(net_id);
    rv = zt__svc.state != ZT_SVC_RUNNING ? ZTS_ERR_SERVICE
         : net == NULL                    ? ZTS_ERR_NO_RESULT
                                          : (int)net->naddrs;
    if (net != NULL)
        memcpy(out, net->addrs, net->naddrs * sizeof(*out));
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_net_transport_is_ready(const uint64_t net_id)
{
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    int n;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (net_id == 0)
        return 0; /* §5.4, Required: 0, not a truthy error */
    n = installed(net_id, addrs);
    return n > 0 ? 1 : n == ZTS_ERR_SERVICE ? ZTS_ERR_SERVICE : 0;
}

int zts_addr_is_assigned(uint64_t net_id, unsigned int family)
{
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    int n;

    if (net_id == 0 || family_of(family) == 0)
        return 0; /* §5.5, Required: 0 for both */
    n = installed(net_id, addrs);
    for (int i = 0; i < n; i++)
        if (addrs[i].family == family_of(family))
            return 1;
    return 0;
}

int zts_addr_get(uint64_t net_id, unsigned int family, struct zts_sockaddr_storage *addr)
{
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    int n;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (net_id == 0 || family_of(family) == 0 || addr == NULL)
        return ZTS_ERR_ARG;
    n = installed(net_id, addrs);
    for (int i = 0; i < n; i++) {
        if (addrs[i].family == family_of(family)) {
            zt__modern_storage_of_prefix(&addrs[i], true, addr);
            return ZTS_ERR_OK;
        }
    }
    return n < 0 ? n : ZTS_ERR_NO_RESULT;
}

int zts_addr_get_str(uint64_t net_id, unsigned int family, char *dst, unsigned int len)
{
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    int n;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (net_id == 0 || family_of(family) == 0 || dst == NULL || len < ZTS_INET6_ADDRSTRLEN)
        return ZTS_ERR_ARG;
    n = installed(net_id, addrs);
    for (int i = 0; i < n; i++) {
        if (addrs[i].family == family_of(family)) {
            (void)zt__modern_ip_text(addrs[i].family, addrs[i].ip, dst, len);
            return ZTS_ERR_OK;
        }
    }
    return n < 0 ? n : ZTS_ERR_NO_RESULT;
}

int zts_addr_get_all(uint64_t net_id, struct zts_sockaddr_storage *addr, unsigned int *count)
{
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    unsigned k = 0;
    int n;

    if (zt__modern_running() != ZTS_ERR_OK)
        return ZTS_ERR_SERVICE;
    if (net_id == 0 || addr == NULL || count == NULL || *count != ZTS_MAX_ASSIGNED_ADDRESSES)
        return ZTS_ERR_ARG;
    n = installed(net_id, addrs);
    if (n < 0)
        return n;
    memset(addr, 0, ZTS_MAX_ASSIGNED_ADDRESSES * sizeof(*addr));
    for (int i = 0; i < n && k < ZTS_MAX_ASSIGNED_ADDRESSES; i++)
        zt__modern_storage_of_prefix(&addrs[i], true, &addr[k++]);
    *count = k;
    return k == 0 ? ZTS_ERR_NO_RESULT : ZTS_ERR_OK;
}

/* ---- statistics (lwIP's counters, under the core lock) ------------------------------------ */

/* The error sub-counters of one protocol, summed (§5.6). */
static uint32_t errors_of(const struct stats_proto *p)
{
    return (uint32_t)(p->chkerr + p->lenerr + p->memerr + p->rterr + p->proterr + p->opterr +
                      p->err);
}

/* |p|'s four counters into |out| (tx, rx, drop, err); |extra| (may be NULL) adds its errors. */
static void four(const struct stats_proto *p, const struct stats_proto *extra, uint32_t *out)
{
    out[0] = p->xmit;
    out[1] = p->recv;
    out[2] = p->drop;
    out[3] = errors_of(p) + (extra != NULL ? errors_of(extra) : 0);
}

int zts_stats_get_all(zts_stats_counter_t *dst)
{
    uint32_t c[36];

    if (dst == NULL)
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running() || !zt__stack_is_up())
        return ZTS_ERR_SERVICE;
    LOCK_TCPIP_CORE();
    four(&lwip_stats.link, NULL, c + 0);
    four(&lwip_stats.etharp, NULL, c + 4);
    four(&lwip_stats.ip, &lwip_stats.ip_frag, c + 8);
    four(&lwip_stats.ip6, &lwip_stats.ip6_frag, c + 12);
    four(&lwip_stats.icmp, NULL, c + 16);
    four(&lwip_stats.icmp6, NULL, c + 20);
    four(&lwip_stats.udp, NULL, c + 24);
    four(&lwip_stats.tcp, NULL, c + 28);
    four(&lwip_stats.nd6, NULL, c + 32);
    UNLOCK_TCPIP_CORE();
    /* The structure is 36 uint32_t in this order (§4.5; checked by the conformance test). */
    memcpy(dst, c, sizeof(c));
    return ZTS_ERR_OK;
}
