/*
 * nonblockingclient: connects to nonblockingserver over a ZeroTier network (zts_socket, then
 * zts_connect, with a new socket after each failure until it works), makes the socket
 * non-blocking and sends "Welcome to the machine" (22 bytes) at random intervals of 0 to 5 s,
 * printing each zts_send() result.  Runs until killed (exits 1 if the connection fails).
 *
 *   nonblockingclient <storage_dir> <net_id> <server_ip> <port>
 *
 * <storage_dir> holds the node's identity (made at the first start) and may hold `roots`, a
 * signed planet that replaces the built-in roots (a private world).
 */
#include <ZeroTierSockets.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* A connected stream socket to |ip|:|port|: tries again, with a new socket, until it works. */
static int connect_to(const char *ip, unsigned short port)
{
    int family = zts_util_get_ip_family(ip), fd, err;

    for (;;) {
        if ((fd = zts_socket(family, ZTS_SOCK_STREAM, 0)) < 0) {
            printf("Error creating socket (fd=%d, zts_errno=%d). Exiting.\n", fd, zts_errno);
            return -1;
        }
        /* A blocking socket: zts_connect tries again every 250 ms for up to 30 s (0). */
        if ((err = zts_connect(fd, ip, port, 0)) == ZTS_ERR_OK)
            return fd;
        printf("zts_connect()=%d, zts_errno=%d: trying again...\n", err, zts_errno);
        zts_close(fd);
        zts_util_delay(250);
    }
}

/* A pseudo-random number of milliseconds in [0, 5000] (xorshift; the seed is any value). */
static unsigned int next_delay(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return (unsigned int)(x % 5001u);
}

int main(int argc, char **argv)
{
    const char *msg = "Welcome to the machine";
    unsigned long port;
    uint32_t seed;
    ssize_t n;
    int fd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 5) {
        printf("\nlibzt example: a client sending on a non-blocking socket\n");
        printf("nonblockingclient <storage_dir> <net_id> <server_ip> <port>\n");
        return 0;
    }
    port = strtoul(argv[4], NULL, 10);
    if (zts_util_get_ip_family(argv[3]) < 0 || port == 0 || port > 65535) {
        printf("Invalid address or port: %s %s. Exiting.\n", argv[3], argv[4]);
        return 1;
    }
    if (start_and_join(argv[1], strtoull(argv[2], NULL, 16), zts_util_get_ip_family(argv[3])))
        return 1;
    if ((fd = connect_to(argv[3], (unsigned short)port)) < 0)
        return 1;
    printf("Connected.\n");
    zts_set_blocking(fd, 0);

    seed = (uint32_t)zts_node_get_id() ^ (uint32_t)time(NULL);
    if (seed == 0)
        seed = 1;
    for (;;) {
        n = zts_send(fd, msg, strlen(msg), 0);
        printf("zts_send()=%d\n", (int)n);
        if (n < 0 && zts_errno != ZTS_EAGAIN) {
            printf("The connection failed (zts_errno=%d). Exiting.\n", zts_errno);
            return 1;
        }
        zts_util_delay(next_delay(&seed));
    }
}
