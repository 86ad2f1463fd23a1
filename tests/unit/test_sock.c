/*
 * test_sock.c: the zts_* socket calls (api.md §5.7) over our socket layer (src/socket)
 * and lwIP's loopback netif (127.0.0.1, ::1).  No ZeroTier node: the stack is started once,
 * the service gate opened by hand (zts_gate.h).
 *
 * Every blocking call is bounded (SO_RCVTIMEO/SO_SNDTIMEO or a poll timeout), so a bug fails
 * a case instead of hanging the run; every thread is joined.  zts_errno is one process-wide
 * variable, so threads look at the host errno (thread-local, set too per §5.7) and the main
 * thread asserts on their recorded results after the join.  Each case leaves no descriptor
 * open (checked in the teardown), so the descriptor cases can count from 0.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ZeroTierSockets.h"
#include "socket/sock.h"
#include "socket/zts_gate.h"
#include "stack/stack.h"

/* Bound of every "should not block" call: a bug costs this much, then fails. */
#define LONG_MS 20000
#define ECHO_TOTAL (8u * 1024 * 1024)

/* ---- helpers ------------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Pattern byte |i| of the echo stream: not periodic over 256 or 64 KiB. */
static uint8_t pat(size_t i)
{
    uint32_t x = (uint32_t)i;

    x ^= x >> 11;
    x *= 2654435761u;
    return (uint8_t)(x >> 13);
}

/* A call that fails with -1 and |e| in zts_errno and errno (single-threaded sections). */
#define ASSERT_FAIL(expr, e)                                                                   \
    do {                                                                                       \
        zts_errno = 0;                                                                         \
        errno = 0;                                                                             \
        long long rv_ = (long long)(expr);                                                     \
        if (rv_ != -1 || zts_errno != (e) || errno != (e))                                     \
            fail_msg("%s: rv %lld zts_errno %d errno %d, want -1/%d", #expr, rv_, zts_errno,   \
                     errno, (e));                                                              \
    } while (0)

/* A call that returns |code| (ZTS_ERR_ARG or ZTS_ERR_SERVICE) and leaves zts_errno alone. */
#define ASSERT_CODE(expr, code)                                                                \
    do {                                                                                       \
        zts_errno = 4242;                                                                      \
        long long rv_ = (long long)(expr);                                                     \
        if (rv_ != (code) || zts_errno != 4242)                                                \
            fail_msg("%s: rv %lld zts_errno %d, want %d untouched", #expr, rv_, zts_errno,     \
                     (int)(code));                                                             \
    } while (0)
#define ASSERT_ARG(expr) ASSERT_CODE(expr, ZTS_ERR_ARG)
#define ASSERT_SERVICE(expr) ASSERT_CODE(expr, ZTS_ERR_SERVICE)

#define ASSERT_OK(expr)                                                                        \
    do {                                                                                       \
        long long rv_ = (long long)(expr);                                                     \
        if (rv_ != 0)                                                                          \
            fail_msg("%s: rv %lld errno %d", #expr, rv_, errno);                               \
    } while (0)

/* The loopback address of |family| (ZTS_AF_INET/6), |port| in host order.  Returns the
 * address length (16 or 28). */
static zts_socklen_t loop_addr(int family, uint16_t port, struct zts_sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (family == ZTS_AF_INET) {
        struct zts_sockaddr_in *in = (struct zts_sockaddr_in *)ss;
        in->sin_family = ZTS_AF_INET;
        in->sin_port = zts_htons(port);
        in->sin_addr.s_addr = zts_htonl(ZTS_IPADDR_LOOPBACK);
        return sizeof(*in);
    }
    struct zts_sockaddr_in6 *in6 = (struct zts_sockaddr_in6 *)ss;
    in6->sin6_family = ZTS_AF_INET6;
    in6->sin6_port = zts_htons(port);
    in6->sin6_addr.un.u8_addr[15] = 1;
    return sizeof(*in6);
}

#define SA(ss) ((struct zts_sockaddr *)(ss))

static uint16_t port_of(const struct zts_sockaddr_storage *ss)
{
    if (ss->ss_family == ZTS_AF_INET)
        return zts_ntohs(((const struct zts_sockaddr_in *)ss)->sin_port);
    return zts_ntohs(((const struct zts_sockaddr_in6 *)ss)->sin6_port);
}

/* Local port of |fd|. */
static uint16_t local_port(int fd)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    assert_int_equal(zts_getsockname(fd, SA(&ss), &len), 0);
    return port_of(&ss);
}

static void set_tv(int fd, int opt, long ms)
{
    struct zts_timeval tv = {ms / 1000, (ms % 1000) * 1000};

    assert_int_equal(zts_setsockopt(fd, ZTS_SOL_SOCKET, opt, &tv, sizeof(tv)), 0);
}

/* Bounds every blocking call on |fd|. */
static void set_timeouts(int fd, long ms)
{
    set_tv(fd, ZTS_SO_RCVTIMEO, ms);
    set_tv(fd, ZTS_SO_SNDTIMEO, ms);
}

static int set_int(int fd, int level, int opt, int v)
{
    return zts_setsockopt(fd, level, opt, &v, sizeof(v));
}

static int get_int(int fd, int level, int opt)
{
    int v = -12345;
    zts_socklen_t len = sizeof(v);

    assert_int_equal(zts_getsockopt(fd, level, opt, &v, &len), 0);
    assert_int_equal(len, sizeof(int));
    return v;
}

static int new_sock(int family, int type)
{
    int fd = zts_socket(family, type, 0);

    if (fd < 0)
        fail_msg("zts_socket(%d, %d): %d errno %d", family, type, fd, zts_errno);
    set_timeouts(fd, LONG_MS);
    return fd;
}

/* A TCP listener on the loopback address of |family|, ephemeral port in *|port|. */
static int listener(int family, int backlog, uint16_t *port)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(family, 0, &ss);
    int fd = new_sock(family, ZTS_SOCK_STREAM);

    assert_int_equal(zts_bind(fd, SA(&ss), len), 0);
    assert_int_equal(zts_listen(fd, backlog), 0);
    *port = local_port(fd);
    assert_true(*port != 0);
    return fd;
}

static int connect_to(int family, uint16_t port)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(family, port, &ss);
    int fd = new_sock(family, ZTS_SOCK_STREAM);

    if (zts_connect(fd, SA(&ss), len) != 0)
        fail_msg("connect to port %u: errno %d", port, zts_errno);
    return fd;
}

/* A connected TCP pair over loopback: *|c| connected, *|s| accepted. */
static void tcp_pair(int family, int *c, int *s)
{
    uint16_t port;
    int l = listener(family, 4, &port);

    *c = connect_to(family, port);
    *s = zts_accept(l, NULL, NULL);
    assert_true(*s >= 0);
    set_timeouts(*s, LONG_MS);
    assert_int_equal(zts_close(l), 0);
}

/* A UDP socket bound to loopback of |family|, ephemeral port in *|port|. */
static int udp_bound(int family, uint16_t *port)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(family, 0, &ss);
    int fd = new_sock(family, ZTS_SOCK_DGRAM);

    assert_int_equal(zts_bind(fd, SA(&ss), len), 0);
    *port = local_port(fd);
    assert_true(*port != 0);
    return fd;
}

