/* Unit tests for src/codec/identity.c beyond the known answers of tests/vectors. */
#include "testutil.h"

#include <ctype.h>

#include "codec/identity.h"
#include "failmem.h"

/* Two identities generated once for the whole suite (generation costs ~15 hashes). */
static zt_identity A, B;

static int group_setup(void **state)
{
    (void)state;
    if (zt__crypto_init() != 0)
        return -1;
    if (zt__identity_generate(&A, NULL) != 0 || zt__identity_generate(&B, NULL) != 0)
        return -1;
    return 0;
}

static void test_generate_validate(void **state)
{
    uint8_t digest[64], pub[64], want[ZT_ADDRESS_LEN];
    (void)state;

    assert_true(A.has_secret && B.has_secret);
    assert_false(zt__address_is_reserved(A.address));
    assert_true(A.address <= ZT_ADDRESS_MASK);
    assert_false(zt__identity_equal(&A, &B));
    assert_int_equal(zt__identity_validate(&A, NULL), 0);
    assert_int_equal(zt__identity_validate(&B, NULL), 0);

    /* The criterion of §1.4, checked directly. */
    assert_int_equal(zt__identity_address_hash(digest, A.pub, NULL), 0);
    assert_true(digest[0] < ZT_HASHCASH_FIRST_BYTE_LESS_THAN);
    zt__store_be(want, A.address, ZT_ADDRESS_LEN);
    assert_memory_equal(digest + 59, want, ZT_ADDRESS_LEN);
    /* The public key is the one the secret derives. */
    zt__keypair_public(A.sec, pub);
    assert_memory_equal(pub, A.pub, 64);

    /* Public-only copy is valid too. */
    {
        zt_identity p = A;
        zt__identity_clear(&p);
        assert_false(p.has_secret);
        for (int i = 0; i < 64; i++)
            assert_int_equal(p.sec[i], 0);
        assert_int_equal(zt__identity_validate(&p, NULL), 0);
    }
}

static void test_validate_tampered(void **state)
{
    zt_identity t;
    (void)state;

    /* Public-key tampering, without a secret so only the hash can catch it: a bit in the
     * X25519 half and one in the Ed25519 half. */
    for (int i = 0; i < 2; i++) {
        t = A;
        zt__identity_clear(&t);
        t.pub[i == 0 ? 3 : 40] ^= 0x10;
        assert_int_equal(zt__identity_validate(&t, NULL), ZT_ERR_INVAL);
    }
    /* The same with the secret present: the key mismatch is caught as well. */
    t = A;
    t.pub[0] ^= 1;
    assert_int_equal(zt__identity_validate(&t, NULL), ZT_ERR_INVAL);
    /* Wrong address for the key. */
    t = A;
    t.address ^= 1;
    assert_int_equal(zt__identity_validate(&t, NULL), ZT_ERR_INVAL);
    /* Reserved addresses are refused outright. */
    t = A;
    t.address = 0;
    assert_int_equal(zt__identity_validate(&t, NULL), ZT_ERR_INVAL);
    t.address = 0xff00000001ULL;
    assert_int_equal(zt__identity_validate(&t, NULL), ZT_ERR_INVAL);
    /* Someone else's secret (in either half), or a flipped secret bit. */
    t = A;
    memcpy(t.sec, B.sec, 64);
    assert_int_equal(zt__identity_validate(&t, NULL), ZT_ERR_INVAL);
    t = A;
    memcpy(t.sec + 32, B.sec + 32, 32);
    assert_int_equal(zt__identity_validate(&t, NULL), ZT_ERR_INVAL);
    t = A;
    t.sec[10] ^= 0x01;
    assert_int_equal(zt__identity_validate(&t, NULL), ZT_ERR_INVAL);
}

