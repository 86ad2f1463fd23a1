/*
 * ZeroTierSockets.h: the zts_* API, modern generation (libzt 1.8; api-modern.md).
 *
 * Drop-in for programs written against libzt 1.8.x's header: every name, value, kind (macro
 * or enumerator), signature and structure layout below is an interface fact fixed by
 * api-modern.md sections 2-5; the comments are ours.  This is NOT the header of the 1.3-era
 * API (include/ZeroTierSockets.h, libzt): the two generations clash (api-modern.md §8.2), so
 * a program includes one of them and links the matching library:
 *
 *     this header    <prefix>/include/libzt-modern/ZeroTierSockets.h  -> libzt-modern.{a,so}
 *     1.3 header     <prefix>/include/ZeroTierSockets.h               -> libzt.{a,so}
 *
 * (pkg-config modules libzt-modern and libzt; docs/embedding-modern.md.)
 *
 * Conventions shared by every function (api-modern.md §5.0):
 *   - Control calls (zts_init_*, zts_node_*, zts_net_*, zts_addr_*, zts_core_*, ...) return
 *     ZTS_ERR_* codes and never write zts_errno.  Functions with a uint64_t or size_t result
 *     return a negative code converted to that type on failure (ZTS_ERR_SERVICE becomes
 *     0xFFFFFFFFFFFFFFFE); compare with `== (uint64_t)ZTS_ERR_SERVICE`.
 *   - The service has five states: UNCONFIGURED (process start), CONFIGURED (a zts_init_* call
 *     was made), RUNNING (zts_node_start), STOPPED (zts_node_stop: settings are back to their
 *     defaults) and FREED (zts_node_free: terminal, every call returns ZTS_ERR_SERVICE).
 *     zts_init_* calls are accepted only while not running.
 *   - Socket calls (zts_bsd_*, the simplified calls, the option helpers) return
 *     ZTS_ERR_SERVICE while the node is not running, ZTS_ERR_ARG for the argument checks
 *     listed per function, else the stack's result: >= 0, or -1 (ZTS_ERR_SOCKET) with the
 *     reason in zts_errno (Linux numbering) and in the host errno.
 *   - Every pointer argument is borrowed: the library keeps nothing after the call returns
 *     unless the function's comment says it does.
 *   - Any thread may call any function, including the event handler, except that
 *     zts_node_start, zts_node_stop and zts_node_free return ZTS_ERR_SERVICE when called
 *     from the handler (they would wait for the thread that runs it).
 *
 * Includes <stdint.h> (unless ZTS_NO_STDINT_H is 1) and, outside MSVC, <unistd.h>; works in
 * C99 or later and C++98 or later.  ZTS_FD_ZERO calls memset: include <string.h> to use it.
 */
#ifndef ZTS_SOCKETS_H
#define ZTS_SOCKETS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Binding selection (api-modern.md §2): this library implements the C variant only. */
#if !defined(ZTS_ENABLE_PYTHON) && !defined(ZTS_ENABLE_PINVOKE) && !defined(ZTS_ENABLE_JAVA)
#define ZTS_C_API_ONLY 1
#endif

#if !ZTS_NO_STDINT_H
#include <stdint.h>
#endif

#if defined(_MSC_VER)
#ifndef ssize_t
/* 32 bits even on 64-bit Windows, as the reference declares it (api-modern.md §2). */
typedef int ssize_t;
#endif
#else
#include <unistd.h>
#endif

/* ---------------------------------------------------------------------------------------
 * Return codes (§3.1).  Enumerators, not macros: `#ifdef ZTS_ERR_OK` is false.
 * ------------------------------------------------------------------------------------- */

typedef enum {
    ZTS_ERR_OK = 0,         /* success */
    ZTS_ERR_SOCKET = -1,    /* socket-layer failure; the reason is in zts_errno */
    ZTS_ERR_SERVICE = -2,   /* the node/stack is not in a state that allows the call */
    ZTS_ERR_ARG = -3,       /* an argument check failed; nothing was done */
    ZTS_ERR_NO_RESULT = -4, /* valid call, nothing to report */
    ZTS_ERR_GENERAL = -5    /* internal failure */
} zts_error_t;

/* ---------------------------------------------------------------------------------------
 * Event codes (§3.2).  The range names the payload pointer of zts_event_msg_t that is set:
 * node 200-204 (node), network 210-219 (network), stack 220-221 (none), netif 230-234
 * (netif), peer 240-244 (peer), route 250-251 (route), address 260-263 (addr), store
 * 270-274 (cache and len).
 * ------------------------------------------------------------------------------------- */

typedef enum {
    ZTS_EVENT_NODE_UP = 200,
    ZTS_EVENT_NODE_ONLINE = 201,
    ZTS_EVENT_NODE_OFFLINE = 202,
    ZTS_EVENT_NODE_DOWN = 203,        /* last event of a run */
    ZTS_EVENT_NODE_FATAL_ERROR = 204, /* the run ends (identity collision, port, home) */
    ZTS_EVENT_NETWORK_NOT_FOUND = 210,
    ZTS_EVENT_NETWORK_CLIENT_TOO_OLD = 211,
    ZTS_EVENT_NETWORK_REQ_CONFIG = 212,
    ZTS_EVENT_NETWORK_OK = 213,
    ZTS_EVENT_NETWORK_ACCESS_DENIED = 214,
    ZTS_EVENT_NETWORK_READY_IP4 = 215,
    ZTS_EVENT_NETWORK_READY_IP6 = 216,
    ZTS_EVENT_NETWORK_READY_IP4_IP6 = 217, /* deprecated: never produced */
    ZTS_EVENT_NETWORK_DOWN = 218,
    ZTS_EVENT_NETWORK_UPDATE = 219,
    ZTS_EVENT_STACK_UP = 220,
    ZTS_EVENT_STACK_DOWN = 221,
    ZTS_EVENT_NETIF_UP = 230,
    ZTS_EVENT_NETIF_DOWN = 231,
    ZTS_EVENT_NETIF_REMOVED = 232,
    ZTS_EVENT_NETIF_LINK_UP = 233,
    ZTS_EVENT_NETIF_LINK_DOWN = 234,
    ZTS_EVENT_PEER_DIRECT = 240,
    ZTS_EVENT_PEER_RELAY = 241,
    ZTS_EVENT_PEER_UNREACHABLE = 242,
    ZTS_EVENT_PEER_PATH_DISCOVERED = 243,
    ZTS_EVENT_PEER_PATH_DEAD = 244,
    ZTS_EVENT_ROUTE_ADDED = 250,
    ZTS_EVENT_ROUTE_REMOVED = 251,
    ZTS_EVENT_ADDR_ADDED_IP4 = 260,
    ZTS_EVENT_ADDR_REMOVED_IP4 = 261,
    ZTS_EVENT_ADDR_ADDED_IP6 = 262,
    ZTS_EVENT_ADDR_REMOVED_IP6 = 263,
    ZTS_EVENT_STORE_IDENTITY_SECRET = 270,
    ZTS_EVENT_STORE_IDENTITY_PUBLIC = 271,
    ZTS_EVENT_STORE_PLANET = 272,
    ZTS_EVENT_STORE_PEER = 273,
    ZTS_EVENT_STORE_NETWORK = 274
} zts_event_t;

/* ---------------------------------------------------------------------------------------
 * zts_errno values (§3.3): Linux numbers on every platform.  The stack may also store other
 * Linux numbers (28 ENOSPC, 32 EPIPE, 102 ENETRESET, 108 ESHUTDOWN, ...).
 * ------------------------------------------------------------------------------------- */

