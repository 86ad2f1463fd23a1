/* Controller data model: networks <-> JSON, text forms and patches (controller.md §5.4,
 * §5.6).  style.md §10g. */
#include "controller/model_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char default_rules[] = "[{\"not\":false,\"or\":false,\"type\":\"ACTION_ACCEPT\"}]";

/* Keys removed before every save (§5.4). */
static const char *const net_dropped[] = {"clock", "authorizedMemberCount", "activeMemberCount",
                                          "totalMemberCount", "lastModified"};
/* Keys the model reads itself; everything else in a stored record goes to |extra|. */
static const char *const net_known[] = {
    "id", "nwid", "objtype", "name", "private", "creationTime", "revision", "multicastLimit",
    "enableBroadcast", "mtu", "v4AssignMode", "v6AssignMode", "routes", "ipAssignmentPools",
    "rules", "capabilities", "tags", "authTokens", "dns", "remoteTraceTarget", "remoteTraceLevel",
    "rulesSource", "ssoEnabled", "clientId", "authorizationEndpoint",
    "certificateTimeoutWindowSize"};

/* ---- lifecycle ------------------------------------------------------------------------------- */

int zt__ctl_network_init(zt_ctl_network *n, uint64_t nwid)
{
    memset(n, 0, sizeof(*n));
    n->id = nwid;
    n->is_private = true;
    n->multicast_limit = 32;
    n->enable_broadcast = true;
    n->mtu = 2800;
    n->rules_json = zt__ctl_dup_str(default_rules);
    return n->rules_json == NULL ? ZT_ERR_NOMEM : 0;
}

void zt__ctl_network_clear(zt_ctl_network *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->ncaps && i < ZT_CTL_MAX_CAPS; i++)
        free(n->caps[i].rules_json);
    free(n->rules_json);
    free(n->rules_source);
    free(n->extra);
    memset(n, 0, sizeof(*n));
}

int zt__ctl_network_copy(zt_ctl_network *dst, const zt_ctl_network *src)
{
    bool failed = false;

    memcpy(dst, src, sizeof(*dst));
    /* Detach every owned pointer first so that _clear() on failure frees only our copies. */
    dst->rules_json = dst->rules_source = dst->extra = NULL;
    for (size_t i = 0; i < dst->ncaps; i++)
        dst->caps[i].rules_json = NULL;
    if (src->rules_json != NULL && (dst->rules_json = zt__ctl_dup_str(src->rules_json)) == NULL)
        failed = true;
    if (src->rules_source != NULL &&
        (dst->rules_source = zt__ctl_dup_str(src->rules_source)) == NULL)
        failed = true;
    if (src->extra != NULL && (dst->extra = zt__ctl_dup_str(src->extra)) == NULL)
        failed = true;
    for (size_t i = 0; i < src->ncaps; i++)
        if (src->caps[i].rules_json != NULL &&
            (dst->caps[i].rules_json = zt__ctl_dup_str(src->caps[i].rules_json)) == NULL)
            failed = true;
    if (failed) {
        zt__ctl_network_clear(dst);
        return ZT_ERR_NOMEM;
    }
    return 0;
}

/* A string of at most |max| bytes into a new heap string; "" yields NULL. */
static int heap_string(const zt_ctl_pctx *c, const json_t *j, const char *key, size_t max,
                       char **pout)
{
    char *s;
    size_t n;
    char num[64];
    const char *src;

    if (json_is_string(j)) {
        src = json_string_value(j);
    } else {
        if (zt__ctl_json_string(j, "", num, sizeof(num)) != 0)
            num[0] = '\0';
        src = num;
    }
    n = strlen(src);
    if (n > max) {
        zt__err_set(c->err, c->errlen, "\"%s\" is longer than %zu bytes", key, max);
        return ZT_ERR_RANGE;
    }
    if (n == 0) {
        *pout = NULL;
        return 0;
    }
    s = malloc(n + 1);
    if (s == NULL)
        return ZT_ERR_NOMEM;
    memcpy(s, src, n + 1);
    *pout = s;
    return 0;
}

/* A rules array: items must be objects with a string "type" (the rules codec checks the rest
 * when the config is built); other items are dropped as §5.4 says.  *ptext gets the compact
 * JSON text. */
