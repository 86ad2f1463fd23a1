/*
 * runner.h: one node at work (design.md "Runtime").  A runner owns one zt_node, its UDP
 * sockets (primary and secondary port, IPv4 and IPv6), its home directory and the I/O thread
 * that drives it: epoll over the sockets, a timer armed at zt__node_next_deadline() and a
 * wakeup descriptor through which other threads post commands.
 *
 * Threads.  Only the I/O thread calls zt__node_*.  zt__runner_new() and zt__runner_del() run on
 * the embedder's thread, before the I/O thread starts and after it has ended.  Every other
 * function is thread-safe: commands are copied into a queue and carried out by the I/O thread
 * (their failures come back as ZT_RUNNER_EVENT_COMMAND_FAILED); queries wait for the I/O
 * thread's answer, or answer at once when called on the I/O thread (from the event callback).
 *
 * Events.  The event callback is invoked ON THE I/O THREAD, never from inside a zt__node_*
 * call: node events are copied while the node runs and delivered right after it returns, in
 * order.  So the callback may call any zt__runner_* function except zt__runner_del(), but it
 * should return quickly: the node waits for it.  (Embedders that want their own thread put a
 * queue behind the callback.)
 *
 * Sockets.  The node sees local socket IDs 0..n-1, the index of each bound socket in the order
 * primary IPv4, primary IPv6, secondary IPv4, secondary IPv6, tertiary IPv4, tertiary IPv6
 * (missing ones are skipped; the tertiary port exists only with port_mapping).  The set of
 * IDs and their families never change after zt__runner_new(); a port may: when the node has
 * been offline for more than 120 s, a random secondary port is re-bound to a new random port
 * (vl1.md §5.11), and its sockets keep their IDs, so the paths through them move to the new
 * port.  Datagrams for ZT_LOCAL_SOCKET_ANY leave from every socket of the right family (vl1.md
 * §5.11).  Datagrams produced during one node call are queued and sent with sendmmsg when the
 * call returns; a datagram with a TTL of its own is sent at once, in order.
 */
#ifndef ZT_SDK_RUNNER_H
#define ZT_SDK_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/identity.h"
#include "core/node.h"
#include "sdk/portmap.h"
#include "util/errors.h"

typedef struct zt_runner zt_runner;

typedef enum {
    ZT_RUNNER_LOG_ERROR = 0,
    ZT_RUNNER_LOG_WARN,
    ZT_RUNNER_LOG_INFO,
    ZT_RUNNER_LOG_DEBUG,
} zt_runner_log_level;

typedef enum {
    ZT_RUNNER_CMD_USER_MESSAGE = 1,
    ZT_RUNNER_CMD_PING,
    ZT_RUNNER_CMD_ORBIT,
    ZT_RUNNER_CMD_DEORBIT,
    ZT_RUNNER_CMD_JOIN,       /* |peer| of COMMAND_FAILED is the network ID */
    ZT_RUNNER_CMD_LEAVE,      /* idem */
    ZT_RUNNER_CMD_SEND_FRAME, /* idem (ZT_ERR_AGAIN: no config yet; ZT_ERR_NOTFOUND: not joined) */
    ZT_RUNNER_CMD_MULTICAST_SUBSCRIBE,   /* idem */
    ZT_RUNNER_CMD_MULTICAST_UNSUBSCRIBE, /* idem */
} zt_runner_command;

typedef enum {
    ZT_RUNNER_EVENT_STARTED = 1, /* the I/O thread runs; first event */
    ZT_RUNNER_EVENT_NODE,        /* |node| is a node event (for PEER_DIRECT, |node->remote| and
                                  * |node->local_socket| name the direct path when known) */
    ZT_RUNNER_EVENT_COMMAND_FAILED, /* |command| for |peer| (or world ID) failed with |error| */
    ZT_RUNNER_EVENT_FATAL,       /* the node failed with |error|; the runner stops */
    ZT_RUNNER_EVENT_STOPPED,     /* the I/O thread is ending; last event */
    ZT_RUNNER_EVENT_FRAME,       /* an Ethernet frame for our port on network |nwid| */
    ZT_RUNNER_EVENT_FRAMES_DONE, /* the last of a run of FRAME events (one received batch):
                                  * an embedder may hold a lock across the run */
} zt_runner_event_type;

