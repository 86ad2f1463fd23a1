/* The node: construction, the entry points, timers and accessors (node.h).  The top of
 * src/core's layers: it drives every other module and none calls back into it. */
#include "core/node_internal.h"

#include <string.h>

#include "core/host.h"
#include "core/idcheck.h"
#include "core/lookup.h"
#include "core/membership.h"
#include "core/network.h"
#include "core/peer.h"
#include "core/send.h"
#include "core/topology.h"
#include "core/vl1.h"
#include "core/vl2.h"
#include "core/vl2_creds.h"
#include "crypto/crypto.h"

void zt__node_config_default(zt_node_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->online_window_ms = 60000;
    cfg->peer_idle_ms = 60000;
    cfg->max_peers = 10000;
    cfg->physical_mtu = ZT_DEFAULT_PHYSMTU;
    cfg->config_refresh_ms = ZT_NETWORK_AUTOCONF_DELAY;
}

int zt__node_new(zt_node **pnode, const zt_node_config *cfg, const zt_node_callbacks *cb,
                int64_t now)
{
    zt_node *n;
    int rv;

    if (cfg == NULL || cfg->identity == NULL || !cfg->identity->has_secret || cb == NULL ||
        cb->send == NULL || cfg->max_peers == 0 || cfg->physical_mtu < ZT_MIN_PHYSMTU ||
        cfg->physical_mtu > ZT_MAX_PHYSMTU || cfg->online_window_ms <= 0 ||
        cfg->peer_idle_ms <= 0 || cfg->config_refresh_ms <= 0)
        return ZT_ERR_INVAL;
    n = zt__mem_calloc(cfg->mem, 1, sizeof(*n));
    if (n == NULL)
        return ZT_ERR_NOMEM;
    n->mem = cfg->mem;
    n->cfg = *cfg;
    n->cfg.identity = NULL;
    n->cfg.planet = NULL; /* borrowed: read once, by zt__topology_init below */
    n->cfg.planet_len = 0;
    n->cb = *cb;
    n->self = *cfg->identity;
    n->address = n->self.address;
    memcpy(n->rng_key, cfg->seed, sizeof(n->rng_key));
    n->rng_pos = sizeof(n->rng_buf);
    n->last_ping_check = now - ZT_PING_CHECK_INTERVAL; /* first timer call contacts roots */
    n->last_housekeeping = now;
    n->last_online_check = now;

    rv = zt__defrag_new(&n->defrag, n->mem);
    if (rv != 0)
        goto out;
    rv = zt__topology_init(n, cfg->planet, cfg->planet_len);
    if (rv != 0)
        goto out;
    if (zt__peer_sync_upstreams(n, now) != 0) {
        rv = ZT_ERR_NOMEM; /* a node without a peer for each root could never get online */
        goto out;
    }
    *pnode = n;
    n = NULL;
out:
    zt__node_del(n);
    return rv;
}

static void free_peers(zt_node *n, bool store)
{
    for (size_t i = 0; i < ZT_PEER_BUCKETS; i++) {
        while (n->peers[i] != NULL)
            zt__peer_remove(n, n->peers[i], store);
    }
}

void zt__node_del(zt_node *node)
{
    if (node == NULL)
        return;
    free_peers(node, node->cfg.peer_cache);
    zt__idcheck_free_all(node);
    zt__network_clear_all(node);
    zt__lookup_clear(node);
    zt__topology_clear(node);
    zt__defrag_del(node->defrag);
    zt__identity_clear(&node->self);
    zt__wipe(node->rng_key, sizeof(node->rng_key));
    zt__mem_free(node->mem, node);
}

static void check_online(zt_node *n, int64_t now)
{
    bool online = n->is_root;

    for (unsigned i = 0; i < n->nupstreams && !online; i++) {
        zt_peer *p = zt__peer_find(n, n->upstreams[i]);
        if (p != NULL && p->last_recv > 0 && now - p->last_recv <= n->cfg.online_window_ms)
            online = true;
    }
    if (online == n->online)
        return;
    n->online = online;
    zt__host_event_peer(n, online ? ZT_NODE_EVENT_ONLINE : ZT_NODE_EVENT_OFFLINE, 0);
    if (online)
        zt__network_online(n, now);
}

