/*
 * relay.c: the relay's event loop (relay.h): the listener, client lifetimes, the sweep (idle
 * clients, unused buffers) and the stop.  Each client's traffic is relay_client.c.
 *
 * Lifetimes: a client closed while a batch of epoll events is being handled stays in its
 * slot, marked closed, until the batch ends, so that a later event of the same batch (its UDP
 * socket's) finds it closed and is ignored rather than reaching freed or reused memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "relay_internal.h"

#define EVENTS_PER_WAIT 256
#define ACCEPTS_PER_WAKEUP 64

static const char *const close_names[] = {"eof", "idle", "garbage", "error", "stop"};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void zt__relay_config_default(zt_relay_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->listen.port = ZT_RELAY_DEFAULT_PORT;
    cfg->max_clients = ZT_RELAY_DEFAULT_MAX_CLIENTS;
    cfg->client_rate = ZT_RELAY_DEFAULT_RATE;
    cfg->idle_s = ZT_RELAY_DEFAULT_IDLE_S;
    cfg->out_max = ZT_RELAY_DEFAULT_OUT_MAX;
    cfg->out_total_max = ZT_RELAY_DEFAULT_OUT_TOTAL_MAX;
    cfg->level = ZT_RELAY_LOG_INFO;
}

void zt__relay_log(zt_relay *r, zt_relay_log_level level, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (level > r->cfg.level || r->cfg.log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    r->cfg.log(r->cfg.user, level, line);
}

static void set_events(zt_relay *r, int fd, uint32_t events, uint64_t tag, int op)
{
    struct epoll_event ev = {.events = events, .data.u64 = tag};
    (void)epoll_ctl(r->epfd, op, fd, &ev);
}

void zt__relay_want_out(zt_relay *r, zt_relay_client *c, bool want_out)
{
    set_events(r, c->tcp_fd, EPOLLIN | (want_out ? EPOLLOUT : 0u),
               (uint64_t)c->slot << 2 | ZT_RELAY_TAG_TCP, EPOLL_CTL_MOD);
    c->has_epollout = want_out;
}

/* ---- setup ---- */

/* The listening socket of cfg.listen; the wildcard is IPv6 taking IPv4 too when the host has
 * IPv6, else IPv4. */
static int open_listener(zt_relay *r, char *err, size_t errlen)
{
    zt_relay_addr a = r->cfg.listen;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd, on = 1, off = 0, family;

    family = a.family == ZT_RELAY_AF_INET ? AF_INET : AF_INET6;
    fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 && a.family == ZT_RELAY_AF_NONE && errno == EAFNOSUPPORT) {
        family = AF_INET;
        fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
    if (fd < 0) {
        zt__err_set(err, errlen, "cannot make a TCP socket: %s", strerror(errno));
        return ZT_ERR_IO;
    }
    if (a.family == ZT_RELAY_AF_NONE) {
        a.family = family == AF_INET ? ZT_RELAY_AF_INET : ZT_RELAY_AF_INET6;
        if (family == AF_INET6)
            (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    len = zt__relay_sockaddr_to(&ss, family, &a);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 4096) != 0) {
        char text[ZT_RELAY_ADDR_STR_MAX];
        zt__relay_addr_format(&a, text, sizeof(text));
        zt__err_set(err, errlen, "cannot bind TCP %s: %s", text, strerror(errno));
        close(fd);
        return ZT_ERR_IO;
    }
    len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        zt__relay_sockaddr_from(&a, &ss);
    r->port = a.port;
    r->listen_fd = fd;
    return 0;
}

/* The address the clients' UDP sockets bind to, tried once now so that a bad --udp-bind
 * fails at start rather than at each client's first datagram. */
