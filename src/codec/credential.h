/*
 * credential.h: the network credentials of vl2.md §5: certificate of membership (COM, §5.2),
 * capability (§5.3), tag (§5.4), revocation (§5.5) and certificate of ownership (COO, §5.6);
 * their binary forms, signed messages, signing (controller side) and verification; the pure
 * acceptance checks of §5.8; and the NETWORK_CREDENTIALS payload (§3.6).
 *
 * All types are plain bounded values (no allocation).  Readers consume exactly one
 * credential from a zt_rd and return 0, ZT_ERR_TRUNCATED (input ended early), ZT_ERR_RANGE
 * (a count above its bound) or ZT_ERR_DROP (any other malformation).  Writers emit 1.14.1's
 * canonical form; the caller checks zt__wr_finish() once.
 */
#ifndef ZT_CORE_CREDENTIAL_H
#define ZT_CORE_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/identity.h"
#include "codec/rules.h"
#include "util/buf.h"
#include "util/errors.h"

/* Credential type codes (§5). */
typedef enum {
    ZT_CRED_NONE = 0,
    ZT_CRED_COM = 1,
    ZT_CRED_CAPABILITY = 2,
    ZT_CRED_TAG = 3,
    ZT_CRED_COO = 4,
    ZT_CRED_REVOCATION = 6,
} zt_cred_type;

/* Signed message framing for capability, tag, COO, revocation (§5.1). */
#define ZT_CRED_SIGNED_PAD 0x7f
#define ZT_CRED_SIG_TYPE_ED25519 1

/* ---------------------------------------------------------------- COM (§5.2) */

#define ZT_COM_MAX_QUALIFIERS 8
#define ZT_COM_QUALIFIERS_ISSUED 7 /* what 1.14.1 controllers issue */
#define ZT_COM_Q_TIMESTAMP 0
#define ZT_COM_Q_NETWORK_ID 1
#define ZT_COM_Q_ISSUED_TO 2
#define ZT_COM_Q_IDENTITY_0 3 /* 3..6: SHA-384(address || public key) bytes 0..31 */
#define ZT_COM_LEN_MAX (3 + 24 * ZT_COM_MAX_QUALIFIERS + 5 + ZT_SIGNATURE_LEN)

typedef struct zt_com_qualifier {
    uint64_t id, value, max_delta;
} zt_com_qualifier;

typedef struct zt_com {
    unsigned count; /* <= ZT_COM_MAX_QUALIFIERS */
    zt_com_qualifier q[ZT_COM_MAX_QUALIFIERS];
    uint64_t signer; /* 0: unsigned (no signature on the wire) */
    uint8_t sig[ZT_SIGNATURE_LEN];
} zt_com;

/* The four u64 of SHA-384(address(5) || public key(64)) bytes 0..31 (§5.2).
 * Returns 0 or ZT_ERR_INTERNAL (libcrypto failed). */
int zt__com_identity_hash(const zt_identity *id, uint64_t out[4]);

/* Builds the 7 qualifiers a 1.14.1 controller issues, unsigned.  Returns 0 or
 * ZT_ERR_INTERNAL. */
int zt__com_init(zt_com *com, uint64_t nwid, int64_t timestamp, uint64_t ctmd,
                 const zt_identity *member);

/* Value of qualifier |id|, or 0 when absent. */
uint64_t zt__com_qualifier(const zt_com *com, uint64_t id);
static inline int64_t zt__com_timestamp(const zt_com *com)
{
    return (int64_t)zt__com_qualifier(com, ZT_COM_Q_TIMESTAMP);
}
static inline uint64_t zt__com_network_id(const zt_com *com)
{
    return zt__com_qualifier(com, ZT_COM_Q_NETWORK_ID);
}
static inline uint64_t zt__com_issued_to(const zt_com *com)
{
    return zt__com_qualifier(com, ZT_COM_Q_ISSUED_TO);
}

/* Format byte 0x01, q <= 8, ids non-decreasing.  Returns 0 or an error (see top). */
int zt__com_read(zt_rd *r, zt_com *com);
void zt__com_write(zt_wr *w, const zt_com *com);
/* The signed message: the 24*q qualifier bytes.  Returns its length or ZT_ERR_NOSPACE. */
zt_ssize zt__com_signed_message(const zt_com *com, uint8_t *out, size_t cap);
/* Signs as |controller| (needs its secret; its address must be nwid >> 24 of the COM's
 * network-ID qualifier).  Returns 0 or ZT_ERR_INVAL. */
int zt__com_sign(zt_com *com, const zt_identity *controller);
/* §5.2 verification with the signer's identity |signer| (whose address must equal
 * com->signer: else ZT_ERR_INVAL).  Returns 0, or ZT_ERR_AUTH when unsigned, signed by
 * another than the network's controller, or the signature is bad. */
int zt__com_verify(const zt_com *com, const zt_identity *signer);
/* Agreement of |mine| with |theirs| presented by |their_id| (§5.2). */
bool zt__com_agrees(const zt_com *mine, const zt_com *theirs, const zt_identity *their_id);
/* Same content (qualifiers, signer, signature). */
bool zt__com_equal(const zt_com *a, const zt_com *b);

