#!/bin/sh
# A manual check of fabric-probe --backend verbs on a real verbs provider:
# soft-RoCE (rdma_rxe) in a qemu guest, the responder and the sender on
# one rxe device (rxe loops traffic between two QPs of one device back).
# Not run by make check (docs/PROBE.md has what it showed).
#
#   gpu-probe/rxe_selfcheck.sh [VMT]
#
# VMT (default /tmp/vmt) holds a Debian 6.1 kernel (k/boot/vmlinuz-*) and
# a busybox initramfs tree (root.orig: ip, rdma, ibv_devinfo, the rxe
# provider, the modules in /mod).  The tree is copied, never changed.
set -eu
VMT=${1:-/tmp/vmt}
TOP=$(cd "$(dirname "$0")/.." && pwd)
FP="$TOP/gpu-probe/fabric-probe"
KERNEL=$(ls "$VMT"/k/boot/vmlinuz-* | head -1)
W=$(mktemp -d /tmp/rxe-selfcheck.XXXXXX)
trap 'rm -rf "$W"' EXIT

cp -a "$VMT/root.orig" "$W/root"
cp "$FP" "$W/root/bin/fabric-probe"
# its libraries, where the guest's tree does not have them
ldd "$FP" | awk '$3 ~ /^\// { print $3 }' | while read -r lib; do
	dest="$W/root/lib/x86_64-linux-gnu/$(basename "$lib")"
	[ -e "$dest" ] || cp -L "$lib" "$dest"
done
for a in kill tail sed usleep wc nc printf; do ln -sf busybox "$W/root/bin/$a"; done

cat >"$W/root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in crc32_generic ib_core ib_uverbs udp_tunnel ip6_udp_tunnel rdma_rxe veth; do
	insmod /mod/$m.ko || echo "insmod $m failed"
done
ip link set lo up
ip link add va type veth peer name vb
ip addr add 10.9.0.1/24 dev va; ip link set va up; ip link set vb up
rdma link add rxe0 type rxe netdev va
# rxe takes the port up on a netdev event; va was up before rxe0 existed
ip link set va down; ip link set va up
i=0
while [ $i -lt 50 ] && ! ibv_devinfo -d rxe0 | grep -q PORT_ACTIVE; do
	usleep 100000; i=$((i + 1))
done
ibv_devinfo -d rxe0 | grep -E 'state|active_mtu'
for t in /sys/class/infiniband/rxe0/ports/1/gid_attrs/types/*; do
	echo "gid $(basename $t): $(cat $t 2>/dev/null) $(cat /sys/class/infiniband/rxe0/ports/1/gids/$(basename $t) 2>/dev/null)"
done 2>/dev/null | grep -v ': *$' | grep -v '0000:0000:0000:0000:0000:0000:0000:0000'

echo "== 1: 4 paths x 500 probes, 256 octets, every 2 ms"
fabric-probe --respond --backend verbs --bind 10.9.0.1 --allow 10.9.0.0/24 \
    -j -v >/tmp/r1.json 2>/tmp/r1.err &
R=$!
usleep 500000
# a malformed control request (7 octets, not 36): refused and counted
printf 'GARBAGE' | nc -w 1 10.9.0.1 4792; echo "nc exit $?"
fabric-probe --target 10.9.0.1 --backend verbs --test-paths 4 --count 500 \
    --interval 2 -j -v >/tmp/s1.json 2>/tmp/s1.err
echo "sender exit $?"
kill $R; wait $R; echo "responder exit $?"
grep -E 'verbs|QP up|QP in error' /tmp/s1.err | head -12
grep -E 'QP in error|refused' /tmp/r1.err | head -4
grep '"final"' /tmp/s1.json
grep '"final"' /tmp/r1.json

echo "== 2: a probe with a damaged payload every 10th (--test-corrupt 10)"
fabric-probe --respond --backend verbs --bind 10.9.0.1 -j >/tmp/r2.json 2>&1 &
R=$!
usleep 500000
fabric-probe --target 10.9.0.1 --backend verbs --test-paths 2 --count 100 \
    --interval 2 --test-corrupt 10 --no-corrupt-fails -j >/tmp/s2.json 2>&1
echo "sender exit $?"
kill $R; wait $R
grep '"final"' /tmp/s2.json
grep '"final"' /tmp/r2.json

echo "== 3: responder stopped for 1 s (SIGSTOP) during a 5 s run"
fabric-probe --respond --backend verbs --bind 10.9.0.1 -j >/tmp/r3.json 2>&1 &
R=$!
usleep 500000
fabric-probe --target 10.9.0.1 --backend verbs --test-paths 2 --duration 5 \
    --interval 10 --timeout 50 -j -v >/tmp/s3.json 2>/tmp/s3.err &
S=$!
sleep 2; kill -STOP $R; echo "stopped at $(cat /proc/uptime)"
sleep 1; kill -CONT $R; echo "continued at $(cat /proc/uptime)"
wait $S; echo "sender exit $?"
kill $R; wait $R
grep -E '"path-state"' /tmp/s3.json
grep -E 'QP in error|refused' /tmp/s3.err | head -4
grep '"final"' /tmp/s3.json

echo "== 4: responder killed (SIGKILL) at 2 s, restarted at 3 s, 6 s run"
fabric-probe --respond --backend verbs --bind 10.9.0.1 -j >/tmp/r5.json 2>&1 &
R=$!
usleep 500000
fabric-probe --target 10.9.0.1 --backend verbs --test-paths 2 --duration 6 \
    --interval 10 --timeout 50 -j -v >/tmp/s5.json 2>/tmp/s5.err &
S=$!
sleep 2; kill -KILL $R; echo "killed at $(cat /proc/uptime)"
sleep 1
fabric-probe --respond --backend verbs --bind 10.9.0.1 -j >/tmp/r6.json 2>&1 &
R=$!
echo "restarted at $(cat /proc/uptime)"
wait $S; echo "sender exit $?"
kill $R; wait $R
grep -E '"path-state"' /tmp/s5.json | sed 's/"rtt_min.*"state_changes"/.../'
grep -E 'QP in error|connection:' /tmp/s5.err | sort | uniq -c | head -6
grep '"final"' /tmp/s5.json | sed 's/"hops.*"throughput_bps":[0-9]*,//'

echo "== 5: refused: the sender is not in --allow"
fabric-probe --respond --backend verbs --bind 10.9.0.1 --allow 192.0.2.0/24 \
    -j >/tmp/r4.json 2>&1 &
R=$!
usleep 500000
fabric-probe --target 10.9.0.1 --backend verbs --test-paths 1 --count 20 \
    --interval 10 -j >/tmp/s4.json 2>/tmp/s4.err
kill $R; wait $R
grep -m1 refused /tmp/s4.err
grep '"final"' /tmp/s4.json
echo DONE
poweroff -f
EOF
chmod +x "$W/root/init"
(cd "$W/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$W/initrd.gz")
timeout 300 qemu-system-x86_64 -cpu max -m 512 -nographic -no-reboot \
    -kernel "$KERNEL" -initrd "$W/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1" </dev/null
