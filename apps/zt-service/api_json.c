/*
 * api_json.c: the JSON objects of the local API (service.md §5.1-§5.6) and the Prometheus
 * text of /metrics, built from the runner's queries.  Keys are sorted when the object is
 * written (JSON_SORT_KEYS), not here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "codec/inetaddr.h"
#include "io/clock.h"
#include "io/file.h"
#include "util/hex.h"

#define IDENTITY_PUBLIC_MAX 1024
#define METRICS_MAX_PEERS 1024

static json_t *hex_string(uint64_t v, int digits)
{
    char s[24];
    snprintf(s, sizeof(s), "%0*llx", digits, (unsigned long long)v);
    return json_string(s);
}

/* "<ip>/<port>" (or "<ip>/<bits>" for a static IP or route target). */
static json_t *addr_string(const zt_inetaddr *a)
{
    char s[ZT_INETADDR_STR_MAX];
    return json_string(zt__inetaddr_format(a, s, sizeof(s)) > 0 ? s : "");
}

/* The IP alone, without the "/port" part. */
static json_t *ip_string(const zt_inetaddr *a)
{
    char s[ZT_INETADDR_STR_MAX], *slash;

    if (zt__inetaddr_format(a, s, sizeof(s)) <= 0)
        return json_null();
    slash = strrchr(s, '/');
    if (slash != NULL)
        *slash = 0;
    return json_string(s);
}

