/* com.c: the certificate of membership (vl2.md §5.2) and its acceptance (§5.8). */
#include "codec/credential_internal.h"

#include <string.h>

#include "crypto/crypto.h"

/* ---------------------------------------------------------------- COM */

int zt__com_identity_hash(const zt_identity *id, uint64_t out[4])
{
    uint8_t buf[ZT_ADDRESS_LEN + ZT_IDENTITY_KEY_LEN], digest[ZT_SHA384_LEN];
    int rv;

    zt__store_be(buf, id->address, ZT_ADDRESS_LEN);
    memcpy(buf + ZT_ADDRESS_LEN, id->pub, ZT_IDENTITY_KEY_LEN);
    rv = zt__sha384(digest, buf, sizeof(buf));
    if (rv != 0)
        return rv;
    for (int i = 0; i < 4; i++)
        out[i] = zt__load_be(digest + 8 * i, 8);
    return 0;
}

int zt__com_init(zt_com *com, uint64_t nwid, int64_t timestamp, uint64_t ctmd,
                 const zt_identity *member)
{
    uint64_t h[4];
    int rv = zt__com_identity_hash(member, h);

    if (rv != 0)
        return rv;
    memset(com, 0, sizeof(*com));
    com->q[0] = (zt_com_qualifier){ZT_COM_Q_TIMESTAMP, (uint64_t)timestamp, ctmd};
    com->q[1] = (zt_com_qualifier){ZT_COM_Q_NETWORK_ID, nwid, 0};
    com->q[2] = (zt_com_qualifier){ZT_COM_Q_ISSUED_TO, member->address, UINT64_MAX};
    for (int i = 0; i < 4; i++)
        com->q[3 + i] = (zt_com_qualifier){(uint64_t)(ZT_COM_Q_IDENTITY_0 + i), h[i], UINT64_MAX};
    com->count = ZT_COM_QUALIFIERS_ISSUED;
    return 0;
}

static const zt_com_qualifier *com_find(const zt_com *com, uint64_t id)
{
    for (unsigned i = 0; i < com->count && i < ZT_COM_MAX_QUALIFIERS; i++)
        if (com->q[i].id == id)
            return &com->q[i];
    return NULL;
}

uint64_t zt__com_qualifier(const zt_com *com, uint64_t id)
{
    const zt_com_qualifier *q = com_find(com, id);
    return q != NULL ? q->value : 0;
}

int zt__com_read(zt_rd *r, zt_com *com)
{
    zt_com out;
    uint8_t format;
    uint16_t count;
    int rv;

    memset(&out, 0, sizeof(out));
    if ((rv = zt__rd_u8(r, &format)) != 0)
        return rv;
    if (format != 1)
        return ZT_ERR_DROP;
    if ((rv = zt__rd_u16(r, &count)) != 0)
        return rv;
    if (count > ZT_COM_MAX_QUALIFIERS)
        return ZT_ERR_RANGE;
    for (unsigned i = 0; i < count; i++) {
        zt_com_qualifier *q = &out.q[i];
        if ((rv = zt__rd_u64(r, &q->id)) != 0 || (rv = zt__rd_u64(r, &q->value)) != 0 ||
            (rv = zt__rd_u64(r, &q->max_delta)) != 0)
            return rv;
        if (i > 0 && q->id < out.q[i - 1].id)
            return ZT_ERR_DROP; /* ids must be non-decreasing (§5.2) */
    }
    out.count = count;
    if ((rv = zt__cred_rd_addr(r, &out.signer)) != 0)
        return rv;
    if (out.signer != 0 && (rv = zt__rd_bytes(r, out.sig, ZT_SIGNATURE_LEN)) != 0)
        return rv;
    *com = out;
    return 0;
}

static void com_write_qualifiers(zt_wr *w, const zt_com *com)
{
    for (unsigned i = 0; i < com->count && i < ZT_COM_MAX_QUALIFIERS; i++) {
        zt__wr_u64(w, com->q[i].id);
        zt__wr_u64(w, com->q[i].value);
        zt__wr_u64(w, com->q[i].max_delta);
    }
}

