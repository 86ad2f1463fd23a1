/*
 * controller_object.h: the controller object itself, shared by controller.c (intake, §2.3,
 * delivery) and controller_push.c (pushes, revocations, change notes).  Not for other modules.
 */
#ifndef ZT_CONTROLLER_CONTROLLER_OBJECT_H
#define ZT_CONTROLLER_CONTROLLER_OBJECT_H

#include "controller/controller.h"
#include "codec/configchunk.h"
#include "codec/netconf.h"

/* One chunk payload: OK header, chunk framing and signature, data. */
#define ZT_CTL_PKT_CAP (ZT_OK_HEADER_LEN + ZT_CHUNK_OVERHEAD + ZT_CHUNK_MAX_DATA + 64)
#define ZT_CTL_DICT_CAP (ZT_DICT_CONFIG_MAX + 1)

/* What is remembered per (network, member), in memory only (§2.1 step 4, §4.3). */
typedef struct zt_ctl_track {
    uint64_t nwid, node;
    int64_t last_request; /* of the last accepted genuine request; 0 = never */
    uint32_t older, newer; /* request order (controller_track.c); newer chains free slots */
    bool used;             /* the slot holds an entry */
    bool configured;       /* sent a config: its next request needs no address probe */
    bool has_meta;         /* authorised at that request: meta and identity below are valid */
    zt_config_meta meta;
    zt_identity id;       /* public only */
    /* The last config sent, kept when opts.config_cache_bytes allows (controller_cache.c):
     * what the member is answered with while the store cannot be read.  NULL: none. */
    uint8_t *cached;
    uint32_t cached_len;
} zt_ctl_track;

/* The pools a network had when last read, for the address probe of the next new member's
 * first read (controller.c, zt__controller_first_candidates). */
#define ZT_CTL_POOL_HINTS 8
typedef struct zt_ctl_pool_hint {
    uint64_t nwid; /* 0: unused */
    bool v4, v6;
    size_t npools;
    zt_ctl_pool pools[ZT_STORE_PROBE_MAX];
} zt_ctl_pool_hint;

typedef struct zt_ctl_note {
    int kind;
    uint64_t nwid, node;
} zt_ctl_note;

struct zt_controller {
    zt_identity id; /* with secret */
    zt_store *store;
    zt_controller_opts opts;
    const zt_mem *mem;
    /* The member table (controller_track.c): slots that never move, nslots of cap_tracks
     * handed out, ntracks of them in use; a hash index (slot + 1, 0 empty) on (nwid, node);
     * the request order, oldest to newest; freed slots chained from free_slot. */
    zt_ctl_track *tracks;
    size_t ntracks, nslots, cap_tracks, max_tracked;
    uint32_t *index;
    size_t index_cap;
    uint32_t oldest, newest, free_slot;
    zt_ctl_note *notes;
    size_t nnotes;
    zt_ctl_pool_hint hints[ZT_CTL_POOL_HINTS];
    unsigned next_hint;
    uint8_t *scratch; /* credential blobs, ZT_CTL_DICT_CAP */
    uint8_t *dict;    /* the dictionary being sent, ZT_CTL_DICT_CAP */
    uint8_t *pkt;     /* one payload, ZT_CTL_PKT_CAP */
    zt_controller_stats stats;
    size_t cache_bytes; /* held by the tracks' cached configs */
    char errmsg[ZT_STORE_ERRMSG_MAX + 64];
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void zt__controller_set_err(zt_controller *ctl, const char *fmt, ...);

uint64_t zt__controller_rnd(zt_controller *ctl);

/* The member table (controller_track.c).  find: the entry of (nwid, node) or NULL.  get:
 * finds it or adds it (evicting the entry with the least recent request when the table is
 * full); 0 or ZT_ERR_NOMEM.  touch: records an accepted request at |now| (the entry becomes
 * the most recent).  next: the first slot at or after |from| in use by |nwid| (0: any
 * network), ctl->nslots when none; a walk may change entries but neither add nor remove. */
void zt__controller_tracks_init(zt_controller *ctl);
void zt__controller_tracks_free(zt_controller *ctl);
zt_ctl_track *zt__controller_track_find(const zt_controller *ctl, uint64_t nwid, uint64_t node);
int zt__controller_track_get(zt_controller *ctl, uint64_t nwid, uint64_t node,
                             zt_ctl_track **pt);
void zt__controller_track_touch(zt_controller *ctl, zt_ctl_track *t, int64_t now);
size_t zt__controller_track_next(const zt_controller *ctl, uint64_t nwid, size_t from);

bool zt__controller_track_online(const zt_ctl_track *t, int64_t now);

int zt__controller_emit(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                        uint8_t verb, const uint8_t *p, size_t len);

/* §4.1: ctl->dict (|dlen| bytes) in signed chunks, as OK replies to |packet_id| or (0)
 * NETWORK_CONFIG pushes (controller.c). */
int zt__controller_send_config(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                               uint64_t nwid, uint64_t packet_id, size_t dlen);
/* The same in steps, so that the first chunk can be signed before it may leave: a random
 * update ID (never 0); the first chunk written into ctl->pkt (its length, or
 * ZT_ERR_INTERNAL); then every chunk sent, the first from ctl->pkt as written when |first| >
 * 0 (nothing else may use ctl->pkt in between), else written here. */
uint64_t zt__controller_update_id(zt_controller *ctl);
zt_ssize zt__controller_first_chunk(zt_controller *ctl, uint64_t nwid, uint64_t packet_id,
                                    size_t dlen, uint64_t update_id);
int zt__controller_send_chunks(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                               uint64_t nwid, uint64_t packet_id, size_t dlen,
                               uint64_t update_id, zt_ssize first);

/* The config cache (controller_cache.c).  Keeps ctl->dict as the last config of (nwid,
 * node) when its track exists and the byte budget allows; drops a track's copy; answers a
 * genuine request from the copy (0 and *presult CONFIG, or ZT_ERR_NOTFOUND without one). */
void zt__controller_cache_put(zt_controller *ctl, uint64_t nwid, uint64_t node, size_t dlen);
void zt__controller_cache_drop(zt_controller *ctl, zt_ctl_track *t);
int zt__controller_cache_answer(zt_controller *ctl, uint64_t nwid, uint64_t node,
                                uint64_t packet_id, const zt_controller_out *out,
                                zt_controller_result *presult);

/* Steps 2-11 of §2.3 for |requester| on |nwid|.  |packet_id| 0 = internal re-evaluation. */
int zt__controller_evaluate(zt_controller *ctl, const zt_identity *requester, uint64_t nwid,
                            const zt_config_meta *meta, uint64_t packet_id, int64_t now,
                            const zt_controller_out *out, zt_controller_result *presult);

#endif
