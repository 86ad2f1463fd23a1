/*
 * rules_eval.c: evaluating a rules table over one Ethernet frame (vl2.md §6.2) and combining
 * the network table with capabilities (§6.3).  Pure: every input is in the arguments.
 *
 * Every read of the frame is bounds-checked against its length; a frame too short for a match
 * makes that match fail (hard or soft as §6.2 says), never the evaluation.
 */
#include "codec/rules.h"

#include <string.h>

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_ARP 0x0806u
#define ETHERTYPE_IPV6 0x86ddu

/* Outcome of one match before NOT/OR are applied.  HARD_NO / HARD_YES ignore NOT (§6.2). */
typedef enum { M_FALSE = 0, M_TRUE = 1, M_HARD_NO, M_HARD_YES } match_result;

/* Per-evaluation state shared by the match functions. */
typedef struct {
    const zt_rules_frame *f;
    const zt_rules_ctx *ctx;
    bool super_accept;
    bool skip_drop;
    bool have_cf;
    uint64_t cf; /* characteristics, computed on first use */
} eval_state;

void zt__rules_ctx_default(zt_rules_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
}

/* ---- frame parsing helpers ---- */

static bool is_ipv4(const zt_rules_frame *f)
{
    return f->ethertype == ETHERTYPE_IPV4 && f->len >= 20;
}

static bool is_ipv6(const zt_rules_frame *f)
{
    return f->ethertype == ETHERTYPE_IPV6 && f->len >= 40;
}

/* IPv6: follows extension headers 0, 43, 60 and 135, each (byte 1 * 8) + 8 bytes long, from
 * the fixed header's Next Header.  *proto gets the final Next Header and *l4 the offset of
 * the header it names.  False when the chain runs past the frame (§6.2). */
static bool ipv6_final_header(const zt_rules_frame *f, uint8_t *proto, size_t *l4)
{
    const uint8_t *p = f->payload;
    size_t pos = 40;
    uint8_t nh;

    if (!is_ipv6(f))
        return false;
    nh = p[6];
    while (nh == 0 || nh == 43 || nh == 60 || nh == 135) {
        if (f->len - pos < 2)
            return false;
        nh = p[pos];
        pos += (size_t)p[pos + 1] * 8 + 8;
        if (pos > f->len)
            return false;
    }
    *proto = nh;
    *l4 = pos;
    return true;
}

/* IPv4: protocol and the offset of the L4 header (IHL * 4).  False when not IPv4. */
static bool ipv4_l4(const zt_rules_frame *f, uint8_t *proto, size_t *l4)
{
    if (!is_ipv4(f))
        return false;
    *proto = f->payload[9];
    *l4 = (size_t)(f->payload[0] & 0x0f) * 4;
    return true;
}

static bool prefix_match(const uint8_t *ip, const uint8_t *net, unsigned bits, unsigned maxbits)
{
    unsigned full, rest;

    if (bits > maxbits)
        bits = maxbits;
    full = bits / 8;
    rest = bits % 8;
    if (memcmp(ip, net, full) != 0)
        return false;
    if (rest != 0) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((ip[full] & mask) != (net[full] & mask))
            return false;
    }
    return true;
}

static bool owns(const zt_rules_ctx *ctx, uint8_t type, const uint8_t *value, size_t len)
{
    for (size_t i = 0; i < ctx->n_owned; i++)
        if (ctx->owned[i].type == type && memcmp(ctx->owned[i].value, value, len) == 0)
            return true;
    return false;
}

static bool ndp_emulated(const zt_rules_ctx *ctx, const uint8_t ip[16])
{
    return (ctx->has_sixplane && memcmp(ip, ctx->sixplane, 5) == 0) ||
           (ctx->has_rfc4193 && memcmp(ip, ctx->rfc4193, 11) == 0);
}

/* "Sender IP authenticated" (§6.2): the sender's IP per the frame is owned per a COO, or
 * (inbound IPv6 only) lies in our NDP-emulated prefixes.  Neighbor Solicitations always pass;
 * Neighbor Advertisements are judged by their target address. */
static bool sender_ip_authenticated(const zt_rules_frame *f, const zt_rules_ctx *ctx)
{
    const uint8_t *p = f->payload;
    const uint8_t *ip6;

    if (is_ipv4(f))
        return owns(ctx, 2, p + 12, 4);
    if (f->ethertype == ETHERTYPE_ARP)
        return f->len >= 18 && owns(ctx, 2, p + 14, 4);
    if (!is_ipv6(f))
        return false;
    ip6 = p + 8;
    if (p[6] == 58 && f->len >= 41) {
        if (p[40] == 135)
            return true;
        if (p[40] == 136) {
            if (f->len < 64)
                return false;
            ip6 = p + 48;
        }
    }
    if (owns(ctx, 3, ip6, 16))
        return true;
    return f->inbound && ndp_emulated(ctx, ip6);
}

