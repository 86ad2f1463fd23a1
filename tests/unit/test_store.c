/*
 * Unit tests for src/controller stores: ONE shared suite run against every backend
 * (style.md §10f), the backends being those of store_testutil.c:
 *   mem      in memory
 *   sqlite   a database file in a temp directory
 *   json     a controller.d tree in a temp directory
 *   rt       a mem store whose every read is served after a full export to a controller.d
 *            tree and an import back (the JSON round trip)
 *   pg       a schema of its own on a PostgreSQL server (only when named on the command line:
 *            ctest runs it under tests/pg/pg_temp.sh, which starts a throwaway server)
 * The cases of a config request (saves with revisions, conditional saves, the request's
 * reads) are in test_store_save.c.  The data model is tested once in
 * test_store_model.c; backend-specific cases (SQLite schema
 * versions and crash safety, the JSON layout and corrupt files on import) are in
 * test_store_backend.c.
 */
#include "store_testutil.h"

#include <sys/wait.h>
#include <unistd.h>


typedef store_fixture fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->be = *state;
    make_tmpdir(f->dir, sizeof(f->dir));
    if (f->be->open(&f->st, f->dir) != 0) {
        if (f->be->cleanup != NULL)
            f->be->cleanup(f->dir);
        rm_tree(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    zt__store_del(f->st);
    if (f->be->cleanup != NULL)
        f->be->cleanup(f->dir);
    rm_tree(f->dir);
    free(f);
    return 0;
}

static void reopen(fixture *f)
{
    zt__store_del(f->st);
    f->st = NULL;
    assert_int_equal(f->be->open(&f->st, f->dir), 0);
}

typedef struct {
    uint64_t ids[64];
    size_t n;
    uint64_t last;
    bool ordered;
    size_t count, authorized;
} seen;

static int see_network(const zt_ctl_network *n, void *arg)
{
    seen *s = arg;
    if (s->n > 0 && n->id <= s->last)
        s->ordered = false;
    s->last = n->id;
    if (s->n < 64)
        s->ids[s->n] = n->id;
    s->n++;
    return 0;
}

static int see_member(const zt_ctl_member *m, void *arg)
{
    seen *s = arg;
    if (s->count > 0 && m->id <= s->last)
        s->ordered = false;
    s->last = m->id;
    if (s->count < 64)
        s->ids[s->count] = m->id;
    s->count++;
    if (m->authorized)
        s->authorized++;
    return 0;
}

/* ---- the shared suite ------------------------------------------------------------------------ */

static void t_network_crud(void **state)
{
    fixture *f = *state;
    zt_ctl_network n, got;

    assert_int_equal(zt__store_get_network(f->st, NWID1, &got), ZT_ERR_NOTFOUND);
    assert_true(zt__store_errmsg(f->st)[0] != '\0');
    zt__ctl_network_clear(&got);
    assert_int_equal(zt__store_delete_network(f->st, NWID1), ZT_ERR_NOTFOUND);

    load_rich_network(&n);
    assert_int_equal(zt__store_put_network(f->st, &n), 0);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &got), 0);
    assert_net_same(&n, &got);
    zt__ctl_network_clear(&got);

    /* replace */
    snprintf(n.name, sizeof(n.name), "renamed");
    n.revision = 8;
    n.nroutes = 0;
    assert_int_equal(zt__store_put_network(f->st, &n), 0);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &got), 0);
    assert_string_equal(got.name, "renamed");
    assert_int_equal(got.revision, 8);
    assert_int_equal(got.nroutes, 0);
    assert_non_null(got.extra); /* unknown keys survive the store */
    assert_non_null(strstr(got.extra, "futureField"));
    zt__ctl_network_clear(&got);

    assert_int_equal(zt__store_delete_network(f->st, NWID1), 0);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &got), ZT_ERR_NOTFOUND);
    zt__ctl_network_clear(&got);
    assert_int_equal(zt__store_delete_network(f->st, NWID1), ZT_ERR_NOTFOUND);
    /* bad arguments */
    assert_int_equal(zt__store_get_network(f->st, 0, &got), ZT_ERR_INVAL);
    zt__ctl_network_clear(&got);
    n.id = 0;
    assert_int_equal(zt__store_put_network(f->st, &n), ZT_ERR_INVAL);
    zt__ctl_network_clear(&n);
}

