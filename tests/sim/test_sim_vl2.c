/*
 * test_sim_vl2.c: virtual networks on the simulator (ctest label "sim").  Two roots, a node
 * with a real controller beside it (src/controller over an SQLite file in a temp directory)
 * and four members: one public, one behind each kind of NAT, on links with loss, jitter and
 * duplication.  The test plays each member's IP stack: it builds ARP, ICMP and ICMPv6
 * payloads with sim_eth.h, sends them with zt__node_send_frame() and answers what the frame
 * callback delivered.
 *
 * One scenario, in order (docs/internals/simulation.md, "VL2 scenarios"):
 *   1. members join a private network and are refused (ACCESS_DENIED) until authorised;
 *   2. once authorised all reach OK, with IPv4 addresses from the pool (no two alike) and
 *      their rfc4193 IPv6 address (vl2.md §2.3);
 *   3. every member resolves every other with ARP (broadcast request to the ARP group,
 *      unicast reply), and ICMP echo over IPv4 and ICMPv6 echo over IPv6 go both ways;
 *   4. a member is deauthorised (revocation sent with zt__node_send_vl2): the others drop
 *      its frames, and its next request is refused;
 *   5. the controller node restarts (controller and core recreated over the same store): it
 *      serves the same network and members, and each member keeps its address;
 *   6. a config change (name, a new route) is pushed and reaches the members without a
 *      rejoin.
 * The same seed gives the same trace hash.
 *
 * Every check is strict.  ZT_SIM_SEED picks another seed (see base_seed()).
 */
#include "scenario.h"

#include "controller/controller.h"
#include "codec/ethernet.h"
#include "codec/wire/vl1.h"
#include "sim_ctl.h"
#include "sim_eth.h"

#define NM 4                 /* members */
#define DEAUTH 3             /* the member deauthorised in step 4 (behind the symmetric NAT) */
#define NWID_SUFFIX 0x5d1a2bULL
#define POOL_FIRST 10        /* 10.147.17.10 - 10.147.17.50 */
#define POOL_LAST 50

static const char *const member_kind[NM] = {"public", "full-cone", "port-restricted",
                                            "symmetric"};

static const char net_json[] =
    "{\"name\":\"sim-vl2\",\"private\":true,"
    "\"v4AssignMode\":{\"zt\":true},"
    "\"v6AssignMode\":{\"zt\":false,\"rfc4193\":true,\"6plane\":false},"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.147.17.10\",\"ipRangeEnd\":\"10.147.17.50\"}],"
    "\"routes\":[{\"target\":\"10.147.17.0/24\"}],"
    "\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}";

static const char net_json_changed[] =
    "{\"name\":\"sim-vl2-renamed\","
    "\"routes\":[{\"target\":\"10.147.17.0/24\"},"
    "{\"target\":\"10.200.0.0/16\",\"via\":\"10.147.17.1\"}]}";

/* ---- the world -------------------------------------------------------------------------- */

typedef struct member {
    sim_node *n;
    uint64_t mac;
    uint8_t ip4[4];
    uint8_t ip6[16];
} member;

typedef struct vl2 {
    sim_world *w;
    sim_node *root[2];
    member m[NM];
    uint64_t nwid;
} vl2;

static const sim_link_cfg lossy_link = {.latency_ms = 15, .jitter_ms = 5, .loss_pct = 2,
                                        .dup_pct = 1};

static void world_build(vl2 *v, uint64_t seed)
{
    static const sim_nat_type types[NM] = {0, SIM_NAT_FULL_CONE, SIM_NAT_PORT_RESTRICTED,
                                           SIM_NAT_SYMMETRIC};

    memset(v, 0, sizeof(*v));
    v->w = scenario_world(seed, lossy_link);
    v->root[0] = scenario_root(v->w, "198.51.100.1/9993", lossy_link, 8);
    v->root[1] = scenario_root(v->w, "198.51.100.2/9993", lossy_link, 30);
    ctl.node = sim_add_node(v->w, NULL, "198.18.10.1/9993");
    tap_add(ctl.node);
    sim_set_config_hook(ctl.node, ctl_hook, &ctl);
    for (int i = 0; i < NM; i++) {
        char ip[32], inside[48];
        snprintf(ip, sizeof(ip), "198.18.%d.1", i + 1);
        if (types[i] == 0) {
            snprintf(inside, sizeof(inside), "%s/9993", ip);
            v->m[i].n = sim_add_node(v->w, NULL, inside);
        } else {
            snprintf(inside, sizeof(inside), "10.0.%d.10/9993", i + 1);
            v->m[i].n = sim_add_node(v->w, sim_add_nat(v->w, types[i], ip), inside);
        }
        tap_add(v->m[i].n);
    }
    v->nwid = sim_address(ctl.node) << 24 | NWID_SUFFIX;

    ctl_create(v->w, seed);
    sim_start(v->w);
}