/* A whole packet for us, authenticated or not yet: VL1 handles it; a node that was offline
 * may be online now (an upstream answered). */
static int handle(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                  const uint8_t *pkt, size_t len, int64_t now)
{
    int rv = zt__vl1_handle(n, local_socket, from, pkt, len, now);
    if (!n->online)
        check_online(n, now);
    return rv;
}

static void send_queued(zt_node *n, zt_peer *p, const zt_queued *q, int64_t now)
{
    zt_wr w;

    if (q->verb == ZT_VERB_ECHO) {
        (void)zt__send_echo(n, p, ZT_LOCAL_SOCKET_ANY, NULL, true, now);
        return;
    }
    if ((q->verb == ZT_VERB_FRAME || q->verb == ZT_VERB_MULTICAST_FRAME) && q->len >= 8) {
        zt_network *net = zt__membership_network(n, zt__load_be(q->data, 8));
        if (net != NULL && net->has_config) /* credentials before the frame (vl2.md §3.7) */
            zt__vl2_creds_push_if_needed(n, net, p, now);
    }
    w = zt__send_begin(n, p->id.address, q->verb);
    zt__wr_bytes(&w, q->data, q->len);
    (void)zt__send_to_peer(n, p, &w, q->verb == ZT_VERB_NETWORK_CONFIG_REQUEST, now);
}


/* What waited for identities that are now known goes (vl1.md §5.3); the rest expires.  Not
 * re-entered: handling a queued packet may learn more identities, taken in this same run. */
static void service_queues(zt_node *n, int64_t now)
{
    zt_queued *q;

    if (n->flushing)
        return;
    n->flushing = true;
    while ((q = zt__lookup_take(n, false, now)) != NULL) {
        send_queued(n, zt__peer_find(n, q->peer), q, now);
        zt__mem_free(n->mem, q);
    }
    while ((q = zt__lookup_take(n, true, now)) != NULL) {
        (void)handle(n, q->local_socket, &q->from, q->data, q->len, now);
        zt__mem_free(n->mem, q);
    }
    zt__lookup_retry(n, now);
    n->flushing = false;
}

/* A whole packet for us: from the wire or out of reassembly. */
static int handle_packet(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                         const uint8_t *pkt, size_t len, int64_t now)
{
    int rv = handle(n, local_socket, from, pkt, len, now);
    service_queues(n, now);
    return rv;
}

int zt__node_identity_checked(zt_node *n, uint64_t ticket, bool valid, int64_t now)
{
    zt_idv_job j;
    zt_peer *p;
    int rv = zt__idcheck_finish(n, ticket, valid, &j);

    if (rv != 0)
        return rv == ZT_ERR_INVAL ? 0 : rv;
    p = zt__peer_find(n, j.id.address);
    if (p == NULL)
        p = zt__peer_add(n, &j.id, now);
    if (p == NULL || !zt__identity_equal(&p->id, &j.id)) {
        n->counters.drop_queue_full += p == NULL;
        zt__idcheck_job_clear(n, &j);
        return 0;
    }
    /* The HELLOs again, from a peer we now know: each MAC is checked with its key. */
    for (unsigned i = 0; i < j.nheld; i++)
        (void)handle(n, j.held[i].local_socket, &j.held[i].from, j.held[i].pkt, j.held[i].len,
                     now);
    if (j.nheld == 0)
        (void)zt__send_hello(n, p, ZT_LOCAL_SOCKET_ANY, NULL, now); /* learned from WHOIS */
    zt__idcheck_job_clear(n, &j);
    service_queues(n, now); /* what waited for this identity goes now */
    return 0;
}