static void t_member_crud(void **state)
{
    fixture *f = *state;
    zt_ctl_member m, got;

    load_rich_member(&m);
    /* a member needs its network */
    assert_int_equal(zt__store_put_member(f->st, &m), ZT_ERR_NOTFOUND);
    assert_true(zt__store_errmsg(f->st)[0] != '\0');
    assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &(seen){0}),
                     ZT_ERR_NOTFOUND);
    put_network(f->st, NWID1, "one");
    assert_int_equal(zt__store_get_member(f->st, NWID1, m.id, &got), ZT_ERR_NOTFOUND);
    zt__ctl_member_clear(&got);
    assert_int_equal(zt__store_put_member(f->st, &m), 0);
    assert_int_equal(zt__store_get_member(f->st, NWID1, m.id, &got), 0);
    assert_mem_same(&m, &got);
    zt__ctl_member_clear(&got);

    m.authorized = false;
    m.nips = 0;
    snprintf(m.name, sizeof(m.name), "desk");
    assert_int_equal(zt__store_put_member(f->st, &m), 0);
    assert_int_equal(zt__store_get_member(f->st, NWID1, m.id, &got), 0);
    assert_false(got.authorized);
    assert_int_equal(got.nips, 0);
    assert_string_equal(got.name, "desk");
    assert_string_equal(got.extra, "{\"custom\":\"kept\"}");
    zt__ctl_member_clear(&got);
    /* same address in another network is another record */
    assert_int_equal(zt__store_get_member(f->st, NWID2, m.id, &got), ZT_ERR_NOTFOUND);
    zt__ctl_member_clear(&got);

    assert_int_equal(zt__store_delete_member(f->st, NWID1, m.id), 0);
    assert_int_equal(zt__store_get_member(f->st, NWID1, m.id, &got), ZT_ERR_NOTFOUND);
    zt__ctl_member_clear(&got);
    assert_int_equal(zt__store_delete_member(f->st, NWID1, m.id), ZT_ERR_NOTFOUND);
    /* invalid address */
    m.id = 0x10000000000ULL;
    assert_int_equal(zt__store_put_member(f->st, &m), ZT_ERR_INVAL);
    zt__ctl_member_clear(&m);
}

static void t_list_order(void **state)
{
    fixture *f = *state;
    seen s = {.ordered = true};
    static const uint64_t nodes[] = {0xffffffffffULL, 0x0000000001ULL, 0x8000000000ULL,
                                     0x123456789aULL, 0x0a0b0c0d0eULL};

    assert_int_equal(zt__store_list_networks(f->st, see_network, &s), 0);
    assert_int_equal(s.n, 0);
    put_network(f->st, NWID_HI, "hi");
    put_network(f->st, NWID1, "one");
    put_network(f->st, NWID2, "two");
    assert_int_equal(zt__store_list_networks(f->st, see_network, &s), 0);
    assert_int_equal(s.n, 3);
    assert_true(s.ordered);
    assert_int_equal(s.ids[0], NWID2);
    assert_int_equal(s.ids[1], NWID1);
    assert_int_equal(s.ids[2], NWID_HI);

    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
        put_member(f->st, NWID1, nodes[i], i % 2 == 0);
    put_member(f->st, NWID2, 0x0000000001ULL, true);
    memset(&s, 0, sizeof(s));
    s.ordered = true;
    assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 5);
    assert_int_equal(s.authorized, 3);
    assert_true(s.ordered);
    assert_int_equal(s.ids[0], 1);
    assert_int_equal(s.ids[4], 0xffffffffffULL);
    memset(&s, 0, sizeof(s));
    assert_int_equal(zt__store_list_members(f->st, NWID_HI, see_member, &s), 0);
    assert_int_equal(s.count, 0);
}

