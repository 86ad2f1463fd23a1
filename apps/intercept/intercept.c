/*
 * intercept.c: socket, bind, listen, connect, getsockname, getpeername, shutdown, close and
 * the dup family (docs/intercept.md, service.md §8.2).
 *
 * Every entry point first asks zt__icpt_active(): without ZT_NC_NETWORK it is libc's function
 * and nothing else.  With it, socket(AF_INET/AF_INET6) hands one end of a fresh socketpair to
 * zt-service and returns the other, and the control calls on such a descriptor become requests
 * (control.c); any other descriptor goes to libc untouched.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "intercept.h"

/* socket(): the type's flag bits that Linux accepts. */
#define TYPE_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)
#define TYPE_MASK 0xf

int zt__icpt_apply_flags(int fd, int flags)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0)
        return -errno;
    fl = (flags & SOCK_NONBLOCK) ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
    if (fcntl(fd, F_SETFL, fl) != 0)
        return -errno;
    if (!(flags & SOCK_CLOEXEC) && fcntl(fd, F_SETFD, 0) != 0)
        return -errno;
    return 0;
}

static int open_socket(int domain, int type, int protocol)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    int base = type & TYPE_MASK, sv[2] = {-1, -1}, pair, rv;
    uint8_t body[12];
    zt_icpt_reply rep;
    zt_icpt_sock s;
    struct stat st;

    if (type & ~(TYPE_MASK | TYPE_FLAGS))
        return -EINVAL;
    /* All or nothing: what the virtual network cannot carry fails here rather than leak to
     * the host's network (service.md §8.1, netcon's rule). */
    if (!(base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) &&
        !(base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)))
        return -EPROTONOSUPPORT;
    pair = base == SOCK_STREAM ? SOCK_STREAM : ZT_ICPT_DGRAM_PAIR;
    if (socketpair(AF_UNIX, pair | SOCK_CLOEXEC, 0, sv) != 0)
        return -errno;
    if (fstat(sv[0], &st) != 0) {
        rv = -errno;
        goto out;
    }
    body[0] = domain == AF_INET ? 4 : 6;
    body[1] = base == SOCK_STREAM ? ZT_NC_STREAM : ZT_NC_DGRAM;
    zt_nc_put16(body + 2, (uint16_t)protocol);
    zt_nc_put64(body + 4, (uint64_t)st.st_ino);
    rv = zt__icpt_ctl_call(ZT_NC_OP_SOCKET, 0, body, sizeof(body), sv[1], &rep);
    if (rv == 0)
        rv = zt__icpt_reply_rv(&rep);
    if (rv == 0)
        rv = -EPROTO; /* a socket ID is never 0 */
    if (rv < 0)
        goto out;
    memset(&s, 0, sizeof(s));
    s.id = (uint32_t)rv;
    s.family = domain;
    s.type = base;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    rv = zt__icpt_apply_flags(sv[0], type & TYPE_FLAGS);
    if (rv == 0)
        rv = zt__icpt_fd_put(sv[0], &s);
    if (rv == 0) {
        rv = sv[0];
        sv[0] = -1;
    }
out:
    /* Closing the service's end here leaves the service the only holder; closing ours on
     * failure tells the service (if it got the socket) that the program hung up. */
    c->close(sv[1]);
    if (sv[0] >= 0)
        c->close(sv[0]);
    return rv;
}

ZT_ICPT_EXPORT int socket(int domain, int type, int protocol)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    int saved = errno, fd;

    if (!zt__icpt_active() || (domain != AF_INET && domain != AF_INET6)) {
        fd = c->socket(domain, type, protocol);
        if (fd >= 0) {
            zt__icpt_fd_drop(fd); /* whatever the number named before, unseen */
            errno = saved;
        }
        return fd;
    }
    return zt__icpt_ret(open_socket(domain, type, protocol), saved);
}

ZT_ICPT_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    int saved = errno, rv;
    uint8_t body[ZT_NC_ADDR];
    zt_icpt_sock s;
    zt_nc_addr a;

    if (!zt__icpt_active() || zt__icpt_lookup(fd, false, &s) == 0)
        return zt__icpt_libc()->bind(fd, addr, len);
    rv = zt__icpt_addr_from_sa(addr, len, s.family, s.type == SOCK_DGRAM, &a);
    if (rv == 0) {
        zt_nc_put_addr(body, &a);
        rv = zt__icpt_ctl_simple(ZT_NC_OP_BIND, s.id, body, sizeof(body));
    }
    return zt__icpt_ret(rv < 0 ? rv : 0, saved);
}

ZT_ICPT_EXPORT int listen(int fd, int backlog)
{
    int saved = errno, rv;
    uint8_t body[4];
    zt_icpt_sock s;

    if (!zt__icpt_active() || zt__icpt_lookup(fd, false, &s) == 0)
        return zt__icpt_libc()->listen(fd, backlog);
    if (s.type != SOCK_STREAM)
        return zt__icpt_ret(-EOPNOTSUPP, saved);
    zt_nc_put32(body, (uint32_t)backlog);
    rv = zt__icpt_ctl_simple(ZT_NC_OP_LISTEN, s.id, body, sizeof(body));
    if (rv >= 0) {
        s.state |= ZT_NC_STATE_LISTENING;
        zt__icpt_fd_update(fd, &s);
    }
    return zt__icpt_ret(rv < 0 ? rv : 0, saved);
}

/* A stream connect's outcome |rv| in the table. */
static void note_connect(int fd, zt_icpt_sock *s, int rv)
{
    if (rv == -EINPROGRESS || rv == -EALREADY || rv == -EINTR) {
        s->is_connect_pending = true;
        s->state |= ZT_NC_STATE_CONNECTING;
    } else {
        s->is_connect_pending = false;
        s->state &= (uint8_t)~ZT_NC_STATE_CONNECTING;
        if (rv == 0 || rv == -EISCONN)
            s->state |= ZT_NC_STATE_CONNECTED;
    }
    zt__icpt_fd_update(fd, s);
}

