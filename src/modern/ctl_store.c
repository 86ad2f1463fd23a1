/*
 * ctl_store.c: where a modern node's state goes (api-modern.md §7.2, §7.3) and the STORE
 * events (§6.2, §6.3 item 1).
 *
 * Storage mode (zts_init_from_storage): the home directory holds identity.secret (0600),
 * identity.public, roots (the planet), networks.d/<16 hex>.conf and peers.d/<10 hex>.peer,
 * nothing else.  Existing files are always read; the allow_*_cache switches gate writes only
 * (§5.2), and identical content is never rewritten (home.h).  A leave deletes the network's
 * file.  Memory-only mode (the default): nothing is read or written at all; the application
 * keeps what the STORE events carry and gives it back with zts_init_from_memory and
 * zts_init_set_roots.
 *
 * The runner's store callbacks run on its I/O thread (and on the service thread while it is
 * built and deleted); the settings do not change during a run (ctl_internal.h).
 */
#include "modern/ctl_internal.h"

#include "crypto/crypto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/world.h"
#include "io/file.h"
#include "sdk/home.h"

#define ROOTS_FILE "roots"

/* One warning line with the file concerned (ZTS_LOG). */
static void warn(const char *what, const char *name)
{
    char line[ZT_MODERN_PATH_MAX + 128];

    snprintf(line, sizeof(line), "%s %s/%s: %s", what, zt__modern.path, name, strerror(errno));
    zt__svc_log(ZT_RUNNER_LOG_WARN, line);
}

/* The `roots` file into |buf|: its length, ZT_ERR_NOTFOUND, ZT_ERR_NOSPACE or ZT_ERR_IO. */
static zt_ssize read_roots(uint8_t *buf, size_t cap)
{
    char path[ZT_MODERN_PATH_MAX + 16];
    uint8_t *data = NULL;
    size_t len = 0;
    int rv;

    if ((size_t)snprintf(path, sizeof(path), "%s/" ROOTS_FILE, zt__modern.path) >= sizeof(path))
        return ZT_ERR_NOTFOUND;
    rv = zt__io_read_file(path, cap, &data, &len);
    if (rv != 0)
        return rv == ZT_ERR_RANGE ? ZT_ERR_NOSPACE : rv;
    memcpy(buf, data, len);
    free(data);
    return (zt_ssize)len;
}

static zt_ssize store_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf, size_t cap)
{
    (void)user;
    if (zt__modern.path == NULL)
        return ZT_ERR_NOTFOUND; /* memory-only: no file is read (§7.3) */
    switch (type) {
    case ZT_STATE_PLANET:
        /* zts_init_set_roots's planet replaces the stored one (§7.2). */
        return zt__modern_run.roots_from_api ? ZT_ERR_NOTFOUND : read_roots(buf, cap);
    case ZT_STATE_PEER:
    case ZT_STATE_NETWORK_CONFIG:
        return zt__home_state_get(zt__modern.path, type, id, buf, cap, NULL, 0);
    default:
        return ZT_ERR_NOTFOUND; /* identities come from the run; moons are not kept */
    }
}

/* The planet in use, as a STORE_PLANET event and (storage mode, roots_cache) the roots file. */
static void put_planet(const uint8_t *data, size_t len)
{
    zt__svc_queue_store(ZT_SVC_EV_STORE_PLANET, data, len);
    if (zt__modern.path != NULL && zt__modern.roots_cache &&
        zt__home_write_bytes(zt__modern.path, ROOTS_FILE, data, len, 0644, NULL) != 0)
        warn("cannot write", ROOTS_FILE);
}

static void store_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data,
                      size_t len)
{
    bool allowed;

    (void)user;
    if (type == ZT_STATE_PLANET) {
        if (data != NULL)
            put_planet(data, len);
        return;
    }
    if (type != ZT_STATE_PEER && type != ZT_STATE_NETWORK_CONFIG)
        return; /* moons are not kept (§5.3) */
    allowed = type == ZT_STATE_PEER ? zt__modern.peer_cache : zt__modern.net_cache;
    if (zt__modern.path == NULL || !allowed)
        return;
    /* |data| NULL deletes: a leave removes networks.d/<id>.conf (§5.4, reference bug fixed). */
    if (zt__home_state_put(zt__modern.path, type, id, data, len, NULL) != 0)
        warn(data == NULL ? "cannot delete a state file in" : "cannot write a state file in",
             type == ZT_STATE_PEER ? "peers.d" : "networks.d");
}

