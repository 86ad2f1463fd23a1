/*
 * zts_peer: one library node (libzt, the zts_* API) per process, for the multi-process socket
 * tests run by sockets.sh on a private loopback world.  The subcommand chosen by argv decides
 * what the node does once it is online and its network is ready:
 *
 *   server      <home> <nwid> <base> <stopfile>
 *                 TCP and UDP services on ports base+0 .. base+12 (see enum below); runs until
 *                 <stopfile> exists, then zts_free() and exit 0
 *   client      <home> <nwid> <server-ip4> <server-ip6> <base> <case>...
 *                 runs each case against a server; one "PASS <case> ..." or "FAIL <case> ..."
 *                 line per case; exit 0 only if every case passed
 *   many-server <home> <nwid> <port> <n>
 *   many-client <home> <nwid> <server-ip4> <port> <n> <stopfile>
 *                 n concurrent TCP connections, all open at once, a byte each way, then closed
 *   mcast-send  <home> <nwid> <group4> <group6> <port> <count> <unicast-ip4>
 *   mcast-recv  <home> <nwid> <group4> <group6> <port> join|nojoin <stopfile>
 *   adhoc-server <home> <first> <last> <port-in> <port-out> <stopfile>
 *   adhoc-client <home> <first> <last> <server-node> <port-in> <port-out>
 *   cycles      <home> <nwid> <n> <server-ip4> <port>
 *                 n zts_start/zts_stop cycles, then a transfer, then zts_free
 *   kill-client <home> <nwid> <server-ip4> <base>
 *                 uploads to and downloads from a server that the script then kills (SIGKILL);
 *                 both blocked calls must fail with a sensible errno within a bound
 *
 * Output is line-oriented and machine-readable ("ready node=... ip4=... ip6=...", "PASS ...",
 * "FAIL ...").  Every blocking call is bounded (SO_RCVTIMEO/SO_SNDTIMEO, poll timeouts), and the
 * whole process by alarm() (ZTS_PEER_ALARM seconds, default 300): a hang ends as "TIMEOUT" and
 * exit status 3.  Sizes: ZTS_PEER_MB (the echoed bulk transfer of tcp4/tcp6, default 100),
 * ZTS_PEER_PUSH_MB (the one-way transfer of push4/push6, default 100).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ZeroTierSockets.h"

/* ---- output, time, bounds ------------------------------------------------------------------ */

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&out_mu);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void on_alarm(int sig)
{
    static const char msg[] = "TIMEOUT: the overall alarm fired (a call hung)\n";

    (void)sig;
    (void)!write(1, msg, sizeof(msg) - 1);
    _exit(3);
}

static void arm_alarm(void)
{
    const char *e = getenv("ZTS_PEER_ALARM");
    unsigned secs = e != NULL ? (unsigned)strtoul(e, NULL, 10) : 300;

    signal(SIGALRM, on_alarm);
    alarm(secs > 0 ? secs : 300);
}

static bool file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* ---- the node: events and waiting ---------------------------------------------------------- */

static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ev_cond = PTHREAD_COND_INITIALIZER;

static struct {
    bool online, down, ready4, ready6;
    uint64_t node_id;
    char ip4[ZTS_INET6_ADDRSTRLEN];
    char ip6[ZTS_INET6_ADDRSTRLEN];
    unsigned n_down, n_online, n_net_down;
} st;

static void on_event(void *arg)
{
    struct zts_callback_msg *msg = arg;
    char ip[ZTS_INET6_ADDRSTRLEN];

    pthread_mutex_lock(&ev_mu);
    switch (msg->eventCode) {
    case ZTS_EVENT_NODE_ONLINE:
        st.online = true;
        st.n_online++;
        if (msg->node != NULL)
            st.node_id = msg->node->address;
        break;
    case ZTS_EVENT_NODE_OFFLINE:
        st.online = false;
        break;
    case ZTS_EVENT_NODE_DOWN:
        st.online = false;
        st.down = true;
        st.n_down++;
        break;
    case ZTS_EVENT_NETWORK_READY_IP4:
        st.ready4 = true;
        break;
    case ZTS_EVENT_NETWORK_READY_IP6:
        st.ready6 = true;
        break;
    case ZTS_EVENT_NETWORK_DOWN:
        st.ready4 = st.ready6 = false;
        st.ip4[0] = st.ip6[0] = '\0';
        st.n_net_down++;
        break;
    case ZTS_EVENT_ADDR_ADDED_IP4:
        if (msg->addr != NULL) {
            const struct zts_sockaddr_in *in = (const void *)&msg->addr->addr;
            if (zts_inet_ntop(ZTS_AF_INET, &in->sin_addr, ip, sizeof(ip)) != NULL)
                snprintf(st.ip4, sizeof(st.ip4), "%s", ip);
        }
        break;
    case ZTS_EVENT_ADDR_ADDED_IP6:
        if (msg->addr != NULL) {
            const struct zts_sockaddr_in6 *in6 = (const void *)&msg->addr->addr;
            /* The first global address (RFC 4193 or 6PLANE), never link-local. */
            if (in6->sin6_addr.un.u8_addr[0] != 0xfe && st.ip6[0] == '\0' &&
                zts_inet_ntop(ZTS_AF_INET6, &in6->sin6_addr, ip, sizeof(ip)) != NULL)
                snprintf(st.ip6, sizeof(st.ip6), "%s", ip);
        }
        break;
    default:
        break;
    }
    pthread_cond_broadcast(&ev_cond);
    pthread_mutex_unlock(&ev_mu);
}

/* Waits until *|flag| is true, for at most |ms|.  True if it became true. */
static bool wait_flag(const bool *flag, int ms)
{
    struct timespec dl;
    bool ok;

    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&ev_mu);
    while (!*flag && pthread_cond_timedwait(&ev_cond, &ev_mu, &dl) == 0)
        ;
    ok = *flag;
    pthread_mutex_unlock(&ev_mu);
    return ok;
}

/* Starts the node in |home|, waits for NODE_ONLINE, joins |nwid| and waits for its IPv4
 * (and, with |need6|, IPv6) address; prints the "ready" line. */
static int node_up(const char *home, uint64_t nwid, bool need4, bool need6)
{
    int64_t t0 = now_ms();
    int rv;

    rv = zts_start(home, on_event, 0);
    if (rv != ZTS_ERR_OK) {
        say("FAIL start: zts_start=%d", rv);
        return -1;
    }
    if (!wait_flag(&st.online, 30000)) {
        say("FAIL start: no NODE_ONLINE within 30 s");
        return -1;
    }
    rv = zts_join(nwid);
    if (rv != ZTS_ERR_OK) {
        say("FAIL start: zts_join(%016" PRIx64 ")=%d", nwid, rv);
        return -1;
    }
    if ((need4 && !wait_flag(&st.ready4, 30000)) || (need6 && !wait_flag(&st.ready6, 30000))) {
        say("FAIL start: network %016" PRIx64 " not ready (ip4 %d, ip6 %d) within 30 s", nwid,
            st.ready4, st.ready6);
        return -1;
    }
    pthread_mutex_lock(&ev_mu);
    say("ready node=%010" PRIx64 " ip4=%s ip6=%s ms=%" PRId64, st.node_id,
        st.ip4[0] ? st.ip4 : "-", st.ip6[0] ? st.ip6 : "-", now_ms() - t0);
    pthread_mutex_unlock(&ev_mu);
    return 0;
}

/* One line of the stack's counters (zts_get_all_stats), to tell where frames stopped. */
static void print_stats(const char *tag)
{
    struct zts_stats z;
    const struct {
        const char *name;
        const struct zts_stats_proto *p;
    } v[] = {{"link", &z.link}, {"etharp", &z.etharp}, {"ip", &z.ip},   {"ip6", &z.ip6},
             {"nd6", &z.nd6},   {"icmp6", &z.icmp6},   {"tcp", &z.tcp}, {"udp", &z.udp}};
    char line[600];
    size_t k = 0;

    if (zts_get_all_stats(&z) != ZTS_ERR_OK) {
        say("stats %s: unavailable", tag);
        return;
    }
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]) && k < sizeof(line); i++)
        k += (size_t)snprintf(line + k, sizeof(line) - k, " %s=%u/%u/%u/%u", v[i].name,
                              v[i].p->xmit, v[i].p->recv, v[i].p->drop, v[i].p->err);
    say("stats %s (xmit/recv/drop/err):%s", tag, line);
}

/* ---- addresses ------------------------------------------------------------------------------ */

typedef struct {
    struct zts_sockaddr_storage ss;
    zts_socklen_t len;
} addr_t;

static int family_of(const char *ip)
{
    return strchr(ip, ':') != NULL ? ZTS_AF_INET6 : ZTS_AF_INET;
}

static int mkaddr(const char *ip, uint16_t port, addr_t *a)
{
    memset(a, 0, sizeof(*a));
    if (family_of(ip) == ZTS_AF_INET6) {
        struct zts_sockaddr_in6 *in6 = (void *)&a->ss;
        in6->sin6_len = sizeof(*in6);
        in6->sin6_family = ZTS_AF_INET6;
        in6->sin6_port = zts_htons(port);
        if (zts_inet_pton(ZTS_AF_INET6, ip, &in6->sin6_addr) != 1)
            return -1;
        a->len = sizeof(*in6);
    } else {
        struct zts_sockaddr_in *in = (void *)&a->ss;
        in->sin_len = sizeof(*in);
        in->sin_family = ZTS_AF_INET;
        in->sin_port = zts_htons(port);
        if (zts_inet_pton(ZTS_AF_INET, ip, &in->sin_addr) != 1)
            return -1;
        a->len = sizeof(*in);
    }
    return 0;
}

/* The wildcard of |family| at |port|. */
static void mkany(int family, uint16_t port, addr_t *a)
{
    (void)mkaddr(family == ZTS_AF_INET6 ? "::" : "0.0.0.0", port, a);
}

/* "ip:port" (IPv4) or "[ip]:port" (IPv6). */
static void addr_str(const void *sa, char *buf, size_t n)
{
    const struct zts_sockaddr *s = sa;
    char ip[ZTS_INET6_ADDRSTRLEN];

    if (s->sa_family == ZTS_AF_INET6) {
        const struct zts_sockaddr_in6 *in6 = sa;
        if (zts_inet_ntop(ZTS_AF_INET6, &in6->sin6_addr, ip, sizeof(ip)) == NULL)
            snprintf(ip, sizeof(ip), "?");
        snprintf(buf, n, "[%s]:%u", ip, zts_ntohs(in6->sin6_port));
    } else if (s->sa_family == ZTS_AF_INET) {
        const struct zts_sockaddr_in *in = sa;
        if (zts_inet_ntop(ZTS_AF_INET, &in->sin_addr, ip, sizeof(ip)) == NULL)
            snprintf(ip, sizeof(ip), "?");
        snprintf(buf, n, "%s:%u", ip, zts_ntohs(in->sin_port));
    } else {
        snprintf(buf, n, "family%u", s->sa_family);
    }
}

/* The expected "ip:port" / "[ip]:port" text for |ip| and |port|. */
static void ep_str(const char *ip, uint16_t port, char *buf, size_t n)
{
    addr_t a;

    if (mkaddr(ip, port, &a) != 0)
        snprintf(buf, n, "bad");
    else
        addr_str(&a.ss, buf, n);
}

static int sockname(int fd, bool peer, char *buf, size_t n)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = sizeof(ss);
    int rv;

    memset(&ss, 0, sizeof(ss));
    rv = peer ? zts_getpeername(fd, (void *)&ss, &len) : zts_getsockname(fd, (void *)&ss, &len);
    if (rv != 0) {
        snprintf(buf, n, "error(%d,errno=%d)", rv, errno);
        return -1;
    }
    addr_str(&ss, buf, n);
    return 0;
}

/* ---- socket helpers ----------------------------------------------------------------------- */

static int set_timeo(int fd, int opt, int ms)
{
    struct zts_timeval tv = {ms / 1000, (long)(ms % 1000) * 1000};

    return zts_setsockopt(fd, ZTS_SOL_SOCKET, opt, &tv, sizeof(tv));
}

static int set_int(int fd, int level, int opt, int v)
{
    return zts_setsockopt(fd, level, opt, &v, sizeof(v));
}

static int set_nonblock(int fd, bool on)
{
    int fl = zts_fcntl(fd, ZTS_F_GETFL, 0);

    if (fl < 0)
        return -1;
    return zts_fcntl(fd, ZTS_F_SETFL, on ? (fl | ZTS_O_NONBLOCK) : (fl & ~ZTS_O_NONBLOCK));
}

/* A TCP connection to |ip|:|port|, retried (new socket each time) until |ms| have passed:
 * the first packets to a peer may wait for its path.  Each attempt is bounded by SO_SNDTIMEO
 * (a blocking connect then fails with EINPROGRESS). */
