/*
 * nc_pump.c: what moves between a program's socketpair end and its socket of the stack
 * (docs/intercept.md, "The service side"): stream bytes both ways with end-of-stream passed
 * on in order, datagrams with their address records, and each accepted connection handed to
 * the listening program as a new pair end.  Nothing blocks: what cannot move yet waits in a
 * small buffer of the socket, and the socket's readiness (epoll on the pair end, the stack's
 * watcher) brings it back here.
 */
#include "nc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nc_zsock.h"

/* Bigger pair buffers than the default 208 KiB: fewer wakeups on a bulk transfer. */
#define PAIR_BUFFER (1024 * 1024)

void zt__nc_interest(nc_bridge *b, nc_sock *s)
{
    uint32_t ev = 0;
    struct epoll_event e;

    if (s->kfd < 0 || !s->registered)
        return;
    if (s->type == ZT_NC_DGRAM) {
        ev = EPOLLIN;
    } else if (s->listening) {
        ev = s->pend_fd >= 0 ? EPOLLOUT : 0;
    } else if (s->connected || s->net_failed) {
        /* After a failure what the program still writes is read and dropped: it must not
         * block on a full pair. */
        if (!s->app_eof && s->up.len == s->up.off)
            ev |= EPOLLIN;
        if (s->down.len > s->down.off)
            ev |= EPOLLOUT;
    }
    if (ev == s->interest)
        return;
    e.events = ev;
    e.data.ptr = s;
    if (epoll_ctl(b->ep, EPOLL_CTL_MOD, s->kfd, &e) == 0)
        s->interest = ev;
}

void zt__nc_sock_free(nc_bridge *b, nc_sock *s)
{
    if (s->connecting) {
        s->connecting = false;
        s->conn_err = ECONNABORTED;
        zt__nc_connect_ended(b, s);
    }
    zt__ncz_close(s->zfd); /* clears the watcher first */
    if (s->kfd >= 0) {
        if (s->registered)
            (void)epoll_ctl(b->ep, EPOLL_CTL_DEL, s->kfd, NULL);
        close(s->kfd);
    }
    if (s->pend_fd >= 0)
        close(s->pend_fd);
    free(s->up.data);
    free(s->down.data);
    b->socks[s->id - 1] = NULL;
    b->nsocks--;
    free(s);
}

/* Keeps |data| (what could not be passed on) in |buf|.  False when out of memory. */
static bool keep(nc_buf *buf, const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len);

    if (copy == NULL)
        return false;
    memcpy(copy, data, len);
    free(buf->data);
    buf->data = copy;
    buf->len = len;
    buf->off = 0;
    return true;
}

static void drop(nc_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->off = 0;
}

/* ---- streams ------------------------------------------------------------------------------ */

/* Passes |len| bytes to the stack; returns how many it took, or -1 when the connection failed. */
static ssize_t to_net(nc_sock *s, const uint8_t *data, size_t len)
{
    ssize_t n = zt__ncz_send(s->zfd, data, len, NULL);

    if (n == -EAGAIN || n == -ENOMEM || n == -EWOULDBLOCK)
        return 0;
    if (n < 0) {
        s->net_failed = true;
        if (s->conn_err == 0)
            s->conn_err = (int)-n;
        return -1;
    }
    return n;
}

