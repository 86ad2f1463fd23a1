/* Unit tests for src/codec/rules_eval.c: evaluation edge cases of vl2.md §6.2/§6.3.  The codec
 * (rules.c) is tested in test_rules.c. */
#include "testutil.h"

#include "codec/rules.h"

#define SELF 0x1111111111ULL
#define PEER 0x2222222222ULL
#define OTHER 0x3333333333ULL

/* ---------------------------------------------------------------- evaluation helpers */

typedef struct {
    zt_rule r[32];
    size_t n;
} table;

static zt_rule *add(table *t, uint8_t type)
{
    zt_rule *r = &t->r[t->n++];
    memset(r, 0, sizeof(*r));
    r->t = type;
    return r;
}

typedef struct {
    uint8_t b[200];
    zt_rules_frame f;
    zt_rules_ctx ctx;
} world;

static void world_init(world *w, bool inbound, uint16_t ethertype, size_t len)
{
    memset(w, 0, sizeof(*w));
    w->f.inbound = inbound;
    w->f.self = SELF;
    w->f.zt_source = inbound ? PEER : SELF;
    w->f.zt_dest = inbound ? SELF : PEER;
    w->f.mac_source = 0x02aabbccdd01ULL;
    w->f.mac_dest = 0x02aabbccdd02ULL;
    w->f.ethertype = ethertype;
    w->f.payload = w->b;
    w->f.len = len;
    zt__rules_ctx_default(&w->ctx);
}

/* IPv4 |proto| 10.0.0.1 -> 10.0.0.2 with a 20-byte L4 header area. */
static void world_ipv4(world *w, bool inbound, uint8_t proto)
{
    world_init(w, inbound, 0x0800, 40);
    w->b[0] = 0x45;
    w->b[1] = 0xb8; /* TOS */
    w->b[9] = proto;
    w->b[12] = 10, w->b[15] = 1;
    w->b[16] = 10, w->b[19] = 2;
}

static void world_ipv6(world *w, bool inbound, uint8_t nh, size_t l4len)
{
    world_init(w, inbound, 0x86dd, 40 + l4len);
    w->b[0] = 0x6b; /* traffic class 0xb8 */
    w->b[1] = 0x80;
    w->b[6] = nh;
    w->b[8] = 0xfd;
    w->b[23] = 1;
    w->b[24] = 0xfd;
    w->b[39] = 2;
}

static zt_rules_result eval(const table *t, const world *w, zt_rules_pass *pass)
{
    zt_rules_pass p;
    return zt__rules_eval(t->r, t->n, &w->f, &w->ctx, pass != NULL ? pass : &p);
}

/* One match followed by ACCEPT, then DROP: ACCEPT iff the match holds. */
static bool holds(const zt_rule *m, const world *w)
{
    table t = {.n = 0};
    t.r[t.n++] = *m;
    add(&t, ZT_RULE_ACTION_ACCEPT);
    add(&t, ZT_RULE_ACTION_DROP);
    return eval(&t, w, NULL) != ZT_RULES_DROP;
}

static zt_rule match(uint8_t type)
{
    zt_rule r;
    memset(&r, 0, sizeof(r));
    r.t = type;
    return r;
}

/* ---------------------------------------------------------------- evaluation */

static void test_empty_and_logic(void **state)
{
    table t = {.n = 0};
    world w;
    zt_rule *m;
    (void)state;

    world_ipv4(&w, false, 6);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_NO_MATCH);

    /* ethertype 0x0800 AND NOT ethertype 0x0806 -> DROP */
    m = add(&t, ZT_RULE_MATCH_ETHERTYPE);
    m->v.ethertype = 0x0800;
    m = add(&t, ZT_RULE_MATCH_ETHERTYPE | ZT_RULE_NOT);
    m->v.ethertype = 0x0806;
    add(&t, ZT_RULE_ACTION_DROP);
    add(&t, ZT_RULE_ACTION_ACCEPT);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_DROP);
    w.f.ethertype = 0x0806;
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_ACCEPT);

    /* OR: 0x0806 OR 0x86dd */
    t.n = 0;
    m = add(&t, ZT_RULE_MATCH_ETHERTYPE);
    m->v.ethertype = 0x0806;
    m = add(&t, ZT_RULE_MATCH_ETHERTYPE | ZT_RULE_OR);
    m->v.ethertype = 0x86dd;
    add(&t, ZT_RULE_ACTION_ACCEPT);
    add(&t, ZT_RULE_ACTION_DROP);
    w.f.ethertype = 0x86dd;
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_ACCEPT);
    w.f.ethertype = 0x0800;
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_DROP);
}

