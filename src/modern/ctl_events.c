/*
 * ctl_events.c: the service's events (src/sdk/svc.h) as the modern API shows them
 * (api-modern.md §6): a zts_event_msg_t with exactly one payload pointer set (none for stack
 * events) and |len| the payload's size, handed to the zts_init_set_event_handler callback on
 * the service thread, one at a time, in production order, with no lock held.  The message and
 * its payload are one allocation, freed when the handler returns; a store event's |cache|
 * points to the event's own copy of the object.
 *
 * Codes the reference never produces are not produced here either (§6.3 item 7), except the
 * ones the spec allows: NETIF_UP and ROUTE_* (MAY), NODE_DOWN and STACK_DOWN (§6.4).  An
 * identity collision arrives as NODE_FATAL_ERROR (the service ends the run with it).
 *
 * Peer events are not the node's (the service queues none for us: own_peer_events) but made
 * here by a scan every ZT_MODERN_SCAN_MS on the service thread (the ops' tick; sooner when the
 * node reports a peer or path change, svc_service.c), only once NODE_ONLINE went out and while
 * the node is online, from the path counts that zts_core_query_peer_info reports (live paths,
 * one per remote endpoint), so that the events and the query agree (§6.3 item 5).
 */
#include "modern/ctl_internal.h"

#include <stdlib.h>
#include <string.h>

#include "io/clock.h"

/* zt__svc_peer_role numbers roles as this header does. */
_Static_assert(ZTS_PEER_ROLE_LEAF == 0 && ZTS_PEER_ROLE_MOON == 1 && ZTS_PEER_ROLE_PLANET == 2,
               "peer roles");

/* The modern code of an internal event; 0: not produced. */
static int code_of(zt_svc_event_kind kind)
{
    switch (kind) {
    case ZT_SVC_EV_NODE_UP: return ZTS_EVENT_NODE_UP;
    case ZT_SVC_EV_NODE_ONLINE: return ZTS_EVENT_NODE_ONLINE;
    case ZT_SVC_EV_NODE_OFFLINE: return ZTS_EVENT_NODE_OFFLINE;
    case ZT_SVC_EV_NODE_DOWN: return ZTS_EVENT_NODE_DOWN;
    case ZT_SVC_EV_NODE_FATAL: return ZTS_EVENT_NODE_FATAL_ERROR;
    case ZT_SVC_EV_NET_NOT_FOUND: return ZTS_EVENT_NETWORK_NOT_FOUND;
    case ZT_SVC_EV_NET_CLIENT_TOO_OLD: return ZTS_EVENT_NETWORK_CLIENT_TOO_OLD;
    case ZT_SVC_EV_NET_REQ_CONFIG: return ZTS_EVENT_NETWORK_REQ_CONFIG;
    case ZT_SVC_EV_NET_OK: return ZTS_EVENT_NETWORK_OK;
    case ZT_SVC_EV_NET_ACCESS_DENIED: return ZTS_EVENT_NETWORK_ACCESS_DENIED;
    case ZT_SVC_EV_NET_READY4: return ZTS_EVENT_NETWORK_READY_IP4;
    case ZT_SVC_EV_NET_READY6: return ZTS_EVENT_NETWORK_READY_IP6;
    case ZT_SVC_EV_NET_DOWN: return ZTS_EVENT_NETWORK_DOWN;
    case ZT_SVC_EV_NET_UPDATE: return ZTS_EVENT_NETWORK_UPDATE;
    case ZT_SVC_EV_STACK_DOWN: return ZTS_EVENT_STACK_DOWN;
    case ZT_SVC_EV_NETIF_UP: return ZTS_EVENT_NETIF_UP;
    case ZT_SVC_EV_PEER_DIRECT: return ZTS_EVENT_PEER_DIRECT;
    case ZT_SVC_EV_PEER_RELAY: return ZTS_EVENT_PEER_RELAY;
    case ZT_SVC_EV_PATH_DISCOVERED: return ZTS_EVENT_PEER_PATH_DISCOVERED;
    case ZT_SVC_EV_PATH_DEAD: return ZTS_EVENT_PEER_PATH_DEAD;
    case ZT_SVC_EV_ROUTE_ADDED: return ZTS_EVENT_ROUTE_ADDED;
    case ZT_SVC_EV_ROUTE_REMOVED: return ZTS_EVENT_ROUTE_REMOVED;
    case ZT_SVC_EV_ADDR_ADDED4: return ZTS_EVENT_ADDR_ADDED_IP4;
    case ZT_SVC_EV_ADDR_REMOVED4: return ZTS_EVENT_ADDR_REMOVED_IP4;
    case ZT_SVC_EV_ADDR_ADDED6: return ZTS_EVENT_ADDR_ADDED_IP6;
    case ZT_SVC_EV_ADDR_REMOVED6: return ZTS_EVENT_ADDR_REMOVED_IP6;
    case ZT_SVC_EV_STORE_ID_SECRET: return ZTS_EVENT_STORE_IDENTITY_SECRET;
    case ZT_SVC_EV_STORE_ID_PUBLIC: return ZTS_EVENT_STORE_IDENTITY_PUBLIC;
    case ZT_SVC_EV_STORE_PLANET: return ZTS_EVENT_STORE_PLANET;
    default:
        /* COLLISION (NODE_FATAL follows), TERMINATED, STACK_UP, PEER_UNREACHABLE, PATH_ALIVE:
         * never produced by the reference. */
        return 0;
    }
}

