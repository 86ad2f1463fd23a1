/* credential.c: capability, tag, revocation and COO (vl2.md §5), their acceptance (§5.8), and
 * the wire pieces every credential shares (credential_internal.h).  COM: com.c; the
 * NETWORK_CREDENTIALS payload: netcreds.c. */
#include "codec/credential_internal.h"

#include <string.h>

#include "crypto/crypto.h"

#define CAP_LEN_MAX 2304 /* 23 + 64 rules * 21 + 1 + 7 custody * 109 + 5 + 2, rounded up */
#define COO_LEN_MAX 512  /* 37 + 16 things * 17 + 10 + 99 + 2, rounded up */
#define SIGNED_FRAME 18  /* 8 pad + u16 0 + 8 pad around every body (§5.1) */

static uint64_t controller_of(uint64_t nwid)
{
    return nwid >> 24;
}

/* ---- shared pieces ---- */

int zt__cred_rd_addr(zt_rd *r, uint64_t *out)
{
    return zt__rd_be(r, out, ZT_ADDRESS_LEN);
}

static int rd_u32(zt_rd *r, uint32_t *out)
{
    uint64_t v;
    int rv = zt__rd_be(r, &v, 4);
    if (rv == 0)
        *out = (uint32_t)v;
    return rv;
}

static int rd_i64(zt_rd *r, int64_t *out)
{
    uint64_t v;
    int rv = zt__rd_u64(r, &v);
    if (rv == 0)
        *out = (int64_t)v;
    return rv;
}

/* Signature block: u8 type, u16 length, bytes.  Type 1 must carry exactly 96 bytes; any other
 * type is skipped using its length and leaves the credential unsigned (§5.4). */
static int rd_sig(zt_rd *r, bool *has_sig, uint8_t sig[ZT_SIGNATURE_LEN])
{
    uint8_t type;
    uint16_t len;
    int rv;

    if ((rv = zt__rd_u8(r, &type)) != 0 || (rv = zt__rd_u16(r, &len)) != 0)
        return rv;
    memset(sig, 0, ZT_SIGNATURE_LEN);
    if (type == ZT_CRED_SIG_TYPE_ED25519) {
        if (len != ZT_SIGNATURE_LEN)
            return ZT_ERR_DROP;
        if ((rv = zt__rd_bytes(r, sig, ZT_SIGNATURE_LEN)) != 0)
            return rv;
        *has_sig = true;
        return 0;
    }
    *has_sig = false;
    return zt__rd_skip(r, len);
}

/* An unsigned credential is written with signature type 0 and length 0. */
static void wr_sig(zt_wr *w, bool has_sig, const uint8_t sig[ZT_SIGNATURE_LEN])
{
    if (has_sig) {
        zt__wr_u8(w, ZT_CRED_SIG_TYPE_ED25519);
        zt__wr_u16(w, ZT_SIGNATURE_LEN);
        zt__wr_bytes(w, sig, ZT_SIGNATURE_LEN);
    } else {
        zt__wr_u8(w, 0);
        zt__wr_u16(w, 0);
    }
}

/* Extension: u16 length and that many bytes, skipped. */
static int rd_ext(zt_rd *r)
{
    uint16_t len;
    int rv = zt__rd_u16(r, &len);
    return rv != 0 ? rv : zt__rd_skip(r, len);
}

static void wr_pad(zt_wr *w)
{
    uint8_t pad[8];
    memset(pad, ZT_CRED_SIGNED_PAD, sizeof(pad));
    zt__wr_bytes(w, pad, sizeof(pad));
}

/* Common verification: the credential names |claimed| as signer, which must be the network's
 * controller, and |signer| must be that identity. */
int zt__cred_verify_signed(const zt_identity *signer, uint64_t claimed, uint64_t nwid, bool has_sig,
                           const uint8_t *sig, const uint8_t *msg, size_t len)
{
    if (claimed == 0 || claimed != controller_of(nwid))
        return ZT_ERR_AUTH;
    if (signer == NULL || signer->address != claimed)
        return ZT_ERR_INVAL;
    if (!has_sig || !zt__signature_verify(signer->pub, msg, len, sig, ZT_SIGNATURE_LEN))
        return ZT_ERR_AUTH;
    return 0;
}

bool zt__cred_can_sign_for(const zt_identity *controller, uint64_t nwid)
{
    return controller != NULL && controller->has_secret &&
           controller->address == controller_of(nwid);
}

