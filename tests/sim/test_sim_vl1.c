/*
 * test_sim_vl1.c: VL1 scenarios on the deterministic simulator (ctest label "sim").
 *
 * The first tests check the simulator itself (NAT models, links, faults, determinism) with
 * bare underlay hosts and no protocol core.  The scenarios then run real cores: two roots
 * and up to six leaves, public or behind full-cone, port-restricted and symmetric NATs, on
 * links with latency, jitter (reordering), loss and duplication.  Each asserts what
 * spec/vl1.md §4-5 requires; on failure the tail of the trace is printed with the seed
 * (ZT_SIM_TRACE=1 prints events as they happen, =2 every datagram too).
 */
#include "testutil.h"

#include <inttypes.h>

#include "sim.h"

#define MSG_TYPE 0x5a17000001ULL /* > 65535: not reserved (vl1.md §4.8) */

static uint64_t current_seed;
static sim_world *current_world; /* freed by teardown() if a check fails mid-test */
static int64_t first_ping = INT64_MAX; /* when the running test first called zt_node_ping() */

static uint64_t load40(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 5; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- the tap: how packets reached each node --------------------------------------------- */

#define MAXN 16

typedef struct via {
    uint64_t relayed, direct;          /* packets with hops > 0 / hops == 0 */
    int64_t first_relayed, first_direct;
} via;

typedef struct tapctx {
    sim_node *nodes[MAXN];
    unsigned n;
    via v[MAXN][MAXN]; /* [receiver][sender, by header source address] */
    uint64_t raw[MAXN];
    uint8_t last_raw[MAXN][64];
    size_t last_raw_len[MAXN];
    zt_inetaddr last_from[MAXN];
    sim_world *w;
} tapctx;

static tapctx tap;

static void tap_fn(void *user, sim_node *to, const zt_inetaddr *from, const uint8_t *data,
                   size_t len)
{
    tapctx *t = user;
    unsigned ti = sim_index(to), fi;
    uint64_t src;
    via *v;

    if (ti >= MAXN)
        return;
    t->raw[ti]++;
    t->last_from[ti] = *from;
    t->last_raw_len[ti] = len < 64 ? len : 64;
    memcpy(t->last_raw[ti], data, t->last_raw_len[ti]);
    if (len < 28 || data[13] == 0xff)
        return; /* too short, or a fragment: no source address */
    src = load40(data + 13);
    for (fi = 0; fi < t->n; fi++)
        if (sim_address(t->nodes[fi]) == src)
            break;
    if (fi >= t->n)
        return;
    v = &t->v[ti][fi];
    if ((data[18] & 7) != 0) {
        if (v->relayed++ == 0)
            v->first_relayed = sim_now(t->w);
    } else {
        if (v->direct++ == 0)
            v->first_direct = sim_now(t->w);
    }
}

static void tap_install(sim_world *w)
{
    memset(&tap, 0, sizeof(tap));
    tap.w = w;
    sim_set_tap(w, tap_fn, &tap);
}

static void tap_add(sim_node *n)
{
    assert_true(tap.n < MAXN);
    assert_int_equal(sim_index(n), tap.n);
    tap.nodes[tap.n++] = n;
}

/* ---- chatter: USER_MESSAGEs between nodes, recorded to check arrival -------------------- */

typedef struct msg {
    sim_node *from, *to;
    int64_t t;
    char payload[32];
    size_t len;
} msg;

typedef struct chat {
    msg *m;
    size_t n, cap;
    uint64_t ctr;
} chat;

static chat chatlog; /* global so that teardown() frees it when a check fails */

static void chat_free(chat *c)
{
    free(c->m);
    memset(c, 0, sizeof(*c));
}

static chat *chat_begin(void)
{
    chat_free(&chatlog);
    return &chatlog;
}

static int teardown(void **state)
{
    (void)state;
    sim_del(current_world);
    current_world = NULL;
    chat_free(&chatlog);
    return 0;
}

static void world_done(sim_world *w)
{
    if (w == current_world)
        current_world = NULL;
    sim_del(w);
}

#define CHECK(w, cond, ...)                                                                   \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            sim_dump_trace((w), stderr, 60);                                                  \
            fprintf(stderr, "seed %" PRIu64 ", t=%" PRId64 " ms: ", current_seed,             \
                    sim_now(w));                                                              \
            fail_msg(__VA_ARGS__);                                                            \
        }                                                                                     \
    } while (0)

static void chat_send(chat *c, sim_world *w, sim_node *a, sim_node *b)
{
    msg *m;
    int rv;

    if (sim_zt(a) == NULL)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap == 0 ? 256 : c->cap * 2;
        c->m = realloc(c->m, c->cap * sizeof(msg));
        assert_non_null(c->m);
    }
    m = &c->m[c->n++];
    m->from = a;
    m->to = b;
    m->t = sim_now(w);
    m->len = (size_t)snprintf(m->payload, sizeof(m->payload), "msg %" PRIu64 " %s>%s", c->ctr++,
                              sim_name(a), sim_name(b));
    rv = zt_node_send_user_message(sim_zt(a), sim_address(b), MSG_TYPE, m->payload, m->len,
                                   sim_now(w));
    CHECK(w, rv == 0, "%s -> %s: zt_node_send_user_message: %s", sim_name(a), sim_name(b),
          zt_strerror(rv));
}

static bool msg_arrived(const msg *m)
{
    return sim_got_message(m->to, m->from, MSG_TYPE, m->payload, m->len, m->t);
}

/* Every |every| ms until |until|, each node of |g| sends a message to each other one. */
static void chat_all(chat *c, sim_world *w, sim_node **g, size_t ng, int64_t every,
                     int64_t until)
{
    while (sim_now(w) < until) {
        for (size_t i = 0; i < ng; i++)
            for (size_t j = 0; j < ng; j++)
                if (i != j)
                    chat_send(c, w, g[i], g[j]);
        sim_run_for(w, every);
    }
}

/* Counts the messages from |a| to |b| sent in [t0, t1) and how many of them arrived. */
static void chat_count(const chat *c, const sim_node *a, const sim_node *b, int64_t t0,
                       int64_t t1, size_t *sent, size_t *arrived)
{
    *sent = *arrived = 0;
    for (size_t i = 0; i < c->n; i++) {
        const msg *m = &c->m[i];
        if (m->from != a || m->to != b || m->t < t0 || m->t >= t1)
            continue;
        (*sent)++;
        if (msg_arrived(m))
            (*arrived)++;
    }
}

/* ---- the standard world: 2 roots, 6 leaves, one of each kind ---------------------------- */

enum { P, F, R, S, R2, S2, NLEAVES };

typedef struct topo {
    sim_world *w;
    sim_node *root[2];
    sim_node *leaf[NLEAVES];
    sim_nat *nat[NLEAVES];
} topo;

static const char *const leaf_kind[NLEAVES] = {"public",     "full-cone",  "port-restricted",
                                               "symmetric",  "port-restr.2", "symmetric2"};

/* True where spec/vl1.md §5.6's sequence can open a direct path through both NATs. */
static bool expect_direct(int a, int b)
{
    bool sa = a == S || a == S2, sb = b == S || b == S2;
    bool ra = a == R || a == R2, rb = b == R || b == R2;
    if (sa && sb)
        return false; /* symmetric <-> symmetric */
    if ((sa && rb) || (ra && sb))
        return false; /* symmetric <-> port-restricted */
    return true;
}

