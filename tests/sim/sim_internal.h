/*
 * sim_internal.h: the simulator's insides, shared by sim.c (world, nodes, run loop, queries),
 * sim_net.c (the underlay: event queue, links, NAT boxes, routing, faults), sim_record.c (trace,
 * trace hash, recorded events, state store) and sim_fixtures.c (identities, planet).  Test
 * helpers only, as sim.h.
 */
#ifndef ZT_TESTS_SIM_SIM_INTERNAL_H
#define ZT_TESTS_SIM_SIM_INTERNAL_H

#include "sim.h"

#include "codec/identity.h"
#include "codec/world.h"

#define SIM_MAX_NODES 64
#define SIM_MAX_NATS 64
#define SIM_MAX_CUTS 256
#define SIM_TRACE_LINE_LEN 192

enum { STAGE_CORE = 1, STAGE_DELIVER = 2 };

typedef struct dgram {
    int64_t t;
    uint64_t seq;
    int stage;
    int from;          /* sending node index, -1 when injected */
    int to;            /* receiving node index (STAGE_DELIVER) */
    bool lan;          /* sender and receiver share a NAT's LAN: no translation */
    zt_inetaddr src;   /* source as seen at this point */
    zt_inetaddr dst;
    size_t len;
    uint8_t data[];
} dgram;

typedef struct nat_map {
    zt_inetaddr inside;
    zt_inetaddr remote; /* symmetric NATs only: the destination this mapping is for */
    uint16_t port;
    int64_t last;
} nat_map;

typedef struct nat_perm { /* port-restricted filter: (mapping port, remote endpoint) */
    uint16_t port;
    zt_inetaddr remote;
    int64_t last;
} nat_perm;

struct sim_nat {
    sim_world *w;
    unsigned idx;
    sim_nat_type type;
    zt_inetaddr ip; /* port 0 */
    int64_t timeout;
    uint16_t next_port;
    nat_map *maps;
    size_t nmaps, capmaps;
    nat_perm *perms;
    size_t nperms, capperms;
};

typedef struct state_obj {
    zt_state_type type;
    uint64_t id;
    size_t len;
    uint8_t *data;
} state_obj;

struct sim_node {
    sim_world *w;
    unsigned idx;
    char name[16];
    bool is_root;
    sim_node_opts opts;
    zt_identity id;
    zt_node *zt;
    bool started, killed, isolated;
    sim_nat *nat;
    zt_inetaddr addr;
    int64_t sock;
    sim_link_cfg link;
    int64_t last_timer;
    sim_event *ev;
    size_t nev, capev;
    sim_frame *fr;                /* frames delivered to the local port */
    size_t nfr, capfr;
    sim_config_hook_fn config_hook;
    void *config_hook_user;
    state_obj *st;
    size_t nst;
    zt_mem mem;
    size_t mem_in_use, mem_peak;
    uint8_t seed[32];
};

typedef struct cut {
    unsigned a, b;
} cut;

struct sim_world {
    uint64_t rng;
    int64_t now;
    uint64_t seq;
    bool started;
    sim_link_cfg default_link;
    sim_node *nodes[SIM_MAX_NODES];
    unsigned nnodes, nroots;
    sim_nat *nats[SIM_MAX_NATS];
    unsigned nnats;
    uint8_t planet[ZT_WORLD_MAX_SERIALIZED];
    size_t planet_len;
    dgram **heap;
    size_t nheap, capheap;
    cut cuts[SIM_MAX_CUTS];
    unsigned ncuts;
    sim_stats stats;
    uint64_t hash;
    sim_tap_fn tap;
    void *tap_user;
    int trace_level;
    char (*trace)[SIM_TRACE_LINE_LEN];
    size_t ntrace;
};

/* ---- sim.c: helpers --------------------------------------------------------------------- */

void die(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;
void *xcalloc(size_t n, size_t size); /* aborts on OOM */
/* Grows |*p| (|*cap| elements of |size|) to hold at least |need|. */
void grow(void **p, size_t *cap, size_t need, size_t size);
/* Uniform in [0, n) (n > 0), from the world's PRNG. */
uint64_t rand_below(sim_world *w, uint64_t n);
zt_inetaddr parse_addr(const char *s); /* "ip/port", or dies */

/* ---- sim_net.c: the underlay ------------------------------------------------------------ */

/* The host at |a| on |nat|'s LAN (or a public host when |nat| is NULL), or NULL. */
sim_node *lan_host(sim_world *w, const sim_nat *nat, const zt_inetaddr *a);
/* Takes the earliest datagram off the queue and moves it on: routes or delivers it. */
void net_step(sim_world *w);
int cb_send(void *user, int64_t local_socket, const zt_inetaddr *to, const uint8_t *data,
            size_t len, unsigned ttl);

/* ---- sim_record.c: trace, hash, events, state store ------------------------------------- */

/* Seeds the trace hash with |seed|, allocates the trace ring, reads ZT_SIM_TRACE. */
void trace_init(sim_world *w, uint64_t seed);
void trace_line(sim_world *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* One datagram line (ZT_SIM_TRACE=2 only). */
void trace_dgram(sim_world *w, const char *what, const dgram *dg);
/* A datagram handed to a node: into the trace hash, and the trace. */
void record_delivery(sim_world *w, const dgram *dg);
bool event_matches(const sim_event *e, zt_node_event_type type, uint64_t peer);
/* The core's callbacks other than send: events are recorded, state objects kept in memory. */
void cb_event(void *user, const zt_node_event *ev);
zt_ssize cb_state_get(void *user, zt_state_type type, uint64_t id, uint8_t *buf, size_t cap);
void cb_state_put(void *user, zt_state_type type, uint64_t id, const uint8_t *data, size_t len);
void state_clear(sim_node *n);
/* The frame callback: frames are recorded, hashed and traced. */
void cb_frame(void *user, uint64_t nwid, uint64_t src_mac, uint64_t dst_mac, unsigned ethertype,
              const uint8_t *data, size_t len);

/* ---- sim_fixtures.c: identities and the planet ------------------------------------------ */

/* Node |i|'s identity: fixture |i|, or generated once and cached for the process. */
void identity_for(unsigned i, zt_identity *out);
/* Builds and signs the planet from the world's roots into w->planet. */
void build_planet(sim_world *w);

#endif
