/*
 * test_msock.c: the modern API's socket calls (api-modern.md §5.7-§5.9) without a node: the
 * stack runs on its loopback netif (127.0.0.1, ::1) and the service gate is opened by hand,
 * as tests/unit/test_sock.c does for the 1.3 API.  Argument checks, the service gate,
 * zts_errno rules, address layouts, descriptor numbers, options and their helpers,
 * fcntl/ioctl/poll/select, UDP, the vector and message calls, and DNS (against a small DNS
 * server made of the API's own UDP calls).  TCP connect, accept and the client/server helpers
 * are in test_msock_tcp.c.
 *
 * Every blocking call is bounded (receive/send timeouts, poll timeouts); every case closes what
 * it opened (checked after each), so descriptors count from 0 in every case.
 */
#include "msock_test.h"

/* ---- the service gate ---------------------------------------------------------------------- */

/* Not running: every socket call says ZTS_ERR_SERVICE (NULL for the pointer results) and
 * touches nothing, whatever its arguments (§5.0, §10.1 item 4). */
static void test_not_running(void **state)
{
    char buf[64];
    unsigned short port = 0;
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(ZTS_AF_INET, 1, &ss);
    struct zts_pollfd p = {0, ZTS_POLLIN, 0};
    zts_ip_addr ip;

    (void)state;
    memset(&ip, 0, sizeof(ip));
    zt__sock_set_running(false);
    ASSERT_SERVICE(zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0));
    ASSERT_SERVICE(zts_bsd_connect(0, NULL, 0));
    ASSERT_SERVICE(zts_bsd_bind(0, SA(&ss), len));
    ASSERT_SERVICE(zts_bsd_listen(0, 1));
    ASSERT_SERVICE(zts_bsd_accept(0, NULL, NULL));
    ASSERT_SERVICE(zts_bsd_setsockopt(0, 0, 0, NULL, 0));
    ASSERT_SERVICE(zts_bsd_getsockopt(0, 0, 0, NULL, NULL));
    ASSERT_SERVICE(zts_bsd_getsockname(0, NULL, NULL));
    ASSERT_SERVICE(zts_bsd_getpeername(0, SA(&ss), &len));
    ASSERT_SERVICE(zts_bsd_close(0));
    ASSERT_SERVICE(zts_bsd_select(1, NULL, NULL, NULL, NULL));
    ASSERT_SERVICE(zts_bsd_fcntl(0, ZTS_F_GETFL, 0));
    ASSERT_SERVICE(zts_bsd_poll(&p, 1, 0));
    ASSERT_SERVICE(zts_bsd_ioctl(0, ZTS_FIONREAD, NULL));
    ASSERT_SERVICE(zts_bsd_send(0, NULL, 1, 0));
    ASSERT_SERVICE(zts_bsd_sendto(0, buf, 1, 0, NULL, 0));
    ASSERT_SERVICE(zts_bsd_sendmsg(0, NULL, 0));
    ASSERT_SERVICE(zts_bsd_recv(0, buf, sizeof(buf), 0));
    ASSERT_SERVICE(zts_bsd_recvfrom(0, NULL, 1, 0, NULL, NULL));
    ASSERT_SERVICE(zts_bsd_recvmsg(0, NULL, 0));
    ASSERT_SERVICE(zts_bsd_read(0, buf, 1));
    ASSERT_SERVICE(zts_bsd_readv(0, NULL, 1));
    ASSERT_SERVICE(zts_bsd_write(0, buf, 1));
    ASSERT_SERVICE(zts_bsd_writev(0, NULL, -1));
    ASSERT_SERVICE(zts_bsd_shutdown(0, ZTS_SHUT_RDWR));
    ASSERT_SERVICE(zts_socket(ZTS_AF_INET6, ZTS_SOCK_DGRAM, 0));
    ASSERT_SERVICE(zts_connect(0, NULL, 1, -5));
    ASSERT_SERVICE(zts_bind(0, "127.0.0.1", 1));
    ASSERT_SERVICE(zts_listen(0, 0));
    ASSERT_SERVICE(zts_accept(0, NULL, 7, NULL));
    ASSERT_SERVICE(zts_send(0, buf, 1, 0));
    ASSERT_SERVICE(zts_recv(0, buf, 1, 0));
    ASSERT_SERVICE(zts_read(0, buf, 1));
    ASSERT_SERVICE(zts_write(0, buf, 1));
    ASSERT_SERVICE(zts_shutdown_rd(0));
    ASSERT_SERVICE(zts_shutdown_wr(0));
    ASSERT_SERVICE(zts_shutdown_rdwr(0));
    ASSERT_SERVICE(zts_close(0));
    ASSERT_SERVICE(zts_getpeername(0, buf, 3, &port));
    ASSERT_SERVICE(zts_getsockname(0, NULL, ZTS_INET6_ADDRSTRLEN, NULL));
    ASSERT_SERVICE(zts_tcp_client("127.0.0.1", 1));
    ASSERT_SERVICE(zts_tcp_server(NULL, 1, NULL, 0, NULL));
    ASSERT_SERVICE(zts_udp_server("x", 1));
    ASSERT_SERVICE(zts_udp_client(NULL));
    ASSERT_SERVICE(zts_dns_set_server(9, NULL));
    assert_null(zts_dns_get_server(0));
    assert_null(zts_bsd_gethostbyname("10.0.0.1"));
    zt__sock_set_running(true);
}

