/*
 * Unit tests for src/controller/controller*.c (the sans-I/O controller, controller.md §2-§4):
 * the request flows.  Store failures, the rules JSON parser and src/controller/api.c
 * (include/zts_controller.h) are in test_controller_api.c.  Every request goes through the real
 * payload codecs: requests are built with zt__config_request_write, answers are parsed as a
 * member would (chunk verify + reassembly + zt__netconf_parse + credential checks).
 */
#include "controller_testutil.h"

/* ---- cases ------------------------------------------------------------------------------------ */

static void test_unknown_network(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_ctl_member m;
    (void)state;

    fixture_init(&f, NULL);
    assert_int_equal(request(&f, &f.member, NWID_NONE, 77, T0, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_NOT_FOUND);
    expect_error(&f.cap, f.member.address, 77, ZT_ERROR_OBJ_NOT_FOUND, NWID_NONE);
    /* nothing stored */
    assert_int_equal(zt__store_get_member(f.store, NWID_NONE, f.member.address, &m),
                     ZT_ERR_NOTFOUND);
    zt__ctl_member_clear(&m);

    /* not ours: dropped silently (controller.md §1) */
    assert_int_equal(request(&f, &f.member, NWID_FOREIGN, 78, T0, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_NOT_OURS);
    assert_int_equal(f.cap.n, 0);
    fixture_clear(&f);
}

static void test_private_flow(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_ctl_member m;
    zt_netconf nc;
    zt_inetaddr v6;
    const uint8_t *blob;
    size_t blen;
    zt_rd r;
    zt_com com;
    zt_rule rules[8];
    size_t nrules;
    char idstr[ZT_IDENTITY_STR_MAX];
    (void)state;

    fixture_init(&f, NULL);
    /* unauthorised: ACCESS_DENIED and the member appears */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1001, T0, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_ACCESS_DENIED);
    expect_error(&f.cap, f.member.address, 1001, ZT_ERROR_NETWORK_ACCESS_DENIED, NWID_PRIV);
    assert_int_equal(zt__store_get_member(f.store, NWID_PRIV, f.member.address, &m), 0);
    assert_false(m.authorized);
    assert_true(zt__identity_to_string(&f.member, false, idstr, sizeof(idstr)) > 0);
    assert_string_equal(m.identity, idstr);
    assert_int_equal(m.nips, 0);
    assert_true(m.revision == 1);
    zt__ctl_member_clear(&m);

    /* flood limit: within 1000 ms, dropped */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1002, T0 + 500, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_FLOODED);
    assert_int_equal(f.cap.n, 0);

    /* authorise, ask again */
    set_authorized(f.store, NWID_PRIV, f.member.address, true, T0 + 1000);
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1003, T0 + 2000, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&f, NWID_PRIV, 1003, &nc);
    assert_true(nc.nwid == NWID_PRIV);
    assert_true(nc.issued_to == f.member.address);
    assert_true(nc.timestamp == T0 + 2000);
    assert_true(nc.ctmd == ZT_CTL_CTMD_DEFAULT);
    assert_string_equal(nc.name, "lab");
    assert_false(zt__netconf_is_public(&nc));
    assert_true(nc.flags & ZT_NETCONF_FLAG_ENABLE_BROADCAST);
    assert_true(nc.flags & ZT_NETCONF_FLAG_ENABLE_NDP_EMULATION);
    assert_int_equal(nc.mtu, 2800);
    assert_int_equal(nc.multicast_limit, 32);
    assert_int_equal(nc.n_routes, 1);

    /* rfc4193 (§3.3): fd | nwid | 99 93 | address, /88 */
    zt__ipv6_rfc4193(NWID_PRIV, f.member.address, &v6);
    assert_true(has_static(&nc, &v6));
    assert_int_equal(v6.ip[0], 0xfd);
    assert_true(zt__load_be(v6.ip + 1, 8) == NWID_PRIV);
    assert_int_equal(v6.ip[9], 0x99);
    assert_int_equal(v6.ip[10], 0x93);
    assert_true(zt__load_be(v6.ip + 11, 5) == f.member.address);
    assert_int_equal(v6.port, 88);
    /* 6plane: fc | h | address | 0... | 01, /40 */
    zt__ipv6_6plane(NWID_PRIV, f.member.address, &v6);
    assert_true(has_static(&nc, &v6));
    assert_int_equal(v6.ip[0], 0xfc);
    assert_true(zt__load_be(v6.ip + 1, 4) ==
                (uint32_t)((NWID_PRIV ^ (NWID_PRIV >> 32)) & 0xffffffffu));
    assert_true(zt__load_be(v6.ip + 5, 5) == f.member.address);
    assert_int_equal(v6.ip[15], 0x01);
    assert_int_equal(v6.port, 40);
    /* one IPv4 from the pool, /24, stored back */
    assert_int_equal(nc.n_static_ips, 3);
    assert_int_equal(nc.static_ips[2].family, 4);
    assert_int_equal(nc.static_ips[2].port, 24);
    assert_int_equal(nc.static_ips[2].ip[0], 10);
    assert_int_equal(nc.static_ips[2].ip[1], 147);
    assert_int_equal(nc.static_ips[2].ip[2], 17);
    assert_int_equal(zt__store_get_member(f.store, NWID_PRIV, f.member.address, &m), 0);
    assert_int_equal(m.nips, 1);
    assert_memory_equal(m.ips[0].ip, nc.static_ips[2].ip, 4);
    assert_true(m.v_major == 1 && m.v_minor == 14 && m.v_rev == 1 && m.v_proto == 12);
    /* a new member... was created while unauthorised, so no default capability; tag default */
    assert_int_equal(m.ntags, 1);
    assert_int_equal(m.tags[0].id, 7);
    assert_int_equal(m.tags[0].value, 3);
    zt__ctl_member_clear(&m);

    /* COM verifies, with the right qualifiers */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_COM, &blen);
    assert_non_null(blob);
    r = zt__rd_make(blob, blen);
    assert_int_equal(zt__com_read(&r, &com), 0);
    assert_int_equal(zt__com_verify(&com, &f.ctl_id), 0);
    assert_true(zt__com_network_id(&com) == NWID_PRIV);
    assert_true(zt__com_issued_to(&com) == f.member.address);
    assert_true(zt__com_timestamp(&com) == T0 + 2000);
    /* COO with the static IPs */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_COOS, &blen);
    assert_non_null(blob);
    {
        zt_coo coo;
        r = zt__rd_make(blob, blen);
        assert_int_equal(zt__coo_read(&r, &coo), 0);
        assert_int_equal(zt__coo_verify(&coo, &f.ctl_id), 0);
        assert_int_equal(coo.thing_count, 3);
        assert_true(zt__coo_owns(&coo, ZT_COO_THING_IPV4, nc.static_ips[2].ip, 4));
    }
    /* tag credential */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_TAGS, &blen);
    assert_non_null(blob);
    {
        zt_tag tag;
        r = zt__rd_make(blob, blen);
        assert_int_equal(zt__tag_read(&r, &tag), 0);
        assert_int_equal(zt__tag_verify(&tag, &f.ctl_id), 0);
        assert_int_equal(tag.id, 7);
        assert_int_equal(tag.value, 3);
    }
    /* rules: the unknown type is skipped, the rest in order */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_RULES, &blen);
    assert_non_null(blob);
    r = zt__rd_make(blob, blen);
    assert_int_equal(zt__rules_read_all(&r, rules, 8, &nrules), 0);
    assert_int_equal(nrules, 3);
    assert_int_equal(rules[0].t, ZT_RULE_MATCH_ETHERTYPE | ZT_RULE_NOT);
    assert_int_equal(rules[0].v.ethertype, 0x0800);
    assert_int_equal(rules[1].t, ZT_RULE_ACTION_DROP);
    assert_int_equal(rules[2].t, ZT_RULE_ACTION_ACCEPT);
    zt__netconf_clear(&nc);

    /* the same address asked again gets the same IPv4 */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1004, T0 + 5000, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&f, NWID_PRIV, 1004, &nc);
    assert_int_equal(nc.n_static_ips, 3);
    zt__netconf_clear(&nc);

    /* identity pinning: same address, other key */
    {
        zt_identity impostor;
        fake_identity(&impostor, f.member.address);
        assert_int_equal(request(&f, &impostor, NWID_PRIV, 1005, T0 + 9000, &res), 0);
        assert_int_equal(res, ZT_CTL_RESULT_IDENTITY_MISMATCH);
        expect_error(&f.cap, f.member.address, 1005, ZT_ERROR_NETWORK_ACCESS_DENIED, NWID_PRIV);
    }
    fixture_clear(&f);
}

