/*
 * store_pg_internal.h: what the PostgreSQL store (store_pg.c: connection, networks,
 * transactions; store_pg_member.c: members and the index) and its schema (store_pg_schema.c:
 * versions, migrations, failures in words) share, and what its tests look at.
 */
#ifndef ZT_CONTROLLER_STORE_PG_INTERNAL_H
#define ZT_CONTROLLER_STORE_PG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "controller/store.h"

/* SQLSTATEs the store acts on (PostgreSQL's appendix A). */
#define ZT_PG_SERIALIZATION_FAILURE "40001"
#define ZT_PG_DEADLOCK "40P01"
#define ZT_PG_UNIQUE_VIOLATION "23505"
#define ZT_PG_FOREIGN_KEY_VIOLATION "23503"

/* The schema version this build creates and understands. */
int zt__store_pg_schema_version(void);

/* How many times the pg store |st| tried a self-contained write again after a serialization
 * failure or deadlock (0 for other backends): for tests, and later for metrics. */
unsigned long zt__store_pg_retries(const zt_store *st);

/*
 * Puts a failed libpq call into |err| as one sentence: |where| (the database, never the
 * connection string: it may hold a password), the cause in words (lost connection, a
 * concurrent transaction, permission, disk full...), what was being done (|doing|), then the
 * server's SQLSTATE and message (or libpq's).  |res| may be NULL (the call returned no
 * result).  Returns ZT_ERR_AGAIN for a serialization failure or deadlock (the transaction may
 * be retried), ZT_ERR_NOMEM when libpq ran out of memory, else ZT_ERR_IO.
 */
int zt__pg_fail(PGconn *conn, const PGresult *res, const char *where, const char *doing,
                char *err, size_t errlen);

/* The SQLSTATE of a failed result, "" if none (no result, or a client-side failure). */
const char *zt__pg_sqlstate(const PGresult *res);

/* |msg| on one line in |out|: newlines and tabs (libpq's messages have both) become single
 * spaces, leading and trailing ones go. */
void zt__pg_one_line(const char *msg, char *out, size_t cap);

/* Runs |sql| (no parameters, no rows expected); 0 or as zt__pg_fail. */
int zt__pg_exec(PGconn *conn, const char *sql, const char *where, const char *doing, char *err,
                size_t errlen);

/*
 * Brings the schema in the connection's current schema (the first existing one of its
 * search_path) to this build's version, in one transaction under an advisory lock, so that
 * two processes opening a new database at once do not both create it.  An empty schema is
 * initialised; an older version is migrated; a newer one is refused (ZT_ERR_UNSUPPORTED);
 * tables with our names but no schema_version, or a version that lacks its tables, are
 * refused (ZT_ERR_INVAL).  A refused or failed migration changes nothing (PostgreSQL's DDL
 * is transactional).  Returns 0, ZT_ERR_UNSUPPORTED, ZT_ERR_INVAL, ZT_ERR_IO or
 * ZT_ERR_NOMEM with a sentence in |err|.
 */
int zt__pg_migrate(PGconn *conn, const char *where, char *err, size_t errlen);


/* ---- what store_pg.c and store_pg_member.c share ------------------------------------------ */

#define PG_PAGE 500        /* rows per page of a listing */
#define PG_TRIES 5         /* attempts of a self-contained write (serialization failures) */
#define PG_FREE_SEEN 8     /* free answers of ip_in_use remembered (see the top of the file) */
#define IP_TEXT_MAX 64     /* zt__ctl_ip_format's bound */
#define IP_ARRAY_MAX (ZT_CTL_MAX_IPS * (IP_TEXT_MAX + 1) + 3)

enum {
    S_GET_NET,
    S_PUT_NET,
    S_DEL_NET,
    S_LIST_NETS,
    S_HAS_NET,
    S_GET_MEM,
    S_PUT_MEM,
    S_PUT_MEM_IF,
    S_ADD_MEM,
    S_DEL_MEM,
    S_GET_REQ,
    S_LIST_MEMS,
    S_IP_USED,
    S_IP_OTHER,
    S_BRIDGES,
    S_COUNT
};


/* An address ip_in_use answered "free" for: the next member write of |nwid| that lists it is
 * an allocation. */
typedef struct seen_free {
    uint64_t nwid;
    zt_ctl_ip ip;
} seen_free;

/* When a lost connection may be tried again (zt__pgs_backoff_*). */
typedef struct pg_backoff {
    long long at_ms;  /* monotonic ms before which no attempt is made */
    unsigned wait_ms; /* the wait after the next failure (0: 1 s) */
} pg_backoff;

