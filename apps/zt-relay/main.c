/*
 * zt-relay: a TCP fallback relay for ZeroTier nodes whose UDP is blocked (docs/relay.md,
 * vl1.md §5.11 "TCP fallback relay").  This file: the command line, log lines on stderr (the
 * format of zt-service's), signals (a signalfd the event loop watches), the counters at exit.
 * The relay itself is relay.c and relay_client.c; the framing src/codec/relay_frame.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "core/node.h"
#include "relay.h"

static const char *const level_names[4] = {"error", "warn", "info", "debug"};

/* One line per event: "<UTC time> <level> <message>" in a single write(2), as zt-service. */
static void log_line(void *user, zt_relay_log_level level, const char *msg)
{
    char line[768];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int m;

    (void)user;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    m = snprintf(line + n, sizeof(line) - n - 1, ".%03dZ %s %s", (int)(ts.tv_nsec / 1000000),
                 level_names[level], msg);
    if (m > 0)
        n += (size_t)m < sizeof(line) - n - 1 ? (size_t)m : sizeof(line) - n - 2;
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zt-relay [options]\n"
            "\n"
            "A TCP fallback relay for ZeroTier nodes whose UDP is blocked (ZeroTier One's\n"
            "tcpFallbackRelay): each TCP client gets its own UDP socket; every message it sends\n"
            "(17 03 03, length, 04 + IPv4 + port + payload, or 06 + IPv6 + port + payload) goes\n"
            "out as one datagram, and every datagram that socket receives comes back framed\n"
            "with its source.  Logs one line per event on stderr; SIGINT or SIGTERM stops it\n"
            "cleanly and logs its counters.\n"
            "\n"
            "options:\n"
            "  --bind IP           TCP address to listen on (default: every address)\n"
            "  --port PORT         TCP port (default %d; 0: any free port, logged at start;\n"
            "                      ZeroTier's public relay uses 443, which needs privileges)\n"
            "  --udp-bind IP       local address of the clients' UDP sockets (default: every\n"
            "                      address; each client gets an ephemeral port)\n"
            "  --max-clients N     clients at once (default %d); beyond it connections are\n"
            "                      accepted and closed at once (logged at most once a second)\n"
            "  --client-rate B     bytes per second of datagrams each client may have the\n"
            "                      relay send (token bucket of one second; default %llu;\n"
            "                      0: no limit); beyond it its datagrams are dropped\n"
            "  --idle S            seconds without a message either way (a whole message\n"
            "                      from the client, or bytes written to it) before a client\n"
            "                      is closed (default %d; 0: never)\n"
            "  --allow CIDR        send only to this prefix (IP or IP/BITS; repeatable, up to\n"
            "                      %d); default: anywhere.  Multicast, broadcast, unspecified\n"
            "                      addresses and port 0 are always refused\n"
            "  --log-level LEVEL   error, warn, info (default: a line per connection) or debug\n"
            "  -h, --help          this text\n"
            "  -v, --version       print the version\n"
            "\n"
            "Fixed bounds: messages of at most %d body bytes (longer, or malformed: that client\n"
            "is closed); %u KiB of datagrams waiting for a client that does not read, %u MiB\n"
            "for all clients together (beyond: datagrams dropped).  Each client uses 2\n"
            "descriptors: the open files limit is raised to its hard limit at start.\n"
            "\n"
            "Exit status: 0 after a clean stop, 1 on failure, 2 on a usage error.\n",
            ZT_RELAY_DEFAULT_PORT, ZT_RELAY_DEFAULT_MAX_CLIENTS,
            (unsigned long long)ZT_RELAY_DEFAULT_RATE, ZT_RELAY_DEFAULT_IDLE_S,
            ZT_RELAY_ALLOW_MAX, ZT_RELAY_BODY_MAX, ZT_RELAY_DEFAULT_OUT_MAX / 1024,
            ZT_RELAY_DEFAULT_OUT_TOTAL_MAX / (1024 * 1024));
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "zt-relay: %s '%s' (see zt-relay --help)\n", what, arg);
    return 2;
}

