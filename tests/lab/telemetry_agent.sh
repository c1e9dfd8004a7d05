#!/bin/sh
# fabric-agent against the real kernel, in two private namespaces
# (fabtest-tel-a, fabtest-tel-b) joined by a veth whose egress in "a" is
# shaped by `tc qdisc ... root tbf rate 10mbit`.  The agent publishes on
# 127.0.0.1 inside "a"; fabric-telemetry-dump (the controller's ingest)
# subscribes there and prints JSON lines.  A second agent signs with the
# wrong key.  Checked:
#   (a) samples arrive, signed and accepted; the capacity is the tbf rate
#   (b) with iperf3 UDP at 30 Mb/s, the utilisation is near the shaped
#       rate, the qdisc has a backlog and drops, the link is congested
#   (c) `ip link set down`, five times: a link-event down within 100 ms,
#       measured from just before the command to the dump's receipt
#   (d) every message of the wrong-key agent is rejected as bad-mac and
#       counted; none is accepted
#   (e) SIGTERM: the agent exits 0
#   (f) the agent restarted under the same id: accepted, not a replay
. "$(dirname "$0")/lib.sh"

if [ "${FABRIC_LAB_TESTS:-1}" = 0 ]; then
	echo "SKIP: FABRIC_LAB_TESTS=0 (the lab tests ran in the main build)"
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: lab tests need root for network namespaces"
	exit 77
fi
AGENT="$abs_top_builddir/telemetry/fabric-agent"
DUMP="$abs_top_builddir/telemetry/fabric-telemetry-dump"
for t in ip tc jq iperf3 openssl "$AGENT" "$DUMP"; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "FAIL: $t not found"
		exit 1
	}
done

NSA=fabtest-tel-a
NSB=fabtest-tel-b
tmp=$(mktemp -d /tmp/fabtest-tel.XXXXXX)
pids=""

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NSA" 2>/dev/null || true
	ip netns del "$NSB" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ip netns del "$NSA" 2>/dev/null || true
ip netns del "$NSB" 2>/dev/null || true
ip netns add "$NSA"
ip netns add "$NSB"
ip -n "$NSA" link set lo up
ip -n "$NSB" link set lo up
ip -n "$NSA" link add ta0 type veth peer name tb0 netns "$NSB"
ip -n "$NSA" addr add 10.77.0.1/30 dev ta0
ip -n "$NSB" addr add 10.77.0.2/30 dev tb0
ip -n "$NSA" link set ta0 up
ip -n "$NSB" link set tb0 up
ip netns exec "$NSA" tc qdisc add dev ta0 root tbf rate 10mbit \
    burst 32kbit latency 50ms

umask 077
openssl rand -hex 32 > "$tmp/key"
openssl rand -hex 32 > "$tmp/wrong.key"

ip netns exec "$NSA" "$AGENT" --publish tcp://127.0.0.1:7600 \
    --key "$tmp/key" --id tel-a --interfaces ta0 --interval 100 \
    2>"$tmp/agent.log" &
agent=$!
pids="$pids $agent"
ip netns exec "$NSA" "$AGENT" --publish tcp://127.0.0.1:7601 \
    --key "$tmp/wrong.key" --id tel-bad --interfaces ta0 \
    2>"$tmp/bad.log" &
pids="$pids $!"
ip netns exec "$NSA" "$DUMP" --subscribe tcp://127.0.0.1:7600 \
    --subscribe tcp://127.0.0.1:7601 --key "$tmp/key" -j \
    --stale 300 >"$tmp/dump.json" 2>"$tmp/dump.log" &
dump=$!
pids="$pids $dump"

ip netns exec "$NSB" iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
pids="$pids $!"
sleep 1.5

# (b) three times the shaped rate for 4 s.
ip netns exec "$NSA" iperf3 -c 10.77.0.2 -p 5299 -u -b 30M -t 4 \
    >"$tmp/iperf.log" 2>&1 || echo "# iperf3 failed: $(tail -1 "$tmp/iperf.log")"
sleep 0.5

# (c) down, timed from just before the command, five times.
for i in 1 2 3 4 5; do
	date +%s%N >>"$tmp/t0"
	ip -n "$NSA" link set ta0 down
	sleep 0.2
	ip -n "$NSA" link set ta0 up
	sleep 0.3
done

# (f) a restarted agent (same id, fresh process) is not taken for a replay.
kill -TERM "$agent"
wait "$agent"
agent_rc=$?
restart=$(date +%s%N)
ip netns exec "$NSA" "$AGENT" --publish tcp://127.0.0.1:7600 \
    --key "$tmp/key" --id tel-a --interfaces ta0 --interval 100 \
    2>>"$tmp/agent.log" &
