/*
 * network.h: joined networks (vl2.md §1.3-§1.4, §3.8-§3.10): joining and leaving, config
 * requests and config chunks, status, and the controller beside us answering requests.
 */
#ifndef ZT_CORE_NETWORK_H
#define ZT_CORE_NETWORK_H

#include "core/node_internal.h"

void zt__network_timers(zt_node *n, int64_t now);
void zt__network_clear_all(zt_node *n);
void zt__network_online(zt_node *n, int64_t now);
/* OK(NETWORK_CONFIG_REQUEST) (|is_push| false; |chunk| after the OK header) or NETWORK_CONFIG
 * (|is_push| true; the payload) from |p| (NULL: from the controller beside us; |pkt| is then
 * NULL too). */
void zt__network_config_chunk(zt_node *n, zt_peer *p, const uint8_t *pkt, const uint8_t *chunk,
                              size_t len, bool is_push, int64_t now);
/* An ERROR in re NETWORK_CONFIG_REQUEST (payload from the in-re verb on). */
void zt__network_config_error(zt_node *n, zt_peer *p, const uint8_t *payload, size_t len);
/* A NETWORK_CONFIG_REQUEST addressed to us. */
void zt__network_config_request(zt_node *n, zt_peer *p, int64_t local_socket,
                                const zt_inetaddr *from, const uint8_t *pkt, size_t len,
                                int64_t now);

#endif
