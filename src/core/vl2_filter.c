/* The rules over one frame with everybody's credentials, and what the verdict asks for:
 * TEE/WATCH copies and REDIRECTs sent as EXT_FRAME (vl2.md §3.2, §6.2-§6.3). */
#include "core/vl2_filter.h"

#include <string.h>

#include "core/host.h"
#include "core/lookup.h"
#include "core/membership.h"
#include "core/peer.h"
#include "core/send.h"
#include "core/vl2_creds.h"

static uint32_t draw_random(void *arg)
{
    return (uint32_t)zt__host_random(arg);
}

/* EXT_FRAME |flags| carrying the frame (its first |len| bytes) to member |to|, after our
 * credentials when they are due (the target's gate needs them, §3.7). */
static void send_ext_frame(zt_node *n, zt_network *net, uint64_t to, uint8_t flags,
                           uint64_t src_mac, uint64_t dst_mac, unsigned ethertype,
                           const uint8_t *data, size_t len, int64_t now)
{
    uint8_t mac[6];
    zt_peer *p;
    zt_wr w;

    if (to == n->address || zt__address_is_reserved(to))
        return;
    p = zt__lookup_peer(n, to, now);
    if (p != NULL)
        zt__vl2_creds_push_if_needed(n, net, p, now); /* before the frame is built in txbuf */
    w = zt__send_begin(n, to, ZT_VERB_EXT_FRAME);
    zt__wr_u64(&w, net->nwid);
    zt__wr_u8(&w, flags);
    zt__mac_to_bytes(dst_mac, mac);
    zt__wr_bytes(&w, mac, 6);
    zt__mac_to_bytes(src_mac, mac);
    zt__wr_bytes(&w, mac, 6);
    zt__wr_u16(&w, (uint16_t)ethertype);
    zt__wr_bytes(&w, data, len);
    (void)zt__lookup_send_or_queue(n, p, to, &w, false, now);
}

/* Our side of the context: config flags, our tags, our NDP-emulated prefixes, the draw. */
static void own_context(zt_node *n, const zt_network *net, zt_rules_ctx *ctx)
{
    const zt_net_creds *own = net->own;

    zt__rules_ctx_default(ctx);
    ctx->config_flags = (uint32_t)net->config.flags;
    ctx->random_u32 = draw_random;
    ctx->random_arg = n;
    if (own == NULL)
        return;
    ctx->our_tags = own->rtags;
    ctx->n_our_tags = own->ntags;
    ctx->has_sixplane = own->has_sixplane;
    memcpy(ctx->sixplane, own->sixplane, sizeof(ctx->sixplane));
    ctx->has_rfc4193 = own->has_rfc4193;
    memcpy(ctx->rfc4193, own->rfc4193, sizeof(ctx->rfc4193));
}

bool zt__vl2_filter(zt_node *n, zt_network *net, bool inbound, uint64_t peer, uint64_t src_mac,
                    uint64_t dst_mac, unsigned ethertype, const uint8_t *data, size_t len,
                    bool forwarded, bool no_tee, bool *super_accept, int64_t now)
{
    zt_vl2_peer_view view; /* about 5 KB */
    const zt_rules_cap *caps = NULL;
    size_t ncaps = 0;
    zt_rules_frame f;
    zt_rules_ctx ctx;
    zt_rules_verdict v;

    if (super_accept != NULL)
        *super_accept = false;
    memset(&f, 0, sizeof(f));
    f.inbound = inbound;
    f.self = n->address;
    f.zt_source = inbound ? peer : n->address;
    f.zt_dest = inbound ? n->address : peer;
    f.mac_source = src_mac;
    f.mac_dest = dst_mac;
    f.ethertype = (uint16_t)ethertype;
    f.payload = data;
    f.len = len;
    own_context(n, net, &ctx);
    zt__vl2_creds_peer_view(net, peer != 0 ? zt__membership_find(n, net, peer, false) : NULL,
                            &view);
    ctx.peer_tags = view.tags;
    ctx.n_peer_tags = view.ntags;
    if (inbound) { /* the sender's presented capabilities and COOs (§6.2, §6.3) */
        caps = view.caps;
        ncaps = view.ncaps;
        ctx.owned = view.owned;
        ctx.n_owned = view.nowned;
    } else if (net->own != NULL) { /* ours, by ascending ID */
        caps = net->own->rcaps;
        ncaps = net->own->ncaps;
        ctx.owned = net->own->owned;
        ctx.n_owned = net->own->nowned;
    }
    zt__rules_filter(net->rules, net->nrules, caps, ncaps, &f, &ctx, &v);

    /* A forwarded frame is never copied or redirected again: no loops between targets. */
    if (v.copy_to != 0 && !no_tee && !forwarded)
        send_ext_frame(n, net, v.copy_to, v.copy_flags, src_mac, dst_mac, ethertype, data,
                       v.copy_length != 0 && v.copy_length < len ? v.copy_length : len, now);
    if (v.redirect_to != 0) {
        if (!forwarded)
            send_ext_frame(n, net, v.redirect_to, v.redirect_flags, src_mac, dst_mac,
                           ethertype, data, len, now);
        return false; /* redirected: not delivered / sent as addressed */
    }
    if (super_accept != NULL)
        *super_accept = v.super_accept;
    return v.accept || v.super_accept;
}

/* For multicast.c: outbound with a recipient is a per-recipient pass of a multicast frame,
 * which sends no copies (1.14.1's noTee); the first pass (recipient 0) and inbound do. */
bool zt__vl2_filter_allow(zt_node *n, zt_network *net, bool inbound, uint64_t peer,
                          uint64_t src_mac, uint64_t dst_mac, unsigned ethertype,
                          const uint8_t *data, size_t len, int64_t now)
{
    return zt__vl2_filter(n, net, inbound, peer, src_mac, dst_mac, ethertype, data, len, false,
                          !inbound && peer != 0, NULL, now);
}
