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

#include "core/identity.h"
#include "core/node.h"
#include "util/errors.h"

#define ZT_HOME_PATH_MAX 4096
/* Largest state object we read back (a planet or moon is at most ZT_WORLD_MAX_SERIALIZED). */
#define ZT_HOME_OBJECT_MAX 65536

/* Writes into |out| the file for a state object:  identity.secret, identity.public, planet,
 * moons.d/<16 hex>.moon, peers.d/<10 hex>.peer, networks.d/<16 hex>.conf.  Returns 0,
 * ZT_ERR_INVAL (unknown type) or ZT_ERR_NOSPACE. */
int zt__home_path(char *out, size_t cap, const char *home, zt_state_type type, uint64_t id);

/* The permission bits a state object's file gets: 0600 for the secret identity, else 0644. */
mode_t zt__home_mode(zt_state_type type);

/* Creates |home| and its missing parents (0700).  Returns 0 or ZT_ERR_IO with a sentence in
 * |err|. */
int zt__home_prepare(const char *home, char *err, size_t errlen);

/* Loads identity.secret into |id|, or generates a new identity and writes identity.secret
 * (0600) and identity.public (0644) when there is none; rewrites identity.public when it does
 * not match.  A secret file that is unreadable, unparsable, without a secret or not locally
 * valid is left untouched and yields ZT_ERR_INVAL with "<path> is corrupt (<why>)" in |err|.
 * *pcreated tells whether a new identity was made.  Returns 0, ZT_ERR_INVAL, ZT_ERR_IO or
 * ZT_ERR_NOMEM. */
int zt__home_load_identity(const char *home, zt_identity *id, bool *pcreated, char *err,
                           size_t errlen);

/* Checks the planet file if there is one: it must parse as one world of the planet type.
 * *ppresent tells whether a file exists.  Returns 0 or ZT_ERR_INVAL ("<path> is corrupt
 * (<why>)" in |err|); the file is never modified. */
int zt__home_check_planet(const char *home, bool *ppresent, char *err, size_t errlen);

/* state_get: copies the object into |buf|; returns its length, ZT_ERR_NOTFOUND, ZT_ERR_NOSPACE
 * or ZT_ERR_IO. */
zt_ssize zt__home_state_get(const char *home, zt_state_type type, uint64_t id, uint8_t *buf,
                            size_t cap);

/* state_put: atomically replaces the object's file (creating moons.d/ etc. as needed) unless
 * it already holds exactly these bytes; |data| NULL deletes it.  *pchanged (may be NULL) tells
 * whether the file system was touched.  Returns 0 or ZT_ERR_IO (errno kept). */
int zt__home_state_put(const char *home, zt_state_type type, uint64_t id, const uint8_t *data,
                       size_t len, bool *pchanged);

/* Atomically writes a small file |name| in |home| (the port and PID files), unless it already
 * holds |text|.  Returns 0 or ZT_ERR_IO. */
int zt__home_write_text(const char *home, const char *name, const char *text, mode_t mode);

/* Calls |cb| for every moons.d/<16 hex>.moon file, with its world ID and contents.  Files that
 * cannot be read are reported with |data| NULL.  Returns how many files were found. */
typedef void (*zt__home_moon_cb)(void *arg, uint64_t world_id, const char *path,
                                 const uint8_t *data, size_t len);
unsigned zt__home_for_each_moon(const char *home, zt__home_moon_cb cb, void *arg);

/* Deletes peers.d/<10 hex>.peer files last modified more than |max_age_ms| ago (service.md §2: 30
 * days).  Returns how many were deleted. */
unsigned zt__home_prune_peers(const char *home, int64_t max_age_ms, int64_t wall_now_ms);

#endif
