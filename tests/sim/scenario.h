/*
 * scenario.h: what the simulation tests share (test_sim_*.c): the standard world of two
 * roots and up to six leaves, a tap that records how packets reached each node, chatter
 * (USER_MESSAGEs whose arrival is checked), the sanity checks every scenario ends with, and
 * for VL2 a member's status, config and frames.
 * On a failed CHECK the tail of the trace is printed with the seed (ZT_SIM_TRACE=1 prints
 * events as they happen, =2 every datagram too).  Test helpers only.
 */
#ifndef ZT_TESTS_SIM_SCENARIO_H
#define ZT_TESTS_SIM_SCENARIO_H

#include "testutil.h"

#include <inttypes.h>

#include "sim.h"

#define MSG_TYPE 0x5a17000001ULL /* > 65535: not reserved (vl1.md §4.8) */

extern uint64_t current_seed;
extern sim_world *current_world; /* freed by teardown() if a check fails mid-test */
extern int64_t first_ping;       /* when the running test first called zt__node_ping() */

#define CHECK(w, cond, ...)                                                                   \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            sim_dump_trace((w), stderr, 60);                                                  \
            fprintf(stderr, "seed %" PRIu64 ", t=%" PRId64 " ms: ", current_seed,             \
                    sim_now(w));                                                              \
            fail_msg(__VA_ARGS__);                                                            \
        }                                                                                     \
    } while (0)

/* cmocka teardown: frees the world and the chatter a failed check left behind. */
int teardown(void **state);
/* Frees |w| at the end of a test. */
void world_done(sim_world *w);
/* Selects the tests named by ZT_SIM_FILTER (e.g. ZT_SIM_FILTER=test_nat_matrix), if set. */
void filter_from_env(void);
/* The seed of a scenario program: ZT_SIM_SEED if set, else |dflt|. */
uint64_t scenario_seed(uint64_t dflt);
/* The determinism check of a scenario program: |run| with the base seed twice gives the same
 * trace hash (|first|, when not 0, stands for an earlier run with that seed), and with the next
 * seed another one. */
void scenario_check_determinism(uint64_t (*run)(uint64_t seed), uint64_t seed, uint64_t first);
/* The main() of a scenario program (test_sim_vl2*.c): two cmocka tests, <prefix>_scenario
 * (|run| with the seed, ZT_SIM_SEED or else |dflt|) and <prefix>_same_seed_same_trace (the
 * determinism check above, reusing the first test's hash), each followed by |td|; honours
 * ZT_SIM_FILTER.  Returns what cmocka_run_group_tests() returns. */
int scenario_main(const char *prefix, uint64_t (*run)(uint64_t seed), uint64_t dflt,
                  CMFixtureFunction td);
/* A new world for seed |seed| whose links default to |link|, made the current one (for
 * CHECK and teardown), with the tap installed; the caller adds nodes, then sim_start(). */
sim_world *scenario_world(uint64_t seed, sim_link_cfg link);
/* Adds a root at |addr| on |link| with |latency_ms| instead, and to the tap. */
sim_node *scenario_root(sim_world *w, const char *addr, sim_link_cfg link,
                        int64_t latency_ms);

/* ---- the tap: how packets reached each node --------------------------------------------- */

#define MAXN 16

typedef struct via {
    uint64_t relayed, direct;          /* packets with hops > 0 / hops == 0 */
    int64_t first_relayed, first_direct;
} via;

typedef struct tapctx {
    sim_node *nodes[MAXN];
    unsigned n;
    via v[MAXN][MAXN]; /* [receiver][sender, by header source address] */
    uint64_t raw[MAXN];
    uint8_t last_raw[MAXN][64];
    size_t last_raw_len[MAXN];
    zt_inetaddr last_from[MAXN];
    sim_world *w;
} tapctx;

extern tapctx tap;

void tap_install(sim_world *w);
void tap_add(sim_node *n); /* nodes must be added in index order */

/* ---- chatter: USER_MESSAGEs between nodes, recorded to check arrival -------------------- */

typedef struct msg {
    sim_node *from, *to;
    int64_t t;
    char payload[32];
    size_t len;
} msg;

typedef struct chat {
    msg *m;
    size_t n, cap;
    uint64_t ctr;
} chat;

/* Starts a new chatter log (the previous one is freed). */
chat *chat_begin(void);
void chat_free(chat *c);
void chat_send(chat *c, sim_world *w, sim_node *a, sim_node *b);
bool msg_arrived(const msg *m);
/* Every |every| ms until |until|, each node of |g| sends a message to each other one. */
void chat_all(chat *c, sim_world *w, sim_node **g, size_t ng, int64_t every, int64_t until);
/* Counts the messages from |a| to |b| sent in [t0, t1) and how many of them arrived. */
void chat_count(const chat *c, const sim_node *a, const sim_node *b, int64_t t0, int64_t t1,
                size_t *sent, size_t *arrived);

/* ---- the standard world: 2 roots, 6 leaves, one of each kind ---------------------------- */

enum { P, F, R, S, R2, S2, NLEAVES };

typedef struct topo {
    sim_world *w;
    sim_node *root[2];
    sim_node *leaf[NLEAVES];
    sim_nat *nat[NLEAVES];
} topo;

extern const char *const leaf_kind[NLEAVES];
extern const sim_link_cfg clean_link; /* 15 ms, no jitter, loss or duplication */

/* Builds the standard world.  |nleaves| <= NLEAVES takes the first ones (P, F, R, S, ...). */
void topo_build(topo *t, uint64_t seed, sim_link_cfg link, int nleaves);
/* No fatal error, no wrong socket ID, no deadline stall, no unsolicited ECHO_REPLY. */
void check_sim_sane(sim_world *w);
void check_all_online(topo *t, int nleaves, const char *when);

/* ---- VL2: members of one network (test_sim_vl2*.c) -------------------------------------- */

/* |n|'s status on |nwid|, or (zt_network_status)-1 if it has no core or has not joined. */
zt_network_status vl2_status(const sim_node *n, uint64_t nwid);
/* |n|'s config for |nwid|, or NULL. */
const zt_netconf *vl2_config(const sim_node *n, uint64_t nwid);
/* Runs (100 ms steps) until each of the |count| nodes of |g| has |want| on |nwid|, or until
 * |deadline|.  Returns true on time. */
bool vl2_run_until_status(sim_world *w, sim_node *const *g, size_t count, uint64_t nwid,
                          zt_network_status want, int64_t deadline);
/* The last frame |n| got on |nwid| from |src_mac| of |ethertype| since |since|, or NULL. */
const sim_frame *vl2_last_frame(const sim_node *n, uint64_t nwid, uint64_t src_mac,
                                unsigned ethertype, int64_t since);
/* Sends a frame from |a| (its MAC on |nwid|) until |b| has it, once a second as a stack
 * retries (the core resends nothing), at most |tries| times.  Returns the number of sends it
 * took, 0 if it never arrived. */
int vl2_deliver(sim_world *w, uint64_t nwid, sim_node *a, sim_node *b, uint64_t dst_mac,
                unsigned ethertype, const uint8_t *p, size_t len, int tries);

#endif
