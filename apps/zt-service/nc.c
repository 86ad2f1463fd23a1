/*
 * nc.c: the intercept bridge's thread, its listeners <home>/nc_<nwid> and the control
 * connections of libztintercept.so (docs/intercept.md, "The service side"; the protocol:
 * apps/intercept/ncproto.h).  The socket options and requests are in nc_ops.c, the bytes in
 * nc_pump.c.
 */
#include "nc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nc_zsock.h"

#define SCRATCH_BYTES (256 * 1024)
#define MAX_CONNS 4096
#define MAX_SOCKS (1u << 20)

/* ---- the table of sockets ---------------------------------------------------------------- */

nc_sock *zt__nc_sock_get(nc_bridge *b, uint32_t id)
{
    return id >= 1 && id <= b->nsocks_cap ? b->socks[id - 1] : NULL;
}

nc_sock *zt__nc_sock_new(nc_bridge *b)
{
    uint32_t slot;
    nc_sock *s;

    for (slot = 0; slot < b->nsocks_cap && b->socks[slot] != NULL; slot++)
        ;
    if (slot == b->nsocks_cap) {
        uint32_t ncap = b->nsocks_cap == 0 ? 64 : b->nsocks_cap * 2;
        nc_sock **n;
        if (ncap > MAX_SOCKS)
            return NULL;
        n = realloc(b->socks, ncap * sizeof(*n));
        if (n == NULL)
            return NULL;
        memset(n + b->nsocks_cap, 0, (ncap - b->nsocks_cap) * sizeof(*n));
        b->socks = n;
        b->nsocks_cap = ncap;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->kind = NC_SOCK;
    s->b = b;
    s->id = slot + 1;
    s->kfd = s->zfd = s->pend_fd = -1;
    b->socks[slot] = s;
    b->nsocks++;
    return s;
}

/* ---- control connections ------------------------------------------------------------------ */

static void conn_close(nc_bridge *b, nc_conn *c)
{
    for (nc_conn **pp = &b->conns; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    (void)epoll_ctl(b->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    for (unsigned i = 0; i < c->nfds; i++)
        close(c->fds[i]);
    b->nconns--;
    free(c);
}

bool zt__nc_reply(nc_conn *c, uint32_t req, int result, int err, const void *body, size_t len)
{
    uint8_t m[ZT_NC_MAX_MSG];
    ssize_t n;

    if (len > ZT_NC_MAX_MSG - ZT_NC_HDR)
        len = ZT_NC_MAX_MSG - ZT_NC_HDR;
    zt_nc_put32(m, (uint32_t)(ZT_NC_HDR + len));
    zt_nc_put32(m + 4, req);
    zt_nc_put32(m + 8, (uint32_t)result);
    zt_nc_put32(m + 12, (uint32_t)(result < 0 ? err : 0));
    if (len > 0)
        memcpy(m + ZT_NC_HDR, body, len);
    /* The library waits for this reply before it sends again: room is never short, and a
     * peer that does not read is dropped rather than waited for. */
    n = send(c->fd, m, ZT_NC_HDR + len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n != (ssize_t)(ZT_NC_HDR + len)) {
        c->broken = true;
        return false;
    }
    return true;
}

void zt__nc_connect_ended(nc_bridge *b, nc_sock *s)
{
    for (nc_conn *c = b->conns; c != NULL; c = c->next) {
        int err;
        if (c->wait_sock != s->id)
            continue;
        c->wait_sock = 0;
        err = s->conn_err;
        if (c->wait_op == ZT_NC_OP_CONNECT) {
            s->conn_err = 0; /* reported by connect: SO_ERROR is clear afterwards */
            (void)zt__nc_reply(c, c->wait_req, err != 0 ? -1 : 0, err, NULL, 0);
        } else {
            s->conn_err = 0;
            (void)zt__nc_reply(c, c->wait_req, err, 0, NULL, 0);
        }
    }
}

/* Takes the descriptors of one SCM_RIGHTS message into |c| (beyond four: closed, and the
 * connection is broken). */
static void take_fds(nc_conn *c, struct msghdr *msg)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
        size_t n;
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (c->nfds < sizeof(c->fds) / sizeof(c->fds[0])) {
                c->fds[c->nfds++] = fd;
            } else {
                close(fd);
                c->broken = true;
            }
        }
    }
}

