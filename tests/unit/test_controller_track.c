/*
 * Unit tests for the controller's member table (src/controller/controller_track.c): lookups,
 * additions, eviction of the entry with the least recent request when full, per-network
 * walks and forgetting a network, checked against a plain array model over thousands of
 * random operations (many keys colliding in the hash index, slots freed and reused).  And
 * the address probe's guesses (zt__controller_first_candidates): the addresses pool
 * allocation takes first when they are free.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "controller/controller_internal.h"
#include "controller/controller_object.h"
#include "codec/netconf.h"

#define MAX 97     /* the table's bound: not a power of two, smaller than the keys */
#define NETS 5
#define NODES 60

typedef struct model_entry {
    uint64_t nwid, node;
    uint64_t order; /* of the last get (new) or touch: larger is more recent */
} model_entry;

typedef struct model {
    model_entry e[MAX];
    size_t n;
    uint64_t clock;
} model;

/* A splitmix64 step: the operations' random source, seeded for a repeatable run. */
static uint64_t next_rand(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static zt_controller *table_new(size_t max)
{
    zt_controller *ctl = calloc(1, sizeof(*ctl));

    assert_non_null(ctl);
    zt__controller_tracks_init(ctl);
    ctl->max_tracked = max;
    return ctl;
}

static void table_del(zt_controller *ctl)
{
    zt__controller_tracks_free(ctl);
    free(ctl);
}

static model_entry *model_find(model *m, uint64_t nwid, uint64_t node)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->e[i].nwid == nwid && m->e[i].node == node)
            return &m->e[i];
    return NULL;
}

static void model_remove(model *m, size_t i)
{
    m->e[i] = m->e[--m->n];
}

/* get: a new key evicts the least recent entry when the model is full. */
static void model_get(model *m, uint64_t nwid, uint64_t node)
{
    model_entry *e = model_find(m, nwid, node);

    if (e != NULL)
        return;
    if (m->n == MAX) {
        size_t oldest = 0;
        for (size_t i = 1; i < m->n; i++)
            if (m->e[i].order < m->e[oldest].order)
                oldest = i;
        model_remove(m, oldest);
    }
    m->e[m->n].nwid = nwid;
    m->e[m->n].node = node;
    m->e[m->n].order = ++m->clock;
    m->n++;
}

/* The table holds exactly the model's keys; a walk of each network finds its entries. */
static void check_same(const zt_controller *ctl, const model *m)
{
    size_t walked = 0;

    assert_int_equal(ctl->ntracks, m->n);
    for (size_t i = 0; i < m->n; i++) {
        const zt_ctl_track *t = zt__controller_track_find(ctl, m->e[i].nwid, m->e[i].node);
        assert_non_null(t);
        assert_true(t->nwid == m->e[i].nwid && t->node == m->e[i].node);
    }
    for (uint64_t net = 1; net <= NETS; net++) {
        for (size_t i = zt__controller_track_next(ctl, net, 0); i < ctl->nslots;
             i = zt__controller_track_next(ctl, net, i + 1)) {
            assert_true(ctl->tracks[i].nwid == net);
            assert_non_null(model_find((model *)m, net, ctl->tracks[i].node));
            walked++;
        }
    }
    assert_int_equal(walked, m->n);
}

static void test_random_against_model(void **state)
{
    zt_controller *ctl = table_new(MAX);
    model *m = calloc(1, sizeof(*m));
    uint64_t seed = 0x5eed;

    (void)state;
    assert_non_null(m);
    for (int step = 0; step < 20000; step++) {
        uint64_t r = next_rand(&seed);
        uint64_t nwid = 1 + r % NETS, node = 0x100 + (r >> 8) % NODES;
        unsigned op = (unsigned)((r >> 32) % 100);
        zt_ctl_track *t;

        if (op < 60) { /* a request: get, then touch (as handle_request does) */
            assert_int_equal(zt__controller_track_get(ctl, nwid, node, &t), 0);
            assert_true(t->nwid == nwid && t->node == node && t->used);
            model_get(m, nwid, node);
            zt__controller_track_touch(ctl, t, step + 1);
            model_find(m, nwid, node)->order = ++m->clock;
            assert_true(t->last_request == step + 1);
        } else if (op < 97) { /* a lookup */
            t = zt__controller_track_find(ctl, nwid, node);
            assert_true((t != NULL) == (model_find(m, nwid, node) != NULL));
        } else { /* a network forgotten */
            zt__controller_forget_network(ctl, nwid);
            for (size_t i = m->n; i-- > 0;)
                if (m->e[i].nwid == nwid)
                    model_remove(m, i);
        }
        if (step % 97 == 0)
            check_same(ctl, m);
    }
    check_same(ctl, m);
    assert_true(ctl->stats.tracked_evicted > 0);
    assert_true(ctl->nslots <= MAX);
    free(m);
    table_del(ctl);
}

