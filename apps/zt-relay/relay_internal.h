/*
 * relay_internal.h: what relay.c (the loop, the listener, client lifetimes, the sweep) and
 * relay_client.c (one client's I/O: messages in, datagrams out and back) share.
 */
#ifndef ZT_RELAY_INTERNAL_H
#define ZT_RELAY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay.h"

#define ZT_RELAY_READ_CHUNK 65536 /* bytes read from one client per wake-up */
#define ZT_RELAY_RECV_BATCH 16    /* datagrams read for one client per wake-up (recvmmsg) */
#define ZT_RELAY_SEND_BATCH 64    /* datagrams sent for one client per sendmmsg */
#define ZT_RELAY_OUT_MIN 4096     /* first size of a client's output queue */
#define ZT_RELAY_SWEEP_MS 1000    /* idle checks and buffer release */
/* Room before each received datagram for the head and the largest address prefix. */
#define ZT_RELAY_HEAD_ROOM 24
#define ZT_RELAY_RECV_SLOT (ZT_RELAY_HEAD_ROOM + ZT_RELAY_BODY_MAX)

/* epoll tags: data.u64 = slot << 2 | kind. */
enum { ZT_RELAY_TAG_TCP = 0, ZT_RELAY_TAG_UDP = 1, ZT_RELAY_TAG_LISTEN = 2, ZT_RELAY_TAG_STOP = 3 };

typedef enum {
    ZT_RELAY_CLOSE_EOF,
    ZT_RELAY_CLOSE_IDLE,
    ZT_RELAY_CLOSE_GARBAGE,
    ZT_RELAY_CLOSE_ERROR,
    ZT_RELAY_CLOSE_STOP,
} zt_relay_close_reason;

/* One TCP client.  Kept small: buffers are allocated on use and freed by the sweep once
 * empty and unused for a sweep period. */
typedef struct zt_relay_client {
    int tcp_fd;
    int udp_fd; /* -1 until the client's first datagram */
    uint32_t slot;
    uint32_t in_len; /* bytes of a partial message in |in| */
    uint32_t out_off, out_len, out_cap;
    bool is_closed, has_epollout, used_in, used_out;
    uint8_t *in;  /* ZT_RELAY_MSG_MAX bytes, or NULL */
    uint8_t *out; /* out_cap bytes (framed datagrams waiting for the socket), or NULL */
    int64_t opened_at, last_active, refilled_at;
    uint64_t tokens;
    uint64_t msgs_in, dgrams_back, drops;
    zt_relay_addr peer;
    struct zt_relay_client *next_dead;
} zt_relay_client;

struct zt_relay {
    zt_relay_config cfg;
    int epfd, listen_fd, reserve_fd;
    int udp_family; /* AF_INET or AF_INET6: the clients' UDP sockets */
    bool udp_dual;  /* AF_INET6 wildcard taking IPv4 too */
    struct sockaddr_storage udp_bind;
    socklen_t udp_bind_len;
    uint16_t port;
    zt_relay_client **slots; /* max_clients + a batch of events: alloc_tables() */
    uint32_t *free_slots, nfree, slots_hw;
    zt_relay_client *dead; /* closed during this batch of events, freed after it */
    uint8_t *scratch;      /* a client's partial message + one read */
    uint8_t *rbuf;         /* ZT_RELAY_RECV_BATCH slots of ZT_RELAY_RECV_SLOT */
    struct mmsghdr *mm;    /* ZT_RELAY_SEND_BATCH (>= RECV_BATCH) */
    struct iovec *iov;
    struct sockaddr_storage *names;
    unsigned nbatch; /* datagrams waiting in mm for sendmmsg */
    uint64_t burst;  /* token bucket size */
    size_t out_total; /* bytes of output buffers allocated, all clients */
    int64_t now, next_sweep, refused_logged_at, accept_err_logged_at;
    uint64_t refused_unlogged;
    zt_relay_counters ctr;
};

void zt__relay_log(zt_relay *r, zt_relay_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Closes |c| now (sockets, buffers) and frees it after the current batch of events; |detail|
 * completes the log line (may be NULL).  No-op on a closed client. */
void zt__relay_close(zt_relay *r, zt_relay_client *c, zt_relay_close_reason why,
                     const char *detail);

/* Sets the epoll events of |c|'s TCP socket: EPOLLIN, plus EPOLLOUT if |want_out|. */
void zt__relay_want_out(zt_relay *r, zt_relay_client *c, bool want_out);

/* relay_client.c: a client's TCP socket is readable or writable, its UDP socket readable.
 * Each may close the client. */
void zt__relay_client_on_tcp_in(zt_relay *r, zt_relay_client *c);
void zt__relay_client_on_tcp_out(zt_relay *r, zt_relay_client *c);
void zt__relay_client_on_udp(zt_relay *r, zt_relay_client *c);

/* Socket addresses <-> framing addresses.  _to returns the length, or 0 when |a| cannot be
 * reached from a socket of |family| (IPv6 from an IPv4 socket); _from unmaps IPv4-mapped
 * IPv6. */
socklen_t zt__relay_sockaddr_to(struct sockaddr_storage *ss, int family, const zt_relay_addr *a);
void zt__relay_sockaddr_from(zt_relay_addr *a, const struct sockaddr_storage *ss);

#endif