static void test_address_string(void **state)
{
    char s[11];
    uint64_t a = 99;
    (void)state;

    zt__address_to_string(0x00000000abULL, s);
    assert_string_equal(s, "00000000ab");
    zt__address_to_string(0xfedcba9876ULL, s);
    assert_string_equal(s, "fedcba9876");
    assert_int_equal(zt__address_from_string("FEDCBA9876", 10, &a), 0);
    assert_true(a == 0xfedcba9876ULL);
    assert_int_equal(zt__address_from_string("fedcba987", 9, &a), ZT_ERR_INVAL);
    assert_int_equal(zt__address_from_string("fedcba98765", 11, &a), ZT_ERR_INVAL);
    assert_int_equal(zt__address_from_string("fedcba987g", 10, &a), ZT_ERR_INVAL);

    assert_true(zt__address_is_reserved(0));
    assert_true(zt__address_is_reserved(0xff00000000ULL));
    assert_true(zt__address_is_reserved(0xffffffffffULL));
    assert_false(zt__address_is_reserved(1));
    assert_false(zt__address_is_reserved(0xfeffffffffULL));
}

static void test_string_roundtrip(void **state)
{
    char text[ZT_IDENTITY_STR_MAX + 1];
    zt_identity back;
    zt_ssize n;
    (void)state;

    n = zt__identity_to_string(&A, true, text, sizeof(text));
    assert_int_equal(n, ZT_IDENTITY_STR_SECRET_LEN);
    assert_int_equal(strlen(text), (size_t)n);
    for (zt_ssize i = 0; i < n; i++)
        assert_true(text[i] == ':' || isdigit((unsigned char)text[i]) ||
                    (text[i] >= 'a' && text[i] <= 'f'));
    assert_int_equal(zt__identity_from_string(&back, text, (size_t)n), 0);
    assert_true(back.has_secret && zt__identity_equal(&back, &A));
    assert_memory_equal(back.sec, A.sec, 64);
    assert_int_equal(zt__identity_validate(&back, NULL), 0);

    n = zt__identity_to_string(&A, false, text, sizeof(text));
    assert_int_equal(n, ZT_IDENTITY_STR_PUBLIC_LEN);
    assert_int_equal(zt__identity_from_string(&back, text, (size_t)n), 0);
    assert_false(back.has_secret);
    assert_true(zt__identity_equal(&back, &A));

    /* Capacity: the NUL needs room too; nothing is written when it does not fit. */
    memset(text, 'X', sizeof(text));
    assert_int_equal(zt__identity_to_string(&A, false, text, ZT_IDENTITY_STR_PUBLIC_LEN),
                     ZT_ERR_NOSPACE);
    assert_int_equal(text[0], 'X');
    assert_int_equal(zt__identity_to_string(&A, true, text, ZT_IDENTITY_STR_SECRET_LEN),
                     ZT_ERR_NOSPACE);
    assert_int_equal(zt__identity_to_string(&A, false, text, ZT_IDENTITY_STR_PUBLIC_LEN + 1),
                     ZT_IDENTITY_STR_PUBLIC_LEN);
    /* No secret to write. */
    back = A;
    zt__identity_clear(&back);
    assert_int_equal(zt__identity_to_string(&back, true, text, sizeof(text)), ZT_ERR_INVAL);
}

/* Parses |s|; the target must be untouched on failure. */
static int parse(const char *s, size_t len)
{
    zt_identity id;
    int rv;

    memset(&id, 0x5a, sizeof(id));
    rv = zt__identity_from_string(&id, s, len);
    if (rv != 0)
        assert_true(id.address == 0x5a5a5a5a5a5a5a5aULL);
    return rv;
}

/* parse() of the string that |fmt| and the arguments make. */
__attribute__((format(printf, 1, 2))) static int parsef(const char *fmt, ...)
{
    char s[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s, sizeof(s), fmt, ap);
    va_end(ap);
    return parse(s, strlen(s));
}

