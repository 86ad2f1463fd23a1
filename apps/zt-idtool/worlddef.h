/*
 * worlddef.h: world definitions in JSON (zerotier-idtool's moon.json format, service.md §7.1,
 * also used by our mkplanet) and worlds printed as JSON.  Pure functions over text, so the
 * fuzzer can drive them.
 */
#ifndef ZT_IDTOOL_WORLDDEF_H
#define ZT_IDTOOL_WORLDDEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/world.h"

#define ZT_WORLDDEF_MAX_TEXT (256 * 1024)

typedef struct zt_worlddef {
    zt_world world;          /* type, id, update key (if given), roots sorted as the reference */
    bool has_signing_key;    /* signingKey + signingKey_SECRET were present */
    uint8_t signing_pub[ZT_IDENTITY_KEY_LEN];
    uint8_t signing_sec[ZT_IDENTITY_KEY_LEN];
    bool has_update_key;     /* updatesMustBeSignedBy was present */
} zt_worlddef;

/* Parses a definition.  Fields: "id" (hex string or number, non-zero), "worldType" ("moon" or
 * "planet"; |default_type| when absent, or required when it is 0), "roots" (1..4 objects with
 * "identity" and "stableEndpoints" ["ip/port", ...] up to 32), and optionally "signingKey",
 * "signingKey_SECRET", "updatesMustBeSignedBy" (128 hex digits each).  Root identities must
 * be locally valid; secrets in them are dropped.  Returns 0, or ZT_ERR_INVAL with one sentence
 * in |err|, or ZT_ERR_NOMEM. */
int zt__worlddef_parse(zt_worlddef *def, const char *text, size_t len, uint8_t default_type,
                      char *err, size_t errlen);

/* Wipes the secret signing key. */
void zt__worlddef_clear(zt_worlddef *def);

/* A world as indented JSON text (type, id, timestamp, update key, signature check, roots).
 * Caller frees with free().  NULL on allocation failure. */
char *zt__world_to_json(const zt_world *w);

#endif
