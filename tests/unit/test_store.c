/*
 * Unit tests for src/controller: the data model (model.c) once, then ONE shared suite run
 * against every store backend (STYLE §10f):
 *   mem      in memory
 *   sqlite   a database file in a temp directory
 *   json     a controller.d tree in a temp directory
 *   rt       a mem store whose every read is served after a full export to a controller.d
 *            tree and an import back (the JSON round trip)
 * followed by backend-specific cases (SQLite schema versions and crash safety, the JSON layout
 * and corrupt files on import).
 */
#include "testutil.h"

#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "controller/model.h"
#include "controller/store.h"

#define NWID1 0x8056c2e21c000001ULL
#define NWID2 0x0123456789000002ULL
#define NWID_HI 0xfedcba9876000003ULL /* top bit set: checks unsigned ordering */

/* ---- helpers --------------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    (void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_tmpdir(char *out, size_t cap)
{
    snprintf(out, cap, "/tmp/zt-store-test-XXXXXX");
    assert_non_null(mkdtemp(out));
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (j == NULL)
        fail_msg("test JSON does not parse: %s", e.text);
    return j;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static const char rich_network[] =
    "{\"id\":\"8056c2e21c000001\",\"nwid\":\"8056c2e21c000001\",\"objtype\":\"network\","
    "\"name\":\"lab\",\"private\":false,\"creationTime\":1700000000000,\"revision\":7,"
    "\"multicastLimit\":64,\"enableBroadcast\":false,\"mtu\":9000,"
    "\"v4AssignMode\":{\"zt\":true},\"v6AssignMode\":{\"6plane\":true,\"rfc4193\":false,"
    "\"zt\":true},"
    "\"routes\":[{\"target\":\"10.147.17.0/24\",\"via\":null},"
    "{\"target\":\"fd00::/8\",\"via\":\"fd00::1\"},"
    "{\"target\":\"0.0.0.0/0\",\"via\":\"10.147.17.1\"},"
    "{\"target\":\"10.0.0.0/33\"},{\"target\":\"10.1.0.0/16\",\"via\":\"fd00::1\"},7],"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.147.17.1\",\"ipRangeEnd\":\"10.147.17.254\"},"
    "{\"ipRangeStart\":\"10.0.0.1\",\"ipRangeEnd\":\"fd00::1\"},{\"ipRangeStart\":\"10.0.0.1\"}],"
    "\"rules\":[{\"type\":\"MATCH_ETHERTYPE\",\"not\":true,\"or\":false,\"etherType\":2048},"
    "{\"type\":\"ACTION_DROP\"},\"junk\",{\"type\":\"ACTION_ACCEPT\"}],"
    "\"capabilities\":[{\"id\":2,\"default\":true,\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]},"
    "{\"id\":1,\"default\":false,\"rules\":[]}],"
    "\"tags\":[{\"id\":5,\"default\":null},{\"id\":3,\"default\":10}],"
    "\"authTokens\":{\"secret-token\":0,\"expiring\":1800000000000,\"bad\":-1,\"worse\":\"x\"},"
    "\"dns\":{\"domain\":\"lab.example\",\"servers\":[\"10.147.17.53\",\"fd00::53\"]},"
    "\"remoteTraceTarget\":\"0123456789\",\"remoteTraceLevel\":2,\"rulesSource\":\"accept;\","
    "\"ssoEnabled\":true,\"clientId\":\"cid\",\"authorizationEndpoint\":\"https://a.example/x\","
    "\"certificateTimeoutWindowSize\":600000,"
    "\"futureField\":{\"a\":[1,2,3]},\"clock\":12345,\"totalMemberCount\":9}";

static const char rich_member[] =
    "{\"id\":\"ABCDEF0123\",\"address\":\"abcdef0123\",\"nwid\":\"8056C2E21C000001\","
    "\"objtype\":\"member\",\"authorized\":true,\"activeBridge\":true,\"noAutoAssignIps\":true,"
    "\"ipAssignments\":[\"10.147.17.5\",\"fd00::5/88\",\"bogus\"],"
    "\"tags\":[[7,1],[3,2],[7,9],\"x\",[1]],\"capabilities\":[5,1,5,\"3\",null],"
    "\"name\":\"laptop\",\"authenticationExpiryTime\":5,\"remoteTraceTarget\":\"short\","
    "\"remoteTraceLevel\":1,\"ssoExempt\":true,\"creationTime\":1,\"revision\":3,"
    "\"identity\":\"abcdef0123:0:aabb\",\"lastAuthorizedTime\":10,\"lastDeauthorizedTime\":0,"
    "\"lastAuthorizedCredentialType\":\"api\",\"lastAuthorizedCredential\":null,"
    "\"vMajor\":1,\"vMinor\":14,\"vRev\":1,\"vProto\":12,"
    "\"physicalAddr\":\"1.2.3.4/9993\",\"custom\":\"kept\"}";

static void load_rich_network(zt_ctl_network *n)
{
    char err[256] = "";
    json_t *j = parse(rich_network);
    int rv = zt_ctl_network_from_json(n, j, err, sizeof(err));

    json_decref(j);
    if (rv != 0)
        fail_msg("rich network refused: %s", err);
}

static void load_rich_member(zt_ctl_member *m)
{
    char err[256] = "";
    json_t *j = parse(rich_member);
    int rv = zt_ctl_member_from_json(m, NWID1, j, err, sizeof(err));

    json_decref(j);
    if (rv != 0)
        fail_msg("rich member refused: %s", err);
}

static void assert_net_same(const zt_ctl_network *a, const zt_ctl_network *b)
{
    char *ta = NULL, *tb = NULL;

    assert_int_equal(zt_ctl_network_dump(a, &ta), 0);
    assert_int_equal(zt_ctl_network_dump(b, &tb), 0);
    if (strcmp(ta, tb) != 0)
        fail_msg("network records differ:\n%s\n%s", ta, tb);
    free(ta);
    free(tb);
}

static void assert_mem_same(const zt_ctl_member *a, const zt_ctl_member *b)
{
    char *ta = NULL, *tb = NULL;

    assert_int_equal(zt_ctl_member_dump(a, &ta), 0);
    assert_int_equal(zt_ctl_member_dump(b, &tb), 0);
    if (strcmp(ta, tb) != 0)
        fail_msg("member records differ:\n%s\n%s", ta, tb);
    free(ta);
    free(tb);
}

/* ---- model tests (backend-independent) ------------------------------------------------------- */

static void test_coercion(void **state)
{
    json_t *j;
    char s[16];
    (void)state;

    /* §5.7 as bool */
    assert_true(zt_ctl_json_bool(j = json_true(), false));
    json_decref(j);
    assert_true(zt_ctl_json_bool(j = json_integer(2), false));
    json_decref(j);
    assert_false(zt_ctl_json_bool(j = json_integer(0), true));
    json_decref(j);
    assert_true(zt_ctl_json_bool(j = json_string("True"), false));
    json_decref(j);
    assert_true(zt_ctl_json_bool(j = json_string("1x"), false));
    json_decref(j);
    assert_false(zt_ctl_json_bool(j = json_string("yes"), true));
    json_decref(j);
    assert_true(zt_ctl_json_bool(j = json_object(), true));
    json_decref(j);
    assert_false(zt_ctl_json_bool(NULL, false));
    /* as integer */
    assert_int_equal(zt_ctl_json_int(j = json_string("42abc"), 7), 42);
    json_decref(j);
    assert_int_equal(zt_ctl_json_int(j = json_string("-5"), 7), -5);
    json_decref(j);
    assert_int_equal(zt_ctl_json_int(j = json_string("x"), 7), 7);
    json_decref(j);
    assert_int_equal(zt_ctl_json_int(j = json_string("99999999999999999999"), 7), 7);
    json_decref(j);
    assert_int_equal(zt_ctl_json_int(j = json_true(), 7), 1);
    json_decref(j);
    assert_int_equal(zt_ctl_json_int(j = json_real(3.9), 7), 3);
    json_decref(j);
    assert_int_equal(zt_ctl_json_int(j = json_null(), 7), 7);
    json_decref(j);
    /* as string */
    assert_int_equal(zt_ctl_json_string(j = json_integer(12), "", s, sizeof(s)), 0);
    json_decref(j);
    assert_string_equal(s, "12");
    assert_int_equal(zt_ctl_json_string(j = json_false(), "", s, sizeof(s)), 0);
    json_decref(j);
    assert_string_equal(s, "0");
    assert_int_equal(zt_ctl_json_string(j = json_array(), "d", s, sizeof(s)), 0);
    json_decref(j);
    assert_string_equal(s, "d");
    assert_int_equal(zt_ctl_json_string(j = json_string("0123456789abcdefX"), "", s, sizeof(s)),
                     ZT_ERR_RANGE);
    json_decref(j);
}