typedef enum {
    ZTS_EPERM = 1,
    ZTS_ENOENT = 2,
    ZTS_ESRCH = 3,
    ZTS_EINTR = 4,
    ZTS_EIO = 5,
    ZTS_ENXIO = 6,
    ZTS_EBADF = 9,
    ZTS_EAGAIN = 11,
    ZTS_EWOULDBLOCK = ZTS_EAGAIN,
    ZTS_ENOMEM = 12,
    ZTS_EACCES = 13,
    ZTS_EFAULT = 14,
    ZTS_EBUSY = 16,
    ZTS_EEXIST = 17,
    ZTS_ENODEV = 19,
    ZTS_EINVAL = 22,
    ZTS_ENFILE = 23,
    ZTS_EMFILE = 24,
    ZTS_ENOSYS = 38,
    ZTS_ENOTSOCK = 88,
    ZTS_EDESTADDRREQ = 89,
    ZTS_EMSGSIZE = 90,
    ZTS_EPROTOTYPE = 91,
    ZTS_ENOPROTOOPT = 92,
    ZTS_EPROTONOSUPPORT = 93,
    ZTS_ESOCKTNOSUPPORT = 94,
    ZTS_EOPNOTSUPP = 95,
    ZTS_EPFNOSUPPORT = 96,
    ZTS_EAFNOSUPPORT = 97,
    ZTS_EADDRINUSE = 98,
    ZTS_EADDRNOTAVAIL = 99,
    ZTS_ENETDOWN = 100,
    ZTS_ENETUNREACH = 101,
    ZTS_ECONNABORTED = 103,
    ZTS_ECONNRESET = 104,
    ZTS_ENOBUFS = 105,
    ZTS_EISCONN = 106,
    ZTS_ENOTCONN = 107,
    ZTS_ETIMEDOUT = 110,
    ZTS_ECONNREFUSED = 111,
    ZTS_EHOSTUNREACH = 113,
    ZTS_EALREADY = 114,
    ZTS_EINPROGRESS = 115
} zts_errno_t;

/* ---------------------------------------------------------------------------------------
 * Network status, network type, peer role (§3.11): ZeroTier One's own numbers.
 * ------------------------------------------------------------------------------------- */

typedef enum {
    ZTS_NETWORK_STATUS_REQUESTING_CONFIGURATION = 0,
    ZTS_NETWORK_STATUS_OK = 1,
    ZTS_NETWORK_STATUS_ACCESS_DENIED = 2,
    ZTS_NETWORK_STATUS_NOT_FOUND = 3,
    ZTS_NETWORK_STATUS_PORT_ERROR = 4,
    ZTS_NETWORK_STATUS_CLIENT_TOO_OLD = 5
} zts_network_status_t;

typedef enum { ZTS_NETWORK_TYPE_PRIVATE = 0, ZTS_NETWORK_TYPE_PUBLIC = 1 } zts_net_info_type_t;

typedef enum {
    ZTS_PEER_ROLE_LEAF = 0,
    ZTS_PEER_ROLE_MOON = 1,
    ZTS_PEER_ROLE_PLANET = 2
} zts_peer_role_t;

/* ---------------------------------------------------------------------------------------
 * Limits and string lengths (§3.4)
 * ------------------------------------------------------------------------------------- */

#define ZTS_MAC_ADDRSTRLEN 18
#define ZTS_INET_ADDRSTRLEN 16
#define ZTS_INET6_ADDRSTRLEN 46
#define ZTS_IP_MAX_STR_LEN ZTS_INET6_ADDRSTRLEN
#define ZTS_STORE_DATA_LEN 4096
#define ZTS_MAX_NETWORK_SHORT_NAME_LENGTH 127
#define ZTS_MAX_NETWORK_ROUTES 32
#define ZTS_MAX_ASSIGNED_ADDRESSES 16
/* 16 as in 1.8.10 and DevilutionX's fork (HEAD has 64): it sizes zts_peer_info_t. */
#define ZTS_MAX_PEER_NETWORK_PATHS 16
#define ZTS_MAX_MULTICAST_SUBSCRIPTIONS 1024
/* Unparenthesised on purpose, as the reference writes it (§3.4). */
#define ZTS_MAX_ENDPOINT_STR_LEN ZTS_INET6_ADDRSTRLEN + 6
#define ZTS_MAX_NUM_ROOTS 16
#define ZTS_MAX_ENDPOINTS_PER_ROOT 32
#define ZTS_ID_STR_BUF_LEN 384

/* lwIP's configuration, leaked into the API with the same tokens as lwIP's own definitions,
 * so that including lwIP's headers too is a legal redefinition (§2). */
#define LWIP_SOCKET_OFFSET 0
#define MEMP_NUM_NETCONN 1024

/* ---------------------------------------------------------------------------------------
 * Address constants (§3.5): host-order numbers; apply zts_htonl-style conversion before
 * storing them in s_addr.
 * ------------------------------------------------------------------------------------- */

#define ZTS_IPADDR_NONE ((uint32_t)0xffffffffUL)
#define ZTS_IPADDR_LOOPBACK ((uint32_t)0x7f000001UL)
#define ZTS_IPADDR_ANY ((uint32_t)0x00000000UL)
#define ZTS_IPADDR_BROADCAST ((uint32_t)0xffffffffUL)
#define ZTS_INADDR_NONE ZTS_IPADDR_NONE
#define ZTS_INADDR_LOOPBACK ZTS_IPADDR_LOOPBACK
#define ZTS_INADDR_ANY ZTS_IPADDR_ANY
#define ZTS_INADDR_BROADCAST ZTS_IPADDR_BROADCAST
/* HEAD addition: an initialiser for struct zts_in6_addr. */
#define ZTS_IN6ADDR_ANY_INIT {{{0, 0, 0, 0}}}

/* ---------------------------------------------------------------------------------------
 * Families, socket types, protocols (§3.6).  ZTS_AF_INET6 is 10 on every platform.
 * ------------------------------------------------------------------------------------- */

#define ZTS_SOCK_STREAM 0x0001
#define ZTS_SOCK_DGRAM 0x0002
#define ZTS_SOCK_RAW 0x0003 /* compiled out: zts_bsd_socket fails */
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
 * Message flags (§3.7).  TRUNC and CTRUNC are output bits of zts_msghdr.msg_flags.
 * ------------------------------------------------------------------------------------- */

#define ZTS_MSG_PEEK 0x0001
#define ZTS_MSG_WAITALL 0x0002 /* unsupported */
#define ZTS_MSG_OOB 0x0004     /* unsupported */
#define ZTS_MSG_DONTWAIT 0x0008
#define ZTS_MSG_MORE 0x0010
#define ZTS_MSG_TRUNC 0x04
#define ZTS_MSG_CTRUNC 0x08

/* ---------------------------------------------------------------------------------------
 * ioctl (§3.8).  FIONREAD/FIONBIO embed sizeof(unsigned long): LP64 0x4008667f/0x8008667e,
 * ILP32 and Windows 0x4004667f/0x8004667e; zts_bsd_ioctl accepts both encodings.
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
 * Socket options (§3.9).  Level ZTS_SOL_SOCKET; the other levels are ZTS_IPPROTO_*.
 * ------------------------------------------------------------------------------------- */

#define ZTS_SOL_SOCKET 0x0fff
#define ZTS_SO_DEBUG 0x0001
#define ZTS_SO_ACCEPTCONN 0x0002
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
#define ZTS_SO_NO_CHECK 0x100a
#define ZTS_SO_BINDTODEVICE 0x100b