typedef struct zt_runner_event {
    zt_runner_event_type type;
    const zt_node_event *node;  /* NODE; valid during the callback only */
    zt_runner_command command;  /* COMMAND_FAILED */
    uint64_t peer;              /* COMMAND_FAILED: destination, world or network ID */
    int error;                  /* COMMAND_FAILED, FATAL */
    /* FRAME: MACs as 48-bit integers (first octet most significant); |data| is a copy of the
     * payload after the Ethernet header, valid during the callback only. */
    uint64_t nwid, src_mac, dst_mac;
    unsigned ethertype;
    const uint8_t *data;
    size_t len;
} zt_runner_event;

/* A physical network a direct path must not use (local.conf, service.md §3): for every peer
 * (|peer| 0: physical.<cidr>.blacklist) or for one (virtual.<address>.blacklist).  |net|'s
 * port field is the prefix length. */
typedef struct zt_runner_path_rule {
    uint64_t peer;
    zt_inetaddr net;
} zt_runner_path_rule;

#define ZT_RUNNER_MAX_PATH_RULES 64
#define ZT_RUNNER_MAX_IF_PREFIXES 16

/* What local.conf asks of a node beyond its ports (service.md §3), as zt-service reads it. */
typedef struct zt_runner_local {
    zt_runner_path_rule path_blacklist[ZT_RUNNER_MAX_PATH_RULES];
    unsigned n_path_blacklist;
    /* settings.interfacePrefixBlacklist: interfaces whose name starts so are never
     * advertised as our addresses */
    char if_prefix_blacklist[ZT_RUNNER_MAX_IF_PREFIXES][32];
    unsigned n_if_prefix_blacklist;
    /* settings.controllerDbPath: the controller's SQLite file ("" : the default) */
    char controller_db[1024];
    /* settings.lowBandwidthMode: network configs refreshed 64 times less often */
    bool low_bandwidth;
} zt_runner_local;

/* An embedder's store for the node's state objects, used instead of a home directory (the
 * modern API's memory-only and storage modes, src/modern).  Both are called on the I/O thread
 * and, during zt__runner_new() and zt__runner_del(), on the caller's thread (never at the same
 * time).  Optional each. */
typedef struct zt_runner_store {
    void *user;
    /* As zt_node_callbacks.state_get: copies the object into |buf|; returns its length,
     * ZT_ERR_NOTFOUND or ZT_ERR_NOSPACE. */
    zt_ssize (*get)(void *user, zt_state_type type, uint64_t id, uint8_t *buf, size_t cap);
    /* As zt_node_callbacks.state_put (|data| NULL: delete). */
    void (*put)(void *user, zt_state_type type, uint64_t id, const uint8_t *data, size_t len);
    /* Optional: forgets the cached peers last written more than |max_age_ms| before
     * |wall_now_ms| (the runner asks at start and hourly, as it prunes a home's peers.d);
     * returns how many. */
    unsigned (*prune_peers)(void *user, int64_t max_age_ms, int64_t wall_now_ms);
} zt_runner_store;