static int rules_text(const zt_ctl_pctx *c, const json_t *arr, const char *key, size_t maxrules,
                      char **ptext)
{
    json_t *keep = NULL, *item;
    size_t i;
    int rv = ZT_ERR_NOMEM;

    if (json_array_size(arr) > ZT_CTL_ARRAY_INPUT_MAX) {
        zt__err_set(c->err, c->errlen, "\"%s\" has more than %d items", key,
                        ZT_CTL_ARRAY_INPUT_MAX);
        return ZT_ERR_RANGE;
    }
    keep = json_array();
    if (keep == NULL)
        goto out;
    json_array_foreach(arr, i, item) {
        if (!json_is_object(item) || !json_is_string(json_object_get(item, "type")))
            continue;
        if (json_array_size(keep) == maxrules) {
            zt__err_set(c->err, c->errlen, "\"%s\" has more than %zu rules", key, maxrules);
            rv = ZT_ERR_RANGE;
            goto out;
        }
        if (json_array_append(keep, item) != 0)
            goto out;
    }
    rv = zt__ctl_dump_max(keep, ZT_CTL_RULES_JSON_MAX, ptext);
    if (rv == ZT_ERR_RANGE)
        zt__err_set(c->err, c->errlen, "\"%s\" is larger than %d bytes of JSON", key,
                        ZT_CTL_RULES_JSON_MAX);
out:
    json_decref(keep);
    return rv;
}

static int parse_routes(const zt_ctl_pctx *c, const json_t *arr, zt_ctl_network *n)
{
    size_t i;
    json_t *item;

    n->nroutes = 0;
    json_array_foreach(arr, i, item) {
        const json_t *t = json_object_get(item, "target"), *v = json_object_get(item, "via");
        zt_ctl_route r;

        memset(&r, 0, sizeof(r));
        if (!json_is_string(t) ||
            zt__ctl_ip_parse(&r.target, json_string_value(t), json_string_length(t), true) != 0)
            continue; /* invalid items dropped (§5.4) */
        if (json_is_string(v) &&
            (zt__ctl_ip_parse(&r.via, json_string_value(v), json_string_length(v), false) != 0 ||
             r.via.family != r.target.family))
            memset(&r.via, 0, sizeof(r.via)); /* via kept only if same family */
        if (n->nroutes == ZT_CTL_MAX_ROUTES) {
            zt__err_set(c->err, c->errlen, "more than %d routes", ZT_CTL_MAX_ROUTES);
            return ZT_ERR_RANGE;
        }
        n->routes[n->nroutes++] = r;
    }
    return 0;
}

static int parse_pools(const zt_ctl_pctx *c, const json_t *arr, zt_ctl_network *n)
{
    size_t i;
    json_t *item;

    n->npools = 0;
    json_array_foreach(arr, i, item) {
        const json_t *s = json_object_get(item, "ipRangeStart");
        const json_t *e = json_object_get(item, "ipRangeEnd");
        zt_ctl_pool p;

        if (!json_is_string(s) || !json_is_string(e) ||
            zt__ctl_ip_parse(&p.start, json_string_value(s), json_string_length(s), false) != 0 ||
            zt__ctl_ip_parse(&p.end, json_string_value(e), json_string_length(e), false) != 0 ||
            p.start.family != p.end.family)
            continue;
        if (n->npools == ZT_CTL_MAX_POOLS) {
            zt__err_set(c->err, c->errlen, "more than %d ipAssignmentPools", ZT_CTL_MAX_POOLS);
            return ZT_ERR_RANGE;
        }
        n->pools[n->npools++] = p;
    }
    return 0;
}

