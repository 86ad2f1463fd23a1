/*
 * api_files.c: what the local API reads and writes in the home directory (service.md §2,
 * §2.2, §3): local.conf, networks.d/<nwid>.local.conf, the moons of moons.d, the networks of
 * networks.d to rejoin at start, and the allowManagementFrom check.  Every file is read with
 * a size bound (zt__io_read_file: regular files only) and written atomically.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "codec/inetaddr.h"
#include "io/file.h"
#include "sdk/localconf.h"
#include "util/errors.h"

#define NET_SETTINGS_MAX 4096

static void net_settings_path(char *out, size_t cap, const char *home, uint64_t nwid)
{
    snprintf(out, cap, "%s/networks.d/%016llx.local.conf", home, (unsigned long long)nwid);
}

/* §2.2: at most 5 characters: true when it starts with 1, t or T. */
static bool dict_bool(const char *v, size_t len)
{
    return len > 0 && (v[0] == '1' || v[0] == 't' || v[0] == 'T');
}

/* One "key=value" line of the dictionary (escapes are not needed by these keys). */
static void net_settings_line(svc_net_settings *s, const char *line, size_t len)
{
    const char *eq = memchr(line, '=', len);
    size_t klen, vlen;
    const char *v;

    if (eq == NULL)
        return;
    klen = (size_t)(eq - line);
    v = eq + 1;
    vlen = len - klen - 1;
    if (klen == 12 && memcmp(line, "allowManaged", 12) == 0) {
        s->managed_list[0] = 0;
        if (vlen > 5 && vlen < sizeof(s->managed_list)) {
            memcpy(s->managed_list, v, vlen); /* a CIDR list: managed allowed within it */
            s->managed_list[vlen] = 0;
            s->allow_managed = true;
        } else {
            s->allow_managed = vlen <= 5 && dict_bool(v, vlen);
        }
    } else if (klen == 11 && memcmp(line, "allowGlobal", 11) == 0) {
        s->allow_global = dict_bool(v, vlen);
    } else if (klen == 12 && memcmp(line, "allowDefault", 12) == 0) {
        s->allow_default = dict_bool(v, vlen);
    } else if (klen == 8 && memcmp(line, "allowDNS", 8) == 0) {
        s->allow_dns = dict_bool(v, vlen);
    }
}

void zt__svc_net_settings_read(const char *home, uint64_t nwid, svc_net_settings *s)
{
    char path[ZT_HOME_PATH_MAX];
    uint8_t *data = NULL;
    size_t len = 0, start = 0;

    memset(s, 0, sizeof(*s));
    s->allow_managed = true; /* the defaults of a missing file or key */
    net_settings_path(path, sizeof(path), home, nwid);
    if (zt__io_read_file(path, NET_SETTINGS_MAX, &data, &len) != 0)
        return;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || data[i] == '\n' || data[i] == '\r') {
            if (i > start)
                net_settings_line(s, (const char *)data + start, i - start);
            start = i + 1;
        }
    }
    free(data);
}

int zt__svc_net_settings_write(const char *home, uint64_t nwid, const svc_net_settings *s)
{
    char name[64], dir[ZT_HOME_PATH_MAX], text[SVC_MANAGED_LIST_MAX + 128];
    int n;

    snprintf(dir, sizeof(dir), "%s/networks.d", home);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return ZT_ERR_IO;
    snprintf(name, sizeof(name), "networks.d/%016llx.local.conf", (unsigned long long)nwid);
    n = snprintf(text, sizeof(text), "allowManaged=%s\nallowGlobal=%d\nallowDefault=%d\n"
                 "allowDNS=%d\n",
                 s->managed_list[0] != 0 ? s->managed_list : s->allow_managed ? "1" : "0",
                 s->allow_global, s->allow_default, s->allow_dns);
    if (n < 0 || (size_t)n >= sizeof(text))
        return ZT_ERR_NOSPACE;
    return zt__home_write_text(home, name, text, 0644); /* atomic; skipped when unchanged */
}

void zt__svc_net_settings_delete(const char *home, uint64_t nwid)
{
    char path[ZT_HOME_PATH_MAX];

    net_settings_path(path, sizeof(path), home, nwid);
    (void)unlink(path);
}

int zt__svc_local_conf_write(const char *home, const json_t *conf)
{
    char *text = json_dumps(conf, JSON_INDENT(4) | JSON_SORT_KEYS);
    int rv;

    if (text == NULL)
        return ZT_ERR_NOMEM;
    rv = zt__home_write_text(home, "local.conf", text, 0644); /* atomic; skipped when unchanged */
    free(text);
    return rv;
}

typedef struct moon_list {
    zt_world **out;
    unsigned n;
} moon_list;

static void on_moon(void *arg, uint64_t file_id, const char *path, const uint8_t *data,
                    size_t len, const char *why)
{
    moon_list *l = arg;
    char reason[160];
    zt_world *w;
    unsigned k;

    (void)file_id;
    (void)path;
    (void)why;
    if (data == NULL || l->n == SVC_MAX_MOONS || (w = calloc(1, sizeof(*w))) == NULL)
        return;
    if (zt__home_check_moon(w, data, len, reason, sizeof(reason)) != 0) {
        free(w);
        return;
    }
    for (k = l->n; k > 0 && l->out[k - 1]->id > w->id; k--) /* keep them sorted */
        l->out[k] = l->out[k - 1];
    l->out[k] = w;
    l->n++;
}

unsigned zt__svc_moons_load(const char *home, zt_world **out)
{
    moon_list l = {.out = out, .n = 0};

    (void)zt__home_for_each_moon(home, on_moon, &l);
    return l.n;
}

void zt__svc_moons_free(zt_world **moons, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        free(moons[i]);
}

/* |ip| (|len| 4 or 16 bytes) inside "<ip>/<bits>" |cidr|. */
static bool in_cidr(const char *cidr, const uint8_t *ip, size_t len)
{
    zt_inetaddr net, a;

    if (zt__inetaddr_parse(&net, cidr, strlen(cidr)) != 0)
        return false;
    if (len == 4)
        zt__inetaddr_set4(&a, ip, 0);
    else
        zt__inetaddr_set6(&a, ip, 0);
    return zt__inetaddr_in_net(&a, &net);
}

bool zt__svc_client_allowed(const char *home, const struct sockaddr *sa)
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const uint8_t *ip;
    size_t len;
    char err[256];
    json_t *conf, *list, *v;
    size_t i;
    bool ok = false;

    if (sa == NULL)
        return false;
    if (sa->sa_family == AF_INET) {
        ip = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        len = 4;
    } else if (sa->sa_family == AF_INET6) {
        ip = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        len = 16;
        if (memcmp(ip, v4mapped, 12) == 0) {
            ip += 12;
            len = 4;
        }
    } else {
        return false;
    }
    if ((len == 4 && ip[0] == 127) || (len == 16 && IN6_IS_ADDR_LOOPBACK(ip)))
        return true;
    if ((conf = zt__local_conf_read(home, err, sizeof(err))) == NULL)
        return false;
    list = json_object_get(json_object_get(conf, "settings"), "allowManagementFrom");
    json_array_foreach(list, i, v) {
        if (json_is_string(v) && in_cidr(json_string_value(v), ip, len))
            ok = true;
    }
    json_decref(conf);
    return ok;
}
