#include "util/array.h"

#include <stdint.h>
#include <string.h>

int zt__array_grow(const zt_mem *mem, void *pptr, size_t *pcap, size_t need, size_t size,
                   size_t max)
{
    size_t cap = *pcap;
    void *old, *grown;

    if (need <= cap)
        return 0;
    if (need > max)
        return ZT_ERR_LIMIT;
    cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap < ZT_ARRAY_MIN_CAP)
        cap = ZT_ARRAY_MIN_CAP;
    if (cap < need)
        cap = need;
    if (cap > max)
        cap = max;
    if (size != 0 && cap > SIZE_MAX / size)
        return ZT_ERR_NOMEM;
    grown = zt__mem_calloc(mem, cap, size);
    if (grown == NULL)
        return ZT_ERR_NOMEM;
    /* Through memcpy: the variable at |pptr| has the caller's pointer type, not void *. */
    memcpy(&old, pptr, sizeof(old));
    if (*pcap > 0)
        memcpy(grown, old, *pcap * size);
    zt__mem_free(mem, old);
    memcpy(pptr, &grown, sizeof(grown));
    *pcap = cap;
    return 0;
}
