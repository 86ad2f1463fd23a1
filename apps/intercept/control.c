/*
 * control.c: requests to zt-service (ncproto.h, docs/intercept.md "Protocol").
 *
 * One control connection per process, opened on demand with HELLO first, carries one request
 * at a time under |ctl_lock| (strictly request -> reply, so a reply is matched by its ID and
 * anything else means the connection is broken).  Requests that may wait long get a
 * connection of their own (zt__icpt_ctl_wait), so that no thread waits behind another's
 * connect().  A dead service (EOF, EPIPE, ECONNRESET, a garbled or late reply) fails the call
 * with ENETDOWN and closes the connection; the next call opens a new one.  Nothing here can
 * raise SIGPIPE (MSG_NOSIGNAL), and the shared connection has send and receive timeouts, so a
 * hung service fails calls instead of hanging them forever.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "intercept.h"

/* How long the shared connection waits for the service before declaring it dead. */
#define CTL_TIMEOUT_SEC 10

static pthread_mutex_t ctl_lock = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static int ctl_fd = -1; /* guarded by ctl_lock */
static dev_t ctl_dev;
static ino_t ctl_ino;
static uint32_t ctl_next_id;
static atomic_flag has_complained = ATOMIC_FLAG_INIT;

/* Prints "libztintercept: cannot reach zt-service at <path>: <reason>" once per process. */
__attribute__((format(printf, 1, 2))) static void complain(const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    int n, m;

    if (atomic_flag_test_and_set(&has_complained))
        return;
    n = snprintf(msg, sizeof(msg), "libztintercept: cannot reach zt-service at %s: ",
                 zt__icpt_path());
    if (n < 0 || (size_t)n >= sizeof(msg) - 2)
        n = 0;
    va_start(ap, fmt);
    m = vsnprintf(msg + n, sizeof(msg) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += m;
    if ((size_t)n > sizeof(msg) - 2)
        n = (int)sizeof(msg) - 2;
    msg[n++] = '\n';
    if (write(STDERR_FILENO, msg, (size_t)n) < 0) {
        /* stderr is gone: nothing to do */
    }
}

static void close_fd(int fd)
{
    int saved = errno;

    zt__icpt_libc()->close(fd);
    errno = saved;
}

static void set_timeout(int fd, int name, const struct timeval *tv)
{
    struct timeval none = {0, 0};

    zt__icpt_libc()->setsockopt(fd, SOL_SOCKET, name, tv != NULL ? tv : &none, sizeof(*tv));
}

/* Sends |len| bytes of |msg|, with |pass_fd| (>= 0) attached to the first byte.  0, -EAGAIN
 * (send timeout) or -ENETDOWN. */
static int send_all(int fd, const uint8_t *msg, size_t len, int pass_fd)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } cm;
    size_t off = 0;

    while (off < len) {
        struct iovec iov = {(void *)(msg + off), len - off};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n;

        if (pass_fd >= 0) {
            struct cmsghdr *h;

            memset(&cm, 0, sizeof(cm));
            m.msg_control = cm.buf;
            m.msg_controllen = sizeof(cm.buf);
            h = CMSG_FIRSTHDR(&m);
            h->cmsg_level = SOL_SOCKET;
            h->cmsg_type = SCM_RIGHTS;
            h->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(h), &pass_fd, sizeof(int));
        }
        n = c->sendmsg(fd, &m, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -EAGAIN;
        if (n <= 0)
            return -ENETDOWN;
        off += (size_t)n;
        pass_fd = -1; /* the descriptor went with the first bytes */
    }
    return 0;
}

/* Reads exactly |len| bytes.  0, -EINTR (when |is_interruptible|), -EAGAIN (receive timeout)
 * or -ENETDOWN (EOF, reset, ...). */
static int recv_all(int fd, uint8_t *buf, size_t len, bool is_interruptible)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    size_t off = 0;

    while (off < len) {
        ssize_t n = c->recv(fd, buf + off, len - off, 0);

        if (n < 0 && errno == EINTR) {
            if (is_interruptible)
                return -EINTR;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -EAGAIN;
        if (n <= 0)
            return -ENETDOWN;
        off += (size_t)n;
    }
    return 0;
}

/* One request and its reply on |fd|.  0, or a negative errno of send_all()/recv_all(), or
 * -ENETDOWN for a malformed reply. */
