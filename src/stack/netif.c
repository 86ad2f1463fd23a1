/*
 * netif.c: one lwIP netif per joined network (stack.h, docs/internals/stack.md).
 *
 * Frames in: zt__stack_netif_input() rebuilds the Ethernet header and hands the frame to
 * ethernet_input() under the core lock, on the caller's thread: nothing waits in a mailbox.
 * Frames out: lwIP's linkoutput gives us the frame with its header; we pass the payload to the
 * embedder's output callback without copying when the pbuf is one piece.
 *
 * Routing follows the network's config (lwiphooks.h): every netif keeps its prefixes and managed
 * routes, and the hooks pick the netif and next hop by longest prefix.  All of this state is
 * guarded by the core lock.
 */
#include "stack/stack.h"
#include "lwiphooks.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/igmp.h"
#include "lwip/mld6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#define ETH_HLEN 14
#define ZT_LINKOUT_MAX (10000 + ETH_HLEN) /* ZeroTier's largest network MTU (vl2.md §4) */

struct zt_stack_netif {
    struct netif nif;
    /* lwIP 2.1 carries one IPv4 address per netif: the config's further IPv4 addresses live on
     * alias netifs of the same link (same MAC, same output; ARP is fed to them too). */
    struct netif alias[ZT_STACK_MAX_IP4 - 1];
    bool alias_up[ZT_STACK_MAX_IP4 - 1];
    uint64_t nwid, mac;
    zt_stack_netif_ops ops;
    zt_stack_prefix addrs[ZT_STACK_MAX_ADDRS];
    size_t naddrs;
    zt_stack_route routes[ZT_STACK_MAX_ROUTES];
    ip4_addr_t gw4[ZT_STACK_MAX_ROUTES]; /* routes[i].via in lwIP's form */
    ip6_addr_t gw6[ZT_STACK_MAX_ROUTES];
    size_t nroutes;
    zt_stack_netif *next;
};

static zt_stack_netif *all_netifs; /* core lock */

/* ---- helpers ------------------------------------------------------------------------------ */

static void mac_to_bytes(uint64_t mac, uint8_t out[6])
{
    for (int i = 0; i < 6; i++)
        out[i] = (uint8_t)(mac >> (8 * (5 - i)));
}

static uint64_t mac_from_bytes(const uint8_t *b)
{
    uint64_t m = 0;
    for (int i = 0; i < 6; i++)
        m = (m << 8) | b[i];
    return m;
}