static int vl2_teardown(void **state)
{
    ctl_cleanup();
    return teardown(state);
}

static zt_network_status status_of(const vl2 *v, int i)
{
    return vl2_status(v->m[i].n, v->nwid);
}

/* Runs until every member has |want|, or until |deadline|.  Returns true on time. */
static bool run_until_status(vl2 *v, zt_network_status want, int64_t deadline)
{
    sim_node *g[NM];

    for (int i = 0; i < NM; i++)
        g[i] = v->m[i].n;
    return vl2_run_until_status(v->w, g, NM, v->nwid, want, deadline);
}

static const zt_netconf *config_of(const vl2 *v, int i)
{
    return vl2_config(v->m[i].n, v->nwid);
}

/* ---- frames ----------------------------------------------------------------------------- */

/* Sends a frame from |a| until |b| has it (vl2_deliver), at most |tries| times. */
static int deliver(vl2 *v, const member *a, const member *b, uint64_t dst_mac,
                   unsigned ethertype, const uint8_t *p, size_t len, int tries)
{
    return vl2_deliver(v->w, v->nwid, a->n, b->n, dst_mac, ethertype, p, len, tries);
}

/* |a| resolves |b|'s IPv4 address: ARP request to the broadcast MAC, which the core sends to
 * the ARP group of that address (vl2.md §2.2, only |b| subscribes); |b|'s "stack" answers
 * with a unicast reply built from the request it got. */
static void arp_resolve(vl2 *v, int ai, int bi)
{
    member *a = &v->m[ai], *b = &v->m[bi];
    sim_arp req = {.op = SIM_ARP_REQUEST, .sha = a->mac, .tha = 0}, got, rep;
    uint8_t pkt[SIM_ARP_LEN];
    const sim_frame *f;
    int64_t t0 = sim_now(v->w);
    int n;

    memcpy(req.spa, a->ip4, 4);
    memcpy(req.tpa, b->ip4, 4);
    sim_arp_build(pkt, &req);
    n = deliver(v, a, b, SIM_MAC_BROADCAST, SIM_ETHERTYPE_ARP, pkt, sizeof(pkt), 8);
    CHECK(v->w, n > 0, "%s -> %s: ARP request never arrived in 8 tries", member_kind[ai],
          member_kind[bi]);
    f = vl2_last_frame(b->n, v->nwid, a->mac, SIM_ETHERTYPE_ARP, t0);
    CHECK(v->w,
          f != NULL && f->dst_mac == SIM_MAC_BROADCAST && sim_arp_parse(f->data, f->len, &got),
          "%s: bad ARP frame", member_kind[bi]);
    CHECK(v->w, got.op == SIM_ARP_REQUEST && memcmp(got.tpa, b->ip4, 4) == 0,
          "%s: ARP request not for our address", member_kind[bi]);
    /* Only the ARP group's subscriber (the owner of the address) gets the request. */
    for (int k = 0; k < NM; k++)
        if (k != ai && k != bi && sim_zt(v->m[k].n) != NULL)
            CHECK(v->w,
                  !sim_got_frame(v->m[k].n, v->nwid, a->mac, SIM_MAC_BROADCAST,
                                 SIM_ETHERTYPE_ARP, pkt, sizeof(pkt), t0),
                  "%s got %s's ARP request for %s's address", member_kind[k], member_kind[ai],
                  member_kind[bi]);

    rep.op = SIM_ARP_REPLY;
    rep.sha = b->mac;
    memcpy(rep.spa, b->ip4, 4);
    rep.tha = got.sha;
    memcpy(rep.tpa, got.spa, 4);
    sim_arp_build(pkt, &rep);
    t0 = sim_now(v->w);
    n = deliver(v, b, a, got.sha, SIM_ETHERTYPE_ARP, pkt, sizeof(pkt), 8);
    CHECK(v->w, n > 0, "%s -> %s: ARP reply never arrived in 8 tries", member_kind[bi],
          member_kind[ai]);
    f = vl2_last_frame(a->n, v->nwid, b->mac, SIM_ETHERTYPE_ARP, t0);
    CHECK(v->w, f != NULL && sim_arp_parse(f->data, f->len, &got) && got.op == SIM_ARP_REPLY &&
                    got.sha == b->mac && memcmp(got.spa, b->ip4, 4) == 0 &&
                    got.tha == a->mac,
          "%s: the ARP reply does not resolve %s", member_kind[ai], member_kind[bi]);
}

