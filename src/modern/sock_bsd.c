/*
 * sock_bsd.c: the modern API's zts_bsd_* descriptor calls (api-modern.md §5.7): socket,
 * connect, bind, listen, accept, options, names, close, shutdown, fcntl, ioctl, poll, select;
 * and the result, errno and address helpers every sock_*.c shares (msock.h).
 *
 * The socket layer (src/socket/sock.h) does the work with BSD semantics; what is decided here
 * is the modern surface: the order of checks (service, then ZTS_ERR_ARG, §5.0), the stack's
 * own address rules (§4.2, §5.7), zts_errno set to 0 by successful calls (§5.0 rule 2), and
 * the lwIP answers the reference gives where Linux and lwIP differ (fcntl's flags, ioctl's
 * ENOSYS).
 */
#include "modern/msock.h"

#include <errno.h>
#include <string.h>

#include "socket/inet.h"
#include "socket/sock_front.h"

/* ---- shared helpers (msock.h) ------------------------------------------------------------- */

/* sock_front.c works on the bytes with its own copies of the public numbers and sizes. */
_Static_assert(ZTS_AF_UNSPEC == ZT_FRONT_AF_UNSPEC && ZTS_AF_INET == ZT_FRONT_AF_INET &&
                   ZTS_AF_INET6 == ZT_FRONT_AF_INET6,
               "address families");
_Static_assert(sizeof(struct zts_sockaddr_in) == ZT_FRONT_SA_IN_LEN &&
                   sizeof(struct zts_sockaddr_in6) == ZT_FRONT_SA_IN6_LEN,
               "socket address sizes");

void zt__msock_clear_errno(void)
{
#if defined(__GNUC__) || defined(__clang__)
    __atomic_store_n(&zts_errno, 0, __ATOMIC_RELAXED);
#else
    zts_errno = 0;
#endif
}

ssize_t zt__msock_result(ssize_t rv, bool clear)
{
    if (rv >= 0) {
        if (clear)
            zt__msock_clear_errno();
        return rv;
    }
    zt__sock_set_errno((int)-rv);
    return ZTS_ERR_SOCKET;
}

int zt__msock_iresult(int rv, bool clear)
{
    return (int)zt__msock_result(rv, clear);
}

int zt__msock_pre_error(int fd, int rv)
{
    /* The stack looks the descriptor up before it reads the other arguments. */
    return zt__sock_family(fd) < 0 ? -EBADF : rv;
}

bool zt__msock_bad_addr(const struct zts_sockaddr *sa, zts_socklen_t len)
{
    return sa == NULL || len < sizeof(struct zts_sockaddr_in) ||
           len > sizeof(struct zts_sockaddr_in6);
}

int zt__msock_addr_in(const struct zts_sockaddr *sa, zts_socklen_t len, zt_sockaddr *out,
                      bool *unspec)
{
    int family = zt__front_sa_family(sa);

    *unspec = family == ZTS_AF_UNSPEC;
    /* lwIP takes exactly the size of one of the two layouts; an IPv6 address needs its own
     * (the reference would read past a 16-byte one). */
    if (len != sizeof(struct zts_sockaddr_in) && len != sizeof(struct zts_sockaddr_in6))
        return -EINVAL;
    if (family == ZTS_AF_INET6 && len != sizeof(struct zts_sockaddr_in6))
        return -EINVAL;
    return zt__front_sa_read(sa, len, out);
}

void zt__msock_addr_out(const zt_sockaddr *a, struct zts_sockaddr *sa, zts_socklen_t *len)
{
    _Static_assert(sizeof(zts_socklen_t) == sizeof(uint32_t), "socklen");
    zt__front_sa_write(a, sa, len);
}

/* ---- descriptors ---------------------------------------------------------------------------- */

int zts_bsd_socket(int family, int type, int protocol)
{
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (type == ZTS_SOCK_RAW)
        rv = -ENOBUFS; /* raw sockets are compiled out of the stack (§5.7) */
    else if (type != ZTS_SOCK_STREAM && type != ZTS_SOCK_DGRAM)
        rv = -EINVAL;
    else if (type == ZTS_SOCK_DGRAM && protocol == ZTS_IPPROTO_UDPLITE)
        rv = -EPROTONOSUPPORT;
    else /* any family but AF_INET6 is IPv4; the protocol is otherwise ignored (§5.7) */
        rv = zt__sock_open(family == ZTS_AF_INET6 ? 6 : 4, type, 0);
    return zt__msock_iresult(rv, false); /* §5.0 rule 3: success leaves zts_errno alone */
}

