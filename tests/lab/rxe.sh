#!/bin/sh
# Real RDMA over the real FRR fabric: two lab hosts are qemu VMs booting
# Debian's kernel with soft-RoCE (rdma_rxe, tests/vm/vmlib.sh), so real
# queue pairs send RoCEv2 across the spines.  (No RDMA NIC exists on any
# machine here; rxe is the kernel's own verbs provider, not a mock.)
# A copy of examples/pod-2s4l-unnumbered as lab "rxe2s4l", leaves hashing
# ECMP on L4.  Checked:
#   (a) both VMs boot with rxe0 and a RoCEv2 GID for their address
#   (b) ibv_rc_pingpong (rdma-core) between h1 and h4 over an RC QP
#   (c) the RoCEv2 packets crossed the fabric: the spines forwarded UDP
#       4791 from h1, all of one QP from one source port on one spine
#       (one 5-tuple, one ECMP path)
#   (d) fabric-probe --backend verbs between the same two VMs: discovery
#       names one path per spine; each path's RC queue pair (its flow
#       label chosen for the path's UDP source port) crosses exactly its
#       spine with exactly that port: the steering works on a real verbs
#       provider across real routers
#   (e) an nftables drop of UDP 4791 on spine1 (BGP untouched): the path
#       via spine1, and only it, is failed within the bound (5 x 20 ms +
#       100 ms, plus the re-trace and the emulated hosts' delay: 1.5 s
#       allowed under TCG); removed: it recovers
#   (f) nothing of the lab or the VMs is left behind
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable
. "$abs_top_srcdir/tests/vm/vmlib.sh"

PROBE="$abs_top_builddir/gpu-probe/fabric-probe"
for t in qemu-system-x86_64 busybox cpio nft ibv_rc_pingpong rdma "$PROBE"; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "FAIL: $t not found (run tools/setup.sh)"
		exit 1
	}
done
vm_kernel || { echo "FAIL: no VM kernel (run tools/setup.sh)"; exit 1; }