static void test_ip_text(void **state)
{
    zt_ctl_ip ip;
    char out[64];
    (void)state;

    assert_int_equal(zt_ctl_ip_parse(&ip, "10.1.2.3", 8, false), 0);
    assert_int_equal(ip.family, 4);
    assert_int_equal(zt_ctl_ip_format(&ip, false, out, sizeof(out)), 0);
    assert_string_equal(out, "10.1.2.3");
    assert_int_equal(zt_ctl_ip_parse(&ip, "FD00:0::1/64", 12, true), 0);
    assert_int_equal(ip.bits, 64);
    assert_int_equal(zt_ctl_ip_format(&ip, true, out, sizeof(out)), 0);
    assert_string_equal(out, "fd00::1/64");
    assert_int_equal(zt_ctl_ip_parse(&ip, "10.0.0.0/33", 11, true), ZT_ERR_INVAL);
    assert_int_equal(zt_ctl_ip_parse(&ip, "10.0.0.0", 8, true), ZT_ERR_INVAL);
    assert_int_equal(zt_ctl_ip_parse(&ip, "10.0.0.0/", 9, false), ZT_ERR_INVAL);
    assert_int_equal(zt_ctl_ip_parse(&ip, "10.0.0", 6, false), ZT_ERR_INVAL);
    assert_int_equal(zt_ctl_ip_parse(&ip, "10.0.0.1\0x", 10, false), ZT_ERR_INVAL);
    assert_int_equal(zt_ctl_ip_parse(&ip, "", 0, false), ZT_ERR_INVAL);
    assert_int_equal(zt_ctl_ip_format(&ip, false, out, 4), ZT_ERR_NOSPACE);
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
    assert_int_equal(zt_ctl_network_to_json(&n, &j), 0);
    assert_null(json_object_get(j, "clock"));
    assert_null(json_object_get(j, "totalMemberCount"));
    assert_non_null(json_object_get(j, "futureField"));
    assert_string_equal(json_string_value(json_object_get(j, "objtype")), "network");
    assert_int_equal(zt_ctl_network_from_json(&back, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_net_same(&n, &back);
    zt_ctl_network_clear(&back);
    zt_ctl_network_clear(&n);

    /* defaults of a fresh record, as 1.14.1 renders them */
    assert_int_equal(zt_ctl_network_init(&n, NWID2), 0);
    assert_int_equal(zt_ctl_network_to_json(&n, &j), 0);
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
    zt_ctl_network_clear(&n);
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
        if (zt_ctl_network_from_json(&n, j, err, sizeof(err)) != ZT_ERR_INVAL)
            fail_msg("accepted: %s", bad[i]);
        assert_true(err[0] != '\0');
        zt_ctl_network_clear(&n);
        json_decref(j);
    }
    /* Text loading: not JSON at all, duplicate keys */
    assert_int_equal(zt_ctl_network_load(&n, "{\"id\":", 6, err, sizeof(err)), ZT_ERR_INVAL);
    zt_ctl_network_clear(&n);
    {
        static const char dup[] = "{\"id\":\"8056c2e21c000001\",\"id\":\"x\"}";
        assert_int_equal(zt_ctl_network_load(&n, dup, strlen(dup), err, sizeof(err)),
                         ZT_ERR_INVAL);
    }
    zt_ctl_network_clear(&n);
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

    assert_int_equal(zt_ctl_member_to_json(&m, &j), 0);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "abcdef0123");
    assert_string_equal(json_string_value(json_object_get(j, "nwid")), "8056c2e21c000001");
    assert_null(json_object_get(j, "physicalAddr"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "ipAssignments"), 1)),
                        "fd00::5");
    assert_int_equal(zt_ctl_member_from_json(&back, NWID1, j, err, sizeof(err)), 0);
    assert_mem_same(&m, &back);
    zt_ctl_member_clear(&back);
    /* the record names another network */
    assert_int_equal(zt_ctl_member_from_json(&back, NWID2, j, err, sizeof(err)), ZT_ERR_INVAL);
    zt_ctl_member_clear(&back);
    json_decref(j);
    zt_ctl_member_clear(&m);

    /* a non-string ipAssignments item is an error, not a silent drop */
    j = parse("{\"id\":\"abcdef0123\",\"ipAssignments\":[\"10.0.0.1\",7]}");
    assert_int_equal(zt_ctl_member_from_json(&m, NWID1, j, err, sizeof(err)), ZT_ERR_INVAL);
    zt_ctl_member_clear(&m);
    json_decref(j);
    /* defaults */
    zt_ctl_member_init(&m, NWID1, 0x1122334455ULL);
    assert_int_equal(zt_ctl_member_to_json(&m, &j), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "vMajor")), -1);
    assert_null(json_object_get(j, "name"));
    assert_null(json_object_get(j, "identity"));
    assert_true(json_is_null(json_object_get(j, "lastAuthorizedCredentialType")));
    json_decref(j);
    zt_ctl_member_clear(&m);
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
    assert_int_equal(zt_ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
    assert_non_null(strstr(err, "routes"));
    zt_ctl_network_clear(&n);
    json_array_remove(arr, 0);
    assert_int_equal(zt_ctl_network_from_json(&n, j, err, sizeof(err)), 0);
    assert_int_equal(n.nroutes, 128);
    zt_ctl_network_clear(&n);
    /* more than 16384 items on input */
    arr = json_array();
    for (int i = 0; i < ZT_CTL_ARRAY_INPUT_MAX + 1; i++)
        json_array_append_new(arr, json_null());
    json_object_set_new(j, "tags", arr);
    assert_int_equal(zt_ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
    zt_ctl_network_clear(&n);
    json_object_del(j, "tags");
    /* 1025 rules */
    arr = json_array();
    for (int i = 0; i < ZT_CTL_MAX_RULES + 1; i++)
        json_array_append_new(arr, json_pack("{s:s}", "type", "ACTION_ACCEPT"));
    json_object_set_new(j, "rules", arr);
    assert_int_equal(zt_ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
    zt_ctl_network_clear(&n);
    json_object_del(j, "rules");
    /* 128-byte name */
    memset(name, 'n', 128);
    name[128] = '\0';
    json_object_set_new(j, "name", json_string(name));
    assert_int_equal(zt_ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
    zt_ctl_network_clear(&n);
    name[127] = '\0';
    json_object_set_new(j, "name", json_string(name));
    assert_int_equal(zt_ctl_network_from_json(&n, j, err, sizeof(err)), 0);
    zt_ctl_network_clear(&n);
    /* dns domain: truncated to 127 bytes, never mid-character (quirk Q7) */
    {
        char dom[300];
        memset(dom, 'a', 126);
        memcpy(dom + 126, "\xc3\xa9xyz", 6); /* 'é' straddles byte 127 */
        json_object_set_new(j, "dns", json_pack("{s:s}", "domain", dom));
        assert_int_equal(zt_ctl_network_from_json(&n, j, err, sizeof(err)), 0);
        assert_int_equal(strlen(n.dns_domain), 126);
        assert_false(n.has_servers);
        zt_ctl_network_clear(&n);
        json_object_set_new(j, "dns", parse("{\"servers\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"));
        assert_int_equal(zt_ctl_network_from_json(&n, j, err, sizeof(err)), ZT_ERR_RANGE);
        zt_ctl_network_clear(&n);
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
    assert_int_equal(zt_ctl_member_from_json(&m, NWID1, j, err, sizeof(err)), ZT_ERR_RANGE);
    zt_ctl_member_clear(&m);
    json_array_remove(arr, 0);
    assert_int_equal(zt_ctl_member_from_json(&m, NWID1, j, err, sizeof(err)), 0);
    assert_int_equal(m.nips, 32);
    zt_ctl_member_clear(&m);
    /* identity longer than the bound */
    {
        char id[600];
        memset(id, 'a', sizeof(id) - 1);
        id[sizeof(id) - 1] = '\0';
        json_object_set_new(j, "identity", json_string(id));
        assert_int_equal(zt_ctl_member_from_json(&m, NWID1, j, err, sizeof(err)),
                         ZT_ERR_RANGE);
        zt_ctl_member_clear(&m);
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
    assert_int_equal(zt_ctl_network_copy(&before, &n), 0);

    /* absent fields unchanged: only the name moves (and remoteTraceLevel stays, quirk Q2) */
    j = parse("{\"name\":42,\"id\":\"ffffffffffffffff\",\"revision\":99,\"ssoEnabled\":false,"
              "\"unknown\":1}");
    assert_int_equal(zt_ctl_network_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(p.has, ZT_CTL_NET_HAS_NAME);
    assert_int_equal(zt_ctl_network_patch_apply(&n, &p), 0);
    zt_ctl_network_patch_clear(&p);
    assert_string_equal(n.name, "42");
    snprintf(before.name, sizeof(before.name), "42");
    assert_net_same(&before, &n);

    /* the documented coercions */
    j = parse("{\"private\":\"nope\",\"mtu\":99999,\"v4AssignMode\":\"zt\","
              "\"v6AssignMode\":\"rfc4193,zt\",\"enableBroadcast\":[],\"authTokens\":[],"
              "\"dns\":\"x\",\"routes\":\"x\",\"remoteTraceTarget\":\"abc\","
              "\"rules\":[{\"type\":\"ACTION_DROP\"}],\"capabilities\":[{\"id\":9}]}");
    assert_int_equal(zt_ctl_network_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_false(p.has & ZT_CTL_NET_HAS_DNS);    /* non-object dns ignored */
    assert_false(p.has & ZT_CTL_NET_HAS_ROUTES); /* non-array ignored */
    assert_int_equal(zt_ctl_network_patch_apply(&n, &p), 0);
    zt_ctl_network_patch_clear(&p);
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
    assert_int_equal(zt_ctl_network_patch_from_json(&p, j, err, sizeof(err)), ZT_ERR_INVAL);
    zt_ctl_network_patch_clear(&p);
    json_decref(j);
    j = parse("{\"private\":\"t\"}");
    assert_int_equal(zt_ctl_network_patch_from_json(&p, j, err, sizeof(err)), 0);
    assert_int_equal(zt_ctl_network_patch_apply(&n, &p), 0);
    assert_true(n.is_private);
    zt_ctl_network_patch_clear(&p);
    json_decref(j);
    zt_ctl_network_clear(&before);
    zt_ctl_network_clear(&n);
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
    assert_int_equal(zt_ctl_member_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(p.has, ZT_CTL_MEM_HAS_AUTHORIZED | ZT_CTL_MEM_HAS_IPS |
                                ZT_CTL_MEM_HAS_TRACE_LEVEL);
    zt_ctl_member_patch_apply(&m, &p, 5000);
    zt_ctl_member_patch_clear(&p);
    assert_true(m.authorized);
    assert_int_equal(m.last_authorized_time, 5000);
    assert_string_equal(m.last_auth_cred_type, "api");
    assert_int_equal(m.nips, 1);
    assert_string_equal(m.identity, "abcdef0123:0:aabb"); /* not writable */
    assert_string_equal(m.name, "laptop");                /* absent: unchanged */
    assert_int_equal(m.ntags, 2);

    /* same value again: nothing is stamped */
    j = parse("{\"authorized\":1}");
    assert_int_equal(zt_ctl_member_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    zt_ctl_member_patch_apply(&m, &p, 6000);
    zt_ctl_member_patch_clear(&p);
    assert_int_equal(m.last_authorized_time, 5000);
    /* de-authorise */
    j = parse("{\"authorized\":false}");
    assert_int_equal(zt_ctl_member_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    zt_ctl_member_patch_apply(&m, &p, 7000);
    zt_ctl_member_patch_clear(&p);
    assert_false(m.authorized);
    assert_int_equal(m.last_deauthorized_time, 7000);
    /* a non-string IP is a request error (zerotier-one: 500) */
    j = parse("{\"ipAssignments\":[1]}");
    assert_int_equal(zt_ctl_member_patch_from_json(&p, j, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "ipAssignments"));
    zt_ctl_member_patch_clear(&p);
    json_decref(j);
    zt_ctl_member_clear(&m);
}

/* ---- the round-trip backend: mem, with reads served after export + import -------------------- */

typedef struct rt_store {
    zt_store base;
    zt_store *inner;  /* the writes land here */
    zt_store *mirror; /* rebuilt from a fresh controller.d export whenever inner changed */
    char dir[256];
    unsigned gen;
    bool dirty;
} rt_store;

static void rt_fail(rt_store *s, const zt_store *from)
{
    snprintf(s->base.errmsg, sizeof(s->base.errmsg), "%s", zt_store_errmsg(from));
}

static int rt_sync(rt_store *s)
{
    char path[320], err[256];
    zt_store *json = NULL, *mirror = NULL;
    int rv;

    if (!s->dirty && s->mirror != NULL)
        return 0;
    snprintf(path, sizeof(path), "%s/export-%u", s->dir, s->gen++);
    if ((rv = zt_store_json_open(&json, path, err, sizeof(err))) != 0)
        fail_msg("rt: %s", err);
    if ((rv = zt_store_copy(json, s->inner, NULL, NULL)) != 0)
        fail_msg("rt export: %s", zt_store_errmsg(json));
    zt_store_del(json);
    if ((rv = zt_store_json_open(&json, path, err, sizeof(err))) != 0)
        fail_msg("rt: %s", err);
    assert_int_equal(zt_store_mem_new(&mirror), 0);
    if ((rv = zt_store_copy(mirror, json, NULL, NULL)) != 0)
        fail_msg("rt import: %s", zt_store_errmsg(mirror));
    zt_store_del(json);
    rm_tree(path);
    zt_store_del(s->mirror);
    s->mirror = mirror;
    s->dirty = false;
    return 0;
}

static int rt_get_network(zt_store *st, uint64_t nwid, zt_ctl_network *out)
{
    rt_store *s = (rt_store *)st;
    int rv;

    rt_sync(s);
    if ((rv = zt_store_get_network(s->mirror, nwid, out)) != 0)
        rt_fail(s, s->mirror);
    return rv;
}

static int rt_list_networks(zt_store *st, zt_store_network_cb cb, void *arg)
{
    rt_store *s = (rt_store *)st;
    int rv;

    rt_sync(s);
    if ((rv = zt_store_list_networks(s->mirror, cb, arg)) != 0)
        rt_fail(s, s->mirror);
    return rv;
}

static int rt_get_member(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    rt_store *s = (rt_store *)st;
    int rv;

    rt_sync(s);
    if ((rv = zt_store_get_member(s->mirror, nwid, node, out)) != 0)
        rt_fail(s, s->mirror);
    return rv;
}

static int rt_list_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    rt_store *s = (rt_store *)st;
    int rv;

    rt_sync(s);
    if ((rv = zt_store_list_members(s->mirror, nwid, cb, arg)) != 0)
        rt_fail(s, s->mirror);
    return rv;
}

/* Writes go to the inner store and invalidate the mirror. */
#define RT_WRITE(call)                                                                          \
    rt_store *s = (rt_store *)st;                                                               \
    int rv = (call);                                                                            \
    s->dirty = true;                                                                            \
    if (rv != 0)                                                                                \
        rt_fail(s, s->inner);                                                                   \
    return rv

static int rt_put_network(zt_store *st, const zt_ctl_network *n)
{
    RT_WRITE(zt_store_put_network(((rt_store *)st)->inner, n));
}
static int rt_delete_network(zt_store *st, uint64_t nwid)
{
    RT_WRITE(zt_store_delete_network(((rt_store *)st)->inner, nwid));
}
static int rt_put_member(zt_store *st, const zt_ctl_member *m)
{
    RT_WRITE(zt_store_put_member(((rt_store *)st)->inner, m));
}
static int rt_delete_member(zt_store *st, uint64_t nwid, uint64_t node)
{
    RT_WRITE(zt_store_delete_member(((rt_store *)st)->inner, nwid, node));
}
static int rt_begin(zt_store *st)
{
    RT_WRITE(zt_store_begin(((rt_store *)st)->inner));
}
static int rt_commit(zt_store *st)
{
    RT_WRITE(zt_store_commit(((rt_store *)st)->inner));
}
static int rt_rollback(zt_store *st)
{
    RT_WRITE(zt_store_rollback(((rt_store *)st)->inner));
}

static void rt_del(zt_store *st)
{
    rt_store *s = (rt_store *)st;
    zt_store_del(s->inner);
    zt_store_del(s->mirror);
    free(s);
}

static const zt_store_ops rt_ops = {
    "rt",          rt_get_network, rt_put_network,    rt_delete_network, rt_list_networks,
    rt_get_member, rt_put_member,  rt_delete_member,  rt_list_members,   rt_begin,
    rt_commit,     rt_rollback,    rt_del,
};

/* ---- backends -------------------------------------------------------------------------------- */

typedef struct backend {
    const char *name;
    int (*open)(zt_store **pst, const char *dir); /* |dir| exists and is empty at first open */
    bool persistent;                              /* reopen on |dir| sees the data */
    bool can_rollback;
    size_t bulk; /* members in the bulk case */
    /* Overwrites the stored member record with |text| (NULL: cannot). */
    void (*corrupt_member)(const char *dir, uint64_t nwid, uint64_t node, const char *text);
} backend;

static int open_mem(zt_store **pst, const char *dir)
{
    (void)dir;
    return zt_store_mem_new(pst);
}

static int open_sqlite(zt_store **pst, const char *dir)
{
    char path[320], err[256] = "";
    int rv;

    snprintf(path, sizeof(path), "%s/%s", dir, ZT_STORE_SQLITE_DEFAULT_NAME);
    rv = zt_store_sqlite_open(pst, path, err, sizeof(err));
    if (rv != 0)
        print_error("sqlite open: %s\n", err);
    return rv;
}

static int open_json(zt_store **pst, const char *dir)
{
    char path[320], err[256] = "";
    int rv;

    snprintf(path, sizeof(path), "%s/controller.d", dir);
    rv = zt_store_json_open(pst, path, err, sizeof(err));
    if (rv != 0)
        print_error("json open: %s\n", err);
    return rv;
}

static int open_rt(zt_store **pst, const char *dir)
{
    rt_store *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return ZT_ERR_NOMEM;
    s->base.ops = &rt_ops;
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    if (zt_store_mem_new(&s->inner) != 0) {
        free(s);
        return ZT_ERR_NOMEM;
    }
    s->dirty = true;
    *pst = &s->base;
    return 0;
}

static void corrupt_sqlite(const char *dir, uint64_t nwid, uint64_t node, const char *text)
{
    char path[320];
    sqlite3 *db;
    sqlite3_stmt *st;

    snprintf(path, sizeof(path), "%s/%s", dir, ZT_STORE_SQLITE_DEFAULT_NAME);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "UPDATE member SET doc = ?3 WHERE network_id = ?1 AND "
                                        "id = ?2",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)nwid);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)node);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void corrupt_json(const char *dir, uint64_t nwid, uint64_t node, const char *text)
{
    char path[400];

    snprintf(path, sizeof(path), "%s/controller.d/network/%016llx/member/%010llx.json", dir,
             (unsigned long long)nwid, (unsigned long long)node);
    write_file(path, text);
}

static const backend backends[] = {
    {"mem", open_mem, false, true, 10000, NULL},
    {"sqlite", open_sqlite, true, true, 10000, corrupt_sqlite},
    {"json", open_json, true, false, 300, corrupt_json},
    {"rt", open_rt, false, true, 300, NULL},
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

typedef struct fixture {
    const backend *be;
    char dir[128];
    zt_store *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->be = *state;
    make_tmpdir(f->dir, sizeof(f->dir));
    if (f->be->open(&f->st, f->dir) != 0) {
        rm_tree(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    zt_store_del(f->st);
    rm_tree(f->dir);
    free(f);
    return 0;
}

static void reopen(fixture *f)
{
    zt_store_del(f->st);
    f->st = NULL;
    assert_int_equal(f->be->open(&f->st, f->dir), 0);
}

static void put_network(zt_store *st, uint64_t nwid, const char *name)
{
    zt_ctl_network n;

    assert_int_equal(zt_ctl_network_init(&n, nwid), 0);
    snprintf(n.name, sizeof(n.name), "%s", name);
    n.revision = 1;
    if (zt_store_put_network(st, &n) != 0)
        fail_msg("put_network: %s", zt_store_errmsg(st));
    zt_ctl_network_clear(&n);
}

static void put_member(zt_store *st, uint64_t nwid, uint64_t node, bool authorized)
{
    zt_ctl_member m;

    zt_ctl_member_init(&m, nwid, node);
    m.authorized = authorized;
    m.revision = 1;
    m.nips = 1;
    m.ips[0].family = 4;
    m.ips[0].ip[0] = 10;
    m.ips[0].ip[1] = (uint8_t)(node >> 16);
    m.ips[0].ip[2] = (uint8_t)(node >> 8);
    m.ips[0].ip[3] = (uint8_t)node;
    if (zt_store_put_member(st, &m) != 0)
        fail_msg("put_member: %s", zt_store_errmsg(st));
    zt_ctl_member_clear(&m);
}

typedef struct {
    uint64_t ids[64];
    size_t n;
    uint64_t last;
    bool ordered;
    size_t count, authorized;
} seen;

static int see_network(const zt_ctl_network *n, void *arg)
{
    seen *s = arg;
    if (s->n > 0 && n->id <= s->last)
        s->ordered = false;
    s->last = n->id;
    if (s->n < 64)
        s->ids[s->n] = n->id;
    s->n++;
    return 0;
}

static int see_member(const zt_ctl_member *m, void *arg)
{
    seen *s = arg;
    if (s->count > 0 && m->id <= s->last)
        s->ordered = false;
    s->last = m->id;
    if (s->count < 64)
        s->ids[s->count] = m->id;
    s->count++;
    if (m->authorized)
        s->authorized++;
    return 0;
}

/* ---- the shared suite ------------------------------------------------------------------------ */

static void t_network_crud(void **state)
{
    fixture *f = *state;
    zt_ctl_network n, got;

    assert_int_equal(zt_store_get_network(f->st, NWID1, &got), ZT_ERR_NOTFOUND);
    assert_true(zt_store_errmsg(f->st)[0] != '\0');
    zt_ctl_network_clear(&got);
    assert_int_equal(zt_store_delete_network(f->st, NWID1), ZT_ERR_NOTFOUND);

    load_rich_network(&n);
    assert_int_equal(zt_store_put_network(f->st, &n), 0);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &got), 0);
    assert_net_same(&n, &got);
    zt_ctl_network_clear(&got);

    /* replace */
    snprintf(n.name, sizeof(n.name), "renamed");
    n.revision = 8;
    n.nroutes = 0;
    assert_int_equal(zt_store_put_network(f->st, &n), 0);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &got), 0);
    assert_string_equal(got.name, "renamed");
    assert_int_equal(got.revision, 8);
    assert_int_equal(got.nroutes, 0);
    assert_non_null(got.extra); /* unknown keys survive the store */
    assert_non_null(strstr(got.extra, "futureField"));
    zt_ctl_network_clear(&got);

    assert_int_equal(zt_store_delete_network(f->st, NWID1), 0);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &got), ZT_ERR_NOTFOUND);
    zt_ctl_network_clear(&got);
    assert_int_equal(zt_store_delete_network(f->st, NWID1), ZT_ERR_NOTFOUND);
    /* bad arguments */
    assert_int_equal(zt_store_get_network(f->st, 0, &got), ZT_ERR_INVAL);
    zt_ctl_network_clear(&got);
    n.id = 0;
    assert_int_equal(zt_store_put_network(f->st, &n), ZT_ERR_INVAL);
    zt_ctl_network_clear(&n);
}

static void t_member_crud(void **state)
{
    fixture *f = *state;
    zt_ctl_member m, got;

    load_rich_member(&m);
    /* a member needs its network */
    assert_int_equal(zt_store_put_member(f->st, &m), ZT_ERR_NOTFOUND);
    assert_true(zt_store_errmsg(f->st)[0] != '\0');
    assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &(seen){0}),
                     ZT_ERR_NOTFOUND);
    put_network(f->st, NWID1, "one");
    assert_int_equal(zt_store_get_member(f->st, NWID1, m.id, &got), ZT_ERR_NOTFOUND);
    zt_ctl_member_clear(&got);
    assert_int_equal(zt_store_put_member(f->st, &m), 0);
    assert_int_equal(zt_store_get_member(f->st, NWID1, m.id, &got), 0);
    assert_mem_same(&m, &got);
    zt_ctl_member_clear(&got);

    m.authorized = false;
    m.nips = 0;
    snprintf(m.name, sizeof(m.name), "desk");
    assert_int_equal(zt_store_put_member(f->st, &m), 0);
    assert_int_equal(zt_store_get_member(f->st, NWID1, m.id, &got), 0);
    assert_false(got.authorized);
    assert_int_equal(got.nips, 0);
    assert_string_equal(got.name, "desk");
    assert_string_equal(got.extra, "{\"custom\":\"kept\"}");
    zt_ctl_member_clear(&got);
    /* same address in another network is another record */
    assert_int_equal(zt_store_get_member(f->st, NWID2, m.id, &got), ZT_ERR_NOTFOUND);
    zt_ctl_member_clear(&got);

    assert_int_equal(zt_store_delete_member(f->st, NWID1, m.id), 0);
    assert_int_equal(zt_store_get_member(f->st, NWID1, m.id, &got), ZT_ERR_NOTFOUND);
    zt_ctl_member_clear(&got);
    assert_int_equal(zt_store_delete_member(f->st, NWID1, m.id), ZT_ERR_NOTFOUND);
    /* invalid address */
    m.id = 0x10000000000ULL;
    assert_int_equal(zt_store_put_member(f->st, &m), ZT_ERR_INVAL);
    zt_ctl_member_clear(&m);
}

static void t_list_order(void **state)
{
    fixture *f = *state;
    seen s = {.ordered = true};
    static const uint64_t nodes[] = {0xffffffffffULL, 0x0000000001ULL, 0x8000000000ULL,
                                     0x123456789aULL, 0x0a0b0c0d0eULL};

    assert_int_equal(zt_store_list_networks(f->st, see_network, &s), 0);
    assert_int_equal(s.n, 0);
    put_network(f->st, NWID_HI, "hi");
    put_network(f->st, NWID1, "one");
    put_network(f->st, NWID2, "two");
    assert_int_equal(zt_store_list_networks(f->st, see_network, &s), 0);
    assert_int_equal(s.n, 3);
    assert_true(s.ordered);
    assert_int_equal(s.ids[0], NWID2);
    assert_int_equal(s.ids[1], NWID1);
    assert_int_equal(s.ids[2], NWID_HI);

    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
        put_member(f->st, NWID1, nodes[i], i % 2 == 0);
    put_member(f->st, NWID2, 0x0000000001ULL, true);
    memset(&s, 0, sizeof(s));
    s.ordered = true;
    assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 5);
    assert_int_equal(s.authorized, 3);
    assert_true(s.ordered);
    assert_int_equal(s.ids[0], 1);
    assert_int_equal(s.ids[4], 0xffffffffffULL);
    memset(&s, 0, sizeof(s));
    assert_int_equal(zt_store_list_members(f->st, NWID_HI, see_member, &s), 0);
    assert_int_equal(s.count, 0);
}