/* A decimal integer in [min, max]. */
static bool parse_u64(const char *s, unsigned long long min, unsigned long long max,
                      unsigned long long *out)
{
    unsigned long long v;
    char *end;

    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != 0 || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* One option with its value |val|.  Returns 0, or 2 after a usage message. */
static int apply_option(zt_relay_config *cfg, const char *opt, const char *val)
{
    unsigned long long v;

    if (strcmp(opt, "--bind") == 0 || strcmp(opt, "--udp-bind") == 0) {
        zt_relay_addr *a = opt[2] == 'b' ? &cfg->listen : &cfg->udp_bind;
        uint16_t port = a->port;
        if (zt__relay_addr_parse(a, val) != 0)
            return usage_error("not an IP address:", val);
        a->port = port;
    } else if (strcmp(opt, "--port") == 0) {
        if (!parse_u64(val, 0, 65535, &v))
            return usage_error("not a port:", val);
        cfg->listen.port = (uint16_t)v;
    } else if (strcmp(opt, "--max-clients") == 0) {
        if (!parse_u64(val, 1, 1000000, &v))
            return usage_error("--max-clients wants 1 to 1000000, not", val);
        cfg->max_clients = (unsigned)v;
    } else if (strcmp(opt, "--client-rate") == 0) {
        if (!parse_u64(val, 0, 1000000000000ULL, &v))
            return usage_error("--client-rate wants bytes per second (0 to 10^12), not", val);
        cfg->client_rate = v;
    } else if (strcmp(opt, "--idle") == 0) {
        if (!parse_u64(val, 0, 86400 * 365, &v))
            return usage_error("--idle wants seconds, not", val);
        cfg->idle_s = (unsigned)v;
    } else if (strcmp(opt, "--allow") == 0) {
        if (cfg->nallow == ZT_RELAY_ALLOW_MAX)
            return usage_error("too many --allow prefixes at", val);
        if (zt__relay_cidr_parse(&cfg->allow[cfg->nallow], val) != 0)
            return usage_error("not an IP prefix (IP or IP/BITS):", val);
        cfg->nallow++;
    } else if (strcmp(opt, "--log-level") == 0) {
        unsigned l;
        for (l = 0; l < 4 && strcmp(val, level_names[l]) != 0; l++)
            ;
        if (l == 4)
            return usage_error("--log-level wants error, warn, info or debug, not", val);
        cfg->level = (zt_relay_log_level)l;
    } else {
        return usage_error("unknown option", opt);
    }
    return 0;
}

/* Returns -1 to run, else the exit status (0 after --help or --version, 2 on usage errors). */
static int parse_options(int argc, char **argv, zt_relay_config *cfg)
{
    static const char *const with_value[] = {"--bind",   "--port",        "--udp-bind",
                                              "--max-clients", "--client-rate", "--idle",
                                              "--allow",  "--log-level"};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool known = false;
        int rv;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("%d.%d.%d\n", ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR,
                   ZT_NODE_VERSION_REVISION);
            return 0;
        }
        for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
            known = known || strcmp(a, with_value[k]) == 0;
        if (!known)
            return usage_error(a[0] == '-' ? "unknown option" : "unexpected argument", a);
        if (i + 1 >= argc)
            return usage_error("missing value after", a);
        if ((rv = apply_option(cfg, a, argv[++i])) != 0)
            return rv;
    }
    return -1;
}

/* SIGINT and SIGTERM become readable on a signalfd.  A shell starts background jobs with
 * SIGINT ignored, and an ignored signal never reaches a signalfd: defaults first. */
