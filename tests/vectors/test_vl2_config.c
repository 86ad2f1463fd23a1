/* Known-answer tests from tests/vectors/vl2.json: dictionary, network configs (small and
 * large), config chunks and their reassembly, NETWORK_CONFIG_REQUEST, VL2 ERROR payloads and
 * MULTICAST_LIKE. */
#include "testutil.h"

#include <arpa/inet.h>

#include "codec/configchunk.h"
#include "codec/dictionary.h"
#include "codec/ethernet.h"
#include "codec/identity.h"
#include "codec/netconf.h"

static json_t *V;

static uint64_t hex_u64(const char *s)
{
    uint64_t v;
    assert_int_equal(zt__hex_u64(s, strlen(s), &v), 0);
    return v;
}

static zt_identity identity_of(const char *s)
{
    zt_identity id;
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), 0);
    return id;
}

static void test_dictionary(void **state)
{
    json_t *d = json_array_get(tu_get(V, "dictionary"), 0);
    json_t *entries = tu_get(d, "entries");
    uint8_t buf[512], val[256];
    size_t enc_len;
    uint8_t *enc = tu_hex(d, "encoded_hex", &enc_len);
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    zt_dict dict;
    (void)state;

    /* Writer: typed adds reproduce the encoded bytes exactly. */
    assert_int_equal(zt__dict_add_str(&w, "s", "hello world"), 0);
    assert_int_equal(zt__dict_add(&w, "esc", "a\0\r\n\\=z\xff", 8), 0);
    assert_int_equal(zt__dict_add_u64(&w, "u", 0x1234), 0);
    assert_int_equal(zt__dict_add_i64(&w, "i", -5), 0); /* the sign is lost (§4.1) */
    assert_int_equal(zt__dict_add_bool(&w, "b", true), 0);
    assert_int_equal(zt__dict_add(&w, "empty", "", 0), 0);
    assert_int_equal(zt__wr_finish(&w), (zt_ssize)enc_len);
    assert_memory_equal(buf, enc, enc_len);
    /* The text form shows the one 0xff byte as U+00FF, two bytes in UTF-8. */
    assert_int_equal(strlen(tu_str(d, "encoded_text")), enc_len + 1);

    /* Writer: raw values of every entry give the same bytes too. */
    w = zt__wr_make(buf, sizeof(buf));
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        size_t n;
        uint8_t *raw = tu_hex(e, "value_hex", &n);
        assert_int_equal(zt__dict_add(&w, tu_str(e, "key"), raw, n), 0);
        free(raw);
    }
    assert_int_equal(zt__wr_finish(&w), (zt_ssize)enc_len);
    assert_memory_equal(buf, enc, enc_len);

    /* Reader. */
    zt__dict_init(&dict, enc, enc_len);
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        zt_ssize got = zt__dict_get(&dict, tu_str(e, "key"), val, sizeof(val));
        assert_true(got >= 0);
        tu_assert_hex(e, "value_hex", val, (size_t)got);
    }
    assert_int_equal(zt__dict_get_u64(&dict, "u", 0), 0x1234);
    assert_int_equal(zt__dict_get_u64(&dict, "i", 0), 5);
    assert_true(zt__dict_get_bool(&dict, "b", false));
    assert_true(zt__dict_has(&dict, "empty"));
    assert_int_equal(zt__dict_get_u64(&dict, "empty", 77), 77);
    free(enc);
}

