/*
 * ctl_inet.c: address text and socket-address helpers of the modern API (api-modern.md §5.11):
 * zts_inet_ntop/pton, zts_ipaddr_ntoa/aton, zts_util_get_ip_family, zts_util_ipstr_to_saddr,
 * zts_util_ntop.  Pure: no service, no stack, no allocation.
 *
 * The text is lwIP's, which the reference returns and its selftest compares: IPv4 dotted
 * decimal; IPv6 in uppercase hex without leading zeros, the FIRST run of two or more zero
 * groups written "::", and IPv4-mapped addresses as ::FFFF:a.b.c.d.  IPv4 input follows
 * inet_aton: one to four parts, each decimal, octal (leading 0) or hex (0x), the last part
 * filling the remaining bytes, and anything after a blank ignored.  The parsers are ours (the
 * host's would tie the results to the libc the program links).
 */
#include "modern/ctl_internal.h"

#include <string.h>

#include "socket/inet.h"
#include "util/hex.h"

/* ---- text to address ---------------------------------------------------------------------- */

/* One inet_aton part at *|ps| into *|pv|; false if there is none or it overflows. */
static bool aton_part(const char **ps, uint32_t *pv)
{
    const char *s = *ps;
    unsigned base = 10;
    uint64_t v = 0;
    int digits = 0, d;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    } else if (s[0] == '0') {
        base = 8;
    }
    for (;; s++, digits++) {
        d = base == 16 ? zt__hex_digit((unsigned char)*s)
            : *s >= '0' && *s <= '9' ? *s - '0'
                                     : -1;
        if (d < 0 || (unsigned)d >= base)
            break;
        v = v * base + (unsigned)d;
        if (v > 0xffffffffu)
            return false;
    }
    if (digits == 0)
        return false;
    *ps = s;
    *pv = (uint32_t)v;
    return true;
}

/* inet_aton's IPv4 text (see the top of this file); false if |s| is not one. */
static bool parse_ip4_lenient(const char *s, uint8_t out[4])
{
    static const uint32_t last_max[4] = {0xffffffffu, 0xffffffu, 0xffffu, 0xffu};
    uint32_t parts[4];
    unsigned n = 0;
    uint32_t v;

    for (;;) {
        if (n == 4 || !aton_part(&s, &parts[n]))
            return false;
        n++;
        if (*s != '.')
            break;
        s++;
    }
    if (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' &&
        *s != '\v')
        return false;
    for (unsigned i = 0; i + 1 < n; i++)
        if (parts[i] > 0xff)
            return false;
    if (parts[n - 1] > last_max[n - 1])
        return false;
    v = parts[n - 1];
    for (unsigned i = 0; i + 1 < n; i++)
        v |= parts[i] << (24 - 8 * i);
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
    return true;
}

/* Strict dotted quad (inside IPv6 text): four decimal numbers 0..255, nothing else. */
static bool parse_quad(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0;
        int digits = 0;
        if (i > 0 && *s++ != '.')
            return false;
        while (*s >= '0' && *s <= '9' && digits < 3) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || v > 255)
            return false;
        out[i] = (uint8_t)v;
    }
    return *s == '\0';
}

/* The groups of RFC 4291 §2.2 text into |b| (|*pn| bytes), the position of "::" in *pgap
 * (-1: none).  False on any malformation. */
static bool ip6_groups(const char *s, uint8_t b[16], size_t *pn, int *pgap)
{
    size_t n = 0;

    if (s[0] == ':' && s[1] != ':')
        return false;
    if (s[0] == ':')
        s++; /* the loop sees the second ':' as the gap */
    for (;;) {
        const char *group = s;
        unsigned v = 0;
        int digits = 0, d;
        if (*s == ':') {
            if (*pgap >= 0)
                return false;
            *pgap = (int)n;
            if (*++s == '\0')
                break;
            continue;
        }
        while ((d = zt__hex_digit((unsigned char)*s)) >= 0 && digits < 5) {
            v = v << 4 | (unsigned)d;
            digits++;
            s++;
        }
        if (*s == '.') {
            if (n + 4 > 16 || !parse_quad(group, b + n))
                return false;
            n += 4;
            break;
        }
        if (digits == 0 || digits > 4 || n + 2 > 16)
            return false;
        b[n++] = (uint8_t)(v >> 8);
        b[n++] = (uint8_t)v;
        if (*s == '\0')
            break;
        if (*s++ != ':' || *s == '\0')
            return false;
    }
    *pn = n;
    return true;
}