/* ---------------------------------------------------------------- capability (§5.3) */

#define ZT_CAP_MAX_CUSTODY 7

typedef struct zt_cap_custody {
    uint64_t to, from;
    bool has_sig; /* false: a signature type other than 1 was skipped */
    uint8_t sig[ZT_SIGNATURE_LEN];
} zt_cap_custody;

typedef struct zt_capability {
    uint64_t nwid;
    int64_t timestamp;
    uint32_t id;
    unsigned rule_count; /* <= ZT_RULES_CAPABILITY_MAX */
    zt_rule rules[ZT_RULES_CAPABILITY_MAX];
    uint8_t max_custody; /* 1..7 */
    unsigned custody_count;
    zt_cap_custody custody[ZT_CAP_MAX_CUSTODY];
} zt_capability;

int zt__capability_read(zt_rd *r, zt_capability *cap);
void zt__capability_write(zt_wr *w, const zt_capability *cap);
/* Signed message (§5.1): 7f*8 || nwid .. m || 00 00 || 7f*8.  Length or ZT_ERR_NOSPACE. */
zt_ssize zt__capability_signed_message(const zt_capability *cap, uint8_t *out, size_t cap_len);
/* Appends a custody entry |signer| -> |to|.  The first entry must come from the network's
 * controller, later ones from the previous |to|.  Returns 0, ZT_ERR_INVAL (no secret, wrong
 * signer) or ZT_ERR_LIMIT (chain full per max_custody). */
int zt__capability_sign(zt_capability *cap, const zt_identity *signer, uint64_t to);
/* Looks up an identity by address; NULL when unknown (the caller should WHOIS it). */
typedef const zt_identity *(*zt_identity_lookup)(void *arg, uint64_t address);
/* Verifies the custody chain: entry 0 with |controller|, later entries with identities from
 * |lookup| (may be NULL).  Returns 0, ZT_ERR_AUTH (empty chain, broken chain, bad signature,
 * first signer not nwid >> 24), ZT_ERR_INVAL (|controller| is not entry 0's signer) or
 * ZT_ERR_AGAIN (a later signer's identity is unknown). */
int zt__capability_verify(const zt_capability *cap, const zt_identity *controller,
                          zt_identity_lookup lookup, void *arg);
/* The last `to` of the chain (0 if none). */
uint64_t zt__capability_issued_to(const zt_capability *cap);

/* ---------------------------------------------------------------- tag (§5.4) */

#define ZT_TAG_LEN 135

typedef struct zt_tag {
    uint64_t nwid;
    int64_t timestamp;
    uint32_t id, value;
    uint64_t issued_to, signer;
    bool has_sig;
    uint8_t sig[ZT_SIGNATURE_LEN];
} zt_tag;

int zt__tag_read(zt_rd *r, zt_tag *tag);
void zt__tag_write(zt_wr *w, const zt_tag *tag);
zt_ssize zt__tag_signed_message(const zt_tag *tag, uint8_t *out, size_t cap);
/* Sets signer = controller's address and signs.  Returns 0 or ZT_ERR_INVAL (no secret, or
 * the controller is not nwid >> 24). */
int zt__tag_sign(zt_tag *tag, const zt_identity *controller);
/* Returns 0, ZT_ERR_AUTH or ZT_ERR_INVAL as zt__com_verify. */
int zt__tag_verify(const zt_tag *tag, const zt_identity *signer);

/* ---------------------------------------------------------------- revocation (§5.5) */

#define ZT_REVOCATION_LEN 152
#define ZT_REVOCATION_FLAG_FAST_PROPAGATE 0x1ULL

typedef struct zt_revocation {
    uint32_t id;
    uint64_t nwid;
    uint32_t credential_id; /* 0 for a COM */
    int64_t threshold;
    uint64_t flags;
    uint64_t target;        /* whose credential */
    uint64_t signer;
    uint8_t type;           /* zt_cred_type of the revoked credential */
    bool has_sig;
    uint8_t sig[ZT_SIGNATURE_LEN];
} zt_revocation;

int zt__revocation_read(zt_rd *r, zt_revocation *rev);
void zt__revocation_write(zt_wr *w, const zt_revocation *rev);
zt_ssize zt__revocation_signed_message(const zt_revocation *rev, uint8_t *out, size_t cap);
int zt__revocation_sign(zt_revocation *rev, const zt_identity *controller);
int zt__revocation_verify(const zt_revocation *rev, const zt_identity *signer);

/* ---------------------------------------------------------------- COO (§5.6) */

#define ZT_COO_MAX_THINGS 16
#define ZT_COO_THING_MAC 1
#define ZT_COO_THING_IPV4 2
#define ZT_COO_THING_IPV6 3

