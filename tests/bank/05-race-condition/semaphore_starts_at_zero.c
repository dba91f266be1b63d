/* semaphore_starts_at_zero.c - broken race.c for 05-race-condition: creates the semaphore with value 0, so every child blocks forever
 * expect-fail: locked_count_exact_one_process
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

/* The objects of one count, as the process that created them holds them. */
struct count {
    int fd;
    volatile int64_t *counter; /* NULL until mapped */
    sem_t *sem;                /* NULL without the semaphore */
};

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

/* iters increments, each inside the semaphore when there is one. volatile
 * keeps every increment a separate load and store. 0, or -1 with the errno
 * of sem_wait or sem_post. */
static int increment(volatile int64_t *counter, long iters, sem_t *sem)
{
    for (long i = 0; i < iters; i++) {
        while (sem != NULL && sem_wait(sem) == -1)
            if (errno != EINTR)
                return -1;
        int64_t value = *counter;
        *counter = value + 1;
        if (sem != NULL && sem_post(sem) == -1)
            return -1;
    }
    return 0;
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
        else if (err == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
            err = EIO;
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
            _exit(increment(counter, iters, sem) == 0 ? 0 : 1);
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

/* Closes, unmaps and unlinks what count_create made; keeps errno. */
static void count_remove(const char *name, struct count *c)
{
    int saved = errno;

    if (c->sem != NULL) {
        sem_close(c->sem);
        sem_unlink(name);
    }
    if (c->counter != NULL)
        munmap((void *)c->counter, sizeof(*c->counter));
    close(c->fd);
    shm_unlink(name);
    errno = saved;
}

/*
 * Creates the counter `name` (sized, mapped, set to 0) and, with
 * use_semaphore, the semaphore `name` (value 1), in that order: when the
 * semaphore exists, so does a counter ready to use. 0, or -1 with errno
 * (EEXIST: someone else's object, left as it was) and nothing made.
 */
static int count_create(const char *name, bool use_semaphore, struct count *c)
{
    c->counter = NULL;
    c->sem = NULL;
    c->fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (c->fd == -1)
        return -1;
    if (ftruncate(c->fd, sizeof(*c->counter)) == -1)
        goto out_remove;
    c->counter = mmap(NULL, sizeof(*c->counter), PROT_READ | PROT_WRITE, MAP_SHARED,
                      c->fd, 0);
    if (c->counter == MAP_FAILED) {
        c->counter = NULL;
        goto out_remove;
    }
    *c->counter = 0;
    if (use_semaphore) {
        c->sem = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
        if (c->sem == SEM_FAILED) {
            c->sem = NULL; /* EEXIST: someone else's, not unlinked */
            goto out_remove;
        }
    }
    return 0;

out_remove:
    count_remove(name, c);
    return -1;
}

long race_counter(const char *name, int procs, long iters, bool use_semaphore)
{
    struct count c;
    long result = -1;

    if (!name_valid(name) || procs < 1 || iters < 0) {
        errno = EINVAL;
        return -1;
    }
    if (count_create(name, use_semaphore, &c) == -1)
        return -1;
    if (run_children(c.counter, procs, iters, c.sem) == 0)
        result = (long)*c.counter;
    count_remove(name, &c);
    return result;
}

int race_join(const char *name, long iters, bool use_semaphore)
{
    volatile int64_t *counter;
    sem_t *sem = NULL;
    struct stat st;
    int fd, saved, rc = -1;

    if (!name_valid(name) || iters < 0) {
        errno = EINVAL;
        return -1;
    }
    fd = shm_open(name, O_RDWR, 0); /* no O_CREAT: the creator makes it */
    if (fd == -1)
        return -1;
    if (fstat(fd, &st) == -1)
        goto out_close;
    if (st.st_size < (off_t)sizeof(*counter)) {
        errno = EINVAL; /* not sized yet: touching it would raise SIGBUS */
        goto out_close;
    }
    counter = mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (counter == MAP_FAILED)
        goto out_close;
    if (use_semaphore) {
        sem = sem_open(name, 0);
        if (sem == SEM_FAILED)
            goto out_unmap;
    }
    rc = increment(counter, iters, sem);
    saved = errno;
    if (sem != NULL)
        sem_close(sem);
    errno = saved;
out_unmap:
    saved = errno;
    munmap((void *)counter, sizeof(*counter));
    errno = saved;
out_close:
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

long race_with_program(const char *name, char *const argv[], long iters,
                       bool use_semaphore)
{
    struct count c;
    long result = -1;
    pid_t pid;
    int err;

    if (!name_valid(name) || argv == NULL || argv[0] == NULL || iters < 0) {
        errno = EINVAL;
        return -1;
    }
    if (count_create(name, use_semaphore, &c) == -1)
        return -1;
    /* only now: the program may attach the moment it starts */
    pid = fork();
    if (pid == -1)
        goto out_remove;
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    err = increment(c.counter, iters, c.sem) == 0 ? 0 : errno;
    if (err != 0)
        kill(pid, SIGKILL); /* it could wait forever for a lock we hold */
    /* the names stay until the program has ended: it may attach late */
    if (reap_children(&pid, 1) == -1 && err == 0)
        err = errno;
    if (err == 0)
        result = (long)*c.counter;
    errno = err;
out_remove:
    count_remove(name, &c);
    return result;
}
