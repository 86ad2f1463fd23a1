/*
 * home.c: the home directory (home.h).
 */
#include "sdk/home.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/world.h"
#include "crypto/crypto.h"
#include "io/file.h"
#include "util/errors.h"
#include "util/hex.h"

static int join(char *out, size_t cap, const char *home, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", home, name);
    return n < 0 || (size_t)n >= cap ? ZT_ERR_NOSPACE : 0;
}

int zt__home_path(char *out, size_t cap, const char *home, zt_state_type type, uint64_t id)
{
    char name[64];

    switch (type) {
    case ZT_STATE_IDENTITY_PUBLIC:
        snprintf(name, sizeof(name), "identity.public");
        break;
    case ZT_STATE_IDENTITY_SECRET:
        snprintf(name, sizeof(name), "identity.secret");
        break;
    case ZT_STATE_PLANET:
        snprintf(name, sizeof(name), "planet");
        break;
    case ZT_STATE_MOON:
        snprintf(name, sizeof(name), "moons.d/%016llx.moon", (unsigned long long)id);
        break;
    case ZT_STATE_PEER:
        snprintf(name, sizeof(name), "peers.d/%010llx.peer",
                 (unsigned long long)(id & ZT_ADDRESS_MASK));
        break;
    case ZT_STATE_NETWORK_CONFIG:
        snprintf(name, sizeof(name), "networks.d/%016llx.conf", (unsigned long long)id);
        break;
    default:
        return ZT_ERR_INVAL;
    }
    return join(out, cap, home, name);
}

mode_t zt__home_mode(zt_state_type type)
{
    /* zerotier-one locks only the secret; libzt also the network configs (service.md §2,
     * api-modern.md §7.2), which carry the member's credentials: we do both everywhere. */
    return type == ZT_STATE_IDENTITY_SECRET || type == ZT_STATE_NETWORK_CONFIG ? 0600 : 0644;
}

/* mkdir -p with |mode| for the components we create.  Only the last one must succeed (or
 * exist): an intermediate one that cannot be made (no permission to create what exists
 * already, a drive letter) is not an error by itself (api-modern.md §5.3, as libzt's fork). */
static int mkdirs(const char *path, mode_t mode)
{
    char buf[ZT_HOME_PATH_MAX];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != 0)
            continue;
        buf[i] = 0;
        if (mkdir(buf, mode) != 0 && errno != EEXIST && i == len)
            return -1;
        buf[i] = i == len ? 0 : '/';
    }
    return 0;
}

int zt__home_prepare(const char *home, char *err, size_t errlen)
{
    struct stat st;

    if (mkdirs(home, 0700) != 0 || stat(home, &st) != 0) {
        zt__err_set(err, errlen, "cannot create home directory %s: %s", home, strerror(errno));
        return ZT_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        zt__err_set(err, errlen, "home %s is not a directory", home);
        return ZT_ERR_IO;
    }
    return 0;
}

/* True when |path| holds exactly |len| bytes equal to |data|. */
static bool file_equals(const char *path, const void *data, size_t len)
{
    uint8_t *old = NULL;
    size_t olen = 0;
    bool same;

    if (zt__io_read_file(path, len, &old, &olen) != 0)
        return false;
    same = olen == len && memcmp(old, data, len) == 0;
    free(old);
    return same;
}

static int write_if_changed(const char *path, const void *data, size_t len, mode_t mode,
                            bool *pchanged)
{
    struct stat st;
    int rv;

    if (pchanged != NULL)
        *pchanged = false;
    if (file_equals(path, data, len)) {
        /* Same bytes: still make sure a secret is not readable by others. */
        if (stat(path, &st) == 0 && (st.st_mode & 0777) != mode) {
            (void)chmod(path, mode);
            if (pchanged != NULL)
                *pchanged = true;
        }
        return 0;
    }
    rv = zt__io_write_file_atomic(path, data, len, mode);
    if (rv == 0 && pchanged != NULL)
        *pchanged = true;
    return rv;
}

/* Makes a new identity and creates identity.secret, which must not exist (any file there,
 * even a dangling link, is left alone: the node would otherwise change its address). */
