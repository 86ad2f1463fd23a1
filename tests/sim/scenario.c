/*
 * scenario.c: the helpers the simulation tests share (scenario.h).
 */
#include "scenario.h"

uint64_t current_seed;
sim_world *current_world;
int64_t first_ping = INT64_MAX;
tapctx tap;
static chat chatlog; /* global so that teardown() frees it when a check fails */

/* ---- test lifecycle --------------------------------------------------------------------- */

int teardown(void **state)
{
    (void)state;
    sim_del(current_world);
    current_world = NULL;
    chat_free(&chatlog);
    return 0;
}

void world_done(sim_world *w)
{
    if (w == current_world)
        current_world = NULL;
    sim_del(w);
}

void filter_from_env(void)
{
    const char *filter = getenv("ZT_SIM_FILTER");

    if (filter != NULL)
        cmocka_set_test_filter(filter);
}

uint64_t scenario_seed(uint64_t dflt)
{
    const char *s = getenv("ZT_SIM_SEED");
    return s != NULL && *s != '\0' ? strtoull(s, NULL, 10) : dflt;
}

void scenario_check_determinism(uint64_t (*run)(uint64_t seed), uint64_t seed, uint64_t first)
{
    uint64_t h1 = first != 0 ? first : run(seed), h2 = run(seed), h3 = run(seed + 1);

    assert_true(h1 == h2);
    assert_true(h1 != h3);
}

static uint64_t (*main_run)(uint64_t seed);
static uint64_t main_seed, main_first;

static void test_scenario(void **state)
{
    (void)state;
    main_first = main_run(main_seed);
}

static void test_same_seed_same_trace(void **state)
{
    (void)state;
    scenario_check_determinism(main_run, main_seed, main_first);
}

int scenario_main(const char *prefix, uint64_t (*run)(uint64_t seed), uint64_t dflt,
                  CMFixtureFunction td)
{
    static char names[2][64];
    struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_scenario, td),
        cmocka_unit_test_teardown(test_same_seed_same_trace, td),
    };

    snprintf(names[0], sizeof(names[0]), "%s_scenario", prefix);
    snprintf(names[1], sizeof(names[1]), "%s_same_seed_same_trace", prefix);
    tests[0].name = names[0];
    tests[1].name = names[1];
    main_run = run;
    main_seed = scenario_seed(dflt);
    filter_from_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

sim_world *scenario_world(uint64_t seed, sim_link_cfg link)
{
    sim_world *w = sim_new(seed);

    current_seed = seed;
    current_world = w;
    first_ping = INT64_MAX;
    tap_install(w);
    sim_set_default_link(w, link);
    return w;
}

sim_node *scenario_root(sim_world *w, const char *addr, sim_link_cfg link,
                        int64_t latency_ms)
{
    sim_node *root = sim_add_root(w, addr);

    link.latency_ms = latency_ms;
    sim_set_link(root, link);
    tap_add(root);
    return root;
}

/* ---- the tap: how packets reached each node --------------------------------------------- */

static uint64_t load40(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 5; i++)
        v = v << 8 | p[i];
    return v;
}

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

void tap_install(sim_world *w)
{
    memset(&tap, 0, sizeof(tap));
    tap.w = w;
    sim_set_tap(w, tap_fn, &tap);
}

void tap_add(sim_node *n)
{
    assert_true(tap.n < MAXN);
    assert_int_equal(sim_index(n), tap.n);
    tap.nodes[tap.n++] = n;
}

/* ---- chatter: USER_MESSAGEs between nodes, recorded to check arrival -------------------- */

void chat_free(chat *c)
{
    free(c->m);
    memset(c, 0, sizeof(*c));
}

chat *chat_begin(void)
{
    chat_free(&chatlog);
    return &chatlog;
}

void chat_send(chat *c, sim_world *w, sim_node *a, sim_node *b)
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
    rv = zt__node_send_user_message(sim_zt(a), sim_address(b), MSG_TYPE, m->payload, m->len,
                                   sim_now(w));
    CHECK(w, rv == 0, "%s -> %s: zt__node_send_user_message: %s", sim_name(a), sim_name(b),
          zt__strerror(rv));
}

bool msg_arrived(const msg *m)
{
    return sim_got_message(m->to, m->from, MSG_TYPE, m->payload, m->len, m->t);
}

void chat_all(chat *c, sim_world *w, sim_node **g, size_t ng, int64_t every, int64_t until)
{
    while (sim_now(w) < until) {
        for (size_t i = 0; i < ng; i++)
            for (size_t j = 0; j < ng; j++)
                if (i != j)
                    chat_send(c, w, g[i], g[j]);
        sim_run_for(w, every);
    }
}

void chat_count(const chat *c, const sim_node *a, const sim_node *b, int64_t t0, int64_t t1,
                size_t *sent, size_t *arrived)
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

const char *const leaf_kind[NLEAVES] = {"public",    "full-cone",    "port-restricted",
                                        "symmetric", "port-restr.2", "symmetric2"};

