/*
 * PostgreSQL store: the controller's records in a PostgreSQL database, through libpq, for
 * deployments where several controller processes share one database.  This file: the
 * connection, statements, networks, listings, transactions and opening; the members and the
 * index are in store_pg_member.c, the schema in store_pg_schema.c.
 *
 * The layout mirrors the SQLite store (store_sqlite.c): each record is its JSON (column doc,
 * jsonb) beside the columns the store needs (ids for keys and order, revision, authorized)
 * and the index (member.active_bridge, table member_ip).  Ids are bigint, 64-bit network ids
 * as their two's complement, listed in unsigned order with ORDER BY id < 0, id.  The schema
 * is versioned and migrated at open (store_pg_schema.c).  Every value is a bound parameter
 * of a statement prepared once per connection; none is ever put into SQL text.
 *
 * Concurrency (docs/internals/controller-store.md, "PostgreSQL"):
 *  - A write outside a transaction is one statement (the member row and its index rows
 *    together, through data-modifying WITH clauses; an allocation is checked by a query
 *    before it), atomic by itself, and tried again (at most PG_TRIES times) after a
 *    serialization failure or a deadlock.  Inside the caller's
 *    transaction it runs under a savepoint, so that a failed call undoes only itself and the
 *    transaction goes on, as on the other backends.
 *  - begin starts a REPEATABLE READ transaction: a record read and then written back in it
 *    (zt__store_save_*: revision = stored + 1) cannot overwrite a concurrent change; the
 *    write fails with ZT_ERR_AGAIN instead of losing the other update, and the caller rolls
 *    back and tries again.
 *  - An address that ip_in_use found free on this handle and that the next member write of
 *    that network then lists is an allocation (the controller's §3.5/§3.6 pool search asks
 *    ip_in_use before it takes an address): its index row is flagged `allocated`, and a
 *    unique index on the flagged rows makes a second allocation of the address in the
 *    network fail (ZT_ERR_EXISTS), whichever process made the first.  Addresses written
 *    without that lookup (the REST API, imports) may be shared, as store.h allows.
 *  - A listing reads page by page (PG_PAGE rows: memory stays bounded and the callback may
 *    read the store between pages) inside one read-only REPEATABLE READ transaction, or the
 *    caller's, so it sees one snapshot.
 *  - A lost connection fails the call (ZT_ERR_IO, "the connection to the server was lost");
 *    the next call reconnects.  A transaction open at that moment is gone: every call but
 *    rollback fails until the caller rolls back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "controller/store_pg_internal.h"

/* The parts S_PUT_MEM_IF and S_ADD_MEM share: another member listing one of the allocations
 * ($8), and the index rows written once the row |m| is.  The lookup is one probe per
 * allocation, written LATERAL with LIMIT 1 so that no plan hashes the whole member_ip table
 * instead (a plain join let the planner do so once the table had outgrown its statistics, at
 * a cost growing with the network). */
#define PUT_IF_CLASH                                                                            \
    "WITH quiet AS (SELECT set_config('zt.quiet', $10, true) AS v), "                           \
    "clash AS (SELECT c.member_id FROM unnest($8::inet[]) AS a (ip) CROSS JOIN LATERAL "  \
    "(SELECT o.member_id FROM member_ip AS o WHERE o.network_id = $1 AND o.ip = a.ip "         \
    "AND o.member_id <> $2 LIMIT 1) AS c LIMIT 1), "
#define PUT_IF_TAIL                                                                             \
    "gone AS (DELETE FROM member_ip WHERE network_id = $1 AND member_id = $2 "                \
    "AND ip <> ALL ($7::inet[]) AND EXISTS (SELECT 1 FROM m)), "                              \
    "ins AS (INSERT INTO member_ip (network_id, member_id, ip, allocated) "                   \
    "SELECT DISTINCT $1::bigint, $2::bigint, a.ip, a.ip = ANY ($8::inet[]) "                  \
    "FROM unnest($7::inet[]) AS a (ip) WHERE EXISTS (SELECT 1 FROM m) "                       \
    "ON CONFLICT (network_id, member_id, ip) DO NOTHING) "                                    \
    "SELECT (SELECT count(*) FROM m), (SELECT member_id FROM clash)"

