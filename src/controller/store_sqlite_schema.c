/*
 * The SQLite store's schema: its versions, the migrations that bring an older database
 * forward at open (in one transaction), and the index rebuilt from stored records when
 * migration 3 introduced it; the checks that decide, before a file is opened for writing,
 * whether it is ours (a refused file is left byte for byte as it was); and the words for what
 * a failed SQLite call means.  The records themselves: store_sqlite.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "controller/store_sqlite_internal.h"
#include "util/array.h"

/* Schema history.  migrations[v - 1] brings a version v-1 database to version v; version 0 is
 * an empty file.  A step is SQL, then optionally C (|fill|) for what SQL cannot do.  Never
 * edit a step once released: append a new one. */
typedef struct migration {
    const char *sql;
    int (*fill)(sqlite3 *db, const char *path, char *err, size_t errlen);
} migration;

static int fill_index(sqlite3 *db, const char *path, char *err, size_t errlen);

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

int zt__store_sqlite_schema_version(void)
{
    return SCHEMA_VERSION;
}


/* ---- migration 3: the index from the stored records ------------------------------------- */

typedef struct {
    sqlite3_int64 (*keys)[2]; /* (network, member) of the active bridges */
    size_t n, cap;
} key_list;

static int key_push(key_list *l, sqlite3_int64 nwid, sqlite3_int64 node)
{
    int rv = zt__array_grow(NULL, &l->keys, &l->cap, l->n + 1, sizeof(*l->keys), SIZE_MAX);

    if (rv != 0)
        return rv;
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

    if (zt__ctl_member_load(&m, (uint64_t)nwid, (const char *)sqlite3_column_text(sel, 2),
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
    zt__ctl_member_clear(&m);
    return rv;
}

static int fill_index(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *sel = NULL, *add = NULL, *bridge = NULL;
    key_list bridges = {NULL, 0, 0};
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
    if (rv == ZT_ERR_NOMEM)
        zt__err_set(err, errlen, "%s: out of memory while building the member index", path);
    else if (rv != 0)
        rv = zt__sqlite_fail(db, sqlite3_errcode(db), path, "building the member index", err,
                             errlen);
    sqlite3_finalize(sel);
    sqlite3_finalize(add);
    sqlite3_finalize(bridge);
    free(bridges.keys);
    return rv;
}

/* ---- what a failure means ------------------------------------------------------------------ */

/* The cause of a failed SQLite call, in words (extended result codes are on). */
static const char *cause_words(int ext)
{
    switch (ext) {
    case SQLITE_READONLY_ROLLBACK:
        return "an interrupted transaction of the program that wrote it must be rolled back "
               "first (hot journal)";
    case SQLITE_READONLY_DIRECTORY:
        return "read-only: its directory is not writable";
    case SQLITE_READONLY_DBMOVED:
        return "the file was moved or deleted while in use";
    case SQLITE_IOERR_SHMOPEN:
    case SQLITE_IOERR_SHMSIZE:
    case SQLITE_CANTOPEN:
        return "cannot open the file or the -wal/-shm files beside it";
    }
    switch (ext & 0xff) {
    case SQLITE_NOTADB:
        return "not a database";
    case SQLITE_CORRUPT:
        return "the database is damaged";
    case SQLITE_FULL:
        return "the disk is full";
    case SQLITE_BUSY:
        return "locked by another process (still busy after 5 s)";
    case SQLITE_LOCKED:
        return "locked by another connection";
    case SQLITE_READONLY:
        return "read-only";
    case SQLITE_CANTOPEN:
        return "cannot open the file or the -wal/-shm files beside it";
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return "permission denied";
    case SQLITE_NOMEM:
        return "out of memory";
    case SQLITE_IOERR:
        return "I/O error";
    case SQLITE_PROTOCOL:
        return "file locking failed (a network file system?)";
    case SQLITE_TOOBIG:
    case SQLITE_NOLFS:
        return "too large";
    default:
        return "database error";
    }
}

int zt__sqlite_fail(sqlite3 *db, int rc, const char *path, const char *doing, char *err,
                    size_t errlen)
{
    bool own, show_errno;
    int ext, sys, prim;

    if (rc == SQLITE_OK)
        rc = SQLITE_ERROR; /* a caller that lost the code: still a failure */
    /* The handle's code and message belong to |rc| only if they agree (a reset or another
     * call may have replaced them). */
    own = db != NULL && (sqlite3_extended_errcode(db) & 0xff) == (rc & 0xff);
    ext = own ? sqlite3_extended_errcode(db) : rc;
    sys = own ? sqlite3_system_errno(db) : 0;
    prim = ext & 0xff;
    show_errno = sys != 0 && (prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN ||
                              prim == SQLITE_FULL || prim == SQLITE_READONLY);
    zt__err_set(err, errlen, "%s: %s, while %s (sqlite: %s%s%s)", path, cause_words(ext),
                    doing, own ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                    show_errno ? "; " : "", show_errno ? strerror(sys) : "");
    return prim == SQLITE_NOMEM ? ZT_ERR_NOMEM : ZT_ERR_IO;
}

int zt__sqlite_exec(sqlite3 *db, const char *sql, const char *path, const char *doing,
                    char *err, size_t errlen)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? 0 : zt__sqlite_fail(db, rc, path, doing, err, errlen);
}

/* ---- is it ours? ----------------------------------------------------------------------------- */

/* The tables of the schema and the version that created each (keep in step with
 * migrations[]).  Anything else in sqlite_schema (tables, views, triggers; SQLite's own
 * sqlite_* tables aside) is another application's. */
static const struct {
    const char *name;
    int since;
} our_tables[] = {
    {"schema_version", 1},
    {"network", 1},
    {"member", 1},
    {"member_ip", 3},
};
#define NOUR_TABLES (sizeof(our_tables) / sizeof(our_tables[0]))

typedef struct {
    unsigned have;        /* bit i: our_tables[i] is present */
    unsigned nforeign;    /* other tables, views and triggers */
    char foreign[160];    /* their names, as many as fit */
    bool cut;             /* ... and more */
} schema_scan;

static void note_foreign(schema_scan *sc, const char *name)
{
    size_t used = strlen(sc->foreign);
    const char *sep = sc->nforeign++ == 0 ? "" : ", ";

    if (sc->cut)
        return;
    if (used + strlen(sep) + strlen(name) + sizeof(", ...") <= sizeof(sc->foreign)) {
        snprintf(sc->foreign + used, sizeof(sc->foreign) - used, "%s%s", sep, name);
    } else {
        snprintf(sc->foreign + used, sizeof(sc->foreign) - used, "%s...", sep);
        sc->cut = true;
    }
}

/* Reads the names in sqlite_schema into |sc|.  Read-only. */
static int scan_schema(sqlite3 *db, const char *path, schema_scan *sc, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    memset(sc, 0, sizeof(*sc));
    rc = sqlite3_prepare_v2(db,
                            "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view', "
                            "'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                            -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        size_t i;

        if (name == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        for (i = 0; i < NOUR_TABLES && strcmp(name, our_tables[i].name) != 0; i++)
            ;
        if (i < NOUR_TABLES)
            sc->have |= 1u << i;
        else
            note_foreign(sc, name);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE)
        rc = zt__sqlite_fail(db, rc, path, "reading its schema", err, errlen);
    else
        rc = 0;
    sqlite3_finalize(st);
    return rc;
}

/* One integer from a query; false if it fails or gives no integer. */
static bool query_int(sqlite3 *db, const char *sql, sqlite3_int64 *pv)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
              sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER;

    if (ok)
        *pv = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ok;
}

/* A database without tables is ours to initialise, unless another program marked it. */
static int check_empty(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_int64 app = 0, user = 0;

    if (!query_int(db, "PRAGMA application_id", &app) ||
        !query_int(db, "PRAGMA user_version", &user))
        return zt__sqlite_fail(db, sqlite3_errcode(db), path, "reading its header", err,
                               errlen);
    if (app != 0 || user != 0) {
        zt__err_set(err, errlen,
                        "%s belongs to another application (it has no tables but its "
                        "application_id is %lld and user_version %lld); not a controller "
                        "database, left as it is",
                        path, (long long)app, (long long)user);
        return ZT_ERR_INVAL;
    }
    return 0;
}

static int refuse_foreign(const schema_scan *sc, const char *path, char *err, size_t errlen)
{
    zt__err_set(err, errlen,
                    "%s belongs to another application: it has %u %s not the controller's (%s); "
                    "not a controller database, left as it is",
                    path, sc->nforeign,
                    sc->nforeign == 1 ? "table or view that is" : "tables or views that are",
                    sc->foreign);
    return ZT_ERR_INVAL;
}

/* Our tables for |version|: none missing, none from a later version. */
static int check_tables(const schema_scan *sc, int version, const char *path, char *err,
                        size_t errlen)
{
    for (size_t i = 0; i < NOUR_TABLES; i++) {
        bool has = (sc->have >> i) & 1u;
        if (has && our_tables[i].since > version) {
            zt__err_set(err, errlen, "%s is damaged: it has table %s, which schema version "
                            "%d does not have; left as it is", path, our_tables[i].name, version);
            return ZT_ERR_INVAL;
        }
        if (!has && our_tables[i].since <= version) {
            zt__err_set(err, errlen, "%s is damaged: schema version %d lacks its table %s; "
                            "left as it is", path, version, our_tables[i].name);
            return ZT_ERR_INVAL;
        }
    }
    return 0;
}

int zt__sqlite_check_schema(sqlite3 *db, const char *path, int *pversion, char *err,
                            size_t errlen)
{
    sqlite3_int64 version = 0;
    schema_scan sc;
    int rv;

    if ((rv = scan_schema(db, path, &sc, err, errlen)) != 0)
        return rv;
    if (sc.have == 0 && sc.nforeign == 0) {
        *pversion = 0;
        return check_empty(db, path, err, errlen);
    }
    if ((sc.have & 1u) == 0 ||
        !query_int(db, "SELECT version FROM schema_version WHERE id = 1", &version) ||
        version < 1 || version > 1000000) {
        if (sc.nforeign > 0)
            return refuse_foreign(&sc, path, err, errlen);
        zt__err_set(err, errlen, "%s is damaged: %s; left as it is", path,
                        (sc.have & 1u) == 0 ? "the schema_version table is missing"
                                            : "schema_version has no usable version row");
        return ZT_ERR_INVAL;
    }
    if (version > SCHEMA_VERSION) {
        zt__err_set(err, errlen,
                        "%s has schema version %lld, newer than the %d this build understands; "
                        "use a newer zt-service (the file is left as it is)",
                        path, (long long)version, SCHEMA_VERSION);
        return ZT_ERR_UNSUPPORTED;
    }
    if (sc.nforeign > 0)
        return refuse_foreign(&sc, path, err, errlen);
    if ((rv = check_tables(&sc, (int)version, path, err, errlen)) != 0)
        return rv;
    *pversion = (int)version;
    return 0;
}

/* ---- before opening: look, do not touch ---------------------------------------------------- */

/*
 * Nothing is changed in a file that is then refused.  Before SQLite opens the file for writing
 * (which would switch it to WAL mode, and leave -wal and -shm files beside it), we check: that
 * it is a regular file we can read; that it begins with the SQLite header; that its schema is
 * ours (or empty), not newer, read by a connection that creates nothing; and that we may write
 * it.  A missing file is created empty; an empty file is initialised.
 */

#define SQLITE_HEADER_LEN 100 /* the file header: "SQLite format 3\0", byte 18 = 2 in WAL mode */

typedef enum { FILE_CREATED, FILE_EMPTY, FILE_DATA } file_state;

/* A hint after strerror() for a path that cannot be reached or created. */
static const char *path_hint(int e)
{
    switch (e) {
    case ENOENT:
        return " (its directory does not exist)";
    case ENOTDIR:
        return " (a component of the path is not a directory)";
    case EACCES:
        return " (a directory on the path is not writable or searchable by this process)";
    default:
        return "";
    }
}

/* "mode 0444, owner uid 0, this process runs as uid 1000": for permission refusals. */
static void describe_owner(const char *path, char *out, size_t cap)
{
    struct stat sb;

    if (stat(path, &sb) != 0)
        snprintf(out, cap, "this process runs as uid %u", (unsigned)geteuid());
    else
        snprintf(out, cap, "mode %04o, owner uid %u, this process runs as uid %u",
                 (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid, (unsigned)geteuid());
}

/* Created with mode 0600 whatever the umask: SQLite gives its -wal and -shm files the
 * database file's permissions. */
static int create_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0) {
        zt__err_set(err, errlen, "cannot create %s: %s%s", path, strerror(errno),
                        path_hint(errno));
        return ZT_ERR_IO;
    }
    close(fd);
    return 0;
}

