/* Tags, capabilities, revocations and TEE/REDIRECT between members of private networks
 * (vl2.md §3.2, §3.6-§3.7, §5.3-§5.8, §6.2-§6.3), over an in-memory underlay: node 0 is the
 * root, nodes 1-3 are members A, B and C, node 4 is the networks' controller.  The controller's
 * configs and credentials are built and signed here with node 4's identity and sent to the
 * members as NETWORK_CONFIG / NETWORK_CREDENTIALS, as a controller would send them. */
#include "testutil.h"

#include "memworld.h"

#include "codec/credential.h"
#include "codec/netconf.h"
#include "core/node.h"
#include "codec/packet.h"
#include "codec/rules.h"
#include "core/membership.h"
#include "core/multicast.h"
#include "core/vl2_creds.h" /* to look at what a member stores */
#include "codec/world.h"

#define NNODES 5
#define CTL 4
#define A 1
#define B 2
#define C 3
#define TAG_ID 7
#define CAP_ID 10

static mw_world *world;
static mw_node *nodes;

static uint64_t addr_of(int i)
{
    return zt__node_address(nodes[i].node);
}

/* The default underlay: fixed 5 ms latency, first in first out, so a push of credentials
 * lands before the frame that follows it. */
static int setup(void **state)
{
    mw_config cfg;

    mw_config_default(&cfg);
    cfg.nnodes = NNODES;
    cfg.seed = 40;
    world = mw_new(&cfg);
    nodes = world->nodes;
    mw_settle(world, 1000, 1);
    *state = world;
    return 0;
}

/* ---- what the controller (node 4) issues ---- */

static uint64_t network(unsigned n)
{
    return addr_of(CTL) << 24 | n;
}

static size_t rules_bytes(const zt_rule *rules, size_t n, uint8_t *out, size_t cap)
{
    zt_wr w = zt__wr_make(out, cap);
    zt__rules_write(&w, rules, n);
    assert_false(w.overflow);
    return zt__wr_len(&w);
}

static zt_tag make_tag(uint64_t nwid, int member, uint32_t id, uint32_t value)
{
    zt_tag t;
    memset(&t, 0, sizeof(t));
    t.nwid = nwid;
    t.timestamp = world->now;
    t.id = id;
    t.value = value;
    t.issued_to = addr_of(member);
    assert_int_equal(zt__tag_sign(&t, &nodes[CTL].id), 0);
    return t;
}

/* A capability whose rules accept everything. */
static void make_cap(zt_capability *c, uint64_t nwid, int member, uint32_t id)
{
    memset(c, 0, sizeof(*c));
    c->nwid = nwid;
    c->timestamp = world->now;
    c->id = id;
    c->rule_count = 1;
    c->rules[0].t = ZT_RULE_ACTION_ACCEPT;
    c->max_custody = 1;
    assert_int_equal(zt__capability_sign(c, &nodes[CTL].id, addr_of(member)), 0);
}

/* Sends |payload| (|len| bytes, verb |verb|) from the controller to member |to|. */
static void controller_send(int to, unsigned verb, const uint8_t *payload, size_t len,
                            uint64_t packet_id)
{
    mw_inject(world, CTL, to, verb, packet_id, payload, len);
}

/* A certificate of ownership for member |to|'s static IP 10.147.17.|to| (what a 1.14.1
 * controller issues, §5.6). */
static zt_coo make_coo(uint64_t nwid, int to)
{
    uint8_t ip[4] = {10, 147, 17, (uint8_t)to};
    zt_coo c;
    memset(&c, 0, sizeof(c));
    c.nwid = nwid;
    c.timestamp = world->now;
    c.id = 1;
    c.issued_to = addr_of(to);
    assert_int_equal(zt__coo_add_thing(&c, ZT_COO_THING_IPV4, ip, 4), 0);
    assert_int_equal(zt__coo_sign(&c, &nodes[CTL].id), 0);
    return c;
}

