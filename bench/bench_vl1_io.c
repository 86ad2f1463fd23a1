/*
 * bench_vl1_io.c: the harness of bench_vl1 (bench_vl1.h): clock, non-blocking UDP sockets on
 * 127.0.0.1, and nodes on them driven by one poll() loop that arms each node's
 * zt__node_next_deadline().
 */
#include "bench_vl1.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"

#define RCVBUF (1 << 20)
#define MAX_NODES 3

/* ---- clock ---------------------------------------------------------------------------- */

int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t now_ms(void)
{
    return now_ns() / 1000000;
}

void die(const char *what)
{
    fprintf(stderr, "bench_vl1: %s (errno %d: %s)\n", what, errno, strerror(errno));
    exit(1);
}

/* ---- sockets -------------------------------------------------------------------------- */

/* A non-blocking UDP socket on 127.0.0.1, ephemeral port; its address goes to |out|. */
int udp_open(struct sockaddr_in *out)
{
    struct sockaddr_in sin;
    socklen_t alen = sizeof(sin);
    int one = RCVBUF;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    if (fd < 0)
        die("socket");
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
        die("bind");
    if (getsockname(fd, (struct sockaddr *)&sin, &alen) != 0)
        die("getsockname");
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
        die("fcntl");
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
    *out = sin;
    return fd;
}

static void sin_to_inetaddr(const struct sockaddr_in *sin, zt_inetaddr *a)
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    memcpy(a->ip, &sin->sin_addr, 4);
    a->port = ntohs(sin->sin_port);
}

/* ---- nodes ---------------------------------------------------------------------------- */

static bnode *active[MAX_NODES];
static int nactive;

static int on_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                   size_t len, unsigned ttl)
{
    bnode *b = user;
    struct sockaddr_in sin;
    ssize_t n;

    (void)local_socket; /* each node has one socket */
    if (to->family != 4) {
        b->tx_v6++;
        return ZT_ERR_UNSUPPORTED;
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    memcpy(&sin.sin_addr, to->ip, 4);
    sin.sin_port = htons(to->port);
    if (ttl != 0) {
        int t = (int)ttl;
        b->tx_ttl++;
        (void)setsockopt(b->fd, IPPROTO_IP, IP_TTL, &t, sizeof(t));
    }
    n = sendto(b->fd, data, len, 0, (const struct sockaddr *)&sin, sizeof(sin));
    if (ttl != 0)
        (void)setsockopt(b->fd, IPPROTO_IP, IP_TTL, &b->default_ttl, sizeof(b->default_ttl));
    if (n != (ssize_t)len) {
        b->tx_errors++;
        return ZT_ERR_IO;
    }
    b->tx++;
    b->tx_bytes += len;
    return 0;
}

static void on_event(void *user, const zt_node_event *ev)
{
    bnode *b = user;

    switch (ev->type) {
    case ZT_NODE_EVENT_ONLINE:
        if (!b->online)
            b->online_ns = now_ns();
        b->online = true;
        break;
    case ZT_NODE_EVENT_OFFLINE:
        b->online = false;
        break;
    case ZT_NODE_EVENT_PEER_DIRECT:
        b->direct_peer = ev->peer;
        break;
    case ZT_NODE_EVENT_USER_MESSAGE:
        b->messages++;
        b->message_bytes += ev->len;
        if (ev->message_type == MSG_TYPE + 1)
            b->pongs++;
        break;
    case ZT_NODE_EVENT_ECHO_REPLY:
        b->echo_replies++;
        b->echo_reply_ns = now_ns();
        break;
    default:
        break;
    }
}

uint8_t planet[ZT_WORLD_MAX_SERIALIZED];
size_t planet_len;
static uint8_t seed_counter;

/* Creates b->node (b->id, b->fd set up already). */
void node_start(bnode *b, bool eager)
{
    zt_node_config cfg;
    zt_node_callbacks cb = {.user = b, .send = on_send, .event = on_event};
    int64_t t;

    zt__node_config_default(&cfg);
    cfg.identity = &b->id;
    if (getrandom(cfg.seed, sizeof(cfg.seed), 0) != (ssize_t)sizeof(cfg.seed))
        cfg.seed[0] = ++seed_counter;
    cfg.planet = planet;
    cfg.planet_len = planet_len;
    cfg.allow_loopback_paths = true;
    b->online = false;
    t = now_ms();
    if (zt__node_new(&b->node, &cfg, &cb, t) != 0) {
        fprintf(stderr, "bench_vl1: zt__node_new failed\n");
        exit(1);
    }
    if (eager && zt__node_process_timers(b->node, t) != 0) {
        fprintf(stderr, "bench_vl1: zt__node_process_timers failed\n");
        exit(1);
    }
    active[nactive++] = b;
}

void node_stop(bnode *b)
{
    for (int i = 0; i < nactive; i++)
        if (active[i] == b) {
            active[i] = active[--nactive];
            break;
        }
    zt__node_del(b->node);
    b->node = NULL;
}

void bnode_init(bnode *b, const char *name)
{
    socklen_t tl = sizeof(b->default_ttl);

    memset(b, 0, sizeof(*b));
    b->name = name;
    if (zt__identity_generate(&b->id, NULL) != 0) {
        fprintf(stderr, "bench_vl1: identity generation failed\n");
        exit(1);
    }
    b->fd = udp_open(&b->sin);
    if (getsockopt(b->fd, IPPROTO_IP, IP_TTL, &b->default_ttl, &tl) != 0)
        b->default_ttl = 64;
    sin_to_inetaddr(&b->sin, &b->addr);
}

/* Drains up to RECV_BATCH datagrams from b's socket into its node. */
unsigned node_read(bnode *b)
{
    uint8_t buf[16384];
    unsigned count = 0;

    while (count < RECV_BATCH) {
        struct sockaddr_storage ss;
        socklen_t alen = sizeof(ss);
        zt_inetaddr from;
        ssize_t n = recvfrom(b->fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &alen);
        int rv;

        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                die("recvfrom");
            break;
        }
        count++;
        if (ss.ss_family != AF_INET)
            continue;
        sin_to_inetaddr((const struct sockaddr_in *)&ss, &from);
        rv = zt__node_recv_datagram(b->node, 0, &from, buf, (size_t)n, now_ms());
        if (zt__err_is_fatal(rv)) {
            fprintf(stderr, "bench_vl1: %s: fatal %d\n", b->name, rv);
            exit(1);
        }
    }
    return count;
}

