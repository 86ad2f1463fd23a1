/* Controller data model <-> JSON: controller.md §5.4-§5.7, STYLE §10g. */
#include "controller/model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

static const char default_rules[] = "[{\"not\":false,\"or\":false,\"type\":\"ACTION_ACCEPT\"}]";

/* Keys removed before every save (§5.4, §5.5). */
static const char *const net_dropped[] = {"clock", "authorizedMemberCount", "activeMemberCount",
                                          "totalMemberCount", "lastModified"};
static const char *const mem_dropped[] = {"clock", "physicalAddr", "recentLog", "lastModified",
                                          "lastRequestMetaData", "authenticationURL",
                                          "authenticationClientID"};
/* Keys the model reads itself; everything else in a stored record goes to |extra|. */
static const char *const net_known[] = {
    "id", "nwid", "objtype", "name", "private", "creationTime", "revision", "multicastLimit",
    "enableBroadcast", "mtu", "v4AssignMode", "v6AssignMode", "routes", "ipAssignmentPools",
    "rules", "capabilities", "tags", "authTokens", "dns", "remoteTraceTarget", "remoteTraceLevel",
    "rulesSource", "ssoEnabled", "clientId", "authorizationEndpoint",
    "certificateTimeoutWindowSize"};
static const char *const mem_known[] = {
    "id", "address", "nwid", "objtype", "authorized", "activeBridge", "noAutoAssignIps",
    "ipAssignments", "tags", "capabilities", "name", "authenticationExpiryTime",
    "remoteTraceTarget", "remoteTraceLevel", "ssoExempt", "creationTime", "revision", "identity",
    "lastAuthorizedTime", "lastDeauthorizedTime", "lastAuthorizedCredentialType",
    "lastAuthorizedCredential", "vMajor", "vMinor", "vRev", "vProto"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *key, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, list[i]) == 0)
            return true;
    return false;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);

    if (d != NULL)
        memcpy(d, s, n + 1);
    return d;
}

/* ---- §5.7 coercions -------------------------------------------------------------------------- */

bool zt_ctl_json_bool(const json_t *j, bool dflt)
{
    const char *s;

    if (j == NULL)
        return dflt;
    if (json_is_boolean(j))
        return json_is_true(j);
    if (json_is_integer(j))
        return json_integer_value(j) > 0;
    if (json_is_real(j))
        return json_real_value(j) > 0;
    if (json_is_string(j)) {
        s = json_string_value(j);
        return s[0] == 't' || s[0] == 'T' || s[0] == '1';
    }
    return dflt;
}

/* Decimal text: optional sign, at least one digit, stops at the first non-digit (strtoll's
 * reading); overflow yields |dflt|. */
static int64_t int_from_text(const char *s, int64_t dflt)
{
    bool neg = false;
    uint64_t v = 0;
    size_t i = 0, digits = 0;

    while (s[i] == ' ' || s[i] == '\t')
        i++;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    for (; s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (v > (UINT64_MAX - 9) / 10)
            return dflt;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (digits == 0)
        return dflt;
    if (neg)
        return v > (uint64_t)INT64_MAX + 1 ? dflt : (int64_t)(0 - v);
    return v > (uint64_t)INT64_MAX ? dflt : (int64_t)v;
}

int64_t zt_ctl_json_int(const json_t *j, int64_t dflt)
{
    double d;

    if (j == NULL)
        return dflt;
    if (json_is_integer(j))
        return (int64_t)json_integer_value(j);
    if (json_is_real(j)) {
        d = json_real_value(j);
        if (!isfinite(d) || d >= 9.2233720368547758e18 || d < -9.2233720368547758e18)
            return dflt;
        return (int64_t)d;
    }
    if (json_is_boolean(j))
        return json_is_true(j) ? 1 : 0;
    if (json_is_string(j))
        return int_from_text(json_string_value(j), dflt);
    return dflt;
}

int zt_ctl_json_string(const json_t *j, const char *dflt, char *out, size_t cap)
{
    char num[64];
    const char *s = dflt;
    size_t n;

    if (j != NULL) {
        if (json_is_string(j)) {
            s = json_string_value(j);
        } else if (json_is_integer(j)) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(j));
            s = num;
        } else if (json_is_real(j)) {
            snprintf(num, sizeof(num), "%.17g", json_real_value(j));
            s = num;
        } else if (json_is_boolean(j)) {
            s = json_is_true(j) ? "1" : "0";
        }
    }
    n = strlen(s);
    if (n >= cap)
        return ZT_ERR_RANGE;
    memcpy(out, s, n + 1);
    return 0;
}

/* ---- IP text --------------------------------------------------------------------------------- */

int zt_ctl_ip_parse(zt_ctl_ip *ip, const char *s, size_t len, bool with_bits)
{
    char text[INET6_ADDRSTRLEN + 1];
    size_t iplen = len, sufflen = 0;
    unsigned long bits = 0;
    const char *slash = NULL;
    zt_ctl_ip r;

    for (size_t i = len; i > 0; i--) {
        if (s[i - 1] == '/') {
            slash = s + i - 1;
            break;
        }
    }
    if (slash != NULL) {
        iplen = (size_t)(slash - s);
        sufflen = len - iplen - 1;
        /* A plain address may carry a "/port" or "/bits" suffix (zerotier-one's InetAddress
         * text); it is ignored.  A prefix needs one. */
        if (sufflen == 0 || sufflen > 5)
            return ZT_ERR_INVAL;
        for (size_t i = 0; i < sufflen; i++) {
            if (slash[1 + i] < '0' || slash[1 + i] > '9')
                return ZT_ERR_INVAL;
            bits = bits * 10 + (unsigned long)(slash[1 + i] - '0');
        }
    } else if (with_bits) {
        return ZT_ERR_INVAL;
    }
    if (iplen == 0 || iplen > INET6_ADDRSTRLEN || memchr(s, '\0', iplen) != NULL)
        return ZT_ERR_INVAL;
    memcpy(text, s, iplen);
    text[iplen] = '\0';
    memset(&r, 0, sizeof(r));
    if (inet_pton(AF_INET, text, r.ip) == 1)
        r.family = 4;
    else if (inet_pton(AF_INET6, text, r.ip) == 1)
        r.family = 6;
    else
        return ZT_ERR_INVAL;
    if (with_bits) {
        if (bits > (r.family == 4 ? 32u : 128u))
            return ZT_ERR_INVAL;
        r.bits = (uint8_t)bits;
    }
    *ip = r;
    return 0;
}

int zt_ctl_ip_format(const zt_ctl_ip *ip, bool with_bits, char *out, size_t cap)
{
    char text[INET6_ADDRSTRLEN];
    int n;

    if (ip->family != 4 && ip->family != 6)
        return ZT_ERR_INVAL;
    if (inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->ip, text, sizeof(text)) == NULL)
        return ZT_ERR_INVAL;
    if (with_bits)
        n = snprintf(out, cap, "%s/%u", text, (unsigned)ip->bits);
    else
        n = snprintf(out, cap, "%s", text);
    if (n < 0 || (size_t)n >= cap)
        return ZT_ERR_NOSPACE;
    return 0;
}

