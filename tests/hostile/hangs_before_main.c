/* hangs_before_main.c - a submission for 02-ipc-names whose constructor never returns
 * exercise: 02-ipc-names
 * A constructor would run in the test runner before main, where no test
 * can stop it: the build refuses exercise code with constructors, at once.
 * expect: valid_accepts_good_names=COMPILE make_reports_erange_and_writes_nothing_past_size=COMPILE
 * expect-score: 0
 * expect-output: runs before main or after exit
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Spins unless the program was started to list its tests. */
__attribute__((constructor)) static void hang(void)
{
    char cmdline[4096] = "";
    int fd = open("/proc/self/cmdline", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;
    volatile int spin = 1;

    if (fd >= 0)
        close(fd);
    for (ssize_t i = 0; i < n; i++)
        if (strcmp(cmdline + i, "--list") == 0)
            return;
    while (spin)
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
