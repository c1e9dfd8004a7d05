# Shared helpers for the lab tests (sourced).  The tests run real FRR in
# network namespaces, so they need root; FABRIC_LAB_TESTS=0 skips them
# (used for the second runs under sanitizers and distcheck, where the
# same tests have already run).

: "${abs_top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
FABRICCTL="$abs_top_builddir/controller/fabricctl"
EXAMPLES="$abs_top_srcdir/examples"
fails=0
passes=0

lab_skip_unless_runnable() {
	if [ "${FABRIC_LAB_TESTS:-1}" = 0 ]; then
		echo "SKIP: FABRIC_LAB_TESTS=0 (the lab tests ran in the main build)"
		exit 77
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: lab tests need root for network namespaces"
		exit 77
	fi
	for t in ip jq vtysh "$FABRICCTL"; do
		command -v "$t" >/dev/null 2>&1 || {
			echo "FAIL: $t not found (run tools/setup.sh)"
			exit 1
		}
	done
}

ok() {
	passes=$((passes + 1))
	echo "ok - $*"
}

not_ok() {
	fails=$((fails + 1))
	echo "not ok - $*"
}

check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

retry() {	# retry N CMD...: up to N tries, a second apart
	tries=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 1
	done
}

now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'
}

lab_name() {
	awk '/^name:/ { print $2; exit }' "$1"
}

# Everything a lab may leave behind, listed; empty when clean.
lab_leftovers() {
	name=$1
	ip netns list | awk '{print $1}' | grep -E "^clab-$name-" || true
	pgrep -f -- "-N clab-$name-" || true
	ls -d /var/run/frr/clab-"$name"-* /etc/frr/clab-"$name"-* \
	    /run/fabric-lab/"$name" 2>/dev/null || true
}

finish() {
	echo "# $passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
