/*
 * udp.c: the only file that reads or writes UDP sockets (udp.h).
 */
#include "io/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int errno_to_err(int e)
{
    switch (e) {
    case EADDRINUSE:
        return ZT_ERR_EXISTS;
    case EAFNOSUPPORT:
    case EADDRNOTAVAIL:
    case EPROTONOSUPPORT:
        return ZT_ERR_UNSUPPORTED;
    case EAGAIN:
#if EAGAIN != EWOULDBLOCK
    case EWOULDBLOCK:
#endif
    case ENOBUFS:
        return ZT_ERR_AGAIN;
    default:
        return ZT_ERR_IO;
    }
}

/* Asks for |size| bytes of buffer; the FORCE variants pass the rmem_max/wmem_max caps when we
 * are privileged, and fail harmlessly when we are not. */
static void set_buffers(int fd, int size)
{
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

int zt__io_udp_open(int family, const uint8_t *ip, uint16_t port, int bufsize, int *pfd,
                   uint16_t *pport)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, on = 1, rv, saved;

    fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno_to_err(errno);
    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0)
            goto fail;
        sin6->sin6_family = AF_INET6;
        if (ip != NULL)
            memcpy(&sin6->sin6_addr, ip, 16);
        else
            sin6->sin6_addr = in6addr_any;
        sin6->sin6_port = htons(port);
        len = sizeof(*sin6);
    } else if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        if (ip != NULL)
            memcpy(&sin->sin_addr, ip, 4);
        else
            sin->sin_addr.s_addr = htonl(INADDR_ANY);
        sin->sin_port = htons(port);
        len = sizeof(*sin);
    } else {
        close(fd);
        return ZT_ERR_UNSUPPORTED;
    }
    if (bufsize > 0)
        set_buffers(fd, bufsize);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0)
        goto fail;
    len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        goto fail;
    *pport = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                      : ((struct sockaddr_in *)&ss)->sin_port);
    *pfd = fd;
    return 0;
fail:
    saved = errno;
    rv = errno_to_err(saved);
    close(fd);
    errno = saved;
    return rv;
}

/* Reads or sets the unicast TTL / hop limit of |fd| for |family|. */
static void ttl_opt(int family, int *level, int *name)
{
    if (family == AF_INET6) {
        *level = IPPROTO_IPV6;
        *name = IPV6_UNICAST_HOPS;
    } else {
        *level = IPPROTO_IP;
        *name = IP_TTL;
    }
}

int zt__io_udp_send(int fd, const struct sockaddr *to, socklen_t tolen, const void *data,
                   size_t len, unsigned ttl)
{
    int level = 0, name = 0, old = 0, want, rv = 0, saved;
    socklen_t olen = sizeof(old);
    bool changed = false;
    ssize_t n;

    if (ttl != 0) {
        ttl_opt(to->sa_family, &level, &name);
        want = ttl > 255 ? 255 : (int)ttl;
        if (getsockopt(fd, level, name, &old, &olen) == 0 &&
            setsockopt(fd, level, name, &want, sizeof(want)) == 0)
            changed = true;
    }
    do
        n = sendto(fd, data, len, 0, to, tolen);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        rv = errno_to_err(errno);
    if (changed) {
        saved = errno;
        (void)setsockopt(fd, level, name, &old, sizeof(old));
        errno = saved;
    }
    return rv;
}

int zt__io_udp_rx_init(zt_io_udp_rx *rx, unsigned cap)
{
    memset(rx, 0, sizeof(*rx));
    rx->bufs = malloc((size_t)cap * ZT_IO_UDP_MAX_DATAGRAM);
    rx->msgs = calloc(cap, sizeof(*rx->msgs));
    rx->iovs = calloc(cap, sizeof(*rx->iovs));
    rx->addrs = calloc(cap, sizeof(*rx->addrs));
    if (rx->bufs == NULL || rx->msgs == NULL || rx->iovs == NULL || rx->addrs == NULL) {
        zt__io_udp_rx_clear(rx);
        return ZT_ERR_NOMEM;
    }
    rx->cap = cap;
    return 0;
}

void zt__io_udp_rx_clear(zt_io_udp_rx *rx)
{
    free(rx->bufs);
    free(rx->msgs);
    free(rx->iovs);
    free(rx->addrs);
    memset(rx, 0, sizeof(*rx));
}

