/* Known-answer tests for the rules table (vl2.md §6.1, vector rules[]) and evaluation cases
 * built from §6.2/§6.3: the ad-hoc table of §1.2 over IPv4/IPv6/TCP/UDP/ICMPv6 frames, the
 * "drop all but IP" table, and the capability of capability_member_a behind a network BREAK. */
#include "testutil.h"

#include "codec/credential.h"
#include "codec/rules.h"

static json_t *V;

#define SELF 0x136548ea94ULL
#define PEER 0x3a6eaf5a82ULL

static int setup(void **state)
{
    (void)state;
    V = tu_load_json("vl2.json");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(V);
    return 0;
}

/* Decodes rules[name] into |rules| and returns the count. */
static size_t rules_named(const char *name, zt_rule *rules, size_t cap)
{
    json_t *list = tu_get(V, "rules");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        if (strcmp(tu_str(e, "name"), name) == 0) {
            size_t len, n = 0;
            uint8_t *b = tu_hex(e, "serialized_hex", &len);
            zt_rd r = zt__rd_make(b, len);
            assert_int_equal(zt__rules_read_all(&r, rules, cap, &n), 0);
            free(b);
            return n;
        }
    }
    fail_msg("no rules vector %s", name);
    return 0;
}

static void test_rules_vectors(void **state)
{
    json_t *list = tu_get(V, "rules");
    (void)state;
    assert_int_equal(json_array_size(list), 4);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        size_t len, n = 0;
        uint8_t *b = tu_hex(e, "serialized_hex", &len), out[1024];
        zt_rule rules[64];
        zt_rd r = zt__rd_make(b, len);
        zt_wr w = zt__wr_make(out, sizeof(out));

        assert_int_equal(zt__rules_read_all(&r, rules, 64, &n), 0);
        assert_int_equal(zt__rd_left(&r), 0);
        if (n != tu_u64(e, "rule_count"))
            fail_msg("rules %s: %zu rules, expected %d", tu_str(e, "name"), n,
                     (int)tu_u64(e, "rule_count"));
        zt__rules_write(&w, rules, n);
        tu_assert_hex(e, "serialized_hex", out, (size_t)zt__wr_finish(&w));

        /* the counted form (as in a capability) reads the same */
        r = zt__rd_make(b, len);
        assert_int_equal(zt__rules_read_n(&r, rules, n), 0);
        assert_int_equal(zt__rd_left(&r), 0);
        free(b);
    }
}

static void test_sampler_fields(void **state)
{
    zt_rule r[16];
    size_t n = rules_named("encoding_sampler", r, 16);
    const uint8_t v6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    (void)state;

    assert_int_equal(n, 12);
    assert_int_equal(zt__rule_type(&r[0]), ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS);
    assert_true(r[0].v.zt == SELF);
    assert_int_equal(zt__rule_type(&r[1]), ZT_RULE_MATCH_MAC_DEST);
    assert_true(r[1].v.mac == 0x023a6ef520a6ULL);
    assert_int_equal(zt__rule_type(&r[2]), ZT_RULE_MATCH_IPV4_DEST);
    assert_int_equal(r[2].v.ipv4.ip[0], 10);
    assert_int_equal(r[2].v.ipv4.bits, 24);
    assert_int_equal(zt__rule_type(&r[3]), ZT_RULE_MATCH_IPV6_SOURCE);
    assert_memory_equal(r[3].v.ipv6.ip, v6, 16);
    assert_int_equal(r[3].v.ipv6.bits, 64);
    assert_int_equal(zt__rule_type(&r[4]), ZT_RULE_MATCH_IP_TOS);
    assert_int_equal(r[4].v.tos.mask, 0xfc);
    assert_int_equal(zt__rule_type(&r[5]), ZT_RULE_MATCH_ICMP);
    assert_int_equal(r[5].v.icmp.type, 8);
    assert_int_equal(r[5].v.icmp.flags, 1);
    assert_int_equal(zt__rule_type(&r[6]), ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE);
    assert_int_equal(r[6].v.range.low, 1024);
    assert_int_equal(r[6].v.range.high, 65535);
    assert_int_equal(zt__rule_type(&r[7]), ZT_RULE_MATCH_FRAME_SIZE_RANGE);
    assert_int_equal(r[7].v.range.low, 64);
    assert_int_equal(r[7].v.range.high, 1500);
    assert_int_equal(zt__rule_type(&r[8]), ZT_RULE_MATCH_TAGS_EQUAL);
    assert_int_equal(r[8].v.tag.id, 1000);
    assert_int_equal(r[8].v.tag.value, 7);
    assert_int_equal(zt__rule_type(&r[9]), ZT_RULE_MATCH_INTEGER_RANGE);
    assert_true(r[9].v.int_range.start == 100 && r[9].v.int_range.end == 150);
    assert_int_equal(r[9].v.int_range.idx, 22);
    assert_int_equal(r[9].v.int_range.format, 15);
    assert_int_equal(zt__rule_type(&r[10]), ZT_RULE_MATCH_VLAN_ID);
    assert_int_equal(r[10].v.vlan_id, 42);
    assert_int_equal(zt__rule_type(&r[11]), ZT_RULE_ACTION_TEE);
    assert_true(r[11].v.fwd.address == PEER);
    assert_int_equal(r[11].v.fwd.length, 128);
}