typedef struct zt_runner_config {
    /* The home directory: required without |store|; created (0700) if missing; copied.
     * With |store| it must be NULL, and the runner touches no file at all: the identity is
     * |identity|, state objects go through |store|, and there is no moons.d, no
     * zerotier-one.port, no peers.d clean-up and no controller (|controller| false). */
    const char *home;
    const zt_runner_store *store;  /* copied */
    const zt_identity *identity;   /* with |store|: required, with its secret; copied */
    /* The caller has validated |identity| (zt__identity_validate) already: the runner does
     * not do it again (the check is a memory-hard hash: tens of ms and 2 MiB). */
    bool identity_validated;
    /* The planet offered to the node when the store holds none (zt_node_config.planet): NULL
     * for the built-in one.  Copied. */
    const uint8_t *planet;
    size_t planet_len;
    int primary_port;             /* 0..65535; 0: random (default 9993) */
    /* Where random ports are drawn (0: the defaults, 20000 and 65499). */
    int random_port_min, random_port_max;
    int secondary_port;           /* -1: none; 0: random (default); else that port */
    /* Port mapping (vl1.md §5.11, default false): the runner binds a tertiary port
     * (|tertiary_port|: 0 random, counting up as the secondary does; else that port) and
     * |port_mapper| maps it on the gateway (zt-service: zt__portmap_gateway, UPnP IGD then
     * NAT-PMP; portmap.h), from its own thread, from zt__runner_new() until zt__runner_del(),
     * which deletes the mapping.  The external address is advertised to peers first among our
     * addresses.  port_mapping without a port_mapper is ZT_ERR_INVAL. */
    bool port_mapping;
    int tertiary_port;
    const zt_portmap_ops *port_mapper;
    /* TEST KNOB: how long the node must have been offline before a random secondary port is
     * re-bound (0: 120000 ms, vl1.md §5.11); tests set it short to see it happen. */
    int64_t secondary_rebind_ms;
    /* NULL: bind the wildcard addresses 0.0.0.0 and ::; else bind only these (4- and 16-byte
     * addresses, network order; either may be NULL to skip that family).  Copied. */
    const uint8_t *bind_ip4;
    const uint8_t *bind_ip6;
    bool bind_specific;           /* true: use bind_ip4/bind_ip6 as above */
    bool allow_loopback_paths;    /* zt_node_config.allow_loopback_paths */
    bool peer_cache;              /* keep peers.d (default true) */
    bool network_cache;           /* keep networks.d: configs read and written (default true) */
    bool advertise_local_addresses; /* tell peers our interface addresses (default true) */
    int64_t online_window_ms;     /* 0: the node's default */
    int64_t peer_idle_ms;         /* 0: the node's default */
    /* Run a network controller beside the node (default false): identity = the node's, records
     * in the SQLite file HOME/controller.d/controller.sqlite3, or local->controller_db (never
     * HOME/controller.db, which
     * makes zerotier-one refuse to start).  Every request reads its network and member from
     * the file, so edits made by other processes (zt-ctltool, an API) apply at the next
     * request; pushes for such edits are not sent (members pick them up within 60 s). */
    bool controller;
    /* The TCP fallback relay (vl1.md §5 "TCP fallback relay"; runner_tcp.c): after 60 s
     * without UDP from a global address, IPv4 datagrams to global addresses also go through
     * |tcp_relay| (family 0: no relay, no tunnel).  |tcp_fallback| (default true) allows it;
     * |tcp_force| tunnels every IPv4 datagram at once, and none by UDP. */
    bool tcp_fallback;
    bool tcp_force;
    zt_inetaddr tcp_relay;
    /* local.conf's further settings (NULL: none); copied. */
    const zt_runner_local *local;
    /* Invoked on the I/O thread (see above).  Optional. */
    void (*event)(void *user, const zt_runner_event *ev);
    /* One line of text, no newline.  Invoked on the I/O thread, or on the thread inside
     * zt__runner_new()/zt__runner_del(); with port_mapping also on the port mapper's thread
     * (so it must then be thread-safe).  Optional. */
    void (*log)(void *user, zt_runner_log_level level, const char *msg);
    void *user;
} zt_runner_config;

/* Fills |cfg| with the defaults documented above (home NULL). */
void zt__runner_config_default(zt_runner_config *cfg);

/* Prepares a runner: home directory, identity (loaded, or generated and stored), planet check,
 * sockets, moons.d, and the node itself.  Does not start the I/O thread.  On failure writes one
 * sentence into |err| (when not NULL), e.g. "<home>/identity.secret is corrupt (...)".
 * Returns 0, ZT_ERR_INVAL (bad config; an identity.secret or planet that is corrupt, fails
 * its signature, or is not a regular file, e.g. a FIFO or a dangling link: the files are left
 * untouched, home.h), ZT_ERR_EXISTS (port in use), ZT_ERR_IO or ZT_ERR_NOMEM. */
int zt__runner_new(zt_runner **prunner, const zt_runner_config *cfg, char *err, size_t errlen);

