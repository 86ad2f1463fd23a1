/* Ad-hoc networks (vl2.md §1.2): the config a node makes for itself. */
#include "codec/adhoc.h"

#include <stdio.h>
#include <string.h>

#include "codec/ethernet.h"

bool zt__adhoc_is(uint64_t nwid)
{
    return (nwid >> 56) == 0xff;
}

static zt_rule rule(uint8_t t)
{
    zt_rule r;

    memset(&r, 0, sizeof(r));
    r.t = t;
    return r;
}

static zt_rule rule_proto(uint8_t t, uint8_t proto)
{
    zt_rule r = rule(t);
    r.v.ip_protocol = proto;
    return r;
}

static zt_rule rule_chars(uint8_t t, uint64_t bits)
{
    zt_rule r = rule(t);
    r.v.characteristics = bits;
    return r;
}

void zt__adhoc_rules(uint16_t first, uint16_t last, zt_rule out[ZT_ADHOC_RULES])
{
    size_t i = 0;

    /* Drop everything but IPv6. */
    out[i] = rule(ZT_RULE_NOT | ZT_RULE_MATCH_ETHERTYPE);
    out[i++].v.ethertype = ZT_ETHERTYPE_IPV6;
    out[i++] = rule(ZT_RULE_ACTION_DROP);
    /* ICMPv6 (neighbour discovery among it). */
    out[i++] = rule_proto(ZT_RULE_MATCH_IP_PROTOCOL, 58);
    out[i++] = rule(ZT_RULE_ACTION_ACCEPT);
    /* UDP or TCP to a port in the range. */
    out[i++] = rule_proto(ZT_RULE_MATCH_IP_PROTOCOL, 17);
    out[i++] = rule_proto(ZT_RULE_OR | ZT_RULE_MATCH_IP_PROTOCOL, 6);
    out[i] = rule(ZT_RULE_MATCH_IP_DEST_PORT_RANGE);
    out[i].v.range.low = first;
    out[i++].v.range.high = last;
    out[i++] = rule(ZT_RULE_ACTION_ACCEPT);
    /* TCP that is not a SYN (established connections, either way). */
    out[i++] = rule_chars(ZT_RULE_NOT | ZT_RULE_MATCH_CHARACTERISTICS, ZT_RULE_CHAR_TCP_SYN);
    out[i++] = rule(ZT_RULE_ACTION_ACCEPT);
    /* SYN+ACK (the answer to a SYN). */
    out[i++] = rule_chars(ZT_RULE_MATCH_CHARACTERISTICS, ZT_RULE_CHAR_TCP_SYN);
    out[i++] = rule_chars(ZT_RULE_MATCH_CHARACTERISTICS, ZT_RULE_CHAR_TCP_ACK);
    out[i++] = rule(ZT_RULE_ACTION_ACCEPT);
    out[i] = rule(ZT_RULE_ACTION_DROP);
}

/* Stores |n| rules as the config's R blob. */
static int set_rules(zt_netconf *nc, const zt_rule *rules, size_t n)
{
    uint8_t buf[256];
    zt_wr w = zt__wr_make(buf, sizeof(buf));

    zt__rules_write(&w, rules, n);
    if (w.overflow)
        return ZT_ERR_NOSPACE;
    return zt__netconf_set_blob(nc, ZT_NETCONF_BLOB_RULES, buf, zt__wr_len(&w));
}

/* What both forms share: public, revision 1, NDP emulation, our 6PLANE address /40. */
static void common(zt_netconf *nc, uint64_t nwid, uint64_t address, int64_t now)
{
    nc->nwid = nwid;
    nc->timestamp = now;
    nc->ctmd = ZT_ADHOC_CTMD;
    nc->revision = 1;
    nc->issued_to = address;
    nc->type = ZT_NETWORK_TYPE_PUBLIC;
    nc->flags = ZT_NETCONF_FLAG_ENABLE_NDP_EMULATION;
    nc->mtu = 2800;
    zt__ipv6_6plane(nwid, address, &nc->static_ips[0]);
    nc->n_static_ips = 1;
}

static int form_a(zt_netconf *nc, uint64_t nwid, uint64_t address, int64_t now)
{
    uint16_t first = (uint16_t)(nwid >> 40), last = (uint16_t)(nwid >> 24);
    zt_rule rules[ZT_ADHOC_RULES];

    if (last < first)
        return ZT_ERR_NOTFOUND;
    common(nc, nwid, address, now);
    nc->multicast_limit = 0;
    snprintf(nc->name, sizeof(nc->name), "adhoc-%04x-%04x", first, last);
    zt__adhoc_rules(first, last, rules);
    return set_rules(nc, rules, ZT_ADHOC_RULES);
}

static int form_b(zt_netconf *nc, uint64_t nwid, uint64_t address, int64_t now)
{
    uint8_t ip4[4] = {(uint8_t)(nwid >> 48), (uint8_t)(address >> 16), (uint8_t)(address >> 8),
                      (uint8_t)address};
    uint64_t hub = (nwid >> 8) & 0xffffffffffULL;
    zt_rule accept = rule(ZT_RULE_ACTION_ACCEPT);

    common(nc, nwid, address, now);
    nc->multicast_limit = ZT_ADHOC_MULTICAST_LIMIT;
    zt__inetaddr_set4(&nc->static_ips[1], ip4, 8);
    nc->n_static_ips = 2;
    snprintf(nc->name, sizeof(nc->name), "adhoc-%u.0.0.0", (unsigned)ip4[0]);
    if (hub != 0) {
        nc->specialists[0] = hub; /* no role bits: it does nothing (§1.2, §11 quirk 7) */
        nc->n_specialists = 1;
    }
    return set_rules(nc, &accept, 1);
}

int zt__adhoc_config(uint64_t nwid, uint64_t address, int64_t now, zt_netconf *nc,
                     const zt_mem *mem)
{
    int rv;

    zt__netconf_init(nc, mem);
    if (!zt__adhoc_is(nwid))
        return ZT_ERR_INVAL;
    if ((nwid & 0xffffffULL) == 0)
        rv = form_a(nc, nwid, address, now);
    else if ((nwid & 0xffULL) == 0x01)
        rv = form_b(nc, nwid, address, now);
    else
        rv = ZT_ERR_UNSUPPORTED;
    if (rv != 0)
        zt__netconf_clear(nc);
    return rv;
}
