/*
 * sim_ctl.c: the controller beside a simulated node (sim_ctl.h).
 */
#include "sim_ctl.h"

#include <unistd.h>

#include "controller/controller.h"

ctlhost ctl; /* global so that a failed check's teardown closes it */

static uint64_t ctl_random(void *arg)
{
    uint64_t *s = arg, z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The node's config_request callback: the request goes to the controller, its answers back
 * through |reply| (test_node.c's test_controller does the same). */
int ctl_hook(void *user, sim_node *n, const zt_identity *requester, uint64_t packet_id,
             const uint8_t *payload, size_t len, int64_t now,
             int (*reply)(void *ctx, uint64_t dest, uint8_t verb, const uint8_t *payload,
                          size_t len),
             void *reply_ctx)
{
    ctlhost *c = user;
    zt_controller_out out = {.send = reply, .arg = reply_ctx};
    (void)n;

    if (c->api == NULL)
        return ZT_ERR_NOTFOUND;
    (void)zt__controller_handle_request(zt__controller_of(c->api), requester, payload, len,
                                       packet_id, now, &out, NULL);
    return 0;
}

void ctl_open(sim_world *w)
{
    char secret[ZT_IDENTITY_STR_MAX + 1];
    zts_controller_config cfg;
    int rv;

    CHECK(w, zt__identity_to_string(sim_identity(ctl.node), true, secret, sizeof(secret)) > 0,
          "controller identity to string");
    zts_controller_config_default(&cfg);
    cfg.identity_secret = secret;
    cfg.store_kind = ZTS_CONTROLLER_STORE_SQLITE;
    cfg.store_path = ctl.db;
    cfg.random_u64 = ctl_random;
    cfg.random_arg = &ctl.rng;
    rv = zts_controller_new(&ctl.api, &cfg);
    memset(secret, 0, sizeof(secret));
    CHECK(w, rv == ZTS_CONTROLLER_OK, "zts_controller_new(%s): %d", ctl.db, rv);
    CHECK(w, zts_controller_address(ctl.api) == sim_address(ctl.node),
          "controller address %010" PRIx64 " is not its node's", zts_controller_address(ctl.api));
}

void ctl_close(void)
{
    zts_controller_del(ctl.api);
    ctl.api = NULL;
    for (size_t i = 0; i < ctl.nout; i++)
        free(ctl.out[i].data);
    ctl.nout = 0;
}

/* Removes the store and its directory (SQLite may leave a journal beside the file). */
void ctl_cleanup(void)
{
    static const char *const suffix[] = {"", "-journal", "-wal", "-shm"};
    char path[160];

    ctl_close();
    if (ctl.dir[0] == '\0')
        return;
    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", ctl.db, suffix[i]);
        (void)unlink(path);
    }
    (void)rmdir(ctl.dir);
    ctl.dir[0] = '\0';
}

static int ctl_queue(void *arg, uint64_t dest, uint8_t verb, const uint8_t *payload, size_t len)
{
    ctlhost *c = arg;
    outmsg *m;

    if (c->nout >= CTL_MAXOUT)
        return -1;
    m = &c->out[c->nout++];
    m->dest = dest;
    m->verb = verb;
    m->len = len;
    m->data = malloc(len == 0 ? 1 : len);
    assert_non_null(m->data);
    memcpy(m->data, payload, len);
    return 0;
}

/* Sends what the controller queued after edits made through zts_controller_* (pushes and
 * revocations, controller.h "Change notes") with zt__node_send_vl2: the service's job.
 * Returns how many payloads of |verb| (0 = any) were sent. */
static size_t ctl_send_queued(sim_world *w, unsigned verb, const char *what);

size_t ctl_flush(sim_world *w, unsigned verb)
{
    zt_controller_out out = {.send = ctl_queue, .arg = &ctl};
    int rv;

    rv = zt__controller_flush(zt__controller_of(ctl.api), sim_now(w), &out);
    CHECK(w, rv == 0, "zt__controller_flush: %s", zt__strerror(rv));
    return ctl_send_queued(w, verb, "flush");
}

/* Sends what the controller queued through ctl_queue.  Returns the count of |verb| (0 any). */
static size_t ctl_send_queued(sim_world *w, unsigned verb, const char *what)
{
    size_t count = 0;
    int rv;

    for (size_t i = 0; i < ctl.nout; i++) {
        outmsg *m = &ctl.out[i];
        rv = zt__node_send_vl2(sim_zt(ctl.node), m->dest, m->verb, m->data, m->len, sim_now(w));
        CHECK(w, rv == 0, "zt__node_send_vl2 to %010" PRIx64 " verb 0x%02x: %s", m->dest,
              m->verb, zt__strerror(rv));
        if (verb == 0 || m->verb == verb)
            count++;
        free(m->data);
    }
    sim_note(w, "controller %s: %zu payloads", what, ctl.nout);
    ctl.nout = 0;
    return count;
}


void ctl_create(sim_world *w, uint64_t seed)
{
    ctl.rng = seed ^ 0xc0a7u;
    snprintf(ctl.dir, sizeof(ctl.dir), "/tmp/zt-sim-vl2-XXXXXX");
    CHECK(w, mkdtemp(ctl.dir) != NULL, "mkdtemp");
    snprintf(ctl.db, sizeof(ctl.db), "%s/controller.db", ctl.dir);
    ctl_open(w);
}

uint64_t ctl_scenario_end(sim_world *w)
{
    uint64_t hash;

    check_sim_sane(w);
    hash = sim_trace_hash(w);
    world_done(w);
    ctl_cleanup();
    return hash;
}
