/*
 * test_configcache.c: the cached network config and its controller's signatures
 * (src/codec/configcache.c), on its own and in a node joining with a cache (issue 9: a
 * networks.d file truncated to 500 bytes was applied as a valid config).
 */
#include "memworld.h"

#include "codec/configcache.h"
#include "codec/dictionary.h"

#define MEMBER 0x0102030405ULL

static zt_identity ctl; /* with its secret; generated once */

static uint64_t nwid_of(const zt_identity *c, unsigned n)
{
    return c->address << 24 | n;
}

/* A config dictionary for |nwid| issued to MEMBER, with a rules blob of |pad| bytes so that
 * it can be made to span several chunks. */
static size_t make_dict(uint64_t nwid, size_t pad, uint8_t *out, size_t cap)
{
    static const uint8_t ip[4] = {10, 1, 2, 3};
    zt_netconf nc;
    uint8_t *blob = calloc(1, pad + 1);
    zt_ssize n;

    assert_non_null(blob);
    for (size_t i = 0; i < pad; i++)
        blob[i] = (uint8_t)(i * 7);
    zt__netconf_init(&nc, NULL);
    nc.nwid = nwid;
    nc.issued_to = MEMBER;
    nc.timestamp = 1700000000000;
    nc.revision = 3;
    snprintf(nc.name, sizeof(nc.name), "cached");
    zt__inetaddr_set4(&nc.static_ips[0], ip, 24);
    nc.n_static_ips = 1;
    if (pad > 0)
        assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_RULES, blob, pad), 0);
    n = zt__netconf_write(&nc, out, cap);
    assert_true(n > 0);
    zt__netconf_clear(&nc);
    free(blob);
    return (size_t)n;
}

/* Cuts |dict| into chunks signed by |signer| (update |update_id|) and feeds them to |a|, as
 * from the wire; checks the last one completes it. */
static void deliver(zt_config_asm *a, const zt_identity *signer, uint64_t nwid,
                    const uint8_t *dict, size_t len, uint64_t update_id)
{
    unsigned count = zt__config_chunk_count(len);
    zt_identity pub = *signer;
    static uint8_t buf[ZT_CHUNK_MAX_DATA + 256];

    pub.has_secret = false;
    for (unsigned i = 0; i < count; i++) {
        zt_config_chunk c;
        const uint8_t *got = NULL;
        size_t glen = 0;
        uint64_t uid = 0;
        zt_ssize n = zt__config_chunk_write(buf, sizeof(buf), signer, nwid, dict, len, i, 0,
                                            update_id);
        assert_true(n > 0);
        assert_int_equal(zt__config_chunk_parse(&c, buf, (size_t)n), 0);
        assert_int_equal(zt__config_asm_add(a, &c, &pub, true, &got, &glen, &uid),
                         i + 1 == count ? 0 : ZT_ERR_AGAIN);
    }
}

typedef struct {
    uint8_t *file;
    size_t len;
    uint64_t nwid;
    size_t dict_len;
} cached;

/* The cache file for a dictionary with |pad| rules bytes, signed by |signer|. */
static cached make_cached(const zt_identity *signer, size_t pad)
{
    static uint8_t dict[ZT_DICT_CONFIG_MAX];
    zt_identity pub = *signer;
    zt_config_asm *a = NULL;
    cached c = {.nwid = nwid_of(signer, 7)};

    pub.has_secret = false;
    c.dict_len = make_dict(c.nwid, pad, dict, sizeof(dict));
    assert_int_equal(zt__config_asm_new(&a, c.nwid, 0, NULL), 0);
    deliver(a, signer, c.nwid, dict, c.dict_len, 0x1234);
    assert_int_equal(zt__config_cache_make(a, 0x1234, &pub, dict, c.dict_len, NULL, &c.file,
                                           &c.len),
                     0);
    zt__config_asm_del(a);
    return c;
}

static int check(const uint8_t *file, size_t len, uint64_t nwid, const zt_identity *known,
                 unsigned flags, char *why, size_t cap)
{
    size_t off = 0, dlen = 0;

    why[0] = 0;
    return zt__config_cache_check(file, len, nwid, MEMBER, known, flags, NULL, &off, &dlen, why,
                                  cap);
}

