/*
 * sock_front.h: what the two public front ends of the socket layer share (the 1.3 calls of
 * include/ZeroTierSockets.h in zts_socket.c, the modern zts_bsd_* and simplified calls of
 * include/libzt-modern/ZeroTierSockets.h in src/modern/sock_*.c).
 *
 * Both headers give the socket addresses, descriptor sets and I/O vectors the same bytes
 * (api-modern.md §8.2 "Compatible layouts"), so these helpers work on the bytes and include
 * neither header: a socket address is BSD 4.4's (a length byte, a family byte, the port in
 * network order, then the address: IPv4 at offset 4, IPv6 at offset 8), a descriptor set is
 * ZT_FDSET_BYTES bytes with descriptor n at bit (n & 7) of byte n / 8 (the ZTS_FD_* macros of
 * either header), and an I/O vector is {pointer, size_t} (zt_iov).
 *
 * Every function returns 0 (or a count) or a negative host errno value (-EINVAL, ...), like
 * sock.h; none needs the core lock or a running service.
 */
#ifndef ZT_SOCKET_SOCK_FRONT_H
#define ZT_SOCKET_SOCK_FRONT_H

#include <stddef.h>
#include <stdint.h>

#include "socket/sock.h"

/* Public family numbers (ZTS_AF_*, the same in both headers) and address sizes. */
#define ZT_FRONT_AF_UNSPEC 0
#define ZT_FRONT_AF_INET 2
#define ZT_FRONT_AF_INET6 10
#define ZT_FRONT_SA_IN_LEN 16  /* sizeof(struct zts_sockaddr_in) */
#define ZT_FRONT_SA_IN6_LEN 28 /* sizeof(struct zts_sockaddr_in6) */

/* Bits of a descriptor set (ZTS_FD_SETSIZE) and its size in bytes. */
#define ZT_FDSET_SIZE 1024
#define ZT_FDSET_BYTES (ZT_FDSET_SIZE / 8)

/* The family byte of the public address |sa| (at least 2 bytes). */
int zt__front_sa_family(const void *sa);

/*
 * Reads the public socket address |sa| of |len| bytes into |out|: the length byte and
 * sin_zero are ignored, the family byte decides.  AF_INET needs |len| >= 16, AF_INET6 >= 28
 * (the scope id is not used: the zone is cleared).  AF_UNSPEC reads as the IPv4 wildcard with
 * port 0 (what connect() takes as "dissolve the association").
 * Returns 0, -EINVAL (too short) or -EAFNOSUPPORT (another family).
 */
int zt__front_sa_read(const void *sa, size_t len, zt_sockaddr *out);

/*
 * Writes |a| as a public socket address (length byte 16 or 28, family, port, address, the
 * rest zero) into |sa|, at most *|len| bytes of it, then sets *|len| to the full size: a short
 * buffer gets a truncated address and learns the size it needed (api-modern.md §4.2).
 */
void zt__front_sa_write(const zt_sockaddr *a, void *sa, uint32_t *len);

/* An I/O vector as the calls take it: 0, -EINVAL (|iovcnt| outside 0..1024) or -EFAULT (a
 * NULL array, or a NULL buffer with a non-zero length). */
int zt__front_iov_check(const zt_iov *iov, int iovcnt);

/* A select() timeout (struct zts_timeval) as poll milliseconds, rounded up to the next
 * millisecond and capped at INT32_MAX; -EINVAL if either part is negative. */
int zt__front_timeval_ms(long sec, long usec, int *ms);

/*
 * select() over zt__sock_poll.  |rd|, |wr|, |ex| (each NULL or ZT_FDSET_BYTES long) name the
 * descriptors below |nfds| to watch for reading, writing and errors; on success each is
 * rewritten to hold the ready ones.  |timeout_ms| < 0 waits for ever.  A descriptor is
 * readable when poll says POLLIN or POLLERR, writable on POLLOUT or POLLERR.
 * Returns the number of bits set (0: timeout), -EINVAL (|nfds| outside 0..ZT_FDSET_SIZE),
 * -EBADF (a descriptor in a set is not open; the sets are then left as they were).
 * Allocates nothing.
 */
int zt__front_select(int nfds, uint8_t *rd, uint8_t *wr, uint8_t *ex, int timeout_ms);

#endif
