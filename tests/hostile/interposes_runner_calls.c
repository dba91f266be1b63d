/* interposes_runner_calls.c - the starter stubs of 02-ipc-names, plus its own waitpid, read and write, which would make the test runner see every test end well and turn "failure" into "success" in Check's log
 * exercise: 02-ipc-names
 * The sealed object exports only the contract's functions: these stay the
 * submission's own, the runner and Check use the C library's, and the stubs
 * score what stubs score.
 * expect: valid_accepts_good_names=FAIL make_begins_with_tag_and_is_valid=FAIL
 * expect: made_names_are_unique_across_processes=FAIL
 * expect-score: 0
 * grade-with: valgrind
 * max-seconds: 60
 */
#define _GNU_SOURCE
#include "ipcname.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

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

/* every child "exited with status 0" */
pid_t waitpid(pid_t pid, int *status, int options)
{
    long r = syscall(SYS_wait4, pid, status, options, NULL);

    if (r > 0 && status)
        *status = 0;
    return (pid_t)r;
}

ssize_t read(int fd, void *buf, size_t len)
{
    return syscall(SYS_read, fd, buf, len);
}

/* what the runner writes, with every failure made a success */
ssize_t write(int fd, const void *buf, size_t len)
{
    char copy[8192];
    size_t n = len < sizeof(copy) ? len : sizeof(copy);
    char *p;

    memcpy(copy, buf, n);
    while ((p = memmem(copy, n, "failure", 7)) != NULL)
        memcpy(p, "success", 7);
    return syscall(SYS_write, fd, copy, n);
}