/* ICMP echo from |a| to |b| and the reply |b|'s "stack" makes from what it got, over IPv4
 * (|v6| false) or IPv6 between the rfc4193 addresses. */
static void ping(vl2 *v, int ai, int bi, bool v6, uint16_t seq)
{
    member *a = &v->m[ai], *b = &v->m[bi];
    unsigned et = v6 ? SIM_ETHERTYPE_IPV6 : SIM_ETHERTYPE_IPV4;
    char data[32];
    sim_echo e = {.reply = false, .id = 0x5a, .seq = seq}, got;
    uint8_t pkt[128];
    size_t len;
    const sim_frame *f;
    int64_t t0 = sim_now(v->w);

    e.len = (size_t)snprintf(data, sizeof(data), "sim-vl2 %s>%s %u", sim_name(a->n),
                             sim_name(b->n), seq);
    e.data = (const uint8_t *)data;
    memcpy(e.src, v6 ? a->ip6 : a->ip4, v6 ? 16 : 4);
    memcpy(e.dst, v6 ? b->ip6 : b->ip4, v6 ? 16 : 4);
    len = v6 ? sim_icmp6_echo_build(pkt, sizeof(pkt), &e)
             : sim_icmp4_echo_build(pkt, sizeof(pkt), &e);
    CHECK(v->w, len > 0, "echo build");
    CHECK(v->w, deliver(v, a, b, b->mac, et, pkt, len, 8) > 0,
          "%s -> %s: IPv%d echo request never arrived in 8 tries", member_kind[ai],
          member_kind[bi], v6 ? 6 : 4);
    f = vl2_last_frame(b->n, v->nwid, a->mac, et, t0);
    CHECK(v->w, f != NULL && f->dst_mac == b->mac &&
                    (v6 ? sim_icmp6_echo_parse(f->data, f->len, &got)
                        : sim_icmp4_echo_parse(f->data, f->len, &got)) &&
                    !got.reply && got.seq == seq,
          "%s: bad IPv%d echo request", member_kind[bi], v6 ? 6 : 4);

    e.reply = true;
    e.id = got.id;
    e.seq = got.seq;
    memcpy(e.src, got.dst, 16);
    memcpy(e.dst, got.src, 16);
    e.data = (const uint8_t *)data;
    len = v6 ? sim_icmp6_echo_build(pkt, sizeof(pkt), &e)
             : sim_icmp4_echo_build(pkt, sizeof(pkt), &e);
    t0 = sim_now(v->w);
    CHECK(v->w, deliver(v, b, a, f->src_mac, et, pkt, len, 8) > 0,
          "%s -> %s: IPv%d echo reply never arrived in 8 tries", member_kind[bi],
          member_kind[ai], v6 ? 6 : 4);
    f = vl2_last_frame(a->n, v->nwid, b->mac, et, t0);
    CHECK(v->w, f != NULL &&
                    (v6 ? sim_icmp6_echo_parse(f->data, f->len, &got)
                        : sim_icmp4_echo_parse(f->data, f->len, &got)) &&
                    got.reply && got.seq == seq &&
                    memcmp(got.src, v6 ? b->ip6 : b->ip4, v6 ? 16 : 4) == 0,
          "%s: bad IPv%d echo reply", member_kind[ai], v6 ? 6 : 4);
}

