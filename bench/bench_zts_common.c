/*
 * bench_zts_common.c: the body of bench_zts and bench_zts_modern (bench_zts_common.h): the
 * kernel baseline, the peer process and its four services, the measurements, the start
 * timing, the results file and the table.  Each program gives its library as a bz_lib; this
 * file calls no zts_* function.  The header of bench/bench_zts.c describes the figures.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_zts_common.h"
extern char **environ;

#define PORT_SINK 5001
#define PORT_ECHO 5002
#define PORT_CLOSE 5003
#define PORT_HOLD 5004
#define NPORTS 4

#define CHUNK (128 * 1024)
#define NSTREAMS 8
#define PING_MAX 20000
#define PING_BUDGET_NS (2 * 1000000000LL)
#define CONNECTS 200
#define IDLE_CONNS 1000
#define MAX_HELD 1100
#define MAX_COLD 16
#define RUN_ALARM_S 300

#define TARGET_GBPS 1.6
#define TARGET_RTT_MS 0.3
#define TARGET_COLD_S 0.5
#define TARGET_RSS_KB (8 * 1024L)

/* ---- time, statistics, memory ---------------------------------------------------------------- */

int64_t bz_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* The |p|-th percentile (0..100, nearest rank) of |v| (sorted here). */
static int64_t percentile(int64_t *v, size_t n, double p)
{
    size_t i;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_i64);
    i = (size_t)(p / 100.0 * (double)n + 0.5);
    if (i > 0)
        i--;
    return v[i < n ? i : n - 1];
}

/* The "|field|:  N kB" line of |path| (/proc/self/status, /proc/meminfo) in kB, or -1. */
static long proc_kb(const char *path, const char *field)
{
    char line[256];
    size_t len = strlen(field);
    long kb = -1;
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            kb = strtol(line + len + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

/* VmRSS of this process in kB (KiB), or -1. */
static long rss_kb(void)
{
    return proc_kb("/proc/self/status", "VmRSS");
}

/* Bytes malloc has handed out and not taken back (arena + mmapped chunks): unlike VmRSS it
 * does not hide new allocations in memory freed earlier. */
static long heap_kb(void)
{
    struct mallinfo2 mi = mallinfo2();

    return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

/* The host's UDP counters (/proc/net/snmp, and /proc/net/snmp6 for IPv6): the library nodes'
 * datagrams and the kernel's drops for full receive buffers, machine-wide (nothing else on
 * this machine sends much). */
typedef struct udp_counters {
    long long in, out, rcvbuf_err, sndbuf_err;
    long long in6, rcvbuf_err6; /* IPv6 only (not in the four above) */
} udp_counters;

/* The IPv6 counters: "Udp6InDatagrams  N" lines. */
static void udp6_read(udp_counters *u)
{
    char line[256], key[64];
    long long x;
    FILE *f = fopen("/proc/net/snmp6", "r");

    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%63s %lld", key, &x) != 2)
            continue;
        if (strcmp(key, "Udp6InDatagrams") == 0)
            u->in6 = x;
        else if (strcmp(key, "Udp6RcvbufErrors") == 0)
            u->rcvbuf_err6 = x;
    }
    fclose(f);
}

static void udp_read(udp_counters *u)
{
    char head[512], vals[512];
    bool seen = false;
    FILE *f = fopen("/proc/net/snmp", "r");

    memset(u, 0, sizeof(*u));
    if (f == NULL)
        return;
    while (fgets(head, sizeof(head), f) != NULL) {
        char *hs, *vs, *h, *v;
        if (strncmp(head, "Udp:", 4) != 0 || seen)
            continue;
        if (fgets(vals, sizeof(vals), f) == NULL)
            break;
        seen = true;
        h = strtok_r(head + 4, " \n", &hs);
        v = strtok_r(vals + 4, " \n", &vs);
        while (h != NULL && v != NULL) {
            long long x = strtoll(v, NULL, 10);
            if (strcmp(h, "InDatagrams") == 0)
                u->in = x;
            else if (strcmp(h, "OutDatagrams") == 0)
                u->out = x;
            else if (strcmp(h, "RcvbufErrors") == 0)
                u->rcvbuf_err = x;
            else if (strcmp(h, "SndbufErrors") == 0)
                u->sndbuf_err = x;
            h = strtok_r(NULL, " \n", &hs);
            v = strtok_r(NULL, " \n", &vs);
        }
    }
    fclose(f);
    udp6_read(u);
}

/* CPU time of each thread of this process (/proc/self/task), to say which thread works. */
#define MAX_THREADS 64

typedef struct thread_cpu {
    int tid;
    char comm[20];
    long ticks; /* utime + stime, in clock ticks */
} thread_cpu;

static int threads_read(thread_cpu *v, int cap)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL && n < cap) {
        char path[300], buf[512], *p;
        FILE *f;
        long ut = 0, st = 0;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        if (fgets(buf, sizeof(buf), f) == NULL) {
            fclose(f);
            continue;
        }
        fclose(f);
        /* "tid (comm) state ppid ..." : utime and stime are fields 14 and 15 */
        p = strrchr(buf, ')');
        if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld",
                                &ut, &st) != 2)
            continue;
        v[n].tid = atoi(e->d_name);
        v[n].ticks = ut + st;
        {
            char *o = strchr(buf, '(');
            size_t len = (size_t)(p - o - 1);
            if (len >= sizeof(v[n].comm))
                len = sizeof(v[n].comm) - 1;
            memcpy(v[n].comm, o + 1, len);
            v[n].comm[len] = 0;
        }
        n++;
    }
    closedir(d);
    return n;
}

/* CPU time of sink threads that have ended (they end with their stream), in ns. */
static _Atomic int64_t ended_sink_ns;

/* "tid:comm:ticks ..." of this process, for the control socket; ended sink threads appear as
 * one pseudo-thread with tid 0. */
static void threads_format(char *out, size_t cap)
{
    thread_cpu v[MAX_THREADS];
    int n = threads_read(v, MAX_THREADS);
    size_t used = 0;

    out[0] = 0;
    for (int i = 0; i < n && used + 48 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, " %d:%s:%ld", v[i].tid, v[i].comm,
                                 v[i].ticks);
    if (used + 48 < cap)
        snprintf(out + used, cap - used, " 0:bz-sink(ended):%ld",
                 (long)(ended_sink_ns * sysconf(_SC_CLK_TCK) / 1000000000LL));
}

static int threads_parse(const char *line, thread_cpu *v, int cap)
{
    int n = 0, used = 0;

    while (n < cap && sscanf(line, " %d:%19[^:]:%ld%n", &v[n].tid, v[n].comm, &v[n].ticks,
                             &used) == 3) {
        line += used;
        n++;
    }
    return n;
}

/* Prints each thread that used >= 2% of a core between |a| and |b| over |secs|; returns the
 * CPU seconds of all threads together. */
