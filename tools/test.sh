#!/bin/sh
# Sets up a fresh Debian 12 machine and runs every test: the unit tests and
# the lab tests with real FRR in network namespaces, the unit tests again
# under ASan/UBSan, and make distcheck.  Needs root (packages, namespaces).
# Ends with one line: "tests: N passed, N failed, N skipped".
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/fabric-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
skipped=0

# stage NAME DIR MAKE-ARGS...: runs make in DIR, shows its output, adds the
# harness's counts, and stops everything at the first failure.
stage() {
	name=$1
	dir=$2
	shift 2
	echo "== $name"
	rc=0
	(cd "$dir" && make "$@") >"$work/out" 2>&1 || rc=$?
	cat "$work/out"
	for kind in PASS FAIL SKIP ERROR; do
		n=$(awk -v k="# $kind:" 'index($0, k) == 1 { s += $3 } END { print s + 0 }' "$work/out")
		case $kind in
		PASS) passed=$((passed + n)) ;;
		SKIP) skipped=$((skipped + n)) ;;
		*) failed=$((failed + n)) ;;
		esac
	done
	if [ "$rc" -ne 0 ]; then
		[ "$failed" -gt 0 ] || failed=1
		for log in "$dir"/tests/*/*.log; do
			[ -f "$log" ] && ! grep -q '^PASS\|^SKIP' "$log" &&
			    { echo "--- $log"; cat "$log"; }
		done
		echo "tests: $passed passed, $failed failed, $skipped skipped"
		exit 1
	fi
}

tools/setup.sh
tools/build.sh
stage "make check: unit tests, and lab tests with real FRR" . -j"$(nproc)" check

# The sanitizer build is a second, out-of-tree build: it needs a clean
# source tree, so it builds from the distribution tree.  The lab tests
# exercise the same fabricctl and have run above: they skip here.
make -s distdir distdir="$work/src" >/dev/null
(cd "$work/src" && ./configure -q --enable-werror --enable-sanitizers)
stage "unit tests under ASan and UBSan" "$work/src" -j"$(nproc)" check \
    FABRIC_LAB_TESTS=0
stage "make distcheck" . distcheck FABRIC_LAB_TESTS=0 \
    DISTCHECK_CONFIGURE_FLAGS=--enable-werror

# A short fuzz run of every wire parser (BGP, telemetry, probe packets)
# with clang's libFuzzer, from the seed corpora (which every build above
# only replays).  FUZZ_SECONDS per target; longer runs are in the docs.
FUZZERS="bgp_open bgp_update bgp_notification bgp_msg telemetry probe"
echo "== fuzz smoke: ${FUZZ_SECONDS:=20} s per parser"
make -s distdir distdir="$work/fz" >/dev/null
(cd "$work/fz" && CC=clang ./configure -q --enable-fuzzing &&
    make -s -j"$(nproc)" $(for t in $FUZZERS; do printf 'fuzz/fuzz_%s ' "$t"; \
    done)) >"$work/out" 2>&1 || {
	cat "$work/out"
	failed=$((failed + 1))
	echo "tests: $passed passed, $failed failed, $skipped skipped"
	exit 1
}
for t in $FUZZERS; do
	mkdir -p "$work/corpus-$t"
	if (cd "$work/fz" && "fuzz/fuzz_$t" -max_total_time="$FUZZ_SECONDS" \
	    -rss_limit_mb=2048 -print_final_stats=1 "$work/corpus-$t" \
	    "fuzz/corpus/$t") >"$work/out" 2>&1; then
		passed=$((passed + 1))
		echo "PASS: fuzz_$t $(grep -o 'Done [0-9]* runs' "$work/out")"
	else
		failed=$((failed + 1))
		tail -40 "$work/out"
		echo "FAIL: fuzz_$t"
	fi
done
[ "$failed" -eq 0 ] || {
	echo "tests: $passed passed, $failed failed, $skipped skipped"
	exit 1
}

echo "tests: $passed passed, $failed failed, $skipped skipped"
