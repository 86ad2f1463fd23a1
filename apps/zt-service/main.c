/*
 * zt-service: runs one node (docs/service.md): the node with its home directory and UDP
 * ports, the root role when the identity is a root of the planet, the local HTTP API on the
 * primary port (api.c; --no-api turns it off), one log line per event on stderr, and a clean
 * stop on SIGINT/SIGTERM.
 *
 * With --controller a network controller runs beside the node (records in
 * HOME/controller.d/controller.sqlite3); --join joins networks at start.  The test actions
 * are in actions.c (the VL2 ones build their frames with responder.c); options.c reads the
 * command line (one table row per option).
 *
 * An identity collision (service.md §1.1) ends the run: the node and all that hangs off its
 * runner (API, stack, intercept bridge) are taken down as at a stop, the old secret is set
 * aside (zt__home_set_identity_aside) and the run starts again, in this process, with a new
 * identity, once per process; a root or a controller keeps its identity (note_run()).
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
#include "controller/controller.h"
#include "controller/store.h"
#include "io/clock.h"
#include "sdk/home.h"
#include "sdk/runner.h"
#include "api.h"
#include "netstack.h"
#include "service.h"
#include "util/hex.h"


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
    zt__svc_fmt_mac(net.mac, mac);
    snprintf(line, sizeof(line), "ok mac=%s ips=%s revision=%llu mtu=%u name=\"%s\"", mac,
             n > 0 ? ips : "-", (unsigned long long)net.revision, (unsigned)net.mtu, net.name);
    log_network_line(svc, nwid, line);
}

/* An upstream says our address is taken (vl1.md §4.2; I/O thread).  The main thread acts on
 * it (serve() returns RUN_COLLIDED), unless note_run() gave a reason to keep the identity. */
static void on_collision(service *svc)
{
    unsigned long long address = (unsigned long long)zt__runner_address(svc->runner);

    if (svc->keep_reason != NULL) {
        logline(svc, svc->has_logged_kept ? ZT_RUNNER_LOG_DEBUG : ZT_RUNNER_LOG_ERROR,
                "identity collision: an upstream says address %010llx is taken; identity kept: "
                "%s", address, svc->keep_reason);
        svc->has_logged_kept = true;
        return;
    }
    if (!atomic_exchange(&svc->has_collided, true))
        logline(svc, ZT_RUNNER_LOG_ERROR, "identity collision: an upstream says address "
                "%010llx is taken; restarting with a new identity", address);
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
        on_collision(svc);
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
            zt__svc_on_frame(svc, ev);
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
            "whois_forwarded=%llu paths_pushed=%llu "
            "hello_sent=%llu echo_sent=%llu rendezvous_sent=%llu drop_auth=%llu "
            "drop_malformed=%llu drop_unknown_peer=%llu drop_no_route=%llu "
            "drop_rate_limited=%llu drop_overload=%llu drop_invalid_identity=%llu "
            "tx_batches=%llu tx_dropped=%llu",
            (unsigned long long)c->rx_datagrams, (unsigned long long)c->tx_datagrams,
            (unsigned long long)c->tx_errors, (unsigned long long)c->relayed,
            (unsigned long long)c->whois_sent, (unsigned long long)c->whois_forwarded,
            (unsigned long long)c->paths_pushed, (unsigned long long)c->hello_sent,
            (unsigned long long)c->echo_sent, (unsigned long long)c->rendezvous_sent,
            (unsigned long long)c->drop_auth, (unsigned long long)c->drop_malformed,
            (unsigned long long)c->drop_unknown_peer, (unsigned long long)c->drop_no_route,
            (unsigned long long)c->drop_rate_limited, (unsigned long long)c->drop_overload,
            (unsigned long long)c->drop_invalid_identity, (unsigned long long)st.tx_batches,
            (unsigned long long)st.tx_dropped);
}

static void poll_store(struct zts_controller *ctl, void *arg)
{
    int *prv = arg;

    *prv = ctl != NULL ? zt__controller_poll_store(zt__controller_of(ctl)) : 0;
}