/* Looks at |path| without changing it: missing (then created), or a regular file (a symbolic
 * link to one will do) that this process can read. */
static int prepare_file(const char *path, file_state *pstate, char *err, size_t errlen)
{
    struct stat sb;
    char who[128];
    int fd;

    if (stat(path, &sb) != 0) {
        if (errno == ENOENT && lstat(path, &sb) == 0) {
            zt__err_set(err, errlen, "%s is a symbolic link to a missing file; not creating "
                            "a database through it", path);
            return ZT_ERR_IO;
        }
        if (errno != ENOENT) {
            zt__err_set(err, errlen, "cannot reach %s: %s%s", path, strerror(errno),
                            path_hint(errno));
            return ZT_ERR_IO;
        }
        *pstate = FILE_CREATED;
        return create_file(path, err, errlen);
    }
    if (!S_ISREG(sb.st_mode)) {
        zt__err_set(err, errlen, "%s is %s, not a database file", path,
                        S_ISDIR(sb.st_mode)    ? "a directory"
                        : S_ISFIFO(sb.st_mode) ? "a FIFO"
                                               : "a socket or device");
        return ZT_ERR_IO;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        describe_owner(path, who, sizeof(who));
        zt__err_set(err, errlen, "cannot read %s: %s (%s)", path, strerror(e), who);
        return ZT_ERR_IO;
    }
    close(fd);
    *pstate = sb.st_size == 0 ? FILE_EMPTY : FILE_DATA;
    return 0;
}