static const struct {
    const char *sql;
    int nparams;
} stmts[S_COUNT] = {
    [S_GET_NET] = {"SELECT doc::text FROM network WHERE id = $1", 1},
    /* an upsert, never delete + insert: the delete would cascade to the members */
    [S_PUT_NET] = {"INSERT INTO network (id, revision, doc) VALUES ($1, $2, $3::jsonb) "
                   "ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, "
                   "doc = excluded.doc",
                   3},
    [S_DEL_NET] = {"DELETE FROM network WHERE id = $1", 1},
    /* keyset pages in unsigned order: ($1, $2) is the (id < 0, id) of the last row seen */
    [S_LIST_NETS] = {"SELECT id, doc::text FROM network WHERE (id < 0, id) > ($1::boolean, "
                     "$2::bigint) ORDER BY id < 0, id LIMIT $3",
                     3},
    [S_HAS_NET] = {"SELECT 1 FROM network WHERE id = $1", 1},
    [S_GET_MEM] = {"SELECT doc::text FROM member WHERE network_id = $1 AND id = $2", 2},
    /* The whole member write in one statement: the row, the index rows of addresses it no
     * longer lists deleted, those of new ones inserted ($7: every address; $8: those that
     * are allocations).  Rows it keeps are left alone, so an allocated flag stays. */
    [S_PUT_MEM] = {"WITH m AS (INSERT INTO member (network_id, id, revision, authorized, "
                   "active_bridge, doc) VALUES ($1, $2, $3, $4, $5, $6::jsonb) "
                   "ON CONFLICT (network_id, id) DO UPDATE SET revision = excluded.revision, "
                   "authorized = excluded.authorized, active_bridge = excluded.active_bridge, "
                   "doc = excluded.doc), "
                   "gone AS (DELETE FROM member_ip WHERE network_id = $1 AND member_id = $2 "
                   "AND ip <> ALL ($7::inet[])) "
                   "INSERT INTO member_ip (network_id, member_id, ip, allocated) "
                   "SELECT DISTINCT $1::bigint, $2::bigint, a.ip, a.ip = ANY ($8::inet[]) "
                   "FROM unnest($7::inet[]) AS a (ip) "
                   "ON CONFLICT (network_id, member_id, ip) DO NOTHING",
                   8},
    /* The same as one conditional statement each (put_member_if): the update of a row whose
     * revision is still $9, or the insert of a row that is not there; either only if no
     * other member lists one of the allocations ($8).  The index rows change only with the
     * row.  Answers whether the row was written, and the other member holding an allocation
     * if that is why not.  $10 is zt.quiet for the statement's transaction ('on': the change
     * feed does not hear of it, schema version 3); the row's write waits for the setting. */
    [S_PUT_MEM_IF] = {PUT_IF_CLASH
                      "m AS (UPDATE member SET revision = $3, authorized = $4, "
                      "active_bridge = $5, doc = $6::jsonb WHERE network_id = $1 AND id = $2 "
                      "AND revision = $9 AND NOT EXISTS (SELECT 1 FROM clash) "
                      "AND (SELECT v FROM quiet) IS NOT NULL RETURNING 1), "
                      PUT_IF_TAIL,
                      10},
    [S_ADD_MEM] = {PUT_IF_CLASH
                   "m AS (INSERT INTO member (network_id, id, revision, authorized, "
                   "active_bridge, doc) SELECT $1::bigint, $2::bigint, $3::bigint, $4::boolean, "
                   "$5::boolean, $6::jsonb WHERE NOT EXISTS (SELECT 1 FROM clash) "
                   "AND (SELECT v FROM quiet) IS NOT NULL AND $9::bigint = 0 "
                   "ON CONFLICT (network_id, id) DO NOTHING RETURNING 1), "
                   PUT_IF_TAIL,
                   10},
    [S_DEL_MEM] = {"DELETE FROM member WHERE network_id = $1 AND id = $2", 2},
    /* What a config request reads (get_request): the network, the member if any, the
     * network's active bridges as an array literal, and for each address of $4 (the probe)
     * whether a member lists it, as S_IP_USED answers ("{t,f}"; one index probe each,
     * LATERAL with LIMIT 1 as in PUT_IF_CLASH); no row when the network is missing. */
    [S_GET_REQ] = {"SELECT n.doc::text, m.doc::text, ARRAY(SELECT b.id FROM member AS b "
                   "WHERE b.network_id = $1 AND b.active_bridge ORDER BY b.id LIMIT $3)::text, "
                   "ARRAY(SELECT c.hit IS NOT NULL FROM unnest($4::inet[]) WITH ORDINALITY "
                   "AS a (ip, k) LEFT JOIN LATERAL (SELECT 1 AS hit FROM member_ip AS o "
                   "WHERE o.network_id = $1 AND o.ip = a.ip LIMIT 1) AS c ON true "
                   "ORDER BY a.k)::text "
                   "FROM network AS n LEFT JOIN member AS m ON m.network_id = n.id "
                   "AND m.id = $2 WHERE n.id = $1",
                   4},
    [S_LIST_MEMS] = {"SELECT id, doc::text FROM member WHERE network_id = $1 AND id > $2 "
                     "ORDER BY id LIMIT $3",
                     3},
    [S_IP_USED] = {"SELECT 1 FROM member_ip WHERE network_id = $1 AND ip = $2::inet LIMIT 1",
                   2},
    [S_IP_OTHER] = {"SELECT member_id FROM member_ip WHERE network_id = $1 AND "
                    "ip = $2::inet AND member_id <> $3 LIMIT 1",
                    3},
    [S_BRIDGES] = {"SELECT id FROM member WHERE network_id = $1 AND active_bridge "
                   "ORDER BY id LIMIT $2",
                   2},
};

