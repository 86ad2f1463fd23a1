/*
 * relay_frame.c: parsing and building the TCP relay's messages (relay_frame.h, vl1.md §5.11
 * "TCP fallback relay").  Pure functions over bytes.
 */
#include <string.h>

#include "codec/relay_frame.h"
#include "util/buf.h"

/* The head's first three bytes: a TLS 1.2 application-data record. */
static const uint8_t record_magic[3] = {0x17, 0x03, 0x03};

zt_ssize zt__relay_frame_scan(const uint8_t *buf, size_t len, size_t body_max)
{
    size_t n, i;

    if (body_max > ZT_RELAY_BODY_MAX)
        body_max = ZT_RELAY_BODY_MAX;
    /* Check what has arrived of the magic, so that garbage is refused at its first byte. */
    for (i = 0; i < len && i < sizeof(record_magic); i++)
        if (buf[i] != record_magic[i])
            return ZT_ERR_DROP;
    if (len < ZT_RELAY_HEAD_LEN)
        return 0;
    n = zt__load_be16(buf + 3);
    if (n == 0 || n > body_max)
        return ZT_ERR_RANGE;
    if (len - ZT_RELAY_HEAD_LEN < n)
        return 0;
    return (zt_ssize)(ZT_RELAY_HEAD_LEN + n);
}

int zt__relay_frame_parse(const uint8_t *body, size_t len, zt_relay_msg *msg)
{
    zt_rd r = zt__rd_make(body, len);
    zt_relay_msg m;
    size_t iplen;

    memset(&m, 0, sizeof(m));
    if (len == ZT_RELAY_HELLO_LEN) {
        m.type = ZT_RELAY_MSG_HELLO;
        m.data = body;
        m.len = len;
        *msg = m;
        return 0;
    }
    m.type = ZT_RELAY_MSG_DATA;
    if (zt__rd_u8(&r, &m.addr.family) != 0)
        return ZT_ERR_TRUNCATED;
    switch (m.addr.family) {
    case ZT_RELAY_AF_NONE:
        iplen = 0;
        break;
    case ZT_RELAY_AF_INET:
        iplen = 4;
        break;
    case ZT_RELAY_AF_INET6:
        iplen = 16;
        break;
    default:
        return ZT_ERR_UNSUPPORTED;
    }
    if (iplen > 0) {
        if (zt__rd_bytes(&r, m.addr.ip, iplen) != 0 || zt__rd_u16(&r, &m.addr.port) != 0)
            return ZT_ERR_TRUNCATED;
    }
    m.data = r.p;
    m.len = zt__rd_left(&r);
    *msg = m;
    return 0;
}

size_t zt__relay_frame_prefix_len(const zt_relay_addr *a)
{
    switch (a->family) {
    case ZT_RELAY_AF_NONE:
        return 1;
    case ZT_RELAY_AF_INET:
        return ZT_RELAY_PREFIX4_LEN;
    case ZT_RELAY_AF_INET6:
        return ZT_RELAY_PREFIX6_LEN;
    default:
        return 0;
    }
}

zt_ssize zt__relay_frame_write_head(uint8_t *out, size_t cap, const zt_relay_addr *a,
                                    size_t payload_len)
{
    size_t prefix = zt__relay_frame_prefix_len(a);
    zt_wr w = zt__wr_make(out, cap);

    if (prefix == 0)
        return ZT_ERR_INVAL;
    if (payload_len > ZT_RELAY_BODY_MAX - prefix)
        return ZT_ERR_RANGE;
    zt__wr_bytes(&w, record_magic, sizeof(record_magic));
    zt__wr_u16(&w, (uint16_t)(prefix + payload_len));
    zt__wr_u8(&w, a->family);
    if (prefix > 1) {
        zt__wr_bytes(&w, a->ip, prefix - 3);
        zt__wr_u16(&w, a->port);
    }
    return zt__wr_finish(&w);
}

zt_ssize zt__relay_frame_write(uint8_t *out, size_t cap, const zt_relay_addr *a,
                               const uint8_t *payload, size_t len)
{
    zt_ssize n = zt__relay_frame_write_head(out, cap, a, len);

    if (n < 0)
        return n;
    if (cap - (size_t)n < len)
        return ZT_ERR_NOSPACE;
    if (len > 0)
        memcpy(out + n, payload, len);
    return n + (zt_ssize)len;
}

zt_ssize zt__relay_frame_write_hello(uint8_t *out, size_t cap, uint8_t major, uint8_t minor,
                                     uint16_t revision)
{
    zt_wr w = zt__wr_make(out, cap);

    zt__wr_bytes(&w, record_magic, sizeof(record_magic));
    zt__wr_u16(&w, ZT_RELAY_HELLO_LEN);
    zt__wr_u8(&w, major);
    zt__wr_u8(&w, minor);
    zt__wr_u16(&w, revision);
    return zt__wr_finish(&w);
}

const char *zt__relay_frame_strerror(int err)
{
    switch (err) {
    case ZT_ERR_DROP:
        return "not a 17 03 03 record";
    case ZT_ERR_RANGE:
        return "length 0 or too large";
    case ZT_ERR_UNSUPPORTED:
        return "unknown address type";
    case ZT_ERR_TRUNCATED:
        return "body too short";
    case ZT_ERR_INVAL:
        return "invalid address";
    case ZT_ERR_NOSPACE:
        return "buffer too small";
    default:
        return "error";
    }
}
