/*
 * peer.h: the peer table and each peer's direct paths (vl1.md §5.1, §5.4, §5.6, §7).  It
 * keeps state and raises the peer and path events; it never sends: where a path should be
 * contacted it says so and the caller sends (send.c, lookup.c).  Uses host.h and
 * topology.h only.
 */
#ifndef ZT_CORE_PEER_H
#define ZT_CORE_PEER_H

#include "core/node_internal.h"

zt_peer *zt__peer_find(const zt_node *n, uint64_t address);
/* Creates a peer for |id| (public part copied); returns NULL on NOMEM/LIMIT/bad key. */
zt_peer *zt__peer_add(zt_node *n, const zt_identity *id, int64_t now);
/* A peer from the peer cache (identity and versions restored), or NULL; |contact| (room
 * for ZT_PEERCACHE_MAX_PATHS) gets its stored addresses that are acceptable as paths, which
 * the caller greets with a HELLO. */
zt_peer *zt__peer_load_cached(zt_node *n, uint64_t address, int64_t now, zt_inetaddr *contact,
                              unsigned *ncontact);
void zt__peer_remove(zt_node *n, zt_peer *p, bool store);
void zt__peer_store(zt_node *n, const zt_peer *p);
/* Peers for the upstreams topology.c lists (from their world's identity), and every peer's
 * is_upstream flag set anew: after any change of the worlds.  Returns how many upstreams
 * are still without a peer (out of memory or peers). */
unsigned zt__peer_sync_upstreams(zt_node *n, int64_t now);
/* The upstream to relay through (vl1.md §5.1), or NULL. */
zt_peer *zt__peer_best_upstream(zt_node *n, int64_t now);
/* The cipher suite for encrypted packets to |p| (vl1.md §3.1): 3 if it speaks protocol 12. */
unsigned zt__peer_suite(const zt_peer *p);
/* Raises |type| about |p| (and |path|, if not NULL). */
void zt__peer_event(zt_node *n, zt_node_event_type type, const zt_peer *p, const zt_path *path);

zt_path *zt__peer_find_path(zt_peer *p, int64_t local_socket, const zt_inetaddr *addr);
zt_path *zt__peer_best_path(zt_peer *p, int64_t now, bool alive_only);
bool zt__peer_path_alive(const zt_path *path, int64_t now);
/* Whether |addr| may be a path of |p| (NULL: of any peer) (vl1.md §5.6). */
bool zt__peer_path_acceptable(const zt_node *n, const zt_peer *p, const zt_inetaddr *addr);
/* Bookkeeping for every authenticated packet from |p| (vl1.md §5.6).  True when the packet
 * came by an unknown, acceptable address that should now get a HELLO (rate-gated). */
bool zt__peer_received(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                       unsigned hops, unsigned verb, int64_t now);
/* Raises PEER_DIRECT / PEER_RELAY when |p|'s reachability changed. */
void zt__peer_update_direct(zt_node *n, zt_peer *p, int64_t now);
/* Calls |fn| for each peer; |fn| may not remove peers. */
void zt__peer_foreach(zt_node *n, void (*fn)(zt_node *n, zt_peer *p, void *arg), void *arg);
void zt__peer_info(const zt_peer *p, int64_t now, zt_peer_info *out);
/* Whether a contact to (socket, addr) is allowed now (once per 1000 ms per path). */
bool zt__peer_contact_gate(zt_peer *p, int64_t local_socket, const zt_inetaddr *addr,
                           int64_t now);

#endif