bool zt__modern_counts(zt_svc_event_kind kind)
{
    return code_of(kind) != 0;
}

/* ---- payload builders --------------------------------------------------------------------- */

void zt__modern_storage_of(const zt_inetaddr *a, struct zts_sockaddr_storage *ss)
{
    /* The port in network byte order whatever the host's: written as bytes. */
    const uint8_t port[2] = {(uint8_t)(a->port >> 8), (uint8_t)(a->port & 0xff)};

    memset(ss, 0, sizeof(*ss));
    if (a->family == 4) {
        struct zts_sockaddr_in in;
        memset(&in, 0, sizeof(in));
        in.sin_len = (uint8_t)sizeof(in);
        in.sin_family = ZTS_AF_INET;
        memcpy(&in.sin_port, port, 2);
        memcpy(&in.sin_addr, a->ip, 4);
        memcpy(ss, &in, sizeof(in));
    } else if (a->family == 6) {
        struct zts_sockaddr_in6 in6;
        memset(&in6, 0, sizeof(in6));
        in6.sin6_len = (uint8_t)sizeof(in6);
        in6.sin6_family = ZTS_AF_INET6;
        memcpy(&in6.sin6_port, port, 2);
        memcpy(&in6.sin6_addr, a->ip, 16);
        memcpy(ss, &in6, sizeof(in6));
    }
}

void zt__modern_storage_of_prefix(const zt_stack_prefix *p, bool with_bits,
                                  struct zts_sockaddr_storage *ss)
{
    zt_inetaddr a;

    memset(&a, 0, sizeof(a));
    a.family = p->family;
    memcpy(a.ip, p->ip, 16);
    a.port = with_bits ? p->bits : 0;
    zt__modern_storage_of(&a, ss);
}

static void node_info(const zt_svc_node *n, zts_node_info_t *out)
{
    out->node_id = n->address;
    out->port_primary = n->primary_port;
    out->port_secondary = n->secondary_port;
    out->port_tertiary = n->tertiary_port;
    out->ver_major = ZT_NODE_VERSION_MAJOR;
    out->ver_minor = ZT_NODE_VERSION_MINOR;
    out->ver_rev = ZT_NODE_VERSION_REVISION;
}

/* The node's status of a network as zts_network_status_t (SSO has no code: denied). */
static zts_network_status_t status_of(zt_network_status st)
{
    return st == ZT_NETWORK_AUTHENTICATION_REQUIRED ? ZTS_NETWORK_STATUS_ACCESS_DENIED
                                                    : (zts_network_status_t)st;
}

