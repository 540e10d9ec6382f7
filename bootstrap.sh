#!/bin/sh
# bootstrap.sh: from a fresh Debian machine to a built sparsesc.
#   ./bootstrap.sh demo    install what is missing, build, run sample-data/demo.sc
#   ./bootstrap.sh check   install what is missing, build, run the whole test suite
#                          (make check in a normal and an ASan+UBSan build, and distcheck)
set -eu
cd "$(dirname "$0")"
mode=${1:-demo}
case "$mode" in demo|check|build) ;; *) echo "usage: $0 demo|check|build" >&2; exit 2 ;; esac

# Debian packages the build and the tests need.
pkgs="build-essential autoconf automake pkg-config libhdf5-dev libopenblas-dev libncurses-dev
      libreadline-dev zlib1g-dev libdeflate-dev"
[ "$mode" = check ] && pkgs="$pkgs valgrind tmux man-db bsdutils hdf5-tools python3-anndata"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bootstrap: installing$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

jobs=$(nproc 2>/dev/null || echo 2)
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] || autoreconf -fi
build() { # build DIR CONFIGURE-FLAGS...
    dir=$1; shift
    mkdir -p "$dir"
    (cd "$dir" && { [ -f Makefile ] || ../configure "$@"; } && make -j"$jobs")
}
# Tests and the demo read ../shared/data when it is there.
[ -d ../shared/data ] && [ -z "${SPARSESC_DATA:-}" ] && SPARSESC_DATA=$(cd ../shared/data && pwd) && export SPARSESC_DATA

case "$mode" in
build) build build --enable-werror ;;
demo)
    build build
    cd sample-data && ../build/sparsesc -f demo.sc ;;
check)
    build build --enable-werror
    (cd build && make -j"$jobs" check)
    build build-asan --enable-werror --enable-sanitizers
    (cd build-asan && make -j"$jobs" check)
    (cd build && SC_DISTCHECK=1 make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror)
    echo "bootstrap: all tests passed" ;;
esac
