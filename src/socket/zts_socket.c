/*
 * zts_socket.c: the zts_* socket calls (api.md §5.7, include/ZeroTierSockets.h) over the
 * socket layer (sock.h).  Each call: argument checks (ZTS_ERR_ARG, zts_errno untouched), then
 * the service gate (ZTS_ERR_SERVICE unless a node runs), then the operation, whose failure is
 * -1 with zts_errno and errno set.  Addresses are translated here between the public layouts
 * (length byte, family byte, network order) and lwIP's.
 */
#include "ZeroTierSockets.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "socket/inet.h"
#include "socket/sock.h"
#include "socket/sock_front.h"
#include "socket/zts_gate.h"

/* Result of a socket-layer call: >= 0 passes, -errno becomes -1 with the error stored. */
static ssize_t finish(ssize_t rv)
{
    if (rv >= 0)
        return rv;
    zt__sock_set_errno((int)-rv);
    return -1;
}

static int finish_int(int rv)
{
    return (int)finish(rv);
}

/* ---- addresses (api.md §4.2): the public layouts are read and written by sock_front.c ---- */

static int addr_in(const struct zts_sockaddr *sa, zts_socklen_t len, zt_sockaddr *out)
{
    return zt__front_sa_read(sa, len, out);
}

/* Writes |a| into the caller's buffer of *|len| bytes, never more than the real size, and sets
 * *|len| to the real size (api.md §4.2). */
static void addr_out(const zt_sockaddr *a, struct zts_sockaddr *sa, zts_socklen_t *len)
{
    _Static_assert(sizeof(zts_socklen_t) == sizeof(uint32_t), "socklen");
    zt__front_sa_write(a, sa, len);
}

/* Argument check shared by connect, bind and sendto: addr present, 16 <= len <= 28. */
static bool bad_addr(const struct zts_sockaddr *addr, zts_socklen_t len)
{
    return addr == NULL || len < sizeof(struct zts_sockaddr_in) ||
           len > sizeof(struct zts_sockaddr_in6);
}

/* ---- calls -------------------------------------------------------------------------------- */

int zts_socket(const int socket_family, const int socket_type, const int protocol)
{
    int family;

    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    if (socket_family == ZTS_AF_INET)
        family = 4;
    else if (socket_family == ZTS_AF_INET6)
        family = 6;
    else
        return finish_int(-EAFNOSUPPORT);
    if (socket_type == ZTS_SOCK_RAW)
        return finish_int(-EPROTONOSUPPORT); /* raw sockets are compiled out, as in the seed */
    return finish_int(zt__sock_open(family, socket_type, protocol));
}

/* zts_connect and zts_bind: the same checks, then the call with the address translated. */
static int with_addr(int fd, const struct zts_sockaddr *addr, zts_socklen_t addrlen,
                     int (*call)(int, const zt_sockaddr *))
{
    zt_sockaddr a;
    int rv;

    if (bad_addr(addr, addrlen))
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    rv = addr_in(addr, addrlen, &a);
    /* AF_UNSPEC dissolves a UDP association (connect); there is nothing to bind to. */
    if (rv == 0 && addr->sa_family == ZTS_AF_UNSPEC && call == zt__sock_bind)
        rv = -EAFNOSUPPORT;
    return finish_int(rv != 0 ? rv : call(fd, &a));
}

int zts_connect(int fd, const struct zts_sockaddr *addr, zts_socklen_t addrlen)
{
    return with_addr(fd, addr, addrlen, zt__sock_connect);
}

int zts_bind(int fd, const struct zts_sockaddr *addr, zts_socklen_t addrlen)
{
    return with_addr(fd, addr, addrlen, zt__sock_bind);
}

int zts_listen(int fd, int backlog)
{
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    return finish_int(zt__sock_listen(fd, backlog));
}

static int accept_common(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen,
                         bool nonblock)
{
    zt_sockaddr peer;
    int rv;

    if (addr != NULL && addrlen == NULL)
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    rv = zt__sock_accept(fd, &peer, nonblock);
    if (rv >= 0 && addr != NULL)
        addr_out(&peer, addr, addrlen);
    return finish_int(rv);
}

int zts_accept(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen)
{
    return accept_common(fd, addr, addrlen, false);
}

#if defined(__linux__)
__attribute__((visibility("default"))) int zts_accept4(int fd, struct zts_sockaddr *addr,
                                                       zts_socklen_t *addrlen, int flags)
{
    /* ZTS_O_NONBLOCK or the host's SOCK_NONBLOCK (api.md §5.7). */
    return accept_common(fd, addr, addrlen, (flags & (ZTS_O_NONBLOCK | SOCK_NONBLOCK)) != 0);
}
#endif

int zts_setsockopt(int fd, int level, int optname, const void *optval, zts_socklen_t optlen)
{
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    return finish_int(zt__sock_setopt(fd, level, optname, optval, optlen));
}

int zts_getsockopt(int fd, int level, int optname, void *optval, zts_socklen_t *optlen)
{
    size_t len;
    int rv;

    if (optval == NULL || optlen == NULL)
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    len = *optlen;
    rv = zt__sock_getopt(fd, level, optname, optval, &len);
    if (rv == 0)
        *optlen = (zts_socklen_t)len;
    return finish_int(rv);
}

