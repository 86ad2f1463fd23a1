/*
 * bench_vl1.h: the harness of bench_vl1 (bench_vl1_io.c): clock, loopback UDP sockets, and
 * nodes driven by one poll() loop.  Bench code only.
 */
#ifndef ZT_BENCH_VL1_H
#define ZT_BENCH_VL1_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/node.h"
#include "codec/world.h"

#define MSG_TYPE 0x10000
#define RECV_BATCH 256           /* datagrams read per socket per pass: no starvation */

typedef struct bnode {
    const char *name;
    zt_node *node;
    zt_identity id;
    int fd;
    int default_ttl;
    struct sockaddr_in sin;
    zt_inetaddr addr;
    /* what the event callback saw */
    bool online;
    int64_t online_ns;
    uint64_t direct_peer;   /* last PEER_DIRECT */
    uint64_t messages, message_bytes, pongs;
    uint64_t echo_replies;
    int64_t echo_reply_ns;  /* when the last ECHO_REPLY came */
    /* what the send callback did */
    uint64_t tx, tx_bytes, tx_errors, tx_ttl, tx_v6;
} bnode;

/* The one-root planet every node starts with (main() builds it). */
extern uint8_t planet[ZT_WORLD_MAX_SERIALIZED];
extern size_t planet_len;

int64_t now_ns(void);

int64_t now_ms(void);

void die(const char *what);

/* A non-blocking UDP socket on 127.0.0.1, ephemeral port; its address goes to |out|. */
int udp_open(struct sockaddr_in *out);

/* Creates b->node (b->id, b->fd set up already). */
void node_start(bnode *b, bool eager);

void node_stop(bnode *b);

void bnode_init(bnode *b, const char *name);

/* Drains up to RECV_BATCH datagrams from b's socket into its node. */
unsigned node_read(bnode *b);

void node_timers(void);

/* One pass of the event loop: poll the sockets (at most |max_wait_ms|, less if a node's
 * deadline comes first), feed what arrived, run due timers. */
void pump(int64_t max_wait_ms);

/* Pumps until *flag becomes true or |timeout_ms| passes; returns *flag. */
bool pump_until_flag(const bool *flag, int64_t timeout_ms);

bool has_direct_path(const bnode *from, const bnode *to);

void drain_socket(int fd);

#endif