void zt__com_write(zt_wr *w, const zt_com *com)
{
    unsigned n = com->count < ZT_COM_MAX_QUALIFIERS ? com->count : ZT_COM_MAX_QUALIFIERS;

    zt__wr_u8(w, 1);
    zt__wr_u16(w, (uint16_t)n);
    com_write_qualifiers(w, com);
    zt__wr_be(w, com->signer, ZT_ADDRESS_LEN);
    if (com->signer != 0)
        zt__wr_bytes(w, com->sig, ZT_SIGNATURE_LEN);
}

zt_ssize zt__com_signed_message(const zt_com *com, uint8_t *out, size_t cap)
{
    zt_wr w = zt__wr_make(out, cap);
    com_write_qualifiers(&w, com);
    return zt__wr_finish(&w);
}

int zt__com_sign(zt_com *com, const zt_identity *controller)
{
    uint8_t msg[24 * ZT_COM_MAX_QUALIFIERS];
    zt_ssize n;

    if (!zt__cred_can_sign_for(controller, zt__com_network_id(com)))
        return ZT_ERR_INVAL;
    n = zt__com_signed_message(com, msg, sizeof(msg));
    if (n < 0)
        return ZT_ERR_INVAL;
    com->signer = controller->address;
    return zt__identity_sign(controller, msg, (size_t)n, com->sig);
}

int zt__com_verify(const zt_com *com, const zt_identity *signer)
{
    uint8_t msg[24 * ZT_COM_MAX_QUALIFIERS];
    zt_ssize n;

    if (com->count > ZT_COM_MAX_QUALIFIERS)
        return ZT_ERR_AUTH;
    n = zt__com_signed_message(com, msg, sizeof(msg));
    if (n < 0)
        return ZT_ERR_AUTH;
    return zt__cred_verify_signed(signer, com->signer, zt__com_network_id(com), com->signer != 0,
                                  com->sig, msg, (size_t)n);
}

bool zt__com_agrees(const zt_com *mine, const zt_com *theirs, const zt_identity *their_id)
{
    bool check_identity = false;
    uint64_t h[4];

    if (mine->count == 0 || theirs->count == 0)
        return false;
    for (unsigned i = 0; i < mine->count && i < ZT_COM_MAX_QUALIFIERS; i++) {
        const zt_com_qualifier *q = &mine->q[i];
        const zt_com_qualifier *t = com_find(theirs, q->id);
        uint64_t diff;

        if (t == NULL)
            return false;
        diff = q->value > t->value ? q->value - t->value : t->value - q->value;
        if (diff > q->max_delta)
            return false;
        if (q->id >= ZT_COM_Q_IDENTITY_0 && q->id < ZT_COM_Q_IDENTITY_0 + 4)
            check_identity = true;
    }
    if (!check_identity)
        return true;
    if (their_id == NULL || zt__com_identity_hash(their_id, h) != 0)
        return false;
    for (unsigned k = 0; k < 4; k++) {
        const zt_com_qualifier *t = com_find(theirs, ZT_COM_Q_IDENTITY_0 + k);
        if (t == NULL || t->value != h[k])
            return false;
    }
    return true;
}

bool zt__com_equal(const zt_com *a, const zt_com *b)
{
    uint8_t x[ZT_COM_LEN_MAX], y[ZT_COM_LEN_MAX];
    zt_wr wa = zt__wr_make(x, sizeof(x)), wb = zt__wr_make(y, sizeof(y));

    zt__com_write(&wa, a);
    zt__com_write(&wb, b);
    return zt__wr_len(&wa) == zt__wr_len(&wb) && memcmp(x, y, zt__wr_len(&wa)) == 0;
}


zt_cred_admit zt__com_admit(const zt_com *in, uint64_t nwid, const zt_com *held,
                            int64_t revocation_threshold)
{
    return zt__cred_admit(zt__com_network_id(in), in->signer, zt__com_timestamp(in), nwid,
                          held != NULL, held != NULL ? zt__com_timestamp(held) : 0,
                          held != NULL && zt__com_equal(in, held), &revocation_threshold);
}
