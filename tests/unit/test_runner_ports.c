/*
 * test_runner_ports.c: the runner's extra ports (src/sdk/runner.c, runner_io.c; vl1.md §5.11):
 *
 *   - a random secondary port is re-bound to a new random port once the node has been offline
 *     for longer than the re-bind period (the test knob cfg.secondary_rebind_ms, 300 ms here
 *     instead of 120 s), at most once per period; the sockets keep their local socket IDs and
 *     the new one receives;
 *   - a fixed secondary port, and any secondary port of a node that is online, stay;
 *   - with port_mapping, a tertiary port is bound after the others and handed to the port
 *     mapper (a fake here: no gateway is asked), whose external address the runner reports
 *     and advertises; zt__runner_del() destroys the mapper; port_mapping without a mapper is
 *     refused.
 *
 * Everything is on 127.0.0.1: the planet names a root at a loopback port the test holds and
 * never answers (offline node), or a root runner beside the leaf (online node).
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec/identity.h"
#include "codec/world.h"
#include "io/clock.h"
#include "sdk/runner.h"

#define REBIND_MS 300

static const uint8_t lo4[4] = {127, 0, 0, 1};
static char base[200];

/* ---- helpers ------------------------------------------------------------------------------ */

/* What the runner logged, for the assertions (log callback: I/O thread and others). */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_text[16384];

static void on_log(void *user, zt_runner_log_level level, const char *msg)
{
    size_t n;

    (void)user;
    (void)level;
    pthread_mutex_lock(&log_mu);
    n = strlen(log_text);
    if (n + strlen(msg) + 2 < sizeof(log_text))
        snprintf(log_text + n, sizeof(log_text) - n, "%s\n", msg);
    pthread_mutex_unlock(&log_mu);
}

static bool logged(const char *needle)
{
    bool found;

    pthread_mutex_lock(&log_mu);
    found = strstr(log_text, needle) != NULL;
    pthread_mutex_unlock(&log_mu);
    return found;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[600];
    FILE *f;

    assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path));
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A home directory under |base| with a planet naming |root| at 127.0.0.1:|port|. */
static void make_home(char *home, size_t cap, const char *name, const zt_identity *root,
                      uint16_t port)
{
    static uint8_t buf[ZT_WORLD_MAX_SERIALIZED];
    uint8_t pub[ZT_IDENTITY_KEY_LEN], sec[ZT_IDENTITY_KEY_LEN];
    zt_world *w = calloc(1, sizeof(*w));
    zt_ssize n;

    assert_non_null(w);
    assert_true((size_t)snprintf(home, cap, "%s/%s", base, name) < cap);
    assert_int_equal(mkdir(home, 0700), 0);
    zt__keypair_generate(pub, sec);
    w->type = ZT_WORLD_TYPE_PLANET;
    w->id = 0x706f727473ULL;
    w->timestamp = 1000;
    memcpy(w->update_key, pub, sizeof(pub));
    w->nroots = 1;
    w->roots[0].identity = *root;
    zt__identity_clear(&w->roots[0].identity); /* the public half only */
    w->roots[0].nendpoints = 1;
    zt__inetaddr_set4(&w->roots[0].endpoints[0], lo4, port);
    assert_int_equal(zt__world_sign(w, sec), 0);
    n = zt__world_write(w, false, buf, sizeof(buf));
    assert_true(n > 0);
    write_file(home, "planet", buf, (size_t)n);
    free(w);
}

/* A UDP socket on 127.0.0.1 (port 0: any); its port into *pport. */
static int udp_socket(uint16_t port, uint16_t *pport)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    memcpy(&sin.sin_addr, lo4, 4);
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        close(fd);
        return -1;
    }
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    if (pport != NULL)
        *pport = ntohs(sin.sin_port);
    return fd;
}

/* True when something holds 127.0.0.1:|port| (UDP). */
static bool port_taken(uint16_t port)
{
    int fd = udp_socket(port, NULL);

    if (fd < 0)
        return errno == EADDRINUSE;
    close(fd);
    return false;
}

static void config(zt_runner_config *cfg, const char *home)
{
    zt__runner_config_default(cfg);
    cfg->home = home;
    cfg->primary_port = 0;
    cfg->bind_specific = true;
    cfg->bind_ip4 = lo4;
    cfg->secondary_rebind_ms = REBIND_MS;
    cfg->log = on_log;
}

static zt_runner *start(const zt_runner_config *cfg)
{
    zt_runner *r = NULL;
    char err[256] = "";
    int rv = zt__runner_new(&r, cfg, err, sizeof(err));

    if (rv != 0)
        fail_msg("zt__runner_new: %s (%d)", err, rv);
    assert_int_equal(zt__runner_start(r), 0);
    return r;
}

/* Waits up to |ms| for the secondary port to differ from |from|; returns it (|from| if not). */
static uint16_t wait_port_change(zt_runner *r, uint16_t from, long ms)
{
    for (long t = 0; t < ms; t += 5) {
        uint16_t now = zt__runner_secondary_port(r);
        if (now != from)
            return now;
        sleep_ms(5);
    }
    return from;
}