static double threads_print(const char *who, int pid, const thread_cpu *a, int na,
                            const thread_cpu *b, int nb, double secs)
{
    long hz = sysconf(_SC_CLK_TCK);
    double total = 0;

    printf("    %s:", who);
    for (int i = 0; i < nb; i++) {
        long before = 0;
        double pct;
        for (int j = 0; j < na; j++)
            if (a[j].tid == b[i].tid)
                before = a[j].ticks;
        pct = (double)(b[i].ticks - before) / (double)hz / secs * 100.0;
        total += (double)(b[i].ticks - before) / (double)hz;
        if (pct >= 2.0)
            printf(" %s%s/%d %.0f%%", b[i].comm, b[i].tid == pid ? "(main)" : "", b[i].tid, pct);
    }
    printf("\n");
    return total;
}

static const char *prog = "bench_zts"; /* for messages: the program's name */

void bz_die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s[%d]: ", prog, (int)getpid());
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- two socket flavours behind one table ---------------------------------------------------- */

static void k_addr(struct sockaddr_in *a, uint32_t ip, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = ip;
}

static int k_listen(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    k_addr(&a, ip, port);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static uint16_t k_port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return 0;
    return ntohs(a.sin_port);
}

static int k_accept(int lfd)
{
    return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static int k_connect(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    k_addr(&a, ip, port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static ssize_t k_send(int fd, const void *buf, size_t len)
{
    return send(fd, buf, len, MSG_NOSIGNAL);
}

static ssize_t k_recv(int fd, void *buf, size_t len)
{
    return recv(fd, buf, len, 0);
}

static int k_shut_wr(int fd)
{
    return shutdown(fd, SHUT_WR);
}

static int k_nodelay(int fd)
{
    int one = 1;

    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static const net_ops kernel_net = {"kernel", k_listen, k_port_of, k_accept, k_connect,
                                   k_send,   k_recv,   k_shut_wr, close,    k_nodelay};


/* Sends (|out|) or receives exactly |len| bytes at |p|; false on error or end of stream. */
static bool xfer_all(const net_ops *net, int fd, uint8_t *p, size_t len, bool out)
{
    while (len > 0) {
        ssize_t n = out ? net->send_some(fd, p, len) : net->recv_some(fd, p, len);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_all(const net_ops *net, int fd, const void *buf, size_t len)
{
    return xfer_all(net, fd, (uint8_t *)(uintptr_t)buf, len, true);
}

static bool recv_all(const net_ops *net, int fd, void *buf, size_t len)
{
    return xfer_all(net, fd, buf, len, false);
}

/* ---- the peer: four services and a control socket ----------------------------------------- */

enum { SVC_SINK, SVC_ECHO, SVC_CLOSE, SVC_HOLD };

typedef struct svc {
    const net_ops *net;
    int lfd, kind;
} svc;

typedef struct conn {
    const net_ops *net;
    int fd;
} conn;

static struct {
    pthread_mutex_t lock;
    int fds[MAX_HELD];
    int n;
} held = {PTHREAD_MUTEX_INITIALIZER, {0}, 0};

static void *sink_conn(void *arg)
{
    conn c = *(conn *)arg;
    uint8_t *buf = malloc(CHUNK), out[8];
    uint64_t total = 0;
    ssize_t n;

    free(arg);
    pthread_setname_np(pthread_self(), "bz-sink");
    if (buf == NULL)
        bz_die("out of memory");
    while ((n = c.net->recv_some(c.fd, buf, CHUNK)) > 0)
        total += (uint64_t)n;
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(total >> (8 * i));
    send_all(c.net, c.fd, out, sizeof(out));
    c.net->close_fd(c.fd);
    free(buf);
    {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        ended_sink_ns += (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    }
    return NULL;
}

static void *echo_conn(void *arg)
{
    conn c = *(conn *)arg;
    uint8_t buf[256];
    ssize_t n;

    free(arg);
    pthread_setname_np(pthread_self(), "bz-echo");
    c.net->nodelay(c.fd);
    while ((n = c.net->recv_some(c.fd, buf, sizeof(buf))) > 0) {
        if (!send_all(c.net, c.fd, buf, (size_t)n))
            break;
    }
    c.net->close_fd(c.fd);
    return NULL;
}

static void spawn_detached(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_t t;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (pthread_create(&t, &attr, fn, arg) != 0)
        bz_die("pthread_create failed");
    pthread_attr_destroy(&attr);
}

static void *svc_loop(void *arg)
{
    svc *s = arg;

    pthread_setname_np(pthread_self(), "bz-accept");
    for (;;) {
        int fd = s->net->accept_one(s->lfd);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN)
                continue;
            return NULL; /* listener closed: the process is ending */
        }
        switch (s->kind) {
        case SVC_SINK:
        case SVC_ECHO: {
            conn *c = malloc(sizeof(*c));
            if (c == NULL)
                bz_die("out of memory");
            c->net = s->net;
            c->fd = fd;
            spawn_detached(s->kind == SVC_SINK ? sink_conn : echo_conn, c);
            break;
        }
        case SVC_CLOSE:
            s->net->close_fd(fd);
            break;
        case SVC_HOLD:
            pthread_mutex_lock(&held.lock);
            if (held.n < MAX_HELD)
                held.fds[held.n++] = fd;
            else
                s->net->close_fd(fd);
            pthread_mutex_unlock(&held.lock);
            break;
        }
    }
}

/* Reads one line from |fd| into |buf| (no newline), waiting at most |ms|; false on EOF,
 * error or timeout.  One byte at a time: the lines are few and short. */
static bool ctl_read(int fd, char *buf, size_t cap, int ms)
{
    size_t n = 0;
    int64_t deadline = bz_now_ns() + (int64_t)ms * 1000000LL;

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)((deadline - bz_now_ns()) / 1000000LL);
        char c;
        ssize_t r;

        if (left < 0 || poll(&p, 1, left) <= 0)
            return false;
        r = read(fd, &c, 1);
        if (r <= 0)
            return false;
        if (c == '\n')
            break;
        if (n + 1 < cap)
            buf[n++] = c;
    }
    buf[n] = 0;
    return true;
}

static void ctl_write(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ctl_write(int fd, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line) || write(fd, line, (size_t)n) != n)
        bz_die("control socket: write failed");
}

/* Serves on |ip| (ports 5001-5004, or ephemeral when |fixed_ports| is false) and obeys the
 * control socket until it says quit or closes. */
static int peer_main(const net_ops *net, int ctl, uint32_t ip, uint64_t node_id, bool fixed)
{
    static const uint16_t fixed_port[NPORTS] = {PORT_SINK, PORT_ECHO, PORT_CLOSE, PORT_HOLD};
    static svc svcs[NPORTS];
    uint16_t port[NPORTS];
    char cmd[64];

    for (int i = 0; i < NPORTS; i++) {
        pthread_t t;
        svcs[i].net = net;
        svcs[i].kind = i;
        svcs[i].lfd = net->listen_on(ip, fixed ? fixed_port[i] : 0);
        if (svcs[i].lfd < 0)
            bz_die("%s peer: cannot listen (errno %d)", net->name, errno);
        port[i] = fixed ? fixed_port[i] : net->port_of(svcs[i].lfd);
        if (pthread_create(&t, NULL, svc_loop, &svcs[i]) != 0)
            bz_die("pthread_create failed");
        pthread_detach(t);
    }
    ctl_write(ctl, "ready %08x %010llx %u %u %u %u\n", (unsigned)ip,
              (unsigned long long)node_id, port[0], port[1], port[2], port[3]);
    while (ctl_read(ctl, cmd, sizeof(cmd), INT_MAX)) {
        if (strcmp(cmd, "rss") == 0) {
            ctl_write(ctl, "rss %ld\n", rss_kb());
        } else if (strcmp(cmd, "threads") == 0) {
            char line[900];
            threads_format(line, sizeof(line));
            ctl_write(ctl, "threads%s\n", line);
        } else if (strcmp(cmd, "heap") == 0) {
            ctl_write(ctl, "heap %ld\n", heap_kb());
        } else if (strcmp(cmd, "held") == 0) {
            pthread_mutex_lock(&held.lock);
            ctl_write(ctl, "held %d\n", held.n);
            pthread_mutex_unlock(&held.lock);
        } else if (strcmp(cmd, "drop") == 0) {
            pthread_mutex_lock(&held.lock);
            for (int i = 0; i < held.n; i++)
                net->close_fd(held.fds[i]);
            held.n = 0;
            pthread_mutex_unlock(&held.lock);
            ctl_write(ctl, "dropped\n");
        } else if (strcmp(cmd, "quit") == 0) {
            break;
        }
    }
    /* Process exit with the node running is allowed (api.md 5.1); no zts_stop needed. */
    return 0;
}

/* ---- child processes ---------------------------------------------------------------------- */

static char self_exe[PATH_MAX];
static const bz_lib *the_lib; /* the program's library */

typedef struct child {
    pid_t pid;
    int ctl; /* our end: control socket (peer) or the child's stdout (start) */
} child;

/* Runs this binary with |argv| (argv[0] is replaced).  With |pass_ctl| a socketpair end is
 * appended to argv as a descriptor number; else the child's stdout becomes a pipe. */
static child spawn_self(char **argv, bool pass_ctl)
{
    posix_spawn_file_actions_t fa;
    child c = {-1, -1};
    int sv[2];
    char fdarg[16];
    int argc = 0;
    char *args[16];

    while (argv[argc] != NULL && argc < 13) {
        args[argc] = argv[argc];
        argc++;
    }
    args[0] = self_exe;
    posix_spawn_file_actions_init(&fa);
    if (pass_ctl) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
            bz_die("socketpair: %s", strerror(errno));
        fcntl(sv[0], F_SETFD, FD_CLOEXEC); /* ours; sv[1] stays open across exec */
        snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
        args[argc++] = fdarg;
    } else {
        if (pipe2(sv, O_CLOEXEC) != 0)
            bz_die("pipe: %s", strerror(errno));
        posix_spawn_file_actions_adddup2(&fa, sv[1], STDOUT_FILENO);
    }
    args[argc] = NULL;
    if (posix_spawn(&c.pid, self_exe, &fa, NULL, args, environ) != 0)
        bz_die("posix_spawn: %s", strerror(errno));
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    c.ctl = sv[0];
    return c;
}

/* Closes our end (a peer then exits) and reaps the child, killing it after 10 s. */
static void reap(child *c)
{
    int64_t deadline = bz_now_ns() + 10 * 1000000000LL;
    int status;

    if (c->pid <= 0)
        return;
    if (c->ctl >= 0)
        close(c->ctl);
    c->ctl = -1;
    while (waitpid(c->pid, &status, WNOHANG) == 0) {
        if (bz_now_ns() > deadline) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
            break;
        }
        sleep_ms(10);
    }
    c->pid = -1;
}

