/*
 * sock_tcp.c: TCP sockets over lwIP's raw API (sock.h, docs/internals/socket.md).
 *
 * lwIP calls us back with the core lock held: received segments go into the socket's ring and
 * the window opens only as the application reads them (flow control end to end); "sent" and
 * "connected" wake writers; an error records the errno and marks the connection dead (lwIP has
 * freed the pcb by then).  Closing detaches the socket from its pcb first, so no callback
 * ever reaches a closed socket.
 */
#include "socket/sock_internal.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/priv/tcp_priv.h"

/* ---- the receive ring --------------------------------------------------------------------- */

static int rx_push(zt_sock *s, struct pbuf *p)
{
    if (s->rxq_n == s->rxq_cap) {
        unsigned ncap = s->rxq_cap == 0 ? 16 : s->rxq_cap * 2;
        struct pbuf **nq = malloc(ncap * sizeof(*nq));
        if (nq == NULL)
            return -1;
        for (unsigned i = 0; i < s->rxq_n; i++)
            nq[i] = s->rxq[(s->rxq_head + i) % s->rxq_cap];
        free(s->rxq);
        s->rxq = nq;
        s->rxq_cap = ncap;
        s->rxq_head = 0;
    }
    s->rxq[(s->rxq_head + s->rxq_n) % s->rxq_cap] = p;
    s->rxq_n++;
    s->rx_bytes += p->tot_len;
    return 0;
}

static void rx_clear(zt_sock *s)
{
    for (unsigned i = 0; i < s->rxq_n; i++)
        pbuf_free(s->rxq[(s->rxq_head + i) % s->rxq_cap]);
    free(s->rxq);
    s->rxq = NULL;
    s->rxq_cap = s->rxq_n = s->rxq_head = 0;
    s->rx_off = s->rx_bytes = 0;
}

/* Tells lwIP the application took |n| bytes: the window opens by as much. */
static void window_open(zt_sock *s, size_t n)
{
    struct tcp_pcb *pcb = s->pcb.tcp;

    s->rx_unopened += n;
    if (pcb == NULL) {
        s->rx_unopened = 0;
        return;
    }
    /* While segments wait out of order (a loss), the right edge of the window stays put: the
     * sender counts an ACK as a duplicate only if the edge did not move, and three of them
     * make it repair the loss at once instead of at its retransmission timeout (lwIP's
     * tcp_receive).  The window opens as soon as the hole is filled (on_recv). */
    if (pcb->ooseq != NULL)
        return;
    while (s->rx_unopened > 0) {
        u16_t k = s->rx_unopened > 0xffff ? 0xffff : (u16_t)s->rx_unopened;
        tcp_recved(pcb, k);
        s->rx_unopened -= k;
    }
}

/* Copies up to |len| readable bytes into the iovec (from the ring's start); consumes them
 * unless |peek|.  Returns the count. */
static size_t rx_take(zt_sock *s, const zt_iov *iov, int iovcnt, bool peek)
{
    unsigned qi = 0;
    size_t off = s->rx_off, done = 0;

    for (int i = 0; i < iovcnt && qi < s->rxq_n; i++) {
        size_t vo = 0;
        while (vo < iov[i].len && qi < s->rxq_n) {
            struct pbuf *p = s->rxq[(s->rxq_head + qi) % s->rxq_cap];
            size_t avail = p->tot_len - off, n = iov[i].len - vo;
            if (n > avail)
                n = avail;
            pbuf_copy_partial(p, (uint8_t *)iov[i].base + vo, (u16_t)n, (u16_t)off);
            vo += n;
            off += n;
            done += n;
            if (off == p->tot_len) {
                qi++;
                off = 0;
            }
        }
    }
    if (peek)
        return done;
    for (unsigned k = 0; k < qi; k++) {
        pbuf_free(s->rxq[s->rxq_head]);
        s->rxq_head = (s->rxq_head + 1) % s->rxq_cap;
        s->rxq_n--;
    }
    s->rx_off = off;
    s->rx_bytes -= done;
    window_open(s, done);
    return done;
}

