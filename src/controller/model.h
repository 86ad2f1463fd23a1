/*
 * model.h: the controller's data model (controller.md §5.4-§5.7) as C value types, and their
 * conversion to and from the JSON objects zerotier-one stores and its REST API speaks.
 *
 * A zt_ctl_network or zt_ctl_member is storage the caller owns: _init() fills the defaults of a
 * fresh record (§5.4/§5.5), _clear() frees what it points to (rules JSON, unknown keys),
 * _copy() makes an independent deep copy.  Every list has a fixed bound (ZT_CTL_MAX_*); input
 * with more items is refused with ZT_ERR_RANGE rather than cut short, so nothing is lost in
 * silence.
 *
 * Rules (network `rules`, capability `rules`) are kept as the compact JSON text of the §5.6
 * array: a bounded opaque blob that round-trips byte for byte.  Parsing a rule into its binary
 * form is the rules codec's job (src/core) when the config is built, not the store's.
 *
 * Keys of a stored record that the model does not know are kept, as a compact JSON object, in
 * |extra|, and written back by _to_json() (§5.4: "keys not listed here that exist in a stored
 * file are preserved").  Request bodies never add to |extra| (unknown keys in a request are
 * ignored).
 *
 * Two ways in from JSON:
 *   _from_json()        a whole stored record (file, database row): every field, defaults for
 *                       absent ones, the §5.7 coercions, unknown keys kept.
 *   _patch_from_json()  a REST request body: only the writable fields, and only those present
 *                       are flagged in patch->has (style.md §10g); _patch_apply() changes exactly
 *                       those fields and leaves the others as they were.
 */
#ifndef ZT_CONTROLLER_MODEL_H
#define ZT_CONTROLLER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/errors.h"

/* Bounds.  The list limits are those of controller.md §3.9 (ZeroTierOne.h); the others are
 * ours, chosen well above anything a real controller stores. */
#define ZT_CTL_NAME_MAX 127          /* network and member name, bytes */
#define ZT_CTL_MAX_ROUTES 128
#define ZT_CTL_MAX_POOLS 64          /* spec silent; ours */
#define ZT_CTL_MAX_RULES 1024
#define ZT_CTL_MAX_CAPS 128          /* network capability definitions, member capabilities */
#define ZT_CTL_MAX_CAP_RULES 64
#define ZT_CTL_MAX_TAGS 128          /* network tag definitions, member tags */
#define ZT_CTL_MAX_IPS 32            /* member ipAssignments */
#define ZT_CTL_MAX_DNS_SERVERS 4
#define ZT_CTL_DNS_DOMAIN_MAX 127    /* longer domains are truncated (quirk Q7) */
#define ZT_CTL_DNS_SERVER_MAX 63     /* one server string, bytes */
#define ZT_CTL_MAX_TOKENS 32         /* authTokens entries */
#define ZT_CTL_TOKEN_MAX 255         /* one token, bytes */
#define ZT_CTL_IDENTITY_MAX 511      /* public identity text, bytes */
#define ZT_CTL_CRED_TYPE_MAX 15      /* lastAuthorizedCredentialType */
#define ZT_CTL_SSO_STR_MAX 1023      /* clientId, authorizationEndpoint */
#define ZT_CTL_RULES_JSON_MAX 262144 /* one rules array as JSON text, bytes */
#define ZT_CTL_RULES_SOURCE_MAX 65536
#define ZT_CTL_EXTRA_MAX 65536       /* unknown keys of one record as JSON text, bytes */
#define ZT_CTL_ARRAY_INPUT_MAX 16384 /* any array on input (§5.4) */

/* One IP address, or a prefix (|bits|) for route targets.  family 0 means "none" (null). */
typedef struct zt_ctl_ip {
    uint8_t family; /* 0, 4 or 6 */
    uint8_t bits;   /* prefix length for route targets; 0 for plain addresses */
    uint8_t ip[16]; /* IPv4 in the first 4 bytes, network order */
} zt_ctl_ip;

typedef struct zt_ctl_route {
    zt_ctl_ip target; /* with bits */
    zt_ctl_ip via;    /* family 0: null */
} zt_ctl_route;

typedef struct zt_ctl_pool {
    zt_ctl_ip start, end; /* same family */
} zt_ctl_pool;

typedef struct zt_ctl_cap_def {
    uint32_t id;
    bool is_default;
    char *rules_json; /* owned; compact JSON array text, never NULL in a valid record */
} zt_ctl_cap_def;

