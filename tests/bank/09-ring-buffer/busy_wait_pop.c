/* busy_wait_pop.c - broken ring.c for 09-ring-buffer: a blocked ring_pop (and ring_push) spins on sem_trywait instead of sleeping in sem_wait
 * expect-fail: blocked_pop_uses_no_cpu pop_blocks_until_push push_blocks_until_pop close_fails_a_push_blocked_on_a_full_ring blocking_calls_retry_after_signals close_wakes_every_blocked_consumer
 * grade-with: fast
 *
 * Every message still arrives, in order, exactly once; it fails because the
 * contract says a full or empty ring makes the caller wait, and waiting here
 * means sleeping in the kernel until the other side posts, not using a CPU
 * that the other side may need to post. Unbounded polling is what the README
 * rules out (a spin of a few microseconds before sleeping, as the reference
 * does, is allowed). Two measurements catch it, neither a matter of timing:
 * - blocked_pop_uses_no_cpu: the child reads its own CPU clock around a
 *   ring_pop that waits 300 ms; the limit is 20 ms. A sleeping pop uses under
 *   1 ms (2 to 7 ms under Valgrind). This loop runs for all of the 300 ms it
 *   is given a CPU: sched_yield gives the CPU away only to a process already
 *   waiting for it, so it uses about 280 ms with the other core idle or
 *   busy, and still more than 20 ms with up to about 30 busy processes on two
 *   CPUs.
 * - the blocking tests wait for the blocked child to show state S (asleep)
 *   in /proc/PID/stat before they push, pop or close; this loop never
 *   sleeps, so each of them fails after its 1 s deadline.
 */
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sched.h>
#include <unistd.h>

#define RING_MAGIC UINT64_C(0x474e495243504931) /* "1IPCRING" little-endian */
#define RING_VERSION 1
#define RING_NAME_MAX 251

/*
 * The shared layout: fixed-width fields, no pointers (slot i lives at
 * data_offset + i * stride from the start of the object). Each slot holds a
 * uint64_t length followed by the message. magic is stored last, so a ring
 * that is still being made never looks complete.
 */
struct ring_shared {
    _Atomic uint64_t magic;
    uint32_t version;
    uint32_t reserved;
    uint64_t size;        /* bytes in the object */
    uint64_t slots;
    uint64_t slot_size;
    uint64_t stride;      /* bytes from one slot to the next */
    uint64_t data_offset; /* where slot 0 begins */
    _Atomic uint32_t closed;
    alignas(64) _Atomic uint64_t head; /* messages pushed (producer only) */
    alignas(64) uint64_t tail;         /* messages popped (under read_lock) */
    alignas(64) sem_t free_slots;      /* empty slots, plus one after close */
    sem_t items;                       /* full slots, plus one after close */
    sem_t read_lock;                   /* serialises the consumers' claims */
};

/* One process's handle: where the ring is mapped here, and its geometry. */
struct ring {
    struct ring_shared *sh;
    unsigned char *data;
    size_t size;
    size_t slots;
    size_t slot_size;
    size_t stride;
};

static bool name_valid(const char *name)
{
    size_t len;

    if (name == NULL || name[0] != '/')
        return false;
    len = strlen(name + 1);
    return len >= 1 && len <= RING_NAME_MAX && strchr(name + 1, '/') == NULL &&
           strcmp(name, "/.") != 0 && strcmp(name, "/..") != 0;
}

/* The geometry of a ring of slots x slot_size; false when it cannot exist. */
static bool ring_geometry(uint64_t slots, uint64_t slot_size, uint64_t *stride,
                          uint64_t *size)
{
    const uint64_t header = sizeof(struct ring_shared);
    const uint64_t limit = SIZE_MAX < INT64_MAX ? SIZE_MAX : INT64_MAX;

    /* the semaphores count up to slots + 1 (the close token) */
    if (slots == 0 || slot_size == 0 || slots >= SEM_VALUE_MAX)
        return false;
    if (slot_size > limit - sizeof(uint64_t) - 7)
        return false;
    *stride = sizeof(uint64_t) + ((slot_size + 7) & ~UINT64_C(7));
    if (slots > (limit - header) / *stride)
        return false;
    *size = header + slots * *stride;
    return true;
}

