/*
 * fuzz_defrag: reassembly (vl1.md §2.4).  The input is a sequence of records
 *     u16 length (big-endian) | u8 clock step | length bytes of datagram
 * fed in order to one zt_defrag.  The clock advances by step * 50 ms (so the 5 s timeout is
 * reachable); a step with the top bit set also runs zt__defrag_expire.  A short last record
 * takes what is left.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fragment.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP_MS 50

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_rd r = zt__rd_make(data, size);
    uint8_t *out = malloc(ZT_PKT_MAX_LEN);
    uint64_t drops = 0;
    zt_defrag *d;
    int64_t now = 1000;

    if (out == NULL || zt__defrag_new(&d, NULL) != 0)
        abort();
    for (;;) {
        uint16_t len;
        uint8_t step;
        uint8_t *dgram;
        zt_ssize n;

        if (zt__rd_u16(&r, &len) != 0 || zt__rd_u8(&r, &step) != 0)
            break;
        if (len > zt__rd_left(&r))
            len = (uint16_t)zt__rd_left(&r);
        dgram = malloc(len > 0 ? len : 1); /* exact size, so any overread is caught */
        if (dgram == NULL)
            abort();
        (void)zt__rd_bytes(&r, dgram, len);

        now += (int64_t)(step & 0x7f) * STEP_MS;
        if (step & 0x80)
            zt__defrag_expire(d, now);
        n = zt__defrag_add(d, dgram, len, now, out, ZT_PKT_MAX_LEN);
        if (n >= 0) {
            /* A whole packet: a head (fragmented flag set) followed by fragment bodies. */
            if (n < ZT_PKT_MIN_LEN + 1 || n > ZT_PKT_MAX_LEN)
                abort();
            if ((out[ZT_PKT_IDX_FLAGS] & ZT_PKT_FLAG_FRAGMENTED) == 0)
                abort();
            if (zt__dgram_classify(dgram, len) == ZT_DGRAM_IGNORE)
                abort();
            if (memcmp(out, dgram, 8) != 0) /* same packet ID as the completing piece */
                abort();
        } else if (n == ZT_ERR_DROP) {
            if (zt__defrag_drops(d) < drops + 1)
                abort();
        } else if (n != ZT_ERR_AGAIN) {
            abort();
        }
        /* Drops only grow, by this datagram plus at most one abandoned set's pieces. */
        if (zt__defrag_drops(d) < drops || zt__defrag_drops(d) > drops + 1 + ZT_MAX_FRAGMENTS)
            abort();
        drops = zt__defrag_drops(d);
        if (zt__defrag_pending(d) > ZT_DEFRAG_SLOTS)
            abort();
        free(dgram);
    }
    zt__defrag_expire(d, now + ZT_DEFRAG_TIMEOUT_MS + 1);
    if (zt__defrag_pending(d) != 0)
        abort();
    zt__defrag_del(d);
    free(out);
    return 0;
}