/* Builds the standard world.  |nleaves| <= NLEAVES takes the first ones (P, F, R, S, ...). */
static void topo_build(topo *t, uint64_t seed, sim_link_cfg link, int nleaves)
{
    static const sim_nat_type types[NLEAVES] = {0, SIM_NAT_FULL_CONE, SIM_NAT_PORT_RESTRICTED,
                                                SIM_NAT_SYMMETRIC, SIM_NAT_PORT_RESTRICTED,
                                                SIM_NAT_SYMMETRIC};
    sim_link_cfg root_link = link;

    memset(t, 0, sizeof(*t));
    current_seed = seed;
    t->w = sim_new(seed);
    current_world = t->w;
    first_ping = INT64_MAX;
    tap_install(t->w);
    sim_set_default_link(t->w, link);
    t->root[0] = sim_add_root(t->w, "198.51.100.1/9993");
    t->root[1] = sim_add_root(t->w, "198.51.100.2/9993");
    /* root0 is nearer, hence the best upstream (vl1.md §5.1); failover tests kill it. */
    root_link.latency_ms = link.latency_ms / 2 > 0 ? link.latency_ms / 2 : 1;
    sim_set_link(t->root[0], root_link);
    root_link.latency_ms = link.latency_ms * 2;
    sim_set_link(t->root[1], root_link);
    tap_add(t->root[0]);
    tap_add(t->root[1]);
    for (int i = 0; i < nleaves; i++) {
        char ip[32], inside[48];
        snprintf(ip, sizeof(ip), "198.18.%d.1", i + 1);
        if (types[i] == 0) {
            snprintf(inside, sizeof(inside), "%s/9993", ip);
            t->leaf[i] = sim_add_node(t->w, NULL, inside);
        } else {
            t->nat[i] = sim_add_nat(t->w, types[i], ip);
            snprintf(inside, sizeof(inside), "10.0.%d.10/9993", i + 1);
            t->leaf[i] = sim_add_node(t->w, t->nat[i], inside);
        }
        tap_add(t->leaf[i]);
    }
    sim_start(t->w);
}

static void check_sim_sane(sim_world *w)
{
    const sim_stats *st = sim_get_stats(w);

    /* node.h: ECHO_REPLY is the answer to zt_node_ping(); keepalives raise nothing. */
    for (unsigned i = 0; i < tap.n; i++) {
        const sim_event *ev = sim_event_find(tap.nodes[i], ZT_NODE_EVENT_ECHO_REPLY, 0, 0);
        CHECK(w, ev == NULL || ev->time >= first_ping,
              "%s raised ECHO_REPLY (peer %010" PRIx64 ", t=%" PRId64
              ") though nobody called zt_node_ping()",
              sim_name(tap.nodes[i]), ev->peer, ev->time);
    }
    CHECK(w, st->fatal == 0, "a core call returned a fatal error");
    CHECK(w, st->bad_socket == 0, "the core sent from a socket ID it was never given");
    CHECK(w, st->deadline_stall == 0,
          "zt_node_next_deadline() was not after the last zt_node_process_timers() %" PRIu64
          " times",
          st->deadline_stall);
}

static void check_all_online(topo *t, int nleaves, const char *when)
{
    for (int r = 0; r < 2; r++)
        if (sim_zt(t->root[r]) != NULL)
            CHECK(t->w, sim_online(t->root[r]), "%s: root%d not online", when, r);
    for (int i = 0; i < nleaves; i++)
        CHECK(t->w, sim_online(t->leaf[i]), "%s: %s leaf %s not online", when, leaf_kind[i],
              sim_name(t->leaf[i]));
}

/* ---- harness self-tests (bare hosts, no core) ------------------------------------------- */

typedef struct rx {
    unsigned count[MAXN];
    zt_inetaddr from[MAXN];
    uint32_t last_seq[MAXN];
    unsigned reordered[MAXN];
    uint8_t last[MAXN][16];
} rx;

static rx rxs;

static void rx_tap(void *user, sim_node *to, const zt_inetaddr *from, const uint8_t *data,
                   size_t len)
{
    unsigned i = sim_index(to);
    uint32_t seq = 0;
    (void)user;
    rxs.count[i]++;
    rxs.from[i] = *from;
    if (len >= 4) {
        seq = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 |
              data[3];
        if (seq < rxs.last_seq[i])
            rxs.reordered[i]++;
        rxs.last_seq[i] = seq;
    }
    memcpy(rxs.last[i], data, len < 16 ? len : 16);
}

static void send_seq(sim_node *from, const zt_inetaddr *to, uint32_t seq, unsigned ttl)
{
    uint8_t b[4] = {(uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8),
                    (uint8_t)seq};
    sim_send_raw(from, to, b, sizeof(b), ttl);
}

