# tests/lib.sh: TAP helpers for the shell tests (sourced).
# $SPARSESC is the binary under test, $SC_SRCDIR the source tree.
tap_n=0
tap_failed=0
ok() { # ok COND_STATUS NAME
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_failed=$((tap_failed + 1)); fi
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
: "${SPARSESC:?run through make check}"
: "${SC_SRCDIR:?run through make check}"
