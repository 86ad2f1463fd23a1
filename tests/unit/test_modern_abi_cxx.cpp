/*
 * test_modern_abi_cxx.cpp: the modern header (include/libzt-modern/ZeroTierSockets.h)
 * compiled as C++98 -pedantic (api-modern.md §1 item 1, §10.1 item 3): after the host's socket
 * headers, with extern "C" linkage, the same sizes and offsets as in C (LP64), the enumerators
 * usable in switch and as enum types (DevilutionX casts event codes to zts_event_t), the union
 * tag of zts_in6_addr, the fd-set macros, and the handler type of
 * zts_init_set_event_handler.  Calls sit in sizeof: compiled, not linked.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

#include "ZeroTierSockets.h"

#include <cstddef>
#include <cstdio>
#include <cstring>

#define CXX_CHECK(name, cond) typedef char name[(cond) ? 1 : -1]

CXX_CHECK(size_ss, sizeof(struct zts_sockaddr_storage) == 28);
CXX_CHECK(size_sin6, sizeof(struct zts_sockaddr_in6) == 28);
CXX_CHECK(off_sin6_addr, offsetof(struct zts_sockaddr_in6, sin6_addr) == 8);
CXX_CHECK(size_in6, sizeof(union zts_in6_addr::un) == 16);
CXX_CHECK(size_node, sizeof(zts_node_info_t) == 24);
CXX_CHECK(size_addr, sizeof(zts_addr_info_t) == 40);
CXX_CHECK(size_route, sizeof(zts_route_info_t) == 60);
CXX_CHECK(size_net, sizeof(zts_net_info_t) == 18952);
CXX_CHECK(off_net_mc, offsetof(zts_net_info_t, multicast_subs) == 2568);
CXX_CHECK(size_path, sizeof(zts_path_t) == 120);
CXX_CHECK(size_peer, sizeof(zts_peer_info_t) == 1960);
CXX_CHECK(off_peer_paths, offsetof(zts_peer_info_t, paths) == 40);
CXX_CHECK(size_netif, sizeof(zts_netif_info_t) == 24);
CXX_CHECK(size_msg, sizeof(zts_event_msg_t) == 72);
CXX_CHECK(off_msg_len, offsetof(zts_event_msg_t, len) == 64);
CXX_CHECK(size_roots, sizeof(zts_root_set_t) == 4224);
CXX_CHECK(size_stats, sizeof(zts_stats_counter_t) == 144);
CXX_CHECK(size_fdset, sizeof(zts_fd_set) == 128);
CXX_CHECK(size_tv, sizeof(zts_timeval) == 16);
CXX_CHECK(size_msghdr, sizeof(struct zts_msghdr) == 48);
CXX_CHECK(size_hostent, sizeof(struct zts_hostent) == 32);
CXX_CHECK(size_ipaddr, sizeof(zts_ip_addr) == 20);
CXX_CHECK(fionread, ZTS_FIONREAD == 0x4008667fUL);
CXX_CHECK(fionbio, ZTS_FIONBIO == 0x8008667eUL);
CXX_CHECK(err_service, ZTS_ERR_SERVICE == -2);
CXX_CHECK(ev_store_net, ZTS_EVENT_STORE_NETWORK == 274);

void on_event(void *msg);

/* A handler as DevilutionX writes it: a switch over the code, cast to zts_event_t. */
void on_event(void *msg)
{
    zts_event_msg_t *m = static_cast<zts_event_msg_t *>(msg);

    switch (static_cast<zts_event_t>(m->event_code)) {
    case ZTS_EVENT_NODE_ONLINE:
        std::printf("%lx\n", static_cast<unsigned long>(m->node->node_id));
        break;
    case ZTS_EVENT_ADDR_ADDED_IP6:
        std::printf("%p\n", static_cast<void *>(&m->addr->addr));
        break;
    default:
        break;
    }
}

CXX_CHECK(handler, sizeof(zts_init_set_event_handler(&on_event)) == sizeof(int));
CXX_CHECK(start, sizeof(zts_node_start()) == sizeof(int));
CXX_CHECK(id, sizeof(zts_node_get_id()) == 8);
CXX_CHECK(peer, sizeof(zts_core_query_peer_info(0, 0, NULL)) == sizeof(int));
CXX_CHECK(ntop, sizeof(zts_inet_ntop(ZTS_AF_INET, NULL, NULL, 0)) == sizeof(const char *));

int main()
{
    zts_fd_set s;
    struct zts_in6_addr any = ZTS_IN6ADDR_ANY_INIT;
    zts_event_t code = ZTS_EVENT_PEER_PATH_DEAD;

    ZTS_FD_ZERO(&s);
    ZTS_FD_SET(5, &s);
    if (!ZTS_FD_ISSET(5, &s) || s.fd_bits[0] != 0x20 || any.un.u32_addr[0] != 0 ||
        code != 244) {
        std::printf("FAIL\n");
        return 1;
    }
    std::printf("ok\n");
    return 0;
}