int zt__node_recv_datagram(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                          const uint8_t *data, size_t len, int64_t now)
{
    zt_ssize got;
    uint64_t dest;

    n->counters.rx_datagrams++;
    switch (zt__dgram_classify(data, len)) {
    case ZT_DGRAM_IGNORE:
        n->counters.drop_short++;
        return ZT_ERR_DROP;
    case ZT_DGRAM_FRAGMENT:
        dest = zt__load_be(data + ZT_FRAG_IDX_DEST, ZT_ADDRESS_LEN);
        if (dest != n->address)
            return zt__send_relay(n, local_socket, from, data, len, true, now);
        got = zt__defrag_add(n->defrag, data, len, now, n->defragbuf, sizeof(n->defragbuf));
        break;
    case ZT_DGRAM_PACKET:
    default:
        dest = zt__pkt_dest(data);
        if (dest != n->address)
            return zt__send_relay(n, local_socket, from, data, len, false, now);
        if (!zt__pkt_is_fragmented(data))
            return handle_packet(n, local_socket, from, data, len, now);
        got = zt__defrag_add(n->defrag, data, len, now, n->defragbuf, sizeof(n->defragbuf));
        break;
    }
    n->counters.drop_fragment = zt__defrag_drops(n->defrag);
    if (got == ZT_ERR_AGAIN)
        return 0;
    if (got < 0)
        return ZT_ERR_DROP;
    return handle_packet(n, local_socket, from, n->defragbuf, (size_t)got, now);
}

/* Keepalives and path expiry for one peer (vl1.md §5.7). */
static void ping_peer(zt_node *n, zt_peer *p, void *arg)
{
    int64_t now = *(const int64_t *)arg;
    bool full_hello = now - p->last_hello >= ZT_PEER_PING_PERIOD;
    bool active = p->is_upstream || now - p->last_activity < n->cfg.peer_idle_ms;

    for (unsigned i = 0; i < ZT_NODE_MAX_PATHS; i++) {
        zt_path *path = &p->paths[i];
        if (!path->used)
            continue;
        if (now - path->last_recv >= ZT_PEER_PATH_EXPIRATION) {
            path->used = false;
            zt__peer_event(n, ZT_NODE_EVENT_PATH_DEAD, p, path);
            continue;
        }
        if (!active)
            continue;
        if (full_hello) {
            zt__send_hello(n, p, path->local_socket, &path->addr, now);
        } else if ((now - path->last_send >= ZT_PATH_HEARTBEAT_PERIOD ||
                    now - path->last_recv >= ZT_PATH_HEARTBEAT_PERIOD - ZT_PING_CHECK_INTERVAL) &&
                   now - path->last_keepalive >= ZT_PING_CHECK_INTERVAL) {
            path->last_keepalive = now;
            zt__send_contact(n, p, path->local_socket, &path->addr, now);
        }
    }
    if (full_hello && active)
        p->last_hello = now;
    zt__peer_update_direct(n, p, now);
}

/* Forgets idle peers (never upstreams), storing them in the peer cache. */
static void housekeeping(zt_node *n, int64_t now)
{
    for (size_t i = 0; i < ZT_PEER_BUCKETS; i++) {
        zt_peer *p = n->peers[i];
        while (p != NULL) {
            zt_peer *next = p->next;
            if (!p->is_upstream && now - p->last_activity >= n->cfg.peer_idle_ms &&
                now - p->last_recv >= n->cfg.peer_idle_ms) {
                uint64_t address = p->id.address;
                zt__peer_remove(n, p, n->cfg.peer_cache);
                zt__host_event_peer(n, ZT_NODE_EVENT_PEER_UNREACHABLE, address);
            }
            p = next;
        }
    }
    for (size_t i = 0; i < ZT_SELFAWARE_SLOTS; i++)
        if (n->selfaware[i].when != 0 && now - n->selfaware[i].when > ZT_SELFAWARE_TIMEOUT)
            n->selfaware[i].when = 0;
}

