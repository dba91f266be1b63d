/* ring_util.h - shared helpers of the 09-ring-buffer tests */
#ifndef RING_UTIL_H
#define RING_UTIL_H

#include "ring.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a child reports through a pipe after a ring call returns. */
struct ru_report {
    int64_t rc;   /* what the call returned */
    int32_t err;  /* errno after it */
    int32_t extra;
    unsigned char data[64];
};

/* Message seq of len bytes: seq in the first 4 bytes (when they fit), then a
 * pattern that depends on seq, len and the position. */
void ru_fill(void *buf, uint32_t seq, size_t len);
/* true when buf holds exactly message seq of len bytes. */
bool ru_check(const void *buf, uint32_t seq, size_t len);
/* The seq of a message of at least 4 bytes. */
uint32_t ru_seq(const void *buf);

/* Makes a run-unique name with tag into name and creates the ring (asserts). */
struct ring *ru_create(char *name, size_t size, const char *tag, size_t slots,
                       size_t slot_size);
/* Detaches the handle and unlinks the name (asserts). */
void ru_destroy(struct ring *r, const char *name);

/* Pushes message seq of len bytes with ring_push (asserts). */
void ru_push(struct ring *r, uint32_t seq, size_t len);
/* ring_try_pop must return message seq of len bytes (asserts). */
void ru_expect(struct ring *r, uint32_t seq, size_t len);
/* errno must be want after a call that returned -1 (asserts). */
void ru_expect_errno(long rc, int want, const char *call);

/* fork() (asserts). */
pid_t ru_fork(void);
/* Creates a pipe (asserts). */
void ru_pipe(int fds[2]);
/* true when fd becomes readable (or hits end of file) within seconds (scaled). */
bool ru_readable(int fd, double seconds);
/* Reads one report within seconds (scaled), or fails the test naming `what`. */
void ru_read_report(int fd, struct ru_report *rep, double seconds, const char *what);
/* Writes a report in a child; false when the pipe refuses it. */
bool ru_write_report(int fd, int64_t rc, int err, int extra, const void *data,
                     size_t len);
/* Waits for pid within seconds and asserts it exited with status 0. */
void ru_reap(pid_t pid, double seconds, const char *who);

#endif