/* The SQLite header, read with plain I/O: garbage never reaches SQLite. */
static int read_header(const char *path, bool *pwal, char *err, size_t errlen)
{
    uint8_t h[SQLITE_HEADER_LEN];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;

    if (fd < 0) {
        zt__err_set(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return ZT_ERR_IO;
    }
    do
        n = pread(fd, h, sizeof(h), 0);
    while (n < 0 && errno == EINTR);
    e = errno;
    close(fd);
    if (n < 0) {
        zt__err_set(err, errlen, "cannot read %s: %s", path, strerror(e));
        return ZT_ERR_IO;
    }
    if ((size_t)n < sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0) {
        zt__err_set(err, errlen, "%s is not a database: it does not begin with the SQLite "
                        "header (another kind of file, or damaged); left as it is", path);
        return ZT_ERR_IO;
    }
    *pwal = h[18] == 2;
    return 0;
}

/* "file:<path>?mode=ro[&immutable=1]", escaping what URIs reserve.  NULL: out of memory. */
static char *file_uri(const char *path, bool immutable)
{
    sqlite3_str *u = sqlite3_str_new(NULL);

    /* "file://" + "/abs" keeps an absolute path (even "//x") out of the authority part */
    sqlite3_str_appendall(u, path[0] == '/' ? "file://" : "file:");
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            sqlite3_str_appendf(u, "%%%02X", (unsigned)(unsigned char)*p);
        else
            sqlite3_str_appendchar(u, 1, *p);
    }
    sqlite3_str_appendall(u, immutable ? "?mode=ro&immutable=1" : "?mode=ro");
    return sqlite3_str_finish(u);
}

