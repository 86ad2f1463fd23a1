/*
 * test_zts_control.c: the zts_* control calls without a network (api.md §5.0-§5.6, §6):
 * argument checks before the service gate, every call's answer in every state (idle, running
 * but offline, stopping, freed), the event sequence of start/stop cycles with filled details,
 * a port that cannot be bound, an identity.secret that is a FIFO (issue 9), settings kept
 * across runs, local.conf when allowed (issue 12), and zts_free being final.
 *
 * The node's planet names one root on 127.0.0.1 at a port nobody listens on, so the node runs
 * but never comes online; nothing leaves this host.  One process, one stack: the cases run in
 * order (cmocka), and the last one frees the service.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ZeroTierSockets.h"
#include "codec/identity.h"
#include "codec/world.h"

#define MAX_EVENTS 256

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int codes[MAX_EVENTS];
static uint64_t node_addr[MAX_EVENTS];
static uint16_t node_port[MAX_EVENTS];
static unsigned nevents;
static char home[256];

static void on_event(void *p)
{
    struct zts_callback_msg *m = p;

    pthread_mutex_lock(&mu);
    if (nevents < MAX_EVENTS) {
        codes[nevents] = m->eventCode;
        node_addr[nevents] = m->node != NULL ? m->node->address : 0;
        node_port[nevents] = m->node != NULL ? m->node->primaryPort : 0;
        /* api.md §6.2: only the detail of the event's category may be set */
        if (m->eventCode >= 200 && m->eventCode <= 206)
            node_addr[nevents] |= (m->network || m->netif || m->peer || m->addr) ? 1ull << 63 : 0;
        nevents++;
    }
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&mu);
}

/* Waits (at most 10 s) for event |code| at or after index |from|; returns its index or -1. */
static int wait_event(int code, unsigned from)
{
    struct timespec dl;
    int found = -1;

    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    pthread_mutex_lock(&mu);
    for (;;) {
        for (unsigned i = from; i < nevents && found < 0; i++)
            if (codes[i] == code)
                found = (int)i;
        if (found >= 0 || pthread_cond_timedwait(&cond, &mu, &dl) != 0)
            break;
    }
    pthread_mutex_unlock(&mu);
    return found;
}

static unsigned event_count(void)
{
    unsigned n;

    pthread_mutex_lock(&mu);
    n = nevents;
    pthread_mutex_unlock(&mu);
    return n;
}

/* After the previous test's run has settled, starts the node; returns the event count before
 * the start, once NODE_UP has come. */
static unsigned start_node_up(void)
{
    unsigned base;

    usleep(300 * 1000);
    base = event_count();
    assert_int_equal(zts_start(home, on_event, 0), ZTS_ERR_OK);
    assert_true(wait_event(ZTS_EVENT_NODE_UP, base) >= 0);
    return base;
}