typedef struct pg_store {
    zt_store base;
    PGconn *conn;
    char where[200]; /* "PostgreSQL database d (host h, port p, user u)": for messages */
    bool prepared;   /* the statements exist on this connection */
    bool tx;         /* the caller's transaction is open (begin .. commit/rollback) */
    bool tx_dead;    /* ... but the server no longer has it (lost or aborted): only rollback */
    bool list_tx;    /* a listing's own read-only transaction is open */
    seen_free free_seen[PG_FREE_SEEN];
    size_t nfree_seen, next_free_seen;
    uint32_t jitter; /* xorshift state for retry delays */
    unsigned long retries; /* self-contained writes tried again (zt__store_pg_retries) */
    /* The change feed (store_pg_notify.c): a second connection LISTENing on |channel|
     * ("zt_" + the schema's name), so that a long transaction on |conn| delays nothing. */
    PGconn *listen;
    char channel[80];
    bool listen_down;       /* lost: changes may have been missed (ZT_STORE_CHANGE_ALL) */
    /* Reconnecting either connection backs off (1 s, doubling up to 30 s) after a failed
     * attempt: a server that is gone must not stall every call (the caller may be an I/O
     * thread) for a connect timeout each. */
    pg_backoff conn_backoff, listen_backoff;
    /* put_member_if_start's write, sent and not yet collected (store_pg_member.c) */
    struct mem_write *pending;
} pg_store;

typedef int (*write_fn)(pg_store *s, const void *arg);

/* Milliseconds before |b| allows another attempt (0: now). */
long long zt__pgs_backoff_left(const pg_backoff *b);
/* An attempt failed: the next one waits 1 s, then 2, 4 ... 30 s.  Returns that wait. */
unsigned zt__pgs_backoff_failed(pg_backoff *b);
/* An attempt succeeded: the next failure waits 1 s again. */
void zt__pgs_backoff_reset(pg_backoff *b);

/* Plumbing (store_pg.c). */
void zt__pgs_id_text(char out[24], uint64_t id);        /* an id as a signed bigint */
uint64_t zt__pgs_col_id(const PGresult *res, int row, int col);
bool zt__pgs_res_ok(const PGresult *res);
/* Records a failed call in the store's message; returns the error (as zt__pg_fail). */
int zt__pgs_fail(pg_store *s, const PGresult *res, const char *doing);
/* Runs the prepared statement |which| with |vals| (its parameters as text). */
PGresult *zt__pgs_run(pg_store *s, int which, const char *const *vals);
/* The same without waiting: sends statement |which| (1), or fails (0: nothing sent; the
 * reason is in PQerrorMessage).  Its result is collected with PQgetResult. */
int zt__pgs_send(pg_store *s, int which, const char *const *vals);
/* Connected, statements prepared, no dead transaction: 0, else the error (recorded). */
int zt__pgs_ready(pg_store *s);
/* Runs the write |fn|: under a savepoint in the caller's transaction, else on its own and
 * again after a serialization failure or deadlock. */
int zt__pgs_write_op(pg_store *s, write_fn fn, const void *arg);
/* A listing's snapshot: its own read-only transaction unless the caller's is open. */
int zt__pgs_list_begin(pg_store *s);
int zt__pgs_list_end(pg_store *s, int rv);
/* Network |nwid|'s record from column |col| of |res|'s row |row| into |out|; 0 or
 * ZT_ERR_INVAL (corrupt, said in the store's message). */
int zt__pgs_load_network(pg_store *s, const PGresult *res, int row, int col, uint64_t nwid,
                         zt_ctl_network *out);
/* 0 if network |nwid| exists, ZT_ERR_NOTFOUND, or a database error. */
int zt__pgs_has_network(pg_store *s, uint64_t nwid);

/* The change feed (store_pg_notify.c): opens the listening connection with the same
 * parameters as the main one (|keys|/|vals| of PQconnectdbParams) and LISTENs; 0 or an
 * error with a sentence in |err|. */
int zt__pgs_listen_start(pg_store *s, const char *const *keys, const char *const *vals,
                         char *err, size_t errlen);
void zt__pgs_listen_close(pg_store *s);
int zt__pgs_poll_changes(zt_store *base, zt_store_change_cb cb, void *arg);

/* The member ops and the index (store_pg_member.c), for the ops table. */
int zt__pgs_get_member(zt_store *base, uint64_t nwid, uint64_t node, zt_ctl_member *out);
int zt__pgs_put_member(zt_store *base, const zt_ctl_member *m);
int zt__pgs_put_member_if_start(zt_store *base, const zt_ctl_member *m, const uint64_t *expected);
int zt__pgs_put_member_if_finish(zt_store *base);
int zt__pgs_delete_member(zt_store *base, uint64_t nwid, uint64_t node);
int zt__pgs_list_members(zt_store *base, uint64_t nwid, zt_store_member_cb cb, void *arg);
int zt__pgs_ip_in_use(zt_store *base, uint64_t nwid, const zt_ctl_ip *ip, bool *pused);
int zt__pgs_active_bridges(zt_store *base, uint64_t nwid, uint64_t *ids, size_t cap,
                           size_t *pn);
int zt__pgs_get_request(zt_store *base, uint64_t nwid, uint64_t node, zt_ctl_network *net,
                        zt_ctl_member *m, bool *pfound, uint64_t *ids, size_t cap, size_t *pn,
                        zt_store_probe *probe);

#endif
