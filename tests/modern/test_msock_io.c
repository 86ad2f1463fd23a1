/*
 * test_msock_io.c: the modern API's option helpers, fcntl/ioctl, poll/select, UDP, the
 * vector and message calls and the end-of-stream rule, over the stack's loopback netif
 * (msock_io_tests(), run by test_msock.c).
 */
#include "msock_test.h"

/* A connected TCP pair over loopback: *|c| connected (zts_connect), *|s| accepted. */
static void tcp_pair(int family, uint16_t port, int *c, int *s)
{
    int l = listen_on(family, port, 4);

    *c = zts_socket(family, ZTS_SOCK_STREAM, 0);
    assert_true(*c >= 0);
    bound(*c);
    ASSERT_CLEARS(zts_connect(*c, loop_text(family), port, 0));
    *s = (int)ASSERT_CLEARS(zts_bsd_accept(l, NULL, NULL));
    bound(*s);
    ASSERT_KEEPS(zts_close(l));
}

/* ---- option helpers ------------------------------------------------------------------------- */

/* What a new TCP socket reports (§5.8). */
static void test_option_defaults(void **state)
{
    int fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);

    (void)state;
    assert_int_equal(ASSERT_CLEARS(zts_get_no_delay(fd)), 0);
    assert_int_equal(zts_get_linger_enabled(fd), 0);
    assert_int_equal(zts_get_linger_value(fd), 0);
    assert_int_equal(zts_get_reuse_addr(fd), 0);
    assert_int_equal(zts_get_recv_timeout(fd), 0);
    assert_int_equal(zts_get_send_timeout(fd), 0);
    assert_true(zts_get_recv_buf_size(fd) > 0);
    assert_true(zts_get_send_buf_size(fd) > 0);
    assert_int_equal(zts_get_ttl(fd), 255);
    assert_int_equal(zts_get_blocking(fd), 1);
    assert_int_equal(zts_get_keepalive(fd), 0);
    assert_int_equal(zts_get_last_socket_error(fd), 0);
    assert_int_equal(zts_get_pending_data_size(fd), 0);
    assert_true(zts_get_data_available(fd) == 0);
    ASSERT_KEEPS(zts_close(fd));
}

static void test_option_set_get(void **state)
{
    int fd = zts_socket(ZTS_AF_INET6, ZTS_SOCK_STREAM, 0);
    int u = zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);

    (void)state;
    ASSERT_CLEARS(zts_set_no_delay(fd, 1));
    assert_int_equal(zts_get_no_delay(fd), 1);
    assert_int_equal(zts_set_no_delay(fd, 0), 0);
    assert_int_equal(zts_get_no_delay(fd), 0);
    assert_int_equal(zts_set_linger(fd, 1, 7), 0);
    assert_int_equal(zts_get_linger_enabled(fd), 1);
    assert_int_equal(zts_get_linger_value(fd), 7);
    assert_int_equal(zts_set_reuse_addr(fd, 1), 0);
    assert_int_equal(zts_get_reuse_addr(fd), 1);
    assert_int_equal(zts_set_recv_timeout(fd, 3, 500000), 0);
    assert_int_equal(zts_get_recv_timeout(fd), 3); /* whole seconds */
    assert_int_equal(zts_set_send_timeout(fd, 1, 1500000), 0);
    assert_int_equal(zts_get_send_timeout(fd), 2); /* microseconds carried */
    assert_int_equal(zts_set_send_buf_size(fd, 65536), 0);
    assert_int_equal(zts_set_recv_buf_size(u, 100000), 0);
    assert_int_equal(zts_get_recv_buf_size(u), 100000);
    assert_int_equal(zts_set_ttl(fd, 64), 0);
    assert_int_equal(zts_get_ttl(fd), 64);
    assert_int_equal(zts_set_ttl(u, 0), 0);
    assert_int_equal(zts_get_ttl(u), 0);
    assert_int_equal(zts_set_blocking(fd, 0), 0);
    assert_int_equal(zts_get_blocking(fd), 0);
    assert_int_equal(zts_set_blocking(fd, 1), 0);
    assert_int_equal(zts_get_blocking(fd), 1);
    assert_int_equal(zts_set_keepalive(fd, 1), 0);
    assert_int_equal(zts_get_keepalive(fd), 1);
    assert_int_equal(zts_set_keepalive(fd, 0), 0);
    assert_int_equal(zts_get_keepalive(fd), 0);
    ASSERT_FAIL(zts_set_no_delay(u, 1), ZTS_ENOPROTOOPT); /* a TCP option on UDP */
    ASSERT_KEEPS(zts_close(fd));
    ASSERT_KEEPS(zts_close(u));
}