/* A planet naming a root (a fresh identity) at 127.0.0.1/|port|. */
static void write_planet(const char *dir, uint16_t port)
{
    zt_identity root;
    zt_world *w = calloc(1, sizeof(*w));
    uint8_t buf[ZT_WORLD_MAX_SERIALIZED], sec[ZT_IDENTITY_KEY_LEN] = {0};
    char path[300];
    zt_ssize len;
    FILE *f;

    assert_non_null(w);
    assert_int_equal(zt__identity_generate(&root, NULL), 0);
    w->type = ZT_WORLD_TYPE_PLANET;
    w->id = 0xc0ffee99;
    w->timestamp = 1;
    w->nroots = 1;
    w->roots[0].identity = root;
    w->roots[0].identity.has_secret = false;
    memset(w->roots[0].identity.sec, 0, sizeof(w->roots[0].identity.sec));
    w->roots[0].nendpoints = 1;
    w->roots[0].endpoints[0].family = 4;
    w->roots[0].endpoints[0].ip[0] = 127;
    w->roots[0].endpoints[0].ip[3] = 1;
    w->roots[0].endpoints[0].port = port;
    memcpy(w->update_key, root.pub, sizeof(w->update_key));
    memcpy(sec, root.sec, sizeof(sec));
    assert_int_equal(zt__world_sign(w, sec), 0);
    len = zt__world_write(w, false, buf, sizeof(buf));
    assert_true(len > 0);
    snprintf(path, sizeof(path), "%s/planet", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    free(w);
}

/* ---- before any start --------------------------------------------------------------------- */

static void test_idle(void **state)
{
    struct zts_network_details nd;
    struct zts_peer_details pd;
    struct zts_stats_proto sp;
    uint32_t n = 1;
    int num = 1;

    (void)state;
    assert_int_equal(zts_get_node_status(), ZTS_EVENT_NODE_OFFLINE);
    assert_int_equal(zts_get_node_id(), 0);
    assert_int_equal(zts_stop(), ZTS_ERR_SERVICE);
    assert_int_equal(zts_restart(), ZTS_ERR_SERVICE);
    /* argument checks come before the service gate */
    assert_int_equal(zts_start(NULL, on_event, 0), ZTS_ERR_ARG);
    assert_int_equal(zts_start("", on_event, 0), ZTS_ERR_ARG);
    assert_int_equal(zts_start(home, NULL, 0), ZTS_ERR_ARG);
    assert_int_equal(zts_join(0), ZTS_ERR_ARG);
    assert_int_equal(zts_join(0x1122334455000001ull), ZTS_ERR_SERVICE);
    assert_int_equal(zts_leave(0x1122334455000001ull), ZTS_ERR_SERVICE);
    assert_int_equal(zts_leave_all(), ZTS_ERR_SERVICE);
    assert_int_equal(zts_orbit(1, 2), ZTS_ERR_SERVICE);
    assert_int_equal(zts_deorbit(1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_get_network_details(0, &nd), ZTS_ERR_ARG);
    assert_int_equal(zts_get_network_details(1, NULL), ZTS_ERR_ARG);
    assert_int_equal(zts_get_network_details(1, &nd), ZTS_ERR_SERVICE);
    assert_int_equal(zts_get_all_network_details(NULL, &num), ZTS_ERR_ARG);
    assert_int_equal(zts_get_all_network_details(&nd, NULL), ZTS_ERR_ARG);
    assert_int_equal(zts_get_network_status(0), ZTS_ERR_ARG);
    assert_int_equal(zts_get_network_status(1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_get_peers(NULL, &n), ZTS_ERR_ARG);
    assert_int_equal(zts_get_peers(&pd, NULL), ZTS_ERR_ARG);
    assert_int_equal(zts_get_peers(&pd, &n), ZTS_ERR_SERVICE);
    assert_int_equal(zts_get_peer(NULL, 1), ZTS_ERR_ARG);
    assert_int_equal(zts_get_peer(&pd, 0), ZTS_ERR_ARG);
    assert_int_equal(zts_get_peer(&pd, 1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_get_peer_status(1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_get_protocol_stats(ZTS_STATS_PROTOCOL_ICMP, NULL), ZTS_ERR_ARG);
    memset(&sp, 0xab, sizeof(sp));
    assert_int_equal(zts_get_protocol_stats(99, &sp), ZTS_ERR_ARG);
    assert_int_equal(sp.xmit, 0); /* zeroed before the selector is refused, as the seed does */
    assert_int_equal(zts_get_all_stats(NULL), ZTS_ERR_ARG);
    assert_int_equal(zts_add_dns_nameserver(NULL), ZTS_ERR_SERVICE);
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0), ZTS_ERR_SERVICE);
    /* settings are taken while nothing runs */
    assert_int_equal(zts_allow_network_caching(0), ZTS_ERR_OK);
    assert_int_equal(zts_allow_peer_caching(1), ZTS_ERR_OK);
    assert_int_equal(zts_allow_local_conf(0), ZTS_ERR_OK);
}

/* ---- runs --------------------------------------------------------------------------------- */

/* One start/stop cycle; |first|: STACK_UP is expected before NODE_UP. */
static void run_cycle(bool first)
{
    unsigned base = event_count();
    uint64_t addr = 0;
    int up, term, down, stack;
    struct zts_network_details nd;
    int num = 1;

    assert_int_equal(zts_start(home, on_event, 0), ZTS_ERR_OK);
    /* a second start while running has no effect */
    assert_int_equal(zts_start(home, on_event, 0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_allow_network_caching(1), ZTS_ERR_SERVICE);
    up = wait_event(ZTS_EVENT_NODE_UP, base);
    assert_true(up >= 0);
    stack = wait_event(ZTS_EVENT_STACK_UP, base);
    if (first)
        assert_true(stack >= 0 && stack < up);
    else
        assert_int_equal(stack, -1);
    pthread_mutex_lock(&mu);
    addr = node_addr[up];
    pthread_mutex_unlock(&mu);
    assert_true(addr != 0 && addr < (1ull << 40)); /* a filled node detail, no other detail */

    /* running, never online (no root answers) */
    assert_int_equal(zts_get_node_status(), ZTS_EVENT_NODE_OFFLINE);
    assert_int_equal(zts_get_node_id(), 0);
    assert_int_equal(zts_join(0x1122334455000001ull), ZTS_ERR_SERVICE);
    assert_int_equal(zts_get_all_network_details(&nd, &num), ZTS_ERR_SERVICE);
    /* sockets work before the node is online */
    {
        int fd = zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0);
        assert_true(fd >= 0);
        assert_int_equal(zts_close(fd), 0);
    }

    assert_int_equal(zts_stop(), ZTS_ERR_OK);
    assert_int_equal(zts_stop(), ZTS_ERR_SERVICE);
    down = wait_event(ZTS_EVENT_NODE_DOWN, base);
    term = wait_event(ZTS_EVENT_NODE_NORMAL_TERMINATION, base);
    assert_true(term >= 0 && down > term);
    /* NODE_DOWN is the last event of the run, and sockets are gated again */
    usleep(100 * 1000);
    assert_int_equal(event_count(), (unsigned)down + 1);
    assert_int_equal(zts_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0), ZTS_ERR_SERVICE);
    /* the identity made at the first start is kept */
    pthread_mutex_lock(&mu);
    assert_int_equal(node_addr[down] & ~(1ull << 63), addr);
    pthread_mutex_unlock(&mu);
}

static void test_first_cycle(void **state)
{
    (void)state;
    run_cycle(true);
}

/* zts_start answers ZTS_ERR_SERVICE until the last run's service thread has finished, a
 * moment after NODE_DOWN was delivered. */
static void start_when_idle(void)
{
    for (int k = 0; k < 500; k++) {
        int rv = zts_start(home, on_event, 0);
        if (rv == ZTS_ERR_OK) {
            assert_int_equal(zts_stop(), ZTS_ERR_OK);
            return;
        }
        assert_int_equal(rv, ZTS_ERR_SERVICE);
        usleep(10 * 1000);
    }
    fail_msg("zts_start still refused 5 s after the run ended");
}

static void test_next_cycles(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        unsigned base = event_count();
        int down;
        start_when_idle(); /* a run started and stopped at once: wait for its end */
        down = wait_event(ZTS_EVENT_NODE_DOWN, base);
        assert_true(down >= 0);
        for (int k = 0; k < 500 && zts_start(home, on_event, 0) == ZTS_ERR_SERVICE; k++)
            usleep(10 * 1000);
        /* that start succeeded: stop it and wait for the end of that run (the NODE_DOWN
         * after the first one), then run a checked cycle */
        assert_int_equal(zts_stop(), ZTS_ERR_OK);
        assert_true(wait_event(ZTS_EVENT_NODE_DOWN, (unsigned)down + 1) >= 0);
        usleep(200 * 1000);
        run_cycle(false);
    }
}

static void test_restart(void **state)
{
    unsigned base;

    (void)state;
    base = start_node_up();
    /* restart blocks until the run ended, then starts again: a second NODE_UP */
    assert_int_equal(zts_restart(), ZTS_ERR_OK);
    assert_true(wait_event(ZTS_EVENT_NODE_DOWN, base) >= 0);
    assert_true(wait_event(ZTS_EVENT_NODE_UP, (unsigned)wait_event(ZTS_EVENT_NODE_DOWN, base)) >= 0);
    assert_int_equal(zts_stop(), ZTS_ERR_OK);
    assert_true(wait_event(ZTS_EVENT_NODE_NORMAL_TERMINATION,
                           (unsigned)wait_event(ZTS_EVENT_NODE_DOWN, base) + 1) >= 0);
}

static void test_port_in_use(void **state)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    unsigned base;
    int s, err, down;

    (void)state;
    usleep(300 * 1000);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(s >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    base = event_count();
    /* api.md §5.1: a port that cannot be bound fails the node, not the call */
    assert_int_equal(zts_start(home, on_event, ntohs(a.sin_port)), ZTS_ERR_OK);
    err = wait_event(ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, base);
    down = wait_event(ZTS_EVENT_NODE_DOWN, base);
    assert_true(err >= 0 && down > err);
    close(s);
}

/* Issue 9: an identity.secret that is a FIFO fails the node at once (no blocking open), says
 * why on stderr with ZTS_LOG=1, and is left as it was. */
static void test_fifo_identity(void **state)
{
    char dir[300], path[340], logpath[340], line[1024], want[600];
    struct stat st;
    unsigned base;
    int err, down, saved;
    FILE *f;
    bool found = false;

    (void)state;
    usleep(300 * 1000);
    snprintf(dir, sizeof(dir), "%s-fifo", home);
    snprintf(path, sizeof(path), "%s/identity.secret", dir);
    snprintf(logpath, sizeof(logpath), "%s-fifo.log", home);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_planet(dir, 9);
    assert_int_equal(mkfifo(path, 0600), 0);
    f = fopen(logpath, "w");
    assert_non_null(f);
    fflush(stderr);
    saved = dup(2);
    assert_true(saved >= 0 && dup2(fileno(f), 2) == 2);
    setenv("ZTS_LOG", "1", 1);
    base = event_count();
    assert_int_equal(zts_start(dir, on_event, 0), ZTS_ERR_OK);
    err = wait_event(ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, base);
    down = wait_event(ZTS_EVENT_NODE_DOWN, base);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(f);
    unsetenv("ZTS_LOG");
    assert_true(err >= 0 && down > err);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    snprintf(want, sizeof(want),
             "libzt: cannot read %s: a FIFO, not a regular file; it is left as it is", path);
    f = fopen(logpath, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL)
        found = found || strncmp(line, want, strlen(want)) == 0;
    fclose(f);
    assert_true(found);
}

/* A TCP listener on 127.0.0.1 (a relay stand-in); its port into |port|. */
static int tcp_listener(uint16_t *port)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(s >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s, 4), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return s;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    fclose(f);
}

