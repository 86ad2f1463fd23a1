/*
 * test_msock_tcp.c: the modern API's TCP connect and accept paths over the stack's loopback
 * netif (api-modern.md §5.7, §5.8, §11 items 16-18): descriptor numbers, blocking transfers
 * through zts_tcp_client / zts_tcp_server over IPv4 and IPv6, zts_connect's retries and its
 * timeout, non-blocking connect (EINPROGRESS, poll, SO_ERROR, a refused attempt then a new
 * one on the same socket), non-blocking accept and receive.
 *
 * Timing bounds are loose (2 cores, sanitizers): each asserts an order of magnitude, never a
 * close figure.
 */
#include "msock_test.h"

#define XFER (256u * 1024)

typedef struct {
    uint16_t port;
    int family;
    int fd;                            /* zts_tcp_server's result */
    char peer[ZTS_INET6_ADDRSTRLEN];
    unsigned short peer_port;
    long delay_ms;                     /* before listening */
} server_job;

static void *server_main(void *arg)
{
    server_job *j = arg;

    if (j->delay_ms > 0)
        sleep_ms(j->delay_ms);
    j->fd = zts_tcp_server(loop_text(j->family), j->port, j->peer, sizeof(j->peer),
                           &j->peer_port);
    return NULL;
}

static uint8_t pat(size_t i)
{
    return (uint8_t)((i * 2654435761u) >> 13);
}

/* zts_tcp_server in a thread (listening after |delay_ms|), zts_tcp_client here: the client
 * retries until the server listens; both return real descriptors (§11 item 17). */
static void client_server(int family, uint16_t port, long delay_ms, int *c, int *s)
{
    server_job j = {port, family, -100, "", 0, delay_ms};
    char text[ZTS_INET6_ADDRSTRLEN];
    unsigned short cport = 0;
    pthread_t t;

    assert_int_equal(pthread_create(&t, NULL, server_main, &j), 0);
    *c = zts_tcp_client(loop_text(family), port);
    pthread_join(t, NULL);
    if (*c < 0 || j.fd < 0)
        fail_msg("client %d server %d zts_errno %d", *c, j.fd, zts_errno);
    *s = j.fd;
    bound(*c);
    bound(*s);
    assert_int_equal(zts_getsockname(*c, text, sizeof(text), &cport), 0);
    assert_string_equal(j.peer, loop_text(family));
    assert_int_equal(j.peer_port, cport);
    assert_int_equal(zts_getpeername(*s, text, sizeof(text), &cport), 0);
    assert_string_equal(text, loop_text(family));
    assert_int_equal(cport, j.peer_port);
}

/* The listener of zts_tcp_server is gone: client 0, accepted 1 (listener 1 closed). */
static void transfer(int family, uint16_t port)
{
    static uint8_t out[XFER], in[XFER];
    int c, s;

    client_server(family, port, 0, &c, &s);
    assert_int_equal(zt__sock_count(), 2);
    for (size_t i = 0; i < XFER; i++)
        out[i] = pat(i);
    assert_true(send_all(c, out, XFER));
    assert_true(recv_all(s, in, XFER));
    assert_memory_equal(in, out, XFER);
    assert_true(send_all(s, in, XFER)); /* echo back */
    memset(in, 0, XFER);
    assert_true(recv_all(c, in, XFER));
    assert_memory_equal(in, out, XFER);
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(s));
}

static void test_transfer_v4(void **state)
{
    (void)state;
    transfer(ZTS_AF_INET, 5001);
}

static void test_transfer_v6(void **state)
{
    (void)state;
    transfer(ZTS_AF_INET6, 5002);
}

/* First socket 0, first accepted after it, lowest free number first (§5.7, §10.1 item 9);
 * zts_errno cleared by accept/connect, kept by socket/close. */