static json_t *ip_json(const zt_ctl_ip *ip, bool with_bits)
{
    char text[64];

    if (zt_ctl_ip_format(ip, with_bits, text, sizeof(text)) != 0)
        return json_null();
    return json_string(text);
}

/* ---- ids ------------------------------------------------------------------------------------- */

static int hex_id(const json_t *j, size_t digits, uint64_t *out)
{
    if (!json_is_string(j) || json_string_length(j) != digits)
        return ZT_ERR_INVAL;
    return zt__hex_u64(json_string_value(j), digits, out);
}

static json_t *hex_json(uint64_t v, int digits)
{
    char text[17];

    snprintf(text, sizeof(text), "%0*llx", digits, (unsigned long long)v);
    return json_string(text);
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

int zt_ctl_network_init(zt_ctl_network *n, uint64_t nwid)
{
    memset(n, 0, sizeof(*n));
    n->id = nwid;
    n->is_private = true;
    n->multicast_limit = 32;
    n->enable_broadcast = true;
    n->mtu = 2800;
    n->rules_json = dup_str(default_rules);
    return n->rules_json == NULL ? ZT_ERR_NOMEM : 0;
}

void zt_ctl_network_clear(zt_ctl_network *n)
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

int zt_ctl_network_copy(zt_ctl_network *dst, const zt_ctl_network *src)
{
    bool failed = false;

    memcpy(dst, src, sizeof(*dst));
    /* Detach every owned pointer first so that _clear() on failure frees only our copies. */
    dst->rules_json = dst->rules_source = dst->extra = NULL;
    for (size_t i = 0; i < dst->ncaps; i++)
        dst->caps[i].rules_json = NULL;
    if (src->rules_json != NULL && (dst->rules_json = dup_str(src->rules_json)) == NULL)
        failed = true;
    if (src->rules_source != NULL && (dst->rules_source = dup_str(src->rules_source)) == NULL)
        failed = true;
    if (src->extra != NULL && (dst->extra = dup_str(src->extra)) == NULL)
        failed = true;
    for (size_t i = 0; i < src->ncaps; i++)
        if (src->caps[i].rules_json != NULL &&
            (dst->caps[i].rules_json = dup_str(src->caps[i].rules_json)) == NULL)
            failed = true;
    if (failed) {
        zt_ctl_network_clear(dst);
        return ZT_ERR_NOMEM;
    }
    return 0;
}

void zt_ctl_member_init(zt_ctl_member *m, uint64_t nwid, uint64_t node)
{
    memset(m, 0, sizeof(*m));
    m->nwid = nwid;
    m->id = node;
    m->v_major = m->v_minor = m->v_rev = m->v_proto = -1;
}

void zt_ctl_member_clear(zt_ctl_member *m)
{
    if (m == NULL)
        return;
    free(m->extra);
    memset(m, 0, sizeof(*m));
}

int zt_ctl_member_copy(zt_ctl_member *dst, const zt_ctl_member *src)
{
    memcpy(dst, src, sizeof(*dst));
    dst->extra = NULL;
    if (src->extra != NULL && (dst->extra = dup_str(src->extra)) == NULL) {
        zt_ctl_member_clear(dst);
        return ZT_ERR_NOMEM;
    }
    return 0;
}

/* ---- field parsers, shared by stored records and request bodies ------------------------------ */

typedef struct {
    bool is_request; /* request: wrong-typed lists are ignored; stored: they are corrupt */
    char *err;
    size_t errlen;
} pctx;

static int check_array(const pctx *c, const json_t *j, const char *key, bool *puse)
{
    *puse = false;
    if (!json_is_array(j)) {
        if (c->is_request)
            return 0; /* zerotier-one ignores it */
        set_err(c->err, c->errlen, "\"%s\" is not an array", key);
        return ZT_ERR_INVAL;
    }
    if (json_array_size(j) > ZT_CTL_ARRAY_INPUT_MAX) {
        set_err(c->err, c->errlen, "\"%s\" has more than %d items", key,
                ZT_CTL_ARRAY_INPUT_MAX);
        return ZT_ERR_RANGE;
    }
    *puse = true;
    return 0;
}

static int bounded_string(const pctx *c, const json_t *j, const char *key, char *out, size_t cap)
{
    if (zt_ctl_json_string(j, "", out, cap) != 0) {
        set_err(c->err, c->errlen, "\"%s\" is longer than %zu bytes", key, cap - 1);
        return ZT_ERR_RANGE;
    }
    return 0;
}

/* A string of at most |max| bytes into a new heap string; "" yields NULL. */
static int heap_string(const pctx *c, const json_t *j, const char *key, size_t max, char **pout)
{
    char *s;
    size_t n;
    char num[64];
    const char *src;

    if (json_is_string(j)) {
        src = json_string_value(j);
    } else {
        if (zt_ctl_json_string(j, "", num, sizeof(num)) != 0)
            num[0] = '\0';
        src = num;
    }
    n = strlen(src);
    if (n > max) {
        set_err(c->err, c->errlen, "\"%s\" is longer than %zu bytes", key, max);
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

static void trace_target(const json_t *j, char out[11])
{
    /* Kept only if exactly 10 characters, else null (§5.4). */
    if (json_is_string(j) && json_string_length(j) == 10 && strlen(json_string_value(j)) == 10)
        memcpy(out, json_string_value(j), 11);
    else
        out[0] = '\0';
}

/* A rules array: items must be objects with a string "type" (the rules codec checks the rest
 * when the config is built); other items are dropped as §5.4 says.  *ptext gets the compact
 * JSON text. */
static int rules_text(const pctx *c, const json_t *arr, const char *key, size_t maxrules,
                      char **ptext)
{
    json_t *keep = NULL, *item;
    size_t i;
    char *text = NULL;
    int rv = ZT_ERR_NOMEM;

    if (json_array_size(arr) > ZT_CTL_ARRAY_INPUT_MAX) {
        set_err(c->err, c->errlen, "\"%s\" has more than %d items", key,
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
            set_err(c->err, c->errlen, "\"%s\" has more than %zu rules", key, maxrules);
            rv = ZT_ERR_RANGE;
            goto out;
        }
        if (json_array_append(keep, item) != 0)
            goto out;
    }
    text = json_dumps(keep, DUMP_FLAGS);
    if (text == NULL)
        goto out;
    if (strlen(text) > ZT_CTL_RULES_JSON_MAX) {
        set_err(c->err, c->errlen, "\"%s\" is larger than %d bytes of JSON", key,
                ZT_CTL_RULES_JSON_MAX);
        rv = ZT_ERR_RANGE;
        goto out;
    }
    *ptext = text;
    text = NULL;
    rv = 0;
out:
    free(text);
    json_decref(keep);
    return rv;
}

static int parse_routes(const pctx *c, const json_t *arr, zt_ctl_network *n)
{
    size_t i;
    json_t *item;

    n->nroutes = 0;
    json_array_foreach(arr, i, item) {
        const json_t *t = json_object_get(item, "target"), *v = json_object_get(item, "via");
        zt_ctl_route r;

        memset(&r, 0, sizeof(r));
        if (!json_is_string(t) ||
            zt_ctl_ip_parse(&r.target, json_string_value(t), json_string_length(t), true) != 0)
            continue; /* invalid items dropped (§5.4) */
        if (json_is_string(v) &&
            (zt_ctl_ip_parse(&r.via, json_string_value(v), json_string_length(v), false) != 0 ||
             r.via.family != r.target.family))
            memset(&r.via, 0, sizeof(r.via)); /* via kept only if same family */
        if (n->nroutes == ZT_CTL_MAX_ROUTES) {
            set_err(c->err, c->errlen, "more than %d routes", ZT_CTL_MAX_ROUTES);
            return ZT_ERR_RANGE;
        }
        n->routes[n->nroutes++] = r;
    }
    return 0;
}

static int parse_pools(const pctx *c, const json_t *arr, zt_ctl_network *n)
{
    size_t i;
    json_t *item;

    n->npools = 0;
    json_array_foreach(arr, i, item) {
        const json_t *s = json_object_get(item, "ipRangeStart");
        const json_t *e = json_object_get(item, "ipRangeEnd");
        zt_ctl_pool p;

        if (!json_is_string(s) || !json_is_string(e) ||
            zt_ctl_ip_parse(&p.start, json_string_value(s), json_string_length(s), false) != 0 ||
            zt_ctl_ip_parse(&p.end, json_string_value(e), json_string_length(e), false) != 0 ||
            p.start.family != p.end.family)
            continue;
        if (n->npools == ZT_CTL_MAX_POOLS) {
            set_err(c->err, c->errlen, "more than %d ipAssignmentPools", ZT_CTL_MAX_POOLS);
            return ZT_ERR_RANGE;
        }
        n->pools[n->npools++] = p;
    }
    return 0;
}

/* A 32-bit id: numbers/strings per §5.7; anything else or out of range is invalid. */
static bool id32(const json_t *j, uint32_t *out)
{
    int64_t v = zt_ctl_json_int(j, -1);

    if (v < 0 || v > (int64_t)UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int parse_caps(const pctx *c, const json_t *arr, zt_ctl_network *n)
{
    size_t i, k;
    json_t *item;
    int rv;

    for (k = 0; k < n->ncaps; k++)
        free(n->caps[k].rules_json);
    n->ncaps = 0;
    json_array_foreach(arr, i, item) {
        const json_t *rules = json_object_get(item, "rules");
        zt_ctl_cap_def d;
        char *text = NULL;

        if (!json_is_object(item) || !id32(json_object_get(item, "id"), &d.id))
            continue;
        d.is_default = zt_ctl_json_bool(json_object_get(item, "default"), false);
        if (json_is_array(rules)) {
            rv = rules_text(c, rules, "capabilities.rules", ZT_CTL_MAX_CAP_RULES, &text);
            if (rv != 0)
                return rv;
        } else {
            text = dup_str("[]");
            if (text == NULL)
                return ZT_ERR_NOMEM;
        }
        d.rules_json = text;
        /* Sorted by id; a duplicate replaces the earlier one ("keep the last"). */
        for (k = 0; k < n->ncaps && n->caps[k].id < d.id; k++)
            ;
        if (k < n->ncaps && n->caps[k].id == d.id) {
            free(n->caps[k].rules_json);
            n->caps[k] = d;
            continue;
        }
        if (n->ncaps == ZT_CTL_MAX_CAPS) {
            free(text);
            set_err(c->err, c->errlen, "more than %d capabilities", ZT_CTL_MAX_CAPS);
            return ZT_ERR_RANGE;
        }
        memmove(&n->caps[k + 1], &n->caps[k], (n->ncaps - k) * sizeof(n->caps[0]));
        n->caps[k] = d;
        n->ncaps++;
    }
    return 0;
}

static int parse_tag_defs(const pctx *c, const json_t *arr, zt_ctl_network *n)
{
    size_t i, k;
    json_t *item;

    n->ntags = 0;
    json_array_foreach(arr, i, item) {
        const json_t *dfl = json_object_get(item, "default");
        zt_ctl_tag_def d;

        if (!json_is_object(item) || !id32(json_object_get(item, "id"), &d.id))
            continue;
        d.has_default = json_is_number(dfl);
        d.default_value = d.has_default ? (uint32_t)zt_ctl_json_int(dfl, 0) : 0;
        for (k = 0; k < n->ntags && n->tags[k].id < d.id; k++)
            ;
        if (k < n->ntags && n->tags[k].id == d.id) {
            n->tags[k] = d;
            continue;
        }
        if (n->ntags == ZT_CTL_MAX_TAGS) {
            set_err(c->err, c->errlen, "more than %d tags", ZT_CTL_MAX_TAGS);
            return ZT_ERR_RANGE;
        }
        memmove(&n->tags[k + 1], &n->tags[k], (n->ntags - k) * sizeof(n->tags[0]));
        n->tags[k] = d;
        n->ntags++;
    }
    return 0;
}

/* authTokens: an object of token -> expiry; entries with non-numbers or negatives dropped; a
 * non-object means "no tokens" (quirk Q1). */
static int parse_tokens(const pctx *c, const json_t *j, zt_ctl_network *n)
{
    const char *key;
    json_t *v;

    n->ntokens = 0;
    if (!json_is_object(j))
        return 0;
    json_object_foreach((json_t *)j, key, v) {
        size_t len = strlen(key);

        if (!json_is_number(v) || zt_ctl_json_int(v, -1) < 0)
            continue;
        if (len == 0)
            continue;
        if (len > ZT_CTL_TOKEN_MAX) {
            set_err(c->err, c->errlen, "an authTokens token is longer than %d bytes",
                    ZT_CTL_TOKEN_MAX);
            return ZT_ERR_RANGE;
        }
        if (n->ntokens == ZT_CTL_MAX_TOKENS) {
            set_err(c->err, c->errlen, "more than %d authTokens", ZT_CTL_MAX_TOKENS);
            return ZT_ERR_RANGE;
        }
        memcpy(n->tokens[n->ntokens].token, key, len + 1);
        n->tokens[n->ntokens].expires = zt_ctl_json_int(v, 0);
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
static int parse_dns(const pctx *c, const json_t *j, zt_ctl_network *n)
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
            set_err(c->err, c->errlen, "more than %d dns servers", ZT_CTL_MAX_DNS_SERVERS);
            return ZT_ERR_RANGE;
        }
        if (json_string_length(item) > ZT_CTL_DNS_SERVER_MAX) {
            set_err(c->err, c->errlen, "a dns server is longer than %d bytes",
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
        n->v6_6plane = zt_ctl_json_bool(json_object_get(j, "6plane"), false);
        n->v6_rfc4193 = zt_ctl_json_bool(json_object_get(j, "rfc4193"), false);
        n->v6_zt = zt_ctl_json_bool(json_object_get(j, "zt"), false);
    }
}

/* The writable network fields (§5.4 "writable by POST").  Sets bits of *phas for each field
 * read. */
static int parse_network_writable(const pctx *c, const json_t *j, zt_ctl_network *n,
                                  uint32_t *phas)
{
    const json_t *v;
    bool use;
    int rv;

    if ((v = json_object_get(j, "name")) != NULL) {
        if ((rv = bounded_string(c, v, "name", n->name, sizeof(n->name))) != 0)
            return rv;
        *phas |= ZT_CTL_NET_HAS_NAME;
    }
    if ((v = json_object_get(j, "private")) != NULL) {
        n->is_private = zt_ctl_json_bool(v, true);
        *phas |= ZT_CTL_NET_HAS_PRIVATE;
    }
    if ((v = json_object_get(j, "multicastLimit")) != NULL) {
        n->multicast_limit = zt_ctl_json_int(v, 32);
        *phas |= ZT_CTL_NET_HAS_MULTICAST_LIMIT;
    }
    if ((v = json_object_get(j, "enableBroadcast")) != NULL) {
        n->enable_broadcast = zt_ctl_json_bool(v, false);
        *phas |= ZT_CTL_NET_HAS_ENABLE_BROADCAST;
    }
    if ((v = json_object_get(j, "mtu")) != NULL) {
        int64_t mtu = zt_ctl_json_int(v, 2800);
        n->mtu = mtu < 1280 ? 1280 : mtu > 10000 ? 10000 : mtu;
        *phas |= ZT_CTL_NET_HAS_MTU;
    }
    if ((v = json_object_get(j, "v4AssignMode")) != NULL) {
        if (json_is_string(v))
            n->v4_zt = strcmp(json_string_value(v), "zt") == 0;
        else if (json_is_object(v))
            n->v4_zt = zt_ctl_json_bool(json_object_get(v, "zt"), false);
        else
            n->v4_zt = false;
        *phas |= ZT_CTL_NET_HAS_V4_ASSIGN;
    }
    if ((v = json_object_get(j, "v6AssignMode")) != NULL) {
        parse_v6_modes(v, n);
        *phas |= ZT_CTL_NET_HAS_V6_ASSIGN;
    }
    if ((v = json_object_get(j, "routes")) != NULL) {
        if ((rv = check_array(c, v, "routes", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_routes(c, v, n)) != 0)
                return rv;
            *phas |= ZT_CTL_NET_HAS_ROUTES;
        }
    }
    if ((v = json_object_get(j, "ipAssignmentPools")) != NULL) {
        if ((rv = check_array(c, v, "ipAssignmentPools", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_pools(c, v, n)) != 0)
                return rv;
            *phas |= ZT_CTL_NET_HAS_POOLS;
        }
    }
    if ((v = json_object_get(j, "rules")) != NULL) {
        if ((rv = check_array(c, v, "rules", &use)) != 0)
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
        if ((rv = check_array(c, v, "capabilities", &use)) != 0)
            return rv;
        if (use) {
            *phas |= ZT_CTL_NET_HAS_CAPS; /* before parsing: the list may be half-filled */
            if ((rv = parse_caps(c, v, n)) != 0)
                return rv;
        }
    }
    if ((v = json_object_get(j, "tags")) != NULL) {
        if ((rv = check_array(c, v, "tags", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_tag_defs(c, v, n)) != 0)
                return rv;
            *phas |= ZT_CTL_NET_HAS_TAGS;
        }
    }
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
        trace_target(v, n->remote_trace_target);
        *phas |= ZT_CTL_NET_HAS_TRACE_TARGET;
    }
    if ((v = json_object_get(j, "remoteTraceLevel")) != NULL) {
        n->remote_trace_level = zt_ctl_json_int(v, 0);
        *phas |= ZT_CTL_NET_HAS_TRACE_LEVEL;
    }
    return 0;
}

/* Keys of a stored record that are neither known nor dropped, as compact JSON text. */
static int collect_extra(const pctx *c, const json_t *j, const char *const *known, size_t nknown,
                         const char *const *dropped, size_t ndropped, char **pextra)
{
    json_t *extra = NULL, *v;
    const char *key;
    char *text = NULL;
    int rv = ZT_ERR_NOMEM;

    *pextra = NULL;
    json_object_foreach((json_t *)j, key, v) {
        if (in_list(key, known, nknown) || in_list(key, dropped, ndropped))
            continue;
        if (extra == NULL && (extra = json_object()) == NULL)
            goto out;
        if (json_object_set(extra, key, v) != 0)
            goto out;
    }
    rv = 0;
    if (extra == NULL)
        goto out;
    rv = ZT_ERR_NOMEM;
    if ((text = json_dumps(extra, DUMP_FLAGS)) == NULL)
        goto out;
    if (strlen(text) > ZT_CTL_EXTRA_MAX) {
        set_err(c->err, c->errlen, "unknown keys take more than %d bytes", ZT_CTL_EXTRA_MAX);
        rv = ZT_ERR_RANGE;
        goto out;
    }
    *pextra = text;
    text = NULL;
    rv = 0;
out:
    free(text);
    json_decref(extra);
    return rv;
}

static uint64_t nonneg(int64_t v)
{
    return v < 0 ? 0 : (uint64_t)v;
}

int zt_ctl_network_from_json(zt_ctl_network *n, const json_t *j, char *err, size_t errlen)
{
    pctx c = {false, err, errlen};
    uint32_t has = 0;
    uint64_t id;
    const json_t *v;
    int rv;

    if (!json_is_object(j)) {
        memset(n, 0, sizeof(*n));
        set_err(err, errlen, "a network record is not a JSON object");
        return ZT_ERR_INVAL;
    }
    if (hex_id(json_object_get(j, "id"), 16, &id) != 0) {
        memset(n, 0, sizeof(*n));
        set_err(err, errlen, "network record without a valid 16-digit hex \"id\"");
        return ZT_ERR_INVAL;
    }
    if ((rv = zt_ctl_network_init(n, id)) != 0)
        return rv;
    if ((rv = parse_network_writable(&c, j, n, &has)) != 0)
        return rv;
    n->creation_time = zt_ctl_json_int(json_object_get(j, "creationTime"), 0);
    n->revision = nonneg(zt_ctl_json_int(json_object_get(j, "revision"), 0));
    if ((v = json_object_get(j, "rulesSource")) != NULL &&
        (rv = heap_string(&c, v, "rulesSource", ZT_CTL_RULES_SOURCE_MAX, &n->rules_source)) != 0)
        return rv;
    n->sso_enabled = zt_ctl_json_bool(json_object_get(j, "ssoEnabled"), false);
    if ((rv = bounded_string(&c, json_object_get(j, "clientId"), "clientId", n->client_id,
                             sizeof(n->client_id))) != 0 ||
        (rv = bounded_string(&c, json_object_get(j, "authorizationEndpoint"),
                             "authorizationEndpoint", n->authorization_endpoint,
                             sizeof(n->authorization_endpoint))) != 0)
        return rv;
    if ((v = json_object_get(j, "certificateTimeoutWindowSize")) != NULL && json_is_number(v)) {
        n->has_cert_window = true;
        n->cert_window = zt_ctl_json_int(v, 0);
    }
    return collect_extra(&c, j, net_known, COUNT(net_known), net_dropped, COUNT(net_dropped),
                         &n->extra);
}

/* ---- rendering ------------------------------------------------------------------------------- */

/* Sticky-error setter: a NULL value or a failed insert marks *prv as NOMEM. */
static void put(json_t *o, const char *key, json_t *v, int *prv)
{
    if (v == NULL || json_object_set_new(o, key, v) != 0)
        *prv = ZT_ERR_NOMEM;
}

static void append(json_t *a, json_t *v, int *prv)
{
    if (v == NULL || json_array_append_new(a, v) != 0)
        *prv = ZT_ERR_NOMEM;
}

static json_t *raw_json(const char *text, const char *dflt)
{
    json_t *j = json_loads(text != NULL ? text : dflt, 0, NULL);
    return j;
}

static json_t *extra_base(const char *extra, int *prv)
{
    json_t *o;

    if (extra == NULL)
        return json_object();
    o = json_loads(extra, 0, NULL);
    if (o != NULL && !json_is_object(o)) {
        json_decref(o);
        *prv = ZT_ERR_INVAL;
        return NULL;
    }
    return o;
}

int zt_ctl_network_to_json(const zt_ctl_network *n, json_t **pj)
{
    json_t *o, *a, *e;
    int rv = 0;

    o = extra_base(n->extra, &rv);
    if (o == NULL)
        return rv != 0 ? rv : ZT_ERR_NOMEM;
    put(o, "id", hex_json(n->id, 16), &rv);
    put(o, "nwid", hex_json(n->id, 16), &rv);
    put(o, "objtype", json_string("network"), &rv);
    put(o, "name", json_string(n->name), &rv);
    put(o, "private", json_boolean(n->is_private), &rv);
    put(o, "creationTime", json_integer(n->creation_time), &rv);
    put(o, "revision", json_integer((json_int_t)n->revision), &rv);
    put(o, "multicastLimit", json_integer(n->multicast_limit), &rv);
    put(o, "enableBroadcast", json_boolean(n->enable_broadcast), &rv);
    put(o, "mtu", json_integer(n->mtu), &rv);
    put(o, "v4AssignMode", json_pack("{s:b}", "zt", n->v4_zt), &rv);
    put(o, "v6AssignMode",
        json_pack("{s:b,s:b,s:b}", "6plane", n->v6_6plane, "rfc4193", n->v6_rfc4193, "zt",
                  n->v6_zt),
        &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < n->nroutes; i++) {
        e = json_object();
        if (e != NULL) {
            put(e, "target", ip_json(&n->routes[i].target, true), &rv);
            put(e, "via", n->routes[i].via.family != 0 ? ip_json(&n->routes[i].via, false)
                                                       : json_null(), &rv);
        }
        append(a, e, &rv);
    }
    put(o, "routes", a, &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < n->npools; i++) {
        e = json_object();
        if (e != NULL) {
            put(e, "ipRangeStart", ip_json(&n->pools[i].start, false), &rv);
            put(e, "ipRangeEnd", ip_json(&n->pools[i].end, false), &rv);
        }
        append(a, e, &rv);
    }
    put(o, "ipAssignmentPools", a, &rv);
    put(o, "rules", raw_json(n->rules_json, default_rules), &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < n->ncaps; i++) {
        e = json_object();
        if (e != NULL) {
            put(e, "id", json_integer(n->caps[i].id), &rv);
            put(e, "default", json_boolean(n->caps[i].is_default), &rv);
            put(e, "rules", raw_json(n->caps[i].rules_json, "[]"), &rv);
        }
        append(a, e, &rv);
    }
    put(o, "capabilities", a, &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < n->ntags; i++) {
        e = json_object();
        if (e != NULL) {
            put(e, "id", json_integer(n->tags[i].id), &rv);
            put(e, "default",
                n->tags[i].has_default ? json_integer(n->tags[i].default_value) : json_null(),
                &rv);
        }
        append(a, e, &rv);
    }
    put(o, "tags", a, &rv);
    if (n->ntokens == 0) {
        a = json_array(); /* 1.14.1's default rendering, [null] (quirk Q1) */
        append(a, json_null(), &rv);
        put(o, "authTokens", a, &rv);
    } else {
        a = json_object();
        for (size_t i = 0; a != NULL && i < n->ntokens; i++)
            put(a, n->tokens[i].token, json_integer(n->tokens[i].expires), &rv);
        put(o, "authTokens", a, &rv);
    }
    if (!n->has_dns) {
        put(o, "dns", json_array(), &rv);
    } else {
        e = json_object();
        if (e != NULL) {
            put(e, "domain", n->has_domain ? json_string(n->dns_domain) : json_null(), &rv);
            if (n->has_servers) {
                a = json_array();
                for (size_t i = 0; a != NULL && i < n->nservers; i++)
                    append(a, json_string(n->dns_servers[i]), &rv);
                put(e, "servers", a, &rv);
            }
        }
        put(o, "dns", e, &rv);
    }
    put(o, "remoteTraceTarget",
        n->remote_trace_target[0] != '\0' ? json_string(n->remote_trace_target) : json_null(),
        &rv);
    put(o, "remoteTraceLevel", json_integer(n->remote_trace_level), &rv);
    put(o, "rulesSource", json_string(n->rules_source != NULL ? n->rules_source : ""), &rv);
    put(o, "ssoEnabled", json_boolean(n->sso_enabled), &rv);
    put(o, "clientId", json_string(n->client_id), &rv);
    put(o, "authorizationEndpoint", json_string(n->authorization_endpoint), &rv);
    if (n->has_cert_window)
        put(o, "certificateTimeoutWindowSize", json_integer(n->cert_window), &rv);
    if (rv != 0) {
        json_decref(o);
        return rv;
    }
    *pj = o;
    return 0;
}

/* ---- members --------------------------------------------------------------------------------- */

static int parse_member_ips(const pctx *c, const json_t *arr, zt_ctl_member *m)
{
    size_t i;
    json_t *item;
    zt_ctl_ip ip;

    m->nips = 0;
    json_array_foreach(arr, i, item) {
        if (!json_is_string(item)) {
            set_err(c->err, c->errlen, "ipAssignments item %zu is not a string", i);
            return ZT_ERR_INVAL;
        }
        if (zt_ctl_ip_parse(&ip, json_string_value(item), json_string_length(item), false) != 0)
            continue; /* unparseable strings dropped (§5.5) */
        if (m->nips == ZT_CTL_MAX_IPS) {
            set_err(c->err, c->errlen, "more than %d ipAssignments", ZT_CTL_MAX_IPS);
            return ZT_ERR_RANGE;
        }
        m->ips[m->nips++] = ip;
    }
    return 0;
}

static int parse_member_tags(const pctx *c, const json_t *arr, zt_ctl_member *m)
{
    size_t i, k;
    json_t *item;

    m->ntags = 0;
    json_array_foreach(arr, i, item) {
        zt_ctl_member_tag t;

        if (!json_is_array(item) || json_array_size(item) != 2)
            continue; /* pairs only */
        /* ids and values masked to 32 bits (§5.5) */
        t.id = (uint32_t)zt_ctl_json_int(json_array_get(item, 0), 0);
        t.value = (uint32_t)zt_ctl_json_int(json_array_get(item, 1), 0);
        for (k = 0; k < m->ntags && m->tags[k].id < t.id; k++)
            ;
        if (k < m->ntags && m->tags[k].id == t.id) {
            m->tags[k] = t;
            continue;
        }
        if (m->ntags == ZT_CTL_MAX_TAGS) {
            set_err(c->err, c->errlen, "more than %d member tags", ZT_CTL_MAX_TAGS);
            return ZT_ERR_RANGE;
        }
        memmove(&m->tags[k + 1], &m->tags[k], (m->ntags - k) * sizeof(m->tags[0]));
        m->tags[k] = t;
        m->ntags++;
    }
    return 0;
}

static int parse_member_caps(const pctx *c, const json_t *arr, zt_ctl_member *m)
{
    size_t i, k;
    json_t *item;
    uint32_t id;

    m->ncaps = 0;
    json_array_foreach(arr, i, item) {
        if (!id32(item, &id))
            continue;
        for (k = 0; k < m->ncaps && m->caps[k] < id; k++)
            ;
        if (k < m->ncaps && m->caps[k] == id)
            continue; /* duplicates removed */
        if (m->ncaps == ZT_CTL_MAX_CAPS) {
            set_err(c->err, c->errlen, "more than %d member capabilities", ZT_CTL_MAX_CAPS);
            return ZT_ERR_RANGE;
        }
        memmove(&m->caps[k + 1], &m->caps[k], (m->ncaps - k) * sizeof(m->caps[0]));
        m->caps[k] = id;
        m->ncaps++;
    }
    return 0;
}

static int parse_member_writable(const pctx *c, const json_t *j, zt_ctl_member *m,
                                 uint32_t *phas)
{
    const json_t *v;
    bool use;
    int rv;

    if ((v = json_object_get(j, "authorized")) != NULL) {
        m->authorized = zt_ctl_json_bool(v, false);
        *phas |= ZT_CTL_MEM_HAS_AUTHORIZED;
    }
    if ((v = json_object_get(j, "activeBridge")) != NULL) {
        m->active_bridge = zt_ctl_json_bool(v, false);
        *phas |= ZT_CTL_MEM_HAS_ACTIVE_BRIDGE;
    }
    if ((v = json_object_get(j, "noAutoAssignIps")) != NULL) {
        m->no_auto_assign_ips = zt_ctl_json_bool(v, false);
        *phas |= ZT_CTL_MEM_HAS_NO_AUTO_IPS;
    }
    if ((v = json_object_get(j, "ipAssignments")) != NULL) {
        if ((rv = check_array(c, v, "ipAssignments", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_member_ips(c, v, m)) != 0)
                return rv;
            *phas |= ZT_CTL_MEM_HAS_IPS;
        }
    }
    if ((v = json_object_get(j, "tags")) != NULL) {
        if ((rv = check_array(c, v, "tags", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_member_tags(c, v, m)) != 0)
                return rv;
            *phas |= ZT_CTL_MEM_HAS_TAGS;
        }
    }
    if ((v = json_object_get(j, "capabilities")) != NULL) {
        if ((rv = check_array(c, v, "capabilities", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_member_caps(c, v, m)) != 0)
                return rv;
            *phas |= ZT_CTL_MEM_HAS_CAPS;
        }
    }
    if ((v = json_object_get(j, "name")) != NULL) {
        if ((rv = bounded_string(c, v, "name", m->name, sizeof(m->name))) != 0)
            return rv;
        m->has_name = true;
        *phas |= ZT_CTL_MEM_HAS_NAME;
    }
    if ((v = json_object_get(j, "authenticationExpiryTime")) != NULL) {
        m->authentication_expiry_time = zt_ctl_json_int(v, 0);
        *phas |= ZT_CTL_MEM_HAS_AUTH_EXPIRY;
    }
    if ((v = json_object_get(j, "remoteTraceTarget")) != NULL) {
        trace_target(v, m->remote_trace_target);
        *phas |= ZT_CTL_MEM_HAS_TRACE_TARGET;
    }
    if ((v = json_object_get(j, "remoteTraceLevel")) != NULL) {
        m->remote_trace_level = zt_ctl_json_int(v, 0);
        *phas |= ZT_CTL_MEM_HAS_TRACE_LEVEL;
    }
    return 0;
}

int zt_ctl_member_from_json(zt_ctl_member *m, uint64_t nwid, const json_t *j, char *err,
                            size_t errlen)
{
    pctx c = {false, err, errlen};
    uint32_t has = 0;
    uint64_t id, rec_nwid;
    const json_t *v;
    int rv;

    zt_ctl_member_init(m, nwid, 0);
    if (!json_is_object(j)) {
        set_err(err, errlen, "a member record is not a JSON object");
        return ZT_ERR_INVAL;
    }
    v = json_object_get(j, "id");
    if (v == NULL)
        v = json_object_get(j, "address");
    if (hex_id(v, 10, &id) != 0) {
        set_err(err, errlen, "member record without a valid 10-digit hex \"id\"");
        return ZT_ERR_INVAL;
    }
    m->id = id;
    if ((v = json_object_get(j, "nwid")) != NULL &&
        (hex_id(v, 16, &rec_nwid) != 0 || rec_nwid != nwid)) {
        set_err(err, errlen, "member %010llx: \"nwid\" does not name network %016llx",
                (unsigned long long)id, (unsigned long long)nwid);
        return ZT_ERR_INVAL;
    }
    if ((rv = parse_member_writable(&c, j, m, &has)) != 0)
        return rv;
    m->sso_exempt = zt_ctl_json_bool(json_object_get(j, "ssoExempt"), false);
    m->creation_time = zt_ctl_json_int(json_object_get(j, "creationTime"), 0);
    m->revision = nonneg(zt_ctl_json_int(json_object_get(j, "revision"), 0));
    if ((v = json_object_get(j, "identity")) != NULL &&
        (rv = bounded_string(&c, v, "identity", m->identity, sizeof(m->identity))) != 0)
        return rv;
    m->last_authorized_time = zt_ctl_json_int(json_object_get(j, "lastAuthorizedTime"), 0);
    m->last_deauthorized_time = zt_ctl_json_int(json_object_get(j, "lastDeauthorizedTime"), 0);
    if (json_is_string(v = json_object_get(j, "lastAuthorizedCredentialType")) &&
        (rv = bounded_string(&c, v, "lastAuthorizedCredentialType", m->last_auth_cred_type,
                             sizeof(m->last_auth_cred_type))) != 0)
        return rv;
    if (json_is_string(v = json_object_get(j, "lastAuthorizedCredential"))) {
        if ((rv = bounded_string(&c, v, "lastAuthorizedCredential", m->last_auth_cred,
                                 sizeof(m->last_auth_cred))) != 0)
            return rv;
        m->has_last_auth_cred = true;
    }
    m->v_major = zt_ctl_json_int(json_object_get(j, "vMajor"), -1);
    m->v_minor = zt_ctl_json_int(json_object_get(j, "vMinor"), -1);
    m->v_rev = zt_ctl_json_int(json_object_get(j, "vRev"), -1);
    m->v_proto = zt_ctl_json_int(json_object_get(j, "vProto"), -1);
    return collect_extra(&c, j, mem_known, COUNT(mem_known), mem_dropped, COUNT(mem_dropped),
                         &m->extra);
}

int zt_ctl_member_to_json(const zt_ctl_member *m, json_t **pj)
{
    json_t *o, *a, *e;
    int rv = 0;

    o = extra_base(m->extra, &rv);
    if (o == NULL)
        return rv != 0 ? rv : ZT_ERR_NOMEM;
    put(o, "id", hex_json(m->id, 10), &rv);
    put(o, "address", hex_json(m->id, 10), &rv);
    put(o, "nwid", hex_json(m->nwid, 16), &rv);
    put(o, "objtype", json_string("member"), &rv);
    put(o, "authorized", json_boolean(m->authorized), &rv);
    put(o, "activeBridge", json_boolean(m->active_bridge), &rv);
    put(o, "noAutoAssignIps", json_boolean(m->no_auto_assign_ips), &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < m->nips; i++)
        append(a, ip_json(&m->ips[i], false), &rv);
    put(o, "ipAssignments", a, &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < m->ntags; i++) {
        e = json_array();
        append(e, json_integer(m->tags[i].id), &rv);
        append(e, json_integer(m->tags[i].value), &rv);
        append(a, e, &rv);
    }
    put(o, "tags", a, &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < m->ncaps; i++)
        append(a, json_integer(m->caps[i]), &rv);
    put(o, "capabilities", a, &rv);
    if (m->has_name)
        put(o, "name", json_string(m->name), &rv);
    put(o, "authenticationExpiryTime", json_integer(m->authentication_expiry_time), &rv);
    put(o, "remoteTraceTarget",
        m->remote_trace_target[0] != '\0' ? json_string(m->remote_trace_target) : json_null(),
        &rv);
    put(o, "remoteTraceLevel", json_integer(m->remote_trace_level), &rv);
    put(o, "ssoExempt", json_boolean(m->sso_exempt), &rv);
    put(o, "creationTime", json_integer(m->creation_time), &rv);
    put(o, "revision", json_integer((json_int_t)m->revision), &rv);
    if (m->identity[0] != '\0')
        put(o, "identity", json_string(m->identity), &rv);
    put(o, "lastAuthorizedTime", json_integer(m->last_authorized_time), &rv);
    put(o, "lastDeauthorizedTime", json_integer(m->last_deauthorized_time), &rv);
    put(o, "lastAuthorizedCredentialType",
        m->last_auth_cred_type[0] != '\0' ? json_string(m->last_auth_cred_type) : json_null(),
        &rv);
    put(o, "lastAuthorizedCredential",
        m->has_last_auth_cred ? json_string(m->last_auth_cred) : json_null(), &rv);
    put(o, "vMajor", json_integer(m->v_major), &rv);
    put(o, "vMinor", json_integer(m->v_minor), &rv);
    put(o, "vRev", json_integer(m->v_rev), &rv);
    put(o, "vProto", json_integer(m->v_proto), &rv);
    if (rv != 0) {
        json_decref(o);
        return rv;
    }
    *pj = o;
    return 0;
}

/* ---- text forms ------------------------------------------------------------------------------ */

static int dump(json_t *j, char **ptext)
{
    char *text = json_dumps(j, DUMP_FLAGS);

    json_decref(j);
    if (text == NULL)
        return ZT_ERR_NOMEM;
    *ptext = text;
    return 0;
}

int zt_ctl_network_dump(const zt_ctl_network *n, char **ptext)
{
    json_t *j;
    int rv = zt_ctl_network_to_json(n, &j);

    return rv != 0 ? rv : dump(j, ptext);
}

int zt_ctl_member_dump(const zt_ctl_member *m, char **ptext)
{
    json_t *j;
    int rv = zt_ctl_member_to_json(m, &j);

    return rv != 0 ? rv : dump(j, ptext);
}

static json_t *load_text(const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL)
        set_err(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                jerr.text);
    return j;
}

int zt_ctl_network_load(zt_ctl_network *n, const char *text, size_t len, char *err,
                        size_t errlen)
{
    json_t *j = load_text(text, len, err, errlen);
    int rv;

    if (j == NULL) {
        memset(n, 0, sizeof(*n));
        return ZT_ERR_INVAL;
    }
    rv = zt_ctl_network_from_json(n, j, err, errlen);
    json_decref(j);
    return rv;
}

int zt_ctl_member_load(zt_ctl_member *m, uint64_t nwid, const char *text, size_t len, char *err,
                       size_t errlen)
{
    json_t *j = load_text(text, len, err, errlen);
    int rv;

    if (j == NULL) {
        zt_ctl_member_init(m, nwid, 0);
        return ZT_ERR_INVAL;
    }
    rv = zt_ctl_member_from_json(m, nwid, j, err, errlen);
    json_decref(j);
    return rv;
}

/* Compare the canonical texts with `revision` taken out. */
static bool same_json(json_t *a, json_t *b)
{
    bool eq = false;

    if (a != NULL && b != NULL) {
        json_object_del(a, "revision");
        json_object_del(b, "revision");
        eq = json_equal(a, b) != 0;
    }
    json_decref(a);
    json_decref(b);
    return eq;
}

bool zt_ctl_network_same(const zt_ctl_network *a, const zt_ctl_network *b)
{
    json_t *ja = NULL, *jb = NULL;

    if (zt_ctl_network_to_json(a, &ja) != 0)
        ja = NULL;
    if (zt_ctl_network_to_json(b, &jb) != 0)
        jb = NULL;
    return same_json(ja, jb);
}

bool zt_ctl_member_same(const zt_ctl_member *a, const zt_ctl_member *b)
{
    json_t *ja = NULL, *jb = NULL;

    if (zt_ctl_member_to_json(a, &ja) != 0)
        ja = NULL;
    if (zt_ctl_member_to_json(b, &jb) != 0)
        jb = NULL;
    return same_json(ja, jb);
}

/* ---- patches --------------------------------------------------------------------------------- */

int zt_ctl_network_patch_from_json(zt_ctl_network_patch *p, const json_t *j, char *err,
                                   size_t errlen)
{
    pctx c = {true, err, errlen};
    int rv;

    p->has = 0;
    if ((rv = zt_ctl_network_init(&p->v, 0)) != 0)
        return rv;
    if (!json_is_object(j)) {
        set_err(err, errlen, "the request body is not a JSON object");
        return ZT_ERR_INVAL;
    }
    return parse_network_writable(&c, j, &p->v, &p->has);
}

void zt_ctl_network_patch_clear(zt_ctl_network_patch *p)
{
    if (p == NULL)
        return;
    zt_ctl_network_clear(&p->v);
    p->has = 0;
}

int zt_ctl_network_patch_apply(zt_ctl_network *n, const zt_ctl_network_patch *p)
{
    const zt_ctl_network *v = &p->v;
    char *rules = NULL, *caps[ZT_CTL_MAX_CAPS];
    size_t i;

    /* Allocate first, so that a failure leaves |n| untouched. */
    if ((p->has & ZT_CTL_NET_HAS_RULES) && (rules = dup_str(v->rules_json)) == NULL)
        return ZT_ERR_NOMEM;
    if (p->has & ZT_CTL_NET_HAS_CAPS) {
        for (i = 0; i < v->ncaps; i++) {
            caps[i] = dup_str(v->caps[i].rules_json);
            if (caps[i] == NULL) {
                while (i > 0)
                    free(caps[--i]);
                free(rules);
                return ZT_ERR_NOMEM;
            }
        }
    }
    if (p->has & ZT_CTL_NET_HAS_NAME)
        memcpy(n->name, v->name, sizeof(n->name));
    if (p->has & ZT_CTL_NET_HAS_PRIVATE)
        n->is_private = v->is_private;
    if (p->has & ZT_CTL_NET_HAS_MULTICAST_LIMIT)
        n->multicast_limit = v->multicast_limit;
    if (p->has & ZT_CTL_NET_HAS_ENABLE_BROADCAST)
        n->enable_broadcast = v->enable_broadcast;
    if (p->has & ZT_CTL_NET_HAS_MTU)
        n->mtu = v->mtu;
    if (p->has & ZT_CTL_NET_HAS_V4_ASSIGN)
        n->v4_zt = v->v4_zt;
    if (p->has & ZT_CTL_NET_HAS_V6_ASSIGN) {
        n->v6_6plane = v->v6_6plane;
        n->v6_rfc4193 = v->v6_rfc4193;
        n->v6_zt = v->v6_zt;
    }
    if (p->has & ZT_CTL_NET_HAS_ROUTES) {
        n->nroutes = v->nroutes;
        memcpy(n->routes, v->routes, v->nroutes * sizeof(v->routes[0]));
    }
    if (p->has & ZT_CTL_NET_HAS_POOLS) {
        n->npools = v->npools;
        memcpy(n->pools, v->pools, v->npools * sizeof(v->pools[0]));
    }
    if (p->has & ZT_CTL_NET_HAS_RULES) {
        free(n->rules_json);
        n->rules_json = rules;
    }
    if (p->has & ZT_CTL_NET_HAS_CAPS) {
        for (i = 0; i < n->ncaps; i++)
            free(n->caps[i].rules_json);
        n->ncaps = v->ncaps;
        for (i = 0; i < v->ncaps; i++) {
            n->caps[i] = v->caps[i];
            n->caps[i].rules_json = caps[i];
        }
    }
    if (p->has & ZT_CTL_NET_HAS_TAGS) {
        n->ntags = v->ntags;
        memcpy(n->tags, v->tags, v->ntags * sizeof(v->tags[0]));
    }
    if (p->has & ZT_CTL_NET_HAS_TOKENS) {
        n->ntokens = v->ntokens;
        memcpy(n->tokens, v->tokens, v->ntokens * sizeof(v->tokens[0]));
    }
    if (p->has & ZT_CTL_NET_HAS_DNS) {
        n->has_dns = v->has_dns;
        n->has_domain = v->has_domain;
        memcpy(n->dns_domain, v->dns_domain, sizeof(n->dns_domain));
        n->has_servers = v->has_servers;
        n->nservers = v->nservers;
        memcpy(n->dns_servers, v->dns_servers, sizeof(n->dns_servers));
    }
    if (p->has & ZT_CTL_NET_HAS_TRACE_TARGET)
        memcpy(n->remote_trace_target, v->remote_trace_target, sizeof(n->remote_trace_target));
    if (p->has & ZT_CTL_NET_HAS_TRACE_LEVEL)
        n->remote_trace_level = v->remote_trace_level; /* kept unless sent (quirk Q2) */
    return 0;
}

int zt_ctl_member_patch_from_json(zt_ctl_member_patch *p, const json_t *j, char *err,
                                  size_t errlen)
{
    pctx c = {true, err, errlen};

    p->has = 0;
    zt_ctl_member_init(&p->v, 0, 0);
    if (!json_is_object(j)) {
        set_err(err, errlen, "the request body is not a JSON object");
        return ZT_ERR_INVAL;
    }
    return parse_member_writable(&c, j, &p->v, &p->has);
}

void zt_ctl_member_patch_clear(zt_ctl_member_patch *p)
{
    if (p == NULL)
        return;
    zt_ctl_member_clear(&p->v);
    p->has = 0;
}

void zt_ctl_member_patch_apply(zt_ctl_member *m, const zt_ctl_member_patch *p, int64_t now)
{
    const zt_ctl_member *v = &p->v;

    if ((p->has & ZT_CTL_MEM_HAS_AUTHORIZED) && v->authorized != m->authorized) {
        m->authorized = v->authorized;
        if (v->authorized) {
            m->last_authorized_time = now;
            snprintf(m->last_auth_cred_type, sizeof(m->last_auth_cred_type), "api");
            m->has_last_auth_cred = false;
            m->last_auth_cred[0] = '\0';
        } else {
            m->last_deauthorized_time = now;
        }
    }
    if (p->has & ZT_CTL_MEM_HAS_ACTIVE_BRIDGE)
        m->active_bridge = v->active_bridge;
    if (p->has & ZT_CTL_MEM_HAS_NO_AUTO_IPS)
        m->no_auto_assign_ips = v->no_auto_assign_ips;
    if (p->has & ZT_CTL_MEM_HAS_IPS) {
        m->nips = v->nips;
        memcpy(m->ips, v->ips, v->nips * sizeof(v->ips[0]));
    }
    if (p->has & ZT_CTL_MEM_HAS_TAGS) {
        m->ntags = v->ntags;
        memcpy(m->tags, v->tags, v->ntags * sizeof(v->tags[0]));
    }
    if (p->has & ZT_CTL_MEM_HAS_CAPS) {
        m->ncaps = v->ncaps;
        memcpy(m->caps, v->caps, v->ncaps * sizeof(v->caps[0]));
    }
    if (p->has & ZT_CTL_MEM_HAS_NAME) {
        m->has_name = true;
        memcpy(m->name, v->name, sizeof(m->name));
    }
    if (p->has & ZT_CTL_MEM_HAS_AUTH_EXPIRY)
        m->authentication_expiry_time = v->authentication_expiry_time;
    if (p->has & ZT_CTL_MEM_HAS_TRACE_TARGET)
        memcpy(m->remote_trace_target, v->remote_trace_target, sizeof(m->remote_trace_target));
    if (p->has & ZT_CTL_MEM_HAS_TRACE_LEVEL)
        m->remote_trace_level = v->remote_trace_level;
}
