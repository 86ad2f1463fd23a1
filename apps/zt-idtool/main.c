/*
 * zt-idtool: ZeroTier identities, signatures, moons and planets (service.md §7).
 * Command names, arguments and output lines follow zerotier-idtool so scripts keep working;
 * mkplanet and printworld are ours.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "idtool.h"
#include "io/file.h"
#include "util/hex.h"

/* name, arguments, what it does (for "zt-idtool <command> --help") */
static const char *const usage_lines[][3] = {
    {"generate", "generate [-f] [<secret file> [<public file> [<vanity hex prefix>]]]",
     "Generates an identity: prints the secret form, or writes <secret file> (mode 0600)\n"
     "and <public file>; refuses to overwrite an existing secret unless -f is given.\n"
     "A vanity prefix (1 to 10 hex digits) repeats until the address starts with it."},
    {"validate", "validate <identity or file>",
     "Checks an identity fully (address proof of work, key pair)."},
    {"getpublic", "getpublic <identity or file>", "Prints the public form of an identity."},
    {"sign", "sign <secret identity or file> <file>",
     "Prints the signature of <file> (at most 64 MiB) as 192 hex digits."},
    {"verify", "verify <identity or file> <file> <signature hex or file>",
     "Checks a signature of <file> made by the identity."},
    {"initmoon", "initmoon <identity or file of the first root>",
     "Prints a moon definition (JSON) with a new signing key pair, for genmoon."},
    {"genmoon", "genmoon <moon json file>",
     "Signs a moon definition (worldType \"moon\"; at most 256 KiB) with the time now and\n"
     "writes <16 hex id>.moon.  Planets are made by mkplanet."},
    {"mkplanet", "mkplanet <planet json file> [-o <output>] [--previous <key file>] "
                 "[--current <key file>] [--timestamp <ms>]",
     "Signs a planet definition (worldType \"planet\" or none) with the previous key and\n"
     "embeds the current key for the next update; writes <output> (default: planet).\n"
     "--timestamp: milliseconds since 1970, 1 to 253402300799999 (end of year 9999);\n"
     "default: now.  Each update needs a larger timestamp than the last."},
    {"printworld", "printworld <planet or moon file>",
     "Prints a planet or moon file as JSON, with whether its signature verifies."},
};
#define NCOMMANDS (sizeof(usage_lines) / sizeof(usage_lines[0]))

static void print_help(FILE *f)
{
    fprintf(f, "zt-idtool: ZeroTier identities, signatures, moons and planets\n\nusage:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  zt-idtool %s\n", usage_lines[i][1]);
    fprintf(f, "\n"
               "An identity argument is the identity text itself, or a file that holds it.\n"
               "generate without files prints a new secret identity; with files it writes\n"
               "<secret file> (mode 0600) and <public file>, and refuses to overwrite an\n"
               "existing secret unless -f is given.\n"
               "mkplanet signs a planet for a private world (see docs/idtool.md).\n"
               "zt-idtool <command> --help describes one command.\n"
               "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

/* "zt-idtool <cmd> --help" and "zt-idtool help <cmd>": usage and description on stdout.
 * Returns the exit status (EXIT_USAGE for an unknown command). */
static int print_command_help(const char *cmd)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(usage_lines[i][0], cmd) == 0) {
            printf("usage: zt-idtool %s\n\n%s\n", usage_lines[i][1], usage_lines[i][2]);
            return EXIT_OK;
        }
    }
    idtool_error("unknown command '%s' (try --help)", cmd);
    return EXIT_USAGE;
}

void idtool_error(const char *fmt, ...)
{
    va_list ap;
    fputs("zt-idtool: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int idtool_usage(const char *cmd)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(usage_lines[i][0], cmd) == 0)
            fprintf(stderr, "usage: zt-idtool %s\n", usage_lines[i][1]);
    return EXIT_USAGE;
}

int idtool_read_file(const char *path, size_t max, const char *what, uint8_t **pdata,
                     size_t *plen)
{
    struct stat sb;
    int rv, e;

    /* Only regular files are opened: a FIFO would block, a device never end. */
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        idtool_error("cannot read %s: it is %s, not a regular file", path,
                     S_ISDIR(sb.st_mode)    ? "a directory"
                     : S_ISFIFO(sb.st_mode) ? "a FIFO"
                                            : "a socket or device");
        return -1;
    }
    rv = zt__io_read_file(path, max, pdata, plen);
    e = errno;
    if (rv == 0)
        return 0;
    if (rv == ZT_ERR_NOTFOUND)
        idtool_error("cannot read %s: no such file", path);
    else if (rv == ZT_ERR_RANGE && stat(path, &sb) == 0)
        idtool_error("%s is too large: %lld bytes; %s may have at most %zu bytes", path,
                     (long long)sb.st_size, what, max);
    else if (rv == ZT_ERR_RANGE)
        idtool_error("%s is too large: %s may have at most %zu bytes", path, what, max);
    else if (rv == ZT_ERR_IO)
        idtool_error("cannot read %s: %s", path, strerror(e));
    else
        idtool_error("cannot read %s: %s", path, zt__strerror(rv));
    return -1;
}