static void test_numbers_and_errno(void **state)
{
    int l, c, a;

    (void)state;
    l = (int)ASSERT_KEEPS(zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0));
    assert_int_equal(l, 0);
    bound(l);
    ASSERT_CLEARS(zts_bind(l, "127.0.0.1", 5010));
    ASSERT_CLEARS(zts_bsd_listen(l, 1));
    c = (int)ASSERT_KEEPS(zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0));
    assert_int_equal(c, 1);
    ASSERT_CLEARS(zts_connect(c, "127.0.0.1", 5010, 1000));
    a = (int)ASSERT_CLEARS(zts_bsd_accept(l, NULL, NULL));
    assert_int_equal(a, 2);
    ASSERT_KEEPS(zts_close(l));
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(a));
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0), 0);
    ASSERT_KEEPS(zts_close(0));
}

/* The client starts first: zts_connect's attempts are refused until the server listens
 * (~600 ms later), on the same socket (§5.8 Required). */
static void test_client_retries(void **state)
{
    int64_t t0 = now_ms();
    int c, s;

    (void)state;
    client_server(ZTS_AF_INET, 5020, 600, &c, &s);
    assert_true(now_ms() - t0 >= 500);
    assert_int_equal(zts_write(c, "r", 1), 1);
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(s));
}

/* Refused every time: max(1, timeout/1000*4) attempts 250 ms apart, then the last error. */
static void test_connect_refused(void **state)
{
    int fd = zts_socket(ZTS_AF_INET6, ZTS_SOCK_STREAM, 0);
    int64_t t0 = now_ms(), dt;

    (void)state;
    ASSERT_FAIL(zts_connect(fd, "::1", 5030, 1500), ZTS_ECONNREFUSED);
    dt = now_ms() - t0;
    assert_true(dt >= 600 && dt < 5000); /* 4 attempts, 3 pauses */
    t0 = now_ms();
    ASSERT_FAIL(zts_connect(fd, "::1", 5030, 400), ZTS_ECONNREFUSED); /* one attempt */
    assert_true(now_ms() - t0 < 240);
    ASSERT_KEEPS(zts_close(fd));
}

/* A SYN nobody answers (the listener's backlog is full): the attempt is given up at the
 * timeout (ETIMEDOUT), and the same socket connects once there is room. */
static void test_connect_timeout(void **state)
{
    int l = listen_on(ZTS_AF_INET, 5040, 1), c1, c2, a;
    int64_t t0, dt;

    (void)state;
    c1 = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
    c2 = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
    assert_int_equal(zts_connect(c1, "127.0.0.1", 5040, 2000), 0); /* queued, not accepted */
    t0 = now_ms();
    ASSERT_FAIL(zts_connect(c2, "127.0.0.1", 5040, 1200), ZTS_ETIMEDOUT);
    dt = now_ms() - t0;
    assert_true(dt >= 1100 && dt < 6000);
    a = zts_bsd_accept(l, NULL, NULL);
    assert_true(a >= 0);
    ASSERT_CLEARS(zts_connect(c2, "127.0.0.1", 5040, 3000));
    ASSERT_FAIL(zts_connect(c2, "127.0.0.1", 5040, 3000), ZTS_EISCONN);
    ASSERT_KEEPS(zts_close(a));
    a = zts_bsd_accept(l, NULL, NULL);
    assert_true(a >= 0);
    ASSERT_KEEPS(zts_close(a));
    ASSERT_KEEPS(zts_close(c1));
    ASSERT_KEEPS(zts_close(c2));
    ASSERT_KEEPS(zts_close(l));
}

/* §11 item 16: a non-blocking socket connects once (EINPROGRESS); poll says writable; the
 * outcome is in SO_ERROR; a refused attempt is reported, and the next call tries anew. */
