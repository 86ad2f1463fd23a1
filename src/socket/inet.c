/*
 * inet.c: the pure helpers of api.md 5.9 (byte order, text <-> address), 1.3 API only
 * (zts_errno and the errno edge are shared by both API generations: sock_edge.c).
 *
 * Nothing here needs the service or the stack, allocates, or keeps state, so every function
 * is safe from any thread.  The text forms are written by hand rather than
 * through the host's inet_ntop/inet_pton: the output must not depend on which libc the
 * program links (glibc and musl disagree on IPv4-compatible addresses), and the host calls
 * report errors in the host's errno numbering, not ZTS_E*.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ZeroTierSockets.h"
#include "socket/inet.h"
#include "util/buf.h"
#include "util/hex.h"

/* ----------------------------------------------------------------------------------------
 * Byte order.  Written through memory so that the same code is right on either endianness.
 * -------------------------------------------------------------------------------------- */

/* Stores |n| as |len| big-endian bytes in the object at |out| (a uint16_t or uint32_t). */
static void to_net(uint32_t n, void *out, size_t len)
{
    uint8_t b[4];

    zt__store_be(b, n, len);
    memcpy(out, b, len);
}

/* The value of the |len| big-endian bytes of the object at |in|. */
static uint32_t from_net(const void *in, size_t len)
{
    uint8_t b[4];

    memcpy(b, in, len);
    return (uint32_t)zt__load_be(b, len);
}

ZT_SOCKET_API uint16_t ZTCALL zts_htons(uint16_t n)
{
    uint16_t r;

    to_net(n, &r, sizeof(r));
    return r;
}

ZT_SOCKET_API uint32_t ZTCALL zts_htonl(uint32_t n)
{
    uint32_t r;

    to_net(n, &r, sizeof(r));
    return r;
}

ZT_SOCKET_API uint16_t ZTCALL zts_ntohs(uint16_t n)
{
    return (uint16_t)from_net(&n, sizeof(n));
}

ZT_SOCKET_API uint32_t ZTCALL zts_ntohl(uint32_t n)
{
    return from_net(&n, sizeof(n));
}

/* ----------------------------------------------------------------------------------------
 * Address to text
 * -------------------------------------------------------------------------------------- */