static child *live_peer; /* killed by the alarm handler if we time out */

static void on_alarm(int sig)
{
    (void)sig;
    if (live_peer != NULL && live_peer->pid > 0)
        kill(live_peer->pid, SIGKILL);
    _exit(3);
}

/* Asks the peer |cmd| and returns the number after the reply's first word. */
static long peer_ask(child *p, const char *cmd)
{
    char line[128], *sp;

    ctl_write(p->ctl, "%s\n", cmd);
    if (!ctl_read(p->ctl, line, sizeof(line), 10000))
        bz_die("peer did not answer '%s'", cmd);
    sp = strchr(line, ' ');
    return sp != NULL ? strtol(sp + 1, NULL, 10) : 0;
}

static uint64_t last_stream_bytes; /* of the last streams() call */

/* The peer's threads and their CPU ticks. */
static int peer_threads(child *p, thread_cpu *v, int cap)
{
    char line[1024];

    ctl_write(p->ctl, "threads\n");
    if (!ctl_read(p->ctl, line, sizeof(line), 10000) || strncmp(line, "threads", 7) != 0)
        bz_die("peer did not answer 'threads'");
    return threads_parse(line + 7, v, cap);
}

/* Thread CPU of both processes around a measurement. */
typedef struct cpu_snap {
    thread_cpu me[MAX_THREADS], peer[MAX_THREADS];
    int nme, npeer;
    int64_t t;
} cpu_snap;

static void cpu_take(cpu_snap *c, child *peer)
{
    c->t = bz_now_ns();
    c->nme = threads_read(c->me, MAX_THREADS);
    c->npeer = peer != NULL ? peer_threads(peer, c->peer, MAX_THREADS) : 0;
}

/* Per-thread CPU of both ends over the last streams() call, and the CPU cost per byte: unlike
 * Gbit/s it hardly moves when other work shares the cores.  Returns that cost (ns per byte,
 * both ends), or -1. */
static double cpu_print(const cpu_snap *a, const cpu_snap *b, child *peer)
{
    double secs = (double)(b->t - a->t) / 1e9, tx, rx = 0, bytes = (double)last_stream_bytes;

    printf("    CPU per thread, %% of one core (bz-*: this benchmark's threads; the rest: the "
           "library's):\n");
    tx = threads_print("sender  ", (int)getpid(), a->me, a->nme, b->me, b->nme, secs);
    if (peer != NULL)
        rx = threads_print("receiver", (int)peer->pid, a->peer, a->npeer, b->peer, b->npeer,
                           secs);
    if (bytes > 0)
        printf("    CPU cost: sender %.2f + receiver %.2f ns per byte (user + system time of "
               "every thread)\n", tx / bytes * 1e9, rx / bytes * 1e9);
    return bytes > 0 ? (tx + rx) / bytes * 1e9 : -1;
}