static int getname(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen, bool peer)
{
    zt_sockaddr a;
    int rv;

    if (addr == NULL || addrlen == NULL || *addrlen < sizeof(struct zts_sockaddr_in) ||
        *addrlen > sizeof(struct zts_sockaddr_in6))
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    rv = zt__sock_getname(fd, peer, &a);
    if (rv == 0)
        addr_out(&a, addr, addrlen);
    return finish_int(rv);
}

int zts_getsockname(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen)
{
    return getname(fd, addr, addrlen, false);
}

int zts_getpeername(int fd, struct zts_sockaddr *addr, zts_socklen_t *addrlen)
{
    return getname(fd, addr, addrlen, true);
}

int zts_close(int fd)
{
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    return finish_int(zt__sock_close(fd));
}

int zts_fcntl(int fd, int cmd, int flags)
{
    bool nonblock, rd, wr;
    int rv;

    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    if (cmd == ZTS_F_GETFL) {
        rv = zt__sock_get_nonblock(fd, &nonblock, &rd, &wr);
        if (rv != 0)
            return finish_int(rv);
        return (nonblock ? ZTS_O_NONBLOCK : 0) | (rd ? ZTS_O_RDONLY : 0) | (wr ? ZTS_O_WRONLY : 0);
    }
    if (cmd == ZTS_F_SETFL) {
        /* ZTS_O_NONBLOCK and the host's O_NONBLOCK (Linux 2048, macOS/iOS 4) mean non-blocking
         * (api.md §5.7).  4 only where it is the host's value: elsewhere it is just
         * ZTS_O_WRONLY, an access-mode bit that F_GETFL returns and F_SETFL ignores, so that
         * F_SETFL(F_GETFL & ~ZTS_O_NONBLOCK) makes the socket blocking again. */
#if defined(__APPLE__)
        nonblock = (flags & (ZTS_O_NONBLOCK | 04000 | 4)) != 0;
#else
        nonblock = (flags & (ZTS_O_NONBLOCK | 04000)) != 0;
#endif
        return finish_int(zt__sock_set_nonblock(fd, nonblock));
    }
    return finish_int(-ENOSYS);
}

int zts_ioctl(int fd, unsigned long request, void *argp)
{
    int v;

    if (argp == NULL)
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    /* Both encodings of each request: sizeof(unsigned long) 8 (LP64) and 4 (spec §3.7). */
    if (request == ZTS_FIONREAD || request == 0x4004667FUL || request == 0x4008667FUL) {
        int rv = zt__sock_nread(fd, &v);
        if (rv == 0)
            memcpy(argp, &v, sizeof(v));
        return finish_int(rv);
    }
    if (request == ZTS_FIONBIO || request == 0x8004667EUL || request == 0x8008667EUL) {
        memcpy(&v, argp, sizeof(v));
        return finish_int(zt__sock_set_nonblock(fd, v != 0));
    }
    return finish_int(-EINVAL);
}

int zts_poll(struct zts_pollfd *fds, zts_nfds_t nfds, int timeout)
{
    if (fds == NULL && nfds > 0)
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    /* struct zts_pollfd and zt_pollfd have one layout, and the ZTS_POLL* values are ours. */
    _Static_assert(sizeof(struct zts_pollfd) == sizeof(zt_pollfd), "pollfd layout");
    return finish_int(zt__sock_poll((zt_pollfd *)(void *)fds, nfds, timeout));
}

int zts_select(int nfds, zts_fd_set *readfds, zts_fd_set *writefds, zts_fd_set *exceptfds,
               struct zts_timeval *timeout)
{
    int ms = -1, rv;

    _Static_assert(sizeof(zts_fd_set) == ZT_FDSET_BYTES, "fd_set layout");
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    if (nfds < 0 || nfds > ZTS_FD_SETSIZE)
        return finish_int(-EINVAL);
    if (timeout != NULL && (rv = zt__front_timeval_ms(timeout->tv_sec, timeout->tv_usec, &ms)) != 0)
        return finish_int(rv);
    return finish_int(zt__front_select(nfds, readfds != NULL ? readfds->fd_bits : NULL,
                                       writefds != NULL ? writefds->fd_bits : NULL,
                                       exceptfds != NULL ? exceptfds->fd_bits : NULL, ms));
}

/* ---- data --------------------------------------------------------------------------------- */

ssize_t zts_send(int fd, const void *buf, size_t len, int flags)
{
    zt_iov iov = {(void *)(uintptr_t)buf, len};

    if (buf == NULL || len == 0)
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    return finish(zt__sock_send(fd, &iov, 1, flags, NULL));
}

ssize_t zts_sendto(int fd, const void *buf, size_t len, int flags, const struct zts_sockaddr *addr,
                   zts_socklen_t addrlen)
{
    zt_iov iov = {(void *)(uintptr_t)buf, len};
    zt_sockaddr a;
    int rv;

    if (buf == NULL || len == 0 || bad_addr(addr, addrlen))
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    rv = addr_in(addr, addrlen, &a);
    if (rv == 0 && addr->sa_family == ZTS_AF_UNSPEC)
        rv = -EAFNOSUPPORT;
    return finish(rv != 0 ? rv : zt__sock_send(fd, &iov, 1, flags, &a));
}

