/*
 * zts_controller.h: optional embedding API for the network controller.
 *
 * The seed API (ZeroTierSockets.h) declares no controller calls (api.md §5.5), so this
 * separate header adds them under the unused prefix zts_controller_*.  It includes only libc
 * headers.
 *
 * A zts_controller holds the controller's identity and its record store (in memory, an SQLite
 * file, or a zerotier-one controller.d tree) and edits networks and members the way the
 * zerotier-one REST API does (controller.md §5): JSON bodies are partial updates, only the
 * writable fields are read, unknown keys are ignored, and every save that changes a record
 * bumps its revision.  The embedding service feeds configuration requests from the network to
 * the same controller (internally); members see an edit at their next request (pushes and
 * revocations are not sent yet: controller.md §4.3-§4.4).
 *
 * Sans-I/O: no call reads a clock.  Functions that change records take |now_ms|, milliseconds
 * since the Unix epoch, used for creationTime, lastAuthorizedTime and similar stamps.
 *
 * Threads: one owner thread per zts_controller; not thread-safe.
 *
 * Every function returns ZTS_CONTROLLER_OK (0) or one of the negative codes below; after a
 * failure zts_controller_last_error() holds one human sentence.  Codes -3..-5 have the values
 * of the seed's ZTS_ERR_ARG, ZTS_ERR_NO_RESULT and ZTS_ERR_GENERAL.
 */
#ifndef ZTS_CONTROLLER_H
#define ZTS_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ZTS_API
#if defined(__GNUC__)
#define ZTS_API __attribute__((visibility("default")))
#else
#define ZTS_API
#endif
#endif

#define ZTS_CONTROLLER_OK 0
/* An argument is invalid: NULL handle or pointer, a JSON body that does not parse or is not
 * an object, a value of the wrong type where zerotier-one is strict (a non-string in
 * ipAssignments), an identity without its secret, a network ID of 0. */
#define ZTS_CONTROLLER_ERR_ARG (-3)
/* The network or member does not exist. */
#define ZTS_CONTROLLER_ERR_NOT_FOUND (-4)
/* Internal failure, including out of memory. */
#define ZTS_CONTROLLER_ERR_GENERAL (-5)
/* The store failed: disk or database error, or a corrupt stored record. */
#define ZTS_CONTROLLER_ERR_STORE (-100)
/* A list or string in the request is beyond the controller's bounds (controller.md §3.9). */
#define ZTS_CONTROLLER_ERR_RANGE (-101)
/* No free network ID could be found under this controller's address. */
#define ZTS_CONTROLLER_ERR_FULL (-102)

typedef struct zts_controller zts_controller;

/* Where records are kept. */
#define ZTS_CONTROLLER_STORE_MEMORY 0 /* lost when the controller is deleted */
#define ZTS_CONTROLLER_STORE_SQLITE 1 /* store_path: a database file (created if missing) */
#define ZTS_CONTROLLER_STORE_JSON 2   /* store_path: a controller.d directory (zerotier-one) */
/* store_path: a libpq connection string or postgresql:// URL.  Several controller processes
 * with one identity may share the database: an edit made through any of them reaches the
 * members the others serve (their runners poll the database's notifications).  Only in
 * programs built with the PostgreSQL store (zt-service; docs/internals/controller-store.md):
 * elsewhere ZTS_CONTROLLER_ERR_ARG, "not built in". */
#define ZTS_CONTROLLER_STORE_POSTGRESQL 3

typedef struct zts_controller_config {
    /* The controller identity in text form WITH its secret ("address:0:public:secret").
     * Required; copied. */
    const char *identity_secret;
    int store_kind;         /* ZTS_CONTROLLER_STORE_*; default MEMORY */
    const char *store_path; /* for SQLITE and JSON; copied */
    /* Random source for new network IDs and the controller's own draws.  NULL: the crypto
     * library's generator. */
    uint64_t (*random_u64)(void *arg);
    void *random_arg;
    /* SQLITE only.  0 (default): a commit survives a crash of the process, but the last
     * seconds of commits may be lost to a power loss or OS crash (synchronous=NORMAL: about
     * twice the request rate).  1: every commit is flushed to disk before the answer leaves
     * (synchronous=FULL). */
    int durable_commits;
} zts_controller_config;

