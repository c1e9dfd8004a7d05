#!/bin/bash
# Fan-out: the same routes to many FRR peers at once.  fabric-inject, then
# GoBGP, announce N prefixes x K paths (ADD-PATH, link-bandwidth) over
# iBGP to P FRR 8.4 bgpd instances (bgpd -Z: no zebra, no FIB), each in
# its own namespace fabbench-*-pI behind a veth on a bridge in
# fabbench-*-hub, where the speaker runs (10.254.0.1).  Timed until every
# peer holds all N x K paths (pfxRcd, asked of each bgpd's vty socket by
# bench/frr_pfx_wait.py); the speaker's CPU (user+sys, /proc/PID/stat)
# and peak resident size (VmHWM) are read when the last peer has them.
#
# usage: bench/bgp_fanout_bench.sh [P ...]   (root; after make -j2)
#        default: 32 64
# env:   ROUTES=10000x2 (N x K)   RUNS=3 (trials per speaker; medians)
#
# fabric-inject: the clock starts when the process starts; it reads the
# file, connects to every peer and sends.  GoBGP: gobgpd starts with no
# neighbor, takes the paths through `gobgp mrt inject global' (an MRT file
# bgp_floor writes with the same attributes), and when it holds them all
# its config gains the P neighbors (SIGHUP: all at once); the clock starts
# at that SIGHUP.  GoBGP's CPU is given for the fan-out alone (from the
# SIGHUP) and for its whole life (with the load).  Fresh bgpd instances
# for every trial.
. "$(dirname "$0")/bgp_bench_lib.sh"

