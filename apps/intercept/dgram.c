/*
 * dgram.c: send, recv, sendto, recvfrom, sendmsg, recvmsg (docs/intercept.md, "Datagram
 * sockets").
 *
 * A datagram socket's pair is an AF_UNIX SOCK_DGRAM pair, so datagram boundaries hold.  Until
 * the socket is connected each datagram on it is an address record (ZT_NC_ADDR bytes: the
 * destination going out, the source coming in) followed by the payload; these calls add and
 * strip the record with an iovec split, so that truncation of a short buffer (MSG_TRUNC, in
 * the flags and in the return value when asked) is the kernel's own, counted on the payload.
 * Once connected the datagrams are bare and only the addresses need care.
 *
 * The fast path: for a stream socket or any descriptor the library does not know, these calls
 * are libc's after one lock-free look at the table (redis and curl call send and recv for
 * every message).  Datagram sockets take the table lock and check the descriptor with fstat()
 * (a stale entry would cut 24 bytes off someone else's data).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "intercept.h"

/* The largest UDP payload over IPv4 and over IPv6 (without jumbograms). */
#define UDP4_MAX 65507
#define UDP6_MAX 65527

/* iovec arrays up to this size live on the stack. */
#define IOV_STACK 16

static uint8_t class_of(int fd)
{
    return zt__icpt_fd_peek(fd) & ZT_ICPT_PEEK_CLASS;
}

/* A send on a datagram pair whose service end is closed: ECONNREFUSED on SOCK_DGRAM, EPIPE
 * on SOCK_SEQPACKET.  To a UDP program that is the network going away, not a peer's answer. */
static bool is_service_gone(int e)
{
    return e == ECONNREFUSED || e == EPIPE;
}

/* An iovec array with the record first and the program's after it: |stack| or the heap.
 * NULL: too many (-EMSGSIZE, as Linux says beyond IOV_MAX) or no memory (-ENOMEM). */
static struct iovec *iov_with_record(struct iovec *stack, const struct msghdr *msg,
                                     uint8_t *rec, int *perr)
{
    struct iovec *v = stack;
    size_t n = msg->msg_iovlen;

    if (n >= IOV_MAX) {
        *perr = -EMSGSIZE;
        return NULL;
    }
    if (n + 1 > IOV_STACK) {
        v = malloc((n + 1) * sizeof(*v));
        if (v == NULL) {
            *perr = -ENOMEM;
            return NULL;
        }
    }
    v[0].iov_base = rec;
    v[0].iov_len = ZT_NC_ADDR;
    if (n > 0)
        memcpy(v + 1, msg->msg_iov, n * sizeof(*v));
    return v;
}

static void iov_free(struct iovec *v, struct iovec *stack)
{
    if (v != stack)
        free(v);
}

/* An unconnected datagram socket: prepend the destination's record. */
static ssize_t send_unconnected(int fd, const zt_icpt_sock *s, const struct msghdr *msg,
                                int flags)
{
    struct iovec stack[IOV_STACK], *v;
    uint8_t rec[ZT_NC_ADDR];
    struct msghdr m;
    size_t total = 0;
    zt_nc_addr a;
    ssize_t n;
    int rv;

    if (msg->msg_name == NULL)
        return -EDESTADDRREQ;
    rv = zt__icpt_addr_from_sa(msg->msg_name, msg->msg_namelen, s->family, true, &a);
    if (rv < 0)
        return rv;
    for (size_t i = 0; i < msg->msg_iovlen; i++)
        total += msg->msg_iov[i].iov_len;
    if (total > (a.family == 4 ? UDP4_MAX : UDP6_MAX))
        return -EMSGSIZE;
    zt_nc_put_addr(rec, &a);
    v = iov_with_record(stack, msg, rec, &rv);
    if (v == NULL)
        return rv;
    /* No ancillary data: what UDP programs send there (IP_PKTINFO, UDP_SEGMENT, ...) has no
     * place in the protocol, and descriptors must not reach the service this way. */
    memset(&m, 0, sizeof(m));
    m.msg_iov = v;
    m.msg_iovlen = msg->msg_iovlen + 1;
    n = zt__icpt_libc()->sendmsg(fd, &m, flags | MSG_NOSIGNAL);
    if (n < 0)
        n = is_service_gone(errno) ? -ENETDOWN : -errno;
    else
        n = n >= ZT_NC_ADDR ? n - ZT_NC_ADDR : 0;
    iov_free(v, stack);
    return n;
}