static void test_not_running_helpers(void **state)
{
    (void)state;
    zt__sock_set_running(false);
    ASSERT_SERVICE(zts_set_no_delay(0, 5));
    ASSERT_SERVICE(zts_get_no_delay(0));
    ASSERT_SERVICE(zts_set_linger(0, 1, -1));
    ASSERT_SERVICE(zts_get_linger_enabled(0));
    ASSERT_SERVICE(zts_get_linger_value(0));
    ASSERT_SERVICE(zts_set_reuse_addr(0, 1));
    ASSERT_SERVICE(zts_get_reuse_addr(0));
    ASSERT_SERVICE(zts_set_recv_timeout(0, -1, -1));
    ASSERT_SERVICE(zts_get_recv_timeout(0));
    ASSERT_SERVICE(zts_set_send_timeout(0, 1, 0));
    ASSERT_SERVICE(zts_get_send_timeout(0));
    ASSERT_SERVICE(zts_set_send_buf_size(0, -1));
    ASSERT_SERVICE(zts_get_send_buf_size(0));
    ASSERT_SERVICE(zts_set_recv_buf_size(0, 1));
    ASSERT_SERVICE(zts_get_recv_buf_size(0));
    ASSERT_SERVICE(zts_set_ttl(0, 300));
    ASSERT_SERVICE(zts_get_ttl(0));
    ASSERT_SERVICE(zts_set_blocking(0, 1));
    ASSERT_SERVICE(zts_get_blocking(0));
    ASSERT_SERVICE(zts_set_keepalive(0, 1));
    ASSERT_SERVICE(zts_get_keepalive(0));
    ASSERT_SERVICE(zts_get_last_socket_error(0));
    ASSERT_SERVICE(zts_get_pending_data_size(0));
    ASSERT_CODE(zts_get_data_available(0), (size_t)(ssize_t)ZTS_ERR_SERVICE);
    zt__sock_set_running(true);
}

/* ---- ZTS_ERR_ARG --------------------------------------------------------------------------- */

