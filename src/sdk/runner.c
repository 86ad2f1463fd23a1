/*
 * runner.c: one node, its sockets, its home directory and its I/O thread (runner.h).
 */
#include "sdk/runner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "io/clock.h"
#include "io/loop.h"
#include "io/udp.h"
#include "sdk/home.h"

#define RUNNER_MAX_SOCKETS 4
#define RUNNER_RX_BATCH 64          /* datagrams per recvmmsg */
#define RUNNER_RX_ROUNDS 8          /* recvmmsg calls per readiness before yielding */
#define RUNNER_TX_BATCH 64          /* datagrams per sendmmsg */
#define RUNNER_TX_SLOT 2048         /* larger datagrams are sent one by one */
#define RUNNER_MAX_COMMANDS 4096
#define RUNNER_MAX_EVENTS 1024      /* node events held during one node call */
#define RUNNER_MAX_LOCAL_ADDRS 32
#define RUNNER_ADDR_REFRESH_MS 60000
#define RUNNER_PRUNE_MS 3600000
#define RUNNER_PEER_MAX_AGE_MS (30LL * 24 * 3600 * 1000) /* service.md §2 */
#define RUNNER_PORT_TRIES 256                            /* vl1.md §5.11 */

typedef enum {
    STATE_NEW = 0,
    STATE_RUNNING,
    STATE_STOPPED,
} runner_state;

typedef enum {
    CMD_USER_MESSAGE = ZT_RUNNER_CMD_USER_MESSAGE,
    CMD_PING = ZT_RUNNER_CMD_PING,
    CMD_ORBIT = ZT_RUNNER_CMD_ORBIT,
    CMD_DEORBIT = ZT_RUNNER_CMD_DEORBIT,
    CMD_QUERY = 100,
} cmd_kind;

typedef enum {
    QUERY_STATUS = 1,
    QUERY_PEERS,
    QUERY_PEER,
} query_kind;

/* A query waiting for the I/O thread; lives on the asking thread's stack. */
typedef struct runner_query {
    query_kind kind;
    uint64_t address;
    void *out;
    size_t max;
    zt_ssize result;
    bool is_done;
} runner_query;

typedef struct runner_cmd {
    struct runner_cmd *next;
    cmd_kind kind;
    uint64_t a, b;
    uint8_t *data;
    size_t len;
    runner_query *query;
} runner_cmd;

typedef struct runner_sock {
    int fd;
    int family;       /* AF_INET or AF_INET6 */
    uint16_t port;
    struct zt_runner *r;
    unsigned index;   /* the local socket ID the node sees */
} runner_sock;

/* A node event copied out of the node call that raised it. */
typedef struct held_event {
    zt_node_event ev;
    uint8_t *data;
} held_event;

struct zt_runner {
    char *home;
    zt_runner_config cfg;
    uint8_t bind_ip4[4], bind_ip6[16];
    bool has_bind_ip4, has_bind_ip6;

    zt_identity id;
    uint64_t address;
    zt_node *node;
    zt_loop *loop;
    runner_sock socks[RUNNER_MAX_SOCKETS];
    unsigned nsocks;
    uint16_t primary_port, secondary_port;
    zt_io_udp_rx rx;
    zt_io_udp_tx tx;

    pthread_t thread;
    bool has_thread;
    pthread_mutex_t mu;        /* guards state, the command queue and query completion */
    pthread_cond_t cond;
    runner_state state;
    runner_cmd *head, *tail;
    unsigned ncmds;

    held_event *events;        /* I/O thread only */
    unsigned nevents;
    uint64_t events_dropped;
    int64_t armed_deadline;
    int64_t next_addr_refresh, next_prune;
};

/* ------------------------------------------------------------------ logging, helpers */

