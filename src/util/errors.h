/*
 * errors.h: the one internal error space (style.md §5).
 *
 * 0 is success, negative values are errors.  Codes above ZT_ERR_FATAL mean "this operation
 * failed, the object is still good"; codes at or below it mean "tear the object down".
 */
#ifndef ZT_UTIL_ERRORS_H
#define ZT_UTIL_ERRORS_H

#include <stddef.h>
#include <sys/types.h>

typedef ssize_t zt_ssize;

enum {
    ZT_OK = 0,
    ZT_ERR_DROP = -1,        /* hostile, malformed or unauthenticated input; discarded */
    ZT_ERR_INVAL = -2,       /* invalid argument or malformed local input */
    ZT_ERR_RANGE = -3,       /* a length, count or value out of its allowed range */
    ZT_ERR_TRUNCATED = -4,   /* input ended before the structure did */
    ZT_ERR_NOSPACE = -5,     /* output buffer too small */
    ZT_ERR_AUTH = -6,        /* MAC or signature did not verify */
    ZT_ERR_CRYPTO = -7,      /* a crypto primitive refused its input (e.g. low-order key) */
    ZT_ERR_RESERVED = -8,    /* reserved address */
    ZT_ERR_NOTFOUND = -9,
    ZT_ERR_EXISTS = -10,
    ZT_ERR_IO = -11,         /* OS-level I/O failure (only from src/io and apps) */
    ZT_ERR_AGAIN = -12,      /* not yet: e.g. a fragment set is incomplete */
    ZT_ERR_UNSUPPORTED = -13,
    ZT_ERR_LIMIT = -14,      /* a bounded table is full */

    ZT_ERR_FATAL = -500,
    ZT_ERR_NOMEM = -501,
    ZT_ERR_INTERNAL = -502,
    ZT_ERR_CALLBACK_FAILURE = -503,
};

/* A short human sentence for |err|; never NULL. */
const char *zt__strerror(int err);

/* Writes one printf-style sentence into the caller's error buffer |err| of |cap| bytes
 * (truncated to fit; nothing if |err| is NULL or |cap| 0): the one way every layer fills the
 * "char *err, size_t errlen" of its functions. */
void zt__err_set(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline int zt__err_is_fatal(int err)
{
    return err <= ZT_ERR_FATAL;
}

#endif
