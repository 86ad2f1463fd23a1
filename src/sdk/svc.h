/*
 * svc.h: the service behind both zts_* API generations (docs/internals/api.md): one node per
 * process, its runner, its service thread, the table of joined networks with their netifs, and
 * the event queue.  Neither public header is included here: a front end (the 1.3 API,
 * src/sdk/api_*.c; the modern API, src/modern/) turns these internal events into its own
 * messages and codes, and each library links exactly one front end (docs/decisions.md,
 * "Issue 14").
 *
 *  - svc_service.c: the state, the service thread (builds the runner through the front end,
 *    then delivers events until the node stops), and the bridge from the runner's reports on
 *    its I/O thread to events and netifs.
 *  - svc_net.c: the table of joined networks; a network config becomes a netif, addresses,
 *    routes, and the events that say so.
 *  - svc_events.c: the event queue (FIFO across producers, bounded if the front end asks).
 *
 * Locks, in the order they may be taken: runner_lock (read while a call uses the runner;
 * written by the service thread when it publishes or deletes it), then mu (state, network
 * table, event queue), which is never held while taking runner_lock, waiting for the runner
 * or taking lwIP's core lock; mc_mu (multicast groups of the table, taken under lwIP's core
 * lock by the netif callbacks) is a leaf: nothing is taken while it is held.
 */
#ifndef ZT_SDK_SVC_H
#define ZT_SDK_SVC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdk/runner.h"
#include "stack/stack.h"

typedef enum {
    ZT_SVC_IDLE = 0, /* nothing started (or the last run has ended) */
    ZT_SVC_RUNNING,  /* between start and stop */
    ZT_SVC_STOPPING, /* stop asked; the service thread is winding down */
    ZT_SVC_FREED,    /* terminal */
} zt_svc_state;

/* Multicast groups remembered per network (the netif's joins and our own subscription). */
#define ZT_SVC_MAX_MC 32

/* A joined network as the API shows it (its netif once a config arrived). */
typedef struct zt_svc_net {
    uint64_t nwid, mac;
    int status;                  /* last status event sent (zt_svc_event_kind), 0: none */
    zt_network_status netstatus; /* the node's status of the network */
    unsigned mtu;
    zt_stack_netif *netif;
    unsigned naddrs, nroutes;
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    zt_netconf_route routes[ZT_STACK_MAX_ROUTES];
    bool ready4, ready6;
    bool has_config, is_public, broadcast, bridge;
    uint64_t revision;
    char name[ZT_NETCONF_NAME_MAX + 1];
    unsigned nmc;                /* mc_mu */
    uint64_t mc[ZT_SVC_MAX_MC];  /* mc_mu; Ethernet group addresses, ADI 0 */
} zt_svc_net;

/* Internal events; each front end maps them to its own codes, or drops them. */
typedef enum {
    ZT_SVC_EV_NODE_UP = 1,
    ZT_SVC_EV_NODE_ONLINE,
    ZT_SVC_EV_NODE_OFFLINE,
    ZT_SVC_EV_NODE_DOWN,        /* the last event of a run */
    ZT_SVC_EV_NODE_COLLISION,   /* an upstream says our address is taken */
    ZT_SVC_EV_NODE_FATAL,       /* the run could not start or failed */
    ZT_SVC_EV_NODE_TERMINATED,  /* the run ends normally (before NODE_DOWN) */
    ZT_SVC_EV_NET_NOT_FOUND,
    ZT_SVC_EV_NET_CLIENT_TOO_OLD,
    ZT_SVC_EV_NET_REQ_CONFIG,
    ZT_SVC_EV_NET_OK,
    ZT_SVC_EV_NET_ACCESS_DENIED,
    ZT_SVC_EV_NET_READY4,
    ZT_SVC_EV_NET_READY6,
    ZT_SVC_EV_NET_DOWN,
    ZT_SVC_EV_NET_UPDATE,       /* every config applied (after its address events) */
    ZT_SVC_EV_STACK_UP,
    ZT_SVC_EV_STACK_DOWN,
    ZT_SVC_EV_NETIF_UP,
    ZT_SVC_EV_PEER_DIRECT,
    ZT_SVC_EV_PEER_RELAY,
    ZT_SVC_EV_PEER_UNREACHABLE,
    ZT_SVC_EV_PATH_DISCOVERED,  /* the peer's record and the path */
    ZT_SVC_EV_PATH_ALIVE,
    ZT_SVC_EV_PATH_DEAD,
    ZT_SVC_EV_ROUTE_ADDED,
    ZT_SVC_EV_ROUTE_REMOVED,
    ZT_SVC_EV_ADDR_ADDED4,
    ZT_SVC_EV_ADDR_REMOVED4,
    ZT_SVC_EV_ADDR_ADDED6,
    ZT_SVC_EV_ADDR_REMOVED6,
    ZT_SVC_EV_STORE_ID_SECRET,  /* |data|: the object's bytes */
    ZT_SVC_EV_STORE_ID_PUBLIC,
    ZT_SVC_EV_STORE_PLANET,
} zt_svc_event_kind;

