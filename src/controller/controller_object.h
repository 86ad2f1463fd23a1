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
    bool has_meta;        /* authorised at that request: meta and identity below are valid */
    zt_config_meta meta;
    zt_identity id;       /* public only */
    /* The last config sent, kept when opts.config_cache_bytes allows (controller_cache.c):
     * what the member is answered with while the store cannot be read.  NULL: none. */
    uint8_t *cached;
    uint32_t cached_len;
} zt_ctl_track;

typedef struct zt_ctl_note {
    int kind;
    uint64_t nwid, node;
} zt_ctl_note;

struct zt_controller {
    zt_identity id; /* with secret */
    zt_store *store;
    zt_controller_opts opts;
    const zt_mem *mem;
    zt_ctl_track *tracks; /* sorted by (nwid, node) */
    size_t ntracks, cap_tracks, max_tracked;
    zt_ctl_note *notes;
    size_t nnotes;
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

/* Index of (nwid, node), or of where it would go (*found false). */
size_t zt__controller_track_search(const zt_controller *ctl, uint64_t nwid, uint64_t node,
                                   bool *found);

bool zt__controller_track_online(const zt_ctl_track *t, int64_t now);

int zt__controller_emit(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                        uint8_t verb, const uint8_t *p, size_t len);

/* §4.1: ctl->dict (|dlen| bytes) in signed chunks, as OK replies to |packet_id| or (0)
 * NETWORK_CONFIG pushes (controller.c). */
int zt__controller_send_config(zt_controller *ctl, const zt_controller_out *out, uint64_t dest,
                               uint64_t nwid, uint64_t packet_id, size_t dlen);

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