static int connect_retry(const char *ip, uint16_t port, int ms)
{
    int64_t deadline = now_ms() + ms;
    addr_t a;
    int fd, rv, e = 0;

    if (mkaddr(ip, port, &a) != 0)
        return -1;
    for (;;) {
        fd = zts_socket(family_of(ip), ZTS_SOCK_STREAM, 0);
        if (fd < 0) {
            say("note: zts_socket=%d errno=%d", fd, errno);
            return -1;
        }
        set_timeo(fd, ZTS_SO_SNDTIMEO, 5000);
        rv = zts_connect(fd, (void *)&a.ss, a.len);
        if (rv == 0) {
            set_timeo(fd, ZTS_SO_SNDTIMEO, 0);
            return fd;
        }
        e = errno;
        zts_close(fd);
        if (now_ms() >= deadline)
            break;
        sleep_ms(250);
    }
    say("note: connect %s port %u failed: rv=%d errno=%d (%s)", ip, port, rv, e, strerror(e));
    return -1;
}

/* Sends all of |buf|; 0 or -1 (errno set). */
static int send_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;

    while (n > 0) {
        ssize_t k = zts_send(fd, p, n, 0);
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Receives exactly |n| bytes; 0, or -1 (errno set; 0 if the stream ended first). */
static int recv_all(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;

    while (n > 0) {
        ssize_t k = zts_recv(fd, p, n, 0);
        if (k <= 0) {
            if (k == 0)
                errno = 0;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* ---- the data pattern ---------------------------------------------------------------------- */

/* Byte o of every stream is pat[o % PAT_PERIOD]: a prime period, so a lost, repeated or
 * reordered chunk of any usual size shows up. */
#define PAT_PERIOD 1048573u
#define PAT_CHUNK 65536u
static uint8_t *pat;

static void pat_init(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;

    pat = malloc(PAT_PERIOD + PAT_CHUNK);
    if (pat == NULL) {
        say("FAIL out of memory");
        exit(1);
    }
    for (size_t i = 0; i < PAT_PERIOD + PAT_CHUNK; i++) {
        if (i >= PAT_PERIOD) {
            pat[i] = pat[i - PAT_PERIOD];
            continue;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pat[i] = (uint8_t)(x >> 32);
    }
}

/* Pattern bytes from offset |off|: at most PAT_CHUNK of them are contiguous. */
static const uint8_t *pat_at(uint64_t off)
{
    return pat + off % PAT_PERIOD;
}

/* Checks |n| received bytes at stream offset |off|; returns the index of the first wrong byte
 * or -1. */
static int64_t pat_check(const uint8_t *buf, size_t n, uint64_t off)
{
    size_t done = 0;

    while (done < n) {
        size_t k = n - done > PAT_CHUNK ? PAT_CHUNK : n - done;
        const uint8_t *want = pat_at(off + done);
        if (memcmp(buf + done, want, k) != 0) {
            for (size_t i = 0; i < k; i++)
                if (buf[done + i] != want[i])
                    return (int64_t)(done + i);
        }
        done += k;
    }
    return -1;
}

/* ---- server -------------------------------------------------------------------------------- */

enum {
    P_ECHO4,    /* TCP echo, AF_INET; closes after the client's FIN */
    P_ECHO6,    /* TCP echo, AF_INET6 dual stack (IPv4 peers appear as ::ffff:a.b.c.d) */
    P_UDP4,     /* UDP echo, AF_INET */
    P_UDP6,     /* UDP echo, AF_INET6 (IPV6_V6ONLY) */
    P_HOLD,     /* accepts and never reads (SO_SNDTIMEO on the client) */
    P_BACKLOG,  /* listen(2); accepts only after the "go-backlog" control command */
    P_CTL,      /* one command line per connection: "go-backlog" */
    P_RST,      /* reads one byte, then SO_LINGER {1,0} and close: the client sees a reset */
    P_RSTPEER,  /* reads until an error and logs it (the client resets) */
    P_SOURCE,   /* sends the pattern until an error */
    P_SINK,     /* reads until an error or the end */
    P_REQ20,    /* request/response: reads 20 bytes, answers them (TCP_NODELAY on its side) */
    P_VERIFY,   /* AF_INET6 dual stack: checks the pattern up to the client's FIN, then answers
                 * "ok <bytes>" or "bad <offset>" and closes (one-way transfers) */
    P_NPORTS,
    P_CLOSED = 20, /* nobody listens here */
};

static const char *const port_names[P_NPORTS] = {"echo4", "echo6",   "udp4", "udp6",
                                                 "hold",  "backlog", "ctl",  "rst",
                                                 "rstpeer", "source", "sink", "req20",
                                                 "verify"};

static atomic_bool quitting;
static pthread_mutex_t backlog_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t backlog_cond = PTHREAD_COND_INITIALIZER;
static bool backlog_go;

typedef struct {
    int kind;
    int fd;
    uint16_t port;
} job;

static void *spawn_arg(int kind, int fd, uint16_t port)
{
    job *j = malloc(sizeof(*j));

    if (j == NULL) {
        say("FAIL out of memory");
        exit(1);
    }
    j->kind = kind;
    j->fd = fd;
    j->port = port;
    return j;
}

static void spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    pthread_attr_t at;

    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &at, fn, arg) != 0) {
        say("FAIL pthread_create");
        exit(1);
    }
    pthread_attr_destroy(&at);
}

static void *conn_main(void *arg)
{
    job j = *(job *)arg;
    uint8_t *buf = malloc(PAT_CHUNK);
    const char *name = port_names[j.kind];
    uint64_t total = 0;
    ssize_t n;
    int e;

    free(arg);
    if (buf == NULL)
        goto out;
    switch (j.kind) {
    case P_ECHO4:
    case P_ECHO6:
    case P_BACKLOG:
        set_timeo(j.fd, ZTS_SO_RCVTIMEO, 60000);
        set_timeo(j.fd, ZTS_SO_SNDTIMEO, 60000);
        while ((n = zts_recv(j.fd, buf, PAT_CHUNK, 0)) > 0) {
            if (send_all(j.fd, buf, (size_t)n) != 0)
                break;
            total += (uint64_t)n;
        }
        e = errno;
        if (n == 0) {
            zts_shutdown(j.fd, ZTS_SHUT_WR);
            say("%s done fd=%d bytes=%" PRIu64, name, j.fd, total);
        } else if (!quitting) {
            say("%s error fd=%d bytes=%" PRIu64 " n=%zd errno=%d", name, j.fd, total, n, e);
        }
        break;
    case P_HOLD:
        /* Kept open, never read, until the process ends. */
        free(buf);
        return NULL;
    case P_CTL: {
        char line[64];
        size_t k = 0;
        set_timeo(j.fd, ZTS_SO_RCVTIMEO, 10000);
        while (k + 1 < sizeof(line) && zts_recv(j.fd, line + k, 1, 0) == 1 && line[k] != '\n')
            k++;
        line[k] = '\0';
        say("ctl command=%s", line);
        if (strcmp(line, "go-backlog") == 0) {
            pthread_mutex_lock(&backlog_mu);
            backlog_go = true;
            pthread_cond_broadcast(&backlog_cond);
            pthread_mutex_unlock(&backlog_mu);
        }
        (void)send_all(j.fd, "ok\n", 3);
        break;
    }
    case P_RST: {
        struct zts_linger l = {1, 0};
        set_timeo(j.fd, ZTS_SO_RCVTIMEO, 10000);
        n = zts_recv(j.fd, buf, 1, 0);
        if (zts_setsockopt(j.fd, ZTS_SOL_SOCKET, ZTS_SO_LINGER, &l, sizeof(l)) != 0)
            say("rst setsockopt(SO_LINGER) failed errno=%d", errno);
        say("rst closing fd=%d after recv=%zd", j.fd, n);
        break;
    }
    case P_RSTPEER: {
        /* Waits for the client's reset.  A RST is sent once and never retransmitted: if it is
         * lost, a probe byte (after 2 s of silence, long after the client's close) makes the
         * client's stack answer with another.  A plain close (FIN) would show as EOF at once,
         * so the probes cannot hide a SO_LINGER that does not reset. */
        int probes = 0;
        set_timeo(j.fd, ZTS_SO_RCVTIMEO, 2000);
        for (;;) {
            n = zts_recv(j.fd, buf, PAT_CHUNK, 0);
            e = errno;
            if (n > 0) {
                total += (uint64_t)n;
                continue;
            }
            if (n < 0 && e == EAGAIN && probes < 10 && zts_send(j.fd, "p", 1, 0) == 1) {
                probes++;
                continue;
            }
            break;
        }
        say("rstpeer fd=%d recv=%zd errno=%d zts_errno=%d bytes=%" PRIu64 " probes=%d", j.fd, n,
            n < 0 ? e : 0, n < 0 ? zts_errno : 0, total, probes);
        break;
    }
    case P_SOURCE:
        set_timeo(j.fd, ZTS_SO_SNDTIMEO, 10000);
        for (;;) {
            n = zts_send(j.fd, pat_at(total), PAT_CHUNK, 0);
            if (n <= 0)
                break;
            total += (uint64_t)n;
        }
        say("source fd=%d ended errno=%d bytes=%" PRIu64, j.fd, errno, total);
        break;
    case P_REQ20:
        set_timeo(j.fd, ZTS_SO_RCVTIMEO, 30000);
        set_int(j.fd, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, 1);
        while (recv_all(j.fd, buf, 20) == 0 && send_all(j.fd, buf, 20) == 0)
            total += 20;
        say("req20 fd=%d ended bytes=%" PRIu64, j.fd, total);
        break;
    case P_VERIFY: {
        char line[48];
        int64_t bad = -1;
        set_timeo(j.fd, ZTS_SO_RCVTIMEO, 60000);
        while ((n = zts_recv(j.fd, buf, PAT_CHUNK, 0)) > 0) {
            if ((bad = pat_check(buf, (size_t)n, total)) >= 0)
                break;
            total += (uint64_t)n;
        }
        e = errno;
        if (bad >= 0)
            snprintf(line, sizeof(line), "bad %" PRIu64 "\n", total + (uint64_t)bad);
        else if (n == 0)
            snprintf(line, sizeof(line), "ok %" PRIu64 "\n", total);
        else
            snprintf(line, sizeof(line), "err %d\n", e);
        say("verify fd=%d %s", j.fd, line);
        (void)send_all(j.fd, line, strlen(line));
        break;
    }
    case P_SINK:
        set_timeo(j.fd, ZTS_SO_RCVTIMEO, 10000);
        while ((n = zts_recv(j.fd, buf, PAT_CHUNK, 0)) > 0)
            total += (uint64_t)n;
        say("sink fd=%d ended n=%zd errno=%d bytes=%" PRIu64, j.fd, n, errno, total);
        break;
    default:
        break;
    }
out:
    free(buf);
    if (!quitting)
        zts_close(j.fd);
    return NULL;
}

static void *listener_main(void *arg)
{
    job j = *(job *)arg;

    free(arg);
    for (;;) {
        struct zts_sockaddr_storage ss;
        zts_socklen_t len = sizeof(ss);
        char from[80], local[80], peer[80];
        int fd;

        if (j.kind == P_BACKLOG) {
            pthread_mutex_lock(&backlog_mu);
            while (!backlog_go)
                pthread_cond_wait(&backlog_cond, &backlog_mu);
            pthread_mutex_unlock(&backlog_mu);
        }
        fd = zts_accept(j.fd, (void *)&ss, &len);
        if (fd < 0) {
            if (quitting)
                return NULL;
            say("FAIL accept port=%u errno=%d", j.port, errno);
            sleep_ms(100);
            continue;
        }
        addr_str(&ss, from, sizeof(from));
        sockname(fd, false, local, sizeof(local));
        sockname(fd, true, peer, sizeof(peer));
        say("accept %s port=%u fd=%d from=%s local=%s peer=%s", port_names[j.kind], j.port, fd,
            from, local, peer);
        spawn(conn_main, spawn_arg(j.kind, fd, j.port));
    }
}

static void *udp_main(void *arg)
{
    job j = *(job *)arg;
    uint8_t *buf = malloc(70000);

    free(arg);
    if (buf == NULL)
        return NULL;
    set_timeo(j.fd, ZTS_SO_RCVTIMEO, 1000);
    while (!quitting) {
        struct zts_sockaddr_storage ss;
        zts_socklen_t len = sizeof(ss);
        char from[80];
        ssize_t n = zts_recvfrom(j.fd, buf, 70000, 0, (void *)&ss, &len);
        if (n < 0) {
            if (errno != EAGAIN && !quitting)
                say("%s recvfrom errno=%d", port_names[j.kind], errno);
            continue;
        }
        addr_str(&ss, from, sizeof(from));
        say("%s from=%s len=%zd", port_names[j.kind], from, n);
        if (n > 0 && zts_sendto(j.fd, buf, (size_t)n, 0, (void *)&ss, len) != n)
            say("%s sendto len=%zd failed errno=%d", port_names[j.kind], n, errno);
    }
    free(buf);
    return NULL;
}

/* A socket of |family|/|type| bound to the wildcard at |port| (listening for TCP). */
static int open_bound(int family, int type, uint16_t port, int backlog, bool v6only)
{
    addr_t a;
    int fd = zts_socket(family, type, 0);

    if (fd < 0) {
        say("FAIL socket errno=%d", errno);
        return -1;
    }
    if (v6only && set_int(fd, ZTS_IPPROTO_IPV6, ZTS_IPV6_V6ONLY, 1) != 0)
        say("FAIL IPV6_V6ONLY errno=%d", errno);
    mkany(family, port, &a);
    if (zts_bind(fd, (void *)&a.ss, a.len) != 0) {
        say("FAIL bind port %u errno=%d", port, errno);
        zts_close(fd);
        return -1;
    }
    if (type == ZTS_SOCK_STREAM && zts_listen(fd, backlog) != 0) {
        say("FAIL listen port %u errno=%d", port, errno);
        zts_close(fd);
        return -1;
    }
    return fd;
}

static int cmd_server(const char *home, uint64_t nwid, uint16_t base, const char *stopfile)
{
    int rv;

    if (node_up(home, nwid, true, true) != 0)
        return 1;
    for (int k = 0; k < P_NPORTS; k++) {
        bool udp = k == P_UDP4 || k == P_UDP6;
        int family =
            k == P_ECHO6 || k == P_UDP6 || k == P_VERIFY ? ZTS_AF_INET6 : ZTS_AF_INET;
        uint16_t port = (uint16_t)(base + k);
        int fd = open_bound(family, udp ? ZTS_SOCK_DGRAM : ZTS_SOCK_STREAM, port,
                            k == P_BACKLOG ? 2 : 128, k == P_UDP6);
        if (fd < 0)
            return 1;
        spawn(udp ? udp_main : listener_main, spawn_arg(k, fd, port));
    }
    say("serving base=%u", base);
    while (!file_exists(stopfile))
        sleep_ms(100);
    quitting = true;
    rv = zts_free();
    say("stopped zts_free=%d", rv);
    return rv == ZTS_ERR_OK ? 0 : 1;
}

/* ---- client cases -------------------------------------------------------------------------- */

typedef struct {
    const char *ip4, *ip6; /* the server's */
    uint16_t base;
} target;

/* One result line per case; the format's first %s is the case name. */
#define PASS(...) (say("PASS " __VA_ARGS__), 0)
#define FAIL(...) (say("FAIL " __VA_ARGS__), -1)

/* zts_errno must agree with errno after a failed call (api.md §5.7) and be |want|, or
 * one of the alternatives. */
static bool errno_is(int e, int want, int alt)
{
    return e == want || (alt != 0 && e == alt);
}

typedef struct {
    int fd;
    uint64_t total;
    int rv, err;
} bulk_tx;

static void *bulk_sender(void *arg)
{
    bulk_tx *t = arg;
    uint64_t off = 0;

    t->rv = 0;
    while (off < t->total) {
        size_t n = t->total - off > PAT_CHUNK ? PAT_CHUNK : (size_t)(t->total - off);
        ssize_t k = zts_send(t->fd, pat_at(off), n, 0);
        if (k <= 0) {
            t->rv = -1;
            t->err = errno;
            return NULL;
        }
        off += (uint64_t)k;
    }
    if (zts_shutdown(t->fd, ZTS_SHUT_WR) != 0) {
        t->rv = -2;
        t->err = errno;
    }
    return NULL;
}

/* Sends |total| pattern bytes to an echo service while reading the echo back; every byte is
 * checked, then the end of the stream.  |secs| gets the duration. */
static int echo_transfer(int fd, uint64_t total, double *secs, char *why, size_t whylen)
{
    bulk_tx tx = {.fd = fd, .total = total};
    uint8_t *buf = malloc(4 * PAT_CHUNK);
    uint64_t got = 0;
    int64_t t0 = now_ms();
    pthread_t th;
    ssize_t n = 0;
    int rv = -1;

    if (buf == NULL) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    set_timeo(fd, ZTS_SO_RCVTIMEO, 30000);
    set_timeo(fd, ZTS_SO_SNDTIMEO, 30000);
    if (pthread_create(&th, NULL, bulk_sender, &tx) != 0) {
        snprintf(why, whylen, "pthread_create");
        free(buf);
        return -1;
    }
    while (got < total) {
        int64_t bad;
        n = zts_recv(fd, buf, 4 * PAT_CHUNK, 0);
        if (n <= 0)
            break;
        if ((bad = pat_check(buf, (size_t)n, got)) >= 0) {
            snprintf(why, whylen, "wrong byte at offset %" PRIu64, got + (uint64_t)bad);
            n = -2;
            break;
        }
        got += (uint64_t)n;
    }
    if (n > 0) {
        /* The server closes its side after our FIN: the echo ends exactly here. */
        n = zts_recv(fd, buf, 4 * PAT_CHUNK, 0);
        if (n == 0)
            rv = 0;
        else
            snprintf(why, whylen, "after all %" PRIu64 " bytes: recv=%zd errno=%d (no EOF)", got,
                     n, errno);
    } else if (n != -2) {
        snprintf(why, whylen, "recv=%zd errno=%d after %" PRIu64 " of %" PRIu64 " bytes", n,
                 errno, got, total);
    }
    pthread_join(th, NULL);
    if (rv == 0 && tx.rv != 0) {
        snprintf(why, whylen, "sender: %s failed errno=%d", tx.rv == -1 ? "send" : "shutdown",
                 tx.err);
        rv = -1;
    }
    *secs = (double)(now_ms() - t0) / 1000.0;
    free(buf);
    return rv;
}

static int case_bulk(const char *name, const char *ip, uint16_t port)
{
    const char *e = getenv("ZTS_PEER_MB");
    uint64_t mb = e != NULL ? strtoull(e, NULL, 10) : 100, total = mb * 1024 * 1024;
    char why[160] = "", local[80], peer[80];
    double secs;
    int fd, rv;

    fd = connect_retry(ip, port, 30000);
    if (fd < 0)
        return FAIL("%s connect failed", name);
    sockname(fd, false, local, sizeof(local));
    sockname(fd, true, peer, sizeof(peer));
    rv = echo_transfer(fd, total, &secs, why, sizeof(why));
    zts_close(fd);
    if (rv != 0)
        return FAIL("%s local=%s peer=%s: %s", name, local, peer, why);
    return PASS("%s bytes=%" PRIu64 " secs=%.2f MBps=%.1f local=%s peer=%s", name, total, secs,
                (double)mb / (secs > 0 ? secs : 0.001), local, peer);
}

/* One way: ZTS_PEER_PUSH_MB pattern bytes to the verifying port, which checks every byte and
 * answers "ok <bytes>" after our FIN. */
static int case_push(const char *name, const char *ip, uint16_t port)
{
    const char *e = getenv("ZTS_PEER_PUSH_MB");
    uint64_t mb = e != NULL ? strtoull(e, NULL, 10) : 100;
    bulk_tx tx = {.total = mb * 1024 * 1024};
    char line[48] = "", want[48], local[80];
    int64_t t0 = now_ms();
    size_t k = 0;
    double secs;

    tx.fd = connect_retry(ip, port, 30000);
    if (tx.fd < 0)
        return FAIL("%s connect failed", name);
    sockname(tx.fd, false, local, sizeof(local));
    set_timeo(tx.fd, ZTS_SO_SNDTIMEO, 60000);
    set_timeo(tx.fd, ZTS_SO_RCVTIMEO, 60000);
    bulk_sender(&tx);
    while (tx.rv == 0 && k + 1 < sizeof(line) && zts_recv(tx.fd, line + k, 1, 0) == 1 &&
           line[k] != '\n')
        k++;
    line[k] = '\0';
    secs = (double)(now_ms() - t0) / 1000.0;
    zts_close(tx.fd);
    if (tx.rv != 0)
        return FAIL("%s local=%s: %s failed errno=%d", name, local,
                    tx.rv == -1 ? "send" : "shutdown", tx.err);
    snprintf(want, sizeof(want), "ok %" PRIu64, tx.total);
    if (strcmp(line, want) != 0)
        return FAIL("%s local=%s: the receiver said '%s', expected '%s'", name, local, line, want);
    return PASS("%s bytes=%" PRIu64 " secs=%.2f MBps=%.2f local=%s", name, tx.total, secs,
                (double)mb / (secs > 0 ? secs : 0.001), local);
}

/* One datagram of |len| bytes there and back, retried: returns 0, or -1 with |why|. */
static int udp_roundtrip(int fd, const addr_t *to, size_t len, uint8_t *rx, char *why,
                         size_t whylen)
{
    char want[80], from_s[80];

    addr_str(&to->ss, want, sizeof(want));
    for (int attempt = 0; attempt < 8; attempt++) {
        ssize_t n = zts_sendto(fd, pat_at(len), len, 0, (void *)&to->ss, to->len);
        if (n != (ssize_t)len) {
            snprintf(why, whylen, "sendto(%zu)=%zd errno=%d", len, n, errno);
            return -1;
        }
        for (;;) {
            struct zts_sockaddr_storage from;
            zts_socklen_t flen = sizeof(from);
            n = zts_recvfrom(fd, rx, 70000, 0, (void *)&from, &flen);
            if (n < 0)
                break; /* timed out: send again */
            addr_str(&from, from_s, sizeof(from_s));
            if (strcmp(from_s, want) != 0) {
                snprintf(why, whylen, "datagram from %.60s, expected %.60s", from_s, want);
                return -1;
            }
            if ((size_t)n != len)
                continue; /* a late answer to an earlier size */
            if (memcmp(rx, pat_at(len), len) != 0) {
                snprintf(why, whylen, "datagram of %zu bytes came back different", len);
                return -1;
            }
            return 0;
        }
    }
    snprintf(why, whylen, "no answer to a %zu-byte datagram after 8 tries", len);
    return -1;
}

static int case_udp(const char *name, const char *ip, uint16_t port)
{
    static const size_t sizes[] = {1, 100, 1400, 2700, 2752, 2753, 2800, 4000, 8192, 16384,
                                   32768, 60000};
    bool v6 = family_of(ip) == ZTS_AF_INET6;
    size_t max = 65507, over = 65508;
    uint8_t *rx = malloc(70000);
    char why[160] = "", local[80], note[120] = "";
    addr_t to;
    int fd, rv = -1;
    ssize_t n;

    if (rx == NULL || mkaddr(ip, port, &to) != 0)
        return FAIL("%s setup", name);
    fd = zts_socket(v6 ? ZTS_AF_INET6 : ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);
    if (fd < 0) {
        free(rx);
        return FAIL("%s socket", name);
    }
    set_timeo(fd, ZTS_SO_RCVTIMEO, 1000);
    if (v6) {
        /* IPv6's own limit is 65527 (65535 - 8); find what the library takes. */
        max = 65527;
        n = zts_sendto(fd, pat_at(0), max, 0, (void *)&to.ss, to.len);
        if (n < 0 && errno == EMSGSIZE) {
            snprintf(note, sizeof(note), " note=library-refuses-%zu", max);
            for (max = 65526; max > 60000; max--)
                if (zts_sendto(fd, pat_at(0), max, 0, (void *)&to.ss, to.len) == (ssize_t)max)
                    break;
        }
        over = max + 1;
        sleep_ms(300);
        /* Drain whatever these probes brought back. */
        while (zts_recv(fd, rx, 70000, ZTS_MSG_DONTWAIT) >= 0)
            ;
    }
    for (size_t i = 0; i <= sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t len = i < sizeof(sizes) / sizeof(sizes[0]) ? sizes[i] : max;
        if (udp_roundtrip(fd, &to, len, rx, why, sizeof(why)) != 0)
            goto out;
    }
    sockname(fd, false, local, sizeof(local));
    /* One byte over the maximum: refused here, with EMSGSIZE. */
    n = zts_sendto(fd, pat_at(0), over, 0, (void *)&to.ss, to.len);
    if (n != -1 || !errno_is(errno, ZTS_EMSGSIZE, 0) || zts_errno != ZTS_EMSGSIZE) {
        snprintf(why, sizeof(why), "sendto(%zu)=%zd errno=%d zts_errno=%d, expected EMSGSIZE",
                 over, n, errno, zts_errno);
        goto out;
    }
    /* A datagram longer than the buffer: truncated, and recvmsg says so. */
    {
        struct zts_iovec iov = {rx, 1000};
        struct zts_msghdr m;
        struct zts_sockaddr_storage from;
        memset(&m, 0, sizeof(m));
        m.msg_name = &from;
        m.msg_namelen = sizeof(from);
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        for (int attempt = 0;; attempt++) {
            if (attempt == 8) {
                snprintf(why, sizeof(why), "truncation: no answer to 3000 bytes");
                goto out;
            }
            (void)zts_sendto(fd, pat_at(3000), 3000, 0, (void *)&to.ss, to.len);
            n = zts_recvmsg(fd, (struct msghdr *)(void *)&m, 0);
            if (n >= 0)
                break;
        }
        if (n != 1000 || !(m.msg_flags & ZTS_MSG_TRUNC) || memcmp(rx, pat_at(3000), 1000) != 0) {
            snprintf(why, sizeof(why), "truncation: recvmsg=%zd flags=%#x", n, m.msg_flags);
            goto out;
        }
    }
    /* A connected UDP socket: send/recv without addresses, getpeername = the server. */
    {
        char peer[80], want[80];
        int cfd = zts_socket(v6 ? ZTS_AF_INET6 : ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);
        set_timeo(cfd, ZTS_SO_RCVTIMEO, 1000);
        if (zts_connect(cfd, (void *)&to.ss, to.len) != 0) {
            snprintf(why, sizeof(why), "connect(UDP) errno=%d", errno);
            zts_close(cfd);
            goto out;
        }
        sockname(cfd, true, peer, sizeof(peer));
        addr_str(&to.ss, want, sizeof(want));
        n = -1;
        for (int attempt = 0; attempt < 8 && n != 1234; attempt++) {
            (void)zts_send(cfd, pat_at(1234), 1234, 0);
            n = zts_recv(cfd, rx, 70000, 0);
        }
        zts_close(cfd);
        if (strcmp(peer, want) != 0 || n != 1234 || memcmp(rx, pat_at(1234), 1234) != 0) {
            snprintf(why, sizeof(why), "connected UDP: peer=%s recv=%zd", peer, n);
            goto out;
        }
    }
    rv = 0;
out:
    zts_close(fd);
    free(rx);
    if (rv != 0)
        return FAIL("%s %s", name, why);
    return PASS("%s max=%zu local=%s%s", name, max, local, note);
}

/* Non-blocking connect to the echo service, completion seen by zts_poll (|use_select| false)
 * or zts_select; then SO_ERROR, the names, one message there and back. */
static int case_nbconnect(const char *name, const char *ip, uint16_t port, bool use_select)
{
    char why[200] = "", peer[64], want[64];
    int64_t t0;
    addr_t a;
    int fd, rv, e, soerr = -1;
    zts_socklen_t sl = sizeof(soerr);
    uint8_t buf[16];

    mkaddr(ip, port, &a);
    addr_str(&a.ss, want, sizeof(want));
    for (int attempt = 0;; attempt++) {
        fd = zts_socket(family_of(ip), ZTS_SOCK_STREAM, 0);
        if (fd < 0 || set_nonblock(fd, true) != 0)
            return FAIL("%s socket/fcntl errno=%d", name, errno);
        if ((zts_fcntl(fd, ZTS_F_GETFL, 0) & ZTS_O_NONBLOCK) == 0)
            return FAIL("%s F_GETFL does not show O_NONBLOCK", name);
        t0 = now_ms();
        rv = zts_connect(fd, (void *)&a.ss, a.len);
        e = errno;
        if (rv != -1 || e != ZTS_EINPROGRESS || zts_errno != ZTS_EINPROGRESS) {
            zts_close(fd);
            return FAIL("%s connect=%d errno=%d zts_errno=%d, expected -1/EINPROGRESS", name,
                        rv, e, zts_errno);
        }
        if (use_select) {
            zts_fd_set wr, ex;
            struct zts_timeval tv = {10, 0};
            ZTS_FD_ZERO(&wr);
            ZTS_FD_ZERO(&ex);
            ZTS_FD_SET(fd, &wr);
            ZTS_FD_SET(fd, &ex);
            rv = zts_select(fd + 1, NULL, &wr, &ex, &tv);
            if (rv > 0 && !ZTS_FD_ISSET(fd, &wr)) {
                zts_close(fd);
                return FAIL("%s select=%d without the fd in the write set", name, rv);
            }
        } else {
            struct zts_pollfd p = {fd, ZTS_POLLOUT, 0};
            rv = zts_poll(&p, 1, 10000);
            if (rv > 0 && !(p.revents & ZTS_POLLOUT)) {
                zts_close(fd);
                return FAIL("%s poll=%d revents=%#x", name, rv, p.revents);
            }
        }
        if (rv <= 0) {
            zts_close(fd);
            return FAIL("%s %s=%d errno=%d: not writable within 10 s", name,
                        use_select ? "select" : "poll", rv, errno);
        }
        if (zts_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_ERROR, &soerr, &sl) != 0)
            return FAIL("%s getsockopt(SO_ERROR) errno=%d", name, errno);
        if (soerr == 0)
            break;
        zts_close(fd);
        /* The path to the server may still be setting up (a retry is allowed, once). */
        if (attempt == 1)
            return FAIL("%s SO_ERROR=%d", name, soerr);
        sleep_ms(500);
    }
    int64_t ms = now_ms() - t0;
    sockname(fd, true, peer, sizeof(peer));
    if (strcmp(peer, want) != 0) {
        snprintf(why, sizeof(why), "getpeername=%s expected %s", peer, want);
        goto fail;
    }
    /* Nothing to read yet: EAGAIN at once (non-blocking socket). */
    if (zts_recv(fd, buf, sizeof(buf), 0) != -1 || errno != ZTS_EAGAIN) {
        snprintf(why, sizeof(why), "recv on an idle non-blocking socket: errno=%d", errno);
        goto fail;
    }
    if (zts_send(fd, "hello", 5, 0) != 5) {
        snprintf(why, sizeof(why), "send errno=%d", errno);
        goto fail;
    }
    {
        struct zts_pollfd p = {fd, ZTS_POLLIN, 0};
        if (zts_poll(&p, 1, 10000) != 1 || zts_recv(fd, buf, sizeof(buf), 0) != 5 ||
            memcmp(buf, "hello", 5) != 0) {
            snprintf(why, sizeof(why), "no echo (errno=%d)", errno);
            goto fail;
        }
    }
    zts_close(fd);
    return PASS("%s connect_ms=%" PRId64 " peer=%s", name, ms, peer);
fail:
    zts_close(fd);
    return FAIL("%s %s", name, why);
}

/* A port nobody listens on: blocking connect fails with ECONNREFUSED (ECONNRESET tolerated,
 * api.md §5.7); non-blocking connect reports it through poll and SO_ERROR. */
static int case_refused(const char *name, const char *ip, uint16_t port)
{
    int64_t t0 = now_ms(), ms1, ms2;
    addr_t a;
    int fd, rv, e, soerr = 0;
    zts_socklen_t sl = sizeof(soerr);
    struct zts_pollfd p;

    mkaddr(ip, port, &a);
    fd = zts_socket(family_of(ip), ZTS_SOCK_STREAM, 0);
    set_timeo(fd, ZTS_SO_SNDTIMEO, 10000);
    rv = zts_connect(fd, (void *)&a.ss, a.len);
    e = errno;
    ms1 = now_ms() - t0;
    zts_close(fd);
    if (rv != -1 || !errno_is(e, ZTS_ECONNREFUSED, ZTS_ECONNRESET))
        return FAIL("%s blocking connect=%d errno=%d zts_errno=%d after %" PRId64
                    " ms, expected ECONNREFUSED",
                    name, rv, e, zts_errno, ms1);
    t0 = now_ms();
    fd = zts_socket(family_of(ip), ZTS_SOCK_STREAM, 0);
    set_nonblock(fd, true);
    rv = zts_connect(fd, (void *)&a.ss, a.len);
    p.fd = fd;
    p.events = ZTS_POLLOUT | ZTS_POLLIN;
    p.revents = 0;
    rv = zts_poll(&p, 1, 10000);
    ms2 = now_ms() - t0;
    zts_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_ERROR, &soerr, &sl);
    zts_close(fd);
    if (rv != 1 || !(p.revents & ZTS_POLLERR) || !errno_is(soerr, ZTS_ECONNREFUSED, ZTS_ECONNRESET))
        return FAIL("%s non-blocking: poll=%d revents=%#x SO_ERROR=%d", name, rv, p.revents,
                    soerr);
    return PASS("%s errno=%d blocking_ms=%" PRId64 " so_error=%d nonblocking_ms=%" PRId64, name,
                e, ms1, soerr, ms2);
}