/* ---- frames ---- */

typedef struct {
    uint8_t b[256];
    size_t len;
    uint16_t ethertype;
} frame;

/* IPv6 header (next header |nh|) followed by |l4| of |l4len| bytes. */
static frame ipv6(uint8_t nh, const uint8_t *l4, size_t l4len)
{
    frame f;
    memset(&f, 0, sizeof(f));
    f.ethertype = 0x86dd;
    f.b[0] = 0x60;
    f.b[4] = (uint8_t)(l4len >> 8);
    f.b[5] = (uint8_t)l4len;
    f.b[6] = nh;
    f.b[7] = 64;
    f.b[8] = 0xfd; /* fd00::2 -> fd00::1 */
    f.b[23] = 2;
    f.b[24] = 0xfd;
    f.b[39] = 1;
    memcpy(f.b + 40, l4, l4len);
    f.len = 40 + l4len;
    return f;
}

static frame ipv4(uint8_t proto, const uint8_t *l4, size_t l4len)
{
    frame f;
    memset(&f, 0, sizeof(f));
    f.ethertype = 0x0800;
    f.b[0] = 0x45;
    f.b[3] = (uint8_t)(20 + l4len);
    f.b[8] = 64;
    f.b[9] = proto;
    f.b[12] = 10, f.b[13] = 147, f.b[14] = 17, f.b[15] = 2;
    f.b[16] = 10, f.b[17] = 147, f.b[18] = 17, f.b[19] = 42;
    memcpy(f.b + 20, l4, l4len);
    f.len = 20 + l4len;
    return f;
}

static void tcp(uint8_t out[20], uint16_t sport, uint16_t dport, uint8_t flags)
{
    memset(out, 0, 20);
    zt__store_be(out, sport, 2);
    zt__store_be(out + 2, dport, 2);
    out[12] = 0x50;
    out[13] = flags;
}

static void udp(uint8_t out[8], uint16_t sport, uint16_t dport)
{
    memset(out, 0, 8);
    zt__store_be(out, sport, 2);
    zt__store_be(out + 2, dport, 2);
    out[5] = 8;
}

static zt_rules_result run(const zt_rule *rules, size_t n, const frame *fr, bool inbound)
{
    zt_rules_frame f;
    zt_rules_ctx ctx;
    zt_rules_pass pass;

    memset(&f, 0, sizeof(f));
    f.inbound = inbound;
    f.self = SELF;
    f.zt_source = inbound ? PEER : SELF;
    f.zt_dest = inbound ? SELF : PEER;
    f.mac_source = 0x02aaaaaaaaaaULL;
    f.mac_dest = 0x02bbbbbbbbbbULL;
    f.ethertype = fr->ethertype;
    f.payload = fr->b;
    f.len = fr->len;
    zt__rules_ctx_default(&ctx);
    return zt__rules_eval(rules, n, &f, &ctx, &pass);
}

#define TCP_SYN 0x02
#define TCP_ACK 0x10

static void test_adhoc_table(void **state)
{
    zt_rule r[16];
    size_t n = rules_named("adhoc_ff0fa00fa0000000", r, 16);
    uint8_t l4[40];
    frame f;
    (void)state;

    assert_int_equal(n, 14);
    for (int dir = 0; dir < 2; dir++) {
        bool in = dir == 1;

        /* anything not IPv6 is dropped by rules 1-2 */
        udp(l4, 1000, 4000);
        f = ipv4(17, l4, 8);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_DROP);
        f.ethertype = 0x0806;
        assert_int_equal(run(r, n, &f, in), ZT_RULES_DROP);

        /* ICMPv6 echo request */
        memset(l4, 0, sizeof(l4));
        l4[0] = 128;
        f = ipv6(58, l4, 8);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_ACCEPT);

        /* UDP to the port range; UDP elsewhere has no TCP flags, so rule 9 (NOT SYN) accepts */
        udp(l4, 1000, 4000);
        f = ipv6(17, l4, 8);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_ACCEPT);
        udp(l4, 1000, 5000);
        f = ipv6(17, l4, 8);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_ACCEPT);

        /* TCP SYN: accepted only to the port range */
        tcp(l4, 40000, 4000, TCP_SYN);
        f = ipv6(6, l4, 20);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_ACCEPT);
        tcp(l4, 40000, 22, TCP_SYN);
        f = ipv6(6, l4, 20);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_DROP);

        /* SYN+ACK and plain ACK from anywhere pass */
        tcp(l4, 22, 40000, TCP_SYN | TCP_ACK);
        f = ipv6(6, l4, 20);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_ACCEPT);
        tcp(l4, 22, 40000, TCP_ACK);
        f = ipv6(6, l4, 20);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_ACCEPT);

        /* a SYN behind a hop-by-hop extension header is found through the chain */
        memset(l4, 0, sizeof(l4));
        l4[0] = 6; /* next: TCP */
        l4[1] = 0; /* 8 bytes */
        tcp(l4 + 8, 40000, 4000, TCP_SYN);
        f = ipv6(0, l4, 28);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_ACCEPT);
        tcp(l4 + 8, 40000, 23, TCP_SYN);
        f = ipv6(0, l4, 28);
        assert_int_equal(run(r, n, &f, in), ZT_RULES_DROP);
    }
}