/* zts_allow_local_conf(1): local.conf's settings apply (docs/embedding.md).  primaryPort
 * overrides zts_start's port; forceTcpRelay with tcpFallbackRelay makes the node connect to
 * that relay at once (a listener here stands in for it).  A local.conf that is not a JSON
 * object fails the start.  Without the call, local.conf is not read. */
static void test_local_conf(void **state)
{
    char dir[300], path[340], conf[512];
    struct pollfd pfd;
    uint16_t relay_port, udp_port = (uint16_t)(21000 + getpid() % 20000);
    unsigned base;
    int lst, up, err, down;

    (void)state;
    usleep(300 * 1000);
    snprintf(dir, sizeof(dir), "%s-lc", home);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_planet(dir, 9);
    lst = tcp_listener(&relay_port);
    snprintf(conf, sizeof(conf),
             "{\"settings\": {\"primaryPort\": %u, \"allowSecondaryPort\": false, "
             "\"forceTcpRelay\": true, \"tcpFallbackRelay\": \"127.0.0.1/%u\"}}",
             udp_port, relay_port);
    snprintf(path, sizeof(path), "%s/local.conf", dir);
    write_file(path, conf);

    /* Not allowed: not read (the port is zts_start's) */
    base = event_count();
    assert_int_equal(zts_start(dir, on_event, 0), ZTS_ERR_OK);
    up = wait_event(ZTS_EVENT_NODE_UP, base);
    assert_true(up >= 0);
    assert_int_not_equal(node_port[up], udp_port);
    assert_int_equal(zts_stop(), ZTS_ERR_OK);
    assert_true(wait_event(ZTS_EVENT_NODE_DOWN, base) >= 0);
    usleep(300 * 1000);

    assert_int_equal(zts_allow_local_conf(1), ZTS_ERR_OK);
    base = event_count();
    assert_int_equal(zts_start(dir, on_event, 0), ZTS_ERR_OK);
    up = wait_event(ZTS_EVENT_NODE_UP, base);
    assert_true(up >= 0);
    assert_int_equal(node_port[up], udp_port);
    pfd.fd = lst;
    pfd.events = POLLIN;
    assert_int_equal(poll(&pfd, 1, 10000), 1); /* the node dialled the relay */
    assert_int_equal(zts_stop(), ZTS_ERR_OK);
    assert_true(wait_event(ZTS_EVENT_NODE_DOWN, base) >= 0);
    close(lst);
    usleep(300 * 1000);

    write_file(path, "[\"not\", \"an object\"]");
    base = event_count();
    assert_int_equal(zts_start(dir, on_event, 0), ZTS_ERR_OK);
    err = wait_event(ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, base);
    down = wait_event(ZTS_EVENT_NODE_DOWN, base);
    assert_true(err >= 0 && down > err);
    assert_int_equal(zts_allow_local_conf(0), ZTS_ERR_OK);
}

