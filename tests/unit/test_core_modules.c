/*
 * test_core_modules.c: the lower modules of src/core on their own (docs/internals/node.md,
 * "Layers"): topology and the upstream peers, peer paths and the contact gate, lookup's
 * queues and the peer cache, membership records and the list of joined networks, the token
 * bucket; and allocation-failure runs of zt__node_new and zt__node_join.  One node, no
 * network: datagrams and events go to recording callbacks, and the tests call the modules
 * directly.
 */
#include "testutil.h"

#include "codec/identity.h"
#include "codec/inetaddr.h"
#include "codec/peercache.h"
#include "core/idcheck.h"
#include "core/lookup.h"
#include "core/membership.h"
#include "core/node_internal.h"
#include "core/peer.h"
#include "core/topology.h"
#include "failmem.h"
#include "memworld.h"

#define T0 1000000
#define NWID 0x1122334455000001ULL

typedef struct {
    unsigned sent;
    zt_inetaddr last_to;
    unsigned events[MW_EVENT_TYPES];
    uint8_t cache[ZT_PEERCACHE_MAX_LEN]; /* the one peer cache record the store holds */
    size_t cache_len;
    uint64_t cache_id;
} rec;

static zt_identity self_id, root_id, other_id, cached_id;
static mw_node root_at; /* the planet's root: its identity at 127.0.0.1:9993 */
static uint8_t planet[ZT_WORLD_MAX_SERIALIZED];
static size_t planet_len;

static int on_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                   size_t len, unsigned ttl)
{
    rec *r = user;
    (void)local_socket, (void)data, (void)len, (void)ttl;
    r->sent++;
    r->last_to = *to;
    return 0;
}

static void on_event(void *user, const zt_node_event *ev)
{
    rec *r = user;
    if ((unsigned)ev->type < MW_EVENT_TYPES)
        r->events[ev->type]++;
}

static zt_ssize on_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf,
                             size_t cap)
{
    rec *r = user;
    if (type != ZT_STATE_PEER || id != r->cache_id || r->cache_len == 0 || cap < r->cache_len)
        return ZT_ERR_NOTFOUND;
    memcpy(buf, r->cache, r->cache_len);
    return (zt_ssize)r->cache_len;
}

static void addr4(zt_inetaddr *a, uint8_t last, uint16_t port)
{
    const uint8_t ip[4] = {127, 0, 0, last};
    zt__inetaddr_set4(a, ip, port);
}

static int group_setup(void **state)
{
    zt_identity *ids[4] = {&self_id, &root_id, &other_id, &cached_id};
    zt_ssize len;

    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(zt__identity_generate(ids[i], NULL), 0);
    root_at.id = root_id;
    addr4(&root_at.addr, 1, 9993);
    len = mw_world_write(ZT_WORLD_TYPE_PLANET, 0x1234, 1, &root_at, planet, sizeof(planet));
    planet_len = (size_t)len;
    return 0;
}

static zt_node *node_with(rec *r, const zt_mem *mem, int *prv)
{
    zt_node_config cfg;
    zt_node_callbacks cb = {.user = r, .send = on_send, .event = on_event,
                            .state_get = on_state_get};
    zt_node *n = NULL;

    zt__node_config_default(&cfg);
    cfg.identity = &self_id;
    cfg.planet = planet;
    cfg.planet_len = planet_len;
    cfg.allow_loopback_paths = true;
    cfg.peer_cache = true;
    cfg.mem = mem;
    *prv = zt__node_new(&n, &cfg, &cb, T0);
    return n;
}

static zt_node *node_new(rec *r)
{
    int rv;
    zt_node *n;

    memset(r, 0, sizeof(*r));
    n = node_with(r, NULL, &rv);
    assert_int_equal(rv, 0);
    return n;
}

/* topology.c names the upstreams, peer.c makes peers of them. */
static void test_topology_and_upstream_peers(void **state)
{
    rec r;
    zt_node *n = node_new(&r);
    const zt_world_root *root;
    zt_peer *p;

    (void)state;
    assert_int_equal(n->nupstreams, 1);
    assert_true(zt__topology_is_upstream(n, root_id.address));
    assert_false(zt__topology_is_upstream(n, other_id.address));
    assert_false(n->is_root);
    root = zt__topology_root(n, root_id.address);
    assert_non_null(root);
    assert_int_equal(root->nendpoints, 1);
    assert_true(zt__inetaddr_equal(&root->endpoints[0], &root_at.addr));
    p = zt__peer_find(n, root_id.address);
    assert_non_null(p);
    assert_true(p->is_upstream);
    assert_null(zt__peer_find(n, other_id.address));
    /* Nothing was sent: contacting the root is node.c's timer, not topology's or peer's. */
    assert_int_equal(r.sent, 0);
    assert_null(zt__peer_best_upstream(n, T0)); /* no path yet */
    zt__node_del(n);
}

