/*
 * fuzz_lz4: LZ4 payload compression (vl1.md §2.6).  The input is the body of a packet whose
 * verb byte carries the compressed flag: uncompressing must never overrun and never yield more
 * than ZT_PKT_MAX_LEN.  Then the same input, as an uncompressed body, is compressed; if that
 * shrinks it, uncompressing must give the input back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = ZT_PKT_IDX_PAYLOAD + size, clen;
    uint8_t *pkt = malloc(len); /* exact size, so any overread is caught */
    uint8_t *out = malloc(ZT_PKT_MAX_LEN);
    uint8_t header[ZT_PKT_IDX_PAYLOAD];
    zt_ssize n;

    if (pkt == NULL || out == NULL)
        abort();
    if (zt__pkt_init(header, sizeof(header), 0xb1b2b3b4b5b6b7b8ULL, 0x56ebc7cb87ULL,
                     0xe15db08738ULL, ZT_VERB_USER_MESSAGE) != ZT_PKT_MIN_LEN)
        abort();

    memcpy(pkt, header, ZT_PKT_IDX_PAYLOAD);
    memcpy(pkt + ZT_PKT_IDX_PAYLOAD, data, size);
    pkt[ZT_PKT_IDX_VERB] |= ZT_PKT_VERB_FLAG_COMPRESSED;
    n = zt__pkt_uncompress(pkt, len, out, ZT_PKT_MAX_LEN);
    if (n >= 0) {
        if (n < ZT_PKT_MIN_LEN || n > ZT_PKT_MAX_LEN || zt__pkt_is_compressed(out) ||
            memcmp(out, header, ZT_PKT_IDX_PAYLOAD) != 0)
            abort();
    } else if (n != ZT_ERR_DROP) {
        abort();
    }

    memcpy(pkt, header, ZT_PKT_IDX_PAYLOAD);
    clen = zt__pkt_compress(pkt, len);
    if (clen == len) {
        if (zt__pkt_is_compressed(pkt) || memcmp(pkt + ZT_PKT_IDX_PAYLOAD, data, size) != 0)
            abort();
    } else {
        if (clen > len || clen <= ZT_PKT_IDX_PAYLOAD || !zt__pkt_is_compressed(pkt) ||
            size <= ZT_LZ4_MIN_PAYLOAD || len > ZT_PKT_MAX_LEN)
            abort();
        n = zt__pkt_uncompress(pkt, clen, out, ZT_PKT_MAX_LEN);
        if (n < 0 || (size_t)n != len || memcmp(out, header, ZT_PKT_IDX_PAYLOAD) != 0 ||
            memcmp(out + ZT_PKT_IDX_PAYLOAD, data, size) != 0)
            abort();
    }
    free(out);
    free(pkt);
    return 0;
}
