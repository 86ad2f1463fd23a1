/*
 * api_routes.c: the routes of the local API (service.md §4.1), one table row each, and their
 * handlers.  A request reaches them authenticated (api.c); each handler fills a reply with a
 * status and a JSON value (or text for /metrics).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "controller/rest.h"
#include "io/clock.h"
#include "util/hex.h"

#define MAX_PEERS 1024

typedef enum {
    PARAM_NONE,  /* the path is the pattern */
    PARAM_NWID,  /* pattern + 16 hex digits */
    PARAM_ADDR,  /* pattern + 10 hex digits */
    PARAM_REST,  /* pattern + anything non-empty (bond setmtu) */
} param_kind;

typedef void (*route_fn)(svc_ctx *ctx, const svc_request *req, uint64_t param,
                         svc_reply *rep);

static void reply(svc_reply *rep, unsigned status, json_t *json)
{
    rep->status = status;
    rep->json = json;
}

static void reply_error(svc_reply *rep, unsigned status, const char *description)
{
    reply(rep, status, zt__svc_json_error(status, description));
}

/* The request body as JSON; NULL (and *pbad when it is there but malformed) otherwise. */
static json_t *parse_body(const svc_request *req, bool *pbad)
{
    json_error_t err;
    json_t *v;

    *pbad = false;
    if (req->body == NULL || req->body_len == 0)
        return NULL;
    v = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, &err);
    *pbad = v == NULL;
    return v;
}

static void get_status(svc_ctx *ctx, const svc_request *req, uint64_t param, svc_reply *rep)
{
    json_t *o = zt__svc_json_status(ctx);

    (void)req;
    (void)param;
    if (o == NULL)
        reply_error(rep, 500, "the node is stopping");
    else
        reply(rep, 200, o);
}

static void get_health(svc_ctx *ctx, const svc_request *req, uint64_t param, svc_reply *rep)
{
    (void)req;
    (void)param;
    reply(rep, 200, zt__svc_json_health(ctx));
}

static void get_config(svc_ctx *ctx, const svc_request *req, uint64_t param, svc_reply *rep)
{
    char err[512];
    json_t *conf = zt__local_conf_read(ctx->home, err, sizeof(err));

    (void)req;
    (void)param;
    if (conf == NULL)
        reply_error(rep, 500, err);
    else
        reply(rep, 200, conf);
}

/* §4.1: each key of the body goes into settings of local.conf. */
static void post_settings(svc_ctx *ctx, const svc_request *req, uint64_t param,
                          svc_reply *rep)
{
    char err[512];
    bool is_bad;
    json_t *body = parse_body(req, &is_bad), *conf, *settings;

    (void)param;
    if (!json_is_object(body)) {
        reply_error(rep, 400, is_bad ? "malformed JSON body" : "the body must be an object");
        json_decref(body);
        return;
    }
    pthread_mutex_lock(&ctx->mu);
    conf = zt__local_conf_read(ctx->home, err, sizeof(err));
    if (conf == NULL) {
        reply_error(rep, 500, err);
    } else {
        settings = json_object_get(conf, "settings");
        if (!json_is_object(settings)) {
            settings = json_object();
            json_object_set_new(conf, "settings", settings);
        }
        json_object_update(settings, body);
        if (zt__svc_local_conf_write(ctx->home, conf) != 0)
            reply_error(rep, 500, "cannot write local.conf");
        else
            reply(rep, 200, json_object());
        json_decref(conf);
    }
    pthread_mutex_unlock(&ctx->mu);
    json_decref(body);
}

/* The network object of |nwid|, or NULL when it is not joined. */
static json_t *network_json(svc_ctx *ctx, uint64_t nwid)
{
    zt_runner_network *net = malloc(sizeof(*net));
    json_t *o = NULL;

    if (net != NULL && zt__runner_get_network(ctx->runner, nwid, net) == 0)
        o = zt__svc_json_network(ctx, net);
    free(net);
    return o;
}

static void list_networks(svc_ctx *ctx, const svc_request *req, uint64_t param,
                          svc_reply *rep)
{
    uint64_t ids[ZT_RUNNER_MAX_NETWORKS];
    zt_ssize n = zt__runner_get_networks(ctx->runner, ids, ZT_RUNNER_MAX_NETWORKS);
    json_t *a = json_array(), *o;

    (void)req;
    (void)param;
    for (zt_ssize i = 0; i < n && i < ZT_RUNNER_MAX_NETWORKS; i++)
        if ((o = network_json(ctx, ids[i])) != NULL)
            json_array_append_new(a, o);
    reply(rep, 200, a);
}

