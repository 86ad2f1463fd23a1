/*
 * sock_front.c: the byte-level helpers both public socket APIs share (sock_front.h): socket
 * addresses in the BSD 4.4 layout, I/O vectors, and select() over the layer's poll.
 */
#include "socket/sock_front.h"

#include <errno.h>
#include <string.h>

/* Offsets in the public layouts (api-modern.md §4.2, api.md §4). */
#define OFF_FAMILY 1
#define OFF_PORT 2
#define OFF_IN_ADDR 4
#define OFF_IN6_ADDR 8

int zt__front_sa_family(const void *sa)
{
    return ((const uint8_t *)sa)[OFF_FAMILY];
}

int zt__front_sa_read(const void *sa, size_t len, zt_sockaddr *out)
{
    const uint8_t *b = sa;
    uint16_t port = (uint16_t)((unsigned)b[OFF_PORT] << 8 | b[OFF_PORT + 1]);

    memset(out, 0, sizeof(*out));
    switch (b[OFF_FAMILY]) {
    case ZT_FRONT_AF_INET: {
        uint32_t v4; /* network order, as lwIP keeps it */
        if (len < ZT_FRONT_SA_IN_LEN)
            return -EINVAL;
        memcpy(&v4, b + OFF_IN_ADDR, 4);
        ip_addr_set_ip4_u32_val(out->ip, v4);
        out->port = port;
        return 0;
    }
    case ZT_FRONT_AF_INET6:
        if (len < ZT_FRONT_SA_IN6_LEN)
            return -EINVAL;
        memcpy(ip_2_ip6(&out->ip)->addr, b + OFF_IN6_ADDR, 16);
        IP_SET_TYPE_VAL(out->ip, IPADDR_TYPE_V6);
        ip6_addr_clear_zone(ip_2_ip6(&out->ip));
        out->port = port;
        return 0;
    case ZT_FRONT_AF_UNSPEC:
        ip_addr_set_zero_ip4(&out->ip);
        return 0;
    default:
        return -EAFNOSUPPORT;
    }
}

void zt__front_sa_write(const zt_sockaddr *a, void *sa, uint32_t *len)
{
    uint8_t b[ZT_FRONT_SA_IN6_LEN];
    uint32_t real;

    memset(b, 0, sizeof(b));
    if (IP_IS_V6_VAL(a->ip)) {
        real = ZT_FRONT_SA_IN6_LEN;
        b[OFF_FAMILY] = ZT_FRONT_AF_INET6;
        memcpy(b + OFF_IN6_ADDR, ip_2_ip6(&a->ip)->addr, 16);
    } else {
        uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(&a->ip));
        real = ZT_FRONT_SA_IN_LEN;
        b[OFF_FAMILY] = ZT_FRONT_AF_INET;
        memcpy(b + OFF_IN_ADDR, &v4, 4);
    }
    b[0] = (uint8_t)real;
    b[OFF_PORT] = (uint8_t)(a->port >> 8);
    b[OFF_PORT + 1] = (uint8_t)a->port;
    memcpy(sa, b, *len < real ? *len : real);
    *len = real;
}

int zt__front_iov_check(const zt_iov *iov, int iovcnt)
{
    if (iovcnt < 0 || iovcnt > 1024)
        return -EINVAL;
    if (iov == NULL && iovcnt > 0)
        return -EFAULT;
    for (int i = 0; i < iovcnt; i++)
        if (iov[i].base == NULL && iov[i].len > 0)
            return -EFAULT;
    return 0;
}

int zt__front_timeval_ms(long sec, long usec, int *ms)
{
    int64_t v;

    if (sec < 0 || usec < 0)
        return -EINVAL;
    /* Seconds beyond what an int of milliseconds holds mean "for ever" in practice. */
    if (sec > INT32_MAX / 1000)
        v = INT32_MAX;
    else
        v = (int64_t)sec * 1000 + (usec / 1000) + (usec % 1000 != 0);
    *ms = v > INT32_MAX ? INT32_MAX : (int)v;
    return 0;
}

static bool bit_is_set(const uint8_t *set, int fd)
{
    return set != NULL && (set[fd / 8] & (1u << (fd & 7))) != 0;
}

static void bit_set(uint8_t *set, int fd)
{
    set[fd / 8] = (uint8_t)(set[fd / 8] | (1u << (fd & 7)));
}

/* The poll entries for the bits of the three sets (|pfds| has room for |nfds|). */
static size_t sets_to_poll(int nfds, const uint8_t *rd, const uint8_t *wr, const uint8_t *ex,
                           zt_pollfd *pfds)
{
    size_t n = 0;

    for (int fd = 0; fd < nfds; fd++) {
        short ev = 0;
        if (bit_is_set(rd, fd))
            ev |= ZT_POLLIN;
        if (bit_is_set(wr, fd))
            ev |= ZT_POLLOUT;
        if (bit_is_set(ex, fd))
            ev |= ZT_POLLERR;
        if (ev != 0) {
            pfds[n].fd = fd;
            pfds[n].events = ev;
            pfds[n].revents = 0;
            n++;
        }
    }
    return n;
}

/* Rewrites the sets from the poll results; returns the number of bits set. */
static int poll_to_sets(const zt_pollfd *pfds, size_t n, uint8_t *rd, uint8_t *wr, uint8_t *ex)
{
    int count = 0;

    if (rd != NULL)
        memset(rd, 0, ZT_FDSET_BYTES);
    if (wr != NULL)
        memset(wr, 0, ZT_FDSET_BYTES);
    if (ex != NULL)
        memset(ex, 0, ZT_FDSET_BYTES);
    for (size_t i = 0; i < n; i++) {
        short r = pfds[i].revents, ev = pfds[i].events;
        if (rd != NULL && (ev & ZT_POLLIN) && (r & (ZT_POLLIN | ZT_POLLERR))) {
            bit_set(rd, pfds[i].fd);
            count++;
        }
        if (wr != NULL && (ev & ZT_POLLOUT) && (r & (ZT_POLLOUT | ZT_POLLERR))) {
            bit_set(wr, pfds[i].fd);
            count++;
        }
        if (ex != NULL && (ev & ZT_POLLERR) && (r & ZT_POLLERR)) {
            bit_set(ex, pfds[i].fd);
            count++;
        }
    }
    return count;
}

int zt__front_select(int nfds, uint8_t *rd, uint8_t *wr, uint8_t *ex, int timeout_ms)
{
    zt_pollfd pfds[ZT_FDSET_SIZE]; /* 8 KiB: no allocation per call */
    size_t n;
    int rv;

    if (nfds < 0 || nfds > ZT_FDSET_SIZE)
        return -EINVAL;
    n = sets_to_poll(nfds, rd, wr, ex, pfds);
    rv = zt__sock_poll(pfds, n, timeout_ms);
    for (size_t i = 0; rv >= 0 && i < n; i++)
        if (pfds[i].revents & ZT_POLLNVAL)
            rv = -EBADF;
    if (rv >= 0)
        rv = poll_to_sets(pfds, n, rd, wr, ex);
    return rv;
}
