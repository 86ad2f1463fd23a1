/*
 * store.h: the controller's storage interface (style.md §10f, controller.md §6).
 *
 * A zt_store holds network records and, under each network, member records (model.h).  Every
 * backend implements zt_store_ops and embeds struct zt_store first; callers use only the
 * zt__store_* functions below, which check arguments and the iteration rule, then dispatch.
 * One shared suite (tests/unit/test_store.c) runs against every backend.
 *
 * Backends:
 *   zt__store_mem_new      in memory, for tests
 *   zt__store_sqlite_open  the embedded default: one SQLite file, WAL, versioned schema
 *   zt__store_json_open    zerotier-one's controller.d tree (§6.1), one JSON file per record;
 *                         used for import and export (zt__store_copy), and usable live
 *   zt__store_pg_open      PostgreSQL via libpq (library zt_store_pg), for shared databases
 * mem, sqlite and pg keep a per-network index (addresses in ipAssignments, active bridges)
 * updated with each member write, so that a config request reads one member, not the whole
 * network; json answers the same queries by reading every member file
 * (docs/internals/controller-store.md).
 *
 * Rules common to all backends:
 *  - Records are copied in and out: put_* borrows its argument, get_* fills caller storage
 *    (which the caller then _clear()s, whatever the result).
 *  - A member belongs to an existing network: put_member on an unknown network is
 *    ZT_ERR_NOTFOUND.  Deleting a network deletes its members.
 *  - Lists come in ascending id order.  The callback's record is valid only during the call.
 *    A non-zero return from the callback stops the listing and is returned as is.  During a
 *    listing the callback may call zt_store_get_* on the same store, but no list, put,
 *    delete or transaction call (ZT_ERR_INVAL).
 *  - A failed call leaves one sentence in zt__store_errmsg().
 *  - Errors: > ZT_ERR_FATAL as usual: the call failed, the store is still usable.  ZT_ERR_IO
 *    (disk, database), ZT_ERR_INVAL (a corrupt stored record, bad argument), ZT_ERR_RANGE (a
 *    record beyond the model's bounds), ZT_ERR_NOTFOUND, ZT_ERR_UNSUPPORTED.  ZT_ERR_NOMEM is
 *    fatal for the caller's operation but leaves the store consistent.
 *  - One owner thread (style.md §7).
 */
#ifndef ZT_CONTROLLER_STORE_H
#define ZT_CONTROLLER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/model.h"
#include "util/errors.h"

typedef struct zt_store zt_store;

typedef int (*zt_store_network_cb)(const zt_ctl_network *n, void *arg);

/* A change another process made (zt__store_poll_changes). */
typedef enum {
    ZT_STORE_CHANGE_NETWORK = 1, /* network |nwid| written or deleted */
    ZT_STORE_CHANGE_MEMBER = 2,  /* member |node| of |nwid| written or deleted */
    ZT_STORE_CHANGE_ALL = 3,     /* changes may have been missed (a reconnection): any record */
} zt_store_change_kind;

typedef struct zt_store_change {
    zt_store_change_kind kind;
    uint64_t nwid, node;
    bool was_authorized; /* MEMBER: before the change (false for a new member) */
    bool is_authorized;  /* MEMBER: after it (false once deleted) */
} zt_store_change;

typedef int (*zt_store_change_cb)(const zt_store_change *c, void *arg);
typedef int (*zt_store_member_cb)(const zt_ctl_member *m, void *arg);

/* Addresses zt__store_get_request may look up in its read (zt__store_ip_in_use's answer
 * for each): state[i] ZT_STORE_PROBE_UNKNOWN (not answered), _FREE or _USED. */
#define ZT_STORE_PROBE_MAX 4
enum { ZT_STORE_PROBE_UNKNOWN = 0, ZT_STORE_PROBE_FREE, ZT_STORE_PROBE_USED };
typedef struct zt_store_probe {
    zt_ctl_ip ips[ZT_STORE_PROBE_MAX];
    size_t n;
    uint8_t state[ZT_STORE_PROBE_MAX];
} zt_store_probe;

