/* Controller data model: members <-> JSON, text forms and patches (controller.md §5.5,
 * §5.6).  style.md §10g. */
#include "controller/model_internal.h"

#include <stdlib.h>
#include <string.h>

/* Keys removed before every save (§5.5). */
static const char *const mem_dropped[] = {"clock", "physicalAddr", "recentLog", "lastModified",
                                          "lastRequestMetaData", "authenticationURL",
                                          "authenticationClientID"};
/* Keys the model reads itself; everything else in a stored record goes to |extra|. */
static const char *const mem_known[] = {
    "id", "address", "nwid", "objtype", "authorized", "activeBridge", "noAutoAssignIps",
    "ipAssignments", "tags", "capabilities", "name", "authenticationExpiryTime",
    "remoteTraceTarget", "remoteTraceLevel", "ssoExempt", "creationTime", "revision", "identity",
    "lastAuthorizedTime", "lastDeauthorizedTime", "lastAuthorizedCredentialType",
    "lastAuthorizedCredential", "vMajor", "vMinor", "vRev", "vProto"};

void zt__ctl_member_init(zt_ctl_member *m, uint64_t nwid, uint64_t node)
{
    memset(m, 0, sizeof(*m));
    m->nwid = nwid;
    m->id = node;
    m->v_major = m->v_minor = m->v_rev = m->v_proto = -1;
}

void zt__ctl_member_clear(zt_ctl_member *m)
{
    if (m == NULL)
        return;
    free(m->extra);
    memset(m, 0, sizeof(*m));
}

int zt__ctl_member_copy(zt_ctl_member *dst, const zt_ctl_member *src)
{
    memcpy(dst, src, sizeof(*dst));
    dst->extra = NULL;
    if (src->extra != NULL && (dst->extra = zt__ctl_dup_str(src->extra)) == NULL) {
        zt__ctl_member_clear(dst);
        return ZT_ERR_NOMEM;
    }
    return 0;
}

/* ---- members --------------------------------------------------------------------------------- */

static int parse_member_ips(const zt_ctl_pctx *c, const json_t *arr, zt_ctl_member *m)
{
    size_t i;
    json_t *item;
    zt_ctl_ip ip;

    m->nips = 0;
    json_array_foreach(arr, i, item) {
        if (!json_is_string(item)) {
            zt__err_set(c->err, c->errlen, "ipAssignments item %zu is not a string", i);
            return ZT_ERR_INVAL;
        }
        if (zt__ctl_ip_parse(&ip, json_string_value(item), json_string_length(item), false) != 0)
            continue; /* unparseable strings dropped (§5.5) */
        if (m->nips == ZT_CTL_MAX_IPS) {
            zt__err_set(c->err, c->errlen, "more than %d ipAssignments", ZT_CTL_MAX_IPS);
            return ZT_ERR_RANGE;
        }
        m->ips[m->nips++] = ip;
    }
    return 0;
}

static int parse_member_tags(const zt_ctl_pctx *c, const json_t *arr, zt_ctl_member *m)
{
    size_t i;
    json_t *item;

    m->ntags = 0;
    json_array_foreach(arr, i, item) {
        zt_ctl_member_tag t;

        if (!json_is_array(item) || json_array_size(item) != 2)
            continue; /* pairs only */
        /* ids and values masked to 32 bits (§5.5) */
        t.id = (uint32_t)zt__ctl_json_int(json_array_get(item, 0), 0);
        t.value = (uint32_t)zt__ctl_json_int(json_array_get(item, 1), 0);
        if (zt__ctl_sorted_put(m->tags, &m->ntags, ZT_CTL_MAX_TAGS, sizeof(m->tags[0]), &t, NULL) <
            0) {
            zt__err_set(c->err, c->errlen, "more than %d member tags", ZT_CTL_MAX_TAGS);
            return ZT_ERR_RANGE;
        }
    }
    return 0;
}

