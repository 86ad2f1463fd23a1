/* Controller data model: JSON coercions (controller.md §5.7), addresses, and the helpers the
 * network and member codecs share (model_internal.h).  style.md §10g. */
#include "controller/model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

static bool in_list(const char *key, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, list[i]) == 0)
            return true;
    return false;
}

char *zt__ctl_dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);

    if (d != NULL)
        memcpy(d, s, n + 1);
    return d;
}

/* ---- §5.7 coercions -------------------------------------------------------------------------- */

bool zt__ctl_json_bool(const json_t *j, bool dflt)
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

int64_t zt__ctl_json_int(const json_t *j, int64_t dflt)
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

int zt__ctl_json_string(const json_t *j, const char *dflt, char *out, size_t cap)
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

int zt__ctl_ip_parse(zt_ctl_ip *ip, const char *s, size_t len, bool with_bits)
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

int zt__ctl_ip_format(const zt_ctl_ip *ip, bool with_bits, char *out, size_t cap)
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

json_t *zt__ctl_ip_json(const zt_ctl_ip *ip, bool with_bits)
{
    char text[64];

    if (zt__ctl_ip_format(ip, with_bits, text, sizeof(text)) != 0)
        return json_null();
    return json_string(text);
}

/* ---- ids ------------------------------------------------------------------------------------- */

int zt__ctl_hex_id(const json_t *j, size_t digits, uint64_t *out)
{
    if (!json_is_string(j) || json_string_length(j) != digits)
        return ZT_ERR_INVAL;
    return zt__hex_u64(json_string_value(j), digits, out);
}

json_t *zt__ctl_hex_json(uint64_t v, int digits)
{
    char text[17];

    snprintf(text, sizeof(text), "%0*llx", digits, (unsigned long long)v);
    return json_string(text);
}

int zt__ctl_check_array(const zt_ctl_pctx *c, const json_t *j, const char *key, bool *puse)
{
    *puse = false;
    if (!json_is_array(j)) {
        if (c->is_request)
            return 0; /* zerotier-one ignores it */
        zt__err_set(c->err, c->errlen, "\"%s\" is not an array", key);
        return ZT_ERR_INVAL;
    }
    if (json_array_size(j) > ZT_CTL_ARRAY_INPUT_MAX) {
        zt__err_set(c->err, c->errlen, "\"%s\" has more than %d items", key,
                        ZT_CTL_ARRAY_INPUT_MAX);
        return ZT_ERR_RANGE;
    }
    *puse = true;
    return 0;
}

int zt__ctl_bounded_string(const zt_ctl_pctx *c, const json_t *j, const char *key, char *out,
                           size_t cap)
{
    if (zt__ctl_json_string(j, "", out, cap) != 0) {
        zt__err_set(c->err, c->errlen, "\"%s\" is longer than %zu bytes", key, cap - 1);
        return ZT_ERR_RANGE;
    }
    return 0;
}

void zt__ctl_trace_target(const json_t *j, char out[11])
{
    /* Kept only if exactly 10 characters, else null (§5.4). */
    if (json_is_string(j) && json_string_length(j) == 10 && strlen(json_string_value(j)) == 10)
        memcpy(out, json_string_value(j), 11);
    else
        out[0] = '\0';
}

/* A 32-bit id: numbers/strings per §5.7; anything else or out of range is invalid. */
bool zt__ctl_id32(const json_t *j, uint32_t *out)
{
    int64_t v = zt__ctl_json_int(j, -1);

    if (v < 0 || v > (int64_t)UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Puts |elem| (|size| bytes, its first member the uint32_t id) into |base|, an array of *pn
 * elements in ascending id order.  An element with the same id is replaced, the old one copied to
 * |old| when that is not NULL; otherwise |elem| is inserted in order unless *pn is already |max|.
 * Returns 0 when inserted, 1 when replaced, ZT_ERR_RANGE when full. */
int zt__ctl_sorted_put(void *base, size_t *pn, size_t max, size_t size, const void *elem, void *old)
{
    unsigned char *a = base;
    uint32_t id, cur = 0;
    size_t k;

    memcpy(&id, elem, sizeof(id));
    for (k = 0; k < *pn; k++) {
        memcpy(&cur, a + k * size, sizeof(cur));
        if (cur >= id)
            break;
    }
    if (k < *pn && cur == id) {
        if (old != NULL)
            memcpy(old, a + k * size, size);
        memcpy(a + k * size, elem, size);
        return 1;
    }
    if (*pn == max)
        return ZT_ERR_RANGE;
    memmove(a + (k + 1) * size, a + k * size, (*pn - k) * size);
    memcpy(a + k * size, elem, size);
    (*pn)++;
    return 0;
}

/* The compact JSON text of |j| into *ptext if it takes at most |max| bytes.  Returns 0,
 * ZT_ERR_NOMEM, or ZT_ERR_RANGE (too long: *ptext untouched). */
int zt__ctl_dump_max(const json_t *j, size_t max, char **ptext)
{
    char *text = json_dumps(j, ZT_CTL_DUMP_FLAGS);

    if (text == NULL)
        return ZT_ERR_NOMEM;
    if (strlen(text) > max) {
        free(text);
        return ZT_ERR_RANGE;
    }
    *ptext = text;
    return 0;
}

/* Keys of a stored record that are neither known nor dropped, as compact JSON text. */
int zt__ctl_collect_extra(const zt_ctl_pctx *c, const json_t *j, const char *const *known,
                          size_t nknown, const char *const *dropped, size_t ndropped, char **pextra)
{
    json_t *extra = NULL, *v;
    const char *key;
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
    rv = zt__ctl_dump_max(extra, ZT_CTL_EXTRA_MAX, pextra);
    if (rv == ZT_ERR_RANGE)
        zt__err_set(c->err, c->errlen, "unknown keys take more than %d bytes",
                        ZT_CTL_EXTRA_MAX);
out:
    json_decref(extra);
    return rv;
}

uint64_t zt__ctl_nonneg(int64_t v)
{
    return v < 0 ? 0 : (uint64_t)v;
}

/* ---- rendering ------------------------------------------------------------------------------- */

/* Sticky-error setter: a NULL value or a failed insert marks *prv as NOMEM. */
void zt__ctl_put(json_t *o, const char *key, json_t *v, int *prv)
{
    if (v == NULL || json_object_set_new(o, key, v) != 0)
        *prv = ZT_ERR_NOMEM;
}

void zt__ctl_append(json_t *a, json_t *v, int *prv)
{
    if (v == NULL || json_array_append_new(a, v) != 0)
        *prv = ZT_ERR_NOMEM;
}

json_t *zt__ctl_extra_base(const char *extra, int *prv)
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

/* ---- text forms ------------------------------------------------------------------------------ */

int zt__ctl_dump(json_t *j, char **ptext)
{
    char *text = json_dumps(j, ZT_CTL_DUMP_FLAGS);

    json_decref(j);
    if (text == NULL)
        return ZT_ERR_NOMEM;
    *ptext = text;
    return 0;
}

json_t *zt__ctl_load_text(const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL)
        zt__err_set(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line,
                        jerr.column, jerr.text);
    return j;
}

/* Compare the canonical texts with `revision` taken out. */
bool zt__ctl_same_json(json_t *a, json_t *b)
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