/* One bind of a table of checks: |first| bound (listening for TCP) then |second| on the
 * same port; |want| 0 = the second bind succeeds, else its errno.  Linux semantics, no
 * SO_REUSEADDR: two wildcards of different families conflict unless the IPv6 one is
 * IPV6_V6ONLY; a dual-stack IPv6 wildcard conflicts with every address of either family. */
typedef struct {
    const char *what;
    int type;
    int fam1;
    const char *ip1; /* NULL: the wildcard */
    bool v6only1;
    int fam2;
    const char *ip2;
    bool v6only2;
    int want;
} bind_check;

static int bind_one(int fam, int type, const char *ip, bool v6only, uint16_t port, int *pfd)
{
    addr_t a;
    int fd = zts_socket(fam, type, 0);

    *pfd = fd;
    if (fd < 0)
        return errno;
    if (v6only && set_int(fd, ZTS_IPPROTO_IPV6, ZTS_IPV6_V6ONLY, 1) != 0)
        return errno;
    if (ip != NULL)
        mkaddr(ip, port, &a);
    else
        mkany(fam, port, &a);
    if (zts_bind(fd, (void *)&a.ss, a.len) != 0)
        return errno;
    if (type == ZTS_SOCK_STREAM && zts_listen(fd, 4) != 0)
        return errno;
    return 0;
}

