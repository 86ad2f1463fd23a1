/*
 * responder.c: ARP and ICMP echo frames for zt-service's test actions (responder.h).
 */
#include "responder.h"

#include <string.h>

#include "util/buf.h"

#define ARP_REQUEST 1
#define ARP_REPLY 2
#define IP_PROTO_ICMP 1
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define IP_TTL_DEFAULT 64

/* The Internet checksum (RFC 1071) of |len| bytes. */
static uint16_t inet_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2)
        sum += zt__load_be16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Ethernet/IPv4 ARP header with |op| (RESP_ARP_LEN bytes). */
static void arp_write(uint8_t *out, unsigned op, uint64_t sha, const uint8_t spa[4], uint64_t tha,
                      const uint8_t tpa[4])
{
    zt__store_be(out, 1, 2); /* hardware type: Ethernet */
    zt__store_be(out + 2, RESP_ETHERTYPE_IPV4, 2);
    out[4] = 6;
    out[5] = 4;
    zt__store_be(out + 6, op, 2);
    zt__store_be(out + 8, sha, 6);
    memcpy(out + 14, spa, 4);
    zt__store_be(out + 18, tha, 6);
    memcpy(out + 24, tpa, 4);
}

/* True when |data| is an Ethernet/IPv4 ARP packet with operation |op|. */
static bool arp_is(const uint8_t *data, size_t len, unsigned op)
{
    return len >= RESP_ARP_LEN && zt__load_be16(data) == 1 &&
           zt__load_be16(data + 2) == RESP_ETHERTYPE_IPV4 && data[4] == 6 && data[5] == 4 &&
           zt__load_be16(data + 6) == op;
}

/* The IPv4 header length when |data| is an unfragmented IPv4 ICMP packet with a valid header
 * checksum, else 0.  *plen gets the total length. */
static size_t ipv4_icmp_header(const uint8_t *data, size_t len, size_t *plen)
{
    size_t ihl, total;

    if (len < 20 || data[0] >> 4 != 4)
        return 0;
    ihl = (size_t)(data[0] & 0x0f) * 4;
    total = zt__load_be16(data + 2);
    if (ihl < 20 || total < ihl + 8 || total > len || data[9] != IP_PROTO_ICMP ||
        (zt__load_be16(data + 6) & 0x3fff) != 0 || inet_checksum(data, ihl) != 0)
        return 0;
    *plen = total;
    return ihl;
}

static void ipv4_write(uint8_t *out, size_t total, uint16_t ident, const uint8_t src[4],
                       const uint8_t dst[4])
{
    out[0] = 0x45;
    out[1] = 0;
    zt__store_be(out + 2, (unsigned)total, 2);
    zt__store_be(out + 4, ident, 2);
    zt__store_be(out + 6, 0x4000, 2); /* don't fragment */
    out[8] = IP_TTL_DEFAULT;
    out[9] = IP_PROTO_ICMP;
    zt__store_be(out + 10, 0, 2);
    memcpy(out + 12, src, 4);
    memcpy(out + 16, dst, 4);
    zt__store_be(out + 10, inet_checksum(out, 20), 2);
}

bool resp_answer(const uint8_t my_ip[4], uint64_t my_mac, uint64_t src_mac, unsigned ethertype,
                 const uint8_t *data, size_t len, resp_reply *out)
{
    if (ethertype == RESP_ETHERTYPE_ARP) {
        if (!arp_is(data, len, ARP_REQUEST) || memcmp(data + 24, my_ip, 4) != 0)
            return false;
        arp_write(out->data, ARP_REPLY, my_mac, my_ip, zt__load_be(data + 8, 6), data + 14);
        out->len = RESP_ARP_LEN;
        out->dst_mac = zt__load_be(data + 8, 6);
        out->ethertype = RESP_ETHERTYPE_ARP;
        return true;
    }
    if (ethertype == RESP_ETHERTYPE_IPV4) {
        size_t total = 0, ihl = ipv4_icmp_header(data, len, &total), icmp_len;
        uint8_t *icmp;

        if (ihl == 0 || memcmp(data + 16, my_ip, 4) != 0 || data[ihl] != ICMP_ECHO_REQUEST ||
            data[ihl + 1] != 0 || inet_checksum(data + ihl, total - ihl) != 0)
            return false;
        icmp_len = total - ihl;
        if (20 + icmp_len > sizeof(out->data))
            return false;
        /* The reply: our own 20-byte header (options dropped), the request's ICMP message
         * with the type changed and the checksum recomputed. */
        ipv4_write(out->data, 20 + icmp_len, zt__load_be16(data + 4), my_ip, data + 12);
        icmp = out->data + 20;
        memcpy(icmp, data + ihl, icmp_len);
        icmp[0] = ICMP_ECHO_REPLY;
        zt__store_be(icmp + 2, 0, 2);
        zt__store_be(icmp + 2, inet_checksum(icmp, icmp_len), 2);
        out->len = 20 + icmp_len;
        out->dst_mac = src_mac;
        out->ethertype = RESP_ETHERTYPE_IPV4;
        return true;
    }
    return false;
}

size_t resp_arp_request(uint64_t my_mac, const uint8_t my_ip[4], const uint8_t target_ip[4],
                        uint8_t out[RESP_ARP_LEN])
{
    arp_write(out, ARP_REQUEST, my_mac, my_ip, 0, target_ip);
    return RESP_ARP_LEN;
}

bool resp_parse_arp_reply(const uint8_t *data, size_t len, const uint8_t my_ip[4],
                          uint8_t sender_ip[4], uint64_t *sender_mac)
{
    if (!arp_is(data, len, ARP_REPLY) || memcmp(data + 24, my_ip, 4) != 0)
        return false;
    memcpy(sender_ip, data + 14, 4);
    *sender_mac = zt__load_be(data + 8, 6);
    return true;
}

size_t resp_icmp_echo_request(const uint8_t src[4], const uint8_t dst[4], uint16_t id,
                              uint16_t seq, size_t plen, uint8_t *out, size_t cap)
{
    size_t total = 20 + 8 + plen;
    uint8_t *icmp = out + 20;

    if (total > cap || total > 0xffff)
        return 0;
    icmp[0] = ICMP_ECHO_REQUEST;
    icmp[1] = 0;
    zt__store_be(icmp + 2, 0, 2);
    zt__store_be(icmp + 4, id, 2);
    zt__store_be(icmp + 6, seq, 2);
    for (size_t i = 0; i < plen; i++)
        icmp[8 + i] = (uint8_t)(0x10 + i);
    zt__store_be(icmp + 2, inet_checksum(icmp, 8 + plen), 2);
    ipv4_write(out, total, seq, src, dst);
    return total;
}

bool resp_parse_icmp_reply(const uint8_t *data, size_t len, const uint8_t my_ip[4],
                           uint8_t from[4], uint16_t *id, uint16_t *seq)
{
    size_t total = 0, ihl = ipv4_icmp_header(data, len, &total);

    if (ihl == 0 || memcmp(data + 16, my_ip, 4) != 0 || data[ihl] != ICMP_ECHO_REPLY ||
        data[ihl + 1] != 0 || inet_checksum(data + ihl, total - ihl) != 0)
        return false;
    memcpy(from, data + 12, 4);
    *id = zt__load_be16(data + ihl + 4);
    *seq = zt__load_be16(data + ihl + 6);
    return true;
}
