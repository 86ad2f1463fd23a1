/* Known-answer tests for the credentials of vl2.md §5 and the NETWORK_CREDENTIALS payload
 * (§3.6), from tests/vectors/vl2.json (schema: vl2.md §13). */
#include "testutil.h"

#include "codec/credential.h"
#include "codec/identity.h"

static json_t *V;
static zt_identity controller, member_a, member_b;
static uint64_t nwid;

static zt_identity identity_named(const char *name)
{
    char path[64];
    const char *s;
    zt_identity id;

    snprintf(path, sizeof(path), "identities.%s.secret", name);
    s = tu_str(V, path);
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), 0);
    return id;
}

static int setup(void **state)
{
    const char *n;
    (void)state;
    assert_int_equal(zt__crypto_init(), 0);
    V = tu_load_json("vl2.json");
    controller = identity_named("controller");
    member_a = identity_named("member_a");
    member_b = identity_named("member_b");
    n = tu_str(V, "network_id");
    assert_int_equal(zt__hex_u64(n, strlen(n), &nwid), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(V);
    return 0;
}

static void test_sha384_qualifiers(void **state)
{
    const char *names[] = {"controller", "member_a", "member_b"};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        zt_identity id = identity_named(names[i]);
        uint8_t in[69], digest[ZT_SHA384_LEN], first32[32];
        uint64_t q[4];
        char path[96];

        zt__store_be(in, id.address, 5);
        memcpy(in + 5, id.pub, 64);
        assert_int_equal(zt__sha384(digest, in, sizeof(in)), 0);
        snprintf(path, sizeof(path), "identities.%s.sha384_address_and_public_key", names[i]);
        tu_assert_hex(V, path, digest, sizeof(digest));

        assert_int_equal(zt__com_identity_hash(&id, q), 0);
        for (int k = 0; k < 4; k++)
            zt__store_be(first32 + 8 * k, q[k], 8);
        assert_memory_equal(first32, digest, 32);
    }
}

/* Parses a hex COM field fully (nothing left over). */
static zt_com com_at(json_t *root, const char *path)
{
    size_t len;
    uint8_t *b = tu_hex(root, path, &len);
    zt_rd r = zt__rd_make(b, len);
    zt_com com;

    assert_int_equal(zt__com_read(&r, &com), 0);
    assert_int_equal(zt__rd_left(&r), 0);
    free(b);
    return com;
}

static void test_com_member_a(void **state)
{
    zt_com com = com_at(V, "com_member_a.serialized_hex"), made;
    uint8_t buf[ZT_COM_LEN_MAX], msg[256], h[64];
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    zt_ssize n;
    (void)state;

    assert_int_equal(com.count, 7);
    assert_int_equal(tu_u64(V, "com_member_a.serialized_length"), 272);
    assert_true(zt__com_timestamp(&com) == (int64_t)tu_u64(V, "com_member_a.timestamp"));
    assert_true(zt__com_network_id(&com) == nwid);
    assert_true(zt__com_issued_to(&com) == member_a.address);
    assert_true(com.q[0].max_delta == tu_u64(V, "com_member_a.timestamp_max_delta"));
    assert_true(com.signer == controller.address);

    zt__com_write(&w, &com);
    tu_assert_hex(V, "com_member_a.serialized_hex", buf, (size_t)zt__wr_finish(&w));

    n = zt__com_signed_message(&com, msg, sizeof(msg));
    assert_int_equal(n, 168);
    tu_assert_hex(V, "com_member_a.signed_message_hex", msg, (size_t)n);
    zt__sha512(h, msg, (size_t)n);
    tu_assert_hex(V, "com_member_a.sha512_of_signed_message_first32_hex", h, 32);
    tu_assert_hex(V, "com_member_a.signature_96_hex", com.sig, ZT_SIGNATURE_LEN);

    assert_int_equal(tu_u64(V, "com_member_a.zt_verify_result"), 0);
    assert_int_equal(zt__com_verify(&com, &controller), 0);

    /* controller side: the same COM, built and signed from scratch, byte-identical */
    assert_int_equal(zt__com_init(&made, nwid, zt__com_timestamp(&com), com.q[0].max_delta,
                                  &member_a),
                     0);
    assert_int_equal(zt__com_sign(&made, &controller), 0);
    w = zt__wr_make(buf, sizeof(buf));
    zt__com_write(&w, &made);
    tu_assert_hex(V, "com_member_a.serialized_hex", buf, (size_t)zt__wr_finish(&w));
    assert_true(zt__com_equal(&made, &com));
}