/* What a node event says about the node. */
typedef struct zt_svc_node {
    uint64_t address;
    uint16_t primary_port, secondary_port, tertiary_port;
    bool online;
    uint64_t planet_id, planet_timestamp;
    int64_t wall_ms; /* when the event was made */
} zt_svc_node;

typedef struct zt_svc_event zt_svc_event;
struct zt_svc_event {
    zt_svc_event *next;
    zt_svc_event_kind kind;
    bool counted;               /* in zt__svc.nqueued (zt_svc_ops.counts) */
    uint64_t nwid;              /* network, netif, address and route events */
    union {
        zt_svc_node node;       /* NODE_* */
        zt_svc_net net;         /* NET_*: a copy of the table entry */
        zt_peer_info peer;      /* PEER_*, PATH_* (|path| below too) */
        zt_stack_prefix addr;   /* ADDR_* */
        zt_netconf_route route; /* ROUTE_* */
        struct {
            uint64_t mac;
            unsigned mtu;
        } netif;                /* NETIF_UP */
    } u;
    zt_inetaddr path;           /* PATH_*: the path's remote address */
    size_t len;                 /* STORE_*: |data|'s length */
    uint8_t data[];             /* STORE_* */
};

/* What a front end gives the service. */
typedef struct zt_svc_ops {
    /* Builds the runner of a run (service thread, no lock held); NULL: the run cannot start
     * (the front end has logged why). */
    zt_runner *(*build_runner)(void);
    /* The runner's I/O thread is running: join what should be joined.  Optional. */
    void (*started)(zt_runner *r);
    /* Hands one event to the application (service thread, no lock held; the event is freed
     * afterwards). */
    void (*deliver)(const zt_svc_event *ev);
    /* An identity collision ended the node: true to build a new runner (a new identity) and
     * go on, false to end the run with NODE_FATAL.  Optional (NULL: end the run). */
    bool (*collided)(void);
    /* The run is over (service thread, mu held, state about to leave RUNNING/STOPPING):
     * forget per-run settings.  Optional. */
    void (*ended)(void);
    /* Bound of the event queue (0: none).  Beyond it new events are dropped, except
     * NODE_DOWN, NODE_FATAL and STACK_DOWN. */
    unsigned max_queued;
    /* Whether an event of |kind| becomes one of the application's (only those count toward
     * the bound; the others, markers the front end drops, are never dropped).  Optional
     * (NULL: every event counts). */
    bool (*counts)(zt_svc_event_kind kind);
    /* Called on the service thread (no lock held, never during a delivery) about every
     * |tick_ms| during a run, and soon after the node reports a peer or path change when
     * |own_peer_events|; it may queue events.  Optional (NULL: the thread sleeps until an
     * event or a stop). */
    void (*tick)(void);
    unsigned tick_ms;
    /* The front end makes its peer events itself (from its tick): the node's PEER_* and
     * PATH_* reports are not queued, they only bring the next tick forward. */
    bool own_peer_events;
} zt_svc_ops;

typedef struct zt_svc {
    pthread_mutex_t mu;
    pthread_cond_t cond;         /* queue not empty, stop asked, state changed */
    zt_svc_state state;
    bool stop_asked, free_asked;
    bool collision;              /* an upstream said our address is taken */
    const zt_svc_ops *ops;       /* the front end of the current (or last) run */

    pthread_t thread;            /* the service (event) thread */
    bool has_thread;
    pthread_rwlock_t runner_lock;
    zt_runner *runner;           /* runner_lock */
    uint64_t address;
    uint16_t primary_port;
    bool online;
    bool peers_changed;          /* mu: a peer report since the last tick (own_peer_events) */

    zt_svc_net *nets;            /* mu (mc fields: mc_mu) */
    unsigned nnets, capnets;
    pthread_mutex_t mc_mu;

    zt_svc_event *head, *tail;   /* mu */
    unsigned nqueued;
    uint64_t dropped;            /* events dropped at the bound */
} zt_svc;

extern zt_svc zt__svc;

/* ---- svc_service.c ------------------------------------------------------------------------ */