/* zts_bsd_setsockopt / getsockopt themselves. */
static void test_sockopt_bsd(void **state)
{
    int fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0), v = 0;
    zts_socklen_t len = sizeof(v);
    struct zts_timeval tv = {2, 250000};

    (void)state;
    ASSERT_CLEARS(zts_bsd_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_TYPE, &v, &len));
    assert_int_equal(v, ZTS_SOCK_STREAM);
    assert_int_equal(len, sizeof(int));
    ASSERT_CLEARS(zts_bsd_setsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_RCVTIMEO, &tv, sizeof(tv)));
    memset(&tv, 0, sizeof(tv));
    len = sizeof(tv);
    ASSERT_CLEARS(zts_bsd_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_RCVTIMEO, &tv, &len));
    assert_int_equal(tv.tv_sec, 2);
    assert_int_equal(tv.tv_usec, 250000);
    len = 2;
    ASSERT_FAIL(zts_bsd_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_TYPE, &v, &len), ZTS_EINVAL);
    ASSERT_FAIL(zts_bsd_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_TYPE, &v, NULL), ZTS_EFAULT);
    ASSERT_FAIL(zts_bsd_setsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, NULL, 4), ZTS_EFAULT);
    ASSERT_FAIL(zts_bsd_setsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_DEBUG, &v, sizeof(v)),
                ZTS_ENOPROTOOPT);
    ASSERT_FAIL(zts_bsd_setsockopt(fd, 0x1234, 1, &v, sizeof(v)), ZTS_ENOPROTOOPT);
    ASSERT_KEEPS(zts_close(fd));
}

/* ---- fcntl, ioctl ----------------------------------------------------------------------------- */

static void test_fcntl(void **state)
{
    int c, s, fl;

    (void)state;
    tcp_pair(ZTS_AF_INET, 4030, &c, &s);
    fl = (int)ASSERT_CLEARS(zts_bsd_fcntl(c, ZTS_F_GETFL, 0));
    assert_int_equal(fl, ZTS_O_RDWR);
    /* F_SETFL(F_GETFL | O_NONBLOCK): the access-mode bits are ignored (§5.7). */
    ASSERT_CLEARS(zts_bsd_fcntl(c, ZTS_F_SETFL, fl | ZTS_O_NONBLOCK));
    assert_int_equal(zts_bsd_fcntl(c, ZTS_F_GETFL, 0), ZTS_O_RDWR | ZTS_O_NONBLOCK);
    assert_int_equal(zts_bsd_fcntl(c, ZTS_F_SETFL, ZTS_O_RDWR), 0);
    assert_int_equal(zts_get_blocking(c), 1);
    ASSERT_FAIL(zts_bsd_fcntl(c, ZTS_F_SETFL, 04000), ZTS_ENOSYS); /* host O_NONBLOCK */
    ASSERT_FAIL(zts_bsd_fcntl(c, ZTS_F_SETFL, 8), ZTS_ENOSYS);
    ASSERT_FAIL(zts_bsd_fcntl(c, 1 /* F_GETFD */, 0), ZTS_ENOSYS);
    /* Fewer access bits after a shutdown. */
    ASSERT_CLEARS(zts_shutdown_wr(c));
    assert_int_equal(zts_bsd_fcntl(c, ZTS_F_GETFL, 0), ZTS_O_RDONLY);
    ASSERT_CLEARS(zts_shutdown_rd(s));
    assert_int_equal(zts_bsd_fcntl(s, ZTS_F_GETFL, 0), ZTS_O_WRONLY);
    ASSERT_CLEARS(zts_shutdown_rdwr(s));
    assert_int_equal(zts_bsd_fcntl(s, ZTS_F_GETFL, 0), 0);
    ASSERT_FAIL(zts_bsd_shutdown(s, 7), ZTS_EINVAL);
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(s));
}