static void test_drop_non_ip_and_default(void **state)
{
    zt_rule r[8], d[2];
    size_t n = rules_named("drop_non_ip", r, 8), nd = rules_named("default_accept", d, 2);
    uint8_t l4[20];
    frame f;
    (void)state;

    assert_int_equal(n, 5);
    tcp(l4, 1, 2, TCP_SYN);
    f = ipv4(6, l4, 20);
    assert_int_equal(run(r, n, &f, false), ZT_RULES_ACCEPT);
    assert_int_equal(run(d, nd, &f, true), ZT_RULES_ACCEPT);
    f = ipv6(6, l4, 20);
    assert_int_equal(run(r, n, &f, true), ZT_RULES_ACCEPT);
    f.ethertype = 0x0806;
    assert_int_equal(run(r, n, &f, true), ZT_RULES_ACCEPT);
    f.ethertype = 0x88cc; /* LLDP */
    assert_int_equal(run(r, n, &f, true), ZT_RULES_DROP);
    assert_int_equal(run(d, nd, &f, true), ZT_RULES_ACCEPT);
    f.len = 0;
    assert_int_equal(run(d, nd, &f, false), ZT_RULES_ACCEPT);
}

/* §6.3: network rules BREAK on TCP, so TCP needs a capability: capability_member_a's rules
 * (TCP dport 22 -> ACCEPT). */
static void test_capability_behind_break(void **state)
{
    size_t len;
    uint8_t *b = tu_hex(V, "capability_member_a.serialized_hex", &len), l4[20];
    static zt_capability cap;
    zt_rd rd = zt__rd_make(b, len);
    zt_rule net[3];
    zt_rules_cap caps[1];
    zt_rules_frame f;
    zt_rules_ctx ctx;
    zt_rules_verdict v;
    frame fr;
    (void)state;

    assert_int_equal(zt__capability_read(&rd, &cap), 0);
    memset(net, 0, sizeof(net));
    net[0].t = ZT_RULE_MATCH_IP_PROTOCOL;
    net[0].v.ip_protocol = 6;
    net[1].t = ZT_RULE_ACTION_BREAK;
    net[2].t = ZT_RULE_ACTION_ACCEPT;
    caps[0] = (zt_rules_cap){cap.id, cap.rules, cap.rule_count};
    zt__rules_ctx_default(&ctx);

    memset(&f, 0, sizeof(f));
    f.inbound = true;
    f.self = SELF;
    f.zt_source = PEER;
    f.zt_dest = SELF;
    tcp(l4, 50000, 22, TCP_SYN);
    fr = ipv4(6, l4, 20);
    f.ethertype = fr.ethertype;
    f.payload = fr.b;
    f.len = fr.len;
    zt__rules_filter(net, 3, caps, 1, &f, &ctx, &v);
    assert_true(v.accept && v.by_capability && v.capability_id == 2000);

    tcp(l4, 50000, 80, TCP_SYN);
    fr = ipv4(6, l4, 20);
    zt__rules_filter(net, 3, caps, 1, &f, &ctx, &v);
    assert_false(v.accept);
    assert_true(v.redirect_to == 0);

    /* UDP is accepted by the network table itself */
    udp(l4, 1, 2);
    fr = ipv4(17, l4, 8);
    f.len = fr.len;
    zt__rules_filter(net, 3, caps, 1, &f, &ctx, &v);
    assert_true(v.accept && !v.by_capability);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_vectors),
        cmocka_unit_test(test_sampler_fields),
        cmocka_unit_test(test_adhoc_table),
        cmocka_unit_test(test_drop_non_ip_and_default),
        cmocka_unit_test(test_capability_behind_break),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