agent=$!
pids="$pids $agent"
sleep 1.5
kill -TERM "$dump"
wait "$dump" 2>/dev/null || true
kill -TERM "$agent"
wait "$agent" || agent_rc=$?

J="$tmp/dump.json"
samples=$(jq -s '[.[] | select(.type == "link-sample" and
    .agent == "tel-a")] | length' "$J")
echo "# $samples samples from tel-a"
check "(a) samples from the agent were accepted" [ "$samples" -ge 20 ]
cap=$(jq -s -r '[.[] | select(.type == "link-sample") | .links[] |
    select(.name == "ta0")] | last | "\(.capacity_bps) \(.capsrc)"' "$J")
echo "# capacity, source: $cap"
check "(a) capacity is the tbf rate (10 Mb/s, source 3)" \
    [ "$cap" = "10000000 3" ]

maxutil=$(jq -s '[.[] | select(.type == "link-sample") | .links[] |
    select(.name == "ta0") | .util] | max' "$J")
maxbl=$(jq -s '[.[] | select(.type == "link-sample") | .links[] |
    select(.name == "ta0") | .backlog] | max' "$J")
qdrops=$(jq -s '[.[] | select(.type == "link-sample") | .links[] |
    select(.name == "ta0") | .qdrops] | max' "$J")
cong=$(jq -s '[.[] | select(.type == "link-sample") | .links[] |
    select(.name == "ta0" and .congested)] | length' "$J")
echo "# peak utilisation $maxutil, peak backlog $maxbl B," \
    "qdisc drops $qdrops, $cong congested samples"
check "(b) utilisation near the shaped rate (0.85 to 1.15)" \
    awk -v u="$maxutil" 'BEGIN { exit !(u >= 0.85 && u <= 1.15) }'
check "(b) backlog under overload" [ "$maxbl" -gt 0 ]
check "(b) qdisc drops under overload" [ "$qdrops" -gt 0 ]
check "(b) the link was flagged congested" [ "$cong" -gt 0 ]

# Each down event against the last `ip link set down` before it.
jq -r 'select(.type == "link-event" and .name == "ta0" and
    .oper == "down") | "\(.recv_ns) \(.time_ns)"' "$J" >"$tmp/downs"
lats=$(awk 'NR == FNR { t[NR] = $1; n = NR; next }
    { for (i = n; i > 0 && t[i] > $1; i--) ;
      if (i > 0) printf "%.1f/%.1f ", ($2 - t[i]) / 1e6, ($1 - t[i]) / 1e6 }' \
    "$tmp/t0" "$tmp/downs")
echo "# link down, agent stamp/ingest receipt after \`ip link set down\`" \
    "began, ms: $lats"
ndown=$(echo "$lats" | wc -w)
worst=$(echo "$lats" | tr ' ' '\n' | awk -F/ 'NF == 2 && $2 > m { m = $2 }
    END { print m + 0 }')
check "(c) five link-event downs received" [ "$ndown" -eq 5 ]
check "(c) each within 100 ms (worst $worst ms)" \
    awk -v l="$worst" 'BEGIN { exit !(l > 0 && l < 100) }'

after=$(jq -s --argjson r "$restart" '[.[] | select(.type == "link-sample"
    and .agent == "tel-a" and .time_ns > $r)] | length' "$J")
counters=$(jq -s -r '[.[] | select(.type == "counters")] | last |
    "\(.replayed) \(.restarts) \(.missing)"' "$J")
set -- $counters
echo "# after the restart: $after samples accepted; counters: $1 replayed," \
    "$2 restarts, $3 missing"
check "(f) the restarted agent's samples are accepted" [ "$after" -ge 5 ]
check "(f) nothing counted as replayed" [ "$1" -eq 0 ]
check "(f) the restart is counted as one" [ "$2" -eq 1 ]

badmac=$(jq -s '[.[] | select(.type == "counters")] | last | ."bad-mac"' "$J")
badacc=$(jq -s '[.[] | select(.agent == "tel-bad")] | length' "$J")
rej=$(jq -s '[.[] | select(.type == "rejected" and
    .reason == "bad-mac")] | length' "$J")
echo "# wrong key: $badmac counted bad-mac, $rej rejected lines," \
    "$badacc accepted"
check "(d) wrong-key messages rejected and counted" \
    test "$badmac" -ge 10 -a "$badmac" -eq "$rej"
check "(d) nothing from the wrong-key agent accepted" [ "$badacc" -eq 0 ]
check "(e) agent exits 0 on SIGTERM" [ "$agent_rc" -eq 0 ]
if [ "$fails" -ne 0 ]; then
	echo "# agent log:"; sed 's/^/#   /' "$tmp/agent.log"
	echo "# dump log:"; sed 's/^/#   /' "$tmp/dump.log"
fi
finish