/* ---------------------------------------------------------------- capability */

static void capability_write_body(zt_wr *w, const zt_capability *cap)
{
    unsigned n = cap->rule_count < ZT_RULES_CAPABILITY_MAX ? cap->rule_count
                                                           : ZT_RULES_CAPABILITY_MAX;
    zt__wr_u64(w, cap->nwid);
    zt__wr_u64(w, (uint64_t)cap->timestamp);
    zt__wr_be(w, cap->id, 4);
    zt__wr_u16(w, (uint16_t)n);
    zt__rules_write(w, cap->rules, n);
    zt__wr_u8(w, cap->max_custody);
}

int zt__capability_read(zt_rd *r, zt_capability *cap)
{
    zt_capability out;
    uint16_t nrules;
    int rv;

    memset(&out, 0, sizeof(out));
    if ((rv = zt__rd_u64(r, &out.nwid)) != 0 || (rv = rd_i64(r, &out.timestamp)) != 0 ||
        (rv = rd_u32(r, &out.id)) != 0 || (rv = zt__rd_u16(r, &nrules)) != 0)
        return rv;
    if (nrules > ZT_RULES_CAPABILITY_MAX)
        return ZT_ERR_RANGE;
    if ((rv = zt__rules_read_n(r, out.rules, nrules)) != 0)
        return rv;
    out.rule_count = nrules;
    if ((rv = zt__rd_u8(r, &out.max_custody)) != 0)
        return rv;
    if (out.max_custody < 1 || out.max_custody > ZT_CAP_MAX_CUSTODY)
        return ZT_ERR_RANGE;
    for (;;) {
        uint64_t to;
        zt_cap_custody *c;

        if ((rv = zt__cred_rd_addr(r, &to)) != 0)
            return rv;
        if (to == 0)
            break; /* terminator */
        if (out.custody_count >= out.max_custody)
            return ZT_ERR_RANGE;
        c = &out.custody[out.custody_count];
        c->to = to;
        if ((rv = zt__cred_rd_addr(r, &c->from)) != 0 || (rv = rd_sig(r, &c->has_sig, c->sig)) != 0)
            return rv;
        out.custody_count++;
    }
    if ((rv = rd_ext(r)) != 0)
        return rv;
    *cap = out;
    return 0;
}

void zt__capability_write(zt_wr *w, const zt_capability *cap)
{
    unsigned n = cap->custody_count < ZT_CAP_MAX_CUSTODY ? cap->custody_count
                                                          : ZT_CAP_MAX_CUSTODY;
    capability_write_body(w, cap);
    for (unsigned i = 0; i < n; i++) {
        zt__wr_be(w, cap->custody[i].to, ZT_ADDRESS_LEN);
        zt__wr_be(w, cap->custody[i].from, ZT_ADDRESS_LEN);
        wr_sig(w, cap->custody[i].has_sig, cap->custody[i].sig);
    }
    zt__wr_be(w, 0, ZT_ADDRESS_LEN);
    zt__wr_u16(w, 0);
}

zt_ssize zt__capability_signed_message(const zt_capability *cap, uint8_t *out, size_t cap_len)
{
    zt_wr w = zt__wr_make(out, cap_len);
    wr_pad(&w);
    capability_write_body(&w, cap);
    zt__wr_u16(&w, 0);
    wr_pad(&w);
    return zt__wr_finish(&w);
}

int zt__capability_sign(zt_capability *cap, const zt_identity *signer, uint64_t to)
{
    uint8_t msg[CAP_LEN_MAX];
    unsigned n = cap->custody_count;
    zt_cap_custody *c;
    zt_ssize len;
    int rv;

    if (signer == NULL || !signer->has_secret)
        return ZT_ERR_INVAL;
    if (n >= cap->max_custody || n >= ZT_CAP_MAX_CUSTODY)
        return ZT_ERR_LIMIT;
    if (n == 0 ? signer->address != controller_of(cap->nwid)
               : signer->address != cap->custody[n - 1].to)
        return ZT_ERR_INVAL;
    len = zt__capability_signed_message(cap, msg, sizeof(msg));
    if (len < 0)
        return ZT_ERR_INVAL;
    c = &cap->custody[n];
    rv = zt__identity_sign(signer, msg, (size_t)len, c->sig);
    if (rv != 0)
        return rv;
    c->to = to;
    c->from = signer->address;
    c->has_sig = true;
    cap->custody_count = n + 1;
    return 0;
}

