/* InetAddress: vl1.md §4.16. */
#include "codec/inetaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void zt__inetaddr_set4(zt_inetaddr *a, const uint8_t ip[4], uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    memcpy(a->ip, ip, 4);
    a->port = port;
}

void zt__inetaddr_set6(zt_inetaddr *a, const uint8_t ip[16], uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->family = 6;
    memcpy(a->ip, ip, 16);
    a->port = port;
}

static size_t ip_len(const zt_inetaddr *a)
{
    return a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
}

bool zt__inetaddr_equal(const zt_inetaddr *a, const zt_inetaddr *b)
{
    return zt__inetaddr_compare(a, b) == 0;
}

int zt__inetaddr_compare(const zt_inetaddr *a, const zt_inetaddr *b)
{
    int c;

    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    c = memcmp(a->ip, b->ip, ip_len(a));
    if (c != 0)
        return c < 0 ? -1 : 1;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    return 0;
}

void zt__inetaddr_write(zt_wr *w, const zt_inetaddr *a)
{
    if (a->family != 4 && a->family != 6) {
        zt__wr_u8(w, 0);
        return;
    }
    zt__wr_u8(w, a->family);
    zt__wr_bytes(w, a->ip, ip_len(a));
    zt__wr_u16(w, a->port);
}

int zt__inetaddr_read(zt_rd *r, zt_inetaddr *a)
{
    zt_inetaddr tmp;
    uint8_t type;
    uint16_t n;
    int rv;

    memset(&tmp, 0, sizeof(tmp));
    if ((rv = zt__rd_u8(r, &type)) != 0)
        return rv;
    switch (type) {
    case 0:
        break;
    case 4:
    case 6:
        tmp.family = type;
        if ((rv = zt__rd_bytes(r, tmp.ip, ip_len(&tmp))) != 0 ||
            (rv = zt__rd_u16(r, &tmp.port)) != 0)
            return rv;
        break;
    case 1:
    case 2: /* reserved Ethernet / Bluetooth forms */
        if ((rv = zt__rd_skip(r, 6)) != 0)
            return rv;
        break;
    case 3: /* reserved "other": length-prefixed */
        if ((rv = zt__rd_u16(r, &n)) != 0 || (rv = zt__rd_skip(r, n)) != 0)
            return rv;
        break;
    default:
        return ZT_ERR_INVAL;
    }
    *a = tmp;
    return 0;
}

int zt__inetaddr_parse(zt_inetaddr *a, const char *s, size_t len)
{
    char ip[INET6_ADDRSTRLEN + 1];
    const char *slash = NULL;
    unsigned long port = 0;
    uint8_t bin[16];

    for (size_t i = len; i > 0; i--) {
        if (s[i - 1] == '/') {
            slash = s + i - 1;
            break;
        }
    }
    if (slash == NULL || slash == s || (size_t)(slash - s) > INET6_ADDRSTRLEN)
        return ZT_ERR_INVAL;
    if (slash + 1 == s + len || s + len - (slash + 1) > 5)
        return ZT_ERR_INVAL;
    for (const char *p = slash + 1; p < s + len; p++) {
        if (*p < '0' || *p > '9')
            return ZT_ERR_INVAL;
        port = port * 10 + (unsigned long)(*p - '0');
    }
    if (port > 65535)
        return ZT_ERR_INVAL;
    if (memchr(s, '\0', (size_t)(slash - s)) != NULL)
        return ZT_ERR_INVAL; /* inet_pton would stop at it and ignore the rest */
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = '\0';
    if (inet_pton(AF_INET, ip, bin) == 1)
        zt__inetaddr_set4(a, bin, (uint16_t)port);
    else if (inet_pton(AF_INET6, ip, bin) == 1)
        zt__inetaddr_set6(a, bin, (uint16_t)port);
    else
        return ZT_ERR_INVAL;
    return 0;
}