/* Starts the I/O thread.  Returns 0, ZT_ERR_INVAL (already started) or ZT_ERR_IO. */
int zt__runner_start(zt_runner *r);

/* Asks the I/O thread to stop (any thread, async-signal-safe).  zt__runner_del() waits. */
void zt__runner_stop(zt_runner *r);

/* Stops and joins the I/O thread, deletes the port mapping (its thread waits for the gateway's
 * answer, a few seconds at most), frees the node (which saves its peers through the home
 * directory), closes the sockets and frees |r|.  Not from the I/O thread.  NULL is a no-op. */
void zt__runner_del(zt_runner *r);

/* Any thread, no waiting.  Immutable after zt__runner_new, except the secondary port, which
 * the I/O thread may re-bind (above): read atomically, it is the current one. */
uint64_t zt__runner_address(const zt_runner *r);
uint16_t zt__runner_primary_port(const zt_runner *r);
uint16_t zt__runner_secondary_port(const zt_runner *r); /* 0: none */
uint16_t zt__runner_tertiary_port(const zt_runner *r);  /* 0: none (no port mapping) */
const char *zt__runner_home(const zt_runner *r);
/* The addresses the UDP sockets are bound to (the wildcard or the bind address, with the
 * port), in local socket ID order; up to |max| into |out|.  Returns how many there are.  The
 * count and families are fixed; the ports are read atomically (a re-bound secondary). */
size_t zt__runner_local_sockets(const zt_runner *r, zt_inetaddr *out, size_t max);
/* True when the tertiary port is mapped on the gateway now: *external (may be NULL) gets the
 * external address, *pmethod (may be NULL) "upnp" or "natpmp".  Any thread, no waiting. */
bool zt__runner_port_mapping(const zt_runner *r, zt_inetaddr *external, const char **pmethod);

/* Commands: copied and queued for the I/O thread.  Return 0 (queued), ZT_ERR_RANGE (message
 * too large), ZT_ERR_LIMIT (queue full), ZT_ERR_AGAIN (the runner has stopped) or
 * ZT_ERR_NOMEM. */
#define ZT_RUNNER_MAX_MESSAGE 16384
int zt__runner_send_user_message(zt_runner *r, uint64_t dest, uint64_t type, const void *data,
                                size_t len);
int zt__runner_ping(zt_runner *r, uint64_t dest);
int zt__runner_orbit(zt_runner *r, uint64_t world_id, uint64_t seed);
int zt__runner_deorbit(zt_runner *r, uint64_t world_id);
/* Networks (vl2): join (also when already joined) and leave. */
int zt__runner_join(zt_runner *r, uint64_t nwid);
int zt__runner_leave(zt_runner *r, uint64_t nwid);
/* Joins again every network whose config |home|'s networks.d keeps (<16 hex>.conf,
 * zt__home_for_each_network); returns how many joins were accepted. */
unsigned zt__runner_rejoin_home(zt_runner *r, const char *home);
/* Sends an Ethernet frame from our port on |nwid| (source MAC: ours there) to |dst_mac|;
 * |data| (the payload after the Ethernet header) is copied.  On the I/O thread (from the event
 * callback) the frame goes to the node at once, and the node's own failures (no config yet,
 * rules) are not reported. */
int zt__runner_send_frame(zt_runner *r, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                         const void *data, size_t len);
/* Subscribes our port on |nwid| to the multicast group (|mac|, |adi|), or unsubscribes it. */
int zt__runner_multicast(zt_runner *r, uint64_t nwid, uint64_t mac, uint32_t adi,
                        bool subscribe);

/* Controller mode for an embedder (zts_controller_attach): opens a new handle on the
 * controller store beside the node (HOME/controller.d/controller.sqlite3, created if missing)
 * for the caller to edit networks and members, and makes the node answer configuration
 * requests for its networks from that store (as cfg.controller does), from now on.  The
 * caller owns *pctl (zts_controller_del).  Any thread but the I/O thread.  Returns 0,
 * ZT_ERR_IO, ZT_ERR_INVAL, ZT_ERR_NOMEM or ZT_ERR_AGAIN (stopping). */
