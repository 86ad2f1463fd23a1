/* Credentials of joined networks (vl2.md §3.6-§3.7, §5.2-§5.8): ours from the config and
 * pushed in NETWORK_CREDENTIALS; other members' COMs, tags, capabilities and COOs accepted,
 * stored per member within bounds and revoked; fast-propagated revocations forwarded. */
#include "core/vl2_creds.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/host.h"
#include "core/lookup.h"
#include "core/membership.h"
#include "core/peer.h"
#include "core/send.h"

/* Wire size bounds used to fill NETWORK_CREDENTIALS packets (§5.3, §5.4, §5.6). */
#define CAP_WIRE_MAX                                                                          \
    (8 + 8 + 4 + 2 + ZT_RULES_CAPABILITY_MAX * (2 + 32) + 1 +                                 \
     ZT_CAP_MAX_CUSTODY * (5 + 5 + 1 + 2 + ZT_SIGNATURE_LEN) + 5 + 2)
#define COO_WIRE_MAX (8 + 8 + 8 + 4 + 2 + ZT_COO_MAX_THINGS * 17 + 5 + 5 + 3 + ZT_SIGNATURE_LEN + 2)
#define SECTION_TAIL 16 /* the counts that still have to follow */

/* ---------------------------------------------------------------- ours, from the config */

static int cmp_tag(const void *a, const void *b)
{
    uint32_t x = ((const zt_tag *)a)->id, y = ((const zt_tag *)b)->id;
    return x < y ? -1 : x > y;
}

static int cmp_cap(const void *a, const void *b)
{
    uint32_t x = ((const zt_capability *)a)->id, y = ((const zt_capability *)b)->id;
    return x < y ? -1 : x > y;
}

static void own_free(zt_node *n, zt_net_creds *own)
{
    if (own == NULL)
        return;
    zt__mem_free(n->mem, own->tags);
    zt__mem_free(n->mem, own->rtags);
    zt__mem_free(n->mem, own->caps);
    zt__mem_free(n->mem, own->rcaps);
    zt__mem_free(n->mem, own);
}

/* Tags of the TAG blob (a truncated list just stops, §4.4), by ascending ID. */
static void own_tags(zt_node *n, const zt_network *net, zt_net_creds *own)
{
    size_t len;
    const uint8_t *blob = zt__netconf_blob(&net->config, ZT_NETCONF_BLOB_TAGS, &len);
    zt_rd r = zt__rd_make(blob, len);
    unsigned count = 0;
    zt_tag t;

    while (count < ZT_NETCONF_MAX_TAGS && zt__rd_left(&r) > 0 && zt__tag_read(&r, &t) == 0)
        count++;
    if (count == 0)
        return;
    own->tags = zt__mem_calloc(n->mem, count, sizeof(*own->tags));
    own->rtags = zt__mem_calloc(n->mem, count, sizeof(*own->rtags));
    if (own->tags == NULL || own->rtags == NULL)
        return;
    r = zt__rd_make(blob, len);
    for (unsigned i = 0; i < count; i++)
        (void)zt__tag_read(&r, &own->tags[i]);
    qsort(own->tags, count, sizeof(*own->tags), cmp_tag);
    for (unsigned i = 0; i < count; i++) {
        own->rtags[i].id = own->tags[i].id;
        own->rtags[i].value = own->tags[i].value;
    }
    own->ntags = count;
}