static void get_network(svc_ctx *ctx, const svc_request *req, uint64_t nwid, svc_reply *rep)
{
    json_t *o = network_json(ctx, nwid);

    (void)req;
    reply(rep, o != NULL ? 200 : 404, o != NULL ? o : json_object());
}

/* §5.3: join, then the four local settings; a body that does not parse is ignored. */
static void post_network(svc_ctx *ctx, const svc_request *req, uint64_t nwid, svc_reply *rep)
{
    static const char *const keys[4] = {"allowManaged", "allowGlobal", "allowDefault",
                                        "allowDNS"};
    svc_net_settings s;
    bool is_bad, *fields[4] = {&s.allow_managed, &s.allow_global, &s.allow_default,
                               &s.allow_dns};
    json_t *body = parse_body(req, &is_bad), *o;

    if (zt__runner_join(ctx->runner, nwid) != 0) {
        json_decref(body);
        reply(rep, 200, json_object());
        return;
    }
    pthread_mutex_lock(&ctx->mu);
    zt__svc_net_settings_read(ctx->home, nwid, &s);
    for (unsigned i = 0; i < 4; i++) {
        json_t *v = json_object_get(body, keys[i]);
        if (!json_is_boolean(v))
            continue;
        *fields[i] = json_is_true(v);
        if (i == 0 && !*fields[i])
            s.managed_list[0] = 0; /* a whitelist survives "true", not "false" */
    }
    (void)zt__svc_net_settings_write(ctx->home, nwid, &s);
    pthread_mutex_unlock(&ctx->mu);
    json_decref(body);
    o = network_json(ctx, nwid); /* the join was queued first: it has run */
    reply(rep, 200, o != NULL ? o : json_object());
}

static void delete_network(svc_ctx *ctx, const svc_request *req, uint64_t nwid,
                           svc_reply *rep)
{
    zt_runner_network *net = malloc(sizeof(*net));
    bool was_joined = net != NULL && zt__runner_get_network(ctx->runner, nwid, net) == 0;
    json_t *o = json_object();

    (void)req;
    free(net);
    (void)zt__runner_leave(ctx->runner, nwid);
    pthread_mutex_lock(&ctx->mu);
    zt__svc_net_settings_delete(ctx->home, nwid);
    pthread_mutex_unlock(&ctx->mu);
    if (was_joined)
        json_object_set_new(o, "result", json_true());
    reply(rep, 200, o);
}

static int by_address(const void *a, const void *b)
{
    uint64_t x = ((const zt_peer_info *)a)->address, y = ((const zt_peer_info *)b)->address;
    return x < y ? -1 : x > y;
}

static void list_peers(svc_ctx *ctx, const svc_request *req, uint64_t param, svc_reply *rep)
{
    zt_peer_info *peers = calloc(MAX_PEERS, sizeof(*peers));
    zt_world *moons[SVC_MAX_MOONS];
    unsigned nmoons;
    zt_ssize n;
    json_t *a;
    bool tunneled;

    (void)req;
    (void)param;
    if (peers == NULL) {
        reply_error(rep, 500, "out of memory");
        return;
    }
    n = zt__runner_get_peers(ctx->runner, peers, MAX_PEERS);
    if (n > MAX_PEERS)
        n = MAX_PEERS;
    if (n > 0)
        qsort(peers, (size_t)n, sizeof(*peers), by_address);
    nmoons = zt__svc_moons_load(ctx->home, moons);
    a = json_array();
    tunneled = zt__svc_tunneled(ctx);
    for (zt_ssize i = 0; i < n; i++)
        json_array_append_new(a, zt__svc_json_peer(ctx, &peers[i], moons, nmoons, tunneled));
    zt__svc_moons_free(moons, nmoons);
    free(peers);
    reply(rep, 200, a);
}

