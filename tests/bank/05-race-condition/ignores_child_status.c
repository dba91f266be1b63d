/* ignores_child_status.c - broken race.c for 05-race-condition: reaps every child but never looks at how it ended, so a child that could not lock goes unnoticed
 * expect-fail: child_that_cannot_lock_gives_eio
 * grade-with: fast
 */
#include "race.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Longest name after the slash that both shm_open and sem_open accept. */
#define RACE_NAME_MAX 251

static bool name_valid(const char *name)
{
    size_t len;

    if (name == NULL || name[0] != '/')
        return false;
    len = strlen(name + 1);
    if (len < 1 || len > RACE_NAME_MAX || strchr(name + 1, '/') != NULL)
        return false;
    return strcmp(name, "/.") != 0 && strcmp(name, "/..") != 0;
}

/* A child's work: iters increments, each inside the semaphore when there is
 * one. volatile keeps every increment a separate load and store. */
static void count_and_exit(volatile int64_t *counter, long iters, sem_t *sem)
{
    for (long i = 0; i < iters; i++) {
        while (sem != NULL && sem_wait(sem) == -1)
            if (errno != EINTR)
                _exit(1);
        int64_t value = *counter;
        *counter = value + 1;
        if (sem != NULL && sem_post(sem) == -1)
            _exit(1);
    }
    _exit(0);
}

/* Reaps the n children in pids. 0 when each exited with status 0, else -1:
 * EIO when a child failed, or waitpid's errno. Every child is waited for. */
static int reap_children(const pid_t *pids, int n)
{
    int err = 0;

    for (int i = 0; i < n; i++) {
        int status;
        pid_t r;

        while ((r = waitpid(pids[i], &status, 0)) == -1 && errno == EINTR)
            ;
        if (r == -1)
            err = errno;
    }
    errno = err;
    return err ? -1 : 0;
}

/* Forks procs counting children and reaps them all. 0, or -1 with errno. */
static int run_children(volatile int64_t *counter, int procs, long iters, sem_t *sem)
{
    pid_t *pids = malloc(sizeof(*pids) * (size_t)procs);
    int forked, saved, rc;

    if (pids == NULL)
        return -1;
    for (forked = 0; forked < procs; forked++) {
        pids[forked] = fork();
        if (pids[forked] == -1)
            goto out_kill;
        if (pids[forked] == 0)
            count_and_exit(counter, iters, sem);
    }
    rc = reap_children(pids, procs);
    free(pids);
    return rc;

out_kill:
    saved = errno;
    for (int i = 0; i < forked; i++)
        kill(pids[i], SIGKILL);
    reap_children(pids, forked);
    free(pids);
    errno = saved;
    return -1;
}

/* Sizes the new object for one counter, maps it and sets it to 0; NULL on failure. */
static volatile int64_t *map_counter(int fd)
{
    volatile int64_t *counter;

    if (ftruncate(fd, sizeof(*counter)) == -1)
        return NULL;
    counter = mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (counter == MAP_FAILED)
        return NULL;
    *counter = 0;
    return counter;
}

/* Unmaps (when mapped), closes and unlinks the counter's object; keeps errno. */
static void remove_counter(const char *name, int fd, volatile int64_t *counter)
{
    int saved = errno;

    if (counter != NULL)
        munmap((void *)counter, sizeof(*counter));
    close(fd);
    shm_unlink(name);
    errno = saved;
}

/* Closes and unlinks the semaphore this call created; keeps errno. */
static void remove_semaphore(const char *name, sem_t *sem)
{
    int saved = errno;

    sem_close(sem);
    sem_unlink(name);
    errno = saved;
}

long race_counter(const char *name, int procs, long iters, bool use_semaphore)
{
    volatile int64_t *counter;
    sem_t *sem = NULL;
    long result = -1;
    int fd;

    if (!name_valid(name) || procs < 1 || iters < 0) {
        errno = EINVAL;
        return -1;
    }
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        return -1; /* EEXIST: someone else's object, left alone */
    counter = map_counter(fd);
    if (counter == NULL)
        goto out_remove_counter;
    if (use_semaphore) {
        sem = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
        if (sem == SEM_FAILED)
            goto out_remove_counter; /* EEXIST: someone else's, not unlinked */
    }
    if (run_children(counter, procs, iters, sem) == 0)
        result = (long)*counter;
    if (sem != NULL)
        remove_semaphore(name, sem);
out_remove_counter:
    remove_counter(name, fd, counter);
    return result;
}
