/*
 * Unit tests for the controller on the store's per-network index (controller.md §3 `S`,
 * §3.5-§3.6): pool allocation never hands out an address that another member record lists
 * (authorised or not), across restarts, after ipAssignments changes through the API and after
 * deletes; active bridges follow the API.  Runs through the embedding API (zts_controller_*)
 * on each store kind; the persistent ones are closed and reopened between steps.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "controller_testutil.h"

#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

/* Public network NWID_PUB: pool 10.20.0.0-10.20.0.80 (len 80), route /16.  A member whose
 * address has k (< 80) in its low 32 bits tries 10.20.0.k first, then k+1, ... (§3.6). */
#define BASE 0x1000000000ULL

typedef struct env {
    int kind;
    char dir[64], path[128];
    zts_controller *api;
    fixture f; /* ctl_id, cap and out for request(); f.ctl borrowed from |api| */
    uint64_t seed;
    int64_t now;
    uint64_t pid;
    zt_identity ids[16]; /* one key per member: the controller pins the first it sees */
    size_t nids;
} env;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    (void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void env_open(env *e)
{
    zts_controller_config cfg;

    zts_controller_config_default(&cfg);
    cfg.identity_secret = controller_secret;
    cfg.store_kind = e->kind;
    cfg.store_path = e->kind == ZTS_CONTROLLER_STORE_MEMORY ? NULL : e->path;
    cfg.random_u64 = seq_random;
    cfg.random_arg = &e->seed;
    assert_int_equal(zts_controller_new(&e->api, &cfg), ZTS_CONTROLLER_OK);
    e->f.ctl = zt__controller_of(e->api);
}

/* A controller restart: everything but the store is forgotten. */
static void env_restart(env *e)
{
    if (e->kind == ZTS_CONTROLLER_STORE_MEMORY)
        return;
    cap_reset(&e->f.cap);
    zts_controller_del(e->api);
    env_open(e);
}

static void env_init(env *e, int kind)
{
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->seed = 7;
    e->now = T0;
    e->pid = 100;
    snprintf(e->dir, sizeof(e->dir), "/tmp/zt-ctl-index.XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->path, sizeof(e->path), "%s/%s", e->dir,
             kind == ZTS_CONTROLLER_STORE_SQLITE ? "controller.sqlite3" : "controller.d");
    assert_int_equal(zt__identity_from_string(&e->f.ctl_id, controller_secret,
                                              strlen(controller_secret)), 0);
    e->f.out.send = cap_send;
    e->f.out.arg = &e->f.cap;
    env_open(e);
    assert_int_equal(zts_controller_network_set(e->api, NWID_PUB, net_pub_json, T0, NULL),
                     ZTS_CONTROLLER_OK);
}

static void env_clear(env *e)
{
    cap_reset(&e->f.cap);
    zts_controller_del(e->api);
    rm_tree(e->dir);
}

/* |node| asks for its config: returns the last octet of the IPv4 address it got and, in
 * *pbridge (may be NULL), the first active bridge listed (0: none). */
static unsigned ask(env *e, uint64_t node, uint64_t *pbridge)
{
    zt_controller_result res;
    zt_identity *id = NULL;
    zt_netconf nc;
    unsigned octet = 0;

    for (size_t i = 0; i < e->nids && id == NULL; i++) {
        if (e->ids[i].address == node)
            id = &e->ids[i];
    }
    if (id == NULL) {
        assert_true(e->nids < 16);
        id = &e->ids[e->nids++];
        fake_identity(id, node);
    }
    e->now += 10000;
    e->pid++;
    assert_int_equal(request(&e->f, id, NWID_PUB, e->pid, e->now, &res), 0);
    assert_int_equal(res, ZT_CTL_RESULT_CONFIG);
    reassemble(&e->f, NWID_PUB, e->pid, &nc);
    for (unsigned i = 0; i < nc.n_static_ips; i++) {
        if (nc.static_ips[i].family == 4) {
            assert_int_equal(zt__load_be(nc.static_ips[i].ip, 3), 0x0a1400);
            octet = nc.static_ips[i].ip[3];
        }
    }
    if (pbridge != NULL) {
        *pbridge = 0;
        if (nc.n_specialists > 0) {
            assert_true(nc.specialists[0] & ZT_SPECIALIST_ROLE_ACTIVE_BRIDGE);
            *pbridge = nc.specialists[0] & ZT_SPECIALIST_ADDRESS_MASK;
        }
    }
    zt__netconf_clear(&nc);
    return octet;
}

static void set_member(env *e, uint64_t node, const char *json)
{
    e->now += 10000;
    assert_int_equal(zts_controller_member_set(e->api, NWID_PUB, node, json, e->now, NULL),
                     ZTS_CONTROLLER_OK);
}

static void run_index_scenario(int kind)
{
    const uint64_t a = BASE + 5, b = BASE + 85, c = BASE + 165, d = BASE + 245;
    uint64_t bridge;
    env e;

    env_init(&e, kind);
    assert_int_equal(ask(&e, a, NULL), 5);
    env_restart(&e);
    assert_int_equal(ask(&e, b, NULL), 6); /* .5 is recorded for a */
    /* a de-authorised member keeps its addresses in the allocated set (§3.5 step 3) */
    e.now += 10000;
    assert_int_equal(zts_controller_member_set_authorized(e.api, NWID_PUB, a, false, e.now),
                     ZTS_CONTROLLER_OK);
    env_restart(&e);
    assert_int_equal(ask(&e, c, NULL), 7);
    /* a's addresses changed through the API: .5 is free, .50 is not */
    set_member(&e, a, "{\"ipAssignments\":[\"10.20.0.50\"]}");
    env_restart(&e);
    assert_int_equal(ask(&e, d, NULL), 5);
    assert_int_equal(ask(&e, BASE + 50, NULL), 51);
    /* deleting a member frees its addresses */
    e.now += 10000;
    assert_int_equal(zts_controller_member_delete(e.api, NWID_PUB, a, e.now), ZTS_CONTROLLER_OK);
    env_restart(&e);
    assert_int_equal(ask(&e, BASE + 130, NULL), 50);

    /* active bridges (§3 `S`) follow the member records, authorised or not */
    assert_int_equal(ask(&e, BASE + 20, &bridge), 20);
    assert_int_equal(bridge, 0);
    set_member(&e, b, "{\"activeBridge\":true,\"authorized\":false}");
    env_restart(&e);
    ask(&e, BASE + 20, &bridge);
    assert_true(bridge == b);
    set_member(&e, b, "{\"activeBridge\":false}");
    env_restart(&e);
    ask(&e, BASE + 20, &bridge);
    assert_int_equal(bridge, 0);
    env_clear(&e);
}

static void test_index_sqlite(void **state)
{
    (void)state;
    run_index_scenario(ZTS_CONTROLLER_STORE_SQLITE);
}

static void test_index_json(void **state)
{
    (void)state;
    run_index_scenario(ZTS_CONTROLLER_STORE_JSON);
}

static void test_index_memory(void **state)
{
    (void)state;
    run_index_scenario(ZTS_CONTROLLER_STORE_MEMORY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_sqlite),
        cmocka_unit_test(test_index_json),
        cmocka_unit_test(test_index_memory),
    };
    if (zt__crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
