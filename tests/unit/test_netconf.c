/* Unit tests for core/netconf (vl2.md §4.2-§4.4) and core/configchunk (§3.8-§3.10):
 * acceptance rules, limits, round trips, malformed blobs, allocation failures, request and
 * chunk parsing at every length, and reassembly abuse. */
#include "testutil.h"

#include "codec/configchunk.h"
#include "codec/dictionary.h"
#include "codec/netconf.h"
#include "failmem.h"

#define NWID 0x7064247a5a000001ULL

static zt_identity controller, member;

static zt_identity identity_of(json_t *v, const char *path)
{
    zt_identity id;
    const char *s = tu_str(v, path);
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), 0);
    return id;
}

/* ---- helpers: a dictionary under construction ---- */

typedef struct {
    uint8_t *buf;
    zt_wr w;
} dbuf;

static void db_init(dbuf *b, bool with_required)
{
    b->buf = malloc(ZT_DICT_CONFIG_MAX + 16);
    assert_non_null(b->buf);
    b->w = zt__wr_make(b->buf, ZT_DICT_CONFIG_MAX + 16);
    if (with_required) {
        assert_int_equal(zt__dict_add_u64(&b->w, "v", 7), 0);
        assert_int_equal(zt__dict_add_u64(&b->w, "nwid", NWID), 0);
        assert_int_equal(zt__dict_add_address(&b->w, "id", 0x136548ea94ULL), 0);
    }
}

static int db_parse(dbuf *b, zt_netconf *nc)
{
    return zt__netconf_parse(nc, b->buf, zt__wr_len(&b->w), NULL);
}

/* ---- netconf ---- */

static void test_required_keys(void **state)
{
    zt_netconf nc;
    dbuf b;
    (void)state;

    db_init(&b, false);
    assert_int_equal(db_parse(&b, &nc), ZT_ERR_UNSUPPORTED); /* empty: no v */
    assert_int_equal(zt__dict_add_u64(&b.w, "v", 5), 0);
    assert_int_equal(zt__dict_add_u64(&b.w, "nwid", NWID), 0);
    assert_int_equal(zt__dict_add_address(&b.w, "id", 1), 0);
    assert_int_equal(db_parse(&b, &nc), ZT_ERR_UNSUPPORTED); /* v < 6 */
    free(b.buf);

    db_init(&b, false);
    assert_int_equal(zt__dict_add_u64(&b.w, "v", 6), 0);
    assert_int_equal(zt__dict_add_address(&b.w, "id", 1), 0);
    assert_int_equal(db_parse(&b, &nc), ZT_ERR_INVAL); /* no nwid */
    assert_int_equal(zt__dict_add_u64(&b.w, "nwid", NWID), 0);
    assert_int_equal(db_parse(&b, &nc), 0); /* v 6 is enough */
    zt__netconf_clear(&nc);
    free(b.buf);

    db_init(&b, false);
    assert_int_equal(zt__dict_add_u64(&b.w, "v", 7), 0);
    assert_int_equal(zt__dict_add_u64(&b.w, "nwid", NWID), 0);
    assert_int_equal(zt__dict_add_address(&b.w, "id", 0), 0);
    assert_int_equal(db_parse(&b, &nc), ZT_ERR_INVAL); /* id 0 */
    free(b.buf);
}

static void test_defaults_and_clamps(void **state)
{
    zt_netconf nc;
    dbuf b;
    char name[200];
    (void)state;

    db_init(&b, true);
    assert_int_equal(db_parse(&b, &nc), 0);
    assert_int_equal(nc.mtu, ZT_DEFAULT_MTU);
    assert_int_equal(nc.type, ZT_NETWORK_TYPE_PRIVATE);
    assert_int_equal(nc.multicast_limit, 0);
    assert_false(nc.has_dns);
    assert_int_equal(nc.n_static_ips + nc.n_routes + nc.n_specialists, 0);
    {
        size_t n;
        const uint8_t *p = zt__netconf_blob(&nc, ZT_NETCONF_BLOB_SSO_PROVIDER, &n);
        assert_int_equal(n, 7);
        assert_memory_equal(p, "default", 7);
        assert_null(zt__netconf_blob(&nc, ZT_NETCONF_BLOB_COM, &n));
        assert_null(zt__netconf_blob(&nc, ZT_NETCONF_NBLOBS, &n));
    }
    zt__netconf_clear(&nc);

    assert_int_equal(zt__dict_add_u64(&b.w, "mtu", 100), 0);
    memset(name, 'x', sizeof(name));
    name[150] = '\0';
    assert_int_equal(zt__dict_add_str(&b.w, "n", name), 0);
    assert_int_equal(zt__dict_add_u64(&b.w, "t", 1), 0);
    assert_int_equal(db_parse(&b, &nc), 0);
    assert_int_equal(nc.mtu, ZT_MIN_MTU);
    assert_int_equal(strlen(nc.name), ZT_NETCONF_NAME_MAX);
    assert_true(zt__netconf_is_public(&nc));
    zt__netconf_clear(&nc);
    free(b.buf);

    db_init(&b, true);
    assert_int_equal(zt__dict_add_u64(&b.w, "mtu", 20000), 0);
    assert_int_equal(zt__dict_add(&b.w, "n", "ab\0cd", 5), 0);
    assert_int_equal(db_parse(&b, &nc), 0);
    assert_int_equal(nc.mtu, ZT_MAX_MTU);
    assert_string_equal(nc.name, "ab"); /* a C string in 1.14.1 */
    zt__netconf_clear(&nc);
    free(b.buf);
}

