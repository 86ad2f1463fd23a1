/*
 * test_modern_util.c: the modern API's functions that need no node (api-modern.md §5.1,
 * §5.4-§5.5 pure functions, §5.11; §10.1 item 5), against the reference selftest's vectors
 * as the spec lists them, and the Required deviations of §11 (items 15, 19).  A user's
 * program: only include/libzt-modern on the include path, linked with libzt-modern.a.
 */
#include "ZeroTierSockets.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* §5.11: zts_util_get_ip_family's selftest lists. */
static void test_ip_family(void **state)
{
    static const char *const v4[] = {"0",       "0.0",     "0.0.0",   "1",       "255",
                                     "0.0.0.0", "0.0.0.1", "0.0.1.0", "0.1.0.0", "1.0.0.0",
                                     "1.2.3.4", "255.255.255.255"};
    static const char *const not4[] = {"-1",         "a.b.c.d",   "256.256.256.256",
                                       "0.-1.0.0",   ".0.0.0.0",  "0..0.0.0",
                                       "0.0.0.0..",  ".",         "..",
                                       "...",        "....",      ".....",
                                       ""};

    (void)state;
    for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
        assert_int_equal(zts_util_get_ip_family(v4[i]), ZTS_AF_INET);
    for (size_t i = 0; i < sizeof(not4) / sizeof(not4[0]); i++)
        assert_int_not_equal(zts_util_get_ip_family(not4[i]), ZTS_AF_INET);
    assert_int_equal(zts_util_get_ip_family("::"), ZTS_AF_INET6);
    assert_int_equal(zts_util_get_ip_family("fd00::1"), ZTS_AF_INET6);
    assert_int_equal(zts_util_get_ip_family("x"), -1);
    assert_int_equal(zts_util_get_ip_family(NULL), ZTS_ERR_ARG);
}

/* §5.11: pton/ntop round trips, lwIP's uppercase IPv6 text, inet_aton leniency. */
static void test_inet(void **state)
{
    uint8_t a[16];
    char s[ZTS_INET6_ADDRSTRLEN];

    (void)state;
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "192.168.22.1", a), 1);
    assert_string_equal(zts_inet_ntop(ZTS_AF_INET, a, s, sizeof(s)), "192.168.22.1");
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "192.168.22.2", a), 1);
    assert_string_equal(zts_inet_ntop(ZTS_AF_INET, a, s, sizeof(s)), "192.168.22.2");
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "0x7f.1", a), 1); /* 127.0.0.1 */
    assert_memory_equal(a, "\x7f\0\0\x01", 4);
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "010.0.0.1", a), 1); /* octal: 8.0.0.1 */
    assert_int_equal(a[0], 8);
    assert_int_equal(zts_inet_pton(ZTS_AF_INET, "1.2.3.256", a), 0);
    assert_int_equal(zts_inet_pton(ZTS_AF_INET6, "fd00:0:0:0:0:0:0:1", a), 1);
    assert_string_equal(zts_inet_ntop(ZTS_AF_INET6, a, s, sizeof(s)), "FD00::1");
    assert_int_equal(zts_inet_pton(ZTS_AF_INET6, "1:0:0:2:0:0:0:3", a), 1);
    assert_string_equal(zts_inet_ntop(ZTS_AF_INET6, a, s, sizeof(s)), "1::2:0:0:0:3");
    assert_int_equal(zts_inet_pton(ZTS_AF_INET6, "::ffff:10.1.2.3", a), 1);
    assert_string_equal(zts_inet_ntop(ZTS_AF_INET6, a, s, sizeof(s)), "::FFFF:10.1.2.3");
    assert_int_equal(zts_inet_pton(ZTS_AF_INET6, "::", a), 1);
    assert_string_equal(zts_inet_ntop(ZTS_AF_INET6, a, s, sizeof(s)), "::");
    assert_int_equal(zts_inet_pton(ZTS_AF_INET6, "1::", a), 1);
    assert_string_equal(zts_inet_ntop(ZTS_AF_INET6, a, s, sizeof(s)), "1::");
    assert_int_equal(zts_inet_pton(ZTS_AF_INET6, "1:::2", a), 0);
    assert_int_equal(zts_inet_pton(ZTS_AF_INET6, "12345::", a), 0);
    /* Errors: the family (-1, EAFNOSUPPORT in zts_errno too), the room. */
    assert_int_equal(zts_inet_pton(99, "1.2.3.4", a), -1);
    assert_int_equal(zts_errno, ZTS_EAFNOSUPPORT);
    assert_null(zts_inet_ntop(99, a, s, sizeof(s)));
    assert_int_equal(errno, EAFNOSUPPORT);
    assert_null(zts_inet_ntop(ZTS_AF_INET6, a, s, 3));
    assert_int_equal(zts_errno, 28);
}