static uint16_t tcp_flags(const zt_rules_frame *f)
{
    uint8_t proto;
    size_t l4;

    if (!ipv4_l4(f, &proto, &l4) && !ipv6_final_header(f, &proto, &l4))
        return 0;
    if (proto != 6 || l4 > f->len || f->len - l4 < 14)
        return 0;
    return (uint16_t)(f->payload[l4 + 13] | (f->payload[l4 + 12] & 0x0f) << 8);
}

static uint64_t characteristics(eval_state *st)
{
    const zt_rules_frame *f = st->f;
    uint8_t mac[6];
    uint64_t cf = 0;

    if (st->have_cf)
        return st->cf;
    zt__store_be(mac, f->mac_source, 6);
    if (f->inbound)
        cf |= ZT_RULE_CHAR_INBOUND;
    if ((f->mac_dest >> 40) & 0x01)
        cf |= ZT_RULE_CHAR_MULTICAST;
    if ((f->mac_dest & 0xffffffffffffULL) == 0xffffffffffffULL)
        cf |= ZT_RULE_CHAR_BROADCAST;
    if (sender_ip_authenticated(f, st->ctx))
        cf |= ZT_RULE_CHAR_SENDER_IP_AUTHENTICATED;
    if (owns(st->ctx, 1, mac, 6))
        cf |= ZT_RULE_CHAR_SENDER_MAC_AUTHENTICATED;
    cf |= tcp_flags(f);
    st->cf = cf;
    st->have_cf = true;
    return cf;
}

static const zt_rules_tag *find_tag(const zt_rules_tag *tags, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (tags[i].id == id)
            return &tags[i];
    return NULL;
}

/* ---- matches ---- */

static match_result bool_result(bool b)
{
    return b ? M_TRUE : M_FALSE;
}

static match_result match_port(const zt_rules_frame *f, const zt_rule *e, bool dest)
{
    uint8_t proto;
    size_t l4, off;
    uint16_t port;
    bool v6 = false;

    if (ipv4_l4(f, &proto, &l4)) {
        /* non-port protocols are a soft false (NOT can invert it) */
    } else if (f->ethertype == ETHERTYPE_IPV6) {
        if (!ipv6_final_header(f, &proto, &l4))
            return M_HARD_NO;
        v6 = true;
    } else {
        return M_HARD_NO;
    }
    if (proto != 6 && proto != 17 && proto != 132 && proto != 136)
        return M_FALSE;
    off = l4 + (dest ? 2 : 0);
    if (off > f->len || f->len - off < 2)
        return v6 ? M_HARD_NO : M_FALSE;
    port = (uint16_t)zt__load_be(f->payload + off, 2);
    if (v6 && port == 0)
        return M_FALSE;
    return bool_result(port >= e->v.range.low && port <= e->v.range.high);
}

static match_result match_icmp(const zt_rules_frame *f, const zt_rule *e)
{
    uint8_t proto;
    size_t l4;

    if (ipv4_l4(f, &proto, &l4)) {
        if (proto != 1)
            return M_HARD_NO;
    } else if (ipv6_final_header(f, &proto, &l4)) {
        if (proto != 58)
            return M_HARD_NO;
    } else {
        return M_HARD_NO;
    }
    if (l4 >= f->len || f->payload[l4] != e->v.icmp.type)
        return M_HARD_NO;
    if (e->v.icmp.flags & 0x01) {
        if (l4 + 1 >= f->len)
            return M_HARD_NO;
        return bool_result(f->payload[l4 + 1] == e->v.icmp.code);
    }
    return M_TRUE;
}

static match_result match_tags(eval_state *st, const zt_rule *e, unsigned type)
{
    const zt_rules_ctx *ctx = st->ctx;
    const zt_rules_tag *ours = find_tag(ctx->our_tags, ctx->n_our_tags, e->v.tag.id);
    const zt_rules_tag *theirs;
    uint32_t a, b, want = e->v.tag.value;

    if (ours == NULL)
        return M_HARD_NO;
    theirs = find_tag(ctx->peer_tags, ctx->n_peer_tags, e->v.tag.id);
    if (theirs == NULL) {
        if (st->f->inbound && !st->super_accept)
            return M_HARD_NO;
        st->skip_drop = true;
        return M_HARD_YES;
    }
    a = ours->value;
    b = theirs->value;
    switch (type) {
    case ZT_RULE_MATCH_TAGS_DIFFERENCE:
        return bool_result((a > b ? a - b : b - a) <= want);
    case ZT_RULE_MATCH_TAGS_BITWISE_AND:
        return bool_result((a & b) == want);
    case ZT_RULE_MATCH_TAGS_BITWISE_OR:
        return bool_result((a | b) == want);
    case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
        return bool_result((a ^ b) == want);
    default: /* TAGS_EQUAL */
        return bool_result(a == want && b == want);
    }
}