static int create_identity(const char *spath, zt_identity *id, char *err, size_t errlen)
{
    char text[ZT_IDENTITY_STR_SECRET_LEN + 1];
    zt_ssize n;
    int rv;

    rv = zt__identity_generate(id, NULL);
    if (rv != 0) {
        zt__err_set(err, errlen, "cannot generate an identity: %s", zt__strerror(rv));
        return rv;
    }
    n = zt__identity_to_string(id, true, text, sizeof(text));
    if (n < 0) {
        zt__err_set(err, errlen, "cannot format the new identity: %s", zt__strerror((int)n));
        return (int)n;
    }
    rv = zt__io_create_file(spath, text, (size_t)n, 0600);
    zt__wipe(text, sizeof(text));
    if (rv == ZT_ERR_EXISTS) {
        zt__err_set(err, errlen, "%s appeared while a new identity was being made; left as it is",
                spath);
        return ZT_ERR_INVAL;
    }
    if (rv != 0)
        zt__err_set(err, errlen, "cannot write %s: %s", spath, strerror(errno));
    return rv;
}

/* Parses and checks the text of identity.secret. */
static int parse_identity(const char *spath, const uint8_t *data, size_t len, zt_identity *id,
                          char *err, size_t errlen)
{
    int rv = zt__identity_from_string(id, (const char *)data, len);

    if (rv != 0) {
        zt__err_set(err, errlen, "%s is corrupt (not an identity: %s)", spath, zt__strerror(rv));
        return ZT_ERR_INVAL;
    }
    if (!id->has_secret) {
        zt__err_set(err, errlen, "%s is corrupt (no secret key)", spath);
        return ZT_ERR_INVAL;
    }
    rv = zt__identity_validate(id, NULL);
    if (rv == ZT_ERR_INVAL)
        zt__err_set(err, errlen, "%s is corrupt (identity fails local validation)", spath);
    else if (rv != 0)
        zt__err_set(err, errlen, "cannot validate %s: %s", spath, zt__strerror(rv));
    return rv;
}

int zt__home_load_identity(const char *home, zt_identity *id, bool *pcreated, char *err,
                           size_t errlen)
{
    char spath[ZT_HOME_PATH_MAX], ppath[ZT_HOME_PATH_MAX], why[128];
    char pub[ZT_IDENTITY_STR_PUBLIC_LEN + 1];
    zt_io_file_info info;
    uint8_t *data = NULL;
    size_t len = 0;
    zt_ssize n;
    bool created = false;
    int rv;

    if (zt__home_path(spath, sizeof(spath), home, ZT_STATE_IDENTITY_SECRET, 0) != 0 ||
        zt__home_path(ppath, sizeof(ppath), home, ZT_STATE_IDENTITY_PUBLIC, 0) != 0) {
        zt__err_set(err, errlen, "home path %s is too long", home);
        return ZT_ERR_INVAL;
    }

    /* Only "nothing there at all" makes a new identity (service.md §2): whatever else is
     * there, a FIFO, a dangling link, an unreadable or corrupt file, stays untouched. */
    rv = zt__io_read_file_info(spath, ZT_IDENTITY_STR_MAX, &data, &len, &info);
    if (rv == ZT_ERR_NOTFOUND) {
        rv = create_identity(spath, id, err, errlen);
        created = rv == 0;
    } else if (rv == ZT_ERR_RANGE) {
        zt__err_set(err, errlen, "%s is corrupt (%s)", spath,
                zt__io_file_why(rv, &info, why, sizeof(why)));
        rv = ZT_ERR_INVAL;
    } else if (rv != 0) {
        zt__err_set(err, errlen, "cannot read %s: %s; it is left as it is", spath,
                zt__io_file_why(rv, &info, why, sizeof(why)));
        if (info.is_dangling || (info.type != 0 && info.type != S_IFREG))
            rv = ZT_ERR_INVAL; /* not a state the node can fix by itself */
    } else {
        rv = parse_identity(spath, data, len, id, err, errlen);
        /* zerotier-one locks the secret at every start (service.md §1.1). */
        if (rv == 0)
            (void)chmod(spath, 0600);
    }
    if (rv != 0)
        goto out;

    n = zt__identity_to_string(id, false, pub, sizeof(pub));
    if (n < 0) {
        rv = (int)n;
        zt__err_set(err, errlen, "cannot format the public identity: %s", zt__strerror(rv));
        goto out;
    }
    rv = write_if_changed(ppath, pub, (size_t)n, 0644, NULL);
    if (rv != 0) {
        zt__err_set(err, errlen, "cannot write %s: %s", ppath, strerror(errno));
        goto out;
    }
    *pcreated = created;
out:
    if (data != NULL) {
        zt__wipe(data, len);
        free(data);
    }
    if (rv != 0)
        zt__identity_clear(id);
    return rv;
}

