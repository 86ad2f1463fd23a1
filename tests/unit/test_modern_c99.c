/*
 * test_modern_c99.c: the modern header as a C99 caller sees it (api-modern.md §1 item 1, §2,
 * §10.1 item 3): the first include, -std=c99 -pedantic, beside the host's socket headers
 * (every name is zts_/ZTS_-prefixed but for SIN_ZERO_LEN, h_addr, LWIP_SOCKET_OFFSET,
 * MEMP_NUM_NETCONN and the union tag un).  A second translation unit of test_modern_abi, so
 * that the two link together (HEAD's in-header zts_in6addr_any definition would not).
 */
#include "ZeroTierSockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h> /* ZTS_FD_ZERO calls memset (§2) */
#include <sys/socket.h>

int zts_modern_c99_check(void);

/* 0 when the fd-set macros and a few C99 uses of the header behave, else the failing step. */
int zts_modern_c99_check(void)
{
    zts_fd_set s;
    struct zts_in6_addr any = ZTS_IN6ADDR_ANY_INIT;
    struct zts_hostent h;
    int n = 0;

    ZTS_FD_ZERO(&s);
    ZTS_FD_SET(n, &s);
    ZTS_FD_SET(ZTS_FD_SETSIZE - 1, &s);
    if (s.fd_bits[0] != 1 || s.fd_bits[127] != 0x80 || !ZTS_FD_ISSET(0, &s))
        return 1;
    ZTS_FD_CLR(0, &s);
    if (ZTS_FD_ISSET(0, &s))
        return 2;
    if (memcmp(&any, &zts_in6addr_any, sizeof(any)) != 0)
        return 3;
    h.h_addr_list = NULL;
    if (h.h_addr_list != NULL || sizeof(struct hostent) == 0)
        return 4;
    if (ZTS_AF_INET6 != 10 || ZTS_SOCK_STREAM != SOCK_STREAM)
        return 5;
    return 0;
}
