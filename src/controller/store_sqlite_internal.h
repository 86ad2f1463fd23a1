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

/* One index row: (network, member, address as 4 or 16 bytes); a record may list an address
 * twice. */
#define ZT_SQLITE_ADD_IP_SQL \
    "INSERT OR IGNORE INTO member_ip (network_id, member_id, ip) VALUES (?1, ?2, ?3)"

/* The bytes of an address as the index keeps them (4 or 16); 0 for no address. */
static inline int zt__sqlite_ip_len(const zt_ctl_ip *ip)
{
    return ip->family == 4 ? 4 : ip->family == 6 ? 16 : 0;
}

/* sqlite3_exec with the failure as a sentence "<what>: <why>"; 0, ZT_ERR_IO or ZT_ERR_NOMEM. */
int zt__sqlite_exec(sqlite3 *db, const char *sql, char *err, size_t errlen, const char *what);

/* Reads the schema version: 0 for an empty database.  Returns 0, ZT_ERR_INVAL (tables but no
 * usable schema_version: not ours, or damaged) or ZT_ERR_IO. */
int zt__sqlite_read_version(sqlite3 *db, int *pversion, char *err, size_t errlen);

/* Brings the schema to the current version in one transaction, or refuses a newer one
 * (ZT_ERR_UNSUPPORTED). */
int zt__sqlite_migrate(sqlite3 *db, const char *path, char *err, size_t errlen);

#endif
