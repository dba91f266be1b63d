/* cgroup.c - the sandbox's control group layer: a run's processes, CPU share and memory, counted by the kernel */
#define _GNU_SOURCE
#include "grade.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * As root, each run gets control groups of its own, where the machine has
 * them (GRADER_NO_CGROUP turns them off):
 *   pids    at most SANDBOX_NPROC processes at once: a fork bomb stops there,
 *           whatever user its processes run as;
 *   cpu     the run is one scheduling entity, however many sessions its
 *           processes make (each setsid() makes an autogroup that would
 *           otherwise compete as an equal with the grader);
 *   memory  what the run's processes hold, shared memory and the files of
 *           its private /tmp and /dev/shm (tmpfs) included, as the kernel
 *           charges it; a hard limit a little above the budget, which the
 *           watchdog (run.c) enforces first with a clear verdict.
 * Both cgroup versions: v2 (one hierarchy, where our parent delegates the
 * controllers) and v1 (a hierarchy per controller). As a normal user there
 * are none; run.c then counts processes and memory itself.
 */

static char pids_base[128], cpu_base[128], memory_base[128];
static bool v2_memory; /* memory_base is cgroup v2's */

/* true when base/grade-PID-probe can be made and holds file. */
static bool can_make(const char *base, const char *file)
{
    char path[PATH_LEN], probe[PATH_LEN + 32];
    bool ok;

    snprintf(path, sizeof(path), "%s/grade-%ld-probe", base, (long)getpid());
    snprintf(probe, sizeof(probe), "%s/%s", path, file);
    if (mkdir(path, 0755) < 0)
        return false;
    ok = is_file(probe);
    rmdir(path);
    return ok;
}

/* true when cgroup v2's root delegates controller to its children. */
static bool v2_delegates(const char *controller)
{
    char *text = read_text("/sys/fs/cgroup/cgroup.subtree_control", 4096, NULL);
    bool found = false;

    for (char *w = text ? strtok(text, " \n") : NULL; w && !found; w = strtok(NULL, " \n"))
        found = strcmp(w, controller) == 0;
    free(text);
    return found;
}

static void pick(char *base, size_t size, const char *v2_controller, const char *v2_file,
                 const char *v1_base, const char *v1_file)
{
    base[0] = '\0';
    if (v2_delegates(v2_controller) && can_make("/sys/fs/cgroup", v2_file))
        snprintf(base, size, "/sys/fs/cgroup");
    else if (can_make(v1_base, v1_file))
        snprintf(base, size, "%s", v1_base);
}

void cgroups_init(void)
{
    if (geteuid() != 0 || getenv("GRADER_NO_CGROUP"))
        return;
    pick(pids_base, sizeof(pids_base), "pids", "pids.max", "/sys/fs/cgroup/pids", "pids.max");
    pick(memory_base, sizeof(memory_base), "memory", "memory.max", "/sys/fs/cgroup/memory",
         "memory.limit_in_bytes");
    v2_memory = strcmp(memory_base, "/sys/fs/cgroup") == 0;
    /* v2's cgroup above is a scheduling entity of its own already */
    if (strcmp(pids_base, "/sys/fs/cgroup") != 0 && !v2_memory &&
        can_make("/sys/fs/cgroup/cpu", "cpu.shares"))
        snprintf(cpu_base, sizeof(cpu_base), "/sys/fs/cgroup/cpu");
}

bool cgroups_count_memory(void)
{
    return memory_base[0] != '\0';
}

/* Makes base/grade-PID-N into path (empty when there is no base). */
static int make_one(const char *base, char *path, size_t size)
{
    static int serial;

    path[0] = '\0';
    if (!base[0])
        return 0;
    /* v2: one cgroup serves every controller */
    snprintf(path, size, "%s/grade-%ld-%d", base, (long)getpid(), serial++);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        path[0] = '\0';
        return -1;
    }
    return 0;
}

static int set_value(const char *dir, const char *file, long value)
{
    char path[PATH_LEN + 32], text[32];

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    snprintf(text, sizeof(text), "%ld\n", value);
    return write_text(path, text);
}

int cgroups_make(struct run_cgroups *c, int pids_max, long memory_limit)
{
    memset(c, 0, sizeof(*c));
    if (make_one(pids_base, c->pids, sizeof(c->pids)) < 0 ||
        (c->pids[0] && set_value(c->pids, "pids.max", pids_max) < 0))
        goto fail;
    if (strcmp(memory_base, pids_base) == 0 && c->pids[0])
        snprintf(c->memory, sizeof(c->memory), "%s", c->pids); /* v2: the same one */
    else if (make_one(memory_base, c->memory, sizeof(c->memory)) < 0)
        goto fail;
    if (c->memory[0] &&
        set_value(c->memory, v2_memory ? "memory.max" : "memory.limit_in_bytes",
                  memory_limit) < 0)
        goto fail;
    if (make_one(cpu_base, c->cpu, sizeof(c->cpu)) < 0)
        goto fail;
    return 0;
fail:
    cgroups_remove(c);
    return -1;
}

static void join_one(const char *dir)
{
    char path[PATH_LEN + 16];

    if (!dir[0])
        return;
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    write_text(path, "0\n");
}

void cgroups_join(const struct run_cgroups *c)
{
    join_one(c->pids);
    if (strcmp(c->memory, c->pids) != 0)
        join_one(c->memory);
    join_one(c->cpu);
}

/* The value of key in a memory.stat text ("key value" lines), or 0. */
static long stat_value(const char *text, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, key, n) == 0 && p[n] == ' ')
            return strtol(p + n + 1, NULL, 10);
    return 0;
}

long cgroups_memory(const struct run_cgroups *c)
{
    char path[PATH_LEN + 32], *text;
    long bytes;

    if (!c->memory[0])
        return -1;
    snprintf(path, sizeof(path), "%s/memory.stat", c->memory);
    text = read_text(path, 1 << 16, NULL);
    if (!text)
        return -1;
    /* what the run holds: anonymous memory and shared memory (tmpfs, shm,
     * memfd), not the cache of files it read, which the kernel can drop */
    bytes = v2_memory ? stat_value(text, "anon") + stat_value(text, "shmem")
                      : stat_value(text, "rss") + stat_value(text, "shmem");
    free(text);
    return bytes;
}

bool cgroups_oom_killed(const struct run_cgroups *c)
{
    char path[PATH_LEN + 32], *text, *p;
    bool killed = false;

    if (!c->memory[0])
        return false;
    snprintf(path, sizeof(path), "%s/%s", c->memory,
             v2_memory ? "memory.events" : "memory.oom_control");
    text = read_text(path, 4096, NULL);
    if (text && (p = strstr(text, "oom_kill ")) != NULL)
        killed = strtol(p + 9, NULL, 10) > 0;
    free(text);
    return killed;
}

static void remove_one(const char *dir)
{
    for (int i = 0; dir[0] && i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
        usleep(2000);
}

void cgroups_remove(struct run_cgroups *c)
{
    remove_one(c->pids);
    if (strcmp(c->memory, c->pids) != 0)
        remove_one(c->memory);
    remove_one(c->cpu);
    memset(c, 0, sizeof(*c));
}