int zts_bsd_connect(int fd, const struct zts_sockaddr *addr, zts_socklen_t addrlen)
{
    zt_sockaddr a;
    bool unspec;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (zt__msock_bad_addr(addr, addrlen))
        return ZTS_ERR_ARG;
    rv = zt__msock_addr_in(addr, addrlen, &a, &unspec);
    if (rv != 0)
        return zt__msock_iresult(zt__msock_pre_error(fd, rv), false);
    /* AF_UNSPEC dissolves a UDP socket's association (§5.7). */
    return zt__msock_iresult(zt__sock_connect_ex(fd, unspec ? NULL : &a, 0, -1), true);
}

int zts_bsd_bind(int fd, const struct zts_sockaddr *addr, zts_socklen_t addrlen)
{
    zt_sockaddr a;
    bool unspec;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (zt__msock_bad_addr(addr, addrlen))
        return ZTS_ERR_ARG;
    rv = zt__msock_addr_in(addr, addrlen, &a, &unspec);
    if (rv == 0 && unspec)
        rv = -EAFNOSUPPORT;
    if (rv != 0)
        return zt__msock_iresult(zt__msock_pre_error(fd, rv), false);
    return zt__msock_iresult(zt__sock_bind(fd, &a), true);
}

int zts_bsd_listen(int fd, int backlog)
{
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    return zt__msock_iresult(zt__sock_listen(fd, backlog), true); /* backlog capped at 255 */
}

int zts_bsd_accept(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen)
{
    zt_sockaddr peer;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    /* The new socket is blocking whatever the listener is (lwIP, §5.7). */
    rv = zt__sock_accept(fd, &peer, false);
    if (rv >= 0 && addr != NULL && addrlen != NULL)
        zt__msock_addr_out(&peer, addr, addrlen);
    return zt__msock_iresult(rv, true);
}

int zts_bsd_setsockopt(int fd, int level, int optname, const void *optval, zts_socklen_t optlen)
{
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    /* Levels, names and value layouts are the layer's own (sock_opt.c); NULL: EFAULT. */
    return zt__msock_iresult(zt__sock_setopt(fd, level, optname, optval, optlen), true);
}

int zts_bsd_getsockopt(int fd, int level, int optname, void *optval, zts_socklen_t *optlen)
{
    size_t len;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (optlen == NULL)
        return zt__msock_iresult(zt__msock_pre_error(fd, -EFAULT), false);
    len = *optlen;
    rv = zt__sock_getopt(fd, level, optname, optval, &len);
    if (rv == 0)
        *optlen = (zts_socklen_t)len;
    return zt__msock_iresult(rv, true);
}

static int getname(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen, bool peer)
{
    zt_sockaddr a;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    /* The reference reads *addrlen without checking the pointer; NULL is ZTS_ERR_ARG here. */
    if (addr == NULL || addrlen == NULL || *addrlen < sizeof(struct zts_sockaddr_in) ||
        *addrlen > sizeof(struct zts_sockaddr_in6))
        return ZTS_ERR_ARG;
    rv = zt__sock_getname(fd, peer, &a);
    if (rv == 0)
        zt__msock_addr_out(&a, addr, addrlen);
    return zt__msock_iresult(rv, true);
}

int zts_bsd_getsockname(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen)
{
    return getname(fd, addr, addrlen, false);
}

int zts_bsd_getpeername(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen)
{
    return getname(fd, addr, addrlen, true);
}

int zts_bsd_close(int fd)
{
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    return zt__msock_iresult(zt__sock_close(fd), false);
}

int zts_bsd_shutdown(int fd, int how)
{
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    /* UDP: EOPNOTSUPP; TCP not connected: ENOTCONN; |how| not SHUT_*: EINVAL. */
    return zt__msock_iresult(zt__sock_shutdown(fd, how), true);
}

/* ---- fcntl, ioctl ---------------------------------------------------------------------------- */

