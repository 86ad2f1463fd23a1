/* The VL1 node on a tiny in-memory underlay (memworld.h): one root and three leaves with no
 * NAT between them.  The full simulation with loss and NATs lives in tests/sim; this suite
 * pins down the basic exchanges: coming online, WHOIS, USER_MESSAGE, ECHO, relay then direct
 * paths. */
#include "testutil.h"

#include "memworld.h"

#include "codec/credential.h"
#include "core/node.h"
#include "codec/packet.h"
#include "controller/controller.h"
#include "codec/world.h"
#include "zts_controller.h"

#define NNODES 4

static mw_world *world;
static mw_node *nodes;
static zts_controller *controller; /* beside node 3, from test_controller on */

static int on_config_request(void *user, const zt_identity *requester, uint64_t packet_id,
                             const uint8_t *payload, size_t len, int64_t t, mw_reply_fn *reply,
                             void *reply_ctx)
{
    mw_node *self = user;
    zt_controller_out out = {.send = reply, .arg = reply_ctx};

    if (controller == NULL || self->idx != 3)
        return ZT_ERR_NOTFOUND;
    (void)zt__controller_handle_request(zt__controller_of(controller), requester, payload, len,
                                       packet_id, t, &out, NULL);
    return 0;
}

static int setup(void **state)
{
    mw_config cfg;
    (void)state;

    mw_config_default(&cfg);
    cfg.nnodes = NNODES;
    cfg.jitter = 3;
    cfg.cb.config_request = on_config_request;
    world = mw_new(&cfg);
    nodes = world->nodes;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    zts_controller_del(controller);
    mw_del(world);
    return 0;
}

static void test_online(void **state)
{
    (void)state;
    assert_true(zt__node_is_root(nodes[0].node));
    assert_false(zt__node_is_root(nodes[1].node));
    mw_run_for(world, 1000);
    for (int i = 0; i < NNODES; i++) {
        assert_true(zt__node_is_online(nodes[i].node));
    }
    for (int i = 1; i < NNODES; i++)
        assert_int_equal(nodes[i].nevents[ZT_NODE_EVENT_ONLINE], 1);
}

static void test_whois_and_message(void **state)
{
    uint64_t b = zt__node_address(nodes[2].node);
    (void)state;
    assert_int_equal(zt__node_send_user_message(nodes[1].node, b, 0x10000, "hello b", 7, world->now),
                     0);
    mw_run_for(world, 2000);
    assert_int_equal(nodes[2].nevents[ZT_NODE_EVENT_USER_MESSAGE], 1);
    assert_string_equal(nodes[2].last_message, "hello b");
    assert_int_equal(nodes[2].last_message_from, zt__node_address(nodes[1].node));
}

static void test_echo_and_direct(void **state)
{
    uint64_t b = zt__node_address(nodes[2].node);
    zt_peer_info info;
    (void)state;
    assert_int_equal(zt__node_ping(nodes[1].node, b, world->now), 0);
    mw_run_for(world, 5000);
    assert_true(nodes[1].nevents[ZT_NODE_EVENT_ECHO_REPLY] >= 1);
    /* Relayed by the root, which introduced them: now they talk directly. */
    assert_int_equal(zt__node_peer(nodes[1].node, b, &info), 0);
    assert_true(info.npaths >= 1);
    assert_true(zt__inetaddr_equal(&info.paths[0].remote, &nodes[2].addr));
    assert_true(nodes[1].nevents[ZT_NODE_EVENT_PEER_DIRECT] >= 2); /* root, then b */
    assert_true(zt__node_get_counters(nodes[0].node)->relayed >= 1);
    assert_true(zt__node_get_counters(nodes[0].node)->rendezvous_sent >= 2);
}

static void test_stays_online(void **state)
{
    (void)state;
    mw_run_for(world, 10 * 60 * 1000);
    for (int i = 1; i < NNODES; i++) {
        assert_true(zt__node_is_online(nodes[i].node));
        assert_int_equal(nodes[i].nevents[ZT_NODE_EVENT_ONLINE], 1);
    }
    assert_int_equal(zt__node_send_user_message(nodes[3].node, zt__node_address(nodes[1].node),
                                               0x10000, "late", 4, world->now),
                     0);
    mw_run_for(world, 2000);
    assert_string_equal(nodes[1].last_message, "late");
}

