/*
 * runner_tcp.c: the TCP fallback relay, client side (docs/protocol/vl1.md §5, "TCP fallback
 * relay"; docs/internals/runner.md, "TCP fallback").  When no UDP has come from a global
 * address for 60 s, IPv4 datagrams to global addresses also go, framed, through one TCP
 * connection to the relay, and what the relay sends back is handed to the node as datagrams
 * of the IPv4 UDP socket: the tunnel is invisible to the node, whose paths stay what they are
 * (the runner decides, datagram by datagram, where they go).  UDP keeps being tried; the tunnel
 * closes after 30 s of renewed UDP from a global address (or 30 s without a datagram that
 * wanted it).  forceTcpRelay tunnels every IPv4 datagram at
 * once and sends none of them by UDP.  I/O thread only.
 */
#include "sdk/runner_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec/relay_frame.h"
#include "io/clock.h"

#define TUNNEL_AFTER_MS 60000      /* no UDP from a global address this long: tunnel */
#define TUNNEL_IDLE_MS 30000       /* not needed this long: closed */
#define TUNNEL_RETRY_MS 5000       /* between connect attempts */
#define TUNNEL_TX_MAX (1024 * 1024) /* queued for the relay; beyond: dropped, as UDP would */

static void tunnel_close(zt_runner *r, const char *why)
{
    zt_runner_tunnel *t = &r->tunnel;

    if (t->fd < 0)
        return;
    (void)zt__loop_remove(r->loop, t->fd);
    close(t->fd);
    t->fd = -1;
    t->connected = false;
    t->rx_len = 0;
    t->tx_off = t->tx_len = 0;
    zt__runner_log(r, ZT_RUNNER_LOG_INFO, "tcp relay: tunnel closed (%s)", why);
}

bool zt__runner_tunnel_active(const zt_runner *r)
{
    return r->tunnel.connected;
}

void zt__runner_tunnel_udp_received(zt_runner *r, const zt_inetaddr *from, int64_t now)
{
    zt_runner_tunnel *t = &r->tunnel;

    if (zt__inetaddr_scope(from) != ZT_IP_SCOPE_GLOBAL)
        return;
    if (t->fd >= 0 && t->udp_back_since == 0)
        t->udp_back_since = now; /* UDP again while tunneling: the tunnel's last 30 s begin */
    t->last_global_udp = now;
}

bool zt__runner_tunnel_wanted(zt_runner *r, const zt_inetaddr *to)
{
    if (to->family != 4 || r->cfg.tcp_relay.family == 0)
        return false;
    if (r->cfg.tcp_force)
        return true;
    /* The clock only once the cheap tests pass: this runs for every IPv4 datagram sent. */
    if (!r->cfg.tcp_fallback || zt__inetaddr_scope(to) != ZT_IP_SCOPE_GLOBAL ||
        zt__io_clock_ms() - r->tunnel.last_global_udp < TUNNEL_AFTER_MS)
        return false;
    for (unsigned i = 0; i < r->tunnel.n_own4; i++)
        if (memcmp(r->tunnel.own4[i], to->ip, 4) == 0)
            return false; /* this host */
    return true;
}

void zt__runner_tunnel_own_addresses(zt_runner *r, const zt_inetaddr *addrs, size_t n)
{
    r->tunnel.n_own4 = 0;
    for (size_t i = 0; i < n && r->tunnel.n_own4 < ZT_RUNNER_TUNNEL_OWN4; i++)
        if (addrs[i].family == 4)
            memcpy(r->tunnel.own4[r->tunnel.n_own4++], addrs[i].ip, 4);
}

/* Wakes on writability only while connecting or with a queue (one epoll_ctl per change, not
 * per datagram). */
static void want_write(zt_runner *r, bool want)
{
    zt_runner_tunnel *t = &r->tunnel;

    if (t->fd >= 0 && t->want_write != want &&
        zt__loop_want_write(r->loop, t->fd, want) == 0)
        t->want_write = want;
}

/* Sends what is queued, as far as the connection takes it.  What is sent is only skipped
 * (tx_off): the queue is moved down when a message does not fit behind it (tunnel_queue), so
 * a slow connection costs no copy per send. */
