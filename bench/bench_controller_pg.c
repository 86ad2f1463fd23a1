/*
 * bench_controller_pg: the controller on PostgreSQL (issue 13), beside SQLite in the same run.
 *
 *  1. Config requests answered per second on a 100,000-member private network (the members
 *     inserted in one transaction, as bench_controller does), each request from a member
 *     without an address yet: the full path (decision, pool allocation through the store's
 *     index, COM, COO, signed chunk, the member saved in its own transaction), in process
 *     through zt__controller_handle_request and a counting sink, no wire.  For SQLite (a temp
 *     file: the baseline), PostgreSQL with one controller process, and PostgreSQL with two
 *     controller processes at once (fork()ed; one identity, each its own zts_controller
 *     handle and its own connections), which ask for disjoint sets of members.  Each process
 *     connects and answers WARMUP requests first (not counted); the timed requests of the two
 *     start together.  Every 100 ms each process also reads its change feed and pushes, as
 *     zt-service does (on PostgreSQL it hears of every member saved, its own writes too).
 *     Beside each rate: the CPU each request cost the controller process, and the server
 *     (every process named "postgres" on this machine, read from /proc: the backends and
 *     the server's own workers; "-" when the server runs elsewhere).
 *  2. Change propagation between two controllers on the database: controller 1 (this
 *     process) renames the network, then renames a member, alternately; controller 2 (a child
 *     process) serves that member (the member asked it for its config) and polls its store's
 *     change feed (zt__controller_poll_store, then flush) on a fixed schedule: every 1 ms,
 *     then every 100 ms as zt-service does.  Measured: from just before controller 1's call
 *     to controller 2's sink seeing the pushed config, on CLOCK_MONOTONIC (one clock for both
 *     processes).  Changes are a random part of a poll period apart, so that they land
 *     anywhere in controller 2's schedule.  Nothing else runs meanwhile.
 *
 * Requester identities are made-up keys with the members' addresses, as in bench_controller
 * (the controller does not check identities: VL1 did).
 *
 * Build (Release) and run with a throwaway server (tests/pg/pg_temp.sh):
 *   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
 *   cmake --build build/release --target bench_controller_pg
 *   bash bench/bench_controller_pg.sh [--build build/release]
 * Against a server of your own: bench_controller_pg 'host=... dbname=... user=...' (or
 * ZT_TEST_PG set to that string).  The tables go in a new schema zt_bench_<pid>, dropped at
 * the end.  Prints figures; a missed target is printed, it is not the exit status.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "codec/configchunk.h"
#include "codec/wire/vl1.h"
#include "controller/controller.h"
#include "controller/store.h"
#include "crypto/crypto.h"
#include "util/buf.h"
#include "zts_controller.h"

#define MEMBERS 100000u
#define WARMUP 50u                   /* requests per process before the timed ones */
#define REQUESTS 5000u               /* timed requests per process */
#define SLOT (WARMUP + REQUESTS)     /* members of one process's run: runs never share one */
#define SLOT_SQLITE 0u
#define SLOT_PG_ONE 1u
#define SLOT_PG_PAIR 2u              /* and 3 */
#define SLOT_FEED 4u                 /* the member controller 2 serves */
#define CHANGES 200u                 /* per poll interval */
#define FEED_POLL_MS 100u            /* zt-service's interval, also while answering */
#define ROUND_TRIPS 5000u            /* SELECT 1, for the cost of one statement */
#define TARGET_RATE 2000.0           /* req/s per controller process */
#define TARGET_PROPAGATION_MS 1000.0
#define NET_JSON                                                                                 \
    "{\"name\":\"bench\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"                     \
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.128.0.1\",\"ipRangeEnd\":\"10.191.255.254\"}]," \
    "\"routes\":[{\"target\":\"10.128.0.0/10\"}],\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}"

typedef struct bench {
    char secret[ZT_IDENTITY_STR_MAX + 1];
    uint64_t nwid;
    char schema[64];
    char conninfo[1200]; /* the caller's, with the schema as search_path */
    uint8_t payload[ZT_DICT_METADATA_MAX + 32];
    size_t plen;
} bench;

