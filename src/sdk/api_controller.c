/*
 * api_controller.c: controller mode for a node started with zts_start (include/zts_controller.h
 * zts_controller_attach; docs/internals/api.md).  The runner answers configuration requests
 * from the SQLite store in the start path; the application edits the same file through its own
 * handle.
 */
#include "sdk/api_internal.h"

#include "zts_controller.h"

ZTS_API int zts_controller_attach(zts_controller **pctl)
{
    zt_runner *r;
    int rv;

    if (pctl == NULL)
        return ZTS_CONTROLLER_ERR_ARG;
    *pctl = NULL;
    if (zt__svc_on_service_thread())
        return ZTS_CONTROLLER_ERR_GENERAL;
    pthread_rwlock_rdlock(&zt__svc.runner_lock);
    r = zt__svc.runner;
    rv = r == NULL ? ZT_ERR_AGAIN : zt__runner_controller_attach(r, pctl);
    pthread_rwlock_unlock(&zt__svc.runner_lock);
    if (rv == 0)
        return ZTS_CONTROLLER_OK;
    if (*pctl != NULL) {
        zts_controller_del(*pctl); /* the node could not take the store: all or nothing */
        *pctl = NULL;
    }
    return rv == ZT_ERR_IO ? ZTS_CONTROLLER_ERR_STORE : ZTS_CONTROLLER_ERR_GENERAL;
}
