/*
 * bench_zts_measure.c: the measurements of bench_zts and bench_zts_modern
 * (bench_zts_internal.h) on one socket flavour, kernel or library: idle connections, connect
 * time, ping-pong, the single stream with every thread's CPU, the parallel streams, one timed
 * `start` child; and the library node's bring-up: the events of bz_event and the wait for
 * ONLINE, READY_IP4 and an address (bz_node_up).  Calls no zts_* function.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_zts_internal.h"

#define PING_MAX 20000
#define PING_BUDGET_NS (2 * 1000000000LL)

/* ---- CPU per thread around a stream ------------------------------------------------------- */

static uint64_t last_stream_bytes; /* of the last streams() call */

/* Thread CPU of both processes around a measurement. */
typedef struct cpu_snap {
    thread_cpu me[MAX_THREADS], peer[MAX_THREADS];
    int nme, npeer;
    int64_t t;
} cpu_snap;

static void cpu_take(cpu_snap *c, child *peer)
{
    c->t = bz_now_ns();
    c->nme = bz_threads_read(c->me, MAX_THREADS);
    c->npeer = peer != NULL ? bz_peer_threads(peer, c->peer, MAX_THREADS) : 0;
}

/* Per-thread CPU of both ends over the last streams() call, and the CPU cost per byte: unlike
 * Gbit/s it hardly moves when other work shares the cores.  Returns that cost (ns per byte,
 * both ends), or -1. */
static double cpu_print(const cpu_snap *a, const cpu_snap *b, child *peer)
{
    double secs = (double)(b->t - a->t) / 1e9, tx, rx = 0, bytes = (double)last_stream_bytes;

    printf("    CPU per thread, %% of one core (bz-*: this benchmark's threads; the rest: the "
           "library's):\n");
    tx = bz_threads_print("sender  ", (int)getpid(), a->me, a->nme, b->me, b->nme, secs);
    if (peer != NULL)
        rx = bz_threads_print("receiver", (int)peer->pid, a->peer, a->npeer, b->peer, b->npeer,
                              secs);
    if (bytes > 0)
        printf("    CPU cost: sender %.2f + receiver %.2f ns per byte (user + system time of "
               "every thread)\n", tx / bytes * 1e9, rx / bytes * 1e9);
    return bytes > 0 ? (tx + rx) / bytes * 1e9 : -1;
}

/* ---- measurements ------------------------------------------------------------------------- */

static uint8_t *pattern(void)
{
    static uint8_t *buf;

    if (buf == NULL) {
        buf = malloc(CHUNK);
        if (buf == NULL)
            bz_die("out of memory");
        for (size_t i = 0; i < CHUNK; i++)
            buf[i] = (uint8_t)(i * 131u + 7u);
    }
    return buf;
}

typedef struct stream {
    const target *t;
    int fd;
    double secs;
    int64_t t0, t1; /* t0 given, t1 when the sink's count arrived */
    uint64_t sent, counted;
    bool ok;
    pthread_barrier_t *go;
} stream;

static void *stream_run(void *arg)
{
    stream *s = arg;
    const net_ops *net = s->t->net;
    const uint8_t *buf = pattern();
    uint8_t cnt[8];
    int64_t end;

    if (s->go != NULL) {
        pthread_setname_np(pthread_self(), "bz-stream");
        pthread_barrier_wait(s->go);
    }
    if (s->t0 == 0)
        s->t0 = bz_now_ns();
    end = s->t0 + (int64_t)(s->secs * 1e9);
    while (bz_now_ns() < end) {
        ssize_t n = net->send_some(s->fd, buf, CHUNK);
        if (n <= 0)
            return NULL;
        s->sent += (uint64_t)n;
    }
    if (net->shut_wr(s->fd) != 0 || !bz_recv_all(net, s->fd, cnt, sizeof(cnt)))
        return NULL;
    s->t1 = bz_now_ns();
    for (int i = 0; i < 8; i++)
        s->counted |= (uint64_t)cnt[i] << (8 * i);
    s->ok = s->counted == s->sent;
    return NULL;
}