static match_result match_tag_side(eval_state *st, const zt_rule *e, bool sender)
{
    const zt_rules_ctx *ctx = st->ctx;
    const zt_rules_tag *t;

    if (st->super_accept) {
        st->skip_drop = true;
        return M_HARD_YES;
    }
    if (sender == st->f->inbound) {
        /* the peer's side: SENDER inbound, RECEIVER outbound */
        t = find_tag(ctx->peer_tags, ctx->n_peer_tags, e->v.tag.id);
        if (t == NULL) {
            if (sender)
                return M_HARD_NO;
            st->skip_drop = true;
            return M_HARD_YES;
        }
    } else {
        t = find_tag(ctx->our_tags, ctx->n_our_tags, e->v.tag.id);
        if (t == NULL)
            return M_HARD_NO;
    }
    return bool_result(t->value == e->v.tag.value);
}

static match_result match_int_range(const zt_rules_frame *f, const zt_rule *e)
{
    unsigned bits = (unsigned)(e->v.int_range.format & 63) + 1;
    unsigned bytes = (bits + 7) / 8;
    size_t idx = e->v.int_range.idx;
    uint64_t value = 0;

    if ((e->v.int_range.format & 0x80) == 0) {
        /* big-endian; 1.14.1 starts reading at idx + 8 - bytes (§6.2, §11.5) */
        idx += 8 - bytes;
        if (idx <= f->len && f->len - idx >= bytes)
            value = zt__load_be(f->payload + idx, bytes);
        if (bits < 64)
            value &= (1ULL << bits) - 1;
    } else {
        if (idx <= f->len && f->len - idx >= bytes) {
            for (unsigned i = bytes; i-- > 0;)
                value = value << 8 | f->payload[idx + i];
        }
        value >>= bytes * 8 - bits; /* keep the top |bits| of what was read */
    }
    return bool_result(value >= e->v.int_range.start && value <= e->v.int_range.end);
}

static match_result match_ip(const zt_rules_frame *f, const zt_rule *e, unsigned type)
{
    switch (type) {
    case ZT_RULE_MATCH_IPV4_SOURCE:
    case ZT_RULE_MATCH_IPV4_DEST:
        if (!is_ipv4(f))
            return M_HARD_NO;
        return bool_result(prefix_match(f->payload + (type == ZT_RULE_MATCH_IPV4_SOURCE ? 12 : 16),
                                        e->v.ipv4.ip, e->v.ipv4.bits, 32));
    default: /* IPV6_SOURCE, IPV6_DEST */
        if (!is_ipv6(f))
            return M_HARD_NO;
        return bool_result(prefix_match(f->payload + (type == ZT_RULE_MATCH_IPV6_SOURCE ? 8 : 24),
                                        e->v.ipv6.ip, e->v.ipv6.bits, 128));
    }
}

static match_result match_tos(const zt_rules_frame *f, const zt_rule *e)
{
    unsigned tos;

    if (is_ipv4(f))
        tos = f->payload[1];
    else if (is_ipv6(f))
        tos = (unsigned)((f->payload[0] << 4) | (f->payload[1] >> 4)) & 0xff;
    else
        return M_HARD_NO;
    tos &= e->v.tos.mask;
    return bool_result(tos >= e->v.tos.low && tos <= e->v.tos.high);
}

static match_result match_protocol(const zt_rules_frame *f, const zt_rule *e)
{
    uint8_t proto;
    size_t l4;

    if (ipv4_l4(f, &proto, &l4) || ipv6_final_header(f, &proto, &l4))
        return bool_result(proto == e->v.ip_protocol);
    return M_HARD_NO;
}

