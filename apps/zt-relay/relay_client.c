/*
 * relay_client.c: one client's traffic (relay.h).  Messages in: read a chunk, parse every
 * whole message in place, send the datagrams with one sendmmsg, keep the partial tail.
 * Datagrams back: recvmmsg, frame each in place, queue, one send to the client.  Nothing
 * here allocates per datagram: a client's two buffers are allocated at first use and freed by
 * the sweep (relay.c) once idle.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "relay_internal.h"

socklen_t zt__relay_sockaddr_to(struct sockaddr_storage *ss, int family, const zt_relay_addr *a)
{
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        if (a->family != ZT_RELAY_AF_INET)
            return 0;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(a->port);
        memcpy(&sin->sin_addr, a->ip, 4);
        return sizeof(*sin);
    }
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(a->port);
    if (a->family == ZT_RELAY_AF_INET) {
        sin6->sin6_addr.s6_addr[10] = 0xff; /* ::ffff:a.b.c.d through a dual-stack socket */
        sin6->sin6_addr.s6_addr[11] = 0xff;
        memcpy(&sin6->sin6_addr.s6_addr[12], a->ip, 4);
    } else if (a->family == ZT_RELAY_AF_INET6) {
        memcpy(&sin6->sin6_addr, a->ip, 16);
    } else {
        return 0;
    }
    return sizeof(*sin6);
}

void zt__relay_sockaddr_from(zt_relay_addr *a, const struct sockaddr_storage *ss)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        a->family = ZT_RELAY_AF_INET;
        a->port = ntohs(sin->sin_port);
        memcpy(a->ip, &sin->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        a->family = ZT_RELAY_AF_INET6;
        a->port = ntohs(sin6->sin6_port);
        memcpy(a->ip, &sin6->sin6_addr, 16);
        zt__relay_addr_unmap(a);
    }
}

/* ---- client -> relay -> UDP ---- */