/* ---- plumbing -------------------------------------------------------------------------------- */

void zt__pgs_id_text(char out[24], uint64_t id)
{
    snprintf(out, 24, "%" PRId64, (int64_t)id); /* two's complement; see the top of the file */
}

uint64_t zt__pgs_col_id(const PGresult *res, int row, int col)
{
    return (uint64_t)strtoll(PQgetvalue(res, row, col), NULL, 10);
}

bool zt__pgs_res_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return res != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

/* A failed call: the sentence in errmsg; a connection lost under the caller's transaction
 * kills it. */
int zt__pgs_fail(pg_store *s, const PGresult *res, const char *doing)
{
    int rv = zt__pg_fail(s->conn, res, s->where, doing, s->base.errmsg,
                         sizeof(s->base.errmsg));

    if (s->tx && PQstatus(s->conn) != CONNECTION_OK)
        s->tx_dead = true;
    return rv;
}

PGresult *zt__pgs_run(pg_store *s, int which, const char *const *vals)
{
    char name[16];

    snprintf(name, sizeof(name), "zt_%d", which);
    return PQexecPrepared(s->conn, name, stmts[which].nparams, vals, NULL, NULL, 0);
}

int zt__pgs_send(pg_store *s, int which, const char *const *vals)
{
    char name[16];

    snprintf(name, sizeof(name), "zt_%d", which);
    return PQsendQueryPrepared(s->conn, name, stmts[which].nparams, vals, NULL, NULL, 0);
}

/* A command without parameters or rows (transaction control). */
static int simple(pg_store *s, const char *sql, const char *doing)
{
    PGresult *res = PQexec(s->conn, sql);
    int rv = zt__pgs_res_ok(res) ? 0 : zt__pgs_fail(s, res, doing);

    PQclear(res);
    return rv;
}