static int parse_caps(const zt_ctl_pctx *c, const json_t *arr, zt_ctl_network *n)
{
    size_t i, k;
    json_t *item;
    int rv;

    for (k = 0; k < n->ncaps; k++)
        free(n->caps[k].rules_json);
    n->ncaps = 0;
    json_array_foreach(arr, i, item) {
        const json_t *rules = json_object_get(item, "rules");
        zt_ctl_cap_def d, old = {0};
        char *text = NULL;

        if (!json_is_object(item) || !zt__ctl_id32(json_object_get(item, "id"), &d.id))
            continue;
        d.is_default = zt__ctl_json_bool(json_object_get(item, "default"), false);
        if (json_is_array(rules)) {
            rv = rules_text(c, rules, "capabilities.rules", ZT_CTL_MAX_CAP_RULES, &text);
            if (rv != 0)
                return rv;
        } else {
            text = zt__ctl_dup_str("[]");
            if (text == NULL)
                return ZT_ERR_NOMEM;
        }
        d.rules_json = text;
        /* Sorted by id; a duplicate replaces the earlier one ("keep the last"). */
        rv = zt__ctl_sorted_put(n->caps, &n->ncaps, ZT_CTL_MAX_CAPS, sizeof(n->caps[0]), &d, &old);
        if (rv == 1) {
            free(old.rules_json);
        } else if (rv != 0) {
            free(text);
            zt__err_set(c->err, c->errlen, "more than %d capabilities", ZT_CTL_MAX_CAPS);
            return rv;
        }
    }
    return 0;
}

static int parse_tag_defs(const zt_ctl_pctx *c, const json_t *arr, zt_ctl_network *n)
{
    size_t i;
    json_t *item;

    n->ntags = 0;
    json_array_foreach(arr, i, item) {
        const json_t *dfl = json_object_get(item, "default");
        zt_ctl_tag_def d;

        if (!json_is_object(item) || !zt__ctl_id32(json_object_get(item, "id"), &d.id))
            continue;
        d.has_default = json_is_number(dfl);
        d.default_value = d.has_default ? (uint32_t)zt__ctl_json_int(dfl, 0) : 0;
        if (zt__ctl_sorted_put(n->tags, &n->ntags, ZT_CTL_MAX_TAGS, sizeof(n->tags[0]), &d, NULL) <
            0) {
            zt__err_set(c->err, c->errlen, "more than %d tags", ZT_CTL_MAX_TAGS);
            return ZT_ERR_RANGE;
        }
    }
    return 0;
}

/* authTokens: an object of token -> expiry; entries with non-numbers or negatives dropped; a
 * non-object means "no tokens" (quirk Q1). */
static int parse_tokens(const zt_ctl_pctx *c, const json_t *j, zt_ctl_network *n)
{
    const char *key;
    json_t *v;

    n->ntokens = 0;
    if (!json_is_object(j))
        return 0;
    json_object_foreach((json_t *)j, key, v) {
        size_t len = strlen(key);

        if (!json_is_number(v) || zt__ctl_json_int(v, -1) < 0)
            continue;
        if (len == 0)
            continue;
        if (len > ZT_CTL_TOKEN_MAX) {
            zt__err_set(c->err, c->errlen, "an authTokens token is longer than %d bytes",
                            ZT_CTL_TOKEN_MAX);
            return ZT_ERR_RANGE;
        }
        if (n->ntokens == ZT_CTL_MAX_TOKENS) {
            zt__err_set(c->err, c->errlen, "more than %d authTokens", ZT_CTL_MAX_TOKENS);
            return ZT_ERR_RANGE;
        }
        memcpy(n->tokens[n->ntokens].token, key, len + 1);
        n->tokens[n->ntokens].expires = zt__ctl_json_int(v, 0);
        n->ntokens++;
    }
    return 0;
}

/* Truncate to at most |max| bytes without cutting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    len = max;
    while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
        len--;
    return len;
}

/* dns: only an object counts; the domain is truncated to 127 bytes (quirk Q7). */
static int parse_dns(const zt_ctl_pctx *c, const json_t *j, zt_ctl_network *n)
{
    const json_t *dom = json_object_get(j, "domain"), *srv = json_object_get(j, "servers");
    size_t i, len;
    json_t *item;

    n->has_dns = true;
    n->has_domain = json_is_string(dom);
    n->dns_domain[0] = '\0';
    if (n->has_domain) {
        len = utf8_cut(json_string_value(dom), json_string_length(dom), ZT_CTL_DNS_DOMAIN_MAX);
        memcpy(n->dns_domain, json_string_value(dom), len);
        n->dns_domain[len] = '\0';
    }
    n->has_servers = json_is_array(srv);
    n->nservers = 0;
    if (!n->has_servers)
        return 0;
    json_array_foreach(srv, i, item) {
        if (!json_is_string(item))
            continue;
        if (n->nservers == ZT_CTL_MAX_DNS_SERVERS) {
            zt__err_set(c->err, c->errlen, "more than %d dns servers", ZT_CTL_MAX_DNS_SERVERS);
            return ZT_ERR_RANGE;
        }
        if (json_string_length(item) > ZT_CTL_DNS_SERVER_MAX) {
            zt__err_set(c->err, c->errlen, "a dns server is longer than %d bytes",
                            ZT_CTL_DNS_SERVER_MAX);
            return ZT_ERR_RANGE;
        }
        snprintf(n->dns_servers[n->nservers++], ZT_CTL_DNS_SERVER_MAX + 1, "%s",
                 json_string_value(item));
    }
    return 0;
}