static void test_connect_nonblocking(void **state)
{
    char text[ZTS_INET6_ADDRSTRLEN];
    unsigned short port;
    int c = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0), l, a;

    (void)state;
    assert_int_equal(zts_set_blocking(c, 0), 0);
    ASSERT_FAIL(zts_connect(c, "127.0.0.1", 5050, 0), ZTS_EINPROGRESS);
    assert_true(wait_for(c, ZTS_POLLOUT, LONG_MS) & ZTS_POLLERR);
    ASSERT_FAIL(zts_connect(c, "127.0.0.1", 5050, 0), ZTS_ECONNREFUSED); /* reported once */
    ASSERT_FAIL(zts_connect(c, "127.0.0.1", 5050, 0), ZTS_EINPROGRESS);  /* a new attempt */
    assert_true(wait_for(c, ZTS_POLLOUT, LONG_MS) & ZTS_POLLOUT);
    assert_int_equal(zts_get_last_socket_error(c), ZTS_ECONNREFUSED);
    l = listen_on(ZTS_AF_INET, 5050, 4);
    ASSERT_FAIL(zts_connect(c, "127.0.0.1", 5050, 0), ZTS_EINPROGRESS);
    assert_int_equal(wait_for(c, ZTS_POLLOUT, LONG_MS), ZTS_POLLOUT);
    assert_int_equal(zts_get_last_socket_error(c), 0);
    ASSERT_CLEARS(zts_connect(c, "127.0.0.1", 5050, 0)); /* connected: 0 */
    assert_int_equal(zts_getpeername(c, text, sizeof(text), &port), 0);
    assert_int_equal(port, 5050);
    a = zts_bsd_accept(l, NULL, NULL);
    assert_true(a >= 0);
    ASSERT_FAIL(zts_recv(c, text, sizeof(text), 0), ZTS_EAGAIN);
    assert_int_equal(zts_write(a, "n", 1), 1);
    assert_true(wait_for(c, ZTS_POLLIN, LONG_MS) & ZTS_POLLIN);
    assert_int_equal(zts_read(c, text, sizeof(text)), 1);
    ASSERT_KEEPS(zts_close(a));
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(l));
}

/* zts_bsd_connect on a non-blocking socket: EINPROGRESS, then EALREADY while pending. */
static void test_bsd_connect_nonblocking(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(ZTS_AF_INET6, 5055, &ss);
    int l = listen_on(ZTS_AF_INET6, 5055, 4), c = zts_bsd_socket(ZTS_AF_INET6, ZTS_SOCK_STREAM, 0);
    zts_fd_set w;
    struct zts_timeval tv = {LONG_MS / 1000, 0};
    int one = 1, a;

    (void)state;
    assert_int_equal(zts_bsd_ioctl(c, ZTS_FIONBIO, &one), 0);
    ASSERT_FAIL(zts_bsd_connect(c, SA(&ss), len), ZTS_EINPROGRESS);
    ZTS_FD_ZERO(&w);
    ZTS_FD_SET(c, &w);
    assert_int_equal(zts_bsd_select(c + 1, NULL, &w, NULL, &tv), 1);
    assert_true(ZTS_FD_ISSET(c, &w));
    ASSERT_FAIL(zts_bsd_connect(c, SA(&ss), len), ZTS_EISCONN);
    a = zts_bsd_accept(l, NULL, NULL);
    assert_true(a >= 0);
    ASSERT_KEEPS(zts_close(a));
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(l));
}

/* Non-blocking accept: EAGAIN with the outputs untouched (§11 item 18); the accepted socket
 * is blocking (§5.7); the peer's address in the BSD and the text forms. */
static void test_accept(void **state)
{
    char text[ZTS_INET6_ADDRSTRLEN] = "untouched";
    unsigned short port = 4242;
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = sizeof(ss);
    int l = zts_socket(ZTS_AF_INET6, ZTS_SOCK_STREAM, 0), c, a;

    (void)state;
    assert_int_equal(zts_bind(l, "::", 5060), 0); /* dual stack */
    assert_int_equal(zts_listen(l, 4), 0);
    assert_int_equal(zts_set_blocking(l, 0), 0);
    ASSERT_FAIL(zts_accept(l, text, sizeof(text), &port), ZTS_EAGAIN);
    assert_string_equal(text, "untouched");
    assert_int_equal(port, 4242);
    ASSERT_FAIL(zts_bsd_accept(l, SA(&ss), &len), ZTS_EAGAIN);
    c = zts_tcp_client("::1", 5060);
    assert_true(c >= 0);
    assert_true(wait_for(l, ZTS_POLLIN, LONG_MS) & ZTS_POLLIN);
    a = (int)ASSERT_CLEARS(zts_accept(l, text, sizeof(text), &port));
    assert_string_equal(text, "::1");
    assert_int_equal(zts_get_blocking(a), 1);
    ASSERT_KEEPS(zts_close(a));
    ASSERT_KEEPS(zts_close(c));
    /* A dual-stack listener takes IPv4 and shows it mapped; accept's address in §4.2 form. */
    c = zts_tcp_client("127.0.0.1", 5060);
    assert_true(c >= 0);
    assert_true(wait_for(l, ZTS_POLLIN, LONG_MS) & ZTS_POLLIN);
    len = 8; /* short: truncated, the true size reported */
    a = zts_bsd_accept(l, SA(&ss), &len);
    assert_true(a >= 0);
    assert_int_equal(len, 28);
    assert_int_equal(ss.s2_len, 28);
    assert_int_equal(ss.ss_family, ZTS_AF_INET6);
    assert_int_equal(zts_getpeername(a, text, sizeof(text), &port), 0);
    assert_string_equal(text, "::FFFF:127.0.0.1");
    ASSERT_KEEPS(zts_close(a));
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(l));
}

