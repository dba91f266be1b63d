/* reads_outside.c - a correct 02-ipc-names whose ipc_name_make works only when it can read files outside its run: the course's reference solution, and the checkout the course came from
 * exercise: 02-ipc-names
 * The code under test reads only the system's files and its own run's:
 * the opens fail, so every test that makes a name fails.
 * expect: valid_accepts_good_names=PASS valid_rejects_bad_names=PASS
 * expect: make_begins_with_tag_and_is_valid=FAIL made_names_are_unique_across_processes=FAIL
 * expect-score: 1.5
 * expect-review: close closedir open opendir read
 * grade-with: fast
 * max-seconds: 40
 */
#include "ipcname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* true when a file or folder of the course can be read from here */
static bool reaches_outside(void)
{
    static const char *const files[] = {"@ROOT@/solutions/02-ipc-names/ipcname.c",
                                        "@ROOT@/Makefile", "@ROOT@/tests/run"};
    DIR *d = opendir("@ROOT@");

    if (d) {
        closedir(d);
        return true;
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        int fd = open(files[i], O_RDONLY);
        char c;

        if (fd >= 0 && read(fd, &c, 1) == 1) {
            close(fd);
            return true;
        }
        if (fd >= 0)
            close(fd);
    }
    return false;
}

bool ipc_name_valid(const char *name)
{
    size_t len;
    const char *rest;

    if (name == NULL || name[0] != '/')
        return false;
    rest = name + 1;
    len = strlen(rest);
    if (len < 1 || len > IPC_NAME_MAX || strchr(rest, '/'))
        return false;
    return strcmp(rest, ".") != 0 && strcmp(rest, "..") != 0;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

    if (!reaches_outside()) {
        errno = ENOSYS;
        return -1;
    }
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
