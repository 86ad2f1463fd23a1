/*
 * test_sim_vl1_bounds.c: hostile input and bounds on the simulator (ctest label "sim"): floods
 * of garbage datagrams into a leaf and a root, and a node whose peer table is smaller than the
 * number of peers that talk to it (style.md §5.3, §6).
 */
#include "scenario.h"

#include "core/node_internal.h"
#include "core/peer.h"
#include "core/send.h"

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

/* Datagrams dropped with a reason, or (a root) passed on: a root that knows no path to the
 * destination hands the datagram to another root of the planet (vl1.md §5.5). */
static uint64_t drops(const zt_node_counters *k)
{
    return k->relayed + k->drop_short + k->drop_malformed + k->drop_auth +
           k->drop_unsupported_cipher + k->drop_not_for_us + k->drop_fragment +
           k->drop_unknown_peer + k->drop_rate_limited + k->drop_invalid_identity +
           k->drop_unexpected_ok + k->drop_queue_full + k->drop_hops + k->drop_no_route +
           k->drop_overload;
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
 * Garbage from random addresses is dropped and counted (style.md §5.3: a per-reason counter
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


/* ---- HELLO floods (docs/internals/flood.md) ------------------------------------------------ */

typedef struct captured {
    uint8_t *out;
    size_t cap, len;
} captured;

static int capture_send(void *user, int64_t local_socket, const zt_inetaddr *to,
                        const uint8_t *data, size_t len, unsigned ttl)
{
    captured *c = user;
    (void)local_socket;
    (void)to;
    (void)ttl;
    if (len <= c->cap) {
        memcpy(c->out, data, len);
        c->len = len;
    }
    return 0;
}

/* A HELLO to |victim| from a fresh made-up identity, as a flooder makes them: cheap keys and
 * a random address, so its MAC is right and its address proof fails, after the victim paid
 * for checking it.  Built by a throwaway core; returns its length. */
static size_t forged_hello(sim_world *w, sim_node *victim, uint8_t *out, size_t cap)
{
    captured c = {.out = out, .cap = cap};
    zt_node_callbacks cb = {.user = &c, .send = capture_send};
    const zt_inetaddr to = {.family = 4, .ip = {198, 51, 100, 9}, .port = 9993};
    zt_identity fake, target = *sim_identity(victim);
    zt_node_config cfg;
    zt_node *tmp = NULL;
    zt_peer *p;

    memset(&fake, 0, sizeof(fake));
    zt__keypair_generate(fake.pub, fake.sec);
    fake.has_secret = true;
    fake.address = 0x0100000000ULL + sim_rand(w) % 0xfe00000000ULL;
    target.has_secret = false;
    memset(target.sec, 0, sizeof(target.sec));
    zt__node_config_default(&cfg);
    cfg.identity = &fake;
    CHECK(w, zt__node_new(&tmp, &cfg, &cb, sim_now(w)) == 0, "zt__node_new for a forged HELLO");
    p = zt__peer_add(tmp, &target, sim_now(w));
    CHECK(w, p != NULL, "zt__peer_add");
    (void)zt__send_hello(tmp, p, ZT_LOCAL_SOCKET_ANY, &to, sim_now(w));
    zt__node_del(tmp);
    zt__identity_clear(&fake);
    CHECK(w, c.len > 0, "the throwaway core sent no HELLO");
    return c.len;
}

/*
 * HELLOs from fresh made-up identities, 300 a second from 150 sources in 150 different /24s,
 * for 12 s, at a leaf.  The per-prefix gate lets one per source per 2 s through; of those the
 * leaf checks at most its budget of address proofs (the rest is shed and counted), keeps its memory and peer table, and keeps talking to the peer it knows
 * without losing a message; a new legitimate node that appears during the flood still gets
 * through (at a leaf its identity comes from a root's WHOIS answer, which has a budget of its
 * own; at a root its prefix's first new identity in a minute draws on the fresh budget).
 */
static void hello_flood(bool at_root)
{
    topo t;
    chat *c = chat_begin();
    sim_node *victim, *newcomer;
    const zt_node_counters *k;
    uint64_t invalid0, overload0, gated0;
    size_t mem0, peers0, sent, arrived;
    int64_t t0, t_new;
    uint8_t buf[1500];

    topo_build(&t, at_root ? 108 : 107, clean_link, 2 /* P, F */);
    victim = at_root ? t.root[0] : t.leaf[P];
    sim_run_until(t.w, 10 * SIM_SEC);
    chat_all(c, t.w, t.leaf, 2, 1 * SIM_SEC, 20 * SIM_SEC);
    k = sim_counters(victim);
    invalid0 = k->drop_invalid_identity;
    overload0 = k->drop_overload;
    gated0 = k->drop_rate_limited;
    mem0 = sim_mem_in_use(victim);
    peers0 = sim_npeers(victim);
    t0 = sim_now(t.w);
    newcomer = NULL;
    t_new = 0;
    for (int sec = 0; sec < 12; sec++) {
        if (sec == 3) {
            t_new = sim_now(t.w);
            newcomer = sim_add_node(t.w, NULL, "198.18.77.1/9993");
        }
        /* 30 HELLOs every 100 ms, so that the budgets are spent as they refill. */
        for (int slice = 0; slice < 10; slice++) {
            for (int i = 0; i < 30; i++) {
                int src = (slice * 30 + i) % 150;
                zt_inetaddr from = {.family = 4, .ip = {198, 19, (uint8_t)src, 1}};
                from.port = (uint16_t)(1024 + src);
                sim_inject(t.w, victim, &from, buf, forged_hello(t.w, victim, buf, sizeof(buf)));
            }
            if (slice % 5 == 0) {
                chat_send(c, t.w, t.leaf[P], t.leaf[F]);
                chat_send(c, t.w, t.leaf[F], t.leaf[P]);
            }
            if (slice == 0 && newcomer != NULL && sec > 3) /* it knows its roots by now */
                chat_send(c, t.w, newcomer, victim);
            sim_run_for(t.w, 100);
        }
    }
    sim_run_for(t.w, 1 * SIM_SEC);
    chat_count(c, t.leaf[P], t.leaf[F], t0, INT64_MAX, &sent, &arrived);
    CHECK(t.w, sent > 0 && arrived == sent, "P -> F during the flood: %zu of %zu", arrived, sent);
    chat_count(c, t.leaf[F], t.leaf[P], t0, INT64_MAX, &sent, &arrived);
    CHECK(t.w, sent > 0 && arrived == sent, "F -> P during the flood: %zu of %zu", arrived, sent);
    /* 12 s of HELLOs and the 1 s after: the budgets' bursts plus 13 s of their rates (the
     * fresh budget serves each prefix's first ask in a minute). */
    CHECK(t.w,
          k->drop_invalid_identity - invalid0 <=
              ZT_IDV_BURST + ZT_IDV_RATE * 13 + ZT_IDV_FRESH_BURST + ZT_IDV_FRESH_RATE * 13,
          "%" PRIu64 " address proofs checked in 12 s: over the budget",
          k->drop_invalid_identity - invalid0);
    CHECK(t.w, k->drop_invalid_identity - invalid0 >= ZT_IDV_RATE * 6,
          "only %" PRIu64 " forged identities were checked", k->drop_invalid_identity - invalid0);
    CHECK(t.w, k->drop_rate_limited - gated0 >= 2400, "only %" PRIu64 " HELLOs gated by prefix",
          k->drop_rate_limited - gated0);
    CHECK(t.w, k->drop_overload - overload0 >= 600, "only %" PRIu64 " HELLOs shed over budget",
          k->drop_overload - overload0);
    CHECK(t.w, sim_mem_in_use(victim) <= mem0 + 64 * 1024,
          "memory %zu -> %zu bytes during the flood", mem0, sim_mem_in_use(victim));
    CHECK(t.w, sim_npeers(victim) <= peers0 + 1, "peers %zu -> %zu", peers0, sim_npeers(victim));
    CHECK(t.w, newcomer != NULL && sim_online(newcomer), "the newcomer is not online");
    if (at_root) { /* its first HELLO is its prefix's first ask this minute */
        const sim_event *on = sim_event_find(newcomer, ZT_NODE_EVENT_ONLINE, 0, t_new);
        CHECK(t.w, on != NULL && on->time - t_new <= 2 * SIM_SEC,
              "the newcomer took %" PRId64 " ms to come online through the flood",
              on != NULL ? on->time - t_new : -1);
    }
    chat_count(c, newcomer, victim, t_new, INT64_MAX, &sent, &arrived);
    CHECK(t.w, arrived > 0, "the newcomer got none of %zu messages through the flood", sent);
    check_all_online(&t, 2, "after the flood");
    check_sim_sane(t.w);
    chat_free(c);
    world_done(t.w);
}

static void test_hello_flood_leaf(void **state)
{
    (void)state;
    hello_flood(false);
}

/* The same at a root: the members homed on it stay online and keep talking. */
static void test_hello_flood_root(void **state)
{
    (void)state;
    hello_flood(true);
}

/*
 * A node configured for at most 4 peers (2 roots + 2) is messaged by 4 others (vl1.md §5.1
 * and style.md §6: every table has a bound).  It never holds more than 4, keeps both
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
        CHECK(t.w, zt__node_peer(sim_zt(v), sim_address(t.root[r]), &pi) == 0,
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
        size_t nheld = zt__node_peers(sim_zt(v), held, 8);
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
        cmocka_unit_test_teardown(test_garbage_flood, teardown),
        cmocka_unit_test_teardown(test_hello_flood_leaf, teardown),
        cmocka_unit_test_teardown(test_hello_flood_root, teardown),
        cmocka_unit_test_teardown(test_peer_bound, teardown),
    };

    filter_from_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
