/*
 * node.h: the VL1 node, a sans-I/O protocol core (design.md, style.md §1, vl1.md §4-8).
 *
 * The node never opens a socket, reads a clock, starts a thread or touches a file.  It is
 * driven by two entry points, zt__node_recv_datagram() and zt__node_process_timers(), each with
 * the current time |now| (milliseconds; the same clock for every call), plus a few commands.
 * It answers through the callbacks in zt_node_callbacks: send a datagram, emit an event, load
 * or store a state object.  After any call, arm a timer for zt__node_next_deadline().
 *
 * Threads: a node has one owner thread; every function below must be called from it, and
 * callbacks are invoked from inside these calls, on that thread.  Callbacks must not call
 * back into the node.
 *
 * Pointers passed in are borrowed for the duration of the call; callback arguments are valid
 * only until the callback returns.
 */
#ifndef ZT_CORE_NODE_H
#define ZT_CORE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/identity.h"
#include "codec/inetaddr.h"
#include "codec/netconf.h"
#include "util/errors.h"
#include "util/mem.h"

typedef struct zt_node zt_node;

/* Protocol and software version we announce.  12: we speak suite 3 (AES-GMAC-SIV), so 1.14
 * peers use it with us (vl1.md §3.1, §8; docs/decisions.md: "then we announce 12"). */
#define ZT_NODE_PROTO_VERSION 12
#define ZT_NODE_VERSION_MAJOR 1
#define ZT_NODE_VERSION_MINOR 14
#define ZT_NODE_VERSION_REVISION 1

/* Sentinel for "any local socket of the right family" in the send callback. */
#define ZT_LOCAL_SOCKET_ANY (-1)

/* State objects kept by the embedder (vl1.md §7).  |id| is 0 for singletons, the world ID
 * for moons, the address for peers, the network ID for network configs. */
typedef enum {
    ZT_STATE_IDENTITY_PUBLIC = 1,
    ZT_STATE_IDENTITY_SECRET = 2,
    ZT_STATE_PLANET = 3,
    ZT_STATE_MOON = 4,
    ZT_STATE_PEER = 5,
    ZT_STATE_NETWORK_CONFIG = 6,
} zt_state_type;

typedef enum {
    ZT_NODE_EVENT_ONLINE = 1,        /* an upstream answered within the online window */
    ZT_NODE_EVENT_OFFLINE,           /* no upstream heard within the online window */
    ZT_NODE_EVENT_IDENTITY_COLLISION,/* an upstream says our address is taken */
    ZT_NODE_EVENT_PEER_DIRECT,       /* peer: first live direct path */
    ZT_NODE_EVENT_PEER_RELAY,        /* peer: reachable only through a relay now */
    ZT_NODE_EVENT_PEER_UNREACHABLE,  /* peer: forgotten (idle) or WHOIS gave up */
    ZT_NODE_EVENT_PATH_DISCOVERED,   /* peer, local_socket, remote: path confirmed (OK, hops 0) */
    ZT_NODE_EVENT_PATH_ALIVE,        /* peer, path: heard again after being quiet */
    ZT_NODE_EVENT_PATH_DEAD,         /* peer, path: expired or replaced */
    ZT_NODE_EVENT_USER_MESSAGE,      /* peer, message_type, data/len */
    ZT_NODE_EVENT_ECHO_REPLY,        /* peer, rtt_ms: answer to zt__node_ping() */
    ZT_NODE_EVENT_WORLD_UPDATED,     /* world_id: planet or moon replaced or added (stored) */
    ZT_NODE_EVENT_NETWORK_REQ_CONFIG,   /* nwid: joined, asking its controller for a config */
    ZT_NODE_EVENT_NETWORK_OK,           /* nwid, config: a new config was applied */
    ZT_NODE_EVENT_NETWORK_ACCESS_DENIED,/* nwid: the controller refused us */
    ZT_NODE_EVENT_NETWORK_NOT_FOUND,    /* nwid: no such network at its controller */
    ZT_NODE_EVENT_NETWORK_AUTH_REQUIRED,/* nwid: the controller wants SSO */
    ZT_NODE_EVENT_NETWORK_DOWN,         /* nwid: left */
} zt_node_event_type;

/* Network status (vl2.md §1.3; values as ZeroTier One's). */
typedef enum {
    ZT_NETWORK_REQUESTING_CONFIGURATION = 0,
    ZT_NETWORK_OK = 1,
    ZT_NETWORK_ACCESS_DENIED = 2,
    ZT_NETWORK_NOT_FOUND = 3,
    ZT_NETWORK_PORT_ERROR = 4,
    ZT_NETWORK_CLIENT_TOO_OLD = 5,
    ZT_NETWORK_AUTHENTICATION_REQUIRED = 6,
} zt_network_status;