static int stop_signals(void)
{
    sigset_t sigs;

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &sigs, NULL) != 0)
        return -1;
    return signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void log_counters(zt_relay *r, const zt_relay_config *cfg)
{
    zt_relay_counters c;
    char line[640];

    zt__relay_get_counters(r, &c);
    snprintf(line, sizeof(line),
             "counters accepted=%llu refused_full=%llu accept_errors=%llu peak_clients=%llu "
             "udp_sockets=%llu closed_eof=%llu closed_idle=%llu closed_garbage=%llu "
             "closed_error=%llu closed_stop=%llu hellos=%llu msgs_in=%llu bytes_in=%llu "
             "dgrams_sent=%llu bytes_sent=%llu dgrams_back=%llu bytes_back=%llu "
             "drop_rate=%llu drop_dest=%llu drop_send=%llu drop_slow=%llu drop_big=%llu",
             (unsigned long long)c.accepted, (unsigned long long)c.refused_full,
             (unsigned long long)c.accept_errors, (unsigned long long)c.clients_peak,
             (unsigned long long)c.udp_sockets, (unsigned long long)c.closed_eof,
             (unsigned long long)c.closed_idle, (unsigned long long)c.closed_garbage,
             (unsigned long long)c.closed_error, (unsigned long long)c.closed_stop,
             (unsigned long long)c.hellos, (unsigned long long)c.msgs_in,
             (unsigned long long)c.bytes_in, (unsigned long long)c.dgrams_sent,
             (unsigned long long)c.bytes_sent, (unsigned long long)c.dgrams_recv,
             (unsigned long long)c.bytes_recv, (unsigned long long)c.drop_rate,
             (unsigned long long)c.drop_dest, (unsigned long long)c.drop_send,
             (unsigned long long)c.drop_slow, (unsigned long long)c.drop_big);
    if (cfg->level >= ZT_RELAY_LOG_INFO)
        log_line(NULL, ZT_RELAY_LOG_INFO, line);
}

static void log_start(zt_relay *r, const zt_relay_config *cfg)
{
    char listen[ZT_RELAY_ADDR_STR_MAX] = "*", udp[ZT_RELAY_ADDR_STR_MAX] = "*", line[512];

    if (cfg->level < ZT_RELAY_LOG_INFO)
        return;
    if (cfg->listen.family != ZT_RELAY_AF_NONE)
        zt__relay_addr_format(&cfg->listen, listen, sizeof(listen));
    if (cfg->udp_bind.family != ZT_RELAY_AF_NONE)
        zt__relay_addr_format(&cfg->udp_bind, udp, sizeof(udp));
    if (cfg->listen.family != ZT_RELAY_AF_NONE)
        *strrchr(listen, '/') = 0;
    if (cfg->udp_bind.family != ZT_RELAY_AF_NONE)
        *strrchr(udp, '/') = 0;
    snprintf(line, sizeof(line),
             "zt-relay %d.%d.%d listening on %s port %u udp-bind=%s max-clients=%u "
             "client-rate=%llu idle=%u allow=%u",
             ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR, ZT_NODE_VERSION_REVISION, listen,
             (unsigned)zt__relay_port(r), udp, cfg->max_clients,
             (unsigned long long)cfg->client_rate, cfg->idle_s, cfg->nallow);
    log_line(NULL, ZT_RELAY_LOG_INFO, line);
}

int main(int argc, char **argv)
{
    zt_relay_config cfg;
    zt_relay *r = NULL;
    char err[512];
    int rv, stop_fd;

    zt__relay_config_default(&cfg);
    rv = parse_options(argc, argv, &cfg);
    if (rv >= 0)
        return rv;
    cfg.log = log_line;
    stop_fd = stop_signals();
    if (stop_fd < 0) {
        fprintf(stderr, "zt-relay: cannot take signals: %s\n", strerror(errno));
        return 1;
    }
    if (zt__relay_new(&r, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "zt-relay: %s\n", err);
        close(stop_fd);
        return 1;
    }
    log_start(r, &cfg);
    rv = zt__relay_run(r, stop_fd);
    if (rv > 0) {
        char line[64];
        snprintf(line, sizeof(line), "stopping (%s)", rv == SIGINT ? "SIGINT" : "SIGTERM");
        if (cfg.level >= ZT_RELAY_LOG_INFO)
            log_line(NULL, ZT_RELAY_LOG_INFO, line);
    }
    log_counters(r, &cfg);
    zt__relay_del(r);
    close(stop_fd);
    if (cfg.level >= ZT_RELAY_LOG_INFO)
        log_line(NULL, ZT_RELAY_LOG_INFO, rv > 0 ? "stopped" : "stopped after a failure");
    return rv > 0 ? 0 : 1;
}
