/*
 * test_lwip.c: lwIP 2.1.3 as we build it (lwipopts.h + our pthread port) works end to end.
 *
 * One tcpip_thread for the whole run (lwIP cannot be initialised twice in a process).  Over
 * the loopback netif, with lwIP's socket API only:
 *   - TCP over 127.0.0.1: a server thread takes 1 MiB from a client and sends 1 MiB back;
 *     both sides check every byte;
 *   - TCP over ::1, smaller, to prove the IPv6 path;
 *   - UDP over 127.0.0.1: a datagram goes out and comes back, with the sender's address;
 * plus the port's own contract (semaphore and mailbox timeouts, FIFO order, bounded posts).
 * Every blocking call has a timeout, so a broken stack fails instead of hanging.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/def.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#define BULK_LEN (1024u * 1024u)
#define IO_TIMEOUT_S 10

/* ---- helpers ------------------------------------------------------------------------------ */

static void on_tcpip_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

static int setup_stack(void **state)
{
    sys_sem_t ready;

    (void)state;
    if (sys_sem_new(&ready, 0) != ERR_OK)
        return -1;
    tcpip_init(on_tcpip_ready, &ready);
    if (sys_arch_sem_wait(&ready, 5000) == SYS_ARCH_TIMEOUT)
        return -1;
    sys_sem_free(&ready);
    return 0;
}

/* Byte |i| of stream |seed|: not periodic at any small stride, so a lost, duplicated or
 * reordered segment shows. */
static uint8_t pattern(uint32_t seed, size_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u + seed;

    x ^= x >> 15;
    return (uint8_t)(x ^ (x >> 7));
}

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern(seed, i);
}

static size_t first_mismatch(const uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern(seed, i))
            return i;
    return len;
}

