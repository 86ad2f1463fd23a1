/* Unit tests for src/codec/world.c (planets and moons) and src/codec/inetaddr.c, which the world
 * codec is built on. */
#include "testutil.h"

#include "codec/inetaddr.h"
#include "codec/world.h"

/* ---- inetaddr ---------------------------------------------------------------------------- */

static void check_text(const char *in, int family, const char *canonical)
{
    zt_inetaddr a, b;
    char out[ZT_INETADDR_STR_MAX];
    zt_ssize n;

    if (zt__inetaddr_parse(&a, in, strlen(in)) != 0)
        fail_msg("parse(\"%s\") failed", in);
    assert_int_equal(a.family, family);
    n = zt__inetaddr_format(&a, out, sizeof(out));
    assert_int_equal(n, strlen(canonical));
    assert_string_equal(out, canonical);
    assert_int_equal(zt__inetaddr_parse(&b, out, (size_t)n), 0);
    assert_true(zt__inetaddr_equal(&a, &b));
}

static void test_inetaddr_parse_format(void **state)
{
    zt_inetaddr a;
    (void)state;

    check_text("1.2.3.4/9993", 4, "1.2.3.4/9993");
    check_text("0.0.0.0/0", 4, "0.0.0.0/0");
    check_text("255.255.255.255/65535", 4, "255.255.255.255/65535");
    check_text("10.0.0.1/00080", 4, "10.0.0.1/80");
    check_text("2001:db8::1/9993", 6, "2001:db8::1/9993");
    check_text("2001:DB8:0:0:0:0:0:1/1", 6, "2001:db8::1/1");
    check_text("::/0", 6, "::/0");
    check_text("::ffff:1.2.3.4/443", 6, "::ffff:1.2.3.4/443");
    check_text("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/65535", 6,
               "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/65535");

    assert_int_equal(zt__inetaddr_parse(&a, "192.168.1.20/443", 16), 0);
    assert_memory_equal(a.ip, "\xc0\xa8\x01\x14", 4);
    assert_int_equal(a.port, 443);
    assert_int_equal(zt__inetaddr_parse(&a, "fe80::1:2/7", 11), 0);
    assert_memory_equal(a.ip, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\x01\0\x02", 16);
    assert_int_equal(a.port, 7);
    /* |len| is honoured: the trailing "0" is not part of the input. */
    assert_int_equal(zt__inetaddr_parse(&a, "1.2.3.4/99930", 12), 0);
    assert_int_equal(a.port, 9993);
}

static void test_inetaddr_parse_rejects(void **state)
{
    static const char *bad[] = {
        "1.2.3.4/65536", "1.2.3.4/99999", "1.2.3.4/", "1.2.3.4/abc", "1.2.3.4/12a",
        "1.2.3.4/-1", "1.2.3.4/+1", "1.2.3.4/ 80", "1.2.3.4/000080", "1.2.3.4/0x50",
        "1.2.3.4", "1.2.3.4:9993", "/9993", "/", "", "1.2.3/80", "1.2.3.4.5/80",
        "256.1.1.1/80", "[::1]/80", "::1 /80", " 1.2.3.4/80", "example.com/80", "1.2.3.4//80",
        "2001:db8::1::2/80", "2001:db8:0:0:0:0:0:0:1/80",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa/80",
    };
    zt_inetaddr a;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&a, 0x33, sizeof(a));
        if (zt__inetaddr_parse(&a, bad[i], strlen(bad[i])) != ZT_ERR_INVAL)
            fail_msg("parse(\"%s\") accepted", bad[i]);
    }
    /* An address part longer than any IPv6 text. */
    {
        char s[200];
        memset(s, '1', sizeof(s));
        s[150] = '/';
        assert_int_equal(zt__inetaddr_parse(&a, s, 153), ZT_ERR_INVAL);
    }
}

static void test_inetaddr_parse_embedded_nul(void **state)
{
    zt_inetaddr a;
    (void)state;

    /* A NUL inside the address must not truncate it ("1.2.3.4\0junk/80" is not 1.2.3.4/80). */
    assert_int_equal(zt__inetaddr_parse(&a, "1.2.3.4\0/80", 11), ZT_ERR_INVAL);
    assert_int_equal(zt__inetaddr_parse(&a, "1.2.3.4\0junk/80", 15), ZT_ERR_INVAL);
}

