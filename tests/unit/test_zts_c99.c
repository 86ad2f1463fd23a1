/*
 * test_zts_c99.c: include/ZeroTierSockets.h as a C99 caller sees it (api.md 1.1, 2):
 * the first and only include, -std=c99 -pedantic, ZT_SOCKET_API not predefined.  The
 * fd-set macros must work with nothing else included (the seed's needed lwIP's
 * LWIP_SOCKET_OFFSET and <string.h>).  Called from test_zts_abi.c.
 */
#include "ZeroTierSockets.h"

/* Both decorations exist and are empty for callers. */
#define ZTS_C99_STR2(x) #x
#define ZTS_C99_STR(x) ZTS_C99_STR2(x)
typedef char zts_c99_api_is_empty[sizeof(ZTS_C99_STR(ZT_SOCKET_API ZTCALL)) == 1 ? 1 : -1];

int zts_c99_fdset_check(void);

/* Returns 0 when the fd-set macros behave as api.md 4.5 says, else the failing step. */
int zts_c99_fdset_check(void)
{
    zts_fd_set s;
    int i, n;

    memset(&s, 0xa5, sizeof(s));
    ZTS_FD_ZERO(&s);
    for (i = 0; i < (int)sizeof(s.fd_bits); i++) {
        if (s.fd_bits[i] != 0)
            return 1;
    }
    n = 0;
    ZTS_FD_SET(n, &s);
    ZTS_FD_SET(9, &s);
    ZTS_FD_SET(ZTS_FD_SETSIZE - 1, &s);
    if (s.fd_bits[0] != 0x01 || s.fd_bits[1] != 0x02 || s.fd_bits[127] != 0x80)
        return 2;
    if (!ZTS_FD_ISSET(0, &s) || !ZTS_FD_ISSET(9, &s) || !ZTS_FD_ISSET(1023, &s))
        return 3;
    if (ZTS_FD_ISSET(1, &s) || ZTS_FD_ISSET(8, &s))
        return 4;
    /* Out of range: ignored by SET/CLR, reads as 0. */
    ZTS_FD_SET(-1, &s);
    ZTS_FD_SET(ZTS_FD_SETSIZE, &s);
    ZTS_FD_SET(100000, &s);
    if (ZTS_FD_ISSET(-1, &s) || ZTS_FD_ISSET(ZTS_FD_SETSIZE, &s) || ZTS_FD_ISSET(-8, &s))
        return 5;
    ZTS_FD_CLR(-1, &s);
    ZTS_FD_CLR(ZTS_FD_SETSIZE + 7, &s);
    ZTS_FD_CLR(9, &s);
    if (ZTS_FD_ISSET(9, &s) || s.fd_bits[1] != 0 || s.fd_bits[0] != 0x01)
        return 6;
    /* The macros are statements/expressions usable without braces. */
    if (n == 0)
        ZTS_FD_CLR(0, &s);
    else
        ZTS_FD_SET(0, &s);
    if (ZTS_FD_ISSET(0, &s) != 0)
        return 7;
    n = 0;
    for (i = 0; i < ZTS_FD_SETSIZE; i++)
        n += ZTS_FD_ISSET(i, &s);
    if (n != 1)
        return 8;
    return 0;
}
