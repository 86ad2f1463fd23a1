/* Unit tests for src/util: hex codec, bounded reader / sticky writer, errors, mem hook, arrays. */
#include "testutil.h"

#include <ctype.h>

#include "failmem.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/errors.h"
#include "util/hex.h"
#include "util/mem.h"
#include "util/table.h"

/* Reference digit value: a lookup in the list of digits, independent of the branch-free code
 * under test (so it cannot share its mistakes). */
static int ref_nibble(int c)
{
    static const char digits[] = "0123456789abcdef0123456789ABCDEF";
    const char *at = c != 0 ? memchr(digits, c, sizeof(digits) - 1) : NULL;

    return at == NULL ? -1 : (int)((at - digits) % 16);
}

static void test_hex_encode_all_bytes(void **state)
{
    uint8_t data[256];
    char out[513], want[3];
    (void)state;

    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t)i;
    assert_int_equal(zt__hex_encode(out, sizeof(out), data, sizeof(data)), 0);
    assert_int_equal(strlen(out), 512);
    for (int i = 0; i < 256; i++) {
        snprintf(want, sizeof(want), "%02x", i);
        assert_memory_equal(out + 2 * i, want, 2);
    }
}

static void test_hex_encode_capacity(void **state)
{
    const uint8_t data[3] = {0xde, 0xad, 0x01};
    char out[8];
    (void)state;

    memset(out, 'X', sizeof(out));
    /* 3 bytes need 6 digits and a NUL. */
    assert_int_equal(zt__hex_encode(out, 6, data, 3), ZT_ERR_NOSPACE);
    assert_int_equal(out[0], 'X'); /* nothing written on failure */
    assert_int_equal(zt__hex_encode(out, 0, data, 3), ZT_ERR_NOSPACE);
    assert_int_equal(zt__hex_encode(out, 7, data, 3), 0);
    assert_string_equal(out, "dead01");
    assert_int_equal(out[7], 'X'); /* nothing past the NUL */
    /* Empty input: just the NUL, which still needs one byte. */
    assert_int_equal(zt__hex_encode(out, 0, data, 0), ZT_ERR_NOSPACE);
    assert_int_equal(zt__hex_encode(out, 1, data, 0), 0);
    assert_string_equal(out, "");
}

static void test_hex_decode_every_char(void **state)
{
    (void)state;
    /* Every byte value in the high and the low position, against the reference. */
    for (int c = 0; c < 256; c++) {
        char hi[2] = {(char)c, '7'}, lo[2] = {'7', (char)c};
        uint8_t out = 0xaa;
        int want = ref_nibble(c);
        zt_ssize rh = zt__hex_decode(&out, 1, hi, 2);
        if (want < 0) {
            assert_int_equal(rh, ZT_ERR_INVAL);
        } else {
            assert_int_equal(rh, 1);
            assert_int_equal(out, (want << 4) | 7);
        }
        zt_ssize rl = zt__hex_decode(&out, 1, lo, 2);
        if (want < 0) {
            assert_int_equal(rl, ZT_ERR_INVAL);
        } else {
            assert_int_equal(rl, 1);
            assert_int_equal(out, 0x70 | want);
        }
    }
}