int zt__capability_verify(const zt_capability *cap, const zt_identity *controller,
                          zt_identity_lookup lookup, void *arg)
{
    uint8_t msg[CAP_LEN_MAX];
    zt_ssize len;

    if (cap->custody_count == 0 || cap->custody_count > ZT_CAP_MAX_CUSTODY)
        return ZT_ERR_AUTH;
    len = zt__capability_signed_message(cap, msg, sizeof(msg));
    if (len < 0)
        return ZT_ERR_AUTH;
    for (unsigned i = 0; i < cap->custody_count; i++) {
        const zt_cap_custody *c = &cap->custody[i];
        const zt_identity *id;
        int rv;

        if (i == 0) {
            rv = zt__cred_verify_signed(controller, c->from, cap->nwid, c->has_sig, c->sig, msg,
                                        (size_t)len);
        } else {
            if (c->from != cap->custody[i - 1].to)
                return ZT_ERR_AUTH;
            id = lookup != NULL ? lookup(arg, c->from) : NULL;
            if (id == NULL)
                return ZT_ERR_AGAIN;
            if (id->address != c->from || !c->has_sig ||
                !zt__signature_verify(id->pub, msg, (size_t)len, c->sig, ZT_SIGNATURE_LEN))
                rv = ZT_ERR_AUTH;
            else
                rv = 0;
        }
        if (rv != 0)
            return rv;
    }
    return 0;
}

uint64_t zt__capability_issued_to(const zt_capability *cap)
{
    unsigned n = cap->custody_count;
    if (n == 0 || n > ZT_CAP_MAX_CUSTODY)
        return 0;
    return cap->custody[n - 1].to;
}

/* ---------------------------------------------------------------- tag */

static void tag_write_body(zt_wr *w, const zt_tag *tag)
{
    zt__wr_u64(w, tag->nwid);
    zt__wr_u64(w, (uint64_t)tag->timestamp);
    zt__wr_be(w, tag->id, 4);
    zt__wr_be(w, tag->value, 4);
    zt__wr_be(w, tag->issued_to, ZT_ADDRESS_LEN);
    zt__wr_be(w, tag->signer, ZT_ADDRESS_LEN);
}

int zt__tag_read(zt_rd *r, zt_tag *tag)
{
    zt_tag out;
    int rv;

    memset(&out, 0, sizeof(out));
    if ((rv = zt__rd_u64(r, &out.nwid)) != 0 || (rv = rd_i64(r, &out.timestamp)) != 0 ||
        (rv = rd_u32(r, &out.id)) != 0 || (rv = rd_u32(r, &out.value)) != 0 ||
        (rv = zt__cred_rd_addr(r, &out.issued_to)) != 0 ||
        (rv = zt__cred_rd_addr(r, &out.signer)) != 0 ||
        (rv = rd_sig(r, &out.has_sig, out.sig)) != 0 || (rv = rd_ext(r)) != 0)
        return rv;
    *tag = out;
    return 0;
}

void zt__tag_write(zt_wr *w, const zt_tag *tag)
{
    tag_write_body(w, tag);
    wr_sig(w, tag->has_sig, tag->sig);
    zt__wr_u16(w, 0);
}

zt_ssize zt__tag_signed_message(const zt_tag *tag, uint8_t *out, size_t cap)
{
    zt_wr w = zt__wr_make(out, cap);
    wr_pad(&w);
    tag_write_body(&w, tag);
    zt__wr_u16(&w, 0);
    wr_pad(&w);
    return zt__wr_finish(&w);
}

int zt__tag_sign(zt_tag *tag, const zt_identity *controller)
{
    uint8_t msg[34 + SIGNED_FRAME];
    zt_ssize n;

    if (!zt__cred_can_sign_for(controller, tag->nwid))
        return ZT_ERR_INVAL;
    tag->signer = controller->address;
    n = zt__tag_signed_message(tag, msg, sizeof(msg));
    if (n < 0)
        return ZT_ERR_INVAL;
    tag->has_sig = true;
    return zt__identity_sign(controller, msg, (size_t)n, tag->sig);
}

int zt__tag_verify(const zt_tag *tag, const zt_identity *signer)
{
    uint8_t msg[34 + SIGNED_FRAME];
    zt_ssize n = zt__tag_signed_message(tag, msg, sizeof(msg));

    if (n < 0)
        return ZT_ERR_AUTH;
    return zt__cred_verify_signed(signer, tag->signer, tag->nwid, tag->has_sig, tag->sig, msg,
                                  (size_t)n);
}