static void test_inetaddr_format_limits(void **state)
{
    zt_inetaddr a;
    char out[ZT_INETADDR_STR_MAX];
    (void)state;

    assert_int_equal(zt__inetaddr_parse(&a, "10.1.2.3/9993", 13), 0);
    assert_int_equal(zt__inetaddr_format(&a, out, 14), 13);
    assert_int_equal(zt__inetaddr_format(&a, out, 13), ZT_ERR_NOSPACE);
    assert_int_equal(zt__inetaddr_format(&a, out, 0), ZT_ERR_NOSPACE);
    memset(&a, 0, sizeof(a));
    assert_int_equal(zt__inetaddr_format(&a, out, sizeof(out)), ZT_ERR_INVAL);
    a.family = 5;
    assert_int_equal(zt__inetaddr_format(&a, out, sizeof(out)), ZT_ERR_INVAL);
}

static void test_inetaddr_binary(void **state)
{
    uint8_t buf[64];
    zt_inetaddr a, b, none;
    zt_wr w;
    zt_rd r;
    (void)state;

    /* v4: 7 bytes, v6: 19 bytes, none: one zero byte. */
    assert_int_equal(zt__inetaddr_parse(&a, "1.2.3.4/9993", 12), 0);
    w = zt__wr_make(buf, sizeof(buf));
    zt__inetaddr_write(&w, &a);
    assert_int_equal(zt__wr_finish(&w), 7);
    assert_memory_equal(buf, "\x04\x01\x02\x03\x04\x27\x09", 7);
    r = zt__rd_make(buf, 7);
    assert_int_equal(zt__inetaddr_read(&r, &b), 0);
    assert_true(zt__inetaddr_equal(&a, &b));
    for (size_t n = 0; n < 7; n++) {
        r = zt__rd_make(buf, n);
        assert_int_equal(zt__inetaddr_read(&r, &b), ZT_ERR_TRUNCATED);
    }

    assert_int_equal(zt__inetaddr_parse(&a, "2001:db8::5/65535", 17), 0);
    w = zt__wr_make(buf, sizeof(buf));
    zt__inetaddr_write(&w, &a);
    assert_int_equal(zt__wr_finish(&w), 19);
    assert_int_equal(buf[0], 6);
    assert_int_equal(buf[17], 0xff);
    assert_int_equal(buf[18], 0xff);
    r = zt__rd_make(buf, 19);
    assert_int_equal(zt__inetaddr_read(&r, &b), 0);
    assert_true(zt__inetaddr_equal(&a, &b));
    for (size_t n = 0; n < 19; n++) {
        r = zt__rd_make(buf, n);
        assert_int_equal(zt__inetaddr_read(&r, &b), ZT_ERR_TRUNCATED);
    }

    memset(&none, 0, sizeof(none));
    w = zt__wr_make(buf, sizeof(buf));
    zt__inetaddr_write(&w, &none);
    assert_int_equal(zt__wr_finish(&w), 1);
    assert_int_equal(buf[0], 0);
    r = zt__rd_make(buf, 1);
    assert_int_equal(zt__inetaddr_read(&r, &b), 0);
    assert_int_equal(b.family, 0);
    w = zt__wr_make(buf, 6);
    zt__inetaddr_write(&w, &a);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
}

static void test_inetaddr_reserved_types(void **state)
{
    /* Types 1 and 2 carry 6 bytes; type 3 a 16-bit length and that many bytes.  Each is
     * followed here by a v4 address that must be read next. */
    static const uint8_t t1[] = {1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 4, 9, 8, 7, 6, 0, 80};
    static const uint8_t t2[] = {2, 1, 2, 3, 4, 5, 6, 4, 9, 8, 7, 6, 0, 80};
    static const uint8_t t3[] = {3, 0, 3, 'x', 'y', 'z', 4, 9, 8, 7, 6, 0, 80};
    static const uint8_t t3e[] = {3, 0, 0, 4, 9, 8, 7, 6, 0, 80};
    const struct { const uint8_t *b; size_t n, skip; } c[] = {
        {t1, sizeof(t1), 7}, {t2, sizeof(t2), 7}, {t3, sizeof(t3), 6}, {t3e, sizeof(t3e), 3},
    };
    zt_inetaddr a;
    zt_rd r;
    (void)state;

    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        r = zt__rd_make(c[i].b, c[i].n);
        memset(&a, 0x44, sizeof(a));
        assert_int_equal(zt__inetaddr_read(&r, &a), 0);
        assert_int_equal(a.family, 0);
        assert_int_equal(zt__rd_left(&r), c[i].n - c[i].skip);
        assert_int_equal(zt__inetaddr_read(&r, &a), 0);
        assert_int_equal(a.family, 4);
        assert_memory_equal(a.ip, "\x09\x08\x07\x06", 4);
        assert_int_equal(a.port, 80);
        /* Cut inside the reserved form. */
        for (size_t n = 0; n < c[i].skip; n++) {
            r = zt__rd_make(c[i].b, n);
            assert_int_equal(zt__inetaddr_read(&r, &a), ZT_ERR_TRUNCATED);
        }
    }
    /* Every other type is rejected. */
    for (int t = 5; t < 256; t++) {
        uint8_t b[32] = {0};
        if (t == 6)
            continue;
        b[0] = (uint8_t)t;
        r = zt__rd_make(b, sizeof(b));
        assert_int_equal(zt__inetaddr_read(&r, &a), ZT_ERR_INVAL);
    }
}

