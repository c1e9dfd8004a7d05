#!/bin/sh
# fabric-probe's command line: every bad option is refused with exit 1
# and a message naming the option and the value; --help lists every
# option the man page documents and the reverse; --backend verbs on a
# machine without an RDMA device says so and points to the UDP back end.  No network.
: "${abs_top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
P="$abs_top_builddir/gpu-probe/fabric-probe"
MAN="$abs_top_srcdir/docs/man/fabric-probe.8"
fails=0
passes=0
t=$(mktemp /tmp/fabtest-probe-cli.XXXXXX)
trap 'rm -f "$t"' EXIT

ok() { passes=$((passes + 1)); echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }

# refused WANT_IN_STDERR ARGS...: exit 1, stderr has WANT
refused() {
	want=$1
	shift
	"$P" "$@" >/dev/null 2>"$t"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF -- "$want" "$t"; then
		ok "refused: $* ($want)"
	else
		not_ok "refused: $* (rc $rc, stderr: $(cat "$t"))"
	fi
}

refused "nothing to do"
refused "--interval 'abc'" --respond --interval abc
refused "--interval '-1'" --respond --interval -1
refused "--timeout '0'" --respond --timeout 0
refused "--fail-after '0'" --respond --fail-after 0
refused "--window '5000'" --respond --window 5000
refused "--loss-ratio '1.5'" --respond --loss-ratio 1.5
refused "--size '4097'" --respond --size 4097
refused "--max-ttl '10'" --respond --max-ttl 10
refused "--port '0'" --respond --port 0
refused "--target '10.1.1': not an IPv4 address" --target 10.1.1
refused "--target '::1': not an IPv4 address" --target ::1
refused "--bind 'x'" --respond --bind x
refused "--allow '10.0.0.0/33'" --respond --allow 10.0.0.0/33
refused "--publish and --key go together" --respond --publish tcp://127.0.0.1:1
refused "--backend 'rdma': want udp or verbs" --respond --backend rdma
refused "unexpected argument 'extra'" --respond extra
refused "--key /nonexistent" --respond --publish tcp://127.0.0.1:1 \
    --key /nonexistent
refused "use --backend udp" --respond --backend verbs
refused "use --backend udp" --target 10.0.0.1 --backend verbs --device rxe0
refused "--gid-index '256'" --respond --backend verbs --gid-index 256
refused "--control-port '0'" --respond --backend verbs --control-port 0
refused "--test-paths '33'" --target 10.0.0.1 --test-paths 33
refused "--device: only with --backend verbs" --respond --device mlx5_0
refused "--gid-index: only with --backend verbs" --respond --gid-index 3
refused "--payload 'fpga': want cpu or gpu" --respond --payload fpga
refused "--test-corrupt 'x'" --respond --test-corrupt x
if grep -q '^#define HAVE_CUDA 1' "$abs_top_builddir/config.h"; then
	echo "ok - # SKIP --payload gpu without CUDA: this build has CUDA"
	# GPUDirect needs a NIC; there is none here: the device is named
	refused "use --backend udp" --respond --backend verbs --payload gpu
else
	refused "--payload gpu: built without CUDA: configure --with-cuda" \
	    --respond --payload gpu
	# GPUDirect RDMA probes: CUDA is missing before any NIC is looked for
	refused "--payload gpu: built without CUDA: configure --with-cuda" \
	    --respond --backend verbs --payload gpu
	refused "--payload gpu: built without CUDA: configure --with-cuda" \
	    --target 10.0.0.1 --backend verbs --payload gpu --size 1024
fi

"$P" --help >"$t" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^usage: fabric-probe' "$t"; then
	ok "--help exits 0 with the usage"
else
	not_ok "--help (rc $rc)"
fi
help_opts=$(grep -o -- '--[a-z][a-z-]*' "$t" | sort -u)
man_opts=$(grep -o 'Fl -[a-z][a-z-]*' "$MAN" | sed 's/^Fl /-/' | sort -u)
missing=$(for o in $help_opts; do echo "$man_opts" | grep -qx -- "$o" || echo "$o"; done)
if [ -z "$missing" ]; then ok "every --help option is in the man page"
else not_ok "options missing from the man page: $missing"; fi
missing=$(for o in $man_opts; do echo "$help_opts" | grep -qx -- "$o" || echo "$o"; done)
if [ -z "$missing" ]; then ok "every man page option is in --help"
else not_ok "options missing from --help: $missing"; fi

echo "# $passes passed, $fails failed"
[ "$fails" -eq 0 ]
