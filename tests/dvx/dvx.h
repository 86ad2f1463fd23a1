/*
 * dvx.h: what the three translation units of dvx_peer share.  The program is written for this
 * project from the description of DevilutionX's use of libzt in api-modern.md §9.1-§9.2 (no
 * code of DevilutionX, libzt or lwIP is copied): dvx_native.cpp plays the part of the game's
 * ZeroTier front end (only <ZeroTierSockets.h>), dvx_lwip.cpp the part that calls the stack's
 * internals (only lwIP's headers), dvx_proto.cpp the game protocol over lwip_* sockets (lwIP's
 * headers first, then <ZeroTierSockets.h>, as §10.1 item 3 asks to support).
 *
 * No type of either API appears here: the units talk in plain integers and strings.
 */
#ifndef DVX_H
#define DVX_H

#include <cstdint>
#include <string>

/* The port, the network and the groups of the game (api-modern.md §9.2 item 4).  Group 1 is the
 * game's; group 2 differs from it in its last four bytes, so its Ethernet group is not the one
 * every netif subscribes by default (§9.2 item 5): it reaches other members only if the
 * library turns the stack's MLD join into a ZeroTier subscription. */
#define DVX_PORT 6112
#define DVX_GROUP1 "ff0e:a8a9:b611:60ce:0412:fd73:3786:6fb7"
#define DVX_GROUP2 "ff0e:a8a9:b611:60ce:0412:fd73:5a17:c3e9"
#define DVX_GROUP1_MAC 0x333337866fb7ull
#define DVX_GROUP2_MAC 0x33335a17c3e9ull

/* Prints one line (stdout, flushed; thread-safe). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "FAIL <what>" and counts it; returns false. */
bool fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int failures();

/* ---- dvx_native.cpp: the zts_* side ---- */
extern uint64_t g_nwid;
/* The game object's constructor: storage, handler, start (run every time, §9.1).  |n| counts
 * constructions; the first must succeed, later ones must all return ZTS_ERR_SERVICE. */
bool native_construct(const std::string &config_dir, int n);
/* A construction with other arguments while running: an other storage path and an other
 * handler, which must be ignored. */
bool native_construct_other(const std::string &other_dir);
bool native_online();        /* NODE_ONLINE seen, no later NODE_OFFLINE */
bool native_ready();         /* online and NETWORK_READY_IP6 seen (DVX's "network ready") */
uint64_t native_node_id();   /* from NODE_ONLINE's payload (0: none yet) */
std::string native_ip6();    /* zts_addr_get_str(IPv6) */
uint64_t native_net_mac();   /* zts_net_get_mac */
/* zts_core_lock_obtain + zts_core_query_peer_info + zts_core_lock_release from the caller's
 * thread; |*peer_id| and |*path_count| from the result; returns query_peer_info's code. */
int native_query_peer(uint64_t mac, uint64_t *peer_id, unsigned *path_count);
/* The groups the library subscribes on the network (zts_core_query_mc*, under the core lock);
 * true if |mac| is one of them. */
bool native_subscribed(uint64_t mac);
/* The relay bookkeeping of §9.1: 1 direct, 0 relayed, -1 unknown (treated as relayed). */
int native_peer_state(uint64_t peer_id);
/* True once the last two peer events about |peer_id| are PEER_PATH_DEAD then PEER_RELAY (a
 * member that left: api-modern.md §6.3 item 5). */
bool native_peer_departed(uint64_t peer_id);
/* Final checks: event ordering and payloads, the other handler never called, the other
 * storage path never created, the node ID unchanged. */
void native_final_checks(const std::string &other_dir);
int native_free();

/* ---- dvx_lwip.cpp: the stack's internals ---- */
/* The ADDR_ADDED_IP6 payload's address as lwIP's sockaddr_in6 sees it (offset 8). */
std::string stack_ip6_text(const void *sockaddr_storage, int *sin6_len, int *sin6_family);
/* LOCK_TCPIP_CORE + mld6_joingroup(IP6_ADDR_ANY6, group) with zone 0; lwIP's err_t. */
int stack_join_group(const char *group);
/* nd6_get_next_hop_addr_or_queue(netif_default, ...) under the core lock: 1 and |*mac| (the
 * six bytes, first one most significant) if resolved, 0 if not yet, < 0 on error. */
int stack_resolve_mac(const std::string &ip6, uint64_t *mac);
/* True if netif_default holds |ip6| among its IPv6 addresses. */
bool stack_default_netif_has(const std::string &ip6);

/* ---- dvx_proto.cpp ---- */
int proto_run(const std::string &config_dir, int npeers);

#endif
