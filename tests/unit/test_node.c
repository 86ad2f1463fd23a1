/* The VL1 node on a tiny in-memory underlay: one root and three leaves with no NAT between
 * them.  The full simulation with loss and NATs lives in tests/sim; this suite pins down the
 * basic exchanges: coming online, WHOIS, USER_MESSAGE, ECHO, relay then direct paths. */
#include "testutil.h"

#include "core/configchunk.h"
#include "core/credential.h"
#include "core/node.h"
#include "core/packet.h"
#include "controller/controller.h"
#include "core/world.h"
#include "zts_controller.h"

#define NNODES 4
#define MAXQ 4096

typedef struct {
    int64_t at;
    int from, to;
    size_t len;
    uint8_t data[1500];
} dgram;

typedef struct {
    zt_node *node;
    zt_identity id;
    zt_inetaddr addr;
    int idx;
    unsigned online_events, direct_events, messages, echo_replies, world_updates;
    unsigned net_ok, net_not_found, net_down, net_req;
    char net_name[ZT_NETCONF_NAME_MAX + 1];
    unsigned frames;
    uint64_t frame_src, frame_dst;
    unsigned frame_type;
    char frame_data[64];
    uint64_t last_world;
    uint64_t last_message_from;
    char last_message[64];
} simnode;

static simnode nodes[NNODES];
static zts_controller *controller; /* beside node 3, from test_controller on */
static dgram *queue;
static size_t nq;
static int64_t now;

static int find_node(const zt_inetaddr *a)
{
    for (int i = 0; i < NNODES; i++)
        if (zt__inetaddr_equal(&nodes[i].addr, a))
            return i;
    return -1;
}

static int on_send(void *user, int64_t sock, const zt_inetaddr *to, const uint8_t *data,
                   size_t len, unsigned ttl)
{
    simnode *self = user;
    int dst = find_node(to);
    (void)sock;
    if (ttl != 0 || dst < 0 || len > sizeof(queue[0].data) || nq == MAXQ)
        return 0; /* hole-punch junk and strangers vanish */
    queue[nq].at = now + 5 + (int64_t)(nq % 3);
    queue[nq].from = self->idx;
    queue[nq].to = dst;
    queue[nq].len = len;
    memcpy(queue[nq].data, data, len);
    nq++;
    return 0;
}

static void on_frame(void *user, uint64_t nwid, uint64_t src, uint64_t dst, unsigned ethertype,
                     const uint8_t *data, size_t len)
{
    simnode *self = user;
    (void)nwid;
    self->frames++;
    self->frame_src = src;
    self->frame_dst = dst;
    self->frame_type = ethertype;
    snprintf(self->frame_data, sizeof(self->frame_data), "%.*s", (int)len, (const char *)data);
}

static int on_config_request(void *user, const zt_identity *requester, uint64_t packet_id,
                             const uint8_t *payload, size_t len, int64_t t,
                             int (*reply)(void *ctx, uint64_t dest, uint8_t verb,
                                          const uint8_t *payload, size_t len),
                             void *reply_ctx)
{
    simnode *self = user;
    zt_controller_out out = {.send = reply, .arg = reply_ctx};

    if (controller == NULL || self->idx != 3)
        return ZT_ERR_NOTFOUND;
    (void)zt_controller_handle_request(zt__controller_of(controller), requester, payload, len,
                                       packet_id, t, &out, NULL);
    return 0;
}

static void on_event(void *user, const zt_node_event *ev)
{
    simnode *self = user;
    switch (ev->type) {
    case ZT_NODE_EVENT_ONLINE:
        self->online_events++;
        break;
    case ZT_NODE_EVENT_PEER_DIRECT:
        self->direct_events++;
        break;
    case ZT_NODE_EVENT_USER_MESSAGE:
        self->messages++;
        self->last_message_from = ev->peer;
        snprintf(self->last_message, sizeof(self->last_message), "%.*s", (int)ev->len,
                 (const char *)ev->data);
        break;
    case ZT_NODE_EVENT_ECHO_REPLY:
        self->echo_replies++;
        break;
    case ZT_NODE_EVENT_NETWORK_REQ_CONFIG:
        self->net_req++;
        break;
    case ZT_NODE_EVENT_NETWORK_OK:
        self->net_ok++;
        snprintf(self->net_name, sizeof(self->net_name), "%s", ev->config->name);
        break;
    case ZT_NODE_EVENT_NETWORK_NOT_FOUND:
        self->net_not_found++;
        break;
    case ZT_NODE_EVENT_NETWORK_DOWN:
        self->net_down++;
        break;
    case ZT_NODE_EVENT_WORLD_UPDATED:
        self->world_updates++;
        self->last_world = ev->world_id;
        break;
    default:
        break;
    }
}

