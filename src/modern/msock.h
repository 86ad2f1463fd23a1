/*
 * msock.h: what the modern API's socket files share (api-modern.md §5.0, §5.7-§5.9;
 * docs/internals/socket.md "The modern API").
 *
 *  - sock_bsd.c: zts_bsd_* descriptor calls (socket ... shutdown, options, fcntl, ioctl,
 *    poll, select)
 *  - sock_io.c: zts_bsd_* data calls (send/recv families, readv/writev, read/write)
 *  - sock_simple.c: the simplified calls (text addresses, timeouts, tcp/udp client/server)
 *  - sock_opts.c: the zts_set_* / zts_get_* option helpers
 *  - sock_dns.c: the resolver (zts_bsd_gethostbyname, zts_dns_*)
 *
 * Every call checks the service gate first (ZTS_ERR_SERVICE, nothing touched), then its
 * ZTS_ERR_ARG checks, then asks the socket layer (src/socket/sock.h); a layer failure is -1
 * (ZTS_ERR_SOCKET) with zts_errno and the host errno set.
 */
#ifndef ZT_MODERN_MSOCK_H
#define ZT_MODERN_MSOCK_H

/* The public header first: without lwIP's LWIP_IPV6_SCOPES in sight, zts_ip_addr has the
 * client's 20-byte layout (api-modern.md §2, §4.8). */
#include "modern/modern_api.h"

#include <stdbool.h>
#include <stddef.h>

#include "socket/sock.h"
#include "socket/zts_gate.h"

/* True while a node runs (the gate the service opens, socket/zts_gate.h). */
static inline bool zt__msock_up(void)
{
    return zt__sock_is_running();
}

/*
 * The result of a layer call (>= 0, or -errno): a failure becomes -1 with zts_errno and the
 * host errno set (Linux numbering in zts_errno); a success passes through and, when |clear|,
 * sets zts_errno to 0 (§5.0 rule 2: accept, bind, connect, listen, the data calls, names,
 * options, fcntl, ioctl, shutdown; never socket or close, rule 3).
 */
ssize_t zt__msock_result(ssize_t rv, bool clear);
int zt__msock_iresult(int rv, bool clear);

/* zts_errno = 0 without touching the host errno. */
void zt__msock_clear_errno(void);

/* |rv|, an error found in an argument before |fd| was looked at, unless |fd| is not open:
 * then -EBADF, the stack's first check. */
int zt__msock_pre_error(int fd, int rv);

/* A public socket address as the layer's: ZTS_ERR_ARG-level checks are the caller's; this
 * applies the stack's own (AF_INET 16 or 28 bytes, AF_INET6 exactly 28; AF_UNSPEC sets
 * *|unspec|).  Returns 0, -EINVAL or -EAFNOSUPPORT. */
int zt__msock_addr_in(const struct zts_sockaddr *sa, zts_socklen_t len, zt_sockaddr *out,
                      bool *unspec);

/* The §5.7 ZTS_ERR_ARG check of connect, bind and sendto: NULL, or a length outside 16..28. */
bool zt__msock_bad_addr(const struct zts_sockaddr *sa, zts_socklen_t len);

/* Writes |a| for the caller (§4.2 output rules: at most *|len| bytes, *|len| = true size). */
void zt__msock_addr_out(const zt_sockaddr *a, struct zts_sockaddr *sa, zts_socklen_t *len);

#endif