/* Handles every whole request in |c|'s buffer. */
static void conn_requests(nc_bridge *b, nc_conn *c)
{
    while (c->have >= ZT_NC_HDR && !c->broken) {
        uint32_t size = zt_nc_get32(c->in);
        if (size < ZT_NC_HDR || size > ZT_NC_MAX_MSG) {
            zt__svc_log(b->svc, ZT_RUNNER_LOG_DEBUG, "intercept: bad request size %u",
                        (unsigned)size);
            c->broken = true;
            return;
        }
        if (c->have < size)
            return;
        zt__nc_request(b, c, c->in, size);
        /* Descriptors a request did not take are not kept for the next one. */
        for (unsigned i = 0; i < c->nfds; i++)
            close(c->fds[i]);
        c->nfds = 0;
        memmove(c->in, c->in + size, c->have - size);
        c->have -= size;
    }
}

static void conn_readable(nc_bridge *b, nc_conn *c)
{
    while (!c->broken) {
        union {
            char buf[CMSG_SPACE(4 * sizeof(int))];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = c->in + c->have, .iov_len = sizeof(c->in) - c->have};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                             .msg_controllen = sizeof(ctl.buf)};
        ssize_t n;

        if (iov.iov_len == 0) {
            c->broken = true; /* a whole buffer and no whole request in it */
            break;
        }
        n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        if (n <= 0) {
            c->broken = true;
            break;
        }
        take_fds(c, &msg);
        if (msg.msg_flags & MSG_CTRUNC)
            c->broken = true;
        c->have += (size_t)n;
        conn_requests(b, c);
    }
    if (c->broken)
        conn_close(b, c);
}

static void listener_readable(nc_bridge *b, nc_listener *l)
{
    for (;;) {
        struct epoll_event ev = {.events = EPOLLIN};
        nc_conn *c;
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0)
            return;
        if (b->nconns >= MAX_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
            zt__svc_log(b->svc, ZT_RUNNER_LOG_WARN,
                        "intercept: %s: connection refused (%u open)", l->path, b->nconns);
            close(fd);
            continue;
        }
        c->kind = NC_CONN;
        c->fd = fd;
        ev.data.ptr = c;
        if (epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            free(c);
            continue;
        }
        c->next = b->conns;
        b->conns = c;
        b->nconns++;
    }
}

/* ---- listeners ---------------------------------------------------------------------------- */

static void listener_free(nc_bridge *b, nc_listener *l)
{
    (void)epoll_ctl(b->ep, EPOLL_CTL_DEL, l->fd, NULL);
    close(l->fd);
    (void)unlink(l->path);
    free(l);
}

/* <home>/nc_<nwid>: a Unix stream socket, mode 0600 (the file's permission is the access
 * control).  A stale socket from a previous run is replaced; anything else is left alone. */
static nc_listener *listener_make(nc_bridge *b, uint64_t nwid)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    nc_listener *l = calloc(1, sizeof(*l));
    struct stat st;

    if (l == NULL)
        return NULL;
    l->kind = NC_LISTENER;
    l->nwid = nwid;
    if (snprintf(l->path, sizeof(l->path), "%s/nc_%016llx", b->home,
                 (unsigned long long)nwid) >= (int)sizeof(sa.sun_path)) {
        zt__svc_log(b->svc, ZT_RUNNER_LOG_ERROR,
                    "intercept: %s/nc_%016llx is longer than a Unix socket path may be",
                    b->home, (unsigned long long)nwid);
        free(l);
        return NULL;
    }
    if (lstat(l->path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        zt__svc_log(b->svc, ZT_RUNNER_LOG_ERROR, "intercept: %s exists and is not a socket",
                    l->path);
        free(l);
        return NULL;
    }
    (void)unlink(l->path);
    memcpy(sa.sun_path, l->path, strlen(l->path) + 1);
    l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        chmod(l->path, 0600) != 0 || listen(l->fd, 128) != 0) {
        zt__svc_log(b->svc, ZT_RUNNER_LOG_ERROR, "intercept: cannot listen on %s: %s",
                    l->path, strerror(errno));
        if (l->fd >= 0) {
            close(l->fd);
            (void)unlink(l->path);
        }
        free(l);
        return NULL;
    }
    return l;
}

