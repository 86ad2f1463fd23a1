/*
 * zt-cli: zerotier-cli for our zt-service (and for zerotier-one), over the local JSON API.
 * This file reads the switches, finds the port and token (service.md §6.1) and dispatches
 * the commands (service.md §6.2).  Output and exit codes are zerotier-cli's, byte for byte;
 * a link named zerotier-cli to this program behaves the same.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/node.h" /* ZT_NODE_VERSION_*: the version zt-cli reports is the node's */

#define DEFAULT_HOME "/var/lib/zerotier-one"
#define MAX_TOKEN_FILE 4096
/* parse_switch's results besides an exit status */
#define GO_ON (-1)
#define BAD_VALUE (-2)

typedef int (*command_fn)(zt_cli *cli);

static const struct {
    const char *name;
    command_fn run;
} commands[] = {
    {"info", zt__cli_cmd_info},       {"status", zt__cli_cmd_info},
    {"listnetworks", zt__cli_cmd_listnetworks},
    {"listpeers", zt__cli_cmd_listpeers},
    {"peers", zt__cli_cmd_peers},     {"join", zt__cli_cmd_join},
    {"leave", zt__cli_cmd_leave},     {"listmoons", zt__cli_cmd_listmoons},
    {"orbit", zt__cli_cmd_orbit},     {"deorbit", zt__cli_cmd_deorbit},
    {"set", zt__cli_cmd_set},         {"get", zt__cli_cmd_get},
    {"listbonds", zt__cli_cmd_listbonds},
    {"bond", zt__cli_cmd_bond},       {"dump", zt__cli_cmd_dump},
};

void zt__cli_help(FILE *f)
{
    fprintf(f,
            "zt-cli %d.%d.%d: controls a running zt-service (or zerotier-one) through its\n"
            "local API.  Output and exit codes are those of zerotier-cli.\n"
            "\n"
            "usage: zt-cli [-switches] <command> [<arguments>]\n"
            "\n"
            "switches (values attached: -p9993, not -p 9993):\n"
            "  -h, -?       this help\n"
            "  -v           print the version\n"
            "  -j           print the JSON responses as they come, indented\n"
            "  -D<path>     home directory holding zerotier-one.port and authtoken.secret\n"
            "               (default: $ZEROTIER_HOME, else " DEFAULT_HOME ")\n"
            "  -p<port>     API port, 1 to 65535 (default: <home>/zerotier-one.port)\n"
            "  -T<token>    API token (default: <home>/authtoken.secret, else\n"
            "               $HOME/.zeroTierOneAuthToken)\n"
            "  -H<ip>       API host (default: 127.0.0.1)\n"
            "\n"
            "commands:\n"
            "  info, status                  address, version and online state of the node\n"
            "  listnetworks                  the joined networks\n"
            "  listpeers                     the peers, with their preferred path\n"
            "  peers                         the peers as a table\n"
            "  join <network ID>             joins a network (16 hex digits)\n"
            "  leave <network ID>            leaves a network\n"
            "  listmoons                     the orbited moons (JSON)\n"
            "  orbit <world ID> <seed>       orbits a moon, fetched from its root <seed>\n"
            "  deorbit <world ID>            stops orbiting a moon\n"
            "  set <network ID> <setting>=<value>\n"
            "                                allowManaged, allowGlobal, allowDefault or\n"
            "                                allowDNS; true if the value starts with t or 1\n"
            "  get <network ID> <property>   one field of the network, or ip, ip4, ip6,\n"
            "                                ip6plane, ip6prefix (assigned addresses)\n"
            "  listbonds, bond list          the bonded peers (none: zt-service never bonds)\n"
            "  bond <address> show|rotate    bonding detail of a peer, or a link rotation\n"
            "  bond setmtu <mtu> <interface> <ip>\n"
            "                                sets the MTU of a bonded link\n"
            "  dump                          writes zerotier_dump.txt in this directory\n"
            "  /<path>                       GET that path of the API; the body as received\n"
            "\n"
            "Exit status: 0 success, 1 failure, 2 usage error or service not found.\n",
            ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR, ZT_NODE_VERSION_REVISION);
}

const char *zt__cli_arg(const zt_cli *cli, int i)
{
    return i < cli->nargs ? cli->arg[i] : "";
}

/* -p<port>: decimal 1..65535, nothing else. */
static bool parse_port(const char *s, unsigned *pport)
{
    unsigned long v = 0;

    if (*s == 0 || strlen(s) > 5)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *pport = (unsigned)v;
    return true;
}