/* §5.11: socket addresses from and to text (the "::1" quirk fixed, §11 item 19). */
static void test_saddr(void **state)
{
    struct zts_sockaddr_storage ss;
    struct zts_sockaddr_in in;
    struct zts_sockaddr_in6 in6;
    zts_socklen_t len = 0;
    unsigned short port = 0;
    char s[ZTS_INET6_ADDRSTRLEN];

    (void)state;
    memset(&ss, 0xff, sizeof(ss));
    assert_int_equal(zts_util_ipstr_to_saddr("10.9.8.7", 8080, (struct zts_sockaddr *)&ss, &len),
                     ZTS_ERR_OK);
    assert_int_equal(len, 16);
    memcpy(&in, &ss, sizeof(in));
    assert_int_equal(in.sin_len, 16);
    assert_int_equal(in.sin_family, ZTS_AF_INET);
    assert_memory_equal(&in.sin_port, "\x1f\x90", 2); /* 8080, network order */
    assert_memory_equal(&in.sin_addr, "\x0a\x09\x08\x07", 4);
    assert_memory_equal(in.sin_zero, "\0\0\0\0\0\0\0\0", 8);
    assert_int_equal(zts_util_ntop((struct zts_sockaddr *)&ss, len, s, sizeof(s), &port),
                     ZTS_ERR_OK);
    assert_string_equal(s, "10.9.8.7");
    assert_int_equal(port, 8080);

    assert_int_equal(zts_util_ipstr_to_saddr("::1", 9, (struct zts_sockaddr *)&ss, &len),
                     ZTS_ERR_OK);
    assert_int_equal(len, 28);
    memcpy(&in6, &ss, sizeof(in6));
    assert_int_equal(in6.sin6_family, ZTS_AF_INET6);
    assert_int_equal(in6.sin6_addr.un.u8_addr[15], 1); /* not "::" */
    assert_int_equal(in6.sin6_scope_id, 0);
    assert_int_equal(zts_util_ntop((struct zts_sockaddr *)&ss, len, s, sizeof(s), &port),
                     ZTS_ERR_OK);
    assert_string_equal(s, "::1");
    assert_int_equal(port, 9);

    assert_int_equal(zts_util_ipstr_to_saddr("nope", 1, (struct zts_sockaddr *)&ss, &len),
                     ZTS_ERR_ARG);
    assert_int_equal(zts_util_ntop((struct zts_sockaddr *)&ss, len, s, 45, &port), ZTS_ERR_ARG);
    assert_int_equal(zts_util_ntop((struct zts_sockaddr *)&ss, 29, s, sizeof(s), &port),
                     ZTS_ERR_ARG);
    assert_int_equal(zts_util_ntop((struct zts_sockaddr *)&ss, 16, s, sizeof(s), &port),
                     ZTS_ERR_ARG); /* IPv6 in 16 bytes */
    assert_int_equal(zts_util_ntop((struct zts_sockaddr *)&ss, len, s, sizeof(s), NULL),
                     ZTS_ERR_ARG);
}

