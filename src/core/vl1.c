/* Handling received VL1 packets, verb by verb (vl1.md §3.1, §4, §5.6-5.9). */
#include "core/vl1.h"

#include <string.h>

#include "core/host.h"
#include "core/idcheck.h"
#include "core/lookup.h"
#include "core/multicast.h"
#include "core/network.h"
#include "core/pathpush.h"
#include "core/peer.h"
#include "core/send.h"
#include "core/topology.h"
#include "core/vl2.h"
#include "crypto/crypto.h"

static int drop(uint64_t *counter)
{
    (*counter)++;
    return ZT_ERR_DROP;
}

/* The source prefix of |from| as one of ZT_IDV_BUCKETS (§5.9): the /24 of an IPv4 address,
 * a hash of the first 48 bits of an IPv6 one. */
static size_t prefix_bucket(const zt_inetaddr *from)
{
    uint32_t h = 0;

    if (from->family == 4) {
        uint32_t prefix = (uint32_t)zt__load_be(from->ip, 3);
        h = prefix ^ (prefix >> 14);
    } else {
        for (int i = 0; i < 6; i++)
            h = (h << 5) + h + from->ip[i];
    }
    return h % ZT_IDV_BUCKETS;
}

/* Identity verification costs a 2 MiB hash: one per source prefix per 2 s (§5.9). */
static bool identity_gate(zt_node *n, const zt_inetaddr *from, size_t b, int64_t now)
{
    /* Local processes on loopback (tests, demos) all share one prefix: not a flood (the
     * global budget of idcheck.c still applies). */
    if (n->cfg.allow_loopback_paths && zt__inetaddr_scope(from) == ZT_IP_SCOPE_LOOPBACK)
        return true;
    if (n->idv_gate[b] != 0 && now - n->idv_gate[b] < ZT_IDENTITY_VALIDATION_RATE_LIMIT)
        return false;
    n->idv_gate[b] = now;
    return true;
}

static void selfaware_report(zt_node *n, uint64_t reporter, int64_t local_socket,
                             const zt_inetaddr *reporter_addr, const zt_inetaddr *mine,
                             bool trusted, int64_t now)
{
    zt_ip_scope scope = zt__inetaddr_scope(mine);
    size_t slot = ZT_SELFAWARE_SLOTS, oldest = 0;

    if (scope != zt__inetaddr_scope(reporter_addr) || scope == ZT_IP_SCOPE_NONE ||
        scope == ZT_IP_SCOPE_LOOPBACK || scope == ZT_IP_SCOPE_MULTICAST)
        return;
    for (size_t i = 0; i < ZT_SELFAWARE_SLOTS; i++) {
        if (n->selfaware[i].when != 0 && n->selfaware[i].reporter == reporter &&
            n->selfaware[i].local_socket == local_socket &&
            zt__inetaddr_equal(&n->selfaware[i].reporter_addr, reporter_addr)) {
            slot = i;
            break;
        }
        if (n->selfaware[i].when < n->selfaware[oldest].when)
            oldest = i;
    }
    if (slot < ZT_SELFAWARE_SLOTS && trusted &&
        !zt__inetaddr_same_ip(&n->selfaware[slot].mine, mine)) {
        /* Our network changed under us: forget other reports in this scope (§5.8). */
        for (size_t i = 0; i < ZT_SELFAWARE_SLOTS; i++)
            if (i != slot && zt__inetaddr_scope(&n->selfaware[i].mine) == scope)
                n->selfaware[i].when = 0;
    }
    if (slot == ZT_SELFAWARE_SLOTS)
        slot = oldest;
    n->selfaware[slot].reporter = reporter;
    n->selfaware[slot].local_socket = local_socket;
    n->selfaware[slot].reporter_addr = *reporter_addr;
    n->selfaware[slot].mine = *mine;
    n->selfaware[slot].when = now;
}

