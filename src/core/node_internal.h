/*
 * node_internal.h: the node's state (struct zt_node and what it holds: peers, paths, worlds,
 * queues, networks, memberships, multicast state) and the protocol's timers and limits.
 * Every module of src/core includes it; each module's functions are in its own header
 * (host.h, topology.h, peer.h, send.h, lookup.h, idcheck.h, membership.h, vl2_creds.h,
 * vl2_filter.h, ndp.h, multicast.h, vl2.h, network.h, vl1.h), listed bottom-up: a module
 * calls only those below it (docs/internals/node.md, "Layers").  Not for embedders.
 */
#ifndef ZT_CORE_NODE_INTERNAL_H
#define ZT_CORE_NODE_INTERNAL_H

#include "codec/fragment.h"
#include "core/node.h"
#include "codec/packet.h"
#include "codec/configchunk.h"
#include "codec/credential.h"
#include "codec/ethernet.h"
#include "codec/rules.h"
#include "codec/world.h"

/* Timers and limits (vl1.md §5.10). */
#define ZT_PING_CHECK_INTERVAL 5000
#define ZT_PATH_HEARTBEAT_PERIOD 14000
#define ZT_PATH_ALIVE_WINDOW 19000
#define ZT_PEER_PING_PERIOD 60000
#define ZT_PEER_PATH_EXPIRATION 243000
#define ZT_WHOIS_RETRY_DELAY 500
#define ZT_WHOIS_MAX_TRIES 10
#define ZT_QUEUE_TIMEOUT 5000
#define ZT_QUEUE_SIZE 32
#define ZT_WHOIS_PENDING_MAX 64
#define ZT_MIN_UNITE_INTERVAL 30000
#define ZT_HOUSEKEEPING_PERIOD 30000
#define ZT_PEER_WHOIS_RATE_LIMIT 100
#define ZT_ECHO_RATE_LIMIT 166
#define ZT_NEW_PATH_CONTACT_LIMIT 1000
#define ZT_IDENTITY_VALIDATION_RATE_LIMIT 2000
#define ZT_PUSH_DIRECT_PATHS_CUTOFF 30000
#define ZT_PUSH_DIRECT_PATHS_LIMIT 8
#define ZT_PUSH_DIRECT_PATHS_PER_SCOPE 8
#define ZT_DIRECT_PATH_PUSH_INTERVAL 15000
#define ZT_DIRECT_PATH_PUSH_INTERVAL_HAVEPATH 120000
#define ZT_SELFAWARE_TIMEOUT 600000
#define ZT_TIMER_GRANULARITY 60
#define ZT_ECHO_ASKED 0x50 /* trailing ECHO payload byte marking an embedder's ping */

#define ZT_PEER_BUCKETS 1024
#define ZT_MAX_MOONS 8
#define ZT_MAX_UPSTREAMS (ZT_WORLD_MAX_ROOTS * (1 + ZT_MAX_MOONS))
#define ZT_EXPECT_BUCKETS 256
#define ZT_EXPECT_PER_BUCKET 32
#define ZT_IDV_BUCKETS 1024
#define ZT_UNITE_SLOTS 256
#define ZT_SELFAWARE_SLOTS 64
#define ZT_MAX_LOCAL_ADDRS 16
#define ZT_RECENT_CONTACTS 4

/* The global budget for work on unknown identities (idcheck.c, docs/internals/flood.md), on
 * top of the per-prefix gate: key agreements (~60 us each) and address proofs (~30 ms). */
#define ZT_AGREE_RATE 256    /* agreements with unknown identities per second */
#define ZT_AGREE_BURST 64
#define ZT_IDV_RATE 8        /* address proofs checked per second, for HELLOs and for WHOIS */
#define ZT_IDV_BURST 16
#define ZT_IDV_PENDING 8     /* proofs being checked by the embedder at once */
#define ZT_IDV_RESERVED 2    /* ... of which HELLOs may not take the last two (WHOIS's) */
#define ZT_IDV_TIMEOUT 10000 /* a proof the embedder never answered is forgotten */
#define ZT_IDV_FAILED 64     /* identities whose proof failed, remembered */
/* A source prefix's first new identity in a minute may draw on budgets of its own, so that a
 * flood from many prefixes, which spends those once per prefix and minute, cannot starve a
 * newcomer from another prefix (docs/internals/flood.md). */
#define ZT_IDV_FRESH_PERIOD 60000
#define ZT_AGREE_FRESH_RATE 64
#define ZT_AGREE_FRESH_BURST 16
#define ZT_IDV_FRESH_RATE 4
#define ZT_IDV_FRESH_BURST 4

/* A token bucket: |milli| thousandths of a token, refilled since |last| (once |started|). */
typedef struct zt_budget {
    int64_t milli, last;
    bool started;
} zt_budget;

/* An address proof being checked by the embedder (ticket 0: free slot), with the HELLOs
 * from that identity that wait for it (MAC checked, armored, handled again when it holds). */
