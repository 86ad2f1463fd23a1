/*
 * The table outputs of zt-cli, byte for byte those of zerotier-cli (service.md §6.2): info,
 * listnetworks, listpeers and peers, from the parsed response.  With -j each prints the
 * response re-indented instead (service.md §6.1).
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int64_t zt__cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The string field |key| of |obj|, or |dflt| when absent or not a string. */
static const char *str_or(const json_t *obj, const char *key, const char *dflt)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

/* The number (or boolean) field |key| of |obj| as an integer, |dflt| otherwise. */
static int64_t int_or(const json_t *obj, const char *key, int64_t dflt)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_boolean(v))
        return json_is_true(v);
    return dflt;
}

static bool is_true(const json_t *obj, const char *key)
{
    return json_is_true(json_object_get(obj, key));
}

static int print_json(const json_t *j)
{
    zt__cli_json_print(stdout, j);
    fputc('\n', stdout);
    return ZT_CLI_EXIT_OK;
}

int zt__cli_print_info(const zt_cli *cli, const json_t *status)
{
    const char *state;

    if (cli->is_json)
        return print_json(status);
    state = is_true(status, "tcpFallbackActive") ? "TUNNELED"
            : is_true(status, "online")          ? "ONLINE"
                                                 : "OFFLINE";
    printf("200 info %s %s %s\n", str_or(status, "address", "-"),
           str_or(status, "version", "-"), state);
    return ZT_CLI_EXIT_OK;
}

/* assignedAddresses joined by ',', "-" when there is none. */
static void print_addresses(const json_t *nw)
{
    const json_t *ips = json_object_get(nw, "assignedAddresses"), *ip;
    size_t i, n = 0;

    json_array_foreach(ips, i, ip)
    {
        if (!json_is_string(ip))
            continue;
        printf("%s%s", n++ ? "," : "", json_string_value(ip));
    }
    if (n == 0)
        fputc('-', stdout);
}

/* The SSO line under a network whose config has SSO enabled. */
static void print_sso(const json_t *nw)
{
    const char *status = str_or(nw, "status", "");
    int64_t left;

    if (!is_true(nw, "ssoEnabled"))
        return;
    if (strcmp(status, "AUTHENTICATION_REQUIRED") == 0) {
        printf("    AUTH EXPIRED, URL: %s\n", str_or(nw, "authenticationURL", "(null)"));
    } else if (strcmp(status, "OK") == 0) {
        left = (int_or(nw, "authenticationExpiryTime", 0) - zt__cli_now_ms()) / 1000;
        if (left >= 0)
            printf("    AUTH OK, expires in: %" PRId64 " seconds\n", left);
    }
}

int zt__cli_print_networks(const zt_cli *cli, const json_t *networks)
{
    const json_t *nw;
    size_t i;

    if (cli->is_json)
        return print_json(networks);
    printf("200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n");
    json_array_foreach(networks, i, nw)
    {
        printf("200 listnetworks %s %s %s %s %s %s ", str_or(nw, "nwid", "-"),
               str_or(nw, "name", "-"), str_or(nw, "mac", "-"), str_or(nw, "status", "-"),
               str_or(nw, "type", "-"), str_or(nw, "portDeviceName", "-"));
        print_addresses(nw);
        fputc('\n', stdout);
        print_sso(nw);
    }
    return ZT_CLI_EXIT_OK;
}

/* What listpeers and peers print of a peer. */
typedef struct peer_row {
    const char *address, *role;
    const char *path; /* address of the preferred path, NULL if there is none */
    int64_t latency, since_send, since_receive;
    char version[64]; /* "maj.min.rev", "-" when unknown (major < 0) */
} peer_row;

/* The first path marked preferred, NULL if none. */
static const json_t *preferred_path(const json_t *peer)
{
    const json_t *paths = json_object_get(peer, "paths"), *p;
    size_t i;

    json_array_foreach(paths, i, p)
    {
        if (is_true(p, "preferred"))
            return p;
    }
    return NULL;
}

/* Milliseconds since the timestamp |key| of |path|, -1 when it is 0 (never). */
static int64_t since(const json_t *path, const char *key, int64_t now)
{
    int64_t t = int_or(path, key, 0);
    return t == 0 ? -1 : now - t;
}

static void get_peer_row(const json_t *peer, int64_t now, peer_row *r)
{
    const json_t *path = preferred_path(peer);
    int64_t maj = int_or(peer, "versionMajor", -1);

    r->address = str_or(peer, "address", "-");
    r->role = str_or(peer, "role", "-");
    r->latency = int_or(peer, "latency", -1);
    r->path = path ? str_or(path, "address", "-") : NULL;
    r->since_send = path ? since(path, "lastSend", now) : -1;
    r->since_receive = path ? since(path, "lastReceive", now) : -1;
    if (maj < 0)
        snprintf(r->version, sizeof(r->version), "-");
    else
        snprintf(r->version, sizeof(r->version), "%" PRId64 ".%" PRId64 ".%" PRId64, maj,
                 int_or(peer, "versionMinor", -1), int_or(peer, "versionRev", -1));
}

static void listpeers_row(const json_t *peer, const peer_row *r, bool *pany_tunneled)
{
    (void)peer;
    (void)pany_tunneled;
    printf("200 listpeers %s ", r->address);
    if (r->path != NULL)
        printf("%s;%" PRId64 ";%" PRId64, r->path, r->since_send, r->since_receive);
    else
        fputc('-', stdout);
    printf(" %" PRId64 " %s %s\n", r->latency, r->version, r->role);
}

static void peers_row(const json_t *peer, const peer_row *r, bool *pany_tunneled)
{
    bool is_tunneled = is_true(peer, "tunneled");

    *pany_tunneled = *pany_tunneled || is_tunneled;
    printf("%s %-6s %-6s %5" PRId64 " ", r->address, r->version, r->role, r->latency);
    if (r->path != NULL)
        printf("%s%-8" PRId64 " %-8" PRId64 " %s\n", is_tunneled ? "RELAY " : "DIRECT   ",
               r->since_send, r->since_receive, r->path);
    else
        printf("RELAY\n");
}

/* The header, a row per peer, and the relay note if a peer was tunneled (peers only). */
static int print_peer_table(const zt_cli *cli, const json_t *peers, const char *header,
                            void (*row)(const json_t *, const peer_row *, bool *))
{
    int64_t now = zt__cli_now_ms();
    bool any_tunneled = false;
    const json_t *peer;
    peer_row r;
    size_t i;

    if (cli->is_json)
        return print_json(peers);
    fputs(header, stdout);
    json_array_foreach(peers, i, peer)
    {
        get_peer_row(peer, now, &r);
        row(peer, &r, &any_tunneled);
    }
    if (any_tunneled)
        printf("NOTE: Currently tunneling through a TCP relay. Ensure that UDP is not blocked.\n");
    return ZT_CLI_EXIT_OK;
}

int zt__cli_print_listpeers(const zt_cli *cli, const json_t *peers)
{
    return print_peer_table(cli, peers,
                            "200 listpeers <ztaddr> <path> <latency> <version> <role>\n",
                            listpeers_row);
}

int zt__cli_print_peers(const zt_cli *cli, const json_t *peers)
{
    return print_peer_table(
        cli, peers,
        "200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n",
        peers_row);
}