static void test_inetaddr_compare(void **state)
{
    zt_inetaddr a, b, c, d;
    (void)state;

    assert_int_equal(zt__inetaddr_parse(&a, "1.2.3.4/80", 10), 0);
    assert_int_equal(zt__inetaddr_parse(&b, "1.2.3.4/81", 10), 0);
    assert_int_equal(zt__inetaddr_parse(&c, "1.2.3.5/1", 9), 0);
    assert_int_equal(zt__inetaddr_parse(&d, "::1/1", 5), 0);
    assert_int_equal(zt__inetaddr_compare(&a, &a), 0);
    assert_int_equal(zt__inetaddr_compare(&a, &b), -1);
    assert_int_equal(zt__inetaddr_compare(&b, &a), 1);
    assert_int_equal(zt__inetaddr_compare(&b, &c), -1); /* address before port */
    assert_int_equal(zt__inetaddr_compare(&c, &d), -1); /* family first */
    assert_int_equal(zt__inetaddr_compare(&d, &a), 1);
    assert_false(zt__inetaddr_equal(&a, &b));
    assert_true(zt__inetaddr_equal(&d, &d));
}

/* ---- worlds ------------------------------------------------------------------------------ */

static uint8_t SIGN_PUB[64], SIGN_SEC[64];

/* A root identity with a random key and a non-reserved address (worlds do not validate the
 * address hash, so no generation is needed). */
static void fake_identity(zt_identity *id, unsigned n)
{
    memset(id, 0, sizeof(*id));
    id->address = 0x1100000000ULL + n;
    zt__random_bytes(id->pub, sizeof(id->pub));
}

/* A world with |nroots| roots of |neps| endpoints each, alternating IPv4 and IPv6. */
static void make_world(zt_world *w, uint8_t type, unsigned nroots, unsigned neps)
{
    memset(w, 0, sizeof(*w));
    w->type = type;
    w->id = type == ZT_WORLD_TYPE_PLANET ? ZT_WORLD_ID_EARTH : 0x1100000001ULL;
    w->timestamp = 1700000000000ULL;
    memcpy(w->update_key, SIGN_PUB, 64);
    w->nroots = nroots;
    for (unsigned i = 0; i < nroots && i < ZT_WORLD_MAX_ROOTS; i++) {
        fake_identity(&w->roots[i].identity, i + 1);
        w->roots[i].nendpoints = neps;
        for (unsigned j = 0; j < neps && j < ZT_WORLD_MAX_ENDPOINTS; j++) {
            uint8_t ip[16];
            zt__random_bytes(ip, sizeof(ip));
            if (j % 2 == 0)
                zt__inetaddr_set4(&w->roots[i].endpoints[j], ip, (uint16_t)(9993 + j));
            else
                zt__inetaddr_set6(&w->roots[i].endpoints[j], ip, (uint16_t)(443 * j));
        }
    }
}

