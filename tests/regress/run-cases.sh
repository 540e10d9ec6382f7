# tests/regress/run-cases.sh: run the regress cases (sourced by regress.test
# and valgrind.test with $WRAP set to a command prefix or empty).
#
# A case is tests/regress/cases/NAME.sc, a script, plus:
#   NAME.out     expected stdout (missing: must be empty)
#   NAME.err     expected stderr, exactly (missing: must be empty)
#   NAME.status  expected exit status (missing: 0)
#   NAME.args    arguments instead of "-f NAME.sc" (one line, split by the shell)
#   NAME.stdin   standard input (missing: /dev/null)
#   NAME.setup   shell script run first in the case's directory (makes inputs)
# Cases run in a fresh directory holding NAME.sc, so messages name it plainly.
# Under valgrind (valgrind.test) a case with a line "# valgrind: skip", or one
# training for 5 or more epochs, is skipped: the ASan build runs it.
# A script whose first line is "# needs-data" gets ./data -> $SPARSESC_DATA
# and is skipped when the data is absent (failed when SPARSESC_REQUIRE_DATA=1).
. "$SC_SRCDIR/tests/lib.sh"
cases="$SC_SRCDIR/tests/regress/cases"
for sc in "$cases"/*.sc; do
    name=$(basename "$sc" .sc)
    base="$cases/$name"
    if head -1 "$sc" | grep -q '^# needs-data'; then
        if [ -z "$SPARSESC_DATA" ] || [ ! -d "$SPARSESC_DATA" ]; then
            if [ "$SPARSESC_REQUIRE_DATA" = 1 ]; then ok 1 "$name (shared data missing)"
            else skip "$name" "shared data not found"; fi
            continue
        fi
    fi
    # Under valgrind, cases that train for 5 or more epochs are left to the
    # ASan build: they take minutes there, and valgrind's floating point can
    # change the trained numbers the expected output holds.
    # A case can also say so itself with a line "# valgrind: skip".
    if [ -n "$WRAP" ] && { grep -q '^# valgrind: skip' "$sc" ||
        grep -E '^(vae|sae) (train|sweep)' "$sc" | grep -qE 'epochs=([5-9]|[0-9]{2,})'; }; then
        skip "$name" "trains for 5+ epochs (the ASan build runs it)"
        continue
    fi
    dir=$(mktemp -d)
    cp "$sc" "$dir/"
    [ -n "$SPARSESC_DATA" ] && ln -s "$SPARSESC_DATA" "$dir/data"
    if [ -f "$base.setup" ]; then (cd "$dir" && sh "$base.setup") || { ok 1 "$name (setup failed)"; continue; }; fi
    args="-f $name.sc"
    [ -f "$base.args" ] && args=$(cat "$base.args")
    stdin=/dev/null
    [ -f "$base.stdin" ] && stdin="$base.stdin"
    (cd "$dir" && eval "$WRAP \"\$SPARSESC\" $args" < "$stdin" > stdout 2> stderr); st=$?
    want=0
    [ -f "$base.status" ] && want=$(cat "$base.status")
    fail=""
    [ "$st" = "$want" ] || fail="$fail status $st (expected $want);"
    if [ -f "$base.out" ]; then cmp -s "$base.out" "$dir/stdout" || fail="$fail stdout differs;"
    else [ ! -s "$dir/stdout" ] || fail="$fail unexpected stdout;"; fi
    if [ -n "$WRAP" ]; then
        grep -q '^==[0-9]*== ERROR SUMMARY: [1-9]' "$dir/stderr" && fail="$fail valgrind errors;"
    elif [ -f "$base.err" ]; then cmp -s "$base.err" "$dir/stderr" || fail="$fail stderr differs;"
    else [ ! -s "$dir/stderr" ] || fail="$fail unexpected stderr;"; fi
    if [ -z "$fail" ]; then
        ok 0 "$name"
    else
        ok 1 "$name:$fail"
        { [ -f "$base.out" ] && diff "$base.out" "$dir/stdout" | head -20
          [ -z "$WRAP" ] && [ -f "$base.err" ] && diff "$base.err" "$dir/stderr" | head -20
          [ -f "$base.err" ] || head -20 "$dir/stderr"; } | diag
    fi
    rm -rf "$dir"
done