/* A private network's config for member |to| with static IP 10.147.17.|to|/24: a COM,
 * |rules|, and optionally one tag, one capability and one COO issued to it. */
static void push_config_coo(int to, uint64_t nwid, const zt_rule *rules, size_t nrules,
                            const zt_tag *tag, const zt_capability *cap, const zt_coo *coo)
{
    uint8_t buf[4096];
    uint8_t ip[4] = {10, 147, 17, (uint8_t)to};
    zt_netconf nc;
    zt_wr w;

    mw_netconf_init(world, &nc, nwid, to, ZT_NETWORK_TYPE_PRIVATE);
    nc.ctmd = 1800000;
    mw_netconf_add_com(world, &nc, CTL, to);
    if (tag != NULL) {
        w = zt__wr_make(buf, sizeof(buf));
        zt__tag_write(&w, tag);
        assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_TAGS, buf, zt__wr_len(&w)),
                         0);
    }
    if (cap != NULL) {
        w = zt__wr_make(buf, sizeof(buf));
        zt__capability_write(&w, cap);
        assert_false(w.overflow);
        assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_CAPS, buf, zt__wr_len(&w)),
                         0);
    }
    if (coo != NULL) {
        w = zt__wr_make(buf, sizeof(buf));
        zt__coo_write(&w, coo);
        assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_COOS, buf, zt__wr_len(&w)),
                         0);
    }
    zt__inetaddr_set4(&nc.static_ips[0], ip, 24);
    nc.n_static_ips = 1;
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_RULES, buf,
                                          rules_bytes(rules, nrules, buf, sizeof(buf))), 0);
    mw_push_config(world, CTL, to, &nc, 0x1000 + (uint64_t)to,
                   0x6600000000000000ULL | (uint64_t)world->now << 8 | (uint64_t)to);
}

static void push_config(int to, uint64_t nwid, const zt_rule *rules, size_t nrules,
                        const zt_tag *tag, const zt_capability *cap)
{
    push_config_coo(to, nwid, rules, nrules, tag, cap, NULL);
}

/* A revocation from the controller to |to| in NETWORK_CREDENTIALS. */
static void send_revocation(int to, uint64_t nwid, uint8_t type, uint32_t id, int target,
                            int64_t threshold, bool fast)
{
    uint8_t payload[512];
    zt_revocation rev;
    zt_wr w = zt__wr_make(payload, sizeof(payload));

    memset(&rev, 0, sizeof(rev));
    rev.id = (uint32_t)world->now;
    rev.nwid = nwid;
    rev.credential_id = id;
    rev.threshold = threshold;
    rev.flags = fast ? ZT_REVOCATION_FLAG_FAST_PROPAGATE : 0;
    rev.target = addr_of(target);
    rev.type = type;
    assert_int_equal(zt__revocation_sign(&rev, &nodes[CTL].id), 0);
    zt__netcreds_write(&w, NULL, NULL, 0, NULL, 0, &rev, 1, NULL, 0);
    assert_false(w.overflow);
    controller_send(to, ZT_VERB_NETWORK_CREDENTIALS, payload, zt__wr_len(&w),
                    0x7700000000000000ULL | (uint64_t)world->now << 8 | (uint64_t)to);
}

static void join_all(uint64_t nwid)
{
    for (int i = A; i <= C; i++)
        assert_int_equal(zt__node_join(nodes[i].node, nwid, world->now), 0);
}

static uint64_t mac(int i, uint64_t nwid)
{
    return zt__node_network_mac(nodes[i].node, nwid);
}

/* Frame from member |from| to member |to|; then 2 s of the world (also past the 1 s
 * NETWORK_CREDENTIALS rate gate). */
static void frame(int from, int to, uint64_t nwid, const char *text)
{
    assert_int_equal(zt__node_send_frame(nodes[from].node, nwid, mac(from, nwid), mac(to, nwid),
                                        0x0800, text, strlen(text), world->now), 0);
    mw_run_for(world, 2000);
}

