#!/bin/sh
# The main job on a fresh Debian 12 machine: installs what is needed,
# builds, and runs the controller.
#
#   tools/main.sh                  fabricd on the built-in simulated fabric
#                                  (a 128-GPU pod, a degraded and a failed
#                                  link): every mode against ECMP and the
#                                  optimum.  No root or FRR needed to run
#                                  it, only to install the packages.
#   tools/main.sh --sim FILE       the same on a scenario file
#                                  (examples/scenarios/, docs/SIMULATOR.md)
#   tools/main.sh --lab [TOPO]     the closed loop on a real lab: FRR on
#                                  every switch in network namespaces,
#                                  fabric-agent beside it, fabricd pushing
#                                  weights; a link is shaped and fabricd
#                                  moves weight off it, a spine is drained.
#                                  --keep leaves the lab running.
set -eu
cd "$(dirname "$0")/.."

mode=sim
scenario=
keep=0
topo=examples/pod-2s4l-unnumbered/pod-2s4l.clab.yml
while [ $# -gt 0 ]; do
	case $1 in
	--sim) mode=sim; scenario=${2:?--sim needs a scenario file}; shift ;;
	--lab) mode=lab
		case ${2:-} in *.yml|*.yaml) topo=$2; shift ;; esac ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "main.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
	esac
	shift
done

tools/setup.sh
tools/build.sh >/dev/null

if [ "$mode" = sim ]; then
	exec controller/fabricd --sim $scenario
fi

# ---- the closed loop on a lab -------------------------------------------
fabricctl=controller/fabricctl
dir=$(dirname "$topo")
name=$(awk '/^name:/ { print $2; exit }' "$topo")
[ -f "$dir/fabricd.json" ] || {
	echo "main.sh: $dir/fabricd.json is missing (tools/gen-clos writes it)" >&2
	exit 1
}
work=$(mktemp -d /tmp/fabric-main.XXXXXX)
cp "$dir/fabricd.json" "$work/"
(umask 077 && openssl rand -hex 32 >"$work/telemetry.key")
ctl="-s ipc://$work/control"
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "$keep" = 0 ]; then
		"$fabricctl" lab destroy -t "$topo"
		rm -rf "$work"
	fi
}
trap cleanup EXIT

"$fabricctl" lab deploy -t "$topo" --reconfigure
"$fabricctl" lab wait -t "$topo" --timeout 90
for sw in $(jq -r '."fabric:fabric".node[] | select(.role != "host") |
    "\(.name)=\(."bgp-address")"' "$work/fabricd.json"); do
	ip netns exec "clab-$name-${sw%%=*}" telemetry/fabric-agent \
	    --id "${sw%%=*}" --interval 50 --publish "tcp://${sw#*=}:7100" \
	    --key "$work/telemetry.key" 2>>"$work/agents.log" &
	pids="$pids $!"
done
ip netns exec "clab-$name-mgmt-net" controller/fabricd \
    -f "$work/fabricd.json" $ctl -m 127.0.0.1:9342 2>"$work/fabricd.log" &
pids="$pids $!"
echo "== fabricd started (log: $work/fabricd.log); waiting for its sessions"
for i in $(seq 30); do
	up=$("$fabricctl" show peers -j $ctl 2>/dev/null |
	    jq '[.[] | select(.state == "Established")] | length' || echo 0)
	total=$("$fabricctl" show peers -j $ctl 2>/dev/null | jq length || echo 1)
	[ "$up" = "$total" ] && break
	sleep 1
done
sleep 2
"$fabricctl" show peers $ctl
echo
echo "== leaf1's weights, as fabricd planned them and as the kernel has them"
"$fabricctl" show weights leaf1 $ctl
ip -n "clab-$name-leaf1" route show proto bgp
echo
echo "== leaf1's link to spine1 shaped to 2 Mbit/s: fabricd moves weight off it"
"$fabricctl" lab netem set -t "$topo" -n leaf1 -i eth1 --rate 2000
sleep 3
"$fabricctl" show links $ctl | head -3
"$fabricctl" show weights leaf1 $ctl
ip -n "clab-$name-leaf1" route show proto bgp
"$fabricctl" lab netem reset -t "$topo" -n leaf1 -i eth1
echo
echo "== drain spine2: traffic leaves it, its sessions stay up"
"$fabricctl" drain node spine2 $ctl >/dev/null
sleep 1
ip -n "clab-$name-leaf1" route show proto bgp
"$fabricctl" undrain node spine2 $ctl >/dev/null
echo
echo "== status"
"$fabricctl" show status $ctl
if [ "$keep" = 1 ]; then
	echo
	echo "lab '$name' and fabricd left running: fabricctl show ... $ctl;"
	echo "stop with: kill$pids; $fabricctl lab destroy -t $topo"
	trap - EXIT
fi
