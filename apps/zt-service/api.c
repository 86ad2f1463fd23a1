/*
 * api.c: the server of zt-service's local API (service.md §4): two TCP listeners on the
 * primary port (127.0.0.1 and ::1 with --bind-loopback, else 0.0.0.0 and ::; either may fail,
 * not both), libmicrohttpd for HTTP, request bodies bounded (1 MiB, else 413), the token
 * check, and the JSON answer (compact, keys sorted, ?jsonp= wrapping).  The routes are in
 * api_routes.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "crypto/crypto.h"
#include "util/array.h"

#define LISTEN_BACKLOG 64
#define MAX_CONNECTIONS 64
#define CONNECTION_TIMEOUT_S 60
#define JSONP_MAX 128

struct svc_api {
    svc_ctx ctx;
    struct MHD_Daemon *daemons[2];
    char token[SVC_API_TOKEN_MAX];
    char metrics_token[SVC_API_TOKEN_MAX];
};

/* One request while its body arrives. */
typedef struct request_state {
    char *body;
    size_t len, cap;
    bool is_too_large;
} request_state;

/* A listening TCP socket on |ip| (4 or 16 bytes), or -1 with errno set. */
static int listen_on(int family, const uint8_t *ip, uint16_t port)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, one = 1;

    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        memcpy(&a->sin_addr, ip, 4);
        sl = sizeof(*a);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        memcpy(&a->sin6_addr, ip, 16);
        sl = sizeof(*a);
    }
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* The token of the request: X-ZT1-Auth, else ?auth=, else "Authorization: Bearer". */
static const char *request_token(struct MHD_Connection *c)
{
    const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-ZT1-Auth");

    if (t == NULL)
        t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "auth");
    if (t == NULL) {
        t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (t != NULL && strncasecmp(t, "Bearer ", 7) == 0) /* the scheme: any case */
            t += 7;
        else
            t = NULL;
    }
    return t;
}

static bool token_equal(const char *given, const char *want)
{
    size_t n = strlen(want);
    return given != NULL && strlen(given) == n && zt__ct_equal(given, want, n);
}

/* service.md §4: /health is open; /metrics takes either token from anywhere; the rest take
 * the auth token from loopback or an allowManagementFrom network. */
static bool is_authorized(svc_api *api, struct MHD_Connection *c, const char *path)
{
    const union MHD_ConnectionInfo *ci;
    const char *token;

    if (strcmp(path, "/health") == 0)
        return true;
    token = request_token(c);
    if (strcmp(path, "/metrics") == 0)
        return token_equal(token, api->token) || token_equal(token, api->metrics_token);
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || !zt__svc_client_allowed(api->ctx.home, ci->client_addr))
        return false;
    return token_equal(token, api->token);
}

static enum MHD_Result send_buffer(struct MHD_Connection *c, unsigned status, const char *data,
                                   size_t len, const char *type)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rv;

    if (resp == NULL)
        return MHD_NO;
    if (type != NULL)
        (void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    rv = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rv;
}

