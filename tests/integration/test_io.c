/*
 * test_io.c: the runtime's OS boundary on loopback: the event loop (timer, wakeup from another
 * thread, removal during dispatch) and UDP (batched send and receive, per-datagram TTL,
 * truncation, port in use), plus a small measurement of sendmmsg batching.  A plain program:
 * prints "ok <name>" per check and exits non-zero on the first failure.  Sockets are bound to
 * 127.0.0.1 / ::1 only, and every wait is bounded by a watchdog timer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/clock.h"
#include "io/loop.h"
#include "io/udp.h"

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

static const uint8_t lo4[4] = {127, 0, 0, 1};
static const uint8_t lo6[16] = {[15] = 1};

static void to_addr(int family, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, lo4, 4);
        sin->sin_port = htons(port);
        *len = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, lo6, 16);
        sin6->sin6_port = htons(port);
        *len = sizeof(*sin6);
    }
}

/* ---------------------------------------------------------------- loop: timer, wakeup */

typedef struct loop_state {
    int timer_fired, wakeups, reads;
    int64_t fired_at;
    bool stop_on_timer, stop_on_wakeup;
} loop_state;

static void on_timer(zt_loop *loop, void *arg)
{
    loop_state *st = arg;
    st->timer_fired++;
    st->fired_at = zt__io_clock_ms();
    if (st->stop_on_timer)
        zt__loop_stop(loop);
}

static void on_wakeup(zt_loop *loop, void *arg)
{
    loop_state *st = arg;
    st->wakeups++;
    if (st->stop_on_wakeup)
        zt__loop_stop(loop);
}

static void test_timer(void)
{
    loop_state st = {.stop_on_timer = true};
    zt_loop *loop;
    int64_t t0;

    CHECK(zt__loop_new(&loop, on_timer, on_wakeup, &st) == 0);
    t0 = zt__io_clock_ms();
    CHECK(zt__loop_set_timer(loop, t0 + 1000) == 0);
    CHECK(zt__loop_set_timer(loop, t0 + 50) == 0); /* re-arming replaces */
    CHECK(zt__loop_run(loop) == 0);
    CHECK(st.timer_fired == 1);
    CHECK(st.fired_at - t0 >= 50);
    CHECK(st.fired_at - t0 < 900);
    zt__loop_del(loop);

    /* A deadline in the past fires at once. */
    memset(&st, 0, sizeof(st));
    st.stop_on_timer = true;
    CHECK(zt__loop_new(&loop, on_timer, NULL, &st) == 0);
    CHECK(zt__loop_set_timer(loop, 0) == 0);
    t0 = zt__io_clock_ms();
    CHECK(zt__loop_run(loop) == 0);
    CHECK(st.timer_fired == 1 && st.fired_at - t0 < 500);
    zt__loop_del(loop);
    printf("ok timer\n");
}

static void *wake_later(void *arg)
{
    zt_loop *loop = arg;
    struct timespec ts = {0, 30 * 1000000L};
    nanosleep(&ts, NULL);
    CHECK(zt__loop_wakeup(loop) == 0);
    return NULL;
}

static void *stop_later(void *arg)
{
    zt_loop *loop = arg;
    struct timespec ts = {0, 30 * 1000000L};
    nanosleep(&ts, NULL);
    zt__loop_stop(loop);
    return NULL;
}

static void test_wakeup_and_stop(void)
{
    loop_state st = {.stop_on_wakeup = true};
    zt_loop *loop;
    pthread_t t;

    CHECK(zt__loop_new(&loop, on_timer, on_wakeup, &st) == 0);
    /* Watchdog: a lost wakeup would fail the test (the timer would fire first). */
    CHECK(zt__loop_set_timer(loop, zt__io_clock_ms() + 5000) == 0);
    CHECK(pthread_create(&t, NULL, wake_later, loop) == 0);
    CHECK(zt__loop_run(loop) == 0);
    pthread_join(t, NULL);
    CHECK(st.wakeups == 1 && st.timer_fired == 0);
    zt__loop_del(loop);

    memset(&st, 0, sizeof(st));
    CHECK(zt__loop_new(&loop, on_timer, on_wakeup, &st) == 0);
    CHECK(zt__loop_set_timer(loop, ZT_LOOP_NEVER) == 0);
    CHECK(pthread_create(&t, NULL, stop_later, loop) == 0);
    CHECK(zt__loop_run(loop) == 0); /* returns because of the other thread's stop */
    pthread_join(t, NULL);
    CHECK(zt__loop_is_stopping(loop));
    zt__loop_del(loop);
    printf("ok wakeup and stop from another thread\n");
}