static void assert_world_equal(const zt_world *a, const zt_world *b)
{
    assert_int_equal(a->type, b->type);
    assert_true(a->id == b->id && a->timestamp == b->timestamp);
    assert_memory_equal(a->update_key, b->update_key, 64);
    assert_memory_equal(a->signature, b->signature, ZT_SIGNATURE_LEN);
    assert_int_equal(a->nroots, b->nroots);
    for (unsigned i = 0; i < a->nroots; i++) {
        assert_true(zt__identity_equal(&a->roots[i].identity, &b->roots[i].identity));
        assert_false(b->roots[i].identity.has_secret);
        assert_int_equal(a->roots[i].nendpoints, b->roots[i].nendpoints);
        for (unsigned j = 0; j < a->roots[i].nendpoints; j++)
            assert_true(zt__inetaddr_equal(&a->roots[i].endpoints[j], &b->roots[i].endpoints[j]));
    }
    assert_int_equal(a->dict_len, b->dict_len);
    assert_memory_equal(a->dict, b->dict, a->dict_len);
}

/* Expected serialized size, from vl1.md §6.1. */
static size_t world_size(const zt_world *w)
{
    size_t n = 1 + 8 + 8 + 64 + ZT_SIGNATURE_LEN + 1;
    for (unsigned i = 0; i < w->nroots; i++) {
        n += ZT_IDENTITY_BIN_PUBLIC_LEN + 1;
        for (unsigned j = 0; j < w->roots[i].nendpoints; j++)
            n += w->roots[i].endpoints[j].family == 4 ? 7 : 19;
    }
    if (w->type == ZT_WORLD_TYPE_MOON)
        n += 2 + w->dict_len;
    return n;
}

static void test_world_max(void **state)
{
    static uint8_t buf[ZT_WORLD_MAX_SERIALIZED + 16];
    static zt_world w, back;
    zt_ssize n;
    (void)state;

    for (int moon = 0; moon <= 1; moon++) {
        make_world(&w, moon ? ZT_WORLD_TYPE_MOON : ZT_WORLD_TYPE_PLANET, ZT_WORLD_MAX_ROOTS,
                   ZT_WORLD_MAX_ENDPOINTS);
        if (moon) {
            w.dict_len = ZT_WORLD_MAX_DICT;
            zt__random_bytes(w.dict, ZT_WORLD_MAX_DICT);
        }
        assert_int_equal(zt__world_sign(&w, SIGN_SEC), 0);
        n = zt__world_write(&w, false, buf, sizeof(buf));
        assert_int_equal(n, world_size(&w));
        assert_true((size_t)n <= ZT_WORLD_MAX_SERIALIZED);
        assert_int_equal(zt__world_parse(&back, buf, (size_t)n), 0);
        assert_world_equal(&w, &back);
        assert_true(zt__world_verify(&back, SIGN_PUB));
        /* Exactly enough room, and one byte less. */
        assert_int_equal(zt__world_write(&w, false, buf, (size_t)n), n);
        assert_int_equal(zt__world_write(&w, false, buf, (size_t)n - 1), ZT_ERR_NOSPACE);
        /* The signed form: 8 x 0x7f, the body without signature, 8 x 0xf7. */
        assert_int_equal(zt__world_write(&w, true, buf, sizeof(buf)),
                         n - ZT_SIGNATURE_LEN + 16);
        assert_memory_equal(buf, "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", 8);
        assert_memory_equal(buf + n - ZT_SIGNATURE_LEN + 8, "\xf7\xf7\xf7\xf7\xf7\xf7\xf7\xf7", 8);
    }
}

static void test_world_write_limits(void **state)
{
    static uint8_t buf[ZT_WORLD_MAX_SERIALIZED + 16];
    static zt_world w;
    (void)state;

    make_world(&w, ZT_WORLD_TYPE_PLANET, ZT_WORLD_MAX_ROOTS, 2);
    w.nroots = ZT_WORLD_MAX_ROOTS + 1;
    assert_int_equal(zt__world_write(&w, false, buf, sizeof(buf)), ZT_ERR_RANGE);
    assert_int_equal(zt__world_write(&w, true, buf, sizeof(buf)), ZT_ERR_RANGE);
    assert_int_equal(zt__world_sign(&w, SIGN_SEC), ZT_ERR_RANGE);
    assert_false(zt__world_verify(&w, SIGN_PUB));

    make_world(&w, ZT_WORLD_TYPE_PLANET, 2, ZT_WORLD_MAX_ENDPOINTS);
    w.roots[1].nendpoints = ZT_WORLD_MAX_ENDPOINTS + 1;
    assert_int_equal(zt__world_write(&w, false, buf, sizeof(buf)), ZT_ERR_RANGE);
    assert_int_equal(zt__world_write(&w, true, buf, sizeof(buf)), ZT_ERR_RANGE);

    make_world(&w, ZT_WORLD_TYPE_MOON, 1, 1);
    w.dict_len = ZT_WORLD_MAX_DICT + 1;
    assert_int_equal(zt__world_write(&w, false, buf, sizeof(buf)), ZT_ERR_RANGE);
}

