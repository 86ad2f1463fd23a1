/*
 * responder.h: the frames of zt-service's test actions (docs/service.md): ARP (RFC 826) for
 * IPv4 over Ethernet and ICMP echo (RFC 792) in IPv4 (RFC 791).  Frames are the payload after
 * the Ethernet header; MACs are 48-bit integers, first octet most significant (as the runner's).
 * Pure functions: no I/O, no state.
 */
#ifndef ZT_SERVICE_RESPONDER_H
#define ZT_SERVICE_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RESP_ETHERTYPE_IPV4 0x0800u
#define RESP_ETHERTYPE_ARP 0x0806u
#define RESP_ARP_LEN 28
#define RESP_MAX_FRAME 1500 /* replies are at most this long (larger requests get none) */

/* A reply to send: destination MAC, ethertype and payload. */
typedef struct resp_reply {
    uint64_t dst_mac;
    unsigned ethertype;
    uint8_t data[RESP_MAX_FRAME];
    size_t len;
} resp_reply;

/* When |data| (ethertype |ethertype|, from |src_mac|) is an ARP request for |my_ip| or an ICMP
 * echo request to |my_ip|, fills |out| with the answer from |my_mac| and returns true. */
bool resp_answer(const uint8_t my_ip[4], uint64_t my_mac, uint64_t src_mac, unsigned ethertype,
                 const uint8_t *data, size_t len, resp_reply *out);

/* An ARP request "who has |target_ip|? tell |my_ip|" (RESP_ARP_LEN bytes into |out|). */
size_t resp_arp_request(uint64_t my_mac, const uint8_t my_ip[4], const uint8_t target_ip[4],
                        uint8_t out[RESP_ARP_LEN]);

/* True when |data| is an ARP reply addressed to |my_ip|; *sender_ip and *sender_mac get who
 * answered. */
bool resp_parse_arp_reply(const uint8_t *data, size_t len, const uint8_t my_ip[4],
                          uint8_t sender_ip[4], uint64_t *sender_mac);

/* An IPv4 ICMP echo request from |src| to |dst| with |id|, |seq| and |plen| payload bytes (a
 * pattern).  Returns its length, 0 if it does not fit in |cap|. */
size_t resp_icmp_echo_request(const uint8_t src[4], const uint8_t dst[4], uint16_t id,
                              uint16_t seq, size_t plen, uint8_t *out, size_t cap);

/* True when |data| is an IPv4 ICMP echo reply to |my_ip| with a valid checksum; *from, *id and
 * *seq get its source, identifier and sequence number. */
bool resp_parse_icmp_reply(const uint8_t *data, size_t len, const uint8_t my_ip[4],
                           uint8_t from[4], uint16_t *id, uint16_t *seq);

#endif
