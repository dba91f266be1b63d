/*
 * intake.c - takes a submission's files into the work area, as data
 *
 * A submission is data: its file names, links and special files must never
 * act, whoever runs the grader. So the grader reads a submission here and
 * nowhere else: each exercise folder's sources (*.c), headers (*.h) and
 * ANSWERS.md are copied into the work area, and everything after (the build,
 * the answers check, Valgrind's frames) reads only that copy.
 *
 * Taken: a regular file of at most INTAKE_MAX_BYTES whose name is plain
 * (letters, digits, _ - and ., not starting with -, which make, a shell or a
 * compiler could read as an option), opened without following a link and
 * without waiting (a FIFO or a device never stalls the grader). Hidden names
 * (a leading .: editors' lock and swap files) are not looked at. Folders are
 * opened the same way: only the folder the grader was given (--impl DIR, a
 * --batch checkout) may be reached through a link.
 *
 * Refused, and named in the exercise's note: a name that is not plain; a
 * link, dangling or not; a folder, FIFO, socket or device where a file is
 * expected; a file too large; an exercise folder that is a link. An exercise
 * with a refused entry is not graded (0 points): a TA looks at it.
 */
#define _GNU_SOURCE
#include "grade.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The largest file taken from a submission. */
#define INTAKE_MAX_BYTES ((off_t)1 << 20)
/* The most files taken from one exercise folder. */
#define INTAKE_MAX_FILES 64

