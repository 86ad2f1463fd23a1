/*
 * test_sim_vl2_rules.c: tags, capabilities and TEE issued by our controller, honoured by the
 * members, on the simulator (ctest label "sim").  Two roots, a node with the real controller
 * beside it (sim_ctl.h, over SQLite) and four public members on lossless links with a little
 * jitter: "admin" and "peer" in department 10, "other" in department 20, and an "observer"
 * whose department comes from the network's default tag.
 *
 * The network's JSON (controller.md §5.4, §5.6): tag 1 "department" with default 99; a
 * capability 1000 "admin" whose one rule accepts everything; and rules
 *
 *     ethertype 0x0800  -> TEE to the observer      (copies of accepted IPv4 frames)
 *     ethertype 0x0806  -> ACCEPT                   (ARP, so credentials can always be pushed)
 *     tags difference(1) <= 0 -> ACCEPT             (same department)
 *
 * with no final action: anything else ends in NO_MATCH, the capabilities are tried (vl2.md
 * §6.3), and nothing accepting means drop.  Members get their tag values and the capability
 * from their member JSON (controller.md §3.8).
 *
 * One scenario, in order (docs/internals/simulation.md, "VL2 rules"):
 *   1. every member is authorised with its tags before it asks, joins and gets OK; each config
 *      carries exactly the tags and capabilities issued for it, the observer the default tag,
 *      which the controller also saved in its member record;
 *   2. IPv4 frames flow within a department and are dropped across; the admin reaches the
 *      other department by its capability (one way: the answer has no capability); every
 *      delivered frame is copied to the observer from both ends (TEE outbound and inbound),
 *      a dropped one never;
 *   3. "peer" moves to department 20 through zts_controller_member_set; the push reaches it
 *      and the traffic follows the new value;
 *   4. the admin loses its capability the same way: it stops crossing departments at once
 *      where it knows the receiver's tag; a receiver whose move it has not heard of honours
 *      the copy of the capability it holds until that leaves the ctmd window (vl2.md §5.8).
 * The same seed gives the same trace hash.  ZT_SIM_SEED picks another seed (see base_seed()).
 */
#include "scenario.h"

#include "controller/controller.h"
#include "codec/credential.h"
#include "codec/wire/vl1.h"
#include "sim_ctl.h"
#include "sim_eth.h"

enum { ADMIN, PEER, OTHER, OBS, NM };

#define NWID_SUFFIX 0x7a65e1ULL
#define TAG_DEPT 1u
#define CAP_ADMIN 1000u
#define DEPT_DEFAULT 99u

static const char *const member_name[NM] = {"admin", "peer", "other", "observer"};

/* Member records before anyone asks: pre-authorised, with tags and capabilities. */
static const char *const member_json[NM] = {
    "{\"authorized\":true,\"tags\":[[1,10]],\"capabilities\":[1000]}",
    "{\"authorized\":true,\"tags\":[[1,10]]}",
    "{\"authorized\":true,\"tags\":[[1,20]]}",
    "{\"authorized\":true}",
};

typedef struct member {
    sim_node *n;
    uint64_t mac;
} member;

typedef struct rules_world {
    sim_world *w;
    member m[NM];
    uint64_t nwid;
    uint16_t seq; /* of the probes */
} rules_world;

static const sim_link_cfg member_link = {.latency_ms = 12, .jitter_ms = 3};

static void world_build(rules_world *v, uint64_t seed)
{
    memset(v, 0, sizeof(*v));
    v->w = scenario_world(seed, member_link);
    scenario_root(v->w, "198.51.100.1/9993", member_link, 8);
    scenario_root(v->w, "198.51.100.2/9993", member_link, 30);
    ctl.node = sim_add_node(v->w, NULL, "198.18.10.1/9993");
    tap_add(ctl.node);
    sim_set_config_hook(ctl.node, ctl_hook, &ctl);
    for (int i = 0; i < NM; i++) {
        char addr[32];
        snprintf(addr, sizeof(addr), "198.18.%d.1/9993", i + 1);
        v->m[i].n = sim_add_node(v->w, NULL, addr);
        tap_add(v->m[i].n);
    }
    v->nwid = sim_address(ctl.node) << 24 | NWID_SUFFIX;
    ctl_create(v->w, seed);
    sim_start(v->w);
}

