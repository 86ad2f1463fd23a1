/*
 * dvx_native.cpp: the ZeroTier side of dvx_peer, as api-modern.md §9.1 describes a game's use
 * of the modern API: one event handler with a switch over the event codes, storage under
 * <config>/zerotier, the settings and zts_node_start run again at every game object's
 * construction, the join from the NODE_ONLINE handler, the MLD joins from the
 * NETWORK_READY_IP6 handler, the relay bookkeeping from the peer events, and peer lookups
 * through the core lock from the game thread.  Only <ZeroTierSockets.h> is included: the
 * consumer's include path has our include/ first (§9.2), so this proves that the modern
 * targets' ZT_LIBZT_MODERN definition makes that name the modern header.
 *
 * It also records every event, checks each payload as it arrives (§6.2) and, at the end, their
 * order (§6.3).
 */
#include <ZeroTierSockets.h>

#include "dvx.h"

#include <sys/stat.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

#ifndef ZTS_SOCKETS_H
#error "<ZeroTierSockets.h> is not the modern header (ZT_LIBZT_MODERN missing?)"
#endif

uint64_t g_nwid;

namespace {

struct event_rec {
    int code;
    uint64_t id; /* node_id, net_id or peer_id of the payload */
};

std::mutex mu; /* guards the three below */
std::vector<event_rec> events;
std::map<uint64_t, bool> relayed_by_peer; /* §9.1: false = direct, true = relayed */
std::map<uint64_t, std::vector<int>> peer_codes; /* every peer event's code, by peer */
uint64_t online_node_id, up_node_id;

std::atomic<bool> online{false}, ready6{false}, joined{false};
std::atomic<int> other_calls{0};
std::atomic<int> events_after_other{0};
std::atomic<bool> other_done{false};

/* §6.2: exactly the payload pointer of the code's range, and |len| its size. */
void check_payload(const zts_event_msg_t *m)
{
    const void *want = nullptr;
    int code = m->event_code, len = -1;
    const void *ptrs[] = {m->node, m->network, m->netif, m->route, m->peer, m->addr, m->cache};
    int set = 0;

    for (const void *p : ptrs)
        set += p != nullptr;
    if (code >= 200 && code <= 204) {
        want = m->node;
        len = (int)sizeof(zts_node_info_t);
    } else if (code >= 210 && code <= 219) {
        want = m->network;
        len = (int)sizeof(zts_net_info_t);
    } else if (code >= 230 && code <= 234) {
        want = m->netif;
        len = (int)sizeof(zts_netif_info_t);
    } else if (code >= 240 && code <= 244) {
        want = m->peer;
        len = (int)sizeof(zts_peer_info_t);
    } else if (code >= 250 && code <= 251) {
        want = m->route;
        len = (int)sizeof(zts_route_info_t);
    } else if (code >= 260 && code <= 263) {
        want = m->addr;
        len = (int)sizeof(zts_addr_info_t);
    } else if (code >= 270 && code <= 274) {
        want = m->cache;
        len = m->len > 0 ? m->len : 1;
    } else if (code == 220 || code == 221) {
        if (set != 0 || m->len != 0)
            fail("payload code=%d stack event with a payload", code);
        return;
    } else {
        fail("payload code=%d unknown code", code);
        return;
    }
    if (want == nullptr || set != 1 || m->len != len)
        fail("payload code=%d set=%d len=%d want_len=%d", code, set, m->len, len);
}

uint64_t payload_id(const zts_event_msg_t *m)
{
    if (m->node != nullptr)
        return m->node->node_id;
    if (m->network != nullptr)
        return m->network->net_id;
    if (m->peer != nullptr)
        return m->peer->peer_id;
    if (m->addr != nullptr)
        return m->addr->net_id;
    return 0;
}

/* The peer events: the bookkeeping of §9.1, and the payload's path count must agree with the
 * event (§5.14: a peer has a direct path iff path_count > 0). */
void on_peer_event(const zts_event_msg_t *msg)
{
    uint64_t id = msg->peer->peer_id;
    unsigned paths = msg->peer->path_count;
    const char *what = "?";

    std::lock_guard<std::mutex> lock(mu);
    peer_codes[id].push_back(msg->event_code);
    switch (msg->event_code) {
    case ZTS_EVENT_PEER_DIRECT:
        relayed_by_peer[id] = false;
        what = "direct";
        if (paths == 0)
            fail("peer_event id=%010" PRIx64 " DIRECT with path_count 0", id);
        break;
    case ZTS_EVENT_PEER_RELAY:
        relayed_by_peer[id] = true;
        what = "relay";
        if (paths != 0)
            fail("peer_event id=%010" PRIx64 " RELAY with path_count %u", id, paths);
        break;
    case ZTS_EVENT_PEER_PATH_DEAD:
        relayed_by_peer.erase(id); /* forgotten; a following DIRECT/RELAY re-learns it */
        what = "path_dead";
        break;
    case ZTS_EVENT_PEER_PATH_DISCOVERED: /* not DVX's: recorded for the checks only */
        what = "path_discovered";
        break;
    default:
        break;
    }
    say("peer %s id=%010" PRIx64 " paths=%u", what, id, paths);
}

void Callback(void *ptr)
{
    zts_event_msg_t *msg = reinterpret_cast<zts_event_msg_t *>(ptr);
    int rv;

    check_payload(msg);
    {
        std::lock_guard<std::mutex> lock(mu);
        events.push_back(event_rec{msg->event_code, payload_id(msg)});
    }
    if (other_done)
        events_after_other++;
    say("ev %d id=%" PRIx64, msg->event_code, payload_id(msg));
    switch (static_cast<zts_event_t>(msg->event_code)) {
    case ZTS_EVENT_NODE_UP: {
        std::lock_guard<std::mutex> lock(mu);
        up_node_id = msg->node->node_id;
        break;
    }
    case ZTS_EVENT_NODE_ONLINE:
        {
            std::lock_guard<std::mutex> lock(mu);
            online_node_id = msg->node->node_id;
        }
        say("online node=%010" PRIx64, msg->node->node_id);
        online = true;
        if (!joined.exchange(true)) {
            rv = zts_net_join(g_nwid);
            say("join net=%016" PRIx64 " rv=%d", g_nwid, rv);
            if (rv != ZTS_ERR_OK)
                fail("join rv=%d from the NODE_ONLINE handler", rv);
        }
        break;
    case ZTS_EVENT_NODE_OFFLINE:
        online = false;
        break;
    case ZTS_EVENT_NETWORK_READY_IP6: {
        int g1 = stack_join_group(DVX_GROUP1), g2 = stack_join_group(DVX_GROUP2);
        say("ready6 net=%016" PRIx64 " mld_group1=%d mld_group2=%d", msg->network->net_id, g1,
            g2);
        if (msg->network->net_id != g_nwid || g1 != 0 || g2 != 0)
            fail("ready6 net=%016" PRIx64 " mld %d %d", msg->network->net_id, g1, g2);
        ready6 = true;
        break;
    }
    case ZTS_EVENT_ADDR_ADDED_IP6: {
        int len = 0, family = 0;
        std::string text = stack_ip6_text(&msg->addr->addr, &len, &family);
        say("addr6 %s sin6_len=%d sin6_family=%d", text.c_str(), len, family);
        if (len != 28 || family != 10 || msg->addr->net_id != g_nwid)
            fail("addr6 layout len=%d family=%d", len, family);
        break;
    }
    case ZTS_EVENT_PEER_DIRECT:
    case ZTS_EVENT_PEER_RELAY:
    case ZTS_EVENT_PEER_PATH_DEAD:
    case ZTS_EVENT_PEER_PATH_DISCOVERED:
        on_peer_event(msg);
        break;
    default:
        break;
    }
}

/* The handler a repeated construction tries to install while running: must never be called. */
void OtherCallback(void *)
{
    other_calls++;
}

int first_of(const std::vector<event_rec> &ev, int code)
{
    for (size_t i = 0; i < ev.size(); i++)
        if (ev[i].code == code)
            return (int)i;
    return -1;
}

} // namespace