/* One process's timed requests. */
typedef struct run_result {
    unsigned slot;
    unsigned ok, failed;
    double t0, t1; /* CLOCK_MONOTONIC before the first and after the last */
    double cpu;    /* the process's CPU seconds over them */
    char err[240]; /* the first failure */
    /* The same members asking again right after (configured: their records do not change,
     * nothing is written): answered, and the time and CPU it took. */
    unsigned again_ok;
    double again_t0, again_t1, again_cpu;
} run_result;

/* ---- clocks ------------------------------------------------------------------------------ */

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The controllers' |now|: wall-clock milliseconds, the same in every process. */
static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds used so far by every process named "postgres" (utime + stime of
 * /proc/<pid>/stat); -1 when there is none (a server on another machine). */
static double server_cpu_s(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    unsigned long long ticks = 0;
    bool found = false;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char path[300], line[1024], *p;
        unsigned long long ut = 0, st = 0;
        FILE *f;
        size_t n;

        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        n = fread(line, 1, sizeof(line) - 1, f);
        fclose(f);
        line[n] = '\0';
        if (strstr(line, " (postgres) ") == NULL || (p = strrchr(line, ')')) == NULL)
            continue;
        /* after "pid (comm)": state is field 3, utime 14 and stime 15 */
        if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) ==
            2) {
            ticks += ut + st;
            found = true;
        }
    }
    closedir(d);
    return found ? (double)ticks / (double)sysconf(_SC_CLK_TCK) : -1;
}

/* ---- requests ---------------------------------------------------------------------------- */

/* The |k|-th member of run |slot|: distinct for every (slot, k) with k < SLOT (7919 is prime
 * to MEMBERS). */
static uint64_t member_of(unsigned slot, unsigned k)
{
    return 0x0100000000ULL + ((uint64_t)slot * SLOT + k) * 7919u % MEMBERS;
}

static int count_sink(void *arg, uint64_t dest, uint8_t verb, const uint8_t *payload, size_t len)
{
    (void)arg;
    (void)dest;
    (void)verb;
    (void)payload;
    (void)len;
    return 0;
}

/* Member |node| asks |ctl| for the network's config; 0 when a config was sent. */
static int ask(zt_controller *ctl, const bench *b, uint64_t node, uint64_t packet_id,
               const zt_controller_out *out)
{
    zt_controller_result res = ZT_CTL_RESULT_NOT_OURS;
    zt_identity member;

    memset(&member, 0, sizeof(member));
    member.address = node;
    /* a stable key per member: the controller pins the identity it first sees */
    memset(member.pub, 0x5a, sizeof(member.pub));
    zt__store_be(member.pub, node, 8);
    if (zt__controller_handle_request(ctl, &member, b->payload, b->plen, packet_id, wall_ms(),
                                      out, &res) != 0)
        return -1;
    return res == ZT_CTL_RESULT_CONFIG ? 0 : -1;
}

/* Members |first|..|first|+|count|-1 of run |slot| ask |ctl|, one after the other.  Every
 * FEED_POLL_MS the controller also reads its store's change feed and pushes, as zt-service
 * does between requests (with PostgreSQL it hears of every member saved, its own included;
 * a no-op for SQLite). */
static void run_requests(zt_controller *ctl, const bench *b, unsigned slot, unsigned first,
                         unsigned count, run_result *r)
{
    zt_controller_out out = {.send = count_sink};
    double c0 = cpu_s(), next_poll;

    r->slot = slot;
    r->ok = r->failed = 0;
    r->err[0] = '\0';
    r->t0 = mono_s();
    next_poll = r->t0 + FEED_POLL_MS / 1e3;
    for (unsigned k = first; k < first + count; k++) {
        if (mono_s() >= next_poll) {
            next_poll += FEED_POLL_MS / 1e3;
            if (zt__controller_poll_store(ctl) == 0 && zt__controller_pending(ctl) > 0)
                (void)zt__controller_flush(ctl, wall_ms(), &out);
        }
        if (ask(ctl, b, member_of(slot, k), 0x1000 + k, &out) == 0) {
            r->ok++;
        } else {
            if (r->failed++ == 0)
                snprintf(r->err, sizeof(r->err), "%s", zt__controller_errmsg(ctl));
        }
    }
    r->t1 = mono_s();
    r->cpu = cpu_s() - c0;
}

static double rate_of(const run_result *r)
{
    return r->t1 > r->t0 ? r->ok / (r->t1 - r->t0) : 0;
}

