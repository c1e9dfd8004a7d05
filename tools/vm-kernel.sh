#!/bin/sh
# Fetches the kernel the soft-RoCE tests boot in qemu: Debian 12's own
# linux-image (the package linux-image-amd64 depends on), which builds
# rdma_rxe as a module.  The host's kernel has no RDMA stack, and no
# machine here has an RDMA NIC: a VM with rdma_rxe is the only real
# verbs provider available (docs/PROBE.md, "Soft-RoCE").
#
# Unpacked into $FABRIC_VM_CACHE (default /var/cache/fabric-vm)/PACKAGE;
# nothing is installed on the host.  Idempotent; prints the directory.
# Needs apt's package lists (tools/setup.sh runs apt-get update).
set -eu

cache=${FABRIC_VM_CACHE:-/var/cache/fabric-vm}
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
	echo "vm-kernel.sh: apt knows no linux-image-amd64 (run apt-get update)" >&2
	exit 1
fi
dir=$cache/$pkg
if [ ! -f "$dir/.complete" ]; then
	mkdir -p "$cache"
	rm -rf "$dir" "$cache"/dl
	mkdir -p "$cache/dl" "$dir"
	# apt's sandbox user must be able to write the download directory
	chmod 0777 "$cache/dl"
	(cd "$cache/dl" && apt-get download -q "$pkg" >/dev/null)
	dpkg-deb -x "$cache"/dl/"$pkg"_*.deb "$dir"
	rm -rf "$cache/dl"
	ls "$dir"/boot/vmlinuz-* >/dev/null
	find "$dir/lib/modules" -name rdma_rxe.ko | grep -q . || {
		echo "vm-kernel.sh: $pkg has no rdma_rxe module" >&2
		exit 1
	}
	touch "$dir/.complete"
fi
echo "$dir"