static void post_wake(nc_bridge *b)
{
    uint64_t one = 1;

    if (!b->wake_posted) {
        b->wake_posted = true;
        (void)!write(b->wake, &one, sizeof(one));
    }
}

void zt__nc_network(nc_bridge *b, uint64_t nwid, bool up)
{
    nc_listener *l = NULL;

    if (b == NULL)
        return;
    if (up && (l = listener_make(b, nwid)) == NULL)
        return;
    pthread_mutex_lock(&b->mu);
    if (up) {
        l->next = b->adds;
        b->adds = l;
    } else {
        uint64_t *n = realloc(b->removes, (b->nremoves + 1) * sizeof(*n));
        if (n != NULL) {
            b->removes = n;
            b->removes[b->nremoves++] = nwid;
        }
    }
    post_wake(b);
    pthread_mutex_unlock(&b->mu);
    if (up)
        zt__svc_log(b->svc, ZT_RUNNER_LOG_INFO, "intercept: network %016llx at %s",
                    (unsigned long long)nwid, l->path);
}

/* ---- the thread --------------------------------------------------------------------------- */

void zt__nc_watch(void *ctx, int zfd)
{
    nc_sock *s = ctx;
    nc_bridge *b = s->b;

    (void)zfd;
    pthread_mutex_lock(&b->mu);
    if (!s->queued) {
        if (b->nready == b->ready_cap) {
            size_t ncap = b->ready_cap == 0 ? 256 : b->ready_cap * 2;
            uint32_t *n = realloc(b->ready, ncap * sizeof(*n));
            if (n == NULL) {
                b->rescan = true; /* every socket gets a look */
                goto wake;
            }
            b->ready = n;
            b->ready_cap = ncap;
        }
        b->ready[b->nready++] = s->id;
        s->queued = true;
    }
wake:
    post_wake(b);
    pthread_mutex_unlock(&b->mu);
}

static void add_listeners(nc_bridge *b, nc_listener *list)
{
    while (list != NULL) {
        nc_listener *l = list;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
        list = l->next;
        for (nc_listener **pp = &b->listeners; *pp != NULL; pp = &(*pp)->next) {
            if ((*pp)->nwid == l->nwid) { /* the network came back: the new one serves */
                nc_listener *old = *pp;
                *pp = old->next;
                (void)epoll_ctl(b->ep, EPOLL_CTL_DEL, old->fd, NULL);
                close(old->fd); /* its path is the new listener's now: not unlinked */
                free(old);
                break;
            }
        }
        if (epoll_ctl(b->ep, EPOLL_CTL_ADD, l->fd, &ev) != 0) {
            listener_free(b, l);
            continue;
        }
        l->next = b->listeners;
        b->listeners = l;
    }
}

static void remove_listener(nc_bridge *b, uint64_t nwid)
{
    for (nc_listener **pp = &b->listeners; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->nwid == nwid) {
            nc_listener *l = *pp;
            *pp = l->next;
            listener_free(b, l);
            return;
        }
    }
}