static void get_peer(svc_ctx *ctx, const svc_request *req, uint64_t addr, svc_reply *rep)
{
    zt_peer_info *p = malloc(sizeof(*p));
    zt_world *moons[SVC_MAX_MOONS];
    unsigned nmoons;

    (void)req;
    if (p == NULL || zt__runner_get_peer(ctx->runner, addr, p) != 0) {
        free(p);
        reply(rep, 200, json_object());
        return;
    }
    nmoons = zt__svc_moons_load(ctx->home, moons);
    reply(rep, 200, zt__svc_json_peer(ctx, p, moons, nmoons, zt__svc_tunneled(ctx)));
    zt__svc_moons_free(moons, nmoons);
    free(p);
}

static void list_moons(svc_ctx *ctx, const svc_request *req, uint64_t param, svc_reply *rep)
{
    zt_world *moons[SVC_MAX_MOONS];
    unsigned n = zt__svc_moons_load(ctx->home, moons);
    json_t *a = json_array();

    (void)req;
    (void)param;
    for (unsigned i = 0; i < n; i++)
        json_array_append_new(a, zt__svc_json_moon(moons[i]));
    zt__svc_moons_free(moons, n);
    reply(rep, 200, a);
}

/* The loaded moon |id| as JSON, or NULL. */
static json_t *moon_json(svc_ctx *ctx, uint64_t id)
{
    zt_world *moons[SVC_MAX_MOONS];
    unsigned n = zt__svc_moons_load(ctx->home, moons);
    json_t *o = NULL;

    for (unsigned i = 0; i < n; i++)
        if (moons[i]->id == id)
            o = zt__svc_json_moon(moons[i]);
    zt__svc_moons_free(moons, n);
    return o;
}

static void get_moon(svc_ctx *ctx, const svc_request *req, uint64_t id, svc_reply *rep)
{
    json_t *o = moon_json(ctx, id);

    (void)req;
    reply(rep, 200, o != NULL ? o : json_object());
}

/* §5.5: {"seed":"<hex>"}; the moon if loaded, else orbit and a "waiting" placeholder. */
static void post_moon(svc_ctx *ctx, const svc_request *req, uint64_t id, svc_reply *rep)
{
    bool is_bad;
    json_t *body = parse_body(req, &is_bad), *o, *seed_v;
    const char *seed_s;
    uint64_t seed = 0;
    char idtext[17];

    if (is_bad) {
        reply_error(rep, 400, "malformed JSON body");
        return;
    }
    seed_v = json_object_get(body, "seed");
    seed_s = json_is_string(seed_v) ? json_string_value(seed_v) : "";
    if (strlen(seed_s) > 16 || zt__hex_u64(seed_s, strlen(seed_s), &seed) != 0)
        seed = 0; /* missing or not hex: no seed */
    json_decref(body);
    if ((o = moon_json(ctx, id)) != NULL) {
        reply(rep, 200, o);
        return;
    }
    if (seed == 0 || zt__runner_orbit(ctx->runner, id, seed) != 0) {
        reply(rep, 200, json_object());
        return;
    }
    snprintf(idtext, sizeof(idtext), "%016llx", (unsigned long long)id);
    o = json_pack("{s:s,s:[],s:i,s:n,s:n,s:b}", "id", idtext, "roots", "timestamp", 0,
                  "signature", "updatesMustBeSignedBy", "waiting", 1);
    reply(rep, 200, o);
}

static void delete_moon(svc_ctx *ctx, const svc_request *req, uint64_t id, svc_reply *rep)
{
    char path[ZT_HOME_PATH_MAX];

    (void)req;
    (void)zt__runner_deorbit(ctx->runner, id);
    if (zt__home_path(path, sizeof(path), ctx->home, ZT_STATE_MOON, id) == 0)
        (void)unlink(path); /* the node deletes it too; at once, so that /moon agrees */
    reply(rep, 200, json_pack("{s:b}", "result", 1));
}

static void get_metrics(svc_ctx *ctx, const svc_request *req, uint64_t param, svc_reply *rep)
{
    (void)req;
    (void)param;
    rep->text = zt__svc_metrics(ctx, &rep->text_len);
    if (rep->text == NULL)
        reply(rep, 500, json_object());
    else
        rep->status = 200;
}

/* Bonding is never in use here: the answer zerotier-one gives then (400, {}). */
static void bond_unused(svc_ctx *ctx, const svc_request *req, uint64_t param, svc_reply *rep)
{
    (void)ctx;
    (void)req;
    (void)param;
    reply(rep, 400, json_object());
}

