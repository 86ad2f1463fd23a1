/*
 * controller.h: the network controller as a sans-I/O object (controller.md §1-§4, §7).
 *
 * A zt_controller answers NETWORK_CONFIG_REQUEST payloads for the networks whose ID starts
 * with its identity's address, reading and writing records through a zt_store (store.h).  It
 * has no socket, clock, thread or file of its own: every call gets |now| (ms since the epoch,
 * the controller clock of §3) and hands what is to be sent to a caller-supplied callback as a
 * VL2 payload plus the VL1 verb to wrap it in.  The embedder (the node) adds the VL1 packet:
 * header, armor, compression, fragmentation.
 *
 *   verb passed to send()        payload
 *   ZT_VERB_OK                   OK(NETWORK_CONFIG_REQUEST) chunk: in-re verb 0x0b, in-re
 *                                packet ID, signed config chunk (vl2.md §3.9)
 *   ZT_VERB_NETWORK_CONFIG       pushed chunk (controller.md §4.3)
 *   ZT_VERB_ERROR                in-re verb 0x0b, in-re packet ID, code, nwid (§2.3)
 *   ZT_VERB_NETWORK_CREDENTIALS  one revocation (§4.4)
 *
 * State kept in memory (never in the store, as 1.14.1 keeps it): per (network, member) the
 * time of the last accepted request, and for authorised members the last request metadata and
 * identity, which pushes replay (§4.3).  The table is bounded (opts.max_tracked); when full,
 * the entry with the oldest request is forgotten, which costs that member at most one push.
 *
 * One owner thread (style.md §7).  Not re-entrant: do not call into the controller from send().
 */
#ifndef ZT_CONTROLLER_CONTROLLER_H
#define ZT_CONTROLLER_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/store.h"
#include "codec/identity.h"
#include "util/errors.h"
#include "util/mem.h"

typedef struct zt_controller zt_controller;

/* Timing constants of controller.md §2.1 and §4.3. */
#define ZT_CTL_MIN_REQUEST_PERIOD 1000  /* flood limit per (network, member), ms */
#define ZT_CTL_ONLINE_WINDOW 120000     /* a member is online if it asked this recently */
#define ZT_CTL_CTMD_DEFAULT 1800000     /* COM max delta when the network sets none (§3) */
#define ZT_CTL_CTMD_MIN 300000
#define ZT_CTL_CTMD_MAX 7200000
#define ZT_CTL_PENDING_MAX 4096         /* queued change notes (zt_controller_note_*) */
#define ZT_CTL_MAX_TRACKED_LIMIT (1u << 30) /* the largest opts.max_tracked honoured */

typedef struct zt_controller_opts {
    /* Random source for config update IDs, revocation IDs and IPv6 pool picks.  NULL: the
     * crypto backend's generator.  Tests pass a seeded one. */
    uint64_t (*random_u64)(void *arg);
    void *random_arg;
    /* Bound on the in-memory (network, member) table; 0 means 65536, at most
     * ZT_CTL_MAX_TRACKED_LIMIT. */
    size_t max_tracked;
    /* Allocator for the controller's own memory (NULL = libc).  Records read from the store
     * are allocated by the model, with libc. */
    const zt_mem *mem;
    /* Bytes of configs kept to answer members while the store cannot be read (a database
     * that went away): 0 (default) keeps none.  Each tracked member's last config sent, up to
     * this many bytes in all; a member whose records cannot be read is answered with it, as
     * it was (nothing new is ever sent that was not stored first). */
    size_t config_cache_bytes;
} zt_controller_opts;

void zt__controller_opts_default(zt_controller_opts *opts);

/* How many times a member changed by another process between our read and our save is read
 * and decided again (zt__store_save_member_if) before the request or edit fails. */
#define ZT_CTL_SAVE_TRIES 3

/* The config cache of a controller on PostgreSQL (zts_controller_new): 64 MiB, some 30,000
 * members' configs. */
#define ZTS_CONTROLLER_PG_CACHE_BYTES ((size_t)64 << 20)

/*
 * Output sink.  send() is called once per payload to deliver to node |dest| (40-bit address)
 * inside a VL1 packet of verb |verb| (see the table above).  |payload| is borrowed until
 * send() returns.  A non-zero return stops the current operation, which then returns
 * ZT_ERR_CALLBACK_FAILURE (chunks already sent stay sent; the member record is already saved).
 */