/* ---- measurements ------------------------------------------------------------------------- */

typedef struct suite {
    double gbps1, gbps8;
    double cpu_ns_b; /* CPU per byte of the single stream, both ends (ns) */
    double rtt_med_ms, rtt_p99_ms;
    size_t rtt_n;
    double conn_med_ms, conn_p99_ms;
    long rss_idle_kb;                 /* kernel: the kernel peer; libzt: the start processes */
    long grow_client_kb, grow_server_kb; /* per IDLE_CONNS connections */
    long heap_client_kb, heap_server_kb; /* the same in malloc's bytes in use */
    long slab_kb;                        /* the host's Slab growth meanwhile (kernel sockets) */
    bool ok;
} suite;

typedef struct target {
    const net_ops *net;
    uint32_t ip;
    uint16_t port[NPORTS];
} target;

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
    if (net->shut_wr(s->fd) != 0 || !recv_all(net, s->fd, cnt, sizeof(cnt)))
        return NULL;
    s->t1 = bz_now_ns();
    for (int i = 0; i < 8; i++)
        s->counted |= (uint64_t)cnt[i] << (8 * i);
    s->ok = s->counted == s->sent;
    return NULL;
}

/* A connection, retried: the first packets between two library nodes may wait for WHOIS,
 * ARP and the direct path. */
static int connect_retry(const target *t, uint16_t port)
{
    for (int i = 0; i < 5; i++) {
        int fd = t->net->connect_to(t->ip, port);
        if (fd >= 0)
            return fd;
        sleep_ms(200);
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
        s[i].fd = connect_retry(t, t->port[SVC_SINK]);
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
    int fd = connect_retry(t, t->port[SVC_ECHO]);

    if (fd < 0)
        bz_die("%s: connect to the echo failed", t->net->name);
    t->net->nodelay(fd);
    for (int i = 0; i < 200; i++) { /* warm-up */
        if (!send_all(t->net, fd, &b, 1) || !recv_all(t->net, fd, &b, 1))
            bz_die("%s: echo failed", t->net->name);
    }
    start = bz_now_ns();
    while (n < PING_MAX && bz_now_ns() - start < PING_BUDGET_NS) {
        int64_t t0 = bz_now_ns();
        if (!send_all(t->net, fd, &b, 1) || !recv_all(t->net, fd, &b, 1))
            bz_die("%s: echo failed", t->net->name);
        lat[n++] = bz_now_ns() - t0;
    }
    t->net->close_fd(fd);
    r->rtt_n = n;
    r->rtt_med_ms = (double)percentile(lat, n, 50) / 1e6;
    r->rtt_p99_ms = (double)percentile(lat, n, 99) / 1e6;
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
    r->conn_med_ms = (double)percentile(v, CONNECTS, 50) / 1e6;
    r->conn_p99_ms = (double)percentile(v, CONNECTS, 99) / 1e6;
}

static void idle_conns(const target *t, child *peer, suite *r)
{
    static int fds[IDLE_CONNS];
    long c0, s0, c1, s1, hc0, hs0, slab0;
    int64_t deadline;

    sleep_ms(200);
    slab0 = proc_kb("/proc/meminfo", "Slab");
    c0 = rss_kb();
    s0 = peer_ask(peer, "rss");
    hc0 = heap_kb();
    hs0 = peer_ask(peer, "heap");
    for (int i = 0; i < IDLE_CONNS; i++) {
        fds[i] = t->net->connect_to(t->ip, t->port[SVC_HOLD]);
        if (fds[i] < 0)
            bz_die("%s: idle connection %d failed (errno %d)", t->net->name, i, errno);
    }
    deadline = bz_now_ns() + 10 * 1000000000LL;
    while (peer_ask(peer, "held") < IDLE_CONNS && bz_now_ns() < deadline)
        sleep_ms(20);
    sleep_ms(300);
    c1 = rss_kb();
    s1 = peer_ask(peer, "rss");
    r->heap_client_kb = heap_kb() - hc0;
    r->heap_server_kb = peer_ask(peer, "heap") - hs0;
    r->slab_kb = proc_kb("/proc/meminfo", "Slab") - slab0;
    for (int i = 0; i < IDLE_CONNS; i++)
        t->net->close_fd(fds[i]);
    peer_ask(peer, "drop");
    r->grow_client_kb = c1 - c0;
    r->grow_server_kb = s1 - s0;
}

/* Reads the peer's ready line into |t|; returns the peer's node ID. */
static uint64_t peer_ready(child *p, target *t, int ms)
{
    char line[160];
    unsigned ip, ports[NPORTS];
    unsigned long long id;

    if (!ctl_read(p->ctl, line, sizeof(line), ms) ||
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
    if (t->net != &kernel_net)
        printf(" (UDP: %lld datagrams received, %lld dropped for a full receive buffer, "
               "%lld send-buffer errors; UDP6: %lld received, %lld dropped)",
               u1->in - u0->in, u1->rcvbuf_err - u0->rcvbuf_err, u1->sndbuf_err - u0->sndbuf_err,
               u1->in6 - u0->in6, u1->rcvbuf_err6 - u0->rcvbuf_err6);
    printf("\n");
}

/* A warm-up, then one stream for |secs| with the UDP counters and every thread's CPU. */
static void single_stream(const target *t, child *peer, double secs, suite *r)
{
    static cpu_snap c0, c1;
    udp_counters u0, u1;
    double g = streams(t, 1, 0.3); /* warm-up: windows open, caches and pools filled */

    (void)g;
    udp_read(&u0);
    cpu_take(&c0, peer);
    r->gbps1 = streams(t, 1, secs);
    cpu_take(&c1, peer);
    udp_read(&u1);
    printf("  %-7s single stream: %.2f Gbit/s", t->net->name, r->gbps1);
    udp_note(t, &u0, &u1);
    r->cpu_ns_b = cpu_print(&c0, &c1, peer);
}

static void run_suite(const target *t, child *peer, double secs, suite *r)
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
    single_stream(t, peer, secs, r);
    udp_read(&u0);
    r->gbps8 = streams(t, NSTREAMS, secs);
    udp_read(&u1);
    printf("  %-7s %d streams: %.2f Gbit/s", t->net->name, NSTREAMS, r->gbps8);
    udp_note(t, &u0, &u1);
    fflush(stdout);
    r->ok = true;
}

/* One `start` child: returns the ms to READY_IP4 and the idle VmRSS, false on failure. */
static bool start_once(const char *home, const char *nwid, double *ms, long *kb)
{
    char *argv[] = {"x", "start", (char *)home, (char *)nwid, NULL};
    child c = spawn_self(argv, false);
    char line[160], rest[160] = "";
    bool ok = false;
    double online_ms = 0, call_ms = 0;

    *ms = -1;
    *kb = -1;
    if (ctl_read(c.ctl, line, sizeof(line), BZ_NODE_WAIT_MS + 2000) &&
        sscanf(line, "ready_ms %lf online_ms %lf call_ms %lf", ms, &online_ms, &call_ms) == 3 &&
        ctl_read(c.ctl, line, sizeof(line), 5000) && sscanf(line, "rss_kb %ld %159[^\n]", kb, rest) >= 1)
        ok = true;
    reap(&c);
    if (ok)
        printf("    %s: READY_IP4 after %.1f ms (%s call %.1f ms, ONLINE after %.1f ms), "
               "idle VmRSS %ld kB (%s)\n",
               home, *ms, the_lib->start_call, call_ms, online_ms, *kb, rest);
    else
        printf("    %s: no READY_IP4 (see stderr)\n", home);
    return ok;
}

static bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static double median_d(double *v, int n)
{
    int64_t iv[MAX_COLD * 2];

    for (int i = 0; i < n; i++)
        iv[i] = (int64_t)(v[i] * 1000.0);
    return (double)percentile(iv, (size_t)n, 50) / 1000.0;
}


/* ---- library node bring-up --------------------------------------------------------------- */

#define MAX_DIRECT 16

/* Written by bz_event (the library's event thread), read by the waiting thread. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int64_t t_online, t_ready4; /* 0 until seen */
    uint32_t ip4;               /* network order, 0 until an IPv4 address is added */
    uint64_t node_id;
    bool failed;
    uint64_t direct[MAX_DIRECT]; /* peers reached directly (BZ_EV_DIRECT, not relayed since) */
    int ndirect;
} ev = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, false, {0}, 0};

