/*
 * store_testutil.c: what the store test programs share (store_testutil.h): temp trees, JSON
 * helpers, the rich network/member records, and the five backends the shared suite runs on
 * (mem, sqlite, json, rt: a mem store read back through a controller.d round trip, and pg: a
 * schema of its own per test on the PostgreSQL server of tests/pg/pg_temp.sh).
 */
#include "store_testutil.h"

#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

/* ---- helpers --------------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void rm_tree(const char *dir)
{
    (void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void make_tmpdir(char *out, size_t cap)
{
    snprintf(out, cap, "/tmp/zt-store-test-XXXXXX");
    assert_non_null(mkdtemp(out));
}

double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (j == NULL)
        fail_msg("test JSON does not parse: %s", e.text);
    return j;
}

void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

char *read_all(const char *path)
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

void load_rich_network(zt_ctl_network *n)
{
    char err[256] = "";
    json_t *j = parse(rich_network);
    int rv = zt__ctl_network_from_json(n, j, err, sizeof(err));

    json_decref(j);
    if (rv != 0)
        fail_msg("rich network refused: %s", err);
}

void load_rich_member(zt_ctl_member *m)
{
    char err[256] = "";
    json_t *j = parse(rich_member);
    int rv = zt__ctl_member_from_json(m, NWID1, j, err, sizeof(err));

    json_decref(j);
    if (rv != 0)
        fail_msg("rich member refused: %s", err);
}

void assert_net_same(const zt_ctl_network *a, const zt_ctl_network *b)
{
    char *ta = NULL, *tb = NULL;

    assert_int_equal(zt__ctl_network_dump(a, &ta), 0);
    assert_int_equal(zt__ctl_network_dump(b, &tb), 0);
    if (strcmp(ta, tb) != 0)
        fail_msg("network records differ:\n%s\n%s", ta, tb);
    free(ta);
    free(tb);
}

void assert_mem_same(const zt_ctl_member *a, const zt_ctl_member *b)
{
    char *ta = NULL, *tb = NULL;

    assert_int_equal(zt__ctl_member_dump(a, &ta), 0);
    assert_int_equal(zt__ctl_member_dump(b, &tb), 0);
    if (strcmp(ta, tb) != 0)
        fail_msg("member records differ:\n%s\n%s", ta, tb);
    free(ta);
    free(tb);
}


void put_network(zt_store *st, uint64_t nwid, const char *name)
{
    zt_ctl_network n;

    assert_int_equal(zt__ctl_network_init(&n, nwid), 0);
    snprintf(n.name, sizeof(n.name), "%s", name);
    n.revision = 1;
    if (zt__store_put_network(st, &n) != 0)
        fail_msg("put_network: %s", zt__store_errmsg(st));
    zt__ctl_network_clear(&n);
}

void put_member(zt_store *st, uint64_t nwid, uint64_t node, bool authorized)
{
    zt_ctl_member m;

    zt__ctl_member_init(&m, nwid, node);
    m.authorized = authorized;
    m.revision = 1;
    m.nips = 1;
    m.ips[0].family = 4;
    m.ips[0].ip[0] = 10;
    m.ips[0].ip[1] = (uint8_t)(node >> 16);
    m.ips[0].ip[2] = (uint8_t)(node >> 8);
    m.ips[0].ip[3] = (uint8_t)node;
    if (zt__store_put_member(st, &m) != 0)
        fail_msg("put_member: %s", zt__store_errmsg(st));
    zt__ctl_member_clear(&m);
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
    snprintf(s->base.errmsg, sizeof(s->base.errmsg), "%s", zt__store_errmsg(from));
}

static int rt_sync(rt_store *s)
{
    char path[320], err[256];
    zt_store *json = NULL, *mirror = NULL;
    int rv;

    if (!s->dirty && s->mirror != NULL)
        return 0;
    snprintf(path, sizeof(path), "%s/export-%u", s->dir, s->gen++);
    if ((rv = zt__store_json_open(&json, path, err, sizeof(err))) != 0)
        fail_msg("rt: %s", err);
    if ((rv = zt__store_copy(json, s->inner, NULL, NULL)) != 0)
        fail_msg("rt export: %s", zt__store_errmsg(json));
    zt__store_del(json);
    if ((rv = zt__store_json_open(&json, path, err, sizeof(err))) != 0)
        fail_msg("rt: %s", err);
    assert_int_equal(zt__store_mem_new(&mirror), 0);
    if ((rv = zt__store_copy(mirror, json, NULL, NULL)) != 0)
        fail_msg("rt import: %s", zt__store_errmsg(mirror));
    zt__store_del(json);
    rm_tree(path);
    zt__store_del(s->mirror);
    s->mirror = mirror;
    s->dirty = false;
    return 0;
}

static int rt_get_network(zt_store *st, uint64_t nwid, zt_ctl_network *out)
{
    rt_store *s = (rt_store *)st;
    int rv;

    rt_sync(s);
    if ((rv = zt__store_get_network(s->mirror, nwid, out)) != 0)
        rt_fail(s, s->mirror);
    return rv;
}

static int rt_list_networks(zt_store *st, zt_store_network_cb cb, void *arg)
{
    rt_store *s = (rt_store *)st;
    int rv;

    rt_sync(s);
    if ((rv = zt__store_list_networks(s->mirror, cb, arg)) != 0)
        rt_fail(s, s->mirror);
    return rv;
}

static int rt_get_member(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    rt_store *s = (rt_store *)st;
    int rv;

    rt_sync(s);
    if ((rv = zt__store_get_member(s->mirror, nwid, node, out)) != 0)
        rt_fail(s, s->mirror);
    return rv;
}

static int rt_list_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    rt_store *s = (rt_store *)st;
    int rv;

    rt_sync(s);
    if ((rv = zt__store_list_members(s->mirror, nwid, cb, arg)) != 0)
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
    RT_WRITE(zt__store_put_network(((rt_store *)st)->inner, n));
}
static int rt_delete_network(zt_store *st, uint64_t nwid)
{
    RT_WRITE(zt__store_delete_network(((rt_store *)st)->inner, nwid));
}
static int rt_put_member(zt_store *st, const zt_ctl_member *m)
{
    RT_WRITE(zt__store_put_member(((rt_store *)st)->inner, m));
}
static int rt_delete_member(zt_store *st, uint64_t nwid, uint64_t node)
{
    RT_WRITE(zt__store_delete_member(((rt_store *)st)->inner, nwid, node));
}
static int rt_begin(zt_store *st)
{
    RT_WRITE(zt__store_begin(((rt_store *)st)->inner));
}
static int rt_commit(zt_store *st)
{
    RT_WRITE(zt__store_commit(((rt_store *)st)->inner));
}
static int rt_rollback(zt_store *st)
{
    RT_WRITE(zt__store_rollback(((rt_store *)st)->inner));
}

static void rt_del(zt_store *st)
{
    rt_store *s = (rt_store *)st;
    zt__store_del(s->inner);
    zt__store_del(s->mirror);
    free(s);
}

/* No index ops: address and bridge lookups are answered from rt_list_members, i.e. from the
 * records after the JSON round trip. */
