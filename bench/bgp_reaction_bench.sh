#!/bin/bash
# Reaction: from a weight change handed to the speaker to the kernel's
# weights on the leaf.  fabric-inject holds one prefix with two paths;
# its routes file is replaced by one with the weights swapped and it gets
# SIGHUP; the clock starts just before the kill() and stops when the
# leaf's kernel announces (netlink route notification) the route with the
# new weights.  The floor: bgp_floor --react, which on SIGHUP writes the
# same change as pre-encoded UPDATEs, so what remains is FRR's own
# delay.  Both are timed by bench/fib_watch react, which writes the file,
# sends the signal and listens in the leaf's namespace; rounds are
# 200-400 ms apart (random, not in step with FRR's timers).
#
# usage: bench/bgp_reaction_bench.sh [ROUNDS]   (root; after make -j2)
#        default 20; env BLOCKS=2: fabric-inject, floor, fabric-inject,
#        floor... each ROUNDS rounds (medians over all of a speaker's);
#        BACKGROUND=N: the routes file also holds N other prefixes x 2
#        paths that do not change (fabric-inject re-reads them all on
#        SIGHUP; the floor sends only the changed prefix)
#        BB_BASE=PATH: a second fabric-inject binary ("base", e.g. the
#        commit before a change) runs beside them, for before/after
#
# The leaf: zebra + bgpd (FRR 8.4, maximum-paths ibgp 64) in
# fabbench-*-leaf, next-hops 10.200.1.1 and 10.200.2.1 on two veths to
# fabbench-*-spines; the speaker in fabbench-*-inj (iBGP, ADD-PATH).
. "$(dirname "$0")/bgp_bench_lib.sh"

ROUNDS=${1:-20}
BLOCKS=${BLOCKS:-1}
BACKGROUND=${BACKGROUND:-0}
AS=65001
PFX=20.0.0.0/24

LEAF=$(bb_netns leaf)
SPINES=$(bb_netns spines)
INJ=$(bb_netns inj)
bb_veth "$INJ" i0 10.255.0.1/30 "$LEAF" i0 10.255.0.2/30 || exit 1
for k in 1 2; do
	bb_veth "$LEAF" "s$k" "10.200.$k.0/31" "$SPINES" "l$k" \
	    "10.200.$k.1/31" || exit 1
done
cat >"$BB_DIR/leaf.conf" <<EOF
frr version 8.4
frr defaults datacenter
hostname leaf
!
router bgp $AS
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
printf '%s 10.200.1.1 1\n%s 10.200.2.1 3\n' $PFX $PFX >"$BB_DIR/a1"
printf '%s 10.200.1.1 3\n%s 10.200.2.1 1\n' $PFX $PFX >"$BB_DIR/b1"
WA=$(bb_expect "$BB_DIR/a1")
WB=$(bb_expect "$BB_DIR/b1")
: >"$BB_DIR/bg"
[ "$BACKGROUND" -gt 0 ] && bb_routes "$BB_DIR/bg" "$BACKGROUND" 2 30
cat "$BB_DIR/a1" "$BB_DIR/bg" >"$BB_DIR/a"
cat "$BB_DIR/b1" "$BB_DIR/bg" >"$BB_DIR/b"

# run NAME CMD...: the speaker in the injector's namespace; ROUNDS
# changes once the leaf has weights A
run() {
	local name=$1 pid
	shift
	bb_frr_stop "$LEAF"
	ip -n "$LEAF" route flush proto bgp >/dev/null 2>&1
	bb_frr_start "$LEAF" "$BB_DIR/leaf.conf" zebra || exit 1
	cp "$BB_DIR/a" "$BB_DIR/routes"
	bb_stamped "$BB_DIR/$name.log" ip netns exec "$INJ" "$@"
	pid=$BB_PID
	ip netns exec "$LEAF" "$WATCH" count 1 "$WA" 60 >/dev/null ||
	    { log "$name: weights A never reached the kernel"; return 1; }
	# and the background, if any, is in too
	[ "$BACKGROUND" -gt 0 ] && ip netns exec "$LEAF" "$WATCH" count \
	    "$BACKGROUND" 10.200.1.1=33,10.200.2.1=66 120 >/dev/null
	sleep 1
	if [ "$name" != floor ]; then
		ip netns exec "$LEAF" "$WATCH" react "$pid" $PFX "$WA" "$WB" \
		    "$ROUNDS" "$BB_DIR/routes" "$BB_DIR/a" "$BB_DIR/b"
	else
		ip netns exec "$LEAF" "$WATCH" react "$pid" $PFX "$WA" "$WB" \
		    "$ROUNDS"
	fi | tee -a "$BB_DIR/$name.rounds" | sed "s/^/# $name /" >&2
	bb_stop_pid "$pid"
}

stats() {	# FILE: median min max of the rounds in it
	sed -n 's/^round [0-9]*: \([0-9.]*\) ms$/\1/p' "$1" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - - 0"; exit }
	    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	    printf "%.1f %.1f %.1f %d\n", m, v[1], v[NR], NR }'
}

bb_header
echo "method: one prefix, two paths, weights $WA <-> $WB" \
    "($BACKGROUND other prefixes x 2 paths unchanged in the file); time from" \
    "just before kill(SIGHUP) to the kernel's route notification with the" \
    "new weights; $ROUNDS rounds x $BLOCKS block(s) per speaker"
: >"$BB_DIR/fabric-inject.rounds"
: >"$BB_DIR/floor.rounds"
: >"$BB_DIR/base.rounds"
BASE=
if [ -n "${BB_BASE:-}" ]; then
	BASE=$BB_DIR/fabric-inject.base
	cp "$BB_BASE" "$BASE" || exit 1
fi
for b in $(seq "$BLOCKS"); do
	run fabric-inject "$INJECT" --local-as $AS --router-id 10.255.0.1 \
	    --connect-retry 1 --peer 10.255.0.2 --routes "$BB_DIR/routes"
	[ -n "$BASE" ] && run base "$BASE" --local-as $AS \
	    --router-id 10.255.0.1 --connect-retry 1 --peer 10.255.0.2 \
	    --routes "$BB_DIR/routes"
	run floor "$FLOOR" --local-as $AS --router-id 10.255.0.1 \
	    --peer 10.255.0.2 --routes "$BB_DIR/a" --react "$BB_DIR/b1" \
	    --react-a "$BB_DIR/a1"
done
bb_frr_stop "$LEAF"

read -r fm fmin fmax fn < <(stats "$BB_DIR/fabric-inject.rounds")
read -r lm lmin lmax ln < <(stats "$BB_DIR/floor.rounds")
read -r bm bmin bmax bn < <(stats "$BB_DIR/base.rounds")
echo
echo "| speaker | rounds | median ms | min ms | max ms |"
echo "|---|---|---|---|---|"
echo "| fabric-inject (SIGHUP, re-read file) | $fn | $fm | $fmin | $fmax |"
echo "| floor (pre-encoded UPDATE) | $ln | $lm | $lmin | $lmax |"
echo "| difference | | $(awk -v a="$fm" -v b="$lm" 'BEGIN { printf "%+.1f", a - b }') | | |"
if [ -n "$BASE" ]; then
	echo "| base (BB_BASE) | $bn | $bm | $bmin | $bmax |"
	echo "| base difference | | $(awk -v a="$bm" -v b="$lm" 'BEGIN { printf "%+.1f", a - b }') | | |"
fi
bb_elapsed
