#!/bin/sh
# fabricd closes the loop on a real lab: FRR on every switch, fabric-agent
# beside it, fabric-probe between two hosts, fabricd in the management
# namespace.  On the BGP-unnumbered
# pod: the weights fabricd plans are the ones in the leaf's kernel FIB; a
# link shaped to a trickle loses its weight; draining a spine moves its
# traffic away with no packet lost and its sessions up; a failed link is
# left at once; mode pinned gives a job's flows a spine each (host
# routes); a path that silently drops RoCE traffic (nftables on a
# spine) is found by the probe and loses its weight until it heals; a bad
# reload changes nothing; stale telemetry freezes the
# weights; metrics are served; stopping fabricd hands the fabric back to
# its own ECMP with no packet lost.  On the numbered pod: the same kernel
# check, and a drained link.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable

FABRICD="$abs_top_builddir/controller/fabricd"
AGENT="$abs_top_builddir/telemetry/fabric-agent"
PROBE="$abs_top_builddir/gpu-probe/fabric-probe"
for t in curl openssl nft setpriv "$FABRICD" "$AGENT" "$PROBE"; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "FAIL: $t not found (run tools/setup.sh)"
		exit 1
	}
done

dir=$(mktemp -d /tmp/fabricd-loop.XXXXXX)
chmod 755 "$dir"
mkdir "$dir/run"
chown nobody "$dir/run"
topo=
pids=
fdpid=

