/*
 * fuzz_identity_bin: the identity binary form (vl1.md §1.7), read back to back as identities
 * appear in packets.  Each identity read must write back to exactly the bytes it consumed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[ZT_IDENTITY_STR_MAX + 1];
    uint8_t bin[ZT_IDENTITY_BIN_SECRET_LEN];
    zt_rd r = zt__rd_make(data, size);
    zt_identity id, again;

    memset(&id, 0, sizeof(id));
    while (zt__rd_left(&r) > 0) {
        const uint8_t *start = r.p;
        size_t used;
        zt_ssize n;
        zt_wr w;
        int rv;

        rv = zt__identity_read(&r, &id);
        if (rv != 0) {
            if (rv != ZT_ERR_TRUNCATED && rv != ZT_ERR_INVAL && rv != ZT_ERR_RESERVED)
                abort();
            break;
        }
        used = (size_t)(r.p - start);
        if (used != (id.has_secret ? ZT_IDENTITY_BIN_SECRET_LEN : ZT_IDENTITY_BIN_PUBLIC_LEN))
            abort();
        if (zt__address_is_reserved(id.address))
            abort();

        w = zt__wr_make(bin, sizeof(bin));
        zt__identity_write(&w, &id, true);
        n = zt__wr_finish(&w);
        if (n < 0 || (size_t)n != used || memcmp(bin, start, used) != 0)
            abort();

        n = zt__identity_to_string(&id, id.has_secret, text, sizeof(text));
        if (n < 0 || zt__identity_from_string(&again, text, (size_t)n) != 0 ||
            !zt__identity_equal(&id, &again) || again.has_secret != id.has_secret)
            abort();
        zt__identity_clear(&again);
    }
    zt__identity_clear(&id);
    return 0;
}
