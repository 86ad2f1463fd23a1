/*
 * world.h: planets and moons (vl1.md §6): binary codec, signing, the update rule, and the
 * built-in default planet.
 */
#ifndef ZT_CORE_WORLD_H
#define ZT_CORE_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/identity.h"
#include "codec/inetaddr.h"
#include "util/buf.h"

#define ZT_WORLD_TYPE_NULL 0
#define ZT_WORLD_TYPE_PLANET 1
#define ZT_WORLD_TYPE_MOON 127
#define ZT_WORLD_MAX_ROOTS 4
#define ZT_WORLD_MAX_ENDPOINTS 32
#define ZT_WORLD_MAX_SERIALIZED 8480
#define ZT_WORLD_MAX_DICT 2048       /* moon dictionary we keep (1.14 writes none) */
#define ZT_WORLD_ID_EARTH 149604618ULL
#define ZT_WORLD_ID_MARS 227883110ULL
#define ZT_DEFAULT_PLANET_LEN 570

typedef struct zt_world_root {
    zt_identity identity;            /* public only */
    unsigned nendpoints;
    zt_inetaddr endpoints[ZT_WORLD_MAX_ENDPOINTS];
} zt_world_root;

typedef struct zt_world {
    uint8_t type;
    uint64_t id;
    uint64_t timestamp;
    uint8_t update_key[ZT_IDENTITY_KEY_LEN]; /* must sign the next revision */
    uint8_t signature[ZT_SIGNATURE_LEN];
    unsigned nroots;
    zt_world_root roots[ZT_WORLD_MAX_ROOTS];
    uint16_t dict_len;                        /* moons only */
    uint8_t dict[ZT_WORLD_MAX_DICT];
} zt_world;

/* Serializes |w|.  With |for_signing|, writes the signed message instead (0x7f x 8, the world
 * without its signature, 0xf7 x 8).  Returns the length, ZT_ERR_NOSPACE or ZT_ERR_RANGE. */
zt_ssize zt__world_write(const zt_world *w, bool for_signing, uint8_t *out, size_t cap);

/* Reads one world from |r| (worlds may be concatenated, as in OK(HELLO)).  Returns 0,
 * ZT_ERR_TRUNCATED, ZT_ERR_INVAL (bad type, too many roots or endpoints, bad identity or
 * address) or ZT_ERR_RANGE (dictionary larger than we keep). */
int zt__world_read(zt_rd *r, zt_world *w);
/* Parses exactly one world filling all of |data| (a planet or .moon file). */
int zt__world_parse(zt_world *w, const uint8_t *data, size_t len);

/* Signs |w| with the 64-byte secret key pair |sec| (identity key format). */
int zt__world_sign(zt_world *w, const uint8_t sec[ZT_IDENTITY_KEY_LEN]);
/* True when |w|'s signature verifies under the 64-byte public |key|. */
bool zt__world_verify(const zt_world *w, const uint8_t key[ZT_IDENTITY_KEY_LEN]);

/* The update rule of §6.2: |candidate| replaces |held| iff |held| is null, or same ID and
 * type, a strictly newer timestamp, and a signature by |held|'s update key. */
bool zt__world_should_replace(const zt_world *held, const zt_world *candidate);

/* The default planet of 1.14.1, byte for byte (vl1.md §6.5). */
extern const uint8_t zt__default_planet[ZT_DEFAULT_PLANET_LEN];

#endif