/* ---- the steps -------------------------------------------------------------------------- */

static const unsigned all_members = (1u << NM) - 1;

/* 1. Join; refused until authorised. */
static void step_join_denied(vl2 *v)
{
    size_t count = 0;
    int rv;

    rv = zts_controller_network_set(ctl.api, v->nwid, net_json, sim_now(v->w), NULL);
    CHECK(v->w, rv == ZTS_CONTROLLER_OK, "network_set: %d %s", rv,
          zts_controller_last_error(ctl.api));
    sim_run_until(v->w, 10 * SIM_SEC);
    for (int i = 0; i < NM; i++)
        CHECK(v->w, sim_online(v->m[i].n), "%s not online", member_kind[i]);
    CHECK(v->w, sim_online(ctl.node), "the controller node is not online");
    sim_note(v->w, "members join %016" PRIx64, v->nwid);
    for (int i = 0; i < NM; i++) {
        rv = zt__node_join(sim_zt(v->m[i].n), v->nwid, sim_now(v->w));
        CHECK(v->w, rv == 0, "%s: zt__node_join: %s", member_kind[i], zt__strerror(rv));
    }
    CHECK(v->w,
          run_until_status(v, ZT_NETWORK_ACCESS_DENIED,
                           sim_now(v->w) + 20 * SIM_SEC),
          "not every member was refused within 20 s");
    for (int i = 0; i < NM; i++) {
        CHECK(v->w, sim_event_find(v->m[i].n, ZT_NODE_EVENT_NETWORK_ACCESS_DENIED, 0, 0) != NULL,
              "%s: no NETWORK_ACCESS_DENIED event", member_kind[i]);
        CHECK(v->w, config_of(v, i) == NULL, "%s has a config while refused", member_kind[i]);
        CHECK(v->w, sim_event_find(v->m[i].n, ZT_NODE_EVENT_NETWORK_OK, 0, 0) == NULL,
              "%s: NETWORK_OK while refused", member_kind[i]);
    }
    /* They were saved as (unauthorised) members when they asked. */
    CHECK(v->w, zts_controller_member_list(ctl.api, v->nwid, NULL, 0, &count) == 0 && count == NM,
          "the controller lists %zu members, not %d", count, NM);
    /* Still refused a while later: nothing authorises by itself. */
    sim_run_for(v->w, 12 * SIM_SEC);
    for (int i = 0; i < NM; i++)
        CHECK(v->w, status_of(v, i) == ZT_NETWORK_ACCESS_DENIED, "%s: status %d while refused",
              member_kind[i], (int)status_of(v, i));
}