/* A connection, retried: the first packets between two library nodes may wait for WHOIS,
 * ARP and the direct path. */
int bz_connect_retry(const target *t, uint16_t port)
{
    for (int i = 0; i < 5; i++) {
        int fd = t->net->connect_to(t->ip, port);
        if (fd >= 0)
            return fd;
        bz_sleep_ms(200);
    }
    return -1;
}

/* |n| streams at once for |secs|: aggregate Gbit/s (bytes counted by the sink), or -1. */
static double streams(const target *t, int n, double secs)
{
    stream s[NSTREAMS];
    pthread_t th[NSTREAMS];
    pthread_barrier_t go;
    uint64_t bytes = 0;
    int64_t t0, t1 = 0;
    bool ok = true;

    memset(s, 0, sizeof(s));
    for (int i = 0; i < n; i++) {
        s[i].t = t;
        s[i].secs = secs;
        s[i].fd = bz_connect_retry(t, t->port[SVC_SINK]);
        if (s[i].fd < 0)
            bz_die("%s: connect to the sink failed", t->net->name);
    }
    if (n == 1) {
        stream_run(&s[0]);
    } else {
        pthread_barrier_init(&go, NULL, (unsigned)n + 1);
        for (int i = 0; i < n; i++) {
            s[i].go = &go;
            if (pthread_create(&th[i], NULL, stream_run, &s[i]) != 0)
                bz_die("pthread_create failed");
        }
        pthread_barrier_wait(&go);
        for (int i = 0; i < n; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
    }
    t0 = s[0].t0;
    for (int i = 0; i < n; i++) {
        ok = ok && s[i].ok;
        bytes += s[i].counted;
        if (s[i].t0 < t0)
            t0 = s[i].t0;
        if (s[i].t1 > t1)
            t1 = s[i].t1;
        t->net->close_fd(s[i].fd);
    }
    last_stream_bytes = bytes;
    if (!ok) {
        fprintf(stderr, "  %s: a stream failed or its count differs\n", t->net->name);
        return -1;
    }
    if (n > 1) {
        double lo = 1e30, hi = 0;
        for (int i = 0; i < n; i++) {
            double g = (double)s[i].counted * 8.0 / ((double)(s[i].t1 - s[i].t0) / 1e9) / 1e9;
            lo = g < lo ? g : lo;
            hi = g > hi ? g : hi;
        }
        printf("  %-7s %d streams: per stream %.3f .. %.3f Gbit/s, slowest took %.2f s\n",
               t->net->name, n, lo, hi, (double)(t1 - t0) / 1e9);
    }
    return (double)bytes * 8.0 / ((double)(t1 - t0) / 1e9) / 1e9;
}

static void pingpong(const target *t, suite *r)
{
    static int64_t lat[PING_MAX];
    int64_t start;
    size_t n = 0;
    uint8_t b = 'x';
    int fd = bz_connect_retry(t, t->port[SVC_ECHO]);

    if (fd < 0)
        bz_die("%s: connect to the echo failed", t->net->name);
    t->net->nodelay(fd);
    for (int i = 0; i < 200; i++) { /* warm-up */
        if (!bz_send_all(t->net, fd, &b, 1) || !bz_recv_all(t->net, fd, &b, 1))
            bz_die("%s: echo failed", t->net->name);
    }
    start = bz_now_ns();
    while (n < PING_MAX && bz_now_ns() - start < PING_BUDGET_NS) {
        int64_t t0 = bz_now_ns();
        if (!bz_send_all(t->net, fd, &b, 1) || !bz_recv_all(t->net, fd, &b, 1))
            bz_die("%s: echo failed", t->net->name);
        lat[n++] = bz_now_ns() - t0;
    }
    t->net->close_fd(fd);
    r->rtt_n = n;
    r->rtt_med_ms = (double)bz_percentile(lat, n, 50) / 1e6;
    r->rtt_p99_ms = (double)bz_percentile(lat, n, 99) / 1e6;
}

static void connects(const target *t, suite *r)
{
    int64_t v[CONNECTS];

    for (int i = 0; i < CONNECTS; i++) {
        int64_t t0 = bz_now_ns();
        int fd = t->net->connect_to(t->ip, t->port[SVC_CLOSE]);
        v[i] = bz_now_ns() - t0;
        if (fd < 0)
            bz_die("%s: connect %d to the accept-and-close port failed (errno %d)", t->net->name,
                i, errno);
        t->net->close_fd(fd);
    }
    r->conn_med_ms = (double)bz_percentile(v, CONNECTS, 50) / 1e6;
    r->conn_p99_ms = (double)bz_percentile(v, CONNECTS, 99) / 1e6;
}

static void idle_conns(const target *t, child *peer, suite *r)
{
    static int fds[IDLE_CONNS];
    long c0, s0, c1, s1, hc0, hs0, slab0;
    int64_t deadline;

    bz_sleep_ms(200);
    slab0 = bz_proc_kb("/proc/meminfo", "Slab");
    c0 = bz_rss_kb();
    s0 = bz_peer_ask(peer, "rss");
    hc0 = bz_heap_kb();
    hs0 = bz_peer_ask(peer, "heap");
    for (int i = 0; i < IDLE_CONNS; i++) {
        fds[i] = t->net->connect_to(t->ip, t->port[SVC_HOLD]);
        if (fds[i] < 0)
            bz_die("%s: idle connection %d failed (errno %d)", t->net->name, i, errno);
    }
    deadline = bz_now_ns() + 10 * 1000000000LL;
    while (bz_peer_ask(peer, "held") < IDLE_CONNS && bz_now_ns() < deadline)
        bz_sleep_ms(20);
    bz_sleep_ms(300);
    c1 = bz_rss_kb();
    s1 = bz_peer_ask(peer, "rss");
    r->heap_client_kb = bz_heap_kb() - hc0;
    r->heap_server_kb = bz_peer_ask(peer, "heap") - hs0;
    r->slab_kb = bz_proc_kb("/proc/meminfo", "Slab") - slab0;
    for (int i = 0; i < IDLE_CONNS; i++)
        t->net->close_fd(fds[i]);
    bz_peer_ask(peer, "drop");
    r->grow_client_kb = c1 - c0;
    r->grow_server_kb = s1 - s0;
}

/* Reads the peer's ready line into |t|; returns the peer's node ID. */
uint64_t bz_peer_ready(child *p, target *t, int ms)
{
    char line[160];
    unsigned ip, ports[NPORTS];
    unsigned long long id;

    if (!bz_ctl_read(p->ctl, line, sizeof(line), ms) ||
        sscanf(line, "ready %x %llx %u %u %u %u", &ip, &id, &ports[0], &ports[1], &ports[2],
               &ports[3]) != 6)
        bz_die("%s peer did not become ready", t->net->name);
    t->ip = ip;
    for (int i = 0; i < NPORTS; i++)
        t->port[i] = (uint16_t)ports[i];
    return id;
}

/* Ends a progress line: for libzt, what UDP carried and dropped meanwhile. */
static void udp_note(const target *t, const udp_counters *u0, const udp_counters *u1)
{
    if (t->net != &bz_kernel_net)
        printf(" (UDP: %lld datagrams received, %lld dropped for a full receive buffer, "
               "%lld send-buffer errors; UDP6: %lld received, %lld dropped)",
               u1->in - u0->in, u1->rcvbuf_err - u0->rcvbuf_err, u1->sndbuf_err - u0->sndbuf_err,
               u1->in6 - u0->in6, u1->rcvbuf_err6 - u0->rcvbuf_err6);
    printf("\n");
}

/* A warm-up, then one stream for |secs| with the UDP counters and every thread's CPU. */
void bz_single_stream(const target *t, child *peer, double secs, suite *r)
{
    static cpu_snap c0, c1;
    udp_counters u0, u1;
    double g = streams(t, 1, 0.3); /* warm-up: windows open, caches and pools filled */

    (void)g;
    bz_udp_read(&u0);
    cpu_take(&c0, peer);
    r->gbps1 = streams(t, 1, secs);
    cpu_take(&c1, peer);
    bz_udp_read(&u1);
    printf("  %-7s single stream: %.2f Gbit/s", t->net->name, r->gbps1);
    udp_note(t, &u0, &u1);
    r->cpu_ns_b = cpu_print(&c0, &c1, peer);
}

void bz_run_suite(const target *t, child *peer, double secs, suite *r)
{
    udp_counters u0, u1;

    idle_conns(t, peer, r);
    printf("  %-7s %d idle conns: VmRSS +%ld kB connecting side, +%ld kB accepting side; "
           "malloc in use +%ld kB / +%ld kB; host Slab +%ld kB\n",
           t->net->name, IDLE_CONNS, r->grow_client_kb, r->grow_server_kb, r->heap_client_kb,
           r->heap_server_kb, r->slab_kb);
    connects(t, r);
    printf("  %-7s connect: median %.3f ms, p99 %.3f ms (%d connects)\n", t->net->name,
           r->conn_med_ms, r->conn_p99_ms, CONNECTS);
    pingpong(t, r);
    printf("  %-7s ping-pong: median %.3f ms, p99 %.3f ms (%zu round trips)\n", t->net->name,
           r->rtt_med_ms, r->rtt_p99_ms, r->rtt_n);
    bz_single_stream(t, peer, secs, r);
    bz_udp_read(&u0);
    r->gbps8 = streams(t, NSTREAMS, secs);
    bz_udp_read(&u1);
    printf("  %-7s %d streams: %.2f Gbit/s", t->net->name, NSTREAMS, r->gbps8);
    udp_note(t, &u0, &u1);
    fflush(stdout);
    r->ok = true;
}

/* One `start` child: returns the ms to READY_IP4 and the idle VmRSS, false on failure. */
bool bz_start_once(const char *home, const char *nwid, double *ms, long *kb)
{
    char *argv[] = {"x", "start", (char *)home, (char *)nwid, NULL};
    child c = bz_spawn_self(argv, false);
    char line[160], rest[160] = "";
    bool ok = false;
    double online_ms = 0, call_ms = 0;

    *ms = -1;
    *kb = -1;
    if (bz_ctl_read(c.ctl, line, sizeof(line), BZ_NODE_WAIT_MS + 2000) &&
        sscanf(line, "ready_ms %lf online_ms %lf call_ms %lf", ms, &online_ms, &call_ms) == 3 &&
        bz_ctl_read(c.ctl, line, sizeof(line), 5000) &&
        sscanf(line, "rss_kb %ld %159[^\n]", kb, rest) >= 1)
        ok = true;
    bz_reap(&c);
    if (ok)
        printf("    %s: READY_IP4 after %.1f ms (%s call %.1f ms, ONLINE after %.1f ms), "
               "idle VmRSS %ld kB (%s)\n",
               home, *ms, bz_the_lib->start_call, call_ms, online_ms, *kb, rest);
    else
        printf("    %s: no READY_IP4 (see stderr)\n", home);
    return ok;
}

/* ---- library node bring-up ---------------------------------------------------------------- */

/* Written by bz_event (the library's event thread), read by the waiting thread. */
node_ev bz_ev = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, false, {0}, 0};

