/* memory_bomb_valgrind.c - a submission for 02-ipc-names that allocates memory without end, under Valgrind
 * exercise: 02-ipc-names
 * Under Valgrind no rlimit on memory works; the grader's watchdog does.
 * grade-env: GRADER_MEMORY_MIB=1024
 * expect: valid_rejects_bad_names=CRASH valid_accepts_good_names=PASS
 * expect-score: 4
 * expect-output: MiB of memory and was stopped
 * grade-with: valgrind
 * max-seconds: 90
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

    if (name == NULL)
        hoard();
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