#define ZT_IDV_HELD 4
typedef struct zt_idv_job {
    uint64_t ticket;
    zt_identity id; /* public part only */
    int64_t since;
    bool has_key;
    uint8_t key[ZT_SHARED_KEY_LEN];
    unsigned nheld;
    struct {
        uint8_t *pkt;
        size_t len;
        int64_t local_socket;
        zt_inetaddr from;
    } held[ZT_IDV_HELD];
} zt_idv_job;

typedef struct zt_path {
    bool used;
    int64_t local_socket;
    zt_inetaddr addr;
    int64_t created, last_send, last_recv, last_echo_reply, last_keepalive;
    int64_t latency; /* -1: unknown */
    bool alive_reported;
} zt_path;

/* A config our controller sent a peer for network |nwid|, |at| when (0: free). */
#define ZT_CONFIGURED_SLOTS 4
typedef struct zt_configured {
    uint64_t nwid;
    int64_t at;
} zt_configured;

typedef struct zt_peer {
    struct zt_peer *next; /* hash chain */
    zt_identity id;       /* public */
    uint8_t key[ZT_SHARED_KEY_LEN];
    zt_aes_keys aes; /* suite 3 keys, derived once */
    int proto, major, minor, revision; /* -1 until HELLO or OK(HELLO) */
    zt_path paths[ZT_NODE_MAX_PATHS];
    int64_t created, last_recv, last_send, last_hello, last_activity;
    int64_t latency;
    int64_t last_whois_reply, last_push_recv, last_push_sent, last_creds;
    unsigned push_count;
    /* Configs our controller sent it lately, per network (vl2.md §3.3-§3.4: such a peer may
     * LIKE and GATHER for networks we control but have not joined); oldest replaced. */
    zt_configured configured[ZT_CONFIGURED_SLOTS];
    bool is_upstream;
    uint8_t reported;     /* last of PEER_DIRECT/PEER_RELAY raised: 0 none, 1 direct, 2 relay */
    struct {
        int64_t local_socket;
        zt_inetaddr addr;
        int64_t when;
    } contacts[ZT_RECENT_CONTACTS]; /* rate gate for contacting new paths */
    unsigned next_contact;
} zt_peer;

typedef struct zt_queued {
    struct zt_queued *next;
    uint64_t peer;     /* destination (tx) or source (rx) */
    int64_t since;
    int64_t local_socket;
    zt_inetaddr from;  /* rx only */
    size_t len;
    unsigned verb;     /* tx only */
    uint8_t data[];    /* tx: payload after the verb; rx: the whole received packet */
} zt_queued;

/* What we know of one other member of a network (vl2.md §5.7-§5.8, §3.7). */
typedef struct zt_membership {
    uint64_t address;
    bool has_com;
    zt_com com;                 /* the COM it presented */
    int64_t com_revoked_below;  /* COM revocation threshold (0: none) */
    int64_t last_pushed;        /* our credentials to it, since the config in force */
    int64_t last_like;          /* our subscriptions to it */
    struct zt_member_creds *creds; /* its tags, capabilities, COOs and their revocations
                                    * (vl2_creds.c; owned, NULL until it presents any) */
} zt_membership;

/* A remote subscriber of a multicast group (vl2.md §7). */
typedef struct zt_mcast_member {
    zt_mgroup group;
    uint64_t address;
    int64_t since;
} zt_mcast_member;

/* A multicast frame waiting for subscribers a GATHER will name (vl2.md §7 step 4). */
#define ZT_MCAST_PENDING 8
#define ZT_MCAST_PENDING_RECIPIENTS 32
typedef struct zt_mcast_pending {
    zt_mgroup group;
    uint64_t src_mac, dst_mac;
    unsigned ethertype;
    int64_t since;
    unsigned limit, nsent;
    uint64_t sent[ZT_MCAST_PENDING_RECIPIENTS];
    size_t len;
    uint8_t *data; /* owned */
} zt_mcast_pending;

/* When we last sent MULTICAST_GATHER for a group (vl2.md §7 step 4: at most once a minute per
 * group while some members are known). */
#define ZT_MCAST_GATHERED 16
typedef struct zt_mcast_gathered {
    zt_mgroup group;
    bool used;
    int64_t when;
} zt_mcast_gathered;

#define ZT_MAX_MEMBERSHIPS 1024
#define ZT_MAX_SUBSCRIPTIONS 256
#define ZT_MAX_MCAST_MEMBERS 4096
#define ZT_MULTICAST_ANNOUNCE_PERIOD 60000
#define ZT_MULTICAST_LIKE_EXPIRE 600000
#define ZT_MULTICAST_GATHER_DELAY 5000
#define ZT_CREDENTIALS_PUSH_PERIOD 30000 /* ZT_PEER_ACTIVITY_TIMEOUT of SDK builds */
#define ZT_CREDENTIALS_RATE_LIMIT 1000