static void t_delete_cascades(void **state)
{
    fixture *f = *state;
    seen s = {0};
    zt_ctl_member got;

    put_network(f->st, NWID1, "one");
    put_network(f->st, NWID2, "two");
    put_member(f->st, NWID1, 0x1111111111ULL, true);
    put_member(f->st, NWID1, 0x2222222222ULL, false);
    put_member(f->st, NWID2, 0x1111111111ULL, true);
    /* replacing a network keeps its members */
    put_network(f->st, NWID1, "one again");
    assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 2);

    assert_int_equal(zt_store_delete_network(f->st, NWID1), 0);
    assert_int_equal(zt_store_get_member(f->st, NWID1, 0x1111111111ULL, &got), ZT_ERR_NOTFOUND);
    zt_ctl_member_clear(&got);
    assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &s), ZT_ERR_NOTFOUND);
    put_network(f->st, NWID1, "reborn");
    memset(&s, 0, sizeof(s));
    assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 0);
    /* the other network is untouched */
    assert_int_equal(zt_store_get_member(f->st, NWID2, 0x1111111111ULL, &got), 0);
    zt_ctl_member_clear(&got);
}

static void t_bounds_roundtrip(void **state)
{
    fixture *f = *state;
    zt_ctl_network n, got;
    zt_ctl_member m, gm;

    /* every list at its bound survives the store */
    assert_int_equal(zt_ctl_network_init(&n, NWID1), 0);
    memset(n.name, 'x', ZT_CTL_NAME_MAX);
    n.name[ZT_CTL_NAME_MAX] = '\0';
    for (size_t i = 0; i < ZT_CTL_MAX_ROUTES; i++) {
        n.routes[i].target.family = 6;
        n.routes[i].target.bits = (uint8_t)(i % 129);
        n.routes[i].target.ip[0] = 0xfd;
        n.routes[i].target.ip[15] = (uint8_t)i;
    }
    n.nroutes = ZT_CTL_MAX_ROUTES;
    for (size_t i = 0; i < ZT_CTL_MAX_TAGS; i++) {
        n.tags[i].id = (uint32_t)(i * 3);
        n.tags[i].has_default = i % 2 == 0;
        n.tags[i].default_value = n.tags[i].has_default ? UINT32_MAX - (uint32_t)i : 0;
    }
    n.ntags = ZT_CTL_MAX_TAGS;
    for (size_t i = 0; i < ZT_CTL_MAX_TOKENS; i++) {
        memset(n.tokens[i].token, 'a' + (int)(i % 26), ZT_CTL_TOKEN_MAX);
        n.tokens[i].token[ZT_CTL_TOKEN_MAX - 1] = (char)('0' + (char)(i / 26));
        n.tokens[i].token[ZT_CTL_TOKEN_MAX] = '\0';
        n.tokens[i].expires = (int64_t)i;
    }
    n.ntokens = ZT_CTL_MAX_TOKENS;
    assert_int_equal(zt_store_put_network(f->st, &n), 0);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &got), 0);
    assert_int_equal(got.nroutes, ZT_CTL_MAX_ROUTES);
    assert_int_equal(got.ntags, ZT_CTL_MAX_TAGS);
    assert_int_equal(got.ntokens, ZT_CTL_MAX_TOKENS);
    assert_net_same(&n, &got);
    zt_ctl_network_clear(&got);
    zt_ctl_network_clear(&n);

    zt_ctl_member_init(&m, NWID1, 0x00000000aaULL);
    for (size_t i = 0; i < ZT_CTL_MAX_IPS; i++) {
        m.ips[i].family = 4;
        m.ips[i].ip[0] = 10;
        m.ips[i].ip[3] = (uint8_t)(i + 1);
    }
    m.nips = ZT_CTL_MAX_IPS;
    for (size_t i = 0; i < ZT_CTL_MAX_TAGS; i++) {
        m.tags[i].id = (uint32_t)i;
        m.tags[i].value = UINT32_MAX - (uint32_t)i;
        m.caps[i] = (uint32_t)i * 7;
    }
    m.ntags = m.ncaps = ZT_CTL_MAX_TAGS;
    memset(m.identity, 'f', ZT_CTL_IDENTITY_MAX);
    m.identity[ZT_CTL_IDENTITY_MAX] = '\0';
    assert_int_equal(zt_store_put_member(f->st, &m), 0);
    assert_int_equal(zt_store_get_member(f->st, NWID1, m.id, &gm), 0);
    assert_mem_same(&m, &gm);
    zt_ctl_member_clear(&gm);
    zt_ctl_member_clear(&m);
}