static void test_actions(void **state)
{
    table t = {.n = 0};
    world w;
    (void)state;

    world_ipv4(&w, true, 17);
    add(&t, ZT_RULE_ACTION_BREAK);
    add(&t, ZT_RULE_ACTION_ACCEPT);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_NO_MATCH);
    t.n = 0;
    add(&t, ZT_RULE_ACTION_PRIORITY);
    add(&t, ZT_RULE_ACTION_DROP);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_ACCEPT);
    t.n = 0;
    add(&t, 9); /* unknown action: ignored */
    add(&t, ZT_RULE_ACTION_DROP);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_DROP);
}

static void test_tee_watch_redirect(void **state)
{
    table t = {.n = 0};
    world w;
    zt_rules_pass p;
    zt_rule *a;
    (void)state;

    world_ipv4(&w, false, 17);
    a = add(&t, ZT_RULE_ACTION_TEE);
    a->v.fwd.address = OTHER;
    a->v.fwd.length = 64;
    add(&t, ZT_RULE_ACTION_ACCEPT);
    assert_int_equal(eval(&t, &w, &p), ZT_RULES_ACCEPT);
    assert_true(p.copy_to == OTHER && p.copy_length == 64 && !p.copy_is_watch);

    t.r[0].t = ZT_RULE_ACTION_WATCH;
    assert_int_equal(eval(&t, &w, &p), ZT_RULES_ACCEPT);
    assert_true(p.copy_to == OTHER && p.copy_is_watch);

    /* a TEE to the source or the destination does nothing */
    t.r[0].t = ZT_RULE_ACTION_TEE;
    t.r[0].v.fwd.address = PEER;
    assert_int_equal(eval(&t, &w, &p), ZT_RULES_ACCEPT);
    assert_true(p.copy_to == 0);
    t.r[0].v.fwd.address = SELF;
    assert_int_equal(eval(&t, &w, &p), ZT_RULES_ACCEPT);
    assert_true(p.copy_to == 0);

    t.r[0].t = ZT_RULE_ACTION_REDIRECT;
    t.r[0].v.fwd.address = OTHER;
    assert_int_equal(eval(&t, &w, &p), ZT_RULES_REDIRECT);
    assert_true(p.redirect_to == OTHER);

    /* inbound: a matching TEE/REDIRECT to us super-accepts */
    world_ipv4(&w, true, 17);
    t.r[0].v.fwd.address = SELF;
    assert_int_equal(eval(&t, &w, &p), ZT_RULES_SUPER_ACCEPT);
    /* ... and a non-matching one to us makes a later ACCEPT a super-accept */
    t.n = 0;
    add(&t, ZT_RULE_MATCH_ETHERTYPE)->v.ethertype = 0x1234;
    a = add(&t, ZT_RULE_ACTION_WATCH);
    a->v.fwd.address = SELF;
    add(&t, ZT_RULE_ACTION_ACCEPT);
    assert_int_equal(eval(&t, &w, &p), ZT_RULES_SUPER_ACCEPT);
    world_ipv4(&w, false, 17);
    assert_int_equal(eval(&t, &w, &p), ZT_RULES_ACCEPT);
}

