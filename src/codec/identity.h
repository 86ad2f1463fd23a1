/*
 * identity.h: ZeroTier identities (vl1.md §1): address, keys, the memory-hard address hash,
 * text and binary forms, key agreement and the 96-byte signature.
 */
#ifndef ZT_CORE_IDENTITY_H
#define ZT_CORE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/errors.h"
#include "util/mem.h"

#define ZT_ADDRESS_LEN 5
#define ZT_IDENTITY_KEY_LEN 64           /* public and secret halves, §1.2 */
#define ZT_IDENTITY_BIN_PUBLIC_LEN 71    /* §1.7 */
#define ZT_IDENTITY_BIN_SECRET_LEN 135
#define ZT_IDENTITY_STR_PUBLIC_LEN 141   /* 10 + 3 + 128 */
#define ZT_IDENTITY_STR_SECRET_LEN 270   /* + 1 + 128 */
#define ZT_IDENTITY_STR_MAX 384          /* parser limit of the reference, §1.6 */
#define ZT_SIGNATURE_LEN 96              /* §1.9 */
#define ZT_SHARED_KEY_LEN 48             /* §1.8 */
#define ZT_ADDRESS_MASK 0xffffffffffULL
#define ZT_HASHCASH_FIRST_BYTE_LESS_THAN 17
#define ZT_ADDRESS_HASH_MEMORY 2097152

typedef struct zt_identity {
    uint64_t address;                 /* 40 bits */
    uint8_t pub[ZT_IDENTITY_KEY_LEN];  /* X25519 public || Ed25519 public */
    uint8_t sec[ZT_IDENTITY_KEY_LEN];  /* X25519 secret || Ed25519 seed; valid if has_secret */
    bool has_secret;
} zt_identity;

/* True for 0 and every address whose top byte is 0xff (§1.1). */
bool zt__address_is_reserved(uint64_t address);
/* Writes 10 lowercase hex digits and a NUL. */
void zt__address_to_string(uint64_t address, char out[11]);
/* Parses exactly 10 hex digits.  Returns 0 or ZT_ERR_INVAL. */
int zt__address_from_string(const char *s, size_t len, uint64_t *out);

/* The memory-hard hash of §1.3 over a 64-byte public key.  |mem| provides the 2 MiB work
 * buffer.  Returns 0 or ZT_ERR_NOMEM. */
int zt__identity_address_hash(uint8_t digest[64], const uint8_t pub[ZT_IDENTITY_KEY_LEN],
                              const zt_mem *mem);

/* Generates a new locally valid identity with its secret: ~15 hash attempts of ~25 ms each.
 * Returns 0 or ZT_ERR_NOMEM. */
int zt__identity_generate(zt_identity *id, const zt_mem *mem);

/* Full local validation (§1.4): address not reserved, hash criterion, address = digest tail,
 * and, if the secret is present, that it matches the public key.  Returns 0, ZT_ERR_INVAL when
 * the identity is not valid, or ZT_ERR_NOMEM. */
int zt__identity_validate(const zt_identity *id, const zt_mem *mem);

/* Text form (§1.6).  |with_secret| requires id->has_secret.  Returns the string length
 * (NUL written) or ZT_ERR_NOSPACE / ZT_ERR_INVAL. */
zt_ssize zt__identity_to_string(const zt_identity *id, bool with_secret, char *out, size_t cap);
/* Parses the text form (format only; validation is separate).  Surrounding whitespace is
 * tolerated.  Returns 0, ZT_ERR_INVAL (malformed) or ZT_ERR_RESERVED. */
int zt__identity_from_string(zt_identity *id, const char *s, size_t len);

/* Binary form (§1.7). */
void zt__identity_write(zt_wr *w, const zt_identity *id, bool with_secret);
/* Returns 0, ZT_ERR_TRUNCATED, ZT_ERR_INVAL (bad type or secret length) or ZT_ERR_RESERVED. */
int zt__identity_read(zt_rd *r, zt_identity *id);

/* True when both have the same address and public key. */
bool zt__identity_equal(const zt_identity *a, const zt_identity *b);
/* Wipes the secret. */
void zt__identity_clear(zt_identity *id);

/* Key agreement (§1.8): 48-byte shared key.  Requires me->has_secret.  Returns 0,
 * ZT_ERR_INVAL (no secret) or ZT_ERR_CRYPTO (low-order peer key). */
int zt__identity_agree(const zt_identity *me, const zt_identity *peer,
                       uint8_t key[ZT_SHARED_KEY_LEN]);

/* ZeroTier signature (§1.9).  Requires id->has_secret; returns 0 or ZT_ERR_INVAL. */
int zt__identity_sign(const zt_identity *id, const void *msg, size_t len,
                      uint8_t sig[ZT_SIGNATURE_LEN]);
/* Verifies with a 64-byte public key (identity key format); false if |siglen| != 96. */
bool zt__signature_verify(const uint8_t pub[ZT_IDENTITY_KEY_LEN], const void *msg, size_t len,
                          const uint8_t *sig, size_t siglen);
/* Signs with a bare 64-byte key pair (public, secret halves as in an identity). */
void zt__signature_sign(const uint8_t sec[ZT_IDENTITY_KEY_LEN], const void *msg, size_t len,
                        uint8_t sig[ZT_SIGNATURE_LEN]);
/* Derives the public half from a secret half (X25519 base, Ed25519 from seed). */
void zt__keypair_public(const uint8_t sec[ZT_IDENTITY_KEY_LEN], uint8_t pub[ZT_IDENTITY_KEY_LEN]);
/* A fresh random key pair (used for world signing keys). */
void zt__keypair_generate(uint8_t pub[ZT_IDENTITY_KEY_LEN], uint8_t sec[ZT_IDENTITY_KEY_LEN]);

#endif
