/*
 * ethernet.c: Ethernet addressing on a virtual network (vl2.md §2, §3.3).
 */
#include "codec/ethernet.h"

#include <string.h>

#define MAC_MASK 0xffffffffffffULL

uint8_t zt__mac_first_octet(uint64_t nwid)
{
    /* Locally administered unicast, from the lowest byte of the network ID; 0x52 is avoided
     * because KVM/libvirt hand it out (§2.1). */
    uint8_t o = (uint8_t)(((uint8_t)nwid & 0xfe) | ZT_MAC_LOCAL_BIT);
    return o == ZT_MAC_AVOID_FIRST_OCTET ? (uint8_t)ZT_MAC_AVOID_REPLACEMENT : o;
}

/* The five network-ID bytes N[6], N[5], N[4], N[3], N[2] that mask address bytes A[0..4]:
 * as a 40-bit value whose top byte is N[6], that is the byte-reversed nwid bits 8..47. */
static uint64_t address_mask(uint64_t nwid)
{
    uint64_t m = 0;
    for (unsigned i = 0; i < 5; i++)
        m = m << 8 | ((nwid >> (8 * (i + 1))) & 0xff);
    return m;
}

uint64_t zt__mac_from_address(uint64_t address, uint64_t nwid)
{
    uint64_t low = (address & 0xffffffffffULL) ^ address_mask(nwid);
    return (uint64_t)zt__mac_first_octet(nwid) << 40 | low;
}

uint64_t zt__mac_to_address(uint64_t mac, uint64_t nwid)
{
    return ((mac & 0xffffffffffULL) ^ address_mask(nwid)) & 0xffffffffffULL;
}

bool zt__mac_is_member(uint64_t mac, uint64_t nwid)
{
    return (uint8_t)((mac >> 40) & 0xff) == zt__mac_first_octet(nwid);
}

bool zt__mac_is_multicast(uint64_t mac)
{
    return ((mac >> 40) & ZT_MAC_MULTICAST_BIT) != 0;
}

bool zt__mac_is_broadcast(uint64_t mac)
{
    return (mac & MAC_MASK) == ZT_MAC_BROADCAST;
}

void zt__mac_to_bytes(uint64_t mac, uint8_t out[ZT_MAC_LEN])
{
    zt__store_be(out, mac, ZT_MAC_LEN);
}

uint64_t zt__mac_from_bytes(const uint8_t in[ZT_MAC_LEN])
{
    return zt__load_be(in, ZT_MAC_LEN);
}

int zt__mgroup_compare(const zt_mgroup *a, const zt_mgroup *b)
{
    uint64_t ma = a->mac & MAC_MASK, mb = b->mac & MAC_MASK;
    if (ma != mb)
        return ma < mb ? -1 : 1;
    if (a->adi != b->adi)
        return a->adi < b->adi ? -1 : 1;
    return 0;
}

bool zt__mgroup_equal(const zt_mgroup *a, const zt_mgroup *b)
{
    return zt__mgroup_compare(a, b) == 0;
}

int zt__mgroup_for_address_resolution(const zt_inetaddr *ip, zt_mgroup *out)
{
    if (ip->family == 4) {
        out->mac = ZT_MAC_BROADCAST;
        out->adi = (uint32_t)zt__load_be(ip->ip, 4);
        return 0;
    }
    if (ip->family == 6) {
        /* Solicited-node multicast MAC 33:33:ff + the last three address bytes. */
        out->mac = 0x3333ff000000ULL | zt__load_be(ip->ip + 13, 3);
        out->adi = 0;
        return 0;
    }
    return ZT_ERR_INVAL;
}

bool zt__arp_request_group(uint64_t dst_mac, uint16_t ethertype, const uint8_t *payload,
                           size_t len, zt_mgroup *out)
{
    /* Broadcast IPv4-over-Ethernet ARP with opcode 1 (§2.2). */
    if (!zt__mac_is_broadcast(dst_mac) || ethertype != ZT_ETHERTYPE_ARP)
        return false;
    if (len < ZT_ARP_MIN_LEN || payload[2] != 0x08 || payload[3] != 0x00 || payload[4] != 6 ||
        payload[5] != 4 || payload[7] != 1)
        return false;
    out->mac = ZT_MAC_BROADCAST;
    out->adi = (uint32_t)zt__load_be(payload + ZT_ARP_IDX_TARGET_IP, 4);
    return true;
}

zt_mgroup zt__mgroup_for_frame(uint64_t dst_mac, uint16_t ethertype, const uint8_t *payload,
                               size_t len)
{
    zt_mgroup g = {dst_mac & MAC_MASK, 0};
    (void)zt__arp_request_group(dst_mac, ethertype, payload, len, &g);
    return g;
}

void zt__ipv6_rfc4193(uint64_t nwid, uint64_t address, zt_inetaddr *out)
{
    uint8_t ip[16];

    ip[0] = ZT_RFC4193_PREFIX;
    zt__store_be(ip + 1, nwid, 8);
    ip[9] = ZT_RFC4193_MARK0;
    ip[10] = ZT_RFC4193_MARK1;
    zt__store_be(ip + 11, address, 5);
    zt__inetaddr_set6(out, ip, ZT_RFC4193_NETMASK_BITS);
}

static uint32_t sixplane_x(uint64_t nwid)
{
    return (uint32_t)((nwid ^ (nwid >> 32)) & 0xffffffffULL);
}