static double again_rate_of(const run_result *r)
{
    return r->again_t1 > r->again_t0 ? r->again_ok / (r->again_t1 - r->again_t0) : 0;
}

/* The timed members of |r| ask again (their second request: nothing to write). */
static void run_again(zt_controller *ctl, const bench *b, run_result *r)
{
    run_result again;

    run_requests(ctl, b, r->slot, WARMUP, REQUESTS, &again);
    r->again_ok = again.ok;
    r->again_t0 = again.t0;
    r->again_t1 = again.t1;
    r->again_cpu = again.cpu;
}

static int add_members(zt_store *st, uint64_t nwid)
{
    if (zt__store_begin(st) != 0)
        return -1;
    for (unsigned i = 0; i < MEMBERS; i++) {
        zt_ctl_member m;
        int rv;

        zt__ctl_member_init(&m, nwid, 0x0100000000ULL + i);
        m.authorized = true;
        m.creation_time = 1;
        rv = zt__store_put_member(st, &m);
        zt__ctl_member_clear(&m);
        if (rv != 0) {
            (void)zt__store_rollback(st);
            return -1;
        }
    }
    return zt__store_commit(st);
}

static void pg_config(zts_controller_config *cfg, const bench *b)
{
    zts_controller_config_default(cfg);
    cfg->identity_secret = b->secret;
    cfg->store_kind = ZTS_CONTROLLER_STORE_POSTGRESQL;
    cfg->store_path = b->conninfo;
}

/* ---- SQLite, the baseline ------------------------------------------------------------------ */

static int run_sqlite(const bench *b, double *pinsert, run_result *r)
{
    char dir[] = "/tmp/zt-bench-ctlpg.XXXXXX", db[256], side[300], err[256] = "";
    static const char *const sides[] = {"-wal", "-shm", ""};
    zts_controller_config cfg;
    zts_controller *api = NULL;
    zt_store *st = NULL;
    run_result warm;
    double t0;
    int rv = -1;

    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(db, sizeof(db), "%s/controller.sqlite3", dir);
    zts_controller_config_default(&cfg);
    cfg.identity_secret = b->secret;
    cfg.store_kind = ZTS_CONTROLLER_STORE_SQLITE;
    cfg.store_path = db;
    if (zts_controller_new(&api, &cfg) != 0 ||
        zts_controller_network_set(api, b->nwid, NET_JSON, wall_ms(), NULL) != 0) {
        fprintf(stderr, "bench_controller_pg: SQLite: %s\n", zts_controller_last_error(api));
        goto out;
    }
    /* through a second connection, as bench_controller does */
    t0 = mono_s();
    if (zt__store_sqlite_open(&st, db, err, sizeof(err)) != 0 || add_members(st, b->nwid) != 0) {
        fprintf(stderr, "bench_controller_pg: SQLite: cannot add the members: %s\n",
                st != NULL ? zt__store_errmsg(st) : err);
        goto out;
    }
    *pinsert = mono_s() - t0;
    zt__store_del(st);
    st = NULL;
    run_requests(zt__controller_of(api), b, SLOT_SQLITE, 0, WARMUP, &warm);
    run_requests(zt__controller_of(api), b, SLOT_SQLITE, WARMUP, REQUESTS, r);
    run_again(zt__controller_of(api), b, r);
    rv = 0;
out:
    zt__store_del(st);
    zts_controller_del(api);
    for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
        snprintf(side, sizeof(side), "%s%s", db, sides[i]);
        unlink(side);
    }
    rmdir(dir);
    return rv;
}

/* ---- PostgreSQL: the network, and controller processes ------------------------------------- */

static int pg_sql(const char *conninfo, const char *sql);

