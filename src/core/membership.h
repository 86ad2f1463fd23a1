/*
 * membership.h: the networks we are in and what we know of their other members, as data:
 * finding a network, a member's record (created on demand, bounded by ZT_MAX_MEMBERSHIPS),
 * and whether our controller configured a peer lately.  The bottom of VL2; calls nothing.
 */
#ifndef ZT_CORE_MEMBERSHIP_H
#define ZT_CORE_MEMBERSHIP_H

#include "core/node_internal.h"

zt_network *zt__membership_network(const zt_node *n, uint64_t nwid);
/* |address|'s record in |net|; with |create|, made if missing (NULL when full or NOMEM). */
zt_membership *zt__membership_find(zt_node *n, zt_network *net, uint64_t address, bool create);
/* True when our controller sent |p| a config for |nwid| in the last 180 s (vl2.md §3.3). */
bool zt__membership_recently_configured(const zt_peer *p, uint64_t nwid, int64_t now);

#endif
