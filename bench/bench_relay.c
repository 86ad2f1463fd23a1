/*
 * bench_relay: what the TCP fallback relay (zt-relay, docs/relay.md) costs, beside direct UDP
 * in the same run, on loopback.  Not a test; bench/bench_relay.sh starts the relay and runs
 * this against it.
 *
 *   bench_relay --port PORT --pid PID [--seconds S] [--size B] [--window W] [--rtt N]
 *               [--idle N] [--idle-udp N]
 *
 * A UDP echo thread of its own on 127.0.0.1 answers everything.  Then:
 *   throughput  |--window| (64) datagrams of |--size| (1400) bytes in flight for |--seconds|
 *               (5): directly to the echo over UDP, then through the relay (framed over TCP
 *               to 127.0.0.1:PORT); MB/s of payload echoed, and the relay's CPU (utime +
 *               stime of /proc/PID/stat) per Gbit/s of payload it carried (both directions);
 *   round trip  one datagram at a time, |--rtt| (5000) times each way: median and p99;
 *   idle        |--idle| (10000) TCP clients that send the hello and stay, and |--idle-udp|
 *               (0) clients that also have one datagram echoed (so the relay made their UDP
 *               socket) and stay; the relay's RSS (/proc/PID/status) before and 3 s after
 *               (past the relay's sweep, which frees the buffers of quiet clients), and the
 *               kernel's TCP/UDP socket memory (/proc/net/sockstat, system-wide).
 * The open files limit is raised to the hard limit.  Prints figures only; no pass/fail.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "relay_addr.h"

#define MAX_WINDOW 1024
#define ECHO_BATCH 64

typedef struct {
    uint16_t port;
    int pid;
    double seconds;
    size_t size;
    unsigned window, rtt, idle, idle_udp;
} opts;

typedef struct {
    int fd;
    uint16_t port;
    atomic_bool stop;
} echo_server;

/* ---- clocks, /proc ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of |pid| in seconds; -1 if unreadable. */
static double cpu_s(int pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut, st;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                            &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A "Key: value" number of |path| (VmRSS of /proc/PID/status, ...); -1 if absent. */
static long proc_field(const char *path, const char *key, int column)
{
    char line[512];
    long v = -1;
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, key, strlen(key)) == 0) {
            char *p = line + strlen(key);
            for (int i = 0; i < column && p != NULL; i++) {
                p = strchr(p + 1, ' ');
                while (p != NULL && p[1] == ' ')
                    p++;
            }
            if (p != NULL)
                v = strtol(p, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static long rss_kib(int pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    return proc_field(path, "VmRSS:", 0);
}

/* ---- the echo ---- */

static void *echo_main(void *arg)
{
    echo_server *e = arg;
    static uint8_t bufs[ECHO_BATCH][2048];
    struct mmsghdr mm[ECHO_BATCH];
    struct iovec iov[ECHO_BATCH];
    struct sockaddr_in from[ECHO_BATCH];

    while (!atomic_load(&e->stop)) {
        int n;
        for (int i = 0; i < ECHO_BATCH; i++) {
            iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
            memset(&mm[i], 0, sizeof(mm[i]));
            mm[i].msg_hdr.msg_iov = &iov[i];
            mm[i].msg_hdr.msg_iovlen = 1;
            mm[i].msg_hdr.msg_name = &from[i];
            mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
        }
        n = recvmmsg(e->fd, mm, ECHO_BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0)
            continue; /* SO_RCVTIMEO: look at |stop| again */
        for (int i = 0; i < n; i++)
            iov[i].iov_len = mm[i].msg_len;
        for (int done = 0; done < n;) {
            int k = sendmmsg(e->fd, mm + done, (unsigned)(n - done), 0);
            done += k > 0 ? k : 1;
        }
    }
    return NULL;
}

static int echo_start(echo_server *e, pthread_t *th)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
    socklen_t len = sizeof(sin);
    int big = 4 << 20;

    e->fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (e->fd < 0 || bind(e->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        getsockname(e->fd, (struct sockaddr *)&sin, &len) != 0)
        return -1;
    (void)setsockopt(e->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    (void)setsockopt(e->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    (void)setsockopt(e->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    e->port = ntohs(sin.sin_port);
    atomic_init(&e->stop, false);
    return pthread_create(th, NULL, echo_main, e) == 0 ? 0 : -1;
}

/* ---- the two paths: a connected UDP socket, or a TCP connection to the relay ---- */

typedef struct {
    bool is_relay;
    int fd;
    zt_relay_addr echo;
    uint8_t *in;
    size_t in_len;
} path;

static int path_open(path *p, bool is_relay, const opts *o, uint16_t echo_port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int on = 1, big = 4 << 20;

    memset(p, 0, sizeof(*p));
    p->is_relay = is_relay;
    p->echo = (zt_relay_addr){.family = ZT_RELAY_AF_INET, .ip = {127, 0, 0, 1}, .port = echo_port};
    p->in = malloc(4 * ZT_RELAY_MSG_MAX);
    p->fd = socket(AF_INET, is_relay ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (p->in == NULL || p->fd < 0)
        return -1;
    sin.sin_port = htons(is_relay ? o->port : echo_port);
    (void)setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    if (is_relay)
        (void)setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    if (connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        return -1;
    if (is_relay) {
        uint8_t hello[16];
        zt_ssize n = zt__relay_frame_write_hello(hello, sizeof(hello), 1, 14, 1);
        if (send(p->fd, hello, (size_t)n, MSG_NOSIGNAL) != n)
            return -1;
    }
    return 0;
}

static void path_close(path *p)
{
    if (p->fd >= 0)
        close(p->fd);
    free(p->in);
}

/* Sends |count| datagrams of |size| bytes, the first 8 carrying |seq|, |seq|+1, ... */
static int path_send(path *p, uint64_t seq, unsigned count, size_t size)
{
    static uint8_t buf[MAX_WINDOW * (ZT_RELAY_MSG_MAX / 8)];
    static struct mmsghdr mm[MAX_WINDOW];
    static struct iovec iov[MAX_WINDOW];
    size_t off = 0;

    for (unsigned i = 0; i < count; i++) {
        uint8_t *d = buf + off + (p->is_relay ? ZT_RELAY_HEAD_LEN + ZT_RELAY_PREFIX4_LEN : 0);
        uint64_t s = seq + i;
        memset(d, 0x5a, size);
        memcpy(d, &s, sizeof(s));
        if (p->is_relay)
            off += (size_t)zt__relay_frame_write_head(buf + off, sizeof(buf) - off, &p->echo,
                                                      size);
        off += size;
        iov[i] = (struct iovec){d, size};
        mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
    }
    if (!p->is_relay) { /* batched like the relay's side, for a fair comparison */
        for (unsigned done = 0; done < count;) {
            int k = sendmmsg(p->fd, mm + done, count - done, 0);
            if (k <= 0)
                return -1;
            done += (unsigned)k;
        }
        return 0;
    }
    for (size_t done = 0; done < off;) {
        ssize_t n = send(p->fd, buf + done, off - done, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* Waits up to |timeout_ms| for echoes; returns how many arrived (their payload bytes added to
 * |*bytes|, the last sequence number in |*last|), 0 (a part of one only), -2 when nothing at
 * all came in time, or -1 on error. */
static int path_recv(path *p, int timeout_ms, uint64_t *bytes, uint64_t *last)
{
    struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
    int got = 0;

    if (poll(&pfd, 1, timeout_ms) <= 0)
        return -2;
    if (!p->is_relay) {
        static uint8_t d[MAX_WINDOW][2048];
        static struct mmsghdr mm[MAX_WINDOW];
        static struct iovec iov[MAX_WINDOW];
        static bool is_ready;
        for (int i = 0; i < MAX_WINDOW && !is_ready; i++) {
            iov[i] = (struct iovec){d[i], sizeof(d[i])};
            mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
        }
        is_ready = true;
        got = recvmmsg(p->fd, mm, MAX_WINDOW, MSG_DONTWAIT, NULL);
        for (int i = 0; i < got; i++) {
            *bytes += mm[i].msg_len;
            memcpy(last, d[i], sizeof(*last));
        }
        return got > 0 ? got : 0;
    }
    ssize_t n = recv(p->fd, p->in + p->in_len, 4 * ZT_RELAY_MSG_MAX - p->in_len, MSG_DONTWAIT);
    if (n <= 0)
        return n == 0 ? -1 : 0;
    p->in_len += (size_t)n;
    size_t off = 0;
    for (;;) {
        zt_ssize m = zt__relay_frame_scan(p->in + off, p->in_len - off, ZT_RELAY_BODY_MAX);
        zt_relay_msg msg;
        if (m < 0)
            return -1;
        if (m == 0)
            break;
        if (zt__relay_frame_parse(p->in + off + 5, (size_t)m - 5, &msg) == 0 &&
            msg.type == ZT_RELAY_MSG_DATA) {
            *bytes += msg.len;
            if (msg.len >= sizeof(*last))
                memcpy(last, msg.data, sizeof(*last));
            got++;
        }
        off += (size_t)m;
    }
    memmove(p->in, p->in + off, p->in_len - off);
    p->in_len -= off;
    return got;
}

/* ---- the measures ---- */

typedef struct {
    double mbps, dps, cpu, lost;
} tput_result;

/* |window| datagrams in flight for |seconds|: a new one for each echo; a window with no echo
 * for 200 ms is counted lost and sent again. */
static int throughput(const opts *o, bool is_relay, uint16_t echo_port, tput_result *res)
{
    uint64_t bytes = 0, count = 0, last = 0, seq = 0, lost = 0;
    unsigned inflight = 0;
    double t0, t, cpu0;
    path p;
    int rv = -1;

    if (path_open(&p, is_relay, o, echo_port) != 0)
        goto out;
    cpu0 = is_relay ? cpu_s(o->pid) : 0;
    t0 = t = now_s();
    while (t - t0 < o->seconds) {
        int n;
        if (inflight < o->window) {
            if (path_send(&p, seq, o->window - inflight, o->size) != 0)
                goto out;
            seq += o->window - inflight;
            inflight = o->window;
        }
        n = path_recv(&p, 200, &bytes, &last);
        if (n == -1)
            goto out;
        if (n == -2) {
            lost += inflight;
            inflight = 0;
            n = 0;
        }
        inflight -= (unsigned)n < inflight ? (unsigned)n : inflight;
        count += (unsigned)n;
        t = now_s();
    }
    res->mbps = (double)bytes / (t - t0) / 1e6;
    res->dps = (double)count / (t - t0);
    res->lost = (double)lost;
    /* Relay CPU in cores, per Gbit/s of payload carried in both directions. */
    res->cpu = is_relay ? (cpu_s(o->pid) - cpu0) / (t - t0) : 0;
    rv = 0;
out:
    path_close(&p);
    return rv;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* True once the echo of |seq| came back within |timeout_ms| (others are skipped). */
static bool wait_echo(path *p, uint64_t seq, int timeout_ms)
{
    uint64_t bytes = 0, last = 0;
    double end = now_s() + timeout_ms / 1e3;

    while (last != seq && now_s() < end)
        if (path_recv(p, timeout_ms, &bytes, &last) == -1)
            return false;
    return last == seq;
}

/* One datagram at a time; median and p99 in microseconds. */
static int round_trips(const opts *o, bool is_relay, uint16_t echo_port, double *median,
                       double *p99)
{
    double *rtt = calloc(o->rtt, sizeof(*rtt));
    unsigned done = 0;
    path p = {.fd = -1};
    int rv = -1;

    if (rtt == NULL || path_open(&p, is_relay, o, echo_port) != 0)
        goto out;
    for (uint64_t seq = 1; done < o->rtt; seq++) {
        double t = now_s();
        if (path_send(&p, seq, 1, o->size) != 0)
            goto out;
        if (wait_echo(&p, seq, 1000))
            rtt[done++] = (now_s() - t) * 1e6;
    }
    qsort(rtt, o->rtt, sizeof(*rtt), cmp_double);
    *median = rtt[o->rtt / 2];
    *p99 = rtt[(size_t)((double)o->rtt * 0.99)];
    rv = 0;
out:
    path_close(&p);
    free(rtt);
    return rv;
}

/* Kernel socket memory, system-wide, in pages: "TCP: ... mem N" and "UDP: ... mem N". */
static long sock_pages(void)
{
    long tcp = proc_field("/proc/net/sockstat", "TCP:", 9); /* inuse N orphan N tw N alloc N mem N */
    long udp = proc_field("/proc/net/sockstat", "UDP:", 3); /* inuse N mem N */
    return (tcp > 0 ? tcp : 0) + (udp > 0 ? udp : 0);
}

/* Kernel objects of sockets, system-wide, in KiB (/proc/slabinfo, readable by root only; -1
 * otherwise): sockets, their inodes and files, epoll entries. */
static long slab_kib(void)
{
    static const char *const caches[] = {"TCP",   "TCPv6",          "UDP",  "UDPv6",
                                         "sock_inode_cache", "filp", "dentry", "eventpoll_epi"};
    char line[512], name[64];
    unsigned long active, total, size;
    double sum = 0;
    FILE *f = fopen("/proc/slabinfo", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%63s %lu %lu %lu", name, &active, &total, &size) != 4)
            continue;
        for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++)
            if (strcmp(name, caches[i]) == 0)
                sum += (double)active * (double)size;
    }
    fclose(f);
    return (long)(sum / 1024);
}

/* |n| clients that said hello (and, with |with_udp|, had one datagram echoed), held open 3 s;
 * the relay's RSS before and after. */
static int idle_tunnels(const opts *o, unsigned n, bool with_udp, uint16_t echo_port)
{
    int *fds = malloc(n * sizeof(*fds));
    long rss0 = rss_kib(o->pid), pages0 = sock_pages(), slab0 = slab_kib(), rss1, pages1, slab1;
    unsigned opened = 0, echoed = 0;
    double t0 = now_s();
    path p;

    if (fds == NULL)
        return -1;
    for (; opened < n; opened++) {
        if (path_open(&p, true, o, echo_port) != 0) {
            fprintf(stderr, "bench_relay: idle client %u: %s\n", opened, strerror(errno));
            path_close(&p);
            break;
        }
        if (with_udp && path_send(&p, opened + 1, 1, 100) == 0 && wait_echo(&p, opened + 1, 2000))
            echoed++;
        fds[opened] = p.fd;
        free(p.in);
    }
    double setup = now_s() - t0;
    sleep(3); /* two sweeps: buffers of quiet clients are freed */
    rss1 = rss_kib(o->pid);
    pages1 = sock_pages();
    slab1 = slab_kib();
    printf("  %u clients%s (opened in %.1f s%s):\n"
           "    relay RSS %ld -> %ld KiB: %.0f bytes per tunnel\n"
           "    kernel, system-wide, both ends of each connection: socket buffers +%ld pages "
           "(%.1f KiB per tunnel), socket objects +%ld KiB (%.1f KiB per tunnel)\n",
           opened, with_udp ? " with a UDP socket" : " (hello only)", setup,
           with_udp ? (echoed == opened ? ", each echoed once" : ", NOT all echoed") : "",
           rss0, rss1, opened > 0 ? (double)(rss1 - rss0) * 1024 / opened : 0.0,
           pages1 - pages0, opened > 0 ? (double)(pages1 - pages0) * 4 / opened : 0.0,
           slab1 - slab0, opened > 0 && slab0 >= 0 ? (double)(slab1 - slab0) / opened : 0.0);
    for (unsigned i = 0; i < opened; i++)
        close(fds[i]);
    free(fds);
    sleep(1);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_relay --port PORT --pid PID [--seconds S] [--size B] "
                    "[--window W] [--rtt N] [--idle N] [--idle-udp N]\n");
    exit(2);
}

static void parse(int argc, char **argv, opts *o)
{
    *o = (opts){.seconds = 5, .size = 1400, .window = 64, .rtt = 5000, .idle = 10000};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        long x = strtol(v, NULL, 10);
        if (strcmp(k, "--port") == 0)
            o->port = (uint16_t)x;
        else if (strcmp(k, "--pid") == 0)
            o->pid = (int)x;
        else if (strcmp(k, "--seconds") == 0)
            o->seconds = strtod(v, NULL);
        else if (strcmp(k, "--size") == 0)
            o->size = (size_t)x;
        else if (strcmp(k, "--window") == 0)
            o->window = (unsigned)x;
        else if (strcmp(k, "--rtt") == 0)
            o->rtt = (unsigned)x;
        else if (strcmp(k, "--idle") == 0)
            o->idle = (unsigned)x;
        else if (strcmp(k, "--idle-udp") == 0)
            o->idle_udp = (unsigned)x;
        else
            usage();
    }
    if (argc % 2 == 0 || o->port == 0 || o->pid <= 0 || o->size < 8 || o->size > 1472 ||
        o->window == 0 || o->window > MAX_WINDOW || o->rtt == 0 || o->seconds <= 0)
        usage();
}

int main(int argc, char **argv)
{
    struct rlimit rl;
    echo_server e;
    pthread_t th;
    tput_result d, r;
    double dm, dp, rm, rp;
    opts o;

    parse(argc, argv, &o);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (echo_start(&e, &th) != 0) {
        fprintf(stderr, "bench_relay: cannot start the UDP echo: %s\n", strerror(errno));
        return 1;
    }
    printf("throughput: %zu-byte datagrams echoed, %u in flight, %.0f s each\n", o.size,
           o.window, o.seconds);
    if (throughput(&o, false, e.port, &d) != 0 || throughput(&o, true, e.port, &r) != 0) {
        fprintf(stderr, "bench_relay: throughput: %s\n", strerror(errno));
        return 1;
    }
    printf("  direct UDP    %8.1f MB/s %9.0f datagrams/s (windows lost: %.0f datagrams)\n",
           d.mbps, d.dps, d.lost);
    printf("  through relay %8.1f MB/s %9.0f datagrams/s (windows lost: %.0f datagrams); "
           "relay CPU %.0f%% of a core = %.2f core per Gbit/s relayed (both directions)\n",
           r.mbps, r.dps, r.lost, r.cpu * 100, r.cpu / (2 * r.mbps * 8 / 1000));
    printf("round trip: one %zu-byte datagram at a time, %u each\n", o.size, o.rtt);
    if (round_trips(&o, false, e.port, &dm, &dp) != 0 ||
        round_trips(&o, true, e.port, &rm, &rp) != 0) {
        fprintf(stderr, "bench_relay: round trips: %s\n", strerror(errno));
        return 1;
    }
    printf("  direct UDP    median %6.1f us  p99 %6.1f us\n", dm, dp);
    printf("  through relay median %6.1f us  p99 %6.1f us\n", rm, rp);
    printf("idle tunnels: open files limit %llu\n", (unsigned long long)rl.rlim_cur);
    if (o.idle > 0)
        idle_tunnels(&o, o.idle, false, e.port);
    if (o.idle_udp > 0)
        idle_tunnels(&o, o.idle_udp, true, e.port);
    atomic_store(&e.stop, true);
    pthread_join(th, NULL);
    close(e.fd);
    return 0;
}
