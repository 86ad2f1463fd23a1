/*
 * arch/cc.h: compiler and libc glue that lwIP's arch.h includes.  Part of our pthread port
 * (sys_arch.h, sys_arch.c).  lwIP's headers, ours and libc's must agree in every translation
 * unit that includes more than one of them, so everything here takes libc's definitions
 * rather than lwIP's private fallbacks.
 */
#ifndef ZT_STACK_ARCH_CC_H
#define ZT_STACK_ARCH_CC_H

/* arch.h defines LITTLE_ENDIAN 1234 and BIG_ENDIAN 4321 just before including this file;
 * glibc's <endian.h>, which most libc headers pull in, defines them with other tokens, and a
 * file including both would see a macro redefinition.  Drop lwIP's before any libc header
 * and take libc's (the fallbacks below only apply where libc defines none). */
#undef LITTLE_ENDIAN
#undef BIG_ENDIAN

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/select.h> /* fd_set, FD_SET: lwip_select() takes libc's */
#include <sys/time.h>   /* struct timeval: SO_RCVTIMEO and select() take libc's */
#include <sys/types.h>  /* ssize_t */

/* arch.h decides between libc's ssize_t and `typedef int ssize_t` by SSIZE_MAX, which libc
 * only defines in POSIX mode; the two would clash in a file that also includes libc headers. */
#ifndef SSIZE_MAX
#error "lwIP headers need POSIX: build with -D_GNU_SOURCE (zt_target_defaults() does)"
#endif

#ifndef LITTLE_ENDIAN
#define LITTLE_ENDIAN 1234
#endif
#ifndef BIG_ENDIAN
#define BIG_ENDIAN 4321
#endif
#ifndef BYTE_ORDER
#if __BYTE_ORDER == __BIG_ENDIAN
#define BYTE_ORDER BIG_ENDIAN
#else
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#endif

/* With the includes above, lwIP must not declare its own struct timeval. */
#define LWIP_TIMEVAL_PRIVATE 0

#if defined(__GNUC__) || defined(__clang__)
#define ZT_SYS_NORETURN __attribute__((noreturn))
#define ZT_SYS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ZT_SYS_NORETURN
#define ZT_SYS_PRINTF(f, a)
#endif

/* C linkage for C++ programs that include lwIP's headers (DevilutionX, api-modern.md §9.2):
 * LOCK_TCPIP_CORE() expands to a call of zt__sys_core_lock() in their code. */
#ifdef __cplusplus
extern "C" {
#endif

/* Diagnostics go to stderr; lwIP passes printf arguments in parentheses: DIAG(("%d", x)). */
void zt__sys_diag(const char *fmt, ...) ZT_SYS_PRINTF(1, 2);
#define LWIP_PLATFORM_DIAG(x) do { zt__sys_diag x; } while (0)

/* A failed lwIP assertion is a programmer error: report it and abort. */
ZT_SYS_NORETURN void zt__sys_assert_fail(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_ASSERT(x) zt__sys_assert_fail((x), __FILE__, __LINE__)

/* lwIP draws ports, DNS IDs and (lwipopts.h) TCP ISNs from this: a CSPRNG (getrandom). */
uint32_t zt__sys_random_u32(void);
#define LWIP_RAND() zt__sys_random_u32()

/* Core-lock helpers; lwipopts.h maps LOCK_TCPIP_CORE(), UNLOCK_TCPIP_CORE(),
 * LWIP_ASSERT_CORE_LOCKED() and LWIP_MARK_TCPIP_THREAD() onto them. */
void zt__sys_core_lock(void);
void zt__sys_core_unlock(void);
void zt__sys_assert_core_locked(void);
void zt__sys_mark_tcpip_thread(void);

#ifdef __cplusplus
}
#endif

#endif /* ZT_STACK_ARCH_CC_H */
