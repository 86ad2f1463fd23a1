/*
 * Unit tests for what only the PostgreSQL store does (the shared suite runs on it too:
 * `test_store pg`): schema versions and migrations, schemas refused and left as they were,
 * import and export, listings of several pages, connections refused or lost (and the store
 * reconnecting), parameters that look like SQL,
 * and two handles on one database: addresses allocated by both at once are never handed out
 * twice, and a record read and written back in a transaction never overwrites the other
 * handle's change.
 *
 * Needs a server: run under tests/pg/pg_temp.sh (ctest pg.test_store_pg), which exports
 * ZT_TEST_PG; without it the program exits 77 (skipped).  Each test works in a schema of its
 * own, dropped at the end.
 */
#include "store_testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "controller/store_pg_internal.h"

typedef pg_fixture fixture;

/* Opening must fail with |want|, and say |words|. */
static void open_refused(const char *conninfo, int want, const char *words)
{
    char err[512] = "";
    zt_store *st = NULL;
    int rv = zt__store_pg_open(&st, conninfo, err, sizeof(err));

    if (rv != want || strstr(err, words) == NULL)
        fail_msg("open: want %d with \"%s\", got %d: %s", want, words, rv, err);
    assert_null(st);
}

static long long count_tables(const fixture *f)
{
    return pg_query_int(f->schema, "SELECT count(*) FROM pg_catalog.pg_tables "
                                   "WHERE schemaname = current_schema()");
}

/* ---- schema ---------------------------------------------------------------------------------- */

/* How many member_notify triggers of the schema have a WHEN condition. */
#define TRIGGER_WHEN_SQL                                                                          \
    "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE "              \
    "c.relnamespace = current_schema()::regnamespace AND t.tgname = 'member_notify' AND "       \
    "t.tgqual IS NOT NULL"

static void test_schema(void **state)
{
    fixture *f = *state;
    zt_store *st;
    zt_ctl_network n, got;

    /* an empty schema (another application's table beside ours is fine in a database) */
    pg_exec(f->schema, "CREATE TABLE unrelated (x integer); INSERT INTO unrelated VALUES (7)");
    st = pg_fixture_open(f);
    assert_int_equal(pg_query_int(f->schema, "SELECT version FROM schema_version"),
                     zt__store_pg_schema_version());
    assert_int_equal(count_tables(f), 5); /* schema_version network member member_ip unrelated */
    assert_int_equal(pg_query_int(f->schema, "SELECT count(*) FROM pg_catalog.pg_indexes "
                                             "WHERE schemaname = current_schema() AND "
                                             "indexname = 'member_ip_allocated'"),
                     1);
    /* values that look like SQL are data: every value is a bound parameter */
    assert_int_equal(zt__ctl_network_init(&n, NWID_HI), 0);
    snprintf(n.name, sizeof(n.name), "x'); DROP TABLE member; -- \\ $1 \"q\"");
    n.revision = 3;
    assert_int_equal(zt__store_put_network(st, &n), 0);
    zt__store_del(st);

    /* reopening migrates nothing and finds the record (top bit set: two's complement) */
    st = pg_fixture_open(f);
    assert_int_equal(zt__store_get_network(st, NWID_HI, &got), 0);
    assert_net_same(&n, &got);
    zt__ctl_network_clear(&got);
    assert_int_equal(pg_query_int(f->schema, "SELECT count(*) FROM network WHERE id < 0"), 1);
    assert_int_equal(pg_query_int(f->schema, "SELECT count(*) FROM unrelated"), 1);
    assert_int_equal(count_tables(f), 5);
    zt__store_del(st);
    zt__ctl_network_clear(&n);

    /* a version 2 schema (member rows always notified) is brought to version 3 (a quiet
     * write notifies nobody: a WHEN on the trigger), its records kept */
    pg_exec(f->schema, "DROP TRIGGER member_notify ON member;"
                       "CREATE TRIGGER member_notify AFTER INSERT OR UPDATE OR DELETE ON member"
                       "  FOR EACH ROW EXECUTE PROCEDURE zt_notify_change();"
                       "UPDATE schema_version SET version = 2");
    assert_int_equal(pg_query_int(f->schema, TRIGGER_WHEN_SQL), 0);
    st = pg_fixture_open(f);
    assert_int_equal(pg_query_int(f->schema, "SELECT version FROM schema_version"), 3);
    assert_int_equal(zt__store_pg_schema_version(), 3);
    assert_int_equal(pg_query_int(f->schema, TRIGGER_WHEN_SQL), 1);
    assert_int_equal(pg_query_int(f->schema, "SELECT count(*) FROM network WHERE id < 0"), 1);
    zt__store_del(st);
}