static int probe_udp(zt_relay *r, char *err, size_t errlen)
{
    zt_relay_addr a = r->cfg.udp_bind;
    int fd, v6only;

    a.port = 0;
    r->udp_family = a.family == ZT_RELAY_AF_INET ? AF_INET : AF_INET6;
    r->udp_dual = a.family == ZT_RELAY_AF_NONE;
    fd = socket(r->udp_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 && r->udp_dual && errno == EAFNOSUPPORT) {
        r->udp_family = AF_INET;
        r->udp_dual = false;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }
    if (fd < 0) {
        zt__err_set(err, errlen, "cannot make a UDP socket: %s", strerror(errno));
        return ZT_ERR_IO;
    }
    if (a.family == ZT_RELAY_AF_NONE)
        a.family = r->udp_family == AF_INET ? ZT_RELAY_AF_INET : ZT_RELAY_AF_INET6;
    v6only = !r->udp_dual;
    if (r->udp_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    r->udp_bind_len = zt__relay_sockaddr_to(&r->udp_bind, r->udp_family, &a);
    if (bind(fd, (struct sockaddr *)&r->udp_bind, r->udp_bind_len) != 0) {
        char text[ZT_RELAY_ADDR_STR_MAX];
        zt__relay_addr_format(&a, text, sizeof(text));
        zt__err_set(err, errlen, "cannot bind UDP %s: %s", text, strerror(errno));
        close(fd);
        return ZT_ERR_IO;
    }
    close(fd);
    return 0;
}

/* Soft limit of open files raised to the hard one: each client takes two descriptors. */
static void raise_nofile(zt_relay *r)
{
    struct rlimit rl;
    uint64_t need = 2ull * r->cfg.max_clients + 16;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
        zt__relay_log(r, ZT_RELAY_LOG_WARN,
                      "open files limit %llu is below the %llu that max-clients %u may need "
                      "(2 per client): past it, new connections are refused and tunnels "
                      "without a UDP socket closed",
                      (unsigned long long)rl.rlim_cur, (unsigned long long)need,
                      r->cfg.max_clients);
}

/* Slots: one per client, plus one per event of a batch, because a client closed during a
 * batch keeps its slot until the batch ends (and each event closes at most one client). */
static int alloc_tables(zt_relay *r)
{
    uint32_t n = r->cfg.max_clients + EVENTS_PER_WAIT;

    r->slots = calloc(n, sizeof(*r->slots));
    r->free_slots = calloc(n, sizeof(*r->free_slots));
    r->scratch = malloc(ZT_RELAY_MSG_MAX + ZT_RELAY_READ_CHUNK);
    r->rbuf = malloc((size_t)ZT_RELAY_RECV_BATCH * ZT_RELAY_RECV_SLOT);
    r->mm = calloc(ZT_RELAY_SEND_BATCH, sizeof(*r->mm));
    r->iov = calloc(ZT_RELAY_SEND_BATCH, sizeof(*r->iov));
    r->names = calloc(ZT_RELAY_SEND_BATCH, sizeof(*r->names));
    if (r->slots == NULL || r->free_slots == NULL || r->scratch == NULL || r->rbuf == NULL ||
        r->mm == NULL || r->iov == NULL || r->names == NULL)
        return ZT_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++) /* slot 0 is handed out first */
        r->free_slots[i] = n - 1 - i;
    r->nfree = n;
    return 0;
}

