/*
 * bench_zts_common.c: the program of bench_zts and bench_zts_modern (bench_zts_common.h): the
 * results (one column per socket flavour, saved to and read back from a file), the table, and
 * the modes: `run` (the kernel column, the library's start timing and its socket column),
 * `table`, and the child roles `peer-kernel`, `peer` and `start` (bz_main).  The parts it
 * drives are bench_zts_peer.c (plumbing, kernel sockets, the peer process, child processes)
 * and bench_zts_measure.c (the measurements, the node bring-up); bench_zts_internal.h is what
 * the three share.  Each program gives its library as a bz_lib; this file calls no zts_*
 * function.  The header of bench/bench_zts.c describes the figures.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_zts_internal.h"

#define MAX_COLD 16
#define RUN_ALARM_S 300

#define TARGET_GBPS 1.6
#define TARGET_RTT_MS 0.3
#define TARGET_COLD_S 0.5
#define TARGET_RSS_KB (8 * 1024L)

const bz_lib *bz_the_lib; /* the program's library */

/* ---- results: one column per socket flavour ----------------------------------------------- */

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
    bz_node_up(home, nwid, &t0);
    printf("ready_ms %.3f online_ms %.3f call_ms %.3f\n", (double)(bz_ev.t_ready4 - t0) / 1e6,
           (double)(bz_ev.t_online - t0) / 1e6, (double)bz_start_call_ns / 1e6);
    bz_sleep_ms(500); /* idle: whatever the start allocated lazily has settled */
    {
        struct mallinfo2 mi = mallinfo2();
        printf("rss_kb %ld anon %ld file %ld heap_used %zu heap_free %zu mmapped %zu\n",
               bz_rss_kb(), bz_proc_kb("/proc/self/status", "RssAnon"),
               bz_proc_kb("/proc/self/status", "RssFile"), mi.uordblks, mi.fordblks, mi.hblkhd);
    }
    fflush(stdout);
    return 0;
}

static int mode_peer(const char *home, uint64_t nwid, int ctl)
{
    bz_node_up(home, nwid, NULL);
    return bz_peer_main(bz_the_lib->net, ctl, bz_ev.ip4, bz_ev.node_id, true);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: %s run [-t seconds] [-c cold_runs] [-P | -L] [-K] [-o FILE] WORLD NWID\n"
            "       %s table FILE\n"
            "       (WORLD holds the homes; see bench/bench_zts.sh)\n",
            bz_prog, bz_prog);
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
    target kt = {&bz_kernel_net, 0, {0}};
    child kpeer;

    printf("kernel TCP over 127.0.0.1 (peer in a second process)\n");
    kpeer = bz_spawn_self(argv_k, true);
    bz_live_peer = &kpeer;
    bz_peer_ready(&kpeer, &kt, 5000);
    bz_sleep_ms(200);
    c->s.rss_idle_kb = bz_peer_ask(&kpeer, "rss");
    bz_run_suite(&kt, &kpeer, o->secs, &c->s);
    bz_reap(&kpeer);
    bz_live_peer = NULL;
    c->present = true;
}

/* This library's home |name| in the world. */
static void home_path(char *out, size_t cap, const run_opts *o, const char *name)
{
    if (snprintf(out, cap, "%s/%s%s", o->world, bz_the_lib->home_prefix, name) >= (int)cap)
        bz_die("path too long: %s", o->world);
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
    return (double)bz_percentile(iv, (size_t)n, 50) / 1000.0;
}