/* Capabilities of the CAP blob, by ascending ID (the order §6.3 tries them outbound). */
static void own_caps(zt_node *n, const zt_network *net, zt_net_creds *own)
{
    size_t len;
    const uint8_t *blob = zt__netconf_blob(&net->config, ZT_NETCONF_BLOB_CAPS, &len);
    zt_rd r = zt__rd_make(blob, len);
    unsigned count = 0;
    zt_capability *c = len > 0 ? zt__mem_calloc(n->mem, 1, sizeof(*c)) : NULL;

    while (c != NULL && count < ZT_NETCONF_MAX_CAPABILITIES && zt__rd_left(&r) > 0 &&
           zt__capability_read(&r, c) == 0)
        count++;
    zt__mem_free(n->mem, c);
    if (count == 0)
        return;
    own->caps = zt__mem_calloc(n->mem, count, sizeof(*own->caps));
    own->rcaps = zt__mem_calloc(n->mem, count, sizeof(*own->rcaps));
    if (own->caps == NULL || own->rcaps == NULL)
        return;
    r = zt__rd_make(blob, len);
    for (unsigned i = 0; i < count; i++)
        (void)zt__capability_read(&r, &own->caps[i]);
    qsort(own->caps, count, sizeof(*own->caps), cmp_cap);
    for (unsigned i = 0; i < count; i++) {
        own->rcaps[i].id = own->caps[i].id;
        own->rcaps[i].rules = own->caps[i].rules;
        own->rcaps[i].n = own->caps[i].rule_count;
    }
    own->ncaps = count;
}

/* COOs (at most 4, §5.6) and what they list; our 6PLANE / rfc4193 prefixes when the config
 * has NDP emulation on and assigns us those addresses (§2.5: they count as authenticated
 * sender IPs). */
static void own_coos(const zt_node *n, const zt_network *net, zt_net_creds *own)
{
    size_t len;
    const uint8_t *blob = zt__netconf_blob(&net->config, ZT_NETCONF_BLOB_COOS, &len);
    zt_rd r = zt__rd_make(blob, len);
    zt_inetaddr six, rfc;

    while (own->ncoos < ZT_NETCONF_MAX_COOS && zt__rd_left(&r) > 0 &&
           zt__coo_read(&r, &own->coos[own->ncoos]) == 0) {
        const zt_coo *c = &own->coos[own->ncoos++];
        for (unsigned i = 0; i < c->thing_count && own->nowned < ZT_OWNED_MAX; i++)
            own->owned[own->nowned++] = c->things[i];
    }
    if (!(net->config.flags & ZT_NETCONF_FLAG_ENABLE_NDP_EMULATION))
        return;
    zt__ipv6_6plane(net->nwid, n->address, &six);
    zt__ipv6_rfc4193(net->nwid, n->address, &rfc);
    for (unsigned i = 0; i < net->config.n_static_ips; i++) {
        const zt_inetaddr *ip = &net->config.static_ips[i];
        if (ip->family != six.family)
            continue;
        if (memcmp(ip->ip, six.ip, 16) == 0) {
            own->has_sixplane = true;
            memcpy(own->sixplane, six.ip, 5);
        }
        if (memcmp(ip->ip, rfc.ip, 16) == 0) {
            own->has_rfc4193 = true;
            memcpy(own->rfc4193, rfc.ip, 11);
        }
    }
}

void zt__vl2_creds_apply_own(zt_node *n, zt_network *net)
{
    zt_net_creds *own = zt__mem_calloc(n->mem, 1, sizeof(*own));

    own_free(n, net->own);
    net->own = own;
    if (own == NULL)
        return;
    own_tags(n, net, own);
    own_caps(n, net, own);
    own_coos(n, net, own);
}

/* ---------------------------------------------------------------- members' */

static void member_creds_free(zt_node *n, zt_membership *m)
{
    if (m->creds == NULL)
        return;
    zt__mem_free(n->mem, m->creds->tags);
    zt__mem_free(n->mem, m->creds->caps);
    zt__mem_free(n->mem, m->creds->revs);
    zt__mem_free(n->mem, m->creds);
    m->creds = NULL;
}

void zt__vl2_creds_free(zt_node *n, zt_network *net)
{
    own_free(n, net->own);
    net->own = NULL;
    for (unsigned i = 0; i < net->nmembers; i++)
        member_creds_free(n, &net->members[i]);
}

static zt_member_creds *member_creds(zt_node *n, zt_membership *m)
{
    if (m->creds == NULL)
        m->creds = zt__mem_calloc(n->mem, 1, sizeof(*m->creds));
    return m->creds;
}

/* Room for one more element in an array of |*cap| (grown by doubling up to |max|).  Returns
 * false when the array is full at |max| or memory ran out. */
