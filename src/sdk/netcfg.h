/*
 * netcfg.h: a network's config as the stack takes it (docs/internals/api.md, "Networks and
 * netifs"): its MTU clamped to what a netif carries, its IPv4 and IPv6 addresses as prefixes
 * and its managed routes.  Shared by the zts_* API (api_config.c) and zt-service's stack.
 */
#ifndef ZT_SDK_NETCFG_H
#define ZT_SDK_NETCFG_H

#include <stdbool.h>

#include "sdk/runner.h"
#include "stack/stack.h"

typedef struct zt_netcfg {
    unsigned mtu;                              /* in [1280, 10000] */
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    zt_stack_route routes[ZT_STACK_MAX_ROUTES];
    unsigned naddrs, nroutes; /* routes: also how many of the config's are in force */
    bool has4, has6;          /* an IPv4 or IPv6 address among them */
} zt_netcfg;

/* Fills |out| from the runner's view of a configured network. */
void zt__netcfg_of(const zt_runner_network *rn, zt_netcfg *out);

/* Creates (*|pnif| NULL) or updates the netif of |rn| with |nc|; returns 0, or the error of
 * zt__stack_netif_new (nothing created) or zt__stack_netif_configure. */
int zt__netcfg_apply(zt_stack_netif **pnif, const zt_runner_network *rn, const zt_netcfg *nc,
                     const zt_stack_netif_ops *ops, bool *created);

#endif