static void test_hard_no_ignores_not(void **state)
{
    world w;
    zt_rule m = match(ZT_RULE_MATCH_IPV4_SOURCE | ZT_RULE_NOT);
    (void)state;

    m.v.ipv4.ip[0] = 192;
    m.v.ipv4.bits = 8;
    world_ipv4(&w, true, 6);
    assert_true(holds(&m, &w)); /* 10.0.0.1 is not in 192/8 */
    world_ipv6(&w, true, 6, 20);
    assert_false(holds(&m, &w)); /* not IPv4: hard no even with NOT */
    w.f.len = 39; /* too short for IPv6 */
    m = match(ZT_RULE_MATCH_IPV6_SOURCE | ZT_RULE_NOT);
    assert_false(holds(&m, &w));
}

static void test_address_matches(void **state)
{
    world w;
    zt_rule m;
    (void)state;

    world_ipv4(&w, true, 6);
    m = match(ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS);
    m.v.zt = PEER;
    assert_true(holds(&m, &w));
    m.t = ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS;
    assert_false(holds(&m, &w));
    m.v.zt = SELF;
    assert_true(holds(&m, &w));
    m = match(ZT_RULE_MATCH_MAC_SOURCE);
    m.v.mac = 0x02aabbccdd01ULL;
    assert_true(holds(&m, &w));
    m.t = ZT_RULE_MATCH_MAC_DEST;
    assert_false(holds(&m, &w));

    m = match(ZT_RULE_MATCH_IPV4_DEST);
    m.v.ipv4.ip[0] = 10;
    m.v.ipv4.ip[3] = 2;
    m.v.ipv4.bits = 32;
    assert_true(holds(&m, &w));
    m.v.ipv4.ip[3] = 3;
    assert_false(holds(&m, &w));
    m.v.ipv4.bits = 30;
    assert_true(holds(&m, &w));
    m.v.ipv4.bits = 200; /* clamped to 32 */
    assert_false(holds(&m, &w));

    world_ipv6(&w, true, 17, 8);
    m = match(ZT_RULE_MATCH_IPV6_SOURCE);
    m.v.ipv6.ip[0] = 0xfd;
    m.v.ipv6.bits = 8;
    assert_true(holds(&m, &w));
    m.v.ipv6.bits = 128;
    assert_false(holds(&m, &w));
    m.v.ipv6.ip[15] = 1;
    assert_true(holds(&m, &w));
    m.t = ZT_RULE_MATCH_IPV6_DEST;
    assert_false(holds(&m, &w));
}

static void test_vlan_tos_protocol_size(void **state)
{
    world w;
    zt_rule m;
    (void)state;

    world_ipv4(&w, false, 6);
    m = match(ZT_RULE_MATCH_VLAN_ID);
    assert_true(holds(&m, &w));
    m.v.vlan_id = 5;
    assert_false(holds(&m, &w));
    m = match(ZT_RULE_MATCH_VLAN_PCP);
    assert_true(holds(&m, &w));
    m.v.vlan_pcp = 1;
    assert_false(holds(&m, &w));
    m = match(ZT_RULE_MATCH_VLAN_DEI);
    m.v.vlan_dei = 1;
    assert_false(holds(&m, &w));

    m = match(ZT_RULE_MATCH_IP_TOS);
    m.v.tos.mask = 0xfc;
    m.v.tos.low = 0xb8;
    m.v.tos.high = 0xb8;
    assert_true(holds(&m, &w));
    world_ipv6(&w, false, 6, 20);
    assert_true(holds(&m, &w)); /* traffic class 0xb8 */
    m.v.tos.low = 0;
    m.v.tos.high = 0x10;
    assert_false(holds(&m, &w));
    w.f.ethertype = 0x0806;
    m.t |= ZT_RULE_NOT;
    assert_false(holds(&m, &w)); /* not IP: hard no */

    m = match(ZT_RULE_MATCH_IP_PROTOCOL);
    m.v.ip_protocol = 6;
    world_ipv6(&w, false, 6, 20);
    assert_true(holds(&m, &w));
    /* extension header chain running past the frame: hard no */
    world_ipv6(&w, false, 43, 4);
    w.b[40] = 6;
    w.b[41] = 1; /* 16 bytes, only 4 present */
    m.t |= ZT_RULE_NOT;
    assert_false(holds(&m, &w));

    m = match(ZT_RULE_MATCH_FRAME_SIZE_RANGE);
    m.v.range.low = 40;
    m.v.range.high = 44;
    world_ipv4(&w, false, 6);
    assert_true(holds(&m, &w));
    w.f.len = 45;
    assert_false(holds(&m, &w));
}

