/* ipcname.c - names for POSIX shared memory objects and semaphores (your code) */
#include "ipcname.h"

#include <errno.h>

bool ipc_name_valid(const char *name)
{
    (void)name;
    errno = ENOSYS; /* not implemented yet */
    return false;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    (void)buf;
    (void)size;
    (void)tag;
    errno = ENOSYS; /* not implemented yet */
    return -1;
}