static void test_com_member_b(void **state)
{
    zt_com com = com_at(V, "com_member_b.serialized_hex");
    uint8_t buf[ZT_COM_LEN_MAX];
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    (void)state;

    assert_true(zt__com_timestamp(&com) == (int64_t)tu_u64(V, "com_member_b.timestamp"));
    assert_true(zt__com_issued_to(&com) == member_b.address);
    assert_int_equal(zt__com_verify(&com, &controller), 0);
    zt__com_write(&w, &com);
    tu_assert_hex(V, "com_member_b.serialized_hex", buf, (size_t)zt__wr_finish(&w));
}

static void test_com_agreement(void **state)
{
    json_t *list = tu_get(V, "com_agreement");
    (void)state;
    assert_int_equal(json_array_size(list), 4);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *c = json_array_get(list, i);
        zt_com mine = com_at(c, "mine_hex"), theirs = com_at(c, "theirs_hex");
        zt_identity their = identity_named(tu_str(c, "their_identity"));

        if (zt__com_agrees(&mine, &theirs, &their) != tu_bool(c, "agrees"))
            fail_msg("com_agreement[%zu] (%s): wrong answer", i, tu_str(c, "case"));
        /* every COM in the vectors is validly signed, including the old one */
        assert_int_equal(zt__com_verify(&theirs, &controller), 0);
    }
}

static void test_tag_member_a(void **state)
{
    size_t len;
    uint8_t *b = tu_hex(V, "tag_member_a.serialized_hex", &len);
    uint8_t buf[256];
    zt_rd r = zt__rd_make(b, len);
    zt_tag tag, re;
    zt_wr w;
    zt_ssize n;
    (void)state;

    assert_int_equal(len, ZT_TAG_LEN);
    assert_int_equal(zt__tag_read(&r, &tag), 0);
    assert_int_equal(zt__rd_left(&r), 0);
    assert_int_equal(tag.id, 1000);
    assert_int_equal(tag.value, 7);
    assert_true(tag.issued_to == member_a.address && tag.nwid == nwid);
    w = zt__wr_make(buf, sizeof(buf));
    zt__tag_write(&w, &tag);
    tu_assert_hex(V, "tag_member_a.serialized_hex", buf, (size_t)zt__wr_finish(&w));
    n = zt__tag_signed_message(&tag, buf, sizeof(buf));
    tu_assert_hex(V, "tag_member_a.signed_message_hex", buf, (size_t)n);
    assert_int_equal(tu_u64(V, "tag_member_a.zt_verify_result"), 0);
    assert_int_equal(zt__tag_verify(&tag, &controller), 0);

    re = tag;
    memset(re.sig, 0, sizeof(re.sig));
    re.has_sig = false;
    assert_int_equal(zt__tag_sign(&re, &controller), 0);
    w = zt__wr_make(buf, sizeof(buf));
    zt__tag_write(&w, &re);
    tu_assert_hex(V, "tag_member_a.serialized_hex", buf, (size_t)zt__wr_finish(&w));
    free(b);
}

static void test_coo_member_a(void **state)
{
    size_t len;
    uint8_t *b = tu_hex(V, "coo_member_a.serialized_hex", &len);
    uint8_t buf[512], ip[4] = {10, 147, 17, 42};
    zt_rd r = zt__rd_make(b, len);
    zt_coo coo, re;
    zt_wr w;
    zt_ssize n;
    (void)state;

    assert_int_equal(zt__coo_read(&r, &coo), 0);
    assert_int_equal(zt__rd_left(&r), 0);
    assert_int_equal(coo.id, 1);
    assert_int_equal(coo.thing_count, 1);
    assert_true(zt__coo_owns(&coo, ZT_COO_THING_IPV4, ip, 4));
    ip[3] = 43;
    assert_false(zt__coo_owns(&coo, ZT_COO_THING_IPV4, ip, 4));
    assert_true(coo.issued_to == member_a.address);
    w = zt__wr_make(buf, sizeof(buf));
    zt__coo_write(&w, &coo);
    tu_assert_hex(V, "coo_member_a.serialized_hex", buf, (size_t)zt__wr_finish(&w));
    n = zt__coo_signed_message(&coo, buf, sizeof(buf));
    tu_assert_hex(V, "coo_member_a.signed_message_hex", buf, (size_t)n);
    assert_int_equal(tu_u64(V, "coo_member_a.zt_verify_result"), 0);
    assert_int_equal(zt__coo_verify(&coo, &controller), 0);

    /* controller side: build it from its parts and sign */
    memset(&re, 0, sizeof(re));
    re.nwid = nwid;
    re.timestamp = coo.timestamp;
    re.id = 1;
    re.issued_to = member_a.address;
    ip[3] = 42;
    assert_int_equal(zt__coo_add_thing(&re, ZT_COO_THING_IPV4, ip, 4), 0);
    assert_int_equal(zt__coo_sign(&re, &controller), 0);
    w = zt__wr_make(buf, sizeof(buf));
    zt__coo_write(&w, &re);
    tu_assert_hex(V, "coo_member_a.serialized_hex", buf, (size_t)zt__wr_finish(&w));
    free(b);
}