/* The same, when a failure is already being reported: its sentence stays. */
static void quietly(pg_store *s, const char *sql)
{
    if (PQstatus(s->conn) == CONNECTION_OK)
        PQclear(PQexec(s->conn, sql));
    if (s->tx && PQstatus(s->conn) != CONNECTION_OK)
        s->tx_dead = true;
}

static int prepare_all(pg_store *s, char *err, size_t errlen)
{
    char name[16];

    /* Every statement is a keyed lookup or write, planned once per connection: left to
     * itself, the server plans those with arrays ($7, $8, the probe) again at every call,
     * which cost more than running them (half of a new member's server time).  An
     * optimisation only: a server without the setting (before 12) goes on without it. */
    if (PQserverVersion(s->conn) >= 120000)
        quietly(s, "SET plan_cache_mode = force_generic_plan");

    for (int i = 0; i < S_COUNT; i++) {
        PGresult *res;
        int rv = 0;

        snprintf(name, sizeof(name), "zt_%d", i);
        res = PQprepare(s->conn, name, stmts[i].sql, stmts[i].nparams, NULL);
        if (!zt__pgs_res_ok(res))
            rv = zt__pg_fail(s->conn, res, s->where, "preparing statements", err, errlen);
        PQclear(res);
        if (rv != 0)
            return rv;
    }
    s->prepared = true;
    return 0;
}

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long zt__pgs_backoff_left(const pg_backoff *b)
{
    long long left = b->at_ms - mono_ms();

    return left > 0 ? left : 0;
}

unsigned zt__pgs_backoff_failed(pg_backoff *b)
{
    b->wait_ms = b->wait_ms == 0 ? 1000 : b->wait_ms >= 15000 ? 30000 : b->wait_ms * 2;
    b->at_ms = mono_ms() + b->wait_ms;
    return b->wait_ms;
}

void zt__pgs_backoff_reset(pg_backoff *b)
{
    b->wait_ms = 0;
    b->at_ms = 0;
}

/* Reconnects the main connection, unless the last attempt failed less than the backoff ago
 * (then it fails at once, saying when it tries again). */
static int reconnect(pg_store *s)
{
    long long left = zt__pgs_backoff_left(&s->conn_backoff);
    unsigned wait;
    char msg[256];

    if (left > 0) {
        zt__store_set_err(&s->base, "%s: the server is unreachable; the next attempt to "
                                    "reconnect is in %lld ms",
                          s->where, left);
        return ZT_ERR_IO;
    }
    PQreset(s->conn);
    s->prepared = false;
    if (PQstatus(s->conn) == CONNECTION_OK && PQsetClientEncoding(s->conn, "UTF8") == 0) {
        zt__pgs_backoff_reset(&s->conn_backoff);
        return 0;
    }
    wait = zt__pgs_backoff_failed(&s->conn_backoff);
    zt__pg_one_line(PQerrorMessage(s->conn), msg, sizeof(msg));
    zt__store_set_err(&s->base, "%s: cannot reconnect (next attempt in %u ms): %s", s->where,
                      wait, msg);
    return ZT_ERR_IO;
}

/* Before every call: the transaction still alive, the connection up (reconnecting outside a
 * transaction after a loss), the statements prepared. */