static void test_hex_decode_cases(void **state)
{
    uint8_t out[8];
    (void)state;

    assert_int_equal(zt__hex_decode(out, sizeof(out), "DeAdBeEf", 8), 4);
    assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
    assert_int_equal(zt__hex_decode(out, sizeof(out), "ABCDEF0123", 10), 5);
    assert_memory_equal(out, "\xab\xcd\xef\x01\x23", 5);
    /* Odd lengths. */
    assert_int_equal(zt__hex_decode(out, sizeof(out), "abc", 3), ZT_ERR_INVAL);
    assert_int_equal(zt__hex_decode(out, sizeof(out), "a", 1), ZT_ERR_INVAL);
    /* Only |hexlen| digits count, even if more follow. */
    assert_int_equal(zt__hex_decode(out, sizeof(out), "0102zz", 4), 2);
    assert_memory_equal(out, "\x01\x02", 2);
    /* A bad digit anywhere, including the very last one. */
    assert_int_equal(zt__hex_decode(out, sizeof(out), "0g", 2), ZT_ERR_INVAL);
    assert_int_equal(zt__hex_decode(out, sizeof(out), "000000000000000G", 16), ZT_ERR_INVAL);
    assert_int_equal(zt__hex_decode(out, sizeof(out), "00 1", 4), ZT_ERR_INVAL);
    assert_int_equal(zt__hex_decode(out, sizeof(out), "0x01", 4), ZT_ERR_INVAL);
    assert_int_equal(zt__hex_decode(out, sizeof(out), "01\0" "2", 4), ZT_ERR_INVAL);
    /* Empty input is zero bytes. */
    assert_int_equal(zt__hex_decode(out, 0, "", 0), 0);
}

static void test_hex_decode_capacity(void **state)
{
    uint8_t out[4] = {0x55, 0x55, 0x55, 0x55};
    (void)state;

    assert_int_equal(zt__hex_decode(out, 2, "010203", 6), ZT_ERR_NOSPACE);
    assert_int_equal(out[2], 0x55);
    assert_int_equal(zt__hex_decode(out, 3, "010203", 6), 3);
    assert_memory_equal(out, "\x01\x02\x03\x55", 4);
    /* An odd length is reported as malformed before the capacity is considered. */
    assert_int_equal(zt__hex_decode(out, 0, "01020", 5), ZT_ERR_INVAL);
}

static void test_hex_roundtrip_random(void **state)
{
    uint8_t in[97], back[97];
    char text[2 * 97 + 1];
    (void)state;

    for (size_t n = 0; n <= sizeof(in); n++) {
        zt__random_bytes(in, n);
        assert_int_equal(zt__hex_encode(text, sizeof(text), in, n), 0);
        assert_int_equal(strlen(text), 2 * n);
        for (size_t i = 0; i < 2 * n; i++)
            assert_true(isxdigit((unsigned char)text[i]) && !isupper((unsigned char)text[i]));
        assert_int_equal(zt__hex_decode(back, sizeof(back), text, 2 * n), (zt_ssize)n);
        assert_memory_equal(back, in, n);
    }
}