static int parse_member_caps(const zt_ctl_pctx *c, const json_t *arr, zt_ctl_member *m)
{
    size_t i;
    json_t *item;
    uint32_t id;

    m->ncaps = 0;
    json_array_foreach(arr, i, item) {
        if (!zt__ctl_id32(item, &id))
            continue;
        /* a duplicate replaces itself: duplicates removed */
        if (zt__ctl_sorted_put(m->caps, &m->ncaps, ZT_CTL_MAX_CAPS, sizeof(m->caps[0]), &id, NULL) <
            0) {
            zt__err_set(c->err, c->errlen, "more than %d member capabilities", ZT_CTL_MAX_CAPS);
            return ZT_ERR_RANGE;
        }
    }
    return 0;
}

int zt__ctl_member_writable(const zt_ctl_pctx *c, const json_t *j, zt_ctl_member *m,
                            uint32_t *phas)
{
    const json_t *v;
    bool use;
    int rv;

    if ((v = json_object_get(j, "authorized")) != NULL) {
        m->authorized = zt__ctl_json_bool(v, false);
        *phas |= ZT_CTL_MEM_HAS_AUTHORIZED;
    }
    if ((v = json_object_get(j, "activeBridge")) != NULL) {
        m->active_bridge = zt__ctl_json_bool(v, false);
        *phas |= ZT_CTL_MEM_HAS_ACTIVE_BRIDGE;
    }
    if ((v = json_object_get(j, "noAutoAssignIps")) != NULL) {
        m->no_auto_assign_ips = zt__ctl_json_bool(v, false);
        *phas |= ZT_CTL_MEM_HAS_NO_AUTO_IPS;
    }
    if ((v = json_object_get(j, "ipAssignments")) != NULL) {
        if ((rv = zt__ctl_check_array(c, v, "ipAssignments", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_member_ips(c, v, m)) != 0)
                return rv;
            *phas |= ZT_CTL_MEM_HAS_IPS;
        }
    }
    if ((v = json_object_get(j, "tags")) != NULL) {
        if ((rv = zt__ctl_check_array(c, v, "tags", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_member_tags(c, v, m)) != 0)
                return rv;
            *phas |= ZT_CTL_MEM_HAS_TAGS;
        }
    }
    if ((v = json_object_get(j, "capabilities")) != NULL) {
        if ((rv = zt__ctl_check_array(c, v, "capabilities", &use)) != 0)
            return rv;
        if (use) {
            if ((rv = parse_member_caps(c, v, m)) != 0)
                return rv;
            *phas |= ZT_CTL_MEM_HAS_CAPS;
        }
    }
    if ((v = json_object_get(j, "name")) != NULL) {
        if ((rv = zt__ctl_bounded_string(c, v, "name", m->name, sizeof(m->name))) != 0)
            return rv;
        m->has_name = true;
        *phas |= ZT_CTL_MEM_HAS_NAME;
    }
    if ((v = json_object_get(j, "authenticationExpiryTime")) != NULL) {
        m->authentication_expiry_time = zt__ctl_json_int(v, 0);
        *phas |= ZT_CTL_MEM_HAS_AUTH_EXPIRY;
    }
    if ((v = json_object_get(j, "remoteTraceTarget")) != NULL) {
        zt__ctl_trace_target(v, m->remote_trace_target);
        *phas |= ZT_CTL_MEM_HAS_TRACE_TARGET;
    }
    if ((v = json_object_get(j, "remoteTraceLevel")) != NULL) {
        m->remote_trace_level = zt__ctl_json_int(v, 0);
        *phas |= ZT_CTL_MEM_HAS_TRACE_LEVEL;
    }
    return 0;
}

