/*
 * dvx_lwip.cpp: the part of dvx_peer that uses the embedded stack's internals directly, as
 * api-modern.md §9.2 describes a game doing it: lwIP's own headers only (found through the
 * consumer's include path, with our lwipopts.h), the core lock around every raw call, the MLD
 * join with an ip6_addr_t whose zone is set by hand (LWIP_IPV6_SCOPES must be 1), the
 * ADDR_ADDED_IP6 payload read as lwIP's sockaddr_in6, and a member's MAC from the IPv6
 * neighbour cache of netif_default.
 */
#include <lwip/sockets.h>
#include <lwip/tcpip.h>
#include <lwip/mld6.h>
#include <lwip/igmp.h>
#include <lwip/nd6.h>

#include "dvx.h"

#include <cstring>

static_assert(O_NONBLOCK == 1, "lwIP's O_NONBLOCK must win in this translation unit");
static_assert(AF_INET6 == 10, "lwIP's AF_INET6");

std::string stack_ip6_text(const void *sockaddr_storage, int *sin6_len, int *sin6_family)
{
    const struct sockaddr_in6 *in6 = static_cast<const struct sockaddr_in6 *>(sockaddr_storage);
    char buf[INET6_ADDRSTRLEN] = "";

    *sin6_len = in6->sin6_len;
    *sin6_family = in6->sin6_family;
    if (lwip_inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf)) == nullptr)
        return "?";
    return buf;
}

/* The game's group built part by part, as a program without a parser would write it; checked
 * against lwIP's own reading of the text. */
static bool group1_by_parts(const ip6_addr_t *parsed)
{
    ip6_addr_t g;

    IP6_ADDR_PART(&g, 0, 0xff, 0x0e, 0xa8, 0xa9);
    IP6_ADDR_PART(&g, 1, 0xb6, 0x11, 0x60, 0xce);
    IP6_ADDR_PART(&g, 2, 0x04, 0x12, 0xfd, 0x73);
    IP6_ADDR_PART(&g, 3, 0x37, 0x86, 0x6f, 0xb7);
    return std::memcmp(g.addr, parsed->addr, sizeof(g.addr)) == 0;
}

int stack_join_group(const char *group)
{
    ip_addr_t parsed;
    ip6_addr_t mcaddr;
    err_t err;

    if (!ipaddr_aton(group, &parsed) || !IP_IS_V6_VAL(parsed))
        return -100;
    std::memcpy(mcaddr.addr, parsed.u_addr.ip6.addr, sizeof(mcaddr.addr));
    mcaddr.zone = 0;
    if (std::strcmp(group, DVX_GROUP1) == 0 && !group1_by_parts(&mcaddr))
        return -101;
    LOCK_TCPIP_CORE();
    err = mld6_joingroup(IP6_ADDR_ANY6, &mcaddr);
    UNLOCK_TCPIP_CORE();
    return err;
}

int stack_resolve_mac(const std::string &ip6, uint64_t *mac)
{
    ip_addr_t address;
    const u8_t *hwaddr = nullptr;
    err_t err;

    if (!ipaddr_aton(ip6.c_str(), &address) || !IP_IS_V6_VAL(address))
        return -1;
    LOCK_TCPIP_CORE();
    if (netif_default == nullptr) {
        UNLOCK_TCPIP_CORE();
        return -2;
    }
    err = nd6_get_next_hop_addr_or_queue(netif_default, nullptr, &address.u_addr.ip6, &hwaddr);
    if (err == ERR_OK && hwaddr != nullptr) {
        *mac = 0;
        for (int i = 0; i < 6; i++)
            *mac = *mac << 8 | hwaddr[i];
    }
    UNLOCK_TCPIP_CORE();
    return err == ERR_OK && hwaddr != nullptr ? 1 : 0;
}

bool stack_default_netif_has(const std::string &ip6)
{
    ip6_addr_t want;
    bool found = false;

    if (!ip6addr_aton(ip6.c_str(), &want))
        return false;
    LOCK_TCPIP_CORE();
    for (int i = 0; netif_default != nullptr && i < LWIP_IPV6_NUM_ADDRESSES && !found; i++)
        found = ip6_addr_isvalid(netif_ip6_addr_state(netif_default, i)) &&
                ip6_addr_cmp_zoneless(netif_ip6_addr(netif_default, i), &want);
    UNLOCK_TCPIP_CORE();
    return found;
}
