/*
 * stack.h: the TCP/IP stack of the process (docs/internals/stack.md).
 *
 * One lwIP per process, started by zt__stack_init() and never stopped (lwIP 2.1 can neither
 * stop tcpip_thread nor initialise twice): nodes come and go around it, and each joined
 * network is one netif, created and removed here.
 *
 * Locking.  Every function below takes lwIP's core lock itself; none may be called with it
 * held, except where it says "core lock held".  The netif callbacks (zt_stack_netif_ops) are
 * invoked WITH the core lock held, on whatever thread drove lwIP (an application thread
 * sending, tcpip_thread's timers, or the thread that fed a frame in), so they must not wait
 * for anything that needs the core lock.
 */
#ifndef ZT_STACK_STACK_H
#define ZT_STACK_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/errors.h"

/* Starts lwIP's tcpip_thread the first time (any thread, any number of calls).  Returns 0,
 * or ZT_ERR_INTERNAL if the thread did not come up. */
int zt__stack_init(void);
/* True once zt__stack_init() has succeeded. */
bool zt__stack_is_up(void);

/* An address on a netif, or a route's target: |bits| of prefix (IPv4: 0-32, IPv6: 0-128). */
typedef struct zt_stack_prefix {
    uint8_t family; /* 4 or 6 */
    uint8_t bits;
    uint8_t ip[16]; /* IPv4 in the first 4 bytes, network order */
} zt_stack_prefix;

/* A managed route: |target| through |via| (family 0: on the network's link). */
typedef struct zt_stack_route {
    zt_stack_prefix target;
    zt_stack_prefix via;
} zt_stack_route;

#define ZT_STACK_MAX_ADDRS 16
/* IPv4 addresses installed per network (lwIP 2.1: one per netif, the others on aliases). */
#define ZT_STACK_MAX_IP4 4
#define ZT_STACK_MAX_ROUTES 32

typedef struct zt_stack_netif zt_stack_netif;

typedef struct zt_stack_netif_ops {
    void *user;
    /* An Ethernet frame leaves the netif (core lock held): |data| is the payload after the
     * Ethernet header, valid during the call only.  Required. */
    void (*output)(void *user, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                   const uint8_t *data, size_t len);
    /* The stack joined (|join|) or left a multicast group on this netif: its Ethernet group
     * address |mac| (IGMP and MLD, api.md §5.7).  Core lock held.  Optional. */
    void (*multicast)(void *user, uint64_t nwid, uint64_t mac, bool join);
} zt_stack_netif_ops;

/* Creates the netif of network |nwid|: Ethernet with |mac| (48-bit integer), |mtu|, link up,
 * no address yet (IPv6 link-local comes with the first config).  |ops| is copied.  Returns 0,
 * ZT_ERR_INVAL, ZT_ERR_NOMEM, or ZT_ERR_AGAIN (stack not initialised). */
int zt__stack_netif_new(zt_stack_netif **pnif, uint64_t nwid, uint64_t mac, unsigned mtu,
                       const zt_stack_netif_ops *ops);

/* Makes the netif carry exactly |addrs| (at most ZT_STACK_MAX_ADDRS; IPv4: the first one on
 * the netif, up to 3 more on alias netifs of the same link, see docs/internals/stack.md) and
 * |routes|, and sets the MTU.  Addresses
 * that stay are not touched (open connections on them survive).  Returns 0 or ZT_ERR_INVAL. */
int zt__stack_netif_configure(zt_stack_netif *nif, unsigned mtu, const zt_stack_prefix *addrs,
                             size_t naddrs, const zt_stack_route *routes, size_t nroutes);

/* Feeds one Ethernet frame that arrived on the network (payload after the Ethernet header;
 * copied).  Any thread.  Returns 0, ZT_ERR_NOMEM (dropped) or ZT_ERR_INVAL. */
int zt__stack_netif_input(zt_stack_netif *nif, uint64_t src_mac, uint64_t dst_mac,
                         unsigned ethertype, const uint8_t *data, size_t len);

/* A batch of zt__stack_netif_input() calls under one hold of the core lock (the frames of one
 * received batch): begin takes the lock, end releases it; in between, the calling thread's
 * inputs do not lock again.  Nothing else may be called from this thread in between. */
void zt__stack_input_begin(void);
void zt__stack_input_end(void);

/* The IPv6 link-local address the netif carries (fe80::/64 from the MAC). */
void zt__stack_netif_linklocal(const zt_stack_netif *nif, uint8_t out[16]);
/* Index of the lwIP netif (for IPV6 scope ids, ZTS_SO_BINDTODEVICE). */
unsigned zt__stack_netif_index(const zt_stack_netif *nif);

/* Removes the netif (connections bound to its addresses fail) and frees it.  NULL: no-op. */
void zt__stack_netif_del(zt_stack_netif *nif);

#endif
