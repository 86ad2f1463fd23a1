/*
 * runner_io.c: the runner's I/O thread (runner.h): the node's callbacks, node events handed to
 * the embedder, housekeeping, the timer and the sockets.
 */
#include "sdk/runner_internal.h"

#include "crypto/crypto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller.h"
#include "codec/configcache.h"
#include "io/clock.h"
#include "sdk/home.h"
#include "zts_controller.h"

#define RUNNER_RX_ROUNDS 8          /* recvmmsg calls per readiness before yielding */
#define RUNNER_MAX_LOCAL_ADDRS 16  /* what the node keeps (zt__node_set_local_addresses) */
#define RUNNER_PORT_CHECK_MS 10000 /* how often the secondary port's re-bind is considered */
#define RUNNER_ADDR_REFRESH_MS 60000
#define RUNNER_PRUNE_MS 3600000
#define RUNNER_PEER_MAX_AGE_MS (30LL * 24 * 3600 * 1000) /* service.md §2 */

/* ------------------------------------------------------------------ addresses */

bool zt__runner_to_sockaddr(const zt_inetaddr *a, struct sockaddr_storage *ss, socklen_t *plen)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == 4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, a->ip, 4);
        sin->sin_port = htons(a->port);
        *plen = sizeof(*sin);
        return true;
    }
    if (a->family == 6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, a->ip, 16);
        sin6->sin6_port = htons(a->port);
        *plen = sizeof(*sin6);
        return true;
    }
    return false;
}

static bool from_sockaddr(const struct sockaddr_storage *ss, zt_inetaddr *a)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        zt__inetaddr_set4(a, (const uint8_t *)&sin->sin_addr, ntohs(sin->sin_port));
        return true;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        zt__inetaddr_set6(a, (const uint8_t *)&sin6->sin6_addr, ntohs(sin6->sin6_port));
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ node callbacks */

static int send_one(zt_runner *r, const zt_runner_sock *s, const struct sockaddr *to,
                    socklen_t tolen, const uint8_t *data, size_t len, unsigned ttl)
{
    int rv;

    if (ttl == 0) {
        rv = zt__io_udp_tx_queue(&r->tx, s->fd, to, tolen, data, len);
        if (rv == ZT_ERR_LIMIT) {
            (void)zt__io_udp_tx_flush(&r->tx);
            rv = zt__io_udp_tx_queue(&r->tx, s->fd, to, tolen, data, len);
        }
        if (rv != ZT_ERR_RANGE)
            return rv;
    }
    /* A TTL of its own, or too large for a queue slot: send now, after what is queued. */
    (void)zt__io_udp_tx_flush(&r->tx);
    return zt__io_udp_send(s->fd, to, tolen, data, len, ttl);
}

static int cb_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                   size_t len, unsigned ttl)
{
    zt_runner *r = user;
    struct sockaddr_storage ss;
    socklen_t sslen;
    int family, rv = ZT_ERR_NOTFOUND;

    if (zt__runner_tunnel_wanted(r, to)) {
        /* UDP is still tried beside the tunnel, unless the relay is forced. */
        rv = zt__runner_tunnel_send(r, to, data, len, zt__io_clock_ms());
        if (r->cfg.tcp_force)
            return rv;
        rv = ZT_ERR_NOTFOUND;
    }
    if (!zt__runner_to_sockaddr(to, &ss, &sslen))
        return ZT_ERR_INVAL;
    family = ss.ss_family;
    if (local_socket >= 0) {
        const zt_runner_sock *s;
        if ((uint64_t)local_socket >= r->nsocks)
            return ZT_ERR_NOTFOUND;
        s = &r->socks[local_socket];
        if (s->family != family)
            return ZT_ERR_INVAL;
        return send_one(r, s, (struct sockaddr *)&ss, sslen, data, len, ttl);
    }
    /* No socket chosen: every socket of the family (vl1.md §5.11). */
    for (unsigned i = 0; i < r->nsocks; i++) {
        int one;
        if (r->socks[i].family != family)
            continue;
        one = send_one(r, &r->socks[i], (struct sockaddr *)&ss, sslen, data, len, ttl);
        if (rv != 0)
            rv = one;
    }
    return rv;
}

/* The next free slot of r->events, zeroed and holding a copy of |data| (|len| bytes; none when
 * NULL or empty); the caller fills it in and counts it.  NULL, counted as dropped, when the
 * array is full or the copy cannot be made. */
