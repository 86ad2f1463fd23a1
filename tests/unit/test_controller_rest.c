/*
 * Unit tests for the controller's REST routes (src/controller/rest.c, controller.md §5.2-§5.7):
 * every route and status code, the bodies byte for byte where the spec shows them, on a
 * controller over a temporary SQLite store.
 */
#include "controller_testutil.h"

#include "controller/rest.h"

#include <inttypes.h>
#include <unistd.h>

#define ADDR 0x7064247a5aULL
#define NET_A "7064247a5a000001"
#define MEMBER "136548ea94"

typedef struct {
    char dir[32], path[64];
    zts_controller *ctl;
    uint64_t seed;
    bool zero_rng; /* the random source answers 0 */
} rest_fixture;

static uint64_t rest_random(void *arg)
{
    rest_fixture *f = arg;
    return f->zero_rng ? 0 : seq_random(&f->seed);
}

static int setup(void **state)
{
    rest_fixture *f = calloc(1, sizeof(*f));
    zts_controller_config cfg;

    assert_non_null(f);
    strcpy(f->dir, "/tmp/zt-ctl-rest-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/c.sqlite3", f->dir);
    f->seed = 11;
    zts_controller_config_default(&cfg);
    cfg.identity_secret = controller_secret;
    cfg.store_kind = ZTS_CONTROLLER_STORE_SQLITE;
    cfg.store_path = f->path;
    cfg.random_u64 = rest_random;
    cfg.random_arg = f;
    assert_int_equal(zts_controller_new(&f->ctl, &cfg), ZTS_CONTROLLER_OK);
    assert_true(zts_controller_address(f->ctl) == ADDR);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    rest_fixture *f = *state;
    char p[80];

    zts_controller_del(f->ctl);
    unlink(f->path);
    snprintf(p, sizeof(p), "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->path);
    unlink(p);
    assert_int_equal(rmdir(f->dir), 0);
    free(f);
    return 0;
}

/* One request; the reply's status is returned and its body left in *pbody (free()). */
static unsigned req(rest_fixture *f, const char *method, const char *path, const char *body,
                    char **pbody)
{
    zt_controller_reply r = {777, NULL};

    assert_true(zt__controller_rest(f->ctl, method, path, body, body != NULL ? strlen(body) : 0,
                                    T0, &r));
    if (pbody != NULL)
        *pbody = r.body;
    else
        free(r.body);
    return r.status;
}

/* One request whose reply must be |status| with exactly |expect| (NULL: no body). */
static void expect(rest_fixture *f, const char *method, const char *path, const char *body,
                   unsigned status, const char *want)
{
    char *got = NULL;

    assert_int_equal(req(f, method, path, body, &got), status);
    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(got, want);
    free(got);
}

/* The path is not a controller route: false, |out| untouched. */
static void not_route(rest_fixture *f, const char *method, const char *path)
{
    zt_controller_reply r = {777, (char *)"x"};

    assert_false(zt__controller_rest(f->ctl, method, path, "{}", 2, T0, &r));
    assert_int_equal(r.status, 777);
    assert_string_equal(r.body, "x");
}

/* A 500 reply: {"error": 500, "description": "<non-empty>"} that parses as JSON. */
static void expect_500(rest_fixture *f, const char *method, const char *path, const char *body)
{
    char *got = NULL;
    json_t *j;
    json_error_t e;

    assert_int_equal(req(f, method, path, body, &got), 500);
    assert_non_null(got);
    assert_memory_equal(got, "{\"error\": 500, \"description\": \"", 31);
    j = json_loads(got, 0, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "error")), 500);
    assert_true(strlen(json_string_value(json_object_get(j, "description"))) > 0);
    json_decref(j);
    free(got);
}

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    return j;
}

/* ---- status, paths ---------------------------------------------------------------------------- */