/* The §5.7 checks, each before anything is done (zts_errno untouched). */
static void test_args_bsd(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(ZTS_AF_INET, 1, &ss), small = 15, big = 29;
    char buf[8];
    int fd = zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);

    (void)state;
    assert_int_equal(fd, 0);
    ASSERT_ARG(zts_bsd_connect(fd, NULL, len));
    ASSERT_ARG(zts_bsd_connect(fd, SA(&ss), 15));
    ASSERT_ARG(zts_bsd_connect(fd, SA(&ss), 29));
    ASSERT_ARG(zts_bsd_bind(fd, NULL, len));
    ASSERT_ARG(zts_bsd_bind(fd, SA(&ss), 0));
    ASSERT_ARG(zts_bsd_getsockname(fd, NULL, &len));
    ASSERT_ARG(zts_bsd_getsockname(fd, SA(&ss), NULL));
    ASSERT_ARG(zts_bsd_getsockname(fd, SA(&ss), &small));
    ASSERT_ARG(zts_bsd_getpeername(fd, SA(&ss), &big));
    ASSERT_ARG(zts_bsd_ioctl(fd, ZTS_FIONREAD, NULL));
    ASSERT_ARG(zts_bsd_ioctl(fd, ZTS_FIONBIO, NULL));
    ASSERT_ARG(zts_bsd_send(fd, NULL, 1, 0));
    ASSERT_ARG(zts_bsd_write(fd, NULL, 1));
    ASSERT_ARG(zts_bsd_sendto(fd, NULL, 1, 0, SA(&ss), len));
    ASSERT_ARG(zts_bsd_sendto(fd, buf, 1, 0, NULL, len));
    ASSERT_ARG(zts_bsd_sendto(fd, buf, 1, 0, SA(&ss), 8));
    ASSERT_ARG(zts_bsd_recv(fd, NULL, 1, 0));
    ASSERT_ARG(zts_bsd_read(fd, NULL, 1));
    ASSERT_ARG(zts_bsd_recvfrom(fd, NULL, 1, 0, NULL, NULL));
    ASSERT_ARG(zts_bsd_recvmsg(fd, NULL, 0));
    ASSERT_KEEPS(zts_bsd_close(fd));
}

/* The §5.8 checks (Required differences included: unparsable text, NULL outputs). */
static void test_args_simple(void **state)
{
    char buf[ZTS_INET6_ADDRSTRLEN] = "untouched";
    unsigned short port = 4242;
    int fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);

    (void)state;
    assert_int_equal(fd, 0);
    ASSERT_ARG(zts_connect(fd, "127.0.0.1", 1, -1));
    ASSERT_ARG(zts_connect(fd, NULL, 1, 0));
    ASSERT_ARG(zts_connect(fd, "localhost", 1, 0));
    ASSERT_ARG(zts_connect(fd, "256.1.1.1", 1, 0));
    ASSERT_ARG(zts_bind(fd, NULL, 1));
    ASSERT_ARG(zts_bind(fd, "1.2.3.4.5", 1));
    ASSERT_ARG(zts_accept(fd, buf, ZTS_INET6_ADDRSTRLEN - 1, &port));
    ASSERT_ARG(zts_accept(fd, NULL, ZTS_INET6_ADDRSTRLEN, &port));
    ASSERT_ARG(zts_accept(fd, buf, ZTS_INET6_ADDRSTRLEN, NULL));
    ASSERT_ARG(zts_getpeername(fd, buf, ZTS_INET_ADDRSTRLEN, &port));
    ASSERT_ARG(zts_getsockname(fd, NULL, ZTS_INET6_ADDRSTRLEN, &port));
    ASSERT_ARG(zts_getsockname(fd, buf, ZTS_INET6_ADDRSTRLEN, NULL));
    ASSERT_ARG(zts_tcp_client(NULL, 1));
    ASSERT_ARG(zts_tcp_client("not an address", 1));
    ASSERT_ARG(zts_tcp_server("::1", 1, NULL, ZTS_INET6_ADDRSTRLEN, &port));
    ASSERT_ARG(zts_tcp_server("::1", 1, buf, 16, &port));
    ASSERT_ARG(zts_tcp_server("::1", 1, buf, ZTS_INET6_ADDRSTRLEN, NULL));
    ASSERT_ARG(zts_tcp_server("::g", 1, buf, ZTS_INET6_ADDRSTRLEN, &port));
    ASSERT_ARG(zts_udp_server(NULL, 1));
    ASSERT_ARG(zts_udp_server("", 1));
    ASSERT_ARG(zts_udp_client("1.2.3."));
    assert_string_equal(buf, "untouched");
    assert_int_equal(port, 4242);
    /* Nothing was created by the failed helpers. */
    assert_int_equal(zt__sock_count(), 1);
    ASSERT_KEEPS(zts_close(fd));
}

