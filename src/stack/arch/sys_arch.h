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

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL NULL

#endif /* ZT_STACK_ARCH_SYS_ARCH_H */