static void test_status(void **state)
{
    rest_fixture *f = *state;
    const char *want = "{\n\t\"controller\": true,\n\t\"apiVersion\": 4,\n\t\"clock\": "
                       "1700000000000,\n\t\"databaseReady\": true\n}\n";

    expect(f, "GET", "/controller", NULL, 200, want);
    expect(f, "GET", "/controller/", NULL, 200, want);
    not_route(f, "POST", "/controller");
    not_route(f, "DELETE", "/controller");
    not_route(f, "GET", "/unstable/controller");
}

static void test_unknown_paths(void **state)
{
    rest_fixture *f = *state;

    not_route(f, "GET", "/");
    not_route(f, "GET", "");
    not_route(f, "GET", "controller");
    not_route(f, "GET", "/controllerx");
    not_route(f, "GET", "/Controller");
    not_route(f, "GET", "/controller//");
    not_route(f, "GET", "/controller/networks");
    not_route(f, "GET", "//controller/network");
    not_route(f, "GET", "/controller/network//");
    not_route(f, "GET", "/controller/network/7064247a5a00001");   /* 15 digits */
    not_route(f, "GET", "/controller/network/7064247a5a0000011"); /* 17 */
    not_route(f, "GET", "/controller/network/7064247a5a00000g");
    not_route(f, "GET", "/controller/network/" NET_A "/members");
    not_route(f, "GET", "/controller/network/" NET_A "/member/136548ea9");
    not_route(f, "GET", "/controller/network/" NET_A "/member/" MEMBER "/x");
    not_route(f, "GET", "/controller/network/" NET_A "/member/" MEMBER "//");
    not_route(f, "GET", "/unstable/controller/network/" NET_A);
    not_route(f, "GET", "/unstable/controller/network/" NET_A "/member/" MEMBER);
    not_route(f, "GET", "/unstable/unstable/controller/network");
    not_route(f, "GET", "/controller/network/7064247a5a______"); /* legacy: POST/PUT only */
    not_route(f, "DELETE", "/controller/network");
    not_route(f, "POST", "/controller/network/" NET_A "/member");
    not_route(f, "POST", "/unstable/controller/network");
    not_route(f, "PATCH", "/controller/network/" NET_A);
    not_route(f, "get", "/controller");
    not_route(f, "HEAD", "/controller");
    not_route(f, "GET", "/controller/network/" NET_A "/member/" MEMBER
                        "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

/* ---- networks --------------------------------------------------------------------------------- */

/* The network object of a fresh network named "a" (§5.4 defaults), as 1.14.1 renders it. */
static const char fresh_a[] =
    "{\"authTokens\":[null],\"authorizationEndpoint\":\"\",\"capabilities\":[],"
    "\"clientId\":\"\",\"creationTime\":1700000000000,\"dns\":[],"
    "\"enableBroadcast\":true,\"id\":\"%s\",\"ipAssignmentPools\":[],\"mtu\":2800,"
    "\"multicastLimit\":32,\"name\":\"a\",\"nwid\":\"%s\",\"objtype\":\"network\","
    "\"private\":true,\"remoteTraceLevel\":0,\"remoteTraceTarget\":null,\"revision\":%d,"
    "\"routes\":[],\"rules\":[{\"not\":false,\"or\":false,\"type\":\"ACTION_ACCEPT\"}],"
    "\"rulesSource\":\"\",\"ssoEnabled\":false,\"tags\":[],"
    "\"v4AssignMode\":{\"zt\":false},"
    "\"v6AssignMode\":{\"6plane\":false,\"rfc4193\":false,\"zt\":false}}";

static void network_text(char *out, size_t cap, const char *id, int revision)
{
    snprintf(out, cap, fresh_a, id, id, revision);
}

/* POST to |path|; returns the new network's ID, checked to be under the controller. */
static uint64_t create(rest_fixture *f, const char *method, const char *path)
{
    char *body = NULL, want[1024], hex[17];
    uint64_t nwid;
    json_t *j;

    assert_int_equal(req(f, method, path, "{\"name\":\"a\"}", &body), 200);
    j = parse(body);
    nwid = strtoull(json_string_value(json_object_get(j, "id")), NULL, 16);
    json_decref(j);
    assert_true(nwid >> 24 == ADDR);
    assert_true((nwid & 0xffffff) != 0);
    snprintf(hex, sizeof(hex), "%016" PRIx64, nwid);
    network_text(want, sizeof(want), hex, 1);
    assert_string_equal(body, want);
    free(body);
    return nwid;
}

static void swap_if(uint64_t *x, uint64_t *y)
{
    if (*x > *y) {
        uint64_t t = *x;
        *x = *y;
        *y = t;
    }
}

static void sort3(uint64_t *a, uint64_t *b, uint64_t *c)
{
    swap_if(a, b);
    swap_if(b, c);
    swap_if(a, b);
}

static void test_network_create(void **state)
{
    rest_fixture *f = *state;
    char path[64], want[1024], hex[17], list[64];
    uint64_t a, b, c;

    expect(f, "GET", "/controller/network", NULL, 200, "[]");
    a = create(f, "POST", "/controller/network");
    b = create(f, "PUT", "/controller/network/");
    c = create(f, "POST", "/controller/network/7064247a5a______"); /* legacy */
    assert_true(a != b && b != c && a != c);
    snprintf(hex, sizeof(hex), "%016" PRIx64, a);
    snprintf(path, sizeof(path), "/controller/network/%s", hex);
    network_text(want, sizeof(want), hex, 1);
    expect(f, "GET", path, NULL, 200, want);
    sort3(&a, &b, &c); /* the listing ascends */
    snprintf(list, sizeof(list), "[\"%016" PRIx64 "\",\"%016" PRIx64 "\",\"%016" PRIx64 "\"]", a,
             b, c);
    expect(f, "GET", "/controller/network", NULL, 200, list);

    /* legacy: the digits must be this controller's address, compared as lowercase text */
    expect(f, "POST", "/controller/network/1111111111______", "{}", 400, NULL);
    expect(f, "PUT", "/controller/network/7064247A5A______", "{}", 400, NULL);

    /* a zero draw becomes 1 */
    f->zero_rng = true;
    assert_true(create(f, "POST", "/controller/network/7064247a5a______/") == (ADDR << 24 | 1));
}

/* When every draw is taken: 503, empty body (§5.3).  100 000 lookups: on a memory store. */
static void test_network_full(void **state)
{
    rest_fixture f = {.zero_rng = true};
    zts_controller_config cfg;
    (void)state;

    zts_controller_config_default(&cfg);
    cfg.identity_secret = controller_secret;
    cfg.random_u64 = rest_random;
    cfg.random_arg = &f;
    assert_int_equal(zts_controller_new(&f.ctl, &cfg), ZTS_CONTROLLER_OK);
    assert_true(create(&f, "POST", "/controller/network") == (ADDR << 24 | 1));
    expect(&f, "POST", "/controller/network", "{}", 503, NULL);
    expect(&f, "PUT", "/controller/network/7064247a5a______", "{}", 503, NULL);
    zts_controller_del(f.ctl);
}

static void test_network_routes(void **state)
{
    rest_fixture *f = *state;
    const char *path = "/controller/network/1111111111000001"; /* not ours: accepted */
    char want[1024], *body = NULL, *deleted = NULL;

    expect(f, "GET", path, NULL, 404, NULL);
    expect(f, "DELETE", path, NULL, 404, NULL);
    network_text(want, sizeof(want), "1111111111000001", 1);
    expect(f, "POST", path, "{\"name\":\"a\"}", 200, want);
    expect(f, "PUT", "/controller/network/1111111111000001/", "{\"name\":\"a\"}", 200, want);
    expect(f, "GET", "/controller/network/1111111111000001/", NULL, 200, want);

    /* an effective change bumps the revision; unknown and read-only keys are ignored */
    assert_int_equal(req(f, "POST", "/controller/network/ABCDEF0123456789",
                         "{\"name\":\"b\",\"revision\":99,\"id\":\"x\",\"bogus\":1}", &body),
                     200);
    assert_non_null(strstr(body, "\"id\":\"abcdef0123456789\""));
    assert_non_null(strstr(body, "\"revision\":1,"));
    assert_null(strstr(body, "bogus"));
    free(body);
    assert_int_equal(req(f, "PUT", "/controller/network/abcdef0123456789",
                         "{\"private\":false,\"mtu\":99999}", &body),
                     200);
    assert_non_null(strstr(body, "\"revision\":2,"));
    assert_non_null(strstr(body, "\"private\":false,"));
    assert_non_null(strstr(body, "\"mtu\":10000,")); /* clamped */
    free(body);

    /* DELETE answers the deleted object */
    assert_int_equal(req(f, "GET", path, NULL, &body), 200);
    assert_int_equal(req(f, "DELETE", "/controller/network/1111111111000001/", NULL, &deleted),
                     200);
    assert_string_equal(body, deleted);
    free(body);
    free(deleted);
    expect(f, "GET", path, NULL, 404, NULL);
    expect(f, "DELETE", path, NULL, 404, NULL);
    expect(f, "GET", "/controller/network", NULL, 200, "[\"abcdef0123456789\"]");

    /* network ID 0 is refused by the store layer */
    expect_500(f, "POST", "/controller/network/0000000000000000", "{}");
}

/* ---- request bodies, §5.7 coercions ----------------------------------------------------------- */

static void test_bad_bodies(void **state)
{
    rest_fixture *f = *state;
    const char *net = "/controller/network/" NET_A;
    const char *mem = "/controller/network/" NET_A "/member/" MEMBER;
    char *body = NULL;
    zt_controller_reply r = {0, NULL};

    expect_500(f, "POST", "/controller/network", "not json");
    expect_500(f, "POST", "/controller/network", "");
    expect_500(f, "PUT", net, NULL);
    expect_500(f, "POST", net, "[]");
    expect_500(f, "POST", net, "{\"name\":\"a\"} x");
    expect_500(f, "POST", net, "{\"a\":1,\"a\":2}");
    expect_500(f, "POST", "/controller/network/7064247a5a______", "{");
    /* NUL bytes are not JSON */
    assert_true(zt__controller_rest(f->ctl, "POST", net, "{}\0", 3, T0, &r));
    assert_int_equal(r.status, 500);
    free(r.body);
    /* the parser's sentence survives quoting */
    assert_int_equal(req(f, "POST", net, "{\"a\" 1}", &body), 500);
    json_decref(parse(body));
    free(body);
    expect(f, "GET", "/controller/network", NULL, 200, "[]"); /* nothing was created */

    /* member routes: unknown network first (404 even with a bad body), then the body */
    expect(f, "POST", mem, "not json", 404, NULL);
    assert_int_equal(req(f, "POST", net, "{}", NULL), 200);
    expect_500(f, "POST", mem, "not json");
    expect_500(f, "POST", mem, "");
    expect_500(f, "POST", mem, "{\"ipAssignments\":[1]}"); /* §5.5: non-string => 500 */
    expect_500(f, "POST", "/controller/network/" NET_A "/member/0000000000", "{}");
    expect_500(f, "POST", "/controller/network/" NET_A "/member/ff00000001", "{}");
    expect(f, "GET", "/controller/network/" NET_A "/member", NULL, 200, "{}");

    /* §5.7 coercions where the API converts loosely */
    assert_int_equal(req(f, "POST", net,
                         "{\"name\":5,\"private\":\"false\",\"mtu\":\"1500\","
                         "\"multicastLimit\":true,\"enableBroadcast\":\"1\"}",
                         &body),
                     200);
    assert_non_null(strstr(body, "\"name\":\"5\""));
    assert_non_null(strstr(body, "\"private\":false"));
    assert_non_null(strstr(body, "\"mtu\":1500"));
    assert_non_null(strstr(body, "\"multicastLimit\":1"));
    assert_non_null(strstr(body, "\"enableBroadcast\":true"));
    free(body);
    assert_int_equal(req(f, "POST", mem, "{\"authorized\":\"true\",\"activeBridge\":1}", &body),
                     200);
    assert_non_null(strstr(body, "\"authorized\":true"));
    assert_non_null(strstr(body, "\"activeBridge\":true"));
    free(body);
}

/* ---- members ---------------------------------------------------------------------------------- */

/* A pre-authorised member that never asked (§5.5 defaults plus the "api" authorisation). */
static const char member_auth[] =
    "{\"activeBridge\":false,\"address\":\"136548ea94\",\"authenticationExpiryTime\":0,"
    "\"authorized\":true,\"capabilities\":[],\"creationTime\":1700000000000,"
    "\"id\":\"136548ea94\",\"ipAssignments\":[],\"lastAuthorizedCredential\":null,"
    "\"lastAuthorizedCredentialType\":\"api\",\"lastAuthorizedTime\":1700000000000,"
    "\"lastDeauthorizedTime\":0,\"noAutoAssignIps\":false,\"nwid\":\"7064247a5a000001\","
    "\"objtype\":\"member\",\"remoteTraceLevel\":0,\"remoteTraceTarget\":null,\"revision\":1,"
    "\"ssoExempt\":false,\"tags\":[],\"vMajor\":-1,\"vMinor\":-1,\"vProto\":-1,\"vRev\":-1}";

static void test_members(void **state)
{
    rest_fixture *f = *state;
    const char *mem = "/controller/network/" NET_A "/member/" MEMBER;
    char *body = NULL, *deleted = NULL;
    zt_controller *ctl = zt__controller_of(f->ctl);

    expect(f, "GET", "/controller/network/" NET_A "/member", NULL, 404, NULL);
    expect(f, "GET", mem, NULL, 404, NULL);
    expect(f, "POST", mem, "{}", 404, NULL);
    expect(f, "DELETE", mem, NULL, 404, NULL);
    assert_int_equal(req(f, "POST", "/controller/network/" NET_A, "{}", NULL), 200);
    expect(f, "GET", "/controller/network/" NET_A "/member/", NULL, 200, "{}");
    expect(f, "GET", mem, NULL, 404, NULL);

    /* create, authorised; uppercase in the URL is stored lowercase (Q5) */
    expect(f, "POST", "/controller/network/7064247A5A000001/member/136548EA94",
           "{\"authorized\":true}", 200, member_auth);
    expect(f, "GET", mem, NULL, 200, member_auth);
    expect(f, "GET", "/controller/network/" NET_A "/member", NULL, 200, "{\"136548ea94\":1}");
    assert_true(zt__controller_pending(ctl) > 0); /* a change note for the caller's flush */

    /* the same value again changes nothing: revision stays */
    expect(f, "PUT", mem, "{\"authorized\":true}", 200, member_auth);

    /* deauthorise: reflected in GET, stamps lastDeauthorizedTime, bumps the revision */
    assert_int_equal(req(f, "POST", mem, "{\"authorized\":false,\"name\":\"n1\"}", &body), 200);
    free(body);
    assert_int_equal(req(f, "GET", mem, NULL, &body), 200);
    assert_non_null(strstr(body, "\"authorized\":false,"));
    assert_non_null(strstr(body, "\"lastDeauthorizedTime\":1700000000000,"));
    assert_non_null(strstr(body, "\"name\":\"n1\","));
    assert_non_null(strstr(body, "\"revision\":2,"));
    free(body);
    expect(f, "GET", "/controller/network/" NET_A "/member", NULL, 200, "{\"136548ea94\":2}");

    /* a second member, ascending keys */
    assert_int_equal(req(f, "POST", "/controller/network/" NET_A "/member/0aaaaaaaaa",
                         "{\"ipAssignments\":[\"10.0.0.1/24\",\"bogus\"]}", &body),
                     200);
    assert_non_null(strstr(body, "\"ipAssignments\":[\"10.0.0.1\"],"));
    free(body);
    expect(f, "GET", "/controller/network/" NET_A "/member", NULL, 200,
           "{\"0aaaaaaaaa\":1,\"136548ea94\":2}");

    /* delete answers the deleted object */
    assert_int_equal(req(f, "GET", mem, NULL, &body), 200);
    assert_int_equal(req(f, "DELETE", mem, NULL, &deleted), 200);
    assert_string_equal(body, deleted);
    free(body);
    free(deleted);
    expect(f, "GET", mem, NULL, 404, NULL);
    expect(f, "DELETE", mem, NULL, 404, NULL);
    expect(f, "GET", "/controller/network/" NET_A "/member", NULL, 200, "{\"0aaaaaaaaa\":1}");

    /* deleting the network deletes its members */
    assert_int_equal(req(f, "DELETE", "/controller/network/" NET_A, NULL, NULL), 200);
    expect(f, "GET", "/controller/network/" NET_A "/member/0aaaaaaaaa", NULL, 404, NULL);
    expect(f, "GET", "/controller/network/" NET_A "/member", NULL, 404, NULL);
}

/* ---- /unstable/ listings ---------------------------------------------------------------------- */

static void test_unstable(void **state)
{
    rest_fixture *f = *state;
    const char *net_b = "/controller/network/7064247a5a000002";
    char *body = NULL, *one = NULL, want[4096];
    json_t *j;

    expect(f, "GET", "/unstable/controller/network", NULL, 200,
           "{\"data\":[],\"meta\":{\"networkCount\":0}}");
    expect(f, "GET", "/unstable/controller/network/" NET_A "/member", NULL, 404, NULL);
    assert_int_equal(req(f, "POST", "/controller/network/" NET_A, "{\"name\":\"a\"}", NULL), 200);
    assert_int_equal(req(f, "POST", net_b, "{\"name\":\"b\"}", NULL), 200);
    expect(f, "GET", "/unstable/controller/network/" NET_A "/member/", NULL, 200,
           "{\"data\":[],\"meta\":{\"authorizedCount\":0,\"totalCount\":0}}");
    assert_int_equal(req(f, "POST", "/controller/network/" NET_A "/member/" MEMBER,
                         "{\"authorized\":true}", NULL),
                     200);
    assert_int_equal(req(f, "POST", "/controller/network/" NET_A "/member/0aaaaaaaaa", "{}", NULL),
                     200);

    /* members: full objects in address order, then the counts */
    assert_int_equal(req(f, "GET", "/controller/network/" NET_A "/member/0aaaaaaaaa", NULL, &one),
                     200);
    snprintf(want, sizeof(want),
             "{\"data\":[%s,%s],\"meta\":{\"authorizedCount\":1,\"totalCount\":2}}", one,
             member_auth);
    free(one);
    expect(f, "GET", "/unstable/controller/network/" NET_A "/member", NULL, 200, want);

    /* networks: each object gains "meta" in its sorted place */
    assert_int_equal(req(f, "GET", "/unstable/controller/network/", NULL, &body), 200);
    assert_memory_equal(body, "{\"data\":[{\"authTokens\":[null],", 30);
    assert_non_null(strstr(body, "\"ipAssignmentPools\":[],\"meta\":{\"authorizedMemberCount\":1,"
                                 "\"totalMemberCount\":2},\"mtu\":2800,"));
    assert_non_null(strstr(body, "\"meta\":{\"authorizedMemberCount\":0,\"totalMemberCount\":0}"));
    assert_non_null(strstr(body, "}}],\"meta\":{\"networkCount\":2}}"));
    j = parse(body);
    assert_int_equal(json_array_size(json_object_get(j, "data")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "data"), 1), "id")),
        "7064247a5a000002");
    json_decref(j);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_network_create, setup, teardown),
        cmocka_unit_test(test_network_full),
        cmocka_unit_test_setup_teardown(test_network_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unstable, setup, teardown),
    };
    if (zt__crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