static void test_ioctl(void **state)
{
    int c, s, one = 1, zero = 0, n = -1;

    (void)state;
    tcp_pair(ZTS_AF_INET6, 4031, &c, &s);
    /* FIONBIO in both encodings (sizeof(unsigned long) 4 and 8, §3.8). */
    ASSERT_CLEARS(zts_bsd_ioctl(c, 0x8004667eUL, &one));
    assert_int_equal(zts_get_blocking(c), 0);
    ASSERT_CLEARS(zts_bsd_ioctl(c, 0x8008667eUL, &zero));
    assert_int_equal(zts_get_blocking(c), 1);
    ASSERT_CLEARS(zts_bsd_ioctl(c, ZTS_FIONBIO, &one));
    assert_int_equal(zts_get_blocking(c), 0);
    ASSERT_FAIL(zts_bsd_ioctl(c, 0x1234, &n), ZTS_ENOSYS);
    assert_true(send_all(s, "12345", 5));
    assert_true(wait_for(c, ZTS_POLLIN, LONG_MS) & ZTS_POLLIN);
    ASSERT_CLEARS(zts_bsd_ioctl(c, ZTS_FIONREAD, &n));
    assert_int_equal(n, 5);
    n = -1;
    assert_int_equal(zts_bsd_ioctl(c, 0x4004667fUL, &n), 0);
    assert_int_equal(n, 5);
    n = -1;
    assert_int_equal(zts_bsd_ioctl(c, 0x4008667fUL, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(zts_get_pending_data_size(c), 5);
    assert_true(zts_get_data_available(c) == 5);
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(s));
}

/* ---- poll, select --------------------------------------------------------------------------- */

static void test_poll(void **state)
{
    int u = zts_udp_server("127.0.0.1", 4040), v = zts_udp_client("127.0.0.1");
    struct zts_pollfd p[3] = {{u, ZTS_POLLIN, 0}, {-1, ZTS_POLLIN, 0}, {77, ZTS_POLLOUT, 0}};
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(ZTS_AF_INET, 4040, &ss);

    (void)state;
    assert_int_equal(zts_bsd_poll(p, 1, 0), 0);
    /* An entry with fd < 0 is skipped; one not open is POLLNVAL. */
    assert_int_equal(zts_bsd_poll(p, 3, 0), 1);
    assert_int_equal(p[1].revents, 0);
    assert_int_equal(p[2].revents, ZTS_POLLNVAL);
    assert_int_equal(zts_bsd_sendto(v, "p", 1, 0, SA(&ss), len), 1);
    assert_int_equal(zts_bsd_poll(p, 1, LONG_MS), 1);
    assert_int_equal(p[0].revents, ZTS_POLLIN);
    ASSERT_FAIL(zts_bsd_poll(NULL, 1, 0), ZTS_EFAULT);
    assert_int_equal(zts_bsd_poll(NULL, 0, 0), 0);
    ASSERT_KEEPS(zts_close(u));
    ASSERT_KEEPS(zts_close(v));
}

static void test_select(void **state)
{
    int u = zts_udp_server("::1", 4041), v = zts_udp_client("::1");
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(ZTS_AF_INET6, 4041, &ss);
    zts_fd_set r, w, e;
    struct zts_timeval tv = {0, 200000};
    int64_t t0;

    (void)state;
    ZTS_FD_ZERO(&r);
    ZTS_FD_SET(u, &r);
    t0 = now_ms();
    assert_int_equal(zts_bsd_select(u + 1, &r, NULL, NULL, &tv), 0);
    assert_true(now_ms() - t0 >= 150);
    assert_false(ZTS_FD_ISSET(u, &r));
    assert_int_equal(zts_bsd_sendto(v, "s", 1, 0, SA(&ss), len), 1);
    assert_true(wait_for(u, ZTS_POLLIN, LONG_MS) & ZTS_POLLIN); /* delivered (loopback is async) */
    ZTS_FD_ZERO(&r);
    ZTS_FD_ZERO(&w);
    ZTS_FD_ZERO(&e);
    ZTS_FD_SET(u, &r);
    ZTS_FD_SET(v, &w);
    ZTS_FD_SET(u, &e);
    tv.tv_sec = LONG_MS / 1000;
    assert_int_equal(zts_bsd_select(v + 1, &r, &w, &e, &tv), 2);
    assert_true(ZTS_FD_ISSET(u, &r));
    assert_true(ZTS_FD_ISSET(v, &w));
    assert_false(ZTS_FD_ISSET(u, &e));
    /* The bytes are the macros' layout: descriptor n is bit n & 7 of byte n / 8. */
    assert_int_equal(r.fd_bits[u / 8], 1u << (u & 7));
    ASSERT_FAIL(zts_bsd_select(-1, NULL, NULL, NULL, NULL), ZTS_EINVAL);
    ASSERT_FAIL(zts_bsd_select(ZTS_FD_SETSIZE + 1, NULL, NULL, NULL, NULL), ZTS_EINVAL);
    tv.tv_sec = -1;
    ASSERT_FAIL(zts_bsd_select(1, NULL, NULL, NULL, &tv), ZTS_EINVAL);
    ZTS_FD_ZERO(&r);
    ZTS_FD_SET(77, &r);
    ASSERT_FAIL(zts_bsd_select(78, &r, NULL, NULL, NULL), ZTS_EBADF);
    ASSERT_KEEPS(zts_close(u));
    ASSERT_KEEPS(zts_close(v));
}

/* ---- UDP ---------------------------------------------------------------------------------------- */

/* One family: server and client helpers, sender addresses, truncation, FIONREAD, connected
 * UDP and its dissolution, empty datagrams, the size limit. */
static void udp_family(int family, uint16_t port)
{
    char buf[128], text[ZTS_INET6_ADDRSTRLEN], big[200];
    unsigned short cport = 0;
    struct zts_sockaddr_storage to, from;
    zts_socklen_t tolen = loop_addr(family, port, &to), flen = sizeof(from);
    int srv = zts_udp_server(loop_text(family), port), cli = zts_udp_client(loop_text(family));
    struct zts_iovec iov = {buf, 10};
    struct zts_msghdr msg = {NULL, 0, &iov, 1, NULL, 0, 0};

    assert_true(srv >= 0 && cli >= 0);
    bound(srv);
    assert_int_equal(ASSERT_CLEARS(zts_bsd_sendto(cli, "hello", 5, 0, SA(&to), tolen)), 5);
    assert_int_equal(ASSERT_CLEARS(zts_bsd_recvfrom(srv, buf, sizeof(buf), 0, SA(&from), &flen)), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(flen, family == ZTS_AF_INET ? 16 : 28);
    assert_int_equal(zts_getsockname(cli, text, sizeof(text), &cport), 0);
    assert_int_equal(from_be16(((struct zts_sockaddr_in *)(void *)&from)->sin_port), cport);
    /* Longer than the buffers: cut, ZTS_MSG_TRUNC, the rest discarded. */
    memset(big, 'b', sizeof(big));
    assert_int_equal(zts_bsd_sendto(cli, big, 100, 0, SA(&to), tolen), 100);
    assert_true(wait_for(srv, ZTS_POLLIN, LONG_MS) & ZTS_POLLIN);
    assert_int_equal(zts_get_pending_data_size(srv), 100); /* the next datagram's size */
    assert_int_equal(ASSERT_CLEARS(zts_bsd_recvmsg(srv, &msg, 0)), 10);
    assert_int_equal(msg.msg_flags, ZTS_MSG_TRUNC);
    ASSERT_FAIL(zts_bsd_recv(srv, buf, sizeof(buf), ZTS_MSG_DONTWAIT), ZTS_EAGAIN);
    /* Connected UDP, then AF_UNSPEC dissolves the association (§5.7). */
    assert_int_equal(zts_connect(cli, loop_text(family), port, 0), 0);
    assert_int_equal(zts_send(cli, "c", 1, 0), 1);
    assert_int_equal(zts_recv(srv, buf, sizeof(buf), 0), 1);
    to.ss_family = ZTS_AF_UNSPEC;
    ASSERT_CLEARS(zts_bsd_connect(cli, SA(&to), tolen));
    ASSERT_FAIL(zts_send(cli, "c", 1, 0), ZTS_EDESTADDRREQ);
    to.ss_family = (uint8_t)family;
    /* An empty datagram reads as 0, which is not an end of stream. */
    assert_int_equal(zts_bsd_sendto(cli, buf, 0, 0, SA(&to), tolen), 0);
    assert_int_equal(ASSERT_CLEARS(zts_read(srv, buf, sizeof(buf))), 0);
    ASSERT_FAIL(zts_bsd_sendto(cli, buf, 70000, 0, SA(&to), tolen), ZTS_EMSGSIZE);
    ASSERT_FAIL(zts_shutdown_rd(srv), ZTS_EOPNOTSUPP);
    assert_int_equal(zts_bsd_fcntl(srv, ZTS_F_GETFL, 0), ZTS_O_RDWR);
    assert_int_equal(zts_set_blocking(srv, 0), 0);
    ASSERT_FAIL(zts_recv(srv, buf, sizeof(buf), 0), ZTS_EAGAIN);
    ASSERT_KEEPS(zts_close(srv));
    ASSERT_KEEPS(zts_close(cli));
}

static void test_udp(void **state)
{
    (void)state;
    udp_family(ZTS_AF_INET, 4050);
    udp_family(ZTS_AF_INET6, 4051);
}

/* ---- vectors and messages ----------------------------------------------------------------------- */

static void test_vectors(void **state)
{
    char a[2], b[10];
    struct zts_iovec out[3] = {{"ab", 2}, {NULL, 0}, {"cde", 3}};
    struct zts_iovec in[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    int c, s;

    (void)state;
    tcp_pair(ZTS_AF_INET, 4060, &c, &s);
    assert_int_equal(ASSERT_CLEARS(zts_bsd_writev(c, out, 3)), 5);
    assert_true(wait_for(s, ZTS_POLLIN, LONG_MS) & ZTS_POLLIN);
    assert_int_equal(ASSERT_CLEARS(zts_bsd_readv(s, in, 2)), 5);
    assert_memory_equal(a, "ab", 2);
    assert_memory_equal(b, "cde", 3);
    assert_int_equal(zts_bsd_readv(s, in, 0), 0);
    ASSERT_FAIL(zts_bsd_readv(s, in, -1), ZTS_EINVAL);
    ASSERT_FAIL(zts_bsd_readv(s, NULL, 1), ZTS_EFAULT);
    ASSERT_FAIL(zts_bsd_writev(c, out, 1025), ZTS_EINVAL);
    ASSERT_FAIL(zts_bsd_writev(77, out, 1025), ZTS_EBADF);
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(s));
}

static void test_messages(void **state)
{
    char buf[16];
    struct zts_sockaddr_storage to, from;
    struct zts_iovec iov = {"msg", 3}, rio = {buf, sizeof(buf)};
    struct zts_msghdr m, r;
    int u = zts_udp_server("127.0.0.1", 4061), v = zts_udp_client("127.0.0.1");

    (void)state;
    memset(&m, 0, sizeof(m));
    m.msg_name = &to;
    m.msg_namelen = loop_addr(ZTS_AF_INET, 4061, &to);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    assert_int_equal(ASSERT_CLEARS(zts_bsd_sendmsg(v, &m, 0)), 3);
    memset(&r, 0, sizeof(r));
    r.msg_name = &from;
    r.msg_namelen = sizeof(from);
    r.msg_iov = &rio;
    r.msg_iovlen = 1;
    r.msg_controllen = 99;
    r.msg_flags = 99;
    assert_int_equal(zts_bsd_recvmsg(u, &r, 0), 3);
    assert_memory_equal(buf, "msg", 3);
    assert_int_equal(r.msg_namelen, 16);
    assert_int_equal(from.ss_family, ZTS_AF_INET);
    assert_int_equal(r.msg_controllen, 0);
    assert_int_equal(r.msg_flags, 0);
    ASSERT_FAIL(zts_bsd_sendmsg(v, NULL, 0), ZTS_EFAULT);
    m.msg_namelen = 10;
    ASSERT_FAIL(zts_bsd_sendmsg(v, &m, 0), ZTS_EINVAL);
    m.msg_name = NULL;
    ASSERT_FAIL(zts_bsd_sendmsg(v, &m, 0), ZTS_EDESTADDRREQ);
    ASSERT_KEEPS(zts_close(u));
    ASSERT_KEEPS(zts_close(v));
}

/* ---- end of stream (§5.7, §10.1 item 9) ----------------------------------------------------------- */

static void test_end_of_stream(void **state)
{
    char buf[8];
    int c, s;

    (void)state;
    tcp_pair(ZTS_AF_INET, 4070, &c, &s);
    assert_int_equal(ASSERT_CLEARS(zts_write(c, "x", 1)), 1);
    assert_int_equal(zts_shutdown_wr(c), 0);
    assert_int_equal(ASSERT_CLEARS(zts_read(s, buf, sizeof(buf))), 1);
    /* The first read at the end: 0, with zts_errno ENOTCONN; then -1/ENOTCONN for good. */
    zts_errno = 0;
    assert_int_equal(zts_read(s, buf, sizeof(buf)), 0);
    assert_int_equal(zts_errno, ZTS_ENOTCONN);
    ASSERT_FAIL(zts_read(s, buf, sizeof(buf)), ZTS_ENOTCONN);
    ASSERT_FAIL(zts_recv(s, buf, sizeof(buf), ZTS_MSG_DONTWAIT), ZTS_ENOTCONN);
    /* A 0-byte read is not a read at the end. */
    assert_int_equal(ASSERT_CLEARS(zts_bsd_recv(s, buf, 0, 0)), 0);
    /* The other direction still works, and ends the same way at close. */
    assert_int_equal(zts_write(s, "y", 1), 1);
    assert_int_equal(zts_read(c, buf, sizeof(buf)), 1);
    assert_int_equal(buf[0], 'y');
    ASSERT_KEEPS(zts_close(s));
    zts_errno = 0;
    assert_int_equal(zts_bsd_recvfrom(c, buf, sizeof(buf), 0, NULL, NULL), 0);
    assert_int_equal(zts_errno, ZTS_ENOTCONN);
    ASSERT_FAIL(zts_bsd_recvfrom(c, buf, sizeof(buf), 0, NULL, NULL), ZTS_ENOTCONN);
    ASSERT_KEEPS(zts_close(c));
}

int msock_io_tests(void)
{
    const struct CMUnitTest tests[] = {
        MSOCK_CASE(test_option_defaults), MSOCK_CASE(test_option_set_get),
        MSOCK_CASE(test_sockopt_bsd),     MSOCK_CASE(test_fcntl),
        MSOCK_CASE(test_ioctl),           MSOCK_CASE(test_poll),
        MSOCK_CASE(test_select),          MSOCK_CASE(test_udp),
        MSOCK_CASE(test_vectors),         MSOCK_CASE(test_messages),
        MSOCK_CASE(test_end_of_stream),
    };

    return cmocka_run_group_tests_name("msock_io", tests, msock_setup, NULL);
}
