/* Ad-hoc networks (vl2.md §1.2) and NDP emulation on the send path (§2.5).  The synthesized
 * configs field by field and the form A rules against vector rules[adhoc_ff0fa00fa0000000];
 * then nodes on a tiny in-memory underlay (one root, two leaves, no NAT): join/status/state
 * store, a frame over a form B network, the form A rules on real frames, and Neighbor
 * Solicitations answered locally (the expected Advertisement is built here byte by byte,
 * with its own checksum code) or sent on as multicast. */
#include "testutil.h"

#include "memworld.h"

#include "codec/adhoc.h"
#include "codec/configchunk.h"
#include "codec/ethernet.h"
#include "core/node.h"
#include "codec/world.h"

#define SELF 0x136548ea94ULL
#define FORM_A 0xff0fa00fa0000000ULL /* ports 4000-4000 */
#define FORM_B 0xff0a000000000001ULL /* 10.x.y.z/8, no hub */
#define NNODES 3

/* ---- synthesized configs ---------------------------------------------------------------- */

static void expect_common(const zt_netconf *c, uint64_t nwid, int64_t now)
{
    zt_inetaddr six;

    zt__ipv6_6plane(nwid, SELF, &six);
    assert_int_equal(c->nwid, nwid);
    assert_int_equal(c->type, ZT_NETWORK_TYPE_PUBLIC);
    assert_true(zt__netconf_is_public(c));
    assert_int_equal(c->revision, 1);
    assert_int_equal(c->timestamp, now);
    assert_int_equal(c->ctmd, 7200000);
    assert_int_equal(c->issued_to, SELF);
    assert_int_equal(c->flags, 0x04); /* NDP emulation only: no broadcast */
    assert_int_equal(c->mtu, 2800);
    assert_true(c->n_static_ips >= 1);
    assert_true(zt__inetaddr_equal(&c->static_ips[0], &six));
    assert_int_equal(c->static_ips[0].port, 40);
    assert_int_equal(c->n_routes, 0);
}

static void test_form_a_config(void **state)
{
    zt_netconf c;
    size_t len;
    (void)state;

    assert_int_equal(zt__adhoc_config(FORM_A, SELF, 1234567, &c, NULL), 0);
    expect_common(&c, FORM_A, 1234567);
    assert_int_equal(c.multicast_limit, 0);
    assert_int_equal(c.n_static_ips, 1);
    assert_string_equal(c.name, "adhoc-0fa0-0fa0");
    assert_int_equal(c.n_specialists, 0);
    assert_null(zt__netconf_blob(&c, ZT_NETCONF_BLOB_COM, &len));
    assert_non_null(zt__netconf_blob(&c, ZT_NETCONF_BLOB_RULES, &len));
    zt__netconf_clear(&c);

    /* A wider range: first and last ports in lowercase hex. */
    assert_int_equal(zt__adhoc_config(0xff00501f90000000ULL, SELF, 1, &c, NULL), 0);
    assert_string_equal(c.name, "adhoc-0050-1f90");
    zt__netconf_clear(&c);
}

/* The table encodes byte for byte as the vector, both from zt__adhoc_rules and in the config. */
static void test_form_a_rules_vector(void **state)
{
    json_t *v = tu_load_json("vl2.json"), *list = tu_get(v, "rules"), *e = NULL;
    zt_rule rules[ZT_ADHOC_RULES];
    uint8_t buf[256];
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    const uint8_t *blob;
    zt_netconf c;
    size_t len;
    (void)state;

    for (size_t i = 0; i < json_array_size(list); i++)
        if (strcmp(tu_str(json_array_get(list, i), "name"), "adhoc_ff0fa00fa0000000") == 0)
            e = json_array_get(list, i);
    assert_non_null(e);
    assert_int_equal(tu_u64(e, "rule_count"), ZT_ADHOC_RULES);
    zt__adhoc_rules(4000, 4000, rules);
    zt__rules_write(&w, rules, ZT_ADHOC_RULES);
    assert_false(w.overflow);
    tu_assert_hex(e, "serialized_hex", buf, zt__wr_len(&w));

    assert_int_equal(zt__adhoc_config(FORM_A, SELF, 5, &c, NULL), 0);
    blob = zt__netconf_blob(&c, ZT_NETCONF_BLOB_RULES, &len);
    tu_assert_hex(e, "serialized_hex", blob, len);
    zt__netconf_clear(&c);
    json_decref(v);
}