/* The library's start: fresh processes, cold then warm on the same homes; idle RSS. */
static void start_column(const run_opts *o, column *c)
{
    char cold[MAX_COLD][PATH_MAX];
    double rss_v[MAX_COLD * 2], cold_ms[MAX_COLD], warm_ms[MAX_COLD];
    int nrss = 0;

    printf("%s start, %d cold then %d warm, each in a fresh process\n",
           col_title[col_of(bz_the_lib->key)], o->cold, o->cold);
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
        if (bz_start_once(cold[i], o->nwid_s, &cold_ms[i], &kb) && kb > 0)
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
        if (bz_start_once(cold[i], o->nwid_s, &warm_ms[i], &kb) && kb > 0)
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
    int fd = bz_connect_retry(zt, zt->port[SVC_ECHO]);
    uint8_t b = 'w';
    int64_t t_direct;
    bool direct;

    if (fd < 0)
        bz_die("%s: first connection to node b failed", zt->net->name);
    for (int i = 0; i < 20; i++)
        if (!bz_send_all(zt->net, fd, &b, 1) || !bz_recv_all(zt->net, fd, &b, 1))
            bz_die("%s: first echo failed", zt->net->name);
    zt->net->close_fd(fd);
    t_direct = bz_now_ns() + 5 * 1000000000LL;
    while (!(direct = bz_the_lib->is_direct(b_id)) && bz_now_ns() < t_direct)
        bz_sleep_ms(50);
    printf("  path a -> b: %s\n", direct ? "direct (loopback UDP)"
                                         : "NOT direct (relayed through the root)");
}

/* The library's sockets: this process is node a, the peer process node b. */
static void lib_column(const run_opts *o, column *c)
{
    char home_a[PATH_MAX], home_b[PATH_MAX], a_ip[INET_ADDRSTRLEN], b_ip[INET_ADDRSTRLEN];
    char *argv_z[] = {"x", "peer", home_b, (char *)o->nwid_s, NULL};
    target zt = {bz_the_lib->net, 0, {0}};
    child zpeer;
    uint64_t b_id;
    int64_t t0;

    home_path(home_a, sizeof(home_a), o, "a");
    home_path(home_b, sizeof(home_b), o, "b");
    printf("%s over ZeroTier on loopback UDP (peer node in a second process)\n",
           col_title[col_of(bz_the_lib->key)]);
    zpeer = bz_spawn_self(argv_z, true);
    bz_live_peer = &zpeer;
    bz_node_up(home_a, o->nwid, &t0);
    b_id = bz_peer_ready(&zpeer, &zt, BZ_NODE_WAIT_MS);
    inet_ntop(AF_INET, &bz_ev.ip4, a_ip, sizeof(a_ip));
    inet_ntop(AF_INET, &zt.ip, b_ip, sizeof(b_ip));
    printf("  node a %010llx at %s, node b %010llx at %s (a up after %.0f ms)\n",
           (unsigned long long)bz_ev.node_id, a_ip, (unsigned long long)b_id, b_ip,
           (double)(bz_ev.t_ready4 - t0) / 1e6);
    first_traffic(&zt, b_id);
    if (o->profile) {
        printf("profile: single stream for %.1f s\n", o->secs);
        bz_single_stream(&zt, &zpeer, o->secs, &c->s);
    } else
        bz_run_suite(&zt, &zpeer, o->secs, &c->s);
    bz_reap(&zpeer);
    bz_live_peer = NULL;
    c->present = true;
}

static int mode_run(int argc, char **argv)
{
    run_opts o;
    column cols[NCOLS];
    int me = col_of(bz_the_lib->key);
    bool full;

    parse_run(argc, argv, &o);
    full = !o.profile && !o.only;
    for (int i = 0; i < NCOLS; i++)
        column_init(&cols[i]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, bz_on_alarm);
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

    bz_the_lib = lib;
    bz_prog = slash != NULL ? slash + 1 : (argc > 0 ? argv[0] : bz_prog);
    n = readlink("/proc/self/exe", bz_self_exe, sizeof(bz_self_exe) - 1);
    if (n <= 0)
        bz_die("readlink /proc/self/exe: %s", strerror(errno));
    bz_self_exe[n] = 0;
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
        return bz_peer_main(&bz_kernel_net, atoi(argv[2]), htonl(INADDR_LOOPBACK), 0, false);
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