int zt__relay_new(zt_relay **prelay, const zt_relay_config *cfg, char *err, size_t errlen)
{
    zt_relay *r = calloc(1, sizeof(*r));
    int rv = ZT_ERR_NOMEM;

    if (r == NULL) {
        zt__err_set(err, errlen, "out of memory");
        return rv;
    }
    r->cfg = *cfg;
    if (r->cfg.max_clients == 0)
        r->cfg.max_clients = 1;
    if (r->cfg.out_max < 2 * ZT_RELAY_MSG_MAX)
        r->cfg.out_max = 2 * ZT_RELAY_MSG_MAX;
    if (r->cfg.out_total_max < r->cfg.out_max)
        r->cfg.out_total_max = r->cfg.out_max;
    r->burst = r->cfg.client_rate > ZT_RELAY_BODY_MAX ? r->cfg.client_rate : ZT_RELAY_BODY_MAX;
    r->epfd = r->listen_fd = r->reserve_fd = -1;
    if ((rv = alloc_tables(r)) != 0) {
        zt__err_set(err, errlen, "out of memory");
        goto out;
    }
    raise_nofile(r);
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    /* A spare descriptor, given up to accept-and-close when the process runs out of them. */
    r->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (r->epfd < 0 || r->reserve_fd < 0) {
        zt__err_set(err, errlen, "cannot start: %s", strerror(errno));
        rv = ZT_ERR_IO;
        goto out;
    }
    if ((rv = probe_udp(r, err, errlen)) != 0 || (rv = open_listener(r, err, errlen)) != 0)
        goto out;
    set_events(r, r->listen_fd, EPOLLIN, ZT_RELAY_TAG_LISTEN, EPOLL_CTL_ADD);
    r->now = mono_ms();
    *prelay = r;
    r = NULL;
out:
    zt__relay_del(r);
    return rv;
}

uint16_t zt__relay_port(const zt_relay *r)
{
    return r->port;
}

void zt__relay_get_counters(const zt_relay *r, zt_relay_counters *out)
{
    *out = r->ctr;
}

/* ---- clients ---- */

void zt__relay_close(zt_relay *r, zt_relay_client *c, zt_relay_close_reason why,
                     const char *detail)
{
    uint64_t *counters[] = {&r->ctr.closed_eof, &r->ctr.closed_idle, &r->ctr.closed_garbage,
                            &r->ctr.closed_error, &r->ctr.closed_stop};
    zt_relay_log_level level = why == ZT_RELAY_CLOSE_STOP ? ZT_RELAY_LOG_DEBUG : ZT_RELAY_LOG_INFO;

    if (c->is_closed)
        return;
    c->is_closed = true;
    close(c->tcp_fd); /* closing removes them from the epoll set */
    if (c->udp_fd >= 0)
        close(c->udp_fd);
    c->tcp_fd = c->udp_fd = -1;
    free(c->in);
    free(c->out);
    r->out_total -= c->out_cap;
    c->in = c->out = NULL;
    c->in_len = c->out_len = c->out_cap = 0;
    (*counters[why])++;
    r->ctr.clients--;
    if (level <= r->cfg.level) {
        char peer[ZT_RELAY_ADDR_STR_MAX];
        zt__relay_addr_format(&c->peer, peer, sizeof(peer));
        zt__relay_log(r, level,
                      "close %s reason=%s%s%s%s msgs=%llu dgrams_back=%llu drops=%llu "
                      "seconds=%lld clients=%llu",
                      peer, close_names[why], detail != NULL ? " (" : "",
                      detail != NULL ? detail : "", detail != NULL ? ")" : "",
                      (unsigned long long)c->msgs_in, (unsigned long long)c->dgrams_back,
                      (unsigned long long)c->drops, (long long)((r->now - c->opened_at) / 1000),
                      (unsigned long long)r->ctr.clients);
    }
    c->next_dead = r->dead;
    r->dead = c;
}

static void free_dead(zt_relay *r)
{
    while (r->dead != NULL) {
        zt_relay_client *c = r->dead;
        r->dead = c->next_dead;
        r->slots[c->slot] = NULL;
        r->free_slots[r->nfree++] = c->slot;
        free(c);
    }
}

/* Refusals are logged at most once per second, with the count since the last line. */
static void log_refused(zt_relay *r, bool is_final)
{
    if (r->refused_unlogged == 0 || (!is_final && r->now - r->refused_logged_at < 1000))
        return;
    zt__relay_log(r, ZT_RELAY_LOG_WARN,
                  "refused %llu connection(s): max-clients %u reached or out of descriptors",
                  (unsigned long long)r->refused_unlogged, r->cfg.max_clients);
    r->refused_unlogged = 0;
    r->refused_logged_at = r->now;
}

