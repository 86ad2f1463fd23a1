/*
 * configchunk.c: config requests, signed config chunks and their reassembly (vl2.md §3.8-§3.10).
 */
#include "codec/configchunk.h"

#include <string.h>

#include "codec/dictionary.h"
#include "codec/wire/vl1.h"
#include "util/array.h"

/* ---- request metadata ---- */

void zt__config_meta_default(zt_config_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->version = ZT_CONFIG_META_VERSION;
    m->vendor = ZT_CONFIG_META_VENDOR_ZEROTIER;
    m->proto_version = ZT_CONFIG_META_PROTO_VERSION;
    m->major = 1;
    m->minor = 14;
    m->revision = 1;
    m->max_rules = ZT_CONFIG_META_MAX_RULES;
    m->max_caps = ZT_CONFIG_META_MAX_CAPS;
    m->max_cap_rules = ZT_CONFIG_META_MAX_CAP_RULES;
    m->max_tags = ZT_CONFIG_META_MAX_TAGS;
    m->rules_engine_rev = ZT_CONFIG_META_RULES_ENGINE_REV;
}

zt_ssize zt__config_meta_write(const zt_config_meta *m, uint8_t *out, size_t cap)
{
    zt_wr w = zt__wr_make(out, cap < ZT_DICT_METADATA_MAX ? cap : ZT_DICT_METADATA_MAX);
    size_t olen = strnlen(m->os_arch, sizeof(m->os_arch));
    size_t alen = strnlen(m->auth, sizeof(m->auth));

    (void)zt__dict_add_u64(&w, "v", m->version);
    (void)zt__dict_add_u64(&w, "vend", m->vendor);
    (void)zt__dict_add_u64(&w, "pv", m->proto_version);
    (void)zt__dict_add_u64(&w, "majv", m->major);
    (void)zt__dict_add_u64(&w, "minv", m->minor);
    (void)zt__dict_add_u64(&w, "revv", m->revision);
    (void)zt__dict_add_u64(&w, "mr", m->max_rules);
    (void)zt__dict_add_u64(&w, "mc", m->max_caps);
    (void)zt__dict_add_u64(&w, "mcr", m->max_cap_rules);
    (void)zt__dict_add_u64(&w, "mt", m->max_tags);
    (void)zt__dict_add_u64(&w, "f", m->flags);
    (void)zt__dict_add_u64(&w, "revr", m->rules_engine_rev);
    if (olen > 0)
        (void)zt__dict_add(&w, "o", m->os_arch, olen);
    if (alen > 0)
        (void)zt__dict_add(&w, "a", m->auth, alen);
    /* Every add failure is an overflow here (the keys are fixed and valid). */
    return zt__wr_finish(&w);
}

/* Copies the value of |key| as a NUL-terminated string cut to |cap| - 1 bytes. */
static void get_string(const zt_dict *d, const char *key, char *out, size_t cap)
{
    zt_dict_entry e;
    size_t n = 0;

    out[0] = '\0';
    if (zt__dict_find(d, key, &e) != 0)
        return;
    for (size_t i = 0; i < e.val_len && n + 1 < cap; i++) {
        uint8_t c = e.val[i];
        if (c == '\\') {
            uint8_t one;
            if (++i >= e.val_len)
                break;
            if (zt__dict_unescape(e.val + i - 1, 2, &one, 1) != 1)
                break;
            c = one;
        }
        if (c == 0)
            break; /* a C string in 1.14.1 */
        out[n++] = (char)c;
    }
    out[n] = '\0';
}

