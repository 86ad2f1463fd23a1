/*
 * fuzz_world: planets and moons (vl1.md §6.1).  A world that parses must serialize, parse
 * again, and serialize to the same bytes; its signed message must build and verification must
 * not crash.  The input is also read as back-to-back worlds, as in OK(HELLO).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/world.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const zt_world *w, size_t inlen)
{
    uint8_t *buf = malloc(ZT_WORLD_MAX_SERIALIZED);
    uint8_t *buf2 = malloc(ZT_WORLD_MAX_SERIALIZED);
    uint8_t *msg = malloc(ZT_WORLD_MAX_SERIALIZED + 16);
    zt_world *again = malloc(sizeof(*again));
    zt_ssize n, n2, m;

    if (buf == NULL || buf2 == NULL || msg == NULL || again == NULL)
        abort();
    if (w->nroots > ZT_WORLD_MAX_ROOTS || w->dict_len > ZT_WORLD_MAX_DICT)
        abort();
    n = zt__world_write(w, false, buf, ZT_WORLD_MAX_SERIALIZED);
    /* Reserved endpoint forms shrink to one byte; nothing ever grows. */
    if (n <= 0 || (size_t)n > inlen)
        abort();
    if (zt__world_parse(again, buf, (size_t)n) != 0)
        abort();
    n2 = zt__world_write(again, false, buf2, ZT_WORLD_MAX_SERIALIZED);
    if (n2 != n || memcmp(buf, buf2, (size_t)n) != 0)
        abort();
    m = zt__world_write(w, true, msg, ZT_WORLD_MAX_SERIALIZED + 16);
    if (m != n - ZT_SIGNATURE_LEN + 16)
        abort();
    if (zt__world_verify(w, w->update_key) != zt__world_verify(again, again->update_key))
        abort();
    free(again);
    free(msg);
    free(buf2);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    zt_world *w = malloc(sizeof(*w));
    zt_rd r = zt__rd_make(data, size);
    int rv;

    if (!initialized) {
        if (zt__crypto_init() != 0)
            abort();
        initialized = 1;
    }
    if (w == NULL)
        abort();

    rv = zt__world_parse(w, data, size);
    if (rv == 0)
        check_roundtrip(w, size);
    else if (rv != ZT_ERR_TRUNCATED && rv != ZT_ERR_INVAL && rv != ZT_ERR_RANGE)
        abort();

    for (unsigned i = 0; i < 8 && zt__rd_left(&r) > 0; i++) {
        const uint8_t *start = r.p;
        if (zt__world_read(&r, w) != 0)
            break;
        if (r.p <= start)
            abort();
    }
    free(w);
    return 0;
}
