/*
 * bench_zts_common.h: what bench_zts (the 1.3 API) and bench_zts_modern (the modern API) share.
 * The two programs cannot be one (the APIs' names clash), so each is a thin file giving a
 * bz_lib: how to start its node, join, and its BSD-style socket calls (bench_zts_zsock.h).
 * Everything else is shared code in three files (bench_zts_internal.h): bench_zts_peer.c (time,
 * /proc readings, the kernel baseline's sockets, the peer process and its services, child
 * processes), bench_zts_measure.c (the measurements, the node bring-up and bz_event) and
 * bench_zts_common.c (the results, the table, the start timing and the command line: bz_main).
 * See the header of bench/bench_zts.c for the figures and bench/bench_zts.sh for the world.
 */
#ifndef BENCH_ZTS_COMMON_H
#define BENCH_ZTS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BZ_NODE_WAIT_MS 20000

/* One socket flavour: kernel TCP or a library's stack. */
typedef struct net_ops {
    const char *name;
    int (*listen_on)(uint32_t ip, uint16_t port);  /* |ip| network order; returns fd or -1 */
    uint16_t (*port_of)(int fd); /* the port a listener got (ephemeral ports only) */
    int (*accept_one)(int lfd);
    int (*connect_to)(uint32_t ip, uint16_t port);
    ssize_t (*send_some)(int fd, const void *buf, size_t len);
    ssize_t (*recv_some)(int fd, void *buf, size_t len);
    int (*shut_wr)(int fd);
    int (*close_fd)(int fd);
    int (*nodelay)(int fd);
} net_ops;

/* One library: its column and how to drive its node. */
typedef struct bz_lib {
    const char *key;         /* results column: "libzt" (1.3) or "modern" */
    const char *start_call;  /* for progress lines: "zts_start", "zts_node_start" */
    const char *home_prefix; /* its homes in WORLD: <prefix>a, <prefix>b, <prefix>cold<i> */
    const net_ops *net;
    int (*start)(const char *home);  /* starts the node (events to bz_event); 0 or an error */
    int (*join)(uint64_t nwid);      /* called once the node is online; 0 or an error */
    bool (*is_direct)(uint64_t peer_id);
} bz_lib;

/* What a library's event handler reports (bz_event); the rest of its events are ignored. */
typedef enum bz_evkind {
    BZ_EV_OTHER,  /* traced only */
    BZ_EV_ONLINE, /* |arg|: the node ID */
    BZ_EV_READY4, /* the network is ready for IPv4 */
    BZ_EV_ADDR4,  /* |arg|: an IPv4 address of the node, network order */
    BZ_EV_DIRECT, /* |arg|: a peer now reached directly */
    BZ_EV_RELAY,  /* |arg|: a peer now relayed */
    BZ_EV_FAILED  /* the node or the network failed */
} bz_evkind;

/* A library's event code and what it means here; bz_kind_of looks |code| up in |map|. */
typedef struct bz_evmap {
    int code;
    bz_evkind kind;
} bz_evmap;

bz_evkind bz_kind_of(int code, const bz_evmap *map, size_t n);

/* Called by a library's event handler (any thread); |code| is the library's event code. */
void bz_event(int code, bz_evkind kind, uint64_t arg);

/* Whether a BZ_EV_DIRECT came for |peer_id| after its last BZ_EV_RELAY. */
bool bz_peer_direct(uint64_t peer_id);

int64_t bz_now_ns(void);
void bz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The whole program: `run`, `table`, and the child roles (see bench/bench_zts.c). */
int bz_main(const bz_lib *lib, int argc, char **argv);

#endif