/* §4.8, §5.11: zts_ip_addr in the client's 20-byte layout. */
static void test_ipaddr(void **state)
{
    zts_ip_addr ip;

    (void)state;
    assert_int_equal(zts_ipaddr_aton("10.0.0.1", &ip), 1);
    assert_int_equal(ip.type, 0);
    assert_memory_equal(&ip.u_addr.ip4.addr, "\x0a\0\0\x01", 4);
    assert_string_equal(zts_ipaddr_ntoa(&ip), "10.0.0.1");
    assert_int_equal(zts_ipaddr_aton("fd00::abcd", &ip), 1);
    assert_int_equal(ip.type, 6);
    assert_string_equal(zts_ipaddr_ntoa(&ip), "FD00::ABCD");
    assert_int_equal(zts_ipaddr_aton("300.1.1.1", &ip), 0);
    assert_int_equal(zts_ipaddr_aton(NULL, &ip), 0);
    assert_null(zts_ipaddr_ntoa(NULL));
}

/* §5.4, §5.5: ad-hoc IDs, 6PLANE and RFC 4193 (selftest vectors). */
static void test_derived(void **state)
{
    const uint64_t net = 0xff07d00bb8000000ull, node = 0x75f3543094ull;
    struct zts_sockaddr_storage ss;
    struct zts_sockaddr_in6 in6;
    char s[ZTS_IP_MAX_STR_LEN];

    (void)state;
    assert_true(zts_net_compute_adhoc_id(2000, 3000) == net);
    assert_int_equal(zts_addr_compute_rfc4193_str(net, node, s, sizeof(s)), ZTS_ERR_OK);
    assert_string_equal(s, "FDFF:7D0:BB8:0:99:9375:F354:3094");
    assert_int_equal(zts_addr_compute_6plane_str(net, node, s, sizeof(s)), ZTS_ERR_OK);
    assert_string_equal(s, "FC47:7D0:B75:F354:3094::1");
    assert_int_equal(zts_addr_compute_6plane_str(net, node, s, 47), ZTS_ERR_ARG); /* exactly 46 */
    assert_int_equal(zts_addr_compute_6plane_str(0, node, s, sizeof(s)), ZTS_ERR_ARG);
    assert_int_equal(zts_addr_compute_rfc4193_str(net, 0, s, sizeof(s)), ZTS_ERR_ARG);
    memset(&ss, 0xee, sizeof(ss));
    assert_int_equal(zts_addr_compute_rfc4193(net, node, &ss), ZTS_ERR_OK);
    memcpy(&in6, &ss, sizeof(in6));
    assert_int_equal(in6.sin6_len, 28); /* superset: the whole address is written */
    assert_int_equal(in6.sin6_family, ZTS_AF_INET6);
    assert_int_equal(in6.sin6_port, 0);
    assert_int_equal(in6.sin6_addr.un.u8_addr[0], 0xfd);
    assert_int_equal(in6.sin6_addr.un.u8_addr[15], 0x94);
    assert_int_equal(zts_addr_compute_6plane(net, node, &ss), ZTS_ERR_OK);
    assert_int_equal(((uint8_t *)&ss)[8], 0xfc);
    assert_int_equal(zts_addr_compute_6plane(net, node, NULL), ZTS_ERR_ARG);
}

/* §5.1: identities (selftest cases and the NUL-terminated output of §11 item 15). */
static void test_identity(void **state)
{
    char key[ZTS_ID_STR_BUF_LEN], bad[ZTS_ID_STR_BUF_LEN];
    unsigned int len = ZTS_ID_STR_BUF_LEN;
    static const int lens[] = {-1024, -1, 0, 1, 1024};

    (void)state;
    memset(key, 'x', sizeof(key));
    assert_int_equal(zts_id_new(key, &len), ZTS_ERR_OK);
    assert_int_equal(len, 270);
    assert_int_equal(key[270], '\0');
    assert_int_equal(zts_id_pair_is_valid(key, ZTS_ID_STR_BUF_LEN), 1);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        assert_int_equal(zts_id_pair_is_valid(key, (unsigned int)lens[i]), 0);
    memcpy(bad, key, sizeof(bad)); /* truncated */
    bad[64] = '\0';
    assert_int_equal(zts_id_pair_is_valid(bad, ZTS_ID_STR_BUF_LEN), 0);
    memcpy(bad, key, sizeof(bad)); /* 16 more characters */
    memcpy(bad + 270, "0123456789abcdef", 17);
    assert_int_equal(zts_id_pair_is_valid(bad, ZTS_ID_STR_BUF_LEN), 0);
    memset(bad, 0, sizeof(bad)); /* empty */
    assert_int_equal(zts_id_pair_is_valid(bad, ZTS_ID_STR_BUF_LEN), 0);
    memcpy(bad, key, sizeof(bad)); /* one hex digit of the public key changed */
    bad[20] = bad[20] == '0' ? '1' : '0';
    assert_int_equal(zts_id_pair_is_valid(bad, ZTS_ID_STR_BUF_LEN), 0);
    /* Argument checks (§5.1, Required: NULL length -> ZTS_ERR_ARG). */
    len = ZTS_ID_STR_BUF_LEN - 1;
    assert_int_equal(zts_id_new(key, &len), ZTS_ERR_ARG);
    assert_int_equal(zts_id_new(key, NULL), ZTS_ERR_ARG);
    assert_int_equal(zts_id_new(NULL, &len), ZTS_ERR_ARG);
    assert_int_equal(zts_id_pair_is_valid(NULL, ZTS_ID_STR_BUF_LEN), 0);
}

