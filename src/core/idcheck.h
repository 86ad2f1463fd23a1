/*
 * idcheck.h: the budget for work on identities we do not know yet (docs/internals/flood.md):
 * token buckets for key agreements and address proofs, proofs handed to the embedder's
 * checker with the HELLOs that wait for them, and a memory of identities that failed.  Uses
 * no other module of src/core; vl1.c asks it, node.c finishes what the embedder answers.
 */
#ifndef ZT_CORE_IDCHECK_H
#define ZT_CORE_IDCHECK_H

#include "core/node_internal.h"

bool zt__idcheck_budget_take(zt_budget *b, unsigned rate, unsigned burst, int64_t now);
bool zt__idcheck_failed_before(const zt_node *n, const zt_identity *id);
bool zt__idcheck_in_progress(const zt_node *n, uint64_t address);
/* Checks |id|'s address proof within budget: 0 valid, ZT_ERR_AGAIN handed to the embedder
 * (|in|, the armored HELLO whose MAC |key| verified, is handled again when it answers; both
 * NULL for a WHOIS answer), ZT_ERR_LIMIT over budget (shed), ZT_ERR_INVAL invalid
 * (remembered).  |fresh|: the source prefix may draw on the fresh budget first. */
int zt__idcheck_start(zt_node *n, const zt_identity *id, const uint8_t *key, bool fresh,
                      int64_t local_socket, const zt_inetaddr *from, const uint8_t *in,
                      size_t len, int64_t now);
/* True the first time prefix |bucket| asks in ZT_IDV_FRESH_PERIOD (the ask is recorded). */
bool zt__idcheck_fresh_prefix(zt_node *n, size_t bucket, int64_t now);
/* A key agreement with an unknown identity within budget (|fresh|: the fresh one first). */
bool zt__idcheck_agree_budget(zt_node *n, bool fresh, int64_t now);
/* A HELLO from an identity whose proof is being checked: kept with it if its MAC verifies
 * (|pkt| is a copy of |in| to dearmor).  0 kept, ZT_ERR_DROP otherwise (counted). */
int zt__idcheck_hold(zt_node *n, const zt_identity *id, uint8_t *pkt, const uint8_t *in,
                     size_t len, int64_t local_socket, const zt_inetaddr *from, int64_t now);
/* The embedder's answer for |ticket|: ZT_ERR_NOTFOUND (expired or unknown), ZT_ERR_INVAL
 * (invalid: remembered, its HELLOs dropped), or 0 with the job moved to |out| (the caller
 * owns its held HELLOs and releases them with zt__idcheck_job_clear). */
int zt__idcheck_finish(zt_node *n, uint64_t ticket, bool valid, zt_idv_job *out);
void zt__idcheck_job_clear(zt_node *n, zt_idv_job *j);
void zt__idcheck_expire(zt_node *n, int64_t now);
void zt__idcheck_free_all(zt_node *n);

#endif
