/*
 * fuzz_rules: the rules table codec and evaluator (vl2.md §6).  Input layout:
 *   u8 flags, u16 rules length L, L bytes of rules table, u16 ethertype, Ethernet payload
 * (missing parts default to empty/zero).  flags bit 0: inbound; bit 1: config flag 0x08
 * (unsupported match = match); bit 2: we and the peer hold tags; bit 3: the sender owns
 * things (COO); bit 4: NDP-emulated prefixes; bit 5: the destination is unknown (0).
 * Invariants: a decoded table re-encodes to a fixed point (encode, decode, encode gives the
 * same bytes and count); a counted read of the canonical form gives the same table;
 * evaluation and the §6.3 filter never crash and return only defined results.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static zt_rule rules[ZT_RULES_MAX], again[ZT_RULES_MAX];
static uint8_t enc1[ZT_RULES_MAX * 21], enc2[ZT_RULES_MAX * 21];

static uint32_t draw(void *arg)
{
    uint32_t *s = arg;
    *s = *s * 1103515245u + 12345u;
    return *s;
}

static void check_result(zt_rules_result r)
{
    if (r != ZT_RULES_NO_MATCH && r != ZT_RULES_DROP && r != ZT_RULES_ACCEPT &&
        r != ZT_RULES_SUPER_ACCEPT && r != ZT_RULES_REDIRECT)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_rd in = zt__rd_make(data, size), tr;
    uint8_t flags = 0;
    uint16_t rlen = 0, ethertype = 0;
    const uint8_t *table = NULL;
    size_t n = 0, n2 = 0;
    zt_wr w1, w2;
    zt_rules_frame f;
    zt_rules_ctx ctx;
    zt_rules_pass pass;
    zt_rules_verdict v;
    zt_rules_cap caps[2];
    zt_rules_tag ours[2] = {{1, 7}, {1000, 7}}, theirs[2] = {{1, 9}, {2, 0}};
    zt_rules_owned owned[2];
    uint32_t seed = 1;
    zt_rules_result r;
    int rv;

    (void)zt__rd_u8(&in, &flags);
    (void)zt__rd_u16(&in, &rlen);
    if (zt__rd_ptr(&in, &table, rlen) != 0) {
        table = in.p;
        rlen = (uint16_t)zt__rd_left(&in);
        in.p = in.end;
    }
    (void)zt__rd_u16(&in, &ethertype);

    /* codec */
    tr = zt__rd_make(table, rlen);
    rv = zt__rules_read_all(&tr, rules, ZT_RULES_MAX, &n);
    if (rv != 0) {
        if (rv != ZT_ERR_TRUNCATED && rv != ZT_ERR_DROP)
            abort();
        return 0;
    }
    w1 = zt__wr_make(enc1, sizeof(enc1));
    zt__rules_write(&w1, rules, n);
    if (zt__wr_finish(&w1) < 0 || zt__wr_len(&w1) > (size_t)rlen)
        abort();
    tr = zt__rd_make(enc1, zt__wr_len(&w1));
    if (zt__rules_read_all(&tr, again, ZT_RULES_MAX, &n2) != 0 || n2 != n ||
        zt__rd_left(&tr) != 0)
        abort();
    w2 = zt__wr_make(enc2, sizeof(enc2));
    zt__rules_write(&w2, again, n2);
    if (zt__wr_len(&w2) != zt__wr_len(&w1) || memcmp(enc1, enc2, zt__wr_len(&w1)) != 0)
        abort();
    tr = zt__rd_make(enc1, zt__wr_len(&w1));
    if (zt__rules_read_n(&tr, again, n) != 0 || zt__rd_left(&tr) != 0)
        abort();

    /* evaluation */
    memset(&f, 0, sizeof(f));
    f.inbound = (flags & 1) != 0;
    f.self = 0x1111111111ULL;
    f.zt_source = f.inbound ? 0x2222222222ULL : f.self;
    f.zt_dest = (flags & 0x20) ? 0 : f.inbound ? f.self : 0x2222222222ULL;
    f.mac_source = 0x02aabbccdd01ULL;
    f.mac_dest = (flags & 0x40) ? 0xffffffffffffULL : 0x02aabbccdd02ULL;
    f.ethertype = ethertype;
    f.payload = in.p;
    f.len = zt__rd_left(&in);

    zt__rules_ctx_default(&ctx);
    if (flags & 2)
        ctx.config_flags = ZT_RULES_FLAG_UNSUPPORTED_MATCH;
    if (flags & 4) {
        ctx.our_tags = ours;
        ctx.n_our_tags = 2;
        ctx.peer_tags = theirs;
        ctx.n_peer_tags = 2;
    }
    if (flags & 8) {
        memset(owned, 0, sizeof(owned));
        owned[0].type = 2;
        memcpy(owned[0].value, "\x0a\x00\x00\x01", 4);
        owned[1].type = 1;
        memcpy(owned[1].value, "\x02\xaa\xbb\xcc\xdd\x01", 6);
        ctx.owned = owned;
        ctx.n_owned = 2;
    }
    if (flags & 0x10) {
        ctx.has_sixplane = true;
        ctx.sixplane[0] = 0xfc;
        ctx.has_rfc4193 = true;
        ctx.rfc4193[0] = 0xfd;
    }
    if (flags & 0x80) {
        ctx.random_u32 = draw;
        ctx.random_arg = &seed;
    }

    r = zt__rules_eval(rules, n, &f, &ctx, &pass);
    check_result(r);
    if (!f.inbound && r == ZT_RULES_SUPER_ACCEPT)
        abort(); /* super-accept is an inbound result only */

    /* the table as the network table and, split in two, as two capabilities */
    caps[0] = (zt_rules_cap){1, rules, n / 2};
    caps[1] = (zt_rules_cap){2, rules + n / 2, n - n / 2};
    zt__rules_filter(rules, n, caps, 2, &f, &ctx, &v);
    if (v.accept && v.redirect_to != 0)
        abort();
    if (v.super_accept && !v.accept)
        abort();
    return 0;
}