/* Worlds attached to OK(HELLO) for a HELLO that listed |planet_id|/|planet_ts| and moons. */
/* Bookkeeping for an authenticated packet; a new address it came from gets a HELLO. */
static void received(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                     unsigned hops, unsigned verb, int64_t now)
{
    if (zt__peer_received(n, p, local_socket, from, hops, verb, now))
        (void)zt__send_hello(n, p, local_socket, from, now);
}

static void append_worlds(zt_node *n, zt_wr *w, uint64_t planet_id, uint64_t planet_ts,
                          zt_rd *moons)
{
    uint8_t *len_at = w->p;
    size_t start;
    uint16_t count = 0;

    zt__wr_u16(w, 0);
    start = zt__wr_len(w);
    if (n->planet != NULL && planet_id == n->planet->id && planet_ts < n->planet->timestamp) {
        zt_ssize k = zt__world_write(n->planet, false, w->p, (size_t)(w->end - w->p));
        if (k > 0)
            w->p += k;
    }
    if (moons != NULL && zt__rd_u16(moons, &count) == 0) {
        for (unsigned i = 0; i < count; i++) {
            uint8_t type;
            uint64_t id, ts;
            if (zt__rd_u8(moons, &type) != 0 || zt__rd_u64(moons, &id) != 0 ||
                zt__rd_u64(moons, &ts) != 0)
                break;
            for (unsigned m = 0; m < n->nmoons; m++) {
                if (type == ZT_WORLD_TYPE_MOON && n->moons[m]->id == id &&
                    ts < n->moons[m]->timestamp) {
                    zt_ssize k = zt__world_write(n->moons[m], false, w->p,
                                                 (size_t)(w->end - w->p));
                    if (k > 0)
                        w->p += k;
                }
            }
        }
    }
    if (!w->overflow)
        zt__store_be(len_at, zt__wr_len(w) - start, 2);
}

/* A HELLO from someone else claiming a known address: told so, if it proves its key (§4.2). */
static int hello_collision(zt_node *n, const zt_identity *id, uint8_t *pkt, const uint8_t *in,
                           size_t len, int64_t local_socket, const zt_inetaddr *from,
                           int64_t now)
{
    uint8_t key[ZT_SHARED_KEY_LEN];
    zt_wr w;

    if (!identity_gate(n, from, prefix_bucket(from), now))
        return drop(&n->counters.drop_rate_limited);
    if (!zt__idcheck_agree_budget(n, false, now))
        return drop(&n->counters.drop_overload);
    if (zt__identity_agree(&n->self, id, key) != 0 || zt__pkt_dearmor(pkt, len, key) != 0) {
        zt__wipe(key, sizeof(key));
        return drop(&n->counters.drop_auth);
    }
    w = zt__send_begin(n, id->address, ZT_VERB_ERROR);
    zt__wr_u8(&w, ZT_VERB_HELLO);
    zt__wr_bytes(&w, in + ZT_PKT_IDX_IV, 8);
    zt__wr_u8(&w, ZT_ERROR_IDENTITY_COLLISION);
    (void)zt__send_finish(n, &w, key, NULL, ZT_CIPHER_POLY1305_SALSA2012, false, NULL,
                          local_socket, from, now);
    zt__wipe(key, sizeof(key));
    return 0;
}

/* A HELLO from a new identity: the MAC first (cheap), then the address proof (2 MiB hash),
 * each within the per-prefix gate and the global budget (idcheck.c).  Returns 0 with the
 * peer added (or the proof handed to the embedder: no peer yet), or the drop. */