static struct ring *handle_new(void *map, size_t size)
{
    struct ring *r = malloc(sizeof(*r));

    if (r == NULL)
        return NULL;
    r->sh = map;
    r->data = (unsigned char *)map + r->sh->data_offset;
    r->size = size;
    r->slots = r->sh->slots;
    r->slot_size = r->sh->slot_size;
    r->stride = r->sh->stride;
    return r;
}

/* Sets every field and semaphore, and only then the magic number. */
static int ring_init(struct ring_shared *sh, uint64_t slots, uint64_t slot_size,
                     uint64_t stride, uint64_t size)
{
    sh->version = RING_VERSION;
    sh->size = size;
    sh->slots = slots;
    sh->slot_size = slot_size;
    sh->stride = stride;
    sh->data_offset = sizeof(*sh);
    atomic_init(&sh->closed, 0);
    atomic_init(&sh->head, 0);
    sh->tail = 0;
    if (sem_init(&sh->free_slots, 1, (unsigned)slots) == -1 ||
        sem_init(&sh->items, 1, 0) == -1 || sem_init(&sh->read_lock, 1, 1) == -1)
        return -1;
    atomic_store_explicit(&sh->magic, RING_MAGIC, memory_order_release);
    return 0;
}

struct ring *ring_create(const char *name, size_t slots, size_t slot_size)
{
    uint64_t stride, size;
    struct ring *r;
    void *map;
    int fd, saved;

    if (!name_valid(name) || !ring_geometry(slots, slot_size, &stride, &size)) {
        errno = EINVAL;
        return NULL;
    }
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        return NULL;
    if (ftruncate(fd, (off_t)size) == -1)
        goto out_unlink;
    map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        goto out_unlink;
    if (ring_init(map, slots, slot_size, stride, size) == -1)
        goto out_unmap;
    r = handle_new(map, size);
    if (r == NULL)
        goto out_unmap;
    close(fd);
    return r;

out_unmap:
    saved = errno;
    munmap(map, size);
    errno = saved;
out_unlink:
    saved = errno;
    shm_unlink(name);
    close(fd);
    errno = saved;
    return NULL;
}

/* true when the mapped object of `size` bytes is a complete ring. */
static bool ring_valid(const struct ring_shared *sh, uint64_t size)
{
    uint64_t stride, expect;

    if (atomic_load_explicit(&sh->magic, memory_order_acquire) != RING_MAGIC)
        return false;
    return sh->version == RING_VERSION && sh->size == size &&
           sh->data_offset == sizeof(*sh) &&
           ring_geometry(sh->slots, sh->slot_size, &stride, &expect) &&
           sh->stride == stride && expect == size;
}

struct ring *ring_open(const char *name)
{
    struct stat st;
    struct ring *r;
    void *map;
    int fd, saved;

