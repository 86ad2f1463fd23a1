/*
 * bench_zts_peer.c: the plumbing of bench_zts and bench_zts_modern (bench_zts_internal.h):
 * time, statistics and /proc readings (memory, UDP counters, thread CPU), the kernel socket
 * flavour (the baseline), the peer process with its four services and control socket, and
 * the child processes the orchestrator runs.  Calls no zts_* function.
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_zts_internal.h"
extern char **environ;

#define PORT_SINK 5001
#define PORT_ECHO 5002
#define PORT_CLOSE 5003
#define PORT_HOLD 5004

#define MAX_HELD 1100

/* ---- time, statistics, memory ------------------------------------------------------------- */

int64_t bz_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void bz_sleep_ms(long ms)
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
int64_t bz_percentile(int64_t *v, size_t n, double p)
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
long bz_proc_kb(const char *path, const char *field)
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
long bz_rss_kb(void)
{
    return bz_proc_kb("/proc/self/status", "VmRSS");
}

/* Bytes malloc has handed out and not taken back (arena + mmapped chunks): unlike VmRSS it
 * does not hide new allocations in memory freed earlier. */
long bz_heap_kb(void)
{
    struct mallinfo2 mi = mallinfo2();

    return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

/* ---- /proc readings: the host's UDP counters, this process's threads ---------------------- */

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

void bz_udp_read(udp_counters *u)
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
int bz_threads_read(thread_cpu *v, int cap)
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
    int n = bz_threads_read(v, MAX_THREADS);
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
double bz_threads_print(const char *who, int pid, const thread_cpu *a, int na,
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

const char *bz_prog = "bench_zts"; /* for messages: the program's name */

void bz_die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s[%d]: ", bz_prog, (int)getpid());
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- kernel sockets: the baseline's flavour ----------------------------------------------- */

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

const net_ops bz_kernel_net = {"kernel", k_listen, k_port_of, k_accept, k_connect,
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

bool bz_send_all(const net_ops *net, int fd, const void *buf, size_t len)
{
    return xfer_all(net, fd, (uint8_t *)(uintptr_t)buf, len, true);
}

bool bz_recv_all(const net_ops *net, int fd, void *buf, size_t len)
{
    return xfer_all(net, fd, buf, len, false);
}

/* ---- the peer: four services and a control socket ----------------------------------------- */

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
    bz_send_all(c.net, c.fd, out, sizeof(out));
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
        if (!bz_send_all(c.net, c.fd, buf, (size_t)n))
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
bool bz_ctl_read(int fd, char *buf, size_t cap, int ms)
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
int bz_peer_main(const net_ops *net, int ctl, uint32_t ip, uint64_t node_id, bool fixed)
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
    while (bz_ctl_read(ctl, cmd, sizeof(cmd), INT_MAX)) {
        if (strcmp(cmd, "rss") == 0) {
            ctl_write(ctl, "rss %ld\n", bz_rss_kb());
        } else if (strcmp(cmd, "threads") == 0) {
            char line[900];
            threads_format(line, sizeof(line));
            ctl_write(ctl, "threads%s\n", line);
        } else if (strcmp(cmd, "heap") == 0) {
            ctl_write(ctl, "heap %ld\n", bz_heap_kb());
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

char bz_self_exe[PATH_MAX];

/* Runs this binary with |argv| (argv[0] is replaced).  With |pass_ctl| a socketpair end is
 * appended to argv as a descriptor number; else the child's stdout becomes a pipe. */
child bz_spawn_self(char **argv, bool pass_ctl)
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
    args[0] = bz_self_exe;
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
    if (posix_spawn(&c.pid, bz_self_exe, &fa, NULL, args, environ) != 0)
        bz_die("posix_spawn: %s", strerror(errno));
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    c.ctl = sv[0];
    return c;
}

/* Closes our end (a peer then exits) and reaps the child, killing it after 10 s. */
void bz_reap(child *c)
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
        bz_sleep_ms(10);
    }
    c->pid = -1;
}

child *bz_live_peer; /* killed by the alarm handler if we time out */

void bz_on_alarm(int sig)
{
    (void)sig;
    if (bz_live_peer != NULL && bz_live_peer->pid > 0)
        kill(bz_live_peer->pid, SIGKILL);
    _exit(3);
}

/* Asks the peer |cmd| and returns the number after the reply's first word. */
long bz_peer_ask(child *p, const char *cmd)
{
    char line[128], *sp;

    ctl_write(p->ctl, "%s\n", cmd);
    if (!bz_ctl_read(p->ctl, line, sizeof(line), 10000))
        bz_die("peer did not answer '%s'", cmd);
    sp = strchr(line, ' ');
    return sp != NULL ? strtol(sp + 1, NULL, 10) : 0;
}

/* The peer's threads and their CPU ticks. */
int bz_peer_threads(child *p, thread_cpu *v, int cap)
{
    char line[1024];

    ctl_write(p->ctl, "threads\n");
    if (!bz_ctl_read(p->ctl, line, sizeof(line), 10000) || strncmp(line, "threads", 7) != 0)
        bz_die("peer did not answer 'threads'");
    return threads_parse(line + 7, v, cap);
}
