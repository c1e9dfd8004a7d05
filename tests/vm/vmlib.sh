# Soft-RoCE hosts for the lab tests (sourced after tests/lab/lib.sh).
#
# No machine this project runs on has an RDMA NIC, and the host kernel has
# no RDMA stack.  Debian's own kernel builds rdma_rxe (soft-RoCE: the
# kernel's verbs provider that speaks RoCEv2 over any Ethernet device), so
# a lab host can be a small qemu VM booting that kernel from an initramfs
# made here: its NIC (virtio) bridged into the lab host's namespace in
# place of the host's address, rxe0 on it, libibverbs with the rxe
# provider, and the programs under test.  Then RoCEv2 packets from real
# queue pairs cross the real FRR fabric.  qemu runs under TCG (software
# emulation): KVM does not work here.
#
#   vm_kernel                 VM_KDIR, VM_KERNEL, VM_MODDIR (tools/vm-kernel.sh)
#   vm_initrd DIR SCRIPT BIN...
#                             DIR/initrd.gz: busybox, iproute2's ip and
#                             rdma, nft, the BINs and their libraries,
#                             libibverbs' rxe provider, the modules; /init
#                             brings eth0 and rxe0 up and runs SCRIPT as
#                             /test.sh, then prints FABVM-RC=N and powers off
#   vm_attach NS              moves NS's address (eth1) to a bridge with a
#                             tap for the VM, and remembers it for NS
#   vm_start NAME NS INITRD LOG [ARG=VALUE...]
#                             boots a VM on NS's tap with NS's address; the
#                             ARGs reach /test.sh as FABVM_ARG; adds its
#                             pid to VM_PIDS (a VM can be started again on
#                             the same NS once the last one stopped)
#   vm_wait LOG PATTERN SECONDS
#                             until LOG has a line matching PATTERN
#   vm_stop                   kills every VM this test started (by pid)
#
# Inside the VM, /test.sh has FABVM_ip (ADDR/LEN), FABVM_name and the
# ARGs; /bin/fabvm-gid prints rxe0's RoCEv2 GID index for eth0's IPv4
# address.

VM_PIDS=""
VM_MODULES="crc32_generic ib_core ib_uverbs udp_tunnel ip6_udp_tunnel
rdma_rxe virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
virtio_pci failover net_failover virtio_net crc32c_generic libcrc32c nfnetlink
nf_tables"

vm_kernel() {
	VM_KDIR=$("$abs_top_srcdir/tools/vm-kernel.sh") || return 1
	VM_KERNEL=$(ls "$VM_KDIR"/boot/vmlinuz-* | head -n 1)
	VM_MODDIR=$(ls -d "$VM_KDIR"/lib/modules/* | head -n 1)
	[ -f "$VM_KERNEL" ] && [ -d "$VM_MODDIR" ]
}

# vm_copy ROOT FILE...: FILEs and the shared libraries they load, at the
# same paths under ROOT.
vm_copy() {
	root=$1
	shift
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
	vm_libs "$root" "$@"
}

# vm_libs ROOT FILE...: the shared libraries FILEs load, at their paths.
vm_libs() {
	root=$1
	shift
	for f in "$@"; do
		ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }'
	done | sort -u | while read -r l; do
		[ -f "$root$l" ] && continue
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
}

vm_initrd() {
	dir=$1
	script=$2
	shift 2
	root=$dir/root
	rm -rf "$root"
	mkdir -p "$root"/bin "$root"/mod "$root"/proc "$root"/sys "$root"/dev \
	    "$root"/tmp "$root"/run "$root"/etc/libibverbs.d "$root"/var/run
	cp /bin/busybox "$root/bin/busybox"
	for a in sh mount insmod sleep cat echo ls poweroff mkdir grep awk \
	    sed cut head tail kill ps arping date seq tr wc timeout rm; do
		ln -s busybox "$root/bin/$a"
	done
	prov=$(ls /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so)
	vm_copy "$root" /sbin/ip "$(command -v rdma)" "$(command -v nft)" \
	    "$(command -v ibv_devinfo)" "$(command -v ibv_rc_pingpong)" "$prov"
	cp /etc/libibverbs.d/rxe.driver "$root/etc/libibverbs.d/"
	# the programs under test, by name in /usr/local/bin (not at their
	# paths: a build tree under /tmp would be hidden by the VM's tmpfs)
	mkdir -p "$root/usr/local/bin"
	for f in "$@"; do
		cp -L "$f" "$root/usr/local/bin/$(basename "$f")"
	done
	vm_libs "$root" "$@"
	for m in $VM_MODULES; do
		f=$(find "$VM_MODDIR" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || { echo "vm_initrd: no module $m" >&2; return 1; }
		cp "$f" "$root/mod/"
		echo "$m" >>"$root/mod/order"
	done
	echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	echo "nobody:x:65534:65534:nobody:/:/bin/false" >>"$root/etc/passwd"
	echo "nogroup:x:65534:" >>"$root/etc/group"
	cp "$script" "$root/test.sh"
	cat >"$root/bin/fabvm-gid" <<'EOF'
#!/bin/sh
# rxe0's GID index whose type is RoCE v2 and whose GID is eth0's IPv4
# address (::ffff:a.b.c.d).
a=${FABVM_ip%/*}
want=$(echo "$a" | awk -F. '{ printf "0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x", $1, $2, $3, $4 }')
p=/sys/class/infiniband/rxe0/ports/1
for g in "$p"/gids/*; do
	i=${g##*/}
	[ "$(cat "$g" 2>/dev/null)" = "$want" ] || continue
	t=$(cat "$p/gid_attrs/types/$i" 2>/dev/null)
	[ "$t" = "RoCE v2" ] && { echo "$i"; exit 0; }
done
exit 1
EOF
	cat >"$root/init" <<'EOF'
#!/bin/sh
PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in $(cat /mod/order); do
	insmod "/mod/$m.ko" || echo "fabvm: insmod $m failed"
done
for a in $(cat /proc/cmdline); do
	case $a in
	fabvm.*=*)
		k=${a%%=*}
		export "FABVM_${k#fabvm.}=${a#*=}"
		;;
	esac
