/* peers.d records: vl1.md §7. */
#include "codec/peercache.h"

#include <string.h>

zt_ssize zt__peercache_write(const zt_peercache *pc, uint8_t *out, size_t cap)
{
    zt_wr w = zt__wr_make(out, cap);

    if (pc->npaths > ZT_PEERCACHE_MAX_PATHS)
        return ZT_ERR_RANGE;
    zt__wr_u8(&w, ZT_PEERCACHE_VERSION);
    zt__identity_write(&w, &pc->identity, false);
    zt__wr_u16(&w, pc->proto_version);
    zt__wr_u16(&w, pc->major);
    zt__wr_u16(&w, pc->minor);
    zt__wr_u16(&w, pc->revision);
    zt__wr_u16(&w, (uint16_t)pc->npaths);
    for (unsigned i = 0; i < pc->npaths; i++)
        zt__inetaddr_write(&w, &pc->paths[i]);
    return zt__wr_finish(&w);
}

int zt__peercache_parse(zt_peercache *pc, const uint8_t *data, size_t len)
{
    zt_rd r = zt__rd_make(data, len);
    uint8_t version;
    uint16_t n;
    int rv;

    memset(pc, 0, sizeof(*pc));
    if ((rv = zt__rd_u8(&r, &version)) != 0)
        return rv;
    if (version != ZT_PEERCACHE_VERSION)
        return ZT_ERR_UNSUPPORTED;
    if ((rv = zt__identity_read(&r, &pc->identity)) != 0)
        return rv == ZT_ERR_TRUNCATED ? rv : ZT_ERR_INVAL;
    if (pc->identity.has_secret) {
        zt__identity_clear(&pc->identity);
        return ZT_ERR_INVAL;
    }
    if ((rv = zt__rd_u16(&r, &pc->proto_version)) != 0 || (rv = zt__rd_u16(&r, &pc->major)) != 0 ||
        (rv = zt__rd_u16(&r, &pc->minor)) != 0 || (rv = zt__rd_u16(&r, &pc->revision)) != 0 ||
        (rv = zt__rd_u16(&r, &n)) != 0)
        return rv;
    if (n > ZT_PEERCACHE_MAX_PATHS)
        return ZT_ERR_RANGE;
    for (unsigned i = 0; i < n; i++) {
        zt_inetaddr a;
        if ((rv = zt__inetaddr_read(&r, &a)) != 0)
            return rv;
        if (a.family != 0)
            pc->paths[pc->npaths++] = a;
    }
    return 0;
}

void zt__peercache_filename(uint64_t address, char out[16])
{
    zt__address_to_string(address, out);
    memcpy(out + 10, ".peer", 6);
}
