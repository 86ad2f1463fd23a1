/*
 * Unit tests for the controller beside its request flows: a store that fails on demand, the
 * rules JSON parser (controller_rules_json.c) and the embedding API (src/controller/api.c,
 * include/zts_controller.h).
 */
#include "controller_testutil.h"

#include <sys/stat.h>
#include <unistd.h>

/* ---- a store that fails on demand ------------------------------------------------------------- */

typedef struct {
    zt_store base;
    zt_store *inner;
    bool fail_put, fail_list;
} fail_store;

static int fs_get_network(zt_store *st, uint64_t nwid, zt_ctl_network *out)
{
    return zt__store_get_network(((fail_store *)st)->inner, nwid, out);
}
static int fs_put_network(zt_store *st, const zt_ctl_network *n)
{
    return zt__store_put_network(((fail_store *)st)->inner, n);
}
static int fs_delete_network(zt_store *st, uint64_t nwid)
{
    return zt__store_delete_network(((fail_store *)st)->inner, nwid);
}
static int fs_list_networks(zt_store *st, zt_store_network_cb cb, void *arg)
{
    return zt__store_list_networks(((fail_store *)st)->inner, cb, arg);
}
static int fs_get_member(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    return zt__store_get_member(((fail_store *)st)->inner, nwid, node, out);
}
static int fs_put_member(zt_store *st, const zt_ctl_member *m)
{
    fail_store *fs = (fail_store *)st;
    if (fs->fail_put) {
        zt__store_set_err(st, "disk on fire");
        return ZT_ERR_IO;
    }
    return zt__store_put_member(fs->inner, m);
}
static int fs_delete_member(zt_store *st, uint64_t nwid, uint64_t node)
{
    return zt__store_delete_member(((fail_store *)st)->inner, nwid, node);
}
static int fs_list_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    fail_store *fs = (fail_store *)st;
    if (fs->fail_list) {
        zt__store_set_err(st, "index corrupt");
        return ZT_ERR_IO;
    }
    return zt__store_list_members(fs->inner, nwid, cb, arg);
}
static int fs_begin(zt_store *st)
{
    return zt__store_begin(((fail_store *)st)->inner);
}
static int fs_commit(zt_store *st)
{
    return zt__store_commit(((fail_store *)st)->inner);
}
static int fs_rollback(zt_store *st)
{
    return zt__store_rollback(((fail_store *)st)->inner);
}
static void fs_del(zt_store *st)
{
    zt__store_del(((fail_store *)st)->inner);
    free(st);
}

/* No index ops: the store answers address and bridge lookups from fs_list_members. */
static const zt_store_ops fail_ops = {
    .name = "fail",
    .get_network = fs_get_network,
    .put_network = fs_put_network,
    .delete_network = fs_delete_network,
    .list_networks = fs_list_networks,
    .get_member = fs_get_member,
    .put_member = fs_put_member,
    .delete_member = fs_delete_member,
    .list_members = fs_list_members,
    .begin = fs_begin,
    .commit = fs_commit,
    .rollback = fs_rollback,
    .del = fs_del,
};