#define ZTS_IP_TOS 0x0001
#define ZTS_IP_TTL 0x0002
#define ZTS_IP_PKTINFO 0x0008
#define ZTS_IP_ADD_MEMBERSHIP 3
#define ZTS_IP_DROP_MEMBERSHIP 4
#define ZTS_IP_MULTICAST_TTL 5
#define ZTS_IP_MULTICAST_IF 6
#define ZTS_IP_MULTICAST_LOOP 7

#define ZTS_TCP_NODELAY 0x0001
#define ZTS_TCP_KEEPALIVE 0x0002 /* milliseconds */
#define ZTS_TCP_KEEPIDLE 0x0003  /* seconds */
#define ZTS_TCP_KEEPINTVL 0x0004 /* seconds */
#define ZTS_TCP_KEEPCNT 0x0005

#define ZTS_IPV6_CHECKSUM 0x0007
#define ZTS_IPV6_V6ONLY 0x001b
#define ZTS_IPV6_JOIN_GROUP 12
#define ZTS_IPV6_ADD_MEMBERSHIP ZTS_IPV6_JOIN_GROUP
#define ZTS_IPV6_LEAVE_GROUP 13
#define ZTS_IPV6_DROP_MEMBERSHIP ZTS_IPV6_LEAVE_GROUP

#define ZTS_UDPLITE_SEND_CSCOV 0x01
#define ZTS_UDPLITE_RECV_CSCOV 0x02

#define ZTS_IPTOS_TOS_MASK 0x1E
#define ZTS_IPTOS_TOS(tos) ((tos)&ZTS_IPTOS_TOS_MASK)
#define ZTS_IPTOS_LOWDELAY 0x10
#define ZTS_IPTOS_THROUGHPUT 0x08
#define ZTS_IPTOS_RELIABILITY 0x04
#define ZTS_IPTOS_LOWCOST 0x02
#define ZTS_IPTOS_MINCOST ZTS_IPTOS_LOWCOST
#define ZTS_IPTOS_PREC_MASK 0xe0
#define ZTS_IPTOS_PREC(tos) ((tos)&ZTS_IPTOS_PREC_MASK)
#define ZTS_IPTOS_PREC_NETCONTROL 0xe0
#define ZTS_IPTOS_PREC_INTERNETCONTROL 0xc0
#define ZTS_IPTOS_PREC_CRITIC_ECP 0xa0
#define ZTS_IPTOS_PREC_FLASHOVERRIDE 0x80
#define ZTS_IPTOS_PREC_FLASH 0x60
#define ZTS_IPTOS_PREC_IMMEDIATE 0x40
#define ZTS_IPTOS_PREC_PRIORITY 0x20
#define ZTS_IPTOS_PREC_ROUTINE 0x00

/* ---------------------------------------------------------------------------------------
 * fcntl, poll, shutdown (§3.10)
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
#define ZTS_POLLRDNORM 0x010  /* not reported */
#define ZTS_POLLRDBAND 0x020  /* not reported */
#define ZTS_POLLPRI 0x040     /* not reported */
#define ZTS_POLLWRNORM 0x080  /* not reported */
#define ZTS_POLLWRBAND 0x100  /* not reported */
#define ZTS_POLLHUP 0x200     /* not reported */

#define ZTS_SHUT_RD 0x0
#define ZTS_SHUT_WR 0x1
#define ZTS_SHUT_RDWR 0x2

/* ---------------------------------------------------------------------------------------
 * Scalar types (§4.1)
 * ------------------------------------------------------------------------------------- */

typedef uint32_t zts_socklen_t;
typedef uint32_t zts_in_addr_t;
typedef uint16_t zts_in_port_t;
typedef uint8_t zts_sa_family_t;
typedef unsigned int zts_nfds_t;

#ifdef ZTS_ENABLE_PINVOKE
typedef void (*CppCallback)(void *msg);
#endif

/* ---------------------------------------------------------------------------------------
 * Socket addresses (§4.2): BSD 4.4 shape (a length byte, then a family byte), byte for
 * byte lwIP's layouts.  Ports and addresses in network byte order.
 * ------------------------------------------------------------------------------------- */

struct zts_in_addr {
#if defined(_WIN32)
    zts_in_addr_t S_addr;
#else
    zts_in_addr_t s_addr;
#endif
};

struct zts_in6_addr {
    union un {
        uint32_t u32_addr[4];
        uint8_t u8_addr[16];
    } un;
};

#define SIN_ZERO_LEN 8
struct zts_sockaddr_in {
    uint8_t sin_len;
    zts_sa_family_t sin_family;
    zts_in_port_t sin_port;
    struct zts_in_addr sin_addr;
    char sin_zero[SIN_ZERO_LEN];
};

struct zts_sockaddr_in6 {
    uint8_t sin6_len;
    zts_sa_family_t sin6_family;
    zts_in_port_t sin6_port;
    uint32_t sin6_flowinfo;
    struct zts_in6_addr sin6_addr;
    uint32_t sin6_scope_id; /* an lwIP zone index: zero it */
};

struct zts_sockaddr {
    uint8_t sa_len;
    zts_sa_family_t sa_family;
    char sa_data[14];
};

/* 28 bytes, not 128: exactly large enough for an IPv6 socket address. */
struct zts_sockaddr_storage {
    uint8_t s2_len;
    zts_sa_family_t ss_family;
    char s2_data1[2];
    uint32_t s2_data2[3];
    uint32_t s2_data3[3];
};

/* ---------------------------------------------------------------------------------------
 * Event payloads (§4.3).  The event handler receives a zts_event_msg_t*; exactly one of the
 * payload pointers is set (none for stack events), and |len| is the payload's size.
 * ------------------------------------------------------------------------------------- */

typedef struct {
    uint64_t node_id;
    uint16_t port_primary;
    uint16_t port_secondary;
    uint16_t port_tertiary;
    uint8_t ver_major;
    uint8_t ver_minor;
    uint8_t ver_rev;
} zts_node_info_t;

typedef struct {
    uint64_t net_id;
    struct zts_sockaddr_storage addr; /* address at offset 4 (IPv4) or 8 (IPv6); port 0 */
} zts_addr_info_t;

typedef struct {
    struct zts_sockaddr_storage target; /* the port field holds the prefix length */
    struct zts_sockaddr_storage via;    /* family 0: no gateway */
    uint16_t flags;
    uint16_t metric;
} zts_route_info_t;

/* Declared for compatibility; used by no function. */
typedef struct {
    uint64_t mac; /* low 48 bits */
    unsigned long adi;
} zts_multicast_group_t;

typedef struct {
    uint64_t net_id;
    uint64_t mac;
    char name[ZTS_MAX_NETWORK_SHORT_NAME_LENGTH + 1];
    zts_network_status_t status;
    zts_net_info_type_t type;
    unsigned int mtu;
    int dhcp;
    int bridge;
    int broadcast_enabled;
    int port_error;
    unsigned long netconf_rev;
    unsigned int assigned_addr_count;
    /* port field = prefix length, network order */
    struct zts_sockaddr_storage assigned_addrs[ZTS_MAX_ASSIGNED_ADDRESSES];
    unsigned int route_count;
    zts_route_info_t routes[ZTS_MAX_NETWORK_ROUTES];
    unsigned int multicast_sub_count;
    struct {
        uint64_t mac; /* low 48 bits */
        uint32_t adi;
    } multicast_subs[ZTS_MAX_MULTICAST_SUBSCRIPTIONS];
} zts_net_info_t;

typedef struct {
    struct zts_sockaddr_storage address;
    uint64_t last_tx; /* ms since the epoch */
    uint64_t last_rx;
    uint64_t trusted_path_id;
    float latency;
    float unused_0;
    float unused_1;
    float unused_2;
    float unused_3;
    float unused_4;
    uint64_t unused_5;
    uint64_t unused_6;
    float unused_7;
    char *ifname;
    int expired;
    int preferred;
} zts_path_t;