NAME=rxe2s4l
tmp=$(mktemp -d /tmp/fabtest-rxe.XXXXXX)
topo=
cleanup() {
	vm_stop
	[ -n "$topo" ] && "$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	if [ -n "${FABRIC_KEEP_LOGS:-}" ]; then
		echo "# logs kept in $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ns() { echo "clab-$NAME-$1"; }

mkdir "$tmp/lab"
cp -r "$EXAMPLES/pod-2s4l-unnumbered/." "$tmp/lab/"
topo=$(ls "$tmp/lab"/*.clab.yml)
sed -i "s/^name: .*/name: $NAME/" "$topo"
"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
"$FABRICCTL" lab deploy -t "$topo" >"$tmp/deploy.log" 2>&1
check "lab $NAME converged" "$FABRICCTL" lab wait -t "$topo" --timeout 90
for n in 1 2 3 4; do
	ip netns exec "$(ns "leaf$n")" sysctl -qw \
	    net.ipv4.fib_multipath_hash_policy=1 net.ipv4.icmp_ratelimit=0
done
for n in 1 2; do	# routers that answer every TTL-expired probe, as
	# probe.sh's (discovery and re-traces rely on their ICMP)
	ip netns exec "$(ns "spine$n")" sysctl -qw net.ipv4.icmp_ratelimit=0
done
for s in 1 2; do	# which RoCEv2 source ports from h1 each spine forwards
	ip netns exec "$(ns "spine$s")" nft -f - <<'NFT'
table inet fvtest {
	set sports { type inet_service; flags dynamic; size 65535; }
	chain fv_fwd {
		type filter hook forward priority 0;
		ip saddr 10.1.1.11 udp dport 4791 counter add @sports { udp sport }
	}
}
NFT
done
roce_packets() {	# SPINE: UDP 4791 packets from h1 it forwarded
	ip netns exec "$(ns "spine$1")" nft -j list chain inet fvtest fv_fwd |
	    jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add // 0'
}
roce_sports() {	# SPINE: their source ports
	ip netns exec "$(ns "spine$1")" nft -j list set inet fvtest sports |
	    jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] | if type == "object" then .elem.val // .elem else . end'
}

# ---- (a) the VMs
vm_initrd "$tmp" "$abs_top_srcdir/tests/vm/rxe_guest.sh" "$PROBE"
check "initramfs built" test -s "$tmp/initrd.gz"
ITERS=200
vm_attach "$(ns h4)" && vm_start h4 "$(ns h4)" "$tmp/initrd.gz" \
    "$tmp/h4.log" role=pingpong-server iters=$ITERS
vm_attach "$(ns h1)" && vm_start h1 "$(ns h1)" "$tmp/initrd.gz" \
    "$tmp/h1.log" role=pingpong-client iters=$ITERS peer=10.1.4.11
for h in h1 h4; do
	check "$h: VM up with rxe0 and a RoCEv2 GID" \
	    vm_wait "$tmp/$h.log" 'FABVM-UP [a-z0-9]* [0-9]' 120
done

# ---- (b) RC ping-pong
for h in h1 h4; do
	vm_wait "$tmp/$h.log" 'FABVM-RC=' 90
	check "$h: ibv_rc_pingpong exit 0" grep -q 'FABVM-RC=0' "$tmp/$h.log"
	check "$h: $ITERS iterations" grep -q "^$ITERS iters in" "$tmp/$h.log"
done
grep -h -E 'address|iters' "$tmp/h1.log" | sed 's/^/# h1: /'

# ---- (c) across the fabric
p1=$(roce_packets 1)
p2=$(roce_packets 2)
echo "# RoCEv2 packets from h1 forwarded: spine1 $p1, spine2 $p2"
check "RoCEv2 from h1 crossed a spine (>= $ITERS packets)" \
    test $((p1 + p2)) -ge $ITERS
check "one QP, one path: one spine carried it all" \
    test "$p1" -eq 0 -o "$p2" -eq 0
s=$(if [ "$p1" -gt 0 ]; then roce_sports 1; else roce_sports 2; fi)
echo "# source ports: $(echo "$s" | tr '\n' ' ')"
check "one QP, one source port" test "$(echo "$s" | grep -c .)" -eq 1
check "the source port is in RoCEv2's range (49152-65535)" \
    test "$(echo "$s" | head -n 1)" -ge 49152

# ---- (d) fabric-probe over RC queue pairs
vm_stop
for h in h1 h4; do
	mv "$tmp/$h.log" "$tmp/$h-pingpong.log"
done
SECS=40
vm_start h4 "$(ns h4)" "$tmp/initrd.gz" "$tmp/h4.log" role=probe-respond \
    secs=$((SECS + 5))
vm_start h1 "$(ns h1)" "$tmp/initrd.gz" "$tmp/h1.log" role=probe-send \
    secs=$SECS peer=10.1.4.11
events() {	# the sender's JSON lines
	grep '^{' "$tmp/h1.log" 2>/dev/null | jq -c . 2>/dev/null
}
disc() {
	events | jq -c 'select(.event == "discovered" and (.paths | length) > 0)' | head -n 1
}
discovered() { [ -n "$(disc)" ]; }
check "verbs: the sender discovered paths" poll_until 90 discovered
d=$(disc)
echo "# discovered: $(echo "$d" | jq -c '[.paths[] | {path_id, sport, via}]')"
check "verbs: two paths, one via each spine" \
    test "$(echo "$d" | jq -r '[.paths[].via | join(",")] | sort | join(" ")')" = "10.0.0.1 10.0.0.2"
sport_via() { echo "$d" | jq -r --arg v "$1" '.paths[] | select(.via == [$v]) | .sport'; }
id_via() { echo "$d" | jq -r --arg v "$1" '.paths[] | select(.via == [$v]) | .path_id'; }
s1=$(sport_via 10.0.0.1)
s2=$(sport_via 10.0.0.2)
# what crosses the spines from now on is the QPs' traffic (and re-traces,
# from the same ports): forget discovery's ports
for s in 1 2; do
	ip netns exec "$(ns "spine$s")" nft flush set inet fvtest sports
done
answered() {	# PATH_ID N: a report with more than N answers on it
	events | jq -e --argjson id "$1" --argjson n "$2" 'select(.event == "report") | .paths[] | select(.path_id == $id and .received > $n)' >/dev/null
}
both_answered() {
	answered "$(id_via 10.0.0.1)" 20 && answered "$(id_via 10.0.0.2)" 20
}
check "verbs: both paths answered over their QPs" poll_until 30 both_answered
check "verbs: spine1 carried path 10.0.0.1's port $s1, and only it" \
    test "$(roce_sports 1 | sort -u | tr '\n' ' ')" = "$s1 "
check "verbs: spine2 carried path 10.0.0.2's port $s2, and only it" \
    test "$(roce_sports 2 | sort -u | tr '\n' ' ')" = "$s2 "

# ---- (e) a black hole on spine1
state_of() {	# PATH_ID STATE: a path-state event saying so
	events | jq -e --argjson id "$1" --arg st "$2" 'select(.event == "path-state" and .path.path_id == $id and .path.state == $st)' >/dev/null
}
ip netns exec "$(ns spine1)" nft add table inet fvhole
ip netns exec "$(ns spine1)" nft add chain inet fvhole f \
    '{ type filter hook forward priority -10; }'
ip netns exec "$(ns spine1)" nft add rule inet fvhole f udp dport 4791 drop
t0=$(now)
check "verbs: spine1 black-holed: its path failed" \
    poll_until 10 state_of "$(id_via 10.0.0.1)" failed
t1=$(now)
echo "# black hole to failed (host's view, 50 ms polls): $(elapsed "$t0" "$t1") s"
check "verbs: ... within 1.5 s" \
    awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 1.5) }'
spine2_quiet() {
	! events | jq -e --argjson id "$(id_via 10.0.0.2)" 'select(.event == "path-state" and .path.path_id == $id)' >/dev/null
}
check "verbs: ... and the path via spine2 did not change" spine2_quiet
ip netns exec "$(ns spine1)" nft delete table inet fvhole
check "verbs: fault removed: the path recovers" \
    poll_until 10 state_of "$(id_via 10.0.0.1)" ok
for h in h1 h4; do
	vm_wait "$tmp/$h.log" 'FABVM-RC=' 90
	check "$h: fabric-probe exit 0" grep -q 'FABVM-RC=0' "$tmp/$h.log"
done
grep -h FABVM-RXE "$tmp/h1.log" "$tmp/h4.log" | sed 's/^/# /'
check "h4's rxe0 received the probes (hw counter)" \
    test "$(awk '/FABVM-RXE rcvd_pkts/ { print $3 }' "$tmp/h4.log")" -gt 1000
fin=$(events | jq -c 'select(.event == "final")')
echo "# final: $(echo "$fin" | jq -c '[.paths[] | {path_id, via, sent, received, lost, state}]')"

# ---- (f) clean up
vm_stop
"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
check "lab $NAME: nothing left" test -z "$(lab_leftovers "$NAME")"
topo=
check "no VM left" sh -c "! pgrep -f 'fabvm.name=h[14] .*$tmp' >/dev/null"
finish
