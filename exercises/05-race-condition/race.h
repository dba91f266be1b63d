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

/*
 * The other side of a count that another process created (race_counter's
 * layout: one int64_t): attaches by name to the existing shared memory
 * object `name` and, when use_semaphore is true, to the existing named
 * semaphore `name`, opening both without O_CREAT (shm_open with O_RDWR,
 * sem_open(name, 0)). Then performs `iters` increments of the counter as
 * race_counter's children do (with use_semaphore, each one between sem_wait
 * and sem_post), unmaps and closes what it opened, and returns 0.
 *
 * It creates nothing, resizes nothing, never sets the counter, and unlinks
 * nothing: the objects and their names belong to their creator. A program
 * started with exec (unrelated to the creator but for the name) calls it.
 *
 * Errors (-1; nothing left open or mapped, every object as it was):
 *   EINVAL  name is not valid (as for race_counter) or iters < 0; or the
 *           shared memory object is smaller than one int64_t (for example
 *           still empty: its creator has not given it a size yet).
 *   ENOENT  there is no shared memory object `name`, or (with
 *           use_semaphore) no semaphore `name`: not created yet, or already
 *           unlinked.
 *   other   the errno of the call that failed (shm_open, fstat, mmap,
 *           sem_open, sem_wait, sem_post...).
 */
int race_join(const char *name, long iters, bool use_semaphore);

/*
 * race_counter for two programs: creates the shared memory object `name`
 * (counter 0) and, with use_semaphore, the semaphore `name`, as race_counter
 * does, and only once both are ready starts the program argv[0] (a path, not
 * searched in PATH) with the arguments argv (NULL-terminated) in a child:
 * fork, then execv. The program is expected to attach to `name` with
 * race_join and do increments of its own; the caller puts the name, and
 * whatever else the program needs, in argv. Meanwhile the calling process
 * does `iters` increments itself (with use_semaphore, each one between
 * sem_wait and sem_post).
 *
 * Then it waits for the program (and for no other process), reads the
 * counter, unmaps, closes and unlinks both objects, and returns the final
 * count: with the semaphore exactly `iters` plus the program's increments,
 * possibly less without it. The names exist from before the program starts
 * until after it has ended, so the program finds them however late it
 * attaches.
 *
 * Errors (-1, nothing left behind: no child, descriptor, mapping or name):
 *   EINVAL  name is not valid (as for race_counter), argv or argv[0] is
 *           NULL, or iters < 0.
 *   EEXIST  as for race_counter; the existing object is left as it was.
 *   EIO     the program did not exit with status 0: it could not be
 *           executed (its child then leaves with _exit(127)) or it failed.
 *   other   the errno of the call that failed (shm_open, sem_open, fork,
 *           or the caller's own sem_wait or sem_post; then the program is
 *           stopped with SIGKILL and reaped, since it could wait forever for
 *           a lock the caller holds).
 */
long race_with_program(const char *name, char *const argv[], long iters,
                       bool use_semaphore);

#endif
