/*
 * bench_zts_internal.h: what the three files of the shared code of bench_zts and
 * bench_zts_modern share among themselves (the programs see bench_zts_common.h only):
 *   bench_zts_peer.c     time, statistics, /proc readings, the kernel socket flavour, the peer
 *                        process and its four services, child processes
 *   bench_zts_measure.c  the measurements on one socket flavour, the library node's bring-up
 *   bench_zts_common.c   the results, the table, the modes and bz_main
 */
#ifndef BENCH_ZTS_INTERNAL_H
#define BENCH_ZTS_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench_zts_common.h"

#define NPORTS 4
#define CHUNK (128 * 1024) /* one send of a stream, one receive of the sink */
#define NSTREAMS 8
#define CONNECTS 200
#define IDLE_CONNS 1000
#define MAX_THREADS 64
#define MAX_DIRECT 16

/* The peer's four services, in the order of its ports (target.port). */
enum { SVC_SINK, SVC_ECHO, SVC_CLOSE, SVC_HOLD };

/* The host's UDP counters (/proc/net/snmp, and /proc/net/snmp6 for IPv6): the library nodes'
 * datagrams and the kernel's drops for full receive buffers, machine-wide (nothing else on
 * this machine sends much). */
typedef struct udp_counters {
    long long in, out, rcvbuf_err, sndbuf_err;
    long long in6, rcvbuf_err6; /* IPv6 only (not in the four above) */
} udp_counters;

/* CPU time of each thread of a process (/proc/self/task), to say which thread works. */
typedef struct thread_cpu {
    int tid;
    char comm[20];
    long ticks; /* utime + stime, in clock ticks */
} thread_cpu;

typedef struct child {
    pid_t pid;
    int ctl; /* our end: control socket (peer) or the child's stdout (start) */
} child;

/* The figures of one socket flavour. */
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

/* A peer as the measurements reach it. */
typedef struct target {
    const net_ops *net;
    uint32_t ip;
    uint16_t port[NPORTS];
} target;

/* What the library's events said: written by bz_event (the library's event thread), read by
 * the waiting thread; bz_node_up returns once t_online, t_ready4 and ip4 are set. */
typedef struct node_ev {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int64_t t_online, t_ready4; /* 0 until seen */
    uint32_t ip4;               /* network order, 0 until an IPv4 address is added */
    uint64_t node_id;
    bool failed;
    uint64_t direct[MAX_DIRECT]; /* peers reached directly (BZ_EV_DIRECT, not relayed since) */
    int ndirect;
} node_ev;

/* ---- bench_zts_peer.c ------------------------------------------------------------------- */

extern const char *bz_prog;        /* for messages: the program's name */
extern char bz_self_exe[PATH_MAX]; /* this binary, which bz_spawn_self runs */
extern child *bz_live_peer;        /* killed by bz_on_alarm if we time out */
extern const net_ops bz_kernel_net;

void bz_sleep_ms(long ms);
/* The |p|-th percentile (0..100, nearest rank) of |v| (sorted here). */
int64_t bz_percentile(int64_t *v, size_t n, double p);
/* The "|field|:  N kB" line of |path| (/proc/self/status, /proc/meminfo) in kB, or -1. */
long bz_proc_kb(const char *path, const char *field);
long bz_rss_kb(void);  /* VmRSS of this process in kB (KiB), or -1 */
long bz_heap_kb(void); /* malloc's bytes in use (arena + mmapped chunks), in kB */
void bz_udp_read(udp_counters *u);
int bz_threads_read(thread_cpu *v, int cap);
/* Prints each thread that used >= 2% of a core between |a| and |b| over |secs|; returns the
 * CPU seconds of all threads together. */
double bz_threads_print(const char *who, int pid, const thread_cpu *a, int na,
                        const thread_cpu *b, int nb, double secs);

/* Send or receive exactly |len| bytes; false on error or end of stream. */
bool bz_send_all(const net_ops *net, int fd, const void *buf, size_t len);
bool bz_recv_all(const net_ops *net, int fd, void *buf, size_t len);

/* One line from |fd| (no newline), waiting at most |ms|; false on EOF, error or timeout. */
bool bz_ctl_read(int fd, char *buf, size_t cap, int ms);
/* The peer role: serves on |ip| and obeys the control socket |ctl| until quit or EOF. */
int bz_peer_main(const net_ops *net, int ctl, uint32_t ip, uint64_t node_id, bool fixed);

child bz_spawn_self(char **argv, bool pass_ctl);
void bz_reap(child *c);
void bz_on_alarm(int sig);
long bz_peer_ask(child *p, const char *cmd);
int bz_peer_threads(child *p, thread_cpu *v, int cap);

/* ---- bench_zts_measure.c ---------------------------------------------------------------- */

extern node_ev bz_ev;
extern int64_t bz_start_call_ns; /* how long the library's start call itself took */

int bz_connect_retry(const target *t, uint16_t port);
uint64_t bz_peer_ready(child *p, target *t, int ms);
void bz_single_stream(const target *t, child *peer, double secs, suite *r);
void bz_run_suite(const target *t, child *peer, double secs, suite *r);
bool bz_start_once(const char *home, const char *nwid, double *ms, long *kb);
void bz_node_up(const char *home, uint64_t nwid, int64_t *t0);

/* ---- bench_zts_common.c ----------------------------------------------------------------- */

extern const bz_lib *bz_the_lib; /* the program's library */

#endif
