/*
 * SQLite store: the embedded default.  One database file, WAL journal, foreign keys, a
 * versioned schema migrated forward at open, prepared statements made once and reused.
 *
 * Each record is kept as the compact JSON text of model.h (column `doc`), next to the columns
 * the store itself needs (ids for the keys and ordering, revision, authorized).  The JSON
 * text is the same a controller.d file holds, so records survive model changes that only add
 * fields, and unknown keys are preserved.  Network ids are 64-bit unsigned; SQLite integers
 * are signed, so an id is stored as its two's complement and listed in unsigned order with
 * "ORDER BY id < 0, id".
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "controller/store.h"

/* Schema history.  migrations[v - 1] brings a version v-1 database to version v; version 0 is
 * an empty file.  Never edit a step once released: append a new one. */
static const char *const migrations[] = {
    /* 1: the tables */
    "CREATE TABLE schema_version ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  version INTEGER NOT NULL);"
    "INSERT INTO schema_version (id, version) VALUES (1, 0);"
    "CREATE TABLE network ("
    "  id INTEGER PRIMARY KEY,"
    "  revision INTEGER NOT NULL,"
    "  doc TEXT NOT NULL);"
    "CREATE TABLE member ("
    "  network_id INTEGER NOT NULL REFERENCES network (id) ON DELETE CASCADE,"
    "  id INTEGER NOT NULL,"
    "  revision INTEGER NOT NULL,"
    "  authorized INTEGER NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (network_id, id)) WITHOUT ROWID;",
    /* 2: authorised-member counts per network without a scan (REST /unstable meta) */
    "CREATE INDEX member_authorized ON member (network_id, authorized);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

enum {
    S_GET_NET,
    S_PUT_NET,
    S_DEL_NET,
    S_LIST_NETS,
    S_HAS_NET,
    S_GET_MEM,
    S_PUT_MEM,
    S_DEL_MEM,
    S_LIST_MEMS,
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
    [S_GET_NET] = "SELECT doc FROM network WHERE id = ?1",
    /* An upsert, never INSERT OR REPLACE: a replace deletes the row first, and the cascade
     * would take the network's members with it. */
    [S_PUT_NET] = "INSERT INTO network (id, revision, doc) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, "
                  "doc = excluded.doc",
    [S_DEL_NET] = "DELETE FROM network WHERE id = ?1",
    [S_LIST_NETS] = "SELECT id, doc FROM network ORDER BY id < 0, id",
    [S_HAS_NET] = "SELECT 1 FROM network WHERE id = ?1",
    [S_GET_MEM] = "SELECT doc FROM member WHERE network_id = ?1 AND id = ?2",
    [S_PUT_MEM] = "INSERT INTO member (network_id, id, revision, authorized, doc) "
                  "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (network_id, id) DO UPDATE SET "
                  "revision = excluded.revision, authorized = excluded.authorized, "
                  "doc = excluded.doc",
    [S_DEL_MEM] = "DELETE FROM member WHERE network_id = ?1 AND id = ?2",
    [S_LIST_MEMS] = "SELECT id, doc FROM member WHERE network_id = ?1 ORDER BY id",
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
};

typedef struct sql_store {
    zt_store base;
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT];
} sql_store;

static sqlite3_int64 sid(uint64_t id)
{
    return (sqlite3_int64)id; /* two's complement; see the top of the file */
}

/* A failed SQLite call: sentence from the database, ZT_ERR_IO (or NOMEM). */
static int db_err(sql_store *s, int rc, const char *what)
{
    zt__store_set_err(&s->base, "sqlite: %s: %s", what, sqlite3_errstr(rc));
    if (s->db != NULL && sqlite3_errcode(s->db) == rc)
        zt__store_set_err(&s->base, "sqlite: %s: %s", what, sqlite3_errmsg(s->db));
    return rc == SQLITE_NOMEM ? ZT_ERR_NOMEM : ZT_ERR_IO;
}

