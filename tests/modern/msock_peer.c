/*
 * msock_peer.c: one node of msock_e2e.sh, written as a user of the modern API would (only
 * include/libzt-modern on the include path, linked with libzt-modern.a): it starts from its
 * storage directory, joins the network, waits for an IPv4 and an IPv6 address, prints
 *
 *     ready node=<id> ip4=<address> ip6=<address>
 *
 * and then plays its role:
 *
 *   msock_peer <home> <nwid hex> server <port> <stop file>
 *       TCP echo through zts_tcp_server on <ip4>:<port> and [<ip6>]:<port+1> (one connection
 *       each); a dual-stack non-blocking listener on [::]:<port+4> served with zts_bsd_poll;
 *       UDP echo through zts_udp_server on <ip4>:<port+2> and [<ip6>]:<port+3).  Ends when the
 *       stop file appears.
 *   msock_peer <home> <nwid hex> client <server ip4> <server ip6> <port>
 *       tcp4, tcp6: zts_tcp_client, 512 KiB echoed byte-exact, half-close, the end of stream;
 *       nb4, nb6: non-blocking zts_connect (EINPROGRESS, poll, SO_ERROR, then 0), an echo;
 *       udp4, udp6: zts_udp_client, datagrams echoed with their sender checked.
 *
 * Each case prints "PASS <case> ..." or "FAIL <case> <why>"; the client exits 1 if any failed.
 * Every wait is bounded (ZTS_PEER_ALARM seconds in all, default 120).
 */
#include "ZeroTierSockets.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XFER (512u * 1024)
#define WAIT_S 60

static uint64_t nwid;
static char my4[ZTS_INET6_ADDRSTRLEN], my6[ZTS_INET6_ADDRSTRLEN];
static const char *stop_file;
static int failures;
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&out_mu);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static bool fail_case(const char *c, const char *why)
{
    say("FAIL %s %s (zts_errno %d)", c, why, zts_errno);
    __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    return false;
}

static bool stopping(void)
{
    struct stat st;

    return stop_file != NULL && stat(stop_file, &st) == 0;
}

static uint8_t pat(size_t i)
{
    return (uint8_t)((i * 2654435761u) >> 13);
}

/* ---- the node ----------------------------------------------------------------------------- */

static bool start_node(const char *home)
{
    int i;

    if (zts_init_from_storage(home) != ZTS_ERR_OK || zts_node_start() != ZTS_ERR_OK)
        return false;
    for (i = 0; i < WAIT_S * 10 && !zts_node_is_online(); i++)
        zts_util_delay(100);
    if (!zts_node_is_online() || zts_net_join(nwid) != ZTS_ERR_OK)
        return false;
    for (i = 0; i < WAIT_S * 10; i++) {
        if (zts_net_transport_is_ready(nwid) == 1 && zts_addr_is_assigned(nwid, ZTS_AF_INET) &&
            zts_addr_is_assigned(nwid, ZTS_AF_INET6))
            break;
        zts_util_delay(100);
    }
    if (zts_addr_get_str(nwid, ZTS_AF_INET, my4, sizeof(my4)) != ZTS_ERR_OK ||
        zts_addr_get_str(nwid, ZTS_AF_INET6, my6, sizeof(my6)) != ZTS_ERR_OK)
        return false;
    say("ready node=%010llx ip4=%s ip6=%s", (unsigned long long)zts_node_get_id(), my4, my6);
    return true;
}

/* ---- server --------------------------------------------------------------------------------- */

typedef struct {
    const char *name, *ip;
    unsigned short port;
} job;

