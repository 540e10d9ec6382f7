/* test_lex.c: the tokenizer: words, quotes, escapes, ';', comments. */
#include <string.h>

#include "lex.h"
#include "tap.h"

/* Split `line` and compare with the expected commands joined as "a|b;c". */
static void check(const char *line, const char *want)
{
    lex_line l;
    sc_err e = {{0}};
    char got[2048] = "";
    if (lex_split(line, 0, &l, &e) < 0) {
        snprintf(got, sizeof got, "ERROR: %s", e.msg);
    } else {
        for (int i = 0; i < l.ncmds; i++) {
            if (i)
                strcat(got, ";");
            for (int j = 0; j < l.cmds[i].argc; j++) {
                if (j)
                    strcat(got, "|");
                strcat(got, l.cmds[i].argv[j]);
            }
        }
        lex_free(&l);
    }
    if (!tap_ok(strcmp(got, want) == 0, "lex [%s]", line))
        tap_diag("got [%s], want [%s]", got, want);
}

int main(void)
{
    check("help", "help");
    check("  set   threads 2  ", "set|threads|2");
    check("echo a; echo b", "echo|a;echo|b");
    check("echo a;;echo b;", "echo|a;echo|b");
    check("echo 'a b' \"c d\"", "echo|a b|c d");
    check("subset cell_type=\"CD14 Mono\"", "subset|cell_type=CD14 Mono");
    check("echo \"x\\\"y\\\\z\\n\"", "echo|x\"y\\z\n");
    check("echo 'no \\escape'", "echo|no \\escape");
    check("echo a\\ b", "echo|a b");
    check("echo a\\;b", "echo|a;b");
    check("echo 'a;b'", "echo|a;b");
    check("echo a # comment; echo b", "echo|a");
    check("# only a comment", "");
    check("echo a#b", "echo|a#b");
    check("echo ''", "echo|");
    check("", "");
    check("echo \"open", "ERROR: unterminated double quote");
    check("echo 'open", "ERROR: unterminated single quote");
    check("echo tab\there", "echo|tab|here");

    lex_line l;
    sc_err e;
    tap_ok(lex_split("load \"my fi", 1, &l, &e) == 0 && l.open_quote == '"' && l.ncmds == 1 &&
               strcmp(l.cmds[0].argv[1], "my fi") == 0,
           "lenient mode keeps an open quote for completion");
    lex_free(&l);
    return tap_done();
}
