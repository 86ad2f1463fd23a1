/*
 * test_zts_util.c: the zts_* functions that need no service (api.md 5.4, 5.9): byte order,
 * zts_inet_ntop / zts_inet_pton / zts_inet_addr (fixed cases from RFC 5952 and RFC 4291,
 * errors with zts_errno and errno, and a seeded comparison with the host libc over many
 * addresses), the 6PLANE and RFC 4193 addresses (expected text derived by hand here, the
 * fields they must and must not write), the ad-hoc network IDs of api.md §5.4, and
 * zts_delay_ms (full interval, signals, <= 0).
 */
#include "ZeroTierSockets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

/* ---- helpers --------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* xorshift64: the same pseudo-random addresses on every run. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static const char *ntop6(const uint8_t a[16], char buf[ZTS_INET6_ADDRSTRLEN])
{
    return zts_inet_ntop(ZTS_AF_INET6, a, buf, ZTS_INET6_ADDRSTRLEN);
}

/* Parses |text| with zts_inet_pton (must succeed) and formats it back. */
static void expect_ntop6(const char *in, const char *want)
{
    uint8_t a[16];
    char buf[ZTS_INET6_ADDRSTRLEN];

    assert_int_equal(inet_pton(AF_INET6, in, a), 1); /* the host parses the fixture */
    assert_non_null(ntop6(a, buf));
    assert_string_equal(buf, want);
}

/* ---- byte order ------------------------------------------------------------------------ */

static void test_byte_order(void **state)
{
    uint16_t s = zts_htons(0x1234);
    uint32_t l = zts_htonl(0x01020304U);
    uint8_t b[4];

    (void)state;
    memcpy(b, &s, 2);
    assert_int_equal(b[0], 0x12);
    assert_int_equal(b[1], 0x34);
    memcpy(b, &l, 4);
    assert_int_equal(b[0], 0x01);
    assert_int_equal(b[3], 0x04);
    assert_int_equal(zts_ntohs(s), 0x1234);
    assert_int_equal(zts_ntohl(l), 0x01020304U);
    assert_int_equal(zts_htons(0x1234), htons(0x1234));
    assert_int_equal(zts_htonl(0xa1b2c3d4U), htonl(0xa1b2c3d4U));
    assert_int_equal(zts_ntohs(0xbeef), ntohs(0xbeef));
    assert_int_equal(zts_ntohl(0xdeadbeefU), ntohl(0xdeadbeefU));
}

/* ---- zts_inet_ntop --------------------------------------------------------------------- */

static void test_ntop_ipv4(void **state)
{
    static const struct {
        uint8_t a[4];
        const char *text;
    } cases[] = {
        {{1, 2, 3, 4}, "1.2.3.4"},
        {{0, 0, 0, 0}, "0.0.0.0"},
        {{255, 255, 255, 255}, "255.255.255.255"},
        {{10, 0, 100, 9}, "10.0.100.9"},
        {{192, 168, 10, 200}, "192.168.10.200"},
    };
    char buf[ZTS_INET_ADDRSTRLEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_ptr_equal(zts_inet_ntop(ZTS_AF_INET, cases[i].a, buf, sizeof(buf)), buf);
        assert_string_equal(buf, cases[i].text);
    }
}