typedef struct zt_node_event {
    zt_node_event_type type;
    uint64_t peer;           /* peer address, for peer/path/message events */
    int64_t local_socket;    /* path events */
    zt_inetaddr remote;      /* path events */
    uint64_t message_type;   /* USER_MESSAGE */
    const uint8_t *data;     /* USER_MESSAGE payload; valid during the callback only */
    size_t len;
    int64_t rtt_ms;          /* ECHO_REPLY */
    uint64_t world_id;       /* WORLD_UPDATED */
    uint64_t nwid;           /* NETWORK_* */
    const zt_netconf *config;/* NETWORK_OK: the applied config; valid during the callback */
} zt_node_event;

typedef struct zt_node_callbacks {
    void *user;
    /* Sends one UDP payload to |to| from |local_socket| (an ID the embedder gave us with a
     * received datagram, or ZT_LOCAL_SOCKET_ANY).  |ttl| is 0 for the default IP TTL, else the
     * TTL to use for this datagram only (hole punching, vl1.md §4.4).  Returns 0 or a negative
     * error, which the node only counts.  Required. */
    int (*send)(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
                size_t len, unsigned ttl);
    /* Optional. */
    void (*event)(void *user, const zt_node_event *ev);
    /* Optional: copies the object into |buf|; returns its length, ZT_ERR_NOTFOUND, or
     * ZT_ERR_NOSPACE if it does not fit. */
    zt_ssize (*state_get)(void *user, zt_state_type type, uint64_t id, uint8_t *buf, size_t cap);
    /* Optional: stores the object (|data| NULL and |len| 0: delete it). */
    void (*state_put)(void *user, zt_state_type type, uint64_t id, const uint8_t *data,
                      size_t len);
    /* Optional: an Ethernet frame for the local port of network |nwid| (MACs as 48-bit
     * integers, first octet most significant; |data| is the payload after the Ethernet
     * header, valid during the call only). */
    void (*frame)(void *user, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac,
                  unsigned ethertype, const uint8_t *data, size_t len);
    /* Optional: the network controller beside this node (src/controller).  Called with each
     * NETWORK_CONFIG_REQUEST (payload as on the wire) for a network whose ID begins with our
     * address, from |requester| (our own identity when this node joined one of its own
     * networks; |packet_id| is then a random ID, never 0).  The controller answers by calling |reply| (valid during this
     * call only) with a destination, a verb (OK, ERROR, NETWORK_CONFIG, NETWORK_CREDENTIALS)
     * and its payload.  Returns 0, or ZT_ERR_NOTFOUND when there is no controller: the node then
     * answers UNSUPPORTED_OPERATION itself.  |reply| is the only node function it may call. */
    int (*config_request)(void *user, const zt_identity *requester, uint64_t packet_id,
                          const uint8_t *payload, size_t len, int64_t now,
                          int (*reply)(void *ctx, uint64_t dest, uint8_t verb,
                                       const uint8_t *payload, size_t len),
                          void *reply_ctx);
    /* Optional: checks |id|'s address proof (zt__identity_validate: a 2 MiB memory-hard hash,
     * ~30 ms) away from the node's thread.  Returns 0 if the embedder will answer with
     * zt__node_identity_checked() on the node's thread (at most 8 in progress at a time);
     * anything else, and a node without this callback, checks on its own thread, within the
     * same budget (docs/internals/flood.md).  |id| holds no secret; valid during the call. */
    int (*check_identity)(void *user, uint64_t ticket, const zt_identity *id);
    /* Optional: may peer |peer| be reached at, or heard from, the physical address |addr|?
     * Asked before a direct path is learned or tried (received packets, RENDEZVOUS,
     * PUSH_DIRECT_PATHS, the peer cache), after the node's own checks (vl1.md §5.6); false
     * keeps the address out (service.md §3: local.conf's physical.<cidr>.blacklist and
     * virtual.<address>.blacklist).  Must not call the node. */
    bool (*path_check)(void *user, uint64_t peer, const zt_inetaddr *addr);
} zt_node_callbacks;

typedef struct zt_node_config {
    const zt_identity *identity;  /* required, with its secret; copied */
    uint8_t seed[32];             /* seeds the node's packet-ID generator: CSPRNG output in
                                   * production, a fixed value for reproducible simulation */
    const zt_mem *mem;            /* NULL: libc */
    /* The planet to use when the state store has none: NULL means the default planet.  A
     * stored planet with a different world ID wins over this one only if it is a signed
     * update of it (vl1.md §6.3). */
    const uint8_t *planet;
    size_t planet_len;
    bool peer_cache;              /* keep peers.d records through state_get/state_put */
    bool allow_loopback_paths;    /* accept 127/8 and ::1 as direct paths (tests, demos) */
    int64_t online_window_ms;     /* online if an upstream was heard within this (60000) */
    int64_t peer_idle_ms;         /* forget non-upstream peers idle this long (60000) */
    unsigned max_peers;           /* peers kept in memory (10000); beyond: ZT_ERR_LIMIT */
    size_t physical_mtu;          /* UDP payload per datagram (1432) */
    int64_t config_refresh_ms;    /* a network's config is asked again this long after the
                                   * last (60000; local.conf's lowBandwidthMode: 64 times) */
} zt_node_config;