static void test_ports_and_icmp(void **state)
{
    world w;
    zt_rule m;
    (void)state;

    world_ipv4(&w, false, 17);
    zt__store_be(w.b + 20, 5353, 2);
    zt__store_be(w.b + 22, 53, 2);
    m = match(ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE);
    m.v.range.low = 5000;
    m.v.range.high = 6000;
    assert_true(holds(&m, &w));
    m.t = ZT_RULE_MATCH_IP_DEST_PORT_RANGE;
    assert_false(holds(&m, &w));
    m.v.range.low = 53;
    m.v.range.high = 53;
    assert_true(holds(&m, &w));
    /* IPv4 ICMP has no ports: soft false, so NOT makes it true */
    w.b[9] = 1;
    assert_false(holds(&m, &w));
    m.t |= ZT_RULE_NOT;
    assert_true(holds(&m, &w));
    /* non-IP: hard no */
    w.f.ethertype = 0x0806;
    assert_false(holds(&m, &w));

    /* IPv6 UDP; port 0 never matches */
    world_ipv6(&w, false, 17, 8);
    m = match(ZT_RULE_MATCH_IP_DEST_PORT_RANGE);
    m.v.range.low = 0;
    m.v.range.high = 100;
    assert_false(holds(&m, &w));
    zt__store_be(w.b + 42, 7, 2);
    assert_true(holds(&m, &w));
    w.f.len = 42; /* port cut off: hard no */
    m.t |= ZT_RULE_NOT;
    assert_false(holds(&m, &w));

    /* ICMP echo request, IPv4 and ICMPv6 */
    world_ipv4(&w, false, 1);
    w.b[20] = 8;
    w.b[21] = 0;
    m = match(ZT_RULE_MATCH_ICMP);
    m.v.icmp.type = 8;
    assert_true(holds(&m, &w));
    m.v.icmp.flags = 1;
    m.v.icmp.code = 1;
    assert_false(holds(&m, &w)); /* code mismatch: soft */
    m.t |= ZT_RULE_NOT;
    assert_true(holds(&m, &w));
    m.v.icmp.type = 0;
    assert_false(holds(&m, &w)); /* type mismatch: hard no */
    world_ipv6(&w, false, 58, 8);
    w.b[40] = 128;
    m = match(ZT_RULE_MATCH_ICMP);
    m.v.icmp.type = 128;
    assert_true(holds(&m, &w));
    w.f.len = 40; /* no type byte */
    assert_false(holds(&m, &w));
}