int64_t bz_start_call_ns; /* how long the library's start call itself took */
static int64_t trace_t0; /* ZT_BENCH_TRACE=1: every event on stderr, in ms since this */

/* Adds or removes |id| in bz_ev.direct; the caller holds bz_ev.lock. */
static void direct_set(uint64_t id, bool on)
{
    for (int i = 0; i < bz_ev.ndirect; i++) {
        if (bz_ev.direct[i] == id) {
            if (!on)
                bz_ev.direct[i] = bz_ev.direct[--bz_ev.ndirect];
            return;
        }
    }
    if (on && bz_ev.ndirect < MAX_DIRECT)
        bz_ev.direct[bz_ev.ndirect++] = id;
}

void bz_event(int code, bz_evkind kind, uint64_t arg)
{
    int64_t t = bz_now_ns();

    if (trace_t0 != 0)
        fprintf(stderr, "%s[%d]: %8.2f ms event %d\n", bz_prog, (int)getpid(),
                (double)(t - trace_t0) / 1e6, code);
    pthread_mutex_lock(&bz_ev.lock);
    switch (kind) {
    case BZ_EV_ONLINE:
        if (bz_ev.t_online == 0)
            bz_ev.t_online = t;
        if (arg != 0)
            bz_ev.node_id = arg;
        break;
    case BZ_EV_READY4:
        if (bz_ev.t_ready4 == 0)
            bz_ev.t_ready4 = t;
        break;
    case BZ_EV_ADDR4:
        if (bz_ev.ip4 == 0)
            bz_ev.ip4 = (uint32_t)arg;
        break;
    case BZ_EV_DIRECT:
    case BZ_EV_RELAY:
        direct_set(arg, kind == BZ_EV_DIRECT);
        break;
    case BZ_EV_FAILED:
        bz_ev.failed = true;
        break;
    case BZ_EV_OTHER:
        break;
    }
    pthread_cond_broadcast(&bz_ev.cond);
    pthread_mutex_unlock(&bz_ev.lock);
}

