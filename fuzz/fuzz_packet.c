/*
 * fuzz_packet: one received UDP datagram (vl1.md §2): classify it; if it is a packet, read the
 * header, dearmor it under a fixed key (the vl1.json shared key, so the seed packets verify)
 * and, if that succeeds, uncompress it.  A second path armors the input itself as plaintext so
 * that the code behind the MAC check is reached with arbitrary bodies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/fragment.h"
#include "codec/packet.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* agreement.shared_key_48 of tests/vectors/vl1.json. */
static const uint8_t key[ZT_SHARED_KEY_LEN] = {
    0x3b, 0x65, 0xe2, 0x05, 0x7b, 0x8b, 0xd4, 0xce, 0xae, 0xa6, 0xb3, 0xe0, 0x87, 0x1f, 0xad, 0x4d,
    0x6f, 0xb4, 0xe3, 0xed, 0xb4, 0xa3, 0xc7, 0xba, 0x81, 0x2b, 0xa7, 0xa3, 0x06, 0x6b, 0x6f, 0xf1,
    0xbf, 0xa5, 0x19, 0x96, 0x43, 0xec, 0x7d, 0x82, 0x58, 0xd6, 0x8c, 0x5d, 0xa2, 0xd1, 0xdf, 0xce,
};

/* Uncompresses a verified packet; the result must be a sane, flag-free packet. */
static void check_uncompress(const uint8_t *pkt, size_t len)
{
    uint8_t *out = malloc(ZT_PKT_MAX_LEN);
    zt_ssize n;

    if (out == NULL)
        abort();
    n = zt__pkt_uncompress(pkt, len, out, ZT_PKT_MAX_LEN);
    if (n >= 0) {
        if (n < ZT_PKT_MIN_LEN || n > ZT_PKT_MAX_LEN || zt__pkt_is_compressed(out))
            abort();
        if (memcmp(out, pkt, ZT_PKT_IDX_VERB) != 0 || zt__pkt_verb(out) != zt__pkt_verb(pkt))
            abort();
        if (!zt__pkt_is_compressed(pkt) && ((size_t)n != len || memcmp(out, pkt, len) != 0))
            abort();
    } else if (n != ZT_ERR_DROP || !zt__pkt_is_compressed(pkt)) {
        abort();
    }
    free(out);
}

static void received(const uint8_t *data, size_t size)
{
    uint8_t *pkt = malloc(size); /* exact size, so any overread is caught */
    unsigned sum, suite;
    uint8_t flags;
    int rv;

    if (pkt == NULL)
        abort();
    memcpy(pkt, data, size);
    sum = (unsigned)(zt__pkt_id(pkt) ^ zt__pkt_dest(pkt) ^ zt__pkt_source(pkt));
    sum += zt__pkt_cipher(pkt) + zt__pkt_hops(pkt) + zt__pkt_verb(pkt);
    sum += zt__pkt_is_fragmented(pkt) + zt__pkt_is_compressed(pkt);
    (void)sum;

    flags = pkt[ZT_PKT_IDX_FLAGS];
    suite = zt__pkt_cipher(pkt);
    rv = zt__pkt_dearmor(pkt, size, key);
    if (rv == 0) {
        if (suite > ZT_CIPHER_POLY1305_SALSA2012 || size > ZT_PKT_MAX_LEN)
            abort();
        check_uncompress(pkt, size);
        /* Armoring is deterministic: with a consistent legacy flag, re-armoring the plaintext
         * must give back the datagram. */
        if (((flags & ZT_PKT_FLAG_ENCRYPTED) != 0) == (suite == ZT_CIPHER_POLY1305_SALSA2012)) {
            if (zt__pkt_armor(pkt, size, key, suite) != 0 || memcmp(pkt, data, size) != 0)
                abort();
        }
    } else if (rv == ZT_ERR_AUTH || rv == ZT_ERR_UNSUPPORTED || rv == ZT_ERR_DROP) {
        if (memcmp(pkt, data, size) != 0) /* a failed dearmor leaves the buffer alone */
            abort();
    } else {
        abort();
    }
    free(pkt);
}

/* Treats the input as a plaintext packet: armor, dearmor, compare, uncompress. */
static void self_armored(const uint8_t *data, size_t size)
{
    unsigned suite = data[ZT_PKT_IDX_FLAGS] & 1u;
    uint8_t *pkt;

    if (size > ZT_PKT_MAX_LEN)
        return;
    pkt = malloc(size);
    if (pkt == NULL)
        abort();
    memcpy(pkt, data, size);
    if (zt__pkt_armor(pkt, size, key, suite) != 0 || zt__pkt_cipher(pkt) != suite)
        abort();
    if (zt__pkt_dearmor(pkt, size, key) != 0)
        abort();
    if (memcmp(pkt, data, ZT_PKT_IDX_FLAGS) != 0 ||
        memcmp(pkt + ZT_PKT_IDX_VERB, data + ZT_PKT_IDX_VERB, size - ZT_PKT_IDX_VERB) != 0)
        abort();
    check_uncompress(pkt, size);
    free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;

    if (!initialized) {
        if (zt__crypto_init() != 0)
            abort();
        initialized = 1;
    }
    switch (zt__dgram_classify(data, size)) {
    case ZT_DGRAM_IGNORE:
        if (size >= ZT_PKT_MIN_LEN)
            abort();
        return 0;
    case ZT_DGRAM_FRAGMENT:
        if (size <= ZT_FRAG_HEADER_LEN || data[ZT_FRAG_IDX_INDICATOR] != ZT_FRAG_INDICATOR)
            abort();
        return 0;
    case ZT_DGRAM_PACKET:
        break;
    }
    if (size < ZT_PKT_MIN_LEN)
        abort();
    received(data, size);
    self_armored(data, size);
    return 0;
}
