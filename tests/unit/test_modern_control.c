/*
 * test_modern_control.c: the modern API's control calls in every state (api-modern.md §5.0,
 * §5.2-§5.5, §5.10, §6, §7; §10.1 items 4, 6, 7, 8, 10), as a user's program: only
 * include/libzt-modern on the include path, linked with libzt-modern.a.
 *
 * The node's planet names one root at 127.0.0.1 on a UDP port this test holds and never reads
 * (made with zts_util_sign_root_set, fed with zts_init_set_roots), so the node starts, binds
 * its ports and runs but never comes online, and nothing leaves this host.  One process, one
 * library state: the cases run in order and the last one frees the library.
 *
 * Asserted: every query's not-running value before a start (also from a second thread); the
 * init calls' argument checks; a memory-only run (STORE events with copies, then NODE_UP with
 * the real node ID, payload rules on every event, init calls and a second start refused while
 * running without any effect, stop refused from the handler, NODE_DOWN the last event when
 * zts_node_stop returns, settings back to their defaults after the stop, no file written); a
 * run that cannot bind its port (NODE_FATAL_ERROR, NODE_DOWN, not running after); storage mode
 * (the files of §7.2 and only them, the identity kept across runs, zts_init_from_memory wins,
 * id_cache off writes no identity); joins before the node is built and after, leave; the core
 * lock; zts_node_free (terminal).
 *
 * Peer events (§6.3 item 5): none while offline; against a root that answers (a child process
 * runs it), its first is PEER_DIRECT alone, after NODE_ONLINE, with zts_core_query_path_count's
 * count, and nothing follows while its one endpoint stays (reached through both our sockets).
 */
#include "modern_ctl_fixture.h"

/* ---- before any start (§10.1 item 4) ------------------------------------------------------ */