static bool parse_ip6(const char *s, uint8_t out[16])
{
    uint8_t b[16];
    size_t n = 0;
    int gap = -1;

    memset(b, 0, sizeof(b));
    if (!ip6_groups(s, b, &n, &gap))
        return false;
    if (gap >= 0) {
        size_t tail = n - (size_t)gap;
        if (n == sizeof(b))
            return false; /* "::" must stand for at least one group */
        memmove(b + sizeof(b) - tail, b + gap, tail);
        memset(b + gap, 0, sizeof(b) - n);
    } else if (n != sizeof(b)) {
        return false;
    }
    memcpy(out, b, sizeof(b));
    return true;
}

int zt__modern_parse_ip(const char *s, uint8_t out[16])
{
    if (s == NULL)
        return 0;
    if (strchr(s, ':') != NULL)
        return parse_ip6(s, out) ? 6 : 0;
    return parse_ip4_lenient(s, out) ? 4 : 0;
}

/* ---- address to text ---------------------------------------------------------------------- */

static char *put_dec(char *p, unsigned v)
{
    if (v >= 100)
        *p++ = (char)('0' + v / 100);
    if (v >= 10)
        *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

static char *put_quad(char *p, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i > 0)
            *p++ = '.';
        p = put_dec(p, a[i]);
    }
    return p;
}

/* lwIP's IPv6 text (see the top of this file); returns the end, not terminated. */
static char *put_ip6(char *p, const uint8_t *a)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const char hex[] = "0123456789ABCDEF";
    unsigned w[8];
    int run = -1, run_end = -1;

    if (memcmp(a, mapped, sizeof(mapped)) == 0) {
        memcpy(p, "::FFFF:", 7);
        return put_quad(p + 7, a + 12);
    }
    for (int i = 0; i < 8; i++)
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    for (int i = 0; i < 7 && run < 0; i++) /* the first run of two or more zero groups */
        if (w[i] == 0 && w[i + 1] == 0)
            for (run = i, run_end = i; run_end < 8 && w[run_end] == 0; run_end++)
                ;
    for (int i = 0; i < 8; i++) {
        if (i == run) {
            *p++ = ':';
            *p++ = ':';
            i = run_end - 1;
            continue;
        }
        if (i > 0 && i != run_end)
            *p++ = ':';
        for (int shift = 12; shift >= 0; shift -= 4)
            if (shift == 0 || (w[i] >> shift) != 0)
                *p++ = hex[(w[i] >> shift) & 0xf];
    }
    return p;
}

char *zt__modern_ip_text(int family, const uint8_t *ip, char *out, size_t cap)
{
    char text[ZTS_INET6_ADDRSTRLEN];
    size_t len = (size_t)((family == 4 ? put_quad(text, ip) : put_ip6(text, ip)) - text);

    if (cap == 0)
        return out;
    if (len >= cap)
        len = cap - 1;
    memcpy(out, text, len);
    out[len] = '\0';
    return out;
}

/* ---- the public calls --------------------------------------------------------------------- */

const char *zts_inet_ntop(int family, const void *src, char *dst, zts_socklen_t size)
{
    char text[ZTS_INET6_ADDRSTRLEN];
    size_t len;

    if (family != ZTS_AF_INET && family != ZTS_AF_INET6) {
        zt__sock_set_errno(ZTS_EAFNOSUPPORT);
        return NULL;
    }
    if (src == NULL || dst == NULL) {
        zt__sock_set_errno(ZTS_EINVAL);
        return NULL;
    }
    len = (size_t)((family == ZTS_AF_INET ? put_quad(text, src) : put_ip6(text, src)) - text);
    if ((size_t)size <= len) {
        zt__sock_set_errno(28); /* ENOSPC in zts_errno's Linux numbering */
        return NULL;
    }
    memcpy(dst, text, len);
    dst[len] = '\0';
    return dst;
}

int zts_inet_pton(int family, const char *src, void *dst)
{
    uint8_t ip[16];

    if (family != ZTS_AF_INET && family != ZTS_AF_INET6) {
        zt__sock_set_errno(ZTS_EAFNOSUPPORT);
        return -1;
    }
    if (src == NULL || dst == NULL)
        return 0;
    if (family == ZTS_AF_INET) {
        if (strchr(src, ':') != NULL || !parse_ip4_lenient(src, ip))
            return 0;
        memcpy(dst, ip, 4);
        return 1;
    }
    if (!parse_ip6(src, ip))
        return 0;
    memcpy(dst, ip, 16);
    return 1;
}