typedef struct zt_controller_out {
    int (*send)(void *arg, uint64_t dest, uint8_t verb, const uint8_t *payload, size_t len);
    void *arg;
} zt_controller_out;

/* What happened to one request (zt__controller_handle_request's *presult). */
typedef enum {
    ZT_CTL_RESULT_CONFIG = 0,        /* config sent (OK chunks, or NETWORK_CONFIG for pushes) */
    ZT_CTL_RESULT_NOT_FOUND,         /* unknown network: ERROR(OBJ_NOT_FOUND) sent */
    ZT_CTL_RESULT_ACCESS_DENIED,     /* not authorised: member saved, ERROR(ACCESS_DENIED) */
    ZT_CTL_RESULT_IDENTITY_MISMATCH, /* pinned identity differs: ERROR(ACCESS_DENIED), no save */
    ZT_CTL_RESULT_NOT_OURS,          /* nwid not under this controller: dropped silently (§1) */
    ZT_CTL_RESULT_FLOODED,           /* within 1000 ms of the last accepted one: dropped */
    ZT_CTL_RESULT_SIGN_FAILED,       /* COM could not be signed: ERROR(OBJ_NOT_FOUND) (§2.3.11) */
} zt_controller_result;

/* Counters (read with zt_controller_stats). */
typedef struct zt_controller_stats {
    uint64_t requests;         /* payloads offered to handle_request */
    uint64_t malformed;        /* ZT_ERR_DROP returns */
    uint64_t not_ours;
    uint64_t flooded;
    uint64_t configs_sent;     /* configs (not chunks) */
    uint64_t errors_sent;      /* ERROR payloads */
    uint64_t denied;
    uint64_t revocations_sent; /* NETWORK_CREDENTIALS payloads */
    uint64_t store_errors;
    uint64_t tracked_evicted;
    uint64_t pending_dropped;  /* change notes lost because the queue was full */
    uint64_t answered_from_cache; /* requests answered with a kept config, the store down */
} zt_controller_stats;

/*
 * zt__controller_new creates a controller for |identity| (copied; must have its secret) that
 * keeps its records in |store| (borrowed: it must outlive the controller).  |opts| may be
 * NULL (defaults).  Returns 0, ZT_ERR_INVAL (no secret, NULL argument) or ZT_ERR_NOMEM.
 */
int zt__controller_new(zt_controller **pctl, const zt_identity *identity, zt_store *store,
                      const zt_controller_opts *opts);
/* Frees the controller (wiping its secret); NULL is a no-op.  The store is not touched. */
void zt__controller_del(zt_controller *ctl);

/* The controller's 40-bit address (= nwid >> 24 of every network it serves). */
uint64_t zt__controller_address(const zt_controller *ctl);

/*
 * zt__controller_handle_request processes one NETWORK_CONFIG_REQUEST |payload| (|len| bytes,
 * borrowed) from |requester| (public identity, already authenticated by VL1; copied if kept)
 * carried by a packet with ID |packet_id| (non-zero for a packet; 0 means an internal
 * re-evaluation, which never gets an ERROR and bypasses the flood limit) at time |now|.
 * Follows controller.md §2.3 step by step; see docs/internals/controller.md.
 * Returns 0 with *presult (may be NULL) saying what was done, or:
 *   ZT_ERR_DROP     malformed payload or metadata, reserved requester address; nothing sent
 *   ZT_ERR_IO, ZT_ERR_INVAL, ZT_ERR_RANGE
 *                   the store failed (sentence in zt__controller_errmsg()); nothing was sent
 *                   and no member change was lost: the member record is either saved whole
 *                   or left as it was (transaction rolled back)
 *   ZT_ERR_CALLBACK_FAILURE  send() returned non-zero
 *   ZT_ERR_NOMEM    (fatal for this call; the controller stays usable)
 */
int zt__controller_handle_request(zt_controller *ctl, const zt_identity *requester,
                                 const uint8_t *payload, size_t len, uint64_t packet_id,
                                 int64_t now, const zt_controller_out *out,
                                 zt_controller_result *presult);

