/*
 * node_internal.h: the VL1 node's insides, shared by node.c (driver and timers), peer.c (peers
 * and paths), topology.c (worlds and upstreams), send.c (building and sending packets) and
 * vl1.c (handling received verbs).  Not installed; not for embedders.
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

typedef struct zt_peer {
    struct zt_peer *next; /* hash chain */
    zt_identity id;       /* public */
    uint8_t key[ZT_SHARED_KEY_LEN];
    zt_aes_keys aes; /* suite 3 keys, derived once */
    int proto, major, minor, revision; /* -1 until HELLO or OK(HELLO) */
    zt_path paths[ZT_NODE_MAX_PATHS];
    int64_t created, last_recv, last_send, last_hello, last_activity;
    int64_t latency;
    int64_t last_whois_reply, last_push_recv, last_creds;
    unsigned push_count;
    /* Configs our controller sent it lately, per network (vl2.md §3.3-§3.4: such a peer may
     * LIKE and GATHER for networks we control but have not joined); oldest replaced. */
    struct {
        uint64_t nwid;
        int64_t at;
    } configured[4];
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
    unsigned nmembers, cap_members;
    zt_mgroup subs[ZT_MAX_SUBSCRIPTIONS]; /* ours, sorted */
    unsigned nsubs;
    zt_mcast_member *mcast; /* owned array (capacity ZT_MAX_MCAST_MEMBERS) */
    unsigned nmcast;
    int64_t last_announce;
    zt_mcast_pending pending[ZT_MCAST_PENDING];
    zt_mcast_gathered gathered[ZT_MCAST_GATHERED]; /* per-group explicit gather times */
} zt_network;

#define ZT_MAX_NETWORKS 64
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

/* node.c */
uint64_t zt__node_random(zt_node *n);
void zt__node_event(zt_node *n, const zt_node_event *ev);
void zt__node_peer_event(zt_node *n, zt_node_event_type type, const zt_peer *p,
                         const zt_path *path);
int zt__node_datagram(zt_node *n, int64_t local_socket, const zt_inetaddr *to,
                      const uint8_t *data, size_t len, unsigned ttl);
void zt__node_check_online(zt_node *n, int64_t now);

/* peer.c */
zt_peer *zt__peer_find(const zt_node *n, uint64_t address);
/* Finds a peer, or loads it from the peer cache (which sends it a HELLO). */
zt_peer *zt__peer_get(zt_node *n, uint64_t address, int64_t now);
/* Creates a peer for |id| (public part copied); returns NULL on NOMEM/LIMIT/bad key. */
zt_peer *zt__peer_add(zt_node *n, const zt_identity *id, int64_t now);

/* idcheck.c: the budget for unknown identities. */
bool zt__budget_take(zt_budget *b, unsigned rate, unsigned burst, int64_t now);
bool zt__idcheck_failed_before(const zt_node *n, const zt_identity *id);
bool zt__idcheck_in_progress(const zt_node *n, uint64_t address);
/* Checks |id|'s address proof within budget: 0 valid, ZT_ERR_AGAIN handed to the embedder
 * (|in|, the armored HELLO whose MAC |key| verified, is handled again when it answers; both
 * NULL for a WHOIS answer), ZT_ERR_LIMIT over budget (shed), ZT_ERR_INVAL invalid
 * (remembered).  |fresh|: the source prefix may draw on the fresh budget first. */
int zt__idcheck_start(zt_node *n, const zt_identity *id, const uint8_t *key, bool fresh,
                      int64_t local_socket, const zt_inetaddr *from, const uint8_t *in,
                      size_t len, int64_t now);
/* True the first time prefix |bucket| asks in ZT_IDV_FRESH_PERIOD (the ask is recorded). */
bool zt__idcheck_fresh_prefix(zt_node *n, size_t bucket, int64_t now);
/* A key agreement with an unknown identity within budget (|fresh|: the fresh one first). */
bool zt__idcheck_agree_budget(zt_node *n, bool fresh, int64_t now);
/* A HELLO from an identity whose proof is being checked: kept with it if its MAC verifies
 * (|pkt| is a copy of |in| to dearmor).  0 kept, ZT_ERR_DROP otherwise (counted). */
int zt__idcheck_hold(zt_node *n, const zt_identity *id, uint8_t *pkt, const uint8_t *in,
                     size_t len, int64_t local_socket, const zt_inetaddr *from, int64_t now);
