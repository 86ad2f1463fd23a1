/*
 * nc_ops.c: the requests of libztintercept.so's control connections (apps/intercept/
 * ncproto.h; docs/intercept.md): sockets made, bound, listening, connected, named, their
 * options, and found again by inode.
 */
#include "nc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ZeroTierSockets.h"
#include "nc_zsock.h"

/* ---- options ------------------------------------------------------------------------------ */

/* A Linux option and what the stack makes of it: the ZTS_* option that does the same, or
 * nothing (zts_level -1: accepted and without effect on a userspace stack, so that programs
 * that set them as a matter of course keep working; docs/intercept.md lists them). */
typedef struct {
    int level, name, zts_level, zts_name;
} opt_map;

static const opt_map opts[] = {
    {SOL_SOCKET, SO_REUSEADDR, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR},
    {SOL_SOCKET, SO_KEEPALIVE, ZTS_SOL_SOCKET, ZTS_SO_KEEPALIVE},
    {SOL_SOCKET, SO_BROADCAST, ZTS_SOL_SOCKET, ZTS_SO_BROADCAST},
    {SOL_SOCKET, SO_LINGER, ZTS_SOL_SOCKET, ZTS_SO_LINGER},
    {SOL_SOCKET, SO_RCVBUF, ZTS_SOL_SOCKET, ZTS_SO_RCVBUF},
    {SOL_SOCKET, SO_REUSEPORT, -1, 0},
    {SOL_SOCKET, SO_PRIORITY, -1, 0},
    {SOL_SOCKET, SO_TIMESTAMP, -1, 0},
    {SOL_SOCKET, SO_OOBINLINE, -1, 0},
    {IPPROTO_TCP, TCP_NODELAY, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY},
    {IPPROTO_TCP, TCP_KEEPIDLE, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPIDLE},
    {IPPROTO_TCP, TCP_KEEPINTVL, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPINTVL},
    {IPPROTO_TCP, TCP_KEEPCNT, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPCNT},
    {IPPROTO_TCP, TCP_DEFER_ACCEPT, -1, 0},
    {IPPROTO_TCP, TCP_QUICKACK, -1, 0},
    {IPPROTO_TCP, TCP_FASTOPEN, -1, 0},
    {IPPROTO_TCP, TCP_USER_TIMEOUT, -1, 0},
    {IPPROTO_TCP, TCP_NOTSENT_LOWAT, -1, 0},
    {IPPROTO_TCP, TCP_CONGESTION, -1, 0},
    {IPPROTO_IP, IP_TOS, ZTS_IPPROTO_IP, ZTS_IP_TOS},
    {IPPROTO_IP, IP_TTL, ZTS_IPPROTO_IP, ZTS_IP_TTL},
    {IPPROTO_IP, IP_MULTICAST_TTL, ZTS_IPPROTO_IP, ZTS_IP_MULTICAST_TTL},
    {IPPROTO_IP, IP_MULTICAST_LOOP, ZTS_IPPROTO_IP, ZTS_IP_MULTICAST_LOOP},
    {IPPROTO_IP, IP_MULTICAST_IF, ZTS_IPPROTO_IP, ZTS_IP_MULTICAST_IF},
    {IPPROTO_IP, IP_ADD_MEMBERSHIP, ZTS_IPPROTO_IP, ZTS_IP_ADD_MEMBERSHIP},
    {IPPROTO_IP, IP_DROP_MEMBERSHIP, ZTS_IPPROTO_IP, ZTS_IP_DROP_MEMBERSHIP},
    {IPPROTO_IP, IP_RECVERR, -1, 0},
    {IPPROTO_IP, IP_MTU_DISCOVER, -1, 0},
    {IPPROTO_IP, IP_FREEBIND, -1, 0},
    {IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, -1, 0},
    {IPPROTO_IPV6, IPV6_V6ONLY, ZTS_IPPROTO_IPV6, ZTS_IPV6_V6ONLY},
    {IPPROTO_IPV6, IPV6_RECVERR, -1, 0},
    {IPPROTO_IPV6, IPV6_MTU_DISCOVER, -1, 0},
    {IPPROTO_IPV6, IPV6_TCLASS, -1, 0},
};