/* Storage mode: peers.d's files older than the runner's limit (30 days) go, as a node's home
 * directory's do (§7.2); with peer_cache off nothing is written, so nothing is pruned either. */
static unsigned store_prune_peers(void *user, int64_t max_age_ms, int64_t wall_now_ms)
{
    (void)user;
    if (zt__modern.path == NULL || !zt__modern.peer_cache)
        return 0;
    return zt__home_prune_peers(zt__modern.path, max_age_ms, wall_now_ms);
}

static const zt_runner_store modern_store = {
    .get = store_get,
    .put = store_put,
    .prune_peers = store_prune_peers,
};

const zt_runner_store *zt__modern_store(void)
{
    return &modern_store;
}

/* ---- the identity of a run ---------------------------------------------------------------- */

/* STORE_IDENTITY_SECRET and _PUBLIC for a new identity, and its files (storage, id_cache). */
static void put_identity(const zt_identity *id)
{
    char sec[ZT_IDENTITY_STR_SECRET_LEN + 1], pub[ZT_IDENTITY_STR_PUBLIC_LEN + 1];
    zt_ssize slen = zt__identity_to_string(id, true, sec, sizeof(sec));
    zt_ssize plen = zt__identity_to_string(id, false, pub, sizeof(pub));

    if (slen > 0 && plen > 0) {
        zt__svc_queue_store(ZT_SVC_EV_STORE_ID_SECRET, (const uint8_t *)sec, (size_t)slen);
        zt__svc_queue_store(ZT_SVC_EV_STORE_ID_PUBLIC, (const uint8_t *)pub, (size_t)plen);
        if (zt__modern.path != NULL && zt__modern.id_cache &&
            (zt__home_state_put(zt__modern.path, ZT_STATE_IDENTITY_SECRET, 0,
                                (const uint8_t *)sec, (size_t)slen, NULL) != 0 ||
             zt__home_state_put(zt__modern.path, ZT_STATE_IDENTITY_PUBLIC, 0,
                                (const uint8_t *)pub, (size_t)plen, NULL) != 0))
            warn("cannot write", "identity.secret or identity.public");
    }
    zt__wipe(sec, sizeof(sec));
}

/* identity.public kept in step with the secret (id_cache): STORE_IDENTITY_PUBLIC when the
 * file had to change (§6.3 item 1). */
static void check_public(const zt_identity *id)
{
    char pub[ZT_IDENTITY_STR_PUBLIC_LEN + 1];
    zt_ssize plen = zt__identity_to_string(id, false, pub, sizeof(pub));
    bool changed = false;

    if (plen <= 0 || !zt__modern.id_cache)
        return;
    if (zt__home_state_put(zt__modern.path, ZT_STATE_IDENTITY_PUBLIC, 0, (const uint8_t *)pub,
                           (size_t)plen, &changed) != 0)
        warn("cannot write", "identity.public");
    else if (changed)
        zt__svc_queue_store(ZT_SVC_EV_STORE_ID_PUBLIC, (const uint8_t *)pub, (size_t)plen);
}

/* storage mode: the home directory, and identity.secret if there is one.  Returns 0 (*pfound
 * tells), or an error with a sentence logged: a file that is there but unusable is never
 * replaced. */
