/* Identities: vl1.md §1. */
#include "codec/identity.h"

#include <ctype.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/hex.h"

#define HASH_WORDS (ZT_ADDRESS_HASH_MEMORY / 8)
#define HASH_BLOCKS (ZT_ADDRESS_HASH_MEMORY / 64)

bool zt__address_is_reserved(uint64_t address)
{
    return address == 0 || (address >> 32) == 0xff;
}

void zt__address_to_string(uint64_t address, char out[11])
{
    uint8_t b[ZT_ADDRESS_LEN];
    zt__store_be(b, address, ZT_ADDRESS_LEN);
    (void)zt__hex_encode(out, 11, b, sizeof(b));
}

int zt__address_from_string(const char *s, size_t len, uint64_t *out)
{
    if (len != 10)
        return ZT_ERR_INVAL;
    return zt__hex_u64(s, len, out);
}

/* §1.3.  |work| is a 2 MiB buffer. */
static void address_hash(uint8_t digest[64], const uint8_t pub[ZT_IDENTITY_KEY_LEN], uint8_t *work)
{
    uint8_t key[32], nonce[8];

    zt__sha512(digest, pub, ZT_IDENTITY_KEY_LEN);
    memcpy(key, digest, 32);
    memcpy(nonce, digest + 32, 8);

    /* M: the keystream, each 64-byte block XORed with the previous (already chained) block. */
    zt__salsa20_stream(work, ZT_ADDRESS_HASH_MEMORY, nonce, key);
    for (size_t j = 1; j < HASH_BLOCKS; j++) {
        uint8_t *cur = work + 64 * j;
        const uint8_t *prev = cur - 64;
        for (size_t k = 0; k < 64; k++)
            cur[k] ^= prev[k];
    }

    for (size_t i = 0; i < HASH_WORDS; i += 2) {
        uint8_t tmp[8];
        size_t a = (size_t)(zt__load_be(work + 8 * i, 8) % 8);
        size_t b = (size_t)(zt__load_be(work + 8 * (i + 1), 8) % HASH_WORDS);
        memcpy(tmp, work + 8 * b, 8);
        memcpy(work + 8 * b, digest + 8 * a, 8);
        memcpy(digest + 8 * a, tmp, 8);
        zt__salsa20_xor_ic(digest, digest, 64, nonce, HASH_BLOCKS + i / 2, key);
    }
    zt__wipe(key, sizeof(key));
}

int zt__identity_address_hash(uint8_t digest[64], const uint8_t pub[ZT_IDENTITY_KEY_LEN],
                              const zt_mem *mem)
{
    uint8_t *work = zt__mem_calloc(mem, 1, ZT_ADDRESS_HASH_MEMORY);
    if (work == NULL)
        return ZT_ERR_NOMEM;
    address_hash(digest, pub, work);
    zt__mem_free(mem, work);
    return 0;
}

void zt__keypair_public(const uint8_t sec[ZT_IDENTITY_KEY_LEN], uint8_t pub[ZT_IDENTITY_KEY_LEN])
{
    uint8_t sk[ZT_ED25519_SK_LEN];
    zt__x25519_base(pub, sec);
    zt__ed25519_seed_keypair(pub + 32, sk, sec + 32);
    zt__wipe(sk, sizeof(sk));
}

void zt__keypair_generate(uint8_t pub[ZT_IDENTITY_KEY_LEN], uint8_t sec[ZT_IDENTITY_KEY_LEN])
{
    zt__random_bytes(sec, ZT_IDENTITY_KEY_LEN);
    zt__keypair_public(sec, pub);
}

int zt__identity_generate(zt_identity *id, const zt_mem *mem)
{
    uint8_t digest[64], sk[ZT_ED25519_SK_LEN];
    uint8_t *work = zt__mem_calloc(mem, 1, ZT_ADDRESS_HASH_MEMORY);

    if (work == NULL)
        return ZT_ERR_NOMEM;
    memset(id, 0, sizeof(*id));
    /* The Ed25519 half is drawn once; only the X25519 half is redrawn per attempt (§1.5). */
    zt__random_bytes(id->sec + 32, 32);
    zt__ed25519_seed_keypair(id->pub + 32, sk, id->sec + 32);
    for (;;) {
        zt__random_bytes(id->sec, 32);
        zt__x25519_base(id->pub, id->sec);
        address_hash(digest, id->pub, work);
        if (digest[0] >= ZT_HASHCASH_FIRST_BYTE_LESS_THAN)
            continue;
        id->address = zt__load_be(digest + 59, ZT_ADDRESS_LEN);
        if (!zt__address_is_reserved(id->address))
            break;
    }
    id->has_secret = true;
    zt__wipe(sk, sizeof(sk));
    zt__mem_free(mem, work);
    return 0;
}

