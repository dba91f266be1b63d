/* test_mapfile.c - tests of 08-mmap-uses: counting, copying and sharing memory with mmap */
#define _GNU_SOURCE
#include "harness.h"
#include "mapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

/* Creates the file `name` in test_dir() holding len bytes of data; returns its path. */
static const char *make_file(char *path, size_t size, const char *name, const void *data,
                             size_t len)
{
    const char *p = data;
    int fd;

    test_path(path, size, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_msg(fd >= 0, "test setup: open %s: %s", path, strerror(errno));
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        ck_assert_msg(n > 0, "test setup: write: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return path;
}

/* Creates a sparse file of size bytes, zero except 0xFF at each of the n offsets. */
static const char *make_sparse(char *path, size_t size, const char *name, off_t length,
                               const off_t *offsets, size_t n)
{
    int fd;

    test_path(path, size, name);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_msg(fd >= 0, "test setup: open %s: %s", path, strerror(errno));
    ck_assert_int_eq(ftruncate(fd, length), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(pwrite(fd, "\xff", 1, offsets[i]), 1);
    close(fd);
    return path;
}

/* Reads the whole file into a malloc'd buffer (the caller frees it); *len gets its size. */
static unsigned char *slurp(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *buf;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    ck_assert_msg(fd >= 0, "cannot open %s: %s", path, strerror(errno));
    ck_assert_int_eq(fstat(fd, &st), 0);
    buf = malloc((size_t)st.st_size + 1);
    ck_assert_ptr_nonnull(buf);
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

        ck_assert_msg(n > 0, "reading %s back: %s", path, n < 0 ? strerror(errno) : "EOF");
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return buf;
}

/* Fills buf with a reproducible pattern that uses every byte value. */
static void fill_pattern(unsigned char *buf, size_t len)
{
    uint32_t x = 12345;

    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
}

/* true when a line of /proc/self/maps mentions path. */
static bool mapped(const char *path)
{
    char line[4096];
    bool found = false;
    FILE *f = fopen("/proc/self/maps", "re");

    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f) != NULL)
        if (strstr(line, path) != NULL)
            found = true;
    fclose(f);
    return found;
}

/* The value of field ("rchar" or "wchar") in /proc/self/io. */
static long long io_counter(const char *field)
{
    char line[128];
    long long value = -1;
    size_t flen = strlen(field);
    FILE *f = fopen("/proc/self/io", "re");

    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, field, flen) == 0 && line[flen] == ':')
            value = atoll(line + flen + 1);
    fclose(f);
    ck_assert_msg(value >= 0, "no %s in /proc/self/io", field);
    return value;
}

static void assert_same_file(const char *path, const unsigned char *want, size_t want_len)
{
    size_t len;
    unsigned char *got = slurp(path, &len);

    ck_assert_msg(len == want_len, "the copy has %zu bytes, the source %zu", len, want_len);
    for (size_t i = 0; i < len; i++)
        if (got[i] != want[i]) {
            free(got);
            ck_abort_msg("the copy differs from the source at byte %zu", i);
        }
    free(got);
}

/* ---- map_count ---- */

GRADED_TEST(count_small_file, 0.25, 2)
{
    char path[512];
    const char *text = "hello, mapped world\n";

    make_file(path, sizeof(path), "small", text, strlen(text));
    ck_assert_int_eq(map_count(path, 'l'), 3);
    ck_assert_int_eq(map_count(path, 'p'), 2);
    ck_assert_int_eq(map_count(path, 'z'), 0);
}

GRADED_TEST(count_bytes_zero_and_255, 0.5, 2)
{
    unsigned char data[1000];
    char path[512];
    long zeros, ffs;

    memset(data, 'a', sizeof(data));
    for (size_t i = 0; i < 256; i++)
        data[i] = (unsigned char)i; /* one of each value */
    for (size_t i = 300; i < 310; i++)
        data[i] = 0; /* 10 more zeros */
    for (size_t i = 500; i < 520; i++)
        data[i] = 0xFF; /* 20 more 0xFF */
    make_file(path, sizeof(path), "bytes", data, sizeof(data));
    zeros = map_count(path, 0);
    ffs = map_count(path, 255);
    ck_assert_msg(zeros == 11, "byte 0 occurs 11 times, map_count said %ld", zeros);
    ck_assert_msg(ffs == 21, "byte 255 occurs 21 times, map_count said %ld: compare "
                  "as unsigned char (a plain char may be signed)", ffs);
}