char *zts_ipaddr_ntoa(const zts_ip_addr *addr)
{
    static _Thread_local char text[ZTS_INET6_ADDRSTRLEN]; /* static as lwIP's; per thread */
    uint8_t ip[16];

    if (addr == NULL)
        return NULL;
    /* Type 6 is IPv6; 0 (and lwIP's 46, "any") the IPv4 member, as lwIP reads it. */
    if (addr->type == 6) {
        memcpy(ip, addr->u_addr.ip6.addr, 16);
        return zt__modern_ip_text(6, ip, text, sizeof(text));
    }
    memcpy(ip, &addr->u_addr.ip4.addr, 4);
    return zt__modern_ip_text(4, ip, text, sizeof(text));
}

int zts_ipaddr_aton(const char *cp, zts_ip_addr *addr)
{
    uint8_t ip[16];
    int family = zt__modern_parse_ip(cp, ip);

    if (family == 0)
        return 0;
    if (addr != NULL) {
        /* The client's 20-byte layout (§2, Required), whatever lwIP's configuration. */
        memset(addr, 0, sizeof(*addr));
        if (family == 6)
            memcpy(addr->u_addr.ip6.addr, ip, 16);
        else
            memcpy(&addr->u_addr.ip4.addr, ip, 4);
        addr->type = (uint8_t)(family == 6 ? 6 : 0);
    }
    return 1;
}

int zts_util_get_ip_family(const char *ipstr)
{
    uint8_t ip[16];
    int family;

    if (ipstr == NULL)
        return ZTS_ERR_ARG;
    family = zt__modern_parse_ip(ipstr, ip);
    return family == 6 ? ZTS_AF_INET6 : family == 4 ? ZTS_AF_INET : -1;
}

int zts_util_ipstr_to_saddr(const char *src_ipstr, unsigned short port,
                            struct zts_sockaddr *dstaddr, zts_socklen_t *addrlen)
{
    uint8_t ip[16];
    zt_inetaddr a;
    struct zts_sockaddr_storage ss;
    int family;

    if (src_ipstr == NULL || dstaddr == NULL || addrlen == NULL)
        return ZTS_ERR_ARG;
    family = zt__modern_parse_ip(src_ipstr, ip);
    if (family == 0)
        return ZTS_ERR_ARG;
    memset(&a, 0, sizeof(a));
    if (family == 4)
        zt__inetaddr_set4(&a, ip, port);
    else
        zt__inetaddr_set6(&a, ip, port);
    zt__modern_storage_of(&a, &ss); /* zeroed, length byte and family set (§5.11) */
    *addrlen = family == 4 ? (zts_socklen_t)sizeof(struct zts_sockaddr_in)
                           : (zts_socklen_t)sizeof(struct zts_sockaddr_in6);
    memcpy(dstaddr, &ss, *addrlen);
    return ZTS_ERR_OK;
}

int zts_util_ntop(struct zts_sockaddr *addr, zts_socklen_t addrlen, char *dst_str, int len,
                  unsigned short *port)
{
    struct zts_sockaddr_in6 in6;
    struct zts_sockaddr_in in;

    if (addr == NULL || dst_str == NULL || port == NULL || len != ZTS_INET6_ADDRSTRLEN ||
        addrlen < sizeof(in) || addrlen > sizeof(in6))
        return ZTS_ERR_ARG;
    if (addr->sa_family == ZTS_AF_INET) {
        memcpy(&in, addr, sizeof(in));
        (void)zts_inet_ntop(ZTS_AF_INET, &in.sin_addr, dst_str, (zts_socklen_t)len);
        *port = (unsigned short)(((const uint8_t *)&in.sin_port)[0] << 8 |
                                 ((const uint8_t *)&in.sin_port)[1]);
        return ZTS_ERR_OK;
    }
    if (addr->sa_family == ZTS_AF_INET6 && addrlen == sizeof(in6)) {
        memcpy(&in6, addr, sizeof(in6));
        (void)zts_inet_ntop(ZTS_AF_INET6, &in6.sin6_addr, dst_str, (zts_socklen_t)len);
        *port = (unsigned short)(((const uint8_t *)&in6.sin6_port)[0] << 8 |
                                 ((const uint8_t *)&in6.sin6_port)[1]);
        return ZTS_ERR_OK;
    }
    return ZTS_ERR_ARG;
}