/* Static IPs: limits, null entries, unknown types and truncation at every length. */
static void test_static_ips(void **state)
{
    uint8_t blob[64 * 19];
    zt_wr w = zt__wr_make(blob, sizeof(blob));
    zt_netconf nc;
    dbuf b;
    size_t two;
    (void)state;

    /* 10.0.0.1/8, then a null address, then fd00::1/88 */
    zt__wr_bytes(&w, "\x04\x0a\x00\x00\x01\x00\x08", 7);
    zt__wr_u8(&w, 0);
    zt__wr_bytes(&w, "\x06\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x00\x58", 19);
    two = zt__wr_len(&w);
    for (size_t cut = 0; cut <= two; cut++) {
        int rv;
        db_init(&b, true);
        assert_int_equal(zt__dict_add(&b.w, "I", blob, cut), 0);
        rv = db_parse(&b, &nc);
        if (cut == 0 || cut == 7 || cut == 8 || cut == two) {
            assert_int_equal(rv, 0);
            assert_int_equal(nc.n_static_ips, cut == two ? 2 : cut == 0 ? 0 : 1);
            zt__netconf_clear(&nc);
        } else {
            assert_int_equal(rv, ZT_ERR_TRUNCATED);
        }
        free(b.buf);
    }
    assert_int_equal(nc.static_ips[0].port, 0); /* cleared */

    /* Unknown InetAddress type fails the parse (§4.4). */
    db_init(&b, true);
    assert_int_equal(zt__dict_add(&b.w, "I", "\x05\x01\x02\x03\x04\x00\x08", 7), 0);
    assert_int_equal(db_parse(&b, &nc), ZT_ERR_INVAL);
    free(b.buf);

    /* 40 entries: 32 are read and the rest ignored, even a bad one past the limit. */
    w = zt__wr_make(blob, sizeof(blob));
    for (unsigned i = 0; i < 40; i++) {
        zt__wr_bytes(&w, "\x04\x0a\x00\x00", 4);
        zt__wr_u8(&w, (uint8_t)i);
        zt__wr_u16(&w, 24);
    }
    zt__wr_u8(&w, 0x09);
    db_init(&b, true);
    assert_int_equal(zt__dict_add(&b.w, "I", blob, zt__wr_len(&w)), 0);
    assert_int_equal(db_parse(&b, &nc), 0);
    assert_int_equal(nc.n_static_ips, ZT_NETCONF_MAX_STATIC_IPS);
    assert_int_equal(nc.static_ips[31].ip[3], 31);
    zt__netconf_clear(&nc);
    free(b.buf);

    /* A reserved type-3 entry (length-prefixed, long) is skipped. */
    {
        static uint8_t big[3 + 60000 + 7];
        big[0] = 3;
        big[1] = (uint8_t)(60000 >> 8);
        big[2] = (uint8_t)(60000 & 0xff);
        memcpy(big + 3 + 60000, "\x04\x01\x02\x03\x04\x00\x10", 7);
        db_init(&b, true);
        assert_int_equal(zt__dict_add(&b.w, "I", big, sizeof(big)), 0);
        assert_int_equal(db_parse(&b, &nc), 0);
        assert_int_equal(nc.n_static_ips, 1);
        assert_int_equal(nc.static_ips[0].port, 16);
        zt__netconf_clear(&nc);
        free(b.buf);
    }
}

