/* eats_shared_memory.c - a correct 02-ipc-names that, in the test that makes names in several processes, maps shared memory (MAP_SHARED | MAP_ANONYMOUS, shm_open, memfd_create) and touches it without end
 * exercise: 02-ipc-names
 * Shared memory counts against the run's memory budget like private memory:
 * the kernel's count in a memory cgroup as root, else the shared memory
 * each process maps and the memfd files it holds. The test is stopped with
 * a verdict that says so; the others keep their points. A budget of 512 MiB
 * keeps the case quick.
 * grade-env: GRADER_MEMORY_MIB=512
 * expect: made_names_are_unique_across_processes=CRASH valid_accepts_good_names=PASS
 * expect: make_reports_erange_and_writes_nothing_past_size=PASS
 * expect-score: 4.5
 * expect-review: ftruncate memfd_create mmap shm_open shm_unlink
 * expect-output: and was stopped
 * grade-with: fast
 * max-seconds: 40
 */
#define _GNU_SOURCE
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Takes 64 MiB at a time, in turn from each kind of shared memory, and
 * touches every page: never returns. */
static void hoard(void)
{
    const size_t chunk = 64UL << 20;

    for (unsigned round = 0;; round++) {
        char *p = MAP_FAILED, name[64];
        int fd = -1;

        switch (round % 3) {
        case 0:
            p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
            break;
        case 1:
            snprintf(name, sizeof(name), "/eats-%ld-%u", (long)getpid(), round);
            fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
            if (fd >= 0)
                shm_unlink(name);
            break;
        default:
            fd = memfd_create("eats", 0);
        }
        if (fd >= 0 && ftruncate(fd, (off_t)chunk) == 0)
            p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED)
            for (size_t i = 0; i < chunk; i += 4096)
                p[i] = 1;
        /* the descriptor stays open: memfd's pages stay held without it too */
    }
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

    if (tag && strcmp(tag, "p") == 0)
        hoard();
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
