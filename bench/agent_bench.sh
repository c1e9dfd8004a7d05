#!/bin/sh
# fabric-agent's cost and latency (docs/BENCHMARKS.md, "Telemetry").
#
# In a private namespace fabbench-agent-PID, 50 veth pairs (100
# interfaces, every one sampled: the agent's default set).  For each
# interval (default 100 and 10 ms) the agent runs SECONDS (default 10)
# with fabric-telemetry-dump subscribed on 127.0.0.1; the agent's CPU
# time over the run, after a 1 s warm-up, is printed as a percentage of
# one core: utime + stime of all its threads from /proc/PID/stat (clock
# ticks, 10 ms), and the sum of /proc/PID/task/*/schedstat (ns, the
# precise figure at these small loads).  From the
# dump's JSON: the latency from the agent's time_ns (stamped just after
# the kernel's counters were read) to state_ns (the dump's clock once
# ingest_feed() has applied the sample), both CLOCK_REALTIME on this
# host: median, p99, max.
#
# usage: bench/agent_bench.sh [SECONDS [INTERVAL_MS ...]]     (root)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
AGENT="$top/telemetry/fabric-agent"
DUMP="$top/telemetry/fabric-telemetry-dump"
secs=${1:-10}
[ $# -gt 0 ] && shift
intervals=${*:-100 10}
for t in ip jq openssl awk "$AGENT" "$DUMP"; do
	command -v "$t" >/dev/null 2>&1 || { echo "$t not found" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "agent_bench.sh: needs root" >&2; exit 1; }

NS=fabbench-agent-$$
tmp=$(mktemp -d /tmp/fabbench-agent.XXXXXX)
agent=""
dump=""

stop() {
	for p in $agent $dump; do
		kill "$p" 2>/dev/null || true
	done
	for p in $agent $dump; do
		wait "$p" 2>/dev/null || true
	done
	agent=""
	dump=""
}

cleanup() {
	stop
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
i=0
while [ $i -lt 50 ]; do
	echo "link add bva$i type veth peer name bvb$i"
	echo "link set bva$i up"
	echo "link set bvb$i up"
	i=$((i + 1))
done | ip -n "$NS" -batch -
nif=$(ip -n "$NS" -o link show | grep -c ' bv[ab][0-9]*@')
umask 077
openssl rand -hex 32 >"$tmp/key"
hz=$(getconf CLK_TCK)

# utime + stime of a process, in clock ticks (fields 14 and 15; the
# command name in field 2 has no spaces here).
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# Time on a CPU of all its threads, in ns.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { print s }'
}

for iv in $intervals; do
	port=$((7700 + iv % 100))
	ip netns exec "$NS" "$AGENT" --publish "tcp://127.0.0.1:$port" \
	    --key "$tmp/key" --id bench --interval "$iv" \
	    2>"$tmp/agent-$iv.log" &
	agent=$!
	ip netns exec "$NS" "$DUMP" --subscribe "tcp://127.0.0.1:$port" \
	    --key "$tmp/key" -j --time $((secs + 2)) >"$tmp/dump-$iv.json" \
	    2>"$tmp/dump-$iv.log" &
	dump=$!
	sleep 1
	c0=$(cpu_ticks "$agent")
	s0=$(cpu_ns "$agent")
	t0=$(date +%s%N)
	sleep "$secs"
	c1=$(cpu_ticks "$agent")
	s1=$(cpu_ns "$agent")
	t1=$(date +%s%N)
	stop
	links=$(jq -r 'select(.type == "link-sample") | .links | length' \
	    "$tmp/dump-$iv.json" | sort -n | tail -1)
	jq -r 'select(.type == "link-sample") | .state_ns - .time_ns' \
	    "$tmp/dump-$iv.json" | sort -n >"$tmp/lat-$iv"
	n=$(wc -l <"$tmp/lat-$iv")
	[ "$n" -gt 0 ] || { echo "no samples at $iv ms" >&2; exit 1; }
	awk -v hz="$hz" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" \
	    -v s0="$s0" -v s1="$s1" \
	    -v iv="$iv" -v nif="$nif" -v links="$links" -v n="$n" \
	    -v lat="$tmp/lat-$iv" 'BEGIN {
		wall = (t1 - t0) / 1e9
		cpu = (c1 - c0) / hz
		sched = (s1 - s0) / 1e9
		i = 0
		while ((getline v < lat) > 0)
			l[i++] = v
		med = l[int((n - 1) * 0.5)]
		p99 = l[int((n - 1) * 0.99)]
		printf("interval %d ms: %d interfaces (%s per sample), " \
		    "cpu %.3f s in %.1f s = %.2f%% of a core " \
		    "(stat: %.2f s, %.2f%%); " \
		    "latency n=%d median %.0f us p99 %.0f us max %.0f us\n",
		    iv, nif, links, sched, wall, 100 * sched / wall,
		    cpu, 100 * cpu / wall,
		    n, med / 1e3, p99 / 1e3, l[n - 1] / 1e3)
	}'
done
