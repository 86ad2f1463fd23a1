/*
 * netconf.h: a network configuration (vl2.md §4.3) as a value, parsed from a config
 * dictionary with the acceptance rules of §4.4 and written back in 1.14.1's key order.
 *
 * Storage.  Fixed-size fields (integers, name, static IPs, routes, specialists, DNS) live in
 * the struct with the limits of §8 (about 9 KiB in all).  Variable-length values (the
 * credential and rules blobs C, CAP, TAG, COO, R and the SSO strings) are unescaped into one
 * owned "arena" allocated through zt_mem, exactly as large as they are together (so never
 * more than the dictionary, which is at most ZT_DICT_CONFIG_MAX bytes); each is an
 * (offset, length) pair into it, read with zt__netconf_blob().  A zero length means absent.
 * zt__netconf_clear() frees the arena.  The blobs are kept as raw bytes: parsing and
 * checking COMs, capabilities, tags, COOs and rules is the credential/rules code's job, and
 * a caller that applies a config must also reject it when the COM, COO or rules blob does not
 * parse (§4.4 counts those as a failed parse; truncated CAP/TAG lists just stop).
 */
#ifndef ZT_CORE_NETCONF_H
#define ZT_CORE_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/inetaddr.h"
#include "codec/wire/vl2.h"
#include "util/errors.h"
#include "util/mem.h"

/* A managed route (§4.2 `RT`): target with its prefix length in the port field, an optional
 * gateway (family 0 = none: a LAN route on the virtual network), flags and metric. */
typedef struct zt_netconf_route {
    zt_inetaddr target;
    zt_inetaddr via;
    uint16_t flags;
    uint16_t metric;
} zt_netconf_route;

/* DNS settings (§4.2 `DNS`): a NUL-padded domain (last byte always NUL) and 4 servers
 * (family 0 = unused). */
typedef struct zt_netconf_dns {
    uint8_t domain[ZT_NETCONF_DNS_DOMAIN_LEN];
    zt_inetaddr servers[ZT_NETCONF_MAX_DNS_SERVERS];
} zt_netconf_dns;

/* The variable-length values, in the arena. */
typedef enum {
    ZT_NETCONF_BLOB_COM = 0,     /* `C`   one serialized COM */
    ZT_NETCONF_BLOB_CAPS,        /* `CAP` serialized capabilities, back to back */
    ZT_NETCONF_BLOB_TAGS,        /* `TAG` serialized tags */
    ZT_NETCONF_BLOB_COOS,        /* `COO` serialized certificates of ownership */
    ZT_NETCONF_BLOB_RULES,       /* `R`   rules table (absent = drop everything) */
    ZT_NETCONF_BLOB_AUTH_URL,    /* `aurl`   SSO v0 */
    ZT_NETCONF_BLOB_ISSUER_URL,  /* `iurl`   SSO v1 */
    ZT_NETCONF_BLOB_CENTRAL_URL, /* `ssoce`  */
    ZT_NETCONF_BLOB_SSO_NONCE,   /* `sson`   */
    ZT_NETCONF_BLOB_SSO_STATE,   /* `ssos`   */
    ZT_NETCONF_BLOB_SSO_CLIENT,  /* `ssocid` */
    ZT_NETCONF_BLOB_SSO_PROVIDER, /* `ssop`  ("default" when the key is missing) */
    ZT_NETCONF_NBLOBS
} zt_netconf_blob_id;

