/*
 * sim.c: the deterministic simulator of tests/sim (see sim.h and
 * docs/internals/simulation.md): the world, its nodes and their cores, the run loop and the
 * queries.  The underlay is in sim_net.c, the trace and what is recorded in sim_record.c, the
 * identities and the planet in sim_fixtures.c.
 *
 * Everything random comes from one splitmix64 generator owned by the world, drawn in a fixed
 * order (the order in which the cores call us back, which is itself deterministic), so a seed
 * fixes the whole run.  Identities are fixtures (sim_fixtures.c), so the run is also the same
 * from one process to the next: a seed printed by a failing test reproduces the failure
 * anywhere.
 */
#include "sim_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MEM_HEADER 16                  /* keeps max_align_t alignment */

/* ---- small helpers ---------------------------------------------------------------------- */

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
    if (p == NULL)
        die("out of memory");
    return p;
}

void grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t ncap;
    void *np;

    if (need <= *cap)
        return;
    ncap = *cap < 16 ? 16 : *cap * 2;
    while (ncap < need)
        ncap *= 2;
    np = realloc(*p, ncap * size);
    if (np == NULL)
        die("out of memory");
    *p = np;
    *cap = ncap;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t sim_rand(sim_world *w)
{
    return splitmix64(&w->rng);
}

/* The modulo bias is irrelevant here. */
uint64_t rand_below(sim_world *w, uint64_t n)
{
    return sim_rand(w) % n;
}

const char *sim_addr_str(const zt_inetaddr *a, char *buf, size_t cap)
{
    if (zt__inetaddr_format(a, buf, cap) < 0)
        snprintf(buf, cap, "(none)");
    return buf;
}

zt_inetaddr parse_addr(const char *s)
{
    zt_inetaddr a;
    if (zt__inetaddr_parse(&a, s, strlen(s)) != 0)
        die("bad address \"%s\" (want ip/port)", s);
    return a;
}

/* ---- the zt_mem hook: counts what each core holds --------------------------------------- */

static void *mem_calloc(void *user, size_t n, size_t size)
{
    sim_node *node = user;
    uint8_t *p;

    if (size != 0 && n > (SIZE_MAX - SIM_MEM_HEADER) / size)
        return NULL;
    p = calloc(1, SIM_MEM_HEADER + n * size);
    if (p == NULL)
        return NULL;
    memcpy(p, &(size_t){n * size}, sizeof(size_t));
    node->mem_in_use += n * size;
    if (node->mem_in_use > node->mem_peak)
        node->mem_peak = node->mem_in_use;
    return p + SIM_MEM_HEADER;
}

static void mem_free(void *user, void *ptr)
{
    sim_node *node = user;
    uint8_t *p;
    size_t size;

    if (ptr == NULL)
        return;
    p = (uint8_t *)ptr - SIM_MEM_HEADER;
    memcpy(&size, p, sizeof(size_t));
    node->mem_in_use -= size;
    free(p);
}

/* ---- world and nodes -------------------------------------------------------------------- */

sim_world *sim_new(uint64_t seed)
{
    sim_world *w = xcalloc(1, sizeof(*w));

    w->rng = seed;
    w->default_link = (sim_link_cfg){.latency_ms = 10};
    trace_init(w, seed);
    return w;
}

int64_t sim_now(const sim_world *w)
{
    return w->now;
}

void sim_set_default_link(sim_world *w, sim_link_cfg cfg)
{
    w->default_link = cfg;
}

static sim_node *node_add(sim_world *w, sim_nat *nat, const char *addr, bool is_root,
                          const sim_node_opts *opts)
{
    sim_node *n;

    if (w->nnodes >= SIM_MAX_NODES)
        die("too many nodes");
    n = xcalloc(1, sizeof(*n));
    n->w = w;
    n->idx = w->nnodes;
    n->is_root = is_root;
    if (opts != NULL)
        n->opts = *opts;
    if (is_root)
        snprintf(n->name, sizeof(n->name), "root%u", w->nroots);
    else
        snprintf(n->name, sizeof(n->name), "n%u", n->idx);
    n->nat = nat;
    n->addr = parse_addr(addr);
    if (n->addr.family != 4)
        die("%s: the simulated underlay is IPv4 only", addr);
    if (lan_host(w, nat, &n->addr) != NULL)
        die("%s: address taken", addr);
    n->sock = 100 + (int64_t)n->idx; /* distinct per node: a wrong socket ID shows */
    n->link = w->default_link;
    n->last_timer = INT64_MIN;
    n->mem.user = n;
    n->mem.calloc = mem_calloc;
    n->mem.free = mem_free;
    for (size_t i = 0; i < sizeof(n->seed); i += 8) {
        uint64_t r = sim_rand(w);
        memcpy(n->seed + i, &r, 8);
    }
    if (!n->opts.bare && n->opts.identity != NULL)
        n->id = *n->opts.identity;
    else if (!n->opts.bare)
        identity_for(n->idx, &n->id);
    w->nodes[w->nnodes++] = n;
    return n;
}

