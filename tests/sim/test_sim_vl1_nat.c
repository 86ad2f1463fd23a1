/*
 * test_sim_vl1_nat.c: VL1 through NATs on the simulator (ctest label "sim"): six leaves, public
 * or behind full-cone, port-restricted and symmetric NATs, on clean links and then on links
 * with jitter (reordering), loss and duplication.  Each asserts what docs/protocol/vl1.md §4.4
 * and §5.6 require of hole punching, and that pairs that cannot go direct keep working through
 * a relay.
 */
#include "scenario.h"

/* True where docs/protocol/vl1.md §5.6's sequence can open a direct path through both NATs. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_nat_matrix, teardown),
        cmocka_unit_test_teardown(test_lossy_network, teardown),
        cmocka_unit_test_teardown(test_very_lossy_network, teardown),
    };

    filter_from_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