/* ---- lwIP callbacks (core lock held) ------------------------------------------------------ */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    zt_sock *s = arg;

    (void)err;
    if (p == NULL) {
        s->rx_eof = true;
    } else if (s->shut_rd) {
        tcp_recved(pcb, p->tot_len); /* read side shut: taken and dropped */
        pbuf_free(p);
        return ERR_OK;
    } else if (rx_push(s, p) != 0) {
        return ERR_MEM; /* lwIP keeps it and offers it again */
    }
    if (s->rx_unopened > 0 && pcb->ooseq == NULL)
        window_open(s, 0); /* the hole is filled: what was read meanwhile opens the window */
    zt__sock_notify(s);
    return ERR_OK;
}

static size_t send_room(const struct tcp_pcb *pcb);

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    zt_sock *s = arg;

    (void)len;
    /* Writers wake once a useful amount is free (what poll calls writable), not at every ACK:
     * waking costs more than the ACK did. */
    if ((s->nwaiting > 0 || s->polls != NULL || s->watch != NULL) &&
        send_room(pcb) >= TCP_SNDLOWAT)
        zt__sock_notify(s);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    zt_sock *s = arg;

    s->pcb.tcp = NULL; /* lwIP has freed it */
    switch (err) {
    case ERR_CLSD:
        /* Both sides closed in order and the pcb ended: not an error. */
        s->rx_eof = true;
        s->shut_wr = true;
        break;
    case ERR_RST:
        s->err = s->state == ZT_SOCK_CONNECTING ? ECONNREFUSED : ECONNRESET;
        s->state = ZT_SOCK_DEAD;
        break;
    case ERR_ABRT:
        /* lwIP aborts on its own only when retransmissions (SYN, data or keepalive) give up. */
        s->err = ETIMEDOUT;
        s->state = ZT_SOCK_DEAD;
        break;
    default:
        s->err = -zt__sock_errno_of(err);
        s->state = ZT_SOCK_DEAD;
        break;
    }
    zt__sock_notify(s);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    zt_sock *s = arg;

    (void)pcb;
    (void)err;
    s->state = ZT_SOCK_CONNECTED;
    s->ever_connected = true;
    zt__sock_notify(s);
    return ERR_OK;
}

static void attach(zt_sock *s, struct tcp_pcb *pcb)
{
    s->pcb.tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
}

static err_t on_accept(void *arg, struct tcp_pcb *npcb, err_t err)
{
    zt_sock *l = arg, *ns;

    if (err != ERR_OK || npcb == NULL)
        return ERR_VAL;
    ns = zt__sock_new_struct(l->family, ZT_SOCK_STREAM);
    if (ns == NULL)
        return ERR_MEM; /* lwIP aborts the new connection */
    ns->state = ZT_SOCK_CONNECTED;
    ns->ever_connected = true;
    ns->refs = 1; /* the listener's queue */
    ns->listener = l;
    ns->nodelay = l->nodelay;
    attach(ns, npcb);
    if (ns->nodelay)
        tcp_nagle_disable(npcb);
    /* Counted against the backlog until the application accepts it. */
    tcp_backlog_delayed(npcb);
    if (l->acc_tail != NULL)
        l->acc_tail->acc_next = ns;
    else
        l->acc_head = ns;
    l->acc_tail = ns;
    l->acc_n++;
    zt__sock_notify(l);
    return ERR_OK;
}

/* ---- calls -------------------------------------------------------------------------------- */

int zt__tcp_open(zt_sock *s)
{
    /* IPv6 sockets are dual-stack until IPV6_V6ONLY says otherwise (api.md §5.7). */
    struct tcp_pcb *pcb = tcp_new_ip_type(s->family == 4 ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);

    if (pcb == NULL)
        return -ENOMEM;
    attach(s, pcb);
    return 0;
}

/* Lets go of an accepted connection nobody took (listener closing). */
static void drop_queued(zt_sock *ns)
{
    ns->listener = NULL;
    if (ns->pcb.tcp != NULL) {
        struct tcp_pcb *pcb = ns->pcb.tcp;
        tcp_arg(pcb, NULL);
        tcp_err(pcb, NULL);
        ns->pcb.tcp = NULL;
        tcp_abort(pcb);
    }
    rx_clear(ns);
    zt__sock_put(ns);
}

