/* Bounded tables that replace their oldest entry (table.h). */
#include "util/table.h"

#include <stdint.h>
#include <string.h>

static int64_t stamp_of(const unsigned char *entry, size_t stamp_off)
{
    int64_t t;
    memcpy(&t, entry + stamp_off, sizeof(t));
    return t;
}

size_t zt__table_slot(const void *base, size_t count, size_t max, size_t size,
                      size_t stamp_off, zt_table_match *match, const void *key, bool *pfound)
{
    const unsigned char *entries = base;
    size_t oldest = 0;

    *pfound = false;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *e = entries + i * size;
        if (match(e, key)) {
            *pfound = true;
            return i;
        }
        if (stamp_of(e, stamp_off) < stamp_of(entries + oldest * size, stamp_off))
            oldest = i;
    }
    return count < max ? count : oldest;
}