/* Other controller processes sharing our PostgreSQL database changed records: the members we
 * serve hear of it (issue 13; zt__controller_poll_store).  A no-op for the other stores. */
static void poll_controller_store(service *svc, int64_t now)
{
    int rv = 0;

    if (!svc->has_shared_store || now < svc->next_store_poll)
        return;
    svc->next_store_poll = now + 100;
    if (zt__runner_controller_call(svc->runner, poll_store, &rv) == 0 && rv == ZT_ERR_IO &&
        !svc->store_feed_down) {
        zt__svc_log(svc, ZT_RUNNER_LOG_WARN, "controller: the database's change feed is down "
                                             "(edits made elsewhere wait for it)");
        svc->store_feed_down = true;
    } else if (rv == 0 && svc->store_feed_down) {
        zt__svc_log(svc, ZT_RUNNER_LOG_INFO, "controller: the change feed is back");
        svc->store_feed_down = false;
    }
}

/* How a run of the node ended (serve(), run_node()): the first two are exit statuses;
 * RUN_NOT_STARTED: it never served (the reason is printed; exit status 1). */
enum { RUN_STOPPED = 0, RUN_FAILED = 1, RUN_COLLIDED = 2, RUN_NOT_STARTED = 3 };

/* A stop signal that is already pending (taken without waiting), or 0. */
static int pending_signal(const sigset_t *sigs)
{
    struct timespec zero = {.tv_sec = 0, .tv_nsec = 0};
    int sig = sigtimedwait(sigs, NULL, &zero);

    return sig > 0 ? sig : 0;
}

static void log_stopping(service *svc, int sig)
{
    logline(svc, ZT_RUNNER_LOG_INFO, "stopping (%s)",
            sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
}

/* Serves until a signal, a node failure or an identity collision, running the test actions;
 * returns how the run ended.  A stop signal wins over a collision seen at the same time: a
 * collision is never acted on while stopping. */
static int serve(service *svc, const sigset_t *sigs)
{
    unsigned round = 0;
    int64_t next_action = 0, next_peers = 0;
    int sig = 0;

    while (!atomic_load(&svc->has_failed) && !atomic_load(&svc->has_collided)) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000000L};
        int64_t now = zt__io_clock_ms();

        sig = sigtimedwait(sigs, NULL, &ts);
        if (sig > 0)
            break;
        now = zt__io_clock_ms();
        if (svc->nactions > 0 && atomic_load(&svc->is_online) &&
            (svc->count == 0 || round < svc->count) && now >= next_action) {
            zt__svc_run_actions(svc, round++);
            next_action = now + svc->interval_ms;
        }
        if (svc->nping_ips > 0)
            zt__svc_run_ping_ips(svc, now);
        poll_controller_store(svc, now);
        if (svc->peers_interval_ms > 0 && now >= next_peers) {
            if (next_peers != 0)
                log_peers(svc, ZT_RUNNER_LOG_INFO);
            next_peers = now + svc->peers_interval_ms;
        }
    }
    if (sig <= 0 && !atomic_load(&svc->has_failed))
        sig = pending_signal(sigs);
    if (sig > 0) {
        log_stopping(svc, sig);
        return RUN_STOPPED;
    }
    if (atomic_load(&svc->has_failed)) {
        logline(svc, ZT_RUNNER_LOG_ERROR, "stopping after a node failure");
        return RUN_FAILED;
    }
    return RUN_COLLIDED;
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
    n = zt__runner_rejoin_home(svc->runner, home); /* service.md §2 */
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

/* Everything a run built, taken down in order: the API (no request may wait on the runner
 * past it), the stack's sockets and outgoing frames, the runner (its I/O thread joins and
 * saves the peers), the netifs. */
static void teardown(service *svc, svc_api *api)
{
    zt__svc_api_stop(api);
    zt__svc_stack_stop(svc->stack);
    zt__runner_stop(svc->runner);
    zt__runner_del(svc->runner);
    zt__svc_stack_del(svc->stack);
    svc->runner = NULL;
    svc->stack = NULL;
}

/* Once the runner is built: the PID file, whether the identity may ever be replaced, and
 * after a collision the line naming the old and the new address. */
