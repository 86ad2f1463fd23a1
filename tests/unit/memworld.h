/*
 * memworld.h: a few zt_node instances joined by an in-memory datagram queue, for the unit
 * suites that need nodes talking (test_node, test_vl2_creds, test_adhoc).  Node 0 is the one
 * root of a fresh planet; node i sits at 10.<subnet>.<i+1>.1:9993 (one /24 each, for the HELLO
 * rate gate).  Time is virtual: mw_run_until() delivers datagrams in time order (first in,
 * first out among equal times) and runs each node's timers at zt__node_next_deadline().  Each
 * node records what it sees (event counts by type, the last frames, state store traffic).
 * The full simulation with loss and NATs is tests/sim; this one has no loss and no NAT.
 * Test code only: failures are cmocka assertions.
 */
#ifndef ZT_TESTS_UNIT_MEMWORLD_H
#define ZT_TESTS_UNIT_MEMWORLD_H

#include "testutil.h"

#include "codec/netconf.h"
#include "core/node.h"
#include "codec/world.h"

#define MW_MAX_NODES 8
#define MW_MAX_FRAMES 16   /* frames remembered per node (a ring) */
#define MW_FRAME_DATA 128  /* bytes of each frame remembered */
#define MW_EVENT_TYPES 32  /* > the last zt_node_event_type */

typedef struct mw_world mw_world;
typedef struct mw_node mw_node;
typedef struct mw_dgram mw_dgram;

typedef struct {
    uint64_t nwid, src, dst;
    unsigned ethertype;
    size_t len;                       /* as received; data holds the first MW_FRAME_DATA */
    uint8_t data[MW_FRAME_DATA + 1];  /* NUL-terminated, so text payloads read as strings */
} mw_frame;

/* The |reply| of zt_node_callbacks.config_request, for declaring such callbacks. */
typedef int mw_reply_fn(void *ctx, uint64_t dest, uint8_t verb, const uint8_t *payload,
                        size_t len);

typedef struct {
    int nnodes;            /* 2..MW_MAX_NODES */
    uint8_t subnet;        /* underlay addresses 10.<subnet>.<i+1>.1 */
    int64_t start;         /* virtual time at creation (ms) */
    int64_t latency;       /* a datagram takes latency + (queue length % jitter) ms */
    unsigned jitter;       /* 0 or 1: fixed latency */
    uint64_t planet_id;
    uint8_t seed;          /* node i's packet-ID seed begins with seed + i */
    void *user;            /* the test's own, as world->cfg.user */
    bool keep_configs;     /* each node's store keeps the last network config put */
    /* The test's own callbacks, all optional, each called with its mw_node as |user| (cb.user
     * is not used): event and frame after the harness has recorded them; config_request is
     * installed on every node as it is (NULL: the nodes have no controller beside them, which
     * a node notices: a network's controller keeps foreign multicast subscriptions).  send,
     * state_get and state_put are the harness's own. */
    zt_node_callbacks cb;
} mw_config;

struct mw_node {
    mw_world *world;
    int idx;
    zt_node *node;
    zt_identity id; /* with its secret */
    zt_inetaddr addr;
    unsigned sent;                        /* datagrams handed to the send callback */
    unsigned nevents[MW_EVENT_TYPES];     /* by zt_node_event_type */
    unsigned config_gets, config_puts;    /* state store traffic for NETWORK_CONFIG */
    uint8_t *config;                      /* the stored network config (keep_configs) */
    size_t config_len;
    uint64_t last_message_from;           /* USER_MESSAGE */
    char last_message[64];
    uint64_t last_world;                  /* WORLD_UPDATED */
    char net_name[ZT_NETCONF_NAME_MAX + 1]; /* NETWORK_OK: the config's name */
    mw_frame frames[MW_MAX_FRAMES];
    unsigned nframes;                     /* frames received in all */
};

struct mw_world {
    mw_config cfg;
    int64_t now;
    int nnodes;
    mw_node nodes[MW_MAX_NODES];
    mw_dgram *queue;
    size_t nq;
};

/* Fills |cfg| with: 4 nodes, subnet 0, start 1000000, latency 5, no jitter, planet 0x1234,
 * seed 0, no callbacks of the test's own. */
void mw_config_default(mw_config *cfg);

/* Creates the nodes (not yet online: run the world) at cfg->start.  |cfg| is copied. */
mw_world *mw_new(const mw_config *cfg);

/* Deletes the nodes and wipes their identities.  NULL is a no-op. */
void mw_del(mw_world *w);

/* A cmocka group teardown for a setup that left its world in *state: mw_del(*state). */
int mw_teardown(void **state);

/* Replaces node |n|'s stored network config with a copy of |data| (NULL: none). */
void mw_set_config(mw_node *n, const uint8_t *data, size_t len);

/* Runs the world for |ms| and checks that nodes |first|.. are online. */
void mw_settle(mw_world *w, int64_t ms, int first);

/* Runs the world until |until| (absolute), or for |ms| from now. */
void mw_run_until(mw_world *w, int64_t until);
void mw_run_for(mw_world *w, int64_t ms);

/* Writes a signed world of |type| (ZT_WORLD_TYPE_*) with one root, |root|, at its address,
 * signed with a fresh key, to |out|; returns its length. */
zt_ssize mw_world_write(uint8_t type, uint64_t id, uint64_t timestamp, const mw_node *root,
                        uint8_t *out, size_t cap);

/* Node |n|'s last frame (NULL: none yet), and its data as a string ("" if none). */
const mw_frame *mw_last_frame(const mw_node *n);
const char *mw_frame_text(const mw_node *n);

/* Builds packet |verb| with |payload| from node |from| to node |to|, armored (suite 1) with
 * their agreed key, in |pkt|; returns its length. */
size_t mw_seal(mw_world *w, int from, int to, unsigned verb, uint64_t packet_id,
               const uint8_t *payload, size_t len, uint8_t *pkt, size_t cap);

/* mw_seal(), then node |to| receives it from |from|'s address now and returns 0. */
void mw_inject(mw_world *w, int from, int to, unsigned verb, uint64_t packet_id,
               const uint8_t *payload, size_t len);

/* Initializes |nc| (clear it after) for |nwid|, issued to node |to| now, of |type|
 * (ZT_NETWORK_TYPE_*), with multicast limit 32. */
void mw_netconf_init(mw_world *w, zt_netconf *nc, uint64_t nwid, int to, uint8_t type);

/* Adds to |nc| a COM for node |to| (timestamp now, max delta nc->ctmd) signed by node |ctl|. */
void mw_netconf_add_com(mw_world *w, zt_netconf *nc, int ctl, int to);

/* The NETWORK_CONFIG packet with |nc| (borrowed) as one chunk (|update_id|) signed by node
 * |ctl|, sealed from |ctl| to |to| in |pkt|; returns its length. */
size_t mw_config_packet(mw_world *w, int ctl, int to, const zt_netconf *nc, uint64_t update_id,
                        uint64_t packet_id, uint8_t *pkt, size_t cap);

/* mw_config_packet(), then node |to| receives it now and returns 0; clears |nc|. */
void mw_push_config(mw_world *w, int ctl, int to, zt_netconf *nc, uint64_t update_id,
                    uint64_t packet_id);

#endif
