/*
 * clock.h: the clocks of the runtime.  This is OS boundary code: src/core never includes it;
 * the runner reads zt__io_clock_ms() and hands the value to the core as |now|.
 */
#ifndef ZT_IO_CLOCK_H
#define ZT_IO_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC).  The event loop's timer uses the same clock, so a
 * deadline computed from this value can be armed as is (loop.h). */
int64_t zt__io_clock_ms(void);

/* Wall-clock milliseconds since the Unix epoch, for log timestamps and file ages only. */
int64_t zt__io_clock_wall_ms(void);

#endif
