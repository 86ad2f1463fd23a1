/*
 * test_sim_roots.c: a planet of two roots whose members are each homed on one of them (the
 * underlay lets each member reach only its own root; the roots reach each other).
 *
 *   1. VL1: a member asks its root for the other member's identity; the root does not know
 *      it and asks the other root (WHOIS forwarding, vl1.md §4.3); packets then go member ->
 *      root0 -> root1 -> member and back (root-to-root relaying, §5.5).
 *   2. VL2: two members of one network, on different roots, exchange frames relayed first;
 *      each tells the other its addresses (PUSH_DIRECT_PATHS, §4.7) and they go direct,
 *      though no root ever saw both of them (no RENDEZVOUS is possible).
 *
 * Every check is strict; ZT_SIM_SEED picks another seed.
 */
#include "scenario.h"

#include "sim_ctl.h"

#define NWID_SUFFIX 0x2f0a1bULL

static const char net_json[] =
    "{\"name\":\"sim-roots\",\"private\":true,"
    "\"v4AssignMode\":{\"zt\":true},"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.148.1.10\",\"ipRangeEnd\":\"10.148.1.50\"}],"
    "\"routes\":[{\"target\":\"10.148.1.0/24\"}],"
    "\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}";

static uint64_t seed_or(uint64_t dflt)
{
    current_seed = scenario_seed(dflt);
    return current_seed;
}

/* |a| on root0 only, |b| on root1 only: each cut from the other root before anything runs. */
static void home_apart(sim_world *w, sim_node *const root[2], sim_node *a, sim_node *b)
{
    sim_cut(w, a, root[1]);
    sim_cut(w, b, root[0]);
}

static bool run_until_arrived(sim_world *w, const msg *m, int64_t deadline)
{
    while (!msg_arrived(m) && sim_now(w) < deadline)
        sim_run_for(w, 100 * SIM_MS);
    return msg_arrived(m);
}

/* 1. Members on different roots reach each other through both roots. */
static void test_members_on_two_roots(void **state)
{
    topo t;
    chat *c = chat_begin();
    sim_node *a, *b;
    int64_t t0;
    (void)state;

    topo_build(&t, seed_or(7101), clean_link, 2);
    a = t.leaf[P];
    b = t.leaf[F];
    home_apart(t.w, t.root, a, b);
    sim_run_until(t.w, 15 * SIM_SEC);
    check_all_online(&t, 2, "homed apart");

    t0 = sim_now(t.w);
    chat_send(c, t.w, a, b);
    CHECK(t.w, run_until_arrived(t.w, &c->m[c->n - 1], t0 + 5 * SIM_SEC),
          "a's message to b (homed on the other root) did not arrive within 5 s");
    chat_send(c, t.w, b, a);
    CHECK(t.w, run_until_arrived(t.w, &c->m[c->n - 1], sim_now(t.w) + 5 * SIM_SEC),
          "b's answer to a did not arrive within 5 s");
    CHECK(t.w, sim_counters(t.root[0])->whois_forwarded >= 1,
          "root0 did not ask root1 for b's identity");
    CHECK(t.w, sim_counters(t.root[0])->relayed >= 1 && sim_counters(t.root[1])->relayed >= 1,
          "both roots should have relayed (root0 %" PRIu64 ", root1 %" PRIu64 ")",
          sim_counters(t.root[0])->relayed, sim_counters(t.root[1])->relayed);
    CHECK(t.w, tap.v[3][2].relayed > 0 && tap.v[3][2].direct == 0,
          "b heard a directly, though they share no network (%" PRIu64 " direct)",
          tap.v[3][2].direct);

    /* A steady conversation keeps working both ways, whichever root each message takes. */
    t0 = sim_now(t.w);
    chat_all(c, t.w, t.leaf, 2, 2 * SIM_SEC, t0 + 30 * SIM_SEC);
    sim_run_for(t.w, 5 * SIM_SEC);
    for (int i = 0; i < 2; i++) {
        size_t sent, arrived;
        chat_count(c, t.leaf[i], t.leaf[1 - i], t0, t0 + 30 * SIM_SEC, &sent, &arrived);
        CHECK(t.w, sent >= 10 && arrived == sent, "%s -> %s: %zu of %zu arrived",
              sim_name(t.leaf[i]), sim_name(t.leaf[1 - i]), arrived, sent);
    }
    check_sim_sane(t.w);
    world_done(t.w);
}

/* 2. Members of one network on different roots: relayed first, then direct. */
typedef struct two {
    sim_world *w;
    sim_node *root[2], *a, *b;
    uint64_t nwid;
} two;