void node_timers(void)
{
    int64_t t = now_ms();
    for (int i = 0; i < nactive; i++)
        if (zt__node_next_deadline(active[i]->node) <= t &&
            zt__node_process_timers(active[i]->node, t) != 0) {
            fprintf(stderr, "bench_vl1: %s: timers failed\n", active[i]->name);
            exit(1);
        }
}

/* One pass of the event loop: poll the sockets (at most |max_wait_ms|, less if a node's
 * deadline comes first), feed what arrived, run due timers. */
void pump(int64_t max_wait_ms)
{
    struct pollfd pfd[MAX_NODES];
    int64_t t = now_ms(), wait = max_wait_ms;

    for (int i = 0; i < nactive; i++) {
        int64_t d = zt__node_next_deadline(active[i]->node) - t;
        if (d < wait)
            wait = d;
        pfd[i].fd = active[i]->fd;
        pfd[i].events = POLLIN;
        pfd[i].revents = 0;
    }
    if (wait < 0)
        wait = 0;
    if (poll(pfd, (nfds_t)nactive, (int)wait) < 0 && errno != EINTR)
        die("poll");
    for (int i = 0; i < nactive; i++)
        if (pfd[i].revents & POLLIN)
            (void)node_read(active[i]);
    node_timers();
}

/* Pumps until *flag becomes true or |timeout_ms| passes; returns *flag. */
bool pump_until_flag(const bool *flag, int64_t timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    while (!*flag && now_ms() < end)
        pump(end - now_ms());
    return *flag;
}

bool has_direct_path(const bnode *from, const bnode *to)
{
    zt_peer_info info;

    if (zt__node_peer(from->node, zt__node_address(to->node), &info) != 0)
        return false;
    for (unsigned i = 0; i < info.npaths; i++)
        if (info.paths[i].alive && info.paths[i].remote.port == to->addr.port &&
            memcmp(info.paths[i].remote.ip, to->addr.ip, 4) == 0)
            return true;
    return false;
}

void drain_socket(int fd)
{
    uint8_t buf[2048];
    while (recv(fd, buf, sizeof(buf), 0) >= 0)
        ;
}