static void test_routes_specialists_dns(void **state)
{
    static uint8_t blob[200 * 42];
    zt_wr w = zt__wr_make(blob, sizeof(blob));
    zt_netconf nc;
    dbuf b;
    size_t one;
    (void)state;

    /* Routes: 130 entries, 128 kept; truncation anywhere inside the first fails. */
    for (unsigned i = 0; i < 130; i++) {
        zt__wr_bytes(&w, "\x04\x0a\x00", 3);
        zt__wr_u8(&w, (uint8_t)i);
        zt__wr_bytes(&w, "\x00\x00\x18", 3);
        zt__wr_bytes(&w, "\x04\x0a\x00\x00\x01\x00\x00", 7);
        zt__wr_u16(&w, 1);
        zt__wr_u16(&w, (uint16_t)i);
    }
    db_init(&b, true);
    assert_int_equal(zt__dict_add(&b.w, "RT", blob, zt__wr_len(&w)), 0);
    assert_int_equal(db_parse(&b, &nc), 0);
    assert_int_equal(nc.n_routes, ZT_NETCONF_MAX_ROUTES);
    assert_int_equal(nc.routes[127].metric, 127);
    assert_int_equal(nc.routes[5].via.family, 4);
    assert_int_equal(nc.routes[5].flags, 1);
    zt__netconf_clear(&nc);
    free(b.buf);
    one = 7 + 7 + 4;
    for (size_t cut = 1; cut < one; cut++) {
        db_init(&b, true);
        assert_int_equal(zt__dict_add(&b.w, "RT", blob, cut), 0);
        assert_int_equal(db_parse(&b, &nc), ZT_ERR_TRUNCATED);
        free(b.buf);
    }

    /* Specialists: 300 given, 256 kept; a partial trailing entry is ignored. */
    w = zt__wr_make(blob, sizeof(blob));
    for (unsigned i = 0; i < 300; i++)
        zt__wr_u64(&w, ZT_SPECIALIST_ROLE_ACTIVE_BRIDGE | i);
    db_init(&b, true);
    assert_int_equal(zt__dict_add(&b.w, "S", blob, zt__wr_len(&w)), 0);
    assert_int_equal(db_parse(&b, &nc), 0);
    assert_int_equal(nc.n_specialists, ZT_NETCONF_MAX_SPECIALISTS);
    zt__netconf_clear(&nc);
    free(b.buf);
    db_init(&b, true);
    assert_int_equal(zt__dict_add(&b.w, "S", blob, 8 + 5), 0);
    assert_int_equal(db_parse(&b, &nc), 0);
    assert_int_equal(nc.n_specialists, 1);
    assert_int_equal(nc.specialists[0], ZT_SPECIALIST_ROLE_ACTIVE_BRIDGE);
    zt__netconf_clear(&nc);
    free(b.buf);

    /* DNS: domain with its last byte forced to NUL, exactly 4 addresses; short fails. */
    memset(blob, 'd', 128);
    memcpy(blob + 128, "\x04\x08\x08\x08\x08\x00\x35\x00\x00\x00", 10);
    for (size_t cut = 1; cut <= 128 + 10; cut++) {
        int rv;
        db_init(&b, true);
        assert_int_equal(zt__dict_add(&b.w, "DNS", blob, cut), 0);
        rv = db_parse(&b, &nc);
        if (cut == 128 + 10) {
            assert_int_equal(rv, 0);
            assert_true(nc.has_dns);
            assert_int_equal(nc.dns.domain[127], 0);
            assert_int_equal(nc.dns.domain[126], 'd');
            assert_int_equal(nc.dns.servers[0].port, 53);
            zt__netconf_clear(&nc);
        } else {
            assert_int_equal(rv, ZT_ERR_TRUNCATED);
        }
        free(b.buf);
    }
    blob[128] = 0x07;
    db_init(&b, true);
    assert_int_equal(zt__dict_add(&b.w, "DNS", blob, 128 + 10), 0);
    assert_int_equal(db_parse(&b, &nc), ZT_ERR_INVAL);
    free(b.buf);
}