int zt__ctl_member_from_json(zt_ctl_member *m, uint64_t nwid, const json_t *j, char *err,
                            size_t errlen)
{
    zt_ctl_pctx c = {false, err, errlen};
    uint32_t has = 0;
    uint64_t id, rec_nwid;
    const json_t *v;
    int rv;

    zt__ctl_member_init(m, nwid, 0);
    if (!json_is_object(j)) {
        zt__err_set(err, errlen, "a member record is not a JSON object");
        return ZT_ERR_INVAL;
    }
    v = json_object_get(j, "id");
    if (v == NULL)
        v = json_object_get(j, "address");
    if (zt__ctl_hex_id(v, 10, &id) != 0) {
        zt__err_set(err, errlen, "member record without a valid 10-digit hex \"id\"");
        return ZT_ERR_INVAL;
    }
    m->id = id;
    if ((v = json_object_get(j, "nwid")) != NULL &&
        (zt__ctl_hex_id(v, 16, &rec_nwid) != 0 || rec_nwid != nwid)) {
        zt__err_set(err, errlen, "member %010llx: \"nwid\" does not name network %016llx",
                        (unsigned long long)id, (unsigned long long)nwid);
        return ZT_ERR_INVAL;
    }
    if ((rv = zt__ctl_member_writable(&c, j, m, &has)) != 0)
        return rv;
    m->sso_exempt = zt__ctl_json_bool(json_object_get(j, "ssoExempt"), false);
    m->creation_time = zt__ctl_json_int(json_object_get(j, "creationTime"), 0);
    m->revision = zt__ctl_nonneg(zt__ctl_json_int(json_object_get(j, "revision"), 0));
    if ((v = json_object_get(j, "identity")) != NULL &&
        (rv = zt__ctl_bounded_string(&c, v, "identity", m->identity, sizeof(m->identity))) != 0)
        return rv;
    m->last_authorized_time = zt__ctl_json_int(json_object_get(j, "lastAuthorizedTime"), 0);
    m->last_deauthorized_time = zt__ctl_json_int(json_object_get(j, "lastDeauthorizedTime"), 0);
    if (json_is_string(v = json_object_get(j, "lastAuthorizedCredentialType")) &&
        (rv = zt__ctl_bounded_string(&c, v, "lastAuthorizedCredentialType", m->last_auth_cred_type,
                                     sizeof(m->last_auth_cred_type))) != 0)
        return rv;
    if (json_is_string(v = json_object_get(j, "lastAuthorizedCredential"))) {
        if ((rv = zt__ctl_bounded_string(&c, v, "lastAuthorizedCredential", m->last_auth_cred,
                                         sizeof(m->last_auth_cred))) != 0)
            return rv;
        m->has_last_auth_cred = true;
    }
    m->v_major = zt__ctl_json_int(json_object_get(j, "vMajor"), -1);
    m->v_minor = zt__ctl_json_int(json_object_get(j, "vMinor"), -1);
    m->v_rev = zt__ctl_json_int(json_object_get(j, "vRev"), -1);
    m->v_proto = zt__ctl_json_int(json_object_get(j, "vProto"), -1);
    return zt__ctl_collect_extra(&c, j, mem_known, ZT_CTL_COUNT(mem_known), mem_dropped,
                                 ZT_CTL_COUNT(mem_dropped), &m->extra);
}

