/* ring_bench.c - the ring buffer against a pipe: one producer, 1 and 4 consumers */
#include "ring.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONSUMERS 4
#define MAX_RUNS 15
#define BUFFER_BYTES 65536 /* what a default pipe holds; the ring gets the same */

struct totals {
    uint64_t count;
    uint64_t sum; /* of the sequence numbers, to prove every message came */
};

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Consumer of the ring: pops until the end, reports its totals on fd. */
static int ring_consumer(struct ring *r, size_t size, int fd)
{
    unsigned char *buf = malloc(size);
    struct totals t = {0, 0};
    ssize_t n;

    if (buf == NULL)
        return 1;
    while ((n = ring_pop(r, buf, size)) > 0) {
        uint64_t seq;

        memcpy(&seq, buf, sizeof(seq));
        t.count++;
        t.sum += seq;
    }
    free(buf);
    ring_detach(r);
    return n == 0 && write_all(fd, &t, sizeof(t)) == 0 ? 0 : 1;
}

/* Consumer of the pipe: reads one whole record per read until end of file. */
static int pipe_consumer(int in, size_t size, int fd)
{
    unsigned char *buf = malloc(size);
    struct totals t = {0, 0};
    ssize_t n;

    if (buf == NULL)
        return 1;
    while ((n = read(in, buf, size)) != 0) {
        uint64_t seq;

        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)size) {
            fprintf(stderr, "ring_bench: a pipe read returned %zd of a %zu-byte "
                            "record\n", n, size);
            free(buf);
            return 1;
        }
        memcpy(&seq, buf, sizeof(seq));
        t.count++;
        t.sum += seq;
    }
    free(buf);
    return write_all(fd, &t, sizeof(t));
}

/* Waits for the consumers and checks that together they got all n messages. */
static int collect(const pid_t *pids, int consumers, int report, long n)
{
    struct totals all = {0, 0}, t;
    int ok = 1;

    for (int k = 0; k < consumers; k++) {
        int status;

        while (waitpid(pids[k], &status, 0) < 0)
            if (errno != EINTR)
                return -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            ok = 0;
    }
    while (read(report, &t, sizeof(t)) == (ssize_t)sizeof(t)) {
        all.count += t.count;
        all.sum += t.sum;
    }
    if (!ok || all.count != (uint64_t)n ||
        all.sum != (uint64_t)n * (uint64_t)(n - 1) / 2) {
        fprintf(stderr, "ring_bench: %llu of %ld messages arrived\n",
                (unsigned long long)all.count, n);
        return -1;
    }
    return 0;
}

/* One run through the ring: seconds, or -1. */
static double run_ring(long n, size_t size, int consumers)
{
    char name[64];
    unsigned char *msg = calloc(1, size);
    pid_t pids[MAX_CONSUMERS];
    struct ring *r;
    int rep[2];
    double start, secs = -1;

    snprintf(name, sizeof(name), "/ring-bench-%ld", (long)getpid());
    r = ring_create(name, BUFFER_BYTES / size, size);
    if (msg == NULL || r == NULL || pipe(rep) < 0) {
        perror("ring_bench: ring_create");
        exit(1);
    }
    for (int k = 0; k < consumers; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            close(rep[0]);
            _exit(ring_consumer(r, size, rep[1]));
        }
    }
    close(rep[1]);
    start = now();
    for (uint64_t seq = 0; seq < (uint64_t)n; seq++) {
        memcpy(msg, &seq, sizeof(seq));
        if (ring_push(r, msg, size) != 0) {
            perror("ring_bench: ring_push");
            exit(1);
        }
    }
    ring_close(r);
    if (collect(pids, consumers, rep[0], n) == 0)
        secs = now() - start;
    close(rep[0]);
    ring_detach(r);
    ring_unlink(name);
    free(msg);
    return secs;
}

/* One run through a pipe: seconds, or -1. */
static double run_pipe(long n, size_t size, int consumers)
{
    unsigned char *msg = calloc(1, size);
    pid_t pids[MAX_CONSUMERS];
    int p[2], rep[2];
    double start, secs = -1;

    if (msg == NULL || pipe(p) < 0 || pipe(rep) < 0) {
        perror("ring_bench: pipe");
        exit(1);
    }
    for (int k = 0; k < consumers; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            close(p[1]);
            close(rep[0]);
            _exit(pipe_consumer(p[0], size, rep[1]));
        }
    }
    close(p[0]);
    close(rep[1]);
    start = now();
    for (uint64_t seq = 0; seq < (uint64_t)n; seq++) {
        memcpy(msg, &seq, sizeof(seq));
        /* one write of at most PIPE_BUF bytes: atomic, so each record stays whole */
        if (write_all(p[1], msg, size) != 0) {
            perror("ring_bench: write");
            exit(1);
        }
    }
    close(p[1]);
    if (collect(pids, consumers, rep[0], n) == 0)
        secs = now() - start;
    close(rep[0]);
    free(msg);
    return secs;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double (*run)(long, size_t, int), long n, size_t size,
                     int consumers, int runs)
{
    double t[MAX_RUNS] = {0};

    for (int i = 0; i < runs; i++) {
        t[i] = run(n, size, consumers);
        if (t[i] < 0)
            exit(1);
    }
    qsort(t, (size_t)runs, sizeof(t[0]), by_value);
    return t[runs / 2];
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-n messages] [-r runs (odd, 1 to %d)]\n", prog,
            MAX_RUNS);
    exit(2);
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = {64, 4096};
    static const int consumer_counts[] = {1, 4};
    long n = 200000;
    int runs = 5, opt;

    while ((opt = getopt(argc, argv, "n:r:")) != -1) {
        if (opt == 'n')
            n = atol(optarg);
        else if (opt == 'r')
            runs = atoi(optarg);
        else
            usage(argv[0]);
    }
    if (n < 1 || runs < 1 || runs > MAX_RUNS)
        usage(argv[0]);
    printf("%ld messages, median of %d runs; ring of %d bytes of slots, pipe of "
           "%d bytes\n\n", n, runs, BUFFER_BYTES, BUFFER_BYTES);
    printf("%-6s %-9s %14s %10s %14s %10s %12s\n", "size", "consumers", "ring msg/s",
           "ring MB/s", "pipe msg/s", "pipe MB/s", "ring/pipe");
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (size_t c = 0; c < sizeof(consumer_counts) / sizeof(consumer_counts[0]);
             c++) {
            int k = consumer_counts[c];
            double tr = median(run_ring, n, sizes[s], k, runs);
            double tp = median(run_pipe, n, sizes[s], k, runs);

            printf("%-6zu %-9d %14.0f %10.1f %14.0f %10.1f %11.2fx\n", sizes[s], k,
                   (double)n / tr, (double)n * (double)sizes[s] / tr / 1e6,
                   (double)n / tp, (double)n * (double)sizes[s] / tp / 1e6, tp / tr);
            fflush(stdout);
        }
    return 0;
}