/* Node 3 serves a moon naming itself; node 1 orbits it through the seed and gets it. */
static void test_moon_orbit(void **state)
{
    uint8_t bytes[ZT_WORLD_MAX_SERIALIZED];
    uint64_t seed = zt__node_address(nodes[3].node);
    zt_peer_info info;
    zt_ssize len;
    (void)state;

    len = mw_world_write(ZT_WORLD_TYPE_MOON, seed, 5000, &nodes[3], bytes, sizeof(bytes));
    assert_false(zt__node_is_root(nodes[3].node));
    assert_int_equal(zt__node_add_moon(nodes[3].node, bytes, (size_t)len, world->now), 0);
    assert_true(zt__node_is_root(nodes[3].node)); /* a root of a moon it carries */
    bytes[len - 5] ^= 1; /* a forged copy is refused */
    assert_int_equal(zt__node_add_moon(nodes[2].node, bytes, (size_t)len, world->now),
                     ZT_ERR_INVAL);

    assert_int_equal(zt__node_orbit(nodes[1].node, seed, seed, world->now), 0);
    mw_run_for(world, 15000);
    assert_int_equal(nodes[1].nevents[ZT_NODE_EVENT_WORLD_UPDATED], 1);
    assert_int_equal(nodes[1].last_world, seed);
    assert_int_equal(zt__node_peer(nodes[1].node, seed, &info), 0);
    assert_true(info.is_upstream);
    assert_true(info.is_moon); /* a moon's root, not the planet's (the API's role MOON) */
    {
        zt_peer_info all[8];
        size_t n = zt__node_peers(nodes[1].node, all, 8);
        bool seen_moon = false, seen_planet = false;
        for (size_t i = 0; i < n && i < 8; i++) {
            seen_moon = seen_moon || (all[i].address == seed && all[i].is_moon);
            seen_planet = seen_planet || (all[i].is_upstream && !all[i].is_moon);
        }
        assert_true(seen_moon);
        assert_true(seen_planet); /* the planet's root stays a planet root */
    }
    assert_int_equal(zt__node_deorbit(nodes[1].node, seed, world->now), 0);
    assert_int_equal(zt__node_peer(nodes[1].node, seed, &info), 0);
    assert_false(info.is_upstream);
    assert_false(info.is_moon);
    assert_int_equal(zt__node_deorbit(nodes[1].node, seed, world->now), ZT_ERR_NOTFOUND);
}

/* Node 2 stands for the controller of a network: its core has no controller, so a request
 * gets UNSUPPORTED_OPERATION (NOT_FOUND here); then a config signed with node 2's identity is
 * pushed to node 1 by hand, as a controller would, and applied. */
static void test_network_config(void **state)
{
    uint64_t nwid = zt__node_address(nodes[2].node) << 24 | 0x42;
    uint8_t pkt[ZT_PKT_MAX_LEN], key[ZT_SHARED_KEY_LEN];
    const zt_netconf *got;
    zt_network_status st;
    zt_netconf nc;
    size_t plen;
    uint8_t ip[4] = {10, 147, 17, 5};
    (void)state;

    assert_int_equal(zt__node_join(nodes[1].node, nwid, world->now), 0);
    assert_int_equal(nodes[1].nevents[ZT_NODE_EVENT_NETWORK_REQ_CONFIG], 1);
    assert_int_equal(zt__node_network_status(nodes[1].node, nwid, &st), 0);
    assert_int_equal(st, ZT_NETWORK_REQUESTING_CONFIGURATION);
    mw_run_for(world, 3000);
    assert_int_equal(zt__node_network_status(nodes[1].node, nwid, &st), 0);
    assert_int_equal(st, ZT_NETWORK_NOT_FOUND);
    assert_int_equal(nodes[1].nevents[ZT_NODE_EVENT_NETWORK_NOT_FOUND], 1);
    assert_null(zt__node_network_config(nodes[1].node, nwid));

    mw_netconf_init(world, &nc, nwid, 1, ZT_NETWORK_TYPE_PUBLIC);
    snprintf(nc.name, sizeof(nc.name), "unit-net");
    zt__inetaddr_set4(&nc.static_ips[0], ip, 24);
    nc.n_static_ips = 1;
    plen = mw_config_packet(world, 2, 1, &nc, 0x77, 0x1111222233334444ULL, pkt, sizeof(pkt));
    zt__netconf_clear(&nc);
    assert_int_equal(zt__node_recv_datagram(nodes[1].node, 0, &nodes[2].addr, pkt, plen,
                                           world->now), 0);
    assert_int_equal(nodes[1].nevents[ZT_NODE_EVENT_NETWORK_OK], 1);
    assert_string_equal(nodes[1].net_name, "unit-net");
    assert_int_equal(zt__node_network_status(nodes[1].node, nwid, &st), 0);
    assert_int_equal(st, ZT_NETWORK_OK);
    got = zt__node_network_config(nodes[1].node, nwid);
    assert_non_null(got);
    assert_int_equal(got->n_static_ips, 1);
    assert_memory_equal(got->static_ips[0].ip, ip, 4);
    assert_int_equal(got->static_ips[0].port, 24);

    /* The same push again (a duplicate chunk) changes nothing. */
    assert_int_equal(zt__identity_agree(&nodes[2].id, &nodes[1].id, key), 0);
    assert_int_equal(zt__pkt_dearmor(pkt, plen, key), 0);
    assert_int_equal(zt__pkt_armor(pkt, plen, key, 1), 0);
    (void)zt__node_recv_datagram(nodes[1].node, 0, &nodes[2].addr, pkt, plen, world->now);
    assert_int_equal(nodes[1].nevents[ZT_NODE_EVENT_NETWORK_OK], 1);

    assert_int_equal(zt__node_leave(nodes[1].node, nwid, world->now), 0);
    assert_int_equal(nodes[1].nevents[ZT_NODE_EVENT_NETWORK_DOWN], 1);
    assert_int_equal(zt__node_network_status(nodes[1].node, nwid, &st), ZT_ERR_NOTFOUND);
    assert_int_equal(zt__node_leave(nodes[1].node, nwid, world->now), ZT_ERR_NOTFOUND);
    assert_int_equal(zt__node_join(nodes[1].node, 0, world->now), ZT_ERR_INVAL);
}

