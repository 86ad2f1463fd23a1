/*
 * configcache.h: the cached network config (networks.d/<nwid>.conf, vl2.md §1.4) with what
 * lets it be checked as a config from the wire is: its controller's chunk signatures.
 *
 * The dictionary alone cannot be checked: it carries no signature of its own (the controller
 * signs the chunks it cuts it into, vl2.md §3.9) and no length, so a truncated or altered
 * file reads as a valid, smaller config.  The cache file is therefore one more dictionary
 * entry, ZT_CONFIG_CACHE_KEY, then LF, then the dictionary exactly as it was signed:
 *
 *   zt-chunk-signatures=<escaped proof>\n<dictionary>
 *
 * A 1.14.1 node reading the file skips the unknown key.  The proof (binary, big-endian):
 *
 *   u8   format version, 1
 *   71   the controller's identity, binary public form (vl1.md §1.7)
 *   u64  config update ID
 *   u32  total dictionary length T
 *   u16  chunk count k, 1..ZT_CHUNK_MAX_PER_CONFIG
 *   k x  { u32 index, u16 length, u8 flags, 96-byte signature }
 *
 * from which each chunk's signed bytes are rebuilt (§3.9) and verified.  Pure: no I/O.
 */
#ifndef ZT_CORE_CONFIGCACHE_H
#define ZT_CORE_CONFIGCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/configchunk.h"
#include "codec/identity.h"
#include "util/errors.h"
#include "util/mem.h"

#define ZT_CONFIG_CACHE_KEY "zt-chunk-signatures"
#define ZT_CONFIG_PROOF_VERSION 1
#define ZT_CONFIG_PROOF_HEAD (1 + ZT_IDENTITY_BIN_PUBLIC_LEN + 8 + 4 + 2)
#define ZT_CONFIG_PROOF_CHUNK (4 + 2 + 1 + ZT_SIGNATURE_LEN)
#define ZT_CONFIG_PROOF_MAX (ZT_CONFIG_PROOF_HEAD + ZT_CHUNK_MAX_PER_CONFIG * ZT_CONFIG_PROOF_CHUNK)
/* The largest cache file: key, `=`, the proof escaped (two bytes a byte at worst), LF, and the
 * largest dictionary. */
#define ZT_CONFIG_CACHE_MAX                                                                    \
    (sizeof(ZT_CONFIG_CACHE_KEY) + 2 * ZT_CONFIG_PROOF_MAX + 1 + ZT_DICT_CONFIG_MAX)

/* With no known |controller|, zt__config_cache_check() also validates the identity the file
 * names (vl1.md §1.4, memory-hard: ~25 ms). */
#define ZT_CONFIG_CACHE_VALIDATE 1u

/* Makes the cache file for the config that update |update_id| of |a| just completed:
 * |dict| (|dict_len| bytes, the config as applied) signed by |controller|.  On success *pout
 * is a new buffer from |mem| of *plen bytes.  Returns 0, ZT_ERR_NOTFOUND (|a| holds no
 * signatures for that update: the legacy unsigned form), ZT_ERR_INVAL (|dict| is not what
 * the chunks cover) or ZT_ERR_NOMEM. */
int zt__config_cache_make(const zt_config_asm *a, uint64_t update_id,
                          const zt_identity *controller, const uint8_t *dict, size_t dict_len,
                          const zt_mem *mem, uint8_t **pout, size_t *plen);

/*
 * Checks a cache file read back for network |nwid| of node |address|, as a config from the
 * wire is checked: every chunk signature verifies under the controller's key (the identity in
 * the file: its address must be nwid >> 24, and it must equal |controller| when that is known,
 * else with ZT_CONFIG_CACHE_VALIDATE it must pass local validation), the chunks cover the
 * dictionary exactly (nothing missing, nothing added), and the dictionary parses as a config
 * (vl2.md §4.4) for this network, issued to |address|.  On success the dictionary is
 * file[*pdict_off, *pdict_off + *pdict_len).  Otherwise |why| (may be NULL) gets a phrase
 * such as "truncated: 500 of 812 bytes" and the return is:
 *   ZT_ERR_AUTH       no signatures (another program's file), a bad signature, or a key
 *                     that is not the controller's
 *   ZT_ERR_TRUNCATED  fewer bytes than were signed
 *   ZT_ERR_RANGE      more bytes than were signed, or chunks that do not cover them exactly
 *   ZT_ERR_INVAL      malformed signatures, or a dictionary that is not a config for us
 *   ZT_ERR_UNSUPPORTED  a proof format version we do not know
 *   ZT_ERR_NOMEM      (fatal)
 */
int zt__config_cache_check(const uint8_t *file, size_t len, uint64_t nwid, uint64_t address,
                           const zt_identity *controller, unsigned flags, const zt_mem *mem,
                           size_t *pdict_off, size_t *pdict_len, char *why, size_t whylen);

#endif