/* The options a socket had before a refused attempt are those of its new attempt. */
static void test_retry_keeps_options(void **state)
{
    int c = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0), l, a;

    (void)state;
    assert_int_equal(zts_set_no_delay(c, 1), 0);
    assert_int_equal(zts_set_keepalive(c, 1), 0);
    assert_int_equal(zts_set_ttl(c, 33), 0);
    assert_int_equal(zts_bind(c, "127.0.0.1", 5071), 0);
    ASSERT_FAIL(zts_connect(c, "127.0.0.1", 5070, 100), ZTS_ECONNREFUSED);
    l = listen_on(ZTS_AF_INET, 5070, 4);
    ASSERT_CLEARS(zts_connect(c, "127.0.0.1", 5070, 2000));
    assert_int_equal(zts_get_no_delay(c), 1);
    assert_int_equal(zts_get_keepalive(c), 1);
    assert_int_equal(zts_get_ttl(c), 33);
    a = zts_bsd_accept(l, NULL, NULL);
    assert_true(a >= 0);
    {
        char text[ZTS_INET6_ADDRSTRLEN];
        unsigned short port = 0;
        assert_int_equal(zts_getpeername(a, text, sizeof(text), &port), 0);
        assert_int_equal(port, 5071); /* the bound port survived the retry */
    }
    ASSERT_KEEPS(zts_close(a));
    ASSERT_KEEPS(zts_close(c));
    ASSERT_KEEPS(zts_close(l));
}

/* zts_udp_server/zts_tcp_server failures close what they made and return the error. */
static void test_helpers_fail_clean(void **state)
{
    int u = zts_udp_server("127.0.0.1", 5080);
    char text[ZTS_INET6_ADDRSTRLEN];
    unsigned short port;

    (void)state;
    assert_int_equal(u, 0);
    ASSERT_FAIL(zts_udp_server("127.0.0.1", 5080), ZTS_EADDRINUSE);
    ASSERT_FAIL(zts_udp_server("10.99.99.99", 5081), ZTS_EADDRNOTAVAIL);
    ASSERT_FAIL(zts_tcp_server("10.99.99.99", 5082, text, sizeof(text), &port),
                ZTS_EADDRNOTAVAIL);
    assert_int_equal(zt__sock_count(), 1);
    ASSERT_KEEPS(zts_close(u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        MSOCK_CASE(test_numbers_and_errno),
        MSOCK_CASE(test_transfer_v4),
        MSOCK_CASE(test_transfer_v6),
        MSOCK_CASE(test_client_retries),
        MSOCK_CASE(test_connect_refused),
        MSOCK_CASE(test_connect_timeout),
        MSOCK_CASE(test_connect_nonblocking),
        MSOCK_CASE(test_bsd_connect_nonblocking),
        MSOCK_CASE(test_accept),
        MSOCK_CASE(test_retry_keeps_options),
        MSOCK_CASE(test_helpers_fail_clean),
    };

    return cmocka_run_group_tests_name("msock_tcp", tests, msock_setup, NULL);
}