static void tunnel_flush(zt_runner *r)
{
    zt_runner_tunnel *t = &r->tunnel;

    while (t->connected && t->tx_off < t->tx_len) {
        ssize_t n = send(t->fd, t->tx + t->tx_off, t->tx_len - t->tx_off,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            tunnel_close(r, strerror(errno));
            return;
        }
        t->tx_off += (size_t)n;
    }
    if (t->tx_off == t->tx_len)
        t->tx_off = t->tx_len = 0;
    want_write(r, !t->connected || t->tx_len > 0);
}

/* Appends one message to the send queue; false when it does not fit (dropped). */
static bool tunnel_queue(zt_runner_tunnel *t, const zt_inetaddr *to, const uint8_t *data,
                         size_t len)
{
    zt_relay_addr a = {.family = ZT_RELAY_AF_INET, .port = to->port};
    zt_ssize n;

    if (t->tx == NULL && (t->tx = malloc(TUNNEL_TX_MAX)) == NULL)
        return false;
    memcpy(a.ip, to->ip, 4);
    n = zt__relay_frame_write(t->tx + t->tx_len, TUNNEL_TX_MAX - t->tx_len, &a, data, len);
    if (n < 0 && t->tx_off > 0) { /* room below what was sent: the queue moves down once */
        memmove(t->tx, t->tx + t->tx_off, t->tx_len - t->tx_off);
        t->tx_len -= t->tx_off;
        t->tx_off = 0;
        n = zt__relay_frame_write(t->tx + t->tx_len, TUNNEL_TX_MAX - t->tx_len, &a, data, len);
    }
    if (n < 0)
        return false;
    t->tx_len += (size_t)n;
    return true;
}

static void on_tunnel_io(zt_loop *loop, int fd, void *arg);

/* A non-blocking connect to the relay, the hello queued first. */
static void tunnel_open(zt_runner *r, int64_t now)
{
    zt_runner_tunnel *t = &r->tunnel;
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1;
    zt_ssize n;

    if (now - t->last_attempt < TUNNEL_RETRY_MS || !zt__runner_to_sockaddr(&r->cfg.tcp_relay,
                                                                           &ss, &len))
        return;
    t->last_attempt = now;
    if (t->tx == NULL && (t->tx = malloc(TUNNEL_TX_MAX)) == NULL)
        return;
    t->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0)
        return;
    (void)setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if ((connect(t->fd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) ||
        zt__loop_add(r->loop, t->fd, on_tunnel_io, r) != 0) {
        zt__runner_log(r, ZT_RUNNER_LOG_WARN, "tcp relay: cannot connect: %s", strerror(errno));
        close(t->fd);
        t->fd = -1;
        return;
    }
    n = zt__relay_frame_write_hello(t->tx, TUNNEL_TX_MAX, ZT_NODE_VERSION_MAJOR,
                                    ZT_NODE_VERSION_MINOR, ZT_NODE_VERSION_REVISION);
    t->tx_off = 0;
    t->tx_len = n > 0 ? (size_t)n : 0;
    t->udp_back_since = 0;
    t->want_write = false;
    want_write(r, true);
    zt__runner_log(r, ZT_RUNNER_LOG_INFO, "tcp relay: connecting%s",
                   r->cfg.tcp_force ? " (forceTcpRelay)" : " (no UDP from a global address)");
}

int zt__runner_tunnel_send(zt_runner *r, const zt_inetaddr *to, const uint8_t *data,
                           size_t len, int64_t now)
{
    zt_runner_tunnel *t = &r->tunnel;

    t->last_needed = now;
    if (t->fd < 0)
        tunnel_open(r, now);
    if (t->fd < 0)
        return ZT_ERR_IO;
    if (!tunnel_queue(t, to, data, len))
        return ZT_ERR_LIMIT;
    tunnel_flush(r);
    return 0;
}

/* The local socket tunneled datagrams seem to arrive on: the first IPv4 UDP socket (any
 * socket when there is none), so that the node answers on the same path and cb_send decides. */
static int64_t tunnel_local_socket(const zt_runner *r)
{
    for (unsigned i = 0; i < r->nsocks; i++)
        if (r->socks[i].family == AF_INET)
            return (int64_t)r->socks[i].index;
    return ZT_LOCAL_SOCKET_ANY;
}

