/*
 * configcache.c: the cached network config and its controller's signatures (configcache.h).
 */
#include "codec/configcache.h"

#include <stdio.h>
#include <string.h>

#include "codec/dictionary.h"
#include "codec/netconf.h"
#include "util/errors.h"

#define KEY_LEN (sizeof(ZT_CONFIG_CACHE_KEY) - 1)

typedef struct proof_chunk {
    uint32_t index;
    uint16_t len;
    uint8_t flags;
    const uint8_t *sig;
} proof_chunk;

typedef struct proof {
    zt_identity controller;
    uint64_t update_id;
    uint32_t total;
    uint16_t nchunks;
    zt_rd chunks; /* the k chunk records, read one by one */
} proof;

/* ---- writing ---- */

static void write_proof(zt_wr *w, const zt_config_asm *a, uint64_t update_id,
                        const zt_identity *controller, unsigned nchunks)
{
    zt_config_chunk_sig c;

    zt__wr_u8(w, ZT_CONFIG_PROOF_VERSION);
    zt__identity_write(w, controller, false);
    zt__wr_u64(w, update_id);
    (void)zt__config_asm_chunk_sig(a, update_id, 0, &c);
    zt__wr_be(w, c.total, 4);
    zt__wr_u16(w, (uint16_t)nchunks);
    for (unsigned i = 0; zt__config_asm_chunk_sig(a, update_id, i, &c); i++) {
        zt__wr_be(w, c.index, 4);
        zt__wr_u16(w, (uint16_t)c.len);
        zt__wr_u8(w, c.flags);
        zt__wr_bytes(w, c.sig, ZT_SIGNATURE_LEN);
    }
}

int zt__config_cache_make(const zt_config_asm *a, uint64_t update_id,
                          const zt_identity *controller, const uint8_t *dict, size_t dict_len,
                          const zt_mem *mem, uint8_t **pout, size_t *plen)
{
    zt_config_chunk_sig c;
    unsigned nchunks = 0;
    uint8_t *proof_buf = NULL, *out = NULL;
    zt_ssize plen_, n;
    size_t cap;
    zt_wr w;
    int rv = ZT_ERR_INVAL;

    while (zt__config_asm_chunk_sig(a, update_id, nchunks, &c))
        nchunks++;
    if (nchunks == 0)
        return ZT_ERR_NOTFOUND;
    if (c.total != dict_len)
        return ZT_ERR_INVAL;
    proof_buf = zt__mem_calloc(mem, 1, ZT_CONFIG_PROOF_MAX);
    if (proof_buf == NULL)
        return ZT_ERR_NOMEM;
    w = zt__wr_make(proof_buf, ZT_CONFIG_PROOF_MAX);
    write_proof(&w, a, update_id, controller, nchunks);
    plen_ = zt__wr_finish(&w);
    if (plen_ < 0)
        goto out;
    cap = KEY_LEN + 1 + 2 * (size_t)plen_ + 1 + dict_len;
    out = zt__mem_calloc(mem, 1, cap);
    if (out == NULL) {
        rv = ZT_ERR_NOMEM;
        goto out;
    }
    w = zt__wr_make(out, cap);
    (void)zt__dict_add(&w, ZT_CONFIG_CACHE_KEY, proof_buf, (size_t)plen_);
    zt__wr_u8(&w, '\n');
    zt__wr_bytes(&w, dict, dict_len);
    n = zt__wr_finish(&w);
    if (n < 0)
        goto out;
    *pout = out;
    *plen = (size_t)n;
    out = NULL;
    rv = 0;
out:
    zt__mem_free(mem, out);
    zt__mem_free(mem, proof_buf);
    return rv;
}

/* ---- checking ---- */

static int read_proof(proof *p, const uint8_t *data, size_t len, char *why, size_t whylen)
{
    zt_rd r = zt__rd_make(data, len);
    uint64_t total;
    uint8_t version = 0;

    if (zt__rd_u8(&r, &version) != 0 || version != ZT_CONFIG_PROOF_VERSION) {
        zt__err_set(why, whylen, "signatures in an unknown format (version %u)", (unsigned)version);
        return len == 0 ? ZT_ERR_INVAL : ZT_ERR_UNSUPPORTED;
    }
    if (zt__identity_read(&r, &p->controller) != 0 || p->controller.has_secret ||
        zt__rd_u64(&r, &p->update_id) != 0 || zt__rd_be(&r, &total, 4) != 0 ||
        zt__rd_u16(&r, &p->nchunks) != 0 || p->update_id == 0 || p->nchunks == 0 ||
        p->nchunks > ZT_CHUNK_MAX_PER_CONFIG ||
        zt__rd_left(&r) != (size_t)p->nchunks * ZT_CONFIG_PROOF_CHUNK) {
        zt__identity_clear(&p->controller);
        zt__err_set(why, whylen, "malformed signatures");
        return ZT_ERR_INVAL;
    }
    p->total = (uint32_t)total;
    p->chunks = r;
    return 0;
}

