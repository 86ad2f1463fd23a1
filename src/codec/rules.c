/* rules.c: the binary rules table (vl2.md §6.1). */
#include "codec/rules.h"

#include <string.h>

size_t zt__rule_value_len(unsigned type)
{
    switch (type) {
    case ZT_RULE_ACTION_TEE:
    case ZT_RULE_ACTION_WATCH:
    case ZT_RULE_ACTION_REDIRECT:
        return 14;
    case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
    case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
        return 5;
    case ZT_RULE_MATCH_VLAN_ID:
        return 2;
    case ZT_RULE_MATCH_VLAN_PCP:
    case ZT_RULE_MATCH_VLAN_DEI:
        return 1;
    case ZT_RULE_MATCH_MAC_SOURCE:
    case ZT_RULE_MATCH_MAC_DEST:
        return 6;
    case ZT_RULE_MATCH_IPV4_SOURCE:
    case ZT_RULE_MATCH_IPV4_DEST:
        return 5;
    case ZT_RULE_MATCH_IPV6_SOURCE:
    case ZT_RULE_MATCH_IPV6_DEST:
        return 17;
    case ZT_RULE_MATCH_IP_TOS:
        return 3;
    case ZT_RULE_MATCH_IP_PROTOCOL:
        return 1;
    case ZT_RULE_MATCH_ETHERTYPE:
        return 2;
    case ZT_RULE_MATCH_ICMP:
        return 3;
    case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
    case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
        return 4;
    case ZT_RULE_MATCH_CHARACTERISTICS:
        return 8;
    case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
        return 4;
    case ZT_RULE_MATCH_RANDOM:
        return 4;
    case ZT_RULE_MATCH_TAGS_DIFFERENCE:
    case ZT_RULE_MATCH_TAGS_BITWISE_AND:
    case ZT_RULE_MATCH_TAGS_BITWISE_OR:
    case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
    case ZT_RULE_MATCH_TAGS_EQUAL:
    case ZT_RULE_MATCH_TAG_SENDER:
    case ZT_RULE_MATCH_TAG_RECEIVER:
        return 8;
    case ZT_RULE_MATCH_INTEGER_RANGE:
        return 19;
    default:
        /* DROP, ACCEPT, BREAK, PRIORITY (bucket not serialized, §11.4) and unknown types */
        return 0;
    }
}

/* Decodes a value of a known type from |v| (at least zt__rule_value_len(type) bytes). */
static void decode_value(zt_rule *rule, unsigned type, const uint8_t *v)
{
    switch (type) {
    case ZT_RULE_ACTION_TEE:
    case ZT_RULE_ACTION_WATCH:
    case ZT_RULE_ACTION_REDIRECT:
        rule->v.fwd.address = zt__load_be(v, 8);
        rule->v.fwd.flags = (uint32_t)zt__load_be(v + 8, 4);
        rule->v.fwd.length = (uint16_t)zt__load_be(v + 12, 2);
        break;
    case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
    case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
        rule->v.zt = zt__load_be(v, 5);
        break;
    case ZT_RULE_MATCH_VLAN_ID:
        rule->v.vlan_id = (uint16_t)zt__load_be(v, 2);
        break;
    case ZT_RULE_MATCH_VLAN_PCP:
        rule->v.vlan_pcp = v[0];
        break;
    case ZT_RULE_MATCH_VLAN_DEI:
        rule->v.vlan_dei = v[0];
        break;
    case ZT_RULE_MATCH_MAC_SOURCE:
    case ZT_RULE_MATCH_MAC_DEST:
        rule->v.mac = zt__load_be(v, 6);
        break;
    case ZT_RULE_MATCH_IPV4_SOURCE:
    case ZT_RULE_MATCH_IPV4_DEST:
        memcpy(rule->v.ipv4.ip, v, 4);
        rule->v.ipv4.bits = v[4];
        break;
    case ZT_RULE_MATCH_IPV6_SOURCE:
    case ZT_RULE_MATCH_IPV6_DEST:
        memcpy(rule->v.ipv6.ip, v, 16);
        rule->v.ipv6.bits = v[16];
        break;
    case ZT_RULE_MATCH_IP_TOS:
        rule->v.tos.mask = v[0];
        rule->v.tos.low = v[1];
        rule->v.tos.high = v[2];
        break;
    case ZT_RULE_MATCH_IP_PROTOCOL:
        rule->v.ip_protocol = v[0];
        break;
    case ZT_RULE_MATCH_ETHERTYPE:
        rule->v.ethertype = (uint16_t)zt__load_be(v, 2);
        break;
    case ZT_RULE_MATCH_ICMP:
        rule->v.icmp.type = v[0];
        rule->v.icmp.code = v[1];
        rule->v.icmp.flags = v[2];
        break;
    case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
    case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
    case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
        rule->v.range.low = (uint16_t)zt__load_be(v, 2);
        rule->v.range.high = (uint16_t)zt__load_be(v + 2, 2);
        break;
    case ZT_RULE_MATCH_CHARACTERISTICS:
        rule->v.characteristics = zt__load_be(v, 8);
        break;
    case ZT_RULE_MATCH_RANDOM:
        rule->v.probability = (uint32_t)zt__load_be(v, 4);
        break;
    case ZT_RULE_MATCH_TAGS_DIFFERENCE:
    case ZT_RULE_MATCH_TAGS_BITWISE_AND:
    case ZT_RULE_MATCH_TAGS_BITWISE_OR:
    case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
    case ZT_RULE_MATCH_TAGS_EQUAL:
    case ZT_RULE_MATCH_TAG_SENDER:
    case ZT_RULE_MATCH_TAG_RECEIVER:
        rule->v.tag.id = (uint32_t)zt__load_be(v, 4);
        rule->v.tag.value = (uint32_t)zt__load_be(v + 4, 4);
        break;
    case ZT_RULE_MATCH_INTEGER_RANGE:
        rule->v.int_range.start = zt__load_be(v, 8);
        rule->v.int_range.end = zt__load_be(v + 8, 8);
        rule->v.int_range.idx = (uint16_t)zt__load_be(v + 16, 2);
        rule->v.int_range.format = v[18];
        break;
    default:
        break;
    }
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
    if (len < zt__rule_value_len(t & ZT_RULE_TYPE_MASK))
        return ZT_ERR_DROP;
    decode_value(&out, t & ZT_RULE_TYPE_MASK, v);
    *rule = out;
    return 0;
}