static int64_t start_call_ns; /* how long the library's start call itself took */
static int64_t trace_t0; /* ZT_BENCH_TRACE=1: every event on stderr, in ms since this */

/* Adds or removes |id| in ev.direct; the caller holds ev.lock. */
static void direct_set(uint64_t id, bool on)
{
    for (int i = 0; i < ev.ndirect; i++) {
        if (ev.direct[i] == id) {
            if (!on)
                ev.direct[i] = ev.direct[--ev.ndirect];
            return;
        }
    }
    if (on && ev.ndirect < MAX_DIRECT)
        ev.direct[ev.ndirect++] = id;
}

void bz_event(int code, bz_evkind kind, uint64_t arg)
{
    int64_t t = bz_now_ns();

    if (trace_t0 != 0)
        fprintf(stderr, "%s[%d]: %8.2f ms event %d\n", prog, (int)getpid(),
                (double)(t - trace_t0) / 1e6, code);
    pthread_mutex_lock(&ev.lock);
    switch (kind) {
    case BZ_EV_ONLINE:
        if (ev.t_online == 0)
            ev.t_online = t;
        if (arg != 0)
            ev.node_id = arg;
        break;
    case BZ_EV_READY4:
        if (ev.t_ready4 == 0)
            ev.t_ready4 = t;
        break;
    case BZ_EV_ADDR4:
        if (ev.ip4 == 0)
            ev.ip4 = (uint32_t)arg;
        break;
    case BZ_EV_DIRECT:
    case BZ_EV_RELAY:
        direct_set(arg, kind == BZ_EV_DIRECT);
        break;
    case BZ_EV_FAILED:
        ev.failed = true;
        break;
    case BZ_EV_OTHER:
        break;
    }
    pthread_cond_broadcast(&ev.cond);
    pthread_mutex_unlock(&ev.lock);
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

    pthread_mutex_lock(&ev.lock);
    for (int i = 0; i < ev.ndirect; i++)
        found = found || ev.direct[i] == peer_id;
    pthread_mutex_unlock(&ev.lock);
    return found;
}

/* Starts the node in |home| (if |t0| is not NULL it gets the time just before the start call)
 * and joins |nwid| once online (cached networks are re-joined by the library itself); waits
 * for ONLINE, READY_IP4 and an IPv4 address.  Exits the process on failure or timeout. */
static void node_up(const char *home, uint64_t nwid, int64_t *t0)
{
    int64_t start = bz_now_ns(), deadline = start + (int64_t)BZ_NODE_WAIT_MS * 1000000LL;
    bool joined = false;
    int rv;

    if (t0 != NULL)
        *t0 = start;
    if (getenv("ZT_BENCH_TRACE") != NULL && atoi(getenv("ZT_BENCH_TRACE")) != 0)
        trace_t0 = start;
    rv = the_lib->start(home);
    if (rv != 0)
        bz_die("%s(%s): %d", the_lib->start_call, home, rv);
    start_call_ns = bz_now_ns() - start;
    pthread_mutex_lock(&ev.lock);
    for (;;) {
        struct timespec ts;
        int64_t wake;

        if (ev.failed)
            bz_die("%s: node failed or network access denied", home);
        if (ev.t_online != 0 && !joined) {
            pthread_mutex_unlock(&ev.lock);
            rv = the_lib->join(nwid); /* a no-op for a network re-joined from the cache */
            pthread_mutex_lock(&ev.lock);
            if (rv != 0)
                bz_die("join(%016llx): %d", (unsigned long long)nwid, rv);
            joined = true;
        }
        if (ev.t_online != 0 && ev.t_ready4 != 0 && ev.ip4 != 0)
            break;
        if (bz_now_ns() > deadline)
            bz_die("%s: not online with an IPv4 address after %d ms", home, BZ_NODE_WAIT_MS);
        clock_gettime(CLOCK_REALTIME, &ts);
        wake = (int64_t)ts.tv_nsec + 20000000LL;
        ts.tv_sec += (time_t)(wake / 1000000000LL);
        ts.tv_nsec = (long)(wake % 1000000000LL);
        pthread_cond_timedwait(&ev.cond, &ev.lock, &ts);
    }
    pthread_mutex_unlock(&ev.lock);
}

/* ---- results: one column per socket flavour ------------------------------------------------ */

enum { COL_KERNEL, COL_LIBZT, COL_MODERN, NCOLS };

static const char *const col_key[NCOLS] = {"kernel", "libzt", "modern"};
static const char *const col_title[NCOLS] = {"kernel TCP", "libzt 1.3", "libzt-modern"};

typedef struct column {
    suite s;
    double cold_s, warm_s; /* medians of the start timing, -1 if not measured */
    int ncold, nwarm;
    bool present;
} column;

static int col_of(const char *key)
{
    for (int i = 0; i < NCOLS; i++)
        if (strcmp(key, col_key[i]) == 0)
            return i;
    return -1;
}

static void column_init(column *c)
{
    memset(c, 0, sizeof(*c));
    c->s.rss_idle_kb = -1;
    c->cold_s = c->warm_s = -1;
}

