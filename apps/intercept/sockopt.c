/*
 * sockopt.c: setsockopt and getsockopt (docs/intercept.md, "Socket options").
 *
 * Three kinds of options on one of our sockets:
 *   - those that act on the program's own descriptor (timeouts, buffer sizes, low-water
 *     marks) are the kernel's, on the pair end: that is where the program's reads, writes and
 *     polls happen;
 *   - SO_TYPE, SO_DOMAIN, SO_PROTOCOL and SO_ACCEPTCONN are answered from the table with the
 *     values of the virtual socket (the pair end would say AF_UNIX), and SO_ERROR asks the
 *     service (STATUS);
 *   - everything else (TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR, IPV6_V6ONLY, ...) goes to the
 *     service, and its answer is the program's.
 */
#include <netinet/in.h>
#include <string.h>

#include "intercept.h"

static bool is_kernel_opt(int level, int name)
{
    if (level != SOL_SOCKET)
        return false;
    if (name == SO_RCVTIMEO || name == SO_SNDTIMEO || name == SO_RCVBUF || name == SO_SNDBUF ||
        name == SO_RCVBUFFORCE || name == SO_SNDBUFFORCE || name == SO_RCVLOWAT ||
        name == SO_SNDLOWAT)
        return true;
#ifdef SO_RCVTIMEO_OLD
    if (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD)
        return true;
#endif
#ifdef SO_RCVTIMEO_NEW
    if (name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW)
        return true;
#endif
    return false;
}

ZT_ICPT_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    uint8_t body[12 + ZT_NC_MAX_OPT];
    int saved = errno, rv;
    zt_icpt_sock s;

    if (!zt__icpt_active() || is_kernel_opt(level, name) || zt__icpt_lookup(fd, false, &s) == 0)
        return zt__icpt_libc()->setsockopt(fd, level, name, val, len);
    if (len > ZT_NC_MAX_OPT)
        return zt__icpt_ret(-EINVAL, saved);
    if (len > 0 && val == NULL)
        return zt__icpt_ret(-EFAULT, saved);
    zt_nc_put32(body, (uint32_t)level);
    zt_nc_put32(body + 4, (uint32_t)name);
    zt_nc_put32(body + 8, len);
    if (len > 0)
        memcpy(body + 12, val, len);
    rv = zt__icpt_ctl_simple(ZT_NC_OP_SETOPT, s.id, body, 12 + (size_t)len);
    return zt__icpt_ret(rv < 0 ? rv : 0, saved);
}

/* Writes an int option as Linux does: at most *len bytes of it, *len set to what was
 * written. */
static int put_int(void *val, socklen_t *len, int v)
{
    socklen_t n;

    if (len == NULL)
        return -EFAULT;
    if ((int)*len < 0)
        return -EINVAL;
    n = *len < sizeof(v) ? *len : (socklen_t)sizeof(v);
    if (n > 0 && val == NULL)
        return -EFAULT;
    memcpy(val, &v, n);
    *len = n;
    return 0;
}

/* SO_ERROR.  After a non-blocking connect the pair is writable at once, so a program that
 * polls for POLLOUT and then asks SO_ERROR gets here before the connection is made: the
 * library waits for the outcome (STATUS wait=1) then, once, and forgets the connect.  A
 * service that cannot be reached is the socket's error (ENETDOWN), not the call's. */
static int so_error(int fd, zt_icpt_sock *s, int *pval)
{
    uint8_t wait = s->is_connect_pending ? 1 : 0;
    zt_icpt_reply rep;
    int rv;

    if (wait)
        rv = zt__icpt_ctl_wait(ZT_NC_OP_STATUS, s->id, &wait, 1, NULL, false, &rep);
    else
        rv = zt__icpt_ctl_call(ZT_NC_OP_STATUS, s->id, &wait, 1, -1, &rep);
    if (rv < 0) {
        *pval = ENETDOWN;
        return 0;
    }
    rv = zt__icpt_reply_rv(&rep);
    if (rv < 0)
        return rv;
    *pval = rv;
    if (wait) {
        s->is_connect_pending = false;
        s->state &= (uint8_t)~ZT_NC_STATE_CONNECTING;
        if (rv == 0)
            s->state |= ZT_NC_STATE_CONNECTED;
        zt__icpt_fd_update(fd, s);
    }
    return 0;
}

static int get_remote(const zt_icpt_sock *s, int level, int name, void *val, socklen_t *len)
{
    uint8_t body[12];
    zt_icpt_reply rep;
    socklen_t cap, n;
    int rv;

    if (len == NULL)
        return -EFAULT;
    if ((int)*len < 0)
        return -EINVAL;
    cap = *len < ZT_NC_MAX_OPT ? *len : ZT_NC_MAX_OPT;
    if (cap > 0 && val == NULL)
        return -EFAULT;
    zt_nc_put32(body, (uint32_t)level);
    zt_nc_put32(body + 4, (uint32_t)name);
    zt_nc_put32(body + 8, cap);
    rv = zt__icpt_ctl_call(ZT_NC_OP_GETOPT, s->id, body, sizeof(body), -1, &rep);
    if (rv == 0)
        rv = zt__icpt_reply_rv(&rep);
    if (rv < 0)
        return rv;
    n = (socklen_t)rv;
    if (n > rep.len)
        n = (socklen_t)rep.len;
    if (n > cap)
        n = cap;
    if (n > 0)
        memcpy(val, rep.body, n);
    *len = n;
    return 0;
}

ZT_ICPT_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    int saved = errno, rv, v;
    zt_icpt_sock s;

    if (!zt__icpt_active() || is_kernel_opt(level, name) || zt__icpt_lookup(fd, false, &s) == 0)
        return zt__icpt_libc()->getsockopt(fd, level, name, val, len);
    if (level != SOL_SOCKET)
        return zt__icpt_ret(get_remote(&s, level, name, val, len), saved);
    switch (name) {
    case SO_TYPE:
        rv = put_int(val, len, s.type);
        break;
    case SO_DOMAIN:
        rv = put_int(val, len, s.family);
        break;
    case SO_PROTOCOL:
        rv = put_int(val, len, s.type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
        break;
    case SO_ACCEPTCONN:
        rv = put_int(val, len, (s.state & ZT_NC_STATE_LISTENING) ? 1 : 0);
        break;
    case SO_ERROR:
        if (len == NULL)
            return zt__icpt_ret(-EFAULT, saved);
        rv = so_error(fd, &s, &v);
        if (rv == 0)
            rv = put_int(val, len, v);
        break;
    default:
        rv = get_remote(&s, level, name, val, len);
        break;
    }
    return zt__icpt_ret(rv, saved);
}
