/*
 * server: a TCP echo server on a ZeroTier network over IPv4.  Each client's first message
 * is read and sent back, then the connection is closed; runs until killed.
 *
 *   server <config_file_path> <nwid> <serverBindPort> <ztServicePort>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ZeroTierSockets.h"
#include "example_common.h"

/* Called by the library on its event thread, once per event; |arg| is only valid during
 * the call. */
static void on_event(void *arg)
{
    struct zts_callback_msg *msg = (struct zts_callback_msg *)arg;

    if (!print_event(msg))
        print_addr_event(msg);
}

int main(int argc, char **argv)
{
    char buf[128], ip[ZTS_INET_ADDRSTRLEN];
    struct zts_sockaddr_in addr, peer;
    zts_socklen_t len, len2;
    uint64_t nwid;
    uint16_t service_port;
    ssize_t n;
    int fd, accfd, err;

    check_usage(argc == 5, "server",
                "server <config_file_path> <nwid> <serverBindPort> <ztServicePort>");
    nwid = strtoull(argv[2], NULL, 16);
    service_port = (uint16_t)strtoul(argv[4], NULL, 10);

    set_ipv4(&addr, ZTS_INADDR_ANY, argv[3]);

    start_node(argv[1], on_event, service_port);
    printf("This node's identity is stored in %s\n", argv[1]);

    join_network(nwid);
    printf("Don't forget to authorize this device in my.zerotier.com or the web API!\n");
    wait_network();

    printf("Creating socket...\n");
    if ((fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0)) < 0) {
        printf("Error creating ZeroTier socket (fd=%d, zts_errno=%d). Exiting.\n", fd,
               zts_errno);
        exit(1);
    }
    printf("Binding...\n");
    if ((err = zts_bind(fd, (const struct zts_sockaddr *)&addr, sizeof(addr))) < 0)
        exit_socket_error("binding to interface", fd, err);
    printf("Listening...\n");
    if ((err = zts_listen(fd, 100)) < 0)
        exit_socket_error("placing socket in LISTENING state", fd, err);

    memset(buf, 0, sizeof(buf));
    for (;;) {
        len = sizeof(peer);
        if ((accfd = zts_accept(fd, (struct zts_sockaddr *)&peer, &len)) < 0) {
            printf("Error accepting connection (fd=%d, accfd=%d, zts_errno=%d). Exiting.\n",
                   fd, accfd, zts_errno);
            exit(1);
        }
        /* As in the original example the length is the storage size (28) while |peer|
         * holds 16 bytes: for an IPv4 peer the library writes only 16 (api.md 4.2). */
        len2 = sizeof(struct zts_sockaddr_storage);
        zts_getpeername(accfd, (struct zts_sockaddr *)&peer, &len2);
        zts_inet_ntop(ZTS_AF_INET, &peer.sin_addr, ip, sizeof(ip));
        printf("Accepted connection from %s:%d\n", ip, zts_ntohs(peer.sin_port));

        printf("Reading message string from client...\n");
        if ((n = zts_read(accfd, buf, sizeof(buf))) < 0)
            exit_socket_error("reading from socket", accfd, (int)n);
        printf("Read %d bytes: %.*s\n", (int)n, (int)n, buf);

        /* A client that sent nothing gives n == 0, and a zero-length write fails with
         * ZTS_ERR_ARG (api.md 5.7): the server then exits like the original. */
        printf("Sending message string to client...\n");
        if ((n = zts_write(accfd, buf, (size_t)n)) < 0)
            exit_socket_error("writing to socket", accfd, (int)n);
        printf("Sent %d bytes: %.*s\n", (int)n, (int)n, buf);

        printf("Closing connection socket\n");
        zts_close(accfd);
    }
    /* Not reached: the server runs until it is killed. */
}
