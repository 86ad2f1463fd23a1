/* Unit tests for src/codec/rules.c: malformed tables, every type's round trip and write
 * overflow.  Evaluation (rules_eval.c) is tested in test_rules_eval.c. */
#include "testutil.h"

#include "codec/rules.h"

/* ---------------------------------------------------------------- codec */

static void test_read_malformed(void **state)
{
    zt_rule r;
    zt_rd rd;
    (void)state;

    rd = zt__rd_make("", 0);
    assert_int_equal(zt__rule_read(&rd, &r), ZT_ERR_TRUNCATED);
    rd = zt__rd_make("\x01", 1);
    assert_int_equal(zt__rule_read(&rd, &r), ZT_ERR_TRUNCATED);
    /* value shorter than the length says */
    rd = zt__rd_make("\x25\x02\x08", 3);
    assert_int_equal(zt__rule_read(&rd, &r), ZT_ERR_TRUNCATED);
    /* a known type whose length cannot hold its value */
    rd = zt__rd_make("\x25\x01\x08", 3);
    assert_int_equal(zt__rule_read(&rd, &r), ZT_ERR_DROP);
    rd = zt__rd_make("\x02\x00", 2); /* TEE with no value */
    assert_int_equal(zt__rule_read(&rd, &r), ZT_ERR_DROP);
}

static void test_unknown_and_long_values(void **state)
{
    /* unknown match 20 with 3 bytes, ethertype with 2 extra bytes, unknown action 9 with 1 */
    const uint8_t in[] = {0x14, 0x03, 1, 2, 3, 0x25, 0x04, 0x86, 0xdd, 0xee, 0xff,
                          0x09, 0x01, 0x55, 0x01, 0x00};
    const uint8_t canon[] = {0x14, 0x00, 0x25, 0x02, 0x86, 0xdd, 0x09, 0x00, 0x01, 0x00};
    zt_rule r[8];
    size_t n = 0;
    uint8_t out[64];
    zt_rd rd = zt__rd_make(in, sizeof(in));
    zt_wr w = zt__wr_make(out, sizeof(out));
    (void)state;

    assert_int_equal(zt__rules_read_all(&rd, r, 8, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(zt__rule_type(&r[0]), 20);
    assert_int_equal(r[1].v.ethertype, 0x86dd);
    zt__rules_write(&w, r, n);
    assert_int_equal(zt__wr_finish(&w), sizeof(canon));
    assert_memory_equal(out, canon, sizeof(canon));
}

static void test_read_all_bounds(void **state)
{
    uint8_t in[2 * 1100];
    static zt_rule r[ZT_RULES_MAX];
    size_t n = 0;
    zt_rd rd;
    (void)state;

    for (size_t i = 0; i < 1100; i++) {
        in[2 * i] = ZT_RULE_ACTION_ACCEPT;
        in[2 * i + 1] = 0;
    }
    rd = zt__rd_make(in, sizeof(in));
    assert_int_equal(zt__rules_read_all(&rd, r, ZT_RULES_MAX, &n), 0);
    assert_int_equal(n, ZT_RULES_MAX); /* the rest is ignored, as 1.14.1 does */
    assert_int_equal(zt__rd_left(&rd), 2 * (1100 - ZT_RULES_MAX));

    /* read_n fails cleanly when fewer entries than announced are present */
    rd = zt__rd_make(in, 6);
    assert_int_equal(zt__rules_read_n(&rd, r, 4), ZT_ERR_TRUNCATED);
    /* a failing entry leaves *count alone */
    n = 99;
    rd = zt__rd_make("\x01\x00\x25\x01\x00", 5);
    assert_int_equal(zt__rules_read_all(&rd, r, 8, &n), ZT_ERR_DROP);
    assert_int_equal(n, 99);
}

static void test_every_type_round_trip(void **state)
{
    (void)state;
    for (unsigned type = 0; type < 64; type++) {
        zt_rule r, back;
        uint8_t out[64], out2[64];
        zt_wr w = zt__wr_make(out, sizeof(out)), w2 = zt__wr_make(out2, sizeof(out2));
        zt_rd rd;
        size_t vlen = zt__rule_value_len(type);

        /* a value with every byte distinct, decoded from the wire so fields are in range */
        uint8_t raw[2 + 19];
        raw[0] = (uint8_t)(type | (type & 1 ? ZT_RULE_NOT : 0) | (type & 2 ? ZT_RULE_OR : 0));
        raw[1] = (uint8_t)vlen;
        for (size_t i = 0; i < vlen; i++)
            raw[2 + i] = (uint8_t)(0x10 + i);
        rd = zt__rd_make(raw, 2 + vlen);
        assert_int_equal(zt__rule_read(&rd, &r), 0);
        zt__rule_write(&w, &r);
        assert_int_equal(zt__wr_finish(&w), 2 + vlen);
        assert_memory_equal(out, raw, 2 + vlen);
        rd = zt__rd_make(out, 2 + vlen);
        assert_int_equal(zt__rule_read(&rd, &back), 0);
        zt__rule_write(&w2, &back);
        assert_memory_equal(out2, out, 2 + vlen);
    }
}

static void test_write_overflow(void **state)
{
    zt_rule r;
    uint8_t out[10];
    zt_wr w = zt__wr_make(out, sizeof(out));
    (void)state;

    memset(&r, 0, sizeof(r));
    r.t = ZT_RULE_MATCH_INTEGER_RANGE;
    zt__rule_write(&w, &r);
    assert_int_equal(zt__wr_finish(&w), ZT_ERR_NOSPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_malformed),
        cmocka_unit_test(test_unknown_and_long_values),
        cmocka_unit_test(test_read_all_bounds),
        cmocka_unit_test(test_every_type_round_trip),
        cmocka_unit_test(test_write_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