static void *idle_queries(void *arg)
{
    struct zts_sockaddr_storage ss[ZTS_MAX_ASSIGNED_ADDRESSES];
    zts_stats_counter_t st;
    zts_peer_info_t pi;
    unsigned int n = ZTS_MAX_ASSIGNED_ADDRESSES;
    char s[ZTS_MAX_NETWORK_SHORT_NAME_LENGTH + 1];
    int *bad = arg;

#define IDLE(expr, want) *bad += (expr) != (want)
    IDLE(zts_node_is_online(), 0);
    IDLE(zts_node_get_id(), (uint64_t)(int64_t)ZTS_ERR_SERVICE);
    IDLE(zts_node_get_id_pair(NULL, NULL), ZTS_ERR_SERVICE);
    IDLE(zts_node_get_port(), ZTS_ERR_SERVICE);
    IDLE(zts_node_stop(), ZTS_ERR_SERVICE);
    IDLE(zts_node_free(), ZTS_ERR_SERVICE);
    IDLE(zts_moon_orbit(1, 2), ZTS_ERR_SERVICE);
    IDLE(zts_net_join(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_net_join(0), ZTS_ERR_SERVICE);
    IDLE(zts_net_leave(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_net_transport_is_ready(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_net_get_mac(NWID), (uint64_t)(int64_t)ZTS_ERR_SERVICE);
    IDLE(zts_net_get_mac_str(NWID, NULL, 0), ZTS_ERR_SERVICE);
    IDLE(zts_net_get_broadcast(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_net_get_mtu(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_net_get_name(NWID, s, 127), ZTS_ERR_SERVICE);
    IDLE(zts_net_get_status(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_net_get_type(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_route_is_assigned(NWID, ZTS_AF_INET), ZTS_ERR_SERVICE);
    IDLE(zts_addr_is_assigned(NWID, ZTS_AF_INET), 0);
    IDLE(zts_addr_get(NWID, ZTS_AF_INET, NULL), ZTS_ERR_SERVICE);
    IDLE(zts_addr_get_all(NWID, ss, &n), ZTS_ERR_SERVICE);
    IDLE(zts_stats_get_all(&st), ZTS_ERR_SERVICE);
    IDLE(zts_core_lock_obtain(), ZTS_ERR_SERVICE);
    IDLE(zts_core_lock_release(), ZTS_ERR_SERVICE);
    IDLE(zts_core_query_addr_count(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_core_query_peer_info(NWID, 1, &pi), ZTS_ERR_SERVICE);
    IDLE(zts_core_query_mc_count(NWID), ZTS_ERR_SERVICE);
    IDLE(zts_core_query_path_count(1), ZTS_ERR_SERVICE);
    IDLE(zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_STREAM, 0), ZTS_ERR_SERVICE);
    IDLE(zts_dns_get_server(0) == NULL, 1);
    IDLE(zts_bsd_gethostbyname(NULL) == NULL, 1);
#undef IDLE
    return NULL;
}

static void test_idle(void **state)
{
    pthread_t t;
    int bad_main = 0, bad_thread = 0;

    (void)state;
    assert_int_equal(pthread_create(&t, NULL, idle_queries, &bad_thread), 0);
    idle_queries(&bad_main);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(bad_main, 0);
    assert_int_equal(bad_thread, 0);
}

/* §5.2 argument checks, before anything runs (then back to the defaults by a stop-less
 * path: the values set here are overwritten by each case). */
static void test_init_args(void **state)
{
    char key[ZTS_ID_STR_BUF_LEN] = "0123456789:0:nonsense";
    uint8_t zeros[ZTS_STORE_DATA_LEN + 1];

    (void)state;
    memset(zeros, 0, sizeof(zeros));
    assert_int_equal(zts_init_set_roots(NULL, 1), ZTS_ERR_ARG);
    assert_int_equal(zts_init_set_roots(zeros, 0), ZTS_ERR_ARG);
    assert_int_equal(zts_init_set_roots(zeros, ZTS_STORE_DATA_LEN + 1), ZTS_ERR_ARG);
    assert_int_equal(zts_init_set_roots(zeros, ZTS_STORE_DATA_LEN), ZTS_ERR_OK);
    assert_int_equal(zts_init_from_storage(NULL), ZTS_ERR_ARG);
    assert_int_equal(zts_init_from_storage(""), ZTS_ERR_ARG);
    assert_int_equal(zts_init_from_memory(NULL, ZTS_ID_STR_BUF_LEN), ZTS_ERR_ARG);
    assert_int_equal(zts_init_from_memory(key, ZTS_ID_STR_BUF_LEN - 1), ZTS_ERR_ARG);
    assert_int_equal(zts_init_from_memory(key, ZTS_ID_STR_BUF_LEN), ZTS_ERR_ARG);
    assert_int_equal(zts_init_set_event_handler(NULL), ZTS_ERR_ARG);
    assert_int_equal(zts_init_blacklist_if(NULL, 3), ZTS_ERR_ARG);
    assert_int_equal(zts_init_blacklist_if("eth", 0), ZTS_ERR_ARG);
    assert_int_equal(zts_init_blacklist_if("eth", 16), ZTS_ERR_ARG);
    assert_int_equal(zts_init_blacklist_if("dummy", 5), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_random_port_range(30000, 20000), ZTS_ERR_ARG);
    assert_int_equal(zts_init_set_random_port_range(0, 20000), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_tcp_relay(NULL, 443), ZTS_ERR_ARG);
    assert_int_equal(zts_init_set_tcp_relay("relay.example", 443), ZTS_ERR_ARG);
    assert_int_equal(zts_init_set_port(0), ZTS_ERR_OK);
    assert_int_equal(zts_init_allow_port_mapping(0), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_low_bandwidth_mode(1), ZTS_ERR_OK);
}

/* Every zts_init_* refused while running. */
static void init_refused(void)
{
    char key[ZTS_ID_STR_BUF_LEN] = "";

    assert_int_equal(zts_init_from_storage(tmp), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_from_memory(key, sizeof(key)), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_set_event_handler(on_other), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_blacklist_if("x", 1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_set_roots(roots, roots_len), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_set_port(1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_set_random_port_range(1, 2), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_allow_secondary_port(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_allow_port_mapping(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_allow_net_cache(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_allow_peer_cache(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_allow_roots_cache(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_allow_id_cache(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_set_tcp_relay("127.0.0.1", 1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_allow_tcp_relay(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_force_tcp_relay(1), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_set_low_bandwidth_mode(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_node_start(), ZTS_ERR_SERVICE);
}

/* Waits until the node is built (its ID known): up to 60 s, as making an identity (a
 * memory-hard hash) under ThreadSanitizer on a busy machine has taken more than 20. */
static uint64_t wait_built(void)
{
    for (int i = 0; i < 6000; i++) {
        uint64_t id = zts_node_get_id();
        if (id != 0)
            return id;
        usleep(10 * 1000);
    }
    return 0;
}

/* After a test that ends with its node stopped: stop it if the test failed half-way, so the
 * next test starts from a stopped node and one failure stays one failure. */
static int stop_node(void **state)
{
    (void)state;
    (void)zts_node_stop();
    return 0;
}

/* ---- a memory-only run (§7.3) ------------------------------------------------------------- */

/* The run's events up to NODE_UP: the store events with their copies, in order (§6.3). */
static void check_start_events(unsigned base, uint64_t id)
{
    int sec = wait_event(ZTS_EVENT_STORE_IDENTITY_SECRET, base);
    int pub = wait_event(ZTS_EVENT_STORE_IDENTITY_PUBLIC, base);
    int planet = wait_event(ZTS_EVENT_STORE_PLANET, base);
    int up = wait_event(ZTS_EVENT_NODE_UP, base);
    char key[ZTS_ID_STR_BUF_LEN];
    unsigned int klen = sizeof(key);

    assert_true(sec >= 0 && sec < pub && pub < planet && planet < up);
    pthread_mutex_lock(&mu);
    assert_int_equal(events[sec].len, 270);
    assert_int_equal(events[pub].len, 141);
    assert_int_equal(events[planet].len, (int)roots_len);
    assert_memory_equal(events[planet].cache, roots, roots_len);
    assert_true(events[up].node_id == id); /* the real ID (§6.2 SHOULD) */
    pthread_mutex_unlock(&mu);
    assert_int_equal(zts_node_get_id_pair(key, &klen), ZTS_ERR_OK);
    assert_int_equal(klen, 270);
    pthread_mutex_lock(&mu);
    assert_memory_equal(events[sec].cache, key, 270);
    pthread_mutex_unlock(&mu);
    assert_int_equal(zts_id_pair_is_valid(key, ZTS_ID_STR_BUF_LEN), 1);
}

static void test_memory_run(void **state)
{
    unsigned base = count(), end;
    uint64_t id;
    int down;

    (void)state;
    assert_int_equal(zts_init_set_roots(roots, roots_len), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_event_handler(on_event), ZTS_ERR_OK);
    assert_int_equal(zts_node_start(), ZTS_ERR_OK);
    init_refused();
    id = wait_built();
    assert_true(id != 0 && id < (1ull << 40));
    check_start_events(base, id);
    assert_int_equal(stop_from_handler, ZTS_ERR_SERVICE);
    assert_true(zts_node_get_port() > 0);
    assert_int_equal(zts_node_is_online(), 0); /* the root never answers */
    usleep(1500 * 1000); /* a scan or more (§6.3 item 5): none while offline */
    assert_int_equal(zts_node_stop(), ZTS_ERR_OK);
    assert_int_equal(peer_events(base, count(), 0), 0);
    /* Stopped: NODE_DOWN was the last event when the call returned (§6.4). */
    end = count();
    down = wait_event(ZTS_EVENT_NODE_DOWN, base);
    assert_true(down >= 0 && (unsigned)down == end - 1);
    usleep(100 * 1000);
    assert_int_equal(count(), end);
    assert_int_equal(zts_node_stop(), ZTS_ERR_SERVICE);
    assert_int_equal(zts_node_get_id(), (uint64_t)(int64_t)ZTS_ERR_SERVICE);
    assert_int_equal(files_in(tmp), 0); /* nothing written (§7.3) */
    assert_int_equal(bad_payloads, 0);
    assert_int_equal(other_calls, 0);
}

/* §7.6: after a stop every setting is back to its default: no handler, a new identity. */
static void test_settings_reset(void **state)
{
    unsigned base = count();
    uint64_t first, second;

    (void)state;
    pthread_mutex_lock(&mu);
    first = nevents > 0 ? events[nevents - 1].node_id : 0; /* NODE_DOWN of the last run */
    pthread_mutex_unlock(&mu);
    assert_int_equal(zts_init_set_roots(roots, roots_len), ZTS_ERR_OK);
    assert_int_equal(zts_node_start(), ZTS_ERR_OK);
    second = wait_built();
    assert_true(second != 0 && second != first);
    assert_int_equal(zts_node_stop(), ZTS_ERR_OK);
    assert_int_equal(count(), base); /* no handler: no event */
}

/* ---- a run that cannot start (§5.3) ------------------------------------------------------- */

static void test_fatal_run(void **state)
{
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    unsigned base = count();
    int fatal, down, s;

    (void)state;
    /* A fixed port another socket holds on 127.0.0.1: the node cannot bind it. */
    s = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &slen), 0);
    assert_int_equal(zts_init_set_roots(roots, roots_len), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_port(ntohs(sin.sin_port)), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_event_handler(on_event), ZTS_ERR_OK);
    assert_int_equal(zts_node_start(), ZTS_ERR_OK);
    fatal = wait_event(ZTS_EVENT_NODE_FATAL_ERROR, base);
    down = wait_event(ZTS_EVENT_NODE_DOWN, base);
    assert_true(fatal >= 0 && down == fatal + 1);
    assert_int_equal(find_event(ZTS_EVENT_NODE_UP, base), -1);
    /* Not running any more: init calls are taken again, stop is refused. */
    for (int i = 0; i < 500 && zts_node_stop() != ZTS_ERR_SERVICE; i++)
        usleep(10 * 1000);
    assert_int_equal(zts_node_stop(), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_set_port(0), ZTS_ERR_OK);
    close(s);
    assert_int_equal(bad_payloads, 0);
}

/* ---- storage mode (§7.2) ------------------------------------------------------------------ */

/* One start and stop in storage mode at |home|; returns the node's ID. */
static uint64_t storage_run(const char *home, const char *key, bool id_cache)
{
    uint64_t id;

    assert_int_equal(zts_init_from_storage(home), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_roots(roots, roots_len), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_event_handler(on_event), ZTS_ERR_OK);
    if (key != NULL)
        assert_int_equal(zts_init_from_memory(key, ZTS_ID_STR_BUF_LEN), ZTS_ERR_OK);
    if (!id_cache)
        assert_int_equal(zts_init_allow_id_cache(0), ZTS_ERR_OK);
    assert_int_equal(zts_node_start(), ZTS_ERR_OK);
    id = wait_built();
    assert_true(id != 0);
    assert_int_equal(zts_node_stop(), ZTS_ERR_OK);
    return id;
}

static void test_storage(void **state)
{
    char home[256], home2[256], file[300], key[ZTS_ID_STR_BUF_LEN];
    unsigned int klen = sizeof(key);
    struct stat st;
    uint64_t id1, id2, id3;
    unsigned base;

    (void)state;
    /* Missing components are created (mkdir -p). */
    snprintf(home, sizeof(home), "%s/a/b/home", tmp);
    id1 = storage_run(home, NULL, true);
    assert_true(exists(home, "identity.secret") && exists(home, "identity.public") &&
                exists(home, "roots"));
    /* Nothing else than §7.2's files (the root's record may be in peers.d): no planet, port
     * file, authtoken, moons.d, local.conf. */
    assert_int_equal(files_in(home), 3u + exists(home, "peers.d") + exists(home, "networks.d"));
    snprintf(key, sizeof(key), "%s/identity.secret", home);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The identity is kept: same address, no identity event. */
    base = count();
    id2 = storage_run(home, NULL, true);
    assert_true(id1 == id2);
    assert_int_equal(find_event(ZTS_EVENT_STORE_IDENTITY_SECRET, base), -1);
    /* zts_init_from_memory wins over the stored identity. */
    assert_int_equal(zts_id_new(key, &klen), ZTS_ERR_OK);
    id3 = storage_run(home, key, true);
    assert_true(id3 != id1);
    assert_true(id3 == strtoull(key, NULL, 16));
    /* ... so the stored file is not even read: an unusable one does not stop the start, and
     * is left as it is */
    snprintf(file, sizeof(file), "%s/identity.secret", home);
    {
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        assert_int_equal(fputs("not an identity\n", f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
    }
    assert_true(storage_run(home, key, true) == id3);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal((long)st.st_size, 16);
    /* id_cache off: no identity file. */
    snprintf(home2, sizeof(home2), "%s/noid", tmp);
    (void)storage_run(home2, NULL, false);
    assert_false(exists(home2, "identity.secret"));
    assert_true(exists(home2, "roots"));
    assert_int_equal(bad_payloads, 0);
}

/* ---- peer events against a root that answers (§6.3 item 5) ------------------------------- */

static void test_root_peer_events(void **state)
{
    unsigned base = count(), paths;
    int online, direct;
    uint64_t peer;

    (void)state;
    assert_true(live_root_pid > 0);
    assert_int_equal(zts_init_set_roots(live_roots, live_roots_len), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_event_handler(on_event), ZTS_ERR_OK);
    assert_int_equal(zts_node_start(), ZTS_ERR_OK);
    online = wait_event(ZTS_EVENT_NODE_ONLINE, base);
    direct = wait_event(ZTS_EVENT_PEER_DIRECT, base);
    assert_true(online >= 0 && direct > online);
    /* Nothing about peers before NODE_ONLINE, and the root's first peer event is PEER_DIRECT
     * alone: no PATH_DISCOVERED (nor anything else) before it. */
    assert_int_equal(peer_events(base, (unsigned)direct, 0), 0);
    pthread_mutex_lock(&mu);
    peer = events[direct].peer_id;
    paths = events[direct].paths;
    pthread_mutex_unlock(&mu);
    assert_true(peer == live_root_id);
    /* One endpoint (127.0.0.1), counted once although both our sockets reach it; what the
     * event says is what the query says. */
    assert_int_equal(paths, 1);
    assert_int_equal(zts_core_lock_obtain(), ZTS_ERR_OK);
    assert_int_equal(zts_core_query_path_count(live_root_id), 1);
    assert_int_equal(zts_core_lock_release(), ZTS_ERR_OK);
    /* A few scans later: still nothing more about the root (no second PATH_DISCOVERED for the
     * same endpoint through the secondary socket). */
    usleep(3500 * 1000);
    assert_int_equal(peer_events((unsigned)direct + 1, count(), live_root_id), 0);
    assert_int_equal(zts_node_stop(), ZTS_ERR_OK);
    stop_live_root();
    assert_int_equal(bad_payloads, 0);
}

/* Storage mode prunes peers.d as a home directory's is: a file untouched for more than 30
 * days goes at start, a recent one stays. */
static void test_storage_prunes_peers(void **state)
{
    char home[256], dir[300], old_peer[320], new_peer[320];
    struct timespec times[2] = {{0, 0}, {0, 0}};
    FILE *f;

    (void)state;
    snprintf(home, sizeof(home), "%s/prune", tmp);
    snprintf(dir, sizeof(dir), "%s/peers.d", home);
    snprintf(old_peer, sizeof(old_peer), "%s/0102030405.peer", dir);
    snprintf(new_peer, sizeof(new_peer), "%s/0504030201.peer", dir);
    assert_int_equal(mkdir(home, 0700), 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    for (int i = 0; i < 2; i++) {
        assert_non_null(f = fopen(i == 0 ? old_peer : new_peer, "w"));
        assert_int_equal(fputs("x", f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
    }
    times[0].tv_sec = times[1].tv_sec = time(NULL) - 40L * 24 * 3600;
    assert_int_equal(utimensat(AT_FDCWD, old_peer, times, 0), 0);
    assert_int_equal(zts_init_from_storage(home), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_roots(roots, roots_len), ZTS_ERR_OK);
    assert_int_equal(zts_node_start(), ZTS_ERR_OK);
    /* The node first makes its identity (slow under ThreadSanitizer on a busy machine), then
     * prunes on its first housekeeping pass: wait for each in turn, each with its own bound. */
    assert_true(wait_built() != 0);
    for (int i = 0; i < 2000 && exists(home, "peers.d/0102030405.peer"); i++)
        usleep(10 * 1000);
    assert_false(exists(home, "peers.d/0102030405.peer"));
    assert_true(exists(home, "peers.d/0504030201.peer"));
    assert_int_equal(zts_node_stop(), ZTS_ERR_OK);
}

/* ---- networks, core lock, free ------------------------------------------------------------ */

static void test_networks(void **state)
{
    char mac[ZTS_MAC_ADDRSTRLEN], name[ZTS_MAX_NETWORK_SHORT_NAME_LENGTH + 1];
    int status = ZTS_ERR_NO_RESULT;
    unsigned base = count();

    (void)state;
    assert_int_equal(zts_init_set_roots(roots, roots_len), ZTS_ERR_OK);
    assert_int_equal(zts_init_set_event_handler(on_event), ZTS_ERR_OK);
    assert_int_equal(zts_node_start(), ZTS_ERR_OK);
    /* Asked before the node is built: kept and joined once it is (§5.0). */
    assert_int_equal(zts_net_join(NWID), ZTS_ERR_OK);
    assert_int_equal(zts_net_join(0), ZTS_ERR_ARG);
    assert_true(wait_built() != 0);
    for (int i = 0; i < 2000 && status != ZTS_NETWORK_STATUS_REQUESTING_CONFIGURATION; i++) {
        status = zts_net_get_status(NWID);
        usleep(10 * 1000);
    }
    assert_int_equal(status, ZTS_NETWORK_STATUS_REQUESTING_CONFIGURATION);
    assert_int_equal(zts_net_join(NWID), ZTS_ERR_OK); /* again: a no-op */
    assert_int_equal(zts_net_transport_is_ready(NWID), 0);
    assert_int_equal(zts_net_transport_is_ready(0), 0);
    assert_int_equal(zts_addr_is_assigned(NWID, ZTS_AF_INET6), 0);
    assert_int_equal(zts_addr_is_assigned(NWID, 99), 0);
    assert_true((zts_net_get_mac(NWID) >> 48) == 0);
    assert_int_equal(zts_net_get_mac_str(NWID, mac, sizeof(mac)), ZTS_ERR_OK);
    assert_int_equal(zts_net_get_mac_str(NWID, mac, 5), ZTS_ERR_ARG);
    assert_int_equal(zts_net_get_status(0x99), ZTS_ERR_NO_RESULT);
    assert_true(zts_net_get_mac(0) == (uint64_t)(int64_t)ZTS_ERR_ARG);
    assert_int_equal(zts_net_get_name(NWID, name, 127), ZTS_ERR_SERVICE); /* not online */
    assert_int_equal(zts_net_get_name(NWID, name, 128), ZTS_ERR_ARG);
    assert_int_equal(zts_moon_orbit(0, 1), ZTS_ERR_ARG);
    assert_int_equal(zts_net_leave(NWID), ZTS_ERR_OK);
    assert_int_equal(zts_net_leave(0x77), ZTS_ERR_OK); /* not joined: nothing to leave */
    (void)base;
}

/* An ad-hoc network: configured by the node itself, no controller (§5.4).  Its 6PLANE address
 * arrives as ADDR_ADDED_IP6 (bytes at offset 8, §6.2), then UPDATE, READY_IP6 and OK, in that
 * order (§6.3 item 3-4); the queries see it. */
static void check_adhoc_events(uint64_t nwid, unsigned base, uint64_t id)
{
    struct zts_sockaddr_storage want;
    int added = wait_event(ZTS_EVENT_ADDR_ADDED_IP6, base);
    int update = wait_event(ZTS_EVENT_NETWORK_UPDATE, base);
    int ready = wait_event(ZTS_EVENT_NETWORK_READY_IP6, base);
    int ok = wait_event(ZTS_EVENT_NETWORK_OK, base);

    assert_true(added >= 0 && added < update && update < ready && ready < ok);
    assert_int_equal(zts_addr_compute_6plane(nwid, id, &want), ZTS_ERR_OK);
    pthread_mutex_lock(&mu);
    assert_true(events[added].net_id == nwid);
    assert_int_equal(events[added].addr.s2_len, 28);
    assert_int_equal(events[added].addr.ss_family, ZTS_AF_INET6);
    assert_memory_equal((uint8_t *)&events[added].addr + 8, (uint8_t *)&want + 8, 16);
    assert_true(events[ok].net_id == nwid);
    assert_int_equal(events[ok].status, ZTS_NETWORK_STATUS_OK);
    assert_int_equal(events[ok].naddrs, 1);
    assert_true(events[ok].nmc >= 1); /* at least 33:33:37:86:6f:b7 (§9.2 item 5) */
    pthread_mutex_unlock(&mu);
}

static void test_adhoc(void **state)
{
    const uint64_t nwid = zts_net_compute_adhoc_id(7000, 7100);
    struct zts_sockaddr_storage all[ZTS_MAX_ASSIGNED_ADDRESSES];
    unsigned int n = ZTS_MAX_ASSIGNED_ADDRESSES;
    char text[ZTS_INET6_ADDRSTRLEN], want[ZTS_IP_MAX_STR_LEN];
    zts_stats_counter_t st;
    uint64_t mac = 0, id = zts_node_get_id();
    uint32_t adi = 1;
    unsigned base = count();

    (void)state;
    assert_int_equal(zts_net_join(nwid), ZTS_ERR_OK);
    check_adhoc_events(nwid, base, id);
    assert_int_equal(zts_net_transport_is_ready(nwid), 1);
    assert_int_equal(zts_addr_is_assigned(nwid, ZTS_AF_INET6), 1);
    assert_int_equal(zts_addr_is_assigned(nwid, ZTS_AF_INET), 0);
    assert_int_equal(zts_addr_get_str(nwid, ZTS_AF_INET6, text, sizeof(text)), ZTS_ERR_OK);
    assert_int_equal(zts_addr_compute_6plane_str(nwid, id, want, sizeof(want)), ZTS_ERR_OK);
    assert_string_equal(text, want); /* uppercase, zts_inet_ntop's text */
    assert_int_equal(zts_addr_get(nwid, ZTS_AF_INET, &all[0]), ZTS_ERR_NO_RESULT);
    assert_int_equal(zts_addr_get_all(nwid, all, &n), ZTS_ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(zts_net_get_type(nwid), ZTS_NETWORK_TYPE_PUBLIC);
    assert_int_equal(zts_net_get_status(nwid), ZTS_NETWORK_STATUS_OK);
    assert_true(zts_net_get_mtu(nwid) > 0);
    assert_int_equal(zts_core_lock_obtain(), ZTS_ERR_OK);
    assert_int_equal(zts_core_query_addr_count(nwid), 1);
    assert_int_equal(zts_core_query_addr(nwid, 0, text, sizeof(text)), ZTS_ERR_OK);
    for (char *p = want; *p != '\0'; p++) /* host-style text: lowercase (§11 item 24) */
        *p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
    assert_string_equal(text, want);
    assert_int_equal(zts_core_query_addr(nwid, 1, text, sizeof(text)), ZTS_ERR_ARG);
    assert_true(zts_core_query_mc_count(nwid) >= 1);
    assert_int_equal(zts_core_query_mc(nwid, 0, &mac, &adi), ZTS_ERR_OK);
    assert_true(mac != 0 && adi == 0);
    assert_int_equal(zts_core_lock_release(), ZTS_ERR_OK);
    assert_int_equal(zts_stats_get_all(&st), ZTS_ERR_OK);
    assert_int_equal(zts_stats_get_all(NULL), ZTS_ERR_ARG);
    base = count();
    assert_int_equal(zts_net_leave(nwid), ZTS_ERR_OK);
    assert_true(wait_event(ZTS_EVENT_NETWORK_DOWN, base) >= 0);
    assert_int_equal(zts_net_transport_is_ready(nwid), 0);
    assert_int_equal(bad_payloads, 0);
}

static void test_core_lock(void **state)
{
    zts_peer_info_t pi;
    char text[ZTS_INET6_ADDRSTRLEN];

    (void)state;
    assert_int_equal(zts_core_lock_obtain(), ZTS_ERR_OK);
    assert_int_equal(zts_core_lock_obtain(), ZTS_ERR_OK); /* recursive (§5.10 SHOULD) */
    assert_int_equal(zts_core_query_addr_count(0x99), ZTS_ERR_NO_RESULT);
    assert_int_equal(zts_core_query_addr(0x99, 0, text, sizeof(text)), ZTS_ERR_NO_RESULT);
    assert_int_equal(zts_core_query_route_count(0x99), ZTS_ERR_NO_RESULT);
    assert_int_equal(zts_core_query_mc_count(0x99), ZTS_ERR_NO_RESULT);
    assert_int_equal(zts_core_query_peer_info(NWID, 0x020000000001ull, NULL), ZTS_ERR_ARG);
    assert_int_equal(zts_core_query_peer_info(NWID, 0x020000000001ull, &pi), ZTS_ERR_NO_RESULT);
    assert_int_equal(zts_core_query_path_count(0x1234567890ull), ZTS_ERR_NO_RESULT);
    assert_true(zts_node_get_id() != 0); /* other calls while holding it: no deadlock */
    assert_int_equal(zts_core_lock_release(), ZTS_ERR_OK);
    assert_int_equal(zts_core_lock_release(), ZTS_ERR_OK);
    assert_int_equal(zts_core_lock_release(), ZTS_ERR_GENERAL); /* not held */
}

/* zts_node_free: the run ends (NODE_DOWN), then everything is refused for good (§5.3). */
static void test_node_free(void **state)
{
    unsigned base = count();

    (void)state;
    assert_int_equal(zts_node_free(), ZTS_ERR_OK);
    assert_true(wait_event(ZTS_EVENT_NODE_DOWN, base) >= 0);
    assert_true(wait_event(ZTS_EVENT_STACK_DOWN, base) >= 0);
    assert_int_equal(code_at(count() - 1), ZTS_EVENT_STACK_DOWN);
    assert_int_equal(zts_node_start(), ZTS_ERR_SERVICE);
    assert_int_equal(zts_node_free(), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_set_port(0), ZTS_ERR_SERVICE);
    assert_int_equal(zts_init_from_storage(tmp), ZTS_ERR_SERVICE);
    assert_int_equal(zts_bsd_socket(ZTS_AF_INET, ZTS_SOCK_DGRAM, 0), ZTS_ERR_SERVICE);
    assert_int_equal(bad_payloads, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle),       cmocka_unit_test(test_init_args),
        cmocka_unit_test(test_memory_run), cmocka_unit_test(test_settings_reset),
        cmocka_unit_test(test_fatal_run),  cmocka_unit_test(test_storage),
        cmocka_unit_test_teardown(test_storage_prunes_peers, stop_node),
        cmocka_unit_test_teardown(test_root_peer_events, stop_node),
        cmocka_unit_test(test_networks),   cmocka_unit_test(test_adhoc),
        cmocka_unit_test(test_core_lock),
        cmocka_unit_test(test_node_free),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
