/*
 * fuzz_relay_frame: the TCP relay's framing (src/codec/relay_frame.h, docs/relay.md).  The
 * input is a byte stream from a client.  It is scanned message by message as a whole, and
 * again in chunks whose sizes come from the input, as the relay reads it: both must give the
 * same messages and stop at the same error.  Every message parsed must be written back byte
 * for byte by the builders, and no message may be longer than the bound.  The input is also
 * read as an --allow prefix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed message must be rebuilt exactly from its parts. */
static void check_rebuild(const uint8_t *msg, size_t len)
{
    static uint8_t out[ZT_RELAY_MSG_MAX];
    zt_relay_msg m;
    zt_ssize n;
    int rv;

    if (len <= ZT_RELAY_HEAD_LEN || len > ZT_RELAY_MSG_MAX)
        abort();
    rv = zt__relay_frame_parse(msg + ZT_RELAY_HEAD_LEN, len - ZT_RELAY_HEAD_LEN, &m);
    if (rv != 0) {
        if (rv != ZT_ERR_TRUNCATED && rv != ZT_ERR_UNSUPPORTED)
            abort();
        return;
    }
    if (m.type == ZT_RELAY_MSG_HELLO) {
        if (len != ZT_RELAY_HEAD_LEN + ZT_RELAY_HELLO_LEN)
            abort();
        n = zt__relay_frame_write_hello(out, sizeof(out), m.data[0], m.data[1],
                                        (uint16_t)(m.data[2] << 8 | m.data[3]));
    } else {
        if (m.data < msg || m.data + m.len != msg + len)
            abort();
        n = zt__relay_frame_write(out, sizeof(out), &m.addr, m.data, m.len);
    }
    if (n < 0 || (size_t)n != len || memcmp(out, msg, len) != 0)
        abort();
    if (m.type == ZT_RELAY_MSG_DATA) {
        zt_relay_addr a = m.addr;
        char text[ZT_RELAY_ADDR_STR_MAX];
        zt__relay_addr_unmap(&a);
        (void)zt__relay_dest_allowed(&a, NULL, 0);
        zt__relay_addr_format(&a, text, sizeof(text));
        if (memchr(text, 0, sizeof(text)) == NULL)
            abort();
    }
}

/* Whole-stream scan: the offsets of the messages found, and how it ended. */
static size_t scan_whole(const uint8_t *data, size_t size, size_t *ends, size_t cap, int *end_rv)
{
    size_t off = 0, n = 0;

    *end_rv = 0;
    while (off < size) {
        zt_ssize m = zt__relay_frame_scan(data + off, size - off, ZT_RELAY_BODY_MAX);
        if (m <= 0) {
            *end_rv = (int)m;
            break;
        }
        if ((size_t)m > size - off || (size_t)m > ZT_RELAY_MSG_MAX)
            abort();
        check_rebuild(data + off, (size_t)m);
        off += (size_t)m;
        if (n < cap)
            ends[n] = off;
        n++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t acc[ZT_RELAY_MSG_MAX + 256];
    static size_t ends[4096];
    size_t n, got = 0, have = 0, pos = 0, base = 0;
    int end_rv, rv = 0;
    unsigned step = size > 0 ? data[0] : 1;

    n = scan_whole(data, size, ends, sizeof(ends) / sizeof(ends[0]), &end_rv);

    /* Chunks of 1..256 bytes, as reads of a socket would split the stream. */
    while (pos < size && rv == 0) {
        size_t chunk = 1 + (step = step * 33 + 7) % 256, off = 0;
        if (chunk > size - pos)
            chunk = size - pos;
        memcpy(acc + have, data + pos, chunk);
        have += chunk;
        pos += chunk;
        for (;;) {
            zt_ssize m = zt__relay_frame_scan(acc + off, have - off, ZT_RELAY_BODY_MAX);
            if (m < 0)
                rv = (int)m;
            if (m <= 0)
                break;
            off += (size_t)m;
            if (got < sizeof(ends) / sizeof(ends[0]) && ends[got] != base + off)
                abort();
            got++;
        }
        if (rv == 0 && have - off >= ZT_RELAY_MSG_MAX)
            abort(); /* a partial message never outgrows one message */
        memmove(acc, acc + off, have - off);
        have -= off;
        base += off;
    }
    if (got != n || rv != end_rv)
        abort();

    /* The input as an --allow prefix. */
    if (size < 64) {
        char text[64];
        zt_relay_cidr c;
        memcpy(text, data, size);
        text[size] = 0;
        if (zt__relay_cidr_parse(&c, text) == 0 &&
            ((c.family != ZT_RELAY_AF_INET && c.family != ZT_RELAY_AF_INET6) ||
             c.bits > (c.family == ZT_RELAY_AF_INET ? 32u : 128u)))
            abort();
    }
    return 0;
}
