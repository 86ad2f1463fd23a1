/*
 * test_stack.c: a network's netif as the stack glue builds it (src/stack/netif.c), fed
 * Ethernet frames by hand, its output recorded: every IPv4 address of a config answers ARP and
 * ICMP echo (the first on the netif, the others on aliases), an address taken away stops
 * answering, and the netif is removed cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "stack/stack.h"

#define OUR_MAC 0x02aabbccdd01ull
#define PEER_MAC 0x02aabbccdd02ull

static struct {
    uint64_t dst;
    unsigned ethertype;
    uint8_t data[2048];
    size_t len;
} frames[32];
static unsigned nframes;

static void on_output(void *user, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                      const uint8_t *data, size_t len)
{
    (void)user;
    (void)nwid;
    if (nframes < 32 && len <= sizeof(frames[0].data)) {
        frames[nframes].dst = dst_mac;
        frames[nframes].ethertype = ethertype;
        memcpy(frames[nframes].data, data, len);
        frames[nframes].len = len;
        nframes++;
    }
}

static const zt_stack_netif_ops ops = {.output = on_output};

static zt_stack_prefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t bits)
{
    zt_stack_prefix p = {.family = 4, .bits = bits, .ip = {a, b, c, d}};
    return p;
}

static void arp_request(zt_stack_netif *nif, const uint8_t from[4], const uint8_t target[4])
{
    uint8_t a[28] = {0, 1, 8, 0, 6, 4, 0, 1};

    for (int i = 0; i < 6; i++)
        a[8 + i] = (uint8_t)(PEER_MAC >> (8 * (5 - i)));
    memcpy(a + 14, from, 4);
    memcpy(a + 24, target, 4);
    assert_int_equal(zt__stack_netif_input(nif, PEER_MAC, 0xffffffffffffull, 0x0806, a, 28), 0);
}

/* The ARP reply saying |ip| is at our MAC, if one was sent. */
static bool arp_reply_for(const uint8_t ip[4])
{
    for (unsigned i = 0; i < nframes; i++)
        if (frames[i].ethertype == 0x0806 && frames[i].len >= 28 && frames[i].data[7] == 2 &&
            memcmp(frames[i].data + 14, ip, 4) == 0 && frames[i].dst == PEER_MAC)
            return true;
    return false;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void echo_request(zt_stack_netif *nif, const uint8_t from[4], const uint8_t to[4])
{
    uint8_t pkt[28] = {0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1};
    uint16_t c;

    memcpy(pkt + 12, from, 4);
    memcpy(pkt + 16, to, 4);
    c = csum(pkt, 20);
    pkt[10] = (uint8_t)(c >> 8);
    pkt[11] = (uint8_t)c;
    pkt[20] = 8; /* echo request, id 0x1234, seq 1 */
    pkt[24] = 0x12;
    pkt[25] = 0x34;
    pkt[27] = 1;
    c = csum(pkt + 20, 8);
    pkt[22] = (uint8_t)(c >> 8);
    pkt[23] = (uint8_t)c;
    assert_int_equal(zt__stack_netif_input(nif, PEER_MAC, OUR_MAC, 0x0800, pkt, sizeof(pkt)), 0);
}

/* An ICMP echo reply from |ip| went out. */
static bool echo_reply_from(const uint8_t ip[4])
{
    for (unsigned i = 0; i < nframes; i++)
        if (frames[i].ethertype == 0x0800 && frames[i].len >= 28 && frames[i].data[9] == 1 &&
            frames[i].data[20] == 0 && memcmp(frames[i].data + 12, ip, 4) == 0)
            return true;
    return false;
}

static void test_every_ipv4_address_answers(void **state)
{
    static const uint8_t peer[4] = {10, 9, 0, 99};
    static const uint8_t first[4] = {10, 9, 0, 5}, second[4] = {10, 9, 0, 6},
                         third[4] = {10, 9, 1, 7};
    zt_stack_prefix addrs[3] = {v4(10, 9, 0, 5, 24), v4(10, 9, 0, 6, 24), v4(10, 9, 1, 7, 16)};
    zt_stack_netif *nif = NULL;

    (void)state;
    assert_int_equal(zt__stack_init(), 0);
    assert_int_equal(zt__stack_netif_new(&nif, 0x1122334455000001ull, OUR_MAC, 2800, &ops), 0);
    assert_int_equal(zt__stack_netif_configure(nif, 2800, addrs, 3, NULL, 0), 0);

    for (int i = 0; i < 3; i++) {
        const uint8_t *ip = i == 0 ? first : i == 1 ? second : third;
        nframes = 0;
        arp_request(nif, peer, ip);
        assert_true(arp_reply_for(ip));
    }
    nframes = 0;
    echo_request(nif, peer, second);
    assert_true(echo_reply_from(second));
    nframes = 0;
    echo_request(nif, peer, third);
    assert_true(echo_reply_from(third));

    /* The config drops the second and third addresses: they stop answering, the first stays. */
    assert_int_equal(zt__stack_netif_configure(nif, 2800, addrs, 1, NULL, 0), 0);
    nframes = 0;
    arp_request(nif, peer, second);
    arp_request(nif, peer, third);
    assert_false(arp_reply_for(second));
    assert_false(arp_reply_for(third));
    arp_request(nif, peer, first);
    assert_true(arp_reply_for(first));
    /* and come back */
    assert_int_equal(zt__stack_netif_configure(nif, 2800, addrs, 2, NULL, 0), 0);
    nframes = 0;
    arp_request(nif, peer, second);
    assert_true(arp_reply_for(second));

    zt__stack_netif_del(nif);
}

static void test_short_and_bad_frames(void **state)
{
    zt_stack_prefix addr = v4(10, 8, 0, 5, 24);
    zt_stack_netif *nif = NULL;
    uint8_t junk[8] = {0};

    (void)state;
    assert_int_equal(zt__stack_init(), 0);
    assert_int_equal(zt__stack_netif_new(&nif, 0x1122334455000002ull, OUR_MAC, 2800, &ops), 0);
    assert_int_equal(zt__stack_netif_configure(nif, 2800, &addr, 1, NULL, 0), 0);
    /* shorter than the header lwIP would read: dropped before lwIP */
    assert_int_equal(zt__stack_netif_input(nif, PEER_MAC, OUR_MAC, 0x0806, junk, sizeof(junk)), 0);
    assert_int_equal(zt__stack_netif_input(nif, PEER_MAC, OUR_MAC, 0x0800, junk, sizeof(junk)), 0);
    assert_int_equal(zt__stack_netif_input(nif, PEER_MAC, OUR_MAC, 0x86dd, junk, sizeof(junk)), 0);
    assert_int_equal(zt__stack_netif_input(nif, PEER_MAC, OUR_MAC, 0x10000, junk, 1),
                     ZT_ERR_INVAL);
    assert_int_equal(zt__stack_netif_input(nif, PEER_MAC, OUR_MAC, 0x0800, NULL, 4), ZT_ERR_INVAL);
    assert_int_equal(zt__stack_netif_configure(nif, 2800, NULL, 1, NULL, 0), ZT_ERR_INVAL);
    zt__stack_netif_del(nif);
    zt__stack_netif_del(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ipv4_address_answers),
        cmocka_unit_test(test_short_and_bad_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