typedef struct zt_store_ops {
    const char *name; /* "mem", "sqlite", "json" */
    int (*get_network)(zt_store *st, uint64_t nwid, zt_ctl_network *out);
    int (*put_network)(zt_store *st, const zt_ctl_network *n);
    int (*delete_network)(zt_store *st, uint64_t nwid);
    int (*list_networks)(zt_store *st, zt_store_network_cb cb, void *arg);
    int (*get_member)(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out);
    int (*put_member)(zt_store *st, const zt_ctl_member *m);
    int (*delete_member)(zt_store *st, uint64_t nwid, uint64_t node);
    int (*list_members)(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg);
    int (*begin)(zt_store *st);
    int (*commit)(zt_store *st);
    int (*rollback)(zt_store *st); /* NULL: not supported */
    void (*del)(zt_store *st);
    /* The per-network index (controller.md §6.2 "summary": allocated IPs, active bridges), kept
     * by the backend in step with every member write.  NULL: store.c answers from a
     * list_members scan, which is correct but reads every member record. */
    int (*ip_in_use)(zt_store *st, uint64_t nwid, const zt_ctl_ip *ip, bool *pused);
    int (*active_bridges)(zt_store *st, uint64_t nwid, uint64_t *ids, size_t cap, size_t *pn);
    /* Changes other processes made to the records since the last call (see
     * zt__store_poll_changes).  NULL: the backend cannot tell (every backend but pg). */
    int (*poll_changes)(zt_store *st, zt_store_change_cb cb, void *arg);
    /* The conditional write, in two halves so that the caller works while the server
     * writes.  It writes |m| (revision and creation time already set) only if the stored
     * record's revision is *|expected| (NULL: only if there is none), atomically by itself;
     * otherwise nothing, and finish returns ZT_ERR_AGAIN.  start sends the write (0, else
     * nothing is under way); finish waits for it and returns its result.  |m| stays unchanged
     * in between, and no other call is made on the store.  Called outside transactions only
     * (zt__store_save_member_cas*, the config request path): the write is the controller's
     * own answer, so a change feed need not carry it (pg keeps it off).  NULL (both): store.c
     * reads and writes in a transaction. */
    int (*put_member_if_start)(zt_store *st, const zt_ctl_member *m, const uint64_t *expected);
    int (*put_member_if_finish)(zt_store *st);
    /* zt__store_get_request in one go (arguments checked, outputs initialised).  NULL:
     * store.c makes the three calls. */
    int (*get_request)(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_network *net,
                       zt_ctl_member *m, bool *pfound, uint64_t *ids, size_t cap, size_t *pn,
                       zt_store_probe *probe);
} zt_store_ops;

#define ZT_STORE_ERRMSG_MAX 512

struct zt_store {
    const zt_store_ops *ops;
    int iterating;      /* depth of list calls in progress */
    bool in_tx;         /* between begin and commit/rollback */
    /* zt__store_save_member_cas_start's write: under way (the backend's finish collects
     * it), or done with its result in cas_rv, cas_changed. */
    enum { ZT_STORE_CAS_IDLE = 0, ZT_STORE_CAS_UNDER_WAY, ZT_STORE_CAS_DONE } cas;
    int cas_rv;
    bool cas_changed;
    char errmsg[ZT_STORE_ERRMSG_MAX];
};

/* The default file name of the SQLite database in the home directory.  Not "controller.db":
 * zerotier-one refuses to start when a file of that name exists (controller.md §6.1). */
#define ZT_STORE_SQLITE_DEFAULT_NAME "controller.sqlite3"

/* ---- backends -------------------------------------------------------------------------------- */

/* An empty in-memory store.  Returns 0 or ZT_ERR_NOMEM. */
int zt__store_mem_new(zt_store **pst);

/*
 * zt__store_sqlite_open opens (creating it if needed, mode 0600) the database file |path|: WAL
 * journal, foreign keys, 5 s busy timeout, synchronous=NORMAL (a commit is atomic and never
 * corrupts the file; the last commits before a power loss or OS crash may be lost, not those
 * before a process crash: docs/decisions.md).  An older schema is migrated in one transaction
 * (building the index from the stored records); a newer one is refused.  Returns 0,
 * or with a sentence in |err| (may be NULL):
 *   ZT_ERR_IO           cannot open or create the file, or it is not a usable SQLite database
 *   ZT_ERR_UNSUPPORTED  the file's schema version is newer than this build knows
 *   ZT_ERR_INVAL        the schema_version table is damaged
 *   ZT_ERR_NOMEM
 */