static bool grow(zt_node *n, void **arr, unsigned count, unsigned *cap, size_t size, unsigned max)
{
    unsigned ncap;
    void *bigger;

    if (count < *cap)
        return true;
    if (*cap >= max)
        return false;
    ncap = *cap == 0 ? 4 : *cap * 2;
    if (ncap > max)
        ncap = max;
    bigger = zt__mem_calloc(n->mem, ncap, size);
    if (bigger == NULL)
        return false;
    if (count > 0)
        memcpy(bigger, *arr, (size_t)count * size);
    zt__mem_free(n->mem, *arr);
    *arr = bigger;
    *cap = ncap;
    return true;
}

/* The element with the oldest int64_t timestamp (at |ts_off| in each |size|-byte element) of
 * a full array of |n| > 0: the one that gives way to a newer credential. */
static void *oldest(void *arr, unsigned n, size_t size, size_t ts_off)
{
    uint8_t *best = arr;
    int64_t best_ts, ts;

    memcpy(&best_ts, best + ts_off, sizeof(best_ts));
    for (unsigned i = 1; i < n; i++) {
        uint8_t *e = (uint8_t *)arr + (size_t)i * size;
        memcpy(&ts, e + ts_off, sizeof(ts));
        if (ts < best_ts) {
            best = e;
            best_ts = ts;
        }
    }
    return best;
}

static int64_t *threshold_of(zt_member_creds *mc, uint8_t type, uint32_t id)
{
    if (mc == NULL)
        return NULL;
    for (unsigned i = 0; i < mc->nrevs; i++)
        if (mc->revs[i].type == type && mc->revs[i].id == id)
            return &mc->revs[i].threshold;
    return NULL;
}

static zt_tag *tag_of(zt_member_creds *mc, uint32_t id)
{
    for (unsigned i = 0; mc != NULL && i < mc->ntags; i++)
        if (mc->tags[i].id == id)
            return &mc->tags[i];
    return NULL;
}

static zt_capability *cap_of(zt_member_creds *mc, uint32_t id)
{
    for (unsigned i = 0; mc != NULL && i < mc->ncaps; i++)
        if (mc->caps[i].id == id)
            return &mc->caps[i];
    return NULL;
}

static zt_coo *coo_of(zt_member_creds *mc, uint32_t id)
{
    for (unsigned i = 0; mc != NULL && i < mc->ncoos; i++)
        if (mc->coos[i].id == id)
            return &mc->coos[i];
    return NULL;
}

/* The membership record of |address| with its credential store, or NULL (limits, memory). */
static zt_member_creds *store_for(zt_node *n, zt_network *net, uint64_t address)
{
    zt_membership *m = zt__membership_find(n, net, address, true);
    return m != NULL ? member_creds(n, m) : NULL;
}

static zt_member_creds *creds_of(zt_node *n, zt_network *net, uint64_t address)
{
    zt_membership *m = zt__membership_find(n, net, address, false);
    return m != NULL ? m->creds : NULL;
}

/* Tag (§5.8): admitted against the held one and revocations, verified, one per ID. */
static void accept_tag(zt_node *n, zt_network *net, const zt_identity *ctl, const zt_tag *t)
{
    zt_member_creds *mc = creds_of(n, net, t->issued_to);
    zt_tag *slot = tag_of(mc, t->id);

    if (zt__tag_admit(t, net->nwid, slot, threshold_of(mc, ZT_CRED_TAG, t->id)) !=
            ZT_CRED_ADMIT_NEW ||
        zt__tag_verify(t, ctl) != 0 || (mc = store_for(n, net, t->issued_to)) == NULL)
        return;
    if (slot == NULL) {
        if (grow(n, (void **)&mc->tags, mc->ntags, &mc->cap_tags, sizeof(*mc->tags),
                 ZT_MEMBER_MAX_TAGS))
            slot = &mc->tags[mc->ntags++];
        else if (mc->ntags > 0) /* full: the oldest gives way */
            slot = oldest(mc->tags, mc->ntags, sizeof(*mc->tags), offsetof(zt_tag, timestamp));
    }
    if (slot != NULL)
        *slot = *t;
}