static void rlog(zt_runner *r, zt_runner_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rlog(zt_runner *r, zt_runner_log_level level, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    if (r->cfg.log == NULL)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->cfg.log(r->cfg.user, level, buf);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool to_sockaddr(const zt_inetaddr *a, struct sockaddr_storage *ss, socklen_t *plen)
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

static bool on_io_thread(zt_runner *r)
{
    return r->has_thread && pthread_equal(pthread_self(), r->thread);
}

/* ------------------------------------------------------------------ node callbacks */

static int send_one(zt_runner *r, const runner_sock *s, const struct sockaddr *to,
                    socklen_t tolen, const uint8_t *data, size_t len, unsigned ttl)
{
    int rv;

    if (ttl == 0) {
        rv = zt_io_udp_tx_queue(&r->tx, s->fd, to, tolen, data, len);
        if (rv == ZT_ERR_LIMIT) {
            (void)zt_io_udp_tx_flush(&r->tx);
            rv = zt_io_udp_tx_queue(&r->tx, s->fd, to, tolen, data, len);
        }
        if (rv != ZT_ERR_RANGE)
            return rv;
    }
    /* A TTL of its own, or too large for a queue slot: send now, after what is queued. */
    (void)zt_io_udp_tx_flush(&r->tx);
    return zt_io_udp_send(s->fd, to, tolen, data, len, ttl);
}

static int cb_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                   size_t len, unsigned ttl)
{
    zt_runner *r = user;
    struct sockaddr_storage ss;
    socklen_t sslen;
    int family, rv = ZT_ERR_NOTFOUND;

    if (!to_sockaddr(to, &ss, &sslen))
        return ZT_ERR_INVAL;
    family = ss.ss_family;
    if (local_socket >= 0) {
        const runner_sock *s;
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

static void cb_event(void *user, const zt_node_event *ev)
{
    zt_runner *r = user;
    held_event *h;

    if (r->nevents == RUNNER_MAX_EVENTS) {
        r->events_dropped++;
        return;
    }
    h = &r->events[r->nevents];
    h->ev = *ev;
    h->data = NULL;
    if (ev->data != NULL && ev->len > 0) {
        h->data = malloc(ev->len);
        if (h->data == NULL) {
            r->events_dropped++;
            return;
        }
        memcpy(h->data, ev->data, ev->len);
        h->ev.data = h->data;
    } else {
        h->ev.data = NULL;
    }
    r->nevents++;
}

static zt_ssize cb_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf,
                             size_t cap)
{
    zt_runner *r = user;
    return zt__home_state_get(r->home, type, id, buf, cap);
}

static void cb_state_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data,
                         size_t len)
{
    zt_runner *r = user;
    char path[ZT_HOME_PATH_MAX];
    bool changed = false;

    if (zt__home_state_put(r->home, type, id, data, len, &changed) != 0) {
        (void)zt__home_path(path, sizeof(path), r->home, type, id);
        rlog(r, ZT_RUNNER_LOG_WARN, "cannot %s %s: %s", data == NULL ? "delete" : "write", path,
             strerror(errno));
        return;
    }
    if (changed) {
        (void)zt__home_path(path, sizeof(path), r->home, type, id);
        rlog(r, ZT_RUNNER_LOG_DEBUG, "state %s %s", data == NULL ? "deleted" : "written", path);
    }
}

/* ------------------------------------------------------------------ I/O thread */

static void emit(zt_runner *r, const zt_runner_event *ev)
{
    if (r->cfg.event != NULL)
        r->cfg.event(r->cfg.user, ev);
}

static void deliver_events(zt_runner *r)
{
    zt_runner_event rev;
    zt_peer_info *info = NULL;

    if (r->events_dropped > 0) {
        rlog(r, ZT_RUNNER_LOG_WARN, "%llu node events dropped (more than %d in one call)",
             (unsigned long long)r->events_dropped, RUNNER_MAX_EVENTS);
        r->events_dropped = 0;
    }
    for (unsigned i = 0; i < r->nevents; i++) {
        held_event *h = &r->events[i];
        const zt_path_info *best;

        /* Name the direct path when the node did not: the embedder logs it. */
        if (h->ev.type == ZT_NODE_EVENT_PEER_DIRECT && h->ev.remote.family == 0) {
            if (info == NULL)
                info = malloc(sizeof(*info));
            if (info != NULL && zt_node_peer(r->node, h->ev.peer, info) == 0 &&
                zt_runner_peer_is_direct(info, &best)) {
                h->ev.remote = best->remote;
                h->ev.local_socket = best->local_socket;
            }
        }
        memset(&rev, 0, sizeof(rev));
        rev.type = ZT_RUNNER_EVENT_NODE;
        rev.node = &h->ev;
        emit(r, &rev);
        free(h->data);
        h->data = NULL;
    }
    r->nevents = 0;
    free(info);
}

static void fail(zt_runner *r, int rv, const char *what)
{
    zt_runner_event ev;

    rlog(r, ZT_RUNNER_LOG_ERROR, "node failed in %s: %s; stopping", what, zt_strerror(rv));
    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_RUNNER_EVENT_FATAL;
    ev.error = rv;
    emit(r, &ev);
    zt_loop_stop(r->loop);
}

static int64_t housekeeping_deadline(const zt_runner *r)
{
    return r->next_addr_refresh < r->next_prune ? r->next_addr_refresh : r->next_prune;
}

/* After every node call: send what it queued, hand out its events, re-arm the timer. */
static void after_node(zt_runner *r)
{
    int64_t deadline, hk;

    if (r->tx.n > 0)
        (void)zt_io_udp_tx_flush(&r->tx);
    deliver_events(r);
    deadline = zt_node_next_deadline(r->node);
    hk = housekeeping_deadline(r);
    if (hk < deadline)
        deadline = hk;
    if (deadline != r->armed_deadline) {
        if (zt_loop_set_timer(r->loop, deadline) != 0)
            rlog(r, ZT_RUNNER_LOG_ERROR, "cannot arm the timer: %s", strerror(errno));
        r->armed_deadline = deadline;
    }
}

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
    uint16_t ports[2] = {r->primary_port, r->secondary_port};

    if (is_link_local(ip) || (is_loopback(ip) && !r->cfg.allow_loopback_paths))
        return;
    for (unsigned i = 0; i < 2; i++) {
        zt_inetaddr a = *ip;
        if (ports[i] == 0 || *pn >= RUNNER_MAX_LOCAL_ADDRS)
            continue;
        a.port = ports[i];
        out[(*pn)++] = a;
    }
}