static int setup_pg(const bench *b, double *pinsert, double *pvacuum)
{
    zts_controller_config cfg;
    zts_controller *api = NULL;
    zt_store *st = NULL;
    char err[512] = "";
    double t0;
    int rv = -1;

    pg_config(&cfg, b);
    if (zts_controller_new(&api, &cfg) != 0 ||
        zts_controller_network_set(api, b->nwid, NET_JSON, wall_ms(), NULL) != 0) {
        fprintf(stderr, "bench_controller_pg: PostgreSQL: %s\n", zts_controller_last_error(api));
        goto out;
    }
    t0 = mono_s();
    if (zt__store_pg_open(&st, b->conninfo, err, sizeof(err)) != 0 ||
        add_members(st, b->nwid) != 0) {
        fprintf(stderr, "bench_controller_pg: PostgreSQL: cannot add the members: %s\n",
                st != NULL ? zt__store_errmsg(st) : err);
        goto out;
    }
    *pinsert = mono_s() - t0;
    /* What autovacuum does soon after such an insert, now rather than during the timed
     * requests: hint bits and the visibility map set once (not by the first request to read
     * each page), the members' statistics.  Not member_ip: autovacuum leaves an unchanged
     * table alone, and an empty one analyzed tells the planner it stays empty, so that the
     * statements prepared then scan it whole while it fills up (until the next analyze). */
    t0 = mono_s();
    if (pg_sql(b->conninfo, "VACUUM (ANALYZE) network, member") != 0)
        goto out;
    *pvacuum = mono_s() - t0;
    /* The insert's dirty pages written now, not by a checkpoint during the timed requests
     * (whose CPU would count as the requests'); a server of the caller's may refuse it to a
     * user without the privilege: then the figures carry that cost. */
    if (pg_sql(b->conninfo, "CHECKPOINT") != 0)
        fprintf(stderr, "bench_controller_pg: CHECKPOINT refused; continuing\n");
    rv = 0;
out:
    zt__store_del(st);
    zts_controller_del(api);
    return rv;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;

    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* A controller process: connects, warms up, says ready, waits for |go| to close, answers its
 * timed requests, sends the result, and keeps its connections until |done| closes (so that
 * their server processes are still counted). */
static void serve_child(const bench *b, unsigned slot, int ready, int go, int result, int done)
{
    zts_controller_config cfg;
    zts_controller *api = NULL;
    run_result r;
    char c = 1;

    memset(&r, 0, sizeof(r));
    r.slot = slot;
    pg_config(&cfg, b);
    if (zts_controller_new(&api, &cfg) == 0)
        run_requests(zt__controller_of(api), b, slot, 0, WARMUP, &r);
    else
        snprintf(r.err, sizeof(r.err), "%s", zts_controller_last_error(NULL));
    (void)write_all(ready, &c, 1);
    (void)read(go, &c, 1); /* EOF: go */
    if (api != NULL) {
        run_requests(zt__controller_of(api), b, slot, WARMUP, REQUESTS, &r);
        run_again(zt__controller_of(api), b, &r);
    } else {
        r.failed = REQUESTS;
    }
    (void)write_all(result, &r, sizeof(r));
    (void)read(done, &c, 1);
    zts_controller_del(api);
    _exit(0);
}

/* |n| controller processes (runs |slot|, |slot| + 1, ...) answer at once; *pserver gets the
 * server's CPU seconds over their timed requests (-1: unknown). */
static int run_processes(const bench *b, unsigned n, unsigned slot, run_result *res,
                         double *pserver)
{
    int ready[2], go[2], result[2], done[2];
    pid_t pids[2];
    double s0;
    char c;
    int rv = 0;

    if (pipe(ready) != 0 || pipe(go) != 0 || pipe(result) != 0 || pipe(done) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    for (unsigned i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] < 0)
            return -1;
        if (pids[i] == 0) {
            close(ready[0]);
            close(go[1]);
            close(result[0]);
            close(done[1]);
            serve_child(b, slot + i, ready[1], go[0], result[1], done[0]);
        }
    }
    close(ready[1]);
    close(go[0]);
    close(result[1]);
    close(done[0]);
    for (unsigned i = 0; i < n; i++)
        if (read_all(ready[0], &c, 1) != 0)
            rv = -1;
    s0 = server_cpu_s();
    close(go[1]);
    /* results arrive in any order; each is shorter than PIPE_BUF, so written whole */
    for (unsigned i = 0; i < n && rv == 0; i++) {
        run_result r;
        if (read_all(result[0], &r, sizeof(r)) != 0 || r.slot < slot || r.slot >= slot + n)
            rv = -1;
        else
            res[r.slot - slot] = r;
    }
    *pserver = s0 >= 0 ? server_cpu_s() - s0 : -1;
    close(done[1]);
    for (unsigned i = 0; i < n; i++)
        waitpid(pids[i], NULL, 0);
    close(ready[0]);
    close(result[0]);
    return rv;
}

