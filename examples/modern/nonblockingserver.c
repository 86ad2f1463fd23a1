/*
 * nonblockingserver: a TCP server on a ZeroTier network written with the BSD-style calls.  It
 * waits for an address of <local_ip>'s family, accepts a client (zts_bsd_socket, _bind,
 * _listen, a blocking _accept), makes the connection non-blocking and then polls it every
 * 50 ms at most, printing each zts_bsd_poll() result and, when it is readable, what
 * zts_bsd_recv() got.  When the client goes away it accepts the next one.  Runs until killed.
 *
 *   nonblockingserver <storage_dir> <net_id> <local_ip> <port>
 *
 * <storage_dir> holds the node's identity (made at the first start) and may hold `roots`, a
 * signed planet that replaces the built-in roots (a private world).  Pair it with
 * nonblockingclient.
 */
#include "example_common.h"

/* A listening socket on |ip|:|port|, or -1 (after a message). */
static int listen_on(const char *ip, unsigned short port)
{
    struct zts_sockaddr_storage addr = {0};
    zts_socklen_t len = sizeof(addr);
    int family = zts_util_get_ip_family(ip), fd;

    if (zts_util_ipstr_to_saddr(ip, port, (struct zts_sockaddr *)&addr, &len) != ZTS_ERR_OK) {
        printf("Invalid address %s. Exiting.\n", ip);
        return -1;
    }
    if ((fd = zts_bsd_socket(family, ZTS_SOCK_STREAM, 0)) < 0) {
        printf("Error creating socket (fd=%d, zts_errno=%d). Exiting.\n", fd, zts_errno);
        return -1;
    }
    if (zts_bsd_bind(fd, (struct zts_sockaddr *)&addr, len) < 0 || zts_bsd_listen(fd, 5) < 0) {
        printf("Error binding or listening (zts_errno=%d). Exiting.\n", zts_errno);
        zts_bsd_close(fd);
        return -1;
    }
    printf("Listening on %s port %u\n", ip, (unsigned int)port);
    return fd;
}

/* Polls the connection |fd| until the client goes away; -1 if poll itself fails. */
static int serve(int fd)
{
    struct zts_pollfd fds[1];
    zts_nfds_t nfds = 1, i;
    char buf[128];
    ssize_t n;
    int rv;

    for (;;) {
        fds[0].fd = fd;
        fds[0].events = ZTS_POLLIN;
        fds[0].revents = 0;
        rv = zts_bsd_poll(fds, nfds, 50);
        printf("zts_bsd_poll()=%d\n", rv);
        if (rv < 0)
            return -1;
        for (i = 0; i < nfds; i++) {
            if ((fds[i].revents & (ZTS_POLLIN | ZTS_POLLERR)) == 0)
                continue;
            n = zts_bsd_recv(fds[i].fd, buf, sizeof(buf), 0);
            printf("zts_bsd_recv(%u, ...)=%d\n", i, (int)n);
            if (n > 0)
                printf("Received: %.*s\n", (int)n, buf);
            else if (n == 0 || zts_errno != ZTS_EAGAIN)
                return 0; /* the end of stream, or the connection is gone */
        }
    }
}

int main(int argc, char **argv)
{
    struct zts_sockaddr_storage peer;
    zts_socklen_t peer_len;
    char ip[ZTS_INET6_ADDRSTRLEN];
    unsigned short peer_port, port;
    int fd, accfd;

    port = start_storage_node(argc, argv, "a server polling non-blocking connections",
                              "nonblockingserver <storage_dir> <net_id> <local_ip> <port>", 0);
    if ((fd = listen_on(argv[3], port)) < 0)
        return 1;

    for (;;) {
        peer_len = sizeof(peer);
        if ((accfd = zts_bsd_accept(fd, (struct zts_sockaddr *)&peer, &peer_len)) < 0) {
            printf("Error accepting (zts_errno=%d). Exiting.\n", zts_errno);
            return 1;
        }
        if (zts_util_ntop((struct zts_sockaddr *)&peer, peer_len, ip, ZTS_INET6_ADDRSTRLEN,
                          &peer_port) == ZTS_ERR_OK)
            printf("Accepted connection from %s:%u\n", ip, (unsigned int)peer_port);
        zts_set_blocking(accfd, 0);
        if (serve(accfd) != 0) {
            printf("zts_bsd_poll failed (zts_errno=%d). Exiting.\n", zts_errno);
            return 1;
        }
        printf("Connection closed\n");
        zts_bsd_close(accfd);
    }
}