/* Fills |cfg| with the defaults documented above (identity NULL, seed zero). */
void zt__node_config_default(zt_node_config *cfg);

/* Creates a node.  Loads the planet (state, then |cfg|) and starts contacting its roots at
 * the first zt__node_process_timers().  Returns 0, ZT_ERR_INVAL (no identity, no secret, bad
 * config or planet), or ZT_ERR_NOMEM. */
int zt__node_new(zt_node **pnode, const zt_node_config *cfg, const zt_node_callbacks *cb,
                int64_t now);

/* Stores every peer (if the peer cache is on) and frees the node.  NULL is a no-op. */
void zt__node_del(zt_node *node);

/* Processes one UDP payload received on |local_socket| from |from|.  Returns 0 (handled,
 * queued or relayed), ZT_ERR_DROP (discarded and counted; never fatal), or a fatal error. */
int zt__node_recv_datagram(zt_node *node, int64_t local_socket, const zt_inetaddr *from,
                          const uint8_t *data, size_t len, int64_t now);

/* Runs due timers (pings, keepalives, WHOIS retries, expiry).  Returns 0 or a fatal error. */
int zt__node_process_timers(zt_node *node, int64_t now);

/* When zt__node_process_timers() next wants to run (absolute ms). */
int64_t zt__node_next_deadline(const zt_node *node);

/* Sends a USER_MESSAGE (vl1.md §4.8) of |len| bytes.  The peer's identity is looked up by
 * WHOIS if needed (the message waits up to 5 s).  Returns 0, ZT_ERR_INVAL, ZT_ERR_RANGE
 * (too large), ZT_ERR_LIMIT (queue full) or ZT_ERR_NOMEM. */
int zt__node_send_user_message(zt_node *node, uint64_t dest, uint64_t type, const void *data,
                              size_t len, int64_t now);

/* Sends an ECHO to |dest|; its OK(ECHO) raises ZT_NODE_EVENT_ECHO_REPLY with the RTT. */
int zt__node_ping(zt_node *node, uint64_t dest, int64_t now);

/* Orbits moon |world_id| whose root |seed| will hand it to us (vl1.md §6.4); a stored moon is
 * loaded at once.  zt__node_deorbit forgets it and deletes the stored copy. */
int zt__node_orbit(zt_node *node, uint64_t world_id, uint64_t seed, int64_t now);
int zt__node_deorbit(zt_node *node, uint64_t world_id, int64_t now);

/* Adds a moon from its serialized form (a moons.d file); it must verify. */
int zt__node_add_moon(zt_node *node, const uint8_t *data, size_t len, int64_t now);

/* Joins network |nwid|: loads a cached config (state object NETWORK_CONFIG) if there is one,
 * then asks the controller (nwid >> 24) for a fresh one, every 5 s until it answers and every
 * 60 s after.  Ad-hoc networks (top byte 0xff, vl2.md §1.2) have no controller: the node builds
 * their config itself at the same times and never stores it.  Returns 0 (also when already
 * joined), ZT_ERR_INVAL (0), ZT_ERR_LIMIT or ZT_ERR_NOMEM. */
int zt__node_join(zt_node *node, uint64_t nwid, int64_t now);
/* Leaves |nwid| and deletes its cached config.  Returns 0 or ZT_ERR_NOTFOUND. */
int zt__node_leave(zt_node *node, uint64_t nwid, int64_t now);
/* Status of a joined network; ZT_ERR_NOTFOUND if not joined. */
int zt__node_network_status(const zt_node *node, uint64_t nwid, zt_network_status *out);
/* The IDs of the joined networks, ascending: up to |max| into |out|; returns how many there
 * are (at most ZT_MAX_NETWORKS). */
size_t zt__node_networks(const zt_node *node, uint64_t *out, size_t max);
/* The config in force, or NULL (not joined, or no config yet).  Valid until the next call
 * into the node. */
const zt_netconf *zt__node_network_config(const zt_node *node, uint64_t nwid);

