/* Multicast on joined networks: subscriptions, MULTICAST_LIKE, MULTICAST_GATHER and
 * MULTICAST_FRAME (vl2.md §3.3-§3.5, §7).  A frame goes to the subscribers known when it is
 * sent, and waits up to 5 s for those a GATHER names (at most 8 waiting per network). */
#include "core/multicast.h"

#include <stddef.h>
#include <string.h>

#include "core/host.h"
#include "core/lookup.h"
#include "core/membership.h"
#include "core/ndp.h"
#include "core/peer.h"
#include "core/send.h"
#include "core/vl2_creds.h"
#include "core/vl2_filter.h"
#include "util/table.h"


#define ZT_MULTICAST_EXPLICIT_GATHER_DELAY 60000 /* min interval between GATHERs per group */

/* Adds the group to |net|'s subscriptions; *padded says whether it was new.  A new group is
 * announced at the next tick unless the caller announces it now. */
static int add_subscription(zt_network *net, uint64_t mac, uint32_t adi, int64_t now,
                            bool *padded)
{
    zt_mgroup g = {mac & ZT_MAC_BROADCAST, adi};
    unsigned i;

    *padded = false;
    for (i = 0; i < net->nsubs; i++) {
        int c = zt__mgroup_compare(&net->subs[i], &g);
        if (c == 0)
            return 0;
        if (c > 0)
            break;
    }
    if (net->nsubs >= ZT_MAX_SUBSCRIPTIONS)
        return ZT_ERR_LIMIT;
    memmove(&net->subs[i + 1], &net->subs[i], (net->nsubs - i) * sizeof(g));
    net->subs[i] = g;
    net->nsubs++;
    net->last_announce = now - ZT_MULTICAST_ANNOUNCE_PERIOD;
    *padded = true;
    return 0;
}

int zt__mcast_subscribe_quiet(zt_network *net, uint64_t mac, uint32_t adi, int64_t now)
{
    bool added;

    return add_subscription(net, mac, adi, now, &added);
}

int zt__node_multicast_subscribe(zt_node *n, uint64_t nwid, uint64_t mac, uint32_t adi,
                                int64_t now)
{
    zt_network *net = zt__membership_network(n, nwid);
    bool added;
    int rv;

    if (net == NULL)
        return ZT_ERR_NOTFOUND;
    rv = add_subscription(net, mac, adi, now, &added);
    /* A group an application joins is announced at once when the network is configured, as a
     * new config's groups are (§7): a sender learns of us in one round trip, not at the next
     * 5 s tick, and no frame is lost meanwhile. */
    if (added && net->has_config) {
        net->last_announce = now;
        zt__mcast_announce(n, net, NULL, now);
    }
    return rv;
}

int zt__node_multicast_unsubscribe(zt_node *n, uint64_t nwid, uint64_t mac, uint32_t adi)
{
    zt_network *net = zt__membership_network(n, nwid);
    zt_mgroup g = {mac & ZT_MAC_BROADCAST, adi};

    if (net == NULL)
        return ZT_ERR_NOTFOUND;
    for (unsigned i = 0; i < net->nsubs; i++) {
        if (zt__mgroup_equal(&net->subs[i], &g)) {
            memmove(&net->subs[i], &net->subs[i + 1], (net->nsubs - i - 1) * sizeof(g));
            net->nsubs--;
            return 0; /* nothing is sent: remote entries expire (§7) */
        }
    }
    return ZT_ERR_NOTFOUND;
}

static void like_to(zt_node *n, zt_network *net, zt_peer *p, int64_t now)
{
    zt_wr w;

    if (p == NULL || net->nsubs == 0)
        return;
    w = zt__send_begin(n, p->id.address, ZT_VERB_MULTICAST_LIKE);
    for (unsigned i = 0; i < net->nsubs; i++)
        zt__mlike_write(&w, net->nwid, &net->subs[i]);
    (void)zt__send_to_peer(n, p, &w, false, now);
}

/* Our subscriptions to |to|, or (|to| NULL) to the always-announce targets: the controller and
 * every upstream (§7). */
