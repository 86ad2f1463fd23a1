/*
 * sock_simple.c: the modern API's simplified socket calls (api-modern.md §5.8): text
 * addresses and host-order ports over the zts_bsd_* calls, zts_connect's timeout, and the
 * tcp/udp client/server conveniences.
 *
 * Where the reference is broken this follows the spec's "Required" column (§11 items 16-18):
 * zts_connect rejects an unparsable address, connects a non-blocking socket once, retries a
 * refused TCP attempt on the same socket, and bounds the whole call by its timeout;
 * zts_tcp_client, zts_tcp_server and zts_udp_server return (and close) their real
 * descriptors; zts_accept leaves its outputs alone when accept fails.
 */
#include "modern/msock.h"

#include <errno.h>
#include <time.h>

#include "socket/sock_front.h"

#define CONNECT_DEFAULT_MS 30000 /* zts_connect's timeout 0 */
#define CONNECT_RETRY_MS 250     /* between two attempts of a blocking zts_connect */

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* |ipstr| and |port| as a public socket address (zts_util_ipstr_to_saddr): ZTS_ERR_OK, or
 * ZTS_ERR_ARG for NULL or a string that is no address. */
static int text_addr(const char *ipstr, unsigned short port, struct zts_sockaddr_storage *ss,
                     zts_socklen_t *len)
{
    if (ipstr == NULL)
        return ZTS_ERR_ARG;
    *len = sizeof(*ss);
    if (zts_util_ipstr_to_saddr(ipstr, port, (struct zts_sockaddr *)ss, len) != ZTS_ERR_OK)
        return ZTS_ERR_ARG;
    return ZTS_ERR_OK;
}

/* The family of |ipstr| (ZTS_AF_INET or ZTS_AF_INET6), or ZTS_ERR_ARG. */
static int text_family(const char *ipstr)
{
    int family = ipstr != NULL ? zts_util_get_ip_family(ipstr) : ZTS_ERR_ARG;

    return family == ZTS_AF_INET || family == ZTS_AF_INET6 ? family : ZTS_ERR_ARG;
}

/* ---- pass-through calls -------------------------------------------------------------------- */

int zts_socket(int family, int type, int protocol)
{
    return zts_bsd_socket(family, type, protocol);
}

int zts_listen(int fd, int backlog)
{
    return zts_bsd_listen(fd, backlog);
}

ssize_t zts_send(int fd, const void *buf, size_t len, int flags)
{
    return zts_bsd_send(fd, buf, len, flags);
}

ssize_t zts_recv(int fd, void *buf, size_t len, int flags)
{
    return zts_bsd_recv(fd, buf, len, flags);
}

ssize_t zts_read(int fd, void *buf, size_t len)
{
    return zts_bsd_read(fd, buf, len);
}

ssize_t zts_write(int fd, const void *buf, size_t len)
{
    return zts_bsd_write(fd, buf, len);
}

int zts_shutdown_rd(int fd)
{
    return zts_bsd_shutdown(fd, ZTS_SHUT_RD);
}

int zts_shutdown_wr(int fd)
{
    return zts_bsd_shutdown(fd, ZTS_SHUT_WR);
}

int zts_shutdown_rdwr(int fd)
{
    return zts_bsd_shutdown(fd, ZTS_SHUT_RDWR);
}

int zts_close(int fd)
{
    return zts_bsd_close(fd);
}

/* ---- connect, bind, accept, names ------------------------------------------------------------ */

/* Failures after which a later attempt may succeed: the peer not listening or not reachable
 * yet (the network still coming up). */
static bool may_retry(int e)
{
    switch (e) {
    case ECONNREFUSED:
    case ETIMEDOUT:
    case ECONNRESET:
    case ECONNABORTED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ENETDOWN:
        return true;
    default:
        return false;
    }
}

/*
 * A blocking socket: attempts every CONNECT_RETRY_MS while they fail in a way that may pass,
 * at most max(1, timeout_ms / 1000 * 4) of them (the reference's count), the whole within
 * |timeout_ms|: an attempt still pending when the time is up is abandoned (ETIMEDOUT).  A
 * failed attempt leaves the socket ready for the next (ZT_CONNECT_RENEW).
 */
static int connect_blocking(int fd, const zt_sockaddr *a, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms, left;
    int attempts = timeout_ms / 1000 * 4, rv = -ETIMEDOUT;

    if (attempts < 1)
        attempts = 1;
    for (int i = 0; i < attempts; i++) {
        left = deadline - now_ms();
        if (left <= 0)
            break;
        rv = zt__sock_connect_ex(fd, a, ZT_CONNECT_RENEW, left);
        if (rv == 0 || !may_retry(-rv))
            break;
        left = deadline - now_ms();
        if (i + 1 < attempts && left > 0)
            zts_util_delay((unsigned long)(left < CONNECT_RETRY_MS ? left : CONNECT_RETRY_MS));
    }
    return zt__msock_iresult(rv, true);
}