GRADED_TEST(count_empty_file_is_zero, 0.5, 2)
{
    char path[512];
    long count;

    make_file(path, sizeof(path), "empty", "", 0);
    errno = 0;
    count = map_count(path, 'a');
    ck_assert_msg(count == 0, "an empty file gave %ld (%s), expected 0: mmap refuses a "
                  "length of 0, so an empty file must not be mapped",
                  count, count == -1 ? strerror(errno) : "no error");
}

GRADED_TEST(count_large_sparse_file, 0.5, 3)
{
    /* 17 MiB of zeros with 0xFF at the edges of pages and of the 16 MiB mark */
    static const off_t at[] = {0, 4095, 4096, 16 * MIB - 1, 16 * MIB, 17 * MIB - 1};
    const size_t n = sizeof(at) / sizeof(at[0]);
    char path[512];
    long count;

    make_sparse(path, sizeof(path), "large", 17 * MIB, at, n);
    errno = 0;
    count = map_count(path, 255);
    ck_assert_msg(count == (long)n, "a 17 MiB file holds %zu bytes 0xFF, map_count said "
                  "%ld (%s): map and scan the whole file", n, count,
                  count == -1 ? strerror(errno) : "no error");
}

GRADED_TEST(count_missing_file_gives_enoent, 0.5, 2)
{
    char path[512];
    long count;

    test_path(path, sizeof(path), "missing");
    errno = 0;
    count = map_count(path, 'a');
    ck_assert_msg(count == -1 && errno == ENOENT,
                  "a missing file: expected -1 with ENOENT, got %ld (errno %d, %s)", count,
                  errno, strerror(errno));
}

GRADED_TEST(count_directory_fails, 0.5, 2)
{
    long count;
    int err;

    errno = 0;
    count = map_count(test_dir(), 'a');
    err = errno;
    ck_assert_msg(count == -1 && (err == EISDIR || err == ENODEV),
                  "a directory: expected -1 with EISDIR or ENODEV, got %ld (errno %d, %s)",
                  count, err, strerror(err));
}

GRADED_TEST(count_bad_arguments_give_einval, 0.5, 2)
{
    static const int bad_bytes[] = {-1, 256};
    char path[512];
    long count;

    make_file(path, sizeof(path), "file", "abc", 3);
    errno = 0;
    count = map_count(NULL, 'a');
    ck_assert_msg(count == -1 && errno == EINVAL,
                  "a NULL path: expected -1 with EINVAL, got %ld (errno %d, %s)", count,
                  errno, strerror(errno));
    for (size_t i = 0; i < sizeof(bad_bytes) / sizeof(bad_bytes[0]); i++) {
        errno = 0;
        count = map_count(path, bad_bytes[i]);
        ck_assert_msg(count == -1 && errno == EINVAL,
                      "byte %d is not a byte value: expected -1 with EINVAL, got %ld "
                      "(errno %d, %s)", bad_bytes[i], count, errno, strerror(errno));
    }
}

GRADED_TEST(count_and_copy_leave_no_mapping, 0.25, 2)
{
    unsigned char data[3 * 4096];
    char src[512], dst[512];
    long count;
    int rc;

    memset(data, 'q', sizeof(data));
    make_file(src, sizeof(src), "kept-src", data, sizeof(data));
    test_path(dst, sizeof(dst), "kept-dst");
    count = map_count(src, 'q');
    ck_assert_msg(count == (long)sizeof(data), "map_count gave %ld, expected %zu", count,
                  sizeof(data));
    ck_assert_msg(!mapped(src), "after map_count, %s is still mapped: munmap it", src);
    rc = map_copy(src, dst);
    ck_assert_msg(rc == 0, "map_copy failed: %s", strerror(errno));
    ck_assert_msg(!mapped(src), "after map_copy, the source %s is still mapped", src);
    ck_assert_msg(!mapped(dst), "after map_copy, the destination %s is still mapped", dst);
}