static int load_stored(zt_identity *out, bool *pfound)
{
    uint8_t buf[ZTS_ID_STR_BUF_LEN];
    char err[ZT_MODERN_PATH_MAX + 128], why[160] = "";
    zt_ssize len;
    int rv;

    *pfound = false;
    if (zt__home_prepare(zt__modern.path, err, sizeof(err)) != 0) {
        zt__svc_log(ZT_RUNNER_LOG_ERROR, err);
        return ZT_ERR_IO;
    }
    len = zt__home_state_get(zt__modern.path, ZT_STATE_IDENTITY_SECRET, 0, buf, sizeof(buf),
                             why, sizeof(why));
    if (len == ZT_ERR_NOTFOUND)
        return 0;
    rv = len < 0 ? (int)len
                 : zt__identity_from_string(out, (const char *)buf, (size_t)len) != 0 ||
                           !out->has_secret || zt__identity_validate(out, NULL) != 0
                       ? ZT_ERR_INVAL
                       : 0;
    zt__wipe(buf, sizeof(buf));
    if (rv != 0) {
        snprintf(err, sizeof(err), "%s/identity.secret is not usable (%s); it is left as it is",
                 zt__modern.path, why[0] != 0 ? why : "not a valid secret identity");
        zt__svc_log(ZT_RUNNER_LOG_ERROR, err);
        zt__identity_clear(out);
        return rv;
    }
    *pfound = true;
    check_public(out);
    return 0;
}

int zt__modern_resolve_identity(zt_identity *out)
{
    bool found = false;
    int rv;

    memset(out, 0, sizeof(*out));
    /* zts_init_from_memory wins over a stored identity (§5.2): the file is then not read
     * (nor checked: an unusable one does not stop the start). */
    if (zt__modern.has_key) {
        char err[ZT_MODERN_PATH_MAX + 128];
        if (zt__modern.path != NULL && zt__home_prepare(zt__modern.path, err, sizeof(err)) != 0) {
            zt__svc_log(ZT_RUNNER_LOG_ERROR, err);
            return ZT_ERR_IO;
        }
        *out = zt__modern.key;
        return 0;
    }
    if (zt__modern.path != NULL) {
        rv = load_stored(out, &found);
        if (rv != 0)
            return rv;
    }
    if (found)
        return 0;
    rv = zt__identity_generate(out, NULL);
    if (rv != 0) {
        zt__svc_log(ZT_RUNNER_LOG_ERROR, "cannot generate an identity: out of memory");
        return rv;
    }
    put_identity(out);
    return 0;
}

/* ---- the planet of a run ------------------------------------------------------------------ */

/* True when |data| is one planet. */
static bool is_planet(const uint8_t *data, size_t len)
{
    zt_world *w = calloc(1, sizeof(*w));
    bool yes = w != NULL && zt__world_parse(w, data, len) == 0 && w->type == ZT_WORLD_TYPE_PLANET;

    free(w);
    return yes;
}

void zt__modern_planet(const uint8_t **pdata, size_t *plen, bool *ploopback)
{
    uint8_t *held = malloc(ZT_WORLD_MAX_SERIALIZED);
    zt_ssize hlen = ZT_ERR_NOTFOUND;
    const uint8_t *use;
    size_t ulen;

    *pdata = NULL;
    *plen = 0;
    zt__modern_run.roots_from_api = false;
    if (zt__modern.roots != NULL) {
        if (is_planet(zt__modern.roots, zt__modern.roots_len)) {
            *pdata = zt__modern.roots;
            *plen = zt__modern.roots_len;
            zt__modern_run.roots_from_api = true;
        } else {
            zt__svc_log(ZT_RUNNER_LOG_WARN,
                        "the roots given to zts_init_set_roots are not a planet: using the "
                        "built-in one");
        }
    }
    if (held != NULL && zt__modern.path != NULL && !zt__modern_run.roots_from_api)
        hlen = read_roots(held, ZT_WORLD_MAX_SERIALIZED);
    if (hlen > 0 && is_planet(held, (size_t)hlen)) {
        use = held; /* the node keeps it unless the offered one is a signed update */
        ulen = (size_t)hlen;
    } else {
        use = *pdata != NULL ? *pdata : zt__default_planet;
        ulen = *pdata != NULL ? *plen : ZT_DEFAULT_PLANET_LEN;
        put_planet(use, ulen); /* nothing stored: the planet in use is adopted now */
    }
    *ploopback = zt__svc_world_is_loopback(use, ulen);
    free(held);
}