static void net_info(const zt_svc_net *n, zts_net_info_t *out)
{
    unsigned nmc = n->nmc < ZT_SVC_MAX_MC ? n->nmc : ZT_SVC_MAX_MC;

    out->net_id = n->nwid;
    out->mac = n->mac;
    memcpy(out->name, n->name, sizeof(out->name) - 1);
    out->status = status_of(n->netstatus);
    out->type = n->is_public ? ZTS_NETWORK_TYPE_PUBLIC : ZTS_NETWORK_TYPE_PRIVATE;
    out->mtu = n->mtu;
    out->bridge = n->bridge;
    out->broadcast_enabled = n->broadcast;
    out->netconf_rev = (unsigned long)n->revision;
    for (unsigned i = 0; i < n->naddrs && i < ZTS_MAX_ASSIGNED_ADDRESSES; i++)
        zt__modern_storage_of_prefix(&n->addrs[i], true,
                                     &out->assigned_addrs[out->assigned_addr_count++]);
    for (unsigned i = 0; i < n->nroutes && i < ZTS_MAX_NETWORK_ROUTES; i++) {
        zts_route_info_t *r = &out->routes[out->route_count++];
        zt__modern_storage_of(&n->routes[i].target, &r->target);
        zt__modern_storage_of(&n->routes[i].via, &r->via);
        r->flags = n->routes[i].flags;
        r->metric = n->routes[i].metric;
    }
    for (unsigned i = 0; i < nmc; i++) { /* |n| is the event's own copy (svc_net.c) */
        out->multicast_subs[i].mac = n->mc[i];
        out->multicast_subs[i].adi = 0;
    }
    out->multicast_sub_count = nmc;
}

/* Whether path |i| of |in| counts: live, and the first live one to its remote endpoint (the
 * node keeps one per local socket).  A peer has a direct path iff one counts (§5.14). */
static bool path_counts(const zt_peer_info *in, unsigned i)
{
    const zt_path_info *p = &in->paths[i];

    if (!p->alive)
        return false;
    for (unsigned k = 0; k < i; k++)
        if (in->paths[k].alive && zt__inetaddr_equal(&in->paths[k].remote, &p->remote))
            return false;
    return true;
}

void zt__modern_peer_info(const zt_peer_info *in, zts_peer_info_t *out)
{
    int64_t mono = zt__io_clock_ms(), wall = zt__io_clock_wall_ms();

    memset(out, 0, sizeof(*out));
    out->peer_id = in->address;
    out->ver_major = in->proto_version < 0 ? -1 : in->major;
    out->ver_minor = in->proto_version < 0 ? -1 : in->minor;
    out->ver_rev = in->proto_version < 0 ? -1 : in->revision;
    out->latency = in->latency_ms < 0 ? -1 : (int)in->latency_ms;
    out->role = zt__svc_peer_role(in);
    for (unsigned i = 0; i < in->npaths && out->path_count < ZTS_MAX_PEER_NETWORK_PATHS; i++) {
        const zt_path_info *p = &in->paths[i];
        zts_path_t *o;
        if (!path_counts(in, i))
            continue;
        o = &out->paths[out->path_count++];
        zt__modern_storage_of(&p->remote, &o->address);
        o->last_tx = zt__svc_wall_ms(p->last_send, mono, wall);
        o->last_rx = zt__svc_wall_ms(p->last_receive, mono, wall);
        o->latency = p->latency_ms < 0 ? -1.0f : (float)p->latency_ms;
        o->preferred = p->preferred;
    }
}

/* ---- delivery ----------------------------------------------------------------------------- */

typedef struct modern_msg {
    zts_event_msg_t msg;
    union {
        zts_node_info_t node;
        zts_net_info_t network;
        zts_netif_info_t netif;
        zts_route_info_t route;
        zts_peer_info_t peer;
        zts_addr_info_t addr;
    } p;
} modern_msg;

