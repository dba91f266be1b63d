/* race.c - processes incrementing a shared counter, with and without a semaphore (your code) */
#include "race.h"

#include <errno.h>

/*
 * TODO: shm_open (O_CREAT | O_EXCL), ftruncate and mmap the counter; with
 * use_semaphore, sem_open (O_CREAT | O_EXCL, value 1); fork procs children that
 * increment and _exit; waitpid each one; read the count; then munmap, close,
 * sem_close and unlink what you created. See race.h for every error case.
 */
long race_counter(const char *name, int procs, long iters, bool use_semaphore)
{
    (void)name;
    (void)procs;
    (void)iters;
    (void)use_semaphore;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

/*
 * TODO: shm_open without O_CREAT, fstat (is it big enough yet?), mmap; with
 * use_semaphore, sem_open(name, 0); increment; then sem_close, munmap and
 * close. Create, resize and unlink nothing: the objects are the creator's.
 */
int race_join(const char *name, long iters, bool use_semaphore)
{
    (void)name;
    (void)iters;
    (void)use_semaphore;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

/*
 * TODO: create both objects as race_counter does; then fork and execv the
 * program; do your own increments; waitpid for the program and check how it
 * ended; read the count; clean up. When may the names go?
 */
long race_with_program(const char *name, char *const argv[], long iters,
                       bool use_semaphore)
{
    (void)name;
    (void)argv;
    (void)iters;
    (void)use_semaphore;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}