/* 2. Authorise: all OK, addresses from the pool, no collision, rfc4193 addresses. */
static void step_authorize(vl2 *v)
{
    int64_t t0;

    for (int i = 0; i < NM; i++) {
        int rv = zts_controller_member_set_authorized(ctl.api, v->nwid, sim_address(v->m[i].n),
                                                      true, sim_now(v->w));
        CHECK(v->w, rv == ZTS_CONTROLLER_OK, "authorize %s: %d", member_kind[i], rv);
    }
    (void)ctl_flush(v->w, 0);
    t0 = sim_now(v->w);
    CHECK(v->w, run_until_status(v, ZT_NETWORK_OK, t0 + 30 * SIM_SEC),
          "not every member reached OK within 30 s of authorization");
    for (int i = 0; i < NM; i++) {
        member *m = &v->m[i];
        const zt_netconf *c = config_of(v, i);
        zt_inetaddr want6;
        bool have4 = false, have6 = false;

        CHECK(v->w, c != NULL, "%s: OK without a config", member_kind[i]);
        CHECK(v->w, sim_event_find(m->n, ZT_NODE_EVENT_NETWORK_OK, 0, t0) != NULL,
              "%s: no NETWORK_OK event", member_kind[i]);
        CHECK(v->w, strcmp(c->name, "sim-vl2") == 0 && c->nwid == v->nwid &&
                        c->issued_to == sim_address(m->n),
              "%s: config name \"%s\", nwid %016" PRIx64 ", issued to %010" PRIx64,
              member_kind[i], c->name, c->nwid, c->issued_to);
        CHECK(v->w, !zt__netconf_is_public(c), "%s: the network is not private", member_kind[i]);
        zt__ipv6_rfc4193(v->nwid, sim_address(m->n), &want6);
        for (unsigned k = 0; k < c->n_static_ips; k++) {
            const zt_inetaddr *a = &c->static_ips[k];
            if (a->family == 4) {
                CHECK(v->w, !have4, "%s: two IPv4 addresses", member_kind[i]);
                CHECK(v->w, a->ip[0] == 10 && a->ip[1] == 147 && a->ip[2] == 17 &&
                                a->ip[3] >= POOL_FIRST && a->ip[3] <= POOL_LAST && a->port == 24,
                      "%s: IPv4 %u.%u.%u.%u/%u is not from the pool", member_kind[i], a->ip[0],
                      a->ip[1], a->ip[2], a->ip[3], a->port);
                memcpy(m->ip4, a->ip, 4);
                have4 = true;
            } else if (a->family == 6) {
                char s1[ZT_INETADDR_STR_MAX], s2[ZT_INETADDR_STR_MAX];
                CHECK(v->w, !have6, "%s: two IPv6 addresses", member_kind[i]);
                CHECK(v->w, zt__inetaddr_equal(a, &want6),
                      "%s: IPv6 %s is not the rfc4193 address %s", member_kind[i],
                      sim_addr_str(a, s1, sizeof(s1)), sim_addr_str(&want6, s2, sizeof(s2)));
                memcpy(m->ip6, a->ip, 16);
                have6 = true;
            }
        }
        CHECK(v->w, have4 && have6, "%s: IPv4 %d, IPv6 %d", member_kind[i], have4, have6);
        m->mac = zt__node_network_mac(sim_zt(m->n), v->nwid);
        CHECK(v->w, m->mac != 0, "%s: no MAC", member_kind[i]);
        for (int j = 0; j < i; j++) {
            CHECK(v->w, memcmp(v->m[j].ip4, m->ip4, 4) != 0, "%s and %s share an IPv4 address",
                  member_kind[j], member_kind[i]);
            CHECK(v->w, v->m[j].mac != m->mac, "%s and %s share a MAC", member_kind[j],
                  member_kind[i]);
        }
    }
}

/* 3. ARP, then IPv4 and IPv6 echo, between every ordered pair. */
static void step_traffic(vl2 *v)
{
    uint16_t seq = 1;

    /* The first ARP request between members that have exchanged nothing yet reaches the
     * target: the sender knows no member of the ARP group, so it gathers them from the best
     * root and the controller (vl2.md §7 step 4), which keep every member's MULTICAST_LIKE
     * and answer MULTICAST_GATHER (§3.3, §3.4).  The frame waits up to 5 s for the answer and
     * goes out then; when its COM push is lost the receiver's NEED_MEMBERSHIP_CERTIFICATE
     * (§3.5 step 2) makes the sender push again before the stack's next try. */
    for (int a = 0; a < NM; a++)
        for (int b = 0; b < NM; b++)
            if (a != b) {
                sim_note(v->w, "first ARP %s -> %s", member_kind[a], member_kind[b]);
                arp_resolve(v, a, b);
            }

    /* Unicast both ways (the "stack" knows the MACs): IPv4, then IPv6 between the rfc4193
     * addresses. */
    for (int a = 0; a < NM; a++)
        for (int b = 0; b < NM; b++)
            if (a != b) {
                sim_note(v->w, "ping %s -> %s", member_kind[a], member_kind[b]);
                ping(v, a, b, false, seq++);
                ping(v, a, b, true, seq++);
            }

    /* Now every member holds every other's COM, so their gates pass and they LIKE each other
     * directly: at once when the gate first passes, and again at the 5 s tick once the 60 s
     * announce period has passed (§7).  A LIKE that arrived before the receiver held the
     * sender's COM was dropped (§3.3); the periodic one repeats it.  After the period each
     * sender knows every ARP group's member without asking a root. */
    sim_run_for(v->w, 65 * SIM_SEC);
    for (int a = 0; a < NM; a++)
        for (int b = 0; b < NM; b++)
            if (a != b) {
                sim_note(v->w, "ARP %s -> %s", member_kind[a], member_kind[b]);
                arp_resolve(v, a, b);
            }
}

