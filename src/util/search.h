/*
 * search.h: binary search over any sorted sequence.  The caller knows its elements: |cmp|
 * compares element |i| (of the sequence |seq|) with |key| like memcmp (<0, 0, >0).
 */
#ifndef ZT_UTIL_SEARCH_H
#define ZT_UTIL_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

typedef int (*zt_search_cmp)(const void *seq, size_t i, const void *key);

/* Index of the first of |n| elements not below |key| (n when there is none); *pfound (may be
 * NULL) tells whether that element equals |key|. */
static inline size_t zt__lower_bound(const void *seq, size_t n, const void *key,
                                     zt_search_cmp cmp, bool *pfound)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp(seq, mid, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pfound != NULL)
        *pfound = lo < n && cmp(seq, lo, key) == 0;
    return lo;
}

#endif
