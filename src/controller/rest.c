/*
 * The REST routes of controller.md §5.2 over the embedding API (api.c) and, for the listings
 * that need revisions and counts, the store behind it.  rest.h says what the caller does.
 */
#include "controller/rest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "controller/controller.h"
#include "controller/model.h"
#include "controller/store.h"
#include "util/hex.h"

#define PATH_MAX_LEN 96 /* longer than any route: not ours */
#define MAX_SEGS 6

typedef enum {
    ROUTE_STATUS,     /* /controller */
    ROUTE_NETWORKS,   /* /controller/network */
    ROUTE_LEGACY,     /* /controller/network/<10 hex>______ */
    ROUTE_NETWORK,    /* /controller/network/<nwid> */
    ROUTE_MEMBERS,    /* /controller/network/<nwid>/member */
    ROUTE_MEMBER,     /* /controller/network/<nwid>/member/<addr> */
    ROUTE_U_NETWORKS, /* /unstable/controller/network */
    ROUTE_U_MEMBERS,  /* /unstable/controller/network/<nwid>/member */
} route_kind;

typedef enum { M_GET, M_POST, M_DELETE, M_OTHER } method_kind;

typedef struct route {
    route_kind kind;
    uint64_t nwid, node;
    char legacy[11]; /* the 10 hex digits of a legacy create, as typed */
} route;

/* ---- replies ---------------------------------------------------------------------------------- */

static void reply(zt_controller_reply *out, unsigned status, char *body)
{
    out->status = status;
    out->body = body;
}

/* 500 with the §5.1 body (the spacing of 1.14.1's exception handler; the sentence escaped). */
static void reply_error(zt_controller_reply *out, const char *msg)
{
    json_t *s = json_string(msg != NULL && msg[0] != '\0' ? msg : "internal error");
    char *quoted = s != NULL ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    char *body = NULL;

    json_decref(s);
    if (quoted != NULL) {
        size_t cap = strlen(quoted) + 40;
        body = malloc(cap);
        if (body != NULL)
            snprintf(body, cap, "{\"error\": 500, \"description\": %s}", quoted);
        free(quoted);
    }
    reply(out, 500, body);
}

/* Maps a zts_controller_* result; on success the text |json| becomes the 200 body. */
static void reply_api(zts_controller *ctl, zt_controller_reply *out, int rv, char *json)
{
    if (rv == ZTS_CONTROLLER_OK) {
        reply(out, 200, json);
        return;
    }
    free(json);
    if (rv == ZTS_CONTROLLER_ERR_NOT_FOUND)
        reply(out, 404, NULL);
    else if (rv == ZTS_CONTROLLER_ERR_FULL)
        reply(out, 503, NULL); /* §5.3 */
    else
        reply_error(out, zts_controller_last_error(ctl));
}

/* Maps a store result (the listings read the store directly). */
static void reply_store(zt_store *st, zt_controller_reply *out, int zrv)
{
    if (zrv == ZT_ERR_NOTFOUND) {
        reply(out, 404, NULL);
        return;
    }
    const char *msg = zt__store_errmsg(st);
    reply_error(out, msg[0] != '\0' ? msg : zt__strerror(zrv));
}

/* Dumps |j| (consumed) as the 200 body. */
static void reply_json(zt_controller_reply *out, json_t *j)
{
    char *text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    json_decref(j);
    if (text == NULL)
        reply_error(out, "out of memory");
    else
        reply(out, 200, text);
}

/* ---- paths ------------------------------------------------------------------------------------ */

/* Exactly |n| hex digits, either case. */
static bool parse_hex(const char *s, size_t n, uint64_t *pv)
{
    return strlen(s) == n && zt__hex_u64(s, n, pv) == 0;
}

/* <10 hex>______ (§5.2 legacy create). */
static bool parse_legacy(const char *s, route *r)
{
    uint64_t v;

    if (strlen(s) != 16 || strcmp(s + 10, "______") != 0)
        return false;
    memcpy(r->legacy, s, 10);
    r->legacy[10] = '\0';
    return parse_hex(r->legacy, 10, &v);
}