static void test_form_b_config(void **state)
{
    static const uint8_t accept[2] = {0x01, 0x00};
    const uint8_t *blob;
    zt_netconf c;
    size_t len;
    (void)state;

    assert_int_equal(zt__adhoc_config(FORM_B, SELF, 99, &c, NULL), 0);
    expect_common(&c, FORM_B, 99);
    assert_int_equal(c.multicast_limit, 1024);
    assert_int_equal(c.n_static_ips, 2);
    assert_int_equal(c.static_ips[1].family, 4);
    assert_memory_equal(c.static_ips[1].ip, ((const uint8_t[]){10, 0x48, 0xea, 0x94}), 4);
    assert_int_equal(c.static_ips[1].port, 8);
    assert_string_equal(c.name, "adhoc-10.0.0.0");
    assert_int_equal(c.n_specialists, 0);
    blob = zt__netconf_blob(&c, ZT_NETCONF_BLOB_RULES, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(blob, accept, 2);
    zt__netconf_clear(&c);

    /* A hub address becomes a specialist with no role bits; the first octet is decimal. */
    assert_int_equal(zt__adhoc_config(0xffc8112233445501ULL, SELF, 99, &c, NULL), 0);
    assert_int_equal(c.n_specialists, 1);
    assert_int_equal(c.specialists[0], 0x1122334455ULL);
    assert_string_equal(c.name, "adhoc-200.0.0.0");
    assert_int_equal(c.static_ips[1].ip[0], 200);
    zt__netconf_clear(&c);
}

static void test_bad_ids(void **state)
{
    zt_netconf c;
    (void)state;

    /* last port < first port */
    assert_int_equal(zt__adhoc_config(0xff0fa00f9f000000ULL, SELF, 1, &c, NULL),
                     ZT_ERR_NOTFOUND);
    assert_int_equal(c.n_static_ips, 0);
    /* neither form */
    assert_int_equal(zt__adhoc_config(0xff00000000000002ULL, SELF, 1, &c, NULL),
                     ZT_ERR_UNSUPPORTED);
    assert_int_equal(zt__adhoc_config(0xff0fa00fa0000100ULL, SELF, 1, &c, NULL),
                     ZT_ERR_UNSUPPORTED);
    assert_int_equal(zt__adhoc_config(0x8056c2e21c000001ULL, SELF, 1, &c, NULL), ZT_ERR_INVAL);
    assert_true(zt__adhoc_is(0xff00000000000000ULL));
    assert_false(zt__adhoc_is(0xfe00000000000001ULL));
}

/* ---- nodes on an in-memory underlay (memworld.h) ------------------------------------------ */

static mw_world *world;
static mw_node *nodes;
static const uint8_t *selfconf; /* config dictionary node 1's "controller" serves (own network) */
static size_t selfconf_len;

/* The controller beside node 1 serves |selfconf| for the node's own networks, signed by it. */
static int on_config_request(void *user, const zt_identity *requester, uint64_t packet_id,
                             const uint8_t *payload, size_t len, int64_t t, mw_reply_fn *reply,
                             void *reply_ctx)
{
    mw_node *self = user;
    zt_config_request req;
    uint8_t chunk[4096];
    zt_ssize clen;
    (void)packet_id, (void)t;

    if (self->idx != 1 || selfconf == NULL || zt__config_request_parse(&req, payload, len) != 0)
        return ZT_ERR_NOTFOUND;
    clen = zt__config_chunk_write(chunk, sizeof(chunk), &self->id, req.nwid, selfconf,
                                  selfconf_len, 0, 0, 0x77);
    assert_true(clen > 0);
    return reply(reply_ctx, requester->address, ZT_VERB_NETWORK_CONFIG, chunk, (size_t)clen);
}

static int setup(void **state)
{
    mw_config cfg;

    mw_config_default(&cfg);
    cfg.nnodes = NNODES;
    cfg.subnet = 9;
    cfg.latency = 3;
    cfg.jitter = 3;
    cfg.planet_id = 0xad;
    cfg.seed = 40;
    cfg.cb.config_request = on_config_request;
    world = mw_new(&cfg);
    nodes = world->nodes;
    mw_settle(world, 3000, 0);
    *state = world;
    return 0;
}

static uint64_t addr_of(int i)
{
    return zt__node_address(nodes[i].node);
}

static zt_network_status status_of(int i, uint64_t nwid)
{
    zt_network_status st;
    assert_int_equal(zt__node_network_status(nodes[i].node, nwid, &st), 0);
    return st;
}

/* ---- joining ---------------------------------------------------------------------------- */

/* Both forms come up at once; a bad range is NOT_FOUND, another 0xff ID waits forever; the
 * config is made again at each refresh; nothing is read from or written to the state store. */
static void test_join_status_and_store(void **state)
{
    const uint64_t bad = 0xff0fa00f9f000000ULL, other = 0xff00000000000002ULL;
    const zt_netconf *c;
    int64_t t0 = world->now;
    mw_node *t = &nodes[1];
    (void)state;

    t->config_gets = t->config_puts = 0;
    t->nevents[ZT_NODE_EVENT_NETWORK_NOT_FOUND] = 0;
    assert_int_equal(zt__node_join(t->node, FORM_A, world->now), 0);
    assert_int_equal(zt__node_join(t->node, FORM_B, world->now), 0);
    assert_int_equal(zt__node_join(t->node, bad, world->now), 0);
    assert_int_equal(zt__node_join(t->node, other, world->now), 0);
    assert_int_equal(status_of(1, FORM_A), ZT_NETWORK_OK);
    assert_int_equal(status_of(1, FORM_B), ZT_NETWORK_OK);
    assert_int_equal(status_of(1, bad), ZT_NETWORK_NOT_FOUND);
    assert_int_equal(t->nevents[ZT_NODE_EVENT_NETWORK_NOT_FOUND], 1);
    assert_int_equal(status_of(1, other), ZT_NETWORK_REQUESTING_CONFIGURATION);
    assert_null(zt__node_network_config(t->node, bad));
    assert_null(zt__node_network_config(t->node, other));
    c = zt__node_network_config(t->node, FORM_A);
    assert_non_null(c);
    assert_string_equal(c->name, "adhoc-0fa0-0fa0");
    assert_int_equal(c->issued_to, addr_of(1));
    assert_int_equal(c->timestamp, t0);

    mw_run_for(world, 125000);
    c = zt__node_network_config(t->node, FORM_A);
    assert_true(c->timestamp >= t0 + 60000); /* synthesized again at the refresh */
    assert_int_equal(status_of(1, FORM_A), ZT_NETWORK_OK);
    assert_int_equal(status_of(1, bad), ZT_NETWORK_NOT_FOUND);
    assert_int_equal(t->nevents[ZT_NODE_EVENT_NETWORK_NOT_FOUND], 1); /* no repeated event */
    assert_int_equal(status_of(1, other), ZT_NETWORK_REQUESTING_CONFIGURATION);

    assert_int_equal(zt__node_leave(t->node, FORM_A, world->now), 0);
    assert_int_equal(zt__node_leave(t->node, FORM_B, world->now), 0);
    assert_int_equal(zt__node_leave(t->node, bad, world->now), 0);
    assert_int_equal(zt__node_leave(t->node, other, world->now), 0);
    assert_int_equal(t->config_gets, 0);
    assert_int_equal(t->config_puts, 0);
}

/* ---- frames ----------------------------------------------------------------------------- */

static uint64_t mac_of(int i, uint64_t nwid)
{
    return zt__node_network_mac(nodes[i].node, nwid);
}

static void join_both(uint64_t nwid)
{
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(zt__node_join(nodes[i].node, nwid, world->now), 0);
        assert_int_equal(status_of(i, nwid), ZT_NETWORK_OK);
    }
    mw_run_for(world, 1000); /* the LIKEs of the new groups reach the root */
}

