/*
 * test_controller_pg.c: several controller processes on one PostgreSQL database (issue 13).
 *
 *   test_change_feed      the store's change feed (zt__store_poll_changes, store_pg_notify.c):
 *                         what another handle wrote arrives, in order, with the member's
 *                         authorisation before and after; our own writes do not; a lost
 *                         feed says so, then reports "changes may have been missed".
 *   test_two_controllers  two controllers with one identity on one database, a member served
 *                         by the second: an edit made through the first reaches the member
 *                         (a pushed config; a revocation when it is deauthorised) once the
 *                         second polls the feed, well within a second; without polling,
 *                         nothing is pushed.
 *   test_database_gone    the database refuses connections: a member configured before is
 *                         answered with its config (the cache), a newcomer is not, calls fail
 *                         fast while the reconnection backs off; back, all are served.
 *
 * Runs under tests/pg/pg_temp.sh (ZT_TEST_PG); one schema per case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store_testutil.h"

#include "codec/configchunk.h"
#include "codec/wire/vl1.h"
#include "controller/controller.h"
#include "controller/store.h"
#include "crypto/crypto.h"
#include "util/buf.h"
#include "zts_controller.h"

typedef pg_fixture fixture;

/* ---- the change feed ---------------------------------------------------------------------- */

#define MAXCH 32

typedef struct seen {
    zt_store_change c[MAXCH];
    size_t n;
} seen;

static int collect(const zt_store_change *c, void *arg)
{
    seen *s = arg;

    if (s->n < MAXCH)
        s->c[s->n] = *c;
    s->n++;
    return 0;
}

/* Polls |st| until |want| changes have arrived (at most 5 s). */
static void poll_until(zt_store *st, seen *s, size_t want)
{
    for (int i = 0; i < 500 && s->n < want; i++) {
        int rv = zt__store_poll_changes(st, collect, s);
        if (rv != 0)
            fail_msg("poll_changes: %s (%s)", zt__strerror(rv), zt__store_errmsg(st));
        if (s->n < want)
            usleep(10 * 1000);
    }
    assert_int_equal(s->n, want);
}

static void feed_put_member(zt_store *st, uint64_t nwid, uint64_t node, bool authorized)
{
    zt_ctl_member m;

    zt__ctl_member_init(&m, nwid, node);
    m.authorized = authorized;
    assert_int_equal(zt__store_put_member(st, &m), 0);
    zt__ctl_member_clear(&m);
}

/* The writes a config request makes (zt__store_save_member_cas): member |node| created,
 * then authorised. */
static void quiet_writes(zt_store *st, uint64_t nwid, uint64_t node)
{
    zt_ctl_member m, read;

    zt__ctl_member_init(&m, nwid, node);
    assert_int_equal(zt__store_save_member_cas(st, &m, NULL, 1000, NULL), 0);
    assert_int_equal(zt__store_get_member(st, nwid, node, &read), 0);
    m.authorized = true;
    assert_int_equal(zt__store_save_member_cas(st, &m, &read, 2000, NULL), 0);
    assert_int_equal(m.revision, read.revision + 1);
    zt__ctl_member_clear(&read);
    zt__ctl_member_clear(&m);
}

static void check_member(const zt_store_change *c, uint64_t nwid, uint64_t node, bool was,
                         bool is)
{
    assert_int_equal(c->kind, ZT_STORE_CHANGE_MEMBER);
    assert_true(c->nwid == nwid && c->node == node);
    assert_int_equal(c->was_authorized, was);
    assert_int_equal(c->is_authorized, is);
}