/* Checks every decoded value of network_config_small against the parsed config. */
static void check_small_values(json_t *cfg, const zt_netconf *nc, const zt_dict *dict)
{
    json_t *vals = tu_get(cfg, "decoded_values");
    uint8_t *val = malloc(ZT_DICT_CONFIG_MAX);
    assert_non_null(val);

    assert_int_equal(json_array_size(vals), 21);
    for (size_t i = 0; i < json_array_size(vals); i++) {
        json_t *e = json_array_get(vals, i);
        const char *key = tu_str(e, "key");
        zt_ssize got;
        size_t n;
        const uint8_t *blob;

        assert_true(tu_bool(e, "present"));
        got = zt__dict_get(dict, key, val, ZT_DICT_CONFIG_MAX);
        assert_true(got >= 0);
        tu_assert_hex(e, "value_hex", val, (size_t)got);

        /* And the typed field of the netconf. */
        if (strcmp(key, "C") == 0 || strcmp(key, "COO") == 0 || strcmp(key, "R") == 0) {
            zt_netconf_blob_id id = key[0] == 'C' ? (key[1] == 0 ? ZT_NETCONF_BLOB_COM
                                                                  : ZT_NETCONF_BLOB_COOS)
                                                  : ZT_NETCONF_BLOB_RULES;
            blob = zt__netconf_blob(nc, id, &n);
            tu_assert_hex(e, "value_hex", blob, n);
        } else if (strcmp(key, "n") == 0) {
            tu_assert_hex(e, "value_hex", nc->name, strlen(nc->name));
        } else if (strcmp(key, "I") == 0) {
            const uint8_t ip[4] = {10, 147, 17, 42};
            assert_int_equal(nc->n_static_ips, 1);
            assert_int_equal(nc->static_ips[0].family, 4);
            assert_memory_equal(nc->static_ips[0].ip, ip, 4);
            assert_int_equal(nc->static_ips[0].port, 24);
        } else if (strcmp(key, "RT") == 0) {
            const uint8_t ip[4] = {10, 147, 17, 0};
            assert_int_equal(nc->n_routes, 1);
            assert_int_equal(nc->routes[0].target.family, 4);
            assert_memory_equal(nc->routes[0].target.ip, ip, 4);
            assert_int_equal(nc->routes[0].target.port, 24);
            assert_int_equal(nc->routes[0].via.family, 0);
            assert_int_equal(nc->routes[0].flags, 0);
            assert_int_equal(nc->routes[0].metric, 0);
        } else if (strcmp(key, "DNS") == 0) {
            assert_true(nc->has_dns);
            assert_int_equal(nc->dns.domain[0], 0);
            for (unsigned k = 0; k < ZT_NETCONF_MAX_DNS_SERVERS; k++)
                assert_int_equal(nc->dns.servers[k].family, 0);
        } else if (strcmp(key, "ssoe") == 0) {
            assert_false(nc->sso_enabled);
        } else {
            /* Integers and addresses: the hex text of the value. */
            uint64_t want = 0, have = 0;
            assert_int_equal(zt__hex_u64((const char *)val, (size_t)got, &want), 0);
            if (strcmp(key, "v") == 0)
                have = nc->version;
            else if (strcmp(key, "nwid") == 0)
                have = nc->nwid;
            else if (strcmp(key, "ts") == 0)
                have = (uint64_t)nc->timestamp;
            else if (strcmp(key, "ctmd") == 0)
                have = nc->ctmd;
            else if (strcmp(key, "r") == 0)
                have = nc->revision;
            else if (strcmp(key, "id") == 0)
                have = nc->issued_to;
            else if (strcmp(key, "tt") == 0)
                have = nc->trace_target;
            else if (strcmp(key, "tl") == 0)
                have = nc->trace_level;
            else if (strcmp(key, "f") == 0)
                have = nc->flags;
            else if (strcmp(key, "ml") == 0)
                have = nc->multicast_limit;
            else if (strcmp(key, "t") == 0)
                have = nc->type;
            else if (strcmp(key, "mtu") == 0)
                have = nc->mtu;
            else if (strcmp(key, "ssov") == 0)
                have = nc->sso_version;
            else
                fail_msg("decoded key %s not checked", key);
            assert_int_equal(have, want);
        }
    }
    free(val);
}