typedef struct {
    uint64_t peer_id; /* 40-bit ZeroTier address */
    int ver_major;    /* -1 if unknown */
    int ver_minor;
    int ver_rev;
    int latency; /* ms, -1 if unknown */
    zts_peer_role_t role;
    unsigned int path_count;
    int unused_0;
    zts_path_t paths[ZTS_MAX_PEER_NETWORK_PATHS];
} zts_peer_info_t;

typedef struct {
    uint64_t net_id;
    uint64_t mac;
    int mtu;
} zts_netif_info_t;

typedef struct {
    int16_t event_code; /* a zts_event_t value */
    zts_node_info_t *node;
    zts_net_info_t *network;
    zts_netif_info_t *netif;
    zts_route_info_t *route;
    zts_peer_info_t *peer;
    zts_addr_info_t *addr;
    void *cache; /* store events: the object's bytes (not NUL-terminated) */
    int len;     /* size of the payload */
} zts_event_msg_t;

/* ---------------------------------------------------------------------------------------
 * Roots (§4.4): input of zts_util_sign_root_set.  Rows end at the first NULL public_id_str,
 * columns at the first NULL endpoint; endpoints are "<ip>/<port>".
 * ------------------------------------------------------------------------------------- */

typedef struct {
    char *public_id_str[ZTS_MAX_NUM_ROOTS];
    char *endpoint_ip_str[ZTS_MAX_NUM_ROOTS][ZTS_MAX_ENDPOINTS_PER_ROOT];
} zts_root_set_t;

/* ---------------------------------------------------------------------------------------
 * Statistics (§4.5): the stack's counters, per protocol: transmitted, received, dropped,
 * errors.
 * ------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t link_tx, link_rx, link_drop, link_err;
    uint32_t etharp_tx, etharp_rx, etharp_drop, etharp_err;
    uint32_t ip4_tx, ip4_rx, ip4_drop, ip4_err;
    uint32_t ip6_tx, ip6_rx, ip6_drop, ip6_err;
    uint32_t icmp4_tx, icmp4_rx, icmp4_drop, icmp4_err;
    uint32_t icmp6_tx, icmp6_rx, icmp6_drop, icmp6_err;
    uint32_t udp_tx, udp_rx, udp_drop, udp_err;
    uint32_t tcp_tx, tcp_rx, tcp_drop, tcp_err;
    uint32_t nd6_tx, nd6_rx, nd6_drop, nd6_err;
} zts_stats_counter_t;

/* ---------------------------------------------------------------------------------------
 * Socket helper structures (§4.6)
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

typedef struct zts_ipv6_mreq {
    struct zts_in6_addr ipv6mr_multiaddr;
    unsigned int ipv6mr_interface;
} zts_ipv6_mreq;

/* Descriptor sets: bit (n & 7) of byte fd_bits[n / 8], on every platform. */
#ifndef ZTS_FD_SET
#undef ZTS_FD_SETSIZE
#define ZTS_FD_SETSIZE MEMP_NUM_NETCONN
#define ZTS_FDSETSAFESET(n, code)                                                             \
    do {                                                                                      \
        if (((n)-LWIP_SOCKET_OFFSET < MEMP_NUM_NETCONN) && (((int)(n)-LWIP_SOCKET_OFFSET) >= 0)) { \
            code;                                                                             \
        }                                                                                     \
    } while (0)
#define ZTS_FDSETSAFEGET(n, code)                                                             \
    (((n)-LWIP_SOCKET_OFFSET < MEMP_NUM_NETCONN) && (((int)(n)-LWIP_SOCKET_OFFSET) >= 0)      \
         ? (code)                                                                             \
         : 0)
#define ZTS_FD_SET(n, p)                                                                      \
    ZTS_FDSETSAFESET(n, (p)->fd_bits[((n)-LWIP_SOCKET_OFFSET) / 8] =                          \
                            (unsigned char)((p)->fd_bits[((n)-LWIP_SOCKET_OFFSET) / 8] |      \
                                            (1u << (((n)-LWIP_SOCKET_OFFSET) & 7))))
#define ZTS_FD_CLR(n, p)                                                                      \
    ZTS_FDSETSAFESET(n, (p)->fd_bits[((n)-LWIP_SOCKET_OFFSET) / 8] =                          \
                            (unsigned char)((p)->fd_bits[((n)-LWIP_SOCKET_OFFSET) / 8] &      \
                                            ~(1u << (((n)-LWIP_SOCKET_OFFSET) & 7))))
#define ZTS_FD_ISSET(n, p)                                                                    \
    ZTS_FDSETSAFEGET(n, (p)->fd_bits[((n)-LWIP_SOCKET_OFFSET) / 8] &                          \
                            (1u << (((n)-LWIP_SOCKET_OFFSET) & 7)))
#define ZTS_FD_ZERO(p) memset((void *)(p), 0, sizeof(*(p)))

typedef struct zts_fd_set {
    unsigned char fd_bits[(ZTS_FD_SETSIZE + 7) / 8];
} zts_fd_set;
#elif LWIP_SOCKET_OFFSET
#error LWIP_SOCKET_OFFSET must be 0 for the ZTS_FD_* macros of this header
#elif ZTS_FD_SETSIZE < MEMP_NUM_NETCONN
#error ZTS_FD_SETSIZE must be at least MEMP_NUM_NETCONN
#endif

typedef struct zts_timeval {
    long tv_sec;
    long tv_usec;
} zts_timeval;

struct zts_pollfd {
    int fd;
    short events;
    short revents;
};

struct zts_iovec {
    void *iov_base;
    size_t iov_len;
};

struct zts_msghdr {
    void *msg_name;
    zts_socklen_t msg_namelen;
    struct zts_iovec *msg_iov;
    int msg_iovlen;
    void *msg_control;
    zts_socklen_t msg_controllen;
    int msg_flags;
};

/* ---------------------------------------------------------------------------------------
 * DNS (§4.7, §4.8)
 * ------------------------------------------------------------------------------------- */

struct zts_hostent {
    char *h_name;
    char **h_aliases;
    int h_addrtype;
    int h_length;
    char **h_addr_list;
};
#define h_addr h_addr_list[0]

struct zts_ip4_addr {
    uint32_t addr;
};

/* Without lwIP's headers included first (LWIP_IPV6_SCOPES unset) there is no zone: the
 * library always uses that 16-byte layout (20 bytes for zts_ip_addr), §2. */
struct zts_ip6_addr {
    uint32_t addr[4];
#if LWIP_IPV6_SCOPES
    uint8_t zone;
#endif
};

typedef struct zts_ip_addr {
    union {
        struct zts_ip6_addr ip6;
        struct zts_ip4_addr ip4;
    } u_addr;
    uint8_t type; /* 0 IPv4, 6 IPv6, 46 any */
} zts_ip_addr;

/* ---------------------------------------------------------------------------------------
 * Decorations (§2): defined after the structures, before the first prototype.
 * ------------------------------------------------------------------------------------- */

#if defined(_WIN32)
#ifdef ADD_EXPORTS
#define ZTS_API __declspec(dllexport)
#else
#define ZTS_API __declspec(dllimport)
#endif
#define ZTCALL __cdecl
#else
#define ZTS_API
#define ZTCALL
#endif

/*
 * The reason for the last failed socket call (zts_errno_t values).  A plain process-wide int
 * that foreign-function users read by name; concurrent failures on several threads overwrite
 * each other, so threaded programs should prefer the host errno, which is set too.
 */