/* A blocking connect waits on a connection of its own.  Like Linux's, it gives up after the
 * socket's SO_SNDTIMEO (EINPROGRESS) and a signal interrupts it (EINTR); either way the
 * connection attempt goes on, and SO_ERROR will tell how it ended. */
static int connect_blocking(int fd, zt_icpt_sock *s, uint8_t *body, size_t len)
{
    struct timeval tv = {0, 0};
    socklen_t tvlen = sizeof(tv);
    zt_icpt_reply rep;
    int rv;

    if (zt__icpt_libc()->getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &tvlen) != 0)
        memset(&tv, 0, sizeof(tv));
    body[len - 1] = 1;
    rv = zt__icpt_ctl_wait(ZT_NC_OP_CONNECT, s->id, body, len, &tv, true, &rep);
    if (rv == -EAGAIN)
        rv = -EINPROGRESS;
    else if (rv == 0)
        rv = zt__icpt_reply_rv(&rep);
    if (rv != -ENETDOWN)
        note_connect(fd, s, rv);
    return rv;
}

static int do_connect(int fd, zt_icpt_sock *s, const struct sockaddr *addr, socklen_t alen)
{
    uint8_t body[ZT_NC_ADDR + 1];
    zt_nc_addr a;
    int rv, fl;

    rv = zt__icpt_addr_from_sa(addr, alen, s->family, s->type == SOCK_DGRAM, &a);
    if (rv < 0)
        return rv;
    zt_nc_put_addr(body, &a);
    body[ZT_NC_ADDR] = 0;
    if (s->type == SOCK_DGRAM) {
        /* Connected at once; from the reply on, datagrams travel bare. */
        rv = zt__icpt_ctl_simple(ZT_NC_OP_CONNECT, s->id, body, sizeof(body));
        if (rv >= 0) {
            s->state |= ZT_NC_STATE_CONNECTED;
            s->has_peer = true;
            s->peer = a;
            zt__icpt_fd_update(fd, s);
        }
        return rv;
    }
    fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    if (!(fl & O_NONBLOCK))
        return connect_blocking(fd, s, body, sizeof(body));
    rv = zt__icpt_ctl_simple(ZT_NC_OP_CONNECT, s->id, body, sizeof(body));
    if (rv != -ENETDOWN)
        note_connect(fd, s, rv);
    return rv;
}

ZT_ICPT_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    int saved = errno, rv;
    zt_icpt_sock s;

    if (!zt__icpt_active() || zt__icpt_lookup(fd, false, &s) == 0)
        return zt__icpt_libc()->connect(fd, addr, len);
    rv = do_connect(fd, &s, addr, len);
    return zt__icpt_ret(rv < 0 ? rv : 0, saved);
}

ZT_ICPT_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    int saved = errno, rv;
    zt_icpt_sock s;
    zt_nc_addr a;

    if (!zt__icpt_active() || zt__icpt_lookup(fd, false, &s) == 0)
        return zt__icpt_libc()->getsockname(fd, addr, len);
    if (len == NULL)
        return zt__icpt_ret(-EFAULT, saved);
    rv = zt__icpt_ctl_getname(s.id, 0, &a);
    if (rv == 0)
        rv = zt__icpt_addr_out(&a, s.family, addr, len);
    return zt__icpt_ret(rv, saved);
}

ZT_ICPT_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    int saved = errno, rv;
    zt_icpt_sock s;
    zt_nc_addr a;

    if (!zt__icpt_active() || zt__icpt_lookup(fd, false, &s) == 0)
        return zt__icpt_libc()->getpeername(fd, addr, len);
    if (len == NULL)
        return zt__icpt_ret(-EFAULT, saved);
    rv = zt__icpt_lookup_peer(fd, &s, &a);
    if (rv == 0)
        rv = zt__icpt_addr_out(&a, s.family, addr, len);
    return zt__icpt_ret(rv, saved);
}

/* The pair carries the byte stream: shutting our end down is what the service sees (EOF on
 * SHUT_WR), so libc's shutdown is the whole job.  It is exported only to keep that explicit
 * and in one place should it ever need more. */
ZT_ICPT_EXPORT int shutdown(int fd, int how)
{
    return zt__icpt_libc()->shutdown(fd, how);
}

/* No message to the service: closing the last descriptor of the program's end hangs the pair
 * up, which the service notices by itself (and so it does when a process dies). */
ZT_ICPT_EXPORT int close(int fd)
{
    zt__icpt_fd_drop(fd); /* the table is empty when inert */
    return zt__icpt_libc()->close(fd);
}

ZT_ICPT_EXPORT int dup(int fd)
{
    int saved = errno, nfd;

    nfd = zt__icpt_libc()->dup(fd);
    if (nfd >= 0) {
        zt__icpt_fd_dup(fd, nfd);
        errno = saved;
    }
    return nfd;
}

ZT_ICPT_EXPORT int dup2(int fd, int nfd)
{
    int saved = errno, rv;

    rv = zt__icpt_libc()->dup2(fd, nfd);
    if (rv >= 0) {
        zt__icpt_fd_dup(fd, rv);
        errno = saved;
    }
    return rv;
}

ZT_ICPT_EXPORT int dup3(int fd, int nfd, int flags)
{
    int saved = errno, rv;

    rv = zt__icpt_libc()->dup3(fd, nfd, flags);
    if (rv >= 0) {
        zt__icpt_fd_dup(fd, rv);
        errno = saved;
    }
    return rv;
}
