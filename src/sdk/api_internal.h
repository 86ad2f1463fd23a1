/*
 * api_internal.h: the zts_* control API's state (docs/internals/api.md).  One service per
 * process: the seed's API has no handle.
 *
 *  - api_service.c: zts_start/stop/restart/free, the service thread (it builds the runner,
 *    then delivers events until the node stops), and what the runner reports on its I/O
 *    thread: node and peer changes become events.
 *  - api_config.c: the table of joined networks; network configs become netifs.
 *  - api_events.c: the event queue and the detail structures.
 *  - api_query.c: status, peers, networks, join/leave, moons, statistics.
 *
 * Locks, in the order they may be taken: api.mu (state, networks, the event queue; never held
 * while calling into the runner's queries or the stack), api.runner_lock (read: any call that
 * uses the runner; write: the service thread deleting it), lwIP's core lock (output_runner).
 */
#ifndef ZT_SDK_API_INTERNAL_H
#define ZT_SDK_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ZeroTierSockets.h"
#include "sdk/runner.h"
#include "stack/stack.h"

typedef enum {
    ZT_API_IDLE = 0, /* nothing started (or the last run has ended) */
    ZT_API_RUNNING,  /* between zts_start and zts_stop */
    ZT_API_STOPPING, /* stop asked; the service thread is winding down */
    ZT_API_FREED,    /* zts_free: terminal */
} zt_api_state;

/* A joined network as the API shows it (its netif once a config arrived). */
typedef struct zt_api_net {
    uint64_t nwid, mac;
    int status;                  /* last network event sent (ZTS_EVENT_NETWORK_*), 0: none */
    unsigned mtu;
    zt_stack_netif *netif;
    unsigned naddrs, nroutes;
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    zt_netconf_route routes[ZT_STACK_MAX_ROUTES];
    bool ready4, ready6;
} zt_api_net;

typedef struct zt_api_event zt_api_event;

typedef struct zt_api {
    pthread_mutex_t mu;
    pthread_cond_t cond;         /* queue not empty, stop asked, state changed */
    zt_api_state state;
    bool stop_asked, free_asked;
    bool collision;              /* an upstream said our address is taken: new identity */

    /* settings (zts_allow_*), kept across runs */
    bool net_cache, peer_cache, local_conf;

    /* the run */
    char *path;
    uint16_t port;
    void (*callback)(void *);
    pthread_t thread;            /* the service (event) thread */
    bool has_thread;
    pthread_rwlock_t runner_lock;
    zt_runner *runner;           /* runner_lock */
    uint64_t address;
    uint16_t primary_port;
    bool online;

    zt_api_net *nets;            /* mu */
    unsigned nnets, capnets;

    zt_api_event *head, *tail;   /* mu */
} zt_api;

extern zt_api zt__api;

/* api_events.c: queue an event (mu NOT held); the detail is copied. */
void zt__api_queue_node(int code, const struct zts_node_details *d);
void zt__api_queue_network(int code, const zt_api_net *net);
void zt__api_queue_netif(int code, uint64_t nwid, uint64_t mac, int mtu);
void zt__api_queue_addr(int code, uint64_t nwid, const zt_stack_prefix *a);
void zt__api_queue_peer(int code, const zt_peer_info *info);
void zt__api_queue_path(int code, const zt_inetaddr *remote);
void zt__api_queue_route(int code, const zt_netconf_route *r);
void zt__api_queue_plain(int code);
/* Delivers everything queued, in order, on the calling (service) thread; mu NOT held.
 * Returns after the queue is empty. */
void zt__api_deliver(void);
/* Frees queued events without delivering them. */
void zt__api_drop_events(void);

/* Detail builders (api_events.c). */
void zt__api_network_details(const zt_api_net *net, struct zts_network_details *nd);
void zt__api_peer_details(const zt_peer_info *info, struct zts_peer_details *pd);
/* From |r| (NULL: what is known without it); on the I/O thread, or with runner_lock held. */
void zt__api_node_details(zt_runner *r, struct zts_node_details *nd);
void zt__api_storage_of(const zt_inetaddr *a, struct zts_sockaddr_storage *ss);

/* api_service.c */
bool zt__api_on_service_thread(void);

/* api_config.c: the network table (zt__api.nets).  All but find_net take mu themselves and
 * run on the runner's I/O thread (or the service thread once the runner is gone). */
zt_api_net *zt__api_find_net(uint64_t nwid); /* mu held */
/* Sends the network event |code| if it changes the network's status (api.md §6.3). */
void zt__api_set_net_status(uint64_t nwid, int code);
/* A new config for |nwid| (read back from |r|): its netif, made with |ops| at the first one,
 * its addresses, routes and MTU, and the events that say so (api.md §6.3). */
void zt__api_apply_config(zt_runner *r, uint64_t nwid, const zt_stack_netif_ops *ops);
/* The network is gone (left, or the run ends): its netif and its addresses with it. */
void zt__api_drop_net(uint64_t nwid);

#endif
