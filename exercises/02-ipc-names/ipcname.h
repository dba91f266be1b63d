/* ipcname.h - names for POSIX shared memory objects and semaphores (contract) */
#ifndef IPCNAME_H
#define IPCNAME_H

#include <stdbool.h>
#include <stddef.h>

/* Longest name after the leading slash that both shm_open and sem_open accept. */
#define IPC_NAME_MAX 251

/*
 * true when name is non-NULL, begins with '/', has 1 to IPC_NAME_MAX
 * characters after it, holds no other '/', and the part after the slash is
 * neither "." nor "..". Such a name works with shm_open and sem_open alike.
 */
bool ipc_name_valid(const char *name);

/*
 * Writes into buf (size bytes, NUL included) a valid name that begins with
 * "/<tag>-" and that no other call, in this process or any other process
 * alive on the machine, has made or will make while this process lives.
 * Returns 0.
 * Errors (-1): EINVAL when tag is NULL, empty or holds '/', or when the name
 * would be longer than IPC_NAME_MAX after the slash; ERANGE when it does not
 * fit in size bytes (nothing is written beyond buf[size - 1]). EINVAL comes
 * first: a name too long to be valid is not fixed by a larger buffer.
 */
int ipc_name_make(char *buf, size_t size, const char *tag);

#endif