/* ---------------------------------------------------------------- revocation */

static void revocation_write_body(zt_wr *w, const zt_revocation *rev)
{
    zt__wr_be(w, 0, 4);
    zt__wr_be(w, rev->id, 4);
    zt__wr_u64(w, rev->nwid);
    zt__wr_be(w, 0, 4);
    zt__wr_be(w, rev->credential_id, 4);
    zt__wr_u64(w, (uint64_t)rev->threshold);
    zt__wr_u64(w, rev->flags);
    zt__wr_be(w, rev->target, ZT_ADDRESS_LEN);
    zt__wr_be(w, rev->signer, ZT_ADDRESS_LEN);
    zt__wr_u8(w, rev->type);
}

int zt__revocation_read(zt_rd *r, zt_revocation *rev)
{
    zt_revocation out;
    uint32_t reserved;
    int rv;

    memset(&out, 0, sizeof(out));
    /* the two reserved u32 are read and ignored */
    if ((rv = rd_u32(r, &reserved)) != 0 || (rv = rd_u32(r, &out.id)) != 0 ||
        (rv = zt__rd_u64(r, &out.nwid)) != 0 || (rv = rd_u32(r, &reserved)) != 0 ||
        (rv = rd_u32(r, &out.credential_id)) != 0 || (rv = rd_i64(r, &out.threshold)) != 0 ||
        (rv = zt__rd_u64(r, &out.flags)) != 0 || (rv = zt__cred_rd_addr(r, &out.target)) != 0 ||
        (rv = zt__cred_rd_addr(r, &out.signer)) != 0 || (rv = zt__rd_u8(r, &out.type)) != 0 ||
        (rv = rd_sig(r, &out.has_sig, out.sig)) != 0 || (rv = rd_ext(r)) != 0)
        return rv;
    *rev = out;
    return 0;
}

void zt__revocation_write(zt_wr *w, const zt_revocation *rev)
{
    revocation_write_body(w, rev);
    wr_sig(w, rev->has_sig, rev->sig);
    zt__wr_u16(w, 0);
}

zt_ssize zt__revocation_signed_message(const zt_revocation *rev, uint8_t *out, size_t cap)
{
    zt_wr w = zt__wr_make(out, cap);
    wr_pad(&w);
    revocation_write_body(&w, rev);
    zt__wr_u16(&w, 0);
    wr_pad(&w);
    return zt__wr_finish(&w);
}

int zt__revocation_sign(zt_revocation *rev, const zt_identity *controller)
{
    uint8_t msg[51 + SIGNED_FRAME];
    zt_ssize n;

    if (!zt__cred_can_sign_for(controller, rev->nwid))
        return ZT_ERR_INVAL;
    rev->signer = controller->address;
    n = zt__revocation_signed_message(rev, msg, sizeof(msg));
    if (n < 0)
        return ZT_ERR_INVAL;
    rev->has_sig = true;
    return zt__identity_sign(controller, msg, (size_t)n, rev->sig);
}

int zt__revocation_verify(const zt_revocation *rev, const zt_identity *signer)
{
    uint8_t msg[51 + SIGNED_FRAME];
    zt_ssize n = zt__revocation_signed_message(rev, msg, sizeof(msg));

    if (n < 0)
        return ZT_ERR_AUTH;
    return zt__cred_verify_signed(signer, rev->signer, rev->nwid, rev->has_sig, rev->sig, msg,
                                  (size_t)n);
}

/* ---------------------------------------------------------------- COO */

static void coo_write_body(zt_wr *w, const zt_coo *coo)
{
    unsigned n = coo->thing_count < ZT_COO_MAX_THINGS ? coo->thing_count : ZT_COO_MAX_THINGS;

    zt__wr_u64(w, coo->nwid);
    zt__wr_u64(w, (uint64_t)coo->timestamp);
    zt__wr_u64(w, coo->flags);
    zt__wr_be(w, coo->id, 4);
    zt__wr_u16(w, (uint16_t)n);
    for (unsigned i = 0; i < n; i++) {
        zt__wr_u8(w, coo->things[i].type);
        zt__wr_bytes(w, coo->things[i].value, 16);
    }
    zt__wr_be(w, coo->issued_to, ZT_ADDRESS_LEN);
    zt__wr_be(w, coo->signer, ZT_ADDRESS_LEN);
}

