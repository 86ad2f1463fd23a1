/*
 * nc_internal.h: what the intercept bridge's files share (docs/intercept.md, "The service
 * side"): nc.c (thread, listeners, control connections, requests) and nc_pump.c (the bytes and
 * datagrams between each socketpair end and its socket of the stack, accepted connections).
 * and nc_ops.c (the requests).  Everything here belongs to the bridge thread, except what
 * |mu| guards.
 */
#ifndef ZT_APPS_NC_INTERNAL_H
#define ZT_APPS_NC_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "nc.h"
#include "ncproto.h"

typedef enum { NC_LISTENER = 1, NC_CONN, NC_SOCK } nc_kind;

/* <home>/nc_<nwid>: where programs connect their control connections. */
typedef struct nc_listener {
    nc_kind kind;
    int fd;
    uint64_t nwid;
    char path[108];
    struct nc_listener *next;
} nc_listener;

/* A control connection: requests in, replies out.  A request that waits (a blocking
 * connect, SO_ERROR during one) parks the connection until its socket's connect ends. */
typedef struct nc_conn {
    nc_kind kind;
    int fd;
    uint8_t in[ZT_NC_MAX_MSG];
    size_t have;
    int fds[4];          /* descriptors received with SCM_RIGHTS, not yet taken */
    unsigned nfds;
    uint32_t wait_sock;  /* 0: not waiting */
    uint32_t wait_req;
    uint16_t wait_op;
    bool broken;         /* a protocol error or a failed reply: closed after this round */
    struct nc_conn *next;
} nc_conn;

/* A pending piece of a stream, or one datagram, that could not be passed on yet. */
typedef struct nc_buf {
    uint8_t *data;
    size_t len, off;
} nc_buf;

typedef struct nc_sock {
    nc_kind kind;
    struct nc_bridge *b;
    uint32_t id;
    int kfd;             /* our end of the program's socketpair */
    int zfd;             /* the stack's socket */
    uint8_t family, type;
    uint64_t app_ino;    /* inode of the program's end (LOOKUP) */
    bool listening;
    bool connecting;
    bool connected;      /* stream: established; datagram: bare datagrams */
    bool queued;         /* in the ready list (under |mu|) */
    int conn_err;        /* how the connect ended (errno), until reported */
    bool registered;     /* |kfd| in the epoll set, the watcher on |zfd| */
    uint32_t interest;   /* epoll events asked for |kfd| */
    /* stream pumping */
    nc_buf up, down;     /* program -> network, network -> program */
    bool app_eof, net_eof, up_shut, down_shut, app_gone, net_failed;
    /* listener: an accepted connection not yet handed over (its fd and record) */
    int pend_fd;
    uint8_t pend_rec[ZT_NC_ACCEPT_LEN];
} nc_sock;

struct nc_bridge {
    service *svc;
    char home[4096];
    int ep;              /* epoll */
    int wake;            /* eventfd: ready list, new listeners, stop */
    pthread_t thread;
    nc_listener *listeners;
    nc_conn *conns;
    unsigned nconns;
    nc_sock **socks;     /* by ID - 1 */
    uint32_t nsocks_cap;
    unsigned nsocks;
    uint8_t *scratch;    /* one datagram or a run of stream bytes */
    size_t scratch_cap;

    pthread_mutex_t mu;  /* guards what follows: other threads post here */
    uint32_t *ready;     /* IDs whose stack socket changed */
    size_t nready, ready_cap;
    bool wake_posted;
    bool rescan;         /* the ready list could not grow: look at every socket */
    nc_listener *adds;   /* listeners made by zt__nc_network, not yet in the loop */
    uint64_t *removes;   /* networks whose listener goes */
    size_t nremoves;
    bool stop;
};

/* nc.c */
nc_sock *zt__nc_sock_get(nc_bridge *b, uint32_t id);
/* A new socket with the lowest free ID, no descriptors yet; NULL when out of memory. */
nc_sock *zt__nc_sock_new(nc_bridge *b);
/* Sends a reply on |c|; false (and |c| broken) if it could not go whole. */
bool zt__nc_reply(nc_conn *c, uint32_t req, int result, int err, const void *body, size_t len);
/* Answers the control connections waiting on |s|'s connect. */
void zt__nc_connect_ended(nc_bridge *b, nc_sock *s);

/* nc_ops.c */
/* Registers |s| (both descriptors set) with the loop and the stack.  False: |s| was freed. */
bool zt__nc_sock_attach(nc_bridge *b, nc_sock *s);
/* Carries out one request of |size| bytes (header included, size checked) from |c|. */
void zt__nc_request(nc_bridge *b, nc_conn *c, const uint8_t *m, size_t size);

/* nc_pump.c */
/* Moves what can move for |s| (its stack socket changed, or |kfd| has |events|); may free |s|
 * (returns false then). */
bool zt__nc_pump(nc_bridge *b, nc_sock *s, uint32_t events);
/* Sets |s|'s epoll interest from its state. */
void zt__nc_interest(nc_bridge *b, nc_sock *s);
/* Closes both ends and frees |s|. */
void zt__nc_sock_free(nc_bridge *b, nc_sock *s);
/* The watcher of every stack socket (nc_zsock.h): posts the socket's ID to the ready list. */
void zt__nc_watch(void *ctx, int zfd);

#endif
