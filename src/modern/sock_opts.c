/*
 * sock_opts.c: the modern API's option helpers (api-modern.md §5.8): zts_set_* / zts_get_*
 * over zts_bsd_setsockopt/getsockopt, zts_bsd_fcntl and zts_bsd_ioctl.
 *
 * Each checks the service, then its own arguments (ZTS_ERR_ARG), then makes the one call; a
 * getter returns the value (>= 0) or that call's error.  Defaults a new TCP socket reports:
 * no-delay 0, linger 0/0, reuse-addr 0, timeouts 0, receive buffer > 0, TTL 255, blocking 1,
 * keep-alive 0.
 */
#include "modern/msock.h"

#include <limits.h>

/* ---- plumbing ------------------------------------------------------------------------------ */

static int set_int(int fd, int level, int name, int value)
{
    return zts_bsd_setsockopt(fd, level, name, &value, sizeof(value));
}

/* The option's int value, or the error. */
static int get_int(int fd, int level, int name)
{
    int value = 0, rv;
    zts_socklen_t len = sizeof(value);

    rv = zts_bsd_getsockopt(fd, level, name, &value, &len);
    return rv < 0 ? rv : value;
}

/* A 0/1 switch: ZTS_ERR_SERVICE, ZTS_ERR_ARG (not 0 or 1), or the setsockopt result. */
static int set_switch(int fd, int level, int name, int enabled)
{
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (enabled != 0 && enabled != 1)
        return ZTS_ERR_ARG;
    return set_int(fd, level, name, enabled);
}

/* A switch read back as 1/0, or the error. */
static int get_switch(int fd, int level, int name)
{
    int v = get_int(fd, level, name);

    return v < 0 ? v : v != 0;
}

/* SO_RCVTIMEO / SO_SNDTIMEO from seconds and microseconds (microseconds of a second or more
 * carry into the seconds, as the reference's arithmetic does). */
static int set_timeout(int fd, int name, int seconds, int microseconds)
{
    struct zts_timeval tv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (seconds < 0 || microseconds < 0)
        return ZTS_ERR_ARG;
    tv.tv_sec = (long)seconds + microseconds / 1000000;
    tv.tv_usec = microseconds % 1000000;
    return zts_bsd_setsockopt(fd, ZTS_SOL_SOCKET, name, &tv, sizeof(tv));
}

/* Whole seconds of a timeout (the microseconds are dropped), or the error. */
static int get_timeout(int fd, int name)
{
    struct zts_timeval tv = {0, 0};
    zts_socklen_t len = sizeof(tv);
    int rv = zts_bsd_getsockopt(fd, ZTS_SOL_SOCKET, name, &tv, &len);

    if (rv < 0)
        return rv;
    return tv.tv_sec > INT_MAX ? INT_MAX : (int)tv.tv_sec;
}

/* A size (>= 0) for SO_SNDBUF / SO_RCVBUF. */
static int set_size(int fd, int name, int size)
{
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (size < 0)
        return ZTS_ERR_ARG;
    return set_int(fd, ZTS_SOL_SOCKET, name, size);
}

/* ---- options ----------------------------------------------------------------------------- */

int zts_set_no_delay(int fd, int enabled)
{
    return set_switch(fd, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, enabled);
}

int zts_get_no_delay(int fd)
{
    return get_switch(fd, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY);
}

int zts_set_linger(int fd, int enabled, int value)
{
    struct zts_linger l;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if ((enabled != 0 && enabled != 1) || value < 0)
        return ZTS_ERR_ARG;
    l.l_onoff = enabled;
    l.l_linger = value;
    return zts_bsd_setsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_LINGER, &l, sizeof(l));
}

/* The linger setting's |onoff| (true) or seconds, or the error. */
static int get_linger(int fd, bool onoff)
{
    struct zts_linger l = {0, 0};
    zts_socklen_t len = sizeof(l);
    int rv = zts_bsd_getsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_LINGER, &l, &len);

    if (rv < 0)
        return rv;
    return onoff ? l.l_onoff : l.l_linger;
}