static sqlite3_stmt *use(sql_store *s, int which)
{
    sqlite3_stmt *st = s->stmt[which];

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Runs a statement that returns no rows. */
static int run(sql_store *s, int which, const char *what)
{
    sqlite3_stmt *st = s->stmt[which];
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_err(s, rc, what);
    return 0;
}

static int sql_get_network(zt_store *base, uint64_t nwid, zt_ctl_network *out)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st = use(s, S_GET_NET);
    char why[256];
    int rc, rv;

    memset(out, 0, sizeof(*out));
    sqlite3_bind_int64(st, 1, sid(nwid));
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        zt__store_set_err(base, "network %016llx not found", (unsigned long long)nwid);
        rv = ZT_ERR_NOTFOUND;
    } else if (rc != SQLITE_ROW) {
        rv = db_err(s, rc, "reading a network");
    } else {
        rv = zt_ctl_network_load(out, (const char *)sqlite3_column_text(st, 0),
                                 (size_t)sqlite3_column_bytes(st, 0), why, sizeof(why));
        if (rv == 0 && out->id != nwid) {
            snprintf(why, sizeof(why), "its id is %016llx", (unsigned long long)out->id);
            rv = ZT_ERR_INVAL;
        }
        if (rv != 0)
            zt__store_set_err(base, "network %016llx: stored record is corrupt: %s",
                              (unsigned long long)nwid, why);
    }
    sqlite3_reset(st);
    return rv;
}

static int sql_put_network(zt_store *base, const zt_ctl_network *n)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st;
    char *doc = NULL;
    int rv;

    if ((rv = zt_ctl_network_dump(n, &doc)) != 0) {
        zt__store_set_err(base, "network %016llx: cannot render the record: %s",
                          (unsigned long long)n->id, zt_strerror(rv));
        return rv;
    }
    st = use(s, S_PUT_NET);
    sqlite3_bind_int64(st, 1, sid(n->id));
    sqlite3_bind_int64(st, 2, (sqlite3_int64)n->revision);
    sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
    rv = run(s, S_PUT_NET, "writing a network");
    sqlite3_clear_bindings(st);
    free(doc);
    return rv;
}

static int sql_delete_network(zt_store *base, uint64_t nwid)
{
    sql_store *s = (sql_store *)base;
    int rv;

    sqlite3_bind_int64(use(s, S_DEL_NET), 1, sid(nwid));
    if ((rv = run(s, S_DEL_NET, "deleting a network")) != 0)
        return rv;
    if (sqlite3_changes(s->db) == 0) {
        zt__store_set_err(base, "network %016llx not found", (unsigned long long)nwid);
        return ZT_ERR_NOTFOUND;
    }
    return 0;
}

static int sql_list_networks(zt_store *base, zt_store_network_cb cb, void *arg)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st = use(s, S_LIST_NETS);
    zt_ctl_network n;
    char why[256];
    int rc, rv = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);
        rv = zt_ctl_network_load(&n, (const char *)sqlite3_column_text(st, 1),
                                 (size_t)sqlite3_column_bytes(st, 1), why, sizeof(why));
        if (rv == 0 && n.id != id) {
            snprintf(why, sizeof(why), "its id is %016llx", (unsigned long long)n.id);
            rv = ZT_ERR_INVAL;
        }
        if (rv != 0) {
            zt__store_set_err(base, "network %016llx: stored record is corrupt: %s",
                              (unsigned long long)id, why);
        } else {
            rv = cb(&n, arg);
        }
        zt_ctl_network_clear(&n);
        if (rv != 0)
            break;
    }
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(s, rc, "listing networks");
    sqlite3_reset(st);
    return rv;
}

/* 0 if network |nwid| exists, ZT_ERR_NOTFOUND, or a database error. */
static int has_network(sql_store *s, uint64_t nwid)
{
    sqlite3_stmt *st = use(s, S_HAS_NET);
    int rc;

    sqlite3_bind_int64(st, 1, sid(nwid));
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE) {
        zt__store_set_err(&s->base, "network %016llx not found", (unsigned long long)nwid);
        return ZT_ERR_NOTFOUND;
    }
    return db_err(s, rc, "looking up a network");
}

static int load_member(sql_store *s, sqlite3_stmt *st, int col, uint64_t nwid, uint64_t node,
                       zt_ctl_member *out)
{
    char why[256];
    int rv;

    rv = zt_ctl_member_load(out, nwid, (const char *)sqlite3_column_text(st, col),
                            (size_t)sqlite3_column_bytes(st, col), why, sizeof(why));
    if (rv == 0 && out->id != node) {
        snprintf(why, sizeof(why), "its id is %010llx", (unsigned long long)out->id);
        rv = ZT_ERR_INVAL;
    }
    if (rv != 0)
        zt__store_set_err(&s->base, "member %010llx of network %016llx: stored record is "
                                    "corrupt: %s",
                          (unsigned long long)node, (unsigned long long)nwid, why);
    return rv;
}