/* Fails the test when more descriptors are open than the `before` there were
 * before `what`. */
static void assert_no_new_descriptor(int before, const char *what)
{
    int now = test_open_fds();

    ck_assert_msg(now == before, "%d descriptor(s) open before %s, %d after: close the "
                  "file on every path, also when the call fails", before, what, now);
}

GRADED_TEST(count_and_copy_close_their_files, 0.5, 2)
{
    char src[512], empty[512], dst[512], nowhere[512];
    int fds = test_open_fds();

    make_file(src, sizeof(src), "src", "some bytes", 10);
    make_file(empty, sizeof(empty), "empty", "", 0);
    test_path(dst, sizeof(dst), "dst");
    test_path(nowhere, sizeof(nowhere), "no-such-dir/dst");
    ck_assert_msg(map_count(src, 'e') == 2, "map_count gave a wrong count");
    assert_no_new_descriptor(fds, "map_count of a file");
    ck_assert_int_eq(map_count(empty, 'e'), 0);
    assert_no_new_descriptor(fds, "map_count of an empty file");
    ck_assert_int_eq(map_count(test_dir(), 'e'), -1);
    assert_no_new_descriptor(fds, "map_count of a directory (which fails)");
    ck_assert_msg(map_copy(src, dst) == 0, "map_copy failed: %s", strerror(errno));
    assert_no_new_descriptor(fds, "map_copy");
    ck_assert_int_eq(map_copy(src, nowhere), -1);
    assert_no_new_descriptor(fds, "map_copy into a missing directory (which fails)");
}

/* ---- map_copy ---- */

GRADED_TEST(copy_is_byte_exact, 0.75, 2)
{
    const size_t len = 3 * MIB + 123; /* not a whole number of pages */
    unsigned char *data = malloc(len);
    char src[512], dst[512];
    int rc, err;

    ck_assert_ptr_nonnull(data);
    fill_pattern(data, len);
    make_file(src, sizeof(src), "src", data, len);
    test_path(dst, sizeof(dst), "dst");
    errno = 0;
    rc = map_copy(src, dst);
    err = errno;
    if (rc == 0)
        assert_same_file(dst, data, len);
    free(data);
    ck_assert_msg(rc == 0, "map_copy failed: %s", strerror(err));
}

GRADED_TEST(copy_empty_src_gives_empty_dst, 0.5, 2)
{
    char src[512], dst[512], old[512];
    struct stat st;

    make_file(src, sizeof(src), "empty", "", 0);
    test_path(dst, sizeof(dst), "new");
    errno = 0;
    ck_assert_msg(map_copy(src, dst) == 0, "copying an empty file failed: %s (an empty "
                  "file must not be mapped)", strerror(errno));
    ck_assert_msg(stat(dst, &st) == 0, "the destination was not created");
    ck_assert_int_eq(st.st_size, 0);
    make_file(old, sizeof(old), "old", "previous contents", 17);
    ck_assert_msg(map_copy(src, old) == 0, "copying an empty file over an existing one "
                  "failed: %s", strerror(errno));
    ck_assert_int_eq(stat(old, &st), 0);
    ck_assert_msg(st.st_size == 0, "copying an empty file left the destination with %lld "
                  "bytes", (long long)st.st_size);
}

GRADED_TEST(copy_truncates_longer_dst, 0.5, 2)
{
    unsigned char small[100], big[10000];
    char src[512], dst[512];

    fill_pattern(small, sizeof(small));
    memset(big, 'x', sizeof(big));
    make_file(src, sizeof(src), "short", small, sizeof(small));
    make_file(dst, sizeof(dst), "long", big, sizeof(big));
    errno = 0;
    ck_assert_msg(map_copy(src, dst) == 0, "map_copy failed: %s", strerror(errno));
    assert_same_file(dst, small, sizeof(small));
}