static void test_characteristics(void **state)
{
    world w;
    zt_rule m = match(ZT_RULE_MATCH_CHARACTERISTICS);
    zt_rules_owned owned[2];
    (void)state;

    world_ipv4(&w, true, 6);
    w.b[20 + 12] = 0x51; /* NS bit */
    w.b[20 + 13] = 0x12; /* SYN|ACK */
    m.v.characteristics = ZT_RULE_CHAR_INBOUND;
    assert_true(holds(&m, &w));
    w.f.inbound = false;
    assert_false(holds(&m, &w));
    m.v.characteristics = ZT_RULE_CHAR_TCP_NS;
    assert_true(holds(&m, &w));
    m.v.characteristics = ZT_RULE_CHAR_TCP_SYN | ZT_RULE_CHAR_TCP_FIN;
    assert_true(holds(&m, &w));
    m.v.characteristics = ZT_RULE_CHAR_TCP_RST;
    assert_false(holds(&m, &w));
    w.f.len = 33; /* TCP header cut: no flags */
    m.v.characteristics = ZT_RULE_CHAR_TCP_SYN;
    assert_false(holds(&m, &w));

    m.v.characteristics = ZT_RULE_CHAR_MULTICAST;
    assert_false(holds(&m, &w));
    w.f.mac_dest = 0x333300000001ULL;
    assert_true(holds(&m, &w));
    m.v.characteristics = ZT_RULE_CHAR_BROADCAST;
    assert_false(holds(&m, &w));
    w.f.mac_dest = 0xffffffffffffULL;
    assert_true(holds(&m, &w));

    /* sender IP / MAC authenticated through owned things */
    world_ipv4(&w, true, 17);
    memset(owned, 0, sizeof(owned));
    owned[0].type = 2;
    owned[0].value[0] = 10;
    owned[0].value[3] = 1;
    owned[1].type = 1;
    zt__store_be(owned[1].value, w.f.mac_source, 6);
    m.v.characteristics = ZT_RULE_CHAR_SENDER_IP_AUTHENTICATED;
    assert_false(holds(&m, &w));
    w.ctx.owned = owned;
    w.ctx.n_owned = 1;
    assert_true(holds(&m, &w));
    m.v.characteristics = ZT_RULE_CHAR_SENDER_MAC_AUTHENTICATED;
    assert_false(holds(&m, &w));
    w.ctx.n_owned = 2;
    assert_true(holds(&m, &w));

    /* ARP sender IP at offset 14 */
    world_init(&w, true, 0x0806, 28);
    w.b[14] = 10;
    w.b[17] = 1;
    w.ctx.owned = owned;
    w.ctx.n_owned = 1;
    m.v.characteristics = ZT_RULE_CHAR_SENDER_IP_AUTHENTICATED;
    assert_true(holds(&m, &w));

    /* IPv6: neighbor solicitation always; NDP-emulated prefix inbound only */
    world_ipv6(&w, true, 58, 24);
    w.b[40] = 135;
    assert_true(holds(&m, &w));
    w.b[40] = 128;
    assert_false(holds(&m, &w));
    w.ctx.has_rfc4193 = true;
    w.ctx.rfc4193[0] = 0xfd;
    assert_true(holds(&m, &w));
    w.f.inbound = false;
    assert_false(holds(&m, &w));
    /* neighbor advertisement: judged by its target at offset 48 */
    world_ipv6(&w, true, 58, 24);
    w.b[40] = 136;
    w.b[48] = 0xfc;
    w.ctx.has_sixplane = true;
    w.ctx.sixplane[0] = 0xfc;
    assert_true(holds(&m, &w));
    w.b[48] = 0xfd;
    assert_false(holds(&m, &w));
}

static uint32_t fixed_draw(void *arg)
{
    return *(uint32_t *)arg;
}

static void test_random_and_unknown(void **state)
{
    world w;
    zt_rule m = match(ZT_RULE_MATCH_RANDOM);
    uint32_t draw = 1000;
    (void)state;

    world_ipv4(&w, false, 6);
    m.v.probability = UINT32_MAX;
    assert_true(holds(&m, &w));
    m.v.probability = 999;
    assert_false(holds(&m, &w)); /* no generator: the draw is UINT32_MAX */
    w.ctx.random_u32 = fixed_draw;
    w.ctx.random_arg = &draw;
    assert_false(holds(&m, &w));
    m.v.probability = 1000;
    assert_true(holds(&m, &w));

    m = match(20); /* unknown match type */
    assert_false(holds(&m, &w));
    w.ctx.config_flags = ZT_RULES_FLAG_UNSUPPORTED_MATCH;
    assert_true(holds(&m, &w));
    m.t |= ZT_RULE_NOT;
    assert_false(holds(&m, &w));
}