static void test_network_config_small(void **state)
{
    json_t *cfg = tu_get(V, "network_config_small");
    size_t len;
    uint8_t *dict = tu_hex(cfg, "dictionary_hex", &len);
    uint8_t *out = malloc(ZT_DICT_CONFIG_MAX);
    zt_netconf nc;
    zt_dict d;
    zt_ssize n;
    (void)state;

    assert_non_null(out);
    assert_int_equal(len, tu_u64(cfg, "dictionary_length"));
    assert_int_equal(zt__netconf_parse(&nc, dict, len, NULL), 0);
    assert_int_equal(nc.nwid, hex_u64(tu_str(cfg, "network_id")));
    assert_int_equal(nc.issued_to, hex_u64(tu_str(cfg, "issued_to")));
    assert_int_equal(nc.revision, tu_u64(cfg, "revision"));
    assert_int_equal(nc.timestamp, (int64_t)tu_u64(V, "timestamp_now_ms"));
    assert_string_equal(nc.name, "vl2-test");
    assert_false(zt__netconf_is_public(&nc));
    assert_int_equal(nc.flags, ZT_NETCONF_FLAG_ENABLE_BROADCAST);
    zt__dict_init(&d, dict, len);
    check_small_values(cfg, &nc, &d);

    /* 1.14.1's writer is deterministic: re-encoding gives the same bytes. */
    n = zt__netconf_write(&nc, out, ZT_DICT_CONFIG_MAX);
    assert_int_equal(n, (zt_ssize)len);
    assert_memory_equal(out, dict, len);
    zt__netconf_clear(&nc);
    free(out);
    free(dict);
}

/* Checks one chunk entry: parse, signed portion, hash, signature, verification, and that
 * re-signing with the controller's secret gives both payloads byte for byte. */
static void check_chunk(json_t *cfg, json_t *ch, const uint8_t *dict, size_t dict_len,
                        unsigned chunk_no)
{
    zt_identity ctl = identity_of(tu_str(V, "identities.controller.secret"));
    uint64_t nwid = hex_u64(tu_str(V, "network_id"));
    uint64_t upd = hex_u64(tu_str(cfg, "config_update_id"));
    uint64_t req = hex_u64(tu_str(cfg, "request_packet_id"));
    size_t plen, oklen;
    uint8_t *payload = tu_hex(ch, "network_config_payload_hex", &plen);
    uint8_t *ok = tu_hex(ch, "ok_network_config_request_payload_hex", &oklen);
    uint8_t *buf = malloc(ZT_PKT_MAX_LEN);
    uint8_t digest[64];
    zt_config_chunk c;
    zt_ssize n;

    assert_non_null(buf);
    assert_int_equal(zt__config_chunk_parse(&c, payload, plen), 0);
    assert_true(c.is_signed);
    assert_int_equal(c.wire_len, plen);
    assert_int_equal(c.nwid, nwid);
    assert_int_equal(c.index, tu_u64(ch, "chunk_index"));
    assert_int_equal(c.len, tu_u64(ch, "chunk_length"));
    assert_int_equal(c.total_len, dict_len);
    assert_int_equal(c.update_id, upd);
    assert_int_equal(c.flags, 0);
    assert_memory_equal(c.data, dict + c.index, c.len);
    tu_assert_hex(ch, "signed_portion_hex", c.signed_part, c.signed_len);
    zt__sha512(digest, c.signed_part, c.signed_len);
    tu_assert_hex(ch, "sha512_of_signed_portion_first32_hex", digest, 32);
    tu_assert_hex(ch, "signature_96_hex", c.sig, ZT_SIGNATURE_LEN);
    assert_true(zt__config_chunk_verify(&c, &ctl));

    n = zt__config_chunk_write(buf, ZT_PKT_MAX_LEN, &ctl, nwid, dict, dict_len, chunk_no, 0, upd);
    assert_int_equal(n, (zt_ssize)plen);
    assert_memory_equal(buf, payload, plen);
    n = zt__config_ok_write(buf, ZT_PKT_MAX_LEN, req, &ctl, nwid, dict, dict_len, chunk_no, 0,
                            upd);
    assert_int_equal(n, (zt_ssize)oklen);
    assert_memory_equal(buf, ok, oklen);

    /* The OK payload parses as a chunk after its 9-byte header. */
    assert_int_equal(ok[0], ZT_VERB_NETWORK_CONFIG_REQUEST);
    assert_int_equal(zt__config_chunk_parse(&c, ok + ZT_OK_HEADER_LEN, oklen - ZT_OK_HEADER_LEN),
                     0);
    assert_true(zt__config_chunk_verify(&c, &ctl));
    free(buf);
    free(ok);
    free(payload);
}