static void test_store_failure(void **state)
{
    fixture f;
    fail_store *fs = calloc(1, sizeof(*fs));
    zt_controller_result res;
    zt_ctl_member m;
    zt_netconf nc;
    (void)state;

    assert_non_null(fs);
    fs->base.ops = &fail_ops;
    assert_int_equal(zt__store_mem_new(&fs->inner), 0);
    fixture_init(&f, &fs->base);

    /* unauthorised member cannot be saved: reported, nothing sent */
    fs->fail_put = true;
    assert_int_equal(request(&f, &f.member, NWID_PRIV, 1, T0, &res), ZT_ERR_IO);
    assert_int_equal(f.cap.n, 0);
    assert_non_null(strstr(zt__controller_errmsg(f.ctl), "disk on fire"));

    /* public network: the IP cannot be recorded, so no config goes out */
    assert_int_equal(request(&f, &f.member, NWID_PUB, 2, T0 + 2000, &res), ZT_ERR_IO);
    assert_int_equal(f.cap.n, 0);
    assert_int_equal(zt__store_get_member(f.store, NWID_PUB, f.member.address, &m),
                     ZT_ERR_NOTFOUND);
    zt__ctl_member_clear(&m);
    fs->fail_put = false;
    fs->fail_list = true;
    assert_int_equal(request(&f, &f.member, NWID_PUB, 3, T0 + 4000, &res), ZT_ERR_IO);
    assert_non_null(strstr(zt__controller_errmsg(f.ctl), "index corrupt"));
    fs->fail_list = false;

    /* once the store is back, nothing was lost and the request succeeds */
    assert_int_equal(request(&f, &f.member, NWID_PUB, 4, T0 + 6000, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&f, NWID_PUB, 4, &nc);
    zt__netconf_clear(&nc);
    assert_int_equal(zt__store_get_member(f.store, NWID_PUB, f.member.address, &m), 0);
    assert_int_equal(m.nips, 1);
    zt__ctl_member_clear(&m);
    {
        zt_controller_stats st;
        zt__controller_stats_get(f.ctl, &st);
        assert_true(st.store_errors == 3);
    }
    fixture_clear(&f);
}

static void test_rules_json(void **state)
{
    static const char text[] =
        "[{\"type\":\"MATCH_SOURCE_ZEROTIER_ADDRESS\",\"zt\":\"136548ea94\",\"or\":true},"
        "{\"type\":\"MATCH_MAC_DEST\",\"mac\":\"01:02:03:04:05:06\"},"
        "{\"type\":\"MATCH_IPV4_SOURCE\",\"ip\":\"10.0.0.0/99\"},"
        "{\"type\":\"MATCH_IPV6_DEST\",\"ip\":\"fd00::/8\"},"
        "{\"type\":\"MATCH_IPV4_DEST\",\"ip\":\"not an ip/8\"},"
        "{\"type\":\"MATCH_ICMP\",\"icmpType\":8,\"icmpCode\":null},"
        "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":80},"
        "{\"type\":\"MATCH_CHARACTERISTICS\",\"mask\":\"8000000000000002\"},"
        "{\"type\":\"ACTION_TEE\",\"address\":\"7064247a5a\",\"flags\":0,\"length\":64},"
        "{\"type\":\"INTEGER_RANGE\",\"start\":\"10\",\"end\":20,\"idx\":4,\"little\":true,"
        "\"bits\":16},"
        "{\"type\":\"MATCH_TAGS_EQUAL\",\"id\":5,\"value\":6},"
        "42,{\"no\":\"type\"},{\"type\":\"ACTION_ACCEPT\",\"not\":true}]";
    zt_rule r[32];
    size_t n;
    (void)state;

    assert_int_equal(zt__controller_rules_from_text(text, r, 32, &n), 0);
    assert_int_equal(n, 11);
    assert_int_equal(r[0].t, ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS | ZT_RULE_OR);
    assert_true(r[0].v.zt == 0x136548ea94ULL);
    assert_true(r[1].v.mac == 0x010203040506ULL);
    assert_int_equal(r[2].v.ipv4.bits, 32); /* capped */
    assert_int_equal(r[3].v.ipv6.ip[0], 0xfd);
    assert_int_equal(r[3].v.ipv6.bits, 8);
    assert_int_equal(r[4].t, ZT_RULE_MATCH_ICMP);
    assert_int_equal(r[4].v.icmp.flags, 0);
    assert_int_equal(r[5].v.range.low, 80);
    assert_int_equal(r[5].v.range.high, 80);
    assert_true(r[6].v.characteristics == 0x8000000000000002ULL);
    assert_true(r[7].v.fwd.address == 0x7064247a5aULL);
    assert_int_equal(r[7].v.fwd.length, 64);
    assert_int_equal(r[8].t, ZT_RULE_MATCH_INTEGER_RANGE);
    assert_true(r[8].v.int_range.start == 0x10 && r[8].v.int_range.end == 20);
    assert_int_equal(r[8].v.int_range.format, 0x80 | 15);
    assert_int_equal(r[9].v.tag.value, 6);
    assert_int_equal(r[10].t, ZT_RULE_ACTION_ACCEPT); /* no NOT on actions */
    assert_int_equal(zt__controller_rules_from_text("{}", r, 32, &n), ZT_ERR_INVAL);
    assert_int_equal(zt__controller_rules_from_text("[", r, 32, &n), ZT_ERR_INVAL);
    assert_int_equal(zt__controller_rules_from_text(text, r, 2, &n), 0);
    assert_int_equal(n, 2);
}

/* ---- the embedding API ------------------------------------------------------------------------ */

static uint64_t api_random(void *arg)
{
    return seq_random(arg);
}

