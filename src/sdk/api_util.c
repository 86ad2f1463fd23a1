/*
 * api_util.c: the zts_* helpers that need no service (api.md 5.4, and zts_delay_ms of 5.9):
 * derived IPv6 addresses, ad-hoc network IDs, sleeping.  Pure and thread-safe; the address
 * layouts come from the core (core/ethernet.h), which the node itself uses for NDP emulation,
 * so the API and the node can never disagree on them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(_WIN32)
#include <windows.h>
#else
#include <time.h>
#endif

#include "ZeroTierSockets.h"
#include "codec/ethernet.h"
#include "codec/inetaddr.h"

/*
 * Stores the IPv6 address of |ip| into |*addr| read as a zts_sockaddr_in6: length byte,
 * family and the 16 address bytes; port, flow info and scope ID stay as the caller left them
 * (api.md 5.4).  Byte copies, so the caller's storage object is never accessed as another
 * structure type.
 */
static void store_in6(struct zts_sockaddr_storage *addr, const zt_inetaddr *ip)
{
    addr->s2_len = (uint8_t)sizeof(struct zts_sockaddr_in6);
    addr->ss_family = ZTS_AF_INET6;
    memcpy((unsigned char *)addr + offsetof(struct zts_sockaddr_in6, sin6_addr), ip->ip, 16);
}

/* The address |derive| gives for |nodeId| on |nwid|, into *addr. */
static int derived_in6(struct zts_sockaddr_storage *addr, uint64_t nwid, uint64_t nodeId,
                       void (*derive)(uint64_t nwid, uint64_t address, zt_inetaddr *out))
{
    zt_inetaddr ip;

    if (addr == NULL || nwid == 0 || nodeId == 0)
        return ZTS_ERR_ARG;
    derive(nwid, nodeId, &ip);
    store_in6(addr, &ip);
    return ZTS_ERR_OK;
}

ZT_SOCKET_API int ZTCALL zts_get_6plane_addr(struct zts_sockaddr_storage *addr,
                                             const uint64_t nwid, const uint64_t nodeId)
{
    return derived_in6(addr, nwid, nodeId, zt__ipv6_6plane);
}

ZT_SOCKET_API int ZTCALL zts_get_rfc4193_addr(struct zts_sockaddr_storage *addr,
                                              const uint64_t nwid, const uint64_t nodeId)
{
    return derived_in6(addr, nwid, nodeId, zt__ipv6_rfc4193);
}

/* ff SSSS EEEE 000000 (api.md 5.4; "form A" of core/adhoc.h).  No validation, by contract. */
ZT_SOCKET_API uint64_t ZTCALL zts_generate_adhoc_nwid_from_range(uint16_t startPortOfRange,
                                                                 uint16_t endPortOfRange)
{
    return 0xff00000000000000ULL | (uint64_t)startPortOfRange << 40 |
           (uint64_t)endPortOfRange << 24;
}

/*
 * Sleeps the whole interval (api.md 5.9, Deviation: the seed slept half of it, and nothing
 * from 2 s up).  A signal interrupting the sleep resumes it for the time left.
 */
ZT_SOCKET_API void ZTCALL zts_delay_ms(long interval_ms)
{
    if (interval_ms <= 0)
        return;
#if defined(_WIN32)
    while (interval_ms > 0) {
        DWORD chunk = interval_ms > 0x7fffffffL ? 0x7fffffffUL : (DWORD)interval_ms;

        Sleep(chunk);
        interval_ms -= (long)chunk;
    }
#else
    {
        struct timespec left;
        int saved = errno;

        left.tv_sec = (time_t)(interval_ms / 1000);
        left.tv_nsec = (long)(interval_ms % 1000) * 1000000L;
        while (nanosleep(&left, &left) != 0 && errno == EINTR)
            ;
        errno = saved; /* a utility: leave the caller's errno as it was */
    }
#endif
}
