/* pipefork.h - a child process at the other end of a pipe (contract) */
#ifndef PIPEFORK_H
#define PIPEFORK_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Creates a pipe and forks a child that writes all len bytes of data into
 * it (continuing after partial or interrupted writes) and then leaves with
 * _exit(0). The parent keeps only the read end, stores it in *read_fd with
 * close-on-exec set, and returns the child's pid. Reading *read_fd yields
 * exactly the len bytes and then end of file. len may be 0 (end of file at
 * once). The caller reads, closes *read_fd and reaps the child with waitpid.
 * Errors (-1, nothing left open, no child left): the errno of pipe2 or fork
 * (EMFILE, ENFILE, EAGAIN, ENOMEM). The reference also gives EINVAL for a
 * NULL read_fd or a NULL data with len > 0 (not graded).
 */
pid_t spawn_writer(const void *data, size_t len, int *read_fd);

/*
 * Creates a pipe and forks a child that copies everything it reads from the
 * pipe to out_fd (a descriptor open for writing, shared with the caller)
 * until end of file, and then leaves with _exit(0). The parent keeps only
 * the write end, stores it in *write_fd with close-on-exec set, and returns
 * the child's pid. When the caller closes *write_fd, the child copies what
 * is left and finishes; the caller reaps it with waitpid.
 * Errors (-1, nothing left open, no child left): the errno of pipe2 or fork
 * (EMFILE, ENFILE, EAGAIN, ENOMEM). The reference also gives EINVAL for a
 * NULL write_fd (not graded).
 */
pid_t spawn_reader(int out_fd, int *write_fd);

#endif
