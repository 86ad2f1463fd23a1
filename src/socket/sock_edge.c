/*
 * sock_edge.c: what the socket layer shares with both public API generations (the 1.3
 * header include/ZeroTierSockets.h and the modern include/libzt-modern/ZeroTierSockets.h,
 * docs/decisions.md "Issue 14"): zts_errno, the errno edge that writes it, and the service
 * gate the socket calls check.  Both headers declare `extern int zts_errno` and give every
 * shared ZTS_E* name the same (Linux) value (api-modern.md §8.2), so one definition serves
 * either library.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "ZeroTierSockets.h" /* ZTS_E* names for the host mapping (same in both generations) */
#include "socket/inet.h"
#include "socket/zts_gate.h"

/* A plain global int that FFI users read by name (api.md 2): exported even though the
 * library is built with hidden visibility. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((visibility("default")))
#endif
int zts_errno = 0;

/*
 * The host's errno constant for ZTS_E* value |e|.  ZTS_E* are the Linux numbers, so Linux
 * needs no table; elsewhere the conditions the socket layer reports are translated and any
 * other number passes through unchanged.
 */
#if defined(__linux__)
static int host_errno(int e)
{
    return e;
}
#else
static int host_errno(int e)
{
    switch (e) {
#define MAP(z, h) \
    case z:       \
        return h;
        MAP(ZTS_EPERM, EPERM)
        MAP(ZTS_ENOENT, ENOENT)
        MAP(ZTS_EINTR, EINTR)
        MAP(ZTS_EIO, EIO)
        MAP(ZTS_EBADF, EBADF)
        MAP(ZTS_EAGAIN, EAGAIN)
        MAP(ZTS_ENOMEM, ENOMEM)
        MAP(ZTS_EACCES, EACCES)
        MAP(ZTS_EFAULT, EFAULT)
        MAP(ZTS_EBUSY, EBUSY)
        MAP(ZTS_EEXIST, EEXIST)
        MAP(ZTS_EINVAL, EINVAL)
        MAP(ZTS_ENFILE, ENFILE)
        MAP(ZTS_EMFILE, EMFILE)
        MAP(ZTS_ENOSPC, ENOSPC)
        MAP(ZTS_EPIPE, EPIPE)
        MAP(ZTS_ERANGE, ERANGE)
        MAP(ZTS_EDEADLK, EDEADLK)
        MAP(ZTS_ENOSYS, ENOSYS)
        MAP(ZTS_EOVERFLOW, EOVERFLOW)
        MAP(ZTS_EILSEQ, EILSEQ)
        MAP(ZTS_ENOTSOCK, ENOTSOCK)
        MAP(ZTS_EDESTADDRREQ, EDESTADDRREQ)
        MAP(ZTS_EMSGSIZE, EMSGSIZE)
        MAP(ZTS_EPROTOTYPE, EPROTOTYPE)
        MAP(ZTS_ENOPROTOOPT, ENOPROTOOPT)
        MAP(ZTS_EPROTONOSUPPORT, EPROTONOSUPPORT)
        MAP(ZTS_EOPNOTSUPP, EOPNOTSUPP)
        MAP(ZTS_EAFNOSUPPORT, EAFNOSUPPORT)
        MAP(ZTS_EADDRINUSE, EADDRINUSE)
        MAP(ZTS_EADDRNOTAVAIL, EADDRNOTAVAIL)
        MAP(ZTS_ENETDOWN, ENETDOWN)
        MAP(ZTS_ENETUNREACH, ENETUNREACH)
        MAP(ZTS_ENETRESET, ENETRESET)
        MAP(ZTS_ECONNABORTED, ECONNABORTED)
        MAP(ZTS_ECONNRESET, ECONNRESET)
        MAP(ZTS_ENOBUFS, ENOBUFS)
        MAP(ZTS_EISCONN, EISCONN)
        MAP(ZTS_ENOTCONN, ENOTCONN)
        MAP(ZTS_ETIMEDOUT, ETIMEDOUT)
        MAP(ZTS_ECONNREFUSED, ECONNREFUSED)
        MAP(ZTS_EHOSTUNREACH, EHOSTUNREACH)
        MAP(ZTS_EALREADY, EALREADY)
        MAP(ZTS_EINPROGRESS, EINPROGRESS)
#ifdef ESOCKTNOSUPPORT
        MAP(ZTS_ESOCKTNOSUPPORT, ESOCKTNOSUPPORT)
#endif
#ifdef EPFNOSUPPORT
        MAP(ZTS_EPFNOSUPPORT, EPFNOSUPPORT)
#endif
#ifdef ESHUTDOWN
        MAP(ZTS_ESHUTDOWN, ESHUTDOWN)
#endif
#ifdef EHOSTDOWN
        MAP(ZTS_EHOSTDOWN, EHOSTDOWN)
#endif
#undef MAP
    default:
        return e;
    }
}
#endif

void zt__sock_set_errno(int e)
{
    int v = e < 0 ? -e : e;

#if defined(__GNUC__) || defined(__clang__)
    /* Concurrent failures on several threads must not be a data race (tsan preset). */
    __atomic_store_n(&zts_errno, v, __ATOMIC_RELAXED);
#else
    zts_errno = v;
#endif
    errno = host_errno(v);
}

/* ---- the service gate (zts_gate.h) -------------------------------------------------------- */

static atomic_bool service_running;

void zt__sock_set_running(bool running)
{
    atomic_store(&service_running, running);
}

bool zt__sock_is_running(void)
{
    return atomic_load(&service_running);
}