static void test_capability_member_a(void **state)
{
    size_t len;
    uint8_t *b = tu_hex(V, "capability_member_a.serialized_hex", &len);
    static uint8_t buf[4096];
    zt_rd r = zt__rd_make(b, len);
    static zt_capability cap, re;
    zt_wr w;
    zt_ssize n;
    (void)state;

    assert_int_equal(zt__capability_read(&r, &cap), 0);
    assert_int_equal(zt__rd_left(&r), 0);
    assert_int_equal(cap.id, 2000);
    assert_int_equal(cap.rule_count, 3);
    assert_int_equal(zt__rule_type(&cap.rules[0]), ZT_RULE_MATCH_IP_PROTOCOL);
    assert_int_equal(cap.rules[0].v.ip_protocol, 6);
    assert_int_equal(zt__rule_type(&cap.rules[1]), ZT_RULE_MATCH_IP_DEST_PORT_RANGE);
    assert_int_equal(cap.rules[1].v.range.low, 22);
    assert_int_equal(cap.rules[1].v.range.high, 22);
    assert_int_equal(zt__rule_type(&cap.rules[2]), ZT_RULE_ACTION_ACCEPT);
    assert_int_equal(cap.max_custody, 1);
    assert_int_equal(cap.custody_count, 1);
    assert_true(cap.custody[0].from == controller.address);
    assert_true(zt__capability_issued_to(&cap) == member_a.address);

    w = zt__wr_make(buf, sizeof(buf));
    zt__capability_write(&w, &cap);
    tu_assert_hex(V, "capability_member_a.serialized_hex", buf, (size_t)zt__wr_finish(&w));
    n = zt__capability_signed_message(&cap, buf, sizeof(buf));
    tu_assert_hex(V, "capability_member_a.signed_message_hex", buf, (size_t)n);
    assert_int_equal(tu_u64(V, "capability_member_a.zt_verify_result"), 0);
    assert_int_equal(zt__capability_verify(&cap, &controller, NULL, NULL), 0);

    re = cap;
    re.custody_count = 0;
    memset(re.custody, 0, sizeof(re.custody));
    assert_int_equal(zt__capability_sign(&re, &controller, member_a.address), 0);
    w = zt__wr_make(buf, sizeof(buf));
    zt__capability_write(&w, &re);
    tu_assert_hex(V, "capability_member_a.serialized_hex", buf, (size_t)zt__wr_finish(&w));
    free(b);
}

