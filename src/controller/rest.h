/*
 * rest.h: the controller's REST routes (controller.md §5.2-§5.7) without a transport.
 *
 * The HTTP server (apps/zt-service) hands each request whose path starts with /controller or
 * /unstable/controller to zt__controller_rest() and writes back the status and body it gets.
 * Authentication, the allowed-clients check, Content-Type and jsonp wrapping (§5.1) are the
 * server's job.  Bodies are compact JSON with sorted keys, except the literal text of
 * GET /controller; 404, 400 and 503 answers have no body; failures are 500 with
 * {"error": 500, "description": "<sentence>"}.
 *
 * Edits leave change notes in the controller (api.c): after any request that answered 200 to
 * POST, PUT or DELETE, the caller must run zt__controller_flush(zt__controller_of(ctl), now,
 * out) on the same thread to push the change to online members and send revocations (§4.3,
 * §4.4).  Calling it after every request is also correct (nothing queued: nothing sent).
 *
 * One owner thread, as the zts_controller handle.  See docs/internals/controller.md,
 * "REST routes", for the decisions where the spec is silent.
 */
#ifndef ZT_CONTROLLER_REST_H
#define ZT_CONTROLLER_REST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zts_controller.h"

typedef struct zt_controller_reply {
    unsigned status; /* HTTP status */
    char *body;      /* malloc'd response text (free()), NULL for an empty body */
} zt_controller_reply;

/*
 * One request |method| ("GET", "POST", "PUT", "DELETE"; case-sensitive) to |path| (without the
 * query string), with |len| bytes of request |body| (may be NULL when |len| is 0) at |now_ms|
 * (ms since the Unix epoch: the status object's clock and the records' time stamps).  Returns
 * false, touching nothing, when the method and path name no controller route (the caller
 * answers 404); true with |out| filled otherwise.  Hex in paths is case-insensitive and one
 * trailing slash is accepted.
 */
bool zt__controller_rest(zts_controller *ctl, const char *method, const char *path,
                         const char *body, size_t len, int64_t now_ms, zt_controller_reply *out);

#endif
