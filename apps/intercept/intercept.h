/*
 * intercept.h: the private header of libztintercept.so (docs/intercept.md, service.md §8.2).
 *
 * Every non-static function of the library is zt__icpt_<area>_<verb>; only the libc functions
 * listed in exports.map leave it.  The library never calls an intercepted function by name:
 * such a call would come back into the library through the PLT.  It goes through
 * zt__icpt_libc() instead.
 *
 * Internal functions return 0 (or a count) on success and a negative errno value on failure;
 * the exported entry points convert that to -1 with errno at the very end, and leave errno as
 * the caller had it when they succeed (style.md §5.4).
 */
#ifndef ZT_APPS_INTERCEPT_H
#define ZT_APPS_INTERCEPT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ncproto.h"

#define ZT_ICPT_EXPORT __attribute__((visibility("default")))

/* The socketpair type of a datagram socket, as ncproto.h's SOCKET says.  The library works
 * the same over SOCK_SEQPACKET (boundaries kept, and a hangup seen at either end), should the
 * protocol move to it: only this line would change. */
#define ZT_ICPT_DGRAM_PAIR SOCK_SEQPACKET

/* ---- libc.c: the real functions, the environment, fork ------------------------------------ */

/* libc's definitions of the functions the library intercepts (dlsym(RTLD_NEXT)). */
typedef struct zt_icpt_libc {
    int (*socket)(int, int, int);
    int (*bind)(int, const struct sockaddr *, socklen_t);
    int (*listen)(int, int);
    int (*accept)(int, struct sockaddr *, socklen_t *);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*getsockname)(int, struct sockaddr *, socklen_t *);
    int (*getpeername)(int, struct sockaddr *, socklen_t *);
    int (*setsockopt)(int, int, int, const void *, socklen_t);
    int (*getsockopt)(int, int, int, void *, socklen_t *);
    int (*shutdown)(int, int);
    int (*close)(int);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
    ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
} zt_icpt_libc;

/* The table, resolved once (thread-safe, usable before the library's constructor ran). */
const zt_icpt_libc *zt__icpt_libc(void);

/* Whether ZT_NC_NETWORK is set and non-empty; read at the first call. */
bool zt__icpt_active(void);

/* The value of ZT_NC_NETWORK (only meaningful when zt__icpt_active()). */
const char *zt__icpt_path(void);

/* ---- fdtable.c: descriptor -> virtual socket ---------------------------------------------- */

/* What zt__icpt_fd_peek() says about a descriptor, for the data calls' fast path. */
#define ZT_ICPT_PEEK_PRESENT 0x80u /* an entry exists (ours, or a remembered foreign fd) */
#define ZT_ICPT_PEEK_CLASS 0x03u
enum {
    ZT_ICPT_CLASS_NONE = 0,       /* not ours (or unknown): libc handles it */
    ZT_ICPT_CLASS_STREAM = 1,     /* our stream socket: bytes as they are */
    ZT_ICPT_CLASS_DGRAM = 2,      /* our unconnected datagram socket: address records */
    ZT_ICPT_CLASS_DGRAM_CONN = 3, /* our connected datagram socket: bare datagrams */
};

/* One descriptor's entry.  id 0 marks a foreign descriptor remembered by its inode so that
 * control calls on it do not ask the service again (a negative cache). */
typedef struct zt_icpt_sock {
    uint32_t id;             /* the service's socket ID; 0: not ours */
    int family;              /* AF_INET or AF_INET6 */
    int type;                /* SOCK_STREAM or SOCK_DGRAM */
    uint8_t state;           /* ZT_NC_STATE_* */
    bool is_connect_pending; /* a connect returned EINPROGRESS (or EINTR): SO_ERROR waits */
    bool is_shared;          /* other descriptors may name this socket: updates fan out */
    bool has_peer;           /* |peer| holds a connected datagram socket's peer */
    dev_t dev;               /* fstat() of the program's end, to detect reuse of the number */
    ino_t ino;
    zt_nc_addr peer;
} zt_icpt_sock;

/* Lock-free: ZT_ICPT_PEEK_* bits of |fd|'s entry (0: none). */
uint8_t zt__icpt_fd_peek(int fd);
/* Copies |fd|'s entry to *s; returns true when there is one. */
bool zt__icpt_fd_get(int fd, zt_icpt_sock *s);
/* Sets |fd|'s entry (copied).  Returns 0 or -ENOMEM. */
int zt__icpt_fd_put(int fd, const zt_icpt_sock *s);
/* Forgets |fd|'s entry, if any. */
void zt__icpt_fd_drop(int fd);
/* |newfd| now names what |oldfd| names (dup): copies the entry, or drops |newfd|'s. */
void zt__icpt_fd_dup(int oldfd, int newfd);
/* Stores the mutable fields of *s (state, pending connect, peer) in |fd|'s entry and, when the
 * socket is shared, in every entry of the same socket.  Entries that no longer name that
 * socket (closed and reused meanwhile) are left alone. */
void zt__icpt_fd_update(int fd, const zt_icpt_sock *s);

void zt__icpt_fd_fork_prepare(void);
void zt__icpt_fd_fork_parent(void);
void zt__icpt_fd_fork_child(void);

