/*
 * sim_eth.c: Ethernet payloads for the VL2 simulation tests (sim_eth.h).
 */
#include "sim_eth.h"

#include <string.h>

#include "util/buf.h"

/* RFC 1071: adds |len| bytes as big-endian 16-bit words to |sum| (not yet folded). */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += zt__load_be16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static unsigned fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return ~sum & 0xffffu;
}

/* ---- ARP -------------------------------------------------------------------------------- */

size_t sim_arp_build(uint8_t *out, const sim_arp *a)
{
    zt__store_be(out, 1, 2); /* hardware: Ethernet */
    zt__store_be(out + 2, SIM_ETHERTYPE_IPV4, 2);
    out[4] = 6;
    out[5] = 4;
    zt__store_be(out + 6, a->op, 2);
    zt__store_be(out + 8, a->sha, 6);
    memcpy(out + 14, a->spa, 4);
    zt__store_be(out + 18, a->tha, 6);
    memcpy(out + 24, a->tpa, 4);
    return SIM_ARP_LEN;
}

bool sim_arp_parse(const uint8_t *p, size_t len, sim_arp *out)
{
    if (len < SIM_ARP_LEN || zt__load_be16(p) != 1 ||
        zt__load_be16(p + 2) != SIM_ETHERTYPE_IPV4 || p[4] != 6 || p[5] != 4)
        return false;
    out->op = zt__load_be16(p + 6);
    out->sha = zt__load_be(p + 8, 6);
    memcpy(out->spa, p + 14, 4);
    out->tha = zt__load_be(p + 18, 6);
    memcpy(out->tpa, p + 24, 4);
    return out->op == SIM_ARP_REQUEST || out->op == SIM_ARP_REPLY;
}

/* ---- ICMP echo over IPv4 ---------------------------------------------------------------- */

/* The 8-byte echo header and the data at |icmp|; the checksum field is left zero. */
static void echo_body(uint8_t *icmp, const sim_echo *e, unsigned type)
{
    icmp[0] = (uint8_t)type;
    icmp[1] = 0;
    zt__store_be(icmp + 2, 0, 2);
    zt__store_be(icmp + 4, e->id, 2);
    zt__store_be(icmp + 6, e->seq, 2);
    if (e->len > 0)
        memcpy(icmp + 8, e->data, e->len);
}

size_t sim_icmp4_echo_build(uint8_t *out, size_t cap, const sim_echo *e)
{
    size_t total = 20 + 8 + e->len;
    uint8_t *icmp = out + 20;

    if (cap < total || total > 0xffff)
        return 0;
    out[0] = 0x45; /* version 4, 5 words */
    out[1] = 0;
    zt__store_be(out + 2, (unsigned)total, 2);
    zt__store_be(out + 4, e->seq, 2); /* identification */
    zt__store_be(out + 6, 0x4000, 2); /* don't fragment */
    out[8] = 64;            /* TTL */
    out[9] = 1;             /* ICMP */
    zt__store_be(out + 10, 0, 2);
    memcpy(out + 12, e->src, 4);
    memcpy(out + 16, e->dst, 4);
    zt__store_be(out + 10, fold(sum16(0, out, 20)), 2);
    echo_body(icmp, e, e->reply ? 0 : 8);
    zt__store_be(icmp + 2, fold(sum16(0, icmp, 8 + e->len)), 2);
    return total;
}

bool sim_icmp4_echo_parse(const uint8_t *p, size_t len, sim_echo *out)
{
    size_t ihl, total;
    const uint8_t *icmp;

    if (len < 20 || (p[0] >> 4) != 4)
        return false;
    ihl = (size_t)(p[0] & 15) * 4;
    total = zt__load_be16(p + 2);
    if (ihl < 20 || total > len || total < ihl + 8 || p[9] != 1 || fold(sum16(0, p, ihl)) != 0)
        return false;
    icmp = p + ihl;
    if ((icmp[0] != 0 && icmp[0] != 8) || icmp[1] != 0 ||
        fold(sum16(0, icmp, total - ihl)) != 0)
        return false;
    memset(out, 0, sizeof(*out));
    out->reply = icmp[0] == 0;
    out->id = zt__load_be16(icmp + 4);
    out->seq = zt__load_be16(icmp + 6);
    memcpy(out->src, p + 12, 4);
    memcpy(out->dst, p + 16, 4);
    out->data = icmp + 8;
    out->len = total - ihl - 8;
    return true;
}

/* ---- ICMPv6 echo over IPv6 -------------------------------------------------------------- */

/* RFC 4443 §2.3: the checksum over the pseudo-header (addresses, upper-layer length, next
 * header 58) and the ICMPv6 message. */
static unsigned icmp6_sum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp,
                          size_t len)
{
    uint8_t tail[8] = {0};
    uint32_t sum;

    tail[0] = (uint8_t)(len >> 24);
    tail[1] = (uint8_t)(len >> 16);
    tail[2] = (uint8_t)(len >> 8);
    tail[3] = (uint8_t)len;
    tail[7] = 58;
    sum = sum16(0, src, 16);
    sum = sum16(sum, dst, 16);
    sum = sum16(sum, tail, 8);
    return fold(sum16(sum, icmp, len));
}

size_t sim_icmp6_echo_build(uint8_t *out, size_t cap, const sim_echo *e)
{
    size_t plen = 8 + e->len;
    uint8_t *icmp = out + 40;

    if (cap < 40 + plen || plen > 0xffff)
        return 0;
    memset(out, 0, 40);
    out[0] = 0x60; /* version 6 */
    zt__store_be(out + 4, (unsigned)plen, 2);
    out[6] = 58;   /* ICMPv6 */
    out[7] = 64;   /* hop limit */
    memcpy(out + 8, e->src, 16);
    memcpy(out + 24, e->dst, 16);
    echo_body(icmp, e, e->reply ? 129 : 128);
    zt__store_be(icmp + 2, icmp6_sum(e->src, e->dst, icmp, plen), 2);
    return 40 + plen;
}

bool sim_icmp6_echo_parse(const uint8_t *p, size_t len, sim_echo *out)
{
    size_t plen;
    const uint8_t *icmp;

    if (len < 48 || (p[0] >> 4) != 6 || p[6] != 58)
        return false;
    plen = zt__load_be16(p + 4);
    if (plen < 8 || 40 + plen > len)
        return false;
    icmp = p + 40;
    if ((icmp[0] != 128 && icmp[0] != 129) || icmp[1] != 0 ||
        icmp6_sum(p + 8, p + 24, icmp, plen) != 0)
        return false;
    memset(out, 0, sizeof(*out));
    out->reply = icmp[0] == 129;
    out->id = zt__load_be16(icmp + 4);
    out->seq = zt__load_be16(icmp + 6);
    memcpy(out->src, p + 8, 16);
    memcpy(out->dst, p + 24, 16);
    out->data = icmp + 8;
    out->len = plen - 8;
    return true;
}
