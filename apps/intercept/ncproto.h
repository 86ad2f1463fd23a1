/*
 * ncproto.h: the protocol between libztintercept.so and zt-service's per-network sockets
 * (docs/intercept.md).  Shared by both sides; nothing here but sizes, codes and little-endian
 * helpers.
 *
 * A program under the library holds, for each virtual socket, one end of a socketpair; the
 * service holds the other end and bridges it to a socket of its userspace stack.  Control
 * travels apart from the data, on a control connection (AF_UNIX, SOCK_STREAM) to
 * <home>/nc_<nwid>: fixed little-endian messages with explicit sizes, never raw structs.
 *
 *   request  = u32 size (whole message), u32 id, u16 op, u16 flags (0), u32 sock, body
 *   reply    = u32 size (whole message), u32 id (the request's), i32 result, i32 err, body
 *
 * |sock| names the virtual socket by the ID the service gave it at SOCKET (0: none).  |err|
 * is a Linux errno value when |result| < 0, else 0.  Messages are at most ZT_NC_MAX_MSG
 * bytes; a peer that sends a bad size is disconnected.
 *
 * Addresses travel as a 24-byte record: u8 family (4, 6; 0: none), u8 0, u16 port, u32 IPv6
 * scope ID, u8 ip[16] (IPv4 in the first 4 bytes, network order).
 */
#ifndef ZT_APPS_NCPROTO_H
#define ZT_APPS_NCPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ZT_NC_VERSION 1
#define ZT_NC_MAX_MSG 512
#define ZT_NC_HDR 16
#define ZT_NC_ADDR 24
#define ZT_NC_MAX_OPT 256

enum {
    /* body: u32 version.  result: the service's version (the library refuses another). */
    ZT_NC_OP_HELLO = 1,
    /* body: u8 family (4/6), u8 type (ZT_NC_STREAM/ZT_NC_DGRAM), u16 protocol (0, 6, 17),
     * u64 the inode of the program's end (fstat st_ino, for LOOKUP); one fd in SCM_RIGHTS:
     * the service's end of the pair (SOCK_STREAM for stream sockets, SOCK_SEQPACKET for
     * datagram sockets: boundaries kept, and a close is seen as a hangup, which SOCK_DGRAM
     * pairs do not report).  result: the new socket's ID (> 0). */
    ZT_NC_OP_SOCKET = 2,
    ZT_NC_OP_BIND = 3,      /* body: addr.  result 0 */
    ZT_NC_OP_LISTEN = 4,    /* body: i32 backlog.  result 0 */
    /* body: addr, u8 wait.  wait 1: the reply comes when the connection is established
     * (result 0) or has failed (-1, err).  wait 0: at once, -1 EINPROGRESS for a stream
     * socket.  A datagram socket is connected at once and from then on its datagrams carry no
     * address record. */
    ZT_NC_OP_CONNECT = 5,
    /* SO_ERROR.  body: u8 wait (1: while a connect is in progress, reply when it ends).
     * result: the pending error (0: none), cleared by the call. */
    ZT_NC_OP_STATUS = 6,
    /* body: u8 which (0 local, 1 peer).  reply body: addr (result 0), or -1 ENOTCONN. */
    ZT_NC_OP_GETNAME = 7,
    /* body: i32 level, i32 name (Linux values), u32 len, value (len <= ZT_NC_MAX_OPT).
     * result 0, or -1 ENOPROTOOPT for an option the service does not know. */
    ZT_NC_OP_SETOPT = 8,
    /* body: i32 level, i32 name, u32 capacity.  result: the value's length; reply body: it. */
    ZT_NC_OP_GETOPT = 9,
    /* Which virtual socket is the program's fd with this inode (a descriptor the library does
     * not know: inherited across exec, duplicated behind its back)?  body: u64 inode.
     * result: the socket's ID, or -1 ENOTSOCK; reply body: u8 family, u8 type, u8 state
     * (ZT_NC_STATE_*). */
    ZT_NC_OP_LOOKUP = 10,
};

#define ZT_NC_STATE_LISTENING 1
#define ZT_NC_STATE_CONNECTED 2  /* a connected datagram socket: bare datagrams */
#define ZT_NC_STATE_CONNECTING 4

#define ZT_NC_STREAM 1
#define ZT_NC_DGRAM 2

/* What the service sends on a listening socket's pair for each connection it accepted:
 * u32 ZT_NC_ACCEPT_MAGIC, u32 the new socket's ID, addr (the peer), with the program's end of
 * a new SOCK_STREAM pair in SCM_RIGHTS.  Nothing else ever travels on a listening pair. */
#define ZT_NC_ACCEPT_MAGIC 0x434e545au /* "ZTNC" in memory */
#define ZT_NC_ACCEPT_LEN (8 + ZT_NC_ADDR)

/* Datagram sockets: each datagram on the pair is one datagram of the virtual network,
 * preceded by an addr record (the destination going out, the source coming in) until the
 * socket is connected; after CONNECT the datagrams are bare. */

static inline void zt_nc_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void zt_nc_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t zt_nc_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t zt_nc_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void zt_nc_put64(uint8_t *p, uint64_t v)
{
    zt_nc_put32(p, (uint32_t)v);
    zt_nc_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t zt_nc_get64(const uint8_t *p)
{
    return zt_nc_get32(p) | (uint64_t)zt_nc_get32(p + 4) << 32;
}

/* An address record, decoded. */
typedef struct zt_nc_addr {
    uint8_t family; /* 4, 6, or 0 */
    uint16_t port;
    uint32_t scope;
    uint8_t ip[16];
} zt_nc_addr;

static inline void zt_nc_put_addr(uint8_t *p, const zt_nc_addr *a)
{
    memset(p, 0, ZT_NC_ADDR);
    p[0] = a->family;
    zt_nc_put16(p + 2, a->port);
    zt_nc_put32(p + 4, a->scope);
    memcpy(p + 8, a->ip, 16);
}

/* Returns 0, or -1 for a family other than 0, 4 or 6. */
static inline int zt_nc_get_addr(const uint8_t *p, zt_nc_addr *a)
{
    a->family = p[0];
    a->port = zt_nc_get16(p + 2);
    a->scope = zt_nc_get32(p + 4);
    memcpy(a->ip, p + 8, 16);
    return a->family == 0 || a->family == 4 || a->family == 6 ? 0 : -1;
}

#endif