int zt__config_meta_read(zt_config_meta *m, const uint8_t *md, size_t len)
{
    zt_dict d;

    zt__dict_init(&d, md, len);
    if (d.len > ZT_DICT_METADATA_MAX)
        return ZT_ERR_RANGE;
    memset(m, 0, sizeof(*m));
    m->version = zt__dict_get_u64(&d, "v", 0);
    m->vendor = zt__dict_get_u64(&d, "vend", 0);
    m->proto_version = zt__dict_get_u64(&d, "pv", 0);
    m->major = zt__dict_get_u64(&d, "majv", 0);
    m->minor = zt__dict_get_u64(&d, "minv", 0);
    m->revision = zt__dict_get_u64(&d, "revv", 0);
    m->max_rules = zt__dict_get_u64(&d, "mr", 0);
    m->max_caps = zt__dict_get_u64(&d, "mc", 0);
    m->max_cap_rules = zt__dict_get_u64(&d, "mcr", 0);
    m->max_tags = zt__dict_get_u64(&d, "mt", 0);
    m->flags = zt__dict_get_u64(&d, "f", 0);
    m->rules_engine_rev = zt__dict_get_u64(&d, "revr", 0);
    get_string(&d, "o", m->os_arch, sizeof(m->os_arch));
    get_string(&d, "a", m->auth, sizeof(m->auth));
    return 0;
}

/* ---- NETWORK_CONFIG_REQUEST ---- */

zt_ssize zt__config_request_write(uint8_t *out, size_t cap, uint64_t nwid, const uint8_t *md,
                                  size_t md_len, uint64_t have_revision,
                                  uint64_t have_timestamp)
{
    zt_wr w = zt__wr_make(out, cap);

    if (md_len > ZT_DICT_METADATA_MAX)
        return ZT_ERR_RANGE;
    zt__wr_u64(&w, nwid);
    zt__wr_u16(&w, (uint16_t)md_len);
    zt__wr_bytes(&w, md, md_len);
    zt__wr_u64(&w, have_revision);
    zt__wr_u64(&w, have_timestamp);
    return zt__wr_finish(&w);
}

int zt__config_request_parse(zt_config_request *req, const uint8_t *p, size_t len)
{
    zt_rd r = zt__rd_make(p, len);
    zt_config_request q;
    uint16_t mdlen;
    int rv;

    memset(&q, 0, sizeof(q));
    if ((rv = zt__rd_u64(&r, &q.nwid)) != 0 || (rv = zt__rd_u16(&r, &mdlen)) != 0)
        return rv;
    if (mdlen > ZT_DICT_METADATA_MAX)
        return ZT_ERR_RANGE;
    if ((rv = zt__rd_ptr(&r, &q.metadata, mdlen)) != 0)
        return rv;
    q.metadata_len = mdlen;
    if (zt__rd_left(&r) >= ZT_CONFIG_REQUEST_TRAILER_LEN) {
        (void)zt__rd_u64(&r, &q.have_revision);
        (void)zt__rd_u64(&r, &q.have_timestamp);
    }
    *req = q;
    return 0;
}

/* ---- chunks ---- */

int zt__config_chunk_parse(zt_config_chunk *c, const uint8_t *p, size_t len)
{
    zt_rd r = zt__rd_make(p, len);
    zt_config_chunk k;
    uint64_t v;
    uint16_t n, siglen;
    uint8_t sigtype;
    int rv;

    memset(&k, 0, sizeof(k));
    if ((rv = zt__rd_u64(&r, &k.nwid)) != 0 || (rv = zt__rd_u16(&r, &n)) != 0 ||
        (rv = zt__rd_ptr(&r, &k.data, n)) != 0)
        return rv;
    k.len = n;
    if (zt__rd_left(&r) == 0) {
        /* Legacy: an unsigned whole config (§3.9); only acceptable from the controller. */
        k.total_len = n;
        k.wire_len = len;
        *c = k;
        return 0;
    }
    k.is_signed = true;
    if ((rv = zt__rd_u8(&r, &k.flags)) != 0 || (rv = zt__rd_u64(&r, &k.update_id)) != 0 ||
        (rv = zt__rd_be(&r, &v, 4)) != 0)
        return rv;
    k.total_len = (uint32_t)v;
    if ((rv = zt__rd_be(&r, &v, 4)) != 0)
        return rv;
    k.index = (uint32_t)v;
    k.signed_part = p;
    k.signed_len = (size_t)(r.p - p);
    if ((rv = zt__rd_u8(&r, &sigtype)) != 0 || (rv = zt__rd_u16(&r, &siglen)) != 0)
        return rv;
    if (sigtype != ZT_CHUNK_SIG_TYPE_ED25519)
        return ZT_ERR_UNSUPPORTED;
    if (siglen != ZT_SIGNATURE_LEN)
        return ZT_ERR_INVAL;
    if ((rv = zt__rd_ptr(&r, &k.sig, ZT_SIGNATURE_LEN)) != 0)
        return rv;
    if ((uint64_t)k.index + k.len > k.total_len || k.total_len > ZT_DICT_CONFIG_MAX)
        return ZT_ERR_RANGE;
    k.wire_len = (size_t)(r.p - p);
    *c = k;
    return 0;
}

