/*
 * host.h: the node's way out to its embedder (node.h's callbacks): random numbers, events,
 * datagrams and frames.  The lowest layer of src/core: every other module may call it, it calls
 * none of them (docs/internals/node.md, "Layers").
 */
#ifndef ZT_CORE_HOST_H
#define ZT_CORE_HOST_H

#include "core/node_internal.h"

/* 64 random bits from the node's ChaCha20 stream (seeded by zt_node_config.seed). */
uint64_t zt__host_random(zt_node *n);
void zt__host_event(zt_node *n, const zt_node_event *ev);
/* An event that names only a peer (|peer| 0: none), e.g. ONLINE or PEER_UNREACHABLE. */
void zt__host_event_peer(zt_node *n, zt_node_event_type type, uint64_t peer);
/* Hands a datagram to the embedder's send callback; counts it sent or failed. */
int zt__host_datagram(zt_node *n, int64_t local_socket, const zt_inetaddr *to,
                      const uint8_t *data, size_t len, unsigned ttl);
/* Hands an Ethernet frame received on |net| to the embedder's frame callback. */
void zt__host_frame(zt_node *n, const zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                    unsigned ethertype, const uint8_t *data, size_t len);

#endif