static match_result evaluate(eval_state *st, const zt_rule *e)
{
    const zt_rules_frame *f = st->f;
    unsigned type = zt__rule_type(e);

    switch (type) {
    case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
        return bool_result(e->v.zt == f->zt_source);
    case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
        return bool_result(e->v.zt == f->zt_dest);
    case ZT_RULE_MATCH_VLAN_ID:
        return bool_result(e->v.vlan_id == f->vlan_id);
    case ZT_RULE_MATCH_VLAN_PCP:
        return bool_result(e->v.vlan_pcp == 0);
    case ZT_RULE_MATCH_VLAN_DEI:
        return bool_result(e->v.vlan_dei == 0);
    case ZT_RULE_MATCH_MAC_SOURCE:
        return bool_result(e->v.mac == f->mac_source);
    case ZT_RULE_MATCH_MAC_DEST:
        return bool_result(e->v.mac == f->mac_dest);
    case ZT_RULE_MATCH_IPV4_SOURCE:
    case ZT_RULE_MATCH_IPV4_DEST:
    case ZT_RULE_MATCH_IPV6_SOURCE:
    case ZT_RULE_MATCH_IPV6_DEST:
        return match_ip(f, e, type);
    case ZT_RULE_MATCH_IP_TOS:
        return match_tos(f, e);
    case ZT_RULE_MATCH_IP_PROTOCOL:
        return match_protocol(f, e);
    case ZT_RULE_MATCH_ETHERTYPE:
        return bool_result(e->v.ethertype == f->ethertype);
    case ZT_RULE_MATCH_ICMP:
        return match_icmp(f, e);
    case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
        return match_port(f, e, false);
    case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
        return match_port(f, e, true);
    case ZT_RULE_MATCH_CHARACTERISTICS:
        return bool_result((characteristics(st) & e->v.characteristics) != 0);
    case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
        return bool_result(f->len >= e->v.range.low && f->len <= e->v.range.high);
    case ZT_RULE_MATCH_RANDOM: {
        const zt_rules_ctx *ctx = st->ctx;
        uint32_t draw = ctx->random_u32 != NULL ? ctx->random_u32(ctx->random_arg) : UINT32_MAX;
        return bool_result(draw <= e->v.probability);
    }
    case ZT_RULE_MATCH_TAGS_DIFFERENCE:
    case ZT_RULE_MATCH_TAGS_BITWISE_AND:
    case ZT_RULE_MATCH_TAGS_BITWISE_OR:
    case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
    case ZT_RULE_MATCH_TAGS_EQUAL:
        return match_tags(st, e, type);
    case ZT_RULE_MATCH_TAG_SENDER:
        return match_tag_side(st, e, true);
    case ZT_RULE_MATCH_TAG_RECEIVER:
        return match_tag_side(st, e, false);
    case ZT_RULE_MATCH_INTEGER_RANGE:
        return match_int_range(f, e);
    default:
        /* unknown match type: the config's "unsupported match" flag decides (§4.3 f 0x08) */
        return bool_result((st->ctx->config_flags & ZT_RULES_FLAG_UNSUPPORTED_MATCH) != 0);
    }
}

/* ---- one pass (§6.2) ---- */

/* A TEE, WATCH or REDIRECT whose rule matched: true when it ends the pass with *pr. */
static bool forward_action(const zt_rules_frame *f, const zt_rule *e, unsigned type,
                           zt_rules_pass *pass, zt_rules_result *pr)
{
    /* the u64 field holds a 40-bit address; a REDIRECT to the null address
     * therefore drops the frame (§6.3 verdict: no accept, no target) */
    uint64_t x = e->v.fwd.address & 0xffffffffffULL;

    if (x == f->zt_source) {
        /* nothing: the frame comes from the target */
    } else if (x == f->self) {
        if (f->inbound) {
            *pr = ZT_RULES_SUPER_ACCEPT;
            return true;
        }
    } else if (x == f->zt_dest) {
        /* nothing: the frame already goes there */
    } else if (type == ZT_RULE_ACTION_REDIRECT) {
        pass->redirect_to = x;
        *pr = ZT_RULES_REDIRECT;
        return true;
    } else {
        pass->copy_to = x;
        pass->copy_length = e->v.fwd.length;
        pass->copy_is_watch = type == ZT_RULE_ACTION_WATCH;
    }
    return false;
}

/* An action whose rule matched: true when it ends the pass with *pr. */
static bool run_action(eval_state *st, const zt_rule *e, unsigned type, zt_rules_pass *pass,
                       zt_rules_result *pr)
{
    switch (type) {
    case ZT_RULE_ACTION_PRIORITY:
        *pr = ZT_RULES_ACCEPT;
        return true;
    case ZT_RULE_ACTION_DROP:
        if (st->skip_drop) {
            st->skip_drop = false;
            return false;
        }
        *pr = ZT_RULES_DROP;
        return true;
    case ZT_RULE_ACTION_ACCEPT:
        *pr = st->super_accept ? ZT_RULES_SUPER_ACCEPT : ZT_RULES_ACCEPT;
        return true;
    case ZT_RULE_ACTION_TEE:
    case ZT_RULE_ACTION_WATCH:
    case ZT_RULE_ACTION_REDIRECT:
        return forward_action(st->f, e, type, pass, pr);
    case ZT_RULE_ACTION_BREAK:
        *pr = ZT_RULES_NO_MATCH;
        return true;
    default:
        return false; /* unknown actions are ignored */
    }
}