/* The payload of |ev|'s category (§6.2), by the range its code falls in. */
static void fill(const zt_svc_event *ev, int code, modern_msg *m)
{
    if (code <= ZTS_EVENT_NODE_FATAL_ERROR) {
        node_info(&ev->u.node, &m->p.node);
        m->msg.node = &m->p.node;
        m->msg.len = (int)sizeof(m->p.node);
    } else if (code <= ZTS_EVENT_NETWORK_UPDATE) {
        net_info(&ev->u.net, &m->p.network);
        m->msg.network = &m->p.network;
        m->msg.len = (int)sizeof(m->p.network);
    } else if (code <= ZTS_EVENT_STACK_DOWN) {
        m->msg.len = 0;
    } else if (code <= ZTS_EVENT_NETIF_LINK_DOWN) {
        m->p.netif.net_id = ev->nwid;
        m->p.netif.mac = ev->u.netif.mac;
        m->p.netif.mtu = (int)ev->u.netif.mtu;
        m->msg.netif = &m->p.netif;
        m->msg.len = (int)sizeof(m->p.netif);
    } else if (code <= ZTS_EVENT_PEER_PATH_DEAD) {
        zt__modern_peer_info(&ev->u.peer, &m->p.peer); /* the scan's record (below) */
        m->msg.peer = &m->p.peer;
        m->msg.len = (int)sizeof(m->p.peer);
    } else if (code <= ZTS_EVENT_ROUTE_REMOVED) {
        zt__modern_storage_of(&ev->u.route.target, &m->p.route.target);
        zt__modern_storage_of(&ev->u.route.via, &m->p.route.via);
        m->p.route.flags = ev->u.route.flags;
        m->p.route.metric = ev->u.route.metric;
        m->msg.route = &m->p.route;
        m->msg.len = (int)sizeof(m->p.route);
    } else if (code <= ZTS_EVENT_ADDR_REMOVED_IP6) {
        m->p.addr.net_id = ev->nwid;
        zt__modern_storage_of_prefix(&ev->u.addr, false, &m->p.addr.addr); /* port 0 (§6.2) */
        m->msg.addr = &m->p.addr;
        m->msg.len = (int)sizeof(m->p.addr);
    } else {
        m->msg.cache = (void *)ev->data;
        m->msg.len = (int)ev->len;
    }
}

static void scan_note(zt_svc_event_kind kind);

void zt__modern_deliver(const zt_svc_event *ev)
{
    int code = code_of(ev->kind);
    void (*cb)(void *) = zt__modern_run.callback;
    modern_msg *m;

    scan_note(ev->kind);
    if (code == 0 || cb == NULL)
        return;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return; /* out of memory: the event is lost, the node goes on */
    m->msg.event_code = (int16_t)code;
    fill(ev, code, m);
    cb(&m->msg);
    free(m);
}

/* ---- peer events: a periodic scan (§6.3 item 5) ------------------------------------------ */

/* A peer as the last scan saw it: its path count as zts_core_query_peer_info reports it. */
typedef struct scan_peer {
    uint64_t address;
    unsigned paths;
    size_t idx; /* its record in scan.buf (current scan only) */
} scan_peer;

/* The scan's state; the service thread alone touches it (deliveries and ticks). */
static struct {
    bool online;        /* NODE_ONLINE delivered, no NODE_OFFLINE (or end of node) since */
    scan_peer *known;   /* the last scan, by address */
    size_t nknown;
    zt_peer_info *buf;  /* the node's records, reused from scan to scan */
    size_t cap;
} scan;

static void scan_forget(bool all)
{
    free(scan.known);
    scan.known = NULL;
    scan.nknown = 0;
    scan.online = false;
    if (all) {
        free(scan.buf);
        scan.buf = NULL;
        scan.cap = 0;
    }
}

/* The node's state as delivered: peers are scanned only after NODE_ONLINE went out, so every
 * peer event follows it.  A new node (NODE_UP) starts with no known peer. */
static void scan_note(zt_svc_event_kind kind)
{
    switch (kind) {
    case ZT_SVC_EV_NODE_ONLINE:
        scan.online = true;
        break;
    case ZT_SVC_EV_NODE_OFFLINE:
    case ZT_SVC_EV_NODE_COLLISION:
    case ZT_SVC_EV_NODE_FATAL:
        scan.online = false;
        break;
    case ZT_SVC_EV_NODE_UP:
        scan_forget(false);
        break;
    case ZT_SVC_EV_NODE_DOWN:
        scan_forget(true);
        break;
    default:
        break;
    }
}