/* Refused schemas are left exactly as they were: DDL is transactional. */
static void test_schema_refused(void **state)
{
    fixture *f = *state;
    char newer[128], conninfo[1100];
    zt_store *st;

    st = pg_fixture_open(f);
    put_network(st, NWID1, "kept");
    zt__store_del(st);

    /* a newer schema */
    snprintf(newer, sizeof(newer), "UPDATE schema_version SET version = %d",
             zt__store_pg_schema_version() + 1);
    pg_exec(f->schema, newer);
    open_refused(f->conninfo, ZT_ERR_UNSUPPORTED, "newer than");
    assert_int_equal(pg_query_int(f->schema, "SELECT version FROM schema_version"),
                     zt__store_pg_schema_version() + 1);
    /* a version row missing */
    pg_exec(f->schema, "DELETE FROM schema_version");
    open_refused(f->conninfo, ZT_ERR_INVAL, "no usable version row");
    snprintf(newer, sizeof(newer), "INSERT INTO schema_version VALUES (1, %d)",
             zt__store_pg_schema_version());
    pg_exec(f->schema, newer);
    /* a table missing */
    pg_exec(f->schema, "ALTER TABLE member_ip RENAME TO member_ip_saved");
    open_refused(f->conninfo, ZT_ERR_INVAL, "lacks its table member_ip");
    assert_int_equal(pg_query_int(f->schema, "SELECT count(*) FROM pg_catalog.pg_tables WHERE "
                                             "schemaname = current_schema() AND "
                                             "tablename = 'member_ip'"),
                     0);
    pg_exec(f->schema, "ALTER TABLE member_ip_saved RENAME TO member_ip");
    /* a schema_version that is someone else's */
    pg_exec(f->schema, "ALTER TABLE schema_version RENAME COLUMN version TO v");
    open_refused(f->conninfo, ZT_ERR_INVAL, "not the controller's");
    pg_exec(f->schema, "ALTER TABLE schema_version RENAME COLUMN v TO version");
    /* repaired: opens again, record intact */
    st = pg_fixture_open(f);
    {
        zt_ctl_network n;
        assert_int_equal(zt__store_get_network(st, NWID1, &n), 0);
        assert_string_equal(n.name, "kept");
        zt__ctl_network_clear(&n);
    }
    zt__store_del(st);

    /* another application's tables with our names, no schema_version: nothing is created */
    pg_exec(f->schema, "DROP TABLE member_ip, member, network, schema_version;"
                       "CREATE TABLE network (name text)");
    open_refused(f->conninfo, ZT_ERR_INVAL, "no schema_version");
    assert_int_equal(count_tables(f), 1);

    /* no schema to create the tables in */
    pg_schema_conninfo("zt_no_such_schema", conninfo, sizeof(conninfo));
    open_refused(conninfo, ZT_ERR_INVAL, "no schema to keep the tables in");
}

/* Two processes opening one new database at once: the advisory lock makes one create the
 * tables and the other find them. */
typedef struct opener {
    const fixture *f;
    pthread_barrier_t *go;
    int rv;
    char err[512];
} opener;

static void *open_thread(void *arg)
{
    opener *o = arg;
    zt_store *st = NULL;

    pthread_barrier_wait(o->go);
    o->rv = zt__store_pg_open(&st, o->f->conninfo, o->err, sizeof(o->err));
    zt__store_del(st);
    return NULL;
}