static void test_hex_u64(void **state)
{
    uint64_t v = 12345;
    (void)state;

    assert_int_equal(zt__hex_u64("0", 1, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(zt__hex_u64("ffffffffffffffff", 16, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(zt__hex_u64("89ABcdef01", 10, &v), 0);
    assert_true(v == 0x89abcdef01ULL);
    v = 7;
    assert_int_equal(zt__hex_u64("", 0, &v), ZT_ERR_INVAL);
    assert_int_equal(zt__hex_u64("10000000000000000", 17, &v), ZT_ERR_INVAL);
    assert_int_equal(zt__hex_u64("12z4", 4, &v), ZT_ERR_INVAL);
    assert_int_equal(zt__hex_u64("-1", 2, &v), ZT_ERR_INVAL);
    assert_int_equal(v, 7); /* untouched on failure */
}

static void test_hex_digit(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        assert_int_equal(zt__hex_digit(c), ref_nibble(c));
        assert_int_equal(zt__hex_digit((char)c), ref_nibble(c)); /* negative as a signed char */
    }
}

static void test_hex_prefix_u64(void **state)
{
    uint64_t v = 7;
    bool over = true;
    (void)state;

    assert_int_equal(zt__hex_prefix_u64("", 0, &v, &over), 0);
    assert_true(v == 0 && !over);
    v = 7;
    assert_int_equal(zt__hex_prefix_u64("xyz", 3, &v, NULL), 0);
    assert_true(v == 0);
    assert_int_equal(zt__hex_prefix_u64("1aF:22", 6, &v, NULL), 3); /* stops at the ':' */
    assert_true(v == 0x1af);
    assert_int_equal(zt__hex_prefix_u64("1234", 2, &v, NULL), 2); /* stops after |n| */
    assert_true(v == 0x12);
    assert_int_equal(zt__hex_prefix_u64("ab\0cd", 6, &v, NULL), 2); /* a NUL ends the digits */
    assert_true(v == 0xab);
    over = true;
    assert_int_equal(zt__hex_prefix_u64("FFFFFFFFFFFFFFFF", 16, &v, &over), 16);
    assert_true(v == UINT64_MAX && !over);
    assert_int_equal(zt__hex_prefix_u64("0000000000000000001", 19, &v, &over), 19);
    assert_true(v == 1 && !over); /* leading zeros fit */
    /* One digit too many saturates, as strtoull does, and every digit is still counted. */
    assert_int_equal(zt__hex_prefix_u64("10000000000000000", 17, &v, &over), 17);
    assert_true(v == UINT64_MAX && over);
    over = false;
    assert_int_equal(zt__hex_prefix_u64("123456789abcdef0123 ", 20, &v, &over), 19);
    assert_true(v == UINT64_MAX && over);
}

static void test_rd_bounds(void **state)
{
    const uint8_t data[11] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    zt_rd r = zt__rd_make(data, sizeof(data));
    uint8_t b, out[16];
    uint16_t u16;
    uint64_t u64;
    const uint8_t *ptr;
    (void)state;

    assert_int_equal(zt__rd_left(&r), 11);
    assert_int_equal(zt__rd_u8(&r, &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(zt__rd_u16(&r, &u16), 0);
    assert_int_equal(u16, 0x0203);
    assert_int_equal(zt__rd_u64(&r, &u64), 0);
    assert_true(u64 == 0x0405060708090a0bULL);
    assert_int_equal(zt__rd_left(&r), 0);
    /* Every reader fails at the end without moving. */
    assert_int_equal(zt__rd_u8(&r, &b), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__rd_u16(&r, &u16), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__rd_u64(&r, &u64), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__rd_bytes(&r, out, 1), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__rd_skip(&r, 1), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__rd_ptr(&r, &ptr, 1), ZT_ERR_TRUNCATED);
    assert_true(r.p == r.end);
    /* Zero-length operations at the end succeed. */
    assert_int_equal(zt__rd_bytes(&r, out, 0), 0);
    assert_int_equal(zt__rd_skip(&r, 0), 0);

    /* A read one byte longer than what is left fails and leaves the position alone. */
    r = zt__rd_make(data, sizeof(data));
    assert_int_equal(zt__rd_skip(&r, 4), 0);
    assert_int_equal(zt__rd_bytes(&r, out, 8), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__rd_be(&r, &u64, 8), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__rd_left(&r), 7);
    assert_int_equal(zt__rd_ptr(&r, &ptr, 7), 0);
    assert_true(ptr == data + 4);
    assert_int_equal(zt__rd_left(&r), 0);
    /* A huge length must not wrap the pointer. */
    r = zt__rd_make(data, sizeof(data));
    assert_int_equal(zt__rd_skip(&r, SIZE_MAX), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__rd_left(&r), 11);
    /* An empty reader. */
    r = zt__rd_make(data, 0);
    assert_int_equal(zt__rd_u8(&r, &b), ZT_ERR_TRUNCATED);
}

static void test_be_roundtrip(void **state)
{
    uint8_t buf[8];
    (void)state;

    for (size_t n = 1; n <= 8; n++) {
        uint64_t v = 0x0123456789abcdefULL;
        uint64_t mask = n == 8 ? UINT64_MAX : (1ULL << (8 * n)) - 1;
        zt__store_be(buf, v, n);
        assert_int_equal(buf[n - 1], 0xef);             /* least significant byte last */
        assert_true(zt__load_be(buf, n) == (v & mask)); /* high bytes dropped */
    }
    zt__store_be(buf, 0x0102030405ULL, 5);
    assert_memory_equal(buf, "\x01\x02\x03\x04\x05", 5);
    assert_int_equal(zt__load_be16(buf + 1), 0x0203);
    buf[0] = 0xfe;
    assert_int_equal(zt__load_be16(buf), 0xfe02);
}

static void test_wr_sticky_overflow(void **state)
{
    uint8_t buf[8];
    zt_wr w;
    (void)state;

    memset(buf, 0xee, sizeof(buf));
    w = zt__wr_make(buf, 4); /* bytes 4..7 are a canary */
    zt__wr_u8(&w, 0x01);
    zt__wr_u16(&w, 0x0203);
    assert_false(w.overflow);
    assert_int_equal(zt__wr_len(&w), 3);
    zt__wr_u16(&w, 0x0405); /* one byte left: overflows, writes nothing */
    assert_true(w.overflow);
    assert_int_equal(zt__wr_len(&w), 3);
    assert_int_equal(buf[3], 0xee);
    zt__wr_u8(&w, 0x06); /* would fit, but the error is sticky */
    zt__wr_bytes(&w, "", 0);
    assert_true(w.overflow);
    assert_int_equal(buf[3], 0xee);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
    for (size_t i = 4; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xee);

    /* Exactly full is fine. */
    w = zt__wr_make(buf, 4);
    zt__wr_bytes(&w, "\x0a\x0b", 2);
    zt__wr_u16(&w, 0x0c0d);
    zt__wr_bytes(&w, "", 0);
    assert_int_equal(zt__wr_finish(&w), 4);
    assert_memory_equal(buf, "\x0a\x0b\x0c\x0d", 4);
    zt__wr_u8(&w, 0);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);

    /* A u64 into 7 bytes. */
    w = zt__wr_make(buf, 7);
    zt__wr_u64(&w, 1);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
    w = zt__wr_make(buf, 8);
    zt__wr_u64(&w, 0x1122334455667788ULL);
    assert_int_equal(zt__wr_finish(&w), 8);
    assert_memory_equal(buf, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);

    /* A zero-capacity writer overflows on the first byte. */
    w = zt__wr_make(buf, 0);
    assert_int_equal(zt__wr_finish(&w), 0);
    zt__wr_u8(&w, 1);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
}

static void test_errors(void **state)
{
    static const int codes[] = {
        ZT_OK, ZT_ERR_DROP, ZT_ERR_INVAL, ZT_ERR_RANGE, ZT_ERR_TRUNCATED, ZT_ERR_NOSPACE,
        ZT_ERR_AUTH, ZT_ERR_CRYPTO, ZT_ERR_RESERVED, ZT_ERR_NOTFOUND, ZT_ERR_EXISTS, ZT_ERR_IO,
        ZT_ERR_AGAIN, ZT_ERR_UNSUPPORTED, ZT_ERR_LIMIT, ZT_ERR_NOMEM, ZT_ERR_INTERNAL,
        ZT_ERR_CALLBACK_FAILURE,
    };
    size_t n = sizeof(codes) / sizeof(codes[0]);
    (void)state;

    for (size_t i = 0; i < n; i++) {
        const char *s = zt__strerror(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        /* Distinct codes have distinct messages. */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, zt__strerror(codes[j]));
    }
    assert_non_null(zt__strerror(-12345));
    assert_non_null(zt__strerror(42));

    assert_false(zt__err_is_fatal(ZT_OK));
    assert_false(zt__err_is_fatal(ZT_ERR_DROP));
    assert_false(zt__err_is_fatal(ZT_ERR_LIMIT));
    assert_true(zt__err_is_fatal(ZT_ERR_FATAL));
    assert_true(zt__err_is_fatal(ZT_ERR_NOMEM));
    assert_true(zt__err_is_fatal(ZT_ERR_INTERNAL));
    assert_true(zt__err_is_fatal(ZT_ERR_CALLBACK_FAILURE));
}

static void test_mem_hook(void **state)
{
    failmem_state st;
    zt_mem m = failmem_make(&st, 2);
    uint8_t *a, *b, *c;
    (void)state;

    /* NULL means libc; the memory is zeroed. */
    a = zt__mem_calloc(NULL, 4, 8);
    assert_non_null(a);
    for (int i = 0; i < 32; i++)
        assert_int_equal(a[i], 0);
    zt__mem_free(NULL, a);
    zt__mem_free(NULL, NULL);

    /* The hook sees every call; the second fails; free(NULL) does not reach the hook. */
    a = zt__mem_calloc(&m, 1, 16);
    b = zt__mem_calloc(&m, 1, 16);
    c = zt__mem_calloc(&m, 1, 16);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    assert_int_equal(st.calls, 3);
    assert_int_equal(st.live, 2);
    zt__mem_free(&m, a);
    zt__mem_free(&m, b);
    zt__mem_free(&m, c);
    assert_int_equal(st.live, 0);

    /* A zt_mem with no functions falls back to libc. */
    {
        zt_mem empty = {NULL, NULL, NULL};
        a = zt__mem_calloc(&empty, 1, 1);
        assert_non_null(a);
        zt__mem_free(&empty, a);
    }
}

static void test_array_grow(void **state)
{
    failmem_state st;
    zt_mem m = failmem_make(&st, 0);
    uint32_t *a = NULL;
    size_t cap = 0;
    (void)state;

    /* Nothing to do: no allocation. */
    assert_int_equal(zt__array_grow(&m, &a, &cap, 0, sizeof(*a), SIZE_MAX), 0);
    assert_null(a);
    assert_int_equal(st.calls, 0);
    /* The first allocation takes the minimum, zeroed. */
    assert_int_equal(zt__array_grow(&m, &a, &cap, 1, sizeof(*a), SIZE_MAX), 0);
    assert_non_null(a);
    assert_int_equal(cap, ZT_ARRAY_MIN_CAP);
    for (size_t i = 0; i < cap; i++) {
        assert_int_equal(a[i], 0);
        a[i] = (uint32_t)i + 100;
    }
    assert_int_equal(zt__array_grow(&m, &a, &cap, cap, sizeof(*a), SIZE_MAX), 0);
    assert_int_equal(st.calls, 1);
    /* Growing doubles, keeps the elements and zeroes the rest; the old block is freed. */
    assert_int_equal(zt__array_grow(&m, &a, &cap, ZT_ARRAY_MIN_CAP + 1, sizeof(*a), SIZE_MAX), 0);
    assert_int_equal(cap, 2 * ZT_ARRAY_MIN_CAP);
    for (size_t i = 0; i < cap; i++)
        assert_int_equal(a[i], i < ZT_ARRAY_MIN_CAP ? (uint32_t)i + 100 : 0);
    assert_int_equal(st.live, 1);
    /* A need beyond doubling is met exactly. */
    assert_int_equal(zt__array_grow(&m, &a, &cap, 1000, sizeof(*a), SIZE_MAX), 0);
    assert_int_equal(cap, 1000);
    assert_int_equal(a[ZT_ARRAY_MIN_CAP - 1], ZT_ARRAY_MIN_CAP + 99);
    /* The maximum caps doubling, and a need above it is refused. */
    assert_int_equal(zt__array_grow(&m, &a, &cap, 1001, sizeof(*a), 1500), 0);
    assert_int_equal(cap, 1500);
    assert_int_equal(zt__array_grow(&m, &a, &cap, 1501, sizeof(*a), 1500), ZT_ERR_LIMIT);
    assert_int_equal(cap, 1500);
    /* A failed allocation leaves the array as it was. */
    st.fail_at = st.calls + 1;
    assert_int_equal(zt__array_grow(&m, &a, &cap, 1501, sizeof(*a), SIZE_MAX), ZT_ERR_NOMEM);
    assert_int_equal(cap, 1500);
    assert_int_equal(a[1], 101);
    /* Sizes that overflow a size_t fail before any allocation. */
    st.calls = 0;
    assert_int_equal(zt__array_grow(&m, &a, &cap, SIZE_MAX / 2, sizeof(*a), SIZE_MAX),
                     ZT_ERR_NOMEM);
    assert_int_equal(st.calls, 0);
    assert_int_equal(cap, 1500);
    {
        /* Doubling a capacity past SIZE_MAX / 2 must not wrap around. */
        uint16_t *none = NULL;
        size_t big = SIZE_MAX / 2 + 1;
        assert_int_equal(zt__array_grow(&m, &none, &big, big + 1, sizeof(*none), SIZE_MAX),
                         ZT_ERR_NOMEM);
        assert_true(big == SIZE_MAX / 2 + 1);
        assert_null(none);
        assert_int_equal(st.calls, 0);
    }
    zt__mem_free(&m, a);
    assert_int_equal(st.live, 0);

    /* NULL: libc; the minimum is not forced past the maximum. */
    {
        uint64_t *b = NULL;
        size_t bcap = 0;
        assert_int_equal(zt__array_grow(NULL, &b, &bcap, 2, sizeof(*b), 3), 0);
        assert_int_equal(bcap, 3);
        b[2] = 9;
        zt__mem_free(NULL, b);
    }
}

typedef struct {
    uint32_t id;
    int64_t stamp;
} stamped;

static bool same_id(const void *entry, const void *key)
{
    return ((const stamped *)entry)->id == ((const stamped *)key)->id;
}

static size_t put(stamped *t, size_t *count, size_t max, uint32_t id, int64_t stamp,
                  bool *found)
{
    stamped want = {id, stamp};
    size_t i = zt__table_slot(t, *count, max, sizeof(*t), offsetof(stamped, stamp), same_id,
                              &want, found);
    if (i == *count)
        (*count)++;
    t[i] = want;
    return i;
}

/* Appends until full, finds what it holds, then replaces the oldest (the first of equals). */
static void test_table_slot(void **state)
{
    stamped t[3] = {{0, 0}};
    size_t count = 0;
    bool found;

    (void)state;
    assert_int_equal(put(t, &count, 3, 10, 500, &found), 0);
    assert_false(found);
    assert_int_equal(put(t, &count, 3, 11, 100, &found), 1);
    assert_int_equal(put(t, &count, 3, 12, 100, &found), 2);
    assert_int_equal(count, 3);
    assert_int_equal(put(t, &count, 3, 10, 700, &found), 0); /* held: its stamp renewed */
    assert_true(found);
    assert_int_equal(put(t, &count, 3, 13, 800, &found), 1); /* full: oldest, first of two */
    assert_false(found);
    assert_int_equal(count, 3);
    assert_int_equal(t[1].id, 13);
    assert_int_equal(put(t, &count, 3, 14, 900, &found), 2); /* now id 12 is the oldest */
    assert_int_equal(t[0].id, 10);
    assert_int_equal(t[2].id, 14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_encode_all_bytes),
        cmocka_unit_test(test_hex_encode_capacity),
        cmocka_unit_test(test_hex_decode_every_char),
        cmocka_unit_test(test_hex_decode_cases),
        cmocka_unit_test(test_hex_decode_capacity),
        cmocka_unit_test(test_hex_roundtrip_random),
        cmocka_unit_test(test_hex_u64),
        cmocka_unit_test(test_hex_digit),
        cmocka_unit_test(test_hex_prefix_u64),
        cmocka_unit_test(test_rd_bounds),
        cmocka_unit_test(test_be_roundtrip),
        cmocka_unit_test(test_wr_sticky_overflow),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_mem_hook),
        cmocka_unit_test(test_array_grow),
        cmocka_unit_test(test_table_slot),
    };

    if (zt__crypto_init() != 0)
        return 1;
    return cmocka_run_group_tests_name("unit.util", tests, NULL, NULL);
}
