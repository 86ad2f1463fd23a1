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
    printf("Don't forget to authorize this device in my.zerotier.com or the web API!\n");
    printf("Waiting for join to complete\n");
    while (zts_net_transport_is_ready(net_id) != 1)
        zts_util_delay(50);
    printf("Waiting for an %s address\n", family == ZTS_AF_INET ? "IPv4" : "IPv6");
    while (zts_addr_is_assigned(net_id, (unsigned int)family) != 1)
        zts_util_delay(50);
    zts_addr_get_str(net_id, (unsigned int)family, ip, sizeof(ip));
    printf("This node's address on network %llx is %s\n", (unsigned long long)net_id, ip);
    return 0;
}

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
    unsigned short remote_port = 0;
    unsigned long port;
    uint64_t net_id;
    int family, fd, rv;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 5) {
        printf("\nlibzt example: a TCP echo server for one client\n");
        printf("server <storage_dir> <net_id> <local_ip> <port>\n");
        return 0;
    }
    net_id = strtoull(argv[2], NULL, 16);
    port = strtoul(argv[4], NULL, 10);
    family = zts_util_get_ip_family(argv[3]);
    if ((family != ZTS_AF_INET && family != ZTS_AF_INET6) || port == 0 || port > 65535) {
        printf("Invalid address or port: %s %s. Exiting.\n", argv[3], argv[4]);
        return 1;
    }
    if (start_and_join(argv[1], net_id, family) != 0)
        return 1;

    printf("Starting server on %s port %lu (waiting for one client)...\n", argv[3], port);
    fd = zts_tcp_server(argv[3], (unsigned short)port, remote, ZTS_INET6_ADDRSTRLEN,
                        &remote_port);
    if (fd < 0) {
        printf("Error starting the server (fd=%d, zts_errno=%d). Exiting.\n", fd, zts_errno);
        return 1;
    }
    printf("Accepted connection from %s:%u\n", remote, (unsigned int)remote_port);
    rv = echo_once(fd);
    printf("Closing connection socket\n");
    zts_close(fd);
    printf("Shutting down service\n");
    zts_node_stop();
    return rv == 0 ? 0 : 1;
}