/* A joined virtual network (vl2.md §1.4). */
typedef struct zt_network {
    struct zt_network *next;
    uint64_t nwid;
    zt_network_status status;
    bool has_config;
    zt_netconf config;
    uint8_t *dict;          /* the dictionary in force (owned), to skip identical updates */
    size_t dict_len;
    zt_config_asm *chunks;  /* reassembly of config chunks */
    int64_t last_request, last_config;
    int64_t config_applied; /* when the config in force arrived: pushes restart then */

    uint64_t mac;           /* ours on this network */
    bool has_com;
    zt_com com;             /* ours, from the config */
    zt_rule *rules;         /* the config's table (owned); none = drop everything */
    size_t nrules;
    struct zt_net_creds *own; /* our tags, capabilities, COOs from the config (vl2_creds.c;
                               * owned) */

    zt_membership *members; /* owned array of nmembers (capacity cap_members) */
    unsigned nmembers;
    size_t cap_members;
    zt_mgroup subs[ZT_MAX_SUBSCRIPTIONS]; /* ours, sorted */
    unsigned nsubs;
    zt_mcast_member *mcast; /* owned array (capacity ZT_MAX_MCAST_MEMBERS) */
    unsigned nmcast;
    int64_t last_announce;
    zt_mcast_pending pending[ZT_MCAST_PENDING];
    zt_mcast_gathered gathered[ZT_MCAST_GATHERED]; /* per-group explicit gather times */
} zt_network;

#define ZT_MAX_NETWORKS 64
/* Our controller's configs authorize LIKE and GATHER from a peer for 180 s (vl2.md §3.3). */
#define ZT_CONTROLLER_AUTH_WINDOW 180000
#define ZT_NETWORK_AUTOCONF_DELAY 60000

typedef struct zt_whois {
    uint64_t address;
    int64_t first, last_sent;
    unsigned tries;
} zt_whois;

struct zt_node {
    const zt_mem *mem;
    zt_node_config cfg;
    zt_node_callbacks cb;
    zt_identity self;
    uint64_t address;

    uint8_t rng_key[32];
    uint64_t rng_counter;
    uint8_t rng_buf[64];
    unsigned rng_pos;

    zt_peer *peers[ZT_PEER_BUCKETS];
    unsigned npeers;

    zt_world *planet;
    zt_world *moons[ZT_MAX_MOONS];
    unsigned nmoons;
    struct {
        uint64_t id, seed;
    } orbits[ZT_MAX_MOONS];
    unsigned norbits;
    uint64_t upstreams[ZT_MAX_UPSTREAMS];
    unsigned nupstreams;
    bool is_root;

    zt_whois whois[ZT_WHOIS_PENDING_MAX];
    unsigned nwhois;
    zt_queued *txq, *rxq;
    unsigned ntxq, nrxq;
    bool flushing;

    zt_network *networks;
    unsigned nnetworks;
    /* Subscriptions to networks we have not joined, kept as a root or as their controller so
     * that we can answer MULTICAST_GATHER (vl2.md §3.3-§3.4); nwid in |since|'s neighbour. */
    struct zt_foreign_mcast {
        uint64_t nwid;
        zt_mcast_member m;
    } *foreign;
    unsigned nforeign;

    zt_defrag *defrag;
    uint32_t expect[ZT_EXPECT_BUCKETS][ZT_EXPECT_PER_BUCKET];
    uint8_t expect_pos[ZT_EXPECT_BUCKETS];
    int64_t idv_gate[ZT_IDV_BUCKETS];
    zt_budget agree_budget, idv_budget, idv_whois_budget;
    zt_budget agree_fresh_budget, idv_fresh_budget;
    int64_t idv_fresh[ZT_IDV_BUCKETS]; /* when each prefix last asked the fresh budgets */
    zt_idv_job idv_jobs[ZT_IDV_PENDING];
    uint64_t idv_next_ticket;
    uint64_t idv_failed[ZT_IDV_FAILED];
    unsigned idv_failed_pos;
    struct {
        uint64_t a, b;
        int64_t when;
    } unite[ZT_UNITE_SLOTS];
    struct {
        uint64_t reporter;
        int64_t local_socket;
        zt_inetaddr reporter_addr, mine;
        int64_t when;
    } selfaware[ZT_SELFAWARE_SLOTS];
    zt_inetaddr local_addrs[ZT_MAX_LOCAL_ADDRS];
    unsigned nlocal;

    int64_t last_ping_check, last_housekeeping, last_online_check;
    bool online, timers_ran;
    unsigned lz4_misses, lz4_skip; /* back off compressing incompressible traffic */
    zt_node_counters counters;

    uint8_t rxbuf[ZT_PKT_MAX_LEN];  /* the packet being handled (dearmored in place) */
    uint8_t rxbuf2[ZT_PKT_MAX_LEN]; /* its decompressed form */
    uint8_t txbuf[ZT_PKT_MAX_LEN];  /* the packet being built */
    uint8_t fragbuf[ZT_MAX_PHYSMTU];
    uint8_t defragbuf[ZT_PKT_MAX_LEN];
};

#endif
