/*
 * nc_zsock.h: the stack's sockets as the intercept bridge uses them (docs/intercept.md):
 * non-blocking sockets of the socket layer (src/socket/sock.h) with the bridge's address
 * records, kept apart so that the bridge's files may include libc's socket headers (lwIP's
 * clash with them).  Every function returns a non-negative result or a negative errno.
 */
#ifndef ZT_APPS_NC_ZSOCK_H
#define ZT_APPS_NC_ZSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ncproto.h"

/* |family| 4 or 6, |type| ZT_NC_STREAM or ZT_NC_DGRAM: a new non-blocking socket. */
int zt__ncz_open(int family, int type);
void zt__ncz_close(int zfd);
int zt__ncz_bind(int zfd, const zt_nc_addr *a);
/* 0, -EINPROGRESS (stream) or an error. */
int zt__ncz_connect(int zfd, const zt_nc_addr *a);
int zt__ncz_listen(int zfd, int backlog);
/* A new non-blocking socket from the listener's queue, or -EAGAIN. */
int zt__ncz_accept(int zfd, zt_nc_addr *peer);
/* |to| NULL: the connected peer. */
ssize_t zt__ncz_send(int zfd, const void *buf, size_t len, const zt_nc_addr *to);
/* 0: end of stream; |from| may be NULL (a longer datagram is cut to |len|). */
ssize_t zt__ncz_recv(int zfd, void *buf, size_t len, zt_nc_addr *from);
int zt__ncz_shutdown_wr(int zfd);
int zt__ncz_getname(int zfd, bool peer, zt_nc_addr *out);
/* Readiness now: bits ZT_NCZ_IN, _OUT, _ERR. */
#define ZT_NCZ_IN 1
#define ZT_NCZ_OUT 2
#define ZT_NCZ_ERR 4
int zt__ncz_ready(int zfd);
/* SO_ERROR: the pending error (0: none), cleared. */
int zt__ncz_soerror(int zfd);
/* Options by their ZTS_* level and name (ZeroTierSockets.h). */
int zt__ncz_setopt(int zfd, int level, int name, const void *val, size_t len);
int zt__ncz_getopt(int zfd, int level, int name, void *val, size_t *len);
/* zt__sock_watch: |fn|(ctx, zfd) after every change of the socket, core lock held. */
int zt__ncz_watch(int zfd, void (*fn)(void *ctx, int zfd), void *ctx);

#endif