/* The client's UDP socket, made at its first datagram. */
static int open_udp(zt_relay *r, zt_relay_client *c)
{
    struct epoll_event ev = {.events = EPOLLIN};
    int fd, v6only = !r->udp_dual, err;

    fd = socket(r->udp_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    if (r->udp_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    ev.data.u64 = (uint64_t)c->slot << 2 | ZT_RELAY_TAG_UDP;
    if (bind(fd, (const struct sockaddr *)&r->udp_bind, r->udp_bind_len) != 0 ||
        epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        err = errno;
        close(fd);
        return err;
    }
    c->udp_fd = fd;
    r->ctr.udp_sockets++;
    return 0;
}

/* The token bucket of --client-rate: true if |len| more bytes may be sent now. */
static bool take_tokens(zt_relay *r, zt_relay_client *c, size_t len)
{
    uint64_t rate = r->cfg.client_rate;

    if (rate == 0)
        return true;
    if (r->now > c->refilled_at) {
        int64_t dt = r->now - c->refilled_at;
        uint64_t add = (uint64_t)(dt < 3600000 ? dt : 3600000) * rate / 1000;
        c->tokens = c->tokens + add < r->burst ? c->tokens + add : r->burst;
        c->refilled_at = r->now;
    }
    if (c->tokens < len)
        return false;
    c->tokens -= len;
    return true;
}

/* Sends the datagrams gathered in r->mm from |c|'s UDP socket.  A datagram the kernel refuses
 * (unreachable, not permitted) is skipped; a full socket buffer drops the rest. */
static void flush_batch(zt_relay *r, zt_relay_client *c)
{
    unsigned i = 0;

    while (i < r->nbatch) {
        int k = sendmmsg(c->udp_fd, r->mm + i, r->nbatch - i, MSG_DONTWAIT);
        if (k > 0) {
            for (unsigned j = i; j < i + (unsigned)k; j++)
                r->ctr.bytes_sent += r->iov[j].iov_len;
            r->ctr.dgrams_sent += (unsigned)k;
            i += (unsigned)k;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            r->ctr.drop_send += r->nbatch - i;
            c->drops += r->nbatch - i;
            break;
        } else if (errno != EINTR) {
            r->ctr.drop_send++;
            c->drops++;
            i++;
        }
    }
    r->nbatch = 0;
}

/* A data message of |c|: checked, rate-limited, then added to the batch. */
static void on_data(zt_relay *r, zt_relay_client *c, zt_relay_msg *m)
{
    socklen_t nlen;
    unsigned i;
    int err;

    r->ctr.msgs_in++;
    r->ctr.bytes_in += m->len;
    c->msgs_in++;
    zt__relay_addr_unmap(&m->addr);
    if (!zt__relay_dest_allowed(&m->addr, r->cfg.allow, r->cfg.nallow)) {
        r->ctr.drop_dest++;
        c->drops++;
        return;
    }
    if (!take_tokens(r, c, m->len)) {
        r->ctr.drop_rate++;
        c->drops++;
        return;
    }
    if (c->udp_fd < 0 && (err = open_udp(r, c)) != 0) {
        zt__relay_close(r, c, ZT_RELAY_CLOSE_ERROR, strerror(err));
        return;
    }
    i = r->nbatch;
    nlen = zt__relay_sockaddr_to(&r->names[i], r->udp_family, &m->addr);
    if (nlen == 0 || (m->addr.family == ZT_RELAY_AF_INET && r->udp_family == AF_INET6 &&
                      !r->udp_dual)) { /* a family the UDP socket (--udp-bind) cannot reach */
        r->ctr.drop_dest++;
        c->drops++;
        return;
    }
    r->iov[i].iov_base = (void *)(uintptr_t)m->data;
    r->iov[i].iov_len = m->len;
    memset(&r->mm[i], 0, sizeof(r->mm[i]));
    r->mm[i].msg_hdr.msg_name = &r->names[i];
    r->mm[i].msg_hdr.msg_namelen = nlen;
    r->mm[i].msg_hdr.msg_iov = &r->iov[i];
    r->mm[i].msg_hdr.msg_iovlen = 1;
    if (++r->nbatch == ZT_RELAY_SEND_BATCH)
        flush_batch(r, c);
}

/* A malformed message closes |c|; the datagrams of the valid messages before it in the same
 * read still go. */
static void close_garbage(zt_relay *r, zt_relay_client *c, const char *why)
{
    if (r->nbatch > 0 && c->udp_fd >= 0)
        flush_batch(r, c);
    r->nbatch = 0;
    zt__relay_close(r, c, ZT_RELAY_CLOSE_GARBAGE, why);
}

/* One whole message body of |c|.  A malformed one closes the client. */
static void on_message(zt_relay *r, zt_relay_client *c, const uint8_t *body, size_t len)
{
    zt_relay_msg m;
    int rv = zt__relay_frame_parse(body, len, &m);

    if (rv != 0) {
        close_garbage(r, c, zt__relay_frame_strerror(rv));
        return;
    }
    c->last_active = r->now;
    if (m.type == ZT_RELAY_MSG_HELLO) {
        r->ctr.hellos++;
        if (r->cfg.level >= ZT_RELAY_LOG_DEBUG) {
            char peer[ZT_RELAY_ADDR_STR_MAX];
            zt__relay_addr_format(&c->peer, peer, sizeof(peer));
            zt__relay_log(r, ZT_RELAY_LOG_DEBUG, "hello from %s version %u.%u.%u", peer,
                          m.data[0], m.data[1], (unsigned)(m.data[2] << 8 | m.data[3]));
        }
        return;
    }
    if (m.addr.family == ZT_RELAY_AF_NONE) {
        close_garbage(r, c, "message without a destination");
        return;
    }
    on_data(r, c, &m);
}

/* Keeps the |len| bytes of a partial message for the next read. */
static void keep_partial(zt_relay *r, zt_relay_client *c, const uint8_t *p, size_t len)
{
    c->in_len = 0;
    if (len == 0)
        return;
    if (c->in == NULL && (c->in = malloc(ZT_RELAY_MSG_MAX)) == NULL) {
        zt__relay_close(r, c, ZT_RELAY_CLOSE_ERROR, "out of memory");
        return;
    }
    memcpy(c->in, p, len); /* len < ZT_RELAY_MSG_MAX: the scan accepted its head */
    c->in_len = (uint32_t)len;
    c->used_in = true;
}

void zt__relay_client_on_tcp_in(zt_relay *r, zt_relay_client *c)
{
    uint8_t *buf = r->scratch;
    size_t have = c->in_len, off = 0;
    ssize_t n;

    if (have > 0)
        memcpy(buf, c->in, have);
    n = recv(c->tcp_fd, buf + have, ZT_RELAY_READ_CHUNK, 0);
    if (n == 0) {
        zt__relay_close(r, c, ZT_RELAY_CLOSE_EOF, have > 0 ? "in a message" : NULL);
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            zt__relay_close(r, c, ZT_RELAY_CLOSE_ERROR, strerror(errno));
        return;
    }
    have += (size_t)n;
    r->nbatch = 0;
    while (!c->is_closed) {
        zt_ssize m = zt__relay_frame_scan(buf + off, have - off, ZT_RELAY_BODY_MAX);
        if (m == 0)
            break;
        if (m < 0) {
            close_garbage(r, c, zt__relay_frame_strerror((int)m));
            break;
        }
        on_message(r, c, buf + off + ZT_RELAY_HEAD_LEN, (size_t)m - ZT_RELAY_HEAD_LEN);
        off += (size_t)m;
    }
    if (r->nbatch > 0 && c->udp_fd >= 0)
        flush_batch(r, c);
    r->nbatch = 0;
    if (!c->is_closed)
        keep_partial(r, c, buf + off, have - off);
}

/* ---- UDP -> relay -> client ---- */

/* Appends |len| bytes to |c|'s output queue.  False (nothing queued) when the queue would
 * pass cfg.out_max, all queues together cfg.out_total_max, or memory runs out. */
static bool queue_append(zt_relay *r, zt_relay_client *c, const uint8_t *p, size_t len)
{
    size_t need = (size_t)c->out_len + len;

    if (need > r->cfg.out_max)
        return false;
    if ((size_t)c->out_off + need > c->out_cap) {
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, c->out_len);
            c->out_off = 0;
        }
        if (need > c->out_cap) {
            size_t cap = c->out_cap > 0 ? c->out_cap : ZT_RELAY_OUT_MIN;
            uint8_t *q;
            while (cap < need)
                cap *= 2;
            if (cap > r->cfg.out_max)
                cap = r->cfg.out_max;
            if (r->out_total - c->out_cap + cap > r->cfg.out_total_max ||
                (q = realloc(c->out, cap)) == NULL)
                return false;
            r->out_total = r->out_total - c->out_cap + cap;
            c->out = q;
            c->out_cap = (uint32_t)cap;
        }
    }
    memcpy(c->out + c->out_off + c->out_len, p, len);
    c->out_len += (uint32_t)len;
    c->used_out = true;
    return true;
}

