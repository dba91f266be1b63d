/* race.h - a shared counter incremented by several processes (contract) */
#ifndef RACE_H
#define RACE_H

#include <stdbool.h>

/*
 * Creates the POSIX shared memory object `name` (O_CREAT | O_EXCL) holding a
 * single int64_t counter set to 0 and, when use_semaphore is true, the named
 * semaphore `name` (O_CREAT | O_EXCL, initial value 1). Without
 * use_semaphore no semaphore is opened or created: one that exists under the
 * same name is left alone. Then forks `procs` children. Each child performs
 * `iters` increments of the counter, each one a plain load, add one and
 * store; with use_semaphore the increment sits between sem_wait and
 * sem_post. Each child leaves with _exit.
 *
 * The parent waits for every child it forked (and for no other process),
 * reads the counter, then unmaps, closes and unlinks every object it created,
 * and returns the final count: exactly procs * iters with the semaphore, and
 * possibly less without it.
 *
 * Errors (-1, nothing left behind: no child, descriptor, mapping or name):
 *   EINVAL  name is NULL, does not begin with '/', has no character or more
 *           than 251 characters after it, holds another '/', or is "/." or
 *           "/.."; procs < 1; iters < 0.
 *   EEXIST  the shared memory object, or (with use_semaphore) the semaphore,
 *           already exists; the existing object is left exactly as it was.
 *   EIO     a child could not finish its increments (sem_wait or sem_post
 *           failed, so it exited with a non-zero status); every child is
 *           still reaped.
 *   other   the errno of the call that failed (shm_open, sem_open, fork...).
 */
long race_counter(const char *name, int procs, long iters, bool use_semaphore);

#endif
