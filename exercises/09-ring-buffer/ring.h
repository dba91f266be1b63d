/* ring.h - a bounded message queue in POSIX shared memory: one producer, many consumers (contract) */
#ifndef RING_H
#define RING_H

#include <stddef.h>
#include <sys/types.h>

/*
 * A ring is a fixed number of slots of a fixed size in a shared memory
 * object named by the caller. One producer process pushes messages of 1 to
 * slot-size bytes; any number of consumer processes pop them; each message
 * goes to exactly one consumer, and consumers see messages in the order they
 * were pushed. A valid name is "/" followed by 1 to 251 characters, none of
 * them "/", and neither "." nor "..".
 *
 * struct ring is the handle of one process: opaque, made by ring_create or
 * ring_open, freed by ring_detach. A child forked after the handle was made
 * may use its copy of it (and must ring_detach it too, or leave with _exit).
 */
struct ring;

/*
 * Creates the ring `name` with `slots` slots of `slot_size` bytes and returns
 * a handle to it. The shared memory object is made with O_EXCL and is
 * complete (every field set, every semaphore ready) before ring_open can
 * accept it. No descriptor stays open.
 * Errors (NULL): EEXIST when `name` already exists (it is left untouched);
 * EINVAL for an invalid name, slots == 0, slot_size == 0, or sizes whose
 * total does not fit in memory (overflow); or the errno of a failed call.
 * Nothing is left behind on failure. Free the handle with ring_detach and
 * remove the ring with ring_unlink.
 */
struct ring *ring_create(const char *name, size_t slots, size_t slot_size);

/*
 * Attaches to the existing ring `name` (made by ring_create in any process)
 * and returns a handle. No descriptor stays open.
 * Errors (NULL): ENOENT when there is no such object; EINVAL when the name is
 * invalid or the object is not a complete ring made by ring_create (wrong
 * size, magic number or version); or the errno of a failed call.
 */
struct ring *ring_open(const char *name);

/*
 * Copies `len` bytes of `msg` into the next free slot, waiting while the ring
 * is full. Returns 0.
 * Errors (-1): EINVAL for len == 0 (or a NULL argument); EMSGSIZE when len is
 * above the slot size; EPIPE once the ring has been closed. A failed call
 * changes nothing.
 */
int ring_push(struct ring *r, const void *msg, size_t len);

/* ring_push without waiting: EAGAIN when the ring is full. */
int ring_try_push(struct ring *r, const void *msg, size_t len);

/*
 * Removes the oldest message, copies it into `buf` and returns its length
 * (1 to slot size), waiting while the ring is empty. Returns 0 when the ring
 * is closed and every message has been taken.
 * Errors (-1): EINVAL when cap is below the slot size (or a NULL argument);
 * nothing is consumed.
 */
ssize_t ring_pop(struct ring *r, void *buf, size_t cap);

/* ring_pop without waiting: EAGAIN when the ring is empty but not closed. */
ssize_t ring_try_pop(struct ring *r, void *buf, size_t cap);

/*
 * Ends the stream: every consumer waiting in ring_pop wakes up; messages
 * already pushed are still delivered; after them every pop returns 0 and
 * every push fails with EPIPE. Calling it again does nothing. Returns 0;
 * -1 with EINVAL for a NULL handle.
 */
int ring_close(struct ring *r);

/*
 * Unmaps the ring from this process and frees the handle; the ring itself
 * stays for the other processes. Returns 0, or -1 with errno (EINVAL for a
 * NULL handle).
 */
int ring_detach(struct ring *r);

/*
 * Removes the name `name` and every other IPC name the ring uses. Processes
 * still attached keep working. Returns 0.
 * Errors (-1): ENOENT when there is no such ring; EINVAL for an invalid name.
 */
int ring_unlink(const char *name);

/* The number of slots and the slot size the ring was created with. */
size_t ring_slots(const struct ring *r);
size_t ring_slot_size(const struct ring *r);

#endif
