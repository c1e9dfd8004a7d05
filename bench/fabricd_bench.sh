#!/bin/sh
# fabricd on a real lab (a copy of examples/pod-2s4l-unnumbered with FRR,
# fabric-agent on every switch sampling every 50 ms, fabricd stepping every
# 50 ms), two figures for docs/BENCHMARKS.md:
#
# 1. Reaction: a bottleneck starts (a tbf of 2 Mbit/s on leaf1's uplink to
#    spine1: the clock starts just before `tc qdisc add`) until leaf1's
#    kernel FIB holds a changed weight for 10.1.4.0/24 (polled with
#    `ip -j route` every few ms).  ROUNDS rounds, 200-400 ms apart once
#    the weights are back to even.  The FRR floor for comparison is the
#    weight-change-to-kernel delay of bench/bgp_reaction_bench.sh.
#
# 2. Job completion: leaf1's uplinks shaped to 100 Mbit/s (spine2) and
#    20 Mbit/s (spine1, the degraded link); leaves hash flows on L4
#    (fib_multipath_hash_policy=1, as data-centre fabrics do); the job is
#    FLOWS TCP transfers of SIZE octets each from h1 to h4 (HTTP, fresh
#    ports every run); its completion time is the slowest transfer's.  RUNS runs with the fabric's own ECMP (fabricd stopped),
#    RUNS with fabricd, interleaved; medians and their ratio.
#
# usage: bench/fabricd_bench.sh [ROUNDS [RUNS]]   (root; after make)
#        defaults 20 and 5; FLOWS (8), SIZE (4000000) and MODE
#        (fabricd's policy mode; default: the example's, static) from
#        the environment
set -u
cd "$(dirname "$0")/.."
ROUNDS=${1:-20}
RUNS=${2:-5}
FLOWS=${FLOWS:-8}
SIZE=${SIZE:-4000000}
FABRICCTL=controller/fabricctl
name=fdbench
dir=$(mktemp -d /tmp/fabricd-bench.XXXXXX)
cp -r examples/pod-2s4l-unnumbered "$dir/$name"
topo="$dir/$name/pod-2s4l.clab.yml"
cfg="$dir/$name/fabricd.json"
sed -i "s/^name: .*/name: $name/" "$topo"
sed -i 's/"interval-ms": 200/"interval-ms": 50/' "$cfg"
[ -n "${MODE:-}" ] && sed -i "s/\"mode\": \"static\"/\"mode\": \"$MODE\"/" "$cfg"
(umask 077 && openssl rand -hex 32 >"$dir/$name/telemetry.key")
leaf=clab-$name-leaf1
ctl="-s ipc://$dir/control"
pids=
fdpid=

cleanup() {
	[ -n "$fdpid" ] && kill "$fdpid" 2>/dev/null
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

start_fabricd() {
	ip netns exec "clab-$name-mgmt-net" controller/fabricd -f "$cfg" $ctl \
	    2>>"$dir/fabricd.log" &
	fdpid=$!
	for i in $(seq 60); do
		n=$("$FABRICCTL" show peers -j $ctl 2>/dev/null | jq '[.[] |
		    select(.state == "Established")] | length' 2>/dev/null)
		[ "${n:-0}" = 6 ] && return 0
		sleep 0.5
	done
	echo "fabricd_bench: fabricd did not get its sessions" >&2
	exit 1
}

stop_fabricd() {
	kill "$fdpid"
	wait "$fdpid" 2>/dev/null
	fdpid=
}

w_spine1() {	# leaf1's kernel weight towards spine1 for 10.1.4.0/24
	ip -n "$leaf" -j route show 10.1.4.0/24 | jq -r '[.[0].nexthops[]? |
	    select(.gateway == "10.0.0.1") | .weight][0] // "none"'
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
	    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	    printf "%g min %g max %g (n=%d)\n", m, v[1], v[NR], NR }'
}

"$FABRICCTL" lab deploy -t "$topo" >/dev/null 2>&1
"$FABRICCTL" lab wait -t "$topo" --timeout 90 >/dev/null || exit 1
for n in spine1:11 spine2:12 leaf1:101 leaf2:102 leaf3:103 leaf4:104; do
	ip netns exec "clab-$name-${n%:*}" telemetry/fabric-agent \
	    --id "${n%:*}" --interval 50 --publish "tcp://172.20.20.${n#*:}:7100" \
	    --key "$dir/$name/telemetry.key" 2>/dev/null &
	pids="$pids $!"