static void test_ntop_ipv6_rfc5952(void **state)
{
    (void)state;
    expect_ntop6("0:0:0:0:0:0:0:0", "::");
    expect_ntop6("0:0:0:0:0:0:0:1", "::1");
    expect_ntop6("1:0:0:0:0:0:0:0", "1::");
    expect_ntop6("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"); /* 4.1, 4.2.1 */
    expect_ntop6("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");  /* 4.2.3: the first run */
    expect_ntop6("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");        /* 4.2.3: the longest */
    expect_ntop6("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"); /* 4.2.2: one group */
    expect_ntop6("2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF",
                 "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"); /* 4.3: lowercase */
    expect_ntop6("fe80::0001:0002", "fe80::1:2");
    expect_ntop6("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0");
    expect_ntop6("0:0:1:0:0:0:1:0", "0:0:1::1:0");
    expect_ntop6("0:1:0:0:0:0:0:0", "0:1::");
    expect_ntop6("::ffff:192.0.2.1", "::ffff:192.0.2.1"); /* 5: IPv4-mapped */
    expect_ntop6("::ffff:0.0.0.0", "::ffff:0.0.0.0");
    expect_ntop6("fd00:1:ffff::", "fd00:1:ffff::");
    expect_ntop6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

/* Every formatting the host and we agree must be identical; both round-trip. */
static void test_ntop_pton_against_host(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int n;

    (void)state;
    for (n = 0; n < 200000; n++) {
        uint8_t a[16], back[16];
        char ours[ZTS_INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN];
        uint64_t r = rng_next(&seed);
        int g;

        /* groups are 0 half the time, so that zero runs of every length and place occur */
        for (g = 0; g < 8; g++) {
            uint16_t w = 0;

            if (((r >> (g * 2)) & 1) == 0)
                w = (uint16_t)(rng_next(&seed) >> (r & 48));

            a[2 * g] = (uint8_t)(w >> 8);
            a[2 * g + 1] = (uint8_t)w;
        }
        assert_non_null(ntop6(a, ours));
        assert_int_equal(zts_inet_pton(ZTS_AF_INET6, ours, back), 1);
        assert_memory_equal(a, back, 16);
        assert_non_null(inet_ntop(AF_INET6, a, host, sizeof(host)));
        /* glibc also writes ::a.b.c.d for the deprecated IPv4-compatible form (zero first
         * 96 bits); RFC 5952 section 5 does not ask for it, and we do not. */
        if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) != 0)
            assert_string_equal(ours, host);
        assert_int_equal(inet_pton(AF_INET6, ours, back), 1);
        assert_memory_equal(a, back, 16);

        assert_non_null(zts_inet_ntop(ZTS_AF_INET, a, ours, ZTS_INET_ADDRSTRLEN));
        assert_non_null(inet_ntop(AF_INET, a, host, sizeof(host)));
        assert_string_equal(ours, host);
        assert_int_equal(zts_inet_pton(ZTS_AF_INET, ours, back), 1);
        assert_memory_equal(a, back, 4);
    }
}

static void test_ntop_errors(void **state)
{
    static const uint8_t v4[4] = {255, 255, 255, 255};
    static const uint8_t v6[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    char buf[64];

    (void)state;
    /* "255.255.255.255" needs 16 bytes with its NUL */
    memset(buf, 'x', sizeof(buf));
    zts_errno = 0;
    errno = 0;
    assert_null(zts_inet_ntop(ZTS_AF_INET, v4, buf, 15));
    assert_int_equal(zts_errno, ZTS_ENOSPC);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(buf[0], 'x'); /* nothing written */
    assert_ptr_equal(zts_inet_ntop(ZTS_AF_INET, v4, buf, 16), buf);
    assert_string_equal(buf, "255.255.255.255");

    zts_errno = 0;
    assert_null(zts_inet_ntop(ZTS_AF_INET, v4, buf, 0));
    assert_int_equal(zts_errno, ZTS_ENOSPC);

    /* 39 characters + NUL */
    memset(buf, 'x', sizeof(buf));
    zts_errno = 0;
    assert_null(zts_inet_ntop(ZTS_AF_INET6, v6, buf, 39));
    assert_int_equal(zts_errno, ZTS_ENOSPC);
    assert_int_equal(buf[0], 'x');
    assert_ptr_equal(zts_inet_ntop(ZTS_AF_INET6, v6, buf, 40), buf);
    assert_string_equal(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");

    /* another family, including the host's native AF_INET6 of other systems (23, 30) */
    zts_errno = 0;
    errno = 0;
    assert_null(zts_inet_ntop(ZTS_AF_UNSPEC, v4, buf, sizeof(buf)));
    assert_int_equal(zts_errno, ZTS_EAFNOSUPPORT);
    assert_int_equal(errno, EAFNOSUPPORT);
    zts_errno = 0;
    assert_null(zts_inet_ntop(23, v6, buf, sizeof(buf)));
    assert_int_equal(zts_errno, ZTS_EAFNOSUPPORT);
    zts_errno = 0;
    assert_null(zts_inet_ntop(30, v6, buf, sizeof(buf)));
    assert_int_equal(zts_errno, ZTS_EAFNOSUPPORT);
}

/* ---- zts_inet_pton --------------------------------------------------------------------- */

static void test_pton_ipv4(void **state)
{
    static const char *const bad[] = {
        "",          "1.2.3",    "1.2.3.4.5", "256.1.1.1",  "1.2.3.256", "01.2.3.4",
        "1.2.3.04",  " 1.2.3.4", "1.2.3.4 ",  "a.b.c.d",    "1..2.3",    "0x1.2.3.4",
        "1.2.3.-4",  "1.2.3.4.", ".1.2.3.4",  "1234.1.1.1", "1.2.3.4\n", "::1",
    };
    uint8_t a[4];
    size_t i;

    (void)state;
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "1.2.3.4", a), 1);
    assert_int_equal(a[0], 1);
    assert_int_equal(a[3], 4);
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "255.255.255.255", a), 1);
    assert_memory_equal(a, "\xff\xff\xff\xff", 4);
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "0.0.0.0", a), 1);
    assert_memory_equal(a, "\0\0\0\0", 4);
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "10.147.17.201", a), 1);
    assert_memory_equal(a, "\x0a\x93\x11\xc9", 4);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t host[4];

        memset(a, 0xaa, sizeof(a));
        assert_int_equal(zts_inet_pton(ZTS_AF_INET, bad[i], a), 0);
        assert_memory_equal(a, "\xaa\xaa\xaa\xaa", 4); /* untouched */
        assert_int_equal(inet_pton(AF_INET, bad[i], host), 0); /* the host agrees */
    }
}