/*
 * zt__controller_push_updates re-runs §2.3 (packet ID 0) for every member of |nwid| that is
 * online (asked within ZT_CTL_ONLINE_WINDOW of |now|) and whose metadata is remembered, and
 * sends each resulting config as NETWORK_CONFIG chunks (§4.3).  Members now unauthorised get
 * nothing.  *pcount (may be NULL) gets the number of configs sent.  Returns 0 or the first
 * error as for handle_request (the remaining members are still pushed after a store error;
 * ZT_ERR_CALLBACK_FAILURE and ZT_ERR_NOMEM stop the loop).
 */
int zt__controller_push_updates(zt_controller *ctl, uint64_t nwid, int64_t now,
                               const zt_controller_out *out, size_t *pcount);
/* Same for one member (§4.3 "member record changed").  Returns 0 (also when the member is
 * not online: nothing sent) or an error as above. */
int zt__controller_push_member(zt_controller *ctl, uint64_t nwid, uint64_t node, int64_t now,
                              const zt_controller_out *out);

/*
 * zt__controller_revoke builds the §4.4 revocation of |node|'s COM on |nwid| (threshold |now|,
 * fast-propagate, random ID), signs it, and sends it as a NETWORK_CREDENTIALS payload to every
 * online member of the network.  *pcount (may be NULL) gets the number of payloads sent.
 * Returns 0, ZT_ERR_INVAL (|nwid| not ours), ZT_ERR_CALLBACK_FAILURE or ZT_ERR_INTERNAL.
 */
int zt__controller_revoke(zt_controller *ctl, uint64_t nwid, uint64_t node, int64_t now,
                         const zt_controller_out *out, size_t *pcount);

/*
 * Change notes, for code that edits the store outside a request (the REST API, api.c):
 * they queue what has to be sent, and zt__controller_flush() sends it.  A deauthorisation
 * note (a member went from authorised to not, or an authorised member was deleted; for a
 * deleted network, note every member) becomes a revocation plus a push to that member; a
 * member note a push to it; a network note a push to all its online members.  Duplicates
 * collapse.  Returns 0 or ZT_ERR_LIMIT (queue full: counted in pending_dropped).
 */
int zt__controller_note_network_changed(zt_controller *ctl, uint64_t nwid);
int zt__controller_note_member_changed(zt_controller *ctl, uint64_t nwid, uint64_t node);
int zt__controller_note_member_deauthorized(zt_controller *ctl, uint64_t nwid, uint64_t node);
/* Forgets everything remembered about |nwid| (its network was deleted), after the caller has
 * noted the deauthorisations. */
void zt__controller_forget_network(zt_controller *ctl, uint64_t nwid);
/* Sends everything queued.  Returns 0 or the first error (the queue is emptied anyway). */
int zt__controller_flush(zt_controller *ctl, int64_t now, const zt_controller_out *out);
/* Number of notes waiting. */
size_t zt__controller_pending(const zt_controller *ctl);
/* Notes what other processes sharing the store changed since the last call
 * (zt__store_poll_changes: several controllers on one PostgreSQL database): a member whose
 * authorisation went away is noted deauthorised, any other member or network changed, and
 * "changes may have been missed" notes every network this controller serves members of.
 * The caller then flushes.  Returns 0, or the store's error (ZT_ERR_IO while its
 * notification channel is down: polled again later). */
int zt__controller_poll_store(zt_controller *ctl);

/* True when (nwid, node) asked within ZT_CTL_ONLINE_WINDOW of |now|. */
bool zt__controller_is_online(const zt_controller *ctl, uint64_t nwid, uint64_t node,
                             int64_t now);

void zt__controller_stats_get(const zt_controller *ctl, zt_controller_stats *out);
/* One sentence about the last failure ("" if none). */
const char *zt__controller_errmsg(const zt_controller *ctl);

/* The controller inside a handle of the embedding API (include/zts_controller.h), for the
 * service that feeds it requests and flushes its notes; NULL for a NULL handle.  api.c. */
struct zts_controller;
zt_controller *zt__controller_of(struct zts_controller *api);
/* The store behind a handle (borrowed), for the REST routes' listings (rest.c); NULL for a
 * NULL handle.  api.c. */
zt_store *zt__controller_store_of(struct zts_controller *api);

#endif