/* 4. Deauthorise one member: revocation to the others, who drop its frames. */
static void step_deauthorize(vl2 *v)
{
    member *d = &v->m[DEAUTH];
    size_t revocations;
    uint64_t rx0[NM];
    int64_t t0;
    uint16_t seq = 900;
    int rounds = 0, rv;

    /* Right after its periodic config refresh, so that it still holds its config (and
     * sends) for about a minute after the deauthorization. */
    CHECK(v->w,
          sim_run_until_event(v->w, d->n, ZT_NODE_EVENT_NETWORK_OK, 0,
                              sim_now(v->w) + 65 * SIM_SEC) != NULL,
          "%s: no config refresh within 65 s", member_kind[DEAUTH]);
    sim_run_for(v->w, 100 * SIM_MS);
    sim_note(v->w, "deauthorize %s", member_kind[DEAUTH]);
    rv = zts_controller_member_set_authorized(ctl.api, v->nwid, sim_address(d->n), false,
                                              sim_now(v->w));
    CHECK(v->w, rv == ZTS_CONTROLLER_OK, "deauthorize: %d", rv);
    revocations = ctl_flush(v->w, ZT_VERB_NETWORK_CREDENTIALS);
    CHECK(v->w, revocations >= NM - 1, "only %zu revocations sent", revocations);
    /* The controller sends the revocation once to each online member; a member that lost its
     * copy on the lossy links gets it from the others, which forward a fast-propagate
     * revocation they newly accept to every member they know (vl2.md §5.5). */
    sim_run_for(v->w, 2 * SIM_SEC);
    t0 = sim_now(v->w);

    /* Its frames, unicast and broadcast, no longer get through (vl2.md §5.5, §5.7: its COM
     * is revoked, so the others' gate fails).  It still holds its config (it learns it was
     * refused at its next request, up to 60 s later), so it does send them: three rounds, one
     * second apart, while its status is still OK; the tap shows its packets arriving. */
    for (int k = 0; k < NM; k++)
        rx0[k] = tap.v[sim_index(v->m[k].n)][sim_index(d->n)].relayed +
                 tap.v[sim_index(v->m[k].n)][sim_index(d->n)].direct;
    for (int round = 0; round < 3 && status_of(v, DEAUTH) == ZT_NETWORK_OK; round++) {
        for (int k = 0; k < NM; k++) {
            char data[16];
            sim_echo e = {.id = 0x77, .seq = seq++, .data = (const uint8_t *)data};
            uint8_t pkt[128];
            sim_arp req = {.op = SIM_ARP_REQUEST, .sha = d->mac};
            size_t len;
            if (k == DEAUTH)
                continue;
            e.len = (size_t)snprintf(data, sizeof(data), "revoked %d", k);
            memcpy(e.src, d->ip4, 4);
            memcpy(e.dst, v->m[k].ip4, 4);
            len = sim_icmp4_echo_build(pkt, sizeof(pkt), &e);
            rv = zt__node_send_frame(sim_zt(d->n), v->nwid, d->mac, v->m[k].mac,
                                    SIM_ETHERTYPE_IPV4, pkt, len, sim_now(v->w));
            CHECK(v->w, rv == 0, "deauthorized member: send_frame: %s", zt__strerror(rv));
            memcpy(req.spa, d->ip4, 4);
            memcpy(req.tpa, v->m[k].ip4, 4);
            sim_arp_build(pkt, &req);
            rv = zt__node_send_frame(sim_zt(d->n), v->nwid, d->mac, SIM_MAC_BROADCAST,
                                    SIM_ETHERTYPE_ARP, pkt, SIM_ARP_LEN, sim_now(v->w));
            CHECK(v->w, rv == 0, "deauthorized member: send_frame (ARP): %s", zt__strerror(rv));
        }
        rounds++;
        sim_run_for(v->w, SIM_SEC);
    }
    CHECK(v->w, rounds > 0, "the deauthorized member lost its config before it could send");
    sim_run_for(v->w, 2 * SIM_SEC);
    for (int k = 0; k < NM; k++) {
        const via *vk = &tap.v[sim_index(v->m[k].n)][sim_index(d->n)];
        if (k == DEAUTH)
            continue;
        CHECK(v->w, sim_frame_count(v->m[k].n, v->nwid, 0, d->mac, t0) == 0,
              "%s got %zu frames from the deauthorized member", member_kind[k],
              sim_frame_count(v->m[k].n, v->nwid, 0, d->mac, t0));
        CHECK(v->w, vk->relayed + vk->direct > rx0[k],
              "%s: no packet from the deauthorized member reached it", member_kind[k]);
    }
    /* The others still talk. */
    ping(v, 0, 1, false, seq++);
    ping(v, 2, 0, true, seq++);
}