int zt__pgs_ready(pg_store *s)
{
    char why[ZT_STORE_ERRMSG_MAX];
    int rv;

    if (s->tx && !s->tx_dead && PQstatus(s->conn) != CONNECTION_OK)
        s->tx_dead = true;
    if (s->tx_dead) {
        zt__store_set_err(&s->base, "%s: the transaction is over (the connection was lost or "
                                    "a failure aborted it; nothing of it was committed): roll "
                                    "back, then begin again",
                          s->where);
        return ZT_ERR_IO;
    }
    if (s->tx && PQtransactionStatus(s->conn) == PQTRANS_INERROR) {
        zt__store_set_err(&s->base, "%s: an earlier failure aborted the transaction; roll it "
                                    "back",
                          s->where);
        return ZT_ERR_IO;
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        if (s->list_tx) /* the listing's snapshot is gone: the listing fails */
            return zt__pgs_fail(s, NULL, "listing");
        if ((rv = reconnect(s)) != 0)
            return rv;
    }
    if (!s->prepared && (rv = prepare_all(s, why, sizeof(why))) != 0) {
        zt__store_set_err(&s->base, "%s", why);
        return rv;
    }
    return 0;
}

/* A short pause before trying a write again: 2, 4, 8... ms plus up to 3 ms of jitter, so
 * that two processes that collided do not collide again in step. */
static void backoff(pg_store *s, int attempt)
{
    struct timespec ts;
    uint32_t x = s->jitter;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s->jitter = x;
    ts.tv_sec = 0;
    ts.tv_nsec = ((1L << attempt) + (long)(x % 4u)) * 1000000L;
    nanosleep(&ts, NULL);
}

/* Runs the write |fn|: under a savepoint in the caller's transaction (a failure undoes only
 * this call), else on its own, again after a serialization failure or deadlock. */
int zt__pgs_write_op(pg_store *s, write_fn fn, const void *arg)
{
    int rv;

    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    if (s->tx) {
        if ((rv = simple(s, "SAVEPOINT zt_op", "starting a write")) != 0)
            return rv;
        rv = fn(s, arg);
        if (rv != 0) {
            quietly(s, "ROLLBACK TO SAVEPOINT zt_op");
            quietly(s, "RELEASE SAVEPOINT zt_op");
            return rv;
        }
        return simple(s, "RELEASE SAVEPOINT zt_op", "finishing a write");
    }
    for (int attempt = 1;; attempt++) {
        rv = fn(s, arg);
        if (rv != ZT_ERR_AGAIN)
            return rv;
        if (attempt >= PG_TRIES) {
            size_t n = strlen(s->base.errmsg);
            snprintf(s->base.errmsg + n, sizeof(s->base.errmsg) - n, " (%d attempts)",
                     PG_TRIES);
            return rv;
        }
        s->retries++;
        backoff(s, attempt);
    }
}

/* ---- networks -------------------------------------------------------------------------------- */

int zt__pgs_load_network(pg_store *s, const PGresult *res, int row, int col, uint64_t nwid,
                         zt_ctl_network *out)
{
    char why[256];
    int rv;

    rv = zt__ctl_network_load(out, PQgetvalue(res, row, col),
                             (size_t)PQgetlength(res, row, col), why, sizeof(why));
    if (rv == 0 && out->id != nwid) {
        snprintf(why, sizeof(why), "its id is %016llx", (unsigned long long)out->id);
        rv = ZT_ERR_INVAL;
    }
    if (rv != 0)
        zt__store_set_err(&s->base, "network %016llx: stored record is corrupt: %s",
                          (unsigned long long)nwid, why);
    return rv;
}

static int pg_get_network(zt_store *base, uint64_t nwid, zt_ctl_network *out)
{
    pg_store *s = (pg_store *)base;
    char id[24];
    const char *vals[1] = {id};
    PGresult *res;
    int rv;

    memset(out, 0, sizeof(*out));
    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    zt__pgs_id_text(id, nwid);
    res = zt__pgs_run(s, S_GET_NET, vals);
    if (!zt__pgs_res_ok(res))
        rv = zt__pgs_fail(s, res, "reading a network");
    else if (PQntuples(res) == 0)
        rv = zt__store_no_network(base, nwid);
    else
        rv = zt__pgs_load_network(s, res, 0, 0, nwid, out);
    PQclear(res);
    return rv;
}

typedef struct net_write {
    const zt_ctl_network *n;
    const char *doc;
} net_write;