static void next_chunk(zt_rd *r, proof_chunk *c)
{
    uint64_t v = 0;

    /* read_proof() checked that every record is there. */
    (void)zt__rd_be(r, &v, 4);
    c->index = (uint32_t)v;
    (void)zt__rd_u16(r, &c->len);
    (void)zt__rd_u8(r, &c->flags);
    (void)zt__rd_ptr(r, &c->sig, ZT_SIGNATURE_LEN);
}

/* The chunks must cover [0, total) exactly: no overlap, no hole (the sum then says it). */
static int check_cover(const proof *p, char *why, size_t whylen)
{
    zt_rd r = p->chunks, q;
    proof_chunk c, d;
    uint64_t sum = 0;

    for (unsigned i = 0; i < p->nchunks; i++) {
        next_chunk(&r, &c);
        q = r;
        sum += c.len;
        if (c.len == 0 || (uint64_t)c.index + c.len > p->total)
            goto bad;
        for (unsigned j = i + 1; j < p->nchunks; j++) {
            next_chunk(&q, &d);
            if (c.index < (uint64_t)d.index + d.len && d.index < (uint64_t)c.index + c.len)
                goto bad;
        }
    }
    if (sum == p->total)
        return 0;
bad:
    zt__err_set(why, whylen, "its signed chunks do not cover the config exactly");
    return ZT_ERR_RANGE;
}

/* Rebuilds each chunk's signed bytes (vl2.md §3.9) and verifies them. */
static int check_signatures(const proof *p, uint64_t nwid, const uint8_t *dict,
                            const zt_mem *mem, char *why, size_t whylen)
{
    size_t cap = ZT_CHUNK_IDX_DATA + UINT16_MAX + ZT_CHUNK_SIGNED_TRAILER_LEN;
    uint8_t *buf = zt__mem_calloc(mem, 1, cap);
    zt_rd r = p->chunks;
    proof_chunk c;
    int rv = 0;

    if (buf == NULL)
        return ZT_ERR_NOMEM;
    for (unsigned i = 0; i < p->nchunks && rv == 0; i++) {
        zt_wr w = zt__wr_make(buf, cap);
        next_chunk(&r, &c);
        zt__wr_u64(&w, nwid);
        zt__wr_u16(&w, c.len);
        zt__wr_bytes(&w, dict + c.index, c.len);
        zt__wr_u8(&w, c.flags);
        zt__wr_u64(&w, p->update_id);
        zt__wr_be(&w, p->total, 4);
        zt__wr_be(&w, c.index, 4);
        if (w.overflow ||
            !zt__signature_verify(p->controller.pub, buf, zt__wr_len(&w), c.sig,
                                  ZT_SIGNATURE_LEN)) {
            zt__err_set(why, whylen, "bad controller signature on bytes %u-%u",
                    (unsigned)c.index, (unsigned)(c.index + c.len));
            rv = ZT_ERR_AUTH;
        }
    }
    zt__mem_free(mem, buf);
    return rv;
}

/* The dictionary must be a config (§4.4) for this network, issued to us (§1.4 step 3). */
static int check_config(const uint8_t *dict, size_t len, uint64_t nwid, uint64_t address,
                        const zt_mem *mem, char *why, size_t whylen)
{
    zt_netconf *nc = zt__mem_calloc(mem, 1, sizeof(*nc));
    int rv;

    if (nc == NULL)
        return ZT_ERR_NOMEM;
    zt__netconf_init(nc, mem);
    rv = zt__netconf_parse(nc, dict, len, mem);
    if (rv != 0 && rv != ZT_ERR_NOMEM) {
        zt__err_set(why, whylen, "not a network config (%s)", zt__strerror(rv));
        rv = ZT_ERR_INVAL;
    } else if (rv == 0 && (nc->nwid != nwid || nc->issued_to != address)) {
        zt__err_set(why, whylen, "a config of network %016llx issued to %010llx",
                (unsigned long long)nc->nwid, (unsigned long long)nc->issued_to);
        rv = ZT_ERR_INVAL;
    }
    zt__netconf_clear(nc);
    zt__mem_free(mem, nc);
    return rv;
}

