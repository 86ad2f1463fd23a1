/*
 * zt-service: runs one node (docs/service.md): the node with its home directory and UDP
 * ports, the root role when the identity is a root of the planet, the local HTTP API on the
 * primary port (api.c; --no-api turns it off), one log line per event on stderr, and a clean
 * stop on SIGINT/SIGTERM.
 *
 * With --controller a network controller runs beside the node (records in
 * HOME/controller.d/controller.sqlite3); --join joins networks at start.  The VL2 test actions
 * (--answer-arp-icmp, --ping-ip) build their frames with responder.c; options.c reads the
 * command line (one table row per option).
 *
 * Threads: the runner's I/O thread drives the node and calls on_event(); this main thread
 * waits for signals and issues the test actions (--ping, --message, --ping-ip) through the
 * runner's thread-safe commands.  The responder runs in on_event(), on the I/O thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/inetaddr.h"
#include "io/clock.h"
#include "sdk/home.h"
#include "sdk/runner.h"
#include "api.h"
#include "netstack.h"
#include "responder.h"
#include "service.h"
#include "util/hex.h"

#define BROADCAST_MAC 0xffffffffffffULL
#define ICMP_PAYLOAD 56

/* One line per event: "<UTC time> <level> <message>", written with a single write(2) so lines
 * from the two threads never interleave. */
