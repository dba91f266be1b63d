/* answers.c - tells which written questions of ANSWERS.md have an answer of their own */
#include "grade.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What the template holds under each question, "_(your answer)_": found in
 * any case and with any emphasis around it. */
#define PLACEHOLDER "(your answer)"
/* Fewer words than this under a question do not make an answer. */
#define MIN_WORDS 15
/* The most of the template and of the student's file that is read. */
#define MAX_READ (1 << 20)

static const char *line_end(const char *p)
{
    const char *nl = strchr(p, '\n');

    return nl ? nl : p + strlen(p);
}

static const char *next_line(const char *p)
{
    p = line_end(p);
    return *p ? p + 1 : p;
}

/* true when the line at p is a question's heading: "## " and its text. */
static bool is_question(const char *p)
{
    return strncmp(p, "## ", 3) == 0;
}

/* true when the line at p ends an answer: a heading of level 1 or 2 (an
 * answer may have headings of its own below those). */
static bool ends_answer(const char *p)
{
    return strncmp(p, "# ", 2) == 0 || is_question(p);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Narrows [*from, *to) to leave out blanks at either end. */
static void trim(const char **from, const char **to)
{
    while (*from < *to && is_space(**from))
        (*from)++;
    while (*to > *from && is_space((*to)[-1]))
        (*to)--;
}

/* true when the heading texts [a, a_end) and [b, b_end) are the same, but
 * for blanks at either end and how many blanks stand between words. */
static bool same_heading(const char *a, const char *a_end, const char *b, const char *b_end)
{
    trim(&a, &a_end);
    trim(&b, &b_end);
    while (a < a_end && b < b_end) {
        if (is_space(*a) && is_space(*b)) {
            while (a < a_end && is_space(*a))
                a++;
            while (b < b_end && is_space(*b))
                b++;
            continue;
        }
        if (*a != *b)
            return false;
        a++;
        b++;
    }
    return a == a_end && b == b_end;
}

static int count_words(const char *from, const char *to)
{
    int words = 0;
    bool in_word = false;

    for (const char *p = from; p < to; p++) {
        bool letter = isalnum((unsigned char)*p);

        if (letter && !in_word)
            words++;
        in_word = letter;
    }
    return words;
}

static bool has_placeholder(const char *from, const char *to)
{
    size_t n = strlen(PLACEHOLDER);

    for (const char *p = from; p + n <= to; p++)
        if (strncasecmp(p, PLACEHOLDER, n) == 0)
            return true;
    return false;
}

/*
 * true when text answers the question whose heading text is [q, q_end): the
 * text has that heading, and what stands under it (down to the next heading
 * of level 1 or 2; under each, when the heading is there more than once) has
 * at least MIN_WORDS words and no placeholder. Text under a heading that the
 * template does not have answers nothing.
 */
static bool answered(const char *text, const char *q, const char *q_end)
{
    const char *p = text;
    bool found = false, placeholder = false;
    int words = 0;

    while (*p) {
        const char *body, *end;

        if (!is_question(p) || !same_heading(p + 3, line_end(p), q, q_end)) {
            p = next_line(p);
            continue;
        }
        found = true;
        body = next_line(p);
        for (end = body; *end && !ends_answer(end); end = next_line(end))
            ;
        words += count_words(body, end);
        placeholder = placeholder || has_placeholder(body, end);
        p = end;
    }
    return found && !placeholder && words >= MIN_WORDS;
}

void check_answers(const char *template_path, const char *answers_path,
                   struct exercise *e)
{
    char *tmpl = read_text(template_path, MAX_READ, NULL);
    char *text = read_text(answers_path, MAX_READ, NULL);

    e->has_answers = tmpl != NULL;
    e->questions = 0;
    e->answered = 0;
    for (const char *p = tmpl; p && *p; p = next_line(p)) {
        if (!is_question(p))
            continue;
        e->questions++;
        if (text && answered(text, p + 3, line_end(p)))
            e->answered++;
    }
    free(tmpl);
    free(text);
}