/* Splits |buf| (a copy of the path, trailing slash removed) at '/'; false on an empty segment. */
static bool split(char *buf, char **seg, size_t *pn)
{
    size_t n = 0;
    char *p = buf;

    if (*p != '/')
        return false;
    while (*p == '/') {
        *p++ = '\0';
        if (*p == '\0' || *p == '/' || n == MAX_SEGS)
            return false;
        seg[n++] = p;
        while (*p != '\0' && *p != '/')
            p++;
    }
    *pn = n;
    return true;
}

/* The segments after "controller/network" (|rest|, |n| of them). */
static bool match_network_tail(char **rest, size_t n, bool is_unstable, route *r)
{
    if (n == 0) {
        r->kind = is_unstable ? ROUTE_U_NETWORKS : ROUTE_NETWORKS;
        return true;
    }
    if (!parse_hex(rest[0], 16, &r->nwid)) {
        if (n == 1 && !is_unstable && parse_legacy(rest[0], r)) {
            r->kind = ROUTE_LEGACY;
            return true;
        }
        return false;
    }
    if (n == 1 && !is_unstable) {
        r->kind = ROUTE_NETWORK;
        return true;
    }
    if (strcmp(rest[1], "member") != 0)
        return false;
    if (n == 2) {
        r->kind = is_unstable ? ROUTE_U_MEMBERS : ROUTE_MEMBERS;
        return true;
    }
    if (n == 3 && !is_unstable && parse_hex(rest[2], 10, &r->node)) {
        r->kind = ROUTE_MEMBER;
        return true;
    }
    return false;
}

static bool match_path(const char *path, route *r)
{
    char buf[PATH_MAX_LEN + 1], *seg[MAX_SEGS];
    size_t len = strlen(path), n = 0, i = 0;
    bool is_unstable = false;

    if (len > PATH_MAX_LEN)
        return false;
    memcpy(buf, path, len + 1);
    if (len > 1 && buf[len - 1] == '/')
        buf[len - 1] = '\0'; /* §5.1: accept one trailing slash */
    if (!split(buf, seg, &n))
        return false;
    if (n > 0 && strcmp(seg[0], "unstable") == 0) {
        is_unstable = true;
        i = 1;
    }
    if (i >= n || strcmp(seg[i], "controller") != 0)
        return false;
    if (i + 1 == n) {
        r->kind = ROUTE_STATUS;
        return !is_unstable;
    }
    if (strcmp(seg[i + 1], "network") != 0)
        return false;
    return match_network_tail(seg + i + 2, n - i - 2, is_unstable, r);
}

static method_kind parse_method(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return M_GET;
    if (strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0) /* §5.1: PUT is POST */
        return M_POST;
    if (strcmp(m, "DELETE") == 0)
        return M_DELETE;
    return M_OTHER;
}

/* Whether the §5.2 table has a row for |m| on |k|. */
static bool method_allowed(route_kind k, method_kind m)
{
    switch (k) {
    case ROUTE_NETWORKS:
        return m == M_GET || m == M_POST;
    case ROUTE_LEGACY:
        return m == M_POST;
    case ROUTE_NETWORK:
    case ROUTE_MEMBER:
        return m != M_OTHER;
    default: /* the status object and the listings */
        return m == M_GET;
    }
}

/* ---- request bodies --------------------------------------------------------------------------- */

/*
 * Checks a POST/PUT body: JSON text that is an object (§5.1: anything else, the empty body
 * included, is 500 with the parser's sentence).  On success *ptext is a NUL-terminated copy
 * for the zts_controller_* calls (jansson refuses NUL bytes, so the copy parses the same).
 */