extern int zts_errno;

/* HEAD addition, defined once in the library (a definition in the header would not link
 * from two C translation units). */
extern const struct zts_in6_addr zts_in6addr_any;

/* =======================================================================================
 * 5.1 Identities (no node needed)
 * ===================================================================================== */

/*
 * zts_id_new generates a new identity (memory-hard: tens of ms to seconds) and writes its
 * secret text form "<10 hex>:0:<128 hex public>:<128 hex private>" (270 characters) and a NUL
 * into |key|.  *|key_buf_len| must be ZTS_ID_STR_BUF_LEN (384) on entry; on success it is the
 * number of characters written (270).
 * Returns ZTS_ERR_OK; ZTS_ERR_ARG (NULL pointer, wrong length); ZTS_ERR_GENERAL.
 */
ZTS_API int ZTCALL zts_id_new(char *key, unsigned int *key_buf_len);

/*
 * zts_id_pair_is_valid returns 1 if |key| holds a well-formed identity whose address matches
 * its public key (the memory-hard proof), else 0.  |len| must be 384 exactly (the buffer's
 * size); the string ends at the first NUL within it.  A public-only identity passes.
 */
ZTS_API int ZTCALL zts_id_pair_is_valid(const char *key, unsigned int len);

/* =======================================================================================
 * 5.2 Initialisation: each records a setting for the next zts_node_start.  While the node
 * runs, each returns ZTS_ERR_SERVICE and changes nothing.  Settings return to their defaults
 * when the node stops.  None blocks or does I/O.
 * ===================================================================================== */

/*
 * zts_init_from_storage selects persistent mode with home directory |path| (created at start,
 * missing components included): identity.secret, identity.public, roots, networks.d/,
 * peers.d/.  The default is memory-only mode, which touches no file.
 * Returns ZTS_ERR_OK; ZTS_ERR_ARG (NULL or empty, or longer than 4095 bytes);
 * ZTS_ERR_SERVICE.
 */
ZTS_API int ZTCALL zts_init_from_storage(const char *path);

/*
 * zts_init_from_memory supplies the node's identity as a secret key-pair string (from
 * zts_id_new or zts_node_get_id_pair), read up to the first NUL within |len| bytes.  It wins
 * over an identity file in the storage path.
 * Returns ZTS_ERR_OK; ZTS_ERR_ARG (NULL, len < 384, or not a locally valid identity with its
 * secret); ZTS_ERR_SERVICE.
 */
ZTS_API int ZTCALL zts_init_from_memory(const char *key, unsigned int len);

#ifdef ZTS_C_API_ONLY
/*
 * zts_init_set_event_handler registers |callback| and turns events on for the next run.  It
 * is called with a zts_event_msg_t* on the library's delivery thread, one event at a time, in
 * order; the message and its payload are freed when it returns (copy what you keep).
 * Without a handler no events are produced.
 * Returns ZTS_ERR_OK; ZTS_ERR_SERVICE (running); ZTS_ERR_ARG (NULL).
 */
ZTS_API int ZTCALL zts_init_set_event_handler(void (*callback)(void *));
#endif

/*
 * zts_init_blacklist_if keeps physical interfaces whose names start with |prefix| (a
 * NUL-terminated string; |len| is only checked to be 1..15) out of ZeroTier's use.
 * Returns ZTS_ERR_OK; ZTS_ERR_ARG; ZTS_ERR_SERVICE; ZTS_ERR_GENERAL (more than 16 prefixes).
 */
ZTS_API int ZTCALL zts_init_blacklist_if(const char *prefix, unsigned int len);

/*
 * zts_init_set_roots supplies a serialised planet (from zts_util_sign_root_set, a
 * STORE_PLANET event or a `roots` file) to use instead of the built-in one; |roots_data| is
 * copied.  It is not checked here: an unusable blob makes the node use the built-in planet.
 * Returns ZTS_ERR_OK; ZTS_ERR_ARG (NULL, len 0 or len > ZTS_STORE_DATA_LEN); ZTS_ERR_SERVICE.
 */
ZTS_API int ZTCALL zts_init_set_roots(const void *roots_data, unsigned int len);

/*
 * zts_init_set_port sets the primary UDP port; 0 (the default) picks a random free one.  A
 * fixed port that cannot be bound makes the start fail (ZTS_EVENT_NODE_FATAL_ERROR).
 * Returns ZTS_ERR_OK; ZTS_ERR_SERVICE.
 */
ZTS_API int ZTCALL zts_init_set_port(unsigned short port);

/*
 * zts_init_set_random_port_range sets the range random ports are drawn from (0 keeps the
 * default bound, 20000 or 45500).  Returns ZTS_ERR_OK; ZTS_ERR_ARG (both non-zero and
 * start_port > end_port); ZTS_ERR_SERVICE.
 */
ZTS_API int ZTCALL zts_init_set_random_port_range(unsigned short start_port,
                                                  unsigned short end_port);

/*
 * zts_init_allow_secondary_port (default 1): bind a second, random UDP port.
 * zts_init_allow_port_mapping (default 1): map a third port on the gateway (this library
 * records the setting but maps no port).
 * Return ZTS_ERR_OK; ZTS_ERR_SERVICE.
 */
ZTS_API int ZTCALL zts_init_allow_secondary_port(unsigned int allowed);
ZTS_API int ZTCALL zts_init_allow_port_mapping(unsigned int allowed);

/*
 * Storage mode only, default 1 each: whether network configs, peer records, the planet
 * (`roots`) and the identity are WRITTEN to the home directory (existing files are read
 * regardless).  With net_cache 0 the networks of networks.d are not joined again at start.
 * Return ZTS_ERR_OK; ZTS_ERR_SERVICE.
 */
ZTS_API int ZTCALL zts_init_allow_net_cache(unsigned int allowed);
ZTS_API int ZTCALL zts_init_allow_peer_cache(unsigned int allowed);
ZTS_API int ZTCALL zts_init_allow_roots_cache(unsigned int allowed);
ZTS_API int ZTCALL zts_init_allow_id_cache(unsigned int allowed);

/*
 * HEAD additions.  The TCP fallback relay: |tcp_relay_addr| (an IP address) and port, used
 * when UDP to the Internet is blocked (allowed by default, but only once an address is set
 * here; force: the relay only); low bandwidth mode asks for network configs less often.
 * Return ZTS_ERR_OK; ZTS_ERR_ARG (set_tcp_relay: NULL or unparsable address, port 0);
 * ZTS_ERR_SERVICE.
 */
ZTS_API int ZTCALL zts_init_set_tcp_relay(const char *tcp_relay_addr,
                                          unsigned short tcp_relay_port);
ZTS_API int ZTCALL zts_init_allow_tcp_relay(int enabled);
ZTS_API int ZTCALL zts_init_force_tcp_relay(int enabled);
ZTS_API int ZTCALL zts_init_set_low_bandwidth_mode(int enabled);

/* =======================================================================================
 * 5.3 Node
 * ===================================================================================== */

/*
 * zts_node_start starts the node with the recorded settings and returns at once; the node is
 * RUNNING from this moment.  A service thread then loads or makes the identity, binds the
 * ports and runs the node; events report progress (NODE_UP, NODE_ONLINE, ...).  A failure
 * found there ends the run with ZTS_EVENT_NODE_FATAL_ERROR then ZTS_EVENT_NODE_DOWN, and the
 * state falls back to not running.
 * Returns ZTS_ERR_OK; ZTS_ERR_SERVICE (running, freed, or called from the event handler);
 * ZTS_ERR_GENERAL.
 */
ZTS_API int ZTCALL zts_node_start(void);