static void note_run(service *svc, const zt_runner_config *cfg, const char *home)
{
    zt_runner_status st;
    char pid_text[32];

    snprintf(pid_text, sizeof(pid_text), "%ld", (long)getpid());
    if (zt__home_write_text(home, "zerotier-one.pid", pid_text, 0644) == 0)
        svc->has_pid_file = true;
    else
        logline(svc, ZT_RUNNER_LOG_WARN, "cannot write %s/zerotier-one.pid: %s", home,
                strerror(errno));
    /* The planet names a root's address, and every network a controller serves is named
     * after its address: a new identity would orphan them.  A second collision in one process
     * is a root's fault, not chance (2^-40): no identity churn for it. */
    svc->keep_reason = NULL;
    if (zt__runner_get_status(svc->runner, &st) == 0 && st.is_root)
        svc->keep_reason = "a root's identity is never replaced automatically";
    else if (cfg->controller)
        svc->keep_reason = "a controller's identity is never replaced automatically";
    else if (svc->has_replaced)
        svc->keep_reason = "this process replaced a colliding identity already (restart the "
                           "service to allow another)";
    if (svc->replaced_address != 0)
        logline(svc, ZT_RUNNER_LOG_INFO, "new identity address=%010llx replaces %010llx "
                "(identity collision)", (unsigned long long)zt__runner_address(svc->runner),
                (unsigned long long)svc->replaced_address);
    svc->replaced_address = 0;
}

/* One run of the node: built from |cfg| and the home directory, served, taken down.  Returns
 * RUN_STOPPED, RUN_FAILED, RUN_NOT_STARTED or RUN_COLLIDED; after a collision
 * svc->replaced_address names the colliding identity and cfg->primary_port is the port the
 * run had, for the next one to keep (the API and zerotier-one.port stay where they were). */
static int run_node(service *svc, zt_runner_config *cfg, const char *home,
                    const sigset_t *sigs)
{
    svc_api *api = NULL;
    char err[1024];
    int rv, status;

    rv = zt__runner_new(&svc->runner, cfg, err, sizeof(err));
    if (rv != 0) {
        /* ZT_ERR_INVAL: a state file the node must not replace or ignore (runner.h). */
        fprintf(stderr, "zt-service: %s%s\n", err,
                rv == ZT_ERR_INVAL ? "; refusing to start" : "");
        return RUN_NOT_STARTED;
    }
    note_run(svc, cfg, home);
    if (svc->has_stack && zt__svc_stack_new(&svc->stack, svc, home, err, sizeof(err)) != 0)
        logline(svc, ZT_RUNNER_LOG_WARN, "no userspace stack (%s): no intercept sockets", err);
    join_at_start(svc, home);
    if (start_api(svc, cfg, home, &api) != 0) {
        teardown(svc, NULL);
        return RUN_NOT_STARTED;
    }
    log_start(svc, home);
    if (zt__runner_start(svc->runner) != 0) {
        fprintf(stderr, "zt-service: cannot start the I/O thread\n");
        teardown(svc, api);
        return RUN_NOT_STARTED;
    }

    status = serve(svc, sigs);
    zt__svc_api_stop(api);
    /* Last look while the I/O thread still answers queries. */
    log_peers(svc, ZT_RUNNER_LOG_INFO);
    log_counters(svc);
    if (status == RUN_COLLIDED) {
        svc->replaced_address = zt__runner_address(svc->runner);
        cfg->primary_port = zt__runner_primary_port(svc->runner);
    }
    teardown(svc, NULL);
    return status;
}

/* After a collision (service.md §1.1), with the node taken down: the old secret is set aside
 * and both identity files go, so that the next run makes a new identity; the joined networks
 * (networks.d, --join) are joined again by it.  A stop signal that came meanwhile wins: the
 * files are then left alone (the next start meets the collision again).  Returns RUN_COLLIDED
 * to run again, RUN_STOPPED or RUN_FAILED. */
