/*
 * options.c: zt-service's command line, one table row per option (docs/service.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/identity.h"
#include "core/node.h"
#include "sdk/portmap.h"
#include "service.h"
#include "util/hex.h"

const char *const zt__svc_level_names[4] = {"error", "warn", "info", "debug"};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zt-service [options] [HOME]\n"
            "\n"
            "Runs a ZeroTier node with its state in HOME (default: $ZEROTIER_HOME, else\n"
            "/var/lib/zerotier-one).  The node is a root when its identity is a root of its\n"
            "planet.  Logs one line per event on stderr; SIGINT or SIGTERM stops it cleanly.\n"
            "\n"
            "options:\n"
            "  -p PORT, -pPORT          primary UDP port (default 9993; 0: random)\n"
            "  -U                       accepted for compatibility (root is never needed)\n"
            "  --secondary-port PORT    fixed secondary UDP port (default: random)\n"
            "  --no-secondary-port      no secondary port\n"
            "  --no-port-mapping        no tertiary port and no UPnP/NAT-PMP mapping of it on\n"
            "                           the gateway (default: on; also off when the environment\n"
            "                           has ZT_NO_PORT_MAPPING=1, as the tests set it)\n"
            "  --allow-loopback         accept 127.0.0.0/8 and ::1 as direct paths (tests, demos)\n"
            "  --bind-loopback          bind 127.0.0.1 and ::1 only, not every address, and no\n"
            "                           port mapping (tests)\n"
            "  --log-level LEVEL        error, warn, info (default) or debug\n"
            "  --log-peers SECONDS      log the peer list every SECONDS (default: at exit only)\n"
            "  --controller             run a network controller beside the node (records in\n"
            "                           HOME/controller.d/controller.sqlite3)\n"
            "  --controller-db DB       --controller, records in DB: an SQLite file, or a\n"
            "                           PostgreSQL database (postgresql://... or\n"
            "                           postgres:<libpq conninfo>) that several controller\n"
            "                           processes with this identity may share\n"
            "  --join NWID              join network NWID (16 hex digits) at start; repeatable\n"
            "                           (every HOME/networks.d/NWID.conf is joined too)\n"
            "  --no-api                 no local HTTP API (default: TCP on the primary port)\n"
            "  --no-stack               no userspace TCP/IP stack, hence no intercept sockets\n"
            "                           HOME/nc_NWID (default: one netif per joined network)\n"
            "  -h, --help               this text\n"
            "  -v, --version            print the version\n"
            "\n"
            "test options (actions start once the node is online, every --interval):\n"
            "  --ping ADDR              send ECHO to ADDR; replies: \"echo-reply from=...\"\n"
            "  --message ADDR:TYPE:TEXT send USER_MESSAGE of TYPE (decimal) with TEXT;\n"
            "                           receivers log \"user-message from=... text=...\"\n"
            "  --ping-ip NWID:IP        once NWID is up: ARP for IP (IPv4), then ICMP echo\n"
            "                           requests; replies: \"icmp-reply from=IP seq=N\"\n"
            "  --answer-arp-icmp        answer ARP requests for our IPv4 address on each\n"
            "                           joined network, and ICMP echo requests to it\n"
            "                           (these two speak raw frames: they imply --no-stack)\n"
            "  --count N                rounds of actions (default 0: until stopped)\n"
            "  --interval MS            milliseconds between rounds (default 1000)\n"
            "\n"
            "Exit status: 0 after a clean stop, 1 on failure, 2 on a usage error.\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "zt-service: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see zt-service --help)\n");
    return 2;
}

static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != 0 || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != 0 || s[0] == '-')
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool parse_address(const char *s, size_t len, uint64_t *out)
{
    return zt__address_from_string(s, len, out) == 0;
}

/* One option's effect; returns 0, or the exit status of a usage error. */
typedef int (*option_fn)(service *svc, zt_runner_config *cfg, const char *val);

static int opt_port(service *svc, zt_runner_config *cfg, const char *val)
{
    long v;

    (void)svc;
    if (!parse_long(val, 0, 65535, &v))
        return usage_error("bad port '%s'", val);
    cfg->primary_port = (int)v;
    return 0;
}

static int opt_ignore(service *svc, zt_runner_config *cfg, const char *val)
{
    /* -U: zerotier-one's "skip the root check": we never need root. */
    (void)svc;
    (void)cfg;
    (void)val;
    return 0;
}

static int opt_secondary_port(service *svc, zt_runner_config *cfg, const char *val)
{
    long v;

    (void)svc;
    if (!parse_long(val, 1, 65535, &v))
        return usage_error("bad port '%s'", val);
    cfg->secondary_port = (int)v;
    return 0;
}