static void logline(service *svc, zt_runner_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void vlogline(service *svc, zt_runner_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vlogline(service *svc, zt_runner_log_level level, const char *fmt, va_list ap)
{
    char line[1024];
    int64_t ms = zt__io_clock_wall_ms();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    size_t n;
    int m;

    if (level > svc->level)
        return;
    gmtime_r(&secs, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    m = snprintf(line + n, sizeof(line) - n, ".%03dZ %s ", (int)(ms % 1000),
                 zt__svc_level_names[level]);
    if (m > 0)
        n += (size_t)m;
    m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    if (m > 0)
        n += (size_t)m < sizeof(line) - n - 1 ? (size_t)m : sizeof(line) - n - 2;
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}

static void logline(service *svc, zt_runner_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlogline(svc, level, fmt, ap);
    va_end(ap);
}

void zt__svc_log(service *svc, zt_runner_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlogline(svc, level, fmt, ap);
    va_end(ap);
}

static void on_log(void *user, zt_runner_log_level level, const char *msg)
{
    logline(user, level, "%s", msg);
}

static void fmt_addr(const zt_inetaddr *a, char *out, size_t cap)
{
    if (zt__inetaddr_format(a, out, cap) < 0)
        snprintf(out, cap, "?");
}

/* Printable ASCII as is; quotes, backslashes and the rest as \xHH. */
static void escape(const uint8_t *data, size_t len, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        uint8_t c = data[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    out[o] = 0;
}

static const char *command_name(zt_runner_command c)
{
    switch (c) {
    case ZT_RUNNER_CMD_USER_MESSAGE:
        return "message";
    case ZT_RUNNER_CMD_PING:
        return "ping";
    case ZT_RUNNER_CMD_ORBIT:
        return "orbit";
    case ZT_RUNNER_CMD_DEORBIT:
        return "deorbit";
    case ZT_RUNNER_CMD_JOIN:
        return "join";
    case ZT_RUNNER_CMD_LEAVE:
        return "leave";
    case ZT_RUNNER_CMD_SEND_FRAME:
        return "frame";
    case ZT_RUNNER_CMD_MULTICAST_SUBSCRIBE:
        return "multicast-subscribe";
    case ZT_RUNNER_CMD_MULTICAST_UNSUBSCRIBE:
        return "multicast-unsubscribe";
    }
    return "?";
}

/* "direct via=<ip/port>" when the peer has a live direct path, else |other|. */
static void describe_path(service *svc, uint64_t peer, const char *other, char *out,
                          size_t cap)
{
    const zt_path_info *best;
    zt_peer_info info;
    char a[ZT_INETADDR_STR_MAX];

    if (zt__runner_get_peer(svc->runner, peer, &info) == 0 &&
        zt__runner_peer_is_direct(&info, &best)) {
        fmt_addr(&best->remote, a, sizeof(a));
        snprintf(out, cap, "direct via=%s", a);
    } else {
        snprintf(out, cap, "%s", other);
    }
}

static const char *network_event_name(zt_node_event_type type)
{
    switch (type) {
    case ZT_NODE_EVENT_NETWORK_REQ_CONFIG:
        return "requesting-config";
    case ZT_NODE_EVENT_NETWORK_OK:
        return "ok";
    case ZT_NODE_EVENT_NETWORK_ACCESS_DENIED:
        return "access-denied";
    case ZT_NODE_EVENT_NETWORK_NOT_FOUND:
        return "not-found";
    case ZT_NODE_EVENT_NETWORK_AUTH_REQUIRED:
        return "authentication-required";
    default:
        return "down";
    }
}

static void fmt_mac(uint64_t mac, char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff,
             (unsigned)(mac >> 32) & 0xff, (unsigned)(mac >> 24) & 0xff,
             (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
}

static void fmt_ip4(const uint8_t ip[4], char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

/* Our first static IPv4 address on |net|, if any. */
static bool first_ipv4(const zt_runner_network *net, uint8_t ip[4])
{
    for (unsigned i = 0; i < net->n_ips; i++) {
        if (net->ips[i].family == 4) {
            memcpy(ip, net->ips[i].ip, 4);
            return true;
        }
    }
    return false;
}

/* Logs a network's status line unless it is the one logged last for that network (a config
 * refresh that changes nothing logs nothing).  I/O thread. */
static void log_network_line(service *svc, uint64_t nwid, const char *line)
{
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    unsigned i;

    for (const char *c = line; *c != 0; c++)
        hash = (hash ^ (uint8_t)*c) * 1099511628211ULL;
    for (i = 0; i < svc->nlogged && svc->logged[i].nwid != nwid; i++)
        ;
    if (i < svc->nlogged && svc->logged[i].hash == hash)
        return;
    if (i == svc->nlogged && svc->nlogged < MAX_LOGGED_NETWORKS)
        svc->nlogged++;
    if (i < svc->nlogged) {
        svc->logged[i].nwid = nwid;
        svc->logged[i].hash = hash;
    }
    logline(svc, ZT_RUNNER_LOG_INFO, "network %016llx %s", (unsigned long long)nwid, line);
}

/* "network <nwid> ok mac=… ips=<ip/bits>,… name=…" */
static void log_network_ok(service *svc, uint64_t nwid)
{
    zt_runner_network net;
    char mac[18], ips[ZT_RUNNER_MAX_NETWORK_IPS * (ZT_INETADDR_STR_MAX + 1) + 1], a[64];
    char line[sizeof(ips) + ZT_NETCONF_NAME_MAX + 128];
    size_t n = 0;

    if (zt__runner_get_network(svc->runner, nwid, &net) != 0) {
        log_network_line(svc, nwid, "ok");
        return;
    }
    ips[0] = 0;
    for (unsigned i = 0; i < net.n_ips; i++) {
        fmt_addr(&net.ips[i], a, sizeof(a));
        n += (size_t)snprintf(ips + n, sizeof(ips) - n, "%s%s", i > 0 ? "," : "", a);
    }
    fmt_mac(net.mac, mac);
    snprintf(line, sizeof(line), "ok mac=%s ips=%s revision=%llu mtu=%u name=\"%s\"", mac,
             n > 0 ? ips : "-", (unsigned long long)net.revision, (unsigned)net.mtu, net.name);
    log_network_line(svc, nwid, line);
}

static void send_frame(service *svc, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                       const uint8_t *data, size_t len)
{
    char mac[18];
    int rv = zt__runner_send_frame(svc->runner, nwid, dst_mac, ethertype, data, len);

    fmt_mac(dst_mac, mac);
    if (rv != 0)
        logline(svc, ZT_RUNNER_LOG_WARN, "frame nwid=%016llx to=%s type=0x%04x not queued: %s",
                (unsigned long long)nwid, mac, ethertype, zt__strerror(rv));
    else
        logline(svc, ZT_RUNNER_LOG_DEBUG, "frame-sent nwid=%016llx to=%s type=0x%04x len=%zu",
                (unsigned long long)nwid, mac, ethertype, len);
}

/* A frame for us (I/O thread): log it, answer it (--answer-arp-icmp), or take it as the
 * answer to a --ping-ip. */
static void on_frame(service *svc, const zt_runner_event *ev)
{
    zt_runner_network net;
    resp_reply *reply;
    uint8_t my_ip[4], from[4];
    char src[18], dst[18], ip[16];

    fmt_mac(ev->src_mac, src);
    fmt_mac(ev->dst_mac, dst);
    logline(svc, ZT_RUNNER_LOG_DEBUG, "frame nwid=%016llx from=%s to=%s type=0x%04x len=%zu",
            (unsigned long long)ev->nwid, src, dst, ev->ethertype, ev->len);
    if (zt__runner_get_network(svc->runner, ev->nwid, &net) != 0 || !net.has_config ||
        !first_ipv4(&net, my_ip))
        return;
    if (svc->answer_arp_icmp) {
        reply = malloc(sizeof(*reply));
        if (reply != NULL && resp_answer(my_ip, net.mac, ev->src_mac, ev->ethertype, ev->data,
                                         ev->len, reply)) {
            logline(svc, ZT_RUNNER_LOG_DEBUG, "answering %s from %s",
                    reply->ethertype == RESP_ETHERTYPE_ARP ? "arp-request" : "icmp-echo", src);
            send_frame(svc, ev->nwid, reply->dst_mac, reply->ethertype, reply->data,
                       reply->len);
        }
        free(reply);
    }
    for (unsigned i = 0; i < svc->nping_ips; i++) {
        ping_ip *p = &svc->ping_ips[i];
        uint64_t mac;
        uint16_t id, seq;

        if (p->nwid != ev->nwid)
            continue;
        if (ev->ethertype == RESP_ETHERTYPE_ARP &&
            resp_parse_arp_reply(ev->data, ev->len, my_ip, from, &mac) &&
            memcmp(from, p->ip, 4) == 0 && mac != 0) {
            fmt_ip4(from, ip);
            fmt_mac(mac, src);
            if (atomic_exchange(&p->mac, mac) != mac)
                logline(svc, ZT_RUNNER_LOG_INFO, "arp-reply from=%s mac=%s", ip, src);
        } else if (ev->ethertype == RESP_ETHERTYPE_IPV4 &&
                   resp_parse_icmp_reply(ev->data, ev->len, my_ip, from, &id, &seq) &&
                   memcmp(from, p->ip, 4) == 0 && id == svc->icmp_id) {
            fmt_ip4(from, ip);
            atomic_fetch_add(&p->replies, 1);
            logline(svc, ZT_RUNNER_LOG_INFO, "icmp-reply from=%s seq=%u", ip, (unsigned)seq);
        }
    }
}

static void on_node_event(service *svc, const zt_node_event *ev)
{
    char a[ZT_INETADDR_STR_MAX], text[1024], path[128];

    switch (ev->type) {
    case ZT_NODE_EVENT_ONLINE:
        atomic_store(&svc->is_online, true);
        logline(svc, ZT_RUNNER_LOG_INFO, "online");
        break;
    case ZT_NODE_EVENT_OFFLINE:
        logline(svc, ZT_RUNNER_LOG_INFO, "offline");
        break;
    case ZT_NODE_EVENT_IDENTITY_COLLISION:
        logline(svc, ZT_RUNNER_LOG_ERROR, "identity collision: an upstream says address "
                "%010llx is taken", (unsigned long long)zt__runner_address(svc->runner));
        break;
    case ZT_NODE_EVENT_PEER_DIRECT:
        if (ev->remote.family != 0) {
            fmt_addr(&ev->remote, a, sizeof(a));
            logline(svc, ZT_RUNNER_LOG_INFO, "peer %010llx direct via %s",
                    (unsigned long long)ev->peer, a);
        } else {
            logline(svc, ZT_RUNNER_LOG_INFO, "peer %010llx direct",
                    (unsigned long long)ev->peer);
        }
        break;
    case ZT_NODE_EVENT_PEER_RELAY:
        logline(svc, ZT_RUNNER_LOG_INFO, "peer %010llx relayed", (unsigned long long)ev->peer);
        break;
    case ZT_NODE_EVENT_PEER_UNREACHABLE:
        logline(svc, ZT_RUNNER_LOG_INFO, "peer %010llx unreachable",
                (unsigned long long)ev->peer);
        break;
    case ZT_NODE_EVENT_PATH_DISCOVERED:
    case ZT_NODE_EVENT_PATH_ALIVE:
    case ZT_NODE_EVENT_PATH_DEAD:
        fmt_addr(&ev->remote, a, sizeof(a));
        logline(svc, ZT_RUNNER_LOG_DEBUG, "path %010llx %s %s socket=%lld",
                (unsigned long long)ev->peer,
                ev->type == ZT_NODE_EVENT_PATH_DISCOVERED ? "discovered"
                : ev->type == ZT_NODE_EVENT_PATH_ALIVE    ? "alive"
                                                          : "dead",
                a, (long long)ev->local_socket);
        break;
    case ZT_NODE_EVENT_USER_MESSAGE:
        escape(ev->data, ev->len, text, sizeof(text));
        logline(svc, ZT_RUNNER_LOG_INFO, "user-message from=%010llx type=%llu len=%zu text=\"%s\"",
                (unsigned long long)ev->peer, (unsigned long long)ev->message_type, ev->len,
                text);
        break;
    case ZT_NODE_EVENT_ECHO_REPLY:
        describe_path(svc, ev->peer, "relayed", path, sizeof(path));
        logline(svc, ZT_RUNNER_LOG_INFO, "echo-reply from=%010llx rtt_ms=%lld path=%s",
                (unsigned long long)ev->peer, (long long)ev->rtt_ms, path);
        break;
    case ZT_NODE_EVENT_WORLD_UPDATED:
        logline(svc, ZT_RUNNER_LOG_INFO, "world %016llx updated",
                (unsigned long long)ev->world_id);
        break;
    case ZT_NODE_EVENT_NETWORK_OK:
        log_network_ok(svc, ev->nwid);
        break;
    case ZT_NODE_EVENT_NETWORK_REQ_CONFIG:
    case ZT_NODE_EVENT_NETWORK_ACCESS_DENIED:
    case ZT_NODE_EVENT_NETWORK_NOT_FOUND:
    case ZT_NODE_EVENT_NETWORK_AUTH_REQUIRED:
    case ZT_NODE_EVENT_NETWORK_DOWN:
        log_network_line(svc, ev->nwid, network_event_name(ev->type));
        break;
    }
}

/* Runs on the runner's I/O thread (runner.h). */
static void on_event(void *user, const zt_runner_event *ev)
{
    service *svc = user;

    /* The stack sees every event first: its netifs follow the configs, frames go in. */
    (void)zt__svc_stack_event(svc->stack, ev);
    switch (ev->type) {
    case ZT_RUNNER_EVENT_STARTED:
        logline(svc, ZT_RUNNER_LOG_DEBUG, "I/O thread started");
        break;
    case ZT_RUNNER_EVENT_NODE:
        on_node_event(svc, ev->node);
        break;
    case ZT_RUNNER_EVENT_COMMAND_FAILED:
        if (ev->command == ZT_RUNNER_CMD_JOIN || ev->command == ZT_RUNNER_CMD_LEAVE ||
            ev->command == ZT_RUNNER_CMD_SEND_FRAME)
            logline(svc, ZT_RUNNER_LOG_WARN, "command %s network=%016llx failed: %s",
                    command_name(ev->command), (unsigned long long)ev->peer,
                    zt__strerror(ev->error));
        else
            logline(svc, ZT_RUNNER_LOG_WARN, "command %s to=%010llx failed: %s",
                    command_name(ev->command), (unsigned long long)ev->peer,
                    zt__strerror(ev->error));
        break;
    case ZT_RUNNER_EVENT_FRAME:
        if (svc->stack == NULL)
            on_frame(svc, ev);
        break;
    case ZT_RUNNER_EVENT_FRAMES_DONE:
        break;
    case ZT_RUNNER_EVENT_FATAL:
        logline(svc, ZT_RUNNER_LOG_ERROR, "node failed: %s", zt__strerror(ev->error));
        atomic_store(&svc->has_failed, true);
        break;
    case ZT_RUNNER_EVENT_STOPPED:
        logline(svc, ZT_RUNNER_LOG_DEBUG, "I/O thread stopped");
        break;
    }
}

static void log_peers(service *svc, zt_runner_log_level level)
{
    enum { MAX_LOGGED = 256 };
    zt_peer_info *peers = calloc(MAX_LOGGED, sizeof(*peers));
    zt_ssize n;
    char path[128];

    if (peers == NULL)
        return;
    n = zt__runner_get_peers(svc->runner, peers, MAX_LOGGED);
    for (zt_ssize i = 0; i < n && i < MAX_LOGGED; i++) {
        describe_path(svc, peers[i].address, "no-direct-path", path, sizeof(path));
        logline(svc, level, "peer %010llx %s latency_ms=%lld paths=%u%s",
                (unsigned long long)peers[i].address, path, (long long)peers[i].latency_ms,
                peers[i].npaths, peers[i].is_upstream ? " upstream" : "");
    }
    free(peers);
}

static void log_counters(service *svc)
{
    zt_runner_status st;
    const zt_node_counters *c = &st.counters;

    if (zt__runner_get_status(svc->runner, &st) != 0)
        return;
    logline(svc, ZT_RUNNER_LOG_INFO,
            "counters rx=%llu tx=%llu tx_errors=%llu relayed=%llu whois_sent=%llu "
            "hello_sent=%llu echo_sent=%llu rendezvous_sent=%llu drop_auth=%llu "
            "drop_malformed=%llu drop_unknown_peer=%llu drop_no_route=%llu "
            "drop_rate_limited=%llu drop_overload=%llu drop_invalid_identity=%llu "
            "tx_batches=%llu tx_dropped=%llu",
            (unsigned long long)c->rx_datagrams, (unsigned long long)c->tx_datagrams,
            (unsigned long long)c->tx_errors, (unsigned long long)c->relayed,
            (unsigned long long)c->whois_sent, (unsigned long long)c->hello_sent,
            (unsigned long long)c->echo_sent, (unsigned long long)c->rendezvous_sent,
            (unsigned long long)c->drop_auth, (unsigned long long)c->drop_malformed,
            (unsigned long long)c->drop_unknown_peer, (unsigned long long)c->drop_no_route,
            (unsigned long long)c->drop_rate_limited, (unsigned long long)c->drop_overload,
            (unsigned long long)c->drop_invalid_identity, (unsigned long long)st.tx_batches, (unsigned long long)st.tx_dropped);
}

static void run_actions(service *svc, unsigned round)
{
    for (unsigned i = 0; i < svc->nactions; i++) {
        action *a = &svc->actions[i];
        int rv;

        if (a->is_ping)
            rv = zt__runner_ping(svc->runner, a->dest);
        else
            rv = zt__runner_send_user_message(svc->runner, a->dest, a->type, a->text, a->len);
        if (rv != 0)
            logline(svc, ZT_RUNNER_LOG_WARN, "%s to=%010llx not queued: %s",
                    a->is_ping ? "ping" : "message", (unsigned long long)a->dest,
                    zt__strerror(rv));
        else
            logline(svc, ZT_RUNNER_LOG_INFO, "%s-sent to=%010llx seq=%u",
                    a->is_ping ? "ping" : "message", (unsigned long long)a->dest, round);
    }
}

/* One step of each --ping-ip (main thread): wait for the network, ARP until answered, then
 * one echo request per interval, --count of them (0: until stopped). */
static void run_ping_ips(service *svc, int64_t now)
{
    for (unsigned i = 0; i < svc->nping_ips; i++) {
        ping_ip *p = &svc->ping_ips[i];
        zt_runner_network net;
        uint8_t my_ip[4], frame[20 + 8 + ICMP_PAYLOAD];
        uint64_t mac = atomic_load(&p->mac);
        char ip[16];
        size_t len;

        if (now < p->next_at || (svc->count > 0 && p->round >= svc->count))
            continue;
        if (zt__runner_get_network(svc->runner, p->nwid, &net) != 0 ||
            net.status != ZT_NETWORK_OK || !net.has_config || !first_ipv4(&net, my_ip))
            continue; /* not yet: look again at the next tick */
        fmt_ip4(p->ip, ip);
        if (mac == 0) {
            len = resp_arp_request(net.mac, my_ip, p->ip, frame);
            logline(svc, ZT_RUNNER_LOG_INFO, "arp-request-sent who-has=%s", ip);
            send_frame(svc, p->nwid, BROADCAST_MAC, RESP_ETHERTYPE_ARP, frame, len);
        } else {
            len = resp_icmp_echo_request(my_ip, p->ip, svc->icmp_id, (uint16_t)p->round,
                                         ICMP_PAYLOAD, frame, sizeof(frame));
            logline(svc, ZT_RUNNER_LOG_INFO, "icmp-sent to=%s seq=%u", ip, p->round);
            send_frame(svc, p->nwid, mac, RESP_ETHERTYPE_IPV4, frame, len);
            p->round++;
        }
        p->next_at = now + svc->interval_ms;
    }
}

/* Serves until a signal or a node failure, running the test actions; returns the exit
 * status. */
static int serve(service *svc, const sigset_t *sigs)
{
    unsigned round = 0;
    int64_t next_action = 0, next_peers = 0;
    int sig = 0, status = 0;

    while (!atomic_load(&svc->has_failed)) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000000L};
        int64_t now = zt__io_clock_ms();

        sig = sigtimedwait(sigs, NULL, &ts);
        if (sig > 0)
            break;
        now = zt__io_clock_ms();
        if (svc->nactions > 0 && atomic_load(&svc->is_online) &&
            (svc->count == 0 || round < svc->count) && now >= next_action) {
            run_actions(svc, round++);
            next_action = now + svc->interval_ms;
        }
        if (svc->nping_ips > 0)
            run_ping_ips(svc, now);
        if (svc->peers_interval_ms > 0 && now >= next_peers) {
            if (next_peers != 0)
                log_peers(svc, ZT_RUNNER_LOG_INFO);
            next_peers = now + svc->peers_interval_ms;
        }
    }
    if (sig > 0) {
        logline(svc, ZT_RUNNER_LOG_INFO, "stopping (%s)",
                sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
    } else {
        status = 1;
        logline(svc, ZT_RUNNER_LOG_ERROR, "stopping after a node failure");
    }
    return status;
}

/* Signals are taken by sigtimedwait() on the main thread only: blocked before the I/O
 * thread exists so that it inherits the mask.  An ignored signal is discarded before
 * sigtimedwait() can take it, and a shell starts background jobs with SIGINT ignored: the
 * defaults are restored first. */
static void block_signals(sigset_t *sigs)
{
    static const int taken[] = {SIGINT, SIGTERM, SIGHUP};

    sigemptyset(sigs);
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
        sigaddset(sigs, taken[i]);
        signal(taken[i], SIG_DFL);
    }
    pthread_sigmask(SIG_BLOCK, sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void log_start(service *svc, const char *home)
{
    zt_runner_status st;

    (void)zt__runner_get_status(svc->runner, &st);
    logline(svc, ZT_RUNNER_LOG_INFO,
            "zt-service %d.%d.%d address=%010llx planet=%016llx role=%s port=%u "
            "secondary=%u home=%s",
            ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR, ZT_NODE_VERSION_REVISION,
            (unsigned long long)st.address, (unsigned long long)st.planet_id,
            st.is_root ? "root" : "leaf", (unsigned)zt__runner_primary_port(svc->runner),
            (unsigned)zt__runner_secondary_port(svc->runner), home);
}

/* The networks of --join and of networks.d (service.md §2), carried out when the I/O thread
 * starts. */
static void join_at_start(service *svc, const char *home)
{
    unsigned n;

    for (unsigned i = 0; i < svc->njoins; i++) {
        int rv = zt__runner_join(svc->runner, svc->joins[i]);
        if (rv != 0)
            logline(svc, ZT_RUNNER_LOG_WARN, "join %016llx not queued: %s",
                    (unsigned long long)svc->joins[i], zt__strerror(rv));
    }
    n = zt__svc_rejoin_networks(home, svc->runner);
    if (n > 0)
        logline(svc, ZT_RUNNER_LOG_DEBUG, "rejoining %u network(s) of networks.d", n);
}

static int start_api(service *svc, const zt_runner_config *cfg, const char *home,
                     svc_api **papi)
{
    svc_api_config acfg = {.runner = svc->runner, .home = home,
                           .loopback_only = cfg->bind_specific,
                           .port = zt__runner_primary_port(svc->runner)};
    char err[1024];

    *papi = NULL;
    if (!svc->has_api)
        return 0;
    if (zt__svc_api_start(papi, &acfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "zt-service: %s\n", err);
        return -1;
    }
    return 0;
}

/* Everything the run built, taken down in order: the API (no request may wait on the runner
 * past it), the stack's sockets and outgoing frames, the runner (its I/O thread joins and
 * saves the peers), the netifs, the pid file. */
static void teardown(service *svc, svc_api *api, const char *pid_path)
{
    zt__svc_api_stop(api);
    zt__svc_stack_stop(svc->stack);
    zt__runner_stop(svc->runner);
    zt__runner_del(svc->runner);
    zt__svc_stack_del(svc->stack);
    unlink(pid_path);
}

int main(int argc, char **argv)
{
    static service svc;
    static svc_local_conf local;
    svc_api *api = NULL;
    zt_runner_config cfg;
    const char *home = NULL;
    char err[1024], pid_text[32], pid_path[ZT_HOME_PATH_MAX];
    sigset_t sigs;
    int rv, status;

    zt__runner_config_default(&cfg);
    svc.level = ZT_RUNNER_LOG_INFO;
    svc.interval_ms = 1000;
    svc.has_api = true;
    svc.has_stack = true;
    atomic_init(&svc.is_online, false);
    atomic_init(&svc.has_failed, false);

    rv = zt__svc_parse_options(argc, argv, &svc, &cfg, &home);
    if (rv >= 0)
        return rv;
    if (home == NULL)
        home = getenv("ZEROTIER_HOME");
    if (home == NULL || home[0] == 0)
        home = "/var/lib/zerotier-one";

    block_signals(&sigs);
    if (!zt__svc_local_conf_apply(home, &cfg, &local))
        return 1;

    cfg.home = home;
    cfg.event = on_event;
    cfg.log = on_log;
    cfg.user = &svc;
    rv = zt__runner_new(&svc.runner, &cfg, err, sizeof(err));
    if (rv != 0) {
        /* ZT_ERR_INVAL: a state file the node must not replace or ignore (runner.h). */
        fprintf(stderr, "zt-service: %s%s\n", err,
                rv == ZT_ERR_INVAL ? "; refusing to start" : "");
        return 1;
    }
    snprintf(pid_text, sizeof(pid_text), "%ld", (long)getpid());
    snprintf(pid_path, sizeof(pid_path), "%s/zerotier-one.pid", home);
    if (zt__home_write_text(home, "zerotier-one.pid", pid_text, 0644) != 0)
        logline(&svc, ZT_RUNNER_LOG_WARN, "cannot write %s: %s", pid_path, strerror(errno));

    svc.icmp_id = (uint16_t)getpid();
    if (svc.has_stack && zt__svc_stack_new(&svc.stack, &svc, home, err, sizeof(err)) != 0)
        logline(&svc, ZT_RUNNER_LOG_WARN, "no userspace stack (%s): no intercept sockets", err);
    join_at_start(&svc, home);
    if (start_api(&svc, &cfg, home, &api) != 0) {
        teardown(&svc, NULL, pid_path);
        return 1;
    }
    log_start(&svc, home);
    if (zt__runner_start(svc.runner) != 0) {
        fprintf(stderr, "zt-service: cannot start the I/O thread\n");
        teardown(&svc, api, pid_path);
        return 1;
    }

    status = serve(&svc, &sigs);
    zt__svc_api_stop(api);
    api = NULL;
    /* Last look while the I/O thread still answers queries. */
    log_peers(&svc, ZT_RUNNER_LOG_INFO);
    log_counters(&svc);
    teardown(&svc, api, pid_path);
    logline(&svc, ZT_RUNNER_LOG_INFO, "stopped");
    return status;
}