/* zts_node_is_online returns 1 if the node runs and has heard from a root recently, else 0. */
ZTS_API int ZTCALL zts_node_is_online(void);

/* zts_node_get_id returns the node's 40-bit address; 0 while the node is being built;
 * (uint64_t)ZTS_ERR_SERVICE when not running. */
ZTS_API uint64_t ZTCALL zts_node_get_id(void);

/*
 * zts_node_get_id_pair copies the node's secret identity string and a NUL into |key|;
 * *|key_dst_len| (at least 384 on entry) becomes its length (270).
 * Returns ZTS_ERR_OK; ZTS_ERR_SERVICE; ZTS_ERR_ARG; ZTS_ERR_GENERAL (node not built yet).
 */
ZTS_API int ZTCALL zts_node_get_id_pair(char *key, unsigned int *key_dst_len);

/* zts_node_get_port returns the primary UDP port (0 until bound); ZTS_ERR_SERVICE. */
ZTS_API int ZTCALL zts_node_get_port(void);

/*
 * zts_node_stop stops the node and returns once it is down: socket calls return
 * ZTS_ERR_SERVICE from the start of the call, queued events are delivered, ZTS_EVENT_NODE_DOWN
 * is the last event of the run, and every setting is back to its default (register the
 * handler again for the next run).  The stack and its sockets stay.
 * Returns ZTS_ERR_OK; ZTS_ERR_SERVICE (not running, or from the event handler).
 */
ZTS_API int ZTCALL zts_node_stop(void);

/*
 * zts_node_free stops the node as zts_node_stop does, closes every socket and ends the use of
 * the library: every later call returns ZTS_ERR_SERVICE.
 * Returns ZTS_ERR_OK; ZTS_ERR_SERVICE (not running, or from the event handler).
 */
ZTS_API int ZTCALL zts_node_free(void);

/*
 * zts_moon_orbit adds the moon |moon_roots_id| (fetched from |moon_seed|'s node);
 * zts_moon_deorbit removes it.  Moons are not kept across runs.
 * Return ZTS_ERR_OK; ZTS_ERR_SERVICE; ZTS_ERR_ARG (zero ID); ZTS_ERR_GENERAL.
 */
ZTS_API int ZTCALL zts_moon_orbit(uint64_t moon_roots_id, uint64_t moon_seed);
ZTS_API int ZTCALL zts_moon_deorbit(uint64_t moon_roots_id);

/* =======================================================================================
 * 5.4 Networks.  Unless stated, each returns ZTS_ERR_SERVICE when not running,
 * ZTS_ERR_ARG for net_id 0 and ZTS_ERR_NO_RESULT for a network not joined.
 * ===================================================================================== */

/*
 * zts_net_join / zts_net_leave: asynchronous; progress comes as events and through
 * zts_net_get_status.  The node need not be online.  Joining a joined network is a no-op;
 * leaving destroys the network's interface (ZTS_EVENT_NETWORK_DOWN) and deletes its cached
 * config.  Return ZTS_ERR_OK; ZTS_ERR_SERVICE; ZTS_ERR_ARG; ZTS_ERR_GENERAL.
 */
ZTS_API int ZTCALL zts_net_join(uint64_t net_id);
ZTS_API int ZTCALL zts_net_leave(uint64_t net_id);

/* 1 if the network is joined and has an address assigned, else 0; ZTS_ERR_SERVICE. */
ZTS_API int ZTCALL zts_net_transport_is_ready(const uint64_t net_id);

/* The node's MAC on the network (48 bits), or an error converted to uint64_t. */
ZTS_API uint64_t ZTCALL zts_net_get_mac(uint64_t net_id);

/* The MAC as "%x:%x:%x:%x:%x:%x" (no zero padding) into |dst|; ZTS_ERR_ARG if dst is NULL
 * or len < ZTS_MAC_ADDRSTRLEN. */
ZTS_API int ZTCALL zts_net_get_mac_str(uint64_t net_id, char *dst, unsigned int len);

/* 1 if broadcast is enabled on the network, else 0. */
ZTS_API int ZTCALL zts_net_get_broadcast(uint64_t net_id);

/* The network's MTU. */
ZTS_API int ZTCALL zts_net_get_mtu(uint64_t net_id);

/* The network's name, NUL-terminated, into |dst|: |len| must be
 * ZTS_MAX_NETWORK_SHORT_NAME_LENGTH (127) exactly, else ZTS_ERR_ARG; ZTS_ERR_SERVICE also
 * when the node is not online. */
ZTS_API int ZTCALL zts_net_get_name(uint64_t net_id, char *dst, unsigned int len);

/* A zts_network_status_t value. */
ZTS_API int ZTCALL zts_net_get_status(uint64_t net_id);

/* A zts_net_info_type_t value (private before the first config). */
ZTS_API int ZTCALL zts_net_get_type(uint64_t net_id);

/* 1 if one of the network's managed routes has a target of |family| (ZTS_AF_INET or
 * ZTS_AF_INET6), else 0. */
ZTS_API int ZTCALL zts_route_is_assigned(uint64_t net_id, unsigned int family);

/* Pure: the ad-hoc network ID for the port range,
 * 0xff00000000000000 | start_port << 40 | end_port << 24. */
ZTS_API uint64_t ZTCALL zts_net_compute_adhoc_id(uint16_t start_port, uint16_t end_port);

/* =======================================================================================
 * 5.5 Addresses
 * ===================================================================================== */

/* 1 if the network has an address of |family|, else 0 (also when not running, for net_id 0
 * or an unknown family). */
ZTS_API int ZTCALL zts_addr_is_assigned(uint64_t net_id, unsigned int family);

/*
 * zts_addr_get copies the first address of |family| into |addr| (a zts_sockaddr_in or
 * zts_sockaddr_in6 with its length byte; the port field holds the prefix length).
 * Returns ZTS_ERR_OK; ZTS_ERR_SERVICE; ZTS_ERR_ARG (net_id 0, family, NULL);
 * ZTS_ERR_NO_RESULT (unknown network or no such address).
 */
ZTS_API int ZTCALL zts_addr_get(uint64_t net_id, unsigned int family,
                                struct zts_sockaddr_storage *addr);

/* The same as text (zts_inet_ntop: IPv6 in uppercase) into |dst| of |len| >=
 * ZTS_INET6_ADDRSTRLEN bytes. */
ZTS_API int ZTCALL zts_addr_get_str(uint64_t net_id, unsigned int family, char *dst,
                                    unsigned int len);

/*
 * zts_addr_get_all clears the 16 entries of |addr|, copies the network's addresses into the
 * first ones and sets *|count| (which must be ZTS_MAX_ASSIGNED_ADDRESSES on entry).
 * Returns ZTS_ERR_OK; ZTS_ERR_SERVICE; ZTS_ERR_ARG; ZTS_ERR_NO_RESULT (unknown network, or no
 * address).
 */
ZTS_API int ZTCALL zts_addr_get_all(uint64_t net_id, struct zts_sockaddr_storage *addr,
                                    unsigned int *count);

/* Pure: the 6PLANE / RFC 4193 IPv6 address of |node_id| on |net_id| into |addr| as a
 * zts_sockaddr_in6 (port, flow and scope 0).  ZTS_ERR_ARG for NULL or a zero ID. */
ZTS_API int ZTCALL zts_addr_compute_6plane(const uint64_t net_id, const uint64_t node_id,
                                           struct zts_sockaddr_storage *addr);
ZTS_API int ZTCALL zts_addr_compute_rfc4193(const uint64_t net_id, const uint64_t node_id,
                                            struct zts_sockaddr_storage *addr);

