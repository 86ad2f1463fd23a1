/*
 * file.h: whole-file reads with a size cap, and atomic writes (temp file + fsync + rename), for
 * the home directory and the tools.  This is OS boundary code: src/core never includes it.
 */
#ifndef ZT_IO_FILE_H
#define ZT_IO_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/errors.h"

/* What zt__io_read_file_info() found when it failed, for a precise message. */
typedef struct zt_io_file_info {
    int err;             /* errno (ZT_ERR_IO), else 0 */
    unsigned type;       /* S_IFMT bits of what is there (0: nothing) */
    bool is_dangling;    /* a symbolic link whose target does not exist */
    uint64_t size;       /* its size (ZT_ERR_RANGE) */
    size_t max;          /* the limit it was read with */
} zt_io_file_info;

/* Reads all of |path| into a new buffer (NUL-terminated for convenience; the NUL is not
 * counted in *plen).  On success the caller frees *pdata.  Only a regular file is read, or a
 * symbolic link to one: the file is opened non-blocking, so a FIFO never blocks the caller,
 * and anything that is not a regular file is refused unread.  Returns 0, or:
 *   ZT_ERR_NOTFOUND  nothing at |path|, not even a dangling symbolic link
 *   ZT_ERR_RANGE     larger than |max| bytes
 *   ZT_ERR_IO        errno is kept; for something that is not a regular file errno is
 *                    EISDIR (a directory), ENOENT (a dangling symbolic link) or ENXIO (a
 *                    FIFO, device or socket)
 *   ZT_ERR_NOMEM
 * |info| (may be NULL) says what was found on failure; zt__io_file_why() words it. */
int zt__io_read_file_info(const char *path, size_t max, uint8_t **pdata, size_t *plen,
                         zt_io_file_info *info);

/* zt__io_read_file_info() without the details. */
int zt__io_read_file(const char *path, size_t max, uint8_t **pdata, size_t *plen);

/* Words the failure |rv| of zt__io_read_file_info() into |buf| without the path, e.g. "a FIFO,
 * not a regular file", "a dangling symbolic link", "larger than 8480 bytes (it has 104857600)"
 * or "Permission denied".  Returns |buf|. */
const char *zt__io_file_why(int rv, const zt_io_file_info *info, char *buf, size_t cap);

/* Creates |path| with |len| bytes, atomically and only if nothing exists there (not even a
 * dangling symbolic link): readers never see a partial file, and a file made meanwhile by
 * someone else is never replaced.  The new file gets |mode|.  Returns 0, ZT_ERR_EXISTS or
 * ZT_ERR_IO (errno is kept). */
int zt__io_create_file(const char *path, const void *data, size_t len, mode_t mode);

/* Replaces |path| with |len| bytes atomically: readers see the old or the new file, never a
 * partial one, even across a crash.  The new file gets |mode| (0600 for secrets) regardless of
 * the umask.  Returns 0 or ZT_ERR_IO (errno is kept). */
int zt__io_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