const sim_link_cfg clean_link = {.latency_ms = 15, .jitter_ms = 0};

void topo_build(topo *t, uint64_t seed, sim_link_cfg link, int nleaves)
{
    static const sim_nat_type types[NLEAVES] = {0, SIM_NAT_FULL_CONE, SIM_NAT_PORT_RESTRICTED,
                                                SIM_NAT_SYMMETRIC, SIM_NAT_PORT_RESTRICTED,
                                                SIM_NAT_SYMMETRIC};

    memset(t, 0, sizeof(*t));
    t->w = scenario_world(seed, link);
    /* root0 is nearer, hence the best upstream (vl1.md §5.1); failover tests kill it. */
    t->root[0] = scenario_root(t->w, "198.51.100.1/9993", link,
                               link.latency_ms / 2 > 0 ? link.latency_ms / 2 : 1);
    t->root[1] = scenario_root(t->w, "198.51.100.2/9993", link, link.latency_ms * 2);
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

void check_sim_sane(sim_world *w)
{
    const sim_stats *st = sim_get_stats(w);

    /* node.h: ECHO_REPLY is the answer to zt__node_ping(); keepalives raise nothing. */
    for (unsigned i = 0; i < tap.n; i++) {
        const sim_event *ev = sim_event_find(tap.nodes[i], ZT_NODE_EVENT_ECHO_REPLY, 0, 0);
        CHECK(w, ev == NULL || ev->time >= first_ping,
              "%s raised ECHO_REPLY (peer %010" PRIx64 ", t=%" PRId64
              ") though nobody called zt__node_ping()",
              sim_name(tap.nodes[i]), ev->peer, ev->time);
    }
    CHECK(w, st->fatal == 0, "a core call returned a fatal error");
    CHECK(w, st->bad_socket == 0, "the core sent from a socket ID it was never given");
    CHECK(w, st->deadline_stall == 0,
          "zt__node_next_deadline() was not after the last zt__node_process_timers() %" PRIu64
          " times",
          st->deadline_stall);
}

void check_all_online(topo *t, int nleaves, const char *when)
{
    for (int r = 0; r < 2; r++)
        if (sim_zt(t->root[r]) != NULL)
            CHECK(t->w, sim_online(t->root[r]), "%s: root%d not online", when, r);
    for (int i = 0; i < nleaves; i++)
        CHECK(t->w, sim_online(t->leaf[i]), "%s: %s leaf %s not online", when, leaf_kind[i],
              sim_name(t->leaf[i]));
}


/* ---- VL2: members of one network -------------------------------------------------------- */

zt_network_status vl2_status(const sim_node *n, uint64_t nwid)
{
    zt_network_status st = ZT_NETWORK_PORT_ERROR;

    if (sim_zt(n) == NULL || zt__node_network_status(sim_zt(n), nwid, &st) != 0)
        return (zt_network_status)-1;
    return st;
}

const zt_netconf *vl2_config(const sim_node *n, uint64_t nwid)
{
    return sim_zt(n) == NULL ? NULL : zt__node_network_config(sim_zt(n), nwid);
}

bool vl2_run_until_status(sim_world *w, sim_node *const *g, size_t count, uint64_t nwid,
                          zt_network_status want, int64_t deadline)
{
    for (;;) {
        bool all = true;
        for (size_t i = 0; i < count; i++)
            if (vl2_status(g[i], nwid) != want)
                all = false;
        if (all)
            return true;
        if (sim_now(w) >= deadline)
            return false;
        sim_run_for(w, 100 * SIM_MS);
    }
}

const sim_frame *vl2_last_frame(const sim_node *n, uint64_t nwid, uint64_t src_mac,
                                unsigned ethertype, int64_t since)
{
    size_t count;
    const sim_frame *f = sim_frames(n, &count);

    for (size_t i = count; i-- > 0;)
        if (f[i].time >= since && f[i].nwid == nwid && f[i].src_mac == src_mac &&
            f[i].ethertype == ethertype)
            return &f[i];
    return NULL;
}

int vl2_deliver(sim_world *w, uint64_t nwid, sim_node *a, sim_node *b, uint64_t dst_mac,
                unsigned ethertype, const uint8_t *p, size_t len, int tries)
{
    uint64_t src_mac = sim_zt(a) != NULL ? zt__node_network_mac(sim_zt(a), nwid) : 0;

    for (int i = 1; i <= tries; i++) {
        int64_t t0 = sim_now(w);
        int rv = zt__node_send_frame(sim_zt(a), nwid, src_mac, dst_mac, ethertype, p, len, t0);
        CHECK(w, rv == 0, "%s: zt__node_send_frame: %s", sim_name(a), zt__strerror(rv));
        for (int k = 0; k < 10; k++) {
            sim_run_for(w, 100 * SIM_MS);
            if (sim_got_frame(b, nwid, src_mac, dst_mac, ethertype, p, len, t0))
                return i;
        }
    }
    return 0;
}