static void parse_v6_modes(const json_t *j, zt_ctl_network *n)
{
    n->v6_6plane = n->v6_rfc4193 = n->v6_zt = false;
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        while (*s != '\0') {
            size_t len = strcspn(s, ",");
            if (len == 6 && memcmp(s, "6plane", 6) == 0)
                n->v6_6plane = true;
            else if (len == 7 && memcmp(s, "rfc4193", 7) == 0)
                n->v6_rfc4193 = true;
            else if (len == 2 && memcmp(s, "zt", 2) == 0)
                n->v6_zt = true;
            s += len;
            if (*s == ',')
                s++;
        }
    } else if (json_is_object(j)) {
        /* Only the keys present survive in 1.14.1; an absent key reads as false anyway. */
        n->v6_6plane = zt__ctl_json_bool(json_object_get(j, "6plane"), false);
        n->v6_rfc4193 = zt__ctl_json_bool(json_object_get(j, "rfc4193"), false);
        n->v6_zt = zt__ctl_json_bool(json_object_get(j, "zt"), false);
    }
}

/* The writable network fields (§5.4 "writable by POST").  Sets bits of *phas for each field
 * read. */
/* The scalar fields of zt__ctl_network_writable(), "name" to "v6AssignMode". */
static int parse_network_scalars(const zt_ctl_pctx *c, const json_t *j, zt_ctl_network *n,
                                 uint32_t *phas)
{
    const json_t *v;
    int rv;

    if ((v = json_object_get(j, "name")) != NULL) {
        if ((rv = zt__ctl_bounded_string(c, v, "name", n->name, sizeof(n->name))) != 0)
            return rv;
        *phas |= ZT_CTL_NET_HAS_NAME;
    }
    if ((v = json_object_get(j, "private")) != NULL) {
        n->is_private = zt__ctl_json_bool(v, true);
        *phas |= ZT_CTL_NET_HAS_PRIVATE;
    }
    if ((v = json_object_get(j, "multicastLimit")) != NULL) {
        n->multicast_limit = zt__ctl_json_int(v, 32);
        *phas |= ZT_CTL_NET_HAS_MULTICAST_LIMIT;
    }
    if ((v = json_object_get(j, "enableBroadcast")) != NULL) {
        n->enable_broadcast = zt__ctl_json_bool(v, false);
        *phas |= ZT_CTL_NET_HAS_ENABLE_BROADCAST;
    }
    if ((v = json_object_get(j, "mtu")) != NULL) {
        int64_t mtu = zt__ctl_json_int(v, 2800);
        n->mtu = mtu < 1280 ? 1280 : mtu > 10000 ? 10000 : mtu;
        *phas |= ZT_CTL_NET_HAS_MTU;
    }
    if ((v = json_object_get(j, "v4AssignMode")) != NULL) {
        if (json_is_string(v))
            n->v4_zt = strcmp(json_string_value(v), "zt") == 0;
        else if (json_is_object(v))
            n->v4_zt = zt__ctl_json_bool(json_object_get(v, "zt"), false);
        else
            n->v4_zt = false;
        *phas |= ZT_CTL_NET_HAS_V4_ASSIGN;
    }
    if ((v = json_object_get(j, "v6AssignMode")) != NULL) {
        parse_v6_modes(v, n);
        *phas |= ZT_CTL_NET_HAS_V6_ASSIGN;
    }
    return 0;
}