int zts_connect(int fd, const char *ipstr, unsigned short port, int timeout_ms)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len;
    zt_sockaddr a;
    bool unspec, nonblock, can_read, can_write;
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (timeout_ms < 0 || text_addr(ipstr, port, &ss, &len) != ZTS_ERR_OK)
        return ZTS_ERR_ARG;
    rv = zt__msock_addr_in((const struct zts_sockaddr *)&ss, len, &a, &unspec);
    if (rv == 0)
        rv = zt__sock_get_nonblock(fd, &nonblock, &can_read, &can_write);
    if (rv != 0)
        return zt__msock_iresult(rv, false);
    if (!nonblock)
        return connect_blocking(fd, &a, timeout_ms > 0 ? timeout_ms : CONNECT_DEFAULT_MS);
    /* Non-blocking: one attempt (normally -1/ZTS_EINPROGRESS; poll for writability, then
     * ZTS_SO_ERROR).  Calling again reports the outcome: 0 once connected, so that a loop
     * "until zts_connect returns 0" ends, or the failure, after which the next call tries
     * anew. */
    rv = zt__sock_connect_ex(fd, &a, ZT_CONNECT_RENEW, -1);
    return zt__msock_iresult(rv == -EISCONN ? 0 : rv, true);
}

int zts_bind(int fd, const char *ipstr, unsigned short port)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t len;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (text_addr(ipstr, port, &ss, &len) != ZTS_ERR_OK)
        return ZTS_ERR_ARG;
    return zts_bsd_bind(fd, (const struct zts_sockaddr *)&ss, len);
}

int zts_accept(int fd, char *remote_addr, int len, unsigned short *port)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t sslen = sizeof(ss);
    int nfd;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (remote_addr == NULL || port == NULL || len != ZTS_INET6_ADDRSTRLEN)
        return ZTS_ERR_ARG;
    nfd = zts_bsd_accept(fd, (struct zts_sockaddr *)&ss, &sslen);
    if (nfd < 0)
        return nfd; /* the outputs are left alone (§11 item 18) */
    if (zts_util_ntop((struct zts_sockaddr *)&ss, sslen, remote_addr, len, port) != ZTS_ERR_OK) {
        (void)zt__sock_close(nfd);
        return ZTS_ERR_GENERAL;
    }
    return nfd;
}

static int name_text(int fd, char *dst, int len, unsigned short *port, bool peer)
{
    struct zts_sockaddr_storage ss;
    zts_socklen_t sslen = sizeof(ss);
    int rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (dst == NULL || port == NULL || len != ZTS_INET6_ADDRSTRLEN)
        return ZTS_ERR_ARG;
    rv = peer ? zts_bsd_getpeername(fd, (struct zts_sockaddr *)&ss, &sslen)
              : zts_bsd_getsockname(fd, (struct zts_sockaddr *)&ss, &sslen);
    if (rv < 0)
        return rv;
    return zts_util_ntop((struct zts_sockaddr *)&ss, sslen, dst, len, port);
}

int zts_getpeername(int fd, char *remote_addr_str, int len, unsigned short *port)
{
    return name_text(fd, remote_addr_str, len, port, true);
}

int zts_getsockname(int fd, char *local_addr_str, int len, unsigned short *port)
{
    return name_text(fd, local_addr_str, len, port, false);
}

/* ---- clients and servers ------------------------------------------------------------------- */

int zts_tcp_client(const char *remote_ipstr, unsigned short remote_port)
{
    int family, fd, rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if ((family = text_family(remote_ipstr)) < 0)
        return ZTS_ERR_ARG;
    fd = zts_bsd_socket(family, ZTS_SOCK_STREAM, 0);
    if (fd < 0)
        return fd;
    rv = zts_connect(fd, remote_ipstr, remote_port, 0);
    if (rv < 0) {
        (void)zt__sock_close(fd); /* zts_errno keeps connect's reason */
        return rv;
    }
    return fd;
}

int zts_tcp_server(const char *local_ipstr, unsigned short local_port, char *remote_ipstr,
                   int len, unsigned short *remote_port)
{
    int family, lfd, rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if (remote_ipstr == NULL || remote_port == NULL || len != ZTS_INET6_ADDRSTRLEN ||
        (family = text_family(local_ipstr)) < 0)
        return ZTS_ERR_ARG;
    lfd = zts_bsd_socket(family, ZTS_SOCK_STREAM, 0);
    if (lfd < 0)
        return lfd;
    rv = zts_bind(lfd, local_ipstr, local_port);
    if (rv == 0)
        rv = zts_bsd_listen(lfd, 0);
    if (rv == 0)
        rv = zts_accept(lfd, remote_ipstr, len, remote_port); /* blocks for one connection */
    (void)zt__sock_close(lfd); /* on every path; zts_errno keeps the failure's reason */
    return rv;
}

int zts_udp_server(const char *local_ipstr, unsigned short local_port)
{
    int family, fd, rv;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if ((family = text_family(local_ipstr)) < 0)
        return ZTS_ERR_ARG;
    fd = zts_bsd_socket(family, ZTS_SOCK_DGRAM, 0);
    if (fd < 0)
        return fd;
    rv = zts_bind(fd, local_ipstr, local_port);
    if (rv < 0) {
        (void)zt__sock_close(fd);
        return rv;
    }
    return fd;
}

int zts_udp_client(const char *remote_ipstr)
{
    int family;

    if (!zt__msock_up())
        return ZTS_ERR_SERVICE;
    if ((family = text_family(remote_ipstr)) < 0)
        return ZTS_ERR_ARG;
    return zts_bsd_socket(family, ZTS_SOCK_DGRAM, 0);
}
