/*
 * vl2_filter.h: the rules over one frame (vl2.md §6) with the credentials of vl2_creds.c,
 * and the copies and redirects they ask for (TEE, WATCH, REDIRECT).
 */
#ifndef ZT_CORE_VL2_FILTER_H
#define ZT_CORE_VL2_FILTER_H

#include "core/node_internal.h"

/* |peer|: outbound the recipient (0: not known yet), inbound the sender.  |forwarded|: the
 * frame reached us as a TEE/WATCH/REDIRECT (EXT_FRAME subtype != 0): it is never copied or
 * redirected again.  |no_tee|: do not send TEE/WATCH copies (per-recipient multicast passes).
 * Returns true when the frame may be delivered (inbound) / sent as addressed (outbound);
 * *super_accept (may be NULL) tells an inbound super-accept. */
bool zt__vl2_filter(zt_node *n, zt_network *net, bool inbound, uint64_t peer, uint64_t src_mac,
                    uint64_t dst_mac, unsigned ethertype, const uint8_t *data, size_t len,
                    bool forwarded, bool no_tee, bool *super_accept, int64_t now);
/* The rules for a frame that is not a forwarded copy (zt__vl2_filter with both flags off). */
bool zt__vl2_filter_allow(zt_node *n, zt_network *net, bool inbound, uint64_t peer,
                          uint64_t src_mac, uint64_t dst_mac, unsigned ethertype,
                          const uint8_t *data, size_t len, int64_t now);

#endif
