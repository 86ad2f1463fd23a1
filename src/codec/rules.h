/*
 * rules.h: the network rules engine (vl2.md §6): the binary rules table (§6.1) with its codec
 * (rules.c), and the evaluation of a table over one Ethernet frame (§6.2) plus the way a
 * network's table and its capabilities combine into one verdict (§6.3) (rules_eval.c).
 *
 * Everything here is a pure function over values: no clock, no randomness of its own (the
 * caller supplies MATCH_RANDOM's draw), no I/O.  Sending TEE/WATCH copies and REDIRECTed
 * frames is the caller's job; the verdict says where, how much and with which EXT_FRAME flags.
 */
#ifndef ZT_CORE_RULES_H
#define ZT_CORE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/errors.h"

#define ZT_RULES_MAX 1024          /* network table (config key R), vl2.md §4.2 */
#define ZT_RULES_CAPABILITY_MAX 64 /* rules inside one capability, §5.3 */

/* Bits of zt_rule.t (§6.1). */
#define ZT_RULE_NOT 0x80u
#define ZT_RULE_OR 0x40u
#define ZT_RULE_TYPE_MASK 0x3fu

/* Rule types (low 6 bits of t).  0..15 are actions, 16..63 matches. */
enum {
    ZT_RULE_ACTION_DROP = 0,
    ZT_RULE_ACTION_ACCEPT = 1,
    ZT_RULE_ACTION_TEE = 2,
    ZT_RULE_ACTION_WATCH = 3,
    ZT_RULE_ACTION_REDIRECT = 4,
    ZT_RULE_ACTION_BREAK = 5,
    ZT_RULE_ACTION_PRIORITY = 6,
    ZT_RULE_ACTION_MAX_ID = 15,

    ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS = 24,
    ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS = 25,
    ZT_RULE_MATCH_VLAN_ID = 26,
    ZT_RULE_MATCH_VLAN_PCP = 27,
    ZT_RULE_MATCH_VLAN_DEI = 28,
    ZT_RULE_MATCH_MAC_SOURCE = 29,
    ZT_RULE_MATCH_MAC_DEST = 30,
    ZT_RULE_MATCH_IPV4_SOURCE = 31,
    ZT_RULE_MATCH_IPV4_DEST = 32,
    ZT_RULE_MATCH_IPV6_SOURCE = 33,
    ZT_RULE_MATCH_IPV6_DEST = 34,
    ZT_RULE_MATCH_IP_TOS = 35,
    ZT_RULE_MATCH_IP_PROTOCOL = 36,
    ZT_RULE_MATCH_ETHERTYPE = 37,
    ZT_RULE_MATCH_ICMP = 38,
    ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE = 39,
    ZT_RULE_MATCH_IP_DEST_PORT_RANGE = 40,
    ZT_RULE_MATCH_CHARACTERISTICS = 41,
    ZT_RULE_MATCH_FRAME_SIZE_RANGE = 42,
    ZT_RULE_MATCH_RANDOM = 43,
    ZT_RULE_MATCH_TAGS_DIFFERENCE = 44,
    ZT_RULE_MATCH_TAGS_BITWISE_AND = 45,
    ZT_RULE_MATCH_TAGS_BITWISE_OR = 46,
    ZT_RULE_MATCH_TAGS_BITWISE_XOR = 47,
    ZT_RULE_MATCH_TAGS_EQUAL = 48,
    ZT_RULE_MATCH_TAG_SENDER = 49,
    ZT_RULE_MATCH_TAG_RECEIVER = 50,
    ZT_RULE_MATCH_INTEGER_RANGE = 51,
};