static bool prefix_covers(const zt_stack_prefix *p, const uint8_t *ip, unsigned len)
{
    unsigned bits = p->bits, whole = bits / 8, rest = bits % 8;

    if (bits > len * 8)
        return false;
    if (memcmp(p->ip, ip, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((p->ip[whole] ^ ip[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static err_t linkoutput(struct netif *netif, struct pbuf *p);

/* Our record behind one of our netifs or aliases (|state| points to it; found by its output
 * function, so lwIP's loopback netif is told apart without a search); NULL otherwise. */
static zt_stack_netif *of(struct netif *netif)
{
    return netif != NULL && netif->linkoutput == linkoutput ? netif->state : NULL;
}

static void ip6_bytes(const ip6_addr_t *a, uint8_t out[16])
{
    memcpy(out, a->addr, 16); /* addr[] holds network order */
}

static void ip6_from_bytes(ip6_addr_t *a, const uint8_t in[16])
{
    memcpy(a->addr, in, 16);
    ip6_addr_clear_zone(a);
}

#define HOP_NONE (-2) /* nothing of |n| covers the destination */
#define HOP_LINK (-1) /* one of |n|'s own prefixes covers it: on the link */

/* The longest of |n|'s prefixes and managed routes covering |ip|: HOP_NONE, HOP_LINK, or the
 * index of the route; *pbits (may be NULL) gets its length. */
static int longest(const zt_stack_netif *n, uint8_t family, const uint8_t *ip, int *pbits)
{
    unsigned len = family == 4 ? 4 : 16;
    int best = -1, hop = HOP_NONE;

    for (size_t i = 0; i < n->naddrs; i++)
        if (n->addrs[i].family == family && prefix_covers(&n->addrs[i], ip, len) &&
            (int)n->addrs[i].bits > best) {
            best = n->addrs[i].bits;
            hop = HOP_LINK;
        }
    for (size_t i = 0; i < n->nroutes; i++)
        if (n->routes[i].target.family == family &&
            prefix_covers(&n->routes[i].target, ip, len) && (int)n->routes[i].target.bits > best) {
            best = n->routes[i].target.bits;
            hop = n->routes[i].via.family == family ? (int)i : HOP_LINK;
        }
    if (pbits != NULL)
        *pbits = best;
    return hop;
}

/* The netif (up) whose prefixes or routes cover |ip| most closely. */
static zt_stack_netif *route(uint8_t family, const uint8_t *ip)
{
    zt_stack_netif *found = NULL;
    int best = -1;

    for (zt_stack_netif *n = all_netifs; n != NULL; n = n->next) {
        int b;
        if (!netif_is_up(&n->nif) || !netif_is_link_up(&n->nif))
            continue;
        if (longest(n, family, ip, &b) != HOP_NONE && b > best) {
            best = b;
            found = n;
        }
    }
    return found;
}

/* ---- routing hooks (lwiphooks.h) ---------------------------------------------------------- */

static struct netif *hook_route4(const ip4_addr_t *src, const ip4_addr_t *dest)
{
    zt_stack_netif *n = route(4, (const uint8_t *)&dest->addr);

    if (n == NULL)
        return NULL;
    /* A socket bound to an alias address leaves through its alias (lwIP takes the source
     * address from the netif). */
    if (src != NULL && !ip4_addr_isany(src))
        for (int i = 0; i < ZT_STACK_MAX_IP4 - 1; i++)
            if (n->alias_up[i] && ip4_addr_cmp(src, netif_ip4_addr(&n->alias[i])))
                return &n->alias[i];
    return &n->nif;
}

static struct netif *hook_route6(const ip6_addr_t *src, const ip6_addr_t *dest)
{
    zt_stack_netif *n;
    uint8_t ip[16];

    (void)src;
    ip6_bytes(dest, ip);
    n = route(6, ip);
    return n != NULL ? &n->nif : NULL;
}

static const ip4_addr_t *hook_gw4(struct netif *netif, const ip4_addr_t *dest)
{
    zt_stack_netif *n = of(netif);
    int hop = n != NULL ? longest(n, 4, (const uint8_t *)&dest->addr, NULL) : HOP_NONE;

    return hop == HOP_NONE ? NULL : hop == HOP_LINK ? dest : &n->gw4[hop];
}

static const ip6_addr_t *hook_gw6(struct netif *netif, const ip6_addr_t *dest)
{
    zt_stack_netif *n = of(netif);
    uint8_t ip[16];
    int hop;

    ip6_bytes(dest, ip);
    hop = n != NULL ? longest(n, 6, ip, NULL) : HOP_NONE;
    return hop == HOP_NONE ? NULL : hop == HOP_LINK ? dest : &n->gw6[hop];
}

/* ---- lwIP netif callbacks ----------------------------------------------------------------- */

static err_t linkoutput(struct netif *netif, struct pbuf *p)
{
    zt_stack_netif *n = netif->state;
    static _Thread_local uint8_t flat[ZT_LINKOUT_MAX];
    const uint8_t *frame;

    /* Never more than the network's MTU (a Packet Too Big could have said otherwise). */
    if (p->tot_len < ETH_HLEN || p->tot_len > sizeof(flat) ||
        p->tot_len > (size_t)netif->mtu + ETH_HLEN) {
        LINK_STATS_INC(link.lenerr);
        return ERR_IF;
    }
    if (p->next == NULL) {
        frame = p->payload;
    } else {
        (void)pbuf_copy_partial(p, flat, p->tot_len, 0);
        frame = flat;
    }
    n->ops.output(n->ops.user, n->nwid, mac_from_bytes(frame),
                  (unsigned)frame[12] << 8 | frame[13], frame + ETH_HLEN,
                  (size_t)p->tot_len - ETH_HLEN);
    LINK_STATS_INC(link.xmit);
    return ERR_OK;
}

/* The MAC of the member an RFC 4193 (/88) or 6PLANE (/40) address of this network names.
 *
 * lwIP resolves IPv6 neighbours with NDP, and nd6_send_ns() only solicits from an address in the
 * target's /64.  6PLANE gives every node its own /80 inside the network's /40, so two members
 * never share a /64 and lwIP cannot even ask (nd6.err, "no available src address"): ad-hoc
 * networks, which have nothing but 6PLANE, could not carry unicast.  ZeroTier's NDP emulation
 * (vl2.md §2.5) answers such solicitations with a MAC that follows from the address anyway: the
 * node ID is inside it, and a member's MAC is the first octet plus (node ID ^ a mask of the
 * network ID) (§2.1), so it differs from ours exactly by the XOR of the two node IDs.  Only
 * when we hold an address of the same kind whose prefix covers |dest|, as the emulation. */
static bool derived_mac(const zt_stack_netif *n, const ip6_addr_t *dest, uint8_t mac[6])
{
    uint8_t d[16];

    ip6_bytes(dest, d);
    for (size_t i = 0; i < n->naddrs; i++) {
        const zt_stack_prefix *a = &n->addrs[i];
        uint64_t own = 0, peer = 0;
        size_t at;

        if (a->family != 6)
            continue;
        if (a->bits == 88 && a->ip[0] == 0xfd && a->ip[9] == 0x99 && a->ip[10] == 0x93 &&
            memcmp(d, a->ip, 11) == 0)
            at = 11; /* fd, network ID, 99 93, node ID */
        else if (a->bits == 40 && a->ip[0] == 0xfc && memcmp(d, a->ip, 5) == 0)
            at = 5; /* fc, 32 bits of the network ID, node ID, ... */
        else
            continue;
        for (size_t k = 0; k < 5; k++) {
            own = own << 8 | a->ip[at + k];
            peer = peer << 8 | d[at + k];
        }
        mac_to_bytes(n->mac ^ (own ^ peer), mac);
        return true;
    }
    return false;
}

/* IPv6 out: unicast to a member's derived address goes straight to its MAC (derived_mac);
 * everything else through lwIP's NDP. */
static err_t output_ip6(struct netif *netif, struct pbuf *p, const ip6_addr_t *dest)
{
    const zt_stack_netif *n = netif->state;
    struct eth_addr dst;

    if (!ip6_addr_ismulticast(dest) && derived_mac(n, dest, dst.addr))
        return ethernet_output(netif, p, (const struct eth_addr *)netif->hwaddr, &dst,
                               ETHTYPE_IPV6);
    return ethip6_output(netif, p, dest);
}

static void tell_multicast(struct netif *netif, uint64_t mac, enum netif_mac_filter_action act)
{
    zt_stack_netif *n = netif->state;

    if (n->ops.multicast != NULL)
        n->ops.multicast(n->ops.user, n->nwid, mac, act == NETIF_ADD_MAC_FILTER);
}

/* IPv4 group -> 01:00:5e + its low 23 bits (RFC 1112), as ZeroTier subscribes them. */
static err_t igmp_filter(struct netif *netif, const ip4_addr_t *group,
                         enum netif_mac_filter_action act)
{
    const uint8_t *g = (const uint8_t *)&group->addr;
    uint64_t mac = 0x01005e000000ull | (uint64_t)(g[1] & 0x7f) << 16 | (uint64_t)g[2] << 8 | g[3];

    tell_multicast(netif, mac, act);
    return ERR_OK;
}

/* IPv6 group -> 33:33 + its last four bytes (RFC 2464). */
static err_t mld_filter(struct netif *netif, const ip6_addr_t *group,
                        enum netif_mac_filter_action act)
{
    uint8_t ip[16];
    uint64_t mac;

    ip6_bytes(group, ip);
    mac = 0x333300000000ull | (uint64_t)ip[12] << 24 | (uint64_t)ip[13] << 16 |
          (uint64_t)ip[14] << 8 | ip[15];
    tell_multicast(netif, mac, act);
    return ERR_OK;
}

/* The netif of a network, or one of its aliases: an alias carries one more IPv4 address, the
 * netif itself the IPv6 addresses and the multicast subscriptions. */
static err_t netif_init_cb(struct netif *netif)
{
    zt_stack_netif *n = netif->state;
    bool is_alias = netif != &n->nif;

    netif->name[0] = 'z';
    netif->name[1] = is_alias ? 'a' : 't';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    mac_to_bytes(n->mac, netif->hwaddr);
    netif->output = etharp_output;
    netif->output_ip6 = output_ip6;
    netif->linkoutput = linkoutput;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    if (is_alias) {
        netif->mtu = n->nif.mtu;
        return ERR_OK;
    }
    netif->flags |= NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
    netif_set_igmp_mac_filter(netif, igmp_filter);
    netif_set_mld_mac_filter(netif, mld_filter);
    return ERR_OK;
}

/* ---- life cycle --------------------------------------------------------------------------- */

static const zt_lwip_route_hooks route_hooks = {
    .route4 = hook_route4, .route6 = hook_route6, .gw4 = hook_gw4, .gw6 = hook_gw6};

static void set_mtu(zt_stack_netif *n, unsigned mtu)
{
    n->nif.mtu = (u16_t)mtu;
#if LWIP_ND6_ALLOW_RA_UPDATES
    n->nif.mtu6 = (u16_t)mtu;
#endif
}

int zt__stack_netif_new(zt_stack_netif **pnif, uint64_t nwid, uint64_t mac, unsigned mtu,
                       const zt_stack_netif_ops *ops)
{
    zt_stack_netif *n;
    int rv = 0;

    if (ops == NULL || ops->output == NULL || mtu < 1280 || mtu > 10000)
        return ZT_ERR_INVAL;
    if (!zt__stack_is_up())
        return ZT_ERR_AGAIN;
    n = calloc(1, sizeof(*n));
    if (n == NULL)
        return ZT_ERR_NOMEM;
    n->nwid = nwid;
    n->mac = mac;
    n->ops = *ops;

    LOCK_TCPIP_CORE();
    zt__lwip_set_route_hooks(&route_hooks);
    if (netif_add(&n->nif, NULL, NULL, NULL, n, netif_init_cb, ethernet_input) == NULL) {
        rv = ZT_ERR_NOMEM;
    } else {
        set_mtu(n, mtu);
        netif_create_ip6_linklocal_address(&n->nif, 1);
        /* Addresses on a ZeroTier network are assigned, never contested: no DAD. */
        netif_ip6_addr_set_state(&n->nif, 0, IP6_ADDR_PREFERRED);
        n->next = all_netifs;
        all_netifs = n;
        /* api.md §5.7: the newest interface is the default (IPv6 multicast goes there). */
        netif_set_default(&n->nif);
        netif_set_up(&n->nif);
        netif_set_link_up(&n->nif);
    }
    UNLOCK_TCPIP_CORE();
    if (rv != 0) {
        free(n);
        return rv;
    }
    *pnif = n;
    return 0;
}

static bool has_prefix(const zt_stack_prefix *list, size_t n, uint8_t family, const uint8_t *ip)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].family == family && memcmp(list[i].ip, ip, family == 4 ? 4 : 16) == 0)
            return true;
    return false;
}

/* Takes |nif| out of lwIP; looped-back packets not yet polled are dropped, so a pending
 * netif_poll() finds none (the memory itself is freed later: zt__stack_netif_del). */
static void drop_netif(struct netif *nif)
{
    netif_set_link_down(nif);
    netif_set_down(nif);
    netif_remove(nif);
    if (nif->loop_first != NULL) {
        pbuf_free(nif->loop_first);
        nif->loop_first = nif->loop_last = NULL;
    }
}

static void remove_alias(zt_stack_netif *n, int i)
{
    if (n->alias_up[i]) {
        n->alias_up[i] = false;
        drop_netif(&n->alias[i]);
    }
}

static void ip4_of(const zt_stack_prefix *a, ip4_addr_t *ip, ip4_addr_t *mask)
{
    memcpy(&ip->addr, a->ip, 4);
    mask->addr = a->bits == 0 ? 0 : lwip_htonl(0xffffffffu << (32 - a->bits));
}

static void set_ip4(struct netif *nif, const ip4_addr_t *ip, const ip4_addr_t *mask)
{
    ip4_addr_t gw;

    ip4_addr_set_zero(&gw);
    if (!ip4_addr_cmp(ip, netif_ip4_addr(nif)) || !ip4_addr_cmp(mask, netif_ip4_netmask(nif)))
        netif_set_addr(nif, ip, mask, &gw);
}

/* The first IPv4 address on the netif, the next ones on aliases (created and removed here). */
static void apply_ip4(zt_stack_netif *n, const zt_stack_prefix *addrs, size_t naddrs)
{
    ip4_addr_t ip, mask;
    int k = 0; /* IPv4 addresses placed */

    ip4_addr_set_zero(&ip);
    ip4_addr_set_zero(&mask);
    for (size_t i = 0; i < naddrs && k < ZT_STACK_MAX_IP4; i++) {
        if (addrs[i].family != 4)
            continue;
        ip4_of(&addrs[i], &ip, &mask);
        if (k == 0) {
            set_ip4(&n->nif, &ip, &mask);
        } else if (n->alias_up[k - 1]) {
            set_ip4(&n->alias[k - 1], &ip, &mask);
        } else {
            ip4_addr_t gw;
            ip4_addr_set_zero(&gw);
            if (netif_add(&n->alias[k - 1], &ip, &mask, &gw, n, netif_init_cb,
                          ethernet_input) == NULL)
                continue;
            netif_set_up(&n->alias[k - 1]);
            netif_set_link_up(&n->alias[k - 1]);
            n->alias_up[k - 1] = true;
        }
        k++;
    }
    if (k == 0) {
        ip4_addr_set_zero(&ip);
        ip4_addr_set_zero(&mask);
        set_ip4(&n->nif, &ip, &mask);
    }
    for (int i = k > 0 ? k - 1 : 0; i < ZT_STACK_MAX_IP4 - 1; i++)
        remove_alias(n, i);
}

static void apply_ip6(zt_stack_netif *n, const zt_stack_prefix *addrs, size_t naddrs)
{
    uint8_t cur[16];

    /* Slot 0 is the link-local address; drop what the config no longer has. */
    for (s8_t i = 1; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
        if (!ip6_addr_isvalid(netif_ip6_addr_state(&n->nif, i)))
            continue;
        ip6_bytes(netif_ip6_addr(&n->nif, i), cur);
        if (!has_prefix(addrs, naddrs, 6, cur))
            netif_ip6_addr_set_state(&n->nif, i, IP6_ADDR_INVALID);
    }
    for (size_t k = 0; k < naddrs; k++) {
        ip6_addr_t a;
        s8_t idx = -1;
        if (addrs[k].family != 6)
            continue;
        ip6_from_bytes(&a, addrs[k].ip);
        if (netif_get_ip6_addr_match(&n->nif, &a) >= 0)
            continue;
        if (netif_add_ip6_address(&n->nif, &a, &idx) == ERR_OK && idx >= 0)
            netif_ip6_addr_set_state(&n->nif, idx, IP6_ADDR_PREFERRED);
    }
}

int zt__stack_netif_configure(zt_stack_netif *n, unsigned mtu, const zt_stack_prefix *addrs,
                             size_t naddrs, const zt_stack_route *routes, size_t nroutes)
{
    if (n == NULL || naddrs > ZT_STACK_MAX_ADDRS || nroutes > ZT_STACK_MAX_ROUTES ||
        (naddrs > 0 && addrs == NULL) || (nroutes > 0 && routes == NULL))
        return ZT_ERR_INVAL;
    for (size_t i = 0; i < naddrs; i++)
        if ((addrs[i].family != 4 && addrs[i].family != 6) ||
            addrs[i].bits > (addrs[i].family == 4 ? 32 : 128))
            return ZT_ERR_INVAL;

    LOCK_TCPIP_CORE();
    if (mtu >= 1280 && mtu <= 10000)
        set_mtu(n, mtu);
    memcpy(n->addrs, addrs, naddrs * sizeof(*addrs));
    n->naddrs = naddrs;
    n->nroutes = 0;
    for (size_t i = 0; i < nroutes; i++) {
        const zt_stack_route *r = &routes[i];
        if (r->target.family != 4 && r->target.family != 6)
            continue;
        n->routes[n->nroutes] = *r;
        if (r->via.family == 4)
            memcpy(&n->gw4[n->nroutes].addr, r->via.ip, 4);
        else if (r->via.family == 6)
            ip6_from_bytes(&n->gw6[n->nroutes], r->via.ip);
        n->nroutes++;
    }
    apply_ip4(n, addrs, naddrs);
    apply_ip6(n, addrs, naddrs);
    UNLOCK_TCPIP_CORE();
    return 0;
}

/* The fixed header of what lwIP takes for |ethertype|.  lwIP 2.1.3 reads these headers before
 * it checks the frame's length (etharp_input, ip4_input, ip6_input), so shorter frames are
 * dropped here, as lwIP would drop them after the overread (found by fuzz/fuzz_stack.c). */
static size_t min_payload(unsigned ethertype)
{
    switch (ethertype) {
    case ETHTYPE_ARP: return SIZEOF_ETHARP_HDR;
    case ETHTYPE_IP: return IP_HLEN;
    case ETHTYPE_IPV6: return IP6_HLEN;
    default: return 0;
    }
}

/* True on a thread between zt__stack_input_begin() and _end(): it holds the core lock. */
static _Thread_local bool in_batch;

void zt__stack_input_begin(void)
{
    LOCK_TCPIP_CORE();
    in_batch = true;
}

void zt__stack_input_end(void)
{
    in_batch = false;
    UNLOCK_TCPIP_CORE();
}

int zt__stack_netif_input(zt_stack_netif *n, uint64_t src_mac, uint64_t dst_mac,
                         unsigned ethertype, const uint8_t *data, size_t len)
{
    struct pbuf *p;
    uint8_t *b;
    int rv = 0;

    if (n == NULL || (data == NULL && len > 0) || len > 0xffff - ETH_HLEN || ethertype > 0xffff)
        return ZT_ERR_INVAL;
    if (!in_batch)
        LOCK_TCPIP_CORE();
    if (len < min_payload(ethertype)) {
        LINK_STATS_INC(link.lenerr);
        LINK_STATS_INC(link.drop);
        goto out;
    }
    LINK_STATS_INC(link.recv);
    /* ARP concerns the aliases too (each answers for its own address); everything else goes
     * to the netif, and IPv4 for an alias address finds it there (ip4_input looks at every
     * netif). */
    for (int i = -1; i < ZT_STACK_MAX_IP4 - 1; i++) {
        struct netif *to = i < 0 ? &n->nif : &n->alias[i];
        if (i >= 0 && (ethertype != ETHTYPE_ARP || !n->alias_up[i]))
            continue;
        p = pbuf_alloc(PBUF_RAW, (u16_t)(len + ETH_HLEN), PBUF_RAM);
        if (p == NULL) {
            LINK_STATS_INC(link.memerr);
            LINK_STATS_INC(link.drop);
            rv = ZT_ERR_NOMEM;
            goto out;
        }
        b = p->payload;
        mac_to_bytes(dst_mac, b);
        mac_to_bytes(src_mac, b + 6);
        b[12] = (uint8_t)(ethertype >> 8);
        b[13] = (uint8_t)ethertype;
        if (len > 0)
            memcpy(b + ETH_HLEN, data, len);
        if (to->input(p, to) != ERR_OK)
            pbuf_free(p);
    }
out:
    if (!in_batch)
        UNLOCK_TCPIP_CORE();
    return rv;
}

void zt__stack_netif_linklocal(const zt_stack_netif *n, uint8_t out[16])
{
    LOCK_TCPIP_CORE();
    ip6_bytes(netif_ip6_addr(&n->nif, 0), out);
    UNLOCK_TCPIP_CORE();
}

unsigned zt__stack_netif_index(const zt_stack_netif *n)
{
    return netif_get_index(&n->nif);
}

/* Frees a removed netif on tcpip_thread, after every message queued before this one: loopback
 * traffic (netif_loop_output) may have queued a netif_poll() of it (found by fuzz_stack). */
static void free_removed(void *arg)
{
    free(arg);
}

void zt__stack_netif_del(zt_stack_netif *n)
{
    if (n == NULL)
        return;
    LOCK_TCPIP_CORE();
    for (zt_stack_netif **pp = &all_netifs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            break;
        }
    }
    for (int i = 0; i < ZT_STACK_MAX_IP4 - 1; i++)
        remove_alias(n, i);
    drop_netif(&n->nif);
    if (netif_default == NULL && all_netifs != NULL)
        netif_set_default(&all_netifs->nif);
    UNLOCK_TCPIP_CORE();
    /* Out of memory for the message: keep |n| rather than risk a use after free. */
    (void)tcpip_callback(free_removed, n);
}
