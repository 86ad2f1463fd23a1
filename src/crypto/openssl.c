/*
 * OpenSSL libcrypto backend for crypto.h: the primitives libsodium lacks.  The project takes
 * SHA-384 (and later AES for suite 3) from libcrypto rather than writing them (docs/decisions.md,
 * "Decisions already taken").  Only the EVP interface is used.
 */
#include "crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "util/errors.h"

int zt__openssl_init(void)
{
    /* Explicit, so that OpenSSL's exit handler exists before any an embedder registers after
     * this call (handlers run in reverse order: theirs first, while OpenSSL still works), and
     * its configuration is loaded on this thread rather than on the first that hashes. */
    return OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) == 1 ? 0 : ZT_ERR_INTERNAL;
}

void zt__crypto_thread_stop(void)
{
    OPENSSL_thread_stop();
}

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

struct zt_siv {
    EVP_CIPHER_CTX *gmac, *enc, *dec, *ctr;
};

void zt__siv_del(zt_siv *siv)
{
    if (siv == NULL)
        return;
    EVP_CIPHER_CTX_free(siv->gmac); /* the contexts' key schedules are cleansed on free */
    EVP_CIPHER_CTX_free(siv->enc);
    EVP_CIPHER_CTX_free(siv->dec);
    EVP_CIPHER_CTX_free(siv->ctr);
    free(siv);
}

int zt__siv_new(zt_siv **psiv, const uint8_t k0[ZT_AES_KEY_LEN], const uint8_t k1[ZT_AES_KEY_LEN])
{
    zt_siv *siv = calloc(1, sizeof(*siv));
    int rv = ZT_ERR_INTERNAL;

    if (siv == NULL)
        return ZT_ERR_NOMEM;
    siv->gmac = EVP_CIPHER_CTX_new();
    siv->enc = EVP_CIPHER_CTX_new();
    siv->dec = EVP_CIPHER_CTX_new();
    siv->ctr = EVP_CIPHER_CTX_new();
    if (siv->gmac == NULL || siv->enc == NULL || siv->dec == NULL || siv->ctr == NULL) {
        rv = ZT_ERR_NOMEM;
        goto out;
    }
    if (EVP_EncryptInit_ex(siv->gmac, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(siv->gmac, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
        EVP_EncryptInit_ex(siv->gmac, NULL, NULL, k0, NULL) != 1 ||
        EVP_EncryptInit_ex(siv->enc, EVP_aes_256_ecb(), NULL, k1, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(siv->enc, 0) != 1 ||
        EVP_DecryptInit_ex(siv->dec, EVP_aes_256_ecb(), NULL, k1, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(siv->dec, 0) != 1 ||
        EVP_EncryptInit_ex(siv->ctr, EVP_aes_256_ctr(), NULL, k1, NULL) != 1)
        goto out;
    *psiv = siv;
    siv = NULL;
    rv = 0;
out:
    zt__siv_del(siv);
    return rv;
}

int zt__siv_gmac(zt_siv *siv, const uint8_t nonce[12], const uint8_t *a, size_t alen,
                 const uint8_t *b, size_t blen, uint8_t tag[ZT_AES_BLOCK_LEN])
{
    uint8_t none[1];
    int n = 0;

    if (alen > INT32_MAX || blen > INT32_MAX ||
        EVP_EncryptInit_ex(siv->gmac, NULL, NULL, NULL, nonce) != 1 || /* keeps the key */
        (alen > 0 && EVP_EncryptUpdate(siv->gmac, NULL, &n, a, (int)alen) != 1) ||
        (blen > 0 && EVP_EncryptUpdate(siv->gmac, NULL, &n, b, (int)blen) != 1) ||
        EVP_EncryptFinal_ex(siv->gmac, none, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(siv->gmac, EVP_CTRL_GCM_GET_TAG, ZT_AES_BLOCK_LEN, tag) != 1)
        return ZT_ERR_INTERNAL;
    return 0;
}

int zt__siv_block(zt_siv *siv, bool encrypt, const uint8_t in[ZT_AES_BLOCK_LEN],
                  uint8_t out[ZT_AES_BLOCK_LEN])
{
    int n = 0;
    EVP_CIPHER_CTX *ctx = encrypt ? siv->enc : siv->dec;

    if (EVP_CipherUpdate(ctx, out, &n, in, ZT_AES_BLOCK_LEN) != 1 || n != ZT_AES_BLOCK_LEN)
        return ZT_ERR_INTERNAL;
    return 0;
}

int zt__siv_ctr(zt_siv *siv, const uint8_t ctr[ZT_AES_BLOCK_LEN], uint8_t *data, size_t len)
{
    int n = 0;

    if (len > INT32_MAX || EVP_EncryptInit_ex(siv->ctr, NULL, NULL, NULL, ctr) != 1 ||
        (len > 0 && (EVP_EncryptUpdate(siv->ctr, data, &n, data, (int)len) != 1 ||
                     (size_t)n != len)))
        return ZT_ERR_INTERNAL;
    return 0;
}
