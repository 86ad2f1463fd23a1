/* NDP emulation on the send path of joined networks (vl2.md §2.5): Neighbor Solicitations for
 * other members' derived IPv6 addresses are answered locally.  The packet work itself is
 * zt__ndp_emulate() in ethernet.c; the inbound side (those prefixes count as authenticated
 * sender IPs for the rules) is in vl2_creds.c. */
#include "core/ndp.h"

#include "core/host.h"

bool zt__ndp_intercept(zt_node *n, zt_network *net, uint64_t src_mac, uint64_t dst_mac,
                       unsigned ethertype, const uint8_t *data, size_t len)
{
    zt_ndp_reply na;

    if (!net->has_config || !(net->config.flags & ZT_NETCONF_FLAG_ENABLE_NDP_EMULATION) ||
        ethertype > 0xffff || data == NULL)
        return false;
    if (!zt__ndp_emulate(net->nwid, n->address, src_mac, dst_mac, (uint16_t)ethertype, data, len,
                         net->config.static_ips, net->config.n_static_ips, &na))
        return false;
    zt__host_frame(n, net, na.src_mac, na.dst_mac, na.ethertype, na.packet, sizeof(na.packet));
    return true;
}