/* Pushes a public config for |nwid| (controller: node |ctl|) to node |to| with one static
 * IPv4 address, as NETWORK_CONFIG from the controller. */
static void push_config(int ctl, int to, uint64_t nwid, uint8_t last_octet, bool private_net,
                        bool with_com)
{
    uint8_t ip[4] = {10, 147, 17, last_octet};
    static const uint8_t accept_all[2] = {0x01, 0x00}; /* one ACTION_ACCEPT rule */
    zt_netconf nc;

    mw_netconf_init(world, &nc, nwid, to,
                    private_net ? ZT_NETWORK_TYPE_PRIVATE : ZT_NETWORK_TYPE_PUBLIC);
    nc.ctmd = 1800000;
    if (with_com) /* a COM, signed by the controller */
        mw_netconf_add_com(world, &nc, ctl, to);
    zt__inetaddr_set4(&nc.static_ips[0], ip, 24);
    nc.n_static_ips = 1;
    assert_int_equal(zt__netconf_set_blob(&nc, ZT_NETCONF_BLOB_RULES, accept_all, 2), 0);
    mw_push_config(world, ctl, to, &nc, 0x99 + (uint64_t)to,
                   0x5555000000000000ULL | (uint64_t)to);
    mw_run_for(world, 1000); /* the controller's identity may need a WHOIS first */
    /* (Its status may read NOT_FOUND: node |ctl|'s core answers requests with
     * UNSUPPORTED_OPERATION, and a failure status does not discard a config, vl2.md §1.3.) */
    assert_non_null(zt__node_network_config(nodes[to].node, nwid));
}

/* Two members of a public network: a unicast FRAME, then an ARP request as multicast that
 * reaches the member owning the address once the root has gathered its subscription. */
