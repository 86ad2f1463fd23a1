/*
 * example_common.h: what the modern example programs do the same way (README.md, "The
 * programs"): the usage check, ZT_EXAMPLE_ROOTS, starting the node and waiting until it is
 * online, joining a network and waiting for it and for an address, the arguments and the start
 * of the four programs with a storage directory, the end of server and client, the NODE_ONLINE
 * line and idling.  A header of static inline functions (no warning for those a program does
 * not use) on the modern header and libc alone, as examples/example_common.h is for the 1.3
 * examples, so that each program stays one .c file with only its own work in it.
 *
 * The helpers print the programs' lines unchanged; on a failure they print the program's
 * message and exit with status 1, as main() did.
 */
#ifndef ZT_MODERN_EXAMPLE_COMMON_H
#define ZT_MODERN_EXAMPLE_COMMON_H

#include <ZeroTierSockets.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* With the wrong argument count (|ok| false), prints the program's title ("libzt example:
 * <title>") and usage line and exits with status 0.  stdout is made line-buffered first (one
 * line at a time, even into a pipe or a file). */
static inline void check_usage(int ok, const char *title, const char *usage)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!ok) {
        printf("\nlibzt example: %s\n", title);
        printf("%s\n", usage);
        exit(0);
    }
}

/* ZT_EXAMPLE_ROOTS (the memory-only programs, README.md): a planet file for
 * zts_init_set_roots (a private world).  Does nothing when the variable is unset; exits with 1
 * (after a message) when the file cannot be read or the library refuses it. */
static inline void use_private_roots(void)
{
    static char blob[ZTS_STORE_DATA_LEN];
    const char *path = getenv("ZT_EXAMPLE_ROOTS");
    size_t len;
    FILE *f;
    int err;

    if (path == NULL || path[0] == '\0')
        return;
    if ((f = fopen(path, "rb")) == NULL) {
        printf("Unable to read the roots in %s. Exiting.\n", path);
        exit(1);
    }
    len = fread(blob, 1, sizeof(blob), f);
    fclose(f);
    if ((err = zts_init_set_roots(blob, (unsigned int)len)) != ZTS_ERR_OK) {
        printf("Unable to use the roots in %s, error = %d. Exiting.\n", path, err);
        exit(1);
    }
    printf("Using the roots in %s (%u bytes)\n", path, (unsigned int)len);
}

/* Starts the node with the settings recorded so far and waits (polling every 50 ms) until it
 * is online.  Exits with 1 if it cannot start. */