static const zt_store_ops rt_ops = {
    .name = "rt",
    .get_network = rt_get_network,
    .put_network = rt_put_network,
    .delete_network = rt_delete_network,
    .list_networks = rt_list_networks,
    .get_member = rt_get_member,
    .put_member = rt_put_member,
    .delete_member = rt_delete_member,
    .list_members = rt_list_members,
    .begin = rt_begin,
    .commit = rt_commit,
    .rollback = rt_rollback,
    .del = rt_del,
};


/* ---- backends -------------------------------------------------------------------------------- */


static int open_mem(zt_store **pst, const char *dir)
{
    (void)dir;
    return zt__store_mem_new(pst);
}

static int open_sqlite(zt_store **pst, const char *dir)
{
    char path[320], err[256] = "";
    int rv;

    snprintf(path, sizeof(path), "%s/%s", dir, ZT_STORE_SQLITE_DEFAULT_NAME);
    rv = zt__store_sqlite_open(pst, path, err, sizeof(err));
    if (rv != 0)
        print_error("sqlite open: %s\n", err);
    return rv;
}

static int open_json(zt_store **pst, const char *dir)
{
    char path[320], err[256] = "";
    int rv;

    snprintf(path, sizeof(path), "%s/controller.d", dir);
    rv = zt__store_json_open(pst, path, err, sizeof(err));
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
    if (zt__store_mem_new(&s->inner) != 0) {
        free(s);
        return ZT_ERR_NOMEM;
    }
    s->dirty = true;
    *pst = &s->base;
    return 0;
}

static bool corrupt_sqlite(const char *dir, uint64_t nwid, uint64_t node, const char *text)
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
    return true;
}

static bool corrupt_json(const char *dir, uint64_t nwid, uint64_t node, const char *text)
{
    char path[400];

    snprintf(path, sizeof(path), "%s/controller.d/network/%016llx/member/%010llx.json", dir,
             (unsigned long long)nwid, (unsigned long long)node);
    write_file(path, text);
    return true;
}

/* ---- PostgreSQL -------------------------------------------------------------------------------- */

const char *pg_test_conninfo(void)
{
    const char *c = getenv("ZT_TEST_PG");

    return c != NULL && c[0] != '\0' ? c : NULL;
}

void pg_schema_conninfo(const char *schema, char *out, size_t cap)
{
    const char *base = pg_test_conninfo();

    assert_non_null(base);
    if (strstr(base, "://") != NULL) /* a URL: options as a query parameter */
        snprintf(out, cap, "%s%soptions=-csearch_path%%3D%s", base,
                 strchr(base, '?') != NULL ? "&" : "?", schema);
    else
        snprintf(out, cap, "%s options='-csearch_path=%s'", base, schema);
}

void pg_schema_of(const char *dir, char *out, size_t cap)
{
    const char *b = strrchr(dir, '/'), *suffix;
    int n;

    b = b != NULL ? b + 1 : dir;
    suffix = strrchr(b, '-');
    suffix = suffix != NULL ? suffix + 1 : b;
    n = snprintf(out, cap, "zt_t");
    for (const char *p = suffix; *p != '\0' && n > 0 && (size_t)n + 3 < cap; p++)
        n += snprintf(out + n, cap - (size_t)n, "%02x", (unsigned)(unsigned char)*p);
}