static const struct route {
    const char *method;
    const char *pattern;
    param_kind param;
    route_fn fn;
} routes[] = {
    {"GET", "/status", PARAM_NONE, get_status},
    {"GET", "/health", PARAM_NONE, get_health},
    {"GET", "/config", PARAM_NONE, get_config},
    {"POST", "/config/settings", PARAM_NONE, post_settings},
    {"PUT", "/config/settings", PARAM_NONE, post_settings},
    {"GET", "/network", PARAM_NONE, list_networks},
    {"GET", "/network/", PARAM_NWID, get_network},
    {"POST", "/network/", PARAM_NWID, post_network},
    {"PUT", "/network/", PARAM_NWID, post_network},
    {"DELETE", "/network/", PARAM_NWID, delete_network},
    {"GET", "/peer", PARAM_NONE, list_peers},
    {"GET", "/peer/", PARAM_ADDR, get_peer},
    {"GET", "/moon", PARAM_NONE, list_moons},
    {"GET", "/moon/", PARAM_ADDR, get_moon},
    {"POST", "/moon/", PARAM_ADDR, post_moon},
    {"PUT", "/moon/", PARAM_ADDR, post_moon},
    {"DELETE", "/moon/", PARAM_ADDR, delete_moon},
    {"GET", "/metrics", PARAM_NONE, get_metrics},
    {"GET", "/bond/show/", PARAM_ADDR, bond_unused},
    {"POST", "/bond/rotate/", PARAM_ADDR, bond_unused},
    {"PUT", "/bond/rotate/", PARAM_ADDR, bond_unused},
    {"POST", "/bond/setmtu/", PARAM_REST, bond_unused},
    {"PUT", "/bond/setmtu/", PARAM_REST, bond_unused},
};

/* True when |path| matches |rt|; *pparam gets its hex parameter. */
static bool match(const struct route *rt, const char *path, uint64_t *pparam)
{
    size_t plen = strlen(rt->pattern), want;
    const char *rest = path + plen;

    *pparam = 0;
    if (strncmp(path, rt->pattern, plen) != 0)
        return false;
    switch (rt->param) {
    case PARAM_NONE:
        return *rest == 0;
    case PARAM_REST:
        return *rest != 0;
    case PARAM_NWID:
    case PARAM_ADDR:
        want = rt->param == PARAM_NWID ? 16 : 10;
        return strlen(rest) == want && strspn(rest, "0123456789abcdefABCDEF") == want &&
               zt__hex_u64(rest, want, pparam) == 0;
    }
    return false;
}

/* A /controller request, run on the I/O thread with the controller beside the node. */
typedef struct rest_call {
    const svc_request *req;
    bool handled;
    zt_controller_reply out;
} rest_call;

static void run_rest(struct zts_controller *ctl, void *arg)
{
    rest_call *call = arg;

    if (ctl != NULL)
        call->handled = zt__controller_rest(ctl, call->req->method, call->req->path,
                                            call->req->body, call->req->body_len,
                                            zt__io_clock_wall_ms(), &call->out);
}

/* controller.md §5: the controller's routes, when the node runs one (--controller); its
 * edits reach the members concerned at once (zt__runner_controller_call). */
static bool route_controller(svc_ctx *ctx, const svc_request *req, svc_reply *rep)
{
    rest_call call = {.req = req};

    if (strncmp(req->path, "/controller", 11) != 0 &&
        strncmp(req->path, "/unstable/controller", 20) != 0)
        return false;
    if (zt__runner_controller_call(ctx->runner, run_rest, &call) != 0 || !call.handled) {
        rep->status = call.handled ? 503 : 404;
        free(call.out.body);
        return true;
    }
    rep->status = call.out.status;
    rep->text = call.out.body;
    rep->text_len = call.out.body != NULL ? strlen(call.out.body) : 0;
    rep->text_is_json = true;
    return true;
}

void zt__svc_route(svc_ctx *ctx, const svc_request *req, svc_reply *rep)
{
    uint64_t param;

    memset(rep, 0, sizeof(*rep));
    if (route_controller(ctx, req, rep))
        return;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(req->method, routes[i].method) == 0 && match(&routes[i], req->path, &param)) {
            routes[i].fn(ctx, req, param, rep);
            return;
        }
    }
    rep->status = 404; /* empty body */
}