static int rules_teardown(void **state)
{
    ctl_cleanup();
    return teardown(state);
}

/* ---- what the controller issued, as the member holds it --------------------------------- */

/* The value of tag |id| in |i|'s config; false if it has none. */
static bool config_tag(const rules_world *v, int i, uint32_t id, uint32_t *value)
{
    const zt_netconf *c = vl2_config(v->m[i].n, v->nwid);
    const uint8_t *blob;
    size_t len;
    zt_rd r;
    zt_tag t;

    if (c == NULL)
        return false;
    blob = zt__netconf_blob(c, ZT_NETCONF_BLOB_TAGS, &len);
    r = zt__rd_make(blob, len);
    while (zt__rd_left(&r) > 0 && zt__tag_read(&r, &t) == 0)
        if (t.id == id && t.nwid == v->nwid && t.issued_to == sim_address(v->m[i].n) &&
            t.signer == sim_address(ctl.node)) {
            *value = t.value;
            return true;
        }
    return false;
}

/* The number of tags in |i|'s config. */
static unsigned config_tag_count(const rules_world *v, int i)
{
    const zt_netconf *c = vl2_config(v->m[i].n, v->nwid);
    const uint8_t *blob = NULL;
    unsigned count = 0;
    size_t len = 0;
    zt_rd r;
    zt_tag t;

    if (c != NULL)
        blob = zt__netconf_blob(c, ZT_NETCONF_BLOB_TAGS, &len);
    r = zt__rd_make(blob, blob == NULL ? 0 : len);
    while (zt__rd_left(&r) > 0 && zt__tag_read(&r, &t) == 0)
        count++;
    return count;
}

/* The number of capabilities in |i|'s config; sets *admin if one is the admin capability,
 * issued to |i|. */
static unsigned config_cap_count(const rules_world *v, int i, bool *admin)
{
    const zt_netconf *c = vl2_config(v->m[i].n, v->nwid);
    zt_capability *cap = calloc(1, sizeof(*cap)); /* rules inside: large */
    const uint8_t *blob = NULL;
    unsigned count = 0;
    size_t len = 0;
    zt_rd r;

    assert_non_null(cap);
    *admin = false;
    if (c != NULL)
        blob = zt__netconf_blob(c, ZT_NETCONF_BLOB_CAPS, &len);
    r = zt__rd_make(blob, blob == NULL ? 0 : len);
    while (zt__rd_left(&r) > 0 && zt__capability_read(&r, cap) == 0) {
        count++;
        if (cap->id == CAP_ADMIN && cap->nwid == v->nwid &&
            zt__capability_issued_to(cap) == sim_address(v->m[i].n))
            *admin = true;
    }
    free(cap);
    return count;
}

/* Checks |i|'s config: tag 1 = |dept| and no other tag, the admin capability iff |admin|. */
static void check_issued(const rules_world *v, int i, uint32_t dept, bool admin)
{
    uint32_t value = 0;
    bool has;
    unsigned n;

    CHECK(v->w, config_tag(v, i, TAG_DEPT, &value) && value == dept,
          "%s: config has department %u, not %u", member_name[i], value, dept);
    n = config_tag_count(v, i);
    CHECK(v->w, n == 1, "%s: config has %u tags, not 1", member_name[i], n);
    n = config_cap_count(v, i, &has);
    CHECK(v->w, n == (admin ? 1u : 0u) && has == admin,
          "%s: config has %u capabilities (admin %d), want admin %d", member_name[i], n, has,
          admin);
}

/* ---- credentials and probes ------------------------------------------------------------- */

