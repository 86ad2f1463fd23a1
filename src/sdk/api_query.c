/*
 * api_query.c: networks, moons, status, peers and statistics (api.md §5.2-§5.6, §5.8).
 * Network calls and peer queries need the node online (seed behaviour); the rest answer in
 * any state.  Runner calls run under the service's runner_lock (read), never under its mu: a
 * query waits for the runner's I/O thread, which may itself be waiting for mu (svc.h).
 */
#include "sdk/api_internal.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/dns.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"

/* The runner, read-locked, if the node is online; NULL (and nothing locked) otherwise. */
static zt_runner *online_runner(void)
{
    return zt__svc_runner(true);
}

static void release_runner(void)
{
    zt__svc_release_runner();
}

/* ---- networks ----------------------------------------------------------------------------- */

/* What zts_join, zts_leave, zts_orbit and zts_deorbit post to the runner. */
typedef enum { POST_JOIN, POST_LEAVE, POST_ORBIT, POST_DEORBIT } post_kind;

/* Posts |kind| for |id| (a network or a moon; |seed|: an orbit's) to the online runner.
 * Returns ZTS_ERR_OK, ZTS_ERR_SERVICE (not online) or ZTS_ERR_GENERAL. */
static int post_online(post_kind kind, uint64_t id, uint64_t seed)
{
    zt_runner *r = online_runner();
    int rv;

    if (r == NULL)
        return ZTS_ERR_SERVICE;
    switch (kind) {
    case POST_JOIN:
        rv = zt__runner_join(r, id);
        break;
    case POST_LEAVE:
        rv = zt__runner_leave(r, id);
        if (rv == ZT_ERR_NOTFOUND)
            rv = 0; /* not joined: nothing to leave */
        break;
    case POST_ORBIT:
        rv = zt__runner_orbit(r, id, seed);
        break;
    default:
        rv = zt__runner_deorbit(r, id);
        break;
    }
    release_runner();
    return rv == 0 ? ZTS_ERR_OK : ZTS_ERR_GENERAL;
}

int zts_join(const uint64_t nwid)
{
    if (nwid == 0)
        return ZTS_ERR_ARG;
    return post_online(POST_JOIN, nwid, 0);
}

int zts_leave(const uint64_t nwid)
{
    return post_online(POST_LEAVE, nwid, 0);
}

int zts_leave_all(void)
{
    zt_runner *r = online_runner();
    uint64_t *ids = NULL;
    unsigned n = 0;

    if (r == NULL)
        return ZTS_ERR_SERVICE;
    pthread_mutex_lock(&zt__svc.mu);
    if (zt__svc.nnets > 0 && (ids = calloc(zt__svc.nnets, sizeof(*ids))) != NULL)
        for (; n < zt__svc.nnets; n++)
            ids[n] = zt__svc.nets[n].nwid;
    pthread_mutex_unlock(&zt__svc.mu);
    for (unsigned i = 0; i < n; i++)
        (void)zt__runner_leave(r, ids[i]);
    release_runner();
    free(ids);
    return ZTS_ERR_OK;
}

int zts_orbit(uint64_t moonWorldId, uint64_t moonSeed)
{
    return post_online(POST_ORBIT, moonWorldId, moonSeed);
}

int zts_deorbit(uint64_t moonWorldId)
{
    return post_online(POST_DEORBIT, moonWorldId, 0);
}

/* mu held: ZTS_ERR_SERVICE unless the node is running and online. */
static int check_online_locked(void)
{
    return zt__svc.state == ZT_SVC_RUNNING && zt__svc.online ? ZTS_ERR_OK : ZTS_ERR_SERVICE;
}

/* mu held: the joined network |nwid| (*prv ZTS_ERR_OK), or NULL with *prv ZTS_ERR_SERVICE (not
 * online) or ZTS_ERR_NO_RESULT (not joined). */
static zt_svc_net *online_net_locked(uint64_t nwid, int *prv)
{
    zt_svc_net *net = NULL;

    *prv = check_online_locked();
    if (*prv == ZTS_ERR_OK) {
        net = zt__svc_find_net(nwid);
        if (net == NULL)
            *prv = ZTS_ERR_NO_RESULT;
    }
    return net;
}

