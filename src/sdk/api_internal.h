/*
 * api_internal.h: the 1.3-era zts_* API (include/ZeroTierSockets.h) as a front end of the
 * service (svc.h, docs/internals/api.md).  One service per process: the seed's API has no
 * handle.
 *
 *  - api_service.c: zts_start/stop/restart/free and the zts_allow_* settings; the runner of a
 *    run (home directory, local.conf), the collision rule.
 *  - api_events.c: the service's events as struct zts_callback_msg and the detail structures.
 *  - api_query.c: status, peers, networks, join/leave, moons, statistics, DNS servers.
 *  - api_controller.c: zts_controller_attach.
 *  - api_util.c: the pure helpers.
 */
#ifndef ZT_SDK_API_INTERNAL_H
#define ZT_SDK_API_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ZeroTierSockets.h"
#include "sdk/svc.h"

/* The 1.3 front end's settings, under zt__svc.mu. */
typedef struct zt_api {
    bool net_cache, peer_cache, local_conf; /* zts_allow_*, kept across runs */
    char *path;                             /* the run's (zts_start) */
    uint16_t port;
    void (*callback)(void *);
} zt_api;

extern zt_api zt__api;

/* api_events.c: delivers one service event to the application (zt_svc_ops.deliver). */
void zt__api_deliver(const zt_svc_event *ev);
/* The 1.3 code (ZTS_EVENT_*) of an internal event; 0: none (not delivered). */
int zt__api_code_of(zt_svc_event_kind kind);

/* Detail builders (api_events.c), shared with the queries. */
void zt__api_network_details(const zt_svc_net *net, struct zts_network_details *nd);
void zt__api_peer_details(const zt_peer_info *info, struct zts_peer_details *pd);
void zt__api_storage_of(const zt_inetaddr *a, struct zts_sockaddr_storage *ss);

#endif