typedef struct {
    zt_node *n;
    uint64_t missing;
} id_lookup;

static const zt_identity *lookup_identity(void *arg, uint64_t address)
{
    id_lookup *l = arg;
    const zt_peer *p;

    if (address == l->n->address)
        return &l->n->self;
    p = zt__peer_find(l->n, address);
    if (p == NULL && l->missing == 0)
        l->missing = address;
    return p != NULL ? &p->id : NULL;
}

/* Capability (§5.8, custody chain §5.3).  Returns ZT_ERR_AGAIN when a custody signer's
 * identity is unknown (asked for; the sender pushes again), else 0. */
static int accept_cap(zt_node *n, zt_network *net, const zt_identity *ctl,
                      const zt_capability *c, int64_t now)
{
    uint64_t to = zt__capability_issued_to(c);
    zt_member_creds *mc = creds_of(n, net, to);
    zt_capability *slot = cap_of(mc, c->id);
    id_lookup l = {n, 0};
    int rv;

    if (to == 0 || zt__capability_admit(c, net->nwid, slot,
                                        threshold_of(mc, ZT_CRED_CAPABILITY, c->id)) !=
                       ZT_CRED_ADMIT_NEW)
        return 0;
    rv = zt__capability_verify(c, ctl, lookup_identity, &l);
    if (rv == ZT_ERR_AGAIN && l.missing != 0) {
        zt__lookup_whois(n, l.missing, now);
        return ZT_ERR_AGAIN;
    }
    if (rv != 0 || (mc = store_for(n, net, to)) == NULL)
        return 0;
    if (slot == NULL) {
        if (grow(n, (void **)&mc->caps, mc->ncaps, &mc->cap_caps, sizeof(*mc->caps),
                 ZT_MEMBER_MAX_CAPS))
            slot = &mc->caps[mc->ncaps++];
        else if (mc->ncaps > 0)
            slot = oldest(mc->caps, mc->ncaps, sizeof(*mc->caps),
                          offsetof(zt_capability, timestamp));
    }
    if (slot != NULL)
        *slot = *c;
    return 0;
}

static void accept_coo(zt_node *n, zt_network *net, const zt_identity *ctl, const zt_coo *c)
{
    zt_member_creds *mc = creds_of(n, net, c->issued_to);
    zt_coo *slot = coo_of(mc, c->id);

    if (zt__coo_admit(c, net->nwid, slot, threshold_of(mc, ZT_CRED_COO, c->id)) !=
            ZT_CRED_ADMIT_NEW ||
        zt__coo_verify(c, ctl) != 0 || (mc = store_for(n, net, c->issued_to)) == NULL)
        return;
    if (slot == NULL) {
        if (mc->ncoos < ZT_MEMBER_MAX_COOS)
            slot = &mc->coos[mc->ncoos++];
        else
            slot = oldest(mc->coos, mc->ncoos, sizeof(*mc->coos), offsetof(zt_coo, timestamp));
    }
    *slot = *c;
}

static void accept_com(zt_node *n, zt_network *net, const zt_identity *ctl, const zt_com *c)
{
    zt_membership *m = zt__membership_find(n, net, zt__com_issued_to(c), false);

    if (zt__com_admit(c, net->nwid, m != NULL && m->has_com ? &m->com : NULL,
                      m != NULL ? m->com_revoked_below : 0) != ZT_CRED_ADMIT_NEW ||
        zt__com_verify(c, ctl) != 0)
        return;
    m = zt__membership_find(n, net, zt__com_issued_to(c), true);
    if (m == NULL)
        return;
    m->com = *c;
    m->has_com = true;
}

/* A revocation of a tag/capability/COO (§5.5): the threshold for (type, ID), kept per member
 * (when full, the lowest threshold gives way); a held credential it covers is dropped. */