static const opt_map *opt_find(int level, int name)
{
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        if (opts[i].level == level && opts[i].name == name)
            return &opts[i];
    return NULL;
}

static void op_setopt(nc_conn *c, uint32_t req, nc_sock *s, const uint8_t *body, size_t blen)
{
    const opt_map *o;
    uint8_t val[ZT_NC_MAX_OPT];
    uint32_t len;
    int rv;

    if (blen < 12 || (len = zt_nc_get32(body + 8)) > ZT_NC_MAX_OPT || blen < 12 + len) {
        (void)zt__nc_reply(c, req, -1, EINVAL, NULL, 0);
        return;
    }
    o = opt_find((int)zt_nc_get32(body), (int)zt_nc_get32(body + 4));
    if (o == NULL) {
        (void)zt__nc_reply(c, req, -1, ENOPROTOOPT, NULL, 0);
        return;
    }
    if (o->zts_level < 0) {
        (void)zt__nc_reply(c, req, 0, 0, NULL, 0);
        return;
    }
    memcpy(val, body + 12, len);
    rv = zt__ncz_setopt(s->zfd, o->zts_level, o->zts_name, val, len);
    (void)zt__nc_reply(c, req, rv < 0 ? -1 : 0, -rv, NULL, 0);
}

static void op_getopt(nc_conn *c, uint32_t req, nc_sock *s, const uint8_t *body, size_t blen)
{
    const opt_map *o;
    uint8_t val[ZT_NC_MAX_OPT];
    size_t len;
    int rv;

    if (blen < 12) {
        (void)zt__nc_reply(c, req, -1, EINVAL, NULL, 0);
        return;
    }
    o = opt_find((int)zt_nc_get32(body), (int)zt_nc_get32(body + 4));
    len = zt_nc_get32(body + 8);
    if (len > sizeof(val))
        len = sizeof(val);
    if (o == NULL || o->zts_level < 0) {
        /* Options without effect read as 0, as an int. */
        int zero = 0;
        if (o == NULL)
            (void)zt__nc_reply(c, req, -1, ENOPROTOOPT, NULL, 0);
        else
            (void)zt__nc_reply(c, req, (int)sizeof(zero), 0, &zero, sizeof(zero));
        return;
    }
    memset(val, 0, sizeof(val));
    rv = zt__ncz_getopt(s->zfd, o->zts_level, o->zts_name, val, &len);
    if (rv < 0)
        (void)zt__nc_reply(c, req, -1, -rv, NULL, 0);
    else
        (void)zt__nc_reply(c, req, (int)len, 0, val, len);
}

/* ---- sockets ------------------------------------------------------------------------------ */

/* The descriptor a SOCKET request brought, if it is a Unix socket of |want| type. */
static int take_pair_end(nc_conn *c, int want)
{
    int fd, type = 0, domain = 0, size = 1024 * 1024;
    socklen_t len = sizeof(type);

    if (c->nfds == 0)
        return -1;
    fd = c->fds[0];
    memmove(c->fds, c->fds + 1, (c->nfds - 1) * sizeof(int));
    c->nfds--;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != want ||
        (len = sizeof(domain), getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len)) != 0 ||
        domain != AF_UNIX || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        close(fd);
        return -1;
    }
    /* Bigger than the default 208 KiB: fewer wakeups on a bulk transfer. */
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    return fd;
}

/* Registers |s| (both descriptors set) with the loop and the stack.  False: |s| is freed. */
bool zt__nc_sock_attach(nc_bridge *b, nc_sock *s)
{
    struct epoll_event ev = {.events = 0, .data.ptr = s};

    if (epoll_ctl(b->ep, EPOLL_CTL_ADD, s->kfd, &ev) != 0 ||
        zt__ncz_watch(s->zfd, zt__nc_watch, s) != 0) {
        zt__nc_sock_free(b, s);
        return false;
    }
    s->registered = true;
    zt__nc_interest(b, s);
    return true;
}

