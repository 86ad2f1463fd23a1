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

/* Set by on_event() on the library's event thread, polled by main(): _Atomic makes the
 * hand-over between the two threads well defined. */
static _Atomic int node_ready;
static _Atomic int network_ready;

/* Prints the address of an ADDR event; |af| says which overlay to read it through. */
static void print_addr(const char *name, int af, const struct zts_addr_details *ad)
{
    char ip[ZTS_INET6_ADDRSTRLEN];

    if (af == ZTS_AF_INET) {
        const struct zts_sockaddr_in *in4 = (const struct zts_sockaddr_in *)&ad->addr;
        zts_inet_ntop(ZTS_AF_INET, &in4->sin_addr, ip, sizeof(ip));
    } else {
        const struct zts_sockaddr_in6 *in6 = (const struct zts_sockaddr_in6 *)&ad->addr;
        zts_inet_ntop(ZTS_AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
    }
    printf("%s --- This node's virtual address on network %llx is %s\n", name,
           (unsigned long long)ad->nwid, ip);
}

/* Called by the library on its event thread, once per event; |arg| is only valid during
 * the call. */
static void on_event(void *arg)
{
    struct zts_callback_msg *msg = (struct zts_callback_msg *)arg;

    switch (msg->eventCode) {
    case ZTS_EVENT_NODE_ONLINE:
        printf("ZTS_EVENT_NODE_ONLINE --- This node's ID is %llx\n",
               (unsigned long long)msg->node->address);
        node_ready = 1;
        break;
    case ZTS_EVENT_NODE_OFFLINE:
        printf("ZTS_EVENT_NODE_OFFLINE --- Check your physical Internet connection, router, "
               "firewall, etc. What ports are you blocking?\n");
        break;
    case ZTS_EVENT_NODE_NORMAL_TERMINATION:
        printf("ZTS_EVENT_NODE_NORMAL_TERMINATION\n");
        break;
    case ZTS_EVENT_NETWORK_NOT_FOUND:
        printf("ZTS_EVENT_NETWORK_NOT_FOUND --- Are you sure %llx is a valid network?\n",
               (unsigned long long)msg->network->nwid);
        break;
    case ZTS_EVENT_NETWORK_REQ_CONFIG:
        printf("ZTS_EVENT_NETWORK_REQ_CONFIG --- Requesting config for network %llx, "
               "please wait a few seconds...\n",
               (unsigned long long)msg->network->nwid);
        break;
    case ZTS_EVENT_NETWORK_ACCESS_DENIED:
        printf("ZTS_EVENT_NETWORK_ACCESS_DENIED --- Access to virtual network %llx has been "
               "denied. Did you authorize the node yet?\n",
               (unsigned long long)msg->network->nwid);
        break;
    case ZTS_EVENT_NETWORK_READY_IP4:
        printf("ZTS_EVENT_NETWORK_READY_IP4 --- Network config received. IPv4 traffic can "
               "now be sent over network %llx\n",
               (unsigned long long)msg->network->nwid);
        network_ready = 1;
        break;
    case ZTS_EVENT_NETWORK_READY_IP6:
        printf("ZTS_EVENT_NETWORK_READY_IP6 --- Network config received. IPv6 traffic can "
               "now be sent over network %llx\n",
               (unsigned long long)msg->network->nwid);
        network_ready = 1;
        break;
    case ZTS_EVENT_NETWORK_DOWN:
        printf("ZTS_EVENT_NETWORK_DOWN --- %llx\n", (unsigned long long)msg->network->nwid);
        break;
    case ZTS_EVENT_ADDR_ADDED_IP4:
        print_addr("ZTS_EVENT_ADDR_NEW_IP4", ZTS_AF_INET, msg->addr);
        break;
    case ZTS_EVENT_ADDR_ADDED_IP6:
        print_addr("ZTS_EVENT_ADDR_NEW_IP6", ZTS_AF_INET6, msg->addr);
        break;
    case ZTS_EVENT_ADDR_REMOVED_IP4:
        print_addr("ZTS_EVENT_ADDR_REMOVED_IP4", ZTS_AF_INET, msg->addr);
        break;
    case ZTS_EVENT_ADDR_REMOVED_IP6:
        print_addr("ZTS_EVENT_ADDR_REMOVED_IP6", ZTS_AF_INET6, msg->addr);
        break;
    case ZTS_EVENT_PEER_DIRECT:
        printf("ZTS_EVENT_PEER_DIRECT --- A direct path is known for %llx\n",
               (unsigned long long)msg->peer->address);
        break;
    case ZTS_EVENT_PEER_RELAY:
        printf("ZTS_EVENT_PEER_RELAY --- No direct path to %llx\n",
               (unsigned long long)msg->peer->address);
        break;
    default:
        break;
    }
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

    if (argc != 6) {
        printf("\nlibzt example client\n");
        printf("client <config_file_path> <nwid> <remoteAddr> <remotePort> <ztServicePort>\n");
        exit(0);
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, even into a pipe or a file */
    nwid = strtoull(argv[2], NULL, 16);
    service_port = (uint16_t)strtoul(argv[5], NULL, 10);

    /* sin_len and sin_zero are left unset on purpose, as in the original example: the
     * library ignores them (api.md 4.2). */
    addr.sin_port = zts_htons((uint16_t)strtoul(argv[4], NULL, 10));
#if defined(_WIN32)
    addr.sin_addr.S_addr = zts_inet_addr(argv[3]);
#else
    addr.sin_addr.s_addr = zts_inet_addr(argv[3]);
#endif
    addr.sin_family = ZTS_AF_INET;

    if ((err = zts_start(argv[1], on_event, service_port)) != ZTS_ERR_OK) {
        printf("Unable to start service, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Waiting for node to come online...\n");
    while (!node_ready)
        zts_delay_ms(50);
    printf("This node's identity is stored in %s\n", argv[1]);

    if ((err = zts_join(nwid)) != ZTS_ERR_OK) {
        printf("Unable to join network, error = %d. Exiting.\n", err);
        exit(1);
    }
    printf("Joining network %llx\n", (unsigned long long)nwid);
    printf("Don't forget to authorize this device in my.zerotier.com or the web API!\n");
    while (!network_ready)
        zts_delay_ms(50);

    if ((fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0)) < 0) {
        printf("Error creating ZeroTier socket (fd=%d, zts_errno=%d). Exiting.\n", fd,
               zts_errno);
        exit(1);
    }
    /* Until the peer's path is set up a connect may fail (unreachable, reset, timed out):
     * start over with a new socket. */
    for (;;) {
        printf("Connecting to remote host...\n");
        err = zts_connect(fd, (const struct zts_sockaddr *)&addr, sizeof(addr));
        if (err >= 0)
            break;
        printf("Error connecting to remote host (fd=%d, ret=%d, zts_errno=%d). Trying "
               "again.\n",
               fd, err, zts_errno);
        zts_close(fd);
        printf("Creating socket...\n");
        if ((fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0)) < 0) {
            printf("Error creating ZeroTier socket (fd=%d, zts_errno=%d). Exiting.\n", fd,
                   zts_errno);
            exit(1);
        }
        zts_delay_ms(250);
    }
    printf("Connected.\n");

    printf("Sending message string to server...\n");
    if ((n = zts_write(fd, msg, strlen(msg))) < 0) {
        printf("Error writing to socket (fd=%d, ret=%d, zts_errno=%d). Exiting.\n", fd, (int)n,
               zts_errno);
        exit(1);
    }
    printf("Sent %d bytes: %s\n", (int)n, msg);

    printf("Reading message string from server...\n");
    memset(buf, 0, sizeof(buf));
    if ((n = zts_read(fd, buf, sizeof(buf))) < 0) {
        printf("Error reading from socket (fd=%d, ret=%d, zts_errno=%d). Exiting.\n", fd,
               (int)n, zts_errno);
        exit(1);
    }
    printf("Read %d bytes: %.*s\n", (int)n, (int)n, buf);

    printf("Closing socket\n");
    zts_close(fd);
    printf("Shutting down service\n");
    zts_stop();
    return 0;
}