static int put_network_once(pg_store *s, const void *arg)
{
    const net_write *w = arg;
    char id[24], rev[24];
    const char *vals[3] = {id, rev, w->doc};
    PGresult *res;
    int rv = 0;

    zt__pgs_id_text(id, w->n->id);
    snprintf(rev, sizeof(rev), "%" PRId64, (int64_t)w->n->revision);
    res = zt__pgs_run(s, S_PUT_NET, vals);
    if (!zt__pgs_res_ok(res))
        rv = zt__pgs_fail(s, res, "writing a network");
    PQclear(res);
    return rv;
}

static int pg_put_network(zt_store *base, const zt_ctl_network *n)
{
    pg_store *s = (pg_store *)base;
    net_write w = {n, NULL};
    char *doc = NULL;
    int rv;

    if ((rv = zt__ctl_network_dump(n, &doc)) != 0) {
        zt__store_set_err(base, "network %016llx: cannot render the record: %s",
                          (unsigned long long)n->id, zt__strerror(rv));
        return rv;
    }
    w.doc = doc;
    rv = zt__pgs_write_op(s, put_network_once, &w);
    free(doc);
    return rv;
}

static int delete_network_once(pg_store *s, const void *arg)
{
    uint64_t nwid = *(const uint64_t *)arg;
    char id[24];
    const char *vals[1] = {id};
    PGresult *res;
    int rv = 0;

    zt__pgs_id_text(id, nwid);
    res = zt__pgs_run(s, S_DEL_NET, vals);
    if (!zt__pgs_res_ok(res))
        rv = zt__pgs_fail(s, res, "deleting a network");
    else if (strcmp(PQcmdTuples(res), "0") == 0)
        rv = zt__store_no_network(&s->base, nwid);
    PQclear(res);
    return rv;
}

static int pg_delete_network(zt_store *base, uint64_t nwid)
{
    return zt__pgs_write_op((pg_store *)base, delete_network_once, &nwid);
}

/* ---- listings ------------------------------------------------------------------------------ */

