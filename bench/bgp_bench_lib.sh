# Shared by the BGP speaker benchmarks (sourced by bash): namespaces named
# fabbench-*, FRR instances in them, and a cleanup that stops only the
# processes these scripts started (by recorded pid) and deletes only the
# namespaces they created, on any exit.
#
# Needs root, FRR 8.4 (/usr/lib/frr), iproute2, jq, and a build
# (bgp/fabric-inject, bench/bgp_floor, bench/fib_watch).

set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
INJECT=${BB_INJECT:-$TOP/bgp/fabric-inject}
FLOOR=$TOP/bench/bgp_floor
WATCH=$TOP/bench/fib_watch
FRRBIN=/usr/lib/frr
BB_KEEP=${BB_KEEP:-0}

for t in "$INJECT" "$FLOOR" "$WATCH"; do
	[ -x "$t" ] || { echo "$t: build first (make -j2)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
command -v jq >/dev/null || { echo "needs jq" >&2; exit 1; }

BB_TAG=${BB_TAG:-$$}
BB_DIR=$(mktemp -d "/tmp/fabbench-$BB_TAG.XXXXXX")
chmod 755 "$BB_DIR"
# Copies: others rebuild the tree while a benchmark runs.
for t in "$INJECT" "$FLOOR" "$WATCH"; do
	cp "$t" "$BB_DIR/" || exit 1
done
INJECT=$BB_DIR/fabric-inject
FLOOR=$BB_DIR/bgp_floor
WATCH=$BB_DIR/fib_watch
: >"$BB_DIR/pids"
: >"$BB_DIR/netns"

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
log() { echo "# $*" >&2; }

bb_track() {	# PID: stopped by bb_cleanup
	echo "$1" >>"$BB_DIR/pids"
}

alive() {	# PID: running (a zombie is not)
	[ -r "/proc/$1/stat" ] &&
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

bb_stop_pid() {	# PID [SIGNAL]: one of ours, then forget it
	local pid=$1 sig=${2:-TERM} i
	grep -qx "$pid" "$BB_DIR/pids" || return 0
	kill "-$sig" "$pid" 2>/dev/null
	for i in $(seq 30); do
		alive "$pid" || break
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null
	grep -vx "$pid" "$BB_DIR/pids" >"$BB_DIR/pids.new"
	mv "$BB_DIR/pids.new" "$BB_DIR/pids"
}

bb_cleanup() {
	local pid ns
	trap - EXIT INT TERM
	# FRR first, by SIGKILL: zebra would otherwise spend seconds taking
	# 100,000 routes out of a namespace that is about to go anyway.
	for pid in $(tac "$BB_DIR/pids" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in $(cat "$BB_DIR/netns" 2>/dev/null); do
		ip netns del "$ns" 2>/dev/null
		rm -rf "/var/run/frr/$ns" "/etc/frr/$ns"
	done
	if [ "$BB_KEEP" = 1 ]; then
		echo "# kept $BB_DIR" >&2
	else
		rm -rf "$BB_DIR"
	fi
}
trap bb_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bb_netns() {	# NAME: creates fabbench-NAME, prints its full name
	local ns="fabbench-$BB_TAG-$1"
	ip netns add "$ns" || exit 1
	echo "$ns" >>"$BB_DIR/netns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

bb_veth() {	# NS1 IF1 ADDR1 NS2 IF2 ADDR2
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
	ip -n "$1" addr add "$3" dev "$2" && ip -n "$1" link set "$2" up &&
	ip -n "$4" addr add "$6" dev "$5" && ip -n "$4" link set "$5" up
}

# bb_frr_start NS CONF zebra|nozebra [nowait]: starts FRR 8.4 in NS,
# waits for its vty sockets (unless nowait: then bb_frr_wait NS), records
# the pids.
bb_frr_start() {
	local ns=$1 conf=$2 mode=$3 run=/var/run/frr/$1 d
	mkdir -p "$run" "/etc/frr/$ns"
	chown frr:frr "$run" "$conf" 2>/dev/null
	echo "service integrated-vtysh-config" >"/etc/frr/$ns/vtysh.conf"
	: >"$BB_DIR/$ns.frr.log"
	chown frr:frr "$BB_DIR/$ns.frr.log"
	for d in zebra bgpd; do
		[ "$d" = zebra ] && [ "$mode" = nozebra ] && continue
		set -- -d -N "$ns" -f "$conf" -i "$run/$d.pid" -A 127.0.0.1 \
		    --log "file:$BB_DIR/$ns.frr.log"
		[ "$d" = zebra ] && set -- "$@" -s 90000000
		[ "$d" = bgpd ] && [ "$mode" = nozebra ] && set -- "$@" -Z
		ip netns exec "$ns" "$FRRBIN/$d" "$@" \
		    >>"$BB_DIR/$ns.frr.out" 2>&1 || return 1
		[ "$d" = zebra ] && { bb_frr_wait "$ns" zebra || return 1; }
	done
	[ "${4:-}" = nowait ] || bb_frr_wait "$ns" bgpd
}

bb_frr_wait() {	# NS DAEMON: its vty socket is there; records its pid
	local run=/var/run/frr/$1 i
	for i in $(seq 200); do
		[ -S "$run/$2.vty" ] && [ -s "$run/$2.pid" ] && {
			bb_track "$(cat "$run/$2.pid")"
			return 0
		}
		sleep 0.05
	done
	echo "$1: $2 did not start" >&2
	return 1
}

bb_frr_stop() {	# NS: SIGKILL its zebra and bgpd
	local ns=$1 d
	for d in bgpd zebra; do
		[ -s "/var/run/frr/$ns/$d.pid" ] &&
		    bb_stop_pid "$(cat "/var/run/frr/$ns/$d.pid")" KILL
		rm -f "/var/run/frr/$ns/$d.pid"
	done
}

bb_frr_version() {
	dpkg-query -W -f='${Version}' frr 2>/dev/null || echo '?'
}

bb_header() {	# what every benchmark prints first
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores," \
	    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	    "$(uname -r), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "FRR $(bb_frr_version); GoBGP $(gobgpd --version 2>/dev/null | awk '{ print $NF }');" \
	    "fabric-inject $("$INJECT" --version | awk '{ print $NF }')" \
	    "(git ${BB_GIT:-$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$TOP" diff --quiet -- bgp lib 2>/dev/null || echo '+local changes')})"
}

BB_T0=$(date +%s)
bb_elapsed() { echo "(benchmark took $(( $(date +%s) - BB_T0 )) s)"; }

# bb_routes FILE N K [PFXBASE]: N /24 prefixes from 20.0.0.0 (or the
# first octet PFXBASE), each with K next-hops 10.200.k.1, weights k.
bb_routes() {
	awk -v n="$2" -v k="$3" -v b="${4:-20}" 'BEGIN {
	    for (i = 0; i < n; i++) {
		p = sprintf("%d.%d.%d.0/24", b + int(i / 65536), int(i / 256) % 256, i % 256)
		for (j = 1; j <= k; j++)
			printf "%s 10.200.%d.1 %d\n", p, j, j
	    } }' >"$1"
}

# bb_expect FILE: "GW=W,..." of FRR's weights for the file's first
# prefix, as fabric-inject --check plans them (what fib_watch waits for).
bb_expect() {
	"$INJECT" --check -j --routes "$1" |
	    jq -r '.[0].paths | map("\(.nexthop)=\(.frr_weight)") | join(",")'
}

# bb_stamped LOG CMD...: runs CMD in the background, each line of its
# output prefixed with the time it appeared; sets BB_PID to CMD's pid.
bb_stamped() {
	local logf=$1
	shift
	: >"$logf"
	"$@" > >(exec "$WATCH" stamp >>"$logf") 2>&1 &
	BB_PID=$!
	bb_track "$BB_PID"
}

# bb_wait_line LOG REGEX TIMEOUT: the stamp of the first matching line.
bb_wait_line() {
	local i
	for i in $(seq $(($3 * 20))); do
		grep -m1 -E "$2" "$1" 2>/dev/null | awk '{ print $1 }' | grep . && return 0
		sleep 0.05
	done
	return 1
}

proc_cpu() {	# PID: user+sys seconds so far
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
	    "/proc/$1/stat" 2>/dev/null
}

proc_kb() {	# PID KEY: e.g. VmHWM in kB
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null
}
