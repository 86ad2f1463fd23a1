/*
 * hex.h: hex text <-> bytes.  Produces lowercase, accepts either case (vl1.md §0).
 * Both directions run in time independent of the byte values, so they are safe on keys
 * (style.md §6).
 */
#ifndef ZT_UTIL_HEX_H
#define ZT_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "util/errors.h"

/* Writes 2*|len| hex digits and a NUL to |out| (capacity |cap|).  Returns ZT_ERR_NOSPACE if
 * it does not fit, else 0. */
int zt__hex_encode(char *out, size_t cap, const uint8_t *data, size_t len);

/* Decodes exactly |hexlen| digits (|hexlen| even) into |out| (capacity |cap|).  Returns the
 * number of bytes, ZT_ERR_INVAL on an odd length or a non-hex digit, ZT_ERR_NOSPACE if
 * |out| is too small. */
zt_ssize zt__hex_decode(uint8_t *out, size_t cap, const char *hex, size_t hexlen);

/* Parses 1..16 hex digits (no prefix, either case) into *out.  Returns 0 or ZT_ERR_INVAL. */
int zt__hex_u64(const char *hex, size_t hexlen, uint64_t *out);

#endif