/* Sends all of |buf| on a blocking socket; returns false on an error (errno kept). */
static bool send_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = zts_send(fd, buf, len, 0);
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Receives exactly |len| bytes; false on error or early end. */
static bool recv_all(int fd, uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = zts_recv(fd, buf, len, 0);
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Waits until |fd| shows one of |events| (bounded).  Returns revents. */
static short wait_for(int fd, short events, int ms)
{
    struct zts_pollfd p = {fd, events, 0};
    int rv = zts_poll(&p, 1, ms);

    if (rv < 0)
        fail_msg("zts_poll: %d errno %d", rv, zts_errno);
    return rv == 0 ? 0 : p.revents;
}

/* ---- fixtures ----------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    if (zt__stack_init() != 0)
        return -1;
    zt__sock_set_running(true);
    return 0;
}

/* Every case closes what it opened: nothing may stay open (also keeps fds counting from 0). */
static int no_open_fds(void **state)
{
    (void)state;
    zt__sock_set_running(true);
    if (zt__sock_count() != 0) {
        fprintf(stderr, "test left %zu descriptors open\n", zt__sock_count());
        zt__sock_close_all(); /* so that the next cases start clean */
        return -1;
    }
    return 0;
}

/* ---- TCP echo, 8 MiB -------------------------------------------------------------------- */

typedef struct {
    int lfd;            /* listener (echo server) or connected socket (writer) */
    size_t done;        /* bytes echoed / written */
    int err;            /* errno of the first failure, 0 if none */
    const char *where;  /* what failed */
} worker;

static void *echo_server(void *arg)
{
    worker *w = arg;
    uint8_t *buf = malloc(65536);
    int fd = zts_accept(w->lfd, NULL, NULL);

    if (fd < 0 || buf == NULL) {
        w->err = errno;
        w->where = "accept";
        free(buf);
        return NULL;
    }
    set_timeouts(fd, LONG_MS);
    for (;;) {
        ssize_t n = zts_recv(fd, buf, 65536, 0);
        if (n == 0)
            break;
        if (n < 0) {
            w->err = errno;
            w->where = "server recv";
            break;
        }
        if (!send_all(fd, buf, (size_t)n)) {
            w->err = errno;
            w->where = "server send";
            break;
        }
        w->done += (size_t)n;
    }
    zts_close(fd);
    free(buf);
    return NULL;
}

static void *pattern_writer(void *arg)
{
    worker *w = arg;
    uint8_t *buf = malloc(70000);
    size_t chunk = 1;

    if (buf == NULL) {
        w->where = "malloc";
        return NULL;
    }
    while (w->done < ECHO_TOTAL) {
        /* chunk sizes vary from 1 byte to ~68 KiB (beyond lwIP's 64 KiB write unit) */
        size_t n = chunk % 70000 + 1;
        if (n > ECHO_TOTAL - w->done)
            n = ECHO_TOTAL - w->done;
        for (size_t i = 0; i < n; i++)
            buf[i] = pat(w->done + i);
        if (!send_all(w->lfd, buf, n)) {
            w->err = errno;
            w->where = "client send";
            break;
        }
        w->done += n;
        chunk = chunk * 7 + 12345;
    }
    if (zts_shutdown(w->lfd, ZTS_SHUT_WR) != 0 && w->err == 0) {
        w->err = errno;
        w->where = "shutdown";
    }
    free(buf);
    return NULL;
}

static void echo_8mib(int family)
{
    pthread_t st, wt;
    worker srv = {0}, wr = {0};
    uint16_t port;
    uint8_t *buf = malloc(100000);
    size_t got = 0, bad_at = SIZE_MAX;
    ssize_t n;
    int c, rerr = 0;

    assert_non_null(buf);
    srv.lfd = listener(family, 1, &port);
    assert_int_equal(pthread_create(&st, NULL, echo_server, &srv), 0);
    c = connect_to(family, port);
    wr.lfd = c;
    assert_int_equal(pthread_create(&wt, NULL, pattern_writer, &wr), 0);
    for (;;) {
        n = zts_recv(c, buf, (got % 3 == 0) ? 100000 : 1 + got % 4000, 0);
        if (n <= 0) {
            rerr = n < 0 ? errno : 0;
            break;
        }
        for (size_t i = 0; i < (size_t)n && bad_at == SIZE_MAX; i++)
            if (buf[i] != pat(got + i))
                bad_at = got + i;
        got += (size_t)n;
    }
    pthread_join(wt, NULL);
    pthread_join(st, NULL);
    if (srv.err || wr.err)
        fail_msg("%s: errno %d / %s: errno %d", srv.where ? srv.where : "-", srv.err,
                 wr.where ? wr.where : "-", wr.err);
    assert_int_equal(rerr, 0);
    assert_int_equal(bad_at, SIZE_MAX);
    assert_int_equal(wr.done, ECHO_TOTAL);
    assert_int_equal(srv.done, ECHO_TOTAL);
    assert_int_equal(got, ECHO_TOTAL);
    assert_int_equal(zts_close(c), 0);
    assert_int_equal(zts_close(srv.lfd), 0);
    free(buf);
}

static void test_tcp_echo_v4(void **state)
{
    (void)state;
    echo_8mib(ZTS_AF_INET);
}

static void test_tcp_echo_v6(void **state)
{
    (void)state;
    echo_8mib(ZTS_AF_INET6);
}

/* An IPv6 wildcard listener is dual-stack: an IPv4 client reaches it and shows up as
 * ::ffff:127.0.0.1 (§5.7 "Address families"). */
static void test_tcp_dual_stack(void **state)
{
    struct zts_sockaddr_in6 any6, peer6;
    zts_socklen_t len = sizeof(peer6);
    uint8_t b = 0;
    int l, c, s;

    (void)state;
    memset(&any6, 0, sizeof(any6));
    any6.sin6_family = ZTS_AF_INET6;
    l = new_sock(ZTS_AF_INET6, ZTS_SOCK_STREAM);
    assert_int_equal(zts_bind(l, SA(&any6), sizeof(any6)), 0);
    assert_int_equal(zts_listen(l, 2), 0);
    c = connect_to(ZTS_AF_INET, local_port(l));
    s = zts_accept(l, SA(&peer6), &len);
    assert_true(s >= 0);
    assert_int_equal(len, sizeof(peer6));
    assert_int_equal(peer6.sin6_family, ZTS_AF_INET6);
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    assert_memory_equal(peer6.sin6_addr.un.u8_addr, mapped, 16);
    assert_int_equal(zts_ntohs(peer6.sin6_port), local_port(c));
    assert_int_equal(zts_send(c, "x", 1, 0), 1);
    set_timeouts(s, LONG_MS);
    assert_int_equal(zts_recv(s, &b, 1, 0), 1);
    assert_int_equal(b, 'x');
    zts_close(s);
    zts_close(c);
    zts_close(l);
}

/* ---- UDP ---------------------------------------------------------------------------------- */

static void test_udp_sendto_recvfrom(void **state)
{
    struct zts_sockaddr_storage to, from;
    zts_socklen_t tolen, fromlen;
    uint16_t pa, pb;
    char buf[64];
    int fam[2] = {ZTS_AF_INET, ZTS_AF_INET6};

    (void)state;
    for (int k = 0; k < 2; k++) {
        int a = udp_bound(fam[k], &pa), b = udp_bound(fam[k], &pb);
        tolen = loop_addr(fam[k], pb, &to);
        assert_int_equal(zts_sendto(a, "hello", 5, 0, SA(&to), tolen), 5);
        assert_int_equal(zts_sendto(a, "world!", 6, 0, SA(&to), tolen), 6);
        /* FIONREAD: the size of the next datagram, not the sum (Linux semantics, §5.7) */
        assert_int_equal(wait_for(b, ZTS_POLLIN, LONG_MS), ZTS_POLLIN);
        int nr = -1;
        assert_int_equal(zts_ioctl(b, ZTS_FIONREAD, &nr), 0);
        assert_int_equal(nr, 5);
        /* MSG_PEEK leaves the datagram queued */
        memset(buf, 0, sizeof(buf));
        assert_int_equal(zts_recv(b, buf, sizeof(buf), ZTS_MSG_PEEK), 5);
        memset(&from, 0xee, sizeof(from));
        fromlen = sizeof(from);
        assert_int_equal(zts_recvfrom(b, buf, sizeof(buf), 0, SA(&from), &fromlen), 5);
        assert_memory_equal(buf, "hello", 5);
        /* the sender's address: its family, loopback, its port */
        struct zts_sockaddr_storage expect;
        zts_socklen_t elen = loop_addr(fam[k], pa, &expect);
        assert_int_equal(fromlen, elen);
        assert_int_equal(from.s2_len, elen);
        assert_int_equal(from.ss_family, fam[k]);
        assert_int_equal(port_of(&from), pa);
        if (fam[k] == ZTS_AF_INET)
            assert_int_equal(((struct zts_sockaddr_in *)&from)->sin_addr.s_addr,
                             zts_htonl(ZTS_IPADDR_LOOPBACK));
        else
            assert_memory_equal(((struct zts_sockaddr_in6 *)&from)->sin6_addr.un.u8_addr,
                                ((struct zts_sockaddr_in6 *)&expect)->sin6_addr.un.u8_addr, 16);
        /* the second datagram comes through the loopback queue on its own */
        assert_int_equal(wait_for(b, ZTS_POLLIN, LONG_MS), ZTS_POLLIN);
        assert_int_equal(zts_ioctl(b, ZTS_FIONREAD, &nr), 0);
        assert_int_equal(nr, 6);
        assert_int_equal(zts_recvfrom(b, buf, sizeof(buf), 0, NULL, NULL), 6);
        assert_memory_equal(buf, "world!", 6);
        /* queue empty: FIONREAD 0, MSG_DONTWAIT -> EAGAIN */
        assert_int_equal(zts_ioctl(b, ZTS_FIONREAD, &nr), 0);
        assert_int_equal(nr, 0);
        ASSERT_FAIL(zts_recv(b, buf, sizeof(buf), ZTS_MSG_DONTWAIT), ZTS_EAGAIN);
        zts_close(a);
        zts_close(b);
    }
}

/* sendto on an unbound socket binds it to an ephemeral port first (§5.7). */
static void test_udp_unbound_sender(void **state)
{
    struct zts_sockaddr_storage to, from;
    zts_socklen_t tolen, fromlen = sizeof(from);
    uint16_t pb;
    char buf[8];
    int b = udp_bound(ZTS_AF_INET, &pb), a = new_sock(ZTS_AF_INET, ZTS_SOCK_DGRAM);

    (void)state;
    tolen = loop_addr(ZTS_AF_INET, pb, &to);
    assert_int_equal(zts_sendto(a, "x", 1, 0, SA(&to), tolen), 1);
    assert_true(local_port(a) != 0);
    assert_int_equal(zts_recvfrom(b, buf, sizeof(buf), 0, SA(&from), &fromlen), 1);
    assert_int_equal(port_of(&from), local_port(a));
    zts_close(a);
    zts_close(b);
}

/* The largest datagram: 65507 bytes over IPv4 (65535 - 20 - 8) arrives byte-exact, one more
 * is ZTS_EMSGSIZE (§5.7 zts_send: "ZTS_EMSGSIZE if too large").  lwIP's pbuf lengths are 16
 * bits including the IP header, so over IPv6 the limit is 65535 - 40 - 8 = 65487; beyond it the
 * answer must still be EMSGSIZE, not some other error. */
static void udp_max(int family, size_t max)
{
    struct zts_sockaddr_storage to;
    zts_socklen_t tolen;
    uint16_t pa, pb;
    size_t big = 65536 + 16;
    uint8_t *out = malloc(big), *in = malloc(big);
    int a, b;

    assert_non_null(out);
    assert_non_null(in);
    for (size_t i = 0; i < big; i++)
        out[i] = pat(i * 3);
    a = udp_bound(family, &pa);
    b = udp_bound(family, &pb);
    tolen = loop_addr(family, pb, &to);
    assert_int_equal(zts_sendto(a, out, max, 0, SA(&to), tolen), max);
    memset(in, 0, big);
    assert_int_equal(zts_recv(b, in, big, 0), max);
    assert_memory_equal(in, out, max);
    ASSERT_FAIL(zts_sendto(a, out, max + 1, 0, SA(&to), tolen), ZTS_EMSGSIZE);
    ASSERT_FAIL(zts_sendto(a, out, 65536, 0, SA(&to), tolen), ZTS_EMSGSIZE);
    /* connected send, same limit */
    assert_int_equal(zts_connect(a, SA(&to), tolen), 0);
    ASSERT_FAIL(zts_send(a, out, max + 1, 0), ZTS_EMSGSIZE);
    assert_int_equal(zts_send(a, out, max, 0), max);
    assert_int_equal(zts_recv(b, in, big, 0), max);
    /* nothing else arrived */
    ASSERT_FAIL(zts_recv(b, in, big, ZTS_MSG_DONTWAIT), ZTS_EAGAIN);
    zts_close(a);
    zts_close(b);
    free(out);
    free(in);
}

static void test_udp_max_v4(void **state)
{
    (void)state;
    udp_max(ZTS_AF_INET, 65507);
}

static void test_udp_max_v6(void **state)
{
    (void)state;
    udp_max(ZTS_AF_INET6, 65487);
}

/* Truncation: recv returns the buffer size and drops the rest; recvmsg says ZTS_MSG_TRUNC. */
static void test_udp_truncation(void **state)
{
    struct zts_sockaddr_storage to, from;
    zts_socklen_t tolen;
    uint16_t pa, pb;
    uint8_t out[100], in[100];
    int a = udp_bound(ZTS_AF_INET, &pa), b = udp_bound(ZTS_AF_INET, &pb);

    (void)state;
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = (uint8_t)i;
    tolen = loop_addr(ZTS_AF_INET, pb, &to);
    for (int k = 0; k < 4; k++)
        assert_int_equal(zts_sendto(a, out, sizeof(out), 0, SA(&to), tolen), sizeof(out));

    memset(in, 0, sizeof(in));
    assert_int_equal(zts_recv(b, in, 10, 0), 10);
    assert_memory_equal(in, out, 10);
    assert_int_equal(in[10], 0);

    /* the rest of that datagram is gone: the next read is a whole new datagram */
    struct zts_iovec iov[2] = {{in, 30}, {in + 30, 20}};
    struct zts_msghdr m;
    memset(&m, 0, sizeof(m));
    memset(in, 0, sizeof(in));
    m.msg_name = &from;
    m.msg_namelen = sizeof(from);
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    m.msg_flags = 0x7777;
    assert_int_equal(zts_recvmsg(b, (struct msghdr *)(void *)&m, 0), 50);
    assert_memory_equal(in, out, 50);
    assert_true((m.msg_flags & ZTS_MSG_TRUNC) != 0);
    assert_int_equal(m.msg_namelen, sizeof(struct zts_sockaddr_in));
    assert_int_equal(port_of(&from), pa);

    /* a buffer of exactly the datagram's size: no TRUNC */
    iov[0].iov_len = 60;
    iov[1].iov_base = in + 60;
    iov[1].iov_len = 40;
    m.msg_namelen = sizeof(from);
    m.msg_flags = 0x7777;
    assert_int_equal(zts_recvmsg(b, (struct msghdr *)(void *)&m, 0), 100);
    assert_int_equal(m.msg_flags & ZTS_MSG_TRUNC, 0);
    assert_memory_equal(in, out, 100);

    /* readv gathers into several buffers */
    memset(in, 0, sizeof(in));
    iov[0].iov_len = 1;
    iov[1].iov_base = in + 1;
    iov[1].iov_len = 99;
    assert_int_equal(zts_readv(b, iov, 2), 100);
    assert_memory_equal(in, out, 100);
    zts_close(a);
    zts_close(b);
}

/* Connected UDP: send/recv, the peer's name, other sources filtered out; unconnected send is
 * EDESTADDRREQ; connect(AF_UNSPEC) dissolves the association. */
static void test_udp_connected(void **state)
{
    struct zts_sockaddr_storage ta, tb, peer;
    zts_socklen_t la, lb, plen = sizeof(peer);
    uint16_t pa, pb, pc;
    char buf[16];
    int a = udp_bound(ZTS_AF_INET, &pa), b = udp_bound(ZTS_AF_INET, &pb);
    int c = udp_bound(ZTS_AF_INET, &pc);

    (void)state;
    ASSERT_FAIL(zts_send(a, "x", 1, 0), ZTS_EDESTADDRREQ);
    ASSERT_FAIL(zts_write(a, "x", 1), ZTS_EDESTADDRREQ);
    ASSERT_FAIL(zts_getpeername(a, SA(&peer), &plen), ZTS_ENOTCONN);

    la = loop_addr(ZTS_AF_INET, pa, &ta);
    lb = loop_addr(ZTS_AF_INET, pb, &tb);
    assert_int_equal(zts_connect(a, SA(&tb), lb), 0);
    assert_int_equal(zts_connect(b, SA(&ta), la), 0);
    plen = sizeof(peer);
    assert_int_equal(zts_getpeername(a, SA(&peer), &plen), 0);
    assert_int_equal(plen, 16);
    assert_int_equal(port_of(&peer), pb);

    assert_int_equal(zts_send(a, "ping", 4, 0), 4);
    assert_int_equal(zts_recv(b, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(zts_write(b, "pong", 4), 4);
    assert_int_equal(zts_read(a, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "pong", 4);

    /* a connected socket takes datagrams from its peer only */
    assert_int_equal(zts_sendto(c, "spam", 4, 0, SA(&ta), la), 4);
    assert_int_equal(zts_send(b, "good", 4, 0), 4);
    assert_int_equal(zts_recv(a, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "good", 4);
    assert_int_equal(wait_for(a, ZTS_POLLIN, 100), 0);

    /* sendto on a connected socket still goes where it says */
    struct zts_sockaddr_storage tc;
    zts_socklen_t lc = loop_addr(ZTS_AF_INET, pc, &tc);
    assert_int_equal(zts_sendto(a, "to-c", 4, 0, SA(&tc), lc), 4);
    assert_int_equal(zts_recv(c, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "to-c", 4);

    /* connect(AF_UNSPEC): unconnected again */
    struct zts_sockaddr_storage un;
    memset(&un, 0, sizeof(un));
    un.ss_family = ZTS_AF_UNSPEC;
    assert_int_equal(zts_connect(a, SA(&un), 16), 0);
    ASSERT_FAIL(zts_send(a, "x", 1, 0), ZTS_EDESTADDRREQ);
    zts_close(a);
    zts_close(b);
    zts_close(c);
}

/* ---- connect: non-blocking, refused ------------------------------------------------------ */

static void test_nonblocking_connect(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len;
    uint16_t port;
    int l = listener(ZTS_AF_INET, 4, &port);
    int c = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM), c2 = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    int s1, s2;

    (void)state;
    len = loop_addr(ZTS_AF_INET, port, &ss);
    assert_int_equal(zts_fcntl(c, ZTS_F_SETFL, ZTS_O_NONBLOCK), 0);
    ASSERT_FAIL(zts_connect(c, SA(&ss), len), ZTS_EINPROGRESS);
    assert_int_equal(wait_for(c, ZTS_POLLOUT, LONG_MS), ZTS_POLLOUT);
    assert_int_equal(get_int(c, ZTS_SOL_SOCKET, ZTS_SO_ERROR), 0);
    ASSERT_FAIL(zts_connect(c, SA(&ss), len), ZTS_EISCONN);

    /* zts_select: the second connection becomes writable; the listener readable */
    int one = 1;
    assert_int_equal(zts_ioctl(c2, ZTS_FIONBIO, &one), 0);
    ASSERT_FAIL(zts_connect(c2, SA(&ss), len), ZTS_EINPROGRESS);
    zts_fd_set wfds, rfds;
    struct zts_timeval tv = {LONG_MS / 1000, 0};
    ZTS_FD_ZERO(&wfds);
    ZTS_FD_SET(c2, &wfds);
    assert_int_equal(zts_select(c2 + 1, NULL, &wfds, NULL, &tv), 1);
    assert_true(ZTS_FD_ISSET(c2, &wfds));
    assert_int_equal(get_int(c2, ZTS_SOL_SOCKET, ZTS_SO_ERROR), 0);

    ZTS_FD_ZERO(&rfds);
    ZTS_FD_SET(l, &rfds);
    tv.tv_sec = LONG_MS / 1000;
    assert_int_equal(zts_select(l + 1, &rfds, NULL, NULL, &tv), 1);
    assert_true(ZTS_FD_ISSET(l, &rfds));
    s1 = zts_accept(l, NULL, NULL);
    s2 = zts_accept(l, NULL, NULL);
    assert_true(s1 >= 0 && s2 >= 0);

    /* select timing out: nothing to read on s1; sets come back empty */
    ZTS_FD_ZERO(&rfds);
    ZTS_FD_SET(s1, &rfds);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    int64_t t0 = now_ms();
    assert_int_equal(zts_select(s1 + 1, &rfds, NULL, NULL, &tv), 0);
    assert_true(now_ms() - t0 >= 40);
    assert_false(ZTS_FD_ISSET(s1, &rfds));

    /* and with data: readable via select and poll */
    assert_int_equal(zts_send(c, "abc", 3, 0), 3);
    ZTS_FD_SET(s1, &rfds);
    tv.tv_sec = LONG_MS / 1000;
    assert_int_equal(zts_select(s1 + 1, &rfds, NULL, NULL, &tv), 1);
    assert_true(ZTS_FD_ISSET(s1, &rfds));
    struct zts_pollfd p[3] = {{s1, ZTS_POLLIN, 0}, {-1, ZTS_POLLIN, 0x55}, {s2, ZTS_POLLIN, 0}};
    assert_int_equal(zts_poll(p, 3, 0), 1);
    assert_int_equal(p[0].revents, ZTS_POLLIN);
    assert_int_equal(p[1].revents, 0);
    assert_int_equal(p[2].revents, 0);
    zts_close(s1);
    zts_close(s2);
    zts_close(c);
    zts_close(c2);
    zts_close(l);
}

/* Connecting to a port nobody listens on (a bound, not listening socket holds it): refused,
 * blocking and non-blocking.  §5.7 accepts ZTS_ECONNREFUSED or ZTS_ECONNRESET. */
static void refused(int family)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len;
    int hold = new_sock(family, ZTS_SOCK_STREAM), c, e;

    len = loop_addr(family, 0, &ss);
    assert_int_equal(zts_bind(hold, SA(&ss), len), 0);
    len = loop_addr(family, local_port(hold), &ss);

    c = new_sock(family, ZTS_SOCK_STREAM);
    zts_errno = 0;
    assert_int_equal(zts_connect(c, SA(&ss), len), -1);
    e = zts_errno;
    if (e != ZTS_ECONNREFUSED && e != ZTS_ECONNRESET)
        fail_msg("connect to a closed port: zts_errno %d", e);
    assert_int_equal(errno, e);
    zts_close(c);

    c = new_sock(family, ZTS_SOCK_STREAM);
    assert_int_equal(zts_fcntl(c, ZTS_F_SETFL, ZTS_O_NONBLOCK), 0);
    ASSERT_FAIL(zts_connect(c, SA(&ss), len), ZTS_EINPROGRESS);
    short r = wait_for(c, ZTS_POLLOUT, LONG_MS);
    assert_true((r & ZTS_POLLERR) != 0);
    e = get_int(c, ZTS_SOL_SOCKET, ZTS_SO_ERROR);
    if (e != ZTS_ECONNREFUSED && e != ZTS_ECONNRESET)
        fail_msg("SO_ERROR after a refused connect: %d", e);
    assert_int_equal(get_int(c, ZTS_SOL_SOCKET, ZTS_SO_ERROR), 0); /* read clears it */
    zts_close(c);
    zts_close(hold);
}

static void test_connect_refused(void **state)
{
    (void)state;
    refused(ZTS_AF_INET);
    refused(ZTS_AF_INET6);
}

/* ---- bind: EADDRINUSE, SO_REUSEADDR ------------------------------------------------------- */

static void test_bind_addrinuse(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len;
    int types[2] = {ZTS_SOCK_STREAM, ZTS_SOCK_DGRAM};
    int fams[2] = {ZTS_AF_INET, ZTS_AF_INET6};

    (void)state;
    for (int t = 0; t < 2; t++) {
        for (int f = 0; f < 2; f++) {
            int a = new_sock(fams[f], types[t]), b = new_sock(fams[f], types[t]);
            len = loop_addr(fams[f], 0, &ss);
            assert_int_equal(zts_bind(a, SA(&ss), len), 0);
            len = loop_addr(fams[f], local_port(a), &ss);
            ASSERT_FAIL(zts_bind(b, SA(&ss), len), ZTS_EADDRINUSE);
            /* the failed socket is still usable: an ephemeral port works */
            len = loop_addr(fams[f], 0, &ss);
            assert_int_equal(zts_bind(b, SA(&ss), len), 0);
            assert_true(local_port(b) != local_port(a));
            zts_close(a);
            zts_close(b);
        }
    }

    /* the wildcard conflicts with a specific address on the same port */
    int a = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM), b = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    struct zts_sockaddr_in any;
    memset(&any, 0, sizeof(any));
    any.sin_family = ZTS_AF_INET;
    assert_int_equal(zts_bind(a, SA(&any), sizeof(any)), 0);
    len = loop_addr(ZTS_AF_INET, local_port(a), &ss);
    ASSERT_FAIL(zts_bind(b, SA(&ss), len), ZTS_EADDRINUSE);
    /* a TCP socket binds once */
    len = loop_addr(ZTS_AF_INET, 0, &ss);
    ASSERT_FAIL(zts_bind(a, SA(&ss), len), ZTS_EINVAL);
    zts_close(a);
    zts_close(b);
}

static void test_reuseaddr(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len;
    uint16_t port;
    uint8_t b;
    int l, c, s, n, ok = -1;

    (void)state;
    /* get/set */
    n = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    assert_int_equal(get_int(n, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR), 0);
    assert_int_equal(set_int(n, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, 1), 0);
    assert_int_not_equal(get_int(n, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR), 0);
    zts_close(n);

    /* The server closes first, so its side of the connection lingers in TIME_WAIT on the
     * listening port: a new bind needs SO_REUSEADDR. */
    l = listener(ZTS_AF_INET, 4, &port);
    c = connect_to(ZTS_AF_INET, port);
    s = zts_accept(l, NULL, NULL);
    assert_true(s >= 0);
    zts_close(l);
    zts_close(s);
    assert_int_equal(zts_recv(c, &b, 1, 0), 0); /* the server's FIN */
    zts_close(c);

    len = loop_addr(ZTS_AF_INET, port, &ss);
    n = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    ASSERT_FAIL(zts_bind(n, SA(&ss), len), ZTS_EADDRINUSE);
    assert_int_equal(set_int(n, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, 1), 0);
    /* the client's last FIN reaches the server side asynchronously: allow it a moment */
    for (int64_t t0 = now_ms(); now_ms() - t0 < 3000; sleep_ms(10)) {
        ok = zts_bind(n, SA(&ss), len);
        if (ok == 0)
            break;
        assert_int_equal(zts_errno, ZTS_EADDRINUSE);
    }
    assert_int_equal(ok, 0);
    assert_int_equal(zts_listen(n, 4), 0);
    c = connect_to(ZTS_AF_INET, port);
    s = zts_accept(n, NULL, NULL);
    assert_true(s >= 0);

    /* Two listeners on one port, both with SO_REUSEADDR: bind or listen refuses. */
    int m = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    assert_int_equal(set_int(m, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, 1), 0);
    int rv = zts_bind(m, SA(&ss), len);
    if (rv == 0)
        rv = zts_listen(m, 4);
    assert_int_equal(rv, -1);
    assert_int_equal(zts_errno, ZTS_EADDRINUSE);
    zts_close(m);
    zts_close(s);
    zts_close(c);
    zts_close(n);

    /* UDP: two sockets on one port when both ask for it */
    uint16_t up;
    int u1 = new_sock(ZTS_AF_INET, ZTS_SOCK_DGRAM), u2 = new_sock(ZTS_AF_INET, ZTS_SOCK_DGRAM);
    assert_int_equal(set_int(u1, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, 1), 0);
    assert_int_equal(set_int(u2, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, 1), 0);
    len = loop_addr(ZTS_AF_INET, 0, &ss);
    assert_int_equal(zts_bind(u1, SA(&ss), len), 0);
    up = local_port(u1);
    len = loop_addr(ZTS_AF_INET, up, &ss);
    assert_int_equal(zts_bind(u2, SA(&ss), len), 0);
    assert_int_equal(local_port(u2), up);
    zts_close(u1);
    zts_close(u2);
}

/* ---- listen and accept -------------------------------------------------------------------- */

#define NQ 5

static void test_listen_backlog(void **state)
{
    struct zts_sockaddr_storage ss, peer;
    zts_socklen_t len, plen;
    uint16_t port;
    int l = listener(ZTS_AF_INET, NQ, &port), c[NQ + 1], s[NQ];
    uint8_t b;

    (void)state;
    assert_int_equal(get_int(l, ZTS_SOL_SOCKET, ZTS_SO_ACCEPTCONN), 1);
    /* NQ clients complete their handshake before anyone accepts */
    for (int i = 0; i < NQ; i++) {
        c[i] = connect_to(ZTS_AF_INET, port);
        b = (uint8_t)('a' + i);
        assert_int_equal(zts_send(c[i], &b, 1, 0), 1);
    }
    /* the backlog is full: one more stays in its handshake (SYN dropped) until a slot frees */
    len = loop_addr(ZTS_AF_INET, port, &ss);
    c[NQ] = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    assert_int_equal(zts_fcntl(c[NQ], ZTS_F_SETFL, ZTS_O_NONBLOCK), 0);
    ASSERT_FAIL(zts_connect(c[NQ], SA(&ss), len), ZTS_EINPROGRESS);
    assert_int_equal(wait_for(c[NQ], ZTS_POLLOUT, 300), 0);

    /* accepted in order; the peer address is the client's */
    for (int i = 0; i < NQ; i++) {
        plen = sizeof(peer);
        memset(&peer, 0, sizeof(peer));
        s[i] = zts_accept(l, SA(&peer), &plen);
        assert_true(s[i] >= 0);
        set_timeouts(s[i], LONG_MS);
        assert_int_equal(plen, sizeof(struct zts_sockaddr_in));
        assert_int_equal(peer.ss_family, ZTS_AF_INET);
        assert_int_equal(port_of(&peer), local_port(c[i]));
        assert_int_equal(zts_recv(s[i], &b, 1, 0), 1);
        assert_int_equal(b, 'a' + i);
        /* accepted sockets are blocking and not listening */
        assert_int_equal(zts_fcntl(s[i], ZTS_F_GETFL, 0) & ZTS_O_NONBLOCK, 0);
        assert_int_equal(get_int(s[i], ZTS_SOL_SOCKET, ZTS_SO_ACCEPTCONN), 0);
    }
    /* the slots freed: the waiting client's SYN is retransmitted (lwIP: after ~3 s) */
    assert_int_equal(wait_for(c[NQ], ZTS_POLLOUT, LONG_MS), ZTS_POLLOUT);
    assert_int_equal(get_int(c[NQ], ZTS_SOL_SOCKET, ZTS_SO_ERROR), 0);
    assert_int_equal(wait_for(l, ZTS_POLLIN, LONG_MS), ZTS_POLLIN);
    int last = zts_accept(l, NULL, NULL);
    assert_true(last >= 0);
    zts_close(last);

    /* non-blocking listener with nothing pending: EAGAIN at once */
    assert_int_equal(zts_fcntl(l, ZTS_F_SETFL, ZTS_O_NONBLOCK), 0);
    int64_t t0 = now_ms();
    ASSERT_FAIL(zts_accept(l, NULL, NULL), ZTS_EAGAIN);
    assert_true(now_ms() - t0 < 1000);
    /* blocking listener with SO_RCVTIMEO: EAGAIN after the timeout */
    assert_int_equal(zts_fcntl(l, ZTS_F_SETFL, 0), 0);
    set_tv(l, ZTS_SO_RCVTIMEO, 100);
    t0 = now_ms();
    ASSERT_FAIL(zts_accept(l, NULL, NULL), ZTS_EAGAIN);
    assert_true(now_ms() - t0 >= 90);

    for (int i = 0; i < NQ; i++) {
        zts_close(s[i]);
        zts_close(c[i]);
    }
    zts_close(c[NQ]);
    zts_close(l);
}

/* accept4 makes the new socket non-blocking on request (§5.7). */
static void test_accept4(void **state)
{
    uint16_t port;
    int l = listener(ZTS_AF_INET, 4, &port), c, s;

    (void)state;
    c = connect_to(ZTS_AF_INET, port);
    s = zts_accept4(l, NULL, NULL, ZTS_O_NONBLOCK);
    assert_true(s >= 0);
    assert_int_equal(zts_fcntl(s, ZTS_F_GETFL, 0) & ZTS_O_NONBLOCK, ZTS_O_NONBLOCK);
    zts_close(s);
    zts_close(c);
    /* zts_accept on a non-blocking listener: the new socket is blocking (§5.7) */
    assert_int_equal(zts_fcntl(l, ZTS_F_SETFL, ZTS_O_NONBLOCK), 0);
    c = connect_to(ZTS_AF_INET, port);
    assert_int_equal(wait_for(l, ZTS_POLLIN, LONG_MS), ZTS_POLLIN);
    s = zts_accept(l, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(zts_fcntl(s, ZTS_F_GETFL, 0), ZTS_O_RDWR);
    zts_close(s);
    zts_close(c);
    zts_close(l);
}

/* Resets: a listener closed with connections still queued resets them; a socket closed with
 * unread data resets its connection; a connection reset while queued is still handed out and
 * then reports the reset. */
static void test_resets(void **state)
{
    uint16_t port;
    char b;
    int l, c[2], s;

    (void)state;
    l = listener(ZTS_AF_INET, 4, &port);
    c[0] = connect_to(ZTS_AF_INET, port);
    c[1] = connect_to(ZTS_AF_INET, port);
    assert_int_equal(zts_send(c[1], "q", 1, 0), 1);
    assert_int_equal(wait_for(l, ZTS_POLLIN, LONG_MS), ZTS_POLLIN);
    assert_int_equal(zts_close(l), 0);
    for (int i = 0; i < 2; i++) {
        set_tv(c[i], ZTS_SO_RCVTIMEO, 5000);
        ASSERT_FAIL(zts_recv(c[i], &b, 1, 0), ZTS_ECONNRESET);
        zts_close(c[i]);
    }

    tcp_pair(ZTS_AF_INET, &c[0], &s);
    assert_int_equal(zts_send(c[0], "unread", 6, 0), 6);
    assert_int_equal(wait_for(s, ZTS_POLLIN, LONG_MS), ZTS_POLLIN);
    assert_int_equal(zts_close(s), 0);
    set_tv(c[0], ZTS_SO_RCVTIMEO, 5000);
    ASSERT_FAIL(zts_recv(c[0], &b, 1, 0), ZTS_ECONNRESET);
    zts_close(c[0]);

    struct zts_linger lg = {1, 0};
    l = listener(ZTS_AF_INET, 4, &port);
    c[0] = connect_to(ZTS_AF_INET, port);
    assert_int_equal(wait_for(l, ZTS_POLLIN, LONG_MS), ZTS_POLLIN);
    assert_int_equal(zts_setsockopt(c[0], ZTS_SOL_SOCKET, ZTS_SO_LINGER, &lg, sizeof(lg)), 0);
    assert_int_equal(zts_close(c[0]), 0);
    sleep_ms(50);
    s = zts_accept(l, NULL, NULL);
    assert_true(s >= 0);
    set_tv(s, ZTS_SO_RCVTIMEO, 5000);
    ASSERT_FAIL(zts_recv(s, &b, 1, 0), ZTS_ECONNRESET);
    zts_errno = 0;
    assert_int_equal(zts_send(s, "x", 1, 0), -1);
    assert_int_not_equal(zts_errno, 0);
    zts_close(s);
    zts_close(l);
}

/* ---- shutdown, names ---------------------------------------------------------------------- */

static void test_shutdown_wr(void **state)
{
    char buf[16];
    int c, s;

    (void)state;
    tcp_pair(ZTS_AF_INET, &c, &s);
    assert_int_equal(zts_send(c, "hello", 5, 0), 5);
    assert_int_equal(zts_shutdown(c, ZTS_SHUT_WR), 0);
    /* F_GETFL: only the receive side is open now */
    assert_int_equal(zts_fcntl(c, ZTS_F_GETFL, 0), ZTS_O_RDONLY);
    assert_true(recv_all(s, (uint8_t *)buf, 5));
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(zts_recv(s, buf, sizeof(buf), 0), 0); /* the FIN */
    assert_int_equal(zts_recv(s, buf, sizeof(buf), 0), 0); /* and it stays at end */
    assert_int_equal(wait_for(s, ZTS_POLLIN, 0), ZTS_POLLIN);
    /* the other direction still works */
    assert_int_equal(zts_send(s, "world", 5, 0), 5);
    assert_true(recv_all(c, (uint8_t *)buf, 5));
    assert_memory_equal(buf, "world", 5);
    /* writing after SHUT_WR: §5.7 says -1 ZTS_ESHUTDOWN/ZTS_ENOTCONN (never a signal) */
    zts_errno = 0;
    assert_int_equal(zts_send(c, "x", 1, 0), -1);
    if (zts_errno != ZTS_ESHUTDOWN && zts_errno != ZTS_ENOTCONN)
        fail_msg("send after SHUT_WR: zts_errno %d", zts_errno);
    zts_close(s);
    assert_int_equal(zts_recv(c, buf, sizeof(buf), 0), 0);
    zts_close(c);

    /* shutdown on a UDP socket, or an unconnected TCP one */
    int u = new_sock(ZTS_AF_INET, ZTS_SOCK_DGRAM), t = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    zts_errno = 0;
    assert_int_equal(zts_shutdown(u, ZTS_SHUT_RDWR), -1);
    assert_true(zts_errno == ZTS_EOPNOTSUPP || zts_errno == ZTS_ENOTCONN);
    ASSERT_FAIL(zts_shutdown(t, ZTS_SHUT_WR), ZTS_ENOTCONN);
    zts_close(u);
    zts_close(t);
}

static void test_names(void **state)
{
    uint8_t buf[64];
    zts_socklen_t len;
    uint16_t port;
    int c, s, l;

    (void)state;
    /* server.cpp: a 28-byte length with a 16-byte sockaddr_in: 16 bytes written, len 16 */
    l = listener(ZTS_AF_INET, 4, &port);
    c = connect_to(ZTS_AF_INET, port);
    s = zts_accept(l, NULL, NULL);
    assert_true(s >= 0);
    memset(buf, 0xa5, sizeof(buf));
    len = 28;
    assert_int_equal(zts_getpeername(s, (struct zts_sockaddr *)buf, &len), 0);
    assert_int_equal(len, 16);
    for (size_t i = 16; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xa5);
    struct zts_sockaddr_in in;
    memcpy(&in, buf, sizeof(in));
    assert_int_equal(in.sin_len, 16);
    assert_int_equal(in.sin_family, ZTS_AF_INET);
    assert_int_equal(in.sin_addr.s_addr, zts_htonl(ZTS_IPADDR_LOOPBACK));
    assert_int_equal(zts_ntohs(in.sin_port), local_port(c));

    memset(buf, 0xa5, sizeof(buf));
    len = 28;
    assert_int_equal(zts_getsockname(s, (struct zts_sockaddr *)buf, &len), 0);
    assert_int_equal(len, 16);
    assert_int_equal(buf[16], 0xa5);
    memcpy(&in, buf, sizeof(in));
    assert_int_equal(zts_ntohs(in.sin_port), port);

    len = 16;
    assert_int_equal(zts_getpeername(c, (struct zts_sockaddr *)buf, &len), 0);
    memcpy(&in, buf, sizeof(in));
    assert_int_equal(zts_ntohs(in.sin_port), port);

    /* not connected: a listener, a fresh socket (getsockname works, port 0) */
    len = 16;
    ASSERT_FAIL(zts_getpeername(l, (struct zts_sockaddr *)buf, &len), ZTS_ENOTCONN);
    int t = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    len = 16;
    ASSERT_FAIL(zts_getpeername(t, (struct zts_sockaddr *)buf, &len), ZTS_ENOTCONN);
    len = 16;
    assert_int_equal(zts_getsockname(t, (struct zts_sockaddr *)buf, &len), 0);
    memcpy(&in, buf, sizeof(in));
    assert_int_equal(in.sin_family, ZTS_AF_INET);
    assert_int_equal(in.sin_port, 0);
    zts_close(t);
    zts_close(s);
    zts_close(c);
    zts_close(l);

    /* IPv6: 28 bytes, address ::1 */
    tcp_pair(ZTS_AF_INET6, &c, &s);
    struct zts_sockaddr_in6 in6;
    len = sizeof(in6);
    assert_int_equal(zts_getpeername(s, SA(&in6), &len), 0);
    assert_int_equal(len, 28);
    assert_int_equal(in6.sin6_len, 28);
    assert_int_equal(in6.sin6_family, ZTS_AF_INET6);
    assert_int_equal(in6.sin6_addr.un.u8_addr[15], 1);
    assert_int_equal(zts_ntohs(in6.sin6_port), local_port(c));
    /* a 16-byte buffer for an IPv6 name: only 16 bytes are written, len says 28 */
    memset(buf, 0xa5, sizeof(buf));
    len = 16;
    assert_int_equal(zts_getsockname(s, (struct zts_sockaddr *)buf, &len), 0);
    assert_int_equal(len, 28);
    assert_int_equal(buf[16], 0xa5);
    zts_close(s);
    zts_close(c);
}

/* ---- timeouts ----------------------------------------------------------------------------- */

static void test_rcvtimeo(void **state)
{
    struct zts_timeval tv;
    zts_socklen_t len = sizeof(tv);
    uint16_t port;
    char b;
    int c, s;

    (void)state;
    tcp_pair(ZTS_AF_INET, &c, &s);
    set_tv(c, ZTS_SO_RCVTIMEO, 200);
    assert_int_equal(zts_getsockopt(c, ZTS_SOL_SOCKET, ZTS_SO_RCVTIMEO, &tv, &len), 0);
    assert_int_equal(len, sizeof(tv));
    assert_int_equal(tv.tv_sec, 0);
    assert_int_equal(tv.tv_usec, 200000);
    int64_t t0 = now_ms();
    ASSERT_FAIL(zts_recv(c, &b, 1, 0), ZTS_EAGAIN);
    int64_t dt = now_ms() - t0;
    if (dt < 190 || dt > 5000)
        fail_msg("recv with SO_RCVTIMEO 200 ms returned after %lld ms", (long long)dt);
    /* data arriving within the timeout is returned */
    assert_int_equal(zts_send(s, "z", 1, 0), 1);
    assert_int_equal(zts_recv(c, &b, 1, 0), 1);
    zts_close(c);
    zts_close(s);

    /* UDP too */
    int u = udp_bound(ZTS_AF_INET, &port);
    set_tv(u, ZTS_SO_RCVTIMEO, 200);
    t0 = now_ms();
    ASSERT_FAIL(zts_recvfrom(u, &b, 1, 0, NULL, NULL), ZTS_EAGAIN);
    dt = now_ms() - t0;
    if (dt < 190 || dt > 5000)
        fail_msg("UDP recv with SO_RCVTIMEO 200 ms returned after %lld ms", (long long)dt);
    zts_close(u);
}

/* A peer that never reads: the send buffer and its window fill, then a blocking send with
 * SO_SNDTIMEO gives up with EAGAIN after the timeout (partial counts before that). */
static void test_sndtimeo(void **state)
{
    uint8_t *buf = calloc(1, 65536);
    int64_t dt = 0;
    ssize_t n = 0;
    size_t total = 0;
    int c, s, i;

    (void)state;
    assert_non_null(buf);
    tcp_pair(ZTS_AF_INET, &c, &s);
    set_tv(c, ZTS_SO_SNDTIMEO, 200);
    for (i = 0; i < 1000; i++) {
        int64_t t0 = now_ms();
        n = zts_send(c, buf, 65536, 0);
        dt = now_ms() - t0;
        if (n < 0)
            break;
        assert_true(n > 0);
        total += (size_t)n;
    }
    assert_int_equal(n, -1);
    assert_int_equal(zts_errno, ZTS_EAGAIN);
    assert_int_equal(errno, EAGAIN);
    if (dt < 190 || dt > 5000)
        fail_msg("send on a full buffer with SO_SNDTIMEO 200 ms failed after %lld ms",
                 (long long)dt);
    /* At least the peer's window (1 MiB) was taken before the buffer filled. */
    assert_true(total >= 1024 * 1024);
    /* ACKs still in flight when the timeout struck may free a little room: let them land, take
     * it, then a non-blocking send fails at once and poll says not writable (the peer reads
     * nothing, so no more room comes). */
    usleep(300 * 1000);
    for (i = 0; i < 1000 && zts_send(c, buf, 65536, ZTS_MSG_DONTWAIT) > 0; i++)
        ;
    int64_t t0 = now_ms();
    ASSERT_FAIL(zts_send(c, buf, 1, ZTS_MSG_DONTWAIT), ZTS_EAGAIN);
    assert_true(now_ms() - t0 < 150);
    assert_int_equal(wait_for(c, ZTS_POLLOUT, 0), 0);
    zts_close(c);
    zts_close(s);
    free(buf);
}

/* ---- options ------------------------------------------------------------------------------ */

static void test_options(void **state)
{
    uint16_t port;
    char b;
    int c, s;

    (void)state;
    int t = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM), u = new_sock(ZTS_AF_INET, ZTS_SOCK_DGRAM);
    assert_int_equal(get_int(t, ZTS_SOL_SOCKET, ZTS_SO_TYPE), ZTS_SOCK_STREAM);
    assert_int_equal(get_int(u, ZTS_SOL_SOCKET, ZTS_SO_TYPE), ZTS_SOCK_DGRAM);
    assert_int_equal(get_int(t, ZTS_SOL_SOCKET, ZTS_SO_ACCEPTCONN), 0);
    assert_int_equal(get_int(u, ZTS_SOL_SOCKET, ZTS_SO_ACCEPTCONN), 0);

    /* TCP_NODELAY */
    assert_int_equal(get_int(t, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY), 0);
    assert_int_equal(set_int(t, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, 1), 0);
    assert_int_not_equal(get_int(t, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY), 0);
    assert_int_equal(set_int(t, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, 0), 0);
    assert_int_equal(get_int(t, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY), 0);
    ASSERT_FAIL(set_int(u, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, 1), ZTS_ENOPROTOOPT);

    /* unknown options; short option lengths */
    ASSERT_FAIL(set_int(t, ZTS_SOL_SOCKET, 0x7777, 1), ZTS_ENOPROTOOPT);
    ASSERT_FAIL(set_int(t, 0x4444, 1, 1), ZTS_ENOPROTOOPT);
    int v = 1;
    ASSERT_FAIL(zts_setsockopt(t, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, &v, 2), ZTS_EINVAL);
    zts_socklen_t olen = 2;
    ASSERT_FAIL(zts_getsockopt(t, ZTS_SOL_SOCKET, ZTS_SO_TYPE, &v, &olen), ZTS_EINVAL);
    struct zts_timeval tv = {0, 0};
    ASSERT_FAIL(zts_setsockopt(t, ZTS_SOL_SOCKET, ZTS_SO_RCVTIMEO, &tv, 4), ZTS_EINVAL);

    /* SO_LINGER round trip */
    struct zts_linger lg = {1, 0}, lg2 = {9, 9};
    zts_socklen_t llen = sizeof(lg2);
    assert_int_equal(zts_setsockopt(t, ZTS_SOL_SOCKET, ZTS_SO_LINGER, &lg, sizeof(lg)), 0);
    assert_int_equal(zts_getsockopt(t, ZTS_SOL_SOCKET, ZTS_SO_LINGER, &lg2, &llen), 0);
    assert_int_equal(llen, sizeof(lg2));
    assert_int_not_equal(lg2.l_onoff, 0);
    assert_int_equal(lg2.l_linger, 0);
    zts_close(t);
    zts_close(u);

    /* an accepted socket inherits TCP_NODELAY from its listener */
    int l = listener(ZTS_AF_INET, 4, &port);
    assert_int_equal(set_int(l, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, 1), 0);
    c = connect_to(ZTS_AF_INET, port);
    s = zts_accept(l, NULL, NULL);
    assert_true(s >= 0);
    assert_int_not_equal(get_int(s, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY), 0);
    assert_int_equal(get_int(l, ZTS_SOL_SOCKET, ZTS_SO_ACCEPTCONN), 1);
    assert_int_equal(get_int(c, ZTS_SOL_SOCKET, ZTS_SO_ACCEPTCONN), 0);
    set_timeouts(s, 5000);

    /* SO_LINGER {1, 0}: close resets; the peer sees ZTS_ECONNRESET */
    assert_int_equal(zts_setsockopt(c, ZTS_SOL_SOCKET, ZTS_SO_LINGER, &lg, sizeof(lg)), 0);
    assert_int_equal(zts_close(c), 0);
    ASSERT_FAIL(zts_recv(s, &b, 1, 0), ZTS_ECONNRESET);
    zts_close(s);
    zts_close(l);
}

/* TCP-level options on a listener: lwIP's listening pcb is a struct tcp_pcb_listen, smaller
 * than a tcp_pcb, whose |flags| offset holds the accept callback.  Setting TCP_NODELAY must not
 * touch it (either value of the flag bit corrupted the pointer for some address; both are
 * tried, with an accept after each), and the keepalive options have no field there at all. */
static void test_listener_tcp_options(void **state)
{
    uint16_t port;
    int l = listener(ZTS_AF_INET, 4, &port), v = 5;
    zts_socklen_t len = sizeof(v);

    (void)state;
    for (int k = 0; k < 4; k++) {
        assert_int_equal(set_int(l, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, k & 1), 0);
        assert_int_equal(get_int(l, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY) != 0, k & 1);
        int c = connect_to(ZTS_AF_INET, port), s = zts_accept(l, NULL, NULL);
        assert_true(s >= 0);
        assert_int_equal(get_int(s, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY) != 0, k & 1);
        zts_close(s);
        zts_close(c);
    }
    int opts[4] = {ZTS_TCP_KEEPALIVE, ZTS_TCP_KEEPIDLE, ZTS_TCP_KEEPINTVL, ZTS_TCP_KEEPCNT};
    for (int k = 0; k < 4; k++) {
        ASSERT_FAIL(set_int(l, ZTS_IPPROTO_TCP, opts[k], 7), ZTS_EINVAL);
        len = sizeof(v);
        ASSERT_FAIL(zts_getsockopt(l, ZTS_IPPROTO_TCP, opts[k], &v, &len), ZTS_EINVAL);
    }
    /* the listener still works */
    int c = connect_to(ZTS_AF_INET, port), s = zts_accept(l, NULL, NULL);
    assert_true(s >= 0);
    /* on a connected socket they do apply */
    assert_int_equal(set_int(s, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPIDLE, 7), 0);
    assert_int_equal(get_int(s, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPIDLE), 7);
    assert_int_equal(set_int(s, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPCNT, 3), 0);
    assert_int_equal(get_int(s, ZTS_IPPROTO_TCP, ZTS_TCP_KEEPCNT), 3);
    zts_close(s);
    zts_close(c);
    zts_close(l);
}

/* ---- close while blocked ------------------------------------------------------------------ */

typedef struct {
    int fd;
    int op;          /* 0 recv, 1 accept, 2 recvfrom (UDP), 3 poll */
    long long rv;
    int err;
    short revents;
    int64_t ms;
} blocked;

static void *block_in(void *arg)
{
    blocked *b = arg;
    char buf[8];
    int64_t t0 = now_ms();

    errno = 0;
    switch (b->op) {
    case 0: b->rv = zts_recv(b->fd, buf, sizeof(buf), 0); break;
    case 1: b->rv = zts_accept(b->fd, NULL, NULL); break;
    case 2: b->rv = zts_recvfrom(b->fd, buf, sizeof(buf), 0, NULL, NULL); break;
    default: {
        struct zts_pollfd p = {b->fd, ZTS_POLLIN, 0};
        b->rv = zts_poll(&p, 1, 10000);
        b->revents = p.revents;
        break;
    }
    }
    b->err = errno;
    b->ms = now_ms() - t0;
    return NULL;
}

/* Starts a thread blocked in |op| on |fd| (SO_RCVTIMEO 10 s bounds it), closes |fd| from
 * here, and checks the thread came back at once with -1 ZTS_EBADF (§5.7 "Threads"). */
static void close_wakes(int fd, int op)
{
    blocked b = {fd, op, 0, 0, 0, 0};
    pthread_t th;

    set_tv(fd, ZTS_SO_RCVTIMEO, 10000);
    assert_int_equal(pthread_create(&th, NULL, block_in, &b), 0);
    sleep_ms(150); /* let it block */
    assert_int_equal(zts_close(fd), 0);
    pthread_join(th, NULL);
    if (b.ms > 5000)
        fail_msg("op %d: woke only after %lld ms", op, (long long)b.ms);
    if (op == 3) {
        assert_int_equal(b.rv, 1);
        assert_int_equal(b.revents, ZTS_POLLNVAL);
        return;
    }
    if (b.rv != -1 || (b.err != EBADF && b.err != ECONNABORTED))
        fail_msg("op %d: rv %lld errno %d, want -1 EBADF", op, b.rv, b.err);
}

static void test_close_wakes_blocked(void **state)
{
    uint16_t port;
    int c, s;

    (void)state;
    tcp_pair(ZTS_AF_INET, &c, &s);
    close_wakes(c, 0);
    zts_close(s);

    close_wakes(listener(ZTS_AF_INET, 4, &port), 1);
    close_wakes(udp_bound(ZTS_AF_INET, &port), 2);
    close_wakes(udp_bound(ZTS_AF_INET6, &port), 3);
}

/* ---- descriptors -------------------------------------------------------------------------- */

static void test_fd_numbers(void **state)
{
    int a, b, c, d;

    (void)state;
    assert_int_equal(zt__sock_count(), 0);
    a = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
    b = zts_socket(ZTS_AF_INET6, ZTS_SOCK_DGRAM, ZTS_IPPROTO_UDP);
    c = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, ZTS_IPPROTO_TCP);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(c, 2);
    assert_int_equal(zts_close(b), 0);
    ASSERT_FAIL(zts_close(b), ZTS_EBADF);
    d = zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);
    assert_int_equal(d, 1); /* lowest free */
    assert_int_equal(zts_close(a), 0);
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0), 0);
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0), 3);
    assert_int_equal(zt__sock_count(), 4);
    for (int fd = 0; fd < 4; fd++)
        assert_int_equal(zts_close(fd), 0);
    assert_int_equal(zt__sock_count(), 0);
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0), 0);
    zts_close(0);
}

