/*
 * store_sqlite_internal.h: what the SQLite store (store_sqlite.c: the records) and its schema
 * (store_sqlite_schema.c: versions, migrations, the index rebuilt from records) share.
 */
#ifndef ZT_CONTROLLER_STORE_SQLITE_INTERNAL_H
#define ZT_CONTROLLER_STORE_SQLITE_INTERNAL_H

#include <stddef.h>

#include <sqlite3.h>

#include "controller/model_internal.h"
#include "controller/store.h"

/* How long a connection waits for another one's lock (the "locked" sentence says 5 s). */
#define ZT_SQLITE_BUSY_MS 5000

/* One index row: (network, member, address as 4 or 16 bytes); a record may list an address
 * twice. */
#define ZT_SQLITE_ADD_IP_SQL \
    "INSERT OR IGNORE INTO member_ip (network_id, member_id, ip) VALUES (?1, ?2, ?3)"

/* The bytes of an address as the index keeps them (4 or 16); 0 for no address. */
static inline int zt__sqlite_ip_len(const zt_ctl_ip *ip)
{
    return ip->family == 4 ? 4 : ip->family == 6 ? 16 : 0;
}

/* Puts a failed SQLite call |rc| on database file |path| into |err| as one sentence: the path,
 * the cause in words (disk full, locked, read-only, damaged, not a database...), what was being
 * done (|doing|), SQLite's own message and, for I/O failures, the system error.  Returns
 * ZT_ERR_NOMEM or ZT_ERR_IO. */
int zt__sqlite_fail(sqlite3 *db, int rc, const char *path, const char *doing, char *err,
                    size_t errlen);

/* sqlite3_exec with the failure as zt__sqlite_fail puts it; 0, ZT_ERR_IO or ZT_ERR_NOMEM. */
int zt__sqlite_exec(sqlite3 *db, const char *sql, const char *path, const char *doing,
                    char *err, size_t errlen);

/* Decides from sqlite_schema alone (reads only; safe on a read-only connection) whether the
 * database is ours: *pversion = 0 for a database without tables (unless another program set its
 * application_id or user_version), else its schema version.  Returns 0, or with a sentence in
 * |err|: ZT_ERR_INVAL (another application's tables, or ours damaged: schema_version missing or
 * unreadable, a table missing), ZT_ERR_UNSUPPORTED (a newer schema), ZT_ERR_IO/NOMEM (the
 * reads failed: not a database, damaged, locked...). */
int zt__sqlite_check_schema(sqlite3 *db, const char *path, int *pversion, char *err,
                            size_t errlen);

/* Everything done before SQLite opens |path| for writing, changing nothing in an existing file:
 * a missing file is created empty (mode 0600); an existing one must be a regular file this
 * process can read and write, empty or an SQLite database whose schema zt__sqlite_check_schema
 * accepts (read through a connection that creates no -wal, -shm or journal file).  Returns 0
 * or its errors, ZT_ERR_IO for the file checks (not a regular file, permissions, not an SQLite
 * file). */
int zt__sqlite_check_file(const char *path, char *err, size_t errlen);

/* Brings the schema to the current version in one transaction, after zt__sqlite_check_schema
 * under the write lock (its errors). */
int zt__sqlite_migrate(sqlite3 *db, const char *path, char *err, size_t errlen);

#endif