static void t_save_revisions(void **state)
{
    fixture *f = *state;
    zt_ctl_network n;
    zt_ctl_member m;
    bool changed;

    assert_int_equal(zt_ctl_network_init(&n, NWID1), 0);
    assert_int_equal(zt_store_save_network(f->st, &n, 1000, &changed), 0);
    assert_true(changed);
    assert_int_equal(n.revision, 1);
    assert_int_equal(n.creation_time, 1000);
    /* an unchanged save writes nothing (§4.5) */
    assert_int_equal(zt_store_save_network(f->st, &n, 2000, &changed), 0);
    assert_false(changed);
    assert_int_equal(n.revision, 1);
    n.mtu = 1500;
    n.creation_time = 0;
    assert_int_equal(zt_store_save_network(f->st, &n, 3000, &changed), 0);
    assert_true(changed);
    assert_int_equal(n.revision, 2);
    assert_int_equal(n.creation_time, 1000);
    zt_ctl_network_clear(&n);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &n), 0);
    assert_int_equal(n.revision, 2);
    assert_int_equal(n.mtu, 1500);
    zt_ctl_network_clear(&n);

    zt_ctl_member_init(&m, NWID1, 0x1234567890ULL);
    assert_int_equal(zt_store_save_member(f->st, &m, 500, &changed), 0);
    assert_true(changed);
    assert_int_equal(m.revision, 1);
    assert_int_equal(zt_store_save_member(f->st, &m, 600, &changed), 0);
    assert_false(changed);
    m.authorized = true;
    assert_int_equal(zt_store_save_member(f->st, &m, 700, &changed), 0);
    assert_true(changed);
    assert_int_equal(m.revision, 2);
    assert_int_equal(m.creation_time, 500);
    zt_ctl_member_clear(&m);
}