/* Sockets are bounded by memory, not by 1024 (sock.h); the 70,000 fds are 0..69999. */
#define MANY 70000
#define MANY_TCP 3000

static void test_many_sockets(void **state)
{
    int *fds = malloc(MANY * sizeof(*fds));

    (void)state;
    assert_non_null(fds);
    for (int i = 0; i < MANY; i++) {
        fds[i] = zts_socket(ZTS_AF_INET, i < MANY_TCP ? ZTS_SOCK_STREAM : ZTS_SOCK_DGRAM, 0);
        if (fds[i] != i)
            fail_msg("socket #%d: got %d (zts_errno %d)", i, fds[i], zts_errno);
    }
    assert_int_equal(zt__sock_count(), MANY);
    /* the highest ones work like any other */
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(ZTS_AF_INET, 0, &ss);
    assert_int_equal(zts_bind(fds[MANY - 1], SA(&ss), len), 0);
    assert_int_equal(get_int(fds[MANY - 1], ZTS_SOL_SOCKET, ZTS_SO_TYPE), ZTS_SOCK_DGRAM);
    struct zts_pollfd p = {fds[MANY - 1], ZTS_POLLOUT, 0};
    assert_int_equal(zts_poll(&p, 1, 0), 1);
    /* free one in the middle: it is the next one handed out */
    assert_int_equal(zts_close(fds[40000]), 0);
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0), 40000);
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0), MANY);
    assert_int_equal(zts_close(MANY), 0);
    for (int i = 0; i < MANY; i++)
        if (zts_close(fds[i]) != 0)
            fail_msg("close %d: zts_errno %d", fds[i], zts_errno);
    assert_int_equal(zt__sock_count(), 0);
    free(fds);
}

