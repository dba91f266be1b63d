/* hides_from_valgrind.c - a correct 02-ipc-names that leaks, and tries to erase what Valgrind says of it: removes and truncates every Valgrind log it can find, and writes "no errors" summaries into every descriptor it holds
 * exercise: 02-ipc-names
 * A process with errors ends with Valgrind's status 97, which fails its
 * test whatever a log says; the log, which says what the error is, reaches
 * the grader through a pipe of the grader's, which the code under test can
 * add lines to but not take any away from: an error counted stays counted. The leak costs each test that makes a name.
 * expect: make_begins_with_tag_and_is_valid=VALGRIND valid_accepts_good_names=PASS
 * expect-score: 1.5
 * expect-review: closedir fstat opendir readdir signal truncate unlink write
 * grade-with: valgrind
 * max-seconds: 60
 */
#define _GNU_SOURCE
#include "ipcname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Empties and removes the files named vg.* in folder dir. */
static void erase_logs(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[512];

        if (strncmp(e->d_name, "vg.", 3) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (truncate(path, 0) < 0 || unlink(path) < 0) {
            /* not there, or not this run's: the next one */
        }
    }
    closedir(d);
}

static void hide(void)
{
    char line[128];
    int n = snprintf(line, sizeof(line), "==%ld== ERROR SUMMARY: 0 errors from 0 contexts\n",
                     (long)getpid());

    erase_logs("../vg");
    erase_logs("vg");
    erase_logs("../../vg");
    signal(SIGPIPE, SIG_IGN);
    for (int fd = 3; fd < 1024; fd++) {
        struct stat st;

        /* pipes only: Check's own message file is no log of Valgrind's */
        if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && write(fd, line, (size_t)n) < 0) {
            /* not for writing */
        }
    }
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

    hide();
    if (malloc(100) == NULL) /* never freed */
        return -1;
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
