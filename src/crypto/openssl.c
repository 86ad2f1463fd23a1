/*
 * OpenSSL libcrypto backend for crypto.h: the primitives libsodium lacks.  The project takes
 * SHA-384 (and later AES for suite 3) from libcrypto rather than writing them (spec/README.md,
 * "Decisions already taken").  Only the EVP interface is used.
 */
#include "crypto/crypto.h"

#include <openssl/evp.h>
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