done
ip link set lo up
ip link set eth0 up
ip addr add "$FABVM_ip" dev eth0
[ -n "${FABVM_route:-}" ] && ip route add "${FABVM_route%,*}" via "${FABVM_route#*,}"
arping -q -U -c 2 -I eth0 "${FABVM_ip%/*}"
rdma link add rxe0 type rxe netdev eth0 || echo "fabvm: rxe0 failed"
i=0
while ! fabvm-gid >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "FABVM-UP $FABVM_name $(fabvm-gid)"
sh /test.sh
echo "FABVM-RC=$?"
poweroff -f
EOF
	chmod +x "$root/init" "$root/bin/fabvm-gid"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) \
	    >"$dir/initrd.gz"
}

# vm_key NS: a shell variable name's tail for NS
vm_key() {
	echo "$1" | tr -c 'A-Za-z0-9_\n' _
}

vm_attach() {
	ns=$1
	VM_IP=$(ip -n "$ns" -4 -o addr show dev eth1 | awk '{ print $4; exit }')
	VM_ROUTE=$(ip -n "$ns" -4 route show 10.0.0.0/8 |
	    awk '{ print $1 "," $3; exit }')
	[ -n "$VM_IP" ] && [ -n "$VM_ROUTE" ] || return 1
	eval "VM_IP_$(vm_key "$ns")=\$VM_IP VM_ROUTE_$(vm_key "$ns")=\$VM_ROUTE"
	ip -n "$ns" addr flush dev eth1
	ip -n "$ns" link add fvbr0 type bridge
	ip -n "$ns" link set eth1 master fvbr0
	ip -n "$ns" tuntap add dev fvtap0 mode tap
	ip -n "$ns" link set fvtap0 master fvbr0
	ip -n "$ns" link set fvtap0 up
	ip -n "$ns" link set fvbr0 up
}

vm_start() {
	name=$1
	ns=$2
	initrd=$3
	log=$4
	shift 4
	eval "VM_IP=\${VM_IP_$(vm_key "$ns")} VM_ROUTE=\${VM_ROUTE_$(vm_key "$ns")}"
	[ -n "$VM_IP" ] || { echo "vm_start: $ns: not attached" >&2; return 1; }
	mac=$(echo "$name" | cksum | awk '{ printf "52:54:00:%02x:%02x:%02x", $1 % 256, int($1 / 256) % 256, int($1 / 65536) % 256 }')
	: >"$log"
	ip netns exec "$ns" qemu-system-x86_64 -cpu max -m 384 \
	    -nodefaults -display none -monitor none -no-reboot \
	    -serial "file:$log" \
	    -nic "tap,ifname=fvtap0,script=no,downscript=no,model=virtio-net-pci,mac=$mac" \
	    -kernel "$VM_KERNEL" -initrd "$initrd" \
	    -append "console=ttyS0 quiet loglevel=3 panic=-1 fabvm.name=$name fabvm.ip=$VM_IP fabvm.route=$VM_ROUTE $(for a in "$@"; do printf 'fabvm.%s ' "$a"; done)" \
	    >"$log.qemu" 2>&1 &
	VM_PIDS="$VM_PIDS $!"
}

vm_wait() {
	t=$(($3 * 10))
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		t=$((t - 1))
		[ "$t" -gt 0 ] || return 1
		sleep 0.1
	done
}

vm_stop() {
	for p in $VM_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $VM_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	VM_PIDS=""
}
