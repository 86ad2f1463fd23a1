/* Frames and the membership gate of joined networks (vl2.md §3.1-§3.2, §3.7, §3.10, §5.7,
 * §9).  Credentials are in vl2_creds.c, the rules with TEE/WATCH/REDIRECT in vl2_filter.c. */
#include "core/vl2.h"

#include <string.h>

#include "core/host.h"
#include "core/lookup.h"
#include "core/membership.h"
#include "core/multicast.h"
#include "core/pathpush.h"
#include "core/peer.h"
#include "core/send.h"
#include "core/vl2_creds.h"
#include "core/vl2_filter.h"

void zt__vl2_network_free(zt_node *n, zt_network *net)
{
    zt__mcast_pending_clear(n, net);
    zt__vl2_creds_free(n, net);
    zt__mem_free(n->mem, net->rules);
    zt__mem_free(n->mem, net->members);
    zt__mem_free(n->mem, net->mcast);
    net->rules = NULL;
    net->members = NULL;
    net->mcast = NULL;
}

/* A new config: our COM, tags, capabilities, COOs and rules from it, our address-resolution
 * groups, pushes restart. */
void zt__vl2_config_applied(zt_node *n, zt_network *net, int64_t now)
{
    const uint8_t *blob;
    size_t len, count = 0;
    zt_rule *rules;
    zt_rd r;

    net->mac = zt__mac_from_address(n->address, net->nwid);
    net->config_applied = now;
    blob = zt__netconf_blob(&net->config, ZT_NETCONF_BLOB_COM, &len);
    r = zt__rd_make(blob, len);
    net->has_com = len > 0 && zt__com_read(&r, &net->com) == 0;

    blob = zt__netconf_blob(&net->config, ZT_NETCONF_BLOB_RULES, &len);
    rules = zt__mem_calloc(n->mem, ZT_RULES_MAX, sizeof(*rules));
    r = zt__rd_make(blob, len);
    if (rules != NULL && len > 0 && zt__rules_read_all(&r, rules, ZT_RULES_MAX, &count) != 0)
        count = 0; /* a malformed table drops everything, like no table */
    zt__mem_free(n->mem, net->rules);
    net->rules = rules;
    net->nrules = rules != NULL ? count : 0;
    zt__vl2_creds_apply_own(n, net);

    for (unsigned i = 0; i < net->nmembers; i++)
        net->members[i].last_pushed = 0;
    for (unsigned i = 0; i < net->config.n_static_ips; i++) {
        zt_mgroup g;
        if (zt__mgroup_for_address_resolution(&net->config.static_ips[i], &g) == 0)
            (void)zt__mcast_subscribe_quiet(net, g.mac, g.adi, now);
    }
    if (net->config.flags & ZT_NETCONF_FLAG_ENABLE_BROADCAST)
        (void)zt__mcast_subscribe_quiet(net, ZT_MAC_BROADCAST, 0, now);
    net->last_announce = now; /* new groups are announced at once (§7) */
    zt__mcast_announce(n, net, NULL, now);
}