void zt__mcast_announce(zt_node *n, zt_network *net, zt_peer *to, int64_t now)
{
    if (to != NULL) {
        like_to(n, net, to, now);
        return;
    }
    like_to(n, net, zt__peer_find(n, net->nwid >> 24), now);
    for (unsigned i = 0; i < n->nupstreams; i++)
        like_to(n, net, zt__peer_find(n, n->upstreams[i]), now);
}

static void pending_deliver(zt_node *n, zt_network *net, const zt_mgroup *g, uint64_t address,
                            int64_t now);

static bool same_member(const void *entry, const void *key)
{
    const zt_mcast_member *a = entry, *b = key;
    return a->address == b->address && zt__mgroup_equal(&a->group, &b->group);
}

/* Notes |address| as a subscriber of |g| now; a full table forgets its oldest (vl2.md §7). */
static void add_member(zt_network *net, const zt_mgroup *g, uint64_t address, int64_t now)
{
    zt_mcast_member want = {.group = *g, .address = address, .since = now};
    bool found;
    size_t i = zt__table_slot(net->mcast, net->nmcast, ZT_MAX_MCAST_MEMBERS, sizeof(want),
                              offsetof(zt_mcast_member, since), same_member, &want, &found);

    if (i == net->nmcast)
        net->nmcast++;
    net->mcast[i] = want;
}

void zt__mcast_add_member(zt_node *n, zt_network *net, const zt_mgroup *g, uint64_t address,
                          int64_t now)
{
    add_member(net, g, address, now);
    pending_deliver(n, net, g, address, now);
}

void zt__mcast_expire(zt_network *net, int64_t now)
{
    for (unsigned i = 0; i < net->nmcast;) {
        if (now - net->mcast[i].since > ZT_MULTICAST_LIKE_EXPIRE)
            net->mcast[i] = net->mcast[--net->nmcast];
        else
            i++;
    }
}

/* May |p| tell us its subscriptions to |nwid| (LIKE) and learn the members' (GATHER)?  Roots
 * yes, also for networks they have not joined; a network's controller for the peers it sent a
 * config lately, joined or not; a member when the gate passes (§3.3-§3.4, §10.1).  Nobody else
 * learns who the members are. */
static bool multicast_peer_ok(zt_node *n, zt_network *net, const zt_peer *p, uint64_t nwid,
                              int64_t now)
{
    return n->is_root ||
           ((nwid >> 24) == n->address && n->cb.config_request != NULL &&
            zt__membership_recently_configured(p, nwid, now)) ||
           (net != NULL && zt__mcast_gate(n, net, p, now));
}

#define ZT_MAX_FOREIGN_MCAST 16384

static bool same_foreign(const void *entry, const void *key)
{
    const struct zt_foreign_mcast *a = entry, *b = key;
    return a->nwid == b->nwid && same_member(&a->m, &b->m);
}

static void foreign_add(zt_node *n, uint64_t nwid, const zt_mgroup *g, uint64_t address,
                        int64_t now)
{
    struct zt_foreign_mcast want = {.nwid = nwid, .m = {.group = *g, .address = address,
                                                        .since = now}};
    bool found;
    size_t i;

    if (n->foreign == NULL) {
        n->foreign = zt__mem_calloc(n->mem, ZT_MAX_FOREIGN_MCAST, sizeof(*n->foreign));
        if (n->foreign == NULL)
            return;
    }
    i = zt__table_slot(n->foreign, n->nforeign, ZT_MAX_FOREIGN_MCAST, sizeof(want),
                       offsetof(struct zt_foreign_mcast, m.since), same_foreign, &want, &found);
    if (i == n->nforeign)
        n->nforeign++;
    n->foreign[i] = want;
}

void zt__mcast_foreign_expire(zt_node *n, int64_t now)
{
    for (unsigned i = 0; i < n->nforeign;) {
        if (now - n->foreign[i].m.since > ZT_MULTICAST_LIKE_EXPIRE)
            n->foreign[i] = n->foreign[--n->nforeign];
        else
            i++;
    }
}