stop_fabricd() {
	[ -n "$fdpid" ] && kill "$fdpid" 2>/dev/null && wait "$fdpid" 2>/dev/null
	fdpid=
}
cleanup() {
	[ -n "${FABRIC_KEEP_LOGS:-}" ] && cp "$dir/fabricd.log" "$FABRIC_KEEP_LOGS"
	stop_fabricd
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$topo" ] && "$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT

# copy_example SRCDIR NAME: the example under a lab name of our own
copy_example() {
	rm -rf "$dir/$2"
	cp -r "$1" "$dir/$2"
	f=$(ls "$dir/$2"/*.clab.yml)
	sed -i "s/^name: .*/name: $2/" "$f"
	(umask 077 && openssl rand -hex 32 >"$dir/$2/telemetry.key")
	chown nobody "$dir/$2/telemetry.key"	# fabricd's (and root's)
	echo "$f"
}

ctl() {
	"$FABRICCTL" "$@" -s "ipc://$dir/run/control"
}

# fabricd runs as nobody, with only the capability to bind port 179 (as
# its systemd unit gives it): it needs no more
start_fabricd() {	# NAME CONFIG
	ip netns exec "clab-$1-mgmt-net" setpriv --reuid=nobody \
	    --regid=nogroup --clear-groups --inh-caps=+net_bind_service \
	    --ambient-caps=+net_bind_service "$FABRICD" -f "$2" -v \
	    -s "ipc://$dir/run/control" -m 127.0.0.1:9342 \
	    >>"$dir/fabricd.log" 2>&1 &
	fdpid=$!
}

start_agent() {		# NAME NODE MGMT-ADDR
	ip netns exec "clab-$1-$2" "$AGENT" --id "$2" --interval 50 \
	    --publish "tcp://$3:7100" --key "$dir/$1/telemetry.key" \
	    >>"$dir/agent-$2.log" 2>&1 &
	eval "agent_$2=$!"
	pids="$pids $!"
}

# gateways NS PREFIX: "gw=weight ..." of the kernel route, sorted; a
# single-path route counts as weight 1.
gateways() {
	ip -n "$1" -j route show "$2" | jq -r '.[0] as $r |
	    [($r.nexthops // [{gateway: $r.gateway, weight: 1}])[] |
	    "\(.gateway)=\(.weight // 1)"] | sort | join(" ")'
}

# planned LEAF DST: the same from fabricd's own view (show weights -j)
planned() {
	ctl show weights "$1" -j | jq -r --arg d "$2" '[.[] |
	    select(.destination == $d) | .paths[] |
	    "\(.nexthop)=\(if (.frr_weight) == 100 then 1 else .frr_weight end)"] |
	    sort | join(" ")'
}

fib_is_planned() {	# NS LEAF DST PREFIX
	p=$(planned "$2" "$3")
	[ -n "$p" ] && [ "$(gateways "$1" "$4")" = "$p" ]
}

weight_of() {		# NS PREFIX GATEWAY
	ip -n "$1" -j route show "$2" | jq -r --arg g "$3" '.[0] as $r |
	    [($r.nexthops // [{gateway: $r.gateway, weight: 1}])[] |
	    select(.gateway == $g) | .weight // 1] | .[0] // 0'
}

proto_of() {
	ip -n "$1" -j route show "$2" | jq -r '.[0].protocol'
}

# ping_bg NS DST COUNT: 100 pings a second in the background
ping_bg() {
	ip netns exec "$1" ping -q -i 0.01 -c "$3" -W 1 "$2" >"$dir/ping.out" 2>&1 &
	pingpid=$!
}
ping_lost() {	# (after ping_wait: $(...) cannot wait for it)
	awk '/packets transmitted/ { print $1 - $4 }' "$dir/ping.out"
}

# ---------------------------------------------------------------------
# The BGP-unnumbered pod: 2 spines, 4 leaves
name=fd2s4l
topo=$(copy_example "$EXAMPLES/pod-2s4l-unnumbered" $name)
cfg="$dir/$name/fabricd.json"
leaf="clab-$name-leaf1"
dst=10.1.4.0/24
t0=$(now)
"$FABRICCTL" lab deploy -t "$topo" >/dev/null 2>&1
check "$name: deployed and converged" "$FABRICCTL" lab wait -t "$topo" --timeout 90
for s in 1 2; do start_agent $name spine$s 172.20.20.$((10 + s)); done
for l in 1 2 3 4; do start_agent $name leaf$l 172.20.20.$((100 + l)); done
# Switches hash flows on L4 (as data-centre fabrics do: the probe finds
# paths by source port) and answer TTL-expired probes without a limit.
for n in spine1 spine2 leaf1 leaf2 leaf3 leaf4; do
	ip netns exec "clab-$name-$n" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 \
	    net.ipv4.icmp_ratelimit=0
done
# fabric-probe: h4 answers, h1 probes every path to it and publishes its
# reports on h1's management address, where fabricd subscribes
h1mgmt=$(ip -n "clab-$name-h1" -j -4 addr show dev eth0 | jq -r '.[0].addr_info[0].local')
jq --arg a "tcp://$h1mgmt:7300" '."fabric:probe" = {endpoint: [{name: "h1",
    address: $a, "hmac-key-file": "telemetry.key"}]}' "$cfg" >"$cfg.new" &&
    mv "$cfg.new" "$cfg"
ip netns exec "clab-$name-h4" "$PROBE" --respond --allow 10.1.1.0/24 \
    >/dev/null 2>"$dir/respond.log" &
pids="$pids $!"
start_fabricd $name "$cfg"

check "$name: fabricd has a session to all 6 switches" \
    retry 30 sh -c "[ \$($FABRICCTL show peers -j -s ipc://$dir/run/control | jq '[.[] | select(.state == \"Established\")] | length') -eq 6 ]"
check "$name: telemetry from all 6 agents is fresh" \
    retry 10 sh -c "[ \$($FABRICCTL show status -j -s ipc://$dir/run/control | jq .stale_sources) -eq 0 ]"
check "$name: leaf1's route to $dst is fabricd's (BGP, iBGP paths)" \
    retry 15 sh -c "vtysh -N $leaf -c 'show bgp ipv4 unicast $dst json' | jq -e '[.paths[] | select(.peer.peerId == \"172.20.20.1\" and .multipath == true)] | length == 2' >/dev/null"
check "$name: leaf1's kernel FIB has fabricd's planned weights ($(planned leaf1 leaf4))" \
    retry 10 fib_is_planned "$leaf" leaf1 leaf4 "$dst"
check "$name: ... on every leaf, towards every other leaf" sh -c '
	for l in 1 2 3 4; do for m in 1 2 3 4; do
		[ $l = $m ] && continue
		p=$(ip -n clab-'$name'-leaf$l -j route show 10.1.$m.0/24 | jq ".[0].nexthops | length")
		[ "$p" = 2 ] || exit 1
	done; done'

# A link shaped to 2 Mbit/s: the agent reports the tbf rate as capacity
"$FABRICCTL" lab netem set -t "$topo" -n leaf1 -i eth1 --rate 2000 >/dev/null
check "$name: spine1-leaf1 shaped to 2 Mbit/s: fabricd sees it" \
    retry 10 sh -c "$FABRICCTL show links -j -s ipc://$dir/run/control | jq -e '.[] | select(.name == \"spine1-leaf1\") | .usable_bps <= 2000000' >/dev/null"
check "$name: leaf1 moves weight off spine1 in the kernel (spine1 $(weight_of "$leaf" $dst 10.0.0.1) -> <= 2)" \
    retry 15 sh -c "[ \$(ip -n $leaf -j route show $dst | jq '[.[0].nexthops[] | select(.gateway == \"10.0.0.1\") | .weight][0]') -le 2 ]"
check "$name: ... exactly as planned ($(planned leaf1 leaf4))" \
    retry 5 fib_is_planned "$leaf" leaf1 leaf4 "$dst"
check "$name: leaf4 also avoids spine1 towards leaf1 (capacity of the whole path)" \
    retry 10 sh -c "[ \$(ip -n clab-$name-leaf4 -j route show 10.1.1.0/24 | jq '[.[0].nexthops[] | select(.gateway == \"10.0.0.1\") | .weight][0]') -le 2 ]"
"$FABRICCTL" lab netem reset -t "$topo" -n leaf1 -i eth1 >/dev/null
check "$name: shaping removed: back to equal weights" \
    retry 15 sh -c "[ \"\$(ip -n $leaf -j route show $dst | jq -c '[.[0].nexthops[].weight] | unique')\" = '[1]' ] || [ \"\$(ip -n $leaf -j route show $dst | jq -c '[.[0].nexthops[].weight] | unique | length')\" = 1 ]"

# Drain spine2: traffic moves first, sessions stay
ping_bg "clab-$name-h1" 10.1.4.11 300
sleep 0.5
check "$name: drain spine2 accepted" sh -c "$FABRICCTL drain node spine2 -s ipc://$dir/run/control >/dev/null"
check "$name: leaf1's kernel route now avoids spine2" \
    retry 10 sh -c "[ \"\$(ip -n $leaf -j route show $dst | jq -r '.[0].gateway // ([.[0].nexthops[].gateway] | join(\",\"))')\" = 10.0.0.1 ]"
wait "$pingpid"
lost=$(ping_lost)
check "$name: no ping lost while spine2 drained (lost $lost of 300)" test "$lost" = 0
check "$name: spine2's sessions stayed up" \
    sh -c "vtysh -N clab-$name-spine2 -c 'show bgp summary json' | jq -e '[.ipv4Unicast.peers[] | select(.state == \"Established\")] | length >= 4' >/dev/null"
check "$name: draining spine1 too is refused (leaves would have no path)" \
    sh -c "! $FABRICCTL drain node spine1 -s ipc://$dir/run/control 2>$dir/drain.err && grep -q FD-LASTPATH $dir/drain.err"
check "$name: undrain spine2" sh -c "$FABRICCTL undrain node spine2 -s ipc://$dir/run/control >/dev/null"
check "$name: leaf1 back on both spines" \
    retry 10 sh -c "[ \$(ip -n $leaf -j route show $dst | jq '.[0].nexthops | length') -eq 2 ]"

# A bad reload changes nothing
cp "$cfg" "$dir/good.json"
sed -i 's/"mode": "static"/"mode": "sideways"/' "$cfg"
check "$name: a bad reload is refused" \
    sh -c "! $FABRICCTL reload -s ipc://$dir/run/control 2>$dir/reload.err"
check "$name: ... naming the file and the data path" \
    grep -q 'fabricd.json.*mode' "$dir/reload.err"
check "$name: ... and fabricd still answers with its weights" \
    fib_is_planned "$leaf" leaf1 leaf4 "$dst"
cp "$dir/good.json" "$cfg"
check "$name: a good reload keeps every session" sh -c "
	ctl_up() { $FABRICCTL show peers -j -s ipc://$dir/run/control | jq '[.[] | select(.state == \"Established\" and .established == 1)] | length'; }
	$FABRICCTL reload -s ipc://$dir/run/control >/dev/null && [ \$(ctl_up) -eq 6 ]"

# Mode pinned: a job's two flows from h1 get one spine each, as host
# routes at leaf1; back to static, the host routes go
jq '."fabric:policy".mode = "pinned" | ."fabric:jobs" = {job: [{name: "ring",
    flow: [{src: "h1", dst: "h3", "dst-address": "10.1.3.11", rate: "8G"},
	   {src: "h1", dst: "h4", "dst-address": "10.1.4.11", rate: "8G"}]}]}' \
    "$dir/good.json" >"$cfg"