bool zt__config_chunk_verify(const zt_config_chunk *c, const zt_identity *controller)
{
    if (!c->is_signed || controller == NULL ||
        controller->address != (c->nwid >> ZT_NWID_CONTROLLER_SHIFT))
        return false;
    return zt__signature_verify(controller->pub, c->signed_part, c->signed_len, c->sig,
                                ZT_SIGNATURE_LEN);
}

uint64_t zt__config_chunk_id(const zt_config_chunk *c)
{
    uint8_t id[8] = {0};

    if (c->sig == NULL)
        return 0;
    for (unsigned i = 0; i < 16; i++)
        id[i & 7] ^= c->sig[i];
    return zt__load_be(id, 8);
}

unsigned zt__config_chunk_count(size_t dict_len)
{
    return (unsigned)((dict_len + ZT_CHUNK_MAX_DATA - 1) / ZT_CHUNK_MAX_DATA);
}

static void write_chunk(zt_wr *w, const zt_identity *controller, uint64_t nwid,
                        const uint8_t *dict, size_t dict_len, unsigned chunk_no, uint8_t flags,
                        uint64_t update_id)
{
    size_t index = (size_t)chunk_no * ZT_CHUNK_MAX_DATA;
    size_t n = dict_len - index < ZT_CHUNK_MAX_DATA ? dict_len - index : ZT_CHUNK_MAX_DATA;
    uint8_t *start = w->p;
    uint8_t sig[ZT_SIGNATURE_LEN];

    zt__wr_u64(w, nwid);
    zt__wr_u16(w, (uint16_t)n);
    zt__wr_bytes(w, dict + index, n);
    zt__wr_u8(w, flags);
    zt__wr_u64(w, update_id);
    zt__wr_be(w, dict_len, 4);
    zt__wr_be(w, index, 4);
    if (w->overflow)
        return;
    /* The signature covers the chunk up to here (§3.9). */
    (void)zt__identity_sign(controller, start, (size_t)(w->p - start), sig);
    zt__wr_u8(w, ZT_CHUNK_SIG_TYPE_ED25519);
    zt__wr_u16(w, ZT_SIGNATURE_LEN);
    zt__wr_bytes(w, sig, sizeof(sig));
}

static int check_chunk_args(const zt_identity *controller, uint64_t nwid, size_t dict_len,
                            unsigned chunk_no, uint64_t update_id)
{
    if (controller == NULL || !controller->has_secret ||
        controller->address != (nwid >> ZT_NWID_CONTROLLER_SHIFT) || update_id == 0)
        return ZT_ERR_INVAL;
    if (dict_len == 0 || dict_len > ZT_DICT_CONFIG_MAX ||
        chunk_no >= zt__config_chunk_count(dict_len))
        return ZT_ERR_RANGE;
    return 0;
}

zt_ssize zt__config_chunk_write(uint8_t *out, size_t cap, const zt_identity *controller,
                                uint64_t nwid, const uint8_t *dict, size_t dict_len,
                                unsigned chunk_no, uint8_t flags, uint64_t update_id)
{
    zt_wr w = zt__wr_make(out, cap);
    int rv = check_chunk_args(controller, nwid, dict_len, chunk_no, update_id);

    if (rv != 0)
        return rv;
    write_chunk(&w, controller, nwid, dict, dict_len, chunk_no, flags, update_id);
    return zt__wr_finish(&w);
}