static int case_addrinuse(const char *name, const char *my4, const char *my6,
                          const char *foreign_ip)
{
    enum { S = ZTS_SOCK_STREAM, D = ZTS_SOCK_DGRAM, F4 = ZTS_AF_INET, F6 = ZTS_AF_INET6 };
    const bind_check checks[] = {
        {"tcp4 addr+addr", S, F4, my4, false, F4, my4, false, ZTS_EADDRINUSE},
        {"tcp4 addr+any", S, F4, my4, false, F4, NULL, false, ZTS_EADDRINUSE},
        {"tcp4 any+addr", S, F4, NULL, false, F4, my4, false, ZTS_EADDRINUSE},
        {"tcp6 addr+addr", S, F6, my6, false, F6, my6, false, ZTS_EADDRINUSE},
        {"tcp6 addr+any6only", S, F6, my6, false, F6, NULL, true, ZTS_EADDRINUSE},
        {"tcp6 addr+anydual", S, F6, my6, false, F6, NULL, false, ZTS_EADDRINUSE},
        {"tcp6 anydual+addr", S, F6, NULL, false, F6, my6, false, ZTS_EADDRINUSE},
        {"tcp anydual+any4", S, F6, NULL, false, F4, NULL, false, ZTS_EADDRINUSE},
        {"tcp any4+anydual", S, F4, NULL, false, F6, NULL, false, ZTS_EADDRINUSE},
        {"tcp any4+any6only", S, F4, NULL, false, F6, NULL, true, 0},
        {"udp4 addr+addr", D, F4, my4, false, F4, my4, false, ZTS_EADDRINUSE},
        {"udp4 addr+any", D, F4, my4, false, F4, NULL, false, ZTS_EADDRINUSE},
        {"udp6 addr+addr", D, F6, my6, false, F6, my6, false, ZTS_EADDRINUSE},
        {"udp6 addr+anydual", D, F6, my6, false, F6, NULL, false, ZTS_EADDRINUSE},
        {"udp6 anydual+addr", D, F6, NULL, false, F6, my6, false, ZTS_EADDRINUSE},
        {"udp anydual+any4", D, F6, NULL, false, F4, NULL, false, ZTS_EADDRINUSE},
        {"udp any4+any6only", D, F4, NULL, false, F6, NULL, true, 0},
    };
    char bad[600] = "";
    size_t nbad = 0;
    addr_t a;
    int rv;

    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        const bind_check *c = &checks[i];
        uint16_t port = (uint16_t)(7700 + i);
        int f1, f2, e1, e2;
        e1 = bind_one(c->fam1, c->type, c->ip1, c->v6only1, port, &f1);
        e2 = e1 == 0 ? bind_one(c->fam2, c->type, c->ip2, c->v6only2, port, &f2) : -1;
        if (e1 != 0) {
            nbad += (size_t)snprintf(bad + nbad, sizeof(bad) - nbad, " [%s: first bind errno=%d]",
                                     c->what, e1);
        } else if (e2 != c->want) {
            nbad += (size_t)snprintf(bad + nbad, sizeof(bad) - nbad,
                                     " [%s: second bind errno=%d, expected %d]", c->what, e2,
                                     c->want);
        }
        if (e2 == ZTS_EADDRINUSE && zts_errno != ZTS_EADDRINUSE)
            nbad += (size_t)snprintf(bad + nbad, sizeof(bad) - nbad, " [%s: zts_errno=%d]",
                                     c->what, zts_errno);
        if (nbad >= sizeof(bad))
            nbad = sizeof(bad) - 1;
        zts_close(f1);
        if (e1 == 0)
            zts_close(f2);
    }
    {
        int f = zts_socket(family_of(foreign_ip), ZTS_SOCK_STREAM, 0);
        mkaddr(foreign_ip, 7699, &a);
        rv = zts_bind(f, (void *)&a.ss, a.len);
        if (rv != -1 || errno != ZTS_EADDRNOTAVAIL)
            nbad += (size_t)snprintf(bad + nbad, sizeof(bad) - nbad,
                                     " [bind to the server's address %s: rv=%d errno=%d, expected "
                                     "EADDRNOTAVAIL]",
                                     foreign_ip, rv, errno);
        zts_close(f);
    }
    if (bad[0] != '\0')
        return FAIL("%s%s", name, bad);
    return PASS("%s checks=%zu", name, sizeof(checks) / sizeof(checks[0]) + 1);
}

