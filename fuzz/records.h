/*
 * records.h: the input layout the stateful harnesses (fuzz_node, fuzz_vl2) share: one flags
 * byte, then records [u8 selector][u16 length, big-endian][bytes]; a record whose length runs
 * past the end takes what is left.  Each record's bytes are handed over in a buffer of their
 * exact size, so any overread is caught by the sanitizer.  Fuzz code only.
 */
#ifndef ZT_FUZZ_RECORDS_H
#define ZT_FUZZ_RECORDS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* Calls |begin|(flags), |record|(selector, bytes, length) for at most |max_records| records,
 * then |end|().  An empty input does nothing. */
static inline void zt_fuzz_records(const uint8_t *data, size_t size, unsigned max_records,
                                   void (*begin)(uint8_t flags),
                                   void (*record)(uint8_t sel, const uint8_t *p, size_t n),
                                   void (*end)(void))
{
    zt_rd r = zt__rd_make(data, size);
    uint8_t flags, sel;
    unsigned records = 0;

    if (zt__rd_u8(&r, &flags) != 0)
        return;
    begin(flags);
    while (records++ < max_records && zt__rd_u8(&r, &sel) == 0) {
        uint16_t len = 0;
        size_t n;
        uint8_t *copy;

        (void)zt__rd_u16(&r, &len);
        n = len < zt__rd_left(&r) ? len : zt__rd_left(&r);
        copy = malloc(n > 0 ? n : 1);
        if (copy == NULL)
            abort();
        memcpy(copy, r.p, n);
        r.p += n;
        record(sel, copy, n);
        free(copy);
    }
    end();
}

#endif