/* MATCH_CHARACTERISTICS bits (§6.2). */
#define ZT_RULE_CHAR_INBOUND (1ULL << 63)
#define ZT_RULE_CHAR_MULTICAST (1ULL << 62)
#define ZT_RULE_CHAR_BROADCAST (1ULL << 61)
#define ZT_RULE_CHAR_SENDER_IP_AUTHENTICATED (1ULL << 60)
#define ZT_RULE_CHAR_SENDER_MAC_AUTHENTICATED (1ULL << 59)
#define ZT_RULE_CHAR_TCP_FIN 0x001ULL
#define ZT_RULE_CHAR_TCP_SYN 0x002ULL
#define ZT_RULE_CHAR_TCP_RST 0x004ULL
#define ZT_RULE_CHAR_TCP_PSH 0x008ULL
#define ZT_RULE_CHAR_TCP_ACK 0x010ULL
#define ZT_RULE_CHAR_TCP_URG 0x020ULL
#define ZT_RULE_CHAR_TCP_ECE 0x040ULL
#define ZT_RULE_CHAR_TCP_CWR 0x080ULL
#define ZT_RULE_CHAR_TCP_NS 0x100ULL

/* Config flag (key f, §4.3): unknown MATCH types evaluate as a match. */
#define ZT_RULES_FLAG_UNSUPPORTED_MATCH 0x08u

/* One table entry.  |t| is the raw type byte (NOT/OR bits included); the value member that
 * applies is chosen by (t & ZT_RULE_TYPE_MASK).  Unknown types keep only |t| and are written
 * back with a zero length, as 1.14.1 writes them (§6.1). */
typedef struct zt_rule {
    uint8_t t;
    union {
        uint64_t zt;       /* SOURCE/DEST_ZEROTIER_ADDRESS: 40-bit address */
        struct {           /* TEE, WATCH, REDIRECT */
            uint64_t address;
            uint32_t flags;
            uint16_t length; /* bytes to copy; 0 = whole frame */
        } fwd;
        uint16_t vlan_id;
        uint8_t vlan_pcp;
        uint8_t vlan_dei;
        uint64_t mac;      /* MAC_SOURCE/DEST: 48-bit MAC, first octet most significant */
        struct {
            uint8_t ip[4];
            uint8_t bits;
        } ipv4;
        struct {
            uint8_t ip[16];
            uint8_t bits;
        } ipv6;
        struct {
            uint8_t mask, low, high;
        } tos;
        uint8_t ip_protocol;
        uint16_t ethertype;
        struct {
            uint8_t type, code, flags; /* flags 0x01: the code must match too */
        } icmp;
        struct {
            uint16_t low, high;
        } range;           /* port ranges, FRAME_SIZE_RANGE */
        uint64_t characteristics;
        uint32_t probability;
        struct {
            uint32_t id, value;
        } tag;             /* TAGS_*, TAG_SENDER, TAG_RECEIVER */
        struct {
            uint64_t start, end;
            uint16_t idx;
            uint8_t format;
        } int_range;
    } v;
} zt_rule;

static inline unsigned zt__rule_type(const zt_rule *r)
{
    return r->t & ZT_RULE_TYPE_MASK;
}

/* How a type's value is laid out on the wire (§6.1), named after the member of zt_rule.v it
 * fills.  One kind can serve several types (TAG: every TAGS_*, TAG_SENDER and TAG_RECEIVER). */
typedef enum {
    ZT_RULE_KIND_NONE = 0, /* no value: DROP, ACCEPT, BREAK, PRIORITY and unknown types */
    ZT_RULE_KIND_FWD,      /* TEE, WATCH, REDIRECT */
    ZT_RULE_KIND_ZT,
    ZT_RULE_KIND_VLAN_ID,
    ZT_RULE_KIND_VLAN_PCP,
    ZT_RULE_KIND_VLAN_DEI,
    ZT_RULE_KIND_MAC,
    ZT_RULE_KIND_IPV4,
    ZT_RULE_KIND_IPV6,
    ZT_RULE_KIND_TOS,
    ZT_RULE_KIND_IP_PROTOCOL,
    ZT_RULE_KIND_ETHERTYPE,
    ZT_RULE_KIND_ICMP,
    ZT_RULE_KIND_RANGE,    /* port ranges, FRAME_SIZE_RANGE */
    ZT_RULE_KIND_CHARACTERISTICS,
    ZT_RULE_KIND_RANDOM,
    ZT_RULE_KIND_TAG,
    ZT_RULE_KIND_INT_RANGE,
    ZT_RULE_KIND_COUNT
} zt_rule_kind;

