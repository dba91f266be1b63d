/* setsid_daemon.c - a submission for 02-ipc-names that leaves processes in sessions of their own
 * exercise: 02-ipc-names
 * The child of ipc_name_make("ring") calls setsid() and sleeps: still running when
 * the test ends. ipc_name_valid(NULL) double-forks a daemon that the test cannot
 * see (its parent is gone): the grader kills it at the end and says so.
 * expect: make_begins_with_tag_and_is_valid=LEFTOVER valid_accepts_good_names=PASS
 * expect-score: 4.5
 * expect-review: fork pause setsid waitpid
 * expect-output: still running
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A process in a session of its own that sleeps forever. */
static void sleeper(void)
{
    setsid();
    for (;;)
        pause();
}

static void daemonize(void)
{
    pid_t pid = fork();

    if (pid == 0) {
        if (fork() == 0)
            sleeper();
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

bool ipc_name_valid(const char *name)
{
    size_t len;

    if (name == NULL)
        daemonize();
    if (name == NULL || name[0] != '/')
        return false;
    len = strlen(name + 1);
    if (len < 1 || len > IPC_NAME_MAX)
        return false;
    if (strchr(name + 1, '/') != NULL)
        return false;
    return strcmp(name, "/.") != 0 && strcmp(name, "/..") != 0;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

    if (tag != NULL && strcmp(tag, "ring") == 0 && fork() == 0)
        sleeper();
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