typedef struct zt_ctl_tag_def {
    uint32_t id;
    bool has_default; /* false: "default": null */
    uint32_t default_value;
} zt_ctl_tag_def;

typedef struct zt_ctl_token {
    char token[ZT_CTL_TOKEN_MAX + 1];
    int64_t expires; /* ms since the epoch; 0 = never */
} zt_ctl_token;

typedef struct zt_ctl_network {
    uint64_t id;
    char name[ZT_CTL_NAME_MAX + 1];
    bool is_private;
    int64_t creation_time;
    uint64_t revision; /* 0 until the first save */
    int64_t multicast_limit;
    bool enable_broadcast;
    int64_t mtu; /* [1280, 10000] */
    bool v4_zt;
    bool v6_6plane, v6_rfc4193, v6_zt;
    size_t nroutes;
    zt_ctl_route routes[ZT_CTL_MAX_ROUTES];
    size_t npools;
    zt_ctl_pool pools[ZT_CTL_MAX_POOLS];
    char *rules_json; /* owned; compact JSON array text of §5.6 rules; never NULL after _init */
    size_t ncaps;
    zt_ctl_cap_def caps[ZT_CTL_MAX_CAPS]; /* ascending id, unique */
    size_t ntags;
    zt_ctl_tag_def tags[ZT_CTL_MAX_TAGS]; /* ascending id, unique */
    size_t ntokens; /* 0: written as the 1.14.1 default [null] (quirk Q1) */
    zt_ctl_token tokens[ZT_CTL_MAX_TOKENS];
    bool has_dns;    /* false: "dns": [] */
    bool has_domain; /* false: "domain": null */
    char dns_domain[ZT_CTL_DNS_DOMAIN_MAX + 1];
    bool has_servers; /* "servers" key present */
    size_t nservers;
    char dns_servers[ZT_CTL_MAX_DNS_SERVERS][ZT_CTL_DNS_SERVER_MAX + 1];
    char remote_trace_target[11]; /* "" = null, else exactly 10 characters */
    int64_t remote_trace_level;
    char *rules_source; /* owned, may be NULL (= "") */
    bool sso_enabled;
    char client_id[ZT_CTL_SSO_STR_MAX + 1];
    char authorization_endpoint[ZT_CTL_SSO_STR_MAX + 1];
    bool has_cert_window;
    int64_t cert_window; /* certificateTimeoutWindowSize, ms */
    char *extra; /* owned, may be NULL: unknown keys, compact JSON object text */
} zt_ctl_network;

typedef struct zt_ctl_member_tag {
    uint32_t id, value;
} zt_ctl_member_tag;

typedef struct zt_ctl_member {
    uint64_t nwid;
    uint64_t id; /* 40-bit address */
    bool authorized;
    bool active_bridge;
    bool no_auto_assign_ips;
    size_t nips;
    zt_ctl_ip ips[ZT_CTL_MAX_IPS]; /* plain addresses, in the order given */
    size_t ntags;
    zt_ctl_member_tag tags[ZT_CTL_MAX_TAGS]; /* ascending id, unique */
    size_t ncaps;
    uint32_t caps[ZT_CTL_MAX_CAPS]; /* ascending, unique */
    bool has_name; /* name is not part of the defaults */
    char name[ZT_CTL_NAME_MAX + 1];
    int64_t authentication_expiry_time;
    char remote_trace_target[11]; /* "" = null */
    int64_t remote_trace_level;
    bool sso_exempt;
    int64_t creation_time;
    uint64_t revision;
    char identity[ZT_CTL_IDENTITY_MAX + 1]; /* "" = absent (not yet pinned) */
    int64_t last_authorized_time;
    int64_t last_deauthorized_time;
    char last_auth_cred_type[ZT_CTL_CRED_TYPE_MAX + 1]; /* "" = null */
    bool has_last_auth_cred;
    char last_auth_cred[ZT_CTL_TOKEN_MAX + 1];
    int64_t v_major, v_minor, v_rev, v_proto; /* -1 = unknown */
    char *extra; /* owned, may be NULL */
} zt_ctl_member;

/* ---- lifecycle ------------------------------------------------------------------------------- */

/* Fills |n| with the defaults of a fresh network |nwid| (§5.4).  Returns 0 or ZT_ERR_NOMEM (the
 * default rules text is allocated); on failure |n| is still safe to _clear(). */
int zt__ctl_network_init(zt_ctl_network *n, uint64_t nwid);
void zt__ctl_network_clear(zt_ctl_network *n);
/* Deep copy of |src| into |dst|, which must be uninitialised or cleared.  Returns 0 or
 * ZT_ERR_NOMEM (|dst| is then cleared). */