/* A listing sees one snapshot: the caller's transaction, or a read-only one of its own. */
int zt__pgs_list_begin(pg_store *s)
{
    int rv;

    if ((rv = zt__pgs_ready(s)) != 0 || s->tx)
        return rv;
    rv = simple(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a listing");
    s->list_tx = rv == 0;
    return rv;
}

int zt__pgs_list_end(pg_store *s, int rv)
{
    if (!s->list_tx)
        return rv;
    s->list_tx = false;
    if (PQstatus(s->conn) != CONNECTION_OK)
        return rv;
    if (rv != 0) {
        quietly(s, "ROLLBACK");
        return rv;
    }
    return simple(s, "COMMIT", "finishing a listing");
}

static int pg_list_networks(zt_store *base, zt_store_network_cb cb, void *arg)
{
    pg_store *s = (pg_store *)base;
    char neg[6] = "false", last[24], page[16];
    const char *vals[3] = {neg, last, page};
    zt_ctl_network n;
    int rv, rows;

    if ((rv = zt__pgs_list_begin(s)) != 0)
        return rv;
    zt__pgs_id_text(last, (uint64_t)INT64_MIN); /* (false, INT64_MIN) is below every (id < 0, id) */
    snprintf(page, sizeof(page), "%d", PG_PAGE);
    do {
        PGresult *res = zt__pgs_run(s, S_LIST_NETS, vals);

        if (!zt__pgs_res_ok(res)) {
            rv = zt__pgs_fail(s, res, "listing networks");
            PQclear(res);
            break;
        }
        rows = PQntuples(res);
        for (int r = 0; r < rows && rv == 0; r++) {
            uint64_t id = zt__pgs_col_id(res, r, 0);
            rv = zt__pgs_load_network(s, res, r, 1, id, &n);
            if (rv == 0)
                rv = cb(&n, arg);
            zt__ctl_network_clear(&n);
            snprintf(neg, sizeof(neg), "%s", (int64_t)id < 0 ? "true" : "false");
            zt__pgs_id_text(last, id);
        }
        PQclear(res);
    } while (rv == 0 && rows == PG_PAGE);
    return zt__pgs_list_end(s, rv);
}

/* 0 if network |nwid| exists, ZT_ERR_NOTFOUND, or a database error. */
int zt__pgs_has_network(pg_store *s, uint64_t nwid)
{
    char id[24];
    const char *vals[1] = {id};
    PGresult *res;
    int rv = 0;

    zt__pgs_id_text(id, nwid);
    res = zt__pgs_run(s, S_HAS_NET, vals);
    if (!zt__pgs_res_ok(res))
        rv = zt__pgs_fail(s, res, "looking up a network");
    else if (PQntuples(res) == 0)
        rv = zt__store_no_network(&s->base, nwid);
    PQclear(res);
    return rv;
}

/* ---- transactions ---------------------------------------------------------------------------- */

static int pg_begin(zt_store *base)
{
    pg_store *s = (pg_store *)base;
    int rv;

    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    rv = simple(s, "BEGIN ISOLATION LEVEL REPEATABLE READ", "beginning a transaction");
    s->tx = rv == 0;
    s->tx_dead = false;
    return rv;
}

static int pg_commit(zt_store *base)
{
    pg_store *s = (pg_store *)base;
    PGresult *res;
    int rv = 0;

    if (!s->tx_dead && PQstatus(s->conn) == CONNECTION_OK &&
        PQtransactionStatus(s->conn) == PQTRANS_INERROR) {
        /* COMMIT would answer ROLLBACK without an error: say so instead */
        quietly(s, "ROLLBACK");
        s->tx_dead = true;
        zt__store_set_err(base, "%s: an earlier failure aborted the transaction; PostgreSQL "
                                "rolled it back and nothing of it was committed",
                          s->where);
        return ZT_ERR_IO;
    }
    if ((rv = zt__pgs_ready(s)) != 0)
        return rv;
    res = PQexec(s->conn, "COMMIT");
    if (!zt__pgs_res_ok(res)) {
        rv = zt__pgs_fail(s, res, "committing");
    } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        zt__store_set_err(base, "%s: PostgreSQL rolled the transaction back instead of "
                                "committing it (%s)",
                          s->where, PQcmdStatus(res));
        rv = ZT_ERR_IO;
    }
    PQclear(res);
    if (rv == 0)
        s->tx = false;
    else if (PQtransactionStatus(s->conn) != PQTRANS_INTRANS)
        s->tx_dead = true; /* a failed COMMIT ends the transaction: only rollback is left */
    return rv;
}

static int pg_rollback(zt_store *base)
{
    pg_store *s = (pg_store *)base;
    bool dead = s->tx_dead;

    s->tx = false;
    s->tx_dead = false;
    /* Over already (the server rolls back what a lost connection leaves open). */
    if (dead || PQstatus(s->conn) != CONNECTION_OK)
        return 0;
    return simple(s, "ROLLBACK", "rolling back");
}

static void pg_close(pg_store *s)
{
    /* The server rolls back a transaction left open. */
    if (s->pending != NULL) /* a started write is collected (the caller should have) */
        (void)zt__pgs_put_member_if_finish(&s->base);
    zt__pgs_listen_close(s);
    PQfinish(s->conn);
    free(s);
}

static void pg_del(zt_store *base)
{
    pg_close((pg_store *)base);
}