/* Checks the schema through a read-only connection that creates no file.  A read-only
 * connection to a WAL database whose -wal file is missing would create -wal and -shm and leave
 * them; the main file is then all there is, read as immutable.  Otherwise (a rollback journal,
 * or a live WAL) a plain read-only connection: it takes the usual locks and reports a hot
 * journal instead of rolling it back. */
static int inspect(const char *path, bool wal, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    char *walpath = sqlite3_mprintf("%s-wal", path), *uri = NULL;
    int rc, rv = ZT_ERR_NOMEM, version;

    if (walpath == NULL || (uri = file_uri(path, wal && access(walpath, F_OK) != 0)) == NULL) {
        zt__err_set(err, errlen, "%s: out of memory", path);
        goto out;
    }
    rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                         NULL);
    if (rc != SQLITE_OK) {
        rv = zt__sqlite_fail(db, rc, path, "opening it to read its schema", err, errlen);
        goto out;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, ZT_SQLITE_BUSY_MS);
    rv = zt__sqlite_check_schema(db, path, &version, err, errlen);
out:
    sqlite3_close(db);
    sqlite3_free(uri);
    sqlite3_free(walpath);
    return rv;
}

/* The controller writes the file: a read-only one is refused here, before SQLite would open it
 * read-only and fail at the first write. */
