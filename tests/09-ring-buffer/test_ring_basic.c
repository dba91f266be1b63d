/* test_ring_basic.c - tests of 09-ring-buffer within one process: lifecycle, errors, order */
#define _GNU_SOURCE
#include "harness.h"
#include "ring_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* How many entries of /dev/shm contain `name` without its slash. */
static int shm_entries(const char *name)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    int n = 0;

    ck_assert_msg(d != NULL, "cannot list /dev/shm: %s", strerror(errno));
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, name + 1) != NULL)
            n++;
    closedir(d);
    return n;
}

/* A name of exactly len characters after the slash, beginning with the run's
 * prefix (so the audit sees anything left behind). */
static char *long_name(size_t len)
{
    char *s = malloc(len + 2);
    int n;

    ck_assert_ptr_nonnull(s);
    n = snprintf(s, len + 2, "/%s-long-%ld-", test_prefix(), (long)getpid());
    ck_assert(n > 0 && (size_t)n <= len);
    memset(s + n, 'x', len + 1 - (size_t)n);
    s[len + 1] = '\0';
    return s;
}

/* Makes the shared memory object name holding len bytes of data (may be 0). */
static void make_object(const char *name, const void *data, size_t len)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

    ck_assert_msg(fd >= 0, "shm_open(\"%s\") failed: %s", name, strerror(errno));
    ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
    if (len > 0)
        ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* The size of the shared memory object name. */
static size_t object_size(const char *name)
{
    struct stat st;
    int fd = shm_open(name, O_RDONLY, 0);

    ck_assert_msg(fd >= 0, "shm_open(\"%s\") failed: %s", name, strerror(errno));
    ck_assert_int_eq(fstat(fd, &st), 0);
    close(fd);
    return (size_t)st.st_size;
}

GRADED_TEST(create_reports_its_geometry, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "geom", 7, 13);

    ck_assert_msg(ring_slots(r) == 7, "ring_slots returned %zu, expected 7",
                  ring_slots(r));
    ck_assert_msg(ring_slot_size(r) == 13, "ring_slot_size returned %zu, expected 13",
                  ring_slot_size(r));
    ru_destroy(r, name);
}

GRADED_TEST(create_fails_with_eexist_and_keeps_the_ring, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "exist", 4, 16), *again, *other;

    ru_push(r, 1, 5);
    errno = 0;
    again = ring_create(name, 4, 16);
    ru_expect_errno(again == NULL ? -1 : 0, EEXIST, "ring_create of an existing ring");
    errno = 0;
    again = ring_create(name, 9, 100);
    ru_expect_errno(again == NULL ? -1 : 0, EEXIST,
                    "ring_create of an existing ring with another geometry");
    other = ring_open(name);
    ck_assert_msg(other != NULL, "the existing ring no longer opens after a failed "
                  "ring_create: %s", strerror(errno));
    ck_assert_msg(ring_slots(other) == 4 && ring_slot_size(other) == 16,
                  "a failed ring_create changed the existing ring's geometry");
    ru_expect(other, 1, 5);
    ck_assert_int_eq(ring_detach(other), 0);
    ru_destroy(r, name);
}

GRADED_TEST(create_rejects_invalid_names, 0.5, 2)
{
    static const char *bad[] = {"", "/", "ring", "/a/b", "//a", "/.", "/.."};
    char *too_long = long_name(252);
    struct ring *r;

    errno = 0;
    r = ring_create(NULL, 4, 16);
    ru_expect_errno(r == NULL ? -1 : 0, EINVAL, "ring_create(NULL, 4, 16)");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        r = ring_create(bad[i], 4, 16);
        if (r != NULL) {
            ring_detach(r);
            ring_unlink(bad[i]);
            ck_abort_msg("ring_create(\"%s\", 4, 16) succeeded: the name is invalid",
                         bad[i]);
        }
        ck_assert_msg(errno == EINVAL, "ring_create(\"%s\") set errno %d (%s), "
                      "expected EINVAL", bad[i], errno, strerror(errno));
    }
    errno = 0;
    r = ring_create(too_long, 4, 16);
    ru_expect_errno(r == NULL ? -1 : 0, EINVAL,
                    "ring_create with 252 characters after the slash");
    free(too_long);
}