/* Offset of the root count byte, and of root 0's endpoint count byte. */
#define OFF_NROOTS (1 + 8 + 8 + 64 + ZT_SIGNATURE_LEN)
#define OFF_NEPS0 (OFF_NROOTS + 1 + ZT_IDENTITY_BIN_PUBLIC_LEN)

static void test_world_read_limits(void **state)
{
    static uint8_t buf[ZT_WORLD_MAX_SERIALIZED + 1024];
    static zt_world w, back;
    zt_ssize n;
    zt_wr wr;
    (void)state;

    /* A fifth root, really present in the bytes. */
    make_world(&w, ZT_WORLD_TYPE_PLANET, ZT_WORLD_MAX_ROOTS, 1);
    n = zt__world_write(&w, false, buf, sizeof(buf));
    assert_true(n > 0);
    wr = zt__wr_make(buf + n, sizeof(buf) - (size_t)n);
    zt__identity_write(&wr, &w.roots[0].identity, false);
    zt__wr_u8(&wr, 1);
    zt__inetaddr_write(&wr, &w.roots[0].endpoints[0]);
    assert_int_equal(buf[OFF_NROOTS], 4);
    buf[OFF_NROOTS] = 5;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n + zt__wr_len(&wr)), ZT_ERR_INVAL);
    buf[OFF_NROOTS] = 255;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n + zt__wr_len(&wr)), ZT_ERR_INVAL);

    /* 33 endpoints on one root, also really present. */
    make_world(&w, ZT_WORLD_TYPE_PLANET, 1, ZT_WORLD_MAX_ENDPOINTS);
    n = zt__world_write(&w, false, buf, sizeof(buf));
    assert_true(n > 0);
    wr = zt__wr_make(buf + n, sizeof(buf) - (size_t)n);
    zt__inetaddr_write(&wr, &w.roots[0].endpoints[0]);
    assert_int_equal(buf[OFF_NEPS0], 32);
    buf[OFF_NEPS0] = 33;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n + zt__wr_len(&wr)), ZT_ERR_INVAL);

    /* A moon dictionary larger than we keep, present: RANGE; claimed but absent: TRUNCATED. */
    make_world(&w, ZT_WORLD_TYPE_MOON, 1, 1);
    n = zt__world_write(&w, false, buf, sizeof(buf));
    assert_true(n > 0);
    zt__store_be(buf + n - 2, ZT_WORLD_MAX_DICT + 1, 2);
    memset(buf + n, 'd', ZT_WORLD_MAX_DICT + 1);
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n + ZT_WORLD_MAX_DICT + 1),
                     ZT_ERR_RANGE);
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n + 10), ZT_ERR_TRUNCATED);

    /* More than the largest serialized world. */
    assert_int_equal(zt__world_parse(&back, buf, ZT_WORLD_MAX_SERIALIZED + 1), ZT_ERR_RANGE);
}