static void test_pton_ipv6(void **state)
{
    static const char *const good[] = {
        "::",
        "::1",
        "1::",
        "2001:db8::1",
        "2001:DB8:0:0:8:800:200C:417A",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:1.2.3.4",
        "::ffff:192.0.2.1",
        "::1.2.3.4",
        "fe80::1:2:3:4:5:6",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "0001:0002:0003:0004:0005:0006:0007:0008",
        "fc9c:56c2:e3ef:cc1b:947::1",
    };
    static const char *const bad[] = {
        "",
        ":",
        ":::",
        "1:::2",
        "1::2::3",
        "12345::",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8",
        "::1.2.3",
        "::1.2.3.256",
        "::1.2.3.04",
        "1.2.3.4",
        ":1::",
        "1::2:",
        "1:2:3:4:5:6:7:8:",
        "fe80::1%eth0",
        "g::1",
        " ::1",
        "::1 ",
        "::1.2.3.4:5",
        "1:2:3:4:5:6:7:1.2.3.4",
        "[::1]",
    };
    uint8_t a[16], host[16];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        memset(a, 0xaa, sizeof(a));
        assert_int_equal(zts_inet_pton(ZTS_AF_INET6, good[i], a), 1);
        assert_int_equal(inet_pton(AF_INET6, good[i], host), 1);
        assert_memory_equal(a, host, 16);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(a, 0xaa, sizeof(a));
        assert_int_equal(zts_inet_pton(ZTS_AF_INET6, bad[i], a), 0);
        assert_memory_equal(a, "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa",
                            16);
        assert_int_equal(inet_pton(AF_INET6, bad[i], host), 0);
    }
}

static void test_pton_family(void **state)
{
    uint8_t a[16];

    (void)state;
    zts_errno = 0;
    errno = 0;
    assert_int_equal(zts_inet_pton(ZTS_AF_UNSPEC, "1.2.3.4", a), 0);
    assert_int_equal(zts_errno, ZTS_EAFNOSUPPORT);
    assert_int_equal(errno, EAFNOSUPPORT);
    zts_errno = 0;
    assert_int_equal(zts_inet_pton(23, "::1", a), 0);
    assert_int_equal(zts_errno, ZTS_EAFNOSUPPORT);
    /* the families are not interchangeable */
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "::1", a), 0);
    assert_int_equal(zts_inet_pton(ZTS_AF_INET6, "1.2.3.4", a), 0);
}

/* ---- zts_inet_addr --------------------------------------------------------------------- */

static void test_inet_addr(void **state)
{
    static const char *const inputs[] = {
        "1.2.3.4",       "10.147.17.201", "0.0.0.0",    "127.1",       "10.1.2",
        "3232235777",    "0x7f.1",        "0X7F.0.0.1", "010.0.0.1",   "0377.0xff.0.1",
        "1.2.3.4 junk",  "1.2.3.4\t",     "256.1.1.1",  "1.2.3.256",   "1.2.65536",
        "1.16777216",    "4294967296",    "",           "1.2.3.4.5",   "1..2",
        "1.2.3.",        "08.1.1.1",      "0x",         "abc",         " 1.2.3.4",
        "1.2.3.4x",      "0xffffffff",    "1.0xffffff", "1.2.0xffff", "4294967295",
    };
    uint32_t v;
    uint8_t b[4];
    size_t i;

    (void)state;
    v = zts_inet_addr("192.168.1.20");
    memcpy(b, &v, 4);
    assert_memory_equal(b, "\xc0\xa8\x01\x14", 4); /* network order in memory */
    assert_int_equal(zts_inet_addr("127.0.0.1"), zts_htonl(ZTS_IPADDR_LOOPBACK));
    /* the classic ambiguity: a valid address equal to the error value */
    assert_int_equal(zts_inet_addr("255.255.255.255"), ZTS_IPADDR_NONE);
    assert_int_equal(zts_inet_addr("not an address"), ZTS_IPADDR_NONE);
    assert_int_equal(zts_inet_addr(NULL), ZTS_IPADDR_NONE);
    assert_int_equal(zts_inet_addr(""), ZTS_IPADDR_NONE);

    /* the classic forms, as the host's inet_addr reads them */
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        if (zts_inet_addr(inputs[i]) != inet_addr(inputs[i]))
            fail_msg("zts_inet_addr(\"%s\") = %08x, host %08x", inputs[i],
                     (unsigned)zts_inet_addr(inputs[i]), (unsigned)inet_addr(inputs[i]));
    }
}

