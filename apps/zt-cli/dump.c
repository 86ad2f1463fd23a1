/*
 * zt-cli's bond commands (our service never bonds: "no bonds") and dump, a short diagnostic
 * file (service.md §6.2).
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int zt__cli_cmd_listbonds(zt_cli *cli)
{
    json_t *peers = NULL;
    int rv = zt__cli_get_json(cli, "/peer", &peers);

    if (rv != 0)
        return rv;
    /* The service never bonds paths (isBonded is always false, service.md §5.4). */
    printf("    <peer>                        <bondtype>     <links>\n");
    printf("      NONE\t\t\t\tNONE\t    NONE       NONE\n");
    json_decref(peers);
    return ZT_CLI_EXIT_OK;
}

/* bond <addr> show|rotate, bond setmtu <mtu> <if> <ip>: the routes of service.md §4.1; the
 * body as received on 200, else "<code> bond <body>". */
int zt__cli_cmd_bond(zt_cli *cli)
{
    const char *a0 = zt__cli_arg(cli, 0), *a1 = zt__cli_arg(cli, 1);
    const char *method = "POST";
    char path[512];

    if (strcmp(a0, "list") == 0)
        return zt__cli_cmd_listbonds(cli);
    if (strcmp(a0, "setmtu") == 0 && cli->nargs >= 4) {
        snprintf(path, sizeof(path), "/bond/setmtu/%s/%s/%s", a1, zt__cli_arg(cli, 2),
                 zt__cli_arg(cli, 3));
    } else if (a0[0] != 0 && (strcmp(a1, "show") == 0 || strcmp(a1, "rotate") == 0)) {
        snprintf(path, sizeof(path), "/bond/%s/%s", a1, a0);
        if (strcmp(a1, "show") == 0)
            method = "GET";
    } else {
        zt__cli_help(stderr);
        return ZT_CLI_EXIT_OK;
    }
    return zt__cli_request_raw(cli, method, path, method[0] == 'P' ? "{}" : NULL);
}

/* Section |title| of the dump: the response to GET |path|, re-indented. */
static int dump_json(FILE *f, zt_cli *cli, const char *title, const char *path)
{
    json_t *j = NULL;
    int rv = zt__cli_get_json(cli, path, &j);

    if (rv != 0)
        return rv;
    fprintf(f, "%s (GET %s)\n", title, path);
    zt__cli_json_print(f, j);
    fputs("\n\n", f);
    json_decref(j);
    return 0;
}

static void dump_local_conf(FILE *f, const char *home)
{
    char path[PATH_MAX], buf[4096];
    FILE *in;
    size_t n;

    snprintf(path, sizeof(path), "%s/local.conf", home);
    fprintf(f, "local.conf (%s)\n", path);
    if ((in = fopen(path, "rb")) == NULL) {
        fputs("(none)\n\n", f);
        return;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, f);
    fclose(in);
    fputs("\n\n", f);
}

static void dump_interfaces(FILE *f)
{
    struct ifaddrs *ifs, *i;
    char text[INET6_ADDRSTRLEN];
    const void *addr;

    fputs("interfaces\n", f);
    if (getifaddrs(&ifs) != 0) {
        fputs("(unavailable)\n", f);
        return;
    }
    for (i = ifs; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr == NULL)
            continue;
        if (i->ifa_addr->sa_family == AF_INET)
            addr = &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
        else if (i->ifa_addr->sa_family == AF_INET6)
            addr = &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
        else
            continue;
        if (inet_ntop(i->ifa_addr->sa_family, addr, text, sizeof(text)) != NULL)
            fprintf(f, "%s %s%s\n", i->ifa_name, text, (i->ifa_flags & IFF_UP) ? "" : " (down)");
    }
    freeifaddrs(ifs);
}

int zt__cli_cmd_dump(zt_cli *cli)
{
    char dir[PATH_MAX - 32], path[PATH_MAX];
    FILE *f = NULL;
    int rv = ZT_CLI_EXIT_FAIL;

    if (getcwd(dir, sizeof(dir)) == NULL) {
        fprintf(stderr, "%s: dump: cannot get the current directory\n", cli->argv0);
        return ZT_CLI_EXIT_FAIL;
    }
    snprintf(path, sizeof(path), "%s/zerotier_dump.txt", dir);
    if ((f = fopen(path, "w")) == NULL) {
        fprintf(stderr, "%s: dump: cannot write %s\n", cli->argv0, path);
        return ZT_CLI_EXIT_FAIL;
    }
    fprintf(f, "ZeroTier dump (zt-cli), home %s, API %s:%u\n\n", cli->home, cli->host, cli->port);
    if ((rv = dump_json(f, cli, "status", "/status")) != 0 ||
        (rv = dump_json(f, cli, "networks", "/network")) != 0 ||
        (rv = dump_json(f, cli, "peers", "/peer")) != 0)
        goto out;
    dump_local_conf(f, cli->home);
    dump_interfaces(f);
    if (ferror(f)) {
        fprintf(stderr, "%s: dump: cannot write %s\n", cli->argv0, path);
        rv = ZT_CLI_EXIT_FAIL;
        goto out;
    }
    printf("Writing dump to: %s\n", path);
out:
    if (fclose(f) != 0 && rv == 0) {
        fprintf(stderr, "%s: dump: cannot write %s\n", cli->argv0, path);
        rv = ZT_CLI_EXIT_FAIL;
    }
    return rv;
}