static unsigned frames[NNODES];

static void mark(void)
{
    for (int i = 0; i < NNODES; i++)
        frames[i] = nodes[i].nframes;
}

static unsigned got(int i)
{
    return nodes[i].nframes - frames[i];
}

/* Network |nwid| with the rules "tags_equal(TAG_ID, 1) -> accept" (nothing else: drop),
 * joined by every member: A and B hold tag TAG_ID = 1, C holds TAG_ID = |c_value| (0: C gets
 * no config).  Returns A's tag. */
static zt_tag tag_network(uint64_t nwid, uint32_t c_value)
{
    zt_rule rules[2];
    zt_tag ta, tb, tc;

    memset(rules, 0, sizeof(rules));
    rules[0].t = ZT_RULE_MATCH_TAGS_EQUAL;
    rules[0].v.tag.id = TAG_ID;
    rules[0].v.tag.value = 1;
    rules[1].t = ZT_RULE_ACTION_ACCEPT;
    join_all(nwid);
    ta = make_tag(nwid, A, TAG_ID, 1);
    tb = make_tag(nwid, B, TAG_ID, 1);
    push_config(A, nwid, rules, 2, &ta, NULL);
    push_config(B, nwid, rules, 2, &tb, NULL);
    if (c_value != 0) {
        tc = make_tag(nwid, C, TAG_ID, c_value);
        push_config(C, nwid, rules, 2, &tc, NULL);
    }
    mw_run_for(world, 1000); /* the controller's identity is looked up */
    return ta;
}

/* ---- tests ---- */

/* Rules "tags_equal(7, 1) -> accept" (nothing else: drop).  A and B hold tag 7 = 1, C holds
 * 7 = 2: A reaches B (its tag arrives with its COM), not C; then a fast-propagated revocation
 * of A's tag, sent by the controller to C only, reaches B through C and B refuses A. */
static void test_tags_and_fast_revocation(void **state)
{
    uint64_t nwid = network(0x21);
    zt_tag ta = tag_network(nwid, 2);
    (void)state;

    assert_non_null(zt__node_network_config(nodes[C].node, nwid));

    mark();
    frame(A, B, nwid, "tag ok");
    frame(A, C, nwid, "tag bad");
    frame(B, C, nwid, "tag bad");
    assert_int_equal(got(B), 1);
    assert_string_equal(mw_frame_text(&nodes[B]), "tag ok");
    assert_int_equal(got(C), 0); /* its tag value differs: both ends must be 1 */

    mark();
    frame(A, B, nwid, "again");
    assert_int_equal(got(B), 1);

    /* Only C hears the revocation from the controller; C knows A and B and forwards it. */
    send_revocation(C, nwid, ZT_CRED_TAG, TAG_ID, A, ta.timestamp, true);
    mw_run_for(world, 2000);
    mark();
    frame(A, B, nwid, "revoked");
    assert_int_equal(got(B), 0);
    /* Only A's tag was revoked: B's frames to A still pass (A judges B's tag). */
    frame(B, A, nwid, "b to a");
    assert_int_equal(got(A), 1);
}

/* A revocation without the fast-propagate flag stays with the member it was sent to. */
static void test_revocation_not_forwarded(void **state)
{
    uint64_t nwid = network(0x22);
    zt_tag ta = tag_network(nwid, 1);
    (void)state;

    frame(A, B, nwid, "w1");
    frame(A, C, nwid, "w2");
    frame(B, C, nwid, "w3");

    send_revocation(C, nwid, ZT_CRED_TAG, TAG_ID, A, ta.timestamp, false);
    mw_run_for(world, 2000);
    mark();
    frame(A, B, nwid, "still");
    frame(A, C, nwid, "not");
    assert_int_equal(got(B), 1); /* B never heard of it */
    assert_int_equal(got(C), 0);
}