static void test_frames(void **state)
{
    uint64_t nwid = zt__node_address(nodes[3].node) << 24 | 0x07;
    uint64_t mac1, mac2;
    uint8_t arp[28] = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
    (void)state;

    assert_int_equal(zt__node_join(nodes[1].node, nwid, world->now), 0);
    assert_int_equal(zt__node_join(nodes[2].node, nwid, world->now), 0);
    assert_int_equal(zt__node_send_frame(nodes[1].node, nwid,
                                        zt__node_network_mac(nodes[1].node, nwid), 0x112233445566ULL,
                                        0x0800, "x", 1, world->now),
                     ZT_ERR_AGAIN);
    push_config(3, 1, nwid, 1, false, false);
    push_config(3, 2, nwid, 2, false, false);
    mac1 = zt__node_network_mac(nodes[1].node, nwid);
    mac2 = zt__node_network_mac(nodes[2].node, nwid);
    assert_int_equal(
        zt__node_send_frame(nodes[1].node, nwid, mac2, mac1, 0x0800, "x", 1, world->now),
        ZT_ERR_INVAL); /* not our source MAC: no bridging */

    assert_int_equal(zt__node_send_frame(nodes[1].node, nwid, mac1, mac2, 0x0800, "hello ip", 8,
                                        world->now), 0);
    mw_run_for(world, 1000);
    assert_int_equal(nodes[2].nframes, 1);
    assert_int_equal(mw_last_frame(&nodes[2])->src, mac1);
    assert_int_equal(mw_last_frame(&nodes[2])->dst, mac2);
    assert_int_equal(mw_last_frame(&nodes[2])->ethertype, 0x0800);
    assert_string_equal(mw_frame_text(&nodes[2]), "hello ip");

    /* ARP who-has 10.147.17.2: the first one makes node 1 gather (the root learned node 2's
     * subscription from its MULTICAST_LIKE), the next one is delivered. */
    mw_run_for(world, 6000);
    memcpy(arp + 24, (const uint8_t[]){10, 147, 17, 2}, 4);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(zt__node_send_frame(nodes[1].node, nwid, mac1, 0xffffffffffffULL, 0x0806,
                                            arp, sizeof(arp), world->now), 0);
        mw_run_for(world, 6000);
    }
    assert_true(nodes[2].nframes >= 2);
    assert_int_equal(mw_last_frame(&nodes[2])->dst, 0xffffffffffffULL);
    assert_int_equal(mw_last_frame(&nodes[2])->ethertype, 0x0806);
    assert_int_equal(nodes[3].nframes, 0); /* not a member */
}

/* Nodes 1 and 2 join private network |nwid| of node 3; node 2's config carries a COM, node 1's
 * only if |com1|. */
static void private_members(uint64_t nwid, bool com1)
{
    assert_int_equal(zt__node_join(nodes[1].node, nwid, world->now), 0);
    assert_int_equal(zt__node_join(nodes[2].node, nwid, world->now), 0);
    push_config(3, 1, nwid, 1, true, com1);
    push_config(3, 2, nwid, 2, true, true);
}

/* Node 1 sends |text| to node 2 on |nwid|; returns how many frames node 2 got within 2 s. */
static unsigned frames_1_to_2(uint64_t nwid, const char *text)
{
    uint64_t mac1 = zt__node_network_mac(nodes[1].node, nwid);
    uint64_t mac2 = zt__node_network_mac(nodes[2].node, nwid);
    unsigned before = nodes[2].nframes;

    assert_int_equal(zt__node_send_frame(nodes[1].node, nwid, mac1, mac2, 0x0800, text,
                                        strlen(text), world->now),
                     0);
    mw_run_for(world, 2000);
    return nodes[2].nframes - before;
}

/* A private network: frames pass only with a COM that agrees; the sender pushes its COM
 * first (NETWORK_CREDENTIALS), and a member without one is refused and told so. */
static void test_private_network(void **state)
{
    uint64_t nwid = zt__node_address(nodes[3].node) << 24 | 0x08;
    (void)state;

    private_members(nwid, true);
    assert_int_equal(frames_1_to_2(nwid, "private"), 1);
    assert_string_equal(mw_frame_text(&nodes[2]), "private");

    /* Another private network where node 1's config carries no COM: node 2 refuses its
     * frames (gate, vl2.md §5.7) and answers NEED_MEMBERSHIP_CERTIFICATE. */
    nwid = zt__node_address(nodes[3].node) << 24 | 0x09;
    private_members(nwid, false);
    assert_int_equal(frames_1_to_2(nwid, "no com"), 0);
}

/* A real controller beside node 3 serves a private network over the simulated wire: refused
 * until authorized, then configs with pool addresses and COMs, frames between members, and
 * node 3 joining its own network through the local path. */