static int set_timeouts(int s)
{
    struct timeval tv = {.tv_sec = IO_TIMEOUT_S, .tv_usec = 0};

    if (lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
        return -1;
    return lwip_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int send_all(int s, const uint8_t *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = lwip_send(s, buf + off, len - off, 0);
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

static int recv_all(int s, uint8_t *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = lwip_recv(s, buf + off, len - off, 0);
        if (n <= 0)
            return -1; /* error, timeout (EAGAIN) or early end of stream */
        off += (size_t)n;
    }
    return 0;
}

/* Fills |ss| with |host| (4 or 16 bytes, network order) and |port|; returns its length. */
static socklen_t make_addr(struct sockaddr_storage *ss, int family, const uint8_t *host,
                           uint16_t port)
{
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_len = sizeof(*sin);
        sin->sin_family = AF_INET;
        sin->sin_port = lwip_htons(port);
        memcpy(&sin->sin_addr, host, 4);
        return sizeof(*sin);
    }
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_len = sizeof(*sin6);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = lwip_htons(port);
    memcpy(&sin6->sin6_addr, host, 16);
    return sizeof(*sin6);
}

static const uint8_t v4_loopback[4] = {127, 0, 0, 1};
static const uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* ---- TCP ---------------------------------------------------------------------------------- */

typedef struct {
    int listen_fd;
    size_t len;
    int result;      /* 0 ok; otherwise the step that failed */
    size_t mismatch; /* first bad byte received, or len */
} tcp_server;

/* Accepts one connection, reads |len| bytes of stream 1, checks them, sends |len| bytes of
 * stream 2 and closes.  Runs on its own thread; reports through |srv->result|. */
static void *tcp_server_main(void *arg)
{
    tcp_server *srv = arg;
    uint8_t *buf = malloc(srv->len);
    int fd = -1;

    srv->result = 1;
    if (buf == NULL)
        goto out;
    fd = lwip_accept(srv->listen_fd, NULL, NULL);
    srv->result = 2;
    if (fd < 0 || set_timeouts(fd) != 0)
        goto out;
    srv->result = 3;
    if (recv_all(fd, buf, srv->len) != 0)
        goto out;
    srv->mismatch = first_mismatch(buf, srv->len, 1);
    fill(buf, srv->len, 2);
    srv->result = 4;
    if (send_all(fd, buf, srv->len) != 0)
        goto out;
    srv->result = 0;
out:
    if (fd >= 0)
        lwip_close(fd);
    free(buf);
    return NULL;
}

static void tcp_exchange(int family, const uint8_t *host, uint16_t port, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sslen = make_addr(&ss, family, host, port);
    tcp_server srv = {.listen_fd = -1, .len = len, .result = -1, .mismatch = 0};
    pthread_t tid;
    uint8_t *buf = malloc(len);
    uint8_t extra;
    int fd;

    assert_non_null(buf);
    srv.listen_fd = lwip_socket(family, SOCK_STREAM, 0);
    assert_true(srv.listen_fd >= 0);
    assert_int_equal(set_timeouts(srv.listen_fd), 0);
    assert_int_equal(lwip_bind(srv.listen_fd, (struct sockaddr *)&ss, sslen), 0);
    assert_int_equal(lwip_listen(srv.listen_fd, 4), 0);
    assert_int_equal(pthread_create(&tid, NULL, tcp_server_main, &srv), 0);

    fd = lwip_socket(family, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(set_timeouts(fd), 0);
    assert_int_equal(lwip_connect(fd, (struct sockaddr *)&ss, sslen), 0);
    fill(buf, len, 1);
    assert_int_equal(send_all(fd, buf, len), 0);
    memset(buf, 0, len);
    assert_int_equal(recv_all(fd, buf, len), 0);
    /* The server closed after sending: end of stream, not more data. */
    assert_int_equal(lwip_recv(fd, &extra, 1, 0), 0);

    assert_int_equal(pthread_join(tid, NULL), 0);
    assert_int_equal(srv.result, 0);
    assert_int_equal(srv.mismatch, len);
    assert_int_equal(first_mismatch(buf, len, 2), len);

    assert_int_equal(lwip_close(fd), 0);
    assert_int_equal(lwip_close(srv.listen_fd), 0);
    free(buf);
}

static void test_tcp_ipv4_1mib(void **state)
{
    (void)state;
    tcp_exchange(AF_INET, v4_loopback, 7001, BULK_LEN);
}

static void test_tcp_ipv6(void **state)
{
    (void)state;
    tcp_exchange(AF_INET6, v6_loopback, 7002, 256u * 1024u);
}

/* ---- UDP ---------------------------------------------------------------------------------- */

static void test_udp_round_trip(void **state)
{
    struct sockaddr_storage a_addr, b_addr, from;
    socklen_t a_len = make_addr(&a_addr, AF_INET, v4_loopback, 7101);
    socklen_t b_len = make_addr(&b_addr, AF_INET, v4_loopback, 7102);
    socklen_t from_len;
    uint8_t out[1200], in[2000];
    ssize_t n;
    int a, b;

    (void)state;
    a = lwip_socket(AF_INET, SOCK_DGRAM, 0);
    b = lwip_socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(set_timeouts(a), 0);
    assert_int_equal(set_timeouts(b), 0);
    assert_int_equal(lwip_bind(a, (struct sockaddr *)&a_addr, a_len), 0);
    assert_int_equal(lwip_bind(b, (struct sockaddr *)&b_addr, b_len), 0);

    fill(out, sizeof(out), 3);
    n = lwip_sendto(a, out, sizeof(out), 0, (struct sockaddr *)&b_addr, b_len);
    assert_int_equal(n, sizeof(out));

    /* b receives it from a's address and port, and sends it back. */
    from_len = sizeof(from);
    n = lwip_recvfrom(b, in, sizeof(in), 0, (struct sockaddr *)&from, &from_len);
    assert_int_equal(n, sizeof(out));
    assert_memory_equal(in, out, sizeof(out));
    assert_int_equal(from_len, sizeof(struct sockaddr_in));
    assert_int_equal(((struct sockaddr_in *)&from)->sin_port, lwip_htons(7101));
    assert_memory_equal(&((struct sockaddr_in *)&from)->sin_addr, v4_loopback, 4);
    n = lwip_sendto(b, in, (size_t)n, 0, (struct sockaddr *)&from, from_len);
    assert_int_equal(n, sizeof(out));

    memset(in, 0, sizeof(in));
    n = lwip_recv(a, in, sizeof(in), 0);
    assert_int_equal(n, sizeof(out));
    assert_memory_equal(in, out, sizeof(out));

    assert_int_equal(lwip_close(a), 0);
    assert_int_equal(lwip_close(b), 0);
}

static void test_udp_recv_times_out(void **state)
{
    struct sockaddr_storage addr;
    socklen_t len = make_addr(&addr, AF_INET, v4_loopback, 7103);
    /* Longer than lwIP's 1 s timers (IP and IPv6 reassembly, ND6, MLD, ...), so each of
     * them runs at least once while the stack is up. */
    struct timeval tv = {.tv_sec = 1, .tv_usec = 200 * 1000};
    uint8_t buf[16];
    u32_t start;
    int s;

    (void)state;
    s = lwip_socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(s >= 0);
    assert_int_equal(lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    assert_int_equal(lwip_bind(s, (struct sockaddr *)&addr, len), 0);
    start = sys_now();
    assert_int_equal(lwip_recv(s, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN); /* lwIP sets libc's errno, with libc's values */
    assert_true(sys_now() - start >= 1190);
    assert_int_equal(lwip_close(s), 0);
}

/* ---- the port ----------------------------------------------------------------------------- */

static void test_sem_timeout(void **state)
{
    sys_sem_t sem;
    u32_t start;

    (void)state;
    assert_int_equal(sys_sem_new(&sem, 1), ERR_OK);
    assert_true(sys_sem_valid(&sem));
    assert_true(sys_arch_sem_wait(&sem, 1000) != SYS_ARCH_TIMEOUT); /* initial count */
    start = sys_now();
    assert_int_equal(sys_arch_sem_wait(&sem, 50), SYS_ARCH_TIMEOUT);
    assert_true(sys_now() - start >= 50);
    sys_sem_signal(&sem);
    assert_true(sys_arch_sem_wait(&sem, 0) != SYS_ARCH_TIMEOUT); /* 0: forever, returns */
    sys_sem_free(&sem);
    sys_sem_set_invalid(&sem);
    assert_false(sys_sem_valid(&sem));
}

static void test_mbox_bounded_fifo(void **state)
{
    sys_mbox_t mb;
    int items[3];
    void *msg = NULL;
    u32_t start;

    (void)state;
    assert_int_equal(sys_mbox_new(&mb, 2), ERR_OK);
    assert_int_equal(sys_mbox_trypost(&mb, &items[0]), ERR_OK);
    sys_mbox_post(&mb, &items[1]);
    assert_int_equal(sys_mbox_trypost(&mb, &items[2]), ERR_MEM); /* full */
    assert_true(sys_arch_mbox_fetch(&mb, &msg, 1000) != SYS_ARCH_TIMEOUT);
    assert_ptr_equal(msg, &items[0]);
    assert_int_equal(sys_mbox_trypost(&mb, &items[2]), ERR_OK); /* wraps around */
    assert_int_equal(sys_arch_mbox_tryfetch(&mb, &msg), 0);
    assert_ptr_equal(msg, &items[1]);
    assert_true(sys_arch_mbox_fetch(&mb, &msg, 0) != SYS_ARCH_TIMEOUT);
    assert_ptr_equal(msg, &items[2]);
    assert_int_equal(sys_arch_mbox_tryfetch(&mb, &msg), SYS_MBOX_EMPTY);
    start = sys_now();
    assert_int_equal(sys_arch_mbox_fetch(&mb, &msg, 50), SYS_ARCH_TIMEOUT);
    assert_true(sys_now() - start >= 50);
    sys_mbox_free(&mb);
    assert_false(sys_mbox_valid(&mb));
}

static void test_random_varies(void **state)
{
    u32_t first = LWIP_RAND();
    bool differs = false;

    (void)state;
    /* 2^-32 per draw of a false failure; eight draws make it negligible. */
    for (int i = 0; i < 8 && !differs; i++)
        differs = LWIP_RAND() != first;
    assert_true(differs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sem_timeout),
        cmocka_unit_test(test_mbox_bounded_fifo),
        cmocka_unit_test(test_random_varies),
        cmocka_unit_test(test_tcp_ipv4_1mib),
        cmocka_unit_test(test_tcp_ipv6),
        cmocka_unit_test(test_udp_round_trip),
        cmocka_unit_test(test_udp_recv_times_out),
    };

    return cmocka_run_group_tests_name("lwip", tests, setup_stack, NULL);
}