static void t_delete_cascades(void **state)
{
    fixture *f = *state;
    seen s = {0};
    zt_ctl_member got;

    put_network(f->st, NWID1, "one");
    put_network(f->st, NWID2, "two");
    put_member(f->st, NWID1, 0x1111111111ULL, true);
    put_member(f->st, NWID1, 0x2222222222ULL, false);
    put_member(f->st, NWID2, 0x1111111111ULL, true);
    /* replacing a network keeps its members */
    put_network(f->st, NWID1, "one again");
    assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 2);

    assert_int_equal(zt__store_delete_network(f->st, NWID1), 0);
    assert_int_equal(zt__store_get_member(f->st, NWID1, 0x1111111111ULL, &got), ZT_ERR_NOTFOUND);
    zt__ctl_member_clear(&got);
    assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &s), ZT_ERR_NOTFOUND);
    put_network(f->st, NWID1, "reborn");
    memset(&s, 0, sizeof(s));
    assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 0);
    /* the other network is untouched */
    assert_int_equal(zt__store_get_member(f->st, NWID2, 0x1111111111ULL, &got), 0);
    zt__ctl_member_clear(&got);
}

static void t_bounds_roundtrip(void **state)
{
    fixture *f = *state;
    zt_ctl_network n, got;
    zt_ctl_member m, gm;

    /* every list at its bound survives the store */
    assert_int_equal(zt__ctl_network_init(&n, NWID1), 0);
    memset(n.name, 'x', ZT_CTL_NAME_MAX);
    n.name[ZT_CTL_NAME_MAX] = '\0';
    for (size_t i = 0; i < ZT_CTL_MAX_ROUTES; i++) {
        n.routes[i].target.family = 6;
        n.routes[i].target.bits = (uint8_t)(i % 129);
        n.routes[i].target.ip[0] = 0xfd;
        n.routes[i].target.ip[15] = (uint8_t)i;
    }
    n.nroutes = ZT_CTL_MAX_ROUTES;
    for (size_t i = 0; i < ZT_CTL_MAX_TAGS; i++) {
        n.tags[i].id = (uint32_t)(i * 3);
        n.tags[i].has_default = i % 2 == 0;
        n.tags[i].default_value = n.tags[i].has_default ? UINT32_MAX - (uint32_t)i : 0;
    }
    n.ntags = ZT_CTL_MAX_TAGS;
    for (size_t i = 0; i < ZT_CTL_MAX_TOKENS; i++) {
        memset(n.tokens[i].token, 'a' + (int)(i % 26), ZT_CTL_TOKEN_MAX);
        n.tokens[i].token[ZT_CTL_TOKEN_MAX - 1] = (char)('0' + (char)(i / 26));
        n.tokens[i].token[ZT_CTL_TOKEN_MAX] = '\0';
        n.tokens[i].expires = (int64_t)i;
    }
    n.ntokens = ZT_CTL_MAX_TOKENS;
    assert_int_equal(zt__store_put_network(f->st, &n), 0);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &got), 0);
    assert_int_equal(got.nroutes, ZT_CTL_MAX_ROUTES);
    assert_int_equal(got.ntags, ZT_CTL_MAX_TAGS);
    assert_int_equal(got.ntokens, ZT_CTL_MAX_TOKENS);
    assert_net_same(&n, &got);
    zt__ctl_network_clear(&got);
    zt__ctl_network_clear(&n);

    zt__ctl_member_init(&m, NWID1, 0x00000000aaULL);
    for (size_t i = 0; i < ZT_CTL_MAX_IPS; i++) {
        m.ips[i].family = 4;
        m.ips[i].ip[0] = 10;
        m.ips[i].ip[3] = (uint8_t)(i + 1);
    }
    m.nips = ZT_CTL_MAX_IPS;
    for (size_t i = 0; i < ZT_CTL_MAX_TAGS; i++) {
        m.tags[i].id = (uint32_t)i;
        m.tags[i].value = UINT32_MAX - (uint32_t)i;
        m.caps[i] = (uint32_t)i * 7;
    }
    m.ntags = m.ncaps = ZT_CTL_MAX_TAGS;
    memset(m.identity, 'f', ZT_CTL_IDENTITY_MAX);
    m.identity[ZT_CTL_IDENTITY_MAX] = '\0';
    assert_int_equal(zt__store_put_member(f->st, &m), 0);
    assert_int_equal(zt__store_get_member(f->st, NWID1, m.id, &gm), 0);
    assert_mem_same(&m, &gm);
    zt__ctl_member_clear(&gm);
    zt__ctl_member_clear(&m);
}

