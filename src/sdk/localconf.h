/*
 * localconf.h: HOME/local.conf (service.md §3), read for zt-service at every start and for
 * libzt when the application called zts_allow_local_conf(1).  Which keys are honoured and how:
 * docs/service.md, "Home directory".
 */
#ifndef ZT_SDK_LOCALCONF_H
#define ZT_SDK_LOCALCONF_H

#include <jansson.h>

#include "sdk/runner.h"

#define ZT_LOCAL_CONF_MAX (1024 * 1024) /* a larger local.conf is refused */

/* local.conf as the runner takes it: what a zt_runner_config points to lives here, so it must
 * outlive zt__runner_new(). */
typedef struct zt_local_conf {
    zt_runner_local local;
    uint8_t bind_ip4[4], bind_ip6[16];
} zt_local_conf;

/* HOME/local.conf as a JSON object (an empty one when there is no file), or NULL with one
 * sentence in |err| when it cannot be read or is not a JSON object. */
json_t *zt__local_conf_read(const char *home, char *err, size_t errlen);

/* Applies HOME/local.conf to |cfg| (ports, port mapping when cfg->port_mapper is set, bind,
 * the TCP relay) and |out| (the rest; cfg->local then points there).  |warn_cb| gets one line
 * for each value it cannot use (which is then ignored).  Returns 0, or ZT_ERR_INVAL with the
 * reason in |err| when the file is there but unreadable or not a JSON object: zerotier-one
 * refuses to start then. */
int zt__local_conf_apply(const char *home, zt_runner_config *cfg, zt_local_conf *out,
                         void (*warn_cb)(void *user, const char *msg), void *user, char *err,
                         size_t errlen);

#endif
