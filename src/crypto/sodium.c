/* libsodium backend for crypto.h. */
#include "crypto/crypto.h"

#include <sodium.h>
#include <string.h>

#include "util/errors.h"

int zt__crypto_init(void)
{
    if (sodium_init() < 0)
        return ZT_ERR_INTERNAL;
    return zt__openssl_init();
}

void zt__sha512(uint8_t out[ZT_SHA512_LEN], const void *data, size_t len)
{
    crypto_hash_sha512(out, data, len);
}

void zt__x25519_base(uint8_t pub[ZT_X25519_LEN], const uint8_t sec[ZT_X25519_LEN])
{
    crypto_scalarmult_curve25519_base(pub, sec);
}

int zt__x25519(uint8_t out[ZT_X25519_LEN], const uint8_t sec[ZT_X25519_LEN],
               const uint8_t pub[ZT_X25519_LEN])
{
    return crypto_scalarmult_curve25519(out, sec, pub) == 0 ? 0 : ZT_ERR_CRYPTO;
}

void zt__ed25519_seed_keypair(uint8_t pk[ZT_ED25519_PK_LEN], uint8_t sk[ZT_ED25519_SK_LEN],
                              const uint8_t seed[ZT_ED25519_SEED_LEN])
{
    crypto_sign_seed_keypair(pk, sk, seed);
}

void zt__ed25519_sign(uint8_t sig[ZT_ED25519_SIG_LEN], const void *msg, size_t len,
                      const uint8_t sk[ZT_ED25519_SK_LEN])
{
    crypto_sign_detached(sig, NULL, msg, len, sk);
}

bool zt__ed25519_verify(const uint8_t sig[ZT_ED25519_SIG_LEN], const void *msg, size_t len,
                        const uint8_t pk[ZT_ED25519_PK_LEN])
{
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

void zt__salsa20_stream(uint8_t *out, size_t len, const uint8_t nonce[ZT_SALSA_NONCE_LEN],
                        const uint8_t key[ZT_SALSA_KEY_LEN])
{
    crypto_stream_salsa20(out, len, nonce, key);
}

void zt__salsa20_xor_ic(uint8_t *out, const uint8_t *in, size_t len,
                        const uint8_t nonce[ZT_SALSA_NONCE_LEN], uint64_t block,
                        const uint8_t key[ZT_SALSA_KEY_LEN])
{
    crypto_stream_salsa20_xor_ic(out, in, len, nonce, block, key);
}

/* libsodium has no counter-taking Salsa20/12 stream, so blocks come from the core function,
 * which is what its own crypto_stream_salsa2012 does internally: no speed is lost. */
static void salsa2012_input(uint8_t in[16], const uint8_t nonce[ZT_SALSA_NONCE_LEN],
                            uint64_t block)
{
    memcpy(in, nonce, 8);
    for (int i = 0; i < 8; i++)
        in[8 + i] = (uint8_t)(block >> (8 * i)); /* little-endian counter, as Salsa20 defines */
}

void zt__salsa2012_block(uint8_t out[ZT_SALSA_BLOCK_LEN], const uint8_t nonce[ZT_SALSA_NONCE_LEN],
                         uint64_t block, const uint8_t key[ZT_SALSA_KEY_LEN])
{
    uint8_t in[16];
    salsa2012_input(in, nonce, block);
    crypto_core_salsa2012(out, in, key, NULL);
}

static void xor_block(uint8_t *dst, const uint8_t *ks, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a, b;
        memcpy(&a, dst + i, 8);
        memcpy(&b, ks + i, 8);
        a ^= b;
        memcpy(dst + i, &a, 8);
    }
    for (; i < n; i++)
        dst[i] ^= ks[i];
}

void zt__salsa2012_xor_ic(uint8_t *data, size_t len, const uint8_t nonce[ZT_SALSA_NONCE_LEN],
                          uint64_t block, const uint8_t key[ZT_SALSA_KEY_LEN])
{
    uint8_t in[16], ks[ZT_SALSA_BLOCK_LEN];

    salsa2012_input(in, nonce, block);
    while (len > 0) {
        size_t n = len < sizeof(ks) ? len : sizeof(ks);
        crypto_core_salsa2012(ks, in, key, NULL);
        xor_block(data, ks, n);
        data += n;
        len -= n;
        for (int i = 8; i < 16 && ++in[i] == 0; i++) /* 64-bit little-endian increment */
            ;
    }
    sodium_memzero(ks, sizeof(ks));
}

void zt__poly1305(uint8_t tag[ZT_POLY1305_TAG_LEN], const void *msg, size_t len,
                  const uint8_t key[ZT_POLY1305_KEY_LEN])
{
    crypto_onetimeauth_poly1305(tag, msg, len, key);
}

void zt__chacha20_block(uint8_t out[64], const uint8_t key[32], uint64_t counter)
{
    uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];
    for (size_t i = 0; i < sizeof(nonce); i++)
        nonce[i] = (uint8_t)(counter >> (8 * i));
    crypto_stream_chacha20(out, 64, nonce, key);
}

void zt__random_bytes(void *buf, size_t len)
{
    randombytes_buf(buf, len);
}

bool zt__ct_equal(const void *a, const void *b, size_t len)
{
    return sodium_memcmp(a, b, len) == 0;
}

void zt__wipe(void *p, size_t len)
{
    sodium_memzero(p, len);
}