static void test_harness_nat_models(void **state)
{
    sim_node_opts bare = {.bare = true};
    sim_world *w = sim_new(11);
    sim_nat *fc, *pr, *sy;
    sim_node *a, *b, *c, *d, *e, *b2;
    zt_inetaddr ea, eb, ecd, ece, tmp;
    (void)state;

    current_seed = 11;
    current_world = w;
    memset(&rxs, 0, sizeof(rxs));
    sim_set_tap(w, rx_tap, NULL);
    fc = sim_add_nat(w, SIM_NAT_FULL_CONE, "198.18.1.1");
    pr = sim_add_nat(w, SIM_NAT_PORT_RESTRICTED, "198.18.2.1");
    sy = sim_add_nat(w, SIM_NAT_SYMMETRIC, "198.18.3.1");
    a = sim_add_node_opts(w, fc, "10.0.0.1/9993", &bare);
    b = sim_add_node_opts(w, pr, "10.0.0.1/9993", &bare); /* same inside IP, another LAN */
    c = sim_add_node_opts(w, sy, "10.0.0.1/9993", &bare);
    d = sim_add_node_opts(w, NULL, "198.51.100.1/9993", &bare);
    e = sim_add_node_opts(w, NULL, "198.51.100.2/9993", &bare);
    b2 = sim_add_node_opts(w, pr, "10.0.0.2/9993", &bare);
    sim_start(w);

    /* Outbound: the receiver sees the NAT's address and a mapped port. */
    send_seq(a, sim_node_addr(d), 1, 0);
    send_seq(b, sim_node_addr(d), 2, 0);
    send_seq(c, sim_node_addr(d), 3, 0);
    send_seq(c, sim_node_addr(e), 4, 0);
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[3], 3);
    assert_int_equal(rxs.count[4], 1);
    assert_true(sim_nat_external(a, sim_node_addr(d), &ea));
    assert_true(sim_nat_external(b, sim_node_addr(d), &eb));
    assert_true(sim_nat_external(c, sim_node_addr(d), &ecd));
    assert_true(sim_nat_external(c, sim_node_addr(e), &ece));
    assert_true(zt__inetaddr_equal(&rxs.from[4], &ece));
    assert_memory_equal(ea.ip, "\xc6\x12\x01\x01", 4);
    assert_memory_equal(eb.ip, "\xc6\x12\x02\x01", 4);
    /* Cone NATs keep one mapping per inside endpoint; symmetric ones one per destination. */
    assert_true(sim_nat_external(a, sim_node_addr(e), &tmp) && zt__inetaddr_equal(&tmp, &ea));
    assert_true(sim_nat_external(b, sim_node_addr(e), &tmp) && zt__inetaddr_equal(&tmp, &eb));
    assert_false(zt__inetaddr_equal(&ecd, &ece));
    assert_false(sim_nat_external(c, &ea, &tmp));

    /* Full cone: anyone may send in once the mapping exists. */
    send_seq(e, &ea, 10, 0);
    /* Port-restricted: only the endpoint b sent to (d), not e. */
    send_seq(e, &eb, 11, 0);
    send_seq(d, &eb, 12, 0);
    /* Symmetric: c's mapping for d accepts d only. */
    send_seq(e, &ecd, 13, 0);
    send_seq(d, &ecd, 14, 0);
    /* Nobody listens at an unmapped port or an unknown address. */
    tmp = ea;
    tmp.port = (uint16_t)(ea.port + 1000);
    send_seq(d, &tmp, 15, 0);
    send_seq(d, &(zt_inetaddr){.family = 4, .ip = {198, 18, 9, 9}, .port = 1}, 16, 0);
    memset(&rxs, 0, sizeof(rxs));
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[0], 1); /* a got 10 */
    assert_int_equal(rxs.last[0][3], 10);
    assert_int_equal(rxs.count[1], 1); /* b got 12 only */
    assert_int_equal(rxs.last[1][3], 12);
    assert_int_equal(rxs.count[2], 1); /* c got 14 only */
    assert_int_equal(rxs.last[2][3], 14);
    assert_true(zt__inetaddr_equal(&rxs.from[1], sim_node_addr(d)));
    assert_int_equal(sim_get_stats(w)->nat_filtered, 3);
    assert_int_equal(sim_get_stats(w)->no_route, 1);

    /* TTL 2 junk opens the sender's own port-restricted state but is not delivered. */
    send_seq(b, sim_node_addr(e), 20, 2);
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[4], 0);
    assert_int_equal(sim_get_stats(w)->ttl_expired, 1);
    send_seq(e, &eb, 21, 0);
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[1], 2);
    assert_int_equal(rxs.last[1][3], 21);

    /* Two hosts on one LAN talk directly, without translation. */
    send_seq(b2, sim_node_addr(b), 30, 0);
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[1], 3);
    assert_true(zt__inetaddr_equal(&rxs.from[1], sim_node_addr(b2)));

    /* Mappings idle longer than the NAT's timeout are gone. */
    sim_nat_set_timeout(fc, 30 * SIM_SEC);
    sim_run_for(w, 31 * SIM_SEC);
    send_seq(e, &ea, 40, 0);
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[0], 1);
    assert_int_equal(sim_get_stats(w)->nat_filtered, 4);

    /* Cuts and isolation, then healing. */
    sim_cut(w, d, e);
    send_seq(d, sim_node_addr(e), 50, 0);
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[4], 0);
    sim_heal(w, e, d);
    send_seq(d, sim_node_addr(e), 51, 0);
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[4], 1);
    sim_isolate(e, true);
    send_seq(d, sim_node_addr(e), 52, 0);
    send_seq(e, sim_node_addr(d), 53, 0);
    sim_run_for(w, SIM_SEC);
    assert_int_equal(rxs.count[4], 1);
    assert_int_equal(rxs.count[3], 0);
    assert_int_equal(sim_get_stats(w)->cut, 3);
    world_done(w);
}

/* Sends |n| numbered datagrams d -> e, 1 ms apart, over links |cfg|; returns what arrived. */
static void link_run(uint64_t seed, sim_link_cfg cfg, unsigned n, unsigned *got,
                     unsigned *reordered, uint64_t *hash)
{
    sim_node_opts bare = {.bare = true};
    sim_world *w = sim_new(seed);
    sim_node *d, *e;

    current_world = w;
    memset(&rxs, 0, sizeof(rxs));
    sim_set_tap(w, rx_tap, NULL);
    sim_set_default_link(w, cfg);
    d = sim_add_node_opts(w, NULL, "198.51.100.1/9993", &bare);
    e = sim_add_node_opts(w, NULL, "198.51.100.2/9993", &bare);
    sim_start(w);
    for (unsigned i = 1; i <= n; i++) {
        send_seq(d, sim_node_addr(e), i, 0);
        sim_run_for(w, 1);
    }
    sim_run_for(w, 10 * SIM_SEC);
    *got = rxs.count[1];
    *reordered = rxs.reordered[1];
    *hash = sim_trace_hash(w);
    world_done(w);
}

static void test_harness_links(void **state)
{
    unsigned got, reordered, got2, reordered2;
    uint64_t h1, h2, h3;
    (void)state;

    /* Clean link: everything arrives, in order. */
    link_run(1, (sim_link_cfg){.latency_ms = 10}, 2000, &got, &reordered, &h1);
    assert_int_equal(got, 2000);
    assert_int_equal(reordered, 0);
    /* 10% loss per crossing, two crossings: ~81% arrive (binomial sd ~0.9%). */
    link_run(2, (sim_link_cfg){.latency_ms = 10, .loss_pct = 10}, 10000, &got, &reordered, &h1);
    assert_in_range(got, 7800, 8400);
    /* 10% duplication per crossing: ~21% extra copies. */
    link_run(3, (sim_link_cfg){.latency_ms = 10, .dup_pct = 10}, 10000, &got, &reordered, &h1);
    assert_in_range(got, 11800, 12400);
    /* Jitter larger than the spacing reorders. */
    link_run(4, (sim_link_cfg){.latency_ms = 10, .jitter_ms = 20}, 2000, &got, &reordered, &h1);
    assert_int_equal(got, 2000);
    assert_true(reordered > 100);
    /* Same seed, same run; another seed, another run. */
    link_run(5, (sim_link_cfg){.latency_ms = 10, .jitter_ms = 5, .loss_pct = 5, .dup_pct = 5},
             3000, &got, &reordered, &h1);
    link_run(5, (sim_link_cfg){.latency_ms = 10, .jitter_ms = 5, .loss_pct = 5, .dup_pct = 5},
             3000, &got2, &reordered2, &h2);
    assert_int_equal(got, got2);
    assert_int_equal(reordered, reordered2);
    assert_true(h1 == h2);
    link_run(6, (sim_link_cfg){.latency_ms = 10, .jitter_ms = 5, .loss_pct = 5, .dup_pct = 5},
             3000, &got2, &reordered2, &h3);
    assert_true(h1 != h3);
}

/* ---- scenarios -------------------------------------------------------------------------- */

static const sim_link_cfg clean_link = {.latency_ms = 15, .jitter_ms = 0};

/*
 * All nodes come online through the roots (vl1.md §5.2); a leaf reaches a peer it never heard
 * of: WHOIS to an upstream, then the message relayed by a root (§5.3-5.5).
 */
