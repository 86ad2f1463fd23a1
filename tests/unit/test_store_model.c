/*
 * Unit tests for the controller data model (src/controller/model_*.c), backend-independent:
 * §5.7 coercions, IP text, network and member records <-> JSON, bounds and patches.
 */
#include "store_testutil.h"

/* ---- model tests (backend-independent) ------------------------------------------------------- */

static void test_coercion(void **state)
{
    json_t *j;
    char s[16];
    (void)state;

    /* §5.7 as bool */
    assert_true(zt__ctl_json_bool(j = json_true(), false));
    json_decref(j);
    assert_true(zt__ctl_json_bool(j = json_integer(2), false));
    json_decref(j);
    assert_false(zt__ctl_json_bool(j = json_integer(0), true));
    json_decref(j);
    assert_true(zt__ctl_json_bool(j = json_string("True"), false));
    json_decref(j);
    assert_true(zt__ctl_json_bool(j = json_string("1x"), false));
    json_decref(j);
    assert_false(zt__ctl_json_bool(j = json_string("yes"), true));
    json_decref(j);
    assert_true(zt__ctl_json_bool(j = json_object(), true));
    json_decref(j);
    assert_false(zt__ctl_json_bool(NULL, false));
    /* as integer */
    assert_int_equal(zt__ctl_json_int(j = json_string("42abc"), 7), 42);
    json_decref(j);
    assert_int_equal(zt__ctl_json_int(j = json_string("-5"), 7), -5);
    json_decref(j);
    assert_int_equal(zt__ctl_json_int(j = json_string("x"), 7), 7);
    json_decref(j);
    assert_int_equal(zt__ctl_json_int(j = json_string("99999999999999999999"), 7), 7);
    json_decref(j);
    assert_int_equal(zt__ctl_json_int(j = json_true(), 7), 1);
    json_decref(j);
    assert_int_equal(zt__ctl_json_int(j = json_real(3.9), 7), 3);
    json_decref(j);
    assert_int_equal(zt__ctl_json_int(j = json_null(), 7), 7);
    json_decref(j);
    /* as string */
    assert_int_equal(zt__ctl_json_string(j = json_integer(12), "", s, sizeof(s)), 0);
    json_decref(j);
    assert_string_equal(s, "12");
    assert_int_equal(zt__ctl_json_string(j = json_false(), "", s, sizeof(s)), 0);
    json_decref(j);
    assert_string_equal(s, "0");
    assert_int_equal(zt__ctl_json_string(j = json_array(), "d", s, sizeof(s)), 0);
    json_decref(j);
    assert_string_equal(s, "d");
    assert_int_equal(zt__ctl_json_string(j = json_string("0123456789abcdefX"), "", s, sizeof(s)),
                     ZT_ERR_RANGE);
    json_decref(j);
}

static void test_ip_text(void **state)
{
    zt_ctl_ip ip;
    char out[64];
    (void)state;

    assert_int_equal(zt__ctl_ip_parse(&ip, "10.1.2.3", 8, false), 0);
    assert_int_equal(ip.family, 4);
    assert_int_equal(zt__ctl_ip_format(&ip, false, out, sizeof(out)), 0);
    assert_string_equal(out, "10.1.2.3");
    assert_int_equal(zt__ctl_ip_parse(&ip, "FD00:0::1/64", 12, true), 0);
    assert_int_equal(ip.bits, 64);
    assert_int_equal(zt__ctl_ip_format(&ip, true, out, sizeof(out)), 0);
    assert_string_equal(out, "fd00::1/64");
    assert_int_equal(zt__ctl_ip_parse(&ip, "10.0.0.0/33", 11, true), ZT_ERR_INVAL);
    assert_int_equal(zt__ctl_ip_parse(&ip, "10.0.0.0", 8, true), ZT_ERR_INVAL);
    assert_int_equal(zt__ctl_ip_parse(&ip, "10.0.0.0/", 9, false), ZT_ERR_INVAL);
    assert_int_equal(zt__ctl_ip_parse(&ip, "10.0.0", 6, false), ZT_ERR_INVAL);
    assert_int_equal(zt__ctl_ip_parse(&ip, "10.0.0.1\0x", 10, false), ZT_ERR_INVAL);
    assert_int_equal(zt__ctl_ip_parse(&ip, "", 0, false), ZT_ERR_INVAL);
    assert_int_equal(zt__ctl_ip_format(&ip, false, out, 4), ZT_ERR_NOSPACE);
}

