/*
 * mem.h: the allocation hook every core allocation goes through (style.md §6), so tests can
 * make the Nth allocation fail.  A NULL zt_mem means libc.
 */
#ifndef ZT_UTIL_MEM_H
#define ZT_UTIL_MEM_H

#include <stddef.h>

typedef struct zt_mem {
    void *user;
    void *(*calloc)(void *user, size_t n, size_t size);
    void (*free)(void *user, void *ptr);
} zt_mem;

void *zt__mem_calloc(const zt_mem *mem, size_t n, size_t size);
void zt__mem_free(const zt_mem *mem, void *ptr);

#endif
