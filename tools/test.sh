#!/bin/sh
# Sets up a fresh Debian 12 machine and runs every test: the unit tests,
# the lab tests with real FRR in network namespaces, the unit tests again
# under ASan/UBSan, and make distcheck.  Needs root (packages, namespaces).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

tools/setup.sh
tools/build.sh

echo "== make check (unit tests and lab tests with real FRR)"
if ! make -j"$(nproc)" check; then
	cat tests/unit/*.log tests/lab/*.log 2>/dev/null || true
	exit 1
fi

echo "== unit tests under ASan and UBSan"
san=$(mktemp -d /tmp/fabric-san.XXXXXX)
trap 'rm -rf "$san"' EXIT
# A second, out-of-tree build needs a clean source tree: build from a
# copy made by git (or by make distdir when git is absent).
make -s distdir distdir="$san/src" >/dev/null
(cd "$san/src" && ./configure -q --enable-werror --enable-sanitizers &&
    make -s -j"$(nproc)" check FABRIC_LAB_TESTS=0) || {
	cat "$san"/src/tests/unit/*.log 2>/dev/null || true
	exit 1
}

echo "== make distcheck"
make -s distcheck FABRIC_LAB_TESTS=0 DISTCHECK_CONFIGURE_FLAGS=--enable-werror

echo "== all tests passed"
cd "$top"
