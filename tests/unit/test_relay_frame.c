/* Unit tests for src/codec/relay_frame.c and apps/zt-relay/relay_addr.c: the TCP relay's
 * framing (exact bytes, every error, messages split across reads) and its destination rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay_addr.h"

/* ---- exact bytes ---- */

static void test_hello_bytes(void **state)
{
    static const uint8_t want[] = {0x17, 0x03, 0x03, 0x00, 0x04, 0x01, 0x0e, 0x00, 0x01};
    uint8_t buf[16];
    zt_relay_msg m;

    (void)state;
    assert_int_equal(zt__relay_frame_write_hello(buf, sizeof(buf), 1, 14, 1), 9);
    assert_memory_equal(buf, want, sizeof(want));
    assert_int_equal(zt__relay_frame_write_hello(buf, 8, 1, 14, 1), ZT_ERR_NOSPACE);

    assert_int_equal(zt__relay_frame_scan(want, sizeof(want), ZT_RELAY_BODY_MAX), 9);
    assert_int_equal(zt__relay_frame_parse(want + 5, 4, &m), 0);
    assert_int_equal(m.type, ZT_RELAY_MSG_HELLO);
    assert_int_equal(m.len, 4);
    assert_ptr_equal(m.data, want + 5);

    /* Any 4-byte body is a hello, even one starting like an address. */
    static const uint8_t odd[] = {0x04, 0x7f, 0x00, 0x00};
    assert_int_equal(zt__relay_frame_parse(odd, 4, &m), 0);
    assert_int_equal(m.type, ZT_RELAY_MSG_HELLO);
}