/* What other threads posted: new and gone listeners, sockets the stack changed. */
static bool take_posted(nc_bridge *b)
{
    nc_listener *adds;
    uint64_t *removes;
    uint32_t *ready;
    size_t nremoves, nready;
    bool stop, rescan;

    pthread_mutex_lock(&b->mu);
    adds = b->adds;
    removes = b->removes;
    nremoves = b->nremoves;
    ready = b->ready;
    nready = b->nready;
    stop = b->stop;
    rescan = b->rescan;
    b->adds = NULL;
    b->removes = NULL;
    b->nremoves = 0;
    b->ready = NULL;
    b->nready = b->ready_cap = 0;
    b->rescan = false;
    b->wake_posted = false;
    for (size_t i = 0; i < nready; i++) {
        nc_sock *s = zt__nc_sock_get(b, ready[i]);
        if (s != NULL)
            s->queued = false;
    }
    pthread_mutex_unlock(&b->mu);

    add_listeners(b, adds);
    for (size_t i = 0; i < nremoves; i++)
        remove_listener(b, removes[i]);
    free(removes);
    for (size_t i = 0; i < nready; i++) {
        nc_sock *s = zt__nc_sock_get(b, ready[i]);
        if (s != NULL)
            (void)zt__nc_pump(b, s, 0);
    }
    free(ready);
    for (uint32_t i = 0; rescan && i < b->nsocks_cap; i++)
        if (b->socks[i] != NULL)
            (void)zt__nc_pump(b, b->socks[i], 0);
    return stop;
}

static void dispatch(nc_bridge *b, const struct epoll_event *ev)
{
    nc_kind *kind = ev->data.ptr;

    if (kind == NULL) {
        uint64_t v;
        (void)!read(b->wake, &v, sizeof(v));
        return;
    }
    switch (*kind) {
    case NC_LISTENER:
        listener_readable(b, (nc_listener *)kind);
        break;
    case NC_CONN:
        conn_readable(b, (nc_conn *)kind);
        break;
    case NC_SOCK:
        (void)zt__nc_pump(b, (nc_sock *)kind, ev->events);
        break;
    }
}

static void *bridge_main(void *arg)
{
    nc_bridge *b = arg;
    struct epoll_event evs[64];

    for (;;) {
        int n = epoll_wait(b->ep, evs, 64, -1);
        bool woken = false;
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            woken |= evs[i].data.ptr == NULL;
            dispatch(b, &evs[i]);
        }
        if (woken && take_posted(b))
            break;
    }
    return NULL;
}

int zt__nc_start(nc_bridge **pb, service *svc, const char *home, char *err, size_t errlen)
{
    nc_bridge *b = calloc(1, sizeof(*b));
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

    *pb = NULL;
    if (b == NULL || strlen(home) >= sizeof(b->home) ||
        (b->scratch = malloc(SCRATCH_BYTES)) == NULL) {
        snprintf(err, errlen, "intercept: out of memory");
        goto fail;
    }
    b->svc = svc;
    b->scratch_cap = SCRATCH_BYTES;
    memcpy(b->home, home, strlen(home) + 1);
    pthread_mutex_init(&b->mu, NULL);
    b->ep = epoll_create1(EPOLL_CLOEXEC);
    b->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (b->ep < 0 || b->wake < 0 || epoll_ctl(b->ep, EPOLL_CTL_ADD, b->wake, &ev) != 0 ||
        pthread_create(&b->thread, NULL, bridge_main, b) != 0) {
        snprintf(err, errlen, "intercept: cannot start the bridge: %s", strerror(errno));
        if (b->ep >= 0)
            close(b->ep);
        if (b->wake >= 0)
            close(b->wake);
        pthread_mutex_destroy(&b->mu);
        goto fail;
    }
    *pb = b;
    return 0;
fail:
    if (b != NULL)
        free(b->scratch);
    free(b);
    return -1;
}

void zt__nc_stop(nc_bridge *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    post_wake(b);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    (void)take_posted(b); /* listeners posted after the thread ended */
    while (b->conns != NULL)
        conn_close(b, b->conns);
    for (uint32_t i = 0; i < b->nsocks_cap; i++)
        if (b->socks[i] != NULL)
            zt__nc_sock_free(b, b->socks[i]);
    while (b->listeners != NULL) {
        nc_listener *l = b->listeners;
        b->listeners = l->next;
        listener_free(b, l);
    }
    close(b->ep);
    close(b->wake);
    pthread_mutex_destroy(&b->mu);
    free(b->socks);
    free(b->ready);
    free(b->removes);
    free(b->scratch);
    free(b);
}
