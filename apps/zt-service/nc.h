/*
 * nc.h: the intercept bridge of zt-service (docs/intercept.md, "The service side").  One
 * thread serves every joined network's socket <home>/nc_<nwid> (mode 0600): control
 * connections from libztintercept.so (apps/intercept/ncproto.h), and for each virtual socket
 * a socketpair end bridged to a socket of the service's userspace stack.
 */
#ifndef ZT_APPS_NC_H
#define ZT_APPS_NC_H

#include <stdbool.h>
#include <stdint.h>

#include "service.h"

typedef struct nc_bridge nc_bridge;

/* Starts the bridge thread (the stack must be up).  Returns 0, or -1 with a sentence in
 * |err|. */
int zt__nc_start(nc_bridge **pb, service *svc, const char *home, char *err, size_t errlen);
/* Network |nwid| got its netif (|up|) or lost it: its socket file appears or goes.  Any
 * thread. */
void zt__nc_network(nc_bridge *b, uint64_t nwid, bool up);
/* Stops the thread, closes every connection and socket, removes the socket files.  NULL is a
 * no-op. */
void zt__nc_stop(nc_bridge *b);

#endif