/* 5. Restart the controller node over the same store. */
static void step_restart(vl2 *v)
{
    uint8_t ip4[NM][4];
    int64_t t_restart, deadline;
    uint64_t nets[4];
    size_t count = 0;
    char *json = NULL;
    zt_controller_stats st;

    for (int i = 0; i < NM; i++)
        memcpy(ip4[i], v->m[i].ip4, 4);
    sim_note(v->w, "controller restart");
    sim_kill(ctl.node);
    ctl_close();
    sim_run_for(v->w, 10 * SIM_SEC);
    ctl_open(v->w);
    sim_restart(ctl.node);
    t_restart = sim_now(v->w);

    /* From storage: the network, its settings and every member. */
    CHECK(v->w, zts_controller_network_list(ctl.api, nets, 4, &count) == 0 && count == 1 &&
                    nets[0] == v->nwid,
          "after restart: %zu networks", count);
    CHECK(v->w, zts_controller_network_get(ctl.api, v->nwid, &json) == 0 &&
                    strstr(json, "\"name\":\"sim-vl2\"") != NULL &&
                    strstr(json, "10.147.17.10") != NULL,
          "after restart: network %s", json != NULL ? json : "(none)");
    zts_controller_free(json);
    json = NULL;
    CHECK(v->w, zts_controller_member_list(ctl.api, v->nwid, NULL, 0, &count) == 0 && count == NM,
          "after restart: %zu members", count);
    CHECK(v->w,
          zts_controller_member_get(ctl.api, v->nwid, sim_address(v->m[DEAUTH].n), &json) == 0 &&
                    strstr(json, "\"authorized\":false") != NULL,
          "after restart: deauthorized member %s", json != NULL ? json : "(none)");
    zts_controller_free(json);

    /* Members ask again (every 60 s once configured) and get a config issued by the new
     * controller, with the same addresses; the deauthorized one is refused. */
    deadline = t_restart + 90 * SIM_SEC;
    for (;;) {
        bool done = status_of(v, DEAUTH) == ZT_NETWORK_ACCESS_DENIED;
        for (int i = 0; i < NM; i++) {
            const zt_netconf *c = config_of(v, i);
            if (i != DEAUTH && (c == NULL || c->timestamp < t_restart))
                done = false;
        }
        if (done || sim_now(v->w) >= deadline)
            break;
        sim_run_for(v->w, 500 * SIM_MS);
    }
    for (int i = 0; i < NM; i++) {
        const zt_netconf *c = config_of(v, i);
        bool same = false;
        if (i == DEAUTH)
            continue;
        CHECK(v->w, status_of(v, i) == ZT_NETWORK_OK && c != NULL && c->timestamp >= t_restart,
              "%s: no config from the restarted controller within 90 s (status %d)",
              member_kind[i], (int)status_of(v, i));
        for (unsigned k = 0; k < c->n_static_ips; k++)
            if (c->static_ips[k].family == 4 && memcmp(c->static_ips[k].ip, ip4[i], 4) == 0)
                same = true;
        CHECK(v->w, same, "%s: address changed across the controller restart", member_kind[i]);
    }
    CHECK(v->w, status_of(v, DEAUTH) == ZT_NETWORK_ACCESS_DENIED,
          "deauthorized %s: status %d, not ACCESS_DENIED, 90 s after the restart",
          member_kind[DEAUTH], (int)status_of(v, DEAUTH));
    zt__controller_stats_get(zt__controller_of(ctl.api), &st);
    CHECK(v->w, st.configs_sent >= NM - 1 && st.denied >= 1,
          "restarted controller: %" PRIu64 " configs, %" PRIu64 " denied", st.configs_sent,
          st.denied);
    /* Traffic still flows among the remaining members. */
    ping(v, 1, 2, false, 950);
    ping(v, 2, 1, true, 951);
}

