/*
 * rules.c: the binary rules table (vl2.md §6.1).  One table describes every rule type (its
 * JSON name and value kind) and one more every kind's wire layout; the reader, the writer, the
 * evaluator and the controller's JSON form all work from them.
 */
#include "codec/rules.h"

#include <string.h>

static const zt_rule_info rule_types[ZT_RULE_TYPE_MASK + 1] = {
    [ZT_RULE_ACTION_DROP] = {"ACTION_DROP", ZT_RULE_KIND_NONE},
    [ZT_RULE_ACTION_ACCEPT] = {"ACTION_ACCEPT", ZT_RULE_KIND_NONE},
    [ZT_RULE_ACTION_TEE] = {"ACTION_TEE", ZT_RULE_KIND_FWD},
    [ZT_RULE_ACTION_WATCH] = {"ACTION_WATCH", ZT_RULE_KIND_FWD},
    [ZT_RULE_ACTION_REDIRECT] = {"ACTION_REDIRECT", ZT_RULE_KIND_FWD},
    [ZT_RULE_ACTION_BREAK] = {"ACTION_BREAK", ZT_RULE_KIND_NONE},
    /* PRIORITY: no JSON name, and its bucket is not serialized (§11 quirk 4) */
    [ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS] = {"MATCH_SOURCE_ZEROTIER_ADDRESS", ZT_RULE_KIND_ZT},
    [ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS] = {"MATCH_DEST_ZEROTIER_ADDRESS", ZT_RULE_KIND_ZT},
    [ZT_RULE_MATCH_VLAN_ID] = {"MATCH_VLAN_ID", ZT_RULE_KIND_VLAN_ID},
    [ZT_RULE_MATCH_VLAN_PCP] = {"MATCH_VLAN_PCP", ZT_RULE_KIND_VLAN_PCP},
    [ZT_RULE_MATCH_VLAN_DEI] = {"MATCH_VLAN_DEI", ZT_RULE_KIND_VLAN_DEI},
    [ZT_RULE_MATCH_MAC_SOURCE] = {"MATCH_MAC_SOURCE", ZT_RULE_KIND_MAC},
    [ZT_RULE_MATCH_MAC_DEST] = {"MATCH_MAC_DEST", ZT_RULE_KIND_MAC},
    [ZT_RULE_MATCH_IPV4_SOURCE] = {"MATCH_IPV4_SOURCE", ZT_RULE_KIND_IPV4},
    [ZT_RULE_MATCH_IPV4_DEST] = {"MATCH_IPV4_DEST", ZT_RULE_KIND_IPV4},
    [ZT_RULE_MATCH_IPV6_SOURCE] = {"MATCH_IPV6_SOURCE", ZT_RULE_KIND_IPV6},
    [ZT_RULE_MATCH_IPV6_DEST] = {"MATCH_IPV6_DEST", ZT_RULE_KIND_IPV6},
    [ZT_RULE_MATCH_IP_TOS] = {"MATCH_IP_TOS", ZT_RULE_KIND_TOS},
    [ZT_RULE_MATCH_IP_PROTOCOL] = {"MATCH_IP_PROTOCOL", ZT_RULE_KIND_IP_PROTOCOL},
    [ZT_RULE_MATCH_ETHERTYPE] = {"MATCH_ETHERTYPE", ZT_RULE_KIND_ETHERTYPE},
    [ZT_RULE_MATCH_ICMP] = {"MATCH_ICMP", ZT_RULE_KIND_ICMP},
    [ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE] = {"MATCH_IP_SOURCE_PORT_RANGE", ZT_RULE_KIND_RANGE},
    [ZT_RULE_MATCH_IP_DEST_PORT_RANGE] = {"MATCH_IP_DEST_PORT_RANGE", ZT_RULE_KIND_RANGE},
    [ZT_RULE_MATCH_CHARACTERISTICS] = {"MATCH_CHARACTERISTICS", ZT_RULE_KIND_CHARACTERISTICS},
    [ZT_RULE_MATCH_FRAME_SIZE_RANGE] = {"MATCH_FRAME_SIZE_RANGE", ZT_RULE_KIND_RANGE},
    [ZT_RULE_MATCH_RANDOM] = {"MATCH_RANDOM", ZT_RULE_KIND_RANDOM},
    [ZT_RULE_MATCH_TAGS_DIFFERENCE] = {"MATCH_TAGS_DIFFERENCE", ZT_RULE_KIND_TAG},
    [ZT_RULE_MATCH_TAGS_BITWISE_AND] = {"MATCH_TAGS_BITWISE_AND", ZT_RULE_KIND_TAG},
    [ZT_RULE_MATCH_TAGS_BITWISE_OR] = {"MATCH_TAGS_BITWISE_OR", ZT_RULE_KIND_TAG},
    [ZT_RULE_MATCH_TAGS_BITWISE_XOR] = {"MATCH_TAGS_BITWISE_XOR", ZT_RULE_KIND_TAG},
    [ZT_RULE_MATCH_TAGS_EQUAL] = {"MATCH_TAGS_EQUAL", ZT_RULE_KIND_TAG},
    [ZT_RULE_MATCH_TAG_SENDER] = {"MATCH_TAG_SENDER", ZT_RULE_KIND_TAG},
    [ZT_RULE_MATCH_TAG_RECEIVER] = {"MATCH_TAG_RECEIVER", ZT_RULE_KIND_TAG},
    [ZT_RULE_MATCH_INTEGER_RANGE] = {"MATCH_INTEGER_RANGE", ZT_RULE_KIND_INT_RANGE},
};

