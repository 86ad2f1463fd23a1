/*
 * ZeroTierSockets.h: the zts_* API, generation 1.3 (api.md).  Drop-in for programs
 * written against the seed's header: every name, value, signature and structure layout
 * below is an interface fact fixed by api.md sections 2-5; the comments are ours.
 *
 * Conventions shared by every function (api.md 5.0):
 *   - Control calls (service, network, node/peer status, helpers) return ZTS_ERR_* codes
 *     and never write zts_errno.  They are thread-safe and may be called from the event
 *     callback, except zts_start and zts_restart.
 *   - Socket calls first check their arguments (ZTS_ERR_ARG, zts_errno untouched), then
 *     return ZTS_ERR_SERVICE when no node is running, else the operation's result: >= 0,
 *     or -1 (= ZTS_ERR_SOCKET) with the reason in zts_errno AND in the host errno.  Any
 *     thread may call them.
 *   - Every pointer argument is borrowed: the library keeps nothing after the call
 *     returns, unless the function's comment says otherwise.
 *
 * This header includes only libc headers and works standalone, in C99 or later and in
 * C++98 or later.
 */
/*
 * The modern library's consumers get the modern header under this name: the CMake targets of
 * libzt-modern (zt-modern-static/-shared, or zt-static/zt-shared built with
 * -DZT_LIBZT_API=modern) define ZT_LIBZT_MODERN for the programs that link them, and a
 * program may have this directory first on its include path (DevilutionX adds it,
 * api-modern.md §9.3).  The two generations never mix in one program (§8.2).
 */
#if defined(ZT_LIBZT_MODERN)
#include "libzt-modern/ZeroTierSockets.h"
#else /* the 1.3 API */

#ifndef ZT_SOCKETS_H
#define ZT_SOCKETS_H

#include <inttypes.h>
#include <string.h> /* memset, for ZTS_FD_ZERO; size_t */
#if !defined(_MSC_VER)
#include <unistd.h> /* ssize_t */
#elif !defined(ssize_t)
/* 32 bits even on 64-bit Windows: callers' prototypes were compiled against it (api.md 2). */
typedef int ssize_t;
#endif

/*
 * Decorations written on every prototype.  Both are empty for callers; the library's own
 * build predefines ZT_SOCKET_API (default visibility) to export the functions.
 */
#ifndef ZT_SOCKET_API
#define ZT_SOCKET_API
#endif
#define ZTCALL

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The reason for the last failed socket call (ZTS_E* values below).  A plain global int,
 * not thread-local, so that foreign-function bindings can read it by symbol name; two
 * threads failing at once overwrite each other, so threaded callers should read the host
 * errno (also set, and thread-local) instead.  Control calls never write it.
 * Deviation: the seed declared it but never wrote it (only the host errno was set).
 */
extern int zts_errno;

/* ---------------------------------------------------------------------------------------
 * Limits (api.md 3.12)
 * ------------------------------------------------------------------------------------- */

/* Same tokens as lwIP's configuration, so including both headers is a legal redefinition. */
#define MEMP_NUM_NETCONN 1024

#define ZTS_MAX_ASSIGNED_ADDRESSES 16
#define ZTS_MAX_NETWORK_ROUTES 32
#define ZT_MAX_PEER_NETWORK_PATHS 16
#define ZTS_FD_SETSIZE MEMP_NUM_NETCONN

#define ZTS_MAC_ADDRSTRLEN 18

/* ---------------------------------------------------------------------------------------
 * Event codes (api.md 3.1).  The range decides which detail pointer of
 * struct zts_callback_msg is filled: node 200-206, network 210-218, stack 220-221,
 * netif 230-234, peer 240-242, path 250-252, route 260-261, address 270-273.
 * ------------------------------------------------------------------------------------- */

#define ZTS_EVENT_NODE_UP 200
#define ZTS_EVENT_NODE_ONLINE 201
#define ZTS_EVENT_NODE_OFFLINE 202
#define ZTS_EVENT_NODE_DOWN 203
#define ZTS_EVENT_NODE_IDENTITY_COLLISION 204
#define ZTS_EVENT_NODE_UNRECOVERABLE_ERROR 205
#define ZTS_EVENT_NODE_NORMAL_TERMINATION 206

#define ZTS_EVENT_NETWORK_NOT_FOUND 210
#define ZTS_EVENT_NETWORK_CLIENT_TOO_OLD 211
#define ZTS_EVENT_NETWORK_REQ_CONFIG 212
#define ZTS_EVENT_NETWORK_OK 213
#define ZTS_EVENT_NETWORK_ACCESS_DENIED 214
#define ZTS_EVENT_NETWORK_READY_IP4 215
#define ZTS_EVENT_NETWORK_READY_IP6 216
#define ZTS_EVENT_NETWORK_READY_IP4_IP6 217 /* reserved: never emitted */
#define ZTS_EVENT_NETWORK_DOWN 218

#define ZTS_EVENT_STACK_UP 220
#define ZTS_EVENT_STACK_DOWN 221

#define ZTS_EVENT_NETIF_UP 230
#define ZTS_EVENT_NETIF_DOWN 231
#define ZTS_EVENT_NETIF_REMOVED 232
#define ZTS_EVENT_NETIF_LINK_UP 233
#define ZTS_EVENT_NETIF_LINK_DOWN 234

#define ZTS_EVENT_PEER_DIRECT 240
#define ZTS_EVENT_PEER_RELAY 241
#define ZTS_EVENT_PEER_UNREACHABLE 242

#define ZTS_EVENT_PATH_DISCOVERED 250
#define ZTS_EVENT_PATH_ALIVE 251
#define ZTS_EVENT_PATH_DEAD 252

#define ZTS_EVENT_ROUTE_ADDED 260
#define ZTS_EVENT_ROUTE_REMOVED 261

#define ZTS_EVENT_ADDR_ADDED_IP4 270
#define ZTS_EVENT_ADDR_REMOVED_IP4 271
#define ZTS_EVENT_ADDR_ADDED_IP6 272
#define ZTS_EVENT_ADDR_REMOVED_IP6 273

/* ---------------------------------------------------------------------------------------
 * Return codes (api.md 3.2)
 * ------------------------------------------------------------------------------------- */

#define ZTS_ERR_OK 0         /* success */
#define ZTS_ERR_SOCKET (-1)  /* socket-layer failure; the reason is in zts_errno */
#define ZTS_ERR_SERVICE (-2) /* node/stack not in a state that allows the call */
#define ZTS_ERR_ARG (-3)     /* invalid argument, detected before doing anything */
#define ZTS_ERR_NO_RESULT (-4) /* valid call, nothing to report */
#define ZTS_ERR_GENERAL (-5) /* internal failure */

/* ---------------------------------------------------------------------------------------
 * zts_errno values (api.md 3.3): the Linux errno numbers, on every platform.
 * ------------------------------------------------------------------------------------- */

