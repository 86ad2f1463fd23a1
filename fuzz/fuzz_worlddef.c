/*
 * fuzz_worlddef: world definitions in JSON (zt-idtool genmoon/mkplanet input).  Anything that
 * parses must be a world within the format's limits that serializes and parses back equal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "worlddef.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    zt_worlddef *def = malloc(sizeof(*def));
    zt_world *back = malloc(sizeof(*back));
    uint8_t *buf = malloc(ZT_WORLD_MAX_SERIALIZED);
    char err[256];
    zt_ssize n;

    if (def == NULL || back == NULL || buf == NULL)
        abort();
    if (!ready)
        ready = zt__crypto_init() == 0;
    if (zt__worlddef_parse(def, (const char *)data, size, ZT_WORLD_TYPE_PLANET, err,
                          sizeof(err)) == 0) {
        if (def->world.nroots < 1 || def->world.nroots > ZT_WORLD_MAX_ROOTS || def->world.id == 0)
            abort();
        n = zt__world_write(&def->world, false, buf, ZT_WORLD_MAX_SERIALIZED);
        if (n <= 0 || zt__world_parse(back, buf, (size_t)n) != 0 || back->nroots != def->world.nroots)
            abort();
        zt__worlddef_clear(def);
    } else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0') {
        abort(); /* every failure says why */
    }
    free(buf);
    free(back);
    free(def);
    return 0;
}
