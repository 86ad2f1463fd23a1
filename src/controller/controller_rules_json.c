/*
 * Rules in their JSON form (controller.md §5.6) to the binary rules table (vl2.md §6.1),
 * as the controller needs them when it builds a config (§3.7, §3.8).
 *
 * Leniency follows 1.14.1's parser where it is harmless: a missing numeric field reads as 0,
 * a missing `end` of a range as its `start`.  Where 1.14.1's leniency would widen a rule
 * (an unparseable `ip` silently becoming 0.0.0.0/0, a match-everything), the rule is refused
 * instead and so skipped.  INTEGER_RANGE is accepted (quirk Q3 fixed).
 */
#include "controller/controller_internal.h"

#include <string.h>

#include "util/errors.h"
#include "util/hex.h"

/* Hex digits of |s| (at most 16; other characters skipped when |skip_other|, else they end
 * the number).  Returns 0 or ZT_ERR_INVAL when there is no digit or more than 16. */
static int parse_hex(const char *s, bool skip_other, uint64_t *out)
{
    char digits[17];
    size_t n = 0;

    for (; *s != '\0' && n < sizeof(digits); s++) {
        if (zt__hex_digit(*s) >= 0)
            digits[n++] = *s;
        else if (!skip_other)
            break;
    }
    return zt__hex_u64(digits, n, out); /* 0 or 17 digits: ZT_ERR_INVAL */
}

/* A field "as integer" (§5.7), missing = |dflt|. */
static uint64_t field_uint(const json_t *j, const char *key, uint64_t dflt)
{
    const json_t *v = json_object_get(j, key);
    if (v == NULL || json_is_null(v))
        return dflt;
    return (uint64_t)zt__ctl_json_int(v, (int64_t)dflt);
}

/* A 40-bit address given as a hex string (or, leniently, a number). */
static int field_address(const json_t *j, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(j, key);
    uint64_t a;

    if (json_is_string(v)) {
        if (parse_hex(json_string_value(v), false, &a) != 0)
            return ZT_ERR_INVAL;
    } else if (json_is_integer(v)) {
        a = (uint64_t)json_integer_value(v);
    } else {
        return ZT_ERR_INVAL;
    }
    *out = a & 0xffffffffffULL;
    return 0;
}

