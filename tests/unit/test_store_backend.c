/*
 * Unit tests for what only one store backend does: SQLite schema versions and crash safety,
 * the JSON controller.d layout, corrupt files on import, and JSON -> SQLite -> JSON.
 */
#include "store_testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

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

/* ZT_STORE_SQLITE_DURABLE (zts_controller_config.durable_commits): the same file, written
 * with synchronous=FULL, read back by a store opened without it. */
static void test_sqlite_durable(void **state)
{
    char dir[128], path[256], err[256];
    zt_store *st = NULL;
    zt_ctl_network n;
    (void)state;

    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/c.sqlite3", dir);
    assert_int_equal(zt_store_sqlite_open_flags(&st, path, ZT_STORE_SQLITE_DURABLE, err,
                                                sizeof(err)), 0);
    put_network(st, NWID1, "durable");
    zt_store_del(st);
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), 0);
    assert_int_equal(zt_store_get_network(st, NWID1, &n), 0);
    assert_string_equal(n.name, "durable");
    zt_ctl_network_clear(&n);
    zt_store_del(st);
    rm_tree(dir);
}

static bool ip_used(zt_store *st, const char *text)
{
    zt_ctl_ip ip;
    bool u = false;

    assert_int_equal(zt_ctl_ip_parse(&ip, text, strlen(text), false), 0);
    assert_int_equal(zt_store_ip_in_use(st, NWID1, &ip, &u), 0);
    return u;
}

/* A version-2 database (before the index) is migrated: the index is built from the stored
 * records, a corrupt record is skipped (and still reported when read), and from then on the
 * index follows every write. */
static void test_sqlite_migrate_index(void **state)
{
    char dir[128], path[256], err[256];
    zt_store *st = NULL;
    zt_ctl_member m;
    uint64_t ids[4];
    size_t n = 0;
    (void)state;

    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/c.sqlite3", dir);
    exec_sql(path,
             "PRAGMA journal_mode=WAL;"
             "CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1),"
             "  version INTEGER NOT NULL);"
             "INSERT INTO schema_version VALUES (1, 2);"
             "CREATE TABLE network (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL,"
             "  doc TEXT NOT NULL);"
             "CREATE TABLE member (network_id INTEGER NOT NULL REFERENCES network (id)"
             "  ON DELETE CASCADE, id INTEGER NOT NULL, revision INTEGER NOT NULL,"
             "  authorized INTEGER NOT NULL, doc TEXT NOT NULL,"
             "  PRIMARY KEY (network_id, id)) WITHOUT ROWID;"
             "CREATE INDEX member_authorized ON member (network_id, authorized);"
             "INSERT INTO network VALUES (-9198950912469499903, 1,"
             "  '{\"id\":\"8056c2e21c000001\",\"revision\":1}');"
             "INSERT INTO member VALUES (-9198950912469499903, 16, 1, 1,"
             "  '{\"id\":\"0000000010\",\"nwid\":\"8056c2e21c000001\",\"revision\":1,"
             "\"ipAssignments\":[\"10.1.2.3\",\"fd00::7\"],\"activeBridge\":true}');"
             "INSERT INTO member VALUES (-9198950912469499903, 32, 1, 0,"
             "  '{\"id\":\"0000000020\",\"nwid\":\"8056c2e21c000001\",\"revision\":1,"
             "\"ipAssignments\":[\"10.1.2.4\"]}');"
             "INSERT INTO member VALUES (-9198950912469499903, 48, 1, 0, '{not json');");
    assert_int_equal(zt_store_sqlite_open(&st, path, err, sizeof(err)), 0);
    assert_int_equal(zt_store_sqlite_schema_version(), 3);
    assert_true(ip_used(st, "10.1.2.3") && ip_used(st, "fd00::7") && ip_used(st, "10.1.2.4"));
    assert_false(ip_used(st, "10.1.2.5"));
    assert_int_equal(zt_store_active_bridges(st, NWID1, ids, 4, &n), 0);
    assert_true(n == 1 && ids[0] == 0x10);
    assert_int_equal(zt_store_get_member(st, NWID1, 48, &m), ZT_ERR_INVAL);
    zt_ctl_member_clear(&m);
    /* the migrated rows follow writes like new ones */
    assert_int_equal(zt_store_get_member(st, NWID1, 16, &m), 0);
    m.nips = 0;
    m.active_bridge = false;
    assert_int_equal(zt_store_put_member(st, &m), 0);
    zt_ctl_member_clear(&m);
    assert_false(ip_used(st, "10.1.2.3") || ip_used(st, "fd00::7"));
    assert_int_equal(zt_store_active_bridges(st, NWID1, ids, 4, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(zt_store_delete_member(st, NWID1, 32), 0);
    assert_false(ip_used(st, "10.1.2.4"));
    zt_store_del(st);
    assert_int_equal(query_int(path, "SELECT version FROM schema_version"), 3);
    assert_int_equal(query_int(path, "SELECT count(*) FROM member_ip"), 0);
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

int main(void)
{
    static const struct CMUnitTest backend_tests[] = {
        cmocka_unit_test(test_sqlite_schema),
        cmocka_unit_test(test_sqlite_durable),
        cmocka_unit_test(test_sqlite_migrate_index),
        cmocka_unit_test(test_json_layout),
        cmocka_unit_test(test_json_sqlite_json),
    };

    return cmocka_run_group_tests_name("backend-specific", backend_tests, NULL, NULL);
}