int zt__ctl_network_copy(zt_ctl_network *dst, const zt_ctl_network *src);

/* Fills |m| with the defaults of a new member |node| of |nwid| (§5.5).  Never fails. */
void zt__ctl_member_init(zt_ctl_member *m, uint64_t nwid, uint64_t node);
void zt__ctl_member_clear(zt_ctl_member *m);
int zt__ctl_member_copy(zt_ctl_member *dst, const zt_ctl_member *src);

/* ---- stored records -------------------------------------------------------------------------- */

/*
 * zt__ctl_network_from_json reads a whole stored network object |j| into |n| (uninitialised on
 * entry; initialised on return whatever the result, so the caller always _clear()s it).
 * `id` must be 16 hex digits.  Absent fields get the defaults, present ones the §5.7
 * coercions; invalid route/pool items are dropped as §5.4 says.  Returns 0, or:
 *   ZT_ERR_INVAL   not an object, bad or missing id, a rules value that is not an array of
 *                  objects, a non-string ipAssignments item (members)
 *   ZT_ERR_RANGE   a list, string or JSON text beyond its ZT_CTL_* bound
 *   ZT_ERR_NOMEM
 * |err| (may be NULL) receives one sentence on failure.
 */
int zt__ctl_network_from_json(zt_ctl_network *n, const json_t *j, char *err, size_t errlen);

/* Renders |n| as the full stored object (sorted keys when dumped with JSON_SORT_KEYS).
 * On success *pj owns a new object.  Returns 0, ZT_ERR_INVAL (|extra| is not an object) or
 * ZT_ERR_NOMEM. */
int zt__ctl_network_to_json(const zt_ctl_network *n, json_t **pj);

/* As above for members.  `id` (or `address`) must be 10 hex digits; `nwid`, when present,
 * must be 16 hex digits.  |nwid| is the network the record belongs to (its directory or row);
 * a record whose `nwid` names another network is ZT_ERR_INVAL. */
int zt__ctl_member_from_json(zt_ctl_member *m, uint64_t nwid, const json_t *j, char *err,
                            size_t errlen);
int zt__ctl_member_to_json(const zt_ctl_member *m, json_t **pj);

/* Compact, key-sorted JSON text of a record (what files and database rows hold).  On success
 * *ptext is a NUL-terminated string the caller frees with free().  Returns 0, ZT_ERR_INVAL or
 * ZT_ERR_NOMEM. */
int zt__ctl_network_dump(const zt_ctl_network *n, char **ptext);
int zt__ctl_member_dump(const zt_ctl_member *m, char **ptext);
/* Parse |len| bytes of JSON text; errors as for _from_json (unparseable text: ZT_ERR_INVAL). */
int zt__ctl_network_load(zt_ctl_network *n, const char *text, size_t len, char *err,
                        size_t errlen);
int zt__ctl_member_load(zt_ctl_member *m, uint64_t nwid, const char *text, size_t len, char *err,
                       size_t errlen);

/* Same content, ignoring `revision` (§4.5: a save that changes nothing writes nothing).  On
 * ZT_ERR_NOMEM they answer false. */
bool zt__ctl_network_same(const zt_ctl_network *a, const zt_ctl_network *b);
bool zt__ctl_member_same(const zt_ctl_member *a, const zt_ctl_member *b);

/* ---- REST updates (style.md §10g) --------------------------------------------------------------- */

enum {
    ZT_CTL_NET_HAS_NAME = 1u << 0,
    ZT_CTL_NET_HAS_PRIVATE = 1u << 1,
    ZT_CTL_NET_HAS_MULTICAST_LIMIT = 1u << 2,
    ZT_CTL_NET_HAS_ENABLE_BROADCAST = 1u << 3,
    ZT_CTL_NET_HAS_MTU = 1u << 4,
    ZT_CTL_NET_HAS_V4_ASSIGN = 1u << 5,
    ZT_CTL_NET_HAS_V6_ASSIGN = 1u << 6,
    ZT_CTL_NET_HAS_ROUTES = 1u << 7,
    ZT_CTL_NET_HAS_POOLS = 1u << 8,
    ZT_CTL_NET_HAS_RULES = 1u << 9,
    ZT_CTL_NET_HAS_CAPS = 1u << 10,
    ZT_CTL_NET_HAS_TAGS = 1u << 11,
    ZT_CTL_NET_HAS_TOKENS = 1u << 12,
    ZT_CTL_NET_HAS_DNS = 1u << 13,
    ZT_CTL_NET_HAS_TRACE_TARGET = 1u << 14,
    ZT_CTL_NET_HAS_TRACE_LEVEL = 1u << 15,
};