/* Base rules accept only ARP; a capability accepting everything is issued to A only.  A's
 * IPv4 frames pass (its capability outbound, the one it presented inbound at B); B's do not.
 * Revoking A's capability at B stops them. */
static void test_capability(void **state)
{
    uint64_t nwid = network(0x23);
    zt_capability *cap = calloc(1, sizeof(*cap));
    zt_rule rules[2];
    (void)state;

    assert_non_null(cap);
    memset(rules, 0, sizeof(rules));
    rules[0].t = ZT_RULE_MATCH_ETHERTYPE;
    rules[0].v.ethertype = 0x0806;
    rules[1].t = ZT_RULE_ACTION_ACCEPT;
    join_all(nwid);
    make_cap(cap, nwid, A, CAP_ID);
    push_config(A, nwid, rules, 2, NULL, cap);
    push_config(B, nwid, rules, 2, NULL, NULL);
    mw_run_for(world, 1000);

    mark();
    frame(A, B, nwid, "by cap");
    frame(B, A, nwid, "no cap");
    assert_int_equal(got(B), 1);
    assert_string_equal(mw_frame_text(&nodes[B]), "by cap");
    assert_int_equal(got(A), 0);

    send_revocation(B, nwid, ZT_CRED_CAPABILITY, CAP_ID, A, cap->timestamp, false);
    mw_run_for(world, 2000);
    mark();
    frame(A, B, nwid, "cap revoked");
    assert_int_equal(got(B), 0);
    free(cap);
}

/* Every member joins |nwid| and gets a config with |rules| (|n|) and nothing else. */
static void configure_all(uint64_t nwid, const zt_rule *rules, size_t n)
{
    join_all(nwid);
    for (int i = A; i <= C; i++)
        push_config(i, nwid, rules, n, NULL, NULL);
    mw_run_for(world, 1000);
}

/* C's last frame is |text| from A to B, with the original MACs. */
static void last_at_c_is(uint64_t nwid, const char *text)
{
    assert_int_equal(mw_last_frame(&nodes[C])->src, mac(A, nwid));
    assert_int_equal(mw_last_frame(&nodes[C])->dst, mac(B, nwid));
    assert_string_equal(mw_frame_text(&nodes[C]), text);
}

/* "TEE to C; accept": a frame from A to B reaches B, and C gets copies (from A's outbound
 * pass and B's inbound pass) with the original MACs, delivered though they are not its own;
 * C does not copy them on (nobody else gets anything). */
static void test_tee(void **state)
{
    uint64_t nwid = network(0x24);
    zt_rule rules[2];
    (void)state;

    memset(rules, 0, sizeof(rules));
    rules[0].t = ZT_RULE_ACTION_TEE;
    rules[0].v.fwd.address = addr_of(C);
    rules[1].t = ZT_RULE_ACTION_ACCEPT;
    configure_all(nwid, rules, 2);

    mark();
    frame(A, B, nwid, "teed");
    assert_int_equal(got(B), 1);
    assert_int_equal(got(A), 0);
    assert_true(got(C) >= 1 && got(C) <= 2);
    last_at_c_is(nwid, "teed");
}

/* "to B: REDIRECT to C; accept": A's frame for B lands at C (destination MAC still B's) and
 * never at B; C's own frames to B are unaffected (it is the target). */
static void test_redirect(void **state)
{
    uint64_t nwid = network(0x25);
    zt_rule rules[3];
    (void)state;

    memset(rules, 0, sizeof(rules));
    rules[0].t = ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS;
    rules[0].v.zt = addr_of(B);
    rules[1].t = ZT_RULE_ACTION_REDIRECT;
    rules[1].v.fwd.address = addr_of(C);
    rules[2].t = ZT_RULE_ACTION_ACCEPT;
    configure_all(nwid, rules, 3);

    mark();
    frame(A, B, nwid, "redirected");
    assert_int_equal(got(B), 0);
    assert_int_equal(got(C), 1);
    last_at_c_is(nwid, "redirected");

    mark();
    frame(C, B, nwid, "direct");
    assert_int_equal(got(B), 1);
    assert_int_equal(got(C), 0);
}