static void test_online_whois_relay(void **state)
{
    topo t;
    const sim_event *ev;
    uint64_t relayed = 0;
    (void)state;

    topo_build(&t, 101, clean_link, NLEAVES);
    sim_run_until(t.w, 15 * SIM_SEC);
    check_all_online(&t, NLEAVES, "15 s after start");
    for (int r = 0; r < 2; r++) {
        CHECK(t.w, zt_node_is_root(sim_zt(t.root[r])), "root%d does not know it is a root", r);
        CHECK(t.w, zt_node_planet_id(sim_zt(t.root[r])) == 0x5157a11dULL, "planet id");
    }
    for (int i = 0; i < NLEAVES; i++) {
        zt_peer_info pi;
        CHECK(t.w, !zt_node_is_root(sim_zt(t.leaf[i])), "leaf says it is a root");
        CHECK(t.w, sim_event_find(t.leaf[i], ZT_NODE_EVENT_ONLINE, 0, 0) != NULL,
              "%s: no ONLINE event", leaf_kind[i]);
        for (int r = 0; r < 2; r++) {
            CHECK(t.w, zt_node_peer(sim_zt(t.leaf[i]), sim_address(t.root[r]), &pi) == 0,
                  "%s does not hold root%d", leaf_kind[i], r);
            CHECK(t.w, pi.is_upstream, "%s: root%d not upstream", leaf_kind[i], r);
            CHECK(t.w, sim_has_direct_path(t.leaf[i], t.root[r]),
                  "%s has no alive path to root%d", leaf_kind[i], r);
        }
        /* Leaves have not met yet. */
        for (int j = 0; j < NLEAVES; j++)
            CHECK(t.w, j == i || zt_node_peer(sim_zt(t.leaf[i]), sim_address(t.leaf[j]), &pi) ==
                                     ZT_ERR_NOTFOUND,
                  "%s already knows %s", leaf_kind[i], leaf_kind[j]);
    }

    /* A message to a peer never heard of: S -> S2 (both symmetric, so it must be relayed). */
    {
        chat *c = chat_begin();
        chat_send(c, t.w, t.leaf[S], t.leaf[S2]);
        ev = sim_run_until_event(t.w, t.leaf[S2], ZT_NODE_EVENT_USER_MESSAGE,
                                 sim_address(t.leaf[S]), sim_now(t.w) + 5 * SIM_SEC);
        CHECK(t.w, ev != NULL, "USER_MESSAGE S -> S2 did not arrive within 5 s");
        CHECK(t.w, msg_arrived(&c->m[0]), "payload or type differs");
        CHECK(t.w, sim_counters(t.leaf[S])->whois_sent >= 1, "S sent no WHOIS");
        CHECK(t.w, tap.v[sim_index(t.leaf[S2])][sim_index(t.leaf[S])].relayed >= 1,
              "S2 got nothing relayed from S");
        /* And back: S2 learned S from the relayed packet (WHOIS or its own lookup). */
        chat_send(c, t.w, t.leaf[S2], t.leaf[S]);
        ev = sim_run_until_event(t.w, t.leaf[S], ZT_NODE_EVENT_USER_MESSAGE,
                                 sim_address(t.leaf[S2]), sim_now(t.w) + 5 * SIM_SEC);
        CHECK(t.w, ev != NULL && msg_arrived(&c->m[1]), "USER_MESSAGE S2 -> S did not arrive");
        chat_free(c);
    }
    for (int r = 0; r < 2; r++)
        relayed += sim_counters(t.root[r])->relayed;
    CHECK(t.w, relayed >= 2, "roots relayed %" PRIu64 " packets", relayed);

    /* ECHO_REPLY answers zt_node_ping() (node.h), and only that: none so far. */
    check_sim_sane(t.w);
    /* P pings root0 directly: RTT = 2 x (15 + 7) ms on these links.  A root answers one ECHO
     * per path per 166 ms (vl1.md §5.9), so a ping right after a keepalive may go unanswered:
     * retry as an application would. */
    first_ping = sim_now(t.w);
    ev = NULL;
    for (int i = 0; i < 3 && ev == NULL; i++) {
        CHECK(t.w, zt_node_ping(sim_zt(t.leaf[P]), sim_address(t.root[0]), sim_now(t.w)) == 0,
              "zt_node_ping failed");
        ev = sim_run_until_event(t.w, t.leaf[P], ZT_NODE_EVENT_ECHO_REPLY,
                                 sim_address(t.root[0]), sim_now(t.w) + SIM_SEC);
    }
    CHECK(t.w, ev != NULL, "no ECHO_REPLY from root0 to 3 pings");
    CHECK(t.w, ev->rtt_ms >= 44 && ev->rtt_ms <= 50, "RTT to root0 %" PRId64 " ms, expected 44",
          ev->rtt_ms);
    check_sim_sane(t.w);
    world_done(t.w);
}

/*
 * Every pair of six leaves exchanges messages for two minutes.  Traffic is relayed first;
 * RENDEZVOUS then opens direct paths wherever the two NATs allow it (vl1.md §4.4, §5.6), and
 * pairs that cannot go direct (symmetric with port-restricted or symmetric) stay relayed and
 * keep working.
 */
static void test_nat_matrix(void **state)
{
    topo t;
    chat *c = chat_begin();
    int64_t t0;
    uint64_t rendezvous = 0;
    (void)state;

    topo_build(&t, 102, clean_link, NLEAVES);
    sim_run_until(t.w, 10 * SIM_SEC);
    t0 = sim_now(t.w);
    chat_all(c, t.w, t.leaf, NLEAVES, 5 * SIM_SEC, t0 + 120 * SIM_SEC);
    sim_run_for(t.w, 5 * SIM_SEC);
    check_all_online(&t, NLEAVES, "after 2 min of chatter");

    for (int r = 0; r < 2; r++)
        rendezvous += sim_counters(t.root[r])->rendezvous_sent;
    CHECK(t.w, rendezvous > 0, "no root sent RENDEZVOUS");

    for (int i = 0; i < NLEAVES; i++)
        for (int j = 0; j < NLEAVES; j++) {
            const via *v;
            size_t sent, arrived;
            if (i == j)
                continue;
            v = &tap.v[sim_index(t.leaf[j])][sim_index(t.leaf[i])];
            chat_count(c, t.leaf[i], t.leaf[j], 0, INT64_MAX, &sent, &arrived);
            CHECK(t.w, sent > 20 && arrived == sent,
                  "%s -> %s: %zu of %zu messages arrived on clean links", leaf_kind[i],
                  leaf_kind[j], arrived, sent);
            CHECK(t.w, v->relayed > 0 && (v->direct == 0 || v->first_relayed < v->first_direct),
                  "%s -> %s: traffic was not relayed first (relayed %" PRIu64
                  ", direct %" PRIu64 ")",
                  leaf_kind[i], leaf_kind[j], v->relayed, v->direct);
            if (expect_direct(i, j)) {
                CHECK(t.w, sim_has_direct_path(t.leaf[i], t.leaf[j]),
                      "%s has no alive direct path to %s", leaf_kind[i], leaf_kind[j]);
                CHECK(t.w,
                      sim_event_find(t.leaf[i], ZT_NODE_EVENT_PEER_DIRECT,
                                     sim_address(t.leaf[j]), 0) != NULL,
                      "%s: no PEER_DIRECT for %s", leaf_kind[i], leaf_kind[j]);
                CHECK(t.w, v->direct > 0 && v->first_direct < t0 + 60 * SIM_SEC,
                      "%s -> %s: no direct packet within 60 s", leaf_kind[i], leaf_kind[j]);
            } else {
                CHECK(t.w, !sim_has_direct_path(t.leaf[i], t.leaf[j]),
                      "%s claims a direct path to %s through NATs that cannot allow one",
                      leaf_kind[i], leaf_kind[j]);
                CHECK(t.w, v->direct == 0, "%s -> %s: a direct packet crossed two NATs",
                      leaf_kind[i], leaf_kind[j]);
                CHECK(t.w,
                      sim_event_find(t.leaf[i], ZT_NODE_EVENT_PEER_DIRECT,
                                     sim_address(t.leaf[j]), 0) == NULL,
                      "%s: PEER_DIRECT for %s", leaf_kind[i], leaf_kind[j]);
            }
        }
    check_sim_sane(t.w);
    chat_free(c);
    world_done(t.w);
}

