/*
 * test_zts_abi_cxx.cpp: include/ZeroTierSockets.h compiled as C++98 (api.md 1.1, 1.4): the
 * header after the host socket headers, extern "C" linkage, the same sizes and offsets as
 * in C, the nested union name of zts_in6_addr, the fd-set macros, and zts_start's C++-only
 * overload for callbacks taking struct zts_callback_msg * (and that zts_start(path, NULL,
 * port) stays unambiguous).  The zts_start calls sit in sizeof, so they are compiled but not
 * linked: only the pure helpers run.
 */
#include <sys/socket.h> /* the host's struct msghdr first: the prototypes must still work */

#include "ZeroTierSockets.h"

#include <cstddef>
#include <cstdio>
#include <cstring>

#define CXX_CHECK(name, cond) typedef char name[(cond) ? 1 : -1]

CXX_CHECK(size_in6, sizeof(struct zts_in6_addr) == 16);
CXX_CHECK(size_sin, sizeof(struct zts_sockaddr_in) == 16);
CXX_CHECK(size_sin6, sizeof(struct zts_sockaddr_in6) == 28);
CXX_CHECK(off_sin6_addr, offsetof(struct zts_sockaddr_in6, sin6_addr) == 8);
CXX_CHECK(size_sa, sizeof(struct zts_sockaddr) == 16);
CXX_CHECK(size_ss, sizeof(struct zts_sockaddr_storage) == 28);
CXX_CHECK(size_msg, sizeof(struct zts_callback_msg) == 64);
CXX_CHECK(size_node, sizeof(struct zts_node_details) == 48);
CXX_CHECK(size_addr, sizeof(struct zts_addr_details) == 40);
CXX_CHECK(size_netif, sizeof(struct zts_netif_details) == 24);
CXX_CHECK(size_route, sizeof(struct zts_virtual_network_route) == 60);
CXX_CHECK(size_net, sizeof(struct zts_network_details) == 2392);
CXX_CHECK(off_net_routes, offsetof(struct zts_network_details, routes) == 468);
CXX_CHECK(size_path, sizeof(struct zts_physical_path) == 64);
CXX_CHECK(size_peer, sizeof(struct zts_peer_details) == 1056);
CXX_CHECK(size_stats, sizeof(struct zts_stats) == 676);
CXX_CHECK(off_stats_nd6, offsetof(struct zts_stats, nd6) == 628);
CXX_CHECK(size_ip6mreq, sizeof(zts_ipv6_mreq) == 20);
CXX_CHECK(size_fdset, sizeof(zts_fd_set) == 128);
CXX_CHECK(size_msghdr, sizeof(struct zts_msghdr) == 48);
CXX_CHECK(size_role, sizeof(enum zts_peer_role) == sizeof(int));
CXX_CHECK(fionread, ZTS_FIONREAD == 0x4008667FUL);
CXX_CHECK(state_req, ZTS_STATE_NETWORK_REQUESTING_CONFIG == 212);

/* The README's callback form, and the seed's (external: only named in unevaluated code). */
void on_event_typed(struct zts_callback_msg *msg);
void on_event_void(void *msg);

void on_event_typed(struct zts_callback_msg *msg)
{
    (void)msg;
}

void on_event_void(void *msg)
{
    (void)msg;
}

CXX_CHECK(start_typed, sizeof(zts_start("/tmp/x", on_event_typed, 0)) == sizeof(int));
CXX_CHECK(start_void, sizeof(zts_start("/tmp/x", on_event_void, 9994)) == sizeof(int));
CXX_CHECK(start_null, sizeof(zts_start("/tmp/x", NULL, 0)) == sizeof(int));
CXX_CHECK(start_zero, sizeof(zts_start("/tmp/x", 0, 0)) == sizeof(int));

/*
 * Prototypes seen from C++, the struct msghdr ones after <sys/socket.h> included.  The
 * conversion to the exact pointer type happens inside sizeof: checked, never linked.
 */
template <typename F> char proto_is(F);
CXX_CHECK(proto_start, sizeof(proto_is<int (*)(const char *, void (*)(void *), uint16_t)>(
                           &zts_start)) == 1);
CXX_CHECK(proto_sendmsg,
          sizeof(proto_is<ssize_t (*)(int, const struct msghdr *, int)>(&zts_sendmsg)) == 1);
CXX_CHECK(proto_recvmsg,
          sizeof(proto_is<ssize_t (*)(int, struct msghdr *, int)>(&zts_recvmsg)) == 1);
CXX_CHECK(proto_socket,
          sizeof(proto_is<int (*)(int, int, int)>(&zts_socket)) == 1);
CXX_CHECK(proto_ntop, sizeof(proto_is<const char *(*)(int, const void *, char *, zts_socklen_t)>(
                          &zts_inet_ntop)) == 1);

int main()
{
    unsigned char v6[16];
    char text[ZTS_INET6_ADDRSTRLEN];
    struct zts_in6_addr a;
    union zts_in6_addr::un *u = &a.un; /* the nested union type, by elaborated name */
    zts_fd_set set;
    int failures = 0;

    uint16_t n16 = zts_htons(0x1234);
    unsigned char b2[2];

    std::memcpy(b2, &n16, sizeof(b2));
    if (b2[0] != 0x12 || b2[1] != 0x34)
        failures++;
    if (zts_ntohl(zts_htonl(0xdeadbeefU)) != 0xdeadbeefU)
        failures++;

    std::memset(v6, 0, sizeof(v6));
    v6[0] = 0xfd;
    v6[15] = 0x01;
    if (zts_inet_ntop(ZTS_AF_INET6, v6, text, sizeof(text)) == NULL ||
        std::strcmp(text, "fd00::1") != 0)
        failures++;
    if (zts_inet_pton(ZTS_AF_INET6, "fd00::1", u->u8_addr) != 1 || a.un.u8_addr[0] != 0xfd ||
        a.un.u8_addr[15] != 0x01)
        failures++;

    ZTS_FD_ZERO(&set);
    ZTS_FD_SET(42, &set);
    ZTS_FD_SET(-1, &set);
    if (!ZTS_FD_ISSET(42, &set) || ZTS_FD_ISSET(41, &set) || set.fd_bits[5] != 0x04)
        failures++;
    ZTS_FD_CLR(42, &set);
    if (ZTS_FD_ISSET(42, &set))
        failures++;

    if (failures != 0)
        std::fprintf(stderr, "test_zts_abi_cxx: %d check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