static void test_network_from_json(void **state)
{
    zt_ctl_network n, back;
    json_t *j;
    char err[256];
    (void)state;

    load_rich_network(&n);
    assert_int_equal(n.id, NWID1);
    assert_string_equal(n.name, "lab");
    assert_false(n.is_private);
    assert_int_equal(n.revision, 7);
    assert_int_equal(n.mtu, 9000);
    assert_true(n.v4_zt && n.v6_6plane && !n.v6_rfc4193 && n.v6_zt);
    assert_false(n.enable_broadcast);
    assert_int_equal(n.nroutes, 4); /* /33 and non-objects dropped; wrong-family via nulled */
    assert_int_equal(n.routes[1].via.family, 6);
    assert_int_equal(n.routes[3].via.family, 0);
    assert_int_equal(n.npools, 1);
    assert_non_null(strstr(n.rules_json, "MATCH_ETHERTYPE"));
    assert_null(strstr(n.rules_json, "junk"));
    assert_int_equal(n.ncaps, 2);
    assert_int_equal(n.caps[0].id, 1);
    assert_true(n.caps[1].is_default);
    assert_int_equal(n.ntags, 2);
    assert_int_equal(n.tags[0].id, 3);
    assert_int_equal(n.tags[0].default_value, 10);
    assert_false(n.tags[1].has_default);
    assert_int_equal(n.ntokens, 2);
    assert_true(n.has_dns && n.has_domain && n.has_servers);
    assert_int_equal(n.nservers, 2);
    assert_string_equal(n.remote_trace_target, "0123456789");
    assert_string_equal(n.rules_source, "accept;");
    assert_true(n.sso_enabled && n.has_cert_window);
    assert_string_equal(n.extra, "{\"futureField\":{\"a\":[1,2,3]}}");

    /* to_json -> from_json is the identity; dropped keys are gone */
    assert_int_equal(zt__ctl_network_to_json(&n, &j), 0);
    assert_null(json_object_get(j, "clock"));
    assert_null(json_object_get(j, "totalMemberCount"));
    assert_non_null(json_object_get(j, "futureField"));
    assert_string_equal(json_string_value(json_object_get(j, "objtype")), "network");
    assert_int_equal(zt__ctl_network_from_json(&back, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_net_same(&n, &back);
    zt__ctl_network_clear(&back);
    zt__ctl_network_clear(&n);

    /* defaults of a fresh record, as 1.14.1 renders them */
    assert_int_equal(zt__ctl_network_init(&n, NWID2), 0);
    assert_int_equal(zt__ctl_network_to_json(&n, &j), 0);
    assert_true(json_is_true(json_object_get(j, "private")));
    assert_int_equal(json_integer_value(json_object_get(j, "mtu")), 2800);
    assert_int_equal(json_integer_value(json_object_get(j, "multicastLimit")), 32);
    {
        char *t = json_dumps(json_object_get(j, "authTokens"), JSON_COMPACT);
        assert_string_equal(t, "[null]");
        free(t);
        t = json_dumps(json_object_get(j, "dns"), JSON_COMPACT);
        assert_string_equal(t, "[]");
        free(t);
        t = json_dumps(json_object_get(j, "rules"), JSON_COMPACT | JSON_SORT_KEYS);
        assert_string_equal(t, "[{\"not\":false,\"or\":false,\"type\":\"ACTION_ACCEPT\"}]");
        free(t);
    }
    json_decref(j);
    zt__ctl_network_clear(&n);
}

static void test_network_from_json_rejects(void **state)
{
    static const char *const bad[] = {
        "[]", "{}", "{\"id\":\"8056c2e21c00001\"}", "{\"id\":\"8056c2e21c00000g\"}",
        "{\"id\":8056}", "{\"id\":\"8056c2e21c000001\",\"routes\":{}}",
        "{\"id\":\"8056c2e21c000001\",\"rules\":\"x\"}",
        "{\"id\":\"8056c2e21c000001\",\"capabilities\":7}",
    };
    zt_ctl_network n;
    char err[256];
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *j = parse(bad[i]);
        err[0] = '\0';
        if (zt__ctl_network_from_json(&n, j, err, sizeof(err)) != ZT_ERR_INVAL)
            fail_msg("accepted: %s", bad[i]);
        assert_true(err[0] != '\0');
        zt__ctl_network_clear(&n);
        json_decref(j);
    }
    /* Text loading: not JSON at all, duplicate keys */
    assert_int_equal(zt__ctl_network_load(&n, "{\"id\":", 6, err, sizeof(err)), ZT_ERR_INVAL);
    zt__ctl_network_clear(&n);
    {
        static const char dup[] = "{\"id\":\"8056c2e21c000001\",\"id\":\"x\"}";
        assert_int_equal(zt__ctl_network_load(&n, dup, strlen(dup), err, sizeof(err)),
                         ZT_ERR_INVAL);
    }
    zt__ctl_network_clear(&n);
}

static void test_member_from_json(void **state)
{
    zt_ctl_member m, back;
    json_t *j;
    char err[256];
    (void)state;

    load_rich_member(&m);
    assert_int_equal(m.id, 0xabcdef0123ULL);
    assert_int_equal(m.nwid, NWID1);
    assert_true(m.authorized && m.active_bridge && m.no_auto_assign_ips && m.sso_exempt);
    assert_int_equal(m.nips, 2);
    assert_int_equal(m.ips[1].family, 6);
    assert_int_equal(m.ntags, 2);
    assert_int_equal(m.tags[0].id, 3);
    assert_int_equal(m.tags[1].value, 9); /* duplicate id: the last wins */
    assert_int_equal(m.ncaps, 3);
    assert_int_equal(m.caps[0], 1);
    assert_int_equal(m.caps[1], 3);
    assert_int_equal(m.caps[2], 5);
    assert_string_equal(m.remote_trace_target, "");
    assert_string_equal(m.identity, "abcdef0123:0:aabb");
    assert_string_equal(m.last_auth_cred_type, "api");
    assert_false(m.has_last_auth_cred);
    assert_int_equal(m.v_minor, 14);
    assert_string_equal(m.extra, "{\"custom\":\"kept\"}");

    assert_int_equal(zt__ctl_member_to_json(&m, &j), 0);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "abcdef0123");
    assert_string_equal(json_string_value(json_object_get(j, "nwid")), "8056c2e21c000001");
    assert_null(json_object_get(j, "physicalAddr"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "ipAssignments"), 1)),
                        "fd00::5");
    assert_int_equal(zt__ctl_member_from_json(&back, NWID1, j, err, sizeof(err)), 0);
    assert_mem_same(&m, &back);
    zt__ctl_member_clear(&back);
    /* the record names another network */
    assert_int_equal(zt__ctl_member_from_json(&back, NWID2, j, err, sizeof(err)), ZT_ERR_INVAL);
    zt__ctl_member_clear(&back);
    json_decref(j);
    zt__ctl_member_clear(&m);

    /* a non-string ipAssignments item is an error, not a silent drop */
    j = parse("{\"id\":\"abcdef0123\",\"ipAssignments\":[\"10.0.0.1\",7]}");
    assert_int_equal(zt__ctl_member_from_json(&m, NWID1, j, err, sizeof(err)), ZT_ERR_INVAL);
    zt__ctl_member_clear(&m);
    json_decref(j);
    /* defaults */
    zt__ctl_member_init(&m, NWID1, 0x1122334455ULL);
    assert_int_equal(zt__ctl_member_to_json(&m, &j), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "vMajor")), -1);
    assert_null(json_object_get(j, "name"));
    assert_null(json_object_get(j, "identity"));
    assert_true(json_is_null(json_object_get(j, "lastAuthorizedCredentialType")));
    json_decref(j);
    zt__ctl_member_clear(&m);
}

