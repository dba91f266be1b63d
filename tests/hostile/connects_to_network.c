/* connects_to_network.c - a correct 02-ipc-names whose ipc_name_make works only when it can reach a listener on the local machine (TCP and UDP, on 127.0.0.1)
 * exercise: 02-ipc-names
 * The code under test has no network: as root and through a user namespace
 * its run has a network namespace of its own, with nothing in it; Landlock
 * (Linux 6.7 and later) and a seccomp filter refuse Internet sockets too.
 * tests/run starts the listener (@PORT@) and checks that nothing reached it.
 * expect: valid_accepts_good_names=PASS valid_rejects_bad_names=PASS
 * expect: make_begins_with_tag_and_is_valid=FAIL made_names_are_unique_across_processes=FAIL
 * expect-score: 1.5
 * expect-review: close connect htonl htons sendto socket write
 * grade-with: fast
 * listens: yes
 * max-seconds: 40
 */
#include "ipcname.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* true when a TCP connection to the listener works; a UDP datagram is sent
 * to it too (the listener counts both) */
static bool reaches_network(void)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(@PORT@)};
    int tcp, udp;
    bool reached = false;

    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    udp = socket(AF_INET, SOCK_DGRAM, 0);
    if (udp >= 0) {
        sendto(udp, "udp\n", 4, 0, (struct sockaddr *)&to, sizeof(to));
        close(udp);
    }
    tcp = socket(AF_INET, SOCK_STREAM, 0);
    if (tcp >= 0) {
        reached = connect(tcp, (struct sockaddr *)&to, sizeof(to)) == 0 &&
                  write(tcp, "tcp\n", 4) == 4;
        close(tcp);
    }
    return reached;
}

bool ipc_name_valid(const char *name)
{
    size_t len;
    const char *rest;

    if (name == NULL || name[0] != '/')
        return false;
    rest = name + 1;
    len = strlen(rest);
    if (len < 1 || len > IPC_NAME_MAX || strchr(rest, '/'))
        return false;
    return strcmp(rest, ".") != 0 && strcmp(rest, "..") != 0;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    static unsigned long counter;
    int n;

    if (!reaches_network()) {
        errno = ENOSYS;
        return -1;
    }
    if (tag == NULL || tag[0] == '\0' || strchr(tag, '/') != NULL) {
        errno = EINVAL;
        return -1;
    }
    n = snprintf(NULL, 0, "/%s-%ld-%lu", tag, (long)getpid(), counter);
    if (n < 0)
        return -1;
    if ((size_t)n - 1 > IPC_NAME_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (buf == NULL || (size_t)n >= size) {
        errno = ERANGE;
        return -1;
    }
    snprintf(buf, size, "/%s-%ld-%lu", tag, (long)getpid(), counter++);
    return 0;
}
