#!/bin/sh
# fabric-probe (UDP back end): probes per second per core, and the time
# to detect a black-holed path, in namespaces of its own
# (fabbench-prb-PID-a, -r, -b: a - r - b, r forwards).
#
#  1. rate: a responder in b (pinned to CPU 0) answers a sender in a
#     (pinned to CPU 1) sending as fast as --max-inflight allows
#     (--interval 0), for N probes (default 200000) of 256 payload
#     octets; printed: probes answered per second, and per CPU-second of
#     each process (user + system, from /usr/bin/time).
#  2. detection: with the defaults (interval 10 ms, timeout 50 ms,
#     fail-after 5: a stated bound of 100 ms), RUNS times (default 10),
#     an nftables drop of UDP 4791 in r, then its removal; printed: time
#     from just before `nft` to the path-state event, min/median/max, and
#     the same from when `nft` returned (the fault surely in place), and
#     the same for recovery.
#
# usage: bench/probe_bench.sh [N] [RUNS]   (root, from a built tree)
set -eu

n=${1:-200000}
runs=${2:-10}
top=$(cd "$(dirname "$0")/.." && pwd)
probe=$top/gpu-probe/fabric-probe
[ -x "$probe" ] || { echo "probe_bench: build first" >&2; exit 1; }
for t in nft jq taskset /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "probe_bench: $t missing" >&2; exit 1; }
done

P=fabbench-prb-$$
A=$P-a R=$P-r B=$P-b
tmp=$(mktemp -d /tmp/probe-bench.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	for ns in $A $R $B; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for ns in $A $R $B; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip -n "$A" link add va type veth peer name ra netns "$R"
ip -n "$B" link add vb type veth peer name rb netns "$R"
ip -n "$A" addr add 10.99.1.2/24 dev va
ip -n "$R" addr add 10.99.1.1/24 dev ra
ip -n "$R" addr add 10.99.2.1/24 dev rb
ip -n "$B" addr add 10.99.2.2/24 dev vb
for l in "$A va" "$R ra" "$R rb" "$B vb"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$A" route add default via 10.99.1.1
ip -n "$B" route add default via 10.99.2.1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- 1. rate
# ip netns exec and taskset exec: $! is fabric-probe itself
ip netns exec "$B" taskset -c 0 "$probe" --respond -j \
    -o "$tmp/resp.json" 2>/dev/null &
resp=$!
pids="$resp"
sleep 0.3
start=$(date +%s%N)
ip netns exec "$A" /usr/bin/time -f '%U %S' -o "$tmp/send.time" \
    taskset -c 1 "$probe" --target 10.99.2.2 --interval 0 --count "$n" \
    --max-inflight 64 --candidates 1 --report 100000 -j \
    -o "$tmp/send.json" 2>/dev/null
end=$(date +%s%N)
# utime + stime, fields 14 and 15 of /proc/PID/stat, in clock ticks
rcpu=$(awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' \
    "/proc/$resp/stat")
kill -TERM "$resp"
wait "$resp" || true
pids=""
got=$(tail -1 "$tmp/send.json" | jq '.paths[0].received')
lost=$(tail -1 "$tmp/send.json" | jq '.paths[0].lost')
scpu=$(awk '{ print $1 + $2 }' "$tmp/send.time")
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { print (b - a) / 1e9 }')
echo "rate: $got answered, $lost lost, in $wall s (discovery included)"
awk -v g="$got" -v w="$wall" -v s="$scpu" -v r="$rcpu" 'BEGIN {
	printf "  %.0f probes/s round trip; sender %.2f CPU s: %.0f probes per CPU-s; responder %.2f CPU s: %.0f per CPU-s\n",
	    g / w, s, g / s, r, g / r }'

# ---- 2. detection
ip netns exec "$B" "$probe" --respond 2>/dev/null >/dev/null &
pids="$!"
ip netns exec "$A" "$probe" --target 10.99.2.2 -j --report 1000 \
    -o "$tmp/det.json" 2>/dev/null &
pids="$pids $!"
sleep 1.5
ev() {	# STATE SINCE_NS
	jq -r --arg st "$1" --argjson t "$2" \
	    'select(.event == "path-state" and .path.state == $st and .time_ns >= $t) | .time_ns' \
	    "$tmp/det.json" | head -1
}
waitev() {
	k=0
	while [ -z "$(ev "$1" "$2")" ]; do
		k=$((k + 1))
		[ "$k" -lt 200 ] || return 1
		sleep 0.02
	done
}
ip netns exec "$R" nft add table inet prbbench
ip netns exec "$R" nft add chain inet prbbench prbfwd \
    '{ type filter hook forward priority 0; }'
: >"$tmp/det.ms"
: >"$tmp/rec.ms"
: >"$tmp/det_after.ms"
i=0
while [ "$i" -lt "$runs" ]; do
	t0=$(date +%s%N)
	ip netns exec "$R" nft add rule inet prbbench prbfwd udp dport 4791 drop
	ta=$(date +%s%N)
	waitev failed "$t0"
	te=$(ev failed "$t0")
	echo $(((te - t0) / 1000000)) >>"$tmp/det.ms"
	echo $(((te - ta) / 1000000)) >>"$tmp/det_after.ms"
	sleep 0.3
	t1=$(date +%s%N)
	ip netns exec "$R" nft flush chain inet prbbench prbfwd
	waitev ok "$t1"
	echo $((($(ev ok "$t1") - t1) / 1000000)) >>"$tmp/rec.ms"
	sleep 0.3
	i=$((i + 1))
done
echo "detection (bound 100 ms), $runs runs, ms: min $(sort -g "$tmp/det.ms" | head -1)" \
    "median $(median <"$tmp/det.ms") max $(sort -g "$tmp/det.ms" | tail -1)"
echo "  the same from when nft returned, ms: min $(sort -g "$tmp/det_after.ms" | head -1)" \
    "median $(median <"$tmp/det_after.ms") max $(sort -g "$tmp/det_after.ms" | tail -1)"
echo "recovery (10 good answers, >= 100 ms), ms: min $(sort -g "$tmp/rec.ms" | head -1)" \
    "median $(median <"$tmp/rec.ms") max $(sort -g "$tmp/rec.ms" | tail -1)"
