/* memory_bomb.c - a submission for 02-ipc-names whose processes allocate memory without end
 * exercise: 02-ipc-names
 * ipc_name_make("p") hoards: the test and its four children all do. A budget
 * of 512 MiB (the default is 2 GiB or less) keeps the case quick.
 * grade-env: GRADER_MEMORY_MIB=512
 * expect: made_names_are_unique_across_processes=CRASH valid_accepts_good_names=PASS
 * expect: make_reports_erange_and_writes_nothing_past_size=PASS
 * expect-score: 4.5
 * expect-output: MiB of memory and was stopped
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void hoard(void)
{
    for (;;) {
        char *p = malloc(64 << 20);

        if (p)
            memset(p, 1, 64 << 20);
    }
}

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

    if (tag != NULL && strcmp(tag, "p") == 0)
        hoard();
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