/* ?jsonp=<fn>: only a plain JavaScript name is used (anything else is ignored). */
static const char *jsonp_name(struct MHD_Connection *c)
{
    const char *fn = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "jsonp");
    size_t n = fn != NULL ? strlen(fn) : 0;

    if (n == 0 || n > JSONP_MAX ||
        strspn(fn, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.") != n)
        return NULL;
    return fn;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, svc_reply *rep)
{
    const char *fn;
    char *text, *wrapped;
    enum MHD_Result rv;
    size_t n;

    if (rep->text != NULL && !rep->text_is_json)
        return send_buffer(c, rep->status, rep->text, rep->text_len,
                           "text/plain; version=0.0.4");
    if (rep->json == NULL && rep->text == NULL)
        return send_buffer(c, rep->status, "", 0, NULL);
    if (rep->text != NULL)
        text = strndup(rep->text, rep->text_len);
    else
        text = json_dumps(rep->json, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (text == NULL)
        return send_buffer(c, 500, "{}", 2, "application/json");
    fn = jsonp_name(c);
    if (fn != NULL) {
        n = strlen(fn) + strlen(text) + 4;
        wrapped = malloc(n);
        if (wrapped != NULL) {
            snprintf(wrapped, n, "%s(%s);", fn, text);
            free(text);
            text = wrapped;
        }
    }
    rv = send_buffer(c, rep->status, text, strlen(text), "application/json");
    free(text);
    return rv;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status,
                                  const char *description)
{
    svc_reply rep = {.status = status, .json = zt__svc_json_error(status, description)};
    enum MHD_Result rv = send_reply(c, &rep);

    json_decref(rep.json);
    return rv;
}

/* Appends a piece of the body; beyond SVC_API_BODY_MAX the rest is dropped and the request
 * gets 413. */
static void append_body(request_state *st, const char *data, size_t len)
{
    if (st->is_too_large || len > SVC_API_BODY_MAX - st->len ||
        zt__array_grow(NULL, &st->body, &st->cap, st->len + len + 1, 1,
                       SVC_API_BODY_MAX + 1) != 0) {
        st->is_too_large = true;
        return;
    }
    memcpy(st->body + st->len, data, len);
    st->len += len;
    st->body[st->len] = 0;
}

static enum MHD_Result answer(svc_api *api, struct MHD_Connection *c, const char *url,
                              const char *method, request_state *st)
{
    svc_request req = {.method = method, .path = url, .body = st->body, .body_len = st->len};
    svc_reply rep;
    enum MHD_Result rv;

    if (st->is_too_large)
        return send_error(c, 413, "request body too large");
    if (!is_authorized(api, c, url))
        return send_buffer(c, 401, "{}", 2, "application/json");
    zt__svc_route(&api->ctx, &req, &rep);
    rv = send_reply(c, &rep);
    json_decref(rep.json);
    free(rep.text);
    return rv;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    request_state *st = *req_cls;
    const char *cl;

    (void)version;
    if (st == NULL) {
        if ((st = calloc(1, sizeof(*st))) == NULL)
            return MHD_NO;
        *req_cls = st;
        cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && (strlen(cl) > 9 || strtoul(cl, NULL, 10) > SVC_API_BODY_MAX))
            return send_error(c, 413, "request body too large"); /* before reading it */
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        append_body(st, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(cls, c, url, method, st);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    request_state *st = *req_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (st != NULL) {
        free(st->body);
        free(st);
        *req_cls = NULL;
    }
}

static struct MHD_Daemon *serve(svc_api *api, int fd, bool is_ipv6)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

    if (is_ipv6)
        flags |= MHD_USE_IPv6;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, api, MHD_OPTION_LISTEN_SOCKET,
                            fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, api,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
                            MHD_OPTION_END);
}

/* Both listeners; at least one must work (service.md §1.2). */
static int start_listeners(svc_api *api, const svc_api_config *cfg, char *err, size_t errlen)
{
    static const uint8_t any[16], lo4[4] = {127, 0, 0, 1}, lo6[16] = {[15] = 1};
    int e = 0;

    for (int i = 0; i < 2; i++) {
        int family = i == 0 ? AF_INET : AF_INET6;
        const uint8_t *ip = cfg->loopback_only ? (i == 0 ? lo4 : lo6) : any;
        int fd = listen_on(family, ip, cfg->port);

        if (fd < 0) {
            e = errno;
            continue;
        }
        if ((api->daemons[i] = serve(api, fd, i == 1)) == NULL) {
            e = EIO;
            close(fd);
        }
    }
    if (api->daemons[0] == NULL && api->daemons[1] == NULL) {
        snprintf(err, errlen, "cannot bind to local control interface port %u: %s",
                 (unsigned)cfg->port, strerror(e));
        return ZT_ERR_IO;
    }
    return 0;
}

int zt__svc_api_start(svc_api **papi, const svc_api_config *cfg, char *err, size_t errlen)
{
    svc_api *api = calloc(1, sizeof(*api));
    int rv;

    if (api == NULL)
        return ZT_ERR_NOMEM;
    api->ctx.runner = cfg->runner;
    api->ctx.home = cfg->home;
    pthread_mutex_init(&api->ctx.mu, NULL);
    rv = zt__svc_token_load(cfg->home, "authtoken.secret", api->token, sizeof(api->token), err,
                            errlen);
    if (rv == 0)
        rv = zt__svc_token_load(cfg->home, "metricstoken.secret", api->metrics_token,
                                sizeof(api->metrics_token), err, errlen);
    if (rv == 0)
        rv = start_listeners(api, cfg, err, errlen);
    if (rv != 0) {
        zt__svc_api_stop(api);
        return rv;
    }
    *papi = api;
    return 0;
}

void zt__svc_api_stop(svc_api *api)
{
    if (api == NULL)
        return;
    for (int i = 0; i < 2; i++)
        if (api->daemons[i] != NULL)
            MHD_stop_daemon(api->daemons[i]);
    pthread_mutex_destroy(&api->ctx.mu);
    zt__wipe(api->token, sizeof(api->token));
    zt__wipe(api->metrics_token, sizeof(api->metrics_token));
    free(api);
}