/* Sends from node |from| to node |to| and reports whether |to| got it within a second. */
static bool sent_and_got(int from, int to, uint64_t nwid, uint64_t dst_mac, unsigned type,
                         const uint8_t *p, size_t len)
{
    unsigned before = nodes[to].nframes;
    const mw_frame *f;

    assert_int_equal(zt__node_send_frame(nodes[from].node, nwid, mac_of(from, nwid), dst_mac,
                                        type, p, len, world->now),
                     0);
    mw_run_for(world, 1000);
    if (nodes[to].nframes == before)
        return false;
    f = mw_last_frame(&nodes[to]);
    assert_int_equal(f->nwid, nwid);
    assert_int_equal(f->src, mac_of(from, nwid));
    assert_int_equal(f->dst, dst_mac);
    assert_int_equal(f->ethertype, type);
    assert_int_equal(f->len, len);
    assert_memory_equal(f->data, p, len < MW_FRAME_DATA ? len : MW_FRAME_DATA);
    return true;
}

/* Form B: a public network, so frames flow without any COM; ARP finds the other member. */
static void test_form_b_frames(void **state)
{
    uint8_t arp[28] = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
    uint64_t a2 = addr_of(2);
    (void)state;

    join_both(FORM_B);
    assert_true(sent_and_got(1, 2, FORM_B, mac_of(2, FORM_B), 0x0800,
                             (const uint8_t *)"hello adhoc", 11));
    assert_true(sent_and_got(2, 1, FORM_B, mac_of(1, FORM_B), 0x0800,
                             (const uint8_t *)"hello back", 10));
    /* who-has 10.b2.b1.b0 (node 2's address): gathered from the root, then delivered */
    arp[24] = 10;
    arp[25] = (uint8_t)(a2 >> 16);
    arp[26] = (uint8_t)(a2 >> 8);
    arp[27] = (uint8_t)a2;
    assert_true(sent_and_got(1, 2, FORM_B, 0xffffffffffffULL, 0x0806, arp, sizeof(arp)));
    assert_int_equal(nodes[0].nframes, 0);
}