/* ---------------------------------------------------------------- UDP through the loop */

#define NDGRAMS 500

typedef struct udp_state {
    zt_io_udp_rx rx;
    int fd_a, fd_b, removed_fd;
    unsigned got, calls;
    bool in_order;
    loop_state ls;
} udp_state;

static void on_readable(zt_loop *loop, int fd, void *arg)
{
    udp_state *st = arg;
    int n;

    st->calls++;
    while ((n = zt__io_udp_recv(fd, &st->rx)) > 0) {
        for (unsigned i = 0; i < (unsigned)n; i++) {
            size_t len;
            const uint8_t *d = zt__io_udp_rx_data(&st->rx, i, &len);
            uint32_t seq;
            CHECK(!zt__io_udp_rx_is_truncated(&st->rx, i));
            CHECK(len == 100 + st->got % 900);
            memcpy(&seq, d, 4);
            if (seq != st->got)
                st->in_order = false;
            CHECK(d[len - 1] == (uint8_t)seq);
            st->got++;
        }
    }
    CHECK(n == 0);
    if (st->got == NDGRAMS)
        zt__loop_stop(loop);
}

static void test_udp_batch(int family)
{
    udp_state st;
    zt_io_udp_tx tx;
    zt_loop *loop;
    struct sockaddr_storage to;
    socklen_t tolen;
    uint16_t pa, pb;
    uint8_t buf[1024];
    int rv;

    memset(&st, 0, sizeof(st));
    st.in_order = true;
    rv = zt__io_udp_open(family, family == AF_INET ? lo4 : lo6, 0, ZT_IO_UDP_BUFFER, &st.fd_a,
                        &pa);
    if (rv == ZT_ERR_UNSUPPORTED && family == AF_INET6) {
        printf("ok udp batch IPv6 (skipped: no IPv6 loopback here)\n");
        return;
    }
    CHECK(rv == 0 && pa != 0);
    CHECK(zt__io_udp_open(family, family == AF_INET ? lo4 : lo6, 0, ZT_IO_UDP_BUFFER, &st.fd_b,
                         &pb) == 0);
    CHECK(zt__io_udp_rx_init(&st.rx, 64) == 0);
    CHECK(zt__io_udp_tx_init(&tx, 64, 2048) == 0);
    CHECK(zt__loop_new(&loop, on_timer, NULL, &st.ls) == 0);
    st.ls.stop_on_timer = true;
    CHECK(zt__loop_set_timer(loop, zt__io_clock_ms() + 10000) == 0); /* watchdog */
    CHECK(zt__loop_add(loop, st.fd_b, on_readable, &st) == 0);
    CHECK(zt__loop_add(loop, st.fd_b, on_readable, &st) == ZT_ERR_EXISTS);

    to_addr(family, pb, &to, &tolen);
    for (uint32_t i = 0; i < NDGRAMS; i++) {
        size_t len = 100 + i % 900;
        memset(buf, (uint8_t)i, len);
        memcpy(buf, &i, 4);
        rv = zt__io_udp_tx_queue(&tx, st.fd_a, (struct sockaddr *)&to, tolen, buf, len);
        if (rv == ZT_ERR_LIMIT) {
            CHECK(zt__io_udp_tx_flush(&tx) == 0);
            rv = zt__io_udp_tx_queue(&tx, st.fd_a, (struct sockaddr *)&to, tolen, buf, len);
        }
        CHECK(rv == 0);
        /* Let the receiver keep up now and then: loopback drops on a full buffer too. */
        if (i % 128 == 127) {
            CHECK(zt__io_udp_tx_flush(&tx) == 0);
        }
    }
    CHECK(zt__io_udp_tx_flush(&tx) == 0);
    CHECK(tx.sent == NDGRAMS);
    CHECK(tx.syscalls <= NDGRAMS / 64 + 8); /* batched, not one call per datagram */
    CHECK(zt__loop_run(loop) == 0);
    CHECK(st.ls.timer_fired == 0);
    CHECK(st.got == NDGRAMS);
    CHECK(st.in_order);
    CHECK(zt__io_udp_tx_queue(&tx, st.fd_a, (struct sockaddr *)&to, tolen, buf, 4096) ==
          ZT_ERR_RANGE);

    printf("ok udp batch IPv%d (%u datagrams, %llu sendmmsg calls, %u wakeups)\n",
           family == AF_INET ? 4 : 6, st.got, (unsigned long long)tx.syscalls, st.calls);
    zt__loop_del(loop);
    zt__io_udp_tx_clear(&tx);
    zt__io_udp_rx_clear(&st.rx);
    close(st.fd_a);
    close(st.fd_b);
}

