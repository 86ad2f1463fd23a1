/*
 * ethernet.h: Ethernet addressing on a virtual network (vl2.md §2): the MAC of a node, the
 * multicast groups (including the ARP and address-resolution groups), the derived IPv6
 * addresses, NDP emulation as a pure function, and the MULTICAST_LIKE record (§3.3).
 *
 * MACs are held as 48-bit integers in the low bits of a uint64_t, first octet most
 * significant (so 02:13:65:12:90:b0 is 0x0213651290b0).  Nothing here allocates.
 */
#ifndef ZT_CORE_ETHERNET_H
#define ZT_CORE_ETHERNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/inetaddr.h"
#include "codec/wire/vl2.h"
#include "util/buf.h"

/* First octet of every member's MAC on network |nwid| (§2.1, with the 0x52 -> 0x32 rule). */
uint8_t zt__mac_first_octet(uint64_t nwid);
/* MAC of node |address| (40 bits) on network |nwid| (§2.1). */
uint64_t zt__mac_from_address(uint64_t address, uint64_t nwid);
/* Reverse of zt__mac_from_address: the node address a MAC stands for on |nwid|. */
uint64_t zt__mac_to_address(uint64_t mac, uint64_t nwid);
/* True when |mac| "belongs to a ZeroTier peer" on |nwid|: its first octet is the network's
 * first octet.  No other check is made (§2.1). */
bool zt__mac_is_member(uint64_t mac, uint64_t nwid);

bool zt__mac_is_multicast(uint64_t mac);
bool zt__mac_is_broadcast(uint64_t mac);
void zt__mac_to_bytes(uint64_t mac, uint8_t out[ZT_MAC_LEN]);
uint64_t zt__mac_from_bytes(const uint8_t in[ZT_MAC_LEN]);

/* A multicast group (§2.2): MAC plus "additional distinguishing information". */
typedef struct zt_mgroup {
    uint64_t mac; /* 48 bits */
    uint32_t adi;
} zt_mgroup;

/* Orders by MAC (as a 48-bit integer), then ADI: <0, 0 or >0 like memcmp. */
int zt__mgroup_compare(const zt_mgroup *a, const zt_mgroup *b);
bool zt__mgroup_equal(const zt_mgroup *a, const zt_mgroup *b);

/* The address-resolution group of one of our own IPs (§2.2): IPv4 a.b.c.d ->
 * (ff:ff:ff:ff:ff:ff, 0xaabbccdd); IPv6 -> (33:33:ff:x:y:z, 0) from its last three bytes.
 * Returns 0, or ZT_ERR_INVAL when |ip| is neither IPv4 nor IPv6. */
int zt__mgroup_for_address_resolution(const zt_inetaddr *ip, zt_mgroup *out);

/* True when an outbound frame to |dst_mac| with |ethertype| and Ethernet payload |payload|
 * (|len| bytes, borrowed) is an IPv4 ARP request (§2.2); then *out is the group
 * (ff:ff:ff:ff:ff:ff, target protocol address).  *out is untouched otherwise. */
bool zt__arp_request_group(uint64_t dst_mac, uint16_t ethertype, const uint8_t *payload,
                           size_t len, zt_mgroup *out);

/* The group an outbound multicast frame goes to (§2.2): the ARP group for an ARP request,
 * else (dst_mac, 0).  Whether the broadcast group may be used at all (config flag 0x02) is the
 * caller's decision. */
zt_mgroup zt__mgroup_for_frame(uint64_t dst_mac, uint16_t ethertype, const uint8_t *payload,
                               size_t len);

/* IPv6 addresses derived from (nwid, node address): rfc4193 (§2.3, port field = 88 netmask
 * bits) and 6PLANE (§2.4, port field = 40). */
void zt__ipv6_rfc4193(uint64_t nwid, uint64_t address, zt_inetaddr *out);
void zt__ipv6_6plane(uint64_t nwid, uint64_t address, zt_inetaddr *out);

/* A synthesized Neighbor Advertisement for the local stack (§2.5). */
typedef struct zt_ndp_reply {
    uint64_t src_mac;                /* the peer's MAC on the network */
    uint64_t dst_mac;                /* the soliciting MAC */
    uint16_t ethertype;              /* 0x86dd */
    uint8_t packet[ZT_NDP_NA_LEN];   /* IPv6 header + ICMPv6 NA + target link-layer option */
} zt_ndp_reply;

/*
 * NDP emulation (§2.5).  Call only when the config has flag 0x04.  |src_mac|, |dst_mac|,
 * |ethertype| and the Ethernet payload |payload| (|len| bytes) describe a frame the local
 * stack is sending; |own_ips| (|n_own|, borrowed) are our static IPs from the config, with
 * the netmask bits in the port field.  Returns true when the frame is a Neighbor Solicitation
 * for a peer's rfc4193 or 6PLANE address other than |own_address|: then *out holds the Neighbor
 * Advertisement to hand back to the local stack, and the frame must not be sent.  Returns
 * false (and leaves *out alone) when the frame should go out as ordinary multicast.
 */
bool zt__ndp_emulate(uint64_t nwid, uint64_t own_address, uint64_t src_mac, uint64_t dst_mac,
                     uint16_t ethertype, const uint8_t *payload, size_t len,
                     const zt_inetaddr *own_ips, size_t n_own, zt_ndp_reply *out);

/* The ICMPv6 checksum of |icmp| (|len| bytes, checksum field included as it stands) between
 * IPv6 addresses |src| and |dst| (RFC 4443 §2.3 pseudo-header).  Returns the value to store
 * (big-endian) in the checksum field when that field was zero; 0 when verifying a correct one. */
uint16_t zt__icmpv6_checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp,
                             size_t len);

/* MULTICAST_LIKE records (§3.3): u64 nwid, 6-byte MAC, u32 ADI.  The writer sets w->overflow
 * when out of room; the reader returns 0 or ZT_ERR_TRUNCATED. */
void zt__mlike_write(zt_wr *w, uint64_t nwid, const zt_mgroup *g);
int zt__mlike_read(zt_rd *r, uint64_t *nwid, zt_mgroup *g);

#endif