/* Runs the world until |until|: deliveries in time order, timers at their deadlines. */
static void run_until(int64_t until)
{
    while (now < until) {
        int64_t next = until;
        size_t pick = nq;
        for (size_t i = 0; i < nq; i++)
            if (queue[i].at < next || (queue[i].at == next && pick == nq)) {
                next = queue[i].at;
                pick = i;
            }
        for (int i = 0; i < NNODES; i++) {
            int64_t d = zt_node_next_deadline(nodes[i].node);
            if (d < next) {
                next = d;
                pick = nq;
            }
        }
        if (next > now)
            now = next;
        if (pick < nq) {
            dgram d = queue[pick];
            queue[pick] = queue[--nq];
            (void)zt_node_recv_datagram(nodes[d.to].node, 0, &nodes[d.from].addr, d.data, d.len,
                                        now);
        }
        for (int i = 0; i < NNODES; i++)
            if (zt_node_next_deadline(nodes[i].node) <= now)
                assert_int_equal(zt_node_process_timers(nodes[i].node, now), 0);
    }
}

static int setup(void **state)
{
    uint8_t pub[64], sec[64], planet[ZT_WORLD_MAX_SERIALIZED];
    zt_world *w = calloc(1, sizeof(*w));
    zt_ssize plen;
    (void)state;

    queue = calloc(MAXQ, sizeof(*queue));
    assert_non_null(queue);
    for (int i = 0; i < NNODES; i++) {
        uint8_t ip[4] = {10, 0, (uint8_t)(i + 1), 1}; /* one /24 each: HELLO rate gate */
        nodes[i].idx = i;
        assert_int_equal(zt__identity_generate(&nodes[i].id, NULL), 0);
        zt__inetaddr_set4(&nodes[i].addr, ip, 9993);
    }
    zt__keypair_generate(pub, sec);
    w->type = ZT_WORLD_TYPE_PLANET;
    w->id = 0x1234;
    w->timestamp = 1000;
    memcpy(w->update_key, pub, 64);
    w->nroots = 1;
    w->roots[0].identity = nodes[0].id;
    zt__identity_clear(&w->roots[0].identity);
    w->roots[0].nendpoints = 1;
    w->roots[0].endpoints[0] = nodes[0].addr;
    assert_int_equal(zt__world_sign(w, sec), 0);
    plen = zt__world_write(w, false, planet, sizeof(planet));
    assert_true(plen > 0);
    free(w);

    now = 1000000;
    for (int i = 0; i < NNODES; i++) {
        zt_node_config cfg;
        zt_node_callbacks cb = {.user = &nodes[i], .send = on_send, .event = on_event,
                                .frame = on_frame, .config_request = on_config_request};
        zt_node_config_default(&cfg);
        cfg.identity = &nodes[i].id;
        cfg.seed[0] = (uint8_t)i;
        cfg.planet = planet;
        cfg.planet_len = (size_t)plen;
        assert_int_equal(zt_node_new(&nodes[i].node, &cfg, &cb, now), 0);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    zts_controller_del(controller);
    for (int i = 0; i < NNODES; i++) {
        zt_node_del(nodes[i].node);
        zt__identity_clear(&nodes[i].id);
    }
    free(queue);
    return 0;
}

static void test_online(void **state)
{
    (void)state;
    assert_true(zt_node_is_root(nodes[0].node));
    assert_false(zt_node_is_root(nodes[1].node));
    run_until(now + 1000);
    for (int i = 0; i < NNODES; i++) {
        assert_true(zt_node_is_online(nodes[i].node));
    }
    for (int i = 1; i < NNODES; i++)
        assert_int_equal(nodes[i].online_events, 1);
}

static void test_whois_and_message(void **state)
{
    uint64_t b = zt_node_address(nodes[2].node);
    (void)state;
    assert_int_equal(zt_node_send_user_message(nodes[1].node, b, 0x10000, "hello b", 7, now), 0);
    run_until(now + 2000);
    assert_int_equal(nodes[2].messages, 1);
    assert_string_equal(nodes[2].last_message, "hello b");
    assert_int_equal(nodes[2].last_message_from, zt_node_address(nodes[1].node));
}

static void test_echo_and_direct(void **state)
{
    uint64_t b = zt_node_address(nodes[2].node);
    zt_peer_info info;
    (void)state;
    assert_int_equal(zt_node_ping(nodes[1].node, b, now), 0);
    run_until(now + 5000);
    assert_true(nodes[1].echo_replies >= 1);
    /* Relayed by the root, which introduced them: now they talk directly. */
    assert_int_equal(zt_node_peer(nodes[1].node, b, &info), 0);
    assert_true(info.npaths >= 1);
    assert_true(zt__inetaddr_equal(&info.paths[0].remote, &nodes[2].addr));
    assert_true(nodes[1].direct_events >= 2); /* root, then b */
    assert_true(zt_node_get_counters(nodes[0].node)->relayed >= 1);
    assert_true(zt_node_get_counters(nodes[0].node)->rendezvous_sent >= 2);
}

static void test_stays_online(void **state)
{
    (void)state;
    run_until(now + 10 * 60 * 1000);
    for (int i = 1; i < NNODES; i++) {
        assert_true(zt_node_is_online(nodes[i].node));
        assert_int_equal(nodes[i].online_events, 1);
    }
    assert_int_equal(zt_node_send_user_message(nodes[3].node, zt_node_address(nodes[1].node), 0x10000,
                                               "late", 4, now), 0);
    run_until(now + 2000);
    assert_string_equal(nodes[1].last_message, "late");
}

/* Node 3 serves a moon naming itself; node 1 orbits it through the seed and gets it. */
static void test_moon_orbit(void **state)
{
    uint8_t pub[64], sec[64], bytes[ZT_WORLD_MAX_SERIALIZED];
    uint64_t seed = zt_node_address(nodes[3].node);
    zt_world *moon = calloc(1, sizeof(*moon));
    zt_peer_info info;
    zt_ssize len;
    (void)state;

    zt__keypair_generate(pub, sec);
    moon->type = ZT_WORLD_TYPE_MOON;
    moon->id = seed;
    moon->timestamp = 5000;
    memcpy(moon->update_key, pub, 64);
    moon->nroots = 1;
    moon->roots[0].identity = nodes[3].id;
    zt__identity_clear(&moon->roots[0].identity);
    moon->roots[0].nendpoints = 1;
    moon->roots[0].endpoints[0] = nodes[3].addr;
    assert_int_equal(zt__world_sign(moon, sec), 0);
    len = zt__world_write(moon, false, bytes, sizeof(bytes));
    assert_true(len > 0);

    assert_false(zt_node_is_root(nodes[3].node));
    assert_int_equal(zt_node_add_moon(nodes[3].node, bytes, (size_t)len, now), 0);
    assert_true(zt_node_is_root(nodes[3].node)); /* a root of a moon it carries */
    bytes[len - 5] ^= 1; /* a forged copy is refused */
    assert_int_equal(zt_node_add_moon(nodes[2].node, bytes, (size_t)len, now), ZT_ERR_INVAL);

    assert_int_equal(zt_node_orbit(nodes[1].node, seed, seed, now), 0);
    run_until(now + 15000);
    assert_int_equal(nodes[1].world_updates, 1);
    assert_int_equal(nodes[1].last_world, seed);
    assert_int_equal(zt_node_peer(nodes[1].node, seed, &info), 0);
    assert_true(info.is_upstream);
    assert_int_equal(zt_node_deorbit(nodes[1].node, seed, now), 0);
    assert_int_equal(zt_node_peer(nodes[1].node, seed, &info), 0);
    assert_false(info.is_upstream);
    assert_int_equal(zt_node_deorbit(nodes[1].node, seed, now), ZT_ERR_NOTFOUND);
    free(moon);
}

/* Node 2 stands for the controller of a network: its core has no controller, so a request
 * gets UNSUPPORTED_OPERATION (NOT_FOUND here); then a config signed with node 2's identity is
 * pushed to node 1 by hand, as a controller would, and applied. */
static void test_network_config(void **state)
{
    uint64_t nwid = zt_node_address(nodes[2].node) << 24 | 0x42;
    uint8_t dict[4096], pkt[ZT_PKT_MAX_LEN], key[ZT_SHARED_KEY_LEN];
    const zt_netconf *got;
    zt_network_status st;
    zt_netconf nc;
    zt_ssize dlen, clen;
    uint8_t ip[4] = {10, 147, 17, 5};
    (void)state;

    assert_int_equal(zt_node_join(nodes[1].node, nwid, now), 0);
    assert_int_equal(nodes[1].net_req, 1);
    assert_int_equal(zt_node_network_status(nodes[1].node, nwid, &st), 0);
    assert_int_equal(st, ZT_NETWORK_REQUESTING_CONFIGURATION);
    run_until(now + 3000);
    assert_int_equal(zt_node_network_status(nodes[1].node, nwid, &st), 0);
    assert_int_equal(st, ZT_NETWORK_NOT_FOUND);
    assert_int_equal(nodes[1].net_not_found, 1);
    assert_null(zt_node_network_config(nodes[1].node, nwid));

    zt__netconf_init(&nc, NULL);
    nc.nwid = nwid;
    nc.issued_to = zt_node_address(nodes[1].node);
    nc.timestamp = now;
    nc.type = 1;
    nc.multicast_limit = 32;
    snprintf(nc.name, sizeof(nc.name), "unit-net");
    zt__inetaddr_set4(&nc.static_ips[0], ip, 24);
    nc.n_static_ips = 1;
    dlen = zt__netconf_write(&nc, dict, sizeof(dict));
    assert_true(dlen > 0);
    zt__netconf_clear(&nc);

    assert_int_equal(zt__pkt_init(pkt, sizeof(pkt), 0x1111222233334444ULL,
                                  zt_node_address(nodes[1].node), zt_node_address(nodes[2].node),
                                  ZT_VERB_NETWORK_CONFIG), ZT_PKT_MIN_LEN);
    clen = zt__config_chunk_write(pkt + ZT_PKT_MIN_LEN, sizeof(pkt) - ZT_PKT_MIN_LEN,
                                  &nodes[2].id, nwid, dict, (size_t)dlen, 0, 0, 0x77);
    assert_true(clen > 0);
    assert_int_equal(zt__identity_agree(&nodes[2].id, &nodes[1].id, key), 0);
    assert_int_equal(zt__pkt_armor(pkt, ZT_PKT_MIN_LEN + (size_t)clen, key, 1), 0);
    assert_int_equal(zt_node_recv_datagram(nodes[1].node, 0, &nodes[2].addr, pkt,
                                           ZT_PKT_MIN_LEN + (size_t)clen, now), 0);
    assert_int_equal(nodes[1].net_ok, 1);
    assert_string_equal(nodes[1].net_name, "unit-net");
    assert_int_equal(zt_node_network_status(nodes[1].node, nwid, &st), 0);
    assert_int_equal(st, ZT_NETWORK_OK);
    got = zt_node_network_config(nodes[1].node, nwid);
    assert_non_null(got);
    assert_int_equal(got->n_static_ips, 1);
    assert_memory_equal(got->static_ips[0].ip, ip, 4);
    assert_int_equal(got->static_ips[0].port, 24);

    /* The same push again (a duplicate chunk) changes nothing. */
    assert_int_equal(zt__pkt_dearmor(pkt, ZT_PKT_MIN_LEN + (size_t)clen, key), 0);
    assert_int_equal(zt__pkt_armor(pkt, ZT_PKT_MIN_LEN + (size_t)clen, key, 1), 0);
    (void)zt_node_recv_datagram(nodes[1].node, 0, &nodes[2].addr, pkt,
                                ZT_PKT_MIN_LEN + (size_t)clen, now);
    assert_int_equal(nodes[1].net_ok, 1);

    assert_int_equal(zt_node_leave(nodes[1].node, nwid, now), 0);
    assert_int_equal(nodes[1].net_down, 1);
    assert_int_equal(zt_node_network_status(nodes[1].node, nwid, &st), ZT_ERR_NOTFOUND);
    assert_int_equal(zt_node_leave(nodes[1].node, nwid, now), ZT_ERR_NOTFOUND);
    assert_int_equal(zt_node_join(nodes[1].node, 0, now), ZT_ERR_INVAL);
}

/* Pushes a public config for |nwid| (controller: node |ctl|) to node |to| with one static
 * IPv4 address, as NETWORK_CONFIG from the controller. */
static void push_config(int ctl, int to, uint64_t nwid, uint8_t last_octet, bool private_net,
                        bool with_com)
{
    uint8_t dict[4096], pkt[ZT_PKT_MAX_LEN], key[ZT_SHARED_KEY_LEN];
    uint8_t ip[4] = {10, 147, 17, last_octet};
    static const uint8_t accept_all[2] = {0x01, 0x00}; /* one ACTION_ACCEPT rule */
    zt_netconf nc;
    zt_ssize dlen, clen;

    zt__netconf_init(&nc, NULL);
    nc.nwid = nwid;
    nc.issued_to = zt_node_address(nodes[to].node);
    nc.timestamp = now;
    nc.type = private_net ? 0 : 1;
    nc.ctmd = 1800000;
    nc.multicast_limit = 32;
    if (with_com) { /* a COM, signed by the controller */
        uint8_t combuf[ZT_COM_LEN_MAX];
        zt_wr cw = zt__wr_make(combuf, sizeof(combuf));
        zt_com com;
        assert_int_equal(zt__com_init(&com, nwid, now, nc.ctmd, &nodes[to].id), 0);
        assert_int_equal(zt__com_sign(&com, &nodes[ctl].id), 0);
        zt__com_write(&cw, &com);
        assert_false(cw.overflow);
        assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_COM, combuf, zt__wr_len(&cw)), 0);
    }
    zt__inetaddr_set4(&nc.static_ips[0], ip, 24);
    nc.n_static_ips = 1;
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_RULES, accept_all, 2), 0);
    dlen = zt__netconf_write(&nc, dict, sizeof(dict));
    assert_true(dlen > 0);
    zt__netconf_clear(&nc);
    assert_int_equal(zt__pkt_init(pkt, sizeof(pkt), 0x5555000000000000ULL | (uint64_t)to,
                                  zt_node_address(nodes[to].node),
                                  zt_node_address(nodes[ctl].node), ZT_VERB_NETWORK_CONFIG),
                     ZT_PKT_MIN_LEN);
    clen = zt__config_chunk_write(pkt + ZT_PKT_MIN_LEN, sizeof(pkt) - ZT_PKT_MIN_LEN,
                                  &nodes[ctl].id, nwid, dict, (size_t)dlen, 0, 0,
                                  0x99 + (uint64_t)to);
    assert_true(clen > 0);
    assert_int_equal(zt__identity_agree(&nodes[ctl].id, &nodes[to].id, key), 0);
    assert_int_equal(zt__pkt_armor(pkt, ZT_PKT_MIN_LEN + (size_t)clen, key, 1), 0);
    assert_int_equal(zt_node_recv_datagram(nodes[to].node, 0, &nodes[ctl].addr, pkt,
                                           ZT_PKT_MIN_LEN + (size_t)clen, now), 0);
    run_until(now + 1000); /* the controller's identity may need a WHOIS first */
    /* (Its status may read NOT_FOUND: node |ctl|'s core answers requests with
     * UNSUPPORTED_OPERATION, and a failure status does not discard a config, vl2.md §1.3.) */
    assert_non_null(zt_node_network_config(nodes[to].node, nwid));
}