int zt__node_send_frame(zt_node *n, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac,
                       unsigned ethertype, const void *data, size_t len, int64_t now)
{
    zt_network *net = zt__membership_network(n, nwid);
    uint64_t dest;
    zt_peer *p;
    zt_wr w;

    if (net == NULL)
        return ZT_ERR_NOTFOUND;
    if (!net->has_config)
        return ZT_ERR_AGAIN;
    if (src_mac != net->mac)
        return ZT_ERR_INVAL;
    if (len > net->config.mtu || (data == NULL && len > 0) || ethertype > 0xffff)
        return ZT_ERR_RANGE;
    if (zt__mac_is_multicast(dst_mac))
        return zt__mcast_send(n, net, src_mac, dst_mac, ethertype, data, len, now);
    if (dst_mac == net->mac) {
        zt__host_frame(n, net, src_mac, dst_mac, ethertype, data, len);
        return 0;
    }
    if (!zt__mac_is_member(dst_mac, nwid))
        return 0; /* bridged destinations need an active bridge: none here */
    dest = zt__mac_to_address(dst_mac, nwid);
    if (dest == n->address || zt__address_is_reserved(dest) ||
        !zt__vl2_filter(n, net, false, dest, src_mac, dst_mac, ethertype, data, len, false,
                        false, NULL, now))
        return 0; /* dropped, or redirected elsewhere (§6.3) */
    p = zt__lookup_peer(n, dest, now);
    if (p != NULL) {
        zt__vl2_creds_push_if_needed(n, net, p, now); /* before the frame is built in txbuf */
        p->last_activity = now;
    }
    w = zt__send_begin(n, dest, ZT_VERB_FRAME);
    zt__wr_u64(&w, nwid);
    zt__wr_u16(&w, (uint16_t)ethertype);
    zt__wr_bytes(&w, data, len);
    return zt__lookup_send_or_queue(n, p, dest, &w, false, now);
}

uint64_t zt__node_network_mac(const zt_node *n, uint64_t nwid)
{
    return zt__membership_network(n, nwid) != NULL ? zt__mac_from_address(n->address, nwid) : 0;
}

static void handle_frame(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                         const uint8_t *pkt, size_t len, int64_t now)
{
    const uint8_t *payload = pkt + ZT_PKT_IDX_PAYLOAD;
    size_t plen = len - ZT_PKT_IDX_PAYLOAD;
    zt_network *net;
    uint64_t nwid, src;

    if (plen < 10)
        return;
    nwid = zt__load_be(payload, 8);
    net = zt__membership_network(n, nwid);
    if (net == NULL)
        return;
    if (!zt__mcast_gate(n, net, p, now)) {
        zt__send_vl2_error(n, p, pkt, ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE, nwid, local_socket,
                           from, now);
        return;
    }
    src = zt__mac_from_address(p->id.address, nwid);
    if (plen > 10 && zt__vl2_filter(n, net, true, p->id.address, src, net->mac,
                                    (unsigned)zt__load_be(payload + 8, 2), payload + 10,
                                    plen - 10, false, false, NULL, now))
        zt__host_frame(n, net, src, net->mac, (unsigned)zt__load_be(payload + 8, 2),
                        payload + 10, plen - 10);
    zt__pathpush_send(n, p, zt__pkt_hops(pkt), now); /* trust established (vl1.md §4.7) */
}

/* §3.2 step 4 for a frame the rules accepted without super-accept: no bridges here, so the
 * source must be the peer itself and the destination us or (with multicast on) a group. */
static bool ext_frame_macs_ok(const zt_network *net, const zt_peer *p, uint64_t src,
                              uint64_t dst)
{
    return src == zt__mac_from_address(p->id.address, net->nwid) &&
           (dst == net->mac || (zt__mac_is_multicast(dst) && net->config.multicast_limit > 0));
}

/* §3.2.  A TEE/WATCH/REDIRECT target super-accepts (its own rules name it): the frame is
 * delivered with its explicit MACs though they are not ours.  The subtype bits are otherwise
 * ignored, as 1.14.1 does, except that a forwarded frame is never forwarded again. */
