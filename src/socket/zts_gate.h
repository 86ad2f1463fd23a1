/*
 * zts_gate.h: the service gate of the zts_* socket calls (api.md §5.0): they return
 * ZTS_ERR_SERVICE unless a node runs.  The service (src/sdk/api_service.c) opens and closes
 * the gate; sockets themselves outlive a stop (the stack hibernates).
 */
#ifndef ZT_SOCKET_ZTS_GATE_H
#define ZT_SOCKET_ZTS_GATE_H

#include <stdbool.h>

void zt__sock_set_running(bool running);
bool zt__sock_is_running(void);

#endif