static void test_old_rules_engine_and_token(void **state)
{
    fixture f;
    zt_controller_result res;
    uint8_t buf[2048];
    size_t n;
    zt_netconf nc;
    zt_ctl_network net;
    zt_ctl_member m;
    const uint8_t *blob;
    size_t blen;
    zt_rule rules[4];
    size_t nrules;
    zt_rd r;
    (void)state;

    fixture_init(&f, NULL);
    /* a join token authorises automatically */
    assert_int_equal(zt__store_get_network(f.store, NWID_PRIV, &net), 0);
    net.ntokens = 1;
    snprintf(net.tokens[0].token, sizeof(net.tokens[0].token), "sesame");
    net.tokens[0].expires = 0;
    assert_int_equal(zt__store_save_network(f.store, &net, T0, NULL), 0);
    zt__ctl_network_clear(&net);

    n = make_request(buf, sizeof(buf), NWID_PRIV, 0, "token:wrong");
    assert_int_equal(zt__controller_handle_request(f.ctl, &f.member, buf, n, 5, T0, &f.out, &res),
                     0);
    assert_int_equal(res, ZT_CTL_RESULT_ACCESS_DENIED);
    cap_reset(&f.cap);
    n = make_request(buf, sizeof(buf), NWID_PRIV, 0, "token:sesame");
    assert_int_equal(
        zt__controller_handle_request(f.ctl, &f.member, buf, n, 6, T0 + 2000, &f.out, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&f, NWID_PRIV, 6, &nc);
    /* revr 0: exactly one ACCEPT */
    blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_RULES, &blen);
    r = zt__rd_make(blob, blen);
    assert_int_equal(zt__rules_read_all(&r, rules, 4, &nrules), 0);
    assert_int_equal(nrules, 1);
    assert_int_equal(rules[0].t, ZT_RULE_ACTION_ACCEPT);
    zt__netconf_clear(&nc);
    assert_int_equal(zt__store_get_member(f.store, NWID_PRIV, f.member.address, &m), 0);
    assert_true(m.authorized);
    assert_string_equal(m.last_auth_cred_type, "token");
    assert_string_equal(m.last_auth_cred, "sesame");
    zt__ctl_member_clear(&m);
    fixture_clear(&f);
}

