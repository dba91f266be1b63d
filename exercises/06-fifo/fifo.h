/* fifo.h - one message through a named pipe between two processes (contract) */
#ifndef FIFO_H
#define FIFO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Receives one message through a new FIFO at path.
 *
 * Creates a FIFO at path with mode 0600 (the umask can only take bits away),
 * waits until a writer opens it, reads everything written until end of file
 * into a malloc'd buffer, removes the FIFO and returns the number of bytes
 * read. *data receives the buffer, which holds the bytes followed by one '\0'
 * that the returned count does not include; an empty message gives 0 and the
 * string "". The caller frees *data.
 *
 * Errors (-1, *data unchanged): EEXIST when anything already exists at path
 * (it is left exactly as it was); any errno of mkfifo, open, read or malloc.
 * Once the FIFO exists, every failure removes it before returning. No
 * descriptor stays open, on success or on failure.
 */
ssize_t fifo_receive(const char *path, char **data);

/*
 * Sends the len bytes at data through the existing FIFO at path.
 *
 * Opens the FIFO for writing (waiting until a reader opens it), writes all
 * len bytes, closes it and returns 0. The FIFO is neither created nor
 * removed; len may be 0 (the reader then sees an empty message).
 *
 * Errors (-1): ENOENT when nothing exists at path; EINVAL when path is not a
 * FIFO (a regular file there is neither written nor changed);
 * EPIPE when the reader closes the FIFO before it has read everything; any
 * other errno of open or write. The reader leaving must not kill the caller
 * with SIGPIPE: on return the caller's signal mask, its signal dispositions
 * and its pending signals are as they were before the call. No descriptor
 * stays open.
 */
int fifo_send(const char *path, const void *data, size_t len);

#endif