/* Tells the node which addresses we have (PUSH_DIRECT_PATHS, vl1.md §4.7). */
static void refresh_local_addresses(zt_runner *r)
{
    zt_inetaddr addrs[RUNNER_MAX_LOCAL_ADDRS], ip;
    struct ifaddrs *ifa = NULL;
    size_t n = 0;

    if (!r->cfg.advertise_local_addresses)
        return;
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
            if (p->ifa_addr == NULL || (p->ifa_flags & IFF_UP) == 0)
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
    if (zt_node_set_local_addresses(r->node, addrs, n) != 0)
        rlog(r, ZT_RUNNER_LOG_WARN, "cannot set local addresses");
    else
        rlog(r, ZT_RUNNER_LOG_DEBUG, "%zu local addresses advertised", n);
}

static void housekeeping(zt_runner *r, int64_t now)
{
    if (now >= r->next_addr_refresh) {
        refresh_local_addresses(r);
        r->next_addr_refresh = now + RUNNER_ADDR_REFRESH_MS;
    }
    if (now >= r->next_prune) {
        unsigned n = zt__home_prune_peers(r->home, RUNNER_PEER_MAX_AGE_MS,
                                          zt_io_clock_wall_ms());
        if (n > 0)
            rlog(r, ZT_RUNNER_LOG_INFO, "%u stale peers.d files deleted", n);
        r->next_prune = now + RUNNER_PRUNE_MS;
    }
}

static void on_timer(zt_loop *loop, void *arg)
{
    zt_runner *r = arg;
    int64_t now = zt_io_clock_ms();
    int rv;

    (void)loop;
    r->armed_deadline = ZT_LOOP_NEVER; /* the one-shot timer has fired */
    if (now >= housekeeping_deadline(r))
        housekeeping(r, now);
    rv = zt_node_process_timers(r->node, now);
    if (zt_err_is_fatal(rv)) {
        fail(r, rv, "zt_node_process_timers");
        return;
    }
    after_node(r);
}

static void on_readable(zt_loop *loop, int fd, void *arg)
{
    runner_sock *s = arg;
    zt_runner *r = s->r;

    (void)fd;
    for (unsigned round = 0; round < RUNNER_RX_ROUNDS && !zt_loop_is_stopping(loop); round++) {
        int n = zt_io_udp_recv(s->fd, &r->rx);
        int64_t now = zt_io_clock_ms();

        if (n < 0) {
            rlog(r, ZT_RUNNER_LOG_WARN, "receive on socket %u: %s", s->index, strerror(errno));
            break;
        }
        for (unsigned i = 0; i < (unsigned)n; i++) {
            zt_inetaddr from;
            const uint8_t *data;
            size_t len;
            int rv;

            if (zt_io_udp_rx_is_truncated(&r->rx, i) ||
                !from_sockaddr(zt_io_udp_rx_from(&r->rx, i), &from))
                continue;
            data = zt_io_udp_rx_data(&r->rx, i, &len);
            rv = zt_node_recv_datagram(r->node, (int64_t)s->index, &from, data, len, now);
            if (zt_err_is_fatal(rv)) {
                after_node(r);
                fail(r, rv, "zt_node_recv_datagram");
                return;
            }
        }
        if (n > 0)
            after_node(r);
        if ((unsigned)n < r->rx.cap)
            break;
    }
}