int zt__identity_validate(const zt_identity *id, const zt_mem *mem)
{
    uint8_t digest[64];
    int rv;

    if (zt__address_is_reserved(id->address))
        return ZT_ERR_INVAL;
    if (id->has_secret) {
        uint8_t pub[ZT_IDENTITY_KEY_LEN];
        zt__keypair_public(id->sec, pub);
        if (memcmp(pub, id->pub, sizeof(pub)) != 0)
            return ZT_ERR_INVAL;
    }
    rv = zt__identity_address_hash(digest, id->pub, mem);
    if (rv != 0)
        return rv;
    if (digest[0] >= ZT_HASHCASH_FIRST_BYTE_LESS_THAN)
        return ZT_ERR_INVAL;
    if (zt__load_be(digest + 59, ZT_ADDRESS_LEN) != id->address)
        return ZT_ERR_INVAL;
    return 0;
}

zt_ssize zt__identity_to_string(const zt_identity *id, bool with_secret, char *out, size_t cap)
{
    size_t need = with_secret ? ZT_IDENTITY_STR_SECRET_LEN : ZT_IDENTITY_STR_PUBLIC_LEN;

    if (with_secret && !id->has_secret)
        return ZT_ERR_INVAL;
    if (cap < need + 1)
        return ZT_ERR_NOSPACE;
    zt__address_to_string(id->address, out);
    memcpy(out + 10, ":0:", 3);
    (void)zt__hex_encode(out + 13, cap - 13, id->pub, ZT_IDENTITY_KEY_LEN);
    if (with_secret) {
        out[ZT_IDENTITY_STR_PUBLIC_LEN] = ':';
        (void)zt__hex_encode(out + ZT_IDENTITY_STR_PUBLIC_LEN + 1,
                             cap - ZT_IDENTITY_STR_PUBLIC_LEN - 1, id->sec, ZT_IDENTITY_KEY_LEN);
    }
    return (zt_ssize)need;
}

int zt__identity_from_string(zt_identity *id, const char *s, size_t len)
{
    const char *field[5];
    size_t flen[5], nfields = 0;
    const char *p, *end;
    zt_identity tmp;
    int rv = ZT_ERR_INVAL;

    while (len > 0 && isspace((unsigned char)s[0])) {
        s++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0 || len > ZT_IDENTITY_STR_MAX)
        return ZT_ERR_INVAL;

    for (p = s, end = s + len;;) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *fend = colon != NULL ? colon : end;
        if (nfields == 5)
            return ZT_ERR_INVAL;
        field[nfields] = p;
        flen[nfields++] = (size_t)(fend - p);
        if (colon == NULL)
            break;
        p = colon + 1;
    }
    if (nfields < 3 || nfields > 4)
        return ZT_ERR_INVAL;

    memset(&tmp, 0, sizeof(tmp));
    if (zt__address_from_string(field[0], flen[0], &tmp.address) != 0)
        goto out;
    if (zt__address_is_reserved(tmp.address)) {
        rv = ZT_ERR_RESERVED;
        goto out;
    }
    if (flen[1] != 1 || field[1][0] != '0')
        goto out;
    if (flen[2] != 2 * ZT_IDENTITY_KEY_LEN ||
        zt__hex_decode(tmp.pub, sizeof(tmp.pub), field[2], flen[2]) != ZT_IDENTITY_KEY_LEN)
        goto out;
    if (nfields == 4) {
        if (flen[3] != 2 * ZT_IDENTITY_KEY_LEN ||
            zt__hex_decode(tmp.sec, sizeof(tmp.sec), field[3], flen[3]) != ZT_IDENTITY_KEY_LEN)
            goto out;
        tmp.has_secret = true;
    }
    *id = tmp;
    rv = 0;
out:
    zt__identity_clear(&tmp);
    return rv;
}