int zt__io_udp_recv(int fd, zt_io_udp_rx *rx)
{
    int n;

    for (unsigned i = 0; i < rx->cap; i++) {
        rx->iovs[i].iov_base = rx->bufs + (size_t)i * ZT_IO_UDP_MAX_DATAGRAM;
        rx->iovs[i].iov_len = ZT_IO_UDP_MAX_DATAGRAM;
        memset(&rx->msgs[i], 0, sizeof(rx->msgs[i]));
        rx->msgs[i].msg_hdr.msg_iov = &rx->iovs[i];
        rx->msgs[i].msg_hdr.msg_iovlen = 1;
        rx->msgs[i].msg_hdr.msg_name = &rx->addrs[i];
        rx->msgs[i].msg_hdr.msg_namelen = sizeof(rx->addrs[i]);
    }
    rx->n = 0;
    do
        n = recvmmsg(fd, rx->msgs, rx->cap, MSG_DONTWAIT, NULL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        /* An ICMP error from an earlier send surfaces here on Linux; it is not a receive
         * failure, and the next call reads on. */
        if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
            return 0;
        return ZT_ERR_IO;
    }
    rx->n = (unsigned)n;
    return n;
}

const uint8_t *zt__io_udp_rx_data(const zt_io_udp_rx *rx, unsigned i, size_t *plen)
{
    *plen = rx->msgs[i].msg_len;
    return rx->bufs + (size_t)i * ZT_IO_UDP_MAX_DATAGRAM;
}

const struct sockaddr_storage *zt__io_udp_rx_from(const zt_io_udp_rx *rx, unsigned i)
{
    return &rx->addrs[i];
}

bool zt__io_udp_rx_is_truncated(const zt_io_udp_rx *rx, unsigned i)
{
    return (rx->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

int zt__io_udp_tx_init(zt_io_udp_tx *tx, unsigned cap, size_t slot_len)
{
    memset(tx, 0, sizeof(*tx));
    tx->bufs = malloc((size_t)cap * slot_len);
    tx->fds = calloc(cap, sizeof(*tx->fds));
    tx->msgs = calloc(cap, sizeof(*tx->msgs));
    tx->iovs = calloc(cap, sizeof(*tx->iovs));
    tx->addrs = calloc(cap, sizeof(*tx->addrs));
    if (tx->bufs == NULL || tx->fds == NULL || tx->msgs == NULL || tx->iovs == NULL ||
        tx->addrs == NULL) {
        zt__io_udp_tx_clear(tx);
        return ZT_ERR_NOMEM;
    }
    tx->cap = cap;
    tx->slot_len = slot_len;
    return 0;
}

void zt__io_udp_tx_clear(zt_io_udp_tx *tx)
{
    free(tx->bufs);
    free(tx->fds);
    free(tx->msgs);
    free(tx->iovs);
    free(tx->addrs);
    memset(tx, 0, sizeof(*tx));
}

int zt__io_udp_tx_queue(zt_io_udp_tx *tx, int fd, const struct sockaddr *to, socklen_t tolen,
                       const void *data, size_t len)
{
    unsigned i = tx->n;
    uint8_t *slot;

    if (len > tx->slot_len)
        return ZT_ERR_RANGE;
    if (tolen > sizeof(tx->addrs[0]))
        return ZT_ERR_INVAL;
    if (i == tx->cap)
        return ZT_ERR_LIMIT;
    slot = tx->bufs + (size_t)i * tx->slot_len;
    memcpy(slot, data, len);
    memcpy(&tx->addrs[i], to, tolen);
    tx->fds[i] = fd;
    tx->iovs[i].iov_base = slot;
    tx->iovs[i].iov_len = len;
    memset(&tx->msgs[i], 0, sizeof(tx->msgs[i]));
    tx->msgs[i].msg_hdr.msg_name = &tx->addrs[i];
    tx->msgs[i].msg_hdr.msg_namelen = tolen;
    tx->msgs[i].msg_hdr.msg_iov = &tx->iovs[i];
    tx->msgs[i].msg_hdr.msg_iovlen = 1;
    tx->n = i + 1;
    return 0;
}

unsigned zt__io_udp_tx_flush(zt_io_udp_tx *tx)
{
    unsigned i = 0, dropped = 0;

    while (i < tx->n) {
        unsigned run = 1;
        int n;

        while (i + run < tx->n && tx->fds[i + run] == tx->fds[i])
            run++;
        n = sendmmsg(tx->fds[i], &tx->msgs[i], run, MSG_DONTWAIT);
        tx->syscalls++;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* The first datagram of the run failed (buffer full, unreachable, ...): drop
             * it and go on with the rest. */
            n = 1;
            dropped++;
        } else {
            tx->sent += (unsigned)n;
        }
        i += (unsigned)n;
    }
    tx->dropped += dropped;
    tx->n = 0;
    return dropped;
}