/* A 20-byte IPv4 header from 10.147.17.|last| to 10.147.17.9 (protocol 253). */
static void ipv4_frame(int from, int to, uint64_t nwid, uint8_t last)
{
    uint8_t ip[20] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 253, 0, 0, 10, 147, 17, 0, 10, 147, 17, 9};
    ip[15] = last;
    assert_int_equal(zt__node_send_frame(nodes[from].node, nwid, mac(from, nwid), mac(to, nwid),
                                        0x0800, ip, sizeof(ip), world->now), 0);
    mw_run_for(world, 2000);
}

/* "sender IP authenticated -> accept" (§6.2 characteristics bit 60): A's frames from its own
 * address pass (outbound its own COO, inbound the COO it presented), spoofed ones do not; B
 * has no COO, so nothing from B passes; revoking A's COO at B stops A too. */
static void test_coo_sender_ip(void **state)
{
    uint64_t nwid = network(0x26);
    zt_rule rules[2];
    zt_coo ca = make_coo(nwid, A);
    (void)state;

    memset(rules, 0, sizeof(rules));
    rules[0].t = ZT_RULE_MATCH_CHARACTERISTICS;
    rules[0].v.characteristics = ZT_RULE_CHAR_SENDER_IP_AUTHENTICATED;
    rules[1].t = ZT_RULE_ACTION_ACCEPT;
    join_all(nwid);
    push_config_coo(A, nwid, rules, 2, NULL, NULL, &ca);
    push_config_coo(B, nwid, rules, 2, NULL, NULL, NULL);
    mw_run_for(world, 1000);

    mark();
    ipv4_frame(A, B, nwid, A);
    assert_int_equal(got(B), 1);
    ipv4_frame(A, B, nwid, 77); /* not its address: not authenticated */
    ipv4_frame(B, A, nwid, B);
    assert_int_equal(got(B), 1);
    assert_int_equal(got(A), 0);

    send_revocation(B, nwid, ZT_CRED_COO, 1, A, ca.timestamp, false);
    mw_run_for(world, 2000);
    mark();
    ipv4_frame(A, B, nwid, A);
    assert_int_equal(got(B), 0);
}

/* What member |at| stores for member |who| on |nwid| (NULL: nothing). */
static const zt_member_creds *stored(int at, uint64_t nwid, int who)
{
    const zt_network *net = zt__membership_network(nodes[at].node, nwid);
    for (unsigned i = 0; net != NULL && i < net->nmembers; i++)
        if (net->members[i].address == addr_of(who))
            return net->members[i].creds;
    return NULL;
}

/* Member B is sent 3 x 60 tags of A (IDs 100-279, later batches newer): it keeps 128, the
 * newest, so A's tag 7 (the oldest) gave way; A's next push (30 s) brings it back. */
static void test_tag_bound(void **state)
{
    uint64_t nwid = network(0x27);
    zt_tag *tags = calloc(60, sizeof(*tags));
    uint8_t *payload = malloc(ZT_PKT_MAX_LEN);
    const zt_member_creds *mc;
    unsigned newer;
    (void)state;

    assert_non_null(tags);
    assert_non_null(payload);
    (void)tag_network(nwid, 0);
    mark();
    frame(A, B, nwid, "before");
    assert_int_equal(got(B), 1);

    for (uint32_t batch = 0; batch < 3; batch++) {
        zt_wr w = zt__wr_make(payload, ZT_PKT_MAX_LEN - ZT_PKT_MIN_LEN);
        for (uint32_t i = 0; i < 60; i++)
            tags[i] = make_tag(nwid, A, 100 + batch * 60 + i, i);
        zt__netcreds_write(&w, NULL, NULL, 0, tags, 60, NULL, 0, NULL, 0);
        assert_false(w.overflow);
        controller_send(B, ZT_VERB_NETWORK_CREDENTIALS, payload, zt__wr_len(&w),
                        0x8800000000000000ULL | (uint64_t)world->now << 8 | batch);
        mw_run_for(world, 1500); /* past B's rate gate for the controller */
    }
    mc = stored(B, nwid, A);
    assert_non_null(mc);
    assert_int_equal(mc->ntags, ZT_MEMBER_MAX_TAGS);
    newer = 0;
    for (unsigned i = 0; i < mc->ntags; i++) {
        assert_int_not_equal(mc->tags[i].id, TAG_ID);
        newer += mc->tags[i].id >= 160;
    }
    assert_int_equal(newer, 120); /* the last two batches whole, 8 of the first */
    mark();
    frame(A, B, nwid, "evicted");
    assert_int_equal(got(B), 0);
    mw_run_for(world, 30000);
    frame(A, B, nwid, "pushed again");
    assert_int_equal(got(B), 1);
    assert_int_equal(stored(B, nwid, A)->ntags, ZT_MEMBER_MAX_TAGS);
    free(tags);
    free(payload);
}

