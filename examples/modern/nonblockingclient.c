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
#include "example_common.h"

#include <string.h>
#include <time.h>

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
    unsigned short port;
    uint32_t seed;
    ssize_t n;
    int fd;

    port = start_storage_node(argc, argv, "a client sending on a non-blocking socket",
                              "nonblockingclient <storage_dir> <net_id> <server_ip> <port>", 0);
    if ((fd = connect_to(argv[3], port)) < 0)
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
