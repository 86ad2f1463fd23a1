/*
 * JSON-file store: zerotier-one's controller.d tree (controller.md §6.1).
 *
 *   <dir>/                                   0700
 *   <dir>/network/<nwid>.json                one network object, compact, no trailing newline
 *   <dir>/network/<nwid>/member/<addr>.json  one member object
 *   <dir>/trace/                             created for compatibility, unused
 *
 * No cache: every call reads or writes the files, so an import sees the tree as it is and an
 * export leaves exactly what zerotier-one would load.  Writes are atomic (temp file, fsync,
 * rename).  Unlike 1.14.1, which skips unparseable files in silence, a file that has a
 * record's name but not a valid record of that id is an error naming the file.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "controller/store.h"
#include "io/file.h"
#include "util/array.h"
#include "util/hex.h"

#define JSON_PATH_MAX 4096
#define JSON_FILE_MAX (4u * 1024 * 1024) /* larger than any record within the model's bounds */
#define JSON_WHY_MAX 256                  /* a corrupt record's reason */

typedef struct json_store {
    zt_store base;
    char dir[JSON_PATH_MAX];
} json_store;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int mkpath(json_store *s, char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) {
        zt__store_set_err(&s->base, "path under %s is too long", s->dir);
        return ZT_ERR_RANGE;
    }
    return 0;
}

static int make_dir(json_store *s, const char *path)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        zt__store_set_err(&s->base, "cannot create %s: %s", path, strerror(errno));
        return ZT_ERR_IO;
    }
    return 0;
}

static int net_file(json_store *s, char *out, uint64_t nwid)
{
    return mkpath(s, out, JSON_PATH_MAX, "%s/network/%016llx.json", s->dir,
                  (unsigned long long)nwid);
}

static int net_dir(json_store *s, char *out, uint64_t nwid)
{
    return mkpath(s, out, JSON_PATH_MAX, "%s/network/%016llx", s->dir, (unsigned long long)nwid);
}

static int member_dir(json_store *s, char *out, uint64_t nwid)
{
    return mkpath(s, out, JSON_PATH_MAX, "%s/network/%016llx/member", s->dir,
                  (unsigned long long)nwid);
}

static int member_file(json_store *s, char *out, uint64_t nwid, uint64_t node)
{
    return mkpath(s, out, JSON_PATH_MAX, "%s/network/%016llx/member/%010llx.json", s->dir,
                  (unsigned long long)nwid, (unsigned long long)node);
}

/* Reads |path|; ZT_ERR_NOTFOUND passes through without a sentence (the caller words it). */
static int read_text(json_store *s, const char *path, char **ptext, size_t *plen)
{
    uint8_t *data = NULL;
    int rv = zt__io_read_file(path, JSON_FILE_MAX, &data, plen);

    if (rv == ZT_ERR_RANGE)
        zt__store_set_err(&s->base, "%s is larger than %u bytes", path, JSON_FILE_MAX);
    else if (rv == ZT_ERR_IO)
        zt__store_set_err(&s->base, "cannot read %s: %s", path, strerror(errno));
    if (rv == 0)
        *ptext = (char *)data;
    return rv;
}

static int write_text(json_store *s, const char *path, const char *text)
{
    if (zt__io_write_file_atomic(path, text, strlen(text), 0600) != 0) {
        zt__store_set_err(&s->base, "cannot write %s: %s", path, strerror(errno));
        return ZT_ERR_IO;
    }
    return 0;
}

/* Reads the record file |path| for loading; a missing one is a missing network |nwid| (a
 * missing member |node| of it when |is_member|). */
static int read_record(json_store *s, const char *path, uint64_t nwid, bool is_member,
                       uint64_t node, char **ptext, size_t *plen)
{
    int rv = read_text(s, path, ptext, plen);

    if (rv == ZT_ERR_NOTFOUND)
        return is_member ? zt__store_no_member(&s->base, nwid, node)
                         : zt__store_no_network(&s->base, nwid);
    return rv;
}

/* Ends a load from |path|: |rv| and |why| are the model's verdict on |text| (freed here), and
 * a record whose |id| is not |want|, the id its file name gives in |digits| hex digits, is
 * corrupt too. */
static int end_load(json_store *s, const char *path, char *text, int rv, char *why,
                    uint64_t id, uint64_t want, int digits)
{
    if (rv == 0 && id != want) {
        snprintf(why, JSON_WHY_MAX, "its id is %0*llx, not that of its file name", digits,
                 (unsigned long long)id);
        rv = ZT_ERR_INVAL;
    }
    if (rv != 0)
        zt__store_set_err(&s->base, "%s is corrupt: %s", path, why);
    free(text);
    return rv;
}