static int sql_get_member(zt_store *base, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st = use(s, S_GET_MEM);
    int rc, rv;

    zt_ctl_member_init(out, nwid, node);
    sqlite3_bind_int64(st, 1, sid(nwid));
    sqlite3_bind_int64(st, 2, sid(node));
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        zt__store_set_err(base, "member %010llx of network %016llx not found",
                          (unsigned long long)node, (unsigned long long)nwid);
        rv = ZT_ERR_NOTFOUND;
    } else if (rc != SQLITE_ROW) {
        rv = db_err(s, rc, "reading a member");
    } else {
        rv = load_member(s, st, 0, nwid, node, out);
    }
    sqlite3_reset(st);
    return rv;
}

static int sql_put_member(zt_store *base, const zt_ctl_member *m)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st;
    char *doc = NULL;
    int rv;

    /* Checked first for a clear sentence; the foreign key is the backstop. */
    if ((rv = has_network(s, m->nwid)) != 0)
        return rv;
    if ((rv = zt_ctl_member_dump(m, &doc)) != 0) {
        zt__store_set_err(base, "member %010llx: cannot render the record: %s",
                          (unsigned long long)m->id, zt_strerror(rv));
        return rv;
    }
    st = use(s, S_PUT_MEM);
    sqlite3_bind_int64(st, 1, sid(m->nwid));
    sqlite3_bind_int64(st, 2, sid(m->id));
    sqlite3_bind_int64(st, 3, (sqlite3_int64)m->revision);
    sqlite3_bind_int(st, 4, m->authorized ? 1 : 0);
    sqlite3_bind_text(st, 5, doc, -1, SQLITE_STATIC);
    rv = run(s, S_PUT_MEM, "writing a member");
    sqlite3_clear_bindings(st);
    free(doc);
    return rv;
}

static int sql_delete_member(zt_store *base, uint64_t nwid, uint64_t node)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st = use(s, S_DEL_MEM);
    int rv;

    sqlite3_bind_int64(st, 1, sid(nwid));
    sqlite3_bind_int64(st, 2, sid(node));
    if ((rv = run(s, S_DEL_MEM, "deleting a member")) != 0)
        return rv;
    if (sqlite3_changes(s->db) == 0) {
        zt__store_set_err(base, "member %010llx of network %016llx not found",
                          (unsigned long long)node, (unsigned long long)nwid);
        return ZT_ERR_NOTFOUND;
    }
    return 0;
}

static int sql_list_members(zt_store *base, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st;
    zt_ctl_member m;
    int rc, rv;

    if ((rv = has_network(s, nwid)) != 0)
        return rv;
    st = use(s, S_LIST_MEMS);
    sqlite3_bind_int64(st, 1, sid(nwid));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rv = load_member(s, st, 1, nwid, (uint64_t)sqlite3_column_int64(st, 0), &m);
        if (rv == 0)
            rv = cb(&m, arg);
        zt_ctl_member_clear(&m);
        if (rv != 0)
            break;
    }
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(s, rc, "listing members");
    sqlite3_reset(st);
    return rv;
}

static int sql_begin(zt_store *base)
{
    return run((sql_store *)base, S_BEGIN, "begin");
}

static int sql_commit(zt_store *base)
{
    return run((sql_store *)base, S_COMMIT, "commit");
}

static int sql_rollback(zt_store *base)
{
    return run((sql_store *)base, S_ROLLBACK, "rollback");
}

static void sql_close(sql_store *s)
{
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    /* Closing with a transaction open rolls it back; the last connection to close
     * checkpoints the WAL into the main file. */
    sqlite3_close(s->db);
    free(s);
}

static void sql_del(zt_store *base)
{
    sql_close((sql_store *)base);
}

static const zt_store_ops sql_ops = {
    "sqlite",          sql_get_network, sql_put_network,  sql_delete_network,
    sql_list_networks, sql_get_member,  sql_put_member,   sql_delete_member,
    sql_list_members,  sql_begin,       sql_commit,       sql_rollback,
    sql_del,
};

int zt_store_sqlite_schema_version(void)
{
    return SCHEMA_VERSION;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void open_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Reads the schema version: 0 for an empty database.  Returns 0, ZT_ERR_INVAL (tables but no
 * usable schema_version: not ours, or damaged) or ZT_ERR_IO. */
static int read_version(sqlite3 *db, int *pversion, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc, rv = ZT_ERR_IO, tables = 0, has_version_table = 0;

    rc = sqlite3_prepare_v2(db,
                            "SELECT count(*), count(CASE WHEN name = 'schema_version' THEN 1 END) "
                            "FROM sqlite_schema WHERE type = 'table'",
                            -1, &st, NULL);
    if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        open_err(err, errlen, "not a usable SQLite database (%s)", sqlite3_errmsg(db));
        goto out;
    }
    tables = sqlite3_column_int(st, 0);
    has_version_table = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    st = NULL;
    if (tables == 0) {
        *pversion = 0;
        rv = 0;
        goto out;
    }
    rv = ZT_ERR_INVAL;
    if (!has_version_table) {
        open_err(err, errlen, "the database has tables but no schema_version table: not a "
                              "controller database");
        goto out;
    }
    rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_version WHERE id = 1", -1, &st,
                            NULL);
    if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
        sqlite3_column_type(st, 0) != SQLITE_INTEGER || sqlite3_column_int64(st, 0) < 1 ||
        sqlite3_column_int64(st, 0) > 1000000) {
        open_err(err, errlen, "the schema_version table is damaged");
        goto out;
    }
    *pversion = sqlite3_column_int(st, 0);
    rv = 0;
