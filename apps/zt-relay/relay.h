/*
 * relay.h: the TCP fallback relay's event loop (relay.c, relay_client.c; docs/relay.md).
 *
 * One thread, one epoll set, non-blocking sockets.  Each TCP client gets its own UDP socket
 * (made at its first datagram, bound to the configured UDP address or the wildcard, on an
 * ephemeral port); each message from the client is sent as one datagram from that socket,
 * and each datagram that socket receives goes back to the client, framed with its source
 * (codec/relay_frame.h).  Closing the TCP connection closes the UDP socket.
 *
 * Bounds: clients (max_clients; beyond it connections are accepted and closed), per-client
 * pending output (out_max; beyond it datagrams for that client are dropped) and all clients'
 * output buffers together (out_total_max, the same), per-client send
 * rate (client_rate, a token bucket; beyond it datagrams are dropped), idle time (idle_s: no
 * message either way closes the client), message size (ZT_RELAY_BODY_MAX).  A malformed
 * message closes its client only.  Buffers are allocated when needed and freed once a client
 * has been quiet for a sweep period, so an idle client costs its small struct only.
 */
#ifndef ZT_RELAY_H
#define ZT_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay_addr.h"

#define ZT_RELAY_ALLOW_MAX 64
#define ZT_RELAY_DEFAULT_PORT 4443
#define ZT_RELAY_DEFAULT_MAX_CLIENTS 10000
#define ZT_RELAY_DEFAULT_RATE 10000000ULL /* bytes per second */
#define ZT_RELAY_DEFAULT_IDLE_S 120
#define ZT_RELAY_DEFAULT_OUT_MAX (256u * 1024u)
#define ZT_RELAY_DEFAULT_OUT_TOTAL_MAX (256u * 1024u * 1024u)

typedef enum {
    ZT_RELAY_LOG_ERROR = 0,
    ZT_RELAY_LOG_WARN = 1,
    ZT_RELAY_LOG_INFO = 2,
    ZT_RELAY_LOG_DEBUG = 3,
} zt_relay_log_level;

typedef struct zt_relay zt_relay;

typedef struct {
    zt_relay_addr listen;   /* TCP address and port; family NONE: every address */
    zt_relay_addr udp_bind; /* the clients' UDP sockets (port ignored); NONE: wildcard */
    unsigned max_clients;
    uint64_t client_rate;   /* bytes per second a client may have sent; 0: no limit */
    unsigned idle_s;        /* seconds without a message either way before closing */
    size_t out_max;         /* bytes pending towards one client before its datagrams drop */
    size_t out_total_max;   /* output buffers of all clients together, allocated */
    zt_relay_cidr allow[ZT_RELAY_ALLOW_MAX]; /* allowed destinations; none: anywhere */
    unsigned nallow;
    zt_relay_log_level level; /* lines above it are not even formatted */
    /* One log line (no newline); called on the relay's thread. */
    void (*log)(void *user, zt_relay_log_level level, const char *line);
    void *user;
} zt_relay_config;

/* Counters since zt__relay_new. */
typedef struct {
    uint64_t accepted, refused_full, accept_errors;
    uint64_t closed_eof, closed_idle, closed_garbage, closed_error, closed_stop;
    uint64_t hellos, msgs_in, bytes_in; /* valid messages from clients (bytes: payloads) */
    uint64_t dgrams_sent, bytes_sent;   /* datagrams sent for clients */
    uint64_t dgrams_recv, bytes_recv;   /* datagrams received for clients, then queued */
    uint64_t drop_rate, drop_dest, drop_send, drop_slow, drop_big;
    uint64_t clients, clients_peak, udp_sockets;
} zt_relay_counters;

/* Fills |cfg| with the defaults above (every address, port ZT_RELAY_DEFAULT_PORT, no log). */
void zt__relay_config_default(zt_relay_config *cfg);

/*
 * zt__relay_new makes the relay and binds its TCP listener (|cfg| is copied).  Also raises
 * the soft limit of open files to the hard one.  On success *prelay owns a new relay;
 * otherwise returns ZT_ERR_IO or ZT_ERR_NOMEM and writes one sentence to |err|.
 */
int zt__relay_new(zt_relay **prelay, const zt_relay_config *cfg, char *err, size_t errlen);

/* The TCP port the relay listens on (the bound one when cfg.listen.port was 0). */
uint16_t zt__relay_port(const zt_relay *r);

/*
 * zt__relay_run serves clients until |stop_fd| becomes readable (a signalfd, whose pending
 * signal is read and returned), then closes every client.  Returns the signal number, or
 * ZT_ERR_IO when the event loop itself fails.
 */
int zt__relay_run(zt_relay *r, int stop_fd);

void zt__relay_get_counters(const zt_relay *r, zt_relay_counters *out);

/* Frees the relay and closes its sockets; NULL is a no-op. */
void zt__relay_del(zt_relay *r);

#endif