/* The key that signed must be the controller's (its address, and its identity when known). */
static int check_signer(const proof *p, uint64_t nwid, const zt_identity *controller,
                        unsigned flags, const zt_mem *mem, char *why, size_t whylen)
{
    uint64_t want = nwid >> ZT_NWID_CONTROLLER_SHIFT;
    int rv;

    if (p->controller.address != want) {
        zt__err_set(why, whylen, "signed by %010llx, not by the network's controller %010llx",
                (unsigned long long)p->controller.address, (unsigned long long)want);
        return ZT_ERR_AUTH;
    }
    if (controller != NULL) {
        if (zt__identity_equal(controller, &p->controller))
            return 0;
        zt__err_set(why, whylen, "signed with a key that is not controller %010llx's",
                (unsigned long long)want);
        return ZT_ERR_AUTH;
    }
    if ((flags & ZT_CONFIG_CACHE_VALIDATE) == 0)
        return 0;
    rv = zt__identity_validate(&p->controller, mem);
    if (rv == ZT_ERR_INVAL) {
        zt__err_set(why, whylen, "the controller identity it names fails validation");
        rv = ZT_ERR_AUTH;
    }
    return rv;
}

/* Splits the file into the proof (unescaped into |buf|) and the dictionary. */
static int split(const uint8_t *file, size_t len, uint8_t *buf, size_t *pproof_len,
                 size_t *pdict_off, char *why, size_t whylen)
{
    const uint8_t *lf = memchr(file, '\n', len);
    size_t vlen;
    zt_ssize n;

    if (len < KEY_LEN + 1 || memcmp(file, ZT_CONFIG_CACHE_KEY "=", KEY_LEN + 1) != 0 ||
        lf == NULL) {
        zt__err_set(why, whylen, "no controller signatures (a file from another program?)");
        return ZT_ERR_AUTH;
    }
    vlen = (size_t)(lf - file) - (KEY_LEN + 1);
    n = zt__dict_unescape(file + KEY_LEN + 1, vlen, buf, ZT_CONFIG_PROOF_MAX);
    if (n < 0) {
        zt__err_set(why, whylen, "malformed signatures");
        return ZT_ERR_INVAL;
    }
    *pproof_len = (size_t)n;
    *pdict_off = (size_t)(lf - file) + 1;
    return 0;
}

int zt__config_cache_check(const uint8_t *file, size_t len, uint64_t nwid, uint64_t address,
                           const zt_identity *controller, unsigned flags, const zt_mem *mem,
                           size_t *pdict_off, size_t *pdict_len, char *why, size_t whylen)
{
    uint8_t *buf;
    size_t plen = 0, off = 0, dlen;
    proof p;
    int rv;

    memset(&p, 0, sizeof(p));
    if (len > ZT_CONFIG_CACHE_MAX) {
        zt__err_set(why, whylen, "larger than %zu bytes", (size_t)ZT_CONFIG_CACHE_MAX);
        return ZT_ERR_RANGE;
    }
    buf = zt__mem_calloc(mem, 1, ZT_CONFIG_PROOF_MAX);
    if (buf == NULL)
        return ZT_ERR_NOMEM;
    rv = split(file, len, buf, &plen, &off, why, whylen);
    if (rv == 0)
        rv = read_proof(&p, buf, plen, why, whylen);
    dlen = len - off;
    if (rv == 0 && dlen != p.total) {
        zt__err_set(why, whylen, "%s: %zu of %u bytes", dlen < p.total ? "truncated" : "extended",
                dlen, (unsigned)p.total);
        rv = dlen < p.total ? ZT_ERR_TRUNCATED : ZT_ERR_RANGE;
    }
    /* Cheap before dear: the memory-hard identity check comes last. */
    if (rv == 0)
        rv = check_cover(&p, why, whylen);
    if (rv == 0)
        rv = check_signatures(&p, nwid, file + off, mem, why, whylen);
    if (rv == 0)
        rv = check_config(file + off, dlen, nwid, address, mem, why, whylen);
    if (rv == 0)
        rv = check_signer(&p, nwid, controller, flags, mem, why, whylen);
    zt__mem_free(mem, buf);
    if (rv == 0) {
        *pdict_off = off;
        *pdict_len = dlen;
    }
    return rv;
}