/* The slow path of every send call: |msg| as sendmsg would take it. */
static ssize_t send_slow(int fd, uint8_t cls, const struct msghdr *msg, int flags)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    struct msghdr m = *msg;
    zt_icpt_sock s;
    zt_nc_addr a, to;
    ssize_t n;
    int rv;

    if (cls == ZT_ICPT_CLASS_STREAM) {
        /* TCP ignores a destination; the pair would refuse one (EISCONN).  TCP Fast Open has
         * no equivalent here. */
        if (flags & MSG_FASTOPEN)
            return -EOPNOTSUPP;
        m.msg_name = NULL;
        m.msg_namelen = 0;
        n = c->sendmsg(fd, &m, flags);
        return n < 0 ? -errno : n;
    }
    if (!zt__icpt_lookup_dgram(fd, &s)) {
        n = c->sendmsg(fd, msg, flags);
        return n < 0 ? -errno : n;
    }
    if (!(s.state & ZT_NC_STATE_CONNECTED))
        return send_unconnected(fd, &s, msg, flags);
    if (msg->msg_name != NULL) {
        /* A connected datagram socket's datagrams are bare: only its peer can be named. */
        rv = zt__icpt_addr_from_sa(msg->msg_name, msg->msg_namelen, s.family, true, &to);
        if (rv == 0)
            rv = zt__icpt_lookup_peer(fd, &s, &a);
        if (rv < 0)
            return rv;
        if (!zt__icpt_addr_equal(&a, &to))
            return -EISCONN;
        m.msg_name = NULL;
        m.msg_namelen = 0;
    }
    n = c->sendmsg(fd, &m, flags | MSG_NOSIGNAL);
    if (n < 0)
        return is_service_gone(errno) ? -ENETDOWN : -errno;
    return n;
}

/* An unconnected datagram socket: strip the source's record into msg_name. */
static ssize_t recv_unconnected(int fd, const zt_icpt_sock *s, struct msghdr *msg, int flags)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    struct iovec stack[IOV_STACK], *v;
    uint8_t rec[ZT_NC_ADDR];
    struct msghdr m;
    zt_nc_addr a;
    ssize_t n;
    int rv;

    v = iov_with_record(stack, msg, rec, &rv);
    if (v == NULL)
        return rv;
    for (;;) {
        memset(&m, 0, sizeof(m));
        m.msg_iov = v;
        m.msg_iovlen = msg->msg_iovlen + 1;
        m.msg_control = msg->msg_control;
        m.msg_controllen = msg->msg_controllen;
        n = c->recvmsg(fd, &m, flags);
        if (n < 0) {
            n = -errno;
            break;
        }
        if (n >= ZT_NC_ADDR && zt_nc_get_addr(rec, &a) == 0) {
            n -= ZT_NC_ADDR;
            break;
        }
        if (n == 0) {
            /* The service never sends an empty datagram: this is the end of a SOCK_SEQPACKET
             * pair whose service end is gone. */
            n = -ENETDOWN;
            break;
        }
        /* A datagram without a record cannot be the service's: drop it, read the next. */
        if (flags & MSG_PEEK)
            (void)c->recv(fd, NULL, 0, MSG_DONTWAIT);
    }
    iov_free(v, stack);
    if (n < 0)
        return n;
    msg->msg_flags = m.msg_flags;
    msg->msg_controllen = m.msg_controllen;
    if (msg->msg_name != NULL)
        (void)zt__icpt_addr_out(&a, s->family, msg->msg_name, &msg->msg_namelen);
    return n;
}

static ssize_t recv_slow(int fd, struct msghdr *msg, int flags)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    socklen_t cap;
    zt_icpt_sock s;
    zt_nc_addr a;
    ssize_t n;

    if (!zt__icpt_lookup_dgram(fd, &s)) {
        n = c->recvmsg(fd, msg, flags);
        return n < 0 ? -errno : n;
    }
    /* The pair has no error queue: reading one would consume a datagram. */
    if (flags & MSG_ERRQUEUE)
        return -EAGAIN;
    if (!(s.state & ZT_NC_STATE_CONNECTED))
        return recv_unconnected(fd, &s, msg, flags);
    cap = msg->msg_namelen;
    n = c->recvmsg(fd, msg, flags);
    if (n < 0)
        return -errno;
    if (msg->msg_name != NULL) {
        msg->msg_namelen = cap; /* the kernel said 0: the service's end has no name */
        if (zt__icpt_lookup_peer(fd, &s, &a) == 0)
            (void)zt__icpt_addr_out(&a, s.family, msg->msg_name, &msg->msg_namelen);
        else
            msg->msg_namelen = 0; /* the datagram is taken: report no address, not an error */
    }
    return n;
}