/* ---- change propagation ------------------------------------------------------------------ */

typedef struct push_sink {
    uint64_t dest;
    double at; /* CLOCK_MONOTONIC of the first config to |dest| in this flush; 0: none */
} push_sink;

static int push_out(void *arg, uint64_t dest, uint8_t verb, const uint8_t *payload, size_t len)
{
    push_sink *s = arg;

    (void)payload;
    (void)len;
    if ((verb == ZT_VERB_OK || verb == ZT_VERB_NETWORK_CONFIG) && dest == s->dest &&
        s->at == 0)
        s->at = mono_s();
    return 0;
}

static void sleep_until(double t)
{
    struct timespec ts;

    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Controller 2: member |node| asks it; then it polls its change feed every |interval_ms| and
 * flushes, and writes to |pushed| the time of each config it pushed to |node|, until |stop|
 * closes. */
static void feed_child(const bench *b, uint64_t node, unsigned interval_ms, int ready,
                       int stop, int pushed)
{
    zts_controller_config cfg;
    zts_controller *api = NULL;
    push_sink s = {.dest = node};
    zt_controller_out out = {.send = push_out, .arg = &s};
    struct pollfd pfd = {.fd = stop, .events = POLLIN};
    double next, period = interval_ms / 1e3;
    char c = 0;

    pg_config(&cfg, b);
    if (zts_controller_new(&api, &cfg) != 0) {
        fprintf(stderr, "bench_controller_pg: controller 2: %s\n",
                zts_controller_last_error(NULL));
    } else if (ask(zt__controller_of(api), b, node, 0x99, &out) != 0) {
        fprintf(stderr, "bench_controller_pg: controller 2: the member got no config: %s\n",
                zt__controller_errmsg(zt__controller_of(api)));
    } else {
        c = 1;
    }
    (void)write_all(ready, &c, 1);
    next = mono_s();
    while (c == 1 && poll(&pfd, 1, 0) == 0) {
        zt_controller *ctl = zt__controller_of(api);

        next += period;
        if (next < mono_s())
            next = mono_s(); /* fell behind (a slow push): start the schedule again */
        sleep_until(next);
        if (zt__controller_poll_store(ctl) != 0 || zt__controller_pending(ctl) == 0)
            continue;
        s.at = 0;
        (void)zt__controller_flush(ctl, wall_ms(), &out);
        if (s.at != 0 && write_all(pushed, &s.at, sizeof(s.at)) != 0)
            break;
    }
    zts_controller_del(api);
    _exit(0);
}

/* A small generator for the gaps between changes (reproducible; not for keys). */
static uint64_t rnd_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

typedef struct feed_result {
    unsigned interval_ms;
    unsigned n, lost; /* changes that arrived (within 5 s), that did not */
    double median, p99, max; /* ms */
} feed_result;

/* CHANGES changes through |c1|, each timed until controller 2 (polling every |interval_ms|)
 * pushes it to its member. */
static int run_feed(const bench *b, zts_controller *c1, unsigned interval_ms, feed_result *fr)
{
    static double lat[CHANGES];
    uint64_t node = member_of(SLOT_FEED, 0), x = 0x9e3779b97f4a7c15ULL;
    int ready[2], stop[2], pushed[2];
    struct pollfd pfd;
    pid_t pid;
    char c = 0;
    int rv = -1;

    memset(fr, 0, sizeof(*fr));
    fr->interval_ms = interval_ms;
    if (pipe(ready) != 0 || pipe(stop) != 0 || pipe(pushed) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(ready[0]);
        close(stop[1]);
        close(pushed[0]);
        feed_child(b, node, interval_ms, ready[1], stop[0], pushed[1]);
    }
    close(ready[1]);
    close(stop[0]);
    close(pushed[1]);
    if (read_all(ready[0], &c, 1) != 0 || c != 1)
        goto out;
    pfd.fd = pushed[0];
    pfd.events = POLLIN;
    for (unsigned i = 0; i < CHANGES; i++) {
        char name[64], json[96];
        double t0, at = 0, gap;
        int api_rv;

        /* anywhere in controller 2's period, and 2 ms for the last push to settle */
        gap = 0.002 + (double)(rnd_next(&x) % 1000u) / 1000.0 * interval_ms / 1e3;
        sleep_until(mono_s() + gap);
        while (poll(&pfd, 1, 0) > 0 && read_all(pushed[0], &at, sizeof(at)) == 0)
            ; /* a stale push (none expected) */
        t0 = mono_s();
        if (i % 2 == 0) {
            snprintf(name, sizeof(name), "bench-%u-%u", interval_ms, i);
            api_rv = zts_controller_network_set_name(c1, b->nwid, name, wall_ms());
        } else {
            snprintf(json, sizeof(json), "{\"name\":\"m-%u-%u\"}", interval_ms, i);
            api_rv = zts_controller_member_set(c1, b->nwid, node, json, wall_ms(), NULL);
        }
        if (api_rv != ZTS_CONTROLLER_OK) {
            fprintf(stderr, "bench_controller_pg: controller 1: %s\n",
                    zts_controller_last_error(c1));
            goto out;
        }
        at = 0;
        while (at < t0 && mono_s() - t0 < 5.0) {
            if (poll(&pfd, 1, 100) > 0 && read_all(pushed[0], &at, sizeof(at)) != 0)
                goto out;
        }
        if (at >= t0)
            lat[fr->n++] = (at - t0) * 1e3;
        else
            fr->lost++;
    }
    if (fr->n > 0) {
        qsort(lat, fr->n, sizeof(lat[0]), cmp_double);
        fr->median = fr->n % 2 ? lat[fr->n / 2] : (lat[fr->n / 2 - 1] + lat[fr->n / 2]) / 2;
        fr->p99 = lat[(fr->n * 99 + 99) / 100 - 1]; /* nearest rank */
        fr->max = lat[fr->n - 1];
    }
    rv = 0;
out:
    close(stop[1]);
    waitpid(pid, NULL, 0);
    close(ready[0]);
    close(pushed[0]);
    return rv;
}

/* ---- the schema -------------------------------------------------------------------------- */

static void no_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* DROP SCHEMA ... CASCADE lists what it drops */
}

