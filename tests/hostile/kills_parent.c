/* kills_parent.c - a submission for 02-ipc-names that kills the test runner (its parent) on a NULL tag
 * exercise: 02-ipc-names
 * expect: make_rejects_bad_tags_with_einval=CRASH made_names_are_unique_across_processes=PASS
 * expect: make_reports_erange_and_writes_nothing_past_size=NOT_RUN
 * expect-score: 4
 * expect-review: getppid kill
 * expect-output: the test program itself was killed
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool ipc_name_valid(const char *name)
{
    size_t len;

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

    if (tag == NULL)
        kill(getppid(), SIGKILL);
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
