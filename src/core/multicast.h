/*
 * multicast.h: multicast on joined networks (vl2.md §7): our subscriptions and their
 * announcement (LIKE), other members' subscriptions, GATHER, MULTICAST_FRAME, and the
 * membership gate that lets a member's frames in (§5.7).
 */
#ifndef ZT_CORE_MULTICAST_H
#define ZT_CORE_MULTICAST_H

#include "core/node_internal.h"

int zt__mcast_send(zt_node *n, zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                   unsigned ethertype, const uint8_t *data, size_t len, int64_t now);
void zt__mcast_like_received(zt_node *n, zt_peer *p, const uint8_t *payload, size_t len,
                             int64_t now);
void zt__mcast_gather_received(zt_node *n, zt_peer *p, int64_t local_socket,
                               const zt_inetaddr *from, const uint8_t *pkt, size_t len,
                               int64_t now);
void zt__mcast_gather_ok(zt_node *n, const uint8_t *payload, size_t len, bool is_frame,
                         int64_t now);
void zt__mcast_frame_received(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len,
                              int64_t now);
void zt__mcast_announce(zt_node *n, zt_network *net, zt_peer *to, int64_t now);
/* Subscribes |net| to a group without announcing it now (the caller announces, or the next
 * tick does): a config's own groups, announced together. */
int zt__mcast_subscribe_quiet(zt_network *net, uint64_t mac, uint32_t adi, int64_t now);
void zt__mcast_add_member(zt_node *n, zt_network *net, const zt_mgroup *g, uint64_t address,
                          int64_t now);
void zt__mcast_pending_clear(zt_node *n, zt_network *net);
void zt__mcast_expire(zt_network *net, int64_t now);
void zt__mcast_foreign_expire(zt_node *n, int64_t now);
/* The membership gate (vl2.md §5.7); a member that passes gets our LIKEs (§7). */
bool zt__mcast_gate(zt_node *n, zt_network *net, const zt_peer *p, int64_t now);

#endif
