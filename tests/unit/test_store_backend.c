/*
 * Unit tests for what only one store backend does: SQLite schema versions and crash safety,
 * SQLite files refused with their cause named and left unchanged (odd files, permissions,
 * other applications' databases, newer or damaged schemas, locks, a full disk), the JSON
 * controller.d layout, corrupt files on import, and JSON -> SQLite -> JSON.
 */
#include "store_testutil.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "controller/store_sqlite_internal.h"

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
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), 0);
    zt__store_del(st);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(query_int(path, "SELECT version FROM schema_version"),
                     zt__store_sqlite_schema_version());
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

    /* newer, damaged and foreign files: test_sqlite_refuse_* */
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
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), 0);
    assert_int_equal(zt__store_get_network(st, NWID1, &n), 0);
    assert_string_equal(n.name, "old");
    assert_int_equal(n.mtu, 2800); /* defaults fill what the old record lacks */
    zt__ctl_network_clear(&n);
    zt__store_del(st);
    assert_int_equal(query_int(path, "SELECT version FROM schema_version"),
                     zt__store_sqlite_schema_version());
    assert_int_equal(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
                                     "AND name = 'member_authorized'"),
                     1);
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
    assert_int_equal(zt__store_sqlite_open_flags(&st, path, ZT_STORE_SQLITE_DURABLE, err,
                                                sizeof(err)), 0);
    put_network(st, NWID1, "durable");
    zt__store_del(st);
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), 0);
    assert_int_equal(zt__store_get_network(st, NWID1, &n), 0);
    assert_string_equal(n.name, "durable");
    zt__ctl_network_clear(&n);
    zt__store_del(st);
    rm_tree(dir);
}

