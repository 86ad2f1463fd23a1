/* Known-answer tests from tests/vectors/vl2.json: MAC derivation, rfc4193/6PLANE addresses,
 * address-resolution groups and the ARP-request group of a frame. */
#include "testutil.h"

#include <arpa/inet.h>

#include "codec/ethernet.h"

static json_t *V;

static uint64_t hex_u64(const char *s)
{
    uint64_t v;
    assert_int_equal(zt__hex_u64(s, strlen(s), &v), 0);
    return v;
}

static void test_mac_derivation(void **state)
{
    json_t *list = tu_get(V, "mac_derivation");
    bool saw_0x52_rule = false;
    (void)state;

    assert_true(json_array_size(list) >= 9);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        uint64_t nwid = hex_u64(tu_str(e, "network_id"));
        uint64_t addr = hex_u64(tu_str(e, "address"));
        uint64_t mac = zt__mac_from_address(addr, nwid);
        uint8_t b[ZT_MAC_LEN];
        char text[18];

        zt__mac_to_bytes(mac, b);
        tu_assert_hex(e, "mac_hex", b, sizeof(b));
        snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
                 b[4], b[5]);
        assert_string_equal(text, tu_str(e, "mac"));
        assert_int_equal(zt__mac_first_octet(nwid), tu_u64(e, "first_octet"));
        assert_int_equal(zt__mac_to_address(mac, nwid), hex_u64(tu_str(e, "address_from_mac")));
        assert_int_equal(zt__mac_from_bytes(b), mac);
        assert_true(zt__mac_is_member(mac, nwid));
        assert_false(zt__mac_is_multicast(mac));
        if (((nwid & 0xfe) | 0x02) == 0x52)
            saw_0x52_rule = true;
    }
    assert_true(saw_0x52_rule);
}

static void test_ipv6_derivation(void **state)
{
    json_t *list = tu_get(V, "ipv6_derivation");
    (void)state;

    assert_true(json_array_size(list) >= 5);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        uint64_t nwid = hex_u64(tu_str(e, "network_id"));
        uint64_t addr = hex_u64(tu_str(e, "address"));
        zt_inetaddr a;
        zt_mgroup g;
        uint8_t mac[ZT_MAC_LEN];
        char text[ZT_INETADDR_STR_MAX];

        zt__ipv6_rfc4193(nwid, addr, &a);
        assert_int_equal(a.family, 6);
        tu_assert_hex(e, "rfc4193_hex", a.ip, 16);
        assert_int_equal(a.port, tu_u64(e, "rfc4193_netmask_bits"));
        assert_true(zt__inetaddr_format(&a, text, sizeof(text)) > 0);
        assert_string_equal(text, tu_str(e, "rfc4193"));
        assert_int_equal(zt__mgroup_for_address_resolution(&a, &g), 0);
        zt__mac_to_bytes(g.mac, mac);
        tu_assert_hex(e, "rfc4193_solicited_node_group_mac", mac, sizeof(mac));
        assert_int_equal(g.adi, 0);

        zt__ipv6_6plane(nwid, addr, &a);
        assert_int_equal(a.family, 6);
        tu_assert_hex(e, "sixplane_hex", a.ip, 16);
        assert_int_equal(a.port, tu_u64(e, "sixplane_netmask_bits"));
        assert_true(zt__inetaddr_format(&a, text, sizeof(text)) > 0);
        assert_string_equal(text, tu_str(e, "sixplane"));
    }
}

static void test_address_resolution_groups(void **state)
{
    json_t *list = tu_get(V, "address_resolution_groups");
    (void)state;

    assert_true(json_array_size(list) >= 4);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        const char *ip = tu_str(e, "ip");
        uint8_t raw[16], mac[ZT_MAC_LEN], adi[4];
        zt_inetaddr a;
        zt_mgroup g;

        if (strchr(ip, ':') != NULL) {
            assert_int_equal(inet_pton(AF_INET6, ip, raw), 1);
            zt__inetaddr_set6(&a, raw, 0);
        } else {
            assert_int_equal(inet_pton(AF_INET, ip, raw), 1);
            zt__inetaddr_set4(&a, raw, 0);
        }
        assert_int_equal(zt__mgroup_for_address_resolution(&a, &g), 0);
        zt__mac_to_bytes(g.mac, mac);
        zt__store_be(adi, g.adi, 4);
        tu_assert_hex(e, "group_mac_hex", mac, sizeof(mac));
        tu_assert_hex(e, "group_adi_hex", adi, sizeof(adi));
    }
}