/* Writes the rendering |text| of a record (|rv| the model's dump result; |text| is freed here)
 * to |path|.  A failed rendering is reported for the |kind| record |id| (|digits| hex digits). */
static int save_record(json_store *s, const char *path, int rv, char *text, const char *kind,
                       uint64_t id, int digits)
{
    if (rv != 0)
        zt__store_set_err(&s->base, "%s %0*llx: cannot render the record: %s", kind, digits,
                          (unsigned long long)id, zt__strerror(rv));
    else
        rv = write_text(s, path, text);
    free(text);
    return rv;
}

static int load_network_file(json_store *s, const char *path, uint64_t nwid,
                             zt_ctl_network *out)
{
    char *text = NULL, why[JSON_WHY_MAX];
    size_t len = 0;
    int rv;

    memset(out, 0, sizeof(*out));
    if ((rv = read_record(s, path, nwid, false, 0, &text, &len)) != 0)
        return rv;
    rv = zt__ctl_network_load(out, text, len, why, sizeof(why));
    return end_load(s, path, text, rv, why, out->id, nwid, 16);
}

static int json_get_network(zt_store *base, uint64_t nwid, zt_ctl_network *out)
{
    json_store *s = (json_store *)base;
    char path[JSON_PATH_MAX];
    int rv;

    memset(out, 0, sizeof(*out));
    if ((rv = net_file(s, path, nwid)) != 0)
        return rv;
    return load_network_file(s, path, nwid, out);
}

static int json_put_network(zt_store *base, const zt_ctl_network *n)
{
    json_store *s = (json_store *)base;
    char path[JSON_PATH_MAX], *text = NULL;
    int rv;

    if ((rv = net_file(s, path, n->id)) != 0)
        return rv;
    rv = zt__ctl_network_dump(n, &text);
    return save_record(s, path, rv, text, "network", n->id, 16);
}

/* Removes <dir>/network/<nwid>/member/ (every entry in it) and <dir>/network/<nwid>/. */
static int remove_member_tree(json_store *s, uint64_t nwid)
{
    char mdir[JSON_PATH_MAX], path[JSON_PATH_MAX];
    struct dirent *de;
    DIR *d;
    int rv;

    if ((rv = member_dir(s, mdir, nwid)) != 0)
        return rv;
    d = opendir(mdir);
    if (d == NULL && errno != ENOENT) {
        zt__store_set_err(&s->base, "cannot open %s: %s", mdir, strerror(errno));
        return ZT_ERR_IO;
    }
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if ((rv = mkpath(s, path, sizeof(path), "%s/%s", mdir, de->d_name)) != 0)
            break;
        if (unlink(path) != 0 && errno != ENOENT) {
            zt__store_set_err(&s->base, "cannot remove %s: %s", path, strerror(errno));
            rv = ZT_ERR_IO;
            break;
        }
    }
    if (d != NULL)
        closedir(d);
    if (rv != 0)
        return rv;
    if (rmdir(mdir) != 0 && errno != ENOENT) {
        zt__store_set_err(&s->base, "cannot remove %s: %s", mdir, strerror(errno));
        return ZT_ERR_IO;
    }
    if ((rv = net_dir(s, path, nwid)) != 0)
        return rv;
    if (rmdir(path) != 0 && errno != ENOENT) {
        zt__store_set_err(&s->base, "cannot remove %s: %s", path, strerror(errno));
        return ZT_ERR_IO;
    }
    return 0;
}

static int json_delete_network(zt_store *base, uint64_t nwid)
{
    json_store *s = (json_store *)base;
    char path[JSON_PATH_MAX];
    int rv;

    if ((rv = net_file(s, path, nwid)) != 0)
        return rv;
    /* The network file goes first: once it is gone the network is gone for every reader,
     * and a crash before the tree is removed leaves only unreachable member files. */
    if (unlink(path) != 0) {
        if (errno == ENOENT)
            return zt__store_no_network(base, nwid);
        zt__store_set_err(base, "cannot remove %s: %s", path, strerror(errno));
        return ZT_ERR_IO;
    }
    return remove_member_tree(s, nwid);
}

