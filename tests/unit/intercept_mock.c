/*
 * intercept_mock.c: a scripted zt-service stand-in for test_intercept.c (intercept_mock.h).
 * One thread, one poll loop: the listening socket, the control connections, and the service
 * ends of the sockets that echo.  Requests are checked strictly (sizes, flags, body lengths);
 * anything malformed is counted and the connection dropped.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "intercept_mock.h"
#include "ncproto.h"

#define MAX_CONNS 16
#define MAX_SOCKS 128
#define MAX_OPTS 8

typedef struct msock {
    uint32_t id;
    int fd; /* the service's end; -1: none (or closed) */
    uint8_t family, type, state;
    uint64_t ino;
    zt_nc_addr local, peer;
    int pending_err;
    int nopts;
    struct {
        int32_t level, name;
        uint32_t len;
        uint8_t val[16];
    } opts[MAX_OPTS];
} msock;

struct mock {
    char path[108];
    int version;
    int lfd;
    int stop[2];
    int conns[MAX_CONNS];
    msock socks[MAX_SOCKS];
    int nsocks;
    uint32_t last_id;
    int errors;
    bool is_dead;
    pthread_t thread;
};

typedef struct req {
    uint32_t id;
    uint16_t op;
    uint32_t sock;
    const uint8_t *body;
    size_t len;
    int fd; /* received with it, or -1 */
} req;

static msock *find(mock *m, uint32_t id)
{
    for (int i = 0; i < m->nsocks; i++)
        if (m->socks[i].id == id)
            return &m->socks[i];
    return NULL;
}

/* A new socket, in a free slot (a stream socket the program closed) or a new one. */
static msock *add_sock(mock *m, int fd, uint8_t family, uint8_t type)
{
    msock *s = NULL;

    for (int i = 0; i < m->nsocks && s == NULL; i++)
        if (m->socks[i].fd < 0)
            s = &m->socks[i];
    if (s == NULL && m->nsocks == MAX_SOCKS)
        return NULL;
    if (s == NULL)
        s = &m->socks[m->nsocks++];
    memset(s, 0, sizeof(*s));
    s->id = ++m->last_id;
    s->fd = fd;
    s->family = family;
    s->type = type;
    return s;
}

static int send_reply(int fd, uint32_t id, int32_t result, int32_t err, const uint8_t *body,
                      size_t len)
{
    uint8_t msg[ZT_NC_MAX_MSG];

    zt_nc_put32(msg, (uint32_t)(ZT_NC_HDR + len));
    zt_nc_put32(msg + 4, id);
    zt_nc_put32(msg + 8, (uint32_t)result);
    zt_nc_put32(msg + 12, (uint32_t)err);
    memcpy(msg + ZT_NC_HDR, body, len);
    return send(fd, msg, ZT_NC_HDR + len, MSG_NOSIGNAL) == (ssize_t)(ZT_NC_HDR + len) ? 0 : -1;
}

/* Delivers one accepted connection on listening socket |ls|. */
static void push_accept(mock *m, msock *ls)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } cm;
    uint8_t rec[ZT_NC_ACCEPT_LEN];
    struct iovec iov = {rec, sizeof(rec)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    struct cmsghdr *h;
    struct stat st;
    int sv[2];
    msock *s;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return;
    s = add_sock(m, sv[1], ls->family, ZT_NC_STREAM);
    if (s == NULL || fstat(sv[0], &st) != 0) {
        close(sv[0]);
        close(sv[1]);
        return;
    }
    s->ino = (uint64_t)st.st_ino;
    s->state = ZT_NC_STATE_CONNECTED;
    s->local = ls->local;
    s->peer.family = ls->family;
    s->peer.port = 5555;
    if (ls->family == 4) {
        memcpy(s->peer.ip, (uint8_t[]){10, 9, 8, 7}, 4);
    } else {
        s->peer.ip[10] = s->peer.ip[11] = 0xff;
        memcpy(s->peer.ip + 12, (uint8_t[]){10, 9, 8, 7}, 4);
    }
    zt_nc_put32(rec, ZT_NC_ACCEPT_MAGIC);
    zt_nc_put32(rec + 4, s->id);
    zt_nc_put_addr(rec + 8, &s->peer);
    memset(&cm, 0, sizeof(cm));
    mh.msg_control = cm.buf;
    mh.msg_controllen = sizeof(cm.buf);
    h = CMSG_FIRSTHDR(&mh);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &sv[0], sizeof(int));
    if (sendmsg(ls->fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(rec))
        m->errors++;
    close(sv[0]);
    if (write(sv[1], "hi", 2) != 2)
        m->errors++;
}

