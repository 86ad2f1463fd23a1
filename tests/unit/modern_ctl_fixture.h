/*
 * modern_ctl_fixture.h: what test_modern_control.c's cases share (modern_ctl_fixture.c): the
 * events the handler recorded and the waits on them, the fixture (a temp directory as the
 * cwd, a planet whose root at 127.0.0.1 never answers, and a child process running a root
 * that does), and small file checks.  Test code only.
 */
#ifndef ZT_TESTS_UNIT_MODERN_CTL_FIXTURE_H
#define ZT_TESTS_UNIT_MODERN_CTL_FIXTURE_H

#include "ZeroTierSockets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define MAX_EVENTS 512
#define NWID 0x1122334455000001ull

typedef struct {
    int code, len;
    uint64_t node_id, net_id;
    int status;           /* network events */
    unsigned naddrs, nmc; /* network events */
    struct zts_sockaddr_storage addr; /* address events */
    uint64_t peer_id;     /* peer events */
    unsigned paths;       /* peer events: path_count */
    char cache[ZTS_STORE_DATA_LEN];
} ev_t;

extern pthread_mutex_t mu;
extern pthread_cond_t cond;
extern ev_t events[MAX_EVENTS];
extern unsigned nevents, bad_payloads, other_calls;
extern int stop_from_handler;
extern char tmp[];
extern uint8_t roots[ZTS_STORE_DATA_LEN];
extern unsigned roots_len;
extern uint8_t live_roots[ZTS_STORE_DATA_LEN];
extern unsigned live_roots_len;
extern uint64_t live_root_id;
extern pid_t live_root_pid;

void on_event(void *p);
void on_other(void *p);
int wait_event(int code, unsigned from);
int find_event(int code, unsigned from);
unsigned count(void);
int code_at(unsigned i);
unsigned peer_events(unsigned from, unsigned to, uint64_t peer);
unsigned files_in(const char *dir);
bool exists(const char *dir, const char *name);
void stop_live_root(void);
int setup(void **state);
int teardown(void **state);

#endif