/* A new address earns a HELLO (returned, rate-gated, never sent by peer.c); an OK makes it a
 * path, raises PATH_DISCOVERED and PEER_DIRECT. */
static void test_peer_paths_and_contact_gate(void **state)
{
    rec r;
    zt_node *n = node_new(&r);
    zt_peer *p = zt__peer_add(n, &other_id, T0);
    zt_inetaddr a, b, link_local;
    const uint8_t ll[4] = {169, 254, 1, 1};

    (void)state;
    assert_non_null(p);
    assert_false(p->is_upstream);
    addr4(&a, 2, 9993);
    addr4(&b, 3, 9993);
    zt__inetaddr_set4(&link_local, ll, 9993);
    assert_true(zt__peer_received(n, p, 0, &a, 0, ZT_VERB_FRAME, T0));
    assert_false(zt__peer_received(n, p, 0, &a, 0, ZT_VERB_FRAME, T0 + 10));
    assert_true(zt__peer_received(n, p, 0, &a, 0, ZT_VERB_FRAME, T0 + ZT_NEW_PATH_CONTACT_LIMIT));
    assert_false(zt__peer_received(n, p, 0, &link_local, 0, ZT_VERB_FRAME, T0));
    assert_false(zt__peer_received(n, p, 0, &b, 1, ZT_VERB_FRAME, T0)); /* relayed: no path */
    assert_null(zt__peer_find_path(p, 0, &a));
    assert_int_equal(r.sent, 0);

    assert_false(zt__peer_received(n, p, 0, &a, 0, ZT_VERB_OK, T0 + 2000));
    assert_non_null(zt__peer_find_path(p, 0, &a));
    assert_ptr_equal(zt__peer_best_path(p, T0 + 2000, true), zt__peer_find_path(p, 0, &a));
    assert_int_equal(r.events[ZT_NODE_EVENT_PATH_DISCOVERED], 1);
    assert_int_equal(r.events[ZT_NODE_EVENT_PEER_DIRECT], 1);
    assert_int_equal(r.events[ZT_NODE_EVENT_PEER_RELAY], 1); /* the relayed packet before */
    assert_true(zt__peer_path_alive(zt__peer_find_path(p, 0, &a), T0 + 2000));
    assert_false(
        zt__peer_path_alive(zt__peer_find_path(p, 0, &a), T0 + 2000 + ZT_PATH_ALIVE_WINDOW));
    zt__peer_remove(n, p, false);
    assert_null(zt__peer_find(n, other_id.address));
    zt__node_del(n);
}

/* The embedder's path_check sees every candidate address after the node's own checks, with
 * the peer it is for, and a refusal keeps the address out (local.conf's blacklists). */
static uint64_t refused_peer;
static zt_inetaddr refused_net;

static bool refuse_net(void *user, uint64_t peer, const zt_inetaddr *addr)
{
    (void)user;
    return !(peer == refused_peer && zt__inetaddr_in_net(addr, &refused_net));
}

static void test_path_check(void **state)
{
    rec r;
    zt_node *n = node_new(&r);
    zt_peer *p = zt__peer_add(n, &other_id, T0);
    zt_inetaddr in, out, v6;
    const uint8_t ip6[16] = {0xfd, 1};

    (void)state;
    addr4(&refused_net, 0, 24); /* 127.0.0.0/24 */
    addr4(&in, 77, 9993);
    zt__inetaddr_set4(&out, (const uint8_t[4]){127, 0, 1, 1}, 9993);
    zt__inetaddr_set6(&v6, ip6, 9993);
    assert_true(zt__inetaddr_in_net(&in, &refused_net));
    assert_false(zt__inetaddr_in_net(&out, &refused_net));
    assert_false(zt__inetaddr_in_net(&v6, &refused_net)); /* another family */
    refused_net.port = 33;                                /* no such prefix */
    assert_false(zt__inetaddr_in_net(&in, &refused_net));
    refused_net.port = 24;

    assert_true(zt__peer_path_acceptable(n, p, &in)); /* no callback yet */
    n->cb.path_check = refuse_net;
    refused_peer = other_id.address;
    assert_false(zt__peer_path_acceptable(n, p, &in));
    assert_true(zt__peer_path_acceptable(n, p, &out));
    assert_false(zt__peer_received(n, p, 0, &in, 0, ZT_VERB_OK, T0 + 2000));
    assert_null(zt__peer_find_path(p, 0, &in));
    refused_peer = root_id.address; /* a rule for another peer leaves this one alone */
    assert_true(zt__peer_path_acceptable(n, p, &in));
    zt__node_del(n);
}