int zt__ctl_member_to_json(const zt_ctl_member *m, json_t **pj)
{
    json_t *o, *a, *e;
    int rv = 0;

    o = zt__ctl_extra_base(m->extra, &rv);
    if (o == NULL)
        return rv != 0 ? rv : ZT_ERR_NOMEM;
    zt__ctl_put(o, "id", zt__ctl_hex_json(m->id, 10), &rv);
    zt__ctl_put(o, "address", zt__ctl_hex_json(m->id, 10), &rv);
    zt__ctl_put(o, "nwid", zt__ctl_hex_json(m->nwid, 16), &rv);
    zt__ctl_put(o, "objtype", json_string("member"), &rv);
    zt__ctl_put(o, "authorized", json_boolean(m->authorized), &rv);
    zt__ctl_put(o, "activeBridge", json_boolean(m->active_bridge), &rv);
    zt__ctl_put(o, "noAutoAssignIps", json_boolean(m->no_auto_assign_ips), &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < m->nips; i++)
        zt__ctl_append(a, zt__ctl_ip_json(&m->ips[i], false), &rv);
    zt__ctl_put(o, "ipAssignments", a, &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < m->ntags; i++) {
        e = json_array();
        zt__ctl_append(e, json_integer(m->tags[i].id), &rv);
        zt__ctl_append(e, json_integer(m->tags[i].value), &rv);
        zt__ctl_append(a, e, &rv);
    }
    zt__ctl_put(o, "tags", a, &rv);
    a = json_array();
    for (size_t i = 0; a != NULL && i < m->ncaps; i++)
        zt__ctl_append(a, json_integer(m->caps[i]), &rv);
    zt__ctl_put(o, "capabilities", a, &rv);
    if (m->has_name)
        zt__ctl_put(o, "name", json_string(m->name), &rv);
    zt__ctl_put(o, "authenticationExpiryTime", json_integer(m->authentication_expiry_time), &rv);
    zt__ctl_put(
        o, "remoteTraceTarget",
        m->remote_trace_target[0] != '\0' ? json_string(m->remote_trace_target) : json_null(), &rv);
    zt__ctl_put(o, "remoteTraceLevel", json_integer(m->remote_trace_level), &rv);
    zt__ctl_put(o, "ssoExempt", json_boolean(m->sso_exempt), &rv);
    zt__ctl_put(o, "creationTime", json_integer(m->creation_time), &rv);
    zt__ctl_put(o, "revision", json_integer((json_int_t)m->revision), &rv);
    if (m->identity[0] != '\0')
        zt__ctl_put(o, "identity", json_string(m->identity), &rv);
    zt__ctl_put(o, "lastAuthorizedTime", json_integer(m->last_authorized_time), &rv);
    zt__ctl_put(o, "lastDeauthorizedTime", json_integer(m->last_deauthorized_time), &rv);
    zt__ctl_put(
        o, "lastAuthorizedCredentialType",
        m->last_auth_cred_type[0] != '\0' ? json_string(m->last_auth_cred_type) : json_null(), &rv);
    zt__ctl_put(o, "lastAuthorizedCredential",
                m->has_last_auth_cred ? json_string(m->last_auth_cred) : json_null(), &rv);
    zt__ctl_put(o, "vMajor", json_integer(m->v_major), &rv);
    zt__ctl_put(o, "vMinor", json_integer(m->v_minor), &rv);
    zt__ctl_put(o, "vRev", json_integer(m->v_rev), &rv);
    zt__ctl_put(o, "vProto", json_integer(m->v_proto), &rv);
    if (rv != 0) {
        json_decref(o);
        return rv;
    }
    *pj = o;
    return 0;
}

int zt__ctl_member_dump(const zt_ctl_member *m, char **ptext)
{
    json_t *j;
    int rv = zt__ctl_member_to_json(m, &j);

    return rv != 0 ? rv : zt__ctl_dump(j, ptext);
}

int zt__ctl_member_load(zt_ctl_member *m, uint64_t nwid, const char *text, size_t len, char *err,
                       size_t errlen)
{
    json_t *j = zt__ctl_load_text(text, len, err, errlen);
    int rv;

    if (j == NULL) {
        zt__ctl_member_init(m, nwid, 0);
        return ZT_ERR_INVAL;
    }
    rv = zt__ctl_member_from_json(m, nwid, j, err, errlen);
    json_decref(j);
    return rv;
}

bool zt__ctl_member_same(const zt_ctl_member *a, const zt_ctl_member *b)
{
    json_t *ja = NULL, *jb = NULL;

    if (zt__ctl_member_to_json(a, &ja) != 0)
        ja = NULL;
    if (zt__ctl_member_to_json(b, &jb) != 0)
        jb = NULL;
    return zt__ctl_same_json(ja, jb);
}
