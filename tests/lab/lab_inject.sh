#!/bin/sh
# fabric-inject against real FRR, on both example fabrics: injected weights
# appear in the leaf's kernel FIB as the planned ratios; changing the file
# (SIGHUP) changes them; FRR's bgpd restarting gets every path back; a
# crashed injector leaves the leaf forwarding on its paths (graceful
# restart); stopping it (SIGTERM) returns the leaf to the fabric's own ECMP
# with no packet lost; TCP-MD5 keys must match.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable

INJECT="$abs_top_builddir/bgp/fabric-inject"
dir=$(mktemp -d /tmp/fabric-inject-test.XXXXXX)
pidfile="$dir/inject.pid"
topo=
stop_inject() {
	[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
	sleep 0.2
	rm -f "$pidfile"
}
cleanup() {
	stop_inject
	[ -n "$topo" ] && "$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT

# start_inject NAME LEAF_AS EXTRA_PEER_OPTS: runs fabric-inject in the
# management namespace (the gateway, where a controller runs) peering
# with leaf1 over iBGP.  $LISTEN, when set, makes it accept too: then
# both sides connect and collision detection picks one connection.
start_inject() {
	ip netns exec "clab-$1-mgmt-net" "$INJECT" --local-as "$2" \
	    ${LISTEN:+--listen "$LISTEN"} \
	    --router-id 172.20.20.1 --holdtime 9 --connect-retry 1 \
	    --graceful-restart 60 \
	    --peer "172.20.20.101,name=leaf1$3" --routes "$dir/routes" \
	    >>"$dir/inject.log" 2>&1 &
	echo $! >"$pidfile"
}

# kernel_weights NS PREFIX: the weights of the route's next-hops, sorted
# by gateway, space separated ("" when not multipath).
kernel_weights() {
	ip -n "$1" -j route show "$2" |
	    jq -r '[.[0].nexthops // [] | sort_by(.dev + .gateway)[] | .weight // 1] | join(" ")'
}

# planned_weights: what fabric-inject --check says FRR will install, in
# the same order (by next-hop as the file lists them).
planned_weights() {
	"$INJECT" --check -j --routes "$dir/routes" |
	    jq -r --arg p "$1" '.[] | select(.prefix == $p) | [.paths[].frr_weight] | join(" ")'
}

weights_are() {	# NS PREFIX "W1 W2 ..."
	[ "$(kernel_weights "$1" "$2")" = "$3" ]
}

proto_of() {
	ip -n "$1" -j route show "$2" | jq -r '.[0].protocol'
}

nexthop_count() {
	ip -n "$1" -j route show "$2" | jq '.[0].nexthops | length'
}

# run_case TOPO NEXTHOP1 NEXTHOP2 ...: one fabric, injected next-hops given
run_case() {
	topo=$1
	shift
	name=$(lab_name "$topo")
	leaf="clab-$name-leaf1"
	nspines=$#
	nleaves=$(grep -c '^    leaf' "$topo")
	dst="10.1.$nleaves.0/24"
	dsthost="10.1.$nleaves.11"
	echo "# $name: inject $dst on leaf1 via $*"
	"$FABRICCTL" lab deploy -t "$topo" --reconfigure >/dev/null 2>&1
	check "$name: converged" "$FABRICCTL" lab wait -t "$topo" --timeout 90
	check "$name: fabric ECMP first ($nspines next-hops)" \
	    retry 10 sh -c "[ \$(ip -n $leaf -j route show $dst | jq '.[0].nexthops | length') -eq $nspines ]"

	# weights 1, 2, 3, ... by spine
	: >"$dir/routes"
	w=1
	for nh in "$@"; do
		echo "$dst $nh $w" >>"$dir/routes"
		w=$((w + 1))
	done
	want=$(planned_weights "$dst")
	start_inject "$name" 65001 ""
	check "$name: kernel weights are the planned ones ($want)" \
	    retry 15 weights_are "$leaf" "$dst" "$want"
	check "$name: the route is BGP" test "$(proto_of "$leaf" "$dst")" = bgp
	check "$name: the paths came over iBGP with ADD-PATH" \
	    sh -c "vtysh -N $leaf -c 'show bgp ipv4 unicast $dst json' | jq -e '[.paths[] | select(.peer.peerId == \"172.20.20.1\")] | length == $nspines' >/dev/null"
	check "$name: NO_ADVERTISE: leaf1 does not pass them on" \
	    sh -c "vtysh -N clab-$name-spine1 -c 'show bgp ipv4 unicast $dst json' | jq -e '[.paths[] | select(.aspath.string | contains(\"65001\"))] | length == 0' >/dev/null"

	# reverse the weights, SIGHUP
	: >"$dir/routes"
	w=$nspines
	for nh in "$@"; do
		echo "$dst $nh $w" >>"$dir/routes"
		w=$((w - 1))
	done
	want=$(planned_weights "$dst")
	kill -HUP "$(cat "$pidfile")"
	check "$name: after SIGHUP the kernel has the new weights ($want)" \
	    retry 15 weights_are "$leaf" "$dst" "$want"

	# a bad file on SIGHUP changes nothing
	cp "$dir/routes" "$dir/routes.good"
	echo "10.1.1.0/33 10.0.0.1 1" >>"$dir/routes"
	kill -HUP "$(cat "$pidfile")"
	sleep 1
	check "$name: a bad file changes nothing" weights_are "$leaf" "$dst" "$want"
	check "$name: and the log names file and line" \
	    grep -q "routes:$((nspines + 1)): '10.1.1.0/33'" "$dir/inject.log"
	cp "$dir/routes.good" "$dir/routes"

	# FRR's bgpd restarts: the session comes back with every path
	ups=$(grep -c 'session up' "$dir/inject.log")
	bgpd_pid=$(cat "/var/run/frr/$leaf/bgpd.pid")
	kill -9 "$bgpd_pid"
	sleep 0.5
	ip netns exec "$leaf" /usr/lib/frr/bgpd -d -N "$leaf" \
	    -f "/run/fabric-lab/$name/leaf1/frr.conf" \
	    -i "/var/run/frr/$leaf/bgpd.pid" -A 127.0.0.1 \
	    --log "file:/run/fabric-lab/$name/leaf1/frr.log"
	check "$name: after bgpd restarts, the session comes back" \
	    retry 30 sh -c "[ \$(grep -c 'session up' $dir/inject.log) -gt $ups ]"
	check "$name: ... and the weights are back" \
	    retry 30 weights_are "$leaf" "$dst" "$want"

	# the injector crashes: graceful restart keeps the leaf forwarding
	kill -9 "$(cat "$pidfile")"
	rm -f "$pidfile"
	sleep 3
	check "$name: injector killed: leaf keeps the weighted paths (GR)" \
	    weights_are "$leaf" "$dst" "$want"
	check "$name: ... marked stale" \
	    sh -c "vtysh -N $leaf -c 'show bgp ipv4 unicast $dst json' | jq -e '[.paths[] | select(.stale == true)] | length == $nspines' >/dev/null"
	start_inject "$name" 65001 ""
	check "$name: injector back: paths refreshed, not stale" \
	    retry 15 sh -c "vtysh -N $leaf -c 'show bgp ipv4 unicast $dst json' | jq -e '[.paths[] | select(.stale == true)] | length == 0' >/dev/null"
	check "$name: ... weights unchanged" weights_are "$leaf" "$dst" "$want"

	# SIGTERM: Cease; fall back to the fabric's ECMP without loss
	ip netns exec "clab-$name-h1" ping -q -i 0.01 -c 400 -W 1 "$dsthost" \
	    >"$dir/ping.out" 2>&1 &
	pingpid=$!
	sleep 1
	stop_inject
	wait "$pingpid"
	check "$name: after SIGTERM the leaf is back on ECMP over $nspines spines" \
	    retry 10 sh -c "[ \$(ip -n $leaf -j route show $dst | jq '[.[0].nexthops[] | .weight // 1] | unique | length') -eq 1 ] && [ \$(ip -n $leaf -j route show $dst | jq '.[0].nexthops | length') -eq $nspines ]"
	check "$name: no packet lost while the injector stopped ($(grep -o '[0-9]* received' "$dir/ping.out"))" \
	    grep -q ' 400 received' "$dir/ping.out"
	check "$name: the Cease reached FRR" \
	    sh -c "vtysh -N $leaf -c 'show bgp neighbors 172.20.20.1 json' | jq -e '.\"172.20.20.1\".lastNotificationReason // \"\" | test(\"Cease\")' >/dev/null || grep -q 'Cease' /run/fabric-lab/$name/leaf1/frr.log"
}

md5_case() {
	name=$(lab_name "$topo")
	leaf="clab-$name-leaf1"
	vtysh -N "$leaf" -c 'configure terminal' -c 'router bgp 65001' \
	    -c 'neighbor 172.20.20.1 password s3cret' >/dev/null
	start_inject "$name" 65001 ",md5=wrong"
	sleep 4
	check "$name: TCP-MD5 with the wrong key: no session" \
	    sh -c "vtysh -N $leaf -c 'show bgp neighbors 172.20.20.1 json' | jq -e '.\"172.20.20.1\".bgpState != \"Established\"' >/dev/null"
	stop_inject
	start_inject "$name" 65001 ",md5=s3cret"
	check "$name: TCP-MD5 with the right key: Established" \
	    retry 15 sh -c "vtysh -N $leaf -c 'show bgp neighbors 172.20.20.1 json' | jq -e '.\"172.20.20.1\".bgpState == \"Established\"' >/dev/null"
	stop_inject
}

t0=$(now)
run_case "$EXAMPLES/pod-4s8l-numbered/pod-4s8l.clab.yml" \
    10.2.1.0 10.2.2.0 10.2.3.0 10.2.4.0
md5_case
"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
LISTEN=172.20.20.1 run_case "$EXAMPLES/pod-2s4l-unnumbered/pod-2s4l.clab.yml" \
    10.0.0.1 10.0.0.2
# (the other switches peer with the gateway too, and are refused: they
# are not neighbours of this injector)
check "pod-2s4l: listening too: leaf1's own connections were accepted" \
    sh -c "! grep -q 'connection from 172.20.20.101 refused' '$dir/inject.log'"
"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
topo=
echo "# inject tests took $(elapsed "$t0" "$(now)") s"
finish