static void t_partial_update(void **state)
{
    fixture *f = *state;
    zt_ctl_network n;
    zt_ctl_network_patch p;
    zt_ctl_member m;
    zt_ctl_member_patch mp;
    json_t *j;
    char err[256];

    /* The REST flow: load, apply the request, save.  Untouched fields survive the store. */
    load_rich_network(&n);
    assert_int_equal(zt__store_put_network(f->st, &n), 0);
    zt__ctl_network_clear(&n);
    j = parse("{\"multicastLimit\":\"100\"}");
    assert_int_equal(zt__ctl_network_patch_from_json(&p, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &n), 0);
    assert_int_equal(zt__ctl_network_patch_apply(&n, &p), 0);
    zt__ctl_network_patch_clear(&p);
    assert_int_equal(zt__store_save_network(f->st, &n, 1, NULL), 0);
    zt__ctl_network_clear(&n);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &n), 0);
    assert_int_equal(n.multicast_limit, 100);
    assert_int_equal(n.revision, 8);
    assert_int_equal(n.nroutes, 4);
    assert_int_equal(n.remote_trace_level, 2);
    assert_string_equal(n.name, "lab");
    zt__ctl_network_clear(&n);

    load_rich_member(&m);
    assert_int_equal(zt__store_put_member(f->st, &m), 0);
    zt__ctl_member_clear(&m);
    j = parse("{\"name\":\"renamed\"}");
    assert_int_equal(zt__ctl_member_patch_from_json(&mp, j, err, sizeof(err)), 0);
    json_decref(j);
    assert_int_equal(zt__store_get_member(f->st, NWID1, 0xabcdef0123ULL, &m), 0);
    zt__ctl_member_patch_apply(&m, &mp, 99);
    zt__ctl_member_patch_clear(&mp);
    assert_int_equal(zt__store_save_member(f->st, &m, 99, NULL), 0);
    zt__ctl_member_clear(&m);
    assert_int_equal(zt__store_get_member(f->st, NWID1, 0xabcdef0123ULL, &m), 0);
    assert_string_equal(m.name, "renamed");
    assert_true(m.authorized);
    assert_int_equal(m.nips, 2);
    assert_int_equal(m.revision, 4);
    assert_string_equal(m.identity, "abcdef0123:0:aabb");
    zt__ctl_member_clear(&m);
}

static void t_transactions(void **state)
{
    fixture *f = *state;
    zt_ctl_network n;
    int rv;

    assert_int_equal(zt__store_commit(f->st), ZT_ERR_INVAL);
    assert_int_equal(zt__store_rollback(f->st), ZT_ERR_INVAL);
    assert_int_equal(zt__store_begin(f->st), 0);
    assert_int_equal(zt__store_begin(f->st), ZT_ERR_INVAL); /* no nesting */
    put_network(f->st, NWID1, "one");
    put_member(f->st, NWID1, 0x1111111111ULL, true);
    assert_int_equal(zt__store_commit(f->st), 0);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &n), 0);
    zt__ctl_network_clear(&n);

    assert_int_equal(zt__store_begin(f->st), 0);
    put_network(f->st, NWID2, "two");
    assert_int_equal(zt__store_delete_network(f->st, NWID1), 0);
    rv = zt__store_rollback(f->st);
    if (f->be->can_rollback) {
        assert_int_equal(rv, 0);
        assert_int_equal(zt__store_get_network(f->st, NWID2, &n), ZT_ERR_NOTFOUND);
        zt__ctl_network_clear(&n);
        assert_int_equal(zt__store_get_network(f->st, NWID1, &n), 0);
        zt__ctl_network_clear(&n);
        zt_ctl_member m;
        assert_int_equal(zt__store_get_member(f->st, NWID1, 0x1111111111ULL, &m), 0);
        zt__ctl_member_clear(&m);
    } else {
        /* write-through: refused with a sentence, the changes are kept */
        assert_int_equal(rv, ZT_ERR_UNSUPPORTED);
        assert_non_null(strstr(zt__store_errmsg(f->st), "cannot roll back"));
        assert_int_equal(zt__store_get_network(f->st, NWID2, &n), 0);
        zt__ctl_network_clear(&n);
    }
    /* the transaction is over either way */
    assert_int_equal(zt__store_begin(f->st), 0);
    assert_int_equal(zt__store_commit(f->st), 0);
}

static zt_store *g_cb_store;