int zt__coo_read(zt_rd *r, zt_coo *coo)
{
    zt_coo out;
    uint16_t count;
    int rv;

    memset(&out, 0, sizeof(out));
    if ((rv = zt__rd_u64(r, &out.nwid)) != 0 || (rv = rd_i64(r, &out.timestamp)) != 0 ||
        (rv = zt__rd_u64(r, &out.flags)) != 0 || (rv = rd_u32(r, &out.id)) != 0 ||
        (rv = zt__rd_u16(r, &count)) != 0)
        return rv;
    for (unsigned i = 0; i < count; i++) {
        zt_rules_owned thing;
        if ((rv = zt__rd_u8(r, &thing.type)) != 0 || (rv = zt__rd_bytes(r, thing.value, 16)) != 0)
            return rv;
        if (out.thing_count < ZT_COO_MAX_THINGS)
            out.things[out.thing_count++] = thing; /* more than 16 are skipped (§5.6) */
    }
    if ((rv = zt__cred_rd_addr(r, &out.issued_to)) != 0 ||
        (rv = zt__cred_rd_addr(r, &out.signer)) != 0 ||
        (rv = rd_sig(r, &out.has_sig, out.sig)) != 0 || (rv = rd_ext(r)) != 0)
        return rv;
    *coo = out;
    return 0;
}

void zt__coo_write(zt_wr *w, const zt_coo *coo)
{
    coo_write_body(w, coo);
    wr_sig(w, coo->has_sig, coo->sig);
    zt__wr_u16(w, 0);
}

zt_ssize zt__coo_signed_message(const zt_coo *coo, uint8_t *out, size_t cap)
{
    zt_wr w = zt__wr_make(out, cap);
    wr_pad(&w);
    coo_write_body(&w, coo);
    zt__wr_u16(&w, 0);
    wr_pad(&w);
    return zt__wr_finish(&w);
}

int zt__coo_sign(zt_coo *coo, const zt_identity *controller)
{
    uint8_t msg[COO_LEN_MAX];
    zt_ssize n;

    if (!zt__cred_can_sign_for(controller, coo->nwid))
        return ZT_ERR_INVAL;
    coo->signer = controller->address;
    n = zt__coo_signed_message(coo, msg, sizeof(msg));
    if (n < 0)
        return ZT_ERR_INVAL;
    coo->has_sig = true;
    return zt__identity_sign(controller, msg, (size_t)n, coo->sig);
}

int zt__coo_verify(const zt_coo *coo, const zt_identity *signer)
{
    uint8_t msg[COO_LEN_MAX];
    zt_ssize n = zt__coo_signed_message(coo, msg, sizeof(msg));

    if (n < 0)
        return ZT_ERR_AUTH;
    return zt__cred_verify_signed(signer, coo->signer, coo->nwid, coo->has_sig, coo->sig, msg,
                                  (size_t)n);
}

static size_t thing_len(uint8_t type)
{
    switch (type) {
    case ZT_COO_THING_MAC:
        return 6;
    case ZT_COO_THING_IPV4:
        return 4;
    case ZT_COO_THING_IPV6:
        return 16;
    default:
        return 0;
    }
}

int zt__coo_add_thing(zt_coo *coo, uint8_t type, const uint8_t *value, size_t len)
{
    zt_rules_owned *t;

    if (thing_len(type) == 0 || len != thing_len(type))
        return ZT_ERR_INVAL;
    if (coo->thing_count >= ZT_COO_MAX_THINGS)
        return ZT_ERR_LIMIT;
    t = &coo->things[coo->thing_count++];
    memset(t, 0, sizeof(*t));
    t->type = type;
    memcpy(t->value, value, len);
    return 0;
}

bool zt__coo_owns(const zt_coo *coo, uint8_t type, const uint8_t *value, size_t len)
{
    if (len > 16)
        return false;
    for (unsigned i = 0; i < coo->thing_count && i < ZT_COO_MAX_THINGS; i++)
        if (coo->things[i].type == type && memcmp(coo->things[i].value, value, len) == 0)
            return true;
    return false;
}

/* ---------------------------------------------------------------- acceptance (§5.8) */

