/* answers.c - tells whether the written questions in ANSWERS.md are answered */
#include "grade.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The placeholder that the template holds under each question. */
#define PLACEHOLDER "_(your answer)_"
/* Fewer words than this under a question do not make an answer. */
#define MIN_WORDS 15

static int count_questions(const char *text)
{
    int n = 0;

    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, "## ", 3) == 0)
            n++;
    return n;
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

/* true when needle occurs in [from, to). */
static bool memmem_like(const char *from, const char *to, const char *needle)
{
    size_t n = strlen(needle);

    for (const char *p = from; p + n <= to; p++)
        if (memcmp(p, needle, n) == 0)
            return true;
    return false;
}

static int count_answered(const char *text)
{
    int answered = 0;
    const char *p = text;

    while ((p = strstr(p, "\n## ")) != NULL) {
        const char *body = strchr(p + 1, '\n');
        const char *end;

        if (!body)
            break;
        end = strstr(body, "\n## ");
        if (!end)
            end = body + strlen(body);
        if (!memmem_like(body, end, PLACEHOLDER) && count_words(body, end) >= MIN_WORDS)
            answered++;
        p = end;
    }
    return answered;
}

void check_answers(const char *template_path, const char *answers_path,
                   struct exercise *e)
{
    char *tmpl = read_text(template_path, 1 << 20, NULL);
    char *text = read_text(answers_path, 1 << 20, NULL);

    e->has_answers = tmpl != NULL;
    e->questions = tmpl ? count_questions(tmpl) : 0;
    e->answered = 0;
    if (text) {
        /* a leading newline lets the search find a heading on the first line */
        size_t len = strlen(text);
        char *padded = malloc(len + 2);

        if (padded) {
            padded[0] = '\n';
            memcpy(padded + 1, text, len + 1);
            e->answered = count_answered(padded);
            free(padded);
        }
    }
    if (e->answered > e->questions)
        e->answered = e->questions;
    free(tmpl);
    free(text);
}