static int cb_writes(const zt_ctl_network *n, void *arg)
{
    zt_ctl_network got;
    int *results = arg;

    /* reads are allowed from a callback, writes and nested lists are not */
    results[0] = zt__store_get_network(g_cb_store, n->id, &got);
    zt__ctl_network_clear(&got);
    results[1] = zt__store_put_network(g_cb_store, n);
    results[2] = zt__store_list_networks(g_cb_store, see_network, &(seen){0});
    results[3] = zt__store_begin(g_cb_store);
    return 0;
}

static int cb_stop(const zt_ctl_member *m, void *arg)
{
    int *calls = arg;
    (void)m;
    return ++*calls == 2 ? 42 : 0;
}

static void t_iteration_rules(void **state)
{
    fixture *f = *state;
    int results[4] = {1, 1, 1, 1}, calls = 0;

    put_network(f->st, NWID1, "one");
    for (uint64_t i = 1; i <= 3; i++)
        put_member(f->st, NWID1, i, false);
    g_cb_store = f->st;
    assert_int_equal(zt__store_list_networks(f->st, cb_writes, results), 0);
    assert_int_equal(results[0], 0);
    assert_int_equal(results[1], ZT_ERR_INVAL);
    assert_int_equal(results[2], ZT_ERR_INVAL);
    assert_int_equal(results[3], ZT_ERR_INVAL);
    /* a non-zero callback value stops the listing and comes back as is */
    assert_int_equal(zt__store_list_members(f->st, NWID1, cb_stop, &calls), 42);
    assert_int_equal(calls, 2);
    /* and the store is usable afterwards */
    put_member(f->st, NWID1, 4, true);
}

static void t_reopen(void **state)
{
    fixture *f = *state;
    zt_ctl_network n, got;
    zt_ctl_member m, gm;
    seen s = {0};

    if (!f->be->persistent)
        skip();
    load_rich_network(&n);
    load_rich_member(&m);
    assert_int_equal(zt__store_put_network(f->st, &n), 0);
    assert_int_equal(zt__store_put_member(f->st, &m), 0);
    put_network(f->st, NWID_HI, "hi");
    for (uint64_t i = 1; i <= 50; i++)
        put_member(f->st, NWID_HI, i, i % 3 == 0);
    /* an open transaction at close is not a commit */
    assert_int_equal(zt__store_begin(f->st), 0);
    put_network(f->st, NWID2, "uncommitted");
    reopen(f);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &got), 0);
    assert_net_same(&n, &got);
    zt__ctl_network_clear(&got);
    assert_int_equal(zt__store_get_member(f->st, NWID1, m.id, &gm), 0);
    assert_mem_same(&m, &gm);
    zt__ctl_member_clear(&gm);
    assert_int_equal(zt__store_list_members(f->st, NWID_HI, see_member, &s), 0);
    assert_int_equal(s.count, 50);
    assert_int_equal(s.authorized, 16);
    if (f->be->can_rollback) {
        assert_int_equal(zt__store_get_network(f->st, NWID2, &got), ZT_ERR_NOTFOUND);
        zt__ctl_network_clear(&got);
    }
    zt__ctl_network_clear(&n);
    zt__ctl_member_clear(&m);
}

/* Crash safety: a child process writes and dies without closing the store (no flush, no
 * checkpoint, an open transaction); the parent reopens and finds every committed record. */
static void t_crash(void **state)
{
    fixture *f = *state;
    zt_ctl_network got;
    seen s = {0};
    pid_t pid;
    int status;

    if (!f->be->persistent)
        skip();
    zt__store_del(f->st); /* the child opens its own */
    f->st = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        zt_store *st = NULL;
        if (f->be->open(&st, f->dir) != 0)
            _exit(3);
        put_network(st, NWID1, "survives");
        for (uint64_t i = 1; i <= 20; i++)
            put_member(st, NWID1, i, true);
        if (zt__store_begin(st) != 0)
            _exit(4);
        put_network(st, NWID2, "in flight");
        _exit(0); /* no zt__store_del: as if killed */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(f->be->open(&f->st, f->dir), 0);
    assert_int_equal(zt__store_get_network(f->st, NWID1, &got), 0);
    assert_string_equal(got.name, "survives");
    zt__ctl_network_clear(&got);
    assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 20);
    if (f->be->can_rollback) {
        assert_int_equal(zt__store_get_network(f->st, NWID2, &got), ZT_ERR_NOTFOUND);
        zt__ctl_network_clear(&got);
    }
}