static void t_partial_update(void **state)
{
    fixture *f = *state;
    zt_ctl_network n;
    zt_ctl_network_patch p;
    zt_ctl_member m;
    zt_ctl_member_patch mp;
    json_t *j;
    char err[256];

    /* The REST flow: load, apply the request, save.  Untouched fields survive the store. */
    load_rich_network(&n);
    assert_int_equal(zt_store_put_network(f->st, &n), 0);
    zt_ctl_network_clear(&n);
    j = parse("{\"multicastLimit\":\"100\"}");
    assert_int_equal(zt_ctl_network_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &n), 0);
    assert_int_equal(zt_ctl_network_patch_apply(&n, &p), 0);
    zt_ctl_network_patch_clear(&p);
    assert_int_equal(zt_store_save_network(f->st, &n, 1, NULL), 0);
    zt_ctl_network_clear(&n);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &n), 0);
    assert_int_equal(n.multicast_limit, 100);
    assert_int_equal(n.revision, 8);
    assert_int_equal(n.nroutes, 4);
    assert_int_equal(n.remote_trace_level, 2);
    assert_string_equal(n.name, "lab");
    zt_ctl_network_clear(&n);

    load_rich_member(&m);
    assert_int_equal(zt_store_put_member(f->st, &m), 0);
    zt_ctl_member_clear(&m);
    j = parse("{\"name\":\"renamed\"}");
    assert_int_equal(zt_ctl_member_patch_from_json(&mp, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(zt_store_get_member(f->st, NWID1, 0xabcdef0123ULL, &m), 0);
    zt_ctl_member_patch_apply(&m, &mp, 99);
    zt_ctl_member_patch_clear(&mp);
    assert_int_equal(zt_store_save_member(f->st, &m, 99, NULL), 0);
    zt_ctl_member_clear(&m);
    assert_int_equal(zt_store_get_member(f->st, NWID1, 0xabcdef0123ULL, &m), 0);
    assert_string_equal(m.name, "renamed");
    assert_true(m.authorized);
    assert_int_equal(m.nips, 2);
    assert_int_equal(m.revision, 4);
    assert_string_equal(m.identity, "abcdef0123:0:aabb");
    zt_ctl_member_clear(&m);
}

static void t_transactions(void **state)
{
    fixture *f = *state;
    zt_ctl_network n;
    int rv;

    assert_int_equal(zt_store_commit(f->st), ZT_ERR_INVAL);
    assert_int_equal(zt_store_rollback(f->st), ZT_ERR_INVAL);
    assert_int_equal(zt_store_begin(f->st), 0);
    assert_int_equal(zt_store_begin(f->st), ZT_ERR_INVAL); /* no nesting */
    put_network(f->st, NWID1, "one");
    put_member(f->st, NWID1, 0x1111111111ULL, true);
    assert_int_equal(zt_store_commit(f->st), 0);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &n), 0);
    zt_ctl_network_clear(&n);

    assert_int_equal(zt_store_begin(f->st), 0);
    put_network(f->st, NWID2, "two");
    assert_int_equal(zt_store_delete_network(f->st, NWID1), 0);
    rv = zt_store_rollback(f->st);
    if (f->be->can_rollback) {
        assert_int_equal(rv, 0);
        assert_int_equal(zt_store_get_network(f->st, NWID2, &n), ZT_ERR_NOTFOUND);
        zt_ctl_network_clear(&n);
        assert_int_equal(zt_store_get_network(f->st, NWID1, &n), 0);
        zt_ctl_network_clear(&n);
        zt_ctl_member m;
        assert_int_equal(zt_store_get_member(f->st, NWID1, 0x1111111111ULL, &m), 0);
        zt_ctl_member_clear(&m);
    } else {
        /* write-through: refused with a sentence, the changes are kept */
        assert_int_equal(rv, ZT_ERR_UNSUPPORTED);
        assert_non_null(strstr(zt_store_errmsg(f->st), "cannot roll back"));
        assert_int_equal(zt_store_get_network(f->st, NWID2, &n), 0);
        zt_ctl_network_clear(&n);
    }
    /* the transaction is over either way */
    assert_int_equal(zt_store_begin(f->st), 0);
    assert_int_equal(zt_store_commit(f->st), 0);
}