static zt_runner_held_event *hold(zt_runner *r, const uint8_t *data, size_t len)
{
    zt_runner_held_event *h;

    if (r->nevents == ZT_RUNNER_MAX_EVENTS) {
        r->events_dropped++;
        return NULL;
    }
    h = &r->events[r->nevents];
    memset(h, 0, sizeof(*h));
    if (data != NULL && len > 0) {
        h->data = malloc(len);
        if (h->data == NULL) {
            r->events_dropped++;
            return NULL;
        }
        memcpy(h->data, data, len);
        h->len = len;
    }
    return h;
}

static void cb_event(void *user, const zt_node_event *ev)
{
    zt_runner *r = user;
    zt_runner_held_event *h = hold(r, ev->data, ev->len);

    if (h == NULL)
        return;
    h->ev = *ev;
    h->ev.config = NULL; /* valid only during the node's callback: ask the node for it later */
    h->ev.data = h->data;
    r->nevents++;
}

/* A frame for our port: copied and handed out after the node call, in order with events. */
static void cb_frame(void *user, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac,
                     unsigned ethertype, const uint8_t *data, size_t len)
{
    zt_runner *r = user;
    zt_runner_held_event *h = hold(r, data, len);

    if (h == NULL)
        return;
    h->is_frame = true;
    h->nwid = nwid;
    h->src_mac = src_mac;
    h->dst_mac = dst_mac;
    h->ethertype = ethertype;
    r->nevents++;
}

/* NETWORK_CONFIG_REQUEST for one of our networks: the controller beside the node, if any.  It
 * reads the network and member records from its store on every request. */
static int cb_config_request(void *user, const zt_identity *requester, uint64_t packet_id,
                             const uint8_t *payload, size_t len, int64_t now,
                             int (*reply)(void *ctx, uint64_t dest, uint8_t verb,
                                          const uint8_t *payload, size_t len),
                             void *reply_ctx)
{
    zt_runner *r = user;
    zt_controller_out out = {.send = reply, .arg = reply_ctx};
    zt_controller_result result = ZT_CTL_RESULT_CONFIG;
    zt_controller *ctl;
    int rv;

    (void)now; /* the node's clock is monotonic; the controller's is the epoch (controller.h) */
    if (r->controller == NULL)
        return ZT_ERR_NOTFOUND;
    ctl = zt__controller_of(r->controller);
    rv = zt__controller_handle_request(ctl, requester, payload, len, packet_id,
                                      zt__io_clock_wall_ms(), &out, &result);
    if (rv != 0)
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "controller: request from %010llx failed: %s%s%s",
                       (unsigned long long)requester->address, zt__strerror(rv),
                       zt__controller_errmsg(ctl)[0] != 0 ? ": " : "",
                       zt__controller_errmsg(ctl));
    else if (zt__controller_errmsg(ctl)[0] != 0) /* the store failed; its last config went */
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "controller: answered %010llx with its last "
                       "config: %s", (unsigned long long)requester->address,
                       zt__controller_errmsg(ctl));
    else
        zt__runner_log(r, ZT_RUNNER_LOG_DEBUG, "controller: request from %010llx: result %d",
                       (unsigned long long)requester->address, (int)result);
    return 0;
}

/* A cached network config is checked by the node as one from the wire (configcache.h); this
 * makes the same checks first, but for the log line that names the file and the reason (the
 * node only sees "no usable cache", ignores it and asks the controller). */
static zt_ssize check_cached_config(zt_runner *r, uint64_t nwid, const uint8_t *buf, size_t len)
{
    char path[ZT_HOME_PATH_MAX], why[160];
    size_t off, dlen;
    int rv;

    rv = zt__config_cache_check(buf, len, nwid, r->address, NULL, 0, NULL, &off, &dlen, why,
                                sizeof(why));
    if (rv == 0 || rv == ZT_ERR_NOMEM)
        return (zt_ssize)len;
    if (r->has_store)
        snprintf(path, sizeof(path), "the cached config of network %016llx",
                 (unsigned long long)nwid);
    else
        (void)zt__home_path(path, sizeof(path), r->home, ZT_STATE_NETWORK_CONFIG, nwid);
    zt__runner_log(r, ZT_RUNNER_LOG_WARN, "%s ignored (%s); asking the controller again", path,
                   why);
    return ZT_ERR_NOTFOUND;
}

