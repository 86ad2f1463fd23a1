/*
 * nc_zsock.c: the stack's sockets for the intercept bridge (nc_zsock.h).  The only file of
 * the bridge that sees lwIP's types.
 */
#include "nc_zsock.h"

#include <errno.h>
#include <string.h>

#include "socket/sock.h"

#define ZTS_SOL_SOCKET_ 0x0fff
#define ZTS_SO_ERROR_ 0x1007

static void addr_in(const zt_nc_addr *a, zt_sockaddr *out)
{
    memset(out, 0, sizeof(*out));
    if (a->family == 6) {
        memcpy(ip_2_ip6(&out->ip)->addr, a->ip, 16);
        IP_SET_TYPE_VAL(out->ip, IPADDR_TYPE_V6);
        ip6_addr_clear_zone(ip_2_ip6(&out->ip));
    } else {
        uint32_t v4;
        memcpy(&v4, a->ip, 4);
        ip_addr_set_ip4_u32_val(out->ip, v4);
    }
    out->port = a->port;
}

static void addr_out(const zt_sockaddr *a, zt_nc_addr *out)
{
    memset(out, 0, sizeof(*out));
    out->port = a->port;
    if (IP_IS_V6_VAL(a->ip)) {
        out->family = 6;
        memcpy(out->ip, ip_2_ip6(&a->ip)->addr, 16);
    } else {
        uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(&a->ip));
        out->family = 4;
        memcpy(out->ip, &v4, 4);
    }
}

int zt__ncz_open(int family, int type)
{
    int fd = zt__sock_open(family, type == ZT_NC_STREAM ? ZT_SOCK_STREAM : ZT_SOCK_DGRAM, 0);

    if (fd >= 0 && zt__sock_set_nonblock(fd, true) != 0) {
        zt__sock_close(fd);
        return -ENOMEM;
    }
    return fd;
}

void zt__ncz_close(int zfd)
{
    if (zfd >= 0) {
        (void)zt__sock_watch(zfd, NULL, NULL);
        (void)zt__sock_close(zfd);
    }
}

int zt__ncz_bind(int zfd, const zt_nc_addr *a)
{
    zt_sockaddr sa;

    addr_in(a, &sa);
    return zt__sock_bind(zfd, &sa);
}

int zt__ncz_connect(int zfd, const zt_nc_addr *a)
{
    zt_sockaddr sa;

    addr_in(a, &sa);
    return zt__sock_connect(zfd, &sa);
}

int zt__ncz_listen(int zfd, int backlog)
{
    return zt__sock_listen(zfd, backlog);
}

int zt__ncz_accept(int zfd, zt_nc_addr *peer)
{
    zt_sockaddr sa;
    int fd = zt__sock_accept(zfd, &sa, true);

    if (fd >= 0)
        addr_out(&sa, peer);
    return fd;
}

ssize_t zt__ncz_send(int zfd, const void *buf, size_t len, const zt_nc_addr *to)
{
    zt_iov iov = {.base = (void *)buf, .len = len};
    zt_sockaddr sa;

    if (to != NULL)
        addr_in(to, &sa);
    return zt__sock_send(zfd, &iov, 1, ZT_MSG_DONTWAIT, to != NULL ? &sa : NULL);
}

ssize_t zt__ncz_recv(int zfd, void *buf, size_t len, zt_nc_addr *from)
{
    zt_iov iov = {.base = buf, .len = len};
    zt_sockaddr sa;
    ssize_t n = zt__sock_recv(zfd, &iov, 1, ZT_MSG_DONTWAIT, from != NULL ? &sa : NULL, NULL);

    if (n >= 0 && from != NULL)
        addr_out(&sa, from);
    return n;
}

int zt__ncz_shutdown_wr(int zfd)
{
    return zt__sock_shutdown(zfd, 1);
}

int zt__ncz_getname(int zfd, bool peer, zt_nc_addr *out)
{
    zt_sockaddr sa;
    int rv = zt__sock_getname(zfd, peer, &sa);

    if (rv == 0)
        addr_out(&sa, out);
    return rv;
}

int zt__ncz_ready(int zfd)
{
    zt_pollfd p = {.fd = zfd, .events = ZT_POLLIN | ZT_POLLOUT};
    int rv = zt__sock_poll(&p, 1, 0), out = 0;

    if (rv < 0)
        return rv;
    if (p.revents & ZT_POLLIN)
        out |= ZT_NCZ_IN;
    if (p.revents & ZT_POLLOUT)
        out |= ZT_NCZ_OUT;
    if (p.revents & (ZT_POLLERR | ZT_POLLNVAL))
        out |= ZT_NCZ_ERR;
    return out;
}

int zt__ncz_soerror(int zfd)
{
    int err = 0;
    size_t len = sizeof(err);
    int rv = zt__sock_getopt(zfd, ZTS_SOL_SOCKET_, ZTS_SO_ERROR_, &err, &len);

    return rv < 0 ? rv : err;
}

int zt__ncz_setopt(int zfd, int level, int name, const void *val, size_t len)
{
    return zt__sock_setopt(zfd, level, name, val, len);
}

int zt__ncz_getopt(int zfd, int level, int name, void *val, size_t *len)
{
    return zt__sock_getopt(zfd, level, name, val, len);
}

int zt__ncz_watch(int zfd, void (*fn)(void *ctx, int zfd), void *ctx)
{
    return zt__sock_watch(zfd, fn, ctx);
}