int zt__store_sqlite_open(zt_store **pst, const char *path, char *err, size_t errlen);
/* The same with |flags|: ZT_STORE_SQLITE_DURABLE runs synchronous=FULL instead (an fsync per
 * commit: nothing committed is lost even to a power loss, at about half the request rate). */
#define ZT_STORE_SQLITE_DURABLE 0x1u
int zt__store_sqlite_open_flags(zt_store **pst, const char *path, unsigned flags, char *err,
                               size_t errlen);
/* The schema version this build creates and understands. */
int zt__store_sqlite_schema_version(void);

/*
 * zt__store_json_open uses |dir| as a controller.d tree (§6.1): creates |dir| (0700),
 * |dir|/network and |dir|/trace if missing.  Records are read from and written to the files
 * directly (atomic replace; no cache), so this backend is meant for import/export and small
 * deployments.  begin/commit are accepted and do nothing; rollback is ZT_ERR_UNSUPPORTED.
 * A file that exists under a record's name but does not parse, or whose id does not match
 * its name, is reported as ZT_ERR_INVAL naming the file; it is never skipped silently.
 * Returns 0, ZT_ERR_IO (with a sentence in |err|) or ZT_ERR_NOMEM.
 */
int zt__store_json_open(zt_store **pst, const char *dir, char *err, size_t errlen);

/*
 * zt__store_pg_open connects to the PostgreSQL database named by |conninfo| (a libpq connection
 * string, "host=... dbname=...", or a postgresql:// URL; never repeated in messages, since it
 * may hold a password) and keeps the records in the tables of its current schema (the first
 * existing one of search_path: a database, or options='-c search_path=...', of the controller's
 * own), creating or migrating them in one transaction; a newer schema is refused.  Several
 * processes may share the database: begin..commit is a REPEATABLE READ transaction, and an
 * address the controller allocated (found free by zt__store_ip_in_use, then written) is
 * unique in its network (docs/internals/controller-store.md).  Linked from zt_store_pg, not
 * zt_controller (libzt does not depend on libpq).  Returns 0, or with a sentence in |err|:
 *   ZT_ERR_IO           cannot connect, or the server refused a statement
 *   ZT_ERR_UNSUPPORTED  the schema version is newer than this build knows, or the server older
 *                       than PostgreSQL 10
 *   ZT_ERR_INVAL        tables of ours damaged or another application's, or no schema to use
 *   ZT_ERR_NOMEM
 * Its calls may also return ZT_ERR_AGAIN (a concurrent transaction changed what this one read
 * and wrote: roll back and try again; outside a transaction the store retries by itself) and
 * ZT_ERR_EXISTS (put_member: an allocated address was allocated to another member meanwhile).
 * A lost connection fails the call with ZT_ERR_IO; the next call reconnects (a transaction
 * open then is over: roll back).
 */
int zt__store_pg_open(zt_store **pst, const char *conninfo, char *err, size_t errlen);

/* zt_controller does not link libpq (libzt includes it): a program that links zt_store_pg
 * and wants ZTS_CONTROLLER_STORE_POSTGRESQL calls zt__store_pg_register() once, which sets
 * this opener; while it is NULL such a store is refused ("not built in"). */
extern int (*zt__store_pg_opener)(zt_store **pst, const char *conninfo, char *err,
                                  size_t errlen);
void zt__store_pg_register(void);

/* ---- operations ------------------------------------------------------------------------------ */

/* Hands each change that other processes sharing the store made since the last call to |cb|
 * (without waiting: what has arrived), in order; a non-zero return from |cb| stops and is
 * returned.  A change of ours is not reported.  ZT_STORE_CHANGE_ALL says changes may have
 * been lost (after a reconnection): the caller treats every record as changed.  Returns 0
 * (also for a backend that cannot tell), ZT_ERR_IO (the notification channel is down; the
 * next call tries to reconnect) or ZT_ERR_NOMEM.  Not during a listing. */
int zt__store_poll_changes(zt_store *st, zt_store_change_cb cb, void *arg);

/* Reads network |nwid| into |out| (always initialised on return; the caller _clear()s it).
 * Returns 0, ZT_ERR_NOTFOUND, ZT_ERR_INVAL (stored record corrupt), ZT_ERR_IO, ZT_ERR_NOMEM. */