/* Reassembles the chunks of |cfg| in the order |order| and returns the dictionary's copy. */
static uint8_t *reassemble(json_t *cfg, const unsigned *order, size_t *len)
{
    json_t *chunks = tu_get(cfg, "chunks");
    zt_identity ctl = identity_of(tu_str(V, "identities.controller.public"));
    uint64_t nwid = hex_u64(tu_str(V, "network_id"));
    zt_config_asm *a;
    uint8_t *result = NULL;

    assert_int_equal(zt__config_asm_new(&a, nwid, 0, NULL), 0);
    for (size_t i = 0; i < json_array_size(chunks); i++) {
        json_t *ch = json_array_get(chunks, order[i]);
        size_t plen, dlen = 0;
        uint8_t *payload = tu_hex(ch, "network_config_payload_hex", &plen);
        const uint8_t *d = NULL;
        uint64_t upd = 0;
        zt_config_chunk c;
        int rv;

        assert_int_equal(zt__config_chunk_parse(&c, payload, plen), 0);
        rv = zt__config_asm_add(a, &c, &ctl, false, &d, &dlen, &upd);
        if (i + 1 < json_array_size(chunks)) {
            assert_int_equal(rv, ZT_ERR_AGAIN);
            /* The same chunk again is a duplicate. */
            assert_int_equal(zt__config_asm_add(a, &c, &ctl, false, &d, &dlen, &upd),
                             ZT_ERR_EXISTS);
        } else {
            assert_int_equal(rv, 0);
            assert_int_equal(upd, hex_u64(tu_str(cfg, "config_update_id")));
            result = malloc(dlen);
            assert_non_null(result);
            memcpy(result, d, dlen);
            *len = dlen;
        }
        free(payload);
    }
    zt__config_asm_del(a);
    return result;
}

static void test_network_config_small_chunks(void **state)
{
    json_t *cfg = tu_get(V, "network_config_small");
    json_t *chunks = tu_get(cfg, "chunks");
    size_t len, got_len;
    uint8_t *dict = tu_hex(cfg, "dictionary_hex", &len);
    const unsigned order[] = {0};
    uint8_t *got;
    (void)state;

    assert_int_equal(json_array_size(chunks), 1);
    assert_int_equal(tu_u64(cfg, "max_chunk_length"), ZT_CHUNK_MAX_DATA);
    assert_int_equal(zt__config_chunk_count(len), 1);
    check_chunk(cfg, json_array_get(chunks, 0), dict, len, 0);
    got = reassemble(cfg, order, &got_len);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, dict, len);
    free(got);
    free(dict);
}