/*
 * The same six leaves on bad links: 5% loss per link crossing (about 10% on a direct path; a
 * relayed packet crosses four links), jitter that reorders, and duplication.  Nodes come and
 * stay online, messages get through (most of them: USER_MESSAGE has no retransmission),
 * direct paths still form where the NATs allow (one punch per RENDEZVOUS, every 30 s, so it
 * may take a few), and nothing fails authentication.
 */
static void test_lossy_network(void **state)
{
    const sim_link_cfg bad = {.latency_ms = 20, .jitter_ms = 60, .loss_pct = 5, .dup_pct = 5};
    topo t;
    chat *c = chat_begin();
    int64_t t0;
    (void)state;

    topo_build(&t, 103, bad, NLEAVES);
    sim_run_until(t.w, 30 * SIM_SEC);
    check_all_online(&t, NLEAVES, "30 s after start on lossy links");
    t0 = sim_now(t.w);
    chat_all(c, t.w, t.leaf, NLEAVES, 3 * SIM_SEC, t0 + 240 * SIM_SEC);
    sim_run_for(t.w, 5 * SIM_SEC);
    check_all_online(&t, NLEAVES, "after 240 s of chatter on lossy links");
    for (int i = 0; i < NLEAVES; i++) {
        CHECK(t.w, sim_event_count(t.leaf[i], ZT_NODE_EVENT_OFFLINE, 0, 0) == 0,
              "%s went offline", leaf_kind[i]);
        CHECK(t.w, sim_counters(t.leaf[i])->drop_auth == 0,
              "%s: %" PRIu64 " packets failed authentication (nothing corrupts them here)",
              leaf_kind[i], sim_counters(t.leaf[i])->drop_auth);
        for (int j = 0; j < NLEAVES; j++) {
            size_t sent, arrived;
            if (i == j)
                continue;
            chat_count(c, t.leaf[i], t.leaf[j], t0, INT64_MAX, &sent, &arrived);
            CHECK(t.w, sent >= 75 && arrived * 100 >= sent * 70,
                  "%s -> %s: only %zu of %zu messages arrived", leaf_kind[i], leaf_kind[j],
                  arrived, sent);
            if (expect_direct(i, j))
                CHECK(t.w,
                      sim_event_find(t.leaf[i], ZT_NODE_EVENT_PEER_DIRECT,
                                     sim_address(t.leaf[j]), 0) != NULL,
                      "%s never went direct to %s", leaf_kind[i], leaf_kind[j]);
            else
                CHECK(t.w, tap.v[sim_index(t.leaf[j])][sim_index(t.leaf[i])].direct == 0,
                      "%s -> %s: a direct packet crossed two NATs", leaf_kind[i],
                      leaf_kind[j]);
        }
    }
    {
        const sim_stats *st = sim_get_stats(t.w);
        CHECK(t.w, st->lost > 0 && st->duplicated > 0, "the links were not lossy");
    }
    check_sim_sane(t.w);
    chat_free(c);
    world_done(t.w);
}

/*
 * Worse: 10% loss per crossing (19% on a direct path, 34% relayed).  Liveness only: everyone
 * stays online and every pair still gets most messages through.
 */
static void test_very_lossy_network(void **state)
{
    const sim_link_cfg bad = {.latency_ms = 30, .jitter_ms = 40, .loss_pct = 10, .dup_pct = 10};
    topo t;
    chat *c = chat_begin();
    int64_t t0;
    (void)state;

    topo_build(&t, 108, bad, 4 /* P, F, R, S */);
    sim_run_until(t.w, 30 * SIM_SEC);
    check_all_online(&t, 4, "30 s after start on very lossy links");
    t0 = sim_now(t.w);
    while (sim_now(t.w) < t0 + 180 * SIM_SEC) {
        chat_all(c, t.w, t.leaf, 4, 3 * SIM_SEC, sim_now(t.w) + 3 * SIM_SEC);
        check_all_online(&t, 4, "on very lossy links");
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            size_t sent, arrived;
            if (i == j)
                continue;
            chat_count(c, t.leaf[i], t.leaf[j], t0, INT64_MAX, &sent, &arrived);
            CHECK(t.w, sent >= 55 && arrived * 100 >= sent * 50,
                  "%s -> %s: only %zu of %zu messages arrived", leaf_kind[i], leaf_kind[j],
                  arrived, sent);
        }
    check_sim_sane(t.w);
    chat_free(c);
    world_done(t.w);
}

/*
 * A root dies: nodes stay online through the other (vl1.md §5.2: online iff some upstream was
 * heard within the window) and relayed traffic moves to it (§5.1 best upstream).  Then the
 * first root comes back and the second dies: they fail over again.
 */
static void test_root_failover(void **state)
{
    topo t;
    chat *c = chat_begin();
    sim_node *g[4];
    int64_t t_kill, t_kill2;
    (void)state;

    topo_build(&t, 104, (sim_link_cfg){.latency_ms = 15, .jitter_ms = 5, .loss_pct = 1},
               4 /* P, F, R, S */);
    g[0] = t.leaf[P];
    g[1] = t.leaf[F];
    g[2] = t.leaf[R];
    g[3] = t.leaf[S];
    sim_run_until(t.w, 10 * SIM_SEC);
    chat_all(c, t.w, g, 4, 5 * SIM_SEC, 60 * SIM_SEC);
    check_all_online(&t, 4, "before the root dies");

    t_kill = sim_now(t.w);
    sim_note(t.w, "killing root0");
    sim_kill(t.root[0]);
    while (sim_now(t.w) < t_kill + 240 * SIM_SEC) {
        chat_all(c, t.w, g, 4, 2 * SIM_SEC, sim_now(t.w) + 2 * SIM_SEC);
        check_all_online(&t, 4, "after root0 died");
    }
    for (int i = 0; i < 4; i++) {
        CHECK(t.w, sim_event_count(g[i], ZT_NODE_EVENT_OFFLINE, 0, t_kill) == 0,
              "%s went offline after root0 died", leaf_kind[i]);
        for (int j = 0; j < 4; j++) {
            size_t sent, arrived;
            if (i == j)
                continue;
            /* Allow 45 s to notice the dead root (activity window + ping period). */
            chat_count(c, g[i], g[j], t_kill + 45 * SIM_SEC, INT64_MAX, &sent, &arrived);
            CHECK(t.w, sent > 0 && arrived * 100 >= sent * 90,
                  "%s -> %s after failover: %zu of %zu arrived", leaf_kind[i], leaf_kind[j],
                  arrived, sent);
        }
    }
    /* R <-> S can only be relayed: after the failover, by root1. */
    CHECK(t.w, sim_counters(t.root[1])->relayed > 0, "root1 relayed nothing");

    /* root0 returns, root1 dies. */
    sim_restart(t.root[0]);
    chat_all(c, t.w, g, 4, 5 * SIM_SEC, sim_now(t.w) + 60 * SIM_SEC);
    t_kill2 = sim_now(t.w);
    sim_note(t.w, "killing root1");
    sim_kill(t.root[1]);
    while (sim_now(t.w) < t_kill2 + 180 * SIM_SEC) {
        chat_all(c, t.w, g, 4, 2 * SIM_SEC, sim_now(t.w) + 2 * SIM_SEC);
        check_all_online(&t, 4, "after root1 died");
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            size_t sent, arrived;
            if (i == j)
                continue;
            chat_count(c, g[i], g[j], t_kill2 + 45 * SIM_SEC, INT64_MAX, &sent, &arrived);
            CHECK(t.w, sent > 0 && arrived * 100 >= sent * 90,
                  "%s -> %s after the second failover: %zu of %zu arrived", leaf_kind[i],
                  leaf_kind[j], arrived, sent);
        }
    check_sim_sane(t.w);
    chat_free(c);
    world_done(t.w);
}