static void test_integer_range(void **state)
{
    world w;
    zt_rule m = match(ZT_RULE_MATCH_INTEGER_RANGE);
    (void)state;

    world_ipv4(&w, false, 17);
    /* 16-bit big-endian at index 16: 1.14.1 reads bytes 22..23 (16 + 8 - 2) */
    zt__store_be(w.b + 22, 0x1234, 2);
    m.v.int_range.idx = 16;
    m.v.int_range.format = 15;
    m.v.int_range.start = 0x1234;
    m.v.int_range.end = 0x1234;
    assert_true(holds(&m, &w));
    /* 12 bits: masked to 0x234 */
    m.v.int_range.format = 11;
    assert_false(holds(&m, &w));
    m.v.int_range.start = 0x234;
    m.v.int_range.end = 0x234;
    assert_true(holds(&m, &w));
    /* little-endian 16-bit at 22: 0x3412; 12 bits keep the top: 0x341 */
    m.v.int_range.format = 0x80 | 15;
    m.v.int_range.idx = 22;
    m.v.int_range.start = 0x3412;
    m.v.int_range.end = 0x3412;
    assert_true(holds(&m, &w));
    m.v.int_range.format = 0x80 | 11;
    m.v.int_range.start = 0x341;
    m.v.int_range.end = 0x341;
    assert_true(holds(&m, &w));
    /* 64-bit out of range reads as 0 */
    m.v.int_range.format = 63;
    m.v.int_range.idx = 60000;
    m.v.int_range.start = 0;
    m.v.int_range.end = 0;
    assert_true(holds(&m, &w));
    m.v.int_range.format = 0x80 | 63;
    assert_true(holds(&m, &w));
    m.v.int_range.start = 1;
    m.v.int_range.end = UINT64_MAX;
    assert_false(holds(&m, &w));
}

static void test_tags(void **state)
{
    world w;
    zt_rule m = match(ZT_RULE_MATCH_TAGS_EQUAL);
    zt_rules_tag ours[1] = {{5, 10}}, theirs[1] = {{5, 10}};
    table t = {.n = 0};
    zt_rule *e;
    (void)state;

    world_ipv4(&w, true, 6);
    m.v.tag.id = 5;
    m.v.tag.value = 10;
    assert_false(holds(&m, &w)); /* we have no such tag: hard no */
    w.ctx.our_tags = ours;
    w.ctx.n_our_tags = 1;
    w.ctx.peer_tags = theirs;
    w.ctx.n_peer_tags = 1;
    assert_true(holds(&m, &w));
    theirs[0].value = 12;
    assert_false(holds(&m, &w));
    m.t = ZT_RULE_MATCH_TAGS_DIFFERENCE;
    m.v.tag.value = 2;
    assert_true(holds(&m, &w));
    m.v.tag.value = 1;
    assert_false(holds(&m, &w));
    m.t = ZT_RULE_MATCH_TAGS_BITWISE_AND;
    m.v.tag.value = 10 & 12;
    assert_true(holds(&m, &w));
    m.t = ZT_RULE_MATCH_TAGS_BITWISE_OR;
    m.v.tag.value = 10 | 12;
    assert_true(holds(&m, &w));
    m.t = ZT_RULE_MATCH_TAGS_BITWISE_XOR;
    m.v.tag.value = 0xa ^ 0xc;
    assert_true(holds(&m, &w));

    /* peer's tag unknown: inbound hard no; outbound hard yes and the next DROP is skipped */
    w.ctx.n_peer_tags = 0;
    e = add(&t, ZT_RULE_MATCH_TAGS_EQUAL | ZT_RULE_NOT);
    e->v.tag.id = 5;
    e->v.tag.value = 10;
    add(&t, ZT_RULE_ACTION_DROP);
    add(&t, ZT_RULE_ACTION_DROP);
    add(&t, ZT_RULE_ACTION_ACCEPT);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_DROP); /* HN: first DROP not reached... */
    t.n = 1;
    add(&t, ZT_RULE_ACTION_DROP);
    add(&t, ZT_RULE_ACTION_ACCEPT);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_ACCEPT); /* ...then ACCEPT */
    w.f.inbound = false;
    t.n = 1;
    add(&t, ZT_RULE_ACTION_DROP);
    add(&t, ZT_RULE_ACTION_ACCEPT);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_ACCEPT); /* HY, DROP skipped */
    t.n = 1;
    add(&t, ZT_RULE_ACTION_DROP);
    add(&t, ZT_RULE_ACTION_DROP);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_DROP); /* only one DROP is skipped */
}