    if (!name_valid(name)) {
        errno = EINVAL;
        return NULL;
    }
    fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
        return NULL;
    if (fstat(fd, &st) == -1)
        goto out_close;
    if ((uint64_t)st.st_size < sizeof(struct ring_shared)) {
        errno = EINVAL; /* empty, or still being made */
        goto out_close;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        goto out_close;
    if (!ring_valid(map, (uint64_t)st.st_size)) {
        errno = EINVAL;
        goto out_unmap;
    }
    r = handle_new(map, (size_t)st.st_size);
    if (r == NULL)
        goto out_unmap;
    close(fd);
    return r;

out_unmap:
    saved = errno;
    munmap(map, (size_t)st.st_size);
    errno = saved;
out_close:
    saved = errno;
    close(fd);
    errno = saved;
    return NULL;
}

/* Takes one unit of s: waits (retrying EINTR), or fails with EAGAIN. */
static int sem_take(sem_t *s, bool wait)
{
    /* BUG: polls; correct results, but a waiting consumer burns a CPU */
    while (sem_trywait(s) == -1) {
        if (errno != EAGAIN || !wait)
            return -1;
        sched_yield();
    }
    return 0;
}

static bool ring_closed(const struct ring *r)
{
    return atomic_load_explicit(&r->sh->closed, memory_order_acquire) != 0;
}

static int ring_put(struct ring *r, const void *msg, size_t len, bool wait)
{
    unsigned char *slot;
    uint64_t head, n = len;

    if (r == NULL || msg == NULL || len == 0) {
        errno = EINVAL;
        return -1;
    }
    if (len > r->slot_size) {
        errno = EMSGSIZE;
        return -1;
    }
    if (ring_closed(r)) {
        errno = EPIPE;
        return -1;
    }
    if (sem_take(&r->sh->free_slots, wait) == -1)
        return -1;
    if (ring_closed(r)) {
        sem_post(&r->sh->free_slots); /* pass the slot (or close token) on */
        errno = EPIPE;
        return -1;
    }
    head = atomic_load_explicit(&r->sh->head, memory_order_relaxed);
    slot = r->data + (head % r->slots) * r->stride;
    memcpy(slot, &n, sizeof(n));
    memcpy(slot + sizeof(n), msg, len);
    atomic_store_explicit(&r->sh->head, head + 1, memory_order_release);
    return sem_post(&r->sh->items);
}

int ring_push(struct ring *r, const void *msg, size_t len)
{
    return ring_put(r, msg, len, true);
}

int ring_try_push(struct ring *r, const void *msg, size_t len)
{
    return ring_put(r, msg, len, false);
}

static ssize_t ring_get(struct ring *r, void *buf, size_t cap, bool wait)
{
    struct ring_shared *sh;
    unsigned char *slot;
    uint64_t n;

    if (r == NULL || buf == NULL || cap < r->slot_size) {
        errno = EINVAL;
        return -1;
    }
    sh = r->sh;
    if (sem_take(&sh->items, wait) == -1)
        return -1;
    sem_take(&sh->read_lock, true);
    if (sh->tail == atomic_load_explicit(&sh->head, memory_order_acquire)) {
        /* woken by the close token: hand it to the next consumer */
        sem_post(&sh->read_lock);
        sem_post(&sh->items);
        return 0;
    }
    slot = r->data + (sh->tail % r->slots) * r->stride;
    memcpy(&n, slot, sizeof(n));
    if (n > r->slot_size)
        n = r->slot_size; /* never trust a length read from shared memory */
    memcpy(buf, slot + sizeof(n), (size_t)n);
    sh->tail++;
    sem_post(&sh->read_lock);
    sem_post(&sh->free_slots);
    return (ssize_t)n;
}

ssize_t ring_pop(struct ring *r, void *buf, size_t cap)
{
    return ring_get(r, buf, cap, true);
}

ssize_t ring_try_pop(struct ring *r, void *buf, size_t cap)
{
    return ring_get(r, buf, cap, false);
}

int ring_close(struct ring *r)
{
    if (r == NULL) {
        errno = EINVAL;
        return -1;
    }
    /* one token per semaphore, passed from waiter to waiter */
    if (atomic_exchange(&r->sh->closed, 1) == 0) {
        sem_post(&r->sh->items);
        sem_post(&r->sh->free_slots);
    }
    return 0;
}

int ring_detach(struct ring *r)
{
    int rc;

    if (r == NULL) {
        errno = EINVAL;
        return -1;
    }
    rc = munmap(r->sh, r->size);
    free(r);
    return rc;
}

int ring_unlink(const char *name)
{
    if (!name_valid(name)) {
        errno = EINVAL;
        return -1;
    }
    return shm_unlink(name);
}

size_t ring_slots(const struct ring *r)
{
    return r->slots;
}

size_t ring_slot_size(const struct ring *r)
{
    return r->slot_size;
}