static bool has_path_to(const sim_node *a, const sim_node *b, const zt_inetaddr *remote,
                        bool *alive)
{
    zt_peer_info pi;
    if (zt_node_peer(sim_zt(a), sim_address(b), &pi) != 0)
        return false;
    for (unsigned i = 0; i < pi.npaths && i < ZT_NODE_MAX_PATHS; i++)
        if (zt__inetaddr_equal(&pi.paths[i].remote, remote)) {
            *alive = pi.paths[i].alive;
            return true;
        }
    return false;
}

/*
 * A direct path dies when its link is cut: it stops being alive, and PATH_DEAD is raised once
 * it expires (243 s without receive, vl1.md §5.4, §5.7); traffic goes back through the relay.
 * When the link heals the direct path comes back (the root's next RENDEZVOUS, §5.5).
 */
static void test_path_cut_and_heal(void **state)
{
    topo t;
    chat *c = chat_begin();
    sim_node *g[2];
    zt_inetaddr p_seen_by_f, f_seen_by_p;
    int64_t t_cut, t_heal, t_dead = -1;
    bool alive;
    size_t sent, arrived;
    (void)state;

    topo_build(&t, 105, clean_link, 2 /* P, F */);
    g[0] = t.leaf[P];
    g[1] = t.leaf[F];
    sim_run_until(t.w, 10 * SIM_SEC);
    chat_all(c, t.w, g, 2, 5 * SIM_SEC, 60 * SIM_SEC);
    CHECK(t.w, sim_has_direct_path(g[0], g[1]) && sim_has_direct_path(g[1], g[0]),
          "public <-> full-cone did not go direct");
    p_seen_by_f = *sim_node_addr(g[0]);
    CHECK(t.w, sim_nat_external(g[1], &p_seen_by_f, &f_seen_by_p), "no NAT mapping");
    CHECK(t.w, has_path_to(g[0], g[1], &f_seen_by_p, &alive) && alive,
          "P's path is not to F's mapped address");

    t_cut = sim_now(t.w);
    sim_cut(t.w, g[0], g[1]);
    while (sim_now(t.w) < t_cut + 300 * SIM_SEC) {
        chat_all(c, t.w, g, 2, 5 * SIM_SEC, sim_now(t.w) + 5 * SIM_SEC);
        if (t_dead < 0 && sim_event_find(g[0], ZT_NODE_EVENT_PATH_DEAD, sim_address(g[1]),
                                         t_cut) != NULL)
            t_dead = sim_now(t.w);
    }
    CHECK(t.w, !sim_has_direct_path(g[0], g[1]) && !sim_has_direct_path(g[1], g[0]),
          "a direct path is still alive 300 s after the cut");
    {
        const sim_event *ev = sim_event_find(g[0], ZT_NODE_EVENT_PATH_DEAD, sim_address(g[1]),
                                             t_cut);
        CHECK(t.w, ev != NULL, "P raised no PATH_DEAD for F within 300 s of the cut");
        CHECK(t.w, zt__inetaddr_equal(&ev->remote, &f_seen_by_p), "PATH_DEAD for another path");
        CHECK(t.w, ev->time >= t_cut + 19 * SIM_SEC,
              "PATH_DEAD %" PRId64 " ms after the cut: earlier than any timeout",
              ev->time - t_cut);
        CHECK(t.w,
              sim_event_find(g[1], ZT_NODE_EVENT_PATH_DEAD, sim_address(g[0]), t_cut) != NULL,
              "F raised no PATH_DEAD for P");
    }
    check_all_online(&t, 2, "during the cut");
    /* Once the path has expired, traffic is relayed again. */
    for (int i = 0; i < 2; i++) {
        chat_count(c, g[i], g[1 - i], t_cut + 250 * SIM_SEC, INT64_MAX, &sent, &arrived);
        CHECK(t.w, sent > 0 && arrived == sent,
              "%s -> %s after the path expired: %zu of %zu arrived", leaf_kind[i],
              leaf_kind[1 - i], arrived, sent);
    }

    t_heal = sim_now(t.w);
    sim_heal(t.w, g[0], g[1]);
    chat_all(c, t.w, g, 2, 5 * SIM_SEC, t_heal + 120 * SIM_SEC);
    CHECK(t.w, sim_has_direct_path(g[0], g[1]) && sim_has_direct_path(g[1], g[0]),
          "the direct path did not come back within 120 s of healing");
    CHECK(t.w,
          sim_event_find(g[0], ZT_NODE_EVENT_PEER_DIRECT, sim_address(g[1]), t_heal) != NULL ||
              sim_event_find(g[0], ZT_NODE_EVENT_PATH_ALIVE, sim_address(g[1]), t_heal) !=
                  NULL ||
              sim_event_find(g[0], ZT_NODE_EVENT_PATH_DISCOVERED, sim_address(g[1]), t_heal) !=
                  NULL,
          "no event announced the recovered path");
    chat_count(c, g[0], g[1], t_heal, INT64_MAX, &sent, &arrived);
    CHECK(t.w, arrived == sent, "P -> F after healing: %zu of %zu arrived", arrived, sent);
    check_sim_sane(t.w);
    chat_free(c);
    world_done(t.w);
}

/*
 * No NAT at all: five public leaves, four of which message the fifth every 5 s.  Every
 * message arrives, every pair goes direct, and nothing else is reported (check_sim_sane: no
 * ECHO_REPLY without zt_node_ping()).
 */
static void test_public_star(void **state)
{
    topo t;
    sim_node *leaves[5];
    (void)state;

    memset(&t, 0, sizeof(t));
    current_seed = 5;
    t.w = sim_new(5);
    current_world = t.w;
    first_ping = INT64_MAX;
    tap_install(t.w);
    tap_add(sim_add_root(t.w, "198.51.100.1/9993"));
    tap_add(sim_add_root(t.w, "198.51.100.2/9993"));
    for (int i = 0; i < 5; i++) {
        char a[48];
        snprintf(a, sizeof(a), "198.18.%d.1/9993", i == 4 ? 50 : i + 1);
        leaves[i] = sim_add_node(t.w, NULL, a);
        tap_add(leaves[i]);
    }
    sim_run_until(t.w, 10 * SIM_SEC);
    while (sim_now(t.w) < 70 * SIM_SEC) {
        /* The same short payload every time. */
        for (int i = 0; i < 4; i++)
            CHECK(t.w,
                  zt_node_send_user_message(sim_zt(leaves[i]), sim_address(leaves[4]),
                                            0x100000, "hello", 5, sim_now(t.w)) == 0,
                  "send failed");
        sim_run_for(t.w, 5 * SIM_SEC);
    }
    for (int i = 0; i < 4; i++) {
        size_t n = 0, ne;
        const sim_event *ev = sim_events(leaves[4], &ne);
        for (size_t k = 0; k < ne; k++)
            if (ev[k].type == ZT_NODE_EVENT_USER_MESSAGE && ev[k].peer == sim_address(leaves[i]) &&
                ev[k].message_type == 0x100000 && ev[k].len == 5 &&
                memcmp(ev[k].data, "hello", 5) == 0)
                n++;
        CHECK(t.w, n == 12, "%s -> %s: %zu of 12 arrived", sim_name(leaves[i]),
              sim_name(leaves[4]), n);
        CHECK(t.w, sim_has_direct_path(leaves[4], leaves[i]), "%s is not direct",
              sim_name(leaves[i]));
    }
    check_sim_sane(t.w);
    world_done(t.w);
}

