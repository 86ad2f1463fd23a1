/*
 * configchunk.h: getting a config from a controller (vl2.md §3.8-§3.10).
 *
 *  - NETWORK_CONFIG_REQUEST payload and its metadata dictionary (client builds, controller
 *    parses);
 *  - config chunks: the controller cuts the config dictionary into signed chunks of at most
 *    9 740 bytes and sends each as a NETWORK_CONFIG payload or inside OK(NETWORK_CONFIG_REQUEST);
 *    the client parses and verifies each and reassembles them in a bounded zt_config_asm;
 *  - the OK a client sends after a pushed config completes, and the VL2 ERROR payloads.
 *
 * Payload parsers borrow their input: pointers in the parsed structs point into it.
 */
#ifndef ZT_CORE_CONFIGCHUNK_H
#define ZT_CORE_CONFIGCHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/ethernet.h"
#include "codec/identity.h"
#include "codec/wire/vl2.h"
#include "util/errors.h"
#include "util/mem.h"

/* ---- NETWORK_CONFIG_REQUEST (§3.8) ---- */

#define ZT_CONFIG_META_OS_MAX 127
#define ZT_CONFIG_META_AUTH_MAX 511

/* The request metadata keys of §3.8. */
typedef struct zt_config_meta {
    uint64_t version;          /* `v`: dictionary version the client understands (>= 6) */
    uint64_t vendor;           /* `vend` */
    uint64_t proto_version;    /* `pv` */
    uint64_t major, minor, revision; /* `majv` `minv` `revv` */
    uint64_t max_rules;        /* `mr` */
    uint64_t max_caps;         /* `mc` */
    uint64_t max_cap_rules;    /* `mcr` */
    uint64_t max_tags;         /* `mt` */
    uint64_t flags;            /* `f` */
    uint64_t rules_engine_rev; /* `revr`: 0/missing makes the controller send one ACCEPT */
    char os_arch[ZT_CONFIG_META_OS_MAX + 1]; /* `o`, e.g. "linux-x64"; "" = not sent */
    char auth[ZT_CONFIG_META_AUTH_MAX + 1];  /* `a`, e.g. "token:..."; "" = not sent */
} zt_config_meta;

/* What 1.14.1 sends (v 7, vendor 1, protocol 12, version 1.14.1, limits 1024/128/64/128,
 * flags 0, rules engine 1) with empty `o` and `a`. */
void zt__config_meta_default(zt_config_meta *m);

/* Writes the metadata dictionary in 1.14.1's key order (v vend pv majv minv revv mr mc mcr mt
 * f revr o a; `o` and `a` only when non-empty) into |out| (at most ZT_DICT_METADATA_MAX bytes
 * are used).  Returns the length or ZT_ERR_NOSPACE. */
zt_ssize zt__config_meta_write(const zt_config_meta *m, uint8_t *out, size_t cap);

/* Reads metadata (controller side).  Missing keys read as 0 (and "" for strings; longer
 * strings are cut to the field size).  Returns 0 or ZT_ERR_RANGE (|len| >
 * ZT_DICT_METADATA_MAX). */
int zt__config_meta_read(zt_config_meta *m, const uint8_t *md, size_t len);

typedef struct zt_config_request {
    uint64_t nwid;
    const uint8_t *metadata;  /* borrowed from the payload */
    size_t metadata_len;
    uint64_t have_revision;   /* of the config the client holds; 0 if none or not sent */
    uint64_t have_timestamp;
} zt_config_request;

/* Writes a NETWORK_CONFIG_REQUEST payload.  Returns the length, ZT_ERR_RANGE (|md_len| >
 * ZT_DICT_METADATA_MAX) or ZT_ERR_NOSPACE. */
zt_ssize zt__config_request_write(uint8_t *out, size_t cap, uint64_t nwid, const uint8_t *md,
                                  size_t md_len, uint64_t have_revision,
                                  uint64_t have_timestamp);

/* Parses a NETWORK_CONFIG_REQUEST payload.  The trailing revision/timestamp are optional
 * (read only when all 16 bytes are there); other trailing bytes are ignored.  Returns 0,
 * ZT_ERR_TRUNCATED or ZT_ERR_RANGE (metadata longer than ZT_DICT_METADATA_MAX). */