/* Runs |sql| on a connection of its own. */
static int pg_sql(const char *conninfo, const char *sql)
{
    PGconn *conn = PQconnectdb(conninfo);
    PGresult *res;
    int rv = -1;

    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "bench_controller_pg: cannot connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return -1;
    }
    PQsetNoticeProcessor(conn, no_notice, NULL);
    res = PQexec(conn, sql);
    if (PQresultStatus(res) == PGRES_COMMAND_OK)
        rv = 0;
    else
        fprintf(stderr, "bench_controller_pg: %s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
    return rv;
}

/* One round trip to the server: a prepared SELECT 1, ROUND_TRIPS times; *pwall and *pcpu get
 * the wall time and this process's CPU time per round trip, in seconds. */
static int round_trip(const char *conninfo, double *pwall, double *pcpu)
{
    PGconn *conn = PQconnectdb(conninfo);
    PGresult *res;
    double t0, c0;
    int rv = -1;

    if (PQstatus(conn) != CONNECTION_OK)
        goto out;
    res = PQprepare(conn, "one", "SELECT 1", 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        PQclear(res);
        goto out;
    }
    PQclear(res);
    t0 = mono_s();
    c0 = cpu_s();
    for (unsigned i = 0; i < ROUND_TRIPS; i++) {
        res = PQexecPrepared(conn, "one", 0, NULL, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            PQclear(res);
            goto out;
        }
        PQclear(res);
    }
    *pcpu = (cpu_s() - c0) / ROUND_TRIPS;
    *pwall = (mono_s() - t0) / ROUND_TRIPS;
    rv = 0;
out:
    PQfinish(conn);
    return rv;
}

/* |base| with |schema| as the search path: key=value strings take options='...', URLs the
 * query parameter. */
static void schema_conninfo(char *out, size_t cap, const char *base, const char *schema)
{
    if (strncmp(base, "postgresql://", 13) == 0 || strncmp(base, "postgres://", 11) == 0)
        snprintf(out, cap, "%s%coptions=-c%%20search_path%%3D%s", base,
                 strchr(base, '?') != NULL ? '&' : '?', schema);
    else
        snprintf(out, cap, "%s options='-c search_path=%s'", base, schema);
}

/* ---- the report -------------------------------------------------------------------------- */