GRADED_TEST(open_and_unlink_reject_invalid_names, 0.5, 2)
{
    static const char *bad[] = {"", "/", "ring", "/a/b", "//a", "/.", "/.."};
    char *too_long = long_name(252);
    struct ring *r;

    errno = 0;
    r = ring_open(NULL);
    ru_expect_errno(r == NULL ? -1 : 0, EINVAL, "ring_open(NULL)");
    errno = 0;
    ru_expect_errno(ring_unlink(NULL), EINVAL, "ring_unlink(NULL)");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char call[64];

        snprintf(call, sizeof(call), "ring_open(\"%s\")", bad[i]);
        errno = 0;
        r = ring_open(bad[i]);
        if (r != NULL) {
            ring_detach(r);
            ck_abort_msg("%s succeeded: the name is invalid", call);
        }
        ru_expect_errno(-1, EINVAL, call);
        snprintf(call, sizeof(call), "ring_unlink(\"%s\")", bad[i]);
        errno = 0;
        ru_expect_errno(ring_unlink(bad[i]), EINVAL, call);
    }
    /* shm_open itself accepts a name this long (and one without a slash):
     * the check is the ring's own, the same as in ring_create */
    errno = 0;
    r = ring_open(too_long);
    ru_expect_errno(r == NULL ? -1 : 0, EINVAL,
                    "ring_open with 252 characters after the slash");
    errno = 0;
    ru_expect_errno(ring_unlink(too_long), EINVAL,
                    "ring_unlink with 252 characters after the slash");
    free(too_long);
}

GRADED_TEST(create_accepts_the_longest_name, 0.5, 2)
{
    char *name = long_name(251);
    unsigned char buf[16];
    struct ring *r = ring_create(name, 2, 16), *other;

    ck_assert_msg(r != NULL, "ring_create with a 251-character name failed (%s): "
                  "any name you derive from it must stay valid too", strerror(errno));
    other = ring_open(name);
    ck_assert_msg(other != NULL, "ring_open with a 251-character name failed: %s",
                  strerror(errno));
    ru_push(r, 3, 16);
    ck_assert_int_eq(ring_try_pop(other, buf, sizeof(buf)), 16);
    ck_assert(ru_check(buf, 3, 16));
    ck_assert_int_eq(ring_detach(other), 0);
    ru_destroy(r, name);
    free(name);
}

GRADED_TEST(create_rejects_zero_and_overflowing_sizes, 0.5, 2)
{
    static const struct {
        size_t slots, slot_size;
    } bad[] = {
        {0, 16},
        {4, 0},
        {0, 0},
        {SIZE_MAX, 1},
        {1, SIZE_MAX},
        {1, SIZE_MAX - 3},
        {2, SIZE_MAX / 2 + 1},
        {(size_t)1 << 33, (size_t)1 << 33},
        {SIZE_MAX / 8, 16},
    };
    char name[128];

    test_ipc_name(name, sizeof(name), "size");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ring *r;

        errno = 0;
        r = ring_create(name, bad[i].slots, bad[i].slot_size);
        if (r != NULL) {
            ring_detach(r);
            ring_unlink(name);
            ck_abort_msg("ring_create(name, %zu, %zu) succeeded, expected EINVAL",
                         bad[i].slots, bad[i].slot_size);
        }
        ck_assert_msg(errno == EINVAL, "ring_create(name, %zu, %zu) set errno %d "
                      "(%s), expected EINVAL", bad[i].slots, bad[i].slot_size, errno,
                      strerror(errno));
        ck_assert_msg(shm_entries(name) == 0, "ring_create(name, %zu, %zu) failed but "
                      "left an object in /dev/shm", bad[i].slots, bad[i].slot_size);
    }
}

GRADED_TEST(open_missing_ring_fails_with_enoent, 0.5, 2)
{
    char name[128];
    struct ring *r;

    test_ipc_name(name, sizeof(name), "none");
    errno = 0;
    r = ring_open(name);
    ru_expect_errno(r == NULL ? -1 : 0, ENOENT, "ring_open of a name never created");
}