static int group_setup(void **state)
{
    (void)state;
    assert_int_equal(zt__crypto_init(), 0);
    assert_int_equal(zt__identity_generate(&ctl, NULL), 0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    zt__identity_clear(&ctl);
    return 0;
}

/* ---- the file on its own ------------------------------------------------------------------ */

/* One chunk: the file is the key, then the dictionary exactly as signed; both our reader and
 * a reader that skips unknown keys (1.14.1) see the same config in the whole file. */
static void test_round_trip(void **state)
{
    cached c = make_cached(&ctl, 0);
    size_t off = 0, dlen = 0;
    zt_netconf nc;
    char why[160];
    (void)state;

    assert_memory_equal(c.file, ZT_CONFIG_CACHE_KEY "=", sizeof(ZT_CONFIG_CACHE_KEY));
    assert_int_equal(zt__config_cache_check(c.file, c.len, c.nwid, MEMBER, NULL, 0, NULL, &off,
                                            &dlen, why, sizeof(why)),
                     0);
    assert_int_equal(dlen, c.dict_len);
    assert_int_equal(off + dlen, c.len);
    assert_int_equal(c.file[off - 1], '\n');
    zt__netconf_init(&nc, NULL);
    assert_int_equal(zt__netconf_parse(&nc, c.file, c.len, NULL), 0);
    assert_int_equal(nc.nwid, c.nwid);
    assert_int_equal(nc.n_static_ips, 1);
    zt__netconf_clear(&nc);
    free(c.file);
}

/* Several chunks; with no known controller and ZT_CONFIG_CACHE_VALIDATE its identity is
 * validated (and passes). */
static void test_round_trip_chunks(void **state)
{
    cached c = make_cached(&ctl, 2 * ZT_CHUNK_MAX_DATA + 100);
    zt_identity pub = ctl;
    char why[160];
    (void)state;

    pub.has_secret = false;
    assert_true(zt__config_chunk_count(c.dict_len) >= 3);
    assert_int_equal(check(c.file, c.len, c.nwid, NULL, ZT_CONFIG_CACHE_VALIDATE, why,
                           sizeof(why)),
                     0);
    assert_int_equal(check(c.file, c.len, c.nwid, &pub, 0, why, sizeof(why)), 0);
    free(c.file);
}

/* The tester's case: the file cut to 500 bytes of dictionary; and cuts elsewhere. */
static void test_truncated(void **state)
{
    cached c = make_cached(&ctl, 0);
    size_t off = c.len - c.dict_len;
    char why[160], want[64];
    (void)state;

    assert_true(c.dict_len > 500);
    assert_int_equal(check(c.file, off + 500, c.nwid, NULL, 0, why, sizeof(why)),
                     ZT_ERR_TRUNCATED);
    snprintf(want, sizeof(want), "truncated: 500 of %zu bytes", c.dict_len);
    assert_string_equal(why, want);
    assert_int_equal(check(c.file, off, c.nwid, NULL, 0, why, sizeof(why)), ZT_ERR_TRUNCATED);
    assert_int_equal(check(c.file, 500 < off ? 500 : off - 1, c.nwid, NULL, 0, why,
                           sizeof(why)),
                     ZT_ERR_AUTH);
    assert_non_null(strstr(why, "no controller signatures"));
    assert_int_equal(check(c.file, 0, c.nwid, NULL, 0, why, sizeof(why)), ZT_ERR_AUTH);
    free(c.file);
}

/* One byte changed near the end of the dictionary, or one byte added. */
static void test_altered(void **state)
{
    cached c = make_cached(&ctl, 0);
    uint8_t *more = calloc(1, c.len + 1);
    char why[160];
    (void)state;

    c.file[c.len - 3] ^= 0x01;
    assert_int_equal(check(c.file, c.len, c.nwid, NULL, 0, why, sizeof(why)), ZT_ERR_AUTH);
    assert_non_null(strstr(why, "bad controller signature"));
    c.file[c.len - 3] ^= 0x01;

    assert_non_null(more);
    memcpy(more, c.file, c.len);
    more[c.len] = 'x';
    assert_int_equal(check(more, c.len + 1, c.nwid, NULL, 0, why, sizeof(why)), ZT_ERR_RANGE);
    assert_non_null(strstr(why, "extended"));
    free(more);
    free(c.file);
}

/* A plain dictionary (zerotier-one's, or an older version's file) cannot be checked. */
static void test_unsigned(void **state)
{
    cached c = make_cached(&ctl, 0);
    size_t off = c.len - c.dict_len;
    char why[160];
    (void)state;

    assert_int_equal(check(c.file + off, c.dict_len, c.nwid, NULL, 0, why, sizeof(why)),
                     ZT_ERR_AUTH);
    assert_non_null(strstr(why, "no controller signatures"));
    free(c.file);
}

/* Signed, but for another node, network or key. */
static void test_not_ours(void **state)
{
    cached c = make_cached(&ctl, 0);
    zt_identity other = ctl;
    size_t off = 0, dlen = 0;
    char why[160];
    (void)state;

    assert_int_equal(zt__config_cache_check(c.file, c.len, c.nwid, MEMBER + 1, NULL, 0, NULL,
                                            &off, &dlen, why, sizeof(why)),
                     ZT_ERR_INVAL);
    assert_non_null(strstr(why, "issued to 0102030405"));
    /* The network ID is part of what was signed. */
    assert_int_equal(check(c.file, c.len, c.nwid + 1, NULL, 0, why, sizeof(why)), ZT_ERR_AUTH);
    /* A controller we know under another key. */
    other.has_secret = false;
    other.pub[40] ^= 0x40;
    assert_int_equal(check(c.file, c.len, c.nwid, &other, 0, why, sizeof(why)), ZT_ERR_AUTH);
    assert_non_null(strstr(why, "not controller"));
    free(c.file);
}

/* A key under the controller's address that is not its identity: well signed, but only local
 * validation (the memory-hard address proof) tells it from the real one. */
static void test_forged_identity(void **state)
{
    zt_identity fake = ctl;
    cached c;
    char why[160];
    (void)state;

    zt__keypair_generate(fake.pub, fake.sec);
    c = make_cached(&fake, 0);
    assert_int_equal(check(c.file, c.len, c.nwid, NULL, 0, why, sizeof(why)), 0);
    assert_int_equal(check(c.file, c.len, c.nwid, NULL, ZT_CONFIG_CACHE_VALIDATE, why,
                           sizeof(why)),
                     ZT_ERR_AUTH);
    assert_non_null(strstr(why, "fails validation"));
    zt__identity_clear(&fake);
    free(c.file);
}

/* Chunk records that overlap, re-escaped into an otherwise good file. */
static void test_bad_cover(void **state)
{
    cached c = make_cached(&ctl, 2 * ZT_CHUNK_MAX_DATA);
    static uint8_t proof[ZT_CONFIG_PROOF_MAX];
    size_t key = sizeof(ZT_CONFIG_CACHE_KEY), off = c.len - c.dict_len, cap = c.len + 64;
    uint8_t *file = calloc(1, cap);
    zt_ssize plen = zt__dict_unescape(c.file + key, off - 1 - key, proof, sizeof(proof));
    uint8_t *second = proof + ZT_CONFIG_PROOF_HEAD + ZT_CONFIG_PROOF_CHUNK;
    zt_wr w;
    char why[160];
    (void)state;

    assert_true(plen > (zt_ssize)(ZT_CONFIG_PROOF_HEAD + 2 * ZT_CONFIG_PROOF_CHUNK));
    assert_non_null(file);
    second[3] = (uint8_t)(second[3] - 1); /* its index one byte lower: overlaps the first */
    w = zt__wr_make(file, cap);
    assert_int_equal(zt__dict_add(&w, ZT_CONFIG_CACHE_KEY, proof, (size_t)plen), 0);
    zt__wr_u8(&w, '\n');
    zt__wr_bytes(&w, c.file + off, c.dict_len);
    assert_false(w.overflow);
    assert_int_equal(check(file, zt__wr_len(&w), c.nwid, NULL, 0, why, sizeof(why)),
                     ZT_ERR_RANGE);
    assert_non_null(strstr(why, "do not cover"));
    free(file);
    free(c.file);
}

/* The legacy unsigned form leaves nothing to cache. */
static void test_legacy_has_no_proof(void **state)
{
    static uint8_t dict[4096];
    uint64_t nwid = nwid_of(&ctl, 7), uid = 9;
    size_t len = make_dict(nwid, 0, dict, sizeof(dict)), glen = 0;
    uint8_t payload[4200], *file = NULL;
    const uint8_t *got = NULL;
    zt_config_asm *a = NULL;
    zt_config_chunk c;
    zt_wr w = zt__wr_make(payload, sizeof(payload));
    size_t flen = 0;
    (void)state;

    zt__wr_u64(&w, nwid);
    zt__wr_u16(&w, (uint16_t)len);
    zt__wr_bytes(&w, dict, len);
    assert_int_equal(zt__config_chunk_parse(&c, payload, zt__wr_len(&w)), 0);
    assert_false(c.is_signed);
    assert_int_equal(zt__config_asm_new(&a, nwid, 0, NULL), 0);
    assert_int_equal(zt__config_asm_add(a, &c, &ctl, true, &got, &glen, &uid), 0);
    assert_int_equal(uid, 0);
    assert_int_equal(zt__config_cache_make(a, uid, &ctl, got, glen, NULL, &file, &flen),
                     ZT_ERR_NOTFOUND);
    assert_null(file);
    zt__config_asm_del(a);
}

/* ---- a node joining with a cache ------------------------------------------------------------ */

enum { ROOT = 0, NODE = 1, CTL = 2 };

static void push(mw_world *w, uint64_t nwid, uint64_t update_id)
{
    static const uint8_t ip[4] = {10, 9, 8, 7};
    zt_netconf nc;

    mw_netconf_init(w, &nc, nwid, NODE, ZT_NETWORK_TYPE_PUBLIC);
    snprintf(nc.name, sizeof(nc.name), "fresh");
    zt__inetaddr_set4(&nc.static_ips[0], ip, 24);
    nc.n_static_ips = 1;
    mw_push_config(w, CTL, NODE, &nc, update_id, 0x7700000000000000ULL | update_id);
}

static bool has_ip(mw_world *w, uint64_t nwid)
{
    const zt_netconf *c = zt__node_network_config(w->nodes[NODE].node, nwid);
    return c != NULL && c->n_static_ips == 1 && c->static_ips[0].ip[3] == 7;
}

/* What the store holds passes the check (a signed, complete config). */
static bool stored_ok(mw_world *w, uint64_t nwid)
{
    mw_node *n = &w->nodes[NODE];
    size_t off = 0, dlen = 0;

    return n->config != NULL &&
           zt__config_cache_check(n->config, n->config_len, nwid, zt__node_address(n->node),
                                  &w->nodes[CTL].id, 0, NULL, &off, &dlen, NULL, 0) == 0;
}

/* Rejoins |nwid| with |len| bytes of |file| as the cached config. */
static void rejoin(mw_world *w, uint64_t nwid, const uint8_t *file, size_t len)
{
    mw_node *n = &w->nodes[NODE];

    assert_int_equal(zt__node_leave(n->node, nwid, w->now), 0);
    assert_null(n->config); /* leave deletes the cache */
    mw_set_config(n, file, len);
    assert_int_equal(zt__node_join(n->node, nwid, w->now), 0);
}

/* A good cache serves at once; one truncated to 500 bytes of dictionary, or with one byte
 * changed near its end, is ignored (the placeholder replaces it) and the fresh config from the
 * controller is applied and cached. */
static void test_node_join_with_cache(void **state)
{
    mw_config cfg;
    mw_world *w;
    uint64_t nwid;
    uint8_t *good;
    size_t len, good_len;
    zt_network_status st;
    (void)state;

    mw_config_default(&cfg);
    cfg.nnodes = 3;
    cfg.seed = 90;
    cfg.keep_configs = true;
    w = mw_new(&cfg);
    mw_settle(w, 1000, 1);
    nwid = zt__node_address(w->nodes[CTL].node) << 24 | 0x99;

    assert_int_equal(zt__node_join(w->nodes[NODE].node, nwid, w->now), 0);
    mw_run_for(w, 500); /* the node learns its controller (WHOIS) */
    push(w, nwid, 1);
    assert_true(has_ip(w, nwid));
    assert_true(stored_ok(w, nwid));
    good_len = w->nodes[NODE].config_len;
    good = malloc(good_len);
    assert_non_null(good);
    memcpy(good, w->nodes[NODE].config, good_len);

    rejoin(w, nwid, good, good_len);
    assert_true(has_ip(w, nwid)); /* from the cache, before any packet */
    assert_int_equal(zt__node_network_status(w->nodes[NODE].node, nwid, &st), 0);
    assert_int_equal(st, ZT_NETWORK_OK);

    /* Truncated: the dictionary starts after the first LF. */
    len = (size_t)((uint8_t *)memchr(good, '\n', good_len) - good) + 1 + 500;
    assert_true(len < good_len);
    rejoin(w, nwid, good, len);
    assert_null(zt__node_network_config(w->nodes[NODE].node, nwid));
    assert_int_equal(w->nodes[NODE].config_len, 1); /* the placeholder */
    assert_int_equal(w->nodes[NODE].config[0], '\n');
    push(w, nwid, 2);
    assert_true(has_ip(w, nwid));
    assert_true(stored_ok(w, nwid));

    good[good_len - 5] ^= 0x20; /* near the end of the dictionary */
    rejoin(w, nwid, good, good_len);
    assert_null(zt__node_network_config(w->nodes[NODE].node, nwid));
    push(w, nwid, 3);
    assert_true(has_ip(w, nwid));
    assert_true(stored_ok(w, nwid));
    free(good);
    mw_del(w);
}

int main(void)
{
    const struct CMUnitTest file_tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_chunks),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_altered),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_not_ours),
        cmocka_unit_test(test_forged_identity),
        cmocka_unit_test(test_bad_cover),
        cmocka_unit_test(test_legacy_has_no_proof),
    };
    const struct CMUnitTest node_tests[] = {
        cmocka_unit_test(test_node_join_with_cache),
    };
    int failed = cmocka_run_group_tests_name("configcache", file_tests, group_setup,
                                             group_teardown);
    return failed + cmocka_run_group_tests_name("configcache_node", node_tests, NULL, NULL);
}
