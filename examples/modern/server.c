/*
 * server: a one-shot TCP echo server on a ZeroTier network (IPv4 or IPv6).  It waits for an
 * address of <local_ip>'s family, accepts one client with zts_tcp_server, reads its message,
 * sends it back, waits (at most 5 s) for the client to close, closes, stops the node and exits
 * with status 0 (1 if a call fails).
 *
 *   server <storage_dir> <net_id> <local_ip> <port>        e.g. server ./zt 8056c2e21c000001 0.0.0.0 8080
 *
 * <storage_dir> holds the node's identity (made at the first start) and may hold `roots`, a
 * signed planet that replaces the built-in roots (a private world).  <local_ip> is the address
 * to listen on: 0.0.0.0 or :: for any, or the node's own address on the network.
 */
#include "example_common.h"

/* Reads one message from |fd|, echoes it, then waits (5 s at most) for the end of stream. */
static int echo_once(int fd)
{
    char buf[128];
    ssize_t n, sent;

    printf("Reading message string from client...\n");
    if ((n = zts_read(fd, buf, sizeof(buf))) < 0) {
        printf("Error reading from socket (n=%d, zts_errno=%d). Exiting.\n", (int)n, zts_errno);
        return -1;
    }
    printf("Read %d bytes: %.*s\n", (int)n, (int)n, buf);
    if ((sent = zts_write(fd, buf, (size_t)n)) != n) {
        printf("Error writing to socket (n=%d, zts_errno=%d). Exiting.\n", (int)sent, zts_errno);
        return -1;
    }
    printf("Sent %d bytes: %.*s\n", (int)sent, (int)sent, buf);
    /* Closing at once and stopping the node could lose the echo still in flight: let the
     * client, which closes after reading it, end the connection first. */
    zts_set_recv_timeout(fd, 5, 0);
    while (zts_read(fd, buf, sizeof(buf)) > 0)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    char remote[ZTS_INET6_ADDRSTRLEN] = {0};
    unsigned short port, remote_port = 0;
    int fd;

    port = start_storage_node(argc, argv, "a TCP echo server for one client",
                              "server <storage_dir> <net_id> <local_ip> <port>", 1);

    printf("Starting server on %s port %u (waiting for one client)...\n", argv[3],
           (unsigned int)port);
    fd = zts_tcp_server(argv[3], port, remote, ZTS_INET6_ADDRSTRLEN, &remote_port);
    if (fd < 0) {
        printf("Error starting the server (fd=%d, zts_errno=%d). Exiting.\n", fd, zts_errno);
        return 1;
    }
    printf("Accepted connection from %s:%u\n", remote, (unsigned int)remote_port);
    return close_and_stop(fd, "Closing connection socket", echo_once(fd));
}
