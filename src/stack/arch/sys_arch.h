/*
 * arch/sys_arch.h: the OS types lwIP's sys.h asks for, implemented on pthreads in
 * sys_arch.c.  The contract is lwIP's (include/lwip/sys.h): semaphores, mutexes and
 * mailboxes are created into storage lwIP owns, waits take a timeout in milliseconds
 * (0 = forever), and "valid" tells a created object from an invalidated one.
 *
 * Each object is a pointer to a heap record: lwIP copies the handle freely, pthread objects
 * must not move, and NULL is the natural "invalid" value.
 */
#ifndef ZT_STACK_ARCH_SYS_ARCH_H
#define ZT_STACK_ARCH_SYS_ARCH_H

#include <pthread.h>

typedef struct zt_sys_mutex *sys_mutex_t;
typedef struct zt_sys_sem *sys_sem_t;
typedef struct zt_sys_mbox *sys_mbox_t;
/* Threads are detached: lwIP never joins them. */
typedef pthread_t sys_thread_t;
/* sys_arch_protect() takes one process-wide recursive mutex; the level is unused. */
typedef int sys_prot_t;

#ifdef __cplusplus
extern "C" {
#endif

/* Socket-layer waits (src/socket): sleep on |cond| with the core lock given up meanwhile
 * (held on entry and on return).  |deadline| is absolute CLOCK_MONOTONIC, or NULL for none.
 * Returns 0 (woken, maybe spuriously) or ETIMEDOUT.  Conditions must come from
 * zt__sys_cond_init() (monotonic clock). */
struct timespec;
int zt__sys_core_wait(pthread_cond_t *cond, const struct timespec *deadline);
void zt__sys_cond_init(pthread_cond_t *cond);
#ifdef __cplusplus
}
#endif

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL NULL

#endif /* ZT_STACK_ARCH_SYS_ARCH_H */