static void test_network_config_large(void **state)
{
    json_t *cfg = tu_get(V, "network_config_large");
    json_t *chunks = tu_get(cfg, "chunks");
    const unsigned fwd[] = {0, 1}, rev[] = {1, 0};
    size_t len, len2;
    uint8_t *dict = reassemble(cfg, fwd, &len), *dict2 = reassemble(cfg, rev, &len2);
    uint8_t digest[64];
    zt_netconf nc;
    uint8_t *out = malloc(ZT_DICT_CONFIG_MAX);
    (void)state;

    assert_non_null(out);
    assert_int_equal(tu_u64(cfg, "chunk_count"), 2);
    assert_int_equal(len, tu_u64(cfg, "dictionary_length"));
    assert_int_equal(zt__config_chunk_count(len), 2);
    zt__sha512(digest, dict, len);
    tu_assert_hex(cfg, "dictionary_sha512_hex", digest, 64);
    assert_int_equal(len2, len);
    assert_memory_equal(dict2, dict, len);
    for (unsigned i = 0; i < 2; i++)
        check_chunk(cfg, json_array_get(chunks, i), dict, len, i);

    /* The config itself: issued to member_b, 100 tags, no COO; and it re-encodes exactly. */
    assert_int_equal(zt__netconf_parse(&nc, dict, len, NULL), 0);
    assert_int_equal(nc.issued_to, hex_u64(tu_str(cfg, "issued_to")));
    {
        size_t n;
        assert_non_null(zt__netconf_blob(&nc, ZT_NETCONF_BLOB_TAGS, &n));
        assert_true(n > 9740);
        assert_null(zt__netconf_blob(&nc, ZT_NETCONF_BLOB_COOS, &n));
    }
    assert_int_equal(zt__netconf_write(&nc, out, ZT_DICT_CONFIG_MAX), (zt_ssize)len);
    assert_memory_equal(out, dict, len);
    zt__netconf_clear(&nc);
    free(out);
    free(dict2);
    free(dict);
}

static void test_network_config_request(void **state)
{
    json_t *r = tu_get(V, "network_config_request");
    const char *text = tu_str(r, "metadata_text");
    uint64_t nwid = hex_u64(tu_str(V, "network_id"));
    uint64_t now = tu_u64(V, "timestamp_now_ms");
    zt_config_meta m, back;
    uint8_t md[ZT_DICT_METADATA_MAX], buf[2048];
    zt_ssize mdlen, n;
    zt_config_request q;
    (void)state;

    zt__config_meta_default(&m);
    snprintf(m.os_arch, sizeof(m.os_arch), "linux-x64");
    mdlen = zt__config_meta_write(&m, md, sizeof(md));
    assert_int_equal(mdlen, (zt_ssize)strlen(text));
    assert_memory_equal(md, text, strlen(text));

    n = zt__config_request_write(buf, sizeof(buf), nwid, md, (size_t)mdlen, 0, 0);
    assert_true(n > 0);
    tu_assert_hex(r, "payload_hex_no_config", buf, (size_t)n);
    n = zt__config_request_write(buf, sizeof(buf), nwid, md, (size_t)mdlen, 5, now);
    assert_true(n > 0);
    tu_assert_hex(r, "payload_hex_have_config", buf, (size_t)n);

    /* Controller side. */
    assert_int_equal(zt__config_request_parse(&q, buf, (size_t)n), 0);
    assert_int_equal(q.nwid, nwid);
    assert_int_equal(q.metadata_len, (size_t)mdlen);
    assert_int_equal(q.have_revision, 5);
    assert_int_equal(q.have_timestamp, now);
    assert_int_equal(zt__config_meta_read(&back, q.metadata, q.metadata_len), 0);
    assert_memory_equal(&back, &m, sizeof(m));
    assert_true(back.version >= ZT_CONFIG_META_VERSION_MIN);
    assert_int_equal(back.rules_engine_rev, 1);
}