done
start_fabricd
sleep 2
echo "# fabricd_bench $(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. reaction ------------------------------------------------------
: >"$dir/react"
r=0
while [ "$r" -lt "$ROUNDS" ] && [ -z "${SKIP_REACT:-}" ]; do
	for i in $(seq 100); do	# even again, and settled
		[ "$(w_spine1)" = 50 ] && break
		sleep 0.1
	done
	[ "$(w_spine1)" = 50 ] || { echo "# round $r: not back to even" >&2; continue; }
	sleep "0.$((200 + $(od -An -N1 -tu1 /dev/urandom) % 200))"
	t0=$(now_ms)
	ip netns exec "$leaf" tc qdisc add dev eth1 root tbf rate 2mbit \
	    burst 32kbit latency 50ms
	while [ "$(w_spine1)" = 50 ]; do
		[ $(($(now_ms) - t0)) -gt 5000 ] && break
	done
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$dir/react"
	ip netns exec "$leaf" tc qdisc del dev eth1 root
	r=$((r + 1))
done
printf 'reaction, bottleneck to leaf FIB, ms: median '
median <"$dir/react"

# ---- 2. job completion --------------------------------------------------
for l in 1 2 3 4; do
	ip netns exec "clab-$name-leaf$l" sysctl -qw \
	    net.ipv4.fib_multipath_hash_policy=1
done
ip netns exec "$leaf" tc qdisc add dev eth1 root tbf rate 20mbit \
    burst 64kbit latency 100ms
ip netns exec "$leaf" tc qdisc add dev eth2 root tbf rate 100mbit \
    burst 256kbit latency 100ms

# The job's transfers: HTTP downloads by h4 from h1 (python3's threaded
# http.server), so the bytes cross leaf1's shaped uplinks, and a transfer
# is done when curl has every byte (not when a sender has written them).
mkdir -p "$dir/www"
head -c "$SIZE" /dev/urandom >"$dir/www/blob"
ip netns exec "clab-$name-h1" python3 -m http.server 8000 --bind 10.1.1.11 \
    --directory "$dir/www" >/dev/null 2>&1 &
pids="$pids $!"
sleep 1

job() {		# one run; prints its completion time in ms
	t0=$(now_ms)
	k=0
	cpids=
	while [ "$k" -lt "$FLOWS" ]; do
		ip netns exec "clab-$name-h4" curl -sf -o "$dir/got.$k" \
		    http://10.1.1.11:8000/blob &
		cpids="$cpids $!"
		k=$((k + 1))
	done
	for p in $cpids; do
		wait "$p" || { echo "fabricd_bench: a transfer failed" >&2; return 1; }
	done
	t1=$(now_ms)
	k=0
	while [ "$k" -lt "$FLOWS" ]; do	# every transfer whole
		cmp -s "$dir/got.$k" "$dir/www/blob" || {
			echo "fabricd_bench: transfer $k incomplete" >&2
			return 1
		}
		k=$((k + 1))
	done
	echo $((t1 - t0))
}

: >"$dir/ecmp"
: >"$dir/fabricd"
run=0
until_w() {	# TEST VALUE: waits (10 s at most) for leaf1's weight test
	for i in $(seq 200); do
		w=$(w_spine1)
		case $1 in
		is) [ "$w" = "$2" ] && return 0 ;;
		below) [ "$w" != none ] && [ "$w" -lt "$2" ] && return 0 ;;
		esac
		sleep 0.05
	done
	echo "fabricd_bench: leaf1's weight to spine1 is $w, not $1 $2" >&2
	exit 1
}
while [ "$run" -lt "$RUNS" ]; do
	until_w below 25	# fabricd's weights for the shaped links
	sleep 0.5
	job >>"$dir/fabricd" || exit 1
	stop_fabricd
	until_w is none		# FRR's own ECMP (link-local next-hops)
	sleep 0.5
	job >>"$dir/ecmp" || exit 1
	start_fabricd
	run=$((run + 1))
done
echo "job: $FLOWS x $SIZE octets h1 -> h4, leaf1 uplinks 20 and 100 Mbit/s"
printf 'job completion, ECMP, ms:    median '
median <"$dir/ecmp"
printf 'job completion, fabricd, ms: median '
median <"$dir/fabricd"
e=$(sort -n "$dir/ecmp" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
f=$(sort -n "$dir/fabricd" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
awk -v e="$e" -v f="$f" 'BEGIN { printf "ECMP / fabricd (medians): %.2f\n", e / f }'
echo "per run (ms): ecmp $(tr '\n' ' ' <"$dir/ecmp")| fabricd $(tr '\n' ' ' <"$dir/fabricd")"