/* Two members of a public network: a unicast FRAME, then an ARP request as multicast that
 * reaches the member owning the address once the root has gathered its subscription. */
static void test_frames(void **state)
{
    uint64_t nwid = zt_node_address(nodes[3].node) << 24 | 0x07;
    uint64_t mac1, mac2;
    uint8_t arp[28] = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
    (void)state;

    assert_int_equal(zt_node_join(nodes[1].node, nwid, now), 0);
    assert_int_equal(zt_node_join(nodes[2].node, nwid, now), 0);
    assert_int_equal(zt_node_send_frame(nodes[1].node, nwid, zt_node_network_mac(nodes[1].node, nwid),
                                        0x112233445566ULL, 0x0800, "x", 1, now), ZT_ERR_AGAIN);
    push_config(3, 1, nwid, 1, false, false);
    push_config(3, 2, nwid, 2, false, false);
    mac1 = zt_node_network_mac(nodes[1].node, nwid);
    mac2 = zt_node_network_mac(nodes[2].node, nwid);
    assert_int_equal(zt_node_send_frame(nodes[1].node, nwid, mac2, mac1, 0x0800, "x", 1, now),
                     ZT_ERR_INVAL); /* not our source MAC: no bridging */

    assert_int_equal(zt_node_send_frame(nodes[1].node, nwid, mac1, mac2, 0x0800, "hello ip", 8,
                                        now), 0);
    run_until(now + 1000);
    assert_int_equal(nodes[2].frames, 1);
    assert_int_equal(nodes[2].frame_src, mac1);
    assert_int_equal(nodes[2].frame_dst, mac2);
    assert_int_equal(nodes[2].frame_type, 0x0800);
    assert_string_equal(nodes[2].frame_data, "hello ip");

    /* ARP who-has 10.147.17.2: the first one makes node 1 gather (the root learned node 2's
     * subscription from its MULTICAST_LIKE), the next one is delivered. */
    run_until(now + 6000);
    memcpy(arp + 24, (const uint8_t[]){10, 147, 17, 2}, 4);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(zt_node_send_frame(nodes[1].node, nwid, mac1, 0xffffffffffffULL, 0x0806,
                                            arp, sizeof(arp), now), 0);
        run_until(now + 6000);
    }
    assert_true(nodes[2].frames >= 2);
    assert_int_equal(nodes[2].frame_dst, 0xffffffffffffULL);
    assert_int_equal(nodes[2].frame_type, 0x0806);
    assert_int_equal(nodes[3].frames, 0); /* not a member */
}