static void op_socket(nc_bridge *b, nc_conn *c, uint32_t req, const uint8_t *body,
                      size_t blen)
{
    int family, type, proto, kfd, zfd;
    nc_sock *s;

    if (blen < 12) {
        (void)zt__nc_reply(c, req, -1, EINVAL, NULL, 0);
        return;
    }
    family = body[0];
    type = body[1];
    proto = zt_nc_get16(body + 2);
    if ((family != 4 && family != 6) || (type != ZT_NC_STREAM && type != ZT_NC_DGRAM) ||
        (proto != 0 && proto != (type == ZT_NC_STREAM ? IPPROTO_TCP : IPPROTO_UDP))) {
        (void)zt__nc_reply(c, req, -1, family != 4 && family != 6 ? EAFNOSUPPORT
                                                                  : EPROTONOSUPPORT,
                           NULL, 0);
        return;
    }
    kfd = take_pair_end(c, type == ZT_NC_STREAM ? SOCK_STREAM : SOCK_SEQPACKET);
    if (kfd < 0) {
        (void)zt__nc_reply(c, req, -1, EINVAL, NULL, 0);
        return;
    }
    zfd = zt__ncz_open(family, type);
    if (zfd < 0 || (s = zt__nc_sock_new(b)) == NULL) {
        close(kfd);
        if (zfd >= 0)
            zt__ncz_close(zfd);
        (void)zt__nc_reply(c, req, -1, zfd < 0 ? -zfd : ENOMEM, NULL, 0);
        return;
    }
    s->kfd = kfd;
    s->zfd = zfd;
    s->family = (uint8_t)family;
    s->type = (uint8_t)type;
    s->app_ino = zt_nc_get64(body + 4);
    if (zt__nc_sock_attach(b, s))
        (void)zt__nc_reply(c, req, (int)s->id, 0, NULL, 0);
    else
        (void)zt__nc_reply(c, req, -1, ENOMEM, NULL, 0);
}

static void op_connect(nc_bridge *b, nc_conn *c, uint32_t req, nc_sock *s, const zt_nc_addr *a,
                       bool wait)
{
    int rv;

    if (s->listening) {
        (void)zt__nc_reply(c, req, -1, EISCONN, NULL, 0);
        return;
    }
    rv = zt__ncz_connect(s->zfd, a);
    if (rv == -EINPROGRESS) {
        s->connecting = true;
        if (wait) {
            c->wait_sock = s->id;
            c->wait_req = req;
            c->wait_op = ZT_NC_OP_CONNECT;
        } else {
            (void)zt__nc_reply(c, req, -1, EINPROGRESS, NULL, 0);
        }
        (void)zt__nc_pump(b, s, 0); /* it may have ended already */
        return;
    }
    if (rv == 0) {
        s->connected = true;
        zt__nc_interest(b, s);
    }
    (void)zt__nc_reply(c, req, rv < 0 ? -1 : 0, -rv, NULL, 0);
    if (rv == 0)
        (void)zt__nc_pump(b, s, 0);
}

static void op_status(nc_bridge *b, nc_conn *c, uint32_t req, nc_sock *s, bool wait)
{
    int err;

    (void)b;
    if (s->connecting && wait) {
        c->wait_sock = s->id;
        c->wait_req = req;
        c->wait_op = ZT_NC_OP_STATUS;
        return;
    }
    err = s->conn_err;
    s->conn_err = 0;
    if (err == 0 && !s->connecting) {
        int e = zt__ncz_soerror(s->zfd);
        err = e > 0 ? e : 0;
    }
    (void)zt__nc_reply(c, req, err, 0, NULL, 0);
}

static void op_getname(nc_conn *c, uint32_t req, nc_sock *s, bool peer)
{
    zt_nc_addr a;
    uint8_t rec[ZT_NC_ADDR];
    int rv = zt__ncz_getname(s->zfd, peer, &a);

    if (rv < 0) {
        (void)zt__nc_reply(c, req, -1, -rv, NULL, 0);
        return;
    }
    zt_nc_put_addr(rec, &a);
    (void)zt__nc_reply(c, req, 0, 0, rec, sizeof(rec));
}