/* Contacts upstreams without a live path at their stable endpoints, and moon seeds. */
static void ping_upstreams(zt_node *n, int64_t now)
{
    for (unsigned i = 0; i < n->nupstreams; i++) {
        zt_peer *p = zt__peer_find(n, n->upstreams[i]);
        const zt_world_root *root = zt__topology_root(n, n->upstreams[i]);
        zt_path *best;
        unsigned count[2] = {0, 0}, pick[2];
        if (p == NULL || root == NULL)
            continue;
        best = zt__peer_best_path(p, now, true);
        if (best != NULL && zt__peer_path_alive(best, now))
            continue;
        for (unsigned j = 0; j < root->nendpoints; j++)
            count[root->endpoints[j].family == 6]++;
        if (root->nendpoints == 0) {
            zt__send_hello(n, p, ZT_LOCAL_SOCKET_ANY, NULL, now); /* via another upstream */
            continue;
        }
        /* One randomly chosen endpoint of each family (§5.2). */
        for (int f = 0; f < 2; f++)
            pick[f] = count[f] > 0 ? (unsigned)(zt__host_random(n) % count[f]) : 0;
        for (unsigned j = 0; j < root->nendpoints; j++) {
            int f = root->endpoints[j].family == 6;
            if (count[f] > 0 && pick[f]-- == 0)
                zt__send_hello(n, p, ZT_LOCAL_SOCKET_ANY, &root->endpoints[j], now);
        }
    }
    for (unsigned i = 0; i < n->norbits; i++) {
        zt_peer *seed = zt__lookup_peer(n, n->orbits[i].seed, now);
        if (seed == NULL)
            zt__lookup_whois(n, n->orbits[i].seed, now);
        else
            zt__send_hello(n, seed, ZT_LOCAL_SOCKET_ANY, NULL, now);
    }
}

int zt__node_process_timers(zt_node *n, int64_t now)
{
    if (now - n->last_ping_check >= ZT_PING_CHECK_INTERVAL) {
        n->last_ping_check = now;
        zt__peer_foreach(n, ping_peer, &now);
        ping_upstreams(n, now);
        zt__network_timers(n, now);
    }
    if (now - n->last_housekeeping >= ZT_HOUSEKEEPING_PERIOD) {
        n->last_housekeeping = now;
        housekeeping(n, now);
    }
    zt__defrag_expire(n->defrag, now);
    zt__idcheck_expire(n, now);
    n->counters.drop_fragment = zt__defrag_drops(n->defrag);
    service_queues(n, now);
    check_online(n, now);
    n->last_online_check = now;
    n->timers_ran = true;
    return 0;
}

int64_t zt__node_next_deadline(const zt_node *n)
{
    int64_t t = n->last_ping_check + ZT_PING_CHECK_INTERVAL;

    if (n->last_housekeeping + ZT_HOUSEKEEPING_PERIOD < t)
        t = n->last_housekeeping + ZT_HOUSEKEEPING_PERIOD;
    for (unsigned i = 0; i < n->nwhois; i++)
        if (n->whois[i].last_sent + ZT_WHOIS_RETRY_DELAY < t)
            t = n->whois[i].last_sent + ZT_WHOIS_RETRY_DELAY;
    if (n->ntxq > 0 || n->nrxq > 0) {
        const zt_queued *lists[2] = {n->txq, n->rxq};
        for (int i = 0; i < 2; i++)
            if (lists[i] != NULL && lists[i]->since + ZT_QUEUE_TIMEOUT < t)
                t = lists[i]->since + ZT_QUEUE_TIMEOUT;
    }
    if (n->online && !n->is_root) {
        /* Notice going offline on time: when the freshest upstream falls out of the window. */
        int64_t latest = 0;
        for (unsigned i = 0; i < n->nupstreams; i++) {
            const zt_peer *p = zt__peer_find(n, n->upstreams[i]);
            if (p != NULL && p->last_recv > latest)
                latest = p->last_recv;
        }
        if (latest + n->cfg.online_window_ms + 1 < t)
            t = latest + n->cfg.online_window_ms + 1;
    }
    /* Once timers have run, never ask to be called back sooner than the granularity. */
    if (n->timers_ran && t < n->last_online_check + ZT_TIMER_GRANULARITY)
        t = n->last_online_check + ZT_TIMER_GRANULARITY;
    return t;
}

