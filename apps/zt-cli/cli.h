/*
 * zt-cli: what main.c (switches, discovery, dispatch), http.c (libcurl), json_out.c (the JSON
 * printer), format.c (the table outputs) and commands.c (the other commands) share.
 * The behaviour is zerotier-cli's (service.md §6); docs/cli.md describes it.
 */
#ifndef ZT_CLI_H
#define ZT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Exit statuses of zerotier-cli (service.md §6.1-§6.2). */
#define ZT_CLI_EXIT_OK 0
#define ZT_CLI_EXIT_FAIL 1
#define ZT_CLI_EXIT_USAGE 2

#define ZT_CLI_MAX_ARGS 8
/* service.md §4: responses up to 16 MiB, 60 s per request. */
#define ZT_CLI_MAX_BODY (16u * 1024u * 1024u)
#define ZT_CLI_TIMEOUT_S 60L

typedef struct zt_cli {
    const char *argv0;    /* as typed: it starts the discovery error lines */
    const char *host;     /* -H, default 127.0.0.1 */
    const char *home;     /* -D, else $ZEROTIER_HOME, else /var/lib/zerotier-one */
    unsigned port;        /* -p or <home>/zerotier-one.port */
    char *token;          /* -T or the token file, raw (heap copy) */
    bool is_json;         /* -j */
    const char *cmd;      /* first positional argument, NULL if none */
    const char *arg[ZT_CLI_MAX_ARGS]; /* the positional arguments after it */
    int nargs;
} zt_cli;

/* One HTTP exchange.  |code| is the HTTP status, or 0 when no response came (|body| then
 * holds the reason, as zerotier-cli prints it).  |body| is NUL-terminated, |len| bytes. */
typedef struct zt_cli_response {
    long code;
    char *body;
    size_t len;
} zt_cli_response;

/* Positional argument |i| after the command, "" when absent. */
const char *zt__cli_arg(const zt_cli *cli, int i);

/* The help text, to |f|. */
void zt__cli_help(FILE *f);

/* http.c.  Sends |method| (GET, POST, DELETE) to http://<host>:<port><path> with the
 * X-ZT1-Auth header; |body| (POST only, may be NULL) goes as application/json.  Always fills
 * |res| (free it with zt__cli_response_clear); returns 0, or ZT_CLI_EXIT_FAIL when memory ran
 * out (after printing why). */
int zt__cli_http_init(void);
void zt__cli_http_cleanup(void);
int zt__cli_http(const zt_cli *cli, const char *method, const char *path, const char *body,
                 zt_cli_response *res);
void zt__cli_response_clear(zt_cli_response *res);

/* GET |path| and parse the body as JSON; the common outcomes of service.md §6.1 are printed
 * here ("Error connecting ...", "<code> <cmd> <body>", "<code> <cmd> invalid JSON ...").
 * Returns 0 with *pjson set (the caller json_decref()s it), or the exit status. */
int zt__cli_get_json(const zt_cli *cli, const char *path, json_t **pjson);

/* One request whose 200 body is printed as received (set, bond, /<path>); another status
 * prints "<code> <cmd> <body>".  Returns the exit status. */
int zt__cli_request_raw(const zt_cli *cli, const char *method, const char *path,
                        const char *body);

/* Prints "<code> <what> <body>\n" and returns ZT_CLI_EXIT_FAIL. */
int zt__cli_print_failure(const char *what, const zt_cli_response *res);

/* json_out.c: |j| with one-space indentation and sorted keys, as zerotier-cli's -j output
 * (nlohmann dump(1)); no newline after it. */
void zt__cli_json_print(FILE *f, const json_t *j);
/* A number as that printer writes it, into |buf| (at least 40 bytes). */
void zt__cli_json_number(char *buf, size_t size, const json_t *j);

/* format.c: the outputs of info, listnetworks, listpeers and peers for a parsed response. */
int zt__cli_print_info(const zt_cli *cli, const json_t *status);
int zt__cli_print_networks(const zt_cli *cli, const json_t *networks);
int zt__cli_print_listpeers(const zt_cli *cli, const json_t *peers);
int zt__cli_print_peers(const zt_cli *cli, const json_t *peers);
int64_t zt__cli_now_ms(void);

/* commands.c: one function per command; each returns the exit status. */
int zt__cli_cmd_info(zt_cli *cli);
int zt__cli_cmd_listnetworks(zt_cli *cli);
int zt__cli_cmd_listpeers(zt_cli *cli);
int zt__cli_cmd_peers(zt_cli *cli);
int zt__cli_cmd_listmoons(zt_cli *cli);
int zt__cli_cmd_join(zt_cli *cli);
int zt__cli_cmd_leave(zt_cli *cli);
int zt__cli_cmd_orbit(zt_cli *cli);
int zt__cli_cmd_deorbit(zt_cli *cli);
int zt__cli_cmd_set(zt_cli *cli);
int zt__cli_cmd_get(zt_cli *cli);
int zt__cli_cmd_path(zt_cli *cli);
int zt__cli_cmd_listbonds(zt_cli *cli);
int zt__cli_cmd_bond(zt_cli *cli);
int zt__cli_cmd_dump(zt_cli *cli);

#endif