/* A config larger than one chunk (900 IPv6 rules, ~17 KB of dictionary): every chunk signed
 * and sent after the save, the first one (signed while the save was under way) included;
 * a push the same way; the member reassembles both. */
static void test_config_in_several_chunks(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_ctl_network net;
    zt_netconf nc;
    size_t cap = 900 * 64 + 8, len = 0, nrules;
    char *rules = malloc(cap);
    (void)state;

    assert_non_null(rules);
    fixture_init(&f, NULL);
    assert_int_equal(zt__store_get_network(f.store, NWID_PRIV, &net), 0);
    len += (size_t)snprintf(rules + len, cap - len, "[");
    for (unsigned i = 0; i < 900; i++)
        len += (size_t)snprintf(rules + len, cap - len,
                                "%s{\"type\":\"MATCH_IPV6_SOURCE\",\"ip\":\"fd00::%x/128\"}",
                                i == 0 ? "" : ",", i);
    snprintf(rules + len, cap - len, "]");
    free(net.rules_json);
    net.rules_json = rules;
    assert_int_equal(zt__store_save_network(f.store, &net, T0, NULL), 0);
    zt__ctl_network_clear(&net);
    /* the first request makes the member (refused); authorised, it asks again */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 4000, T0, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_ACCESS_DENIED);
    set_authorized(f.store, NWID_PRIV, f.member.address, true, T0 + 500);
    for (int pass = 0; pass < 2; pass++) {
        uint64_t pid = pass == 0 ? 4001 : 0;
        if (pass == 0) {
            assert_int_equal(request(&f, &f.member, NWID_PRIV, pid, T0 + 2000, &res), 0);
            assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
        } else {
            cap_reset(&f.cap);
            assert_int_equal(zt__controller_push_member(f.ctl, NWID_PRIV, f.member.address,
                                                        T0 + 3000, &f.out),
                             0);
        }
        assert_true(f.cap.n >= 2);
        reassemble(&f, NWID_PRIV, pid, &nc);
        {
            size_t blen;
            const uint8_t *blob = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_RULES, &blen);
            zt_rule *got = calloc(ZT_RULES_MAX, sizeof(*got));
            zt_rd r = zt__rd_make(blob, blen);
            assert_non_null(got);
            assert_int_equal(zt__rules_read_all(&r, got, ZT_RULES_MAX, &nrules), 0);
            assert_int_equal(nrules, 900);
            free(got);
        }
        zt__netconf_clear(&nc);
    }
    fixture_clear(&f);
}