zt_ssize zt__config_ok_write(uint8_t *out, size_t cap, uint64_t request_packet_id,
                             const zt_identity *controller, uint64_t nwid, const uint8_t *dict,
                             size_t dict_len, unsigned chunk_no, uint8_t flags,
                             uint64_t update_id)
{
    zt_wr w = zt__wr_make(out, cap);
    int rv = check_chunk_args(controller, nwid, dict_len, chunk_no, update_id);

    if (rv != 0)
        return rv;
    zt__wr_u8(&w, ZT_VERB_NETWORK_CONFIG_REQUEST);
    zt__wr_u64(&w, request_packet_id);
    write_chunk(&w, controller, nwid, dict, dict_len, chunk_no, flags, update_id);
    return zt__wr_finish(&w);
}

zt_ssize zt__config_push_ok_write(uint8_t *out, size_t cap, uint64_t push_packet_id,
                                  uint64_t nwid, uint64_t update_id)
{
    zt_wr w = zt__wr_make(out, cap);

    zt__wr_u8(&w, ZT_VERB_ECHO); /* sic: 1.14.1 answers NETWORK_CONFIG "in re ECHO" */
    zt__wr_u64(&w, push_packet_id);
    zt__wr_u64(&w, nwid);
    zt__wr_u64(&w, update_id);
    return zt__wr_finish(&w);
}

/* ---- reassembly ---- */

typedef struct asm_slot {
    bool used;
    bool complete;
    uint64_t update_id;
    uint64_t last_use;         /* a->clock when last touched: LRU without a wall clock */
    uint32_t total;
    uint32_t received;         /* bytes; equals the covered length since overlaps are refused */
    unsigned nchunks;
    uint64_t ids[ZT_CHUNK_MAX_PER_CONFIG];
    uint32_t starts[ZT_CHUNK_MAX_PER_CONFIG];
    uint32_t lens[ZT_CHUNK_MAX_PER_CONFIG];
    uint8_t flags[ZT_CHUNK_MAX_PER_CONFIG];
    uint8_t *sigs;             /* ZT_SIGNATURE_LEN bytes per chunk, kept for the cache */
    size_t sigs_cap;           /* chunks |sigs| has room for */
    uint8_t *buf;
    size_t buf_cap;
} asm_slot;

struct zt_config_asm {
    const zt_mem *mem;
    uint64_t nwid;
    size_t max_total;
    uint64_t clock;
    asm_slot slots[ZT_CHUNK_SLOTS];
};

int zt__config_asm_new(zt_config_asm **pa, uint64_t nwid, size_t max_total, const zt_mem *mem)
{
    zt_config_asm *a = zt__mem_calloc(mem, 1, sizeof(*a));

    if (a == NULL)
        return ZT_ERR_NOMEM;
    a->mem = mem;
    a->nwid = nwid;
    a->max_total = max_total == 0 || max_total > ZT_DICT_CONFIG_MAX ? ZT_DICT_CONFIG_MAX
                                                                    : max_total;
    *pa = a;
    return 0;
}

void zt__config_asm_del(zt_config_asm *a)
{
    if (a == NULL)
        return;
    for (unsigned i = 0; i < ZT_CHUNK_SLOTS; i++) {
        zt__mem_free(a->mem, a->slots[i].buf);
        zt__mem_free(a->mem, a->slots[i].sigs);
    }
    zt__mem_free(a->mem, a);
}

static asm_slot *lru_slot(zt_config_asm *a)
{
    asm_slot *best = &a->slots[0];

    for (unsigned i = 0; i < ZT_CHUNK_SLOTS; i++) {
        asm_slot *s = &a->slots[i];
        if (!s->used)
            return s;
        if (s->last_use < best->last_use)
            best = s;
    }
    return best;
}

