/*
 * lookup.h: peers we do not hold yet.  A peer is found in the table, else loaded from the
 * peer cache (and greeted at its stored addresses), else asked for by WHOIS through the
 * best upstream (vl1.md §4.3, §5.3); what must be sent to it or handled from it meanwhile
 * waits in two queues (ZT_QUEUE_SIZE each, ZT_QUEUE_TIMEOUT).  Uses host, peer and send.
 * The node takes what is ready out of the queues and handles it (node.c): handling a
 * received packet is VL1's work, which sits above this module.
 */
#ifndef ZT_CORE_LOOKUP_H
#define ZT_CORE_LOOKUP_H

#include "core/node_internal.h"

/* The peer at |address|, from the table or the peer cache; NULL if neither has it (or a
 * WHOIS for it is pending: the cache already missed). */
zt_peer *zt__lookup_peer(zt_node *n, uint64_t address, int64_t now);
/* Asks the best upstream for |address|'s identity (retried every ZT_WHOIS_RETRY_DELAY).
 * True when a WHOIS went out now (false: asked too recently, no upstream, table full). */
bool zt__lookup_whois(zt_node *n, uint64_t address, int64_t now);
/* Queues a payload for a peer whose identity is not known yet, and asks for it. */
int zt__lookup_queue_tx(zt_node *n, uint64_t dest, unsigned verb, const uint8_t *payload,
                        size_t len, int64_t now);
/* Queues a received packet from an unknown source, and asks for its identity. */
void zt__lookup_queue_rx(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                         const uint8_t *pkt, size_t len, int64_t now);
/* Sends the packet built in txbuf (|w| from zt__send_begin) to |p|, or, when |p| is NULL
 * (identity unknown), queues its payload for |dest| until a WHOIS answers. */
int zt__lookup_send_or_queue(zt_node *n, zt_peer *p, uint64_t dest, const zt_wr *w,
                             bool expect_reply, int64_t now);
/* The first entry of the receive (|rx|) or send queue whose peer is now known, taken out
 * (the caller handles it and frees it with zt__mem_free), or NULL; entries whose time is up
 * are dropped on the way (counted). */
zt_queued *zt__lookup_take(zt_node *n, bool rx, int64_t now);
/* Retries pending WHOIS requests; gives up on those that found nothing (PEER_UNREACHABLE). */
void zt__lookup_retry(zt_node *n, int64_t now);
void zt__lookup_clear(zt_node *n);

#endif