void zt__mcast_like_received(zt_node *n, zt_peer *p, const uint8_t *payload, size_t len,
                             int64_t now)
{
    zt_rd r = zt__rd_make(payload, len);
    uint64_t nwid;
    zt_mgroup g;

    while (zt__mlike_read(&r, &nwid, &g) == 0) {
        zt_network *net = zt__membership_network(n, nwid);
        if ((net != NULL && net->mcast == NULL) || !multicast_peer_ok(n, net, p, nwid, now))
            continue;
        if (net != NULL)
            zt__mcast_add_member(n, net, &g, p->id.address, now);
        else
            foreign_add(n, nwid, &g, p->id.address, now);
    }
}

/* Gather results (§3.4): ourselves first if subscribed, then known members, never |skip|.
 * Writes total, count, addresses; returns how many addresses were written. */
static unsigned write_gather(const zt_node *n, const zt_network *net, uint64_t nwid, zt_wr *w,
                             const zt_mgroup *g, uint64_t skip, uint32_t limit)
{
    uint8_t *total_at, *count_at;
    unsigned total = 0, count = 0, nmembers;
    bool subscribed = false;
    uint64_t self = n->address;

    for (unsigned i = 0; net != NULL && i < net->nsubs; i++)
        subscribed = subscribed || zt__mgroup_equal(&net->subs[i], g);
    total_at = w->p;
    zt__wr_be(w, 0, 4);
    count_at = w->p;
    zt__wr_u16(w, 0);
    if (subscribed && count < limit) {
        zt__wr_be(w, self, ZT_ADDRESS_LEN);
        count++;
    }
    total += subscribed;
    nmembers = net != NULL ? net->nmcast : n->nforeign;
    for (unsigned i = 0; i < nmembers; i++) {
        const zt_mcast_member *m = net != NULL ? &net->mcast[i] : &n->foreign[i].m;
        if ((net == NULL && n->foreign[i].nwid != nwid) || !zt__mgroup_equal(&m->group, g) ||
            m->address == skip)
            continue;
        total++;
        if (count < limit && zt__wr_len(w) + ZT_ADDRESS_LEN < 1200) {
            zt__wr_be(w, m->address, ZT_ADDRESS_LEN);
            count++;
        }
    }
    if (!w->overflow) {
        zt__store_be(total_at, total, 4);
        zt__store_be(count_at, count, 2);
    }
    return count;
}