/* A private network: frames pass only with a COM that agrees; the sender pushes its COM
 * first (NETWORK_CREDENTIALS), and a member without one is refused and told so. */
static void test_private_network(void **state)
{
    uint64_t nwid = zt_node_address(nodes[3].node) << 24 | 0x08;
    uint64_t mac1, mac2;
    unsigned before;
    (void)state;

    assert_int_equal(zt_node_join(nodes[1].node, nwid, now), 0);
    assert_int_equal(zt_node_join(nodes[2].node, nwid, now), 0);
    push_config(3, 1, nwid, 1, true, true);
    push_config(3, 2, nwid, 2, true, true);
    mac1 = zt_node_network_mac(nodes[1].node, nwid);
    mac2 = zt_node_network_mac(nodes[2].node, nwid);
    before = nodes[2].frames;
    assert_int_equal(zt_node_send_frame(nodes[1].node, nwid, mac1, mac2, 0x0800, "private", 7, now),
                     0);
    run_until(now + 2000);
    assert_int_equal(nodes[2].frames, before + 1);
    assert_string_equal(nodes[2].frame_data, "private");

    /* Another private network where node 1's config carries no COM: node 2 refuses its
     * frames (gate, vl2.md §5.7) and answers NEED_MEMBERSHIP_CERTIFICATE. */
    nwid = zt_node_address(nodes[3].node) << 24 | 0x09;
    assert_int_equal(zt_node_join(nodes[1].node, nwid, now), 0);
    assert_int_equal(zt_node_join(nodes[2].node, nwid, now), 0);
    push_config(3, 1, nwid, 1, true, false);
    push_config(3, 2, nwid, 2, true, true);
    mac1 = zt_node_network_mac(nodes[1].node, nwid);
    mac2 = zt_node_network_mac(nodes[2].node, nwid);
    before = nodes[2].frames;
    assert_int_equal(zt_node_send_frame(nodes[1].node, nwid, mac1, mac2, 0x0800, "no com", 6, now),
                     0);
    run_until(now + 2000);
    assert_int_equal(nodes[2].frames, before);
}