static void test_controller(void **state)
{
    char secret[ZT_IDENTITY_STR_MAX + 1];
    uint64_t nwid = zt__node_address(nodes[3].node) << 24 | 0x10;
    zts_controller_config cfg;
    zt_network_status st;
    const zt_netconf *c1, *c2;
    (void)state;

    assert_true(zt__identity_to_string(&nodes[3].id, true, secret, sizeof(secret)) > 0);
    zts_controller_config_default(&cfg);
    cfg.identity_secret = secret;
    assert_int_equal(zts_controller_new(&controller, &cfg), 0);
    assert_int_equal(zts_controller_network_set(controller, nwid,
        "{\"name\":\"ctl-net\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"
        "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.9.0.10\",\"ipRangeEnd\":\"10.9.0.20\"}],"
        "\"routes\":[{\"target\":\"10.9.0.0/24\"}],\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}",
        world->now, NULL), 0);

    for (int i = 1; i <= 3; i++)
        assert_int_equal(zt__node_join(nodes[i].node, nwid, world->now), 0);
    mw_run_for(world, 3000);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(zt__node_network_status(nodes[i].node, nwid, &st), 0);
        assert_int_equal(st, ZT_NETWORK_ACCESS_DENIED);
    }
    for (int i = 1; i <= 3; i++)
        assert_int_equal(zts_controller_member_set_authorized(controller, nwid,
                                                              zt__node_address(nodes[i].node),
                                                              true, world->now), 0);
    mw_run_for(world, 12000); /* the next requests, every 5 s */
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(zt__node_network_status(nodes[i].node, nwid, &st), 0);
        assert_int_equal(st, ZT_NETWORK_OK);
    }
    c1 = zt__node_network_config(nodes[1].node, nwid);
    c2 = zt__node_network_config(nodes[2].node, nwid);
    assert_string_equal(c1->name, "ctl-net");
    assert_int_equal(c1->n_static_ips, 1);
    assert_int_equal(c2->n_static_ips, 1);
    assert_int_equal(c1->static_ips[0].ip[0], 10);
    assert_int_equal(c1->static_ips[0].ip[2], 0);
    assert_true(c1->static_ips[0].ip[3] >= 10 && c1->static_ips[0].ip[3] <= 20);
    assert_memory_not_equal(c1->static_ips[0].ip, c2->static_ips[0].ip, 4); /* no collision */
    assert_false(zt__netconf_is_public(c1));

    assert_int_equal(frames_1_to_2(nwid, "via ctl"), 1);
    assert_string_equal(mw_frame_text(&nodes[2]), "via ctl");
}

/* Node |from| asks the controller (node 3) for the members of node |owner|'s ARP group on
 * |nwid|; returns how many datagrams the controller sent in answer. */
static unsigned gather_at_controller(uint64_t nwid, int from, int owner)
{
    const zt_netconf *c1 = zt__node_network_config(nodes[owner].node, nwid);
    uint8_t payload[23] = {0};
    unsigned before = nodes[3].sent;

    zt__store_be(payload, nwid, 8);
    memset(payload + 9, 0xff, 6);                    /* ARP group: broadcast MAC, */
    memcpy(payload + 15, c1->static_ips[0].ip, 4); /* ADI = its IPv4 address */
    zt__store_be(payload + 19, 8, 4);
    mw_inject(world, from, 3, ZT_VERB_MULTICAST_GATHER, 0x4242 + (uint64_t)from, payload,
              sizeof(payload));
    return nodes[3].sent - before;
}

/* The controller keeps the subscriptions of a network it has not joined and answers GATHERs
 * for it, but only to peers it sent a config in the last 180 s (vl2.md §3.3-§3.4): nobody
 * else learns who the members are. */
static void test_controller_gather_gate(void **state)
{
    uint64_t nwid = zt__node_address(nodes[3].node) << 24 | 0x10;
    (void)state;

    assert_int_equal(zt__node_leave(nodes[3].node, nwid, world->now), 0);
    mw_run_for(world, 61000); /* members LIKE the controller again within their 60 s period */
    assert_int_equal(gather_at_controller(nwid, 0, 1), 0); /* the root: never configured */
    assert_int_equal(gather_at_controller(nwid, 2, 1), 1); /* a member: lists node 1 */
    mw_run_for(world, 10000);
    assert_int_equal(gather_at_controller(nwid, 2, 1), 1);
    assert_int_equal(zts_controller_member_set_authorized(controller, nwid,
                                                          zt__node_address(nodes[2].node),
                                                          false, world->now), 0);
    mw_run_for(world, 181000); /* its requests are refused now: no config for 180 s */
    assert_int_equal(gather_at_controller(nwid, 2, 1), 0);
    assert_int_equal(gather_at_controller(nwid, 1, 2), 1); /* node 1 still is a member */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_online),
        cmocka_unit_test(test_whois_and_message),
        cmocka_unit_test(test_echo_and_direct),
        cmocka_unit_test(test_stays_online),
        cmocka_unit_test(test_network_config),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_private_network),
        cmocka_unit_test(test_controller),
        cmocka_unit_test(test_controller_gather_gate),
        cmocka_unit_test(test_moon_orbit), /* last: node 3 becomes a moon's root (upstream) */
    };
    if (zt__crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests_name("unit.node", tests, setup, teardown);
}
