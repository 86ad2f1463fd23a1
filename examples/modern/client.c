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
#include <ZeroTierSockets.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    unsigned long port;
    uint64_t net_id;
    int family, fd, rv;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 5) {
        printf("\nlibzt example: a TCP client for the server example\n");
        printf("client <storage_dir> <net_id> <server_ip> <port>\n");
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

    printf("Connecting to %s port %lu...\n", argv[3], port);
    while ((fd = zts_tcp_client(argv[3], (unsigned short)port)) < 0) {
        printf("Unable to connect (fd=%d, zts_errno=%d). Trying again...\n", fd, zts_errno);
        zts_util_delay(250);
    }
    printf("Connected.\n");
    rv = exchange(fd);
    printf("Closing socket\n");
    zts_close(fd);
    printf("Shutting down service\n");
    zts_node_stop();
    return rv == 0 ? 0 : 1;
}
