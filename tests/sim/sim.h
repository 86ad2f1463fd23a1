/*
 * sim.h: deterministic simulation of N protocol cores on a simulated underlay (style.md §9,
 * design.md "Tests, from fast to real", docs/internals/simulation.md).
 *
 * One sim_world holds a virtual clock (int64 ms), a seeded PRNG, the nodes, the NAT boxes and
 * an event queue of datagrams in flight ordered by (delivery time, sequence number).
 * sim_run_until() jumps from event to event: it delivers datagrams with
 * zt__node_recv_datagram() and runs each node's timers at its zt__node_next_deadline().  No
 * sockets, no sleeps, no wall clock: the same seed gives the same trace (sim_trace_hash()).
 *
 * Underlay model.  Every node owns one UDP socket bound to its address (ip/port).  A node is
 * either public (its address is routable) or behind one NAT box (its address is private to
 * the NAT's LAN).  A datagram crosses the sender's access link (loss, latency, jitter,
 * duplication), the "internet" (routing, NAT translation and filtering, cuts) and the
 * receiver's access link.  A datagram sent with ttl > 0 (hole-punch junk, vl1.md §4.4) only
 * reaches the first NAT hop: it opens the sender's own NAT state and is then dropped.
 *
 * Test helpers only: never linked into src/.  Not thread-safe.
 */
#ifndef ZT_TESTS_SIM_SIM_H
#define ZT_TESTS_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codec/inetaddr.h"
#include "core/node.h"

#define SIM_MS ((int64_t)1)
#define SIM_SEC ((int64_t)1000)
#define SIM_EVENT_DATA_MAX 64 /* USER_MESSAGE bytes kept per recorded event */
#define SIM_FRAME_DATA_MAX 256 /* Ethernet payload bytes kept per recorded frame */

typedef struct sim_world sim_world;
typedef struct sim_node sim_node;
typedef struct sim_nat sim_nat;

typedef enum {
    SIM_NAT_FULL_CONE = 1,       /* one mapping per inside endpoint; anyone may send in */
    SIM_NAT_PORT_RESTRICTED = 2, /* one mapping per inside endpoint; only ip:port we sent to */
    SIM_NAT_SYMMETRIC = 3,       /* one mapping per (inside endpoint, destination) */
} sim_nat_type;

/* One access link (node <-> internet).  A datagram crosses the sender's link, then the
 * receiver's: latencies add up; loss and duplication are drawn on each link. */
typedef struct sim_link_cfg {
    int64_t latency_ms; /* one-way, >= 1 */
    int64_t jitter_ms;  /* each crossing adds uniform [0, jitter]: reorders datagrams */
    unsigned loss_pct;  /* 0..100, per crossing */
    unsigned dup_pct;   /* 0..100, per crossing: a second copy with its own jitter */
} sim_link_cfg;

/* Per-node options; zero fields keep the core's defaults (zt__node_config_default). */
typedef struct sim_node_opts {
    unsigned max_peers;
    int64_t online_window_ms;
    int64_t peer_idle_ms;
    bool bare;                  /* no protocol core: an underlay host fed to the tap only */
    bool no_local_addresses;    /* do not call zt__node_set_local_addresses() */
    const zt_identity *identity; /* this one (copied) instead of the fixture for its index */
} sim_node_opts;

/* An event a node raised, copied out of the callback. */
typedef struct sim_event {
    int64_t time;
    zt_node_event_type type;
    uint64_t peer;
    int64_t local_socket;
    zt_inetaddr remote;
    uint64_t message_type;
    size_t len;                       /* full USER_MESSAGE length */
    uint8_t data[SIM_EVENT_DATA_MAX]; /* its first bytes */
    int64_t rtt_ms;
    uint64_t world_id;
} sim_event;

/* An Ethernet frame a node's core handed to its local port (the frame callback), copied. */
typedef struct sim_frame {
    int64_t time;
    uint64_t nwid;
    uint64_t src_mac, dst_mac;        /* 48-bit, first octet most significant */
    unsigned ethertype;
    size_t len;                       /* full payload length */
    uint8_t data[SIM_FRAME_DATA_MAX]; /* its first bytes */
} sim_frame;

