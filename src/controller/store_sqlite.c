/*
 * SQLite store: the embedded default.  One database file, WAL journal, foreign keys, a
 * versioned schema migrated forward at open (store_sqlite_schema.c, which also checks a file
 * before it is opened for writing: a refused file is left unchanged), prepared statements made
 * once and reused.  Every failure is one sentence with the path and the cause in words.
 *
 * Each record is kept as the compact JSON text of model.h (column `doc`), next to the columns
 * the store itself needs (ids for the keys and ordering, revision, authorized, and the index:
 * active_bridge, table member_ip), written together in one savepoint.  The JSON
 * text is the same a controller.d file holds, so records survive model changes that only add
 * fields, and unknown keys are preserved.  Network ids are 64-bit unsigned; SQLite integers
 * are signed, so an id is stored as its two's complement and listed in unsigned order with
 * "ORDER BY id < 0, id".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "controller/store.h"
#include "controller/store_sqlite_internal.h"
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
    S_DEL_IPS,
    S_ADD_IP,
    S_IP_USED,
    S_BRIDGES,
    S_SAVEPOINT,
    S_RELEASE,
    S_UNDO,
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
    [S_PUT_MEM] = "INSERT INTO member (network_id, id, revision, authorized, active_bridge, doc) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (network_id, id) DO UPDATE SET "
                  "revision = excluded.revision, authorized = excluded.authorized, "
                  "active_bridge = excluded.active_bridge, doc = excluded.doc",
    [S_DEL_MEM] = "DELETE FROM member WHERE network_id = ?1 AND id = ?2",
    [S_LIST_MEMS] = "SELECT id, doc FROM member WHERE network_id = ?1 ORDER BY id",
    [S_DEL_IPS] = "DELETE FROM member_ip WHERE network_id = ?1 AND member_id = ?2",
    /* OR IGNORE: a record may list one address twice */
    [S_ADD_IP] = ZT_SQLITE_ADD_IP_SQL,
    [S_IP_USED] = "SELECT 1 FROM member_ip WHERE network_id = ?1 AND ip = ?2 LIMIT 1",
    /* Without statistics the planner prefers the primary key, i.e. a scan of the network. */
    [S_BRIDGES] = ("SELECT id FROM member INDEXED BY member_active_bridge "
                   "WHERE network_id = ?1 AND active_bridge = 1 ORDER BY id LIMIT ?2"),
    /* a member write is several statements: one savepoint, in or out of a transaction */
    [S_SAVEPOINT] = "SAVEPOINT put_member",
    [S_RELEASE] = "RELEASE put_member",
    [S_UNDO] = "ROLLBACK TO put_member",
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
};

typedef struct sql_store {
    zt_store base;
    sqlite3 *db;
    char *path; /* for messages */
    sqlite3_stmt *stmt[S_COUNT];
} sql_store;

static sqlite3_int64 sid(uint64_t id)
{
    return (sqlite3_int64)id; /* two's complement; see the top of the file */
}

/* A failed SQLite call: the cause in words with the path (zt__sqlite_fail); ZT_ERR_IO or
 * ZT_ERR_NOMEM. */