static void add_client(zt_relay *r, int fd, const struct sockaddr_storage *ss)
{
    zt_relay_client *c = calloc(1, sizeof(*c));
    int on = 1;

    if (c == NULL || r->nfree == 0) {
        free(c);
        close(fd);
        r->ctr.accept_errors++;
        return;
    }
    c->slot = r->free_slots[--r->nfree];
    c->tcp_fd = fd;
    c->udp_fd = -1;
    c->opened_at = c->last_active = c->refilled_at = r->now;
    c->tokens = r->burst;
    zt__relay_sockaddr_from(&c->peer, ss);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    r->slots[c->slot] = c;
    if (c->slot >= r->slots_hw)
        r->slots_hw = c->slot + 1;
    set_events(r, fd, EPOLLIN, (uint64_t)c->slot << 2 | ZT_RELAY_TAG_TCP, EPOLL_CTL_ADD);
    r->ctr.accepted++;
    r->ctr.clients++;
    if (r->ctr.clients > r->ctr.clients_peak)
        r->ctr.clients_peak = r->ctr.clients;
    if (r->cfg.level >= ZT_RELAY_LOG_INFO) {
        char peer[ZT_RELAY_ADDR_STR_MAX];
        zt__relay_addr_format(&c->peer, peer, sizeof(peer));
        zt__relay_log(r, ZT_RELAY_LOG_INFO, "open %s clients=%llu", peer,
                      (unsigned long long)r->ctr.clients);
    }
}

/* A refused connection is reset rather than closed, so that it leaves no TIME_WAIT socket
 * behind on the relay (a flood of connections would otherwise pile them up). */
static void close_at_once(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};

    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

/* Out of descriptors: the spare one is given up to accept the pending connection and close
 * it, so that it leaves the queue rather than waking the loop forever. */
static void shed_connection(zt_relay *r)
{
    int fd;

    close(r->reserve_fd);
    fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
        close_at_once(fd);
        r->ctr.refused_full++;
        r->refused_unlogged++;
    }
    r->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void accept_clients(zt_relay *r)
{
    for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(r->listen_fd, (struct sockaddr *)&ss, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && r->reserve_fd >= 0) {
                shed_connection(r);
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                r->ctr.accept_errors++;
                if (r->now - r->accept_err_logged_at >= 1000) { /* at most once a second */
                    zt__relay_log(r, ZT_RELAY_LOG_WARN, "accept: %s", strerror(errno));
                    r->accept_err_logged_at = r->now;
                }
            }
            break;
        }
        if (r->ctr.clients >= r->cfg.max_clients) {
            close_at_once(fd);
            r->ctr.refused_full++;
            r->refused_unlogged++;
            continue;
        }
        add_client(r, fd, &ss);
    }
    log_refused(r, false);
}

/* ---- the loop ---- */

/* Every second: clients idle for cfg.idle_s are closed; buffers empty and unused since the
 * last sweep are freed, so that a quiet client costs its struct only. */
static void sweep(zt_relay *r)
{
    int64_t idle_ms = (int64_t)r->cfg.idle_s * 1000;
    size_t freed = 0;

    for (uint32_t s = 0; s < r->slots_hw; s++) {
        zt_relay_client *c = r->slots[s];
        if (c == NULL || c->is_closed)
            continue;
        if (idle_ms > 0 && r->now - c->last_active >= idle_ms) {
            zt__relay_close(r, c, ZT_RELAY_CLOSE_IDLE, NULL);
            continue;
        }
        if (c->in != NULL && c->in_len == 0 && !c->used_in) {
            free(c->in);
            c->in = NULL;
            freed += ZT_RELAY_MSG_MAX;
        }
        if (c->out != NULL && c->out_len == 0 && !c->used_out) {
            free(c->out);
            freed += c->out_cap;
            r->out_total -= c->out_cap;
            c->out = NULL;
            c->out_cap = 0;
        }
        c->used_in = c->used_out = false;
    }
    while (r->slots_hw > 0 && r->slots[r->slots_hw - 1] == NULL)
        r->slots_hw--;
#ifdef __GLIBC__
    /* Buffers of many clients that went quiet at once: give the pages back to the system
     * (glibc keeps freed small blocks in its heap otherwise). */
    if (freed >= 4u << 20)
        (void)malloc_trim(0);
#endif
    log_refused(r, false);
}

