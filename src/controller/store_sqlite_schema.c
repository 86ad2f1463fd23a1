/*
 * The SQLite store's schema: its versions, the migrations that bring an older database
 * forward at open (in one transaction), and the index rebuilt from stored records when
 * migration 3 introduced it.  The records themselves: store_sqlite.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/store_sqlite_internal.h"

/* Schema history.  migrations[v - 1] brings a version v-1 database to version v; version 0 is
 * an empty file.  A step is SQL, then optionally C (|fill|) for what SQL cannot do.  Never
 * edit a step once released: append a new one. */
typedef struct migration {
    const char *sql;
    int (*fill)(sqlite3 *db, char *err, size_t errlen);
} migration;

static int fill_index(sqlite3 *db, char *err, size_t errlen);

static const migration migrations[] = {
    /* 1: the tables */
    {"CREATE TABLE schema_version ("
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
     NULL},
    /* 2: authorised-member counts per network without a scan (REST /unstable meta) */
    {"CREATE INDEX member_authorized ON member (network_id, authorized);", NULL},
    /* 3: the index a config request needs (controller.md §3 `S`, §3.5-§3.6 allocated set):
     * one row per (member, address in its ipAssignments), the address as 4 or 16 bytes;
     * activeBridge as a column.  Rebuilt from every stored record by fill_index. */
    {"ALTER TABLE member ADD COLUMN active_bridge INTEGER NOT NULL DEFAULT 0;"
     "CREATE INDEX member_active_bridge ON member (network_id, id) WHERE active_bridge = 1;"
     "CREATE TABLE member_ip ("
     "  network_id INTEGER NOT NULL,"
     "  member_id INTEGER NOT NULL,"
     "  ip BLOB NOT NULL,"
     "  PRIMARY KEY (network_id, member_id, ip),"
     "  FOREIGN KEY (network_id, member_id) REFERENCES member (network_id, id)"
     "    ON DELETE CASCADE) WITHOUT ROWID;"
     "CREATE INDEX member_ip_address ON member_ip (network_id, ip);",
     fill_index},
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

int zt_store_sqlite_schema_version(void)
{
    return SCHEMA_VERSION;
}


/* ---- migration 3: the index from the stored records ------------------------------------- */

typedef struct {
    sqlite3_int64 (*keys)[2]; /* (network, member) of the active bridges: few, grown by one */
    size_t n;
} key_list;

static int key_push(key_list *l, sqlite3_int64 nwid, sqlite3_int64 node)
{
    sqlite3_int64(*k)[2] = realloc(l->keys, (l->n + 1) * sizeof(*k));

    if (k == NULL)
        return ZT_ERR_NOMEM;
    l->keys = k;
    l->keys[l->n][0] = nwid;
    l->keys[l->n][1] = node;
    l->n++;
    return 0;
}

/* Index rows for one stored member row of |sel|; bridges are noted in |bridges| (updated after
 * the scan, so that the scanned table does not change under it).  A record that does not load
 * is skipped: it is reported as corrupt whenever it is read, and indexed when it is rewritten. */
static int index_row(sqlite3_stmt *sel, sqlite3_stmt *add, key_list *bridges)
{
    sqlite3_int64 nwid = sqlite3_column_int64(sel, 0), node = sqlite3_column_int64(sel, 1);
    zt_ctl_member m;
    char why[64];
    int rc, rv = 0;

    if (zt_ctl_member_load(&m, (uint64_t)nwid, (const char *)sqlite3_column_text(sel, 2),
                           (size_t)sqlite3_column_bytes(sel, 2), why, sizeof(why)) != 0)
        goto out;
    if (m.active_bridge)
        rv = key_push(bridges, nwid, node);
    for (size_t i = 0; i < m.nips && rv == 0; i++) {
        if (zt__sqlite_ip_len(&m.ips[i]) == 0)
            continue;
        sqlite3_bind_int64(add, 1, nwid);
        sqlite3_bind_int64(add, 2, node);
        sqlite3_bind_blob(add, 3, m.ips[i].ip, zt__sqlite_ip_len(&m.ips[i]), SQLITE_TRANSIENT);
        rc = sqlite3_step(add);
        sqlite3_reset(add);
        if (rc != SQLITE_DONE)
            rv = rc == SQLITE_NOMEM ? ZT_ERR_NOMEM : ZT_ERR_IO;
    }
out:
    zt_ctl_member_clear(&m);
    return rv;
}

static int fill_index(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *sel = NULL, *add = NULL, *bridge = NULL;
    key_list bridges = {NULL, 0};
    int rc, rv = ZT_ERR_IO;

    if (sqlite3_prepare_v2(db, "SELECT network_id, id, doc FROM member", -1, &sel, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, ZT_SQLITE_ADD_IP_SQL, -1, &add, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE member SET active_bridge = 1 WHERE network_id = ?1 AND "
                               "id = ?2", -1, &bridge, NULL) != SQLITE_OK)
        goto out;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        if ((rv = index_row(sel, add, &bridges)) != 0)
            goto out;
    }
    rv = ZT_ERR_IO;
    if (rc != SQLITE_DONE)
        goto out;
    for (size_t i = 0; i < bridges.n; i++) {
        sqlite3_bind_int64(bridge, 1, bridges.keys[i][0]);
        sqlite3_bind_int64(bridge, 2, bridges.keys[i][1]);
        rc = sqlite3_step(bridge);
        sqlite3_reset(bridge);
        if (rc != SQLITE_DONE)
            goto out;
    }
    rv = 0;
out:
    if (rv != 0)
        zt__ctl_set_err(err, errlen, "building the member index: %s",
                        rv == ZT_ERR_NOMEM ? "out of memory" : sqlite3_errmsg(db));
    sqlite3_finalize(sel);
    sqlite3_finalize(add);
    sqlite3_finalize(bridge);
    free(bridges.keys);
    return rv;
}