static char *put_dec8(char *p, unsigned v)
{
    if (v >= 100)
        *p++ = (char)('0' + v / 100);
    if (v >= 10)
        *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

/* Lowercase hex without leading zeros (RFC 5952 4.1, 4.3). */
static char *put_hex16(char *p, unsigned v)
{
    static const char digits[] = "0123456789abcdef";
    int shift = 12;

    while (shift > 0 && ((v >> shift) & 0xf) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        *p++ = digits[(v >> shift) & 0xf];
    return p;
}

static char *put_ip4(char *p, const uint8_t a[4])
{
    int i;

    for (i = 0; i < 4; i++) {
        if (i > 0)
            *p++ = '.';
        p = put_dec8(p, a[i]);
    }
    return p;
}

/*
 * RFC 5952: the longest run of two or more zero groups becomes "::" (the first one on a tie;
 * a single zero group stays "0"), hex is lowercase without leading zeros, and IPv4-mapped
 * addresses (::ffff:0:0/96, the one embedding RFC 4291 gives a well-known prefix that
 * is in use) end in dotted decimal.  Returns the end of the text, not terminated.
 */
static char *put_ip6(char *p, const uint8_t a[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned w[8];
    int i, best = -1, best_len = 0, run = -1;

    if (memcmp(a, mapped, sizeof(mapped)) == 0) {
        memcpy(p, "::ffff:", 7);
        return put_ip4(p + 7, a + 12);
    }
    for (i = 0; i < 8; i++)
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    for (i = 0; i <= 8; i++) {
        if (i < 8 && w[i] == 0) {
            if (run < 0)
                run = i;
            continue;
        }
        if (run >= 0 && i - run > best_len && i - run >= 2) {
            best = run;
            best_len = i - run;
        }
        run = -1;
    }
    for (i = 0; i < 8;) {
        if (i == best) {
            *p++ = ':';
            *p++ = ':';
            i += best_len;
            continue;
        }
        if (i > 0 && i != best + best_len)
            *p++ = ':';
        p = put_hex16(p, w[i]);
        i++;
    }
    return p;
}

ZT_SOCKET_API const char *ZTCALL zts_inet_ntop(int af, const void *src, char *dst,
                                               zts_socklen_t size)
{
    char text[ZTS_INET6_ADDRSTRLEN];
    size_t len;

    if (af != ZTS_AF_INET && af != ZTS_AF_INET6) {
        zt__sock_set_errno(ZTS_EAFNOSUPPORT);
        return NULL;
    }
    if (src == NULL || dst == NULL) {
        zt__sock_set_errno(ZTS_EINVAL);
        return NULL;
    }
    if (af == ZTS_AF_INET)
        len = (size_t)(put_ip4(text, src) - text);
    else
        len = (size_t)(put_ip6(text, src) - text);
    if ((size_t)size <= len) {
        zt__sock_set_errno(ZTS_ENOSPC);
        return NULL;
    }
    memcpy(dst, text, len);
    dst[len] = '\0';
    return dst;
}

/* ----------------------------------------------------------------------------------------
 * Text to address.  Character classes by hand: the host locale must not matter.
 * -------------------------------------------------------------------------------------- */

static int is_dec(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Strict dotted quad, the whole of |s|: four decimal numbers 0..255 of one to three digits,
 * no leading zero (so "010" cannot be mistaken for octal), no other character.
 */
static int parse_ip4(const char *s, uint8_t out[4])
{
    uint8_t b[4];
    int i;

    for (i = 0; i < 4; i++) {
        unsigned v = 0;
        int digits = 0;

        if (i > 0 && *s++ != '.')
            return 0;
        if (s[0] == '0' && is_dec(s[1]))
            return 0;
        while (is_dec(*s)) {
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || v > 255)
                return 0;
        }
        if (digits == 0)
            return 0;
        b[i] = (uint8_t)v;
    }
    if (*s != '\0')
        return 0;
    memcpy(out, b, sizeof(b));
    return 1;
}

/*
 * RFC 4291 2.2 text: up to eight groups of one to four hex digits (either case), one "::"
 * standing for at least one zero group, optionally a dotted quad as the last 32 bits.  No
 * zone suffix, no surrounding spaces.
 */
static int parse_ip6(const char *s, uint8_t out[16])
{
    uint8_t b[16];
    size_t n = 0;
    int gap = -1;

    memset(b, 0, sizeof(b));
    if (s[0] == ':') {
        if (s[1] != ':')
            return 0;
        s++; /* the loop below sees the second ':' as the gap */
    }
    for (;;) {
        const char *group = s;
        unsigned v = 0;
        int digits = 0, d;

        if (*s == ':') {
            if (gap >= 0)
                return 0;
            gap = (int)n;
            s++;
            if (*s == '\0')
                break;
            continue;
        }
        while ((d = zt__hex_digit(*s)) >= 0) {
            if (++digits > 4)
                return 0;
            v = v << 4 | (unsigned)d;
            s++;
        }
        if (*s == '.') {
            if (n + 4 > sizeof(b) || !parse_ip4(group, b + n))
                return 0;
            n += 4;
            break;
        }
        if (digits == 0 || n + 2 > sizeof(b))
            return 0;
        b[n++] = (uint8_t)(v >> 8);
        b[n++] = (uint8_t)v;
        if (*s == '\0')
            break;
        if (*s++ != ':' || *s == '\0')
            return 0;
    }
    if (gap >= 0) {
        size_t tail = n - (size_t)gap;

        if (n == sizeof(b))
            return 0;
        memmove(b + sizeof(b) - tail, b + gap, tail);
        memset(b + gap, 0, sizeof(b) - n);
    } else if (n != sizeof(b)) {
        return 0;
    }
    memcpy(out, b, sizeof(b));
    return 1;
}

ZT_SOCKET_API int ZTCALL zts_inet_pton(int af, const char *src, void *dst)
{
    if (af != ZTS_AF_INET && af != ZTS_AF_INET6) {
        zt__sock_set_errno(ZTS_EAFNOSUPPORT);
        return 0;
    }
    if (src == NULL || dst == NULL)
        return 0;
    if (af == ZTS_AF_INET)
        return parse_ip4(src, dst);
    return parse_ip6(src, dst);
}

/*
 * The classic inet_addr forms (POSIX inet_addr): "a.b.c.d", "a.b.c" (c fills 16 bits),
 * "a.b" (b fills 24 bits), "a" (32 bits); each part decimal, octal with a leading 0, or hex
 * with 0x.  Trailing white space is allowed, as the stack's and the host's parsers allow it.
 */
ZT_SOCKET_API uint32_t ZTCALL zts_inet_addr(const char *cp)
{
    static const uint32_t last_max[4] = {0xffffffffU, 0xffffffU, 0xffffU, 0xffU};
    uint32_t part[4], addr;
    int n = 0, i;

    if (cp == NULL)
        return ZTS_IPADDR_NONE;
    for (;;) {
        uint32_t base = 10, v = 0;
        int digits = 0, d;

        if (!is_dec(*cp))
            return ZTS_IPADDR_NONE;
        if (*cp == '0') {
            cp++;
            digits = 1;
            base = 8;
            if (*cp == 'x' || *cp == 'X') {
                cp++;
                digits = 0;
                base = 16;
            }
        }
        while ((d = zt__hex_digit(*cp)) >= 0 && (uint32_t)d < base) {
            if (v > (0xffffffffU - (uint32_t)d) / base)
                return ZTS_IPADDR_NONE;
            v = v * base + (uint32_t)d;
            digits++;
            cp++;
        }
        if (digits == 0)
            return ZTS_IPADDR_NONE;
        part[n++] = v;
        if (*cp != '.')
            break;
        if (n == 4)
            return ZTS_IPADDR_NONE;
        cp++;
    }
    if (*cp != '\0' && *cp != ' ' && (*cp < '\t' || *cp > '\r'))
        return ZTS_IPADDR_NONE;
    for (i = 0; i < n - 1; i++) {
        if (part[i] > 0xff)
            return ZTS_IPADDR_NONE;
    }
    if (part[n - 1] > last_max[n - 1])
        return ZTS_IPADDR_NONE;
    addr = part[n - 1];
    for (i = 0; i < n - 1; i++)
        addr |= part[i] << (24 - 8 * i);
    return zts_htonl(addr);
}