static void test_world_malformed(void **state)
{
    static uint8_t buf[ZT_WORLD_MAX_SERIALIZED + 16];
    static zt_world w, back;
    zt_ssize n;
    zt_rd r;
    (void)state;

    make_world(&w, ZT_WORLD_TYPE_PLANET, 2, 3);
    assert_int_equal(zt__world_sign(&w, SIGN_SEC), 0);
    n = zt__world_write(&w, false, buf, sizeof(buf));
    assert_true(n > 0);

    /* Trailing byte. */
    buf[n] = 0;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n + 1), ZT_ERR_INVAL);
    /* ...which world_read itself leaves for the next reader. */
    r = zt__rd_make(buf, (size_t)n + 1);
    assert_int_equal(zt__world_read(&r, &back), 0);
    assert_int_equal(zt__rd_left(&r), 1);
    /* Truncated at every length. */
    for (zt_ssize k = 0; k < n; k++)
        if (zt__world_parse(&back, buf, (size_t)k) != ZT_ERR_TRUNCATED)
            fail_msg("world cut at %zd of %zd not reported as truncated", k, n);
    /* Types other than planet and moon. */
    for (int t = 0; t < 256; t++) {
        if (t == ZT_WORLD_TYPE_PLANET || t == ZT_WORLD_TYPE_MOON)
            continue;
        buf[0] = (uint8_t)t;
        assert_int_equal(zt__world_parse(&back, buf, (size_t)n), ZT_ERR_INVAL);
    }
    buf[0] = ZT_WORLD_TYPE_PLANET;
    /* Root with a non-zero identity type, or a reserved address. */
    buf[OFF_NROOTS + 1 + 5] = 1;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n), ZT_ERR_INVAL);
    buf[OFF_NROOTS + 1 + 5] = 0;
    buf[OFF_NROOTS + 1] = 0xff;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n), ZT_ERR_INVAL);
    buf[OFF_NROOTS + 1] = 0x11;
    /* An endpoint of an unknown type. */
    assert_int_equal(buf[OFF_NEPS0 + 1], 4);
    buf[OFF_NEPS0 + 1] = 9;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n), ZT_ERR_INVAL);
    buf[OFF_NEPS0 + 1] = 4;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n), 0);
    assert_world_equal(&w, &back);
    /* Zero roots is a valid (if useless) world. */
    make_world(&w, ZT_WORLD_TYPE_PLANET, 0, 0);
    n = zt__world_write(&w, false, buf, sizeof(buf));
    assert_int_equal(n, OFF_NROOTS + 1);
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n), 0);
    assert_int_equal(back.nroots, 0);
}

static void test_world_secret_identity(void **state)
{
    static uint8_t buf[1024];
    static zt_world w, back;
    zt_identity id;
    zt_wr wr;
    (void)state;

    /* Built by hand: a planet whose only root carries a 64-byte secret. */
    fake_identity(&id, 3);
    zt__random_bytes(id.sec, sizeof(id.sec));
    id.has_secret = true;
    wr = zt__wr_make(buf, sizeof(buf));
    zt__wr_u8(&wr, ZT_WORLD_TYPE_PLANET);
    zt__wr_u64(&wr, 7);
    zt__wr_u64(&wr, 8);
    zt__wr_bytes(&wr, SIGN_PUB, 64);
    zt__wr_bytes(&wr, buf + 900, ZT_SIGNATURE_LEN); /* any signature: it is not checked here */
    zt__wr_u8(&wr, 1);
    zt__identity_write(&wr, &id, true);
    zt__wr_u8(&wr, 0);
    assert_false(wr.overflow);
    assert_int_equal(zt__world_parse(&back, buf, zt__wr_len(&wr)), ZT_ERR_INVAL);
    /* No secret bytes are left behind in the output. */
    for (int i = 0; i < 64; i++)
        assert_int_equal(back.roots[0].identity.sec[i], 0);

    /* The same planet without the secret parses. */
    id.has_secret = false;
    wr = zt__wr_make(buf, sizeof(buf));
    make_world(&w, ZT_WORLD_TYPE_PLANET, 1, 0);
    w.roots[0].identity = id;
    assert_int_equal(zt__world_parse(&back, buf,
                                     (size_t)zt__world_write(&w, false, buf, sizeof(buf))), 0);
    assert_true(zt__identity_equal(&back.roots[0].identity, &id));
}