PEERS=${*:-32 64}
ROUTES=${ROUTES:-10000x2}
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-300}
N=${ROUTES%x*}
K=${ROUTES#*x}
AS=65001
POLL=$TOP/bench/frr_pfx_wait.py
MAXP=0
for p in $PEERS; do [ "$p" -gt "$MAXP" ] && MAXP=$p; done

HUB=$(bb_netns hub)
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" addr add 10.254.0.1/16 dev br0
ip -n "$HUB" link set br0 up
for i in $(seq "$MAXP"); do
	ns=$(bb_netns "p$i")
	ip link add "v$i" netns "$HUB" type veth peer name e0 netns "$ns" &&
	    ip -n "$ns" addr add "10.254.1.$i/16" dev e0 &&
	    ip -n "$ns" link set e0 up &&
	    ip -n "$HUB" link set "v$i" master br0 up || exit 1
	cat >"$BB_DIR/p$i.conf" <<EOF
frr version 8.4
frr defaults datacenter
hostname p$i
!
router bgp $AS
 bgp router-id 10.254.1.$i
 no bgp ebgp-requires-policy
 neighbor 10.254.0.1 remote-as internal
 neighbor 10.254.0.1 timers connect 1
 !
 address-family ipv4 unicast
  maximum-paths ibgp 64
 exit-address-family
!
EOF
done
NS_PREFIX=fabbench-$BB_TAG-p

bb_routes "$BB_DIR/routes" "$N" "$K"
"$FLOOR" --mrt "$BB_DIR/routes.mrt" --local-as $AS --routes "$BB_DIR/routes" ||
    exit 1

peers_start() {	# P: fresh bgpd -Z in p1..pP
	local i
	for i in $(seq "$1"); do
		bb_frr_start "$NS_PREFIX$i" "$BB_DIR/p$i.conf" nozebra nowait ||
		    exit 1
	done
	for i in $(seq "$1"); do
		bb_frr_wait "$NS_PREFIX$i" bgpd || exit 1
	done
}

peers_stop() {
	local i
	for i in $(seq "$MAXP"); do
		bb_frr_stop "$NS_PREFIX$i"
	done
}

peer_list() { seq -f "$NS_PREFIX%g" "$1" | tr '\n' ' '; }

# wait_all P: prints the epoch when all P peers hold N x K paths
wait_all() {
	python3 "$POLL" 10.254.0.1 $((N * K)) "$TIMEOUT" $(peer_list "$1") \
	    >"$BB_DIR/poll.out"
	awk '$1 == "all" { print $2 }' "$BB_DIR/poll.out" | grep . ||
	    { sed 's/^/# poll: /' "$BB_DIR/poll.out" | tail -3 >&2; return 1; }
}

# result NAME P T0 FIRST_UP LAST_UP DONE CPU CPU_ALL HWM_KB
result() {
	local all=- up=-
	[ -n "$6" ] && all=$(sub "$3" "$6") && [ -n "$4" ] && up=$(sub "$4" "$6")
	echo "$1 $2 $all $up $7 $8 $(awk -v k="${9:-0}" 'BEGIN { printf "%.1f", k / 1024 }')" \
	    >>"$BB_DIR/results"
	log "$1 P=$2: all peers done $all s after start ($up s after the" \
	    "first session up; last up at +$( [ -n "$5" ] && sub "$3" "$5" || echo -) s)," \
	    "CPU $7 s (whole life $8 s), VmHWM $(awk -v k="${9:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
}

trial_fabric_inject() {	# P
	local args="" i t0 done cpu hwm pid
	for i in $(seq "$1"); do args="$args --peer 10.254.1.$i"; done
	t0=$(now)
	bb_stamped "$BB_DIR/inj.log" ip netns exec "$HUB" "$INJECT" \
	    --local-as $AS --router-id 10.254.0.1 --connect-retry 1 \
	    --routes "$BB_DIR/routes" $args
	pid=$BB_PID
	done=$(wait_all "$1") || done=
	cpu=$(proc_cpu "$pid")
	hwm=$(proc_kb "$pid" VmHWM)
	result fabric-inject "$1" "$t0" \
	    "$(grep -m1 'session up' "$BB_DIR/inj.log" | awk '{ print $1 }')" \
	    "$(grep 'session up' "$BB_DIR/inj.log" | tail -1 | awk '{ print $1 }')" \
	    "$done" "$cpu" "$cpu" "$hwm"
	bb_stop_pid "$pid"
}

gobgp() { ip netns exec "$HUB" gobgp "$@"; }

gobgp_conf() {	# P: the config, with P neighbors
	local i
	cat <<EOF
[global.config]
  as = $AS
  router-id = "10.254.0.1"
  local-address-list = ["10.254.0.1"]
EOF
	for i in $(seq "$1"); do
		cat <<EOF
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.254.1.$i"
    peer-as = $AS
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
	done
}

trial_gobgp() {	# P
	local t0 done cpu0 cpu hwm pid i paths
	gobgp_conf 0 >"$BB_DIR/gobgpd.toml"
	bb_stamped "$BB_DIR/gobgpd.log" ip netns exec "$HUB" gobgpd -p \
	    -f "$BB_DIR/gobgpd.toml" --api-hosts 127.0.0.1:50051 --pprof-disable
	pid=$BB_PID
	for i in $(seq 100); do gobgp global >/dev/null 2>&1 && break; sleep 0.05; done
	gobgp mrt inject global "$BB_DIR/routes.mrt"
	for i in $(seq $((TIMEOUT * 10))); do
		paths=$(gobgp global rib summary -a ipv4 2>/dev/null |
		    sed -n 's/.*Path: \([0-9]*\).*/\1/p')
		[ "${paths:-0}" -ge $((N * K)) ] && break
		sleep 0.1
	done
	gobgp_conf "$1" >"$BB_DIR/gobgpd.toml"
	cpu0=$(proc_cpu "$pid")
	t0=$(now)
	kill -HUP "$pid"
	done=$(wait_all "$1") || done=
	cpu=$(proc_cpu "$pid")
	hwm=$(proc_kb "$pid" VmHWM)
	result gobgp "$1" "$t0" \
	    "$(grep -m1 'Peer Up' "$BB_DIR/gobgpd.log" | awk '{ print $1 }')" \
	    "$(grep 'Peer Up' "$BB_DIR/gobgpd.log" | tail -1 | awk '{ print $1 }')" \
	    "$done" "$(awk -v a="$cpu0" -v b="$cpu" 'BEGIN { printf "%.2f", b - a }')" \
	    "$cpu" "$hwm"
	bb_stop_pid "$pid"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
    else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v a="$1" -v p="$2" -v c="$3" '$1 == a && $2 == p && $c != "-" { print $c }' \
    "$BB_DIR/results" | median; }

bb_header
echo "method: $N prefixes x $K paths over iBGP ADD-PATH to P bgpd -Z peers" \
    "(no zebra), each in its own namespace on one bridge; done = every peer's" \
    "pfxRcd = $((N * K)); $RUNS run(s) per cell, median"
: >"$BB_DIR/results"
for p in $PEERS; do
	for r in $(seq "$RUNS"); do
		for s in fabric-inject gobgp; do
			peers_start "$p"
			"trial_${s//-/_}" "$p"
			peers_stop
		done
	done
done

echo
echo "| peers | speaker | all peers done, s from start | from first session up | speaker CPU s (user+sys) | CPU incl. load | VmHWM MiB |"
echo "|---|---|---|---|---|---|---|"
for p in $PEERS; do
	for s in fabric-inject gobgp; do
		echo "| $p | $s | $(col "$s" "$p" 3) | $(col "$s" "$p" 4) | $(col "$s" "$p" 5) | $(col "$s" "$p" 6) | $(col "$s" "$p" 7) |"
	done
	echo "| $p | GoBGP / fabric-inject | $(ratio "$(col gobgp "$p" 3)" "$(col fabric-inject "$p" 3)") | $(ratio "$(col gobgp "$p" 4)" "$(col fabric-inject "$p" 4)") | $(ratio "$(col gobgp "$p" 5)" "$(col fabric-inject "$p" 5)") | | $(ratio "$(col gobgp "$p" 7)" "$(col fabric-inject "$p" 7)") |"
done
bb_elapsed