/* Waits up to 2 s for one datagram on |fd|. */
static int recv_one(int fd, zt_io_udp_rx *rx)
{
    for (int i = 0; i < 200; i++) {
        int n = zt__io_udp_recv(fd, rx);
        if (n != 0)
            return n;
        usleep(10000);
    }
    return 0;
}

static void test_udp_ttl_truncation_in_use(void)
{
    zt_io_udp_rx rx;
    struct sockaddr_storage to;
    socklen_t tolen;
    static uint8_t big[ZT_IO_UDP_MAX_DATAGRAM + 100];
    uint16_t pa, pb, px;
    int fa, fb, fx, ttl = 0;
    socklen_t olen = sizeof(ttl);
    size_t len;

    CHECK(zt__io_udp_open(AF_INET, lo4, 0, 0, &fa, &pa) == 0);
    CHECK(zt__io_udp_open(AF_INET, lo4, 0, 0, &fb, &pb) == 0);
    CHECK(zt__io_udp_rx_init(&rx, 32) == 0);
    to_addr(AF_INET, pb, &to, &tolen);

    /* TTL 2 is enough on loopback, and the socket's own TTL is back afterwards. */
    CHECK(zt__io_udp_send(fa, (struct sockaddr *)&to, tolen, "ttl", 3, 2) == 0);
    CHECK(recv_one(fb, &rx) == 1);
    CHECK(zt__io_udp_rx_data(&rx, 0, &len) != NULL && len == 3);
    CHECK(getsockopt(fa, IPPROTO_IP, IP_TTL, &ttl, &olen) == 0);
    CHECK(ttl != 2 && ttl > 0);
    /* The sender's address is the bound one. */
    CHECK(((const struct sockaddr_in *)zt__io_udp_rx_from(&rx, 0))->sin_port == htons(pa));

    /* Longer than we receive: flagged, not passed on as if whole. */
    CHECK(zt__io_udp_send(fa, (struct sockaddr *)&to, tolen, big, sizeof(big), 0) == 0);
    CHECK(recv_one(fb, &rx) == 1);
    CHECK(zt__io_udp_rx_is_truncated(&rx, 0));

    /* The same port twice: "in use". */
    CHECK(zt__io_udp_open(AF_INET, lo4, pa, 0, &fx, &px) == ZT_ERR_EXISTS);

    zt__io_udp_rx_clear(&rx);
    close(fa);
    close(fb);
    printf("ok udp ttl, truncation, port in use\n");
}

/* Removing a descriptor inside a callback: its pending event is not delivered. */
typedef struct rm_state {
    int fd1, fd2, calls1, calls2;
} rm_state;