/* A controller builds a config; it parses back to the same bytes. */
static void test_roundtrip(void **state)
{
    zt_netconf nc, back;
    uint8_t *out = malloc(ZT_DICT_CONFIG_MAX), *out2 = malloc(ZT_DICT_CONFIG_MAX);
    const uint8_t ip[4] = {10, 147, 17, 42};
    zt_ssize n, n2;
    zt_dict d;
    zt_dict_entry e;
    size_t pos = 0;
    const char *order[] = {"v", "nwid", "ts", "ctmd", "r", "id", "tt", "tl", "f", "ml",
                           "t", "n", "mtu", "C", "CAP", "TAG", "COO", "S", "RT", "I",
                           "R", "DNS", "ssov", "ssoe", "iurl", "ssoce", "sson", "ssos",
                           "ssocid", "ssop"};
    unsigned k = 0;
    (void)state;

    assert_non_null(out);
    assert_non_null(out2);
    zt__netconf_init(&nc, NULL);
    nc.nwid = NWID;
    nc.issued_to = 0x136548ea94ULL;
    nc.timestamp = 1730000000000LL;
    nc.ctmd = ZT_CTMD_DEFAULT;
    nc.multicast_limit = 32;
    nc.flags = ZT_NETCONF_FLAG_ENABLE_BROADCAST;
    snprintf(nc.name, sizeof(nc.name), "net=\\\n");
    zt__inetaddr_set4(&nc.static_ips[0], ip, 24);
    nc.n_static_ips = 1;
    nc.routes[0].target = nc.static_ips[0];
    nc.n_routes = 1;
    nc.specialists[0] = ZT_SPECIALIST_ROLE_ANCHOR | 0x1122334455ULL;
    nc.n_specialists = 1;
    nc.has_dns = true;
    memcpy(nc.dns.domain, "zt.example", 10);
    zt__inetaddr_set4(&nc.dns.servers[0], ip, 53);
    nc.sso_enabled = true;
    nc.sso_version = 1;
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_COM, "\x01\x00\x00", 3), 0);
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_CAPS, "cap\0\n", 5), 0);
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_TAGS, "tag", 3), 0);
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_COOS, "coo", 3), 0);
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_RULES, "\x01\x00", 2), 0);
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_ISSUER_URL, "https://i", 9), 0);
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_SSO_PROVIDER, "p", 1), 0);
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_COM, "\x01\x02", 2), 0); /* replace */
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_TAGS, NULL, 0), 0);      /* remove */
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_NBLOBS, "x", 1), ZT_ERR_INVAL);
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_CAPS, out, ZT_DICT_CONFIG_MAX),
                     ZT_ERR_RANGE);

    n = zt__netconf_write(&nc, out, ZT_DICT_CONFIG_MAX);
    assert_true(n > 0);
    /* 1.14.1's key order; TAG was removed; SSO v1 keys follow ssoe. */
    zt__dict_init(&d, out, (size_t)n);
    while (zt__dict_next(&d, &pos, &e)) {
        while (k < sizeof(order) / sizeof(order[0]) &&
               (strlen(order[k]) != e.key_len || memcmp(order[k], e.key, e.key_len) != 0))
            k++;
        assert_true(k < sizeof(order) / sizeof(order[0]));
    }
    assert_false(zt__dict_has(&d, "TAG"));
    assert_false(zt__dict_has(&d, "aurl"));

    assert_int_equal(zt__netconf_parse(&back, out, (size_t)n, NULL), 0);
    assert_string_equal(back.name, "net=\\\n");
    assert_int_equal(back.n_static_ips, 1);
    assert_int_equal(back.specialists[0], nc.specialists[0]);
    assert_string_equal((const char *)back.dns.domain, "zt.example");
    n2 = zt__netconf_write(&back, out2, ZT_DICT_CONFIG_MAX);
    assert_int_equal(n2, n);
    assert_memory_equal(out, out2, (size_t)n);

    /* SSO v0 writes aurl and aexpt (sign lost) instead. */
    back.sso_version = 0;
    back.auth_expiry = -5;
    n2 = zt__netconf_write(&back, out2, ZT_DICT_CONFIG_MAX);
    assert_true(n2 > 0);
    zt__dict_init(&d, out2, (size_t)n2);
    assert_true(zt__dict_has(&d, "aurl"));
    assert_int_equal(zt__dict_get_u64(&d, "aexpt", 0), 5);
    assert_false(zt__dict_has(&d, "iurl"));

    /* Writer capacity: every short buffer fails cleanly. */
    for (size_t cap = 0; cap < (size_t)n; cap += 7)
        assert_int_equal(zt__netconf_write(&nc, out2, cap), ZT_ERR_NOSPACE);

    zt__netconf_clear(&back);
    zt__netconf_clear(&nc);
    free(out2);
    free(out);
}

static void test_oversize_and_nul(void **state)
{
    uint8_t *big = malloc(ZT_DICT_CONFIG_MAX + 2);
    zt_netconf nc;
    dbuf b;
    (void)state;

    assert_non_null(big);
    memset(big, 'x', ZT_DICT_CONFIG_MAX + 2);
    assert_int_equal(zt__netconf_parse(&nc, big, ZT_DICT_CONFIG_MAX + 1, NULL), ZT_ERR_RANGE);
    /* A NUL ends the text (what follows is ignored). */
    db_init(&b, true);
    zt__wr_u8(&b.w, 0);
    zt__wr_bytes(&b.w, "\nmtu=0", 6);
    assert_int_equal(db_parse(&b, &nc), 0);
    assert_int_equal(nc.mtu, ZT_DEFAULT_MTU);
    zt__netconf_clear(&nc);
    free(b.buf);
    free(big);
}

