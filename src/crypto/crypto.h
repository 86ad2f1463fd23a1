/*
 * crypto.h: the only door to cryptographic primitives (libsodium underneath; design.md).
 * No protocol logic here: ZeroTier's constructions (address hash, signatures, armor) are built
 * from these in src/core.  Every function is safe to call after zt__crypto_init().
 */
#ifndef ZT_CRYPTO_CRYPTO_H
#define ZT_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_SHA512_LEN 64
#define ZT_SHA384_LEN 48
#define ZT_X25519_LEN 32
#define ZT_ED25519_PK_LEN 32
#define ZT_ED25519_SEED_LEN 32
#define ZT_ED25519_SK_LEN 64 /* seed || public key, as libsodium wants it */
#define ZT_ED25519_SIG_LEN 64
#define ZT_SALSA_KEY_LEN 32
#define ZT_SALSA_NONCE_LEN 8
#define ZT_SALSA_BLOCK_LEN 64
#define ZT_POLY1305_KEY_LEN 32
#define ZT_POLY1305_TAG_LEN 16

/* Initializes libsodium once; thread-safe.  Returns 0 or ZT_ERR_INTERNAL. */
int zt__crypto_init(void);
/* OpenSSL's part of zt__crypto_init() (openssl.c). */
int zt__openssl_init(void);
/* Releases what the crypto libraries keep for the calling thread; threads of ours that used
 * crypto call it before they end. */
void zt__crypto_thread_stop(void);

void zt__sha512(uint8_t out[ZT_SHA512_LEN], const void *data, size_t len);
/* SHA-384 from OpenSSL's libcrypto (src/crypto/openssl.c; docs/decisions.md decisions).  Used for
 * the COM identity qualifiers (vl2.md §5.2).  Returns 0, or ZT_ERR_INTERNAL if libcrypto
 * failed (out of memory inside OpenSSL); |out| is then zeroed. */
int zt__sha384(uint8_t out[ZT_SHA384_LEN], const void *data, size_t len);

/* HMAC-SHA-384 (RFC 2104).  Returns 0 or ZT_ERR_INTERNAL. */
int zt__hmac_sha384(uint8_t out[ZT_SHA384_LEN], const uint8_t *key, size_t keylen,
                    const void *msg, size_t len);

#define ZT_AES_KEY_LEN 32
#define ZT_AES_BLOCK_LEN 16

/* AES-GMAC-SIV contexts for one key pair (K0 for GMAC, K1 for the SIV block and CTR), with
 * the key schedules computed once: the per-packet work is then only the cipher itself. */
typedef struct zt_siv zt_siv;

/* Returns 0, ZT_ERR_NOMEM or ZT_ERR_INTERNAL.  The keys are copied into the contexts. */
int zt__siv_new(zt_siv **psiv, const uint8_t k0[ZT_AES_KEY_LEN], const uint8_t k1[ZT_AES_KEY_LEN]);
void zt__siv_del(zt_siv *siv); /* NULL: no-op */
/* GMAC: the AES-256-GCM tag (key K0) of an empty plaintext with 96-bit |nonce| and additional
 * data given in two pieces, |a| then |b|.  Block: AES-256 (key K1) on one block, either
 * direction.  CTR: AES-256-CTR (key K1) in place from counter block |ctr| (128-bit big-endian
 * increment).  Each returns 0 or ZT_ERR_INTERNAL. */
int zt__siv_gmac(zt_siv *siv, const uint8_t nonce[12], const uint8_t *a, size_t alen,
                 const uint8_t *b, size_t blen, uint8_t tag[ZT_AES_BLOCK_LEN]);
int zt__siv_block(zt_siv *siv, bool encrypt, const uint8_t in[ZT_AES_BLOCK_LEN],
                  uint8_t out[ZT_AES_BLOCK_LEN]);
int zt__siv_ctr(zt_siv *siv, const uint8_t ctr[ZT_AES_BLOCK_LEN], uint8_t *data, size_t len);



void zt__x25519_base(uint8_t pub[ZT_X25519_LEN], const uint8_t sec[ZT_X25519_LEN]);
/* Returns 0, or ZT_ERR_CRYPTO when the result is all zero (a low-order public key). */
int zt__x25519(uint8_t out[ZT_X25519_LEN], const uint8_t sec[ZT_X25519_LEN],
               const uint8_t pub[ZT_X25519_LEN]);

void zt__ed25519_seed_keypair(uint8_t pk[ZT_ED25519_PK_LEN], uint8_t sk[ZT_ED25519_SK_LEN],
                              const uint8_t seed[ZT_ED25519_SEED_LEN]);
void zt__ed25519_sign(uint8_t sig[ZT_ED25519_SIG_LEN], const void *msg, size_t len,
                      const uint8_t sk[ZT_ED25519_SK_LEN]);
bool zt__ed25519_verify(const uint8_t sig[ZT_ED25519_SIG_LEN], const void *msg, size_t len,
                        const uint8_t pk[ZT_ED25519_PK_LEN]);

/* Salsa20 with 20 rounds: |len| keystream bytes from block 0. */
void zt__salsa20_stream(uint8_t *out, size_t len, const uint8_t nonce[ZT_SALSA_NONCE_LEN],
                        const uint8_t key[ZT_SALSA_KEY_LEN]);
/* Salsa20/20: out = in XOR keystream starting at block |block| (in == out allowed). */
void zt__salsa20_xor_ic(uint8_t *out, const uint8_t *in, size_t len,
                        const uint8_t nonce[ZT_SALSA_NONCE_LEN], uint64_t block,
                        const uint8_t key[ZT_SALSA_KEY_LEN]);

/* Salsa20/12: one 64-byte keystream block number |block|. */
void zt__salsa2012_block(uint8_t out[ZT_SALSA_BLOCK_LEN], const uint8_t nonce[ZT_SALSA_NONCE_LEN],
                         uint64_t block, const uint8_t key[ZT_SALSA_KEY_LEN]);
/* Salsa20/12: data ^= keystream starting at block |block| (in place). */
void zt__salsa2012_xor_ic(uint8_t *data, size_t len, const uint8_t nonce[ZT_SALSA_NONCE_LEN],
                          uint64_t block, const uint8_t key[ZT_SALSA_KEY_LEN]);

void zt__poly1305(uint8_t tag[ZT_POLY1305_TAG_LEN], const void *msg, size_t len,
                  const uint8_t key[ZT_POLY1305_KEY_LEN]);

/* ChaCha20 keystream block |counter| (8-byte nonce = counter, little-endian) under |key|:
 * a deterministic generator for the protocol core, seeded by the embedder. */
void zt__chacha20_block(uint8_t out[64], const uint8_t key[32], uint64_t counter);

/* Fills |buf| from the CSPRNG. */
void zt__random_bytes(void *buf, size_t len);

/* Constant-time comparison: true when equal. */
bool zt__ct_equal(const void *a, const void *b, size_t len);
/* Wipes |len| bytes so the compiler cannot elide it. */
void zt__wipe(void *p, size_t len);

#endif
