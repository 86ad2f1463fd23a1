/*
 * relay_addr.c: the relay's address rules (relay_addr.h): text forms, --allow prefixes and
 * the destination check.  Pure functions (inet_pton/inet_ntop only).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay_addr.h"

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int zt__relay_addr_parse(zt_relay_addr *out, const char *text)
{
    zt_relay_addr a;

    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, text, a.ip) == 1) {
        a.family = ZT_RELAY_AF_INET;
    } else if (inet_pton(AF_INET6, text, a.ip) == 1) {
        a.family = ZT_RELAY_AF_INET6;
    } else {
        return ZT_ERR_INVAL;
    }
    *out = a;
    return 0;
}

int zt__relay_cidr_parse(zt_relay_cidr *out, const char *text)
{
    char ip[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(text, '/');
    size_t iplen = slash != NULL ? (size_t)(slash - text) : strlen(text);
    zt_relay_addr a;
    zt_relay_cidr c;
    unsigned long bits;
    unsigned max;
    char *end;

    if (iplen == 0 || iplen >= sizeof(ip))
        return ZT_ERR_INVAL;
    memcpy(ip, text, iplen);
    ip[iplen] = 0;
    if (zt__relay_addr_parse(&a, ip) != 0)
        return ZT_ERR_INVAL;
    max = a.family == ZT_RELAY_AF_INET ? 32 : 128;
    bits = max;
    if (slash != NULL) {
        if (slash[1] < '0' || slash[1] > '9')
            return ZT_ERR_INVAL;
        errno = 0;
        bits = strtoul(slash + 1, &end, 10);
        if (errno != 0 || *end != 0 || bits > max)
            return ZT_ERR_INVAL;
    }
    memset(&c, 0, sizeof(c));
    c.family = a.family;
    c.bits = (unsigned)bits;
    /* Keep the prefix bits only, so that "10.1.2.3/8" means 10.0.0.0/8. */
    for (unsigned i = 0; i < max / 8; i++) {
        unsigned keep = c.bits > i * 8 ? c.bits - i * 8 : 0;
        uint8_t mask = (uint8_t)(keep >= 8 ? 0xffu : 0xff00u >> keep);
        c.ip[i] = (uint8_t)(a.ip[i] & mask);
    }
    *out = c;
    return 0;
}

void zt__relay_addr_format(const zt_relay_addr *a, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];

    if ((a->family == ZT_RELAY_AF_INET && inet_ntop(AF_INET, a->ip, ip, sizeof(ip)) != NULL) ||
        (a->family == ZT_RELAY_AF_INET6 && inet_ntop(AF_INET6, a->ip, ip, sizeof(ip)) != NULL))
        snprintf(out, cap, "%s/%u", ip, (unsigned)a->port);
    else
        snprintf(out, cap, "(none)");
}

void zt__relay_addr_unmap(zt_relay_addr *a)
{
    if (a->family == ZT_RELAY_AF_INET6 && memcmp(a->ip, v4_mapped, sizeof(v4_mapped)) == 0) {
        memmove(a->ip, a->ip + 12, 4);
        memset(a->ip + 4, 0, 12);
        a->family = ZT_RELAY_AF_INET;
    }
}

bool zt__relay_cidr_contains(const zt_relay_cidr *c, const zt_relay_addr *a)
{
    unsigned full = c->bits / 8, rest = c->bits % 8;

    if (c->family != a->family)
        return false;
    if (memcmp(c->ip, a->ip, full) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((c->ip[full] ^ a->ip[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

bool zt__relay_dest_allowed(const zt_relay_addr *a, const zt_relay_cidr *allow, unsigned nallow)
{
    if (a->port == 0)
        return false;
    switch (a->family) {
    case ZT_RELAY_AF_INET:
        /* 0.0.0.0/8 (unspecified; Linux delivers 0.0.0.0 to this host), 224.0.0.0/4
         * (multicast), 255.255.255.255 (broadcast). */
        if (a->ip[0] == 0 || (a->ip[0] & 0xf0) == 0xe0 ||
            (a->ip[0] == 255 && a->ip[1] == 255 && a->ip[2] == 255 && a->ip[3] == 255))
            return false;
        break;
    case ZT_RELAY_AF_INET6:
        /* :: (unspecified), ff00::/8 (multicast). */
        if (all_zero(a->ip, 16) || a->ip[0] == 0xff)
            return false;
        break;
    default:
        return false;
    }
    if (nallow == 0)
        return true;
    for (unsigned i = 0; i < nallow; i++)
        if (zt__relay_cidr_contains(&allow[i], a))
            return true;
    return false;
}