static void test_alloc_failure(void **state)
{
    failmem_state st;
    zt_netconf nc;
    dbuf b;
    unsigned k;
    (void)state;

    db_init(&b, true);
    assert_int_equal(zt__dict_add(&b.w, "I", "\x04\x0a\x00\x00\x01\x00\x08", 7), 0);
    assert_int_equal(zt__dict_add(&b.w, "C", "com", 3), 0);
    for (k = 1;; k++) {
        zt_mem mem = failmem_make(&st, k);
        int rv = zt__netconf_parse(&nc, b.buf, zt__wr_len(&b.w), &mem);
        if (rv == 0) {
            zt__netconf_clear(&nc);
            assert_int_equal(st.live, 0);
            break;
        }
        assert_int_equal(rv, ZT_ERR_NOMEM);
        assert_int_equal(st.live, 0);
    }
    assert_true(k >= 3); /* scratch + arena each failed once */
    free(b.buf);
}

/* ---- NETWORK_CONFIG_REQUEST ---- */

static void test_request(void **state)
{
    zt_config_meta m, back;
    uint8_t md[ZT_DICT_METADATA_MAX + 8], buf[1200];
    zt_config_request q;
    zt_ssize mdlen, n;
    (void)state;

    zt__config_meta_default(&m);
    snprintf(m.auth, sizeof(m.auth), "token:abc=def");
    mdlen = zt__config_meta_write(&m, md, sizeof(md));
    assert_true(mdlen > 0);
    assert_int_equal(zt__config_meta_read(&back, md, (size_t)mdlen), 0);
    assert_string_equal(back.auth, "token:abc=def");
    assert_string_equal(back.os_arch, "");

    /* Metadata that cannot fit 1023 bytes is refused. */
    memset(m.auth, 'a', sizeof(m.auth) - 1);
    snprintf(m.os_arch, sizeof(m.os_arch), "%0127d", 0);
    memset(m.auth + 200, '=', 300); /* escaped: two bytes each */
    assert_int_equal(zt__config_meta_write(&m, md, sizeof(md)), ZT_ERR_NOSPACE);
    memset(md, 'x', sizeof(md));
    assert_int_equal(zt__config_meta_read(&back, md, ZT_DICT_METADATA_MAX + 1), ZT_ERR_RANGE);
    assert_int_equal(zt__config_request_write(buf, sizeof(buf), NWID, md,
                                              ZT_DICT_METADATA_MAX + 1, 0, 0),
                     ZT_ERR_RANGE);

    /* Every truncation of a request: short header or metadata fails; the trailer is optional. */
    n = zt__config_request_write(buf, sizeof(buf), NWID, (const uint8_t *)"v=7", 3, 9, 10);
    assert_int_equal(n, 8 + 2 + 3 + 16);
    for (size_t cut = 0; cut <= (size_t)n; cut++) {
        uint8_t *copy = malloc(cut + 1);
        int rv;
        assert_non_null(copy);
        memcpy(copy, buf, cut);
        rv = zt__config_request_parse(&q, copy, cut);
        if (cut < 13) {
            assert_int_equal(rv, ZT_ERR_TRUNCATED);
        } else {
            assert_int_equal(rv, 0);
            assert_int_equal(q.nwid, NWID);
            assert_int_equal(q.metadata_len, 3);
            assert_int_equal(q.have_revision, cut == (size_t)n ? 9 : 0);
            assert_int_equal(q.have_timestamp, cut == (size_t)n ? 10 : 0);
        }
        free(copy);
    }
    /* A declared metadata length over 1023 is refused before reading it. */
    buf[8] = 0x04;
    buf[9] = 0x00;
    assert_int_equal(zt__config_request_parse(&q, buf, (size_t)n), ZT_ERR_RANGE);
}

/* ---- chunks ---- */

/* A chunk with arbitrary fields, signed by |signer| over its signed part. */
static size_t make_chunk(uint8_t *out, size_t cap, const zt_identity *signer, uint64_t nwid,
                         const uint8_t *data, size_t n, uint64_t update_id, uint32_t total,
                         uint32_t index)
{
    zt_wr w = zt__wr_make(out, cap);
    uint8_t sig[ZT_SIGNATURE_LEN];

    zt__wr_u64(&w, nwid);
    zt__wr_u16(&w, (uint16_t)n);
    zt__wr_bytes(&w, data, n);
    zt__wr_u8(&w, 0);
    zt__wr_u64(&w, update_id);
    zt__wr_be(&w, total, 4);
    zt__wr_be(&w, index, 4);
    assert_false(w.overflow);
    assert_int_equal(zt__identity_sign(signer, out, zt__wr_len(&w), sig), 0);
    zt__wr_u8(&w, 1);
    zt__wr_u16(&w, ZT_SIGNATURE_LEN);
    zt__wr_bytes(&w, sig, sizeof(sig));
    assert_false(w.overflow);
    return zt__wr_len(&w);
}