bool zt__svc_on_service_thread(void);
/* One line on stderr when ZTS_LOG is set (and not "0"): warnings and errors only. */
void zt__svc_log(zt_runner_log_level level, const char *msg);
/* The runner's log callback, for front ends' runner configs. */
void zt__svc_runner_log(void *user, zt_runner_log_level level, const char *msg);
/* The runner's event callback, for front ends' runner configs (cfg.event). */
void zt__svc_runner_event(void *user, const zt_runner_event *ev);

/* Starts a run with |ops| (mu held; the state already RUNNING, reserved by the caller; the
 * previous run's thread joined): the stack, the gate of the socket calls, the service thread.
 * Returns 0, or ZT_ERR_INTERNAL with the state back to IDLE. */
int zt__svc_launch_locked(const zt_svc_ops *ops);
/* Asks the run to end (any thread; mu NOT held): the socket gate closes at once. */
void zt__svc_ask_stop(void);
/* mu held; not on the service thread: waits until the run has ended (IDLE or FREED). */
void zt__svc_wait_ended_locked(void);
/* mu held: joins the ended run's thread, if any (mu released meanwhile). */
void zt__svc_join_ended_locked(void);

/* True when the world |data| parses and names a loopback endpoint (a world on this host). */
bool zt__svc_world_is_loopback(const uint8_t *data, size_t len);
/* The environment's ZTS_ALLOW_LOOPBACK (1/0), else |guess|. */
bool zt__svc_allow_loopback(bool guess);

/* The runner, read-locked, if the node is running (and online, when |need_online|); NULL
 * (and nothing locked) otherwise.  Release with zt__svc_release_runner(). */
zt_runner *zt__svc_runner(bool need_online);
void zt__svc_release_runner(void);

/* ---- svc_events.c: producers (mu NOT held); payloads are copied --------------------------- */

void zt__svc_node_info(zt_runner *r, zt_svc_node *out); /* I/O or service thread */
/* What both APIs say of a peer alike: its role, ZeroTier's numbering as both headers have it
 * (0 leaf, 1 moon, 2 planet), and a node time (monotonic ms) as ms since the epoch at
 * |mono_now|/|wall_now| (0, "never", stays 0). */
int zt__svc_peer_role(const zt_peer_info *info);
uint64_t zt__svc_wall_ms(int64_t t, int64_t mono_now, int64_t wall_now);
void zt__svc_queue_node(zt_svc_event_kind kind, const zt_svc_node *node);
void zt__svc_queue_net(zt_svc_event_kind kind, const zt_svc_net *net);
void zt__svc_queue_netif(uint64_t nwid, uint64_t mac, unsigned mtu);
void zt__svc_queue_addr(zt_svc_event_kind kind, uint64_t nwid, const zt_stack_prefix *a);
void zt__svc_queue_peer(zt_svc_event_kind kind, const zt_peer_info *info,
                        const zt_inetaddr *path);
void zt__svc_queue_route(zt_svc_event_kind kind, uint64_t nwid, const zt_netconf_route *r);
void zt__svc_queue_store(zt_svc_event_kind kind, const uint8_t *data, size_t len);
void zt__svc_queue_plain(zt_svc_event_kind kind);
/* Delivers everything queued, in order, through the run's ops (service thread; mu NOT
 * held).  Returns when the queue is empty. */
void zt__svc_deliver(void);

/* ---- svc_net.c: the network table ---------------------------------------------------------- */

zt_svc_net *zt__svc_find_net(uint64_t nwid); /* mu held */
/* Sends the status event |kind| if it changes the network's status; |st| is the node's. */
void zt__svc_set_net_status(uint64_t nwid, zt_svc_event_kind kind, zt_network_status st);
/* A new config for |nwid| (read back from |r|, I/O thread): its netif, made with |ops| at the
 * first one, its addresses, routes and MTU, and their events (api-modern.md §6.3). */
void zt__svc_apply_config(zt_runner *r, uint64_t nwid, const zt_stack_netif_ops *ops);
/* The network is gone (left, or the run ends): its netif and its addresses with it. */
void zt__svc_drop_net(uint64_t nwid);
/* Remembers (|join|) or forgets the multicast group |mac| of |nwid| (any thread; takes only
 * mc_mu, so it may be called with lwIP's core lock held). */
void zt__svc_note_multicast(uint64_t nwid, uint64_t mac, bool join);
/* Copies the groups of |net| (mu held) into |out| (up to |max|); returns how many. */
unsigned zt__svc_multicast_of(const zt_svc_net *net, uint64_t *out, unsigned max);

#endif
