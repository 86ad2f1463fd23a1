/*
 * OpenSSL libcrypto backend for crypto.h: the primitives libsodium lacks.  The project takes
 * SHA-384 (and later AES for suite 3) from libcrypto rather than writing them (spec/README.md,
 * "Decisions already taken").  Only the EVP interface is used.
 */
#include "crypto/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "util/errors.h"

int zt__sha384(uint8_t out[ZT_SHA384_LEN], const void *data, size_t len)
{
    unsigned int n = 0;

    /* EVP_Digest allocates and frees its own context: one call, nothing to leak. */
    if (EVP_Digest(data, len, out, &n, EVP_sha384(), NULL) != 1 || n != ZT_SHA384_LEN) {
        memset(out, 0, ZT_SHA384_LEN);
        return ZT_ERR_INTERNAL;
    }
    return 0;
}

int zt__hmac_sha384(uint8_t out[ZT_SHA384_LEN], const uint8_t *key, size_t keylen,
                    const void *msg, size_t len)
{
    unsigned int n = 0;

    if (keylen > INT32_MAX ||
        HMAC(EVP_sha384(), key, (int)keylen, msg, len, out, &n) == NULL || n != ZT_SHA384_LEN) {
        memset(out, 0, ZT_SHA384_LEN);
        return ZT_ERR_INTERNAL;
    }
    return 0;
}

int zt__aes256_block(const uint8_t key[ZT_AES_KEY_LEN], bool encrypt,
                     const uint8_t in[ZT_AES_BLOCK_LEN], uint8_t out[ZT_AES_BLOCK_LEN])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, rv = ZT_ERR_INTERNAL;

    if (ctx != NULL && EVP_CipherInit_ex(ctx, EVP_aes_256_ecb(), NULL, key, NULL, encrypt) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
        EVP_CipherUpdate(ctx, out, &n, in, ZT_AES_BLOCK_LEN) == 1 && n == ZT_AES_BLOCK_LEN)
        rv = 0;
    EVP_CIPHER_CTX_free(ctx);
    return rv;
}

int zt__aes256_ctr(const uint8_t key[ZT_AES_KEY_LEN], const uint8_t ctr[ZT_AES_BLOCK_LEN],
                   uint8_t *data, size_t len)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, rv = ZT_ERR_INTERNAL;

    if (len > INT32_MAX)
        len = 0;
    if (ctx != NULL && EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, key, ctr) == 1 &&
        (len == 0 || EVP_EncryptUpdate(ctx, data, &n, data, (int)len) == 1) && (size_t)n == len)
        rv = 0;
    EVP_CIPHER_CTX_free(ctx);
    return rv;
}

int zt__aes256_gmac(const uint8_t key[ZT_AES_KEY_LEN], const uint8_t nonce[12],
                    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                    uint8_t tag[ZT_AES_BLOCK_LEN])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t none[1];
    int n = 0, rv = ZT_ERR_INTERNAL;

    if (ctx == NULL || alen > INT32_MAX || blen > INT32_MAX)
        goto out;
    /* Additional data may arrive in pieces of any length; GCM pads only at the end. */
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) == 1 &&
        (alen == 0 || EVP_EncryptUpdate(ctx, NULL, &n, a, (int)alen) == 1) &&
        (blen == 0 || EVP_EncryptUpdate(ctx, NULL, &n, b, (int)blen) == 1) &&
        EVP_EncryptFinal_ex(ctx, none, &n) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, ZT_AES_BLOCK_LEN, tag) == 1)
        rv = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    return rv;
}