/* |a| sends |b| a unicast ARP reply, which the rules accept whatever the tags, until it
 * arrives; the core pushes |a|'s credentials of its current config before it (vl2.md §3.7),
 * so afterwards |b| holds |a|'s current tags. */
static void hello(rules_world *v, int a, int b)
{
    sim_arp rep = {.op = SIM_ARP_REPLY, .sha = v->m[a].mac, .tha = v->m[b].mac,
                   .spa = {10, 9, 0, (uint8_t)(a + 1)}, .tpa = {10, 9, 0, (uint8_t)(b + 1)}};
    uint8_t pkt[SIM_ARP_LEN];

    sim_arp_build(pkt, &rep);
    CHECK(v->w,
          vl2_deliver(v->w, v->nwid, v->m[a].n, v->m[b].n, v->m[b].mac, SIM_ETHERTYPE_ARP, pkt,
                      sizeof(pkt), 4) > 0,
          "%s -> %s: ARP never arrived in 4 tries", member_name[a], member_name[b]);
}

/* Every member says hello to every other: then each holds every other's current tags, so
 * the tag matches below are decided by values, not by a missing tag (§6.2).  The pauses keep
 * pushes apart by more than the 1 s credentials rate gate (§3.6) and let the last land. */
static void introduce(rules_world *v)
{
    sim_run_for(v->w, 1500 * SIM_MS);
    for (int a = 0; a < NM; a++)
        for (int b = 0; b < NM; b++)
            if (a != b)
                hello(v, a, b);
    sim_run_for(v->w, 1500 * SIM_MS);
}

/* Frames |n| got from |src_mac| to |dst_mac| that are exactly |p| since |since|. */
static size_t copies(const sim_node *n, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac,
                     const uint8_t *p, size_t len, int64_t since)
{
    size_t count, k = 0;
    const sim_frame *f = sim_frames(n, &count);

    for (size_t i = 0; i < count; i++)
        if (f[i].time >= since && f[i].nwid == nwid && f[i].src_mac == src_mac &&
            f[i].dst_mac == dst_mac && f[i].ethertype == SIM_ETHERTYPE_IPV4 && f[i].len == len &&
            memcmp(f[i].data, p, len < SIM_FRAME_DATA_MAX ? len : SIM_FRAME_DATA_MAX) == 0)
            k++;
    return k;
}

/* One IPv4 echo request from |a| to |b|, sent once (the links lose nothing).  |want|: it must
 * arrive within 1 s, else |b| must not get it within 2 s.  The observer must get |tee| copies
 * of it: a TEE copy leaves each end whose rules accept the frame (vl2.md §6.3). */
static void probe_tee(rules_world *v, int a, int b, bool want, size_t tee_want,
                      const char *why)
{
    member *ma = &v->m[a], *mb = &v->m[b];
    char data[48];
    sim_echo e = {.id = 0x7e, .seq = ++v->seq, .data = (const uint8_t *)data};
    uint8_t pkt[128];
    const via *tapped = &tap.v[sim_index(mb->n)][sim_index(ma->n)];
    uint64_t packets0 = tapped->direct + tapped->relayed;
    size_t len, got, tee;
    int64_t t0 = sim_now(v->w);
    int rv;

    e.len = (size_t)snprintf(data, sizeof(data), "rules %s>%s %u", member_name[a],
                             member_name[b], e.seq);
    memcpy(e.src, (uint8_t[4]){10, 9, 0, (uint8_t)(a + 1)}, 4);
    memcpy(e.dst, (uint8_t[4]){10, 9, 0, (uint8_t)(b + 1)}, 4);
    len = sim_icmp4_echo_build(pkt, sizeof(pkt), &e);
    CHECK(v->w, len > 0, "echo build");
    sim_note(v->w, "probe %s -> %s (%s): want %s", member_name[a], member_name[b], why,
             want ? "delivered" : "dropped");
    rv = zt__node_send_frame(sim_zt(ma->n), v->nwid, ma->mac, mb->mac, SIM_ETHERTYPE_IPV4, pkt,
                            len, t0);
    CHECK(v->w, rv == 0, "%s: zt__node_send_frame: %s", member_name[a], zt__strerror(rv));
    while (sim_now(v->w) < t0 + (want ? 1 : 2) * SIM_SEC &&
           !(want && copies(mb->n, v->nwid, ma->mac, mb->mac, pkt, len, t0) > 0))
        sim_run_for(v->w, 50 * SIM_MS);
    got = copies(mb->n, v->nwid, ma->mac, mb->mac, pkt, len, t0);
    if (got > 0) /* the inbound copy leaves when the frame arrives; let it land */
        sim_run_for(v->w, 500 * SIM_MS);
    tee = copies(v->m[OBS].n, v->nwid, ma->mac, mb->mac, pkt, len, t0);
    CHECK(v->w, got == (want ? 1u : 0u), "%s -> %s (%s): delivered %zu times, want %s",
          member_name[a], member_name[b], why, got, want ? "once within 1 s" : "never");
    CHECK(v->w, tee == tee_want, "%s -> %s (%s): the observer got %zu copies, not %zu",
          member_name[a], member_name[b], why, tee, tee_want);
    /* Sent (its outbound copy left) yet not delivered: the receiver's rules dropped it. */
    if (!want && tee_want > 0)
        CHECK(v->w, tapped->direct + tapped->relayed > packets0,
              "%s -> %s (%s): no packet reached the receiver", member_name[a], member_name[b],
              why);
}

