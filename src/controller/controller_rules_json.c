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

static const struct {
    const char *name;
    uint8_t type;
} rule_names[] = {
    {"ACTION_DROP", ZT_RULE_ACTION_DROP},
    {"ACTION_ACCEPT", ZT_RULE_ACTION_ACCEPT},
    {"ACTION_TEE", ZT_RULE_ACTION_TEE},
    {"ACTION_WATCH", ZT_RULE_ACTION_WATCH},
    {"ACTION_REDIRECT", ZT_RULE_ACTION_REDIRECT},
    {"ACTION_BREAK", ZT_RULE_ACTION_BREAK},
    {"MATCH_SOURCE_ZEROTIER_ADDRESS", ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS},
    {"MATCH_DEST_ZEROTIER_ADDRESS", ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS},
    {"MATCH_VLAN_ID", ZT_RULE_MATCH_VLAN_ID},
    {"MATCH_VLAN_PCP", ZT_RULE_MATCH_VLAN_PCP},
    {"MATCH_VLAN_DEI", ZT_RULE_MATCH_VLAN_DEI},
    {"MATCH_MAC_SOURCE", ZT_RULE_MATCH_MAC_SOURCE},
    {"MATCH_MAC_DEST", ZT_RULE_MATCH_MAC_DEST},
    {"MATCH_IPV4_SOURCE", ZT_RULE_MATCH_IPV4_SOURCE},
    {"MATCH_IPV4_DEST", ZT_RULE_MATCH_IPV4_DEST},
    {"MATCH_IPV6_SOURCE", ZT_RULE_MATCH_IPV6_SOURCE},
    {"MATCH_IPV6_DEST", ZT_RULE_MATCH_IPV6_DEST},
    {"MATCH_IP_TOS", ZT_RULE_MATCH_IP_TOS},
    {"MATCH_IP_PROTOCOL", ZT_RULE_MATCH_IP_PROTOCOL},
    {"MATCH_ETHERTYPE", ZT_RULE_MATCH_ETHERTYPE},
    {"MATCH_ICMP", ZT_RULE_MATCH_ICMP},
    {"MATCH_IP_SOURCE_PORT_RANGE", ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE},
    {"MATCH_IP_DEST_PORT_RANGE", ZT_RULE_MATCH_IP_DEST_PORT_RANGE},
    {"MATCH_CHARACTERISTICS", ZT_RULE_MATCH_CHARACTERISTICS},
    {"MATCH_FRAME_SIZE_RANGE", ZT_RULE_MATCH_FRAME_SIZE_RANGE},
    {"MATCH_RANDOM", ZT_RULE_MATCH_RANDOM},
    {"MATCH_TAGS_DIFFERENCE", ZT_RULE_MATCH_TAGS_DIFFERENCE},
    {"MATCH_TAGS_BITWISE_AND", ZT_RULE_MATCH_TAGS_BITWISE_AND},
    {"MATCH_TAGS_BITWISE_OR", ZT_RULE_MATCH_TAGS_BITWISE_OR},
    {"MATCH_TAGS_BITWISE_XOR", ZT_RULE_MATCH_TAGS_BITWISE_XOR},
    {"MATCH_TAGS_EQUAL", ZT_RULE_MATCH_TAGS_EQUAL},
    {"MATCH_TAG_SENDER", ZT_RULE_MATCH_TAG_SENDER},
    {"MATCH_TAG_RECEIVER", ZT_RULE_MATCH_TAG_RECEIVER},
    {"MATCH_INTEGER_RANGE", ZT_RULE_MATCH_INTEGER_RANGE},
    {"INTEGER_RANGE", ZT_RULE_MATCH_INTEGER_RANGE}, /* the spelling §5.6 lists */
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hex digits of |s| (at most 16 counted; other characters skipped when |skip_other|, else
 * they end the number).  Returns 0 or ZT_ERR_INVAL when there is no digit or more than 16. */
static int parse_hex(const char *s, bool skip_other, uint64_t *out)
{
    uint64_t v = 0;
    unsigned n = 0;
    int d;

    for (; *s != '\0'; s++) {
        d = hexval(*s);
        if (d < 0) {
            if (skip_other)
                continue;
            break;
        }
        if (++n > 16)
            return ZT_ERR_INVAL;
        v = v << 4 | (uint64_t)d;
    }
    if (n == 0)
        return ZT_ERR_INVAL;
    *out = v;
    return 0;
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

int zt__controller_rule_from_json(const json_t *j, zt_rule *out)
{
    const json_t *tj;
    const char *name;
    zt_rule r;
    size_t i;
    unsigned type;
    uint64_t u;

    if (!json_is_object(j))
        return ZT_ERR_INVAL;
    tj = json_object_get(j, "type");
    if (!json_is_string(tj))
        return ZT_ERR_INVAL;
    name = json_string_value(tj);
    memset(&r, 0, sizeof(r));
    for (i = 0; i < sizeof(rule_names) / sizeof(rule_names[0]); i++) {
        if (strcmp(rule_names[i].name, name) == 0)
            break;
    }
    if (i == sizeof(rule_names) / sizeof(rule_names[0]))
        return ZT_ERR_INVAL; /* unknown type: skipped (§3.7) */
    type = rule_names[i].type;
    r.t = (uint8_t)type;
    /* NOT/OR only mean something on matches; actions are written without them (§5.6). */
    if (type > ZT_RULE_ACTION_MAX_ID) {
        if (zt__ctl_json_bool(json_object_get(j, "not"), false))
            r.t |= ZT_RULE_NOT;
        if (zt__ctl_json_bool(json_object_get(j, "or"), false))
            r.t |= ZT_RULE_OR;
    }

    switch (type) {
    case ZT_RULE_ACTION_DROP:
    case ZT_RULE_ACTION_ACCEPT:
    case ZT_RULE_ACTION_BREAK:
        break;
    case ZT_RULE_ACTION_TEE:
    case ZT_RULE_ACTION_WATCH:
    case ZT_RULE_ACTION_REDIRECT:
        if (field_address(j, "address", &r.v.fwd.address) != 0)
            return ZT_ERR_INVAL;
        r.v.fwd.flags = (uint32_t)field_uint(j, "flags", 0);
        if (type != ZT_RULE_ACTION_REDIRECT)
            r.v.fwd.length = (uint16_t)field_uint(j, "length", 0);
        break;
    case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
    case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
        if (field_address(j, "zt", &r.v.zt) != 0)
            return ZT_ERR_INVAL;
        break;
    case ZT_RULE_MATCH_VLAN_ID:
        r.v.vlan_id = (uint16_t)field_uint(j, "vlanId", 0);
        break;
    case ZT_RULE_MATCH_VLAN_PCP:
        r.v.vlan_pcp = (uint8_t)field_uint(j, "vlanPcp", 0);
        break;
    case ZT_RULE_MATCH_VLAN_DEI:
        r.v.vlan_dei = (uint8_t)field_uint(j, "vlanDei", 0);
        break;
    case ZT_RULE_MATCH_MAC_SOURCE:
    case ZT_RULE_MATCH_MAC_DEST: {
        const json_t *m = json_object_get(j, "mac");
        /* any separators on input (§5.6) */
        if (!json_is_string(m) || parse_hex(json_string_value(m), true, &u) != 0)
            return ZT_ERR_INVAL;
        r.v.mac = u & 0xffffffffffffULL;
        break;
    }
    case ZT_RULE_MATCH_IPV4_SOURCE:
    case ZT_RULE_MATCH_IPV4_DEST:
        if (field_ip(j, 4, r.v.ipv4.ip, &r.v.ipv4.bits) != 0)
            return ZT_ERR_INVAL;
        break;
    case ZT_RULE_MATCH_IPV6_SOURCE:
    case ZT_RULE_MATCH_IPV6_DEST:
        if (field_ip(j, 6, r.v.ipv6.ip, &r.v.ipv6.bits) != 0)
            return ZT_ERR_INVAL;
        break;
    case ZT_RULE_MATCH_IP_TOS:
        r.v.tos.mask = (uint8_t)field_uint(j, "mask", 0);
        r.v.tos.low = (uint8_t)field_uint(j, "start", 0);
        r.v.tos.high = (uint8_t)field_uint(j, "end", r.v.tos.low);
        break;
    case ZT_RULE_MATCH_IP_PROTOCOL:
        r.v.ip_protocol = (uint8_t)field_uint(j, "ipProtocol", 0);
        break;
    case ZT_RULE_MATCH_ETHERTYPE:
        r.v.ethertype = (uint16_t)field_uint(j, "etherType", 0);
        break;
    case ZT_RULE_MATCH_ICMP: {
        const json_t *code = json_object_get(j, "icmpCode");
        r.v.icmp.type = (uint8_t)field_uint(j, "icmpType", 0);
        if (code != NULL && !json_is_null(code)) {
            r.v.icmp.code = (uint8_t)zt__ctl_json_int(code, 0);
            r.v.icmp.flags = 0x01;
        }
        break;
    }
    case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
    case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
    case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
        r.v.range.low = (uint16_t)field_uint(j, "start", 0);
        r.v.range.high = (uint16_t)field_uint(j, "end", r.v.range.low);
        break;
    case ZT_RULE_MATCH_CHARACTERISTICS:
        if (field_hex_or_number(j, "mask", &r.v.characteristics) != 0)
            return ZT_ERR_INVAL;
        break;
    case ZT_RULE_MATCH_RANDOM:
        r.v.probability = (uint32_t)field_uint(j, "probability", 0);
        break;
    case ZT_RULE_MATCH_TAGS_DIFFERENCE:
    case ZT_RULE_MATCH_TAGS_BITWISE_AND:
    case ZT_RULE_MATCH_TAGS_BITWISE_OR:
    case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
    case ZT_RULE_MATCH_TAGS_EQUAL:
    case ZT_RULE_MATCH_TAG_SENDER:
    case ZT_RULE_MATCH_TAG_RECEIVER:
        r.v.tag.id = (uint32_t)field_uint(j, "id", 0);
        r.v.tag.value = (uint32_t)field_uint(j, "value", 0);
        break;
    case ZT_RULE_MATCH_INTEGER_RANGE: {
        uint64_t bits = field_uint(j, "bits", 0);
        if (bits < 1 || bits > 64)
            return ZT_ERR_INVAL;
        if (field_hex_or_number(j, "start", &r.v.int_range.start) != 0 ||
            field_hex_or_number(j, "end", &r.v.int_range.end) != 0)
            return ZT_ERR_INVAL;
        r.v.int_range.idx = (uint16_t)field_uint(j, "idx", 0);
        /* vl2.md §6.2: bits = (format & 63) + 1, bit 7 = little-endian */
        r.v.int_range.format = (uint8_t)((bits - 1) & 63);
        if (zt__ctl_json_bool(json_object_get(j, "little"), false))
            r.v.int_range.format |= 0x80;
        break;
    }
    default:
        return ZT_ERR_INVAL;
    }
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
