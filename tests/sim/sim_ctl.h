/*
 * sim_ctl.h: a real network controller beside a simulated node, for the VL2 simulation
 * (test_sim_vl2.c): src/controller over an SQLite file in a fresh temp directory, glued in as
 * tests/unit/test_node.c does.  Requests reach it through the node's config hook (ctl_hook);
 * pushes and revocations that edits cause are collected and then sent with zt__node_send_vl2,
 * the service's job.  Test helpers only; one controller per process (|ctl|).
 */
#ifndef ZT_TESTS_SIM_CTL_H
#define ZT_TESTS_SIM_CTL_H

#include "scenario.h"
#include "zts_controller.h"

#define CTL_MAXOUT 256 /* controller payloads per flush */

typedef struct outmsg {
    uint64_t dest;
    uint8_t verb;
    size_t len;
    uint8_t *data;
} outmsg;

typedef struct ctlhost {
    sim_node *node;
    zts_controller *api;
    uint64_t rng;          /* the controller's own draws: seeded, apart from the world's */
    char dir[64];
    char db[128];
    outmsg out[CTL_MAXOUT];    /* what a flush produced, sent after it */
    size_t nout;
} ctlhost;

extern ctlhost ctl; /* global so that a failed check's teardown closes it */

/* The node's config_request hook (sim_set_config_hook(ctl.node, ctl_hook, &ctl)). */
int ctl_hook(void *user, sim_node *n, const zt_identity *requester, uint64_t packet_id,
             const uint8_t *payload, size_t len, int64_t now,
             int (*reply)(void *ctx, uint64_t dest, uint8_t verb, const uint8_t *payload,
                          size_t len),
             void *reply_ctx);
/* Makes the store's directory and opens the controller for ctl.node; its random draws are
 * seeded from |seed|, apart from the world's. */
void ctl_create(sim_world *w, uint64_t seed);
/* Opens the controller over the existing store (after ctl_close: a restart). */
void ctl_open(sim_world *w);
void ctl_close(void);
/* Closes it and removes the store and its directory. */
void ctl_cleanup(void);
/* The end of a scenario with a controller: the sanity checks, the trace hash (returned), the
 * world freed, the controller's store removed. */
uint64_t ctl_scenario_end(sim_world *w);
/* zt__controller_flush(), then sends what it queued.  Returns how many payloads of |verb| (0:
 * any) were sent. */
size_t ctl_flush(sim_world *w, unsigned verb);

#endif