/* One switch: GO_ON, BAD_VALUE, or the exit status after printing help or version. */
static int parse_switch(zt_cli *cli, const char *a)
{
    const char *val = a + 2;

    switch (a[1]) {
    case 'h':
    case '?': zt__cli_help(stdout); return ZT_CLI_EXIT_OK;
    case 'v':
        if (*val != 0)
            break;
        printf("%d.%d.%d\n", ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR,
               ZT_NODE_VERSION_REVISION);
        return ZT_CLI_EXIT_OK;
    case 'j': cli->is_json = true; return *val ? BAD_VALUE : GO_ON;
    case 'q': return *val ? BAD_VALUE : GO_ON;
    case 'p': return parse_port(val, &cli->port) ? GO_ON : BAD_VALUE;
    case 'D': cli->home = val; return *val ? GO_ON : BAD_VALUE;
    case 'T':
        free(cli->token);
        if (*val == 0)
            return BAD_VALUE;
        cli->token = strdup(val);
        return cli->token ? GO_ON : ZT_CLI_EXIT_FAIL;
    case 'H': cli->host = val; return *val ? GO_ON : BAD_VALUE;
    default: zt__cli_help(stdout); return ZT_CLI_EXIT_OK; /* unknown letter (service.md §6.1) */
    }
    return BAD_VALUE;
}

/* Switches anywhere on the line, the rest positional.  Returns GO_ON, or the exit status
 * (help for a bad value: exit 1). */
static int parse_args(zt_cli *cli, int argc, char **argv)
{
    int rv;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            if ((rv = parse_switch(cli, argv[i])) == BAD_VALUE) {
                zt__cli_help(stdout);
                return ZT_CLI_EXIT_FAIL;
            }
            if (rv != GO_ON)
                return rv;
        } else if (cli->cmd == NULL) {
            cli->cmd = argv[i];
        } else if (cli->nargs < ZT_CLI_MAX_ARGS) {
            cli->arg[cli->nargs++] = argv[i];
        }
    }
    return GO_ON;
}

/* The whole of a small regular file, NUL-terminated; NULL if it cannot be read or is empty. */
static char *read_small_file(const char *dir, const char *name)
{
    char path[PATH_MAX], *buf;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "rb")) == NULL)
        return NULL;
    if ((buf = malloc(MAX_TOKEN_FILE + 1)) != NULL) {
        n = fread(buf, 1, MAX_TOKEN_FILE + 1, f);
        if (n == 0 || n > MAX_TOKEN_FILE || ferror(f)) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = 0;
        }
    }
    fclose(f);
    return buf;
}

/* <home>/zerotier-one.port: decimal, surrounding white space allowed. */
static bool read_port_file(const char *home, unsigned *pport)
{
    char *text = read_small_file(home, "zerotier-one.port"), *s, *e;
    bool ok = false;

    if (text == NULL)
        return false;
    for (s = text; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
        ;
    for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
                                      e[-1] == '\n');
         e--)
        ;
    *e = 0;
    ok = parse_port(s, pport);
    free(text);
    return ok;
}

/* Port and token when -p or -T did not give them (service.md §6.1).  0, or exit 2. */
static int discover(zt_cli *cli)
{
    const char *user_home;

    if (cli->port == 0 && !read_port_file(cli->home, &cli->port)) {
        fprintf(stderr, "%s: missing port and zerotier-one.port not found in %s\n", cli->argv0,
                cli->home);
        return ZT_CLI_EXIT_USAGE;
    }
    if (cli->token != NULL)
        return 0;
    /* The token is used raw, not trimmed, as zerotier-cli does. */
    cli->token = read_small_file(cli->home, "authtoken.secret");
    if (cli->token == NULL && (user_home = getenv("HOME")) != NULL && user_home[0] != 0)
        cli->token = read_small_file(user_home, ".zeroTierOneAuthToken");
    if (cli->token == NULL) {
        fprintf(stderr, "%s: authtoken.secret not found or readable in %s (try again as root)\n",
                cli->argv0, cli->home);
        return ZT_CLI_EXIT_USAGE;
    }
    return 0;
}

static int dispatch(zt_cli *cli)
{
    if (cli->cmd == NULL) {
        zt__cli_help(stderr);
        return ZT_CLI_EXIT_OK;
    }
    if (cli->cmd[0] == '/')
        return zt__cli_cmd_path(cli);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, cli->cmd) == 0)
            return commands[i].run(cli);
    zt__cli_help(stderr);
    return ZT_CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    zt_cli cli = {0};
    const char *env_home = getenv("ZEROTIER_HOME");
    int rv;

    cli.argv0 = argc > 0 ? argv[0] : "zt-cli";
    cli.host = "127.0.0.1";
    cli.home = env_home != NULL && env_home[0] != 0 ? env_home : DEFAULT_HOME;
    if ((rv = parse_args(&cli, argc, argv)) != GO_ON)
        goto out;
    if ((rv = discover(&cli)) != 0)
        goto out;
    if (zt__cli_http_init() != 0) {
        fprintf(stderr, "%s: cannot initialise libcurl\n", cli.argv0);
        rv = ZT_CLI_EXIT_FAIL;
        goto out;
    }
    rv = dispatch(&cli);
    zt__cli_http_cleanup();
out:
    free(cli.token);
    fflush(stdout);
    return rv;
}