static zt_ssize cb_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf,
                             size_t cap)
{
    zt_runner *r = user;
    char path[ZT_HOME_PATH_MAX], why[160];
    zt_ssize len;

    if (type == ZT_STATE_NETWORK_CONFIG && !r->cfg.network_cache)
        return ZT_ERR_NOTFOUND;
    if (r->has_store) {
        /* The embedder's store: it decides what it keeps (runner.h). */
        len = r->store.get != NULL ? r->store.get(r->store.user, type, id, buf, cap)
                                   : ZT_ERR_NOTFOUND;
        if (len > 1 && type == ZT_STATE_NETWORK_CONFIG)
            len = check_cached_config(r, id, buf, (size_t)len);
        return len;
    }
    len = zt__home_state_get(r->home, type, id, buf, cap, why, sizeof(why));
    if (len < 0 && len != ZT_ERR_NOTFOUND) {
        (void)zt__home_path(path, sizeof(path), r->home, type, id);
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "%s ignored (%s)", path, why);
    } else if (len > 1 && type == ZT_STATE_NETWORK_CONFIG) {
        len = check_cached_config(r, id, buf, (size_t)len);
    }
    return len;
}

static void cb_state_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data,
                         size_t len)
{
    zt_runner *r = user;
    char path[ZT_HOME_PATH_MAX];
    bool changed = false;

    /* Network caching off: nothing read from or written to networks.d (api.md §5.1). */
    if (type == ZT_STATE_NETWORK_CONFIG && !r->cfg.network_cache)
        return;
    if (r->has_store) {
        if (r->store.put != NULL)
            r->store.put(r->store.user, type, id, data, len);
        return;
    }
    if (zt__home_state_put(r->home, type, id, data, len, &changed) != 0) {
        (void)zt__home_path(path, sizeof(path), r->home, type, id);
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "cannot %s %s: %s",
                       data == NULL ? "delete" : "write", path, strerror(errno));
        return;
    }
    if (changed) {
        (void)zt__home_path(path, sizeof(path), r->home, type, id);
        zt__runner_log(r, ZT_RUNNER_LOG_DEBUG, "state %s %s",
                       data == NULL ? "deleted" : "written", path);
    }
}

/* local.conf's blacklists (physical.<cidr>.blacklist, virtual.<address>.blacklist). */
static bool cb_path_check(void *user, uint64_t peer, const zt_inetaddr *addr)
{
    const zt_runner *r = user;

    for (unsigned i = 0; i < r->local.n_path_blacklist; i++) {
        const zt_runner_path_rule *rule = &r->local.path_blacklist[i];
        if ((rule->peer == 0 || rule->peer == peer) && zt__inetaddr_in_net(addr, &rule->net))
            return false;
    }
    return true;
}

void zt__runner_callbacks(zt_runner *r, zt_node_callbacks *cb)
{
    memset(cb, 0, sizeof(*cb));
    cb->user = r;
    cb->send = cb_send;
    cb->event = cb_event;
    cb->state_get = cb_state_get;
    cb->state_put = cb_state_put;
    cb->frame = cb_frame;
    cb->config_request = cb_config_request;
    cb->check_identity = zt__runner_check_identity;
    if (r->local.n_path_blacklist > 0)
        cb->path_check = cb_path_check;
}

/* ------------------------------------------------------------------ after each node call */

void zt__runner_emit(zt_runner *r, const zt_runner_event *ev)
{
    if (r->cfg.event != NULL)
        r->cfg.event(r->cfg.user, ev);
}

static void frames_done(zt_runner *r)
{
    zt_runner_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_RUNNER_EVENT_FRAMES_DONE;
    zt__runner_emit(r, &ev);
}