static int exchange(int fd, uint32_t id, uint16_t op, uint32_t sock, const uint8_t *body,
                    size_t len, int pass_fd, bool is_interruptible, zt_icpt_reply *rep)
{
    uint8_t msg[ZT_NC_MAX_MSG];
    uint32_t size;
    int rv;

    if (len > sizeof(msg) - ZT_NC_HDR)
        return -EINVAL; /* a programming error: every body is far smaller */
    zt_nc_put32(msg, (uint32_t)(ZT_NC_HDR + len));
    zt_nc_put32(msg + 4, id);
    zt_nc_put16(msg + 8, op);
    zt_nc_put16(msg + 10, 0);
    zt_nc_put32(msg + 12, sock);
    if (len > 0)
        memcpy(msg + ZT_NC_HDR, body, len);
    rv = send_all(fd, msg, ZT_NC_HDR + len, pass_fd);
    if (rv < 0)
        return rv;

    rv = recv_all(fd, msg, 4, is_interruptible);
    if (rv < 0)
        return rv;
    size = zt_nc_get32(msg);
    if (size < ZT_NC_HDR || size > ZT_NC_MAX_MSG)
        return -ENETDOWN;
    rv = recv_all(fd, msg + 4, size - 4, is_interruptible);
    if (rv < 0)
        return rv;
    if (zt_nc_get32(msg + 4) != id)
        return -ENETDOWN;
    rep->result = (int32_t)zt_nc_get32(msg + 8);
    rep->err = (int32_t)zt_nc_get32(msg + 12);
    rep->len = size - ZT_NC_HDR;
    memcpy(rep->body, msg + ZT_NC_HDR, rep->len);
    return 0;
}

/* Opens a connection to the service and says HELLO.  Returns the descriptor, -ENETDOWN
 * (reported once on stderr) or the errno of socket() (EMFILE...). */
static int ctl_open(void)
{
    const zt_icpt_libc *c = zt__icpt_libc();
    const char *p = zt__icpt_path();
    struct sockaddr_un sun;
    struct timeval tv = {CTL_TIMEOUT_SEC, 0};
    uint8_t body[4];
    zt_icpt_reply rep;
    size_t plen = strlen(p);
    int fd, rv;

    if (plen >= sizeof(sun.sun_path)) {
        complain("the path is too long for a Unix socket (%zu bytes, at most %zu)", plen,
                 sizeof(sun.sun_path) - 1);
        return -ENETDOWN;
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, p, plen);
    fd = c->socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    /* Before connect(): a service too busy to accept makes connect() wait, and
     * SO_SNDTIMEO bounds that wait on a Unix socket. */
    set_timeout(fd, SO_RCVTIMEO, &tv);
    set_timeout(fd, SO_SNDTIMEO, &tv);
    if (c->connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) != 0) {
        complain("%s", strerror(errno));
        rv = -ENETDOWN;
        goto fail;
    }
    zt_nc_put32(body, ZT_NC_VERSION);
    rv = exchange(fd, 0, ZT_NC_OP_HELLO, 0, body, sizeof(body), -1, false, &rep);
    if (rv < 0) {
        complain("no answer to HELLO (%s)", rv == -EAGAIN ? "timed out" : "connection closed");
        rv = -ENETDOWN;
        goto fail;
    }
    if (rep.result != ZT_NC_VERSION) {
        if (rep.result < 0)
            complain("HELLO refused (%s)", strerror(rep.err));
        else
            complain("it speaks protocol version %d, this library speaks version %d",
                     (int)rep.result, ZT_NC_VERSION);
        rv = -ENETDOWN;
        goto fail;
    }
    return fd;
fail:
    close_fd(fd);
    return rv;
}

/* Under ctl_lock: the shared connection, still ours (the program may have closed or reused the
 * number: close_range(), a dup2() onto it, a loop closing every descriptor after fork). */
static bool ctl_is_ours(void)
{
    struct stat st;

    return ctl_fd >= 0 && fstat(ctl_fd, &st) == 0 && st.st_dev == ctl_dev &&
           st.st_ino == ctl_ino;
}