/* Where the colliding secret |data| goes: identity.secret.saved_after_collision, or when an
 * older saved secret is there (a secret is never destroyed), that name followed by a dot and
 * the colliding address. */
static int aside_path(char *out, size_t cap, const char *home, const uint8_t *data, size_t len,
                      char *err, size_t errlen)
{
    struct stat st;
    zt_identity id;
    int rv;

    if (join(out, cap, home, ZT_HOME_SAVED_AFTER_COLLISION) != 0) {
        zt__err_set(err, errlen, "home path %s is too long", home);
        return ZT_ERR_INVAL;
    }
    if (lstat(out, &st) != 0 && errno == ENOENT)
        return 0;
    rv = zt__identity_from_string(&id, (const char *)data, len);
    if (rv != 0) {
        zt__err_set(err, errlen, "%s/identity.secret is no longer an identity (%s); it is left "
                    "as it is", home, zt__strerror(rv));
        return ZT_ERR_INVAL;
    }
    rv = snprintf(out, cap, "%s/%s.%010llx", home, ZT_HOME_SAVED_AFTER_COLLISION,
                  (unsigned long long)id.address);
    zt__identity_clear(&id);
    if (rv < 0 || (size_t)rv >= cap) {
        zt__err_set(err, errlen, "home path %s is too long", home);
        return ZT_ERR_INVAL;
    }
    return 0;
}

int zt__home_set_identity_aside(const char *home, char *saved, size_t savedlen, char *err,
                                size_t errlen)
{
    char spath[ZT_HOME_PATH_MAX], ppath[ZT_HOME_PATH_MAX], why[128];
    zt_io_file_info info;
    uint8_t *data = NULL;
    size_t len = 0;
    int rv;

    if (zt__home_path(spath, sizeof(spath), home, ZT_STATE_IDENTITY_SECRET, 0) != 0 ||
        zt__home_path(ppath, sizeof(ppath), home, ZT_STATE_IDENTITY_PUBLIC, 0) != 0) {
        zt__err_set(err, errlen, "home path %s is too long", home);
        return ZT_ERR_INVAL;
    }
    /* A copy of the bytes, not a rename: when identity.secret is a link (configuration
     * management), the saved secret must not change with the link's target. */
    rv = zt__io_read_file_info(spath, ZT_IDENTITY_STR_MAX, &data, &len, &info);
    if (rv != 0) {
        zt__err_set(err, errlen, "cannot read %s: %s; the identity is left as it is", spath,
                    zt__io_file_why(rv, &info, why, sizeof(why)));
        goto out;
    }
    rv = aside_path(saved, savedlen, home, data, len, err, errlen);
    if (rv != 0)
        goto out;
    rv = zt__io_write_file_atomic(saved, data, len, 0600);
    if (rv != 0) {
        zt__err_set(err, errlen, "cannot write %s: %s; the identity is left as it is", saved,
                    strerror(errno));
        goto out;
    }
    if (unlink(spath) != 0 && errno != ENOENT) {
        rv = ZT_ERR_IO;
        zt__err_set(err, errlen, "cannot delete %s: %s (a copy is in %s)", spath,
                    strerror(errno), saved);
        goto out;
    }
    /* A public file left behind would be rewritten for the new identity anyway. */
    (void)unlink(ppath);
out:
    if (data != NULL) {
        zt__wipe(data, len);
        free(data);
    }
    return rv;
}

/* One world of |type| filling |data|: 0, or ZT_ERR_INVAL with the reason in |why| (and
 * w->type ZT_WORLD_TYPE_NULL when not even that could be read). */