int zt__config_request_parse(zt_config_request *req, const uint8_t *p, size_t len);

/* ---- config chunks (§3.9) ---- */

typedef struct zt_config_chunk {
    uint64_t nwid;
    const uint8_t *data;      /* dictionary bytes [index, index + len), borrowed */
    size_t len;
    bool is_signed;           /* false: the legacy unsigned whole config (index 0, total len) */
    uint8_t flags;            /* ZT_CHUNK_FLAG_FAST_PROPAGATE */
    uint64_t update_id;
    uint32_t total_len;
    uint32_t index;
    const uint8_t *signed_part; /* chunk bytes [0, 27 + len), borrowed */
    size_t signed_len;
    const uint8_t *sig;       /* ZT_SIGNATURE_LEN bytes, borrowed; NULL when !is_signed */
    size_t wire_len;          /* bytes of the payload the chunk used */
} zt_config_chunk;

/* Parses the chunk at |p| (a NETWORK_CONFIG payload, or an OK(NETWORK_CONFIG_REQUEST) payload
 * after its 9-byte OK header).  A payload that ends right after the dictionary bytes is the
 * legacy unsigned form.  Trailing bytes after the signature are ignored.  Returns 0, or:
 *   ZT_ERR_TRUNCATED    cut short
 *   ZT_ERR_RANGE        index + len > total, or total > ZT_DICT_CONFIG_MAX
 *   ZT_ERR_UNSUPPORTED  signature type is not 1
 *   ZT_ERR_INVAL        signature length is not 96 */
int zt__config_chunk_parse(zt_config_chunk *c, const uint8_t *p, size_t len);

/* True when |c| is signed by |controller| and |controller| is the network's controller
 * (address nwid >> 24). */
bool zt__config_chunk_verify(const zt_config_chunk *c, const zt_identity *controller);

/* Chunk identity for de-duplication: the first 16 signature bytes folded into 8 (§3.9). */
uint64_t zt__config_chunk_id(const zt_config_chunk *c);

/* Number of chunks a dictionary of |dict_len| bytes is cut into (0 for an empty one). */
unsigned zt__config_chunk_count(size_t dict_len);

/* Writes chunk |chunk_no| (0-based) of |dict| as a NETWORK_CONFIG payload, signed by
 * |controller| (which needs its secret and must be the network's controller).  |update_id|
 * must be non-zero and the same for every chunk of one config.  Returns the length, or
 * ZT_ERR_INVAL (bad identity, zero update ID), ZT_ERR_RANGE (empty or oversized dictionary,
 * chunk_no out of range) or ZT_ERR_NOSPACE. */
zt_ssize zt__config_chunk_write(uint8_t *out, size_t cap, const zt_identity *controller,
                                uint64_t nwid, const uint8_t *dict, size_t dict_len,
                                unsigned chunk_no, uint8_t flags, uint64_t update_id);

/* The same chunk as an OK(NETWORK_CONFIG_REQUEST) payload: in-re verb 0x0b, the request's
 * packet ID, then the chunk.  Same returns. */
zt_ssize zt__config_ok_write(uint8_t *out, size_t cap, uint64_t request_packet_id,
                             const zt_identity *controller, uint64_t nwid, const uint8_t *dict,
                             size_t dict_len, unsigned chunk_no, uint8_t flags,
                             uint64_t update_id);

/* The OK a client sends when a NETWORK_CONFIG push completed a config: in-re verb 0x08 (the
 * 1.14.1 quirk of §3.9 step 7), the push's packet ID, nwid, update ID.  Returns the length
 * (25) or ZT_ERR_NOSPACE. */
zt_ssize zt__config_push_ok_write(uint8_t *out, size_t cap, uint64_t push_packet_id,
                                  uint64_t nwid, uint64_t update_id);

/* ---- reassembly (§3.9 "Receiver reassembly") ---- */

typedef struct zt_config_asm zt_config_asm;