#define ZTS_EPERM 1
#define ZTS_ENOENT 2
#define ZTS_ESRCH 3
#define ZTS_EINTR 4
#define ZTS_EIO 5
#define ZTS_ENXIO 6
#define ZTS_E2BIG 7
#define ZTS_ENOEXEC 8
#define ZTS_EBADF 9
#define ZTS_ECHILD 10
#define ZTS_EAGAIN 11
#define ZTS_ENOMEM 12
#define ZTS_EACCES 13
#define ZTS_EFAULT 14
#define ZTS_ENOTBLK 15
#define ZTS_EBUSY 16
#define ZTS_EEXIST 17
#define ZTS_EXDEV 18
#define ZTS_ENODEV 19
#define ZTS_ENOTDIR 20
#define ZTS_EISDIR 21
#define ZTS_EINVAL 22
#define ZTS_ENFILE 23
#define ZTS_EMFILE 24
#define ZTS_ENOTTY 25
#define ZTS_ETXTBSY 26
#define ZTS_EFBIG 27
#define ZTS_ENOSPC 28
#define ZTS_ESPIPE 29
#define ZTS_EROFS 30
#define ZTS_EMLINK 31
#define ZTS_EPIPE 32
#define ZTS_EDOM 33
#define ZTS_ERANGE 34
#define ZTS_EDEADLK 35
#define ZTS_ENAMETOOLONG 36
#define ZTS_ENOLCK 37
#define ZTS_ENOSYS 38
#define ZTS_ENOTEMPTY 39
#define ZTS_ELOOP 40
#define ZTS_EWOULDBLOCK ZTS_EAGAIN
#define ZTS_ENOMSG 42
#define ZTS_EIDRM 43
#define ZTS_ECHRNG 44
#define ZTS_EL2NSYNC 45
#define ZTS_EL3HLT 46
#define ZTS_EL3RST 47
#define ZTS_ELNRNG 48
#define ZTS_EUNATCH 49
#define ZTS_ENOCSI 50
#define ZTS_EL2HLT 51
#define ZTS_EBADE 52
#define ZTS_EBADR 53
#define ZTS_EXFULL 54
#define ZTS_ENOANO 55
#define ZTS_EBADRQC 56
#define ZTS_EBADSLT 57
#define ZTS_EDEADLOCK ZTS_EDEADLK
#define ZTS_EBFONT 59
#define ZTS_ENOSTR 60
#define ZTS_ENODATA 61
#define ZTS_ETIME 62
#define ZTS_ENOSR 63
#define ZTS_ENONET 64
#define ZTS_ENOPKG 65
#define ZTS_EREMOTE 66
#define ZTS_ENOLINK 67
#define ZTS_EADV 68
#define ZTS_ESRMNT 69
#define ZTS_ECOMM 70
#define ZTS_EPROTO 71
#define ZTS_EMULTIHOP 72
#define ZTS_EDOTDOT 73
#define ZTS_EBADMSG 74
#define ZTS_EOVERFLOW 75
#define ZTS_ENOTUNIQ 76
#define ZTS_EBADFD 77
#define ZTS_EREMCHG 78
#define ZTS_ELIBACC 79
#define ZTS_ELIBBAD 80
#define ZTS_ELIBSCN 81
#define ZTS_ELIBMAX 82
#define ZTS_ELIBEXEC 83
#define ZTS_EILSEQ 84
#define ZTS_ERESTART 85
#define ZTS_ESTRPIPE 86
#define ZTS_EUSERS 87
#define ZTS_ENOTSOCK 88
#define ZTS_EDESTADDRREQ 89
#define ZTS_EMSGSIZE 90
#define ZTS_EPROTOTYPE 91
#define ZTS_ENOPROTOOPT 92
#define ZTS_EPROTONOSUPPORT 93
#define ZTS_ESOCKTNOSUPPORT 94
#define ZTS_EOPNOTSUPP 95
#define ZTS_EPFNOSUPPORT 96
#define ZTS_EAFNOSUPPORT 97
#define ZTS_EADDRINUSE 98
#define ZTS_EADDRNOTAVAIL 99
#define ZTS_ENETDOWN 100
#define ZTS_ENETUNREACH 101
#define ZTS_ENETRESET 102
#define ZTS_ECONNABORTED 103
#define ZTS_ECONNRESET 104
#define ZTS_ENOBUFS 105
#define ZTS_EISCONN 106
#define ZTS_ENOTCONN 107
#define ZTS_ESHUTDOWN 108
#define ZTS_ETOOMANYREFS 109
#define ZTS_ETIMEDOUT 110
#define ZTS_ECONNREFUSED 111
#define ZTS_EHOSTDOWN 112
#define ZTS_EHOSTUNREACH 113
#define ZTS_EALREADY 114
#define ZTS_EINPROGRESS 115
#define ZTS_ESTALE 116
#define ZTS_EUCLEAN 117
#define ZTS_ENOTNAM 118
#define ZTS_ENAVAIL 119
#define ZTS_EISNAM 120
#define ZTS_EREMOTEIO 121
#define ZTS_EDQUOT 122
#define ZTS_ENOMEDIUM 123
#define ZTS_EMEDIUMTYPE 124

/* ---------------------------------------------------------------------------------------
 * Address constants (api.md 3.4)
 * ------------------------------------------------------------------------------------- */

#define ZTS_INET_ADDRSTRLEN 16
#define ZTS_INET6_ADDRSTRLEN 46

#define ZTS_IPADDR_NONE ((uint32_t)0xffffffffUL)
#define ZTS_IPADDR_LOOPBACK ((uint32_t)0x7f000001UL)
#define ZTS_IPADDR_ANY ((uint32_t)0x00000000UL)
#define ZTS_IPADDR_BROADCAST ((uint32_t)0xffffffffUL)

#define ZTS_INADDR_NONE ZTS_IPADDR_NONE
#define ZTS_INADDR_LOOPBACK ZTS_IPADDR_LOOPBACK
#define ZTS_INADDR_ANY ZTS_IPADDR_ANY
#define ZTS_INADDR_BROADCAST ZTS_IPADDR_BROADCAST

/* ---------------------------------------------------------------------------------------
 * Families, socket types, protocols (api.md 3.5).  ZTS_AF_INET6 is 10 everywhere,
 * Windows included.
 * ------------------------------------------------------------------------------------- */

#define ZTS_SOCK_STREAM 0x0001
#define ZTS_SOCK_DGRAM 0x0002
#define ZTS_SOCK_RAW 0x0003 /* not supported: zts_socket fails */

#define ZTS_AF_UNSPEC 0x0000
#define ZTS_AF_INET 0x0002
#define ZTS_AF_INET6 0x000a
#define ZTS_PF_INET ZTS_AF_INET
#define ZTS_PF_INET6 ZTS_AF_INET6
#define ZTS_PF_UNSPEC ZTS_AF_UNSPEC

#define ZTS_IPPROTO_IP 0x0000
#define ZTS_IPPROTO_ICMP 0x0001
#define ZTS_IPPROTO_TCP 0x0006
#define ZTS_IPPROTO_UDP 0x0011
#define ZTS_IPPROTO_IPV6 0x0029
#define ZTS_IPPROTO_ICMPV6 0x003a
#define ZTS_IPPROTO_UDPLITE 0x0088
#define ZTS_IPPROTO_RAW 0x00ff

/* ---------------------------------------------------------------------------------------
 * Message flags (api.md 3.6).  TRUNC/CTRUNC are msg_flags output bits; they share values
 * with OOB/DONTWAIT but live in a different field.
 * ------------------------------------------------------------------------------------- */

#define ZTS_MSG_PEEK 0x0001
#define ZTS_MSG_WAITALL 0x0002 /* not supported */
#define ZTS_MSG_OOB 0x0004     /* not supported */
#define ZTS_MSG_DONTWAIT 0x0008
#define ZTS_MSG_MORE 0x0010
#define ZTS_MSG_TRUNC 0x04
#define ZTS_MSG_CTRUNC 0x08

/* ---------------------------------------------------------------------------------------
 * ioctl (api.md 3.7).  FIONREAD/FIONBIO embed sizeof(unsigned long), so their values are
 * platform dependent (LP64: 0x4008667F / 0x8008667E; 32-bit and Windows: 0x4004667F /
 * 0x8004667E); zts_ioctl accepts both encodings.
 * ------------------------------------------------------------------------------------- */

#define ZTS_IOCPARM_MASK 0x7fU
#define ZTS_IOC_VOID 0x20000000UL
#define ZTS_IOC_OUT 0x40000000UL
#define ZTS_IOC_IN 0x80000000UL
#define ZTS_IOC_INOUT (ZTS_IOC_IN | ZTS_IOC_OUT)

#define ZTS_IO(x, y) (ZTS_IOC_VOID | ((x) << 8) | (y))
#define ZTS_IOR(x, y, t) \
    (ZTS_IOC_OUT | (((long)sizeof(t) & ZTS_IOCPARM_MASK) << 16) | ((x) << 8) | (y))
#define ZTS_IOW(x, y, t) \
    (ZTS_IOC_IN | (((long)sizeof(t) & ZTS_IOCPARM_MASK) << 16) | ((x) << 8) | (y))

#define ZTS_FIONREAD ZTS_IOR('f', 127, unsigned long)
#define ZTS_FIONBIO ZTS_IOW('f', 126, unsigned long)

/* ---------------------------------------------------------------------------------------
 * Socket options (api.md 3.8).  Level ZTS_SOL_SOCKET; other levels are ZTS_IPPROTO_*.
 * Value types: int unless noted.
 * ------------------------------------------------------------------------------------- */

#define ZTS_SOL_SOCKET 0x0fff

