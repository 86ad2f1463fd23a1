/*
 * accept.c: accept and accept4 (docs/intercept.md, "accept").
 *
 * The service delivers each connection it accepted on a listening socket as a record on that
 * socket's pair: ZT_NC_ACCEPT_LEN bytes (magic, the new socket's ID, the peer's address) with
 * the program's end of a new stream pair in SCM_RIGHTS (ncproto.h).  The listening descriptor
 * is therefore readable exactly when a connection waits, and select/poll/epoll on it work as
 * with a kernel socket.  accept reads one record, blocking or not as the listening descriptor
 * is (EAGAIN passes through), and returns the descriptor that came with it.
 *
 * Errors of our own: EOF on the listening pair (the service dropped the listener, or is gone)
 * is EINVAL, which Linux returns for a listener that was shut down, so that a program stops
 * accepting on it instead of retrying for ever; a record without a descriptor is
 * ECONNABORTED (that connection is lost, the next may be fine); a malformed record is EPROTO.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "intercept.h"

/* Descriptors received with one record: one is expected; room for a few more so that strays
 * arrive (and get closed) rather than being silently lost with MSG_CTRUNC. */
#define MAX_FDS 8

/* The first descriptor received in |m|; any other one is closed. */
static int take_fd(struct msghdr *m)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    int fd = -1;

    for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h != NULL; h = CMSG_NXTHDR(m, h)) {
        size_t n;

        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int x;

            memcpy(&x, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
            if (fd < 0)
                fd = x;
            else
                c->close(x);
        }
    }
    return fd;
}

/* Reads one record from listening socket |fd| and makes its descriptor the program's. */
static int do_accept(int fd, const zt_icpt_sock *ls, struct sockaddr *addr, socklen_t *alen,
                     int flags)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    uint8_t rec[ZT_NC_ACCEPT_LEN];
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    } cm;
    struct iovec iov = {rec, sizeof(rec)};
    struct msghdr m;
    zt_icpt_sock s;
    zt_nc_addr peer;
    struct stat st;
    int nfd, rv;
    ssize_t n;

    memset(&m, 0, sizeof(m));
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cm.buf;
    m.msg_controllen = sizeof(cm.buf);
    /* Close-on-exec from the start: another thread's exec must not inherit it. */
    n = c->recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -errno;
    nfd = take_fd(&m);
    if (n == 0) {
        rv = -EINVAL;
        goto out;
    }
    if ((size_t)n != sizeof(rec) || zt_nc_get32(rec) != ZT_NC_ACCEPT_MAGIC ||
        zt_nc_get32(rec + 4) == 0 || zt_nc_get_addr(rec + 8, &peer) != 0) {
        rv = -EPROTO;
        goto out;
    }
    if (nfd < 0) {
        rv = -ECONNABORTED;
        goto out;
    }
    if (fstat(nfd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        rv = -ECONNABORTED;
        goto out;
    }
    rv = zt__icpt_apply_flags(nfd, flags);
    if (rv < 0)
        goto out;
    memset(&s, 0, sizeof(s));
    s.id = zt_nc_get32(rec + 4);
    s.family = ls->family;
    s.type = SOCK_STREAM;
    s.state = ZT_NC_STATE_CONNECTED;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    rv = zt__icpt_fd_put(nfd, &s);
    if (rv < 0)
        goto out;
    if (addr != NULL)
        (void)zt__icpt_addr_out(&peer, ls->family, addr, alen); /* checked beforehand */
    rv = nfd;
    nfd = -1;
out:
    if (nfd >= 0)
        c->close(nfd);
    return rv;
}

static int accept_common(int fd, struct sockaddr *addr, socklen_t *alen, int flags,
                         bool is_accept4)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    int saved = errno, nfd;
    zt_icpt_sock s;

    if (!zt__icpt_active() || zt__icpt_lookup(fd, false, &s) == 0) {
        nfd = is_accept4 ? c->accept4(fd, addr, alen, flags) : c->accept(fd, addr, alen);
        if (nfd >= 0) {
            zt__icpt_fd_drop(nfd);
            errno = saved;
        }
        return nfd;
    }
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return zt__icpt_ret(-EINVAL, saved);
    if (s.type != SOCK_STREAM)
        return zt__icpt_ret(-EOPNOTSUPP, saved);
    /* Check what can be checked before taking a connection that could then not be given. */
    if (addr != NULL && (alen == NULL || (int)*alen < 0))
        return zt__icpt_ret(alen == NULL ? -EFAULT : -EINVAL, saved);
    /* listen() may have happened in another process (before exec, or in the parent after a
     * fork): ask the service before refusing. */
    if (!(s.state & ZT_NC_STATE_LISTENING) &&
        (zt__icpt_lookup(fd, true, &s) == 0 || !(s.state & ZT_NC_STATE_LISTENING)))
        return zt__icpt_ret(-EINVAL, saved);
    return zt__icpt_ret(do_accept(fd, &s, addr, alen, flags), saved);
}

ZT_ICPT_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *alen)
{
    return accept_common(fd, addr, alen, 0, false);
}

ZT_ICPT_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
    return accept_common(fd, addr, alen, flags, true);
}