static int parse_world(zt_world *w, const uint8_t *data, size_t len, uint8_t type, char *why,
                       size_t cap)
{
    int rv = zt__world_parse(w, data, len);

    if (rv != 0) {
        w->type = ZT_WORLD_TYPE_NULL;
        zt__err_set(why, cap, "not a world: %s", zt__strerror(rv));
        return ZT_ERR_INVAL;
    }
    if (w->type != type) {
        zt__err_set(why, cap, "world %016llx is a %s, not a %s", (unsigned long long)w->id,
                w->type == ZT_WORLD_TYPE_PLANET ? "planet" : "moon",
                type == ZT_WORLD_TYPE_PLANET ? "planet" : "moon");
        return ZT_ERR_INVAL;
    }
    return 0;
}

/* Reads HOME/planet.previous (see keep_previous_planet) into |prev|. */
static bool load_previous_planet(const char *home, zt_world *prev)
{
    char path[ZT_HOME_PATH_MAX];
    uint8_t *data = NULL;
    size_t len = 0;
    bool ok;

    if (join(path, sizeof(path), home, "planet.previous") != 0 ||
        zt__io_read_file(path, ZT_WORLD_MAX_SERIALIZED, &data, &len) != 0)
        return false;
    ok = zt__world_parse(prev, data, len) == 0 && prev->type == ZT_WORLD_TYPE_PLANET;
    free(data);
    return ok;
}

/* vl1.md §6.1: each revision is signed with the previous revision's update key; a first one
 * (and every one whose key never changed, the default planet's included) with its own.  So a
 * planet is accepted when its signature verifies under its own update key, under the key of
 * the built-in planet it updates (same ID), or under that of planet.previous, the revision
 * it replaced.  Anything else is damaged, or cannot be told from damaged. */
static bool planet_signed(const char *home, const zt_world *w)
{
    zt_world *other;
    bool ok;

    if (zt__world_verify(w, w->update_key))
        return true;
    other = calloc(1, sizeof(*other));
    if (other == NULL)
        return false;
    ok = zt__world_parse(other, zt__default_planet, ZT_DEFAULT_PLANET_LEN) == 0 &&
         other->id == w->id && zt__world_verify(w, other->update_key);
    if (!ok && load_previous_planet(home, other))
        ok = other->id == w->id && other->timestamp < w->timestamp &&
             zt__world_verify(w, other->update_key);
    free(other);
    return ok;
}

int zt__home_check_planet(const char *home, bool *ppresent, char *err, size_t errlen)
{
    char path[ZT_HOME_PATH_MAX], why[160];
    zt_io_file_info info;
    uint8_t *data = NULL;
    size_t len = 0;
    zt_world *w = NULL;
    int rv;

    *ppresent = false;
    if (zt__home_path(path, sizeof(path), home, ZT_STATE_PLANET, 0) != 0) {
        zt__err_set(err, errlen, "home path %s is too long", home);
        return ZT_ERR_INVAL;
    }
    rv = zt__io_read_file_info(path, ZT_WORLD_MAX_SERIALIZED, &data, &len, &info);
    if (rv == ZT_ERR_NOTFOUND)
        return 0;
    *ppresent = true;
    if (rv != 0) {
        /* Not even a dangling link falls back to the default planet: a node of a private
         * world must not go looking for the public roots. */
        (void)zt__io_file_why(rv, &info, why, sizeof(why));
        if (rv == ZT_ERR_RANGE)
            zt__err_set(err, errlen, "%s is corrupt (%s)", path, why);
        else
            zt__err_set(err, errlen, "cannot read %s: %s", path, why);
        if (rv == ZT_ERR_RANGE || info.is_dangling || (info.type != 0 && info.type != S_IFREG))
            rv = ZT_ERR_INVAL; /* not a state the node can fix by itself */
        goto out;
    }
    w = calloc(1, sizeof(*w)); /* ~20 KiB: keep it off the stack */
    if (w == NULL) {
        rv = ZT_ERR_NOMEM;
        zt__err_set(err, errlen, "out of memory");
        goto out;
    }
    rv = parse_world(w, data, len, ZT_WORLD_TYPE_PLANET, why, sizeof(why));
    if (rv == 0 && w->nroots == 0) {
        zt__err_set(why, sizeof(why), "a planet without roots");
        rv = ZT_ERR_INVAL;
    }
    if (rv == 0 && !planet_signed(home, w)) {
        zt__err_set(why, sizeof(why),
                "planet %016llx: its signature verifies neither under its own update key nor "
                "under the key of the revision it updates",
                (unsigned long long)w->id);
        rv = ZT_ERR_INVAL;
    }
    if (rv != 0)
        zt__err_set(err, errlen, "%s is corrupt (%s)", path, why);
out:
    free(w);
    free(data);
    return rv;
}

