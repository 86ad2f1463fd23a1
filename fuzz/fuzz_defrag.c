/*
 * fuzz_defrag: reassembly (vl1.md §2.4).  The input is a sequence of records
 *     u16 length (big-endian) | u8 clock step | length bytes of datagram
 * fed in order to one zt_defrag.  The clock advances by step * 50 ms (so the 5 s timeout is
 * reachable); a step with the top bit set also runs zt__defrag_expire.  A short last record
 * takes what is left.
 *
 * The drop counter is checked against what each call may do.  A set that is given up (evicted,
 * expired or inconsistent) counts its pieces as drops; a set still held has between 1 and
 * ZT_MAX_FRAGMENTS - 1 pieces (with all of them it would have been assembled).  So expiry adds
 * between 1 and MAX - 1 drops per set it forgets, however many sets that is (several sets can
 * time out in one step: crash-expire-several-sets); one add gives up at most one set, plus
 * the datagram itself when it is dropped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/fragment.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP_MS 50
#define MAX_SET_PIECES (ZT_MAX_FRAGMENTS - 1) /* pieces of a set still incomplete */

/* Runs expiry at |now| and checks it: sets are only forgotten, each adds 1..MAX-1 drops. */
static void expire_checked(zt_defrag *d, int64_t now)
{
    unsigned before = zt__defrag_pending(d), gone;
    uint64_t drops = zt__defrag_drops(d), added;

    zt__defrag_expire(d, now);
    if (zt__defrag_pending(d) > before || zt__defrag_drops(d) < drops)
        abort();
    gone = before - zt__defrag_pending(d);
    added = zt__defrag_drops(d) - drops;
    if (added < gone || added > (uint64_t)gone * MAX_SET_PIECES)
        abort();
}

/* Adds one datagram and checks the result against the counters. */
static void add_checked(zt_defrag *d, const uint8_t *dgram, size_t len, int64_t now,
                        uint8_t *out)
{
    unsigned before = zt__defrag_pending(d);
    uint64_t drops = zt__defrag_drops(d), added;
    zt_ssize n = zt__defrag_add(d, dgram, len, now, out, ZT_PKT_MAX_LEN);

    if (zt__defrag_drops(d) < drops || zt__defrag_pending(d) > ZT_DEFRAG_SLOTS)
        abort();
    added = zt__defrag_drops(d) - drops;
    if (n >= 0) {
        /* A whole packet: a head (fragmented flag set) followed by fragment bodies; its set
         * was held (a set cannot complete on its first datagram) and is released, no drop. */
        if (n < ZT_PKT_MIN_LEN + 1 || n > ZT_PKT_MAX_LEN)
            abort();
        if ((out[ZT_PKT_IDX_FLAGS] & ZT_PKT_FLAG_FRAGMENTED) == 0)
            abort();
        if (zt__dgram_classify(dgram, len) == ZT_DGRAM_IGNORE)
            abort();
        if (memcmp(out, dgram, 8) != 0) /* same packet ID as the completing piece */
            abort();
        if (added != 0 || zt__defrag_pending(d) + 1 != before)
            abort();
    } else if (n == ZT_ERR_DROP) {
        /* this datagram, and at most one set given up */
        if (added < 1 || added > 1 + MAX_SET_PIECES)
            abort();
    } else if (n == ZT_ERR_AGAIN) {
        /* kept: at most one set evicted to make room, and at most one more set held */
        if (added > MAX_SET_PIECES || zt__defrag_pending(d) > before + 1)
            abort();
    } else {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_rd r = zt__rd_make(data, size);
    uint8_t *out = malloc(ZT_PKT_MAX_LEN);
    zt_defrag *d;
    int64_t now = 1000;

    if (out == NULL || zt__defrag_new(&d, NULL) != 0)
        abort();
    for (;;) {
        uint16_t len;
        uint8_t step;
        uint8_t *dgram;

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
            expire_checked(d, now);
        add_checked(d, dgram, len, now, out);
        free(dgram);
    }
    expire_checked(d, now + ZT_DEFRAG_TIMEOUT_MS + 1);
    if (zt__defrag_pending(d) != 0)
        abort();
    zt__defrag_del(d);
    free(out);
    return 0;
}
