/* endless_output.c - a submission for 02-ipc-names that prints without end, on stdout and on stderr
 * exercise: 02-ipc-names
 * expect: valid_rejects_bad_names=TIMEOUT make_rejects_bad_tags_with_einval=TIMEOUT
 * expect: valid_accepts_good_names=PASS
 * expect-score: 3.5
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void flood(FILE *out)
{
    for (;;)
        fputs("ok 1 - spam spam spam spam spam spam spam spam spam spam spam\n", out);
}

bool ipc_name_valid(const char *name)
{
    size_t len;

    if (name == NULL)
        flood(stdout);
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
        flood(stderr);
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
