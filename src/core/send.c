/* Building, routing and sending packets; relaying (vl1.md §2, §4, §5.4-5.5); send.h. */
#include "core/send.h"

#include <string.h>

#include "core/host.h"
#include "core/peer.h"

zt_wr zt__send_begin(zt_node *n, uint64_t dest, unsigned verb)
{
    zt_wr w;
    (void)zt__pkt_init(n->txbuf, sizeof(n->txbuf), zt__host_random(n), dest, n->address, verb);
    w = zt__wr_make(n->txbuf + ZT_PKT_IDX_PAYLOAD, sizeof(n->txbuf) - ZT_PKT_IDX_PAYLOAD);
    return w;
}

void zt__send_expect_reply(zt_node *n, uint64_t packet_id)
{
    unsigned b = (unsigned)(packet_id >> 32) & (ZT_EXPECT_BUCKETS - 1);
    n->expect[b][n->expect_pos[b]++ % ZT_EXPECT_PER_BUCKET] = (uint32_t)(packet_id >> 32);
}

bool zt__send_expecting_reply(const zt_node *n, uint64_t packet_id)
{
    unsigned b = (unsigned)(packet_id >> 32) & (ZT_EXPECT_BUCKETS - 1);
    for (unsigned i = 0; i < ZT_EXPECT_PER_BUCKET; i++)
        if (n->expect[b][i] == (uint32_t)(packet_id >> 32) && n->expect[b][i] != 0)
            return true;
    return false;
}

/* Where a packet for |p| goes (vl1.md §5.4): its best direct path while that is alive; else a
 * relay through the best upstream (never |p| itself); else a direct path heard from within
 * the expiration window.  Preferring the relay over a silent direct path is ours: traffic
 * keeps flowing while keepalives find out whether the direct path still works.  Returns the
 * path used, or NULL. */
static zt_path *route(zt_node *n, zt_peer *p, bool *direct, int64_t now)
{
    zt_path *path = zt__peer_best_path(p, now, true);
    zt_peer *up;

    *direct = true;
    if (path != NULL && zt__peer_path_alive(path, now))
        return path;
    up = zt__peer_best_upstream(n, now);
    if (up != NULL && up != p) {
        zt_path *relay = zt__peer_best_path(up, now, true);
        if (relay != NULL) {
            *direct = false;
            return relay;
        }
    }
    return path;
}

static bool worth_compressing(unsigned verb)
{
    return verb == ZT_VERB_USER_MESSAGE || verb == ZT_VERB_PUSH_DIRECT_PATHS ||
           verb == ZT_VERB_OK || verb == ZT_VERB_MULTICAST_LIKE ||
           verb == ZT_VERB_NETWORK_CONFIG || verb == ZT_VERB_NETWORK_CONFIG_REQUEST;
}

/* LZ4 when it helps (vl1.md §2.6).  After 8 payloads in a row that did not shrink (encrypted
 * or compressed application data), the next 64 are sent as they are: a failed attempt costs as
 * much as a third of the packet's crypto. */
static size_t maybe_compress(zt_node *n, uint8_t *pkt, size_t len)
{
    size_t out;

    if (n->lz4_skip > 0) {
        n->lz4_skip--;
        return len;
    }
    out = zt__pkt_compress(pkt, len);
    if (out < len || len <= ZT_PKT_IDX_PAYLOAD + ZT_LZ4_MIN_PAYLOAD) {
        n->lz4_misses = 0;
    } else if (++n->lz4_misses >= 8) {
        n->lz4_misses = 0;
        n->lz4_skip = 64;
    }
    return out;
}

/* Sends an armored packet, split into fragments when it exceeds the MTU. */
static int transmit(zt_node *n, int64_t local_socket, const zt_inetaddr *to, const uint8_t *pkt,
                    size_t len)
{
    size_t mtu = n->cfg.physical_mtu;
    unsigned total = zt__frag_count(len, mtu);
    int rv = zt__host_datagram(n, local_socket, to, pkt, len < mtu ? len : mtu, 0);

    for (unsigned i = 1; i < total && rv == 0; i++) {
        zt_ssize flen = zt__frag_build(n->fragbuf, sizeof(n->fragbuf), pkt, len, mtu, i);
        if (flen < 0)
            return (int)flen;
        rv = zt__host_datagram(n, local_socket, to, n->fragbuf, (size_t)flen, 0);
    }
    return rv;
}