static void test_args_helpers(void **state)
{
    int fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
    zts_ip_addr ip;

    (void)state;
    memset(&ip, 0, sizeof(ip));
    ASSERT_ARG(zts_set_no_delay(fd, 2));
    ASSERT_ARG(zts_set_no_delay(fd, -1));
    ASSERT_ARG(zts_set_linger(fd, 2, 0));
    ASSERT_ARG(zts_set_linger(fd, 1, -1));
    ASSERT_ARG(zts_set_reuse_addr(fd, 7));
    ASSERT_ARG(zts_set_recv_timeout(fd, -1, 0));
    ASSERT_ARG(zts_set_recv_timeout(fd, 0, -1));
    ASSERT_ARG(zts_set_send_timeout(fd, -1, 0));
    ASSERT_ARG(zts_set_send_buf_size(fd, -1));
    ASSERT_ARG(zts_set_recv_buf_size(fd, -1));
    ASSERT_ARG(zts_set_ttl(fd, -1));
    ASSERT_ARG(zts_set_ttl(fd, 256));
    ASSERT_ARG(zts_set_blocking(fd, 2));
    ASSERT_ARG(zts_set_keepalive(fd, -3));
    ASSERT_ARG(zts_dns_set_server(2, &ip));
    ASSERT_ARG(zts_dns_set_server(0, NULL));
    ip.type = 5; /* neither 0 (IPv4), 6 (IPv6) nor 46 (any) */
    ASSERT_ARG(zts_dns_set_server(0, &ip));
    assert_null(zts_dns_get_server(2));
    assert_null(zts_bsd_gethostbyname(NULL));
    ASSERT_KEEPS(zts_close(fd));
}

/* ---- socket-level failures: -1 with zts_errno and errno ------------------------------------------- */

static void test_socket_errors(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len = loop_addr(ZTS_AF_INET, 9, &ss);
    int v = 0;

    (void)state;
    ASSERT_FAIL(zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_RAW, 0), ZTS_ENOBUFS);
    ASSERT_FAIL(zts_bsd_socket(ZTS_AF_INET, 99, 0), ZTS_EINVAL);
    ASSERT_FAIL(zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, ZTS_IPPROTO_UDPLITE), ZTS_EPROTONOSUPPORT);
    /* Not open: EBADF, and it wins over a bad address (the stack looks the descriptor up first). */
    ASSERT_FAIL(zts_bsd_close(77), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_listen(77, 1), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_accept(77, NULL, NULL), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_connect(77, SA(&ss), len), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_connect(77, SA(&ss), 20), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_fcntl(77, ZTS_F_GETFL, 0), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_ioctl(77, ZTS_FIONREAD, &v), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_ioctl(77, 0x1234, &v), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_recv(77, &v, sizeof(v), 0), ZTS_EBADF);
    ASSERT_FAIL(zts_bsd_send(77, &v, sizeof(v), 0), ZTS_EBADF);
    ASSERT_FAIL(zts_connect(77, "127.0.0.1", 9, 0), ZTS_EBADF);
    ASSERT_FAIL(zts_get_no_delay(77), ZTS_EBADF);
    ASSERT_FAIL(zts_get_blocking(77), ZTS_EBADF);
    ASSERT_FAIL(zts_set_blocking(77, 0), ZTS_EBADF);
    ASSERT_FAIL(zts_get_last_socket_error(77), ZTS_EBADF);
    assert_true(zts_get_data_available(77) == (size_t)(ssize_t)ZTS_ERR_SOCKET);
    ASSERT_FAIL(zts_get_pending_data_size(77), ZTS_EBADF);
    ASSERT_FAIL(zts_getsockname(77, (char[ZTS_INET6_ADDRSTRLEN]){0}, ZTS_INET6_ADDRSTRLEN,
                                &(unsigned short){0}),
                ZTS_EBADF);
}