zt_cred_admit zt__cred_admit(uint64_t in_nwid, uint64_t in_signer, int64_t ts, uint64_t nwid,
                             bool has_held, int64_t held_ts, bool identical,
                             const int64_t *revocation_threshold)
{
    if (in_nwid != nwid)
        return ZT_CRED_REJECT_NETWORK;
    if (in_signer == 0 || in_signer != controller_of(nwid))
        return ZT_CRED_REJECT_SIGNER;
    if (revocation_threshold != NULL && *revocation_threshold >= ts)
        return ZT_CRED_REJECT_REVOKED;
    if (has_held && held_ts > ts)
        return ZT_CRED_REJECT_OLDER;
    if (identical)
        return ZT_CRED_ADMIT_REDUNDANT;
    return ZT_CRED_ADMIT_NEW;
}

static bool tag_equal(const zt_tag *a, const zt_tag *b)
{
    uint8_t x[ZT_TAG_LEN], y[ZT_TAG_LEN];
    zt_wr wa = zt__wr_make(x, sizeof(x)), wb = zt__wr_make(y, sizeof(y));

    zt__tag_write(&wa, a);
    zt__tag_write(&wb, b);
    return zt__wr_len(&wa) == zt__wr_len(&wb) && memcmp(x, y, zt__wr_len(&wa)) == 0;
}

zt_cred_admit zt__tag_admit(const zt_tag *in, uint64_t nwid, const zt_tag *held,
                            const int64_t *revocation_threshold)
{
    return zt__cred_admit(in->nwid, in->signer, in->timestamp, nwid, held != NULL,
                          held != NULL ? held->timestamp : 0, held != NULL && tag_equal(in, held),
                          revocation_threshold);
}

static bool capability_equal(const zt_capability *a, const zt_capability *b)
{
    uint8_t x[CAP_LEN_MAX], y[CAP_LEN_MAX];
    zt_wr wa = zt__wr_make(x, sizeof(x)), wb = zt__wr_make(y, sizeof(y));

    zt__capability_write(&wa, a);
    zt__capability_write(&wb, b);
    return !wa.overflow && !wb.overflow && zt__wr_len(&wa) == zt__wr_len(&wb) &&
           memcmp(x, y, zt__wr_len(&wa)) == 0;
}

zt_cred_admit zt__capability_admit(const zt_capability *in, uint64_t nwid,
                                   const zt_capability *held,
                                   const int64_t *revocation_threshold)
{
    uint64_t signer = in->custody_count > 0 ? in->custody[0].from : 0;
    return zt__cred_admit(in->nwid, signer, in->timestamp, nwid, held != NULL,
                          held != NULL ? held->timestamp : 0,
                          held != NULL && capability_equal(in, held), revocation_threshold);
}

static bool coo_equal(const zt_coo *a, const zt_coo *b)
{
    uint8_t x[COO_LEN_MAX], y[COO_LEN_MAX];
    zt_wr wa = zt__wr_make(x, sizeof(x)), wb = zt__wr_make(y, sizeof(y));

    zt__coo_write(&wa, a);
    zt__coo_write(&wb, b);
    return zt__wr_len(&wa) == zt__wr_len(&wb) && memcmp(x, y, zt__wr_len(&wa)) == 0;
}

zt_cred_admit zt__coo_admit(const zt_coo *in, uint64_t nwid, const zt_coo *held,
                            const int64_t *revocation_threshold)
{
    return zt__cred_admit(in->nwid, in->signer, in->timestamp, nwid, held != NULL,
                          held != NULL ? held->timestamp : 0, held != NULL && coo_equal(in, held),
                          revocation_threshold);
}

zt_cred_admit zt__revocation_admit(const zt_revocation *in, uint64_t nwid,
                                   const int64_t *current_threshold)
{
    if (in->nwid != nwid)
        return ZT_CRED_REJECT_NETWORK;
    if (in->signer == 0 || in->signer != controller_of(nwid))
        return ZT_CRED_REJECT_SIGNER;
    if (current_threshold != NULL && *current_threshold >= in->threshold)
        return ZT_CRED_ADMIT_REDUNDANT;
    return ZT_CRED_ADMIT_NEW;
}

bool zt__credential_usable(int64_t ts, int64_t config_ts, int64_t ctmd,
                           const int64_t *revocation_threshold)
{
    /* unsigned arithmetic: the true distance always fits in 64 bits */
    uint64_t d = ts > config_ts ? (uint64_t)ts - (uint64_t)config_ts
                                : (uint64_t)config_ts - (uint64_t)ts;

    if (ctmd < 0 || d > (uint64_t)ctmd)
        return false;
    return revocation_threshold == NULL || *revocation_threshold < ts;
}