/* Creates a reassembler for network |nwid| accepting dictionaries of at most |max_total|
 * bytes (0 or more than ZT_DICT_CONFIG_MAX means ZT_DICT_CONFIG_MAX).  It holds
 * ZT_CHUNK_SLOTS slots; each slot's buffer is allocated when a verified chunk starts a new
 * update and is as large as that update's total, so memory stays under
 * ZT_CHUNK_SLOTS * max_total plus ~25 KiB.  Returns 0 or ZT_ERR_NOMEM. */
int zt__config_asm_new(zt_config_asm **pa, uint64_t nwid, size_t max_total, const zt_mem *mem);
void zt__config_asm_del(zt_config_asm *a);

/*
 * Offers a parsed chunk.  |controller| is the identity of nwid >> 24 if known (else NULL);
 * |from_controller| says whether the packet came from it (only the legacy unsigned form
 * needs that).  Returns 0 when this chunk completed a config: *pdict and *plen are then the
 * whole dictionary (valid until the next call on |a|) and *pupdate_id its update ID (0 for
 * the legacy form).  Otherwise (the out-parameters untouched):
 *   ZT_ERR_AGAIN      kept; the config is not complete yet
 *   ZT_ERR_INVAL      chunk is for another network, or has update ID 0
 *   ZT_ERR_RANGE      empty chunk, total 0 or above the limit, a total that differs from the
 *                     other chunks of its update, or bytes overlapping a chunk already held
 *   ZT_ERR_EXISTS     a duplicate (same chunk identity for that update)
 *   ZT_ERR_NOTFOUND   |controller| is NULL (WHOIS it and retry)
 *   ZT_ERR_AUTH       bad signature, wrong controller, or unsigned and not from it
 *   ZT_ERR_LIMIT      more than ZT_CHUNK_MAX_PER_CONFIG chunks for one update
 *   ZT_ERR_NOMEM      (fatal) no memory for the slot buffer
 * Signatures are checked before any slot changes, so forged chunks cannot evict real ones.
 */
int zt__config_asm_add(zt_config_asm *a, const zt_config_chunk *c, const zt_identity *controller,
                       bool from_controller, const uint8_t **pdict, size_t *plen,
                       uint64_t *pupdate_id);

/* One chunk of a completed update, as its controller signed it (what the config cache keeps,
 * configcache.h). */
typedef struct zt_config_chunk_sig {
    uint32_t total;           /* the dictionary's length */
    uint32_t index;
    uint32_t len;
    uint8_t flags;
    const uint8_t *sig;       /* ZT_SIGNATURE_LEN bytes, borrowed from |a| */
} zt_config_chunk_sig;

/* Chunk |i| (in arrival order) of the update |update_id| that completed a config, while |a|
 * still holds it (until the next zt__config_asm_add()).  False past the last chunk, or when
 * |a| holds no such completed update (the legacy unsigned form has none). */
bool zt__config_asm_chunk_sig(const zt_config_asm *a, uint64_t update_id, unsigned i,
                              zt_config_chunk_sig *out);

/* ---- ERROR payloads (§3.10) ---- */

typedef struct zt_vl2_error {
    uint8_t in_re_verb;
    uint64_t in_re_packet_id;
    uint8_t code;             /* ZT_ERROR_* */
    uint64_t nwid;
    const uint8_t *auth_dict; /* NETWORK_AUTHENTICATION_REQUIRED, if sent; borrowed */
    size_t auth_dict_len;
    bool has_group;           /* UNWANTED_MULTICAST with its group */
    zt_mgroup group;
} zt_vl2_error;

/* Parses an ERROR payload (from the in-re verb on) whose code carries a network ID.  Returns
 * 0 or ZT_ERR_TRUNCATED (also for an auth dictionary longer than what follows). */
int zt__vl2_error_parse(zt_vl2_error *e, const uint8_t *p, size_t len);

/* Writes in-re verb, in-re packet ID, code and nwid (18 bytes).  Returns the length or
 * ZT_ERR_NOSPACE. */
zt_ssize zt__vl2_error_write(uint8_t *out, size_t cap, uint8_t in_re_verb, uint64_t packet_id,
                             uint8_t code, uint64_t nwid);

#endif
