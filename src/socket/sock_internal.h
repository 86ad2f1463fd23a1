/*
 * sock_internal.h: what sock.c (table, waits, poll), sock_tcp.c, sock_udp.c and sock_opt.c
 * share.  Everything here runs with lwIP's core lock held.
 */
#ifndef ZT_SOCKET_SOCK_INTERNAL_H
#define ZT_SOCKET_SOCK_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "socket/sock.h"

typedef enum {
    ZT_SOCK_NEW = 0,     /* created (maybe bound) */
    ZT_SOCK_LISTEN,
    ZT_SOCK_CONNECTING,
    ZT_SOCK_CONNECTED,   /* TCP established (or UDP with a default peer) */
    ZT_SOCK_DEAD,        /* TCP: the connection ended in an error; the pcb is gone */
} zt_sock_state;

typedef struct zt_sock zt_sock;
typedef struct zt_poll_link zt_poll_link;

/* A datagram waiting to be read. */
typedef struct zt_dgram {
    struct zt_dgram *next;
    struct pbuf *p;
    zt_sockaddr from;
} zt_dgram;

/* A multicast group joined through this socket (left again at close). */
typedef struct zt_mgroup {
    struct zt_mgroup *next;
    ip_addr_t group, iface;
} zt_mgroup;

/* A TCP pcb's settings that a connect attempt started from (sock_compat.c gives a socket whose
 * attempt failed a new pcb with them). */
typedef struct zt_tcp_setup {
    bool valid;
    uint8_t so_options, tos, ttl;
    uint32_t keep_idle, keep_intvl, keep_cnt;
    ip_addr_t local_ip;  /* bound address (its type: IPv4, IPv6 only, or dual stack) */
    uint16_t local_port; /* 0: not bound */
} zt_tcp_setup;

struct zt_sock {
    int fd;              /* -1: not in the table (accepted, not yet handed out; or closed) */
    int family;          /* 4 or 6 */
    int type;            /* ZT_SOCK_STREAM or ZT_SOCK_DGRAM */
    unsigned refs;       /* the table's, plus each call inside */
    bool is_closed;
    bool nonblock;
    bool v6only;
    bool reuseaddr;
    zt_sock_state state;
    int err;             /* pending error (SO_ERROR), host errno value */
    union {
        struct tcp_pcb *tcp;
        struct udp_pcb *udp;
        void *any;
    } pcb;

    /* TCP */
    struct pbuf **rxq;   /* received segments, not yet read: a ring of pbuf chains (one
                          * chain's tot_len is 16 bits, a window is 1 MiB) */
    unsigned rxq_cap, rxq_head, rxq_n;
    size_t rx_off;       /* bytes of the head chain already read */
    size_t rx_bytes;     /* readable bytes in all */
    size_t rx_unopened;  /* read, but the window not yet opened by as much (sock_tcp.c) */
    bool rx_eof;         /* FIN received */
    bool shut_rd, shut_wr;
    bool nodelay;
    zt_sock *acc_head, *acc_tail, *acc_next; /* listener's queue / link in it */
    zt_sock *listener;   /* set while queued on a listener */
    unsigned acc_n, backlog;
    struct { int onoff, secs; } linger;
    bool ever_connected; /* established once (connected or accepted) */
    bool eof_told;       /* a read returned 0 for the end (zt__sock_recv_once) */
    zt_tcp_setup setup;  /* before the last connect (zt__sock_connect_ex) */

    /* UDP */
    zt_dgram *dq_head, *dq_tail;
    size_t dq_bytes;
    zt_mgroup *groups;

    /* options */
    int64_t rcvtimeo_ms, sndtimeo_ms; /* 0: none */
    int rcvbuf;

    /* waiting */
    pthread_cond_t cond;
    unsigned nwaiting;   /* threads sleeping on |cond| */
    zt_poll_link *polls; /* poll/select calls watching this socket */
    zt_sock_watch_fn watch; /* zt__sock_watch: told of every change (NULL: none) */
    void *watch_ctx;
};

