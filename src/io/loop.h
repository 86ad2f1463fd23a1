/*
 * loop.h: a small event loop (in the spirit of redis' ae.c) for one I/O thread: epoll over a
 * few descriptors, one timer (timerfd on CLOCK_MONOTONIC) and one wakeup descriptor (eventfd)
 * that other threads use to get the loop's attention.
 *
 * Threads: every function runs on the loop's thread (the one inside zt__loop_run), except
 * zt__loop_wakeup() and zt__loop_stop(), which any thread (and a signal handler) may call.
 * Callbacks run on the loop's thread, one at a time, and may call any function here
 * (adding or removing descriptors, re-arming the timer, stopping the loop).
 */
#ifndef ZT_IO_LOOP_H
#define ZT_IO_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/errors.h"

typedef struct zt_loop zt_loop;

/* Called when |fd| is readable (or has an error or hang-up pending: read to find out). */
typedef void (*zt_loop_fd_cb)(zt_loop *loop, int fd, void *arg);
/* Called for the timer and for wakeups; a wakeup callback sees every zt__loop_wakeup() made
 * before it started, coalesced into one call. */
typedef void (*zt_loop_cb)(zt_loop *loop, void *arg);

/* Most descriptors a loop watches, besides its own timer and wakeup descriptors. */
#define ZT_LOOP_MAX_FDS 16
/* A deadline meaning "never" for zt__loop_set_timer(). */
#define ZT_LOOP_NEVER INT64_MAX

/* Creates a loop.  |on_timer| and |on_wakeup| may be NULL.  Returns 0, ZT_ERR_NOMEM or
 * ZT_ERR_IO (errno kept). */
int zt__loop_new(zt_loop **ploop, zt_loop_cb on_timer, zt_loop_cb on_wakeup, void *arg);

/* Closes the loop's own descriptors and frees it (descriptors added with zt__loop_add stay
 * open: they belong to the caller).  NULL is a no-op.  Not while zt__loop_run is running. */
void zt__loop_del(zt_loop *loop);

/* Watches |fd| (borrowed: the caller closes it after zt__loop_remove) for readability.
 * Returns 0, ZT_ERR_LIMIT (ZT_LOOP_MAX_FDS reached), ZT_ERR_EXISTS or ZT_ERR_IO. */
int zt__loop_add(zt_loop *loop, int fd, zt_loop_fd_cb cb, void *arg);

/* Stops watching |fd|; no callback for it runs afterwards, even one already reported by the
 * kernel in the current iteration.  Returns 0 or ZT_ERR_NOTFOUND. */
int zt__loop_remove(zt_loop *loop, int fd);

/* Also (|want|) or no longer wakes |fd|'s callback when it is writable (a TCP connect in
 * progress, a send queue waiting for room); the callback then tries both directions.
 * Returns 0, ZT_ERR_NOTFOUND (not added) or ZT_ERR_IO. */
int zt__loop_want_write(zt_loop *loop, int fd, bool want);

/* Arms the one-shot timer for |deadline_ms| (absolute, zt__io_clock_ms() time); a deadline in
 * the past fires at the next iteration; ZT_LOOP_NEVER disarms.  Re-arming replaces the
 * previous deadline.  Returns 0 or ZT_ERR_IO. */
int zt__loop_set_timer(zt_loop *loop, int64_t deadline_ms);

/* Makes the loop call |on_wakeup| soon.  Async-signal-safe and callable from any thread.
 * Returns 0 or ZT_ERR_IO. */
int zt__loop_wakeup(zt_loop *loop);

/* Runs until zt__loop_stop().  Returns 0 after a stop, or ZT_ERR_IO if epoll failed. */
int zt__loop_run(zt_loop *loop);

/* Makes zt__loop_run return after the current callback.  Any thread; async-signal-safe. */
void zt__loop_stop(zt_loop *loop);

/* True once zt__loop_stop() was called (for callbacks that loop on their own). */
bool zt__loop_is_stopping(const zt_loop *loop);

#endif