static int offer(zt_config_asm *a, const uint8_t *p, size_t len, const zt_identity *ctl)
{
    zt_config_chunk c;
    const uint8_t *d = NULL;
    size_t dl = 0;
    uint64_t upd = 0;
    int rv = zt__config_chunk_parse(&c, p, len);

    if (rv != 0)
        return rv;
    return zt__config_asm_add(a, &c, ctl, false, &d, &dl, &upd);
}

static void test_chunk_parse(void **state)
{
    uint8_t buf[256], copy[256];
    const uint8_t data[] = "nwid=7064247a5a000001";
    size_t n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 21, 7, 21, 0);
    zt_config_chunk c;
    (void)state;

    for (size_t cut = 0; cut <= n; cut++) {
        int rv;
        memcpy(copy, buf, cut);
        rv = zt__config_chunk_parse(&c, copy, cut);
        if (cut == 10 + 21) {
            assert_int_equal(rv, 0); /* legacy unsigned whole config */
            assert_false(c.is_signed);
            assert_int_equal(c.total_len, 21);
        } else if (cut == n) {
            assert_int_equal(rv, 0);
            assert_true(c.is_signed);
            assert_true(zt__config_chunk_verify(&c, &controller));
            assert_false(zt__config_chunk_verify(&c, &member));
        } else {
            assert_int_equal(rv, ZT_ERR_TRUNCATED);
        }
    }
    memcpy(copy, buf, n);
    copy[10 + 21 + 17] = 2; /* signature type */
    assert_int_equal(zt__config_chunk_parse(&c, copy, n), ZT_ERR_UNSUPPORTED);
    memcpy(copy, buf, n);
    copy[10 + 21 + 17 + 2] = 95; /* signature length */
    assert_int_equal(zt__config_chunk_parse(&c, copy, n), ZT_ERR_INVAL);
    /* index + n > total, and total over the capacity. */
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 21, 7, 30, 10);
    assert_int_equal(zt__config_chunk_parse(&c, buf, n), ZT_ERR_RANGE);
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 21, 7, ZT_DICT_CONFIG_MAX + 1, 0);
    assert_int_equal(zt__config_chunk_parse(&c, buf, n), ZT_ERR_RANGE);
    /* Trailing bytes after the signature are ignored. */
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 21, 7, 21, 0);
    assert_int_equal(zt__config_chunk_parse(&c, buf, n + 5), 0);
    assert_int_equal(c.wire_len, n);
}

static void test_chunk_write_args(void **state)
{
    uint8_t buf[ZT_PKT_MAX_LEN];
    const uint8_t d[] = "v=7";
    zt_identity pub = controller;
    (void)state;

    pub.has_secret = false;
    assert_int_equal(zt__config_chunk_write(buf, sizeof(buf), &pub, NWID, d, 3, 0, 0, 1),
                     ZT_ERR_INVAL);
    assert_int_equal(zt__config_chunk_write(buf, sizeof(buf), &member, NWID, d, 3, 0, 0, 1),
                     ZT_ERR_INVAL); /* not this network's controller */
    assert_int_equal(zt__config_chunk_write(buf, sizeof(buf), &controller, NWID, d, 3, 0, 0, 0),
                     ZT_ERR_INVAL); /* update ID 0 */
    assert_int_equal(zt__config_chunk_write(buf, sizeof(buf), &controller, NWID, d, 0, 0, 0, 1),
                     ZT_ERR_RANGE);
    assert_int_equal(zt__config_chunk_write(buf, sizeof(buf), &controller, NWID, d, 3, 1, 0, 1),
                     ZT_ERR_RANGE);
    assert_int_equal(zt__config_chunk_write(buf, 10, &controller, NWID, d, 3, 0, 0, 1),
                     ZT_ERR_NOSPACE);
    assert_int_equal(zt__config_chunk_write(buf, sizeof(buf), &controller, NWID, d, 3, 0, 0, 1),
                     ZT_CHUNK_OVERHEAD + 3);
    assert_int_equal(zt__config_push_ok_write(buf, sizeof(buf), 1, NWID, 2), 25);
    assert_int_equal(buf[0], ZT_VERB_ECHO);
    assert_int_equal(zt__config_push_ok_write(buf, 24, 1, NWID, 2), ZT_ERR_NOSPACE);
}

