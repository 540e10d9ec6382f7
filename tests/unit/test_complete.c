/* test_complete.c: what Tab offers, driven by the table. */
#include <string.h>

#include "complete.h"
#include "session.h"
#include "tap.h"

static int has(const complete_list *l, const char *w)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->words[i], w) == 0)
            return 1;
    return 0;
}

static complete_list run(session *s, const char *line)
{
    complete_list l;
    size_t end = strlen(line);
    size_t start = end;
    while (start > 0 && line[start - 1] != ' ' && line[start - 1] != ';')
        start--;
    complete_line(s, line, start, end, &l);
    return l;
}

int main(void)
{
    session s;
    session_init(&s);
    complete_list l;

    l = run(&s, "");
    tap_ok(has(&l, "help") && has(&l, "set") && has(&l, "quit") && has(&l, "exit"),
           "empty line offers every command and alias (%d)", l.n);
    complete_free(&l);
    l = run(&s, "se");
    tap_ok(l.n == 2 && has(&l, "set") && has(&l, "select"),
           "'se' completes to set and select"); /* not 'show' */
    complete_free(&l);
    l = run(&s, "s");
    tap_ok(has(&l, "set") && has(&l, "show") && has(&l, "source"), "'s' offers set, show, source");
    complete_free(&l);
    l = run(&s, "set ");
    tap_ok(has(&l, "seed") && has(&l, "threads") && has(&l, "errexit"), "set offers settings");
    complete_free(&l);
    l = run(&s, "set th");
    tap_ok(l.n == 1 && has(&l, "threads"), "set th -> threads");
    complete_free(&l);
    l = run(&s, "help he");
    tap_ok(has(&l, "help"), "help offers command names");
    complete_free(&l);
    l = run(&s, "source ");
    tap_ok(l.mode == COMPLETE_FILES, "source completes file names");
    complete_free(&l);
    l = run(&s, "echo a; sh");
    tap_ok(l.n == 1 && has(&l, "show"), "after ';' a new command starts");
    complete_free(&l);

    session_free(&s);
    return tap_done();
}