static bool ip_used(zt_store *st, const char *text)
{
    zt_ctl_ip ip;
    bool u = false;

    assert_int_equal(zt__ctl_ip_parse(&ip, text, strlen(text), false), 0);
    assert_int_equal(zt__store_ip_in_use(st, NWID1, &ip, &u), 0);
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
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), 0);
    assert_int_equal(zt__store_sqlite_schema_version(), 3);
    assert_true(ip_used(st, "10.1.2.3") && ip_used(st, "fd00::7") && ip_used(st, "10.1.2.4"));
    assert_false(ip_used(st, "10.1.2.5"));
    assert_int_equal(zt__store_active_bridges(st, NWID1, ids, 4, &n), 0);
    assert_true(n == 1 && ids[0] == 0x10);
    assert_int_equal(zt__store_get_member(st, NWID1, 48, &m), ZT_ERR_INVAL);
    zt__ctl_member_clear(&m);
    /* the migrated rows follow writes like new ones */
    assert_int_equal(zt__store_get_member(st, NWID1, 16, &m), 0);
    m.nips = 0;
    m.active_bridge = false;
    assert_int_equal(zt__store_put_member(st, &m), 0);
    zt__ctl_member_clear(&m);
    assert_false(ip_used(st, "10.1.2.3") || ip_used(st, "fd00::7"));
    assert_int_equal(zt__store_active_bridges(st, NWID1, ids, 4, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(zt__store_delete_member(st, NWID1, 32), 0);
    assert_false(ip_used(st, "10.1.2.4"));
    zt__store_del(st);
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
    assert_int_equal(zt__store_mem_new(&mem), 0);
    load_rich_network(&n);
    load_rich_member(&m);
    assert_int_equal(zt__store_put_network(mem, &n), 0);
    assert_int_equal(zt__store_put_member(mem, &m), 0);
    zt__ctl_network_clear(&n);
    zt__ctl_member_clear(&m);
    put_network(mem, NWID2, "empty");

    assert_int_equal(zt__store_json_open(&json, root, NULL, 0), 0);
    assert_int_equal(zt__store_copy(json, mem, &nets, &members), 0);
    assert_int_equal(nets, 2);
    assert_int_equal(members, 1);
    zt__store_del(json);

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
    assert_int_equal(zt__store_json_open(&json, root, NULL, 0), 0);
    zt__store_del(mem);
    assert_int_equal(zt__store_mem_new(&mem), 0);
    /* the hand-made member's id does not match its file name: import stops and says where */
    assert_int_equal(zt__store_copy(mem, json, &nets, &members), ZT_ERR_INVAL);
    assert_non_null(strstr(zt__store_errmsg(mem), "1122334455.json"));
    assert_int_equal(zt__store_get_network(mem, NWID1, &n), ZT_ERR_NOTFOUND); /* all or none */
    zt__ctl_network_clear(&n);
    snprintf(path, sizeof(path), "%s/network/8056c2e21c000001/member/1122334455.json", root);
    write_file(path, "{\"id\":\"1122334455\",\"clock\":1,\"lastRequestMetaData\":\"x\","
                     "\"authorized\":\"true\"}");
    nets = members = 0;
    assert_int_equal(zt__store_copy(mem, json, &nets, &members), 0);
    assert_int_equal(nets, 2);
    assert_int_equal(members, 2);
    assert_int_equal(zt__store_get_member(mem, NWID1, 0x1122334455ULL, &m), 0);
    assert_true(m.authorized);
    assert_null(m.extra);
    zt__ctl_member_clear(&m);
    zt__store_del(json);
    zt__store_del(mem);
    zt__ctl_network_clear(&n);

    /* a corrupt network file on import: an error naming it, nothing imported */
    snprintf(path, sizeof(path), "%s/network/0123456789000002.json", root);
    write_file(path, "{\"id\":\"0123456789000002\",\"routes\":");
    assert_int_equal(zt__store_json_open(&json, root, NULL, 0), 0);
    assert_int_equal(zt__store_mem_new(&mem), 0);
    assert_int_equal(zt__store_copy(mem, json, NULL, NULL), ZT_ERR_INVAL);
    assert_non_null(strstr(zt__store_errmsg(mem), "0123456789000002.json is corrupt"));
    assert_int_equal(zt__store_get_network(mem, NWID1, &n), ZT_ERR_NOTFOUND);
    zt__ctl_network_clear(&n);
    zt__store_del(json);
    zt__store_del(mem);
    zt__ctl_member_clear(&m);
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
    assert_int_equal(zt__store_json_open(&ja, a, NULL, 0), 0);
    load_rich_network(&n);
    load_rich_member(&m);
    assert_int_equal(zt__store_put_network(ja, &n), 0);
    assert_int_equal(zt__store_put_member(ja, &m), 0);
    assert_int_equal(zt__store_sqlite_open(&sq, db, NULL, 0), 0);
    assert_int_equal(zt__store_copy(sq, ja, NULL, NULL), 0);
    assert_int_equal(zt__store_json_open(&jb, b, NULL, 0), 0);
    assert_int_equal(zt__store_copy(jb, sq, NULL, NULL), 0);
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
    zt__store_del(ja);
    zt__store_del(jb);
    zt__store_del(sq);
    zt__ctl_network_clear(&n);
    zt__ctl_member_clear(&m);
    rm_tree(dir);
}

/* ---- SQLite: every refusal names its cause and changes nothing ------------------------------ */

/* A new temporary directory |dir| and the database path |path| = dir/c.sqlite3 in it. */
static void new_db_path(char dir[128], char path[256])
{
    make_tmpdir(dir, 128);
    snprintf(path, 256, "%s/c.sqlite3", dir);
}

/* A regular file's bytes, for byte-for-byte comparisons (NULL: not a regular file). */
static uint8_t *file_bytes(const char *path, size_t *plen)
{
    struct stat sb;
    uint8_t *buf = NULL;
    FILE *f;
    long n;

    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || (f = fopen(path, "rb")) == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        *plen = (size_t)n;
    }
    fclose(f);
    return buf;
}

static bool exists(const char *path, const char *suffix)
{
    char p[400];

    snprintf(p, sizeof(p), "%s%s", path, suffix);
    return access(p, F_OK) == 0;
}

/* Opening |path| must fail with |want| and a sentence holding the path and |cause|, and leave
 * the file (if any) byte for byte as it was, with no -wal, -shm or -journal file beside it. */