/* One line per column: the key, then every figure (the table mode reads it back). */
static void column_save(FILE *f, int i, const column *c)
{
    const suite *s = &c->s;

    fprintf(f, "%s %.6f %.6f %.6f %.6f %.6f %zu %.6f %.6f %ld %ld %ld %ld %ld %ld %d %.6f %.6f "
               "%d %d\n",
            col_key[i], s->gbps1, s->gbps8, s->cpu_ns_b, s->rtt_med_ms, s->rtt_p99_ms, s->rtt_n,
            s->conn_med_ms, s->conn_p99_ms, s->rss_idle_kb, s->grow_client_kb,
            s->grow_server_kb, s->heap_client_kb, s->heap_server_kb, s->slab_kb, (int)s->ok,
            c->cold_s, c->warm_s, c->ncold, c->nwarm);
}

/* Reads the columns saved in |path| (a later line for a column wins); false if none. */
static bool columns_load(const char *path, column *cols)
{
    char line[512], key[16];
    FILE *f = fopen(path, "r");
    bool any = false;

    if (f == NULL)
        return false;
    while (fgets(line, sizeof(line), f) != NULL) {
        column c;
        suite *s = &c.s;
        int i, ok, used = 0;
        column_init(&c);
        if (sscanf(line, "%15s %n", key, &used) != 1 || (i = col_of(key)) < 0)
            continue;
        if (sscanf(line + used, "%lf %lf %lf %lf %lf %zu %lf %lf %ld %ld %ld %ld %ld %ld %d %lf "
                                "%lf %d %d", &s->gbps1, &s->gbps8, &s->cpu_ns_b, &s->rtt_med_ms,
                   &s->rtt_p99_ms,
                   &s->rtt_n, &s->conn_med_ms, &s->conn_p99_ms, &s->rss_idle_kb,
                   &s->grow_client_kb, &s->grow_server_kb, &s->heap_client_kb,
                   &s->heap_server_kb, &s->slab_kb, &ok, &c.cold_s, &c.warm_s, &c.ncold,
                   &c.nwarm) != 19)
            continue;
        s->ok = ok != 0;
        c.present = true;
        cols[i] = c;
        any = true;
    }
    fclose(f);
    return any;
}

/* ---- the table ---------------------------------------------------------------------------- */

#define STR_(x) #x
#define STR(x) STR_(x)

enum { FIG_GBPS1, FIG_CPU, FIG_GBPS8, FIG_RTT_MED, FIG_RTT_P99, FIG_CONN, FIG_COLD, FIG_WARM,
       FIG_RSS, FIG_GROW_C, FIG_GROW_S, FIG_HEAP };

typedef struct rowspec {
    const char *label;
    int fig;
    const char *unit;
    int prec;
    const char *target; /* NULL: no target */
    double tval;
    bool lower; /* the target is a maximum */
} rowspec;

static const rowspec rows[] = {
    {"single-stream TCP throughput", FIG_GBPS1, "Gbit/s", 2, ">= 1.6 Gbit/s", TARGET_GBPS, false},
    {"CPU per byte, single stream, both ends", FIG_CPU, "ns/B", 2, NULL, 0, false},
    {STR(NSTREAMS) " parallel streams, aggregate", FIG_GBPS8, "Gbit/s", 2, NULL, 0, false},
    {"1-byte ping-pong RTT, median", FIG_RTT_MED, "ms", 3, "<= 0.3 ms", TARGET_RTT_MS, true},
    {"1-byte ping-pong RTT, p99", FIG_RTT_P99, "ms", 3, NULL, 0, false},
    {"connect time, median of " STR(CONNECTS), FIG_CONN, "ms", 3, NULL, 0, false},
    {"start -> READY_IP4, cold (median)", FIG_COLD, "s", 3, "<= 0.5 s", TARGET_COLD_S, true},
    {"start -> READY_IP4, warm (median)", FIG_WARM, "s", 3, NULL, 0, false},
    {"RSS of an idle node (VmRSS)", FIG_RSS, "MB", 2, "<= 8 MB", TARGET_RSS_KB / 1024.0, true},
    {"RSS growth / " STR(IDLE_CONNS) " idle conns, connecting", FIG_GROW_C, "MB", 2, NULL, 0,
     false},
    {"RSS growth / " STR(IDLE_CONNS) " idle conns, accepting", FIG_GROW_S, "MB", 2, NULL, 0,
     false},
    {"heap / " STR(IDLE_CONNS) " idle conns, both (kernel: Slab)", FIG_HEAP, "MB", 2, NULL, 0,
     false},
};

/* The figure |fig| of column |i|, or -1 when it has none. */
static double fig_value(const column *c, int i, int fig)
{
    const suite *s = &c->s;

    if (!c->present)
        return -1;
    switch (fig) {
    case FIG_GBPS1: return s->gbps1;
    case FIG_CPU: return s->cpu_ns_b;
    case FIG_GBPS8: return s->gbps8;
    case FIG_RTT_MED: return s->rtt_med_ms;
    case FIG_RTT_P99: return s->rtt_p99_ms;
    case FIG_CONN: return s->conn_med_ms;
    case FIG_COLD: return i == COL_KERNEL ? -1 : c->cold_s;
    case FIG_WARM: return i == COL_KERNEL ? -1 : c->warm_s;
    case FIG_RSS: return s->rss_idle_kb >= 0 ? (double)s->rss_idle_kb / 1024.0 : -1;
    case FIG_GROW_C: return s->ok ? (double)s->grow_client_kb / 1024.0 : -1;
    case FIG_GROW_S: return s->ok ? (double)s->grow_server_kb / 1024.0 : -1;
    case FIG_HEAP:
        if (!s->ok)
            return -1;
        return (double)(i == COL_KERNEL ? s->slab_kb : s->heap_client_kb + s->heap_server_kb) /
               1024.0;
    default: return -1;
    }
}

static void fmt_val(char *out, size_t cap, double v, const char *unit, int prec)
{
    if (v < 0)
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, "%.*f %s", prec, v, unit);
}

/* "1.23x", "n/a" (no meaningful baseline) or "-" (no figure). */
static void fmt_ratio(char *out, size_t cap, double v, double kern, const char *unit)
{
    /* A kernel VmRSS growth under 0.05 MB is noise: no ratio to it. */
    if (v >= 0 && kern > 0 && (strcmp(unit, "MB") != 0 || kern >= 0.05))
        snprintf(out, cap, "%.2fx", v / kern);
    else if (v >= 0 && kern >= 0)
        snprintf(out, cap, "n/a");
    else
        snprintf(out, cap, "-");
}