static void t_corrupt_record(void **state)
{
    fixture *f = *state;
    zt_ctl_member got;
    seen s = {0};
    static const char *const bad[] = {
        "{\"id\":\"abcdef01",                                      /* truncated */
        "[]",                                                      /* not an object */
        "{\"id\":\"1111111111\"}",                                 /* another member */
        "{\"id\":\"abcdef0123\",\"ipAssignments\":[1]}",           /* wrong type */
        "{\"id\":\"abcdef0123\",\"nwid\":\"0123456789000002\"}",   /* another network */
    };

    if (f->be->corrupt_member == NULL)
        skip();
    put_network(f->st, NWID1, "one");
    put_member(f->st, NWID1, 0x0000000001ULL, true);
    put_member(f->st, NWID1, 0xabcdef0123ULL, true);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (!f->be->corrupt_member(f->dir, NWID1, 0xabcdef0123ULL, bad[i]))
            continue; /* text this backend cannot hold (pg: not JSON) */
        assert_int_equal(zt__store_get_member(f->st, NWID1, 0xabcdef0123ULL, &got),
                         ZT_ERR_INVAL);
        zt__ctl_member_clear(&got);
        assert_non_null(strstr(zt__store_errmsg(f->st), "corrupt"));
        /* a listing stops at it with the error: the member is not silently missing */
        memset(&s, 0, sizeof(s));
        assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &s), ZT_ERR_INVAL);
        assert_non_null(strstr(zt__store_errmsg(f->st), "abcdef0123"));
    }
    /* the good one is still readable, and rewriting fixes the bad one */
    assert_int_equal(zt__store_get_member(f->st, NWID1, 1, &got), 0);
    zt__ctl_member_clear(&got);
    put_member(f->st, NWID1, 0xabcdef0123ULL, false);
    memset(&s, 0, sizeof(s));
    assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &s), 0);
    assert_int_equal(s.count, 2);
}

static void t_bulk(void **state)
{
    fixture *f = *state;
    size_t n = f->be->bulk;
    seen s = {.ordered = true};
    zt_ctl_member got;
    double t0, t1, t2, t3;

    put_network(f->st, NWID1, "big");
    t0 = now_sec();
    assert_int_equal(zt__store_begin(f->st), 0);
    /* addresses in a scrambled order */
    for (size_t i = 0; i < n; i++)
        put_member(f->st, NWID1, ((uint64_t)(i * 7919u % n) << 8) + 1, i % 4 != 0);
    assert_int_equal(zt__store_commit(f->st), 0);
    t1 = now_sec();
    assert_int_equal(zt__store_list_members(f->st, NWID1, see_member, &s), 0);
    t2 = now_sec();
    assert_int_equal(s.count, n);
    assert_true(s.ordered);
    assert_int_equal(s.authorized, n - (n + 3) / 4);
    for (size_t i = 0; i < 1000 && i < n; i++) {
        uint64_t id = ((uint64_t)((i * 104729u) % n) << 8) + 1;
        assert_int_equal(zt__store_get_member(f->st, NWID1, id, &got), 0);
        zt__ctl_member_clear(&got);
    }
    t3 = now_sec();
    print_message("[ %-6s ] %zu members: insert %.3f s, list %.3f s, %zu gets %.3f s\n",
                  f->be->name, n, t1 - t0, t2 - t1, n < 1000 ? n : 1000, t3 - t2);
    /* generous: catches a quadratic path, not a slow machine */
    assert_true(t1 - t0 < 60.0);
    assert_true(t2 - t1 < 30.0);
}

/* ---- the index: addresses in use, active bridges ------------------------------------------- */

static void put_ips(zt_store *st, uint64_t node, const char *ips, bool bridge)
{
    zt_ctl_member m;
    const char *p = ips;

    zt__ctl_member_init(&m, NWID1, node);
    while (*p != '\0') { /* space-separated addresses */
        size_t n = strcspn(p, " ");
        assert_int_equal(zt__ctl_ip_parse(&m.ips[m.nips++], p, n, false), 0);
        p += n + (p[n] == ' ');
    }
    m.active_bridge = bridge;
    assert_int_equal(zt__store_put_member(st, &m), 0);
    zt__ctl_member_clear(&m);
}

