/* netcreds.c: the NETWORK_CREDENTIALS payload (vl2.md §3.6): counted sections of credentials. */
#include "codec/credential.h"

#include <string.h>

/* ---------------------------------------------------------------- NETWORK_CREDENTIALS */

enum { SEC_COM = 0, SEC_CAP, SEC_TAG, SEC_REV, SEC_COO, SEC_DONE };

void zt__netcreds_begin(zt_netcreds_reader *it, const uint8_t *payload, size_t len)
{
    memset(it, 0, sizeof(*it));
    it->r = zt__rd_make(payload, len);
    it->section = SEC_COM;
}

static int netcreds_read_one(zt_netcreds_reader *it, zt_credential *out)
{
    switch (it->section) {
    case SEC_COM:
        out->type = ZT_CRED_COM;
        return zt__com_read(&it->r, &out->u.com);
    case SEC_CAP:
        out->type = ZT_CRED_CAPABILITY;
        return zt__capability_read(&it->r, &out->u.cap);
    case SEC_TAG:
        out->type = ZT_CRED_TAG;
        return zt__tag_read(&it->r, &out->u.tag);
    case SEC_REV:
        out->type = ZT_CRED_REVOCATION;
        return zt__revocation_read(&it->r, &out->u.rev);
    default:
        out->type = ZT_CRED_COO;
        return zt__coo_read(&it->r, &out->u.coo);
    }
}

int zt__netcreds_next(zt_netcreds_reader *it, zt_credential *out)
{
    int rv;

    while (it->err == 0 && it->section != SEC_DONE) {
        if (it->section == SEC_COM) {
            if (zt__rd_left(&it->r) == 0) {
                it->section = SEC_DONE;
                break;
            }
            if (*it->r.p == 0) {
                it->r.p++; /* terminator of the COM list */
                it->section = SEC_CAP;
                continue;
            }
        } else if (!it->counted) {
            uint16_t count;
            if (zt__rd_left(&it->r) == 0) {
                it->section = SEC_DONE; /* later sections are optional (§3.6) */
                break;
            }
            if ((rv = zt__rd_u16(&it->r, &count)) != 0) {
                it->err = rv;
                break;
            }
            it->counted = true;
            it->remaining = count;
            continue;
        } else if (it->remaining == 0) {
            it->section++;
            it->counted = false;
            continue;
        } else {
            it->remaining--;
        }
        rv = netcreds_read_one(it, out);
        if (rv != 0) {
            out->type = ZT_CRED_NONE;
            it->err = rv;
            break;
        }
        return 1;
    }
    return it->err;
}

void zt__netcreds_write(zt_wr *w, const zt_com *com, const zt_capability *caps, size_t ncaps,
                        const zt_tag *tags, size_t ntags, const zt_revocation *revs,
                        size_t nrevs, const zt_coo *coos, size_t ncoos)
{
    if (ncaps > UINT16_MAX || ntags > UINT16_MAX || nrevs > UINT16_MAX || ncoos > UINT16_MAX) {
        w->overflow = true;
        return;
    }
    if (com != NULL)
        zt__com_write(w, com);
    zt__wr_u8(w, 0);
    zt__wr_u16(w, (uint16_t)ncaps);
    for (size_t i = 0; i < ncaps; i++)
        zt__capability_write(w, &caps[i]);
    zt__wr_u16(w, (uint16_t)ntags);
    for (size_t i = 0; i < ntags; i++)
        zt__tag_write(w, &tags[i]);
    zt__wr_u16(w, (uint16_t)nrevs);
    for (size_t i = 0; i < nrevs; i++)
        zt__revocation_write(w, &revs[i]);
    zt__wr_u16(w, (uint16_t)ncoos);
    for (size_t i = 0; i < ncoos; i++)
        zt__coo_write(w, &coos[i]);
}