/* An IPv6 packet between the two 6PLANE addresses: |proto| 17 (UDP) or 6 (TCP, with |flags|). */
static size_t ip6_l4(uint8_t *out, uint64_t nwid, int from, int to, uint8_t proto,
                     uint16_t dport, uint8_t tcp_flags)
{
    size_t l4 = proto == 6 ? 20 : 8;
    zt_inetaddr s, d;

    memset(out, 0, 40 + l4);
    zt__ipv6_6plane(nwid, addr_of(from), &s);
    zt__ipv6_6plane(nwid, addr_of(to), &d);
    out[0] = 0x60;
    out[5] = (uint8_t)l4;
    out[6] = proto;
    out[7] = 64;
    memcpy(out + 8, s.ip, 16);
    memcpy(out + 24, d.ip, 16);
    out[40] = 0x9c; /* source port 40000 */
    out[41] = 0x40;
    out[42] = (uint8_t)(dport >> 8);
    out[43] = (uint8_t)dport;
    if (proto == 6) {
        out[52] = 5 << 4; /* data offset */
        out[53] = tcp_flags;
    } else {
        out[45] = 8; /* UDP length */
    }
    return 40 + l4;
}

/* Node 1 sends; nothing goes on the wire and node 2 gets nothing. */
static void dropped_at_source(uint64_t nwid, uint64_t dst_mac, unsigned type, const uint8_t *p,
                              size_t len)
{
    unsigned sent = nodes[1].sent, got = nodes[2].nframes;

    assert_int_equal(zt__node_send_frame(nodes[1].node, nwid, mac_of(1, nwid), dst_mac, type, p,
                                        len, world->now),
                     0);
    assert_int_equal(nodes[1].sent, sent);
    mw_run_for(world, 1000);
    assert_int_equal(nodes[2].nframes, got);
}

/* Form A: only IPv6, UDP/TCP to port 4000 (plus the quirks of its table, vl2.md §1.2), no
 * multicast at all. */
static void test_form_a_rules(void **state)
{
    uint8_t p[64];
    uint64_t m2;
    size_t len;
    (void)state;

    join_both(FORM_A);
    m2 = mac_of(2, FORM_A);
    len = ip6_l4(p, FORM_A, 1, 2, 17, 4000, 0);
    assert_true(sent_and_got(1, 2, FORM_A, m2, 0x86dd, p, len));
    len = ip6_l4(p, FORM_A, 1, 2, 6, 4000, 0x02); /* SYN into the range */
    assert_true(sent_and_got(1, 2, FORM_A, m2, 0x86dd, p, len));

    /* Dropped by our outbound rules (or, for ARP, multicastLimit 0): nothing leaves node 1. */
    len = ip6_l4(p, FORM_A, 1, 2, 6, 22, 0x02); /* SYN outside the range */
    dropped_at_source(FORM_A, m2, 0x86dd, p, len);
    dropped_at_source(FORM_A, m2, 0x0800, (const uint8_t *)"ipv4", 4);
    memset(p, 0, 28);
    dropped_at_source(FORM_A, 0xffffffffffffULL, 0x0806, p, 28);

    /* The table's quirk (rule 9, NOT TCP_SYN): UDP has no TCP flags, so UDP to a port outside
     * the range is accepted too. */
    len = ip6_l4(p, FORM_A, 1, 2, 17, 5000, 0);
    assert_true(sent_and_got(1, 2, FORM_A, m2, 0x86dd, p, len));
}