int zts_get_linger_enabled(int fd)
{
    return get_linger(fd, true);
}

int zts_get_linger_value(int fd)
{
    return get_linger(fd, false);
}

int zts_set_reuse_addr(int fd, int enabled)
{
    return set_switch(fd, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR, enabled);
}

int zts_get_reuse_addr(int fd)
{
    return get_switch(fd, ZTS_SOL_SOCKET, ZTS_SO_REUSEADDR);
}

int zts_set_recv_timeout(int fd, int seconds, int microseconds)
{
    return set_timeout(fd, ZTS_SO_RCVTIMEO, seconds, microseconds);
}

int zts_get_recv_timeout(int fd)
{
    return get_timeout(fd, ZTS_SO_RCVTIMEO);
}

int zts_set_send_timeout(int fd, int seconds, int microseconds)
{
    return set_timeout(fd, ZTS_SO_SNDTIMEO, seconds, microseconds);
}

int zts_get_send_timeout(int fd)
{
    return get_timeout(fd, ZTS_SO_SNDTIMEO);
}

int zts_set_send_buf_size(int fd, int size)
{
    /* Accepted; TCP's send buffer is the stack's (docs/internals/socket.md, Options). */
    return set_size(fd, ZTS_SO_SNDBUF, size);
}

int zts_get_send_buf_size(int fd)
{
    return get_int(fd, ZTS_SOL_SOCKET, ZTS_SO_SNDBUF);
}

int zts_set_recv_buf_size(int fd, int size)
{
    return set_size(fd, ZTS_SO_RCVBUF, size);
}

int zts_get_recv_buf_size(int fd)
{
    return get_int(fd, ZTS_SOL_SOCKET, ZTS_SO_RCVBUF);
}

int zts_set_ttl(int fd, int ttl)
{
    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (ttl < 0 || ttl > 255)
        return ZTS_ERR_ARG;
    return set_int(fd, ZTS_IPPROTO_IP, ZTS_IP_TTL, ttl);
}

int zts_get_ttl(int fd)
{
    return get_int(fd, ZTS_IPPROTO_IP, ZTS_IP_TTL);
}

int zts_set_blocking(int fd, int enabled)
{
    int flags;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (enabled != 0 && enabled != 1)
        return ZTS_ERR_ARG;
    flags = zts_bsd_fcntl(fd, ZTS_F_GETFL, 0);
    if (flags < 0)
        return flags; /* the reference would go on with the error as flags */
    flags = enabled ? flags & ~ZTS_O_NONBLOCK : flags | ZTS_O_NONBLOCK;
    return zts_bsd_fcntl(fd, ZTS_F_SETFL, flags);
}

int zts_get_blocking(int fd)
{
    int flags = zts_bsd_fcntl(fd, ZTS_F_GETFL, 0);

    return flags < 0 ? flags : (flags & ZTS_O_NONBLOCK) == 0;
}

int zts_set_keepalive(int fd, int enabled)
{
    return set_switch(fd, ZTS_SOL_SOCKET, ZTS_SO_KEEPALIVE, enabled);
}

int zts_get_keepalive(int fd)
{
    return get_switch(fd, ZTS_SOL_SOCKET, ZTS_SO_KEEPALIVE);
}

int zts_get_last_socket_error(int fd)
{
    /* No gate of its own: zts_bsd_getsockopt's is the one (§5.8).  Reading clears it. */
    return get_int(fd, ZTS_SOL_SOCKET, ZTS_SO_ERROR);
}

size_t zts_get_data_available(int fd)
{
    int n = 0, rv;

    /* FIONREAD writes an int: read it as one and widen (§11 item 20); an error is converted
     * to size_t like every negative result of this API. */
    rv = zts_bsd_ioctl(fd, ZTS_FIONREAD, &n);
    return rv < 0 ? (size_t)(ssize_t)rv : (size_t)n;
}

int zts_get_pending_data_size(int fd)
{
    int n = 0, rv;

    rv = zts_bsd_ioctl(fd, ZTS_FIONREAD, &n);
    return rv < 0 ? rv : n;
}
