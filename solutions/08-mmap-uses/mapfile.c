/* mapfile.c - counting, copying and sharing memory through mmap (reference) */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "mapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Closes fd without disturbing errno. */
static void close_keep_errno(int fd)
{
    int saved = errno;

    close(fd);
    errno = saved;
}

/* Opens path read-only and stores its size in *size; a directory is EISDIR
 * (it could be opened, but never mapped). Returns the descriptor or -1. */
static int open_source(const char *path, size_t *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd == -1)
        return -1;
    if (fstat(fd, &st) == -1)
        goto out_close;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto out_close;
    }
    if ((uintmax_t)st.st_size > SIZE_MAX) {
        errno = EFBIG;
        goto out_close;
    }
    *size = (size_t)st.st_size;
    return fd;

out_close:
    close_keep_errno(fd);
    return -1;
}

long map_count(const char *path, int byte)
{
    const unsigned char *p;
    size_t size;
    long count = 0;
    int fd;

    if (path == NULL || byte < 0 || byte > 255) {
        errno = EINVAL;
        return -1;
    }
    fd = open_source(path, &size);
    if (fd == -1)
        return -1;
    if (size == 0) /* mmap refuses a length of 0 */
        goto out_close;
    p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        count = -1;
        goto out_close;
    }
    for (size_t i = 0; i < size; i++)
        count += p[i] == byte;
    munmap((void *)p, size);
out_close:
    close_keep_errno(fd);
    return count;
}

/* Copies size (> 0) bytes from in's mapping into out's shared mapping. */
static int copy_mapped(int in, int out, size_t size)
{
    void *from, *to;
    int rc = -1, saved;

    from = mmap(NULL, size, PROT_READ, MAP_PRIVATE, in, 0);
    if (from == MAP_FAILED)
        return -1;
    to = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0);
    if (to == MAP_FAILED)
        goto out_unmap_from;
    memcpy(to, from, size);
    munmap(to, size);
    rc = 0;
out_unmap_from:
    saved = errno;
    munmap(from, size);
    errno = saved;
    return rc;
}

/* 1 when descriptors a and b refer to the same file, 0 when they do not,
 * -1 with errno when fstat fails. */
static int same_file(int a, int b)
{
    struct stat sa, sb;

    if (fstat(a, &sa) == -1 || fstat(b, &sb) == -1)
        return -1;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int map_copy(const char *src, const char *dst)
{
    size_t size;
    int in, out, same, rc = -1;

    if (src == NULL || dst == NULL) {
        errno = EINVAL;
        return -1;
    }
    /* src first: when it cannot be opened, dst is never touched */
    in = open_source(src, &size);
    if (in == -1)
        return -1;
    /* O_RDWR: a shared writable mapping needs a descriptor open for reading
     * too. No O_TRUNC: when dst is src under another name, truncating it
     * here would empty the source before it is mapped. */
    out = open(dst, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (out == -1)
        goto out_close_in;
    same = same_file(in, out);
    if (same != 0) {
        if (same == 1)
            errno = EINVAL; /* copying a file onto itself */
        goto out_close_out;
    }
    /* ftruncate both cuts a longer dst and sizes a new one */
    if (ftruncate(out, (off_t)size) == -1)
        goto out_close_out;
    if (size == 0 || copy_mapped(in, out, size) == 0)
        rc = 0;
out_close_out:
    close_keep_errno(out);
out_close_in:
    close_keep_errno(in);
    return rc;
}

void *shared_alloc(size_t size)
{
    void *p;

    if (size == 0) {
        errno = EINVAL;
        return NULL;
    }
    /* anonymous memory starts zero-filled; MAP_SHARED survives fork as one copy */
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int shared_free(void *p, size_t size)
{
    if (p == NULL || size == 0) {
        errno = EINVAL;
        return -1;
    }
    return munmap(p, size);
}