static void test_from_string_rejects(void **state)
{
    char pub[ZT_IDENTITY_STR_MAX + 1], sec[ZT_IDENTITY_STR_MAX + 1], s[1024];
    const char *addr_end;
    (void)state;

    assert_int_equal(zt__identity_to_string(&A, false, pub, sizeof(pub)), 141);
    assert_int_equal(zt__identity_to_string(&A, true, sec, sizeof(sec)), 270);
    addr_end = pub + 10;

    /* Two fields, and five. */
    assert_int_equal(parsef("%.10s:0", pub), ZT_ERR_INVAL);
    assert_int_equal(parsef("%s:", sec), ZT_ERR_INVAL);
    assert_int_equal(parsef("%s:00", sec), ZT_ERR_INVAL);
    /* One field; an empty fourth field. */
    assert_int_equal(parse(pub, 10), ZT_ERR_INVAL);
    assert_int_equal(parsef("%s:", pub), ZT_ERR_INVAL);

    /* Type field other than exactly "0". */
    static const char *types[] = {"1", "00", "", " 0", "o", "01"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        assert_int_equal(parsef("%.10s:%s:%s", pub, types[i], addr_end + 3), ZT_ERR_INVAL);

    /* Address: wrong length, non-hex, reserved. */
    assert_int_equal(parsef("%.9s%s", pub, addr_end), ZT_ERR_INVAL);
    assert_int_equal(parsef("0%s", pub), ZT_ERR_INVAL);
    snprintf(s, sizeof(s), "%s", pub);
    s[4] = 'x';
    assert_int_equal(parse(s, strlen(s)), ZT_ERR_INVAL);
    assert_int_equal(parsef("ff12345678%s", addr_end), ZT_ERR_RESERVED);
    assert_int_equal(parsef("0000000000%s", addr_end), ZT_ERR_RESERVED);

    /* Public key: 126 and 130 digits, a bad digit. */
    assert_int_equal(parsef("%.139s", pub), ZT_ERR_INVAL);
    assert_int_equal(parsef("%s00", pub), ZT_ERR_INVAL);
    snprintf(s, sizeof(s), "%s", pub);
    s[100] = 'g';
    assert_int_equal(parse(s, strlen(s)), ZT_ERR_INVAL);
    /* Secret key: 126 and 130 digits, a bad digit, odd length. */
    assert_int_equal(parsef("%.268s", sec), ZT_ERR_INVAL);
    assert_int_equal(parsef("%.269s", sec), ZT_ERR_INVAL);
    assert_int_equal(parsef("%s00", sec), ZT_ERR_INVAL);
    snprintf(s, sizeof(s), "%s", sec);
    s[200] = 'Z';
    assert_int_equal(parse(s, strlen(s)), ZT_ERR_INVAL);

    /* Longer than 384 characters after trimming. */
    memset(s, 'a', 385);
    assert_int_equal(parse(s, 385), ZT_ERR_INVAL);
    snprintf(s, sizeof(s), "%s:", sec);
    memset(s + 271, 'b', 114); /* 385 characters, five fields */
    assert_int_equal(parse(s, 385), ZT_ERR_INVAL);

    /* Empty and whitespace-only. */
    assert_int_equal(parse("", 0), ZT_ERR_INVAL);
    assert_int_equal(parse(" \t\r\n", 4), ZT_ERR_INVAL);
    /* Embedded whitespace is not trimmed. */
    assert_int_equal(parsef("%.10s :0:%s", pub, addr_end + 3), ZT_ERR_INVAL);
    /* |len| is honoured: a valid string cut short fails. */
    assert_int_equal(parse(pub, 140), ZT_ERR_INVAL);
}

static void test_from_string_whitespace(void **state)
{
    char pub[ZT_IDENTITY_STR_MAX + 1], s[1024];
    zt_identity id;
    (void)state;

    assert_true(zt__identity_to_string(&B, true, pub, sizeof(pub)) > 0);
    snprintf(s, sizeof(s), " \t\r\n%s\n\n  ", pub);
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), 0);
    assert_true(id.has_secret && zt__identity_equal(&id, &B));
    assert_memory_equal(id.sec, B.sec, 64);

    /* Whitespace does not count against the 384-character limit. */
    memset(s, ' ', 300);
    snprintf(s + 300, sizeof(s) - 300, "%s%300s", pub, "");
    assert_true(strlen(s) > 800);
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), 0);
    assert_true(zt__identity_equal(&id, &B));

    /* Uppercase hex is accepted. */
    snprintf(s, sizeof(s), "%s", pub);
    for (char *p = s; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    assert_int_equal(zt__identity_from_string(&id, s, strlen(s)), 0);
    assert_true(zt__identity_equal(&id, &B));
}