static void test_ipv4_bytes(void **state)
{
    /* 10.1.2.3 port 9993 (0x2709), payload "abc": body 7 + 3 = 10. */
    static const uint8_t want[] = {0x17, 0x03, 0x03, 0x00, 0x0a, 0x04, 0x0a, 0x01,
                                   0x02, 0x03, 0x27, 0x09, 'a',  'b',  'c'};
    zt_relay_addr a = {.family = ZT_RELAY_AF_INET, .ip = {10, 1, 2, 3}, .port = 9993};
    uint8_t buf[64];
    zt_relay_msg m;

    (void)state;
    assert_int_equal(zt__relay_frame_write(buf, sizeof(buf), &a, (const uint8_t *)"abc", 3),
                     sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    assert_int_equal(zt__relay_frame_write_head(buf, sizeof(buf), &a, 3), 12);
    assert_memory_equal(buf, want, 12);

    assert_int_equal(zt__relay_frame_scan(want, sizeof(want), ZT_RELAY_BODY_MAX), 15);
    assert_int_equal(zt__relay_frame_parse(want + 5, 10, &m), 0);
    assert_int_equal(m.type, ZT_RELAY_MSG_DATA);
    assert_int_equal(m.addr.family, ZT_RELAY_AF_INET);
    assert_memory_equal(m.addr.ip, a.ip, 4);
    assert_int_equal(m.addr.port, 9993);
    assert_int_equal(m.len, 3);
    assert_memory_equal(m.data, "abc", 3);
    assert_ptr_equal(m.data, want + 12);
}

static void test_ipv6_and_none(void **state)
{
    zt_relay_addr a = {.family = ZT_RELAY_AF_INET6, .port = 443};
    zt_relay_addr none = {.family = ZT_RELAY_AF_NONE};
    uint8_t buf[64], want[64];
    zt_relay_msg m;

    (void)state;
    a.ip[0] = 0x20;
    a.ip[1] = 0x01;
    a.ip[15] = 0x01;
    memcpy(want, "\x17\x03\x03\x00\x15\x06", 6);
    memcpy(want + 6, a.ip, 16);
    memcpy(want + 22, "\x01\xbb" "xy", 4);
    assert_int_equal(zt__relay_frame_write(buf, sizeof(buf), &a, (const uint8_t *)"xy", 2), 26);
    assert_memory_equal(buf, want, 26);
    assert_int_equal(zt__relay_frame_parse(buf + 5, 21, &m), 0);
    assert_int_equal(m.addr.family, ZT_RELAY_AF_INET6);
    assert_memory_equal(m.addr.ip, a.ip, 16);
    assert_int_equal(m.addr.port, 443);
    assert_int_equal(m.len, 2);

    /* 00: no address (relay -> client only); the payload follows the type byte. */
    assert_int_equal(zt__relay_frame_write(buf, sizeof(buf), &none, (const uint8_t *)"zz", 2), 8);
    assert_memory_equal(buf, "\x17\x03\x03\x00\x03\x00zz", 8);
    assert_int_equal(zt__relay_frame_parse(buf + 5, 3, &m), 0);
    assert_int_equal(m.addr.family, ZT_RELAY_AF_NONE);
    assert_int_equal(m.len, 2);

    /* Empty payloads are messages too. */
    assert_int_equal(zt__relay_frame_write(buf, sizeof(buf), &a, NULL, 0), 24);
    assert_int_equal(zt__relay_frame_parse(buf + 5, 19, &m), 0);
    assert_int_equal(m.len, 0);
}

/* ---- errors ---- */

static void test_scan_errors(void **state)
{
    uint8_t msg[8] = {0x17, 0x03, 0x03, 0x00, 0x03, 0x00, 'a', 'b'};
    uint8_t bad[8];

    (void)state;
    /* Each byte of the magic is checked as soon as it arrives. */
    for (size_t i = 0; i < 3; i++) {
        memcpy(bad, msg, sizeof(bad));
        bad[i] ^= 0x40;
        for (size_t len = 0; len <= sizeof(bad); len++)
            assert_int_equal(zt__relay_frame_scan(bad, len, ZT_RELAY_BODY_MAX),
                             len <= i ? 0 : ZT_ERR_DROP);
    }
    assert_int_equal(zt__relay_frame_scan((const uint8_t *)"GET / HTTP/1.1", 14, 16384),
                     ZT_ERR_DROP);
    /* Length 0, just above the bound, the largest, and a caller's smaller bound. */
    memcpy(bad, "\x17\x03\x03\x00\x00", 5);
    assert_int_equal(zt__relay_frame_scan(bad, 5, ZT_RELAY_BODY_MAX), ZT_ERR_RANGE);
    memcpy(bad, "\x17\x03\x03\x40\x01", 5);
    assert_int_equal(zt__relay_frame_scan(bad, 5, ZT_RELAY_BODY_MAX), ZT_ERR_RANGE);
    memcpy(bad, "\x17\x03\x03\xff\xff", 5);
    assert_int_equal(zt__relay_frame_scan(bad, 5, ZT_RELAY_BODY_MAX), ZT_ERR_RANGE);
    assert_int_equal(zt__relay_frame_scan(bad, 5, 1u << 20), ZT_ERR_RANGE); /* capped */
    memcpy(bad, "\x17\x03\x03\x40\x00", 5);
    assert_int_equal(zt__relay_frame_scan(bad, 5, ZT_RELAY_BODY_MAX), 0);
    assert_int_equal(zt__relay_frame_scan(bad, 5, 100), ZT_ERR_RANGE);
    /* Incomplete but valid so far: 0 for every prefix, the length once whole. */
    for (size_t len = 0; len < sizeof(msg); len++)
        assert_int_equal(zt__relay_frame_scan(msg, len, ZT_RELAY_BODY_MAX), 0);
    assert_int_equal(zt__relay_frame_scan(msg, sizeof(msg), ZT_RELAY_BODY_MAX), 8);
}

static void test_parse_errors(void **state)
{
    static const uint8_t v4_short[] = {0x04, 1, 2, 3, 4, 0};            /* no port's 2nd byte */
    static const uint8_t v4_noport[] = {0x04, 1, 2, 3, 4};
    static const uint8_t v6_short[] = {0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    static const uint8_t unknown[] = {0x05, 1, 2, 3, 4, 0, 80, 'x'};
    static const uint8_t one[] = {0x04};
    zt_relay_msg m;

    (void)state;
    memset(&m, 0xa5, sizeof(m));
    assert_int_equal(zt__relay_frame_parse(v4_short, sizeof(v4_short), &m), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__relay_frame_parse(v4_noport, sizeof(v4_noport), &m), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__relay_frame_parse(v6_short, sizeof(v6_short), &m), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__relay_frame_parse(one, 1, &m), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__relay_frame_parse(one, 0, &m), ZT_ERR_TRUNCATED);
    assert_int_equal(zt__relay_frame_parse(unknown, sizeof(unknown), &m), ZT_ERR_UNSUPPORTED);
    for (unsigned t = 0; t < 256; t++) {
        uint8_t body[32] = {(uint8_t)t};
        int rv = zt__relay_frame_parse(body, sizeof(body), &m);
        assert_int_equal(rv, t == 0 || t == 4 || t == 6 ? 0 : ZT_ERR_UNSUPPORTED);
    }
    assert_string_equal(zt__relay_frame_strerror(ZT_ERR_UNSUPPORTED), "unknown address type");
    assert_string_equal(zt__relay_frame_strerror(ZT_ERR_DROP), "not a 17 03 03 record");
}

static void test_write_errors(void **state)
{
    zt_relay_addr v4 = {.family = ZT_RELAY_AF_INET, .ip = {1, 2, 3, 4}, .port = 1};
    zt_relay_addr v6 = {.family = ZT_RELAY_AF_INET6, .port = 1};
    zt_relay_addr odd = {.family = 5, .port = 1};
    static uint8_t buf[ZT_RELAY_MSG_MAX + 1], payload[ZT_RELAY_BODY_MAX];
    zt_relay_msg m;

    (void)state;
    assert_int_equal(zt__relay_frame_write_head(buf, sizeof(buf), &odd, 1), ZT_ERR_INVAL);
    assert_int_equal(zt__relay_frame_prefix_len(&odd), 0);
    /* The largest payloads fill the body bound exactly. */
    assert_int_equal(zt__relay_frame_write(buf, sizeof(buf), &v4, payload, 16377),
                     ZT_RELAY_MSG_MAX);
    assert_int_equal(zt__relay_frame_scan(buf, ZT_RELAY_MSG_MAX, ZT_RELAY_BODY_MAX),
                     ZT_RELAY_MSG_MAX);
    assert_int_equal(zt__relay_frame_parse(buf + 5, ZT_RELAY_BODY_MAX, &m), 0);
    assert_int_equal(m.len, 16377);
    assert_int_equal(zt__relay_frame_write(buf, sizeof(buf), &v4, payload, 16378), ZT_ERR_RANGE);
    assert_int_equal(zt__relay_frame_write(buf, sizeof(buf), &v6, payload, 16365),
                     ZT_RELAY_MSG_MAX);
    assert_int_equal(zt__relay_frame_write(buf, sizeof(buf), &v6, payload, 16366), ZT_ERR_RANGE);
    /* Too small an output, for the head and for the payload. */
    assert_int_equal(zt__relay_frame_write_head(buf, 11, &v4, 0), ZT_ERR_NOSPACE);
    assert_int_equal(zt__relay_frame_write_head(buf, 12, &v4, 0), 12);
    assert_int_equal(zt__relay_frame_write(buf, 14, &v4, payload, 3), ZT_ERR_NOSPACE);
    assert_int_equal(zt__relay_frame_write(buf, 15, &v4, payload, 3), 15);
}

/* ---- a stream split across reads ---- */

typedef struct {
    uint8_t family;
    size_t len;
    uint8_t fill;
} sent_msg;

/* A stream of |n| messages (hellos and data of many sizes) written into |out|. */
static size_t make_stream(uint8_t *out, size_t cap, sent_msg *sent, size_t n, unsigned *seed)
{
    static uint8_t payload[ZT_RELAY_BODY_MAX];
    size_t off = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)rand_r(seed);
        zt_relay_addr a = {.family = r % 3 == 0 ? ZT_RELAY_AF_INET6 : ZT_RELAY_AF_INET,
                           .port = (uint16_t)(1 + i)};
        zt_ssize w;

        sent[i].fill = (uint8_t)i;
        a.ip[0] = (uint8_t)i;
        if (r % 7 == 0) {
            sent[i].family = 0xff; /* hello */
            w = zt__relay_frame_write_hello(out + off, cap - off, 1, 14, (uint16_t)i);
        } else {
            static const size_t sizes[] = {0, 1, 2, 27, 28, 1400, 1450, 4096, 9000, 10000};
            size_t len = i % 11 == 10 ? (size_t)(rand_r(seed) % 16000) : sizes[i % 10];
            sent[i].family = a.family;
            sent[i].len = len;
            memset(payload, sent[i].fill, len);
            w = zt__relay_frame_write(out + off, cap - off, &a, payload, len);
        }
        assert_true(w > 0);
        off += (size_t)w;
    }
    return off;
}

