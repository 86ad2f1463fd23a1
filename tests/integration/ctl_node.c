/*
 * ctl_node: an application that controls its own network (controller mode, issue 8).  It
 * starts a node with zts_start, attaches the controller (zts_controller_attach), creates a
 * private network with an IPv4 pool, authorizes itself and the node given on the command line,
 * joins the network and serves a TCP echo on |port| until |stopfile| exists.
 *
 * usage: ctl_node <home> <port> <member node id, hex> <stopfile>
 * Prints "network <nwid>" and then "ready ip4=<address>"; exits 0 after the stop file appears,
 * 1 on any failure, 3 when its alarm (120 s) fires.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ZeroTierSockets.h"
#include "zts_controller.h"

static atomic_int online, ready4;
static atomic_uint_least64_t ready_nwid;

static void on_event(void *p)
{
    struct zts_callback_msg *m = p;

    if (m->eventCode == ZTS_EVENT_NODE_ONLINE)
        atomic_store(&online, 1);
    if (m->eventCode == ZTS_EVENT_NETWORK_READY_IP4 && m->network != NULL) {
        atomic_store(&ready_nwid, m->network->nwid);
        atomic_store(&ready4, 1);
    }
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(const char *what, int rv)
{
    printf("FAIL %s (%d, zts_errno %d)\n", what, rv, zts_errno);
    return 1;
}

static int serve(int port, const char *stopfile)
{
    struct zts_sockaddr_in a;
    struct zts_timeval tv = {1, 0};
    int fd;

    memset(&a, 0, sizeof(a));
    a.sin_family = ZTS_AF_INET;
    a.sin_port = zts_htons((uint16_t)port);
    fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0);
    if (fd < 0 || zts_bind(fd, (struct zts_sockaddr *)&a, sizeof(a)) != 0 ||
        zts_listen(fd, 8) != 0)
        return fail("listen", fd);
    /* accept wakes every second to look for the stop file */
    zts_setsockopt(fd, ZTS_SOL_SOCKET, ZTS_SO_RCVTIMEO, &tv, sizeof(tv));
    while (access(stopfile, F_OK) != 0) {
        char buf[256];
        ssize_t n;
        int c = zts_accept(fd, NULL, NULL);
        if (c < 0)
            continue;
        zts_setsockopt(c, ZTS_SOL_SOCKET, ZTS_SO_RCVTIMEO, &tv, sizeof(tv));
        while ((n = zts_read(c, buf, sizeof(buf))) > 0)
            if (zts_write(c, buf, (size_t)n) != n)
                break;
        zts_close(c);
        printf("served\n");
        fflush(stdout);
    }
    zts_close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    zts_controller *ctl = NULL;
    uint64_t nwid = 0, member, self;
    char ip[ZTS_INET_ADDRSTRLEN];
    struct zts_network_details nd;
    int rv;

    if (argc != 5) {
        fprintf(stderr, "usage: ctl_node <home> <port> <member node id, hex> <stopfile>\n");
        return 2;
    }
    alarm(120);
    member = strtoull(argv[3], NULL, 16);
    if ((rv = zts_start(argv[1], on_event, 0)) != ZTS_ERR_OK)
        return fail("zts_start", rv);
    while (!atomic_load(&online))
        zts_delay_ms(20);
    self = zts_get_node_id();

    if ((rv = zts_controller_attach(&ctl)) != ZTS_CONTROLLER_OK)
        return fail("zts_controller_attach", rv);
    rv = zts_controller_network_create(
        ctl,
        "{\"name\":\"controlled-by-an-app\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"
        "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.91.0.10\",\"ipRangeEnd\":\"10.91.0.50\"}],"
        "\"routes\":[{\"target\":\"10.91.0.0/24\"}],\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}",
        wall_ms(), &nwid, NULL);
    if (rv != ZTS_CONTROLLER_OK)
        return fail(zts_controller_last_error(ctl), rv);
    if ((rv = zts_controller_member_set_authorized(ctl, nwid, self, true, wall_ms())) != 0 ||
        (rv = zts_controller_member_set_authorized(ctl, nwid, member, true, wall_ms())) != 0)
        return fail(zts_controller_last_error(ctl), rv);
    printf("network %016" PRIx64 "\n", nwid);
    fflush(stdout);

    if ((rv = zts_join(nwid)) != ZTS_ERR_OK)
        return fail("zts_join", rv);
    while (!atomic_load(&ready4) || atomic_load(&ready_nwid) != nwid)
        zts_delay_ms(20);
    if ((rv = zts_get_network_details(nwid, &nd)) != ZTS_ERR_OK || nd.num_addresses < 1)
        return fail("zts_get_network_details", rv);
    for (int i = 0; i < nd.num_addresses; i++) {
        struct zts_sockaddr_in in;
        memcpy(&in, &nd.addr[i], sizeof(in));
        if (in.sin_family == ZTS_AF_INET)
            zts_inet_ntop(ZTS_AF_INET, &in.sin_addr, ip, sizeof(ip));
    }
    printf("ready ip4=%s\n", ip);
    fflush(stdout);

    rv = serve(atoi(argv[2]), argv[4]);
    zts_controller_del(ctl);
    zts_stop();
    return rv;
}
