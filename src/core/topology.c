/* Worlds (planet and moons), upstreams and roots (vl1.md §5.1-5.2, §6).  Below the peers:
 * it says which addresses are upstreams; peer.c makes peers of them (topology.h). */
#include "core/topology.h"

#include <string.h>

#include "core/host.h"

static zt_world *world_load(zt_node *n, zt_state_type type, uint64_t id)
{
    uint8_t buf[ZT_WORLD_MAX_SERIALIZED];
    zt_world *w;
    zt_ssize len;

    if (n->cb.state_get == NULL)
        return NULL;
    len = n->cb.state_get(n->cb.user, type, id, buf, sizeof(buf));
    if (len <= 0)
        return NULL;
    w = zt__mem_calloc(n->mem, 1, sizeof(*w));
    if (w != NULL && zt__world_parse(w, buf, (size_t)len) != 0) {
        zt__mem_free(n->mem, w);
        w = NULL;
    }
    return w;
}

static void world_store(zt_node *n, const zt_world *w)
{
    uint8_t buf[ZT_WORLD_MAX_SERIALIZED];
    zt_ssize len;

    if (n->cb.state_put == NULL)
        return;
    len = zt__world_write(w, false, buf, sizeof(buf));
    if (len > 0)
        n->cb.state_put(n->cb.user, w->type == ZT_WORLD_TYPE_PLANET ? ZT_STATE_PLANET : ZT_STATE_MOON,
                        w->type == ZT_WORLD_TYPE_PLANET ? 0 : w->id, buf, (size_t)len);
}

int zt__topology_init(zt_node *n, const uint8_t *planet, size_t planet_len)
{
    zt_world *held = world_load(n, ZT_STATE_PLANET, 0);
    zt_world *offered = zt__mem_calloc(n->mem, 1, sizeof(*offered));
    int rv = 0;

    if (offered == NULL) {
        rv = ZT_ERR_NOMEM;
        goto out;
    }
    if (planet != NULL)
        rv = zt__world_parse(offered, planet, planet_len);
    else
        rv = zt__world_parse(offered, zt__default_planet, ZT_DEFAULT_PLANET_LEN);
    if (rv != 0 || offered->type != ZT_WORLD_TYPE_PLANET) {
        rv = ZT_ERR_INVAL;
        goto out;
    }
    /* The stored planet stays unless the offered one is a signed update of it (§6.3). */
    if (held == NULL || held->type != ZT_WORLD_TYPE_PLANET) {
        zt__mem_free(n->mem, held);
        n->planet = offered;
        offered = NULL;
    } else if (zt__world_should_replace(held, offered)) {
        n->planet = offered;
        offered = NULL;
        world_store(n, n->planet);
    } else {
        n->planet = held;
    }
    held = NULL;
    zt__topology_memoize(n);
out:
    zt__mem_free(n->mem, held);
    zt__mem_free(n->mem, offered);
    return rv;
}

void zt__topology_clear(zt_node *n)
{
    zt__mem_free(n->mem, n->planet);
    n->planet = NULL;
    for (unsigned i = 0; i < n->nmoons; i++)
        zt__mem_free(n->mem, n->moons[i]);
    n->nmoons = 0;
}

static void add_upstreams(zt_node *n, const zt_world *w)
{
    for (unsigned i = 0; i < w->nroots; i++) {
        uint64_t address = w->roots[i].identity.address;
        if (address == n->address) {
            n->is_root = true;
            continue;
        }
        if (zt__topology_is_upstream(n, address) || n->nupstreams >= ZT_MAX_UPSTREAMS)
            continue;
        n->upstreams[n->nupstreams++] = address;
    }
}

void zt__topology_memoize(zt_node *n)
{
    n->nupstreams = 0;
    n->is_root = false;
    if (n->planet != NULL)
        add_upstreams(n, n->planet);
    for (unsigned i = 0; i < n->nmoons; i++)
        add_upstreams(n, n->moons[i]);
}

bool zt__topology_is_upstream(const zt_node *n, uint64_t address)
{
    for (unsigned i = 0; i < n->nupstreams; i++)
        if (n->upstreams[i] == address)
            return true;
    return false;
}

bool zt__topology_is_planet_root(const zt_node *n, uint64_t address)
{
    if (n->planet == NULL)
        return false;
    for (unsigned j = 0; j < n->planet->nroots; j++)
        if (n->planet->roots[j].identity.address == address)
            return true;
    return false;
}

const zt_world_root *zt__topology_root(const zt_node *n, uint64_t address)
{
    const zt_world *worlds[1 + ZT_MAX_MOONS];
    unsigned nw = 0;

    if (n->planet != NULL)
        worlds[nw++] = n->planet;
    for (unsigned i = 0; i < n->nmoons; i++)
        worlds[nw++] = n->moons[i];
    for (unsigned i = 0; i < nw; i++)
        for (unsigned j = 0; j < worlds[i]->nroots; j++)
            if (worlds[i]->roots[j].identity.address == address)
                return &worlds[i]->roots[j];
    return NULL;
}

bool zt__topology_is_moon_seed(const zt_node *n, uint64_t address)
{
    for (unsigned i = 0; i < n->norbits; i++)
        if (n->orbits[i].seed == address)
            return true;
    return false;
}