static int opt_find(msock *s, int32_t level, int32_t name)
{
    for (int i = 0; i < s->nopts; i++)
        if (s->opts[i].level == level && s->opts[i].name == name)
            return i;
    return -1;
}

/* The service dies: every descriptor closed, the socket file removed. */
static void die(mock *m)
{
    for (int i = 0; i < MAX_CONNS; i++) {
        if (m->conns[i] >= 0)
            close(m->conns[i]);
        m->conns[i] = -1;
    }
    for (int i = 0; i < m->nsocks; i++) {
        if (m->socks[i].fd >= 0)
            close(m->socks[i].fd);
        m->socks[i].fd = -1;
    }
    close(m->lfd);
    m->lfd = -1;
    unlink(m->path);
    m->is_dead = true;
}

static int op_socket(mock *m, int cfd, const req *r)
{
    uint8_t fam = r->body[0], type = r->body[1];
    uint16_t proto = zt_nc_get16(r->body + 2);
    msock *s;

    if (r->len != 12 || r->fd < 0 || (fam != 4 && fam != 6) ||
        (type != ZT_NC_STREAM && type != ZT_NC_DGRAM) ||
        (proto != 0 && proto != (type == ZT_NC_STREAM ? 6 : 17)))
        return -1;
    s = add_sock(m, r->fd, fam, type);
    if (s == NULL)
        return send_reply(cfd, r->id, -1, EMFILE, NULL, 0);
    s->ino = zt_nc_get64(r->body + 4);
    return send_reply(cfd, r->id, (int32_t)s->id, 0, NULL, 0);
}

static int op_setopt(mock *m, int cfd, const req *r, msock *s)
{
    int32_t level = (int32_t)zt_nc_get32(r->body), name = (int32_t)zt_nc_get32(r->body + 4);
    uint32_t len = zt_nc_get32(r->body + 8);
    int i;

    if (r->len < 12 || len > ZT_NC_MAX_OPT || r->len != 12 + len)
        return -1;
    if (level == 999 || len > 16)
        return send_reply(cfd, r->id, -1, ENOPROTOOPT, NULL, 0);
    if (level == 777) {
        send_reply(cfd, r->id, 0, 0, NULL, 0);
        die(m);
        return 0;
    }
    i = opt_find(s, level, name);
    if (i < 0 && s->nopts < MAX_OPTS)
        i = s->nopts++;
    if (i < 0)
        return send_reply(cfd, r->id, -1, ENOMEM, NULL, 0);
    s->opts[i].level = level;
    s->opts[i].name = name;
    s->opts[i].len = len;
    memcpy(s->opts[i].val, r->body + 12, len);
    return send_reply(cfd, r->id, 0, 0, NULL, 0);
}

static int op_getopt(int cfd, const req *r, msock *s)
{
    uint32_t cap;
    int i;

    if (r->len != 12)
        return -1;
    cap = zt_nc_get32(r->body + 8);
    i = opt_find(s, (int32_t)zt_nc_get32(r->body), (int32_t)zt_nc_get32(r->body + 4));
    if (i < 0 || cap > ZT_NC_MAX_OPT)
        return send_reply(cfd, r->id, -1, ENOPROTOOPT, NULL, 0);
    cap = cap < s->opts[i].len ? cap : s->opts[i].len;
    return send_reply(cfd, r->id, (int32_t)s->opts[i].len, 0, s->opts[i].val, cap);
}

static int op_lookup(mock *m, int cfd, const req *r)
{
    uint8_t out[3];

    if (r->len != 8)
        return -1;
    for (int i = 0; i < m->nsocks; i++) {
        if (m->socks[i].ino == zt_nc_get64(r->body) && m->socks[i].fd >= 0) {
            out[0] = m->socks[i].family;
            out[1] = m->socks[i].type;
            out[2] = m->socks[i].state;
            return send_reply(cfd, r->id, (int32_t)m->socks[i].id, 0, out, 3);
        }
    }
    return send_reply(cfd, r->id, -1, ENOTSOCK, NULL, 0);
}