/* The list fields of zt__ctl_network_writable(), "routes" to "tags". */
static int parse_network_lists(const zt_ctl_pctx *c, const json_t *j, zt_ctl_network *n,
                               uint32_t *phas)
{
    const json_t *v;
    bool use;
    int rv;

    if ((v = json_object_get(j, "routes")) != NULL) {
        if ((rv = zt__ctl_check_array(c, v, "routes", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_routes(c, v, n)) != 0)
                return rv;
            *phas |= ZT_CTL_NET_HAS_ROUTES;
        }
    }
    if ((v = json_object_get(j, "ipAssignmentPools")) != NULL) {
        if ((rv = zt__ctl_check_array(c, v, "ipAssignmentPools", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_pools(c, v, n)) != 0)
                return rv;
            *phas |= ZT_CTL_NET_HAS_POOLS;
        }
    }
    if ((v = json_object_get(j, "rules")) != NULL) {
        if ((rv = zt__ctl_check_array(c, v, "rules", &use)) != 0)
            return rv;
        if (use) {
            char *text = NULL;
            if ((rv = rules_text(c, v, "rules", ZT_CTL_MAX_RULES, &text)) != 0)
                return rv;
            free(n->rules_json);
            n->rules_json = text;
            *phas |= ZT_CTL_NET_HAS_RULES;
        }
    }
    if ((v = json_object_get(j, "capabilities")) != NULL) {
        if ((rv = zt__ctl_check_array(c, v, "capabilities", &use)) != 0)
            return rv;
        if (use) {
            *phas |= ZT_CTL_NET_HAS_CAPS; /* before parsing: the list may be half-filled */
            if ((rv = parse_caps(c, v, n)) != 0)
                return rv;
        }
    }
    if ((v = json_object_get(j, "tags")) != NULL) {
        if ((rv = zt__ctl_check_array(c, v, "tags", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_tag_defs(c, v, n)) != 0)
                return rv;
            *phas |= ZT_CTL_NET_HAS_TAGS;
        }
    }
    return 0;
}

int zt__ctl_network_writable(const zt_ctl_pctx *c, const json_t *j, zt_ctl_network *n,
                             uint32_t *phas)
{
    const json_t *v;
    int rv;

    if ((rv = parse_network_scalars(c, j, n, phas)) != 0 ||
        (rv = parse_network_lists(c, j, n, phas)) != 0)
        return rv;
    if ((v = json_object_get(j, "authTokens")) != NULL) {
        if ((rv = parse_tokens(c, v, n)) != 0)
            return rv;
        *phas |= ZT_CTL_NET_HAS_TOKENS;
    }
    if ((v = json_object_get(j, "dns")) != NULL) {
        if (json_is_object(v)) {
            if ((rv = parse_dns(c, v, n)) != 0)
                return rv;
            *phas |= ZT_CTL_NET_HAS_DNS;
        } else if (!c->is_request) {
            n->has_dns = false; /* the stored default is [] */
        }
    }
    if ((v = json_object_get(j, "remoteTraceTarget")) != NULL) {
        zt__ctl_trace_target(v, n->remote_trace_target);
        *phas |= ZT_CTL_NET_HAS_TRACE_TARGET;
    }
    if ((v = json_object_get(j, "remoteTraceLevel")) != NULL) {
        n->remote_trace_level = zt__ctl_json_int(v, 0);
        *phas |= ZT_CTL_NET_HAS_TRACE_LEVEL;
    }
    return 0;
}

int zt__ctl_network_from_json(zt_ctl_network *n, const json_t *j, char *err, size_t errlen)
{
    zt_ctl_pctx c = {false, err, errlen};
    uint32_t has = 0;
    uint64_t id;
    const json_t *v;
    int rv;

    if (!json_is_object(j)) {
        memset(n, 0, sizeof(*n));
        zt__err_set(err, errlen, "a network record is not a JSON object");
        return ZT_ERR_INVAL;
    }
    if (zt__ctl_hex_id(json_object_get(j, "id"), 16, &id) != 0) {
        memset(n, 0, sizeof(*n));
        zt__err_set(err, errlen, "network record without a valid 16-digit hex \"id\"");
        return ZT_ERR_INVAL;
    }
    if ((rv = zt__ctl_network_init(n, id)) != 0)
        return rv;
    if ((rv = zt__ctl_network_writable(&c, j, n, &has)) != 0)
        return rv;
    n->creation_time = zt__ctl_json_int(json_object_get(j, "creationTime"), 0);
    n->revision = zt__ctl_nonneg(zt__ctl_json_int(json_object_get(j, "revision"), 0));
    if ((v = json_object_get(j, "rulesSource")) != NULL &&
        (rv = heap_string(&c, v, "rulesSource", ZT_CTL_RULES_SOURCE_MAX, &n->rules_source)) != 0)
        return rv;
    n->sso_enabled = zt__ctl_json_bool(json_object_get(j, "ssoEnabled"), false);
    if ((rv = zt__ctl_bounded_string(&c, json_object_get(j, "clientId"), "clientId", n->client_id,
                                     sizeof(n->client_id))) != 0 ||
        (rv = zt__ctl_bounded_string(&c, json_object_get(j, "authorizationEndpoint"),
                                     "authorizationEndpoint", n->authorization_endpoint,
                                     sizeof(n->authorization_endpoint))) != 0)
        return rv;
    if ((v = json_object_get(j, "certificateTimeoutWindowSize")) != NULL && json_is_number(v)) {
        n->has_cert_window = true;
        n->cert_window = zt__ctl_json_int(v, 0);
    }
    return zt__ctl_collect_extra(&c, j, net_known, ZT_CTL_COUNT(net_known), net_dropped,
                                 ZT_CTL_COUNT(net_dropped), &n->extra);
}