typedef struct zt_netconf {
    uint64_t version;          /* `v`: >= 6 when parsed; 7 from zt__netconf_init */
    uint64_t nwid;             /* `nwid`: required, non-zero */
    int64_t timestamp;         /* `ts`: controller time of issue (ms) */
    uint64_t ctmd;             /* `ctmd`: credential time max delta (ms); 0 if missing */
    uint64_t revision;         /* `r` */
    uint64_t issued_to;        /* `id`: required, non-zero, 40 bits */
    uint64_t trace_target;     /* `tt`: 40 bits, 0 = none */
    uint64_t trace_level;      /* `tl` */
    uint64_t flags;            /* `f`: ZT_NETCONF_FLAG_* */
    uint64_t multicast_limit;  /* `ml`: 0 (also when missing) disables multicast and ARP */
    uint64_t type;             /* `t`: ZT_NETWORK_TYPE_*; anything but 1 is private */
    char name[ZT_NETCONF_NAME_MAX + 1]; /* `n`: NUL-terminated, at most 127 bytes kept */
    uint32_t mtu;              /* `mtu`: default 2800, clamped to [1280, 10000] */

    zt_inetaddr static_ips[ZT_NETCONF_MAX_STATIC_IPS]; /* `I`: port field = netmask bits */
    unsigned n_static_ips;
    zt_netconf_route routes[ZT_NETCONF_MAX_ROUTES];     /* `RT` */
    unsigned n_routes;
    uint64_t specialists[ZT_NETCONF_MAX_SPECIALISTS];   /* `S`: address | ZT_SPECIALIST_ROLE_* */
    unsigned n_specialists;
    bool has_dns;                                       /* `DNS` present */
    zt_netconf_dns dns;

    uint64_t sso_version;      /* `ssov` */
    bool sso_enabled;          /* `ssoe` */
    int64_t auth_expiry;       /* `aexpt` (sign lost on the wire, §4.1) */

    struct {
        uint32_t off, len;
    } blob[ZT_NETCONF_NBLOBS];
    uint8_t *arena;            /* owned; NULL when every blob is empty */
    size_t arena_len;
    const zt_mem *mem;
} zt_netconf;

/* Initializes |nc| (storage owned by the caller) to an empty config: version 7, MTU 2800,
 * everything else zero/absent.  |mem| (NULL = libc) serves the arena. */
void zt__netconf_init(zt_netconf *nc, const zt_mem *mem);
/* Frees the arena and resets |nc| as zt__netconf_init does, keeping its zt_mem. */
void zt__netconf_clear(zt_netconf *nc);

/*
 * Parses the config dictionary |dict| (|len| bytes, borrowed; it may end with a NUL) into
 * |nc|, which is initialized here (do not pass a config holding an arena: clear it first).
 * Acceptance (§4.4): `v` >= 6, `nwid` and `id` non-zero, and the static-IP, route and DNS
 * blobs well formed.  At most 32 static IPs, 128 routes and 256 specialists are read; the rest
 * of those blobs is ignored, as 1.14.1 does.  Null static IPs are dropped.  Returns 0, or:
 *   ZT_ERR_RANGE        |len| > ZT_DICT_CONFIG_MAX
 *   ZT_ERR_UNSUPPORTED  `v` missing or < 6 (legacy format)
 *   ZT_ERR_INVAL        `nwid` or `id` missing/zero, bad InetAddress type in I/RT/DNS
 *   ZT_ERR_TRUNCATED    a static-IP, route or DNS blob ends mid-entry
 *   ZT_ERR_NOMEM        (fatal) arena allocation failed
 * On failure |nc| is left initialized and empty.
 */
int zt__netconf_parse(zt_netconf *nc, const uint8_t *dict, size_t len, const zt_mem *mem);

/* The blob |which| (NULL and *len = 0 when absent).  Valid until |nc| changes. */
const uint8_t *zt__netconf_blob(const zt_netconf *nc, zt_netconf_blob_id which, size_t *len);

/* Replaces blob |which| with a copy of |data| (|len| bytes; 0 removes it).  Returns 0,
 * ZT_ERR_INVAL (bad |which|), ZT_ERR_RANGE (the blobs together would exceed
 * ZT_DICT_CONFIG_MAX) or ZT_ERR_NOMEM (|nc| unchanged). */
int zt__netconf_set_blob(zt_netconf *nc, zt_netconf_blob_id which, const void *data,
                         size_t len);

bool zt__netconf_is_public(const zt_netconf *nc);

/*
 * Writes |nc| as a config dictionary into |out| (capacity |cap|; at most ZT_DICT_CONFIG_MAX
 * bytes are used) in 1.14.1's order: v nwid ts ctmd r id tt tl f ml t n mtu C CAP TAG COO S
 * RT I R DNS ssov ssoe, then aurl aexpt (SSO enabled, version 0) or iurl ssoce sson ssos
 * ssocid ssop (SSO enabled, version 1).  `n`, `tt`, `tl` and `DNS` are always written; C, CAP,
 * TAG, COO, S, RT, I and R only when non-empty.  Returns the length or ZT_ERR_NOSPACE.
 */
zt_ssize zt__netconf_write(const zt_netconf *nc, uint8_t *out, size_t cap);

#endif
