/*
 * bench_zts_modern: bench_zts's measurements through the modern API (libzt 1.8's,
 * include/libzt-modern/ZeroTierSockets.h, linked with libzt-modern.a), so that its figures
 * stand beside the 1.3 library's and kernel TCP's in one table.  Release build:
 *
 *   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DZT_BUILD_LWIP=ON
 *   cmake --build build/bench -j2 --target zt-service zt-idtool zt-ctltool bench_zts \
 *         bench_zts_modern
 *   bash bench/bench_zts.sh --build build/bench          # all three columns
 *
 *   bench_zts_modern run [-t seconds] [-c cold_runs] [-P | -L] [-K] [-o FILE] WORLD NWID
 *
 * Everything but the node is bench_zts's code (bench/bench_zts_{common,measure,peer}.c; the figures
 * are described in the header of bench/bench_zts.c): the same peer process, services, streams,
 * ping-pong, connects, idle connections, cold and warm starts in fresh processes and table.  What
 * differs is the library's side:
 *
 *   homes       WORLD/ma (this process's node), WORLD/mb (the peer node), WORLD/mcold1..N, in
 *               the modern storage layout: identity.secret, identity.public and `roots` (the
 *               world's planet under the name the modern API reads)
 *   start       zts_init_from_storage(home), zts_init_set_event_handler, zts_node_start; the
 *               clock starts just before the first of these calls
 *   join        zts_net_join from the waiting thread once ZTS_EVENT_NODE_ONLINE arrived (as
 *               the 1.3 program joins; a cached network is re-joined by the library at start)
 *   ready       ZTS_EVENT_NETWORK_READY_IP4 plus ZTS_EVENT_ADDR_ADDED_IP4 (the node's address)
 *   sockets     zts_bsd_socket/bind/listen/accept/connect/send/recv/shutdown/close/setsockopt
 *               (bench_zts_zsock.h): the simplified zts_connect sleeps 250 ms per attempt by
 *               contract (api-modern.md 5.8), which would measure the sleep, not the stack
 *   direct path ZTS_EVENT_PEER_DIRECT for the peer node (the modern API has no peer-status
 *               query outside zts_core_*)
 */
#include <stdbool.h>
#include <stdint.h>

#include "ZeroTierSockets.h" /* the modern header: include/libzt-modern comes first */
#include "bench_zts_common.h"

#define BZ_SOCK(name) zts_bsd_##name
#define BZ_NET_NAME "modern"
#include "bench_zts_zsock.h"

static const bz_evmap kinds[] = {
    {ZTS_EVENT_NODE_ONLINE, BZ_EV_ONLINE},
    {ZTS_EVENT_NETWORK_READY_IP4, BZ_EV_READY4},
    {ZTS_EVENT_ADDR_ADDED_IP4, BZ_EV_ADDR4},
    {ZTS_EVENT_PEER_DIRECT, BZ_EV_DIRECT},
    {ZTS_EVENT_PEER_RELAY, BZ_EV_RELAY},
    {ZTS_EVENT_NODE_FATAL_ERROR, BZ_EV_FAILED},
    {ZTS_EVENT_NETWORK_ACCESS_DENIED, BZ_EV_FAILED},
    {ZTS_EVENT_NETWORK_NOT_FOUND, BZ_EV_FAILED},
};

/* The library's delivery thread: what the benchmark waits for goes to bz_event.  Exactly the
 * payload of the code's range is set (node, addr, peer). */
static void on_event(void *arg)
{
    const zts_event_msg_t *m = arg;
    bz_evkind kind = bz_kind_of(m->event_code, kinds, sizeof(kinds) / sizeof(kinds[0]));
    uint64_t x = 0;

    if (m->node != NULL)
        x = m->node->node_id;
    else if (m->addr != NULL)
        x = ((const struct zts_sockaddr_in *)&m->addr->addr)->sin_addr.s_addr;
    else if (m->peer != NULL)
        x = m->peer->peer_id;
    else if (kind == BZ_EV_ADDR4 || kind == BZ_EV_DIRECT || kind == BZ_EV_RELAY)
        kind = BZ_EV_OTHER; /* no payload: nothing to note */
    bz_event(m->event_code, kind, x);
}

static int start(const char *home)
{
    int rv = zts_init_from_storage(home);

    if (rv == ZTS_ERR_OK)
        rv = zts_init_set_event_handler(on_event);
    if (rv == ZTS_ERR_OK)
        rv = zts_node_start();
    return rv;
}

static int join(uint64_t nwid)
{
    return zts_net_join(nwid);
}

int main(int argc, char **argv)
{
    static const bz_lib lib = {"modern", "zts_node_start", "m", &zts_net,
                               start,    join,             bz_peer_direct};

    return bz_main(&lib, argc, argv);
}
