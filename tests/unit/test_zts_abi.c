/*
 * test_zts_abi.c: the binary interface of include/ZeroTierSockets.h (api.md 2-5).
 *
 * Nearly everything is checked at compile time, so drift fails the build:
 *   - every constant of api.md section 3 against the spec's value (and, on Linux, every
 *     ZTS_E* against the host errno of the same name, since they are the Linux numbers);
 *   - every structure of section 4: size, alignment where stated, and each field's offset
 *     and type (LP64 figures);
 *   - every prototype of section 5, compared with the spec's exact type through
 *     __typeof__(&fn), which names the function without referencing its symbol (other
 *     engineers' functions need not be linked yet).
 * At run time: the helpers this test can link (inet.c, api_util.c) are assigned to pointers
 * of the exact prototype type, zts_errno is linked, the fd-set macros are exercised (also
 * from a C99 -pedantic translation unit, test_zts_c99.c), and the ioctl numbers are computed.
 * When lwIP's headers are on the include path, the address structures are compared with
 * lwIP's, which they must match byte for byte (api.md 4.2), in one translation unit that
 * includes both headers (MEMP_NUM_NETCONN and SIN_ZERO_LEN redefined identically).
 */
#include "ZeroTierSockets.h"

#if defined(__has_include)
#if __has_include("lwip/sockets.h") && __has_include("lwipopts.h")
#include "lwip/sockets.h"
#define HAVE_LWIP 1
#endif
#endif

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define EQ(a, b) _Static_assert((a) == (b), #a " == " #b)
#define SIZE(t, n) _Static_assert(sizeof(t) == (n), "sizeof(" #t ") == " #n)
#define ALIGN(t, n) _Static_assert(_Alignof(t) == (n), "_Alignof(" #t ") == " #n)
#define SAME_TYPE(a, b) __builtin_types_compatible_p(a, b)
#define TYPE_OF(e, t) _Static_assert(SAME_TYPE(__typeof__(e), t), #e " has type " #t)
#define FIELD(t, f, off, ft)                                                          \
    _Static_assert(offsetof(t, f) == (off), "offsetof(" #t ", " #f ") == " #off);    \
    _Static_assert(SAME_TYPE(__typeof__(((t *)0)->f), ft), #t "." #f " is " #ft)
#define PROTO(fn, ft) _Static_assert(SAME_TYPE(__typeof__(&fn), ft), #fn " is " #ft)

#if !defined(__LP64__) && !defined(_LP64)
#error "the layout figures below are the LP64 ones of api.md 4"
#endif

/* ---- 2: header-level facts ------------------------------------------------------------- */

#ifndef ZT_SOCKETS_H
#error "include guard"
#endif
#ifndef ZT_SOCKET_API
#error "ZT_SOCKET_API"
#endif
#ifndef ZTCALL
#error "ZTCALL"
#endif
#ifndef htonll
#error "htonll"
#endif
TYPE_OF(zts_errno, int);
EQ(SIN_ZERO_LEN, 8);
EQ(MEMP_NUM_NETCONN, 1024);
EQ(ZTS_MAC_ADDRSTRLEN, 18);

/* ---- 3.1: events ----------------------------------------------------------------------- */

EQ(ZTS_EVENT_NODE_UP, 200);
EQ(ZTS_EVENT_NODE_ONLINE, 201);
EQ(ZTS_EVENT_NODE_OFFLINE, 202);
EQ(ZTS_EVENT_NODE_DOWN, 203);
EQ(ZTS_EVENT_NODE_IDENTITY_COLLISION, 204);
EQ(ZTS_EVENT_NODE_UNRECOVERABLE_ERROR, 205);
EQ(ZTS_EVENT_NODE_NORMAL_TERMINATION, 206);
EQ(ZTS_EVENT_NETWORK_NOT_FOUND, 210);
EQ(ZTS_EVENT_NETWORK_CLIENT_TOO_OLD, 211);
EQ(ZTS_EVENT_NETWORK_REQ_CONFIG, 212);
EQ(ZTS_EVENT_NETWORK_OK, 213);
EQ(ZTS_EVENT_NETWORK_ACCESS_DENIED, 214);
EQ(ZTS_EVENT_NETWORK_READY_IP4, 215);
EQ(ZTS_EVENT_NETWORK_READY_IP6, 216);
EQ(ZTS_EVENT_NETWORK_READY_IP4_IP6, 217);
EQ(ZTS_EVENT_NETWORK_DOWN, 218);
EQ(ZTS_EVENT_STACK_UP, 220);
EQ(ZTS_EVENT_STACK_DOWN, 221);
EQ(ZTS_EVENT_NETIF_UP, 230);
EQ(ZTS_EVENT_NETIF_DOWN, 231);
EQ(ZTS_EVENT_NETIF_REMOVED, 232);
EQ(ZTS_EVENT_NETIF_LINK_UP, 233);
EQ(ZTS_EVENT_NETIF_LINK_DOWN, 234);
EQ(ZTS_EVENT_PEER_DIRECT, 240);
EQ(ZTS_EVENT_PEER_RELAY, 241);
EQ(ZTS_EVENT_PEER_UNREACHABLE, 242);
EQ(ZTS_EVENT_PATH_DISCOVERED, 250);
EQ(ZTS_EVENT_PATH_ALIVE, 251);
EQ(ZTS_EVENT_PATH_DEAD, 252);
EQ(ZTS_EVENT_ROUTE_ADDED, 260);
EQ(ZTS_EVENT_ROUTE_REMOVED, 261);
EQ(ZTS_EVENT_ADDR_ADDED_IP4, 270);
EQ(ZTS_EVENT_ADDR_REMOVED_IP4, 271);
EQ(ZTS_EVENT_ADDR_ADDED_IP6, 272);
EQ(ZTS_EVENT_ADDR_REMOVED_IP6, 273);
TYPE_OF(ZTS_EVENT_NODE_UP, int);

/* Names the README uses in prose only: the header must not define them (api.md 3.1). */
#if defined(ZTS_EVENT_PEER_P2P) || defined(ZTS_EVENT_ADDR_NEW_IP4) ||                 \
    defined(ZTS_EVENT_ADDR_NEW_IP6) || defined(ZTS_EVENT_NETWORK_REQUESTING_CONFIG)
#error "prose-only event names defined"
#endif

/* ---- 3.2: return codes ----------------------------------------------------------------- */

EQ(ZTS_ERR_OK, 0);
EQ(ZTS_ERR_SOCKET, -1);
EQ(ZTS_ERR_SERVICE, -2);
EQ(ZTS_ERR_ARG, -3);
EQ(ZTS_ERR_NO_RESULT, -4);
EQ(ZTS_ERR_GENERAL, -5);

/* ---- 3.3: zts_errno values (the table of api.md, all 122 entries) --------------------- */

EQ(ZTS_EPERM, 1);
EQ(ZTS_ENOENT, 2);
EQ(ZTS_ESRCH, 3);
EQ(ZTS_EINTR, 4);
EQ(ZTS_EIO, 5);
EQ(ZTS_ENXIO, 6);
EQ(ZTS_E2BIG, 7);
EQ(ZTS_ENOEXEC, 8);
EQ(ZTS_EBADF, 9);
EQ(ZTS_ECHILD, 10);
EQ(ZTS_EAGAIN, 11);
EQ(ZTS_ENOMEM, 12);
EQ(ZTS_EACCES, 13);
EQ(ZTS_EFAULT, 14);
EQ(ZTS_ENOTBLK, 15);
EQ(ZTS_EBUSY, 16);
EQ(ZTS_EEXIST, 17);
EQ(ZTS_EXDEV, 18);
EQ(ZTS_ENODEV, 19);
EQ(ZTS_ENOTDIR, 20);
EQ(ZTS_EISDIR, 21);
EQ(ZTS_EINVAL, 22);
EQ(ZTS_ENFILE, 23);
EQ(ZTS_EMFILE, 24);
EQ(ZTS_ENOTTY, 25);
EQ(ZTS_ETXTBSY, 26);
EQ(ZTS_EFBIG, 27);
EQ(ZTS_ENOSPC, 28);
EQ(ZTS_ESPIPE, 29);
EQ(ZTS_EROFS, 30);
EQ(ZTS_EMLINK, 31);
EQ(ZTS_EPIPE, 32);
EQ(ZTS_EDOM, 33);
EQ(ZTS_ERANGE, 34);
EQ(ZTS_EDEADLK, 35);
EQ(ZTS_ENAMETOOLONG, 36);
EQ(ZTS_ENOLCK, 37);
EQ(ZTS_ENOSYS, 38);
EQ(ZTS_ENOTEMPTY, 39);
EQ(ZTS_ELOOP, 40);
EQ(ZTS_ENOMSG, 42);
EQ(ZTS_EIDRM, 43);
EQ(ZTS_ECHRNG, 44);
EQ(ZTS_EL2NSYNC, 45);
EQ(ZTS_EL3HLT, 46);
EQ(ZTS_EL3RST, 47);
EQ(ZTS_ELNRNG, 48);
EQ(ZTS_EUNATCH, 49);
EQ(ZTS_ENOCSI, 50);
EQ(ZTS_EL2HLT, 51);
EQ(ZTS_EBADE, 52);
EQ(ZTS_EBADR, 53);
EQ(ZTS_EXFULL, 54);
EQ(ZTS_ENOANO, 55);
EQ(ZTS_EBADRQC, 56);
EQ(ZTS_EBADSLT, 57);
EQ(ZTS_EBFONT, 59);
EQ(ZTS_ENOSTR, 60);
EQ(ZTS_ENODATA, 61);
EQ(ZTS_ETIME, 62);
EQ(ZTS_ENOSR, 63);
EQ(ZTS_ENONET, 64);
EQ(ZTS_ENOPKG, 65);
EQ(ZTS_EREMOTE, 66);
EQ(ZTS_ENOLINK, 67);
EQ(ZTS_EADV, 68);
EQ(ZTS_ESRMNT, 69);
EQ(ZTS_ECOMM, 70);
EQ(ZTS_EPROTO, 71);
EQ(ZTS_EMULTIHOP, 72);
EQ(ZTS_EDOTDOT, 73);
EQ(ZTS_EBADMSG, 74);
EQ(ZTS_EOVERFLOW, 75);
EQ(ZTS_ENOTUNIQ, 76);
EQ(ZTS_EBADFD, 77);
EQ(ZTS_EREMCHG, 78);
EQ(ZTS_ELIBACC, 79);
EQ(ZTS_ELIBBAD, 80);
EQ(ZTS_ELIBSCN, 81);
EQ(ZTS_ELIBMAX, 82);
EQ(ZTS_ELIBEXEC, 83);
EQ(ZTS_EILSEQ, 84);
EQ(ZTS_ERESTART, 85);
EQ(ZTS_ESTRPIPE, 86);
EQ(ZTS_EUSERS, 87);
EQ(ZTS_ENOTSOCK, 88);
EQ(ZTS_EDESTADDRREQ, 89);
EQ(ZTS_EMSGSIZE, 90);
EQ(ZTS_EPROTOTYPE, 91);
EQ(ZTS_ENOPROTOOPT, 92);
EQ(ZTS_EPROTONOSUPPORT, 93);
EQ(ZTS_ESOCKTNOSUPPORT, 94);
EQ(ZTS_EOPNOTSUPP, 95);
EQ(ZTS_EPFNOSUPPORT, 96);
EQ(ZTS_EAFNOSUPPORT, 97);
EQ(ZTS_EADDRINUSE, 98);
EQ(ZTS_EADDRNOTAVAIL, 99);
EQ(ZTS_ENETDOWN, 100);
EQ(ZTS_ENETUNREACH, 101);
EQ(ZTS_ENETRESET, 102);
EQ(ZTS_ECONNABORTED, 103);
EQ(ZTS_ECONNRESET, 104);
EQ(ZTS_ENOBUFS, 105);
EQ(ZTS_EISCONN, 106);
EQ(ZTS_ENOTCONN, 107);
EQ(ZTS_ESHUTDOWN, 108);
EQ(ZTS_ETOOMANYREFS, 109);
EQ(ZTS_ETIMEDOUT, 110);
EQ(ZTS_ECONNREFUSED, 111);
EQ(ZTS_EHOSTDOWN, 112);
EQ(ZTS_EHOSTUNREACH, 113);
EQ(ZTS_EALREADY, 114);
EQ(ZTS_EINPROGRESS, 115);
EQ(ZTS_ESTALE, 116);
EQ(ZTS_EUCLEAN, 117);
EQ(ZTS_ENOTNAM, 118);
EQ(ZTS_ENAVAIL, 119);
EQ(ZTS_EISNAM, 120);
EQ(ZTS_EREMOTEIO, 121);
EQ(ZTS_EDQUOT, 122);
EQ(ZTS_ENOMEDIUM, 123);
EQ(ZTS_EMEDIUMTYPE, 124);
EQ(ZTS_EWOULDBLOCK, 11);
EQ(ZTS_EWOULDBLOCK, ZTS_EAGAIN);
EQ(ZTS_EDEADLOCK, 35);
EQ(ZTS_EDEADLOCK, ZTS_EDEADLK);

#if defined(__linux__)
/* "These are the Linux errno numbers": the same names in the host's <errno.h>. */
EQ(ZTS_EPERM, EPERM);
EQ(ZTS_ENOENT, ENOENT);
EQ(ZTS_ESRCH, ESRCH);
EQ(ZTS_EINTR, EINTR);
EQ(ZTS_EIO, EIO);
EQ(ZTS_ENXIO, ENXIO);
EQ(ZTS_E2BIG, E2BIG);
EQ(ZTS_ENOEXEC, ENOEXEC);
EQ(ZTS_EBADF, EBADF);
EQ(ZTS_ECHILD, ECHILD);
EQ(ZTS_EAGAIN, EAGAIN);
EQ(ZTS_ENOMEM, ENOMEM);
EQ(ZTS_EACCES, EACCES);
EQ(ZTS_EFAULT, EFAULT);
EQ(ZTS_ENOTBLK, ENOTBLK);
EQ(ZTS_EBUSY, EBUSY);
EQ(ZTS_EEXIST, EEXIST);
EQ(ZTS_EXDEV, EXDEV);
EQ(ZTS_ENODEV, ENODEV);
EQ(ZTS_ENOTDIR, ENOTDIR);
EQ(ZTS_EISDIR, EISDIR);
EQ(ZTS_EINVAL, EINVAL);
EQ(ZTS_ENFILE, ENFILE);
EQ(ZTS_EMFILE, EMFILE);
EQ(ZTS_ENOTTY, ENOTTY);
EQ(ZTS_ETXTBSY, ETXTBSY);
EQ(ZTS_EFBIG, EFBIG);
EQ(ZTS_ENOSPC, ENOSPC);
EQ(ZTS_ESPIPE, ESPIPE);
EQ(ZTS_EROFS, EROFS);
EQ(ZTS_EMLINK, EMLINK);
EQ(ZTS_EPIPE, EPIPE);
EQ(ZTS_EDOM, EDOM);
EQ(ZTS_ERANGE, ERANGE);
EQ(ZTS_EDEADLK, EDEADLK);
EQ(ZTS_ENAMETOOLONG, ENAMETOOLONG);
EQ(ZTS_ENOLCK, ENOLCK);
EQ(ZTS_ENOSYS, ENOSYS);
EQ(ZTS_ENOTEMPTY, ENOTEMPTY);
EQ(ZTS_ELOOP, ELOOP);
EQ(ZTS_ENOMSG, ENOMSG);
EQ(ZTS_EIDRM, EIDRM);
EQ(ZTS_ECHRNG, ECHRNG);
EQ(ZTS_EL2NSYNC, EL2NSYNC);
EQ(ZTS_EL3HLT, EL3HLT);
EQ(ZTS_EL3RST, EL3RST);
EQ(ZTS_ELNRNG, ELNRNG);
EQ(ZTS_EUNATCH, EUNATCH);
EQ(ZTS_ENOCSI, ENOCSI);
EQ(ZTS_EL2HLT, EL2HLT);
EQ(ZTS_EBADE, EBADE);
EQ(ZTS_EBADR, EBADR);
EQ(ZTS_EXFULL, EXFULL);
EQ(ZTS_ENOANO, ENOANO);
EQ(ZTS_EBADRQC, EBADRQC);
EQ(ZTS_EBADSLT, EBADSLT);
EQ(ZTS_EBFONT, EBFONT);
EQ(ZTS_ENOSTR, ENOSTR);
EQ(ZTS_ENODATA, ENODATA);
EQ(ZTS_ETIME, ETIME);
EQ(ZTS_ENOSR, ENOSR);
EQ(ZTS_ENONET, ENONET);
EQ(ZTS_ENOPKG, ENOPKG);
EQ(ZTS_EREMOTE, EREMOTE);
EQ(ZTS_ENOLINK, ENOLINK);
EQ(ZTS_EADV, EADV);
EQ(ZTS_ESRMNT, ESRMNT);
EQ(ZTS_ECOMM, ECOMM);
EQ(ZTS_EPROTO, EPROTO);
EQ(ZTS_EMULTIHOP, EMULTIHOP);
EQ(ZTS_EDOTDOT, EDOTDOT);
EQ(ZTS_EBADMSG, EBADMSG);
EQ(ZTS_EOVERFLOW, EOVERFLOW);
EQ(ZTS_ENOTUNIQ, ENOTUNIQ);
EQ(ZTS_EBADFD, EBADFD);
EQ(ZTS_EREMCHG, EREMCHG);
EQ(ZTS_ELIBACC, ELIBACC);
EQ(ZTS_ELIBBAD, ELIBBAD);
EQ(ZTS_ELIBSCN, ELIBSCN);
EQ(ZTS_ELIBMAX, ELIBMAX);
EQ(ZTS_ELIBEXEC, ELIBEXEC);
EQ(ZTS_EILSEQ, EILSEQ);
EQ(ZTS_ERESTART, ERESTART);
EQ(ZTS_ESTRPIPE, ESTRPIPE);
EQ(ZTS_EUSERS, EUSERS);
EQ(ZTS_ENOTSOCK, ENOTSOCK);
EQ(ZTS_EDESTADDRREQ, EDESTADDRREQ);
EQ(ZTS_EMSGSIZE, EMSGSIZE);
EQ(ZTS_EPROTOTYPE, EPROTOTYPE);
EQ(ZTS_ENOPROTOOPT, ENOPROTOOPT);
EQ(ZTS_EPROTONOSUPPORT, EPROTONOSUPPORT);
EQ(ZTS_ESOCKTNOSUPPORT, ESOCKTNOSUPPORT);
EQ(ZTS_EOPNOTSUPP, EOPNOTSUPP);
EQ(ZTS_EPFNOSUPPORT, EPFNOSUPPORT);
EQ(ZTS_EAFNOSUPPORT, EAFNOSUPPORT);
EQ(ZTS_EADDRINUSE, EADDRINUSE);
EQ(ZTS_EADDRNOTAVAIL, EADDRNOTAVAIL);
EQ(ZTS_ENETDOWN, ENETDOWN);
EQ(ZTS_ENETUNREACH, ENETUNREACH);
EQ(ZTS_ENETRESET, ENETRESET);
EQ(ZTS_ECONNABORTED, ECONNABORTED);
EQ(ZTS_ECONNRESET, ECONNRESET);
EQ(ZTS_ENOBUFS, ENOBUFS);
EQ(ZTS_EISCONN, EISCONN);
EQ(ZTS_ENOTCONN, ENOTCONN);
EQ(ZTS_ESHUTDOWN, ESHUTDOWN);
EQ(ZTS_ETOOMANYREFS, ETOOMANYREFS);
EQ(ZTS_ETIMEDOUT, ETIMEDOUT);
EQ(ZTS_ECONNREFUSED, ECONNREFUSED);
EQ(ZTS_EHOSTDOWN, EHOSTDOWN);
EQ(ZTS_EHOSTUNREACH, EHOSTUNREACH);
EQ(ZTS_EALREADY, EALREADY);
EQ(ZTS_EINPROGRESS, EINPROGRESS);
EQ(ZTS_ESTALE, ESTALE);
EQ(ZTS_EUCLEAN, EUCLEAN);
EQ(ZTS_ENOTNAM, ENOTNAM);
EQ(ZTS_ENAVAIL, ENAVAIL);
EQ(ZTS_EISNAM, EISNAM);
EQ(ZTS_EREMOTEIO, EREMOTEIO);
EQ(ZTS_EDQUOT, EDQUOT);
EQ(ZTS_ENOMEDIUM, ENOMEDIUM);
EQ(ZTS_EMEDIUMTYPE, EMEDIUMTYPE);
EQ(ZTS_EWOULDBLOCK, EWOULDBLOCK);
EQ(ZTS_EDEADLOCK, EDEADLOCK);
#endif

/* ---- 3.4: address constants ------------------------------------------------------------ */

EQ(ZTS_INET_ADDRSTRLEN, 16);
EQ(ZTS_INET6_ADDRSTRLEN, 46);
EQ(ZTS_IPADDR_NONE, 0xffffffffU);
EQ(ZTS_IPADDR_LOOPBACK, 0x7f000001U);
EQ(ZTS_IPADDR_ANY, 0U);
EQ(ZTS_IPADDR_BROADCAST, 0xffffffffU);
EQ(ZTS_INADDR_NONE, ZTS_IPADDR_NONE);
EQ(ZTS_INADDR_LOOPBACK, ZTS_IPADDR_LOOPBACK);
EQ(ZTS_INADDR_ANY, ZTS_IPADDR_ANY);
EQ(ZTS_INADDR_BROADCAST, ZTS_IPADDR_BROADCAST);
TYPE_OF(ZTS_IPADDR_NONE, uint32_t);
TYPE_OF(ZTS_IPADDR_LOOPBACK, uint32_t);
TYPE_OF(ZTS_IPADDR_ANY, uint32_t);
TYPE_OF(ZTS_IPADDR_BROADCAST, uint32_t);
TYPE_OF(ZTS_INADDR_NONE, uint32_t);
TYPE_OF(ZTS_INADDR_LOOPBACK, uint32_t);
TYPE_OF(ZTS_INADDR_ANY, uint32_t);
TYPE_OF(ZTS_INADDR_BROADCAST, uint32_t);

/* ---- 3.5: families, types, protocols --------------------------------------------------- */

EQ(ZTS_SOCK_STREAM, 1);
EQ(ZTS_SOCK_DGRAM, 2);
EQ(ZTS_SOCK_RAW, 3);
EQ(ZTS_AF_UNSPEC, 0);
EQ(ZTS_AF_INET, 2);
EQ(ZTS_AF_INET6, 10);
EQ(ZTS_PF_INET, ZTS_AF_INET);
EQ(ZTS_PF_INET6, ZTS_AF_INET6);
EQ(ZTS_PF_UNSPEC, ZTS_AF_UNSPEC);
EQ(ZTS_IPPROTO_IP, 0x00);
EQ(ZTS_IPPROTO_ICMP, 0x01);
EQ(ZTS_IPPROTO_TCP, 0x06);
EQ(ZTS_IPPROTO_UDP, 0x11);
EQ(ZTS_IPPROTO_IPV6, 0x29);
EQ(ZTS_IPPROTO_ICMPV6, 0x3a);
EQ(ZTS_IPPROTO_UDPLITE, 0x88);
EQ(ZTS_IPPROTO_RAW, 0xff);

/* ---- 3.6: message flags ---------------------------------------------------------------- */

EQ(ZTS_MSG_PEEK, 0x01);
EQ(ZTS_MSG_WAITALL, 0x02);
EQ(ZTS_MSG_OOB, 0x04);
EQ(ZTS_MSG_DONTWAIT, 0x08);
EQ(ZTS_MSG_MORE, 0x10);
EQ(ZTS_MSG_TRUNC, 0x04);
EQ(ZTS_MSG_CTRUNC, 0x08);

/* ---- 3.7: ioctl ------------------------------------------------------------------------ */

EQ(ZTS_IOCPARM_MASK, 0x7fU);
EQ(ZTS_IOC_VOID, 0x20000000UL);
EQ(ZTS_IOC_OUT, 0x40000000UL);
EQ(ZTS_IOC_IN, 0x80000000UL);
EQ(ZTS_IOC_INOUT, 0xc0000000UL);
EQ(ZTS_IO('f', 1), 0x20006601UL);
EQ(ZTS_IOR('f', 127, int), 0x4004667FUL);
EQ(ZTS_IOW('f', 126, int), 0x8004667EUL);
EQ(ZTS_IOR('x', 1, char[200]), 0x40487801UL); /* 200 & 0x7f = 0x48 */
EQ(ZTS_FIONREAD, 0x4008667FUL);               /* LP64 */
EQ(ZTS_FIONBIO, 0x8008667EUL);                /* LP64 */

/* ---- 3.8: socket options --------------------------------------------------------------- */

EQ(ZTS_SOL_SOCKET, 0x0fff);
EQ(ZTS_SO_DEBUG, 0x0001);
EQ(ZTS_SO_ACCEPTCONN, 0x0002);
EQ(ZTS_SO_REUSEADDR, 0x0004);
EQ(ZTS_SO_KEEPALIVE, 0x0008);
EQ(ZTS_SO_DONTROUTE, 0x0010);
EQ(ZTS_SO_BROADCAST, 0x0020);
EQ(ZTS_SO_USELOOPBACK, 0x0040);
EQ(ZTS_SO_LINGER, 0x0080);
EQ(ZTS_SO_DONTLINGER, (int)(~0x0080));
TYPE_OF(ZTS_SO_DONTLINGER, int);
EQ(ZTS_SO_OOBINLINE, 0x0100);
EQ(ZTS_SO_REUSEPORT, 0x0200);
EQ(ZTS_SO_SNDBUF, 0x1001);
EQ(ZTS_SO_RCVBUF, 0x1002);
EQ(ZTS_SO_SNDLOWAT, 0x1003);
EQ(ZTS_SO_RCVLOWAT, 0x1004);
EQ(ZTS_SO_SNDTIMEO, 0x1005);
EQ(ZTS_SO_RCVTIMEO, 0x1006);
EQ(ZTS_SO_ERROR, 0x1007);
EQ(ZTS_SO_TYPE, 0x1008);
EQ(ZTS_SO_CONTIMEO, 0x1009);
EQ(ZTS_SO_NO_CHECK, 0x100a);
EQ(ZTS_SO_BINDTODEVICE, 0x100b);

EQ(ZTS_IP_TOS, 0x0001);
EQ(ZTS_IP_TTL, 0x0002);
EQ(ZTS_IP_PKTINFO, 0x0008);
EQ(ZTS_IP_ADD_MEMBERSHIP, 3);
EQ(ZTS_IP_DROP_MEMBERSHIP, 4);
EQ(ZTS_IP_MULTICAST_TTL, 5);
EQ(ZTS_IP_MULTICAST_IF, 6);
EQ(ZTS_IP_MULTICAST_LOOP, 7);

EQ(ZTS_TCP_NODELAY, 0x0001);
EQ(ZTS_TCP_KEEPALIVE, 0x0002);
EQ(ZTS_TCP_KEEPIDLE, 0x0003);
EQ(ZTS_TCP_KEEPINTVL, 0x0004);
EQ(ZTS_TCP_KEEPCNT, 0x0005);

EQ(ZTS_IPV6_CHECKSUM, 0x0007);
EQ(ZTS_IPV6_V6ONLY, 0x001b);
EQ(ZTS_IPV6_JOIN_GROUP, 12);
EQ(ZTS_IPV6_ADD_MEMBERSHIP, 12);
EQ(ZTS_IPV6_LEAVE_GROUP, 13);
EQ(ZTS_IPV6_DROP_MEMBERSHIP, 13);

EQ(ZTS_UDPLITE_SEND_CSCOV, 0x01);
EQ(ZTS_UDPLITE_RECV_CSCOV, 0x02);

EQ(ZTS_IPTOS_TOS_MASK, 0x1E);
EQ(ZTS_IPTOS_TOS(0xff), 0x1E);
EQ(ZTS_IPTOS_TOS(0x11), 0x10);
EQ(ZTS_IPTOS_LOWDELAY, 0x10);
EQ(ZTS_IPTOS_THROUGHPUT, 0x08);
EQ(ZTS_IPTOS_RELIABILITY, 0x04);
EQ(ZTS_IPTOS_LOWCOST, 0x02);
EQ(ZTS_IPTOS_MINCOST, 0x02);
EQ(ZTS_IPTOS_PREC_MASK, 0xe0);
EQ(ZTS_IPTOS_PREC(0xff), 0xe0);
EQ(ZTS_IPTOS_PREC(0x3f), 0x20);
EQ(ZTS_IPTOS_PREC_NETCONTROL, 0xe0);
EQ(ZTS_IPTOS_PREC_INTERNETCONTROL, 0xc0);
EQ(ZTS_IPTOS_PREC_CRITIC_ECP, 0xa0);
EQ(ZTS_IPTOS_PREC_FLASHOVERRIDE, 0x80);
EQ(ZTS_IPTOS_PREC_FLASH, 0x60);
EQ(ZTS_IPTOS_PREC_IMMEDIATE, 0x40);
EQ(ZTS_IPTOS_PREC_PRIORITY, 0x20);
EQ(ZTS_IPTOS_PREC_ROUTINE, 0x00);

/* ---- 3.9: fcntl, poll, shutdown -------------------------------------------------------- */

EQ(ZTS_F_GETFL, 3);
EQ(ZTS_F_SETFL, 4);
EQ(ZTS_O_NONBLOCK, 1);
EQ(ZTS_O_NDELAY, 1);
EQ(ZTS_O_RDONLY, 2);
EQ(ZTS_O_WRONLY, 4);
EQ(ZTS_O_RDWR, 6);
EQ(ZTS_SHUT_RD, 0);
EQ(ZTS_SHUT_WR, 1);
EQ(ZTS_SHUT_RDWR, 2);
EQ(ZTS_POLLIN, 0x001);
EQ(ZTS_POLLOUT, 0x002);
EQ(ZTS_POLLERR, 0x004);
EQ(ZTS_POLLNVAL, 0x008);
EQ(ZTS_POLLRDNORM, 0x010);
EQ(ZTS_POLLRDBAND, 0x020);
EQ(ZTS_POLLPRI, 0x040);
EQ(ZTS_POLLWRNORM, 0x080);
EQ(ZTS_POLLWRBAND, 0x100);
EQ(ZTS_POLLHUP, 0x200);

/* ---- 3.10: status aliases -------------------------------------------------------------- */

EQ(ZTS_STATE_NODE_OFFLINE, 202);
EQ(ZTS_STATE_NODE_ONLINE, 201);
EQ(ZTS_STATE_NETWORK_NOT_FOUND, 210);
EQ(ZTS_STATE_NETWORK_CLIENT_TOO_OLD, 211);
EQ(ZTS_STATE_NETWORK_REQUESTING_CONFIG, 212);
EQ(ZTS_STATE_NETWORK_OK, 213);
EQ(ZTS_STATE_NETWORK_ACCESS_DENIED, 214);
EQ(ZTS_STATE_NETWORK_DOWN, 218);
EQ(ZTS_STATE_PEER_DIRECT, 240);
EQ(ZTS_STATE_PEER_RELAY, 241);
EQ(ZTS_STATE_PEER_UNREACHABLE, 242);

/* ---- 3.11: statistics selectors -------------------------------------------------------- */

EQ(ZTS_STATS_PROTOCOL_LINK, 0);
EQ(ZTS_STATS_PROTOCOL_ETHARP, 1);
EQ(ZTS_STATS_PROTOCOL_IP, 2);
EQ(ZTS_STATS_PROTOCOL_UDP, 3);
EQ(ZTS_STATS_PROTOCOL_TCP, 4);
EQ(ZTS_STATS_PROTOCOL_ICMP, 5);
EQ(ZTS_STATS_PROTOCOL_IP_FRAG, 6);
EQ(ZTS_STATS_PROTOCOL_IP6, 7);
EQ(ZTS_STATS_PROTOCOL_ICMP6, 8);
EQ(ZTS_STATS_PROTOCOL_IP6_FRAG, 9);

/* ---- 3.12: limits and enums ------------------------------------------------------------ */

EQ(ZTS_MAX_ASSIGNED_ADDRESSES, 16);
EQ(ZTS_MAX_NETWORK_ROUTES, 32);
EQ(ZT_MAX_PEER_NETWORK_PATHS, 16);
EQ(ZTS_FD_SETSIZE, 1024);
EQ(ZTS_FD_SETSIZE, MEMP_NUM_NETCONN);
EQ(ZTS_PEER_ROLE_LEAF, 0);
EQ(ZTS_PEER_ROLE_MOON, 1);
EQ(ZTS_PEER_ROLE_PLANET, 2);
SIZE(enum zts_peer_role, sizeof(int));

/* ---- 4.1: scalar typedefs -------------------------------------------------------------- */

_Static_assert(SAME_TYPE(zts_socklen_t, uint32_t), "zts_socklen_t");
_Static_assert(SAME_TYPE(zts_in_addr_t, uint32_t), "zts_in_addr_t");
_Static_assert(SAME_TYPE(zts_in_port_t, uint16_t), "zts_in_port_t");
_Static_assert(SAME_TYPE(zts_sa_family_t, uint8_t), "zts_sa_family_t");
_Static_assert(SAME_TYPE(zts_nfds_t, unsigned int), "zts_nfds_t");

/* ---- 4.2: socket addresses ------------------------------------------------------------- */

SIZE(struct zts_in_addr, 4);
FIELD(struct zts_in_addr, s_addr, 0, zts_in_addr_t);

SIZE(struct zts_in6_addr, 16);
ALIGN(struct zts_in6_addr, 4);
FIELD(struct zts_in6_addr, un, 0, union un);
FIELD(struct zts_in6_addr, un.u32_addr, 0, uint32_t[4]);
FIELD(struct zts_in6_addr, un.u8_addr, 0, uint8_t[16]);

SIZE(struct zts_sockaddr_in, 16);
FIELD(struct zts_sockaddr_in, sin_len, 0, uint8_t);
FIELD(struct zts_sockaddr_in, sin_family, 1, zts_sa_family_t);
FIELD(struct zts_sockaddr_in, sin_port, 2, zts_in_port_t);
FIELD(struct zts_sockaddr_in, sin_addr, 4, struct zts_in_addr);
FIELD(struct zts_sockaddr_in, sin_zero, 8, char[SIN_ZERO_LEN]);

SIZE(struct zts_sockaddr_in6, 28);
FIELD(struct zts_sockaddr_in6, sin6_len, 0, uint8_t);
FIELD(struct zts_sockaddr_in6, sin6_family, 1, zts_sa_family_t);
FIELD(struct zts_sockaddr_in6, sin6_port, 2, zts_in_port_t);
FIELD(struct zts_sockaddr_in6, sin6_flowinfo, 4, uint32_t);
FIELD(struct zts_sockaddr_in6, sin6_addr, 8, struct zts_in6_addr);
FIELD(struct zts_sockaddr_in6, sin6_scope_id, 24, uint32_t);

SIZE(struct zts_sockaddr, 16);
FIELD(struct zts_sockaddr, sa_len, 0, uint8_t);
FIELD(struct zts_sockaddr, sa_family, 1, zts_sa_family_t);
FIELD(struct zts_sockaddr, sa_data, 2, char[14]);

SIZE(struct zts_sockaddr_storage, 28);
ALIGN(struct zts_sockaddr_storage, 4);
FIELD(struct zts_sockaddr_storage, s2_len, 0, uint8_t);
FIELD(struct zts_sockaddr_storage, ss_family, 1, zts_sa_family_t);
FIELD(struct zts_sockaddr_storage, s2_data1, 2, char[2]);
FIELD(struct zts_sockaddr_storage, s2_data2, 4, uint32_t[3]);
FIELD(struct zts_sockaddr_storage, s2_data3, 16, uint32_t[3]);

/* ---- 4.3: event message and details ---------------------------------------------------- */

SIZE(struct zts_callback_msg, 64);
FIELD(struct zts_callback_msg, eventCode, 0, int16_t);
FIELD(struct zts_callback_msg, node, 8, struct zts_node_details *);
FIELD(struct zts_callback_msg, network, 16, struct zts_network_details *);
FIELD(struct zts_callback_msg, netif, 24, struct zts_netif_details *);
FIELD(struct zts_callback_msg, route, 32, struct zts_virtual_network_route *);
FIELD(struct zts_callback_msg, path, 40, struct zts_physical_path *);
FIELD(struct zts_callback_msg, peer, 48, struct zts_peer_details *);
FIELD(struct zts_callback_msg, addr, 56, struct zts_addr_details *);

SIZE(struct zts_node_details, 48);
FIELD(struct zts_node_details, address, 0, uint64_t);
FIELD(struct zts_node_details, clock, 8, uint64_t);
FIELD(struct zts_node_details, online, 16, uint8_t);
FIELD(struct zts_node_details, portMappingEnabled, 17, uint8_t);
FIELD(struct zts_node_details, multipathEnabled, 18, uint8_t);
FIELD(struct zts_node_details, primaryPort, 20, uint16_t);
FIELD(struct zts_node_details, planetWorldId, 24, uint64_t);
FIELD(struct zts_node_details, planetWorldTimestamp, 32, uint64_t);
FIELD(struct zts_node_details, versionMajor, 40, uint8_t);
FIELD(struct zts_node_details, versionMinor, 41, uint8_t);
FIELD(struct zts_node_details, versionRev, 42, uint8_t);

SIZE(struct zts_addr_details, 40);
FIELD(struct zts_addr_details, nwid, 0, uint64_t);
FIELD(struct zts_addr_details, addr, 8, struct zts_sockaddr_storage);

SIZE(struct zts_netif_details, 24);
FIELD(struct zts_netif_details, nwid, 0, uint64_t);
FIELD(struct zts_netif_details, mac, 8, uint64_t);
FIELD(struct zts_netif_details, mtu, 16, int);

SIZE(struct zts_virtual_network_route, 60);
ALIGN(struct zts_virtual_network_route, 4);
FIELD(struct zts_virtual_network_route, target, 0, struct zts_sockaddr_storage);
FIELD(struct zts_virtual_network_route, via, 28, struct zts_sockaddr_storage);
FIELD(struct zts_virtual_network_route, flags, 56, uint16_t);
FIELD(struct zts_virtual_network_route, metric, 58, uint16_t);

SIZE(struct zts_network_details, 2392);
FIELD(struct zts_network_details, nwid, 0, uint64_t);
FIELD(struct zts_network_details, mtu, 8, int);
FIELD(struct zts_network_details, num_addresses, 12, short);
FIELD(struct zts_network_details, addr, 16, struct zts_sockaddr_storage[16]);
FIELD(struct zts_network_details, num_routes, 464, unsigned int);
FIELD(struct zts_network_details, routes, 468, struct zts_virtual_network_route[32]);

SIZE(struct zts_physical_path, 64);
FIELD(struct zts_physical_path, address, 0, struct zts_sockaddr_storage);
FIELD(struct zts_physical_path, lastSend, 32, uint64_t);
FIELD(struct zts_physical_path, lastReceive, 40, uint64_t);
FIELD(struct zts_physical_path, trustedPathId, 48, uint64_t);
FIELD(struct zts_physical_path, expired, 56, int);
FIELD(struct zts_physical_path, preferred, 60, int);

SIZE(struct zts_peer_details, 1056);
FIELD(struct zts_peer_details, address, 0, uint64_t);
FIELD(struct zts_peer_details, versionMajor, 8, int);
FIELD(struct zts_peer_details, versionMinor, 12, int);
FIELD(struct zts_peer_details, versionRev, 16, int);
FIELD(struct zts_peer_details, latency, 20, int);
FIELD(struct zts_peer_details, role, 24, enum zts_peer_role);
FIELD(struct zts_peer_details, pathCount, 28, unsigned int);
FIELD(struct zts_peer_details, paths, 32, struct zts_physical_path[16]);

SIZE(struct zts_peer_list, 16);
FIELD(struct zts_peer_list, peers, 0, struct zts_peer_details *);
FIELD(struct zts_peer_list, peerCount, 8, unsigned long);

/* ---- 4.4: statistics ------------------------------------------------------------------- */

SIZE(struct zts_stats_proto, 48);
FIELD(struct zts_stats_proto, xmit, 0, uint32_t);
FIELD(struct zts_stats_proto, recv, 4, uint32_t);
FIELD(struct zts_stats_proto, fw, 8, uint32_t);
FIELD(struct zts_stats_proto, drop, 12, uint32_t);
FIELD(struct zts_stats_proto, chkerr, 16, uint32_t);
FIELD(struct zts_stats_proto, lenerr, 20, uint32_t);
FIELD(struct zts_stats_proto, memerr, 24, uint32_t);
FIELD(struct zts_stats_proto, rterr, 28, uint32_t);
FIELD(struct zts_stats_proto, proterr, 32, uint32_t);
FIELD(struct zts_stats_proto, opterr, 36, uint32_t);
FIELD(struct zts_stats_proto, err, 40, uint32_t);
FIELD(struct zts_stats_proto, cachehit, 44, uint32_t);

SIZE(struct zts_stats_igmp, 56);
FIELD(struct zts_stats_igmp, xmit, 0, uint32_t);
FIELD(struct zts_stats_igmp, recv, 4, uint32_t);
FIELD(struct zts_stats_igmp, drop, 8, uint32_t);
FIELD(struct zts_stats_igmp, chkerr, 12, uint32_t);
FIELD(struct zts_stats_igmp, lenerr, 16, uint32_t);
FIELD(struct zts_stats_igmp, memerr, 20, uint32_t);
FIELD(struct zts_stats_igmp, proterr, 24, uint32_t);
FIELD(struct zts_stats_igmp, rx_v1, 28, uint32_t);
FIELD(struct zts_stats_igmp, rx_group, 32, uint32_t);
FIELD(struct zts_stats_igmp, rx_general, 36, uint32_t);
FIELD(struct zts_stats_igmp, rx_report, 40, uint32_t);
FIELD(struct zts_stats_igmp, tx_join, 44, uint32_t);
FIELD(struct zts_stats_igmp, tx_leave, 48, uint32_t);
FIELD(struct zts_stats_igmp, tx_report, 52, uint32_t);

SIZE(struct zts_stats_syselem, 12);
FIELD(struct zts_stats_syselem, used, 0, uint32_t);
FIELD(struct zts_stats_syselem, max, 4, uint32_t);
FIELD(struct zts_stats_syselem, err, 8, uint32_t);

SIZE(struct zts_stats_sys, 36);
FIELD(struct zts_stats_sys, sem, 0, struct zts_stats_syselem);
FIELD(struct zts_stats_sys, mutex, 12, struct zts_stats_syselem);
FIELD(struct zts_stats_sys, mbox, 24, struct zts_stats_syselem);

SIZE(struct zts_stats, 676);
FIELD(struct zts_stats, link, 0, struct zts_stats_proto);
FIELD(struct zts_stats, etharp, 48, struct zts_stats_proto);
FIELD(struct zts_stats, ip_frag, 96, struct zts_stats_proto);
FIELD(struct zts_stats, ip, 144, struct zts_stats_proto);
FIELD(struct zts_stats, icmp, 192, struct zts_stats_proto);
FIELD(struct zts_stats, igmp, 240, struct zts_stats_igmp);
FIELD(struct zts_stats, udp, 296, struct zts_stats_proto);
FIELD(struct zts_stats, tcp, 344, struct zts_stats_proto);
FIELD(struct zts_stats, sys, 392, struct zts_stats_sys);
FIELD(struct zts_stats, ip6, 428, struct zts_stats_proto);
FIELD(struct zts_stats, icmp6, 476, struct zts_stats_proto);
FIELD(struct zts_stats, ip6_frag, 524, struct zts_stats_proto);
FIELD(struct zts_stats, mld6, 572, struct zts_stats_igmp);
FIELD(struct zts_stats, nd6, 628, struct zts_stats_proto);

/* ---- 4.5: socket helper structures ----------------------------------------------------- */

SIZE(struct zts_linger, 8);
FIELD(struct zts_linger, l_onoff, 0, int);
FIELD(struct zts_linger, l_linger, 4, int);

SIZE(zts_ip_mreq, 8);
_Static_assert(SAME_TYPE(zts_ip_mreq, struct zts_ip_mreq), "zts_ip_mreq typedef");
FIELD(struct zts_ip_mreq, imr_multiaddr, 0, struct zts_in_addr);
FIELD(struct zts_ip_mreq, imr_interface, 4, struct zts_in_addr);

SIZE(struct zts_in_pktinfo, 8);
FIELD(struct zts_in_pktinfo, ipi_ifindex, 0, unsigned int);
FIELD(struct zts_in_pktinfo, ipi_addr, 4, struct zts_in_addr);

SIZE(zts_ipv6_mreq, 20);
_Static_assert(SAME_TYPE(zts_ipv6_mreq, struct zts_ipv6_mreq), "zts_ipv6_mreq typedef");
FIELD(struct zts_ipv6_mreq, ipv6mr_multiaddr, 0, struct zts_in6_addr);
FIELD(struct zts_ipv6_mreq, ipv6mr_interface, 16, unsigned int);

SIZE(zts_fd_set, 128);
_Static_assert(SAME_TYPE(zts_fd_set, struct zts_fd_set), "zts_fd_set typedef");
FIELD(struct zts_fd_set, fd_bits, 0, unsigned char[128]);

SIZE(struct zts_timeval, 16);
FIELD(struct zts_timeval, tv_sec, 0, long);
FIELD(struct zts_timeval, tv_usec, 8, long);

SIZE(struct zts_pollfd, 8);
FIELD(struct zts_pollfd, fd, 0, int);
FIELD(struct zts_pollfd, events, 4, short);
FIELD(struct zts_pollfd, revents, 6, short);

SIZE(struct zts_iovec, 16);
FIELD(struct zts_iovec, iov_base, 0, void *);
FIELD(struct zts_iovec, iov_len, 8, size_t);

SIZE(struct zts_msghdr, 48);
FIELD(struct zts_msghdr, msg_name, 0, void *);
FIELD(struct zts_msghdr, msg_namelen, 8, zts_socklen_t);
FIELD(struct zts_msghdr, msg_iov, 16, struct zts_iovec *);
FIELD(struct zts_msghdr, msg_iovlen, 24, int);
FIELD(struct zts_msghdr, msg_control, 32, void *);
FIELD(struct zts_msghdr, msg_controllen, 40, zts_socklen_t);
FIELD(struct zts_msghdr, msg_flags, 44, int);

/* ---- 5: every prototype ---------------------------------------------------------------- */

/* 5.1 */
PROTO(zts_allow_network_caching, int (*)(uint8_t));
PROTO(zts_allow_peer_caching, int (*)(uint8_t));
PROTO(zts_allow_local_conf, int (*)(uint8_t));
PROTO(zts_start, int (*)(const char *, void (*)(void *), uint16_t));
PROTO(zts_stop, int (*)(void));
PROTO(zts_restart, int (*)(void));
PROTO(zts_free, int (*)(void));
/* 5.2 */
PROTO(zts_join, int (*)(const uint64_t));
PROTO(zts_leave, int (*)(const uint64_t));
PROTO(zts_leave_all, int (*)(void));
PROTO(zts_orbit, int (*)(uint64_t, uint64_t));
PROTO(zts_deorbit, int (*)(uint64_t));
PROTO(zts_get_network_details, int (*)(uint64_t, struct zts_network_details *));
PROTO(zts_get_all_network_details, int (*)(struct zts_network_details *, int *));
PROTO(zts_get_network_status, int (*)(uint64_t));
/* 5.3 */
PROTO(zts_get_node_id, uint64_t (*)(void));
PROTO(zts_get_node_status, int (*)(void));
PROTO(zts_get_peers, int (*)(struct zts_peer_details *, uint32_t *));
PROTO(zts_get_peer, int (*)(struct zts_peer_details *, uint64_t));
PROTO(zts_get_peer_status, int (*)(uint64_t));
/* 5.4 */
PROTO(zts_get_6plane_addr, int (*)(struct zts_sockaddr_storage *, const uint64_t, const uint64_t));
PROTO(zts_get_rfc4193_addr, int (*)(struct zts_sockaddr_storage *, const uint64_t, const uint64_t));
PROTO(zts_generate_adhoc_nwid_from_range, uint64_t (*)(uint16_t, uint16_t));
/* 5.6 */
PROTO(zts_get_all_stats, int (*)(struct zts_stats *));
PROTO(zts_get_protocol_stats, int (*)(int, void *));
/* 5.7 */
PROTO(zts_socket, int (*)(const int, const int, const int));
PROTO(zts_connect, int (*)(int, const struct zts_sockaddr *, zts_socklen_t));
PROTO(zts_bind, int (*)(int, const struct zts_sockaddr *, zts_socklen_t));
PROTO(zts_listen, int (*)(int, int));
PROTO(zts_accept, int (*)(int, struct zts_sockaddr *, zts_socklen_t *));
#if defined(__linux__)
PROTO(zts_accept4, int (*)(int, struct zts_sockaddr *, zts_socklen_t *, int));
#endif
PROTO(zts_setsockopt, int (*)(int, int, int, const void *, zts_socklen_t));
PROTO(zts_getsockopt, int (*)(int, int, int, void *, zts_socklen_t *));
PROTO(zts_getsockname, int (*)(int, struct zts_sockaddr *, zts_socklen_t *));
PROTO(zts_getpeername, int (*)(int, struct zts_sockaddr *, zts_socklen_t *));
PROTO(zts_close, int (*)(int));
PROTO(zts_select, int (*)(int, zts_fd_set *, zts_fd_set *, zts_fd_set *, struct zts_timeval *));
PROTO(zts_fcntl, int (*)(int, int, int));
PROTO(zts_poll, int (*)(struct zts_pollfd *, zts_nfds_t, int));
PROTO(zts_ioctl, int (*)(int, unsigned long, void *));
PROTO(zts_send, ssize_t (*)(int, const void *, size_t, int));
PROTO(zts_sendto,
      ssize_t (*)(int, const void *, size_t, int, const struct zts_sockaddr *, zts_socklen_t));
PROTO(zts_sendmsg, ssize_t (*)(int, const struct msghdr *, int));
PROTO(zts_recvmsg, ssize_t (*)(int, struct msghdr *, int));
PROTO(zts_recv, ssize_t (*)(int, void *, size_t, int));
PROTO(zts_recvfrom,
      ssize_t (*)(int, void *, size_t, int, struct zts_sockaddr *, zts_socklen_t *));
PROTO(zts_read, ssize_t (*)(int, void *, size_t));
PROTO(zts_write, ssize_t (*)(int, const void *, size_t));
PROTO(zts_readv, ssize_t (*)(int, const struct zts_iovec *, int));
PROTO(zts_writev, ssize_t (*)(int, const struct zts_iovec *, int));
PROTO(zts_shutdown, int (*)(int, int));
/* 5.8 */
PROTO(zts_add_dns_nameserver, int (*)(struct zts_sockaddr *));
PROTO(zts_del_dns_nameserver, int (*)(struct zts_sockaddr *));
/* 5.9 */
PROTO(zts_htons, uint16_t (*)(uint16_t));
PROTO(zts_htonl, uint32_t (*)(uint32_t));
PROTO(zts_ntohs, uint16_t (*)(uint16_t));
PROTO(zts_ntohl, uint32_t (*)(uint32_t));
PROTO(zts_inet_ntop, const char *(*)(int, const void *, char *, zts_socklen_t));
PROTO(zts_inet_pton, int (*)(int, const char *, void *));
PROTO(zts_inet_addr, uint32_t (*)(const char *));
PROTO(zts_delay_ms, void (*)(long));

/* ---- lwIP's layouts (api.md 4.2: DevilutionX casts between them) ----------------------- */

#if defined(HAVE_LWIP)
#define SAME_LAYOUT(z, l, zf, lf)                                                     \
    _Static_assert(offsetof(z, zf) == offsetof(l, lf), #z "." #zf " vs lwIP");       \
    _Static_assert(sizeof(((z *)0)->zf) == sizeof(((l *)0)->lf), #z "." #zf " size")
SIZE(struct zts_sockaddr_in6, sizeof(struct sockaddr_in6));
SAME_LAYOUT(struct zts_sockaddr_in6, struct sockaddr_in6, sin6_len, sin6_len);
SAME_LAYOUT(struct zts_sockaddr_in6, struct sockaddr_in6, sin6_family, sin6_family);
SAME_LAYOUT(struct zts_sockaddr_in6, struct sockaddr_in6, sin6_port, sin6_port);
SAME_LAYOUT(struct zts_sockaddr_in6, struct sockaddr_in6, sin6_flowinfo, sin6_flowinfo);
SAME_LAYOUT(struct zts_sockaddr_in6, struct sockaddr_in6, sin6_addr, sin6_addr);
SAME_LAYOUT(struct zts_sockaddr_in6, struct sockaddr_in6, sin6_scope_id, sin6_scope_id);
SIZE(struct zts_sockaddr_in, sizeof(struct sockaddr_in));
SAME_LAYOUT(struct zts_sockaddr_in, struct sockaddr_in, sin_len, sin_len);
SAME_LAYOUT(struct zts_sockaddr_in, struct sockaddr_in, sin_family, sin_family);
SAME_LAYOUT(struct zts_sockaddr_in, struct sockaddr_in, sin_port, sin_port);
SAME_LAYOUT(struct zts_sockaddr_in, struct sockaddr_in, sin_addr, sin_addr);
SAME_LAYOUT(struct zts_sockaddr_in, struct sockaddr_in, sin_zero, sin_zero);
SIZE(struct zts_sockaddr, sizeof(struct sockaddr));
SIZE(struct zts_sockaddr_storage, sizeof(struct sockaddr_storage));
SIZE(struct zts_in6_addr, sizeof(struct in6_addr));
SIZE(zts_fd_set, sizeof(fd_set));
SIZE(struct zts_msghdr, sizeof(struct msghdr));
SIZE(struct zts_iovec, sizeof(struct iovec));
SIZE(struct zts_pollfd, sizeof(struct pollfd));
SIZE(struct zts_linger, sizeof(struct linger));
EQ(ZTS_FIONREAD, FIONREAD);
EQ(ZTS_FIONBIO, FIONBIO);
EQ(ZTS_SOL_SOCKET, SOL_SOCKET);
EQ(ZTS_SO_REUSEADDR, SO_REUSEADDR);
EQ(ZTS_IPV6_V6ONLY, IPV6_V6ONLY);
EQ(ZTS_TCP_NODELAY, TCP_NODELAY);
EQ(ZTS_O_NONBLOCK, O_NONBLOCK);
EQ(ZTS_F_GETFL, F_GETFL);
EQ(ZTS_F_SETFL, F_SETFL);
EQ(ZTS_AF_INET6, AF_INET6);
EQ(ZTS_MSG_DONTWAIT, MSG_DONTWAIT);
EQ(ZTS_FD_SETSIZE, FD_SETSIZE);
#endif

/* ---- run time -------------------------------------------------------------------------- */

int zts_c99_fdset_check(void); /* test_zts_c99.c */

static void test_fdset_c99(void **state)
{
    (void)state;
    assert_int_equal(zts_c99_fdset_check(), 0);
}

static void test_fdset_c11(void **state)
{
    zts_fd_set s;
    int fd;

    (void)state;
    ZTS_FD_ZERO(&s);
    for (fd = 0; fd < ZTS_FD_SETSIZE; fd += 3)
        ZTS_FD_SET(fd, &s);
    for (fd = 0; fd < ZTS_FD_SETSIZE; fd++)
        assert_int_equal(ZTS_FD_ISSET(fd, &s) != 0, fd % 3 == 0);
    /* bit n is bit (n & 7) of byte n / 8 */
    assert_int_equal(s.fd_bits[0], 0x49); /* 0, 3, 6 */
    assert_int_equal(s.fd_bits[1], 0x92); /* 9, 12, 15 */
    for (fd = 0; fd < ZTS_FD_SETSIZE; fd++)
        ZTS_FD_CLR(fd, &s);
    for (fd = 0; fd < (int)sizeof(s.fd_bits); fd++)
        assert_int_equal(s.fd_bits[fd], 0);
}

/* The helpers that live in this test's link (inet.c, api_util.c), by exact pointer type. */
static void test_linked_prototypes(void **state)
{
    uint16_t (*p_htons)(uint16_t) = zts_htons;
    uint32_t (*p_htonl)(uint32_t) = zts_htonl;
    uint16_t (*p_ntohs)(uint16_t) = zts_ntohs;
    uint32_t (*p_ntohl)(uint32_t) = zts_ntohl;
    const char *(*p_ntop)(int, const void *, char *, zts_socklen_t) = zts_inet_ntop;
    int (*p_pton)(int, const char *, void *) = zts_inet_pton;
    uint32_t (*p_addr)(const char *) = zts_inet_addr;
    int (*p_6plane)(struct zts_sockaddr_storage *, const uint64_t, const uint64_t) =
        zts_get_6plane_addr;
    int (*p_rfc4193)(struct zts_sockaddr_storage *, const uint64_t, const uint64_t) =
        zts_get_rfc4193_addr;
    uint64_t (*p_adhoc)(uint16_t, uint16_t) = zts_generate_adhoc_nwid_from_range;
    void (*p_delay)(long) = zts_delay_ms;
    int *p_errno = &zts_errno;

    (void)state;
    assert_non_null(p_htons);
    assert_non_null(p_htonl);
    assert_non_null(p_ntohs);
    assert_non_null(p_ntohl);
    assert_non_null(p_ntop);
    assert_non_null(p_pton);
    assert_non_null(p_addr);
    assert_non_null(p_6plane);
    assert_non_null(p_rfc4193);
    assert_non_null(p_adhoc);
    assert_non_null(p_delay);
    assert_non_null(p_errno);
    assert_int_equal(p_ntohs(p_htons(0x1234)), 0x1234);
    assert_int_equal(p_adhoc(22, 22), 0xff00160016000000ULL);
}

static void test_ioctl_values(void **state)
{
    unsigned long fionread = ZTS_FIONREAD, fionbio = ZTS_FIONBIO;

    (void)state;
    /* "sizeof cast to long": the values carry sizeof(unsigned long) in bits 16..22. */
    assert_int_equal((fionread >> 16) & ZTS_IOCPARM_MASK, sizeof(unsigned long));
    assert_int_equal(fionread, 0x4008667FUL);
    assert_int_equal(fionbio, 0x8008667EUL);
}

static void test_htonll(void **state)
{
    uint64_t v = 0x0102030405060708ULL, n;
    unsigned char b[8];

    (void)state;
    /* htonll is built on the host htonl; zts_htonl stands in for it here. */
#define htonl zts_htonl
    n = htonll(v);
#undef htonl
    memcpy(b, &n, sizeof(b));
    assert_int_equal(b[0], 1);
    assert_int_equal(b[7], 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fdset_c99),
        cmocka_unit_test(test_fdset_c11),
        cmocka_unit_test(test_linked_prototypes),
        cmocka_unit_test(test_ioctl_values),
        cmocka_unit_test(test_htonll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