/* The test output stays clean: DROP SCHEMA ... CASCADE lists what it drops. */
static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *pg_connect(const char *schema)
{
    char conninfo[1024];
    PGconn *c;

    if (schema != NULL)
        pg_schema_conninfo(schema, conninfo, sizeof(conninfo));
    else
        snprintf(conninfo, sizeof(conninfo), "%s", pg_test_conninfo());
    c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect to the test server: %s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, no_notices, NULL);
    return c;
}

void pg_exec(const char *schema, const char *sql)
{
    PGconn *c = pg_connect(schema);
    PGresult *r = PQexec(c, sql);

    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("sql: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

long long pg_query_int(const char *schema, const char *sql)
{
    PGconn *c = pg_connect(schema);
    PGresult *r = PQexec(c, sql);
    long long v;

    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
        fail_msg("sql: %s: %s", sql, PQresultErrorMessage(r));
    v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return v;
}

static int open_pg(zt_store **pst, const char *dir)
{
    char schema[64], sql[128], conninfo[1024], err[512] = "";
    int rv;

    if (pg_test_conninfo() == NULL) {
        print_error("pg: ZT_TEST_PG is not set (run under tests/pg/pg_temp.sh)\n");
        return ZT_ERR_IO;
    }
    pg_schema_of(dir, schema, sizeof(schema));
    /* the name is ours, [a-z0-9_] only: safe as an identifier */
    snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s", schema);
    pg_exec(NULL, sql);
    pg_schema_conninfo(schema, conninfo, sizeof(conninfo));
    rv = zt__store_pg_open(pst, conninfo, err, sizeof(err));
    if (rv != 0)
        print_error("pg open: %s\n", err);
    return rv;
}

void pg_drop_schema(const char *schema)
{
    char sql[256];

    /* A test that failed half-way may have left a store with a transaction open (cmocka
     * leaves by longjmp), whose locks would block the DROP: end the stores' sessions first
     * (application_name zt-controller, or zt-... where a test names its own). */
    pg_exec(NULL, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                  "AND application_name LIKE 'zt-%'");
    snprintf(sql, sizeof(sql), "SET lock_timeout = '20s'; DROP SCHEMA IF EXISTS %s CASCADE",
             schema);
    pg_exec(NULL, sql);
}

static void cleanup_pg(const char *dir)
{
    char schema[64];

    pg_schema_of(dir, schema, sizeof(schema));
    pg_drop_schema(schema);
}

static bool corrupt_pg(const char *dir, uint64_t nwid, uint64_t node, const char *text)
{
    char schema[64], net[24], mem[24];
    const char *vals[3] = {net, mem, text};
    PGconn *c;
    PGresult *r;
    bool held;

    pg_schema_of(dir, schema, sizeof(schema));
    snprintf(net, sizeof(net), "%lld", (long long)nwid);
    snprintf(mem, sizeof(mem), "%lld", (long long)node);
    c = pg_connect(schema);
    r = PQexecParams(c, "UPDATE member SET doc = $3::jsonb WHERE network_id = $1 AND id = $2",
                     3, NULL, vals, NULL, NULL, 0);
    held = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (held)
        assert_string_equal(PQcmdTuples(r), "1");
    else if (strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "22P02") != 0) /* not JSON */
        fail_msg("corrupt_pg: %s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    return held;
}

const backend backends[] = {
    {"mem", open_mem, false, true, 10000, NULL, NULL, false},
    {"sqlite", open_sqlite, true, true, 10000, corrupt_sqlite, NULL, false},
    {"json", open_json, true, false, 300, corrupt_json, NULL, false},
    {"rt", open_rt, false, true, 300, NULL, NULL, false},
    {"pg", open_pg, true, true, 5000, corrupt_pg, cleanup_pg, true},
};
_Static_assert(sizeof(backends) / sizeof(backends[0]) == NBACKENDS, "NBACKENDS");

int pg_fixture_setup(void **state)
{
    pg_fixture *f = calloc(1, sizeof(*f));
    char sql[128];

    assert_non_null(f);
    make_tmpdir(f->dir, sizeof(f->dir));
    pg_schema_of(f->dir, f->schema, sizeof(f->schema));
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
    pg_exec(NULL, sql);
    pg_schema_conninfo(f->schema, f->conninfo, sizeof(f->conninfo));
    *state = f;
    return 0;
}

int pg_fixture_teardown(void **state)
{
    pg_fixture *f = *state;

    pg_drop_schema(f->schema);
    rm_tree(f->dir);
    free(f);
    return 0;
}

zt_store *pg_fixture_open(const pg_fixture *f)
{
    char err[512] = "";
    zt_store *st = NULL;

    if (zt__store_pg_open(&st, f->conninfo, err, sizeof(err)) != 0)
        fail_msg("pg open: %s", err);
    assert_string_equal(zt__store_name(st), "pg");
    return st;
}