/* A delivered frame is copied by both ends (outbound and inbound TEE), a dropped one by
 * neither: both ends' rules agree. */
static void probe(rules_world *v, int a, int b, bool want, const char *why)
{
    probe_tee(v, a, b, want, want ? 2 : 0, why);
}

/* ---- the steps -------------------------------------------------------------------------- */

static void set_network(rules_world *v)
{
    char json[1024];
    int rv;

    snprintf(json, sizeof(json),
             "{\"name\":\"sim-vl2-rules\",\"private\":true,"
             "\"tags\":[{\"id\":%u,\"default\":%u}],"
             "\"capabilities\":[{\"id\":%u,\"default\":false,"
             "\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}],"
             "\"rules\":[{\"type\":\"MATCH_ETHERTYPE\",\"etherType\":2048},"
             "{\"type\":\"ACTION_TEE\",\"address\":\"%010" PRIx64 "\",\"flags\":0,\"length\":0},"
             "{\"type\":\"MATCH_ETHERTYPE\",\"etherType\":2054},{\"type\":\"ACTION_ACCEPT\"},"
             "{\"type\":\"MATCH_TAGS_DIFFERENCE\",\"id\":%u,\"value\":0},"
             "{\"type\":\"ACTION_ACCEPT\"}]}",
             TAG_DEPT, DEPT_DEFAULT, CAP_ADMIN, sim_address(v->m[OBS].n), TAG_DEPT);
    rv = zts_controller_network_set(ctl.api, v->nwid, json, sim_now(v->w), NULL);
    CHECK(v->w, rv == ZTS_CONTROLLER_OK, "network_set: %d %s", rv,
          zts_controller_last_error(ctl.api));
}

