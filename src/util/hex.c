#include "util/hex.h"

/* Branch-free nibble -> digit: 0..9 -> '0'..'9', 10..15 -> 'a'..'f'. */
static char nibble_to_hex(unsigned n)
{
    /* (9 - n) >> 8 is all ones when n > 9, so add the gap between '9'+1 and 'a'. */
    return (char)(n + '0' + (((9u - n) >> 8) & ('a' - '0' - 10)));
}

/* Branch-free digit -> nibble; returns 256 for a non-hex character.  The masks are all ones
 * when lo <= v <= hi (both differences non-negative), else zero. */
static unsigned hex_to_nibble(unsigned char c)
{
    int digit = (int)c - '0';
    int alpha = ((int)c | 0x20) - 'a' + 10;
    int md = ~(digit | (9 - digit)) >> 31;
    int ma = ~((alpha - 10) | (15 - alpha)) >> 31;
    return (unsigned)((digit & md) | (alpha & ma) | (~(md | ma) & 256));
}

int zt__hex_encode(char *out, size_t cap, const uint8_t *data, size_t len)
{
    if (cap < len * 2 + 1)
        return ZT_ERR_NOSPACE;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = nibble_to_hex(data[i] >> 4);
        out[2 * i + 1] = nibble_to_hex(data[i] & 0x0fu);
    }
    out[len * 2] = '\0';
    return 0;
}

zt_ssize zt__hex_decode(uint8_t *out, size_t cap, const char *hex, size_t hexlen)
{
    unsigned bad = 0;

    if (hexlen % 2 != 0)
        return ZT_ERR_INVAL;
    if (cap < hexlen / 2)
        return ZT_ERR_NOSPACE;
    for (size_t i = 0; i < hexlen / 2; i++) {
        unsigned hi = hex_to_nibble((unsigned char)hex[2 * i]);
        unsigned lo = hex_to_nibble((unsigned char)hex[2 * i + 1]);
        bad |= (hi | lo) >> 8;
        out[i] = (uint8_t)(((hi & 0x0fu) << 4) | (lo & 0x0fu));
    }
    return bad ? ZT_ERR_INVAL : (zt_ssize)(hexlen / 2);
}

int zt__hex_u64(const char *hex, size_t hexlen, uint64_t *out)
{
    uint64_t v = 0;

    if (hexlen == 0 || hexlen > 16)
        return ZT_ERR_INVAL;
    for (size_t i = 0; i < hexlen; i++) {
        unsigned n = hex_to_nibble((unsigned char)hex[i]);
        if (n > 15)
            return ZT_ERR_INVAL;
        v = v << 4 | n;
    }
    *out = v;
    return 0;
}

int zt__hex_digit(int c)
{
    unsigned n = hex_to_nibble((unsigned char)c);
    return n > 15 ? -1 : (int)n;
}

size_t zt__hex_prefix_u64(const char *s, size_t n, uint64_t *out, bool *poverflow)
{
    uint64_t v = 0;
    bool overflow = false;
    size_t i;
    int d;

    for (i = 0; i < n && (d = zt__hex_digit(s[i])) >= 0; i++) {
        if (v > (UINT64_MAX >> 4))
            overflow = true;
        v = v << 4 | (uint64_t)d;
    }
    *out = overflow ? UINT64_MAX : v;
    if (poverflow != NULL)
        *poverflow = overflow;
    return i;
}
