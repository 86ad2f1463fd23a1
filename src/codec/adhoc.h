/*
 * adhoc.h: ad-hoc networks (vl2.md §1.2).  Network IDs beginning 0xff have no controller: the
 * node makes their config itself, at every refresh, and never stores it.
 *
 *   form A  ff SSSS EEEE 000000   IPv6 only, UDP/TCP to ports SSSS..EEEE, no multicast
 *   form B  ff AA hhhhhhhhhh 01   everything allowed, IPv4 AA.x.y.z/8 from our address
 *
 * Everything here is a pure function of (network ID, our address, time).
 */
#ifndef ZT_CORE_ADHOC_H
#define ZT_CORE_ADHOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/netconf.h"
#include "codec/rules.h"

#define ZT_ADHOC_RULES 14         /* entries in the form A table */
#define ZT_ADHOC_CTMD 7200000     /* credentialTimeMaxDelta of a synthesized config (ms) */
#define ZT_ADHOC_MULTICAST_LIMIT 1024 /* form B */

/* True for every ID whose top byte is 0xff (whether or not it has a valid form). */
bool zt__adhoc_is(uint64_t nwid);

/* The 14-rule table of form A for ports |first|..|last| (§1.2), into |out|. */
void zt__adhoc_rules(uint16_t first, uint16_t last, zt_rule out[ZT_ADHOC_RULES]);

/*
 * Synthesizes the config of ad-hoc network |nwid| for node |address| at time |now| into |nc|
 * (initialized here with |mem|; clear it with zt__netconf_clear).  Returns 0, or:
 *   ZT_ERR_NOTFOUND     form A with last port < first port (status NOT_FOUND)
 *   ZT_ERR_UNSUPPORTED  any other 0xff ID: no config is ever produced
 *   ZT_ERR_INVAL        |nwid| is not an ad-hoc ID
 *   ZT_ERR_NOMEM        the rules blob could not be stored
 * On failure |nc| is left initialized and empty.
 */
int zt__adhoc_config(uint64_t nwid, uint64_t address, int64_t now, zt_netconf *nc,
                     const zt_mem *mem);

#endif