static void two_build(two *v, uint64_t seed)
{
    memset(v, 0, sizeof(*v));
    v->w = scenario_world(seed, clean_link);
    v->root[0] = scenario_root(v->w, "198.51.100.1/9993", clean_link, 8);
    v->root[1] = scenario_root(v->w, "198.51.100.2/9993", clean_link, 30);
    ctl.node = sim_add_node(v->w, NULL, "198.18.10.1/9993");
    tap_add(ctl.node);
    sim_set_config_hook(ctl.node, ctl_hook, &ctl);
    v->a = sim_add_node(v->w, NULL, "198.18.1.1/9993");
    tap_add(v->a);
    v->b = sim_add_node(v->w, sim_add_nat(v->w, SIM_NAT_FULL_CONE, "198.18.2.1"),
                        "10.0.2.10/9993");
    tap_add(v->b);
    v->nwid = sim_address(ctl.node) << 24 | NWID_SUFFIX;
    home_apart(v->w, v->root, v->a, v->b);
    ctl_create(v->w, seed);
    sim_start(v->w);
}

static int roots_teardown(void **state)
{
    ctl_cleanup();
    return teardown(state);
}

static void two_join(two *v)
{
    sim_node *const members[2] = {v->a, v->b};
    int rv = zts_controller_network_set(ctl.api, v->nwid, net_json, sim_now(v->w), NULL);

    CHECK(v->w, rv == ZTS_CONTROLLER_OK, "network_set: %d", rv);
    sim_run_until(v->w, 15 * SIM_SEC);
    for (int i = 0; i < 2; i++) {
        CHECK(v->w, sim_online(members[i]), "%s not online", sim_name(members[i]));
        CHECK(v->w, zt__node_join(sim_zt(members[i]), v->nwid, sim_now(v->w)) == 0, "join");
    }
    sim_run_for(v->w, 3 * SIM_SEC); /* the controller hears of both */
    for (int i = 0; i < 2; i++)
        CHECK(v->w, zts_controller_member_set_authorized(ctl.api, v->nwid,
                                                         sim_address(members[i]), true,
                                                         sim_now(v->w)) == ZTS_CONTROLLER_OK,
              "authorize %s", sim_name(members[i]));
    (void)ctl_flush(v->w, 0);
    CHECK(v->w, vl2_run_until_status(v->w, members, 2, v->nwid, ZT_NETWORK_OK,
                                     sim_now(v->w) + 30 * SIM_SEC),
          "the members did not reach OK within 30 s");
}

static bool has_direct_path(const sim_node *n, const sim_node *to)
{
    zt_peer_info info;

    return zt__node_peer(sim_zt(n), sim_address(to), &info) == 0 && info.npaths > 0;
}

static void test_network_on_two_roots(void **state)
{
    static const uint8_t data[] = "across two roots";
    two v;
    uint64_t mac_a, mac_b;
    int64_t t0;
    bool direct = false;
    (void)state;

    two_build(&v, seed_or(7102));
    two_join(&v);
    mac_a = zt__node_network_mac(sim_zt(v.a), v.nwid);
    mac_b = zt__node_network_mac(sim_zt(v.b), v.nwid);

    t0 = sim_now(v.w);
    CHECK(v.w, vl2_deliver(v.w, v.nwid, v.a, v.b, mac_b, 0x0800, data, sizeof(data), 5) > 0,
          "a's frame never reached b");
    CHECK(v.w, vl2_deliver(v.w, v.nwid, v.b, v.a, mac_a, 0x0800, data, sizeof(data), 5) > 0,
          "b's frame never reached a");
    CHECK(v.w, tap.v[4][3].relayed > 0 && tap.v[4][3].first_relayed >= t0,
          "b's first packets from a were not relayed");
    /* Frames once a second, as a chatty application would: pushes, contacts, a direct path. */
    while (!direct && sim_now(v.w) < t0 + 60 * SIM_SEC) {
        (void)vl2_deliver(v.w, v.nwid, v.a, v.b, mac_b, 0x0800, data, sizeof(data), 2);
        (void)vl2_deliver(v.w, v.nwid, v.b, v.a, mac_a, 0x0800, data, sizeof(data), 2);
        sim_run_for(v.w, SIM_SEC);
        direct = has_direct_path(v.a, v.b) && has_direct_path(v.b, v.a);
    }
    CHECK(v.w, direct, "a and b have no direct path to each other 60 s after their first frame");
    CHECK(v.w, sim_counters(v.a)->paths_pushed > 0 && sim_counters(v.b)->paths_pushed > 0,
          "PUSH_DIRECT_PATHS sent: a %" PRIu64 ", b %" PRIu64, sim_counters(v.a)->paths_pushed,
          sim_counters(v.b)->paths_pushed);
    t0 = sim_now(v.w);
    CHECK(v.w, vl2_deliver(v.w, v.nwid, v.a, v.b, mac_b, 0x0800, data, sizeof(data), 3) > 0,
          "no frame once direct");
    CHECK(v.w, tap.v[4][3].direct > 0,
          "b never heard a directly");
    /* The pushes are rate limited: no more than one per 15 s per peer while relayed, one per
     * 120 s once direct (a conversation of a minute sends a handful). */
    CHECK(v.w, sim_counters(v.a)->paths_pushed <= 6, "a sent %" PRIu64 " pushes",
          sim_counters(v.a)->paths_pushed);
    (void)ctl_scenario_end(v.w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_members_on_two_roots, teardown),
        cmocka_unit_test_teardown(test_network_on_two_roots, roots_teardown),
    };
    filter_from_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
