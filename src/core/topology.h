/*
 * topology.h: the worlds we hold (the planet and up to ZT_MAX_MOONS moons, vl1.md §6) and
 * what follows from them: the upstreams, whether we are a root, each root's stable
 * endpoints.  It knows addresses, not peers: after any change that returns true or 0,
 * the caller lets peer.c make peers of the upstreams (zt__peer_sync_upstreams).
 */
#ifndef ZT_CORE_TOPOLOGY_H
#define ZT_CORE_TOPOLOGY_H

#include "core/node_internal.h"

/* The stored planet, or |planet| (NULL: the built-in default) if it is a signed update of
 * it or none is stored (vl1.md §6.3). */
int zt__topology_init(zt_node *n, const uint8_t *planet, size_t planet_len);
void zt__topology_clear(zt_node *n);
/* Recomputes n->upstreams and n->is_root from the worlds held. */
void zt__topology_memoize(zt_node *n);
bool zt__topology_is_upstream(const zt_node *n, uint64_t address);
/* Is |address| a root of the planet (not only of a moon)? */
bool zt__topology_is_planet_root(const zt_node *n, uint64_t address);
/* Stable endpoints of a root (NULL if |address| is not a root we know). */
const zt_world_root *zt__topology_root(const zt_node *n, uint64_t address);
bool zt__topology_is_moon_seed(const zt_node *n, uint64_t address);
/* Offers a world received in band from |from|; true when it was taken (stored, event). */
bool zt__topology_offer(zt_node *n, const zt_world *w, uint64_t from);
/* zt_node_orbit(), zt_node_deorbit(), zt_node_add_moon() (node.h), without the peers. */
int zt__topology_orbit(zt_node *n, uint64_t world_id, uint64_t seed, int64_t now);
int zt__topology_deorbit(zt_node *n, uint64_t world_id);
int zt__topology_add_moon(zt_node *n, const uint8_t *data, size_t len);

#endif
