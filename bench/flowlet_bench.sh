#!/bin/sh
# The flowlet data plane's reaction time (docs/BENCHMARKS.md, "Flowlet
# data plane"): from fabric-inject's SIGHUP with new weights, through
# FRR (BGP UPDATE -> bgpd -> zebra -> kernel route in main), to
# fabric-agent's resilient group replaced with them.
#
#   bench/flowlet_bench.sh [ROUNDS]		(root; default 20)
#   BACKGROUND=N bench/flowlet_bench.sh ...	N more prefixes (x 2 paths)
#						in main, that do not change
#
# Lab fltbench (a copy of pod-2s4l-unnumbered), leaf1 steering
# 10.1.4.0/24.  One `ip -ts monitor route nexthop` in leaf1's namespace
# stamps both the kernel's notification of FRR's new route and that of
# the agent's group replace, so the agent's share is measured on one
# clock, by a process that is neither FRR nor the agent.  Weights
# alternate 25:75 and 75:25, 300 to 600 ms apart.
set -eu
ROUNDS=${1:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
FABRICCTL=$top/controller/fabricctl
AGENT=$top/telemetry/fabric-agent
INJECT=$top/bgp/fabric-inject
LAB=fltbench
LEAF=clab-$LAB-leaf1
DST=10.1.4.0/24
GRP=4043309056
dir=$(mktemp -d /tmp/fabbench-flowlet.XXXXXX)
topo=$dir/lab/pod-2s4l.clab.yml
pids=

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	ip netns exec "$LEAF" "$AGENT" --flowlet-cleanup >/dev/null 2>&1 || true
	[ -f "$topo" ] && "$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	[ -n "${KEEP:-}" ] && cp -r "$dir" "$KEEP"	# KEEP=DIR: for a look
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir "$dir/lab"
cp -r "$top/examples/pod-2s4l-unnumbered/." "$dir/lab/"
sed -i "s/^name: pod-2s4l\$/name: $LAB/" "$topo"
(umask 077 && openssl rand -hex 32 >"$dir/key")
"$FABRICCTL" lab deploy -t "$topo" >/dev/null
"$FABRICCTL" lab wait -t "$topo" --timeout 90 >/dev/null

BACKGROUND=${BACKGROUND:-0}
awk -v n="$BACKGROUND" 'BEGIN { for (i = 0; i < n; i++) {
	p = sprintf("10.%d.%d.0/24", 100 + int(i / 256) % 100, i % 256)
	if (i >= 25600) p = sprintf("11.%d.%d.0/24", int(i / 256) % 256, i % 256)
	print p, "10.0.0.1 1"; print p, "10.0.0.2 1" } }' >"$dir/background"
routes() {
	{ printf '%s 10.0.0.1 %s\n%s 10.0.0.2 %s\n' "$DST" "$1" "$DST" "$2"
	  cat "$dir/background"; } >"$dir/routes"
}
routes 1 3
ip netns exec "clab-$LAB-mgmt-net" "$INJECT" --local-as 65001 \
    --router-id 172.20.20.1 --holdtime 9 --connect-retry 1 \
    --peer "172.20.20.101,name=leaf1" --routes "$dir/routes" \
    >"$dir/inject.log" 2>&1 &
inject=$!
pids="$pids $inject"
ip netns exec "$LEAF" "$AGENT" --publish tcp://127.0.0.1:7720 \
    --key "$dir/key" --interfaces eth1,eth2 --flowlet-prefix "$DST" \
    >"$dir/agent.log" 2>&1 &
pids="$pids $!"
i=0
until ip -n "$LEAF" -j nexthop show id "$GRP" 2>/dev/null |
    jq -e '[.[0].group[].weight // 1] | sort == [25, 75]' >/dev/null 2>&1 &&
    [ "$(ip -n "$LEAF" route show proto bgp | grep -c '^[0-9]')" -gt "$BACKGROUND" ]; do
	i=$((i + 1)); [ "$i" -lt 60 ] || { echo "no group"; exit 1; }
	sleep 1
done
ip -n "$LEAF" -ts monitor route nexthop >"$dir/mon" 2>&1 &
pids="$pids $!"
sleep 0.5

r=0
: >"$dir/hups"
while [ "$r" -lt "$ROUNDS" ]; do
	if [ $((r % 2)) -eq 0 ]; then routes 3 1; else routes 1 3; fi
	date +%s.%N >>"$dir/hups"
	kill -HUP "$inject"
	sleep "0.$(( 300 + $(od -An -N2 -tu2 /dev/urandom) % 300 ))"
	r=$((r + 1))
done
sleep 0.5

# Each round: the first main-table route event for DST after the SIGHUP
# (FRR's), then the first replace of our group after that (the agent's).
awk -v dst="$DST" -v grp="$GRP" '
	function epoch(s,   d, t) {	# [2026-11-21T23:45:22.874186]
		gsub(/[][]/, "", s); split(s, d, "T")
		cmd = "date -u -d " d[1] "T" substr(d[2], 1, 8) "Z +%s"
		cmd | getline t; close(cmd)
		return t + ("0" substr(d[2], 9))
	}
	FNR == NR { hup[++n] = $1 + 0; next }
	/^\[/ && index($0, " " dst " ") && /proto bgp/ { k_[++m] = "r"; t_[m] = epoch($1) }
	/^\[/ && index($0, "id " grp " group") { k_[++m] = "g"; t_[m] = epoch($1) }
	END {
		k = 1
		for (i = 1; i <= n; i++) {
			fr = 0; ag = 0
			for (; k <= m; k++) {
				if (t_[k] < hup[i]) continue
				if (i < n && t_[k] >= hup[i + 1]) break
				if (k_[k] == "r" && !fr) fr = t_[k]
				else if (k_[k] == "g" && fr && !ag) ag = t_[k]
			}
			if (fr && ag)
				printf "%.2f %.2f %.2f\n", (fr - hup[i]) * 1000,
				    (ag - fr) * 1000, (ag - hup[i]) * 1000
		}
	}' "$dir/hups" "$dir/mon" >"$dir/rounds"

stats() {	# column -> "median min max"
	cut -d' ' -f"$1" "$dir/rounds" | sort -n | awk '{ v[NR] = $1 }
	    END { printf "%.2f %.2f %.2f", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
[ -s "$dir/rounds" ] || { echo "no round measured; monitor said:"; head -20 "$dir/mon"; exit 1; }
echo "rounds measured: $(wc -l <"$dir/rounds") of $ROUNDS;" \
    "$(ip -n "$LEAF" route show | wc -l) lines in main"
echo "FRR (SIGHUP -> kernel route in main), ms median/min/max: $(stats 1)"
echo "agent (main route -> resilient group), ms median/min/max: $(stats 2)"
echo "end to end (SIGHUP -> group), ms median/min/max: $(stats 3)"
