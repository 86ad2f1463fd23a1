/*
 * vl2_creds.h: the credentials of a joined network beyond the COM (vl2.md §3.6-§3.7,
 * §5.3-§5.8, §6.3): our own tags, capabilities and COOs from the config, the ones other members
 * present to us (kept per member, bounded), revocations of every type with fast propagation,
 * and the rules context they give a frame (vl2_filter.c); pushing ours to members.
 */
#ifndef ZT_CORE_VL2_CREDS_H
#define ZT_CORE_VL2_CREDS_H

#include "core/node_internal.h"

/* Per member, the maxima a config may carry (vl2.md §8); a revocation slot for each. */
#define ZT_MEMBER_MAX_TAGS ZT_NETCONF_MAX_TAGS
#define ZT_MEMBER_MAX_CAPS ZT_NETCONF_MAX_CAPABILITIES
#define ZT_MEMBER_MAX_COOS ZT_NETCONF_MAX_COOS
#define ZT_MEMBER_MAX_REVOCATIONS (ZT_MEMBER_MAX_TAGS + ZT_MEMBER_MAX_CAPS + ZT_MEMBER_MAX_COOS)
#define ZT_OWNED_MAX (ZT_NETCONF_MAX_COOS * ZT_COO_MAX_THINGS)

/* A revocation in force for (type, ID) of one member's credentials (§5.5). */
typedef struct zt_cred_threshold {
    uint8_t type; /* ZT_CRED_TAG, ZT_CRED_CAPABILITY or ZT_CRED_COO */
    uint32_t id;
    int64_t threshold;
} zt_cred_threshold;

/* What one member presented (verified, one per ID, §5.8).  Arrays grow on demand up to the
 * maxima above; when full, a new ID replaces the oldest (lowest timestamp / threshold). */
typedef struct zt_member_creds {
    zt_tag *tags;
    unsigned ntags, cap_tags;
    zt_capability *caps;
    unsigned ncaps, cap_caps;
    zt_coo coos[ZT_MEMBER_MAX_COOS];
    unsigned ncoos;
    zt_cred_threshold *revs;
    unsigned nrevs, cap_revs;
} zt_member_creds;

/* Ours, from the config in force (§4.3 CAP, TAG, COO); tags and capabilities by ascending ID. */
typedef struct zt_net_creds {
    zt_tag *tags;             /* owned, ntags */
    zt_rules_tag *rtags;      /* owned, ntags: the same for the rules context */
    unsigned ntags;
    zt_capability *caps;      /* owned, ncaps */
    zt_rules_cap *rcaps;      /* owned, ncaps: their rule sets for the filter */
    unsigned ncaps;
    zt_coo coos[ZT_NETCONF_MAX_COOS];
    unsigned ncoos;
    zt_rules_owned owned[ZT_OWNED_MAX]; /* the things our COOs list */
    unsigned nowned;
    bool has_sixplane, has_rfc4193;     /* our NDP-emulated prefixes (§2.5, §6.2) */
    uint8_t sixplane[5], rfc4193[11];
} zt_net_creds;

/* A member's usable credentials (§5.8 last point) as the rules engine takes them. */
typedef struct zt_vl2_peer_view {
    zt_rules_tag tags[ZT_MEMBER_MAX_TAGS];
    size_t ntags;
    zt_rules_cap caps[ZT_MEMBER_MAX_CAPS];
    size_t ncaps;
    zt_rules_owned owned[ZT_OWNED_MAX];
    size_t nowned;
} zt_vl2_peer_view;

/* Rebuilds net->own from the config in force (on every config applied).  Without memory the
 * network runs with no tags, capabilities or COOs of ours. */
void zt__vl2_creds_apply_own(zt_node *n, zt_network *net);
/* Frees net->own and every member's credentials. */
void zt__vl2_creds_free(zt_node *n, zt_network *net);
/* NETWORK_CREDENTIALS from |p| (the whole dearmored packet). */
void zt__vl2_creds_received(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len,
                            int64_t now);
/* A COM attached to a frame (deprecated EXT_FRAME flag 0x01): offered as in §5.8. */
void zt__vl2_creds_offer_com(zt_node *n, zt_network *net, const zt_com *com, int64_t now);
/* Fills |v| with what member |m| (may be NULL) presented and may be used now. */
void zt__vl2_creds_peer_view(const zt_network *net, const zt_membership *m, zt_vl2_peer_view *v);

/* Sends |p| our credentials for |net| (NETWORK_CREDENTIALS, §3.7). */
void zt__vl2_creds_push(zt_node *n, zt_network *net, zt_peer *p, int64_t now);
/* Before unicast to a member: pushes iff never since the config in force, or long ago. */
void zt__vl2_creds_push_if_needed(zt_node *n, zt_network *net, zt_peer *p, int64_t now);

#endif