void zt__mcast_gather_received(zt_node *n, zt_peer *p, int64_t local_socket,
                               const zt_inetaddr *from, const uint8_t *pkt, size_t len,
                               int64_t now)
{
    zt_rd r = zt__rd_make(pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    uint8_t flags, mac[6];
    uint64_t nwid;
    uint32_t limit, adi;
    zt_network *net;
    zt_mgroup g;
    zt_wr w;

    if (zt__rd_u64(&r, &nwid) != 0 || zt__rd_u8(&r, &flags) != 0 || zt__rd_bytes(&r, mac, 6) != 0)
        return;
    {
        uint64_t v;
        if (zt__rd_be(&r, &v, 4) != 0)
            return;
        adi = (uint32_t)v;
        if (zt__rd_be(&r, &v, 4) != 0)
            return;
        limit = (uint32_t)v;
    }
    net = zt__membership_network(n, nwid);
    if (flags & 0x01) { /* the requester's COM (§3.4): offered before the gate is asked */
        zt_com com;
        if (zt__com_read(&r, &com) != 0)
            return;
        if (net != NULL)
            zt__vl2_creds_offer_com(n, net, &com, now);
    }
    if (limit == 0 || (net != NULL && net->mcast == NULL) ||
        !multicast_peer_ok(n, net, p, nwid, now))
        return;
    g.mac = zt__mac_from_bytes(mac);
    g.adi = adi;
    w = zt__send_begin_ok(n, p->id.address, ZT_VERB_MULTICAST_GATHER, pkt);
    zt__wr_u64(&w, nwid);
    zt__wr_bytes(&w, mac, 6);
    zt__wr_be(&w, adi, 4);
    if (write_gather(n, net, nwid, &w, &g, p->id.address, limit > 65535 ? 65535 : limit) > 0)
        (void)zt__send_reply(n, p, &w, local_socket, from, now);
}

/* Gather results after nwid, group MAC, ADI (and flags for OK(MULTICAST_FRAME)). */
static void take_gather(zt_node *n, zt_network *net, const zt_mgroup *g, zt_rd *r, int64_t now)
{
    uint64_t total, count, address;

    if (zt__rd_be(r, &total, 4) != 0 || zt__rd_be(r, &count, 2) != 0)
        return;
    for (uint64_t i = 0; i < count && zt__rd_be(r, &address, ZT_ADDRESS_LEN) == 0; i++)
        if (address != n->address && !zt__address_is_reserved(address))
            zt__mcast_add_member(n, net, g, address, now);
}

/* OK(MULTICAST_GATHER) when |is_frame| is false; OK(MULTICAST_FRAME) (a flags byte, then a
 * deprecated COM if 0x01, then gather results if 0x02) when it is true. */
void zt__mcast_gather_ok(zt_node *n, const uint8_t *payload, size_t len, bool is_frame,
                         int64_t now)
{
    zt_rd r = zt__rd_make(payload, len);
    uint8_t mac[6];
    uint64_t nwid, adi;
    zt_network *net;
    zt_mgroup g;

    if (zt__rd_u64(&r, &nwid) != 0 || zt__rd_bytes(&r, mac, 6) != 0 || zt__rd_be(&r, &adi, 4) != 0)
        return;
    net = zt__membership_network(n, nwid);
    if (net == NULL || net->mcast == NULL)
        return;
    g.mac = zt__mac_from_bytes(mac);
    g.adi = (uint32_t)adi;
    if (is_frame) {
        uint8_t flags;
        zt_com com;
        if (zt__rd_u8(&r, &flags) != 0 || ((flags & 0x01) && zt__com_read(&r, &com) != 0))
            return;
        if (flags & 0x01)
            zt__vl2_creds_offer_com(n, net, &com, now); /* deprecated, still offered (§3.5) */
        if (!(flags & 0x02))
            return;
    }
    take_gather(n, net, &g, &r, now);
}

static void send_gather(zt_node *n, zt_network *net, const zt_mgroup *g, uint32_t limit,
                        zt_peer *to, int64_t now)
{
    uint8_t mac[6];
    zt_wr w;

    if (to == NULL)
        return;
    zt__mac_to_bytes(g->mac, mac);
    w = zt__send_begin(n, to->id.address, ZT_VERB_MULTICAST_GATHER);
    zt__wr_u64(&w, net->nwid);
    zt__wr_u8(&w, net->has_com ? 0x01 : 0x00); /* our COM attached, if we have one (§7) */
    zt__wr_bytes(&w, mac, 6);
    zt__wr_be(&w, g->adi, 4);
    zt__wr_be(&w, limit, 4);
    if (net->has_com)
        zt__com_write(&w, &net->com);
    (void)zt__send_to_peer(n, to, &w, true, now);
}

/* Members known for |g|. */
static unsigned known_members(const zt_network *net, const zt_mgroup *g)
{
    unsigned known = 0;

    for (unsigned i = 0; i < net->nmcast; i++)
        known += zt__mgroup_equal(&net->mcast[i].group, g);
    return known;
}

/* The gather limit of §7 steps 3-4: 1 once the known members reach multicastLimit, else
 * multicastLimit - known + 1 (asked by the GATHER and carried by every MULTICAST_FRAME). */
static uint32_t gather_limit_for(uint64_t limit, unsigned known)
{
    uint64_t g;

    if (known >= limit)
        return 1;
    g = limit - known + 1;
    return g > UINT32_MAX ? UINT32_MAX : (uint32_t)g;
}

/* One MULTICAST_FRAME to member |to| carrying |gather| as its implicit gather limit (rules for
 * that recipient, credentials if needed).  Returns true when it was sent. */
static bool send_one(zt_node *n, zt_network *net, uint64_t to, const zt_mgroup *g,
                     uint64_t src_mac, uint64_t dst_mac, unsigned ethertype, const uint8_t *data,
                     size_t len, uint32_t gather, int64_t now)
{
    uint8_t mac[6];
    zt_peer *p = zt__lookup_peer(n, to, now);
    zt_wr w;

    if (!zt__vl2_filter_allow(n, net, false, to, src_mac, dst_mac, ethertype, data, len, now))
        return false;
    zt__mac_to_bytes(g->mac, mac);
    if (p != NULL)
        zt__vl2_creds_push_if_needed(n, net, p, now); /* before the frame is built in txbuf */
    w = zt__send_begin(n, to, ZT_VERB_MULTICAST_FRAME);
    zt__wr_u64(&w, net->nwid);
    zt__wr_u8(&w, 0x02); /* implicit gather limit follows */
    zt__wr_be(&w, gather, 4);
    zt__wr_bytes(&w, mac, 6);
    zt__wr_be(&w, g->adi, 4);
    zt__wr_u16(&w, (uint16_t)ethertype);
    zt__wr_bytes(&w, data, len);
    return zt__lookup_send_or_queue(n, p, to, &w, true, now) == 0;
}

static void pending_free(zt_node *n, zt_mcast_pending *q)
{
    zt__mem_free(n->mem, q->data);
    memset(q, 0, sizeof(*q));
}

/* Keeps a frame for subscribers learned in the next 5 s; the oldest waiting one gives way. */
static zt_mcast_pending *pending_add(zt_node *n, zt_network *net, const zt_mgroup *g,
                                     uint64_t src_mac, uint64_t dst_mac, unsigned ethertype,
                                     const uint8_t *data, size_t len, unsigned limit, int64_t now)
{
    zt_mcast_pending *q = &net->pending[0];

    for (unsigned i = 0; i < ZT_MCAST_PENDING; i++) {
        if (net->pending[i].data == NULL) {
            q = &net->pending[i];
            break;
        }
        if (net->pending[i].since < q->since)
            q = &net->pending[i];
    }
    pending_free(n, q);
    q->data = zt__mem_calloc(n->mem, 1, len > 0 ? len : 1);
    if (q->data == NULL)
        return NULL;
    if (len > 0)
        memcpy(q->data, data, len);
    q->len = len;
    q->group = *g;
    q->src_mac = src_mac;
    q->dst_mac = dst_mac;
    q->ethertype = ethertype;
    q->since = now;
    q->limit = limit < ZT_MCAST_PENDING_RECIPIENTS ? limit : ZT_MCAST_PENDING_RECIPIENTS;
    return q;
}

/* A subscriber just learned: waiting frames of its group go to it (once each). */
static void pending_deliver(zt_node *n, zt_network *net, const zt_mgroup *g, uint64_t address,
                            int64_t now)
{
    for (unsigned i = 0; i < ZT_MCAST_PENDING; i++) {
        zt_mcast_pending *q = &net->pending[i];
        bool done = false;
        if (q->data == NULL)
            continue;
        if (now - q->since > ZT_MULTICAST_GATHER_DELAY) {
            pending_free(n, q);
            continue;
        }
        if (!zt__mgroup_equal(&q->group, g) || q->nsent >= q->limit)
            continue;
        for (unsigned k = 0; k < q->nsent; k++)
            done = done || q->sent[k] == address;
        /* the limit as it stands now (1.14.1 keeps the one of the first send; close enough) */
        if (!done &&
            send_one(n, net, address, g, q->src_mac, q->dst_mac, q->ethertype, q->data, q->len,
                     gather_limit_for(net->config.multicast_limit, known_members(net, g)), now))
            q->sent[q->nsent++] = address;
    }
}

void zt__mcast_pending_clear(zt_node *n, zt_network *net)
{
    for (unsigned i = 0; i < ZT_MCAST_PENDING; i++)
        pending_free(n, &net->pending[i]);
}

/* Whether a GATHER for |g| is due (§7 step 4): every time while no member is known, else once
 * per ZT_MULTICAST_EXPLICIT_GATHER_DELAY for that group.  Records the time when it is. */
static bool gather_due(zt_network *net, const zt_mgroup *g, unsigned known, int64_t now)
{
    zt_mcast_gathered *slot = NULL, *oldest = &net->gathered[0];

    for (unsigned i = 0; i < ZT_MCAST_GATHERED && slot == NULL; i++) {
        zt_mcast_gathered *e = &net->gathered[i];
        if (e->used && zt__mgroup_equal(&e->group, g))
            slot = e;
        else if (!e->used || (oldest->used && e->when < oldest->when))
            oldest = e;
    }
    if (slot != NULL && known > 0 && now - slot->when < ZT_MULTICAST_EXPLICIT_GATHER_DELAY)
        return false;
    if (slot == NULL)
        slot = oldest; /* the group not gathered for longest gives way */
    slot->group = *g;
    slot->used = true;
    slot->when = now;
    return true;
}

/* Whether the next known member of a group goes into a random pick of |want| out of |left|
 * not yet considered (selection sampling: every subset of |want| is equally likely, in one
 * pass and without allocation; §7 step 2 shuffles). */
static bool pick_next(zt_node *n, unsigned *left, uint64_t *want)
{
    bool take = *want > 0 && zt__host_random(n) % *left < *want;

    (*left)--;
    if (take)
        (*want)--;
    return take;
}

int zt__mcast_send(zt_node *n, zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                   unsigned ethertype, const uint8_t *data, size_t len, int64_t now)
{
    zt_mgroup g = zt__mgroup_for_frame(dst_mac, (uint16_t)ethertype, data, len);
    uint64_t limit = net->config.multicast_limit;
    unsigned sent = 0, known, left;
    uint64_t pick;
    uint32_t want;
    zt_mcast_pending *q;

    if (zt__ndp_intercept(n, net, src_mac, dst_mac, ethertype, data, len))
        return 0; /* answered locally: nothing goes on the wire (§2.5, before the limit) */
    if (limit == 0 || net->mcast == NULL)
        return 0; /* multicast (and ARP) are off on this network (§7) */
    if (zt__mac_is_broadcast(dst_mac) && g.adi == 0 &&
        !(net->config.flags & ZT_NETCONF_FLAG_ENABLE_BROADCAST))
        return 0;
    if (!zt__vl2_filter_allow(n, net, false, 0, src_mac, dst_mac, ethertype, data, len, now))
        return 0;
    known = known_members(net, &g);
    want = gather_limit_for(limit, known);
    if (known < limit && gather_due(net, &g, known, now)) {
        zt_peer *ctl = zt__peer_find(n, net->nwid >> 24);
        zt_peer *root = zt__peer_best_upstream(n, now);
        send_gather(n, net, &g, want, root, now);
        if (ctl != root)
            send_gather(n, net, &g, want, ctl, now);
    }
    q = known < limit ? pending_add(n, net, &g, src_mac, dst_mac, ethertype, data, len,
                                    (unsigned)limit, now)
                      : NULL;
    /* more members than the limit: a random |limit| of them, else all */
    left = known;
    pick = limit;
    for (unsigned i = 0; i < net->nmcast && sent < limit; i++) {
        const zt_mcast_member *m = &net->mcast[i];
        if (!zt__mgroup_equal(&m->group, &g) || (known > limit && !pick_next(n, &left, &pick)) ||
            !send_one(n, net, m->address, &g, src_mac, dst_mac, ethertype, data, len, want,
                      now))
            continue;
        if (q != NULL && q->nsent < q->limit)
            q->sent[q->nsent++] = m->address;
        sent++;
    }
    return 0;
}

/* OK(MULTICAST_FRAME) with gather results when the frame carried a gather limit (§3.5 step 5):
 * the sender learns of more subscribers. */
static void frame_gather_reply(zt_node *n, zt_network *net, zt_peer *p, const uint8_t *pkt,
                               const zt_mgroup *g, uint32_t limit, int64_t now)
{
    uint8_t mac[6];
    zt_wr w;

    if (limit == 0)
        return;
    zt__mac_to_bytes(g->mac, mac);
    w = zt__send_begin_ok(n, p->id.address, ZT_VERB_MULTICAST_FRAME, pkt);
    zt__wr_u64(&w, net->nwid);
    zt__wr_bytes(&w, mac, 6);
    zt__wr_be(&w, g->adi, 4);
    zt__wr_u8(&w, 0x02);
    if (write_gather(n, net, net->nwid, &w, g, p->id.address, limit > 65535 ? 65535 : limit) > 0)
        (void)zt__send_to_peer(n, p, &w, false, now);
}

void zt__mcast_frame_received(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len,
                              int64_t now)
{
    zt_rd r = zt__rd_make(pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    uint8_t flags, mac[6];
    uint64_t nwid, v, src, gather_limit = 0;
    uint16_t ethertype;
    zt_network *net;
    zt_mgroup g;
    zt_com com;

    if (zt__rd_u64(&r, &nwid) != 0 || zt__rd_u8(&r, &flags) != 0)
        return;
    net = zt__membership_network(n, nwid);
    if (net == NULL)
        return;
    if (flags & 0x01) { /* deprecated, still offered before the gate (§3.5 step 1) */
        if (zt__com_read(&r, &com) != 0)
            return;
        zt__vl2_creds_offer_com(n, net, &com, now);
    }
    if ((flags & 0x02) && zt__rd_be(&r, &gather_limit, 4) != 0)
        return;
    src = zt__mac_from_address(p->id.address, nwid);
    if (flags & 0x04) {
        if (zt__rd_bytes(&r, mac, 6) != 0)
            return;
        src = zt__mac_from_bytes(mac);
    }
    if (zt__rd_bytes(&r, mac, 6) != 0 || zt__rd_be(&r, &v, 4) != 0 ||
        zt__rd_u16(&r, &ethertype) != 0)
        return;
    g.mac = zt__mac_from_bytes(mac);
    g.adi = (uint32_t)v;
    if (!zt__mcast_gate(n, net, p, now)) {
        /* The sender pushes its credentials on this (§3.5 step 2, §3.7): a lost push is
         * repaired by the next frame instead of after the 30 s push period. */
        zt__send_vl2_error(n, p, pkt, ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE, nwid,
                           ZT_LOCAL_SOCKET_ANY, NULL, now);
        return;
    }
    if (net->config.multicast_limit == 0 || !zt__mac_is_multicast(g.mac) || src == 0 ||
        zt__mac_is_multicast(src) || src == net->mac ||
        src != zt__mac_from_address(p->id.address, nwid))
        return; /* no bridges here: the source is the peer */
    if (zt__rd_left(&r) > 0 && zt__rd_left(&r) <= 10000 &&
        zt__vl2_filter_allow(n, net, true, p->id.address, src, g.mac, ethertype, r.p,
                             zt__rd_left(&r), now))
        zt__host_frame(n, net, src, g.mac, ethertype, r.p, zt__rd_left(&r));
    if (flags & 0x02)
        frame_gather_reply(n, net, p, pkt, &g, (uint32_t)gather_limit, now);
}

/* The membership gate (§5.7): public, or the peer's COM is current and agrees with ours.  It
 * lives with multicast because passing it is what earns a member our subscriptions (LIKE,
 * §7), at most once per ZT_MULTICAST_ANNOUNCE_PERIOD. */
bool zt__mcast_gate(zt_node *n, zt_network *net, const zt_peer *p, int64_t now)
{
    zt_membership *m;
    bool ok;

    if (!net->has_config)
        return false;
    if (zt__netconf_is_public(&net->config))
        ok = true;
    else {
        m = zt__membership_find(n, net, p->id.address, false);
        ok = m != NULL && m->has_com && net->has_com &&
             zt__com_timestamp(&m->com) > m->com_revoked_below &&
             zt__com_agrees(&net->com, &m->com, &p->id);
    }
    if (ok) {
        m = zt__membership_find(n, net, p->id.address, true);
        if (m != NULL && (m->last_like == 0 || now - m->last_like >= ZT_MULTICAST_ANNOUNCE_PERIOD)) {
            m->last_like = now;
            zt__mcast_announce(n, net, (zt_peer *)p, now);
        }
    }
    return ok;
}