/* ---- 6PLANE and RFC 4193 --------------------------------------------------------------- */

#define NWID 0x8056c2e21c000001ULL
#define NODE 0xefcc1b0947ULL

/* |ss| filled with 0x5a, then the call: only bytes 0, 1 and 8..23 may change. */
static void expect_in6(int (*fn)(struct zts_sockaddr_storage *, const uint64_t, const uint64_t),
                       uint64_t nwid, uint64_t node, const char *want)
{
    struct zts_sockaddr_storage ss;
    struct zts_sockaddr_in6 in6;
    unsigned char raw[sizeof(ss)];
    char text[ZTS_INET6_ADDRSTRLEN];
    size_t i;

    memset(&ss, 0x5a, sizeof(ss));
    assert_int_equal(fn(&ss, nwid, node), ZTS_ERR_OK);
    memcpy(raw, &ss, sizeof(raw));
    memcpy(&in6, &ss, sizeof(in6));
    assert_int_equal(in6.sin6_len, 28);
    assert_int_equal(in6.sin6_family, ZTS_AF_INET6);
    assert_int_equal(ss.s2_len, sizeof(struct zts_sockaddr_in6));
    assert_int_equal(ss.ss_family, ZTS_AF_INET6);
    for (i = 2; i < 8; i++) /* port and flow info */
        assert_int_equal(raw[i], 0x5a);
    for (i = 24; i < 28; i++) /* scope */
        assert_int_equal(raw[i], 0x5a);
    assert_non_null(zts_inet_ntop(ZTS_AF_INET6, &in6.sin6_addr, text, sizeof(text)));
    assert_string_equal(text, want);
}

static void test_6plane(void **state)
{
    struct zts_sockaddr_storage ss;
    unsigned char b[16];

    (void)state;
    /* h = 0x1c000001 ^ 0x8056c2e2 = 0x9c56c2e3: fc 9c56c2e3 efcc1b0947 0000000000 01 */
    expect_in6(zts_get_6plane_addr, NWID, NODE, "fc9c:56c2:e3ef:cc1b:947::1");
    /* ad-hoc (22..22): h = 0xff001600 ^ 0x16000000 = 0xe9001600 */
    expect_in6(zts_get_6plane_addr, 0xff00160016000000ULL, 0x0123456789ULL,
               "fce9:16:1:2345:6789::1");

    memset(&ss, 0, sizeof(ss));
    assert_int_equal(zts_get_6plane_addr(&ss, 0x1122334455667788ULL, 0xaabbccddeeULL),
                     ZTS_ERR_OK);
    memcpy(b, (unsigned char *)&ss + 8, 16);
    assert_int_equal(b[0], 0xfc);
    assert_int_equal(b[1], 0x55 ^ 0x11);
    assert_int_equal(b[2], 0x66 ^ 0x22);
    assert_int_equal(b[3], 0x77 ^ 0x33);
    assert_int_equal(b[4], 0x88 ^ 0x44);
    assert_memory_equal(b + 5, "\xaa\xbb\xcc\xdd\xee", 5);
    assert_memory_equal(b + 10, "\0\0\0\0\0\x01", 6);
}

static void test_rfc4193(void **state)
{
    struct zts_sockaddr_storage ss;
    unsigned char b[16];

    (void)state;
    /* fd 8056c2e21c000001 9993 efcc1b0947 */
    expect_in6(zts_get_rfc4193_addr, NWID, NODE, "fd80:56c2:e21c:0:199:93ef:cc1b:947");

    memset(&ss, 0, sizeof(ss));
    assert_int_equal(zts_get_rfc4193_addr(&ss, 0x1122334455667788ULL, 0xaabbccddeeULL),
                     ZTS_ERR_OK);
    memcpy(b, (unsigned char *)&ss + 8, 16);
    assert_memory_equal(b, "\xfd\x11\x22\x33\x44\x55\x66\x77\x88\x99\x93\xaa\xbb\xcc\xdd\xee",
                        16);
}