/* sock.c */
/* Every call: take the core lock and |fd|'s socket (zt__sock_enter; NULL: not open, nothing
 * held), work, give both back (zt__sock_leave).  Core lock NOT held on entry. */
zt_sock *zt__sock_enter(int fd);
void zt__sock_leave(zt_sock *s);
zt_sock *zt__sock_new_struct(int family, int type);
/* Takes a reference on the open socket |fd| (NULL: -EBADF). */
zt_sock *zt__sock_get(int fd);
void zt__sock_put(zt_sock *s);
/* Gives |s| a descriptor (lowest free); returns it or -ENFILE/-ENOMEM. */
int zt__sock_attach_fd(zt_sock *s);
/* Wakes every thread waiting on |s| (calls, poll, select). */
void zt__sock_notify(zt_sock *s);
/* Absolute deadline |ms| from now (ms <= 0: none, returns NULL). */
struct timespec *zt__sock_deadline(struct timespec *ts, int64_t ms);
/* Sleeps until notified or |deadline|; returns -EBADF if the socket was closed meanwhile,
 * -EAGAIN at the deadline, else 0. */
int zt__sock_wait(zt_sock *s, const struct timespec *deadline);
/* zt__sock_recv on a socket already entered. */
ssize_t zt__sock_recv_locked(zt_sock *s, const zt_iov *iov, int iovcnt, int flags,
                             zt_sockaddr *from, int *oflags);
/* lwIP err_t -> host errno (negative). */
int zt__sock_errno_of(err_t err);
/* |a| as |s| takes it: an IPv6 socket sees IPv4 as ::ffff:a.b.c.d and back. */
void zt__sock_addr_out(const zt_sock *s, const ip_addr_t *ip, uint16_t port, zt_sockaddr *out);
int zt__sock_addr_in(const zt_sock *s, const zt_sockaddr *in, ip_addr_t *ip);
/* True if |ip| is assigned to a netif of the stack (or is loopback). */
bool zt__sock_addr_is_local(const ip_addr_t *ip);

/* sock_tcp.c */
int zt__tcp_open(zt_sock *s);
void zt__tcp_release(zt_sock *s);
int zt__tcp_connect(zt_sock *s, const ip_addr_t *ip, uint16_t port);
int zt__tcp_listen(zt_sock *s, int backlog);
int zt__tcp_accept(zt_sock *s, zt_sockaddr *peer, bool nonblock);
ssize_t zt__tcp_send(zt_sock *s, const zt_iov *iov, int iovcnt, int flags);
ssize_t zt__tcp_recv(zt_sock *s, const zt_iov *iov, int iovcnt, int flags);
int zt__tcp_shutdown(zt_sock *s, int how);
short zt__tcp_ready(const zt_sock *s);
size_t zt__tcp_nread(const zt_sock *s);

/* sock_udp.c */
int zt__udp_open(zt_sock *s);
void zt__udp_release(zt_sock *s);
int zt__udp_connect(zt_sock *s, const ip_addr_t *ip, uint16_t port);
ssize_t zt__udp_send(zt_sock *s, const zt_iov *iov, int iovcnt, int flags,
                     const ip_addr_t *ip, uint16_t port);
ssize_t zt__udp_recv(zt_sock *s, const zt_iov *iov, int iovcnt, int flags, zt_sockaddr *from,
                     int *oflags);
short zt__udp_ready(const zt_sock *s);
size_t zt__udp_nread(const zt_sock *s);
int zt__udp_join(zt_sock *s, const ip_addr_t *group, const ip_addr_t *iface, bool join);

/* Total length of an iovec array (saturating). */
size_t zt__iov_len(const zt_iov *iov, int iovcnt);

#define ZT_SOCK_DEFAULT_RCVBUF (1024 * 1024) /* UDP receive queue bound */

#endif