/* Handles one request; returns -1 when the connection must be dropped. */
static int handle(mock *m, int cfd, const req *r)
{
    msock *s = r->sock != 0 ? find(m, r->sock) : NULL;
    uint8_t out[ZT_NC_ADDR];
    zt_nc_addr a;
    int i;

    if (r->op != ZT_NC_OP_HELLO && r->op != ZT_NC_OP_SOCKET && r->op != ZT_NC_OP_LOOKUP &&
        s == NULL)
        return send_reply(cfd, r->id, -1, EBADF, NULL, 0);
    switch (r->op) {
    case ZT_NC_OP_HELLO:
        if (r->len != 4 || zt_nc_get32(r->body) != ZT_NC_VERSION)
            return -1;
        return send_reply(cfd, r->id, m->version, 0, NULL, 0);
    case ZT_NC_OP_SOCKET:
        return op_socket(m, cfd, r);
    case ZT_NC_OP_BIND:
        if (r->len != ZT_NC_ADDR || zt_nc_get_addr(r->body, &a) != 0 || a.family != s->family)
            return -1;
        if (a.port == 1)
            return send_reply(cfd, r->id, -1, EADDRINUSE, NULL, 0);
        if (a.port == 0)
            a.port = (uint16_t)(40000 + s->id);
        s->local = a;
        return send_reply(cfd, r->id, 0, 0, NULL, 0);
    case ZT_NC_OP_LISTEN:
        if (r->len != 4 || s->type != ZT_NC_STREAM)
            return -1;
        s->state |= ZT_NC_STATE_LISTENING;
        if (send_reply(cfd, r->id, 0, 0, NULL, 0) != 0)
            return -1;
        push_accept(m, s);
        return 0;
    case ZT_NC_OP_CONNECT:
        if (r->len != ZT_NC_ADDR + 1 || zt_nc_get_addr(r->body, &a) != 0 || r->body[24] > 1)
            return -1;
        if (s->type == ZT_NC_DGRAM || r->body[24] == 1) {
            if (a.port == 1)
                return send_reply(cfd, r->id, -1, ECONNREFUSED, NULL, 0);
            s->state |= ZT_NC_STATE_CONNECTED;
            s->peer = a;
            return send_reply(cfd, r->id, 0, 0, NULL, 0);
        }
        s->pending_err = a.port == 1 ? ECONNREFUSED : 0;
        if (a.port != 1) {
            s->state |= ZT_NC_STATE_CONNECTED;
            s->peer = a;
        }
        return send_reply(cfd, r->id, -1, EINPROGRESS, NULL, 0);
    case ZT_NC_OP_STATUS:
        if (r->len != 1)
            return -1;
        i = s->pending_err;
        s->pending_err = 0;
        return send_reply(cfd, r->id, i, 0, NULL, 0);
    case ZT_NC_OP_GETNAME:
        if (r->len != 1 || r->body[0] > 1)
            return -1;
        if (r->body[0] == 1 && !(s->state & ZT_NC_STATE_CONNECTED))
            return send_reply(cfd, r->id, -1, ENOTCONN, NULL, 0);
        zt_nc_put_addr(out, r->body[0] == 0 ? &s->local : &s->peer);
        return send_reply(cfd, r->id, 0, 0, out, ZT_NC_ADDR);
    case ZT_NC_OP_SETOPT:
        return op_setopt(m, cfd, r, s);
    case ZT_NC_OP_GETOPT:
        return op_getopt(cfd, r, s);
    case ZT_NC_OP_LOOKUP:
        return op_lookup(m, cfd, r);
    default:
        return -1;
    }
}

/* Reads one request from control connection |cfd|; -1: closed or malformed. */
static int serve_conn(mock *m, int cfd)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * 4)];
    } cm;
    uint8_t msg[ZT_NC_MAX_MSG];
    struct iovec iov = {msg, 4};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    struct cmsghdr *h;
    uint32_t size;
    req r = {.fd = -1};
    int rv;

    mh.msg_control = cm.buf;
    mh.msg_controllen = sizeof(cm.buf);
    if (recvmsg(cfd, &mh, MSG_WAITALL) != 4)
        return -1;
    for (h = CMSG_FIRSTHDR(&mh); h != NULL; h = CMSG_NXTHDR(&mh, h)) {
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS && r.fd < 0 &&
            h->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(&r.fd, CMSG_DATA(h), sizeof(int));
        else
            m->errors++;
    }
    size = zt_nc_get32(msg);
    if (size < ZT_NC_HDR || size > ZT_NC_MAX_MSG ||
        recv(cfd, msg + 4, size - 4, MSG_WAITALL) != (ssize_t)(size - 4) ||
        zt_nc_get16(msg + 10) != 0) {
        m->errors++;
        rv = -1;
        goto out;
    }
    r.id = zt_nc_get32(msg + 4);
    r.op = zt_nc_get16(msg + 8);
    r.sock = zt_nc_get32(msg + 12);
    r.body = msg + ZT_NC_HDR;
    r.len = size - ZT_NC_HDR;
    rv = handle(m, cfd, &r);
    if (rv != 0)
        m->errors++;
    if (r.op == ZT_NC_OP_SOCKET && rv == 0)
        r.fd = -1; /* kept by the socket */
