/*
 * zt-cli's commands (service.md §6.2): each issues its request to the local API and prints
 * what zerotier-cli prints; the table outputs are in format.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int zt__cli_print_failure(const char *what, const zt_cli_response *res)
{
    printf("%ld %s ", res->code, what);
    fwrite(res->body, 1, res->len, stdout);
    fputc('\n', stdout);
    return ZT_CLI_EXIT_FAIL;
}

int zt__cli_get_json(const zt_cli *cli, const char *path, json_t **pjson)
{
    const size_t flags = JSON_DECODE_ANY | JSON_ALLOW_NUL; /* any JSON, as nlohmann reads */
    zt_cli_response res;
    json_error_t err;
    json_t *j;
    int rv;

    if ((rv = zt__cli_http(cli, "GET", path, NULL, &res)) != 0)
        goto out;
    if (res.code == 0) {
        printf("Error connecting to the ZeroTier service: %s\n\nPlease check that the service "
               "is running and that TCP port 9993 can be contacted via 127.0.0.1.\n",
               res.body);
        rv = ZT_CLI_EXIT_FAIL;
    } else if (res.code != 200) {
        rv = zt__cli_print_failure(cli->cmd, &res);
    } else if ((j = json_loadb(res.body, res.len, flags, &err)) == NULL) {
        printf("%ld %s invalid JSON response (%s)\n", res.code, cli->cmd, err.text);
        rv = ZT_CLI_EXIT_FAIL;
    } else {
        *pjson = j;
    }
out:
    zt__cli_response_clear(&res);
    return rv;
}

int zt__cli_request_raw(const zt_cli *cli, const char *method, const char *path,
                        const char *body)
{
    zt_cli_response res;
    int rv = zt__cli_http(cli, method, path, body, &res);

    if (rv == 0) {
        if (res.code == 200)
            fwrite(res.body, 1, res.len, stdout);
        else
            rv = zt__cli_print_failure(cli->cmd, &res);
    }
    zt__cli_response_clear(&res);
    return rv;
}

/* GET |path|, then |print| the parsed response. */
static int get_and_print(zt_cli *cli, const char *path,
                         int (*print)(const zt_cli *, const json_t *))
{
    json_t *j = NULL;
    int rv = zt__cli_get_json(cli, path, &j);

    if (rv == 0)
        rv = print(cli, j);
    json_decref(j);
    return rv;
}

int zt__cli_cmd_info(zt_cli *cli)
{
    return get_and_print(cli, "/status", zt__cli_print_info);
}

int zt__cli_cmd_listnetworks(zt_cli *cli)
{
    return get_and_print(cli, "/network", zt__cli_print_networks);
}

int zt__cli_cmd_listpeers(zt_cli *cli)
{
    return get_and_print(cli, "/peer", zt__cli_print_listpeers);
}

int zt__cli_cmd_peers(zt_cli *cli)
{
    return get_and_print(cli, "/peer", zt__cli_print_peers);
}

static int print_moons(const zt_cli *cli, const json_t *moons)
{
    (void)cli;
    zt__cli_json_print(stdout, moons);
    fputc('\n', stdout);
    return ZT_CLI_EXIT_OK;
}

int zt__cli_cmd_listmoons(zt_cli *cli)
{
    return get_and_print(cli, "/moon", print_moons);
}

/* One request whose answer is "200 <cmd> OK" (or, with -j and |is_raw_json|, the body as
 * received); other statuses print "<code> <cmd> <body>" and exit 1. */
static int request_ok(zt_cli *cli, const char *method, const char *path, const char *body,
                      bool is_raw_json)
{
    zt_cli_response res;
    int rv = zt__cli_http(cli, method, path, body, &res);

    if (rv != 0)
        goto out;
    if (res.code != 200)
        rv = zt__cli_print_failure(cli->cmd, &res);
    else if (cli->is_json && is_raw_json)
        fwrite(res.body, 1, res.len, stdout);
    else
        printf("200 %s OK\n", cli->cmd);
out:
    zt__cli_response_clear(&res);
    return rv;
}

/* join and leave: the network ID must be exactly 16 characters. */
static int network_request(zt_cli *cli, const char *method, const char *body)
{
    const char *nwid = zt__cli_arg(cli, 0);
    char path[64];

    if (strlen(nwid) != 16) {
        printf("invalid network id\n");
        return ZT_CLI_EXIT_USAGE;
    }
    snprintf(path, sizeof(path), "/network/%s", nwid);
    return request_ok(cli, method, path, body, true);
}

int zt__cli_cmd_join(zt_cli *cli)
{
    return network_request(cli, "POST", "{}");
}

int zt__cli_cmd_leave(zt_cli *cli)
{
    return network_request(cli, "DELETE", NULL);
}

/* "/moon/<id>" with the ID as typed; NULL when out of memory. */
static char *moon_path(const char *id)
{
    size_t n = strlen(id) + 8;
    char *path = malloc(n);

    if (path != NULL)
        snprintf(path, n, "/moon/%s", id);
    else
        fputs("zt-cli: out of memory\n", stderr);
    return path;
}

int zt__cli_cmd_orbit(zt_cli *cli)
{
    const char *world = zt__cli_arg(cli, 0), *seed = zt__cli_arg(cli, 1);
    json_t *o = NULL;
    char *body = NULL, *path = NULL;
    int rv = ZT_CLI_EXIT_FAIL;

    /* Either ID reading (as hex) as 0: nothing to orbit, silently (service.md §6.2). */
    if (strtoull(world, NULL, 16) == 0 || strtoull(seed, NULL, 16) == 0)
        return ZT_CLI_EXIT_OK;
    if ((o = json_pack("{s:s}", "seed", seed)) == NULL ||
        (body = json_dumps(o, JSON_COMPACT)) == NULL || (path = moon_path(world)) == NULL)
        goto out;
    rv = request_ok(cli, "POST", path, body, false);
out:
    json_decref(o);
    free(body);
    free(path);
    return rv;
}