void zt__idcheck_expire(zt_node *n, int64_t now);
void zt__idcheck_free_all(zt_node *n);
/* node.c: a whole armored packet for us, as if just received. */
int zt__node_handle_packet(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                           const uint8_t *pkt, size_t len, int64_t now);
void zt__peer_remove(zt_node *n, zt_peer *p, bool store);
void zt__peer_store(zt_node *n, const zt_peer *p);
zt_path *zt__peer_find_path(zt_peer *p, int64_t local_socket, const zt_inetaddr *addr);
zt_path *zt__peer_best_path(zt_peer *p, int64_t now, bool alive_only);
bool zt__path_alive(const zt_path *path, int64_t now);
bool zt__node_path_acceptable(const zt_node *n, const zt_peer *p, const zt_inetaddr *addr);
/* Bookkeeping for every authenticated packet from |p| (vl1.md §5.6). */
void zt__peer_received(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                       unsigned hops, unsigned verb, int64_t now);
void zt__peer_update_direct(zt_node *n, zt_peer *p, int64_t now);
/* Iteration helper: calls |fn| for each peer; |fn| may not remove peers. */
void zt__peer_foreach(zt_node *n, void (*fn)(zt_node *n, zt_peer *p, void *arg), void *arg);
void zt__peer_info(const zt_peer *p, int64_t now, zt_peer_info *out);
/* Whether a contact to (socket, addr) is allowed now (once per 1000 ms per path). */
bool zt__peer_contact_gate(zt_peer *p, int64_t local_socket, const zt_inetaddr *addr,
                           int64_t now);

/* topology.c */
int zt__topology_init(zt_node *n, const uint8_t *planet, size_t planet_len, int64_t now);
void zt__topology_clear(zt_node *n);
void zt__topology_memoize(zt_node *n, int64_t now);
bool zt__topology_is_upstream(const zt_node *n, uint64_t address);
zt_peer *zt__topology_best_upstream(zt_node *n, int64_t now);
/* Stable endpoints of a root (NULL if |address| is not a root we know). */
const zt_world_root *zt__topology_root(const zt_node *n, uint64_t address);
bool zt__topology_is_moon_seed(const zt_node *n, uint64_t address);
/* Offers a world received in band from |from|; returns true when it was taken. */
bool zt__topology_offer(zt_node *n, const zt_world *w, uint64_t from, int64_t now);
void zt__topology_ping(zt_node *n, int64_t now);

/* send.c */
/* The cipher suite for encrypted packets to |p| (vl1.md §3.1): 3 if it speaks protocol 12. */
unsigned zt__peer_suite(const zt_peer *p);
/* Starts a packet to |dest| in n->txbuf; returns a writer positioned at the payload. */
zt_wr zt__send_begin(zt_node *n, uint64_t dest, unsigned verb);
/* Armors and sends the packet built in n->txbuf.  |path_socket|/|to|: an explicit path, or
 * |to| NULL to route by |p|'s best path or a relay.  |key|: the peer key.  Returns 0 or an
 * error (counted). */
int zt__send_finish(zt_node *n, const zt_wr *w, const uint8_t key[ZT_SHARED_KEY_LEN],
                    const zt_aes_keys *aes, unsigned suite, bool expect_reply, zt_peer *p, int64_t local_socket,
                    const zt_inetaddr *to, int64_t now);
int zt__send_to_peer(zt_node *n, zt_peer *p, const zt_wr *w, bool expect_reply, int64_t now);
/* Replies go back the way the request came (vl1.md §4.2 step 6): |local_socket| and |from|. */
int zt__send_reply(zt_node *n, zt_peer *p, const zt_wr *w, int64_t local_socket,
                   const zt_inetaddr *from, int64_t now);
/* Starts an OK for the request |pkt| (a dearmored packet): in-re verb, its wire packet ID. */
zt_wr zt__send_begin_ok(zt_node *n, uint64_t dest, unsigned inre_verb, const uint8_t *pkt);
/* An ERROR with a network ID (vl2.md §3.10) in re the request |pkt|, back the way it came. */
void zt__send_vl2_error(zt_node *n, zt_peer *p, const uint8_t *pkt, uint8_t code, uint64_t nwid,
                        int64_t local_socket, const zt_inetaddr *from, int64_t now);
int zt__send_hello(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                   int64_t now);
/* ECHO carrying our clock; |asked|: a zt__node_ping(), whose OK raises ECHO_REPLY. */
int zt__send_echo(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                  bool asked, int64_t now);
/* Contacts an address of |p|: ECHO if its protocol allows, else HELLO (vl1.md §4.4). */
int zt__send_contact(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                     int64_t now);
void zt__send_whois(zt_node *n, uint64_t address, int64_t now);
void zt__expect_reply(zt_node *n, uint64_t packet_id);
bool zt__expecting_reply(const zt_node *n, uint64_t packet_id);
/* Queues a payload for a peer whose identity is not known yet, and asks for it. */
int zt__queue_tx(zt_node *n, uint64_t dest, unsigned verb, const uint8_t *payload, size_t len,
                 int64_t now);
void zt__queue_rx(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                  const uint8_t *pkt, size_t len, int64_t now);
/* Sends what waited for identities that are now known; expires the rest. */
void zt__queues_service(zt_node *n, int64_t now);
void zt__queues_clear(zt_node *n);
/* Relays a datagram not addressed to us (roots only, vl1.md §5.5). */
int zt__relay(zt_node *n, int64_t local_socket, const zt_inetaddr *from, const uint8_t *data,
              size_t len, bool is_fragment, int64_t now);

/* network.c */
zt_network *zt__network_find(const zt_node *n, uint64_t nwid);
void zt__networks_timers(zt_node *n, int64_t now);
void zt__networks_clear(zt_node *n);
void zt__networks_online(zt_node *n, int64_t now);
/* OK(NETWORK_CONFIG_REQUEST) (|is_push| false; |chunk| after the OK header) or NETWORK_CONFIG
 * (|is_push| true; the payload) from |p| (NULL: from the controller beside us; |pkt| is then
 * NULL too). */