/* Pure: the same as text; |len| must be ZTS_IP_MAX_STR_LEN (46) exactly, else ZTS_ERR_ARG. */
ZTS_API int ZTCALL zts_addr_compute_rfc4193_str(uint64_t net_id, uint64_t node_id, char *dst,
                                                unsigned int len);
ZTS_API int ZTCALL zts_addr_compute_6plane_str(uint64_t net_id, uint64_t node_id, char *dst,
                                               unsigned int len);

/* =======================================================================================
 * 5.6 Statistics
 * ===================================================================================== */

/* Fills |dst| with the stack's counters.  ZTS_ERR_OK; ZTS_ERR_ARG (NULL); ZTS_ERR_SERVICE
 * (not running). */
ZTS_API int ZTCALL zts_stats_get_all(zts_stats_counter_t *dst);

/* =======================================================================================
 * 5.7 BSD-style sockets.  Descriptors are the library's own (0 upward, lowest free first),
 * not the host's.  See the conventions at the top of this file.
 * ===================================================================================== */

ZTS_API int ZTCALL zts_bsd_socket(int family, int type, int protocol);
ZTS_API int ZTCALL zts_bsd_connect(int fd, const struct zts_sockaddr *addr,
                                   zts_socklen_t addrlen);
ZTS_API int ZTCALL zts_bsd_bind(int fd, const struct zts_sockaddr *addr, zts_socklen_t addrlen);
ZTS_API int ZTCALL zts_bsd_listen(int fd, int backlog);
ZTS_API int ZTCALL zts_bsd_accept(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen);
ZTS_API int ZTCALL zts_bsd_setsockopt(int fd, int level, int optname, const void *optval,
                                      zts_socklen_t optlen);
ZTS_API int ZTCALL zts_bsd_getsockopt(int fd, int level, int optname, void *optval,
                                      zts_socklen_t *optlen);
ZTS_API int ZTCALL zts_bsd_getsockname(int fd, struct zts_sockaddr *addr,
                                       zts_socklen_t *addrlen);
ZTS_API int ZTCALL zts_bsd_getpeername(int fd, struct zts_sockaddr *addr,
                                       zts_socklen_t *addrlen);
ZTS_API int ZTCALL zts_bsd_close(int fd);
ZTS_API int ZTCALL zts_bsd_select(int nfds, zts_fd_set *readfds, zts_fd_set *writefds,
                                  zts_fd_set *exceptfds, struct zts_timeval *timeout);
ZTS_API int ZTCALL zts_bsd_fcntl(int fd, int cmd, int flags);
ZTS_API int ZTCALL zts_bsd_poll(struct zts_pollfd *fds, zts_nfds_t nfds, int timeout);
ZTS_API int ZTCALL zts_bsd_ioctl(int fd, unsigned long request, void *argp);
ZTS_API ssize_t ZTCALL zts_bsd_send(int fd, const void *buf, size_t len, int flags);
ZTS_API ssize_t ZTCALL zts_bsd_sendto(int fd, const void *buf, size_t len, int flags,
                                      const struct zts_sockaddr *addr, zts_socklen_t addrlen);
ZTS_API ssize_t ZTCALL zts_bsd_sendmsg(int fd, const struct zts_msghdr *msg, int flags);
ZTS_API ssize_t ZTCALL zts_bsd_recv(int fd, void *buf, size_t len, int flags);
ZTS_API ssize_t ZTCALL zts_bsd_recvfrom(int fd, void *buf, size_t len, int flags,
                                        struct zts_sockaddr *addr, zts_socklen_t *addrlen);
ZTS_API ssize_t ZTCALL zts_bsd_recvmsg(int fd, struct zts_msghdr *msg, int flags);
ZTS_API ssize_t ZTCALL zts_bsd_read(int fd, void *buf, size_t len);
ZTS_API ssize_t ZTCALL zts_bsd_readv(int fd, const struct zts_iovec *iov, int iovcnt);
ZTS_API ssize_t ZTCALL zts_bsd_write(int fd, const void *buf, size_t len);
ZTS_API ssize_t ZTCALL zts_bsd_writev(int fd, const struct zts_iovec *iov, int iovcnt);
ZTS_API int ZTCALL zts_bsd_shutdown(int fd, int how);

/* =======================================================================================
 * 5.8 Simplified sockets and option helpers.  Addresses as text; ports in host order.
 * ===================================================================================== */

ZTS_API int ZTCALL zts_socket(int family, int type, int protocol);
/* |timeout_ms| 0 means 30000; a blocking socket is retried until then. */
ZTS_API int ZTCALL zts_connect(int fd, const char *ipstr, unsigned short port, int timeout_ms);
ZTS_API int ZTCALL zts_bind(int fd, const char *ipstr, unsigned short port);
ZTS_API int ZTCALL zts_listen(int fd, int backlog);
/* |len| must be ZTS_INET6_ADDRSTRLEN (46). */
ZTS_API int ZTCALL zts_accept(int fd, char *remote_addr, int len, unsigned short *port);
ZTS_API ssize_t ZTCALL zts_send(int fd, const void *buf, size_t len, int flags);
ZTS_API ssize_t ZTCALL zts_recv(int fd, void *buf, size_t len, int flags);
ZTS_API ssize_t ZTCALL zts_read(int fd, void *buf, size_t len);
ZTS_API ssize_t ZTCALL zts_write(int fd, const void *buf, size_t len);
ZTS_API int ZTCALL zts_shutdown_rd(int fd);
ZTS_API int ZTCALL zts_shutdown_wr(int fd);
ZTS_API int ZTCALL zts_shutdown_rdwr(int fd);
ZTS_API int ZTCALL zts_close(int fd);
ZTS_API int ZTCALL zts_getpeername(int fd, char *remote_addr_str, int len,
                                   unsigned short *port);
ZTS_API int ZTCALL zts_getsockname(int fd, char *local_addr_str, int len, unsigned short *port);
/* Returns the connected descriptor. */
ZTS_API int ZTCALL zts_tcp_client(const char *remote_ipstr, unsigned short remote_port);
/* Blocks until one connection arrives; returns its descriptor (the listener is closed). */
ZTS_API int ZTCALL zts_tcp_server(const char *local_ipstr, unsigned short local_port,
                                  char *remote_ipstr, int len, unsigned short *remote_port);
ZTS_API int ZTCALL zts_udp_server(const char *local_ipstr, unsigned short local_port);
ZTS_API int ZTCALL zts_udp_client(const char *remote_ipstr);
ZTS_API int ZTCALL zts_set_no_delay(int fd, int enabled);
ZTS_API int ZTCALL zts_get_no_delay(int fd);
ZTS_API int ZTCALL zts_set_linger(int fd, int enabled, int value);
ZTS_API int ZTCALL zts_get_linger_enabled(int fd);
ZTS_API int ZTCALL zts_get_linger_value(int fd);
ZTS_API int ZTCALL zts_set_reuse_addr(int fd, int enabled);
ZTS_API int ZTCALL zts_get_reuse_addr(int fd);
ZTS_API int ZTCALL zts_set_recv_timeout(int fd, int seconds, int microseconds);
ZTS_API int ZTCALL zts_get_recv_timeout(int fd);
ZTS_API int ZTCALL zts_set_send_timeout(int fd, int seconds, int microseconds);
ZTS_API int ZTCALL zts_get_send_timeout(int fd);
ZTS_API int ZTCALL zts_set_send_buf_size(int fd, int size);
ZTS_API int ZTCALL zts_get_send_buf_size(int fd);
ZTS_API int ZTCALL zts_set_recv_buf_size(int fd, int size);
ZTS_API int ZTCALL zts_get_recv_buf_size(int fd);
ZTS_API int ZTCALL zts_set_ttl(int fd, int ttl);
ZTS_API int ZTCALL zts_get_ttl(int fd);
ZTS_API int ZTCALL zts_set_blocking(int fd, int enabled);
ZTS_API int ZTCALL zts_get_blocking(int fd);
ZTS_API int ZTCALL zts_set_keepalive(int fd, int enabled);
ZTS_API int ZTCALL zts_get_keepalive(int fd);
/* No service check of its own: the socket's pending error (cleared), or an error. */
ZTS_API int ZTCALL zts_get_last_socket_error(int fd);
/* Bytes ready to read, or an error converted to size_t. */
ZTS_API size_t ZTCALL zts_get_data_available(int fd);
ZTS_API int ZTCALL zts_get_pending_data_size(int fd);

