/* batch.c - grades many student checkouts with the course's tests and writes a gradebook */
#define _GNU_SOURCE
#include "grade.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes s as one CSV field, then the separator or the end of the row. */
static void csv_field(FILE *f, const char *s, bool last)
{
    csv_write(f, s);
    fputc(last ? '\n' : ',', f);
}

/* The gradebook's name for a checkout: its folder's name. */
static void student_name(const char *dir, int index, char *name, size_t size)
{
    char real[PATH_MAX], copy[PATH_MAX];

    if (!realpath(dir, real))
        snprintf(real, sizeof(real), "%s", dir);
    snprintf(copy, sizeof(copy), "%s", real);
    snprintf(name, size, "%s", basename(copy));
    if (!name[0] || strcmp(name, "/") == 0)
        snprintf(name, size, "student%d", index + 1);
}

/* Writes the header and the row of one graded student into path. */
static void write_row(const char *path, const char *student, const struct options *o,
                      double total, double max, double bonus, double seconds)
{
    int n;
    const struct exercise *ex = graded_exercises(&n);
    FILE *f = fopen(path, "we");
    char cell[128], notes[REASON_LEN] = "";

    if (!f)
        return;
    csv_field(f, "student", false);
    for (int i = 0; i < n; i++)
        csv_field(f, ex[i].name, false);
    fputs("total,max,bonus,tampered,seconds,notes\n", f);
    csv_field(f, student, false);
    for (int i = 0; i < n; i++) {
        const struct exercise *e = &ex[i];

        if (e->state == EX_WRITTEN)
            snprintf(cell, sizeof(cell), "%s %d/%d",
                     e->answered == e->questions ? "answered" : "unanswered", e->answered,
                     e->questions);
        else
            snprintf(cell, sizeof(cell), "%g", e->earned + e->bonus_earned);
        csv_field(f, cell, false);
        if (e->state == EX_NO_BUILD)
            append(notes, sizeof(notes), "%s%s does not compile", notes[0] ? "; " : "",
                   e->name);
        else if (e->state == EX_MISSING || e->state == EX_BROKEN)
            append(notes, sizeof(notes), "%s%s: %s", notes[0] ? "; " : "", e->name, e->note);
        if (review_flagged(&e->review)) {
            char text[REVIEW_TEXT_LEN];

            review_text(&e->review, text, sizeof(text));
            append(notes, sizeof(notes), "%s%s for review: %s", notes[0] ? "; " : "",
                   e->name, text);
        }
    }
    if (o->integrity_note[0])
        append(notes, sizeof(notes), "%s%s", notes[0] ? "; " : "", o->integrity_note);
    if (o->tampered)
        append(notes, sizeof(notes), "%schanged: %s", notes[0] ? "; " : "",
               o->tampered_files);
    fprintf(f, "%g,%g,%g,%s,%.1f,", total, max, bonus,
            o->tampered ? "yes" : o->integrity_note[0] ? "unknown" : "no", seconds);
    csv_field(f, notes, true);
    fclose(f);
}