static zt_store *g_cb_store;

static int cb_writes(const zt_ctl_network *n, void *arg)
{
    zt_ctl_network got;
    int *results = arg;

    /* reads are allowed from a callback, writes and nested lists are not */
    results[0] = zt_store_get_network(g_cb_store, n->id, &got);
    zt_ctl_network_clear(&got);
    results[1] = zt_store_put_network(g_cb_store, n);
    results[2] = zt_store_list_networks(g_cb_store, see_network, &(seen){0});
    results[3] = zt_store_begin(g_cb_store);
    return 0;
}

static int cb_stop(const zt_ctl_member *m, void *arg)
{
    int *calls = arg;
    (void)m;
    return ++*calls == 2 ? 42 : 0;
}

static void t_iteration_rules(void **state)
{
    fixture *f = *state;
    int results[4] = {1, 1, 1, 1}, calls = 0;

    put_network(f->st, NWID1, "one");
    for (uint64_t i = 1; i <= 3; i++)
        put_member(f->st, NWID1, i, false);
    g_cb_store = f->st;
    assert_int_equal(zt_store_list_networks(f->st, cb_writes, results), 0);
    assert_int_equal(results[0], 0);
    assert_int_equal(results[1], ZT_ERR_INVAL);
    assert_int_equal(results[2], ZT_ERR_INVAL);
    assert_int_equal(results[3], ZT_ERR_INVAL);
    /* a non-zero callback value stops the listing and comes back as is */
    assert_int_equal(zt_store_list_members(f->st, NWID1, cb_stop, &calls), 42);
    assert_int_equal(calls, 2);
    /* and the store is usable afterwards */
    put_member(f->st, NWID1, 4, true);
}

static void t_reopen(void **state)
{
    fixture *f = *state;
    zt_ctl_network n, got;
    zt_ctl_member m, gm;
    seen s = {0};

    if (!f->be->persistent)
        skip();
    load_rich_network(&n);
    load_rich_member(&m);
    assert_int_equal(zt_store_put_network(f->st, &n), 0);
    assert_int_equal(zt_store_put_member(f->st, &m), 0);
    put_network(f->st, NWID_HI, "hi");
    for (uint64_t i = 1; i <= 50; i++)
        put_member(f->st, NWID_HI, i, i % 3 == 0);
    /* an open transaction at close is not a commit */
    assert_int_equal(zt_store_begin(f->st), 0);
    put_network(f->st, NWID2, "uncommitted");
    reopen(f);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &got), 0);
    assert_net_same(&n, &got);
    zt_ctl_network_clear(&got);
    assert_int_equal(zt_store_get_member(f->st, NWID1, m.id, &gm), 0);
    assert_mem_same(&m, &gm);
    zt_ctl_member_clear(&gm);
    assert_int_equal(zt_store_list_members(f->st, NWID_HI, see_member, &s), 0);
    assert_int_equal(s.count, 50);
    assert_int_equal(s.authorized, 16);
    if (f->be->can_rollback) {
        assert_int_equal(zt_store_get_network(f->st, NWID2, &got), ZT_ERR_NOTFOUND);
        zt_ctl_network_clear(&got);
    }
    zt_ctl_network_clear(&n);
    zt_ctl_member_clear(&m);
}

