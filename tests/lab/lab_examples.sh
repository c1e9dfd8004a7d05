#!/bin/sh
# Deploys every example fabric with real FRR in network namespaces and
# checks that it converged: every BGP session Established, on every leaf an
# ECMP route with one next-hop per spine to every other leaf's hosts, and
# hosts reaching hosts across the fabric.  Then destroys it and checks that
# nothing is left.  Prints deploy, convergence and destroy times.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable

nodes() {	# nodes of a lab whose name starts with $2
	"$FABRICCTL" lab inspect -t "$1" -j |
	    jq -r --arg p "$2" '.containers[] | select(.node | startswith($p)) | .node'
}

ns_of() {
	echo "clab-$name-$1"
}

sessions_ok() {	# every configured neighbor of node $1 Established, count $2
	n=$(vtysh -N "$(ns_of "$1")" -c 'show bgp neighbors json' |
	    jq '[.[] | select(.bgpState == "Established")] | length')
	[ "$n" -eq "$2" ]
}

host_subnet() {
	ip -n "$(ns_of "$1")" -j route show dev eth1 proto kernel |
	    jq -r '.[0].dst'
}

ecmp_ok() {	# leaf $1 reaches subnet $2 over $3 next-hops, or owns it
	r=$(ip -n "$(ns_of "$1")" -j route show "$2")
	[ "$(echo "$r" | jq -r '.[0].protocol')" = kernel ] && return 0
	[ "$(echo "$r" | jq -r '.[0].protocol')" = bgp ] &&
	    [ "$(echo "$r" | jq '.[0].nexthops | length')" -eq "$3" ]
}

ping_ok() {	# host $1 pings $2, allowing a few seconds for the FIBs
	retry 5 ip netns exec "$(ns_of "$1")" ping -c 1 -W 1 "$2"
}

host_addr() {
	ip -n "$(ns_of "$1")" -j -4 addr show dev eth1 |
	    jq -r '.[0].addr_info[0].local'
}

test_example() {
	topo=$1
	name=$(lab_name "$topo")
	echo "# example $name ($topo)"
	"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	t0=$(now)
	check "$name: deploy" "$FABRICCTL" lab deploy -t "$topo" || return
	t1=$(now)
	check "$name: all BGP sessions Established" \
	    "$FABRICCTL" lab wait -t "$topo" --timeout 90
	t2=$(now)
	spines=$(nodes "$topo" spine)
	leaves=$(nodes "$topo" leaf)
	hosts=$(nodes "$topo" h)
	nspines=$(echo "$spines" | wc -w)
	nleaves=$(echo "$leaves" | wc -w)
	for s in $spines; do
		check "$name: $s has $nleaves sessions up" sessions_ok "$s" "$nleaves"
	done
	for l in $leaves; do
		check "$name: $l has $nspines sessions up" sessions_ok "$l" "$nspines"
	done
	for h in $hosts; do
		subnet=$(host_subnet "$h")
		for l in $leaves; do
			check "$name: $l reaches $subnet ($h) over $nspines spines" \
			    retry 10 ecmp_ok "$l" "$subnet" "$nspines"
		done
	done
	first=$(echo "$hosts" | head -n 1)
	for h in $hosts; do
		[ "$h" = "$first" ] && continue
		addr=$(host_addr "$h")
		check "$name: $first pings $h ($addr)" ping_ok "$first" "$addr"
	done
	t3=$(now)
	check "$name: destroy" "$FABRICCTL" lab destroy -t "$topo"
	t4=$(now)
	left=$(lab_leftovers "$name")
	check "$name: nothing left after destroy${left:+: $left}" test -z "$left"
	echo "# timing $name: deploy $(elapsed "$t0" "$t1") s," \
	    "converged $(elapsed "$t0" "$t2") s after deploy start," \
	    "destroy $(elapsed "$t3" "$t4") s"
}

found=0
for topo in "$EXAMPLES"/*/*.clab.yml; do
	[ -f "$topo" ] || continue
	found=$((found + 1))
	test_example "$topo"
done
check "examples found" test "$found" -ge 2
finish