/* §5.11: a signed planet from a root set, keys made fresh (no key files in the directory). */
static void test_sign_root_set(void **state)
{
    char id[ZTS_ID_STR_BUF_LEN], dir[] = "/tmp/zt-modern-roots.XXXXXX", old[4096];
    char roots[ZTS_STORE_DATA_LEN], prev[128], curr[128];
    unsigned int idlen = ZTS_ID_STR_BUF_LEN, rlen = 0, plen = 0, clen = 0;
    zts_root_set_t spec;
    FILE *f;

    (void)state;
    assert_non_null(getcwd(old, sizeof(old)));
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(zts_id_new(id, &idlen), ZTS_ERR_OK);
    id[141] = '\0'; /* the public form */
    memset(&spec, 0, sizeof(spec));
    spec.public_id_str[0] = id;
    spec.endpoint_ip_str[0][0] = (char *)"127.0.0.1/9993";
    spec.endpoint_ip_str[0][1] = (char *)"::1/9993";
    assert_int_equal(zts_util_sign_root_set(roots, &rlen, prev, &plen, curr, &clen,
                                            0x123456789ull, 1700000000000ull, &spec),
                     ZTS_ERR_OK);
    assert_true(rlen > 0 && rlen <= ZTS_STORE_DATA_LEN);
    assert_int_equal(plen, 128);
    assert_int_equal(clen, 128);
    assert_memory_equal(prev, curr, 128); /* one fresh pair for both */
    assert_int_equal(roots[0], 1);        /* a planet */
    /* Bad inputs: an endpoint without a port, no roots, a key file of the wrong size. */
    spec.endpoint_ip_str[0][1] = (char *)"::1";
    assert_int_equal(zts_util_sign_root_set(roots, &rlen, prev, &plen, curr, &clen, 1, 1, &spec),
                     ZTS_ERR_ARG);
    spec.endpoint_ip_str[0][1] = NULL;
    assert_int_equal(zts_util_sign_root_set(roots, &rlen, prev, &plen, curr, &clen, 1, 1, NULL),
                     ZTS_ERR_ARG);
    f = fopen("previous.c25519", "w");
    assert_non_null(f);
    fputs("short", f);
    fclose(f);
    f = fopen("current.c25519", "w");
    assert_non_null(f);
    fputs("short", f);
    fclose(f);
    assert_int_equal(zts_util_sign_root_set(roots, &rlen, prev, &plen, curr, &clen, 1, 1, &spec),
                     ZTS_ERR_ARG);
    assert_int_equal(unlink("previous.c25519"), 0);
    assert_int_equal(unlink("current.c25519"), 0);
    assert_int_equal(chdir(old), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_delay(void **state)
{
    struct timespec a, b;
    long ms;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &a);
    zts_util_delay(30);
    clock_gettime(CLOCK_MONOTONIC, &b);
    ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    assert_true(ms >= 29);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_family),     cmocka_unit_test(test_inet),
        cmocka_unit_test(test_saddr),         cmocka_unit_test(test_ipaddr),
        cmocka_unit_test(test_derived),       cmocka_unit_test(test_identity),
        cmocka_unit_test(test_sign_root_set), cmocka_unit_test(test_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