static void test_bounds(void **state)
{
    zt_ctl_network n;
    zt_ctl_member m;
    json_t *j, *arr;
    char err[256], name[200];
    (void)state;

    /* 129 routes: refused, not cut to 128 */
    j = parse("{\"id\":\"8056c2e21c000001\"}");
    arr = json_array();
    for (int i = 0; i < 129; i++)
        json_array_append_new(arr, json_pack("{s:s}", "target", "10.0.0.0/8"));
    json_object_set_new(j, "routes", arr);
    assert_int_equal(zt__ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
    assert_non_null(strstr(err, "routes"));
    zt__ctl_network_clear(&n);
    json_array_remove(arr, 0);
    assert_int_equal(zt__ctl_network_from_json(&n, j, err, sizeof(err)), 0);
    assert_int_equal(n.nroutes, 128);
    zt__ctl_network_clear(&n);
    /* more than 16384 items on input */
    arr = json_array();
    for (int i = 0; i < ZT_CTL_ARRAY_INPUT_MAX + 1; i++)
        json_array_append_new(arr, json_null());
    json_object_set_new(j, "tags", arr);
    assert_int_equal(zt__ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
    zt__ctl_network_clear(&n);
    json_object_del(j, "tags");
    /* 1025 rules */
    arr = json_array();
    for (int i = 0; i < ZT_CTL_MAX_RULES + 1; i++)
        json_array_append_new(arr, json_pack("{s:s}", "type", "ACTION_ACCEPT"));
    json_object_set_new(j, "rules", arr);
    assert_int_equal(zt__ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
    zt__ctl_network_clear(&n);
    json_object_del(j, "rules");
    /* 128-byte name */
    memset(name, 'n', 128);
    name[128] = '\0';
    json_object_set_new(j, "name", json_string(name));
    assert_int_equal(zt__ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
    zt__ctl_network_clear(&n);
    name[127] = '\0';
    json_object_set_new(j, "name", json_string(name));
    assert_int_equal(zt__ctl_network_from_json(&n, j, err, sizeof(err)), 0);
    zt__ctl_network_clear(&n);
    /* dns domain: truncated to 127 bytes, never mid-character (quirk Q7) */
    {
        char dom[300];
        memset(dom, 'a', 126);
        memcpy(dom + 126, "\xc3\xa9xyz", 6); /* 'é' straddles byte 127 */
        json_object_set_new(j, "dns", json_pack("{s:s}", "domain", dom));
        assert_int_equal(zt__ctl_network_from_json(&n, j, err, sizeof(err)), 0);
        assert_int_equal(strlen(n.dns_domain), 126);
        assert_false(n.has_servers);
        zt__ctl_network_clear(&n);
        json_object_set_new(j, "dns", parse("{\"servers\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"));
        assert_int_equal(zt__ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
        zt__ctl_network_clear(&n);
    }
    json_decref(j);

    /* 33 ipAssignments */
    j = parse("{\"id\":\"abcdef0123\"}");
    arr = json_array();
    for (int i = 0; i < 33; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
        json_array_append_new(arr, json_string(ip));
    }
    json_object_set_new(j, "ipAssignments", arr);
    assert_int_equal(zt__ctl_member_from_json(&m, NWID1, j, err, sizeof(err)), ZT_ERR_RANGE);
    zt__ctl_member_clear(&m);
    json_array_remove(arr, 0);
    assert_int_equal(zt__ctl_member_from_json(&m, NWID1, j, err, sizeof(err)), 0);
    assert_int_equal(m.nips, 32);
    zt__ctl_member_clear(&m);
    /* identity longer than the bound */
    {
        char id[600];
        memset(id, 'a', sizeof(id) - 1);
        id[sizeof(id) - 1] = '\0';
        json_object_set_new(j, "identity", json_string(id));
        assert_int_equal(zt__ctl_member_from_json(&m, NWID1, j, err, sizeof(err)),
                         ZT_ERR_RANGE);
        zt__ctl_member_clear(&m);
    }
    json_decref(j);
}

static void test_network_patch(void **state)
{
    zt_ctl_network n, before;
    zt_ctl_network_patch p;
    json_t *j;
    char err[256];
    (void)state;

    load_rich_network(&n);
    assert_int_equal(zt__ctl_network_copy(&before, &n), 0);

    /* absent fields unchanged: only the name moves (and remoteTraceLevel stays, quirk Q2) */
    j = parse("{\"name\":42,\"id\":\"ffffffffffffffff\",\"revision\":99,\"ssoEnabled\":false,"
              "\"unknown\":1}");
    assert_int_equal(zt__ctl_network_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(p.has, ZT_CTL_NET_HAS_NAME);
    assert_int_equal(zt__ctl_network_patch_apply(&n, &p), 0);
    zt__ctl_network_patch_clear(&p);
    assert_string_equal(n.name, "42");
    snprintf(before.name, sizeof(before.name), "42");
    assert_net_same(&before, &n);

    /* the documented coercions */
    j = parse("{\"private\":\"nope\",\"mtu\":99999,\"v4AssignMode\":\"zt\","
              "\"v6AssignMode\":\"rfc4193,zt\",\"enableBroadcast\":[],\"authTokens\":[],"
              "\"dns\":\"x\",\"routes\":\"x\",\"remoteTraceTarget\":\"abc\","
              "\"rules\":[{\"type\":\"ACTION_DROP\"}],\"capabilities\":[{\"id\":9}]}");
    assert_int_equal(zt__ctl_network_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_false(p.has & ZT_CTL_NET_HAS_DNS);    /* non-object dns ignored */
    assert_false(p.has & ZT_CTL_NET_HAS_ROUTES); /* non-array ignored */
    assert_int_equal(zt__ctl_network_patch_apply(&n, &p), 0);
    zt__ctl_network_patch_clear(&p);
    assert_false(n.is_private);
    assert_int_equal(n.mtu, 10000);
    assert_true(n.v4_zt);
    assert_true(!n.v6_6plane && n.v6_rfc4193 && n.v6_zt);
    assert_false(n.enable_broadcast);
    assert_int_equal(n.ntokens, 0);
    assert_true(n.has_dns);
    assert_int_equal(n.nroutes, before.nroutes);
    assert_string_equal(n.remote_trace_target, "");
    assert_int_equal(n.remote_trace_level, 2);
    assert_string_equal(n.rules_json, "[{\"type\":\"ACTION_DROP\"}]");
    assert_int_equal(n.ncaps, 1);
    assert_string_equal(n.caps[0].rules_json, "[]");
    assert_true(n.sso_enabled); /* not writable */

    /* request errors */
    j = parse("[1]");
    assert_int_equal(zt__ctl_network_patch_from_json(&p, j, err, sizeof(err)), ZT_ERR_INVAL);
    zt__ctl_network_patch_clear(&p);
    json_decref(j);
    j = parse("{\"private\":\"t\"}");
    assert_int_equal(zt__ctl_network_patch_from_json(&p, j, err, sizeof(err)), 0);
    assert_int_equal(zt__ctl_network_patch_apply(&n, &p), 0);
    assert_true(n.is_private);
    zt__ctl_network_patch_clear(&p);
    json_decref(j);
    zt__ctl_network_clear(&before);
    zt__ctl_network_clear(&n);
}

static void test_member_patch(void **state)
{
    zt_ctl_member m;
    zt_ctl_member_patch p;
    json_t *j;
    char err[256];
    (void)state;

    load_rich_member(&m);
    m.authorized = false;
    m.last_auth_cred_type[0] = '\0';
    j = parse("{\"authorized\":true,\"ipAssignments\":[\"10.9.9.9\"],\"identity\":\"x\","
              "\"authenticationURL\":\"https://x\",\"remoteTraceLevel\":4}");
    assert_int_equal(zt__ctl_member_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(p.has, ZT_CTL_MEM_HAS_AUTHORIZED | ZT_CTL_MEM_HAS_IPS |
                                ZT_CTL_MEM_HAS_TRACE_LEVEL);
    zt__ctl_member_patch_apply(&m, &p, 5000);
    zt__ctl_member_patch_clear(&p);
    assert_true(m.authorized);
    assert_int_equal(m.last_authorized_time, 5000);
    assert_string_equal(m.last_auth_cred_type, "api");
    assert_int_equal(m.nips, 1);
    assert_string_equal(m.identity, "abcdef0123:0:aabb"); /* not writable */
    assert_string_equal(m.name, "laptop");                /* absent: unchanged */
    assert_int_equal(m.ntags, 2);

    /* same value again: nothing is stamped */
    j = parse("{\"authorized\":1}");
    assert_int_equal(zt__ctl_member_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    zt__ctl_member_patch_apply(&m, &p, 6000);
    zt__ctl_member_patch_clear(&p);
    assert_int_equal(m.last_authorized_time, 5000);
    /* de-authorise */
    j = parse("{\"authorized\":false}");
    assert_int_equal(zt__ctl_member_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    zt__ctl_member_patch_apply(&m, &p, 7000);
    zt__ctl_member_patch_clear(&p);
    assert_false(m.authorized);
    assert_int_equal(m.last_deauthorized_time, 7000);
    /* a non-string IP is a request error (zerotier-one: 500) */
    j = parse("{\"ipAssignments\":[1]}");
    assert_int_equal(zt__ctl_member_patch_from_json(&p, j, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "ipAssignments"));
    zt__ctl_member_patch_clear(&p);
    json_decref(j);
    zt__ctl_member_clear(&m);
}

/* ---- runner ---------------------------------------------------------------------------------- */

int main(void)
{
    static const struct CMUnitTest model_tests[] = {
        cmocka_unit_test(test_coercion),
        cmocka_unit_test(test_ip_text),
        cmocka_unit_test(test_network_from_json),
        cmocka_unit_test(test_network_from_json_rejects),
        cmocka_unit_test(test_member_from_json),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_network_patch),
        cmocka_unit_test(test_member_patch),
    };

    return cmocka_run_group_tests_name("model", model_tests, NULL, NULL);
}