static void table_row(const rowspec *r, const column *cols)
{
    double kern = fig_value(&cols[COL_KERNEL], COL_KERNEL, r->fig);
    char v[32], ratio[16], met[40] = "";

    fmt_val(v, sizeof(v), kern, r->unit, r->prec);
    printf("| %-46s | %-12s |", r->label, v);
    for (int i = COL_LIBZT; i < NCOLS; i++) {
        double x = fig_value(&cols[i], i, r->fig);
        bool ok = x >= 0 && (r->lower ? x <= r->tval : x >= r->tval);
        if (!cols[i].present)
            continue;
        fmt_val(v, sizeof(v), x, r->unit, r->prec);
        fmt_ratio(ratio, sizeof(ratio), x, kern, r->unit);
        printf(" %-12s | %-6s |", v, ratio);
        if (r->target != NULL)
            snprintf(met + strlen(met), sizeof(met) - strlen(met), "%s%s", met[0] ? " / " : "",
                     ok ? "met" : "MISSED");
    }
    printf(" %-13s | %-15s |\n", r->target != NULL ? r->target : "-",
           r->target != NULL ? met : "-");
}

static void print_table(const column *cols)
{
    int nlib = 0;

    printf("\n| %-46s | %-12s |", "figure", col_title[COL_KERNEL]);
    for (int i = COL_LIBZT; i < NCOLS; i++) {
        if (cols[i].present) {
            printf(" %-12s | %-6s |", col_title[i], "ratio");
            nlib++;
        }
    }
    printf(" %-13s | %-15s |\n", "target", nlib > 1 ? "met? 1.3 / mod" : "met?");
    printf("|------------------------------------------------|--------------|");
    for (int i = 0; i < nlib; i++)
        printf("--------------|--------|");
    printf("---------------|-----------------|\n");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        table_row(&rows[i], cols);
    printf("\nratio = library / kernel.  MB = MiB.  Start: median over cold starts (home with "
           "identity and planet\nonly), then warm starts of the same homes, each in a fresh "
           "process:");
    for (int i = COL_LIBZT, n = 0; i < NCOLS; i++)
        if (cols[i].present)
            printf("%s %s %d + %d", n++ > 0 ? "," : "", col_title[i], cols[i].ncold,
                   cols[i].nwarm);
    printf(".\nCPU per byte: user + system time of every thread of both processes over the "
           "single stream\n(steadier than Gbit/s on a shared machine).  Kernel VmRSS rows count "
           "user space only: a\nkernel socket lives in the kernel's slab (last row: the host's "
           "Slab growth for both ends).\nLibrary heap = malloc's bytes in use, both processes; "
           "VmRSS can hide it in memory freed\nearlier.  The kernel's idle RSS is the kernel "
           "peer process.  2 cores shared by both peers, the\nroot and anything else running: "
           "expect +-20%% between runs (more for the 8-stream row).\n");
}

/* ---- modes -------------------------------------------------------------------------------- */

static int mode_start(const char *home, uint64_t nwid)
{
    int64_t t0;

    alarm(60);
    setvbuf(stdout, NULL, _IOLBF, 0);
    node_up(home, nwid, &t0);
    printf("ready_ms %.3f online_ms %.3f call_ms %.3f\n", (double)(ev.t_ready4 - t0) / 1e6,
           (double)(ev.t_online - t0) / 1e6, (double)start_call_ns / 1e6);
    sleep_ms(500); /* idle: whatever the start allocated lazily has settled */
    {
        struct mallinfo2 mi = mallinfo2();
        printf("rss_kb %ld anon %ld file %ld heap_used %zu heap_free %zu mmapped %zu\n",
               rss_kb(), proc_kb("/proc/self/status", "RssAnon"),
               proc_kb("/proc/self/status", "RssFile"), mi.uordblks, mi.fordblks, mi.hblkhd);
    }
    fflush(stdout);
    return 0;
}

static int mode_peer(const char *home, uint64_t nwid, int ctl)
{
    node_up(home, nwid, NULL);
    return peer_main(the_lib->net, ctl, ev.ip4, ev.node_id, true);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: %s run [-t seconds] [-c cold_runs] [-P | -L] [-K] [-o FILE] WORLD NWID\n"
            "       %s table FILE\n"
            "       (WORLD holds the homes; see bench/bench_zts.sh)\n",
            prog, prog);
    exit(2);
}

typedef struct run_opts {
    double secs;
    int cold;
    bool profile, only, no_kernel;
    const char *out; /* append the columns here instead of printing the table */
    const char *world, *nwid_s;
    uint64_t nwid;
} run_opts;

static void parse_run(int argc, char **argv, run_opts *o)
{
    int opt;

    memset(o, 0, sizeof(*o));
    o->secs = 3.0;
    o->cold = 5;
    while ((opt = getopt(argc, argv, "t:c:PLKo:")) != -1) {
        switch (opt) {
        case 't': o->secs = atof(optarg); break;
        case 'c': o->cold = atoi(optarg); break;
        case 'P': o->profile = true; break;
        case 'L': o->only = true; break;
        case 'K': o->no_kernel = true; break;
        case 'o': o->out = optarg; break;
        default: usage();
        }
    }
    if (argc - optind != 2 || o->secs <= 0 || o->cold < 0 || o->cold > MAX_COLD)
        usage();
    o->world = argv[optind];
    o->nwid_s = argv[optind + 1];
    o->nwid = strtoull(o->nwid_s, NULL, 16);
}

/* The kernel baseline: same code, plain sockets, a peer process on 127.0.0.1. */
static void kernel_column(const run_opts *o, column *c)
{
    char *argv_k[] = {"x", "peer-kernel", NULL};
    target kt = {&kernel_net, 0, {0}};
    child kpeer;

    printf("kernel TCP over 127.0.0.1 (peer in a second process)\n");
    kpeer = spawn_self(argv_k, true);
    live_peer = &kpeer;
    peer_ready(&kpeer, &kt, 5000);
    sleep_ms(200);
    c->s.rss_idle_kb = peer_ask(&kpeer, "rss");
    run_suite(&kt, &kpeer, o->secs, &c->s);
    reap(&kpeer);
    live_peer = NULL;
    c->present = true;
}

/* This library's home |name| in the world. */
static void home_path(char *out, size_t cap, const run_opts *o, const char *name)
{
    if (snprintf(out, cap, "%s/%s%s", o->world, the_lib->home_prefix, name) >= (int)cap)
        bz_die("path too long: %s", o->world);
}

