/*
 * home.h: the home directory of a node (service.md §2, vl1.md §7): where each state object
 * lives, loading the identity and checking the planet at start, and skipping writes that would
 * not change a file.  Runtime code (it touches files); the core reaches it only through the
 * runner's state_get/state_put callbacks.
 */
#ifndef ZT_SDK_HOME_H
#define ZT_SDK_HOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec/identity.h"
#include "core/node.h"
#include "codec/world.h"
#include "util/errors.h"

#define ZT_HOME_PATH_MAX 4096

/* Writes into |out| the file for a state object:  identity.secret, identity.public, planet,
 * moons.d/<16 hex>.moon, peers.d/<10 hex>.peer, networks.d/<16 hex>.conf.  Returns 0,
 * ZT_ERR_INVAL (unknown type) or ZT_ERR_NOSPACE. */
int zt__home_path(char *out, size_t cap, const char *home, zt_state_type type, uint64_t id);

/* The permission bits a state object's file gets: 0600 for the secret identity, else 0644. */
mode_t zt__home_mode(zt_state_type type);

/* Creates |home| and its missing parents (0700).  Returns 0 or ZT_ERR_IO with a sentence in
 * |err|. */
int zt__home_prepare(const char *home, char *err, size_t errlen);

/* Loads identity.secret into |id|, or generates a new identity and creates identity.secret
 * (0600) and identity.public (0644) when nothing at all is there; rewrites identity.public
 * when it does not match.  Anything else at identity.secret is never replaced: a FIFO,
 * device, directory or dangling symbolic link ("cannot read <path>: a FIFO, not a regular
 * file; ...") and a file that is too large, unparsable, without a secret or not locally valid
 * ("<path> is corrupt (<why>)") yield ZT_ERR_INVAL; a file that cannot be read otherwise
 * (permissions) ZT_ERR_IO.  A symbolic link to a regular file is followed.  *pcreated tells
 * whether a new identity was made.  Returns 0, ZT_ERR_INVAL, ZT_ERR_IO or ZT_ERR_NOMEM. */
int zt__home_load_identity(const char *home, zt_identity *id, bool *pcreated, char *err,
                           size_t errlen);

/* What a node does with its identity after an identity collision (service.md §1.1, api.md
 * §5.1), shared by zt-service and libzt: copies the bytes of identity.secret (a symbolic link
 * to a regular file is followed) into identity.secret.saved_after_collision (0600, written
 * atomically), then deletes identity.secret and identity.public, so that the next
 * zt__home_load_identity() makes a new identity.  A secret is never destroyed: when an older
 * saved secret is there, this one goes beside it as
 * identity.secret.saved_after_collision.<its address>, and nothing is deleted unless the copy
 * is safely on disk.  The path of the copy goes into |saved| (ZT_HOME_PATH_MAX bytes are
 * enough).  Returns 0, or ZT_ERR_IO / ZT_ERR_NOTFOUND / ZT_ERR_RANGE / ZT_ERR_INVAL /
 * ZT_ERR_NOMEM with one sentence in |err|; the identity files are then left as they are. */
#define ZT_HOME_SAVED_AFTER_COLLISION "identity.secret.saved_after_collision"
int zt__home_set_identity_aside(const char *home, char *saved, size_t savedlen, char *err,
                                size_t errlen);

/* Checks the planet file if there is one: a regular file (or a link to one) of at most
 * ZT_WORLD_MAX_SERIALIZED bytes holding one planet with roots, whose signature verifies under
 * its own update key, under the built-in planet's (a signed update of it) or under that of
 * planet.previous (the revision it replaced; zt__home_state_put() keeps it when the key
 * changed).  *ppresent tells whether anything is there.  Returns 0, ZT_ERR_INVAL ("<path> is
 * corrupt (<why>)", or "cannot read <path>: <why>" for a FIFO, device, directory or dangling
 * link), ZT_ERR_IO (unreadable: "cannot read <path>: <strerror>") or ZT_ERR_NOMEM, with the
 * sentence in |err|; the file is never modified. */
int zt__home_check_planet(const char *home, bool *ppresent, char *err, size_t errlen);

/* Checks a moon file's contents as a moon first met on the wire is (vl1.md §6.4): one world
 * of the moon type, signed by its own update key.  Returns 0, ZT_ERR_INVAL (|why| says why;
 * w->type is ZT_WORLD_TYPE_NULL when nothing could be read, else w->id names the world) or
 * ZT_ERR_AUTH (bad signature; w->id names the moon). */
int zt__home_check_moon(zt_world *w, const uint8_t *data, size_t len, char *why, size_t cap);

/* state_get: copies the object into |buf| (regular files only, zt__io_read_file_info());
 * returns its length, ZT_ERR_NOTFOUND, ZT_ERR_NOSPACE (larger than |cap|), ZT_ERR_IO or
 * ZT_ERR_NOMEM.  On failure |why| (may be NULL) gets the reason, e.g. "a FIFO, not a regular
 * file" or "larger than 8480 bytes (it has 104857600)". */
zt_ssize zt__home_state_get(const char *home, zt_state_type type, uint64_t id, uint8_t *buf,
                            size_t cap, char *why, size_t whylen);

/* state_put: atomically replaces the object's file (creating moons.d/ etc. as needed) unless
 * it already holds exactly these bytes; |data| NULL deletes it.  A planet not signed by its
 * own update key first moves the planet it replaces to planet.previous.  *pchanged (may be NULL) tells
 * whether the file system was touched.  Returns 0 or ZT_ERR_IO (errno kept). */
int zt__home_state_put(const char *home, zt_state_type type, uint64_t id, const uint8_t *data,
                       size_t len, bool *pchanged);

/* Atomically writes a small file |name| in |home| (the port and PID files), unless it already
 * holds |text|.  Returns 0 or ZT_ERR_IO. */
int zt__home_write_text(const char *home, const char *name, const char *text, mode_t mode);
/* The same for |len| bytes of |data| (the modern API's `roots` file); *pchanged (may be NULL)
 * tells whether the file system was touched.  Returns 0 or ZT_ERR_IO (errno kept). */
int zt__home_write_bytes(const char *home, const char *name, const void *data, size_t len,
                         mode_t mode, bool *pchanged);

/* Calls |cb| for every moons.d/<16 hex>.moon file, with the ID its name gives and its contents
 * (at most ZT_WORLD_MAX_SERIALIZED bytes, regular files only).  A file that cannot be read is
 * reported with |data| NULL and the reason in |why| (else NULL).  Returns how many files were
 * found. */
typedef void (*zt__home_moon_cb)(void *arg, uint64_t file_id, const char *path,
                                 const uint8_t *data, size_t len, const char *why);
unsigned zt__home_for_each_moon(const char *home, zt__home_moon_cb cb, void *arg);

/* Calls |cb| with the network ID of every networks.d/<16 hex>.conf file (exactly that name:
 * not <id>.local.conf, not temporary files; ID 0 skipped): the networks to join again at
 * start.  Returns how many times |cb| answered true. */
typedef bool (*zt__home_network_cb)(void *arg, uint64_t nwid);
unsigned zt__home_for_each_network(const char *home, zt__home_network_cb cb, void *arg);

/* Deletes peers.d/<10 hex>.peer files last modified more than |max_age_ms| ago (service.md §2: 30
 * days).  Returns how many were deleted. */
unsigned zt__home_prune_peers(const char *home, int64_t max_age_ms, int64_t wall_now_ms);

#endif