/* Address rules of the stack (§4.2, §5.7): exactly 16 or 28 bytes, an IPv6 address needs 28,
 * the family byte decides, the length byte and sin_zero are ignored. */
static void test_addr_input(void **state)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len;
    int u4 = zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);
    int u6 = zts_bsd_socket(ZTS_AF_INET6, ZTS_SOCK_DGRAM, 0);

    (void)state;
    len = loop_addr(ZTS_AF_INET, 0, &ss);
    ASSERT_FAIL(zts_bsd_bind(u4, SA(&ss), 20), ZTS_EINVAL);
    ss.s2_len = 99; /* ignored */
    memset((uint8_t *)&ss + 8, 0x5a, 8); /* sin_zero: ignored */
    ASSERT_CLEARS(zts_bsd_bind(u4, SA(&ss), 28)); /* a 28-byte buffer holding IPv4 is fine */
    len = loop_addr(ZTS_AF_INET6, 0, &ss);
    ASSERT_FAIL(zts_bsd_bind(u6, SA(&ss), 16), ZTS_EINVAL);
    ASSERT_FAIL(zts_bsd_bind(u4, SA(&ss), len), ZTS_EAFNOSUPPORT); /* IPv6 on IPv4 */
    ss.ss_family = 99;
    ASSERT_FAIL(zts_bsd_bind(u6, SA(&ss), len), ZTS_EAFNOSUPPORT);
    ss.ss_family = ZTS_AF_UNSPEC;
    ASSERT_FAIL(zts_bsd_bind(u6, SA(&ss), len), ZTS_EAFNOSUPPORT);
    ss.s2_len = 0;
    ss.ss_family = ZTS_AF_INET6;
    ASSERT_CLEARS(zts_bsd_bind(u6, SA(&ss), len));
    ASSERT_KEEPS(zts_bsd_close(u4));
    ASSERT_KEEPS(zts_bsd_close(u6));
}

/* Output rules (§4.2): length byte and family set, port in network order, never more than
 * the caller's length written, the true size reported. */
static void test_addr_output(void **state)
{
    struct zts_sockaddr_storage ss, out;
    struct zts_sockaddr_in in;
    struct zts_sockaddr_in6 in6;
    zts_socklen_t len;
    uint8_t raw[28];
    int u4 = zts_udp_server("127.0.0.1", 4001), u6 = zts_udp_server("::1", 4002);

    (void)state;
    assert_int_equal(u4, 0);
    assert_int_equal(u6, 1);
    memset(&out, 0xaa, sizeof(out));
    len = sizeof(out);
    ASSERT_CLEARS(zts_bsd_getsockname(u4, SA(&out), &len));
    assert_int_equal(len, 16);
    memcpy(&in, &out, sizeof(in));
    assert_int_equal(in.sin_len, 16);
    assert_int_equal(in.sin_family, ZTS_AF_INET);
    assert_int_equal(from_be16(in.sin_port), 4001);
    assert_memory_equal(&in.sin_addr, ((uint8_t[]){127, 0, 0, 1}), 4);
    memcpy(raw, &out, sizeof(raw));
    for (int i = 16; i < 28; i++)
        assert_int_equal(raw[i], 0xaa); /* not one byte past the address */
    len = sizeof(in6);
    ASSERT_CLEARS(zts_bsd_getsockname(u6, SA(&in6), &len));
    assert_int_equal(len, 28);
    assert_int_equal(in6.sin6_len, 28);
    assert_int_equal(in6.sin6_family, ZTS_AF_INET6);
    assert_int_equal(from_be16(in6.sin6_port), 4002);
    assert_int_equal(in6.sin6_flowinfo, 0);
    assert_int_equal(in6.sin6_scope_id, 0);
    loop_addr(ZTS_AF_INET6, 0, &ss);
    assert_memory_equal(&in6.sin6_addr, &((struct zts_sockaddr_in6 *)(void *)&ss)->sin6_addr, 16);
    /* recvfrom with a short buffer: truncated, true size reported */
    assert_int_equal(zts_bsd_sendto(u4, "x", 1, 0, SA(&ss), loop_addr(ZTS_AF_INET, 4001, &ss)), 1);
    memset(raw, 0xaa, sizeof(raw));
    len = 4;
    assert_int_equal(zts_bsd_recvfrom(u4, &in, 1, 0, SA(raw), &len), 1);
    assert_int_equal(len, 16);
    assert_int_equal(raw[0], 16);
    assert_int_equal(raw[1], ZTS_AF_INET);
    assert_int_equal(raw[4], 0xaa);
    ASSERT_KEEPS(zts_close(u4));
    ASSERT_KEEPS(zts_close(u6));
}

