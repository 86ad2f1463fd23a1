/*
 * lwip_use.c: the part of lwIP DevilutionX uses directly (api.md 10.3), compiled from
 * the installed include/libzt tree (lwIP's headers with libzt's lwipopts.h and arch/) in the
 * same translation unit as ZeroTierSockets.h, as DevilutionX does.  Pure functions run; the
 * ones that need the stack are only referenced, so that the link proves the installed
 * library provides them.
 */
#include <lwip/igmp.h>
#include <lwip/ip_addr.h>
#include <lwip/mld6.h>
#include <lwip/nd6.h>
#include <lwip/sockets.h>
#include <lwip/tcpip.h>

#include <ZeroTierSockets.h>

#include <stdio.h>
#include <string.h>

int lwip_use(void);
int lwip_use_needs_stack(void);

/* Never called: what DevilutionX does once the node is up (api.md 10.3). */
int lwip_use_needs_stack(void)
{
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = PP_HTONS(6112);
    in6.sin6_addr = in6addr_any;
    int fd = lwip_socket(AF_INET6, SOCK_DGRAM, 0);
    int one = 1;
    lwip_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    lwip_fcntl(fd, F_SETFL, lwip_fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    lwip_bind(fd, (struct sockaddr *)&in6, sizeof in6);
    char buf[64];
    struct sockaddr_in6 from;
    socklen_t fromlen = sizeof from;
    lwip_recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
    lwip_sendto(fd, buf, 1, 0, (struct sockaddr *)&from, fromlen);

    int s = lwip_socket(AF_INET6, SOCK_STREAM, 0);
    lwip_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    lwip_listen(s, 10);
    int c = lwip_accept(s, NULL, NULL);
    lwip_connect(c, (struct sockaddr *)&from, fromlen);
    lwip_send(c, buf, 1, 0);
    lwip_recv(c, buf, sizeof buf, 0);
    lwip_close(c);
    lwip_close(s);
    lwip_close(fd);

    ip6_addr_t group;
    memset(&group, 0, sizeof group);
    LOCK_TCPIP_CORE();
    mld6_joingroup(IP6_ADDR_ANY6, &group);
    const u8_t *hwaddr = NULL;
    ip_addr_t next;
    ipaddr_aton("fd00::1", &next);
    nd6_get_next_hop_addr_or_queue(netif_default, NULL, ip_2_ip6(&next), &hwaddr);
    UNLOCK_TCPIP_CORE();
    return 0;
}

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "consumer: %s:%d: check failed: %s\n", __FILE__, __LINE__,    \
                    #cond);                                                                \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

int lwip_use(void)
{
    int failures = 0;

    /* DevilutionX: static_assert(O_NONBLOCK == 1) and the same fd numbering (api.md 10.3). */
    CHECK(O_NONBLOCK == 1);
    CHECK(LWIP_SOCKET_OFFSET == 0);

    /* ipaddr_aton into ip_addr_t (u_addr.ip6.addr, IP_IS_V6_VAL), as DevilutionX parses. */
    ip_addr_t a;
    memset(&a, 0, sizeof a);
    CHECK(ipaddr_aton("fc9c:56c2:e3ef:cc1b:947::1", &a) == 1);
    CHECK(IP_IS_V6_VAL(a));
    /* IP6_ADDR_PART builds a group address word by word (DevilutionX's multicast group). */
    ip6_addr_t g;
    memset(&g, 0, sizeof g);
    IP6_ADDR_PART(&g, 0, 0xfc, 0x9c, 0x56, 0xc2);
    CHECK(g.addr[0] == a.u_addr.ip6.addr[0]);

    /* lwip_inet_ntop on a struct in6_addr (the ADDR_ADDED_IP6 handler's call). */
    struct in6_addr in6;
    memcpy(&in6, a.u_addr.ip6.addr, sizeof in6);
    char text[INET6_ADDRSTRLEN];
    CHECK(lwip_inet_ntop(AF_INET6, &in6, text, sizeof text) != NULL);
    /* lwIP writes its own spelling (upper case hex): compare by parsing it back. */
    ip_addr_t back;
    memset(&back, 0, sizeof back);
    CHECK(ipaddr_aton(text, &back) == 1);
    CHECK(memcmp(back.u_addr.ip6.addr, a.u_addr.ip6.addr, 16) == 0);

    /* Data symbols from lwIP. */
    CHECK(memcmp(&in6addr_any, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0);
    CHECK(netif_default == NULL); /* no stack started */

    CHECK(err_to_errno(ERR_OK) == 0);
    CHECK(lwip_strerr(ERR_OK) != NULL);

    /* Keep the stack-only path referenced. */
    int (*volatile keep)(void) = lwip_use_needs_stack;
    (void)keep;
    return failures;
}