struct zts_controller;
/* local.conf's controllerDbPath (or --controller-db) naming a PostgreSQL database
 * ("postgres:<conninfo>" or a postgresql:// URL): the libpq connection string; else NULL (an
 * SQLite file). */
const char *zt__runner_controller_db_pg(const char *db);
int zt__runner_controller_attach(zt_runner *r, struct zts_controller **pctl);

/* Runs |fn| on the I/O thread with the controller beside the node (NULL when there is none:
 * no --controller), then sends what its edits queued: new configs pushed to the members
 * concerned, revocations for the deauthorised (controller.md §4.3-§4.4).  The REST API's way
 * in, so that an edit reaches online members at once.  Blocks until done (any thread but the
 * I/O thread, where it runs at once).  Returns 0 or ZT_ERR_AGAIN (stopping). */
int zt__runner_controller_call(zt_runner *r, void (*fn)(struct zts_controller *ctl, void *arg),
                               void *arg);

typedef struct zt_runner_status {
    uint64_t address, planet_id, planet_timestamp;
    bool is_online, is_root;
    zt_node_counters counters;
    uint64_t tx_batches, tx_dropped;  /* sendmmsg calls and refused datagrams */
    bool tcp_fallback_active;         /* the TCP relay tunnel is up (service.md §5.1) */
} zt_runner_status;

/* Queries: answered by the I/O thread (the caller waits) or at once on the I/O thread or
 * when the thread is not running.  Return 0 / a count, or ZT_ERR_AGAIN (stopping),
 * ZT_ERR_NOTFOUND (zt_runner_peer: unknown peer). */
int zt__runner_get_status(zt_runner *r, zt_runner_status *out);
zt_ssize zt__runner_get_peers(zt_runner *r, zt_peer_info *out, size_t max);
int zt__runner_get_peer(zt_runner *r, uint64_t address, zt_peer_info *out);

#define ZT_RUNNER_MAX_NETWORK_IPS 16
#define ZT_RUNNER_MAX_NETWORK_ROUTES 32

/* A joined network as the node sees it (copied out of the config in force). */
typedef struct zt_runner_network {
    uint64_t nwid;
    zt_network_status status;
    uint64_t mac;                 /* our MAC on it */
    bool has_config;
    char name[ZT_NETCONF_NAME_MAX + 1];
    uint32_t mtu;
    uint64_t revision;
    unsigned n_ips;               /* static IPs (port field: netmask bits), at most 16 kept */
    zt_inetaddr ips[ZT_RUNNER_MAX_NETWORK_IPS];
    unsigned n_routes;            /* managed routes, at most 32 kept */
    zt_netconf_route routes[ZT_RUNNER_MAX_NETWORK_ROUTES];
    bool is_public;               /* config type PUBLIC (false before a config) */
    bool broadcast_enabled;       /* ZT_NETCONF_FLAG_ENABLE_BROADCAST */
    bool is_bridge;               /* we are an active bridge in the config */
    bool has_dns;
    zt_netconf_dns dns;
} zt_runner_network;

/* Returns 0, ZT_ERR_NOTFOUND (not joined) or ZT_ERR_AGAIN. */
int zt__runner_get_network(zt_runner *r, uint64_t nwid, zt_runner_network *out);

/* The networks the node has joined, ascending (zt__node_networks): up to |max| IDs into
 * |out|.  Returns how many there are, or ZT_ERR_AGAIN. */
#define ZT_RUNNER_MAX_NETWORKS 64
zt_ssize zt__runner_get_networks(zt_runner *r, uint64_t *out, size_t max);

/* True when |info| has a live direct path; *ppath (may be NULL) gets the preferred one. */
bool zt__runner_peer_is_direct(const zt_peer_info *info, const zt_path_info **ppath);

/* Whether the addresses of the interface |name| are kept out of what the node advertises: a
 * ZeroTier or tunnel device (names starting "zt", "tun" or "tap": no ZeroTier over ZeroTier,
 * as zerotier-one and libzt do) or a prefix of |local|'s interfacePrefixBlacklist (may be
 * NULL).  Loopback and link-local addresses are left out by address, not by name. */
bool zt__runner_if_skipped(const zt_runner_local *local, const char *name);

#endif