/* A payload for an unknown peer waits and asks the upstream; it comes out once the peer is
 * known; an entry whose time is up is dropped and counted; WHOIS gives up with an event. */
static void test_lookup_queues(void **state)
{
    rec r;
    zt_node *n = node_new(&r);
    zt_peer *root = zt__peer_find(n, root_id.address);
    const uint8_t payload[3] = {1, 2, 3};
    zt_queued *q;

    (void)state;
    (void)zt__peer_received(n, root, 0, &root_at.addr, 0, ZT_VERB_OK, T0); /* a path to it */
    assert_ptr_equal(zt__peer_best_upstream(n, T0), root);
    assert_int_equal(zt__lookup_queue_tx(n, other_id.address, ZT_VERB_USER_MESSAGE, payload,
                                         sizeof(payload), T0),
                     0);
    assert_int_equal(r.sent, 1); /* the WHOIS, to the root */
    assert_true(zt__inetaddr_equal(&r.last_to, &root_at.addr));
    assert_int_equal(n->counters.whois_sent, 1);
    assert_null(zt__lookup_take(n, false, T0 + 100));
    assert_non_null(zt__peer_add(n, &other_id, T0 + 100));
    q = zt__lookup_take(n, false, T0 + 100);
    assert_non_null(q);
    assert_int_equal(q->peer, other_id.address);
    assert_int_equal(q->verb, ZT_VERB_USER_MESSAGE);
    assert_int_equal(q->len, sizeof(payload));
    assert_memory_equal(q->data, payload, sizeof(payload));
    zt__mem_free(n->mem, q);
    assert_null(zt__lookup_take(n, false, T0 + 100));

    assert_int_equal(zt__lookup_queue_tx(n, cached_id.address, ZT_VERB_ECHO, NULL, 0, T0), 0);
    assert_null(zt__lookup_take(n, false, T0 + ZT_QUEUE_TIMEOUT - 1));
    assert_null(zt__lookup_take(n, false, T0 + ZT_QUEUE_TIMEOUT));
    assert_int_equal(n->counters.drop_unknown_peer, 1);
    assert_int_equal(n->ntxq, 0);
    zt__lookup_retry(n, T0 + ZT_QUEUE_TIMEOUT);
    assert_int_equal(r.events[ZT_NODE_EVENT_PEER_UNREACHABLE], 1);
    assert_int_equal(n->nwhois, 0);
    zt__node_del(n);
}

/* zt__lookup_peer loads a cached peer and greets its stored address; while a WHOIS for an
 * address is pending, the cache is not asked again. */
static void test_lookup_peer_cache(void **state)
{
    rec r;
    zt_node *n = node_new(&r);
    zt_peercache pc;
    zt_ssize len;
    zt_peer *p;

    (void)state;
    memset(&pc, 0, sizeof(pc));
    pc.identity = cached_id;
    zt__identity_clear(&pc.identity);
    pc.proto_version = 12;
    pc.npaths = 1;
    addr4(&pc.paths[0], 4, 9993);
    len = zt__peercache_write(&pc, r.cache, sizeof(r.cache));
    assert_true(len > 0);
    r.cache_len = (size_t)len;
    r.cache_id = cached_id.address;

    assert_null(zt__lookup_peer(n, other_id.address, T0)); /* not cached */
    zt__lookup_whois(n, cached_id.address, T0);            /* pending: the cache is skipped */
    assert_null(zt__lookup_peer(n, cached_id.address, T0));
    zt__lookup_clear(n);
    n->nwhois = 0;
    p = zt__lookup_peer(n, cached_id.address, T0);
    assert_non_null(p);
    assert_int_equal(p->proto, 12);
    assert_int_equal(r.sent, 1); /* a HELLO to the stored address */
    assert_true(zt__inetaddr_equal(&r.last_to, &pc.paths[0]));
    assert_ptr_equal(zt__lookup_peer(n, cached_id.address, T0), p);
    assert_int_equal(r.sent, 1);
    zt__node_del(n);
}

