#!/bin/sh
# Installs every Debian 12 package fabric needs to build, run and test,
# FRR included.  Idempotent: installs only what is missing, and runs
# apt-get update only when something is.  Needs root.
set -eu

PACKAGES="
build-essential autoconf automake libtool pkg-config
libnl-3-dev libnl-route-3-dev libyang2-dev libzmq3-dev libssl-dev
libcmocka-dev libyaml-dev libjson-c-dev libglpk-dev libibverbs-dev
frr iproute2 iputils-ping procps jq gobgpd bird2 tshark iperf3 curl nftables
python3 openssl
clang libclang-rt-14-dev
qemu-system-x86 busybox-static cpio ibverbs-providers ibverbs-utils
"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: run as root (it installs Debian packages)" >&2
	exit 1
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "setup.sh: all packages present"
else
	echo "setup.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

# The kernel the soft-RoCE lab tests boot in qemu (rdma_rxe), unpacked
# into /var/cache/fabric-vm, not installed (tools/vm-kernel.sh).
if ! "$(dirname "$0")/vm-kernel.sh" >/dev/null 2>&1; then
	apt-get update -q
	"$(dirname "$0")/vm-kernel.sh"
fi
