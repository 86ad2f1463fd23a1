/*
 * test_modern_abi.c: the binary interface of the modern header,
 * include/libzt-modern/ZeroTierSockets.h (api-modern.md §2-§5, §10.1 items 1-3).
 *
 * Compiled as a program of a user would be: only include/libzt-modern on the include path
 * (not include/, the 1.3 header's directory), linked with libzt-modern.a.  Nearly everything
 * is checked at compile time, so drift fails the build:
 *   - every constant of §3 with its value and KIND: enumerators must not be macros (their
 *     name stringifies to itself), macros must be (their name expands to something else),
 *     and each enum typedef is int-sized;
 *   - every structure of §4: size, alignment, each field's offset and type (LP64 figures);
 *   - every prototype of §5 (and §5.14's additions) against a table typed from the spec,
 *     through __typeof__(&fn).
 * At run time: every function's address is taken (the static library defines all 140 and
 * the two data symbols), the macros are compared by text where the spec fixes it
 * (ZTS_MAX_ENDPOINT_STR_LEN unparenthesised), the fd-set macros run here and in a C99
 * -pedantic translation unit (test_modern_c99.c, which also proves that two translation
 * units including the header link together), and zts_ip_addr has the client's 20 bytes.
 */
#include "ZeroTierSockets.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define XSTR2(x) #x
#define XSTR(x) XSTR2(x)
#define EQ(a, b) _Static_assert((a) == (b), #a " == " #b)
#define SIZE(t, n) _Static_assert(sizeof(t) == (n), "sizeof(" #t ") == " #n)
#define ALIGN(t, n) _Static_assert(_Alignof(t) == (n), "_Alignof(" #t ") == " #n)
#define SAME_TYPE(a, b) __builtin_types_compatible_p(a, b)
#define FIELD(t, f, off, ft)                                                          \
    _Static_assert(offsetof(t, f) == (off), "offsetof(" #t ", " #f ") == " #off);    \
    _Static_assert(SAME_TYPE(__typeof__(((t *)0)->f), ft), #t "." #f " is " #ft)
#define PROTO(fn, ft) _Static_assert(SAME_TYPE(__typeof__(&fn), ft), #fn " is " #ft)
/* An enumerator: its value, and its name is no macro (it stringifies to itself). */
#define ENUM(n, v)                                                                    \
    EQ(n, v);                                                                         \
    _Static_assert(sizeof(XSTR(n)) == sizeof(#n), #n " is an enumerator, not a macro")
/* A macro: its value here; that its name expands to something else is checked at run time
 * (test_kinds: the texts may have the same length). */
#define MACRO(n, v) EQ(n, v)
#define MACRO_UL(n, v) EQ((unsigned long)(n), v)

#if !defined(__LP64__) && !defined(_LP64)
#error "the layout figures below are the LP64 ones of api-modern.md §4"
#endif

/* ---- §2: header-level facts ------------------------------------------------------------ */

#ifndef ZTS_SOCKETS_H
#error "include guard ZTS_SOCKETS_H"
#endif
#ifdef ZT_SOCKETS_H
#error "the 1.3 header's guard: the wrong header was found"
#endif
#if !defined(ZTS_API) || !defined(ZTCALL) || !defined(ZTS_C_API_ONLY)
#error "ZTS_API, ZTCALL, ZTS_C_API_ONLY"
#endif
_Static_assert(sizeof(XSTR(ZTS_API ZTCALL)) == 1, "ZTS_API and ZTCALL are empty here");
#if !defined(ZTS_IO) || !defined(ZTS_IOR) || !defined(ZTS_IOW) || !defined(ZTS_IPTOS_TOS) ||   \
    !defined(ZTS_IPTOS_PREC) || !defined(ZTS_FDSETSAFESET) || !defined(ZTS_FDSETSAFEGET) ||    \
    !defined(ZTS_FD_SET) || !defined(ZTS_FD_CLR) || !defined(ZTS_FD_ISSET) ||                  \
    !defined(ZTS_FD_ZERO) || !defined(ZTS_IN6ADDR_ANY_INIT) || !defined(h_addr) ||             \
    !defined(ZTS_DISABLE_CENTRAL_API)
#error "a function-like or marker macro of §3 is missing"
#endif
#if defined(zts_central_init) || defined(ZTS_CENTRAL_MAX_URL_LEN)
#error "the Central API is never visible (§5.15)"
#endif
_Static_assert(SAME_TYPE(__typeof__(zts_errno), int), "zts_errno is a plain int");
_Static_assert(SAME_TYPE(__typeof__(zts_in6addr_any), const struct zts_in6_addr),
               "zts_in6addr_any");

/* ---- §3: constants: value and kind (a table typed from the spec) ----------------------- */

ENUM(ZTS_ERR_OK, 0);
ENUM(ZTS_ERR_SOCKET, -1);
ENUM(ZTS_ERR_SERVICE, -2);
ENUM(ZTS_ERR_ARG, -3);
ENUM(ZTS_ERR_NO_RESULT, -4);
ENUM(ZTS_ERR_GENERAL, -5);
ENUM(ZTS_EVENT_NODE_UP, 200);
ENUM(ZTS_EVENT_NODE_ONLINE, 201);
ENUM(ZTS_EVENT_NODE_OFFLINE, 202);
ENUM(ZTS_EVENT_NODE_DOWN, 203);
ENUM(ZTS_EVENT_NODE_FATAL_ERROR, 204);
ENUM(ZTS_EVENT_NETWORK_NOT_FOUND, 210);
ENUM(ZTS_EVENT_NETWORK_CLIENT_TOO_OLD, 211);
ENUM(ZTS_EVENT_NETWORK_REQ_CONFIG, 212);
ENUM(ZTS_EVENT_NETWORK_OK, 213);
ENUM(ZTS_EVENT_NETWORK_ACCESS_DENIED, 214);
ENUM(ZTS_EVENT_NETWORK_READY_IP4, 215);
ENUM(ZTS_EVENT_NETWORK_READY_IP6, 216);
ENUM(ZTS_EVENT_NETWORK_READY_IP4_IP6, 217);
ENUM(ZTS_EVENT_NETWORK_DOWN, 218);
ENUM(ZTS_EVENT_NETWORK_UPDATE, 219);
ENUM(ZTS_EVENT_STACK_UP, 220);
ENUM(ZTS_EVENT_STACK_DOWN, 221);
ENUM(ZTS_EVENT_NETIF_UP, 230);
ENUM(ZTS_EVENT_NETIF_DOWN, 231);
ENUM(ZTS_EVENT_NETIF_REMOVED, 232);
ENUM(ZTS_EVENT_NETIF_LINK_UP, 233);
ENUM(ZTS_EVENT_NETIF_LINK_DOWN, 234);
ENUM(ZTS_EVENT_PEER_DIRECT, 240);
ENUM(ZTS_EVENT_PEER_RELAY, 241);
ENUM(ZTS_EVENT_PEER_UNREACHABLE, 242);
ENUM(ZTS_EVENT_PEER_PATH_DISCOVERED, 243);
ENUM(ZTS_EVENT_PEER_PATH_DEAD, 244);
ENUM(ZTS_EVENT_ROUTE_ADDED, 250);
ENUM(ZTS_EVENT_ROUTE_REMOVED, 251);
ENUM(ZTS_EVENT_ADDR_ADDED_IP4, 260);
ENUM(ZTS_EVENT_ADDR_REMOVED_IP4, 261);
ENUM(ZTS_EVENT_ADDR_ADDED_IP6, 262);
ENUM(ZTS_EVENT_ADDR_REMOVED_IP6, 263);
ENUM(ZTS_EVENT_STORE_IDENTITY_SECRET, 270);
ENUM(ZTS_EVENT_STORE_IDENTITY_PUBLIC, 271);
ENUM(ZTS_EVENT_STORE_PLANET, 272);
ENUM(ZTS_EVENT_STORE_PEER, 273);
ENUM(ZTS_EVENT_STORE_NETWORK, 274);
ENUM(ZTS_EPERM, 1);
ENUM(ZTS_ENOENT, 2);
ENUM(ZTS_ESRCH, 3);
ENUM(ZTS_EINTR, 4);
ENUM(ZTS_EIO, 5);
ENUM(ZTS_ENXIO, 6);
ENUM(ZTS_EBADF, 9);
ENUM(ZTS_EAGAIN, 11);
ENUM(ZTS_EWOULDBLOCK, 11);
ENUM(ZTS_ENOMEM, 12);
ENUM(ZTS_EACCES, 13);
ENUM(ZTS_EFAULT, 14);
ENUM(ZTS_EBUSY, 16);
ENUM(ZTS_EEXIST, 17);
ENUM(ZTS_ENODEV, 19);
ENUM(ZTS_EINVAL, 22);
ENUM(ZTS_ENFILE, 23);
ENUM(ZTS_EMFILE, 24);
ENUM(ZTS_ENOSYS, 38);
ENUM(ZTS_ENOTSOCK, 88);
ENUM(ZTS_EDESTADDRREQ, 89);
ENUM(ZTS_EMSGSIZE, 90);
ENUM(ZTS_EPROTOTYPE, 91);
ENUM(ZTS_ENOPROTOOPT, 92);
ENUM(ZTS_EPROTONOSUPPORT, 93);
ENUM(ZTS_ESOCKTNOSUPPORT, 94);
ENUM(ZTS_EOPNOTSUPP, 95);
ENUM(ZTS_EPFNOSUPPORT, 96);
ENUM(ZTS_EAFNOSUPPORT, 97);
ENUM(ZTS_EADDRINUSE, 98);
ENUM(ZTS_EADDRNOTAVAIL, 99);
ENUM(ZTS_ENETDOWN, 100);
ENUM(ZTS_ENETUNREACH, 101);
ENUM(ZTS_ECONNABORTED, 103);
ENUM(ZTS_ECONNRESET, 104);
ENUM(ZTS_ENOBUFS, 105);
ENUM(ZTS_EISCONN, 106);
ENUM(ZTS_ENOTCONN, 107);
ENUM(ZTS_ETIMEDOUT, 110);
ENUM(ZTS_ECONNREFUSED, 111);
ENUM(ZTS_EHOSTUNREACH, 113);
ENUM(ZTS_EALREADY, 114);
ENUM(ZTS_EINPROGRESS, 115);
ENUM(ZTS_NETWORK_STATUS_REQUESTING_CONFIGURATION, 0);
ENUM(ZTS_NETWORK_STATUS_OK, 1);
ENUM(ZTS_NETWORK_STATUS_ACCESS_DENIED, 2);
ENUM(ZTS_NETWORK_STATUS_NOT_FOUND, 3);
ENUM(ZTS_NETWORK_STATUS_PORT_ERROR, 4);
ENUM(ZTS_NETWORK_STATUS_CLIENT_TOO_OLD, 5);
ENUM(ZTS_NETWORK_TYPE_PRIVATE, 0);
ENUM(ZTS_NETWORK_TYPE_PUBLIC, 1);
ENUM(ZTS_PEER_ROLE_LEAF, 0);
ENUM(ZTS_PEER_ROLE_MOON, 1);
ENUM(ZTS_PEER_ROLE_PLANET, 2);
MACRO(ZTS_MAC_ADDRSTRLEN, 18);
MACRO(ZTS_INET_ADDRSTRLEN, 16);
MACRO(ZTS_INET6_ADDRSTRLEN, 46);
MACRO(ZTS_IP_MAX_STR_LEN, 46);
MACRO(ZTS_STORE_DATA_LEN, 4096);
MACRO(ZTS_MAX_NETWORK_SHORT_NAME_LENGTH, 127);
MACRO(ZTS_MAX_NETWORK_ROUTES, 32);
MACRO(ZTS_MAX_ASSIGNED_ADDRESSES, 16);
MACRO(ZTS_MAX_PEER_NETWORK_PATHS, 16);
MACRO(ZTS_MAX_MULTICAST_SUBSCRIPTIONS, 1024);
MACRO(ZTS_MAX_ENDPOINT_STR_LEN, 52);
MACRO(ZTS_MAX_NUM_ROOTS, 16);
MACRO(ZTS_MAX_ENDPOINTS_PER_ROOT, 32);
MACRO(ZTS_ID_STR_BUF_LEN, 384);
MACRO(SIN_ZERO_LEN, 8);
MACRO(LWIP_SOCKET_OFFSET, 0);
MACRO(MEMP_NUM_NETCONN, 1024);
MACRO(ZTS_FD_SETSIZE, 1024);
MACRO(ZTS_C_API_ONLY, 1);
MACRO_UL(ZTS_IPADDR_NONE, 0xffffffffUL);
MACRO_UL(ZTS_IPADDR_LOOPBACK, 0x7f000001UL);
MACRO_UL(ZTS_IPADDR_ANY, 0x0UL);
MACRO_UL(ZTS_IPADDR_BROADCAST, 0xffffffffUL);
MACRO_UL(ZTS_INADDR_NONE, 0xffffffffUL);
MACRO_UL(ZTS_INADDR_LOOPBACK, 0x7f000001UL);
MACRO_UL(ZTS_INADDR_ANY, 0x0UL);
MACRO_UL(ZTS_INADDR_BROADCAST, 0xffffffffUL);
MACRO(ZTS_SOCK_STREAM, 1);
MACRO(ZTS_SOCK_DGRAM, 2);
MACRO(ZTS_SOCK_RAW, 3);
MACRO(ZTS_AF_UNSPEC, 0);
MACRO(ZTS_AF_INET, 2);
MACRO(ZTS_AF_INET6, 10);
MACRO(ZTS_PF_INET, 2);
MACRO(ZTS_PF_INET6, 10);
MACRO(ZTS_PF_UNSPEC, 0);
MACRO(ZTS_IPPROTO_IP, 0);
MACRO(ZTS_IPPROTO_ICMP, 1);
MACRO(ZTS_IPPROTO_TCP, 6);
MACRO(ZTS_IPPROTO_UDP, 17);
MACRO(ZTS_IPPROTO_IPV6, 41);
MACRO(ZTS_IPPROTO_ICMPV6, 58);
MACRO(ZTS_IPPROTO_UDPLITE, 136);
MACRO(ZTS_IPPROTO_RAW, 255);
MACRO(ZTS_MSG_PEEK, 1);
MACRO(ZTS_MSG_WAITALL, 2);
MACRO(ZTS_MSG_OOB, 4);
MACRO(ZTS_MSG_DONTWAIT, 8);
MACRO(ZTS_MSG_MORE, 16);
MACRO(ZTS_MSG_TRUNC, 4);
MACRO(ZTS_MSG_CTRUNC, 8);
MACRO(ZTS_IOCPARM_MASK, 127);
MACRO_UL(ZTS_IOC_VOID, 0x20000000UL);
MACRO_UL(ZTS_IOC_OUT, 0x40000000UL);
MACRO_UL(ZTS_IOC_IN, 0x80000000UL);
MACRO_UL(ZTS_IOC_INOUT, 0xc0000000UL);
MACRO_UL(ZTS_FIONREAD, 0x4008667fUL);
MACRO_UL(ZTS_FIONBIO, 0x8008667eUL);
MACRO(ZTS_SOL_SOCKET, 4095);
MACRO(ZTS_SO_DEBUG, 1);
MACRO(ZTS_SO_ACCEPTCONN, 2);
MACRO(ZTS_SO_REUSEADDR, 4);
MACRO(ZTS_SO_KEEPALIVE, 8);
MACRO(ZTS_SO_DONTROUTE, 16);
MACRO(ZTS_SO_BROADCAST, 32);
MACRO(ZTS_SO_USELOOPBACK, 64);
MACRO(ZTS_SO_LINGER, 128);
MACRO(ZTS_SO_DONTLINGER, -129);
MACRO(ZTS_SO_OOBINLINE, 256);
MACRO(ZTS_SO_REUSEPORT, 512);
MACRO(ZTS_SO_SNDBUF, 4097);
MACRO(ZTS_SO_RCVBUF, 4098);
MACRO(ZTS_SO_SNDLOWAT, 4099);
MACRO(ZTS_SO_RCVLOWAT, 4100);
MACRO(ZTS_SO_SNDTIMEO, 4101);
MACRO(ZTS_SO_RCVTIMEO, 4102);
MACRO(ZTS_SO_ERROR, 4103);
MACRO(ZTS_SO_TYPE, 4104);
MACRO(ZTS_SO_CONTIMEO, 4105);
MACRO(ZTS_SO_NO_CHECK, 4106);
MACRO(ZTS_SO_BINDTODEVICE, 4107);
MACRO(ZTS_IP_TOS, 1);
MACRO(ZTS_IP_TTL, 2);
MACRO(ZTS_IP_PKTINFO, 8);
MACRO(ZTS_IP_ADD_MEMBERSHIP, 3);
MACRO(ZTS_IP_DROP_MEMBERSHIP, 4);
MACRO(ZTS_IP_MULTICAST_TTL, 5);
MACRO(ZTS_IP_MULTICAST_IF, 6);
MACRO(ZTS_IP_MULTICAST_LOOP, 7);
MACRO(ZTS_TCP_NODELAY, 1);
MACRO(ZTS_TCP_KEEPALIVE, 2);
MACRO(ZTS_TCP_KEEPIDLE, 3);
MACRO(ZTS_TCP_KEEPINTVL, 4);
MACRO(ZTS_TCP_KEEPCNT, 5);
MACRO(ZTS_IPV6_CHECKSUM, 7);
MACRO(ZTS_IPV6_V6ONLY, 27);
MACRO(ZTS_IPV6_JOIN_GROUP, 12);
MACRO(ZTS_IPV6_ADD_MEMBERSHIP, 12);
MACRO(ZTS_IPV6_LEAVE_GROUP, 13);
MACRO(ZTS_IPV6_DROP_MEMBERSHIP, 13);
MACRO(ZTS_UDPLITE_SEND_CSCOV, 1);
MACRO(ZTS_UDPLITE_RECV_CSCOV, 2);
MACRO(ZTS_IPTOS_TOS_MASK, 30);
MACRO(ZTS_IPTOS_LOWDELAY, 16);
MACRO(ZTS_IPTOS_THROUGHPUT, 8);
MACRO(ZTS_IPTOS_RELIABILITY, 4);
MACRO(ZTS_IPTOS_LOWCOST, 2);
MACRO(ZTS_IPTOS_MINCOST, 2);
MACRO(ZTS_IPTOS_PREC_MASK, 224);
MACRO(ZTS_IPTOS_PREC_NETCONTROL, 224);
MACRO(ZTS_IPTOS_PREC_INTERNETCONTROL, 192);
MACRO(ZTS_IPTOS_PREC_CRITIC_ECP, 160);
MACRO(ZTS_IPTOS_PREC_FLASHOVERRIDE, 128);
MACRO(ZTS_IPTOS_PREC_FLASH, 96);
MACRO(ZTS_IPTOS_PREC_IMMEDIATE, 64);
MACRO(ZTS_IPTOS_PREC_PRIORITY, 32);
MACRO(ZTS_IPTOS_PREC_ROUTINE, 0);
MACRO(ZTS_F_GETFL, 3);
MACRO(ZTS_F_SETFL, 4);
MACRO(ZTS_O_NONBLOCK, 1);
MACRO(ZTS_O_NDELAY, 1);
MACRO(ZTS_O_RDONLY, 2);
MACRO(ZTS_O_WRONLY, 4);
MACRO(ZTS_O_RDWR, 6);
MACRO(ZTS_POLLIN, 1);
MACRO(ZTS_POLLOUT, 2);
MACRO(ZTS_POLLERR, 4);
MACRO(ZTS_POLLNVAL, 8);
MACRO(ZTS_POLLRDNORM, 16);
MACRO(ZTS_POLLRDBAND, 32);
MACRO(ZTS_POLLPRI, 64);
MACRO(ZTS_POLLWRNORM, 128);
MACRO(ZTS_POLLWRBAND, 256);
MACRO(ZTS_POLLHUP, 512);
MACRO(ZTS_SHUT_RD, 0);
MACRO(ZTS_SHUT_WR, 1);
MACRO(ZTS_SHUT_RDWR, 2);

/* Each enum typedef is int-sized (§3.11). */
SIZE(zts_error_t, 4);
SIZE(zts_event_t, 4);
SIZE(zts_errno_t, 4);
SIZE(zts_network_status_t, 4);
SIZE(zts_net_info_type_t, 4);
SIZE(zts_peer_role_t, 4);

/* ---- §4.1, §4.2: scalars and socket addresses ------------------------------------------ */

_Static_assert(SAME_TYPE(zts_socklen_t, uint32_t), "zts_socklen_t");
_Static_assert(SAME_TYPE(zts_in_addr_t, uint32_t), "zts_in_addr_t");
_Static_assert(SAME_TYPE(zts_in_port_t, uint16_t), "zts_in_port_t");
_Static_assert(SAME_TYPE(zts_sa_family_t, uint8_t), "zts_sa_family_t");
_Static_assert(SAME_TYPE(zts_nfds_t, unsigned int), "zts_nfds_t");

SIZE(struct zts_in_addr, 4);
ALIGN(struct zts_in_addr, 4);
FIELD(struct zts_in_addr, s_addr, 0, zts_in_addr_t);
SIZE(struct zts_in6_addr, 16);
ALIGN(struct zts_in6_addr, 4);
FIELD(struct zts_in6_addr, un.u32_addr, 0, uint32_t[4]);
FIELD(struct zts_in6_addr, un.u8_addr, 0, uint8_t[16]);
SIZE(union un, 16);
SIZE(struct zts_sockaddr_in, 16);
ALIGN(struct zts_sockaddr_in, 4);
FIELD(struct zts_sockaddr_in, sin_len, 0, uint8_t);
FIELD(struct zts_sockaddr_in, sin_family, 1, zts_sa_family_t);
FIELD(struct zts_sockaddr_in, sin_port, 2, zts_in_port_t);
FIELD(struct zts_sockaddr_in, sin_addr, 4, struct zts_in_addr);
FIELD(struct zts_sockaddr_in, sin_zero, 8, char[8]);
SIZE(struct zts_sockaddr_in6, 28);
ALIGN(struct zts_sockaddr_in6, 4);
FIELD(struct zts_sockaddr_in6, sin6_len, 0, uint8_t);
FIELD(struct zts_sockaddr_in6, sin6_family, 1, zts_sa_family_t);
FIELD(struct zts_sockaddr_in6, sin6_port, 2, zts_in_port_t);
FIELD(struct zts_sockaddr_in6, sin6_flowinfo, 4, uint32_t);
FIELD(struct zts_sockaddr_in6, sin6_addr, 8, struct zts_in6_addr);
FIELD(struct zts_sockaddr_in6, sin6_scope_id, 24, uint32_t);
SIZE(struct zts_sockaddr, 16);
ALIGN(struct zts_sockaddr, 1);
FIELD(struct zts_sockaddr, sa_len, 0, uint8_t);
FIELD(struct zts_sockaddr, sa_family, 1, zts_sa_family_t);
FIELD(struct zts_sockaddr, sa_data, 2, char[14]);
SIZE(struct zts_sockaddr_storage, 28);
ALIGN(struct zts_sockaddr_storage, 4);
FIELD(struct zts_sockaddr_storage, s2_len, 0, uint8_t);
FIELD(struct zts_sockaddr_storage, ss_family, 1, zts_sa_family_t);
FIELD(struct zts_sockaddr_storage, s2_data1, 2, char[2]);
FIELD(struct zts_sockaddr_storage, s2_data2, 4, uint32_t[3]);
FIELD(struct zts_sockaddr_storage, s2_data3, 16, uint32_t[3]);

/* ---- §4.3: event payloads --------------------------------------------------------------- */

SIZE(zts_node_info_t, 24);
ALIGN(zts_node_info_t, 8);
FIELD(zts_node_info_t, node_id, 0, uint64_t);
FIELD(zts_node_info_t, port_primary, 8, uint16_t);
FIELD(zts_node_info_t, port_secondary, 10, uint16_t);
FIELD(zts_node_info_t, port_tertiary, 12, uint16_t);
FIELD(zts_node_info_t, ver_major, 14, uint8_t);
FIELD(zts_node_info_t, ver_minor, 15, uint8_t);
FIELD(zts_node_info_t, ver_rev, 16, uint8_t);
SIZE(zts_addr_info_t, 40);
ALIGN(zts_addr_info_t, 8);
FIELD(zts_addr_info_t, net_id, 0, uint64_t);
FIELD(zts_addr_info_t, addr, 8, struct zts_sockaddr_storage);
SIZE(zts_route_info_t, 60);
ALIGN(zts_route_info_t, 4);
FIELD(zts_route_info_t, target, 0, struct zts_sockaddr_storage);
FIELD(zts_route_info_t, via, 28, struct zts_sockaddr_storage);
FIELD(zts_route_info_t, flags, 56, uint16_t);
FIELD(zts_route_info_t, metric, 58, uint16_t);
SIZE(zts_multicast_group_t, 16);
ALIGN(zts_multicast_group_t, 8);
FIELD(zts_multicast_group_t, mac, 0, uint64_t);
FIELD(zts_multicast_group_t, adi, 8, unsigned long);
SIZE(zts_net_info_t, 18952);
ALIGN(zts_net_info_t, 8);
FIELD(zts_net_info_t, net_id, 0, uint64_t);
FIELD(zts_net_info_t, mac, 8, uint64_t);
FIELD(zts_net_info_t, name, 16, char[128]);
FIELD(zts_net_info_t, status, 144, zts_network_status_t);
FIELD(zts_net_info_t, type, 148, zts_net_info_type_t);
FIELD(zts_net_info_t, mtu, 152, unsigned int);
FIELD(zts_net_info_t, dhcp, 156, int);
FIELD(zts_net_info_t, bridge, 160, int);
FIELD(zts_net_info_t, broadcast_enabled, 164, int);
FIELD(zts_net_info_t, port_error, 168, int);
FIELD(zts_net_info_t, netconf_rev, 176, unsigned long);
FIELD(zts_net_info_t, assigned_addr_count, 184, unsigned int);
FIELD(zts_net_info_t, assigned_addrs, 188, struct zts_sockaddr_storage[16]);
FIELD(zts_net_info_t, route_count, 636, unsigned int);
FIELD(zts_net_info_t, routes, 640, zts_route_info_t[32]);
FIELD(zts_net_info_t, multicast_sub_count, 2560, unsigned int);
EQ(offsetof(zts_net_info_t, multicast_subs), 2568);
EQ(sizeof(((zts_net_info_t *)0)->multicast_subs), 16384);
EQ(sizeof(((zts_net_info_t *)0)->multicast_subs[0]), 16);
FIELD(zts_net_info_t, multicast_subs[0].mac, 2568, uint64_t);
FIELD(zts_net_info_t, multicast_subs[0].adi, 2576, uint32_t);
SIZE(zts_path_t, 120);
ALIGN(zts_path_t, 8);
FIELD(zts_path_t, address, 0, struct zts_sockaddr_storage);
FIELD(zts_path_t, last_tx, 32, uint64_t);
FIELD(zts_path_t, last_rx, 40, uint64_t);
FIELD(zts_path_t, trusted_path_id, 48, uint64_t);
FIELD(zts_path_t, latency, 56, float);
FIELD(zts_path_t, unused_0, 60, float);
FIELD(zts_path_t, unused_1, 64, float);
FIELD(zts_path_t, unused_2, 68, float);
FIELD(zts_path_t, unused_3, 72, float);
FIELD(zts_path_t, unused_4, 76, float);
FIELD(zts_path_t, unused_5, 80, uint64_t);
FIELD(zts_path_t, unused_6, 88, uint64_t);
FIELD(zts_path_t, unused_7, 96, float);
FIELD(zts_path_t, ifname, 104, char *);
FIELD(zts_path_t, expired, 112, int);
FIELD(zts_path_t, preferred, 116, int);
SIZE(zts_peer_info_t, 1960);
ALIGN(zts_peer_info_t, 8);
FIELD(zts_peer_info_t, peer_id, 0, uint64_t);
FIELD(zts_peer_info_t, ver_major, 8, int);
FIELD(zts_peer_info_t, ver_minor, 12, int);
FIELD(zts_peer_info_t, ver_rev, 16, int);
FIELD(zts_peer_info_t, latency, 20, int);
FIELD(zts_peer_info_t, role, 24, zts_peer_role_t);
FIELD(zts_peer_info_t, path_count, 28, unsigned int);
FIELD(zts_peer_info_t, unused_0, 32, int);
FIELD(zts_peer_info_t, paths, 40, zts_path_t[16]);
SIZE(zts_netif_info_t, 24);
ALIGN(zts_netif_info_t, 8);
FIELD(zts_netif_info_t, net_id, 0, uint64_t);
FIELD(zts_netif_info_t, mac, 8, uint64_t);
FIELD(zts_netif_info_t, mtu, 16, int);
SIZE(zts_event_msg_t, 72);
ALIGN(zts_event_msg_t, 8);
FIELD(zts_event_msg_t, event_code, 0, int16_t);
FIELD(zts_event_msg_t, node, 8, zts_node_info_t *);
FIELD(zts_event_msg_t, network, 16, zts_net_info_t *);
FIELD(zts_event_msg_t, netif, 24, zts_netif_info_t *);
FIELD(zts_event_msg_t, route, 32, zts_route_info_t *);
FIELD(zts_event_msg_t, peer, 40, zts_peer_info_t *);
FIELD(zts_event_msg_t, addr, 48, zts_addr_info_t *);
FIELD(zts_event_msg_t, cache, 56, void *);
FIELD(zts_event_msg_t, len, 64, int);

/* ---- §4.4, §4.5: roots and statistics --------------------------------------------------- */

SIZE(zts_root_set_t, 4224);
ALIGN(zts_root_set_t, 8);
FIELD(zts_root_set_t, public_id_str, 0, char *[16]);
FIELD(zts_root_set_t, endpoint_ip_str, 128, char *[16][32]);
SIZE(zts_stats_counter_t, 144);
ALIGN(zts_stats_counter_t, 4);
FIELD(zts_stats_counter_t, link_tx, 0, uint32_t);
FIELD(zts_stats_counter_t, link_err, 12, uint32_t);
FIELD(zts_stats_counter_t, etharp_tx, 16, uint32_t);
FIELD(zts_stats_counter_t, ip4_tx, 32, uint32_t);
FIELD(zts_stats_counter_t, ip6_tx, 48, uint32_t);
FIELD(zts_stats_counter_t, icmp4_tx, 64, uint32_t);
FIELD(zts_stats_counter_t, icmp6_tx, 80, uint32_t);
FIELD(zts_stats_counter_t, udp_tx, 96, uint32_t);
FIELD(zts_stats_counter_t, tcp_tx, 112, uint32_t);
FIELD(zts_stats_counter_t, nd6_tx, 128, uint32_t);
FIELD(zts_stats_counter_t, nd6_rx, 132, uint32_t);
FIELD(zts_stats_counter_t, nd6_drop, 136, uint32_t);
FIELD(zts_stats_counter_t, nd6_err, 140, uint32_t);

/* ---- §4.6-§4.8: socket helpers, DNS, lwIP-style addresses ------------------------------- */

SIZE(struct zts_linger, 8);
FIELD(struct zts_linger, l_onoff, 0, int);
FIELD(struct zts_linger, l_linger, 4, int);
SIZE(zts_ip_mreq, 8);
SIZE(struct zts_ip_mreq, 8);
FIELD(zts_ip_mreq, imr_multiaddr, 0, struct zts_in_addr);
FIELD(zts_ip_mreq, imr_interface, 4, struct zts_in_addr);
SIZE(struct zts_in_pktinfo, 8);
FIELD(struct zts_in_pktinfo, ipi_ifindex, 0, unsigned int);
FIELD(struct zts_in_pktinfo, ipi_addr, 4, struct zts_in_addr);
SIZE(zts_ipv6_mreq, 20);
SIZE(struct zts_ipv6_mreq, 20);
FIELD(zts_ipv6_mreq, ipv6mr_multiaddr, 0, struct zts_in6_addr);
FIELD(zts_ipv6_mreq, ipv6mr_interface, 16, unsigned int);
SIZE(zts_fd_set, 128);
SIZE(struct zts_fd_set, 128);
ALIGN(zts_fd_set, 1);
FIELD(zts_fd_set, fd_bits, 0, unsigned char[128]);
SIZE(zts_timeval, 16);
SIZE(struct zts_timeval, 16);
ALIGN(zts_timeval, 8);
FIELD(zts_timeval, tv_sec, 0, long);
FIELD(zts_timeval, tv_usec, 8, long);
SIZE(struct zts_pollfd, 8);
FIELD(struct zts_pollfd, fd, 0, int);
FIELD(struct zts_pollfd, events, 4, short);
FIELD(struct zts_pollfd, revents, 6, short);
SIZE(struct zts_iovec, 16);
FIELD(struct zts_iovec, iov_base, 0, void *);
FIELD(struct zts_iovec, iov_len, 8, size_t);
SIZE(struct zts_msghdr, 48);
FIELD(struct zts_msghdr, msg_name, 0, void *);
FIELD(struct zts_msghdr, msg_namelen, 8, zts_socklen_t);
FIELD(struct zts_msghdr, msg_iov, 16, struct zts_iovec *);
FIELD(struct zts_msghdr, msg_iovlen, 24, int);
FIELD(struct zts_msghdr, msg_control, 32, void *);
FIELD(struct zts_msghdr, msg_controllen, 40, zts_socklen_t);
FIELD(struct zts_msghdr, msg_flags, 44, int);
SIZE(struct zts_hostent, 32);
FIELD(struct zts_hostent, h_name, 0, char *);
FIELD(struct zts_hostent, h_aliases, 8, char **);
FIELD(struct zts_hostent, h_addrtype, 16, int);
FIELD(struct zts_hostent, h_length, 20, int);
FIELD(struct zts_hostent, h_addr_list, 24, char **);
SIZE(struct zts_ip4_addr, 4);
SIZE(struct zts_ip6_addr, 16); /* no zone: lwIP's headers are not included (§2) */
SIZE(zts_ip_addr, 20);
ALIGN(zts_ip_addr, 4);
FIELD(zts_ip_addr, u_addr.ip6, 0, struct zts_ip6_addr);
FIELD(zts_ip_addr, u_addr.ip4, 0, struct zts_ip4_addr);
FIELD(zts_ip_addr, type, 16, uint8_t);

/* ---- §5: prototypes (table typed from the spec) ------------------------------------------ */

PROTO(zts_id_new, int (*)(char*, unsigned int*));
PROTO(zts_id_pair_is_valid, int (*)(const char*, unsigned int));
PROTO(zts_init_from_storage, int (*)(const char*));
PROTO(zts_init_from_memory, int (*)(const char*, unsigned int));
PROTO(zts_init_set_event_handler, int (*)(void (*)(void*)));
PROTO(zts_init_blacklist_if, int (*)(const char*, unsigned int));
PROTO(zts_init_set_roots, int (*)(const void*, unsigned int));
PROTO(zts_init_set_port, int (*)(unsigned short));
PROTO(zts_init_set_random_port_range, int (*)(unsigned short, unsigned short));
PROTO(zts_init_allow_secondary_port, int (*)(unsigned int));
PROTO(zts_init_allow_port_mapping, int (*)(unsigned int));
PROTO(zts_init_allow_net_cache, int (*)(unsigned int));
PROTO(zts_init_allow_peer_cache, int (*)(unsigned int));
PROTO(zts_init_allow_roots_cache, int (*)(unsigned int));
PROTO(zts_init_allow_id_cache, int (*)(unsigned int));
PROTO(zts_init_set_tcp_relay, int (*)(const char*, unsigned short));
PROTO(zts_init_allow_tcp_relay, int (*)(int));
PROTO(zts_init_force_tcp_relay, int (*)(int));
PROTO(zts_init_set_low_bandwidth_mode, int (*)(int));
PROTO(zts_node_start, int (*)(void));
PROTO(zts_node_is_online, int (*)(void));
PROTO(zts_node_get_id, uint64_t (*)(void));
PROTO(zts_node_get_id_pair, int (*)(char*, unsigned int*));
PROTO(zts_node_get_port, int (*)(void));
PROTO(zts_node_stop, int (*)(void));
PROTO(zts_node_free, int (*)(void));
PROTO(zts_moon_orbit, int (*)(uint64_t, uint64_t));
PROTO(zts_moon_deorbit, int (*)(uint64_t));
PROTO(zts_net_join, int (*)(uint64_t));
PROTO(zts_net_leave, int (*)(uint64_t));
PROTO(zts_net_transport_is_ready, int (*)(const uint64_t));
PROTO(zts_net_get_mac, uint64_t (*)(uint64_t));
PROTO(zts_net_get_mac_str, int (*)(uint64_t, char*, unsigned int));
PROTO(zts_net_get_broadcast, int (*)(uint64_t));
PROTO(zts_net_get_mtu, int (*)(uint64_t));
PROTO(zts_net_get_name, int (*)(uint64_t, char*, unsigned int));
PROTO(zts_net_get_status, int (*)(uint64_t));
PROTO(zts_net_get_type, int (*)(uint64_t));
PROTO(zts_route_is_assigned, int (*)(uint64_t, unsigned int));
PROTO(zts_net_compute_adhoc_id, uint64_t (*)(uint16_t, uint16_t));
PROTO(zts_addr_is_assigned, int (*)(uint64_t, unsigned int));
PROTO(zts_addr_get, int (*)(uint64_t, unsigned int, struct zts_sockaddr_storage*));
PROTO(zts_addr_get_str, int (*)(uint64_t, unsigned int, char*, unsigned int));
PROTO(zts_addr_get_all, int (*)(uint64_t, struct zts_sockaddr_storage*, unsigned int*));
PROTO(zts_addr_compute_6plane, int (*)(const uint64_t, const uint64_t, struct zts_sockaddr_storage*));
PROTO(zts_addr_compute_rfc4193, int (*)(const uint64_t, const uint64_t, struct zts_sockaddr_storage*));
PROTO(zts_addr_compute_rfc4193_str, int (*)(uint64_t, uint64_t, char*, unsigned int));
PROTO(zts_addr_compute_6plane_str, int (*)(uint64_t, uint64_t, char*, unsigned int));
PROTO(zts_stats_get_all, int (*)(zts_stats_counter_t*));
PROTO(zts_bsd_socket, int (*)(int, int, int));
PROTO(zts_bsd_connect, int (*)(int, const struct zts_sockaddr*, zts_socklen_t));
PROTO(zts_bsd_bind, int (*)(int, const struct zts_sockaddr*, zts_socklen_t));
PROTO(zts_bsd_listen, int (*)(int, int));
PROTO(zts_bsd_accept, int (*)(int, struct zts_sockaddr*, zts_socklen_t*));
PROTO(zts_bsd_setsockopt, int (*)(int, int, int, const void*, zts_socklen_t));
PROTO(zts_bsd_getsockopt, int (*)(int, int, int, void*, zts_socklen_t*));
PROTO(zts_bsd_getsockname, int (*)(int, struct zts_sockaddr*, zts_socklen_t*));
PROTO(zts_bsd_getpeername, int (*)(int, struct zts_sockaddr*, zts_socklen_t*));
PROTO(zts_bsd_close, int (*)(int));
PROTO(zts_bsd_select, int (*)(int, zts_fd_set*, zts_fd_set*, zts_fd_set*, struct zts_timeval*));
PROTO(zts_bsd_fcntl, int (*)(int, int, int));
PROTO(zts_bsd_poll, int (*)(struct zts_pollfd*, zts_nfds_t, int));
PROTO(zts_bsd_ioctl, int (*)(int, unsigned long, void*));
PROTO(zts_bsd_send, ssize_t (*)(int, const void*, size_t, int));
PROTO(zts_bsd_sendto, ssize_t (*)(int, const void*, size_t, int, const struct zts_sockaddr*, zts_socklen_t));
PROTO(zts_bsd_sendmsg, ssize_t (*)(int, const struct zts_msghdr*, int));
PROTO(zts_bsd_recv, ssize_t (*)(int, void*, size_t, int));
PROTO(zts_bsd_recvfrom, ssize_t (*)(int, void*, size_t, int, struct zts_sockaddr*, zts_socklen_t*));
PROTO(zts_bsd_recvmsg, ssize_t (*)(int, struct zts_msghdr*, int));
PROTO(zts_bsd_read, ssize_t (*)(int, void*, size_t));
PROTO(zts_bsd_readv, ssize_t (*)(int, const struct zts_iovec*, int));
PROTO(zts_bsd_write, ssize_t (*)(int, const void*, size_t));
PROTO(zts_bsd_writev, ssize_t (*)(int, const struct zts_iovec*, int));
PROTO(zts_bsd_shutdown, int (*)(int, int));
PROTO(zts_socket, int (*)(int, int, int));
PROTO(zts_connect, int (*)(int, const char*, unsigned short, int));
PROTO(zts_bind, int (*)(int, const char*, unsigned short));
PROTO(zts_listen, int (*)(int, int));
PROTO(zts_accept, int (*)(int, char*, int, unsigned short*));
PROTO(zts_send, ssize_t (*)(int, const void*, size_t, int));
PROTO(zts_recv, ssize_t (*)(int, void*, size_t, int));
PROTO(zts_read, ssize_t (*)(int, void*, size_t));
PROTO(zts_write, ssize_t (*)(int, const void*, size_t));
PROTO(zts_shutdown_rd, int (*)(int));
PROTO(zts_shutdown_wr, int (*)(int));
PROTO(zts_shutdown_rdwr, int (*)(int));
PROTO(zts_close, int (*)(int));
PROTO(zts_getpeername, int (*)(int, char*, int, unsigned short*));
PROTO(zts_getsockname, int (*)(int, char*, int, unsigned short*));
PROTO(zts_tcp_client, int (*)(const char*, unsigned short));
PROTO(zts_tcp_server, int (*)(const char*, unsigned short, char*, int, unsigned short*));
PROTO(zts_udp_server, int (*)(const char*, unsigned short));
PROTO(zts_udp_client, int (*)(const char*));
PROTO(zts_set_no_delay, int (*)(int, int));
PROTO(zts_get_no_delay, int (*)(int));
PROTO(zts_set_linger, int (*)(int, int, int));
PROTO(zts_get_linger_enabled, int (*)(int));
PROTO(zts_get_linger_value, int (*)(int));
PROTO(zts_set_reuse_addr, int (*)(int, int));
PROTO(zts_get_reuse_addr, int (*)(int));
PROTO(zts_set_recv_timeout, int (*)(int, int, int));
PROTO(zts_get_recv_timeout, int (*)(int));
PROTO(zts_set_send_timeout, int (*)(int, int, int));
PROTO(zts_get_send_timeout, int (*)(int));
PROTO(zts_set_send_buf_size, int (*)(int, int));
PROTO(zts_get_send_buf_size, int (*)(int));
PROTO(zts_set_recv_buf_size, int (*)(int, int));
PROTO(zts_get_recv_buf_size, int (*)(int));
PROTO(zts_set_ttl, int (*)(int, int));
PROTO(zts_get_ttl, int (*)(int));
PROTO(zts_set_blocking, int (*)(int, int));
PROTO(zts_get_blocking, int (*)(int));
PROTO(zts_set_keepalive, int (*)(int, int));
PROTO(zts_get_keepalive, int (*)(int));
PROTO(zts_get_last_socket_error, int (*)(int));
PROTO(zts_get_data_available, size_t (*)(int));
PROTO(zts_get_pending_data_size, int (*)(int));
PROTO(zts_bsd_gethostbyname, struct zts_hostent* (*)(const char*));
PROTO(zts_dns_set_server, int (*)(uint8_t, const zts_ip_addr*));
PROTO(zts_dns_get_server, const zts_ip_addr* (*)(uint8_t));
PROTO(zts_core_lock_obtain, int (*)(void));
PROTO(zts_core_lock_release, int (*)(void));
PROTO(zts_core_query_addr_count, int (*)(uint64_t));
PROTO(zts_core_query_addr, int (*)(uint64_t, unsigned int, char*, unsigned int));
PROTO(zts_core_query_route_count, int (*)(uint64_t));
PROTO(zts_core_query_route, int (*)(uint64_t, unsigned int, char*, char*, unsigned int, uint16_t*, uint16_t*));
PROTO(zts_core_query_peer_info, int (*)(uint64_t, uint64_t, zts_peer_info_t*));
PROTO(zts_core_query_path_count, int (*)(uint64_t));
PROTO(zts_core_query_path, int (*)(uint64_t, unsigned int, char*, unsigned int));
PROTO(zts_core_query_mc_count, int (*)(uint64_t));
PROTO(zts_core_query_mc, int (*)(uint64_t, unsigned int, uint64_t*, uint32_t*));
PROTO(zts_util_delay, void (*)(unsigned long));
PROTO(zts_util_get_ip_family, int (*)(const char*));
PROTO(zts_util_ipstr_to_saddr, int (*)(const char*, unsigned short, struct zts_sockaddr*, zts_socklen_t*));
PROTO(zts_util_ntop, int (*)(struct zts_sockaddr*, zts_socklen_t, char*, int, unsigned short*));
PROTO(zts_util_sign_root_set, int (*)(char*, unsigned int*, char*, unsigned int*, char*, unsigned int*, uint64_t, uint64_t, zts_root_set_t*));
PROTO(zts_inet_ntop, const char* (*)(int, const void*, char*, zts_socklen_t));
PROTO(zts_inet_pton, int (*)(int, const char*, void*));
PROTO(zts_ipaddr_ntoa, char* (*)(const zts_ip_addr*));
PROTO(zts_ipaddr_aton, int (*)(const char*, zts_ip_addr*));

/* ---- run time ---------------------------------------------------------------------------- */

/* Name and expansion of every constant of §3 (test_kinds). */
static const char *const macro_kinds[][2] = {
    {"ZTS_MAC_ADDRSTRLEN", XSTR(ZTS_MAC_ADDRSTRLEN)},
    {"ZTS_INET_ADDRSTRLEN", XSTR(ZTS_INET_ADDRSTRLEN)},
    {"ZTS_INET6_ADDRSTRLEN", XSTR(ZTS_INET6_ADDRSTRLEN)},
    {"ZTS_IP_MAX_STR_LEN", XSTR(ZTS_IP_MAX_STR_LEN)},
    {"ZTS_STORE_DATA_LEN", XSTR(ZTS_STORE_DATA_LEN)},
    {"ZTS_MAX_NETWORK_SHORT_NAME_LENGTH", XSTR(ZTS_MAX_NETWORK_SHORT_NAME_LENGTH)},
    {"ZTS_MAX_NETWORK_ROUTES", XSTR(ZTS_MAX_NETWORK_ROUTES)},
    {"ZTS_MAX_ASSIGNED_ADDRESSES", XSTR(ZTS_MAX_ASSIGNED_ADDRESSES)},
    {"ZTS_MAX_PEER_NETWORK_PATHS", XSTR(ZTS_MAX_PEER_NETWORK_PATHS)},
    {"ZTS_MAX_MULTICAST_SUBSCRIPTIONS", XSTR(ZTS_MAX_MULTICAST_SUBSCRIPTIONS)},
    {"ZTS_MAX_ENDPOINT_STR_LEN", XSTR(ZTS_MAX_ENDPOINT_STR_LEN)},
    {"ZTS_MAX_NUM_ROOTS", XSTR(ZTS_MAX_NUM_ROOTS)},
    {"ZTS_MAX_ENDPOINTS_PER_ROOT", XSTR(ZTS_MAX_ENDPOINTS_PER_ROOT)},
    {"ZTS_ID_STR_BUF_LEN", XSTR(ZTS_ID_STR_BUF_LEN)},
    {"SIN_ZERO_LEN", XSTR(SIN_ZERO_LEN)},
    {"LWIP_SOCKET_OFFSET", XSTR(LWIP_SOCKET_OFFSET)},
    {"MEMP_NUM_NETCONN", XSTR(MEMP_NUM_NETCONN)},
    {"ZTS_FD_SETSIZE", XSTR(ZTS_FD_SETSIZE)},
    {"ZTS_C_API_ONLY", XSTR(ZTS_C_API_ONLY)},
    {"ZTS_IPADDR_NONE", XSTR(ZTS_IPADDR_NONE)},
    {"ZTS_IPADDR_LOOPBACK", XSTR(ZTS_IPADDR_LOOPBACK)},
    {"ZTS_IPADDR_ANY", XSTR(ZTS_IPADDR_ANY)},
    {"ZTS_IPADDR_BROADCAST", XSTR(ZTS_IPADDR_BROADCAST)},
    {"ZTS_INADDR_NONE", XSTR(ZTS_INADDR_NONE)},
    {"ZTS_INADDR_LOOPBACK", XSTR(ZTS_INADDR_LOOPBACK)},
    {"ZTS_INADDR_ANY", XSTR(ZTS_INADDR_ANY)},
    {"ZTS_INADDR_BROADCAST", XSTR(ZTS_INADDR_BROADCAST)},
    {"ZTS_SOCK_STREAM", XSTR(ZTS_SOCK_STREAM)},
    {"ZTS_SOCK_DGRAM", XSTR(ZTS_SOCK_DGRAM)},
    {"ZTS_SOCK_RAW", XSTR(ZTS_SOCK_RAW)},
    {"ZTS_AF_UNSPEC", XSTR(ZTS_AF_UNSPEC)},
    {"ZTS_AF_INET", XSTR(ZTS_AF_INET)},
    {"ZTS_AF_INET6", XSTR(ZTS_AF_INET6)},
    {"ZTS_PF_INET", XSTR(ZTS_PF_INET)},
    {"ZTS_PF_INET6", XSTR(ZTS_PF_INET6)},
    {"ZTS_PF_UNSPEC", XSTR(ZTS_PF_UNSPEC)},
    {"ZTS_IPPROTO_IP", XSTR(ZTS_IPPROTO_IP)},
    {"ZTS_IPPROTO_ICMP", XSTR(ZTS_IPPROTO_ICMP)},
    {"ZTS_IPPROTO_TCP", XSTR(ZTS_IPPROTO_TCP)},
    {"ZTS_IPPROTO_UDP", XSTR(ZTS_IPPROTO_UDP)},
    {"ZTS_IPPROTO_IPV6", XSTR(ZTS_IPPROTO_IPV6)},
    {"ZTS_IPPROTO_ICMPV6", XSTR(ZTS_IPPROTO_ICMPV6)},
    {"ZTS_IPPROTO_UDPLITE", XSTR(ZTS_IPPROTO_UDPLITE)},
    {"ZTS_IPPROTO_RAW", XSTR(ZTS_IPPROTO_RAW)},
    {"ZTS_MSG_PEEK", XSTR(ZTS_MSG_PEEK)},
    {"ZTS_MSG_WAITALL", XSTR(ZTS_MSG_WAITALL)},
    {"ZTS_MSG_OOB", XSTR(ZTS_MSG_OOB)},
    {"ZTS_MSG_DONTWAIT", XSTR(ZTS_MSG_DONTWAIT)},
    {"ZTS_MSG_MORE", XSTR(ZTS_MSG_MORE)},
    {"ZTS_MSG_TRUNC", XSTR(ZTS_MSG_TRUNC)},
    {"ZTS_MSG_CTRUNC", XSTR(ZTS_MSG_CTRUNC)},
    {"ZTS_IOCPARM_MASK", XSTR(ZTS_IOCPARM_MASK)},
    {"ZTS_IOC_VOID", XSTR(ZTS_IOC_VOID)},
    {"ZTS_IOC_OUT", XSTR(ZTS_IOC_OUT)},
    {"ZTS_IOC_IN", XSTR(ZTS_IOC_IN)},
    {"ZTS_IOC_INOUT", XSTR(ZTS_IOC_INOUT)},
    {"ZTS_FIONREAD", XSTR(ZTS_FIONREAD)},
    {"ZTS_FIONBIO", XSTR(ZTS_FIONBIO)},
    {"ZTS_SOL_SOCKET", XSTR(ZTS_SOL_SOCKET)},
    {"ZTS_SO_DEBUG", XSTR(ZTS_SO_DEBUG)},
    {"ZTS_SO_ACCEPTCONN", XSTR(ZTS_SO_ACCEPTCONN)},
    {"ZTS_SO_REUSEADDR", XSTR(ZTS_SO_REUSEADDR)},
    {"ZTS_SO_KEEPALIVE", XSTR(ZTS_SO_KEEPALIVE)},
    {"ZTS_SO_DONTROUTE", XSTR(ZTS_SO_DONTROUTE)},
    {"ZTS_SO_BROADCAST", XSTR(ZTS_SO_BROADCAST)},
    {"ZTS_SO_USELOOPBACK", XSTR(ZTS_SO_USELOOPBACK)},
    {"ZTS_SO_LINGER", XSTR(ZTS_SO_LINGER)},
    {"ZTS_SO_DONTLINGER", XSTR(ZTS_SO_DONTLINGER)},
    {"ZTS_SO_OOBINLINE", XSTR(ZTS_SO_OOBINLINE)},
    {"ZTS_SO_REUSEPORT", XSTR(ZTS_SO_REUSEPORT)},
    {"ZTS_SO_SNDBUF", XSTR(ZTS_SO_SNDBUF)},
    {"ZTS_SO_RCVBUF", XSTR(ZTS_SO_RCVBUF)},
    {"ZTS_SO_SNDLOWAT", XSTR(ZTS_SO_SNDLOWAT)},
    {"ZTS_SO_RCVLOWAT", XSTR(ZTS_SO_RCVLOWAT)},
    {"ZTS_SO_SNDTIMEO", XSTR(ZTS_SO_SNDTIMEO)},
    {"ZTS_SO_RCVTIMEO", XSTR(ZTS_SO_RCVTIMEO)},
    {"ZTS_SO_ERROR", XSTR(ZTS_SO_ERROR)},
    {"ZTS_SO_TYPE", XSTR(ZTS_SO_TYPE)},
    {"ZTS_SO_CONTIMEO", XSTR(ZTS_SO_CONTIMEO)},
    {"ZTS_SO_NO_CHECK", XSTR(ZTS_SO_NO_CHECK)},
    {"ZTS_SO_BINDTODEVICE", XSTR(ZTS_SO_BINDTODEVICE)},
    {"ZTS_IP_TOS", XSTR(ZTS_IP_TOS)},
    {"ZTS_IP_TTL", XSTR(ZTS_IP_TTL)},
    {"ZTS_IP_PKTINFO", XSTR(ZTS_IP_PKTINFO)},
    {"ZTS_IP_ADD_MEMBERSHIP", XSTR(ZTS_IP_ADD_MEMBERSHIP)},
    {"ZTS_IP_DROP_MEMBERSHIP", XSTR(ZTS_IP_DROP_MEMBERSHIP)},
    {"ZTS_IP_MULTICAST_TTL", XSTR(ZTS_IP_MULTICAST_TTL)},
    {"ZTS_IP_MULTICAST_IF", XSTR(ZTS_IP_MULTICAST_IF)},
    {"ZTS_IP_MULTICAST_LOOP", XSTR(ZTS_IP_MULTICAST_LOOP)},
    {"ZTS_TCP_NODELAY", XSTR(ZTS_TCP_NODELAY)},
    {"ZTS_TCP_KEEPALIVE", XSTR(ZTS_TCP_KEEPALIVE)},
    {"ZTS_TCP_KEEPIDLE", XSTR(ZTS_TCP_KEEPIDLE)},
    {"ZTS_TCP_KEEPINTVL", XSTR(ZTS_TCP_KEEPINTVL)},
    {"ZTS_TCP_KEEPCNT", XSTR(ZTS_TCP_KEEPCNT)},
    {"ZTS_IPV6_CHECKSUM", XSTR(ZTS_IPV6_CHECKSUM)},
    {"ZTS_IPV6_V6ONLY", XSTR(ZTS_IPV6_V6ONLY)},
    {"ZTS_IPV6_JOIN_GROUP", XSTR(ZTS_IPV6_JOIN_GROUP)},
    {"ZTS_IPV6_ADD_MEMBERSHIP", XSTR(ZTS_IPV6_ADD_MEMBERSHIP)},
    {"ZTS_IPV6_LEAVE_GROUP", XSTR(ZTS_IPV6_LEAVE_GROUP)},
    {"ZTS_IPV6_DROP_MEMBERSHIP", XSTR(ZTS_IPV6_DROP_MEMBERSHIP)},
    {"ZTS_UDPLITE_SEND_CSCOV", XSTR(ZTS_UDPLITE_SEND_CSCOV)},
    {"ZTS_UDPLITE_RECV_CSCOV", XSTR(ZTS_UDPLITE_RECV_CSCOV)},
    {"ZTS_IPTOS_TOS_MASK", XSTR(ZTS_IPTOS_TOS_MASK)},
    {"ZTS_IPTOS_LOWDELAY", XSTR(ZTS_IPTOS_LOWDELAY)},
    {"ZTS_IPTOS_THROUGHPUT", XSTR(ZTS_IPTOS_THROUGHPUT)},
    {"ZTS_IPTOS_RELIABILITY", XSTR(ZTS_IPTOS_RELIABILITY)},
    {"ZTS_IPTOS_LOWCOST", XSTR(ZTS_IPTOS_LOWCOST)},
    {"ZTS_IPTOS_MINCOST", XSTR(ZTS_IPTOS_MINCOST)},
    {"ZTS_IPTOS_PREC_MASK", XSTR(ZTS_IPTOS_PREC_MASK)},
    {"ZTS_IPTOS_PREC_NETCONTROL", XSTR(ZTS_IPTOS_PREC_NETCONTROL)},
    {"ZTS_IPTOS_PREC_INTERNETCONTROL", XSTR(ZTS_IPTOS_PREC_INTERNETCONTROL)},
    {"ZTS_IPTOS_PREC_CRITIC_ECP", XSTR(ZTS_IPTOS_PREC_CRITIC_ECP)},
    {"ZTS_IPTOS_PREC_FLASHOVERRIDE", XSTR(ZTS_IPTOS_PREC_FLASHOVERRIDE)},
    {"ZTS_IPTOS_PREC_FLASH", XSTR(ZTS_IPTOS_PREC_FLASH)},
    {"ZTS_IPTOS_PREC_IMMEDIATE", XSTR(ZTS_IPTOS_PREC_IMMEDIATE)},
    {"ZTS_IPTOS_PREC_PRIORITY", XSTR(ZTS_IPTOS_PREC_PRIORITY)},
    {"ZTS_IPTOS_PREC_ROUTINE", XSTR(ZTS_IPTOS_PREC_ROUTINE)},
    {"ZTS_F_GETFL", XSTR(ZTS_F_GETFL)},
    {"ZTS_F_SETFL", XSTR(ZTS_F_SETFL)},
    {"ZTS_O_NONBLOCK", XSTR(ZTS_O_NONBLOCK)},
    {"ZTS_O_NDELAY", XSTR(ZTS_O_NDELAY)},
    {"ZTS_O_RDONLY", XSTR(ZTS_O_RDONLY)},
    {"ZTS_O_WRONLY", XSTR(ZTS_O_WRONLY)},
    {"ZTS_O_RDWR", XSTR(ZTS_O_RDWR)},
    {"ZTS_POLLIN", XSTR(ZTS_POLLIN)},
    {"ZTS_POLLOUT", XSTR(ZTS_POLLOUT)},
    {"ZTS_POLLERR", XSTR(ZTS_POLLERR)},
    {"ZTS_POLLNVAL", XSTR(ZTS_POLLNVAL)},
    {"ZTS_POLLRDNORM", XSTR(ZTS_POLLRDNORM)},
    {"ZTS_POLLRDBAND", XSTR(ZTS_POLLRDBAND)},
    {"ZTS_POLLPRI", XSTR(ZTS_POLLPRI)},
    {"ZTS_POLLWRNORM", XSTR(ZTS_POLLWRNORM)},
    {"ZTS_POLLWRBAND", XSTR(ZTS_POLLWRBAND)},
    {"ZTS_POLLHUP", XSTR(ZTS_POLLHUP)},
    {"ZTS_SHUT_RD", XSTR(ZTS_SHUT_RD)},
    {"ZTS_SHUT_WR", XSTR(ZTS_SHUT_WR)},
    {"ZTS_SHUT_RDWR", XSTR(ZTS_SHUT_RDWR)},
};

static const char *const enum_kinds[][2] = {
    {"ZTS_ERR_OK", XSTR(ZTS_ERR_OK)},
    {"ZTS_ERR_SOCKET", XSTR(ZTS_ERR_SOCKET)},
    {"ZTS_ERR_SERVICE", XSTR(ZTS_ERR_SERVICE)},
    {"ZTS_ERR_ARG", XSTR(ZTS_ERR_ARG)},
    {"ZTS_ERR_NO_RESULT", XSTR(ZTS_ERR_NO_RESULT)},
    {"ZTS_ERR_GENERAL", XSTR(ZTS_ERR_GENERAL)},
    {"ZTS_EVENT_NODE_UP", XSTR(ZTS_EVENT_NODE_UP)},
    {"ZTS_EVENT_NODE_ONLINE", XSTR(ZTS_EVENT_NODE_ONLINE)},
    {"ZTS_EVENT_NODE_OFFLINE", XSTR(ZTS_EVENT_NODE_OFFLINE)},
    {"ZTS_EVENT_NODE_DOWN", XSTR(ZTS_EVENT_NODE_DOWN)},
    {"ZTS_EVENT_NODE_FATAL_ERROR", XSTR(ZTS_EVENT_NODE_FATAL_ERROR)},
    {"ZTS_EVENT_NETWORK_NOT_FOUND", XSTR(ZTS_EVENT_NETWORK_NOT_FOUND)},
    {"ZTS_EVENT_NETWORK_CLIENT_TOO_OLD", XSTR(ZTS_EVENT_NETWORK_CLIENT_TOO_OLD)},
    {"ZTS_EVENT_NETWORK_REQ_CONFIG", XSTR(ZTS_EVENT_NETWORK_REQ_CONFIG)},
    {"ZTS_EVENT_NETWORK_OK", XSTR(ZTS_EVENT_NETWORK_OK)},
    {"ZTS_EVENT_NETWORK_ACCESS_DENIED", XSTR(ZTS_EVENT_NETWORK_ACCESS_DENIED)},
    {"ZTS_EVENT_NETWORK_READY_IP4", XSTR(ZTS_EVENT_NETWORK_READY_IP4)},
    {"ZTS_EVENT_NETWORK_READY_IP6", XSTR(ZTS_EVENT_NETWORK_READY_IP6)},
    {"ZTS_EVENT_NETWORK_READY_IP4_IP6", XSTR(ZTS_EVENT_NETWORK_READY_IP4_IP6)},
    {"ZTS_EVENT_NETWORK_DOWN", XSTR(ZTS_EVENT_NETWORK_DOWN)},
    {"ZTS_EVENT_NETWORK_UPDATE", XSTR(ZTS_EVENT_NETWORK_UPDATE)},
    {"ZTS_EVENT_STACK_UP", XSTR(ZTS_EVENT_STACK_UP)},
    {"ZTS_EVENT_STACK_DOWN", XSTR(ZTS_EVENT_STACK_DOWN)},
    {"ZTS_EVENT_NETIF_UP", XSTR(ZTS_EVENT_NETIF_UP)},
    {"ZTS_EVENT_NETIF_DOWN", XSTR(ZTS_EVENT_NETIF_DOWN)},
    {"ZTS_EVENT_NETIF_REMOVED", XSTR(ZTS_EVENT_NETIF_REMOVED)},
    {"ZTS_EVENT_NETIF_LINK_UP", XSTR(ZTS_EVENT_NETIF_LINK_UP)},
    {"ZTS_EVENT_NETIF_LINK_DOWN", XSTR(ZTS_EVENT_NETIF_LINK_DOWN)},
    {"ZTS_EVENT_PEER_DIRECT", XSTR(ZTS_EVENT_PEER_DIRECT)},
    {"ZTS_EVENT_PEER_RELAY", XSTR(ZTS_EVENT_PEER_RELAY)},
    {"ZTS_EVENT_PEER_UNREACHABLE", XSTR(ZTS_EVENT_PEER_UNREACHABLE)},
    {"ZTS_EVENT_PEER_PATH_DISCOVERED", XSTR(ZTS_EVENT_PEER_PATH_DISCOVERED)},
    {"ZTS_EVENT_PEER_PATH_DEAD", XSTR(ZTS_EVENT_PEER_PATH_DEAD)},
    {"ZTS_EVENT_ROUTE_ADDED", XSTR(ZTS_EVENT_ROUTE_ADDED)},
    {"ZTS_EVENT_ROUTE_REMOVED", XSTR(ZTS_EVENT_ROUTE_REMOVED)},
    {"ZTS_EVENT_ADDR_ADDED_IP4", XSTR(ZTS_EVENT_ADDR_ADDED_IP4)},
    {"ZTS_EVENT_ADDR_REMOVED_IP4", XSTR(ZTS_EVENT_ADDR_REMOVED_IP4)},
    {"ZTS_EVENT_ADDR_ADDED_IP6", XSTR(ZTS_EVENT_ADDR_ADDED_IP6)},
    {"ZTS_EVENT_ADDR_REMOVED_IP6", XSTR(ZTS_EVENT_ADDR_REMOVED_IP6)},
    {"ZTS_EVENT_STORE_IDENTITY_SECRET", XSTR(ZTS_EVENT_STORE_IDENTITY_SECRET)},
    {"ZTS_EVENT_STORE_IDENTITY_PUBLIC", XSTR(ZTS_EVENT_STORE_IDENTITY_PUBLIC)},
    {"ZTS_EVENT_STORE_PLANET", XSTR(ZTS_EVENT_STORE_PLANET)},
    {"ZTS_EVENT_STORE_PEER", XSTR(ZTS_EVENT_STORE_PEER)},
    {"ZTS_EVENT_STORE_NETWORK", XSTR(ZTS_EVENT_STORE_NETWORK)},
    {"ZTS_EPERM", XSTR(ZTS_EPERM)},
    {"ZTS_ENOENT", XSTR(ZTS_ENOENT)},
    {"ZTS_ESRCH", XSTR(ZTS_ESRCH)},
    {"ZTS_EINTR", XSTR(ZTS_EINTR)},
    {"ZTS_EIO", XSTR(ZTS_EIO)},
    {"ZTS_ENXIO", XSTR(ZTS_ENXIO)},
    {"ZTS_EBADF", XSTR(ZTS_EBADF)},
    {"ZTS_EAGAIN", XSTR(ZTS_EAGAIN)},
    {"ZTS_EWOULDBLOCK", XSTR(ZTS_EWOULDBLOCK)},
    {"ZTS_ENOMEM", XSTR(ZTS_ENOMEM)},
    {"ZTS_EACCES", XSTR(ZTS_EACCES)},
    {"ZTS_EFAULT", XSTR(ZTS_EFAULT)},
    {"ZTS_EBUSY", XSTR(ZTS_EBUSY)},
    {"ZTS_EEXIST", XSTR(ZTS_EEXIST)},
    {"ZTS_ENODEV", XSTR(ZTS_ENODEV)},
    {"ZTS_EINVAL", XSTR(ZTS_EINVAL)},
    {"ZTS_ENFILE", XSTR(ZTS_ENFILE)},
    {"ZTS_EMFILE", XSTR(ZTS_EMFILE)},
    {"ZTS_ENOSYS", XSTR(ZTS_ENOSYS)},
    {"ZTS_ENOTSOCK", XSTR(ZTS_ENOTSOCK)},
    {"ZTS_EDESTADDRREQ", XSTR(ZTS_EDESTADDRREQ)},
    {"ZTS_EMSGSIZE", XSTR(ZTS_EMSGSIZE)},
    {"ZTS_EPROTOTYPE", XSTR(ZTS_EPROTOTYPE)},
    {"ZTS_ENOPROTOOPT", XSTR(ZTS_ENOPROTOOPT)},
    {"ZTS_EPROTONOSUPPORT", XSTR(ZTS_EPROTONOSUPPORT)},
    {"ZTS_ESOCKTNOSUPPORT", XSTR(ZTS_ESOCKTNOSUPPORT)},
    {"ZTS_EOPNOTSUPP", XSTR(ZTS_EOPNOTSUPP)},
    {"ZTS_EPFNOSUPPORT", XSTR(ZTS_EPFNOSUPPORT)},
    {"ZTS_EAFNOSUPPORT", XSTR(ZTS_EAFNOSUPPORT)},
    {"ZTS_EADDRINUSE", XSTR(ZTS_EADDRINUSE)},
    {"ZTS_EADDRNOTAVAIL", XSTR(ZTS_EADDRNOTAVAIL)},
    {"ZTS_ENETDOWN", XSTR(ZTS_ENETDOWN)},
    {"ZTS_ENETUNREACH", XSTR(ZTS_ENETUNREACH)},
    {"ZTS_ECONNABORTED", XSTR(ZTS_ECONNABORTED)},
    {"ZTS_ECONNRESET", XSTR(ZTS_ECONNRESET)},
    {"ZTS_ENOBUFS", XSTR(ZTS_ENOBUFS)},
    {"ZTS_EISCONN", XSTR(ZTS_EISCONN)},
    {"ZTS_ENOTCONN", XSTR(ZTS_ENOTCONN)},
    {"ZTS_ETIMEDOUT", XSTR(ZTS_ETIMEDOUT)},
    {"ZTS_ECONNREFUSED", XSTR(ZTS_ECONNREFUSED)},
    {"ZTS_EHOSTUNREACH", XSTR(ZTS_EHOSTUNREACH)},
    {"ZTS_EALREADY", XSTR(ZTS_EALREADY)},
    {"ZTS_EINPROGRESS", XSTR(ZTS_EINPROGRESS)},
    {"ZTS_NETWORK_STATUS_REQUESTING_CONFIGURATION", XSTR(ZTS_NETWORK_STATUS_REQUESTING_CONFIGURATION)},
    {"ZTS_NETWORK_STATUS_OK", XSTR(ZTS_NETWORK_STATUS_OK)},
    {"ZTS_NETWORK_STATUS_ACCESS_DENIED", XSTR(ZTS_NETWORK_STATUS_ACCESS_DENIED)},
    {"ZTS_NETWORK_STATUS_NOT_FOUND", XSTR(ZTS_NETWORK_STATUS_NOT_FOUND)},
    {"ZTS_NETWORK_STATUS_PORT_ERROR", XSTR(ZTS_NETWORK_STATUS_PORT_ERROR)},
    {"ZTS_NETWORK_STATUS_CLIENT_TOO_OLD", XSTR(ZTS_NETWORK_STATUS_CLIENT_TOO_OLD)},
    {"ZTS_NETWORK_TYPE_PRIVATE", XSTR(ZTS_NETWORK_TYPE_PRIVATE)},
    {"ZTS_NETWORK_TYPE_PUBLIC", XSTR(ZTS_NETWORK_TYPE_PUBLIC)},
    {"ZTS_PEER_ROLE_LEAF", XSTR(ZTS_PEER_ROLE_LEAF)},
    {"ZTS_PEER_ROLE_MOON", XSTR(ZTS_PEER_ROLE_MOON)},
    {"ZTS_PEER_ROLE_PLANET", XSTR(ZTS_PEER_ROLE_PLANET)},
};

int zts_modern_c99_check(void); /* test_modern_c99.c */

/* Every function of the table, by address: the static library must define them all. */
typedef void (*any_fn)(void);
static const any_fn functions[] = {
    (any_fn)zts_id_new,
    (any_fn)zts_id_pair_is_valid,
    (any_fn)zts_init_from_storage,
    (any_fn)zts_init_from_memory,
    (any_fn)zts_init_set_event_handler,
    (any_fn)zts_init_blacklist_if,
    (any_fn)zts_init_set_roots,
    (any_fn)zts_init_set_port,
    (any_fn)zts_init_set_random_port_range,
    (any_fn)zts_init_allow_secondary_port,
    (any_fn)zts_init_allow_port_mapping,
    (any_fn)zts_init_allow_net_cache,
    (any_fn)zts_init_allow_peer_cache,
    (any_fn)zts_init_allow_roots_cache,
    (any_fn)zts_init_allow_id_cache,
    (any_fn)zts_init_set_tcp_relay,
    (any_fn)zts_init_allow_tcp_relay,
    (any_fn)zts_init_force_tcp_relay,
    (any_fn)zts_init_set_low_bandwidth_mode,
    (any_fn)zts_node_start,
    (any_fn)zts_node_is_online,
    (any_fn)zts_node_get_id,
    (any_fn)zts_node_get_id_pair,
    (any_fn)zts_node_get_port,
    (any_fn)zts_node_stop,
    (any_fn)zts_node_free,
    (any_fn)zts_moon_orbit,
    (any_fn)zts_moon_deorbit,
    (any_fn)zts_net_join,
    (any_fn)zts_net_leave,
    (any_fn)zts_net_transport_is_ready,
    (any_fn)zts_net_get_mac,
    (any_fn)zts_net_get_mac_str,
    (any_fn)zts_net_get_broadcast,
    (any_fn)zts_net_get_mtu,
    (any_fn)zts_net_get_name,
    (any_fn)zts_net_get_status,
    (any_fn)zts_net_get_type,
    (any_fn)zts_route_is_assigned,
    (any_fn)zts_net_compute_adhoc_id,
    (any_fn)zts_addr_is_assigned,
    (any_fn)zts_addr_get,
    (any_fn)zts_addr_get_str,
    (any_fn)zts_addr_get_all,
    (any_fn)zts_addr_compute_6plane,
    (any_fn)zts_addr_compute_rfc4193,
    (any_fn)zts_addr_compute_rfc4193_str,
    (any_fn)zts_addr_compute_6plane_str,
    (any_fn)zts_stats_get_all,
    (any_fn)zts_bsd_socket,
    (any_fn)zts_bsd_connect,
    (any_fn)zts_bsd_bind,
    (any_fn)zts_bsd_listen,
    (any_fn)zts_bsd_accept,
    (any_fn)zts_bsd_setsockopt,
    (any_fn)zts_bsd_getsockopt,
    (any_fn)zts_bsd_getsockname,
    (any_fn)zts_bsd_getpeername,
    (any_fn)zts_bsd_close,
    (any_fn)zts_bsd_select,
    (any_fn)zts_bsd_fcntl,
    (any_fn)zts_bsd_poll,
    (any_fn)zts_bsd_ioctl,
    (any_fn)zts_bsd_send,
    (any_fn)zts_bsd_sendto,
    (any_fn)zts_bsd_sendmsg,
    (any_fn)zts_bsd_recv,
    (any_fn)zts_bsd_recvfrom,
    (any_fn)zts_bsd_recvmsg,
    (any_fn)zts_bsd_read,
    (any_fn)zts_bsd_readv,
    (any_fn)zts_bsd_write,
    (any_fn)zts_bsd_writev,
    (any_fn)zts_bsd_shutdown,
    (any_fn)zts_socket,
    (any_fn)zts_connect,
    (any_fn)zts_bind,
    (any_fn)zts_listen,
    (any_fn)zts_accept,
    (any_fn)zts_send,
    (any_fn)zts_recv,
    (any_fn)zts_read,
    (any_fn)zts_write,
    (any_fn)zts_shutdown_rd,
    (any_fn)zts_shutdown_wr,
    (any_fn)zts_shutdown_rdwr,
    (any_fn)zts_close,
    (any_fn)zts_getpeername,
    (any_fn)zts_getsockname,
    (any_fn)zts_tcp_client,
    (any_fn)zts_tcp_server,
    (any_fn)zts_udp_server,
    (any_fn)zts_udp_client,
    (any_fn)zts_set_no_delay,
    (any_fn)zts_get_no_delay,
    (any_fn)zts_set_linger,
    (any_fn)zts_get_linger_enabled,
    (any_fn)zts_get_linger_value,
    (any_fn)zts_set_reuse_addr,
    (any_fn)zts_get_reuse_addr,
    (any_fn)zts_set_recv_timeout,
    (any_fn)zts_get_recv_timeout,
    (any_fn)zts_set_send_timeout,
    (any_fn)zts_get_send_timeout,
    (any_fn)zts_set_send_buf_size,
    (any_fn)zts_get_send_buf_size,
    (any_fn)zts_set_recv_buf_size,
    (any_fn)zts_get_recv_buf_size,
    (any_fn)zts_set_ttl,
    (any_fn)zts_get_ttl,
    (any_fn)zts_set_blocking,
    (any_fn)zts_get_blocking,
    (any_fn)zts_set_keepalive,
    (any_fn)zts_get_keepalive,
    (any_fn)zts_get_last_socket_error,
    (any_fn)zts_get_data_available,
    (any_fn)zts_get_pending_data_size,
    (any_fn)zts_bsd_gethostbyname,
    (any_fn)zts_dns_set_server,
    (any_fn)zts_dns_get_server,
    (any_fn)zts_core_lock_obtain,
    (any_fn)zts_core_lock_release,
    (any_fn)zts_core_query_addr_count,
    (any_fn)zts_core_query_addr,
    (any_fn)zts_core_query_route_count,
    (any_fn)zts_core_query_route,
    (any_fn)zts_core_query_peer_info,
    (any_fn)zts_core_query_path_count,
    (any_fn)zts_core_query_path,
    (any_fn)zts_core_query_mc_count,
    (any_fn)zts_core_query_mc,
    (any_fn)zts_util_delay,
    (any_fn)zts_util_get_ip_family,
    (any_fn)zts_util_ipstr_to_saddr,
    (any_fn)zts_util_ntop,
    (any_fn)zts_util_sign_root_set,
    (any_fn)zts_inet_ntop,
    (any_fn)zts_inet_pton,
    (any_fn)zts_ipaddr_ntoa,
    (any_fn)zts_ipaddr_aton
};

static void test_all_functions_linked(void **state)
{
    (void)state;
    assert_int_equal(sizeof(functions) / sizeof(functions[0]), 140);
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
        assert_non_null(functions[i]);
    assert_non_null(&zts_errno);
    assert_memory_equal(&zts_in6addr_any, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
}

/* Macros expand to something else than their name; enumerators do not (§10.1 item 2). */
static void test_kinds(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(macro_kinds) / sizeof(macro_kinds[0]); i++)
        if (strcmp(macro_kinds[i][0], macro_kinds[i][1]) == 0)
            fail_msg("%s is not a macro", macro_kinds[i][0]);
    for (size_t i = 0; i < sizeof(enum_kinds) / sizeof(enum_kinds[0]); i++)
        if (strcmp(enum_kinds[i][0], enum_kinds[i][1]) != 0)
            fail_msg("%s is a macro (%s), not an enumerator", enum_kinds[i][0], enum_kinds[i][1]);
    assert_int_equal(sizeof(macro_kinds) / sizeof(macro_kinds[0]), 137);
    assert_int_equal(sizeof(enum_kinds) / sizeof(enum_kinds[0]), 98);
}

static void test_macro_text(void **state)
{
    (void)state;
    /* Kept unparenthesised, as the reference writes it (§3.4). */
    assert_string_equal(XSTR(ZTS_MAX_ENDPOINT_STR_LEN), "46 + 6");
    assert_string_equal(XSTR(ZTS_IP_MAX_STR_LEN), "46");
    assert_int_equal(2 * ZTS_MAX_ENDPOINT_STR_LEN, 2 * 46 + 6);
    assert_int_equal(ZTS_SO_DONTLINGER, -129);
    assert_int_equal(ZTS_EWOULDBLOCK, ZTS_EAGAIN);
    assert_int_equal(ZTS_IO('f', 1), 0x20006601);
    assert_int_equal(ZTS_IPTOS_TOS(0xff), 0x1e);
    assert_int_equal(ZTS_IPTOS_PREC(0xff), 0xe0);
}

static void test_fdset(void **state)
{
    zts_fd_set s;

    (void)state;
    assert_int_equal(zts_modern_c99_check(), 0);
    memset(&s, 0x5a, sizeof(s));
    ZTS_FD_ZERO(&s);
    ZTS_FD_SET(0, &s);
    ZTS_FD_SET(13, &s);
    ZTS_FD_SET(1023, &s);
    ZTS_FD_SET(1024, &s); /* out of range: ignored */
    ZTS_FD_SET(-1, &s);
    assert_int_equal(s.fd_bits[0], 0x01);
    assert_int_equal(s.fd_bits[1], 0x20);
    assert_int_equal(s.fd_bits[127], 0x80);
    assert_true(ZTS_FD_ISSET(13, &s));
    assert_false(ZTS_FD_ISSET(12, &s));
    assert_false(ZTS_FD_ISSET(1024, &s));
    ZTS_FD_CLR(13, &s);
    assert_false(ZTS_FD_ISSET(13, &s));
}

static void test_in6addr_init(void **state)
{
    struct zts_in6_addr any = ZTS_IN6ADDR_ANY_INIT;
    struct zts_hostent h;
    char *list[2] = {(char *)"x", NULL};

    (void)state;
    assert_memory_equal(&any, &zts_in6addr_any, sizeof(any));
    h.h_addr_list = list;
    assert_ptr_equal(h.h_addr, list[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_functions_linked),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_macro_text),
        cmocka_unit_test(test_fdset),
        cmocka_unit_test(test_in6addr_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