/* Writes what |c|'s queue holds; waits for EPOLLOUT when the socket is full. */
static void flush_out(zt_relay *r, zt_relay_client *c)
{
    while (c->out_len > 0) {
        ssize_t n = send(c->tcp_fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            zt__relay_close(r, c, ZT_RELAY_CLOSE_ERROR, strerror(errno));
            return;
        }
        c->out_off += (uint32_t)n;
        c->out_len -= (uint32_t)n;
        c->last_active = r->now;
        if (c->out_len > 0)
            break; /* a short write: the socket buffer is full */
    }
    if (c->out_len == 0)
        c->out_off = 0;
    if ((c->out_len > 0) != c->has_epollout)
        zt__relay_want_out(r, c, c->out_len > 0);
}

void zt__relay_client_on_tcp_out(zt_relay *r, zt_relay_client *c)
{
    flush_out(r, c);
}

/* Frames in place the datagram of |len| bytes at |slot| + ZT_RELAY_HEAD_ROOM from |from|: its
 * head goes right before it.  |*f| then covers the message.  False if it cannot be framed
 * (too long for its address type). */
static bool frame_in_place(uint8_t *slot, size_t len, const zt_relay_addr *from, struct iovec *f)
{
    size_t head = ZT_RELAY_HEAD_LEN + zt__relay_frame_prefix_len(from);
    uint8_t *msg = slot + ZT_RELAY_HEAD_ROOM - head;

    if (from->family == ZT_RELAY_AF_NONE ||
        zt__relay_frame_write_head(msg, head, from, len) != (zt_ssize)head)
        return false;
    f->iov_base = msg;
    f->iov_len = head + len;
    return true;
}

