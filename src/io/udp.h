/*
 * udp.h: UDP sockets with batched receive (recvmmsg) and send (sendmmsg), and a per-datagram
 * TTL for NAT hole punching (vl1.md §4.4, §5.11).  Addresses are plain sockaddrs: this module
 * knows nothing of the protocol; src/sdk converts to and from zt_inetaddr.
 *
 * A batch object (zt_io_udp_rx, zt_io_udp_tx) is storage the caller owns (_init/_clear) and
 * uses from one thread.
 */
#ifndef ZT_IO_UDP_H
#define ZT_IO_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/errors.h"

/* Largest datagram we receive; longer ones are flagged truncated and must be skipped. */
#define ZT_IO_UDP_MAX_DATAGRAM 10240
/* Socket buffer size we ask for (vl1.md §5.11: 1 MiB where possible). */
#define ZT_IO_UDP_BUFFER (1 << 20)

/* Opens a nonblocking, close-on-exec UDP socket of |family| (AF_INET or AF_INET6; IPv6
 * sockets are IPV6_V6ONLY) bound to |ip| (4 or 16 bytes in network order; NULL: the wildcard
 * 0.0.0.0 or ::) and |port| (0: the kernel picks), with send and receive buffers of |bufsize|
 * bytes where the system allows.  *pfd and *pport (the bound port) are set on success.
 * Returns 0, ZT_ERR_EXISTS (port in use), ZT_ERR_UNSUPPORTED (family or address not available
 * here) or ZT_ERR_IO (errno kept). */
int zt__io_udp_open(int family, const uint8_t *ip, uint16_t port, int bufsize, int *pfd,
                   uint16_t *pport);

/* Sends one datagram now.  |ttl| 0 keeps the socket's default; otherwise the IPv4 TTL or IPv6
 * hop limit is |ttl| for this datagram only.  Returns 0, ZT_ERR_AGAIN (socket buffer full:
 * dropped) or ZT_ERR_IO (errno kept). */
int zt__io_udp_send(int fd, const struct sockaddr *to, socklen_t tolen, const void *data,
                   size_t len, unsigned ttl);

/* A receive batch of |cap| datagrams of up to ZT_IO_UDP_MAX_DATAGRAM bytes each. */
typedef struct zt_io_udp_rx {
    unsigned cap;
    unsigned n;                        /* datagrams from the last zt__io_udp_recv */
    uint8_t *bufs;
    struct mmsghdr *msgs;
    struct iovec *iovs;
    struct sockaddr_storage *addrs;
} zt_io_udp_rx;

/* Returns 0 or ZT_ERR_NOMEM. */
int zt__io_udp_rx_init(zt_io_udp_rx *rx, unsigned cap);
void zt__io_udp_rx_clear(zt_io_udp_rx *rx);

/* Receives up to rx->cap waiting datagrams with one recvmmsg.  Returns how many (0: none
 * waiting) or ZT_ERR_IO (errno kept).  The datagrams stay valid until the next call. */
int zt__io_udp_recv(int fd, zt_io_udp_rx *rx);

/* Datagram |i| of the last receive: its bytes, length, sender, and whether it was longer than
 * ZT_IO_UDP_MAX_DATAGRAM (then it is cut short and should be dropped). */
const uint8_t *zt__io_udp_rx_data(const zt_io_udp_rx *rx, unsigned i, size_t *plen);
const struct sockaddr_storage *zt__io_udp_rx_from(const zt_io_udp_rx *rx, unsigned i);
bool zt__io_udp_rx_is_truncated(const zt_io_udp_rx *rx, unsigned i);

/* A send queue of |cap| datagrams of up to |slot_len| bytes each, flushed with sendmmsg. */
typedef struct zt_io_udp_tx {
    unsigned cap, n;
    size_t slot_len;
    uint8_t *bufs;
    int *fds;
    struct mmsghdr *msgs;
    struct iovec *iovs;
    struct sockaddr_storage *addrs;
    uint64_t sent, dropped, syscalls;  /* totals, for tests and benchmarks */
} zt_io_udp_tx;

/* Returns 0 or ZT_ERR_NOMEM. */
int zt__io_udp_tx_init(zt_io_udp_tx *tx, unsigned cap, size_t slot_len);
void zt__io_udp_tx_clear(zt_io_udp_tx *tx);

/* Queues a copy of one datagram to |to| from |fd|.  Returns 0, ZT_ERR_RANGE (longer than the
 * slot: send it with zt__io_udp_send instead, after a flush to keep the order), ZT_ERR_LIMIT
 * (queue full: flush first) or ZT_ERR_INVAL (address too long). */
int zt__io_udp_tx_queue(zt_io_udp_tx *tx, int fd, const struct sockaddr *to, socklen_t tolen,
                       const void *data, size_t len);

/* Sends everything queued, in order, with one sendmmsg per run of datagrams for the same
 * socket, and empties the queue.  Returns how many datagrams the kernel refused (dropped:
 * UDP gives no guarantee anyway, and the protocol retries). */
unsigned zt__io_udp_tx_flush(zt_io_udp_tx *tx);

#endif