/* Text forms of the simplified name calls: lwIP's (IPv6 uppercase, mapped IPv4 as ::FFFF:). */
static void test_addr_text(void **state)
{
    char text[ZTS_INET6_ADDRSTRLEN];
    unsigned short port = 0;
    int u4 = zts_udp_server("127.0.0.1", 4003), u6 = zts_udp_server("::1", 4004);
    int d = zts_udp_client("::1");

    (void)state;
    assert_int_equal(zts_getsockname(u4, text, sizeof(text), &port), 0);
    assert_string_equal(text, "127.0.0.1");
    assert_int_equal(port, 4003);
    assert_int_equal(zts_getsockname(u6, text, sizeof(text), &port), 0);
    assert_string_equal(text, "::1");
    assert_int_equal(port, 4004);
    ASSERT_FAIL(zts_getpeername(u4, text, sizeof(text), &port), ZTS_ENOTCONN);
    /* A dual-stack IPv6 socket connected to an IPv4-mapped address reports it so. */
    assert_int_equal(zts_connect(d, "::ffff:127.0.0.1", 4003, 0), 0);
    assert_int_equal(zts_getpeername(d, text, sizeof(text), &port), 0);
    assert_string_equal(text, "::FFFF:127.0.0.1");
    assert_int_equal(port, 4003);
    ASSERT_KEEPS(zts_close(u4));
    ASSERT_KEEPS(zts_close(u6));
    ASSERT_KEEPS(zts_close(d));
}

/* ---- descriptors ----------------------------------------------------------------------------- */

/* Lowest free number first, from 0 (§5.7); any family but AF_INET6 is IPv4. */
static void test_descriptor_numbers(void **state)
{
    char text[ZTS_INET6_ADDRSTRLEN];
    unsigned short port;
    int a, b, c;

    (void)state;
    a = (int)ASSERT_KEEPS(zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0));
    b = (int)ASSERT_KEEPS(zts_bsd_socket(12345, ZTS_SOCK_DGRAM, ZTS_IPPROTO_TCP));
    c = (int)ASSERT_KEEPS(zts_socket(ZTS_AF_INET6, ZTS_SOCK_STREAM, ZTS_IPPROTO_UDP));
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(c, 2);
    assert_int_equal(zts_getsockname(b, text, sizeof(text), &port), 0);
    assert_string_equal(text, "0.0.0.0");
    assert_int_equal(zts_getsockname(c, text, sizeof(text), &port), 0);
    assert_string_equal(text, "::");
    ASSERT_KEEPS(zts_close(b));
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0), 1);
    ASSERT_KEEPS(zts_close(a));
    ASSERT_KEEPS(zts_close(1));
    ASSERT_KEEPS(zts_close(c));
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0), 0);
    ASSERT_KEEPS(zts_close(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        MSOCK_CASE(test_not_running),
        MSOCK_CASE(test_not_running_helpers),
        MSOCK_CASE(test_args_bsd),
        MSOCK_CASE(test_args_simple),
        MSOCK_CASE(test_args_helpers),
        MSOCK_CASE(test_socket_errors),
        MSOCK_CASE(test_addr_input),
        MSOCK_CASE(test_addr_output),
        MSOCK_CASE(test_addr_text),
        MSOCK_CASE(test_descriptor_numbers),
    };
    int failed = cmocka_run_group_tests_name("msock", tests, msock_setup, NULL);

    failed += msock_io_tests();
    failed += msock_dns_tests();
    return failed;
}