/* A short lossy scenario; returns its trace hash. */
static uint64_t replay_run(uint64_t seed, uint64_t *delivered)
{
    const sim_link_cfg bad = {.latency_ms = 15, .jitter_ms = 30, .loss_pct = 5, .dup_pct = 5};
    topo t;
    chat *c = chat_begin();
    uint64_t h;

    topo_build(&t, seed, bad, 4);
    sim_run_until(t.w, 10 * SIM_SEC);
    chat_all(c, t.w, t.leaf, 4, 3 * SIM_SEC, 40 * SIM_SEC);
    check_sim_sane(t.w);
    h = sim_trace_hash(t.w);
    *delivered = sim_get_stats(t.w)->delivered;
    chat_free(c);
    world_done(t.w);
    return h;
}

/* Same seed, same result: the whole trace (every delivery and every event) is identical. */
static void test_same_seed_same_trace(void **state)
{
    uint64_t d1, d2, d3;
    uint64_t h1 = replay_run(7, &d1), h2 = replay_run(7, &d2), h3 = replay_run(8, &d3);
    (void)state;

    if (h1 != h2)
        fail_msg("seed 7 twice: trace %016" PRIx64 " vs %016" PRIx64 " (%" PRIu64 " vs %" PRIu64
                 " deliveries)",
                 h1, h2, d1, d2);
    assert_int_equal(d1, d2);
    if (d1 < 300)
        fail_msg("only %" PRIu64 " deliveries", d1);
    assert_true(h1 != h3); /* the hash does depend on the seed */
}

enum { G_SHORT, G_LONG, G_UNKNOWN_SRC, G_BAD_MAC, G_FRAGMENT, G_HEAD, G_KINDS };

static const char *const garbage_kind[G_KINDS] = {
    "short random bytes", "long random bytes",  "packet from an unknown source",
    "packet from a known peer with a bad MAC", "orphan fragment", "head whose fragments never come",
};

/* Fills |buf| with one garbage datagram of |kind| aimed at |victim|; returns its length. */
static size_t garbage(sim_world *w, unsigned kind, uint64_t victim, uint64_t known, uint8_t *buf,
                      size_t cap)
{
    size_t len = 28 + (size_t)(sim_rand(w) % (cap - 28));

    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = sim_rand(w);
        memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
    }
    switch (kind) {
    case G_SHORT:
        len = (size_t)(sim_rand(w) % 28);
        break;
    case G_LONG: /* random destination too: not for us (or, at a root, nowhere to relay) */
        break;
    case G_UNKNOWN_SRC: /* the core may WHOIS the source and park the packet (vl1.md §5.3) */
    case G_BAD_MAC:
        zt__store_be(buf + 8, victim, 5);
        zt__store_be(buf + 13,
                     kind == G_BAD_MAC ? known : (sim_rand(w) % 0xfe00000000ULL) + 0x100, 5);
        buf[18] = (uint8_t)((sim_rand(w) % 4) << 3); /* suites 0..3, hops 0 */
        break;
    case G_FRAGMENT: /* vl1.md §2.4 */
        zt__store_be(buf + 8, victim, 5);
        buf[13] = 0xff;
        buf[14] = (uint8_t)((2 + sim_rand(w) % 6) << 4 | (1 + sim_rand(w) % 6));
        buf[15] = 0;
        break;
    default: /* G_HEAD: fragmented flag, suite 1 */
        zt__store_be(buf + 8, victim, 5);
        zt__store_be(buf + 13, known, 5);
        buf[18] = 0x40 | 0x08;
        break;
    }
    return len;
}

static uint64_t drops(const zt_node_counters *k)
{
    return k->drop_short + k->drop_malformed + k->drop_auth + k->drop_unsupported_cipher +
           k->drop_not_for_us + k->drop_fragment + k->drop_unknown_peer + k->drop_rate_limited +
           k->drop_invalid_identity + k->drop_unexpected_ok + k->drop_queue_full +
           k->drop_hops + k->drop_no_route;
}

/* Injects |n| garbage datagrams (|kind|, or a random kind if G_KINDS) into |victim| over |span|
 * ms, from random addresses, then lets 10 s pass so that whatever was parked expires. */
static void flood(sim_world *w, sim_node *victim, uint64_t known, unsigned kind, unsigned n,
                  int64_t span)
{
    uint8_t buf[1500];
    int64_t t_end = sim_now(w) + span;

    for (unsigned i = 0; i < n; i++) {
        zt_inetaddr from = {.family = 4};
        uint64_t r = sim_rand(w);
        unsigned k = kind < G_KINDS ? kind : (unsigned)(r % G_KINDS);
        size_t len = garbage(w, k, sim_address(victim), known, buf, sizeof(buf));
        from.ip[0] = 198;
        from.ip[1] = 19;
        from.ip[2] = (uint8_t)(r >> 8);
        from.ip[3] = (uint8_t)(r >> 16);
        from.port = (uint16_t)(1024 + (r >> 24) % 60000);
        sim_inject(w, victim, &from, buf, len);
        if (i % 50 == 49)
            sim_run_for(w, span / ((int64_t)n / 50));
    }
    sim_run_until(w, t_end + 10 * SIM_SEC);
}

/*
 * Garbage from random addresses is dropped and counted (STYLE.md §5.3: a per-reason counter
 * for every discarded datagram; §6: a bounded table that is full is a counted drop too),
 * creates no peer, and does not make the core's memory grow with the size of the flood; the
 * node keeps working.  Checked on a leaf and on a root, kind by kind, then mixed.
 */
