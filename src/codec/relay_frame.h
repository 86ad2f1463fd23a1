/*
 * relay_frame.h: the framing of ZeroTier's TCP fallback relay (vl1.md §5.11, "TCP fallback
 * relay"; docs/relay.md), as pure functions over bytes: no I/O, no allocation, so that the
 * parser can be fuzzed (fuzz/fuzz_relay_frame.c) and tested alone (tests/unit).  Both ends
 * use it: the relay (apps/zt-relay) and the runner's tunnel (src/sdk/runner_tcp.c).
 *
 * Every message, both ways: 17 03 03 (a TLS 1.2 application-data record header, so that
 * middleboxes let it through), a 2-byte big-endian body length n, then n bytes of body.
 * Bodies:
 *   4 bytes                       a hello: major, minor, revision (2), sent by the client on
 *                                 connect; ignored by the receiver
 *   04 + IPv4 (4) + port (2) + P  a UDP payload P, to (client->relay) or from (relay->client)
 *                                 that IPv4 address
 *   06 + IPv6 (16) + port (2) + P the same for IPv6
 *   00 + P                        relay->client only: no address (parsed, never written by
 *                                 the relay; a client asking to send it is refused)
 * Ports are big-endian.  A 4-byte body is always a hello, whatever its first byte.
 *
 */
#ifndef ZT_CODEC_RELAY_FRAME_H
#define ZT_CODEC_RELAY_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/errors.h"

#define ZT_RELAY_HEAD_LEN 5          /* 17 03 03 + length (2) */
#define ZT_RELAY_BODY_MAX 16384      /* our bound; ZeroTier packets are <= 10 KiB */
#define ZT_RELAY_MSG_MAX (ZT_RELAY_HEAD_LEN + ZT_RELAY_BODY_MAX)
#define ZT_RELAY_HELLO_LEN 4
#define ZT_RELAY_PREFIX4_LEN 7       /* 04 + IPv4 + port */
#define ZT_RELAY_PREFIX6_LEN 19      /* 06 + IPv6 + port */
#define ZT_RELAY_PREFIX_MAX ZT_RELAY_PREFIX6_LEN

/* Address types: the first byte of a data body. */
enum { ZT_RELAY_AF_NONE = 0, ZT_RELAY_AF_INET = 4, ZT_RELAY_AF_INET6 = 6 };

/* An address as the framing carries it (network order bytes in |ip|, host-order |port|).
 * |family| ZT_RELAY_AF_NONE means no address; IPv4 uses ip[0..3]. */
typedef struct {
    uint8_t family;
    uint8_t ip[16];
    uint16_t port;
} zt_relay_addr;

typedef enum { ZT_RELAY_MSG_HELLO = 1, ZT_RELAY_MSG_DATA = 2 } zt_relay_msg_type;

/* A parsed body.  |data| points into the body given to zt__relay_frame_parse (borrowed):
 * the payload for DATA, the 4 hello bytes for HELLO. */
typedef struct {
    zt_relay_msg_type type;
    zt_relay_addr addr; /* DATA only */
    const uint8_t *data;
    size_t len;
} zt_relay_msg;

/*
 * zt__relay_frame_scan looks at the message starting at |buf| (|len| bytes received so far;
 * body bound |body_max|, at most ZT_RELAY_BODY_MAX).  Returns the whole message's length
 * (head + body) once all of it is in |buf|; 0 when more bytes are needed and those present
 * are a valid start (a bad first byte is reported as soon as it arrives); or
 *   ZT_ERR_DROP    the message does not start with 17 03 03
 *   ZT_ERR_RANGE   its length is 0 or above |body_max|
 */
zt_ssize zt__relay_frame_scan(const uint8_t *buf, size_t len, size_t body_max);

/*
 * zt__relay_frame_parse reads the body |body| of |len| bytes (as found by the scan, without
 * the head) into |msg|.  Returns 0, or
 *   ZT_ERR_UNSUPPORTED  an address type other than 00, 04, 06
 *   ZT_ERR_TRUNCATED    a body too short for its address type (or empty)
 * |msg| is written only on success.
 */
int zt__relay_frame_parse(const uint8_t *body, size_t len, zt_relay_msg *msg);

/* The length of the address prefix of |a| in a body: 1, 7 or 19; 0 for an unknown family. */
size_t zt__relay_frame_prefix_len(const zt_relay_addr *a);

/*
 * zt__relay_frame_write_head writes into |out| (|cap| bytes) the head and the address prefix
 * of a DATA message from or to |a| carrying |payload_len| bytes, which the caller places
 * right after.  Returns the bytes written (5 + prefix), or
 *   ZT_ERR_INVAL    |a| has an unknown family
 *   ZT_ERR_RANGE    the body would exceed ZT_RELAY_BODY_MAX
 *   ZT_ERR_NOSPACE  |cap| is too small (nothing usable was written)
 */
zt_ssize zt__relay_frame_write_head(uint8_t *out, size_t cap, const zt_relay_addr *a,
                                    size_t payload_len);

/* The whole DATA message (head, prefix, |payload| of |len| bytes, copied).  Returns its length
 * or the errors of zt__relay_frame_write_head. */
zt_ssize zt__relay_frame_write(uint8_t *out, size_t cap, const zt_relay_addr *a,
                               const uint8_t *payload, size_t len);

/* The client's hello: 17 03 03 00 04 major minor revision(2).  Returns 9 or ZT_ERR_NOSPACE. */
zt_ssize zt__relay_frame_write_hello(uint8_t *out, size_t cap, uint8_t major, uint8_t minor,
                                     uint16_t revision);

/* A short description of an error of the functions above (for log lines). */
const char *zt__relay_frame_strerror(int err);

#endif