static void count_back(zt_relay *r, zt_relay_client *c, size_t payload)
{
    r->ctr.dgrams_recv++;
    r->ctr.bytes_recv += payload;
    c->dgrams_back++;
}

/* Gives |n| framed datagrams (|plen|: their payload sizes) to |c|.  With nothing queued
 * before them they go straight to the socket, one sendmsg, no copy and no allocation; what
 * the socket does not take is queued, a whole message at a time within cfg.out_max (the rest
 * of a message cut by a short write is always queued, so the stream stays whole). */
static void deliver(zt_relay *r, zt_relay_client *c, const struct iovec *f, unsigned n,
                    const size_t *plen)
{
    size_t sent = 0;

    if (c->out_len == 0) {
        struct msghdr mh = {.msg_iov = (struct iovec *)(uintptr_t)f, .msg_iovlen = n};
        ssize_t k = sendmsg(c->tcp_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            zt__relay_close(r, c, ZT_RELAY_CLOSE_ERROR, strerror(errno));
            return;
        }
        if (k > 0) {
            sent = (size_t)k;
            c->last_active = r->now;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        bool is_cut = sent > 0;
        if (sent >= f[i].iov_len) {
            sent -= f[i].iov_len;
            count_back(r, c, plen[i]);
            continue;
        }
        if (!queue_append(r, c, (const uint8_t *)f[i].iov_base + sent, f[i].iov_len - sent)) {
            if (is_cut) { /* only out of memory: a cut message cannot be dropped */
                zt__relay_close(r, c, ZT_RELAY_CLOSE_ERROR, "out of memory");
                return;
            }
            r->ctr.drop_slow++;
            c->drops++;
        } else {
            count_back(r, c, plen[i]);
        }
        sent = 0;
    }
    if (c->out_len > 0 && !c->has_epollout)
        zt__relay_want_out(r, c, true);
}

void zt__relay_client_on_udp(zt_relay *r, zt_relay_client *c)
{
    struct iovec frames[ZT_RELAY_RECV_BATCH];
    size_t plen[ZT_RELAY_RECV_BATCH];
    struct mmsghdr *mm = r->mm;
    zt_relay_addr from;
    unsigned nf = 0;
    int n;

    for (unsigned i = 0; i < ZT_RELAY_RECV_BATCH; i++) {
        memset(&mm[i], 0, sizeof(mm[i]));
        r->iov[i].iov_base = r->rbuf + (size_t)i * ZT_RELAY_RECV_SLOT + ZT_RELAY_HEAD_ROOM;
        r->iov[i].iov_len = ZT_RELAY_BODY_MAX - ZT_RELAY_PREFIX4_LEN;
        mm[i].msg_hdr.msg_name = &r->names[i];
        mm[i].msg_hdr.msg_namelen = sizeof(r->names[i]);
        mm[i].msg_hdr.msg_iov = &r->iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    n = recvmmsg(c->udp_fd, mm, ZT_RELAY_RECV_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        /* A pending socket error (not the client's fault): read it, so that it stops waking
         * the loop. */
        int err;
        socklen_t len = sizeof(err);
        (void)getsockopt(c->udp_fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (n <= 0)
        return;
    for (int i = 0; i < n; i++) {
        zt__relay_sockaddr_from(&from, &r->names[i]);
        if ((mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 ||
            !frame_in_place(r->rbuf + (size_t)i * ZT_RELAY_RECV_SLOT, mm[i].msg_len, &from,
                            &frames[nf])) {
            r->ctr.drop_big++;
            c->drops++;
            continue;
        }
        plen[nf++] = mm[i].msg_len;
    }
    if (nf > 0)
        deliver(r, c, frames, nf, plen);
}