static void on_rm(zt_loop *loop, int fd, void *arg)
{
    rm_state *st = arg;
    if (fd == st->fd1) {
        st->calls1++;
        CHECK(zt__loop_remove(loop, st->fd2) == 0);
        CHECK(zt__loop_remove(loop, st->fd1) == 0);
    } else {
        st->calls2++;
        CHECK(zt__loop_remove(loop, st->fd1) == 0);
        CHECK(zt__loop_remove(loop, st->fd2) == 0);
    }
    zt__loop_stop(loop);
}

static void test_remove_in_callback(void)
{
    rm_state st = {0};
    zt_loop *loop;
    int p1[2], p2[2];

    CHECK(pipe(p1) == 0 && pipe(p2) == 0);
    st.fd1 = p1[0];
    st.fd2 = p2[0];
    CHECK(write(p1[1], "x", 1) == 1 && write(p2[1], "y", 1) == 1);
    CHECK(zt__loop_new(&loop, NULL, NULL, NULL) == 0);
    CHECK(zt__loop_add(loop, st.fd1, on_rm, &st) == 0);
    CHECK(zt__loop_add(loop, st.fd2, on_rm, &st) == 0);
    CHECK(zt__loop_run(loop) == 0);
    CHECK(st.calls1 + st.calls2 == 1);
    CHECK(zt__loop_remove(loop, st.fd1) == ZT_ERR_NOTFOUND);
    zt__loop_del(loop);
    close(p1[0]);
    close(p1[1]);
    close(p2[0]);
    close(p2[1]);
    printf("ok remove during dispatch\n");
}

/* Not a check: how much sendmmsg saves over one sendto per datagram, on this machine. */
static void measure_batching(void)
{
    enum { N = 20000, LEN = 1400 };
    zt_io_udp_tx tx;
    zt_io_udp_rx rx;
    struct sockaddr_storage to;
    socklen_t tolen;
    static uint8_t buf[LEN];
    uint16_t pa, pb;
    int fa, fb;
    int64_t t0, t1, t2;

    CHECK(zt__io_udp_open(AF_INET, lo4, 0, ZT_IO_UDP_BUFFER, &fa, &pa) == 0);
    CHECK(zt__io_udp_open(AF_INET, lo4, 0, ZT_IO_UDP_BUFFER, &fb, &pb) == 0);
    CHECK(zt__io_udp_tx_init(&tx, 64, 2048) == 0);
    CHECK(zt__io_udp_rx_init(&rx, 64) == 0);
    to_addr(AF_INET, pb, &to, &tolen);

    t0 = zt__io_clock_ms();
    for (int i = 0; i < N; i++) {
        (void)zt__io_udp_send(fa, (struct sockaddr *)&to, tolen, buf, LEN, 0);
        if (i % 64 == 63)
            while (zt__io_udp_recv(fb, &rx) > 0)
                ;
    }
    t1 = zt__io_clock_ms();
    for (int i = 0; i < N; i++) {
        if (zt__io_udp_tx_queue(&tx, fa, (struct sockaddr *)&to, tolen, buf, LEN) ==
            ZT_ERR_LIMIT) {
            (void)zt__io_udp_tx_flush(&tx);
            (void)zt__io_udp_tx_queue(&tx, fa, (struct sockaddr *)&to, tolen, buf, LEN);
            while (zt__io_udp_recv(fb, &rx) > 0)
                ;
        }
    }
    (void)zt__io_udp_tx_flush(&tx);
    t2 = zt__io_clock_ms();
    printf("measure: %d datagrams of %d bytes: sendto %lld ms, sendmmsg x64 %lld ms\n", N, LEN,
           (long long)(t1 - t0), (long long)(t2 - t1));
    zt__io_udp_tx_clear(&tx);
    zt__io_udp_rx_clear(&rx);
    close(fa);
    close(fb);
}

int main(void)
{
    test_timer();
    test_wakeup_and_stop();
    test_remove_in_callback();
    test_udp_batch(AF_INET);
    test_udp_batch(AF_INET6);
    test_udp_ttl_truncation_in_use();
    measure_batching();
    printf("all io checks passed\n");
    return 0;
}