/* Connected names: getsockname = our virtual address and an ephemeral port, getpeername = the
 * server's virtual address and port.  The script matches them with the server's accept line. */
static int case_names(const char *name, const char *server_ip, uint16_t port, const char *my_ip)
{
    char local[80], peer[80], want_peer[80], want_ip[80];
    uint8_t b[3];
    int fd = connect_retry(server_ip, port, 20000);

    if (fd < 0)
        return FAIL("%s connect", name);
    sockname(fd, false, local, sizeof(local));
    sockname(fd, true, peer, sizeof(peer));
    ep_str(server_ip, port, want_peer, sizeof(want_peer));
    ep_str(my_ip, 0, want_ip, sizeof(want_ip));
    want_ip[strlen(want_ip) - 1] = '\0'; /* "...:" without the port */
    set_timeo(fd, ZTS_SO_RCVTIMEO, 10000);
    if (send_all(fd, "abc", 3) != 0 || recv_all(fd, b, 3) != 0 || memcmp(b, "abc", 3) != 0) {
        zts_close(fd);
        return FAIL("%s echo errno=%d", name, errno);
    }
    zts_close(fd);
    if (strcmp(peer, want_peer) != 0)
        return FAIL("%s getpeername=%s expected %s", name, peer, want_peer);
    if (strncmp(local, want_ip, strlen(want_ip)) != 0 || strcmp(local + strlen(want_ip), "0") == 0)
        return FAIL("%s getsockname=%s expected %s<ephemeral port>", name, local, want_ip);
    return PASS("%s local=%s peer=%s", name, local, peer);
}

/* listen(fd, 2) with nobody accepting: two of five connects complete, the other SYNs wait;
 * once the server accepts, all five complete and echo. */
static int case_backlog(const char *name, const target *t)
{
    enum { N = 5 };
    int fds[N], connected = 0, late = 0;
    struct zts_pollfd p[N];
    addr_t a;
    int64_t t0;
    char why[120] = "";
    int ctl, rv = -1;

    mkaddr(t->ip4, (uint16_t)(t->base + P_BACKLOG), &a);
    for (int i = 0; i < N; i++) {
        fds[i] = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
        set_nonblock(fds[i], true);
        if (zts_connect(fds[i], (void *)&a.ss, a.len) != -1 || errno != ZTS_EINPROGRESS)
            return FAIL("%s connect %d errno=%d", name, i, errno);
    }
    /* Until two handshakes are done (at most 10 s), then one more second in which the other
     * SYNs (and their retransmissions) must stay unanswered. */
    t0 = now_ms();
    for (int64_t until = t0 + 10000; now_ms() < until;) {
        connected = 0;
        for (int i = 0; i < N; i++)
            p[i] = (struct zts_pollfd){fds[i], ZTS_POLLOUT, 0};
        zts_poll(p, N, 200);
        for (int i = 0; i < N; i++)
            connected += (p[i].revents & ZTS_POLLOUT) != 0;
        if (connected >= 2 && until > now_ms() + 1000)
            until = now_ms() + 1000;
    }
    if (connected != 2) {
        snprintf(why, sizeof(why), "%d of %d connected before any accept, expected 2",
                 connected, N);
        goto out;
    }
    ctl = connect_retry(t->ip4, (uint16_t)(t->base + P_CTL), 10000);
    if (ctl < 0 || send_all(ctl, "go-backlog\n", 11) != 0) {
        snprintf(why, sizeof(why), "control connection failed");
        goto out;
    }
    {
        char ok[3];
        set_timeo(ctl, ZTS_SO_RCVTIMEO, 10000);
        recv_all(ctl, ok, 3);
        zts_close(ctl);
    }
    /* The waiting SYNs are retransmitted (lwIP: 3 s, then 6 s later): allow 20 s. */
    t0 = now_ms();
    while (now_ms() - t0 < 20000) {
        int n = 0;
        for (int i = 0; i < N; i++)
            p[i] = (struct zts_pollfd){fds[i], ZTS_POLLOUT, 0};
        zts_poll(p, N, 500);
        for (int i = 0; i < N; i++)
            n += (p[i].revents & ZTS_POLLOUT) != 0;
        if (n == N)
            break;
    }
    late = (int)(now_ms() - t0);
    for (int i = 0; i < N; i++) {
        int soerr = -1;
        zts_socklen_t sl = sizeof(soerr);
        uint8_t b = 0;
        zts_getsockopt(fds[i], ZTS_SOL_SOCKET, ZTS_SO_ERROR, &soerr, &sl);
        set_nonblock(fds[i], false);
        set_timeo(fds[i], ZTS_SO_RCVTIMEO, 10000);
        if (soerr != 0 || send_all(fds[i], "B", 1) != 0 || recv_all(fds[i], &b, 1) != 0 ||
            b != 'B') {
            snprintf(why, sizeof(why), "connection %d: SO_ERROR=%d echo errno=%d", i, soerr,
                     errno);
            goto out;
        }
    }
    rv = 0;
out:
    for (int i = 0; i < N; i++)
        zts_close(fds[i]);
    if (rv != 0)
        return FAIL("%s %s", name, why);
    return PASS("%s before_accept=%d all_after_ms=%d", name, connected, late);
}

/* shutdown(SHUT_WR) across the network: the server sees EOF and closes; we still read the
 * whole echo, then EOF; sending after SHUT_WR fails. */
static int case_halfclose(const char *name, const char *ip, uint16_t port)
{
    enum { LEN = 200000 };
    uint8_t *buf = malloc(LEN);
    int fd = connect_retry(ip, port, 20000), fl = -1, e_send = 0, rv = -1;
    char why[160] = "";
    ssize_t n;

    if (fd < 0 || buf == NULL) {
        snprintf(why, sizeof(why), "connect");
        goto out;
    }
    set_timeo(fd, ZTS_SO_RCVTIMEO, 15000);
    set_timeo(fd, ZTS_SO_SNDTIMEO, 15000);
    if (send_all(fd, pat_at(0), LEN) != 0 || zts_shutdown(fd, ZTS_SHUT_WR) != 0) {
        snprintf(why, sizeof(why), "send/shutdown errno=%d", errno);
        goto out;
    }
    /* F_GETFL: the read side still open (O_RDONLY), the write side shut (no O_WRONLY). */
    fl = zts_fcntl(fd, ZTS_F_GETFL, 0);
    if (fl < 0 || !(fl & ZTS_O_RDONLY) || (fl & ZTS_O_WRONLY)) {
        snprintf(why, sizeof(why), "F_GETFL after SHUT_WR=%#x", fl);
        goto out;
    }
    n = zts_send(fd, "x", 1, 0);
    e_send = errno;
    if (n != -1 || !(e_send == ZTS_ESHUTDOWN || e_send == ZTS_EPIPE || e_send == ZTS_ENOTCONN)) {
        snprintf(why, sizeof(why), "send after SHUT_WR=%zd errno=%d", n, e_send);
        goto out;
    }
    /* The server reads to our FIN, echoing; all of it comes back, then its FIN. */
    if (recv_all(fd, buf, LEN) != 0 || pat_check(buf, LEN, 0) >= 0) {
        snprintf(why, sizeof(why), "echo after SHUT_WR incomplete or wrong (errno=%d)", errno);
        goto out;
    }
    n = zts_recv(fd, buf, LEN, 0);
    if (n != 0) {
        snprintf(why, sizeof(why), "after the echo recv=%zd errno=%d, expected EOF", n, errno);
        goto out;
    }
    rv = 0;
out:
    free(buf);
    if (fd >= 0)
        zts_close(fd);
    if (rv != 0)
        return FAIL("%s %s", name, why);
    return PASS("%s bytes=%d send_after_shut_errno=%d getfl=%#x", name, LEN, e_send, fl);
}

static int case_rcvtimeo(const char *name, const char *ip, uint16_t port)
{
    struct zts_timeval tv = {0, 0};
    zts_socklen_t l = sizeof(tv);
    uint8_t b[8];
    int64_t t0, ms;
    ssize_t n;
    int fd = connect_retry(ip, port, 20000), e;

    if (fd < 0)
        return FAIL("%s connect", name);
    set_timeo(fd, ZTS_SO_RCVTIMEO, 400);
    zts_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_RCVTIMEO, &tv, &l);
    t0 = now_ms();
    n = zts_recv(fd, b, sizeof(b), 0);
    e = errno;
    ms = now_ms() - t0;
    zts_close(fd);
    if (tv.tv_sec != 0 || tv.tv_usec != 400000)
        return FAIL("%s getsockopt gives {%ld,%ld}, set {0,400000}", name, tv.tv_sec, tv.tv_usec);
    if (n != -1 || e != ZTS_EAGAIN || ms < 350 || ms > 3000)
        return FAIL("%s recv=%zd errno=%d after %" PRId64 " ms, expected EAGAIN after ~400 ms",
                    name, n, e, ms);
    return PASS("%s errno=%d ms=%" PRId64, name, e, ms);
}

static int case_sndtimeo(const char *name, const char *ip, uint16_t port)
{
    int fd = connect_retry(ip, port, 20000), e = 0;
    uint64_t total = 0;
    int64_t t0 = now_ms(), tcall = 0, ms = 0;
    ssize_t n = 0;

    if (fd < 0)
        return FAIL("%s connect", name);
    set_timeo(fd, ZTS_SO_SNDTIMEO, 500);
    /* The server never reads: its window and our buffer fill, then the send times out. */
    while (total < 64ull * 1024 * 1024 && now_ms() - t0 < 60000) {
        tcall = now_ms();
        n = zts_send(fd, pat_at(total), PAT_CHUNK, 0);
        if (n < 0) {
            e = errno;
            break;
        }
        total += (uint64_t)n;
    }
    ms = now_ms() - tcall;
    zts_close(fd);
    if (n != -1 || e != ZTS_EAGAIN || ms < 400 || ms > 5000)
        return FAIL("%s last send=%zd errno=%d after %" PRId64 " ms, %" PRIu64
                    " bytes queued; expected EAGAIN after ~500 ms",
                    name, n, e, ms, total);
    return PASS("%s errno=%d ms=%" PRId64 " queued=%" PRIu64, name, e, ms, total);
}

/* TCP_NODELAY set and read back; then request/response exchanges written in two pieces
 * (10 + 10 bytes, the server answers once it has all 20).  With Nagle the second piece waits for
 * the ACK of the first, which the server delays (nothing to answer yet); with TCP_NODELAY both
 * go at once.  The Nagle figure is printed, not checked. */
static int case_nodelay(const char *name, const char *ip, uint16_t port)
{
    double avg[2];

    for (int nd = 0; nd < 2; nd++) {
        int fd = connect_retry(ip, port, 20000), v = -1;
        zts_socklen_t l = sizeof(v);
        uint8_t b[20];
        int64_t t0;

        if (fd < 0)
            return FAIL("%s connect", name);
        if (set_int(fd, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, nd) != 0 ||
            zts_getsockopt(fd, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, &v, &l) != 0 ||
            (v != 0) != (nd != 0)) {
            zts_close(fd);
            return FAIL("%s TCP_NODELAY set %d, read back %d (errno=%d)", name, nd, v, errno);
        }
        set_timeo(fd, ZTS_SO_RCVTIMEO, 5000);
        t0 = now_ms();
        for (int i = 0; i < 20; i++) {
            if (send_all(fd, pat_at((uint64_t)i), 10) != 0 ||
                send_all(fd, pat_at((uint64_t)i + 10), 10) != 0 || recv_all(fd, b, 20) != 0 ||
                memcmp(b, pat_at((uint64_t)i), 20) != 0) {
                zts_close(fd);
                return FAIL("%s exchange %d failed errno=%d", name, i, errno);
            }
        }
        avg[nd] = (double)(now_ms() - t0) / 20.0;
        zts_close(fd);
    }
    if (avg[1] > 50.0 && avg[1] > avg[0] / 2)
        return FAIL("%s split request/response with TCP_NODELAY takes %.1f ms (Nagle: %.1f ms)",
                    name, avg[1], avg[0]);
    return PASS("%s rtt_ms_nagle=%.2f rtt_ms_nodelay=%.2f", name, avg[0], avg[1]);
}

/* SO_LINGER {1,0}: the server's reset reaches our blocked recv as ECONNRESET; and ours reaches
 * the server (checked by the script in the server's "rstpeer" line). */
