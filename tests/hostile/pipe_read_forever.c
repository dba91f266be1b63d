/* pipe_read_forever.c - a submission for 02-ipc-names that reads a pipe whose write end it holds
 * exercise: 02-ipc-names
 * expect: make_begins_with_tag_and_is_valid=TIMEOUT made_names_work_with_shm_open_and_sem_open=PASS
 * expect-score: 4.5
 * expect-review: pipe read
 * expect-output: waiting for end of file
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads from a pipe whose write end is still open here: blocks forever. */
static void wait_for_eof(void)
{
    int fds[2];
    char c;

    if (pipe(fds) == 0)
        while (read(fds[0], &c, 1) != 0)
            ;
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

    if (tag != NULL && strcmp(tag, "ring") == 0)
        wait_for_eof();
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
