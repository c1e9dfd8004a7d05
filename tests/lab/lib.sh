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

# Skips the test (exit 77) where lab tests are not to run: FABRIC_LAB_TESTS=0,
# or not root (network namespaces need it).
lab_skip_unless_root() {
	if [ "${FABRIC_LAB_TESTS:-1}" = 0 ]; then
		echo "SKIP: FABRIC_LAB_TESTS=0 (the lab tests ran in the main build)"
		exit 77
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: lab tests need root for network namespaces"
		exit 77
	fi
}

# lab_require HINT CMD...: fails the test (exit 1) unless every CMD is
# found.  A missing tool is a broken set-up, not a skip; HINT says how
# to get it.
lab_require() {
	hint=$1
	shift
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || {
			echo "FAIL: $t not found ($hint)"
			exit 1
		}
	done
}

lab_skip_unless_runnable() {
	lab_skip_unless_root
	lab_require "run tools/setup.sh" ip jq vtysh "$FABRICCTL"
}

# ---- what a test starts, and its cleanup -------------------------------
#
# Other tests (and other people's) run beside this one: a test ends only
# the processes it started, by pid, and deletes only the namespaces it
# made, never by name pattern.

lab_made_ns=

# lab_netns_add NS: a new namespace with lo up, remembered for
# lab_netns_del_made.  Fails if NS exists: it is someone else's.
lab_netns_add() {
	ip netns add "$1" || return 1
	lab_made_ns="$lab_made_ns $1"
	ip -n "$1" link set lo up
}

# Kills whatever still runs inside the namespaces lab_netns_add made
# (a daemon's children included), then deletes them.
lab_netns_del_made() {
	for ns in $lab_made_ns; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	lab_made_ns=
}

# lab_stop GRACE PID...: SIGTERM to each PID, then SIGKILL to those
# still there GRACE seconds later.  Pass only pids this test started
# and has not yet waited for (a reaped pid may be reused): empty
# (cleared after the wait) is passed over.
lab_stop() {
	grace=$1
	shift
	for pid in "$@"; do
		[ -z "$pid" ] || kill "$pid" 2>/dev/null
	done
	sleep "$grace"
	for pid in "$@"; do
		[ -z "$pid" ] || kill -9 "$pid" 2>/dev/null
	done
}

# lab_on_exit FN: FN runs when the test ends, however it ends; INT, TERM
# or HUP end it with status 130.  While FN runs those signals are
# ignored: a second ^C must not leave namespaces or daemons behind.
lab_on_exit() {
	lab_exit_fn=$1
	trap lab_run_exit_fn EXIT
	trap 'exit 130' INT TERM HUP
}

lab_run_exit_fn() {
	trap '' INT TERM HUP
	"$lab_exit_fn"
}

# lab_tcp_listens NS PORT: something listens on TCP PORT inside NS.
lab_tcp_listens() {
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN
}

# lab_log_clean FILE: the daemon wrote a log, and no sanitizer or fatal
# report in it.
lab_log_clean() {
	[ -s "$1" ] &&
	    ! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error|fatal' "$1"
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

poll_until() {	# poll_until SECONDS CMD...: until CMD succeeds, 50 ms polls
	polls=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		polls=$((polls - 1))
		[ "$polls" -gt 0 ] || return 1
		sleep 0.05
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

# ---- BGP messages as hex, what tests/lab/bgp_raw sends and prints ------

MARKER=ffffffffffffffffffffffffffffffff

bgp_msg() {	# TYPE BODY: the header (RFC 4271 4.1) before BODY
	printf '%s%04x%02x%s' "$MARKER" $((${#2} / 2 + 19)) "$1" "$2"
}

KEEPALIVE=$(bgp_msg 4 "")
EOR_V4=$(bgp_msg 2 00000000)	# End-of-RIB, IPv4 unicast: an empty UPDATE

finish() {
	echo "# $passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
