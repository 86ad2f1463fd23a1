#include "util/mem.h"

#include <stdlib.h>

void *zt__mem_calloc(const zt_mem *mem, size_t n, size_t size)
{
    if (mem != NULL && mem->calloc != NULL)
        return mem->calloc(mem->user, n, size);
    return calloc(n, size);
}

void zt__mem_free(const zt_mem *mem, void *ptr)
{
    if (ptr == NULL)
        return;
    if (mem != NULL && mem->free != NULL)
        mem->free(mem->user, ptr);
    else
        free(ptr);
}