static void test_tag_sender_receiver(void **state)
{
    world w;
    zt_rule m = match(ZT_RULE_MATCH_TAG_SENDER);
    zt_rules_tag ours[1] = {{7, 1}}, theirs[1] = {{7, 2}};
    (void)state;

    m.v.tag.id = 7;
    world_ipv4(&w, true, 6);
    w.ctx.our_tags = ours;
    w.ctx.n_our_tags = 1;
    w.ctx.peer_tags = theirs;
    w.ctx.n_peer_tags = 1;
    /* inbound SENDER: the peer's tag */
    m.v.tag.value = 2;
    assert_true(holds(&m, &w));
    m.v.tag.value = 1;
    assert_false(holds(&m, &w));
    /* inbound RECEIVER: ours */
    m.t = ZT_RULE_MATCH_TAG_RECEIVER;
    assert_true(holds(&m, &w));
    /* outbound: SENDER is us, RECEIVER the peer */
    w.f.inbound = false;
    m.t = ZT_RULE_MATCH_TAG_SENDER;
    assert_true(holds(&m, &w));
    m.t = ZT_RULE_MATCH_TAG_RECEIVER;
    assert_false(holds(&m, &w));
    /* peer tag absent: RECEIVER outbound hard yes, SENDER inbound hard no */
    w.ctx.n_peer_tags = 0;
    m.t = ZT_RULE_MATCH_TAG_RECEIVER | ZT_RULE_NOT;
    assert_true(holds(&m, &w));
    w.f.inbound = true;
    m.t = ZT_RULE_MATCH_TAG_SENDER | ZT_RULE_NOT;
    assert_false(holds(&m, &w));
    /* our tag absent: hard no */
    w.ctx.n_our_tags = 0;
    m.t = ZT_RULE_MATCH_TAG_RECEIVER | ZT_RULE_NOT;
    assert_false(holds(&m, &w));
}

static void test_not_evaluated_after_false(void **state)
{
    /* an AND-ed match after a false one is not evaluated: no skipDrop side effect */
    world w;
    table t = {.n = 0};
    zt_rules_tag ours[1] = {{5, 10}};
    zt_rule *e;
    (void)state;

    world_ipv4(&w, false, 6);
    w.ctx.our_tags = ours;
    w.ctx.n_our_tags = 1;
    add(&t, ZT_RULE_MATCH_ETHERTYPE)->v.ethertype = 0x1234;
    e = add(&t, ZT_RULE_MATCH_TAGS_EQUAL);
    e->v.tag.id = 5;
    add(&t, ZT_RULE_ACTION_ACCEPT);
    add(&t, ZT_RULE_ACTION_DROP);
    assert_int_equal(eval(&t, &w, NULL), ZT_RULES_DROP);
}