GRADED_TEST(copy_creates_dst_0644_before_umask, 0.5, 2)
{
    static const struct {
        mode_t mask, want;
    } cases[] = {{022, 0644}, {077, 0600}, {0, 0644}};
    char src[512], dst[512];
    mode_t saved = umask(022);

    make_file(src, sizeof(src), "src", "mode", 4);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct stat st;
        int rc;

        test_path(dst, sizeof(dst), "dst");
        unlink(dst);
        umask(cases[i].mask);
        rc = map_copy(src, dst);
        umask(saved);
        ck_assert_msg(rc == 0, "map_copy failed: %s", strerror(errno));
        ck_assert_int_eq(stat(dst, &st), 0);
        ck_assert_msg((st.st_mode & 07777) == cases[i].want,
                      "with umask %03o the new file has mode %04o, expected %04o: "
                      "create it with mode 0644 and let the umask apply",
                      (unsigned)cases[i].mask, (unsigned)(st.st_mode & 07777),
                      (unsigned)cases[i].want);
    }
}

GRADED_TEST(copy_missing_src_creates_no_dst, 0.5, 2)
{
    char src[512], dst[512], kept[512];
    size_t len;
    unsigned char *after;
    struct stat st;
    int rc, err;

    test_path(src, sizeof(src), "missing");
    test_path(dst, sizeof(dst), "never");
    errno = 0;
    rc = map_copy(src, dst);
    err = errno;
    ck_assert_msg(rc == -1 && err == ENOENT, "a missing source: expected -1 with ENOENT, "
                  "got %d (errno %d, %s)", rc, err, strerror(err));
    ck_assert_msg(stat(dst, &st) == -1, "the source is missing, yet the destination was "
                  "created: open the source first");
    make_file(kept, sizeof(kept), "kept", "keep me", 7);
    ck_assert_int_eq(map_copy(src, kept), -1);
    after = slurp(kept, &len);
    rc = len == 7 && memcmp(after, "keep me", 7) == 0;
    free(after);
    ck_assert_msg(rc, "the source is missing, yet the existing destination was changed "
                  "(%zu bytes now)", len);
}

GRADED_TEST(copy_null_path_gives_einval, 0.25, 2)
{
    char src[512], dst[512];
    struct stat st;
    int rc;

    make_file(src, sizeof(src), "src", "abc", 3);
    test_path(dst, sizeof(dst), "dst");
    errno = 0;
    rc = map_copy(NULL, dst);
    ck_assert_msg(rc == -1 && errno == EINVAL,
                  "map_copy(NULL, dst): expected -1 with EINVAL, got %d (errno %d, %s)",
                  rc, errno, strerror(errno));
    ck_assert_msg(stat(dst, &st) == -1, "map_copy(NULL, dst) created the destination");
    errno = 0;
    rc = map_copy(src, NULL);
    ck_assert_msg(rc == -1 && errno == EINVAL,
                  "map_copy(src, NULL): expected -1 with EINVAL, got %d (errno %d, %s)",
                  rc, errno, strerror(errno));
}

/* A copy done with read()/write() moves the data through the process's rchar and
 * wchar counters; a copy between mappings moves none of it. */
GRADED_TEST(copy_uses_mappings_not_read_write, 0.5, 2)
{
    static const off_t at[] = {0, 2 * MIB, 4 * MIB - 1};
    char src[512], dst[512];
    long long rchar, wchar;
    int rc;

    make_sparse(src, sizeof(src), "src", 4 * MIB, at, sizeof(at) / sizeof(at[0]));
    test_path(dst, sizeof(dst), "dst");
    rchar = io_counter("rchar");
    wchar = io_counter("wchar");
    rc = map_copy(src, dst);
    rchar = io_counter("rchar") - rchar;
    wchar = io_counter("wchar") - wchar;
    ck_assert_msg(rc == 0, "map_copy failed: %s", strerror(errno));
    ck_assert_msg(map_count(dst, 255) == 3, "the 4 MiB copy is wrong");
    ck_assert_msg(wchar < MIB && rchar < MIB,
                  "copying 4 MiB made the process read %lld and write %lld bytes with "
                  "system calls: copy between two mappings (memcpy), not with read/write",
                  rchar, wchar);
}