static const zt_store_ops pg_ops = {
    .name = "pg",
    .get_network = pg_get_network,
    .put_network = pg_put_network,
    .delete_network = pg_delete_network,
    .list_networks = pg_list_networks,
    .get_member = zt__pgs_get_member,
    .put_member = zt__pgs_put_member,
    .delete_member = zt__pgs_delete_member,
    .list_members = zt__pgs_list_members,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .del = pg_del,
    .ip_in_use = zt__pgs_ip_in_use,
    .active_bridges = zt__pgs_active_bridges,
    .poll_changes = zt__pgs_poll_changes,
    .put_member_if_start = zt__pgs_put_member_if_start,
    .put_member_if_finish = zt__pgs_put_member_if_finish,
    .get_request = zt__pgs_get_request,
};

unsigned long zt__store_pg_retries(const zt_store *st)
{
    return st->ops == &pg_ops ? ((const pg_store *)st)->retries : 0;
}

/* ---- opening --------------------------------------------------------------------------------- */

/* Notices and warnings from the server (e.g. "there is no transaction in progress") are not
 * failures, and a library does not print them on the application's stderr. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* What messages call the database: never the connection string, which may hold a password. */
static void describe(pg_store *s)
{
    const char *host = PQhost(s->conn), *port = PQport(s->conn), *db = PQdb(s->conn);
    const char *user = PQuser(s->conn);

    snprintf(s->where, sizeof(s->where), "PostgreSQL database %s (host %s, port %s, user %s)",
             db != NULL ? db : "?", host != NULL && host[0] != '\0' ? host : "default",
             port != NULL && port[0] != '\0' ? port : "default", user != NULL ? user : "?");
}

int zt__store_pg_open(zt_store **pst, const char *conninfo, char *err, size_t errlen)
{
    /* Ours first: the connection string (expanded from "dbname") overrides any of them.
     * The keepalive and user timeout bound how long a call waits on a TCP connection whose
     * server vanished (about 30-60 s instead of the kernel's many minutes). */
    static const char *const keys[] = {
        "fallback_application_name", "connect_timeout", "keepalives_idle",
        "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname", NULL,
    };
    const char *vals[] = {"zt-controller", "5", "30", "10", "3", "60000", conninfo, NULL};
    pg_store *s = NULL;
    int rv;

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        zt__err_set(err, errlen, "PostgreSQL store: out of memory");
        return ZT_ERR_NOMEM;
    }
    s->base.ops = &pg_ops;
    s->jitter = (uint32_t)getpid() * 2654435761u | 1u;
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (s->conn == NULL) {
        zt__err_set(err, errlen, "PostgreSQL store: out of memory");
        rv = ZT_ERR_NOMEM;
        goto out;
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char msg[384];
        zt__pg_one_line(PQerrorMessage(s->conn), msg, sizeof(msg));
        zt__err_set(err, errlen, "cannot connect to PostgreSQL: %s", msg);
        rv = ZT_ERR_IO;
        goto out;
    }
    describe(s);
    PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    if (PQsetClientEncoding(s->conn, "UTF8") != 0) {
        rv = zt__pg_fail(s->conn, NULL, s->where, "setting the client encoding", err, errlen);
        goto out;
    }
    if (PQserverVersion(s->conn) < 100000) {
        zt__err_set(err, errlen, "%s: server version %d is too old; the controller needs "
                                 "PostgreSQL 10 or later",
                    s->where, PQserverVersion(s->conn));
        rv = ZT_ERR_UNSUPPORTED;
        goto out;
    }
    if ((rv = zt__pg_migrate(s->conn, s->where, err, errlen)) != 0 ||
        (rv = prepare_all(s, err, errlen)) != 0 ||
        (rv = zt__pgs_listen_start(s, keys, vals, err, errlen)) != 0)
        goto out;
    *pst = &s->base;
    s = NULL;
    rv = 0;
out:
    if (s != NULL)
        pg_close(s);
    return rv;
}

static int pg_opener(zt_store **pst, const char *conninfo, char *err, size_t errlen)
{
    return zt__store_pg_open(pst, conninfo, err, errlen);
}

void zt__store_pg_register(void)
{
    zt__store_pg_opener = pg_opener;
}