static void refused(const char *path, int want, const char *cause)
{
    char err[512] = "";
    zt_store *st = NULL;
    uint8_t *before, *after;
    size_t n1 = 0, n2 = 0;
    bool had_wal = exists(path, "-wal"), had_shm = exists(path, "-shm");

    before = file_bytes(path, &n1);
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), want);
    assert_null(st);
    if (strstr(err, path) == NULL || strstr(err, cause) == NULL)
        fail_msg("wanted \"%s\" and \"%s\" in: %s", path, cause, err);
    after = file_bytes(path, &n2);
    assert_true((before == NULL) == (after == NULL));
    if (before != NULL) {
        assert_int_equal(n1, n2);
        assert_memory_equal(before, after, n1);
    }
    assert_int_equal(exists(path, "-wal"), had_wal);
    assert_int_equal(exists(path, "-shm"), had_shm);
    assert_false(exists(path, "-journal"));
    free(before);
    free(after);
}

static void test_sqlite_refuse_odd_files(void **state)
{
    char dir[128], path[256], target[256];
    (void)state;

    new_db_path(dir, path);
    assert_int_equal(mkdir(path, 0700), 0);
    refused(path, ZT_ERR_IO, "is a directory, not a database file");
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
    refused(path, ZT_ERR_IO, "is a FIFO");
    unlink(path);
    /* a dangling symbolic link: its target is not created */
    snprintf(target, sizeof(target), "%s/elsewhere.sqlite3", dir);
    assert_int_equal(symlink(target, path), 0);
    refused(path, ZT_ERR_IO, "symbolic link to a missing file");
    assert_false(exists(target, ""));
    unlink(path);
    /* the directory is missing; a component of the path is a file */
    snprintf(path, sizeof(path), "%s/missing/c.sqlite3", dir);
    refused(path, ZT_ERR_IO, "its directory does not exist");
    snprintf(target, sizeof(target), "%s/file", dir);
    write_file(target, "x");
    snprintf(path, sizeof(path), "%s/file/c.sqlite3", dir);
    refused(path, ZT_ERR_IO, "not a directory");
    rm_tree(dir);
}

/* Opens |path| as a user without rights on root's files: this process when it is not root,
 * else a child that drops to uid and gid 65534.  Returns the result; the sentence in |err|. */
static int open_unprivileged(const char *path, char *err, size_t errlen)
{
    zt_store *st = NULL;
    int fds[2], rv = 0, status;
    pid_t pid;

    if (geteuid() != 0) {
        rv = zt__store_sqlite_open(&st, path, err, errlen);
        zt__store_del(st);
        return rv;
    }
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(99);
        rv = zt__store_sqlite_open(&st, path, err, errlen);
        if (write(fds[1], &rv, sizeof(rv)) != (ssize_t)sizeof(rv) ||
            write(fds[1], err, errlen) != (ssize_t)errlen)
            _exit(98);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 99) {
        close(fds[0]);
        print_message("cannot drop root privileges here: permission cases skipped\n");
        skip();
    }
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(read(fds[0], &rv, sizeof(rv)), (ssize_t)sizeof(rv));
    assert_int_equal(read(fds[0], err, errlen), (ssize_t)errlen);
    err[errlen - 1] = '\0';
    close(fds[0]);
    return rv;
}

static void test_sqlite_refuse_permissions(void **state)
{
    char dir[128], path[256], err[512];
    zt_store *st = NULL;
    uint8_t *before, *after;
    size_t n1 = 0, n2 = 0;
    (void)state;

    make_tmpdir(dir, sizeof(dir));
    assert_int_equal(chmod(dir, 0755), 0); /* reachable by the unprivileged child */
    snprintf(path, sizeof(path), "%s/c.sqlite3", dir);
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), 0);
    put_network(st, NWID1, "kept");
    zt__store_del(st);
    before = file_bytes(path, &n1);

    assert_int_equal(chmod(path, 0), 0);
    assert_int_equal(open_unprivileged(path, err, sizeof(err)), ZT_ERR_IO);
    if (strstr(err, "cannot read") == NULL || strstr(err, "Permission denied") == NULL ||
        strstr(err, path) == NULL)
        fail_msg("unreadable file: %s", err);
    assert_int_equal(chmod(path, 0444), 0);
    assert_int_equal(open_unprivileged(path, err, sizeof(err)), ZT_ERR_IO);
    if (strstr(err, "read-only for the controller") == NULL || strstr(err, "mode 0444") == NULL)
        fail_msg("read-only file: %s", err);
    after = file_bytes(path, &n2);
    assert_non_null(after);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
    assert_false(exists(path, "-wal") || exists(path, "-shm"));
    free(before);
    free(after);
    rm_tree(dir);
}

