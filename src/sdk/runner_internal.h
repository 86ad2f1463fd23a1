/*
 * runner_internal.h: the runner's insides, shared by runner.c (construction and lifecycle),
 * runner_io.c (the I/O thread: node callbacks, event delivery, timers, reception) and
 * runner_cmd.c (commands and queries from other threads).  Not installed; not for embedders.
 */
#ifndef ZT_SDK_RUNNER_INTERNAL_H
#define ZT_SDK_RUNNER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec/identity.h"
#include "codec/relay_frame.h"
#include "io/loop.h"
#include "io/udp.h"
#include "sdk/runner.h"

#define ZT_RUNNER_MAX_SOCKETS 6 /* primary, secondary, tertiary; IPv4 and IPv6 each */
/* The largest message of the relay's framing, plus one partial. */
#define ZT_RUNNER_TUNNEL_RX (2 * ZT_RELAY_MSG_MAX)
#define ZT_RUNNER_MAX_EVENTS 1024 /* node events held during one node call */

typedef enum {
    ZT_RUNNER_STATE_NEW = 0,
    ZT_RUNNER_STATE_RUNNING,
    ZT_RUNNER_STATE_STOPPED,
} zt_runner_state;

/* A queued command (runner_cmd.c). */
typedef struct zt_runner_cmd zt_runner_cmd;
/* The thread that checks new identities' address proofs (runner_verify.c). */
typedef struct zt_runner_verifier zt_runner_verifier;

typedef struct zt_runner_sock {
    int fd;                 /* I/O thread (replaced when the secondary port is re-bound) */
    int family;             /* AF_INET or AF_INET6; fixed */
    _Atomic uint16_t port;  /* written by the I/O thread, read by any (local_sockets) */
    struct zt_runner *r;
    unsigned index;         /* the local socket ID the node sees; fixed */
} zt_runner_sock;

/* A node event or a received frame (|is_frame|) copied out of the node call that raised it. */
typedef struct zt_runner_held_event {
    bool is_frame;
    zt_node_event ev;
    uint64_t nwid, src_mac, dst_mac; /* frame */
    unsigned ethertype;
    size_t len;
    uint8_t *data;
} zt_runner_held_event;

#define ZT_RUNNER_TUNNEL_OWN4 16

/* The TCP relay tunnel (runner_tcp.c); I/O thread only. */
typedef struct zt_runner_tunnel {
    int fd;                   /* -1: closed */
    bool connected;
    bool want_write;          /* the loop wakes us when the connection is writable */
    uint8_t rx[ZT_RUNNER_TUNNEL_RX];
    size_t rx_len;
    uint8_t *tx;              /* framed messages waiting for the connection (bounded) */
    size_t tx_off, tx_len;    /* sent so far, queued in all: tx[tx_off..tx_len) is waiting */
    int64_t last_needed, last_attempt;
    int64_t last_global_udp;  /* the last UDP datagram from a global address */
    int64_t udp_back_since;   /* global UDP again while the tunnel is open (0: not) */
    /* This host's IPv4 addresses (zt__runner_refresh_addresses): never tunneled (a peer on
     * this host is reached directly, and a relay must never carry our own loop). */
    uint8_t own4[ZT_RUNNER_TUNNEL_OWN4][4];
    unsigned n_own4;
} zt_runner_tunnel;

struct zt_runner {
    char *home;                /* NULL with a store (cfg.store) */
    zt_runner_store store;     /* cfg.store's copy; has_store */
    bool has_store;
    bool id_validated;         /* cfg.identity_validated */
    uint8_t *planet;           /* cfg.planet's copy (NULL: the built-in one) */
    size_t planet_len;
    zt_runner_config cfg;
    zt_runner_local local;     /* cfg.local's copy (zeros without) */
    uint8_t bind_ip4[4], bind_ip6[16];
    bool has_bind_ip4, has_bind_ip6;

    zt_identity id;
    uint64_t address;
    zt_node *node;
    struct zts_controller *controller; /* cfg.controller; NULL otherwise */
    zt_loop *loop;
    zt_runner_sock socks[ZT_RUNNER_MAX_SOCKETS];
    unsigned nsocks;
    uint16_t primary_port, tertiary_port;
    _Atomic uint16_t secondary_port;  /* re-bound by the I/O thread (runner.h) */
    unsigned sec_first, sec_count;    /* the secondary port's sockets in |socks| */
    struct zt_portmap *portmap;       /* cfg.port_mapping; NULL otherwise */
    zt_io_udp_rx rx;
    zt_io_udp_tx tx;

    pthread_t thread;
    bool has_thread;
    pthread_mutex_t mu;        /* guards state, the command queue and query completion */
    pthread_cond_t cond;
    zt_runner_state state;
    zt_runner_cmd *head, *tail;
    unsigned ncmds;

