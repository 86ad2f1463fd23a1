/*
 * sim_eth.h: Ethernet payloads for the VL2 simulation tests, so that a test can play the
 * local IP stack of each member: ARP requests and replies (RFC 826), IPv4 ICMP echo
 * (RFC 792) and IPv6 ICMPv6 echo (RFC 4443), with real checksums, built and parsed.  Payloads
 * are what follows the Ethernet header (zt__node_send_frame and the frame callback carry the
 * MACs and the ethertype apart).  Test helpers only.
 */
#ifndef ZT_TESTS_SIM_SIM_ETH_H
#define ZT_TESTS_SIM_SIM_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_ETHERTYPE_IPV4 0x0800u
#define SIM_ETHERTYPE_ARP 0x0806u
#define SIM_ETHERTYPE_IPV6 0x86ddu
#define SIM_MAC_BROADCAST 0xffffffffffffULL

#define SIM_ARP_LEN 28
#define SIM_ARP_REQUEST 1
#define SIM_ARP_REPLY 2

/* An IPv4-over-Ethernet ARP packet. */
typedef struct sim_arp {
    unsigned op;      /* SIM_ARP_REQUEST or SIM_ARP_REPLY */
    uint64_t sha;     /* sender hardware address */
    uint8_t spa[4];   /* sender protocol address */
    uint64_t tha;     /* target hardware address (0 in a request) */
    uint8_t tpa[4];   /* target protocol address */
} sim_arp;

/* Writes |a| into |out| (at least SIM_ARP_LEN bytes); returns SIM_ARP_LEN. */
size_t sim_arp_build(uint8_t *out, const sim_arp *a);
/* Parses an IPv4-over-Ethernet ARP packet; false if |p| is not one. */
bool sim_arp_parse(const uint8_t *p, size_t len, sim_arp *out);

/* An ICMP echo request or reply, over IPv4 or IPv6. */
typedef struct sim_echo {
    bool reply;
    uint16_t id, seq;
    uint8_t src[16], dst[16]; /* IPv4 addresses in the first 4 bytes */
    const uint8_t *data;      /* parse: points into the packet */
    size_t len;
} sim_echo;

/* IPv4 header (20 bytes, TTL 64, header checksum) + ICMP echo (checksum).  Returns the
 * length, or 0 if |cap| is too small. */
size_t sim_icmp4_echo_build(uint8_t *out, size_t cap, const sim_echo *e);
/* Parses an IPv4 ICMP echo; false unless the version, lengths, protocol and both checksums
 * are right. */
bool sim_icmp4_echo_parse(const uint8_t *p, size_t len, sim_echo *out);

/* IPv6 header (40 bytes, hop limit 64) + ICMPv6 echo (checksum over the pseudo-header). */
size_t sim_icmp6_echo_build(uint8_t *out, size_t cap, const sim_echo *e);
bool sim_icmp6_echo_parse(const uint8_t *p, size_t len, sim_echo *out);

#endif