/* One piece of a value: |wire| big-endian bytes on the wire, in order, to or from the member of
 * zt_rule at |off|: an unsigned integer of |size| bytes, or (|size| 0) |wire| raw bytes. */
typedef struct {
    uint8_t off, size, wire;
} value_field;

/* A kind's value: its fields in wire order, ended by the first with |wire| 0. */
typedef struct {
    value_field f[4];
} value_layout;

#define INT_FIELD(member, wire)                                                                   \
    {(uint8_t)offsetof(zt_rule, v.member), (uint8_t)sizeof(((zt_rule *)0)->v.member), wire}
#define BYTES_FIELD(member)                                                                       \
    {(uint8_t)offsetof(zt_rule, v.member), 0, (uint8_t)sizeof(((zt_rule *)0)->v.member)}

_Static_assert(sizeof(zt_rule) <= UINT8_MAX, "value_field offsets are bytes");

/* vl2.md §6.1's value column, kind by kind. */
static const value_layout layouts[ZT_RULE_KIND_COUNT] = {
    [ZT_RULE_KIND_FWD] = {{INT_FIELD(fwd.address, 8), INT_FIELD(fwd.flags, 4),
                           INT_FIELD(fwd.length, 2)}},
    [ZT_RULE_KIND_ZT] = {{INT_FIELD(zt, 5)}},
    [ZT_RULE_KIND_VLAN_ID] = {{INT_FIELD(vlan_id, 2)}},
    [ZT_RULE_KIND_VLAN_PCP] = {{INT_FIELD(vlan_pcp, 1)}},
    [ZT_RULE_KIND_VLAN_DEI] = {{INT_FIELD(vlan_dei, 1)}},
    [ZT_RULE_KIND_MAC] = {{INT_FIELD(mac, 6)}},
    [ZT_RULE_KIND_IPV4] = {{BYTES_FIELD(ipv4.ip), INT_FIELD(ipv4.bits, 1)}},
    [ZT_RULE_KIND_IPV6] = {{BYTES_FIELD(ipv6.ip), INT_FIELD(ipv6.bits, 1)}},
    [ZT_RULE_KIND_TOS] = {{INT_FIELD(tos.mask, 1), INT_FIELD(tos.low, 1), INT_FIELD(tos.high, 1)}},
    [ZT_RULE_KIND_IP_PROTOCOL] = {{INT_FIELD(ip_protocol, 1)}},
    [ZT_RULE_KIND_ETHERTYPE] = {{INT_FIELD(ethertype, 2)}},
    [ZT_RULE_KIND_ICMP] = {{INT_FIELD(icmp.type, 1), INT_FIELD(icmp.code, 1),
                            INT_FIELD(icmp.flags, 1)}},
    [ZT_RULE_KIND_RANGE] = {{INT_FIELD(range.low, 2), INT_FIELD(range.high, 2)}},
    [ZT_RULE_KIND_CHARACTERISTICS] = {{INT_FIELD(characteristics, 8)}},
    [ZT_RULE_KIND_RANDOM] = {{INT_FIELD(probability, 4)}},
    [ZT_RULE_KIND_TAG] = {{INT_FIELD(tag.id, 4), INT_FIELD(tag.value, 4)}},
    [ZT_RULE_KIND_INT_RANGE] = {{INT_FIELD(int_range.start, 8), INT_FIELD(int_range.end, 8),
                                 INT_FIELD(int_range.idx, 2), INT_FIELD(int_range.format, 1)}},
};

#define ZT_RULE_VALUE_MAX 19 /* INTEGER_RANGE, the longest value */

const zt_rule_info *zt__rule_info(unsigned type)
{
    return &rule_types[type & ZT_RULE_TYPE_MASK];
}

int zt__rule_type_by_name(const char *name)
{
    for (int t = 0; t <= (int)ZT_RULE_TYPE_MASK; t++) {
        if (rule_types[t].name != NULL && strcmp(rule_types[t].name, name) == 0)
            return t;
    }
    return -1;
}

static const value_layout *layout_of(unsigned type)
{
    return &layouts[zt__rule_info(type)->kind];
}

size_t zt__rule_value_len(unsigned type)
{
    const value_layout *l = layout_of(type);
    size_t len = 0;

    for (size_t i = 0; i < 4 && l->f[i].wire != 0; i++)
        len += l->f[i].wire;
    return len;
}