void zt__identity_write(zt_wr *w, const zt_identity *id, bool with_secret)
{
    zt__wr_be(w, id->address, ZT_ADDRESS_LEN);
    zt__wr_u8(w, 0);
    zt__wr_bytes(w, id->pub, ZT_IDENTITY_KEY_LEN);
    if (with_secret && id->has_secret) {
        zt__wr_u8(w, ZT_IDENTITY_KEY_LEN);
        zt__wr_bytes(w, id->sec, ZT_IDENTITY_KEY_LEN);
    } else {
        zt__wr_u8(w, 0);
    }
}

int zt__identity_read(zt_rd *r, zt_identity *id)
{
    zt_identity tmp;
    uint8_t type, seclen;
    int rv;

    memset(&tmp, 0, sizeof(tmp));
    if ((rv = zt__rd_be(r, &tmp.address, ZT_ADDRESS_LEN)) != 0 ||
        (rv = zt__rd_u8(r, &type)) != 0 ||
        (rv = zt__rd_bytes(r, tmp.pub, ZT_IDENTITY_KEY_LEN)) != 0 ||
        (rv = zt__rd_u8(r, &seclen)) != 0)
        goto out;
    if (type != 0 || (seclen != 0 && seclen != ZT_IDENTITY_KEY_LEN)) {
        rv = ZT_ERR_INVAL;
        goto out;
    }
    if (seclen != 0) {
        if ((rv = zt__rd_bytes(r, tmp.sec, ZT_IDENTITY_KEY_LEN)) != 0)
            goto out;
        tmp.has_secret = true;
    }
    if (zt__address_is_reserved(tmp.address)) {
        rv = ZT_ERR_RESERVED;
        goto out;
    }
    *id = tmp;
out:
    zt__identity_clear(&tmp);
    return rv;
}

bool zt__identity_equal(const zt_identity *a, const zt_identity *b)
{
    return a->address == b->address && memcmp(a->pub, b->pub, ZT_IDENTITY_KEY_LEN) == 0;
}

void zt__identity_clear(zt_identity *id)
{
    zt__wipe(id->sec, sizeof(id->sec));
    id->has_secret = false;
}

int zt__identity_agree(const zt_identity *me, const zt_identity *peer,
                       uint8_t key[ZT_SHARED_KEY_LEN])
{
    uint8_t raw[ZT_X25519_LEN], h[ZT_SHA512_LEN];
    int rv;

    if (!me->has_secret)
        return ZT_ERR_INVAL;
    rv = zt__x25519(raw, me->sec, peer->pub);
    if (rv == 0) {
        zt__sha512(h, raw, sizeof(raw));
        memcpy(key, h, ZT_SHARED_KEY_LEN);
    }
    zt__wipe(raw, sizeof(raw));
    zt__wipe(h, sizeof(h));
    return rv;
}

static void sign_with(const uint8_t seed[32], const uint8_t edpub[32], const void *msg,
                      size_t len, uint8_t sig[ZT_SIGNATURE_LEN])
{
    uint8_t h[ZT_SHA512_LEN], sk[ZT_ED25519_SK_LEN];

    zt__sha512(h, msg, len);
    memcpy(sk, seed, 32);
    memcpy(sk + 32, edpub, 32);
    zt__ed25519_sign(sig, h, 32, sk);
    memcpy(sig + ZT_ED25519_SIG_LEN, h, 32);
    zt__wipe(sk, sizeof(sk));
}

int zt__identity_sign(const zt_identity *id, const void *msg, size_t len,
                      uint8_t sig[ZT_SIGNATURE_LEN])
{
    if (!id->has_secret)
        return ZT_ERR_INVAL;
    sign_with(id->sec + 32, id->pub + 32, msg, len, sig);
    return 0;
}

void zt__signature_sign(const uint8_t sec[ZT_IDENTITY_KEY_LEN], const void *msg, size_t len,
                        uint8_t sig[ZT_SIGNATURE_LEN])
{
    uint8_t pub[ZT_IDENTITY_KEY_LEN];
    zt__keypair_public(sec, pub);
    sign_with(sec + 32, pub + 32, msg, len, sig);
}

bool zt__signature_verify(const uint8_t pub[ZT_IDENTITY_KEY_LEN], const void *msg, size_t len,
                          const uint8_t *sig, size_t siglen)
{
    uint8_t h[ZT_SHA512_LEN];

    if (sig == NULL || siglen != ZT_SIGNATURE_LEN)
        return false;
    zt__sha512(h, msg, len);
    if (!zt__ct_equal(sig + ZT_ED25519_SIG_LEN, h, 32))
        return false;
    return zt__ed25519_verify(sig, h, 32, pub + 32);
}