#define ZTS_SO_DEBUG 0x0001
#define ZTS_SO_ACCEPTCONN 0x0002 /* get only */
#define ZTS_SO_REUSEADDR 0x0004
#define ZTS_SO_KEEPALIVE 0x0008
#define ZTS_SO_DONTROUTE 0x0010
#define ZTS_SO_BROADCAST 0x0020
#define ZTS_SO_USELOOPBACK 0x0040
#define ZTS_SO_LINGER 0x0080 /* struct zts_linger */
#define ZTS_SO_DONTLINGER ((int)(~ZTS_SO_LINGER))
#define ZTS_SO_OOBINLINE 0x0100
#define ZTS_SO_REUSEPORT 0x0200
#define ZTS_SO_SNDBUF 0x1001
#define ZTS_SO_RCVBUF 0x1002
#define ZTS_SO_SNDLOWAT 0x1003
#define ZTS_SO_RCVLOWAT 0x1004
#define ZTS_SO_SNDTIMEO 0x1005 /* struct zts_timeval */
#define ZTS_SO_RCVTIMEO 0x1006 /* struct zts_timeval */
#define ZTS_SO_ERROR 0x1007    /* get only; reading clears it */
#define ZTS_SO_TYPE 0x1008     /* get only */
#define ZTS_SO_CONTIMEO 0x1009
#define ZTS_SO_NO_CHECK 0x100a /* UDP */
#define ZTS_SO_BINDTODEVICE 0x100b

/* Level ZTS_IPPROTO_IP */
#define ZTS_IP_TOS 0x0001
#define ZTS_IP_TTL 0x0002
#define ZTS_IP_PKTINFO 0x0008
#define ZTS_IP_ADD_MEMBERSHIP 3  /* zts_ip_mreq */
#define ZTS_IP_DROP_MEMBERSHIP 4 /* zts_ip_mreq */
#define ZTS_IP_MULTICAST_TTL 5   /* unsigned char */
#define ZTS_IP_MULTICAST_IF 6    /* struct zts_in_addr */
#define ZTS_IP_MULTICAST_LOOP 7  /* unsigned char */

/* Level ZTS_IPPROTO_TCP */
#define ZTS_TCP_NODELAY 0x0001
#define ZTS_TCP_KEEPALIVE 0x0002 /* milliseconds */
#define ZTS_TCP_KEEPIDLE 0x0003  /* seconds */
#define ZTS_TCP_KEEPINTVL 0x0004 /* seconds */
#define ZTS_TCP_KEEPCNT 0x0005

/* Level ZTS_IPPROTO_IPV6 */
#define ZTS_IPV6_CHECKSUM 0x0007 /* raw sockets only */
#define ZTS_IPV6_V6ONLY 0x001b
#define ZTS_IPV6_JOIN_GROUP 12 /* zts_ipv6_mreq */
#define ZTS_IPV6_ADD_MEMBERSHIP ZTS_IPV6_JOIN_GROUP
#define ZTS_IPV6_LEAVE_GROUP 13 /* zts_ipv6_mreq */
#define ZTS_IPV6_DROP_MEMBERSHIP ZTS_IPV6_LEAVE_GROUP

/* Level ZTS_IPPROTO_UDPLITE (compiled out: setting them fails with ZTS_ENOPROTOOPT) */
#define ZTS_UDPLITE_SEND_CSCOV 0x01
#define ZTS_UDPLITE_RECV_CSCOV 0x02

/* Type-of-service helpers */
#define ZTS_IPTOS_TOS_MASK 0x1E
#define ZTS_IPTOS_TOS(tos) ((tos) & ZTS_IPTOS_TOS_MASK)
#define ZTS_IPTOS_LOWDELAY 0x10
#define ZTS_IPTOS_THROUGHPUT 0x08
#define ZTS_IPTOS_RELIABILITY 0x04
#define ZTS_IPTOS_LOWCOST 0x02
#define ZTS_IPTOS_MINCOST ZTS_IPTOS_LOWCOST
#define ZTS_IPTOS_PREC_MASK 0xe0
#define ZTS_IPTOS_PREC(tos) ((tos) & ZTS_IPTOS_PREC_MASK)
#define ZTS_IPTOS_PREC_NETCONTROL 0xe0
#define ZTS_IPTOS_PREC_INTERNETCONTROL 0xc0
#define ZTS_IPTOS_PREC_CRITIC_ECP 0xa0
#define ZTS_IPTOS_PREC_FLASHOVERRIDE 0x80
#define ZTS_IPTOS_PREC_FLASH 0x60
#define ZTS_IPTOS_PREC_IMMEDIATE 0x40
#define ZTS_IPTOS_PREC_PRIORITY 0x20
#define ZTS_IPTOS_PREC_ROUTINE 0x00

/* ---------------------------------------------------------------------------------------
 * fcntl, poll, shutdown (api.md 3.9)
 * ------------------------------------------------------------------------------------- */

#define ZTS_F_GETFL 0x0003
#define ZTS_F_SETFL 0x0004

#define ZTS_O_NONBLOCK 1
#define ZTS_O_NDELAY ZTS_O_NONBLOCK
#define ZTS_O_RDONLY 2
#define ZTS_O_WRONLY 4
#define ZTS_O_RDWR (ZTS_O_RDONLY | ZTS_O_WRONLY)

#define ZTS_POLLIN 0x001
#define ZTS_POLLOUT 0x002
#define ZTS_POLLERR 0x004
#define ZTS_POLLNVAL 0x008
/* Declared but never reported: */
#define ZTS_POLLRDNORM 0x010
#define ZTS_POLLRDBAND 0x020
#define ZTS_POLLPRI 0x040
#define ZTS_POLLWRNORM 0x080
#define ZTS_POLLWRBAND 0x100
#define ZTS_POLLHUP 0x200

#define ZTS_SHUT_RD 0x0
#define ZTS_SHUT_WR 0x1
#define ZTS_SHUT_RDWR 0x2

/* ---------------------------------------------------------------------------------------
 * Status values returned by zts_get_node_status, zts_get_network_status and
 * zts_get_peer_status (api.md 3.10): event codes under other names.
 * ------------------------------------------------------------------------------------- */

#define ZTS_STATE_NODE_OFFLINE ZTS_EVENT_NODE_OFFLINE
#define ZTS_STATE_NODE_ONLINE ZTS_EVENT_NODE_ONLINE
#define ZTS_STATE_NETWORK_NOT_FOUND ZTS_EVENT_NETWORK_NOT_FOUND
#define ZTS_STATE_NETWORK_CLIENT_TOO_OLD ZTS_EVENT_NETWORK_CLIENT_TOO_OLD
/* The seed names an event that does not exist here; 212 is what it meant. */
#define ZTS_STATE_NETWORK_REQUESTING_CONFIG ZTS_EVENT_NETWORK_REQ_CONFIG
#define ZTS_STATE_NETWORK_OK ZTS_EVENT_NETWORK_OK
#define ZTS_STATE_NETWORK_ACCESS_DENIED ZTS_EVENT_NETWORK_ACCESS_DENIED
#define ZTS_STATE_NETWORK_DOWN ZTS_EVENT_NETWORK_DOWN
#define ZTS_STATE_PEER_DIRECT ZTS_EVENT_PEER_DIRECT
#define ZTS_STATE_PEER_RELAY ZTS_EVENT_PEER_RELAY
#define ZTS_STATE_PEER_UNREACHABLE ZTS_EVENT_PEER_UNREACHABLE

/* ---------------------------------------------------------------------------------------
 * Statistics protocol selectors for zts_get_protocol_stats (api.md 3.11)
 * ------------------------------------------------------------------------------------- */

#define ZTS_STATS_PROTOCOL_LINK 0
#define ZTS_STATS_PROTOCOL_ETHARP 1
#define ZTS_STATS_PROTOCOL_IP 2
#define ZTS_STATS_PROTOCOL_UDP 3
#define ZTS_STATS_PROTOCOL_TCP 4
#define ZTS_STATS_PROTOCOL_ICMP 5
#define ZTS_STATS_PROTOCOL_IP_FRAG 6
#define ZTS_STATS_PROTOCOL_IP6 7
#define ZTS_STATS_PROTOCOL_ICMP6 8
#define ZTS_STATS_PROTOCOL_IP6_FRAG 9

/* ---------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------- */

/* 64-bit host-to-network order; needs the host header that declares htonl. */
#ifndef htonll
#define htonll(x)                                                                     \
    ((htonl(1) == 1) ? (uint64_t)(x)                                                  \
                     : (((uint64_t)htonl((uint32_t)((uint64_t)(x) & 0xffffffffU)) << 32) | \
                        (uint64_t)htonl((uint32_t)((uint64_t)(x) >> 32))))
#endif

/* ---------------------------------------------------------------------------------------
 * Scalar types (api.md 4.1)
 * ------------------------------------------------------------------------------------- */

typedef uint32_t zts_socklen_t;
typedef uint32_t zts_in_addr_t;
typedef uint16_t zts_in_port_t;
typedef uint8_t zts_sa_family_t;
typedef unsigned int zts_nfds_t;