void zt__tcp_release(zt_sock *s)
{
    struct tcp_pcb *pcb = s->pcb.tcp;

    s->pcb.tcp = NULL;
    if (s->state == ZT_SOCK_LISTEN) {
        while (s->acc_head != NULL) {
            zt_sock *ns = s->acc_head;
            s->acc_head = ns->acc_next;
            drop_queued(ns);
        }
        s->acc_tail = NULL;
        s->acc_n = 0;
        if (pcb != NULL) {
            tcp_arg(pcb, NULL);
            tcp_accept(pcb, NULL);
            (void)tcp_close(pcb); /* never fails for a listener */
        }
        return;
    }
    rx_clear(s);
    if (pcb == NULL)
        return;
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    if (s->linger.onoff && s->linger.secs == 0) {
        tcp_abort(pcb); /* SO_LINGER {1, 0}: reset (api.md §5.7) */
        return;
    }
    /* Unread data makes lwIP answer with a reset, as a kernel does; otherwise FIN after what
     * is still queued. */
    if (tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

int zt__tcp_connect(zt_sock *s, const ip_addr_t *ip, uint16_t port)
{
    struct timespec ts, *deadline;
    err_t err;
    int rv;

    switch (s->state) {
    case ZT_SOCK_CONNECTING: return -EALREADY;
    case ZT_SOCK_CONNECTED: return -EISCONN;
    case ZT_SOCK_LISTEN: return -EINVAL;
    case ZT_SOCK_DEAD: return -EINVAL;
    default: break;
    }
    if (s->pcb.tcp == NULL)
        return -EINVAL;
    if (s->family == 6 && s->v6only && IP_IS_V4_VAL(*ip))
        return -EINVAL;
    err = tcp_connect(s->pcb.tcp, ip, port, on_connected);
    if (err != ERR_OK)
        return zt__sock_errno_of(err);
    s->state = ZT_SOCK_CONNECTING;
    if (s->nonblock)
        return -EINPROGRESS;
    deadline = zt__sock_deadline(&ts, s->sndtimeo_ms);
    while (s->state == ZT_SOCK_CONNECTING) {
        rv = zt__sock_wait(s, deadline);
        if (rv == -EAGAIN)
            return -EINPROGRESS; /* SO_SNDTIMEO bounds a blocking connect, as on Linux */
        if (rv != 0)
            return rv;
    }
    if (s->state == ZT_SOCK_CONNECTED)
        return 0;
    rv = -s->err;
    s->err = 0;
    return rv != 0 ? rv : -ECONNABORTED;
}

int zt__tcp_listen(zt_sock *s, int backlog)
{
    struct tcp_pcb *lpcb;
    err_t err = ERR_OK;

    if (backlog < 1)
        backlog = 1;
    if (backlog > 255)
        backlog = 255;
    if (s->state == ZT_SOCK_LISTEN) {
        s->backlog = (unsigned)backlog;
        tcp_backlog_set(s->pcb.tcp, (u8_t)backlog);
        return 0;
    }
    if (s->state != ZT_SOCK_NEW || s->pcb.tcp == NULL)
        return -EINVAL;
    if (s->pcb.tcp->local_port == 0) {
        /* listen() on an unbound socket takes an ephemeral port on the wildcard. */
        err = tcp_bind(s->pcb.tcp, s->family == 4 ? IP4_ADDR_ANY : IP_ANY_TYPE, 0);
        if (err != ERR_OK)
            return zt__sock_errno_of(err);
    }
    lpcb = tcp_listen_with_backlog_and_err(s->pcb.tcp, (u8_t)backlog, &err);
    if (lpcb == NULL)
        return zt__sock_errno_of(err);
    /* lwIP freed the old pcb (its callbacks with it). */
    s->pcb.tcp = lpcb;
    s->state = ZT_SOCK_LISTEN;
    s->backlog = (unsigned)backlog;
    tcp_arg(lpcb, s);
    tcp_accept(lpcb, on_accept);
    return 0;
}

int zt__tcp_accept(zt_sock *l, zt_sockaddr *peer, bool nonblock)
{
    struct timespec ts, *deadline;
    zt_sock *ns;
    int fd, rv;

    if (l->state != ZT_SOCK_LISTEN)
        return -EINVAL;
    deadline = zt__sock_deadline(&ts, l->rcvtimeo_ms);
    while (l->acc_head == NULL) {
        if (l->nonblock)
            return -EAGAIN;
        rv = zt__sock_wait(l, deadline);
        if (rv != 0)
            return rv;
    }
    ns = l->acc_head;
    l->acc_head = ns->acc_next;
    if (l->acc_head == NULL)
        l->acc_tail = NULL;
    l->acc_n--;
    ns->acc_next = NULL;
    ns->listener = NULL;
    fd = zt__sock_attach_fd(ns);
    if (fd < 0) {
        drop_queued(ns);
        return fd;
    }
    zt__sock_put(ns); /* the queue's reference; the table holds it now */
    if (ns->pcb.tcp != NULL)
        tcp_backlog_accepted(ns->pcb.tcp);
    ns->nonblock = nonblock;
    if (peer != NULL) {
        if (ns->pcb.tcp != NULL)
            zt__sock_addr_out(ns, &ns->pcb.tcp->remote_ip, ns->pcb.tcp->remote_port, peer);
        else /* reset while queued: the wildcard of the socket's family */
            zt__sock_addr_out(ns, IP_ANY_TYPE, 0, peer);
    }
    return fd;
}

/* Room for one more tcp_write now. */
static size_t send_room(const struct tcp_pcb *pcb)
{
    if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 1)
        return 0;
    return tcp_sndbuf(pcb);
}

/* A blocking send on a connecting socket waits for the outcome (SO_SNDTIMEO bounds it). */
static int wait_connected(zt_sock *s, bool nonblock, const struct timespec *deadline)
{
    while (s->state == ZT_SOCK_CONNECTING) {
        int rv;
        if (nonblock)
            return -EAGAIN;
        if ((rv = zt__sock_wait(s, deadline)) != 0)
            return rv;
    }
    return 0;
}

/* Why nothing more can be sent (a pending error is taken), or 0. */
static int send_stopped(zt_sock *s)
{
    int rv;

    if (s->err != 0) {
        rv = -s->err;
        s->err = 0;
        return rv;
    }
    if (s->shut_wr) /* api.md §5.7: ESHUTDOWN/ENOTCONN after SHUT_WR */
        return -ESHUTDOWN;
    if (s->pcb.tcp == NULL || s->state != ZT_SOCK_CONNECTED)
        return -EPIPE;
    return 0;
}

/* tcp_write flags: we copy, the caller's buffer is its own again on return. */
#define ZT_TCP_WRITE ((u8_t)TCP_WRITE_FLAG_COPY)
#define ZT_TCP_WRITE_MORE ((u8_t)(TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE))

ssize_t zt__tcp_send(zt_sock *s, const zt_iov *iov, int iovcnt, int flags)
{
    struct timespec ts, *deadline;
    bool nonblock = s->nonblock || (flags & ZT_MSG_DONTWAIT);
    size_t total = zt__iov_len(iov, iovcnt), sent = 0, off = 0;
    int i = 0, rv;

    if (s->state == ZT_SOCK_NEW || s->state == ZT_SOCK_LISTEN)
        return -ENOTCONN;
    deadline = zt__sock_deadline(&ts, s->sndtimeo_ms);
    if ((rv = wait_connected(s, nonblock, deadline)) != 0)
        return rv;
    while (sent < total) {
        struct tcp_pcb *pcb = s->pcb.tcp;
        size_t room, chunk;
        bool more;
        err_t err;

        if (s->err != 0 && sent > 0)
            break; /* the error is for the next call */
        if ((rv = send_stopped(s)) != 0)
            return sent > 0 ? (ssize_t)sent : rv;
        while (iov[i].len == off) {
            i++;
            off = 0;
        }
        room = send_room(pcb);
        if (room == 0) {
            tcp_output(pcb);
            if (nonblock)
                break;
            rv = zt__sock_wait(s, deadline);
            if (rv != 0) {
                if (rv == -EAGAIN && sent > 0)
                    break;
                return rv;
            }
            continue;
        }
        chunk = iov[i].len - off;
        if (chunk > room)
            chunk = room;
        if (chunk > 0xffff)
            chunk = 0xffff;
        more = sent + chunk < total || (flags & ZT_MSG_MORE);
        err = tcp_write(pcb, (const uint8_t *)iov[i].base + off, (u16_t)chunk,
                        more ? ZT_TCP_WRITE_MORE : ZT_TCP_WRITE);
        if (err == ERR_MEM) {
            if (pcb->unsent == NULL && pcb->unacked == NULL)
                return sent > 0 ? (ssize_t)sent : -ENOMEM;
            tcp_output(pcb);
            if (nonblock)
                break;
            rv = zt__sock_wait(s, deadline);
            if (rv != 0)
                return sent > 0 ? (ssize_t)sent : rv;
            continue;
        }
        if (err != ERR_OK)
            return sent > 0 ? (ssize_t)sent : zt__sock_errno_of(err);
        sent += chunk;
        off += chunk;
    }
    if (sent == 0 && total > 0)
        return -EAGAIN;
    if (s->pcb.tcp != NULL && !(flags & ZT_MSG_MORE))
        tcp_output(s->pcb.tcp);
    return (ssize_t)sent;
}

ssize_t zt__tcp_recv(zt_sock *s, const zt_iov *iov, int iovcnt, int flags)
{
    struct timespec ts, *deadline;
    bool nonblock = s->nonblock || (flags & ZT_MSG_DONTWAIT);
    int rv;

    if (s->state == ZT_SOCK_NEW || s->state == ZT_SOCK_LISTEN)
        return -ENOTCONN;
    if (zt__iov_len(iov, iovcnt) == 0)
        return 0;
    deadline = zt__sock_deadline(&ts, s->rcvtimeo_ms);
    for (;;) {
        if (s->rx_bytes > 0)
            return (ssize_t)rx_take(s, iov, iovcnt, (flags & ZT_MSG_PEEK) != 0);
        if (s->err != 0) {
            rv = -s->err;
            s->err = 0;
            return rv;
        }
        if (s->rx_eof || s->shut_rd || s->state == ZT_SOCK_DEAD)
            return 0;
        if (nonblock)
            return -EAGAIN;
        rv = zt__sock_wait(s, deadline);
        if (rv != 0)
            return rv;
    }
}

int zt__tcp_shutdown(zt_sock *s, int how)
{
    if (s->state != ZT_SOCK_CONNECTED && s->state != ZT_SOCK_DEAD)
        return -ENOTCONN;
    if (how == 0 || how == 2) {
        size_t n = s->rx_bytes;
        s->shut_rd = true;
        rx_clear(s);
        window_open(s, n);
    }
    if ((how == 1 || how == 2) && !s->shut_wr) {
        s->shut_wr = true;
        if (s->pcb.tcp != NULL) {
            err_t err = tcp_shutdown(s->pcb.tcp, 0, 1);
            if (err != ERR_OK)
                return zt__sock_errno_of(err);
        }
    }
    zt__sock_notify(s);
    return 0;
}

short zt__tcp_ready(const zt_sock *s)
{
    short r = 0;

    if (s->state == ZT_SOCK_LISTEN)
        return s->acc_head != NULL ? ZT_POLLIN : 0;
    if (s->err != 0)
        return ZT_POLLIN | ZT_POLLOUT | ZT_POLLERR;
    if (s->rx_bytes > 0 || s->rx_eof || s->shut_rd || s->state == ZT_SOCK_DEAD)
        r |= ZT_POLLIN;
    switch (s->state) {
    case ZT_SOCK_NEW:
    case ZT_SOCK_DEAD:
        r |= ZT_POLLOUT;
        break;
    case ZT_SOCK_CONNECTED:
        if (s->pcb.tcp == NULL || s->shut_wr || send_room(s->pcb.tcp) >= TCP_SNDLOWAT)
            r |= ZT_POLLOUT;
        break;
    default:
        break;
    }
    return r;
}

size_t zt__tcp_nread(const zt_sock *s)
{
    return s->rx_bytes;
}
