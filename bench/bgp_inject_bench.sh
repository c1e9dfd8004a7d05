#!/bin/bash
# Injection: how long until a leaf's kernel FIB holds N prefixes, each
# with K weighted next-hops, when they are announced over one iBGP
# ADD-PATH session by (a) fabric-inject, (b) GoBGP, (c) bgp_floor, the
# pre-encoded minimum, whose time is FRR's own.  Side by side in one run.
#
# usage: bench/bgp_inject_bench.sh [NxK ...]   (root; after make -j2)
#        default: 10000x2 10000x8 100000x2 100000x8
# env:   INJECTORS="fabric-inject floor gobgp" (the order of each case);
#        "base" is a second fabric-inject binary, BB_BASE=PATH (e.g. one
#        built from the commit before a change), for before/after ratios
#        LOAD=N: N busy loops (bash, nice 0) run for the whole benchmark,
#        as another build would; 0 (default): none
#        RUNS=5 (trials per injector and case, interleaved, the order
#        reversed every other run; medians)
#        GOBGP_RUNS=3 (GoBGP is slow: fewer trials for it)
#        PROFILE=1: one more fabric-inject trial of the last case under
#        `perf record', and where its CPU time went
#
# The leaf is zebra + bgpd (FRR 8.4) in namespace fabbench-*-leaf, with
# `maximum-paths ibgp 64' and 8 point-to-point veths to fabbench-*-spines,
# whose addresses 10.200.k.1 are the next-hops (connected: FRR 8.4 keeps
# link-bandwidth weights only for connected next-hops).  The injector runs
# in fabbench-*-inj, 10.255.0.1, one veth away.  Each trial starts a fresh
# FRR with an empty FIB.  bench/fib_watch, in the leaf's namespace, follows
# the kernel's route notifications and notes when the N-th prefix has its K
# next-hops with the weights fabric-inject --check plans; a sample of
# prefixes is then checked with `ip -j route'.
#
# Times are from the injector's "session up" (its log line, stamped as it
# is written) and from the moment the injector process was started.
# GoBGP: gobgpd starts with the neighbor admin-down, the paths are loaded
# with `gobgp mrt inject global' (an MRT file that bgp_floor writes with
# the same attributes: ADD-PATH needs one MRT peer per path id, as GoBGP
# tells paths apart by source), and the neighbor is enabled when gobgpd
# holds all N x K paths; its process-start time includes that load.
. "$(dirname "$0")/bgp_bench_lib.sh"

CASES=${*:-10000x2 10000x8 100000x2 100000x8}
INJECTORS=${INJECTORS:-fabric-inject floor gobgp}
RUNS=${RUNS:-5}
GOBGP_RUNS=${GOBGP_RUNS:-3}
PROFILE=${PROFILE:-0}
TIMEOUT=${TIMEOUT:-120}
LOAD=${LOAD:-0}
LEAF_AS=65001
BASE=
if [[ " $INJECTORS " == *" base "* ]]; then
	[ -x "${BB_BASE:-}" ] || { echo "base: set BB_BASE=PATH" >&2; exit 1; }
	BASE=$BB_DIR/fabric-inject.base
	cp "$BB_BASE" "$BASE" || exit 1
fi

LEAF=$(bb_netns leaf)
SPINES=$(bb_netns spines)
INJ=$(bb_netns inj)
bb_veth "$INJ" i0 10.255.0.1/30 "$LEAF" i0 10.255.0.2/30 || exit 1
for k in 1 2 3 4 5 6 7 8; do
	bb_veth "$LEAF" "s$k" "10.200.$k.0/31" "$SPINES" "l$k" \
	    "10.200.$k.1/31" || exit 1
done

cat >"$BB_DIR/leaf.conf" <<EOF
frr version 8.4
frr defaults datacenter
hostname leaf
!
router bgp $LEAF_AS
 bgp router-id 10.255.0.2
 no bgp ebgp-requires-policy
 neighbor 10.255.0.1 remote-as internal
 neighbor 10.255.0.1 timers connect 1
 !
 address-family ipv4 unicast
  maximum-paths ibgp 64
 exit-address-family
!
EOF

cat >"$BB_DIR/gobgpd.toml" <<EOF
[global.config]
  as = $LEAF_AS
  router-id = "10.255.0.1"
  local-address-list = ["10.255.0.1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.255.0.2"
    peer-as = $LEAF_AS
    admin-down = true
  [neighbors.timers.config]
    connect-retry = 1
  [neighbors.add-paths.config]
    send-max = 64
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.add-paths.config]
      send-max = 64
EOF

leaf_fresh() {
	bb_frr_stop "$LEAF"
	ip -n "$LEAF" route flush proto bgp >/dev/null 2>&1
	ip -n "$LEAF" nexthop flush >/dev/null 2>&1
	bb_frr_start "$LEAF" "$BB_DIR/leaf.conf" zebra || {
		echo "FRR did not start" >&2; exit 1; }
}