/* A number or a hex string (MATCH_CHARACTERISTICS mask, INTEGER_RANGE bounds). */
static int field_hex_or_number(const json_t *j, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(j, key);

    if (v == NULL || json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (json_is_string(v))
        return parse_hex(json_string_value(v), false, out);
    if (json_is_integer(v)) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    return ZT_ERR_INVAL;
}

/* `ip`: "addr/bits" of |family|, bits capped at 32/128; no "/bits" means 0 bits, as 1.14.1
 * reads it. */
static int field_ip(const json_t *j, int family, uint8_t *ip, uint8_t *bits)
{
    const json_t *v = json_object_get(j, "ip");
    const char *s, *slash;
    unsigned long b = 0;
    unsigned maxb = family == 4 ? 32 : 128;
    zt_ctl_ip a;
    size_t alen;

    if (!json_is_string(v))
        return ZT_ERR_INVAL;
    s = json_string_value(v);
    slash = strchr(s, '/');
    alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (zt__ctl_ip_parse(&a, s, alen, false) != 0 || a.family != family)
        return ZT_ERR_INVAL;
    if (slash != NULL) {
        const char *p = slash + 1;
        if (*p == '\0')
            return ZT_ERR_INVAL;
        for (; *p != '\0'; p++) {
            if (*p < '0' || *p > '9')
                return ZT_ERR_INVAL;
            if (b < 1000)
                b = b * 10 + (unsigned long)(*p - '0');
        }
    }
    if (b > maxb)
        b = maxb;
    memcpy(ip, a.ip, family == 4 ? 4 : 16);
    *bits = (uint8_t)b;
    return 0;
}

/* MATCH_MAC_*: a hex string with any separators (§5.6). */
static int mac_from_json(const json_t *j, uint64_t *mac)
{
    const json_t *m = json_object_get(j, "mac");
    uint64_t u;

    if (!json_is_string(m) || parse_hex(json_string_value(m), true, &u) != 0)
        return ZT_ERR_INVAL;
    *mac = u & 0xffffffffffffULL;
    return 0;
}

/* MATCH_ICMP: the code takes part only when given. */
static void icmp_from_json(const json_t *j, zt_rule *r)
{
    const json_t *code = json_object_get(j, "icmpCode");

    r->v.icmp.type = (uint8_t)field_uint(j, "icmpType", 0);
    if (code != NULL && !json_is_null(code)) {
        r->v.icmp.code = (uint8_t)zt__ctl_json_int(code, 0);
        r->v.icmp.flags = 0x01;
    }
}

static int int_range_from_json(const json_t *j, zt_rule *r)
{
    uint64_t bits = field_uint(j, "bits", 0);

    if (bits < 1 || bits > 64)
        return ZT_ERR_INVAL;
    if (field_hex_or_number(j, "start", &r->v.int_range.start) != 0 ||
        field_hex_or_number(j, "end", &r->v.int_range.end) != 0)
        return ZT_ERR_INVAL;
    r->v.int_range.idx = (uint16_t)field_uint(j, "idx", 0);
    /* vl2.md §6.2: bits = (format & 63) + 1, bit 7 = little-endian */
    r->v.int_range.format = (uint8_t)((bits - 1) & 63);
    if (zt__ctl_json_bool(json_object_get(j, "little"), false))
        r->v.int_range.format |= 0x80;
    return 0;
}

/* The kinds whose value is JSON integers only: their keys, in the order of the value's fields
 * on the wire (vl2.md §6.1).  A missing "end" is the "start" before it (as 1.14.1 reads it). */
static const struct {
    zt_rule_kind kind;
    const char *keys[3];
} int_kinds[] = {
    {ZT_RULE_KIND_VLAN_ID, {"vlanId"}},
    {ZT_RULE_KIND_VLAN_PCP, {"vlanPcp"}},
    {ZT_RULE_KIND_VLAN_DEI, {"vlanDei"}},
    {ZT_RULE_KIND_TOS, {"mask", "start", "end"}},
    {ZT_RULE_KIND_IP_PROTOCOL, {"ipProtocol"}},
    {ZT_RULE_KIND_ETHERTYPE, {"etherType"}},
    {ZT_RULE_KIND_RANGE, {"start", "end"}},
    {ZT_RULE_KIND_RANDOM, {"probability"}},
    {ZT_RULE_KIND_TAG, {"id", "value"}},
};

/* Fills |r|'s value from the keys int_kinds lists for its kind; false for another kind. */
static bool ints_from_json(const json_t *j, zt_rule *r)
{
    zt_rule_kind kind = zt__rule_info(r->t)->kind;

    for (size_t k = 0; k < sizeof(int_kinds) / sizeof(int_kinds[0]); k++) {
        if (int_kinds[k].kind != kind)
            continue;
        for (size_t i = 0; i < 3 && int_kinds[k].keys[i] != NULL; i++) {
            const char *key = int_kinds[k].keys[i];
            uint64_t dflt = strcmp(key, "end") == 0 ? zt__rule_field_get(r, i - 1) : 0;
            zt__rule_field_set(r, i, field_uint(j, key, dflt));
        }
        return true;
    }
    return false;
}

/* The value of the rule |r| (its type set) from its JSON object |j| (§5.6). */
static int value_from_json(const json_t *j, zt_rule *r)
{
    switch (zt__rule_info(r->t)->kind) {
    case ZT_RULE_KIND_NONE:
        return 0;
    case ZT_RULE_KIND_FWD:
        if (field_address(j, "address", &r->v.fwd.address) != 0)
            return ZT_ERR_INVAL;
        r->v.fwd.flags = (uint32_t)field_uint(j, "flags", 0);
        if (zt__rule_type(r) != ZT_RULE_ACTION_REDIRECT)
            r->v.fwd.length = (uint16_t)field_uint(j, "length", 0);
        return 0;
    case ZT_RULE_KIND_ZT:
        return field_address(j, "zt", &r->v.zt);
    case ZT_RULE_KIND_MAC:
        return mac_from_json(j, &r->v.mac);
    case ZT_RULE_KIND_IPV4:
        return field_ip(j, 4, r->v.ipv4.ip, &r->v.ipv4.bits);
    case ZT_RULE_KIND_IPV6:
        return field_ip(j, 6, r->v.ipv6.ip, &r->v.ipv6.bits);
    case ZT_RULE_KIND_ICMP:
        icmp_from_json(j, r);
        return 0;
    case ZT_RULE_KIND_CHARACTERISTICS:
        return field_hex_or_number(j, "mask", &r->v.characteristics);
    case ZT_RULE_KIND_INT_RANGE:
        return int_range_from_json(j, r);
    default:
        return ints_from_json(j, r) ? 0 : ZT_ERR_INVAL;
    }
}

int zt__controller_rule_from_json(const json_t *j, zt_rule *out)
{
    const json_t *tj;
    const char *name;
    zt_rule r;
    int type;

    if (!json_is_object(j))
        return ZT_ERR_INVAL;
    tj = json_object_get(j, "type");
    if (!json_is_string(tj))
        return ZT_ERR_INVAL;
    name = json_string_value(tj);
    if (strcmp(name, "INTEGER_RANGE") == 0)
        name = "MATCH_INTEGER_RANGE"; /* the spelling §5.6 lists */
    type = zt__rule_type_by_name(name);
    if (type < 0)
        return ZT_ERR_INVAL; /* unknown type: skipped (§3.7) */
    memset(&r, 0, sizeof(r));
    r.t = (uint8_t)type;
    /* NOT/OR only mean something on matches; actions are written without them (§5.6). */
    if (type > ZT_RULE_ACTION_MAX_ID) {
        if (zt__ctl_json_bool(json_object_get(j, "not"), false))
            r.t |= ZT_RULE_NOT;
        if (zt__ctl_json_bool(json_object_get(j, "or"), false))
            r.t |= ZT_RULE_OR;
    }
    if (value_from_json(j, &r) != 0)
        return ZT_ERR_INVAL;
    *out = r;
    return 0;
}

int zt__controller_rules_from_text(const char *text, zt_rule *rules, size_t cap, size_t *pcount)
{
    json_error_t e;
    json_t *arr;
    size_t i, n = 0;

    if (text == NULL || text[0] == '\0') {
        *pcount = 0;
        return 0;
    }
    arr = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return ZT_ERR_INVAL;
    }
    for (i = 0; i < json_array_size(arr) && n < cap; i++) {
        if (zt__controller_rule_from_json(json_array_get(arr, i), &rules[n]) == 0)
            n++;
    }
    json_decref(arr);
    *pcount = n;
    return 0;
}