/* 1. Authorised with tags before asking; join; the configs carry what was issued. */
static void step_join(rules_world *v)
{
    sim_node *g[NM];
    char *json = NULL;
    int rv;

    set_network(v);
    for (int i = 0; i < NM; i++) {
        rv = zts_controller_member_set(ctl.api, v->nwid, sim_address(v->m[i].n), member_json[i],
                                       sim_now(v->w), NULL);
        CHECK(v->w, rv == ZTS_CONTROLLER_OK, "member_set %s: %d %s", member_name[i], rv,
              zts_controller_last_error(ctl.api));
        g[i] = v->m[i].n;
    }
    /* Nobody has asked yet, so the edits push nothing. */
    CHECK(v->w, ctl_flush(v->w, 0) == 0, "the controller pushed to members that never asked");
    sim_run_until(v->w, 10 * SIM_SEC);
    for (int i = 0; i < NM; i++) {
        CHECK(v->w, sim_online(v->m[i].n), "%s not online", member_name[i]);
        rv = zt__node_join(sim_zt(v->m[i].n), v->nwid, sim_now(v->w));
        CHECK(v->w, rv == 0, "%s: zt__node_join: %s", member_name[i], zt__strerror(rv));
    }
    CHECK(v->w, vl2_run_until_status(v->w, g, NM, v->nwid, ZT_NETWORK_OK,
                                     sim_now(v->w) + 20 * SIM_SEC),
          "not every member reached OK within 20 s");
    for (int i = 0; i < NM; i++) {
        v->m[i].mac = zt__node_network_mac(sim_zt(v->m[i].n), v->nwid);
        CHECK(v->w, v->m[i].mac != 0, "%s: no MAC", member_name[i]);
    }
    check_issued(v, ADMIN, 10, true);
    check_issued(v, PEER, 10, false);
    check_issued(v, OTHER, 20, false);
    check_issued(v, OBS, DEPT_DEFAULT, false); /* the network's default (§3.8) */
    /* ... which the controller saved in the observer's record. */
    CHECK(v->w,
          zts_controller_member_get(ctl.api, v->nwid, sim_address(v->m[OBS].n), &json) == 0 &&
              strstr(json, "\"tags\":[[1,99]]") != NULL,
          "observer record: %s", json != NULL ? json : "(none)");
    zts_controller_free(json);
}

/* 2. Departments and the admin capability, with copies to the observer. */
static void step_departments(rules_world *v)
{
    introduce(v);
    probe(v, ADMIN, PEER, true, "same department");
    probe(v, PEER, ADMIN, true, "same department");
    probe(v, PEER, OTHER, false, "10 -> 20");
    probe(v, OTHER, PEER, false, "20 -> 10");
    probe(v, ADMIN, OTHER, true, "admin capability");
    probe(v, OTHER, ADMIN, false, "20 -> 10, no capability");
}

/* Edits member |i| through the API, flushes (the push, controller.md §4.3) and waits until
 * its config shows |dept| and the capability iff |admin|: by push, well within the 60 s
 * between requests. */
static void edit_member(rules_world *v, int i, const char *json, uint32_t dept, bool admin)
{
    int64_t t0 = sim_now(v->w);
    uint32_t value = 0;
    bool has = false;
    size_t pushed;
    int rv;

    sim_note(v->w, "edit %s: %s", member_name[i], json);
    rv = zts_controller_member_set(ctl.api, v->nwid, sim_address(v->m[i].n), json, t0, NULL);
    CHECK(v->w, rv == ZTS_CONTROLLER_OK, "member_set %s: %d %s", member_name[i], rv,
          zts_controller_last_error(ctl.api));
    pushed = ctl_flush(v->w, ZT_VERB_NETWORK_CONFIG);
    CHECK(v->w, pushed == 1, "%zu NETWORK_CONFIG pushes for one member edit", pushed);
    while (sim_now(v->w) < t0 + 5 * SIM_SEC) {
        const zt_netconf *c = vl2_config(v->m[i].n, v->nwid);
        (void)config_cap_count(v, i, &has);
        if (c != NULL && c->timestamp >= t0 && config_tag(v, i, TAG_DEPT, &value) &&
            value == dept && has == admin)
            break;
        sim_run_for(v->w, 100 * SIM_MS);
    }
    CHECK(v->w, sim_now(v->w) < t0 + 5 * SIM_SEC,
          "%s: the edit did not arrive within 5 s (department %u, admin %d)", member_name[i],
          value, has);
    check_issued(v, i, dept, admin);
}

