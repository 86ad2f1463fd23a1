/*
 * fuzz_credential: every credential reader of vl2.md §5 (COM, capability, tag, revocation,
 * COO) run on the whole input, and the NETWORK_CREDENTIALS payload iterator (§3.6).
 * Invariants: readers fail only with TRUNCATED/DROP/RANGE; anything read writes back, reads
 * again and writes back identically (the canonical form is a fixed point); a COM, and any
 * signed tag/COO/capability whose canonical length equals what it consumed, writes back to
 * exactly the consumed bytes; signed messages build; verification and the §5.8 checks never
 * crash and return only their documented codes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/credential.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The vl2.json controller (public only): verification runs against a real key. */
static const char CONTROLLER[] =
    "7064247a5a:0:fe1fa7eb2b604654bed5a56ee321acccbf7c8a64954c03a77b9071d1a8ef0b4a402d53f3dfae"
    "61262a04b41012be40c3bf89f9de9c73a31658386ce83b5a5f0c";

static zt_identity controller;
static bool ready;

static void setup(void)
{
    if (ready)
        return;
    if (zt__crypto_init() != 0 ||
        zt__identity_from_string(&controller, CONTROLLER, sizeof(CONTROLLER) - 1) != 0)
        abort();
    ready = true;
}

static void check_read_rv(int rv)
{
    if (rv != ZT_ERR_TRUNCATED && rv != ZT_ERR_DROP && rv != ZT_ERR_RANGE)
        abort();
}

static void check_verify_rv(int rv)
{
    if (rv != 0 && rv != ZT_ERR_AUTH && rv != ZT_ERR_INVAL && rv != ZT_ERR_AGAIN)
        abort();
}

static const zt_identity *lookup(void *arg, uint64_t address)
{
    (void)arg;
    return address == controller.address ? &controller : NULL;
}

/* write(x) -> read -> write must give the same bytes, consuming all of them. */
#define FIXED_POINT(type, writefn, readfn, obj)                                                \
    do {                                                                                       \
        static uint8_t a_[4096], b_[4096];                                                     \
        static type again_;                                                                    \
        zt_wr wa_ = zt__wr_make(a_, sizeof(a_)), wb_ = zt__wr_make(b_, sizeof(b_));            \
        zt_rd r_;                                                                              \
        writefn(&wa_, (obj));                                                                  \
        if (zt__wr_finish(&wa_) <= 0)                                                          \
            abort();                                                                           \
        r_ = zt__rd_make(a_, zt__wr_len(&wa_));                                                \
        if (readfn(&r_, &again_) != 0 || zt__rd_left(&r_) != 0)                                \
            abort();                                                                           \
        writefn(&wb_, &again_);                                                                \
        if (zt__wr_len(&wb_) != zt__wr_len(&wa_) || memcmp(a_, b_, zt__wr_len(&wa_)) != 0)      \
            abort();                                                                           \
        written_len = zt__wr_len(&wa_);                                                        \
        written = a_;                                                                          \
    } while (0)

static void check_com(const zt_com *com, const uint8_t *start, size_t used)
{
    uint8_t msg[256];
    const uint8_t *written;
    size_t written_len;
    int64_t th = 0;

    FIXED_POINT(zt_com, zt__com_write, zt__com_read, com);
    if (written_len != used || memcmp(written, start, used) != 0)
        abort();
    if (zt__com_signed_message(com, msg, sizeof(msg)) != (zt_ssize)(24 * com->count))
        abort();
    check_verify_rv(zt__com_verify(com, &controller));
    (void)zt__com_agrees(com, com, &controller);
    (void)zt__com_admit(com, zt__com_network_id(com), com, th);
    if (zt__com_admit(com, zt__com_network_id(com), com, th) == ZT_CRED_ADMIT_NEW)
        abort(); /* identical to the held one: never "new" */
}

static void check_cap(const zt_capability *cap, const uint8_t *start, size_t used)
{
    static uint8_t msg[4096];
    const uint8_t *written;
    size_t written_len;
    bool all_signed = true;

    FIXED_POINT(zt_capability, zt__capability_write, zt__capability_read, cap);
    for (unsigned i = 0; i < cap->custody_count; i++)
        all_signed = all_signed && cap->custody[i].has_sig;
    if (all_signed && written_len == used && memcmp(written, start, used) != 0)
        abort();
    if (zt__capability_signed_message(cap, msg, sizeof(msg)) <= 0)
        abort();
    check_verify_rv(zt__capability_verify(cap, &controller, lookup, NULL));
    (void)zt__capability_issued_to(cap);
    (void)zt__capability_admit(cap, cap->nwid, cap, NULL);
}