static int moon_index(const zt_node *n, uint64_t id)
{
    for (unsigned i = 0; i < n->nmoons; i++)
        if (n->moons[i]->id == id)
            return (int)i;
    return -1;
}

static int orbit_index(const zt_node *n, uint64_t id)
{
    for (unsigned i = 0; i < n->norbits; i++)
        if (n->orbits[i].id == id)
            return (int)i;
    return -1;
}

static void drop_orbit(zt_node *n, uint64_t id)
{
    int i = orbit_index(n, id);
    if (i >= 0)
        n->orbits[i] = n->orbits[--n->norbits];
}

static bool root_listed(const zt_world *w, uint64_t address)
{
    for (unsigned i = 0; i < w->nroots; i++)
        if (w->roots[i].identity.address == address)
            return true;
    return false;
}

/* Installs a copy of |w| as a moon (new or replacing); returns false when full or NOMEM. */
static bool install_moon(zt_node *n, const zt_world *w)
{
    int i = moon_index(n, w->id);
    zt_world *copy;

    if (i < 0 && n->nmoons >= ZT_MAX_MOONS)
        return false;
    copy = zt__mem_calloc(n->mem, 1, sizeof(*copy));
    if (copy == NULL)
        return false;
    *copy = *w;
    if (i >= 0) {
        zt__mem_free(n->mem, n->moons[i]);
        n->moons[i] = copy;
    } else {
        n->moons[n->nmoons++] = copy;
    }
    drop_orbit(n, w->id);
    zt__topology_memoize(n);
    return true;
}

static void world_event(zt_node *n, uint64_t id)
{
    zt_node_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = ZT_NODE_EVENT_WORLD_UPDATED;
    ev.world_id = id;
    zt__host_event(n, &ev);
}

bool zt__topology_offer(zt_node *n, const zt_world *w, uint64_t from)
{
    int i;

    if (w->type == ZT_WORLD_TYPE_PLANET) {
        if (n->planet == NULL || !zt__world_should_replace(n->planet, w))
            return false;
        *n->planet = *w;
        zt__topology_memoize(n);
    } else {
        i = moon_index(n, w->id);
        if (i >= 0) {
            if (!zt__world_should_replace(n->moons[i], w))
                return false;
        } else {
            /* An unsolicited moon: only one we asked for, from a seed it lists (§6.4). */
            int o = orbit_index(n, w->id);
            if (o < 0 || !root_listed(w, n->orbits[o].seed) || !root_listed(w, from) ||
                !zt__world_verify(w, w->update_key))
                return false;
        }
        if (!install_moon(n, w))
            return false;
    }
    world_store(n, w);
    world_event(n, w->id);
    return true;
}

int zt__topology_orbit(zt_node *n, uint64_t world_id, uint64_t seed, int64_t now)
{
    zt_world *stored;

    if (world_id == 0 || moon_index(n, world_id) >= 0)
        return world_id == 0 ? ZT_ERR_INVAL : 0;
    stored = world_load(n, ZT_STATE_MOON, world_id);
    if (stored != NULL) {
        /* Checked as zt__node_add_moon() checks one; a stored moon that fails is ignored and
         * asked for from the seed, as if there were none (issue 9). */
        bool ok = stored->type == ZT_WORLD_TYPE_MOON && stored->id == world_id &&
                  zt__world_verify(stored, stored->update_key) && install_moon(n, stored);
        zt__mem_free(n->mem, stored);
        if (ok)
            return 0;
    }
    if (seed == 0 || zt__address_is_reserved(seed))
        return ZT_ERR_INVAL;
    if (orbit_index(n, world_id) >= 0)
        return 0;
    if (n->norbits >= ZT_MAX_MOONS)
        return ZT_ERR_LIMIT;
    n->orbits[n->norbits].id = world_id;
    n->orbits[n->norbits].seed = seed;
    n->norbits++;
    n->last_ping_check = now - ZT_PING_CHECK_INTERVAL; /* contact the seed at once */
    return 0;
}

int zt__topology_deorbit(zt_node *n, uint64_t world_id)
{
    int i = moon_index(n, world_id);

    drop_orbit(n, world_id);
    if (i < 0)
        return ZT_ERR_NOTFOUND;
    zt__mem_free(n->mem, n->moons[i]);
    n->moons[i] = n->moons[--n->nmoons];
    if (n->cb.state_put != NULL)
        n->cb.state_put(n->cb.user, ZT_STATE_MOON, world_id, NULL, 0);
    zt__topology_memoize(n);
    return 0;
}

int zt__topology_add_moon(zt_node *n, const uint8_t *data, size_t len)
{
    zt_world *w = zt__mem_calloc(n->mem, 1, sizeof(*w));
    int rv;

    if (w == NULL)
        return ZT_ERR_NOMEM;
    rv = zt__world_parse(w, data, len);
    if (rv == 0 && (w->type != ZT_WORLD_TYPE_MOON || !zt__world_verify(w, w->update_key)))
        rv = ZT_ERR_INVAL;
    if (rv == 0) {
        int i = moon_index(n, w->id);
        if (i >= 0 && !zt__world_should_replace(n->moons[i], w))
            rv = 0; /* the one we hold is as new: keep it */
        else if (!install_moon(n, w))
            rv = ZT_ERR_LIMIT;
    }
    zt__mem_free(n->mem, w);
    return rv;
}
