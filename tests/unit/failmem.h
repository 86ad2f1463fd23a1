/*
 * failmem.h: a zt_mem for alloc-failure tests (style.md §9).  Allocation number |fail_at|
 * (1-based; 0 = never) returns NULL; every allocation is counted so a test can check that
 * whatever succeeded was freed again.
 */
#ifndef ZT_TESTS_UNIT_FAILMEM_H
#define ZT_TESTS_UNIT_FAILMEM_H

#include <stdlib.h>

#include "util/mem.h"

typedef struct {
    unsigned fail_at; /* 1-based index of the allocation that fails; 0: none fails */
    unsigned calls;   /* allocations attempted */
    long live;        /* successful allocations not yet freed */
} failmem_state;

static inline void *failmem_calloc(void *user, size_t n, size_t size)
{
    failmem_state *st = user;
    void *p;

    st->calls++;
    if (st->fail_at != 0 && st->calls == st->fail_at)
        return NULL;
    p = calloc(n, size);
    if (p != NULL)
        st->live++;
    return p;
}

static inline void failmem_free(void *user, void *ptr)
{
    failmem_state *st = user;
    st->live--;
    free(ptr);
}

/* Resets |st| and returns a zt_mem that fails allocation number |fail_at|. */
static inline zt_mem failmem_make(failmem_state *st, unsigned fail_at)
{
    zt_mem m;
    st->fail_at = fail_at;
    st->calls = 0;
    st->live = 0;
    m.user = st;
    m.calloc = failmem_calloc;
    m.free = failmem_free;
    return m;
}

#endif