static bool check_body(const char *body, size_t len, zt_controller_reply *out, char **ptext)
{
    json_error_t e;
    json_t *j = json_loadb(len > 0 ? body : "", len, JSON_REJECT_DUPLICATES, &e);
    char *text;

    if (j == NULL) {
        reply_error(out, e.text);
        return false;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        reply_error(out, "request body is not a JSON object");
        return false;
    }
    json_decref(j);
    text = malloc(len + 1);
    if (text == NULL) {
        reply_error(out, "out of memory");
        return false;
    }
    memcpy(text, body, len);
    text[len] = '\0';
    *ptext = text;
    return true;
}

/* ---- GET /controller, /controller/network ----------------------------------------------------- */

static void status_get(int64_t now, zt_controller_reply *out)
{
    char *body = malloc(128);

    if (body == NULL) {
        reply_error(out, "out of memory");
        return;
    }
    snprintf(body, 128,
             "{\n\t\"controller\": true,\n\t\"apiVersion\": 4,\n\t\"clock\": %" PRId64
             ",\n\t\"databaseReady\": true\n}\n",
             now);
    reply(out, 200, body);
}

/* Every network ID, ascending, into *pids (free()).  False with |out| filled on failure. */
static bool list_ids(zts_controller *ctl, uint64_t **pids, size_t *pcount,
                     zt_controller_reply *out)
{
    uint64_t *ids = NULL;
    size_t count = 0, cap = 0;
    int rv;

    rv = zts_controller_network_list(ctl, NULL, 0, &count);
    while (rv == ZTS_CONTROLLER_OK && count > cap) {
        uint64_t *grown = realloc(ids, count * sizeof(*ids));
        if (grown == NULL) {
            free(ids);
            reply_error(out, "out of memory");
            return false;
        }
        ids = grown;
        cap = count;
        rv = zts_controller_network_list(ctl, ids, cap, &count);
    }
    if (rv != ZTS_CONTROLLER_OK) {
        free(ids);
        reply_api(ctl, out, rv, NULL);
        return false;
    }
    *pids = ids;
    *pcount = count;
    return true;
}