/* The fields of |v| flagged in |has| were present in the request. */
typedef struct zt_ctl_network_patch {
    uint32_t has;
    zt_ctl_network v;
} zt_ctl_network_patch;

enum {
    ZT_CTL_MEM_HAS_AUTHORIZED = 1u << 0,
    ZT_CTL_MEM_HAS_ACTIVE_BRIDGE = 1u << 1,
    ZT_CTL_MEM_HAS_NO_AUTO_IPS = 1u << 2,
    ZT_CTL_MEM_HAS_IPS = 1u << 3, /* replaces the whole list, as zerotier-one does */
    ZT_CTL_MEM_HAS_TAGS = 1u << 4,
    ZT_CTL_MEM_HAS_CAPS = 1u << 5,
    ZT_CTL_MEM_HAS_NAME = 1u << 6,
    ZT_CTL_MEM_HAS_AUTH_EXPIRY = 1u << 7,
    ZT_CTL_MEM_HAS_TRACE_TARGET = 1u << 8,
    ZT_CTL_MEM_HAS_TRACE_LEVEL = 1u << 9,
};

typedef struct zt_ctl_member_patch {
    uint32_t has;
    zt_ctl_member v;
} zt_ctl_member_patch;

/*
 * zt__ctl_network_patch_from_json reads the writable fields present in request body |j| into
 * |p| (uninitialised on entry, always initialised on return: call _patch_clear()).  Fields the
 * REST API may not write (id, revision, creationTime, ssoEnabled, ...) and unknown keys are
 * ignored, and so are list fields of the wrong JSON type (as zerotier-one does).  Returns 0,
 * ZT_ERR_INVAL (|j| not an object), ZT_ERR_RANGE (a list or string beyond its bound) or
 * ZT_ERR_NOMEM, with a sentence in |err|.
 */
int zt__ctl_network_patch_from_json(zt_ctl_network_patch *p, const json_t *j, char *err,
                                   size_t errlen);
void zt__ctl_network_patch_clear(zt_ctl_network_patch *p);
/* Copies the flagged fields of |p| into |n|; the others stay as they were.  Returns 0 or
 * ZT_ERR_NOMEM (|n| is then unchanged). */
int zt__ctl_network_patch_apply(zt_ctl_network *n, const zt_ctl_network_patch *p);

/* As above for members.  A non-string ipAssignments item is ZT_ERR_INVAL (zerotier-one: 500). */
int zt__ctl_member_patch_from_json(zt_ctl_member_patch *p, const json_t *j, char *err,
                                  size_t errlen);
void zt__ctl_member_patch_clear(zt_ctl_member_patch *p);
/* Copies the flagged fields into |m|.  When `authorized` changes, stamps the §5.5 fields with
 * |now|: true sets lastAuthorizedTime, lastAuthorizedCredentialType "api" and a null
 * credential; false sets lastDeauthorizedTime.  An unchanged value touches nothing. */
void zt__ctl_member_patch_apply(zt_ctl_member *m, const zt_ctl_member_patch *p, int64_t now);

/* ---- §5.7 coercions and IP text, shared with the REST layer ---------------------------------- */

/* "As bool/integer/string": anything that does not convert yields |dflt|.  _as_string copies
 * into |out| (capacity |cap|) and returns ZT_ERR_RANGE if the text does not fit, else 0. */
bool zt__ctl_json_bool(const json_t *j, bool dflt);
int64_t zt__ctl_json_int(const json_t *j, int64_t dflt);
int zt__ctl_json_string(const json_t *j, const char *dflt, char *out, size_t cap);

/* Parses "1.2.3.4", "2001:db8::1" (|with_bits| false) or "10.0.0.0/24" (|with_bits| true;
 * bits at most 32 or 128).  Returns 0 or ZT_ERR_INVAL. */
int zt__ctl_ip_parse(zt_ctl_ip *ip, const char *s, size_t len, bool with_bits);
/* Writes the normalised text ("10.0.0.0/24" when |with_bits|).  Returns 0, ZT_ERR_INVAL or
 * ZT_ERR_NOSPACE.  64 bytes are always enough. */
int zt__ctl_ip_format(const zt_ctl_ip *ip, bool with_bits, char *out, size_t cap);

#endif
