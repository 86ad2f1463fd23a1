/*
 * sock.h: the socket layer under the zts_* calls (docs/internals/socket.md).
 *
 * Our own descriptors and BSD semantics over lwIP's raw TCP and UDP API.  Every socket's state
 * is guarded by lwIP's core lock: application threads take it for each call, and lwIP's
 * callbacks (frames fed in, timers) run with it held, so a callback updates the socket and
 * wakes its waiters at once; a blocked call sleeps on the socket's condition with the core
 * lock given up (zt__sys_core_wait).  No polling anywhere.
 *
 * Descriptors start at 0, lowest free first, and the table grows with use: sockets are
 * bounded by memory, not by a fixed table.
 *
 * Every function returns a non-negative result or a negative host errno value (-EBADF, ...;
 * on Linux these numbers are the ZTS_E* values).  zts_socket.c turns them into -1 and
 * zts_errno/errno.  Any thread; none may be called with the core lock held.
 */
#ifndef ZT_SOCKET_SOCK_H
#define ZT_SOCKET_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lwip/ip_addr.h"

/* An endpoint: lwIP's address (IPv4 or IPv6) and a port in host order. */
typedef struct zt_sockaddr {
    ip_addr_t ip;
    uint16_t port;
} zt_sockaddr;

typedef struct zt_iov {
    void *base;
    size_t len;
} zt_iov;

#define ZT_SOCK_STREAM 1
#define ZT_SOCK_DGRAM 2

/* Flags of send/recv (values of ZTS_MSG_*). */
#define ZT_MSG_PEEK 0x01
#define ZT_MSG_DONTWAIT 0x08
#define ZT_MSG_MORE 0x10
/* Output flag of recv: the datagram was longer than the buffers. */
#define ZT_MSG_TRUNC 0x04

/* Readiness bits of zt__sock_poll (values of ZTS_POLL*). */
#define ZT_POLLIN 0x001
#define ZT_POLLOUT 0x002
#define ZT_POLLERR 0x004
#define ZT_POLLNVAL 0x008

typedef struct zt_pollfd {
    int fd;
    short events;
    short revents;
} zt_pollfd;

/* |family| 4 or 6; |type| ZT_SOCK_STREAM or ZT_SOCK_DGRAM; |proto| 0 or the matching
 * IPPROTO_TCP/UDP.  Returns the new descriptor. */
int zt__sock_open(int family, int type, int proto);
int zt__sock_close(int fd);
int zt__sock_bind(int fd, const zt_sockaddr *a);
int zt__sock_connect(int fd, const zt_sockaddr *a);
int zt__sock_listen(int fd, int backlog);
/* |peer| may be NULL; |nonblock| makes the new socket non-blocking (accept4). */
int zt__sock_accept(int fd, zt_sockaddr *peer, bool nonblock);
/* |to| NULL: the connected peer.  Returns the bytes queued. */
ssize_t zt__sock_send(int fd, const zt_iov *iov, int iovcnt, int flags, const zt_sockaddr *to);
/* |from| may be NULL; *|oflags| (may be NULL) gets ZT_MSG_TRUNC. */
ssize_t zt__sock_recv(int fd, const zt_iov *iov, int iovcnt, int flags, zt_sockaddr *from,
                      int *oflags);
int zt__sock_shutdown(int fd, int how); /* 0 RD, 1 WR, 2 RDWR */
/* |peer|: the remote end (ENOTCONN if none), else the local one. */
int zt__sock_getname(int fd, bool peer, zt_sockaddr *out);
/* The socket's family (4 or 6), or -EBADF. */
int zt__sock_family(int fd);

/* Options: level and name as in ZeroTierSockets.h (ZTS_SOL_SOCKET = 0xfff, IPPROTO_*). */
int zt__sock_setopt(int fd, int level, int name, const void *val, size_t len);
int zt__sock_getopt(int fd, int level, int name, void *val, size_t *len);

/* O_NONBLOCK as a boolean. */
int zt__sock_get_nonblock(int fd, bool *nonblock, bool *can_read, bool *can_write);
int zt__sock_set_nonblock(int fd, bool nonblock);
/* Bytes ready to read (UDP: the next datagram's size). */
int zt__sock_nread(int fd, int *out);

/* |timeout_ms| < 0: forever.  Returns the number of entries with revents set. */
int zt__sock_poll(zt_pollfd *fds, size_t nfds, int timeout_ms);

/* A watcher of one socket: called, core lock held, on whatever thread changed the socket,
 * after every change that may make it readable, writable or failed (data in, room to send,
 * connected, a connection to accept, an error, closed).  It must return at once and call
 * nothing of this layer (note the descriptor, wake a thread).  zt-service's bridge uses it to
 * drive non-blocking calls from its own event loop. */
typedef void (*zt_sock_watch_fn)(void *ctx, int fd);
/* Sets (|fn| non-NULL) or clears the watcher of |fd|; once this returns after clearing, |fn|
 * is no longer running nor called.  Returns 0 or -EBADF. */
int zt__sock_watch(int fd, zt_sock_watch_fn fn, void *ctx);

/* ---- what the modern API adds (api-modern.md §5.7-§5.8; sock_compat.c) -------------------- */

/* zt__sock_connect_ex flags: a TCP socket whose earlier attempt failed starts a new one. */
#define ZT_CONNECT_RENEW 0x1

/*
 * Connects |fd| to |a| as zt__sock_connect does, except that:
 *  - |a| NULL means AF_UNSPEC: a UDP socket's association is dissolved; TCP: -EINVAL.
 *  - A TCP socket's settings (its pcb's options, its bound address) are recorded before the
 *    attempt, and with ZT_CONNECT_RENEW a socket whose attempt failed (never established, the
 *    pcb gone) is given a new pcb with them, then connects again.  A non-blocking socket whose
 *    failure nobody has read yet (SO_ERROR) reports that failure instead, once: the next call
 *    starts the new attempt.
 *  - |wait_ms| >= 0, on a blocking socket: the outcome is awaited at most that long instead of
 *    SO_SNDTIMEO; then the attempt is abandoned (the socket renewed, unconnected) and
 *    -ETIMEDOUT returned.  |wait_ms| < 0: as zt__sock_connect.
 */
int zt__sock_connect_ex(int fd, const zt_sockaddr *a, unsigned flags, int64_t wait_ms);

/* Output flag of zt__sock_recv_once: this 0 is the end of the stream. */
#define ZT_MSG_EOF 0x10000

/*
 * zt__sock_recv with lwIP's end-of-stream rule: the first read (of at least one byte) at the
 * end of a TCP stream returns 0 and sets ZT_MSG_EOF in *|oflags|; every later one fails with
 * -ENOTCONN.  UDP sockets read as with zt__sock_recv.
 */
ssize_t zt__sock_recv_once(int fd, const zt_iov *iov, int iovcnt, int flags, zt_sockaddr *from,
                           int *oflags);

/* Open descriptors (tests, status). */
size_t zt__sock_count(void);

/* Closes every socket (zts_free): blocked calls return -EBADF. */
void zt__sock_close_all(void);

#endif