static void grade_student(const struct options *base, const char *dir, const char *name)
{
    struct options o = *base;
    char path[PATH_LEN];
    double start = now_seconds(), max = 0, bonus = 0, total;
    int fd;

    snprintf(o.student, sizeof(o.student), "%s", dir);
    snprintf(o.impl, sizeof(o.impl), "%s/exercises", dir);
    snprintf(o.json, sizeof(o.json), "%s/%s.json", base->out_dir, name);
    o.color = false;
    snprintf(path, sizeof(path), "%s/%s.txt", base->out_dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(3);
    close(fd);
    if (!is_dir(o.impl)) {
        printf("no exercises/ folder in %s\n", dir);
        fflush(stdout);
        _exit(4);
    }
    total = grade_submission(&o, &max, &bonus);
    fflush(stdout);
    snprintf(path, sizeof(path), "%s/%s.row", base->out_dir, name);
    write_row(path, name, &o, total, max, bonus, now_seconds() - start);
    exit(0); /* runs the grader's cleanup of its work directory */
}

/* The last line of a student's text into buf, when it is the grader's score
 * ("Score: X/Y"); false when it is not (grading stopped before the end).
 * The score is the last line the grader prints, after all that the table
 * shows of the submission (which may hold "Score: " lines of its own): only
 * the end of the file is read. */
static bool final_score(const char *path, char *buf, size_t size)
{
    char tail[512];
    FILE *f = fopen(path, "re");
    const char *line;
    size_t n;

    if (!f)
        return false;
    if (fseek(f, -(long)(sizeof(tail) - 1), SEEK_END) < 0)
        rewind(f);
    n = fread(tail, 1, sizeof(tail) - 1, f);
    fclose(f);
    tail[n] = '\0';
    while (n > 0 && tail[n - 1] == '\n')
        tail[--n] = '\0';
    line = strrchr(tail, '\n');
    line = line ? line + 1 : tail;
    if (strncmp(line, "Score: ", 7) != 0)
        return false;
    snprintf(buf, size, "%s", line);
    return true;
}

/* One line on the TA's terminal for a student whose grading ended. */
static bool show_progress(const char *out_dir, const char *name)
{
    char path[PATH_LEN], score[512];
    bool graded;
    int pad = 30 - (int)strlen(name);

    snprintf(path, sizeof(path), "%s/%s.txt", out_dir, name);
    graded = final_score(path, score, sizeof(score));
    fputs("  ", stdout);
    term_write(stdout, name, SIZE_MAX); /* the student's folder */
    printf("%*s ", pad > 0 ? pad : 0, "");
    term_write(stdout, graded ? score : "not graded (see its .txt)", SIZE_MAX);
    putchar('\n');
    fflush(stdout);
    return graded;
}

/* Copies the student's row file into the gradebook (its header line too,
 * the first time); false when there is none. */
static int columns; /* of the gradebook's header */

static bool collect(FILE *book, const char *out_dir, const char *name, bool *header_done)
{
    char path[PATH_LEN], line[8192];
    FILE *row;
    bool first = true;

    snprintf(path, sizeof(path), "%s/%s.row", out_dir, name);
    row = fopen(path, "re");
    if (!row)
        return false;
    while (fgets(line, sizeof(line), row)) {
        if (first && !*header_done) {
            columns = 1;
            for (const char *c = line; *c; c++)
                columns += *c == ',';
        }
        if (!first || !*header_done)
            fputs(line, book);
        first = false;
    }
    *header_done = true;
    fclose(row);
    unlink(path);
    return true;
}

int grade_batch(struct options *o, char **dirs, int ndirs)
{
    int at_once = o->jobs >= 2 ? 2 : 1, running = 0, next = 0, failed = 0;
    char (*names)[NAME_LEN] = calloc((size_t)ndirs, NAME_LEN);
    pid_t *pids = calloc((size_t)ndirs, sizeof(*pids));
    int *status = calloc((size_t)ndirs, sizeof(*status));
    bool header_done = false;
    char path[PATH_LEN];
    FILE *book;

    if (!names || !pids || !status)
        fatal("out of memory");
    if (mkdir_p(o->out_dir, 0755) < 0)
        fatal("cannot make %s: %s", o->out_dir, strerror(errno));
    o->jobs = o->jobs / at_once > 0 ? o->jobs / at_once : 1;
    for (int i = 0; i < ndirs; i++) {
        student_name(dirs[i], i, names[i], NAME_LEN);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                snprintf(names[i] + strlen(names[i]), NAME_LEN - strlen(names[i]), "-%d",
                         i + 1);
    }
    printf("Grading %d submission%s into %s/ (%d at once)\n", ndirs, ndirs == 1 ? "" : "s",
           o->out_dir, at_once);
    fflush(stdout);
    while (next < ndirs || running > 0) {
        while (running < at_once && next < ndirs) {
            pid_t pid = fork();

            if (pid < 0)
                fatal("fork: %s", strerror(errno));
            if (pid == 0)
                grade_student(o, dirs[next], names[next]);
            pids[next++] = pid;
            running++;
        }
        int st;
        pid_t pid = wait(&st);

        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < ndirs; i++) {
            if (pids[i] != pid)
                continue;
            status[i] = st;
            running--;
            if (!show_progress(o->out_dir, names[i]))
                failed++;
        }
    }
    snprintf(path, sizeof(path), "%s/gradebook.csv", o->out_dir);
    book = fopen(path, "we");
    if (!book)
        fatal("cannot write %s: %s", path, strerror(errno));
    /* graded students in the order given, then those that could not be */
    for (int i = 0; i < ndirs; i++)
        pids[i] = collect(book, o->out_dir, names[i], &header_done) ? 0 : -1;
    if (!header_done) {
        fputs("student,notes\n", book);
        columns = 2;
    }
    for (int i = 0; i < ndirs; i++) {
        char note[NAME_LEN + 64];

        if (pids[i] == 0)
            continue;
        csv_field(book, names[i], false);
        for (int c = 2; c < columns; c++)
            fputc(',', book);
        snprintf(note, sizeof(note), "not graded (status %d; see %s.txt)",
                 WIFEXITED(status[i]) ? WEXITSTATUS(status[i]) : 128 + WTERMSIG(status[i]),
                 names[i]);
        csv_field(book, note, true);
    }
    fclose(book);
    printf("Gradebook: %s/gradebook.csv (%d of %d graded)\n", o->out_dir, ndirs - failed,
           ndirs);
    free(names);
    free(pids);
    free(status);
    return failed ? 1 : 0;
}