static int hello_new_peer(zt_node *n, const zt_identity *id, uint8_t *pkt, const uint8_t *in,
                          size_t len, int64_t local_socket, const zt_inetaddr *from,
                          int64_t now)
{
    uint8_t key[ZT_SHARED_KEY_LEN];
    size_t bucket = prefix_bucket(from);
    bool fresh;
    int rv;

    if (zt__idcheck_failed_before(n, id))
        return drop(&n->counters.drop_invalid_identity);
    if (zt__idcheck_in_progress(n, id->address))
        return zt__idcheck_hold(n, id, pkt, in, len, local_socket, from, now);
    if (!identity_gate(n, from, bucket, now))
        return drop(&n->counters.drop_rate_limited);
    fresh = zt__idcheck_fresh_prefix(n, bucket, now);
    if (!zt__idcheck_agree_budget(n, fresh, now))
        return drop(&n->counters.drop_overload);
    if (zt__identity_agree(&n->self, id, key) != 0 || zt__pkt_dearmor(pkt, len, key) != 0) {
        zt__wipe(key, sizeof(key));
        return drop(&n->counters.drop_auth);
    }
    rv = zt__idcheck_start(n, id, key, fresh, local_socket, from, in, len, now);
    zt__wipe(key, sizeof(key));
    if (rv == ZT_ERR_AGAIN)
        return 0; /* handled again when the embedder has checked the proof */
    if (rv != 0)
        return ZT_ERR_DROP; /* counted by idcheck.c */
    if (zt__peer_add(n, id, now) == NULL)
        return drop(&n->counters.drop_queue_full);
    return 0;
}

