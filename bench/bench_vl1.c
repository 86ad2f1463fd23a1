/*
 * bench_vl1: the VL1 node over real UDP sockets on 127.0.0.1, in one process and one thread.
 * Not a test; build it in a Release tree:
 *
 *   cmake -S . -B build/bench-rel -DCMAKE_BUILD_TYPE=Release
 *   cmake --build build/bench-rel --target bench_vl1 && build/bench-rel/bench/bench_vl1
 *
 * A root and two leaves (identities generated at start, a one-root planet naming the root at
 * 127.0.0.1:<its port>, allow_loopback_paths on), each with its own non-blocking UDP socket on
 * an ephemeral loopback port, all driven by one poll() loop that also arms each node's
 * zt__node_next_deadline() (clock: CLOCK_MONOTONIC, ms).  It measures:
 *
 *  (a) zt__node_new -> ZT_NODE_EVENT_ONLINE for a fresh leaf, the identity reused (so the root
 *      knows it after the first, "cold" run), median of the warm runs.  Two drivers: the one
 *      the API documents (first zt__node_process_timers() when zt__node_next_deadline() says),
 *      and an eager one that calls zt__node_process_timers() right after zt__node_new().
 *  (b) ECHO round trip leaf A <-> leaf B over their direct path (zt__node_ping ->
 *      ZT_NODE_EVENT_ECHO_REPLY, timed here in ns).  The responder answers at most one ECHO per
 *      path per ZT_ECHO_RATE_LIMIT (166 ms), so pings go out every 170 ms in both directions;
 *      the default run takes ~140 samples in 12 s, --full takes 2000 (~3 min).  Besides, a
 *      USER_MESSAGE ping-pong (no rate gate) gives 2000 round trips next to a plain UDP
 *      ping-pong of the same datagram size.
 *  (c) one-way USER_MESSAGE rate A -> B with incompressible payloads, sent in bursts of 64 then
 *      drained at B, beside two plain sockets doing the same with 1400-byte datagrams.  Raw and
 *      node alternate in 0.5 s slices, 2 s each in all.  Two sizes: a packet that is a
 *      1400-byte datagram on the wire (1364 bytes of user data), and 1400 bytes of user data
 *      (1436-byte packet: above the 1432-byte physical MTU, so two datagrams).
 *
 * Every phase has its own time limit and alarm() bounds the whole run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/node.h"
#include "codec/world.h"
#include "crypto/crypto.h"

#include "bench_vl1.h"

#define ONLINE_RUNS 11           /* first one cold (the root validates the identity) */
#define ONLINE_TARGET_MS 100.0
#define RATE_TARGET_PCT 60.0
#define ECHO_GATE_SPACING_MS 170 /* just above ZT_ECHO_RATE_LIMIT (166 ms) */
#define ECHO_PINGS_FULL 2000
#define ECHO_BUDGET_MS 12000     /* default run: pings for this long */
#define PINGPONG_ROUNDS 2000
#define PINGPONG_LEN 64
#define BURST 64
#define SLICE_MS 500
#define SLICES 4                 /* per side: 4 x 0.5 s = 2 s */
#define WIRE_LEN 1400            /* raw datagram size, and node datagram size in row 1 */