static void test_binary(void **state)
{
    uint8_t buf[ZT_IDENTITY_BIN_SECRET_LEN + 4];
    zt_identity id;
    zt_wr w;
    zt_rd r;
    (void)state;

    /* Public form: 71 bytes; reading leaves a trailing byte alone. */
    w = zt__wr_make(buf, sizeof(buf));
    zt__identity_write(&w, &A, false);
    zt__wr_u8(&w, 0x99);
    assert_int_equal(zt__wr_finish(&w), ZT_IDENTITY_BIN_PUBLIC_LEN + 1);
    assert_int_equal(buf[5], 0);
    assert_int_equal(buf[70], 0);
    r = zt__rd_make(buf, ZT_IDENTITY_BIN_PUBLIC_LEN + 1);
    assert_int_equal(zt__identity_read(&r, &id), 0);
    assert_int_equal(zt__rd_left(&r), 1);
    assert_true(zt__identity_equal(&id, &A) && !id.has_secret);
    /* Truncated at every length. */
    for (size_t n = 0; n < ZT_IDENTITY_BIN_PUBLIC_LEN; n++) {
        r = zt__rd_make(buf, n);
        assert_int_equal(zt__identity_read(&r, &id), ZT_ERR_TRUNCATED);
    }
    /* Identity type other than 0. */
    for (int t = 1; t < 256; t++) {
        buf[5] = (uint8_t)t;
        r = zt__rd_make(buf, ZT_IDENTITY_BIN_PUBLIC_LEN);
        assert_int_equal(zt__identity_read(&r, &id), ZT_ERR_INVAL);
    }
    buf[5] = 0;

    /* Secret form: 135 bytes. */
    w = zt__wr_make(buf, sizeof(buf));
    zt__identity_write(&w, &A, true);
    assert_int_equal(zt__wr_finish(&w), ZT_IDENTITY_BIN_SECRET_LEN);
    assert_int_equal(buf[70], 64);
    r = zt__rd_make(buf, ZT_IDENTITY_BIN_SECRET_LEN);
    assert_int_equal(zt__identity_read(&r, &id), 0);
    assert_true(id.has_secret && zt__identity_equal(&id, &A));
    assert_memory_equal(id.sec, A.sec, 64);
    for (size_t n = ZT_IDENTITY_BIN_PUBLIC_LEN; n < ZT_IDENTITY_BIN_SECRET_LEN; n++) {
        r = zt__rd_make(buf, n);
        assert_int_equal(zt__identity_read(&r, &id), ZT_ERR_TRUNCATED);
    }
    /* Secret length other than 0 or 64. */
    for (int l = 1; l < 256; l++) {
        if (l == 64)
            continue;
        buf[70] = (uint8_t)l;
        r = zt__rd_make(buf, ZT_IDENTITY_BIN_SECRET_LEN);
        assert_int_equal(zt__identity_read(&r, &id), ZT_ERR_INVAL);
    }
    buf[70] = 64;
    /* Reserved address. */
    zt__store_be(buf, 0xff01020304ULL, 5);
    r = zt__rd_make(buf, ZT_IDENTITY_BIN_SECRET_LEN);
    assert_int_equal(zt__identity_read(&r, &id), ZT_ERR_RESERVED);

    /* Writing without a secret available writes the public form even if asked. */
    {
        zt_identity p = A;
        zt__identity_clear(&p);
        w = zt__wr_make(buf, sizeof(buf));
        zt__identity_write(&w, &p, true);
        assert_int_equal(zt__wr_finish(&w), ZT_IDENTITY_BIN_PUBLIC_LEN);
    }
    /* Sticky overflow in a too-small writer. */
    w = zt__wr_make(buf, ZT_IDENTITY_BIN_SECRET_LEN - 1);
    zt__identity_write(&w, &A, true);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
}

static void test_agree(void **state)
{
    uint8_t ab[48], ba[48], ac[48];
    zt_identity evil, pub_a;
    (void)state;

    assert_int_equal(zt__identity_agree(&A, &B, ab), 0);
    assert_int_equal(zt__identity_agree(&B, &A, ba), 0);
    assert_memory_equal(ab, ba, 48);

    /* An all-zero (low-order) X25519 public key. */
    evil = B;
    zt__identity_clear(&evil);
    memset(evil.pub, 0, 32);
    memset(ac, 0x77, sizeof(ac));
    assert_int_equal(zt__identity_agree(&A, &evil, ac), ZT_ERR_CRYPTO);
    /* Another low-order point: u = 1. */
    evil.pub[0] = 1;
    assert_int_equal(zt__identity_agree(&A, &evil, ac), ZT_ERR_CRYPTO);
    for (int i = 0; i < 48; i++)
        assert_int_equal(ac[i], 0x77); /* no key material produced */

    /* No secret on our side. */
    pub_a = A;
    zt__identity_clear(&pub_a);
    assert_int_equal(zt__identity_agree(&pub_a, &B, ac), ZT_ERR_INVAL);
}