ssize_t zts_recv(int fd, void *buf, size_t len, int flags)
{
    zt_iov iov = {buf, len};

    if (buf == NULL)
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    return finish(zt__sock_recv(fd, &iov, 1, flags, NULL, NULL));
}

ssize_t zts_recvfrom(int fd, void *buf, size_t len, int flags, struct zts_sockaddr *addr,
                     zts_socklen_t *addrlen)
{
    zt_iov iov = {buf, len};
    zt_sockaddr from;
    ssize_t rv;

    if (buf == NULL || (addr != NULL && addrlen == NULL))
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    rv = zt__sock_recv(fd, &iov, 1, flags, addr != NULL ? &from : NULL, NULL);
    if (rv >= 0 && addr != NULL)
        addr_out(&from, addr, addrlen);
    return finish(rv);
}

ssize_t zts_read(int fd, void *buf, size_t len)
{
    return zts_recv(fd, buf, len, 0);
}

ssize_t zts_write(int fd, const void *buf, size_t len)
{
    return zts_send(fd, buf, len, 0);
}

/* Checks the public iovec array (same layout as zt_iov: pointer, length). */
static int check_iov(const struct zts_iovec *iov, int iovcnt)
{
    _Static_assert(sizeof(struct zts_iovec) == sizeof(zt_iov), "iovec layout");
    return zt__front_iov_check((const zt_iov *)(const void *)iov, iovcnt);
}

/* zts_readv (|is_write| false) and zts_writev: the service running, the vector checked,
 * then one receive or send of it. */
static ssize_t iov_io(int fd, const struct zts_iovec *iov, int iovcnt, bool is_write)
{
    const zt_iov *v = (const zt_iov *)(const void *)iov;
    int rv;

    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    rv = check_iov(iov, iovcnt);
    if (rv != 0)
        return finish(rv);
    if (is_write)
        return finish(zt__sock_send(fd, v, iovcnt, 0, NULL));
    return finish(zt__sock_recv(fd, v, iovcnt, 0, NULL, NULL));
}

ssize_t zts_readv(int fd, const struct zts_iovec *iov, int iovcnt)
{
    return iov_io(fd, iov, iovcnt, false);
}

ssize_t zts_writev(int fd, const struct zts_iovec *iov, int iovcnt)
{
    return iov_io(fd, iov, iovcnt, true);
}

/* zts_sendmsg/zts_recvmsg take `struct msghdr *` (the seed's prototypes) but read the object
 * as a struct zts_msghdr (api.md §5.7).  msg_in copies it into *m once the service is running
 * and checks its vector: 0, or what the call returns. */
static ssize_t msg_in(const struct msghdr *msg, struct zts_msghdr *m)
{
    if (msg == NULL)
        return ZTS_ERR_ARG;
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    memcpy(m, msg, sizeof(*m));
    return finish(check_iov(m->msg_iov, m->msg_iovlen));
}

ssize_t zts_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    struct zts_msghdr m;
    zt_sockaddr a;
    ssize_t rv;

    if ((rv = msg_in(msg, &m)) != 0)
        return rv;
    if (m.msg_name != NULL) {
        if (bad_addr(m.msg_name, m.msg_namelen))
            return finish(-EINVAL);
        rv = addr_in(m.msg_name, m.msg_namelen, &a);
        if (rv != 0)
            return finish(rv);
    }
    return finish(zt__sock_send(fd, (const zt_iov *)(const void *)m.msg_iov, m.msg_iovlen, flags,
                                m.msg_name != NULL ? &a : NULL));
}

ssize_t zts_recvmsg(int fd, struct msghdr *msg, int flags)
{
    struct zts_msghdr m;
    zt_sockaddr from;
    ssize_t rv;
    int oflags = 0;

    if ((rv = msg_in(msg, &m)) != 0)
        return rv;
    rv = zt__sock_recv(fd, (const zt_iov *)(const void *)m.msg_iov, m.msg_iovlen, flags,
                       m.msg_name != NULL ? &from : NULL, &oflags);
    if (rv >= 0) {
        if (m.msg_name != NULL)
            addr_out(&from, m.msg_name, &m.msg_namelen);
        m.msg_controllen = 0; /* no control messages (IP_PKTINFO is not supported) */
        m.msg_flags = (oflags & ZT_MSG_TRUNC) ? ZTS_MSG_TRUNC : 0;
        memcpy(msg, &m, sizeof(m));
    }
    return finish(rv);
}

int zts_shutdown(int fd, int how)
{
    if (!zt__sock_is_running())
        return ZTS_ERR_SERVICE;
    if (how != ZTS_SHUT_RD && how != ZTS_SHUT_WR && how != ZTS_SHUT_RDWR)
        return finish_int(-EINVAL);
    return finish_int(zt__sock_shutdown(fd, how));
}
