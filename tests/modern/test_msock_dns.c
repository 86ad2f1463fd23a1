/*
 * test_msock_dns.c: the modern API's resolver (api-modern.md §5.9) over the stack's loopback
 * netif (msock_dns_tests(), run by test_msock.c): the two servers in the client's zts_ip_addr
 * layout, literal names, no server, and a real lookup answered by a small DNS server made of
 * the API's own UDP calls on 127.0.0.1:53.
 */
#include "msock_test.h"

static const uint8_t answer_ip[4] = {10, 9, 8, 7};

static void server_set4(uint8_t index, const uint8_t ip[4])
{
    zts_ip_addr a;

    memset(&a, 0, sizeof(a));
    a.type = 0;
    memcpy(&a.u_addr.ip4.addr, ip, 4);
    assert_int_equal(zts_dns_set_server(index, &a), ZTS_ERR_OK);
}

static void servers_clear(void)
{
    zts_ip_addr any;

    memset(&any, 0, sizeof(any));
    any.type = 46;
    assert_int_equal(zts_dns_set_server(0, &any), ZTS_ERR_OK);
    assert_int_equal(zts_dns_set_server(1, &any), ZTS_ERR_OK);
}

static void test_dns_servers(void **state)
{
    static const uint8_t lo[4] = {127, 0, 0, 1};
    const zts_ip_addr *got;
    zts_ip_addr a6;

    (void)state;
    assert_int_equal(sizeof(zts_ip_addr), 20); /* the client's layout (§4.8) */
    got = zts_dns_get_server(0);
    assert_non_null(got);
    assert_int_equal(got->type, 0); /* unset: the any address */
    assert_int_equal(got->u_addr.ip4.addr, 0);
    server_set4(0, lo);
    got = zts_dns_get_server(0);
    assert_int_equal(got->type, 0);
    assert_memory_equal(&got->u_addr.ip4.addr, lo, 4);
    memset(&a6, 0, sizeof(a6));
    a6.type = 6;
    a6.u_addr.ip6.addr[0] = 0x12345678u;
    a6.u_addr.ip6.addr[3] = 0x9abcdef0u;
    assert_int_equal(zts_dns_set_server(1, &a6), ZTS_ERR_OK);
    got = zts_dns_get_server(1);
    assert_int_equal(got->type, 6);
    assert_memory_equal(got->u_addr.ip6.addr, a6.u_addr.ip6.addr, 16);
    servers_clear();
    got = zts_dns_get_server(1);
    assert_int_equal(got->type, 0);
    assert_int_equal(got->u_addr.ip4.addr, 0);
}

static void test_dns_literals(void **state)
{
    struct zts_hostent *h;
    static const uint8_t v4[4] = {10, 1, 2, 3};
    uint8_t v6[16] = {0};

    (void)state;
    h = zts_bsd_gethostbyname("10.1.2.3");
    assert_non_null(h);
    assert_string_equal(h->h_name, "10.1.2.3");
    assert_int_equal(h->h_addrtype, ZTS_AF_INET);
    assert_int_equal(h->h_length, 4);
    assert_memory_equal(h->h_addr, v4, 4);
    assert_null(h->h_addr_list[1]);
    assert_null(h->h_aliases[0]);
    h = zts_bsd_gethostbyname("::1");
    assert_non_null(h);
    v6[15] = 1;
    assert_int_equal(h->h_addrtype, ZTS_AF_INET6);
    assert_int_equal(h->h_length, 16);
    assert_memory_equal(h->h_addr_list[0], v6, 16);
    assert_null(zts_bsd_gethostbyname(""));
}

static void test_dns_no_server(void **state)
{
    int64_t t0 = now_ms();

    (void)state;
    servers_clear();
    assert_null(zts_bsd_gethostbyname("nowhere.example"));
    assert_true(now_ms() - t0 < 5000);
}

/* ---- a DNS server on 127.0.0.1:53 ------------------------------------------------------------- */

typedef struct {
    int fd;
    int answered; /* queries answered */
} dns_server;

/* The length of the header and question of |q| (|n| bytes), or 0 if malformed. */
static size_t question_end(const uint8_t *q, size_t n)
{
    size_t i = 12;

    while (i < n && q[i] != 0) {
        if (q[i] >= 64)
            return 0;
        i += (size_t)q[i] + 1;
    }
    return i + 5 <= n ? i + 5 : 0;
}

/* Answers each A query with answer_ip until no query comes for a while. */
static void *dns_main(void *arg)
{
    dns_server *d = arg;
    uint8_t q[512], r[600];
    struct zts_sockaddr_storage from;
    static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};

    for (;;) {
        zts_socklen_t flen = sizeof(from);
        ssize_t n = zts_bsd_recvfrom(d->fd, q, sizeof(q), 0, SA(&from), &flen);
        size_t qe;
        if (n <= 0)
            break; /* the receive timeout: the test is over */
        qe = question_end(q, (size_t)n);
        if (qe == 0 || q[qe - 4] != 0 || q[qe - 3] != 1)
            continue; /* not an A query */
        memcpy(r, q, qe);
        r[2] = 0x81; /* a response, recursion desired and available, no error */
        r[3] = 0x80;
        r[6] = 0;
        r[7] = 1; /* one answer */
        memset(r + 8, 0, 4);
        memcpy(r + qe, rr, sizeof(rr));
        memcpy(r + qe + sizeof(rr), answer_ip, 4);
        if (zts_bsd_sendto(d->fd, r, qe + sizeof(rr) + 4, 0, SA(&from), flen) > 0)
            d->answered++;
    }
    return NULL;
}

static void test_dns_lookup(void **state)
{
    static const uint8_t lo[4] = {127, 0, 0, 1};
    dns_server d = {zts_udp_server("127.0.0.1", 53), 0};
    struct zts_hostent *h;
    pthread_t t;

    (void)state;
    assert_true(d.fd >= 0);
    assert_int_equal(zts_set_recv_timeout(d.fd, 2, 0), 0);
    assert_int_equal(pthread_create(&t, NULL, dns_main, &d), 0);
    server_set4(0, lo);
    h = zts_bsd_gethostbyname("node.example.zt");
    pthread_join(t, NULL);
    servers_clear();
    assert_non_null(h);
    assert_string_equal(h->h_name, "node.example.zt");
    assert_int_equal(h->h_addrtype, ZTS_AF_INET);
    assert_int_equal(h->h_length, 4);
    assert_memory_equal(h->h_addr, answer_ip, 4);
    assert_true(d.answered >= 1);
    ASSERT_KEEPS(zts_close(d.fd));
}

int msock_dns_tests(void)
{
    const struct CMUnitTest tests[] = {
        MSOCK_CASE(test_dns_servers),
        MSOCK_CASE(test_dns_literals),
        MSOCK_CASE(test_dns_no_server),
        MSOCK_CASE(test_dns_lookup),
    };

    return cmocka_run_group_tests_name("msock_dns", tests, msock_setup, NULL);
}