static void cpu_line(const char *what, const run_result *r, unsigned n, double server)
{
    unsigned ok = 0;
    double client = 0;

    for (unsigned i = 0; i < n; i++) {
        ok += r[i].ok;
        client += r[i].cpu;
    }
    if (ok == 0)
        return;
    printf("  %-34s CPU per request: controller %.0f us", what, client / ok * 1e6);
    if (server >= 0)
        printf(", server %.0f us", server / ok * 1e6);
    printf("\n");
}

static void failures(const char *what, const run_result *r)
{
    if (r->failed > 0)
        printf("  %s: %u requests not answered; the first: %s\n", what, r->failed, r->err);
}

static const char *met(bool ok);

/* Three lines of the table: |first| (the SQLite baseline's name) at |sq| req/s, then PostgreSQL
 * with one process at |r1| and with two at |a| and |b|, each against the target. */
static void rate_lines(const char *first, double sq, double r1, double a, double b)
{
    char rate_s[64], target_s[64];

    snprintf(rate_s, sizeof(rate_s), "%.0f req/s", sq);
    printf("%-56s %-30s %s\n", first, rate_s, "-");
    snprintf(rate_s, sizeof(rate_s), "%.0f req/s", r1);
    snprintf(target_s, sizeof(target_s), ">= %.0f/s: %s", TARGET_RATE, met(r1 >= TARGET_RATE));
    printf("%-56s %-30s %s\n", "the same, PostgreSQL, 1 controller process", rate_s, target_s);
    snprintf(rate_s, sizeof(rate_s), "%.0f + %.0f req/s", a, b);
    snprintf(target_s, sizeof(target_s), ">= %.0f/s each: %s", TARGET_RATE,
             met(a >= TARGET_RATE && b >= TARGET_RATE));
    printf("%-56s %-30s %s\n", "the same, PostgreSQL, 2 processes at once: each", rate_s,
           target_s);
}