/* ---- bad input ---------------------------------------------------------------------------- */

static void test_bad_input(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len, alen;
    uint16_t port;
    char buf[32];
    int v = 1, closed, u, t;
    int badfds[3];

    (void)state;
    u = udp_bound(ZTS_AF_INET, &port);
    t = new_sock(ZTS_AF_INET, ZTS_SOCK_STREAM);
    closed = zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);
    assert_int_equal(zts_close(closed), 0);
    badfds[0] = -1;
    badfds[1] = closed;
    badfds[2] = 0x7fffffff;
    len = loop_addr(ZTS_AF_INET, port, &ss);

    /* zts_socket */
    ASSERT_FAIL(zts_socket(99, ZTS_SOCK_STREAM, 0), ZTS_EAFNOSUPPORT);
    ASSERT_FAIL(zts_socket(ZTS_AF_UNSPEC, ZTS_SOCK_STREAM, 0), ZTS_EAFNOSUPPORT);
    ASSERT_FAIL(zts_socket(ZTS_AF_INET, ZTS_SOCK_RAW, 0), ZTS_EPROTONOSUPPORT);
    ASSERT_FAIL(zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, ZTS_IPPROTO_UDP), ZTS_EPROTONOSUPPORT);
    ASSERT_FAIL(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, ZTS_IPPROTO_TCP), ZTS_EPROTONOSUPPORT);
    zts_errno = 0;
    assert_int_equal(zts_socket(ZTS_AF_INET, 99, 0), -1);
    if (zts_errno != ZTS_EPROTONOSUPPORT && zts_errno != ZTS_EINVAL)
        fail_msg("zts_socket(type 99): zts_errno %d (§5.7: EPROTONOSUPPORT or EINVAL)",
                 zts_errno);

    /* connect, bind: addr NULL, addrlen outside 16..28 */
    ASSERT_ARG(zts_connect(u, NULL, len));
    ASSERT_ARG(zts_connect(u, SA(&ss), 15));
    ASSERT_ARG(zts_connect(u, SA(&ss), 29));
    ASSERT_ARG(zts_connect(u, SA(&ss), 0));
    ASSERT_ARG(zts_connect(-1, NULL, 0));
    ASSERT_ARG(zts_bind(u, NULL, len));
    ASSERT_ARG(zts_bind(u, SA(&ss), 15));
    ASSERT_ARG(zts_bind(u, SA(&ss), 29));
    ASSERT_ARG(zts_bind(u, SA(&ss), 0xffffffffu));
    /* bad families and lengths inside the range */
    struct zts_sockaddr_storage bad;
    memcpy(&bad, &ss, sizeof(bad));
    bad.ss_family = 99;
    ASSERT_FAIL(zts_connect(t, SA(&bad), 16), ZTS_EAFNOSUPPORT);
    ASSERT_FAIL(zts_bind(t, SA(&bad), 16), ZTS_EAFNOSUPPORT);
    ASSERT_FAIL(zts_sendto(u, "x", 1, 0, SA(&bad), 16), ZTS_EAFNOSUPPORT);
    struct zts_sockaddr_storage six;
    zts_socklen_t sixlen = loop_addr(ZTS_AF_INET6, port, &six);
    ASSERT_FAIL(zts_connect(t, SA(&six), 16), ZTS_EINVAL); /* IPv6 needs 28 bytes */
    ASSERT_FAIL(zts_bind(t, SA(&six), 27), ZTS_EINVAL);
    ASSERT_FAIL(zts_connect(t, SA(&six), sixlen), ZTS_EAFNOSUPPORT); /* IPv6 on IPv4 */
    ASSERT_FAIL(zts_sendto(u, "x", 1, 0, SA(&six), sixlen), ZTS_EAFNOSUPPORT);
    /* an address no interface has */
    struct zts_sockaddr_in far;
    memset(&far, 0, sizeof(far));
    far.sin_family = ZTS_AF_INET;
    far.sin_addr.s_addr = zts_inet_addr("10.254.253.252");
    ASSERT_FAIL(zts_bind(t, SA(&far), sizeof(far)), ZTS_EADDRNOTAVAIL);

    for (int k = 0; k < 3; k++) {
        int fd = badfds[k];
        zts_socklen_t ol = sizeof(v);
        struct zts_pollfd p = {fd, ZTS_POLLIN | ZTS_POLLOUT, 0};
        struct zts_iovec iov = {buf, sizeof(buf)};
        struct zts_msghdr m;
        memset(&m, 0, sizeof(m));
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        ASSERT_FAIL(zts_connect(fd, SA(&ss), len), ZTS_EBADF);
        ASSERT_FAIL(zts_bind(fd, SA(&ss), len), ZTS_EBADF);
        ASSERT_FAIL(zts_listen(fd, 1), ZTS_EBADF);
        ASSERT_FAIL(zts_accept(fd, NULL, NULL), ZTS_EBADF);
        ASSERT_FAIL(zts_setsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, &v, sizeof(v)),
                    ZTS_EBADF);
        ASSERT_FAIL(zts_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_TYPE, &v, &ol), ZTS_EBADF);
        alen = 16;
        ASSERT_FAIL(zts_getsockname(fd, SA(&ss), &alen), ZTS_EBADF);
        alen = 16;
        ASSERT_FAIL(zts_getpeername(fd, SA(&ss), &alen), ZTS_EBADF);
        ASSERT_FAIL(zts_close(fd), ZTS_EBADF);
        ASSERT_FAIL(zts_fcntl(fd, ZTS_F_GETFL, 0), ZTS_EBADF);
        ASSERT_FAIL(zts_fcntl(fd, ZTS_F_SETFL, ZTS_O_NONBLOCK), ZTS_EBADF);
        ASSERT_FAIL(zts_ioctl(fd, ZTS_FIONBIO, &v), ZTS_EBADF);
        ASSERT_FAIL(zts_ioctl(fd, ZTS_FIONREAD, &v), ZTS_EBADF);
        ASSERT_FAIL(zts_send(fd, "x", 1, 0), ZTS_EBADF);
        ASSERT_FAIL(zts_sendto(fd, "x", 1, 0, SA(&ss), len), ZTS_EBADF);
        ASSERT_FAIL(zts_write(fd, "x", 1), ZTS_EBADF);
        ASSERT_FAIL(zts_recv(fd, buf, sizeof(buf), 0), ZTS_EBADF);
        ASSERT_FAIL(zts_recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL), ZTS_EBADF);
        ASSERT_FAIL(zts_read(fd, buf, sizeof(buf)), ZTS_EBADF);
        ASSERT_FAIL(zts_readv(fd, &iov, 1), ZTS_EBADF);
        ASSERT_FAIL(zts_writev(fd, &iov, 1), ZTS_EBADF);
        ASSERT_FAIL(zts_sendmsg(fd, (struct msghdr *)(void *)&m, 0), ZTS_EBADF);
        ASSERT_FAIL(zts_recvmsg(fd, (struct msghdr *)(void *)&m, 0), ZTS_EBADF);
        ASSERT_FAIL(zts_shutdown(fd, ZTS_SHUT_RDWR), ZTS_EBADF);
        /* poll: negative fds are skipped, closed/huge ones are POLLNVAL */
        p.revents = 0x55;
        assert_int_equal(zts_poll(&p, 1, 0), fd < 0 ? 0 : 1);
        assert_int_equal(p.revents, fd < 0 ? 0 : ZTS_POLLNVAL);
    }
    /* select: a closed descriptor in a set is EBADF */
    zts_fd_set rs;
    struct zts_timeval tv0 = {0, 0};
    ZTS_FD_ZERO(&rs);
    ZTS_FD_SET(closed, &rs);
    ASSERT_FAIL(zts_select(closed + 1, &rs, NULL, NULL, &tv0), ZTS_EBADF);
    ASSERT_FAIL(zts_select(-1, NULL, NULL, NULL, &tv0), ZTS_EINVAL);
    ASSERT_FAIL(zts_select(ZTS_FD_SETSIZE + 1, NULL, NULL, NULL, &tv0), ZTS_EINVAL);
    struct zts_timeval tvneg = {-1, 0};
    ASSERT_FAIL(zts_select(1, NULL, NULL, NULL, &tvneg), ZTS_EINVAL);
    assert_int_equal(zts_select(0, NULL, NULL, NULL, &tv0), 0);

    /* listen/accept on the wrong kind of socket */
    ASSERT_FAIL(zts_listen(u, 1), ZTS_EOPNOTSUPP);
    zts_errno = 0;
    assert_int_equal(zts_accept(u, NULL, NULL), -1);
    assert_true(zts_errno == ZTS_EOPNOTSUPP || zts_errno == ZTS_EINVAL);
    ASSERT_FAIL(zts_accept(t, NULL, NULL), ZTS_EINVAL); /* not listening */
    alen = 16;
    ASSERT_ARG(zts_accept(t, SA(&ss), NULL));
    ASSERT_ARG(zts_accept4(t, SA(&ss), NULL, 0));

    /* send/recv family */
    ASSERT_ARG(zts_send(u, NULL, 1, 0));
    ASSERT_ARG(zts_send(u, "x", 0, 0));
    ASSERT_ARG(zts_write(u, NULL, 1));
    ASSERT_ARG(zts_write(u, "x", 0));
    ASSERT_ARG(zts_sendto(u, NULL, 1, 0, SA(&ss), len));
    ASSERT_ARG(zts_sendto(u, "x", 0, 0, SA(&ss), len));
    ASSERT_ARG(zts_sendto(u, "x", 1, 0, NULL, len));
    ASSERT_ARG(zts_sendto(u, "x", 1, 0, SA(&ss), 15));
    ASSERT_ARG(zts_sendto(u, "x", 1, 0, SA(&ss), 29));
    ASSERT_ARG(zts_recv(u, NULL, 1, 0));
    ASSERT_ARG(zts_read(u, NULL, 1));
    ASSERT_ARG(zts_recvfrom(u, NULL, 1, 0, NULL, NULL));
    ASSERT_ARG(zts_recvfrom(u, buf, 1, 0, SA(&ss), NULL));
    ASSERT_ARG(zts_recvmsg(u, NULL, 0));
    ASSERT_ARG(zts_sendmsg(u, NULL, 0));
    ASSERT_FAIL(zts_send(t, "x", 1, 0), ZTS_ENOTCONN);
    ASSERT_FAIL(zts_recv(t, buf, 1, 0), ZTS_ENOTCONN);
    /* oversized lengths are not trusted: a datagram larger than any IP packet */
    ASSERT_FAIL(zts_sendto(u, buf, (size_t)1 << 40, 0, SA(&ss), len), ZTS_EMSGSIZE);
    ASSERT_FAIL(zts_sendto(u, buf, SIZE_MAX, 0, SA(&ss), len), ZTS_EMSGSIZE);
    /* iovecs: NULL array with entries (§5.7 SHOULD: EFAULT), a negative count */
    ASSERT_FAIL(zts_readv(u, NULL, 1), ZTS_EFAULT);
    ASSERT_FAIL(zts_writev(u, NULL, 1), ZTS_EFAULT);
    struct zts_iovec iov = {buf, 1};
    ASSERT_FAIL(zts_writev(u, &iov, -1), ZTS_EINVAL);
    struct zts_msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_iovlen = 1;
    ASSERT_FAIL(zts_recvmsg(u, (struct msghdr *)(void *)&m, 0), ZTS_EFAULT);
    ASSERT_FAIL(zts_sendmsg(u, (struct msghdr *)(void *)&m, 0), ZTS_EFAULT);
    /* sendmsg with a bad name length */
    m.msg_iov = &iov;
    m.msg_name = &ss;
    m.msg_namelen = 3;
    ASSERT_FAIL(zts_sendmsg(u, (struct msghdr *)(void *)&m, 0), ZTS_EINVAL);
    /* sendmsg/writev work when right: one gathered datagram to ourselves */
    m.msg_namelen = len;
    struct zts_iovec two[2] = {{(void *)"ab", 2}, {(void *)"cd", 2}};
    m.msg_iov = two;
    m.msg_iovlen = 2;
    assert_int_equal(zts_sendmsg(u, (struct msghdr *)(void *)&m, 0), 4);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(zts_recv(u, buf, sizeof(buf), 0), 4);
    assert_string_equal(buf, "abcd");

    /* options */
    ASSERT_FAIL(zts_setsockopt(u, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, NULL, sizeof(v)), ZTS_EFAULT);
    zts_socklen_t ol = sizeof(v);
    ASSERT_ARG(zts_getsockopt(u, ZTS_SOL_SOCKET, ZTS_SO_TYPE, NULL, &ol));
    ASSERT_ARG(zts_getsockopt(u, ZTS_SOL_SOCKET, ZTS_SO_TYPE, &v, NULL));
    struct zts_timeval tvb = {0, 1000000};
    ASSERT_FAIL(zts_setsockopt(u, ZTS_SOL_SOCKET, ZTS_SO_RCVTIMEO, &tvb, sizeof(tvb)),
                ZTS_EDOM);

    /* names: addr/addrlen NULL, *addrlen outside 16..28 */
    alen = 16;
    ASSERT_ARG(zts_getsockname(u, NULL, &alen));
    ASSERT_ARG(zts_getsockname(u, SA(&ss), NULL));
    ASSERT_ARG(zts_getpeername(u, NULL, &alen));
    ASSERT_ARG(zts_getpeername(u, SA(&ss), NULL));
    zts_socklen_t lens[3] = {0, 15, 29};
    for (int k = 0; k < 3; k++) {
        alen = lens[k];
        ASSERT_ARG(zts_getsockname(u, SA(&ss), &alen));
        assert_int_equal(alen, lens[k]);
        ASSERT_ARG(zts_getpeername(u, SA(&ss), &alen));
    }

    /* fcntl, ioctl */
    ASSERT_FAIL(zts_fcntl(u, 99, 0), ZTS_ENOSYS);
    ASSERT_ARG(zts_ioctl(u, ZTS_FIONBIO, NULL));
    ASSERT_ARG(zts_ioctl(u, ZTS_FIONREAD, NULL));
    ASSERT_ARG(zts_ioctl(-1, ZTS_FIONREAD, NULL));
    zts_errno = 0;
    assert_int_equal(zts_ioctl(u, 0x12345678UL, &v), -1);
    assert_true(zts_errno == ZTS_EINVAL || zts_errno == ZTS_ENOSYS);

    /* poll */
    ASSERT_ARG(zts_poll(NULL, 1, 0));
    assert_int_equal(zts_poll(NULL, 0, 0), 0);

    /* shutdown */
    ASSERT_FAIL(zts_shutdown(t, 7), ZTS_EINVAL);
    ASSERT_FAIL(zts_shutdown(t, -1), ZTS_EINVAL);

    /* bad input changed nothing: u still works */
    assert_int_equal(zts_sendto(u, "ok", 2, 0, SA(&ss), len), 2);
    assert_int_equal(zts_recv(u, buf, sizeof(buf), 0), 2);
    zts_close(u);
    zts_close(t);
}