static void test_garbage_flood(void **state)
{
    topo t;
    chat *c = chat_begin();
    sim_node *victims[2];
    (void)state;

    topo_build(&t, 106, clean_link, 2 /* P, F */);
    victims[0] = t.leaf[P];
    victims[1] = t.root[0];
    sim_run_until(t.w, 10 * SIM_SEC);
    chat_all(c, t.w, t.leaf, 2, 5 * SIM_SEC, 30 * SIM_SEC);

    for (int v = 0; v < 2; v++) {
        sim_node *victim = victims[v];
        uint64_t known = sim_address(v == 0 ? t.leaf[F] : t.leaf[P]);
        const zt_node_counters *k = sim_counters(victim);
        size_t peers0 = sim_npeers(victim), mem0 = sim_mem_in_use(victim);
        uint64_t rx0, drop0, whois0 = k->whois_sent;

        char uncounted[512] = "";
        size_t ulen = 0;

        for (unsigned kind = 0; kind < G_KINDS; kind++) {
            rx0 = k->rx_datagrams;
            drop0 = drops(k);
            flood(t.w, victim, known, kind, 500, 5 * SIM_SEC);
            CHECK(t.w, k->rx_datagrams - rx0 >= 500, "%s: rx_datagrams grew by %" PRIu64,
                  sim_name(victim), k->rx_datagrams - rx0);
            if (drops(k) - drop0 < 500 && ulen < sizeof(uncounted))
                ulen += (size_t)snprintf(uncounted + ulen, sizeof(uncounted) - ulen,
                                         " [500 x %s: %" PRIu64 " counted]", garbage_kind[kind],
                                         drops(k) - drop0);
            CHECK(t.w, sim_mem_in_use(victim) <= mem0 + 4096,
                  "%s: 500 x %s: memory %zu -> %zu bytes", sim_name(victim), garbage_kind[kind],
                  mem0, sim_mem_in_use(victim));
            CHECK(t.w, sim_npeers(victim) <= peers0, "%s: %s created peers (%zu -> %zu)",
                  sim_name(victim), garbage_kind[kind], peers0, sim_npeers(victim));
        }
        CHECK(t.w, ulen == 0, "%s: garbage dropped without a counter (10 s later):%s",
              sim_name(victim), uncounted);
        rx0 = k->rx_datagrams;
        drop0 = drops(k);
        flood(t.w, victim, known, G_KINDS, 20000, 20 * SIM_SEC);
        CHECK(t.w, drops(k) - drop0 >= 20000 && drops(k) - drop0 <= k->rx_datagrams - rx0,
              "%s: 20000 mixed: %" PRIu64 " counted as dropped", sim_name(victim),
              drops(k) - drop0);
        CHECK(t.w, sim_mem_in_use(victim) <= mem0 + 4096 && sim_npeers(victim) <= peers0,
              "%s: after 20000 mixed: memory %zu -> %zu bytes, peers %zu -> %zu",
              sim_name(victim), mem0, sim_mem_in_use(victim), peers0, sim_npeers(victim));
        CHECK(t.w, k->whois_sent - whois0 <= 23000, "%s: more WHOIS than garbage datagrams",
              sim_name(victim));
    }
    /* Still working. */
    {
        int64_t t1 = sim_now(t.w);
        size_t sent, arrived;
        chat_all(c, t.w, t.leaf, 2, 5 * SIM_SEC, t1 + 30 * SIM_SEC);
        check_all_online(&t, 2, "after the flood");
        chat_count(c, t.leaf[P], t.leaf[F], t1, INT64_MAX, &sent, &arrived);
        CHECK(t.w, sent > 0 && arrived == sent, "P -> F after the flood: %zu of %zu", arrived,
              sent);
        chat_count(c, t.leaf[F], t.leaf[P], t1, INT64_MAX, &sent, &arrived);
        CHECK(t.w, sent > 0 && arrived == sent, "F -> P after the flood: %zu of %zu", arrived,
              sent);
    }
    check_sim_sane(t.w);
    chat_free(c);
    world_done(t.w);
}

/*
 * A node configured for at most 4 peers (2 roots + 2) is messaged by 4 others (vl1.md §5.1
 * and STYLE.md §6: every table has a bound).  It never holds more than 4, keeps both
 * upstreams, stays online and still hears from some peers.  Once they fall idle
 * (peer_idle_ms) the slots are free again for the peers that were left out.
 */
static void test_peer_bound(void **state)
{
    sim_node_opts small = {.max_peers = 4};
    topo t;
    chat *c = chat_begin();
    sim_node *v;
    size_t maxseen = 0, arrived_total = 0, got[4];
    int least[2] = {-1, -1};
    (void)state;

    topo_build(&t, 107, clean_link, 4 /* P, F, R, S */);
    v = sim_add_node_opts(t.w, NULL, "198.18.50.1/9993", &small);
    tap_add(v);
    sim_run_until(t.w, 10 * SIM_SEC);
    CHECK(t.w, sim_online(v), "the small node is not online");
    while (sim_now(t.w) < 70 * SIM_SEC) {
        for (int i = 0; i < 4; i++)
            chat_send(c, t.w, t.leaf[i], v);
        sim_run_for(t.w, 5 * SIM_SEC);
        if (sim_npeers(v) > maxseen)
            maxseen = sim_npeers(v);
        CHECK(t.w, sim_npeers(v) <= 4, "the node holds %zu peers, max_peers is 4",
              sim_npeers(v));
    }
    CHECK(t.w, sim_online(v), "the small node went offline");
    for (int r = 0; r < 2; r++) {
        zt_peer_info pi;
        CHECK(t.w, zt_node_peer(sim_zt(v), sim_address(t.root[r]), &pi) == 0,
              "the small node dropped root%d", r);
    }
    for (int i = 0; i < 4; i++) {
        size_t sent;
        chat_count(c, t.leaf[i], v, 0, INT64_MAX, &sent, &got[i]);
        arrived_total += got[i];
        if (least[0] < 0 || got[i] < got[least[0]]) {
            least[1] = least[0];
            least[0] = i;
        } else if (least[1] < 0 || got[i] < got[least[1]]) {
            least[1] = i;
        }
    }
    CHECK(t.w, maxseen == 4, "the node never filled its table (max %zu)", maxseen);
    CHECK(t.w, arrived_total > 0, "no message reached the small node");

    /* Quiet: the leaves become idle and are forgotten (keepalives stop after peer_idle_ms,
     * the peer goes peer_idle_ms later, at a 30 s housekeeping; vl1.md §5.7). */
    {
        int64_t t_quiet = sim_now(t.w);
        zt_peer_info held[8];
        size_t nheld = zt_node_peers(sim_zt(v), held, 8);
        sim_run_for(t.w, 200 * SIM_SEC);
        CHECK(t.w, sim_npeers(v) <= 2, "idle peers were not forgotten (%zu held)",
              sim_npeers(v));
        for (size_t i = 0; i < nheld && i < 8; i++)
            CHECK(t.w,
                  held[i].is_upstream || sim_event_find(v, ZT_NODE_EVENT_PEER_UNREACHABLE,
                                                        held[i].address, t_quiet) != NULL,
                  "peer %010" PRIx64 " was forgotten without PEER_UNREACHABLE (node.h: "
                  "\"forgotten (idle) or WHOIS gave up\")",
                  held[i].address);
    }
    for (int k = 0; k < 2; k++) {
        int64_t t1 = sim_now(t.w);
        size_t sent, arrived;
        chat_send(c, t.w, t.leaf[least[k]], v);
        sim_run_for(t.w, 5 * SIM_SEC);
        chat_count(c, t.leaf[least[k]], v, t1, INT64_MAX, &sent, &arrived);
        CHECK(t.w, arrived == 1, "%s (%zu of its messages got through before) is still shut out",
              leaf_kind[least[k]], got[least[k]]);
    }
    check_sim_sane(t.w);
    chat_free(c);
    world_done(t.w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_harness_nat_models, teardown),
        cmocka_unit_test_teardown(test_harness_links, teardown),
        cmocka_unit_test_teardown(test_online_whois_relay, teardown),
        cmocka_unit_test_teardown(test_nat_matrix, teardown),
        cmocka_unit_test_teardown(test_lossy_network, teardown),
        cmocka_unit_test_teardown(test_very_lossy_network, teardown),
        cmocka_unit_test_teardown(test_root_failover, teardown),
        cmocka_unit_test_teardown(test_path_cut_and_heal, teardown),
        cmocka_unit_test_teardown(test_public_star, teardown),
        cmocka_unit_test_teardown(test_same_seed_same_trace, teardown),
        cmocka_unit_test_teardown(test_garbage_flood, teardown),
        cmocka_unit_test_teardown(test_peer_bound, teardown),
    };
    const char *filter = getenv("ZT_SIM_FILTER"); /* e.g. ZT_SIM_FILTER=test_nat_matrix */

    if (filter != NULL)
        cmocka_set_test_filter(filter);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