int zt__send_finish(zt_node *n, const zt_wr *w, const uint8_t key[ZT_SHARED_KEY_LEN],
                    const zt_aes_keys *aes, unsigned suite, bool expect_reply, zt_peer *p,
                    int64_t local_socket, const zt_inetaddr *to, int64_t now)
{
    uint8_t *pkt = n->txbuf;
    size_t len = ZT_PKT_IDX_PAYLOAD + zt__wr_len(w);
    zt_path *path = NULL;
    bool direct = true;
    int rv;

    if (w->overflow || !zt__frag_fits(len, n->cfg.physical_mtu))
        return ZT_ERR_RANGE;
    if (to == NULL) {
        if (p == NULL || (path = route(n, p, &direct, now)) == NULL) {
            n->counters.drop_no_route++;
            return ZT_ERR_NOTFOUND;
        }
        local_socket = path->local_socket;
        to = &path->addr;
    }
    if (suite != ZT_CIPHER_POLY1305_NONE && worth_compressing(zt__pkt_verb(pkt)))
        len = maybe_compress(n, pkt, len);
    if (len > n->cfg.physical_mtu)
        pkt[ZT_PKT_IDX_FLAGS] |= ZT_PKT_FLAG_FRAGMENTED;
    if (suite == ZT_CIPHER_AES_GMAC_SIV)
        rv = aes != NULL ? zt__pkt_armor_aes(pkt, len, aes) : ZT_ERR_INVAL;
    else
        rv = zt__pkt_armor(pkt, len, key, suite);
    if (rv != 0)
        return rv;
    if (expect_reply)
        zt__send_expect_reply(n, zt__pkt_id(pkt));
    rv = transmit(n, local_socket, to, pkt, len);
    if (path != NULL)
        path->last_send = now;
    if (p != NULL) {
        p->last_send = now;
        if (direct) {
            zt_path *used = zt__peer_find_path(p, local_socket, to);
            if (used != NULL)
                used->last_send = now;
        }
    }
    return rv;
}

int zt__send_reply(zt_node *n, zt_peer *p, const zt_wr *w, int64_t local_socket,
                   const zt_inetaddr *from, int64_t now)
{
    return zt__send_finish(n, w, p->key, &p->aes, zt__peer_suite(p), false, p, local_socket,
                           from, now);
}

zt_wr zt__send_begin_ok(zt_node *n, uint64_t dest, unsigned inre_verb, const uint8_t *pkt)
{
    zt_wr w = zt__send_begin(n, dest, ZT_VERB_OK);
    zt__wr_u8(&w, (uint8_t)inre_verb);
    zt__wr_bytes(&w, pkt + ZT_PKT_IDX_IV, 8); /* the request's wire bytes, exactly (§4.1) */
    return w;
}

void zt__send_vl2_error(zt_node *n, zt_peer *p, const uint8_t *pkt, uint8_t code, uint64_t nwid,
                        int64_t local_socket, const zt_inetaddr *from, int64_t now)
{
    zt_wr w = zt__send_begin(n, p->id.address, ZT_VERB_ERROR);
    zt_ssize k = zt__vl2_error_write(w.p, (size_t)(w.end - w.p), (uint8_t)zt__pkt_verb(pkt),
                                     zt__pkt_id(pkt), code, nwid);
    if (k > 0) {
        w.p += k;
        (void)zt__send_reply(n, p, &w, local_socket, from, now);
    }
}

int zt__send_to_peer(zt_node *n, zt_peer *p, const zt_wr *w, bool expect_reply, int64_t now)
{
    return zt__send_finish(n, w, p->key, &p->aes, zt__peer_suite(p), expect_reply, p,
                           ZT_LOCAL_SOCKET_ANY, NULL, now);
}

