/*
 * client: connects to the server example over a ZeroTier network (IPv4 or IPv6) with
 * zts_tcp_client, trying again until a connection is made, sends "Welcome to the machine"
 * (22 bytes), reads the echo, closes, stops the node and exits with status 0 (1 if a call
 * fails).
 *
 *   client <storage_dir> <net_id> <server_ip> <port>
 *
 * <storage_dir> holds the node's identity (made at the first start) and may hold `roots`, a
 * signed planet that replaces the built-in roots (a private world).
 */
#include "example_common.h"

#include <string.h>

/* Sends the message on |fd| and reads the echo (until all of it or the end of stream). */
static int exchange(int fd)
{
    const char *msg = "Welcome to the machine";
    size_t len = strlen(msg), got = 0;
    char buf[128];
    ssize_t n;

    if ((n = zts_write(fd, msg, len)) != (ssize_t)len) {
        printf("Error writing to socket (n=%d, zts_errno=%d). Exiting.\n", (int)n, zts_errno);
        return -1;
    }
    printf("Sent %d bytes: %s\n", (int)n, msg);
    printf("Reading message string from server...\n");
    while (got < len) {
        n = zts_read(fd, buf + got, sizeof(buf) - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == 0) {
        printf("Error reading from socket (n=%d, zts_errno=%d). Exiting.\n", (int)n, zts_errno);
        return -1;
    }
    printf("Read %d bytes: %.*s\n", (int)got, (int)got, buf);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned short port;
    int fd;

    port = start_storage_node(argc, argv, "a TCP client for the server example",
                              "client <storage_dir> <net_id> <server_ip> <port>", 1);

    printf("Connecting to %s port %u...\n", argv[3], (unsigned int)port);
    while ((fd = zts_tcp_client(argv[3], port)) < 0) {
        printf("Unable to connect (fd=%d, zts_errno=%d). Trying again...\n", fd, zts_errno);
        zts_util_delay(250);
    }
    printf("Connected.\n");
    return close_and_stop(fd, "Closing socket", exchange(fd));
}