void zt__runner_deliver_events(zt_runner *r)
{
    zt_runner_event rev;
    zt_peer_info *info = NULL;
    bool in_frames = false;

    if (r->events_dropped > 0) {
        zt__runner_log(r, ZT_RUNNER_LOG_WARN,
                       "%llu node events dropped (more than %d in one call)",
                       (unsigned long long)r->events_dropped, ZT_RUNNER_MAX_EVENTS);
        r->events_dropped = 0;
    }
    for (unsigned i = 0; i < r->nevents; i++) {
        zt_runner_held_event *h = &r->events[i];
        const zt_path_info *best;

        if (!h->is_frame && in_frames) {
            frames_done(r);
            in_frames = false;
        }
        if (h->is_frame) {
            in_frames = true;
            memset(&rev, 0, sizeof(rev));
            rev.type = ZT_RUNNER_EVENT_FRAME;
            rev.nwid = h->nwid;
            rev.src_mac = h->src_mac;
            rev.dst_mac = h->dst_mac;
            rev.ethertype = h->ethertype;
            rev.data = h->data;
            rev.len = h->len;
            zt__runner_emit(r, &rev);
            free(h->data);
            h->data = NULL;
            continue;
        }

        /* Name the direct path when the node did not: the embedder logs it. */
        if (h->ev.type == ZT_NODE_EVENT_PEER_DIRECT && h->ev.remote.family == 0) {
            if (info == NULL)
                info = malloc(sizeof(*info));
            if (info != NULL && zt__node_peer(r->node, h->ev.peer, info) == 0 &&
                zt__runner_peer_is_direct(info, &best)) {
                h->ev.remote = best->remote;
                h->ev.local_socket = best->local_socket;
            }
        }
        memset(&rev, 0, sizeof(rev));
        rev.type = ZT_RUNNER_EVENT_NODE;
        rev.node = &h->ev;
        zt__runner_emit(r, &rev);
        free(h->data);
        h->data = NULL;
    }
    if (in_frames)
        frames_done(r);
    r->nevents = 0;
    free(info);
}

void zt__runner_fail(zt_runner *r, int rv, const char *what)
{
    zt_runner_event ev;

    zt__runner_log(r, ZT_RUNNER_LOG_ERROR, "node failed in %s: %s; stopping", what,
                   zt__strerror(rv));
    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_RUNNER_EVENT_FATAL;
    ev.error = rv;
    zt__runner_emit(r, &ev);
    zt__loop_stop(r->loop);
}

static int64_t housekeeping_deadline(const zt_runner *r)
{
    int64_t d = r->next_addr_refresh < r->next_prune ? r->next_addr_refresh : r->next_prune;

    return r->next_port_check < d ? r->next_port_check : d;
}

void zt__runner_after_node(zt_runner *r)
{
    int64_t deadline, hk;

    /* The embedder may answer events by calling the node again from this thread (frames
     * sent by the stack in reply to frames it was given): send what that queued too. */
    do {
        if (r->tx.n > 0)
            (void)zt__io_udp_tx_flush(&r->tx);
        zt__runner_deliver_events(r);
    } while (r->tx.n > 0 || r->nevents > 0);
    if (r->deferred_fatal != 0) {
        int rv = r->deferred_fatal;
        r->deferred_fatal = 0;
        zt__runner_fail(r, rv, "zt__node_send_frame");
        return;
    }
    deadline = zt__node_next_deadline(r->node);
    hk = housekeeping_deadline(r);
    if (hk < deadline)
        deadline = hk;
    if (deadline != r->armed_deadline) {
        if (zt__loop_set_timer(r->loop, deadline) != 0)
            zt__runner_log(r, ZT_RUNNER_LOG_ERROR, "cannot arm the timer: %s", strerror(errno));
        r->armed_deadline = deadline;
    }
}

/* ------------------------------------------------------------------ housekeeping, timer, input */

static bool is_link_local(const zt_inetaddr *a)
{
    if (a->family == 4)
        return a->ip[0] == 169 && a->ip[1] == 254;
    return a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0x80;
}

static bool is_loopback(const zt_inetaddr *a)
{
    static const uint8_t v6lo[16] = {[15] = 1};
    if (a->family == 4)
        return a->ip[0] == 127;
    return memcmp(a->ip, v6lo, 16) == 0;
}

static void add_local(zt_runner *r, zt_inetaddr *out, size_t *pn, const zt_inetaddr *ip)
{
    uint16_t ports[3] = {r->primary_port, atomic_load(&r->secondary_port), r->tertiary_port};

    if (is_link_local(ip) || (is_loopback(ip) && !r->cfg.allow_loopback_paths))
        return;
    for (unsigned i = 0; i < 3; i++) {
        zt_inetaddr a = *ip;
        if (ports[i] == 0 || *pn >= RUNNER_MAX_LOCAL_ADDRS)
            continue;
        a.port = ports[i];
        out[(*pn)++] = a;
    }
}