/* The integer member of |size| bytes at |at| (through memcpy: |at| is inside a union). */
static uint64_t member_get(const uint8_t *at, size_t size)
{
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;

    switch (size) {
    case 1:
        memcpy(&u8, at, 1);
        return u8;
    case 2:
        memcpy(&u16, at, 2);
        return u16;
    case 4:
        memcpy(&u32, at, 4);
        return u32;
    default:
        memcpy(&u64, at, 8);
        return u64;
    }
}

/* Stores the low |size| bytes' worth of |x| into the integer member at |at|. */
static void member_set(uint8_t *at, size_t size, uint64_t x)
{
    uint8_t u8 = (uint8_t)x;
    uint16_t u16 = (uint16_t)x;
    uint32_t u32 = (uint32_t)x;

    switch (size) {
    case 1:
        memcpy(at, &u8, 1);
        break;
    case 2:
        memcpy(at, &u16, 2);
        break;
    case 4:
        memcpy(at, &u32, 4);
        break;
    default:
        memcpy(at, &x, 8);
        break;
    }
}

/* Field |i| of |r|'s layout when it is an integer field, else NULL. */
static const value_field *int_field(const zt_rule *r, size_t i)
{
    const value_field *f = i < 4 ? &layout_of(r->t)->f[i] : NULL;

    return f != NULL && f->wire != 0 && f->size != 0 ? f : NULL;
}

uint64_t zt__rule_field_get(const zt_rule *r, size_t i)
{
    const value_field *f = int_field(r, i);

    return f != NULL ? member_get((const uint8_t *)r + f->off, f->size) : 0;
}

void zt__rule_field_set(zt_rule *r, size_t i, uint64_t x)
{
    const value_field *f = int_field(r, i);

    if (f != NULL)
        member_set((uint8_t *)r + f->off, f->size, x);
}

/* Decodes a value of a known type from |v| (at least zt__rule_value_len(type) bytes). */
static void decode_value(zt_rule *rule, const uint8_t *v)
{
    const value_layout *l = layout_of(rule->t);
    uint8_t *base = (uint8_t *)rule;

    for (size_t i = 0; i < 4 && l->f[i].wire != 0; i++) {
        const value_field *f = &l->f[i];
        if (f->size == 0)
            memcpy(base + f->off, v, f->wire);
        else
            member_set(base + f->off, f->size, zt__load_be(v, f->wire));
        v += f->wire;
    }
}

/* Encodes |rule|'s value into |v| (room for ZT_RULE_VALUE_MAX bytes); returns its length. */
static size_t encode_value(const zt_rule *rule, uint8_t *v)
{
    const value_layout *l = layout_of(rule->t);
    const uint8_t *base = (const uint8_t *)rule;
    size_t len = 0;

    for (size_t i = 0; i < 4 && l->f[i].wire != 0; i++) {
        const value_field *f = &l->f[i];
        if (f->size == 0)
            memcpy(v + len, base + f->off, f->wire);
        else
            zt__store_be(v + len, member_get(base + f->off, f->size), f->wire);
        len += f->wire;
    }
    return len;
}

int zt__rule_read(zt_rd *r, zt_rule *rule)
{
    uint8_t t, len;
    const uint8_t *v;
    zt_rule out;
    int rv;

    if ((rv = zt__rd_u8(r, &t)) != 0 || (rv = zt__rd_u8(r, &len)) != 0)
        return rv;
    if ((rv = zt__rd_ptr(r, &v, len)) != 0)
        return rv;
    memset(&out, 0, sizeof(out));
    out.t = t;
    /* The length always says where the next entry starts (§6.1); a known type whose length is
     * too short to hold its value is malformed. */
    if (len < zt__rule_value_len(t))
        return ZT_ERR_DROP;
    decode_value(&out, v);
    *rule = out;
    return 0;
}

void zt__rule_write(zt_wr *w, const zt_rule *rule)
{
    uint8_t v[ZT_RULE_VALUE_MAX];
    size_t len = encode_value(rule, v);

    zt__wr_u8(w, rule->t);
    zt__wr_u8(w, (uint8_t)len);
    zt__wr_bytes(w, v, len);
}

int zt__rules_read_all(zt_rd *r, zt_rule *rules, size_t cap, size_t *count)
{
    size_t n = 0;

    while (n < cap && zt__rd_left(r) > 0) {
        int rv = zt__rule_read(r, &rules[n]);
        if (rv != 0)
            return rv;
        n++;
    }
    *count = n;
    return 0;
}

int zt__rules_read_n(zt_rd *r, zt_rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rv = zt__rule_read(r, &rules[i]);
        if (rv != 0)
            return rv;
    }
    return 0;
}

void zt__rules_write(zt_wr *w, const zt_rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zt__rule_write(w, &rules[i]);
}
