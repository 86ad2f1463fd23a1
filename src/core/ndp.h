/*
 * ndp.h: NDP emulation on the multicast send path (vl2.md §2.5).
 */
#ifndef ZT_CORE_NDP_H
#define ZT_CORE_NDP_H

#include "core/node_internal.h"

/* When |net|'s config has flag 0x04 and the frame is a Neighbor Solicitation for another
 * member's rfc4193/6PLANE address, hands the synthesized Neighbor Advertisement to the frame
 * callback and returns true (nothing is sent). */
bool zt__ndp_intercept(zt_node *n, zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                       unsigned ethertype, const uint8_t *data, size_t len);

#endif
