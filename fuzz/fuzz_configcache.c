/*
 * fuzz_configcache: the cached network config, networks.d/<nwid>.conf (configcache.h).  The
 * first input byte picks a mode.
 *
 * Even: the rest is a cache file, checked for network NWID of node MEMBER with the vector
 * controller known.  Accepted, the dictionary is exactly what follows the file's first LF and
 * parses as a config of NWID issued to MEMBER; refused, the code is one of the documented.
 *
 * Odd: the rest is a dictionary.  The harness cuts it into chunks signed by the controller,
 * reassembles them and makes the cache file, which must then be accepted exactly when the
 * dictionary is a config of NWID issued to MEMBER; the same file with its last byte dropped,
 * or with one dictionary byte changed (at the offset the second input byte picks), must be
 * refused.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/configcache.h"
#include "codec/netconf.h"
#include "crypto/crypto.h"
#include "vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWID 0x7064247a5a000001ULL
#define MEMBER 0x136548ea94ULL
#define MAX_DICT (3 * ZT_CHUNK_MAX_DATA)

static const char controller_secret[] = ZT_FUZZ_VL2_CONTROLLER_SECRET;

static zt_identity controller, controller_pub;

static bool is_our_config(const uint8_t *dict, size_t len)
{
    zt_netconf nc;
    bool yes;

    zt__netconf_init(&nc, NULL);
    yes = zt__netconf_parse(&nc, dict, len, NULL) == 0 && nc.nwid == NWID &&
          nc.issued_to == MEMBER;
    zt__netconf_clear(&nc);
    return yes;
}

static int check(const uint8_t *file, size_t len, size_t *poff, size_t *pdlen)
{
    return zt__config_cache_check(file, len, NWID, MEMBER, &controller_pub, 0, NULL, poff, pdlen,
                                  NULL, 0);
}

static void one_file(const uint8_t *data, size_t size)
{
    const uint8_t *lf;
    size_t off = 0, dlen = 0;
    int rv = check(data, size, &off, &dlen);

    if (rv != 0) {
        if (rv != ZT_ERR_AUTH && rv != ZT_ERR_TRUNCATED && rv != ZT_ERR_RANGE &&
            rv != ZT_ERR_INVAL && rv != ZT_ERR_UNSUPPORTED)
            abort();
        return;
    }
    lf = memchr(data, '\n', size);
    if (lf == NULL || off != (size_t)(lf - data) + 1 || off + dlen != size ||
        !is_our_config(data + off, dlen))
        abort();
}

/* The chunks of |dict|, signed and reassembled as from the wire; returns the cache file. */
static uint8_t *make_file(const uint8_t *dict, size_t len, size_t *pflen)
{
    static uint8_t chunk[ZT_CHUNK_MAX_DATA + ZT_CHUNK_OVERHEAD];
    unsigned count = zt__config_chunk_count(len);
    zt_config_asm *a = NULL;
    uint8_t *file = NULL;

    if (zt__config_asm_new(&a, NWID, 0, NULL) != 0)
        abort();
    for (unsigned i = 0; i < count; i++) {
        zt_config_chunk c;
        const uint8_t *got = NULL;
        size_t glen = 0;
        uint64_t uid = 0;
        zt_ssize n = zt__config_chunk_write(chunk, sizeof(chunk), &controller, NWID, dict, len, i,
                                            0, 77);
        if (n <= 0 || zt__config_chunk_parse(&c, chunk, (size_t)n) != 0 ||
            zt__config_asm_add(a, &c, &controller_pub, true, &got, &glen, &uid) !=
                (i + 1 == count ? 0 : ZT_ERR_AGAIN))
            abort();
    }
    if (zt__config_cache_make(a, 77, &controller_pub, dict, len, NULL, &file, pflen) != 0)
        abort();
    zt__config_asm_del(a);
    return file;
}

static void round_trip(const uint8_t *data, size_t size)
{
    size_t flen = 0, off = 0, dlen = 0, at;
    uint8_t *file;
    bool ours;

    if (size < 2 || size - 1 > MAX_DICT)
        return;
    at = data[0];
    data++, size--;
    file = make_file(data, size, &flen);
    ours = is_our_config(data, size);
    if ((check(file, flen, &off, &dlen) == 0) != ours)
        abort();
    if (ours && (off + dlen != flen || dlen != size || memcmp(file + off, data, size) != 0))
        abort();
    if (check(file, flen - 1, &off, &dlen) == 0)
        abort();
    at = flen - size + at % size;
    file[at] ^= 0x5a;
    if (check(file, flen, &off, &dlen) == 0)
        abort();
    free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;

    if (!initialized) {
        if (zt__crypto_init() != 0 ||
            zt__identity_from_string(&controller, controller_secret,
                                     sizeof(controller_secret) - 1) != 0)
            abort();
        controller_pub = controller;
        controller_pub.has_secret = false;
        memset(controller_pub.sec, 0, sizeof(controller_pub.sec));
        initialized = 1;
    }
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0)
        one_file(data + 1, size - 1);
    else
        round_trip(data + 1, size - 1);
    return 0;
}
