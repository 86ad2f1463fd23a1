/*
 * fuzz_configchunk: config delivery (vl2.md §3.8-§3.10).  The first input byte picks a mode.
 *
 * Even: the rest is one payload, parsed as a chunk (NETWORK_CONFIG), as an
 * OK(NETWORK_CONFIG_REQUEST), as a NETWORK_CONFIG_REQUEST (and its metadata) and as an ERROR.
 * Parsed pointers stay inside the input and the declared lengths add up; a chunk offered to a
 * fresh reassembler never completes unless it really is signed by the controller.
 *
 * Odd: the rest is a script of 7-byte records {u8 update, u16 index, u16 len, u16 total}
 * (low bit of |update| set: signed by a member instead of the controller).  The harness signs
 * each chunk, whose bytes come from a fixed pattern of (update, offset), and offers it to one
 * reassembler.  Whenever a config completes, it must be exactly the pattern for that update
 * and total; forged chunks are always refused; nothing is ever accepted past the limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/configchunk.h"
#include "crypto/crypto.h"
#include "vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWID 0x7064247a5a000001ULL
#define MAX_TOTAL 4096
#define MAX_RECORDS 48

static const char controller_secret[] = ZT_FUZZ_VL2_CONTROLLER_SECRET;
static const char member_secret[] = ZT_FUZZ_VL2_MEMBER_SECRET;

static zt_identity controller, member;

static uint8_t pattern(uint64_t update, size_t off)
{
    return (uint8_t)(update * 31 + off * 7 + (off >> 8));
}

static void within(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
    if (n > 0 && (p < data || p + n > data + size))
        abort();
}

static void one_payload(const uint8_t *data, size_t size)
{
    zt_config_chunk c;
    zt_config_request q;
    zt_config_meta m;
    zt_vl2_error e;
    zt_config_asm *a;
    const uint8_t *d;
    size_t dl;
    uint64_t upd;
    int rv;

    if (zt__config_chunk_parse(&c, data, size) == 0) {
        within(c.data, c.len, data, size);
        if (c.wire_len > size || (uint64_t)c.index + c.len > c.total_len ||
            c.total_len > ZT_DICT_CONFIG_MAX)
            abort();
        if (c.is_signed && (c.signed_len != 27 + c.len || c.wire_len != c.signed_len + 99))
            abort();
        if (zt__config_asm_new(&a, c.nwid, 0, NULL) != 0)
            abort();
        rv = zt__config_asm_add(a, &c, &controller, false, &d, &dl, &upd);
        if (rv == 0 && !zt__config_chunk_verify(&c, &controller))
            abort();
        if (rv == 0 && (dl != c.total_len || memcmp(d + c.index, c.data, c.len) != 0))
            abort();
        rv = zt__config_asm_add(a, &c, &member, false, &d, &dl, &upd);
        if (rv == 0)
            abort(); /* the member is not the controller; unsigned needs from_controller */
        zt__config_asm_del(a);
    }
    if (size >= ZT_OK_HEADER_LEN && zt__config_chunk_parse(&c, data + ZT_OK_HEADER_LEN,
                                                           size - ZT_OK_HEADER_LEN) == 0)
        within(c.data, c.len, data, size);
    if (zt__config_request_parse(&q, data, size) == 0) {
        within(q.metadata, q.metadata_len, data, size);
        if (q.metadata_len > ZT_DICT_METADATA_MAX)
            abort();
        if (zt__config_meta_read(&m, q.metadata, q.metadata_len) != 0)
            abort();
    }
    if (zt__vl2_error_parse(&e, data, size) == 0)
        within(e.auth_dict, e.auth_dict_len, data, size);
}

static void script(const uint8_t *data, size_t size)
{
    zt_config_asm *a;
    uint8_t buf[ZT_CHUNK_OVERHEAD + MAX_TOTAL], dict[MAX_TOTAL];
    unsigned records = 0;

    if (zt__config_asm_new(&a, NWID, MAX_TOTAL, NULL) != 0)
        abort();
    for (size_t off = 0; off + 7 <= size && records < MAX_RECORDS; off += 7, records++) {
        const uint8_t *r = data + off;
        bool forged = (r[0] & 1) != 0;
        uint64_t update = (uint64_t)(r[0] >> 1) % 5; /* 0 is refused; 1..4 share 3 slots */
        size_t index = (size_t)(r[1] << 8 | r[2]) % (MAX_TOTAL + 1);
        size_t len = (size_t)(r[3] << 8 | r[4]) % (MAX_TOTAL + 1);
        size_t total = (size_t)(r[5] << 8 | r[6]) % (MAX_TOTAL + 2);
        zt_config_chunk c;
        const uint8_t *d = NULL;
        size_t dl = 0;
        uint64_t upd = 0;
        zt_ssize n;
        int rv;

        /* Build the chunk by hand so that any field combination can be signed. */
        if (index + len > MAX_TOTAL)
            len = MAX_TOTAL - index;
        for (size_t i = 0; i < len; i++)
            dict[i] = pattern(update, index + i);
        {
            zt_wr w = zt__wr_make(buf, sizeof(buf));
            uint8_t sig[ZT_SIGNATURE_LEN];
            zt__wr_u64(&w, NWID);
            zt__wr_u16(&w, (uint16_t)len);
            zt__wr_bytes(&w, dict, len);
            zt__wr_u8(&w, 0);
            zt__wr_u64(&w, update);
            zt__wr_be(&w, total, 4);
            zt__wr_be(&w, index, 4);
            if (zt__identity_sign(forged ? &member : &controller, buf, zt__wr_len(&w), sig) != 0)
                abort();
            zt__wr_u8(&w, 1);
            zt__wr_u16(&w, ZT_SIGNATURE_LEN);
            zt__wr_bytes(&w, sig, sizeof(sig));
            n = zt__wr_finish(&w);
            if (n <= 0)
                abort();
        }
        rv = zt__config_chunk_parse(&c, buf, (size_t)n);
        if (rv != 0) {
            if (index + len <= total)
                abort();
            continue;
        }
        rv = zt__config_asm_add(a, &c, &controller, false, &d, &dl, &upd);
        if (forged && (rv == 0 || rv == ZT_ERR_AGAIN))
            abort();
        if (rv == 0) {
            if (dl != total || upd != update || total == 0 || total > MAX_TOTAL)
                abort();
            for (size_t i = 0; i < dl; i++)
                if (d[i] != pattern(update, i))
                    abort();
        } else if (rv != ZT_ERR_AGAIN && rv != ZT_ERR_INVAL && rv != ZT_ERR_RANGE &&
                   rv != ZT_ERR_EXISTS && rv != ZT_ERR_AUTH && rv != ZT_ERR_LIMIT) {
            abort();
        }
    }
    zt__config_asm_del(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;

    if (!initialized) {
        if (zt__crypto_init() != 0 ||
            zt__identity_from_string(&controller, controller_secret,
                                     sizeof(controller_secret) - 1) != 0 ||
            zt__identity_from_string(&member, member_secret, sizeof(member_secret) - 1) != 0)
            abort();
        initialized = 1;
    }
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0)
        one_payload(data + 1, size - 1);
    else
        script(data + 1, size - 1);
    return 0;
}