void zt__rule_write(zt_wr *w, const zt_rule *rule)
{
    unsigned type = zt__rule_type(rule);
    uint8_t v[19];
    size_t len = zt__rule_value_len(type);

    memset(v, 0, sizeof(v));
    switch (type) {
    case ZT_RULE_ACTION_TEE:
    case ZT_RULE_ACTION_WATCH:
    case ZT_RULE_ACTION_REDIRECT:
        zt__store_be(v, rule->v.fwd.address, 8);
        zt__store_be(v + 8, rule->v.fwd.flags, 4);
        zt__store_be(v + 12, rule->v.fwd.length, 2);
        break;
    case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
    case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
        zt__store_be(v, rule->v.zt, 5);
        break;
    case ZT_RULE_MATCH_VLAN_ID:
        zt__store_be(v, rule->v.vlan_id, 2);
        break;
    case ZT_RULE_MATCH_VLAN_PCP:
        v[0] = rule->v.vlan_pcp;
        break;
    case ZT_RULE_MATCH_VLAN_DEI:
        v[0] = rule->v.vlan_dei;
        break;
    case ZT_RULE_MATCH_MAC_SOURCE:
    case ZT_RULE_MATCH_MAC_DEST:
        zt__store_be(v, rule->v.mac, 6);
        break;
    case ZT_RULE_MATCH_IPV4_SOURCE:
    case ZT_RULE_MATCH_IPV4_DEST:
        memcpy(v, rule->v.ipv4.ip, 4);
        v[4] = rule->v.ipv4.bits;
        break;
    case ZT_RULE_MATCH_IPV6_SOURCE:
    case ZT_RULE_MATCH_IPV6_DEST:
        memcpy(v, rule->v.ipv6.ip, 16);
        v[16] = rule->v.ipv6.bits;
        break;
    case ZT_RULE_MATCH_IP_TOS:
        v[0] = rule->v.tos.mask;
        v[1] = rule->v.tos.low;
        v[2] = rule->v.tos.high;
        break;
    case ZT_RULE_MATCH_IP_PROTOCOL:
        v[0] = rule->v.ip_protocol;
        break;
    case ZT_RULE_MATCH_ETHERTYPE:
        zt__store_be(v, rule->v.ethertype, 2);
        break;
    case ZT_RULE_MATCH_ICMP:
        v[0] = rule->v.icmp.type;
        v[1] = rule->v.icmp.code;
        v[2] = rule->v.icmp.flags;
        break;
    case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
    case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
    case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
        zt__store_be(v, rule->v.range.low, 2);
        zt__store_be(v + 2, rule->v.range.high, 2);
        break;
    case ZT_RULE_MATCH_CHARACTERISTICS:
        zt__store_be(v, rule->v.characteristics, 8);
        break;
    case ZT_RULE_MATCH_RANDOM:
        zt__store_be(v, rule->v.probability, 4);
        break;
    case ZT_RULE_MATCH_TAGS_DIFFERENCE:
    case ZT_RULE_MATCH_TAGS_BITWISE_AND:
    case ZT_RULE_MATCH_TAGS_BITWISE_OR:
    case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
    case ZT_RULE_MATCH_TAGS_EQUAL:
    case ZT_RULE_MATCH_TAG_SENDER:
    case ZT_RULE_MATCH_TAG_RECEIVER:
        zt__store_be(v, rule->v.tag.id, 4);
        zt__store_be(v + 4, rule->v.tag.value, 4);
        break;
    case ZT_RULE_MATCH_INTEGER_RANGE:
        zt__store_be(v, rule->v.int_range.start, 8);
        zt__store_be(v + 8, rule->v.int_range.end, 8);
        zt__store_be(v + 16, rule->v.int_range.idx, 2);
        v[18] = rule->v.int_range.format;
        break;
    default:
        break;
    }
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