/* One match folded into the rule's running condition: NOT unless hard, then AND or OR. */
static bool fold_match(eval_state *st, const zt_rule *e, bool set)
{
    match_result m = evaluate(st, e);
    bool c;

    if (m == M_HARD_NO)
        c = false;
    else if (m == M_HARD_YES)
        c = true;
    else
        c = (m == M_TRUE) != ((e->t & ZT_RULE_NOT) != 0);
    return (e->t & ZT_RULE_OR) ? (set || c) : (set && c);
}

zt_rules_result zt__rules_eval(const zt_rule *rules, size_t n, const zt_rules_frame *f,
                               const zt_rules_ctx *ctx, zt_rules_pass *pass)
{
    eval_state st;
    bool set = true;
    zt_rules_result r;

    memset(&st, 0, sizeof(st));
    memset(pass, 0, sizeof(*pass));
    st.f = f;
    st.ctx = ctx;

    for (size_t i = 0; i < n; i++) {
        const zt_rule *e = &rules[i];
        unsigned type = zt__rule_type(e);

        if (type <= ZT_RULE_ACTION_MAX_ID) {
            bool fwd = zt__rule_info(type)->kind == ZT_RULE_KIND_FWD;
            if (!set) {
                /* A TEE/WATCH/REDIRECT to us that did not match still makes us a target of
                 * that rule set: inbound frames from it may be super-accepted. */
                if (f->inbound && fwd && (e->v.fwd.address & 0xffffffffffULL) == f->self)
                    st.super_accept = true;
                set = true; /* the next rule starts */
                continue;
            }
            if (run_action(&st, e, type, pass, &r))
                return r;
            continue;
        }

        /* a match */
        if (!set && !(e->t & ZT_RULE_OR))
            continue; /* AND with false stays false; the match is not evaluated */
        set = fold_match(&st, e, set);
    }
    return ZT_RULES_NO_MATCH;
}

/* ---- combining (§6.3) ---- */

static void decide(zt_rules_verdict *v, const zt_rules_frame *f, zt_rules_result r,
                   const zt_rules_pass *pass, const zt_rules_pass *fallback_copy)
{
    const zt_rules_pass *cp = pass->copy_to != 0 ? pass : fallback_copy;

    if (r == ZT_RULES_REDIRECT) {
        v->redirect_to = pass->redirect_to;
        v->redirect_flags = f->inbound ? ZT_EXT_FRAME_IN_REDIRECT : ZT_EXT_FRAME_OUT_REDIRECT;
    } else {
        v->accept = true;
        v->super_accept = r == ZT_RULES_SUPER_ACCEPT;
    }
    if (cp != NULL && cp->copy_to != 0) {
        v->copy_to = cp->copy_to;
        v->copy_length = cp->copy_length;
        if (f->inbound)
            v->copy_flags = cp->copy_is_watch ? ZT_EXT_FRAME_IN_WATCH : ZT_EXT_FRAME_IN_TEE;
        else
            v->copy_flags = cp->copy_is_watch ? ZT_EXT_FRAME_OUT_WATCH : ZT_EXT_FRAME_OUT_TEE;
    }
}

void zt__rules_filter(const zt_rule *rules, size_t n, const zt_rules_cap *caps, size_t ncaps,
                      const zt_rules_frame *f, const zt_rules_ctx *ctx, zt_rules_verdict *v)
{
    zt_rules_pass net, cap;
    zt_rules_result r;

    memset(v, 0, sizeof(*v));
    r = zt__rules_eval(rules, n, f, ctx, &net);
    if (r == ZT_RULES_DROP)
        return;
    if (r != ZT_RULES_NO_MATCH) {
        decide(v, f, r, &net, NULL);
        return;
    }
    for (size_t i = 0; i < ncaps; i++) {
        r = zt__rules_eval(caps[i].rules, caps[i].n, f, ctx, &cap);
        if (r == ZT_RULES_ACCEPT || r == ZT_RULES_SUPER_ACCEPT || r == ZT_RULES_REDIRECT) {
            decide(v, f, r, &cap, &net);
            v->by_capability = true;
            v->capability_id = caps[i].id;
            return;
        }
    }
    /* nothing accepted: drop */
}
