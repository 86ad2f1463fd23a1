/*
 * packet.h: VL1 packet header access, armor/dearmor (suites 0 and 1), the HELLO field cipher
 * and LZ4 payload compression (vl1.md §2, §3).  All functions work in place on a caller's
 * buffer; none allocates.
 */
#ifndef ZT_CORE_PACKET_H
#define ZT_CORE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/identity.h"
#include "codec/wire/vl1.h"
#include "crypto/crypto.h"
#include "util/errors.h"

/* Header fields of a packet of at least ZT_PKT_MIN_LEN bytes. */
static inline uint64_t zt__pkt_id(const uint8_t *pkt)
{
    return zt__load_be(pkt + ZT_PKT_IDX_IV, 8);
}
static inline uint64_t zt__pkt_dest(const uint8_t *pkt)
{
    return zt__load_be(pkt + ZT_PKT_IDX_DEST, ZT_ADDRESS_LEN);
}
static inline uint64_t zt__pkt_source(const uint8_t *pkt)
{
    return zt__load_be(pkt + ZT_PKT_IDX_SOURCE, ZT_ADDRESS_LEN);
}
static inline unsigned zt__pkt_cipher(const uint8_t *pkt)
{
    return (pkt[ZT_PKT_IDX_FLAGS] & ZT_PKT_CIPHER_MASK) >> ZT_PKT_CIPHER_SHIFT;
}
static inline unsigned zt__pkt_hops(const uint8_t *pkt)
{
    return pkt[ZT_PKT_IDX_FLAGS] & ZT_PKT_HOPS_MASK;
}
static inline bool zt__pkt_is_fragmented(const uint8_t *pkt)
{
    return (pkt[ZT_PKT_IDX_FLAGS] & ZT_PKT_FLAG_FRAGMENTED) != 0;
}
static inline unsigned zt__pkt_verb(const uint8_t *pkt)
{
    return pkt[ZT_PKT_IDX_VERB] & ZT_PKT_VERB_MASK;
}
static inline bool zt__pkt_is_compressed(const uint8_t *pkt)
{
    return (pkt[ZT_PKT_IDX_VERB] & ZT_PKT_VERB_FLAG_COMPRESSED) != 0;
}

/* Writes the 28-byte header: packet ID, addresses, flags 0 (hops 0), MAC 0, and |verb|.
 * |cap| must be at least ZT_PKT_MIN_LEN; returns ZT_PKT_MIN_LEN or ZT_ERR_NOSPACE. */
zt_ssize zt__pkt_init(uint8_t *pkt, size_t cap, uint64_t packet_id, uint64_t dest,
                      uint64_t source, unsigned verb);

/* Armors |pkt| (|len| bytes, hops 0) in place with suite 0 (MAC only) or 1 (Salsa20/12 +
 * Poly1305) under the first 32 bytes of the 48-byte shared |key|.  Sets the cipher bits and
 * the legacy flag; keeps the fragmented flag.  Returns 0, ZT_ERR_INVAL (bad length or suite). */
int zt__pkt_armor(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN], unsigned suite);

/* Verifies and (suite 1) decrypts |pkt| in place.  Returns 0, ZT_ERR_AUTH (MAC mismatch; the
 * buffer is unchanged), ZT_ERR_UNSUPPORTED (suite 2 or 3) or ZT_ERR_DROP (too short). */
int zt__pkt_dearmor(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN]);

/* Suite 3, AES-GMAC-SIV (§3.4): the two AES keys, derived once per peer from the shared key. */
typedef struct zt_aes_keys {
    uint8_t k0[32]; /* GMAC */
    uint8_t k1[32]; /* SIV block and CTR */
    zt_siv *siv;    /* their cipher contexts, keyed once */
} zt_aes_keys;

/* Derives K0 and K1 (HMAC-SHA-384 KDF) and keys the contexts.  Returns 0, ZT_ERR_NOMEM or
 * ZT_ERR_INTERNAL; on success zt__pkt_clear_aes() must be called when done. */
int zt__pkt_derive_aes(const uint8_t key[ZT_SHARED_KEY_LEN], zt_aes_keys *out);
/* Frees the contexts and wipes the keys. */
void zt__pkt_clear_aes(zt_aes_keys *keys);
/* Armors |pkt| in place with suite 3.  The packet ID on the wire becomes half of the SIV tag.
 * Returns 0, ZT_ERR_INVAL (bad length) or ZT_ERR_INTERNAL. */
int zt__pkt_armor_aes(uint8_t *pkt, size_t len, const zt_aes_keys *keys);
/* Decrypts and verifies a suite-3 packet in place.  Returns 0, ZT_ERR_AUTH (the buffer is
 * restored), ZT_ERR_DROP (bad length or not suite 3) or ZT_ERR_INTERNAL. */
int zt__pkt_dearmor_aes(uint8_t *pkt, size_t len, const zt_aes_keys *keys);

/* HELLO field cipher (§3.3): XORs Salsa20/12 keystream over pkt[start..len). */
void zt__pkt_crypt_field(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN],
                         size_t start);

/* Compresses the payload after the verb byte in place when that helps (§2.6): only payloads
 * longer than 64 bytes, only if the result is strictly smaller.  Returns the new length (the
 * old one if nothing changed). */
size_t zt__pkt_compress(uint8_t *pkt, size_t len);

/* If the compressed flag is set, decompresses |pkt| into |out| (capacity |cap|, at most
 * ZT_PKT_MAX_LEN is ever needed) and clears the flag; otherwise copies.  Returns the new
 * length or ZT_ERR_DROP (corrupt or oversized).  |out| must not overlap |pkt|. */
zt_ssize zt__pkt_uncompress(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap);

#endif