/* A real controller beside node 3 serves a private network over the simulated wire: refused
 * until authorized, then configs with pool addresses and COMs, frames between members, and
 * node 3 joining its own network through the local path. */
static void test_controller(void **state)
{
    char secret[ZT_IDENTITY_STR_MAX + 1];
    uint64_t nwid = zt_node_address(nodes[3].node) << 24 | 0x10;
    zts_controller_config cfg;
    zt_network_status st;
    const zt_netconf *c1, *c2;
    uint64_t mac1, mac2;
    unsigned before;
    (void)state;

    assert_true(zt__identity_to_string(&nodes[3].id, true, secret, sizeof(secret)) > 0);
    zts_controller_config_default(&cfg);
    cfg.identity_secret = secret;
    assert_int_equal(zts_controller_new(&controller, &cfg), 0);
    assert_int_equal(zts_controller_network_set(controller, nwid,
        "{\"name\":\"ctl-net\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"
        "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.9.0.10\",\"ipRangeEnd\":\"10.9.0.20\"}],"
        "\"routes\":[{\"target\":\"10.9.0.0/24\"}],\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}",
        now, NULL), 0);

    for (int i = 1; i <= 3; i++)
        assert_int_equal(zt_node_join(nodes[i].node, nwid, now), 0);
    run_until(now + 3000);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(zt_node_network_status(nodes[i].node, nwid, &st), 0);
        assert_int_equal(st, ZT_NETWORK_ACCESS_DENIED);
    }
    for (int i = 1; i <= 3; i++)
        assert_int_equal(zts_controller_member_set_authorized(controller, nwid,
                                                              zt_node_address(nodes[i].node),
                                                              true, now), 0);
    run_until(now + 12000); /* the next requests, every 5 s */
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(zt_node_network_status(nodes[i].node, nwid, &st), 0);
        assert_int_equal(st, ZT_NETWORK_OK);
    }
    c1 = zt_node_network_config(nodes[1].node, nwid);
    c2 = zt_node_network_config(nodes[2].node, nwid);
    assert_string_equal(c1->name, "ctl-net");
    assert_int_equal(c1->n_static_ips, 1);
    assert_int_equal(c2->n_static_ips, 1);
    assert_int_equal(c1->static_ips[0].ip[0], 10);
    assert_int_equal(c1->static_ips[0].ip[2], 0);
    assert_true(c1->static_ips[0].ip[3] >= 10 && c1->static_ips[0].ip[3] <= 20);
    assert_memory_not_equal(c1->static_ips[0].ip, c2->static_ips[0].ip, 4); /* no collision */
    assert_false(zt__netconf_is_public(c1));

    mac1 = zt_node_network_mac(nodes[1].node, nwid);
    mac2 = zt_node_network_mac(nodes[2].node, nwid);
    before = nodes[2].frames;
    assert_int_equal(zt_node_send_frame(nodes[1].node, nwid, mac1, mac2, 0x0800, "via ctl", 7, now),
                     0);
    run_until(now + 2000);
    assert_int_equal(nodes[2].frames, before + 1);
    assert_string_equal(nodes[2].frame_data, "via ctl");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_online),
        cmocka_unit_test(test_whois_and_message),
        cmocka_unit_test(test_echo_and_direct),
        cmocka_unit_test(test_stays_online),
        cmocka_unit_test(test_moon_orbit),
        cmocka_unit_test(test_network_config),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_private_network),
        cmocka_unit_test(test_controller),
    };
    if (zt_crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests_name("unit.node", tests, setup, teardown);
}