int zt__home_check_moon(zt_world *w, const uint8_t *data, size_t len, char *why, size_t cap)
{
    int rv = parse_world(w, data, len, ZT_WORLD_TYPE_MOON, why, cap);

    /* As zt__node_add_moon() and a moon first met on the wire (vl1.md §6.4): signed by its
     * own update key. */
    if (rv == 0 && !zt__world_verify(w, w->update_key)) {
        zt__err_set(why, cap, "its signature does not verify under its update key");
        rv = ZT_ERR_AUTH;
    }
    return rv;
}

zt_ssize zt__home_state_get(const char *home, zt_state_type type, uint64_t id, uint8_t *buf,
                            size_t cap, char *why, size_t whylen)
{
    char path[ZT_HOME_PATH_MAX];
    zt_io_file_info info;
    uint8_t *data = NULL;
    size_t len = 0;
    int rv;

    if (zt__home_path(path, sizeof(path), home, type, id) != 0)
        return ZT_ERR_NOTFOUND;
    rv = zt__io_read_file_info(path, cap, &data, &len, &info);
    if (rv != 0) {
        if (why != NULL && whylen > 0)
            (void)zt__io_file_why(rv, &info, why, whylen);
        return rv == ZT_ERR_RANGE ? ZT_ERR_NOSPACE : rv;
    }
    memcpy(buf, data, len);
    if (type == ZT_STATE_IDENTITY_SECRET)
        zt__wipe(data, len);
    free(data);
    return (zt_ssize)len;
}

/* A planet update signed with a key other than its own (a key change, vl1.md §6.1) can be
 * checked at the next start only with the revision it replaces: planet.previous keeps it. */
static void keep_previous_planet(const char *home, const char *path, const uint8_t *data,
                                 size_t len)
{
    char prev[ZT_HOME_PATH_MAX];
    zt_world *w = calloc(1, sizeof(*w));
    uint8_t *old = NULL;
    size_t olen = 0;

    if (w != NULL && zt__world_parse(w, data, len) == 0 && !zt__world_verify(w, w->update_key) &&
        !file_equals(path, data, len) && join(prev, sizeof(prev), home, "planet.previous") == 0 &&
        zt__io_read_file(path, ZT_WORLD_MAX_SERIALIZED, &old, &olen) == 0)
        (void)zt__io_write_file_atomic(prev, old, olen, 0644);
    free(old);
    free(w);
}

int zt__home_state_put(const char *home, zt_state_type type, uint64_t id, const uint8_t *data,
                       size_t len, bool *pchanged)
{
    char path[ZT_HOME_PATH_MAX], *slash;
    int rv;

    if (pchanged != NULL)
        *pchanged = false;
    if (zt__home_path(path, sizeof(path), home, type, id) != 0) {
        errno = ENAMETOOLONG;
        return ZT_ERR_IO;
    }
    if (data == NULL) {
        if (unlink(path) == 0) {
            if (pchanged != NULL)
                *pchanged = true;
            return 0;
        }
        return errno == ENOENT ? 0 : ZT_ERR_IO;
    }
    if (type == ZT_STATE_PLANET)
        keep_previous_planet(home, path, data, len);
    rv = write_if_changed(path, data, len, zt__home_mode(type), pchanged);
    if (rv != 0 && errno == ENOENT) {
        /* First object of its kind: create moons.d/, peers.d/ or networks.d/. */
        slash = strrchr(path, '/');
        if (slash != NULL) {
            *slash = 0;
            if (mkdirs(path, 0700) != 0)
                return ZT_ERR_IO;
            *slash = '/';
        }
        rv = write_if_changed(path, data, len, zt__home_mode(type), pchanged);
    }
    return rv;
}

int zt__home_write_bytes(const char *home, const char *name, const void *data, size_t len,
                         mode_t mode, bool *pchanged)
{
    char path[ZT_HOME_PATH_MAX];

    if (join(path, sizeof(path), home, name) != 0) {
        errno = ENAMETOOLONG;
        return ZT_ERR_IO;
    }
    return write_if_changed(path, data, len, mode, pchanged);
}