static void op_lookup(nc_bridge *b, nc_conn *c, uint32_t req, const uint8_t *body,
                      size_t blen)
{
    uint64_t ino = blen >= 8 ? zt_nc_get64(body) : 0;

    for (uint32_t i = 0; ino != 0 && i < b->nsocks_cap; i++) {
        nc_sock *s = b->socks[i];
        uint8_t info[3];
        if (s == NULL || s->app_ino != ino)
            continue;
        info[0] = s->family;
        info[1] = s->type;
        info[2] = (uint8_t)((s->listening ? ZT_NC_STATE_LISTENING : 0) |
                            (s->connected && s->type == ZT_NC_DGRAM ? ZT_NC_STATE_CONNECTED
                                                                    : 0) |
                            (s->connecting ? ZT_NC_STATE_CONNECTING : 0));
        (void)zt__nc_reply(c, req, (int)s->id, 0, info, sizeof(info));
        return;
    }
    (void)zt__nc_reply(c, req, -1, ENOTSOCK, NULL, 0);
}

/* The requests about one socket. */
static void sock_request(nc_bridge *b, nc_conn *c, uint32_t req, uint16_t op, nc_sock *s,
                         const uint8_t *body, size_t blen)
{
    zt_nc_addr a;
    int rv;

    switch (op) {
    case ZT_NC_OP_BIND:
    case ZT_NC_OP_CONNECT:
        if (blen < ZT_NC_ADDR + (op == ZT_NC_OP_CONNECT) || zt_nc_get_addr(body, &a) != 0 ||
            a.family == 0) {
            (void)zt__nc_reply(c, req, -1, EINVAL, NULL, 0);
        } else if (op == ZT_NC_OP_BIND) {
            rv = zt__ncz_bind(s->zfd, &a);
            (void)zt__nc_reply(c, req, rv < 0 ? -1 : 0, -rv, NULL, 0);
        } else {
            op_connect(b, c, req, s, &a, body[ZT_NC_ADDR] != 0);
        }
        break;
    case ZT_NC_OP_LISTEN:
        rv = blen < 4 ? -EINVAL : zt__ncz_listen(s->zfd, (int)zt_nc_get32(body));
        if (rv == 0) {
            s->listening = true;
            zt__nc_interest(b, s);
        }
        (void)zt__nc_reply(c, req, rv < 0 ? -1 : 0, -rv, NULL, 0);
        break;
    case ZT_NC_OP_STATUS:
        op_status(b, c, req, s, blen >= 1 && body[0] != 0);
        break;
    case ZT_NC_OP_GETNAME:
        op_getname(c, req, s, blen >= 1 && body[0] != 0);
        break;
    case ZT_NC_OP_SETOPT:
        op_setopt(c, req, s, body, blen);
        break;
    case ZT_NC_OP_GETOPT:
        op_getopt(c, req, s, body, blen);
        break;
    default:
        (void)zt__nc_reply(c, req, -1, EOPNOTSUPP, NULL, 0);
        break;
    }
}

void zt__nc_request(nc_bridge *b, nc_conn *c, const uint8_t *m, size_t size)
{
    uint32_t req = zt_nc_get32(m + 4), id = zt_nc_get32(m + 12);
    uint16_t op = zt_nc_get16(m + 8);
    const uint8_t *body = m + ZT_NC_HDR;
    size_t blen = size - ZT_NC_HDR;
    nc_sock *s;

    if (c->wait_sock != 0) { /* one request at a time: the library waits for each reply */
        c->broken = true;
        return;
    }
    switch (op) {
    case ZT_NC_OP_HELLO:
        (void)zt__nc_reply(c, req, ZT_NC_VERSION, 0, NULL, 0);
        return;
    case ZT_NC_OP_SOCKET:
        op_socket(b, c, req, body, blen);
        return;
    case ZT_NC_OP_LOOKUP:
        op_lookup(b, c, req, body, blen);
        return;
    default:
        break;
    }
    s = zt__nc_sock_get(b, id);
    if (s == NULL)
        (void)zt__nc_reply(c, req, -1, EBADF, NULL, 0);
    else
        sock_request(b, c, req, op, s, body, blen);
}