/* What the underlay did with datagrams (counts of datagram copies). */
typedef struct sim_stats {
    uint64_t sent;            /* send callbacks */
    uint64_t delivered;       /* handed to zt__node_recv_datagram (or the tap) */
    uint64_t lost;            /* random loss on a link */
    uint64_t duplicated;      /* extra copies made */
    uint64_t ttl_expired;     /* ttl > 0: died after the first NAT hop */
    uint64_t nat_filtered;    /* refused by a NAT's inbound filter or unknown mapping */
    uint64_t no_route;        /* no host at the destination address */
    uint64_t cut;             /* dropped by sim_cut() or sim_isolate() */
    uint64_t to_dead;         /* destination killed while in flight */
    uint64_t injected;        /* sim_inject() */
    uint64_t bad_socket;      /* send callback named a socket the node does not own */
    uint64_t recv_drop;       /* zt__node_recv_datagram returned ZT_ERR_DROP */
    uint64_t recv_error;      /* ... returned another non-fatal error */
    uint64_t fatal;           /* a core call returned a fatal error */
    uint64_t deadline_stall;  /* next deadline not after the last timer run (clamped +1 ms) */
    uint64_t steps;           /* loop iterations */
} sim_stats;

/* ---- world ------------------------------------------------------------------------------ */

/* Creates an empty world at time 0 whose PRNG is seeded with |seed|.  Aborts on OOM. */
sim_world *sim_new(uint64_t seed);
void sim_del(sim_world *w);

int64_t sim_now(const sim_world *w);
/* The link given to nodes added from now on (default: 10 ms, no jitter, loss or dup). */
void sim_set_default_link(sim_world *w, sim_link_cfg cfg);
/* Draws from the world's PRNG (for test inputs that must follow the seed). */
uint64_t sim_rand(sim_world *w);

/* A root of the simulated planet, public at |addr| ("198.51.100.1/9993").  All roots must be
 * added before the first node starts (the planet is built then). */
sim_node *sim_add_root(sim_world *w, const char *addr);
/* A NAT box with public IP |ip| ("198.18.1.1"); mappings idle for 120 s expire. */
sim_nat *sim_add_nat(sim_world *w, sim_nat_type type, const char *ip);
void sim_nat_set_timeout(sim_nat *nat, int64_t idle_ms);
/* A leaf at |addr|: private to |nat|'s LAN, or public when |nat| is NULL.  Started at once
 * if the world has started. */
sim_node *sim_add_node(sim_world *w, sim_nat *nat, const char *addr);
sim_node *sim_add_node_opts(sim_world *w, sim_nat *nat, const char *addr,
                            const sim_node_opts *opts);
void sim_set_link(sim_node *n, sim_link_cfg cfg);

/* Builds the planet from the roots and creates every node's core (idempotent). */
void sim_start(sim_world *w);

/* Runs the world until virtual time |t| (absolute), event by event. */
void sim_run_until(sim_world *w, int64_t t);
void sim_run_for(sim_world *w, int64_t dt);
/* Runs until |n| records an event of |type| (from |peer|, 0 = any) at or after the current
 * time, or until |deadline|.  Returns the event (valid until the world runs again) or NULL. */
const sim_event *sim_run_until_event(sim_world *w, sim_node *n, zt_node_event_type type,
                                     uint64_t peer, int64_t deadline);

/* ---- faults ----------------------------------------------------------------------------- */

/* Drops every datagram between |a| and |b| (both directions) until sim_heal(). */
void sim_cut(sim_world *w, sim_node *a, sim_node *b);
void sim_heal(sim_world *w, sim_node *a, sim_node *b);
/* Drops everything to and from |n| while |on|. */
void sim_isolate(sim_node *n, bool on);
/* Destroys |n|'s core: its timers stop and datagrams to it vanish. */
void sim_kill(sim_node *n);
/* Creates a fresh core for a killed node: same identity, same address, same state store. */
void sim_restart(sim_node *n);
/* Hands |data| to |n|'s socket as if it came from |from|, at the current time (after what is
 * already due).  Bypasses links and NATs. */
void sim_inject(sim_world *w, sim_node *n, const zt_inetaddr *from, const uint8_t *data,
                size_t len);
/* Sends a raw datagram from |n|'s socket through the underlay, as the core would. */
void sim_send_raw(sim_node *n, const zt_inetaddr *to, const uint8_t *data, size_t len,
                  unsigned ttl);

/* Called for every datagram delivered to a node, before the core sees it. */
typedef void (*sim_tap_fn)(void *user, sim_node *to, const zt_inetaddr *from,
                           const uint8_t *data, size_t len);