static void test_asm_abuse(void **state)
{
    static uint8_t dict[600];
    uint8_t buf[1024], forged[1024];
    zt_config_asm *a;
    zt_config_chunk c;
    const uint8_t *d;
    size_t n, dl;
    uint64_t upd;
    (void)state;

    for (size_t i = 0; i < sizeof(dict); i++)
        dict[i] = (uint8_t)('a' + i % 26);
    assert_int_equal(zt__config_asm_new(&a, NWID, 500, NULL), 0);

    /* Wrong network, update ID 0, empty chunk, total over this reassembler's limit. */
    n = make_chunk(buf, sizeof(buf), &controller, NWID + 1, dict, 10, 1, 10, 0);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_INVAL);
    n = make_chunk(buf, sizeof(buf), &controller, NWID, dict, 10, 0, 10, 0);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_INVAL);
    n = make_chunk(buf, sizeof(buf), &controller, NWID, dict, 0, 1, 10, 0);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_RANGE);
    n = make_chunk(buf, sizeof(buf), &controller, NWID, dict, 10, 1, 501, 0);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_RANGE);

    /* Unknown controller, a forged signer, a tampered byte. */
    n = make_chunk(buf, sizeof(buf), &controller, NWID, dict, 10, 1, 20, 0);
    assert_int_equal(offer(a, buf, n, NULL), ZT_ERR_NOTFOUND);
    assert_int_equal(offer(a, buf, n, &member), ZT_ERR_AUTH);
    n = make_chunk(forged, sizeof(forged), &member, NWID, dict, 10, 1, 20, 0);
    assert_int_equal(offer(a, forged, n, &controller), ZT_ERR_AUTH);
    memcpy(forged, buf, n);
    forged[12] ^= 1;
    assert_int_equal(offer(a, forged, n, &controller), ZT_ERR_AUTH);

    /* Good first half; duplicate; overlapping; disagreeing total. */
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_AGAIN);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_EXISTS);
    n = make_chunk(buf, sizeof(buf), &controller, NWID, dict + 5, 10, 1, 20, 5);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_RANGE);
    n = make_chunk(buf, sizeof(buf), &controller, NWID, dict + 10, 10, 1, 21, 10);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_RANGE);
    /* The real second half completes it. */
    n = make_chunk(buf, sizeof(buf), &controller, NWID, dict + 10, 10, 1, 20, 10);
    assert_int_equal(zt__config_chunk_parse(&c, buf, n), 0);
    assert_int_equal(zt__config_asm_add(a, &c, &controller, false, &d, &dl, &upd), 0);
    assert_int_equal(dl, 20);
    assert_int_equal(upd, 1);
    assert_memory_equal(d, dict, 20);
    /* Anything more for that update is a duplicate or an overlap. */
    assert_int_equal(zt__config_asm_add(a, &c, &controller, false, &d, &dl, &upd),
                     ZT_ERR_EXISTS);

    /* Legacy unsigned form: only from the controller. */
    memcpy(buf, "\x70\x64\x24\x7a\x5a\x00\x00\x01\x00\x05hello", 15);
    assert_int_equal(zt__config_chunk_parse(&c, buf, 15), 0);
    assert_int_equal(zt__config_asm_add(a, &c, &controller, false, &d, &dl, &upd),
                     ZT_ERR_AUTH);
    assert_int_equal(zt__config_asm_add(a, &c, NULL, true, &d, &dl, &upd), 0);
    assert_int_equal(dl, 5);
    assert_int_equal(upd, 0);
    assert_memory_equal(d, "hello", 5);
    zt__config_asm_del(a);
}

/* More than 474 chunks for one update are refused. */
static void test_asm_chunk_limit(void **state)
{
    uint8_t buf[256];
    const uint8_t data[] = "x";
    zt_config_asm *a;
    size_t n;
    unsigned i;
    (void)state;

    assert_int_equal(zt__config_asm_new(&a, NWID, 0, NULL), 0);
    for (i = 0; i < ZT_CHUNK_MAX_PER_CONFIG; i++) {
        n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 1, 9, 1000, i);
        assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_AGAIN);
    }
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 1, 9, 1000, i);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_LIMIT);
    zt__config_asm_del(a);
}