/* ---------------------------------------------------------------------------------------
 * Socket addresses (api.md 4.2): BSD-4.4 layout, a length byte then a one-byte family.
 * Byte-for-byte the lwIP layouts.  Ports and addresses are in network byte order.
 *
 * When the library reads an address it ignores the length byte and sin_zero, and accepts
 * an addrlen of exactly 16 (ZTS_AF_INET) or 28 (ZTS_AF_INET6).  When it writes one it
 * sets the length byte to the structure size and never writes more than that size, even
 * if the caller's buffer length is larger; *addrlen then holds the real size.
 * ------------------------------------------------------------------------------------- */

/*
 * Windows: the seed names the member S_addr (under __WINDOWS__) while its examples use it
 * under _WIN32; both spellings work here through an anonymous union, except when WinSock's
 * s_addr macro is already defined (it would rename the member), or in pre-C11 C without
 * GNU extensions.  Elsewhere the member is s_addr only.  Always 4 bytes.
 */
#if defined(_WIN32) || defined(__WINDOWS__)
#if defined(s_addr)
#define ZTS_IN_ADDR_MEMBERS_ zts_in_addr_t S_addr;
#elif defined(__cplusplus) || defined(_MSC_VER) || \
    (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L) || defined(__GNUC__)
#define ZTS_IN_ADDR_MEMBERS_ \
    union {              \
        zts_in_addr_t S_addr; \
        zts_in_addr_t s_addr; \
    };