sim_node *sim_add_root(sim_world *w, const char *addr)
{
    sim_node *n;

    if (w->started)
        die("roots must be added before the world starts");
    if (w->nroots >= ZT_WORLD_MAX_ROOTS)
        die("at most %d roots", ZT_WORLD_MAX_ROOTS);
    n = node_add(w, NULL, addr, true, NULL);
    w->nroots++;
    return n;
}

/* The config_request callback of a node with a hook (sim_set_config_hook). */
static int cb_config_request(void *user, const zt_identity *requester, uint64_t packet_id,
                             const uint8_t *payload, size_t len, int64_t now,
                             int (*reply)(void *ctx, uint64_t dest, uint8_t verb,
                                          const uint8_t *payload, size_t len),
                             void *reply_ctx)
{
    sim_node *n = user;

    if (n->config_hook == NULL)
        return ZT_ERR_NOTFOUND;
    return n->config_hook(n->config_hook_user, n, requester, packet_id, payload, len, now,
                          reply, reply_ctx);
}

static void node_start(sim_node *n)
{
    sim_world *w = n->w;
    zt_node_config cfg;
    zt_node_callbacks cb;
    int rv;

    if (n->opts.bare || n->zt != NULL)
        return;
    zt__node_config_default(&cfg);
    cfg.identity = &n->id;
    memcpy(cfg.seed, n->seed, sizeof(cfg.seed));
    cfg.mem = &n->mem;
    cfg.planet = w->planet;
    cfg.planet_len = w->planet_len;
    if (n->opts.max_peers != 0)
        cfg.max_peers = n->opts.max_peers;
    if (n->opts.online_window_ms != 0)
        cfg.online_window_ms = n->opts.online_window_ms;
    if (n->opts.peer_idle_ms != 0)
        cfg.peer_idle_ms = n->opts.peer_idle_ms;
    memset(&cb, 0, sizeof(cb));
    cb.user = n;
    cb.send = cb_send;
    cb.event = cb_event;
    cb.state_get = cb_state_get;
    cb.state_put = cb_state_put;
    cb.frame = cb_frame;
    if (n->config_hook != NULL)
        cb.config_request = cb_config_request;
    rv = zt__node_new(&n->zt, &cfg, &cb, w->now);
    if (rv != 0)
        die("%s: zt__node_new: %s", n->name, zt__strerror(rv));
    if (!n->opts.no_local_addresses) {
        rv = zt__node_set_local_addresses(n->zt, &n->addr, 1);
        if (rv != 0)
            die("%s: zt__node_set_local_addresses: %s", n->name, zt__strerror(rv));
    }
    n->started = true;
    n->killed = false;
    n->last_timer = w->now - 1;
    trace_line(w, "START %s %010" PRIx64 " at %u.%u.%u.%u/%u%s", n->name, n->id.address,
               n->addr.ip[0], n->addr.ip[1], n->addr.ip[2], n->addr.ip[3], n->addr.port,
               n->nat != NULL ? " (behind NAT)" : "");
}

sim_node *sim_add_node_opts(sim_world *w, sim_nat *nat, const char *addr,
                            const sim_node_opts *opts)
{
    sim_node *n = node_add(w, nat, addr, false, opts);
    if (w->started)
        node_start(n);
    return n;
}

sim_node *sim_add_node(sim_world *w, sim_nat *nat, const char *addr)
{
    return sim_add_node_opts(w, nat, addr, NULL);
}

void sim_set_link(sim_node *n, sim_link_cfg cfg)
{
    n->link = cfg;
}

void sim_start(sim_world *w)
{
    if (w->started)
        return;
    w->started = true;
    for (unsigned i = 0; i < w->nnodes; i++)
        if (!w->nodes[i]->opts.bare) {
            build_planet(w);
            break;
        }
    for (unsigned i = 0; i < w->nnodes; i++)
        node_start(w->nodes[i]);
}

void sim_del(sim_world *w)
{
    if (w == NULL)
        return;
    for (unsigned i = 0; i < w->nnodes; i++) {
        sim_node *n = w->nodes[i];
        zt__node_del(n->zt);
        if (n->started && n->mem_in_use != 0)
            fprintf(stderr, "sim: %s: the core leaked %zu bytes\n", n->name, n->mem_in_use);
        state_clear(n);
        free(n->ev);
        free(n->fr);
        zt__identity_clear(&n->id);
        free(n);
    }
    for (unsigned i = 0; i < w->nnats; i++) {
        free(w->nats[i]->maps);
        free(w->nats[i]->perms);
        free(w->nats[i]);
    }
    for (size_t i = 0; i < w->nheap; i++)
        free(w->heap[i]);
    free(w->heap);
    free(w->trace);
    free(w);
}

/* ---- the run loop ----------------------------------------------------------------------- */