static void test_filter(void **state)
{
    world w;
    table net = {.n = 0}, c1 = {.n = 0}, c2 = {.n = 0};
    zt_rules_cap caps[2];
    zt_rules_verdict v;
    zt_rule *e;
    (void)state;

    world_ipv4(&w, true, 6);
    /* network: TEE everything to OTHER, then nothing matches */
    e = add(&net, ZT_RULE_ACTION_WATCH);
    e->v.fwd.address = OTHER;
    /* cap 1 drops, cap 2 accepts */
    add(&c1, ZT_RULE_ACTION_DROP);
    add(&c2, ZT_RULE_ACTION_ACCEPT);
    caps[0] = (zt_rules_cap){1, c1.r, c1.n};
    caps[1] = (zt_rules_cap){2, c2.r, c2.n};

    zt__rules_filter(net.r, net.n, caps, 0, &w.f, &w.ctx, &v);
    assert_false(v.accept); /* nothing accepts: drop, and no copy */
    assert_true(v.copy_to == 0);
    zt__rules_filter(net.r, net.n, caps, 2, &w.f, &w.ctx, &v);
    assert_true(v.accept && v.by_capability && v.capability_id == 2);
    assert_true(v.copy_to == OTHER && v.copy_flags == ZT_EXT_FRAME_IN_WATCH);
    w.f.inbound = false;
    w.f.zt_source = SELF;
    w.f.zt_dest = PEER;
    zt__rules_filter(net.r, net.n, caps, 2, &w.f, &w.ctx, &v);
    assert_true(v.copy_flags == ZT_EXT_FRAME_OUT_WATCH);

    /* network DROP is final */
    add(&net, ZT_RULE_ACTION_DROP);
    zt__rules_filter(net.r, net.n, caps, 2, &w.f, &w.ctx, &v);
    assert_false(v.accept);

    /* REDIRECT: not accepted as addressed, sent elsewhere with the redirect flags */
    net.n = 0;
    e = add(&net, ZT_RULE_ACTION_REDIRECT);
    e->v.fwd.address = OTHER;
    zt__rules_filter(net.r, net.n, caps, 0, &w.f, &w.ctx, &v);
    assert_false(v.accept);
    assert_true(v.redirect_to == OTHER && v.redirect_flags == ZT_EXT_FRAME_OUT_REDIRECT);
    w.f.inbound = true;
    w.f.zt_source = PEER;
    w.f.zt_dest = SELF;
    zt__rules_filter(net.r, net.n, caps, 0, &w.f, &w.ctx, &v);
    assert_true(v.redirect_to == OTHER && v.redirect_flags == ZT_EXT_FRAME_IN_REDIRECT);

    /* a REDIRECT to the null address (or to 0 in the low 40 bits) drops the frame */
    net.r[0].v.fwd.address = 0xff00000000000000ULL;
    zt__rules_filter(net.r, net.n, caps, 0, &w.f, &w.ctx, &v);
    assert_false(v.accept);
    assert_true(v.redirect_to == 0);
    net.r[0].v.fwd.address = OTHER;

    /* super-accept from a TEE to us, inbound */
    net.r[0].t = ZT_RULE_ACTION_TEE;
    net.r[0].v.fwd.address = SELF;
    zt__rules_filter(net.r, net.n, caps, 0, &w.f, &w.ctx, &v);
    assert_true(v.accept && v.super_accept);

    /* a capability's own TEE replaces the network's */
    net.n = 0;
    e = add(&net, ZT_RULE_ACTION_TEE);
    e->v.fwd.address = OTHER;
    c2.n = 0;
    e = add(&c2, ZT_RULE_ACTION_TEE);
    e->v.fwd.address = 0x4444444444ULL;
    e->v.fwd.length = 100;
    add(&c2, ZT_RULE_ACTION_ACCEPT);
    caps[1] = (zt_rules_cap){2, c2.r, c2.n};
    zt__rules_filter(net.r, net.n, caps, 2, &w.f, &w.ctx, &v);
    assert_true(v.accept && v.copy_to == 0x4444444444ULL && v.copy_length == 100);
    assert_true(v.copy_flags == ZT_EXT_FRAME_IN_TEE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_logic),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_tee_watch_redirect),
        cmocka_unit_test(test_hard_no_ignores_not),
        cmocka_unit_test(test_address_matches),
        cmocka_unit_test(test_vlan_tos_protocol_size),
        cmocka_unit_test(test_ports_and_icmp),
        cmocka_unit_test(test_characteristics),
        cmocka_unit_test(test_random_and_unknown),
        cmocka_unit_test(test_integer_range),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_tag_sender_receiver),
        cmocka_unit_test(test_not_evaluated_after_false),
        cmocka_unit_test(test_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