static void test_public_and_50_members(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_netconf nc;
    uint32_t seen[50];
    (void)state;

    fixture_init(&f, NULL);
    for (unsigned i = 0; i < 50; i++) {
        zt_identity id;
        zt_ctl_member m;
        uint32_t ip;

        fake_identity(&id, 0x1000000000ULL + (uint64_t)i * 7919);
        assert_int_equal(request(&f, &id, NWID_PUB, 100 + i, T0 + i, &res), 0);
        assert_int_equal(res, ZT_CTL_RESULT_CONFIG); /* public: no authorisation needed */
        reassemble(&f, NWID_PUB, 100 + i, &nc);
        assert_true(zt__netconf_is_public(&nc));
        assert_int_equal(nc.n_static_ips, 1);
        assert_int_equal(nc.static_ips[0].family, 4);
        assert_int_equal(nc.static_ips[0].port, 16);
        ip = (uint32_t)zt__load_be(nc.static_ips[0].ip, 4);
        /* inside the pool, never the end address (§3.6), never .255 */
        assert_true(ip >= 0x0a140000u && ip < 0x0a140050u);
        assert_true((ip & 0xff) != 0xff);
        for (unsigned k = 0; k < i; k++)
            assert_true(seen[k] != ip);
        seen[i] = ip;
        zt__netconf_clear(&nc);
        assert_int_equal(zt__store_get_member(f.store, NWID_PUB, id.address, &m), 0);
        assert_true(m.authorized);
        assert_string_equal(m.last_auth_cred_type, "public");
        assert_int_equal(m.nips, 1);
        assert_true(zt__load_be(m.ips[0].ip, 4) == ip);
        zt__ctl_member_clear(&m);
    }
    fixture_clear(&f);
}

