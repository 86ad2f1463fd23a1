/* Shared by the controller data model files (model_json_util.c, model_network.c,
 * model_member.c): coercion helpers, the field-parser context and the rendering helpers. Not
 * part of model.h's interface. */
#ifndef ZT_CONTROLLER_MODEL_INTERNAL_H
#define ZT_CONTROLLER_MODEL_INTERNAL_H

#include "controller/model.h"

#define ZT_CTL_DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)
#define ZT_CTL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Field parsers are shared by stored records and request bodies. */
typedef struct {
    bool is_request; /* request: wrong-typed lists are ignored; stored: they are corrupt */
    char *err;
    size_t errlen;
} zt_ctl_pctx;

char *zt__ctl_dup_str(const char *s);
json_t *zt__ctl_ip_json(const zt_ctl_ip *ip, bool with_bits);
int zt__ctl_hex_id(const json_t *j, size_t digits, uint64_t *out);
json_t *zt__ctl_hex_json(uint64_t v, int digits);
int zt__ctl_check_array(const zt_ctl_pctx *c, const json_t *j, const char *key, bool *puse);
int zt__ctl_bounded_string(const zt_ctl_pctx *c, const json_t *j, const char *key, char *out,
                           size_t cap);
void zt__ctl_trace_target(const json_t *j, char out[11]);
bool zt__ctl_id32(const json_t *j, uint32_t *out);
int zt__ctl_sorted_put(void *base, size_t *pn, size_t max, size_t size, const void *elem,
                       void *old);
int zt__ctl_dump_max(const json_t *j, size_t max, char **ptext);
int zt__ctl_collect_extra(const zt_ctl_pctx *c, const json_t *j, const char *const *known,
                          size_t nknown, const char *const *dropped, size_t ndropped,
                          char **pextra);
uint64_t zt__ctl_nonneg(int64_t v);
void zt__ctl_put(json_t *o, const char *key, json_t *v, int *prv);
void zt__ctl_append(json_t *a, json_t *v, int *prv);
json_t *zt__ctl_extra_base(const char *extra, int *prv);
int zt__ctl_dump(json_t *j, char **ptext);
json_t *zt__ctl_load_text(const char *text, size_t len, char *err, size_t errlen);
bool zt__ctl_same_json(json_t *a, json_t *b);

/* The fields a request may write, from |j| into |n| / |m|; each one present sets its
 * ZT_CTL_NET_HAS_* / ZT_CTL_MEM_HAS_* bit in *phas (model_network.c, model_member.c; the patches
 * of model_patch.c use them too). */
int zt__ctl_network_writable(const zt_ctl_pctx *c, const json_t *j, zt_ctl_network *n,
                             uint32_t *phas);
int zt__ctl_member_writable(const zt_ctl_pctx *c, const json_t *j, zt_ctl_member *m,
                            uint32_t *phas);

/* The fields a request may write, from |j| into |n| / |m|; each one present sets its
 * ZT_CTL_NET_HAS_* / ZT_CTL_MEM_HAS_* bit in *phas (model_network.c, model_member.c; the patches
 * of model_patch.c use them too). */
int zt__ctl_network_writable(const zt_ctl_pctx *c, const json_t *j, zt_ctl_network *n,
                             uint32_t *phas);
int zt__ctl_member_writable(const zt_ctl_pctx *c, const json_t *j, zt_ctl_member *m,
                            uint32_t *phas);

#endif