static json_t *raw_json(const char *text, const char *dflt)
{
    json_t *j = json_loads(text != NULL ? text : dflt, 0, NULL);
    return j;
}

/* The lists of zt__ctl_network_to_json(), "routes" to "tags"; errors are sticky in *prv. */
static void put_network_lists(json_t *o, const zt_ctl_network *n, int *prv)
{
    json_t *a, *e;

    a = json_array();
    for (size_t i = 0; a != NULL && i < n->nroutes; i++) {
        e = json_object();
        if (e != NULL) {
            zt__ctl_put(e, "target", zt__ctl_ip_json(&n->routes[i].target, true), prv);
            zt__ctl_put(e, "via",
                        n->routes[i].via.family != 0 ? zt__ctl_ip_json(&n->routes[i].via, false)
                                                     : json_null(),
                        prv);
        }
        zt__ctl_append(a, e, prv);
    }
    zt__ctl_put(o, "routes", a, prv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < n->npools; i++) {
        e = json_object();
        if (e != NULL) {
            zt__ctl_put(e, "ipRangeStart", zt__ctl_ip_json(&n->pools[i].start, false), prv);
            zt__ctl_put(e, "ipRangeEnd", zt__ctl_ip_json(&n->pools[i].end, false), prv);
        }
        zt__ctl_append(a, e, prv);
    }
    zt__ctl_put(o, "ipAssignmentPools", a, prv);
    zt__ctl_put(o, "rules", raw_json(n->rules_json, default_rules), prv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < n->ncaps; i++) {
        e = json_object();
        if (e != NULL) {
            zt__ctl_put(e, "id", json_integer(n->caps[i].id), prv);
            zt__ctl_put(e, "default", json_boolean(n->caps[i].is_default), prv);
            zt__ctl_put(e, "rules", raw_json(n->caps[i].rules_json, "[]"), prv);
        }
        zt__ctl_append(a, e, prv);
    }
    zt__ctl_put(o, "capabilities", a, prv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < n->ntags; i++) {
        e = json_object();
        if (e != NULL) {
            zt__ctl_put(e, "id", json_integer(n->tags[i].id), prv);
            zt__ctl_put(
                e, "default",
                n->tags[i].has_default ? json_integer(n->tags[i].default_value) : json_null(), prv);
        }
        zt__ctl_append(a, e, prv);
    }
    zt__ctl_put(o, "tags", a, prv);
}

/* "authTokens" and "dns" of zt__ctl_network_to_json(); errors are sticky in *prv. */
static void put_tokens_dns(json_t *o, const zt_ctl_network *n, int *prv)
{
    json_t *a, *e;

    if (n->ntokens == 0) {
        a = json_array(); /* 1.14.1's default rendering, [null] (quirk Q1) */
        zt__ctl_append(a, json_null(), prv);
        zt__ctl_put(o, "authTokens", a, prv);
    } else {
        a = json_object();
        for (size_t i = 0; a != NULL && i < n->ntokens; i++)
            zt__ctl_put(a, n->tokens[i].token, json_integer(n->tokens[i].expires), prv);
        zt__ctl_put(o, "authTokens", a, prv);
    }
    if (!n->has_dns) {
        zt__ctl_put(o, "dns", json_array(), prv);
    } else {
        e = json_object();
        if (e != NULL) {
            zt__ctl_put(e, "domain", n->has_domain ? json_string(n->dns_domain) : json_null(), prv);
            if (n->has_servers) {
                a = json_array();
                for (size_t i = 0; a != NULL && i < n->nservers; i++)
                    zt__ctl_append(a, json_string(n->dns_servers[i]), prv);
                zt__ctl_put(e, "servers", a, prv);
            }
        }
        zt__ctl_put(o, "dns", e, prv);
    }
}

