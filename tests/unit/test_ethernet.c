/* Unit tests for core/ethernet (vl2.md §2, §3.3): MAC rules, group order, ARP detection at
 * every length, NDP emulation (answers computed independently), MULTICAST_LIKE records. */
#include "testutil.h"

#include "codec/ethernet.h"

#define NWID 0x7064247a5a000001ULL
#define ADDR_A 0x136548ea94ULL
#define ADDR_B 0x3a6eaf5a82ULL

static void test_mac_rules(void **state)
{
    (void)state;
    for (unsigned low = 0; low < 256; low++) {
        uint64_t nwid = 0x1122334455667700ULL | low;
        uint8_t o = zt__mac_first_octet(nwid);
        assert_int_not_equal(o, 0x52);
        assert_int_equal(o & ZT_MAC_LOCAL_BIT, ZT_MAC_LOCAL_BIT);
        assert_int_equal(o & ZT_MAC_MULTICAST_BIT, 0);
        if ((low & 0xfe) == 0x50)
            assert_int_equal(o, 0x32);
    }
    /* Address <-> MAC round trip over a spread of values; only the first octet is checked. */
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t addr = (i * 0x9e3779b97f4a7c15ULL) & 0xffffffffffULL;
        uint64_t nwid = i * 0xc2b2ae3d27d4eb4fULL;
        uint64_t mac = zt__mac_from_address(addr, nwid);
        assert_true(mac <= 0xffffffffffffULL);
        assert_int_equal(zt__mac_to_address(mac, nwid), addr);
        assert_true(zt__mac_is_member(mac, nwid));
        assert_true(zt__mac_is_member((mac & 0xff0000000000ULL) | 0x123, nwid));
    }
    assert_false(zt__mac_is_member(0x3333ff000001ULL, NWID));
    assert_true(zt__mac_is_multicast(0x3333ff000001ULL));
    assert_true(zt__mac_is_multicast(ZT_MAC_BROADCAST));
    assert_true(zt__mac_is_broadcast(ZT_MAC_BROADCAST));
    assert_false(zt__mac_is_broadcast(0xfffffffffffeULL));
}

static void test_mgroup_order(void **state)
{
    zt_mgroup a = {0x010000000000ULL, 5}, b = {0x010000000000ULL, 6}, c = {0x020000000000ULL, 0};
    zt_inetaddr none;
    zt_mgroup g;
    (void)state;

    assert_true(zt__mgroup_compare(&a, &b) < 0);
    assert_true(zt__mgroup_compare(&b, &c) < 0);
    assert_true(zt__mgroup_compare(&c, &a) > 0);
    assert_int_equal(zt__mgroup_compare(&a, &a), 0);
    assert_true(zt__mgroup_equal(&b, &b));
    memset(&none, 0, sizeof(none));
    assert_int_equal(zt__mgroup_for_address_resolution(&none, &g), ZT_ERR_INVAL);
}

static void test_arp_truncation(void **state)
{
    static const uint8_t arp[28] = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
                                    0x02, 0x13, 0x65, 0x12, 0x90, 0xb0, 10, 147, 17, 42,
                                    0, 0, 0, 0, 0, 0, 10, 147, 17, 43};
    zt_mgroup g = {0, 0};
    (void)state;

    for (size_t len = 0; len < sizeof(arp); len++) {
        uint8_t *copy = malloc(len + 1);
        assert_non_null(copy);
        memcpy(copy, arp, len);
        assert_false(zt__arp_request_group(ZT_MAC_BROADCAST, ZT_ETHERTYPE_ARP, copy, len, &g));
        free(copy);
    }
    assert_true(zt__arp_request_group(ZT_MAC_BROADCAST, ZT_ETHERTYPE_ARP, arp, 28, &g));
    assert_int_equal(g.adi, 0x0a93112b);
    g = zt__mgroup_for_frame(0x3333ff112233ULL, ZT_ETHERTYPE_IPV6, arp, 28);
    assert_int_equal(g.mac, 0x3333ff112233ULL);
    assert_int_equal(g.adi, 0);
}