/* HELLO (vl1.md §4.2): always suite 0, with the moon list under the field cipher. */
int zt__send_hello(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                   int64_t now)
{
    static const zt_inetaddr none;
    const zt_inetaddr *phys = to;
    zt_path *path = NULL;
    size_t crypt_start;
    bool direct = true;
    zt_wr w;

    if (to == NULL) {
        path = route(n, p, &direct, now);
        if (path == NULL) {
            n->counters.drop_no_route++;
            return ZT_ERR_NOTFOUND;
        }
        local_socket = path->local_socket;
        to = &path->addr;
        phys = direct ? to : &none;
    }
    w = zt__send_begin(n, p->id.address, ZT_VERB_HELLO);
    zt__wr_u8(&w, ZT_NODE_PROTO_VERSION);
    zt__wr_u8(&w, ZT_NODE_VERSION_MAJOR);
    zt__wr_u8(&w, ZT_NODE_VERSION_MINOR);
    zt__wr_u16(&w, ZT_NODE_VERSION_REVISION);
    zt__wr_u64(&w, (uint64_t)now);
    zt__identity_write(&w, &n->self, false);
    zt__inetaddr_write(&w, phys);
    zt__wr_u64(&w, n->planet != NULL ? n->planet->id : 0);
    zt__wr_u64(&w, n->planet != NULL ? n->planet->timestamp : 0);
    crypt_start = ZT_PKT_IDX_PAYLOAD + zt__wr_len(&w);
    zt__wr_u16(&w, (uint16_t)(n->nmoons + n->norbits));
    for (unsigned i = 0; i < n->nmoons; i++) {
        zt__wr_u8(&w, ZT_WORLD_TYPE_MOON);
        zt__wr_u64(&w, n->moons[i]->id);
        zt__wr_u64(&w, n->moons[i]->timestamp);
    }
    for (unsigned i = 0; i < n->norbits; i++) {
        zt__wr_u8(&w, ZT_WORLD_TYPE_MOON);
        zt__wr_u64(&w, n->orbits[i].id);
        zt__wr_u64(&w, 0);
    }
    if (w.overflow)
        return ZT_ERR_RANGE;
    zt__pkt_crypt_field(n->txbuf, ZT_PKT_IDX_PAYLOAD + zt__wr_len(&w), p->key, crypt_start);
    n->counters.hello_sent++;
    return zt__send_finish(n, &w, p->key, NULL, ZT_CIPHER_POLY1305_NONE, true, p, local_socket, to,
                           now);
}

int zt__send_echo(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                  bool asked, int64_t now)
{
    zt_wr w = zt__send_begin(n, p->id.address, ZT_VERB_ECHO);
    zt__wr_u64(&w, (uint64_t)now); /* comes back in the OK: the RTT needs no state */
    if (asked)
        zt__wr_u8(&w, ZT_ECHO_ASKED); /* an embedder's ping, not a keepalive */
    n->counters.echo_sent++;
    return zt__send_finish(n, &w, p->key, &p->aes, zt__peer_suite(p), true, p, local_socket,
                           to, now);
}

int zt__send_contact(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                     int64_t now)
{
    if (p->proto >= 5)
        return zt__send_echo(n, p, local_socket, to, false, now);
    return zt__send_hello(n, p, local_socket, to, now);
}

/* RENDEZVOUS to |to| about |other| reachable at |at| (vl1.md §4.4). */
static void send_rendezvous(zt_node *n, zt_peer *to, const zt_peer *other, const zt_inetaddr *at,
                            int64_t now)
{
    zt_wr w = zt__send_begin(n, to->id.address, ZT_VERB_RENDEZVOUS);
    zt__wr_u8(&w, 0);
    zt__wr_be(&w, other->id.address, ZT_ADDRESS_LEN);
    zt__wr_u16(&w, at->port);
    zt__wr_u8(&w, at->family == 4 ? 4 : 16);
    zt__wr_bytes(&w, at->ip, at->family == 4 ? 4 : 16);
    n->counters.rendezvous_sent++;
    (void)zt__send_to_peer(n, to, &w, false, now);
}

