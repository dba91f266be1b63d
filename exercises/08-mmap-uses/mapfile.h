/* mapfile.h - files and memory through mmap: count, copy, share (contract) */
#ifndef MAPFILE_H
#define MAPFILE_H

#include <stddef.h>

/*
 * Counts the bytes equal to `byte` (0 to 255) in the regular file at path,
 * reading it through a read-only mapping (no read() of the data). An empty
 * file gives 0 (an empty file cannot be mapped: do not try).
 * Returns the count, or -1 with errno:
 *   EINVAL  path is NULL or byte is outside 0..255;
 *   ENOENT, EACCES, ...  from open;
 *   EISDIR or ENODEV  path is a directory;
 *   others from fstat or mmap.
 * Nothing is left behind: the mapping and the descriptor are released.
 */
long map_count(const char *path, int byte);

/*
 * Copies the file src to dst through mappings, without read() or write() of
 * the data: src is mapped read-only; dst is created with mode 0644 (the
 * process's umask applies) or, when it exists, truncated, then sized with
 * ftruncate to src's size, mapped shared and writable, filled with memcpy and
 * unmapped. An empty src gives an empty dst (nothing is mapped).
 * Returns 0, or -1 with errno (EINVAL for a NULL path, or the errno of the
 * call that failed). When src cannot be opened, dst is neither created nor
 * changed. Nothing is left behind: mappings and descriptors are released.
 */
int map_copy(const char *src, const char *dst);

/*
 * Returns `size` bytes of zero-filled anonymous memory that stays shared with
 * every child forked afterwards: a child's writes are seen by the parent and
 * the other way round. NULL with errno: EINVAL for size 0, or mmap's errno
 * (ENOMEM). The caller releases it with shared_free.
 */
void *shared_alloc(size_t size);

/*
 * Releases memory from shared_alloc; size is the size it was allocated with.
 * Returns 0, or -1 with errno (EINVAL for a NULL p, a size of 0, or an address
 * munmap rejects). Children still using the memory keep their own mapping.
 */
int shared_free(void *p, size_t size);

#endif