/* |name| is <hex digits><suffix> with exactly |digits| hex digits of either case. */
static bool record_name(const char *name, size_t digits, const char *suffix, uint64_t *pid)
{
    size_t slen = strlen(suffix);

    if (strlen(name) != digits + slen || strcmp(name + digits, suffix) != 0)
        return false;
    return zt__hex_u64(name, digits, pid) == 0;
}

typedef struct {
    uint64_t id;
    char name[32];
} dir_entry;

static int cmp_entry(const void *a, const void *b)
{
    uint64_t x = ((const dir_entry *)a)->id, y = ((const dir_entry *)b)->id;
    return x < y ? -1 : x > y;
}

/* The record files of |dir| (names of |digits| hex + ".json"), sorted by id.  A missing
 * directory has none.  On success the caller frees *pents. */
static int scan_dir(json_store *s, const char *dir, size_t digits, dir_entry **pents,
                    size_t *pn)
{
    dir_entry *ents = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    uint64_t id;
    DIR *d;
    int rv = 0;

    *pents = NULL;
    *pn = 0;
    d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        zt__store_set_err(&s->base, "cannot open %s: %s", dir, strerror(errno));
        return ZT_ERR_IO;
    }
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (!record_name(de->d_name, digits, ".json", &id))
            continue; /* temp files, member directories, anything else */
        if ((rv = zt__array_grow(NULL, &ents, &cap, n + 1, sizeof(*ents), SIZE_MAX)) != 0)
            break;
        ents[n].id = id;
        memcpy(ents[n].name, de->d_name, digits + 6); /* record_name checked the length */
        n++;
    }
    closedir(d);
    if (rv != 0) {
        free(ents);
        return rv;
    }
    if (n > 1)
        qsort(ents, n, sizeof(*ents), cmp_entry);
    for (size_t i = 1; i < n; i++) {
        if (ents[i].id == ents[i - 1].id) {
            zt__store_set_err(&s->base, "%s holds both %s and %s for one record", dir,
                              ents[i - 1].name, ents[i].name);
            free(ents);
            return ZT_ERR_INVAL;
        }
    }
    *pents = ents;
    *pn = n;
    return 0;
}

static int load_member_file(json_store *s, const char *path, uint64_t nwid, uint64_t node,
                            zt_ctl_member *out)
{
    char *text = NULL, why[JSON_WHY_MAX];
    size_t len = 0;
    int rv;

    zt__ctl_member_init(out, nwid, node);
    if ((rv = read_record(s, path, nwid, true, node, &text, &len)) != 0)
        return rv;
    rv = zt__ctl_member_load(out, nwid, text, len, why, sizeof(why));
    return end_load(s, path, text, rv, why, out->id, node, 10);
}

/* Loads each record file of |dir| in id order and passes it to |ncb| (networks) or, when
 * |mcb| is not NULL, to |mcb| (the members of |nwid|).  A file deleted since the scan is
 * passed over. */
static int list_records(json_store *s, const char *dir, uint64_t nwid, zt_store_network_cb ncb,
                        zt_store_member_cb mcb, void *arg)
{
    char path[JSON_PATH_MAX];
    dir_entry *ents = NULL;
    bool is_member = mcb != NULL;
    zt_ctl_network n;
    zt_ctl_member m;
    size_t count = 0;
    int rv;

    if ((rv = scan_dir(s, dir, is_member ? 10 : 16, &ents, &count)) != 0)
        return rv;
    for (size_t i = 0; i < count && rv == 0; i++) {
        if ((rv = mkpath(s, path, sizeof(path), "%s/%s", dir, ents[i].name)) != 0)
            break;
        rv = is_member ? load_member_file(s, path, nwid, ents[i].id, &m)
                       : load_network_file(s, path, ents[i].id, &n);
        if (rv == 0)
            rv = is_member ? mcb(&m, arg) : ncb(&n, arg);
        else if (rv == ZT_ERR_NOTFOUND)
            rv = 0; /* deleted since the scan */
        if (is_member)
            zt__ctl_member_clear(&m);
        else
            zt__ctl_network_clear(&n);
    }
    free(ents);
    return rv;
}

static int json_list_networks(zt_store *base, zt_store_network_cb cb, void *arg)
{
    json_store *s = (json_store *)base;
    char dir[JSON_PATH_MAX];
    int rv;

    if ((rv = mkpath(s, dir, sizeof(dir), "%s/network", s->dir)) != 0)
        return rv;
    return list_records(s, dir, 0, cb, NULL, arg);
}