static void handle_ext_frame(zt_node *n, zt_peer *p, int64_t local_socket,
                             const zt_inetaddr *from, const uint8_t *pkt, size_t len,
                             int64_t now)
{
    zt_rd r = zt__rd_make(pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    uint8_t flags, mac[6];
    uint64_t nwid, dst, src;
    uint16_t ethertype;
    zt_network *net;
    zt_com com;
    bool super;

    if (zt__rd_u64(&r, &nwid) != 0 || zt__rd_u8(&r, &flags) != 0)
        return;
    net = zt__membership_network(n, nwid);
    if (net == NULL)
        return;
    if (flags & ZT_EXT_FRAME_FLAG_COM) {
        if (zt__com_read(&r, &com) != 0)
            return;
        zt__vl2_creds_offer_com(n, net, &com, now); /* deprecated, still honoured (§3.2 step 1) */
    }
    if (zt__rd_bytes(&r, mac, 6) != 0)
        return;
    dst = zt__mac_from_bytes(mac);
    if (zt__rd_bytes(&r, mac, 6) != 0 || zt__rd_u16(&r, &ethertype) != 0)
        return;
    src = zt__mac_from_bytes(mac);
    if (!zt__mcast_gate(n, net, p, now)) {
        zt__send_vl2_error(n, p, pkt, ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE, nwid, local_socket,
                           from, now);
        return;
    }
    if (src == 0 || src == net->mac)
        return;
    if (zt__vl2_filter(n, net, true, p->id.address, src, dst, ethertype, r.p, zt__rd_left(&r),
                       ZT_EXT_FRAME_SUBTYPE(flags) != 0, false, &super, now)) {
        if (!super && !ext_frame_macs_ok(net, p, src, dst))
            return;
        zt__host_frame(n, net, src, dst, ethertype, r.p, zt__rd_left(&r));
    }
    if (flags & ZT_EXT_FRAME_FLAG_ACK) {
        zt_wr w = zt__send_begin_ok(n, p->id.address, ZT_VERB_EXT_FRAME, pkt);
        zt__wr_u64(&w, nwid);
        (void)zt__send_reply(n, p, &w, local_socket, from, now);
    }
    zt__pathpush_send(n, p, zt__pkt_hops(pkt), now); /* trust established (vl1.md §4.7) */
}

void zt__vl2_error(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len, int64_t now)
{
    zt_vl2_error e;
    zt_network *net;
    zt_membership *m;

    if (zt__vl2_error_parse(&e, pkt + ZT_PKT_IDX_INRE_VERB, len - ZT_PKT_IDX_INRE_VERB) != 0 ||
        (net = zt__membership_network(n, e.nwid)) == NULL)
        return;
    if (e.code == ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE) {
        m = zt__membership_find(n, net, p->id.address, true);
        if (m == NULL || m->last_pushed < net->config_applied ||
            now - m->last_pushed > ZT_CREDENTIALS_RATE_LIMIT)
            zt__vl2_creds_push(n, net, p, now);
    }
}

void zt__vl2_handle(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                    unsigned verb, const uint8_t *pkt, size_t len, int64_t now)
{
    switch (verb) {
    case ZT_VERB_FRAME:
        handle_frame(n, p, local_socket, from, pkt, len, now);
        break;
    case ZT_VERB_EXT_FRAME:
        handle_ext_frame(n, p, local_socket, from, pkt, len, now);
        break;
    case ZT_VERB_NETWORK_CREDENTIALS:
        zt__vl2_creds_received(n, p, pkt, len, now);
        break;
    case ZT_VERB_MULTICAST_LIKE:
        zt__mcast_like_received(n, p, pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD, now);
        break;
    case ZT_VERB_MULTICAST_GATHER:
        zt__mcast_gather_received(n, p, local_socket, from, pkt, len, now);
        break;
    case ZT_VERB_MULTICAST_FRAME:
        zt__mcast_frame_received(n, p, pkt, len, now);
        break;
    default:
        break;
    }
}

void zt__vl2_timers(zt_node *n, zt_network *net, int64_t now)
{
    zt__mcast_expire(net, now);
    if (!net->has_config)
        return;
    if (now - net->last_announce >= ZT_MULTICAST_ANNOUNCE_PERIOD) {
        net->last_announce = now;
        zt__mcast_announce(n, net, NULL, now);
    }
    /* Every member whose gate passes hears our groups every 60 s (§7); the gate sends them. */
    for (unsigned i = 0; i < net->nmembers; i++) {
        const zt_peer *p = zt__peer_find(n, net->members[i].address);
        if (p != NULL)
            (void)zt__mcast_gate(n, net, p, now);
    }
}
