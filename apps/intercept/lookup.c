/*
 * lookup.c: which virtual socket does a descriptor name (docs/intercept.md, "Descriptors the
 * library did not create").
 *
 * The table knows the sockets this process created, accepted or duplicated.  Others reach a
 * program behind the library's back: inherited across exec (the library starts over with an
 * empty table), duplicated with fcntl(F_DUPFD), received over a Unix socket.  All of them are
 * an unnamed AF_UNIX socket to the kernel, as both ends of a socketpair are, and the service
 * knows each program end by its inode (SOCKET carries it), so a control call on an unknown
 * unnamed AF_UNIX socket asks LOOKUP once and the table remembers the answer, "not ours"
 * included.  Every entry remembers the inode of its descriptor, and control calls check it
 * with fstat(): the number may have been closed and reused without close() (close_range(),
 * fclose() of an fdopen()ed socket, libc's internal closes).
 */
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "intercept.h"

/* An unnamed AF_UNIX socket, as socketpair() makes them. */
static bool is_unnamed_unix(int fd)
{
    struct sockaddr_un sun;
    socklen_t len = sizeof(sun);

    memset(&sun, 0, sizeof(sun));
    if (zt__icpt_libc()->getsockname(fd, (struct sockaddr *)&sun, &len) != 0)
        return false;
    return sun.sun_family == AF_UNIX && len <= offsetof(struct sockaddr_un, sun_path);
}

/* Asks the service about the socket with inode |st|.  1: ours, *s filled; 0: not ours (*s is
 * the foreign entry to remember); -ENETDOWN: no answer (remember nothing). */
static int ask(const struct stat *st, zt_icpt_sock *s)
{
    zt_icpt_reply rep;
    uint8_t body[8];
    int rv;

    memset(s, 0, sizeof(*s));
    s->dev = st->st_dev;
    s->ino = st->st_ino;
    zt_nc_put64(body, (uint64_t)st->st_ino);
    rv = zt__icpt_ctl_call(ZT_NC_OP_LOOKUP, 0, body, sizeof(body), -1, &rep);
    if (rv < 0)
        return rv;
    if (rep.result <= 0 || rep.len < 3 || (rep.body[0] != 4 && rep.body[0] != 6) ||
        (rep.body[1] != ZT_NC_STREAM && rep.body[1] != ZT_NC_DGRAM))
        return 0;
    s->id = (uint32_t)rep.result;
    s->family = rep.body[0] == 4 ? AF_INET : AF_INET6;
    s->type = rep.body[1] == ZT_NC_STREAM ? SOCK_STREAM : SOCK_DGRAM;
    s->state = rep.body[2];
    s->is_connect_pending = (s->state & ZT_NC_STATE_CONNECTING) != 0;
    /* Found behind our back: other descriptors (the one it was duplicated from, another
     * process's) may name it as well. */
    s->is_shared = true;
    return 1;
}

static int lookup(int fd, bool is_refresh, zt_icpt_sock *s)
{
    struct stat st;
    zt_icpt_sock old;
    bool has;
    int rv;

    if (fstat(fd, &st) != 0)
        return 0; /* libc reports the bad descriptor */
    has = zt__icpt_fd_get(fd, &old);
    if (has && old.dev == st.st_dev && old.ino == st.st_ino) {
        if (!is_refresh || old.id == 0) {
            *s = old;
            return old.id != 0;
        }
    } else if (has) {
        zt__icpt_fd_drop(fd); /* a stale entry: the number names something else now */
        has = false;
    }
    if (!S_ISSOCK(st.st_mode))
        return 0;
    if (!has && !is_unnamed_unix(fd)) {
        memset(s, 0, sizeof(*s));
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        zt__icpt_fd_put(fd, s);
        return 0;
    }
    rv = ask(&st, s);
    if (rv < 0) {
        /* The service is unreachable: the answer is unknown, so nothing is remembered.  A
         * socket we knew stays as it was. */
        if (has)
            *s = old;
        return has ? 1 : 0;
    }
    if (has && rv == 1 && s->id == old.id) {
        old.state = s->state;
        old.is_connect_pending = old.is_connect_pending || s->is_connect_pending;
        *s = old;
        zt__icpt_fd_update(fd, s);
        return 1;
    }
    zt__icpt_fd_put(fd, s);
    return rv;
}

/* Both leave errno as they found it: when they answer 0 the caller hands the call to libc,
 * whose errno must be the program's only one. */
int zt__icpt_lookup(int fd, bool is_refresh, zt_icpt_sock *s)
{
    int saved = errno, rv = lookup(fd, is_refresh, s);

    errno = saved;
    return rv;
}

int zt__icpt_lookup_dgram(int fd, zt_icpt_sock *s)
{
    int saved = errno, rv = 0;
    struct stat st;

    if (zt__icpt_fd_get(fd, s) && s->id != 0 && s->type == SOCK_DGRAM) {
        rv = fstat(fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
        if (!rv)
            zt__icpt_fd_drop(fd);
    }
    errno = saved;
    return rv;
}

int zt__icpt_lookup_peer(int fd, zt_icpt_sock *s, zt_nc_addr *a)
{
    int rv;

    if (s->has_peer) {
        *a = s->peer;
        return 0;
    }
    rv = zt__icpt_ctl_getname(s->id, 1, a);
    if (rv < 0)
        return rv;
    /* Only a connected datagram socket's peer is fixed for good; a stream socket's is cheap
     * to ask again and may still change (a connect in progress). */
    if (s->type == SOCK_DGRAM && (s->state & ZT_NC_STATE_CONNECTED)) {
        s->has_peer = true;
        s->peer = *a;
        zt__icpt_fd_update(fd, s);
    }
    return 0;
}
