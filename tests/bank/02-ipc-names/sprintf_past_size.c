/* sprintf_past_size.c - broken ipcname.c for 02-ipc-names: formats with sprintf and only then compares the length with size, writing past the caller's buffer
 * expect-fail: make_reports_erange_and_writes_nothing_past_size
 * grade-with: fast
 */
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
    static unsigned long counter;
    char name[IPC_NAME_MAX + 2];
    int n;

    if (tag == NULL || tag[0] == '\0' || strchr(tag, '/') != NULL) {
        errno = EINVAL;
        return -1;
    }
    n = snprintf(name, sizeof(name), "/%s-%ld-%lu", tag, (long)getpid(), counter);
    if (n < 0)
        return -1;
    if ((size_t)n >= sizeof(name)) {
        errno = EINVAL;
        return -1;
    }
    /* the copy happens before the check */
    if (buf == NULL) {
        errno = ERANGE;
        return -1;
    }
    strcpy(buf, name);
    if ((size_t)n >= size) {
        errno = ERANGE;
        return -1;
    }
    counter++;
    return 0;
}
