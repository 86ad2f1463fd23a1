/*
 * portmap.h: a UDP port mapped on the gateway (vl1.md §5.11, the tertiary port; service.md
 * §1.2 and §3 portMappingEnabled).  One background thread per mapping finds the gateway, asks
 * it for the mapping, keeps the lease renewed, and deletes the mapping when told to stop:
 *
 *   1. UPnP IGD (libminiupnpc): SSDP discovery (2 s), then AddPortMapping for UDP with the
 *      external port equal to the internal one, or up to four random ones if that is taken,
 *      and GetExternalIPAddress;
 *   2. else NAT-PMP (libnatpmp, RFC 6886) to the default gateway: public address (op 0), then
 *      a UDP mapping (op 1) suggesting the internal port as the external one.
 *
 * A lease is renewed at half its lifetime (UPnP: the lifetime asked for, or every 10 minutes
 * for a permanent one); a renewal that fails drops the mapping and starts over at step 1.
 * When nothing answers, the thread tries again after 1 minute, doubling up to 10 minutes.
 *
 * Nothing here blocks its caller: zt__portmap_new() starts the thread and returns,
 * zt__portmap_get() copies the current state under a lock, and only zt__portmap_del() waits:
 * for the thread to end, which takes at most a discovery or one request in progress (a few
 * seconds) plus the deletion (bounded to 2 s for NAT-PMP, by libminiupnpc's timeouts for UPnP).
 *
 * The runner reaches this module only through zt_portmap_ops (runner.h, port_mapper), so that
 * libzt, which never maps ports, does not link libminiupnpc and libnatpmp: the module is its
 * own library (zt_portmap), linked by zt-service.
 */
#ifndef ZT_SDK_PORTMAP_H
#define ZT_SDK_PORTMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "codec/inetaddr.h"

typedef struct zt_portmap zt_portmap;

typedef struct zt_portmap_config {
    uint16_t port;              /* the local UDP port to map (IPv4); required */
    char description[64];       /* shown by the gateway (UPnP); NUL-terminated */
    uint32_t lifetime_s;        /* lease asked for (0: 3600 s); the gateway may grant less */
    /* The mapping was made, its external address changed, or it was lost.  Called on the
     * module's thread, without any lock held; may call zt__portmap_get().  Optional. */
    void (*changed)(void *user);
    /* One line of text, no newline; |level| 0 error, 1 warn, 2 info, 3 debug (the values of
     * zt_runner_log_level).  Called on the module's thread.  Optional. */
    void (*log)(void *user, int level, const char *msg);
    void *user;
} zt_portmap_config;

/* Starts mapping cfg->port (|cfg| is copied).  Returns 0, ZT_ERR_INVAL (port 0),
 * ZT_ERR_NOMEM or ZT_ERR_IO (no thread, no wakeup descriptor). */
int zt__portmap_new(zt_portmap **ppm, const zt_portmap_config *cfg);

/* Stops the thread, deleting the mapping on the gateway if one is in force (NAT-PMP: lifetime
 * 0; UPnP: DeletePortMapping), and frees |pm|.  NULL is a no-op.  Not from the callbacks. */
void zt__portmap_del(zt_portmap *pm);

/* True when a mapping is in force: *external (may be NULL) gets its external IPv4 address and
 * port, *pmethod (may be NULL) "upnp" or "natpmp" (static strings).  Any thread. */
bool zt__portmap_get(zt_portmap *pm, zt_inetaddr *external, const char **pmethod);

/* The same three functions as a table, for zt_runner_config.port_mapper. */
typedef struct zt_portmap_ops {
    int (*create)(zt_portmap **ppm, const zt_portmap_config *cfg);
    void (*destroy)(zt_portmap *pm);
    bool (*get)(zt_portmap *pm, zt_inetaddr *external, const char **pmethod);
} zt_portmap_ops;

/* UPnP IGD, then NAT-PMP: the functions above (library zt_portmap). */
extern const zt_portmap_ops zt__portmap_gateway;

#endif
