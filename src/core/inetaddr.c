/* InetAddress: vl1.md §4.16. */
#include "core/inetaddr.h"

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