/* ---- shared_alloc / shared_free ---- */

GRADED_TEST(shared_alloc_is_zero_filled, 0.5, 2)
{
    const size_t size = MIB + 1;
    unsigned char *p = shared_alloc(size);

    ck_assert_msg(p != NULL, "shared_alloc(%zu) failed: %s", size, strerror(errno));
    for (size_t i = 0; i < size; i++)
        if (p[i] != 0)
            ck_abort_msg("byte %zu of new memory is %d, not 0", i, p[i]);
    p[size - 1] = 1; /* and writable to the last byte */
    ck_assert_int_eq(shared_free(p, size), 0);
}

GRADED_TEST(shared_alloc_seen_by_child, 0.75, 2)
{
    const size_t size = 3 * 4096;
    unsigned char *p = shared_alloc(size);
    pid_t pid;
    int status;

    ck_assert_msg(p != NULL, "shared_alloc failed: %s", strerror(errno));
    p[0] = 7; /* written before the fork: the child sees it */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int seen = p[0];

        memset(p, 0x5A, size);
        _exit(seen == 7 ? 0 : 1);
    }
    ck_assert_int_eq(test_wait_child(pid, 2, &status), 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the child did not see what the parent wrote before fork");
    for (size_t i = 0; i < size; i++)
        if (p[i] != 0x5A)
            ck_abort_msg("byte %zu written by the child is %d in the parent: the memory "
                         "must be MAP_SHARED, not MAP_PRIVATE", i, p[i]);
    ck_assert_int_eq(shared_free(p, size), 0);
}

GRADED_TEST(shared_alloc_zero_size_gives_einval, 0.5, 2)
{
    void *p;

    errno = 0;
    p = shared_alloc(0);
    ck_assert_msg(p == NULL && errno == EINVAL,
                  "shared_alloc(0): expected NULL with EINVAL, got %p (errno %d, %s)", p,
                  errno, strerror(errno));
}

GRADED_TEST(shared_free_unmaps, 0.5, 2)
{
    const size_t size = 3 * 4096;
    unsigned char vec[3];
    void *p = shared_alloc(size);
    int rc, err;

    ck_assert_msg(p != NULL, "shared_alloc failed: %s", strerror(errno));
    ck_assert_msg(mincore(p, size, vec) == 0, "the allocation is not mapped: %s",
                  strerror(errno));
    errno = 0;
    ck_assert_msg(shared_free(p, size) == 0, "shared_free failed: %s", strerror(errno));
    /* mincore fails with ENOMEM on a range that is not mapped */
    rc = mincore(p, size, vec);
    err = errno;
    ck_assert_msg(rc == -1 && err == ENOMEM,
                  "after shared_free the memory is still mapped: munmap it");
}

GRADED_TEST(shared_free_rejects_bad_arguments_with_einval, 0.25, 2)
{
    const size_t size = 4096;
    void *p = shared_alloc(size);
    int rc, err;

    ck_assert_msg(p != NULL, "shared_alloc failed: %s", strerror(errno));
    errno = 0;
    rc = shared_free(NULL, size);
    err = errno;
    ck_assert_msg(rc == -1 && err == EINVAL,
                  "shared_free(NULL, %zu): expected -1 with EINVAL, got %d (errno %d, "
                  "%s); munmap alone accepts it",
                  size, rc, err, strerror(err));
    errno = 0;
    rc = shared_free(p, 0);
    err = errno;
    ck_assert_msg(rc == -1 && err == EINVAL,
                  "shared_free(p, 0): expected -1 with EINVAL, got %d (errno %d, %s)", rc,
                  err, strerror(err));
    errno = 0;
    rc = shared_free((char *)p + 1, size - 1); /* not page-aligned: munmap refuses */
    err = errno;
    ck_assert_msg(rc == -1 && err == EINVAL,
                  "shared_free(p + 1, %zu): expected -1 with munmap's EINVAL, got %d "
                  "(errno %d, %s)",
                  size - 1, rc, err, strerror(err));
    ck_assert_int_eq(shared_free(p, size), 0);
}
