/*
 * bench_zts: libzt end to end.  Two library nodes in two processes talk TCP through the zts_*
 * API (include/ZeroTierSockets.h) over ZeroTier on loopback UDP; every figure is printed beside
 * the same measurement done in the same run by the same code with kernel TCP over 127.0.0.1.
 * Not a test: benchmarks report, they never fail on a missed target.  Release build:
 *
 *   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DZT_BUILD_LWIP=ON
 *   cmake --build build/bench -j2 --target zt-service zt-idtool zt-ctltool bench_zts \
 *         bench_zts_modern
 *   bash bench/bench_zts.sh [--build build/bench] [--seconds S] [--cold N] [--libzt-only]
 *                           [--no-modern | --modern-only] [--profile [--perf-out DIR]]
 *
 * The same measurements of the modern API (libzt 1.8's, include/libzt-modern/) are
 * bench_zts_modern (bench/bench_zts_modern.c); the code they share, everything but the
 * library's start, join, events and socket calls, is bench/bench_zts_common.c,
 * bench_zts_measure.c and bench_zts_peer.c.  The script runs both and prints one table:
 * kernel TCP, libzt 1.3 and libzt-modern, each with its ratio to the kernel.
 *
 * The script builds the private world (bench/bench_zts.sh: identities, planet naming a root at
 * 127.0.0.1, the root = controller as zt-service, a private network with every member
 * authorized ahead) and runs
 *
 *   bench_zts run [-t seconds] [-c cold_runs] [-P | -L] [-K] [-o FILE] WORLD NWID
 *   bench_zts table FILE
 *
 * WORLD holds the homes a/ (this process's node), b/ (the peer node) and cold1/..coldN/ (each
 * with only identity.secret, identity.public and planet).  Roles, all this one binary:
 *
 *   run                the orchestrator: kernel suite, start timing, libzt suite, the table
 *   peer-kernel FD     the kernel peer (127.0.0.1, ephemeral ports); FD is the control socket
 *   peer HOME NWID FD  the library peer node (ports 5001-5004 on its ZeroTier address)
 *   start HOME NWID    zts_start -> NETWORK_READY_IP4 (and ONLINE), then VmRSS; prints both
 *
 * A peer serves: a sink (reads to EOF, answers the byte count as 8 bytes), an echo, an
 * accept-and-close port (connect time) and an accept-and-hold port (idle connections).  It
 * takes commands over a socketpair (rss, heap, threads, held, drop, quit), never over the
 * network measured.
 *
 * Figures (ratio = library / kernel):
 *   single stream      one connection, 128 KiB sends for S seconds (default 3), then SHUT_WR;
 *                      the sink's count arrives after the last byte: bytes * 8 / elapsed
 *   CPU per byte       user + system time of every thread of both processes over the single
 *                      stream, per byte: steadier than Gbit/s when other work shares the cores
 *   8 streams          the same on 8 connections at once (8 threads), sum / slowest elapsed
 *   ping-pong          1 byte there and back, TCP_NODELAY both ends; median and p99 of up to
 *                      20,000 round trips or 2 s
 *   connect            blocking connect() to the accept-and-close port, 200 times: median
 *   start (libzt)      in a fresh process: zts_start -> ZTS_EVENT_NETWORK_READY_IP4 as the event
 *                      callback sees it; cold = home with identity + planet only; warm = the
 *                      same home again (networks.d/<nwid>.conf and peers.d cached)
 *   idle RSS           VmRSS of the start processes 0.5 s after ONLINE + READY_IP4 (median);
 *                      baseline: the kernel peer process before any traffic
 *   RSS / 1000 conns   VmRSS growth of the connecting and of the accepting process when 1,000
 *                      idle connections are open (kernel: user space only; the kernel's own
 *                      socket memory is not in VmRSS); beside it malloc's bytes in use (both
 *                      libzt processes) against the host's Slab growth (kernel sockets)
 *
 * Around the streams it also prints, for diagnosis: the host's UDP counters (datagrams,
 * receive-buffer drops), the CPU of every thread of both processes (/proc/self/task) and the
 * CPU cost per byte, which moves far less than Gbit/s when other work shares the machine.
 *
 * -P (profiling): only the libzt single stream, for perf record (bench_zts.sh --profile).
 * -L: only the libzt socket figures (no kernel baseline, no start timing, no table), for
 * comparing builds quickly (bench_zts.sh --libzt-only).  -K: no kernel baseline.  -o FILE:
 * append the figures to FILE (one line per column) instead of printing the table; `table FILE`
 * prints the table of such a file (the script's three-column table).
 * ZT_BENCH_TRACE=1 prints every event of the library nodes on stderr with its time since
 * zts_start.  Clock: CLOCK_MONOTONIC.  alarm() bounds every process.  MB in this program is MiB.
 */
#include <stdbool.h>
#include <stdint.h>

#include "ZeroTierSockets.h"
#include "bench_zts_common.h"

#define BZ_SOCK(name) zts_##name
#define BZ_NET_NAME "libzt"
#include "bench_zts_zsock.h"

static const bz_evmap kinds[] = {
    {ZTS_EVENT_NODE_ONLINE, BZ_EV_ONLINE},
    {ZTS_EVENT_NETWORK_READY_IP4, BZ_EV_READY4},
    {ZTS_EVENT_ADDR_ADDED_IP4, BZ_EV_ADDR4},
    {ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, BZ_EV_FAILED},
    {ZTS_EVENT_NETWORK_ACCESS_DENIED, BZ_EV_FAILED},
    {ZTS_EVENT_NETWORK_NOT_FOUND, BZ_EV_FAILED},
};

/* The library's event thread: what the benchmark waits for goes to bz_event. */
static void on_event(void *arg)
{
    const struct zts_callback_msg *m = arg;
    bz_evkind kind = bz_kind_of(m->eventCode, kinds, sizeof(kinds) / sizeof(kinds[0]));
    uint64_t x = 0;

    if (kind == BZ_EV_ONLINE && m->node != NULL)
        x = m->node->address;
    if (kind == BZ_EV_ADDR4 && m->addr != NULL)
        x = ((const struct zts_sockaddr_in *)&m->addr->addr)->sin_addr.s_addr;
    if (kind == BZ_EV_ADDR4 && m->addr == NULL)
        kind = BZ_EV_OTHER;
    bz_event(m->eventCode, kind, x);
}

static int start(const char *home)
{
    return zts_start(home, on_event, 0);
}

static int join(uint64_t nwid)
{
    return zts_join(nwid);
}

static bool is_direct(uint64_t peer_id)
{
    return zts_get_peer_status(peer_id) == ZTS_EVENT_PEER_DIRECT;
}

int main(int argc, char **argv)
{
    static const bz_lib lib = {"libzt", "zts_start", "", &zts_net, start, join, is_direct};

    return bz_main(&lib, argc, argv);
}