/* Many entries (the index rebuilt as the slots grow); the least recent goes first. */
static void test_grow_and_evict_order(void **state)
{
    const size_t max = 5000;
    zt_controller *ctl = table_new(max);
    zt_ctl_track *t;

    (void)state;
    for (uint64_t k = 0; k < max; k++) {
        assert_int_equal(zt__controller_track_get(ctl, 7, k, &t), 0);
        zt__controller_track_touch(ctl, t, (int64_t)k + 1);
    }
    assert_int_equal(ctl->ntracks, max);
    /* node 0 asks again: now node 1 is the least recent */
    t = zt__controller_track_find(ctl, 7, 0);
    assert_non_null(t);
    zt__controller_track_touch(ctl, t, 100000);
    assert_int_equal(zt__controller_track_get(ctl, 8, 1, &t), 0);
    zt__controller_track_touch(ctl, t, 100001);
    assert_null(zt__controller_track_find(ctl, 7, 1));
    assert_non_null(zt__controller_track_find(ctl, 7, 0));
    assert_non_null(zt__controller_track_find(ctl, 7, 2));
    assert_int_equal(ctl->ntracks, max);
    assert_int_equal(ctl->stats.tracked_evicted, 1);
    /* forgetting network 7 leaves network 8's one entry, whose slot is the freed one */
    zt__controller_forget_network(ctl, 7);
    assert_int_equal(ctl->ntracks, 1);
    assert_non_null(t = zt__controller_track_find(ctl, 8, 1));
    assert_int_equal(zt__controller_track_next(ctl, 0, 0), (size_t)(t - ctl->tracks));
    assert_int_equal(zt__controller_track_next(ctl, 7, 0), ctl->nslots);
    /* and the freed slots are reused: no growth past the bound */
    for (uint64_t k = 0; k < max; k++)
        assert_int_equal(zt__controller_track_get(ctl, 9, k, &t), 0);
    assert_true(ctl->nslots <= max);
    assert_int_equal(ctl->ntracks, max);
    table_del(ctl);
}

static int all_free(void *arg, const zt_ctl_ip *ip, bool *pused)
{
    (void)arg;
    (void)ip;
    *pused = false;
    return 0;
}

static uint64_t no_chance(void *arg)
{
    (void)arg;
    return 12345;
}

static void set_ip(zt_ctl_ip *ip, const char *text, bool bits)
{
    assert_int_equal(zt__ctl_ip_parse(ip, text, strlen(text), bits), 0);
}

/* For several members: the guesses are the addresses assign_ips picks from free pools (one
 * IPv6 pool keyed by the address, one IPv4 pool, start and end on .255 boundaries). */
static void test_first_candidates(void **state)
{
    zt_ctl_network *net = calloc(1, sizeof(*net));
    const uint64_t ids[] = {0x1000000005ULL, 0x10000000feULL, 0x20000000ffULL, 0x3fffffffffULL};
    zt_ctl_netinfo info = {.ip_used = all_free};

    (void)state;
    assert_non_null(net);
    assert_int_equal(zt__ctl_network_init(net, 0x1234567890000001ULL), 0);
    net->v4_zt = net->v6_zt = true;
    net->nroutes = 2;
    set_ip(&net->routes[0].target, "10.20.0.0/16", true);
    set_ip(&net->routes[1].target, "fd00:1::/64", true);
    net->npools = 2;
    set_ip(&net->pools[0].start, "fd00:1::", false);
    set_ip(&net->pools[0].end, "fd00:1::ffff:ffff:ffff", false);
    set_ip(&net->pools[1].start, "10.20.0.0", false);
    set_ip(&net->pools[1].end, "10.20.1.255", false);
    for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
        zt_ctl_ip guess[ZT_STORE_PROBE_MAX];
        zt_ctl_member m;
        zt_netconf nc;
        bool ndp = false;
        size_t n = zt__controller_first_candidates(true, true, net->pools, net->npools, ids[k],
                                                   guess, ZT_STORE_PROBE_MAX);
        assert_int_equal(n, 2);
        zt__ctl_member_init(&m, net->id, ids[k]);
        zt__netconf_init(&nc, NULL);
        assert_int_equal(zt__controller_assign_ips(net, &m, &info, &nc, &ndp, no_chance, NULL),
                         0);
        assert_int_equal(m.nips, 2);
        for (size_t i = 0; i < 2; i++) {
            assert_int_equal(m.ips[i].family, guess[i].family);
            assert_memory_equal(m.ips[i].ip, guess[i].ip, guess[i].family == 4 ? 4 : 16);
        }
        zt__netconf_clear(&nc);
        zt__ctl_member_clear(&m);
    }
    /* without the modes, or with a pool that draws by chance: no guess */
    {
        zt_ctl_ip guess[ZT_STORE_PROBE_MAX];
        assert_int_equal(zt__controller_first_candidates(false, false, net->pools, net->npools,
                                                         ids[0], guess, ZT_STORE_PROBE_MAX),
                         0);
        set_ip(&net->pools[0].end, "fd00:1::ff", false);
        assert_int_equal(zt__controller_first_candidates(true, true, net->pools, net->npools,
                                                         ids[0], guess, ZT_STORE_PROBE_MAX),
                         1);
        assert_int_equal(guess[0].family, 4);
    }
    zt__ctl_network_clear(net);
    free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_grow_and_evict_order),
        cmocka_unit_test(test_first_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
