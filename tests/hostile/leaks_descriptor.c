/* leaks_descriptor.c - a submission for 02-ipc-names that opens /dev/urandom and never closes it
 * exercise: 02-ipc-names
 * expect: make_begins_with_tag_and_is_valid=LEFTOVER valid_accepts_good_names=PASS
 * expect-output: /dev/urandom
 * expect-score: 1.5
 * expect-review: open
 * grade-with: fast
 * max-seconds: 30
 */
#include <fcntl.h>
#include "ipcname.h"

#include <errno.h>
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
    /* pid + counter: unique among live processes, and within this one. The
     * counter is per process, so a forked child (same counter, other pid)
     * still makes names of its own. */
    static unsigned long counter;
    int noise = open("/dev/urandom", O_RDONLY); /* never closed */

    (void)noise;
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
