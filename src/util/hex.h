/*
 * hex.h: hex text <-> bytes.  Produces lowercase, accepts either case (vl1.md §0).
 * Both directions run in time independent of the byte values, so they are safe on keys
 * (style.md §6).
 */
#ifndef ZT_UTIL_HEX_H
#define ZT_UTIL_HEX_H

#include <stdbool.h>
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

/* The value 0..15 of the hex digit |c| (either case), or -1 when |c| is not one.  |c| is a
 * char or unsigned char value; like the functions above it does not depend on the locale. */
int zt__hex_digit(int c);

/* Reads the hex digits at the start of |s|, stopping at the first other character or after
 * |n| characters (so a NUL-terminated string may pass its strlen).  *out gets their value
 * (0 when there is none); when it does not fit in 64 bits, UINT64_MAX and *poverflow (may be
 * NULL) true, as strtoull would say ERANGE.  Returns the number of digits read.  For numbers,
 * not secrets: the time depends on the text. */
size_t zt__hex_prefix_u64(const char *s, size_t n, uint64_t *out, bool *poverflow);

#endif
