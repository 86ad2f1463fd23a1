/*
 * file.h: whole-file reads with a size cap, and atomic writes (temp file + fsync + rename), for
 * the home directory and the tools.  This is OS boundary code: src/core never includes it.
 */
#ifndef ZT_IO_FILE_H
#define ZT_IO_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/errors.h"

/* Reads all of |path| into a new buffer (NUL-terminated for convenience; the NUL is not
 * counted in *plen).  On success the caller frees *pdata.  Returns 0, ZT_ERR_NOTFOUND,
 * ZT_ERR_RANGE (larger than |max| bytes), ZT_ERR_IO (errno is kept) or ZT_ERR_NOMEM. */
int zt_io_read_file(const char *path, size_t max, uint8_t **pdata, size_t *plen);

/* Replaces |path| with |len| bytes atomically: readers see the old or the new file, never a
 * partial one, even across a crash.  The new file gets |mode| (0600 for secrets) regardless of
 * the umask.  Returns 0 or ZT_ERR_IO (errno is kept). */
int zt_io_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
