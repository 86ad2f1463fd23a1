/*
 * fuzz_identity_text: the identity text form (vl1.md §1.6).  Anything that parses must print
 * back in canonical form, and that text must parse to the same identity; the binary form of
 * the result must read back equal too.  Validation (the memory-hard hash) is not run here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_identity(const zt_identity *a, const zt_identity *b)
{
    if (!zt__identity_equal(a, b) || a->has_secret != b->has_secret)
        abort();
    if (a->has_secret && memcmp(a->sec, b->sec, ZT_IDENTITY_KEY_LEN) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[ZT_IDENTITY_STR_MAX + 1];
    uint8_t bin[ZT_IDENTITY_BIN_SECRET_LEN];
    zt_identity id, again;
    zt_ssize n;
    zt_wr w;
    zt_rd r;
    int rv;

    rv = zt__identity_from_string(&id, (const char *)data, size);
    if (rv != 0) {
        if (rv != ZT_ERR_INVAL && rv != ZT_ERR_RESERVED)
            abort();
        return 0;
    }
    if (zt__address_is_reserved(id.address) || id.address > ZT_ADDRESS_MASK)
        abort();

    n = zt__identity_to_string(&id, id.has_secret, text, sizeof(text));
    if (n != (id.has_secret ? ZT_IDENTITY_STR_SECRET_LEN : ZT_IDENTITY_STR_PUBLIC_LEN) ||
        text[n] != '\0')
        abort();
    if (zt__identity_from_string(&again, text, (size_t)n) != 0)
        abort();
    same_identity(&id, &again);

    /* The public text never carries the secret. */
    n = zt__identity_to_string(&id, false, text, sizeof(text));
    if (n != ZT_IDENTITY_STR_PUBLIC_LEN || zt__identity_from_string(&again, text, (size_t)n) != 0 ||
        again.has_secret || !zt__identity_equal(&id, &again))
        abort();

    w = zt__wr_make(bin, sizeof(bin));
    zt__identity_write(&w, &id, true);
    n = zt__wr_finish(&w);
    if (n != (id.has_secret ? ZT_IDENTITY_BIN_SECRET_LEN : ZT_IDENTITY_BIN_PUBLIC_LEN))
        abort();
    r = zt__rd_make(bin, (size_t)n);
    if (zt__identity_read(&r, &again) != 0 || zt__rd_left(&r) != 0)
        abort();
    same_identity(&id, &again);

    zt__identity_clear(&id);
    zt__identity_clear(&again);
    return 0;
}