static int case_linger(const char *name, const target *t)
{
    struct zts_linger l = {1, 0}, r = {0, 7};
    zts_socklen_t rl = sizeof(r);
    uint8_t b[4];
    int64_t t0;
    ssize_t n;
    int fd, e;
    char local[80];

    fd = connect_retry(t->ip4, (uint16_t)(t->base + P_RST), 20000);
    if (fd < 0)
        return FAIL("%s connect", name);
    set_timeo(fd, ZTS_SO_RCVTIMEO, 10000);
    t0 = now_ms();
    n = zts_send(fd, "R", 1, 0);
    n = zts_recv(fd, b, sizeof(b), 0);
    e = errno;
    zts_close(fd);
    if (n != -1 || e != ZTS_ECONNRESET)
        return FAIL("%s recv after the server's SO_LINGER {1,0} close=%zd errno=%d, "
                    "expected ECONNRESET",
                    name, n, e);
    int64_t ms = now_ms() - t0;

    fd = connect_retry(t->ip4, (uint16_t)(t->base + P_RSTPEER), 20000);
    if (fd < 0)
        return FAIL("%s connect rstpeer", name);
    sockname(fd, false, local, sizeof(local));
    if (send_all(fd, "data", 4) != 0 ||
        zts_setsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_LINGER, &l, sizeof(l)) != 0 ||
        zts_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_LINGER, &r, &rl) != 0 || r.l_onoff != 1 ||
        r.l_linger != 0) {
        zts_close(fd);
        return FAIL("%s SO_LINGER set/get: {%d,%d} errno=%d", name, r.l_onoff, r.l_linger, errno);
    }
    sleep_ms(200); /* let the data arrive first */
    zts_close(fd);
    return PASS("%s reset_seen_ms=%" PRId64 " reset_sent_from=%s", name, ms, local);
}

/* An IPv4 client to the dual-stack IPv6 listener: the server sees ::ffff:<our IPv4>. */
static int case_dualstack(const char *name, const char *ip4, uint16_t port6)
{
    char local[80];
    uint8_t b[4];
    int fd = connect_retry(ip4, port6, 20000);

    if (fd < 0)
        return FAIL("%s connect to the IPv6 wildcard listener over IPv4", name);
    set_timeo(fd, ZTS_SO_RCVTIMEO, 10000);
    sockname(fd, false, local, sizeof(local));
    if (send_all(fd, "dual", 4) != 0 || recv_all(fd, b, 4) != 0 || memcmp(b, "dual", 4) != 0) {
        zts_close(fd);
        return FAIL("%s echo errno=%d", name, errno);
    }
    zts_close(fd);
    return PASS("%s local=%s", name, local);
}

static int cmd_client(const char *home, uint64_t nwid, const target *t, char **cases, int ncases)
{
    char my4[ZTS_INET6_ADDRSTRLEN], my6[ZTS_INET6_ADDRSTRLEN];
    int failed = 0;

    if (node_up(home, nwid, true, true) != 0)
        return 1;
    pthread_mutex_lock(&ev_mu);
    snprintf(my4, sizeof(my4), "%s", st.ip4);
    snprintf(my6, sizeof(my6), "%s", st.ip6);
    pthread_mutex_unlock(&ev_mu);
    for (int i = 0; i < ncases; i++) {
        const char *c = cases[i];
        int64_t t0 = now_ms();
        int rv;
        if (strcmp(c, "tcp4") == 0)
            rv = case_bulk(c, t->ip4, (uint16_t)(t->base + P_ECHO4));
        else if (strcmp(c, "tcp6") == 0)
            rv = case_bulk(c, t->ip6, (uint16_t)(t->base + P_ECHO6));
        else if (strcmp(c, "push4") == 0)
            rv = case_push(c, t->ip4, (uint16_t)(t->base + P_VERIFY));
        else if (strcmp(c, "push6") == 0)
            rv = case_push(c, t->ip6, (uint16_t)(t->base + P_VERIFY));
        else if (strcmp(c, "udp4") == 0)
            rv = case_udp(c, t->ip4, (uint16_t)(t->base + P_UDP4));
        else if (strcmp(c, "udp6") == 0)
            rv = case_udp(c, t->ip6, (uint16_t)(t->base + P_UDP6));
        else if (strcmp(c, "nbpoll") == 0)
            rv = case_nbconnect(c, t->ip4, (uint16_t)(t->base + P_ECHO4), false);
        else if (strcmp(c, "nbselect") == 0)
            rv = case_nbconnect(c, t->ip6, (uint16_t)(t->base + P_ECHO6), true);
        else if (strcmp(c, "refused4") == 0)
            rv = case_refused(c, t->ip4, (uint16_t)(t->base + P_CLOSED));
        else if (strcmp(c, "refused6") == 0)
            rv = case_refused(c, t->ip6, (uint16_t)(t->base + P_CLOSED));
        else if (strcmp(c, "addrinuse") == 0)
            rv = case_addrinuse(c, my4, my6, t->ip4);
        else if (strcmp(c, "names4") == 0)
            rv = case_names(c, t->ip4, (uint16_t)(t->base + P_ECHO4), my4);
        else if (strcmp(c, "names6") == 0)
            rv = case_names(c, t->ip6, (uint16_t)(t->base + P_ECHO6), my6);
        else if (strcmp(c, "dualstack") == 0)
            rv = case_dualstack(c, t->ip4, (uint16_t)(t->base + P_ECHO6));
        else if (strcmp(c, "backlog") == 0)
            rv = case_backlog(c, t);
        else if (strcmp(c, "halfclose") == 0)
            rv = case_halfclose(c, t->ip6, (uint16_t)(t->base + P_ECHO6));
        else if (strcmp(c, "rcvtimeo") == 0)
            rv = case_rcvtimeo(c, t->ip4, (uint16_t)(t->base + P_ECHO4));
        else if (strcmp(c, "sndtimeo") == 0)
            rv = case_sndtimeo(c, t->ip4, (uint16_t)(t->base + P_HOLD));
        else if (strcmp(c, "nodelay") == 0)
            rv = case_nodelay(c, t->ip4, (uint16_t)(t->base + P_REQ20));
        else if (strcmp(c, "linger") == 0)
            rv = case_linger(c, t);
        else
            rv = FAIL("%s unknown case", c);
        say("case %s ms=%" PRId64, c, now_ms() - t0);
        failed += rv != 0;
    }
    zts_stop();
    wait_flag(&st.down, 15000);
    return failed == 0 ? 0 : 1;
}

/* ---- many connections ------------------------------------------------------------------------ */

/* Bursts bigger than this overflow a loopback UDP socket's receive buffer on a slow (ASan)
 * receiver; every lost segment then costs a retransmission timeout.  All connections stay open
 * all along; only the byte exchange and the closes go in batches. */
#define MANY_BATCH 250

/* The host's count of UDP datagrams dropped for a full receive buffer (Linux; -1 elsewhere).
 * System-wide, so only an indication: other processes count too. */
static long udp_rcvbuf_errors(void)
{
    FILE *f = fopen("/proc/net/snmp", "r");
    char line[512];
    long v = -1;
    int col = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *save = NULL, *tok;
        int i = 0;
        if (strncmp(line, "Udp:", 4) != 0)
            continue;
        for (tok = strtok_r(line, " \n", &save); tok != NULL;
             tok = strtok_r(NULL, " \n", &save), i++) {
            if (col < 0 && strcmp(tok, "RcvbufErrors") == 0)
                col = i;
            else if (col >= 0 && i == col && tok[0] >= '0' && tok[0] <= '9')
                v = strtol(tok, NULL, 10);
        }
    }
    fclose(f);
    return v;
}

/* How many of |fds| are still open descriptors (F_GETFL succeeds). */
static int count_open(const int *fds, int n)
{
    int k = 0;

    for (int i = 0; i < n; i++)
        k += zts_fcntl(fds[i], ZTS_F_GETFL, 0) >= 0;
    return k;
}

static int cmd_many_server(const char *home, uint64_t nwid, uint16_t port, int n)
{
    int *fds = calloc((size_t)n, sizeof(int));
    struct zts_pollfd *pf = NULL;
    int lfd = -1, accepted = 0, echoed = 0, eofs = 0, rv = 1;
    int64_t t0 = now_ms(), t1, t2 = 0, poll_ms = 0;
    long polls = 0, drops0 = udp_rcvbuf_errors();
    uint8_t b;

    if (fds == NULL || node_up(home, nwid, true, false) != 0)
        goto out;
    lfd = open_bound(ZTS_AF_INET, ZTS_SOCK_STREAM, port, 255, false);
    if (lfd < 0)
        goto out;
    set_timeo(lfd, ZTS_SO_RCVTIMEO, 60000);
    say("serving many port=%u n=%d", port, n);
    /* Everything at once: all |n| accepted and kept before any byte is exchanged. */
    while (accepted < n) {
        int fd = zts_accept(lfd, NULL, NULL);
        if (fd < 0) {
            say("FAIL many-server accept %d errno=%d", accepted, errno);
            goto out;
        }
        if (accepted == 0)
            t0 = now_ms();
        fds[accepted++] = fd;
        if (accepted % 2000 == 0)
            say("many-server accepted=%d", accepted);
    }
    t1 = now_ms();
    say("many-server accepted=%d secs=%.2f open=%d udp_rcvbuf_errors=+%ld", accepted,
        (double)(t1 - t0) / 1000.0, accepted, udp_rcvbuf_errors() - drops0);
    drops0 = udp_rcvbuf_errors();
    /* The client's order is not the accept order: serve whichever is ready, by zts_poll over
     * every connection still waiting (all |n| at first), first for its byte, then its EOF. */
    pf = calloc((size_t)n, sizeof(*pf));
    if (pf == NULL)
        goto out;
    for (int phase = 0; phase < 2; phase++) {
        int left = n;
        for (int i = 0; i < n; i++)
            pf[i] = (struct zts_pollfd){fds[i], ZTS_POLLIN, 0};
        while (left > 0) {
            int64_t tp = now_ms();
            int r = zts_poll(pf, (zts_nfds_t)left, 60000);
            polls++;
            poll_ms += now_ms() - tp;
            if (r <= 0) {
                say("FAIL many-server poll=%d errno=%d, %d connections still waiting for %s", r,
                    errno, left, phase == 0 ? "their byte" : "EOF");
                goto out;
            }
            for (int k = 0; k < left;) {
                ssize_t got;
                if (pf[k].revents == 0) {
                    k++;
                    continue;
                }
                got = zts_recv(pf[k].fd, &b, 1, 0);
                if (phase == 0) {
                    b = (uint8_t)(b ^ 0xff);
                    if (got != 1 || zts_send(pf[k].fd, &b, 1, 0) != 1) {
                        say("FAIL many-server fd %d: recv=%zd errno=%d", pf[k].fd, got, errno);
                        goto out;
                    }
                    echoed++;
                } else {
                    if (got != 0) {
                        say("FAIL many-server fd %d: recv=%zd errno=%d, expected EOF", pf[k].fd,
                            got, errno);
                        goto out;
                    }
                    eofs++;
                }
                pf[k] = pf[--left];
            }
        }
        say("many-server %s=%d secs=%.2f polls=%ld poll_ms=%" PRId64 " udp_rcvbuf_errors=+%ld",
            phase == 0 ? "echoed" : "eof", phase == 0 ? echoed : eofs,
            (double)(now_ms() - (phase == 0 ? t1 : t2)) / 1000.0, polls, poll_ms,
            udp_rcvbuf_errors() - drops0);
        t2 = now_ms();
        polls = 0;
        poll_ms = 0;
        drops0 = udp_rcvbuf_errors();
    }
    for (int i = 0; i < n; i++)
        zts_close(fds[i]);
    say("PASS many-server accepted=%d echoed=%d eof=%d", accepted, echoed, eofs);
    rv = 0;
out:
    if (lfd >= 0)
        zts_close(lfd);
    free(fds);
    free(pf);
    zts_stop();
    wait_flag(&st.down, 15000);
    return rv;
}