check "$name: reload into mode pinned with a job" \
    sh -c "$FABRICCTL reload -s ipc://$dir/run/control >/dev/null"
check "$name: leaf1 pins h1->h3 and h1->h4 to one spine each" \
    retry 10 sh -c "a=\$(ip -n $leaf -j route show 10.1.3.11 | jq -r '.[0].gateway // \"none\"'); b=\$(ip -n $leaf -j route show 10.1.4.11 | jq -r '.[0].gateway // \"none\"'); [ \"\$a\" != none ] && [ \"\$b\" != none ] && [ \"\$a\" != \"\$b\" ]"
check "$name: ... and show jobs says which uplink each flow has" \
    sh -c "$FABRICCTL show jobs -j -s ipc://$dir/run/control | jq -e '[.[0].flows[].uplink] | unique | length == 2' >/dev/null"
check "$name: ... pings to h4 still answered" \
    sh -c "ip netns exec clab-$name-h1 ping -c 3 -i 0.2 -W 1 -q 10.1.4.11 >/dev/null"
cp "$dir/good.json" "$cfg"
check "$name: back to static: the host routes are withdrawn" \
    sh -c "$FABRICCTL reload -s ipc://$dir/run/control >/dev/null && sleep 1 && [ -z \"\$(ip -n $leaf route show 10.1.4.11/32)\" ]"