/* The gate closed: every call is ZTS_ERR_SERVICE, argument checks still first (§5.7). */
static void test_service_gate(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len, alen = 16;
    uint16_t port;
    char buf[8];
    int v = 1;
    int u = udp_bound(ZTS_AF_INET, &port);
    struct zts_iovec iov = {buf, sizeof(buf)};
    struct zts_msghdr m;
    struct zts_pollfd p = {u, ZTS_POLLIN, 0};
    zts_fd_set rs;
    struct zts_timeval tv0 = {0, 0};
    zts_socklen_t ol = sizeof(v);

    (void)state;
    memset(&m, 0, sizeof(m));
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    len = loop_addr(ZTS_AF_INET, port, &ss);
    ZTS_FD_ZERO(&rs);
    ZTS_FD_SET(u, &rs);
    zt__sock_set_running(false);

    ASSERT_SERVICE(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0));
    ASSERT_SERVICE(zts_connect(u, SA(&ss), len));
    ASSERT_SERVICE(zts_bind(u, SA(&ss), len));
    ASSERT_SERVICE(zts_listen(u, 1));
    ASSERT_SERVICE(zts_accept(u, NULL, NULL));
    ASSERT_SERVICE(zts_accept4(u, NULL, NULL, 0));
    ASSERT_SERVICE(zts_setsockopt(u, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, &v, sizeof(v)));
    ASSERT_SERVICE(zts_getsockopt(u, ZTS_SOL_SOCKET, ZTS_SO_TYPE, &v, &ol));
    ASSERT_SERVICE(zts_getsockname(u, SA(&ss), &alen));
    ASSERT_SERVICE(zts_getpeername(u, SA(&ss), &alen));
    ASSERT_SERVICE(zts_select(u + 1, &rs, NULL, NULL, &tv0));
    ASSERT_SERVICE(zts_fcntl(u, ZTS_F_GETFL, 0));
    ASSERT_SERVICE(zts_poll(&p, 1, 0));
    ASSERT_SERVICE(zts_ioctl(u, ZTS_FIONREAD, &v));
    ASSERT_SERVICE(zts_send(u, "x", 1, 0));
    ASSERT_SERVICE(zts_sendto(u, "x", 1, 0, SA(&ss), len));
    ASSERT_SERVICE(zts_sendmsg(u, (struct msghdr *)(void *)&m, 0));
    ASSERT_SERVICE(zts_recvmsg(u, (struct msghdr *)(void *)&m, 0));
    ASSERT_SERVICE(zts_recv(u, buf, sizeof(buf), 0));
    ASSERT_SERVICE(zts_recvfrom(u, buf, sizeof(buf), 0, NULL, NULL));
    ASSERT_SERVICE(zts_read(u, buf, sizeof(buf)));
    ASSERT_SERVICE(zts_write(u, "x", 1));
    ASSERT_SERVICE(zts_readv(u, &iov, 1));
    ASSERT_SERVICE(zts_writev(u, &iov, 1));
    ASSERT_SERVICE(zts_shutdown(u, ZTS_SHUT_RDWR));
    /* bad descriptors are not looked at either: the gate answers */
    ASSERT_SERVICE(zts_close(-1));
    ASSERT_SERVICE(zts_listen(-1, 1));
    /* calls with no listed argument checks: the gate answers whatever the arguments */
    ASSERT_SERVICE(zts_select(-1, NULL, NULL, NULL, &tv0));
    ASSERT_SERVICE(zts_shutdown(u, 99));
    ASSERT_SERVICE(zts_fcntl(u, 99, 0));

    /* argument checks come first */
    ASSERT_ARG(zts_connect(u, NULL, len));
    ASSERT_ARG(zts_connect(u, SA(&ss), 15));
    ASSERT_ARG(zts_bind(u, SA(&ss), 29));
    ASSERT_ARG(zts_getsockname(u, NULL, &alen));
    alen = 2;
    ASSERT_ARG(zts_getpeername(u, SA(&ss), &alen));
    ASSERT_ARG(zts_ioctl(u, ZTS_FIONREAD, NULL));
    ASSERT_ARG(zts_send(u, NULL, 1, 0));
    ASSERT_ARG(zts_send(u, "x", 0, 0));
    ASSERT_ARG(zts_write(u, "x", 0));
    ASSERT_ARG(zts_sendto(u, "x", 1, 0, NULL, len));
    ASSERT_ARG(zts_sendto(u, "x", 0, 0, SA(&ss), len));
    ASSERT_ARG(zts_recv(u, NULL, 1, 0));
    ASSERT_ARG(zts_recvfrom(u, NULL, 1, 0, NULL, NULL));
    ASSERT_ARG(zts_read(u, NULL, 1));
    ASSERT_ARG(zts_recvmsg(u, NULL, 0));
    ASSERT_ARG(zts_poll(NULL, 1, 0));

    /* a close refused by the gate left the socket open (§5.7 zts_close) */
    ASSERT_SERVICE(zts_close(u));
    zt__sock_set_running(true);
    assert_int_equal(zts_close(u), 0);
}

