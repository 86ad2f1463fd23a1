/*
 * sock_compat.c: socket-layer behaviours the modern API asks for beyond the 1.3 ones
 * (sock.h, "what the modern API adds"; api-modern.md §5.7, §5.8, §11 item 16):
 *
 *  - zts_connect retries on the same socket after a failed TCP attempt, which lwIP cannot do
 *    once its pcb is gone: the socket records its pcb's settings before each attempt and is
 *    given a fresh pcb with them (renew);
 *  - zts_connect bounds the whole call by its own timeout, so a blocking attempt is awaited
 *    for at most the time left and abandoned after;
 *  - lwIP's end of stream: the first read at the end returns 0, the later ones ENOTCONN.
 *
 * The 1.3 calls use none of this: their behaviour is sock.c's and sock_tcp.c's alone.
 */
#include "socket/sock_internal.h"

#include "lwip/ip.h"

/* Records what a new pcb would need to be this one again (TCP, not yet connecting). */
static void setup_save(zt_sock *s)
{
    const struct tcp_pcb *p = s->pcb.tcp;
    zt_tcp_setup *u = &s->setup;

    if (p == NULL || s->state != ZT_SOCK_NEW)
        return;
    u->valid = true;
    u->so_options = p->so_options;
    u->tos = p->tos;
    u->ttl = p->ttl;
    u->keep_idle = p->keep_idle;
    u->keep_intvl = p->keep_intvl;
    u->keep_cnt = p->keep_cnt;
    ip_addr_copy(u->local_ip, p->local_ip);
    u->local_port = p->local_port;
}

/*
 * Gives the TCP socket |s| (connecting, or dead after a failed attempt) a new unconnected pcb
 * with the recorded settings.  Returns 0, or -errno with |s| left dead (no pcb).
 */
static int renew(zt_sock *s)
{
    const zt_tcp_setup *u = &s->setup;
    struct tcp_pcb *p;
    int rv;

    zt__tcp_release(s); /* a connecting pcb is closed; a dead one is already gone */
    s->err = 0;
    s->rx_eof = false;
    s->shut_rd = false;
    s->shut_wr = false;
    s->eof_told = false;
    s->rx_unopened = 0;
    s->state = ZT_SOCK_NEW;
    rv = zt__tcp_open(s); /* IPv4, or dual stack for IPv6 */
    if (rv != 0) {
        s->state = ZT_SOCK_DEAD;
        return rv;
    }
    zt__sock_notify(s); /* pollers see a new socket (writable, not connecting) */
    p = s->pcb.tcp;
    if (s->family == 6 && s->v6only)
        IP_SET_TYPE_VAL(p->local_ip, IPADDR_TYPE_V6);
    if (s->nodelay)
        tcp_nagle_disable(p);
    if (!u->valid)
        return 0;
    p->so_options = u->so_options;
    p->tos = u->tos;
    p->ttl = u->ttl;
    p->keep_idle = u->keep_idle;
    p->keep_intvl = u->keep_intvl;
    p->keep_cnt = u->keep_cnt;
    if (u->local_port != 0)
        return zt__sock_errno_of(tcp_bind(p, &u->local_ip, u->local_port));
    return 0;
}

/* A blocking attempt started non-blocking: its outcome within |wait_ms|, else abandoned. */
static int await_outcome(zt_sock *s, int64_t wait_ms)
{
    struct timespec ts, *deadline = zt__sock_deadline(&ts, wait_ms);
    int rv;

    while (s->state == ZT_SOCK_CONNECTING) {
        rv = wait_ms <= 0 ? -EAGAIN : zt__sock_wait(s, deadline);
        if (rv == -EAGAIN) {
            rv = renew(s);
            return rv != 0 ? rv : -ETIMEDOUT;
        }
        if (rv != 0)
            return rv; /* closed meanwhile */
    }
    if (s->state == ZT_SOCK_CONNECTED)
        return 0;
    rv = -s->err;
    s->err = 0;
    return rv != 0 ? rv : -ECONNABORTED;
}

static int tcp_connect_ex(zt_sock *s, const zt_sockaddr *a, unsigned flags, int64_t wait_ms)
{
    ip_addr_t ip;
    bool nonblock = s->nonblock;
    int rv;

    if (a == NULL)
        return -EINVAL; /* AF_UNSPEC: lwIP cannot dissolve a TCP connection */
    if ((flags & ZT_CONNECT_RENEW) && s->state == ZT_SOCK_DEAD && !s->ever_connected) {
        int pending = s->err;
        rv = renew(s);
        if (rv != 0)
            return rv;
        if (pending != 0 && nonblock)
            return -pending;
    }
    if ((rv = zt__sock_addr_in(s, a, &ip)) != 0)
        return rv;
    setup_save(s);
    if (nonblock || wait_ms < 0)
        return zt__tcp_connect(s, &ip, a->port);
    s->nonblock = true; /* start the attempt without waiting; the core lock is held */
    rv = zt__tcp_connect(s, &ip, a->port);
    s->nonblock = nonblock;
    return rv == -EINPROGRESS ? await_outcome(s, wait_ms) : rv;
}

int zt__sock_connect_ex(int fd, const zt_sockaddr *a, unsigned flags, int64_t wait_ms)
{
    zt_sock *s = zt__sock_enter(fd);
    ip_addr_t ip;
    int rv;

    if (s == NULL)
        return -EBADF;
    if (s->type == ZT_SOCK_STREAM) {
        rv = tcp_connect_ex(s, a, flags, wait_ms);
    } else if (a == NULL) {
        ip_addr_set_zero_ip4(&ip);
        rv = zt__udp_connect(s, &ip, 0); /* the any address and port 0: dissolve */
    } else {
        rv = zt__sock_addr_in(s, a, &ip);
        if (rv == 0)
            rv = zt__udp_connect(s, &ip, a->port);
    }
    zt__sock_leave(s);
    return rv;
}

ssize_t zt__sock_recv_once(int fd, const zt_iov *iov, int iovcnt, int flags, zt_sockaddr *from,
                           int *oflags)
{
    zt_sock *s;
    bool may_end;
    ssize_t rv;

    if (oflags != NULL)
        *oflags = 0;
    s = zt__sock_enter(fd);
    if (s == NULL)
        return -EBADF;
    may_end = s->type == ZT_SOCK_STREAM && zt__iov_len(iov, iovcnt) > 0;
    if (may_end && s->eof_told && s->rx_bytes == 0) {
        rv = -ENOTCONN;
    } else {
        rv = zt__sock_recv_locked(s, iov, iovcnt, flags, from, oflags);
        if (rv == 0 && may_end) {
            s->eof_told = true;
            if (oflags != NULL)
                *oflags |= ZT_MSG_EOF;
        }
    }
    zt__sock_leave(s);
    return rv;
}