int zt__store_get_network(zt_store *st, uint64_t nwid, zt_ctl_network *out);
/* Creates or replaces the network record |n| (borrowed).  Writes exactly what it is given:
 * revision and creation time are the caller's (see zt__store_save_network).  Returns 0,
 * ZT_ERR_IO, ZT_ERR_INVAL, ZT_ERR_NOMEM. */
int zt__store_put_network(zt_store *st, const zt_ctl_network *n);
/* Deletes network |nwid| and all its members.  Returns 0, ZT_ERR_NOTFOUND, ZT_ERR_IO. */
int zt__store_delete_network(zt_store *st, uint64_t nwid);
/* Calls |cb| for every network, ascending id.  Returns 0, the callback's non-zero value, or
 * the errors of get_network (a corrupt record stops the listing). */
int zt__store_list_networks(zt_store *st, zt_store_network_cb cb, void *arg);

/* As above for member |node| of |nwid|.  put_member: ZT_ERR_NOTFOUND if the network does not
 * exist.  list_members: ascending address; ZT_ERR_NOTFOUND if the network does not exist. */
int zt__store_get_member(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_member *out);
int zt__store_put_member(zt_store *st, const zt_ctl_member *m);
int zt__store_delete_member(zt_store *st, uint64_t nwid, uint64_t node);
int zt__store_list_members(zt_store *st, uint64_t nwid, zt_store_member_cb cb, void *arg);

/*
 * The index.  zt__store_ip_in_use sets *pused to whether any member record of |nwid|
 * (authorised or not) lists the address |ip| in ipAssignments: the network's allocated set of
 * controller.md §3.5 step 3 and §3.6 step 6.  Family and address are compared; ip->bits is
 * ignored.  Several members may list the same address (the API does not forbid it); deleting
 * one leaves it in use.  An unknown network has no addresses in use.
 * zt__store_active_bridges writes to |ids| (capacity |cap|) the addresses of the members of
 * |nwid| whose activeBridge is true (authorised or not, §3 `S`), ascending, at most |cap|;
 * *pn gets the number written.  An unknown network has none.
 * Both see the store as the last put/delete left it, inside a transaction too.  Not from a
 * listing callback (ZT_ERR_INVAL).  Returns 0, ZT_ERR_INVAL, ZT_ERR_IO, ZT_ERR_NOMEM; without
 * an index (json) also the errors of list_members (a corrupt member record).
 */
int zt__store_ip_in_use(zt_store *st, uint64_t nwid, const zt_ctl_ip *ip, bool *pused);
/*
 * zt__store_get_request reads at once what a config request needs (controller.md §2.3 steps
 * 2, 3 and 10): network |nwid| into |net|, member |node| into |m| (*pfound false and |m| as
 * zt__ctl_member_init makes it when the member is not stored), and the network's active
 * bridges into |ids| as zt__store_active_bridges does.  ZT_ERR_NOTFOUND when the network does
 * not exist (the member is then not read).  |net| and |m| are always initialised (the caller
 * _clear()s both).  One statement (one round trip) on pg; the other backends make the three
 * calls.  Not from a listing callback.  Errors: those of the three calls.  |probe| (may be
 * NULL): addresses the caller expects to look up next; a backend may answer them in the same
 * read, as zt__store_ip_in_use would (pg does; the others leave them unanswered).
 */
int zt__store_get_request(zt_store *st, uint64_t nwid, uint64_t node, zt_ctl_network *net,
                          zt_ctl_member *m, bool *pfound, uint64_t *ids, size_t cap, size_t *pn,
                          zt_store_probe *probe);
int zt__store_active_bridges(zt_store *st, uint64_t nwid, uint64_t *ids, size_t cap, size_t *pn);

/*
 * Transactions: zt__store_begin .. zt__store_commit groups changes so that they all land or none
 * does (SQLite: one transaction; mem: an undo log).  Not nested (ZT_ERR_INVAL).  Closing a
 * store with a transaction open rolls it back where the backend can.  zt__store_rollback returns
 * ZT_ERR_UNSUPPORTED on backends that write through (json); the transaction is then ended
 * with its changes kept.  Returns 0, ZT_ERR_INVAL (misuse), ZT_ERR_IO, ZT_ERR_NOMEM.
 */