static void test_api(void **state)
{
    zts_controller *c;
    zts_controller_config cfg;
    uint64_t seed = 7, nwid = 0, ids[8];
    size_t count;
    char *json = NULL;
    (void)state;

    zts_controller_config_default(&cfg);
    cfg.identity_secret = controller_secret;
    cfg.random_u64 = api_random;
    cfg.random_arg = &seed;
    assert_int_equal(zts_controller_new(&c, &cfg), ZTS_CONTROLLER_OK);
    assert_true(zts_controller_address(c) == 0x7064247a5aULL);

    assert_int_equal(zts_controller_network_create(c, "{\"name\":\"api\",\"private\":true}", T0,
                                                   &nwid, &json),
                     ZTS_CONTROLLER_OK);
    assert_true(nwid >> 24 == 0x7064247a5aULL);
    assert_non_null(strstr(json, "\"name\":\"api\""));
    zts_controller_free(json);
    assert_int_equal(zts_controller_network_set(c, nwid, "{\"name\":\"api2\"}", T0, &json),
                     ZTS_CONTROLLER_OK);
    assert_non_null(strstr(json, "\"revision\":2"));
    zts_controller_free(json);
    assert_int_equal(zts_controller_network_set(c, nwid, "not json", T0, NULL),
                     ZTS_CONTROLLER_ERR_ARG);
    assert_true(strlen(zts_controller_last_error(c)) > 0);
    assert_int_equal(zts_controller_network_list(c, ids, 8, &count), ZTS_CONTROLLER_OK);
    assert_int_equal(count, 1);
    assert_true(ids[0] == nwid);

    assert_int_equal(zts_controller_member_set(c, nwid, 0x136548ea94ULL,
                                               "{\"authorized\":true,"
                                               "\"ipAssignments\":[\"10.0.0.5\"]}",
                                               T0, &json),
                     ZTS_CONTROLLER_OK);
    assert_non_null(strstr(json, "\"authorized\":true"));
    zts_controller_free(json);
    assert_int_equal(zts_controller_member_set_authorized(c, nwid, 0x136548ea94ULL, false, T0),
                     ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_member_get(c, nwid, 0x136548ea94ULL, &json),
                     ZTS_CONTROLLER_OK);
    assert_non_null(strstr(json, "\"authorized\":false"));
    zts_controller_free(json);
    assert_int_equal(zts_controller_member_list(c, nwid, ids, 8, &count), ZTS_CONTROLLER_OK);
    assert_int_equal(count, 1);
    assert_int_equal(zts_controller_member_get(c, nwid, 0x1111111111ULL, &json),
                     ZTS_CONTROLLER_ERR_NOT_FOUND);
    assert_int_equal(zts_controller_member_set(c, NWID_NONE, 0x1111111111ULL, "{}", T0, NULL),
                     ZTS_CONTROLLER_ERR_NOT_FOUND);
    assert_int_equal(zts_controller_member_delete(c, nwid, 0x136548ea94ULL, T0),
                     ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_network_set_private(c, nwid, false, T0), ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_network_set_name(c, nwid, "x", T0), ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_network_delete(c, nwid, T0), ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_network_get(c, nwid, &json), ZTS_CONTROLLER_ERR_NOT_FOUND);
    assert_int_equal(zts_controller_network_list(c, ids, 8, &count), ZTS_CONTROLLER_OK);
    assert_int_equal(count, 0);
    assert_int_equal(zts_controller_new(NULL, &cfg), ZTS_CONTROLLER_ERR_ARG);
    assert_non_null(strstr(zts_controller_last_error(NULL), "NULL argument"));
    zts_controller_del(c);
    zts_controller_del(NULL);
}

/* Without a handle, the reason a controller could not be made is read with
 * zts_controller_last_error(NULL): here the store's sentence, with the path and the cause. */
static void test_api_new_error(void **state)
{
    char dir[] = "/tmp/zt-ctl-api-XXXXXX", path[64];
    zts_controller *c = NULL;
    zts_controller_config cfg;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/db", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    zts_controller_config_default(&cfg);
    cfg.identity_secret = controller_secret;
    cfg.store_kind = ZTS_CONTROLLER_STORE_SQLITE;
    cfg.store_path = path;
    assert_int_equal(zts_controller_new(&c, &cfg), ZTS_CONTROLLER_ERR_STORE);
    assert_null(c);
    assert_non_null(strstr(zts_controller_last_error(NULL), path));
    assert_non_null(strstr(zts_controller_last_error(NULL), "is a directory"));
    cfg.store_path = NULL;
    assert_int_equal(zts_controller_new(&c, &cfg), ZTS_CONTROLLER_ERR_ARG);
    assert_non_null(strstr(zts_controller_last_error(NULL), "store_path is required"));
    cfg.store_kind = 99;
    assert_int_equal(zts_controller_new(&c, &cfg), ZTS_CONTROLLER_ERR_ARG);
    assert_non_null(strstr(zts_controller_last_error(NULL), "unknown store_kind 99"));
    cfg.store_kind = ZTS_CONTROLLER_STORE_MEMORY;
    assert_int_equal(zts_controller_new(&c, &cfg), ZTS_CONTROLLER_OK);
    assert_string_equal(zts_controller_last_error(NULL), "no controller"); /* reset by success */
    zts_controller_del(c);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_failure),
        cmocka_unit_test(test_rules_json),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_api_new_error),
    };
    if (zt__crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