/* Echoes one connection until its end (the first read at the end: 0 with ENOTCONN). */
static void *tcp_echo_main(void *arg)
{
    const job *j = arg;
    char peer[ZTS_INET6_ADDRSTRLEN];
    unsigned short pport = 0;
    static __thread uint8_t buf[16384];
    size_t total = 0;
    ssize_t n;
    int fd;

    fd = zts_tcp_server(j->ip, j->port, peer, sizeof(peer), &pport);
    if (fd < 0) {
        fail_case(j->name, "zts_tcp_server");
        return NULL;
    }
    zts_set_recv_timeout(fd, WAIT_S, 0);
    while ((n = zts_read(fd, buf, sizeof(buf))) > 0) {
        if (zts_write(fd, buf, (size_t)n) != n)
            break;
        total += (size_t)n;
    }
    /* Several threads use the API here: zts_errno is shared, the host errno is each one's. */
    if (n == 0 && errno == ENOTCONN && zts_read(fd, buf, 1) == -1 && errno == ENOTCONN)
        say("PASS %s peer=%s:%u bytes=%zu", j->name, peer, pport, total);
    else
        fail_case(j->name, "echo");
    zts_close(fd);
    return NULL;
}

/* UDP echo until the stop file: every datagram goes back to its sender. */
static void *udp_echo_main(void *arg)
{
    const job *j = arg;
    uint8_t buf[4096];
    struct zts_sockaddr_storage from;
    int fd = zts_udp_server(j->ip, j->port), n_echoed = 0;

    if (fd < 0) {
        fail_case(j->name, "zts_udp_server");
        return NULL;
    }
    zts_set_recv_timeout(fd, 0, 300000);
    while (!stopping()) {
        zts_socklen_t flen = sizeof(from);
        ssize_t n = zts_bsd_recvfrom(fd, buf, sizeof(buf), 0, (struct zts_sockaddr *)&from, &flen);
        if (n >= 0 && zts_bsd_sendto(fd, buf, (size_t)n, 0, (struct zts_sockaddr *)&from, flen) == n)
            n_echoed++;
    }
    say("%s echoed=%d", j->name, n_echoed);
    zts_close(fd);
    return NULL;
}

/* The non-blocking listener on [::]:|port|: accepts and echoes with zts_bsd_poll. */
static void *poll_echo_main(void *arg)
{
    const job *j = arg;
    struct zts_pollfd p[16];
    int l = zts_socket(ZTS_AF_INET6, ZTS_SOCK_STREAM, 0), n = 1;
    char buf[512];

    if (l < 0 || zts_bind(l, "::", j->port) != 0 || zts_listen(l, 8) != 0 ||
        zts_set_blocking(l, 0) != 0) {
        fail_case(j->name, "listener");
        return NULL;
    }
    p[0].fd = l;
    p[0].events = ZTS_POLLIN;
    while (!stopping()) {
        if (zts_bsd_poll(p, (zts_nfds_t)n, 300) <= 0)
            continue;
        for (int i = n - 1; i >= 1; i--) {
            ssize_t r;
            if (!(p[i].revents & (ZTS_POLLIN | ZTS_POLLERR)))
                continue;
            r = zts_recv(p[i].fd, buf, sizeof(buf), ZTS_MSG_DONTWAIT);
            if (r > 0) {
                zts_send(p[i].fd, buf, (size_t)r, 0);
            } else if (r == 0 || errno != EAGAIN) {
                zts_close(p[i].fd);
                p[i] = p[--n];
            }
        }
        if ((p[0].revents & ZTS_POLLIN) && n < 16) {
            char peer[ZTS_INET6_ADDRSTRLEN];
            unsigned short pport;
            int a = zts_accept(l, peer, sizeof(peer), &pport);
            if (a >= 0) {
                say("%s accepted peer=%s:%u", j->name, peer, pport);
                p[n].fd = a;
                p[n].events = ZTS_POLLIN;
                n++;
            }
        }
    }
    for (int i = 0; i < n; i++)
        zts_close(p[i].fd);
    return NULL;
}

