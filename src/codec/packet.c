/* VL1 packets: header, armor (suites 0/1), HELLO field cipher, LZ4.  vl1.md §2-3. */
#include "codec/packet.h"

#include <lz4.h>
#include <string.h>

#include "crypto/crypto.h"

zt_ssize zt__pkt_init(uint8_t *pkt, size_t cap, uint64_t packet_id, uint64_t dest,
                      uint64_t source, unsigned verb)
{
    if (cap < ZT_PKT_MIN_LEN)
        return ZT_ERR_NOSPACE;
    zt__store_be(pkt + ZT_PKT_IDX_IV, packet_id, 8);
    zt__store_be(pkt + ZT_PKT_IDX_DEST, dest, ZT_ADDRESS_LEN);
    zt__store_be(pkt + ZT_PKT_IDX_SOURCE, source, ZT_ADDRESS_LEN);
    pkt[ZT_PKT_IDX_FLAGS] = 0;
    memset(pkt + ZT_PKT_IDX_MAC, 0, 8);
    pkt[ZT_PKT_IDX_VERB] = (uint8_t)(verb & ZT_PKT_VERB_MASK);
    return ZT_PKT_MIN_LEN;
}

/* Per-packet Salsa20/12 key (§3.2): the shared key mixed with the authenticated header and the
 * packet length (little-endian in bytes 19-20). */
static void mangle_key(uint8_t out[ZT_SALSA_KEY_LEN], const uint8_t key[ZT_SHARED_KEY_LEN],
                       const uint8_t *pkt, size_t len)
{
    for (size_t i = 0; i < 18; i++)
        out[i] = key[i] ^ pkt[i];
    out[18] = key[18] ^ (uint8_t)(pkt[ZT_PKT_IDX_FLAGS] & 0xf8);
    out[19] = key[19] ^ (uint8_t)(len & 0xff);
    out[20] = key[20] ^ (uint8_t)((len >> 8) & 0xff);
    memcpy(out + 21, key + 21, ZT_SALSA_KEY_LEN - 21);
}

int zt__pkt_armor(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN], unsigned suite)
{
    uint8_t k[ZT_SALSA_KEY_LEN], block0[ZT_SALSA_BLOCK_LEN], tag[ZT_POLY1305_TAG_LEN];
    uint8_t *body = pkt + ZT_PKT_IDX_VERB;
    size_t body_len = len - ZT_PKT_IDX_VERB;
    uint8_t flags;

    if (len < ZT_PKT_MIN_LEN || len > ZT_PKT_MAX_LEN)
        return ZT_ERR_INVAL;
    if (suite != ZT_CIPHER_POLY1305_NONE && suite != ZT_CIPHER_POLY1305_SALSA2012)
        return ZT_ERR_INVAL;

    flags = pkt[ZT_PKT_IDX_FLAGS] & (ZT_PKT_FLAG_FRAGMENTED | ZT_PKT_HOPS_MASK);
    flags |= (uint8_t)(suite << ZT_PKT_CIPHER_SHIFT);
    if (suite == ZT_CIPHER_POLY1305_SALSA2012)
        flags |= ZT_PKT_FLAG_ENCRYPTED;
    pkt[ZT_PKT_IDX_FLAGS] = flags;

    mangle_key(k, key, pkt, len);
    zt__salsa2012_block(block0, pkt + ZT_PKT_IDX_IV, 0, k);
    if (suite == ZT_CIPHER_POLY1305_SALSA2012)
        zt__salsa2012_xor_ic(body, body_len, pkt + ZT_PKT_IDX_IV, 1, k);
    zt__poly1305(tag, body, body_len, block0);
    memcpy(pkt + ZT_PKT_IDX_MAC, tag, 8);

    zt__wipe(k, sizeof(k));
    zt__wipe(block0, sizeof(block0));
    return 0;
}