static const char *met(bool ok)
{
    return ok ? "met" : "MISSED";
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("ZT_TEST_PG");
    char sql[128], rate_s[64], target_s[64];
    uint8_t md[ZT_DICT_METADATA_MAX];
    zts_controller_config cfg;
    zts_controller *c1 = NULL;
    zt_config_meta meta;
    zt_identity id;
    zt_ssize mlen, plen;
    static bench b;
    run_result sq, one[1], two[2];
    feed_result feed[2];
    double sq_insert = 0, pg_insert = 0, pg_vacuum = 0, server_one, server_two, r1, r2a, r2b, sum,
           wall, rt_wall = -1, rt_cpu = -1;
    int rv = 1;

    if (base == NULL || base[0] == '\0') {
        fprintf(stderr, "usage: %s CONNINFO (or ZT_TEST_PG set); bench/bench_controller_pg.sh "
                        "runs it with a throwaway server\n", argv[0]);
        return 2;
    }
    if (zt__crypto_init() != 0 || zt__identity_generate(&id, NULL) != 0 ||
        zt__identity_to_string(&id, true, b.secret, sizeof(b.secret)) < 0)
        return 1;
    b.nwid = id.address << 24 | 1;
    zt__identity_clear(&id);
    zt__config_meta_default(&meta);
    mlen = zt__config_meta_write(&meta, md, sizeof(md));
    plen = mlen < 0 ? -1
                    : zt__config_request_write(b.payload, sizeof(b.payload), b.nwid, md,
                                               (size_t)mlen, 0, 0);
    if (plen < 0)
        return 1;
    b.plen = (size_t)plen;
    zt__store_pg_register();
    snprintf(b.schema, sizeof(b.schema), "zt_bench_%ld", (long)getpid());
    schema_conninfo(b.conninfo, sizeof(b.conninfo), base, b.schema);
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", b.schema);
    if (pg_sql(base, sql) != 0)
        return 1;

    printf("bench_controller_pg: %u members, %u timed requests per process (after %u), "
           "%u changes per poll interval\n", MEMBERS, REQUESTS, WARMUP, CHANGES);
    if (run_sqlite(&b, &sq_insert, &sq) != 0)
        goto out;
    printf("SQLite: members inserted in %.1f s (one transaction); %.0f req/s\n", sq_insert,
           rate_of(&sq));
    if (setup_pg(&b, &pg_insert, &pg_vacuum) != 0)
        goto out;
    printf("PostgreSQL: members inserted in %.1f s (one transaction), VACUUM (ANALYZE) of the "
           "members %.1f s\n", pg_insert, pg_vacuum);
    if (run_processes(&b, 1, SLOT_PG_ONE, one, &server_one) != 0 ||
        run_processes(&b, 2, SLOT_PG_PAIR, two, &server_two) != 0) {
        fprintf(stderr, "bench_controller_pg: a controller process failed\n");
        goto out;
    }
    printf("PostgreSQL: %.0f req/s with one process, %.0f + %.0f with two\n", rate_of(&one[0]),
           rate_of(&two[0]), rate_of(&two[1]));
    if (round_trip(b.conninfo, &rt_wall, &rt_cpu) != 0)
        rt_wall = rt_cpu = -1;
    pg_config(&cfg, &b);
    if (zts_controller_new(&c1, &cfg) != 0) {
        fprintf(stderr, "bench_controller_pg: controller 1: %s\n",
                zts_controller_last_error(NULL));
        goto out;
    }
    if (run_feed(&b, c1, 1, &feed[0]) != 0 || run_feed(&b, c1, 100, &feed[1]) != 0)
        goto out;

    r1 = rate_of(&one[0]);
    r2a = rate_of(&two[0]);
    r2b = rate_of(&two[1]);
    sum = r2a + r2b;
    printf("\n%-56s %-30s %s\n", "metric", "value", "target");
    rate_lines("new members' requests/s, 100,000 members, SQLite", rate_of(&sq), r1, r2a, r2b);
    snprintf(rate_s, sizeof(rate_s), "%.0f req/s (%.2fx one)", sum, r1 > 0 ? sum / r1 : 0);
    snprintf(target_s, sizeof(target_s), "above one process: %s", met(sum > r1));
    printf("%-56s %-30s %s\n", "the same, PostgreSQL, 2 processes at once: sum", rate_s,
           target_s);
    rate_lines("members asking again (nothing to write), SQLite", again_rate_of(&sq),
               again_rate_of(&one[0]), again_rate_of(&two[0]), again_rate_of(&two[1]));
    for (unsigned i = 0; i < 2; i++) {
        char what[80], val[64];
        const feed_result *f = &feed[i];

        snprintf(what, sizeof(what), "change 1 -> member of 2, polled every %u ms: median/p99",
                 f->interval_ms);
        snprintf(val, sizeof(val), "%.1f / %.1f ms (max %.1f)", f->median, f->p99, f->max);
        snprintf(target_s, sizeof(target_s), "<= %.0f ms: %s", TARGET_PROPAGATION_MS,
                 met(f->n > 0 && f->lost == 0 && f->p99 <= TARGET_PROPAGATION_MS));
        printf("%-56s %-30s %s\n", what, val, target_s);
    }
    printf("\n");
    cpu_line("SQLite", &sq, 1, -1);
    cpu_line("PostgreSQL, 1 process", one, 1, server_one);
    cpu_line("PostgreSQL, 2 processes", two, 2, server_two);
    wall = (two[0].t1 > two[1].t1 ? two[0].t1 : two[1].t1) -
           (two[0].t0 < two[1].t0 ? two[0].t0 : two[1].t0);
    printf("  PostgreSQL, 2 processes together: %u answered in %.2f s = %.0f req/s (first "
           "start to last end)\n", two[0].ok + two[1].ok, wall,
           wall > 0 ? (two[0].ok + two[1].ok) / wall : 0);
    if (server_one >= 0)
        printf("  (server: every process named postgres on this machine, over the timed "
               "requests)\n");
    if (rt_wall >= 0)
        printf("  one round trip to the server (a prepared SELECT 1): %.0f us, of which the "
               "client's CPU %.0f us\n", rt_wall * 1e6, rt_cpu * 1e6);
    failures("SQLite", &sq);
    failures("PostgreSQL, 1 process", &one[0]);
    failures("PostgreSQL, 2 processes, first", &two[0]);
    failures("PostgreSQL, 2 processes, second", &two[1]);
    for (unsigned i = 0; i < 2; i++)
        printf("  changes polled every %u ms: %u pushed, %u not pushed within 5 s\n",
               feed[i].interval_ms, feed[i].n, feed[i].lost);
    rv = 0;
out:
    zts_controller_del(c1);
    snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", b.schema);
    (void)pg_sql(base, sql);
    return rv;
}
