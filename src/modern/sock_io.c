/*
 * sock_io.c: the modern API's zts_bsd_* data calls (api-modern.md §5.7): send, sendto,
 * sendmsg, write, writev, recv, recvfrom, recvmsg, read, readv.
 *
 * Reads follow lwIP's end-of-stream rule, which the reference shows and §10.1 item 9 tests:
 * the first read after the peer's FIN returns 0 and sets zts_errno to ZTS_ENOTCONN, every
 * later one fails with -1/ZTS_ENOTCONN (socket layer: zt__sock_recv_once).
 */
#include "modern/msock.h"

#include <errno.h>
#include <stdint.h>

#include "socket/inet.h"
#include "socket/sock_front.h"

/* struct zts_iovec is the layer's zt_iov: a pointer, then a size_t; the message flags are
 * the layer's bits. */
_Static_assert(sizeof(struct zts_iovec) == sizeof(zt_iov), "iovec layout");
_Static_assert(ZTS_MSG_PEEK == ZT_MSG_PEEK && ZTS_MSG_DONTWAIT == ZT_MSG_DONTWAIT &&
                   ZTS_MSG_MORE == ZT_MSG_MORE && ZTS_MSG_TRUNC == ZT_MSG_TRUNC,
               "message flags");

static const zt_iov *iov_of(const struct zts_iovec *iov)
{
    return (const zt_iov *)(const void *)iov;
}

/* ---- sending ---------------------------------------------------------------------------------- */

ssize_t zts_bsd_send(int fd, const void *buf, size_t len, int flags)
{
    zt_iov iov = {(void *)(uintptr_t)buf, len};

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (buf == NULL)
        return ZTS_ERR_ARG;
    /* ZTS_MSG_DONTWAIT and ZTS_MSG_MORE are the layer's own bits. */
    return zt__msock_result(zt__sock_send(fd, &iov, 1, flags, NULL), true);
}

ssize_t zts_bsd_sendto(int fd, const void *buf, size_t len, int flags,
                       const struct zts_sockaddr *addr, zts_socklen_t addrlen)
{
    zt_iov iov = {(void *)(uintptr_t)buf, len};
    zt_sockaddr a;
    bool unspec;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (buf == NULL || zt__msock_bad_addr(addr, addrlen))
        return ZTS_ERR_ARG;
    rv = zt__msock_addr_in(addr, addrlen, &a, &unspec);
    if (rv == 0 && unspec)
        rv = -EAFNOSUPPORT;
    if (rv != 0)
        return zt__msock_result(zt__msock_pre_error(fd, rv), false);
    /* A TCP socket ignores the address; a datagram above the IP limit is EMSGSIZE. */
    return zt__msock_result(zt__sock_send(fd, &iov, 1, flags, &a), true);
}

ssize_t zts_bsd_sendmsg(int fd, const struct zts_msghdr *msg, int flags)
{
    zt_sockaddr a;
    bool unspec;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (msg == NULL)
        return zt__msock_result(zt__msock_pre_error(fd, -EFAULT), false);
    rv = zt__front_iov_check(iov_of(msg->msg_iov), msg->msg_iovlen);
    if (rv == 0 && msg->msg_name != NULL) {
        if (zt__msock_bad_addr(msg->msg_name, msg->msg_namelen))
            rv = -EINVAL;
        else
            rv = zt__msock_addr_in(msg->msg_name, msg->msg_namelen, &a, &unspec);
        if (rv == 0 && unspec)
            rv = -EAFNOSUPPORT;
    }
    if (rv != 0)
        return zt__msock_result(zt__msock_pre_error(fd, rv), false);
    /* No control data is sent (msg_control is ignored). */
    return zt__msock_result(zt__sock_send(fd, iov_of(msg->msg_iov), msg->msg_iovlen, flags,
                                          msg->msg_name != NULL ? &a : NULL),
                            true);
}

ssize_t zts_bsd_write(int fd, const void *buf, size_t len)
{
    return zts_bsd_send(fd, buf, len, 0);
}

ssize_t zts_bsd_writev(int fd, const struct zts_iovec *iov, int iovcnt)
{
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    rv = zt__front_iov_check(iov_of(iov), iovcnt);
    if (rv != 0)
        return zt__msock_result(zt__msock_pre_error(fd, rv), false);
    return zt__msock_result(zt__sock_send(fd, iov_of(iov), iovcnt, 0, NULL), true);
}

/* ---- receiving ------------------------------------------------------------------------------- */

/* One read with the end-of-stream rule; *|oflags| (may be NULL) gets the layer's flags. */
static ssize_t recv_common(int fd, const zt_iov *iov, int iovcnt, int flags, zt_sockaddr *from,
                           int *oflags)
{
    int of = 0;
    ssize_t rv = zt__sock_recv_once(fd, iov, iovcnt, flags, from, &of);

    if (oflags != NULL)
        *oflags = of;
    if (rv == 0 && (of & ZT_MSG_EOF) != 0) {
        zt__sock_set_errno(ENOTCONN); /* 0, yet zts_errno says why (§5.7) */
        return 0;
    }
    return zt__msock_result(rv, true);
}

ssize_t zts_bsd_recv(int fd, void *buf, size_t len, int flags)
{
    zt_iov iov = {buf, len};

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (buf == NULL)
        return ZTS_ERR_ARG;
    return recv_common(fd, &iov, 1, flags, NULL, NULL);
}

ssize_t zts_bsd_recvfrom(int fd, void *buf, size_t len, int flags, struct zts_sockaddr *addr,
                         zts_socklen_t *addrlen)
{
    zt_iov iov = {buf, len};
    bool want_from = addr != NULL && addrlen != NULL;
    zt_sockaddr from;
    ssize_t rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (buf == NULL)
        return ZTS_ERR_ARG;
    /* A datagram longer than |len| is cut to it (the rest is discarded). */
    rv = recv_common(fd, &iov, 1, flags, want_from ? &from : NULL, NULL);
    if (rv >= 0 && want_from)
        zt__msock_addr_out(&from, addr, addrlen);
    return rv;
}

ssize_t zts_bsd_recvmsg(int fd, struct zts_msghdr *msg, int flags)
{
    zt_sockaddr from;
    int rv, oflags = 0;
    ssize_t n;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (msg == NULL)
        return ZTS_ERR_ARG;
    rv = zt__front_iov_check(iov_of(msg->msg_iov), msg->msg_iovlen);
    if (rv != 0)
        return zt__msock_result(zt__msock_pre_error(fd, rv), false);
    n = recv_common(fd, iov_of(msg->msg_iov), msg->msg_iovlen, flags,
                    msg->msg_name != NULL ? &from : NULL, &oflags);
    if (n >= 0) {
        if (msg->msg_name != NULL)
            zt__msock_addr_out(&from, msg->msg_name, &msg->msg_namelen);
        msg->msg_controllen = 0; /* no control messages (IP_PKTINFO is not supported) */
        msg->msg_flags = (oflags & ZT_MSG_TRUNC) != 0 ? ZTS_MSG_TRUNC : 0;
    }
    return n;
}

ssize_t zts_bsd_read(int fd, void *buf, size_t len)
{
    return zts_bsd_recv(fd, buf, len, 0);
}

ssize_t zts_bsd_readv(int fd, const struct zts_iovec *iov, int iovcnt)
{
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    rv = zt__front_iov_check(iov_of(iov), iovcnt);
    if (rv != 0)
        return zt__msock_result(zt__msock_pre_error(fd, rv), false);
    return recv_common(fd, iov_of(iov), iovcnt, 0, NULL, NULL);
}
