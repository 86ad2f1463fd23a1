#include "util/errors.h"

#include <stdarg.h>
#include <stdio.h>

void zt__err_set(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || cap == 0)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

const char *zt__strerror(int err)
{
    switch (err) {
    case ZT_OK:
        return "success";
    case ZT_ERR_DROP:
        return "input discarded (malformed or unauthenticated)";
    case ZT_ERR_INVAL:
        return "invalid argument or malformed input";
    case ZT_ERR_RANGE:
        return "value out of range";
    case ZT_ERR_TRUNCATED:
        return "input is truncated";
    case ZT_ERR_NOSPACE:
        return "output buffer too small";
    case ZT_ERR_AUTH:
        return "authentication failed (bad MAC or signature)";
    case ZT_ERR_CRYPTO:
        return "cryptographic operation refused its input";
    case ZT_ERR_RESERVED:
        return "reserved address";
    case ZT_ERR_NOTFOUND:
        return "not found";
    case ZT_ERR_EXISTS:
        return "already exists";
    case ZT_ERR_IO:
        return "I/O error";
    case ZT_ERR_AGAIN:
        return "not complete yet";
    case ZT_ERR_UNSUPPORTED:
        return "unsupported";
    case ZT_ERR_LIMIT:
        return "limit reached";
    case ZT_ERR_NOMEM:
        return "out of memory";
    case ZT_ERR_INTERNAL:
        return "internal error";
    case ZT_ERR_CALLBACK_FAILURE:
        return "callback failed";
    default:
        return "unknown error";
    }
}