/* Crash safety: a child process writes and dies without closing the store (no flush, no
 * checkpoint, an open transaction); the parent reopens and finds every committed record. */
static void t_crash(void **state)
{
    fixture *f = *state;
    zt_ctl_network got;
    seen s = {0};
    pid_t pid;
    int status;

    if (!f->be->persistent)
        skip();
    zt_store_del(f->st); /* the child opens its own */
    f->st = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        zt_store *st = NULL;
        if (f->be->open(&st, f->dir) != 0)
            _exit(3);
        put_network(st, NWID1, "survives");
        for (uint64_t i = 1; i <= 20; i++)
            put_member(st, NWID1, i, true);
        if (zt_store_begin(st) != 0)
            _exit(4);
        put_network(st, NWID2, "in flight");
        _exit(0); /* no zt_store_del: as if killed */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(f->be->open(&f->st, f->dir), 0);
    assert_int_equal(zt_store_get_network(f->st, NWID1, &got), 0);
    assert_string_equal(got.name, "survives");
    zt_ctl_network_clear(&got);
    assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 20);
    if (f->be->can_rollback) {
        assert_int_equal(zt_store_get_network(f->st, NWID2, &got), ZT_ERR_NOTFOUND);
        zt_ctl_network_clear(&got);
    }
}

static void t_corrupt_record(void **state)
{
    fixture *f = *state;
    zt_ctl_member got;
    seen s = {0};
    static const char *const bad[] = {
        "{\"id\":\"abcdef01",                                      /* truncated */
        "[]",                                                      /* not an object */
        "{\"id\":\"1111111111\"}",                                 /* another member */
        "{\"id\":\"abcdef0123\",\"ipAssignments\":[1]}",           /* wrong type */
        "{\"id\":\"abcdef0123\",\"nwid\":\"0123456789000002\"}",   /* another network */
    };

    if (f->be->corrupt_member == NULL)
        skip();
    put_network(f->st, NWID1, "one");
    put_member(f->st, NWID1, 0x0000000001ULL, true);
    put_member(f->st, NWID1, 0xabcdef0123ULL, true);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        f->be->corrupt_member(f->dir, NWID1, 0xabcdef0123ULL, bad[i]);
        assert_int_equal(zt_store_get_member(f->st, NWID1, 0xabcdef0123ULL, &got),
                         ZT_ERR_INVAL);
        zt_ctl_member_clear(&got);
        assert_non_null(strstr(zt_store_errmsg(f->st), "corrupt"));
        /* a listing stops at it with the error: the member is not silently missing */
        memset(&s, 0, sizeof(s));
        assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &s), ZT_ERR_INVAL);
        assert_non_null(strstr(zt_store_errmsg(f->st), "abcdef0123"));
    }
    /* the good one is still readable, and rewriting fixes the bad one */
    assert_int_equal(zt_store_get_member(f->st, NWID1, 1, &got), 0);
    zt_ctl_member_clear(&got);
    put_member(f->st, NWID1, 0xabcdef0123ULL, false);
    memset(&s, 0, sizeof(s));
    assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 2);
}

static void t_bulk(void **state)
{
    fixture *f = *state;
    size_t n = f->be->bulk;
    seen s = {.ordered = true};
    zt_ctl_member got;
    double t0, t1, t2, t3;

    put_network(f->st, NWID1, "big");
    t0 = now_sec();
    assert_int_equal(zt_store_begin(f->st), 0);
    /* addresses in a scrambled order */
    for (size_t i = 0; i < n; i++)
        put_member(f->st, NWID1, ((uint64_t)(i * 7919u % n) << 8) + 1, i % 4 != 0);
    assert_int_equal(zt_store_commit(f->st), 0);
    t1 = now_sec();
    assert_int_equal(zt_store_list_members(f->st, NWID1, see_member, &s), 0);
    t2 = now_sec();
    assert_int_equal(s.count, n);
    assert_true(s.ordered);
    assert_int_equal(s.authorized, n - (n + 3) / 4);
    for (size_t i = 0; i < 1000 && i < n; i++) {
        uint64_t id = ((uint64_t)((i * 104729u) % n) << 8) + 1;
        assert_int_equal(zt_store_get_member(f->st, NWID1, id, &got), 0);
        zt_ctl_member_clear(&got);
    }
    t3 = now_sec();
    print_message("[ %-6s ] %zu members: insert %.3f s, list %.3f s, %zu gets %.3f s\n",
                  f->be->name, n, t1 - t0, t2 - t1, n < 1000 ? n : 1000, t3 - t2);
    /* generous: catches a quadratic path, not a slow machine */
    assert_true(t1 - t0 < 60.0);
    assert_true(t2 - t1 < 30.0);
}

/* ---- backend-specific cases ------------------------------------------------------------------ */

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("sql: %s", msg);
    sqlite3_close(db);
}

static int query_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int v;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_sqlite_schema(void **state)
{
    char dir[128], path[256], err[256];
    zt_store *st = NULL;
    zt_ctl_network n;
    struct stat sb;
    (void)state;

    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/c.sqlite3", dir);
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), 0);
    zt_store_del(st);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(query_int(path, "SELECT version FROM schema_version"),
                     zt_store_sqlite_schema_version());
    {
        char *mode = NULL;
        sqlite3 *db;
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), 0);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        mode = strdup((const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        sqlite3_close(db);
        assert_string_equal(mode, "wal"); /* WAL is persistent in the file */
        free(mode);
    }

    /* a newer schema is refused with a clear sentence, and the file is left alone */
    exec_sql(path, "UPDATE schema_version SET version = 99");
    err[0] = '\0';
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), ZT_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "schema version 99"));
    assert_non_null(strstr(err, "newer"));
    assert_int_equal(query_int(path, "SELECT version FROM schema_version"), 99);
    /* a damaged version row */
    exec_sql(path, "DELETE FROM schema_version");
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "damaged"));
    unlink(path);

    /* a version-1 database (as the first release wrote it) is migrated, data kept */
    exec_sql(path,
             "PRAGMA journal_mode=WAL;"
             "CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1),"
             "  version INTEGER NOT NULL);"
             "INSERT INTO schema_version VALUES (1, 1);"
             "CREATE TABLE network (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL,"
             "  doc TEXT NOT NULL);"
             "CREATE TABLE member (network_id INTEGER NOT NULL REFERENCES network (id)"
             "  ON DELETE CASCADE, id INTEGER NOT NULL, revision INTEGER NOT NULL,"
             "  authorized INTEGER NOT NULL, doc TEXT NOT NULL,"
             "  PRIMARY KEY (network_id, id)) WITHOUT ROWID;"
             "INSERT INTO network VALUES (-9198950912469499903, 3,"
             "  '{\"id\":\"8056c2e21c000001\",\"name\":\"old\",\"revision\":3}');");
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), 0);
    assert_int_equal(zt_store_get_network(st, NWID1, &n), 0);
    assert_string_equal(n.name, "old");
    assert_int_equal(n.mtu, 2800); /* defaults fill what the old record lacks */
    zt_ctl_network_clear(&n);
    zt_store_del(st);
    assert_int_equal(query_int(path, "SELECT version FROM schema_version"),
                     zt_store_sqlite_schema_version());
    assert_int_equal(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                                     "AND name = 'member_authorized'"),
                     1);
    unlink(path);

    /* not a database / not ours */
    write_file(path, "this is not a database, just some bytes that go on for a while......"
                     "..............................................................");
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), ZT_ERR_IO);
    assert_true(err[0] != '\0');
    unlink(path);
    exec_sql(path, "CREATE TABLE something (x)");
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "not a controller database"));
    unlink(path);
    /* unopenable path */
    snprintf(path, sizeof(path), "%s/missing/dir/c.sqlite3", dir);
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), ZT_ERR_IO);
    rm_tree(dir);
}

