/*
 * netstack.h: zt-service's userspace TCP/IP stack (docs/service.md, "The stack and the
 * intercept library"): each joined network with a config becomes a netif of lwIP, fed with the
 * network's frames on the runner's I/O thread, and the intercept bridge (nc.h) serves its
 * socket <home>/nc_<nwid>.
 */
#ifndef ZT_APPS_NETSTACK_H
#define ZT_APPS_NETSTACK_H

#include <stdbool.h>
#include <stdio.h>

#include "sdk/runner.h"
#include "service.h"

typedef struct svc_stack svc_stack;

#ifdef ZT_SERVICE_STACK
/* Starts lwIP (once per process) and the bridge.  Before the runner starts.  Returns 0, or -1
 * with a sentence in |err|. */
int zt__svc_stack_new(svc_stack **pst, service *svc, const char *home, char *err,
                      size_t errlen);
/* A runner event (I/O thread): frames, network configs, networks gone.  True if it was a
 * frame the stack took. */
bool zt__svc_stack_event(svc_stack *st, const zt_runner_event *ev);
/* Stops the bridge and the frames going out.  Before the runner is deleted. */
void zt__svc_stack_stop(svc_stack *st);
/* Removes the netifs and frees |st|.  After the runner is deleted.  NULL: no-op. */
void zt__svc_stack_del(svc_stack *st);
#else
/* Built without lwIP (ZT_BUILD_LWIP=OFF): no stack, frames are only logged. */
static inline int zt__svc_stack_new(svc_stack **pst, service *svc, const char *home,
                                    char *err, size_t errlen)
{
    (void)svc;
    (void)home;
    *pst = NULL;
    snprintf(err, errlen, "built without the userspace stack");
    return -1;
}
static inline bool zt__svc_stack_event(svc_stack *st, const zt_runner_event *ev)
{
    (void)st;
    (void)ev;
    return false;
}
static inline void zt__svc_stack_stop(svc_stack *st)
{
    (void)st;
}
static inline void zt__svc_stack_del(svc_stack *st)
{
    (void)st;
}
#endif

#endif