/* 3. "peer" moves to department 20. */
static void step_move(rules_world *v)
{
    char *json = NULL;

    edit_member(v, PEER, "{\"tags\":[[1,20]]}", 20, false);
    CHECK(v->w,
          zts_controller_member_get(ctl.api, v->nwid, sim_address(v->m[PEER].n), &json) == 0 &&
              strstr(json, "\"tags\":[[1,20]]") != NULL,
          "peer record: %s", json != NULL ? json : "(none)");
    zts_controller_free(json);
    /* Its new tag reaches the others with its next frame to each (§3.7: a new config). */
    introduce(v);
    probe(v, PEER, OTHER, true, "now both in 20");
    probe(v, OTHER, PEER, true, "now both in 20");
    probe(v, PEER, ADMIN, false, "20 -> 10");
    probe(v, ADMIN, PEER, true, "admin capability");
    probe(v, ADMIN, OTHER, true, "admin capability");
}

/* 4. The admin loses its capability.  Nothing revokes the copies the others hold
 * (controller.md §4.4 revokes only COMs), so a receiver honours the one it holds while its
 * timestamp is within ctmd of the receiver's config's, and refuses it after (vl2.md §5.8).
 * The admin's own outbound filter stops it at once where it holds the receiver's current
 * tag (its new config has no capability: NO_MATCH, nothing accepts, §6.3).  So "peer" comes
 * back to department 10 and tells the admin, then moves to 20 again without a word to it:
 * the admin's stale view of "peer" lets its frames out, and only "peer"'s rules decide. */
static void step_degrant(rules_world *v)
{
    const zt_netconf *c;
    int64_t t_degrant, ctmd;

    edit_member(v, PEER, "{\"tags\":[[1,10]]}", 10, false);
    introduce(v);
    probe(v, PEER, ADMIN, true, "both in 10 again");
    edit_member(v, PEER, "{\"tags\":[[1,20]]}", 20, false);
    t_degrant = sim_now(v->w);
    edit_member(v, ADMIN, "{\"capabilities\":[]}", 10, false);
    sim_run_for(v->w, 1500 * SIM_MS);
    probe(v, ADMIN, OTHER, false, "capability withdrawn, other's tag known");
    probe(v, ADMIN, PEER, true, "stale capability, within ctmd");

    c = vl2_config(v->m[PEER].n, v->nwid);
    CHECK(v->w, c != NULL && c->ctmd == 1800000, "peer: ctmd %" PRIu64 ", not 30 min",
          c != NULL ? c->ctmd : 0);
    ctmd = (int64_t)c->ctmd;
    sim_note(v->w, "waiting for the withdrawn capability to leave the ctmd window");
    for (;;) {
        c = vl2_config(v->m[PEER].n, v->nwid);
        if ((c != NULL && c->timestamp > t_degrant + ctmd) ||
            sim_now(v->w) > t_degrant + ctmd + 150 * SIM_SEC)
            break;
        sim_run_for(v->w, 10 * SIM_SEC);
    }
    CHECK(v->w, c != NULL && c->timestamp > t_degrant + ctmd,
          "peer: no config refresh %" PRId64 " ms after the withdrawal", ctmd);
    /* The admin's current COM and tag reach peer first (its config changed since its last
     * push), so that only the capability's age decides.  The admin's view of peer's tag has
     * aged out as well, so its frame still leaves, with the outbound copy; peer refuses it. */
    hello(v, ADMIN, PEER);
    sim_run_for(v->w, 1500 * SIM_MS);
    probe_tee(v, ADMIN, PEER, false, 1, "stale capability, past ctmd");
    introduce(v);
    probe(v, ADMIN, PEER, false, "capability withdrawn, peer's tag known");
    probe(v, PEER, OTHER, true, "same department");
}

/* The whole scenario; returns its trace hash. */
static uint64_t run_scenario(uint64_t seed)
{
    rules_world v;

    world_build(&v, seed);
    step_join(&v);
    step_departments(&v);
    step_move(&v);
    step_degrant(&v);
    return ctl_scenario_end(v.w);
}

/* ---- tests ------------------------------------------------------------------------------ */

/* The seed: 5001, or ZT_SIM_SEED to try others (the determinism test then also runs the next
 * one). */
int main(void)
{
    return scenario_main("test_vl2_rules", run_scenario, 5001, rules_teardown);
}