/* The layout zerotier-one reads (§6.1), byte for byte where it matters. */
static void test_json_layout(void **state)
{
    char dir[128], root[256], path[400], *text;
    zt_store *mem = NULL, *json = NULL;
    zt_ctl_network n;
    zt_ctl_member m;
    struct stat sb;
    size_t nets = 0, members = 0;
    (void)state;

    make_tmpdir(dir, sizeof(dir));
    snprintf(root, sizeof(root), "%s/controller.d", dir);
    assert_int_equal(zt_store_mem_new(&mem), 0);
    load_rich_network(&n);
    load_rich_member(&m);
    assert_int_equal(zt_store_put_network(mem, &n), 0);
    assert_int_equal(zt_store_put_member(mem, &m), 0);
    zt_ctl_network_clear(&n);
    zt_ctl_member_clear(&m);
    put_network(mem, NWID2, "empty");

    assert_int_equal(zt_store_json_open(&json, root, NULL, 0), 0);
    assert_int_equal(zt_store_copy(json, mem, &nets, &members), 0);
    assert_int_equal(nets, 2);
    assert_int_equal(members, 1);
    zt_store_del(json);

    assert_int_equal(stat(root, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    snprintf(path, sizeof(path), "%s/trace", root);
    assert_int_equal(stat(path, &sb), 0);
    snprintf(path, sizeof(path), "%s/network/8056c2e21c000001.json", root);
    text = read_all(path);
    assert_non_null(text);
    assert_true(text[0] == '{' && text[strlen(text) - 1] == '}'); /* no trailing newline */
    assert_null(strchr(text, '\n'));
    assert_non_null(strstr(text, "\"id\":\"8056c2e21c000001\",\"ipAssignmentPools\""));
    free(text);
    snprintf(path, sizeof(path), "%s/network/8056c2e21c000001/member/abcdef0123.json", root);
    text = read_all(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"nwid\":\"8056c2e21c000001\""));
    assert_non_null(strstr(text, "\"custom\":\"kept\""));
    free(text);
    snprintf(path, sizeof(path), "%s/network/0123456789000002.json", root);
    assert_int_equal(stat(path, &sb), 0);

    /* A tree as zerotier-one 1.14.1 writes it, with its quirks: member id as typed, [null]
     * tokens, keys removed on save, stray files it ignores. */
    snprintf(path, sizeof(path), "%s/network/8056c2e21c000001/member/1122334455.json", root);
    write_file(path, "{\"id\":\"11223344AA\",\"nwid\":\"8056c2e21c000001\"}");
    snprintf(path, sizeof(path), "%s/network/README.txt", root);
    write_file(path, "not a record");
    snprintf(path, sizeof(path), "%s/network/8056c2e21c000001.json.tmp-abc123", root);
    write_file(path, "{half");
    assert_int_equal(zt_store_json_open(&json, root, NULL, 0), 0);
    zt_store_del(mem);
    assert_int_equal(zt_store_mem_new(&mem), 0);
    /* the hand-made member's id does not match its file name: import stops and says where */
    assert_int_equal(zt_store_copy(mem, json, &nets, &members), ZT_ERR_INVAL);
    assert_non_null(strstr(zt_store_errmsg(mem), "1122334455.json"));
    assert_int_equal(zt_store_get_network(mem, NWID1, &n), ZT_ERR_NOTFOUND); /* all or none */
    zt_ctl_network_clear(&n);
    snprintf(path, sizeof(path), "%s/network/8056c2e21c000001/member/1122334455.json", root);
    write_file(path, "{\"id\":\"1122334455\",\"clock\":1,\"lastRequestMetaData\":\"x\","
                     "\"authorized\":\"true\"}");
    nets = members = 0;
    assert_int_equal(zt_store_copy(mem, json, &nets, &members), 0);
    assert_int_equal(nets, 2);
    assert_int_equal(members, 2);
    assert_int_equal(zt_store_get_member(mem, NWID1, 0x1122334455ULL, &m), 0);
    assert_true(m.authorized);
    assert_null(m.extra);
    zt_ctl_member_clear(&m);
    zt_store_del(json);
    zt_store_del(mem);
    zt_ctl_network_clear(&n);

    /* a corrupt network file on import: an error naming it, nothing imported */
    snprintf(path, sizeof(path), "%s/network/0123456789000002.json", root);
    write_file(path, "{\"id\":\"0123456789000002\",\"routes\":");
    assert_int_equal(zt_store_json_open(&json, root, NULL, 0), 0);
    assert_int_equal(zt_store_mem_new(&mem), 0);
    assert_int_equal(zt_store_copy(mem, json, NULL, NULL), ZT_ERR_INVAL);
    assert_non_null(strstr(zt_store_errmsg(mem), "0123456789000002.json is corrupt"));
    assert_int_equal(zt_store_get_network(mem, NWID1, &n), ZT_ERR_NOTFOUND);
    zt_ctl_network_clear(&n);
    zt_store_del(json);
    zt_store_del(mem);
    zt_ctl_member_clear(&m);
    rm_tree(dir);
}

/* Import a controller.d tree into SQLite and export it again: the same files come out. */
static void test_json_sqlite_json(void **state)
{
    char dir[128], a[256], b[256], db[256], p1[400], p2[400], *t1, *t2;
    zt_store *ja = NULL, *jb = NULL, *sq = NULL;
    zt_ctl_network n;
    zt_ctl_member m;
    (void)state;

    make_tmpdir(dir, sizeof(dir));
    snprintf(a, sizeof(a), "%s/a", dir);
    snprintf(b, sizeof(b), "%s/b", dir);
    snprintf(db, sizeof(db), "%s/c.sqlite3", dir);
    assert_int_equal(zt_store_json_open(&ja, a, NULL, 0), 0);
    load_rich_network(&n);
    load_rich_member(&m);
    assert_int_equal(zt_store_put_network(ja, &n), 0);
    assert_int_equal(zt_store_put_member(ja, &m), 0);
    assert_int_equal(zt_store_sqlite_open(&sq, db, NULL, 0), 0);
    assert_int_equal(zt_store_copy(sq, ja, NULL, NULL), 0);
    assert_int_equal(zt_store_json_open(&jb, b, NULL, 0), 0);
    assert_int_equal(zt_store_copy(jb, sq, NULL, NULL), 0);
    snprintf(p1, sizeof(p1), "%s/network/8056c2e21c000001.json", a);
    snprintf(p2, sizeof(p2), "%s/network/8056c2e21c000001.json", b);
    t1 = read_all(p1);
    t2 = read_all(p2);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    snprintf(p1, sizeof(p1), "%s/network/8056c2e21c000001/member/abcdef0123.json", a);
    snprintf(p2, sizeof(p2), "%s/network/8056c2e21c000001/member/abcdef0123.json", b);
    t1 = read_all(p1);
    t2 = read_all(p2);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    zt_store_del(ja);
    zt_store_del(jb);
    zt_store_del(sq);
    zt_ctl_network_clear(&n);
    zt_ctl_member_clear(&m);
    rm_tree(dir);
}

/* ---- runner ---------------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    CMUnitTestFunction fn;
} shared_case;

static const shared_case shared[] = {
    {"network_crud", t_network_crud},
    {"member_crud", t_member_crud},
    {"list_order", t_list_order},
    {"delete_cascades", t_delete_cascades},
    {"bounds_roundtrip", t_bounds_roundtrip},
    {"save_revisions", t_save_revisions},
    {"partial_update", t_partial_update},
    {"transactions", t_transactions},
    {"iteration_rules", t_iteration_rules},
    {"reopen", t_reopen},
    {"crash", t_crash},
    {"corrupt_record", t_corrupt_record},
    {"bulk", t_bulk},
};
#define NSHARED (sizeof(shared) / sizeof(shared[0]))

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
        cmocka_unit_test(test_sqlite_schema),
        cmocka_unit_test(test_json_layout),
        cmocka_unit_test(test_json_sqlite_json),
    };
    static struct CMUnitTest shared_tests[NBACKENDS * NSHARED];
    static char names[NBACKENDS * NSHARED][64];
    int failed;

    for (size_t b = 0; b < NBACKENDS; b++) {
        for (size_t c = 0; c < NSHARED; c++) {
            size_t k = b * NSHARED + c;
            snprintf(names[k], sizeof(names[k]), "%s/%s", backends[b].name, shared[c].name);
            shared_tests[k] = (struct CMUnitTest){
                .name = names[k],
                .test_func = shared[c].fn,
                .setup_func = setup,
                .teardown_func = teardown,
                .initial_state = (void *)&backends[b],
            };
        }
    }
    failed = cmocka_run_group_tests_name("model and backend-specific", model_tests, NULL, NULL);
    failed += _cmocka_run_group_tests("shared store suite", shared_tests,
                                      NBACKENDS * NSHARED, NULL, NULL);
    return failed;
}