static unsigned live_paths(const zt_peer_info *in)
{
    unsigned n = 0;

    for (unsigned i = 0; i < in->npaths && i < ZT_NODE_MAX_PATHS; i++)
        n += path_counts(in, i);
    return n < ZTS_MAX_PEER_NETWORK_PATHS ? n : ZTS_MAX_PEER_NETWORK_PATHS;
}

static int by_address(const void *a, const void *b)
{
    uint64_t x = ((const scan_peer *)a)->address, y = ((const scan_peer *)b)->address;

    return x < y ? -1 : x > y;
}

/* The node's peers into scan.buf (grown to the node's count); how many, or < 0 (out of
 * memory, or still growing after a few tries: this scan is skipped, as partial it would
 * forget peers). */
static zt_ssize scan_query(zt_runner *r)
{
    for (int tries = 0; tries < 3; tries++) {
        zt_peer_info *nb;
        zt_ssize n = zt__runner_get_peers(r, scan.buf, scan.cap);
        if (n < 0 || (size_t)n <= scan.cap)
            return n;
        nb = realloc(scan.buf, ((size_t)n + 8) * sizeof(*nb));
        if (nb == NULL)
            return ZT_ERR_NOMEM;
        scan.buf = nb;
        scan.cap = (size_t)n + 8;
    }
    return ZT_ERR_AGAIN;
}

/* §6.3 item 5: a new peer DIRECT (a path) or RELAY (none); a known one PATH_DISCOVERED if its
 * count grew, PATH_DEAD if it shrank, then DIRECT on 0 -> >0, RELAY on >0 -> 0. */
static void scan_emit(const scan_peer *prev, const scan_peer *cur)
{
    const zt_peer_info *info = &scan.buf[cur->idx];

    if (prev == NULL) {
        zt__svc_queue_peer(cur->paths > 0 ? ZT_SVC_EV_PEER_DIRECT : ZT_SVC_EV_PEER_RELAY, info,
                           NULL);
        return;
    }
    if (cur->paths > prev->paths)
        zt__svc_queue_peer(ZT_SVC_EV_PATH_DISCOVERED, info, NULL);
    else if (cur->paths < prev->paths)
        zt__svc_queue_peer(ZT_SVC_EV_PATH_DEAD, info, NULL);
    if (prev->paths == 0 && cur->paths > 0)
        zt__svc_queue_peer(ZT_SVC_EV_PEER_DIRECT, info, NULL);
    else if (prev->paths > 0 && cur->paths == 0)
        zt__svc_queue_peer(ZT_SVC_EV_PEER_RELAY, info, NULL);
}

/* Compares the |n| records in scan.buf with the last scan and queues the events; the peers
 * the node no longer has are forgotten, silently (met again later: new). */
static void scan_compare(size_t n)
{
    scan_peer *cur = calloc(n > 0 ? n : 1, sizeof(*cur));

    if (cur == NULL)
        return; /* out of memory: this scan is skipped, the next one compares */
    for (size_t i = 0; i < n; i++) {
        cur[i].address = scan.buf[i].address;
        cur[i].paths = live_paths(&scan.buf[i]);
        cur[i].idx = i;
    }
    qsort(cur, n, sizeof(*cur), by_address);
    for (size_t i = 0; i < n; i++) {
        const scan_peer *prev = scan.nknown == 0 ? NULL
                                : bsearch(&cur[i], scan.known, scan.nknown, sizeof(*cur),
                                          by_address);
        scan_emit(prev, &cur[i]);
    }
    free(scan.known);
    scan.known = cur;
    scan.nknown = n;
}

void zt__modern_tick(void)
{
    zt_runner *r;
    zt_ssize n;
    bool online;

    /* Online as delivered and as the node says now; no handler, no scan (nobody to tell). */
    if (!scan.online || zt__modern_run.callback == NULL)
        return;
    r = zt__svc_runner(true);
    if (r == NULL)
        return;
    n = scan_query(r);
    zt__svc_release_runner();
    pthread_mutex_lock(&zt__svc.mu);
    online = zt__svc.online; /* gone offline while asking: this scan is dropped */
    pthread_mutex_unlock(&zt__svc.mu);
    if (n >= 0 && online)
        scan_compare((size_t)n);
}