/* Sends one datagram to 127.0.0.1:|port| from a socket of our own. */
static void poke(uint16_t port)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = udp_socket(0, NULL);
    static const uint8_t junk[40] = {1, 2, 3};

    memcpy(&to.sin_addr, lo4, 4);
    assert_true(sendto(fd, junk, sizeof(junk), 0, (struct sockaddr *)&to, sizeof(to)) > 0);
    close(fd);
}

static uint64_t rx_count(zt_runner *r)
{
    zt_runner_status st;

    assert_int_equal(zt__runner_get_status(r, &st), 0);
    return st.counters.rx_datagrams;
}

/* ---- offline: re-bound ---------------------------------------------------------------------- */

/* Interfaces whose addresses are never advertised: ZeroTier and tunnel devices by name, and
 * local.conf's blacklist. */
static void test_if_skipped(void **state)
{
    zt_runner_local local;

    (void)state;
    memset(&local, 0, sizeof(local));
    assert_true(zt__runner_if_skipped(NULL, "zt3jnq6ohj"));
    assert_true(zt__runner_if_skipped(NULL, "tun0"));
    assert_true(zt__runner_if_skipped(&local, "tap1"));
    assert_false(zt__runner_if_skipped(NULL, "eth0"));
    assert_false(zt__runner_if_skipped(&local, "lo"));
    assert_false(zt__runner_if_skipped(NULL, NULL));
    snprintf(local.if_prefix_blacklist[0], sizeof(local.if_prefix_blacklist[0]), "docker");
    local.n_if_prefix_blacklist = 1;
    assert_true(zt__runner_if_skipped(&local, "docker0"));
    assert_false(zt__runner_if_skipped(&local, "dock"));
    assert_false(zt__runner_if_skipped(&local, "eth0"));
}

static void test_offline_rebinds(void **state)
{
    zt_identity root;
    zt_runner_config cfg;
    zt_inetaddr socks[8];
    char home[256];
    uint16_t silent_port, p0, p1, p2;
    int silent = udp_socket(0, &silent_port); /* the root: holds its port, never answers */
    int64_t t1, t2;
    uint64_t rx;
    zt_runner *r;

    (void)state;
    assert_int_equal(zt__identity_generate(&root, NULL), 0);
    make_home(home, sizeof(home), "offline", &root, silent_port);
    config(&cfg, home);
    r = start(&cfg);
    p0 = zt__runner_secondary_port(r);
    assert_true(p0 >= 20000);
    assert_int_equal(zt__runner_local_sockets(r, socks, 8), 2);
    assert_int_equal(socks[1].port, p0);

    p1 = wait_port_change(r, p0, 3000);
    t1 = zt__io_clock_ms();
    assert_int_not_equal(p1, p0);
    assert_true(p1 >= 20000 && p1 != zt__runner_primary_port(r));
    /* Same local socket ID (1: the secondary IPv4 socket), new port, bound, and watched. */
    assert_int_equal(zt__runner_local_sockets(r, socks, 8), 2);
    assert_int_equal(socks[1].port, p1);
    assert_int_equal(socks[0].port, zt__runner_primary_port(r));
    assert_true(port_taken(p1));
    rx = rx_count(r);
    poke(p1);
    for (int i = 0; i < 200 && rx_count(r) == rx; i++)
        sleep_ms(5);
    assert_true(rx_count(r) > rx);
    assert_true(logged("secondary port"));
    assert_true(logged("re-randomized to"));

    /* Still offline: once more, but not before another period has passed. */
    p2 = wait_port_change(r, p1, 3000);
    t2 = zt__io_clock_ms();
    assert_int_not_equal(p2, p1);
    assert_true(t2 - t1 >= REBIND_MS - 20);
    zt__runner_del(r);
    assert_false(port_taken(p2));
    close(silent);
    zt__identity_clear(&root);
}

/* ---- fixed, or online: kept ----------------------------------------------------------------- */

static void test_fixed_kept(void **state)
{
    zt_identity root;
    zt_runner_config cfg;
    char home[256];
    uint16_t silent_port, fixed;
    int silent = udp_socket(0, &silent_port), probe = udp_socket(0, &fixed);
    zt_runner *r;

    (void)state;
    close(probe); /* a free port, for the runner to bind as its fixed secondary */
    assert_int_equal(zt__identity_generate(&root, NULL), 0);
    make_home(home, sizeof(home), "fixed", &root, silent_port);
    config(&cfg, home);
    cfg.secondary_port = fixed;
    r = start(&cfg);
    assert_int_equal(zt__runner_secondary_port(r), fixed);
    assert_int_equal(wait_port_change(r, fixed, 4 * REBIND_MS), fixed);
    zt__runner_del(r);
    close(silent);
    zt__identity_clear(&root);
}