/* ---- NDP emulation on the send path (§2.5) ---------------------------------------------- */

/* A Neighbor Solicitation from |src_ip| (MAC |src_mac|) for |target|, to the solicited-node
 * group; *dst_mac gets that group's MAC.  72 bytes. */
static size_t make_ns(uint8_t out[72], const uint8_t src_ip[16], uint64_t src_mac,
                      const uint8_t target[16], uint64_t *dst_mac)
{
    static const uint8_t snm[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

    memset(out, 0, 72);
    out[0] = 0x60;
    out[5] = 32;
    out[6] = 58;
    out[7] = 255;
    memcpy(out + 8, src_ip, 16);
    memcpy(out + 24, snm, 13);
    memcpy(out + 37, target + 13, 3);
    out[40] = 135;
    memcpy(out + 48, target, 16);
    out[64] = 1; /* source link-layer address */
    out[65] = 1;
    zt__mac_to_bytes(src_mac, out + 66);
    *dst_mac = 0x3333ff000000ULL | (uint64_t)target[13] << 16 | (uint64_t)target[14] << 8 |
               target[15];
    return 72;
}

/* RFC 4443 §2.3 checksum over the IPv6 packet |p| (header + |len| ICMPv6 bytes), written
 * here independently of the core's. */
static uint16_t icmp6_sum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 8; i < 40; i += 2) /* source and destination */
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    sum += (uint32_t)len;
    sum += 58;
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)p[40 + i] << 8 | (i + 1 < len ? p[41 + i] : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The Advertisement §2.5 describes, byte by byte. */
static void expect_na(uint8_t out[72], const uint8_t target[16], const uint8_t own[16],
                      uint64_t peer_mac)
{
    uint16_t ck;

    memset(out, 0, 72);
    out[0] = 0x60;
    out[5] = 32;
    out[6] = 58;
    out[7] = 255;
    memcpy(out + 8, target, 16);
    memcpy(out + 24, own, 16);
    out[40] = 136;
    out[44] = 0x60; /* solicited + override */
    memcpy(out + 48, target, 16);
    out[64] = 2; /* target link-layer address */
    out[65] = 1;
    zt__mac_to_bytes(peer_mac, out + 66);
    ck = icmp6_sum(out, 32);
    out[42] = (uint8_t)(ck >> 8);
    out[43] = (uint8_t)ck;
}

/* Node 1 solicits |target| from |own| on |nwid|: answered at once by an Advertisement from
 * |peer| to our |own| address, with nothing sent. */
static void ns_answered(uint64_t nwid, const zt_inetaddr *own, const zt_inetaddr *target,
                        uint64_t peer)
{
    uint8_t ns[72], want[72];
    uint64_t group;
    unsigned sent = nodes[1].sent, got = nodes[1].nframes;
    const mw_frame *f;

    make_ns(ns, own->ip, mac_of(1, nwid), target->ip, &group);
    assert_int_equal(zt__node_send_frame(nodes[1].node, nwid, mac_of(1, nwid), group, 0x86dd, ns,
                                        sizeof(ns), world->now),
                     0);
    assert_int_equal(nodes[1].sent, sent);
    assert_int_equal(nodes[1].nframes, got + 1);
    f = mw_last_frame(&nodes[1]);
    assert_int_equal(f->nwid, nwid);
    assert_int_equal(f->src, zt__mac_from_address(peer, nwid));
    assert_int_equal(f->dst, mac_of(1, nwid));
    assert_int_equal(f->ethertype, 0x86dd);
    assert_int_equal(f->len, 72);
    expect_na(want, target->ip, own->ip, zt__mac_from_address(peer, nwid));
    assert_memory_equal(f->data, want, 72);
    assert_int_equal(icmp6_sum(f->data, 32), 0); /* the checksum it carries verifies */
}

/* Node 1 solicits |target|: no local answer, the solicitation goes on as multicast. */
static void ns_sent_on(uint64_t nwid, const zt_inetaddr *own, const uint8_t target[16])
{
    uint8_t ns[72];
    uint64_t group;
    unsigned sent = nodes[1].sent, got = nodes[1].nframes;

    make_ns(ns, own->ip, mac_of(1, nwid), target, &group);
    assert_int_equal(zt__node_send_frame(nodes[1].node, nwid, mac_of(1, nwid), group, 0x86dd, ns,
                                        sizeof(ns), world->now),
                     0);
    assert_true(nodes[1].sent > sent); /* a GATHER for the group, at least */
    assert_int_equal(nodes[1].nframes, got);
    mw_run_for(world, 1000);
}

static const uint8_t unrelated[16] = {0xfd, 0x12, 0x34, 0x56, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0x12, 0x34};

/* Form B has flag 0x04 and our 6PLANE address: the other member's is answered locally. */
static void test_ndp_6plane(void **state)
{
    zt_inetaddr own, peer;
    (void)state;

    join_both(FORM_B);
    zt__ipv6_6plane(FORM_B, addr_of(1), &own);
    zt__ipv6_6plane(FORM_B, addr_of(2), &peer);
    ns_answered(FORM_B, &own, &peer, addr_of(2));
    /* any address in the /40 names a node, known or not */
    peer.ip[9] ^= 0x5a;
    ns_answered(FORM_B, &own, &peer, zt__load_be(peer.ip + 5, 5));
    ns_sent_on(FORM_B, &own, own.ip); /* our own address (duplicate address detection) */
    ns_sent_on(FORM_B, &own, unrelated);
}

/* A network of node 1's own controller with rfc4193 /88 and 6PLANE /40 addresses and flag
 * 0x04: both of another member's addresses are answered; without the flag nothing is. */
static void test_ndp_rfc4193(void **state)
{
    const uint64_t nwid = addr_of(1) << 24 | 0x42, plain = addr_of(1) << 24 | 0x43;
    static const uint8_t accept[2] = {0x01, 0x00};
    uint8_t dict[2048];
    zt_inetaddr own4193, own6p, peer4193, peer6p;
    zt_netconf nc;
    zt_ssize dlen;
    (void)state;

    zt__ipv6_rfc4193(nwid, addr_of(1), &own4193);
    zt__ipv6_6plane(nwid, addr_of(1), &own6p);
    zt__ipv6_rfc4193(nwid, addr_of(2), &peer4193);
    zt__ipv6_6plane(nwid, addr_of(2), &peer6p);
    mw_netconf_init(world, &nc, nwid, 1, ZT_NETWORK_TYPE_PUBLIC);
    nc.flags = 0x04;
    nc.static_ips[0] = own4193;
    nc.static_ips[1] = own6p;
    nc.n_static_ips = 2;
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_RULES, accept, 2), 0);
    dlen = zt__netconf_write(&nc, dict, sizeof(dict));
    assert_true(dlen > 0);
    selfconf = dict;
    selfconf_len = (size_t)dlen;
    assert_int_equal(zt__node_join(nodes[1].node, nwid, world->now), 0);
    assert_int_equal(status_of(1, nwid), ZT_NETWORK_OK);

    ns_answered(nwid, &own4193, &peer4193, addr_of(2));
    ns_answered(nwid, &own6p, &peer6p, addr_of(2));
    ns_sent_on(nwid, &own4193, own4193.ip);
    ns_sent_on(nwid, &own4193, unrelated);

    /* The same addresses without flag 0x04: the solicitation goes out. */
    nc.nwid = plain;
    nc.flags = 0;
    zt__ipv6_rfc4193(plain, addr_of(1), &own4193);
    zt__ipv6_rfc4193(plain, addr_of(2), &peer4193);
    nc.static_ips[0] = own4193;
    nc.n_static_ips = 1;
    dlen = zt__netconf_write(&nc, dict, sizeof(dict));
    assert_true(dlen > 0);
    selfconf_len = (size_t)dlen;
    assert_int_equal(zt__node_join(nodes[1].node, plain, world->now), 0);
    assert_int_equal(status_of(1, plain), ZT_NETWORK_OK);
    ns_sent_on(plain, &own4193, peer4193.ip);
    zt__netconf_clear(&nc);
    selfconf = NULL;
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_form_a_config),
        cmocka_unit_test(test_form_a_rules_vector),
        cmocka_unit_test(test_form_b_config),
        cmocka_unit_test(test_bad_ids),
    };
    const struct CMUnitTest nodes_tests[] = {
        cmocka_unit_test(test_join_status_and_store),
        cmocka_unit_test(test_form_b_frames),
        cmocka_unit_test(test_form_a_rules),
        cmocka_unit_test(test_ndp_6plane),
        cmocka_unit_test(test_ndp_rfc4193),
    };
    int failed = cmocka_run_group_tests_name("adhoc", pure, NULL, NULL);
    return failed + cmocka_run_group_tests_name("adhoc_nodes", nodes_tests, setup, mw_teardown);
}