GRADED_TEST(open_rejects_objects_that_are_not_rings, 0.5, 3)
{
    char ring_name[128], name[128];
    struct ring *real = ru_create(ring_name, sizeof(ring_name), "real", 4, 32);
    size_t size = object_size(ring_name);
    unsigned char *bytes = calloc(1, size);
    int fds = test_open_fds();
    const char *what[] = {"an empty object", "an object of zeros as big as a ring",
                          "an object of random bytes as big as a ring",
                          "an object of 100 random bytes",
                          "the first half of a real ring's bytes"};

    ck_assert_ptr_nonnull(bytes);
    for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
        size_t len = i == 0 ? 0 : i == 3 ? 100 : i == 4 ? size / 2 : size;
        struct ring *r;

        memset(bytes, 0, size);
        if (i == 2 || i == 3)
            for (size_t j = 0; j < len; j++)
                bytes[j] = (unsigned char)random();
        if (i == 4) {
            int fd = shm_open(ring_name, O_RDONLY, 0);

            ck_assert_int_ge(fd, 0);
            ck_assert_int_eq(read(fd, bytes, len), (ssize_t)len);
            close(fd);
        }
        test_ipc_name(name, sizeof(name), "fake");
        make_object(name, bytes, len);
        errno = 0;
        r = ring_open(name);
        if (r != NULL) {
            ring_detach(r);
            shm_unlink(name);
            ck_abort_msg("ring_open accepted %s: check the size, magic number and "
                         "version", what[i]);
        }
        ck_assert_msg(errno == EINVAL, "ring_open of %s set errno %d (%s), expected "
                      "EINVAL", what[i], errno, strerror(errno));
        ck_assert_msg(test_open_fds() == fds, "ring_open of %s left a descriptor "
                      "open", what[i]);
        ck_assert_int_eq(shm_unlink(name), 0);
    }
    free(bytes);
    ru_destroy(real, ring_name);
}

GRADED_TEST(no_descriptor_stays_open, 0.5, 2)
{
    char name[128];
    int fds = test_open_fds();
    struct ring *r = ru_create(name, sizeof(name), "fd", 4, 16), *other, *fail;

    ck_assert_msg(test_open_fds() == fds, "ring_create left a descriptor open: close "
                  "the shared memory object once it is mapped");
    other = ring_open(name);
    ck_assert_msg(other != NULL, "ring_open failed: %s", strerror(errno));
    ck_assert_msg(test_open_fds() == fds, "ring_open left a descriptor open: close "
                  "the shared memory object once it is mapped");
    fail = ring_create(name, 4, 16);
    ck_assert_ptr_null(fail);
    ck_assert_msg(test_open_fds() == fds, "a failed ring_create left a descriptor");
    ck_assert_int_eq(ring_detach(other), 0);
    ru_destroy(r, name);
    fail = ring_open(name);
    ck_assert_ptr_null(fail);
    ck_assert_msg(test_open_fds() == fds, "a failed ring_open left a descriptor");
}

GRADED_TEST(unlink_removes_every_name_and_attached_handles_work, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "unlink", 4, 16), *again;

    ck_assert_msg(shm_entries(name) >= 1, "no entry for \"%s\" in /dev/shm after "
                  "ring_create: use shm_open", name);
    ck_assert_msg(ring_unlink(name) == 0, "ring_unlink failed: %s", strerror(errno));
    ck_assert_msg(shm_entries(name) == 0, "/dev/shm still holds an entry named after "
                  "\"%s\" after ring_unlink", name);
    errno = 0;
    again = ring_open(name);
    ru_expect_errno(again == NULL ? -1 : 0, ENOENT, "ring_open after ring_unlink");
    errno = 0;
    ru_expect_errno(ring_unlink(name), ENOENT, "a second ring_unlink");
    /* the handle stays usable */
    ru_push(r, 7, 9);
    ru_expect(r, 7, 9);
    ck_assert_int_eq(ring_detach(r), 0);
}

GRADED_TEST(unlink_missing_ring_fails_with_enoent, 0.5, 2)
{
    char name[128];

    test_ipc_name(name, sizeof(name), "nothing");
    errno = 0;
    ru_expect_errno(ring_unlink(name), ENOENT, "ring_unlink of a name never created");
}

GRADED_TEST(pop_returns_messages_in_fifo_order, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "fifo", 8, 32);

    for (uint32_t i = 0; i < 8; i++)
        ru_push(r, i, 32);
    for (uint32_t i = 0; i < 8; i++)
        ru_expect(r, i, 32);
    ru_destroy(r, name);
}

GRADED_TEST(wrap_around_keeps_order_and_contents, 1, 3)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "wrap", 3, 16);
    unsigned char msg[16], buf[16];
    uint32_t pushed = 0, popped = 0;

    for (int round = 0; round < 2000; round++) {
        int take = round % 3 + 1;

        /* fill up: exactly the free slots must be accepted */
        for (;;) {
            size_t len = 1 + pushed % 16;

            ru_fill(msg, pushed, len);
            if (ring_try_push(r, msg, len) != 0)
                break;
            pushed++;
        }
        if (errno != EAGAIN || pushed - popped != 3)
            ck_abort_msg("round %d: %u messages in a 3-slot ring when ring_try_push "
                         "stopped (%s)", round, pushed - popped, strerror(errno));
        for (int i = 0; i < take; i++) {
            size_t len = 1 + popped % 16;
            ssize_t n = ring_try_pop(r, buf, sizeof(buf));

            if (n != (ssize_t)len || !ru_check(buf, popped, len))
                ck_abort_msg("round %d: message %u came back wrong (ring_try_pop "
                             "returned %zd, expected %zu bytes): check the wrap-around",
                             round, popped, n, len);
            popped++;
        }
    }
    ru_destroy(r, name);
}