out:
    sqlite3_finalize(st);
    return rv;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        open_err(err, errlen, "%s: %s", what, msg != NULL ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return rc == SQLITE_NOMEM ? ZT_ERR_NOMEM : ZT_ERR_IO;
    }
    return 0;
}

/* Brings the schema to SCHEMA_VERSION in one transaction, or refuses a newer one. */
static int migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    char sql[64];
    int version = 0, rv;

    if ((rv = exec(db, "BEGIN IMMEDIATE", err, errlen, "begin")) != 0)
        return rv;
    if ((rv = read_version(db, &version, err, errlen)) != 0)
        goto out;
    if (version > SCHEMA_VERSION) {
        open_err(err, errlen, "%s has schema version %d, newer than the %d this build "
                              "understands; use a newer zt-service",
                 path, version, SCHEMA_VERSION);
        rv = ZT_ERR_UNSUPPORTED;
        goto out;
    }
    for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
        if ((rv = exec(db, migrations[v - 1], err, errlen, "migrating the schema")) != 0)
            goto out;
    }
    if (version < SCHEMA_VERSION) {
        snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d WHERE id = 1",
                 SCHEMA_VERSION);
        if ((rv = exec(db, sql, err, errlen, "recording the schema version")) != 0)
            goto out;
    }
    rv = exec(db, "COMMIT", err, errlen, "commit");
out:
    if (rv != 0)
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rv;
}

int zt_store_sqlite_open(zt_store **pst, const char *path, char *err, size_t errlen)
{
    sql_store *s = NULL;
    sqlite3_stmt *st = NULL;
    int rc, rv = ZT_ERR_IO, fd, version = 0;
    const char *mode;

    /* Create the file ourselves so that it gets 0600 whatever the umask; SQLite gives its
     * -wal and -shm files the database file's permissions. */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        open_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return ZT_ERR_IO;
    }
    close(fd);
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return ZT_ERR_NOMEM;
    s->base.ops = &sql_ops;
    rc = sqlite3_open_v2(path, &s->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        open_err(err, errlen, "cannot open %s: %s", path,
                 s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        rv = rc == SQLITE_NOMEM ? ZT_ERR_NOMEM : ZT_ERR_IO;
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    /* Refuse a foreign or newer database before changing anything in it (journal mode
     * included); migrate() checks again inside its transaction. */
    if ((rv = read_version(s->db, &version, err, errlen)) != 0)
        goto out;
    if (version > SCHEMA_VERSION) {
        open_err(err, errlen, "%s has schema version %d, newer than the %d this build "
                              "understands; use a newer zt-service",
                 path, version, SCHEMA_VERSION);
        rv = ZT_ERR_UNSUPPORTED;
        goto out;
    }
    rv = ZT_ERR_IO;
    /* journal_mode answers with the mode in force; anything but "wal" is a failure (e.g. the
     * file is not a database, or lives on a file system without shared memory). */
    rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (mode == NULL || strcmp(mode, "wal") != 0) {
        open_err(err, errlen, "%s: cannot use WAL mode (%s)", path,
                 mode != NULL ? mode : sqlite3_errmsg(s->db));
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rv = exec(s->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", err, errlen,
                   path)) != 0)
        goto out;
    if ((rv = migrate(s->db, path, err, errlen)) != 0)
        goto out;
    for (int i = 0; i < S_COUNT; i++) {
        rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            open_err(err, errlen, "%s: preparing statements: %s", path, sqlite3_errmsg(s->db));
            rv = rc == SQLITE_NOMEM ? ZT_ERR_NOMEM : ZT_ERR_IO;
            goto out;
        }
    }
    *pst = &s->base;
    s = NULL;
    rv = 0;
out:
    sqlite3_finalize(st);
    if (s != NULL)
        sql_close(s);
    return rv;
}
