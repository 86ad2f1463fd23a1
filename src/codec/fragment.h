/*
 * fragment.h: splitting an armored packet into datagrams and reassembling them (vl1.md §2.4).
 */
#ifndef ZT_CORE_FRAGMENT_H
#define ZT_CORE_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/wire/vl1.h"
#include "util/errors.h"
#include "util/mem.h"

#define ZT_DEFRAG_SLOTS 32          /* ZT_RX_QUEUE_SIZE of the reference */
#define ZT_DEFRAG_TIMEOUT_MS 5000

/* Number of datagrams a packet of |len| bytes needs at path MTU |mtu| (1 if it fits). */
unsigned zt__frag_count(size_t len, size_t mtu);

/* True when a packet of |len| bytes can be sent at |mtu| within the 7-fragment receive limit. */
bool zt__frag_fits(size_t len, size_t mtu);

/* Writes datagram |index| (1 .. count-1) of the armored packet |pkt| into |out|.  Datagram 0
 * (the head) is simply pkt[0 .. mtu), sent without a copy.  Returns the datagram length,
 * ZT_ERR_RANGE (bad index or too many fragments) or ZT_ERR_NOSPACE. */
zt_ssize zt__frag_build(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len, size_t mtu,
                        unsigned index);

/* What a datagram is, from its first bytes (§2.4). */
typedef enum {
    ZT_DGRAM_IGNORE,    /* too short (beacons and hole-punch junk land here) */
    ZT_DGRAM_FRAGMENT,  /* a non-head fragment */
    ZT_DGRAM_PACKET,    /* a whole packet, or a head if its fragmented flag is set */
} zt_dgram_kind;

zt_dgram_kind zt__dgram_classify(const uint8_t *data, size_t len);

/* Reassembly table: a fixed ring of slots keyed by packet ID; nothing grows. */
typedef struct zt_defrag zt_defrag;

int zt__defrag_new(zt_defrag **pd, const zt_mem *mem);
void zt__defrag_del(zt_defrag *d);

/* Adds a head (a packet with the fragmented flag) or a fragment datagram received at |now|.
 * When that completes a packet, copies it to |out| (|cap| >= ZT_PKT_MAX_LEN suffices) and
 * returns its length.  Otherwise returns ZT_ERR_AGAIN (kept, incomplete), or ZT_ERR_DROP
 * (malformed, duplicate, over limits; counted in drops). */
zt_ssize zt__defrag_add(zt_defrag *d, const uint8_t *dgram, size_t len, int64_t now,
                        uint8_t *out, size_t cap);

/* Forgets sets older than ZT_DEFRAG_TIMEOUT_MS. */
void zt__defrag_expire(zt_defrag *d, int64_t now);

/* Number of incomplete sets held; number of datagrams dropped so far, including those of
 * sets given up (evicted by a newer set, expired, or inconsistent). */
unsigned zt__defrag_pending(const zt_defrag *d);
uint64_t zt__defrag_drops(const zt_defrag *d);

#endif
