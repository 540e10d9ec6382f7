# tests/tui/tmux-lib.sh: drive sparsesc in a real terminal (sourced by the
# tests/tui/*.test scripts after tests/lib.sh).  Each test gets a private tmux
# server (its own socket and TMUX_TMPDIR), killed on exit; without tmux the
# whole test is skipped.
if ! command -v tmux > /dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed"
    exit 0
fi
tmp=$(mktemp -d)
unset TMUX
TMUX_TMPDIR=$tmp; export TMUX_TMPDIR
# a terminal type every ncurses install knows (tmux's default may be newer)
printf 'set -g default-terminal screen\n' > "$tmp/tmux.conf"
T="tmux -u -L sc-test-$$ -f $tmp/tmux.conf"
trap '$T kill-server > /dev/null 2>&1; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# Waits are longer in the sanitizer build, which runs several times slower.
if [ "$SC_SANITIZERS" = yes ]; then SLOW=3; else SLOW=1; fi

# start NAME COLSxROWS 'SHELL COMMANDS': a detached session running the
# commands (through sh) in $tmp; $tmp/NAME.rc receives their status.  The
# shells trap SIGINT with a no-op (reset to the default in the programs they
# run): Ctrl-C reaches the whole foreground group, and a shell that died of
# it would close the pane under the program being tested.
start() {
    name=$1; cols=${2%x*}; rows=${2#*x}
    printf 'trap : INT\n%s\n' "$3" > "$tmp/$name.sh"
    $T new-session -d -s "$name" -x "$cols" -y "$rows" \
        "trap : INT; cd '$tmp' && sh '$tmp/$name.sh'; echo \"\$?\" > '$tmp/$name.rc'; echo '[done]'; exec sleep 600"
}
# screen NAME: what a person sees now (with -e: the colour escapes too)
screen() { $T capture-pane -p -t "$1" ${2:+"$2"}; }
keys() { n=$1; shift; $T send-keys -t "$n" "$@"; }
# wait_for NAME REGEX [SECONDS]: until the screen shows REGEX (status 1 on timeout)
wait_for() {
    limit=$(( ${3:-10} * SLOW * 10 )); i=0
    while [ $i -lt $limit ]; do
        screen "$1" | grep -q -- "$2" && return 0
        sleep 0.1; i=$((i + 1))
    done
    echo "# timed out waiting for '$2'; the screen was:"; screen "$1" | sed 's/^/#   /'
    return 1
}
# wait_gone NAME REGEX [SECONDS]: until REGEX is no longer on the screen
wait_gone() {
    limit=$(( ${3:-10} * SLOW * 10 )); i=0
    while [ $i -lt $limit ]; do
        screen "$1" | grep -q -- "$2" || return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
# wait_rc NAME [SECONDS]: until the commands of NAME finished; prints the status
wait_rc() {
    limit=$(( ${2:-10} * SLOW * 10 )); i=0
    while [ $i -lt $limit ] && [ ! -s "$tmp/$1.rc" ]; do sleep 0.1; i=$((i + 1)); done
    cat "$tmp/$1.rc" 2> /dev/null || echo none
}