static int db_err(sql_store *s, int rc, const char *what)
{
    return zt__sqlite_fail(s->db, rc, s->path, what, s->base.errmsg, sizeof(s->base.errmsg));
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
        rv = zt__store_no_network(base, nwid);
    } else if (rc != SQLITE_ROW) {
        rv = db_err(s, rc, "reading a network");
    } else {
        rv = zt__ctl_network_load(out, (const char *)sqlite3_column_text(st, 0),
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

    if ((rv = zt__ctl_network_dump(n, &doc)) != 0) {
        zt__store_set_err(base, "network %016llx: cannot render the record: %s",
                          (unsigned long long)n->id, zt__strerror(rv));
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
    if (sqlite3_changes(s->db) == 0)
        return zt__store_no_network(base, nwid);
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
        rv = zt__ctl_network_load(&n, (const char *)sqlite3_column_text(st, 1),
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
        zt__ctl_network_clear(&n);
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
    if (rc == SQLITE_DONE)
        return zt__store_no_network(&s->base, nwid);
    return db_err(s, rc, "looking up a network");
}

static int load_member(sql_store *s, sqlite3_stmt *st, int col, uint64_t nwid, uint64_t node,
                       zt_ctl_member *out)
{
    char why[256];
    int rv;

    rv = zt__ctl_member_load(out, nwid, (const char *)sqlite3_column_text(st, col),
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

    zt__ctl_member_init(out, nwid, node);
    sqlite3_bind_int64(st, 1, sid(nwid));
    sqlite3_bind_int64(st, 2, sid(node));
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rv = zt__store_no_member(base, nwid, node);
    } else if (rc != SQLITE_ROW) {
        rv = db_err(s, rc, "reading a member");
    } else {
        rv = load_member(s, st, 0, nwid, node, out);
    }
    sqlite3_reset(st);
    return rv;
}


/* The member row, then its index rows (the row's active_bridge column is the other part). */
static int write_member(sql_store *s, const zt_ctl_member *m, const char *doc)
{
    sqlite3_stmt *st = use(s, S_PUT_MEM);
    int rv;

    sqlite3_bind_int64(st, 1, sid(m->nwid));
    sqlite3_bind_int64(st, 2, sid(m->id));
    sqlite3_bind_int64(st, 3, (sqlite3_int64)m->revision);
    sqlite3_bind_int(st, 4, m->authorized ? 1 : 0);
    sqlite3_bind_int(st, 5, m->active_bridge ? 1 : 0);
    sqlite3_bind_text(st, 6, doc, -1, SQLITE_STATIC);
    rv = run(s, S_PUT_MEM, "writing a member");
    sqlite3_clear_bindings(st);
    if (rv != 0)
        return rv;
    st = use(s, S_DEL_IPS);
    sqlite3_bind_int64(st, 1, sid(m->nwid));
    sqlite3_bind_int64(st, 2, sid(m->id));
    if ((rv = run(s, S_DEL_IPS, "updating the address index")) != 0)
        return rv;
    for (size_t i = 0; i < m->nips && rv == 0; i++) {
        if (zt__sqlite_ip_len(&m->ips[i]) == 0)
            continue;
        st = use(s, S_ADD_IP);
        sqlite3_bind_int64(st, 1, sid(m->nwid));
        sqlite3_bind_int64(st, 2, sid(m->id));
        sqlite3_bind_blob(st, 3, m->ips[i].ip, zt__sqlite_ip_len(&m->ips[i]), SQLITE_STATIC);
        rv = run(s, S_ADD_IP, "updating the address index");
        sqlite3_clear_bindings(st);
    }
    return rv;
}

static int sql_put_member(zt_store *base, const zt_ctl_member *m)
{
    sql_store *s = (sql_store *)base;
    char *doc = NULL;
    int rv, rv2;

    /* Checked first for a clear sentence; the foreign key is the backstop. */
    if ((rv = has_network(s, m->nwid)) != 0)
        return rv;
    if ((rv = zt__ctl_member_dump(m, &doc)) != 0) {
        zt__store_set_err(base, "member %010llx: cannot render the record: %s",
                          (unsigned long long)m->id, zt__strerror(rv));
        return rv;
    }
    if ((rv = run(s, S_SAVEPOINT, "starting a member write")) == 0) {
        rv = write_member(s, m, doc);
        if (rv != 0) {
            /* the sentence of the first failure stays */
            (void)sqlite3_step(s->stmt[S_UNDO]);
            sqlite3_reset(s->stmt[S_UNDO]);
        }
        rv2 = run(s, S_RELEASE, "finishing a member write");
        if (rv == 0)
            rv = rv2;
    }
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
    if (sqlite3_changes(s->db) == 0)
        return zt__store_no_member(base, nwid, node);
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
        zt__ctl_member_clear(&m);
        if (rv != 0)
            break;
    }
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(s, rc, "listing members");
    sqlite3_reset(st);
    return rv;
}

static int sql_ip_in_use(zt_store *base, uint64_t nwid, const zt_ctl_ip *ip, bool *pused)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st = use(s, S_IP_USED);
    int rc, rv = 0;

    sqlite3_bind_int64(st, 1, sid(nwid));
    sqlite3_bind_blob(st, 2, ip->ip, zt__sqlite_ip_len(ip), SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *pused = true;
    else if (rc != SQLITE_DONE)
        rv = db_err(s, rc, "looking up an address");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rv;
}

static int sql_active_bridges(zt_store *base, uint64_t nwid, uint64_t *ids, size_t cap,
                              size_t *pn)
{
    sql_store *s = (sql_store *)base;
    sqlite3_stmt *st = use(s, S_BRIDGES);
    int rc;

    sqlite3_bind_int64(st, 1, sid(nwid));
    sqlite3_bind_int64(st, 2, cap > INT32_MAX ? INT32_MAX : (sqlite3_int64)cap);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *pn < cap)
        ids[(*pn)++] = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(s, rc, "listing active bridges");
    return 0;
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
    free(s->path);
    free(s);
}

static void sql_del(zt_store *base)
{
    sql_close((sql_store *)base);
}

static const zt_store_ops sql_ops = {
    .name = "sqlite",
    .get_network = sql_get_network,
    .put_network = sql_put_network,
    .delete_network = sql_delete_network,
    .list_networks = sql_list_networks,
    .get_member = sql_get_member,
    .put_member = sql_put_member,
    .delete_member = sql_delete_member,
    .list_members = sql_list_members,
    .begin = sql_begin,
    .commit = sql_commit,
    .rollback = sql_rollback,
    .del = sql_del,
    .ip_in_use = sql_ip_in_use,
    .active_bridges = sql_active_bridges,
};

/* ---- opening ------------------------------------------------------------------------------ */

/* Opens the connection for writing: WAL, foreign keys, the schema brought up to date. */
static int open_db(sql_store *s, unsigned flags, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    const char *mode;
    int rc, rv;

    rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return zt__sqlite_fail(s->db, rc, s->path, "opening it", err, errlen);
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, ZT_SQLITE_BUSY_MS);
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        zt__err_set(err, errlen, "%s: SQLite could open it only read-only; the controller "
                        "must write it", s->path);
        return ZT_ERR_IO;
    }
    /* journal_mode answers with the mode in force; anything but "wal" is a failure (e.g. a file
     * system without shared memory). */
    rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (rc != SQLITE_ROW) {
        rv = zt__sqlite_fail(s->db, rc, s->path, "switching it to WAL mode", err, errlen);
    } else if (mode == NULL || strcmp(mode, "wal") != 0) {
        zt__err_set(err, errlen, "%s: cannot switch it to WAL mode (the journal mode stays "
                        "\"%s\")", s->path, mode != NULL ? mode : "?");
        rv = ZT_ERR_IO;
    } else {
        rv = 0;
    }
    sqlite3_finalize(st);
    if (rv == 0)
        rv = zt__sqlite_exec(s->db,
                             (flags & ZT_STORE_SQLITE_DURABLE)
                                 ? "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL"
                                 : "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
                             s->path, "setting it up", err, errlen);
    if (rv == 0)
        rv = zt__sqlite_migrate(s->db, s->path, err, errlen);
    return rv;
}

int zt__store_sqlite_open(zt_store **pst, const char *path, char *err, size_t errlen)
{
    return zt__store_sqlite_open_flags(pst, path, 0, err, errlen);
}

int zt__store_sqlite_open_flags(zt_store **pst, const char *path, unsigned flags, char *err,
                               size_t errlen)
{
    sql_store *s = NULL;
    int rc, rv;

    if ((rv = zt__sqlite_check_file(path, err, errlen)) != 0)
        return rv;
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        zt__err_set(err, errlen, "%s: out of memory", path);
        rv = ZT_ERR_NOMEM;
        goto out;
    }
    s->base.ops = &sql_ops;
    if ((rv = open_db(s, flags, err, errlen)) != 0)
        goto out;
    for (int i = 0; i < S_COUNT; i++) {
        rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                                NULL);
        if (rc != SQLITE_OK) {
            rv = zt__sqlite_fail(s->db, rc, path, "preparing statements", err, errlen);
            goto out;
        }
    }
    *pst = &s->base;
    s = NULL;
    rv = 0;
out:
    if (s != NULL)
        sql_close(s);
    return rv;
}