static void test_zts_free(void **state)
{
    unsigned base;

    (void)state;
    base = start_node_up();
    assert_int_equal(zts_free(), ZTS_ERR_OK); /* blocks until the run has ended */
    assert_true(wait_event(ZTS_EVENT_NODE_DOWN, base) >= 0);
    assert_true(wait_event(ZTS_EVENT_STACK_DOWN, base) > wait_event(ZTS_EVENT_NODE_DOWN, base));
    assert_int_equal(zts_free(), ZTS_ERR_SERVICE);
    assert_int_equal(zts_start(home, on_event, 0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_allow_peer_caching(1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_get_node_status(), ZTS_EVENT_NODE_OFFLINE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle),
        cmocka_unit_test(test_first_cycle),
        cmocka_unit_test(test_next_cycles),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_fifo_identity),
        cmocka_unit_test(test_local_conf),
        cmocka_unit_test(test_zts_free),
    };
    char tmpl[] = "/tmp/zt-control.XXXXXX";
    int rv;

    if (mkdtemp(tmpl) == NULL)
        return 1;
    snprintf(home, sizeof(home), "%s/home", tmpl);
    if (mkdir(home, 0700) != 0)
        return 1;
    write_planet(home, 9); /* port 9 (discard) on 127.0.0.1: nobody answers */
    rv = cmocka_run_group_tests(tests, NULL, NULL);
    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
        if (system(cmd) != 0)
            rv = rv != 0 ? rv : 1;
    }
    return rv;
}
