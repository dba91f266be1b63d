/* leaves_ipc_objects.c - a submission for 02-ipc-names that leaves a shared memory object, a semaphore and FIFOs
 * exercise: 02-ipc-names
 * Named with the test's tag (the run's prefix) the objects are the test's
 * leftovers; the FIFO in $TMPDIR (the run's folder) is the grader's to
 * remove, and the one in /tmp is never made: a run writes only in its own
 * folder and /dev/shm.
 * expect: made_names_work_with_shm_open_and_sem_open=LEFTOVER valid_accepts_good_names=PASS
 * expect-score: 4
 * expect-review: close getenv mkfifo sem_close sem_open shm_open
 * expect-output: shared memory object /
 * expect-output: semaphore /
 * expect-output: file leftover-fifo
 * grade-with: fast
 * max-seconds: 30
 */
#include "ipcname.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void litter(const char *tag)
{
    char name[300], path[512];
    const char *tmp = getenv("TMPDIR");
    sem_t *sem;
    int fd;

    snprintf(name, sizeof(name), "/%s-litter-shm", tag);
    fd = shm_open(name, O_RDWR | O_CREAT, 0600);
    if (fd >= 0)
        close(fd);
    snprintf(name, sizeof(name), "/%s-litter-sem", tag);
    sem = sem_open(name, O_CREAT, 0600, 0);
    if (sem != SEM_FAILED)
        sem_close(sem);
    snprintf(path, sizeof(path), "%s/leftover-fifo", tmp ? tmp : "/tmp");
    mkfifo(path, 0600);
    snprintf(path, sizeof(path), "/tmp/hostile-fifo-%ld", (long)getpid());
    mkfifo(path, 0600);
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

    if (tag != NULL && tag[0] == 'g' && strchr(tag, 'x') != NULL)
        litter(tag);
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
