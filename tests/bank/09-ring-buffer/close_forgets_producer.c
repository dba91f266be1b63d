/* close_forgets_producer.c - broken ring.c for 09-ring-buffer: ring_close wakes the consumers but not a producer waiting for room
 * expect-fail: close_fails_a_push_blocked_on_a_full_ring
 * grade-with: fast
 *
 * Only "items" gets a close token. A ring_push already asleep on a full ring
 * when the close comes sleeps until a consumer frees a slot, which may never
 * happen; every other test passes, since a push that starts after the close
 * sees the flag before it waits.
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
#include <unistd.h>

#define RING_MAGIC UINT64_C(0x474e495243504931) /* "1IPCRING" little-endian */
#define RING_VERSION 2
#define RING_NAME_MAX 251

/*
 * The shared layout: fixed-width fields, no pointers (slot i lives at
 * data_offset + i * stride from the start of the object). Each slot holds a
 * uint64_t length followed by the message. magic is stored last, so a ring
 * that is still being made never looks complete. write_lock (used by the
 * producer alone but for a close), head (written by the producer, read by
 * the consumers), tail and read_lock (the consumers'), and each counting
 * semaphore sit on cache lines of their own: an update of one field then
 * never takes the line away from a process that is only using another
 * (false sharing).
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
    _Atomic uint32_t closed; /* set once, under write_lock */
    alignas(64) sem_t write_lock;      /* orders a push's publication and close */
    alignas(64) _Atomic uint64_t head; /* messages pushed (under write_lock) */
    alignas(64) uint64_t tail;         /* messages popped (under read_lock) */
    sem_t read_lock;                   /* serialises the consumers' claims */
    alignas(64) sem_t free_slots;      /* empty slots, plus one after close */
    alignas(64) sem_t items;           /* full slots, plus one after close */
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
        sem_init(&sh->items, 1, 0) == -1 || sem_init(&sh->read_lock, 1, 1) == -1 ||
        sem_init(&sh->write_lock, 1, 1) == -1)
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

/*
 * How many times a blocking call tries a semaphore before it sleeps on it.
 * With the other side running on another CPU, a slot or an item usually
 * turns up within a few microseconds, and not going to sleep spares both
 * processes a futex wait and wake-up (glibc's adaptive mutexes spin briefly
 * for the same reason). Bounded: a ring that stays empty or full costs a few
 * microseconds of CPU, then the caller sleeps in sem_wait until it is posted.
 */
#define SPIN_TRIES 200

/* Takes one unit of s: waits for it (retrying EINTR), or, when wait is false,
 * fails with EAGAIN if there is none. Returns 0 or -1 with errno. */
static int sem_take(sem_t *s, bool wait)
{
    if (!wait)
        return sem_trywait(s);
    for (int i = 0; i < SPIN_TRIES; i++)
        if (sem_trywait(s) == 0)
            return 0;
    while (sem_wait(s) == -1)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* Gives back a unit taken by sem_take on an error path, keeping errno. */
static void sem_give_back(sem_t *s)
{
    int saved = errno;

    sem_post(s);
    errno = saved;
}

static bool ring_closed(const struct ring *r)
{
    return atomic_load_explicit(&r->sh->closed, memory_order_acquire) != 0;
}

/*
 * A push takes a free slot (it may wait here), then write_lock, and fills and
 * publishes the slot under it. ring_close sets the flag and posts its tokens
 * under the same lock, so a message is either published before the close
 * token (and delivered before any pop returns 0) or refused with EPIPE.
 */
static int ring_put(struct ring *r, const void *msg, size_t len, bool wait)
{
    struct ring_shared *sh;
    unsigned char *slot;
    uint64_t head, n = len;
    int rc;

    if (r == NULL || msg == NULL || len == 0) {
        errno = EINVAL;
        return -1;
    }
    if (len > r->slot_size) {
        errno = EMSGSIZE;
        return -1;
    }
    if (ring_closed(r)) {
        errno = EPIPE; /* without using a slot; checked again below */
        return -1;
    }
    sh = r->sh;
    if (sem_take(&sh->free_slots, wait) == -1)
        return -1;
    if (sem_take(&sh->write_lock, true) == -1)
        goto out_give_slot;
    if (ring_closed(r)) {
        /* closed while we waited: what woke us may be the close token */
        errno = EPIPE;
        goto out_unlock;
    }
    head = atomic_load_explicit(&sh->head, memory_order_relaxed);
    slot = r->data + (head % r->slots) * r->stride;
    memcpy(slot, &n, sizeof(n));
    memcpy(slot + sizeof(n), msg, len);
    atomic_store_explicit(&sh->head, head + 1, memory_order_release);
    rc = sem_post(&sh->items);
    sem_post(&sh->write_lock);
    return rc;

out_unlock:
    sem_give_back(&sh->write_lock);
out_give_slot:
    sem_give_back(&sh->free_slots); /* the slot, or the close token, goes on */
    return -1;
}

int ring_push(struct ring *r, const void *msg, size_t len)
{
    return ring_put(r, msg, len, true);
}

int ring_try_push(struct ring *r, const void *msg, size_t len)
{
    return ring_put(r, msg, len, false);
}

/*
 * A pop takes an item (it may wait here), then read_lock, and claims the
 * oldest message under it. After the close, "items" holds one unit more than
 * there are messages: the close token, which each consumer that finds the
 * ring drained posts again for the next one.
 */
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
    if (sem_take(&sh->items, wait) == -1) {
        /* After the close, no unit left means that each remaining message
         * and the close token are held by consumers inside ring_get, each
         * taking at most one message: none is left for this caller. (The
         * token is missing only while a consumer passes it on; EAGAIN then
         * would say "not closed".) */
        if (errno == EAGAIN && ring_closed(r))
            return 0;
        return -1;
    }
    if (sem_take(&sh->read_lock, true) == -1)
        goto out_give_item;
    if (sh->tail == atomic_load_explicit(&sh->head, memory_order_acquire)) {
        /* closed and drained: what we took is the close token; pass it on */
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

out_give_item:
    sem_give_back(&sh->items);
    return -1;
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
    struct ring_shared *sh;

    if (r == NULL) {
        errno = EINVAL;
        return -1;
    }
    sh = r->sh;
    /* waits only for a push that is copying its message, never for room */
    if (sem_take(&sh->write_lock, true) == -1)
        return -1;
    /* one token per semaphore, passed from waiter to waiter; only the first
     * close posts them */
    if (atomic_exchange_explicit(&sh->closed, 1, memory_order_acq_rel) == 0) {
        sem_post(&sh->items); /* BUG: a producer waiting for room sleeps on */
    }
    sem_post(&sh->write_lock);
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