static int run_server(unsigned short port)
{
    job jobs[5] = {{"srv_tcp4", my4, port},
                   {"srv_tcp6", my6, (unsigned short)(port + 1)},
                   {"srv_udp4", my4, (unsigned short)(port + 2)},
                   {"srv_udp6", my6, (unsigned short)(port + 3)},
                   {"srv_poll", "::", (unsigned short)(port + 4)}};
    void *(*mains[5])(void *) = {tcp_echo_main, tcp_echo_main, udp_echo_main, udp_echo_main,
                                 poll_echo_main};
    pthread_t t[5];

    for (int i = 0; i < 5; i++)
        pthread_create(&t[i], NULL, mains[i], &jobs[i]);
    /* The TCP echo threads end with their connection; the others with the stop file. */
    for (int i = 0; i < 5; i++)
        pthread_join(t[i], NULL);
    return failures == 0 ? 0 : 1;
}

/* ---- client ------------------------------------------------------------------------------- */

/* tcp4/tcp6: zts_tcp_client (retrying until the server listens), XFER bytes out, the echo
 * back, a half-close, and the end of stream as lwIP reports it. */
static bool case_tcp(const char *c, const char *ip, unsigned short port)
{
    static uint8_t out[XFER], in[XFER];
    char local[ZTS_INET6_ADDRSTRLEN], peer[ZTS_INET6_ADDRSTRLEN];
    unsigned short lport = 0, pport = 0;
    size_t got = 0;
    int fd = zts_tcp_client(ip, port);

    if (fd < 0)
        return fail_case(c, "zts_tcp_client");
    zts_set_recv_timeout(fd, WAIT_S, 0);
    zts_set_send_timeout(fd, WAIT_S, 0);
    for (size_t i = 0; i < XFER; i++)
        out[i] = pat(i);
    for (size_t sent = 0; sent < XFER;) {
        ssize_t n = zts_write(fd, out + sent, XFER - sent);
        if (n <= 0)
            return fail_case(c, "write");
        sent += (size_t)n;
        /* read what came back meanwhile, so that neither side's window fills */
        while (got < sent && zts_get_pending_data_size(fd) > 0) {
            ssize_t r = zts_read(fd, in + got, XFER - got);
            if (r <= 0)
                return fail_case(c, "read");
            got += (size_t)r;
        }
    }
    if (zts_shutdown_wr(fd) != 0)
        return fail_case(c, "shutdown_wr");
    while (got < XFER) {
        ssize_t r = zts_read(fd, in + got, XFER - got);
        if (r <= 0)
            return fail_case(c, "read echo");
        got += (size_t)r;
    }
    if (memcmp(in, out, XFER) != 0)
        return fail_case(c, "echo differs");
    if (zts_read(fd, in, 1) != 0 || zts_errno != ZTS_ENOTCONN || zts_read(fd, in, 1) != -1)
        return fail_case(c, "end of stream");
    if (zts_getsockname(fd, local, sizeof(local), &lport) != 0 ||
        zts_getpeername(fd, peer, sizeof(peer), &pport) != 0)
        return fail_case(c, "names");
    say("PASS %s bytes=%u local=%s:%u peer=%s:%u", c, XFER, local, lport, peer, pport);
    zts_close(fd);
    return true;
}

/* nb4/nb6: a non-blocking connect through zts_connect, completed with poll and SO_ERROR. */
static bool case_nonblocking(const char *c, const char *ip, unsigned short port)
{
    int family = zts_util_get_ip_family(ip), fd = zts_socket(family, ZTS_SOCK_STREAM, 0), rv;
    struct zts_pollfd p = {fd, ZTS_POLLOUT, 0};
    char buf[8];

    if (fd < 0 || zts_set_blocking(fd, 0) != 0)
        return fail_case(c, "socket");
    rv = zts_connect(fd, ip, port, 0);
    if (rv != -1 || zts_errno != ZTS_EINPROGRESS)
        return fail_case(c, "connect did not say EINPROGRESS");
    if (zts_bsd_poll(&p, 1, WAIT_S * 1000) != 1 || p.revents != ZTS_POLLOUT)
        return fail_case(c, "poll");
    if (zts_get_last_socket_error(fd) != 0 || zts_connect(fd, ip, port, 0) != 0)
        return fail_case(c, "not connected");
    if (zts_set_blocking(fd, 1) != 0 || zts_set_recv_timeout(fd, WAIT_S, 0) != 0 ||
        zts_write(fd, "nonblk", 6) != 6 || zts_read(fd, buf, sizeof(buf)) != 6 ||
        memcmp(buf, "nonblk", 6) != 0)
        return fail_case(c, "echo");
    say("PASS %s", c);
    zts_close(fd);
    return true;
}