/* What the codec, the evaluator and the controller's JSON form know of one rule type. */
typedef struct zt_rule_info {
    const char *name; /* as the controller's JSON spells it (controller.md §5.6), NULL when
                       * that form has none (PRIORITY, unknown types) */
    zt_rule_kind kind;
} zt_rule_info;

/* The description of rule type |type| (its low 6 bits count); never NULL: an unknown type has
 * no name and the kind NONE. */
const zt_rule_info *zt__rule_info(unsigned type);
/* The type whose JSON name is |name|, or -1 when none is. */
int zt__rule_type_by_name(const char *name);

/* Length of the value 1.14.1 writes for a type (0 for unknown types, §6.1). */
size_t zt__rule_value_len(unsigned type);

/* Integer field |i| (0-based, in wire order, §6.1) of |r|'s value, for the type in r->t.  Reads
 * 0 and writes nothing past the last field or for a byte field (an IP address); a write keeps
 * the low bits that fit the member. */
uint64_t zt__rule_field_get(const zt_rule *r, size_t i);
void zt__rule_field_set(zt_rule *r, size_t i, uint64_t x);

/* Reads one entry.  Extra value bytes beyond what a known type needs are skipped (the length
 * always governs where the next entry starts); unknown types skip their whole value.
 * Returns 0, ZT_ERR_TRUNCATED, or ZT_ERR_DROP when a known type's length is shorter than its
 * value (1.14.1 would read into the next entry; we refuse). */
int zt__rule_read(zt_rd *r, zt_rule *rule);
/* Writes one entry in 1.14.1's canonical form. */
void zt__rule_write(zt_wr *w, const zt_rule *rule);

/* Reads entries until |r| is exhausted or |cap| entries were read (the rest is ignored, as
 * 1.14.1 stops at its maximum: pass ZT_RULES_MAX for a network table).  *count gets the number
 * read; |rules| is filled in order.  Returns 0 or the error of zt__rule_read (then *count is
 * untouched). */
int zt__rules_read_all(zt_rd *r, zt_rule *rules, size_t cap, size_t *count);
/* Reads exactly |n| entries (capabilities carry their count).  Returns 0 or an error. */
int zt__rules_read_n(zt_rd *r, zt_rule *rules, size_t n);
void zt__rules_write(zt_wr *w, const zt_rule *rules, size_t n);

/* ---- evaluation (rules_eval.c) ---- */

/* Result of one pass over one table (§6.2). */
typedef enum {
    ZT_RULES_NO_MATCH = 0,
    ZT_RULES_DROP,
    ZT_RULES_ACCEPT,
    ZT_RULES_SUPER_ACCEPT,
    ZT_RULES_REDIRECT,
} zt_rules_result;

/* The frame under evaluation.  Outbound: zt_source = self, zt_dest = recipient or 0 when not
 * yet known (first pass of multicast and bridged frames).  Inbound: zt_source = the peer,
 * zt_dest = self.  |payload| (borrowed) is the Ethernet payload without the 14-byte header. */
typedef struct zt_rules_frame {
    bool inbound;
    uint64_t self;
    uint64_t zt_source, zt_dest;
    uint64_t mac_source, mac_dest; /* 48-bit, first octet most significant */
    uint16_t ethertype;
    uint16_t vlan_id;              /* always 0 in 1.14.1 */
    const uint8_t *payload;
    size_t len;
} zt_rules_frame;

typedef struct zt_rules_tag {
    uint32_t id, value;
} zt_rules_tag;

/* One thing a certificate of ownership lists (§5.6): type 1 MAC, 2 IPv4, 3 IPv6. */
typedef struct zt_rules_owned {
    uint8_t type;
    uint8_t value[16];
} zt_rules_owned;

/* Everything else evaluation looks at.  All pointers are borrowed and may be NULL with a zero
 * count.  Start from zt__rules_ctx_default(). */