/* Member |who|'s own COM on |nwid|, serialized, in |out|; returns its length. */
static size_t own_com(int who, uint64_t nwid, uint8_t *out, size_t cap)
{
    const zt_network *net = zt__membership_network(nodes[who].node, nwid);
    zt_wr w = zt__wr_make(out, cap);

    assert_non_null(net);
    assert_true(net->has_com);
    zt__com_write(&w, &net->com);
    assert_false(w.overflow);
    return zt__wr_len(&w);
}

/* Whether member |at| holds a COM of member |who| on |nwid|. */
static bool holds_com(int at, uint64_t nwid, int who)
{
    const zt_network *net = zt__membership_network(nodes[at].node, nwid);
    for (unsigned i = 0; net != NULL && i < net->nmembers; i++)
        if (net->members[i].address == addr_of(who))
            return net->members[i].has_com;
    return false;
}

/* A COM attached to MULTICAST_GATHER (flags 0x01, after the gather limit, §3.4; how 1.14.1
 * gathers) or to MULTICAST_FRAME (flags 0x01, deprecated, §3.5 step 1) is offered as a
 * credential before the gate is asked: the sender passes it without a NETWORK_CREDENTIALS. */
static void test_multicast_inline_com(void **state)
{
    uint64_t nwid = network(0x28);
    uint8_t p[512];
    zt_rule accept;
    zt_wr w;
    (void)state;

    memset(&accept, 0, sizeof(accept));
    accept.t = ZT_RULE_ACTION_ACCEPT;
    configure_all(nwid, &accept, 1);

    /* MULTICAST_GATHER C -> B: nwid, flags 01, group 01005e112233/0, limit 8, C's COM */
    assert_false(holds_com(B, nwid, C));
    w = zt__wr_make(p, sizeof(p));
    zt__wr_u64(&w, nwid);
    zt__wr_u8(&w, 0x01);
    zt__wr_be(&w, 0x01005e112233ULL, 6);
    zt__wr_be(&w, 0, 4);
    zt__wr_be(&w, 8, 4);
    w.p += own_com(C, nwid, w.p, (size_t)(w.end - w.p));
    mw_inject(world, C, B, ZT_VERB_MULTICAST_GATHER, 0x5500000000000001ULL, p, zt__wr_len(&w));
    assert_true(holds_com(B, nwid, C));

    /* MULTICAST_FRAME A -> C: nwid, flags 01, A's COM, group, ADI, ethertype, payload */
    assert_false(holds_com(C, nwid, A));
    w = zt__wr_make(p, sizeof(p));
    zt__wr_u64(&w, nwid);
    zt__wr_u8(&w, 0x01);
    w.p += own_com(A, nwid, w.p, (size_t)(w.end - w.p));
    zt__wr_be(&w, 0x01005e112233ULL, 6);
    zt__wr_be(&w, 0, 4);
    zt__wr_u16(&w, 0x0800);
    zt__wr_bytes(&w, "inline", 6);
    mark();
    mw_inject(world, A, C, ZT_VERB_MULTICAST_FRAME, 0x5500000000000002ULL, p, zt__wr_len(&w));
    assert_true(holds_com(C, nwid, A));
    assert_int_equal(got(C), 1);
    assert_string_equal(mw_frame_text(&nodes[C]), "inline");
}

