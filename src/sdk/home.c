/*
 * home.c: the home directory (home.h).
 */
#include "sdk/home.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/world.h"
#include "crypto/crypto.h"
#include "io/file.h"
#include "util/hex.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

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
    return type == ZT_STATE_IDENTITY_SECRET ? 0600 : 0644;
}

/* mkdir -p with |mode| for the components we create. */
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
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return -1;
        buf[i] = i == len ? 0 : '/';
    }
    return 0;
}

int zt__home_prepare(const char *home, char *err, size_t errlen)
{
    struct stat st;

    if (mkdirs(home, 0700) != 0 || stat(home, &st) != 0) {
        set_err(err, errlen, "cannot create home directory %s: %s", home, strerror(errno));
        return ZT_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        set_err(err, errlen, "home %s is not a directory", home);
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

    if (zt_io_read_file(path, len, &old, &olen) != 0)
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
    rv = zt_io_write_file_atomic(path, data, len, mode);
    if (rv == 0 && pchanged != NULL)
        *pchanged = true;
    return rv;
}

int zt__home_load_identity(const char *home, zt_identity *id, bool *pcreated, char *err,
                           size_t errlen)
{
    char spath[ZT_HOME_PATH_MAX], ppath[ZT_HOME_PATH_MAX];
    char text[ZT_IDENTITY_STR_SECRET_LEN + 1], pub[ZT_IDENTITY_STR_PUBLIC_LEN + 1];
    uint8_t *data = NULL;
    size_t len = 0;
    zt_ssize n;
    bool created = false;
    int rv;

    if (zt__home_path(spath, sizeof(spath), home, ZT_STATE_IDENTITY_SECRET, 0) != 0 ||
        zt__home_path(ppath, sizeof(ppath), home, ZT_STATE_IDENTITY_PUBLIC, 0) != 0) {
        set_err(err, errlen, "home path %s is too long", home);
        return ZT_ERR_INVAL;
    }

    rv = zt_io_read_file(spath, ZT_IDENTITY_STR_MAX, &data, &len);
    if (rv == ZT_ERR_NOTFOUND) {
        rv = zt__identity_generate(id, NULL);
        if (rv != 0) {
            set_err(err, errlen, "cannot generate an identity: %s", zt_strerror(rv));
            goto out;
        }
        n = zt__identity_to_string(id, true, text, sizeof(text));
        if (n < 0) {
            rv = (int)n;
            set_err(err, errlen, "cannot format the new identity: %s", zt_strerror(rv));
            goto out;
        }
        rv = zt_io_write_file_atomic(spath, text, (size_t)n, 0600);
        if (rv != 0) {
            set_err(err, errlen, "cannot write %s: %s", spath, strerror(errno));
            goto out;
        }
        created = true;
    } else if (rv == ZT_ERR_RANGE) {
        set_err(err, errlen, "%s is corrupt (longer than %d bytes)", spath, ZT_IDENTITY_STR_MAX);
        rv = ZT_ERR_INVAL;
        goto out;
    } else if (rv != 0) {
        set_err(err, errlen, "cannot read %s: %s", spath,
                rv == ZT_ERR_IO ? strerror(errno) : zt_strerror(rv));
        goto out;
    } else {
        rv = zt__identity_from_string(id, (const char *)data, len);
        if (rv != 0) {
            set_err(err, errlen, "%s is corrupt (not an identity: %s)", spath, zt_strerror(rv));
            rv = ZT_ERR_INVAL;
            goto out;
        }
        if (!id->has_secret) {
            set_err(err, errlen, "%s is corrupt (no secret key)", spath);
            rv = ZT_ERR_INVAL;
            goto out;
        }
        rv = zt__identity_validate(id, NULL);
        if (rv == ZT_ERR_INVAL) {
            set_err(err, errlen, "%s is corrupt (identity fails local validation)", spath);
            goto out;
        }
        if (rv != 0) {
            set_err(err, errlen, "cannot validate %s: %s", spath, zt_strerror(rv));
            goto out;
        }
        /* zerotier-one locks the secret at every start (service.md §1.1). */
        (void)chmod(spath, 0600);
    }

    n = zt__identity_to_string(id, false, pub, sizeof(pub));
    if (n < 0) {
        rv = (int)n;
        set_err(err, errlen, "cannot format the public identity: %s", zt_strerror(rv));
        goto out;
    }
    rv = write_if_changed(ppath, pub, (size_t)n, 0644, NULL);
    if (rv != 0) {
        set_err(err, errlen, "cannot write %s: %s", ppath, strerror(errno));
        goto out;
    }
    *pcreated = created;
out:
    zt__wipe(text, sizeof(text));
    if (data != NULL) {
        zt__wipe(data, len);
        free(data);
    }
    if (rv != 0)
        zt__identity_clear(id);
    return rv;
}

int zt__home_check_planet(const char *home, bool *ppresent, char *err, size_t errlen)
{
    char path[ZT_HOME_PATH_MAX];
    uint8_t *data = NULL;
    size_t len = 0;
    zt_world *w = NULL;
    int rv;

    *ppresent = false;
    if (zt__home_path(path, sizeof(path), home, ZT_STATE_PLANET, 0) != 0) {
        set_err(err, errlen, "home path %s is too long", home);
        return ZT_ERR_INVAL;
    }
    rv = zt_io_read_file(path, ZT_HOME_OBJECT_MAX, &data, &len);
    if (rv == ZT_ERR_NOTFOUND)
        return 0;
    *ppresent = true;
    if (rv == ZT_ERR_RANGE) {
        set_err(err, errlen, "%s is corrupt (larger than %d bytes)", path, ZT_HOME_OBJECT_MAX);
        rv = ZT_ERR_INVAL;
        goto out;
    }
    if (rv != 0) {
        set_err(err, errlen, "cannot read %s: %s", path,
                rv == ZT_ERR_IO ? strerror(errno) : zt_strerror(rv));
        goto out;
    }
    w = calloc(1, sizeof(*w)); /* ~20 KiB: keep it off the stack */
    if (w == NULL) {
        rv = ZT_ERR_NOMEM;
        set_err(err, errlen, "out of memory");
        goto out;
    }
    rv = zt__world_parse(w, data, len);
    if (rv != 0) {
        set_err(err, errlen, "%s is corrupt (not a world: %s)", path, zt_strerror(rv));
        rv = ZT_ERR_INVAL;
        goto out;
    }
    if (w->type != ZT_WORLD_TYPE_PLANET) {
        set_err(err, errlen, "%s is corrupt (world type %u is not a planet)", path,
                (unsigned)w->type);
        rv = ZT_ERR_INVAL;
        goto out;
    }
    if (w->nroots == 0) {
        set_err(err, errlen, "%s is corrupt (a planet without roots)", path);
        rv = ZT_ERR_INVAL;
        goto out;
    }
out:
    free(w);
    free(data);
    return rv;
}

zt_ssize zt__home_state_get(const char *home, zt_state_type type, uint64_t id, uint8_t *buf,
                            size_t cap)
{
    char path[ZT_HOME_PATH_MAX];
    uint8_t *data = NULL;
    size_t len = 0;
    int rv;

    if (zt__home_path(path, sizeof(path), home, type, id) != 0)
        return ZT_ERR_NOTFOUND;
    rv = zt_io_read_file(path, cap, &data, &len);
    if (rv == ZT_ERR_RANGE)
        return ZT_ERR_NOSPACE;
    if (rv != 0)
        return rv;
    memcpy(buf, data, len);
    if (type == ZT_STATE_IDENTITY_SECRET)
        zt__wipe(data, len);
    free(data);
    return (zt_ssize)len;
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

int zt__home_write_text(const char *home, const char *name, const char *text, mode_t mode)
{
    char path[ZT_HOME_PATH_MAX];

    if (join(path, sizeof(path), home, name) != 0) {
        errno = ENAMETOOLONG;
        return ZT_ERR_IO;
    }
    return write_if_changed(path, text, strlen(text), mode, NULL);
}

/* True when |name| is <|ndigits| hex digits><suffix>; the hex value goes to *pid. */
static bool match_name(const char *name, size_t ndigits, const char *suffix, uint64_t *pid)
{
    size_t len = strlen(name), slen = strlen(suffix);

    if (len != ndigits + slen || strcmp(name + ndigits, suffix) != 0)
        return false;
    return zt__hex_u64(name, ndigits, pid) == 0;
}

unsigned zt__home_for_each_moon(const char *home, zt__home_moon_cb cb, void *arg)
{
    char dir[ZT_HOME_PATH_MAX], path[ZT_HOME_PATH_MAX];
    struct dirent *de;
    unsigned found = 0;
    DIR *d;

    if (join(dir, sizeof(dir), home, "moons.d") != 0)
        return 0;
    d = opendir(dir);
    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        uint8_t *data = NULL;
        size_t len = 0;
        uint64_t world_id;

        if (!match_name(de->d_name, 16, ".moon", &world_id))
            continue;
        if (join(path, sizeof(path), dir, de->d_name) != 0)
            continue;
        found++;
        if (zt_io_read_file(path, ZT_HOME_OBJECT_MAX, &data, &len) != 0) {
            cb(arg, world_id, path, NULL, 0);
            continue;
        }
        cb(arg, world_id, path, data, len);
        free(data);
    }
    closedir(d);
    return found;
}

unsigned zt__home_prune_peers(const char *home, int64_t max_age_ms, int64_t wall_now_ms)
{
    char dir[ZT_HOME_PATH_MAX], path[ZT_HOME_PATH_MAX];
    struct dirent *de;
    unsigned deleted = 0;
    DIR *d;

    if (join(dir, sizeof(dir), home, "peers.d") != 0)
        return 0;
    d = opendir(dir);
    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        uint64_t address;

        if (!match_name(de->d_name, 10, ".peer", &address))
            continue;
        if (join(path, sizeof(path), dir, de->d_name) != 0 || stat(path, &st) != 0)
            continue;
        if ((int64_t)st.st_mtime * 1000 + max_age_ms < wall_now_ms && unlink(path) == 0)
            deleted++;
    }
    closedir(d);
    return deleted;
}