int zt__store_begin(zt_store *st);
int zt__store_commit(zt_store *st);
int zt__store_rollback(zt_store *st);

/* Closes the store and frees it; NULL is a no-op. */
void zt__store_del(zt_store *st);

/* The sentence describing the last failure (empty if none); valid until the next call. */
const char *zt__store_errmsg(const zt_store *st);
/* "mem", "sqlite" or "json". */
const char *zt__store_name(const zt_store *st);

/* ---- helpers on top of the interface --------------------------------------------------------- */

/*
 * zt__store_save_network / _member implement §4.5: compares |n| with the stored record
 * (ignoring revision); unchanged: nothing is written and *pchanged = false.  Otherwise the
 * revision becomes stored+1 (1 for a new record), creationTime is kept from the stored record
 * (or set to |now| for a new one when |n| has 0), and the record is put.  |n| is updated with
 * the revision and creation time written.  pchanged may be NULL.  Errors: as get + put.
 */
int zt__store_save_network(zt_store *st, zt_ctl_network *n, int64_t now, bool *pchanged);
int zt__store_save_member(zt_store *st, zt_ctl_member *m, int64_t now, bool *pchanged);
/* The same, for a record read earlier at revision |expected| (0: it did not exist): when the
 * stored record is no longer that one (another process changed, created or deleted it since),
 * nothing is written and ZT_ERR_AGAIN is returned: the caller reads again and redoes its
 * change, so that no concurrent update is lost.  Use it inside a transaction. */
int zt__store_save_member_if(zt_store *st, zt_ctl_member *m, uint64_t expected, int64_t now,
                             bool *pchanged);
int zt__store_save_network_if(zt_store *st, zt_ctl_network *n, uint64_t expected, int64_t now,
                              bool *pchanged);
/*
 * The same for |m|, a change of |read| (the record as zt__store_get_member returned it; NULL:
 * there was none), without reading it again: unchanged from |read|, nothing is written;
 * otherwise it is written only if the stored record is still |read| (same revision), else
 * ZT_ERR_AGAIN.  Atomic by itself: outside a transaction, a backend with a conditional write
 * (pg: one statement, one round trip) uses it; the others read, compare and write in a
 * transaction of their own, or in the caller's when one is open.  This is the controller's
 * write of its own answer to a config request: on pg, that one statement stays off the
 * change feed (other controllers need not push what this one just sent).
 */
int zt__store_save_member_cas(zt_store *st, zt_ctl_member *m, const zt_ctl_member *read,
                              int64_t now, bool *pchanged);
/*
 * zt__store_save_member_cas in two halves: start sets |m|'s revision and sends the write
 * (pg: without waiting for the server), finish waits for it and returns what
 * zt__store_save_member_cas would have.  In between, |m| must not change and no other call
 * may be made on the store; every start is followed by one finish.  Backends without a
 * split write do all of it in start.  The controller signs a config in between.
 */
void zt__store_save_member_cas_start(zt_store *st, zt_ctl_member *m, const zt_ctl_member *read,
                                     int64_t now);
int zt__store_save_member_cas_finish(zt_store *st, bool *pchanged);

/*
 * zt__store_copy copies every network and member of |src| into |dst| in one transaction on
 * |dst| (records are put as they are, revisions included).  Import of a controller.d tree is
 * zt__store_copy(dst, json); export is zt__store_copy(json, src).  Existing records of |dst|
 * that |src| lacks are left alone.  *pnets / *pmembers (may be NULL) get the counts copied.
 * On any error the transaction is rolled back where possible and the error (with |src|'s or
 * |dst|'s sentence copied into |dst|'s errmsg) is returned: nothing is dropped silently.
 */
int zt__store_copy(zt_store *dst, zt_store *src, size_t *pnets, size_t *pmembers);

/* For backends: record a failure sentence. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void zt__store_set_err(zt_store *st, const char *fmt, ...);
/* For backends: record that network |nwid| (zt__store_no_network) or its member |node|
 * (zt__store_no_member) does not exist.  Both return ZT_ERR_NOTFOUND. */
int zt__store_no_network(zt_store *st, uint64_t nwid);
int zt__store_no_member(zt_store *st, uint64_t nwid, uint64_t node);

#endif
