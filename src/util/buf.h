/*
 * buf.h: bounded reader and sticky-error writer for wire formats (style.md §10b).
 *
 * Readers return ZT_ERR_TRUNCATED when the input ends early and never move past |end|.
 * Writers set |overflow| instead of writing past |end|; the caller checks it once at the end.
 * All integers are big-endian, as everywhere on ZeroTier's wire (vl1.md §0).
 */
#ifndef ZT_UTIL_BUF_H
#define ZT_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/errors.h"

typedef struct {
    const uint8_t *p, *end;
} zt_rd;

typedef struct {
    uint8_t *p, *start, *end;
    bool overflow;
} zt_wr;

static inline zt_rd zt__rd_make(const void *data, size_t len)
{
    zt_rd r = {(const uint8_t *)data, (const uint8_t *)data + len};
    return r;
}

static inline size_t zt__rd_left(const zt_rd *r)
{
    return (size_t)(r->end - r->p);
}

static inline int zt__rd_bytes(zt_rd *r, void *out, size_t n)
{
    if (zt__rd_left(r) < n)
        return ZT_ERR_TRUNCATED;
    if (n > 0)
        memcpy(out, r->p, n);
    r->p += n;
    return 0;
}

/* Borrows |n| bytes in place: *pp points into the input. */
static inline int zt__rd_ptr(zt_rd *r, const uint8_t **pp, size_t n)
{
    if (zt__rd_left(r) < n)
        return ZT_ERR_TRUNCATED;
    *pp = r->p;
    r->p += n;
    return 0;
}

static inline int zt__rd_skip(zt_rd *r, size_t n)
{
    if (zt__rd_left(r) < n)
        return ZT_ERR_TRUNCATED;
    r->p += n;
    return 0;
}

static inline int zt__rd_u8(zt_rd *r, uint8_t *out)
{
    if (r->p >= r->end)
        return ZT_ERR_TRUNCATED;
    *out = *r->p++;
    return 0;
}

static inline uint64_t zt__load_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static inline void zt__store_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* The big-endian 16-bit word at |p| (Ethernet, IP and ICMP header fields). */
static inline uint16_t zt__load_be16(const uint8_t *p)
{
    return (uint16_t)zt__load_be(p, 2);
}

static inline int zt__rd_be(zt_rd *r, uint64_t *out, size_t n)
{
    if (zt__rd_left(r) < n)
        return ZT_ERR_TRUNCATED;
    *out = zt__load_be(r->p, n);
    r->p += n;
    return 0;
}

static inline int zt__rd_u16(zt_rd *r, uint16_t *out)
{
    uint64_t v;
    int rv = zt__rd_be(r, &v, 2);
    if (rv == 0)
        *out = (uint16_t)v;
    return rv;
}

static inline int zt__rd_u64(zt_rd *r, uint64_t *out)
{
    return zt__rd_be(r, out, 8);
}

static inline zt_wr zt__wr_make(void *buf, size_t cap)
{
    zt_wr w = {(uint8_t *)buf, (uint8_t *)buf, (uint8_t *)buf + cap, false};
    return w;
}

static inline size_t zt__wr_len(const zt_wr *w)
{
    return (size_t)(w->p - w->start);
}

static inline void zt__wr_bytes(zt_wr *w, const void *src, size_t n)
{
    if (w->overflow || (size_t)(w->end - w->p) < n) {
        w->overflow = true;
        return;
    }
    if (n > 0)
        memcpy(w->p, src, n);
    w->p += n;
}

static inline void zt__wr_be(zt_wr *w, uint64_t v, size_t n)
{
    if (w->overflow || (size_t)(w->end - w->p) < n) {
        w->overflow = true;
        return;
    }
    zt__store_be(w->p, v, n);
    w->p += n;
}

static inline void zt__wr_u8(zt_wr *w, uint8_t v)
{
    zt__wr_be(w, v, 1);
}

static inline void zt__wr_u16(zt_wr *w, uint16_t v)
{
    zt__wr_be(w, v, 2);
}

static inline void zt__wr_u64(zt_wr *w, uint64_t v)
{
    zt__wr_be(w, v, 8);
}

/* Length written, or ZT_ERR_NOSPACE if any write overflowed. */
static inline zt_ssize zt__wr_finish(const zt_wr *w)
{
    return w->overflow ? ZT_ERR_NOSPACE : (zt_ssize)zt__wr_len(w);
}

#endif