ZT_ICPT_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    uint8_t cls = class_of(fd);
    int saved = errno;

    if (cls == ZT_ICPT_CLASS_NONE || msg == NULL ||
        (cls != ZT_ICPT_CLASS_DGRAM && msg->msg_name == NULL))
        return zt__icpt_libc()->sendmsg(fd, msg, flags);
    return zt__icpt_sret(send_slow(fd, cls, msg, flags), saved);
}

ZT_ICPT_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
                              const struct sockaddr *to, socklen_t tolen)
{
    uint8_t cls = class_of(fd);
    int saved = errno;
    struct iovec iov = {(void *)buf, len};
    struct msghdr m;

    if (cls == ZT_ICPT_CLASS_NONE || (cls != ZT_ICPT_CLASS_DGRAM && to == NULL))
        return zt__icpt_libc()->sendto(fd, buf, len, flags, to, tolen);
    memset(&m, 0, sizeof(m));
    m.msg_name = (void *)to;
    m.msg_namelen = tolen;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    return zt__icpt_sret(send_slow(fd, cls, &m, flags), saved);
}

ZT_ICPT_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    int saved = errno;
    zt_icpt_sock s;

    if (class_of(fd) != ZT_ICPT_CLASS_DGRAM || !zt__icpt_lookup_dgram(fd, &s) ||
        (s.state & ZT_NC_STATE_CONNECTED)) {
        errno = saved;
        return zt__icpt_libc()->send(fd, buf, len, flags);
    }
    return zt__icpt_sret(-EDESTADDRREQ, saved);
}

ZT_ICPT_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    uint8_t cls = class_of(fd);
    int saved = errno;

    if (cls == ZT_ICPT_CLASS_NONE || cls == ZT_ICPT_CLASS_STREAM || msg == NULL ||
        (cls == ZT_ICPT_CLASS_DGRAM_CONN && msg->msg_name == NULL))
        return zt__icpt_libc()->recvmsg(fd, msg, flags);
    return zt__icpt_sret(recv_slow(fd, msg, flags), saved);
}

static ssize_t do_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                           socklen_t *fromlen)
{
    uint8_t cls = class_of(fd);
    int saved = errno;
    struct iovec iov = {buf, len};
    struct msghdr m;
    ssize_t n;

    if (cls == ZT_ICPT_CLASS_NONE || cls == ZT_ICPT_CLASS_STREAM ||
        (cls == ZT_ICPT_CLASS_DGRAM_CONN && from == NULL))
        return zt__icpt_libc()->recvfrom(fd, buf, len, flags, from, fromlen);
    if (from != NULL && fromlen == NULL)
        return zt__icpt_sret(-EFAULT, saved);
    if (from != NULL && (int)*fromlen < 0)
        return zt__icpt_sret(-EINVAL, saved);
    memset(&m, 0, sizeof(m));
    m.msg_name = from;
    m.msg_namelen = from != NULL ? *fromlen : 0;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    n = recv_slow(fd, &m, flags);
    if (n >= 0 && from != NULL)
        *fromlen = m.msg_namelen;
    return zt__icpt_sret(n, saved);
}

ZT_ICPT_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
                                struct sockaddr *from, socklen_t *fromlen)
{
    return do_recvfrom(fd, buf, len, flags, from, fromlen);
}

static ssize_t do_recv(int fd, void *buf, size_t len, int flags)
{
    int saved = errno;
    struct iovec iov = {buf, len};
    struct msghdr m;

    if (class_of(fd) != ZT_ICPT_CLASS_DGRAM)
        return zt__icpt_libc()->recv(fd, buf, len, flags);
    memset(&m, 0, sizeof(m));
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    return zt__icpt_sret(recv_slow(fd, &m, flags), saved);
}

ZT_ICPT_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    return do_recv(fd, buf, len, flags);
}

/* The fortified forms (_FORTIFY_SOURCE, the buffer's size known at compile time): the same
 * calls once the size is checked; an overflow goes to libc's own check, which aborts.  glibc
 * declares them only in fortified builds: declared here. */
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                       struct sockaddr *from, socklen_t *fromlen);

ZT_ICPT_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
    if (len > buflen)
        return zt__icpt_libc()->recv_chk(fd, buf, len, buflen, flags);
    return do_recv(fd, buf, len, flags);
}

ZT_ICPT_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                                      struct sockaddr *from, socklen_t *fromlen)
{
    if (len > buflen)
        return zt__icpt_libc()->recvfrom_chk(fd, buf, len, buflen, flags, from, fromlen);
    return do_recvfrom(fd, buf, len, flags, from, fromlen);
}