/* Three updates in flight at once; a fourth evicts the least recently used. */
static void test_asm_slots(void **state)
{
    uint8_t buf[256];
    const uint8_t data[] = "0123456789";
    zt_config_asm *a;
    size_t n;
    (void)state;

    assert_int_equal(zt__config_asm_new(&a, NWID, 0, NULL), 0);
    for (uint64_t u = 1; u <= 3; u++) {
        n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 5, u, 10, 0);
        assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_AGAIN);
    }
    /* Touch update 1, so 2 is now the oldest; update 4 takes 2's slot. */
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 5, 1, 10, 0);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_EXISTS); /* no touch on dup */
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 2, 1, 10, 5);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_AGAIN);
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 5, 4, 10, 0);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_AGAIN);
    /* Update 2's second half now starts a fresh slot (its first half was evicted). */
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data + 5, 5, 2, 10, 5);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_AGAIN);
    /* Update 3 was the oldest then and is gone too; 1 and 4 still complete. */
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data + 7, 3, 1, 10, 7);
    assert_int_equal(offer(a, buf, n, &controller), 0);
    n = make_chunk(buf, sizeof(buf), &controller, NWID, data + 5, 5, 4, 10, 5);
    assert_int_equal(offer(a, buf, n, &controller), 0);
    zt__config_asm_del(a);
    zt__config_asm_del(NULL);
}

static void test_asm_alloc_failure(void **state)
{
    failmem_state st;
    uint8_t buf[256];
    const uint8_t data[] = "0123456789";
    size_t n = make_chunk(buf, sizeof(buf), &controller, NWID, data, 10, 3, 10, 0);
    zt_config_asm *a;
    (void)state;

    zt_mem m1 = failmem_make(&st, 1), m2;

    assert_int_equal(zt__config_asm_new(&a, NWID, 0, &m1), ZT_ERR_NOMEM);
    m2 = failmem_make(&st, 2);
    assert_int_equal(zt__config_asm_new(&a, NWID, 0, &m2), 0);
    assert_int_equal(offer(a, buf, n, &controller), ZT_ERR_NOMEM);
    assert_int_equal(offer(a, buf, n, &controller), 0); /* the slot is usable afterwards */
    zt__config_asm_del(a);
    assert_int_equal(st.live, 0);
}

static void test_error_parse(void **state)
{
    uint8_t buf[64];
    zt_vl2_error e;
    zt_ssize n = zt__vl2_error_write(buf, sizeof(buf), ZT_VERB_NETWORK_CONFIG_REQUEST, 1,
                                     ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED, NWID);
    (void)state;

    assert_int_equal(n, 18);
    for (size_t cut = 0; cut < 18; cut++)
        assert_int_equal(zt__vl2_error_parse(&e, buf, cut), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__vl2_error_parse(&e, buf, 18), 0);
    assert_null(e.auth_dict);
    memcpy(buf + 18, "\x00\x04\x61\x56\x3d\x30", 6); /* aV=0 */
    assert_int_equal(zt__vl2_error_parse(&e, buf, 24), 0);
    assert_int_equal(e.auth_dict_len, 4);
    assert_memory_equal(e.auth_dict, "aV=0", 4);
    assert_int_equal(zt__vl2_error_parse(&e, buf, 23), ZT_ERR_TRUNCATED);
    buf[9] = ZT_ERROR_UNWANTED_MULTICAST;
    memcpy(buf + 18, "\xff\xff\xff\xff\xff\xff\x0a\x00\x00\x01", 10);
    assert_int_equal(zt__vl2_error_parse(&e, buf, 28), 0);
    assert_true(e.has_group);
    assert_int_equal(e.group.mac, ZT_MAC_BROADCAST);
    assert_int_equal(e.group.adi, 0x0a000001);
    assert_int_equal(zt__vl2_error_write(buf, 17, 0, 0, 0, 0), ZT_ERR_NOSPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required_keys),
        cmocka_unit_test(test_defaults_and_clamps),
        cmocka_unit_test(test_static_ips),
        cmocka_unit_test(test_routes_specialists_dns),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_oversize_and_nul),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_chunk_parse),
        cmocka_unit_test(test_chunk_write_args),
        cmocka_unit_test(test_asm_abuse),
        cmocka_unit_test(test_asm_chunk_limit),
        cmocka_unit_test(test_asm_slots),
        cmocka_unit_test(test_asm_alloc_failure),
        cmocka_unit_test(test_error_parse),
    };
    json_t *v;
    int rv;

    if (zt__crypto_init() != 0)
        return 1;
    v = tu_load_json("vl2.json");
    controller = identity_of(v, "identities.controller.secret");
    member = identity_of(v, "identities.member_a.secret");
    json_decref(v);
    rv = cmocka_run_group_tests(tests, NULL, NULL);
    return rv;
}