/* The library's start: fresh processes, cold then warm on the same homes; idle RSS. */
static void start_column(const run_opts *o, column *c)
{
    char cold[MAX_COLD][PATH_MAX];
    double rss_v[MAX_COLD * 2], cold_ms[MAX_COLD], warm_ms[MAX_COLD];
    int nrss = 0;

    printf("%s start, %d cold then %d warm, each in a fresh process\n",
           col_title[col_of(the_lib->key)], o->cold, o->cold);
    for (int i = 0; i < o->cold; i++) {
        char nd[PATH_MAX + 16], name[16];
        snprintf(name, sizeof(name), "cold%d", i + 1);
        home_path(cold[i], sizeof(cold[i]), o, name);
        if (snprintf(nd, sizeof(nd), "%s/networks.d", cold[i]) >= (int)sizeof(nd))
            bz_die("path too long: %s", cold[i]);
        if (!is_dir(cold[i]))
            break;
        if (is_dir(nd))
            bz_die("%s is not cold (networks.d exists): make a fresh world", cold[i]);
        c->ncold++;
    }
    for (int i = 0; i < c->ncold; i++) {
        long kb;
        if (start_once(cold[i], o->nwid_s, &cold_ms[i], &kb) && kb > 0)
            rss_v[nrss++] = (double)kb;
    }
    for (int i = 0; i < c->ncold; i++) {
        long kb;
        char conf[PATH_MAX + 64];
        if (snprintf(conf, sizeof(conf), "%s/networks.d/%016llx.conf", cold[i],
                     (unsigned long long)o->nwid) >= (int)sizeof(conf))
            bz_die("path too long: %s", cold[i]);
        if (access(conf, R_OK) != 0)
            printf("    note: %s has no cached configuration\n", cold[i]);
        if (start_once(cold[i], o->nwid_s, &warm_ms[i], &kb) && kb > 0)
            rss_v[nrss++] = (double)kb;
        c->nwarm++;
    }
    if (nrss > 0)
        c->s.rss_idle_kb = (long)median_d(rss_v, nrss);
    c->cold_s = c->ncold > 0 ? median_d(cold_ms, c->ncold) / 1000.0 : -1;
    c->warm_s = c->nwarm > 0 ? median_d(warm_ms, c->nwarm) / 1000.0 : -1;
}

/* The first traffic to the peer node (the path is learnt from it: WHOIS, then a direct path);
 * then up to 5 s for the path to become direct. */
static void first_traffic(const target *zt, uint64_t b_id)
{
    int fd = connect_retry(zt, zt->port[SVC_ECHO]);
    uint8_t b = 'w';
    int64_t t_direct;
    bool direct;

    if (fd < 0)
        bz_die("%s: first connection to node b failed", zt->net->name);
    for (int i = 0; i < 20; i++)
        if (!send_all(zt->net, fd, &b, 1) || !recv_all(zt->net, fd, &b, 1))
            bz_die("%s: first echo failed", zt->net->name);
    zt->net->close_fd(fd);
    t_direct = bz_now_ns() + 5 * 1000000000LL;
    while (!(direct = the_lib->is_direct(b_id)) && bz_now_ns() < t_direct)
        sleep_ms(50);
    printf("  path a -> b: %s\n", direct ? "direct (loopback UDP)"
                                         : "NOT direct (relayed through the root)");
}

/* The library's sockets: this process is node a, the peer process node b. */
static void lib_column(const run_opts *o, column *c)
{
    char home_a[PATH_MAX], home_b[PATH_MAX], a_ip[INET_ADDRSTRLEN], b_ip[INET_ADDRSTRLEN];
    char *argv_z[] = {"x", "peer", home_b, (char *)o->nwid_s, NULL};
    target zt = {the_lib->net, 0, {0}};
    child zpeer;
    uint64_t b_id;
    int64_t t0;

    home_path(home_a, sizeof(home_a), o, "a");
    home_path(home_b, sizeof(home_b), o, "b");
    printf("%s over ZeroTier on loopback UDP (peer node in a second process)\n",
           col_title[col_of(the_lib->key)]);
    zpeer = spawn_self(argv_z, true);
    live_peer = &zpeer;
    node_up(home_a, o->nwid, &t0);
    b_id = peer_ready(&zpeer, &zt, BZ_NODE_WAIT_MS);
    inet_ntop(AF_INET, &ev.ip4, a_ip, sizeof(a_ip));
    inet_ntop(AF_INET, &zt.ip, b_ip, sizeof(b_ip));
    printf("  node a %010llx at %s, node b %010llx at %s (a up after %.0f ms)\n",
           (unsigned long long)ev.node_id, a_ip, (unsigned long long)b_id, b_ip,
           (double)(ev.t_ready4 - t0) / 1e6);
    first_traffic(&zt, b_id);
    if (o->profile) {
        printf("profile: single stream for %.1f s\n", o->secs);
        single_stream(&zt, &zpeer, o->secs, &c->s);
    } else
        run_suite(&zt, &zpeer, o->secs, &c->s);
    reap(&zpeer);
    live_peer = NULL;
    c->present = true;
}

static int mode_run(int argc, char **argv)
{
    run_opts o;
    column cols[NCOLS];
    int me = col_of(the_lib->key);
    bool full;

    parse_run(argc, argv, &o);
    full = !o.profile && !o.only;
    for (int i = 0; i < NCOLS; i++)
        column_init(&cols[i]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, on_alarm);
    alarm(RUN_ALARM_S);
    if (full && !o.no_kernel)
        kernel_column(&o, &cols[COL_KERNEL]);
    if (full && o.cold > 0)
        start_column(&o, &cols[me]);
    lib_column(&o, &cols[me]);
    if (!full)
        return 0;
    if (o.out != NULL) {
        FILE *f = fopen(o.out, "a");
        if (f == NULL)
            bz_die("%s: %s", o.out, strerror(errno));
        for (int i = 0; i < NCOLS; i++)
            if (cols[i].present)
                column_save(f, i, &cols[i]);
        fclose(f);
    } else {
        print_table(cols);
    }
    return 0;
}

static int mode_table(const char *path)
{
    column cols[NCOLS];

    for (int i = 0; i < NCOLS; i++)
        column_init(&cols[i]);
    if (!columns_load(path, cols))
        bz_die("%s: no results", path);
    print_table(cols);
    return 0;
}

int bz_main(const bz_lib *lib, int argc, char **argv)
{
    struct rlimit rl;
    ssize_t n;
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;

    the_lib = lib;
    prog = slash != NULL ? slash + 1 : (argc > 0 ? argv[0] : prog);
    n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (n <= 0)
        bz_die("readlink /proc/self/exe: %s", strerror(errno));
    self_exe[n] = 0;
    /* 1,000 idle connections per side, plus listeners and stdio, in each process. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return mode_run(argc - 1, argv + 1);
    if (argc == 3 && strcmp(argv[1], "table") == 0)
        return mode_table(argv[2]);
    if (argc == 3 && strcmp(argv[1], "peer-kernel") == 0) {
        alarm(RUN_ALARM_S);
        return peer_main(&kernel_net, atoi(argv[2]), htonl(INADDR_LOOPBACK), 0, false);
    }
    if (argc == 5 && strcmp(argv[1], "peer") == 0) {
        alarm(RUN_ALARM_S);
        return mode_peer(argv[2], strtoull(argv[3], NULL, 16), atoi(argv[4]));
    }
    if (argc == 4 && strcmp(argv[1], "start") == 0)
        return mode_start(argv[2], strtoull(argv[3], NULL, 16));
    usage();
    return 2;
}
