/*
 * The embedding API of include/zts_controller.h over the store (store.h) and the controller
 * object (controller.h).  Edits follow the REST semantics of controller.md §5 (partial
 * updates, revision bumps) and leave change notes in the controller, which the service turns
 * into pushes and revocations (§4.3, §4.4) with zt__controller_flush().
 */
#include "zts_controller.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "controller/controller.h"
#include "controller/model.h"
#include "controller/store.h"
#include "codec/identity.h"
#include "crypto/crypto.h"
#include "util/array.h"

#define CREATE_TRIES 100000 /* controller.md §5.3 */

struct zts_controller {
    zt_identity id;
    zt_store *store;
    zt_controller *ctl;
    uint64_t (*random_u64)(void *arg);
    void *random_arg;
    char err[ZT_STORE_ERRMSG_MAX + 128];
};

/* Why the calling thread's last zts_controller_new failed: there is no handle to hold it. */
static _Thread_local char new_err[ZT_STORE_ERRMSG_MAX + 128];

zt_controller *zt__controller_of(struct zts_controller *api)
{
    return api != NULL ? api->ctl : NULL;
}

zt_store *zt__controller_store_of(struct zts_controller *api)
{
    return api != NULL ? api->store : NULL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void set_err(zts_controller *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
}

/* Maps a store call's error, with the store's sentence. */
static int store_err(zts_controller *c, int rv, const char *what)
{
    const char *msg = zt__store_errmsg(c->store);
    set_err(c, "%s: %s", what, msg[0] != '\0' ? msg : zt__strerror(rv));
    switch (rv) {
    case ZT_ERR_NOTFOUND:
        return ZTS_CONTROLLER_ERR_NOT_FOUND;
    case ZT_ERR_RANGE:
        return ZTS_CONTROLLER_ERR_RANGE;
    case ZT_ERR_NOMEM:
        return ZTS_CONTROLLER_ERR_GENERAL;
    default:
        return ZTS_CONTROLLER_ERR_STORE;
    }
}

/* Maps a parse/model error (bad input rather than a failing store). */
static int input_err(zts_controller *c, int rv, const char *what, const char *detail)
{
    set_err(c, "%s: %s", what, detail != NULL && detail[0] != '\0' ? detail : zt__strerror(rv));
    if (rv == ZT_ERR_RANGE)
        return ZTS_CONTROLLER_ERR_RANGE;
    if (rv == ZT_ERR_NOMEM)
        return ZTS_CONTROLLER_ERR_GENERAL;
    return ZTS_CONTROLLER_ERR_ARG;
}

static uint64_t lib_random(void *arg)
{
    uint64_t v;
    (void)arg;
    zt__random_bytes(&v, sizeof(v));
    return v;
}

void zts_controller_config_default(zts_controller_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->store_kind = ZTS_CONTROLLER_STORE_MEMORY;
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void set_new_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(new_err, sizeof(new_err), fmt, ap);
    va_end(ap);
}

/* Opens the store |cfg| names into c->store; the reason in new_err on failure. */
static int open_store(zts_controller *c, const zts_controller_config *cfg)
{
    bool needs_path = cfg->store_kind == ZTS_CONTROLLER_STORE_SQLITE ||
                      cfg->store_kind == ZTS_CONTROLLER_STORE_JSON ||
                      cfg->store_kind == ZTS_CONTROLLER_STORE_POSTGRESQL;
    int zrv;

    if (needs_path && (cfg->store_path == NULL || cfg->store_path[0] == '\0')) {
        set_new_err("store_path is required for an SQLite, JSON or PostgreSQL store");
        return ZTS_CONTROLLER_ERR_ARG;
    }
    switch (cfg->store_kind) {
    case ZTS_CONTROLLER_STORE_MEMORY:
        zrv = zt__store_mem_new(&c->store);
        break;
    case ZTS_CONTROLLER_STORE_SQLITE:
        zrv = zt__store_sqlite_open_flags(&c->store, cfg->store_path,
                                         cfg->durable_commits ? ZT_STORE_SQLITE_DURABLE : 0,
                                         new_err, sizeof(new_err));
        break;
    case ZTS_CONTROLLER_STORE_JSON:
        zrv = zt__store_json_open(&c->store, cfg->store_path, new_err, sizeof(new_err));
        break;
    case ZTS_CONTROLLER_STORE_POSTGRESQL:
        if (zt__store_pg_opener == NULL) {
            set_new_err("this program is built without the PostgreSQL store");
            return ZTS_CONTROLLER_ERR_ARG;
        }
        zrv = zt__store_pg_opener(&c->store, cfg->store_path, new_err, sizeof(new_err));
        break;
    default:
        set_new_err("unknown store_kind %d", cfg->store_kind);
        return ZTS_CONTROLLER_ERR_ARG;
    }
    if (zrv == 0)
        return ZTS_CONTROLLER_OK;
    if (new_err[0] == '\0')
        set_new_err("cannot open the store: %s", zt__strerror(zrv));
    return zrv == ZT_ERR_NOMEM ? ZTS_CONTROLLER_ERR_GENERAL : ZTS_CONTROLLER_ERR_STORE;
}

int zts_controller_new(zts_controller **pctl, const zts_controller_config *cfg)
{
    zts_controller *c = NULL;
    zt_controller_opts opts;
    int rv = ZTS_CONTROLLER_ERR_ARG, zrv;

    new_err[0] = '\0';
    if (pctl == NULL || cfg == NULL || cfg->identity_secret == NULL) {
        set_new_err("NULL argument (the handle pointer, the config or its identity_secret)");
        return ZTS_CONTROLLER_ERR_ARG;
    }
    if (zt__crypto_init() != 0) {
        set_new_err("cannot initialise the crypto library");
        return ZTS_CONTROLLER_ERR_GENERAL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        set_new_err("out of memory");
        return ZTS_CONTROLLER_ERR_GENERAL;
    }
    c->random_u64 = cfg->random_u64 != NULL ? cfg->random_u64 : lib_random;
    c->random_arg = cfg->random_arg;
    if (zt__identity_from_string(&c->id, cfg->identity_secret, strlen(cfg->identity_secret)) !=
            0 ||
        !c->id.has_secret) {
        set_new_err("identity_secret is not an identity with its secret");
        goto out;
    }
    zrv = zt__identity_validate(&c->id, NULL);
    if (zrv != 0) {
        set_new_err("the identity does not validate: %s", zt__strerror(zrv));
        rv = zrv == ZT_ERR_NOMEM ? ZTS_CONTROLLER_ERR_GENERAL : ZTS_CONTROLLER_ERR_ARG;
        goto out;
    }
    if ((rv = open_store(c, cfg)) != ZTS_CONTROLLER_OK)
        goto out;
    zt__controller_opts_default(&opts);
    opts.random_u64 = c->random_u64;
    opts.random_arg = c->random_arg;
    /* A database can go away while the controller runs: members it configured keep being
     * answered meanwhile (controller_cache.c).  A local file cannot, in practice. */
    if (cfg->store_kind == ZTS_CONTROLLER_STORE_POSTGRESQL)
        opts.config_cache_bytes = ZTS_CONTROLLER_PG_CACHE_BYTES;
    zrv = zt__controller_new(&c->ctl, &c->id, c->store, &opts);
    if (zrv != 0) {
        set_new_err("cannot create the controller: %s", zt__strerror(zrv));
        rv = ZTS_CONTROLLER_ERR_GENERAL;
        goto out;
    }
    *pctl = c;
    c = NULL;
    rv = ZTS_CONTROLLER_OK;
out:
    zts_controller_del(c);
    return rv;
}

void zts_controller_del(zts_controller *ctl)
{
    if (ctl == NULL)
        return;
    zt__controller_del(ctl->ctl);
    zt__store_del(ctl->store);
    zt__identity_clear(&ctl->id);
    free(ctl);
}

uint64_t zts_controller_address(const zts_controller *ctl)
{
    return ctl != NULL ? ctl->id.address : 0;
}

const char *zts_controller_last_error(const zts_controller *ctl)
{
    if (ctl == NULL)
        return new_err[0] != '\0' ? new_err : "no controller";
    return ctl->err;
}

void zts_controller_free(char *s)
{
    free(s);
}

/* Parses a request body; NULL or "" is "{}" (quirk Q6). */
static int parse_body(zts_controller *c, const char *json, json_t **pj)
{
    json_error_t e;
    json_t *j;

    if (json == NULL || json[0] == '\0')
        j = json_object();
    else
        j = json_loads(json, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        set_err(c, "request body is not valid JSON: %s", json == NULL ? "" : e.text);
        return ZTS_CONTROLLER_ERR_ARG;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        set_err(c, "request body is not a JSON object");
        return ZTS_CONTROLLER_ERR_ARG;
    }
    *pj = j;
    return ZTS_CONTROLLER_OK;
}

static int dump_network(zts_controller *c, const zt_ctl_network *n, char **pjson)
{
    char *text = NULL;
    int rv;

    if (pjson == NULL)
        return ZTS_CONTROLLER_OK;
    rv = zt__ctl_network_dump(n, &text);
    if (rv != 0)
        return input_err(c, rv, "rendering the network", NULL);
    *pjson = text;
    return ZTS_CONTROLLER_OK;
}

static int dump_member(zts_controller *c, const zt_ctl_member *m, char **pjson)
{
    char *text = NULL;
    int rv;

    if (pjson == NULL)
        return ZTS_CONTROLLER_OK;
    rv = zt__ctl_member_dump(m, &text);
    if (rv != 0)
        return input_err(c, rv, "rendering the member", NULL);
    *pjson = text;
    return ZTS_CONTROLLER_OK;
}

/* Loads |nwid| (or fresh defaults when |create| and absent), applies |body|, saves, unless
 * another process changed the record in between (*pagain: read and patch again). */
static int network_update_once(zts_controller *c, uint64_t nwid, const json_t *body, bool create,
                               int64_t now, char **pjson, bool *pagain)
{
    zt_ctl_network n;
    zt_ctl_network_patch p;
    char err[256] = "";
    bool changed = false;
    uint64_t read_rev = 0;
    int rv, zrv;

    *pagain = false;
    zrv = zt__store_get_network(c->store, nwid, &n);
    if (zrv == 0)
        read_rev = n.revision;
    if (zrv == ZT_ERR_NOTFOUND && create) {
        zt__ctl_network_clear(&n);
        zrv = zt__ctl_network_init(&n, nwid);
    }
    if (zrv != 0) {
        rv = store_err(c, zrv, "loading the network");
        zt__ctl_network_clear(&n);
        return rv;
    }
    zrv = zt__ctl_network_patch_from_json(&p, body, err, sizeof(err));
    if (zrv == 0)
        zrv = zt__ctl_network_patch_apply(&n, &p);
    zt__ctl_network_patch_clear(&p);
    if (zrv != 0) {
        rv = input_err(c, zrv, "network update", err);
        goto out;
    }
    zrv = zt__store_begin(c->store);
    if (zrv == 0) /* a concurrent change (another controller) is never overwritten */
        zrv = zt__store_save_network_if(c->store, &n, read_rev, now, &changed);
    if (zrv == 0)
        zrv = zt__store_commit(c->store);
    *pagain = zrv == ZT_ERR_AGAIN;
    if (zrv != 0) {
        rv = store_err(c, zrv, "saving the network");
        if (c->store->in_tx)
            (void)zt__store_rollback(c->store);
        goto out;
    }
    if (changed)
        (void)zt__controller_note_network_changed(c->ctl, nwid);
    rv = dump_network(c, &n, pjson);
out:
    zt__ctl_network_clear(&n);
    return rv;
}

static int network_update(zts_controller *c, uint64_t nwid, const json_t *body, bool create,
                          int64_t now, char **pjson)
{
    bool again = true;
    int rv = ZTS_CONTROLLER_ERR_STORE;

    for (int attempt = 0; attempt < ZT_CTL_SAVE_TRIES && again; attempt++)
        rv = network_update_once(c, nwid, body, create, now, pjson, &again);
    return rv;
}

int zts_controller_network_set(zts_controller *ctl, uint64_t nwid, const char *json,
                               int64_t now_ms, char **pjson)
{
    json_t *body = NULL;
    int rv;

    if (ctl == NULL || nwid == 0)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    rv = parse_body(ctl, json, &body);
    if (rv != 0)
        return rv;
    rv = network_update(ctl, nwid, body, true, now_ms, pjson);
    json_decref(body);
    return rv;
}

int zts_controller_network_create(zts_controller *ctl, const char *json, int64_t now_ms,
                                  uint64_t *pnwid, char **pjson)
{
    json_t *body = NULL;
    zt_ctl_network n;
    uint64_t nwid = 0;
    int rv, zrv;

    if (ctl == NULL || pnwid == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    rv = parse_body(ctl, json, &body);
    if (rv != 0)
        return rv;
    rv = ZTS_CONTROLLER_ERR_FULL;
    for (unsigned i = 0; i < CREATE_TRIES; i++) {
        uint64_t suffix = ctl->random_u64(ctl->random_arg) & 0xffffffULL;
        if (suffix == 0)
            suffix = 1;
        nwid = ctl->id.address << 24 | suffix;
        zrv = zt__store_get_network(ctl->store, nwid, &n);
        zt__ctl_network_clear(&n);
        if (zrv == ZT_ERR_NOTFOUND) {
            rv = ZTS_CONTROLLER_OK;
            break;
        }
        if (zrv != 0) {
            rv = store_err(ctl, zrv, "looking for a free network ID");
            break;
        }
    }
    if (rv == ZTS_CONTROLLER_ERR_FULL)
        set_err(ctl, "no free network ID under this controller");
    if (rv == ZTS_CONTROLLER_OK)
        rv = network_update(ctl, nwid, body, true, now_ms, pjson);
    if (rv == ZTS_CONTROLLER_OK)
        *pnwid = nwid;
    json_decref(body);
    return rv;
}

static int network_set_one(zts_controller *ctl, uint64_t nwid, const char *key, json_t *value,
                           int64_t now)
{
    json_t *body;
    int rv;

    if (value == NULL)
        return ZTS_CONTROLLER_ERR_GENERAL;
    body = json_object();
    if (body == NULL || json_object_set_new(body, key, value) != 0) {
        json_decref(body);
        return ZTS_CONTROLLER_ERR_GENERAL;
    }
    rv = network_update(ctl, nwid, body, false, now, NULL);
    json_decref(body);
    return rv;
}

int zts_controller_network_set_name(zts_controller *ctl, uint64_t nwid, const char *name,
                                    int64_t now_ms)
{
    if (ctl == NULL || name == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    return network_set_one(ctl, nwid, "name", json_string(name), now_ms);
}

int zts_controller_network_set_private(zts_controller *ctl, uint64_t nwid, bool is_private,
                                       int64_t now_ms)
{
    if (ctl == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    return network_set_one(ctl, nwid, "private", json_boolean(is_private), now_ms);
}

int zts_controller_network_get(zts_controller *ctl, uint64_t nwid, char **pjson)
{
    zt_ctl_network n;
    int rv, zrv;

    if (ctl == NULL || pjson == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    zrv = zt__store_get_network(ctl->store, nwid, &n);
    rv = zrv != 0 ? store_err(ctl, zrv, "loading the network") : dump_network(ctl, &n, pjson);
    zt__ctl_network_clear(&n);
    return rv;
}

typedef struct id_list {
    uint64_t *ids;
    size_t cap, count;
} id_list;

static int list_network_cb(const zt_ctl_network *n, void *arg)
{
    id_list *l = arg;
    if (l->count < l->cap)
        l->ids[l->count] = n->id;
    l->count++;
    return 0;
}

static int list_member_cb(const zt_ctl_member *m, void *arg)
{
    id_list *l = arg;
    if (l->count < l->cap)
        l->ids[l->count] = m->id;
    l->count++;
    return 0;
}

int zts_controller_network_list(zts_controller *ctl, uint64_t *ids, size_t cap, size_t *pcount)
{
    id_list l = {ids, cap, 0};
    int zrv;

    if (ctl == NULL || pcount == NULL || (ids == NULL && cap > 0))
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    zrv = zt__store_list_networks(ctl->store, list_network_cb, &l);
    if (zrv != 0)
        return store_err(ctl, zrv, "listing networks");
    *pcount = l.count;
    return ZTS_CONTROLLER_OK;
}

/* Collects the authorised members of a network about to be deleted. */
typedef struct auth_list {
    uint64_t *nodes;
    size_t n, cap;
    bool nomem;
} auth_list;

static int collect_authorized(const zt_ctl_member *m, void *arg)
{
    auth_list *l = arg;
    if (!m->authorized)
        return 0;
    if (zt__array_grow(NULL, &l->nodes, &l->cap, l->n + 1, sizeof(*l->nodes), SIZE_MAX) != 0) {
        l->nomem = true;
        return 1;
    }
    l->nodes[l->n++] = m->id;
    return 0;
}

int zts_controller_network_delete(zts_controller *ctl, uint64_t nwid, int64_t now_ms)
{
    auth_list l = {NULL, 0, 0, false};
    int rv = ZTS_CONTROLLER_OK, zrv;

    (void)now_ms;
    if (ctl == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    zrv = zt__store_list_members(ctl->store, nwid, collect_authorized, &l);
    if (l.nomem) {
        set_err(ctl, "out of memory listing the members of the network");
        rv = ZTS_CONTROLLER_ERR_GENERAL;
        goto out;
    }
    if (zrv != 0) {
        rv = store_err(ctl, zrv, "listing the members of the network");
        goto out;
    }
    zrv = zt__store_delete_network(ctl->store, nwid);
    if (zrv != 0) {
        rv = store_err(ctl, zrv, "deleting the network");
        goto out;
    }
    /* §4.4: every member of a deleted network is revoked */
    for (size_t i = 0; i < l.n; i++)
        (void)zt__controller_note_member_deauthorized(ctl->ctl, nwid, l.nodes[i]);
out:
    free(l.nodes);
    return rv;
}

/* ---- members ---- */

static int member_update_once(zts_controller *c, uint64_t nwid, uint64_t node,
                              const json_t *body, int64_t now, char **pjson, bool *pagain)
{
    zt_ctl_network n;
    zt_ctl_member m;
    zt_ctl_member_patch p;
    char err[256] = "";
    bool was_authorized, changed = false;
    int rv, zrv;

    *pagain = false;
    if (node == 0 || node > ZT_ADDRESS_MASK || zt__address_is_reserved(node)) {
        set_err(c, "member address %010" PRIx64 " is not a valid node address", node);
        return ZTS_CONTROLLER_ERR_ARG;
    }
    /* the network must exist (404 in the REST API) */
    zrv = zt__store_get_network(c->store, nwid, &n);
    zt__ctl_network_clear(&n);
    if (zrv != 0)
        return store_err(c, zrv, "loading the network");
    zrv = zt__store_get_member(c->store, nwid, node, &m);
    if (zrv == ZT_ERR_NOTFOUND) {
        zt__ctl_member_clear(&m);
        zt__ctl_member_init(&m, nwid, node);
        zrv = 0;
    }
    if (zrv != 0) {
        rv = store_err(c, zrv, "loading the member");
        goto out;
    }
    was_authorized = m.authorized;
    zrv = zt__ctl_member_patch_from_json(&p, body, err, sizeof(err));
    if (zrv == 0)
        zt__ctl_member_patch_apply(&m, &p, now);
    zt__ctl_member_patch_clear(&p);
    if (zrv != 0) {
        rv = input_err(c, zrv, "member update", err);
        goto out;
    }
    zrv = zt__store_begin(c->store);
    if (zrv == 0) /* m.revision is the one read: a concurrent change is never overwritten */
        zrv = zt__store_save_member_if(c->store, &m, m.revision, now, &changed);
    if (zrv == 0)
        zrv = zt__store_commit(c->store);
    *pagain = zrv == ZT_ERR_AGAIN;
    if (zrv != 0) {
        rv = store_err(c, zrv, "saving the member");
        if (c->store->in_tx)
            (void)zt__store_rollback(c->store);
        goto out;
    }
    if (changed) {
        if (was_authorized && !m.authorized)
            (void)zt__controller_note_member_deauthorized(c->ctl, nwid, node);
        else
            (void)zt__controller_note_member_changed(c->ctl, nwid, node);
    }
    rv = dump_member(c, &m, pjson);
out:
    zt__ctl_member_clear(&m);
    return rv;
}

/* Reads, patches and saves the member; read again and patched again when another process
 * changed it in between (a shared database), up to three times. */
static int member_update(zts_controller *c, uint64_t nwid, uint64_t node, const json_t *body,
                         int64_t now, char **pjson)
{
    bool again = true;
    int rv = ZTS_CONTROLLER_ERR_STORE;

    for (int attempt = 0; attempt < ZT_CTL_SAVE_TRIES && again; attempt++)
        rv = member_update_once(c, nwid, node, body, now, pjson, &again);
    return rv;
}

int zts_controller_member_set(zts_controller *ctl, uint64_t nwid, uint64_t node,
                              const char *json, int64_t now_ms, char **pjson)
{
    json_t *body = NULL;
    int rv;

    if (ctl == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    rv = parse_body(ctl, json, &body);
    if (rv != 0)
        return rv;
    rv = member_update(ctl, nwid, node, body, now_ms, pjson);
    json_decref(body);
    return rv;
}

int zts_controller_member_set_authorized(zts_controller *ctl, uint64_t nwid, uint64_t node,
                                         bool authorized, int64_t now_ms)
{
    json_t *body;
    int rv;

    if (ctl == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    body = json_pack("{sb}", "authorized", authorized ? 1 : 0);
    if (body == NULL)
        return ZTS_CONTROLLER_ERR_GENERAL;
    rv = member_update(ctl, nwid, node, body, now_ms, NULL);
    json_decref(body);
    return rv;
}

int zts_controller_member_get(zts_controller *ctl, uint64_t nwid, uint64_t node, char **pjson)
{
    zt_ctl_member m;
    int rv, zrv;

    if (ctl == NULL || pjson == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    zrv = zt__store_get_member(ctl->store, nwid, node, &m);
    rv = zrv != 0 ? store_err(ctl, zrv, "loading the member") : dump_member(ctl, &m, pjson);
    zt__ctl_member_clear(&m);
    return rv;
}

int zts_controller_member_list(zts_controller *ctl, uint64_t nwid, uint64_t *nodes, size_t cap,
                               size_t *pcount)
{
    id_list l = {nodes, cap, 0};
    int zrv;

    if (ctl == NULL || pcount == NULL || (nodes == NULL && cap > 0))
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    zrv = zt__store_list_members(ctl->store, nwid, list_member_cb, &l);
    if (zrv != 0)
        return store_err(ctl, zrv, "listing members");
    *pcount = l.count;
    return ZTS_CONTROLLER_OK;
}

int zts_controller_member_delete(zts_controller *ctl, uint64_t nwid, uint64_t node,
                                 int64_t now_ms)
{
    zt_ctl_member m;
    bool was_authorized;
    int zrv;

    (void)now_ms;
    if (ctl == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    ctl->err[0] = '\0';
    zrv = zt__store_get_member(ctl->store, nwid, node, &m);
    was_authorized = zrv == 0 && m.authorized;
    zt__ctl_member_clear(&m);
    if (zrv != 0)
        return store_err(ctl, zrv, "loading the member");
    zrv = zt__store_delete_member(ctl->store, nwid, node);
    if (zrv != 0)
        return store_err(ctl, zrv, "deleting the member");
    if (was_authorized)
        (void)zt__controller_note_member_deauthorized(ctl->ctl, nwid, node);
    return ZTS_CONTROLLER_OK;
}