void zt__network_config_chunk(zt_node *n, zt_peer *p, const uint8_t *pkt, const uint8_t *chunk,
                              size_t len, bool is_push, int64_t now);
/* An ERROR in re NETWORK_CONFIG_REQUEST (payload from the in-re verb on). */
void zt__network_config_error(zt_node *n, zt_peer *p, const uint8_t *payload, size_t len);
/* A NETWORK_CONFIG_REQUEST addressed to us. */
/* True when our controller sent |p| a config for |nwid| in the last 180 s (§3.3). */
#define ZT_CONTROLLER_AUTH_WINDOW 180000
bool zt__network_recently_configured(const zt_peer *p, uint64_t nwid, int64_t now);
void zt__network_config_request(zt_node *n, zt_peer *p, int64_t local_socket,
                                const zt_inetaddr *from, const uint8_t *pkt, size_t len,
                                int64_t now);

/* vl2.c: frames, credentials and the membership gate */
void zt__vl2_config_applied(zt_node *n, zt_network *net, int64_t now);
void zt__vl2_network_free(zt_node *n, zt_network *net);
zt_membership *zt__vl2_membership(zt_node *n, zt_network *net, uint64_t address, bool create);
bool zt__vl2_gate(zt_node *n, zt_network *net, const zt_peer *p, int64_t now);
void zt__vl2_push_credentials(zt_node *n, zt_network *net, zt_peer *p, int64_t now);
void zt__vl2_push_if_needed(zt_node *n, zt_network *net, zt_peer *p, int64_t now);
/* Sends the packet built in txbuf (|w| from zt__send_begin) to |p|, or, when |p| is NULL
 * (identity unknown), queues its payload for |dest| until a WHOIS answers. */
int zt__vl2_send_or_queue(zt_node *n, zt_peer *p, uint64_t dest, const zt_wr *w,
                          bool expect_reply, int64_t now);
void zt__vl2_deliver(zt_node *n, zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                     unsigned ethertype, const uint8_t *data, size_t len);
/* Outbound rules then a FRAME/MULTICAST_FRAME header for |to| in a new packet. */
bool zt__vl2_rules_allow(zt_node *n, zt_network *net, bool inbound, uint64_t peer,
                         uint64_t src_mac, uint64_t dst_mac, unsigned ethertype,
                         const uint8_t *data, size_t len, int64_t now);
void zt__vl2_handle(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *from,
                    unsigned verb, const uint8_t *pkt, size_t len, int64_t now);
void zt__vl2_error(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len, int64_t now);
void zt__vl2_timers(zt_node *n, zt_network *net, int64_t now);

/* multicast.c */
int zt__mcast_send(zt_node *n, zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                   unsigned ethertype, const uint8_t *data, size_t len, int64_t now);
void zt__mcast_like_received(zt_node *n, zt_peer *p, const uint8_t *payload, size_t len,
                             int64_t now);
void zt__mcast_gather_received(zt_node *n, zt_peer *p, int64_t local_socket,
                               const zt_inetaddr *from, const uint8_t *pkt, size_t len,
                               int64_t now);
void zt__mcast_gather_ok(zt_node *n, const uint8_t *payload, size_t len, bool is_frame,
                         int64_t now);
void zt__mcast_frame_received(zt_node *n, zt_peer *p, const uint8_t *pkt, size_t len,
                              int64_t now);
void zt__mcast_announce(zt_node *n, zt_network *net, zt_peer *to, int64_t now);
/* Subscribes |net| to a group without announcing it now (the caller announces, or the next
 * tick does): a config's own groups, announced together. */
int zt__mcast_subscribe_quiet(zt_network *net, uint64_t mac, uint32_t adi, int64_t now);
void zt__mcast_add_member(zt_node *n, zt_network *net, const zt_mgroup *g, uint64_t address,
                          int64_t now);
void zt__mcast_pending_clear(zt_node *n, zt_network *net);
void zt__mcast_expire(zt_network *net, int64_t now);
void zt__mcast_foreign_expire(zt_node *n, int64_t now);

/* ndp.c: NDP emulation (vl2.md §2.5) */
/* On the multicast send path: when |net|'s config has flag 0x04 and the frame is a Neighbor
 * Solicitation for another member's rfc4193/6PLANE address, hands the synthesized Neighbor
 * Advertisement to the frame callback and returns true (nothing is sent). */
bool zt__ndp_intercept(zt_node *n, zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                       unsigned ethertype, const uint8_t *data, size_t len);

/* vl1.c */
/* Handles a whole (reassembled) packet addressed to us. */
int zt__vl1_handle(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                   const uint8_t *pkt, size_t len, int64_t now);
void zt__selfaware_report(zt_node *n, uint64_t reporter, int64_t local_socket,
                          const zt_inetaddr *reporter_addr, const zt_inetaddr *mine,
                          bool trusted, int64_t now);

#endif