# Metrics
check "$name: /metrics has the session states and weights" \
    sh -c "ip netns exec clab-$name-mgmt-net curl -sf http://127.0.0.1:9342/metrics | grep -q 'fabric_bgp_session_up{switch=\"leaf1\"} 1' &&
	ip netns exec clab-$name-mgmt-net curl -sf http://127.0.0.1:9342/metrics | grep -q '^fabric_weight_share{switch=\"leaf1\",destination=\"leaf4\"'"
check "$name: /metrics: pushes reach the wire in under 100 ms on average" \
    sh -c "ip netns exec clab-$name-mgmt-net curl -sf http://127.0.0.1:9342/metrics | awk '/^fabric_push_seconds_sum/ { s = \$2 } /^fabric_push_seconds_count/ { n = \$2 } END { exit !(n > 0 && s / n < 0.1) }'"

# fabric-probe finds a path that drops RoCE traffic (BGP sees nothing)
ip netns exec "clab-$name-h1" "$PROBE" --target 10.1.4.11 --report 100 -v \
    --publish "tcp://$h1mgmt:7300" --key "$dir/$name/telemetry.key" --id h1 \
    >/dev/null 2>"$dir/probe.log" &
probe=$!
pids="$pids $probe"
check "$name: fabricd hears the probe on both paths to leaf4" \
    retry 15 sh -c "$FABRICCTL show paths 10.1.4.0/24 -j -s ipc://$dir/run/control | jq -e '[.switches[] | select(.switch == \"leaf1\") | .paths[] | select(.probe.state == \"ok\")] | length == 2' >/dev/null"
ip netns exec "clab-$name-spine1" nft add table inet fdtest
ip netns exec "clab-$name-spine1" nft add chain inet fdtest fdfwd \
    '{ type filter hook forward priority 0; }'