static void test_sqlite_refuse_foreign(void **state)
{
    char dir[128], path[256], err[512];
    zt_store *st = NULL;
    (void)state;

    new_db_path(dir, path);
    write_file(path, "this is not a database, just some bytes that go on for a while......"
                     "..............................................................");
    refused(path, ZT_ERR_IO, "not a database: it does not begin with the SQLite header");
    unlink(path);
    /* another application's database, in each journal mode: nothing written, no WAL left */
    exec_sql(path, "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('alice');"
                   "CREATE TABLE posts (body TEXT)");
    refused(path, ZT_ERR_INVAL, "belongs to another application: it has 2 tables or views that "
                                "are not the controller's (posts, users)");
    unlink(path);
    exec_sql(path, "PRAGMA journal_mode = WAL; CREATE TABLE users (name TEXT)");
    assert_false(exists(path, "-wal"));
    refused(path, ZT_ERR_INVAL, "1 table or view that is not the controller's (users)");
    unlink(path);
    /* ... even when it has a schema_version table of its own, or tables named like ours */
    exec_sql(path, "CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER);"
                   "INSERT INTO schema_version VALUES (1, 2);"
                   "CREATE TABLE network (x); CREATE TABLE member (x); CREATE TABLE users (x)");
    refused(path, ZT_ERR_INVAL, "not the controller's (users)");
    unlink(path);
    exec_sql(path, "CREATE TABLE schema_version (version TEXT); CREATE VIEW v AS SELECT 1");
    refused(path, ZT_ERR_INVAL, "not the controller's (v)");
    unlink(path);
    /* no tables, but marked by its program */
    exec_sql(path, "PRAGMA user_version = 7");
    refused(path, ZT_ERR_INVAL, "user_version 7");
    unlink(path);
    /* an empty SQLite database (no tables, no marks) and an empty file are initialised */
    exec_sql(path, "CREATE TABLE t (x); DROP TABLE t");
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), 0);
    zt__store_del(st);
    unlink(path);
    write_file(path, "");
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), 0);
    zt__store_del(st);
    assert_int_equal(query_int(path, "SELECT version FROM schema_version"),
                     zt__store_sqlite_schema_version());
    rm_tree(dir);
}

static void test_sqlite_refuse_schema(void **state)
{
    char dir[128], path[256], err[512];
    zt_store *st = NULL;
    (void)state;

    new_db_path(dir, path);
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), 0);
    zt__store_del(st);
    exec_sql(path, "UPDATE schema_version SET version = 99");
    refused(path, ZT_ERR_UNSUPPORTED, "has schema version 99, newer than the 3");
    /* a newer schema may have tables we do not know: still "newer", not "foreign" */
    exec_sql(path, "CREATE TABLE future (x)");
    refused(path, ZT_ERR_UNSUPPORTED, "newer");
    exec_sql(path, "DROP TABLE future; UPDATE schema_version SET version = 3;"
                   "DROP TABLE member_ip");
    refused(path, ZT_ERR_INVAL, "is damaged: schema version 3 lacks its table member_ip");
    exec_sql(path, "UPDATE schema_version SET version = 1; CREATE TABLE member_ip (x)");
    refused(path, ZT_ERR_INVAL, "it has table member_ip, which schema version 1 does not have");
    exec_sql(path, "DELETE FROM schema_version");
    refused(path, ZT_ERR_INVAL, "schema_version has no usable version row");
    rm_tree(dir);
}