static void test_revocation_member_b_com(void **state)
{
    size_t len;
    uint8_t *b = tu_hex(V, "revocation_member_b_com.serialized_hex", &len);
    uint8_t buf[256];
    zt_rd r = zt__rd_make(b, len);
    zt_revocation rev, re;
    zt_wr w;
    zt_ssize n;
    int64_t now = (int64_t)tu_u64(V, "timestamp_now_ms");
    (void)state;

    assert_int_equal(len, ZT_REVOCATION_LEN);
    assert_int_equal(zt__revocation_read(&r, &rev), 0);
    assert_int_equal(zt__rd_left(&r), 0);
    assert_int_equal(rev.id, 0x01020304);
    assert_int_equal(rev.type, ZT_CRED_COM);
    assert_int_equal(rev.credential_id, 0);
    assert_true(rev.threshold == now + 1000);
    assert_true(rev.flags == ZT_REVOCATION_FLAG_FAST_PROPAGATE);
    assert_true(rev.target == member_b.address && rev.nwid == nwid);
    w = zt__wr_make(buf, sizeof(buf));
    zt__revocation_write(&w, &rev);
    tu_assert_hex(V, "revocation_member_b_com.serialized_hex", buf, (size_t)zt__wr_finish(&w));
    n = zt__revocation_signed_message(&rev, buf, sizeof(buf));
    tu_assert_hex(V, "revocation_member_b_com.signed_message_hex", buf, (size_t)n);
    assert_int_equal(tu_u64(V, "revocation_member_b_com.zt_verify_result"), 0);
    assert_int_equal(zt__revocation_verify(&rev, &controller), 0);

    re = rev;
    re.has_sig = false;
    memset(re.sig, 0, sizeof(re.sig));
    assert_int_equal(zt__revocation_sign(&re, &controller), 0);
    w = zt__wr_make(buf, sizeof(buf));
    zt__revocation_write(&w, &re);
    tu_assert_hex(V, "revocation_member_b_com.serialized_hex", buf, (size_t)zt__wr_finish(&w));

    /* its effect on member_b's COM (§5.5, §5.8): COM b (now + 10 min) is above the threshold,
     * an older COM at or below it is rejected */
    {
        zt_com com_b = com_at(V, "com_member_b.serialized_hex");
        zt_com old = com_at(json_array_get(tu_get(V, "com_agreement"), 2), "theirs_hex");
        int64_t none = 0;
        assert_int_equal(zt__revocation_admit(&rev, nwid, &none), ZT_CRED_ADMIT_NEW);
        assert_int_equal(zt__revocation_admit(&rev, nwid, &rev.threshold),
                         ZT_CRED_ADMIT_REDUNDANT);
        assert_int_equal(zt__com_admit(&com_b, nwid, NULL, rev.threshold), ZT_CRED_ADMIT_NEW);
        assert_int_equal(zt__com_admit(&old, nwid, NULL, rev.threshold),
                         ZT_CRED_REJECT_REVOKED);
    }
    free(b);
}

static void test_network_credentials(void **state)
{
    size_t len, clen, olen;
    uint8_t *p = tu_hex(V, "network_credentials.payload_hex", &len);
    uint8_t *cb = tu_hex(V, "com_member_a.serialized_hex", &clen);
    uint8_t *ob = tu_hex(V, "coo_member_a.serialized_hex", &olen);
    static zt_credential c;
    zt_netcreds_reader it;
    zt_com com;
    zt_coo coo;
    uint8_t buf[1024];
    zt_wr w;
    zt_rd r;
    (void)state;

    zt__netcreds_begin(&it, p, len);
    assert_int_equal(zt__netcreds_next(&it, &c), 1);
    assert_int_equal(c.type, ZT_CRED_COM);
    com = c.u.com;
    r = zt__rd_make(cb, clen);
    {
        zt_com want;
        assert_int_equal(zt__com_read(&r, &want), 0);
        assert_true(zt__com_equal(&com, &want));
    }
    assert_int_equal(zt__netcreds_next(&it, &c), 1);
    assert_int_equal(c.type, ZT_CRED_COO);
    coo = c.u.coo;
    assert_int_equal(zt__coo_verify(&coo, &controller), 0);
    assert_int_equal(zt__netcreds_next(&it, &c), 0);
    assert_int_equal(zt__netcreds_next(&it, &c), 0);

    w = zt__wr_make(buf, sizeof(buf));
    zt__netcreds_write(&w, &com, NULL, 0, NULL, 0, NULL, 0, &coo, 1);
    tu_assert_hex(V, "network_credentials.payload_hex", buf, (size_t)zt__wr_finish(&w));
    assert_int_equal(zt__wr_len(&w), clen + 1 + 2 + 2 + 2 + 2 + olen);
    free(p);
    free(cb);
    free(ob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha384_qualifiers),
        cmocka_unit_test(test_com_member_a),
        cmocka_unit_test(test_com_member_b),
        cmocka_unit_test(test_com_agreement),
        cmocka_unit_test(test_tag_member_a),
        cmocka_unit_test(test_coo_member_a),
        cmocka_unit_test(test_capability_member_a),
        cmocka_unit_test(test_revocation_member_b_com),
        cmocka_unit_test(test_network_credentials),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