static void revoke_credential(zt_node *n, zt_member_creds *mc, const zt_revocation *rev)
{
    int64_t *thr = threshold_of(mc, rev->type, rev->credential_id);
    unsigned i;

    if (thr == NULL) {
        zt_cred_threshold *slot = NULL;
        if (grow(n, (void **)&mc->revs, mc->nrevs, &mc->cap_revs, sizeof(*mc->revs),
                 ZT_MEMBER_MAX_REVOCATIONS))
            slot = &mc->revs[mc->nrevs++];
        else {
            slot = &mc->revs[0];
            for (i = 1; i < mc->nrevs; i++)
                if (mc->revs[i].threshold < slot->threshold)
                    slot = &mc->revs[i];
        }
        slot->type = rev->type;
        slot->id = rev->credential_id;
        thr = &slot->threshold;
    }
    *thr = rev->threshold;
    if (rev->type == ZT_CRED_TAG) {
        for (i = 0; i < mc->ntags; i++)
            if (mc->tags[i].id == rev->credential_id && mc->tags[i].timestamp <= rev->threshold)
                mc->tags[i--] = mc->tags[--mc->ntags];
    } else if (rev->type == ZT_CRED_CAPABILITY) {
        for (i = 0; i < mc->ncaps; i++)
            if (mc->caps[i].id == rev->credential_id && mc->caps[i].timestamp <= rev->threshold)
                mc->caps[i--] = mc->caps[--mc->ncaps];
    } else {
        for (i = 0; i < mc->ncoos; i++)
            if (mc->coos[i].id == rev->credential_id && mc->coos[i].timestamp <= rev->threshold)
                mc->coos[i--] = mc->coos[--mc->ncoos];
    }
}

/* §5.5 fast propagation: a newly accepted revocation flagged 0x1 goes on to every member we
 * have a record for, except the one it came from and its signer.  Each node forwards a given
 * revocation at most once (a second copy no longer raises the threshold: redundant), so it
 * cannot loop; one packet per member record (at most ZT_MAX_MEMBERSHIPS). */
static void propagate(zt_node *n, zt_network *net, const zt_revocation *rev, uint64_t sender,
                      int64_t now)
{
    for (unsigned i = 0; i < net->nmembers; i++) {
        uint64_t a = net->members[i].address;
        zt_wr w;
        if (a == sender || a == rev->signer || a == n->address)
            continue;
        /* a member whose identity we no longer hold gets it after a WHOIS (bounded queue) */
        w = zt__send_begin(n, a, ZT_VERB_NETWORK_CREDENTIALS);
        zt__netcreds_write(&w, NULL, NULL, 0, NULL, 0, rev, 1, NULL, 0);
        (void)zt__lookup_send_or_queue(n, zt__peer_find(n, a), a, &w, false, now);
    }
}

static void accept_revocation(zt_node *n, zt_network *net, const zt_identity *ctl,
                              const zt_revocation *rev, uint64_t sender, int64_t now)
{
    zt_membership *m = zt__membership_find(n, net, rev->target, false);
    const int64_t *thr;
    zt_member_creds *mc;

    if (rev->type == ZT_CRED_COM)
        thr = m != NULL ? &m->com_revoked_below : NULL;
    else if (rev->type == ZT_CRED_TAG || rev->type == ZT_CRED_CAPABILITY ||
             rev->type == ZT_CRED_COO)
        thr = threshold_of(m != NULL ? m->creds : NULL, rev->type, rev->credential_id);
    else
        return;
    if (zt__revocation_admit(rev, net->nwid, thr) != ZT_CRED_ADMIT_NEW ||
        zt__revocation_verify(rev, ctl) != 0)
        return;
    /* 1.14.1 also raises the COM threshold for the other types (§5.5 quirk); we do not: a
     * revoked tag does not cut the member off the network (docs/decisions.md). */
    if (rev->type == ZT_CRED_COM) {
        if ((m = zt__membership_find(n, net, rev->target, true)) == NULL)
            return;
        m->com_revoked_below = rev->threshold;
    } else {
        if ((mc = store_for(n, net, rev->target)) == NULL)
            return;
        revoke_credential(n, mc, rev);
    }
    if (rev->flags & ZT_REVOCATION_FLAG_FAST_PROPAGATE)
        propagate(n, net, rev, sender, now);
}