void sim_set_tap(sim_world *w, sim_tap_fn fn, void *user);

/* ---- VL2: frames and a controller beside a node ------------------------------------------ */

/* The node's config_request callback (node.h), forwarded with the node it concerns.  Set it
 * before the node starts (or before sim_restart()): only a node that has a hook when its core
 * is created gets a config_request callback; the others behave as cores without one.  The
 * hook and |user| may be replaced at any time after that; NULL |fn| answers ZT_ERR_NOTFOUND. */
typedef int (*sim_config_hook_fn)(void *user, sim_node *n, const zt_identity *requester,
                                  uint64_t packet_id, const uint8_t *payload, size_t len,
                                  int64_t now,
                                  int (*reply)(void *ctx, uint64_t dest, uint8_t verb,
                                               const uint8_t *payload, size_t len),
                                  void *reply_ctx);
void sim_set_config_hook(sim_node *n, sim_config_hook_fn fn, void *user);
/* The node's identity, with its secret (for a controller beside it). */
const zt_identity *sim_identity(const sim_node *n);

/* Frames the core of |n| delivered through the frame callback, in order (pointers valid until
 * the world runs again).  Every frame also goes into the trace hash and the trace. */
const sim_frame *sim_frames(const sim_node *n, size_t *count);
/* Frames on |nwid| of |ethertype| from |src_mac| (0 = any, for each) at or after |since|. */
size_t sim_frame_count(const sim_node *n, uint64_t nwid, unsigned ethertype, uint64_t src_mac,
                       int64_t since);
/* True if |n| got a frame on |nwid| from |src_mac| to |dst_mac| of |ethertype| whose payload
 * is exactly |data| (|len| bytes), at or after |since|. */
bool sim_got_frame(const sim_node *n, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac,
                   unsigned ethertype, const void *data, size_t len, int64_t since);

/* ---- queries ---------------------------------------------------------------------------- */

zt_node *sim_zt(const sim_node *n);          /* NULL if killed or bare */
uint64_t sim_address(const sim_node *n);     /* ZeroTier address */
const char *sim_name(const sim_node *n);     /* "root0", "n3" (for messages) */
unsigned sim_index(const sim_node *n);
const zt_inetaddr *sim_node_addr(const sim_node *n); /* bound (inside) address */
/* The address |n| appears from on the internet when talking to |to|, or NULL. */
bool sim_nat_external(sim_node *n, const zt_inetaddr *to, zt_inetaddr *out);
bool sim_online(const sim_node *n);
/* True if |a| holds an alive direct path to |b| (zt__node_peer). */
bool sim_has_direct_path(const sim_node *a, const sim_node *b);
/* Number of peers |n| holds (zt__node_peers). */
size_t sim_npeers(const sim_node *n);
const zt_node_counters *sim_counters(const sim_node *n);
const sim_stats *sim_get_stats(const sim_world *w);
size_t sim_mem_in_use(const sim_node *n);   /* bytes the core holds through its zt_mem */
size_t sim_mem_peak(const sim_node *n);

/* Recorded events of |n| (pointers valid until the world runs again). */
const sim_event *sim_events(const sim_node *n, size_t *count);
/* Events of |type| from |peer| (0 = any) at or after |since|. */
size_t sim_event_count(const sim_node *n, zt_node_event_type type, uint64_t peer,
                       int64_t since);
const sim_event *sim_event_find(const sim_node *n, zt_node_event_type type, uint64_t peer,
                                int64_t since);
/* True if |to| got a USER_MESSAGE from |from| of |type| with payload |data| since |since|. */
bool sim_got_message(const sim_node *to, const sim_node *from, uint64_t type, const void *data,
                     size_t len, int64_t since);

/* A hash over every delivery and every event (time, nodes, bytes): same seed, same hash. */
uint64_t sim_trace_hash(const sim_world *w);
/* Prints the last |n| trace lines (events, faults; datagrams too when ZT_SIM_TRACE=2). */
void sim_dump_trace(const sim_world *w, FILE *f, size_t n);
/* Logs a line into the trace (for scenario milestones). */
void sim_note(sim_world *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Formats an address for messages; returns |buf|. */
const char *sim_addr_str(const zt_inetaddr *a, char *buf, size_t cap);
const char *sim_event_name(zt_node_event_type type);

#endif
