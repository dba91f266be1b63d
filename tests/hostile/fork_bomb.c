/* fork_bomb.c - a submission for 02-ipc-names that forks without end
 * exercise: 02-ipc-names
 * ipc_name_valid(NULL) forks in a loop, and so does every child. The grader
 * stops it soon after the run reaches 460 processes (its limit is 512), and
 * holds the test program until the last of the bomb is gone: the later tests,
 * which fork too, earn their points. (Before that hold, a later test's fork
 * failed in about 1 run in 3 as a normal user on a loaded machine.) As a
 * normal user the limit is the user's, shared with the neighbour's build: one
 * exercise at a time then.
 * user-jobs: 1
 * expect: valid_rejects_bad_names=CRASH valid_accepts_good_names=PASS made_names_are_unique_across_processes=PASS
 * expect-output: processes or more and was stopped
 * expect-score: 4
 * expect-review: fork
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void bomb(void)
{
    for (;;)
        fork();
}

bool ipc_name_valid(const char *name)
{
    size_t len;

    if (name == NULL)
        bomb();
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