/* udp4/udp6: datagrams to the echo server (retried: the first may be lost while the path to
 * the peer is set up), each answered from the address it was sent to. */
static bool case_udp(const char *c, const char *ip, unsigned short port)
{
    struct zts_sockaddr_storage to, from;
    zts_socklen_t tolen = sizeof(to), flen;
    char text[ZTS_INET6_ADDRSTRLEN];
    unsigned short fport;
    uint8_t msg[1200], back[1300];
    int fd = zts_udp_client(ip), echoed = 0;

    if (fd < 0 || zts_util_ipstr_to_saddr(ip, port, (struct zts_sockaddr *)&to, &tolen) != 0)
        return fail_case(c, "socket");
    zts_set_recv_timeout(fd, 0, 500000);
    for (int seq = 0; seq < 40 && echoed < 5; seq++) {
        memset(msg, seq, sizeof(msg));
        if (zts_bsd_sendto(fd, msg, sizeof(msg), 0, (struct zts_sockaddr *)&to, tolen) != 1200)
            return fail_case(c, "sendto");
        flen = sizeof(from);
        ssize_t n = zts_bsd_recvfrom(fd, back, sizeof(back), 0, (struct zts_sockaddr *)&from, &flen);
        if (n < 0)
            continue;
        if (n != 1200 || zts_util_ntop((struct zts_sockaddr *)&from, flen, text, sizeof(text),
                                       &fport) != 0 || fport != port || flen != tolen ||
            memcmp((uint8_t *)&from + 4, (uint8_t *)&to + 4, tolen - 4) != 0)
            return fail_case(c, "echo from elsewhere");
        echoed++;
    }
    if (echoed < 5)
        return fail_case(c, "too few echoes");
    say("PASS %s echoed=%d from=%s:%u", c, echoed, text, fport);
    zts_close(fd);
    return true;
}

static int run_client(const char *ip4, const char *ip6, unsigned short port)
{
    case_tcp("tcp4", ip4, port);
    case_tcp("tcp6", ip6, (unsigned short)(port + 1));
    case_nonblocking("nb4", ip4, (unsigned short)(port + 4));
    case_nonblocking("nb6", ip6, (unsigned short)(port + 4));
    case_udp("udp4", ip4, (unsigned short)(port + 2));
    case_udp("udp6", ip6, (unsigned short)(port + 3));
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *alarm_s = getenv("ZTS_PEER_ALARM");
    int rc;

    if (argc < 5 || (strcmp(argv[3], "server") == 0 && argc != 6) ||
        (strcmp(argv[3], "client") == 0 && argc != 7)) {
        fprintf(stderr, "usage: %s <home> <nwid> server <port> <stop file>\n"
                        "       %s <home> <nwid> client <ip4> <ip6> <port>\n",
                argv[0], argv[0]);
        return 2;
    }
    alarm(alarm_s != NULL ? (unsigned)atoi(alarm_s) : 120);
    nwid = strtoull(argv[2], NULL, 16);
    if (!start_node(argv[1])) {
        say("FAIL start node not ready (zts_errno %d)", zts_errno);
        return 1;
    }
    if (strcmp(argv[3], "server") == 0) {
        stop_file = argv[5];
        rc = run_server((unsigned short)atoi(argv[4]));
    } else {
        rc = run_client(argv[4], argv[5], (unsigned short)atoi(argv[6]));
    }
    /* Stop and free in one (after zts_node_stop, zts_node_free would say ZTS_ERR_SERVICE);
     * then the socket calls are refused (§5.0: FREED). */
    {
        int free_rv = zts_node_free();
        say("stopped zts_node_free=%d socket_after=%d", free_rv,
            zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0));
    }
    return rc;
}