bool native_construct(const std::string &config_dir, int n)
{
    int a = zts_init_from_storage((config_dir + "/zerotier").c_str());
    int b = zts_init_set_event_handler(&Callback);
    int c = zts_node_start();
    int want = n == 1 ? ZTS_ERR_OK : ZTS_ERR_SERVICE;

    say("construct n=%d init_from_storage=%d set_event_handler=%d node_start=%d", n, a, b, c);
    if (a != want || b != want || c != want)
        return fail("construct n=%d: want %d from each call", n, want);
    return true;
}

bool native_construct_other(const std::string &other_dir)
{
    int a = zts_init_from_storage(other_dir.c_str());
    int b = zts_init_set_event_handler(&OtherCallback);
    int c = zts_node_start();

    say("construct_other init_from_storage=%d set_event_handler=%d node_start=%d", a, b, c);
    other_done = true;
    if (a != ZTS_ERR_SERVICE || b != ZTS_ERR_SERVICE || c != ZTS_ERR_SERVICE)
        return fail("construct_other: want %d from each call", ZTS_ERR_SERVICE);
    return true;
}

bool native_online()
{
    return online;
}

bool native_ready()
{
    return online && ready6;
}

uint64_t native_node_id()
{
    std::lock_guard<std::mutex> lock(mu);
    return online_node_id;
}

std::string native_ip6()
{
    char buf[ZTS_INET6_ADDRSTRLEN] = "";

    if (zts_addr_get_str(g_nwid, ZTS_AF_INET6, buf, sizeof(buf)) != ZTS_ERR_OK)
        return "";
    return buf;
}

uint64_t native_net_mac()
{
    return zts_net_get_mac(g_nwid);
}