int idtool_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
    if (zt__io_write_file_atomic(path, data, len, (mode_t)mode) != 0) {
        fprintf(stderr, "Error writing to %s (%s)\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int64_t idtool_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int idtool_world_timestamp(uint64_t given, uint64_t *pts)
{
    int64_t now;

    if (given != 0) {
        *pts = given;
        return 0;
    }
    now = idtool_now_ms();
    if (now < 1 || now > IDTOOL_MAX_TIMESTAMP) {
        idtool_error("the system clock reads %lld ms since 1970, outside 1..%lld (year 9999); "
                     "fix the clock", (long long)now, (long long)IDTOOL_MAX_TIMESTAMP);
        return -1;
    }
    *pts = (uint64_t)now;
    return 0;
}

int idtool_load_identity(const char *arg, zt_identity *id)
{
    uint8_t *data = NULL;
    size_t len;
    int rv;

    if (strlen(arg) > 32 && arg[10] == ':') {
        rv = zt__identity_from_string(id, arg, strlen(arg));
    } else {
        if (idtool_read_file(arg, IDTOOL_MAX_SMALL_FILE, "an identity file", &data, &len) != 0)
            return -1;
        rv = zt__identity_from_string(id, (const char *)data, len);
        zt__wipe(data, len);
        free(data);
    }
    if (rv != 0) {
        idtool_error("%s does not contain an identity (%s)", arg, zt__strerror(rv));
        return -1;
    }
    return 0;
}

static int print_identity(const zt_identity *id, bool with_secret)
{
    char text[ZT_IDENTITY_STR_MAX + 1];
    zt_ssize n = zt__identity_to_string(id, with_secret, text, sizeof(text));
    if (n < 0)
        return EXIT_FAIL;
    fwrite(text, 1, (size_t)n, stdout);
    return EXIT_OK;
}

/* The vanity search of zerotier-idtool: regenerate until the address starts with |prefix|.
 * Returns 0, EXIT_USAGE (bad prefix) or -1. */
static int generate_vanity(zt_identity *id, const char *prefix)
{
    size_t digits = strlen(prefix);
    uint64_t want;
    char addr[11];

    if (digits < 1 || digits > 10 || zt__hex_u64(prefix, digits, &want) != 0) {
        idtool_error("vanity prefix must be 1 to 10 hex digits");
        return EXIT_USAGE;
    }
    for (;;) {
        if (zt__identity_generate(id, NULL) != 0)
            return -1;
        zt__address_to_string(id->address, addr);
        if (id->address >> (40 - 4 * digits) == want)
            break;
        fprintf(stderr, "vanity address: tried %s looking for first %zu bits of %s\n", addr,
                4 * digits, prefix);
    }
    fprintf(stderr, "vanity address: found %s !\n", addr);
    return 0;
}

static int cmd_generate(int argc, char **argv)
{
    char text[ZT_IDENTITY_STR_MAX + 1];
    bool force = false;
    zt_identity id;
    int rv = EXIT_FAIL, argi = 1;
    zt_ssize n;

    if (argi < argc && strcmp(argv[argi], "-f") == 0) {
        force = true;
        argi++;
    }
    if (argc - argi > 3)
        return idtool_usage("generate");
    if (!force && argi < argc && access(argv[argi], F_OK) == 0) {
        idtool_error("%s exists; refusing to overwrite an identity (use -f)", argv[argi]);
        return EXIT_FAIL;
    }
    if (argc - argi == 3) {
        int vrv = generate_vanity(&id, argv[argi + 2]);
        if (vrv != 0)
            return vrv == EXIT_USAGE ? EXIT_USAGE : EXIT_FAIL;
    } else if (zt__identity_generate(&id, NULL) != 0) {
        idtool_error("out of memory");
        return EXIT_FAIL;
    }
    if (argi == argc) {
        rv = print_identity(&id, true);
        goto out;
    }
    n = zt__identity_to_string(&id, true, text, sizeof(text));
    if (n < 0 || idtool_write_file(argv[argi], text, (size_t)n, 0600) != 0)
        goto out;
    printf("%s written\n", argv[argi]);
    if (argc - argi >= 2) {
        n = zt__identity_to_string(&id, false, text, sizeof(text));
        if (n < 0 || idtool_write_file(argv[argi + 1], text, (size_t)n, 0644) != 0)
            goto out;
        printf("%s written\n", argv[argi + 1]);
    }
    rv = EXIT_OK;
out:
    zt__wipe(text, sizeof(text));
    zt__identity_clear(&id);
    return rv;
}

static int cmd_validate(int argc, char **argv)
{
    zt_identity id;
    int rv;

    if (argc != 2)
        return idtool_usage("validate");
    if (idtool_load_identity(argv[1], &id) != 0)
        return EXIT_FAIL;
    rv = zt__identity_validate(&id, NULL);
    zt__identity_clear(&id);
    if (rv != 0) {
        fprintf(stderr, "%s FAILED validation.\n", argv[1]);
        return EXIT_FAIL;
    }
    printf("%s is a valid identity\n", argv[1]);
    return EXIT_OK;
}

static int cmd_getpublic(int argc, char **argv)
{
    zt_identity id;
    int rv;

    if (argc != 2)
        return idtool_usage("getpublic");
    if (idtool_load_identity(argv[1], &id) != 0)
        return EXIT_FAIL;
    rv = print_identity(&id, false);
    zt__identity_clear(&id);
    return rv;
}

static int cmd_sign(int argc, char **argv)
{
    uint8_t sig[ZT_SIGNATURE_LEN], *data;
    char hex[2 * ZT_SIGNATURE_LEN + 1];
    zt_identity id;
    size_t len;

    if (argc != 3)
        return idtool_usage("sign");
    if (idtool_load_identity(argv[1], &id) != 0)
        return EXIT_FAIL;
    if (!id.has_secret) {
        fprintf(stderr, "%s does not contain a private key (must use private to sign)\n", argv[1]);
        return EXIT_FAIL;
    }
    if (idtool_read_file(argv[2], IDTOOL_MAX_FILE, "a file to sign", &data, &len) != 0) {
        zt__identity_clear(&id);
        return EXIT_FAIL;
    }
    (void)zt__identity_sign(&id, data, len, sig);
    zt__identity_clear(&id);
    free(data);
    (void)zt__hex_encode(hex, sizeof(hex), sig, sizeof(sig));
    fputs(hex, stdout);
    return EXIT_OK;
}

/* The signature argument: hex text, or else a file holding hex text.  Prints the error itself;
 * returns 0 or -1. */
static int load_signature(const char *arg, uint8_t sig[ZT_SIGNATURE_LEN])
{
    struct stat sb;
    uint8_t *data;
    size_t len;
    zt_ssize n;

    n = zt__hex_decode(sig, ZT_SIGNATURE_LEN, arg, strlen(arg));
    if (n == ZT_SIGNATURE_LEN)
        return 0;
    if (lstat(arg, &sb) != 0 && errno == ENOENT) {
        idtool_error("%s is not a signature (192 hex digits) nor a file holding one", arg);
        return -1;
    }
    if (idtool_read_file(arg, IDTOOL_MAX_SMALL_FILE, "a signature file", &data, &len) != 0)
        return -1;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
        len--;
    n = zt__hex_decode(sig, ZT_SIGNATURE_LEN, (const char *)data, len);
    free(data);
    if (n != ZT_SIGNATURE_LEN) {
        idtool_error("%s does not hold a signature (192 hex digits)", arg);
        return -1;
    }
    return 0;
}

static int cmd_verify(int argc, char **argv)
{
    uint8_t sig[ZT_SIGNATURE_LEN], *data;
    zt_identity id;
    size_t len;
    bool ok;

    if (argc != 4)
        return idtool_usage("verify");
    if (idtool_load_identity(argv[1], &id) != 0)
        return EXIT_FAIL;
    zt__identity_clear(&id);
    if (idtool_read_file(argv[2], IDTOOL_MAX_FILE, "a file to verify", &data, &len) != 0)
        return EXIT_FAIL;
    if (load_signature(argv[3], sig) != 0) {
        free(data);
        return EXIT_FAIL;
    }
    ok = zt__signature_verify(id.pub, data, len, sig, sizeof(sig));
    free(data);
    if (!ok) {
        fprintf(stderr, "%s signature check FAILED\n", argv[2]);
        return EXIT_FAIL;
    }
    printf("%s signature valid\n", argv[2]);
    return EXIT_OK;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"generate", cmd_generate},   {"validate", cmd_validate}, {"getpublic", cmd_getpublic},
    {"sign", cmd_sign},           {"verify", cmd_verify},     {"initmoon", cmd_initmoon},
    {"genmoon", cmd_genmoon},     {"mkplanet", cmd_mkplanet}, {"printworld", cmd_printworld},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2)
            return print_command_help(argv[2]);
        print_help(stdout);
        return EXIT_OK;
    }
    if (zt__crypto_init() != 0) {
        idtool_error("cannot initialize libsodium");
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))
            return print_command_help(argv[1]);
        return commands[i].run(argc - 1, argv + 1);
    }
    idtool_error("unknown command '%s' (try --help)", argv[1]);
    return EXIT_USAGE;
}