bz_evkind bz_kind_of(int code, const bz_evmap *map, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (map[i].code == code)
            return map[i].kind;
    return BZ_EV_OTHER;
}

bool bz_peer_direct(uint64_t peer_id)
{
    bool found = false;

    pthread_mutex_lock(&bz_ev.lock);
    for (int i = 0; i < bz_ev.ndirect; i++)
        found = found || bz_ev.direct[i] == peer_id;
    pthread_mutex_unlock(&bz_ev.lock);
    return found;
}

/* Starts the node in |home| (if |t0| is not NULL it gets the time just before the start call)
 * and joins |nwid| once online (cached networks are re-joined by the library itself); waits
 * for ONLINE, READY_IP4 and an IPv4 address.  Exits the process on failure or timeout. */
void bz_node_up(const char *home, uint64_t nwid, int64_t *t0)
{
    int64_t start = bz_now_ns(), deadline = start + (int64_t)BZ_NODE_WAIT_MS * 1000000LL;
    bool joined = false;
    int rv;

    if (t0 != NULL)
        *t0 = start;
    if (getenv("ZT_BENCH_TRACE") != NULL && atoi(getenv("ZT_BENCH_TRACE")) != 0)
        trace_t0 = start;
    rv = bz_the_lib->start(home);
    if (rv != 0)
        bz_die("%s(%s): %d", bz_the_lib->start_call, home, rv);
    bz_start_call_ns = bz_now_ns() - start;
    pthread_mutex_lock(&bz_ev.lock);
    for (;;) {
        struct timespec ts;
        int64_t wake;

        if (bz_ev.failed)
            bz_die("%s: node failed or network access denied", home);
        if (bz_ev.t_online != 0 && !joined) {
            pthread_mutex_unlock(&bz_ev.lock);
            rv = bz_the_lib->join(nwid); /* a no-op for a network re-joined from the cache */
            pthread_mutex_lock(&bz_ev.lock);
            if (rv != 0)
                bz_die("join(%016llx): %d", (unsigned long long)nwid, rv);
            joined = true;
        }
        if (bz_ev.t_online != 0 && bz_ev.t_ready4 != 0 && bz_ev.ip4 != 0)
            break;
        if (bz_now_ns() > deadline)
            bz_die("%s: not online with an IPv4 address after %d ms", home, BZ_NODE_WAIT_MS);
        clock_gettime(CLOCK_REALTIME, &ts);
        wake = (int64_t)ts.tv_nsec + 20000000LL;
        ts.tv_sec += (time_t)(wake / 1000000000LL);
        ts.tv_nsec = (long)(wake % 1000000000LL);
        pthread_cond_timedwait(&bz_ev.cond, &bz_ev.lock, &ts);
    }
    pthread_mutex_unlock(&bz_ev.lock);
}