GRADED_TEST(message_lengths_and_boundaries_are_kept, 0.5, 2)
{
    static const size_t lens[] = {1, 2, 50, 99, 100, 7, 1, 100};
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "len", 8, 100);

    for (uint32_t i = 0; i < 8; i++)
        ru_push(r, i, lens[i]);
    for (uint32_t i = 0; i < 8; i++)
        ru_expect(r, i, lens[i]);
    ru_destroy(r, name);
}

GRADED_TEST(odd_slot_sizes_work, 0.5, 2)
{
    char name1[128], name13[128];
    struct ring *r1 = ru_create(name1, sizeof(name1), "one", 5, 1);
    struct ring *r13 = ru_create(name13, sizeof(name13), "thirteen", 3, 13);

    for (uint32_t i = 0; i < 40; i++) {
        ru_push(r1, i, 1);
        ru_push(r13, i, i % 2 ? 13 : 1 + i % 13);
        if (i % 3 == 2)
            for (uint32_t j = i - 2; j <= i; j++) {
                ru_expect(r1, j, 1);
                ru_expect(r13, j, j % 2 ? 13 : 1 + j % 13);
            }
    }
    ru_destroy(r1, name1);
    ru_destroy(r13, name13);
}

GRADED_TEST(one_slot_ring_works, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "single", 1, 8);
    unsigned char msg[8], buf[8];

    for (uint32_t i = 0; i < 20; i++) {
        ru_push(r, i, 8);
        ru_fill(msg, 99, 8);
        errno = 0;
        ru_expect_errno(ring_try_push(r, msg, 8), EAGAIN,
                        "ring_try_push into a full one-slot ring");
        ru_expect(r, i, 8);
        errno = 0;
        ru_expect_errno(ring_try_pop(r, buf, 8), EAGAIN,
                        "ring_try_pop from an empty one-slot ring");
    }
    ru_destroy(r, name);
}

GRADED_TEST(try_push_fails_with_eagain_when_full, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "full", 5, 16);
    unsigned char msg[16];

    for (uint32_t i = 0; i < 5; i++) {
        ru_fill(msg, i, 16);
        ck_assert_msg(ring_try_push(r, msg, 16) == 0, "ring_try_push of message %u "
                      "into a 5-slot ring failed: %s", (unsigned)i, strerror(errno));
    }
    errno = 0;
    ru_expect_errno(ring_try_push(r, msg, 16), EAGAIN, "ring_try_push into a full ring");
    for (uint32_t i = 0; i < 5; i++)
        ru_expect(r, i, 16);
    ru_fill(msg, 5, 16);
    ck_assert_msg(ring_try_push(r, msg, 16) == 0, "ring_try_push after emptying the "
                  "ring failed: %s", strerror(errno));
    ru_expect(r, 5, 16);
    ru_destroy(r, name);
}

GRADED_TEST(try_pop_fails_with_eagain_when_empty, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "empty", 4, 16);
    unsigned char buf[16];

    errno = 0;
    ru_expect_errno(ring_try_pop(r, buf, sizeof(buf)), EAGAIN,
                    "ring_try_pop from a new ring");
    ru_push(r, 1, 3);
    ru_expect(r, 1, 3);
    errno = 0;
    ru_expect_errno(ring_try_pop(r, buf, sizeof(buf)), EAGAIN,
                    "ring_try_pop after taking the only message");
    ru_destroy(r, name);
}

