#!/bin/bash
# Memory: the speaker's resident size for 100,000 prefixes x 8 paths x 64
# peers, attributes shared.
#
# 1. bench/bgp_rib_mem, the library alone: the rib built as fabric-inject
#    builds it, 64 cursors pulled round-robin to the end, each through a
#    write buffer of its own as bgp_session.c fills it (< 4 MiB), all 64
#    buffers full at the worst moment.  Once with one weight vector for
#    every prefix (8 interned attribute sets), once with 1,000 (8,000).
# 2. fabric-inject itself with 64 real sessions: the peers are
#    bench/bgp_sink, one process that answers 64 sessions (127.1.0.1-64,
#    in namespace fabbench-*-mem) and counts and drops what it gets; read
#    when every peer has End-of-RIB: VmHWM and VmRSS from /proc, CPU.
#
# usage: bench/bgp_memory_bench.sh [PREFIXES [PATHS [PEERS]]]
#        (root for part 2; defaults 100000 8 64)
. "$(dirname "$0")/bgp_bench_lib.sh"

N=${1:-100000}
K=${2:-8}
P=${3:-64}
SINK=$TOP/bench/bgp_sink
[ -x "$SINK" ] && [ -x "$TOP/bench/bgp_rib_mem" ] ||
    { echo "build first (make -j2)" >&2; exit 1; }

bb_header
echo "method: VmRSS/VmHWM from /proc; target < 1 GiB"
echo
echo "1. library: bench/bgp_rib_mem $N $K $P (1 weight vector, then 1000)"
"$TOP/bench/bgp_rib_mem" "$N" "$K" "$P" 1 | sed 's/^/   /'
"$TOP/bench/bgp_rib_mem" "$N" "$K" "$P" 1000 | sed 's/^/   /'

echo
echo "2. fabric-inject with $P real sessions to bench/bgp_sink"
NS=$(bb_netns mem)
bb_routes "$BB_DIR/routes" "$N" "$K"
args=""
for i in $(seq "$P"); do args="$args --peer 127.1.0.$i"; done
# fabric-inject first: with no peer listening yet, its size is the rib's
bb_stamped "$BB_DIR/inj.log" ip netns exec "$NS" "$INJECT" --local-as 65001 \
    --router-id 10.255.0.1 --connect-retry 1 --routes "$BB_DIR/routes" $args
inj=$BB_PID
bb_wait_line "$BB_DIR/inj.log" 'prefixes' 60 >/dev/null
sleep 0.5
loaded=$(proc_kb "$inj" VmRSS)
cpu0=$(proc_cpu "$inj")
bb_stamped "$BB_DIR/sink.out" ip netns exec "$NS" "$SINK" "$P"
sink=$BB_PID
line=$(bb_wait_line "$BB_DIR/sink.out" ' all ' 300 >/dev/null &&
    grep ' all ' "$BB_DIR/sink.out")
[ -n "$line" ] || { echo "   the sink never saw End-of-RIB from all $P" >&2; exit 1; }
done_at=$(echo "$line" | awk '{ print $3 }')
paths=$(echo "$line" | awk '{ print $4 }')
up=$(grep -m1 'session up' "$BB_DIR/inj.log" | awk '{ print $1 }')
echo "   sessions up: $(grep -c 'session up' "$BB_DIR/inj.log"); paths" \
    "received: $paths (want $((N * K * P)))"
echo "   all End-of-RIBs $(sub "$up" "$done_at") s after the first session" \
    "came up; fabric-inject CPU for the sessions" \
    "$(awk -v a="$cpu0" -v b="$(proc_cpu "$inj")" 'BEGIN { printf "%.2f", b - a }') s" \
    "(file and rib before: $cpu0 s); sink CPU $(proc_cpu "$sink") s"
echo "   fabric-inject VmRSS with the rib loaded, no session yet:" \
    "$(awk -v k="${loaded:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
echo "   fabric-inject VmRSS after the initial transfer" \
    "$(awk -v k="$(proc_kb "$inj" VmRSS)" 'BEGIN { printf "%.1f", k / 1024 }') MiB," \
    "VmHWM (peak) $(awk -v k="$(proc_kb "$inj" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
bb_stop_pid "$inj"
bb_stop_pid "$sink"
bb_elapsed