static int handle_hello(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                        const uint8_t *in, size_t len, int64_t now)
{
    uint8_t *pkt = n->rxbuf;
    uint8_t proto, major, minor;
    uint16_t revision;
    uint64_t timestamp, planet_id = 0, planet_ts = 0;
    unsigned hops = zt__pkt_hops(in);
    zt_inetaddr mine;
    zt_identity id;
    zt_peer *p;
    zt_rd r;
    zt_wr w;
    bool have_mine = false, have_moons = false;
    zt_rd moons;

    memcpy(pkt, in, len);
    r = zt__rd_make(pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    if (zt__rd_u8(&r, &proto) != 0 || zt__rd_u8(&r, &major) != 0 || zt__rd_u8(&r, &minor) != 0 ||
        zt__rd_u16(&r, &revision) != 0 || zt__rd_u64(&r, &timestamp) != 0 ||
        zt__identity_read(&r, &id) != 0)
        return drop(&n->counters.drop_malformed);
    if (proto < ZT_PROTO_VERSION_MIN || id.address != zt__pkt_source(pkt) || id.has_secret) {
        zt__identity_clear(&id);
        return drop(&n->counters.drop_malformed);
    }
    p = zt__peer_find(n, id.address);
    if (p != NULL && !zt__identity_equal(&p->id, &id))
        return hello_collision(n, &id, pkt, in, len, local_socket, from, now);
    if (p != NULL) {
        if (zt__pkt_dearmor(pkt, len, p->key) != 0)
            return drop(&n->counters.drop_auth);
    } else {
        int rv = hello_new_peer(n, &id, pkt, in, len, local_socket, from, now);
        if (rv != 0 || (p = zt__peer_find(n, id.address)) == NULL)
            return rv;
    }

    /* Optional trailing fields: older senders stop anywhere (§4.2). */
    if (zt__rd_left(&r) > 0 && zt__inetaddr_read(&r, &mine) == 0) {
        have_mine = mine.family != 0;
        if (zt__rd_u64(&r, &planet_id) == 0 && zt__rd_u64(&r, &planet_ts) == 0 &&
            zt__rd_left(&r) > 0) {
            size_t start = (size_t)(r.p - pkt);
            zt__pkt_crypt_field(pkt, len, p->key, start);
            moons = zt__rd_make(pkt + start, len - start);
            have_moons = true;
        }
    }
    if (have_mine && hops == 0)
        selfaware_report(n, p->id.address, local_socket, from, &mine, p->is_upstream, now);
    p->proto = proto;
    p->major = major;
    p->minor = minor;
    p->revision = revision;

    w = zt__send_begin_ok(n, p->id.address, ZT_VERB_HELLO, in);
    zt__wr_u64(&w, timestamp);
    zt__wr_u8(&w, ZT_NODE_PROTO_VERSION);
    zt__wr_u8(&w, ZT_NODE_VERSION_MAJOR);
    zt__wr_u8(&w, ZT_NODE_VERSION_MINOR);
    zt__wr_u16(&w, ZT_NODE_VERSION_REVISION);
    {
        zt_inetaddr seen = *from;
        if (proto < 5)
            seen.port = 0;
        zt__inetaddr_write(&w, hops == 0 ? &seen : &(zt_inetaddr){0});
    }
    append_worlds(n, &w, planet_id, planet_ts, have_moons ? &moons : NULL);
    (void)zt__send_reply(n, p, &w, local_socket, from, now);
    received(n, p, local_socket, from, hops, ZT_VERB_HELLO, now);
    return 0;
}

static void ok_hello(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                     unsigned hops, zt_rd *r, int64_t now)
{
    uint8_t proto, major, minor;
    uint16_t revision, blob_len;
    uint64_t ts;
    zt_inetaddr mine;

    if (zt__rd_u64(r, &ts) != 0 || zt__rd_u8(r, &proto) != 0 || zt__rd_u8(r, &major) != 0 ||
        zt__rd_u8(r, &minor) != 0 || zt__rd_u16(r, &revision) != 0 || proto < ZT_PROTO_VERSION_MIN)
        return;
    p->proto = proto;
    p->major = major;
    p->minor = minor;
    p->revision = revision;
    if (hops == 0 && (int64_t)ts <= now) {
        zt_path *path = zt__peer_find_path(p, local_socket, from);
        int64_t rtt = now - (int64_t)ts;
        if (path != NULL)
            path->latency = path->latency < 0 ? rtt : (path->latency + rtt) / 2;
        p->latency = p->latency < 0 ? rtt : (p->latency + rtt) / 2;
    }
    if (zt__inetaddr_read(r, &mine) != 0)
        return;
    if (hops == 0 && mine.family != 0)
        selfaware_report(n, p->id.address, local_socket, from, &mine, p->is_upstream, now);
    if (zt__rd_u16(r, &blob_len) != 0 || blob_len > zt__rd_left(r))
        return;
    if (p->is_upstream || zt__topology_is_moon_seed(n, p->id.address)) {
        zt_rd blob = zt__rd_make(r->p, blob_len);
        zt_world *w = zt__mem_calloc(n->mem, 1, sizeof(*w));
        while (w != NULL && zt__rd_left(&blob) > 0 && zt__world_read(&blob, w) == 0)
            if (zt__topology_offer(n, w, p->id.address))
                (void)zt__peer_sync_upstreams(n, now);
        zt__mem_free(n->mem, w);
    }
}

static void ok_whois(zt_node *n, zt_peer *up, zt_rd *r, int64_t now)
{
    zt_identity id;

    if (!up->is_upstream)
        return; /* only upstreams answer for identities (§4.3) */
    while (zt__rd_left(r) >= ZT_IDENTITY_BIN_PUBLIC_LEN && zt__identity_read(r, &id) == 0) {
        zt_peer *p;
        if (id.has_secret || zt__peer_find(n, id.address) != NULL || id.address == n->address)
            continue;
        /* Validated even from a root, so a root cannot substitute keys; within the budget
         * (a WHOIS that goes unanswered is asked again). */
        if (zt__idcheck_failed_before(n, &id) || zt__idcheck_in_progress(n, id.address) ||
            zt__idcheck_start(n, &id, NULL, false, ZT_LOCAL_SOCKET_ANY, NULL, NULL, 0, now) != 0)
            continue;
        p = zt__peer_add(n, &id, now);
        if (p != NULL) /* let it learn our version at once (vl1.md §8b) */
            (void)zt__send_hello(n, p, ZT_LOCAL_SOCKET_ANY, NULL, now);
    }
}

static void handle_ok(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                      unsigned hops, const uint8_t *pkt, size_t len, int64_t now)
{
    zt_rd r = zt__rd_make(pkt + ZT_PKT_IDX_OK_PAYLOAD, len - ZT_PKT_IDX_OK_PAYLOAD);

    switch (pkt[ZT_PKT_IDX_INRE_VERB]) {
    case ZT_VERB_HELLO:
        ok_hello(n, p, local_socket, from, hops, &r, now);
        break;
    case ZT_VERB_WHOIS:
        ok_whois(n, p, &r, now);
        break;
    case ZT_VERB_ECHO: {
        uint64_t ts;
        uint8_t asked = 0;
        if (zt__rd_u64(&r, &ts) == 0 && (int64_t)ts <= now) {
            zt_node_event ev;
            int64_t rtt = now - (int64_t)ts;
            zt_path *path = hops == 0 ? zt__peer_find_path(p, local_socket, from) : NULL;
            if (path != NULL)
                path->latency = path->latency < 0 ? rtt : (path->latency + rtt) / 2;
            if (zt__rd_u8(&r, &asked) != 0 || asked != ZT_ECHO_ASKED)
                break; /* a keepalive's answer: latency only */
            memset(&ev, 0, sizeof(ev));
            ev.type = ZT_NODE_EVENT_ECHO_REPLY;
            ev.peer = p->id.address;
            ev.rtt_ms = rtt;
            ev.local_socket = local_socket;
            ev.remote = *from;
            zt__host_event(n, &ev);
        }
        break;
    }
    case ZT_VERB_NETWORK_CONFIG_REQUEST:
        zt__network_config_chunk(n, p, pkt, pkt + ZT_PKT_IDX_OK_PAYLOAD,
                                 len - ZT_PKT_IDX_OK_PAYLOAD, false, now);
        break;
    case ZT_VERB_MULTICAST_GATHER:
    case ZT_VERB_MULTICAST_FRAME:
        zt__mcast_gather_ok(n, pkt + ZT_PKT_IDX_OK_PAYLOAD, len - ZT_PKT_IDX_OK_PAYLOAD,
                            pkt[ZT_PKT_IDX_INRE_VERB] == ZT_VERB_MULTICAST_FRAME, now);
        break;
    default:
        break; /* other VL2 replies arrive with frames and multicast */
    }
}

static void handle_error(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len, int64_t now)
{
    if (len <= ZT_PKT_IDX_ERROR_CODE)
        return;
    if (pkt[ZT_PKT_IDX_ERROR_CODE] == ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE) {
        zt__vl2_error(n, p, pkt, len, now);
        return;
    }
    if (pkt[ZT_PKT_IDX_INRE_VERB] == ZT_VERB_NETWORK_CONFIG_REQUEST) {
        zt__network_config_error(n, p, pkt + ZT_PKT_IDX_INRE_VERB, len - ZT_PKT_IDX_INRE_VERB);
        return;
    }
    if (pkt[ZT_PKT_IDX_INRE_VERB] == ZT_VERB_HELLO &&
        pkt[ZT_PKT_IDX_ERROR_CODE] == ZT_ERROR_IDENTITY_COLLISION && p->is_upstream) {
        zt_node_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = ZT_NODE_EVENT_IDENTITY_COLLISION;
        ev.peer = p->id.address;
        zt__host_event(n, &ev);
    }
}

static void handle_whois(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                         const uint8_t *pkt, size_t len, int64_t now)
{
    zt_rd r = zt__rd_make(pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    zt_wr w;
    size_t empty;
    uint64_t address;

    if (!n->is_root) {
        if (now - p->last_whois_reply < ZT_PEER_WHOIS_RATE_LIMIT)
            return;
        p->last_whois_reply = now;
    }
    w = zt__send_begin_ok(n, p->id.address, ZT_VERB_WHOIS, pkt);
    empty = zt__wr_len(&w);
    while (zt__rd_be(&r, &address, ZT_ADDRESS_LEN) == 0) {
        const zt_peer *known = zt__peer_find(n, address);
        if (address == n->address)
            zt__identity_write(&w, &n->self, false);
        else if (known != NULL)
            zt__identity_write(&w, &known->id, false);
        else if (n->is_root && !p->is_upstream && zt__lookup_whois(n, address, now))
            n->counters.whois_forwarded++; /* asked the other roots (§4.3); the requester's
                                            * next WHOIS finds the identity here */
        if (zt__wr_len(&w) + ZT_IDENTITY_BIN_PUBLIC_LEN > 1200)
            break; /* one datagram's worth */
    }
    if (zt__wr_len(&w) > empty) /* unknown addresses get no answer (§4.3) */
        (void)zt__send_reply(n, p, &w, local_socket, from, now);
}

static void handle_rendezvous(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len,
                              int64_t now)
{
    static const uint8_t junk[4] = {0x5a, 0x54, 0x4a, 0x4b};
    zt_rd r = zt__rd_make(pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    uint8_t flags, alen, ip[16];
    uint16_t port;
    uint64_t address;
    zt_inetaddr at;
    zt_peer *with;

    if (!p->is_upstream)
        return;
    if (zt__rd_u8(&r, &flags) != 0 || zt__rd_be(&r, &address, ZT_ADDRESS_LEN) != 0 ||
        zt__rd_u16(&r, &port) != 0 || zt__rd_u8(&r, &alen) != 0 || (alen != 4 && alen != 16) ||
        zt__rd_bytes(&r, ip, alen) != 0 || port == 0)
        return;
    with = zt__peer_find(n, address);
    if (with == NULL)
        return;
    if (alen == 4)
        zt__inetaddr_set4(&at, ip, port);
    else
        zt__inetaddr_set6(&at, ip, port);
    if (!zt__peer_path_acceptable(n, with, &at))
        return;
    /* Open our NAT towards it (the datagram dies two hops out), then knock (§4.4). */
    (void)zt__host_datagram(n, ZT_LOCAL_SOCKET_ANY, &at, junk, sizeof(junk), 2);
    (void)zt__send_contact(n, with, ZT_LOCAL_SOCKET_ANY, &at, now);
}

static void handle_echo(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                        const uint8_t *pkt, size_t len, int64_t now)
{
    zt_path *path = zt__peer_find_path(p, local_socket, from);
    zt_wr w;

    /* One answer per path per 166 ms; an unknown path is new and always answered. */
    if (path != NULL) {
        if (path->last_echo_reply != 0 && now - path->last_echo_reply < ZT_ECHO_RATE_LIMIT)
            return;
        path->last_echo_reply = now;
    }
    w = zt__send_begin_ok(n, p->id.address, ZT_VERB_ECHO, pkt);
    zt__wr_bytes(&w, pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    (void)zt__send_reply(n, p, &w, local_socket, from, now);
}

static void handle_user_message(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len)
{
    zt_node_event ev;

    if (len < ZT_PKT_IDX_PAYLOAD + 8)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_NODE_EVENT_USER_MESSAGE;
    ev.peer = p->id.address;
    ev.message_type = zt__load_be(pkt + ZT_PKT_IDX_PAYLOAD, 8);
    ev.data = pkt + ZT_PKT_IDX_PAYLOAD + 8;
    ev.len = len - ZT_PKT_IDX_PAYLOAD - 8;
    zt__host_event(n, &ev);
}

/* One handler per verb of an authenticated packet |pkt| (dearmored, decompressed). */
static void dispatch(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                     unsigned hops, unsigned verb, const uint8_t *pkt, size_t len, int64_t now)
{
    switch (verb) {
    case ZT_VERB_OK:
        handle_ok(n, p, local_socket, from, hops, pkt, len, now);
        break;
    case ZT_VERB_ERROR:
        handle_error(n, p, pkt, len, now);
        break;
    case ZT_VERB_WHOIS:
        handle_whois(n, p, local_socket, from, pkt, len, now);
        break;
    case ZT_VERB_RENDEZVOUS:
        handle_rendezvous(n, p, pkt, len, now);
        break;
    case ZT_VERB_ECHO:
        handle_echo(n, p, local_socket, from, pkt, len, now);
        break;
    case ZT_VERB_PUSH_DIRECT_PATHS:
        zt__pathpush_received(n, p, pkt, len, now);
        break;
    case ZT_VERB_USER_MESSAGE:
        handle_user_message(n, p, pkt, len);
        break;
    case ZT_VERB_NETWORK_CONFIG_REQUEST:
        zt__network_config_request(n, p, local_socket, from, pkt, len, now);
        break;
    case ZT_VERB_NETWORK_CONFIG:
        zt__network_config_chunk(n, p, pkt, pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD,
                                 true, now);
        break;
    case ZT_VERB_FRAME:
    case ZT_VERB_EXT_FRAME:
    case ZT_VERB_NETWORK_CREDENTIALS:
    case ZT_VERB_MULTICAST_LIKE:
    case ZT_VERB_MULTICAST_GATHER:
    case ZT_VERB_MULTICAST_FRAME:
        zt__vl2_handle(n, p, local_socket, from, verb, pkt, len, now);
        break;
    default:
        break; /* NOP, VL2 verbs (with the network layer), unknown: accepted, ignored */
    }
}

int zt__vl1_handle(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                   const uint8_t *in, size_t len, int64_t now)
{
    uint64_t source = zt__pkt_source(in);
    unsigned hops = zt__pkt_hops(in), cipher = zt__pkt_cipher(in), verb;
    const uint8_t *pkt;
    zt_ssize plen;
    zt_peer *p;

    if (len < ZT_PKT_MIN_LEN || len > ZT_PKT_MAX_LEN)
        return drop(&n->counters.drop_malformed);
    if (source == n->address || zt__address_is_reserved(source))
        return drop(&n->counters.drop_malformed);
    if (cipher == ZT_CIPHER_POLY1305_NONE && (in[ZT_PKT_IDX_VERB] & ZT_PKT_VERB_MASK) == ZT_VERB_HELLO)
        return handle_hello(n, local_socket, from, in, len, now);
    if (cipher == ZT_CIPHER_NONE_TRUSTED || cipher > ZT_CIPHER_AES_GMAC_SIV)
        return drop(&n->counters.drop_unsupported_cipher); /* no trusted paths configured */
    p = zt__lookup_peer(n, source, now);
    if (p == NULL) {
        zt__lookup_queue_rx(n, local_socket, from, in, len, now); /* wait for WHOIS (§5.3) */
        return 0;
    }
    memcpy(n->rxbuf, in, len);
    /* 1.14 accepts suites 0, 1 and 3 from any known peer, whatever its version (§3.1). */
    if ((cipher == ZT_CIPHER_AES_GMAC_SIV ? zt__pkt_dearmor_aes(n->rxbuf, len, &p->aes)
                                          : zt__pkt_dearmor(n->rxbuf, len, p->key)) != 0)
        return drop(&n->counters.drop_auth);
    plen = zt__pkt_uncompress(n->rxbuf, len, n->rxbuf2, sizeof(n->rxbuf2));
    if (plen < 0)
        return drop(&n->counters.drop_malformed);
    pkt = zt__pkt_is_compressed(n->rxbuf) ? n->rxbuf2 : n->rxbuf;
    len = (size_t)plen;
    verb = zt__pkt_verb(pkt);

    if (verb == ZT_VERB_OK) {
        /* Only replies to what we asked (§4.1). */
        if (len < ZT_PKT_IDX_OK_PAYLOAD ||
            !zt__send_expecting_reply(n, zt__load_be(pkt + ZT_PKT_IDX_INRE_ID, 8)))
            return drop(&n->counters.drop_unexpected_ok);
    }
    received(n, p, local_socket, from, hops, verb, now);
    dispatch(n, p, local_socket, from, hops, verb, pkt, len, now);
    return 0;
}