static void test_sign_verify(void **state)
{
    uint8_t sig[ZT_SIGNATURE_LEN], sig2[ZT_SIGNATURE_LEN];
    const char msg[] = "the quick brown fox";
    zt_identity p;
    (void)state;

    assert_int_equal(zt__identity_sign(&A, msg, sizeof(msg), sig), 0);
    assert_true(zt__signature_verify(A.pub, msg, sizeof(msg), sig, sizeof(sig)));
    assert_false(zt__signature_verify(B.pub, msg, sizeof(msg), sig, sizeof(sig)));
    assert_false(zt__signature_verify(A.pub, msg, sizeof(msg) - 1, sig, sizeof(sig)));
    assert_false(zt__signature_verify(A.pub, msg, sizeof(msg), sig, sizeof(sig) + 1));
    assert_false(zt__signature_verify(A.pub, msg, sizeof(msg), NULL, sizeof(sig)));
    for (size_t i = 0; i < ZT_SIGNATURE_LEN; i++) {
        sig[i] ^= 0x80;
        assert_false(zt__signature_verify(A.pub, msg, sizeof(msg), sig, sizeof(sig)));
        sig[i] ^= 0x80;
    }
    /* The bare key-pair signer gives the same (deterministic) signature. */
    zt__signature_sign(A.sec, msg, sizeof(msg), sig2);
    assert_memory_equal(sig, sig2, sizeof(sig));
    /* Signing needs the secret. */
    p = A;
    zt__identity_clear(&p);
    assert_int_equal(zt__identity_sign(&p, msg, sizeof(msg), sig), ZT_ERR_INVAL);

    /* A fresh key pair signs and verifies. */
    {
        uint8_t kp_pub[64], kp_sec[64];
        zt__keypair_generate(kp_pub, kp_sec);
        zt__signature_sign(kp_sec, "", 0, sig);
        assert_true(zt__signature_verify(kp_pub, "", 0, sig, sizeof(sig)));
    }
}

static void test_alloc_failure(void **state)
{
    failmem_state st;
    zt_mem m;
    zt_identity id, keep;
    uint8_t digest[64];
    (void)state;

    /* Each function makes exactly one allocation: fail it, then let it succeed. */
    m = failmem_make(&st, 1);
    assert_int_equal(zt__identity_address_hash(digest, A.pub, &m), ZT_ERR_NOMEM);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.live, 0);
    m = failmem_make(&st, 2);
    assert_int_equal(zt__identity_address_hash(digest, A.pub, &m), 0);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.live, 0);

    m = failmem_make(&st, 1);
    assert_int_equal(zt__identity_validate(&A, &m), ZT_ERR_NOMEM);
    assert_true(zt__err_is_fatal(ZT_ERR_NOMEM));
    assert_int_equal(st.live, 0);
    m = failmem_make(&st, 2);
    assert_int_equal(zt__identity_validate(&A, &m), 0);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.live, 0);

    memset(&id, 0x11, sizeof(id));
    keep = id;
    m = failmem_make(&st, 1);
    assert_int_equal(zt__identity_generate(&id, &m), ZT_ERR_NOMEM);
    assert_int_equal(st.live, 0);
    assert_memory_equal(&id, &keep, sizeof(id)); /* untouched */
    m = failmem_make(&st, 2);
    assert_int_equal(zt__identity_generate(&id, &m), 0);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.live, 0);
    m = failmem_make(&st, 0);
    assert_int_equal(zt__identity_validate(&id, &m), 0);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_validate),
        cmocka_unit_test(test_validate_tampered),
        cmocka_unit_test(test_address_string),
        cmocka_unit_test(test_string_roundtrip),
        cmocka_unit_test(test_from_string_rejects),
        cmocka_unit_test(test_from_string_whitespace),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_agree),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests_name("unit.identity", tests, group_setup, NULL);
}