static void check_tag(const zt_tag *tag, const uint8_t *start, size_t used)
{
    uint8_t msg[128];
    const uint8_t *written;
    size_t written_len;

    FIXED_POINT(zt_tag, zt__tag_write, zt__tag_read, tag);
    if (tag->has_sig && written_len == used && memcmp(written, start, used) != 0)
        abort();
    if (zt__tag_signed_message(tag, msg, sizeof(msg)) != 52)
        abort();
    check_verify_rv(zt__tag_verify(tag, &controller));
    (void)zt__tag_admit(tag, tag->nwid, tag, &tag->timestamp);
}

static void check_rev(const zt_revocation *rev)
{
    uint8_t msg[128];
    const uint8_t *written;
    size_t written_len;

    FIXED_POINT(zt_revocation, zt__revocation_write, zt__revocation_read, rev);
    (void)written;
    (void)written_len;
    if (zt__revocation_signed_message(rev, msg, sizeof(msg)) != 69)
        abort();
    check_verify_rv(zt__revocation_verify(rev, &controller));
    (void)zt__revocation_admit(rev, rev->nwid, &rev->threshold);
}

static void check_coo(const zt_coo *coo, const uint8_t *start, size_t used)
{
    uint8_t msg[512];
    const uint8_t *written;
    size_t written_len;

    FIXED_POINT(zt_coo, zt__coo_write, zt__coo_read, coo);
    if (coo->has_sig && written_len == used && memcmp(written, start, used) != 0)
        abort();
    if (zt__coo_signed_message(coo, msg, sizeof(msg)) <= 0)
        abort();
    check_verify_rv(zt__coo_verify(coo, &controller));
    if (coo->thing_count > 0)
        if (!zt__coo_owns(coo, coo->things[0].type, coo->things[0].value, 16))
            abort();
    (void)zt__coo_admit(coo, coo->nwid, NULL, NULL);
}

static void check(const zt_credential *c, const uint8_t *start, size_t used)
{
    switch (c->type) {
    case ZT_CRED_COM:
        check_com(&c->u.com, start, used);
        break;
    case ZT_CRED_CAPABILITY:
        check_cap(&c->u.cap, start, used);
        break;
    case ZT_CRED_TAG:
        check_tag(&c->u.tag, start, used);
        break;
    case ZT_CRED_REVOCATION:
        check_rev(&c->u.rev);
        break;
    case ZT_CRED_COO:
        check_coo(&c->u.coo, start, used);
        break;
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static zt_credential c;
    zt_netcreds_reader it;
    zt_rd r;
    int rv;

    setup();

    /* each reader on the whole input */
    for (int kind = 0; kind < 5; kind++) {
        r = zt__rd_make(data, size);
        memset(&c, 0, sizeof(c));
        switch (kind) {
        case 0:
            c.type = ZT_CRED_COM;
            rv = zt__com_read(&r, &c.u.com);
            break;
        case 1:
            c.type = ZT_CRED_CAPABILITY;
            rv = zt__capability_read(&r, &c.u.cap);
            break;
        case 2:
            c.type = ZT_CRED_TAG;
            rv = zt__tag_read(&r, &c.u.tag);
            break;
        case 3:
            c.type = ZT_CRED_REVOCATION;
            rv = zt__revocation_read(&r, &c.u.rev);
            break;
        default:
            c.type = ZT_CRED_COO;
            rv = zt__coo_read(&r, &c.u.coo);
            break;
        }
        if (rv != 0)
            check_read_rv(rv);
        else
            check(&c, data, (size_t)(r.p - data));
    }

    /* the input as a NETWORK_CREDENTIALS payload */
    zt__netcreds_begin(&it, data, size);
    for (;;) {
        const uint8_t *start = it.r.p;
        rv = zt__netcreds_next(&it, &c);
        if (rv != 1)
            break;
        /* a COM's bytes start right where it was read; counted sections may have consumed
         * their count first */
        if (c.type == ZT_CRED_COM)
            check(&c, start, (size_t)(it.r.p - start));
        else
            check(&c, it.r.p, 0); /* used = 0: only the fixed-point checks apply */
    }
    if (rv != 0) {
        check_read_rv(rv);
        if (zt__netcreds_next(&it, &c) != rv)
            abort();
    }
    return 0;
}