int zt__node_send_user_message(zt_node *n, uint64_t dest, uint64_t type, const void *data,
                              size_t len, int64_t now)
{
    zt_peer *p;
    zt_wr w;

    if ((data == NULL && len > 0) || dest == n->address || zt__address_is_reserved(dest))
        return ZT_ERR_INVAL;
    if (len > ZT_PKT_MAX_LEN - ZT_PKT_IDX_PAYLOAD - 8 - 64)
        return ZT_ERR_RANGE;
    p = zt__lookup_peer(n, dest, now);
    if (p == NULL) {
        uint8_t *buf = n->txbuf; /* not in use outside a send */
        zt__store_be(buf, type, 8);
        if (len > 0)
            memcpy(buf + 8, data, len);
        return zt__lookup_queue_tx(n, dest, ZT_VERB_USER_MESSAGE, buf, 8 + len, now);
    }
    w = zt__send_begin(n, dest, ZT_VERB_USER_MESSAGE);
    zt__wr_u64(&w, type);
    zt__wr_bytes(&w, data, len);
    p->last_activity = now;
    return zt__send_to_peer(n, p, &w, false, now);
}

int zt__node_ping(zt_node *n, uint64_t dest, int64_t now)
{
    zt_peer *p;

    if (dest == n->address || zt__address_is_reserved(dest))
        return ZT_ERR_INVAL;
    p = zt__lookup_peer(n, dest, now);
    if (p == NULL)
        return zt__lookup_queue_tx(n, dest, ZT_VERB_ECHO, NULL, 0, now);
    p->last_activity = now;
    return zt__send_echo(n, p, ZT_LOCAL_SOCKET_ANY, NULL, true, now);
}

int zt__node_set_local_addresses(zt_node *n, const zt_inetaddr *addrs, size_t count)
{
    if (count > ZT_MAX_LOCAL_ADDRS)
        return ZT_ERR_RANGE;
    if (count > 0)
        memcpy(n->local_addrs, addrs, count * sizeof(*addrs));
    n->nlocal = (unsigned)count;
    return 0;
}

uint64_t zt__node_address(const zt_node *n)
{
    return n->address;
}

bool zt__node_is_online(const zt_node *n)
{
    return n->online;
}

bool zt__node_is_root(const zt_node *n)
{
    return n->is_root;
}

uint64_t zt__node_planet_id(const zt_node *n)
{
    return n->planet != NULL ? n->planet->id : 0;
}

uint64_t zt__node_planet_timestamp(const zt_node *n)
{
    return n->planet != NULL ? n->planet->timestamp : 0;
}

const zt_node_counters *zt__node_get_counters(const zt_node *n)
{
    return &n->counters;
}

size_t zt__node_peers(const zt_node *n, zt_peer_info *out, size_t max)
{
    size_t count = 0;

    for (size_t i = 0; i < ZT_PEER_BUCKETS; i++)
        for (const zt_peer *p = n->peers[i]; p != NULL; p = p->next) {
            if (count < max) {
                zt__peer_info(p, n->last_online_check, &out[count]);
                out[count].is_moon =
                    p->is_upstream && !zt__topology_is_planet_root(n, p->id.address);
            }
            count++;
        }
    return count;
}

int zt__node_peer(const zt_node *n, uint64_t address, zt_peer_info *out)
{
    const zt_peer *p = zt__peer_find(n, address);
    if (p == NULL)
        return ZT_ERR_NOTFOUND;
    zt__peer_info(p, n->last_online_check, out);
    out->is_moon = p->is_upstream && !zt__topology_is_planet_root(n, address);
    return 0;
}

int zt__node_orbit(zt_node *n, uint64_t world_id, uint64_t seed, int64_t now)
{
    int rv = zt__topology_orbit(n, world_id, seed, now);
    (void)zt__peer_sync_upstreams(n, now);
    return rv;
}

int zt__node_deorbit(zt_node *n, uint64_t world_id, int64_t now)
{
    int rv = zt__topology_deorbit(n, world_id);
    (void)zt__peer_sync_upstreams(n, now);
    return rv;
}

int zt__node_add_moon(zt_node *n, const uint8_t *data, size_t len, int64_t now)
{
    int rv = zt__topology_add_moon(n, data, len);
    (void)zt__peer_sync_upstreams(n, now);
    return rv;
}