static void test_online_kept(void **state)
{
    char secret[ZT_IDENTITY_STR_MAX + 1], root_home[256], leaf_home[256];
    zt_identity root;
    zt_runner_config cfg;
    zt_runner_status st;
    uint16_t root_port, p0;
    int probe = udp_socket(0, &root_port);
    zt_runner *rr, *leaf;
    zt_ssize n;

    (void)state;
    close(probe);
    assert_int_equal(zt__identity_generate(&root, NULL), 0);
    make_home(root_home, sizeof(root_home), "root", &root, root_port);
    n = zt__identity_to_string(&root, true, secret, sizeof(secret));
    assert_true(n > 0);
    write_file(root_home, "identity.secret", secret, (size_t)n);
    config(&cfg, root_home);
    cfg.primary_port = root_port;
    cfg.secondary_port = -1;
    cfg.allow_loopback_paths = true;
    rr = start(&cfg);

    make_home(leaf_home, sizeof(leaf_home), "leaf", &root, root_port);
    config(&cfg, leaf_home);
    cfg.allow_loopback_paths = true;
    leaf = start(&cfg);
    st.is_online = false;
    for (int i = 0; i < 1000 && !st.is_online; i++) {
        assert_int_equal(zt__runner_get_status(leaf, &st), 0);
        sleep_ms(5);
    }
    assert_true(st.is_online);
    /* Online for four re-bind periods: the port stays. */
    p0 = zt__runner_secondary_port(leaf);
    assert_int_equal(wait_port_change(leaf, p0, 4 * REBIND_MS), p0);
    zt__runner_del(leaf);
    zt__runner_del(rr);
    zt__identity_clear(&root);
}

/* ---- port mapping --------------------------------------------------------------------------- */

/* A port mapper that maps at once: external 198.51.100.7:<port + 1>.  No gateway is asked. */
struct zt_portmap {
    zt_portmap_config cfg;
};
static int fake_created, fake_destroyed;
static uint16_t fake_port;

static int fake_create(zt_portmap **ppm, const zt_portmap_config *cfg)
{
    zt_portmap *pm = calloc(1, sizeof(*pm));

    if (pm == NULL)
        return ZT_ERR_NOMEM;
    pm->cfg = *cfg;
    fake_created++;
    fake_port = cfg->port;
    *ppm = pm;
    if (cfg->changed != NULL)
        cfg->changed(cfg->user); /* "mapped": the runner advertises it */
    return 0;
}

static void fake_destroy(zt_portmap *pm)
{
    fake_destroyed++;
    free(pm);
}

static bool fake_get(zt_portmap *pm, zt_inetaddr *external, const char **pmethod)
{
    static const uint8_t ext[4] = {198, 51, 100, 7};

    if (external != NULL)
        zt__inetaddr_set4(external, ext, (uint16_t)(pm->cfg.port + 1));
    if (pmethod != NULL)
        *pmethod = "fake";
    return true;
}

static const zt_portmap_ops fake_ops = {fake_create, fake_destroy, fake_get};

static void test_tertiary_mapped(void **state)
{
    zt_identity root;
    zt_runner_config cfg;
    zt_inetaddr socks[8], ext;
    const char *method = NULL;
    char home[256], err[256];
    uint16_t silent_port, tport;
    int silent = udp_socket(0, &silent_port);
    zt_runner *r = NULL;

    (void)state;
    assert_int_equal(zt__identity_generate(&root, NULL), 0);
    make_home(home, sizeof(home), "mapped", &root, silent_port);
    config(&cfg, home);
    cfg.port_mapping = true;
    /* No mapper: refused. */
    assert_int_equal(zt__runner_new(&r, &cfg, err, sizeof(err)), ZT_ERR_INVAL);
    cfg.port_mapper = &fake_ops;
    cfg.secondary_port = -1; /* the tertiary socket then has ID 1 */
    r = start(&cfg);
    tport = zt__runner_tertiary_port(r);
    assert_int_equal(fake_created, 1);
    assert_int_equal(fake_port, tport);
    assert_true(tport >= 20000 && tport != zt__runner_primary_port(r));
    assert_true(port_taken(tport));
    assert_int_equal(zt__runner_local_sockets(r, socks, 8), 2);
    assert_int_equal(socks[1].port, tport);
    assert_true(zt__runner_port_mapping(r, &ext, &method));
    assert_int_equal(ext.port, tport + 1);
    assert_string_equal(method, "fake");
    /* Loopback addresses are not advertised (no allow_loopback_paths): only the mapped one. */
    for (int i = 0; i < 200 && !logged("1 local addresses advertised"); i++)
        sleep_ms(5);
    assert_true(logged("1 local addresses advertised"));
    zt__runner_del(r);
    assert_int_equal(fake_destroyed, 1);
    assert_false(port_taken(tport));
    close(silent);
    zt__identity_clear(&root);
}

/* ---- main ----------------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    log_text[0] = 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_if_skipped),
        cmocka_unit_test_setup(test_offline_rebinds, setup),
        cmocka_unit_test_setup(test_fixed_kept, setup),
        cmocka_unit_test_setup(test_online_kept, setup),
        cmocka_unit_test_setup(test_tertiary_mapped, setup),
    };
    int rv;

    snprintf(base, sizeof(base), "%s/zt-runner-ports.XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(base) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    rv = cmocka_run_group_tests(tests, NULL, NULL);
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rv;
}