/* ---- fcntl, ioctl ------------------------------------------------------------------------- */

/* True if |fd| is non-blocking according to a receive that finds nothing. */
static bool acts_nonblocking(int fd)
{
    char b;
    int64_t t0;

    set_tv(fd, ZTS_SO_RCVTIMEO, 300);
    t0 = now_ms();
    zts_errno = 0;
    assert_int_equal(zts_recv(fd, &b, 1, 0), -1);
    assert_int_equal(zts_errno, ZTS_EAGAIN);
    set_tv(fd, ZTS_SO_RCVTIMEO, LONG_MS);
    return now_ms() - t0 < 250;
}

static void test_fcntl_ioctl(void **state)
{
    uint16_t port;
    int c, s, nr, one = 1, zero = 0;

    (void)state;
    int u = udp_bound(ZTS_AF_INET, &port);
    assert_int_equal(zts_fcntl(u, ZTS_F_GETFL, 0), ZTS_O_RDWR);
    assert_false(acts_nonblocking(u));

    /* ZTS_O_NONBLOCK, and the host's O_NONBLOCK (Linux 2048) */
    assert_int_equal(zts_fcntl(u, ZTS_F_SETFL, ZTS_O_NONBLOCK), 0);
    assert_int_equal(zts_fcntl(u, ZTS_F_GETFL, 0), ZTS_O_RDWR | ZTS_O_NONBLOCK);
    assert_true(acts_nonblocking(u));
    assert_int_equal(zts_fcntl(u, ZTS_F_SETFL, 0), 0);
    assert_int_equal(zts_fcntl(u, ZTS_F_GETFL, 0), ZTS_O_RDWR);
    assert_false(acts_nonblocking(u));
    assert_int_equal(zts_fcntl(u, ZTS_F_SETFL, 2048), 0);
    assert_int_equal(zts_fcntl(u, ZTS_F_GETFL, 0) & ZTS_O_NONBLOCK, ZTS_O_NONBLOCK);
    assert_true(acts_nonblocking(u));
    /* The POSIX idioms round-trip: GETFL | NONBLOCK sets it, GETFL & ~NONBLOCK clears it
     * (access-mode bits are ignored, §5.7). */
    assert_int_equal(zts_fcntl(u, ZTS_F_SETFL, zts_fcntl(u, ZTS_F_GETFL, 0) & ~ZTS_O_NONBLOCK),
                     0);
    assert_int_equal(zts_fcntl(u, ZTS_F_GETFL, 0) & ZTS_O_NONBLOCK, 0);
    assert_false(acts_nonblocking(u));
    assert_int_equal(zts_fcntl(u, ZTS_F_SETFL, zts_fcntl(u, ZTS_F_GETFL, 0) | ZTS_O_NONBLOCK), 0);
    assert_true(acts_nonblocking(u));
    /* macOS's O_NONBLOCK is 4, which is also ZTS_O_WRONLY: it means non-blocking where it is
     * the host's O_NONBLOCK and is an (ignored) access-mode bit elsewhere. */
    assert_int_equal(zts_fcntl(u, ZTS_F_SETFL, 0), 0);
    assert_int_equal(zts_fcntl(u, ZTS_F_SETFL, 4), 0);
#if defined(__APPLE__)
    assert_true(acts_nonblocking(u));
#else
    assert_false(acts_nonblocking(u));
    assert_int_equal(zts_fcntl(u, ZTS_F_GETFL, 0) & ZTS_O_NONBLOCK, 0);
#endif

    /* FIONBIO */
    assert_int_equal(zts_ioctl(u, ZTS_FIONBIO, &one), 0);
    assert_int_equal(zts_fcntl(u, ZTS_F_GETFL, 0) & ZTS_O_NONBLOCK, ZTS_O_NONBLOCK);
    assert_true(acts_nonblocking(u));
    assert_int_equal(zts_ioctl(u, ZTS_FIONBIO, &zero), 0);
    assert_false(acts_nonblocking(u));
    /* both encodings (§3.7) */
    assert_int_equal(zts_ioctl(u, 0x8004667EUL, &one), 0);
    assert_true(acts_nonblocking(u));
    assert_int_equal(zts_ioctl(u, 0x8008667EUL, &zero), 0);
    assert_false(acts_nonblocking(u));
    assert_int_equal(zts_ioctl(u, 0x4004667FUL, &nr), 0);
    assert_int_equal(nr, 0);
    zts_close(u);

    /* TCP: GETFL follows the open directions; FIONREAD counts stream bytes */
    tcp_pair(ZTS_AF_INET, &c, &s);
    assert_int_equal(zts_fcntl(c, ZTS_F_GETFL, 0), ZTS_O_RDWR);
    assert_int_equal(zts_ioctl(s, ZTS_FIONREAD, &nr), 0);
    assert_int_equal(nr, 0);
    uint8_t data[3000];
    memset(data, 7, sizeof(data));
    assert_int_equal(zts_send(c, data, sizeof(data), 0), sizeof(data));
    assert_int_equal(zts_send(c, data, 1000, 0), 1000);
    nr = 0;
    for (int64_t t0 = now_ms(); nr < 4000 && now_ms() - t0 < LONG_MS; sleep_ms(5))
        assert_int_equal(zts_ioctl(s, ZTS_FIONREAD, &nr), 0);
    assert_int_equal(nr, 4000);
    uint8_t in[4000];
    assert_int_equal(zts_recv(s, in, 1500, 0), 1500);
    assert_int_equal(zts_ioctl(s, ZTS_FIONREAD, &nr), 0);
    assert_int_equal(nr, 2500);
    /* MSG_PEEK leaves the bytes; recvfrom on TCP names the peer */
    assert_int_equal(zts_recv(s, in, 10, ZTS_MSG_PEEK), 10);
    assert_int_equal(zts_ioctl(s, ZTS_FIONREAD, &nr), 0);
    assert_int_equal(nr, 2500);
    struct zts_sockaddr_storage from;
    zts_socklen_t flen = sizeof(from);
    assert_true(zts_recvfrom(s, in, 500, 0, SA(&from), &flen) > 0);
    assert_int_equal(flen, 16);
    assert_int_equal(port_of(&from), local_port(c));
    assert_int_equal(zts_ioctl(s, ZTS_FIONREAD, &nr), 0);
    assert_true(recv_all(s, in, (size_t)nr));
    /* writev/readv over TCP keep the order of the buffers */
    struct zts_iovec wv[3] = {{(void *)"one-", 4}, {(void *)"", 0}, {(void *)"two", 3}};
    assert_int_equal(zts_writev(c, wv, 3), 7);
    char r1[3], r2[4];
    struct zts_iovec rv[2] = {{r1, 3}, {r2, 4}};
    nr = 0;
    for (int64_t t0 = now_ms(); nr < 7 && now_ms() - t0 < LONG_MS; sleep_ms(5))
        assert_int_equal(zts_ioctl(s, ZTS_FIONREAD, &nr), 0);
    assert_int_equal(zts_readv(s, rv, 2), 7);
    assert_memory_equal(r1, "one", 3);
    assert_memory_equal(r2, "-two", 4);
    assert_int_equal(zts_shutdown(s, ZTS_SHUT_RD), 0);
    assert_int_equal(zts_fcntl(s, ZTS_F_GETFL, 0), ZTS_O_WRONLY);
    assert_int_equal(zts_shutdown(s, ZTS_SHUT_WR), 0);
    assert_int_equal(zts_fcntl(s, ZTS_F_GETFL, 0), 0);
    assert_int_equal(zts_ioctl(c, ZTS_FIONBIO, &one), 0);
    assert_int_equal(zts_fcntl(c, ZTS_F_GETFL, 0) & ZTS_O_NONBLOCK, ZTS_O_NONBLOCK);
    zts_close(c);
    zts_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fd_numbers, no_open_fds),
        cmocka_unit_test_teardown(test_tcp_echo_v4, no_open_fds),
        cmocka_unit_test_teardown(test_tcp_echo_v6, no_open_fds),
        cmocka_unit_test_teardown(test_tcp_dual_stack, no_open_fds),
        cmocka_unit_test_teardown(test_udp_sendto_recvfrom, no_open_fds),
        cmocka_unit_test_teardown(test_udp_unbound_sender, no_open_fds),
        cmocka_unit_test_teardown(test_udp_max_v4, no_open_fds),
        cmocka_unit_test_teardown(test_udp_max_v6, no_open_fds),
        cmocka_unit_test_teardown(test_udp_truncation, no_open_fds),
        cmocka_unit_test_teardown(test_udp_connected, no_open_fds),
        cmocka_unit_test_teardown(test_nonblocking_connect, no_open_fds),
        cmocka_unit_test_teardown(test_connect_refused, no_open_fds),
        cmocka_unit_test_teardown(test_bind_addrinuse, no_open_fds),
        cmocka_unit_test_teardown(test_reuseaddr, no_open_fds),
        cmocka_unit_test_teardown(test_listen_backlog, no_open_fds),
        cmocka_unit_test_teardown(test_accept4, no_open_fds),
        cmocka_unit_test_teardown(test_resets, no_open_fds),
        cmocka_unit_test_teardown(test_shutdown_wr, no_open_fds),
        cmocka_unit_test_teardown(test_names, no_open_fds),
        cmocka_unit_test_teardown(test_rcvtimeo, no_open_fds),
        cmocka_unit_test_teardown(test_sndtimeo, no_open_fds),
        cmocka_unit_test_teardown(test_options, no_open_fds),
        cmocka_unit_test_teardown(test_listener_tcp_options, no_open_fds),
        cmocka_unit_test_teardown(test_close_wakes_blocked, no_open_fds),
        cmocka_unit_test_teardown(test_many_sockets, no_open_fds),
        cmocka_unit_test_teardown(test_bad_input, no_open_fds),
        cmocka_unit_test_teardown(test_service_gate, no_open_fds),
        cmocka_unit_test_teardown(test_fcntl_ioctl, no_open_fds),
    };

    /* TEST_SOCK_FILTER=<glob> runs some cases only (debugging). */
    if (getenv("TEST_SOCK_FILTER") != NULL)
        cmocka_set_test_filter(getenv("TEST_SOCK_FILTER"));
    return cmocka_run_group_tests_name("sock", tests, group_setup, NULL);
}