ip netns exec "clab-$name-spine1" nft add rule inet fdtest fdfwd udp dport 4791 drop
t1=$(now)
only_spine2() {
	[ "$(ip -n $leaf -j route show $dst | jq -r '.[0].gateway // ([.[0].nexthops[].gateway] | join(","))')" = 10.0.0.2 ]
}
n=0
while ! only_spine2 && [ "$n" -lt 500 ]; do sleep 0.02; n=$((n + 1)); done
t2=$(now)
check "$name: spine1 drops UDP 4791: leaf1's kernel route to $dst leaves it" \
    only_spine2
echo "# black hole to kernel FIB: $(elapsed "$t1" "$t2") s (20 ms polls)"
check "$name: ... shown as failed by the probe, weight 0" \
    sh -c "$FABRICCTL show paths 10.1.4.0/24 -j -s ipc://$dir/run/control | jq -e '[.switches[] | select(.switch == \"leaf1\") | .paths[] | select(.neighbor == \"spine1\")][0] | .probe.state == \"failed\" and .frr_weight == 0' >/dev/null"
check "$name: ... only towards leaf4: leaf1 -> leaf2 keeps spine1" \
    sh -c "[ \$(ip -n $leaf -j route show 10.1.2.0/24 | jq '.[0].nexthops | length') -eq 2 ]"
# While the fault lasts, spine1 stays out: the probe's port for that path
# now hashes onto spine2 and is answered, which must not count as the
# spine1 path healing (it would put the black hole back).
stays_out() {	# until 4.5 s after it went out (the trial is at 5 s)
	n=0
	while awk -v a="$t2" -v b="$(now)" 'BEGIN { exit !(b - a < 4.5) }'; do
		only_spine2 || {
			echo "# spine1 back after $n x 50 ms"
			grep 'probe:' "$dir/fabricd.log" | tail -n 5 | sed 's/^/# fabricd: /'
			tail -n 8 "$dir/probe.log" | sed 's/^/# probe: /'
			return 1
		}
		sleep 0.05
		n=$((n + 1))
	done
}
check "$name: ... and stays out while the fault lasts (until its trial)" \
    stays_out
