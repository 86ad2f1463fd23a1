/*
 * vl1.h: the handling of a received packet addressed to us (vl1.md §4): authentication,
 * the identity gate, the VL1 verbs (HELLO, OK, ERROR, WHOIS, RENDEZVOUS, ECHO,
 * PUSH_DIRECT_PATHS, USER_MESSAGE); VL2's verbs are handed to vl2.c, OK and ERROR in re
 * VL2 requests to network.c and multicast.c.  Called by node.c only.
 */
#ifndef ZT_CORE_VL1_H
#define ZT_CORE_VL1_H

#include "core/node_internal.h"

/* Handles a whole (reassembled) packet addressed to us. */
int zt__vl1_handle(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                   const uint8_t *pkt, size_t len, int64_t now);

#endif