int native_query_peer(uint64_t mac, uint64_t *peer_id, unsigned *path_count)
{
    zts_peer_info_t info;
    int rv;

    if (zts_core_lock_obtain() != ZTS_ERR_OK)
        return fail("core_lock_obtain"), ZTS_ERR_GENERAL;
    rv = zts_core_query_peer_info(g_nwid, mac, &info);
    if (zts_core_lock_release() != ZTS_ERR_OK)
        fail("core_lock_release");
    if (rv == ZTS_ERR_OK) {
        *peer_id = info.peer_id;
        *path_count = info.path_count;
    }
    return rv;
}

bool native_subscribed(uint64_t mac)
{
    bool found = false;
    int n;

    if (zts_core_lock_obtain() != ZTS_ERR_OK)
        return false;
    n = zts_core_query_mc_count(g_nwid);
    for (int i = 0; i < n && !found; i++) {
        uint64_t m = 0;
        uint32_t adi = 1;
        found = zts_core_query_mc(g_nwid, (unsigned)i, &m, &adi) == ZTS_ERR_OK && m == mac &&
                adi == 0;
    }
    zts_core_lock_release();
    return found;
}

int native_peer_state(uint64_t peer_id)
{
    std::lock_guard<std::mutex> lock(mu);
    auto it = relayed_by_peer.find(peer_id);
    return it == relayed_by_peer.end() ? -1 : it->second ? 0 : 1;
}

bool native_peer_departed(uint64_t peer_id)
{
    std::lock_guard<std::mutex> lock(mu);
    auto it = peer_codes.find(peer_id);
    size_t n = it == peer_codes.end() ? 0 : it->second.size();
    return n >= 2 && it->second[n - 2] == ZTS_EVENT_PEER_PATH_DEAD &&
           it->second[n - 1] == ZTS_EVENT_PEER_RELAY;
}

/* §6.3: the order of the first occurrences, for a join that assigns IPv4 and IPv6 at once. */
static void check_order(const std::vector<event_rec> &ev, uint64_t up_id, uint64_t on_id)
{
    int up = first_of(ev, ZTS_EVENT_NODE_UP), on = first_of(ev, ZTS_EVENT_NODE_ONLINE);
    int a4 = first_of(ev, ZTS_EVENT_ADDR_ADDED_IP4), a6 = first_of(ev, ZTS_EVENT_ADDR_ADDED_IP6);
    int upd = first_of(ev, ZTS_EVENT_NETWORK_UPDATE), ok = first_of(ev, ZTS_EVENT_NETWORK_OK);
    int r4 = first_of(ev, ZTS_EVENT_NETWORK_READY_IP4);
    int r6 = first_of(ev, ZTS_EVENT_NETWORK_READY_IP6);
    bool good = true;
    int last = ZTS_EVENT_NODE_OFFLINE; /* so that the first must be ONLINE */

    say("order up=%d online=%d addr4=%d addr6=%d update=%d ready4=%d ready6=%d ok=%d", up, on,
        a4, a6, upd, r4, r6, ok);
    good &= up >= 0 && on > up && up_id == on_id && on_id == zts_node_get_id();
    good &= a4 >= 0 && a6 > a4 && upd > a6;
    good &= r4 > a4 && r6 > a6 && r6 > on && r6 > r4 && ok > r6;
    good &= first_of(ev, ZTS_EVENT_NETWORK_READY_IP4_IP6) < 0;
    /* The identity was in storage: no identity store event, and store events precede NODE_UP. */
    good &= first_of(ev, ZTS_EVENT_STORE_IDENTITY_SECRET) < 0;
    for (size_t i = 0; i < ev.size(); i++) {
        int c = ev[i].code;
        if (c >= 270 && c <= 274 && (int)i > up)
            good = false;
        if (c >= 240 && c <= 244 && (int)i < on) /* §6.3 item 5: peers while online only */
            good = false;
        if (c == ZTS_EVENT_NODE_ONLINE || c == ZTS_EVENT_NODE_OFFLINE) {
            good &= c != last; /* they alternate */
            last = c;
        }
        if ((c >= 210 && c <= 219) || (c >= 260 && c <= 263))
            good &= ev[i].id == g_nwid;
    }
    if (good)
        say("PASS order node_up=%010" PRIx64 " node_online=%010" PRIx64, up_id, on_id);
    else
        fail("order (see the 'order' line and the 'ev' lines)");
}

void native_final_checks(const std::string &other_dir)
{
    std::vector<event_rec> ev;
    uint64_t up_id, on_id;
    struct stat st;

    {
        std::lock_guard<std::mutex> lock(mu);
        ev = events;
        up_id = up_node_id;
        on_id = online_node_id;
    }
    check_order(ev, up_id, on_id);
    /* §7.6: the repeated constructions changed nothing. */
    if (other_calls != 0 || stat(other_dir.c_str(), &st) == 0 || events_after_other == 0 ||
        zts_node_get_id() != on_id)
        fail("unchanged other_handler_calls=%d other_dir_exists=%d events_after=%d",
             other_calls.load(), stat(other_dir.c_str(), &st) == 0, events_after_other.load());
    else
        say("PASS unchanged handler_events_after=%d node=%010" PRIx64,
            events_after_other.load(), on_id);
}

int native_free()
{
    int rv = zts_node_free();

    say("free rv=%d", rv);
    return rv;
}
