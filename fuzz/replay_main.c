/*
 * replay_main: runs a fuzz harness as a plain program (no libFuzzer), over every regular file
 * named on the command line or found (one level deep, in name order) in a directory named on
 * it.  ctest uses it to replay the committed corpus.  Exit status: 0 when every input ran,
 * 1 on usage errors, unreadable inputs or an empty directory.  A harness that finds a bug
 * aborts, which fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads |path| into an exact-size heap buffer and runs the harness on it.  Returns 0 or -1. */
static int replay_file(const char *path, size_t size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    int rv = 0;

    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    data = malloc(size > 0 ? size : 1);
    if (data == NULL || fread(data, 1, size, f) != size) {
        fprintf(stderr, "replay: %s: short read\n", path);
        rv = -1;
    } else {
        LLVMFuzzerTestOneInput(data, size);
    }
    free(data);
    fclose(f);
    return rv;
}

/* Replays every regular file directly inside |dir|.  Returns the count, or -1. */
static long replay_dir(const char *dir)
{
    struct dirent **ents;
    long count = 0;
    int n;

    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: cannot read directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;

        if (count >= 0 && ents[i]->d_name[0] != '.') {
            if (snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name) >= (int)sizeof(path)) {
                fprintf(stderr, "replay: path too long in %s\n", dir);
                count = -1;
            } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (replay_file(path, (size_t)st.st_size) != 0)
                    count = -1;
                else
                    count++;
            }
        }
        free(ents[i]);
    }
    free(ents);
    if (count == 0) {
        fprintf(stderr, "replay: directory %s holds no inputs\n", dir);
        return -1;
    }
    return count;
}

int main(int argc, char **argv)
{
    long total = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s <corpus dir or file>...\n", argv[0]);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        long n;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(st.st_mode))
            n = replay_dir(argv[i]);
        else
            n = replay_file(argv[i], (size_t)st.st_size) == 0 ? 1 : -1;
        if (n < 0)
            return 1;
        total += n;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
