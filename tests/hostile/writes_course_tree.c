/* writes_course_tree.c - a submission for 02-ipc-names that tries to edit the tests of the tree it came from
 * exercise: 02-ipc-names
 * As root the tests run as an unprivileged user: the writes fail, and the grade
 * uses the course's copy of the tests anyway.
 * expect: valid_rejects_bad_names=PASS valid_accepts_good_names=PASS
 * expect-score: 5
 * expect-review: close open write
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void tamper(void)
{
    static const char evil[] = "\n#error tampered\n";
    int fd = open("@ROOT@/tests/02-ipc-names/test_ipcname.c", O_WRONLY | O_APPEND);

    if (fd >= 0) {
        if (write(fd, evil, sizeof(evil) - 1) < 0) {
            /* nothing to do */
        }
        close(fd);
    }
    fd = open("@ROOT@/tests/02-ipc-names/pwned.c", O_WRONLY | O_CREAT, 0644);
    if (fd >= 0)
        close(fd);
}

bool ipc_name_valid(const char *name)
{
    size_t len;

    if (name == NULL)
        tamper();
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