static void test_error_payloads(void **state)
{
    json_t *list = tu_get(V, "error_payloads");
    uint64_t nwid = hex_u64(tu_str(V, "network_id"));
    (void)state;

    assert_int_equal(json_array_size(list), 4);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        size_t n;
        uint8_t *p = tu_hex(e, "error_payload_hex", &n), buf[64];
        zt_vl2_error err;

        assert_int_equal(zt__vl2_error_parse(&err, p, n), 0);
        assert_int_equal(err.nwid, nwid);
        assert_int_equal(err.in_re_packet_id, 0xa1b2c3d4e5f60718ULL);
        if (strstr(tu_str(e, "case"), "FRAME") != NULL && strstr(tu_str(e, "case"), "CONFIG") == NULL)
            assert_int_equal(err.in_re_verb, ZT_VERB_FRAME);
        else
            assert_int_equal(err.in_re_verb, ZT_VERB_NETWORK_CONFIG_REQUEST);
        if (strncmp(tu_str(e, "case"), "OBJ_NOT_FOUND", 13) == 0)
            assert_int_equal(err.code, ZT_ERROR_OBJ_NOT_FOUND);
        else if (strncmp(tu_str(e, "case"), "NETWORK_ACCESS_DENIED", 21) == 0)
            assert_int_equal(err.code, ZT_ERROR_NETWORK_ACCESS_DENIED);
        else if (strncmp(tu_str(e, "case"), "UNSUPPORTED_OPERATION", 21) == 0)
            assert_int_equal(err.code, ZT_ERROR_UNSUPPORTED_OPERATION);
        else
            assert_int_equal(err.code, ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE);
        assert_int_equal(zt__vl2_error_write(buf, sizeof(buf), err.in_re_verb,
                                             err.in_re_packet_id, err.code, err.nwid),
                         (zt_ssize)n);
        assert_memory_equal(buf, p, n);
        free(p);
    }
}

static int cmp_group(const void *a, const void *b)
{
    return zt__mgroup_compare(a, b);
}

static void test_multicast_like(void **state)
{
    uint64_t nwid = hex_u64(tu_str(V, "network_id"));
    zt_mgroup g[3] = {
        {ZT_MAC_BROADCAST, 0x0a93112a},
        {0x3333ff112233ULL, 0},
        {ZT_MAC_BROADCAST, 0},
    };
    uint8_t buf[64];
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    zt_rd r;
    (void)state;

    /* Announced sorted (§2.2 order). */
    qsort(g, 3, sizeof(g[0]), cmp_group);
    for (unsigned i = 0; i < 3; i++)
        zt__mlike_write(&w, nwid, &g[i]);
    tu_assert_hex(V, "multicast_like.payload_hex", buf, zt__wr_len(&w));

    r = zt__rd_make(buf, zt__wr_len(&w));
    for (unsigned i = 0; i < 3; i++) {
        uint64_t got_nwid;
        zt_mgroup got;
        assert_int_equal(zt__mlike_read(&r, &got_nwid, &got), 0);
        assert_int_equal(got_nwid, nwid);
        assert_true(zt__mgroup_equal(&got, &g[i]));
    }
    assert_int_equal(zt__rd_left(&r), 0);
}

static void test_constants(void **state)
{
    (void)state;
    assert_int_equal(tu_u64(V, "constants_x86_64.ZT_NETWORKCONFIG_DICT_CAPACITY"),
                     ZT_DICT_CONFIG_MAX + 1);
    assert_int_equal(tu_u64(V, "constants_x86_64.ZT_PROTO_MAX_PACKET_LENGTH"), ZT_PKT_MAX_LEN);
    assert_int_equal(tu_u64(V, "constants_x86_64.max_config_chunk"), ZT_CHUNK_MAX_DATA);
    assert_int_equal(tu_u64(V, "constants_x86_64.ZT_NETWORK_MAX_UPDATE_CHUNKS"),
                     ZT_CHUNK_MAX_PER_CONFIG);
    /* A full chunk in an OK fits one packet: header 28 + OK header 9 + chunk overhead. */
    assert_true(28 + ZT_OK_HEADER_LEN + ZT_CHUNK_OVERHEAD + ZT_CHUNK_MAX_DATA <= ZT_PKT_MAX_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dictionary),
        cmocka_unit_test(test_network_config_small),
        cmocka_unit_test(test_network_config_small_chunks),
        cmocka_unit_test(test_network_config_large),
        cmocka_unit_test(test_network_config_request),
        cmocka_unit_test(test_error_payloads),
        cmocka_unit_test(test_multicast_like),
        cmocka_unit_test(test_constants),
    };
    int rv;

    if (zt__crypto_init() != 0)
        return 1;
    V = tu_load_json("vl2.json");
    rv = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(V);
    return rv;
}
