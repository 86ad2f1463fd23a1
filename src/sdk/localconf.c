/*
 * localconf.c: what a node takes from HOME/local.conf at start (service.md §3;
 * docs/service.md, "Home directory"), for zt-service and for libzt when the application
 * allowed it (zts_allow_local_conf): the ports and port mapping, settings.bind, the TCP
 * relay's three keys, interfacePrefixBlacklist, controllerDbPath, lowBandwidthMode, and the
 * path blacklists of physical.<cidr> and virtual.<address>.  Values it cannot use are ignored
 * with one warning each.  localconf.h.
 */
#include "sdk/localconf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/inetaddr.h"
#include "io/file.h"
#include "util/errors.h"
#include "util/hex.h"

/* Where the zt__local_conf_apply() call in progress sends its warnings. */
static _Thread_local void (*warn_fn)(void *user, const char *msg);
static _Thread_local void *warn_user;

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void warn(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (warn_fn != NULL)
        warn_fn(warn_user, line);
}

/* A port setting: an integer in [0, 65535], else ignored with a warning. */
static bool conf_port(const json_t *settings, const char *key, int *out)
{
    const json_t *v = json_object_get(settings, key);

    if (v == NULL)
        return false;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535) {
        warn("settings.%s is not a port; ignored", key);
        return false;
    }
    *out = (int)json_integer_value(v);
    return true;
}

static void apply_ports(const json_t *settings, zt_runner_config *cfg)
{
    const json_t *mapping = json_object_get(settings, "portMappingEnabled");
    int port;

    if (conf_port(settings, "primaryPort", &port))
        cfg->primary_port = port;
    if (conf_port(settings, "secondaryPort", &port))
        cfg->secondary_port = port;
    if (json_is_false(json_object_get(settings, "allowSecondaryPort")))
        cfg->secondary_port = -1;
    if (conf_port(settings, "tertiaryPort", &port))
        cfg->tertiary_port = port;
    /* portMappingEnabled (default true) turns the mapping off, or on again unless
     * --no-port-mapping or ZT_NO_PORT_MAPPING took the mapper away (options.c). */
    if (mapping != NULL && !json_is_boolean(mapping))
        warn("settings.portMappingEnabled is not true or false; ignored");
    else if (mapping != NULL)
        cfg->port_mapping = json_is_true(mapping) && cfg->port_mapper != NULL;
}

/* settings.bind: the first IPv4 and the first IPv6 address are bound, instead of the wildcard
 * addresses (the runner binds one address per family). */
static void apply_bind(const json_t *settings, zt_runner_config *cfg, zt_local_conf *out)
{
    const json_t *list = json_object_get(settings, "bind"), *v;
    bool has4 = false, has6 = false;
    size_t i;

    if (!json_is_array(list) || json_array_size(list) == 0)
        return;
    json_array_foreach(list, i, v) {
        const char *text = json_string_value(v);
        if (text != NULL && !has4 && inet_pton(AF_INET, text, out->bind_ip4) == 1)
            has4 = true;
        else if (text != NULL && !has6 && inet_pton(AF_INET6, text, out->bind_ip6) == 1)
            has6 = true;
        else
            warn("settings.bind: %s not bound (one IPv4 and one IPv6 address at most)",
                 text != NULL ? text : "a value that is not an address");
    }
    if (!has4 && !has6)
        return;
    cfg->bind_specific = true;
    cfg->bind_ip4 = has4 ? out->bind_ip4 : NULL;
    cfg->bind_ip6 = has6 ? out->bind_ip6 : NULL;
}

/* The TCP fallback relay: allowTcpFallbackRelay (default true), forceTcpRelay (default
 * false), tcpFallbackRelay ("ip/port"; default: ZeroTier's, as zerotier-one has built in). */
static void apply_tcp_relay(const json_t *settings, zt_runner_config *cfg)
{
    const char *relay = json_string_value(json_object_get(settings, "tcpFallbackRelay"));
    const char *builtin = "204.80.128.1/443";

    cfg->tcp_fallback = !json_is_false(json_object_get(settings, "allowTcpFallbackRelay"));
    cfg->tcp_force = json_is_true(json_object_get(settings, "forceTcpRelay"));
    if (relay != NULL && zt__inetaddr_parse(&cfg->tcp_relay, relay, strlen(relay)) == 0 &&
        cfg->tcp_relay.port != 0)
        return;
    if (relay != NULL)
        warn("settings.tcpFallbackRelay %s is not <ip>/<port>; the built-in relay is used",
             relay);
    (void)zt__inetaddr_parse(&cfg->tcp_relay, builtin, strlen(builtin));
}

