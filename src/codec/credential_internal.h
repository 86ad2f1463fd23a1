/* credential_internal.h: wire pieces and checks shared by com.c and credential.c; not part of
 * credential.h's interface. */
#ifndef ZT_CORE_CREDENTIAL_INTERNAL_H
#define ZT_CORE_CREDENTIAL_INTERNAL_H

#include "codec/credential.h"

int zt__cred_rd_addr(zt_rd *r, uint64_t *out);
int zt__cred_verify_signed(const zt_identity *signer, uint64_t claimed, uint64_t nwid, bool has_sig,
                           const uint8_t *sig, const uint8_t *msg, size_t len);
bool zt__cred_can_sign_for(const zt_identity *controller, uint64_t nwid);
zt_cred_admit zt__cred_admit(uint64_t in_nwid, uint64_t in_signer, int64_t ts, uint64_t nwid,
                             bool has_held, int64_t held_ts, bool identical,
                             const int64_t *revocation_threshold);

#endif