/* Program -> network, until either side has no room or the program's end is read out. */
static void flow_up(nc_bridge *b, nc_sock *s)
{
    for (;;) {
        ssize_t n, m;
        if (s->up.len > s->up.off) {
            if (s->net_failed) {
                drop(&s->up);
                continue;
            }
            m = to_net(s, s->up.data + s->up.off, s->up.len - s->up.off);
            if (m <= 0)
                break;
            s->up.off += (size_t)m;
            if (s->up.off == s->up.len)
                drop(&s->up);
            continue;
        }
        if (s->app_eof)
            break;
        n = recv(s->kfd, b->scratch, b->scratch_cap, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        if (n <= 0) {
            s->app_eof = true;
            break;
        }
        if (s->net_failed)
            continue; /* read and dropped: the program learns of the end by the hangup */
        m = to_net(s, b->scratch, (size_t)n);
        if (m < 0)
            continue;
        if (m < n) {
            if (!keep(&s->up, b->scratch + m, (size_t)(n - m)))
                s->net_failed = true;
            break;
        }
    }
    if (s->app_eof && s->up.len == 0 && !s->up_shut && !s->net_failed) {
        (void)zt__ncz_shutdown_wr(s->zfd);
        s->up_shut = true;
    }
}

/* Sends to the program's end; returns the bytes taken, or -1 when the program is gone. */
static ssize_t to_app(nc_sock *s, const uint8_t *data, size_t len)
{
    ssize_t n = send(s->kfd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n < 0)
        s->app_gone = true;
    return n;
}

/* Network -> program, until either side has no room or the stream ended. */
static void flow_down(nc_bridge *b, nc_sock *s)
{
    for (;;) {
        ssize_t n, m;
        if (s->down.len > s->down.off) {
            m = to_app(s, s->down.data + s->down.off, s->down.len - s->down.off);
            if (m < 0)
                drop(&s->down);
            if (m <= 0)
                break;
            s->down.off += (size_t)m;
            if (s->down.off == s->down.len)
                drop(&s->down);
            continue;
        }
        if (s->net_eof || s->net_failed || s->app_gone)
            break;
        n = zt__ncz_recv(s->zfd, b->scratch, b->scratch_cap, NULL);
        if (n == -EAGAIN || n == -EWOULDBLOCK)
            break;
        if (n == 0) {
            s->net_eof = true;
            break;
        }
        if (n < 0) {
            s->net_failed = true;
            if (s->conn_err == 0)
                s->conn_err = (int)-n;
            break;
        }
        m = to_app(s, b->scratch, (size_t)n);
        if (m < 0)
            break;
        if (m < n) {
            if (!keep(&s->down, b->scratch + m, (size_t)(n - m)))
                s->app_gone = true;
            break;
        }
    }
    /* The end of the stream reaches the program after the last byte. */
    if ((s->net_eof || s->net_failed) && s->down.len == 0 && !s->down_shut && !s->app_gone) {
        (void)shutdown(s->kfd, SHUT_WR);
        s->down_shut = true;
    }
}

/* A connect in progress ended (established or failed)?  Answers whoever waits for it. */
static void check_connect(nc_bridge *b, nc_sock *s)
{
    int r = zt__ncz_ready(s->zfd), err;

    if (r < 0 || (r & (ZT_NCZ_OUT | ZT_NCZ_ERR)) == 0)
        return;
    s->connecting = false;
    err = zt__ncz_soerror(s->zfd);
    if (err > 0 || (r & ZT_NCZ_ERR)) {
        s->conn_err = err > 0 ? err : ECONNREFUSED;
        s->net_failed = true;
    } else {
        s->connected = true;
    }
    zt__nc_connect_ended(b, s);
}

static bool pump_stream(nc_bridge *b, nc_sock *s, uint32_t events)
{
    if (s->connecting)
        check_connect(b, s);
    if (events & (EPOLLHUP | EPOLLERR))
        s->app_gone = true; /* the program closed its end: nothing more can reach it */
    if (s->app_gone && s->registered) {
        /* A hangup is reported for as long as the descriptor is watched: what is left to
         * read is read below, the stack's watcher brings the rest. */
        (void)epoll_ctl(b->ep, EPOLL_CTL_DEL, s->kfd, NULL);
        s->registered = false;
    }
    if (s->connected || s->net_failed) {
        flow_up(b, s);
        flow_down(b, s);
    }
    if (s->app_gone && (s->app_eof || !s->connected) && s->up.len == 0) {
        zt__nc_sock_free(b, s); /* closing the stack's socket sends what it holds, then FIN */
        return false;
    }
    zt__nc_interest(b, s);
    return true;
}

/* ---- datagrams ---------------------------------------------------------------------------- */

static void dgram_up(nc_bridge *b, nc_sock *s)
{
    for (int i = 0; i < 64; i++) { /* level-triggered: the rest comes at the next round */
        ssize_t n = recv(s->kfd, b->scratch, b->scratch_cap, MSG_DONTWAIT);
        zt_nc_addr to;
        if (n < 0)
            break;
        if (s->connected) {
            (void)zt__ncz_send(s->zfd, b->scratch, (size_t)n, NULL);
        } else if (n >= ZT_NC_ADDR && zt_nc_get_addr(b->scratch, &to) == 0 && to.family != 0) {
            /* Lost datagrams are UDP's way: errors of the stack drop them. */
            (void)zt__ncz_send(s->zfd, b->scratch + ZT_NC_ADDR, (size_t)n - ZT_NC_ADDR, &to);
        }
    }
}

static void dgram_down(nc_bridge *b, nc_sock *s)
{
    for (;;) {
        size_t hdr = s->connected ? 0 : ZT_NC_ADDR;
        zt_nc_addr from;
        ssize_t n = zt__ncz_recv(s->zfd, b->scratch + hdr, b->scratch_cap - hdr, &from);
        if (n < 0)
            break;
        if (hdr != 0)
            zt_nc_put_addr(b->scratch, &from);
        /* A full receive queue at the program drops the datagram, as a full socket buffer
         * does. */
        if (send(s->kfd, b->scratch, (size_t)n + hdr, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
            errno != EAGAIN && errno != ENOBUFS) {
            s->app_gone = true;
            break;
        }
    }
}

static bool pump_dgram(nc_bridge *b, nc_sock *s, uint32_t events)
{
    dgram_up(b, s);
    if (!s->app_gone)
        dgram_down(b, s);
    if (s->app_gone || (events & (EPOLLHUP | EPOLLERR))) {
        zt__nc_sock_free(b, s);
        return false;
    }
    return true;
}

/* ---- listeners ---------------------------------------------------------------------------- */

/* Hands the pending accepted connection over; false while the program's end has no room. */
static bool deliver(nc_sock *l)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = l->pend_rec, .iov_len = sizeof(l->pend_rec)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof(ctl.buf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    ssize_t n;

    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &l->pend_fd, sizeof(int));
    n = sendmsg(l->kfd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    /* Sent, or the program is gone: either way our copy goes (the new connection sees the
     * hangup when no one else holds it). */
    close(l->pend_fd);
    l->pend_fd = -1;
    if (n < 0)
        l->app_gone = true;
    return n >= 0;
}

/* Takes one connection from the stack's queue and makes it a pending hand-over. */
static bool accept_one(nc_bridge *b, nc_sock *l)
{
    zt_nc_addr peer;
    struct stat st;
    int sp[2], zfd, size = PAIR_BUFFER;
    nc_sock *s;

    zfd = zt__ncz_accept(l->zfd, &peer);
    if (zfd < 0)
        return false;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
        zt__ncz_close(zfd); /* out of descriptors: the peer sees a reset */
        return false;
    }
    (void)setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    (void)setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    s = zt__nc_sock_new(b);
    if (s == NULL || fcntl(sp[0], F_SETFL, O_NONBLOCK) != 0 || fstat(sp[1], &st) != 0) {
        close(sp[0]);
        close(sp[1]);
        zt__ncz_close(zfd);
        if (s != NULL)
            zt__nc_sock_free(b, s); /* no descriptors yet: only its slot */
        return false;
    }
    s->kfd = sp[0];
    s->zfd = zfd;
    s->family = l->family;
    s->type = ZT_NC_STREAM;
    s->connected = true;
    s->app_ino = (uint64_t)st.st_ino;
    if (!zt__nc_sock_attach(b, s)) {
        close(sp[1]);
        return true; /* the next one may fare better */
    }
    zt_nc_put32(l->pend_rec, ZT_NC_ACCEPT_MAGIC);
    zt_nc_put32(l->pend_rec + 4, s->id);
    zt_nc_put_addr(l->pend_rec + 8, &peer);
    l->pend_fd = sp[1];
    (void)zt__nc_pump(b, s, 0); /* data may have come with the connection */
    return true;
}

static bool pump_listener(nc_bridge *b, nc_sock *l, uint32_t events)
{
    if (events & (EPOLLHUP | EPOLLERR))
        l->app_gone = true;
    while (!l->app_gone) {
        if (l->pend_fd >= 0) {
            if (!deliver(l))
                break;
        } else if (!accept_one(b, l)) {
            break;
        }
    }
    if (l->app_gone) {
        zt__nc_sock_free(b, l);
        return false;
    }
    zt__nc_interest(b, l);
    return true;
}

bool zt__nc_pump(nc_bridge *b, nc_sock *s, uint32_t events)
{
    if (s->listening)
        return pump_listener(b, s, events);
    if (s->type == ZT_NC_DGRAM)
        return pump_dgram(b, s, events);
    return pump_stream(b, s, events);
}