/* Fills |cfg| with the defaults (memory store, library RNG, no identity). */
ZTS_API void zts_controller_config_default(zts_controller_config *cfg);

/*
 * Creates a controller from |cfg| (borrowed).  On success *pctl owns a new handle, to be
 * freed with zts_controller_del().  Returns ZTS_CONTROLLER_OK, or
 *   ZTS_CONTROLLER_ERR_ARG      NULL argument, unparseable identity, no secret, secret that
 *                               does not match the public key, unknown store_kind, no path
 *   ZTS_CONTROLLER_ERR_STORE    the store could not be opened
 *   ZTS_CONTROLLER_ERR_GENERAL  out of memory
 * Without a handle, the reason is read with zts_controller_last_error(NULL) on the same thread
 * (for a store: the path and the cause, e.g. not a database, another application's tables,
 * a newer schema, permission denied, read-only, locked, disk full).
 */
ZTS_API int zts_controller_new(zts_controller **pctl, const zts_controller_config *cfg);

/* Closes the store, wipes the secret and frees the handle.  NULL is a no-op. */
ZTS_API void zts_controller_del(zts_controller *ctl);

/* The controller's 40-bit address; networks it serves have IDs (address << 24) | suffix.
 * 0 for a NULL handle. */
ZTS_API uint64_t zts_controller_address(const zts_controller *ctl);

/* The sentence describing the last failure on |ctl| ("" if none).  Valid until the next call
 * on |ctl|.  With |ctl| NULL: why the calling thread's last zts_controller_new failed, also
 * when zts_controller_attach made that call and returned ERR_STORE ("no controller" if none
 * failed); valid until the thread's next zts_controller_new. */
ZTS_API const char *zts_controller_last_error(const zts_controller *ctl);

/* Frees a string returned by this API.  NULL is a no-op. */
ZTS_API void zts_controller_free(char *s);

/* ---- controller mode of a running node (ZeroTierSockets.h) ---- */

/*
 * Makes the node started with zts_start() the controller of its own networks (IDs that begin
 * with its address), and gives the caller a handle to edit them.  The store is the SQLite
 * file <start path>/controller.d/controller.sqlite3 (created if missing; a later zts_start on
 * the same path serves it again at once).  The node answers configuration requests from that
 * file as they come; edits made through the handle apply at each member's next request (a
 * member asks at least every 60 s; a fresh join asks at once), removals of authorisation
 * included (no revocation is pushed yet).
 *
 * The caller owns *pctl and frees it with zts_controller_del(); the handle keeps working on
 * the file after the node stops.  Any application thread, not the event callback.  Returns
 * OK, ERR_ARG (pctl NULL), ERR_GENERAL (no node running, or called from the callback) or
 * ERR_STORE (the file cannot be opened or created; zts_controller_last_error(NULL) says why).
 */
ZTS_API int zts_controller_attach(zts_controller **pctl);

/* ---- networks ---- */

/*
 * Creates a network under this controller with a random 24-bit suffix (never 0, never an ID
 * already in use), initialised from the JSON body |json| (NULL or "" = "{}").  *pnwid gets
 * its ID; *pjson (may be NULL) a new string with the saved network object, freed with
 * zts_controller_free().  Returns OK, ERR_ARG (bad body), ERR_RANGE, ERR_FULL (no free ID in
 * 100 000 draws), ERR_STORE or ERR_GENERAL.
 */
ZTS_API int zts_controller_network_create(zts_controller *ctl, const char *json, int64_t now_ms,
                                          uint64_t *pnwid, char **pjson);

