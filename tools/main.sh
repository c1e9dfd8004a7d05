#!/bin/sh
# The main job on a fresh Debian 12 machine: installs what is needed,
# builds, and runs a fabric.  Until the controller lands this is the lab:
# deploy a containerlab topology on network namespaces with real FRR, wait
# for BGP, show a leaf's ECMP routes and BGP sessions, send traffic across
# the fabric, and destroy the lab again (--keep leaves it running).
#
# usage: tools/main.sh [--keep] [TOPOLOGY.clab.yml]
set -eu
cd "$(dirname "$0")/.."

keep=0
if [ "${1:-}" = --keep ]; then
	keep=1
	shift
fi
topo=${1:-examples/pod-2s4l-unnumbered/pod-2s4l.clab.yml}

tools/setup.sh
tools/build.sh >/dev/null
fabricctl=controller/fabricctl
name=$(awk '/^name:/ { print $2; exit }' "$topo")

if [ "$keep" = 0 ]; then
	trap '"$fabricctl" lab destroy -t "$topo"' EXIT
fi
"$fabricctl" lab deploy -t "$topo" --reconfigure
"$fabricctl" lab wait -t "$topo" --timeout 90
# Established sessions still have to exchange routes: wait for the FIBs.
sleep 2

leaf=$("$fabricctl" lab inspect -t "$topo" -j |
    jq -r '[.containers[] | select(.frr and (.node | startswith("leaf")))][0].node')
echo
echo "== BGP sessions of $leaf"
"$fabricctl" lab exec -t "$topo" "$leaf" -- vtysh -c 'show bgp summary'
echo "== $leaf kernel FIB: one next-hop per spine to every other leaf's hosts"
"$fabricctl" lab exec -t "$topo" "$leaf" -- ip route show proto bgp
hosts=$("$fabricctl" lab inspect -t "$topo" -j |
    jq -r '.containers[] | select(.frr | not) | .node')
first=$(echo "$hosts" | head -n 1)
last=$(echo "$hosts" | tail -n 1)
dst=$("$fabricctl" lab exec -t "$topo" "$last" -- ip -j -4 addr show dev eth1 |
    jq -r '.[0].addr_info[0].local')
echo "== $first -> $last ($dst) across the fabric"
"$fabricctl" lab exec -t "$topo" "$first" -- ping -c 3 -i 0.2 "$dst"
if [ "$keep" = 1 ]; then
	echo
	echo "lab '$name' left running: $fabricctl lab destroy -t $topo"
fi