static inline void start_node(void)
{
    int err;

    printf("Starting node...\n");
    if ((err = zts_node_start()) != ZTS_ERR_OK) {
        printf("Unable to start service, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Waiting for node to come online\n");
    while (!zts_node_is_online())
        zts_util_delay(50);
}

/* Joins |net_id| (the caller has said so) and waits, polling every 50 ms, until its transport
 * is ready.  With |remind|, first reminds the user to authorize the node, as libzt's examples
 * do on a network with a controller.  Exits with 1 if the library refuses the join. */
static inline void join_network(uint64_t net_id, int remind)
{
    int err;

    if ((err = zts_net_join(net_id)) != ZTS_ERR_OK) {
        printf("Unable to join network, error = %d. Exiting.\n", err);
        exit(1);
    }
    if (remind)
        printf("Don't forget to authorize this device in my.zerotier.com or the web API!\n");
    printf("Waiting for join to complete\n");
    while (zts_net_transport_is_ready(net_id) != 1)
        zts_util_delay(50);
}

/* Waits, polling every 50 ms, until |net_id| has given the node an address of |family|
 * (ZTS_AF_INET or ZTS_AF_INET6), then writes it into |ip| (|len| bytes).  Returns
 * zts_addr_get_str's result. */
static inline int wait_addr(uint64_t net_id, int family, char *ip, unsigned int len)
{
    while (zts_addr_is_assigned(net_id, (unsigned int)family) != 1)
        zts_util_delay(50);
    return zts_addr_get_str(net_id, (unsigned int)family, ip, len);
}

/* The <ip> and <port> arguments of the four programs with a storage directory: sets *pfamily
 * to <ip>'s family and returns the port.  Prints "Invalid address or port: <ip> <port>.
 * Exiting." and exits with 1 unless <ip> is an IPv4 or IPv6 address and <port> 1 to 65535. */
static inline unsigned short parse_ip_port(const char *ip, const char *port, int *pfamily)
{
    unsigned long n = strtoul(port, NULL, 10);
    int family = zts_util_get_ip_family(ip);

    if ((family != ZTS_AF_INET && family != ZTS_AF_INET6) || n == 0 || n > 65535) {
        printf("Invalid address or port: %s %s. Exiting.\n", ip, port);
        exit(1);
    }
    *pfamily = family;
    return (unsigned short)n;
}

/* The start of the four programs with a storage directory, whose arguments are <storage_dir>
 * <net_id> <ip> <port>: checks them (|title| and |usage| for check_usage(); parse_ip_port()),
 * makes <storage_dir> the node's home, starts the node, joins <net_id> and waits for an
 * address of <ip>'s family, printing the node ID and that address ("This node's address on
 * network <net_id> is <address>").  |is_chatty|: also the two lines libzt's server and client
 * print (the reminder to authorize the node, and "Waiting for an IPv4 address").  Returns
 * <port>; exits (check_usage, parse_ip_port, start_node, join_network) otherwise. */
static inline unsigned short start_storage_node(int argc, char **argv, const char *title,
                                                const char *usage, int is_chatty)
{
    char ip[ZTS_IP_MAX_STR_LEN] = {0};
    unsigned short port;
    uint64_t net_id;
    int family;

    check_usage(argc == 5, title, usage);
    port = parse_ip_port(argv[3], argv[4], &family);
    net_id = strtoull(argv[2], NULL, 16);
    zts_init_from_storage(argv[1]);
    start_node();
    printf("Public identity (node ID) is %llx\n", (unsigned long long)zts_node_get_id());
    printf("Joining network %llx\n", (unsigned long long)net_id);
    join_network(net_id, is_chatty);
    if (is_chatty)
        printf("Waiting for an %s address\n", family == ZTS_AF_INET ? "IPv4" : "IPv6");
    wait_addr(net_id, family, ip, sizeof(ip));
    printf("This node's address on network %llx is %s\n", (unsigned long long)net_id, ip);
    return port;
}

/* The end of server and client: prints |closing| (the line saying which socket), closes |fd|,
 * stops the node and returns main()'s exit status, 0 if |rv| (the exchange's result) is 0,
 * else 1. */
static inline int close_and_stop(int fd, const char *closing, int rv)
{
    printf("%s\n", closing);
    zts_close(fd);
    printf("Shutting down service\n");
    zts_node_stop();
    return rv == 0 ? 0 : 1;
}

/* The NODE_ONLINE line of the programs with an event handler; |msg| is the event's, valid
 * during the handler only. */
static inline void print_node_online(const zts_event_msg_t *msg)
{
    printf("ZTS_EVENT_NODE_ONLINE --- This node's ID is %llx\n",
           (unsigned long long)msg->node->node_id);
}

/* The programs that run until killed end here: the node goes on in its own threads. */
_Noreturn static inline void sleep_forever(void)
{
    for (;;)
        zts_util_delay(500);
}

/* Prints "Node will now idle..." and idles until killed. */
_Noreturn static inline void idle(void)
{
    printf("Node will now idle...\n");
    sleep_forever();
}

/* Prints "Node <id> is now online. Idling." and idles until killed. */
_Noreturn static inline void idle_online(void)
{
    printf("Node %llx is now online. Idling.\n", (unsigned long long)zts_node_get_id());
    sleep_forever();
}

#endif