static int call_locked(uint16_t op, uint32_t sock, const uint8_t *body, size_t len,
                       int pass_fd, zt_icpt_reply *rep)
{
    struct stat st;
    int rv, fd;

    if (ctl_fd >= 0 && !ctl_is_ours())
        ctl_fd = -1; /* not ours any more: forget it, never close it */
    if (ctl_fd < 0) {
        fd = ctl_open();
        if (fd < 0)
            return fd;
        if (fstat(fd, &st) != 0) {
            close_fd(fd);
            return -ENETDOWN;
        }
        ctl_dev = st.st_dev;
        ctl_ino = st.st_ino;
        ctl_next_id = 0;
        ctl_fd = fd;
    }
    rv = exchange(ctl_fd, ++ctl_next_id, op, sock, body, len, pass_fd, false, rep);
    if (rv < 0) {
        fd = ctl_fd;
        ctl_fd = -1; /* before closing: a fork child sees either the fd or -1 */
        close_fd(fd);
        rv = -ENETDOWN;
    }
    return rv;
}

int zt__icpt_ctl_call(uint16_t op, uint32_t sock, const uint8_t *body, size_t len, int pass_fd,
                      zt_icpt_reply *rep)
{
    int saved = errno, cs, rv;

    /* A thread cancelled in the middle would leave the lock held for ever. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
    rv = pthread_mutex_lock(&ctl_lock);
    if (rv == 0) {
        rv = call_locked(op, sock, body, len, pass_fd, rep);
        pthread_mutex_unlock(&ctl_lock);
    } else {
        /* EDEADLK: a signal handler came back in while this thread talks to the service.  Its
         * request goes on a connection of its own instead of corrupting the shared one. */
        int fd = ctl_open();

        rv = fd;
        if (fd >= 0) {
            rv = exchange(fd, 1, op, sock, body, len, pass_fd, false, rep);
            rv = rv < 0 ? -ENETDOWN : 0;
            close_fd(fd);
        }
    }
    pthread_setcancelstate(cs, NULL);
    errno = saved;
    return rv;
}

static void cleanup_close(void *arg)
{
    close_fd(*(int *)arg);
}

int zt__icpt_ctl_wait(uint16_t op, uint32_t sock, const uint8_t *body, size_t len,
                      const struct timeval *timeout, bool is_interruptible, zt_icpt_reply *rep)
{
    int saved = errno, cs, fd, rv;

    /* HELLO is quick (bounded by the control timeout); only the wait itself may be cancelled,
     * like the connect() it stands for, and then the connection is closed. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
    fd = ctl_open();
    if (fd < 0) {
        pthread_setcancelstate(cs, NULL);
        errno = saved;
        return fd;
    }
    set_timeout(fd, SO_RCVTIMEO, timeout);
    pthread_cleanup_push(cleanup_close, &fd);
    pthread_setcancelstate(cs, NULL);
    rv = exchange(fd, 1, op, sock, body, len, -1, is_interruptible, rep);
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
    pthread_cleanup_pop(1);
    pthread_setcancelstate(cs, NULL);
    if (rv == -EAGAIN && (timeout == NULL || (timeout->tv_sec == 0 && timeout->tv_usec == 0)))
        rv = -ENETDOWN; /* the send timeout of HELLO's: the service hangs */
    if (rv < 0 && rv != -EINTR && rv != -EAGAIN)
        rv = -ENETDOWN;
    errno = saved;
    return rv;
}

int zt__icpt_reply_rv(const zt_icpt_reply *rep)
{
    if (rep->result >= 0)
        return rep->result;
    if (rep->err <= 0 || rep->err >= 4096)
        return -EPROTO;
    return -rep->err;
}

int zt__icpt_ctl_simple(uint16_t op, uint32_t sock, const uint8_t *body, size_t len)
{
    zt_icpt_reply rep;
    int rv = zt__icpt_ctl_call(op, sock, body, len, -1, &rep);

    return rv < 0 ? rv : zt__icpt_reply_rv(&rep);
}

int zt__icpt_ctl_getname(uint32_t id, uint8_t which, zt_nc_addr *a)
{
    zt_icpt_reply rep;
    int rv = zt__icpt_ctl_call(ZT_NC_OP_GETNAME, id, &which, 1, -1, &rep);

    if (rv == 0)
        rv = zt__icpt_reply_rv(&rep);
    if (rv < 0)
        return rv;
    if (rep.len < ZT_NC_ADDR || zt_nc_get_addr(rep.body, a) != 0)
        return -EPROTO;
    return 0;
}

/* The child of fork: the parent's connection is the parent's.  Close our copy of it (the
 * parent keeps its own) and start with a fresh lock, whoever held it at fork. */
void zt__icpt_ctl_fork_child(void)
{
    pthread_mutex_t fresh = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
    int fd = ctl_fd;

    ctl_lock = fresh;
    ctl_fd = -1;
    if (fd >= 0)
        close_fd(fd);
}
