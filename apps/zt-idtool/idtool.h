/* idtool.h: what the zt-idtool command files share. */
#ifndef ZT_IDTOOL_IDTOOL_H
#define ZT_IDTOOL_IDTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/identity.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Read limits: a file to sign or verify; an identity or signature file (text of a few hundred
 * bytes). */
#define IDTOOL_MAX_FILE (64u * 1024 * 1024)
#define IDTOOL_MAX_SMALL_FILE 4096u

/* World timestamps (ms since the epoch) this tool writes: 1 to the last millisecond of year
 * 9999 (9999-12-31T23:59:59.999Z).  A node accepts an update only with a newer timestamp, so a
 * planet stamped near INT64_MAX could never be updated again. */
#define IDTOOL_MAX_TIMESTAMP 253402300799999LL

/* Prints "zt-idtool: <message>\n" to stderr. */
void idtool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the usage line of |cmd| to stderr and returns EXIT_USAGE. */
int idtool_usage(const char *cmd);

/* An identity argument: the text itself when longer than 32 characters with ':' at index
 * 10 (service.md §7.1), else a file holding it.  Prints the error itself; returns 0 or -1. */
int idtool_load_identity(const char *arg, zt_identity *id);

/* Reads a whole regular file of at most |max| bytes.  On failure prints one sentence: no such
 * file, not a regular file (never opened, so a FIFO cannot block), too large (its size and
 * the limit for |what|, e.g. "an identity file"), or the read error (strerror).  Returns 0 or
 * -1. */
int idtool_read_file(const char *path, size_t max, const char *what, uint8_t **pdata,
                     size_t *plen);
/* Writes a file atomically with |mode|; prints "Error writing to <path>" itself on failure. */
int idtool_write_file(const char *path, const void *data, size_t len, unsigned mode);

int64_t idtool_now_ms(void);

/* The timestamp for a new world: |given| if non-zero, else the clock, which must read a time
 * within 1..IDTOOL_MAX_TIMESTAMP.  Prints the error itself; returns 0 or -1. */
int idtool_world_timestamp(uint64_t given, uint64_t *pts);

int cmd_initmoon(int argc, char **argv);
int cmd_genmoon(int argc, char **argv);
int cmd_mkplanet(int argc, char **argv);
int cmd_printworld(int argc, char **argv);

#endif