GRADED_TEST(push_rejects_bad_lengths_without_using_a_slot, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "badlen", 2, 8);
    unsigned char msg[16], buf[8];

    ru_fill(msg, 1, sizeof(msg));
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3; i++) {
            errno = 0;
            ru_expect_errno(ring_try_push(r, msg, 9), EMSGSIZE,
                            "ring_try_push of 9 bytes into 8-byte slots");
            errno = 0;
            ru_expect_errno(ring_try_push(r, msg, 0), EINVAL, "ring_try_push of 0 bytes");
        }
        errno = 0;
        ru_expect_errno(ring_try_pop(r, buf, sizeof(buf)), EAGAIN,
                        "ring_try_pop after rejected pushes (they must add nothing)");
        for (uint32_t i = 0; i < 2; i++) {
            ru_fill(msg, i, 8);
            ck_assert_msg(ring_try_push(r, msg, 8) == 0, "ring_try_push %u into a "
                          "2-slot ring failed after rejected pushes (%s): an error "
                          "path kept a slot", (unsigned)i, strerror(errno));
        }
        for (uint32_t i = 0; i < 2; i++)
            ru_expect(r, i, 8);
        /* the blocking call rejects them the same way, and also keeps no slot */
        for (int i = 0; i < 3; i++) {
            errno = 0;
            ru_expect_errno(ring_push(r, msg, 9), EMSGSIZE,
                            "ring_push of 9 bytes into 8-byte slots");
            errno = 0;
            ru_expect_errno(ring_push(r, msg, 0), EINVAL, "ring_push of 0 bytes");
        }
    }
    ru_destroy(r, name);
}

GRADED_TEST(pop_rejects_small_cap_and_consumes_nothing, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "cap", 2, 16);
    unsigned char buf[16];

    ru_push(r, 4, 3);
    errno = 0;
    ru_expect_errno(ring_try_pop(r, buf, 15), EINVAL,
                    "ring_try_pop with cap 15 (slot size 16)");
    errno = 0;
    ru_expect_errno(ring_try_pop(r, buf, 0), EINVAL, "ring_try_pop with cap 0");
    ru_expect(r, 4, 3);
    ru_push(r, 5, 16);
    errno = 0;
    ru_expect_errno(ring_pop(r, buf, 15), EINVAL, "ring_pop with cap 15 (slot size 16)");
    ru_expect(r, 5, 16);
    errno = 0;
    ru_expect_errno(ring_try_pop(r, buf, sizeof(buf)), EAGAIN,
                    "ring_try_pop of an empty ring after rejected pops");
    errno = 0;
    ru_expect_errno(ring_pop(r, buf, 15), EINVAL,
                    "ring_pop with cap 15 (slot size 16) on an empty ring");
    ru_destroy(r, name);
}

GRADED_TEST(close_still_delivers_pushed_messages_then_zero, 1, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "drain", 4, 16);
    unsigned char buf[16];
    ssize_t n;

    for (uint32_t i = 0; i < 3; i++)
        ru_push(r, i, 5 + i);
    ck_assert_msg(ring_close(r) == 0, "ring_close failed: %s", strerror(errno));
    ck_assert_msg(ring_close(r) == 0, "a second ring_close failed: %s",
                  strerror(errno));
    for (uint32_t i = 0; i < 3; i++) {
        n = ring_pop(r, buf, sizeof(buf));
        ck_assert_msg(n == (ssize_t)(5 + i) && ru_check(buf, i, 5 + i),
                      "ring_pop after ring_close returned %zd for message %u: "
                      "messages pushed before the close must still arrive", n,
                      (unsigned)i);
    }
    n = ring_pop(r, buf, sizeof(buf));
    ck_assert_msg(n == 0, "ring_pop of a closed, drained ring returned %zd, expected 0",
                  n);
    n = ring_try_pop(r, buf, sizeof(buf));
    ck_assert_msg(n == 0, "a second pop (ring_try_pop) of a closed, drained ring "
                  "returned %zd (%s), expected 0: every pop returns 0 after the close",
                  n, n < 0 ? strerror(errno) : "");
    n = ring_pop(r, buf, sizeof(buf));
    ck_assert_msg(n == 0, "a third pop of a closed, drained ring returned %zd", n);
    ru_destroy(r, name);
}

GRADED_TEST(push_after_close_fails_with_epipe, 0.5, 2)
{
    char name[128];
    struct ring *r = ru_create(name, sizeof(name), "epipe", 1, 16), *other;
    unsigned char msg[16];

    other = ring_open(name);
    ck_assert_msg(other != NULL, "ring_open failed: %s", strerror(errno));
    ru_push(r, 1, 4);
    /* closed through another handle: the state lives in shared memory */
    ck_assert_int_eq(ring_close(other), 0);
    ru_fill(msg, 2, 4);
    errno = 0;
    ru_expect_errno(ring_push(r, msg, 4), EPIPE, "ring_push after ring_close");
    errno = 0;
    ru_expect_errno(ring_try_push(r, msg, 4), EPIPE,
                    "ring_try_push into a full ring after ring_close");
    ru_expect(other, 1, 4);
    errno = 0;
    ru_expect_errno(ring_try_push(r, msg, 4), EPIPE,
                    "ring_try_push into an empty ring after ring_close");
    ck_assert_int_eq(ring_detach(other), 0);
    ru_destroy(r, name);
}