int zt__cli_cmd_deorbit(zt_cli *cli)
{
    char *path = moon_path(zt__cli_arg(cli, 0));
    int rv = path ? request_ok(cli, "DELETE", path, NULL, true) : ZT_CLI_EXIT_FAIL;

    free(path);
    return rv;
}

/* The argument checks set and get share; 0 when both are there. */
static int check_network_and_name(const zt_cli *cli, const char *verb)
{
    if (strlen(zt__cli_arg(cli, 0)) != 16) {
        fprintf(stderr, "invalid format: must be a 16-digit (network) ID\n");
        return ZT_CLI_EXIT_USAGE;
    }
    if (zt__cli_arg(cli, 1)[0] == 0) {
        fprintf(stderr, "invalid format: include a property name to %s\n", verb);
        return ZT_CLI_EXIT_USAGE;
    }
    return 0;
}

static const char *const settable[] = {"allowManaged", "allowGlobal", "allowDefault",
                                       "allowDNS"};

int zt__cli_cmd_set(zt_cli *cli)
{
    const char *kv = zt__cli_arg(cli, 1), *eq, *value;
    char path[64], body[64];
    size_t klen, i;
    int rv;

    if ((rv = check_network_and_name(cli, "set")) != 0)
        return rv;
    if ((eq = strchr(kv, '=')) == NULL) {
        zt__cli_help(stderr);
        return ZT_CLI_EXIT_USAGE;
    }
    klen = (size_t)(eq - kv);
    for (i = 0; i < sizeof(settable) / sizeof(settable[0]); i++)
        if (strlen(settable[i]) == klen && memcmp(settable[i], kv, klen) == 0)
            break;
    if (i == sizeof(settable) / sizeof(settable[0]))
        return ZT_CLI_EXIT_OK; /* not a setting: nothing sent, as zerotier-cli */
    value = eq + 1;
    snprintf(body, sizeof(body), "{\"%s\":%s}", settable[i],
             value[0] == 't' || value[0] == '1' ? "true" : "false");
    snprintf(path, sizeof(path), "/network/%s", zt__cli_arg(cli, 0));
    return zt__cli_request_raw(cli, "POST", path, body);
}

/* get ... ip|ip4|ip6|ip6plane|ip6prefix: the assigned addresses without their /bits, one per
 * line, then a final newline. */
static void print_ips(const json_t *nw, const char *prop)
{
    const json_t *ips = json_object_get(nw, "assignedAddresses"), *ip;
    size_t i, len, n = 0;
    const char *s;

    json_array_foreach(ips, i, ip)
    {
        if (!json_is_string(ip))
            continue;
        s = json_string_value(ip);
        len = strcspn(s, "/");
        if ((strcmp(prop, "ip4") == 0 && memchr(s, '.', len) == NULL) ||
            (strcmp(prop, "ip6") == 0 && memchr(s, ':', len) == NULL) ||
            (strncmp(prop, "ip6p", 4) == 0 && strncmp(s, "fc", 2) != 0))
            continue;
        if (strcmp(prop, "ip6prefix") == 0 && len > 24)
            len = 24;
        printf("%s%.*s", n++ ? "\n" : "", (int)len, s);
    }
    fputc('\n', stdout);
}

/* get <nwid> <property>: a scalar as text, booleans as 1 and 0. */
static int print_property(const json_t *nw, const char *prop)
{
    const json_t *v = json_object_get(nw, prop);
    char num[48];

    if (json_is_string(v)) {
        fwrite(json_string_value(v), 1, json_string_length(v), stdout);
    } else if (json_is_number(v)) {
        zt__cli_json_number(num, sizeof(num), v);
        fputs(num, stdout);
    } else if (json_is_boolean(v)) {
        fputc(json_is_true(v) ? '1' : '0', stdout);
    } else {
        printf("error, unknown property name\n");
        return ZT_CLI_EXIT_FAIL;
    }
    fputc('\n', stdout);
    return ZT_CLI_EXIT_OK;
}

int zt__cli_cmd_get(zt_cli *cli)
{
    const char *nwid = zt__cli_arg(cli, 0), *prop = zt__cli_arg(cli, 1);
    const json_t *nw, *found = NULL;
    json_t *networks = NULL;
    size_t i;
    int rv;

    if ((rv = check_network_and_name(cli, "get")) != 0)
        return rv;
    if ((rv = zt__cli_get_json(cli, "/network", &networks)) != 0)
        return rv;
    json_array_foreach(networks, i, nw)
    {
        if (json_is_string(json_object_get(nw, "id")) &&
            strcmp(json_string_value(json_object_get(nw, "id")), nwid) == 0) {
            found = nw;
            break;
        }
    }
    if (found == NULL) {
        fprintf(stderr, "unknown network ID, check that you are a member of the network\n");
        rv = ZT_CLI_EXIT_FAIL;
    } else if (strcmp(prop, "ip") == 0 || strcmp(prop, "ip4") == 0 || strcmp(prop, "ip6") == 0 ||
               strcmp(prop, "ip6plane") == 0 || strcmp(prop, "ip6prefix") == 0) {
        print_ips(found, prop);
    } else {
        rv = print_property(found, prop);
    }
    json_decref(networks);
    return rv;
}

int zt__cli_cmd_path(zt_cli *cli)
{
    return zt__cli_request_raw(cli, "GET", cli->cmd, NULL);
}