/* Feeds |stream| in chunks of random sizes to an accumulator like the relay's, and checks
 * that every message comes out once, whole and in order. */
static void feed_in_chunks(const uint8_t *stream, size_t total, const sent_msg *sent, size_t n,
                           size_t max_chunk, unsigned *seed)
{
    static uint8_t acc[ZT_RELAY_MSG_MAX + 70000];
    size_t have = 0, pos = 0, got = 0;

    while (pos < total) {
        size_t chunk = 1 + (size_t)rand_r(seed) % max_chunk, off = 0;
        if (chunk > total - pos)
            chunk = total - pos;
        memcpy(acc + have, stream + pos, chunk);
        have += chunk;
        pos += chunk;
        for (;;) {
            zt_ssize m = zt__relay_frame_scan(acc + off, have - off, ZT_RELAY_BODY_MAX);
            zt_relay_msg msg;
            assert_true(m >= 0);
            if (m == 0)
                break;
            assert_int_equal(zt__relay_frame_parse(acc + off + 5, (size_t)m - 5, &msg), 0);
            assert_true(got < n);
            if (sent[got].family == 0xff) {
                assert_int_equal(msg.type, ZT_RELAY_MSG_HELLO);
            } else {
                assert_int_equal(msg.type, ZT_RELAY_MSG_DATA);
                assert_int_equal(msg.addr.family, sent[got].family);
                assert_int_equal(msg.addr.port, (uint16_t)(got + 1));
                assert_int_equal(msg.len, sent[got].len);
                for (size_t k = 0; k < msg.len; k++)
                    if (msg.data[k] != sent[got].fill)
                        fail_msg("message %zu: byte %zu differs", got, k);
            }
            got++;
            off += (size_t)m;
        }
        /* What is left is less than one message: it must fit the relay's partial buffer. */
        assert_true(have - off < ZT_RELAY_MSG_MAX);
        memmove(acc, acc + off, have - off);
        have -= off;
    }
    assert_int_equal(got, n);
    assert_int_equal(have, 0);
}