/* Sends an Ethernet frame from the local port of |nwid| (vl2.md §9): unicast to a member as
 * FRAME, multicast and broadcast (ARP included) as MULTICAST_FRAME to the group's known
 * subscribers (asking roots and the controller for more), to ourselves straight back through
 * the frame callback.  Rules apply.  Returns 0 (sent, queued for a WHOIS, or dropped by the
 * rules), ZT_ERR_NOTFOUND (not joined), ZT_ERR_AGAIN (no config yet), ZT_ERR_INVAL (source
 * MAC not ours: we do not bridge), ZT_ERR_RANGE (payload larger than the network's MTU). */
int zt__node_send_frame(zt_node *node, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac,
                       unsigned ethertype, const void *data, size_t len, int64_t now);
/* Subscribes the local port to a multicast group (announced with MULTICAST_LIKE at once and
 * every 60 s); the address-resolution group of each of our static IPs is subscribed
 * automatically.  Returns 0, ZT_ERR_NOTFOUND or ZT_ERR_LIMIT. */
int zt__node_multicast_subscribe(zt_node *node, uint64_t nwid, uint64_t mac, uint32_t adi,
                                int64_t now);
int zt__node_multicast_unsubscribe(zt_node *node, uint64_t nwid, uint64_t mac, uint32_t adi);
/* Sends a VL2 payload from the controller beside this node (pushes, revocations; see
 * config_request above for answers to requests): |verb| and |payload| as the controller made
 * them; to ourselves, it is handled locally.  Not from a callback.  Returns 0, ZT_ERR_INVAL,
 * ZT_ERR_LIMIT (queue full waiting for a WHOIS) or ZT_ERR_NOMEM. */
int zt__node_send_vl2(zt_node *node, uint64_t dest, unsigned verb, const void *payload,
                     size_t len, int64_t now);

/* Our MAC on |nwid| (vl2.md §2.1), 0 if not joined. */
uint64_t zt__node_network_mac(const zt_node *node, uint64_t nwid);

/* Local interface addresses to advertise with PUSH_DIRECT_PATHS (copied; replaces). */
int zt__node_set_local_addresses(zt_node *node, const zt_inetaddr *addrs, size_t n);

uint64_t zt__node_address(const zt_node *node);
bool zt__node_is_online(const zt_node *node);
/* True when this node is a root of its planet or of a moon it carries. */
bool zt__node_is_root(const zt_node *node);
uint64_t zt__node_planet_id(const zt_node *node);
/* The planet's timestamp (ms since the epoch, as its signer set it); 0 without a planet. */
uint64_t zt__node_planet_timestamp(const zt_node *node);

#define ZT_NODE_MAX_PATHS 16

typedef struct zt_path_info {
    int64_t local_socket;
    zt_inetaddr remote;
    int64_t last_send, last_receive;
    int64_t latency_ms;     /* -1: unknown */
    bool alive;
    bool preferred;
} zt_path_info;

typedef struct zt_peer_info {
    uint64_t address;
    bool is_upstream;       /* a root of the planet or of a moon */
    bool is_moon;           /* ... of a moon only, not of the planet */
    int proto_version;      /* -1: not yet known */
    int major, minor, revision;
    int64_t latency_ms;     /* -1: unknown */
    int64_t last_receive;
    unsigned npaths;
    zt_path_info paths[ZT_NODE_MAX_PATHS];
} zt_peer_info;

/* Copies up to |max| peers into |out|; returns how many there are in all. */
size_t zt__node_peers(const zt_node *node, zt_peer_info *out, size_t max);
/* Returns 0 or ZT_ERR_NOTFOUND. */
int zt__node_peer(const zt_node *node, uint64_t address, zt_peer_info *out);

/* Why datagrams were dropped, for tests, logs and the metrics endpoint. */
typedef struct zt_node_counters {
    uint64_t rx_datagrams, tx_datagrams, tx_errors;
    uint64_t drop_short, drop_malformed, drop_auth, drop_unsupported_cipher, drop_not_for_us;
    uint64_t drop_fragment, drop_unknown_peer, drop_rate_limited, drop_invalid_identity;
    uint64_t drop_unexpected_ok, drop_queue_full, drop_hops, drop_no_route;
    uint64_t relayed, whois_sent, hello_sent, echo_sent, rendezvous_sent;
    uint64_t paths_pushed; /* PUSH_DIRECT_PATHS packets sent */
    uint64_t whois_forwarded; /* WHOIS a root passed on to its upstreams */
    uint64_t drop_overload; /* work for unknown identities shed over the budget */
} zt_node_counters;

const zt_node_counters *zt__node_get_counters(const zt_node *node);

/* The answer to check_identity's |ticket|: the HELLO that asked is handled again (or, for an
 * identity from WHOIS, the peer is learned and greeted).  Returns 0, or ZT_ERR_NOTFOUND for a
 * ticket the node no longer waits for (it forgets one after 10 s). */
int zt__node_identity_checked(zt_node *node, uint64_t ticket, bool valid, int64_t now);

#endif