static void test_membership_records(void **state)
{
    rec r;
    zt_node *n = node_new(&r);
    zt_network *net;
    zt_membership *m;
    uint64_t ids[2];

    (void)state;

    assert_null(zt__membership_network(n, NWID));
    assert_int_equal(zt__node_join(n, NWID + 2, T0), 0);
    assert_int_equal(zt__node_join(n, NWID, T0), 0);
    assert_int_equal(zt__node_join(n, NWID + 1, T0), 0);
    assert_int_equal(zt__node_networks(n, NULL, 0), 3);
    assert_int_equal(zt__node_networks(n, ids, 2), 3); /* the two smallest, ascending */
    assert_int_equal(ids[0], NWID);
    assert_int_equal(ids[1], NWID + 1);
    net = zt__membership_network(n, NWID);
    assert_non_null(net);
    assert_null(zt__membership_find(n, net, 0x0102030405ULL, false));
    for (unsigned i = 0; i < ZT_MAX_MEMBERSHIPS; i++)
        assert_non_null(zt__membership_find(n, net, 0x0100000000ULL + i, true));
    assert_null(zt__membership_find(n, net, 0x0200000000ULL, true)); /* full */
    m = zt__membership_find(n, net, 0x0100000007ULL, false);
    assert_non_null(m);
    assert_int_equal(m->address, 0x0100000007ULL);
    assert_int_equal(net->nmembers, ZT_MAX_MEMBERSHIPS);
    zt__node_del(n);
}

static void test_budget(void **state)
{
    zt_budget b;
    unsigned taken = 0;

    (void)state;
    memset(&b, 0, sizeof(b));
    while (zt__idcheck_budget_take(&b, 8, 16, T0))
        taken++;
    assert_int_equal(taken, 16);                      /* the burst */
    assert_false(zt__idcheck_budget_take(&b, 8, 16, T0 + 124));
    assert_true(zt__idcheck_budget_take(&b, 8, 16, T0 + 125)); /* one per 125 ms at 8/s */
    assert_false(zt__idcheck_budget_take(&b, 8, 16, T0 + 125));
    assert_false(zt__idcheck_budget_take(&b, 8, 16, T0 - 10000)); /* a clock stepping back */
}

/* Every allocation zt__node_new makes fails in turn: NOMEM each time, nothing left behind. */
static void test_node_new_alloc_failures(void **state)
{
    failmem_state st;
    unsigned k;
    rec r;

    (void)state;
    for (k = 1;; k++) {
        zt_mem m = failmem_make(&st, k);
        int rv;
        zt_node *n;
        memset(&r, 0, sizeof(r));
        n = node_with(&r, &m, &rv);
        if (rv == 0) {
            assert_true(st.calls < k); /* every allocation succeeded */
            zt__node_del(n);
            assert_int_equal(st.live, 0);
            break;
        }
        assert_int_equal(rv, ZT_ERR_NOMEM);
        assert_null(n);
        assert_int_equal(st.live, 0);
    }
    assert_true(k > 2); /* node, defragmenter, worlds, upstream peer: several were tried */
}

/* Every allocation of a join (and the timer run after it) fails in turn: the join says NOMEM
 * and leaves no network, or it holds; either way the node frees everything at the end. */
static void test_join_alloc_failures(void **state)
{
    failmem_state st;
    unsigned k, failed = 0;
    rec r;

    (void)state;
    for (k = 1;; k++) {
        zt_mem m = failmem_make(&st, 0);
        zt_network_status status;
        unsigned before;
        int rv;
        zt_node *n;
        memset(&r, 0, sizeof(r));
        n = node_with(&r, &m, &rv);
        assert_int_equal(rv, 0);
        before = st.calls;
        st.fail_at = before + k;
        rv = zt__node_join(n, NWID, T0);
        (void)zt__node_process_timers(n, T0 + 1000);
        if (rv == 0) {
            assert_int_equal(zt__node_network_status(n, NWID, &status), 0);
        } else {
            assert_int_equal(rv, ZT_ERR_NOMEM);
            assert_int_equal(zt__node_network_status(n, NWID, &status), ZT_ERR_NOTFOUND);
            failed++;
        }
        zt__node_del(n);
        assert_int_equal(st.live, 0);
        if (st.calls < st.fail_at)
            break; /* this run reached its end without meeting the failure */
    }
    assert_true(failed >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topology_and_upstream_peers),
        cmocka_unit_test(test_peer_paths_and_contact_gate),
        cmocka_unit_test(test_lookup_queues),
        cmocka_unit_test(test_lookup_peer_cache),
        cmocka_unit_test(test_membership_records),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_path_check),
        cmocka_unit_test(test_node_new_alloc_failures),
        cmocka_unit_test(test_join_alloc_failures),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