bool zt__runner_if_skipped(const zt_runner_local *local, const char *name)
{
    static const char *const builtin[] = {"zt", "tun", "tap"};

    if (name == NULL)
        return false;
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        if (strncmp(name, builtin[i], strlen(builtin[i])) == 0)
            return true;
    for (unsigned i = 0; local != NULL && i < local->n_if_prefix_blacklist; i++) {
        const char *prefix = local->if_prefix_blacklist[i];
        if (prefix[0] != 0 && strncmp(name, prefix, strlen(prefix)) == 0)
            return true;
    }
    return false;
}

/* Tells the node which addresses we have (PUSH_DIRECT_PATHS, vl1.md §4.7): the address the
 * gateway maps to our tertiary port first (the one most likely to work from outside), then
 * each interface address with each of our ports, as many as the node keeps. */
void zt__runner_refresh_addresses(zt_runner *r)
{
    zt_inetaddr addrs[RUNNER_MAX_LOCAL_ADDRS], ip;
    struct ifaddrs *ifa = NULL;
    size_t n = 0;

    if (!r->cfg.advertise_local_addresses)
        return;
    if (zt__runner_port_mapping(r, &addrs[0], NULL))
        n = 1;
    if (r->cfg.bind_specific) {
        if (r->has_bind_ip4) {
            zt__inetaddr_set4(&ip, r->bind_ip4, 0);
            add_local(r, addrs, &n, &ip);
        }
        if (r->has_bind_ip6) {
            zt__inetaddr_set6(&ip, r->bind_ip6, 0);
            add_local(r, addrs, &n, &ip);
        }
    } else if (getifaddrs(&ifa) == 0) {
        for (struct ifaddrs *p = ifa; p != NULL; p = p->ifa_next) {
            struct sockaddr_storage ss;
            if (p->ifa_addr == NULL || (p->ifa_flags & IFF_UP) == 0 ||
                zt__runner_if_skipped(&r->local, p->ifa_name))
                continue;
            if (p->ifa_addr->sa_family == AF_INET)
                memcpy(&ss, p->ifa_addr, sizeof(struct sockaddr_in));
            else if (p->ifa_addr->sa_family == AF_INET6)
                memcpy(&ss, p->ifa_addr, sizeof(struct sockaddr_in6));
            else
                continue;
            if (from_sockaddr(&ss, &ip))
                add_local(r, addrs, &n, &ip);
        }
        freeifaddrs(ifa);
    }
    zt__runner_tunnel_own_addresses(r, addrs, n);
    if (zt__node_set_local_addresses(r->node, addrs, n) != 0)
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "cannot set local addresses");
    else
        zt__runner_log(r, ZT_RUNNER_LOG_DEBUG, "%zu local addresses advertised", n);
}

/* vl1.md §5.11: a node offline for more than 120 s (cfg.secondary_rebind_ms) moves its random
 * secondary port to a new random one, at most once per such period: some NATs stop passing
 * a port's traffic after a while (a "coma"), and a new port gets a new NAT mapping.  The
 * sockets keep their local socket IDs (runner.h), so our paths through them follow. */
static void check_secondary_port(zt_runner *r, int64_t now)
{
    int64_t since, every = r->rebind_ms / 4;
    uint16_t old;
    int rv;

    every = every > RUNNER_PORT_CHECK_MS ? RUNNER_PORT_CHECK_MS : every < 10 ? 10 : every;
    r->next_port_check = now + every;
    if (zt__node_is_online(r->node)) {
        r->last_online = now;
        return;
    }
    since = r->last_online > r->last_rebind ? r->last_online : r->last_rebind;
    if (now - since <= r->rebind_ms)
        return;
    old = atomic_load(&r->secondary_port);
    rv = zt__runner_rebind_secondary(r);
    r->last_rebind = now;
    if (rv != 0) {
        zt__runner_log(r, ZT_RUNNER_LOG_WARN,
                       "offline for %llds; cannot move the secondary port %u: %s",
                       (long long)((now - r->last_online) / 1000), (unsigned)old,
                       zt__strerror(rv));
        return;
    }
    zt__runner_log(r, ZT_RUNNER_LOG_INFO,
                   "offline for %llds: secondary port %u re-randomized to %u",
                   (long long)((now - r->last_online) / 1000), (unsigned)old,
                   (unsigned)atomic_load(&r->secondary_port));
    zt__runner_refresh_addresses(r);
}

