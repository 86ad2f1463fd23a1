/*
 * fuzz_peercache: the peers.d record (vl1.md §7).  A record that parses must write back as the
 * prefix of the input it came from (unless reserved path forms were skipped, which shortens
 * it), and what is written must parse to the same record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/peercache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Offset of the path count: version, public identity, four u16 version fields. */
#define COUNT_OFFSET (1 + ZT_IDENTITY_BIN_PUBLIC_LEN + 8)

static void same_record(const zt_peercache *a, const zt_peercache *b)
{
    if (!zt__identity_equal(&a->identity, &b->identity) || b->identity.has_secret ||
        a->proto_version != b->proto_version || a->major != b->major || a->minor != b->minor ||
        a->revision != b->revision || a->npaths != b->npaths)
        abort();
    for (unsigned i = 0; i < a->npaths; i++)
        if (!zt__inetaddr_equal(&a->paths[i], &b->paths[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_peercache *pc = malloc(sizeof(*pc)), *again = malloc(sizeof(*again));
    uint8_t *buf = malloc(ZT_PEERCACHE_MAX_LEN);
    unsigned count;
    zt_ssize n;
    int rv;

    if (pc == NULL || again == NULL || buf == NULL)
        abort();
    rv = zt__peercache_parse(pc, data, size);
    if (rv != 0) {
        if (rv != ZT_ERR_UNSUPPORTED && rv != ZT_ERR_TRUNCATED && rv != ZT_ERR_INVAL &&
            rv != ZT_ERR_RANGE)
            abort();
        goto out;
    }
    if (size < COUNT_OFFSET + 2 || pc->identity.has_secret || pc->npaths > ZT_PEERCACHE_MAX_PATHS)
        abort();
    count = (unsigned)data[COUNT_OFFSET] << 8 | data[COUNT_OFFSET + 1];
    if (pc->npaths > count)
        abort();
    for (unsigned i = 0; i < pc->npaths; i++)
        if (pc->paths[i].family != 4 && pc->paths[i].family != 6)
            abort();

    n = zt__peercache_write(pc, buf, ZT_PEERCACHE_MAX_LEN);
    if (n < COUNT_OFFSET + 2 || (size_t)n > size)
        abort();
    if (pc->npaths == count && memcmp(buf, data, (size_t)n) != 0)
        abort();
    if (zt__peercache_parse(again, buf, (size_t)n) != 0)
        abort();
    same_record(pc, again);
out:
    free(buf);
    free(again);
    free(pc);
    return 0;
}
