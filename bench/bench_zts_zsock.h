/*
 * bench_zts_zsock.h: a library's socket flavour for the shared bench_zts code, written once for
 * both APIs.  Included by bench_zts.c and bench_zts_modern.c (once, after their ZeroTierSockets.h)
 * with BZ_SOCK(name) naming the library's BSD-style call: zts_##name (1.3) or zts_bsd_##name
 * (modern; its zts_connect and zts_accept are the simplified calls, with other arguments), and
 * BZ_NET_NAME the name of the flavour in progress lines.  Defines |zts_net| (no port_of: the
 * library peer listens on fixed ports).
 */
#ifndef BENCH_ZTS_ZSOCK_H
#define BENCH_ZTS_ZSOCK_H

#include <arpa/inet.h>
#include <string.h>

/* A new stream socket, and |a| filled with |ip| (network order) and |port|; -1 on failure. */
static int z_socket(struct zts_sockaddr_in *a, uint32_t ip, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->sin_len = sizeof(*a);
    a->sin_family = ZTS_AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = ip;
    return BZ_SOCK(socket)(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
}

static int z_close(int fd)
{
    return BZ_SOCK(close)(fd);
}

static int z_listen(uint32_t ip, uint16_t port)
{
    struct zts_sockaddr_in a;
    int fd = z_socket(&a, ip, port);

    if (fd >= 0 && (BZ_SOCK(bind)(fd, (const struct zts_sockaddr *)&a, sizeof(a)) != 0 ||
                    BZ_SOCK(listen)(fd, 255) != 0)) {
        z_close(fd);
        return -1;
    }
    return fd;
}

static int z_accept(int lfd)
{
    return BZ_SOCK(accept)(lfd, NULL, NULL);
}

static int z_connect(uint32_t ip, uint16_t port)
{
    struct zts_sockaddr_in a;
    int fd = z_socket(&a, ip, port);

    if (fd >= 0 && BZ_SOCK(connect)(fd, (const struct zts_sockaddr *)&a, sizeof(a)) != 0) {
        z_close(fd);
        return -1;
    }
    return fd;
}

static ssize_t z_send(int fd, const void *buf, size_t len)
{
    return BZ_SOCK(send)(fd, buf, len, 0);
}

static ssize_t z_recv(int fd, void *buf, size_t len)
{
    return BZ_SOCK(recv)(fd, buf, len, 0);
}

static int z_shut_wr(int fd)
{
    return BZ_SOCK(shutdown)(fd, ZTS_SHUT_WR);
}

static int z_nodelay(int fd)
{
    int one = 1;

    return BZ_SOCK(setsockopt)(fd, ZTS_IPPROTO_TCP, ZTS_TCP_NODELAY, &one, sizeof(one));
}

static const net_ops zts_net = {BZ_NET_NAME, z_listen, NULL,      z_accept, z_connect,
                                z_send,      z_recv,   z_shut_wr, z_close,  z_nodelay};

#endif
