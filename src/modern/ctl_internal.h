/*
 * ctl_internal.h: the modern API's control side (api-modern.md §5.1-§5.6, §5.10-§5.11, §6,
 * §7) as a front end of the service (src/sdk/svc.h; docs/internals/api.md).
 *
 *  - ctl_init.c: the zts_init_* settings (zt__modern), kept until the run they configure
 *    ends, then reset to their defaults (§7.6).
 *  - ctl_node.c: zts_node_*, moons, the front end's ops (the runner of a run, joins asked
 *    before the node existed).
 *  - ctl_store.c: where state objects go (§7.2 storage mode, §7.3 memory-only mode) and the
 *    STORE events; the identity of a run.
 *  - ctl_events.c: the service's events as zts_event_msg_t (§6).
 *  - ctl_net.c: networks, addresses, statistics (§5.4-§5.6).
 *  - ctl_core.c: the core lock and core queries (§5.10).
 *  - ctl_util.c, ctl_inet.c, ctl_roots.c: what needs no node (§5.1, §5.4-§5.5 pure
 *    functions, §5.11).
 *
 * Locking: the settings and the run's identity are guarded by zt__svc.mu; they only change
 * while no run is active (zts_init_* are refused while running), so the service and I/O
 * threads read them without the lock during a run.
 */
#ifndef ZT_MODERN_CTL_INTERNAL_H
#define ZT_MODERN_CTL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/identity.h"
#include "modern/modern_api.h"
#include "sdk/svc.h"

#define ZT_MODERN_MAX_BLACKLIST 16
#define ZT_MODERN_MAX_PENDING 64
#define ZT_MODERN_PATH_MAX 4096
/* Offline this long, a random secondary port is re-chosen (api-modern.md §5.2: 14 s). */
#define ZT_MODERN_SECONDARY_REBIND_MS 14000

/* The zts_init_* settings (defaults: zt__modern_reset). */
typedef struct zt_modern_cfg {
    char *path;                 /* storage mode's home directory; NULL: memory-only */
    bool has_key;               /* zts_init_from_memory */
    zt_identity key;
    uint8_t *roots;             /* zts_init_set_roots (NULL: none) */
    size_t roots_len;
    uint16_t port;
    uint16_t range_start, range_end;
    bool secondary, port_mapping;
    bool net_cache, peer_cache, roots_cache, id_cache;
    char blacklist[ZT_MODERN_MAX_BLACKLIST][32];
    unsigned nblacklist;
    bool has_tcp_relay;
    zt_inetaddr tcp_relay;
    bool allow_tcp_relay, force_tcp_relay, low_bandwidth;
    void (*callback)(void *);
} zt_modern_cfg;

/* The current run (zt__svc.mu; written by the service thread before the runner exists). */
typedef struct zt_modern_run {
    void (*callback)(void *);   /* the run's handler: kept until its last event went out */
    bool has_id;
    zt_identity id;             /* the node's identity, once resolved */
    bool roots_from_api;        /* the planet is zts_init_set_roots's, not the `roots` file */
    uint64_t pending[ZT_MODERN_MAX_PENDING]; /* joins asked before the runner existed */
    unsigned npending;
    bool started;               /* the pending joins were taken: join through the runner */
} zt_modern_run;

extern zt_modern_cfg zt__modern;
extern zt_modern_run zt__modern_run;

/* ctl_init.c: back to the defaults, forgetting (and wiping) what was set (mu held). */
void zt__modern_reset(void);

/* ctl_node.c: ZTS_ERR_OK while running, else ZTS_ERR_SERVICE (mu NOT held). */
int zt__modern_running(void);

/* ctl_store.c: the run's identity (service thread): from zts_init_from_memory, the storage
 * path's identity.secret, or new (STORE events; written when storage mode and id_cache).
 * Returns 0, or an error with a sentence logged. */
int zt__modern_resolve_identity(zt_identity *out);
/* The planet offered to the node: zts_init_set_roots's if it parses as a planet, else NULL
 * (the built-in one); STORE_PLANET (and the `roots` file) for the planet in use when the store
 * holds none.  *ploopback: the planet in use names a loopback root. */
void zt__modern_planet(const uint8_t **pdata, size_t *plen, bool *ploopback);
/* The runner's store for the current settings (storage or memory-only). */
const zt_runner_store *zt__modern_store(void);

/* ctl_events.c: one service event to the application (zt_svc_ops.deliver). */
void zt__modern_deliver(const zt_svc_event *ev);
/* Whether an internal event of |kind| becomes one of the application's (zt_svc_ops.counts: only
 * those count toward the 1024-event bound). */
bool zt__modern_counts(zt_svc_event_kind kind);
/* The peer scan of §6.3 item 5 (zt_svc_ops.tick, service thread): while online, compares the
 * node's peers with the last scan and queues PEER_DIRECT/_RELAY/PATH_DISCOVERED/_DEAD. */
#define ZT_MODERN_SCAN_MS 1000
void zt__modern_tick(void);
/* Fills a zts_sockaddr_storage from |a| (length byte, family, port in network order). */
void zt__modern_storage_of(const zt_inetaddr *a, struct zts_sockaddr_storage *ss);
/* The same for the prefix |p|, its length in the port field when |with_bits| (§6.2). */
void zt__modern_storage_of_prefix(const zt_stack_prefix *p, bool with_bits,
                                  struct zts_sockaddr_storage *ss);
/* The peer record as zts_peer_info_t (live paths only, one per remote endpoint). */
void zt__modern_peer_info(const zt_peer_info *in, zts_peer_info_t *out);

/* ctl_inet.c: text forms shared by the queries. */
/* Lenient IPv4 (inet_aton rules) or RFC 4291 IPv6 text; returns 4, 6 or 0 (neither). */
int zt__modern_parse_ip(const char *s, uint8_t out[16]);
/* lwIP-style text (IPv6 uppercase); |cap| >= ZTS_INET6_ADDRSTRLEN.  Returns |out|. */
char *zt__modern_ip_text(int family, const uint8_t *ip, char *out, size_t cap);

#endif