int zt__sqlite_read_version(sqlite3 *db, int *pversion, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc, rv = ZT_ERR_IO, tables = 0, has_version_table = 0;

    rc = sqlite3_prepare_v2(db,
                            "SELECT count(*), count(CASE WHEN name = 'schema_version' THEN 1 END) "
                            "FROM sqlite_schema WHERE type = 'table'",
                            -1, &st, NULL);
    if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        zt__ctl_set_err(err, errlen, "not a usable SQLite database (%s)", sqlite3_errmsg(db));
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
        zt__ctl_set_err(err, errlen, "the database has tables but no schema_version "
                        "table: not a controller database");
        goto out;
    }
    rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_version WHERE id = 1", -1, &st,
                            NULL);
    if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
        sqlite3_column_type(st, 0) != SQLITE_INTEGER || sqlite3_column_int64(st, 0) < 1 ||
        sqlite3_column_int64(st, 0) > 1000000) {
        zt__ctl_set_err(err, errlen, "the schema_version table is damaged");
        goto out;
    }
    *pversion = sqlite3_column_int(st, 0);
    rv = 0;
out:
    sqlite3_finalize(st);
    return rv;
}

int zt__sqlite_exec(sqlite3 *db, const char *sql, char *err, size_t errlen, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        zt__ctl_set_err(err, errlen, "%s: %s", what, msg != NULL ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return rc == SQLITE_NOMEM ? ZT_ERR_NOMEM : ZT_ERR_IO;
    }
    return 0;
}

int zt__sqlite_migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    char sql[64];
    int version = 0, rv;

    if ((rv = zt__sqlite_exec(db, "BEGIN IMMEDIATE", err, errlen, "begin")) != 0)
        return rv;
    if ((rv = zt__sqlite_read_version(db, &version, err, errlen)) != 0)
        goto out;
    if (version > SCHEMA_VERSION) {
        zt__ctl_set_err(err, errlen, "%s has schema version %d, newer than the %d this build "
                        "understands; use a newer zt-service",
                        path, version, SCHEMA_VERSION);
        rv = ZT_ERR_UNSUPPORTED;
        goto out;
    }
    for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
        const migration *step = &migrations[v - 1];
        if ((rv = zt__sqlite_exec(db, step->sql, err, errlen, "migrating the schema")) != 0)
            goto out;
        if (step->fill != NULL && (rv = step->fill(db, err, errlen)) != 0)
            goto out;
    }
    if (version < SCHEMA_VERSION) {
        snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d WHERE id = 1",
                 SCHEMA_VERSION);
        if ((rv = zt__sqlite_exec(db, sql, err, errlen, "recording the schema version")) != 0)
            goto out;
    }
    rv = zt__sqlite_exec(db, "COMMIT", err, errlen, "commit");
out:
    if (rv != 0)
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rv;
}
