/*
 * msock_test.h: helpers of the modern API's socket tests (test_msock*.c): assertions on
 * results and zts_errno, loopback addresses, bounded waits.
 *
 * Only the modern public header is used to talk to the library; the socket layer's own
 * header is included for the fixture (the service gate, the descriptor count), after it.
 */
#ifndef ZT_TESTS_MODERN_MSOCK_TEST_H
#define ZT_TESTS_MODERN_MSOCK_TEST_H

#include "libzt-modern/ZeroTierSockets.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "socket/sock.h"
#include "socket/zts_gate.h"
#include "stack/stack.h"

/* Bound of every "should not block" wait: a bug costs this much, then fails. */
#define LONG_MS 20000

/* zts_errno's value before a call that must not touch it. */
#define SENTINEL 4242

/* A call that fails with -1 and |e| in zts_errno and in errno (single-threaded sections). */
#define ASSERT_FAIL(expr, e)                                                                   \
    do {                                                                                       \
        zts_errno = 0;                                                                         \
        errno = 0;                                                                             \
        long long rv_ = (long long)(expr);                                                     \
        if (rv_ != -1 || zts_errno != (e) || errno != (e))                                     \
            fail_msg("%s: rv %lld zts_errno %d errno %d, want -1/%d", #expr, rv_, zts_errno,   \
                     errno, (int)(e));                                                         \
    } while (0)

/* A call that returns |code| and leaves zts_errno alone. */
#define ASSERT_CODE(expr, code)                                                                \
    do {                                                                                       \
        zts_errno = SENTINEL;                                                                  \
        long long rv_ = (long long)(expr);                                                     \
        if (rv_ != (long long)(code) || zts_errno != SENTINEL)                                 \
            fail_msg("%s: rv %lld zts_errno %d, want %lld untouched", #expr, rv_, zts_errno,   \
                     (long long)(code));                                                       \
    } while (0)
#define ASSERT_ARG(expr) ASSERT_CODE(expr, ZTS_ERR_ARG)
#define ASSERT_SERVICE(expr) ASSERT_CODE(expr, ZTS_ERR_SERVICE)

static inline long long check_after(long long rv, int want_errno, const char *what)
{
    if (rv < 0 || zts_errno != want_errno)
        fail_msg("%s: rv %lld zts_errno %d, want >= 0 and zts_errno %d", what, rv, zts_errno,
                 want_errno);
    return rv;
}

/* A successful call that sets zts_errno to 0 (api-modern.md §5.0 rule 2); yields rv. */
#define ASSERT_CLEARS(expr) check_after((zts_errno = SENTINEL, (long long)(expr)), 0, #expr)

/* A successful call that leaves zts_errno alone (socket, close: rule 3); yields rv. */
#define ASSERT_KEEPS(expr)                                                                     \
    check_after((zts_errno = SENTINEL, (long long)(expr)), SENTINEL, #expr)

static inline int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Network byte order by hand (no host headers). */
static inline uint16_t be16(uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    uint16_t r;

    memcpy(&r, b, 2);
    return r;
}

static inline uint16_t from_be16(uint16_t v)
{
    uint8_t b[2];

    memcpy(b, &v, 2);
    return (uint16_t)(b[0] << 8 | b[1]);
}

#define SA(p) ((struct zts_sockaddr *)(void *)(p))

/* 127.0.0.1 or ::1 with |port|; returns the length (16 or 28). */
static inline zts_socklen_t loop_addr(int family, uint16_t port, struct zts_sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (family == ZTS_AF_INET) {
        struct zts_sockaddr_in in;
        static const uint8_t lo[4] = {127, 0, 0, 1};
        memset(&in, 0, sizeof(in));
        in.sin_family = ZTS_AF_INET;
        in.sin_port = be16(port);
        memcpy(&in.sin_addr, lo, 4);
        memcpy(ss, &in, sizeof(in));
        return sizeof(in);
    }
    struct zts_sockaddr_in6 in6;
    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = ZTS_AF_INET6;
    in6.sin6_port = be16(port);
    in6.sin6_addr.un.u8_addr[15] = 1;
    memcpy(ss, &in6, sizeof(in6));
    return sizeof(in6);
}

static inline const char *loop_text(int family)
{
    return family == ZTS_AF_INET ? "127.0.0.1" : "::1";
}

/* Bounds every blocking call on |fd| (the helpers under test). */
static inline void bound(int fd)
{
    assert_int_equal(zts_set_recv_timeout(fd, LONG_MS / 1000, 0), 0);
    assert_int_equal(zts_set_send_timeout(fd, LONG_MS / 1000, 0), 0);
}

/* A TCP listener on loopback |family| at |port| (the simplified calls). */
static inline int listen_on(int family, uint16_t port, int backlog)
{
    int fd = zts_socket(family, ZTS_SOCK_STREAM, 0);

    assert_true(fd >= 0);
    bound(fd);
    assert_int_equal(zts_bind(fd, loop_text(family), port), 0);
    assert_int_equal(zts_listen(fd, backlog), 0);
    return fd;
}

/* Waits (bounded) until |fd| shows one of |events|; returns revents (0: none in time). */
static inline short wait_for(int fd, short events, int ms)
{
    struct zts_pollfd p = {fd, events, 0};
    int rv = zts_bsd_poll(&p, 1, ms);

    if (rv < 0)
        fail_msg("zts_bsd_poll: %d zts_errno %d", rv, zts_errno);
    return rv == 0 ? 0 : p.revents;
}

/* Sends all of |buf|; false on an error. */
static inline bool send_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = zts_send(fd, p, len, 0);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Receives exactly |len| bytes; false on an error or an early end. */
static inline bool recv_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = zts_recv(fd, p, len, 0);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Group setup: the stack up, the service gate open by hand (no node). */
static inline int msock_setup(void **state)
{
    (void)state;
    if (zt__stack_init() != 0)
        return -1;
    zt__sock_set_running(true);
    return 0;
}

/* Teardown of every case: the gate open again, nothing left open (descriptors count from 0). */
static inline int msock_teardown(void **state)
{
    (void)state;
    zt__sock_set_running(true);
    if (zt__sock_count() != 0) {
        fprintf(stderr, "case left %zu descriptors open\n", zt__sock_count());
        zt__sock_close_all();
        return -1;
    }
    return 0;
}

#define MSOCK_CASE(f) cmocka_unit_test_teardown(f, msock_teardown)

/* The groups of test_msock_io.c and test_msock_dns.c (run by test_msock.c's main). */
int msock_io_tests(void);
int msock_dns_tests(void);

#endif
