/*
 * client: connects to a TCP server on a ZeroTier network over IPv4, sends one message and
 * prints the reply (run `server` on the same network to answer it).
 *
 *   client <config_file_path> <nwid> <remoteAddr> <remotePort> <ztServicePort>
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
    const char *msg = "Welcome to the machine";
    char buf[128];
    struct zts_sockaddr_in addr;
    uint64_t nwid;
    uint16_t service_port;
    ssize_t n;
    int fd, err;

    check_usage(argc == 6, "client",
                "client <config_file_path> <nwid> <remoteAddr> <remotePort> <ztServicePort>");
    nwid = strtoull(argv[2], NULL, 16);
    service_port = (uint16_t)strtoul(argv[5], NULL, 10);

    set_ipv4(&addr, zts_inet_addr(argv[3]), argv[4]);

    start_node(argv[1], on_event, service_port);
    printf("This node's identity is stored in %s\n", argv[1]);

    join_network(nwid);
    printf("Don't forget to authorize this device in my.zerotier.com or the web API!\n");
    wait_network();

    /* Until the peer's path is set up a connect may fail (unreachable, reset, timed out):
     * start over with a new socket. */
    for (;;) {
        if ((fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0)) < 0) {
            printf("Error creating ZeroTier socket (fd=%d, zts_errno=%d). Exiting.\n", fd,
                   zts_errno);
            exit(1);
        }
        printf("Connecting to remote host...\n");
        err = zts_connect(fd, (const struct zts_sockaddr *)&addr, sizeof(addr));
        if (err >= 0)
            break;
        printf("Error connecting to remote host (fd=%d, ret=%d, zts_errno=%d). Trying "
               "again.\n",
               fd, err, zts_errno);
        zts_close(fd);
        printf("Creating socket...\n");
        zts_delay_ms(250);
    }
    printf("Connected.\n");

    printf("Sending message string to server...\n");
    if ((n = zts_write(fd, msg, strlen(msg))) < 0)
        exit_socket_error("writing to socket", fd, (int)n);
    printf("Sent %d bytes: %s\n", (int)n, msg);

    printf("Reading message string from server...\n");
    memset(buf, 0, sizeof(buf));
    if ((n = zts_read(fd, buf, sizeof(buf))) < 0)
        exit_socket_error("reading from socket", fd, (int)n);
    printf("Read %d bytes: %.*s\n", (int)n, (int)n, buf);

    printf("Closing socket\n");
    zts_close(fd);
    printf("Shutting down service\n");
    zts_stop();
    return 0;
}
