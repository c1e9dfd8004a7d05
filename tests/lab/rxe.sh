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
#   (d) nothing of the lab or the VMs is left behind
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable
. "$abs_top_srcdir/tests/vm/vmlib.sh"

for t in qemu-system-x86_64 busybox cpio nft ibv_rc_pingpong rdma; do
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
	rm -rf "$tmp"
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
	    net.ipv4.fib_multipath_hash_policy=1
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
vm_initrd "$tmp" "$abs_top_srcdir/tests/vm/rxe_guest.sh"
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

# ---- (d) clean up
vm_stop
"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
check "lab $NAME: nothing left" test -z "$(lab_leftovers "$NAME")"
topo=
check "no VM left" sh -c "! pgrep -f 'fabvm.name=h[14] .*$tmp' >/dev/null"
finish