/* The best path of |p| in |family|, or NULL. */
static zt_path *best_in_family(zt_peer *p, uint8_t family, int64_t now)
{
    zt_path *best = NULL;
    for (unsigned i = 0; i < ZT_NODE_MAX_PATHS; i++) {
        zt_path *path = &p->paths[i];
        if (path->used && path->addr.family == family && zt__peer_path_alive(path, now) &&
            (best == NULL || path->last_recv > best->last_recv))
            best = path;
    }
    return best;
}

/* Introduces two peers that talk through us, at most once per 30 s per pair (§5.5). */
static void unite(zt_node *n, zt_peer *a, zt_peer *b, int64_t now)
{
    uint64_t lo = a->id.address < b->id.address ? a->id.address : b->id.address;
    uint64_t hi = a->id.address ^ b->id.address ^ lo;
    size_t slot = (size_t)((lo * 31 + hi) * 0x9e3779b97f4a7c15ULL >> 56) % ZT_UNITE_SLOTS;
    zt_path *pa = NULL, *pb = NULL;
    static const uint8_t families[2] = {6, 4}; /* IPv6 first */

    if (n->unite[slot].a == lo && n->unite[slot].b == hi &&
        now - n->unite[slot].when < ZT_MIN_UNITE_INTERVAL)
        return;
    for (int i = 0; i < 2 && (pa == NULL || pb == NULL); i++) {
        pa = best_in_family(a, families[i], now);
        pb = best_in_family(b, families[i], now);
    }
    if (pa == NULL || pb == NULL)
        return;
    n->unite[slot].a = lo;
    n->unite[slot].b = hi;
    n->unite[slot].when = now;
    if (zt__host_random(n) & 1) {
        send_rendezvous(n, a, b, &pb->addr, now);
        send_rendezvous(n, b, a, &pa->addr, now);
    } else {
        send_rendezvous(n, b, a, &pa->addr, now);
        send_rendezvous(n, a, b, &pb->addr, now);
    }
}

/* A root with no path to the destination hands the datagram to another root of its worlds
 * (vl1.md §5.5), never back to the one it came from. */
static zt_path *upstream_relay(zt_node *n, const zt_inetaddr *from, int64_t now)
{
    zt_peer *up = zt__peer_best_upstream(n, now);

    if (up == NULL || zt__peer_find_path(up, ZT_LOCAL_SOCKET_ANY, from) != NULL)
        return NULL;
    return zt__peer_best_path(up, now, true);
}

int zt__send_relay(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                   const uint8_t *data, size_t len, bool is_fragment, int64_t now)
{
    size_t hop_idx = is_fragment ? ZT_FRAG_IDX_HOPS : ZT_PKT_IDX_FLAGS;
    uint64_t dest = zt__load_be(data + ZT_PKT_IDX_DEST, ZT_ADDRESS_LEN);
    unsigned hops = data[hop_idx] & ZT_PKT_HOPS_MASK;
    zt_peer *to, *src;
    zt_path *path = NULL;
    bool direct;
    int rv;

    (void)local_socket;
    if (!n->is_root) {
        n->counters.drop_not_for_us++;
        return ZT_ERR_DROP;
    }
    if (hops >= ZT_RELAY_MAX_HOPS) {
        n->counters.drop_hops++;
        return ZT_ERR_DROP;
    }
    to = zt__peer_find(n, dest);
    if (to != NULL)
        path = zt__peer_best_path(to, now, true);
    direct = path != NULL;
    if (path == NULL)
        path = upstream_relay(n, from, now);
    if (len > sizeof(n->fragbuf) || path == NULL) {
        n->counters.drop_no_route++;
        return ZT_ERR_DROP;
    }
    memcpy(n->fragbuf, data, len);
    n->fragbuf[hop_idx] = (uint8_t)((n->fragbuf[hop_idx] & ~ZT_PKT_HOPS_MASK) | (hops + 1));
    rv = zt__host_datagram(n, path->local_socket, &path->addr, n->fragbuf, len, 0);
    if (rv == 0) {
        n->counters.relayed++;
        path->last_send = now;
    }
    if (direct && !is_fragment && (src = zt__peer_find(n, zt__pkt_source(data))) != NULL &&
        src != to)
        unite(n, src, to, now);
    return 0;
}