/* 0 if the network file exists, else ZT_ERR_NOTFOUND (or ZT_ERR_IO). */
static int network_exists(json_store *s, uint64_t nwid)
{
    char path[JSON_PATH_MAX];
    struct stat st;
    int rv;

    if ((rv = net_file(s, path, nwid)) != 0)
        return rv;
    if (stat(path, &st) == 0)
        return 0;
    if (errno == ENOENT)
        return zt__store_no_network(&s->base, nwid);
    zt__store_set_err(&s->base, "cannot stat %s: %s", path, strerror(errno));
    return ZT_ERR_IO;
}

static int json_get_member(zt_store *base, uint64_t nwid, uint64_t node, zt_ctl_member *out)
{
    json_store *s = (json_store *)base;
    char path[JSON_PATH_MAX];
    int rv;

    zt__ctl_member_init(out, nwid, node);
    if ((rv = member_file(s, path, nwid, node)) != 0)
        return rv;
    return load_member_file(s, path, nwid, node, out);
}

static int json_put_member(zt_store *base, const zt_ctl_member *m)
{
    json_store *s = (json_store *)base;
    char path[JSON_PATH_MAX], *text = NULL;
    int rv;

    if ((rv = network_exists(s, m->nwid)) != 0)
        return rv;
    if ((rv = net_dir(s, path, m->nwid)) != 0 || (rv = make_dir(s, path)) != 0 ||
        (rv = member_dir(s, path, m->nwid)) != 0 || (rv = make_dir(s, path)) != 0 ||
        (rv = member_file(s, path, m->nwid, m->id)) != 0)
        return rv;
    rv = zt__ctl_member_dump(m, &text);
    return save_record(s, path, rv, text, "member", m->id, 10);
}

static int json_delete_member(zt_store *base, uint64_t nwid, uint64_t node)
{
    json_store *s = (json_store *)base;
    char path[JSON_PATH_MAX];
    int rv;

    if ((rv = member_file(s, path, nwid, node)) != 0)
        return rv;
    if (unlink(path) != 0) {
        if (errno == ENOENT)
            return zt__store_no_member(base, nwid, node);
        zt__store_set_err(base, "cannot remove %s: %s", path, strerror(errno));
        return ZT_ERR_IO;
    }
    return 0;
}

static int json_list_members(zt_store *base, uint64_t nwid, zt_store_member_cb cb, void *arg)
{
    json_store *s = (json_store *)base;
    char mdir[JSON_PATH_MAX];
    int rv;

    if ((rv = network_exists(s, nwid)) != 0 || (rv = member_dir(s, mdir, nwid)) != 0)
        return rv;
    return list_records(s, mdir, nwid, NULL, cb, arg);
}

static int json_begin(zt_store *base)
{
    (void)base;
    return 0; /* writes go straight to the files */
}

static int json_commit(zt_store *base)
{
    (void)base;
    return 0;
}

static void json_del(zt_store *base)
{
    free(base);
}

/* No index: ip_in_use and active_bridges are answered by store.c from a listing. */
static const zt_store_ops json_ops = {
    .name = "json",
    .get_network = json_get_network,
    .put_network = json_put_network,
    .delete_network = json_delete_network,
    .list_networks = json_list_networks,
    .get_member = json_get_member,
    .put_member = json_put_member,
    .delete_member = json_delete_member,
    .list_members = json_list_members,
    .begin = json_begin,
    .commit = json_commit,
    .rollback = NULL,
    .del = json_del,
};

int zt__store_json_open(zt_store **pst, const char *dir, char *err, size_t errlen)
{
    json_store *s;
    char path[JSON_PATH_MAX];
    int rv;

    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return ZT_ERR_NOMEM;
    s->base.ops = &json_ops;
    if (strlen(dir) >= sizeof(s->dir) - 64) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "controller directory path is too long");
        free(s);
        return ZT_ERR_IO;
    }
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    if ((rv = make_dir(s, s->dir)) != 0 ||
        (rv = mkpath(s, path, sizeof(path), "%s/network", s->dir)) != 0 ||
        (rv = make_dir(s, path)) != 0 ||
        (rv = mkpath(s, path, sizeof(path), "%s/trace", s->dir)) != 0 ||
        (rv = make_dir(s, path)) != 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s", s->base.errmsg);
        free(s);
        return rv == ZT_ERR_RANGE ? ZT_ERR_IO : rv;
    }
    *pst = &s->base;
    return 0;
}