static void test_deauthorize_and_revision(void **state)
{
    fixture f;
    zt_controller_result res;
    zt_netconf nc;
    zt_ctl_network net;
    zt_netcreds_reader it;
    zt_credential cred;
    uint64_t rev0;
    size_t count = 0;
    zt_identity other;
    (void)state;

    fixture_init(&f, NULL);
    fake_identity(&other, 0x2000000001ULL);
    /* two authorised, online members */
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1, T0, &res), 0);
    assert_int_equal(request(&f, &other, NWID_PRIV, 2, T0, &res), 0);
    set_authorized(f.store, NWID_PRIV, f.member.address, true, T0);
    set_authorized(f.store, NWID_PRIV, other.address, true, T0);
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 3, T0 + 2000, &res), 0);
    reassemble(&f, NWID_PRIV, 3, &nc);
    rev0 = nc.revision;
    zt__netconf_clear(&nc);
    assert_int_equal(request(&f, &other, NWID_PRIV, 4, T0 + 2000, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);

    /* a network change bumps the revision and is pushed to both */
    assert_int_equal(zt__store_get_network(f.store, NWID_PRIV, &net), 0);
    snprintf(net.name, sizeof(net.name), "renamed");
    assert_int_equal(zt__store_save_network(f.store, &net, T0 + 3000, NULL), 0);
    zt__ctl_network_clear(&net);
    cap_reset(&f.cap);
    assert_int_equal(zt__controller_push_updates(f.ctl, NWID_PRIV, T0 + 3000, &f.out, &count), 0);
    assert_int_equal(count, 2);
    {
        /* split the capture by destination and check the member's config */
        fixture g = f;
        capture mine;
        memset(&mine, 0, sizeof(mine));
        for (size_t i = 0; i < f.cap.n; i++) {
            if (f.cap.pkt[i].dest == f.member.address)
                mine.pkt[mine.n++] = f.cap.pkt[i];
        }
        g.cap = mine;
        reassemble(&g, NWID_PRIV, 0, &nc);
        assert_true(nc.revision == rev0 + 1);
        assert_string_equal(nc.name, "renamed");
        zt__netconf_clear(&nc);
    }

    /* de-authorise the other member: a revocation goes to every online member */
    set_authorized(f.store, NWID_PRIV, other.address, false, T0 + 4000);
    assert_int_equal(zt__controller_note_member_deauthorized(f.ctl, NWID_PRIV, other.address), 0);
    assert_int_equal(zt__controller_note_member_deauthorized(f.ctl, NWID_PRIV, other.address), 0);
    assert_int_equal(zt__controller_pending(f.ctl), 1);
    cap_reset(&f.cap);
    assert_int_equal(zt__controller_flush(f.ctl, T0 + 4000, &f.out), 0);
    assert_int_equal(zt__controller_pending(f.ctl), 0);
    assert_int_equal(f.cap.n, 2); /* two revocations; no config for the de-authorised member */
    for (size_t i = 0; i < f.cap.n; i++) {
        assert_int_equal(f.cap.pkt[i].verb, ZT_VERB_NETWORK_CREDENTIALS);
        zt__netcreds_begin(&it, f.cap.pkt[i].p, f.cap.pkt[i].len);
        assert_int_equal(zt__netcreds_next(&it, &cred), 1);
        assert_int_equal(cred.type, ZT_CRED_REVOCATION);
        assert_int_equal(zt__revocation_verify(&cred.u.rev, &f.ctl_id), 0);
        assert_true(cred.u.rev.target == other.address);
        assert_true(cred.u.rev.nwid == NWID_PRIV);
        assert_true(cred.u.rev.threshold == T0 + 4000);
        assert_int_equal(cred.u.rev.type, ZT_CRED_COM);
        assert_true(cred.u.rev.flags & ZT_REVOCATION_FLAG_FAST_PROPAGATE);
        assert_int_equal(zt__netcreds_next(&it, &cred), 0);
    }
    /* offline (> 120 s): nobody to tell */
    cap_reset(&f.cap);
    assert_int_equal(zt__controller_revoke(f.ctl, NWID_PRIV, other.address, T0 + 200000, &f.out,
                                          &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(f.cap.n, 0);
    fixture_clear(&f);
}

static void test_malformed(void **state)
{
    fixture f;
    zt_controller_result res;
    uint8_t buf[2048], junk[600];
    size_t n;
    (void)state;

    fixture_init(&f, NULL);
    /* truncated payloads */
    n = make_request(buf, sizeof(buf), NWID_PUB, 1, NULL);
    for (size_t cut = 0; cut < 10; cut++)
        assert_int_equal(zt__controller_handle_request(f.ctl, &f.member, buf, cut, 9, T0, &f.out,
                                                      &res),
                         ZT_ERR_DROP);
    /* metadata length beyond the payload */
    buf[8] = 0xff;
    buf[9] = 0xff;
    assert_int_equal(
        zt__controller_handle_request(f.ctl, &f.member, buf, n, 9, T0, &f.out, &res), ZT_ERR_DROP);
    /* NULL payload, NULL sink */
    assert_int_equal(zt__controller_handle_request(f.ctl, &f.member, NULL, 0, 9, T0, &f.out, &res),
                     ZT_ERR_DROP);
    assert_int_equal(zt__controller_handle_request(f.ctl, &f.member, buf, n, 9, T0, NULL, &res),
                     ZT_ERR_INVAL);
    /* garbage metadata: parsed as an (odd) dictionary, never a crash */
    for (unsigned round = 0; round < 200; round++) {
        uint64_t s = round + 1;
        size_t mdlen = (size_t)(seq_random(&s) % 500);
        for (size_t i = 0; i < mdlen; i++)
            junk[i] = (uint8_t)seq_random(&s);
        n = (size_t)zt__config_request_write(buf, sizeof(buf), NWID_PUB, junk, mdlen, 0, 0);
        cap_reset(&f.cap);
        (void)zt__controller_handle_request(f.ctl, &f.member, buf, n, 0, T0 + round, &f.out, &res);
    }
    /* reserved requester */
    {
        zt_identity bad = f.member;
        bad.address = 0xff00000001ULL;
        n = make_request(buf, sizeof(buf), NWID_PUB, 1, NULL);
        assert_int_equal(
            zt__controller_handle_request(f.ctl, &bad, buf, n, 9, T0, &f.out, &res), ZT_ERR_DROP);
    }
    /* send failure is reported */
    n = make_request(buf, sizeof(buf), NWID_NONE, 1, NULL);
    cap_reset(&f.cap);
    f.cap.fail = true;
    assert_int_equal(
        zt__controller_handle_request(f.ctl, &f.member, buf, n, 9, T0 + 90000, &f.out, &res),
        ZT_ERR_CALLBACK_FAILURE);
    fixture_clear(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_network),
        cmocka_unit_test(test_private_flow),
        cmocka_unit_test(test_old_rules_engine_and_token),
        cmocka_unit_test(test_config_in_several_chunks),
        cmocka_unit_test(test_public_and_50_members),
        cmocka_unit_test(test_deauthorize_and_revision),
        cmocka_unit_test(test_malformed),
    };
    if (zt__crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