int zt__ctl_network_to_json(const zt_ctl_network *n, json_t **pj)
{
    json_t *o;
    int rv = 0;

    o = zt__ctl_extra_base(n->extra, &rv);
    if (o == NULL)
        return rv != 0 ? rv : ZT_ERR_NOMEM;
    zt__ctl_put(o, "id", zt__ctl_hex_json(n->id, 16), &rv);
    zt__ctl_put(o, "nwid", zt__ctl_hex_json(n->id, 16), &rv);
    zt__ctl_put(o, "objtype", json_string("network"), &rv);
    zt__ctl_put(o, "name", json_string(n->name), &rv);
    zt__ctl_put(o, "private", json_boolean(n->is_private), &rv);
    zt__ctl_put(o, "creationTime", json_integer(n->creation_time), &rv);
    zt__ctl_put(o, "revision", json_integer((json_int_t)n->revision), &rv);
    zt__ctl_put(o, "multicastLimit", json_integer(n->multicast_limit), &rv);
    zt__ctl_put(o, "enableBroadcast", json_boolean(n->enable_broadcast), &rv);
    zt__ctl_put(o, "mtu", json_integer(n->mtu), &rv);
    zt__ctl_put(o, "v4AssignMode", json_pack("{s:b}", "zt", n->v4_zt), &rv);
    zt__ctl_put(o, "v6AssignMode",
                json_pack("{s:b,s:b,s:b}", "6plane", n->v6_6plane, "rfc4193", n->v6_rfc4193, "zt",
                          n->v6_zt),
                &rv);
    put_network_lists(o, n, &rv);
    put_tokens_dns(o, n, &rv);
    zt__ctl_put(
        o, "remoteTraceTarget",
        n->remote_trace_target[0] != '\0' ? json_string(n->remote_trace_target) : json_null(), &rv);
    zt__ctl_put(o, "remoteTraceLevel", json_integer(n->remote_trace_level), &rv);
    zt__ctl_put(o, "rulesSource", json_string(n->rules_source != NULL ? n->rules_source : ""), &rv);
    zt__ctl_put(o, "ssoEnabled", json_boolean(n->sso_enabled), &rv);
    zt__ctl_put(o, "clientId", json_string(n->client_id), &rv);
    zt__ctl_put(o, "authorizationEndpoint", json_string(n->authorization_endpoint), &rv);
    if (n->has_cert_window)
        zt__ctl_put(o, "certificateTimeoutWindowSize", json_integer(n->cert_window), &rv);
    if (rv != 0) {
        json_decref(o);
        return rv;
    }
    *pj = o;
    return 0;
}

int zt__ctl_network_dump(const zt_ctl_network *n, char **ptext)
{
    json_t *j;
    int rv = zt__ctl_network_to_json(n, &j);

    return rv != 0 ? rv : zt__ctl_dump(j, ptext);
}

int zt__ctl_network_load(zt_ctl_network *n, const char *text, size_t len, char *err,
                        size_t errlen)
{
    json_t *j = zt__ctl_load_text(text, len, err, errlen);
    int rv;

    if (j == NULL) {
        memset(n, 0, sizeof(*n));
        return ZT_ERR_INVAL;
    }
    rv = zt__ctl_network_from_json(n, j, err, errlen);
    json_decref(j);
    return rv;
}

bool zt__ctl_network_same(const zt_ctl_network *a, const zt_ctl_network *b)
{
    json_t *ja = NULL, *jb = NULL;

    if (zt__ctl_network_to_json(a, &ja) != 0)
        ja = NULL;
    if (zt__ctl_network_to_json(b, &jb) != 0)
        jb = NULL;
    return zt__ctl_same_json(ja, jb);
}