static int cmd_many_client(const char *home, uint64_t nwid, const char *ip, uint16_t port, int n,
                           const char *stopfile)
{
    enum { WINDOW = 200 };
    int *fds = calloc((size_t)n, sizeof(int));
    struct zts_pollfd p[WINDOW];
    int idx[WINDOW], inflight = 0, opened = 0, done = 0, rv = 1;
    int64_t t0, t1, t2, t3;
    addr_t a;

    if (fds == NULL || node_up(home, nwid, true, false) != 0 || mkaddr(ip, port, &a) != 0)
        goto out;
    t0 = now_ms();
    /* At most WINDOW handshakes at a time: the server's backlog is 255. */
    while (done < n) {
        while (opened < n && inflight < WINDOW) {
            int fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
            if (fd < 0) {
                say("FAIL many-client socket %d: errno=%d", opened, errno);
                goto out;
            }
            set_nonblock(fd, true);
            if (zts_connect(fd, (void *)&a.ss, a.len) != -1 || errno != ZTS_EINPROGRESS) {
                say("FAIL many-client connect %d: errno=%d", opened, errno);
                goto out;
            }
            fds[opened] = fd;
            idx[inflight] = opened;
            p[inflight] = (struct zts_pollfd){fd, ZTS_POLLOUT, 0};
            inflight++;
            opened++;
        }
        int r = zts_poll(p, (zts_nfds_t)inflight, 10000);
        if (r <= 0) {
            say("FAIL many-client poll=%d errno=%d with %d in flight, %d connected", r, errno,
                inflight, done);
            goto out;
        }
        for (int k = 0; k < inflight;) {
            int soerr = -1;
            zts_socklen_t sl = sizeof(soerr);
            if (p[k].revents == 0) {
                k++;
                continue;
            }
            zts_getsockopt(p[k].fd, ZTS_SOL_SOCKET, ZTS_SO_ERROR, &soerr, &sl);
            if (soerr != 0) {
                say("FAIL many-client connection %d: SO_ERROR=%d (%d connected)", idx[k], soerr,
                    done);
                goto out;
            }
            done++;
            if (done % 2000 == 0)
                say("many-client connected=%d", done);
            inflight--;
            p[k] = p[inflight];
            idx[k] = idx[inflight];
        }
    }
    t1 = now_ms();
    say("many-client connected=%d secs=%.2f open=%d", done, (double)(t1 - t0) / 1000.0, n);
    for (int i = 0; i < n; i++) {
        set_nonblock(fds[i], false);
        set_timeo(fds[i], ZTS_SO_RCVTIMEO, 60000);
        set_timeo(fds[i], ZTS_SO_SNDTIMEO, 60000);
    }
    for (int k = 0; k < n; k += MANY_BATCH) {
        int end = k + MANY_BATCH < n ? k + MANY_BATCH : n;
        for (int i = k; i < end; i++) {
            uint8_t b = (uint8_t)i;
            if (zts_send(fds[i], &b, 1, 0) != 1) {
                say("FAIL many-client send on connection %d errno=%d", i, errno);
                goto out;
            }
        }
        for (int i = k; i < end; i++) {
            uint8_t b = 0;
            if (zts_recv(fds[i], &b, 1, 0) != 1 || b != (uint8_t)(i ^ 0xff)) {
                say("FAIL many-client recv on connection %d: byte %u errno=%d", i, b, errno);
                goto out;
            }
        }
    }
    t2 = now_ms();
    say("many-client echoed=%d secs=%.2f open=%d", n, (double)(t2 - t1) / 1000.0,
        count_open(fds, n));
    for (int k = 0; k < n; k += MANY_BATCH) {
        int end = k + MANY_BATCH < n ? k + MANY_BATCH : n;
        for (int i = k; i < end; i++)
            if (zts_close(fds[i]) != 0) {
                say("FAIL many-client close %d errno=%d", i, errno);
                goto out;
            }
        sleep_ms(50);
    }
    t3 = now_ms();
    say("PASS many-client n=%d connect_secs=%.2f echo_secs=%.2f close_secs=%.2f", n,
        (double)(t1 - t0) / 1000.0, (double)(t2 - t1) / 1000.0, (double)(t3 - t2) / 1000.0);
    rv = 0;
    /* The node stays up (FINs, their retransmissions) until the server has seen every EOF. */
    while (!file_exists(stopfile) && now_ms() - t3 < 90000)
        sleep_ms(100);
out:
    free(fds);
    zts_stop();
    wait_flag(&st.down, 15000);
    return rv;
}

/* ---- multicast ------------------------------------------------------------------------------ */

static int cmd_mcast_send(const char *home, uint64_t nwid, const char *g4, const char *g6,
                          uint16_t port, int count, const char *uni4)
{
    int s4, s6;
    addr_t a4, a6, au;
    char msg[32];

    if (node_up(home, nwid, true, true) != 0)
        return 1;
    if (mkaddr(g4, port, &a4) != 0 || mkaddr(g6, (uint16_t)(port + 1), &a6) != 0 ||
        mkaddr(uni4, port, &au) != 0)
        return 1;
    s4 = zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);
    s6 = zts_socket(ZTS_AF_INET6, ZTS_SOCK_DGRAM, 0);
    if (s4 < 0 || s6 < 0)
        return 1;
    for (int i = 0; i < count; i++) {
        int n;
        if (i % 5 == 0)
            say("sending %d t=%" PRId64, i, now_ms());
        n = snprintf(msg, sizeof(msg), "m4 %d", i);
        if (zts_sendto(s4, msg, (size_t)n, 0, (void *)&a4.ss, a4.len) != n)
            say("FAIL mcast-send sendto %s errno=%d", g4, errno);
        n = snprintf(msg, sizeof(msg), "m6 %d", i);
        if (zts_sendto(s6, msg, (size_t)n, 0, (void *)&a6.ss, a6.len) != n)
            say("FAIL mcast-send sendto %s errno=%d", g6, errno);
        /* The member that did not join must still get unicast (its socket works); sent all
         * along, since the first ones wait for ARP (lwIP keeps one packet per lookup). */
        if (zts_sendto(s4, "u4", 2, 0, (void *)&au.ss, au.len) != 2)
            say("FAIL mcast-send unicast errno=%d", errno);
        sleep_ms(150);
    }
    say("sent count=%d", count);
    zts_close(s4);
    zts_close(s6);
    zts_stop();
    wait_flag(&st.down, 15000);
    return 0;
}

static int cmd_mcast_recv(const char *home, uint64_t nwid, const char *g4, const char *g6,
                          uint16_t port, bool join, const char *stopfile)
{
    int s4, s6, n4 = 0, n6 = 0, nu = 0, bad = 0, first4 = -1, first6 = -1;
    uint8_t buf[256];
    int64_t t0, t_first = 0;

    if (node_up(home, nwid, true, true) != 0)
        return 1;
    s4 = open_bound(ZTS_AF_INET, ZTS_SOCK_DGRAM, port, 0, false);
    s6 = open_bound(ZTS_AF_INET6, ZTS_SOCK_DGRAM, (uint16_t)(port + 1), 0, true);
    if (s4 < 0 || s6 < 0)
        return 1;
    if (join) {
        zts_ip_mreq m4;
        zts_ipv6_mreq m6;
        memset(&m4, 0, sizeof(m4));
        memset(&m6, 0, sizeof(m6));
        if (zts_inet_pton(ZTS_AF_INET, g4, &m4.imr_multiaddr) != 1 ||
            zts_inet_pton(ZTS_AF_INET6, g6, &m6.ipv6mr_multiaddr) != 1)
            return 1;
        m4.imr_interface.s_addr = ZTS_INADDR_ANY;
        m6.ipv6mr_interface = 0;
        if (zts_setsockopt(s4, ZTS_IPPROTO_IP, ZTS_IP_ADD_MEMBERSHIP, &m4, sizeof(m4)) != 0) {
            say("FAIL mcast-recv IP_ADD_MEMBERSHIP %s errno=%d", g4, errno);
            return 1;
        }
        if (zts_setsockopt(s6, ZTS_IPPROTO_IPV6, ZTS_IPV6_JOIN_GROUP, &m6, sizeof(m6)) != 0) {
            say("FAIL mcast-recv IPV6_JOIN_GROUP %s errno=%d", g6, errno);
            return 1;
        }
        say("joined %s %s", g4, g6);
    } else {
        say("listening (not joined)");
    }
    t0 = now_ms();
    for (;;) {
        struct zts_pollfd p[2] = {{s4, ZTS_POLLIN, 0}, {s6, ZTS_POLLIN, 0}};
        if (join && n4 >= 3 && n6 >= 3)
            break;
        if (!join && file_exists(stopfile))
            break;
        if (join && now_ms() - t0 > 60000) {
            say("FAIL mcast-recv joined: m4=%d m6=%d after 60 s", n4, n6);
            return 1;
        }
        if (zts_poll(p, 2, 200) <= 0)
            continue;
        for (int k = 0; k < 2; k++) {
            struct zts_sockaddr_storage from;
            zts_socklen_t fl = sizeof(from);
            char fs[80];
            ssize_t n;
            if (!(p[k].revents & ZTS_POLLIN))
                continue;
            n = zts_recvfrom(p[k].fd, buf, sizeof(buf) - 1, 0, (void *)&from, &fl);
            if (n < 0)
                continue;
            buf[n] = '\0';
            addr_str(&from, fs, sizeof(fs));
            say("got %s from=%s on=%s t=%" PRId64, (char *)buf, fs, k == 0 ? "v4" : "v6",
                now_ms());
            if (t_first == 0 && buf[0] == 'm')
                t_first = now_ms();
            if (strncmp((char *)buf, "m4 ", 3) == 0 && k == 0) {
                if (n4++ == 0)
                    first4 = atoi((char *)buf + 3);
            } else if (strncmp((char *)buf, "m6 ", 3) == 0 && k == 1) {
                if (n6++ == 0)
                    first6 = atoi((char *)buf + 3);
            } else if (strcmp((char *)buf, "u4") == 0 && k == 0) {
                nu++;
            } else {
                bad++;
            }
        }
    }
    if (join) {
        zts_ip_mreq m4;
        zts_ipv6_mreq m6;
        memset(&m4, 0, sizeof(m4));
        memset(&m6, 0, sizeof(m6));
        zts_inet_pton(ZTS_AF_INET, g4, &m4.imr_multiaddr);
        zts_inet_pton(ZTS_AF_INET6, g6, &m6.ipv6mr_multiaddr);
        if (zts_setsockopt(s4, ZTS_IPPROTO_IP, ZTS_IP_DROP_MEMBERSHIP, &m4, sizeof(m4)) != 0 ||
            zts_setsockopt(s6, ZTS_IPPROTO_IPV6, ZTS_IPV6_LEAVE_GROUP, &m6, sizeof(m6)) != 0) {
            say("FAIL mcast-recv leaving the groups errno=%d", errno);
            return 1;
        }
    }
    zts_close(s4);
    zts_close(s6);
    zts_stop();
    wait_flag(&st.down, 15000);
    if (bad != 0)
        return say("FAIL mcast-recv %d unexpected datagrams", bad), 1;
    if (join) {
        /* The first datagram numbers say how many of the sender's were lost before the
         * subscription took effect. */
        say("PASS mcast-recv joined m4=%d m6=%d first_m4=%d first_m6=%d "
            "first_ms_after_join=%" PRId64,
            n4, n6, first4, first6, t_first - t0);
        return 0;
    }
    if (n4 != 0 || n6 != 0 || nu == 0)
        return say("FAIL mcast-recv not joined: m4=%d m6=%d unicast=%d (expected 0, 0, >0)", n4,
                   n6, nu),
               1;
    say("PASS mcast-recv not-joined m4=0 m6=0 unicast=%d", nu);
    return 0;
}

/* ---- ad-hoc --------------------------------------------------------------------------------- */

static int adhoc_up(const char *home, uint64_t nwid)
{
    struct zts_sockaddr_storage ss;
    char want[ZTS_INET6_ADDRSTRLEN];

    if (node_up(home, nwid, false, true) != 0)
        return -1;
    if (zts_get_6plane_addr(&ss, nwid, st.node_id) != ZTS_ERR_OK)
        return -1;
    zts_inet_ntop(ZTS_AF_INET6, &((struct zts_sockaddr_in6 *)(void *)&ss)->sin6_addr, want,
                  sizeof(want));
    if (strcmp(want, st.ip6) != 0) {
        say("FAIL adhoc address %s is not the 6PLANE address %s", st.ip6, want);
        return -1;
    }
    say("adhoc nwid=%016" PRIx64 " 6plane=%s", nwid, want);
    return 0;
}

static int cmd_adhoc_server(const char *home, uint16_t first, uint16_t last, uint16_t pin,
                            uint16_t pout, const char *stopfile)
{
    uint64_t nwid = zts_generate_adhoc_nwid_from_range(first, last);
    int rv;

    if (adhoc_up(home, nwid) != 0)
        return 1;
    int fin = open_bound(ZTS_AF_INET6, ZTS_SOCK_STREAM, pin, 16, false);
    int fout = open_bound(ZTS_AF_INET6, ZTS_SOCK_STREAM, pout, 16, false);
    if (fin < 0 || fout < 0)
        return 1;
    spawn(listener_main, spawn_arg(P_ECHO6, fin, pin));
    spawn(listener_main, spawn_arg(P_ECHO6, fout, pout));
    say("serving adhoc in=%u out=%u", pin, pout);
    while (!file_exists(stopfile))
        sleep_ms(100);
    print_stats("adhoc-server");
    quitting = true;
    rv = zts_free();
    say("stopped zts_free=%d", rv);
    return rv == ZTS_ERR_OK ? 0 : 1;
}