/* A second handle on a file in use (the SDK's attach beside the running controller): the
 * checks before opening read the live WAL and let it through; both see each other's writes. */
static void test_sqlite_two_handles(void **state)
{
    char dir[128], path[256], err[512];
    zt_store *a = NULL, *b = NULL;
    zt_ctl_network n;
    (void)state;

    new_db_path(dir, path);
    assert_int_equal(zt__store_sqlite_open(&a, path, err, sizeof(err)), 0);
    put_network(a, NWID1, "first");
    assert_true(exists(path, "-wal"));
    if (zt__store_sqlite_open(&b, path, err, sizeof(err)) != 0)
        fail_msg("second handle: %s", err);
    assert_int_equal(zt__store_get_network(b, NWID1, &n), 0);
    assert_string_equal(n.name, "first");
    zt__ctl_network_clear(&n);
    put_network(b, NWID2, "second");
    assert_int_equal(zt__store_get_network(a, NWID2, &n), 0);
    assert_string_equal(n.name, "second");
    zt__ctl_network_clear(&n);
    zt__store_del(b);
    zt__store_del(a);
    rm_tree(dir);
}

/* Another process holds the write lock past the busy timeout. */
static void test_sqlite_locked(void **state)
{
    char dir[128], path[256], err[512];
    zt_store *st = NULL;
    sqlite3 *db;
    (void)state;

    new_db_path(dir, path);
    exec_sql(path, "PRAGMA journal_mode = WAL; CREATE TABLE schema_version ("
                   "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);"
                   "INSERT INTO schema_version VALUES (1, 1); CREATE TABLE network (x);"
                   "CREATE TABLE member (x)");
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    err[0] = '\0';
    assert_int_equal(zt__store_sqlite_open(&st, path, err, sizeof(err)), ZT_ERR_IO);
    if (strstr(err, path) == NULL || strstr(err, "locked by another process") == NULL)
        fail_msg("locked: %s", err);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    rm_tree(dir);
}

/* A write that finds the disk full is named as such (SQLite's page limit stands in for a full
 * disk: it fails the same way, SQLITE_FULL). */
static void test_sqlite_full(void **state)
{
    char dir[128], path[256], err[512];
    sqlite3 *db;
    int rc;
    (void)state;

    new_db_path(dir, path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_extended_result_codes(db, 1);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA max_page_count = 3", NULL,
                                  NULL, NULL), SQLITE_OK);
    rc = sqlite3_exec(db, "INSERT INTO t VALUES (zeroblob(100000))", NULL, NULL, NULL);
    assert_int_equal(rc, SQLITE_FULL);
    assert_int_equal(zt__sqlite_fail(db, rc, path, "writing a member", err, sizeof(err)),
                     ZT_ERR_IO);
    if (strstr(err, path) == NULL || strstr(err, "the disk is full") == NULL ||
        strstr(err, "writing a member") == NULL)
        fail_msg("full: %s", err);
    sqlite3_close(db);
    rm_tree(dir);
}

/* ---- runner ---------------------------------------------------------------------------------- */

int main(void)
{
    static const struct CMUnitTest backend_tests[] = {
        cmocka_unit_test(test_sqlite_schema),
        cmocka_unit_test(test_sqlite_durable),
        cmocka_unit_test(test_sqlite_refuse_odd_files),
        cmocka_unit_test(test_sqlite_refuse_permissions),
        cmocka_unit_test(test_sqlite_refuse_foreign),
        cmocka_unit_test(test_sqlite_refuse_schema),
        cmocka_unit_test(test_sqlite_two_handles),
        cmocka_unit_test(test_sqlite_locked),
        cmocka_unit_test(test_sqlite_full),
        cmocka_unit_test(test_sqlite_migrate_index),
        cmocka_unit_test(test_json_layout),
        cmocka_unit_test(test_json_sqlite_json),
    };

    return cmocka_run_group_tests_name("backend-specific", backend_tests, NULL, NULL);
}