static uint64_t credential_nwid(const zt_credential *c)
{
    switch (c->type) {
    case ZT_CRED_COM:
        return zt__com_network_id(&c->u.com);
    case ZT_CRED_CAPABILITY:
        return c->u.cap.nwid;
    case ZT_CRED_TAG:
        return c->u.tag.nwid;
    case ZT_CRED_COO:
        return c->u.coo.nwid;
    case ZT_CRED_REVOCATION:
        return c->u.rev.nwid;
    default:
        return 0;
    }
}

/* The network's controller: ourselves (the controller beside this node), a known peer, or
 * NULL after asking for it. */
static const zt_identity *controller_identity(zt_node *n, uint64_t nwid, int64_t now)
{
    uint64_t a = nwid >> 24;
    const zt_peer *p;

    if (a == n->address)
        return &n->self;
    p = zt__peer_find(n, a);
    if (p == NULL)
        zt__lookup_whois(n, a, now); /* the sender pushes again (§3.6) */
    return p != NULL ? &p->id : NULL;
}

void zt__vl2_creds_offer_com(zt_node *n, zt_network *net, const zt_com *com, int64_t now)
{
    const zt_identity *ctl;

    if (zt__com_network_id(com) == net->nwid &&
        (ctl = controller_identity(n, net->nwid, now)) != NULL)
        accept_com(n, net, ctl, com);
}

/* §3.6, §5.8: every credential is offered to the network it names, keyed by its subject. */
void zt__vl2_creds_received(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len,
                            int64_t now)
{
    zt_netcreds_reader it;
    zt_credential *c;

    if (now - p->last_creds < ZT_CREDENTIALS_RATE_LIMIT)
        return;
    if ((c = zt__mem_calloc(n->mem, 1, sizeof(*c))) == NULL)
        return;
    p->last_creds = now;
    zt__netcreds_begin(&it, pkt + ZT_PKT_IDX_PAYLOAD, len - ZT_PKT_IDX_PAYLOAD);
    while (zt__netcreds_next(&it, c) == 1) {
        uint64_t nwid = credential_nwid(c);
        zt_network *net = nwid != 0 ? zt__membership_network(n, nwid) : NULL;
        const zt_identity *ctl;
        if (net == NULL)
            continue;
        if ((ctl = controller_identity(n, nwid, now)) == NULL)
            break;
        if (c->type == ZT_CRED_COM)
            accept_com(n, net, ctl, &c->u.com);
        else if (c->type == ZT_CRED_TAG)
            accept_tag(n, net, ctl, &c->u.tag);
        else if (c->type == ZT_CRED_COO)
            accept_coo(n, net, ctl, &c->u.coo);
        else if (c->type == ZT_CRED_REVOCATION)
            accept_revocation(n, net, ctl, &c->u.rev, p->id.address, now);
        else if (c->type == ZT_CRED_CAPABILITY && accept_cap(n, net, ctl, &c->u.cap, now) != 0)
            break;
    }
    zt__mem_free(n->mem, c);
}

/* ---------------------------------------------------------------- what a member may use */

