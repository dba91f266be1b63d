/* ring.c - a bounded message queue in POSIX shared memory (your code) */
#include "ring.h"

#include <errno.h>

/*
 * TODO: define the layout of the shared memory object (fixed-width fields,
 * a magic number and a version, semaphores, no pointers) and the per-process
 * handle struct ring. README.md walks through the design.
 */

struct ring *ring_create(const char *name, size_t slots, size_t slot_size)
{
    (void)name;
    (void)slots;
    (void)slot_size;
    errno = ENOSYS; /* not implemented yet */
    return NULL;
}

struct ring *ring_open(const char *name)
{
    (void)name;
    errno = ENOSYS; /* not implemented yet */
    return NULL;
}

int ring_push(struct ring *r, const void *msg, size_t len)
{
    (void)r;
    (void)msg;
    (void)len;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

int ring_try_push(struct ring *r, const void *msg, size_t len)
{
    (void)r;
    (void)msg;
    (void)len;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

ssize_t ring_pop(struct ring *r, void *buf, size_t cap)
{
    (void)r;
    (void)buf;
    (void)cap;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

ssize_t ring_try_pop(struct ring *r, void *buf, size_t cap)
{
    (void)r;
    (void)buf;
    (void)cap;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

int ring_close(struct ring *r)
{
    (void)r;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

int ring_detach(struct ring *r)
{
    (void)r;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

int ring_unlink(const char *name)
{
    (void)name;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}

size_t ring_slots(const struct ring *r)
{
    (void)r;
    errno = ENOSYS; /* not implemented yet */
    return 0;
}

size_t ring_slot_size(const struct ring *r)
{
    (void)r;
    errno = ENOSYS; /* not implemented yet */
    return 0;
}