/* Every whole message received: relay hellos skipped, datagrams to the node. */
static void tunnel_deliver(zt_runner *r, int64_t now)
{
    zt_runner_tunnel *t = &r->tunnel;
    size_t off = 0;

    while (off < t->rx_len) {
        zt_ssize n = zt__relay_frame_scan(t->rx + off, t->rx_len - off, ZT_RELAY_BODY_MAX);
        zt_relay_msg msg;
        zt_inetaddr from;
        if (n == 0)
            break;
        if (n < 0 || zt__relay_frame_parse(t->rx + off + ZT_RELAY_HEAD_LEN,
                                           (size_t)n - ZT_RELAY_HEAD_LEN, &msg) != 0) {
            tunnel_close(r, "the relay sent what is not its framing");
            return;
        }
        off += (size_t)n;
        if (msg.type != ZT_RELAY_MSG_DATA || msg.addr.family == ZT_RELAY_AF_NONE)
            continue;
        if (msg.addr.family == ZT_RELAY_AF_INET)
            zt__inetaddr_set4(&from, msg.addr.ip, msg.addr.port);
        else
            zt__inetaddr_set6(&from, msg.addr.ip, msg.addr.port);
        if (zt__err_is_fatal(zt__node_recv_datagram(r->node, tunnel_local_socket(r), &from,
                                                    msg.data, msg.len, now))) {
            zt__runner_fail(r, ZT_ERR_INTERNAL, "zt__node_recv_datagram (tunnel)");
            return;
        }
    }
    memmove(t->rx, t->rx + off, t->rx_len - off);
    t->rx_len -= off;
}

static void tunnel_connected(zt_runner *r)
{
    zt_runner_tunnel *t = &r->tunnel;
    int err = 0;
    socklen_t len = sizeof(err);

    if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        tunnel_close(r, strerror(err != 0 ? err : errno));
        return;
    }
    t->connected = true;
    zt__runner_log(r, ZT_RUNNER_LOG_INFO, "tcp relay: tunnel up");
}

static void on_tunnel_io(zt_loop *loop, int fd, void *arg)
{
    zt_runner *r = arg;
    zt_runner_tunnel *t = &r->tunnel;
    int64_t now = zt__io_clock_ms();
    bool got = false;

    (void)loop;
    (void)fd;
    if (!t->connected)
        tunnel_connected(r);
    while (t->connected) {
        ssize_t n = recv(t->fd, t->rx + t->rx_len, sizeof(t->rx) - t->rx_len, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            tunnel_close(r, n == 0 ? "the relay closed it" : strerror(errno));
            break;
        }
        t->rx_len += (size_t)n;
        tunnel_deliver(r, now);
        got = true;
    }
    tunnel_flush(r);
    if (got)
        zt__runner_after_node(r);
}

void zt__runner_tunnel_timers(zt_runner *r, int64_t now)
{
    zt_runner_tunnel *t = &r->tunnel;

    if (t->fd < 0 || r->cfg.tcp_force)
        return;
    if (now - t->last_global_udp >= TUNNEL_AFTER_MS)
        t->udp_back_since = 0; /* UDP went quiet again */
    if ((t->udp_back_since != 0 && now - t->udp_back_since >= TUNNEL_IDLE_MS) ||
        now - t->last_needed >= TUNNEL_IDLE_MS)
        tunnel_close(r, "UDP works again");
}

void zt__runner_tunnel_init(zt_runner *r, int64_t now)
{
    r->tunnel.fd = -1;
    r->tunnel.last_global_udp = now; /* the first 60 s are UDP's */
    r->tunnel.last_attempt = now - TUNNEL_RETRY_MS;
}

void zt__runner_tunnel_free(zt_runner *r)
{
    if (r->tunnel.fd >= 0) {
        if (r->loop != NULL)
            (void)zt__loop_remove(r->loop, r->tunnel.fd);
        close(r->tunnel.fd);
        r->tunnel.fd = -1;
    }
    free(r->tunnel.tx);
    r->tunnel.tx = NULL;
}