void zt__vl2_creds_peer_view(const zt_network *net, const zt_membership *m, zt_vl2_peer_view *v)
{
    zt_member_creds *mc = m != NULL ? m->creds : NULL;
    int64_t ts = net->config.timestamp;
    int64_t ctmd = net->config.ctmd > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)net->config.ctmd;

    v->ntags = v->ncaps = v->nowned = 0;
    if (mc == NULL)
        return;
    for (unsigned i = 0; i < mc->ntags; i++) {
        const zt_tag *t = &mc->tags[i];
        if (zt__credential_usable(t->timestamp, ts, ctmd, threshold_of(mc, ZT_CRED_TAG, t->id)))
            v->tags[v->ntags++] = (zt_rules_tag){t->id, t->value};
    }
    for (unsigned i = 0; i < mc->ncaps; i++) {
        const zt_capability *c = &mc->caps[i];
        size_t k = v->ncaps++;
        if (!zt__credential_usable(c->timestamp, ts, ctmd,
                                   threshold_of(mc, ZT_CRED_CAPABILITY, c->id))) {
            v->ncaps--;
            continue;
        }
        for (; k > 0 && v->caps[k - 1].id > c->id; k--) /* by ascending ID, as ours */
            v->caps[k] = v->caps[k - 1];
        v->caps[k] = (zt_rules_cap){c->id, c->rules, c->rule_count};
    }
    for (unsigned i = 0; i < mc->ncoos; i++) {
        const zt_coo *c = &mc->coos[i];
        if (!zt__credential_usable(c->timestamp, ts, ctmd, threshold_of(mc, ZT_CRED_COO, c->id)))
            continue;
        for (unsigned k = 0; k < c->thing_count && v->nowned < ZT_OWNED_MAX; k++)
            v->owned[v->nowned++] = c->things[k];
    }
}

/* ---------------------------------------------------------------- pushing ours (§3.6) */

/* Writes a counted section of up to |left| credentials while |room| bytes stay free after
 * each; returns how many were written. */
#define SECTION(w, arr, count, at, room, write_fn)                                            \
    do {                                                                                       \
        uint8_t *cnt_ = (w)->p;                                                                \
        unsigned k_ = 0;                                                                       \
        zt__wr_u16((w), 0);                                                                    \
        while ((at) < (count) && (size_t)((w)->end - (w)->p) >= (room) + SECTION_TAIL) {       \
            write_fn((w), &(arr)[(at)++]);                                                     \
            k_++;                                                                              \
        }                                                                                      \
        if (!(w)->overflow)                                                                    \
            zt__store_be(cnt_, k_, 2);                                                         \
    } while (0)

/* NETWORK_CREDENTIALS with our COM, capabilities, tags and COOs: the COM in the first packet
 * only, as many of the others as fit, further packets for the rest (§3.6). */
void zt__vl2_creds_push(zt_node *n, zt_network *net, zt_peer *p, int64_t now)
{
    zt_membership *m = zt__membership_find(n, net, p->id.address, true);
    const zt_net_creds *own = net->own;
    static const zt_net_creds none;
    unsigned ci = 0, ti = 0, oi = 0;
    bool com = net->has_com;

    if (m != NULL)
        m->last_pushed = now;
    if (own == NULL)
        own = &none;
    while (com || ci < own->ncaps || ti < own->ntags || oi < own->ncoos) {
        unsigned before = ci + ti + oi;
        zt_wr w = zt__send_begin(n, p->id.address, ZT_VERB_NETWORK_CREDENTIALS);
        if (com)
            zt__com_write(&w, &net->com);
        zt__wr_u8(&w, 0);
        SECTION(&w, own->caps, own->ncaps, ci, CAP_WIRE_MAX, zt__capability_write);
        SECTION(&w, own->tags, own->ntags, ti, ZT_TAG_LEN, zt__tag_write);
        zt__wr_u16(&w, 0); /* members push no revocations (§3.7) */
        SECTION(&w, own->coos, own->ncoos, oi, COO_WIRE_MAX, zt__coo_write);
        if (w.overflow || (!com && ci + ti + oi == before))
            break; /* cannot happen with the bounds above; never loop */
        com = false;
        (void)zt__send_to_peer(n, p, &w, false, now);
    }
}

/* Before unicast to a member: push iff never since this config, or long ago (§3.7).  Public
 * networks too (tags, capabilities and COOs matter there); nothing to push sends nothing. */
void zt__vl2_creds_push_if_needed(zt_node *n, zt_network *net, zt_peer *p, int64_t now)
{
    zt_membership *m = zt__membership_find(n, net, p->id.address, true);

    if (m == NULL || m->last_pushed < net->config_applied ||
        now - m->last_pushed >= ZT_CREDENTIALS_PUSH_PERIOD)
        zt__vl2_creds_push(n, net, p, now);
}
