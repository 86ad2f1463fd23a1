/*
 * zt-ctldb: the network controller's records, from one store to another (docs/controller-db.md).
 *
 *   zt-ctldb copy <from> <to>     every network and member of <from> into <to>, in one
 *                                 transaction on <to> (records as they are, revisions too)
 *   zt-ctldb count <store>        how many networks and members <store> holds
 *
 * A store is "json:<controller.d directory>" (zerotier-one's layout), "sqlite:<file>" (ours;
 * a bare path ending in .sqlite3 or .db is one too), or a PostgreSQL database: a
 * postgresql:// URL, or "postgres:<libpq conninfo>" as zerotier-one's controllerDbPath writes
 * it.  So a controller moves from SQLite to PostgreSQL with
 *   zt-ctldb copy sqlite:HOME/controller.d/controller.sqlite3 postgresql://...
 * and a controller.d tree is imported or exported the same way.  Exit status: 0, 1 when a
 * store cannot be opened or the copy fails (nothing of it is committed), 2 on a usage error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/store.h"
#include "crypto/crypto.h"
#include "util/errors.h"

static void print_help(FILE *f)
{
    fprintf(f,
            "zt-ctldb: copy the network controller's records between stores\n"
            "\n"
            "usage:\n"
            "  zt-ctldb copy <from> <to>   copy every network and member, in one transaction\n"
            "  zt-ctldb count <store>      print how many networks and members a store holds\n"
            "  zt-ctldb --help\n"
            "\n"
            "A store is one of:\n"
            "  json:<dir>                  a controller.d directory (zerotier-one's layout)\n"
            "  sqlite:<file>               an SQLite file (created if missing); a bare path\n"
            "                              ending in .sqlite3 or .db is one too\n"
            "  postgresql://...            a PostgreSQL database (URL)\n"
            "  postgres:<conninfo>         the same as a libpq connection string\n"
            "\n"
            "Records are copied as they are (revisions included); records of <to> that\n"
            "<from> lacks are left alone.  Stop the controllers that use <to> first, or\n"
            "restart them after: a running controller reads each request from its store,\n"
            "but pushes only for edits it hears of.\n");
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Opens the store |spec| names; 0, else the error with a sentence in |err|. */
static int open_spec(zt_store **st, const char *spec, char *err, size_t errlen)
{
    if (strncmp(spec, "json:", 5) == 0)
        return zt__store_json_open(st, spec + 5, err, errlen);
    if (strncmp(spec, "sqlite:", 7) == 0)
        return zt__store_sqlite_open(st, spec + 7, err, errlen);
    if (strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0)
        return zt__store_pg_open(st, spec, err, errlen);
    if (strncmp(spec, "postgres:", 9) == 0)
        return zt__store_pg_open(st, spec + 9, err, errlen);
    if (has_suffix(spec, ".sqlite3") || has_suffix(spec, ".db"))
        return zt__store_sqlite_open(st, spec, err, errlen);
    snprintf(err, errlen, "%s: not a store (json:<dir>, sqlite:<file>, postgresql://..., "
                          "postgres:<conninfo>)",
             strncmp(spec, "postgres", 8) == 0 ? "the PostgreSQL spec" : spec);
    return ZT_ERR_INVAL;
}

/* What a message calls a store: never a connection string (it may hold a password). */
static const char *shown(const char *spec)
{
    return strncmp(spec, "postgres", 8) == 0 ? "the PostgreSQL database" : spec;
}

/* The network ids of a store (a listing may not list again inside: ids first). */
typedef struct idlist {
    uint64_t *ids;
    size_t n, cap;
} idlist;

static int add_network(const zt_ctl_network *n, void *arg)
{
    idlist *l = arg;

    if (l->n == l->cap) {
        size_t cap = l->cap > 0 ? l->cap * 2 : 64;
        uint64_t *ids = realloc(l->ids, cap * sizeof(*ids));
        if (ids == NULL)
            return ZT_ERR_NOMEM;
        l->ids = ids;
        l->cap = cap;
    }
    l->ids[l->n++] = n->id;
    return 0;
}

static int count_member(const zt_ctl_member *m, void *arg)
{
    (void)m;
    ++*(size_t *)arg;
    return 0;
}

static int cmd_count(const char *spec)
{
    char err[512] = "";
    zt_store *st = NULL;
    idlist nets = {0};
    size_t members = 0;
    int rv = open_spec(&st, spec, err, sizeof(err));

    if (rv != 0) {
        fprintf(stderr, "zt-ctldb: cannot open %s: %s\n", shown(spec), err);
        return 1;
    }
    rv = zt__store_list_networks(st, add_network, &nets);
    for (size_t i = 0; rv == 0 && i < nets.n; i++)
        rv = zt__store_list_members(st, nets.ids[i], count_member, &members);
    if (rv != 0)
        fprintf(stderr, "zt-ctldb: %s: %s\n", shown(spec),
                rv == ZT_ERR_NOMEM ? "out of memory" : zt__store_errmsg(st));
    else
        printf("%zu networks, %zu members\n", nets.n, members);
    free(nets.ids);
    zt__store_del(st);
    return rv != 0 ? 1 : 0;
}

static int cmd_copy(const char *from, const char *to)
{
    char err[512] = "";
    zt_store *src = NULL, *dst = NULL;
    size_t nets = 0, members = 0;
    int rv;

    if ((rv = open_spec(&src, from, err, sizeof(err))) != 0) {
        fprintf(stderr, "zt-ctldb: cannot open %s: %s\n", shown(from), err);
        return 1;
    }
    if ((rv = open_spec(&dst, to, err, sizeof(err))) != 0) {
        fprintf(stderr, "zt-ctldb: cannot open %s: %s\n", shown(to), err);
        zt__store_del(src);
        return 1;
    }
    rv = zt__store_copy(dst, src, &nets, &members);
    if (rv != 0)
        fprintf(stderr, "zt-ctldb: copy failed, nothing of it committed: %s\n",
                zt__store_errmsg(dst));
    else
        printf("copied %zu networks and %zu members from %s to %s\n", nets, members,
               shown(from), shown(to));
    zt__store_del(dst);
    zt__store_del(src);
    return rv != 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        print_help(stdout);
        return 0;
    }
    if (zt__crypto_init() != 0) {
        fprintf(stderr, "zt-ctldb: cannot initialise the crypto library\n");
        return 1;
    }
    if (argc == 4 && strcmp(argv[1], "copy") == 0)
        return cmd_copy(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "count") == 0)
        return cmd_count(argv[2]);
    print_help(stderr);
    return 2;
}
