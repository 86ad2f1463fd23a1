/*
 * api.h: zt-service's local HTTP API (docs/service.md "Local API", service.md §4-§5): the
 * server (api.c, libmicrohttpd), its routes (api_routes.c), the JSON objects (api_json.c), the
 * files it reads and writes in the home directory (api_files.c) and its tokens (token.c).
 *
 * Threads: libmicrohttpd's own threads (one per listening socket) run the routes; they reach
 * the node only through the runner's thread-safe queries and commands, and take |mu| around
 * every read-modify-write of a file (local.conf, networks.d/<nwid>.local.conf).
 */
#ifndef ZT_APPS_SERVICE_API_H
#define ZT_APPS_SERVICE_API_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/world.h"
#include "sdk/home.h"
#include "sdk/localconf.h"
#include "sdk/runner.h"

#define SVC_API_TOKEN_MAX 128
#define SVC_API_BODY_MAX (1024 * 1024) /* larger request bodies get 413 */
#define SVC_MAX_MOONS 16
#define SVC_MANAGED_LIST_MAX 1024

typedef struct svc_api_config {
    zt_runner *runner;
    const char *home;
    bool loopback_only; /* --bind-loopback: listen on 127.0.0.1 and ::1 only */
    uint16_t port;      /* TCP port: the primary UDP port */
} svc_api_config;

typedef struct svc_api svc_api;

/* Reads (creating them if absent) both tokens and starts listening.  Returns 0, or an error
 * with one sentence in |err| (both listeners failed, a token unreadable). */
int zt__svc_api_start(svc_api **papi, const svc_api_config *cfg, char *err, size_t errlen);
/* Stops the listeners and waits for the requests in progress.  NULL is a no-op. */
void zt__svc_api_stop(svc_api *api);

/* token.c: |name| (authtoken.secret, metricstoken.secret) in |home|, created if absent, read
 * back trimmed into |out|.  Returns 0, or an error with one sentence in |err|. */
int zt__svc_token_load(const char *home, const char *name, char *out, size_t cap, char *err,
                       size_t errlen);

/* What the routes share. */
typedef struct svc_ctx {
    zt_runner *runner;
    const char *home;
    pthread_mutex_t mu; /* file rewrites */
} svc_ctx;

typedef struct svc_request {
    const char *method;
    const char *path;   /* without the query string */
    const char *body;   /* NUL-terminated copy; NULL when there was none */
    size_t body_len;
} svc_request;

/* An answer: |json| (owned; NULL: empty body) or |text| (owned, text/plain; JSON text,
 * served as |json| would be, when |text_is_json|). */
typedef struct svc_reply {
    unsigned status;
    json_t *json;
    char *text;
    size_t text_len;
    bool text_is_json;
} svc_reply;

/* api_routes.c: answers |req| (already authenticated). */
void zt__svc_route(svc_ctx *ctx, const svc_request *req, svc_reply *rep);

/* api_files.c: networks.d/<nwid>.local.conf (service.md §2.2). */
typedef struct svc_net_settings {
    bool allow_managed, allow_global, allow_default, allow_dns;
    char managed_list[SVC_MANAGED_LIST_MAX]; /* an allowManaged CIDR list, kept as is; or "" */
} svc_net_settings;

void zt__svc_net_settings_read(const char *home, uint64_t nwid, svc_net_settings *s);
int zt__svc_net_settings_write(const char *home, uint64_t nwid, const svc_net_settings *s);
void zt__svc_net_settings_delete(const char *home, uint64_t nwid);

/* Rewrites local.conf (4-space indentation, keys sorted).  Returns 0 or ZT_ERR_IO. */
int zt__svc_local_conf_write(const char *home, const json_t *conf);

/* The moons in moons.d that check out (zt__home_check_moon), by ascending ID: up to
 * SVC_MAX_MOONS into |out| (each heap-allocated; free with zt__svc_moons_free).  Returns
 * how many. */
unsigned zt__svc_moons_load(const char *home, zt_world **out);
void zt__svc_moons_free(zt_world **moons, unsigned n);


/* True when the client address |sa| may use the API: loopback, or inside one of the CIDRs of
 * settings.allowManagementFrom in local.conf. */
struct sockaddr;
bool zt__svc_client_allowed(const char *home, const struct sockaddr *sa);

/* api_json.c: the objects of service.md §5, and the body of an error answer:
 * {"error": <status>, "description": <sentence>}. */
json_t *zt__svc_json_error(unsigned status, const char *description);
json_t *zt__svc_json_status(svc_ctx *ctx);
json_t *zt__svc_json_health(svc_ctx *ctx);
json_t *zt__svc_json_network(svc_ctx *ctx, const zt_runner_network *net);
/* |moons|: the loaded moons (to tell a moon's roots from the planet's). */
/* The node-wide TCP relay is in use (service.md §5.4 "tunneled"): one query, for a whole
 * listing. */
bool zt__svc_tunneled(svc_ctx *ctx);
json_t *zt__svc_json_peer(svc_ctx *ctx, const zt_peer_info *p, zt_world *const *moons,
                          unsigned nmoons, bool tunneled);
json_t *zt__svc_json_moon(const zt_world *w);
/* The Prometheus text of /metrics (service.md §5.6); NULL when the node cannot be asked. */
char *zt__svc_metrics(svc_ctx *ctx, size_t *plen);

#endif