void zt__ipv6_6plane(uint64_t nwid, uint64_t address, zt_inetaddr *out)
{
    uint8_t ip[16] = {0};

    ip[0] = ZT_6PLANE_PREFIX;
    zt__store_be(ip + 1, sixplane_x(nwid), 4);
    zt__store_be(ip + 5, address, 5);
    ip[15] = 0x01;
    zt__inetaddr_set6(out, ip, ZT_6PLANE_NETMASK_BITS);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i;
    for (i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < len)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

uint16_t zt__icmpv6_checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp,
                             size_t len)
{
    uint32_t sum = 0;
    uint8_t tail[8];

    /* Pseudo-header: source, destination, u32 upper-layer length, 3 zero bytes, next header. */
    sum = sum16(sum, src, 16);
    sum = sum16(sum, dst, 16);
    zt__store_be(tail, (uint64_t)(uint32_t)len, 4);
    tail[4] = tail[5] = tail[6] = 0;
    tail[7] = ZT_IPPROTO_ICMPV6;
    sum = sum16(sum, tail, sizeof(tail));
    /* Fold as we go so a long input cannot overflow the 32-bit accumulator. */
    for (size_t off = 0; off < len; off += 32768) {
        size_t n = len - off < 32768 ? len - off : 32768;
        sum = sum16(sum, icmp + off, n);
        sum = (sum & 0xffff) + (sum >> 16);
    }
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Which peer a solicited target |t| names through our own address |own| (§2.5).  Returns true
 * and sets *peer when |own| is our rfc4193 or 6PLANE address and |t| lies in its network. */
static bool ndp_peer_for(uint64_t nwid, const zt_inetaddr *own, const uint8_t t[16],
                         uint64_t *peer)
{
    uint8_t x[4];

    if (own->family != 6)
        return false;
    if (own->port == ZT_RFC4193_NETMASK_BITS && own->ip[0] == ZT_RFC4193_PREFIX &&
        own->ip[9] == ZT_RFC4193_MARK0 && own->ip[10] == ZT_RFC4193_MARK1 &&
        memcmp(t, own->ip, 11) == 0) {
        *peer = zt__load_be(t + 11, 5);
        return true;
    }
    zt__store_be(x, sixplane_x(nwid), 4);
    if (own->port == ZT_6PLANE_NETMASK_BITS && own->ip[0] == ZT_6PLANE_PREFIX &&
        memcmp(own->ip + 1, x, 4) == 0 && memcmp(t, own->ip, 5) == 0) {
        *peer = zt__load_be(t + 5, 5);
        return true;
    }
    return false;
}

bool zt__ndp_emulate(uint64_t nwid, uint64_t own_address, uint64_t src_mac, uint64_t dst_mac,
                     uint16_t ethertype, const uint8_t *payload, size_t len,
                     const zt_inetaddr *own_ips, size_t n_own, zt_ndp_reply *out)
{
    const uint8_t *t;
    const zt_inetaddr *own = NULL;
    uint64_t peer = 0, peer_mac;
    uint8_t *p;
    uint16_t ck;

    if (!zt__mac_is_multicast(dst_mac) || ethertype != ZT_ETHERTYPE_IPV6 ||
        len < ZT_NDP_NS_MIN_LEN || payload[ZT_NDP_IDX_NEXT_HEADER] != ZT_IPPROTO_ICMPV6 ||
        payload[ZT_NDP_IDX_ICMP_TYPE] != ZT_ICMPV6_NEIGHBOR_SOLICITATION)
        return false;
    t = payload + ZT_NDP_IDX_TARGET;
    for (size_t i = 0; i < n_own; i++) {
        if (ndp_peer_for(nwid, &own_ips[i], t, &peer)) {
            own = &own_ips[i];
            break;
        }
    }
    if (own == NULL || peer == (own_address & 0xffffffffffULL))
        return false;

    peer_mac = zt__mac_from_address(peer, nwid);
    out->src_mac = peer_mac;
    out->dst_mac = src_mac & MAC_MASK;
    out->ethertype = ZT_ETHERTYPE_IPV6;
    p = out->packet;
    memset(p, 0, ZT_NDP_NA_LEN);
    p[0] = 0x60;                         /* version 6, class 0, flow 0 */
    p[5] = ZT_NDP_NA_LEN - 40;           /* payload length 32 */
    p[6] = ZT_IPPROTO_ICMPV6;
    p[7] = 255;                          /* hop limit, as NDP requires */
    memcpy(p + 8, t, 16);                /* source: the solicited target */
    memcpy(p + 24, own->ip, 16);         /* destination: our matching address */
    p[40] = ZT_ICMPV6_NEIGHBOR_ADVERTISEMENT;
    p[41] = 0;                           /* code; checksum at 42..43 filled below */
    p[44] = 0x60;                        /* solicited + override */
    memcpy(p + 48, t, 16);               /* target */
    p[64] = 2;                           /* option: target link-layer address */
    p[65] = 1;                           /* length in units of 8 bytes */
    zt__mac_to_bytes(peer_mac, p + 66);
    ck = zt__icmpv6_checksum(p + 8, p + 24, p + 40, ZT_NDP_NA_LEN - 40);
    zt__store_be(p + 42, ck, 2);
    return true;
}

void zt__mlike_write(zt_wr *w, uint64_t nwid, const zt_mgroup *g)
{
    zt__wr_u64(w, nwid);
    zt__wr_be(w, g->mac & MAC_MASK, ZT_MAC_LEN);
    zt__wr_be(w, g->adi, 4);
}

int zt__mlike_read(zt_rd *r, uint64_t *nwid, zt_mgroup *g)
{
    if (zt__rd_left(r) < ZT_MLIKE_RECORD_LEN)
        return ZT_ERR_TRUNCATED;
    *nwid = zt__load_be(r->p, 8);
    g->mac = zt__load_be(r->p + 8, ZT_MAC_LEN);
    g->adi = (uint32_t)zt__load_be(r->p + 14, 4);
    r->p += ZT_MLIKE_RECORD_LEN;
    return 0;
}