# fabricd's trial (probe-retest-ms, 5 s after it went out): spine1 back
# for the probe to test; still broken, so out again, and the next trial
# twice as late
probe_path() {
	$FABRICCTL show paths 10.1.4.0/24 -j -s "ipc://$dir/run/control" |
	    jq -c '[.switches[] | select(.switch == "leaf1") | .paths[] | select(.neighbor == "spine1")][0].probe'
}
n=0
while only_spine2 && [ "$n" -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
t3=$(now)
echo "# trial began $(elapsed "$t2" "$t3") s after it went out (probe-retest-ms 5000)"
both_spines() {
	[ "$(ip -n $leaf -j route show $dst | jq '.[0].nexthops | length')" -eq 2 ]
}
check "$name: trial: spine1 back in leaf1's FIB about 5 s after it went out" \
    both_spines
n=0
while ! only_spine2 && [ "$n" -lt 100 ]; do sleep 0.02; n=$((n + 1)); done
t4=$(now)
echo "# trial of the broken path: in the FIB for $(elapsed "$t3" "$t4") s"
check "$name: ... still broken: out again within 2 s" only_spine2
next_trial_later() {
	probe_path | jq -e '.fabricd == "out" and .trials >= 1 and .trial_in_ms > 5000 and .trial_in_ms <= 10000' >/dev/null ||
	    { echo "# $(probe_path)"; false; }
}
check "$name: ... shown out, after one trial, the next in about 10 s" \
    next_trial_later
ip netns exec "clab-$name-spine1" nft delete table inet fdtest
t5=$(now)
check "$name: fault removed: spine1 back for $dst at the next trial" \
    retry 15 both_spines
echo "# healed path back in the FIB after $(elapsed "$t5" "$(now)") s (next trial was due in at most 10 s)"
stays_in() {
	n=0
	while [ "$n" -lt 40 ]; do
		both_spines || return 1
		sleep 0.05
		n=$((n + 1))
	done
	probe_path | jq -e '.fabricd == "in" and .state == "ok"' >/dev/null
}
check "$name: ... and stays (trial passed: probe ok, fabricd in)" stays_in
kill "$probe"

# FRR restarts under the agent: leaf1's bgpd is killed and started again;
# the agent keeps publishing, fabricd's session comes back with its paths
kill -9 "$(cat "/var/run/frr/$leaf/bgpd.pid")"
sleep 1
ip netns exec "$leaf" /usr/lib/frr/bgpd -d -N "$leaf" \
    -f "/run/fabric-lab/$name/leaf1/frr.conf" \
    -i "/var/run/frr/$leaf/bgpd.pid" -A 127.0.0.1 \
    --log "file:/run/fabric-lab/$name/leaf1/frr.log"
check "$name: leaf1's bgpd restarted: its agent still runs and is fresh" \
    sh -c "kill -0 $agent_leaf1 && $FABRICCTL show telemetry -j -s ipc://$dir/run/control | jq -e '[.sources[] | select(.name == \"leaf1\" and .state == \"fresh\")] | length == 1' >/dev/null"
check "$name: ... fabricd's session and paths are back" \
    retry 30 fib_is_planned "$leaf" leaf1 leaf4 "$dst"

# Stale telemetry freezes the weights
kill "$agent_leaf4"
check "$name: leaf4's agent stopped: weights frozen (FD-STALE)" \
    retry 10 sh -c "$FABRICCTL show status -j -s ipc://$dir/run/control | jq -e '.frozen == true' >/dev/null && grep -q 'FD-STALE.*leaf4' $dir/fabricd.log"
start_agent $name leaf4 172.20.20.104
check "$name: agent back: fresh again" \
    retry 10 sh -c "$FABRICCTL show status -j -s ipc://$dir/run/control | jq -e '.frozen == false' >/dev/null"

# A link fails: fabricd and FRR leave it
ping_bg "clab-$name-h1" 10.1.4.11 300
sleep 0.5
ip -n "$leaf" link set eth2 down
check "$name: eth2 (to spine2) down: the kernel route avoids it" \
    retry 5 sh -c "[ \"\$(ip -n $leaf -j route show $dst | jq -r '.[0].gateway // ([.[0].nexthops[].gateway] | join(\",\"))')\" = 10.0.0.1 ]"
check "$name: ... and fabricd's weights too (link down from telemetry)" \
    retry 5 sh -c "[ \"\$($FABRICCTL show weights leaf1 -j -s ipc://$dir/run/control | jq -r '[.[] | select(.destination == \"leaf4\") | .paths[].neighbor] | join(\",\")')\" = spine1 ]"
wait "$pingpid"
lost=$(ping_lost)
check "$name: pings lost to the failure: $lost of 300 (at most 10)" test "$lost" -le 10
ping_bg "clab-$name-h1" 10.1.4.11 2000
ip -n "$leaf" link set eth2 up
sleep 2
check "$name: link back up: not used during the 10 s hold-down" \
    sh -c "$FABRICCTL show weights leaf1 -j -s ipc://$dir/run/control | jq -e '[.[] | select(.destination == \"leaf4\") | .paths[]] | length == 1' >/dev/null && ! grep -q 'link spine2-leaf1 up' $dir/fabricd.log"
check "$name: link back: both spines again" \
    retry 30 sh -c "[ \$(ip -n $leaf -j route show $dst | jq '.[0].nexthops | length') -eq 2 ] && [ \$(ip -n $leaf -j route show $dst | jq -r '.[0].protocol') = bgp ]"

wait "$pingpid"
lost=$(ping_lost)
check "$name: no ping lost while the link came back (lost $lost of 2000)" \
    test "$lost" = 0

# fabricd crashes: graceful restart keeps the switches forwarding on its
# weights; restarted, it refreshes them
ping_bg "clab-$name-h1" 10.1.4.11 300
sleep 0.5
kill -9 "$fdpid"
wait "$fdpid" 2>/dev/null
fdpid=
sleep 2
check "$name: fabricd killed: leaf1 keeps its paths, marked stale (GR)" \
    sh -c "vtysh -N $leaf -c 'show bgp ipv4 unicast $dst json' | jq -e '[.paths[] | select(.peer.peerId == \"172.20.20.1\" and .stale == true)] | length == 2' >/dev/null"
wait "$pingpid"
lost=$(ping_lost)
check "$name: ... and loses no ping (lost $lost of 300)" test "$lost" = 0
start_fabricd $name "$cfg"
check "$name: fabricd back: its paths refreshed, not stale" \
    retry 30 sh -c "vtysh -N $leaf -c 'show bgp ipv4 unicast $dst json' | jq -e '[.paths[] | select(.peer.peerId == \"172.20.20.1\")] | length == 2 and ([.[] | select(.stale == true)] | length == 0)' >/dev/null"

# fabricd stops: FRR's own ECMP, nothing lost
ping_bg "clab-$name-h1" 10.1.4.11 300
sleep 0.5
stop_fabricd
wait "$pingpid"
lost=$(ping_lost)
check "$name: fabricd stopped: no ping lost (lost $lost of 300)" test "$lost" = 0
check "$name: leaf1 is back on the fabric's own eBGP ECMP" \
    retry 10 sh -c "vtysh -N $leaf -c 'show bgp ipv4 unicast $dst json' | jq -e '[.paths[] | select(.peer.peerId == \"172.20.20.1\")] | length == 0' >/dev/null && [ \$(ip -n $leaf -j route show $dst | jq '.[0].nexthops | length') -eq 2 ]"
for p in $pids; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
pids=
"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
check "$name: nothing left behind" test -z "$(lab_leftovers $name)"
echo "# $name took $(elapsed "$t0" "$(now)") s"

# ---------------------------------------------------------------------
# The numbered pod: 4 spines, 8 leaves, /31 next-hops
name=fd4s8l
topo=$(copy_example "$EXAMPLES/pod-4s8l-numbered" $name)
cfg="$dir/$name/fabricd.json"
leaf="clab-$name-leaf1"
dst=10.1.8.0/24
t0=$(now)
"$FABRICCTL" lab deploy -t "$topo" >/dev/null 2>&1
check "$name: deployed and converged" "$FABRICCTL" lab wait -t "$topo" --timeout 90
for l in 1 8; do start_agent $name leaf$l 172.20.20.$((100 + l)); done
for s in 1 2 3 4; do start_agent $name spine$s 172.20.20.$((10 + s)); done
start_fabricd $name "$cfg"
check "$name: fabricd has a session to all 12 switches" \
    retry 30 sh -c "[ \$($FABRICCTL show peers -j -s ipc://$dir/run/control | jq '[.[] | select(.state == \"Established\")] | length') -eq 12 ]"
check "$name: leaf1's kernel FIB: 4 next-hops on the /31s, as planned" \
    retry 15 sh -c "[ \"\$(ip -n $leaf -j route show $dst | jq -r '[.[0].nexthops[].gateway] | sort | join(\" \")')\" = '10.2.1.0 10.2.2.0 10.2.3.0 10.2.4.0' ] && [ \$(ip -n $leaf -j route show $dst | jq -r '.[0].protocol') = bgp ]"
check "$name: drain link spine3-leaf1" sh -c "$FABRICCTL drain link spine3-leaf1 -s ipc://$dir/run/control >/dev/null"
check "$name: leaf1 now uses the 3 others" \
    retry 10 sh -c "[ \"\$(ip -n $leaf -j route show $dst | jq -r '[.[0].nexthops[].gateway] | sort | join(\" \")')\" = '10.2.1.0 10.2.2.0 10.2.4.0' ]"
check "$name: ... and leaf8 stops sending to leaf1 through spine3" \
    retry 10 sh -c "[ \"\$(ip -n clab-$name-leaf8 -j route show 10.1.1.0/24 | jq -r '[.[0].nexthops[].gateway] | sort | join(\" \")')\" = '10.2.1.14 10.2.2.14 10.2.4.14' ]"
stop_fabricd
check "$name: fabricd stopped: leaf1 back on 4 spines" \
    retry 15 sh -c "[ \$(ip -n $leaf -j route show $dst | jq '.[0].nexthops | length') -eq 4 ]"
for p in $pids; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
pids=
"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
check "$name: nothing left behind" test -z "$(lab_leftovers $name)"
topo=
echo "# $name took $(elapsed "$t0" "$(now)") s"
finish