static void test_change_feed(void **state)
{
    const uint64_t nwid = 0xfedcba9876000001ULL; /* above 2^63: stored negative */
    const fixture *f = *state;
    zt_store *a = pg_fixture_open(f), *b = pg_fixture_open(f);
    zt_ctl_network n;
    seen sa = {0}, sb = {0};
    bool saw_down = false;
    char sql[256];

    zt__ctl_network_init(&n, nwid);
    assert_int_equal(zt__store_put_network(a, &n), 0);
    zt__ctl_network_clear(&n);
    feed_put_member(a, nwid, 0x1111111111ULL, true);
    feed_put_member(a, nwid, 0x1111111111ULL, false);
    assert_int_equal(zt__store_delete_member(a, nwid, 0x1111111111ULL), 0);
    /* one transaction: its changes arrive at its commit, in order */
    assert_int_equal(zt__store_begin(a), 0);
    feed_put_member(a, nwid, 0x2222222222ULL, true);
    feed_put_member(a, nwid, 0x3333333333ULL, false);
    assert_int_equal(zt__store_commit(a), 0);

    poll_until(b, &sb, 6);
    assert_int_equal(sb.c[0].kind, ZT_STORE_CHANGE_NETWORK);
    assert_true(sb.c[0].nwid == nwid);
    check_member(&sb.c[1], nwid, 0x1111111111ULL, false, true);
    check_member(&sb.c[2], nwid, 0x1111111111ULL, true, false);
    check_member(&sb.c[3], nwid, 0x1111111111ULL, false, false);
    check_member(&sb.c[4], nwid, 0x2222222222ULL, false, true);
    check_member(&sb.c[5], nwid, 0x3333333333ULL, false, false);
    /* what a wrote, a does not hear */
    usleep(100 * 1000);
    assert_int_equal(zt__store_poll_changes(a, collect, &sa), 0);
    assert_int_equal(sa.n, 0);

    /* a config request's own writes (save_member_cas: a new member, then a change of it)
     * are not on the feed; the edit after them is, alone */
    sb.n = 0;
    quiet_writes(a, nwid, 0x4444444444ULL);
    feed_put_member(a, nwid, 0x5555555555ULL, true);
    poll_until(b, &sb, 1);
    check_member(&sb.c[0], nwid, 0x5555555555ULL, false, true);
    usleep(100 * 1000);
    assert_int_equal(zt__store_poll_changes(b, collect, &sb), 0);
    assert_int_equal(sb.n, 1);

    /* the feeds cut by the server (a's and b's listening connections): b's poll says so,
     * then (a second later at most) says that changes may have been missed, and goes on with
     * what comes after */
    snprintf(sql, sizeof(sql),
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE "
             "'LISTEN %%%s%%' AND pid <> pg_backend_pid()",
             f->schema);
    assert_int_equal(pg_query_int(f->schema, sql), 2);
    sb.n = 0;
    for (int i = 0; i < 40 && sb.n == 0; i++) {
        int rv = zt__store_poll_changes(b, collect, &sb);
        if (rv == ZT_ERR_IO) {
            saw_down = true;
            assert_non_null(strstr(zt__store_errmsg(b), "for changes"));
        }
        usleep(100 * 1000);
    }
    assert_true(saw_down);
    assert_true(sb.n >= 1);
    assert_int_equal(sb.c[0].kind, ZT_STORE_CHANGE_ALL);
    sb.n = 0;
    feed_put_member(a, nwid, 0x2222222222ULL, false);
    poll_until(b, &sb, 1);
    check_member(&sb.c[0], nwid, 0x2222222222ULL, true, false);

    /* other backends cannot tell: nothing, no error */
    zt__store_del(a);
    zt__store_del(b);
}

/* ---- two controllers -------------------------------------------------------------------- */

typedef struct sink {
    uint64_t dest;
    size_t configs, revocations, other;
} sink;

/* What the controller sent: configs for the member (OK to its request, NETWORK_CONFIG
 * pushes), revocations (NETWORK_CREDENTIALS), anything else. */
