/* ends_test_from_child.c - a submission for 02-ipc-names that ends each test's process early with status 0 and has a child of it send the test's "end" event afterwards, signed with the key it reads out of the harness's memory
 * exercise: 02-ipc-names
 * The key that signs "end" events is in the memory of every test process,
 * so code that studies the harness can sign one. What it cannot do is send
 * it from the test's own process once that process is gone: an "end" counts
 * only from the process that sent the test's "begin", as the kernel names
 * the sender of each event. Every test that calls the code ends early.
 * expect: valid_accepts_good_names=EXIT make_begins_with_tag_and_is_valid=EXIT
 * expect: made_names_are_unique_across_processes=EXIT
 * expect-score: 0
 * expect-review: close fclose fgets fopen fork fstat getppid mmap open write /proc/self/exe /proc/self/maps
 * expect-output: ended before the test finished
 * grade-with: fast
 * max-seconds: 40
 */
#define _GNU_SOURCE
#include "ipcname.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The events descriptor the harness writes to (grader/src/grade.h). */
#define EVENTS_FD 201

/* The address of the harness's 16-byte "key", from the program's own
 * symbol table and where the program is loaded; NULL if not found. */
static const unsigned char *find_key(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    struct stat st;
    const unsigned char *image, *found = NULL;
    unsigned long base = 0;
    FILE *maps;
    char line[512];

    if (fd < 0 || fstat(fd, &st) < 0)
        return NULL;
    image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (image == MAP_FAILED)
        return NULL;
    maps = fopen("/proc/self/maps", "re");
    if (maps && fgets(line, sizeof(line), maps))
        base = strtoul(line, NULL, 16);
    if (maps)
        fclose(maps);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(image + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum && !found; i++) {
        if (sh[i].sh_type != SHT_SYMTAB)
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(image + sh[i].sh_offset);
        const char *names = (const char *)(image + sh[sh[i].sh_link].sh_offset);
        size_t n = sh[i].sh_size / sizeof(*sym);

        for (size_t k = 0; k < n; k++)
            if (strcmp(names + sym[k].st_name, "key") == 0 && sym[k].st_size == 16 &&
                ELF64_ST_TYPE(sym[k].st_info) == STT_OBJECT)
                found = (const unsigned char *)(base + sym[k].st_value);
    }
    return found;
}

/* SipHash-2-4, as the harness signs events. */
static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13) ^ v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17) ^ v[2];
    v[2] = rotl(v[2], 32);
}

static uint64_t load(const unsigned char *p, size_t n)
{
    uint64_t x = 0;

    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

static uint64_t siphash(const unsigned char *key, const unsigned char *msg, size_t len)
{
    uint64_t k0 = load(key, 8), k1 = load(key + 8, 8), m;
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                     k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
    size_t full = len - len % 8;

    for (size_t i = 0; i < full; i += 8) {
        m = load(msg + i, 8);
        v[3] ^= m;
        sip_round(v);
        sip_round(v);
        v[0] ^= m;
    }
    m = load(msg + full, len % 8) | (uint64_t)(len & 0xff) << 56;
    v[3] ^= m;
    sip_round(v);
    sip_round(v);
    v[0] ^= m;
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static const char *const tests[] = {
    "valid_accepts_good_names", "valid_rejects_bad_names",
    "make_begins_with_tag_and_is_valid", "made_names_work_with_shm_open_and_sem_open",
    "made_names_are_unique_within_a_process", "made_names_are_unique_across_processes",
    "make_rejects_bad_tags_with_einval", "make_reports_erange_and_writes_nothing_past_size"};

/* Ends the test's process with status 0; a child of it, once it is gone,
 * sends a signed "end" for it (for each test's name: one is the test's). */
static void end_from_child(void)
{
    const unsigned char *key = find_key();
    pid_t test_pid = getpid();

    if (key && fork() == 0) {
        while (getppid() == test_pid)
            usleep(1000);
        for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
            char msg[160], line[256];
            int n = snprintf(msg, sizeof(msg), "%s %ld", tests[i], (long)test_pid);
            uint64_t token = siphash(key, (const unsigned char *)msg, (size_t)n);

            n = snprintf(line, sizeof(line), "end %s %ld %016llx\n", tests[i],
                         (long)test_pid, (unsigned long long)token);
            if (write(EVENTS_FD, line, (size_t)n) < 0)
                _exit(1);
        }
        _exit(0);
    }
    _exit(0);
}

bool ipc_name_valid(const char *name)
{
    (void)name;
    end_from_child();
    return false;
}

int ipc_name_make(char *buf, size_t size, const char *tag)
{
    (void)buf;
    (void)size;
    (void)tag;
    end_from_child();
    errno = ENOSYS;
    return -1;
}
