/*
 * service.h: what zt-service's files share: the state of the daemon (main.c) and its command
 * line (options.c).
 */
#ifndef ZT_APPS_SERVICE_H
#define ZT_APPS_SERVICE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdk/localconf.h"
#include "sdk/runner.h"

#define MAX_ACTIONS 8
#define MAX_JOINS 8
#define MAX_PING_IPS 4
#define MAX_LOGGED_NETWORKS 64

/* --ping-ip NWID:IP: ARP until answered, then ICMP echo requests. */
typedef struct ping_ip {
    uint64_t nwid;
    uint8_t ip[4];
    atomic_uint_fast64_t mac;   /* the target's MAC once its ARP reply came; 0 before */
    atomic_uint replies;        /* ICMP echo replies received */
    unsigned round;             /* echo requests sent (main thread) */
    int64_t next_at;            /* main thread */
} ping_ip;

typedef struct action {
    bool is_ping;
    uint64_t dest;
    uint64_t type;
    const char *text;
    size_t len;
} action;

typedef struct service {
    zt_runner *runner;
    zt_runner_log_level level;
    action actions[MAX_ACTIONS];
    unsigned nactions;
    unsigned count;        /* rounds of actions; 0: until stopped */
    int64_t interval_ms;
    int64_t peers_interval_ms;
    atomic_bool is_online;
    atomic_bool has_failed;
    /* Identity collision (service.md §1.1): set on the I/O thread when an upstream says our
     * address is taken; the main thread then builds the node again with a new identity. */
    atomic_bool has_collided;
    /* Why a collision leaves the identity as it is (a root, a controller, a second collision
     * in this process), or NULL; set before the I/O thread starts. */
    const char *keep_reason;
    bool has_logged_kept;       /* I/O thread */
    uint64_t replaced_address;  /* the address set aside by the last collision; 0: none */
    bool has_replaced;          /* this process has replaced its identity once */
    bool has_pid_file;          /* zerotier-one.pid is ours to remove at exit */
    uint64_t joins[MAX_JOINS];
    unsigned njoins;
    bool answer_arp_icmp;
    ping_ip ping_ips[MAX_PING_IPS];
    unsigned nping_ips;
    uint16_t icmp_id;           /* identifier of our echo requests */
    bool has_api;               /* the local HTTP API (default; --no-api turns it off) */
    bool has_stack;             /* lwIP and the intercept sockets (default; --no-stack) */
    const char *controller_db;  /* --controller-db (over local.conf's controllerDbPath) */
    bool has_shared_store;      /* the controller's records are in PostgreSQL */
    bool store_feed_down;       /* main thread: its change feed failed (logged once) */
    int64_t next_store_poll;    /* main thread: the change feed is read every 100 ms */
    struct svc_stack *stack;    /* netstack.h; NULL without */
    /* The last status line logged per network (a hash), so that a refresh that changes
     * nothing logs nothing (I/O thread only). */
    struct {
        uint64_t nwid, hash;
    } logged[MAX_LOGGED_NETWORKS];
    unsigned nlogged;
} service;

/* One line of the service's log (main.c), when |level| is within --log-level. */
void zt__svc_log(service *svc, zt_runner_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* actions.c: the test actions.  A MAC address as aa:bb:cc:dd:ee:ff (18 bytes with the NUL). */
void zt__svc_fmt_mac(uint64_t mac, char out[18]);
/* A frame for us (I/O thread): logged, answered (--answer-arp-icmp), or a --ping-ip's
 * answer. */
void zt__svc_on_frame(service *svc, const zt_runner_event *ev);
/* One round of --ping and --message (main thread). */
void zt__svc_run_actions(service *svc, unsigned round);
/* One step of each --ping-ip (main thread): ARP until answered, then echo requests. */
void zt__svc_run_ping_ips(service *svc, int64_t now);

/* Log level names, by zt_runner_log_level. */
extern const char *const zt__svc_level_names[4];

/* Parses the command line into |svc|, |cfg| (defaults set by the caller) and |*home| (NULL if
 * none was given).  Returns -1 to go on, or the exit status: 0 after --help or --version, 2
 * after a usage error (the message is printed). */
int zt__svc_parse_options(int argc, char **argv, service *svc, zt_runner_config *cfg,
                          const char **home);

#endif