/* §7 steps 3-4: with fewer known members than multicastLimit (32), each MULTICAST_FRAME carries
 * the gather limit 32 - known + 1, not 1.  A knows only B for the group; B is subscribed and
 * knows C; B's OK(MULTICAST_FRAME) then names B and C (with limit 1 only B itself), so the
 * frame waiting at A reaches C too. */
static void test_multicast_gather_limit(void **state)
{
    uint64_t nwid = network(0x29);
    zt_mgroup g = {0x01005e445566ULL, 0};
    zt_rule accept;
    (void)state;

    memset(&accept, 0, sizeof(accept));
    accept.t = ZT_RULE_ACTION_ACCEPT;
    configure_all(nwid, &accept, 1);
    assert_int_equal(zt__node_multicast_subscribe(nodes[B].node, nwid, g.mac, 0, world->now), 0);
    zt__mcast_add_member(nodes[B].node, zt__membership_network(nodes[B].node, nwid), &g, addr_of(C),
                         world->now);
    zt__mcast_add_member(nodes[A].node, zt__membership_network(nodes[A].node, nwid), &g, addr_of(B),
                         world->now);

    mark();
    assert_int_equal(zt__node_send_frame(nodes[A].node, nwid, mac(A, nwid), g.mac, 0x0800, "mc",
                                        2, world->now), 0);
    mw_run_for(world, 2000);
    assert_int_equal(got(B), 1);
    assert_int_equal(got(C), 1);
    assert_string_equal(mw_frame_text(&nodes[C]), "mc");
}

/* More known members than multicastLimit: each frame goes to |limit| of them picked at random
 * (vl2.md §7 step 2), so none is always left out. */
static void test_multicast_limit_shuffles(void **state)
{
    uint64_t nwid = network(0x2a);
    zt_mgroup g = {0x01005e778899ULL, 0};
    zt_network *net;
    zt_rule accept;
    (void)state;

    memset(&accept, 0, sizeof(accept));
    accept.t = ZT_RULE_ACTION_ACCEPT;
    configure_all(nwid, &accept, 1);
    for (int i = B; i <= C; i++) {
        assert_int_equal(zt__node_multicast_subscribe(nodes[i].node, nwid, g.mac, 0, world->now),
                         0);
        zt__mcast_add_member(nodes[A].node, zt__membership_network(nodes[A].node, nwid), &g,
                             addr_of(i), world->now);
    }
    net = zt__membership_network(nodes[A].node, nwid);
    net->config.multicast_limit = 1;

    mark();
    for (int k = 0; k < 40; k++) {
        assert_int_equal(zt__node_send_frame(nodes[A].node, nwid, mac(A, nwid), g.mac, 0x0800,
                                            "one", 3, world->now), 0);
        mw_run_for(world, 50);
    }
    mw_run_for(world, 2000);
    assert_int_equal(got(B) + got(C), 40);
    assert_true(got(B) >= 5);
    assert_true(got(C) >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags_and_fast_revocation),
        cmocka_unit_test(test_revocation_not_forwarded),
        cmocka_unit_test(test_capability),
        cmocka_unit_test(test_tee),
        cmocka_unit_test(test_redirect),
        cmocka_unit_test(test_coo_sender_ip),
        cmocka_unit_test(test_tag_bound),
        cmocka_unit_test(test_multicast_inline_com),
        cmocka_unit_test(test_multicast_gather_limit),
        cmocka_unit_test(test_multicast_limit_shuffles),
    };
    return cmocka_run_group_tests(tests, setup, mw_teardown);
}
