/*
 * relay_addr.h: the relay's destination rules (relay_addr.c; docs/relay.md): addresses and
 * CIDRs in text, and which destinations the relay may send to.  The framing itself is
 * src/codec/relay_frame.h, shared with the runner's tunnel.
 */
#ifndef ZT_RELAY_ADDR_H
#define ZT_RELAY_ADDR_H

#include <stdbool.h>

#include "codec/relay_frame.h"

#define ZT_RELAY_ADDR_STR_MAX 56 /* "[v6]/port" text with room to spare */

/* A destination prefix of --allow. */
typedef struct {
    uint8_t family; /* ZT_RELAY_AF_INET or ZT_RELAY_AF_INET6 */
    uint8_t ip[16]; /* bits past |bits| are zero */
    unsigned bits;
} zt_relay_cidr;

/* Parses "IP" (a /32 or /128) or "IP/BITS" of |text| (NUL-terminated).  Returns 0 or
 * ZT_ERR_INVAL. */
int zt__relay_cidr_parse(zt_relay_cidr *out, const char *text);

/* Parses a bare IPv4 or IPv6 address of |text| into |out| (port 0).  0 or ZT_ERR_INVAL. */
int zt__relay_addr_parse(zt_relay_addr *out, const char *text);

/* Formats |a| as "1.2.3.4/port" or "v6/port" (ZeroTier's notation) into |out|. */
void zt__relay_addr_format(const zt_relay_addr *a, char *out, size_t cap);

/* An IPv6 address of the form ::ffff:a.b.c.d becomes IPv4 a.b.c.d; others are unchanged. */
void zt__relay_addr_unmap(zt_relay_addr *a);

/* True if |a| is inside |c| (same family). */
bool zt__relay_cidr_contains(const zt_relay_cidr *c, const zt_relay_addr *a);

/*
 * zt__relay_dest_allowed says whether the relay may send a datagram to |a| (already
 * unmapped): never to port 0, to an unspecified (::, 0.0.0.0/8), multicast or (IPv4)
 * limited-broadcast address, nor to an unknown family; and, when |nallow| > 0, only inside one of |allow|.
 */
bool zt__relay_dest_allowed(const zt_relay_addr *a, const zt_relay_cidr *allow, unsigned nallow);

#endif