static json_t *mac_string(uint64_t mac)
{
    char s[18];
    snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff,
             (unsigned)(mac >> 32) & 0xff, (unsigned)(mac >> 24) & 0xff,
             (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
    return json_string(s);
}

static void set_version(json_t *o, int major, int minor, int rev)
{
    char s[48];

    json_object_set_new(o, "versionMajor", json_integer(major));
    json_object_set_new(o, "versionMinor", json_integer(minor));
    json_object_set_new(o, "versionRev", json_integer(rev));
    snprintf(s, sizeof(s), "%d.%d.%d", major, minor, rev);
    json_object_set_new(o, "version", json_string(s));
}

json_t *zt__svc_json_health(svc_ctx *ctx)
{
    zt_runner_status st;
    json_t *o = json_object();

    memset(&st, 0, sizeof(st));
    (void)zt__runner_get_status(ctx->runner, &st);
    json_object_set_new(o, "clock", json_integer(zt__io_clock_wall_ms()));
    json_object_set_new(o, "online", json_boolean(st.is_online));
    set_version(o, ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR, ZT_NODE_VERSION_REVISION);
    json_object_set_new(o, "versionBuild", json_integer(0));
    return o;
}

/* identity.public as the runner keeps it (rewritten at start to match the secret). */
static json_t *public_identity(const char *home)
{
    char path[ZT_HOME_PATH_MAX];
    uint8_t *data = NULL;
    size_t len = 0;
    json_t *s;

    snprintf(path, sizeof(path), "%s/identity.public", home);
    if (zt__io_read_file(path, IDENTITY_PUBLIC_MAX, &data, &len) != 0)
        return json_string("");
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
        len--;
    s = json_stringn((const char *)data, len);
    free(data);
    return s != NULL ? s : json_string("");
}

/* §5.1: config.settings gets the effective values beside the configured ones. */
static void augment_settings(svc_ctx *ctx, json_t *conf)
{
    zt_inetaddr socks[8], mapped;
    size_t n = zt__runner_local_sockets(ctx->runner, socks, 8);
    json_t *s = json_object_get(conf, "settings"), *on = json_array(), *surface = json_array();

    if (!json_is_object(s)) {
        s = json_object();
        json_object_set_new(conf, "settings", s);
    }
    if (!json_is_boolean(json_object_get(s, "allowTcpFallbackRelay")))
        json_object_set_new(s, "allowTcpFallbackRelay", json_true());
    if (!json_is_boolean(json_object_get(s, "forceTcpRelay")))
        json_object_set_new(s, "forceTcpRelay", json_false());
    if (!json_is_integer(json_object_get(s, "primaryPort")))
        json_object_set_new(s, "primaryPort",
                            json_integer(zt__runner_primary_port(ctx->runner)));
    if (!json_is_integer(json_object_get(s, "secondaryPort")))
        json_object_set_new(s, "secondaryPort",
                            json_integer(zt__runner_secondary_port(ctx->runner)));
    /* The port mapping as it is in this run: the tertiary port bound (0: none), whether
     * mapping is on, and the address the gateway maps to us among the surface addresses. */
    json_object_set_new(s, "tertiaryPort", json_integer(zt__runner_tertiary_port(ctx->runner)));
    json_object_set_new(s, "homeDir", json_string(ctx->home));
    for (size_t i = 0; i < n && i < 8; i++)
        json_array_append_new(on, addr_string(&socks[i]));
    json_object_set_new(s, "listeningOn", on);
    if (zt__runner_port_mapping(ctx->runner, &mapped, NULL))
        json_array_append_new(surface, addr_string(&mapped));
    json_object_set_new(s, "surfaceAddresses", surface);
    json_object_set_new(s, "portMappingEnabled",
                        json_boolean(zt__runner_tertiary_port(ctx->runner) != 0));
}

json_t *zt__svc_json_status(svc_ctx *ctx)
{
    zt_runner_status st;
    char err[256];
    json_t *o, *conf;

    if (zt__runner_get_status(ctx->runner, &st) != 0)
        return NULL;
    o = json_object();
    json_object_set_new(o, "address", hex_string(st.address, 10));
    json_object_set_new(o, "publicIdentity", public_identity(ctx->home));
    json_object_set_new(o, "online", json_boolean(st.is_online));
    json_object_set_new(o, "tcpFallbackActive", json_boolean(st.tcp_fallback_active));
    set_version(o, ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR, ZT_NODE_VERSION_REVISION);
    json_object_set_new(o, "versionBuild", json_integer(0));
    json_object_set_new(o, "clock", json_integer(zt__io_clock_wall_ms()));
    json_object_set_new(o, "planetWorldId", json_integer((json_int_t)st.planet_id));
    json_object_set_new(o, "planetWorldTimestamp",
                        json_integer((json_int_t)st.planet_timestamp));
    conf = zt__local_conf_read(ctx->home, err, sizeof(err));
    if (conf == NULL)
        conf = json_object();
    augment_settings(ctx, conf);
    json_object_set_new(o, "config", conf);
    return o;
}

static const char *status_name(zt_network_status s)
{
    static const char *const names[] = {
        "REQUESTING_CONFIGURATION", "OK", "ACCESS_DENIED", "NOT_FOUND", "PORT_ERROR",
        "CLIENT_TOO_OLD", "AUTHENTICATION_REQUIRED"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "PORT_ERROR";
}

static json_t *routes_json(const zt_runner_network *net)
{
    json_t *a = json_array();

    for (unsigned i = 0; i < net->n_routes && i < ZT_RUNNER_MAX_NETWORK_ROUTES; i++) {
        const zt_netconf_route *rt = &net->routes[i];
        json_t *o = json_object();

        json_object_set_new(o, "target", addr_string(&rt->target));
        json_object_set_new(o, "via", rt->via.family != 0 && rt->via.family == rt->target.family
                                          ? ip_string(&rt->via)
                                          : json_null());
        json_object_set_new(o, "flags", json_integer(rt->flags));
        json_object_set_new(o, "metric", json_integer(rt->metric));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *dns_json(const zt_runner_network *net)
{
    json_t *o = json_object(), *servers = json_array();
    char domain[ZT_NETCONF_DNS_DOMAIN_LEN + 1];

    memset(domain, 0, sizeof(domain));
    if (net->has_dns) {
        memcpy(domain, net->dns.domain, ZT_NETCONF_DNS_DOMAIN_LEN);
        for (unsigned i = 0; i < ZT_NETCONF_MAX_DNS_SERVERS; i++)
            if (net->dns.servers[i].family != 0)
                json_array_append_new(servers, ip_string(&net->dns.servers[i]));
    }
    json_object_set_new(o, "domain", json_string(domain));
    json_object_set_new(o, "servers", servers);
    return o;
}

json_t *zt__svc_json_network(svc_ctx *ctx, const zt_runner_network *net)
{
    svc_net_settings s;
    char dev[ZT_HOME_PATH_MAX];
    json_t *o = json_object(), *ips = json_array();

    json_object_set_new(o, "id", hex_string(net->nwid, 16));
    json_object_set_new(o, "nwid", hex_string(net->nwid, 16));
    json_object_set_new(o, "mac", mac_string(net->mac));
    json_object_set_new(o, "name", json_string(net->has_config ? net->name : ""));
    json_object_set_new(o, "status", json_string(status_name(net->status)));
    json_object_set_new(o, "type", json_string(net->is_public ? "PUBLIC" : "PRIVATE"));
    json_object_set_new(o, "mtu", json_integer(net->has_config ? net->mtu : 2800));
    json_object_set_new(o, "dhcp", json_false());
    json_object_set_new(o, "bridge", json_boolean(net->is_bridge));
    json_object_set_new(o, "broadcastEnabled", json_boolean(net->broadcast_enabled));
    json_object_set_new(o, "portError", json_integer(0));
    json_object_set_new(o, "netconfRevision", json_integer((json_int_t)net->revision));
    snprintf(dev, sizeof(dev), "%s/nc_%016llx", ctx->home, (unsigned long long)net->nwid);
    json_object_set_new(o, "portDeviceName", json_string(dev));
    zt__svc_net_settings_read(ctx->home, net->nwid, &s);
    json_object_set_new(o, "allowManaged", json_boolean(s.allow_managed));
    json_object_set_new(o, "allowGlobal", json_boolean(s.allow_global));
    json_object_set_new(o, "allowDefault", json_boolean(s.allow_default));
    json_object_set_new(o, "allowDNS", json_boolean(s.allow_dns));
    for (unsigned i = 0; i < net->n_ips && i < ZT_RUNNER_MAX_NETWORK_IPS; i++)
        json_array_append_new(ips, addr_string(&net->ips[i]));
    json_object_set_new(o, "assignedAddresses", ips);
    json_object_set_new(o, "routes", routes_json(net));
    json_object_set_new(o, "multicastSubscriptions", json_array());
    json_object_set_new(o, "dns", dns_json(net));
    return o;
}

/* A node time (monotonic ms) as wall-clock ms; 0 stays 0 ("never"). */
static json_int_t wall_time(int64_t t, int64_t mono_now, int64_t wall_now)
{
    return t == 0 ? 0 : (json_int_t)(t - mono_now + wall_now);
}

static json_t *paths_json(svc_ctx *ctx, const zt_peer_info *p)
{
    zt_inetaddr socks[8];
    size_t nsocks = zt__runner_local_sockets(ctx->runner, socks, 8);
    int64_t mono = zt__io_clock_ms(), wall = zt__io_clock_wall_ms();
    json_t *a = json_array();

    for (unsigned i = 0; i < p->npaths && i < ZT_NODE_MAX_PATHS; i++) {
        const zt_path_info *path = &p->paths[i];
        json_t *o;

        if (!path->alive)
            continue;
        o = json_object();
        json_object_set_new(o, "address", addr_string(&path->remote));
        json_object_set_new(o, "lastSend", json_integer(wall_time(path->last_send, mono, wall)));
        json_object_set_new(o, "lastReceive",
                            json_integer(wall_time(path->last_receive, mono, wall)));
        json_object_set_new(o, "trustedPathId", json_integer(0));
        json_object_set_new(o, "active", json_true());
        json_object_set_new(o, "expired", json_false());
        json_object_set_new(o, "preferred", json_boolean(path->preferred));
        json_object_set_new(o, "localSocket", json_integer(path->local_socket));
        json_object_set_new(o, "localPort",
                            json_integer(path->local_socket >= 0 &&
                                                 (size_t)path->local_socket < nsocks &&
                                                 path->local_socket < 8
                                             ? socks[path->local_socket].port
                                             : 0));
        json_array_append_new(a, o);
    }
    return a;
}

static const char *peer_role(const zt_peer_info *p, zt_world *const *moons, unsigned nmoons)
{
    if (!p->is_upstream)
        return "LEAF";
    for (unsigned i = 0; i < nmoons; i++)
        for (unsigned k = 0; k < moons[i]->nroots && k < ZT_WORLD_MAX_ROOTS; k++)
            if (moons[i]->roots[k].identity.address == p->address)
                return "MOON";
    return "PLANET";
}

bool zt__svc_tunneled(svc_ctx *ctx)
{
    zt_runner_status st;

    return zt__runner_get_status(ctx->runner, &st) == 0 && st.tcp_fallback_active;
}

json_t *zt__svc_json_peer(svc_ctx *ctx, const zt_peer_info *p, zt_world *const *moons,
                          unsigned nmoons, bool tunneled)
{
    json_t *o = json_object();
    bool known = p->proto_version >= 0;

    json_object_set_new(o, "address", hex_string(p->address, 10));
    set_version(o, known ? p->major : -1, known ? p->minor : -1, known ? p->revision : -1);
    json_object_set_new(o, "latency", json_integer(p->latency_ms >= 0 ? p->latency_ms : -1));
    json_object_set_new(o, "role", json_string(peer_role(p, moons, nmoons)));
    json_object_set_new(o, "isBonded", json_false());
    json_object_set_new(o, "tunneled", json_boolean(tunneled));
    json_object_set_new(o, "paths", paths_json(ctx, p));
    return o;
}

static json_t *hex_bytes(const uint8_t *data, size_t len)
{
    char s[2 * 128 + 1];

    if (2 * len + 1 > sizeof(s) || zt__hex_encode(s, sizeof(s), data, len) < 0)
        return json_null();
    return json_string(s);
}

json_t *zt__svc_json_moon(const zt_world *w)
{
    json_t *o = json_object(), *roots = json_array();
    char id[ZT_IDENTITY_STR_MAX];

    json_object_set_new(o, "id", hex_string(w->id, 16));
    json_object_set_new(o, "timestamp", json_integer((json_int_t)w->timestamp));
    json_object_set_new(o, "signature", hex_bytes(w->signature, sizeof(w->signature)));
    json_object_set_new(o, "updatesMustBeSignedBy",
                        hex_bytes(w->update_key, sizeof(w->update_key)));
    for (unsigned i = 0; i < w->nroots && i < ZT_WORLD_MAX_ROOTS; i++) {
        const zt_world_root *root = &w->roots[i];
        json_t *r = json_object(), *eps = json_array();

        if (zt__identity_to_string(&root->identity, false, id, sizeof(id)) < 0)
            id[0] = 0;
        json_object_set_new(r, "identity", json_string(id));
        for (unsigned k = 0; k < root->nendpoints && k < ZT_WORLD_MAX_ENDPOINTS; k++)
            json_array_append_new(eps, addr_string(&root->endpoints[k]));
        json_object_set_new(r, "stableEndpoints", eps);
        json_array_append_new(roots, r);
    }
    json_object_set_new(o, "roots", roots);
    json_object_set_new(o, "waiting", json_false());
    return o;
}

/* The node's drop counters, as zt_packet_error{direction="rx",error_type=...}. */
static void metrics_errors(FILE *f, const zt_node_counters *c)
{
    const struct {
        const char *name;
        uint64_t value;
    } drops[] = {
        {"short", c->drop_short},
        {"malformed", c->drop_malformed},
        {"auth", c->drop_auth},
        {"unsupported_cipher", c->drop_unsupported_cipher},
        {"not_for_us", c->drop_not_for_us},
        {"fragment", c->drop_fragment},
        {"unknown_peer", c->drop_unknown_peer},
        {"rate_limited", c->drop_rate_limited},
        {"invalid_identity", c->drop_invalid_identity},
        {"unexpected_ok", c->drop_unexpected_ok},
        {"queue_full", c->drop_queue_full},
        {"hops", c->drop_hops},
        {"no_route", c->drop_no_route},
        {"overload", c->drop_overload},
    };

    fprintf(f, "# HELP zt_packet_error number of incoming/outgoing packet errors\n"
               "# TYPE zt_packet_error counter\n");
    for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
        fprintf(f, "zt_packet_error{direction=\"rx\",error_type=\"%s\"} %llu\n", drops[i].name,
                (unsigned long long)drops[i].value);
    fprintf(f, "zt_packet_error{direction=\"tx\",error_type=\"send_failed\"} %llu\n",
            (unsigned long long)c->tx_errors);
}

static void metrics_peers(FILE *f, const zt_peer_info *peers, size_t n)
{
    fprintf(f, "# HELP zt_peer_latency peer latency (ms)\n# TYPE zt_peer_latency gauge\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "zt_peer_latency{node_id=\"%010llx\"} %lld\n",
                (unsigned long long)peers[i].address, (long long)peers[i].latency_ms);
    fprintf(f, "# HELP zt_peer_path_count number of paths to peer\n"
               "# TYPE zt_peer_path_count gauge\n");
    for (size_t i = 0; i < n; i++) {
        unsigned alive = 0;
        for (unsigned k = 0; k < peers[i].npaths && k < ZT_NODE_MAX_PATHS; k++)
            alive += peers[i].paths[k].alive;
        fprintf(f, "zt_peer_path_count{node_id=\"%010llx\",status=\"alive\"} %u\n",
                (unsigned long long)peers[i].address, alive);
        fprintf(f, "zt_peer_path_count{node_id=\"%010llx\",status=\"dead\"} %u\n",
                (unsigned long long)peers[i].address, peers[i].npaths - alive);
    }
}

char *zt__svc_metrics(svc_ctx *ctx, size_t *plen)
{
    zt_runner_status st;
    zt_peer_info *peers = NULL;
    zt_ssize npeers, nnets;
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    if (zt__runner_get_status(ctx->runner, &st) != 0 ||
        (peers = calloc(METRICS_MAX_PEERS, sizeof(*peers))) == NULL)
        return NULL;
    npeers = zt__runner_get_peers(ctx->runner, peers, METRICS_MAX_PEERS);
    nnets = zt__runner_get_networks(ctx->runner, NULL, 0);
    if (npeers < 0 || nnets < 0 || (f = open_memstream(&text, &len)) == NULL) {
        free(peers);
        return NULL;
    }
    fprintf(f, "# HELP zt_packet number of incoming/outgoing packets\n"
               "# TYPE zt_packet counter\n"
               "zt_packet{direction=\"rx\"} %llu\nzt_packet{direction=\"tx\"} %llu\n",
            (unsigned long long)st.counters.rx_datagrams,
            (unsigned long long)st.counters.tx_datagrams);
    metrics_errors(f, &st.counters);
    fprintf(f, "# HELP zt_num_networks number of networks this instance is joined to\n"
               "# TYPE zt_num_networks gauge\nzt_num_networks %lld\n", (long long)nnets);
    fprintf(f, "# HELP zt_node_online whether an upstream answers (1) or not (0)\n"
               "# TYPE zt_node_online gauge\nzt_node_online %d\n", st.is_online ? 1 : 0);
    metrics_peers(f, peers, (size_t)npeers < METRICS_MAX_PEERS ? (size_t)npeers
                                                                : METRICS_MAX_PEERS);
    free(peers);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *plen = len;
    return text;
}

json_t *zt__svc_json_error(unsigned status, const char *description)
{
    return json_pack("{s:i,s:s}", "error", (int)status, "description", description);
}
