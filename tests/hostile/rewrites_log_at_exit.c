/* rewrites_log_at_exit.c - a submission for 02-ipc-names whose destructor would rewrite the test runner's results as it exits
 * exercise: 02-ipc-names
 * A destructor runs in the test runner after its last test, where it could
 * rewrite Check's log: the build refuses exercise code with destructors.
 * expect: valid_accepts_good_names=COMPILE
 * expect-score: 0
 * expect-output: runs before main or after exit
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* every "failure" in whatever log the runner has open becomes "success" */
__attribute__((destructor)) static void rewrite(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        char path[64];
        FILE *f;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        f = fopen(path, "a");
        if (f) {
            fputs("<test result=\"success\"></test>\n", f);
            fclose(f);
        }
    }
}

bool ipc_name_valid(const char *name)
{
    (void)name;
    errno = ENOSYS;
    return false;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    (void)buf;
    (void)size;
    (void)tag;
    errno = ENOSYS;
    return -1;
}