static void test_split_stream(void **state)
{
    enum { N = 300 };
    static uint8_t stream[N * ZT_RELAY_MSG_MAX];
    static sent_msg sent[N];
    static const size_t chunks[] = {1, 2, 3, 7, 100, 1500, 16389, 65536};
    unsigned seed = 12345;
    size_t total = make_stream(stream, sizeof(stream), sent, N, &seed);

    (void)state;
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
        feed_in_chunks(stream, total, sent, N, chunks[i], &seed);
}

/* ---- addresses ---- */

static zt_relay_addr addr(const char *ip, uint16_t port)
{
    zt_relay_addr a;
    assert_int_equal(zt__relay_addr_parse(&a, ip), 0);
    a.port = port;
    return a;
}

static void test_cidr(void **state)
{
    zt_relay_cidr c;
    zt_relay_addr a;

    (void)state;
    assert_int_equal(zt__relay_cidr_parse(&c, "10.1.2.3/8"), 0);
    assert_int_equal(c.family, ZT_RELAY_AF_INET);
    assert_int_equal(c.bits, 8);
    assert_int_equal(c.ip[1], 0); /* host bits cleared */
    a = addr("10.200.0.1", 1);
    assert_true(zt__relay_cidr_contains(&c, &a));
    a = addr("11.0.0.1", 1);
    assert_false(zt__relay_cidr_contains(&c, &a));
    assert_int_equal(zt__relay_cidr_parse(&c, "192.168.1.129/25"), 0);
    a = addr("192.168.1.200", 1);
    assert_true(zt__relay_cidr_contains(&c, &a));
    a = addr("192.168.1.100", 1);
    assert_false(zt__relay_cidr_contains(&c, &a));
    assert_int_equal(zt__relay_cidr_parse(&c, "127.0.0.1"), 0);
    assert_int_equal(c.bits, 32);
    assert_int_equal(zt__relay_cidr_parse(&c, "0.0.0.0/0"), 0);
    a = addr("8.8.8.8", 1);
    assert_true(zt__relay_cidr_contains(&c, &a));
    a = addr("::1", 1);
    assert_false(zt__relay_cidr_contains(&c, &a)); /* another family */
    assert_int_equal(zt__relay_cidr_parse(&c, "fd00::/8"), 0);
    a = addr("fd12::1", 1);
    assert_true(zt__relay_cidr_contains(&c, &a));
    assert_int_equal(zt__relay_cidr_parse(&c, "::1/128"), 0);

    static const char *const bad[] = {"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1",
                                      "10.0.0.0/8x", "::/129", "host/8", "10.0.0/8",
                                      "10.0.0.0/ 8", "10.0.0.0/99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(zt__relay_cidr_parse(&c, bad[i]), ZT_ERR_INVAL);
}

static void test_destinations(void **state)
{
    zt_relay_cidr allow[2];
    zt_relay_addr a;
    char text[ZT_RELAY_ADDR_STR_MAX];

    (void)state;
    static const char *const refused[] = {"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250",
                                          "255.255.255.255", "::", "ff02::1"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        a = addr(refused[i], 9993);
        assert_false(zt__relay_dest_allowed(&a, NULL, 0));
    }
    a = addr("127.0.0.1", 0);
    assert_false(zt__relay_dest_allowed(&a, NULL, 0)); /* port 0 */
    a = addr("127.0.0.1", 9993);
    assert_true(zt__relay_dest_allowed(&a, NULL, 0));
    a = addr("2001:db8::1", 9993);
    assert_true(zt__relay_dest_allowed(&a, NULL, 0));
    a.family = ZT_RELAY_AF_NONE;
    assert_false(zt__relay_dest_allowed(&a, NULL, 0));

    assert_int_equal(zt__relay_cidr_parse(&allow[0], "10.0.0.0/8"), 0);
    assert_int_equal(zt__relay_cidr_parse(&allow[1], "2001:db8::/32"), 0);
    a = addr("10.9.9.9", 9993);
    assert_true(zt__relay_dest_allowed(&a, allow, 2));
    a = addr("2001:db8::5", 9993);
    assert_true(zt__relay_dest_allowed(&a, allow, 2));
    a = addr("127.0.0.1", 9993);
    assert_false(zt__relay_dest_allowed(&a, allow, 2));
    assert_int_equal(zt__relay_cidr_parse(&allow[0], "224.0.0.0/4"), 0);
    a = addr("224.0.0.1", 9993);
    assert_false(zt__relay_dest_allowed(&a, allow, 1)); /* never, even when allowed */

    /* IPv4-mapped IPv6 is IPv4 once unmapped; formats are ZeroTier's ip/port. */
    a = addr("::ffff:192.0.2.7", 80);
    zt__relay_addr_unmap(&a);
    assert_int_equal(a.family, ZT_RELAY_AF_INET);
    zt__relay_addr_format(&a, text, sizeof(text));
    assert_string_equal(text, "192.0.2.7/80");
    a = addr("2001:db8::1", 9993);
    zt__relay_addr_unmap(&a);
    zt__relay_addr_format(&a, text, sizeof(text));
    assert_string_equal(text, "2001:db8::1/9993");
    a.family = ZT_RELAY_AF_NONE;
    zt__relay_addr_format(&a, text, sizeof(text));
    assert_string_equal(text, "(none)");
    assert_int_equal(zt__relay_addr_parse(&a, "1.2.3"), ZT_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_bytes),   cmocka_unit_test(test_ipv4_bytes),
        cmocka_unit_test(test_ipv6_and_none), cmocka_unit_test(test_scan_errors),
        cmocka_unit_test(test_parse_errors),  cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_split_stream),  cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_destinations),
    };

    return cmocka_run_group_tests_name("unit.relay_frame", tests, NULL, NULL);
}