zt_ssize zt__inetaddr_format(const zt_inetaddr *a, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    int n;

    if (a->family != 4 && a->family != 6)
        return ZT_ERR_INVAL;
    if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, ip, sizeof(ip)) == NULL)
        return ZT_ERR_INVAL;
    n = snprintf(out, cap, "%s/%u", ip, (unsigned)a->port);
    if (n < 0 || (size_t)n >= cap)
        return ZT_ERR_NOSPACE;
    return n;
}

bool zt__inetaddr_same_ip(const zt_inetaddr *a, const zt_inetaddr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, ip_len(a)) == 0;
}

static zt_ip_scope scope4(const uint8_t *ip)
{
    switch (ip[0]) {
    case 0:
    case 255:
        return ZT_IP_SCOPE_NONE;
    case 6: case 11: case 21: case 22: case 25: case 26: case 28: case 29: case 30: case 51:
    case 55: case 56:
        return ZT_IP_SCOPE_PSEUDOPRIVATE;
    case 10:
        return ZT_IP_SCOPE_PRIVATE;
    case 100:
        return (ip[1] & 0xc0) == 64 ? ZT_IP_SCOPE_PRIVATE : ZT_IP_SCOPE_GLOBAL; /* 100.64/10 */
    case 127:
        return ZT_IP_SCOPE_LOOPBACK;
    case 169:
        return ip[1] == 254 ? ZT_IP_SCOPE_LINK_LOCAL : ZT_IP_SCOPE_GLOBAL;
    case 172:
        return (ip[1] & 0xf0) == 16 ? ZT_IP_SCOPE_PRIVATE : ZT_IP_SCOPE_GLOBAL;
    case 192:
        if (ip[1] == 168 || (ip[1] == 0 && ip[2] == 2))
            return ZT_IP_SCOPE_PRIVATE;
        return ZT_IP_SCOPE_GLOBAL;
    case 198:
        if ((ip[1] & 0xfe) == 18 || (ip[1] == 51 && ip[2] == 100))
            return ZT_IP_SCOPE_PRIVATE;
        return ZT_IP_SCOPE_GLOBAL;
    case 203:
        return (ip[1] == 0 && ip[2] == 113) ? ZT_IP_SCOPE_PRIVATE : ZT_IP_SCOPE_GLOBAL;
    default:
        break;
    }
    if ((ip[0] & 0xf0) == 224)
        return ZT_IP_SCOPE_MULTICAST;
    if ((ip[0] & 0xf0) == 240)
        return ZT_IP_SCOPE_PSEUDOPRIVATE;
    return ZT_IP_SCOPE_GLOBAL;
}

static zt_ip_scope scope6(const uint8_t *ip)
{
    static const uint8_t loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t ll1[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t zero[16];

    if (memcmp(ip, zero, 16) == 0)
        return ZT_IP_SCOPE_NONE;
    if (memcmp(ip, loop, 16) == 0 || memcmp(ip, ll1, 16) == 0)
        return ZT_IP_SCOPE_LOOPBACK;
    if (ip[0] == 0xff)
        return ZT_IP_SCOPE_MULTICAST;
    if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80)
        return ZT_IP_SCOPE_LINK_LOCAL;
    if ((ip[0] & 0xfe) == 0xfc)
        return ZT_IP_SCOPE_PRIVATE;
    return ZT_IP_SCOPE_GLOBAL;
}

zt_ip_scope zt__inetaddr_scope(const zt_inetaddr *a)
{
    if (a->family == 4)
        return scope4(a->ip);
    if (a->family == 6)
        return scope6(a->ip);
    return ZT_IP_SCOPE_NONE;
}

bool zt__inetaddr_in_net(const zt_inetaddr *a, const zt_inetaddr *net)
{
    unsigned bits = net->port;

    if (a->family != net->family || (a->family != 4 && a->family != 6) ||
        bits > (a->family == 4 ? 32u : 128u))
        return false;
    for (unsigned i = 0; i < bits; i++) {
        uint8_t mask = (uint8_t)(0x80u >> (i % 8));
        if ((net->ip[i / 8] & mask) != (a->ip[i / 8] & mask))
            return false;
    }
    return true;
}