/* ---- control.c: talking to zt-service ----------------------------------------------------- */

/* A reply, decoded. */
typedef struct zt_icpt_reply {
    int32_t result;
    int32_t err;
    size_t len; /* bytes in |body| */
    uint8_t body[ZT_NC_MAX_MSG - ZT_NC_HDR];
} zt_icpt_reply;

/*
 * Sends one request on the process's control connection (opened, with HELLO, on demand) and
 * waits for its reply.  |pass_fd| >= 0 travels in SCM_RIGHTS.  Returns 0 with *rep filled, or
 * -ENETDOWN when the service cannot be reached or the connection failed (then closed; the
 * next call reconnects).  Other transport errors of opening the connection (EMFILE...) are
 * returned as they are.
 */
int zt__icpt_ctl_call(uint16_t op, uint32_t sock, const uint8_t *body, size_t len, int pass_fd,
                      zt_icpt_reply *rep);

/*
 * The same on a connection of its own, for requests that may wait long (CONNECT and STATUS
 * with wait=1).  |timeout| (NULL or zero: none) bounds the wait for the reply: -EAGAIN when it
 * expires.  With |is_interruptible|, a signal ends the wait with -EINTR.
 */
int zt__icpt_ctl_wait(uint16_t op, uint32_t sock, const uint8_t *body, size_t len,
                      const struct timeval *timeout, bool is_interruptible, zt_icpt_reply *rep);

/* The reply's outcome: result when >= 0, else -err (-EPROTO when err is not an errno). */
int zt__icpt_reply_rv(const zt_icpt_reply *rep);

/* zt__icpt_ctl_call() + zt__icpt_reply_rv() for requests without a reply body. */
int zt__icpt_ctl_simple(uint16_t op, uint32_t sock, const uint8_t *body, size_t len);

/* GETNAME: the local (|which| 0) or peer (1) address of socket |id|.  0 or -errno. */
int zt__icpt_ctl_getname(uint32_t id, uint8_t which, zt_nc_addr *a);

void zt__icpt_ctl_fork_child(void);

/* ---- intercept.c ------------------------------------------------------------------------- */

/* Applies socket()/accept4() flags to the program's end |fd|, which was made close-on-exec
 * (so that no exec elsewhere in the process inherited it meanwhile) and may have come
 * non-blocking from the service: each flag is set or cleared as asked.  0 or -errno. */
int zt__icpt_apply_flags(int fd, int flags);

/* ---- lookup.c: which virtual socket does a descriptor name -------------------------------- */

/*
 * For a control call on |fd|: returns 1 with *s filled when |fd| is one of our sockets, 0 when
 * libc should handle the call.  An entry is checked against fstat() (the number may have been
 * closed and reused behind the library's back); an unknown unnamed AF_UNIX socket is asked
 * about with LOOKUP (a socket inherited across exec or duplicated by fcntl), and the answer is
 * remembered.  |is_refresh| asks the service again even for a known socket (its state).
 */
int zt__icpt_lookup(int fd, bool is_refresh, zt_icpt_sock *s);

/* For a data call on a descriptor the fast path found to be one of our datagram sockets: 1 with *s
 * filled when the entry still names it (fstat), else 0 (the stale entry is dropped). */
int zt__icpt_lookup_dgram(int fd, zt_icpt_sock *s);

/* The peer of socket *s (descriptor |fd|) in *a: the cached one, or GETNAME (cached in the
 * table for a connected datagram socket).  0 or -errno. */
int zt__icpt_lookup_peer(int fd, zt_icpt_sock *s, zt_nc_addr *a);

/* ---- addr.c: sockaddr <-> address records ------------------------------------------------- */

/*
 * Converts the program's |sa| (|len| bytes) for a socket of |family| into *a.  With |can_map|,
 * an AF_INET address on an AF_INET6 socket becomes ::ffff:a.b.c.d (what Linux does for UDP).
 * Returns 0, -EFAULT, -EINVAL (too short) or -EAFNOSUPPORT (wrong family).
 */
int zt__icpt_addr_from_sa(const struct sockaddr *sa, socklen_t len, int family, bool can_map,
                          zt_nc_addr *a);

/*
 * Writes *a as a sockaddr_in or sockaddr_in6 (by the record's family; family 0: the unspecified
 * address of |family|) to |sa|, truncated to *len bytes, and sets *len to the full size, as
 * getsockname() does.  Returns 0, -EFAULT or -EINVAL.
 */
int zt__icpt_addr_out(const zt_nc_addr *a, int family, struct sockaddr *sa, socklen_t *len);

bool zt__icpt_addr_equal(const zt_nc_addr *a, const zt_nc_addr *b);

/* ---- small helpers ------------------------------------------------------------------------ */

/* The end of an entry point: -1 with errno for rv < 0, else rv with errno as it was. */
static inline int zt__icpt_ret(int rv, int saved_errno)
{
    if (rv < 0) {
        errno = -rv;
        return -1;
    }
    errno = saved_errno;
    return rv;
}

static inline ssize_t zt__icpt_sret(ssize_t rv, int saved_errno)
{
    if (rv < 0) {
        errno = (int)-rv;
        return -1;
    }
    errno = saved_errno;
    return rv;
}

#endif