static void test_derived_addr_args(void **state)
{
    int (*const fns[2])(struct zts_sockaddr_storage *, const uint64_t, const uint64_t) = {
        zts_get_6plane_addr, zts_get_rfc4193_addr};
    struct zts_sockaddr_storage ss;
    unsigned char raw[sizeof(ss)], want[sizeof(ss)];
    int i;

    (void)state;
    memset(want, 0x77, sizeof(want));
    for (i = 0; i < 2; i++) {
        assert_int_equal(fns[i](NULL, NWID, NODE), ZTS_ERR_ARG);
        memset(&ss, 0x77, sizeof(ss));
        zts_errno = 0;
        assert_int_equal(fns[i](&ss, 0, NODE), ZTS_ERR_ARG);
        assert_int_equal(fns[i](&ss, NWID, 0), ZTS_ERR_ARG);
        assert_int_equal(fns[i](&ss, 0, 0), ZTS_ERR_ARG);
        memcpy(raw, &ss, sizeof(raw));
        assert_memory_equal(raw, want, sizeof(raw)); /* nothing written */
        assert_int_equal(zts_errno, 0);               /* control calls leave it alone */
    }
}

/* ---- ad-hoc network IDs ---------------------------------------------------------------- */

static void test_adhoc_nwid(void **state)
{
    (void)state;
    assert_int_equal(zts_generate_adhoc_nwid_from_range(22, 22), 0xff00160016000000ULL);
    assert_int_equal(zts_generate_adhoc_nwid_from_range(0, 65535), 0xff0000ffff000000ULL);
    assert_int_equal(zts_generate_adhoc_nwid_from_range(4000, 4000), 0xff0fa00fa0000000ULL);
    assert_int_equal(zts_generate_adhoc_nwid_from_range(65535, 0), 0xffffff0000000000ULL);
    assert_int_equal(zts_generate_adhoc_nwid_from_range(0, 0), 0xff00000000000000ULL);
    assert_int_equal(zts_generate_adhoc_nwid_from_range(6112, 6113), 0xff17e017e1000000ULL);
}

/* ---- zts_delay_ms ---------------------------------------------------------------------- */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void test_delay_ms(void **state)
{
    int64_t t0;

    (void)state;
    t0 = now_ms();
    zts_delay_ms(0);
    zts_delay_ms(-1);
    zts_delay_ms(-100000);
    assert_true(now_ms() - t0 < 50);

    t0 = now_ms();
    zts_delay_ms(1);
    assert_true(now_ms() - t0 >= 1);

    t0 = now_ms();
    zts_delay_ms(120);
    assert_true(now_ms() - t0 >= 120);

    /* 2000 ms and more returned at once in the seed (api.md 5.9 Deviation) */
    t0 = now_ms();
    errno = 4321;
    zts_delay_ms(2000);
    assert_true(now_ms() - t0 >= 2000);
    assert_int_equal(errno, 4321);
}

/* Signals arriving during the sleep (no SA_RESTART) must not shorten it. */
static void test_delay_ms_signals(void **state)
{
    struct sigaction sa, old;
    struct itimerval it, off;
    int64_t t0, elapsed;

    (void)state;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    memset(&it, 0, sizeof(it));
    it.it_value.tv_usec = 10000;
    it.it_interval.tv_usec = 10000;
    memset(&off, 0, sizeof(off));

    alarms = 0;
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    t0 = now_ms();
    zts_delay_ms(250);
    elapsed = now_ms() - t0;
    assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
    assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);

    assert_true(alarms >= 2);
    assert_true(elapsed >= 250);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_order),
        cmocka_unit_test(test_ntop_ipv4),
        cmocka_unit_test(test_ntop_ipv6_rfc5952),
        cmocka_unit_test(test_ntop_pton_against_host),
        cmocka_unit_test(test_ntop_errors),
        cmocka_unit_test(test_pton_ipv4),
        cmocka_unit_test(test_pton_ipv6),
        cmocka_unit_test(test_pton_family),
        cmocka_unit_test(test_inet_addr),
        cmocka_unit_test(test_6plane),
        cmocka_unit_test(test_rfc4193),
        cmocka_unit_test(test_derived_addr_args),
        cmocka_unit_test(test_adhoc_nwid),
        cmocka_unit_test(test_delay_ms),
        cmocka_unit_test(test_delay_ms_signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
