/*
 * test_home.c: state files in the home directory (src/sdk/home.c, src/io/file.c), damaged or
 * odd as a careless operator or a failing disk leaves them (issue 9): FIFOs, dangling links,
 * directories, oversized, truncated and altered files.  Every case runs in a fresh temporary
 * directory; an alarm turns a read that would block into a failure instead of a hang.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/file.h"
#include "sdk/home.h"

static char home[256];
static char id_text[ZT_IDENTITY_STR_SECRET_LEN + 1]; /* a valid secret identity */
static zt_identity root_id;

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *at(const char *name)
{
    static char paths[4][512];
    static unsigned next;
    char *p = paths[next++ % 4];

    snprintf(p, sizeof(paths[0]), "%s/%s", home, name);
    return p;
}

static void put(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(at(name), "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static size_t get(const char *name, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(at(name), "rb");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void make_fifo(const char *name)
{
    assert_int_equal(mkfifo(at(name), 0600), 0);
}

static mode_t type_of(const char *name)
{
    struct stat st;

    assert_int_equal(lstat(at(name), &st), 0);
    return st.st_mode & S_IFMT;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(home, sizeof(home), "%s/zt-home-XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(home));
    assert_int_equal(mkdir(at("moons.d"), 0700), 0);
    alarm(30); /* a blocking open or read fails the test instead of hanging it */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    alarm(0);
    return nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A planet (or moon) with one root, |root_id| at 127.0.0.1/9993, signed with |sign_sec| and
 * naming |update_pub| as the key for the next revision. */
static size_t make_world(uint8_t type, uint64_t id, uint64_t ts, const uint8_t *update_pub,
                         const uint8_t *sign_sec, uint8_t *out, size_t cap)
{
    static const uint8_t lo[4] = {127, 0, 0, 1};
    zt_world *w = calloc(1, sizeof(*w));
    zt_ssize n;

    assert_non_null(w);
    w->type = type;
    w->id = id;
    w->timestamp = ts;
    memcpy(w->update_key, update_pub, ZT_IDENTITY_KEY_LEN);
    w->nroots = 1;
    w->roots[0].identity = root_id;
    w->roots[0].nendpoints = 1;
    zt__inetaddr_set4(&w->roots[0].endpoints[0], lo, 9993);
    assert_int_equal(zt__world_sign(w, sign_sec), 0);
    n = zt__world_write(w, false, out, cap);
    assert_true(n > 0);
    free(w);
    return (size_t)n;
}

static int group_setup(void **state)
{
    zt_identity id;
    zt_ssize n;
    (void)state;

    assert_int_equal(zt__crypto_init(), 0);
    assert_int_equal(zt__identity_generate(&id, NULL), 0);
    n = zt__identity_to_string(&id, true, id_text, sizeof(id_text));
    assert_true(n > 0);
    root_id = id;
    root_id.has_secret = false;
    zt__identity_clear(&id);
    return 0;
}

/* ---- io/file.c ---------------------------------------------------------------------------- */

static void test_read_regular_and_links(void **state)
{
    zt_io_file_info info;
    uint8_t *data = NULL;
    size_t len = 0;
    char why[128];
    (void)state;

    put("plain", "hello", 5);
    assert_int_equal(zt__io_read_file_info(at("plain"), 5, &data, &len, &info), 0);
    assert_int_equal(len, 5);
    free(data);
    /* A link to a regular file is followed. */
    assert_int_equal(symlink(at("plain"), at("link")), 0);
    assert_int_equal(zt__io_read_file_info(at("link"), 5, &data, &len, &info), 0);
    free(data);
    assert_int_equal(zt__io_read_file_info(at("plain"), 4, &data, &len, &info), ZT_ERR_RANGE);
    assert_string_equal(zt__io_file_why(ZT_ERR_RANGE, &info, why, sizeof(why)),
                        "larger than 4 bytes (it has 5)");
    assert_int_equal(zt__io_read_file_info(at("nothing"), 5, &data, &len, &info),
                     ZT_ERR_NOTFOUND);
    assert_string_equal(zt__io_file_why(ZT_ERR_NOTFOUND, &info, why, sizeof(why)),
                        "no such file");
}

static void test_read_refuses_odd_files(void **state)
{
    zt_io_file_info info;
    uint8_t *data = NULL;
    size_t len = 0;
    char why[128];
    (void)state;

    make_fifo("fifo");
    assert_int_equal(zt__io_read_file_info(at("fifo"), 100, &data, &len, &info), ZT_ERR_IO);
    assert_int_equal(errno, ENXIO);
    assert_string_equal(zt__io_file_why(ZT_ERR_IO, &info, why, sizeof(why)),
                        "a FIFO, not a regular file");
    /* A link to a FIFO is no better. */
    assert_int_equal(symlink(at("fifo"), at("to-fifo")), 0);
    assert_int_equal(zt__io_read_file_info(at("to-fifo"), 100, &data, &len, &info), ZT_ERR_IO);
    assert_string_equal(zt__io_file_why(ZT_ERR_IO, &info, why, sizeof(why)),
                        "a FIFO, not a regular file");
    /* Dangling: never "not found", or a caller would create a file in its place. */
    assert_int_equal(symlink(at("gone"), at("dangling")), 0);
    assert_int_equal(zt__io_read_file_info(at("dangling"), 100, &data, &len, &info), ZT_ERR_IO);
    assert_int_equal(errno, ENOENT);
    assert_string_equal(zt__io_file_why(ZT_ERR_IO, &info, why, sizeof(why)),
                        "a dangling symbolic link");
    assert_int_equal(zt__io_read_file_info(at("moons.d"), 100, &data, &len, &info), ZT_ERR_IO);
    assert_int_equal(errno, EISDIR);
    assert_string_equal(zt__io_file_why(ZT_ERR_IO, &info, why, sizeof(why)),
                        "a directory, not a regular file");
    assert_int_equal(zt__io_read_file_info("/dev/null", 100, &data, &len, &info), ZT_ERR_IO);
    assert_string_equal(zt__io_file_why(ZT_ERR_IO, &info, why, sizeof(why)),
                        "a character device, not a regular file");
}

static void test_create_never_replaces(void **state)
{
    uint8_t buf[16];
    char target[256];
    ssize_t n;
    (void)state;

    assert_int_equal(zt__io_create_file(at("new"), "one", 3, 0600), 0);
    assert_int_equal(zt__io_create_file(at("new"), "two", 3, 0600), ZT_ERR_EXISTS);
    assert_int_equal(get("new", buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "one", 3);
    assert_int_equal(symlink(at("gone"), at("dangling")), 0);
    assert_int_equal(zt__io_create_file(at("dangling"), "two", 3, 0600), ZT_ERR_EXISTS);
    n = readlink(at("dangling"), target, sizeof(target) - 1);
    assert_true(n > 0);
    target[n] = 0;
    assert_string_equal(target, at("gone"));
    assert_int_equal(access(at("gone"), F_OK), -1);
}

/* ---- identity.secret ---------------------------------------------------------------------- */

static int load(zt_identity *id, bool *created, char *err, size_t cap)
{
    err[0] = 0;
    return zt__home_load_identity(home, id, created, err, cap);
}

static void test_identity_created_only_when_absent(void **state)
{
    zt_identity id;
    bool created = false;
    char err[512];
    (void)state;

    assert_int_equal(load(&id, &created, err, sizeof(err)), 0);
    assert_true(created);
    assert_int_equal(type_of("identity.secret"), S_IFREG);
    zt__identity_clear(&id);
    assert_int_equal(load(&id, &created, err, sizeof(err)), 0);
    assert_false(created);
    zt__identity_clear(&id);
}

/* The tester's FIFO: refused at once (no blocking open), the FIFO left in place. */
static void test_identity_fifo(void **state)
{
    zt_identity id;
    bool created = false;
    char err[512], want[512];
    (void)state;

    make_fifo("identity.secret");
    assert_int_equal(load(&id, &created, err, sizeof(err)), ZT_ERR_INVAL);
    snprintf(want, sizeof(want),
             "cannot read %s: a FIFO, not a regular file; it is left as it is",
             at("identity.secret"));
    assert_string_equal(err, want);
    assert_int_equal(type_of("identity.secret"), S_IFIFO);
    assert_int_equal(access(at("identity.public"), F_OK), -1);
}

/* The tester's dangling link: refused, the link untouched, no new identity anywhere. */
static void test_identity_dangling_link(void **state)
{
    zt_identity id;
    bool created = false;
    char err[512], target[256];
    ssize_t n;
    (void)state;

    assert_int_equal(symlink(at("elsewhere.secret"), at("identity.secret")), 0);
    assert_int_equal(load(&id, &created, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "identity.secret: a dangling symbolic link; it is left"));
    assert_int_equal(type_of("identity.secret"), S_IFLNK);
    n = readlink(at("identity.secret"), target, sizeof(target) - 1);
    assert_true(n > 0);
    target[n] = 0;
    assert_string_equal(target, at("elsewhere.secret"));
    assert_int_equal(access(at("elsewhere.secret"), F_OK), -1);
    assert_int_equal(access(at("identity.public"), F_OK), -1);
}

/* A link to a good secret is followed and stays a link. */
static void test_identity_link_to_file(void **state)
{
    zt_identity id;
    bool created = true;
    char err[512];
    (void)state;

    put("real.secret", id_text, strlen(id_text));
    assert_int_equal(symlink(at("real.secret"), at("identity.secret")), 0);
    assert_int_equal(load(&id, &created, err, sizeof(err)), 0);
    assert_false(created);
    assert_int_equal(id.address, root_id.address);
    assert_int_equal(type_of("identity.secret"), S_IFLNK);
    zt__identity_clear(&id);
}

/* Directory, oversized, corrupt and (when not root) unreadable: each refused, untouched. */
static void test_identity_other_damage(void **state)
{
    static char big[ZT_IDENTITY_STR_MAX + 2];
    zt_identity id;
    bool created = false;
    char err[512];
    uint8_t buf[600];
    (void)state;

    assert_int_equal(mkdir(at("identity.secret"), 0700), 0);
    assert_int_equal(load(&id, &created, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "a directory, not a regular file"));
    assert_int_equal(rmdir(at("identity.secret")), 0);

    memset(big, 'a', sizeof(big) - 1);
    put("identity.secret", big, sizeof(big) - 1);
    assert_int_equal(load(&id, &created, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "is corrupt (larger than 384 bytes (it has 385))"));

    put("identity.secret", id_text, strlen(id_text) - 3); /* truncated secret */
    assert_int_equal(load(&id, &created, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "is corrupt ("));
    assert_int_equal(get("identity.secret", buf, sizeof(buf)), strlen(id_text) - 3);

    if (geteuid() == 0)
        return; /* root reads a 0000 file anyway: nothing to refuse */
    put("identity.secret", id_text, strlen(id_text));
    assert_int_equal(chmod(at("identity.secret"), 0), 0);
    assert_int_equal(load(&id, &created, err, sizeof(err)), ZT_ERR_IO);
    assert_non_null(strstr(err, "Permission denied; it is left as it is"));
}

/* ---- planet ------------------------------------------------------------------------------- */

static int check_planet(bool *present, char *err, size_t cap)
{
    err[0] = 0;
    return zt__home_check_planet(home, present, err, cap);
}

static void test_planet_signature(void **state)
{
    uint8_t pub[64], sec[64], buf[ZT_WORLD_MAX_SERIALIZED];
    size_t len;
    bool present = false;
    char err[512];
    (void)state;

    assert_int_equal(check_planet(&present, err, sizeof(err)), 0);
    assert_false(present);
    zt__keypair_generate(pub, sec);
    len = make_world(ZT_WORLD_TYPE_PLANET, 0xc0ffee, 1000, pub, sec, buf, sizeof(buf));
    put("planet", buf, len);
    assert_int_equal(check_planet(&present, err, sizeof(err)), 0);
    assert_true(present);

    /* The tester's case: one byte changed near the end (the root's endpoint port). */
    buf[len - 2] ^= 0x01;
    put("planet", buf, len);
    assert_int_equal(check_planet(&present, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "planet is corrupt (planet 0000000000c0ffee: its signature"));

    /* The built-in planet, byte for byte, passes too. */
    put("planet", zt__default_planet, ZT_DEFAULT_PLANET_LEN);
    assert_int_equal(check_planet(&present, err, sizeof(err)), 0);
}

static void test_planet_odd_files(void **state)
{
    static uint8_t big[100000];
    bool present = false;
    char err[512];
    (void)state;

    make_fifo("planet");
    assert_int_equal(check_planet(&present, err, sizeof(err)), ZT_ERR_INVAL);
    assert_true(present);
    assert_non_null(strstr(err, "planet: a FIFO, not a regular file"));
    assert_int_equal(unlink(at("planet")), 0);

    /* A dangling link is not "no planet": the node would go to the public roots. */
    assert_int_equal(symlink(at("gone"), at("planet")), 0);
    assert_int_equal(check_planet(&present, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "planet: a dangling symbolic link"));
    assert_int_equal(unlink(at("planet")), 0);

    put("planet", big, sizeof(big));
    assert_int_equal(check_planet(&present, err, sizeof(err)), ZT_ERR_INVAL);
    assert_non_null(strstr(err, "(larger than 8480 bytes (it has 100000))"));
}

/* A revision signed with the previous key (the key changed): checked against planet.previous,
 * which zt__home_state_put() keeps when it stores such a revision. */
static void test_planet_key_change(void **state)
{
    uint8_t pub1[64], sec1[64], pub2[64], sec2[64];
    uint8_t rev1[ZT_WORLD_MAX_SERIALIZED], rev2[ZT_WORLD_MAX_SERIALIZED];
    size_t len1, len2;
    bool present = false, changed = false;
    char err[512];
    (void)state;

    zt__keypair_generate(pub1, sec1);
    zt__keypair_generate(pub2, sec2);
    len1 = make_world(ZT_WORLD_TYPE_PLANET, 0xc0ffee, 1000, pub1, sec1, rev1, sizeof(rev1));
    len2 = make_world(ZT_WORLD_TYPE_PLANET, 0xc0ffee, 2000, pub2, sec1, rev2, sizeof(rev2));
    put("planet", rev2, len2);
    assert_int_equal(check_planet(&present, err, sizeof(err)), ZT_ERR_INVAL);

    put("planet", rev1, len1);
    assert_int_equal(zt__home_state_put(home, ZT_STATE_PLANET, 0, rev2, len2, &changed), 0);
    assert_true(changed);
    assert_int_equal(access(at("planet.previous"), F_OK), 0);
    assert_int_equal(check_planet(&present, err, sizeof(err)), 0);
    /* The same revision stored again keeps planet.previous as it was. */
    assert_int_equal(zt__home_state_put(home, ZT_STATE_PLANET, 0, rev2, len2, &changed), 0);
    assert_false(changed);
    assert_int_equal(check_planet(&present, err, sizeof(err)), 0);
}

/* ---- moons.d ------------------------------------------------------------------------------ */

typedef struct {
    unsigned n;
    struct {
        uint64_t file_id;
        bool has_data;
        int rv;            /* zt__home_check_moon() */
        uint64_t moon_id;  /* from the contents */
        char why[160];
    } seen[8];
} moon_log;

static void on_moon(void *arg, uint64_t file_id, const char *path, const uint8_t *data,
                    size_t len, const char *why)
{
    moon_log *log = arg;
    zt_world *w = calloc(1, sizeof(*w));
    unsigned i = log->n++;

    (void)path;
    assert_true(i < 8);
    assert_non_null(w);
    log->seen[i].file_id = file_id;
    log->seen[i].has_data = data != NULL;
    if (data == NULL) {
        snprintf(log->seen[i].why, sizeof(log->seen[i].why), "%s", why);
    } else {
        log->seen[i].rv = zt__home_check_moon(w, data, len, log->seen[i].why,
                                              sizeof(log->seen[i].why));
        log->seen[i].moon_id = w->id;
    }
    free(w);
}

static unsigned find(const moon_log *log, uint64_t file_id)
{
    for (unsigned i = 0; i < log->n; i++)
        if (log->seen[i].file_id == file_id)
            return i;
    fail_msg("moon file %016llx not reported", (unsigned long long)file_id);
    return 0;
}

/* A good moon, one with a bad signature, one of 100 MB, a FIFO and a good moon filed under
 * another ID: each reported, with the moon's own ID when its contents have one. */
static void test_moons(void **state)
{
    uint8_t pub[64], sec[64], buf[ZT_WORLD_MAX_SERIALIZED];
    moon_log log;
    size_t len;
    int fd;
    unsigned i;
    (void)state;

    memset(&log, 0, sizeof(log));
    zt__keypair_generate(pub, sec);
    len = make_world(ZT_WORLD_TYPE_MOON, 0xa1, 1, pub, sec, buf, sizeof(buf));
    put("moons.d/00000000000000a1.moon", buf, len);
    put("moons.d/00000000000000b2.moon", buf, len); /* filed under another ID */
    buf[len - 5] ^= 0x01;
    put("moons.d/00000000000000a3.moon", buf, len);
    fd = open(at("moons.d/00000000000000a4.moon"), O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 100L * 1024 * 1024), 0); /* sparse: no disk used */
    close(fd);
    make_fifo("moons.d/00000000000000a5.moon");
    put("moons.d/not-a-moon.txt", "x", 1);

    assert_int_equal(zt__home_for_each_moon(home, on_moon, &log), 5);
    i = find(&log, 0xa1);
    assert_int_equal(log.seen[i].rv, 0);
    assert_int_equal(log.seen[i].moon_id, 0xa1);
    i = find(&log, 0xb2);
    assert_int_equal(log.seen[i].rv, 0);
    assert_int_equal(log.seen[i].moon_id, 0xa1);
    i = find(&log, 0xa3);
    assert_int_equal(log.seen[i].rv, ZT_ERR_AUTH);
    assert_int_equal(log.seen[i].moon_id, 0xa1);
    assert_string_equal(log.seen[i].why, "its signature does not verify under its update key");
    i = find(&log, 0xa4);
    assert_false(log.seen[i].has_data);
    assert_string_equal(log.seen[i].why, "larger than 8480 bytes (it has 104857600)");
    i = find(&log, 0xa5);
    assert_false(log.seen[i].has_data);
    assert_string_equal(log.seen[i].why, "a FIFO, not a regular file");
}

/* A planet where a moon is expected, and bytes that are no world at all. */
static void test_moon_check_kinds(void **state)
{
    uint8_t pub[64], sec[64], buf[ZT_WORLD_MAX_SERIALIZED];
    zt_world *w = calloc(1, sizeof(*w));
    char why[160];
    size_t len;
    (void)state;

    assert_non_null(w);
    zt__keypair_generate(pub, sec);
    len = make_world(ZT_WORLD_TYPE_PLANET, 0xc1, 1, pub, sec, buf, sizeof(buf));
    assert_int_equal(zt__home_check_moon(w, buf, len, why, sizeof(why)), ZT_ERR_INVAL);
    assert_string_equal(why, "world 00000000000000c1 is a planet, not a moon");
    assert_int_equal(zt__home_check_moon(w, buf, 10, why, sizeof(why)), ZT_ERR_INVAL);
    assert_int_equal(w->type, ZT_WORLD_TYPE_NULL);
    assert_non_null(strstr(why, "not a world"));
    free(w);
}

/* ---- state_get ---------------------------------------------------------------------------- */

static void test_state_get(void **state)
{
    uint8_t buf[64];
    char why[128];
    (void)state;

    assert_int_equal(mkdir(at("networks.d"), 0700), 0);
    make_fifo("networks.d/0000000000000001.conf");
    assert_int_equal(zt__home_state_get(home, ZT_STATE_NETWORK_CONFIG, 1, buf, sizeof(buf), why,
                                        sizeof(why)),
                     ZT_ERR_IO);
    assert_string_equal(why, "a FIFO, not a regular file");
    put("networks.d/0000000000000002.conf", "0123456789", 10);
    assert_int_equal(zt__home_state_get(home, ZT_STATE_NETWORK_CONFIG, 2, buf, 9, why,
                                        sizeof(why)),
                     ZT_ERR_NOSPACE);
    assert_string_equal(why, "larger than 9 bytes (it has 10)");
    assert_int_equal(zt__home_state_get(home, ZT_STATE_NETWORK_CONFIG, 2, buf, sizeof(buf), NULL,
                                        0),
                     10);
    assert_int_equal(zt__home_state_get(home, ZT_STATE_NETWORK_CONFIG, 3, buf, sizeof(buf), NULL,
                                        0),
                     ZT_ERR_NOTFOUND);
}

/* ---- prepare: mkdir -p, the last component decides ---------------------------------------- */

static void test_prepare_paths(void **state)
{
    char err[512];
    struct stat st;
    (void)state;

    assert_int_equal(zt__home_prepare(at("a/b/c/"), err, sizeof(err)), 0);
    assert_int_equal(stat(at("a/b/c"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(zt__home_prepare(at("a/b/c"), err, sizeof(err)), 0); /* there already */
    /* an intermediate component that is a file: the last one cannot be made */
    put("f", "x", 1);
    assert_int_equal(zt__home_prepare(at("f/home"), err, sizeof(err)), ZT_ERR_IO);
    assert_non_null(strstr(err, "cannot create home directory"));
    /* the last component a file: not a directory */
    assert_int_equal(zt__home_prepare(at("f"), err, sizeof(err)), ZT_ERR_IO);
    assert_non_null(strstr(err, "not a directory"));
}

/* ---- the networks to join again ------------------------------------------------------------ */

static bool collect_nwid(void *arg, uint64_t nwid)
{
    uint64_t *seen = arg;

    seen[seen[0] + 1 < 8 ? ++seen[0] : 0] = nwid;
    return nwid != 0xabcdef0123456789ULL; /* one refused: not counted */
}

static void test_for_each_network(void **state)
{
    uint64_t seen[8] = {0};
    (void)state;

    assert_int_equal(zt__home_for_each_network(home, collect_nwid, seen), 0); /* no directory */
    assert_int_equal(mkdir(at("networks.d"), 0700), 0);
    put("networks.d/8056c2e21c000001.conf", "x", 1);
    put("networks.d/ABCDEF0123456789.conf", "x", 1);
    put("networks.d/8056c2e21c000002.local.conf", "x", 1);   /* the service's, not a join */
    put("networks.d/0000000000000000.conf", "x", 1);         /* network 0 */
    put("networks.d/8056c2e21c00000.conf", "x", 1);          /* 15 digits */
    put("networks.d/8056c2e21c0000033.conf", "x", 1);        /* 17 digits */
    put("networks.d/8056c2e21c00000g.conf", "x", 1);         /* not hex */
    put("networks.d/8056c2e21c000004.conf.tmp", "x", 1);     /* a temporary file */
    assert_int_equal(zt__home_for_each_network(home, collect_nwid, seen), 1);
    assert_int_equal(seen[0], 2);
    assert_true((seen[1] == 0x8056c2e21c000001ULL && seen[2] == 0xabcdef0123456789ULL) ||
                (seen[2] == 0x8056c2e21c000001ULL && seen[1] == 0xabcdef0123456789ULL));
}

/* ---- state_put: modes --------------------------------------------------------------------- */

/* identity.secret and network configs (a member's credentials) are the owner's alone, as
 * libzt keeps them; the rest is readable. */
static void test_state_put_modes(void **state)
{
    struct stat st;
    bool changed = false;
    (void)state;

    assert_int_equal(zt__home_state_put(home, ZT_STATE_NETWORK_CONFIG, 5,
                                        (const uint8_t *)"config", 6, &changed),
                     0);
    assert_true(changed);
    assert_int_equal(stat(at("networks.d/0000000000000005.conf"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(zt__home_state_put(home, ZT_STATE_PEER, 0x0102030405ULL,
                                        (const uint8_t *)"peer", 4, &changed),
                     0);
    assert_int_equal(stat(at("peers.d/0102030405.peer"), &st), 0);
    {
        mode_t um = umask(0); /* the process's umask applies to the readable files */
        umask(um);
        assert_int_equal(st.st_mode & 0777, 0644 & ~um);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_regular_and_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_put_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_for_each_network, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_refuses_odd_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_never_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_created_only_when_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_dangling_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_link_to_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_other_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_planet_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_planet_odd_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_planet_key_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moon_check_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_get, setup, teardown),
    };
    return cmocka_run_group_tests_name("home", tests, group_setup, NULL);
}
