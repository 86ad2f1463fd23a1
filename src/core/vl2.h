/*
 * vl2.h: the VL2 verbs received (FRAME, EXT_FRAME, MULTICAST_*, NETWORK_CREDENTIALS) and
 * what a joined network's config sets up (vl2.md §3.1-§3.2, §3.10, §9); called by vl1.c
 * for the verbs and by network.c for configs and timers.
 */
#ifndef ZT_CORE_VL2_H
#define ZT_CORE_VL2_H

#include "core/node_internal.h"

/* A new config: our COM, tags, capabilities, COOs and rules from it, our address-resolution
 * groups, pushes restart. */
void zt__vl2_config_applied(zt_node *n, zt_network *net, int64_t now);
void zt__vl2_network_free(zt_node *n, zt_network *net);
void zt__vl2_handle(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                    unsigned verb, const uint8_t *pkt, size_t len, int64_t now);
void zt__vl2_error(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len, int64_t now);
void zt__vl2_timers(zt_node *n, zt_network *net, int64_t now);

#endif