static void dispatch(zt_relay *r, const struct epoll_event *ev)
{
    uint64_t tag = ev->data.u64;
    zt_relay_client *c;

    if ((tag & 3) == ZT_RELAY_TAG_LISTEN) {
        accept_clients(r);
        return;
    }
    c = r->slots[tag >> 2];
    if (c == NULL || c->is_closed)
        return;
    if ((tag & 3) == ZT_RELAY_TAG_UDP) {
        zt__relay_client_on_udp(r, c);
        return;
    }
    if ((ev->events & EPOLLOUT) != 0)
        zt__relay_client_on_tcp_out(r, c);
    if (!c->is_closed && (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0)
        zt__relay_client_on_tcp_in(r, c);
}

/* Reads the signal that |stop_fd| (a signalfd) holds; 0 if none. */
static int read_stop(int stop_fd)
{
    struct signalfd_siginfo si;

    if (read(stop_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return 0;
    return (int)si.ssi_signo;
}

int zt__relay_run(zt_relay *r, int stop_fd)
{
    struct epoll_event evs[EVENTS_PER_WAIT];
    int sig = 0, rv = 0;

    set_events(r, stop_fd, EPOLLIN, ZT_RELAY_TAG_STOP, EPOLL_CTL_ADD);
    r->now = mono_ms();
    r->next_sweep = r->now + ZT_RELAY_SWEEP_MS;
    while (sig == 0 && rv == 0) {
        int64_t wait = r->next_sweep - mono_ms();
        int n = epoll_wait(r->epfd, evs, EVENTS_PER_WAIT, wait > 0 ? (int)wait : 0);

        if (n < 0 && errno != EINTR) {
            zt__relay_log(r, ZT_RELAY_LOG_ERROR, "epoll_wait: %s", strerror(errno));
            rv = ZT_ERR_IO;
        }
        r->now = mono_ms();
        for (int i = 0; i < n; i++) {
            if ((evs[i].data.u64 & 3) == ZT_RELAY_TAG_STOP)
                sig = read_stop(stop_fd);
            else
                dispatch(r, &evs[i]);
        }
        free_dead(r);
        if (r->now >= r->next_sweep) {
            sweep(r);
            free_dead(r);
            r->next_sweep = r->now + ZT_RELAY_SWEEP_MS;
        }
    }
    (void)epoll_ctl(r->epfd, EPOLL_CTL_DEL, stop_fd, NULL);
    for (uint32_t s = 0; s < r->slots_hw; s++)
        if (r->slots[s] != NULL)
            zt__relay_close(r, r->slots[s], ZT_RELAY_CLOSE_STOP, NULL);
    free_dead(r);
    r->slots_hw = 0;
    log_refused(r, true);
    return rv != 0 ? rv : sig;
}

void zt__relay_del(zt_relay *r)
{
    if (r == NULL)
        return;
    for (uint32_t s = 0; s < r->slots_hw; s++)
        if (r->slots[s] != NULL)
            zt__relay_close(r, r->slots[s], ZT_RELAY_CLOSE_STOP, NULL);
    free_dead(r);
    if (r->listen_fd >= 0)
        close(r->listen_fd);
    if (r->reserve_fd >= 0)
        close(r->reserve_fd);
    if (r->epfd >= 0)
        close(r->epfd);
    free(r->slots);
    free(r->free_slots);
    free(r->scratch);
    free(r->rbuf);
    free(r->mm);
    free(r->iov);
    free(r->names);
    free(r);
}