/* Starts update |update_id| of |total| bytes in the least recently used slot, put in *ps; its
 * buffer is reused when big enough.  On failure the slot is left unused. */
static int slot_claim(zt_config_asm *a, uint64_t update_id, uint32_t total, asm_slot **ps)
{
    asm_slot *s = lru_slot(a);

    if (s->buf_cap < total) {
        uint8_t *buf = zt__mem_calloc(a->mem, 1, total);
        if (buf == NULL) {
            s->used = false;
            return ZT_ERR_NOMEM;
        }
        zt__mem_free(a->mem, s->buf);
        s->buf = buf;
        s->buf_cap = total;
    }
    s->used = true;
    s->complete = false;
    s->update_id = update_id;
    s->total = total;
    s->received = 0;
    s->nchunks = 0;
    *ps = s;
    return 0;
}

/* |s| holds its whole config: hands it out. */
static int slot_complete(asm_slot *s, const uint8_t **pdict, size_t *plen, uint64_t *pupdate_id)
{
    s->complete = true;
    *pdict = s->buf;
    *plen = s->total;
    *pupdate_id = s->update_id;
    return 0;
}

/* Room in |s| for one more chunk's signature (growing, up to ZT_CHUNK_MAX_PER_CONFIG). */
static int slot_sig_room(zt_config_asm *a, asm_slot *s)
{
    return zt__array_grow(a->mem, &s->sigs, &s->sigs_cap, (size_t)s->nchunks + 1,
                          ZT_SIGNATURE_LEN, ZT_CHUNK_MAX_PER_CONFIG);
}

static bool slot_has_id(const asm_slot *s, uint64_t id)
{
    for (unsigned i = 0; i < s->nchunks; i++)
        if (s->ids[i] == id)
            return true;
    return false;
}

static bool slot_overlaps(const asm_slot *s, uint32_t start, uint32_t len)
{
    for (unsigned i = 0; i < s->nchunks; i++)
        if (start < s->starts[i] + s->lens[i] && s->starts[i] < start + len)
            return true;
    return false;
}

static int add_legacy(zt_config_asm *a, const zt_config_chunk *c, bool from_controller,
                      const uint8_t **pdict, size_t *plen, uint64_t *pupdate_id)
{
    asm_slot *s;
    int rv;

    if (!from_controller)
        return ZT_ERR_AUTH;
    if (c->len == 0 || c->len > a->max_total)
        return ZT_ERR_RANGE;
    if ((rv = slot_claim(a, 0, (uint32_t)c->len, &s)) != 0)
        return rv;
    memcpy(s->buf, c->data, c->len);
    s->received = s->total;
    s->last_use = ++a->clock;
    return slot_complete(s, pdict, plen, pupdate_id);
}

