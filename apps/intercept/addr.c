/*
 * addr.c: the program's sockaddr_in/sockaddr_in6 <-> ncproto.h's 24-byte address records.
 *
 * A record's port is a number (little-endian on the wire, like every integer of the protocol);
 * its IP bytes are in network order, as in sin_addr/sin6_addr.  The program's sockaddr may be
 * unaligned: it is only ever copied with memcpy.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "intercept.h"

/* The smallest sockaddr_in6 Linux accepts: RFC 2133's, without sin6_scope_id. */
#define SIN6_LEN_MIN 24

int zt__icpt_addr_from_sa(const struct sockaddr *sa, socklen_t len, int family, bool can_map,
                          zt_nc_addr *a)
{
    sa_family_t fam;

    memset(a, 0, sizeof(*a));
    if (sa == NULL)
        return -EFAULT;
    if ((int)len < (int)sizeof(fam))
        return -EINVAL;
    memcpy(&fam, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(fam));
    if (fam == AF_INET) {
        struct sockaddr_in in;

        if (len < sizeof(in))
            return -EINVAL;
        memcpy(&in, sa, sizeof(in));
        if (family == AF_INET) {
            a->family = 4;
            memcpy(a->ip, &in.sin_addr, 4);
        } else if (can_map) {
            a->family = 6;
            a->ip[10] = 0xff;
            a->ip[11] = 0xff;
            memcpy(a->ip + 12, &in.sin_addr, 4);
        } else {
            return -EAFNOSUPPORT;
        }
        a->port = ntohs(in.sin_port);
        return 0;
    }
    if (fam == AF_INET6) {
        struct sockaddr_in6 in6;

        if (family != AF_INET6)
            return -EAFNOSUPPORT;
        if (len < SIN6_LEN_MIN)
            return -EINVAL;
        memset(&in6, 0, sizeof(in6));
        memcpy(&in6, sa, len < sizeof(in6) ? len : sizeof(in6));
        a->family = 6;
        memcpy(a->ip, &in6.sin6_addr, 16);
        a->port = ntohs(in6.sin6_port);
        a->scope = in6.sin6_scope_id;
        return 0;
    }
    return -EAFNOSUPPORT;
}

int zt__icpt_addr_out(const zt_nc_addr *a, int family, struct sockaddr *sa, socklen_t *len)
{
    struct sockaddr_storage ss;
    socklen_t n;

    if (len == NULL)
        return -EFAULT;
    if ((int)*len < 0)
        return -EINVAL;
    memset(&ss, 0, sizeof(ss));
    if (a->family == 4 || (a->family == 0 && family == AF_INET)) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;

        in->sin_family = AF_INET;
        in->sin_port = htons(a->port);
        if (a->family == 4)
            memcpy(&in->sin_addr, a->ip, 4);
        n = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(a->port);
        if (a->family == 6) {
            memcpy(&in6->sin6_addr, a->ip, 16);
            in6->sin6_scope_id = a->scope;
        }
        n = sizeof(*in6);
    }
    if (*len > 0) {
        if (sa == NULL)
            return -EFAULT;
        memcpy(sa, &ss, *len < n ? *len : n);
    }
    *len = n;
    return 0;
}

bool zt__icpt_addr_equal(const zt_nc_addr *a, const zt_nc_addr *b)
{
    size_t n = a->family == 4 ? 4 : 16;

    return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, n) == 0;
}