int zts_bsd_fcntl(int fd, int cmd, int flags)
{
    bool nonblock, can_read, can_write;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    rv = zt__sock_get_nonblock(fd, &nonblock, &can_read, &can_write);
    if (rv != 0)
        return zt__msock_iresult(rv, false);
    if (cmd == ZTS_F_GETFL) {
        zt__msock_clear_errno();
        return (nonblock ? ZTS_O_NONBLOCK : 0) | (can_read ? ZTS_O_RDONLY : 0) |
               (can_write ? ZTS_O_WRONLY : 0);
    }
    if (cmd != ZTS_F_SETFL)
        return zt__msock_iresult(-ENOSYS, false);
    /* The access-mode bits F_GETFL returns are ignored, so F_SETFL(F_GETFL | O_NONBLOCK) works;
     * any other bit is lwIP's ENOSYS (the host's O_NONBLOCK too: §3.10 numbers only). */
    flags &= ~ZTS_O_RDWR;
    if ((flags & ~ZTS_O_NONBLOCK) != 0)
        return zt__msock_iresult(-ENOSYS, false);
    return zt__msock_iresult(zt__sock_set_nonblock(fd, flags != 0), true);
}

/* FIONREAD and FIONBIO as the platform's header encodes them, and the other width (§3.8). */
static bool is_fionread(unsigned long r)
{
    return r == (unsigned long)ZTS_FIONREAD || r == 0x4004667fUL || r == 0x4008667fUL;
}

static bool is_fionbio(unsigned long r)
{
    return r == (unsigned long)ZTS_FIONBIO || r == 0x8004667eUL || r == 0x8008667eUL;
}

int zts_bsd_ioctl(int fd, unsigned long request, void *argp)
{
    int v, rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (argp == NULL)
        return ZTS_ERR_ARG;
    if (is_fionread(request)) {
        /* An int, whatever the request's encoded size says (TCP: bytes buffered; UDP: the
         * next datagram's size, 0 if none). */
        rv = zt__sock_nread(fd, &v);
        if (rv == 0)
            memcpy(argp, &v, sizeof(v));
        return zt__msock_iresult(rv, true);
    }
    if (is_fionbio(request)) {
        memcpy(&v, argp, sizeof(v));
        return zt__msock_iresult(zt__sock_set_nonblock(fd, v != 0), true);
    }
    return zt__msock_iresult(zt__msock_pre_error(fd, -ENOSYS), false);
}

/* ---- poll, select ------------------------------------------------------------------------------ */

int zts_bsd_poll(struct zts_pollfd *fds, zts_nfds_t nfds, int timeout)
{
    _Static_assert(sizeof(struct zts_pollfd) == sizeof(zt_pollfd), "pollfd layout");
    _Static_assert(ZTS_POLLIN == ZT_POLLIN && ZTS_POLLOUT == ZT_POLLOUT &&
                       ZTS_POLLERR == ZT_POLLERR && ZTS_POLLNVAL == ZT_POLLNVAL,
                   "poll bits");
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (fds == NULL && nfds > 0)
        return zt__msock_iresult(-EFAULT, false);
    return zt__msock_iresult(zt__sock_poll((zt_pollfd *)(void *)fds, nfds, timeout < 0 ? -1 : timeout),
                             false);
}

int zts_bsd_select(int nfds, zts_fd_set *readfds, zts_fd_set *writefds, zts_fd_set *exceptfds,
                   struct zts_timeval *timeout)
{
    int ms = -1, rv;

    /* The sets are read and written exactly as the ZTS_FD_* macros lay them out, on every
     * platform (§3.10, §11 item 31). */
    _Static_assert(sizeof(zts_fd_set) == ZT_FDSET_BYTES, "fd_set layout");
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (timeout != NULL) {
        rv = zt__front_timeval_ms(timeout->tv_sec, timeout->tv_usec, &ms);
        if (rv != 0)
            return zt__msock_iresult(rv, false);
    }
    rv = zt__front_select(nfds, readfds != NULL ? readfds->fd_bits : NULL,
                          writefds != NULL ? writefds->fd_bits : NULL,
                          exceptfds != NULL ? exceptfds->fd_bits : NULL, ms);
    return zt__msock_iresult(rv, false);
}