int zt__home_write_text(const char *home, const char *name, const char *text, mode_t mode)
{
    return zt__home_write_bytes(home, name, text, strlen(text), mode, NULL);
}

/* True when |name| is <|ndigits| hex digits><suffix>; the hex value goes to *pid. */
static bool match_name(const char *name, size_t ndigits, const char *suffix, uint64_t *pid)
{
    size_t len = strlen(name), slen = strlen(suffix);

    if (len != ndigits + slen || strcmp(name + ndigits, suffix) != 0)
        return false;
    return zt__hex_u64(name, ndigits, pid) == 0;
}

/* Called for each file of a state directory whose name matched (|id|: the name's hex value;
 * |path|: the file's); true to count it. */
typedef bool (*dir_file_cb)(void *arg, uint64_t id, const char *path);

/* Calls |cb| for each <|ndigits| hex digits><|suffix|> file in HOME/|sub|.  Returns how many
 * times it answered true (0 when the directory cannot be read). */
static unsigned for_each_file(const char *home, const char *sub, size_t ndigits,
                              const char *suffix, dir_file_cb cb, void *arg)
{
    char dir[ZT_HOME_PATH_MAX], path[ZT_HOME_PATH_MAX];
    struct dirent *de;
    unsigned counted = 0;
    DIR *d;

    if (join(dir, sizeof(dir), home, sub) != 0)
        return 0;
    d = opendir(dir);
    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        uint64_t id;

        if (!match_name(de->d_name, ndigits, suffix, &id))
            continue;
        if (join(path, sizeof(path), dir, de->d_name) != 0)
            continue;
        if (cb(arg, id, path))
            counted++;
    }
    closedir(d);
    return counted;
}

typedef struct {
    zt__home_moon_cb cb;
    void *arg;
} moon_walk;

/* Hands one moon file to the caller's callback; every one counts, readable or not. */
static bool read_moon(void *arg, uint64_t file_id, const char *path)
{
    moon_walk *w = arg;
    char why[128];
    zt_io_file_info info;
    uint8_t *data = NULL;
    size_t len = 0;
    int rv;

    rv = zt__io_read_file_info(path, ZT_WORLD_MAX_SERIALIZED, &data, &len, &info);
    if (rv != 0) {
        w->cb(w->arg, file_id, path, NULL, 0, zt__io_file_why(rv, &info, why, sizeof(why)));
        return true;
    }
    w->cb(w->arg, file_id, path, data, len, NULL);
    free(data);
    return true;
}

unsigned zt__home_for_each_moon(const char *home, zt__home_moon_cb cb, void *arg)
{
    moon_walk w = {.cb = cb, .arg = arg};

    return for_each_file(home, "moons.d", 16, ".moon", read_moon, &w);
}

typedef struct {
    zt__home_network_cb cb;
    void *arg;
} network_walk;

static bool visit_network(void *arg, uint64_t nwid, const char *path)
{
    const network_walk *w = arg;

    (void)path;
    return nwid != 0 && w->cb(w->arg, nwid);
}

unsigned zt__home_for_each_network(const char *home, zt__home_network_cb cb, void *arg)
{
    network_walk w = {.cb = cb, .arg = arg};

    return for_each_file(home, "networks.d", 16, ".conf", visit_network, &w);
}

typedef struct {
    int64_t max_age_ms, wall_now_ms;
} peer_prune;

/* Deletes one peer file if it is older than the limit; true when it was deleted. */
static bool prune_peer(void *arg, uint64_t address, const char *path)
{
    const peer_prune *p = arg;
    struct stat st;

    (void)address;
    if (stat(path, &st) != 0)
        return false;
    return (int64_t)st.st_mtime * 1000 + p->max_age_ms < p->wall_now_ms && unlink(path) == 0;
}

unsigned zt__home_prune_peers(const char *home, int64_t max_age_ms, int64_t wall_now_ms)
{
    peer_prune p = {.max_age_ms = max_age_ms, .wall_now_ms = wall_now_ms};

    return for_each_file(home, "peers.d", 10, ".peer", prune_peer, &p);
}
