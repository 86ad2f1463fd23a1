/*
 * array.h: growing a heap array through the zt_mem hook (style.md §6), with every size
 * computation checked for overflow and a caller-given maximum.
 */
#ifndef ZT_UTIL_ARRAY_H
#define ZT_UTIL_ARRAY_H

#include <stddef.h>
#include <stdint.h> /* SIZE_MAX, the |max| of an array with no bound of its own */

#include "util/errors.h"
#include "util/mem.h"

/* The smallest capacity a first allocation gets, so that growing one by one stays cheap. */
#define ZT_ARRAY_MIN_CAP 16u

/*
 * Makes room for |need| elements of |size| bytes in a heap array.  |pptr| is the address of
 * the array's pointer variable (of any object pointer type, NULL while the array is empty) and
 * *|pcap| its capacity in elements.  Nothing happens when need <= *pcap.  Otherwise the array
 * moves to a block of max(need, 2 * *pcap, ZT_ARRAY_MIN_CAP) elements, but at most |max|,
 * allocated from |mem| (NULL: libc) and zeroed past the old elements; the old block goes back
 * to |mem|.  Pass SIZE_MAX as |max| for no bound of the caller's own.
 * Returns 0, ZT_ERR_LIMIT when need > max, ZT_ERR_NOMEM when the bytes do not fit a size_t or
 * the allocation fails; on an error the array and *pcap are unchanged.
 */
int zt__array_grow(const zt_mem *mem, void *pptr, size_t *pcap, size_t need, size_t size,
                   size_t max);

#endif
