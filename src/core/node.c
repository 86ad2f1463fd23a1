/* The VL1 node: construction, the two entry points, timers and accessors (node.h). */
#include "core/node_internal.h"

#include <string.h>

#include "crypto/crypto.h"

void zt__node_config_default(zt_node_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->online_window_ms = 60000;
    cfg->peer_idle_ms = 60000;
    cfg->max_peers = 10000;
    cfg->physical_mtu = ZT_DEFAULT_PHYSMTU;
}

uint64_t zt__node_random(zt_node *n)
{
    uint64_t v;

    if (n->rng_pos + 8 > sizeof(n->rng_buf)) {
        zt__chacha20_block(n->rng_buf, n->rng_key, n->rng_counter++);
        n->rng_pos = 0;
    }
    memcpy(&v, n->rng_buf + n->rng_pos, 8);
    n->rng_pos += 8;
    return v;
}

void zt__node_event(zt_node *n, const zt_node_event *ev)
{
    if (n->cb.event != NULL)
        n->cb.event(n->cb.user, ev);
}

void zt__node_peer_event(zt_node *n, zt_node_event_type type, const zt_peer *p,
                         const zt_path *path)
{
    zt_node_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.peer = p->id.address;
    if (path != NULL) {
        ev.local_socket = path->local_socket;
        ev.remote = path->addr;
    }
    zt__node_event(n, &ev);
}

int zt__node_datagram(zt_node *n, int64_t local_socket, const zt_inetaddr *to,
                      const uint8_t *data, size_t len, unsigned ttl)
{
    int rv = n->cb.send(n->cb.user, local_socket, to, data, len, ttl);
    if (rv == 0)
        n->counters.tx_datagrams++;
    else
        n->counters.tx_errors++;
    return rv;
}

int zt__node_new(zt_node **pnode, const zt_node_config *cfg, const zt_node_callbacks *cb,
                int64_t now)
{
    zt_node *n;
    int rv;

    if (cfg == NULL || cfg->identity == NULL || !cfg->identity->has_secret || cb == NULL ||
        cb->send == NULL || cfg->max_peers == 0 || cfg->physical_mtu < ZT_MIN_PHYSMTU ||
        cfg->physical_mtu > ZT_MAX_PHYSMTU || cfg->online_window_ms <= 0 ||
        cfg->peer_idle_ms <= 0)
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
    rv = zt__topology_init(n, cfg->planet, cfg->planet_len, now);
    if (rv != 0)
        goto out;
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
    zt__networks_clear(node);
    zt__queues_clear(node);
    zt__topology_clear(node);
    zt__defrag_del(node->defrag);
    zt__identity_clear(&node->self);
    zt__wipe(node->rng_key, sizeof(node->rng_key));
    zt__mem_free(node->mem, node);
}

/* A whole packet for us: from the wire or out of reassembly. */
static int handle_packet(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                         const uint8_t *pkt, size_t len, int64_t now)
{
    int rv = zt__vl1_handle(n, local_socket, from, pkt, len, now);
    if (!n->flushing) {
        n->flushing = true;
        zt__queues_service(n, now);
        n->flushing = false;
    }
    return rv;
}

int zt__node_handle_packet(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                           const uint8_t *pkt, size_t len, int64_t now)
{
    return handle_packet(n, local_socket, from, pkt, len, now);
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
            return zt__relay(n, local_socket, from, data, len, true, now);
        got = zt__defrag_add(n->defrag, data, len, now, n->defragbuf, sizeof(n->defragbuf));
        break;
    case ZT_DGRAM_PACKET:
    default:
        dest = zt__pkt_dest(data);
        if (dest != n->address)
            return zt__relay(n, local_socket, from, data, len, false, now);
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

void zt__node_check_online(zt_node *n, int64_t now)
{
    bool online = n->is_root;
    zt_node_event ev;

    for (unsigned i = 0; i < n->nupstreams && !online; i++) {
        zt_peer *p = zt__peer_find(n, n->upstreams[i]);
        if (p != NULL && p->last_recv > 0 && now - p->last_recv <= n->cfg.online_window_ms)
            online = true;
    }
    if (online == n->online)
        return;
    n->online = online;
    memset(&ev, 0, sizeof(ev));
    ev.type = online ? ZT_NODE_EVENT_ONLINE : ZT_NODE_EVENT_OFFLINE;
    zt__node_event(n, &ev);
    if (online)
        zt__networks_online(n, now);
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
            zt__node_peer_event(n, ZT_NODE_EVENT_PATH_DEAD, p, path);
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
                zt_node_event ev;
                memset(&ev, 0, sizeof(ev));
                ev.type = ZT_NODE_EVENT_PEER_UNREACHABLE;
                ev.peer = p->id.address;
                zt__peer_remove(n, p, n->cfg.peer_cache);
                zt__node_event(n, &ev);
            }
            p = next;
        }
    }
    for (size_t i = 0; i < ZT_SELFAWARE_SLOTS; i++)
        if (n->selfaware[i].when != 0 && now - n->selfaware[i].when > ZT_SELFAWARE_TIMEOUT)
            n->selfaware[i].when = 0;
}

int zt__node_process_timers(zt_node *n, int64_t now)
{
    if (now - n->last_ping_check >= ZT_PING_CHECK_INTERVAL) {
        n->last_ping_check = now;
        zt__peer_foreach(n, ping_peer, &now);
        zt__topology_ping(n, now);
        zt__networks_timers(n, now);
    }
    if (now - n->last_housekeeping >= ZT_HOUSEKEEPING_PERIOD) {
        n->last_housekeeping = now;
        housekeeping(n, now);
    }
    zt__defrag_expire(n->defrag, now);
    zt__idcheck_expire(n, now);
    n->counters.drop_fragment = zt__defrag_drops(n->defrag);
    n->flushing = true;
    zt__queues_service(n, now);
    n->flushing = false;
    zt__node_check_online(n, now);
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
    p = zt__peer_get(n, dest, now);
    if (p == NULL) {
        uint8_t *buf = n->txbuf; /* not in use outside a send */
        zt__store_be(buf, type, 8);
        if (len > 0)
            memcpy(buf + 8, data, len);
        return zt__queue_tx(n, dest, ZT_VERB_USER_MESSAGE, buf, 8 + len, now);
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
    p = zt__peer_get(n, dest, now);
    if (p == NULL)
        return zt__queue_tx(n, dest, ZT_VERB_ECHO, NULL, 0, now);
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
            if (count < max)
                zt__peer_info(p, n->last_online_check, &out[count]);
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
    return 0;
}
