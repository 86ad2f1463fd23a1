/*
 * send.h: building, armoring, routing and sending packets, and relaying those not for us
 * (vl1.md §2, §4, §5.4-5.5).  A packet is built in n->txbuf: zt__send_begin() starts it,
 * the caller writes the payload, a zt__send_* function armors it and hands it to the host,
 * over |p|'s best path or through the best upstream.  Uses host and peer.
 */
#ifndef ZT_CORE_SEND_H
#define ZT_CORE_SEND_H

#include "core/node_internal.h"

/* Starts a packet to |dest| in n->txbuf; returns a writer positioned at the payload. */
zt_wr zt__send_begin(zt_node *n, uint64_t dest, unsigned verb);
/* Starts an OK for the request |pkt| (a dearmored packet): in-re verb, its wire packet ID. */
zt_wr zt__send_begin_ok(zt_node *n, uint64_t dest, unsigned inre_verb, const uint8_t *pkt);
/* Armors and sends the packet built in n->txbuf.  |path_socket|/|to|: an explicit path, or
 * |to| NULL to route by |p|'s best path or a relay.  |key|: the peer key.  Returns 0 or an
 * error (counted). */
int zt__send_finish(zt_node *n, const zt_wr *w, const uint8_t key[ZT_SHARED_KEY_LEN],
                    const zt_aes_keys *aes, unsigned suite, bool expect_reply, zt_peer *p,
                    int64_t local_socket, const zt_inetaddr *to, int64_t now);
int zt__send_to_peer(zt_node *n, zt_peer *p, const zt_wr *w, bool expect_reply, int64_t now);
/* Replies go back the way the request came (vl1.md §4.2 step 6): |local_socket| and |from|. */
int zt__send_reply(zt_node *n, zt_peer *p, const zt_wr *w, int64_t local_socket,
                   const zt_inetaddr *from, int64_t now);
/* An ERROR with a network ID (vl2.md §3.10) in re the request |pkt|, back the way it came. */
void zt__send_vl2_error(zt_node *n, zt_peer *p, const uint8_t *pkt, uint8_t code, uint64_t nwid,
                        int64_t local_socket, const zt_inetaddr *from, int64_t now);
int zt__send_hello(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                   int64_t now);
/* ECHO carrying our clock; |asked|: a zt_node_ping(), whose OK raises ECHO_REPLY. */
int zt__send_echo(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                  bool asked, int64_t now);
/* Contacts an address of |p|: ECHO if its protocol allows, else HELLO (vl1.md §4.4). */
int zt__send_contact(zt_node *n, zt_peer *p, int64_t local_socket, const zt_inetaddr *to,
                     int64_t now);
/* The packet IDs we sent expecting an OK or ERROR (vl1.md §4.1): others are dropped. */
void zt__send_expect_reply(zt_node *n, uint64_t packet_id);
bool zt__send_expecting_reply(const zt_node *n, uint64_t packet_id);
/* Relays a datagram not addressed to us (roots only, vl1.md §5.5), and introduces the two
 * ends to each other (RENDEZVOUS) at most every ZT_MIN_UNITE_INTERVAL. */
int zt__send_relay(zt_node *n, int64_t local_socket, const zt_inetaddr *from,
                   const uint8_t *data, size_t len, bool is_fragment, int64_t now);

#endif