static void housekeeping(zt_runner *r, int64_t now)
{
    if (now >= r->next_addr_refresh) {
        zt__runner_refresh_addresses(r);
        r->next_addr_refresh = now + RUNNER_ADDR_REFRESH_MS;
    }
    if (now >= r->next_port_check)
        check_secondary_port(r, now);
    if (now >= r->next_prune) {
        /* With a store, the store's own cache (if it keeps one). */
        int64_t wall = zt__io_clock_wall_ms();
        unsigned n = !r->has_store ? zt__home_prune_peers(r->home, RUNNER_PEER_MAX_AGE_MS, wall)
                     : r->store.prune_peers != NULL
                         ? r->store.prune_peers(r->store.user, RUNNER_PEER_MAX_AGE_MS, wall)
                         : 0;
        if (n > 0)
            zt__runner_log(r, ZT_RUNNER_LOG_INFO, "%u stale peers.d files deleted", n);
        r->next_prune = now + RUNNER_PRUNE_MS;
    }
}

void zt__runner_on_timer(zt_loop *loop, void *arg)
{
    zt_runner *r = arg;
    int64_t now = zt__io_clock_ms();
    int rv;

    (void)loop;
    r->armed_deadline = ZT_LOOP_NEVER; /* the one-shot timer has fired */
    if (now >= housekeeping_deadline(r))
        housekeeping(r, now);
    zt__runner_tunnel_timers(r, now);
    rv = zt__node_process_timers(r->node, now);
    if (zt__err_is_fatal(rv)) {
        zt__runner_fail(r, rv, "zt__node_process_timers");
        return;
    }
    zt__runner_after_node(r);
}

void zt__runner_on_readable(zt_loop *loop, int fd, void *arg)
{
    zt_runner_sock *s = arg;
    zt_runner *r = s->r;

    (void)fd;
    for (unsigned round = 0; round < RUNNER_RX_ROUNDS && !zt__loop_is_stopping(loop); round++) {
        int n = zt__io_udp_recv(s->fd, &r->rx);
        int64_t now = zt__io_clock_ms();

        if (n < 0) {
            zt__runner_log(r, ZT_RUNNER_LOG_WARN, "receive on socket %u: %s", s->index,
                           strerror(errno));
            break;
        }
        for (unsigned i = 0; i < (unsigned)n; i++) {
            zt_inetaddr from;
            const uint8_t *data;
            size_t len;
            int rv;

            if (zt__io_udp_rx_is_truncated(&r->rx, i) ||
                !from_sockaddr(zt__io_udp_rx_from(&r->rx, i), &from))
                continue;
            data = zt__io_udp_rx_data(&r->rx, i, &len);
            zt__runner_tunnel_udp_received(r, &from, now);
            rv = zt__node_recv_datagram(r->node, (int64_t)s->index, &from, data, len, now);
            if (zt__err_is_fatal(rv)) {
                zt__runner_after_node(r);
                zt__runner_fail(r, rv, "zt__node_recv_datagram");
                return;
            }
        }
        if (n > 0)
            zt__runner_after_node(r);
        if ((unsigned)n < r->rx.cap)
            break;
    }
}

/* ------------------------------------------------------------------ the thread */

void *zt__runner_io_main(void *arg)
{
    zt_runner *r = arg;
    zt_runner_event ev;
    int rv;

    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_RUNNER_EVENT_STARTED;
    zt__runner_emit(r, &ev);

    /* The secondary port is re-bound only when random (cfg.secondary_port 0) and present. */
    r->last_online = zt__io_clock_ms();
    r->next_port_check = r->cfg.secondary_port == 0 && r->sec_count > 0
                             ? r->last_online + r->rebind_ms / 4
                             : ZT_LOOP_NEVER;
    housekeeping(r, zt__io_clock_ms());
    rv = zt__node_process_timers(r->node, zt__io_clock_ms());
    if (zt__err_is_fatal(rv))
        zt__runner_fail(r, rv, "zt__node_process_timers");
    else
        zt__runner_on_wakeup(r->loop, r); /* commands posted before the start; arms the timer */

    rv = zt__loop_run(r->loop);
    if (rv != 0)
        zt__runner_log(r, ZT_RUNNER_LOG_ERROR, "event loop failed: %s", strerror(errno));
    if (r->tx.n > 0)
        (void)zt__io_udp_tx_flush(&r->tx);
    zt__runner_verify_stop(r);
    zt__runner_cmd_stop(r);

    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_RUNNER_EVENT_STOPPED;
    zt__runner_emit(r, &ev);
    zt__crypto_thread_stop();
    return NULL;
}
