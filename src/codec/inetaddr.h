/*
 * inetaddr.h: IP endpoint value and its ZeroTier binary encoding (vl1.md §4.16) and text
 * form "ip/port".  A plain value type; no sockets.
 */
#ifndef ZT_CORE_INETADDR_H
#define ZT_CORE_INETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define ZT_INETADDR_STR_MAX 56 /* "ffff:...:ffff/65535" with room to spare */

typedef struct zt_inetaddr {
    uint8_t family; /* 0 (none), 4 or 6 */
    uint8_t ip[16]; /* IPv4 in the first 4 bytes */
    uint16_t port;
} zt_inetaddr;

void zt__inetaddr_set4(zt_inetaddr *a, const uint8_t ip[4], uint16_t port);
void zt__inetaddr_set6(zt_inetaddr *a, const uint8_t ip[16], uint16_t port);
bool zt__inetaddr_equal(const zt_inetaddr *a, const zt_inetaddr *b);
/* Orders by family, then address bytes, then port (for sorting endpoint lists). */
int zt__inetaddr_compare(const zt_inetaddr *a, const zt_inetaddr *b);

/* IP scopes (vl1.md §5.6). */
typedef enum {
    ZT_IP_SCOPE_NONE = 0,
    ZT_IP_SCOPE_MULTICAST = 1,
    ZT_IP_SCOPE_LOOPBACK = 2,
    ZT_IP_SCOPE_PSEUDOPRIVATE = 3,
    ZT_IP_SCOPE_GLOBAL = 4,
    ZT_IP_SCOPE_LINK_LOCAL = 5,
    ZT_IP_SCOPE_SHARED = 6,
    ZT_IP_SCOPE_PRIVATE = 7,
} zt_ip_scope;

zt_ip_scope zt__inetaddr_scope(const zt_inetaddr *a);
/* Same family and address bytes (ports ignored). */
bool zt__inetaddr_same_ip(const zt_inetaddr *a, const zt_inetaddr *b);
/* |a| inside the network |net| (its port field: the prefix length; beyond the family's bits,
 * nothing is inside). */
bool zt__inetaddr_in_net(const zt_inetaddr *a, const zt_inetaddr *net);

/* Binary form.  Reading skips the reserved types 1, 2, 3 (they yield family 0) and rejects
 * others with ZT_ERR_INVAL; returns ZT_ERR_TRUNCATED if cut short. */
void zt__inetaddr_write(zt_wr *w, const zt_inetaddr *a);
int zt__inetaddr_read(zt_rd *r, zt_inetaddr *a);

/* Text form "1.2.3.4/9993" or "2001:db8::1/9993" (the port part is required).  Returns 0 or
 * ZT_ERR_INVAL. */
int zt__inetaddr_parse(zt_inetaddr *a, const char *s, size_t len);
/* Writes the text form; returns the length or ZT_ERR_NOSPACE / ZT_ERR_INVAL (family 0). */
zt_ssize zt__inetaddr_format(const zt_inetaddr *a, char *out, size_t cap);

#endif
