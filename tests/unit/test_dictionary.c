/* Unit tests for core/dictionary (vl2.md §4.1): lookup rules, escapes, typed readers, writer
 * bounds, and hostile text. */
#include "testutil.h"

#include "codec/dictionary.h"

static zt_dict dict_of(const char *s)
{
    zt_dict d;
    zt__dict_init(&d, s, strlen(s));
    return d;
}

/* The unescaped value of |key| as a NUL-terminated string (test helper). */
static const char *get(const zt_dict *d, const char *key)
{
    static char buf[512];
    zt_ssize n = zt__dict_get(d, key, buf, sizeof(buf) - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

static void test_lookup(void **state)
{
    zt_dict d = dict_of("a=1\nab=2\r\nb=x=y\nnoequals\n=novalue\na=dup\n\n\rc=");
    zt_dict_entry e;
    (void)state;

    assert_string_equal(get(&d, "a"), "1");      /* first occurrence wins */
    assert_string_equal(get(&d, "ab"), "2");     /* exact match, CR also ends a line */
    assert_string_equal(get(&d, "b"), "x=y");    /* the first '=' splits */
    assert_string_equal(get(&d, "c"), "");       /* present, empty */
    assert_null(get(&d, "noequals"));            /* a line without '=' is no entry */
    assert_null(get(&d, "abc"));
    assert_null(get(&d, ""));                    /* the empty key is never looked up */
    assert_null(get(&d, "x"));
    assert_int_equal(zt__dict_find(&d, "zz", &e), ZT_ERR_NOTFOUND);
    assert_true(zt__dict_has(&d, "c"));
    assert_false(zt__dict_has(&d, "d"));
}

static void test_nul_ends_text(void **state)
{
    const char text[] = "a=1\0b=2";
    zt_dict d;
    (void)state;

    zt__dict_init(&d, text, sizeof(text) - 1);
    assert_int_equal(d.len, 3);
    assert_string_equal(get(&d, "a"), "1");
    assert_null(get(&d, "b"));
    zt__dict_init(&d, text, 0);
    assert_int_equal(d.len, 0);
    assert_null(get(&d, "a"));
}

static void test_iteration(void **state)
{
    zt_dict d = dict_of("\n\nk1=v1\nx\nk2=\\nv2\rk3=");
    zt_dict_entry e;
    size_t pos = 0;
    const char *keys[] = {"k1", "k2", "k3"};
    unsigned n = 0;
    (void)state;

    while (zt__dict_next(&d, &pos, &e)) {
        assert_true(n < 3);
        assert_int_equal(e.key_len, 2);
        assert_memory_equal(e.key, keys[n], 2);
        n++;
    }
    assert_int_equal(n, 3);
    assert_false(zt__dict_next(&d, &pos, &e)); /* stays at the end */
}

static void test_escapes(void **state)
{
    zt_dict d = dict_of("e=\\0\\r\\n\\e\\\\\\x\\Z\ntrail=ab\\\nlone=\\");
    uint8_t buf[16];
    const uint8_t want[] = {0, '\r', '\n', '=', '\\', 'x', 'Z'};
    zt_dict_entry e;
    (void)state;

    assert_int_equal(zt__dict_get(&d, "e", buf, sizeof(buf)), sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    /* A backslash as the last byte of a value yields nothing. */
    assert_string_equal(get(&d, "trail"), "ab");
    assert_string_equal(get(&d, "lone"), "");
    assert_int_equal(zt__dict_find(&d, "trail", &e), 0);
    assert_int_equal(zt__dict_unescaped_len(e.val, e.val_len), 2);
    /* Capacity: exact fit works, one less does not. */
    assert_int_equal(zt__dict_get(&d, "e", buf, sizeof(want)), sizeof(want));
    assert_int_equal(zt__dict_get(&d, "e", buf, sizeof(want) - 1), ZT_ERR_NOSPACE);
    assert_int_equal(zt__dict_get(&d, "e", NULL, 0), ZT_ERR_NOSPACE);
    assert_int_equal(zt__dict_get(&d, "missing", buf, sizeof(buf)), ZT_ERR_NOTFOUND);
}

static void test_u64(void **state)
{
    char long_value[300];
    zt_dict d = dict_of("a=0000000000001234\nb=ABCdef\nc=0x10\nd=  ff\ne=-5\nf=zz\n"
                        "g=10000000000000000\nh=12g4\ni=\nj=+7\nk=0x\nl=1\\2");
    (void)state;

    assert_int_equal(zt__dict_get_u64(&d, "a", 0), 0x1234);
    assert_int_equal(zt__dict_get_u64(&d, "b", 0), 0xabcdef);
    assert_int_equal(zt__dict_get_u64(&d, "c", 0), 0x10);
    assert_int_equal(zt__dict_get_u64(&d, "d", 0), 0xff);
    assert_int_equal(zt__dict_get_u64(&d, "e", 0), (uint64_t)-5); /* as strtoull */
    assert_int_equal(zt__dict_get_u64(&d, "f", 9), 0);            /* no digits */
    assert_int_equal(zt__dict_get_u64(&d, "g", 0), UINT64_MAX);   /* overflow */
    assert_int_equal(zt__dict_get_u64(&d, "h", 0), 0x12);
    assert_int_equal(zt__dict_get_u64(&d, "i", 42), 42);          /* empty: default */
    assert_int_equal(zt__dict_get_u64(&d, "j", 0), 7);
    assert_int_equal(zt__dict_get_u64(&d, "k", 1), 0);            /* "0" then 'x' */
    assert_int_equal(zt__dict_get_u64(&d, "l", 0), 0x12);         /* escaped digits */
    assert_int_equal(zt__dict_get_u64(&d, "missing", 99), 99);

    /* Only the first 127 characters count: 126 spaces then "1f" reads as 1. */
    memset(long_value, ' ', sizeof(long_value));
    memcpy(long_value, "x=", 2);
    memcpy(long_value + 2 + 126, "1f", 2);
    long_value[2 + 128] = '\0';
    d = dict_of(long_value);
    assert_int_equal(zt__dict_get_u64(&d, "x", 0), 1);
}

static void test_bool_and_address(void **state)
{
    zt_dict d = dict_of("a=1\nb=0\nc=true\nd=T\ne=false\nf=\nid=ff136548ea94\ng=yes");
    (void)state;

    assert_true(zt__dict_get_bool(&d, "a", false));
    assert_false(zt__dict_get_bool(&d, "b", true));
    assert_true(zt__dict_get_bool(&d, "c", false));
    assert_true(zt__dict_get_bool(&d, "d", false));
    assert_false(zt__dict_get_bool(&d, "e", true));
    assert_true(zt__dict_get_bool(&d, "f", true)); /* empty: default */
    assert_false(zt__dict_get_bool(&d, "g", true));
    assert_true(zt__dict_get_bool(&d, "missing", true));
    assert_int_equal(zt__dict_get_address(&d, "id", 0), 0x136548ea94ULL);
}

static void test_writer(void **state)
{
    uint8_t buf[64];
    zt_wr w = zt__wr_make(buf, sizeof(buf));
    zt_dict d;
    (void)state;

    assert_int_equal(zt__dict_add_u64(&w, "u", 0xabc), 0);
    assert_int_equal(zt__dict_add_i64(&w, "i", INT64_MIN), 0);
    assert_int_equal(zt__dict_add_address(&w, "a", 0xff136548ea94ULL), 0);
    assert_int_equal(zt__dict_add_bool(&w, "f", false), 0);
    assert_int_equal(zt__wr_finish(&w), 2 + 16 + 1 + 2 + 16 + 1 + 2 + 10 + 1 + 3);
    assert_memory_equal(buf,
                        "u=0000000000000abc\ni=8000000000000000\na=136548ea94\nf=0", 54);

    /* Bad keys are refused and write nothing. */
    w = zt__wr_make(buf, sizeof(buf));
    assert_int_equal(zt__dict_add_str(&w, "", "v"), ZT_ERR_INVAL);
    assert_int_equal(zt__dict_add_str(&w, "a=b", "v"), ZT_ERR_INVAL);
    assert_int_equal(zt__dict_add_str(&w, "a\nb", "v"), ZT_ERR_INVAL);
    assert_int_equal(zt__dict_add_str(&w, "a\rb", "v"), ZT_ERR_INVAL);
    assert_int_equal(zt__wr_len(&w), 0);

    /* The first entry has no leading LF; there is never a trailing one. */
    assert_int_equal(zt__dict_add_str(&w, "k", "v"), 0);
    assert_int_equal(zt__wr_len(&w), 3);
    zt__dict_init(&d, buf, zt__wr_len(&w));
    assert_string_equal(get(&d, "k"), "v");
}

/* Every byte value survives write + read, at every capacity the writer is all-or-nothing. */
static void test_writer_bounds(void **state)
{
    uint8_t raw[256], back[256], buf[1024];
    size_t full;
    zt_wr w;
    zt_dict d;
    (void)state;

    for (unsigned i = 0; i < 256; i++)
        raw[i] = (uint8_t)i;
    w = zt__wr_make(buf, sizeof(buf));
    assert_int_equal(zt__dict_add_str(&w, "first", "x"), 0);
    assert_int_equal(zt__dict_add(&w, "all", raw, sizeof(raw)), 0);
    full = zt__wr_len(&w);
    assert_int_equal(full, 7 + 1 + 4 + 256 + 5); /* 5 bytes need escapes */
    assert_null(memchr(buf, 0, full));
    zt__dict_init(&d, buf, full);
    assert_int_equal(zt__dict_get(&d, "all", back, sizeof(back)), 256);
    assert_memory_equal(back, raw, 256);

    for (size_t cap = 0; cap < full; cap++) {
        int rv1, rv2;
        w = zt__wr_make(buf, cap);
        rv1 = zt__dict_add_str(&w, "first", "x");
        rv2 = zt__dict_add(&w, "all", raw, sizeof(raw));
        assert_int_equal(rv2, ZT_ERR_NOSPACE);
        assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
        assert_int_equal(zt__wr_len(&w), rv1 == 0 ? 7 : 0);
    }
}

/* A dictionary cut at every length never reads past the cut, and values are prefixes. */
static void test_truncation(void **state)
{
    const char *text = "v=0000000000000007\nnwid=7064247a5a000001\nC=\\0\\\\x\\e\nn=name";
    size_t len = strlen(text);
    (void)state;

    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *copy = malloc(cut + 1);
        uint8_t val[64];
        zt_dict d;
        zt_dict_entry e;
        size_t pos = 0;
        unsigned n = 0;

        assert_non_null(copy);
        memcpy(copy, text, cut); /* exact-size heap copy: ASan catches any over-read */
        zt__dict_init(&d, copy, cut);
        while (zt__dict_next(&d, &pos, &e))
            n++;
        assert_true(n <= 4);
        if (zt__dict_get(&d, "n", val, sizeof(val)) >= 0)
            assert_true(cut >= strlen(text) - 4);
        (void)zt__dict_get_u64(&d, "nwid", 0);
        (void)zt__dict_get(&d, "C", val, sizeof(val));
        free(copy);
    }
}

static void test_capacities(void **state)
{
    (void)state;
    assert_int_equal(ZT_DICT_CONFIG_MAX, 484519);
    assert_int_equal(ZT_DICT_METADATA_MAX, 1023);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_nul_ends_text),
        cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_u64),
        cmocka_unit_test(test_bool_and_address),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_writer_bounds),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_capacities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