static int cmd_adhoc_client(const char *home, uint16_t first, uint16_t last, uint64_t server,
                            uint16_t pin, uint16_t pout)
{
    uint64_t nwid = zts_generate_adhoc_nwid_from_range(first, last);
    struct zts_sockaddr_storage ss;
    char sip[ZTS_INET6_ADDRSTRLEN], why[160];
    double secs;
    int fd, failed = 0;

    if (nwid != (0xff00000000000000ull | (uint64_t)first << 40 | (uint64_t)last << 24)) {
        say("FAIL adhoc nwid %016" PRIx64, nwid);
        return 1;
    }
    if (adhoc_up(home, nwid) != 0)
        return 1;
    zts_get_6plane_addr(&ss, nwid, server);
    zts_inet_ntop(ZTS_AF_INET6, &((struct zts_sockaddr_in6 *)(void *)&ss)->sin6_addr, sip,
                  sizeof(sip));
    /* Inside the range: TCP works (1 MiB echoed and checked). */
    fd = connect_retry(sip, pin, 30000);
    if (fd < 0) {
        say("FAIL adhoc-in connect [%s]:%u", sip, pin);
        print_stats("adhoc-client");
        failed++;
    } else if (echo_transfer(fd, 1024 * 1024, &secs, why, sizeof(why)) != 0) {
        say("FAIL adhoc-in [%s]:%u %s", sip, pin, why);
        zts_close(fd);
        failed++;
    } else {
        say("PASS adhoc-in server=[%s]:%u bytes=1048576 secs=%.2f", sip, pin, secs);
        zts_close(fd);
    }
    /* Outside: the network's rules drop the SYN; the connect never completes. */
    {
        addr_t a;
        struct zts_pollfd p;
        int rv;
        mkaddr(sip, pout, &a);
        fd = zts_socket(ZTS_AF_INET6, ZTS_SOCK_STREAM, 0);
        set_nonblock(fd, true);
        rv = zts_connect(fd, (void *)&a.ss, a.len);
        p = (struct zts_pollfd){fd, ZTS_POLLOUT, 0};
        rv = zts_poll(&p, 1, 6000);
        zts_close(fd);
        if (rv != 0) {
            say("FAIL adhoc-out port %u outside %u-%u: poll=%d revents=%#x (connected or "
                "refused)",
                pout, first, last, rv, p.revents);
            failed++;
        } else {
            say("PASS adhoc-out port=%u outside %u-%u: no connection after 6 s", pout, first,
                last);
        }
    }
    zts_stop();
    wait_flag(&st.down, 15000);
    return failed == 0 ? 0 : 1;
}

/* ---- start/stop cycles ---------------------------------------------------------------------- */

static int cmd_cycles(const char *home, uint64_t nwid, int n, const char *ip, uint16_t port)
{
    uint64_t id = 0;
    char why[160];
    double secs;
    int rv, fd, refused = 0;

    for (int i = 0; i <= n; i++) {
        int64_t t0 = now_ms(), t_online, t_ready, t_down;
        pthread_mutex_lock(&ev_mu);
        st.online = st.down = false;
        pthread_mutex_unlock(&ev_mu);
        /* api.md §5.1: once NODE_DOWN has been delivered, zts_start may be called again.
         * A refusal is counted (and fails the test at the end); the start is retried for 2 s so
         * that the remaining cycles are still exercised. */
        rv = zts_start(home, on_event, 0);
        if (rv == ZTS_ERR_SERVICE && i > 0) {
            refused++;
            while (rv == ZTS_ERR_SERVICE && now_ms() - t0 < 2000) {
                sleep_ms(5);
                rv = zts_start(home, on_event, 0);
            }
        }
        if (rv != ZTS_ERR_OK) {
            say("FAIL cycle %d zts_start=%d", i, rv);
            return 1;
        }
        if (!wait_flag(&st.online, 30000)) {
            say("FAIL cycle %d no NODE_ONLINE within 30 s", i);
            return 1;
        }
        t_online = now_ms();
        if (id == 0)
            id = st.node_id;
        if (st.node_id != id) {
            say("FAIL cycle %d node id %010" PRIx64 " != %010" PRIx64, i, st.node_id, id);
            return 1;
        }
        /* The first cycle joins; later ones re-join from the network cache by themselves. */
        if (i == 0 && zts_join(nwid) != ZTS_ERR_OK) {
            say("FAIL cycle %d zts_join", i);
            return 1;
        }
        if (!wait_flag(&st.ready4, 30000)) {
            say("FAIL cycle %d network not ready within 30 s", i);
            return 1;
        }
        t_ready = now_ms();
        if (i == n)
            break; /* the last start stays up for the transfer */
        rv = zts_stop();
        if (rv != ZTS_ERR_OK || !wait_flag(&st.down, 30000)) {
            say("FAIL cycle %d zts_stop=%d, NODE_DOWN %s", i, rv, st.down ? "seen" : "missing");
            return 1;
        }
        t_down = now_ms();
        /* Stopped: socket calls say ZTS_ERR_SERVICE. */
        rv = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
        if (rv != ZTS_ERR_SERVICE) {
            say("FAIL cycle %d zts_socket while stopped=%d", i, rv);
            return 1;
        }
        say("cycle %d online_ms=%" PRId64 " ready_ms=%" PRId64 " down_ms=%" PRId64, i + 1,
            t_online - t0, t_ready - t0, t_down - t_ready);
    }
    fd = connect_retry(ip, port, 30000);
    if (fd < 0) {
        say("FAIL cycles: no connection after %d cycles", n);
        return 1;
    }
    if (echo_transfer(fd, 4 * 1024 * 1024, &secs, why, sizeof(why)) != 0) {
        say("FAIL cycles transfer: %s", why);
        return 1;
    }
    zts_close(fd);
    say("transfer bytes=4194304 secs=%.2f", secs);
    pthread_mutex_lock(&ev_mu);
    st.down = false;
    pthread_mutex_unlock(&ev_mu);
    rv = zts_stop();
    if (rv != ZTS_ERR_OK || !wait_flag(&st.down, 30000)) {
        say("FAIL final zts_stop=%d", rv);
        return 1;
    }
    rv = zts_free();
    if (rv != ZTS_ERR_OK) {
        say("FAIL zts_free=%d", rv);
        return 1;
    }
    rv = zts_start(home, on_event, 0);
    if (rv != ZTS_ERR_SERVICE) {
        say("FAIL zts_start after zts_free=%d, expected ZTS_ERR_SERVICE", rv);
        return 1;
    }
    rv = zts_free();
    if (rv != ZTS_ERR_SERVICE) {
        say("FAIL second zts_free=%d, expected ZTS_ERR_SERVICE", rv);
        return 1;
    }
    if (refused > 0) {
        say("FAIL cycles: zts_start returned ZTS_ERR_SERVICE right after ZTS_EVENT_NODE_DOWN "
            "in %d of %d restarts (api.md 5.1: waiting for NODE_DOWN is enough)",
            refused, n);
        return 1;
    }
    say("PASS cycles n=%d node=%010" PRIx64 " downs=%u", n, id, st.n_down);
    return 0;
}

/* ---- a peer killed mid-transfer -------------------------------------------------------------- */

typedef struct {
    int fd;
    bool up;
    _Atomic uint64_t bytes;
    _Atomic int64_t last_ok;
    ssize_t rv;
    int err;
    _Atomic int64_t end;
} flow;

static void *flow_main(void *arg)
{
    flow *f = arg;
    uint8_t *buf = malloc(PAT_CHUNK);
    ssize_t n;

    if (buf == NULL)
        return NULL;
    for (;;) {
        uint64_t b = atomic_load(&f->bytes);
        n = f->up ? zts_send(f->fd, pat_at(b), PAT_CHUNK, 0) : zts_recv(f->fd, buf, PAT_CHUNK, 0);
        if (n <= 0)
            break;
        if (!f->up && pat_check(buf, (size_t)n, b) >= 0) {
            n = -2;
            break;
        }
        atomic_store(&f->bytes, b + (uint64_t)n);
        atomic_store(&f->last_ok, now_ms());
    }
    f->rv = n;
    f->err = errno;
    f->end = now_ms();
    free(buf);
    return NULL;
}

static int cmd_kill_client(const char *home, uint64_t nwid, const char *ip, uint16_t base)
{
    flow f[2];
    pthread_t th[2];
    int64_t t0;
    int failed = 0;

    if (node_up(home, nwid, true, false) != 0)
        return 1;
    memset(f, 0, sizeof(f));
    f[0].up = true;
    f[0].fd = connect_retry(ip, (uint16_t)(base + P_SINK), 30000);
    f[1].fd = connect_retry(ip, (uint16_t)(base + P_SOURCE), 30000);
    if (f[0].fd < 0 || f[1].fd < 0)
        return 1;
    for (int k = 0; k < 2; k++) {
        /* The download: keepalive (2 s idle, 3 probes 1 s apart) ends the blocked recv; the
         * upload: SO_SNDTIMEO ends the blocked send once the buffers are full (lwIP would
         * retransmit for minutes).  SO_RCVTIMEO bounds the recv in any case. */
        if (!f[k].up &&
            (set_int(f[k].fd, ZTS_SOL_SOCKET, ZTS_SO_KEEPALIVE, 1) != 0 ||
             set_int(f[k].fd, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPIDLE, 2) != 0 ||
             set_int(f[k].fd, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPINTVL, 1) != 0 ||
             set_int(f[k].fd, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPCNT, 3) != 0)) {
            say("FAIL kill-client: keepalive options errno=%d", errno);
            return 1;
        }
        set_timeo(f[k].fd, ZTS_SO_SNDTIMEO, 5000);
        set_timeo(f[k].fd, ZTS_SO_RCVTIMEO, 15000);
        atomic_store(&f[k].last_ok, now_ms());
        pthread_create(&th[k], NULL, flow_main, &f[k]);
    }
    t0 = now_ms();
    while (atomic_load(&f[0].bytes) < 4u << 20 || atomic_load(&f[1].bytes) < 4u << 20) {
        if (now_ms() - t0 > 30000 || f[0].end != 0 || f[1].end != 0) {
            say("FAIL kill-client: transfer did not get going (up=%" PRIu64 " down=%" PRIu64 ")",
                atomic_load(&f[0].bytes), atomic_load(&f[1].bytes));
            return 1;
        }
        sleep_ms(50);
    }
    say("transferring up=%" PRIu64 " down=%" PRIu64, atomic_load(&f[0].bytes),
        atomic_load(&f[1].bytes));
    for (int k = 0; k < 2; k++) {
        const char *what = f[k].up ? "send" : "recv";
        int e;
        int64_t after;
        pthread_join(th[k], NULL);
        e = f[k].err;
        after = f[k].end - atomic_load(&f[k].last_ok);
        if (f[k].rv == -1 && (e == ZTS_ETIMEDOUT || e == ZTS_ECONNRESET ||
                              e == ZTS_ECONNABORTED || e == ZTS_EAGAIN)) {
            say("PASS kill-%s rv=-1 errno=%d (%s) ms_after_last_progress=%" PRId64
                " bytes=%" PRIu64,
                what, e, strerror(e), after, atomic_load(&f[k].bytes));
        } else {
            say("FAIL kill-%s rv=%zd errno=%d (%s) ms_after_last_progress=%" PRId64, what,
                f[k].rv, e, strerror(e), after);
            failed++;
        }
        zts_close(f[k].fd);
    }
    zts_stop();
    wait_flag(&st.down, 15000);
    return failed == 0 ? 0 : 1;
}

/* ---- main ----------------------------------------------------------------------------------- */

static uint64_t hex(const char *s)
{
    return strtoull(s, NULL, 16);
}

static uint16_t u16(const char *s)
{
    return (uint16_t)strtoul(s, NULL, 10);
}

static int usage(void)
{
    fprintf(stderr, "usage: zts_peer server|client|many-server|many-client|mcast-send|"
                    "mcast-recv|adhoc-server|adhoc-client|cycles|kill-client ... "
                    "(see the comment at the top of zts_peer.c)\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *cmd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3)
        return usage();
    cmd = argv[1];
    arm_alarm();
    pat_init();
    if (strcmp(cmd, "server") == 0 && argc == 6)
        return cmd_server(argv[2], hex(argv[3]), u16(argv[4]), argv[5]);
    if (strcmp(cmd, "client") == 0 && argc >= 8) {
        target t = {argv[4], argv[5], u16(argv[6])};
        return cmd_client(argv[2], hex(argv[3]), &t, argv + 7, argc - 7);
    }
    if (strcmp(cmd, "many-server") == 0 && argc == 6)
        return cmd_many_server(argv[2], hex(argv[3]), u16(argv[4]), atoi(argv[5]));
    if (strcmp(cmd, "many-client") == 0 && argc == 8)
        return cmd_many_client(argv[2], hex(argv[3]), argv[4], u16(argv[5]), atoi(argv[6]),
                               argv[7]);
    if (strcmp(cmd, "mcast-send") == 0 && argc == 9)
        return cmd_mcast_send(argv[2], hex(argv[3]), argv[4], argv[5], u16(argv[6]),
                              atoi(argv[7]), argv[8]);
    if (strcmp(cmd, "mcast-recv") == 0 && argc == 9)
        return cmd_mcast_recv(argv[2], hex(argv[3]), argv[4], argv[5], u16(argv[6]),
                              strcmp(argv[7], "join") == 0, argv[8]);
    if (strcmp(cmd, "adhoc-server") == 0 && argc == 8)
        return cmd_adhoc_server(argv[2], u16(argv[3]), u16(argv[4]), u16(argv[5]), u16(argv[6]),
                                argv[7]);
    if (strcmp(cmd, "adhoc-client") == 0 && argc == 8)
        return cmd_adhoc_client(argv[2], u16(argv[3]), u16(argv[4]), hex(argv[5]), u16(argv[6]),
                                u16(argv[7]));
    if (strcmp(cmd, "cycles") == 0 && argc == 7)
        return cmd_cycles(argv[2], hex(argv[3]), atoi(argv[4]), argv[5], u16(argv[6]));
    if (strcmp(cmd, "kill-client") == 0 && argc == 6)
        return cmd_kill_client(argv[2], hex(argv[3]), argv[4], u16(argv[5]));
    return usage();
}