static void finish_query(zt_runner *r, runner_query *q);

/* Answers a query; the node must not be running on another thread. */
static zt_ssize answer_query(zt_runner *r, runner_query *q)
{
    switch (q->kind) {
    case QUERY_STATUS: {
        zt_runner_status *st = q->out;
        memset(st, 0, sizeof(*st));
        st->address = zt_node_address(r->node);
        st->planet_id = zt_node_planet_id(r->node);
        st->is_online = zt_node_is_online(r->node);
        st->is_root = zt_node_is_root(r->node);
        st->counters = *zt_node_get_counters(r->node);
        st->tx_batches = r->tx.syscalls;
        st->tx_dropped = r->tx.dropped;
        return 0;
    }
    case QUERY_PEERS:
        return (zt_ssize)zt_node_peers(r->node, q->out, q->max);
    case QUERY_PEER:
        return zt_node_peer(r->node, q->address, q->out);
    }
    return ZT_ERR_INVAL;
}

static void finish_query(zt_runner *r, runner_query *q)
{
    pthread_mutex_lock(&r->mu);
    q->is_done = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

static void free_cmd(runner_cmd *c)
{
    if (c == NULL)
        return;
    free(c->data);
    free(c);
}

static void run_command(zt_runner *r, runner_cmd *c, int64_t now)
{
    zt_runner_event ev;
    int rv = 0;

    switch (c->kind) {
    case CMD_USER_MESSAGE:
        rv = zt_node_send_user_message(r->node, c->a, c->b, c->data, c->len, now);
        break;
    case CMD_PING:
        rv = zt_node_ping(r->node, c->a, now);
        break;
    case CMD_ORBIT:
        rv = zt_node_orbit(r->node, c->a, c->b, now);
        break;
    case CMD_DEORBIT:
        rv = zt_node_deorbit(r->node, c->a, now);
        break;
    case CMD_QUERY:
        c->query->result = answer_query(r, c->query);
        finish_query(r, c->query);
        return;
    }
    if (zt_err_is_fatal(rv)) {
        after_node(r);
        fail(r, rv, "a command");
        return;
    }
    if (rv != 0) {
        memset(&ev, 0, sizeof(ev));
        ev.type = ZT_RUNNER_EVENT_COMMAND_FAILED;
        ev.command = (zt_runner_command)c->kind;
        ev.peer = c->a;
        ev.error = rv;
        deliver_events(r); /* keep the order: what the node said first goes first */
        emit(r, &ev);
    }
}

static void on_wakeup(zt_loop *loop, void *arg)
{
    zt_runner *r = arg;
    runner_cmd *list, *next;

    pthread_mutex_lock(&r->mu);
    list = r->head;
    r->head = r->tail = NULL;
    r->ncmds = 0;
    pthread_mutex_unlock(&r->mu);

    for (; list != NULL; list = next) {
        next = list->next;
        if (!zt_loop_is_stopping(loop)) {
            run_command(r, list, zt_io_clock_ms());
        } else if (list->kind == CMD_QUERY) {
            list->query->result = ZT_ERR_AGAIN;
            finish_query(r, list->query);
        }
        free_cmd(list);
    }
    if (!zt_loop_is_stopping(loop))
        after_node(r);
}

static void *io_main(void *arg)
{
    zt_runner *r = arg;
    zt_runner_event ev;
    runner_cmd *list, *next;
    int rv;

    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_RUNNER_EVENT_STARTED;
    emit(r, &ev);

    housekeeping(r, zt_io_clock_ms());
    rv = zt_node_process_timers(r->node, zt_io_clock_ms());
    if (zt_err_is_fatal(rv))
        fail(r, rv, "zt_node_process_timers");
    else
        on_wakeup(r->loop, r); /* commands posted before the start; also arms the timer */

    rv = zt_loop_run(r->loop);
    if (rv != 0)
        rlog(r, ZT_RUNNER_LOG_ERROR, "event loop failed: %s", strerror(errno));
    if (r->tx.n > 0)
        (void)zt_io_udp_tx_flush(&r->tx);

    pthread_mutex_lock(&r->mu);
    r->state = STATE_STOPPED;
    list = r->head;
    r->head = r->tail = NULL;
    r->ncmds = 0;
    pthread_mutex_unlock(&r->mu);
    for (; list != NULL; list = next) {
        next = list->next;
        if (list->kind == CMD_QUERY) {
            list->query->result = ZT_ERR_AGAIN;
            finish_query(r, list->query);
        }
        free_cmd(list);
    }

    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_RUNNER_EVENT_STOPPED;
    emit(r, &ev);
    return NULL;
}

/* ------------------------------------------------------------------ commands from any thread */

static int post(zt_runner *r, runner_cmd *c)
{
    int rv = 0;

    pthread_mutex_lock(&r->mu);
    if (r->state == STATE_STOPPED || (r->loop != NULL && zt_loop_is_stopping(r->loop)))
        rv = ZT_ERR_AGAIN;
    else if (r->ncmds >= RUNNER_MAX_COMMANDS)
        rv = ZT_ERR_LIMIT;
    if (rv == 0) {
        c->next = NULL;
        if (r->tail != NULL)
            r->tail->next = c;
        else
            r->head = c;
        r->tail = c;
        r->ncmds++;
    }
    pthread_mutex_unlock(&r->mu);
    if (rv != 0) {
        free_cmd(c);
        return rv;
    }
    (void)zt_loop_wakeup(r->loop);
    return 0;
}

static int post_simple(zt_runner *r, cmd_kind kind, uint64_t a, uint64_t b, const void *data,
                       size_t len)
{
    runner_cmd *c;

    if (len > ZT_RUNNER_MAX_MESSAGE)
        return ZT_ERR_RANGE;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ZT_ERR_NOMEM;
    c->kind = kind;
    c->a = a;
    c->b = b;
    if (len > 0) {
        c->data = malloc(len);
        if (c->data == NULL) {
            free(c);
            return ZT_ERR_NOMEM;
        }
        memcpy(c->data, data, len);
        c->len = len;
    }
    return post(r, c);
}

int zt_runner_send_user_message(zt_runner *r, uint64_t dest, uint64_t type, const void *data,
                                size_t len)
{
    if (data == NULL && len > 0)
        return ZT_ERR_INVAL;
    return post_simple(r, CMD_USER_MESSAGE, dest, type, data, len);
}

int zt_runner_ping(zt_runner *r, uint64_t dest)
{
    return post_simple(r, CMD_PING, dest, 0, NULL, 0);
}

int zt_runner_orbit(zt_runner *r, uint64_t world_id, uint64_t seed)
{
    return post_simple(r, CMD_ORBIT, world_id, seed, NULL, 0);
}

int zt_runner_deorbit(zt_runner *r, uint64_t world_id)
{
    return post_simple(r, CMD_DEORBIT, world_id, 0, NULL, 0);
}

static zt_ssize query(zt_runner *r, runner_query *q)
{
    runner_cmd *c;
    zt_ssize rv;

    /* Decide under the lock: zt_runner_start() sets the state and the thread together, and
     * the I/O thread may already be asking (from its STARTED event). */
    pthread_mutex_lock(&r->mu);
    if (r->state != STATE_RUNNING) {
        /* No I/O thread touches the node: answer here, under the lock. */
        rv = answer_query(r, q);
        pthread_mutex_unlock(&r->mu);
        return rv;
    }
    if (on_io_thread(r)) {
        pthread_mutex_unlock(&r->mu);
        return answer_query(r, q);
    }
    pthread_mutex_unlock(&r->mu);

    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ZT_ERR_NOMEM;
    c->kind = CMD_QUERY;
    c->query = q;
    rv = post(r, c);
    if (rv != 0)
        return rv;
    pthread_mutex_lock(&r->mu);
    while (!q->is_done)
        pthread_cond_wait(&r->cond, &r->mu);
    pthread_mutex_unlock(&r->mu);
    return q->result;
}

int zt_runner_get_status(zt_runner *r, zt_runner_status *out)
{
    runner_query q = {.kind = QUERY_STATUS, .out = out};
    return (int)query(r, &q);
}

zt_ssize zt_runner_get_peers(zt_runner *r, zt_peer_info *out, size_t max)
{
    runner_query q = {.kind = QUERY_PEERS, .out = out, .max = max};
    return query(r, &q);
}

int zt_runner_get_peer(zt_runner *r, uint64_t address, zt_peer_info *out)
{
    runner_query q = {.kind = QUERY_PEER, .address = address, .out = out};
    return (int)query(r, &q);
}

bool zt_runner_peer_is_direct(const zt_peer_info *info, const zt_path_info **ppath)
{
    const zt_path_info *best = NULL;

    for (unsigned i = 0; i < info->npaths && i < ZT_NODE_MAX_PATHS; i++) {
        const zt_path_info *p = &info->paths[i];
        if (!p->alive)
            continue;
        if (best == NULL || (p->preferred && !best->preferred))
            best = p;
    }
    if (ppath != NULL)
        *ppath = best;
    return best != NULL;
}

/* ------------------------------------------------------------------ construction */

void zt_runner_config_default(zt_runner_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->primary_port = 9993;
    cfg->secondary_port = 0;
    cfg->peer_cache = true;
    cfg->advertise_local_addresses = true;
}

static uint16_t random_port(void)
{
    uint32_t v;
    zt__random_bytes(&v, sizeof(v));
    return (uint16_t)(20000 + v % 45500);
}

static void close_socks(zt_runner *r, unsigned from)
{
    while (r->nsocks > from) {
        r->nsocks--;
        close(r->socks[r->nsocks].fd);
    }
}

/* Binds |port| for each family we use.  A family the host lacks is skipped; any other failure
 * undoes this port's sockets.  Returns 0 (at least one socket), ZT_ERR_EXISTS or ZT_ERR_IO. */
static int bind_port(zt_runner *r, uint16_t port)
{
    static const int families[2] = {AF_INET, AF_INET6};
    unsigned first = r->nsocks;
    int rv = ZT_ERR_UNSUPPORTED;

    for (unsigned i = 0; i < 2; i++) {
        const uint8_t *ip = NULL;
        runner_sock *s = &r->socks[r->nsocks];
        uint16_t got = 0;
        int one;

        if (r->cfg.bind_specific) {
            ip = families[i] == AF_INET ? (r->has_bind_ip4 ? r->bind_ip4 : NULL)
                                        : (r->has_bind_ip6 ? r->bind_ip6 : NULL);
            if (ip == NULL)
                continue;
        }
        one = zt_io_udp_open(families[i], ip, port, ZT_IO_UDP_BUFFER, &s->fd, &got);
        if (one == ZT_ERR_UNSUPPORTED) {
            rlog(r, ZT_RUNNER_LOG_DEBUG, "no IPv%d here (%s)", families[i] == AF_INET ? 4 : 6,
                 strerror(errno));
            continue;
        }
        if (one != 0) {
            close_socks(r, first);
            return one;
        }
        s->family = families[i];
        s->port = got;
        s->r = r;
        s->index = r->nsocks;
        r->nsocks++;
        rv = 0;
    }
    if (rv != 0)
        errno = EAFNOSUPPORT;
    return rv == ZT_ERR_UNSUPPORTED ? ZT_ERR_IO : rv;
}

static int bind_sockets(zt_runner *r, char *err, size_t errlen)
{
    int rv = ZT_ERR_EXISTS;
    uint16_t port;

    if (r->cfg.primary_port > 0) {
        port = (uint16_t)r->cfg.primary_port;
        rv = bind_port(r, port);
    } else {
        for (unsigned i = 0; i < RUNNER_PORT_TRIES && rv == ZT_ERR_EXISTS; i++) {
            port = random_port();
            rv = bind_port(r, port);
        }
    }
    if (rv != 0) {
        set_err(err, errlen, "cannot bind UDP port %d: %s", r->cfg.primary_port,
                rv == ZT_ERR_EXISTS ? "address in use" : strerror(errno));
        return rv;
    }
    r->primary_port = port;

    if (r->cfg.secondary_port < 0)
        return 0;
    port = r->cfg.secondary_port > 0 ? (uint16_t)r->cfg.secondary_port : random_port();
    rv = ZT_ERR_EXISTS;
    for (unsigned i = 0; i < 1000 && rv == ZT_ERR_EXISTS; i++) {
        if (port != r->primary_port)
            rv = bind_port(r, port);
        if (rv == ZT_ERR_EXISTS) {
            if (r->cfg.secondary_port > 0)
                break;
            port = port == 65535 ? 20000 : (uint16_t)(port + 1);
        }
    }
    if (rv != 0) {
        set_err(err, errlen, "cannot bind secondary UDP port %d: %s", r->cfg.secondary_port,
                rv == ZT_ERR_EXISTS ? "address in use" : strerror(errno));
        return rv;
    }
    r->secondary_port = port;
    return 0;
}

static void on_moon(void *arg, uint64_t world_id, const char *path, const uint8_t *data,
                    size_t len)
{
    zt_runner *r = arg;
    int rv;

    if (data == NULL) {
        rlog(r, ZT_RUNNER_LOG_WARN, "%s ignored (cannot read it: %s)", path, strerror(errno));
        return;
    }
    rv = zt_node_add_moon(r->node, data, len, zt_io_clock_ms());
    if (rv != 0)
        rlog(r, ZT_RUNNER_LOG_WARN, "%s ignored (%s)", path, zt_strerror(rv));
    else
        rlog(r, ZT_RUNNER_LOG_INFO, "moon %016llx loaded", (unsigned long long)world_id);
}

int zt_runner_new(zt_runner **prunner, const zt_runner_config *cfg, char *err, size_t errlen)
{
    zt_node_callbacks cb;
    zt_node_config ncfg;
    zt_runner *r;
    bool created = false, has_planet = false, has_mu = false, has_cond = false;
    char port_text[16];
    int rv;

    if (cfg == NULL || cfg->home == NULL || cfg->home[0] == 0 || cfg->primary_port < 0 ||
        cfg->primary_port > 65535 || cfg->secondary_port < -1 || cfg->secondary_port > 65535) {
        set_err(err, errlen, "invalid runner configuration");
        return ZT_ERR_INVAL;
    }
    rv = zt_crypto_init();
    if (rv != 0) {
        set_err(err, errlen, "cannot initialize the crypto library");
        return rv;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        set_err(err, errlen, "out of memory");
        return ZT_ERR_NOMEM;
    }
    r->cfg = *cfg;
    r->armed_deadline = ZT_LOOP_NEVER;
    r->home = strdup(cfg->home);
    r->events = calloc(RUNNER_MAX_EVENTS, sizeof(*r->events));
    if (r->home == NULL || r->events == NULL) {
        rv = ZT_ERR_NOMEM;
        set_err(err, errlen, "out of memory");
        goto out;
    }
    /* "home/" and "home" name the same files: keep log lines and messages tidy. */
    for (size_t n = strlen(r->home); n > 1 && r->home[n - 1] == '/'; n--)
        r->home[n - 1] = 0;
    r->cfg.home = r->home;
    if (cfg->bind_specific) {
        if (cfg->bind_ip4 != NULL) {
            memcpy(r->bind_ip4, cfg->bind_ip4, 4);
            r->has_bind_ip4 = true;
        }
        if (cfg->bind_ip6 != NULL) {
            memcpy(r->bind_ip6, cfg->bind_ip6, 16);
            r->has_bind_ip6 = true;
        }
    }
    r->cfg.bind_ip4 = r->cfg.bind_ip6 = NULL;
    has_mu = pthread_mutex_init(&r->mu, NULL) == 0;
    has_cond = has_mu && pthread_cond_init(&r->cond, NULL) == 0;
    if (!has_cond) {
        rv = ZT_ERR_NOMEM;
        set_err(err, errlen, "cannot create a mutex");
        goto out;
    }

    rv = zt__home_prepare(r->home, err, errlen);
    if (rv != 0)
        goto out;
    rv = zt__home_load_identity(r->home, &r->id, &created, err, errlen);
    if (rv != 0)
        goto out;
    r->address = r->id.address;
    if (created)
        rlog(r, ZT_RUNNER_LOG_INFO, "new identity %010llx written to %s/identity.secret",
             (unsigned long long)r->address, r->home);
    rv = zt__home_check_planet(r->home, &has_planet, err, errlen);
    if (rv != 0)
        goto out;

    rv = zt_io_udp_rx_init(&r->rx, RUNNER_RX_BATCH);
    if (rv == 0)
        rv = zt_io_udp_tx_init(&r->tx, RUNNER_TX_BATCH, RUNNER_TX_SLOT);
    if (rv != 0) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    rv = zt_loop_new(&r->loop, on_timer, on_wakeup, r);
    if (rv != 0) {
        set_err(err, errlen, "cannot create the event loop: %s", strerror(errno));
        goto out;
    }
    rv = bind_sockets(r, err, errlen);
    if (rv != 0)
        goto out;
    for (unsigned i = 0; i < r->nsocks; i++) {
        rv = zt_loop_add(r->loop, r->socks[i].fd, on_readable, &r->socks[i]);
        if (rv != 0) {
            set_err(err, errlen, "cannot watch a socket: %s", zt_strerror(rv));
            goto out;
        }
    }
    snprintf(port_text, sizeof(port_text), "%u", (unsigned)r->primary_port);
    if (zt__home_write_text(r->home, "zerotier-one.port", port_text, 0644) != 0)
        rlog(r, ZT_RUNNER_LOG_WARN, "cannot write %s/zerotier-one.port: %s", r->home,
             strerror(errno));

    zt_node_config_default(&ncfg);
    ncfg.identity = &r->id;
    zt__random_bytes(ncfg.seed, sizeof(ncfg.seed));
    ncfg.peer_cache = cfg->peer_cache;
    ncfg.allow_loopback_paths = cfg->allow_loopback_paths;
    if (cfg->online_window_ms > 0)
        ncfg.online_window_ms = cfg->online_window_ms;
    if (cfg->peer_idle_ms > 0)
        ncfg.peer_idle_ms = cfg->peer_idle_ms;
    memset(&cb, 0, sizeof(cb));
    cb.user = r;
    cb.send = cb_send;
    cb.event = cb_event;
    cb.state_get = cb_state_get;
    cb.state_put = cb_state_put;
    rv = zt_node_new(&r->node, &ncfg, &cb, zt_io_clock_ms());
    zt__wipe(ncfg.seed, sizeof(ncfg.seed));
    if (rv != 0) {
        set_err(err, errlen, "cannot create the node: %s%s", zt_strerror(rv),
                has_planet ? " (is the planet file usable?)" : "");
        goto out;
    }
    if (r->tx.n > 0)
        (void)zt_io_udp_tx_flush(&r->tx);
    (void)zt__home_for_each_moon(r->home, on_moon, r);

    *prunner = r;
    r = NULL;
out:
    if (r != NULL) {
        zt_node_del(r->node);
        r->node = NULL;
        close_socks(r, 0);
        zt_loop_del(r->loop);
        zt_io_udp_rx_clear(&r->rx);
        zt_io_udp_tx_clear(&r->tx);
        zt__identity_clear(&r->id);
        if (has_cond)
            pthread_cond_destroy(&r->cond);
        if (has_mu)
            pthread_mutex_destroy(&r->mu);
        for (unsigned i = 0; i < r->nevents; i++)
            free(r->events[i].data);
        free(r->events);
        free(r->home);
        free(r);
    }
    return rv;
}

int zt_runner_start(zt_runner *r)
{
    int rv = 0;

    pthread_mutex_lock(&r->mu);
    if (r->state != STATE_NEW) {
        rv = ZT_ERR_INVAL;
    } else {
        r->state = STATE_RUNNING;
        if (pthread_create(&r->thread, NULL, io_main, r) != 0) {
            r->state = STATE_STOPPED;
            rv = ZT_ERR_IO;
        } else {
            r->has_thread = true;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return rv;
}

void zt_runner_stop(zt_runner *r)
{
    zt_loop_stop(r->loop);
}

void zt_runner_del(zt_runner *r)
{
    runner_cmd *next;

    if (r == NULL)
        return;
    zt_loop_stop(r->loop);
    if (r->has_thread)
        pthread_join(r->thread, NULL);
    r->state = STATE_STOPPED;
    /* Saves the peers through cb_state_put, on this thread. */
    zt_node_del(r->node);
    r->node = NULL;
    close_socks(r, 0);
    zt_loop_del(r->loop);
    zt_io_udp_rx_clear(&r->rx);
    zt_io_udp_tx_clear(&r->tx);
    zt__identity_clear(&r->id);
    for (runner_cmd *c = r->head; c != NULL; c = next) {
        next = c->next;
        free_cmd(c);
    }
    for (unsigned i = 0; i < r->nevents; i++)
        free(r->events[i].data);
    free(r->events);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    free(r->home);
    free(r);
}

uint64_t zt_runner_address(const zt_runner *r)
{
    return r->address;
}

uint16_t zt_runner_primary_port(const zt_runner *r)
{
    return r->primary_port;
}

uint16_t zt_runner_secondary_port(const zt_runner *r)
{
    return r->secondary_port;
}

const char *zt_runner_home(const zt_runner *r)
{
    return r->home;
}