typedef struct zt_coo {
    uint64_t nwid;
    int64_t timestamp;
    uint64_t flags;
    uint32_t id;
    unsigned thing_count; /* <= ZT_COO_MAX_THINGS (more on the wire are skipped) */
    zt_rules_owned things[ZT_COO_MAX_THINGS];
    uint64_t issued_to, signer;
    bool has_sig;
    uint8_t sig[ZT_SIGNATURE_LEN];
} zt_coo;

int zt__coo_read(zt_rd *r, zt_coo *coo);
void zt__coo_write(zt_wr *w, const zt_coo *coo);
zt_ssize zt__coo_signed_message(const zt_coo *coo, uint8_t *out, size_t cap);
int zt__coo_sign(zt_coo *coo, const zt_identity *controller);
int zt__coo_verify(const zt_coo *coo, const zt_identity *signer);
/* Adds a thing (type 1: 6-byte MAC, 2: 4-byte IPv4, 3: 16-byte IPv6).  Returns 0,
 * ZT_ERR_INVAL (bad type/length) or ZT_ERR_LIMIT (16 already). */
int zt__coo_add_thing(zt_coo *coo, uint8_t type, const uint8_t *value, size_t len);
/* "Owns X" (§5.6): some thing of |type| whose first |len| bytes equal |value|. */
bool zt__coo_owns(const zt_coo *coo, uint8_t type, const uint8_t *value, size_t len);

/* ---------------------------------------------------------------- acceptance (§5.8) */

typedef enum {
    ZT_CRED_ADMIT_NEW = 0,       /* verify it, then store it (replacing any held one) */
    ZT_CRED_ADMIT_REDUNDANT,     /* identical to the held one, or already revoked as far */
    ZT_CRED_REJECT_NETWORK,      /* not for this network */
    ZT_CRED_REJECT_SIGNER,       /* signer is not the network's controller */
    ZT_CRED_REJECT_OLDER,        /* older than the held one */
    ZT_CRED_REJECT_REVOKED,      /* timestamp at or below a revocation threshold */
} zt_cred_admit;

/* COM from a member (keyed by zt__com_issued_to): |held| is that member's current COM or NULL,
 * |revocation_threshold| its COM revocation threshold (0 when never revoked). */
zt_cred_admit zt__com_admit(const zt_com *in, uint64_t nwid, const zt_com *held,
                            int64_t revocation_threshold);
/* Tag/capability/COO: |held| is the member's one with the same ID or NULL;
 * |revocation_threshold| the threshold of a revocation for (type, ID), NULL if none. */
zt_cred_admit zt__tag_admit(const zt_tag *in, uint64_t nwid, const zt_tag *held,
                            const int64_t *revocation_threshold);
zt_cred_admit zt__capability_admit(const zt_capability *in, uint64_t nwid,
                                   const zt_capability *held,
                                   const int64_t *revocation_threshold);
zt_cred_admit zt__coo_admit(const zt_coo *in, uint64_t nwid, const zt_coo *held,
                            const int64_t *revocation_threshold);
/* Revocation for its target: |current_threshold| is the threshold already in force for the
 * same (type, ID) — for COMs the member's COM threshold — or NULL.  A revocation that does
 * not raise it is redundant. */
zt_cred_admit zt__revocation_admit(const zt_revocation *in, uint64_t nwid,
                                   const int64_t *current_threshold);
/* A stored tag/capability/COO is used only while |ts - config_ts| <= ctmd and it is not
 * revoked (revocation threshold >= ts). */
bool zt__credential_usable(int64_t ts, int64_t config_ts, int64_t ctmd,
                           const int64_t *revocation_threshold);

/* ---------------------------------------------------------------- NETWORK_CREDENTIALS (§3.6) */

typedef struct zt_credential {
    zt_cred_type type;
    union {
        zt_com com;
        zt_capability cap;
        zt_tag tag;
        zt_revocation rev;
        zt_coo coo;
    } u;
} zt_credential;

/* Iterator over a NETWORK_CREDENTIALS payload (borrowed for the iterator's lifetime). */
typedef struct zt_netcreds_reader {
    zt_rd r;
    int section;        /* 0 COMs, 1 capabilities, 2 tags, 3 revocations, 4 COOs, 5 done */
    unsigned remaining; /* credentials left in the current counted section */
    bool counted;       /* the current section's count has been read */
    int err;            /* sticky reader error */
} zt_netcreds_reader;

void zt__netcreds_begin(zt_netcreds_reader *it, const uint8_t *payload, size_t len);
/* Returns 1 with the next credential in *out, 0 at the end (a section may end the payload
 * before its count), or a reader error; after an error or the end it keeps returning that.
 * Bytes after the COO section are ignored. */
int zt__netcreds_next(zt_netcreds_reader *it, zt_credential *out);

/* Writes a payload: |com| (may be NULL), 0x00, then the counted sections. */
void zt__netcreds_write(zt_wr *w, const zt_com *com, const zt_capability *caps, size_t ncaps,
                        const zt_tag *tags, size_t ntags, const zt_revocation *revs,
                        size_t nrevs, const zt_coo *coos, size_t ncoos);

#endif