static int opt_no_secondary_port(service *svc, zt_runner_config *cfg, const char *val)
{
    (void)svc;
    (void)val;
    cfg->secondary_port = -1;
    return 0;
}

/* --no-port-mapping: also over local.conf's portMappingEnabled (localconf.c sees the missing
 * mapper), since it is how tests and demos keep SSDP and NAT-PMP off the real network. */
static int opt_no_port_mapping(service *svc, zt_runner_config *cfg, const char *val)
{
    (void)svc;
    (void)val;
    cfg->port_mapping = false;
    cfg->port_mapper = NULL;
    return 0;
}

/* Port mapping is on by default, as in zerotier-one (service.md §3 portMappingEnabled), unless
 * ZT_NO_PORT_MAPPING is set to anything but "" or "0". */
static void port_mapping_default(zt_runner_config *cfg)
{
    const char *env = getenv("ZT_NO_PORT_MAPPING");

    cfg->port_mapping = true;
    cfg->port_mapper = &zt__portmap_gateway;
    if (env != NULL && env[0] != 0 && strcmp(env, "0") != 0)
        (void)opt_no_port_mapping(NULL, cfg, NULL);
}

static int opt_allow_loopback(service *svc, zt_runner_config *cfg, const char *val)
{
    (void)svc;
    (void)val;
    cfg->allow_loopback_paths = true;
    return 0;
}

static int opt_bind_loopback(service *svc, zt_runner_config *cfg, const char *val)
{
    static const uint8_t lo4[4] = {127, 0, 0, 1}, lo6[16] = {[15] = 1};

    (void)val;
    cfg->bind_specific = true;
    cfg->bind_ip4 = lo4;
    cfg->bind_ip6 = lo6;
    /* Nothing leaves the host: no SSDP or NAT-PMP either, and no gateway could reach a port
     * bound to loopback anyway. */
    return opt_no_port_mapping(svc, cfg, NULL);
}

static int opt_log_level(service *svc, zt_runner_config *cfg, const char *val)
{
    unsigned l;

    (void)cfg;
    for (l = 0; l < 4 && strcmp(val, zt__svc_level_names[l]) != 0; l++)
        ;
    if (l == 4)
        return usage_error("unknown log level '%s'", val);
    svc->level = (zt_runner_log_level)l;
    return 0;
}

static int opt_log_peers(service *svc, zt_runner_config *cfg, const char *val)
{
    long v;

    (void)cfg;
    if (!parse_long(val, 1, 86400, &v))
        return usage_error("bad interval '%s'", val);
    svc->peers_interval_ms = v * 1000;
    return 0;
}

static int opt_ping(service *svc, zt_runner_config *cfg, const char *val)
{
    action *act = &svc->actions[svc->nactions];

    (void)cfg;
    if (svc->nactions == MAX_ACTIONS)
        return usage_error("too many actions at '%s'", val);
    if (!parse_address(val, strlen(val), &act->dest))
        return usage_error("bad address '%s' (10 hex digits)", val);
    act->is_ping = true;
    svc->nactions++;
    return 0;
}