static bool used(zt_store *st, uint64_t nwid, const char *text)
{
    zt_ctl_ip ip;
    bool u = true;

    assert_int_equal(zt__ctl_ip_parse(&ip, text, strlen(text), false), 0);
    assert_int_equal(zt__store_ip_in_use(st, nwid, &ip, &u), 0);
    return u;
}

static size_t bridges(zt_store *st, uint64_t *ids)
{
    size_t n = 99;

    assert_int_equal(zt__store_active_bridges(st, NWID1, ids, 8, &n), 0);
    return n;
}

static void t_index(void **state)
{
    fixture *f = *state;
    uint64_t ids[8];

    assert_false(used(f->st, NWID1, "10.0.0.1")); /* unknown network: nothing in use */
    assert_int_equal(bridges(f->st, ids), 0);
    put_network(f->st, NWID1, "one");
    put_network(f->st, NWID2, "two");
    put_ips(f->st, 0x30, "10.0.0.1 fd00::1 10.0.0.1", true); /* listed twice: one entry */
    put_ips(f->st, 0x10, "10.0.0.1 10.0.0.2", false);         /* shared with 0x30 */
    put_ips(f->st, 0x20, "", true);
    assert_true(used(f->st, NWID1, "10.0.0.1") && used(f->st, NWID1, "10.0.0.2"));
    assert_true(used(f->st, NWID1, "fd00::1"));
    assert_false(used(f->st, NWID1, "10.0.0.3") || used(f->st, NWID1, "fd00::2"));
    assert_false(used(f->st, NWID2, "10.0.0.1")); /* per network */
    assert_false(used(f->st, NWID1, "::a00:1"));  /* family counts, not just the bytes */
    assert_int_equal(bridges(f->st, ids), 2);
    assert_true(ids[0] == 0x20 && ids[1] == 0x30); /* ascending */
    {
        size_t n = 99;
        assert_int_equal(zt__store_active_bridges(f->st, NWID1, ids, 1, &n), 0);
        assert_true(n == 1 && ids[0] == 0x20); /* at most |cap| */
    }
    /* a rewrite replaces the member's entries, whatever the other members hold */
    put_ips(f->st, 0x10, "10.0.0.9", true);
    assert_false(used(f->st, NWID1, "10.0.0.2"));
    assert_true(used(f->st, NWID1, "10.0.0.1") && used(f->st, NWID1, "10.0.0.9"));
    assert_int_equal(bridges(f->st, ids), 3);
    put_ips(f->st, 0x30, "fd00::1", false);
    assert_false(used(f->st, NWID1, "10.0.0.1"));
    assert_int_equal(bridges(f->st, ids), 2);
    /* a rolled-back write leaves the index as it was */
    if (f->be->can_rollback) {
        assert_int_equal(zt__store_begin(f->st), 0);
        put_ips(f->st, 0x20, "10.9.9.9", false);
        assert_int_equal(zt__store_delete_member(f->st, NWID1, 0x10), 0);
        assert_true(used(f->st, NWID1, "10.9.9.9")); /* seen inside the transaction */
        assert_false(used(f->st, NWID1, "10.0.0.9"));
        assert_int_equal(zt__store_rollback(f->st), 0);
        assert_false(used(f->st, NWID1, "10.9.9.9"));
        assert_true(used(f->st, NWID1, "10.0.0.9"));
        assert_int_equal(bridges(f->st, ids), 2);
        /* every kind of change at once: replaced, created, the network gone and back */
        assert_int_equal(zt__store_begin(f->st), 0);
        put_network(f->st, NWID1, "renamed");
        put_ips(f->st, 0x40, "10.4.4.4", true);
        put_ips(f->st, 0x30, "10.3.3.3", true);
        assert_int_equal(zt__store_delete_network(f->st, NWID1), 0);
        put_network(f->st, NWID1, "reborn");
        put_ips(f->st, 0x10, "10.1.1.1", false);
        assert_int_equal(zt__store_rollback(f->st), 0);
        {
            zt_ctl_network n;
            zt_ctl_member m;
            assert_int_equal(zt__store_get_network(f->st, NWID1, &n), 0);
            assert_string_equal(n.name, "one");
            zt__ctl_network_clear(&n);
            assert_int_equal(zt__store_get_member(f->st, NWID1, 0x40, &m), ZT_ERR_NOTFOUND);
            zt__ctl_member_clear(&m);
        }
        assert_true(used(f->st, NWID1, "10.0.0.9") && used(f->st, NWID1, "fd00::1"));
        assert_false(used(f->st, NWID1, "10.4.4.4") || used(f->st, NWID1, "10.3.3.3") ||
                     used(f->st, NWID1, "10.1.1.1"));
        assert_int_equal(bridges(f->st, ids), 2);
        assert_true(ids[0] == 0x10 && ids[1] == 0x20);
    }
    if (f->be->persistent) {
        reopen(f);
        assert_true(used(f->st, NWID1, "10.0.0.9") && used(f->st, NWID1, "fd00::1"));
        assert_false(used(f->st, NWID1, "10.0.0.1"));
        assert_int_equal(bridges(f->st, ids), 2);
    }
    /* deleting a member frees its addresses; deleting the network frees the rest */
    assert_int_equal(zt__store_delete_member(f->st, NWID1, 0x10), 0);
    assert_false(used(f->st, NWID1, "10.0.0.9"));
    assert_int_equal(bridges(f->st, ids), 1);
    assert_true(ids[0] == 0x20);
    assert_int_equal(zt__store_delete_network(f->st, NWID1), 0);
    assert_false(used(f->st, NWID1, "fd00::1"));
    assert_int_equal(bridges(f->st, ids), 0);
    put_network(f->st, NWID1, "again");
    assert_false(used(f->st, NWID1, "fd00::1"));
    assert_int_equal(bridges(f->st, ids), 0);
}

