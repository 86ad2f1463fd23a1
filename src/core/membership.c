/* The networks we are in and what we know of their members, as data (membership.h). */
#include "core/membership.h"

#include <string.h>

#include "util/array.h"

zt_network *zt__membership_network(const zt_node *n, uint64_t nwid)
{
    for (zt_network *net = n->networks; net != NULL; net = net->next)
        if (net->nwid == nwid)
            return net;
    return NULL;
}

zt_membership *zt__membership_find(zt_node *n, zt_network *net, uint64_t address, bool create)
{
    for (unsigned i = 0; i < net->nmembers; i++)
        if (net->members[i].address == address)
            return &net->members[i];
    if (!create || zt__array_grow(n->mem, &net->members, &net->cap_members, net->nmembers + 1,
                                  sizeof(*net->members), ZT_MAX_MEMBERSHIPS) != 0)
        return NULL;
    memset(&net->members[net->nmembers], 0, sizeof(net->members[0]));
    net->members[net->nmembers].address = address;
    return &net->members[net->nmembers++];
}

bool zt__membership_recently_configured(const zt_peer *p, uint64_t nwid, int64_t now)
{
    for (unsigned i = 0; i < ZT_CONFIGURED_SLOTS; i++)
        if (p->configured[i].nwid == nwid && p->configured[i].at != 0 &&
            now - p->configured[i].at <= ZT_CONTROLLER_AUTH_WINDOW)
            return true;
    return false;
}