static void apply_settings(const json_t *settings, zt_runner_local *l)
{
    const json_t *list = json_object_get(settings, "interfacePrefixBlacklist"), *v;
    const char *db = json_string_value(json_object_get(settings, "controllerDbPath"));
    size_t i;

    json_array_foreach(list, i, v) {
        const char *text = json_string_value(v);
        if (text == NULL || text[0] == 0 || strlen(text) >= sizeof(l->if_prefix_blacklist[0]) ||
            l->n_if_prefix_blacklist == ZT_RUNNER_MAX_IF_PREFIXES) {
            warn("settings.interfacePrefixBlacklist: %s ignored", text != NULL ? text : "?");
            continue;
        }
        memcpy(l->if_prefix_blacklist[l->n_if_prefix_blacklist++], text, strlen(text) + 1);
    }
    if (db != NULL && (db[0] == 0 || strlen(db) >= sizeof(l->controller_db)))
        warn("settings.controllerDbPath: empty or too long; ignored");
    else if (db != NULL)
        memcpy(l->controller_db, db, strlen(db) + 1);
    l->low_bandwidth = json_is_true(json_object_get(settings, "lowBandwidthMode"));
}

static void add_rule(zt_runner_local *l, uint64_t peer, const char *cidr, const char *where)
{
    zt_runner_path_rule *rule;

    if (l->n_path_blacklist == ZT_RUNNER_MAX_PATH_RULES) {
        warn("%s: too many blacklisted networks; the rest ignored", where);
        return;
    }
    rule = &l->path_blacklist[l->n_path_blacklist];
    if (zt__inetaddr_parse(&rule->net, cidr, strlen(cidr)) != 0) {
        warn("%s: a network that is not <ip>/<bits>; ignored", where);
        return;
    }
    rule->peer = peer;
    l->n_path_blacklist++;
}

/* physical.<cidr>.blacklist; virtual.<address>.blacklist.  trustedPathId, mtu and try are not
 * carried out yet: a warning says so. */
static void apply_paths(const json_t *conf, zt_runner_local *l)
{
    const char *key;
    const json_t *v, *e;
    size_t i;

    json_object_foreach((json_t *)json_object_get(conf, "physical"), key, v) {
        if (json_is_true(json_object_get(v, "blacklist")))
            add_rule(l, 0, key, "physical");
        if (json_integer_value(json_object_get(v, "trustedPathId")) != 0 ||
            json_integer_value(json_object_get(v, "mtu")) != 0)
            warn("physical.%s: trustedPathId and mtu are not supported; ignored", key);
    }
    json_object_foreach((json_t *)json_object_get(conf, "virtual"), key, v) {
        uint64_t peer;
        if (strlen(key) != 10 || zt__hex_u64(key, 10, &peer) != 0 || peer == 0) {
            warn("virtual.%s: not a node address; ignored", key);
            continue;
        }
        json_array_foreach(json_object_get(v, "blacklist"), i, e) {
            if (json_is_string(e))
                add_rule(l, peer, json_string_value(e), "virtual");
        }
        if (json_array_size(json_object_get(v, "try")) > 0)
            warn("virtual.%s.try is not supported; ignored", key);
    }
}

json_t *zt__local_conf_read(const char *home, char *err, size_t errlen)
{
    char path[4096], why[160];
    zt_io_file_info info;
    json_error_t jerr;
    uint8_t *data = NULL;
    size_t len = 0;
    json_t *conf;
    int rv;

    if (snprintf(path, sizeof(path), "%s/local.conf", home) >= (int)sizeof(path)) {
        snprintf(err, errlen, "home path %s is too long", home);
        return NULL;
    }
    rv = zt__io_read_file_info(path, ZT_LOCAL_CONF_MAX, &data, &len, &info);
    if (rv == ZT_ERR_NOTFOUND)
        return json_object();
    if (rv != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 zt__io_file_why(rv, &info, why, sizeof(why)));
        return NULL;
    }
    conf = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
    free(data);
    if (conf == NULL || !json_is_object(conf)) {
        snprintf(err, errlen, "%s is not a JSON object (%s)", path,
                 conf == NULL ? jerr.text : "another JSON value");
        json_decref(conf);
        return NULL;
    }
    return conf;
}

int zt__local_conf_apply(const char *home, zt_runner_config *cfg, zt_local_conf *out,
                         void (*warn_cb)(void *user, const char *msg), void *user, char *err,
                         size_t errlen)
{
    json_t *conf = zt__local_conf_read(home, err, errlen);
    const json_t *settings;

    if (conf == NULL)
        return ZT_ERR_INVAL;
    warn_fn = warn_cb;
    warn_user = user;
    memset(out, 0, sizeof(*out));
    settings = json_object_get(conf, "settings");
    apply_ports(settings, cfg);
    apply_bind(settings, cfg, out);
    apply_tcp_relay(settings, cfg);
    apply_settings(settings, &out->local);
    apply_paths(conf, &out->local);
    cfg->local = &out->local;
    json_decref(conf);
    warn_fn = NULL;
    warn_user = NULL;
    return 0;
}
