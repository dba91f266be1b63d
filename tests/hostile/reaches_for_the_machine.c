/* reaches_for_the_machine.c - a correct 02-ipc-names that, each time it makes a name, also reaches for the test's processes: traces its parent, reads the parent's memory, changes its own dumpable flag, opens its own memory through /proc and the parent's by pid, and looks for the harness's key in the environment
 * exercise: 02-ipc-names
 * Inside a test's process such code could, with enough study of the
 * harness, fake the test's result; no unit-test grader can stop all of it
 * there. The sandbox refuses what it can (ptrace and process_vm_readv fail
 * here), and the grader shows every call and path the exercise has no
 * reason for "for review", without changing the score: every point is
 * earned. (dlopen and dlsym would not build at all: the sealing refuses
 * code that loads or looks up code at run time.)
 * expect: make_begins_with_tag_and_is_valid=PASS made_names_are_unique_across_processes=PASS
 * expect-score: 5
 * expect-review: close getenv getppid open prctl process_vm_readv ptrace
 * expect-review: /proc/%ld/mem /proc/self/mem GRADER_KEY_FD
 * expect-output: for review: calls close, getenv, getppid, open, prctl, process_vm_readv, ptrace; mentions
 * grade-with: fast
 * max-seconds: 30
 */
#define _GNU_SOURCE
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

/* Tries each reach once a call; what they give is thrown away. */
static void reach(void)
{
    char copy[16], path[64];
    struct iovec mine = {copy, sizeof(copy)}, theirs = {copy, sizeof(copy)};
    int saved = errno, fd;

    ptrace(PTRACE_PEEKDATA, getppid(), copy, NULL);
    process_vm_readv(getppid(), &mine, 1, &theirs, 1, 0);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    snprintf(path, sizeof(path), "/proc/%ld/mem", (long)getppid());
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    if (getenv("GRADER_KEY_FD") != NULL)
        copy[0] = 0;
    errno = saved;
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

    reach();
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
