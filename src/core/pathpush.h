/*
 * pathpush.h: PUSH_DIRECT_PATHS (vl1.md §4.7), both ways.  We tell a peer we share a network
 * with where it can reach us directly (our interface addresses, a port mapping, the external
 * addresses others saw us at); a peer's push makes us try its addresses.  Uses host, peer
 * and send.
 */
#ifndef ZT_CORE_PATHPUSH_H
#define ZT_CORE_PATHPUSH_H

#include "core/node_internal.h"

/* After a packet from |p| that passed a network's membership gate ("trust established",
 * §4.7): sends it our addresses, at most every ZT_DIRECT_PATH_PUSH_INTERVAL while its packets
 * reach us relayed (|hops| > 0), every ZT_DIRECT_PATH_PUSH_INTERVAL_HAVEPATH when direct. */
void zt__pathpush_send(zt_node *n, zt_peer *p, unsigned hops, int64_t now);

/* A PUSH_DIRECT_PATHS from |p| (|pkt|, |len|: the dearmored packet): contacts the addresses
 * it lists that are new and acceptable, within the receiver's rate limits. */
void zt__pathpush_received(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len,
                           int64_t now);

#endif