static int opt_message(service *svc, zt_runner_config *cfg, const char *val)
{
    action *act = &svc->actions[svc->nactions];
    const char *c1 = strchr(val, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
    char type[24];

    (void)cfg;
    if (svc->nactions == MAX_ACTIONS)
        return usage_error("too many actions at '%s'", val);
    if (c2 == NULL || !parse_address(val, (size_t)(c1 - val), &act->dest) ||
        (size_t)(c2 - c1 - 1) >= sizeof(type))
        return usage_error("bad message '%s' (ADDR:TYPE:TEXT)", val);
    memcpy(type, c1 + 1, (size_t)(c2 - c1 - 1));
    type[c2 - c1 - 1] = 0;
    if (!parse_u64(type, &act->type))
        return usage_error("bad message type in '%s'", val);
    act->text = c2 + 1;
    act->len = strlen(c2 + 1);
    svc->nactions++;
    return 0;
}

static int opt_controller(service *svc, zt_runner_config *cfg, const char *val)
{
    (void)svc;
    (void)val;
    cfg->controller = true;
    return 0;
}

static int opt_controller_db(service *svc, zt_runner_config *cfg, const char *val)
{
    if (val[0] == 0 || strlen(val) >= sizeof(((zt_runner_local *)0)->controller_db))
        return usage_error("--controller-db: empty or too long");
    svc->controller_db = val;
    cfg->controller = true;
    return 0;
}

static int opt_join(service *svc, zt_runner_config *cfg, const char *val)
{
    (void)cfg;
    if (svc->njoins == MAX_JOINS)
        return usage_error("too many networks at '%s'", val);
    if (strlen(val) != 16 || zt__hex_u64(val, 16, &svc->joins[svc->njoins]) != 0 ||
        svc->joins[svc->njoins] == 0)
        return usage_error("bad network ID '%s' (16 hex digits)", val);
    svc->njoins++;
    return 0;
}

static int opt_no_api(service *svc, zt_runner_config *cfg, const char *val)
{
    (void)cfg;
    (void)val;
    svc->has_api = false;
    return 0;
}

static int opt_no_stack(service *svc, zt_runner_config *cfg, const char *val)
{
    (void)cfg;
    (void)val;
    svc->has_stack = false;
    return 0;
}

static int opt_answer_arp_icmp(service *svc, zt_runner_config *cfg, const char *val)
{
    (void)cfg;
    (void)val;
    svc->answer_arp_icmp = true;
    svc->has_stack = false;
    return 0;
}

static int opt_ping_ip(service *svc, zt_runner_config *cfg, const char *val)
{
    ping_ip *p = &svc->ping_ips[svc->nping_ips];
    const char *c = strchr(val, ':');
    struct in_addr in;

    (void)cfg;
    if (svc->nping_ips == MAX_PING_IPS)
        return usage_error("too many --ping-ip at '%s'", val);
    if (c == NULL || c - val != 16 || zt__hex_u64(val, 16, &p->nwid) != 0 || p->nwid == 0 ||
        inet_pton(AF_INET, c + 1, &in) != 1)
        return usage_error("bad --ping-ip '%s' (NWID:IPv4)", val);
    memcpy(p->ip, &in, 4);
    svc->has_stack = false;
    atomic_init(&p->mac, 0);
    atomic_init(&p->replies, 0);
    svc->nping_ips++;
    return 0;
}

static int opt_count(service *svc, zt_runner_config *cfg, const char *val)
{
    long v;

    (void)cfg;
    if (!parse_long(val, 0, 1000000, &v))
        return usage_error("bad count '%s'", val);
    svc->count = (unsigned)v;
    return 0;
}

static int opt_interval(service *svc, zt_runner_config *cfg, const char *val)
{
    long v;

    (void)cfg;
    if (!parse_long(val, 10, 3600000, &v))
        return usage_error("bad interval '%s'", val);
    svc->interval_ms = v;
    return 0;
}

static const struct {
    const char *name;
    bool takes_value;
    option_fn fn;
} options[] = {
    {"-p", true, opt_port},                /* also -pPORT */
    {"-U", false, opt_ignore},
    {"--secondary-port", true, opt_secondary_port},
    {"--no-secondary-port", false, opt_no_secondary_port},
    {"--no-port-mapping", false, opt_no_port_mapping},
    {"--allow-loopback", false, opt_allow_loopback},
    {"--bind-loopback", false, opt_bind_loopback},
    {"--log-level", true, opt_log_level},
    {"--log-peers", true, opt_log_peers},
    {"--controller", false, opt_controller},
    {"--controller-db", true, opt_controller_db},
    {"--join", true, opt_join},
    {"--no-api", false, opt_no_api},
    {"--no-stack", false, opt_no_stack},
    {"--ping", true, opt_ping},
    {"--message", true, opt_message},
    {"--ping-ip", true, opt_ping_ip},
    {"--answer-arp-icmp", false, opt_answer_arp_icmp},
    {"--count", true, opt_count},
    {"--interval", true, opt_interval},
};

int zt__svc_parse_options(int argc, char **argv, service *svc, zt_runner_config *cfg,
                          const char **home)
{
    *home = NULL;
    port_mapping_default(cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        size_t k;
        int rv;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-?") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("%d.%d.%d\n", ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR,
                   ZT_NODE_VERSION_REVISION);
            return 0;
        }
        if (strncmp(a, "-p", 2) == 0 && a[2] != 0) { /* -pPORT */
            if ((rv = opt_port(svc, cfg, a + 2)) != 0)
                return rv;
            continue;
        }
        for (k = 0; k < sizeof(options) / sizeof(options[0]); k++)
            if (strcmp(a, options[k].name) == 0 && (!options[k].takes_value || val != NULL))
                break;
        if (k < sizeof(options) / sizeof(options[0])) {
            if ((rv = options[k].fn(svc, cfg, options[k].takes_value ? val : NULL)) != 0)
                return rv;
            i += options[k].takes_value;
        } else if (a[0] == '-' && a[1] != 0) {
            return usage_error("unknown or incomplete option '%s'", a);
        } else if (*home == NULL) {
            *home = a;
        } else {
            return usage_error("more than one home directory ('%s')", a);
        }
    }
    return -1;
}