static void test_moon_dictionary(void **state)
{
    static const char dict[] = "name=my moon\nowner=someone\x00\x01\xff binary is fine too";
    static uint8_t buf[ZT_WORLD_MAX_SERIALIZED + 16], two[2 * (ZT_WORLD_MAX_SERIALIZED + 16)];
    static zt_world w, back, next;
    zt_ssize n;
    zt_rd r;
    (void)state;

    make_world(&w, ZT_WORLD_TYPE_MOON, 2, 2);
    w.dict_len = sizeof(dict);
    memcpy(w.dict, dict, sizeof(dict));
    assert_int_equal(zt__world_sign(&w, SIGN_SEC), 0);
    n = zt__world_write(&w, false, buf, sizeof(buf));
    assert_int_equal(n, world_size(&w));
    assert_int_equal(zt__load_be(buf + n - sizeof(dict) - 2, 2), sizeof(dict));

    assert_int_equal(zt__world_parse(&back, buf, (size_t)n), 0);
    assert_int_equal(back.dict_len, sizeof(dict));
    assert_memory_equal(back.dict, dict, sizeof(dict));
    assert_true(zt__world_verify(&back, SIGN_PUB));
    /* The dictionary is signed: changing a byte of it breaks the signature. */
    buf[n - 3] ^= 1;
    assert_int_equal(zt__world_parse(&back, buf, (size_t)n), 0);
    assert_false(zt__world_verify(&back, SIGN_PUB));
    buf[n - 3] ^= 1;

    /* Two worlds back to back (as in OK(HELLO)): the second is read where the first ended. */
    next = w;
    next.timestamp++;
    next.dict_len = 0;
    assert_int_equal(zt__world_sign(&next, SIGN_SEC), 0);
    memcpy(two, buf, (size_t)n);
    {
        zt_ssize m = zt__world_write(&next, false, two + n, sizeof(two) - (size_t)n);
        assert_true(m > 0);
        r = zt__rd_make(two, (size_t)(n + m));
    }
    assert_int_equal(zt__world_read(&r, &back), 0);
    assert_world_equal(&w, &back);
    assert_int_equal(zt__world_read(&r, &back), 0);
    assert_world_equal(&next, &back);
    assert_int_equal(zt__rd_left(&r), 0);
    assert_true(zt__world_should_replace(&w, &back));
    assert_false(zt__world_should_replace(&back, &w)); /* older */

    /* A planet never carries a dictionary: its bytes would be trailing garbage. */
    make_world(&w, ZT_WORLD_TYPE_PLANET, 1, 1);
    w.dict_len = 5;
    n = zt__world_write(&w, false, buf, sizeof(buf));
    assert_int_equal(n, world_size(&w));
}

static void test_should_replace(void **state)
{
    static zt_world held, cand;
    zt_world null_world;
    uint8_t other_pub[64], other_sec[64];
    (void)state;

    make_world(&held, ZT_WORLD_TYPE_PLANET, 1, 1);
    assert_int_equal(zt__world_sign(&held, SIGN_SEC), 0);
    memset(&null_world, 0, sizeof(null_world));
    assert_true(zt__world_should_replace(&null_world, &held));

    cand = held;
    cand.timestamp++;
    assert_int_equal(zt__world_sign(&cand, SIGN_SEC), 0);
    assert_true(zt__world_should_replace(&held, &cand));
    /* Other world ID, other type, same timestamp. */
    cand.id++;
    assert_int_equal(zt__world_sign(&cand, SIGN_SEC), 0);
    assert_false(zt__world_should_replace(&held, &cand));
    cand = held;
    cand.type = ZT_WORLD_TYPE_MOON;
    cand.timestamp++;
    assert_int_equal(zt__world_sign(&cand, SIGN_SEC), 0);
    assert_false(zt__world_should_replace(&held, &cand));
    cand = held;
    assert_int_equal(zt__world_sign(&cand, SIGN_SEC), 0);
    assert_false(zt__world_should_replace(&held, &cand));
    /* Signed by someone else, even if it names that someone as the next update key. */
    zt__keypair_generate(other_pub, other_sec);
    cand = held;
    cand.timestamp += 10;
    memcpy(cand.update_key, other_pub, 64);
    assert_int_equal(zt__world_sign(&cand, other_sec), 0);
    assert_false(zt__world_should_replace(&held, &cand));
    /* Signed by the held update key while rotating to a new one: accepted. */
    assert_int_equal(zt__world_sign(&cand, SIGN_SEC), 0);
    assert_true(zt__world_should_replace(&held, &cand));
}

static int group_setup(void **state)
{
    (void)state;
    if (zt__crypto_init() != 0)
        return -1;
    zt__keypair_generate(SIGN_PUB, SIGN_SEC);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inetaddr_parse_format),
        cmocka_unit_test(test_inetaddr_parse_rejects),
        cmocka_unit_test(test_inetaddr_parse_embedded_nul),
        cmocka_unit_test(test_inetaddr_format_limits),
        cmocka_unit_test(test_inetaddr_binary),
        cmocka_unit_test(test_inetaddr_reserved_types),
        cmocka_unit_test(test_inetaddr_compare),
        cmocka_unit_test(test_world_max),
        cmocka_unit_test(test_world_write_limits),
        cmocka_unit_test(test_world_read_limits),
        cmocka_unit_test(test_world_malformed),
        cmocka_unit_test(test_world_secret_identity),
        cmocka_unit_test(test_moon_dictionary),
        cmocka_unit_test(test_should_replace),
    };
    return cmocka_run_group_tests_name("unit.world", tests, group_setup, NULL);
}