int zt__pkt_dearmor(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN])
{
    uint8_t k[ZT_SALSA_KEY_LEN], block0[ZT_SALSA_BLOCK_LEN], tag[ZT_POLY1305_TAG_LEN];
    unsigned suite;
    int rv = 0;

    if (len < ZT_PKT_MIN_LEN || len > ZT_PKT_MAX_LEN)
        return ZT_ERR_DROP;
    suite = zt__pkt_cipher(pkt);
    if (suite != ZT_CIPHER_POLY1305_NONE && suite != ZT_CIPHER_POLY1305_SALSA2012)
        return ZT_ERR_UNSUPPORTED;

    mangle_key(k, key, pkt, len);
    zt__salsa2012_block(block0, pkt + ZT_PKT_IDX_IV, 0, k);
    zt__poly1305(tag, pkt + ZT_PKT_IDX_VERB, len - ZT_PKT_IDX_VERB, block0);
    if (!zt__ct_equal(tag, pkt + ZT_PKT_IDX_MAC, 8))
        rv = ZT_ERR_AUTH;
    else if (suite == ZT_CIPHER_POLY1305_SALSA2012)
        zt__salsa2012_xor_ic(pkt + ZT_PKT_IDX_VERB, len - ZT_PKT_IDX_VERB, pkt + ZT_PKT_IDX_IV, 1,
                             k);

    zt__wipe(k, sizeof(k));
    zt__wipe(block0, sizeof(block0));
    return rv;
}

int zt__pkt_derive_aes(const uint8_t key[ZT_SHARED_KEY_LEN], zt_aes_keys *out)
{
    /* KDF(label) = HMAC-SHA-384(key48, BE32(0) 'Z' 'T' label 0x00 0x00 BE32(384)). */
    uint8_t msg[13] = {0, 0, 0, 0, 'Z', 'T', '0', 0, 0, 0, 0, 0x01, 0x80};
    uint8_t h[ZT_SHA384_LEN];
    int rv;

    rv = zt__hmac_sha384(h, key, ZT_SHARED_KEY_LEN, msg, sizeof(msg));
    memcpy(out->k0, h, sizeof(out->k0));
    msg[6] = '1';
    if (rv == 0)
        rv = zt__hmac_sha384(h, key, ZT_SHARED_KEY_LEN, msg, sizeof(msg));
    memcpy(out->k1, h, sizeof(out->k1));
    zt__wipe(h, sizeof(h));
    out->siv = NULL;
    if (rv == 0)
        rv = zt__siv_new(&out->siv, out->k0, out->k1);
    return rv;
}

void zt__pkt_clear_aes(zt_aes_keys *keys)
{
    zt__siv_del(keys->siv);
    zt__wipe(keys, sizeof(*keys));
}

/* The folded GMAC of §3.4 step 3: header bytes 8..18 (hop bits cleared) padded to 16, then
 * the plaintext, under nonce IV || 00000000. */
static int siv_tag(const zt_aes_keys *keys, const uint8_t iv[8], const uint8_t *pkt,
                   const uint8_t *plain, size_t plain_len, uint8_t folded[8])
{
    uint8_t head[16] = {0}, nonce[12] = {0}, tag[ZT_AES_BLOCK_LEN];
    int rv;

    memcpy(head, pkt + ZT_PKT_IDX_DEST, 11);
    head[10] &= (uint8_t)~ZT_PKT_HOPS_MASK;
    memcpy(nonce, iv, 8);
    rv = zt__siv_gmac(keys->siv, nonce, head, sizeof(head), plain, plain_len, tag);
    for (int i = 0; i < 8; i++)
        folded[i] = tag[i] ^ tag[i + 8];
    return rv;
}

static int siv_ctr(const zt_aes_keys *keys, const uint8_t t[16], uint8_t *data, size_t len)
{
    uint8_t ctr[ZT_AES_BLOCK_LEN];

    memcpy(ctr, t, sizeof(ctr));
    ctr[12] &= 0x7f; /* the 32-bit counter can then never carry into the tag bytes */
    return zt__siv_ctr(keys->siv, ctr, data, len);
}

int zt__pkt_armor_aes(uint8_t *pkt, size_t len, const zt_aes_keys *keys)
{
    uint8_t s[ZT_AES_BLOCK_LEN], t[ZT_AES_BLOCK_LEN];
    int rv;

    if (len < ZT_PKT_MIN_LEN || len > ZT_PKT_MAX_LEN)
        return ZT_ERR_INVAL;
    pkt[ZT_PKT_IDX_FLAGS] = (uint8_t)((pkt[ZT_PKT_IDX_FLAGS] &
                                       (ZT_PKT_FLAG_FRAGMENTED | ZT_PKT_HOPS_MASK)) |
                                      (ZT_CIPHER_AES_GMAC_SIV << ZT_PKT_CIPHER_SHIFT));
    memcpy(s, pkt + ZT_PKT_IDX_IV, 8);
    rv = siv_tag(keys, s, pkt, pkt + ZT_PKT_IDX_VERB, len - ZT_PKT_IDX_VERB, s + 8);
    if (rv == 0)
        rv = zt__siv_block(keys->siv, true, s, t);
    if (rv == 0)
        rv = siv_ctr(keys, t, pkt + ZT_PKT_IDX_VERB, len - ZT_PKT_IDX_VERB);
    if (rv == 0) {
        memcpy(pkt + ZT_PKT_IDX_IV, t, 8);
        memcpy(pkt + ZT_PKT_IDX_MAC, t + 8, 8);
    }
    return rv;
}