/* A Neighbor Solicitation from A for |target|, as A's stack would send it (72 bytes). */
static void make_ns(uint8_t ns[72], const uint8_t src[16], const uint8_t target[16])
{
    memset(ns, 0, 72);
    ns[0] = 0x60;
    ns[5] = 32;
    ns[6] = 58;
    ns[7] = 255;
    memcpy(ns + 8, src, 16);
    memcpy(ns + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff", 13);
    memcpy(ns + 37, target + 13, 3);
    ns[40] = 135;
    memcpy(ns + 48, target, 16);
    ns[64] = 1;
    ns[65] = 1;
    zt__mac_to_bytes(zt__mac_from_address(ADDR_A, NWID), ns + 66);
}

static void check_na(const char *want_hex, const uint8_t target[16], const zt_inetaddr *own,
                     size_t n_own)
{
    uint8_t ns[72], want[72];
    uint64_t mac_a = zt__mac_from_address(ADDR_A, NWID);
    uint64_t dst = 0x333300000000ULL | zt__load_be(target + 12, 4);
    zt_ndp_reply r;

    assert_int_equal(zt__hex_decode(want, sizeof(want), want_hex, strlen(want_hex)), 72);
    make_ns(ns, own[0].ip, target);
    assert_true(zt__ndp_emulate(NWID, ADDR_A, mac_a, dst, ZT_ETHERTYPE_IPV6, ns, sizeof(ns), own,
                                n_own, &r));
    assert_int_equal(r.src_mac, zt__mac_from_address(ADDR_B, NWID));
    assert_int_equal(r.dst_mac, mac_a);
    assert_int_equal(r.ethertype, ZT_ETHERTYPE_IPV6);
    assert_memory_equal(r.packet, want, 72);
    /* The checksum verifies. */
    assert_int_equal(zt__icmpv6_checksum(r.packet + 8, r.packet + 24, r.packet + 40, 32), 0);
}

static void test_ndp_emulation(void **state)
{
    zt_inetaddr own[3], b4193, b6plane, a4193;
    uint8_t ns[72];
    uint64_t mac_a = zt__mac_from_address(ADDR_A, NWID);
    zt_ndp_reply r;
    const uint8_t v4[4] = {10, 0, 0, 1};
    (void)state;

    zt__inetaddr_set4(&own[0], v4, 8);
    zt__ipv6_rfc4193(NWID, ADDR_A, &own[1]);
    zt__ipv6_6plane(NWID, ADDR_A, &own[2]);
    zt__ipv6_rfc4193(NWID, ADDR_B, &b4193);
    zt__ipv6_6plane(NWID, ADDR_B, &b6plane);
    zt__ipv6_rfc4193(NWID, ADDR_A, &a4193);

    /* Expected answers computed by an independent script from vl2.md §2.5. */
    check_na("6000000000203afffd7064247a5a00000199933a6eaf5a82fd7064247a5a0000019993136548ea94"
             "88004f6a60000000fd7064247a5a00000199933a6eaf5a820201023a6ef520a6",
             b4193.ip, own + 1, 2);
    check_na("6000000000203afffc2a64247b3a6eaf5a82000000000001fc2a64247b136548ea94000000000001"
             "88000f1460000000fc2a64247b3a6eaf5a820000000000010201023a6ef520a6",
             b6plane.ip, own + 2, 1);

    /* Not answered: our own address, a unicast destination, other ethertype, not an NS, no
     * matching own address, netmask not /88, and every short length. */
    make_ns(ns, own[1].ip, a4193.ip);
    assert_false(zt__ndp_emulate(NWID, ADDR_A, mac_a, 0x3333ff48ea94ULL, ZT_ETHERTYPE_IPV6, ns,
                                 72, own, 3, &r));
    make_ns(ns, own[1].ip, b4193.ip);
    assert_false(zt__ndp_emulate(NWID, ADDR_A, mac_a, mac_a, ZT_ETHERTYPE_IPV6, ns, 72, own, 3,
                                 &r));
    assert_false(zt__ndp_emulate(NWID, ADDR_A, mac_a, 0x3333ffaf5a82ULL, ZT_ETHERTYPE_IPV4, ns,
                                 72, own, 3, &r));
    assert_false(zt__ndp_emulate(NWID, ADDR_A, mac_a, 0x3333ffaf5a82ULL, ZT_ETHERTYPE_IPV6, ns,
                                 72, own, 1, &r));
    /* A 6PLANE own address must carry this network's X (the rfc4193 check has no such
     * condition, §2.5). */
    make_ns(ns, own[2].ip, b6plane.ip);
    assert_false(zt__ndp_emulate(NWID + 0x100, ADDR_A, mac_a, 0x3333ff000001ULL,
                                 ZT_ETHERTYPE_IPV6, ns, 72, own + 2, 1, &r));
    make_ns(ns, own[1].ip, b4193.ip);
    own[1].port = 64;
    assert_false(zt__ndp_emulate(NWID, ADDR_A, mac_a, 0x3333ffaf5a82ULL, ZT_ETHERTYPE_IPV6, ns,
                                 72, own + 1, 1, &r));
    own[1].port = 88;
    ns[40] = 136;
    assert_false(zt__ndp_emulate(NWID, ADDR_A, mac_a, 0x3333ffaf5a82ULL, ZT_ETHERTYPE_IPV6, ns,
                                 72, own, 3, &r));
    ns[40] = 135;
    ns[6] = 17;
    assert_false(zt__ndp_emulate(NWID, ADDR_A, mac_a, 0x3333ffaf5a82ULL, ZT_ETHERTYPE_IPV6, ns,
                                 72, own, 3, &r));
    ns[6] = 58;
    for (size_t len = 0; len < ZT_NDP_NS_MIN_LEN; len++) {
        uint8_t *copy = malloc(len + 1);
        assert_non_null(copy);
        memcpy(copy, ns, len);
        assert_false(zt__ndp_emulate(NWID, ADDR_A, mac_a, 0x3333ffaf5a82ULL, ZT_ETHERTYPE_IPV6,
                                     copy, len, own, 3, &r));
        free(copy);
    }
    /* Exactly 64 bytes (no option) is enough. */
    assert_true(zt__ndp_emulate(NWID, ADDR_A, mac_a, 0x3333ffaf5a82ULL, ZT_ETHERTYPE_IPV6, ns,
                                64, own, 3, &r));
}

static void test_icmpv6_checksum(void **state)
{
    uint8_t src[16] = {0xfe, 0x80}, dst[16] = {0xff, 0x02}, odd[3] = {0x80, 0x00, 0x01};
    (void)state;

    src[15] = 1;
    dst[15] = 1;
    /* An odd length is padded with a zero byte (value from an independent script). */
    assert_int_equal(zt__icmpv6_checksum(src, dst, odd, sizeof(odd)), 0x813c);
}

static void test_mlike_records(void **state)
{
    uint8_t buf[ZT_MLIKE_RECORD_LEN];
    zt_mgroup g = {0x3333ff112233ULL, 7}, back;
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    uint64_t nwid;
    zt_rd r;
    (void)state;

    zt__mlike_write(&w, NWID, &g);
    assert_int_equal(zt__wr_finish(&w), ZT_MLIKE_RECORD_LEN);
    zt__mlike_write(&w, NWID, &g);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
    for (size_t len = 0; len < ZT_MLIKE_RECORD_LEN; len++) {
        r = zt__rd_make(buf, len);
        assert_int_equal(zt__mlike_read(&r, &nwid, &back), ZT_ERR_TRUNCATED);
        assert_int_equal(zt__rd_left(&r), len);
    }
    r = zt__rd_make(buf, sizeof(buf));
    assert_int_equal(zt__mlike_read(&r, &nwid, &back), 0);
    assert_int_equal(nwid, NWID);
    assert_true(zt__mgroup_equal(&back, &g));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mac_rules),
        cmocka_unit_test(test_mgroup_order),
        cmocka_unit_test(test_arp_truncation),
        cmocka_unit_test(test_ndp_emulation),
        cmocka_unit_test(test_icmpv6_checksum),
        cmocka_unit_test(test_mlike_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