/* =======================================================================================
 * 5.9 DNS: the stack's resolver, 2 servers (none set by default).
 * ===================================================================================== */

/* Blocking lookup; a pointer to a static result (not thread-safe), or NULL. */
struct zts_hostent *zts_bsd_gethostbyname(const char *name);
/* ZTS_ERR_OK; ZTS_ERR_SERVICE; ZTS_ERR_ARG (index >= 2, NULL). */
ZTS_API int ZTCALL zts_dns_set_server(uint8_t index, const zts_ip_addr *addr);
/* The server (an "any" address if unset), or NULL (not running, index >= 2). */
ZTS_API const zts_ip_addr *ZTCALL zts_dns_get_server(uint8_t index);

/* =======================================================================================
 * 5.10 Core queries, for language wrappers.  Between zts_core_lock_obtain and
 * zts_core_lock_release (from the same thread) only zts_core_query_* should be called; the
 * lock is recursive, so other calls do not deadlock, but the node waits meanwhile.  Each
 * returns ZTS_ERR_SERVICE when not running.
 * ===================================================================================== */

ZTS_API int ZTCALL zts_core_lock_obtain(void);
ZTS_API int ZTCALL zts_core_lock_release(void);
/* Number of the network's addresses; ZTS_ERR_NO_RESULT for an unknown network. */
ZTS_API int ZTCALL zts_core_query_addr_count(uint64_t net_id);
/* Address |idx| as host-style text (IPv6 lowercase) into |addr| (46 bytes); ZTS_ERR_ARG for
 * a bad index or buffer; ZTS_ERR_NO_RESULT for an unknown network. */
ZTS_API int ZTCALL zts_core_query_addr(uint64_t net_id, unsigned int idx, char *addr,
                                       unsigned int len);
ZTS_API int ZTCALL zts_core_query_route_count(uint64_t net_id);
/* Route |idx|: target and gateway text ("0.0.0.0" without one) into |target|/|via| (|len|
 * bytes each, zero-filled first), flags, metric. */
ZTS_API int ZTCALL zts_core_query_route(uint64_t net_id, unsigned int idx, char *target,
                                        char *via, unsigned int len, uint16_t *flags,
                                        uint16_t *metric);
/*
 * zts_core_query_peer_info (DevilutionX's fork): fills |peerInfo| for the peer that owns the
 * Ethernet address |mac| on |net_id|.  Returns ZTS_ERR_OK; ZTS_ERR_SERVICE; ZTS_ERR_ARG
 * (NULL); ZTS_ERR_NO_RESULT (no such peer).
 */
ZTS_API int ZTCALL zts_core_query_peer_info(uint64_t net_id, uint64_t mac,
                                            zts_peer_info_t *peerInfo);
/* Number of the peer's paths; ZTS_ERR_NO_RESULT for an unknown peer. */
ZTS_API int ZTCALL zts_core_query_path_count(uint64_t peer_id);
/* Path |idx|'s address as text into |dst|. */
ZTS_API int ZTCALL zts_core_query_path(uint64_t peer_id, unsigned int idx, char *dst,
                                       unsigned int len);
ZTS_API int ZTCALL zts_core_query_mc_count(uint64_t net_id);
ZTS_API int ZTCALL zts_core_query_mc(uint64_t net_id, unsigned int idx, uint64_t *mac,
                                     uint32_t *adi);

/* =======================================================================================
 * 5.11 Utilities and address conversion (no node needed)
 * ===================================================================================== */

/* Sleeps the calling thread. */
ZTS_API void ZTCALL zts_util_delay(unsigned long milliseconds);

/* ZTS_AF_INET6 or ZTS_AF_INET for a parsable address (IPv4 as inet_aton reads it), else -1;
 * ZTS_ERR_ARG for NULL. */
ZTS_API int ZTCALL zts_util_get_ip_family(const char *ipstr);

/* Fills |dstaddr| (zeroed first) as a zts_sockaddr_in or zts_sockaddr_in6 and *|addrlen|
 * with 16 or 28.  ZTS_ERR_OK; ZTS_ERR_ARG. */
int zts_util_ipstr_to_saddr(const char *src_ipstr, unsigned short port,
                            struct zts_sockaddr *dstaddr, zts_socklen_t *addrlen);

/* Formats an IPv4/IPv6 socket address into |dst_str| (|len| must be 46) and its port (host
 * order).  ZTS_ERR_OK; ZTS_ERR_ARG. */
ZTS_API int ZTCALL zts_util_ntop(struct zts_sockaddr *addr, zts_socklen_t addrlen, char *dst_str,
                                 int len, unsigned short *port);

/*
 * zts_util_sign_root_set builds and signs a planet (ID |id|, timestamp |ts|) with the roots
 * of |roots_spec| (public identities, "ip/port" endpoints; at most 4 roots), writes it to
 * |roots_out| (the caller's buffer must hold it: 4096 bytes suffice for a few roots) and
 * *|roots_len|, and the signing key pairs (64-byte public then 64-byte private, 128 bytes) to
 * |prev_key| and |curr_key| with their lengths.  The keys are read from previous.c25519 and
 * current.c25519 in the current directory; if either is missing one fresh pair is used for
 * both (nothing is written).
 * Returns ZTS_ERR_OK; ZTS_ERR_ARG (NULL, a bad key file, identity or endpoint);
 * ZTS_ERR_GENERAL (the result does not verify).
 */
ZTS_API int ZTCALL zts_util_sign_root_set(char *roots_out, unsigned int *roots_len,
                                          char *prev_key, unsigned int *prev_key_len,
                                          char *curr_key, unsigned int *curr_key_len,
                                          uint64_t id, uint64_t ts, zts_root_set_t *roots_spec);

/* lwIP-style text: IPv4 dotted quad, IPv6 uppercase with "::" compression and ::FFFF:a.b.c.d
 * for mapped addresses.  |dst|, or NULL (errno EAFNOSUPPORT or ENOSPC). */
ZTS_API const char *ZTCALL zts_inet_ntop(int family, const void *src, char *dst,
                                         zts_socklen_t size);
/* 1 (4 or 16 bytes written), 0 (not parsable), -1 (family; errno EAFNOSUPPORT). */
ZTS_API int ZTCALL zts_inet_pton(int family, const char *src, void *dst);
/* Text of a zts_ip_addr, in a static buffer (not thread-safe); NULL for NULL. */
char *zts_ipaddr_ntoa(const zts_ip_addr *addr);
/* 1 and |addr| filled, or 0. */
int zts_ipaddr_aton(const char *cp, zts_ip_addr *addr);

/* The Central API of the reference is never visible (§5.15). */
#define ZTS_DISABLE_CENTRAL_API 1

#ifdef __cplusplus
}
#endif

#endif /* ZTS_SOCKETS_H */