static int check_writable(const char *path, char *err, size_t errlen)
{
    char who[128];
    int fd = open(path, O_RDWR | O_CLOEXEC), e;

    if (fd >= 0) {
        close(fd);
        return 0;
    }
    e = errno;
    describe_owner(path, who, sizeof(who));
    zt__err_set(err, errlen, "%s is read-only for the controller, which must write it: %s "
                    "(%s)", path, strerror(e), who);
    return ZT_ERR_IO;
}

int zt__sqlite_check_file(const char *path, char *err, size_t errlen)
{
    file_state state;
    bool wal = false;
    int rv;

    if ((rv = prepare_file(path, &state, err, errlen)) != 0 || state == FILE_CREATED)
        return rv;
    if (state == FILE_DATA && ((rv = read_header(path, &wal, err, errlen)) != 0 ||
                               (rv = inspect(path, wal, err, errlen)) != 0))
        return rv;
    return check_writable(path, err, errlen);
}

int zt__sqlite_migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    char sql[64];
    int version = 0, rv;

    if ((rv = zt__sqlite_exec(db, "BEGIN IMMEDIATE", path, "starting the schema check", err,
                              errlen)) != 0)
        return rv;
    /* Checked again under the write lock: the file may have changed since it was opened. */
    if ((rv = zt__sqlite_check_schema(db, path, &version, err, errlen)) != 0)
        goto out;
    for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
        const migration *step = &migrations[v - 1];
        if ((rv = zt__sqlite_exec(db, step->sql, path, "migrating the schema", err, errlen)) !=
            0)
            goto out;
        if (step->fill != NULL && (rv = step->fill(db, path, err, errlen)) != 0)
            goto out;
    }
    if (version < SCHEMA_VERSION) {
        snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d WHERE id = 1",
                 SCHEMA_VERSION);
        if ((rv = zt__sqlite_exec(db, sql, path, "recording the schema version", err,
                                  errlen)) != 0)
            goto out;
    }
    rv = zt__sqlite_exec(db, "COMMIT", path, "committing the schema", err, errlen);
out:
    if (rv != 0)
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rv;
}