/* ---- statistics ----------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Percentile |p| (0..100) of |n| samples, nearest rank; sorts |v|. */
static int64_t percentile(int64_t *v, size_t n, double p)
{
    size_t rank;

    if (n == 0)
        return -1;
    qsort(v, n, sizeof(*v), cmp_i64);
    rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

static void row(const char *metric, const char *value, const char *target, const char *verdict)
{
    printf("%-52s %-24s %-12s %s\n", metric, value, target, verdict);
}

/* ---- (a) start to online --------------------------------------------------------------- */

static bnode root, leaf_a, leaf_b;

/* Returns the start-to-online times in |ms| (ONLINE_RUNS entries; -1: timed out). */
static void measure_online(bool eager, double *ms)
{
    for (int i = 0; i < ONLINE_RUNS; i++) {
        int64_t t0;
        drain_socket(leaf_a.fd);
        t0 = now_ns();
        node_start(&leaf_a, eager);
        if (pump_until_flag(&leaf_a.online, 3000))
            ms[i] = (double)(leaf_a.online_ns - t0) / 1e6;
        else
            ms[i] = -1;
        node_stop(&leaf_a);
        /* let the root settle (its OK and our last packets) before the next fresh leaf */
        for (int64_t end = now_ms() + 20; now_ms() < end;)
            pump(end - now_ms());
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(const double *v, size_t n)
{
    double tmp[ONLINE_RUNS];
    size_t m = 0;

    for (size_t i = 0; i < n; i++)
        if (v[i] >= 0)
            tmp[m++] = v[i];
    if (m == 0)
        return -1;
    qsort(tmp, m, sizeof(tmp[0]), cmp_double);
    return m % 2 ? tmp[m / 2] : (tmp[m / 2 - 1] + tmp[m / 2]) / 2;
}

/* ---- (b) round trips ------------------------------------------------------------------- */

typedef struct {
    int64_t *rtt_ns;
    size_t n, lost;
} rtt_set;

static uint8_t pingpong_payload[PINGPONG_LEN];
static void pingpong_once(rtt_set *s, const uint8_t *payload, size_t len);

/* ECHO both ways every ECHO_GATE_SPACING_MS until |want| samples or |budget_ms|.  Each round
 * also does one USER_MESSAGE ping-pong with an 8-byte payload (the ECHO's size) into |spaced|,
 * before the ECHOs in odd rounds and after them in even ones, so both see the idle gaps. */
static void measure_echo(rtt_set *s, rtt_set *spaced, size_t want, int64_t budget_ms)
{
    bnode *dir[2][2] = {{&leaf_a, &leaf_b}, {&leaf_b, &leaf_a}};
    int64_t end = now_ms() + budget_ms;

    for (unsigned round = 0; s->n < want && now_ms() < end; round++) {
        int64_t next = now_ms() + ECHO_GATE_SPACING_MS;
        if (round % 2 == 1 && spaced->n < want) /* first after the idle gap, every other time */
            pingpong_once(spaced, pingpong_payload, 8);
        for (int d = 0; d < 2 && s->n < want; d++) {
            bnode *from = dir[d][0], *to = dir[d][1];
            uint64_t before = from->echo_replies;
            int64_t t0 = now_ns(), limit = now_ms() + 1000;
            if (zt__node_ping(from->node, zt__node_address(to->node), now_ms()) != 0) {
                s->lost++;
                continue;
            }
            while (from->echo_replies == before && now_ms() < limit)
                pump(limit - now_ms());
            if (from->echo_replies == before)
                s->lost++;
            else
                s->rtt_ns[s->n++] = from->echo_reply_ns - t0;
        }
        if (round % 2 == 0 && spaced->n < want)
            pingpong_once(spaced, pingpong_payload, 8);
        while (now_ms() < next)
            pump(next - now_ms());
    }
}

/* One USER_MESSAGE ping-pong: A sends, B answers once it has seen it (after the callback
 * returned: callbacks must not call into the node). */
static void pingpong_once(rtt_set *s, const uint8_t *payload, size_t len)
{
    uint64_t addr_a = zt__node_address(leaf_a.node), addr_b = zt__node_address(leaf_b.node);
    uint64_t b_before = leaf_b.messages, a_before = leaf_a.pongs;
    int64_t t0 = now_ns(), limit = now_ms() + 1000;

    if (zt__node_send_user_message(leaf_a.node, addr_b, MSG_TYPE, payload, len, now_ms()) != 0) {
        s->lost++;
        return;
    }
    while (leaf_b.messages == b_before && now_ms() < limit)
        pump(limit - now_ms());
    if (leaf_b.messages == b_before ||
        zt__node_send_user_message(leaf_b.node, addr_a, MSG_TYPE + 1, payload, len, now_ms()) !=
            0) {
        s->lost++;
        return;
    }
    while (leaf_a.pongs == a_before && now_ms() < limit)
        pump(limit - now_ms());
    if (leaf_a.pongs == a_before)
        s->lost++;
    else
        s->rtt_ns[s->n++] = now_ns() - t0;
}

static void measure_pingpong(rtt_set *s, size_t rounds)
{
    for (size_t i = 0; i < rounds; i++)
        pingpong_once(s, pingpong_payload, sizeof(pingpong_payload));
}

/* The same ping-pong between two plain sockets, |len|-byte datagrams. */
static void measure_raw_pingpong(rtt_set *s, size_t rounds, size_t len)
{
    struct sockaddr_in sa, sb;
    int fa = udp_open(&sa), fb = udp_open(&sb);
    uint8_t buf[2048];

    memset(buf, 0x5a, sizeof(buf));
    for (size_t i = 0; i < rounds; i++) {
        int64_t t0 = now_ns();
        struct pollfd p = {.events = POLLIN};
        bool ok = true;
        if (sendto(fa, buf, len, 0, (struct sockaddr *)&sb, sizeof(sb)) != (ssize_t)len)
            ok = false;
        p.fd = fb;
        if (ok && (poll(&p, 1, 1000) != 1 || recv(fb, buf, sizeof(buf), 0) != (ssize_t)len))
            ok = false;
        if (ok && sendto(fb, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)len)
            ok = false;
        p.fd = fa;
        p.revents = 0;
        if (ok && (poll(&p, 1, 1000) != 1 || recv(fa, buf, sizeof(buf), 0) != (ssize_t)len))
            ok = false;
        if (ok)
            s->rtt_ns[s->n++] = now_ns() - t0;
        else
            s->lost++;
    }
    close(fa);
    close(fb);
}

/* ---- (c) packet rate ------------------------------------------------------------------- */

typedef struct {
    uint64_t sent, received;
    int64_t ns;
} rate_acc;

/* One slice of raw UDP: bursts of BURST datagrams, each followed by a full drain. */
static void raw_slice(int fa, int fb, const struct sockaddr_in *to, const uint8_t *payload,
                      rate_acc *acc)
{
    uint8_t buf[2048];
    int64_t t0 = now_ns(), end = t0 + (int64_t)SLICE_MS * 1000000;

    while (now_ns() < end) {
        for (int i = 0; i < BURST; i++)
            if (sendto(fa, payload, WIRE_LEN, 0, (const struct sockaddr *)to, sizeof(*to)) ==
                WIRE_LEN)
                acc->sent++;
        while (recv(fb, buf, sizeof(buf), 0) >= 0)
            acc->received++;
    }
    acc->ns += now_ns() - t0;
}

/* One slice of the node: A sends BURST user messages to B, then B's socket is drained into
 * B's node; the root's and A's sockets and the timers are serviced between bursts. */
static void node_slice(uint8_t *payload, size_t len, rate_acc *acc)
{
    uint64_t dest = zt__node_address(leaf_b.node), before = leaf_b.messages;
    int64_t t0 = now_ns(), end = t0 + (int64_t)SLICE_MS * 1000000;

    while (now_ns() < end) {
        for (int i = 0; i < BURST; i++) {
            memcpy(payload, &acc->sent, sizeof(acc->sent)); /* no two alike */
            if (zt__node_send_user_message(leaf_a.node, dest, MSG_TYPE, payload, len, now_ms()) ==
                0)
                acc->sent++;
        }
        while (node_read(&leaf_b) == RECV_BATCH)
            ;
        (void)node_read(&leaf_a);
        (void)node_read(&root);
        node_timers();
    }
    acc->ns += now_ns() - t0;
    acc->received += leaf_b.messages - before;
}

static double per_sec(const rate_acc *a)
{
    return a->ns > 0 ? (double)a->received * 1e9 / (double)a->ns : 0;
}

/* Alternates raw and node slices; fills |raw| and |ours|. */
static void measure_rate(size_t user_len, rate_acc *raw, rate_acc *ours, uint64_t *dgrams)
{
    struct sockaddr_in sa, sb;
    int fa = udp_open(&sa), fb = udp_open(&sb);
    uint8_t payload[2048];
    uint64_t tx0;

    if (getrandom(payload, sizeof(payload), 0) != (ssize_t)sizeof(payload))
        die("getrandom");
    memset(raw, 0, sizeof(*raw));
    memset(ours, 0, sizeof(*ours));
    tx0 = leaf_a.tx;
    for (int i = 0; i < SLICES; i++) {
        raw_slice(fa, fb, &sb, payload, raw);
        node_slice(payload, user_len, ours);
    }
    *dgrams = leaf_a.tx - tx0;
    close(fa);
    close(fb);
    /* settle: let B finish and the loop catch up */
    for (int64_t end = now_ms() + 50; now_ms() < end;)
        pump(end - now_ms());
}

/* ---- main ----------------------------------------------------------------------------- */

static void build_planet(void)
{
    uint8_t pub[64], sec[64];
    zt_world *w = calloc(1, sizeof(*w));
    zt_ssize n;

    if (w == NULL)
        die("calloc");
    zt__keypair_generate(pub, sec);
    w->type = ZT_WORLD_TYPE_PLANET;
    w->id = 0x6265;
    w->timestamp = 1000;
    memcpy(w->update_key, pub, 64);
    w->nroots = 1;
    w->roots[0].identity = root.id;
    zt__identity_clear(&w->roots[0].identity);
    w->roots[0].nendpoints = 1;
    w->roots[0].endpoints[0] = root.addr;
    if (zt__world_sign(w, sec) != 0 || (n = zt__world_write(w, false, planet, sizeof(planet))) <= 0) {
        fprintf(stderr, "bench_vl1: cannot build the planet\n");
        exit(1);
    }
    planet_len = (size_t)n;
    free(w);
}

static const char *verdict(bool ok)
{
    return ok ? "ok" : "MISSED";
}

/* (b) set-up: both leaves online, a direct path between them, and the ECHO gate behind us. */
static bool connect_leaves(void)
{
    node_start(&leaf_a, false);
    node_start(&leaf_b, false);
    if (!pump_until_flag(&leaf_a.online, 5000) || !pump_until_flag(&leaf_b.online, 5000)) {
        fprintf(stderr, "bench_vl1: leaves did not come online\n");
        return false;
    }
    (void)zt__node_ping(leaf_a.node, zt__node_address(leaf_b.node), now_ms()); /* WHOIS, relay, unite */
    {
        int64_t end = now_ms() + 10000;
        while ((!has_direct_path(&leaf_a, &leaf_b) || !has_direct_path(&leaf_b, &leaf_a)) &&
               now_ms() < end)
            pump(20);
        if (!has_direct_path(&leaf_a, &leaf_b) || !has_direct_path(&leaf_b, &leaf_a)) {
            fprintf(stderr, "bench_vl1: no direct path between the leaves after 10 s\n");
            return false;
        }
        /* a quiet moment so the gate of the set-up ECHO is behind us */
        for (end = now_ms() + ECHO_GATE_SPACING_MS; now_ms() < end;)
            pump(end - now_ms());
    }
    return true;
}

static void report_online(const double *online_doc, const double *online_eager)
{
    char v[64], t[32];
    double med_doc = median_of(online_doc + 1, ONLINE_RUNS - 1);
    double med_eager = median_of(online_eager, ONLINE_RUNS);

    snprintf(t, sizeof(t), "<= %.0f ms", ONLINE_TARGET_MS);
    snprintf(v, sizeof(v), "%.2f ms", online_doc[0]);
    row("(a) start->online, cold (root validates identity)", v, "", "");
    snprintf(v, sizeof(v), "%.2f ms (n=%d)", med_doc, ONLINE_RUNS - 1);
    row("(a) start->online, median warm, timer-driven", v, t,
        verdict(med_doc >= 0 && med_doc <= ONLINE_TARGET_MS));
    snprintf(v, sizeof(v), "%.2f ms (n=%d)", med_eager, ONLINE_RUNS);
    row("(a) start->online, median, timers run at once", v, "", "(info)");
}

static void report_rtt(const rtt_set *echo, const rtt_set *spaced, const rtt_set *pp,
                       const rtt_set *rawpp)
{
    char v[64];
    int64_t med = percentile(echo->rtt_ns, echo->n, 50);
    int64_t p99 = percentile(echo->rtt_ns, echo->n, 99);

    snprintf(v, sizeof(v), "%.1f us (n=%zu, lost %zu)", (double)med / 1e3, echo->n, echo->lost);
    row("(b) ECHO round trip A<->B direct, median", v, "", "");
    snprintf(v, sizeof(v), "%.1f us", (double)p99 / 1e3);
    row("(b) ECHO round trip A<->B direct, p99", v, "", "");
    med = percentile(spaced->rtt_ns, spaced->n, 50);
    p99 = percentile(spaced->rtt_ns, spaced->n, 99);
    snprintf(v, sizeof(v), "%.1f / %.1f us (n=%zu)", (double)med / 1e3, (double)p99 / 1e3,
             spaced->n);
    row("(b) USER_MESSAGE ping-pong, same gaps, med / p99", v, "", "(info)");
    med = percentile(pp->rtt_ns, pp->n, 50);
    p99 = percentile(pp->rtt_ns, pp->n, 99);
    snprintf(v, sizeof(v), "%.1f / %.1f us", (double)med / 1e3, (double)p99 / 1e3);
    row("(b) USER_MESSAGE ping-pong back-to-back, med / p99", v, "", "(info)");
    snprintf(v, sizeof(v), "n=%zu, lost %zu", pp->n, pp->lost);
    row("", v, "", "");
    med = percentile(rawpp->rtt_ns, rawpp->n, 50);
    p99 = percentile(rawpp->rtt_ns, rawpp->n, 99);
    snprintf(v, sizeof(v), "%.1f / %.1f us", (double)med / 1e3, (double)p99 / 1e3);
    row("(b) raw UDP ping-pong (100 B), median / p99", v, "", "(info)");
}

static void report_rate(const rate_acc *raw1, const rate_acc *ours1, uint64_t dg1,
                        const rate_acc *raw2, const rate_acc *ours2, uint64_t dg2)
{
    char v[64], t[32];
    double r = per_sec(raw1), o = per_sec(ours1), pct = r > 0 ? 100.0 * o / r : 0;

    snprintf(t, sizeof(t), ">= %.0f %%", RATE_TARGET_PCT);
    snprintf(v, sizeof(v), "%.0f pkt/s", r);
    row("(c) raw UDP loopback, 1400 B datagrams", v, "", "");
    snprintf(v, sizeof(v), "%.0f msg/s", o);
    row("(c) USER_MESSAGE, 1364 B data = 1400 B datagram", v, "", "");
    snprintf(v, sizeof(v), "%.1f %%", pct);
    row("(c)   ratio node / raw", v, t, verdict(pct >= RATE_TARGET_PCT));
    snprintf(v, sizeof(v), "%llu/%llu, %.2f dgram/msg",
             (unsigned long long)ours1->received, (unsigned long long)ours1->sent,
             ours1->sent ? (double)dg1 / (double)ours1->sent : 0);
    row("(c)   received/sent", v, "", "");
    r = per_sec(raw2);
    o = per_sec(ours2);
    pct = r > 0 ? 100.0 * o / r : 0;
    snprintf(v, sizeof(v), "%.0f msg/s (%.1f %%)", o, pct);
    row("(c) USER_MESSAGE, 1400 B data (fragmented)", v, "", "(info)");
    snprintf(v, sizeof(v), "%llu/%llu, %.2f dgram/msg",
             (unsigned long long)ours2->received, (unsigned long long)ours2->sent,
             ours2->sent ? (double)dg2 / (double)ours2->sent : 0);
    row("(c)   received/sent", v, "", "");
    snprintf(v, sizeof(v), "%.0f pkt/s", r);
    row("(c)   raw UDP in the same run", v, "", "");
}

static void report_counters(bool full, int64_t t_start)
{
    const zt_node_counters *c = zt__node_get_counters(leaf_b.node);

    printf("\nleaf B counters: rx %llu, drops: auth %llu malformed %llu fragment %llu "
           "unknown-peer %llu; send errors A/B/root %llu/%llu/%llu\n",
           (unsigned long long)c->rx_datagrams, (unsigned long long)c->drop_auth,
           (unsigned long long)c->drop_malformed, (unsigned long long)c->drop_fragment,
           (unsigned long long)c->drop_unknown_peer, (unsigned long long)leaf_a.tx_errors,
           (unsigned long long)leaf_b.tx_errors, (unsigned long long)root.tx_errors);
    printf("ECHO is rate-gated by the responder (one per path per 166 ms): pings every %d ms "
           "both ways%s.\n", ECHO_GATE_SPACING_MS, full ? "" : ", 12 s budget (--full: 2000)");
    printf("total run time %.1f s\n", (double)(now_ms() - t_start) / 1e3);
}

int main(int argc, char **argv)
{
    bool full = argc > 1 && strcmp(argv[1], "--full") == 0;
    bool rate_only = argc > 1 && strcmp(argv[1], "--rate-only") == 0; /* for profiling */
    double online_doc[ONLINE_RUNS], online_eager[ONLINE_RUNS];
    size_t echo_want = ECHO_PINGS_FULL; /* the default run stops at its time budget */
    int64_t echo_budget = full ? 400000 : ECHO_BUDGET_MS;
    rtt_set echo = {0}, spaced = {0}, pp = {0}, rawpp = {0};
    rate_acc raw1, ours1, raw2, ours2;
    uint64_t dg1, dg2;
    int64_t t_start = now_ms();

    if (argc > 2 || (argc > 1 && !full && !rate_only)) {
        fprintf(stderr, "usage: %s [--full | --rate-only]\n"
                "  --full       2000 ECHO samples (~3 min)\n"
                "  --rate-only  only (c), for profiling\n", argv[0]);
        return 1;
    }
    alarm(full ? 600 : 120); /* the whole run, whatever happens */
    if (zt__crypto_init() != 0)
        return 1;
    echo.rtt_ns = calloc(ECHO_PINGS_FULL, sizeof(int64_t));
    spaced.rtt_ns = calloc(ECHO_PINGS_FULL, sizeof(int64_t));
    pp.rtt_ns = calloc(PINGPONG_ROUNDS, sizeof(int64_t));
    rawpp.rtt_ns = calloc(PINGPONG_ROUNDS, sizeof(int64_t));
    if (echo.rtt_ns == NULL || spaced.rtt_ns == NULL || pp.rtt_ns == NULL || rawpp.rtt_ns == NULL)
        die("calloc");

    bnode_init(&root, "root");
    bnode_init(&leaf_a, "leaf A");
    bnode_init(&leaf_b, "leaf B");
    build_planet();
    node_start(&root, false);

    /* (a) */
    if (!rate_only) {
        measure_online(false, online_doc);
        measure_online(true, online_eager);
    }

    /* (b) */
    if (!connect_leaves())
        return 1;
    if (!rate_only) {
        if (getrandom(pingpong_payload, sizeof(pingpong_payload), 0) !=
            (ssize_t)sizeof(pingpong_payload))
            die("getrandom");
        measure_echo(&echo, &spaced, echo_want, echo_budget);
        measure_pingpong(&pp, PINGPONG_ROUNDS);
        measure_raw_pingpong(&rawpp, PINGPONG_ROUNDS, 28 + 8 + PINGPONG_LEN);
    }

    /* (c) */
    measure_rate(WIRE_LEN - 28 - 8, &raw1, &ours1, &dg1);
    measure_rate(1400, &raw2, &ours2, &dg2);

    /* report */
    printf("bench_vl1: root %010llx, leaves %010llx and %010llx on 127.0.0.1 (%d-thread, poll)\n\n",
           (unsigned long long)root.id.address, (unsigned long long)leaf_a.id.address,
           (unsigned long long)leaf_b.id.address, 1);
    printf("%-52s %-24s %-12s %s\n", "metric", "value", "target", "verdict");
    printf("%-52s %-24s %-12s %s\n", "----------------------------------------------------",
           "------------------------", "------------", "-------");
    if (!rate_only) {
        report_online(online_doc, online_eager);
        report_rtt(&echo, &spaced, &pp, &rawpp);
    }
    report_rate(&raw1, &ours1, dg1, &raw2, &ours2, dg2);
    report_counters(full, t_start);

    node_stop(&leaf_a);
    node_stop(&leaf_b);
    node_stop(&root);
    close(root.fd);
    close(leaf_a.fd);
    close(leaf_b.fd);
    zt__identity_clear(&root.id);
    zt__identity_clear(&leaf_a.id);
    zt__identity_clear(&leaf_b.id);
    free(echo.rtt_ns);
    free(spaced.rtt_ns);
    free(pp.rtt_ns);
    free(rawpp.rtt_ns);
    return 0;
}