#if !defined(__cplusplus) && !defined(_MSC_VER) && \
    !(defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
__extension__ /* anonymous union in C99: a GNU extension */
#endif
#else
#define ZTS_IN_ADDR_MEMBERS_ zts_in_addr_t S_addr;
#endif
#else
#define ZTS_IN_ADDR_MEMBERS_ zts_in_addr_t s_addr;
#endif
struct zts_in_addr { /* 4 bytes */
    ZTS_IN_ADDR_MEMBERS_
};
#undef ZTS_IN_ADDR_MEMBERS_

struct zts_in6_addr { /* 16 bytes, align 4; no s6_addr member or macro */
    union un {
        uint32_t u32_addr[4];
        uint8_t u8_addr[16];
    } un;
};

#define SIN_ZERO_LEN 8
struct zts_sockaddr_in { /* 16 bytes */
    uint8_t sin_len;
    zts_sa_family_t sin_family;
    zts_in_port_t sin_port;
    struct zts_in_addr sin_addr;
    char sin_zero[SIN_ZERO_LEN];
};

struct zts_sockaddr_in6 { /* 28 bytes */
    uint8_t sin6_len;
    zts_sa_family_t sin6_family;
    zts_in_port_t sin6_port;
    uint32_t sin6_flowinfo;
    struct zts_in6_addr sin6_addr; /* offset 8 */
    uint32_t sin6_scope_id;
};

struct zts_sockaddr { /* 16 bytes */
    uint8_t sa_len;
    zts_sa_family_t sa_family;
    char sa_data[14];
};

/* Large enough for either family: 28 bytes, align 4 (not 128 like the host type). */
struct zts_sockaddr_storage {
    uint8_t s2_len;
    zts_sa_family_t ss_family;
    char s2_data1[2];
    uint32_t s2_data2[3];
    uint32_t s2_data3[3];
};

/* ---------------------------------------------------------------------------------------
 * Event detail structures (api.md 4.3, 6.2).  All of them, and the zts_callback_msg that
 * points to them, belong to the library and are valid only until the callback returns:
 * copy what you need, never keep the pointers.
 * ------------------------------------------------------------------------------------- */

struct zts_node_details { /* 48 bytes */
    uint64_t address;               /* 40-bit node ID */
    uint64_t clock;                 /* node clock, ms since the Unix epoch */
    uint8_t online;
    uint8_t portMappingEnabled;
    uint8_t multipathEnabled;
    uint16_t primaryPort;
    uint64_t planetWorldId;
    uint64_t planetWorldTimestamp;
    uint8_t versionMajor;
    uint8_t versionMinor;
    uint8_t versionRev;
};

struct zts_addr_details { /* 40 bytes */
    uint64_t nwid;
    struct zts_sockaddr_storage addr; /* zts_sockaddr_in or _in6 layout, family set */
};

struct zts_netif_details { /* 24 bytes */
    uint64_t nwid;
    uint64_t mac; /* 48-bit MAC, first octet in bits 47..40 */
    int mtu;
};

struct zts_virtual_network_route { /* 60 bytes, align 4 */
    struct zts_sockaddr_storage target; /* network; prefix bits in the port field */
    struct zts_sockaddr_storage via;    /* gateway; family 0 = none */
    uint16_t flags;
    uint16_t metric;
};

struct zts_network_details { /* 2392 bytes */
    uint64_t nwid;
    int mtu;
    short num_addresses;
    struct zts_sockaddr_storage addr[ZTS_MAX_ASSIGNED_ADDRESSES]; /* netmask bits in port */
    unsigned int num_routes;
    struct zts_virtual_network_route routes[ZTS_MAX_NETWORK_ROUTES];
};

struct zts_physical_path { /* 64 bytes */
    struct zts_sockaddr_storage address;
    uint64_t lastSend;      /* ms since the epoch, 0 = never */
    uint64_t lastReceive;   /* ms since the epoch, 0 = never */
    uint64_t trustedPathId; /* 0 = not trusted */
    int expired;
    int preferred;
};

enum zts_peer_role {
    ZTS_PEER_ROLE_LEAF = 0,
    ZTS_PEER_ROLE_MOON = 1,
    ZTS_PEER_ROLE_PLANET = 2
};

struct zts_peer_details { /* 1056 bytes */
    uint64_t address;
    int versionMajor; /* -1 = unknown */
    int versionMinor;
    int versionRev;
    int latency; /* ms, -1 = unknown */
    enum zts_peer_role role;
    unsigned int pathCount;
    struct zts_physical_path paths[ZT_MAX_PEER_NETWORK_PATHS];
};

/* Declared for compatibility; no function uses it. */
struct zts_peer_list {
    struct zts_peer_details *peers;
    unsigned long peerCount;
};

/*
 * What the event callback receives (as a void *).  Exactly the detail pointer matching
 * the event's range may be non-NULL; all others are NULL.  Check for NULL before use.
 */
struct zts_callback_msg { /* LP64: 64 bytes */
    int16_t eventCode;
    struct zts_node_details *node;
    struct zts_network_details *network;
    struct zts_netif_details *netif;
    struct zts_virtual_network_route *route;
    struct zts_physical_path *path;
    struct zts_peer_details *peer;
    struct zts_addr_details *addr;
};

/* ---------------------------------------------------------------------------------------
 * Statistics (api.md 4.4): counters of the embedded stack.
 * ------------------------------------------------------------------------------------- */

struct zts_stats_proto { /* 48 bytes */
    uint32_t xmit;     /* packets sent */
    uint32_t recv;     /* packets received */
    uint32_t fw;       /* forwarded */
    uint32_t drop;     /* dropped */
    uint32_t chkerr;   /* checksum errors */
    uint32_t lenerr;   /* bad length */
    uint32_t memerr;   /* out of memory */
    uint32_t rterr;    /* routing errors */
    uint32_t proterr;  /* protocol errors */
    uint32_t opterr;   /* option errors */
    uint32_t err;      /* other errors */
    uint32_t cachehit; /* ARP/ND cache hits */
};

struct zts_stats_igmp { /* 56 bytes */
    uint32_t xmit;
    uint32_t recv;
    uint32_t drop;
    uint32_t chkerr;
    uint32_t lenerr;
    uint32_t memerr;
    uint32_t proterr;
    uint32_t rx_v1;
    uint32_t rx_group;
    uint32_t rx_general;
    uint32_t rx_report;
    uint32_t tx_join;
    uint32_t tx_leave;
    uint32_t tx_report;
};

struct zts_stats_syselem { /* 12 bytes */
    uint32_t used;
    uint32_t max;
    uint32_t err;
};

struct zts_stats_sys { /* 36 bytes */
    struct zts_stats_syselem sem;
    struct zts_stats_syselem mutex;
    struct zts_stats_syselem mbox;
};

struct zts_stats { /* 676 bytes */
    struct zts_stats_proto link;
    struct zts_stats_proto etharp;
    struct zts_stats_proto ip_frag;
    struct zts_stats_proto ip;
    struct zts_stats_proto icmp;
    struct zts_stats_igmp igmp;
    struct zts_stats_proto udp;
    struct zts_stats_proto tcp;
    struct zts_stats_sys sys;
    struct zts_stats_proto ip6;
    struct zts_stats_proto icmp6;
    struct zts_stats_proto ip6_frag;
    struct zts_stats_igmp mld6;
    struct zts_stats_proto nd6;
};

/* ---------------------------------------------------------------------------------------
 * Socket helper structures (api.md 4.5)
 * ------------------------------------------------------------------------------------- */

struct zts_linger {
    int l_onoff;
    int l_linger; /* seconds */
};

typedef struct zts_ip_mreq {
    struct zts_in_addr imr_multiaddr;
    struct zts_in_addr imr_interface;
} zts_ip_mreq;

struct zts_in_pktinfo {
    unsigned int ipi_ifindex;
    struct zts_in_addr ipi_addr;
};

typedef struct zts_ipv6_mreq { /* 20 bytes */
    struct zts_in6_addr ipv6mr_multiaddr;
    unsigned int ipv6mr_interface;
} zts_ipv6_mreq;

typedef struct zts_fd_set { /* 128 bytes */
    unsigned char fd_bits[(ZTS_FD_SETSIZE + 7) / 8];
} zts_fd_set;

/*
 * Descriptor sets for zts_select.  Descriptor n is bit (n & 7) of byte n / 8.  A
 * descriptor outside 0..ZTS_FD_SETSIZE-1 is ignored by SET/CLR and reads as 0 in ISSET.
 * Usable with only this header included (zts descriptors start at 0).
 */
#define ZTS_FDSETSAFESET(n, code)                                  \
    do {                                                           \
        if ((int)(n) >= 0 && (int)(n) < ZTS_FD_SETSIZE) {          \
            code;                                                  \
        }                                                          \
    } while (0)
#define ZTS_FDSETSAFEGET(n, code) \
    (((int)(n) >= 0 && (int)(n) < ZTS_FD_SETSIZE) ? (code) : 0)

#define ZTS_FD_SET(n, p)                                                      \
    ZTS_FDSETSAFESET(n, (p)->fd_bits[(int)(n) / 8] = (unsigned char)(          \
                            (p)->fd_bits[(int)(n) / 8] | (1U << ((int)(n) & 7))))
#define ZTS_FD_CLR(n, p)                                                      \
    ZTS_FDSETSAFESET(n, (p)->fd_bits[(int)(n) / 8] = (unsigned char)(          \
                            (p)->fd_bits[(int)(n) / 8] & ~(1U << ((int)(n) & 7))))
#define ZTS_FD_ISSET(n, p) \
    ZTS_FDSETSAFEGET(n, (((p)->fd_bits[(int)(n) / 8] >> ((int)(n) & 7)) & 1))
#define ZTS_FD_ZERO(p) memset((void *)(p), 0, sizeof(*(p)))

struct zts_timeval {
    long tv_sec;
    long tv_usec;
};

struct zts_pollfd {
    int fd;
    short events;
    short revents;
};

struct zts_iovec {
    void *iov_base;
    size_t iov_len;
};

/* The layout zts_sendmsg/zts_recvmsg read through their struct msghdr * (LP64: 48 bytes). */
struct zts_msghdr {
    void *msg_name;
    zts_socklen_t msg_namelen;
    struct zts_iovec *msg_iov;
    int msg_iovlen;
    void *msg_control;
    zts_socklen_t msg_controllen;
    int msg_flags;
};

/*
 * zts_sendmsg/zts_recvmsg are declared with the host's tag "struct msghdr" (as the seed
 * does).  Naming the tag here first gives it file scope, so the prototypes below do not
 * each declare a private type; the object passed is read as a struct zts_msghdr.
 */
struct msghdr;

/* =======================================================================================
 * 5.1 Service control
 * ===================================================================================== */

/*
 * zts_allow_network_caching: whether each joined network's configuration is kept in
 * <path>/networks.d/<nwid>.conf and re-joined at the next start (non-zero = allow;
 * default on).  zts_allow_peer_caching: whether peer records are kept in
 * <path>/peers.d/ and reused at start (default on).  zts_allow_local_conf: whether
 * <path>/local.conf is read at start (default off).
 *
 * Call them before zts_start; the setting lasts for the process, across stop/start.
 * Returns ZTS_ERR_OK (setting stored), or ZTS_ERR_SERVICE while a node is running (setting
 * unchanged).  No events.  Any thread.
 * Deviation from the seed: the setting is honoured (the seed reset it at start).
 */
ZT_SOCKET_API int ZTCALL zts_allow_network_caching(uint8_t allowed);
ZT_SOCKET_API int ZTCALL zts_allow_peer_caching(uint8_t allowed);
ZT_SOCKET_API int ZTCALL zts_allow_local_conf(uint8_t allowed);

/*
 * zts_start starts a node in the background and returns at once.  |path| (UTF-8, copied)
 * is the directory for persistent state; missing components are created and a new
 * identity is generated if none exists.  |callback| receives every event, on the
 * library's event thread, as a struct zts_callback_msg * passed as void *; the message
 * and its details are valid only until the callback returns.  |port| is the UDP port on
 * the physical network (0 = random free port in 20000-65499).
 *
 * Returns:
 *   ZTS_ERR_OK       started; events follow (ZTS_EVENT_STACK_UP for the first start of the
 *                    process, ZTS_EVENT_NODE_UP, then ZTS_EVENT_NODE_ONLINE once a root
 *                    answers; a port that cannot be bound gives
 *                    ZTS_EVENT_NODE_UNRECOVERABLE_ERROR then ZTS_EVENT_NODE_DOWN)
 *   ZTS_ERR_SERVICE  a node is already running or still stopping, zts_free was called,
 *                    or called from the event callback; no side effect
 *   ZTS_ERR_ARG      |path| NULL or empty, or |callback| NULL
 *   ZTS_ERR_GENERAL  a thread could not be created (deviation: the seed returned the raw
 *                    pthread error number)
 * Any thread except the event callback's.
 */
ZT_SOCKET_API int ZTCALL zts_start(const char *path, void (*callback)(void *), uint16_t port);

/*
 * zts_stop asks the running node to shut down and returns without waiting.  Events:
 * ZTS_EVENT_NETWORK_DOWN per joined network, ZTS_EVENT_NODE_NORMAL_TERMINATION, then
 * ZTS_EVENT_NODE_DOWN (the last event of the run).  The network stack stays up and open
 * sockets stay allocated, but socket calls return ZTS_ERR_SERVICE until the next start.
 * Cached networks are re-joined at the next start.
 * Returns ZTS_ERR_OK, or ZTS_ERR_SERVICE if no node is running.  Any thread, including
 * the event callback.  Deviation: accepted in any running state (the seed required the
 * node to be online).
 */
ZT_SOCKET_API int ZTCALL zts_stop(void);

/*
 * zts_restart stops the running node, blocks until it has terminated, then starts it
 * again with the same path, callback and port.  Events: the zts_stop sequence, then the
 * zts_start sequence (without a second ZTS_EVENT_STACK_UP).
 * Returns ZTS_ERR_OK, or ZTS_ERR_SERVICE if no node was running or when called from the
 * event callback.  Deviation: the seed never started again.
 */
ZT_SOCKET_API int ZTCALL zts_restart(void);

/*
 * zts_free stops the node (as zts_stop), shuts the network stack down and releases every
 * resource, closing every socket (blocked socket calls return -1 with ZTS_EBADF).  No
 * node can be started again in this process.  May block until the node has stopped.
 * Events: as zts_stop, then ZTS_EVENT_STACK_DOWN.
 * Returns ZTS_ERR_OK the first time, ZTS_ERR_SERVICE afterwards.  Not from the event
 * callback.  Exiting the process without calling it is safe.  Deviation: the seed could
 * hang here on its own lock.
 */
ZT_SOCKET_API int ZTCALL zts_free(void);

/* =======================================================================================
 * 5.2 Network control.  All of these return ZTS_ERR_SERVICE unless the node is online
 * (wait for ZTS_EVENT_NODE_ONLINE).  Thread-safe; allowed from the event callback.
 * ===================================================================================== */

/*
 * zts_join begins joining network |nwid| and returns at once.  IDs whose top byte is 0xff
 * are ad-hoc (see zts_generate_adhoc_nwid_from_range): configured locally, 6PLANE IPv6
 * only.  Joining an already-joined network succeeds and does nothing.
 * Returns ZTS_ERR_OK, ZTS_ERR_SERVICE, or ZTS_ERR_ARG for |nwid| 0.
 * Events: maybe ZTS_EVENT_NETWORK_REQ_CONFIG; on success ZTS_EVENT_NETIF_UP,
 * ZTS_EVENT_ADDR_ADDED_IP4/_IP6 per address, ZTS_EVENT_NETWORK_READY_IP4/_IP6, then
 * ZTS_EVENT_NETWORK_OK; on failure ZTS_EVENT_NETWORK_ACCESS_DENIED (the join stays
 * pending), ZTS_EVENT_NETWORK_NOT_FOUND or ZTS_EVENT_NETWORK_CLIENT_TOO_OLD.
 */
ZT_SOCKET_API int ZTCALL zts_join(const uint64_t nwid);

/*
 * zts_leave leaves network |nwid| and returns at once; its interface and addresses go
 * away and its cached configuration is deleted.  Event: ZTS_EVENT_NETWORK_DOWN.
 * Returns ZTS_ERR_OK (also when not joined) or ZTS_ERR_SERVICE.
 */
ZT_SOCKET_API int ZTCALL zts_leave(const uint64_t nwid);

/* zts_leave_all leaves every joined network.  Returns ZTS_ERR_OK or ZTS_ERR_SERVICE. */
ZT_SOCKET_API int ZTCALL zts_leave_all(void);

/*
 * zts_orbit adds the moon |moonWorldId| (extra root servers), fetching its definition
 * from member node |moonSeed| (0 if already known); zts_deorbit removes it.  Orbited
 * moons are kept in <path>/moons.d/.  Return at once: ZTS_ERR_OK or ZTS_ERR_SERVICE.
 */
ZT_SOCKET_API int ZTCALL zts_orbit(uint64_t moonWorldId, uint64_t moonSeed);
ZT_SOCKET_API int ZTCALL zts_deorbit(uint64_t moonWorldId);

/*
 * zts_get_network_details fills |*nd| (caller-owned) for joined network |nwid|: nwid,
 * mtu, assigned addresses (family set, netmask bits in the port field) and routes.
 * Returns ZTS_ERR_OK; ZTS_ERR_ARG if |nd| is NULL or |nwid| is 0; ZTS_ERR_SERVICE;
 * ZTS_ERR_NO_RESULT if the network is not joined.  Deviation: the seed filled nothing.
 */
ZT_SOCKET_API int ZTCALL zts_get_network_details(uint64_t nwid, struct zts_network_details *nd);

/*
 * zts_get_all_network_details fills |nds| for every joined network.  |*num| is the
 * capacity of |nds| on input and the number written on output (networks beyond the
 * capacity are omitted).  Returns ZTS_ERR_OK; ZTS_ERR_ARG if either pointer is NULL;
 * ZTS_ERR_SERVICE.
 */
ZT_SOCKET_API int ZTCALL zts_get_all_network_details(struct zts_network_details *nds, int *num);

/*
 * zts_get_network_status returns the latest status of joined network |nwid| as an event
 * code: ZTS_STATE_NETWORK_REQUESTING_CONFIG (212), _OK (213), _ACCESS_DENIED (214),
 * _NOT_FOUND (210) or _CLIENT_TOO_OLD (211).  Errors: ZTS_ERR_ARG for |nwid| 0,
 * ZTS_ERR_SERVICE unless online, ZTS_ERR_NO_RESULT if not joined.  Deviation: the seed
 * always returned ZTS_ERR_NO_RESULT.
 */
ZT_SOCKET_API int ZTCALL zts_get_network_status(uint64_t nwid);

/* =======================================================================================
 * 5.3 Node and peer status.  Thread-safe; allowed from the event callback.
 * ===================================================================================== */

/* zts_get_node_id returns this node's 40-bit address while online, 0 otherwise. */
ZT_SOCKET_API uint64_t ZTCALL zts_get_node_id(void);

/*
 * zts_get_node_status returns ZTS_STATE_NODE_ONLINE (201) if a node is running and
 * online, else ZTS_STATE_NODE_OFFLINE (202).  Never fails; callable in any state.
 */
ZT_SOCKET_API int ZTCALL zts_get_node_status(void);

/*
 * zts_get_peers copies every peer the node knows (roots included) into |pds|
 * (caller-owned).  |*num| is the capacity on input and the count on output.
 * Returns ZTS_ERR_OK; ZTS_ERR_ARG if a pointer is NULL or the capacity is too small
 * (nothing copied; *num may then hold the count needed); ZTS_ERR_SERVICE unless online.
 */
ZT_SOCKET_API int ZTCALL zts_get_peers(struct zts_peer_details *pds, uint32_t *num);

/*
 * zts_get_peer copies peer |peerId| into |*pds| (caller-owned).  Returns ZTS_ERR_OK;
 * ZTS_ERR_ARG if |pds| is NULL or |peerId| is 0; ZTS_ERR_SERVICE unless online;
 * ZTS_ERR_NO_RESULT if the peer is unknown.
 */
ZT_SOCKET_API int ZTCALL zts_get_peer(struct zts_peer_details *pds, uint64_t peerId);

/*
 * zts_get_peer_status returns ZTS_STATE_PEER_DIRECT (240) if a direct path to |peerId| is
 * known, ZTS_STATE_PEER_RELAY (241) if the peer is known but reached through a root,
 * ZTS_STATE_PEER_UNREACHABLE (242) if it is unknown; ZTS_ERR_SERVICE unless online.
 */
ZT_SOCKET_API int ZTCALL zts_get_peer_status(uint64_t peerId);

/* =======================================================================================
 * 5.4 Address and network-ID helpers: pure, thread-safe, no service needed.
 * ===================================================================================== */

/*
 * zts_get_6plane_addr writes the 6PLANE IPv6 address of |nodeId| on |nwid| into |*addr|
 * (caller-owned, read as a zts_sockaddr_in6): fc, 4 bytes of (nwid ^ nwid >> 32), the
 * 40-bit node ID, zeros, 01 (fcXX:XXXX:XXNN:NNNN:NNNN::1).  Sets sin6_len (28),
 * sin6_family (ZTS_AF_INET6) and the 16 address bytes; port, flow info and scope are left
 * untouched (the seed wrote the address bytes only, and lacked the C symbol).  Returns
 * ZTS_ERR_OK, or ZTS_ERR_ARG if |addr| is NULL or an ID is 0.
 */
ZT_SOCKET_API int ZTCALL zts_get_6plane_addr(struct zts_sockaddr_storage *addr,
                                             const uint64_t nwid, const uint64_t nodeId);

/*
 * zts_get_rfc4193_addr is the same for the RFC 4193 address: fd, the 8-byte network ID,
 * 99 93, the 40-bit node ID.  Same fields written, same errors.
 */
ZT_SOCKET_API int ZTCALL zts_get_rfc4193_addr(struct zts_sockaddr_storage *addr,
                                              const uint64_t nwid, const uint64_t nodeId);

/*
 * zts_generate_adhoc_nwid_from_range returns the ad-hoc network ID allowing TCP/UDP to
 * ports |startPortOfRange|..|endPortOfRange|: hex ff SSSS EEEE 000000, e.g. (22, 22) ->
 * 0xff00160016000000.  No validation; cannot fail.
 */
ZT_SOCKET_API uint64_t ZTCALL zts_generate_adhoc_nwid_from_range(uint16_t startPortOfRange,
                                                                 uint16_t endPortOfRange);

/* =======================================================================================
 * 5.6 Statistics.  Callable in any state; counters are cumulative since the stack started.
 * ===================================================================================== */

/*
 * zts_get_all_stats copies every counter of the embedded stack into |*statsDest|
 * (caller-owned).  Returns ZTS_ERR_OK, ZTS_ERR_ARG for NULL, or ZTS_ERR_NO_RESULT if this
 * build keeps no statistics.  Deviation: every member is filled (the seed skipped igmp and
 * kept counters in debug builds only).
 */
ZT_SOCKET_API int ZTCALL zts_get_all_stats(struct zts_stats *statsDest);

/*
 * zts_get_protocol_stats copies the counters of |protocolType| (ZTS_STATS_PROTOCOL_*) as
 * a struct zts_stats_proto into |protoStatsDest| (caller-owned, 48 bytes).  Returns
 * ZTS_ERR_OK, ZTS_ERR_ARG (NULL destination or unknown selector), or ZTS_ERR_NO_RESULT
 * if this build keeps no statistics.
 */
ZT_SOCKET_API int ZTCALL zts_get_protocol_stats(int protocolType, void *protoStatsDest);

/* =======================================================================================
 * 5.7 Sockets.  Descriptors are small integers from 0, private to the library (never
 * mix them with OS descriptors), at most 1024 open at once.  Every call: argument checks
 * (ZTS_ERR_ARG, zts_errno untouched), then ZTS_ERR_SERVICE if no node is running, then
 * the result, or -1 with zts_errno and errno set.  Errors any call may give: ZTS_EBADF
 * (descriptor not open), ZTS_ENOMEM/ZTS_ENOBUFS.  Any thread; a blocked call is woken
 * with -1 (ZTS_EBADF or ZTS_ECONNABORTED) when another thread closes its descriptor.
 * ===================================================================================== */

/*
 * zts_socket creates a blocking socket: |socket_family| ZTS_AF_INET or ZTS_AF_INET6,
 * |socket_type| ZTS_SOCK_STREAM or ZTS_SOCK_DGRAM, |protocol| 0 or the matching
 * ZTS_IPPROTO_TCP/_UDP.  Returns the new descriptor, or -1: ZTS_ENFILE (1024 open),
 * ZTS_EAFNOSUPPORT, ZTS_EPROTONOSUPPORT/ZTS_EINVAL (ZTS_SOCK_RAW among others).
 */
ZT_SOCKET_API int ZTCALL zts_socket(const int socket_family, const int socket_type,
                                    const int protocol);

/*
 * zts_connect connects |fd| to |addr| (|addrlen| 16 for IPv4, 28 for IPv6).  TCP: a
 * blocking socket waits for the handshake; a non-blocking one returns -1 with
 * ZTS_EINPROGRESS (watch writability, then read ZTS_SO_ERROR).  UDP: sets the default
 * destination.  Returns 0, ZTS_ERR_ARG (|addr| NULL, |addrlen| < 16 or > 28),
 * ZTS_ERR_SERVICE, or -1: ZTS_ECONNREFUSED/ZTS_ECONNRESET, ZTS_ETIMEDOUT/
 * ZTS_ECONNABORTED, ZTS_EHOSTUNREACH, ZTS_EISCONN, ZTS_EALREADY, ZTS_EINVAL.
 */
ZT_SOCKET_API int ZTCALL zts_connect(int fd, const struct zts_sockaddr *addr,
                                     zts_socklen_t addrlen);

/*
 * zts_bind binds |fd| to a local virtual address (or the wildcard) and port (0 =
 * ephemeral).  Ports are private to this process' stack.  Returns 0, ZTS_ERR_ARG (as
 * zts_connect), ZTS_ERR_SERVICE, or -1: ZTS_EADDRINUSE, ZTS_EADDRNOTAVAIL, ZTS_EINVAL.
 */
ZT_SOCKET_API int ZTCALL zts_bind(int fd, const struct zts_sockaddr *addr,
                                  zts_socklen_t addrlen);

/*
 * zts_listen makes TCP socket |fd| accept connections; |backlog| is capped at 255.
 * Returns 0, ZTS_ERR_SERVICE, or -1: ZTS_EOPNOTSUPP (UDP).
 */
ZT_SOCKET_API int ZTCALL zts_listen(int fd, int backlog);

/*
 * zts_accept waits for (blocking) or takes (non-blocking) a pending connection on |fd|
 * and returns its new descriptor, which is always blocking.  If |addr| is not NULL the
 * peer address is written (|*addrlen|: buffer size in, real size out).  Returns the
 * descriptor, ZTS_ERR_SERVICE, or -1: ZTS_EAGAIN (non-blocking, none pending),
 * ZTS_ENFILE, ZTS_EINVAL (not listening).
 */
ZT_SOCKET_API int ZTCALL zts_accept(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen);

#if defined(__linux__)
/*
 * zts_accept4 is zts_accept, then makes the new socket non-blocking if |flags| contains
 * ZTS_O_NONBLOCK or the host SOCK_NONBLOCK; other bits are ignored.  Same returns.
 * Declared on Linux only and without the decorations, as in the seed (the library's
 * definition exports it itself).  Deviation: the seed always returned ZTS_ERR_SERVICE.
 */
int zts_accept4(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen, int flags);
#endif

/*
 * zts_setsockopt / zts_getsockopt set or read option |optname| at |level| (ZTS_SOL_SOCKET
 * or a ZTS_IPPROTO_*; value types beside the ZTS_SO_* / ZTS_IP_* / ZTS_TCP_* /
 * ZTS_IPV6_* names).  |optval| is borrowed; for get, |*optlen| is the buffer size in and
 * the value size out.  Multicast memberships also subscribe the node to the matching
 * ZeroTier multicast group.  Return 0, ZTS_ERR_SERVICE, or -1: ZTS_ENOPROTOOPT
 * (unsupported option), ZTS_EINVAL (|optlen| too small or bad value).
 */
ZT_SOCKET_API int ZTCALL zts_setsockopt(int fd, int level, int optname, const void *optval,
                                        zts_socklen_t optlen);
ZT_SOCKET_API int ZTCALL zts_getsockopt(int fd, int level, int optname, void *optval,
                                        zts_socklen_t *optlen);

/*
 * zts_getsockname / zts_getpeername write the local / remote address of |fd| into |addr|
 * (|*addrlen|: buffer size in, real size out; |addrlen| must not be NULL).  Return 0,
 * ZTS_ERR_ARG (|addr| NULL, |*addrlen| < 16 or > 28), ZTS_ERR_SERVICE, or -1:
 * ZTS_ENOTCONN (getpeername on an unconnected socket).
 */
ZT_SOCKET_API int ZTCALL zts_getsockname(int fd, struct zts_sockaddr *addr,
                                         zts_socklen_t *addrlen);
ZT_SOCKET_API int ZTCALL zts_getpeername(int fd, struct zts_sockaddr *addr,
                                         zts_socklen_t *addrlen);

/*
 * zts_close releases |fd|.  TCP closes in the background (FIN), or resets with
 * ZTS_SO_LINGER {1, 0}.  Returns 0, ZTS_ERR_SERVICE (no node running), or -1: ZTS_EBADF.
 */
ZT_SOCKET_API int ZTCALL zts_close(int fd);

/*
 * zts_select waits until a descriptor below |nfds| in one of the sets is ready (read:
 * data, pending connection, end-of-stream or error; write: room to send or connect
 * done).  |timeout| NULL waits forever, {0, 0} polls.  On return the sets hold only the
 * ready descriptors.  Returns the count of ready descriptors, 0 on timeout,
 * ZTS_ERR_SERVICE, or -1: ZTS_EBADF (a set holds a descriptor that is not open),
 * ZTS_EINVAL.
 */
ZT_SOCKET_API int ZTCALL zts_select(int nfds, zts_fd_set *readfds, zts_fd_set *writefds,
                                    zts_fd_set *exceptfds, struct zts_timeval *timeout);

/*
 * zts_fcntl: ZTS_F_GETFL returns ZTS_O_NONBLOCK if non-blocking, plus ZTS_O_RDONLY /
 * ZTS_O_WRONLY while the TCP receive / send side is open (UDP: ZTS_O_RDWR).
 * ZTS_F_SETFL makes the socket non-blocking iff |flags| holds ZTS_O_NONBLOCK or the
 * host's native O_NONBLOCK value (Linux 2048, macOS 4), blocking otherwise; returns 0.
 * Errors: ZTS_ERR_SERVICE, -1 with ZTS_ENOSYS (other commands).  Deviation: the seed
 * ignored ZTS_O_NONBLOCK itself.
 */
ZT_SOCKET_API int ZTCALL zts_fcntl(int fd, int cmd, int flags);

/*
 * zts_poll: POSIX poll over zts descriptors, |timeout| in ms (-1 forever, 0 at once).
 * Reports ZTS_POLLIN (end-of-stream included), ZTS_POLLOUT, ZTS_POLLERR, ZTS_POLLNVAL;
 * entries with a negative fd are skipped.  Returns the count of entries with non-zero
 * revents, 0 on timeout, ZTS_ERR_SERVICE, or -1: ZTS_EINVAL, ZTS_ENOMEM.  (Exported with
 * C linkage; the seed's definition did not match this declaration.)
 */
ZT_SOCKET_API int ZTCALL zts_poll(struct zts_pollfd *fds, zts_nfds_t nfds, int timeout);

/*
 * zts_ioctl: ZTS_FIONREAD stores into *(int *)argp the bytes available (UDP: size of the
 * next datagram); ZTS_FIONBIO reads *(int *)argp, non-zero = non-blocking.  Both the
 * LP64 and the 32-bit encodings are accepted.  Returns 0, ZTS_ERR_ARG (|argp| NULL),
 * ZTS_ERR_SERVICE, or -1: ZTS_ENOSYS/ZTS_EINVAL (other requests).
 */
ZT_SOCKET_API int ZTCALL zts_ioctl(int fd, unsigned long request, void *argp);

/*
 * zts_send sends |len| bytes of |buf| on connected socket |fd|.  Flags: ZTS_MSG_DONTWAIT,
 * ZTS_MSG_MORE.  TCP: blocking sockets queue everything and return |len|; non-blocking
 * ones return what fit.  UDP: one datagram.  Never raises SIGPIPE.  Returns the count,
 * ZTS_ERR_ARG (|buf| NULL or |len| 0), ZTS_ERR_SERVICE, or -1: ZTS_EAGAIN, ZTS_EMSGSIZE,
 * ZTS_EDESTADDRREQ/ZTS_ENOTCONN, ZTS_ECONNRESET, ZTS_ESHUTDOWN.
 */
ZT_SOCKET_API ssize_t ZTCALL zts_send(int fd, const void *buf, size_t len, int flags);

/*
 * zts_sendto: UDP sends one datagram to |addr| (binding an unbound socket to an
 * ephemeral port first); TCP ignores |addr| and behaves as zts_send.  Returns as
 * zts_send; ZTS_ERR_ARG also for |addr| NULL or |addrlen| < 16 or > 28.
 */
ZT_SOCKET_API ssize_t ZTCALL zts_sendto(int fd, const void *buf, size_t len, int flags,
                                        const struct zts_sockaddr *addr,
                                        zts_socklen_t addrlen);

/*
 * zts_sendmsg / zts_recvmsg: scatter/gather sendto/recvfrom.  |msg| points to a
 * struct zts_msghdr (the declared type is the seed's struct msghdr; the host layout is
 * NOT used).  msg_name/msg_namelen carry the peer address; recvmsg sets ZTS_MSG_TRUNC /
 * ZTS_MSG_CTRUNC in msg_flags.  Return the byte count, ZTS_ERR_SERVICE, ZTS_ERR_ARG
 * (zts_recvmsg: |msg| NULL), or -1 with the errors of zts_sendto / zts_recvfrom.
 */
ZT_SOCKET_API ssize_t ZTCALL zts_sendmsg(int fd, const struct msghdr *msg, int flags);
ZT_SOCKET_API ssize_t ZTCALL zts_recvmsg(int fd, struct msghdr *msg, int flags);

/*
 * zts_recv receives up to |len| bytes into |buf|.  Flags: ZTS_MSG_PEEK, ZTS_MSG_DONTWAIT.
 * UDP returns one datagram, silently truncated to |len|.  Returns the count, 0 when a TCP
 * peer has closed and everything is read, ZTS_ERR_ARG (|buf| NULL), ZTS_ERR_SERVICE, or
 * -1: ZTS_EAGAIN (nothing available without blocking, or receive timeout),
 * ZTS_ECONNRESET, ZTS_ENOTCONN.
 */
ZT_SOCKET_API ssize_t ZTCALL zts_recv(int fd, void *buf, size_t len, int flags);

/*
 * zts_recvfrom is zts_recv that also writes the sender's address into |addr| when it is
 * not NULL (|*addrlen|: buffer size in, real size out).  Same returns.
 */
ZT_SOCKET_API ssize_t ZTCALL zts_recvfrom(int fd, void *buf, size_t len, int flags,
                                          struct zts_sockaddr *addr, zts_socklen_t *addrlen);

/*
 * zts_read / zts_write are zts_recv / zts_send with flags 0, with the same argument
 * checks (zts_write also rejects |len| 0 with ZTS_ERR_ARG).
 */
ZT_SOCKET_API ssize_t ZTCALL zts_read(int fd, void *buf, size_t len);
ZT_SOCKET_API ssize_t ZTCALL zts_write(int fd, const void *buf, size_t len);

/*
 * zts_readv / zts_writev fill / consume the |iovcnt| buffers of |iov| in order.  Return
 * the total byte count, ZTS_ERR_SERVICE, or -1: ZTS_EFAULT (|iov| NULL with |iovcnt| > 0),
 * ZTS_EINVAL, and the errors of zts_recv / zts_send.
 */
ZT_SOCKET_API ssize_t ZTCALL zts_readv(int fd, const struct zts_iovec *iov, int iovcnt);
ZT_SOCKET_API ssize_t ZTCALL zts_writev(int fd, const struct zts_iovec *iov, int iovcnt);

/*
 * zts_shutdown half-closes TCP socket |fd|: |how| ZTS_SHUT_RD, ZTS_SHUT_WR or
 * ZTS_SHUT_RDWR.  Returns 0, ZTS_ERR_SERVICE, or -1: ZTS_EOPNOTSUPP (not TCP),
 * ZTS_ENOTCONN, ZTS_EINVAL (bad |how|).
 */
ZT_SOCKET_API int ZTCALL zts_shutdown(int fd, int how);

/* =======================================================================================
 * 5.8 DNS
 * ===================================================================================== */

/*
 * zts_add_dns_nameserver / zts_del_dns_nameserver: the 1.3 API has no resolver.  Return
 * ZTS_ERR_SERVICE when no node is running; otherwise ZTS_ERR_OK (server address copied /
 * removed for an extension resolver), ZTS_ERR_ARG for NULL, or ZTS_ERR_SERVICE when the
 * build has no resolver (the seed's behaviour).
 */
ZT_SOCKET_API int ZTCALL zts_add_dns_nameserver(struct zts_sockaddr *addr);
ZT_SOCKET_API int ZTCALL zts_del_dns_nameserver(struct zts_sockaddr *addr);

/* =======================================================================================
 * 5.9 Utilities: pure, thread-safe, no service needed.
 * ===================================================================================== */

/* Byte-order conversion between host and network (big-endian) order. */
ZT_SOCKET_API uint16_t ZTCALL zts_htons(uint16_t n);
ZT_SOCKET_API uint32_t ZTCALL zts_htonl(uint32_t n);
ZT_SOCKET_API uint16_t ZTCALL zts_ntohs(uint16_t n);
ZT_SOCKET_API uint32_t ZTCALL zts_ntohl(uint32_t n);

/*
 * zts_inet_ntop writes the text form of the address at |src| (ZTS_AF_INET: 4 bytes,
 * dotted decimal; ZTS_AF_INET6: 16 bytes, RFC 5952: lowercase, longest run of zero groups
 * as "::") into |dst| of |size| bytes, NUL included (ZTS_INET_ADDRSTRLEN /
 * ZTS_INET6_ADDRSTRLEN always suffice).  Returns |dst|, or NULL with zts_errno and errno
 * set to ZTS_ENOSPC (|size| too small; |dst| unchanged) or ZTS_EAFNOSUPPORT (other |af|).
 */
ZT_SOCKET_API const char *ZTCALL zts_inet_ntop(int af, const void *src, char *dst,
                                               zts_socklen_t size);

/*
 * zts_inet_pton parses |src| into |dst| (4 bytes for ZTS_AF_INET, strict dotted decimal;
 * 16 for ZTS_AF_INET6), in network order.  Returns 1 on success; 0 if |src| is not a
 * valid address of that family (|dst| unchanged); 0 with zts_errno and errno set to
 * ZTS_EAFNOSUPPORT for another |af|.  Test the result with == 1.
 */
ZT_SOCKET_API int ZTCALL zts_inet_pton(int af, const char *src, void *dst);

/*
 * zts_inet_addr parses dotted IPv4 text |cp| and returns it in network order, or
 * ZTS_IPADDR_NONE if invalid (so "255.255.255.255" cannot be told from an error).
 */
ZT_SOCKET_API uint32_t ZTCALL zts_inet_addr(const char *cp);

/*
 * zts_delay_ms sleeps the calling thread for at least |interval_ms| milliseconds (<= 0:
 * returns at once).  Deviation: the seed slept half the time, and not at all from 2 s up.
 */
ZT_SOCKET_API void ZTCALL zts_delay_ms(long interval_ms);

#ifdef __cplusplus
} /* extern "C" */

/*
 * C++ only: zts_start also takes a callback written with the typed message pointer,
 * void cb(struct zts_callback_msg *msg), as the README shows.  The template keeps
 * zts_start(path, NULL, port) unambiguous (NULL cannot deduce a callback type).
 */
template <typename T> struct zts_callback_msg_type_check {};
template <> struct zts_callback_msg_type_check<struct zts_callback_msg> {
    typedef int type;
};
template <> struct zts_callback_msg_type_check<const struct zts_callback_msg> {
    typedef int type;
};

template <typename T>
inline typename zts_callback_msg_type_check<T>::type zts_start(const char *path,
                                                               void (*callback)(T *),
                                                               uint16_t port)
{
    return zts_start(path, reinterpret_cast<void (*)(void *)>(callback), port);
}
#endif

#endif /* ZT_SOCKETS_H */
#endif /* ZT_LIBZT_MODERN */