static void networks_get(zts_controller *ctl, zt_controller_reply *out)
{
    uint64_t *ids = NULL;
    size_t count = 0;
    json_t *a;

    if (!list_ids(ctl, &ids, &count, out))
        return;
    a = json_array();
    for (size_t i = 0; a != NULL && i < count; i++) {
        char hex[17];
        snprintf(hex, sizeof(hex), "%016" PRIx64, ids[i]);
        if (json_array_append_new(a, json_string(hex)) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    free(ids);
    reply_json(out, a);
}

/* POST /controller/network and the legacy form (§5.2, §5.3). */
static void network_create(zts_controller *ctl, const route *r, const char *body, size_t len,
                           int64_t now, zt_controller_reply *out)
{
    char *text = NULL, *json = NULL;
    uint64_t nwid = 0;
    int rv;

    if (r->kind == ROUTE_LEGACY) {
        char mine[11];
        /* exact compare against the lowercase address, as 1.14.1 does */
        snprintf(mine, sizeof(mine), "%010" PRIx64, zts_controller_address(ctl));
        if (strcmp(mine, r->legacy) != 0) {
            reply(out, 400, NULL);
            return;
        }
    }
    if (!check_body(body, len, out, &text))
        return;
    rv = zts_controller_network_create(ctl, text, now, &nwid, &json);
    free(text);
    reply_api(ctl, out, rv, json);
}

/* ---- /controller/network/<nwid> -------------------------------------------------------------- */

static void network_route(zts_controller *ctl, method_kind m, uint64_t nwid, const char *body,
                          size_t len, int64_t now, zt_controller_reply *out)
{
    char *text = NULL, *json = NULL;
    int rv;

    if (m == M_POST) {
        if (nwid == 0) {
            reply_error(out, "0000000000000000 is not a valid network ID");
            return;
        }
        if (!check_body(body, len, out, &text))
            return;
        rv = zts_controller_network_set(ctl, nwid, text, now, &json);
        free(text);
        reply_api(ctl, out, rv, json);
        return;
    }
    rv = zts_controller_network_get(ctl, nwid, &json);
    if (rv == ZTS_CONTROLLER_OK && m == M_DELETE)
        rv = zts_controller_network_delete(ctl, nwid, now);
    reply_api(ctl, out, rv, json); /* DELETE answers the deleted object */
}

/* ---- /controller/network/<nwid>/member[/<addr>] ---------------------------------------------- */

static int revision_cb(const zt_ctl_member *m, void *arg)
{
    char hex[11];

    snprintf(hex, sizeof(hex), "%010" PRIx64, m->id);
    return json_object_set_new(arg, hex, json_integer((json_int_t)m->revision)) != 0
               ? ZT_ERR_NOMEM
               : 0;
}

static void members_get(zts_controller *ctl, uint64_t nwid, zt_controller_reply *out)
{
    zt_store *st = zt__controller_store_of(ctl);
    json_t *o = json_object();
    int zrv;

    if (o == NULL) {
        reply_error(out, "out of memory");
        return;
    }
    zrv = zt__store_list_members(st, nwid, revision_cb, o);
    if (zrv != 0) {
        json_decref(o);
        reply_store(st, out, zrv);
        return;
    }
    reply_json(out, o);
}

static void member_route(zts_controller *ctl, method_kind m, const route *r, const char *body,
                         size_t len, int64_t now, zt_controller_reply *out)
{
    zt_store *st = zt__controller_store_of(ctl);
    char *text = NULL, *json = NULL;
    zt_ctl_network n;
    int rv, zrv;

    if (m == M_POST) {
        /* 404 for an unknown network before the body is looked at */
        zrv = zt__store_get_network(st, r->nwid, &n);
        zt__ctl_network_clear(&n);
        if (zrv != 0) {
            reply_store(st, out, zrv);
            return;
        }
        if (!check_body(body, len, out, &text))
            return;
        rv = zts_controller_member_set(ctl, r->nwid, r->node, text, now, &json);
        free(text);
        reply_api(ctl, out, rv, json);
        return;
    }
    rv = zts_controller_member_get(ctl, r->nwid, r->node, &json);
    if (rv == ZTS_CONTROLLER_OK && m == M_DELETE)
        rv = zts_controller_member_delete(ctl, r->nwid, r->node, now);
    reply_api(ctl, out, rv, json);
}

/* ---- /unstable/controller/... ----------------------------------------------------------------- */

typedef struct member_scan {
    json_t *data; /* NULL: counting only */
    size_t total, authorized;
} member_scan;

static int scan_cb(const zt_ctl_member *m, void *arg)
{
    member_scan *s = arg;
    json_t *j = NULL;
    int rv;

    s->total++;
    if (m->authorized)
        s->authorized++;
    if (s->data == NULL)
        return 0;
    rv = zt__ctl_member_to_json(m, &j);
    if (rv != 0)
        return rv;
    return json_array_append_new(s->data, j) != 0 ? ZT_ERR_NOMEM : 0;
}

/* {"data":|data|,"meta":{|k1|:|v1|,|k2|:|v2|}} (consumes |data|); |k2| may be NULL. */
static json_t *listing(json_t *data, const char *k1, size_t v1, const char *k2, size_t v2)
{
    json_t *meta = json_object(), *o = json_object();
    int bad = data == NULL || meta == NULL || o == NULL;

    bad |= meta != NULL && json_object_set_new(meta, k1, json_integer((json_int_t)v1)) != 0;
    if (k2 != NULL)
        bad |= meta != NULL && json_object_set_new(meta, k2, json_integer((json_int_t)v2)) != 0;
    bad |= o != NULL && json_object_set(o, "data", data) != 0;
    bad |= o != NULL && json_object_set(o, "meta", meta) != 0;
    json_decref(data);
    json_decref(meta);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One network object with its "meta" member counts appended to |data|.  Returns 0 or a store
 * (or model) error. */
static int append_network_meta(zt_store *st, uint64_t nwid, json_t *data)
{
    member_scan s = {NULL, 0, 0};
    zt_ctl_network n;
    json_t *j = NULL, *meta;
    int rv;

    rv = zt__store_get_network(st, nwid, &n);
    if (rv == 0)
        rv = zt__ctl_network_to_json(&n, &j);
    zt__ctl_network_clear(&n);
    if (rv == 0)
        rv = zt__store_list_members(st, nwid, scan_cb, &s);
    if (rv != 0) {
        json_decref(j);
        return rv;
    }
    meta = json_pack("{sIsI}", "totalMemberCount", (json_int_t)s.total,
                     "authorizedMemberCount", (json_int_t)s.authorized);
    if (meta == NULL || json_object_set_new(j, "meta", meta) != 0) { /* consumes meta */
        json_decref(j);
        return ZT_ERR_NOMEM;
    }
    return json_array_append_new(data, j) != 0 ? ZT_ERR_NOMEM : 0; /* consumes j */
}

static void unstable_networks(zts_controller *ctl, zt_controller_reply *out)
{
    zt_store *st = zt__controller_store_of(ctl);
    json_t *data = json_array();
    uint64_t *ids = NULL;
    size_t count = 0;
    int zrv = data == NULL ? ZT_ERR_NOMEM : 0;

    if (!list_ids(ctl, &ids, &count, out)) {
        json_decref(data);
        return;
    }
    for (size_t i = 0; zrv == 0 && i < count; i++)
        zrv = append_network_meta(st, ids[i], data);
    free(ids);
    if (zrv != 0) {
        json_decref(data);
        reply_store(st, out, zrv == ZT_ERR_NOTFOUND ? ZT_ERR_IO : zrv);
        return;
    }
    reply_json(out, listing(data, "networkCount", count, NULL, 0));
}

static void unstable_members(zts_controller *ctl, uint64_t nwid, zt_controller_reply *out)
{
    zt_store *st = zt__controller_store_of(ctl);
    member_scan s = {json_array(), 0, 0};
    int zrv = s.data == NULL ? ZT_ERR_NOMEM : 0;

    if (zrv == 0)
        zrv = zt__store_list_members(st, nwid, scan_cb, &s);
    if (zrv != 0) {
        json_decref(s.data);
        reply_store(st, out, zrv);
        return;
    }
    reply_json(out, listing(s.data, "totalCount", s.total, "authorizedCount", s.authorized));
}

/* ---- dispatch --------------------------------------------------------------------------------- */

bool zt__controller_rest(zts_controller *ctl, const char *method, const char *path,
                         const char *body, size_t len, int64_t now_ms, zt_controller_reply *out)
{
    route r;
    method_kind m;

    memset(&r, 0, sizeof(r));
    if (ctl == NULL || method == NULL || path == NULL || out == NULL || (body == NULL && len > 0))
        return false;
    m = parse_method(method);
    if (!match_path(path, &r) || !method_allowed(r.kind, m))
        return false;
    reply(out, 500, NULL);
    switch (r.kind) {
    case ROUTE_STATUS:
        status_get(now_ms, out);
        break;
    case ROUTE_NETWORKS:
        if (m == M_GET)
            networks_get(ctl, out);
        else
            network_create(ctl, &r, body, len, now_ms, out);
        break;
    case ROUTE_LEGACY:
        network_create(ctl, &r, body, len, now_ms, out);
        break;
    case ROUTE_NETWORK:
        network_route(ctl, m, r.nwid, body, len, now_ms, out);
        break;
    case ROUTE_MEMBERS:
        members_get(ctl, r.nwid, out);
        break;
    case ROUTE_MEMBER:
        member_route(ctl, m, &r, body, len, now_ms, out);
        break;
    case ROUTE_U_NETWORKS:
        unstable_networks(ctl, out);
        break;
    case ROUTE_U_MEMBERS:
        unstable_members(ctl, r.nwid, out);
        break;
    }
    return true;
}