out:
    if (r.fd >= 0)
        close(r.fd);
    return rv;
}

/* Echoes what socket |s|'s end has to read. */
static void echo(msock *s)
{
    uint8_t buf[70000];
    ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);

    if (n == 0 && s->type == ZT_NC_STREAM) {
        close(s->fd);
        s->fd = -1;
        return;
    }
    if (n > 0)
        (void)send(s->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static bool is_echoing(const msock *s)
{
    return s->fd >= 0 && !(s->state & ZT_NC_STATE_LISTENING) &&
           (s->type == ZT_NC_DGRAM || (s->state & ZT_NC_STATE_CONNECTED));
}

static void *run(void *arg)
{
    mock *m = arg;
    struct pollfd p[2 + MAX_CONNS + MAX_SOCKS];
    int who[2 + MAX_CONNS + MAX_SOCKS];

    for (;;) {
        nfds_t n = 0;

        p[n] = (struct pollfd){m->stop[0], POLLIN, 0};
        who[n++] = -1;
        if (m->lfd >= 0) {
            p[n] = (struct pollfd){m->lfd, POLLIN, 0};
            who[n++] = -2;
        }
        for (int i = 0; i < MAX_CONNS; i++) {
            if (m->conns[i] >= 0) {
                p[n] = (struct pollfd){m->conns[i], POLLIN, 0};
                who[n++] = 1000 + i;
            }
        }
        for (int i = 0; i < m->nsocks; i++) {
            if (is_echoing(&m->socks[i])) {
                p[n] = (struct pollfd){m->socks[i].fd, POLLIN, 0};
                who[n++] = i;
            }
        }
        if (poll(p, n, -1) < 0 && errno != EINTR)
            return NULL;
        for (nfds_t k = 0; k < n; k++) {
            if (p[k].revents == 0)
                continue;
            if (who[k] == -1)
                return NULL;
            if (who[k] == -2 && m->lfd >= 0) {
                int c = accept(m->lfd, NULL, NULL);

                for (int i = 0; c >= 0 && i < MAX_CONNS; i++) {
                    if (m->conns[i] < 0) {
                        m->conns[i] = c;
                        c = -1;
                    }
                }
                if (c >= 0)
                    close(c);
            } else if (who[k] >= 1000 && m->conns[who[k] - 1000] >= 0) {
                int *c = &m->conns[who[k] - 1000];

                if (serve_conn(m, *c) != 0 && *c >= 0) {
                    close(*c);
                    *c = -1;
                }
            } else if (who[k] >= 0 && who[k] < 1000 && m->socks[who[k]].fd >= 0) {
                echo(&m->socks[who[k]]);
            }
            if (m->is_dead)
                break; /* the poll set is stale */
        }
    }
}

mock *mock_start(const char *path, int version)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    mock *m = calloc(1, sizeof(*m));

    if (m == NULL || strlen(path) >= sizeof(sun.sun_path))
        goto fail;
    snprintf(m->path, sizeof(m->path), "%s", path);
    memcpy(sun.sun_path, path, strlen(path));
    m->version = version;
    m->last_id = 100;
    for (int i = 0; i < MAX_CONNS; i++)
        m->conns[i] = -1;
    m->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m->lfd < 0 || pipe(m->stop) != 0)
        goto fail;
    unlink(path);
    if (bind(m->lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(m->lfd, 16) != 0)
        goto fail;
    if (pthread_create(&m->thread, NULL, run, m) != 0)
        goto fail;
    return m;
fail:
    free(m);
    return NULL;
}

int mock_stop(mock *m)
{
    int errors;

    if (write(m->stop[1], "x", 1) != 1)
        return -1;
    pthread_join(m->thread, NULL);
    if (!m->is_dead)
        die(m);
    close(m->stop[0]);
    close(m->stop[1]);
    errors = m->errors;
    free(m);
    return errors;
}