    zt_runner_held_event *events; /* I/O thread only */
    unsigned nevents;
    uint64_t events_dropped;
    int deferred_fatal;           /* a fatal node error met inside event delivery */
    int64_t armed_deadline;
    int64_t next_addr_refresh, next_prune;
    /* Secondary port re-binding (vl1.md §5.11): the last time the node was seen online, the
     * last re-bind, the next look (ZT_LOOP_NEVER when the port is fixed or absent). */
    int64_t rebind_ms, last_online, last_rebind, next_port_check;
    zt_runner_verifier *verifier; /* NULL until the first proof to check */
    zt_runner_tunnel tunnel;
};

/* runner.c: one line to the embedder's log callback, if any. */
void zt__runner_log(zt_runner *r, zt_runner_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* runner.c, I/O thread: moves the secondary port's sockets to a new random port (same
 * families, same local socket IDs).  Returns 0, or an error with the old sockets kept. */
int zt__runner_rebind_secondary(zt_runner *r);

/* runner_tcp.c: the TCP relay tunnel. */
void zt__runner_tunnel_init(zt_runner *r, int64_t now);
void zt__runner_tunnel_free(zt_runner *r);
/* A UDP datagram came from |from|: one from a global address delays the fallback. */
void zt__runner_tunnel_udp_received(zt_runner *r, const zt_inetaddr *from, int64_t now);
/* This host's addresses (|n| of them; only IPv4 ones are kept): never tunneled. */
void zt__runner_tunnel_own_addresses(zt_runner *r, const zt_inetaddr *addrs, size_t n);
/* Should a datagram to |to| go through the tunnel (too)? */
bool zt__runner_tunnel_wanted(zt_runner *r, const zt_inetaddr *to);
/* Queues it for the relay (connecting first if needed).  0, ZT_ERR_IO or ZT_ERR_LIMIT. */
int zt__runner_tunnel_send(zt_runner *r, const zt_inetaddr *to, const uint8_t *data,
                           size_t len, int64_t now);
void zt__runner_tunnel_timers(zt_runner *r, int64_t now);
bool zt__runner_tunnel_active(const zt_runner *r);

/* runner_io.c: the I/O thread. */
/* |a| as a socket address; false for a family other than 4 and 6. */
bool zt__runner_to_sockaddr(const zt_inetaddr *a, struct sockaddr_storage *ss, socklen_t *plen);
void *zt__runner_io_main(void *arg);                 /* pthread entry point */
void zt__runner_callbacks(zt_runner *r, zt_node_callbacks *cb); /* fills |cb| for zt__node_new */
void zt__runner_on_timer(zt_loop *loop, void *arg);  /* zt_loop callbacks */
void zt__runner_on_readable(zt_loop *loop, int fd, void *arg);
void zt__runner_emit(zt_runner *r, const zt_runner_event *ev);
/* Hands the node events held during the last node call to the embedder, in order. */
void zt__runner_deliver_events(zt_runner *r);
/* After every node call: send what it queued, hand out its events, re-arm the timer. */
void zt__runner_after_node(zt_runner *r);
/* Tells the node our addresses (PUSH_DIRECT_PATHS): the mapped one, then every interface
 * address with each of our ports. */
void zt__runner_refresh_addresses(zt_runner *r);
/* The node failed with |rv| (fatal) in |what|: FATAL event, then the loop stops. */
void zt__runner_fail(zt_runner *r, int rv, const char *what);

/* runner.c: a new handle on the controller store beside the node (its SQLite file). */
int zt__runner_open_controller(zt_runner *r, struct zts_controller **pctl, char *err,
                               size_t errlen);
/* runner_cmd.c: makes the I/O thread open its own controller handle, if it has none. */
int zt__runner_enable_controller(zt_runner *r);
/* runner_cmd.c: makes the I/O thread call zt__runner_refresh_addresses (the port mapping
 * changed).  Any thread. */
int zt__runner_post_addresses(zt_runner *r);

/* runner_verify.c: the node's check_identity callback (I/O thread), and the end of its
 * thread (after the loop, or when a runner that never ran is deleted). */
int zt__runner_check_identity(void *user, uint64_t ticket, const zt_identity *id);
void zt__runner_verify_stop(zt_runner *r);
/* runner_cmd.c: the verifier's answer, as a command for the I/O thread. */
int zt__runner_post_checked(zt_runner *r, uint64_t ticket, bool valid);

/* runner_cmd.c: the command queue. */
void zt__runner_on_wakeup(zt_loop *loop, void *arg); /* runs what was posted */
/* Marks the runner stopped and empties the queue: queries in it get ZT_ERR_AGAIN. */
void zt__runner_cmd_stop(zt_runner *r);

#endif