static int new_identity(service *svc, const char *home, const sigset_t *sigs)
{
    char saved[ZT_HOME_PATH_MAX], err[ZT_HOME_PATH_MAX + 256];
    int sig = pending_signal(sigs);

    if (sig > 0) {
        log_stopping(svc, sig);
        return RUN_STOPPED;
    }
    if (zt__home_set_identity_aside(home, saved, sizeof(saved), err, sizeof(err)) != 0) {
        logline(svc, ZT_RUNNER_LOG_ERROR, "identity collision: %s; stopping", err);
        return RUN_FAILED;
    }
    logline(svc, ZT_RUNNER_LOG_WARN, "identity %010llx set aside as %s; starting again with a "
            "new identity", (unsigned long long)svc->replaced_address, saved);
    svc->has_replaced = true;
    /* What a run learned about the node starts afresh. */
    atomic_store(&svc->is_online, false);
    atomic_store(&svc->has_collided, false);
    svc->has_logged_kept = false;
    svc->nlogged = 0;
    for (unsigned i = 0; i < svc->nping_ips; i++) {
        atomic_store(&svc->ping_ips[i].mac, 0);
        svc->ping_ips[i].round = 0;
        svc->ping_ips[i].next_at = 0;
    }
    return RUN_COLLIDED;
}

static void local_conf_warn(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "zt-service: local.conf: %s\n", msg);
}

/* Reads HOME/local.conf (service.md §3; src/sdk/localconf.c) into |cfg| and |out|, with a
 * warning on stderr for each value it cannot use.  False (after a message) when the file is
 * there but not a JSON object: zerotier-one refuses to start then, and so do we. */
static bool local_conf_apply(const char *home, zt_runner_config *cfg, zt_local_conf *out)
{
    char err[512];

    if (zt__local_conf_apply(home, cfg, out, local_conf_warn, NULL, err, sizeof(err)) != 0) {
        fprintf(stderr, "zt-service: %s; refusing to start\n", err);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    static service svc;
    static zt_local_conf local;
    zt_runner_config cfg;
    const char *home = NULL;
    char pid_path[ZT_HOME_PATH_MAX];
    sigset_t sigs;
    int status;

    zt__runner_config_default(&cfg);
    svc.level = ZT_RUNNER_LOG_INFO;
    svc.interval_ms = 1000;
    svc.has_api = true;
    svc.has_stack = true;
    atomic_init(&svc.is_online, false);
    atomic_init(&svc.has_failed, false);
    atomic_init(&svc.has_collided, false);

    status = zt__svc_parse_options(argc, argv, &svc, &cfg, &home);
    if (status >= 0)
        return status;
    if (home == NULL)
        home = getenv("ZEROTIER_HOME");
    if (home == NULL || home[0] == 0)
        home = "/var/lib/zerotier-one";

    block_signals(&sigs);
    if (!local_conf_apply(home, &cfg, &local))
        return 1;
    if (svc.controller_db != NULL) /* the command line over local.conf */
        snprintf(local.local.controller_db, sizeof(local.local.controller_db), "%s",
                 svc.controller_db);
    zt__store_pg_register(); /* ZTS_CONTROLLER_STORE_POSTGRESQL for the controller */
    svc.has_shared_store = cfg.controller &&
                           zt__runner_controller_db_pg(local.local.controller_db) != NULL;
    cfg.home = home;
    cfg.event = on_event;
    cfg.log = on_log;
    cfg.user = &svc;
    svc.icmp_id = (uint16_t)getpid();

    /* In-process restarts after a collision (docs/decisions.md, issue 12): the same PID,
     * command line, ports and tokens; only the identity changes. */
    do {
        status = run_node(&svc, &cfg, home, &sigs);
        if (status == RUN_COLLIDED)
            status = new_identity(&svc, home, &sigs);
    } while (status == RUN_COLLIDED);

    snprintf(pid_path, sizeof(pid_path), "%s/zerotier-one.pid", home);
    if (svc.has_pid_file)
        unlink(pid_path);
    if (status == RUN_NOT_STARTED)
        return 1;
    logline(&svc, ZT_RUNNER_LOG_INFO, "stopped");
    return status;
}