static void test_arp_request_group(void **state)
{
    size_t n, mn;
    uint8_t *arp = tu_hex(V, "frames.arp_request_hex", &n);
    uint8_t *mf = tu_hex(V, "frames.multicast_frame_payload_hex", &mn);
    zt_mgroup g = {0, 0}, want;
    (void)state;

    assert_true(zt__arp_request_group(ZT_MAC_BROADCAST, ZT_ETHERTYPE_ARP, arp, n, &g));
    assert_int_equal(g.mac, ZT_MAC_BROADCAST);
    assert_int_equal(g.adi, 0x0a93112b);
    want = zt__mgroup_for_frame(ZT_MAC_BROADCAST, ZT_ETHERTYPE_ARP, arp, n);
    assert_true(zt__mgroup_equal(&want, &g));

    /* The MULTICAST_FRAME of the same ARP request names exactly that group: nwid, flags 0x02,
     * gather limit, then group MAC, ADI, ethertype and the ARP packet (§3.5). */
    assert_int_equal(mn, 8 + 1 + 4 + 6 + 4 + 2 + n);
    assert_int_equal(zt__load_be(mf + 13, 6), g.mac);
    assert_int_equal(zt__load_be(mf + 19, 4), g.adi);
    assert_memory_equal(mf + 25, arp, n);

    /* Not an ARP request: unicast destination, other ethertype, reply opcode, short. */
    assert_false(zt__arp_request_group(0x0213651290b0ULL, ZT_ETHERTYPE_ARP, arp, n, &g));
    assert_false(zt__arp_request_group(ZT_MAC_BROADCAST, ZT_ETHERTYPE_IPV4, arp, n, &g));
    arp[7] = 2;
    assert_false(zt__arp_request_group(ZT_MAC_BROADCAST, ZT_ETHERTYPE_ARP, arp, n, &g));
    arp[7] = 1;
    assert_false(zt__arp_request_group(ZT_MAC_BROADCAST, ZT_ETHERTYPE_ARP, arp, n - 1, &g));
    want = zt__mgroup_for_frame(ZT_MAC_BROADCAST, ZT_ETHERTYPE_ARP, arp, n - 1);
    assert_int_equal(want.mac, ZT_MAC_BROADCAST);
    assert_int_equal(want.adi, 0);
    free(mf);
    free(arp);
}

/* The implied MACs of FRAME are those EXT_FRAME spells out (§3.1, §3.2). */
static void test_frame_macs(void **state)
{
    uint64_t nwid = hex_u64(tu_str(V, "network_id"));
    uint64_t a = hex_u64(tu_str(V, "identities.member_a.address"));
    uint64_t b = hex_u64(tu_str(V, "identities.member_b.address"));
    size_t n;
    uint8_t *ext = tu_hex(V, "frames.ext_frame_payload_hex", &n);
    (void)state;

    assert_true(n > 23);
    assert_int_equal(zt__mac_from_bytes(ext + 9), zt__mac_from_address(b, nwid));
    assert_int_equal(zt__mac_from_bytes(ext + 15), zt__mac_from_address(a, nwid));
    free(ext);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mac_derivation),
        cmocka_unit_test(test_ipv6_derivation),
        cmocka_unit_test(test_address_resolution_groups),
        cmocka_unit_test(test_arp_request_group),
        cmocka_unit_test(test_frame_macs),
    };
    int rv;

    V = tu_load_json("vl2.json");
    rv = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(V);
    return rv;
}