typedef struct zt_rules_ctx {
    uint32_t config_flags;          /* key f; only 0x08 matters here */
    const zt_rules_tag *our_tags;   /* from our config */
    size_t n_our_tags;
    const zt_rules_tag *peer_tags;  /* the peer's valid tags (§5.8); NULL when unknown */
    size_t n_peer_tags;
    /* Things the sender owns per valid COOs: inbound the peer's, outbound ours (§6.2). */
    const zt_rules_owned *owned;
    size_t n_owned;
    /* Our own NDP-emulated prefixes (§2.5): 6PLANE /40 (5 bytes), rfc4193 /88 (11 bytes).
     * An inbound IPv6 source inside one counts as authenticated. */
    bool has_sixplane;
    uint8_t sixplane[5];
    bool has_rfc4193;
    uint8_t rfc4193[11];
    /* MATCH_RANDOM's draw; NULL means the draw is always UINT32_MAX (only "always" matches). */
    uint32_t (*random_u32)(void *arg);
    void *random_arg;
} zt_rules_ctx;

void zt__rules_ctx_default(zt_rules_ctx *ctx);

/* What one pass asked for besides its result. */
typedef struct zt_rules_pass {
    uint64_t redirect_to;  /* REDIRECT target (result ZT_RULES_REDIRECT) */
    uint64_t copy_to;      /* TEE/WATCH target, 0 = none (the last one wins) */
    uint16_t copy_length;  /* 0 = whole frame */
    bool copy_is_watch;
} zt_rules_pass;

/* Runs |rules| over |f| once (§6.2).  Never fails: malformed frames just fail matches. */
zt_rules_result zt__rules_eval(const zt_rule *rules, size_t n, const zt_rules_frame *f,
                               const zt_rules_ctx *ctx, zt_rules_pass *pass);

/* A capability's rules as the filter sees them (borrowed). */
typedef struct zt_rules_cap {
    uint32_t id;
    const zt_rule *rules;
    size_t n;
} zt_rules_cap;

/* EXT_FRAME flags (§3.2): COM attached, ACK requested, and the 3-bit subtype in bits 1..3
 * (0 normal, 1/2/3 TEE'd/REDIRECTed/WATCHed outbound, 4/5/6 the same inbound). */
#define ZT_EXT_FRAME_FLAG_COM 0x01u
#define ZT_EXT_FRAME_FLAG_ACK 0x10u
#define ZT_EXT_FRAME_SUBTYPE(flags) (((unsigned)(flags) >> 1) & 7u)

/* EXT_FRAME flags to use for copies and redirects (§3.2). */
#define ZT_EXT_FRAME_OUT_TEE 0x02u
#define ZT_EXT_FRAME_OUT_REDIRECT 0x04u
#define ZT_EXT_FRAME_OUT_WATCH 0x16u
#define ZT_EXT_FRAME_IN_TEE 0x08u
#define ZT_EXT_FRAME_IN_REDIRECT 0x0au
#define ZT_EXT_FRAME_IN_WATCH 0x1cu

/* The final decision of §6.3. */
typedef struct zt_rules_verdict {
    bool accept;           /* deliver (inbound) / send to zt_dest (outbound) */
    bool super_accept;     /* inbound: we are a TEE/WATCH/REDIRECT target; skip MAC checks */
    uint64_t redirect_to;  /* non-zero: send the frame there (EXT_FRAME redirect_flags); accept
                            * is then false: the frame is not delivered/sent as addressed */
    uint8_t redirect_flags;
    uint64_t copy_to;      /* non-zero: also send a copy there (EXT_FRAME copy_flags) */
    uint16_t copy_length;  /* 0 = whole frame, else the first copy_length bytes */
    uint8_t copy_flags;
    bool by_capability;    /* decided by a capability (capability_id) */
    uint32_t capability_id;
} zt_rules_verdict;

/* §6.3: the network table first; on NO_MATCH each capability in the order given (outbound:
 * ours by ascending ID; inbound: the sender's valid ones) until one gives ACCEPT,
 * SUPER_ACCEPT or REDIRECT.  Nothing accepts -> drop.  A copy requested by the pass that
 * decided is reported; on a capability decision the network pass's copy is used if the
 * capability asked for none. */
void zt__rules_filter(const zt_rule *rules, size_t n, const zt_rules_cap *caps, size_t ncaps,
                      const zt_rules_frame *f, const zt_rules_ctx *ctx, zt_rules_verdict *v);

#endif