/* Whether member |i| holds the changed config. */
static bool has_change(const vl2 *v, int i)
{
    const zt_netconf *c = config_of(v, i);
    return c != NULL && strcmp(c->name, "sim-vl2-renamed") == 0 && c->n_routes == 2;
}

/* 6. A config change, pushed: the members get it without a rejoin. */
static void step_config_change(vl2 *v)
{
    const unsigned others = all_members & ~(1u << DEAUTH);
    unsigned by_push = 0;
    size_t pushed;
    int64_t t0;
    int rv;

    sim_note(v->w, "config change");
    rv = zts_controller_network_set(ctl.api, v->nwid, net_json_changed, sim_now(v->w), NULL);
    CHECK(v->w, rv == ZTS_CONTROLLER_OK, "network_set (change): %d %s", rv,
          zts_controller_last_error(ctl.api));
    t0 = sim_now(v->w);
    pushed = ctl_flush(v->w, ZT_VERB_NETWORK_CONFIG);
    CHECK(v->w, pushed >= NM - 1, "only %zu NETWORK_CONFIG payloads pushed", pushed);
    /* Well within the 60 s between requests: this is the push, not a periodic request. */
    while (by_push != others && sim_now(v->w) < t0 + 5 * SIM_SEC) {
        sim_run_for(v->w, 100 * SIM_MS);
        for (int i = 0; i < NM; i++)
            if ((others & 1u << i) && has_change(v, i))
                by_push |= 1u << i;
    }
    /* A push is one unacknowledged datagram (1.14.1 does not repeat it), so on the lossy links
     * one can be lost (about 4 % each): that member gets the change at its next periodic
     * request instead, within 60 s (plus retries).  All of them losing it would be a bug. */
    CHECK(v->w, by_push != 0, "no member got the pushed change within 5 s");
    if (by_push != others)
        sim_note(v->w, "config change: push lost to %u member(s), waiting for their refresh",
                 (unsigned)__builtin_popcount(others & ~by_push));
    for (int i = 0; i < NM; i++) {
        if (!(others & 1u << i))
            continue;
        while (!has_change(v, i) && sim_now(v->w) < t0 + 90 * SIM_SEC)
            sim_run_for(v->w, 500 * SIM_MS);
        CHECK(v->w, has_change(v, i), "%s: the change did not arrive within 90 s",
              member_kind[i]);
        CHECK(v->w, status_of(v, i) == ZT_NETWORK_OK, "%s: not OK after the change",
              member_kind[i]);
        CHECK(v->w, sim_event_find(v->m[i].n, ZT_NODE_EVENT_NETWORK_OK, 0, t0) != NULL,
              "%s: no NETWORK_OK for the change", member_kind[i]);
    }
    ping(v, 0, 2, false, 960);
}

/* The whole scenario; returns its trace hash. */
static uint64_t run_scenario(uint64_t seed)
{
    vl2 v;

    world_build(&v, seed);
    step_join_denied(&v);
    step_authorize(&v);
    step_traffic(&v);
    step_deauthorize(&v);
    step_restart(&v);
    step_config_change(&v);
    return ctl_scenario_end(v.w);
}

/* ---- tests ------------------------------------------------------------------------------ */

/* The seed: 4001, or ZT_SIM_SEED to try others (the determinism test then also runs the next
 * one). */
int main(void)
{
    return scenario_main("test_vl2", run_scenario, 4001, vl2_teardown);
}