/*
 * Creates network |nwid| (any non-zero ID, as zerotier-one accepts) or updates it with the
 * fields present in |json|.  *pjson (may be NULL) gets the saved object.  A change is pushed
 * to the network's online members by the embedding service.  Returns OK, ERR_ARG, ERR_RANGE,
 * ERR_STORE or ERR_GENERAL.
 */
ZTS_API int zts_controller_network_set(zts_controller *ctl, uint64_t nwid, const char *json,
                                       int64_t now_ms, char **pjson);

/* Simple setters on an existing network (same effect as the JSON fields "name" and
 * "private").  Return OK, ERR_NOT_FOUND, ERR_ARG (NULL name), ERR_STORE or ERR_GENERAL. */
ZTS_API int zts_controller_network_set_name(zts_controller *ctl, uint64_t nwid, const char *name,
                                            int64_t now_ms);
ZTS_API int zts_controller_network_set_private(zts_controller *ctl, uint64_t nwid,
                                               bool is_private, int64_t now_ms);

/* *pjson gets the network object (compact JSON, sorted keys).  Returns OK, ERR_NOT_FOUND,
 * ERR_ARG, ERR_STORE or ERR_GENERAL. */
ZTS_API int zts_controller_network_get(zts_controller *ctl, uint64_t nwid, char **pjson);

/* Writes up to |cap| network IDs, ascending, into |ids| (may be NULL when |cap| is 0) and the
 * total number of networks into *pcount (which may exceed |cap|).  Returns OK, ERR_ARG,
 * ERR_STORE or ERR_GENERAL. */
ZTS_API int zts_controller_network_list(zts_controller *ctl, uint64_t *ids, size_t cap,
                                        size_t *pcount);

/* Deletes network |nwid| and all its members; every member that was authorised gets its
 * membership revoked on the wire.  Returns OK, ERR_NOT_FOUND, ERR_ARG or ERR_STORE. */
ZTS_API int zts_controller_network_delete(zts_controller *ctl, uint64_t nwid, int64_t now_ms);

/* ---- members ---- */

/*
 * Creates (pre-authorisation is allowed: the first node with that address to ask gets
 * pinned) or updates member |node| (40-bit address) of network |nwid| with the fields present
 * in |json|.  Setting "authorized" to false on an authorised member revokes it on the wire.
 * *pjson (may be NULL) gets the saved member object.  Returns OK, ERR_NOT_FOUND (no such
 * network), ERR_ARG (bad body or address), ERR_RANGE, ERR_STORE or ERR_GENERAL.
 */
ZTS_API int zts_controller_member_set(zts_controller *ctl, uint64_t nwid, uint64_t node,
                                      const char *json, int64_t now_ms, char **pjson);

/* Same as member_set with {"authorized": |authorized|}. */
ZTS_API int zts_controller_member_set_authorized(zts_controller *ctl, uint64_t nwid,
                                                 uint64_t node, bool authorized, int64_t now_ms);

/* *pjson gets the member object.  Returns OK, ERR_NOT_FOUND, ERR_ARG, ERR_STORE or
 * ERR_GENERAL. */
ZTS_API int zts_controller_member_get(zts_controller *ctl, uint64_t nwid, uint64_t node,
                                      char **pjson);

/* Member addresses of |nwid|, ascending, as network_list.  Returns OK, ERR_NOT_FOUND,
 * ERR_ARG, ERR_STORE or ERR_GENERAL. */
ZTS_API int zts_controller_member_list(zts_controller *ctl, uint64_t nwid, uint64_t *nodes,
                                       size_t cap, size_t *pcount);

/* Deletes the member; an authorised one is revoked on the wire.  Returns OK, ERR_NOT_FOUND,
 * ERR_ARG or ERR_STORE. */
ZTS_API int zts_controller_member_delete(zts_controller *ctl, uint64_t nwid, uint64_t node,
                                         int64_t now_ms);

#ifdef __cplusplus
}
#endif

#endif
