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
#include <ZeroTierSockets.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Starts the node from |dir|, joins |net_id| and waits for an address of |family|. */
static int start_and_join(const char *dir, uint64_t net_id, int family)
{
    char ip[ZTS_IP_MAX_STR_LEN] = {0};
    int err;

    zts_init_from_storage(dir);
    printf("Starting node...\n");
    if ((err = zts_node_start()) != ZTS_ERR_OK) {
        printf("Unable to start service, error = %d. Exiting.\n", err);
        return -1;
    }
    printf("Waiting for node to come online\n");
    while (!zts_node_is_online())
        zts_util_delay(50);
    printf("Public identity (node ID) is %llx\n", (unsigned long long)zts_node_get_id());
    printf("Joining network %llx\n", (unsigned long long)net_id);
    if ((err = zts_net_join(net_id)) != ZTS_ERR_OK) {
        printf("Unable to join network, error = %d. Exiting.\n", err);
        return -1;
    }
    printf("Waiting for join to complete\n");
    while (zts_net_transport_is_ready(net_id) != 1)
        zts_util_delay(50);
    while (zts_addr_is_assigned(net_id, (unsigned int)family) != 1)
        zts_util_delay(50);
    zts_addr_get_str(net_id, (unsigned int)family, ip, sizeof(ip));
    printf("This node's address on network %llx is %s\n", (unsigned long long)net_id, ip);
    return 0;
}

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
    unsigned short peer_port;
    unsigned long port;
    int family, fd, accfd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 5) {
        printf("\nlibzt example: a server polling non-blocking connections\n");
        printf("nonblockingserver <storage_dir> <net_id> <local_ip> <port>\n");
        return 0;
    }
    port = strtoul(argv[4], NULL, 10);
    family = zts_util_get_ip_family(argv[3]);
    if ((family != ZTS_AF_INET && family != ZTS_AF_INET6) || port == 0 || port > 65535) {
        printf("Invalid address or port: %s %s. Exiting.\n", argv[3], argv[4]);
        return 1;
    }
    if (start_and_join(argv[1], strtoull(argv[2], NULL, 16), family) != 0 ||
        (fd = listen_on(argv[3], (unsigned short)port)) < 0)
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