int zts_get_network_details(uint64_t nwid, struct zts_network_details *nd)
{
    zt_svc_net *net;
    int rv;

    if (nd == NULL || nwid == 0)
        return ZTS_ERR_ARG;
    pthread_mutex_lock(&zt__svc.mu);
    net = online_net_locked(nwid, &rv);
    if (net != NULL)
        zt__api_network_details(net, nd);
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_get_all_network_details(struct zts_network_details *nds, int *num)
{
    int rv, n = 0;

    if (nds == NULL || num == NULL)
        return ZTS_ERR_ARG;
    pthread_mutex_lock(&zt__svc.mu);
    rv = check_online_locked();
    if (rv == ZTS_ERR_OK) {
        for (unsigned i = 0; i < zt__svc.nnets && n < *num; i++)
            zt__api_network_details(&zt__svc.nets[i], &nds[n++]);
        *num = n;
    }
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_get_network_status(uint64_t nwid)
{
    zt_svc_net *net;
    int rv;

    if (nwid == 0)
        return ZTS_ERR_ARG;
    pthread_mutex_lock(&zt__svc.mu);
    net = online_net_locked(nwid, &rv);
    if (net != NULL)
        rv = net->status == 0 || net->status == ZT_SVC_EV_NET_DOWN
                 ? ZTS_EVENT_NETWORK_REQ_CONFIG
                 : zt__api_code_of((zt_svc_event_kind)net->status);
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

/* ---- node and peers ----------------------------------------------------------------------- */

uint64_t zts_get_node_id(void)
{
    uint64_t id;

    pthread_mutex_lock(&zt__svc.mu);
    id = check_online_locked() == ZTS_ERR_OK ? zt__svc.address : 0;
    pthread_mutex_unlock(&zt__svc.mu);
    return id;
}

int zts_get_node_status(void)
{
    int rv;

    pthread_mutex_lock(&zt__svc.mu);
    rv = check_online_locked() == ZTS_ERR_OK ? ZTS_EVENT_NODE_ONLINE : ZTS_EVENT_NODE_OFFLINE;
    pthread_mutex_unlock(&zt__svc.mu);
    return rv;
}

int zts_get_peers(struct zts_peer_details *pds, uint32_t *num)
{
    zt_peer_info *infos = NULL;
    zt_runner *r;
    zt_ssize n;
    size_t cap;
    int rv = ZTS_ERR_OK;

    if (pds == NULL || num == NULL)
        return ZTS_ERR_ARG;
    r = online_runner();
    if (r == NULL)
        return ZTS_ERR_SERVICE;
    /* Room for the peers there are (and a few that may come meanwhile), not for the caller's
     * capacity, which may be huge. */
    n = zt__runner_get_peers(r, NULL, 0);
    cap = n >= 0 && (size_t)n + 16 < *num ? (size_t)n + 16 : *num;
    if (n > 0 && (size_t)n <= *num) {
        infos = calloc(cap, sizeof(*infos));
        n = infos == NULL ? ZT_ERR_NOMEM : zt__runner_get_peers(r, infos, cap);
    }
    release_runner();
    if (n < 0) {
        rv = ZTS_ERR_GENERAL;
    } else if ((size_t)n > cap) {
        *num = (uint32_t)n; /* the count needed; nothing copied (api.md §5.3) */
        rv = ZTS_ERR_ARG;
    } else {
        for (zt_ssize i = 0; i < n; i++)
            zt__api_peer_details(&infos[i], &pds[i]);
        *num = (uint32_t)n;
    }
    free(infos);
    return rv;
}

int zts_get_peer(struct zts_peer_details *pds, uint64_t peerId)
{
    zt_runner *r;
    zt_peer_info *info;
    int rv;

    if (pds == NULL || peerId == 0)
        return ZTS_ERR_ARG;
    r = online_runner();
    if (r == NULL)
        return ZTS_ERR_SERVICE;
    info = calloc(1, sizeof(*info));
    if (info == NULL) {
        release_runner();
        return ZTS_ERR_GENERAL;
    }
    rv = zt__runner_get_peer(r, peerId, info);
    release_runner();
    if (rv == 0)
        zt__api_peer_details(info, pds);
    free(info);
    return rv == 0 ? ZTS_ERR_OK : rv == ZT_ERR_NOTFOUND ? ZTS_ERR_NO_RESULT : ZTS_ERR_GENERAL;
}

int zts_get_peer_status(uint64_t peerId)
{
    zt_runner *r = online_runner();
    zt_peer_info *info;
    int rv;

    if (r == NULL)
        return ZTS_ERR_SERVICE;
    info = calloc(1, sizeof(*info));
    rv = info == NULL ? ZT_ERR_NOMEM : zt__runner_get_peer(r, peerId, info);
    release_runner();
    if (rv == 0)
        rv = zt__runner_peer_is_direct(info, NULL) ? ZTS_EVENT_PEER_DIRECT : ZTS_EVENT_PEER_RELAY;
    else if (rv == ZT_ERR_NOTFOUND)
        rv = ZTS_EVENT_PEER_UNREACHABLE;
    else
        rv = ZTS_ERR_GENERAL;
    free(info);
    return rv;
}

/* ---- statistics (lwIP's counters, under the core lock) ------------------------------------ */

_Static_assert(sizeof(struct stats_proto) == sizeof(struct zts_stats_proto), "stats_proto");
_Static_assert(sizeof(struct stats_igmp) == sizeof(struct zts_stats_igmp), "stats_igmp");

int zts_get_all_stats(struct zts_stats *statsDest)
{
    if (statsDest == NULL)
        return ZTS_ERR_ARG;
    memset(statsDest, 0, sizeof(*statsDest));
    if (!zt__stack_is_up())
        return ZTS_ERR_OK; /* nothing counted yet */
    LOCK_TCPIP_CORE();
    memcpy(&statsDest->link, &lwip_stats.link, sizeof(statsDest->link));
    memcpy(&statsDest->etharp, &lwip_stats.etharp, sizeof(statsDest->etharp));
    memcpy(&statsDest->ip_frag, &lwip_stats.ip_frag, sizeof(statsDest->ip_frag));
    memcpy(&statsDest->ip, &lwip_stats.ip, sizeof(statsDest->ip));
    memcpy(&statsDest->icmp, &lwip_stats.icmp, sizeof(statsDest->icmp));
    memcpy(&statsDest->igmp, &lwip_stats.igmp, sizeof(statsDest->igmp));
    memcpy(&statsDest->udp, &lwip_stats.udp, sizeof(statsDest->udp));
    memcpy(&statsDest->tcp, &lwip_stats.tcp, sizeof(statsDest->tcp));
    memcpy(&statsDest->ip6, &lwip_stats.ip6, sizeof(statsDest->ip6));
    memcpy(&statsDest->icmp6, &lwip_stats.icmp6, sizeof(statsDest->icmp6));
    memcpy(&statsDest->ip6_frag, &lwip_stats.ip6_frag, sizeof(statsDest->ip6_frag));
    memcpy(&statsDest->mld6, &lwip_stats.mld6, sizeof(statsDest->mld6));
    memcpy(&statsDest->nd6, &lwip_stats.nd6, sizeof(statsDest->nd6));
    UNLOCK_TCPIP_CORE();
    return ZTS_ERR_OK;
}

int zts_get_protocol_stats(int protocolType, void *protoStatsDest)
{
    struct zts_stats all;
    const struct zts_stats_proto *p;

    if (protoStatsDest == NULL)
        return ZTS_ERR_ARG;
    switch (protocolType) {
    case ZTS_STATS_PROTOCOL_LINK: p = &all.link; break;
    case ZTS_STATS_PROTOCOL_ETHARP: p = &all.etharp; break;
    case ZTS_STATS_PROTOCOL_IP: p = &all.ip; break;
    case ZTS_STATS_PROTOCOL_UDP: p = &all.udp; break;
    case ZTS_STATS_PROTOCOL_TCP: p = &all.tcp; break;
    case ZTS_STATS_PROTOCOL_ICMP: p = &all.icmp; break;
    case ZTS_STATS_PROTOCOL_IP_FRAG: p = &all.ip_frag; break;
    case ZTS_STATS_PROTOCOL_IP6: p = &all.ip6; break;
    case ZTS_STATS_PROTOCOL_ICMP6: p = &all.icmp6; break;
    case ZTS_STATS_PROTOCOL_IP6_FRAG: p = &all.ip6_frag; break;
    default:
        memset(protoStatsDest, 0, sizeof(struct zts_stats_proto));
        return ZTS_ERR_ARG;
    }
    (void)zts_get_all_stats(&all);
    memcpy(protoStatsDest, p, sizeof(*p));
    return ZTS_ERR_OK;
}

/* ---- DNS (api.md §5.8): the 1.3 API has no lookup call; the servers are lwIP's
 * resolver's, which programs reach through lwip_getaddrinfo / lwip_gethostbyname. -------- */

static int dns_addr(const struct zts_sockaddr *sa, ip_addr_t *ip)
{
    if (sa->sa_family == ZTS_AF_INET) {
        struct zts_sockaddr_in in;
        memcpy(&in, sa, sizeof(in));
        ip_addr_set_ip4_u32_val(*ip, in.sin_addr.s_addr);
        return 0;
    }
    if (sa->sa_family == ZTS_AF_INET6) {
        struct zts_sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof(in6));
        memcpy(ip_2_ip6(ip)->addr, in6.sin6_addr.un.u8_addr, 16);
        ip6_addr_clear_zone(ip_2_ip6(ip));
        IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
        return 0;
    }
    return -1;
}

static int dns_edit(struct zts_sockaddr *addr, bool add)
{
    ip_addr_t ip;
    bool running;
    int rv = ZTS_ERR_NO_RESULT; /* add: no free slot; delete: not there */

    pthread_mutex_lock(&zt__svc.mu);
    running = zt__svc.state == ZT_SVC_RUNNING;
    pthread_mutex_unlock(&zt__svc.mu);
    if (!running)
        return ZTS_ERR_SERVICE;
    if (addr == NULL || dns_addr(addr, &ip) != 0)
        return ZTS_ERR_ARG;
    LOCK_TCPIP_CORE();
    for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
        const ip_addr_t *cur = dns_getserver(i);
        if (ip_addr_cmp(cur, &ip)) {
            if (!add)
                dns_setserver(i, NULL);
            rv = ZTS_ERR_OK;
            break;
        }
    }
    for (u8_t i = 0; add && rv != ZTS_ERR_OK && i < DNS_MAX_SERVERS; i++) {
        if (ip_addr_isany(dns_getserver(i))) {
            dns_setserver(i, &ip);
            rv = ZTS_ERR_OK;
        }
    }
    UNLOCK_TCPIP_CORE();
    return rv;
}

int zts_add_dns_nameserver(struct zts_sockaddr *addr)
{
    return dns_edit(addr, true);
}

int zts_del_dns_nameserver(struct zts_sockaddr *addr)
{
    return dns_edit(addr, false);
}