int zt__config_asm_add(zt_config_asm *a, const zt_config_chunk *c, const zt_identity *controller,
                       bool from_controller, const uint8_t **pdict, size_t *plen,
                       uint64_t *pupdate_id)
{
    asm_slot *s = NULL;
    uint64_t id;
    int rv;

    if (c->nwid != a->nwid)
        return ZT_ERR_INVAL;
    if (!c->is_signed)
        return add_legacy(a, c, from_controller, pdict, plen, pupdate_id);
    if (c->update_id == 0)
        return ZT_ERR_INVAL;
    if (c->len == 0 || c->total_len == 0 || c->total_len > a->max_total ||
        (uint64_t)c->index + c->len > c->total_len)
        return ZT_ERR_RANGE;

    /* Step 3: the slot of this update, refusing duplicates; else the least recently used. */
    id = zt__config_chunk_id(c);
    for (unsigned i = 0; i < ZT_CHUNK_SLOTS; i++) {
        if (a->slots[i].used && a->slots[i].update_id == c->update_id) {
            s = &a->slots[i];
            break;
        }
    }
    if (s != NULL && slot_has_id(s, id))
        return ZT_ERR_EXISTS;

    /* Step 4: nothing changes for a chunk the controller did not sign. */
    if (controller == NULL)
        return ZT_ERR_NOTFOUND;
    if (!zt__config_chunk_verify(c, controller))
        return ZT_ERR_AUTH;

    /* Step 6, with two checks 1.14.1 lacks: all chunks of an update must agree on the total,
     * and none may overlap another (completion counts bytes, so overlaps would leave holes). */
    if (s == NULL && (rv = slot_claim(a, c->update_id, c->total_len, &s)) != 0)
        return rv;
    if (s->total != c->total_len)
        return ZT_ERR_RANGE;
    if (s->nchunks >= ZT_CHUNK_MAX_PER_CONFIG)
        return ZT_ERR_LIMIT;
    if (slot_overlaps(s, c->index, (uint32_t)c->len))
        return ZT_ERR_RANGE;
    if ((rv = slot_sig_room(a, s)) != 0)
        return rv;
    memcpy(s->buf + c->index, c->data, c->len);
    s->ids[s->nchunks] = id;
    s->starts[s->nchunks] = c->index;
    s->lens[s->nchunks] = (uint32_t)c->len;
    s->flags[s->nchunks] = c->flags;
    memcpy(s->sigs + (size_t)s->nchunks * ZT_SIGNATURE_LEN, c->sig, ZT_SIGNATURE_LEN);
    s->nchunks++;
    s->received += (uint32_t)c->len;
    s->last_use = ++a->clock;
    if (s->received != s->total)
        return ZT_ERR_AGAIN;
    return slot_complete(s, pdict, plen, pupdate_id);
}

bool zt__config_asm_chunk_sig(const zt_config_asm *a, uint64_t update_id, unsigned i,
                              zt_config_chunk_sig *out)
{
    for (unsigned k = 0; update_id != 0 && k < ZT_CHUNK_SLOTS; k++) {
        const asm_slot *s = &a->slots[k];
        if (!s->used || !s->complete || s->update_id != update_id)
            continue;
        if (i >= s->nchunks)
            return false;
        out->total = s->total;
        out->index = s->starts[i];
        out->len = s->lens[i];
        out->flags = s->flags[i];
        out->sig = s->sigs + (size_t)i * ZT_SIGNATURE_LEN;
        return true;
    }
    return false;
}

/* ---- ERROR ---- */

int zt__vl2_error_parse(zt_vl2_error *e, const uint8_t *p, size_t len)
{
    zt_rd r = zt__rd_make(p, len);
    zt_vl2_error x;
    uint16_t n;
    int rv;

    memset(&x, 0, sizeof(x));
    if ((rv = zt__rd_u8(&r, &x.in_re_verb)) != 0 ||
        (rv = zt__rd_u64(&r, &x.in_re_packet_id)) != 0 || (rv = zt__rd_u8(&r, &x.code)) != 0 ||
        (rv = zt__rd_u64(&r, &x.nwid)) != 0)
        return rv;
    if (x.code == ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED && zt__rd_left(&r) >= 2) {
        (void)zt__rd_u16(&r, &n);
        if ((rv = zt__rd_ptr(&r, &x.auth_dict, n)) != 0)
            return rv;
        x.auth_dict_len = n;
    } else if (x.code == ZT_ERROR_UNWANTED_MULTICAST && zt__rd_left(&r) >= 10) {
        uint64_t v;
        (void)zt__rd_be(&r, &v, ZT_MAC_LEN);
        x.group.mac = v;
        (void)zt__rd_be(&r, &v, 4);
        x.group.adi = (uint32_t)v;
        x.has_group = true;
    }
    *e = x;
    return 0;
}

zt_ssize zt__vl2_error_write(uint8_t *out, size_t cap, uint8_t in_re_verb, uint64_t packet_id,
                             uint8_t code, uint64_t nwid)
{
    zt_wr w = zt__wr_make(out, cap);

    zt__wr_u8(&w, in_re_verb);
    zt__wr_u64(&w, packet_id);
    zt__wr_u8(&w, code);
    zt__wr_u64(&w, nwid);
    return zt__wr_finish(&w);
}