static int64_t node_deadline(const sim_node *n)
{
    int64_t d;

    if (n->zt == NULL)
        return INT64_MAX;
    d = zt__node_next_deadline(n->zt);
    if (d <= n->last_timer)
        d = n->last_timer + 1; /* never spin at one instant; counted in run_timers */
    return d;
}

static void run_timers(sim_world *w, sim_node *n)
{
    int rv;

    if (zt__node_next_deadline(n->zt) <= n->last_timer)
        w->stats.deadline_stall++;
    n->last_timer = w->now;
    rv = zt__node_process_timers(n->zt, w->now);
    if (zt__err_is_fatal(rv)) {
        w->stats.fatal++;
        trace_line(w, "FATAL %s process_timers: %s", n->name, zt__strerror(rv));
    }
}

/* Runs the earliest thing due at or before |t_end|.  Returns false if nothing is. */
static bool step(sim_world *w, int64_t t_end)
{
    int64_t tq = w->nheap > 0 ? w->heap[0]->t : INT64_MAX, td = INT64_MAX, tn;
    sim_node *due = NULL;

    for (unsigned i = 0; i < w->nnodes; i++) {
        int64_t d = node_deadline(w->nodes[i]);
        if (d < td) {
            td = d;
            due = w->nodes[i];
        }
    }
    tn = tq <= td ? tq : td;
    if (tn > t_end)
        return false;
    if (tn > w->now)
        w->now = tn;
    w->stats.steps++;
    if (tq <= td) /* datagrams first on ties, then nodes in index order */
        net_step(w);
    else
        run_timers(w, due);
    return true;
}

void sim_run_until(sim_world *w, int64_t t)
{
    sim_start(w);
    while (step(w, t))
        ;
    if (t > w->now)
        w->now = t;
}

void sim_run_for(sim_world *w, int64_t dt)
{
    sim_run_until(w, w->now + dt);
}

const sim_event *sim_run_until_event(sim_world *w, sim_node *n, zt_node_event_type type,
                                     uint64_t peer, int64_t deadline)
{
    size_t seen = n->nev;

    sim_start(w);
    for (;;) {
        for (; seen < n->nev; seen++)
            if (event_matches(&n->ev[seen], type, peer))
                return &n->ev[seen];
        if (!step(w, deadline))
            break;
    }
    if (deadline > w->now)
        w->now = deadline;
    return NULL;
}

/* ---- node faults ------------------------------------------------------------------------ */

void sim_kill(sim_node *n)
{
    if (n->zt == NULL)
        return;
    zt__node_del(n->zt);
    n->zt = NULL;
    n->killed = true;
    if (n->mem_in_use != 0)
        fprintf(stderr, "sim: %s: the core leaked %zu bytes\n", n->name, n->mem_in_use);
    trace_line(n->w, "KILL %s", n->name);
}

void sim_restart(sim_node *n)
{
    if (!n->killed)
        return;
    node_start(n);
}

/* ---- VL2 ------------------------------------------------------------------------------- */

void sim_set_config_hook(sim_node *n, sim_config_hook_fn fn, void *user)
{
    n->config_hook = fn;
    n->config_hook_user = user;
}

const zt_identity *sim_identity(const sim_node *n)
{
    return &n->id;
}

/* ---- queries ---------------------------------------------------------------------------- */

zt_node *sim_zt(const sim_node *n)
{
    return n->zt;
}

uint64_t sim_address(const sim_node *n)
{
    return n->id.address;
}

const char *sim_name(const sim_node *n)
{
    return n->name;
}

unsigned sim_index(const sim_node *n)
{
    return n->idx;
}

const zt_inetaddr *sim_node_addr(const sim_node *n)
{
    return &n->addr;
}

bool sim_online(const sim_node *n)
{
    return n->zt != NULL && zt__node_is_online(n->zt);
}

bool sim_has_direct_path(const sim_node *a, const sim_node *b)
{
    static zt_peer_info pi; /* ~1 KiB; the sim is single-threaded */

    if (a->zt == NULL || zt__node_peer(a->zt, b->id.address, &pi) != 0)
        return false;
    for (unsigned i = 0; i < pi.npaths && i < ZT_NODE_MAX_PATHS; i++)
        if (pi.paths[i].alive)
            return true;
    return false;
}

size_t sim_npeers(const sim_node *n)
{
    static zt_peer_info one[1];
    return n->zt == NULL ? 0 : zt__node_peers(n->zt, one, 1);
}

const zt_node_counters *sim_counters(const sim_node *n)
{
    static const zt_node_counters none;
    return n->zt == NULL ? &none : zt__node_get_counters(n->zt);
}

const sim_stats *sim_get_stats(const sim_world *w)
{
    return &w->stats;
}

size_t sim_mem_in_use(const sim_node *n)
{
    return n->mem_in_use;
}

size_t sim_mem_peak(const sim_node *n)
{
    return n->mem_peak;
}