static void test_concurrent_open(void **state)
{
    fixture *f = *state;
    pthread_barrier_t go;
    opener o[4];
    pthread_t t[4];

    pthread_barrier_init(&go, NULL, 4);
    for (int i = 0; i < 4; i++) {
        o[i] = (opener){.f = f, .go = &go};
        assert_int_equal(pthread_create(&t[i], NULL, open_thread, &o[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        if (o[i].rv != 0)
            fail_msg("opener %d: %s", i, o[i].err);
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(pg_query_int(f->schema, "SELECT version FROM schema_version"),
                     zt__store_pg_schema_version());
}

/* Import and export through zt__store_copy, and listings longer than one page (500 rows): every
 * record comes back, networks in unsigned order across the pages. */
typedef struct order_check {
    uint64_t last;
    size_t n;
    bool ordered;
} order_check;

static int see_net(const zt_ctl_network *n, void *arg)
{
    order_check *o = arg;

    if (o->n > 0 && n->id <= o->last)
        o->ordered = false;
    o->last = n->id;
    o->n++;
    return 0;
}

static void test_copy_pages(void **state)
{
    fixture *f = *state;
    zt_store *mem = NULL, *pg = pg_fixture_open(f), *back = NULL;
    zt_ctl_network n, got;
    zt_ctl_member m, gm;
    order_check o = {0, 0, true};
    size_t nets = 0, members = 0;

    assert_int_equal(zt__store_mem_new(&mem), 0);
    load_rich_network(&n);
    load_rich_member(&m);
    assert_int_equal(zt__store_put_network(mem, &n), 0);
    assert_int_equal(zt__store_put_member(mem, &m), 0);
    /* 600 more networks, half with the top bit set, so that pages end on both sides */
    for (uint64_t i = 1; i <= 600; i++)
        put_network(mem, (i % 2 == 0 ? 0x8000000000000000ULL : 0) | (i << 20), "n");
    assert_int_equal(zt__store_copy(pg, mem, &nets, &members), 0);
    assert_int_equal(nets, 601);
    assert_int_equal(members, 1);
    assert_int_equal(zt__store_list_networks(pg, see_net, &o), 0);
    assert_int_equal(o.n, 601);
    assert_true(o.ordered);

    assert_int_equal(zt__store_mem_new(&back), 0);
    assert_int_equal(zt__store_copy(back, pg, &nets, &members), 0);
    assert_int_equal(nets, 601);
    assert_int_equal(members, 1);
    assert_int_equal(zt__store_get_network(back, NWID1, &got), 0);
    assert_net_same(&n, &got);
    assert_int_equal(zt__store_get_member(back, NWID1, m.id, &gm), 0);
    assert_mem_same(&m, &gm);
    zt__ctl_network_clear(&got);
    zt__ctl_member_clear(&gm);
    zt__ctl_network_clear(&n);
    zt__ctl_member_clear(&m);
    zt__store_del(back);
    zt__store_del(mem);
    zt__store_del(pg);
}

/* ---- connections ----------------------------------------------------------------------------- */

static void test_connect_refused(void **state)
{
    char err[512] = "";
    zt_store *st = NULL;
    (void)state;

    /* nothing listens there; the password must not appear in the sentence */
    assert_int_equal(zt__store_pg_open(&st, "host=/nonexistent/zt port=5999 dbname=zt "
                                            "user=zt password=s3cr3t-word connect_timeout=2",
                                       err, sizeof(err)),
                     ZT_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
    assert_null(strstr(err, "s3cr3t"));
    assert_null(strchr(err, '\n'));
    /* a malformed connection string */
    assert_int_equal(zt__store_pg_open(&st, "host=/tmp port", err, sizeof(err)), ZT_ERR_IO);
    assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
}

/* Ends the server side of every connection named |app| (application_name). */
static void kill_sessions(const char *app)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
             "WHERE application_name = '%s'", app);
    assert_true(pg_query_int(NULL, sql) >= 1);
}

static int kill_in_listing(const zt_ctl_member *m, void *arg)
{
    int *calls = arg;

    (void)m;
    if ((*calls)++ == 0)
        kill_sessions("zt-lost");
    return 0;
}

static void test_lost_connection(void **state)
{
    fixture *f = *state;
    char conninfo[1200], err[512] = "";
    zt_store *st = NULL;
    zt_ctl_network n;
    int rv;

    snprintf(conninfo, sizeof(conninfo), "%s application_name=zt-lost", f->conninfo);
    if (zt__store_pg_open(&st, conninfo, err, sizeof(err)) != 0)
        fail_msg("open: %s", err);
    put_network(st, NWID1, "before");

    /* outside a transaction: the call fails with a sentence, the next one reconnects */
    kill_sessions("zt-lost");
    rv = zt__store_get_network(st, NWID1, &n);
    zt__ctl_network_clear(&n);
    assert_int_equal(rv, ZT_ERR_IO);
    if (strstr(zt__store_errmsg(st), "connection") == NULL)
        fail_msg("unexpected sentence: %s", zt__store_errmsg(st));
    assert_non_null(strstr(zt__store_errmsg(st), "PostgreSQL database"));
    assert_int_equal(zt__store_get_network(st, NWID1, &n), 0);
    assert_string_equal(n.name, "before");
    zt__ctl_network_clear(&n);
    put_member(st, NWID1, 0x10, true); /* statements prepared again */

    /* inside one: the transaction is over, every call says so until the rollback */
    assert_int_equal(zt__store_begin(st), 0);
    put_network(st, NWID2, "lost with the transaction");
    kill_sessions("zt-lost");
    {
        zt_ctl_member m;
        zt__ctl_member_init(&m, NWID1, 0x20);
        assert_int_equal(zt__store_put_member(st, &m), ZT_ERR_IO);
        assert_int_equal(zt__store_get_network(st, NWID1, &n), ZT_ERR_IO);
        zt__ctl_network_clear(&n);
        assert_non_null(strstr(zt__store_errmsg(st), "roll back"));
        zt__ctl_member_clear(&m);
    }
    assert_int_equal(zt__store_commit(st), ZT_ERR_IO);
    assert_int_equal(zt__store_rollback(st), 0);
    assert_int_equal(zt__store_get_network(st, NWID2, &n), ZT_ERR_NOTFOUND);
    zt__ctl_network_clear(&n);
    assert_int_equal(zt__store_begin(st), 0);
    put_network(st, NWID2, "after");
    assert_int_equal(zt__store_commit(st), 0);
    assert_int_equal(zt__store_get_network(st, NWID2, &n), 0);
    zt__ctl_network_clear(&n);

    /* lost in the middle of a listing: the listing fails, the store goes on */
    for (uint64_t i = 1; i <= 3; i++)
        put_member(st, NWID2, i, true);
    {
        int calls = 0;
        assert_int_equal(zt__store_list_members(st, NWID2, kill_in_listing, &calls), ZT_ERR_IO);
        assert_true(calls >= 1);
    }
    assert_int_equal(zt__store_get_network(st, NWID2, &n), 0);
    zt__ctl_network_clear(&n);
    zt__store_del(st);
}

/* ---- allocation and lost updates: the rules, one step at a time -------------------------------- */

static bool ip_used(zt_store *st, const char *text)
{
    zt_ctl_ip ip;
    bool used = true;

    assert_int_equal(zt__ctl_ip_parse(&ip, text, strlen(text), false), 0);
    if (zt__store_ip_in_use(st, NWID1, &ip, &used) != 0)
        fail_msg("ip_in_use: %s", zt__store_errmsg(st));
    return used;
}

/* Writes member |node| of NWID1 listing |text| (one address). */
static int put_ip(zt_store *st, uint64_t node, const char *text)
{
    zt_ctl_member m;
    int rv;

    zt__ctl_member_init(&m, NWID1, node);
    m.revision = 1;
    assert_int_equal(zt__ctl_ip_parse(&m.ips[0], text, strlen(text), false), 0);
    m.nips = 1;
    rv = zt__store_put_member(st, &m);
    zt__ctl_member_clear(&m);
    return rv;
}

static long long allocated(const fixture *f, uint64_t node, const char *ip)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM member_ip WHERE member_id = %llu AND ip = '%s' AND allocated",
             (unsigned long long)node, ip);
    return pg_query_int(f->schema, sql);
}

static void test_allocation_rules(void **state)
{
    fixture *f = *state;
    zt_store *a = pg_fixture_open(f), *b = pg_fixture_open(f);
    zt_ctl_member m;
    int rv;

    put_network(a, NWID1, "pool");

    /* found free, then written: an allocation, flagged */
    assert_false(ip_used(a, "10.0.0.1"));
    assert_false(ip_used(b, "10.0.0.1")); /* b looks at the same time */
    assert_int_equal(put_ip(a, 0x1, "10.0.0.1"), 0);
    assert_int_equal(allocated(f, 0x1, "10.0.0.1"), 1);
    /* b's allocation of it now fails, with a sentence, and writes nothing */
    assert_int_equal(put_ip(b, 0x2, "10.0.0.1"), ZT_ERR_EXISTS);
    assert_non_null(strstr(zt__store_errmsg(b), "not assigned twice"));
    assert_int_equal(zt__store_get_member(b, NWID1, 0x2, &m), ZT_ERR_NOTFOUND);
    zt__ctl_member_clear(&m);
    /* written without the lookup (the API, an import): shared, as store.h allows */
    assert_int_equal(put_ip(b, 0x3, "10.0.0.1"), 0);
    assert_int_equal(allocated(f, 0x3, "10.0.0.1"), 0);

    /* an allocation loses to an API write that came first, too */
    assert_false(ip_used(a, "10.0.0.2"));
    assert_int_equal(put_ip(b, 0x4, "10.0.0.2"), 0);
    assert_int_equal(put_ip(a, 0x5, "10.0.0.2"), ZT_ERR_EXISTS);

    /* a rewrite keeps the flag of an address it keeps; dropping the address frees it */
    assert_int_equal(zt__store_get_member(a, NWID1, 0x1, &m), 0);
    snprintf(m.name, sizeof(m.name), "renamed");
    m.has_name = true;
    assert_int_equal(zt__store_put_member(a, &m), 0);
    assert_int_equal(allocated(f, 0x1, "10.0.0.1"), 1);
    m.nips = 0;
    assert_int_equal(zt__store_put_member(a, &m), 0);
    zt__ctl_member_clear(&m);
    assert_int_equal(allocated(f, 0x1, "10.0.0.1"), 0);
    assert_true(ip_used(a, "10.0.0.1")); /* 0x3 still lists it */

    /* The unique index is the backstop: a's transaction began (its snapshot taken) before b
     * allocated the address, so a's own check cannot see b's row; the index can. */
    assert_int_equal(zt__store_begin(a), 0);
    assert_false(ip_used(a, "10.0.0.3"));
    assert_false(ip_used(b, "10.0.0.3"));
    assert_int_equal(put_ip(b, 0x6, "10.0.0.3"), 0);
    rv = put_ip(a, 0x7, "10.0.0.3");
    if (rv != ZT_ERR_EXISTS)
        fail_msg("second allocation: %d: %s", rv, zt__store_errmsg(a));
    /* the failed call undid only itself: the transaction goes on */
    put_network(a, NWID2, "same transaction");
    assert_int_equal(zt__store_commit(a), 0);
    assert_int_equal(pg_query_int(f->schema, "SELECT count(*) FROM member_ip "
                                             "WHERE ip = '10.0.0.3'"),
                     1);
    assert_int_equal(pg_query_int(f->schema, "SELECT count(*) FROM network"), 2);
    zt__store_del(a);
    zt__store_del(b);
}

static void test_lost_update(void **state)
{
    fixture *f = *state;
    zt_store *a = pg_fixture_open(f), *b = pg_fixture_open(f);
    zt_ctl_member m, mb, got;
    int rv;

    put_network(a, NWID1, "net");
    put_member(a, NWID1, 0x10, false); /* revision 1 */

    /* a reads the member in a transaction; b changes it meanwhile */
    assert_int_equal(zt__store_begin(a), 0);
    assert_int_equal(zt__store_get_member(a, NWID1, 0x10, &m), 0);
    assert_int_equal(zt__store_get_member(b, NWID1, 0x10, &mb), 0);
    mb.authorized = true;
    assert_int_equal(zt__store_save_member(b, &mb, 1000, NULL), 0);
    assert_int_equal(mb.revision, 2);
    /* a's save (revision = what it read + 1) must not overwrite b's change */
    snprintf(m.name, sizeof(m.name), "from a");
    m.has_name = true;
    rv = zt__store_save_member(a, &m, 1000, NULL);
    assert_int_equal(rv, ZT_ERR_AGAIN);
    assert_non_null(strstr(zt__store_errmsg(a), "concurrent"));
    assert_int_equal(zt__store_rollback(a), 0);
    /* tried again, it sees b's change and adds its own */
    zt__ctl_member_clear(&m);
    assert_int_equal(zt__store_begin(a), 0);
    assert_int_equal(zt__store_get_member(a, NWID1, 0x10, &m), 0);
    snprintf(m.name, sizeof(m.name), "from a");
    m.has_name = true;
    assert_int_equal(zt__store_save_member(a, &m, 1000, NULL), 0);
    assert_int_equal(zt__store_commit(a), 0);
    assert_int_equal(zt__store_get_member(b, NWID1, 0x10, &got), 0);
    assert_true(got.authorized);
    assert_string_equal(got.name, "from a");
    assert_int_equal(got.revision, 3);
    zt__ctl_member_clear(&got);
    zt__ctl_member_clear(&m);
    zt__ctl_member_clear(&mb);
    zt__store_del(a);
    zt__store_del(b);
}

/* ---- the race: two handles, two threads, one small pool ------------------------------------ */

#define POOL 16
#define PER_THREAD 12 /* 24 members for 16 addresses: 8 get none */
#define COUNTER_NODE 0xffffULL

typedef struct racer {
    const fixture *f;
    pthread_barrier_t *go;
    uint64_t first; /* member ids first .. first + PER_THREAD - 1 */
    unsigned conflicts, retries, increments;
    char failure[600];
} racer;

static void pool_ip(zt_ctl_ip *ip, int i)
{
    memset(ip, 0, sizeof(*ip));
    ip->family = 4;
    ip->ip[0] = 10;
    ip->ip[1] = 9;
    ip->ip[3] = (uint8_t)(i + 1);
}

/* Saves member |node| with |ip| (NULL: none) in a transaction, as controller.c does. */
static int save_in_tx(zt_store *st, uint64_t node, const zt_ctl_ip *ip)
{
    zt_ctl_member m;
    int rv;

    zt__ctl_member_init(&m, NWID1, node);
    m.authorized = true;
    if (ip != NULL) {
        m.ips[0] = *ip;
        m.nips = 1;
    }
    rv = zt__store_begin(st);
    if (rv == 0)
        rv = zt__store_save_member(st, &m, 1000, NULL);
    if (rv == 0)
        rv = zt__store_commit(st);
    if (rv != 0 && st->in_tx)
        (void)zt__store_rollback(st);
    zt__ctl_member_clear(&m);
    return rv;
}

/* As the controller does it (controller_ipam.c, then save_member in controller.c): look the
 * candidates up in pool order, take the first free one, save the member in a transaction;
 * with the pool full, the member is saved without an address.  Returns 0 or a failure. */
static int allocate(racer *r, zt_store *st, uint64_t node)
{
    for (int i = 0, tries = 0; i < POOL && tries < 200; i++, tries++) {
        zt_ctl_ip ip;
        bool used = true;
        int rv;

        pool_ip(&ip, i);
        if ((rv = zt__store_ip_in_use(st, NWID1, &ip, &used)) != 0)
            return rv;
        if (used)
            continue;
        rv = save_in_tx(st, node, &ip);
        if (rv != ZT_ERR_EXISTS && rv != ZT_ERR_AGAIN)
            return rv;
        r->conflicts++;
        i--; /* look again: taken by the other now, or free after all */
    }
    return save_in_tx(st, node, NULL);
}

/* One read-modify-write of the shared counter member, in a transaction, tried again after
 * ZT_ERR_AGAIN: no increment may be lost. */
static int increment(racer *r, zt_store *st)
{
    for (int tries = 0; tries < 200; tries++) {
        zt_ctl_member m;
        int rv, n = 0;

        if ((rv = zt__store_begin(st)) != 0)
            return rv;
        rv = zt__store_get_member(st, NWID1, COUNTER_NODE, &m);
        if (rv == 0) {
            sscanf(m.name, "n=%d", &n);
            snprintf(m.name, sizeof(m.name), "n=%d", n + 1);
            rv = zt__store_save_member(st, &m, 1000, NULL);
        }
        if (rv == 0)
            rv = zt__store_commit(st);
        zt__ctl_member_clear(&m);
        if (rv == 0) {
            r->increments++;
            return 0;
        }
        if (st->in_tx)
            (void)zt__store_rollback(st);
        if (rv != ZT_ERR_AGAIN)
            return rv;
        r->retries++;
    }
    snprintf(r->failure, sizeof(r->failure), "increment: still conflicting after 200 tries");
    return ZT_ERR_AGAIN;
}

static void *race_thread(void *arg)
{
    racer *r = arg;
    char err[512] = "";
    zt_store *st = NULL;
    int rv;

    rv = zt__store_pg_open(&st, r->f->conninfo, err, sizeof(err));
    pthread_barrier_wait(r->go);
    if (rv != 0) {
        snprintf(r->failure, sizeof(r->failure), "open: %s", err);
        return NULL;
    }
    for (uint64_t k = 0; k < PER_THREAD; k++) {
        if ((rv = allocate(r, st, r->first + k)) != 0 || (rv = increment(r, st)) != 0) {
            if (r->failure[0] == '\0')
                snprintf(r->failure, sizeof(r->failure), "member %llx: %d: %s",
                         (unsigned long long)(r->first + k), rv, zt__store_errmsg(st));
            break;
        }
    }
    zt__store_del(st);
    return NULL;
}

typedef struct tally {
    unsigned owners[POOL];
    unsigned with_ip, without_ip, members;
    char counter[ZT_CTL_NAME_MAX + 1];
    uint64_t counter_revision;
    bool bad;
} tally;

static int tally_member(const zt_ctl_member *m, void *arg)
{
    tally *t = arg;

    if (m->id == COUNTER_NODE) {
        snprintf(t->counter, sizeof(t->counter), "%s", m->name);
        t->counter_revision = m->revision;
        return 0;
    }
    t->members++;
    if (m->nips == 0) {
        t->without_ip++;
        return 0;
    }
    t->with_ip++;
    if (m->nips != 1 || m->ips[0].family != 4 || m->ips[0].ip[3] < 1 ||
        m->ips[0].ip[3] > POOL) {
        t->bad = true;
        return 0;
    }
    t->owners[m->ips[0].ip[3] - 1]++;
    return 0;
}

static void test_race(void **state)
{
    fixture *f = *state;
    zt_store *st = pg_fixture_open(f);
    pthread_barrier_t go;
    racer r[2];
    pthread_t t[2];
    tally tl;
    zt_ctl_member counter;
    char want[32];
    double t0;

    put_network(st, NWID1, "race");
    zt__ctl_member_init(&counter, NWID1, COUNTER_NODE);
    snprintf(counter.name, sizeof(counter.name), "n=0");
    counter.has_name = true;
    assert_int_equal(zt__store_save_member(st, &counter, 1000, NULL), 0); /* revision 1 */
    zt__ctl_member_clear(&counter);

    t0 = now_sec();
    pthread_barrier_init(&go, NULL, 2);
    for (int i = 0; i < 2; i++) {
        r[i] = (racer){.f = f, .go = &go, .first = 0x100 * (uint64_t)(i + 1)};
        assert_int_equal(pthread_create(&t[i], NULL, race_thread, &r[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < 2; i++) {
        if (r[i].failure[0] != '\0')
            fail_msg("racer %d: %s", i, r[i].failure);
    }
    print_message("[ race   ] %u allocation conflicts, %u counter retries, %.2f s\n",
                  r[0].conflicts + r[1].conflicts, r[0].retries + r[1].retries,
                  now_sec() - t0);

    memset(&tl, 0, sizeof(tl));
    assert_int_equal(zt__store_list_members(st, NWID1, tally_member, &tl), 0);
    assert_false(tl.bad);
    assert_int_equal(tl.members, 2 * PER_THREAD);
    /* every address of the pool handed out, none twice */
    for (int i = 0; i < POOL; i++) {
        if (tl.owners[i] != 1)
            fail_msg("10.9.0.%d has %u owners", i + 1, tl.owners[i]);
    }
    assert_int_equal(tl.with_ip, POOL);
    assert_int_equal(tl.without_ip, 2 * PER_THREAD - POOL);
    /* the same from the database's side */
    assert_int_equal(pg_query_int(f->schema, "SELECT count(*) FROM (SELECT ip FROM member_ip "
                                             "GROUP BY network_id, ip HAVING count(*) > 1) d"),
                     0);
    /* no increment lost: one revision per increment */
    assert_int_equal(r[0].increments + r[1].increments, 2 * PER_THREAD);
    snprintf(want, sizeof(want), "n=%d", 2 * PER_THREAD);
    assert_string_equal(tl.counter, want);
    assert_int_equal(tl.counter_revision, 1 + 2 * PER_THREAD);
    zt__store_del(st);
}

/* ---- self-contained writes tried again ------------------------------------------------------ */

/* Under SERIALIZABLE (set here through the connection string, as an administrator could set it
 * for the database), two writes of one row at once fail with a serialization failure; outside
 * a transaction the store tries again by itself, so that every call succeeds.  The two writers
 * go through eight members in different orders, so that they meet now and then; one row
 * written by both without a pause would starve one of them past any bounded retry. */
typedef struct hammer {
    const fixture *f;
    pthread_barrier_t *go;
    unsigned stride;
    atomic_int *stop; /* set once a retry was seen */
    unsigned long retries;
    char failure[600];
} hammer;

static void *hammer_thread(void *arg)
{
    hammer *h = arg;
    char conninfo[1200], err[512] = "";
    zt_store *st = NULL;
    int rv;

    snprintf(conninfo, sizeof(conninfo), "%s", h->f->conninfo);
    /* options='-csearch_path=...' is last: add the second option inside its quotes */
    snprintf(conninfo + strlen(conninfo) - 1, sizeof(conninfo) - strlen(conninfo) + 1,
             " -cdefault_transaction_isolation=serializable'");
    rv = zt__store_pg_open(&st, conninfo, err, sizeof(err));
    pthread_barrier_wait(h->go);
    if (rv != 0) {
        snprintf(h->failure, sizeof(h->failure), "open: %s", err);
        return NULL;
    }
    for (int i = 0; i < 2000 && !(i >= 50 && atomic_load(h->stop)); i++) {
        zt_ctl_member m;
        zt__ctl_member_init(&m, NWID1, 0x40 + (uint64_t)((i * h->stride + h->stride) % 8));
        m.revision = (uint64_t)i;
        m.authorized = i % 2 == 0;
        rv = zt__store_put_member(st, &m);
        zt__ctl_member_clear(&m);
        if (rv != 0) {
            snprintf(h->failure, sizeof(h->failure), "put %d: %s", i, zt__store_errmsg(st));
            break;
        }
        if (zt__store_pg_retries(st) > 0)
            atomic_store(h->stop, 1);
    }
    h->retries = zt__store_pg_retries(st);
    zt__store_del(st);
    return NULL;
}

static void test_retry(void **state)
{
    fixture *f = *state;
    zt_store *st = pg_fixture_open(f);
    pthread_barrier_t go;
    hammer h[2];
    pthread_t t[2];
    atomic_int stop = 0;

    if (strstr(f->conninfo, "://") != NULL) {
        zt__store_del(st);
        skip(); /* the options trick above needs a keyword=value connection string */
    }
    put_network(st, NWID1, "hammered");
    pthread_barrier_init(&go, NULL, 2);
    for (int i = 0; i < 2; i++) {
        h[i] = (hammer){.f = f, .go = &go, .stride = i == 0 ? 1 : 3, .stop = &stop};
        assert_int_equal(pthread_create(&t[i], NULL, hammer_thread, &h[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < 2; i++) {
        if (h[i].failure[0] != '\0')
            fail_msg("writer %d: %s", i, h[i].failure);
    }
    print_message("[ retry  ] %lu writes tried again\n", h[0].retries + h[1].retries);
    assert_true(h[0].retries + h[1].retries > 0);
    zt__store_del(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_schema_refused, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_open, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_copy_pages, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test_setup_teardown(test_lost_connection, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_allocation_rules, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lost_update, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_race, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_retry, pg_fixture_setup, pg_fixture_teardown),
    };

    if (pg_test_conninfo() == NULL) {
        fprintf(stderr, "SKIP: ZT_TEST_PG is not set (run under tests/pg/pg_temp.sh)\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