/* ---- runner ---------------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    CMUnitTestFunction fn;
} shared_case;

static const shared_case shared[] = {
    {"network_crud", t_network_crud},
    {"member_crud", t_member_crud},
    {"list_order", t_list_order},
    {"delete_cascades", t_delete_cascades},
    {"bounds_roundtrip", t_bounds_roundtrip},
    {"save_revisions", t_save_revisions},
    {"save_cas", t_save_cas},
    {"save_cas_split", t_save_cas_split},
    {"save_network_if", t_save_network_if},
    {"get_request", t_get_request},
    {"partial_update", t_partial_update},
    {"transactions", t_transactions},
    {"iteration_rules", t_iteration_rules},
    {"reopen", t_reopen},
    {"crash", t_crash},
    {"corrupt_record", t_corrupt_record},
    {"bulk", t_bulk},
    {"index", t_index},
};
#define NSHARED (sizeof(shared) / sizeof(shared[0]))

/* test_store [BACKEND...]: the shared suite on the backends named, or on every backend that
 * needs no server (pg runs as `tests/pg/pg_temp.sh test_store pg`, ctest pg.test_store_pg_shared;
 * without a server to run on it exits 77, ctest's "skipped"). */
int main(int argc, char **argv)
{
    static struct CMUnitTest shared_tests[NBACKENDS * NSHARED];
    static char names[NBACKENDS * NSHARED][64];
    size_t k = 0;

    for (size_t b = 0; b < NBACKENDS; b++) {
        bool wanted = argc <= 1 && !backends[b].needs_server;
        for (int a = 1; a < argc; a++)
            wanted = wanted || strcmp(argv[a], backends[b].name) == 0;
        if (!wanted)
            continue;
        if (backends[b].needs_server && pg_test_conninfo() == NULL) {
            fprintf(stderr, "SKIP: the %s backend needs a server: ZT_TEST_PG is not set (run "
                            "under tests/pg/pg_temp.sh)\n", backends[b].name);
            return 77;
        }
        for (size_t c = 0; c < NSHARED; c++, k++) {
            snprintf(names[k], sizeof(names[k]), "%s/%s", backends[b].name, shared[c].name);
            shared_tests[k] = (struct CMUnitTest){
                .name = names[k],
                .test_func = shared[c].fn,
                .setup_func = setup,
                .teardown_func = teardown,
                .initial_state = (void *)&backends[b],
            };
        }
    }
    if (k == 0) {
        fprintf(stderr, "usage: %s [mem|sqlite|json|rt|pg...]\n", argv[0]);
        return 2;
    }
    return _cmocka_run_group_tests("shared store suite", shared_tests, k, NULL, NULL);
}