static int count_out(void *arg, uint64_t dest, uint8_t verb, const uint8_t *payload, size_t len)
{
    sink *s = arg;

    (void)payload;
    (void)len;
    if ((verb == ZT_VERB_OK || verb == ZT_VERB_NETWORK_CONFIG) && dest == s->dest)
        s->configs++;
    else if (verb == ZT_VERB_NETWORK_CREDENTIALS)
        s->revocations++;
    else
        s->other++;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Member |node| asks |ctl| for |nwid|'s config (as VL2 hands the request over). */
static zt_controller_result request(zt_controller *ctl, uint64_t nwid, uint64_t node,
                                    int64_t now, sink *s)
{
    zt_controller_out out = {.send = count_out, .arg = s};
    uint8_t md[ZT_DICT_METADATA_MAX], payload[ZT_DICT_METADATA_MAX + 32];
    zt_controller_result res = ZT_CTL_RESULT_NOT_OURS;
    zt_config_meta meta;
    zt_identity member;
    zt_ssize mlen, plen;

    zt__config_meta_default(&meta);
    mlen = zt__config_meta_write(&meta, md, sizeof(md));
    assert_true(mlen > 0);
    plen = zt__config_request_write(payload, sizeof(payload), nwid, md, (size_t)mlen, 0, 0);
    assert_true(plen > 0);
    memset(&member, 0, sizeof(member));
    member.address = node;
    memset(member.pub, 0x5a, sizeof(member.pub));
    zt__store_be(member.pub, node, 8);
    assert_int_equal(zt__controller_handle_request(ctl, &member, payload, (size_t)plen, 0x77,
                                                   now, &out, &res),
                     0);
    return res;
}

/* Polls |ctl| and flushes into |s| until |done| says so (at most 5 s); returns the seconds it
 * took. */
static double poll_until_pushed(zt_controller *ctl, sink *s, int64_t now,
                                bool (*done)(const sink *s))
{
    zt_controller_out out = {.send = count_out, .arg = s};
    double t0 = now_s();

    while (!done(s) && now_s() - t0 < 5.0) {
        assert_int_equal(zt__controller_poll_store(ctl), 0);
        if (zt__controller_pending(ctl) > 0)
            assert_int_equal(zt__controller_flush(ctl, now, &out), 0);
        if (!done(s))
            usleep(2 * 1000);
    }
    assert_true(done(s));
    return now_s() - t0;
}

static bool got_config(const sink *s)
{
    return s->configs > 0;
}

static bool got_revocation(const sink *s)
{
    return s->revocations > 0;
}

static void test_two_controllers(void **state)
{
    const fixture *f = *state;
    const uint64_t member = 0x0abcdef012ULL;
    char secret[ZT_IDENTITY_STR_MAX + 1];
    zts_controller_config cfg;
    zts_controller *c1 = NULL, *c2 = NULL;
    zt_identity id;
    uint64_t nwid;
    sink s = {.dest = member};
    int64_t now = 1700000000000LL;
    double took;

    zt__store_pg_register();
    assert_int_equal(zt__identity_generate(&id, NULL), 0);
    assert_true(zt__identity_to_string(&id, true, secret, sizeof(secret)) > 0);
    nwid = id.address << 24 | 0x42;
    zts_controller_config_default(&cfg);
    cfg.identity_secret = secret;
    cfg.store_kind = ZTS_CONTROLLER_STORE_POSTGRESQL;
    cfg.store_path = f->conninfo;
    if (zts_controller_new(&c1, &cfg) != 0 || zts_controller_new(&c2, &cfg) != 0)
        fail_msg("zts_controller_new: %s", zts_controller_last_error(NULL));
    assert_int_equal(zts_controller_network_set(c1, nwid,
                                                "{\"name\":\"shared\",\"private\":true,"
                                                "\"v4AssignMode\":{\"zt\":true},"
                                                "\"ipAssignmentPools\":[{\"ipRangeStart\":"
                                                "\"10.9.0.1\",\"ipRangeEnd\":\"10.9.0.9\"}]}",
                                                now, NULL),
                     ZTS_CONTROLLER_OK);
    assert_int_equal(zts_controller_member_set_authorized(c1, nwid, member, true, now),
                     ZTS_CONTROLLER_OK);
    /* the member talks to the second controller */
    assert_int_equal(request(zt__controller_of(c2), nwid, member, now, &s),
                     ZT_CTL_RESULT_CONFIG);
    assert_int_equal(s.configs, 1);
    /* what c1 wrote before (the network, the member) reaches c2 too: drained here */
    (void)poll_until_pushed(zt__controller_of(c2), &s, now, got_config);
    usleep(100 * 1000);
    assert_int_equal(zt__controller_poll_store(zt__controller_of(c2)), 0);
    (void)zt__controller_flush(zt__controller_of(c2), now,
                               &(zt_controller_out){.send = count_out, .arg = &s});
    s.configs = s.revocations = s.other = 0;

    /* an edit through the first: the member hears it from the second */
    assert_int_equal(zts_controller_network_set(c1, nwid, "{\"name\":\"renamed\"}", now + 10,
                                                NULL),
                     ZTS_CONTROLLER_OK);
    usleep(50 * 1000);
    assert_int_equal(s.configs, 0); /* nothing without polling */
    took = poll_until_pushed(zt__controller_of(c2), &s, now + 20, got_config);
    assert_true(took < 1.0);
    print_message("  edit on controller 1 -> push from controller 2: %.1f ms\n", took * 1e3);

    /* deauthorised through the first: the second revokes and pushes */
    s.configs = s.revocations = 0;
    assert_int_equal(zts_controller_member_set_authorized(c1, nwid, member, false, now + 30),
                     ZTS_CONTROLLER_OK);
    took = poll_until_pushed(zt__controller_of(c2), &s, now + 40, got_revocation);
    assert_true(took < 1.0);

    zts_controller_del(c1);
    zts_controller_del(c2);
    zt__identity_clear(&id);
}

/* ---- the database goes away -------------------------------------------------------------- */

/* Runs |sql| on the server's template1 database (an admin connection that stays possible
 * while the test's database refuses connections). */
static void admin(const char *sql)
{
    char conninfo[1200];
    PGconn *c;
    PGresult *r;

    snprintf(conninfo, sizeof(conninfo), "%s dbname=template1", pg_test_conninfo());
    c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("admin connection: %s", PQerrorMessage(c));
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* Issue 13: a controller whose database goes away keeps answering the members it configured
 * (with what they have), answers no one new, fails fast while it waits to reconnect, and
 * serves everyone again once the database is back. */
static void test_database_gone(void **state)
{
    const fixture *f = *state;
    const uint64_t known = 0x0abcdef012ULL, newcomer = 0x0abcdef034ULL;
    char secret[ZT_IDENTITY_STR_MAX + 1], sql[256], db[64];
    zts_controller_config cfg;
    zts_controller *c = NULL;
    zt_controller_stats st;
    zt_identity id;
    uint64_t nwid;
    sink s = {.dest = known};
    int64_t now = 1700000000000LL;
    double t0;

    zt__store_pg_register();
    assert_int_equal(zt__identity_generate(&id, NULL), 0);
    assert_true(zt__identity_to_string(&id, true, secret, sizeof(secret)) > 0);
    nwid = id.address << 24 | 0x43;
    zts_controller_config_default(&cfg);
    cfg.identity_secret = secret;
    cfg.store_kind = ZTS_CONTROLLER_STORE_POSTGRESQL;
    cfg.store_path = f->conninfo;
    if (zts_controller_new(&c, &cfg) != 0)
        fail_msg("zts_controller_new: %s", zts_controller_last_error(NULL));
    assert_int_equal(zts_controller_network_set(c, nwid,
                                                "{\"name\":\"gone\",\"private\":false}", now,
                                                NULL),
                     ZTS_CONTROLLER_OK);
    assert_int_equal(request(zt__controller_of(c), nwid, known, now, &s),
                     ZT_CTL_RESULT_CONFIG);

    /* the database refuses connections and ours is cut */
    assert_int_equal(pg_query_int(f->schema, "SELECT 1"), 1);
    snprintf(db, sizeof(db), "%s", "postgres");
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s WITH ALLOW_CONNECTIONS false", db);
    admin(sql);
    snprintf(sql, sizeof(sql),
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
             "datname = '%s'",
             db);
    admin(sql);

    s.configs = 0;
    assert_int_equal(request(zt__controller_of(c), nwid, known, now + 2000, &s),
                     ZT_CTL_RESULT_CONFIG);
    assert_int_equal(s.configs, 1); /* its config, from the cache */
    s.configs = 0;
    s.dest = newcomer;
    t0 = now_s();
    {
        zt_controller_out out = {.send = count_out, .arg = &s};
        uint8_t md[ZT_DICT_METADATA_MAX], payload[ZT_DICT_METADATA_MAX + 32];
        zt_config_meta meta;
        zt_identity member;
        zt_controller_result res = ZT_CTL_RESULT_NOT_OURS;
        zt_ssize mlen, plen;

        zt__config_meta_default(&meta);
        mlen = zt__config_meta_write(&meta, md, sizeof(md));
        plen = zt__config_request_write(payload, sizeof(payload), nwid, md, (size_t)mlen, 0, 0);
        memset(&member, 0, sizeof(member));
        member.address = newcomer;
        memset(member.pub, 0x5a, sizeof(member.pub));
        zt__store_be(member.pub, newcomer, 8);
        assert_int_equal(zt__controller_handle_request(zt__controller_of(c), &member, payload,
                                                       (size_t)plen, 0x78, now + 2000, &out,
                                                       &res),
                         ZT_ERR_IO);
        assert_int_equal(s.configs + s.other, 0); /* nothing for a member never configured */
    }
    assert_true(now_s() - t0 < 0.5); /* failing fast while the reconnection backs off */
    zt__controller_stats_get(zt__controller_of(c), &st);
    assert_int_equal(st.answered_from_cache, 1);

    /* back: after the backoff, everyone is served from the database again */
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s WITH ALLOW_CONNECTIONS true", db);
    admin(sql);
    usleep(1100 * 1000);
    assert_int_equal(request(zt__controller_of(c), nwid, newcomer, now + 4000, &s),
                     ZT_CTL_RESULT_CONFIG);
    assert_int_equal(s.configs, 1);
    zt__controller_stats_get(zt__controller_of(c), &st);
    assert_int_equal(st.answered_from_cache, 1);
    zts_controller_del(c);
    zt__identity_clear(&id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_change_feed, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_two_controllers, pg_fixture_setup, pg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_database_gone, pg_fixture_setup, pg_fixture_teardown),
    };

    if (pg_test_conninfo() == NULL) {
        fprintf(stderr, "SKIP: ZT_TEST_PG is not set (run under tests/pg/pg_temp.sh)\n");
        return 77;
    }
    if (zt__crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