/* true when name is plain: letters, digits, _ - and ., not starting with - or . */
static bool plain_name(const char *name)
{
    if (!name[0] || name[0] == '-' || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
            return false;
    return true;
}

/* true for the names the grader takes from an exercise folder. */
static bool wanted(const char *name)
{
    return name[0] != '.' && (has_suffix(name, ".c") || has_suffix(name, ".h") ||
                              strcmp(name, "ANSWERS.md") == 0);
}

/* What a file that is not a regular one is, for a note. */
static const char *kind_of(mode_t mode)
{
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "not a regular file";
}

/* Adds "FOLDER/NAME WHY: not graded" to the note, the name shown safely. */
static void refuse(char *note, size_t size, const char *folder, const char *name,
                   const char *why)
{
    struct strbuf shown = STRBUF_INIT;

    if (strbuf_add_shown(&shown, folder) == 0 &&
        (!name || (strbuf_addf(&shown, "/") == 0 && strbuf_add_shown(&shown, name) == 0)))
        append(note, size, "%s%s %s: not graded", note[0] ? "; " : "", strbuf_str(&shown),
               why);
    else
        append(note, size, "%sa file %s: not graded", note[0] ? "; " : "", why);
    strbuf_release(&shown);
}

/*
 * The submission's part of o->impl: in --batch the checkout is the folder the
 * TA gave and exercises/ in it is the student's; with --github the checkout
 * is the course root and the exercises folder in it the student's. Otherwise
 * --impl DIR itself is what the user gave. Sets *given to that folder and
 * *below to the rest (the folders not to be followed, "" when none).
 */
static void split_impl(const struct options *o, const char **given, const char **below)
{
    size_t n = strlen(o->student);

    *given = o->impl;
    *below = "";
    if (n && strncmp(o->impl, o->student, n) == 0 && o->impl[n] == '/') {
        *given = o->student;
        *below = o->impl + n + 1;
    } else if (o->github && o->impl[0] != '/') {
        *given = o->root;
        *below = o->impl;
    }
}

/*
 * Opens, under dir, the folder part (one name), not following a link.
 * Returns its descriptor; -1 with errno ENOENT when there is none, EPERM when
 * it is there but refused (a link or not a folder: said in the note), or
 * another errno.
 */
static int open_folder(int dir, const char *part, const char *shown, char *note,
                       size_t size)
{
    struct stat st;
    int fd = openat(dir, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd >= 0 || (errno != ELOOP && errno != ENOTDIR))
        return fd;
    if (fstatat(dir, part, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    if (S_ISLNK(st.st_mode))
        refuse(note, size, shown, NULL, "is a symbolic link");
    else
        refuse(note, size, shown, NULL, "is not a folder");
    errno = EPERM;
    return -1;
}

/*
 * Opens the submission's folder of exercise name, following no link below
 * the folder the user gave; *shown gets its name as the notes give it.
 * Returns a descriptor, or -1 with errno as open_folder's.
 */
static int open_exercise(const struct options *o, const char *name, struct strbuf *shown,
                         char *note, size_t size)
{
    const char *given, *below;
    char *parts, *save = NULL;
    int dir, saved;

    split_impl(o, &given, &below);
    if (strbuf_addf(shown, "%s", below[0] ? below : given) < 0)
        return -1;
    parts = strdup(below);
    if (!parts)
        return -1;
    dir = open(given, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (char *part = strtok_r(parts, "/", &save); part && dir >= 0;
         part = strtok_r(NULL, "/", &save)) {
        int next = open_folder(dir, part, strbuf_str(shown), note, size);

        saved = errno;
        close(dir);
        errno = saved;
        dir = next;
    }
    free(parts);
    if (dir < 0)
        return -1;
    if (strbuf_addf(shown, "/%s", name) < 0) {
        saved = errno;
        close(dir);
        errno = saved;
        return -1;
    }
    {
        int fd = open_folder(dir, name, strbuf_str(shown), note, size);

        saved = errno;
        close(dir);
        errno = saved;
        return fd;
    }
}

/*
 * Copies the entry name of from into to when it may be taken. 0 when it was
 * taken; -1 with errno EPERM when it was refused (said in the note), or
 * another errno when it could not be copied.
 */
static int take_file(int from, const char *name, int to, const char *shown, char *note,
                     size_t size)
{
    struct stat st;

    if (!plain_name(name)) {
        /* what a plain name is, said once */
        refuse(note, size, shown, name,
               strstr(note, " is not a plain file name")
                   ? "is not a plain file name"
                   : "is not a plain file name (letters, digits, _ - and . only, not "
                     "starting with -)");
        errno = EPERM;
        return -1;
    }
    if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    if (!S_ISREG(st.st_mode)) {
        char why[64];

        snprintf(why, sizeof(why), "is %s", kind_of(st.st_mode));
        refuse(note, size, shown, name, why);
        errno = EPERM;
        return -1;
    }
    if (copy_file_at(from, name, to, INTAKE_MAX_BYTES) == 0)
        return 0;
    if (errno == EFBIG)
        refuse(note, size, shown, name, "is larger than 1 MiB");
    else if (errno == ELOOP || errno == EINVAL)
        refuse(note, size, shown, name, "changed while it was read");
    else
        return -1;
    errno = EPERM;
    return -1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in folder dir that the grader takes, sorted, into names (at most
 * INTAKE_MAX_FILES; the caller frees each). Their number, or -1 with errno
 * EPERM when there are more (said in the note), or readdir's.
 */
static int list_wanted(int dir, char **names, const char *shown, char *note, size_t size)
{
    int fd = dup(dir), n = 0, saved;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (!wanted(e->d_name))
            continue;
        if (n == INTAKE_MAX_FILES) {
            refuse(note, size, shown, NULL, "holds more than 64 sources, headers and answers");
            errno = EPERM;
            break;
        }
        names[n] = strdup(e->d_name);
        if (!names[n])
            break;
        n++;
        errno = 0;
    }
    saved = errno;
    closedir(d);
    if (saved) {
        while (n > 0)
            free(names[--n]);
        errno = saved;
        return -1;
    }
    qsort(names, (size_t)n, sizeof(names[0]), by_name);
    return n;
}

int intake_exercise(const struct options *o, const char *name, const char *dest,
                    struct strbuf *sources, char *note, size_t size)
{
    struct strbuf shown = STRBUF_INIT;
    char *names[INTAKE_MAX_FILES];
    int from, to, n, saved, failed = 0;

    note[0] = '\0';
    from = open_exercise(o, name, &shown, note, size);
    if (from < 0) {
        if (errno == ENOENT)
            append(note, size, "no folder %s in the submission", strbuf_str(&shown));
        goto out_note;
    }
    n = list_wanted(from, names, strbuf_str(&shown), note, size);
    to = n < 0 || mkdir_p(dest, 0755) < 0 ? -1 : open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (to < 0)
        failed = errno;
    for (int i = 0; i < n; i++) {
        if (!failed) {
            if (take_file(from, names[i], to, strbuf_str(&shown), note, size) < 0) {
                if (errno != EPERM)
                    failed = errno;
            } else if (sources && has_suffix(names[i], ".c") &&
                       strbuf_addf(sources, "%s%s", sources->len ? " " : "", names[i]) < 0) {
                failed = errno;
            }
        }
        free(names[i]);
    }
    if (to >= 0)
        close(to);
    close(from);
    if (!failed && !note[0]) {
        strbuf_release(&shown);
        return 0;
    }
    errno = failed ? failed : EPERM;
out_note:
    saved = errno;
    if (!note[0])
        append(note, size, "cannot read %s in the submission: %s", strbuf_str(&shown),
               strerror(saved));
    strbuf_release(&shown);
    errno = saved;
    return -1;
}