# watch_start N EXPECT: fib_watch in the leaf, after its first dump
watch_start() {
	: >"$BB_DIR/watch.out"
	ip netns exec "$LEAF" "$WATCH" count "$1" "$2" "$TIMEOUT" \
	    >"$BB_DIR/watch.out" 2>&1 &
	WATCH_PID=$!
	bb_track "$WATCH_PID"
	sleep 0.3
}

watch_result() {	# the done= time, after watch_wait; or fails
	grep -o 'done=[0-9.]*' "$BB_DIR/watch.out" | cut -d= -f2 | grep . ||
	    { sed 's/^/# fib_watch: /' "$BB_DIR/watch.out" >&2; return 1; }
}

watch_wait() {	# [INJECTOR_PID]: until fib_watch ends, or the injector dies
	while alive "$WATCH_PID"; do
		if [ -n "${1:-}" ] && ! alive "$1"; then
			sleep 0.5	# it may have finished just before
			alive "$WATCH_PID" && log "the injector died (pid $1)"
			break
		fi
		sleep 0.05
	done
	bb_stop_pid "$WATCH_PID"
	wait "$WATCH_PID" 2>/dev/null
}

# sample_ok FILE N K: three prefixes checked with ip -j against the plan
sample_ok() {
	local p want got
	for p in $(awk -v n="$2" -v k="$3" 'NR == 1 || NR == int(n / 2) * k + 1 ||
	    NR == (n - 1) * k + 1 { print $1 }' "$1"); do
		want=$(grep "^$p " "$1" | "$INJECT" --check -j --routes /dev/stdin |
		    jq -c '[.[0].paths[] | [.nexthop, .frr_weight]] | sort')
		got=$(ip -n "$LEAF" -j route show "$p" proto bgp |
		    jq -c '[.[0].nexthops[] | [.gateway, (.weight // 1)]] | sort')
		[ "$want" = "$got" ] || { log "$p: want $want, kernel $got"; return 1; }
	done
}

# Each trial prints: injector n k from_session from_start load_s inj_cpu
# bgpd_cpu zebra_cpu ok
trial_fabric_inject() {	# FILE N K EXPECT [NAME BINARY]
	local t0 up done cpu name=${5:-fabric-inject} bin=${6:-$INJECT}
	watch_start "$2" "$4"
	t0=$(now)
	bb_stamped "$BB_DIR/inj.log" ip netns exec "$INJ" "$bin" \
	    --local-as $LEAF_AS --router-id 10.255.0.1 --connect-retry 1 \
	    --peer 10.255.0.2 --routes "$1"
	local pid=$BB_PID
	watch_wait "$pid"
	done=$(watch_result) || done=
	cpu=$(proc_cpu "$pid")
	up=$(bb_wait_line "$BB_DIR/inj.log" 'session up' 1)
	trial_line "$name" "$2" "$3" "$t0" "$up" "$done" - "$cpu" "$1"
	bb_stop_pid "$pid"
	sleep 0.2
	cat "$BB_DIR/inj.log" >>"$BB_DIR/inj.all.log"
}

trial_base() { trial_fabric_inject "$@" base "$BASE"; }

trial_floor() {
	local t0 up done cpu
	watch_start "$2" "$4"
	t0=$(now)
	bb_stamped "$BB_DIR/floor.log" ip netns exec "$INJ" "$FLOOR" \
	    --local-as $LEAF_AS --router-id 10.255.0.1 --peer 10.255.0.2 \
	    --routes "$1"
	local pid=$BB_PID
	watch_wait "$pid"
	done=$(watch_result) || done=
	cpu=$(proc_cpu "$pid")
	up=$(grep -o 'session up at [0-9.]*' "$BB_DIR/floor.log" | awk '{ print $4 }')
	grep -h 'bgp_floor:' "$BB_DIR/floor.log" | cut -d' ' -f2- | sed 's/^/# /' >&2
	trial_line floor "$2" "$3" "$t0" "$up" "$done" - "$cpu" "$1"
	bb_stop_pid "$pid"
}

gobgp() { ip netns exec "$INJ" gobgp "$@"; }

trial_gobgp() {
	local t0 up done cpu loaded i paths
	"$FLOOR" --mrt "$BB_DIR/routes.mrt" --local-as $LEAF_AS --routes "$1" ||
	    return 1
	t0=$(now)
	bb_stamped "$BB_DIR/gobgpd.log" ip netns exec "$INJ" gobgpd -p \
	    -f "$BB_DIR/gobgpd.toml" --api-hosts 127.0.0.1:50051 --pprof-disable
	local pid=$BB_PID
	for i in $(seq 100); do gobgp global >/dev/null 2>&1 && break; sleep 0.05; done
	gobgp mrt inject global "$BB_DIR/routes.mrt" || log "gobgp mrt inject failed"
	for i in $(seq $((TIMEOUT * 10))); do
		paths=$(gobgp global rib summary -a ipv4 2>/dev/null |
		    sed -n 's/.*Path: \([0-9]*\).*/\1/p')
		[ "${paths:-0}" -ge $(($2 * $3)) ] && break
		sleep 0.1
	done
	loaded=$(now)
	log "gobgpd holds ${paths:-0} paths $(sub "$t0" "$loaded") s after its start"
	watch_start "$2" "$4"
	gobgp neighbor 10.255.0.2 enable >/dev/null
	watch_wait "$pid"
	done=$(watch_result) || done=
	cpu=$(proc_cpu "$pid")
	up=$(bb_wait_line "$BB_DIR/gobgpd.log" 'Peer Up' 1)
	trial_line gobgp "$2" "$3" "$t0" "$up" "$done" "$(sub "$t0" "$loaded")" \
	    "$cpu" "$1"
	bb_stop_pid "$pid"
}

trial_line() {	# NAME N K T0 UP DONE LOAD CPU FILE
	local ok=no from_up=- from_start=- bcpu zcpu ev
	echo "$1 $2 $3 t0=$4 up=$5 $(cat "$BB_DIR/watch.out")" >>"$BB_DIR/watch.all.log"
	bcpu=$(proc_cpu "$(cat "/var/run/frr/$LEAF/bgpd.pid")")
	zcpu=$(proc_cpu "$(cat "/var/run/frr/$LEAF/zebra.pid")")
	if [ -n "$6" ]; then
		sample_ok "$9" "$2" "$3" && ok=yes
		from_start=$(sub "$4" "$6")
		[ -n "$5" ] && from_up=$(sub "$5" "$6")
	fi
	ev=$(grep -o 'events=[0-9]*' "$BB_DIR/watch.out" | cut -d= -f2)
	echo "$1 $2 $3 $from_up $from_start $7 ${8:--} ${bcpu:--} ${zcpu:--} $ok ${ev:--}" \
	    >>"$BB_DIR/results"
	log "$1 N=$2 K=$3: from session up $from_up s, from process start" \
	    "$from_start s, injector CPU ${8:--} s, bgpd ${bcpu:--} s," \
	    "zebra ${zcpu:--} s, weights checked: $ok"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
    else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

spread() {	# NAME N K COLUMN: min-max over the runs
	awk -v a="$1" -v n="$2" -v k="$3" -v c="$4" '$1 == a && $2 == n &&
	    $3 == k && $c != "-" { print $c }' "$BB_DIR/results" | sort -n |
	    awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s-%s", lo, hi; else print "-" }'
}

col() {	# NAME N K COLUMN: the median of that column over the runs
	awk -v a="$1" -v n="$2" -v k="$3" -v c="$4" '$1 == a && $2 == n &&
	    $3 == k && $c != "-" { print $c }' "$BB_DIR/results" | median
}

bb_header
if [ "$LOAD" -gt 0 ]; then
	for i in $(seq "$LOAD"); do
		bash -c 'while :; do :; done' &
		bb_track $!
	done
	echo "load: $LOAD busy loop(s) at nice 0 beside everything below"
fi
echo "method: leaf = zebra+bgpd, maximum-paths ibgp 64, K connected" \
    "next-hops; iBGP ADD-PATH from one injector; done = kernel FIB holds N" \
    "prefixes x K next-hops with the planned weights (netlink notifications);" \
    "fresh FRR per trial; $RUNS run(s) per cell, median"
: >"$BB_DIR/results"
for c in $CASES; do
	n=${c%x*}
	k=${c#*x}
	bb_routes "$BB_DIR/routes" "$n" "$k"
	expect=$(bb_expect "$BB_DIR/routes")
	log "case N=$n K=$k: kernel weights $expect"
	for r in $(seq "$RUNS"); do
		order=$INJECTORS	# ABBA: even runs in reverse
		[ $((r % 2)) = 0 ] && order=$(echo "$INJECTORS" | tr ' ' '\n' | tac | tr '\n' ' ')
		for inj in $order; do
			[ "$inj" = gobgp ] && [ "$r" -gt "$GOBGP_RUNS" ] && continue
			leaf_fresh
			"trial_${inj//-/_}" "$BB_DIR/routes" "$n" "$k" "$expect"
			bb_frr_stop "$LEAF"
		done
	done
done

echo
printf '| N x K | paths | fabric-inject s (from session up / from start) | floor s | GoBGP s | fabric-inject / floor | GoBGP / floor | GoBGP load s | trials complete and weights right |%s\n' \
    "${BASE:+ base s | base / floor |}"
printf '|---|---|---|---|---|---|---|---|---|%s\n' "${BASE:+---|---|}"
for c in $CASES; do
	n=${c%x*}
	k=${c#*x}
	fi_up=$(col fabric-inject "$n" "$k" 4); fi_st=$(col fabric-inject "$n" "$k" 5)
	fl_up=$(col floor "$n" "$k" 4); fl_st=$(col floor "$n" "$k" 5)
	gb_up=$(col gobgp "$n" "$k" 4); gb_st=$(col gobgp "$n" "$k" 5)
	gb_ld=$(col gobgp "$n" "$k" 6)
	oks=$(awk -v n="$n" -v k="$k" '$2 == n && $3 == k { t[$1]++; if ($10 == "yes") y[$1]++ }
	    END { for (a in t) printf "%s %d/%d, ", a, y[a], t[a] }' "$BB_DIR/results" | sed 's/, $//')
	bs=
	[ -n "$BASE" ] && bs=" $(col base "$n" "$k" 4) / $(col base "$n" "$k" 5) | $(ratio "$(col base "$n" "$k" 4)" "$fl_up") / $(ratio "$(col base "$n" "$k" 5)" "$fl_st") |"
	printf '| %s x %s | %s | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s | %s | %s |%s\n' \
	    "$n" "$k" $((n * k)) "$fi_up" "$fi_st" "$fl_up" "$fl_st" \
	    "$gb_up" "$gb_st" "$(ratio "$fi_up" "$fl_up")" \
	    "$(ratio "$fi_st" "$fl_st")" "$(ratio "$gb_up" "$fl_up")" \
	    "$(ratio "$gb_st" "$fl_st")" "$gb_ld" "$oks" "$bs"
done
echo
echo "Spread (min-max over the runs), seconds from session up; and the kernel's"
echo "route notifications (min-max: N when every route went in once with all its"
echo "next-hops, more when FRR installed some with fewer paths first):"
for c in $CASES; do
	n=${c%x*}
	k=${c#*x}
	printf '  %7s x %s:' "$n" "$k"
	for inj in $INJECTORS; do
		printf '  %s %s (%s)' "$inj" "$(spread "$inj" "$n" "$k" 4)" \
		    "$(spread "$inj" "$n" "$k" 11)"
	done
	echo
done
echo
echo "CPU seconds (injector / leaf bgpd / leaf zebra), median:"
for c in $CASES; do
	n=${c%x*}
	k=${c#*x}
	for inj in $INJECTORS; do
		printf '  %-14s %7s x %s: %s / %s / %s\n' "$inj" "$n" "$k" \
		    "$(col "$inj" "$n" "$k" 7)" "$(col "$inj" "$n" "$k" 8)" \
		    "$(col "$inj" "$n" "$k" 9)"
	done
done

if [ "$PROFILE" = 1 ] && command -v perf >/dev/null; then
	echo
	echo "Profile: fabric-inject, N=$n K=$k, perf record --call-graph dwarf (whole life:"
	echo "file parse and rib build before the session, encoding during it):"
	leaf_fresh
	watch_start "$n" "$expect"
	bb_stamped "$BB_DIR/inj.log" ip netns exec "$INJ" perf record -q -F 999 --call-graph dwarf,16384 \
	    -o "$BB_DIR/perf.data" -- "$INJECT" --local-as $LEAF_AS \
	    --router-id 10.255.0.1 --connect-retry 1 --peer 10.255.0.2 \
	    --routes "$BB_DIR/routes"
	watch_wait "$BB_PID"
	bb_stop_pid "$BB_PID" INT
	sleep 1
	echo "Self time, top 20:"
	perf report -i "$BB_DIR/perf.data" --stdio --no-children \
	    --sort symbol -g none 2>/dev/null | grep -E '^ +[0-9.]+%' |
	    awk '{ printf "   %-8s %s\n", $1, $3 }' | head -20
	echo "By phase (children included):"
	perf report -i "$BB_DIR/perf.data" --stdio --children --sort symbol \
	    -g none 2>/dev/null | grep -E '^ +[0-9.]+% +[0-9.]+% +\[.\] (main|load_and_apply|routes_load|apply_routes|apply_prefix|bgp_rib_set|run|bgp_speaker_dispatch|conn_write|conn_refill|bgp_rib_pull|pull_window|encode_run|bgp_update_write_announce|msort_with_tmp.part.0|__libc_write|__GI___libc_write|poll|__poll|bgp_speaker_pollfds|bgp_speaker_timeout|bgp_rib_gc) ' |
	    awk '{ printf "   %-8s %s\n", $1, $4 }' | head -24
	bb_frr_stop "$LEAF"
fi
bb_elapsed