int zt__pkt_dearmor_aes(uint8_t *pkt, size_t len, const zt_aes_keys *keys)
{
    uint8_t s[ZT_AES_BLOCK_LEN], t[ZT_AES_BLOCK_LEN], folded[8];
    int rv;

    if (len < ZT_PKT_MIN_LEN || len > ZT_PKT_MAX_LEN ||
        zt__pkt_cipher(pkt) != ZT_CIPHER_AES_GMAC_SIV)
        return ZT_ERR_DROP;
    memcpy(t, pkt + ZT_PKT_IDX_IV, 8);
    memcpy(t + 8, pkt + ZT_PKT_IDX_MAC, 8);
    rv = siv_ctr(keys, t, pkt + ZT_PKT_IDX_VERB, len - ZT_PKT_IDX_VERB);
    if (rv == 0)
        rv = zt__siv_block(keys->siv, false, t, s);
    if (rv == 0)
        rv = siv_tag(keys, s, pkt, pkt + ZT_PKT_IDX_VERB, len - ZT_PKT_IDX_VERB, folded);
    if (rv == 0 && !zt__ct_equal(folded, s + 8, 8))
        rv = ZT_ERR_AUTH;
    if (rv != 0) /* CTR is its own inverse: give the caller back what it handed us */
        (void)siv_ctr(keys, t, pkt + ZT_PKT_IDX_VERB, len - ZT_PKT_IDX_VERB);
    return rv;
}

void zt__pkt_crypt_field(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN],
                         size_t start)
{
    uint8_t nonce[ZT_SALSA_NONCE_LEN];

    if (start >= len)
        return;
    memcpy(nonce, pkt + ZT_PKT_IDX_IV, sizeof(nonce));
    nonce[7] &= 0xf8;
    zt__salsa2012_xor_ic(pkt + start, len - start, nonce, 0, key);
}

size_t zt__pkt_compress(uint8_t *pkt, size_t len)
{
    char tmp[LZ4_COMPRESSBOUND(ZT_PKT_MAX_LEN)];
    size_t in_len;
    int n;

    if (len <= ZT_PKT_IDX_PAYLOAD || len > ZT_PKT_MAX_LEN)
        return len;
    in_len = len - ZT_PKT_IDX_PAYLOAD;
    if (in_len <= ZT_LZ4_MIN_PAYLOAD)
        return len;
    n = LZ4_compress_default((const char *)pkt + ZT_PKT_IDX_PAYLOAD, tmp, (int)in_len,
                             (int)sizeof(tmp));
    if (n <= 0 || (size_t)n >= in_len)
        return len;
    memcpy(pkt + ZT_PKT_IDX_PAYLOAD, tmp, (size_t)n);
    pkt[ZT_PKT_IDX_VERB] |= ZT_PKT_VERB_FLAG_COMPRESSED;
    return ZT_PKT_IDX_PAYLOAD + (size_t)n;
}

zt_ssize zt__pkt_uncompress(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
    size_t room;
    int n;

    if (len < ZT_PKT_MIN_LEN || len > ZT_PKT_MAX_LEN || cap < ZT_PKT_IDX_PAYLOAD)
        return ZT_ERR_DROP;
    if (!zt__pkt_is_compressed(pkt)) {
        if (cap < len)
            return ZT_ERR_DROP;
        memmove(out, pkt, len);
        return (zt_ssize)len;
    }
    room = cap - ZT_PKT_IDX_PAYLOAD;
    if (room > ZT_PKT_MAX_LEN - ZT_PKT_IDX_PAYLOAD)
        room = ZT_PKT_MAX_LEN - ZT_PKT_IDX_PAYLOAD;
    n = LZ4_decompress_safe((const char *)pkt + ZT_PKT_IDX_PAYLOAD,
                            (char *)out + ZT_PKT_IDX_PAYLOAD, (int)(len - ZT_PKT_IDX_PAYLOAD),
                            (int)room);
    if (n < 0)
        return ZT_ERR_DROP;
    memmove(out, pkt, ZT_PKT_IDX_PAYLOAD);
    out[ZT_PKT_IDX_VERB] &= (uint8_t)~ZT_PKT_VERB_FLAG_COMPRESSED;
    return ZT_PKT_IDX_PAYLOAD + n;
}
