/* Unit tests for src/codec/credential.c: malformed input for every reader, signing and
 * verification failures, custody chains, the §5.8 acceptance checks and the
 * NETWORK_CREDENTIALS iterator.  Identities come from tests/vectors/vl2.json. */
#include "testutil.h"

#include "codec/credential.h"

static zt_identity controller, member_a, member_b;
static uint64_t nwid;
static const int64_t NOW = 1730000000000LL;

static zt_identity id_of(json_t *v, const char *name)
{
    char path[64];
    const char *s;
    zt_identity id;

    snprintf(path, sizeof(path), "identities.%s.secret", name);
    s = tu_str(v, path);
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), 0);
    return id;
}

static int setup(void **state)
{
    json_t *v;
    (void)state;
    assert_int_equal(zt__crypto_init(), 0);
    v = tu_load_json("vl2.json");
    controller = id_of(v, "controller");
    member_a = id_of(v, "member_a");
    member_b = id_of(v, "member_b");
    json_decref(v);
    nwid = controller.address << 24 | 1;
    return 0;
}

/* Every strict prefix of |buf| must fail with ZT_ERR_TRUNCATED. */
#define CHECK_PREFIXES(readfn, type, buf, len)                                                 \
    do {                                                                                       \
        for (size_t cut_ = 0; cut_ < (len); cut_++) {                                          \
            static type tmp_;                                                                  \
            zt_rd rd_ = zt__rd_make((buf), cut_);                                              \
            int rv_ = readfn(&rd_, &tmp_);                                                     \
            if (rv_ != ZT_ERR_TRUNCATED)                                                       \
                fail_msg(#readfn ": prefix %zu of %zu gave %d", cut_, (size_t)(len), rv_);     \
        }                                                                                      \
    } while (0)

/* ---------------------------------------------------------------- COM */

static zt_com signed_com(const zt_identity *member, int64_t ts)
{
    zt_com com;
    assert_int_equal(zt__com_init(&com, nwid, ts, 1800000, member), 0);
    assert_int_equal(zt__com_sign(&com, &controller), 0);
    return com;
}

static size_t write_com(const zt_com *com, uint8_t *buf, size_t cap)
{
    zt_wr w = zt__wr_make(buf, cap);
    zt__com_write(&w, com);
    assert_true(zt__wr_finish(&w) > 0);
    return zt__wr_len(&w);
}

static void test_com_malformed(void **state)
{
    zt_com com = signed_com(&member_a, NOW), back;
    uint8_t buf[ZT_COM_LEN_MAX], bad[ZT_COM_LEN_MAX];
    size_t len = write_com(&com, buf, sizeof(buf));
    zt_rd rd;
    (void)state;

    assert_int_equal(len, 272);
    CHECK_PREFIXES(zt__com_read, zt_com, buf, len);

    memcpy(bad, buf, len);
    bad[0] = 2; /* format */
    rd = zt__rd_make(bad, len);
    assert_int_equal(zt__com_read(&rd, &back), ZT_ERR_DROP);

    memcpy(bad, buf, len);
    bad[2] = 9; /* 9 qualifiers */
    rd = zt__rd_make(bad, len);
    assert_int_equal(zt__com_read(&rd, &back), ZT_ERR_RANGE);

    memcpy(bad, buf, len);
    bad[3 + 24 + 7] = 7; /* second qualifier id 7, then 2: decreasing */
    rd = zt__rd_make(bad, len);
    assert_int_equal(zt__com_read(&rd, &back), ZT_ERR_DROP);

    /* unsigned COM: no signature bytes follow a zero signer */
    com.signer = 0;
    len = write_com(&com, buf, sizeof(buf));
    assert_int_equal(len, 272 - 96);
    rd = zt__rd_make(buf, len);
    assert_int_equal(zt__com_read(&rd, &back), 0);
    assert_int_equal(zt__rd_left(&rd), 0);
    assert_true(back.signer == 0);
    assert_int_equal(zt__com_verify(&back, &controller), ZT_ERR_AUTH);

    /* zero qualifiers */
    rd = zt__rd_make("\x01\x00\x00\x00\x00\x00\x00\x00", 8);
    assert_int_equal(zt__com_read(&rd, &back), 0);
    assert_int_equal(back.count, 0);
    assert_int_equal(zt__rd_left(&rd), 0);
}

static void test_com_verify_failures(void **state)
{
    zt_com com = signed_com(&member_a, NOW), t;
    (void)state;

    assert_int_equal(zt__com_verify(&com, &controller), 0);
    /* the identity offered is not the signer named */
    assert_int_equal(zt__com_verify(&com, &member_a), ZT_ERR_INVAL);
    assert_int_equal(zt__com_verify(&com, NULL), ZT_ERR_INVAL);
    /* tampered qualifier / signature */
    t = com;
    t.q[0].value++;
    assert_int_equal(zt__com_verify(&t, &controller), ZT_ERR_AUTH);
    t = com;
    t.sig[5] ^= 1;
    assert_int_equal(zt__com_verify(&t, &controller), ZT_ERR_AUTH);
    /* only the network's controller may sign */
    t = com;
    assert_int_equal(zt__com_sign(&t, &member_a), ZT_ERR_INVAL);
    t.q[1].value = member_a.address << 24 | 5; /* a network of member_a's */
    assert_int_equal(zt__com_sign(&t, &member_a), 0);
    assert_int_equal(zt__com_verify(&t, &member_a), 0);
    t.q[1].value = nwid; /* re-pointed at our network: signer is no longer the controller */
    assert_int_equal(zt__com_verify(&t, &member_a), ZT_ERR_AUTH);
    /* no secret, no signature */
    t = com;
    {
        zt_identity pub = controller;
        pub.has_secret = false;
        assert_int_equal(zt__com_sign(&t, &pub), ZT_ERR_INVAL);
    }
}

static void test_com_agreement_edges(void **state)
{
    zt_com a = signed_com(&member_a, NOW), b = signed_com(&member_b, NOW + 1800000), x;
    (void)state;

    assert_true(zt__com_agrees(&a, &b, &member_b));
    assert_true(zt__com_agrees(&b, &a, &member_a));
    assert_false(zt__com_agrees(&a, &b, &member_a));
    assert_false(zt__com_agrees(&a, &b, NULL));
    b = signed_com(&member_b, NOW + 1800001);
    assert_false(zt__com_agrees(&a, &b, &member_b));
    b = signed_com(&member_b, NOW - 1800000);
    assert_true(zt__com_agrees(&a, &b, &member_b));

    /* empty COMs never agree */
    memset(&x, 0, sizeof(x));
    assert_false(zt__com_agrees(&a, &x, &member_b));
    assert_false(zt__com_agrees(&x, &a, &member_a));

    /* mine without identity qualifiers: no identity check */
    x = a;
    x.count = 3;
    assert_true(zt__com_agrees(&x, &b, &member_a));
    /* theirs lacking a qualifier I have */
    x = b;
    x.count = 2; /* no issued-to, no identity */
    assert_false(zt__com_agrees(&a, &x, &member_b));
    /* other network */
    x = b;
    x.q[1].value = nwid + 1;
    assert_false(zt__com_agrees(&a, &x, &member_b));
}

/* ---------------------------------------------------------------- tag */

static zt_tag make_tag(uint32_t id, uint32_t value, int64_t ts)
{
    zt_tag t;
    memset(&t, 0, sizeof(t));
    t.nwid = nwid;
    t.timestamp = ts;
    t.id = id;
    t.value = value;
    t.issued_to = member_a.address;
    assert_int_equal(zt__tag_sign(&t, &controller), 0);
    return t;
}

static void test_tag_malformed(void **state)
{
    zt_tag t = make_tag(1, 2, NOW), back;
    uint8_t buf[300];
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    size_t len;
    zt_rd rd;
    (void)state;

    zt__tag_write(&w, &t);
    len = zt__wr_len(&w);
    assert_int_equal(len, ZT_TAG_LEN);
    CHECK_PREFIXES(zt__tag_read, zt_tag, buf, len);

    /* signature type 1 with a length other than 96 */
    buf[35] = 0;
    buf[36] = 95;
    rd = zt__rd_make(buf, len);
    assert_int_equal(zt__tag_read(&rd, &back), ZT_ERR_DROP);

    /* another signature type is skipped by its length: unsigned */
    buf[34] = 2;
    buf[35] = 0;
    buf[36] = 96;
    rd = zt__rd_make(buf, len);
    assert_int_equal(zt__tag_read(&rd, &back), 0);
    assert_false(back.has_sig);
    assert_int_equal(zt__tag_verify(&back, &controller), ZT_ERR_AUTH);
    /* re-written unsigned: type 0, length 0 */
    w = zt__wr_make(buf, sizeof(buf));
    zt__tag_write(&w, &back);
    assert_int_equal(zt__wr_len(&w), 34 + 3 + 2);
    rd = zt__rd_make(buf, zt__wr_len(&w));
    assert_int_equal(zt__tag_read(&rd, &back), 0);
    assert_int_equal(zt__rd_left(&rd), 0);

    /* extension bytes are skipped */
    w = zt__wr_make(buf, sizeof(buf));
    zt__tag_write(&w, &t);
    buf[len - 1] = 3;
    memcpy(buf + len, "abc", 3);
    rd = zt__rd_make(buf, len + 3);
    assert_int_equal(zt__tag_read(&rd, &back), 0);
    assert_int_equal(zt__rd_left(&rd), 0);
    assert_int_equal(zt__tag_verify(&back, &controller), 0);
    rd = zt__rd_make(buf, len + 2);
    assert_int_equal(zt__tag_read(&rd, &back), ZT_ERR_TRUNCATED);
}

static void test_tag_verify_failures(void **state)
{
    zt_tag t = make_tag(1, 2, NOW), x;
    (void)state;

    assert_int_equal(zt__tag_verify(&t, &controller), 0);
    x = t;
    x.value = 3;
    assert_int_equal(zt__tag_verify(&x, &controller), ZT_ERR_AUTH);
    x = t;
    x.nwid = nwid + 1; /* same controller, other network: signature covers nwid */
    assert_int_equal(zt__tag_verify(&x, &controller), ZT_ERR_AUTH);
    assert_int_equal(zt__tag_verify(&t, &member_b), ZT_ERR_INVAL);
    x = t;
    x.nwid = member_b.address << 24;
    assert_int_equal(zt__tag_sign(&x, &controller), ZT_ERR_INVAL);
}

/* ---------------------------------------------------------------- capability */

static zt_capability cap_a, cap_x;

static void make_cap(zt_capability *c, uint8_t m)
{
    memset(c, 0, sizeof(*c));
    c->nwid = nwid;
    c->timestamp = NOW;
    c->id = 42;
    c->rule_count = 2;
    c->rules[0].t = ZT_RULE_MATCH_ETHERTYPE;
    c->rules[0].v.ethertype = 0x0800;
    c->rules[1].t = ZT_RULE_ACTION_ACCEPT;
    c->max_custody = m;
}

static const zt_identity *lookup(void *arg, uint64_t address)
{
    (void)arg;
    if (address == member_a.address)
        return &member_a;
    if (address == member_b.address)
        return &member_b;
    return NULL;
}

static size_t write_cap(const zt_capability *c, uint8_t *buf, size_t cap)
{
    zt_wr w = zt__wr_make(buf, cap);
    zt__capability_write(&w, c);
    assert_true(zt__wr_finish(&w) > 0);
    return zt__wr_len(&w);
}

static void test_capability_chain(void **state)
{
    static uint8_t buf[4096];
    size_t len;
    zt_rd rd;
    (void)state;

    make_cap(&cap_a, 2);
    assert_int_equal(zt__capability_verify(&cap_a, &controller, lookup, NULL), ZT_ERR_AUTH);
    /* first custody must be the controller */
    assert_int_equal(zt__capability_sign(&cap_a, &member_a, member_b.address), ZT_ERR_INVAL);
    assert_int_equal(zt__capability_sign(&cap_a, &controller, member_a.address), 0);
    assert_int_equal(zt__capability_verify(&cap_a, &controller, NULL, NULL), 0);
    /* transfer: must come from the current holder */
    assert_int_equal(zt__capability_sign(&cap_a, &member_b, member_b.address), ZT_ERR_INVAL);
    assert_int_equal(zt__capability_sign(&cap_a, &member_a, member_b.address), 0);
    assert_true(zt__capability_issued_to(&cap_a) == member_b.address);
    assert_int_equal(zt__capability_sign(&cap_a, &member_b, member_a.address), ZT_ERR_LIMIT);
    assert_int_equal(zt__capability_verify(&cap_a, &controller, lookup, NULL), 0);
    assert_int_equal(zt__capability_verify(&cap_a, &controller, NULL, NULL), ZT_ERR_AGAIN);
    assert_int_equal(zt__capability_verify(&cap_a, &member_a, lookup, NULL), ZT_ERR_INVAL);

    len = write_cap(&cap_a, buf, sizeof(buf));
    CHECK_PREFIXES(zt__capability_read, zt_capability, buf, len);
    rd = zt__rd_make(buf, len);
    assert_int_equal(zt__capability_read(&rd, &cap_x), 0);
    assert_int_equal(zt__rd_left(&rd), 0);
    assert_int_equal(cap_x.custody_count, 2);
    assert_int_equal(zt__capability_verify(&cap_x, &controller, lookup, NULL), 0);

    /* broken chain and tampering */
    cap_x.custody[1].from = member_b.address;
    assert_int_equal(zt__capability_verify(&cap_x, &controller, lookup, NULL), ZT_ERR_AUTH);
    cap_x = cap_a;
    cap_x.rules[0].v.ethertype = 0x86dd;
    assert_int_equal(zt__capability_verify(&cap_x, &controller, lookup, NULL), ZT_ERR_AUTH);
    cap_x = cap_a;
    cap_x.custody[1].sig[0] ^= 1;
    assert_int_equal(zt__capability_verify(&cap_x, &controller, lookup, NULL), ZT_ERR_AUTH);
}

static void test_capability_malformed(void **state)
{
    static uint8_t buf[4096], bad[4096];
    size_t len, rule_off = 8 + 8 + 4;
    zt_rd rd;
    (void)state;

    make_cap(&cap_a, 1);
    assert_int_equal(zt__capability_sign(&cap_a, &controller, member_a.address), 0);
    len = write_cap(&cap_a, buf, sizeof(buf));

    /* rule count 65 */
    memcpy(bad, buf, len);
    bad[rule_off] = 0;
    bad[rule_off + 1] = 65;
    rd = zt__rd_make(bad, len);
    assert_int_equal(zt__capability_read(&rd, &cap_x), ZT_ERR_RANGE);

    /* max custody 0 and 8 */
    {
        size_t m_off = rule_off + 2 + 4 + 2; /* ethertype rule (4) + accept (2) */
        assert_int_equal(buf[m_off], 1);
        memcpy(bad, buf, len);
        bad[m_off] = 0;
        rd = zt__rd_make(bad, len);
        assert_int_equal(zt__capability_read(&rd, &cap_x), ZT_ERR_RANGE);
        bad[m_off] = 8;
        rd = zt__rd_make(bad, len);
        assert_int_equal(zt__capability_read(&rd, &cap_x), ZT_ERR_RANGE);

        /* a second custody entry where m = 1 allows one */
        memcpy(bad, buf, len);
        {
            size_t entry = m_off + 1, elen = 5 + 5 + 3 + 96;
            memcpy(bad + entry + elen, buf + entry, elen);
            memcpy(bad + entry + 2 * elen, buf + entry + elen, len - entry - elen);
            rd = zt__rd_make(bad, len + elen);
            assert_int_equal(zt__capability_read(&rd, &cap_x), ZT_ERR_RANGE);
        }
    }
    /* a rule with a short value inside */
    memcpy(bad, buf, len);
    bad[rule_off + 2 + 1] = 1; /* ethertype length 1 */
    rd = zt__rd_make(bad, len);
    assert_int_equal(zt__capability_read(&rd, &cap_x), ZT_ERR_DROP);
}

/* ---------------------------------------------------------------- COO, revocation */

static void test_coo(void **state)
{
    static zt_coo coo, back;
    uint8_t buf[1024], mac[6] = {2, 1, 2, 3, 4, 5}, ip6[16] = {0xfd};
    uint8_t ip4[4] = {10, 0, 0, 1};
    zt_wr w;
    zt_rd rd;
    size_t len;
    (void)state;

    memset(&coo, 0, sizeof(coo));
    coo.nwid = nwid;
    coo.timestamp = NOW;
    coo.id = 1;
    coo.issued_to = member_a.address;
    assert_int_equal(zt__coo_add_thing(&coo, ZT_COO_THING_MAC, mac, 6), 0);
    assert_int_equal(zt__coo_add_thing(&coo, ZT_COO_THING_IPV6, ip6, 16), 0);
    assert_int_equal(zt__coo_add_thing(&coo, ZT_COO_THING_IPV4, ip4, 6), ZT_ERR_INVAL);
    assert_int_equal(zt__coo_add_thing(&coo, 9, ip4, 4), ZT_ERR_INVAL);
    assert_true(zt__coo_owns(&coo, ZT_COO_THING_MAC, mac, 6));
    assert_true(zt__coo_owns(&coo, ZT_COO_THING_IPV6, ip6, 16));
    assert_false(zt__coo_owns(&coo, ZT_COO_THING_IPV4, mac, 4));
    while (coo.thing_count < ZT_COO_MAX_THINGS)
        assert_int_equal(zt__coo_add_thing(&coo, ZT_COO_THING_IPV4, ip4, 4), 0);
    assert_int_equal(zt__coo_add_thing(&coo, ZT_COO_THING_IPV4, ip4, 4), ZT_ERR_LIMIT);
    assert_int_equal(zt__coo_sign(&coo, &controller), 0);
    assert_int_equal(zt__coo_verify(&coo, &controller), 0);

    w = zt__wr_make(buf, sizeof(buf));
    zt__coo_write(&w, &coo);
    len = zt__wr_len(&w);
    CHECK_PREFIXES(zt__coo_read, zt_coo, buf, len);

    /* 17 things on the wire: the 17th is skipped, the rest parses */
    {
        uint8_t big[1024];
        size_t things_end = 30 + 16 * 17;
        memcpy(big, buf, things_end);
        big[29] = 17;
        big[things_end] = ZT_COO_THING_IPV4;
        memset(big + things_end + 1, 0x77, 16);
        memcpy(big + things_end + 17, buf + things_end, len - things_end);
        rd = zt__rd_make(big, len + 17);
        assert_int_equal(zt__coo_read(&rd, &back), 0);
        assert_int_equal(zt__rd_left(&rd), 0);
        assert_int_equal(back.thing_count, 16);
        /* the signature was over 16 things: it still verifies over what is kept */
        assert_int_equal(zt__coo_verify(&back, &controller), 0);
    }
}

static void test_revocation(void **state)
{
    zt_revocation rev, back;
    uint8_t buf[256];
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    zt_rd rd;
    int64_t th;
    (void)state;

    memset(&rev, 0, sizeof(rev));
    rev.id = 7;
    rev.nwid = nwid;
    rev.credential_id = 1000;
    rev.threshold = NOW;
    rev.target = member_a.address;
    rev.type = ZT_CRED_TAG;
    assert_int_equal(zt__revocation_sign(&rev, &member_a), ZT_ERR_INVAL);
    assert_int_equal(zt__revocation_sign(&rev, &controller), 0);
    zt__revocation_write(&w, &rev);
    assert_int_equal(zt__wr_finish(&w), ZT_REVOCATION_LEN);
    CHECK_PREFIXES(zt__revocation_read, zt_revocation, buf, ZT_REVOCATION_LEN);
    /* reserved fields are ignored on read (and not signed as read: written back as 0) */
    buf[0] = 0xff;
    rd = zt__rd_make(buf, ZT_REVOCATION_LEN);
    assert_int_equal(zt__revocation_read(&rd, &back), 0);
    assert_int_equal(zt__revocation_verify(&back, &controller), 0);
    back.threshold++;
    assert_int_equal(zt__revocation_verify(&back, &controller), ZT_ERR_AUTH);

    th = NOW - 1;
    assert_int_equal(zt__revocation_admit(&rev, nwid, NULL), ZT_CRED_ADMIT_NEW);
    assert_int_equal(zt__revocation_admit(&rev, nwid, &th), ZT_CRED_ADMIT_NEW);
    th = NOW;
    assert_int_equal(zt__revocation_admit(&rev, nwid, &th), ZT_CRED_ADMIT_REDUNDANT);
    assert_int_equal(zt__revocation_admit(&rev, nwid + 1, NULL), ZT_CRED_REJECT_NETWORK);
}

/* ---------------------------------------------------------------- acceptance */

static void test_admit(void **state)
{
    zt_com com = signed_com(&member_a, NOW), newer = signed_com(&member_a, NOW + 1), x;
    zt_tag t = make_tag(1, 2, NOW), tn = make_tag(1, 3, NOW + 5);
    int64_t th;
    (void)state;

    assert_int_equal(zt__com_admit(&com, nwid, NULL, 0), ZT_CRED_ADMIT_NEW);
    assert_int_equal(zt__com_admit(&com, nwid, &com, 0), ZT_CRED_ADMIT_REDUNDANT);
    assert_int_equal(zt__com_admit(&com, nwid, &newer, 0), ZT_CRED_REJECT_OLDER);
    assert_int_equal(zt__com_admit(&newer, nwid, &com, 0), ZT_CRED_ADMIT_NEW);
    assert_int_equal(zt__com_admit(&com, nwid, NULL, NOW), ZT_CRED_REJECT_REVOKED);
    assert_int_equal(zt__com_admit(&newer, nwid, NULL, NOW), ZT_CRED_ADMIT_NEW);
    assert_int_equal(zt__com_admit(&com, nwid + 1, NULL, 0), ZT_CRED_REJECT_NETWORK);
    x = com;
    x.signer = member_b.address;
    assert_int_equal(zt__com_admit(&x, nwid, NULL, 0), ZT_CRED_REJECT_SIGNER);

    assert_int_equal(zt__tag_admit(&t, nwid, NULL, NULL), ZT_CRED_ADMIT_NEW);
    assert_int_equal(zt__tag_admit(&t, nwid, &t, NULL), ZT_CRED_ADMIT_REDUNDANT);
    assert_int_equal(zt__tag_admit(&t, nwid, &tn, NULL), ZT_CRED_REJECT_OLDER);
    assert_int_equal(zt__tag_admit(&tn, nwid, &t, NULL), ZT_CRED_ADMIT_NEW);
    th = NOW;
    assert_int_equal(zt__tag_admit(&t, nwid, NULL, &th), ZT_CRED_REJECT_REVOKED);
    assert_int_equal(zt__tag_admit(&tn, nwid, NULL, &th), ZT_CRED_ADMIT_NEW);

    make_cap(&cap_a, 1);
    assert_int_equal(zt__capability_admit(&cap_a, nwid, NULL, NULL), ZT_CRED_REJECT_SIGNER);
    assert_int_equal(zt__capability_sign(&cap_a, &controller, member_a.address), 0);
    assert_int_equal(zt__capability_admit(&cap_a, nwid, NULL, NULL), ZT_CRED_ADMIT_NEW);
    assert_int_equal(zt__capability_admit(&cap_a, nwid, &cap_a, NULL), ZT_CRED_ADMIT_REDUNDANT);
    cap_x = cap_a;
    cap_x.timestamp++;
    assert_int_equal(zt__capability_admit(&cap_a, nwid, &cap_x, NULL), ZT_CRED_REJECT_OLDER);
    th = NOW;
    assert_int_equal(zt__capability_admit(&cap_a, nwid, NULL, &th), ZT_CRED_REJECT_REVOKED);
}

static void test_usable(void **state)
{
    int64_t th = NOW;
    (void)state;
    assert_true(zt__credential_usable(NOW, NOW, 0, NULL));
    assert_true(zt__credential_usable(NOW + 100, NOW, 100, NULL));
    assert_true(zt__credential_usable(NOW - 100, NOW, 100, NULL));
    assert_false(zt__credential_usable(NOW + 101, NOW, 100, NULL));
    assert_false(zt__credential_usable(NOW - 101, NOW, 100, NULL));
    assert_false(zt__credential_usable(NOW, NOW, -1, NULL));
    assert_false(zt__credential_usable(NOW, NOW, 100, &th));
    assert_true(zt__credential_usable(NOW + 1, NOW, 100, &th));
    assert_false(zt__credential_usable(INT64_MIN, INT64_MAX, INT64_MAX, NULL));
    assert_true(zt__credential_usable(INT64_MAX, INT64_MAX - 5, 5, NULL));
}

/* ---------------------------------------------------------------- NETWORK_CREDENTIALS */

static void test_netcreds(void **state)
{
    static zt_credential c;
    static uint8_t buf[8192];
    zt_com com = signed_com(&member_a, NOW);
    zt_tag tags[2] = {make_tag(1, 1, NOW), make_tag(2, 2, NOW)};
    zt_revocation rev;
    static zt_coo coo;
    zt_netcreds_reader it;
    zt_wr w;
    size_t len;
    const zt_cred_type want[] = {ZT_CRED_COM, ZT_CRED_CAPABILITY, ZT_CRED_TAG, ZT_CRED_TAG,
                                 ZT_CRED_REVOCATION, ZT_CRED_COO};
    (void)state;

    make_cap(&cap_a, 1);
    assert_int_equal(zt__capability_sign(&cap_a, &controller, member_a.address), 0);
    memset(&rev, 0, sizeof(rev));
    rev.nwid = nwid;
    rev.type = ZT_CRED_COM;
    assert_int_equal(zt__revocation_sign(&rev, &controller), 0);
    memset(&coo, 0, sizeof(coo));
    coo.nwid = nwid;
    assert_int_equal(zt__coo_sign(&coo, &controller), 0);

    w = zt__wr_make(buf, sizeof(buf));
    zt__netcreds_write(&w, &com, &cap_a, 1, tags, 2, &rev, 1, &coo, 1);
    assert_true(zt__wr_finish(&w) > 0);
    len = zt__wr_len(&w);
    zt__netcreds_begin(&it, buf, len);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(zt__netcreds_next(&it, &c), 1);
        assert_int_equal(c.type, want[i]);
    }
    assert_int_equal(c.u.coo.nwid, nwid);
    assert_int_equal(zt__netcreds_next(&it, &c), 0);

    /* every truncation either ends cleanly at a section boundary or fails; never crashes */
    for (size_t cut = 0; cut < len; cut++) {
        int rv;
        size_t got = 0;
        zt__netcreds_begin(&it, buf, cut);
        while ((rv = zt__netcreds_next(&it, &c)) == 1)
            got++;
        assert_true(rv == 0 || rv == ZT_ERR_TRUNCATED);
        assert_int_equal(zt__netcreds_next(&it, &c), rv); /* sticky */
        assert_true(got <= 6);
    }

    /* empty payload; terminator only; a lone count byte; a bad COM format byte */
    zt__netcreds_begin(&it, buf, 0);
    assert_int_equal(zt__netcreds_next(&it, &c), 0);
    zt__netcreds_begin(&it, (const uint8_t *)"\x00", 1);
    assert_int_equal(zt__netcreds_next(&it, &c), 0);
    zt__netcreds_begin(&it, (const uint8_t *)"\x00\x00", 2);
    assert_int_equal(zt__netcreds_next(&it, &c), ZT_ERR_TRUNCATED);
    zt__netcreds_begin(&it, (const uint8_t *)"\x02\x00", 2);
    assert_int_equal(zt__netcreds_next(&it, &c), ZT_ERR_DROP);
    /* a huge count with nothing behind it */
    zt__netcreds_begin(&it, (const uint8_t *)"\x00\xff\xff", 3);
    assert_int_equal(zt__netcreds_next(&it, &c), ZT_ERR_TRUNCATED);
    /* all-zero counts, then trailing bytes are ignored */
    zt__netcreds_begin(&it, (const uint8_t *)"\x00\x00\x00\x00\x00\x00\x00\x00\x00\xaa", 10);
    assert_int_equal(zt__netcreds_next(&it, &c), 0);

    /* overflowing writer */
    w = zt__wr_make(buf, 10);
    zt__netcreds_write(&w, &com, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_com_malformed),
        cmocka_unit_test(test_com_verify_failures),
        cmocka_unit_test(test_com_agreement_edges),
        cmocka_unit_test(test_tag_malformed),
        cmocka_unit_test(test_tag_verify_failures),
        cmocka_unit_test(test_capability_chain),
        cmocka_unit_test(test_capability_malformed),
        cmocka_unit_test(test_coo),
        cmocka_unit_test(test_revocation),
        cmocka_unit_test(test_admit),
        cmocka_unit_test(test_usable),
        cmocka_unit_test(test_netcreds),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
