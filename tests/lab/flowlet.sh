#!/bin/sh
# The flowlet data plane against real FRR: a copy of pod-2s4l-unnumbered
# deployed as lab "flt2s4l"; fabric-inject (from the management namespace,
# as a controller) gives leaf1 weighted paths to h4's subnet; fabric-agent
# in leaf1 mirrors them into a resilient nexthop group.  Checked:
#   (a) rule, table and group exist; the group's buckets follow FRR's
#       kernel weights; h1's traffic to h4 is looked up in our table
#   (b) a weight change (routes file rewritten, SIGHUP) reaches the group;
#       while a ping at 100/s runs, its bucket keeps its next-hop although
#       nearly all the other buckets of that next-hop move; its packets
#       stay on one uplink; none is lost; once idle, the buckets balance
#   (c) the injector withdraws: the agent follows FRR's plain ECMP
#   (d) SIGTERM: rule, route and nexthops gone, FRR's own route in charge,
#       no packet lost meanwhile
#   (e) kill -9 leaves them; the next start removes them and reinstalls
#   (f) what the agent reports, read through fabric-telemetry-dump (the
#       controller's ingest): BGP sessions (type 3) and the steered
#       route's next-hops and weights (type 4)
#   (h) marking from FRR: a prefix whose routes carry the controller's
#       large community (--flowlet-community) is mirrored too, and given
#       back to main when the community goes
#   (g) it keeps going: an uplink down and up (the kernel drops our
#       nexthop on it, FRR its path), a sampled interface deleted, the
#       subscriber gone and back
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable

AGENT="$abs_top_builddir/telemetry/fabric-agent"
INJECT="$abs_top_builddir/bgp/fabric-inject"
DUMP="$abs_top_builddir/telemetry/fabric-telemetry-dump"
for t in openssl "$AGENT" "$INJECT" "$DUMP"; do
	command -v "$t" >/dev/null 2>&1 || { echo "FAIL: $t not found"; exit 1; }
done

LAB=flt2s4l
TABLE=4200
PREF=1000
BASE=4043309056		# --flowlet-nhid-base, the default
GRP=$BASE		# the first prefix's group
BUCKETS=128
DST=10.1.4.0/24
LEAF=clab-$LAB-leaf1
dir=$(mktemp -d /tmp/fabtest-flowlet.XXXXXX)
topo="$dir/lab/pod-2s4l.clab.yml"
agent= inject= pinger= dump=

stop_pid() {	# stop_pid PID [SIGNAL]: signal, then reap
	[ -n "$1" ] || return 0
	kill "-${2:-TERM}" "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	stop_pid "$pinger"; stop_pid "$dump"; stop_pid "$agent"
	stop_pid "$inject"
	# a crashed agent's leftovers, by their marks, in our lab only
	ip netns exec "$LEAF" "$AGENT" --flowlet-cleanup >/dev/null 2>&1
	[ -f "$topo" ] && "$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir "$dir/lab"
cp -r "$EXAMPLES/pod-2s4l-unnumbered/." "$dir/lab/"
mv "$dir/lab/pod-2s4l.clab.yml" "$dir/lab/orig.yml"
sed "s/^name: pod-2s4l\$/name: $LAB/" "$dir/lab/orig.yml" >"$topo"
rm "$dir/lab/orig.yml"
[ "$(lab_name "$topo")" = "$LAB" ] || { echo "FAIL: lab name"; exit 1; }
# (umask in a subshell: fabricctl's files must stay readable by FRR)
(umask 077 && openssl rand -hex 32 >"$dir/key")

start_agent() {
	ip netns exec "$LEAF" "$AGENT" --publish tcp://127.0.0.1:7710 \
	    --key "$dir/key" --id leaf1 --interfaces eth1,eth2,fltx0 \
	    --frr-namespace "$LEAF" --frr-interval 1 \
	    --flowlet-prefix "$DST" --flowlet-buckets "$BUCKETS" \
	    --flowlet-idle 100 --flowlet-table "$TABLE" \
	    --flowlet-pref "$PREF" "$@" >>"$dir/agent.log" 2>&1 &
	agent=$!
}
start_dump() {	# start_dump FILE: the controller's ingest, JSON lines
	ip netns exec "$LEAF" "$DUMP" --subscribe tcp://127.0.0.1:7710 \
	    --key "$dir/key" -j >"$1" 2>>"$dir/dump.log" &
	dump=$!
}
start_inject() {
	ip netns exec "clab-$LAB-mgmt-net" "$INJECT" --local-as 65001 \
	    --router-id 172.20.20.1 --holdtime 9 --connect-retry 1 \
	    --peer "172.20.20.101,name=leaf1" --routes "$dir/routes" \
	    >>"$dir/inject.log" 2>&1 &
	inject=$!
}
routes() {	# routes W1 W2: weights via spine1 and spine2
	printf '%s 10.0.0.1 %s\n%s 10.0.0.2 %s\n' "$DST" "$1" "$DST" "$2" \
	    >"$dir/routes"
}

# FRR's kernel weights in main, "DEV=W DEV=W" sorted by interface (the
# fabric's own routes have IPv6 link-local gateways, the injected ones
# IPv4: the uplink names both)
main_weights() {
	ip -n "$LEAF" -j route show "$DST" table main | jq -r \
	    '.[0] // {} | [(.nexthops // (if .dev then [{dev, weight: 1}] else [] end)) | sort_by(.dev)[] | "\(.dev)=\(.weight // 1)"] | join(" ")'
}
main_is() { [ "$(main_weights)" = "$1" ]; }
# member id -> uplink, then the buckets of each uplink, "DEV=N DEV=N"
member_dev() { ip -n "$LEAF" -j nexthop show id "$1" | jq -r '.[0].dev'; }
bucket_counts() {
	ip -n "$LEAF" -j nexthop bucket show id "$GRP" 2>/dev/null |
	    jq -r '.[].bucket.nhid' | sort | uniq -c | while read -r n id; do
		echo "$(member_dev "$id")=$n"
	done | sort | tr '\n' ' ' | sed 's/ $//'
}
# what the buckets should be: the kernel's share of each weight
want_buckets() {
	main_weights | tr ' ' '\n' | awk -F= -v b="$BUCKETS" \
	    '{ g[NR] = $1; w[NR] = $2; s += $2 }
	     END { for (i = 1; i <= NR; i++) printf "%s%s=%d", (i > 1 ? " " : ""), g[i], int(b * w[i] / s + 0.5) }'
}
buckets_follow() {
	want=$(want_buckets)
	[ -n "$want" ] && [ "$(bucket_counts)" = "$want" ]
}
rule_count() {
	ip -n "$LEAF" -j rule show | jq --arg t "$TABLE" \
	    '[.[] | select(.table == $t)] | length'
}
our_nexthops() {
	ip -n "$LEAF" -j nexthop show | jq --argjson b "$BASE" \
	    '[.[] | select(.id >= $b and .id < $b + 16384)] | length'
}
# the kernel has no table 4200 once its last route went: count 0
table_routes() {
	out=$(ip -n "$LEAF" -j route show table "$TABLE" 2>&1)
	case $out in
	*"table does not exist"*) echo 0 ;;
	*) printf '%s\n' "$out" | jq length ;;
	esac
}
lookup_table() {
	ip -n "$LEAF" -j route get 10.1.4.11 from 10.1.1.11 iif eth3 |
	    jq -r '.[0].table // "main"'
}
tx() { ip -n "$LEAF" -j -s link show "$1" | jq '.[0].stats64.tx.packets'; }
busy_bucket() {	# "INDEX NHID" of the bucket used in the last 50 ms
	ip -n "$LEAF" -j nexthop bucket show id "$GRP" | jq -r \
	    '[.[] | select(.bucket.idle_time < 0.05) | .bucket] | sort_by(.idle_time) | .[0] | "\(.index) \(.nhid)"'
}
bucket_nh() {
	ip -n "$LEAF" -j nexthop bucket show id "$GRP" | jq -r --argjson i "$1" \
	    '.[] | select(.bucket.index == $i) | .bucket.nhid'
}
ping_h4() {	# ping_h4 COUNT OUTFILE: h1 -> h4 every 10 ms, in the background
	ip netns exec "clab-$LAB-h1" ping -q -i 0.01 -c "$1" -W 1 10.1.4.11 \
	    >"$2" 2>&1 &
	pinger=$!
}
no_loss() { grep -q " $1 received" "$2"; }
# jq_any FILE COND: some JSON line of FILE satisfies COND
jq_any() { jq -s -e "any(.[]; $2)" "$1" >/dev/null 2>&1; }
# jqe FILTER: true when the input is non-empty JSON and FILTER holds
jqe() {
	input=$(cat)
	[ -n "$input" ] && printf '%s\n' "$input" | jq -e "$@" >/dev/null 2>&1
}
ecmp_routes() {
	ip -n "$LEAF" -j route show "$DST" table main | jqe '.[0].nexthops | length == 2'
}
our_rule_is_there() {
	ip -n "$LEAF" -j rule show | jqe --arg t "$TABLE" --argjson p "$PREF" \
	    '[.[] | select(.table == $t and .priority == $p)] | length == 1'
}
our_route_is_there() {
	ip -n "$LEAF" -j route show table "$TABLE" 2>/dev/null |
	    jqe --arg d "$DST" --argjson g "$GRP" \
	    'any(.[]; .dst == $d and .nhid == $g)'
}
group_is_resilient() {
	ip -n "$LEAF" -j nexthop show id "$GRP" | jqe --argjson b "$BUCKETS" \
	    '.[0].type == "resilient" and .[0].resilient_args.buckets == $b and .[0].resilient_args.idle_timer == 0.1'
}
main_weights_sorted_are() {	# "1:99"
	[ "$(ip -n "$LEAF" -j route show "$DST" table main |
	    jq -r '[.[0].nexthops[] | .weight // 1] | sort | join(":")' 2>/dev/null)" = "$1" ]
}
group_weights_sorted_are() {
	[ "$(ip -n "$LEAF" -j nexthop show id "$GRP" 2>/dev/null |
	    jq -r '[.[0].group[] | .weight // 1] | sort | join(":")' 2>/dev/null)" = "$1" ]
}
nothing_of_ours() {
	[ "$(rule_count)" = 0 ] && [ "$(table_routes)" = 0 ] &&
	    [ "$(our_nexthops)" = 0 ]
}
mirrored_once() {	# one rule, one route, group and 2 members
	[ "$(rule_count)" = 1 ] && [ "$(table_routes)" = 1 ] &&
	    [ "$(our_nexthops)" = 3 ]
}

t0=$(now)
"$FABRICCTL" lab deploy -t "$topo" >"$dir/deploy.log" 2>&1 ||
    { echo "FAIL: deploy"; cat "$dir/deploy.log"; exit 1; }
check "lab $LAB converged" "$FABRICCTL" lab wait -t "$topo" --timeout 90
check "leaf1 has FRR's ECMP route to $DST" retry 15 ecmp_routes

# a sampled interface of the agent's, to delete under it in (g)
ip -n "$LEAF" link add fltx0 type veth peer name fltx1
ip -n "$LEAF" link set fltx0 up
ip -n "$LEAF" link set fltx1 up

routes 1 3
start_inject
check "injected weights in main (25:75)" \
    retry 20 main_is "eth1=25 eth2=75"

# (a)
start_agent
start_dump "$dir/dump1.json"
check "(a) one ip rule, pref $PREF, to table $TABLE" retry 5 our_rule_is_there
check "(a) $DST in table $TABLE through group $GRP" retry 5 our_route_is_there
check "(a) the group is resilient, $BUCKETS buckets, idle timer 0.1 s" \
    group_is_resilient
check "(a) buckets follow the weights ($(want_buckets) : $(bucket_counts))" \
    retry 5 buckets_follow
check "(a) h1 -> h4 is looked up in table $TABLE" \
    test "$(lookup_table)" = "$TABLE"

# (b) find the ping's bucket, then make its next-hop's weight 1 of 100:
# about 31 of every 32 of its buckets must move, but not the busy one.
ping_h4 700 "$dir/ping1.out"
sleep 1
set -- $(busy_bucket)
bidx=${1:-} bnh=${2:-}
check "(b) found the ping's bucket ($bidx)" [ -n "$bidx" -a "$bnh" != null ]
bdev=$(member_dev "${bnh:-0}" 2>/dev/null)
if [ "$bdev" = eth1 ]; then odev=eth2; routes 1 99
else odev=eth1; routes 99 1; fi
echo "# busy bucket $bidx on $bdev; buckets before: $(bucket_counts)"
before=$(bucket_counts)
kill -HUP "$inject"
check "(b) FRR installed the new weights" retry 10 main_weights_sorted_are 1:99
check "(b) the group mirrors them" retry 5 group_weights_sorted_are 1:99
sleep 0.5
tx_b0=$(tx "$bdev") tx_o0=$(tx "$odev")
stayed=1
for i in 1 2 3 4 5 6; do
	[ -n "$bnh" ] && [ "$(bucket_nh "${bidx:-0}")" = "$bnh" ] || stayed=0
	sleep 0.5
done
tx_b=$(($(tx "$bdev") - tx_b0)) tx_o=$(($(tx "$odev") - tx_o0))
mid=$(bucket_counts)
echo "# buckets during the flow: $mid; 3 s of packets: $tx_b on $bdev, $tx_o on $odev"
check "(b) the busy bucket $bidx kept its next-hop (via $bdev)" \
    [ "$stayed" -eq 1 ]
moved_away() {	# the busy uplink kept at most 4 buckets
	[ -n "$bdev" ] && echo "$mid" | tr ' ' '\n' |
	    awk -F= -v g="$bdev" '$1 == g && $2 <= 4 { ok = 1 } END { exit !ok }'
}
check "(b) idle buckets moved away from $bdev (was $before)" moved_away
check "(b) the flow stayed on $bdev ($tx_b packets there, $tx_o on $odev)" \
    [ "$tx_b" -ge 100 -a $((tx_o * 10)) -lt "$tx_b" ]
wait "$pinger"; pinger=
check "(b) no packet lost across the change" no_loss 700 "$dir/ping1.out"
check "(b) once idle, the buckets balance ($(want_buckets))" \
    retry 5 buckets_follow

# (f) while the injector still runs (its session is up)
sleep 1.5
stop_pid "$dump"; dump=
J="$dir/dump1.json"
peers=$(jq -r 'select(.type == "bgp-state") | .peers[] | "\(.peer)=\(.state)"' "$J" | sort -u | tr '\n' ' ')
echo "# sessions reported: $peers"
has_peer() {
	jq_any "$J" '.type == "bgp-state" and any(.peers[]; .peer == "'"$1"'" and .state == "Established")'
}
check "(f) type 3: eth1 Established" has_peer eth1
check "(f) type 3: eth2 Established" has_peer eth2
check "(f) type 3: the controller's session Established" has_peer 172.20.20.1
check "(f) type 3: remote AS of the spines is 65000" jq_any "$J" \
    '.type == "bgp-state" and any(.peers[]; .peer == "eth1" and .remote_as == 65000)' 
fib_last() {	# the last fib-routes report of DST: "mirrored w:w"
	jq -r --arg d "$DST" 'select(.type == "fib-routes") | .routes[] |
	    select(.prefix == $d) | "\(.mirrored) \([.nexthops[].weight] | sort | map(tostring) | join(":"))"' "$J" | tail -1
}
check "(f) type 4: $DST mirrored, weights 1:99 ($(fib_last))" \
    test "$(fib_last)" = "true 1:99"
check "(f) type 4: the gateways are the injected ones" jq_any "$J" \
    '.type == "fib-routes" and any(.routes[]; .prefix == "'"$DST"'" and ([.nexthops[].gateway] | sort) == ["10.0.0.1", "10.0.0.2"])'
check "(f) nothing rejected" jq_any "$J" \
    '.type == "counters" and .malformed == 0 and ."bad-mac" == 0 and .fib_routes > 0 and .bgp_states > 0' 

# (c) the injector stops: main falls back to FRR's ECMP, and so do we
stop_pid "$inject"; inject=
check "(c) main back on ECMP" retry 15 main_is "eth1=1 eth2=1"
check "(c) the group follows ($(want_buckets))" retry 5 buckets_follow

# (d) stop with traffic running
routes 1 3
start_inject
check "(d) injected weights again" retry 20 main_is "eth1=25 eth2=75"
check "(d) mirrored" retry 5 buckets_follow
ping_h4 300 "$dir/ping2.out"
sleep 1
stop_pid "$agent" TERM
arc=$?
agent=
wait "$pinger"; pinger=
check "(d) the agent exits 0 on SIGTERM" [ "$arc" -eq 0 ]
check "(d) no ip rule left" [ "$(rule_count)" = 0 ]
check "(d) table $TABLE empty" [ "$(table_routes)" = 0 ]
check "(d) no nexthop of ours left" [ "$(our_nexthops)" = 0 ]
check "(d) FRR's route in charge, weights intact" \
    main_is "eth1=25 eth2=75"
check "(d) h1 -> h4 looked up in main" test "$(lookup_table)" = main
check "(d) no packet lost while it stopped ($(grep -o '[0-9]* received' "$dir/ping2.out"))" \
    no_loss 300 "$dir/ping2.out"

# (e) a crash leaves everything; the next start removes it
start_agent
retry 5 buckets_follow
kill -9 "$agent"; wait "$agent" 2>/dev/null; agent=
check "(e) kill -9 leaves rule, route and nexthops" mirrored_once
start_agent
check "(e) the next start removes the leftovers" \
    retry 5 grep -q "removed 5 objects a previous run left" "$dir/agent.log"
check "(e) ... and mirrors again: one rule, one route, 3 nexthops" \
    retry 5 mirrored_once
check "(e) buckets follow the weights" retry 5 buckets_follow
stop_pid "$agent"; agent=
check "(e) stopped: nothing of ours left" nothing_of_ours

# (h) the controller marks 10.1.3.0/24 with a large community
DST2=10.1.3.0/24
GRP2=$((GRP + 64))
lc_routes() {	# lc_routes COMMUNITY-OR-NOTHING
	routes 1 3
	printf '%s 10.0.0.1 1 %s\n%s 10.0.0.2 1 %s\n' "$DST2" "$1" "$DST2" "$1" \
	    >>"$dir/routes"
}
lc_routes 65001:7:1
kill -HUP "$inject"
start_agent --flowlet-community 65001:7:1
route2_is_there() {
	ip -n "$LEAF" -j route show table "$TABLE" 2>/dev/null |
	    jqe --arg d "$DST2" --argjson g "$GRP2" \
	    'any(.[]; .dst == $d and .nhid == $g)'
}
route2_is_gone() {
	[ "$(table_routes)" = 1 ] && our_route_is_there &&
	    [ "$(ip -n "$LEAF" -j nexthop show | jq --argjson b "$GRP2" \
	    '[.[] | select(.id >= $b and .id < $b + 64)] | length')" = 0 ]
}
halves() {
	ip -n "$LEAF" -j nexthop bucket show id "$GRP2" 2>/dev/null |
	    jqe "[group_by(.bucket.nhid)[] | length] == [$((BUCKETS / 2)), $((BUCKETS / 2))]"
}
check "(h) $DST2, with 65001:7:1, mirrored through group $GRP2" \
    retry 10 route2_is_there
check "(h) ... its buckets follow FRR's 50:50" retry 5 halves
check "(h) ... and $DST, from the command line, still" our_route_is_there
kill -HUP "$agent"
sleep 0.5
alive_both() { kill -0 "$agent" && route2_is_there && our_route_is_there; }
check "(h) SIGHUP asks FRR again; the agent runs on, both still mirrored" \
    alive_both
lc_routes ""
kill -HUP "$inject"
check "(h) community gone: $DST2 back to main, its nexthops gone" \
    retry 10 route2_is_gone
check "(h) the log says why" grep -q "$DST2: no longer marked" "$dir/agent.log"
stop_pid "$agent"; agent=
check "(h) stopped: nothing of ours left" nothing_of_ours
routes 1 3
kill -HUP "$inject"

# (g) last, because FRR 8.4 does not recover from it: the kernel drops
# a nexthop object whose device goes down from its groups (ours and
# zebra's) without a word, and zebra, which still counts it in, never
# puts it back.  The agent mirrors what the kernel has, each time.
start_agent
start_dump "$dir/dump2.json"
check "(g) mirrored again" retry 5 buckets_follow
ip -n "$LEAF" link set eth2 down
only_eth1() { w=$(main_weights); [ "${w%%=*}" = eth1 ] && [ "$w" = "${w%% *}" ]; }
check "(g) eth2 down: the kernel keeps eth1 only" retry 10 only_eth1
check "(g) ... and the group follows ($(want_buckets))" retry 5 buckets_follow
ip -n "$LEAF" link set eth2 up
check "(g) eth2 up: the session on eth2 is back" retry 30 sh -c \
    "vtysh -N $LEAF -c 'show bgp summary json' | jq -e '.ipv4Unicast.peers.eth2.state == \"Established\"' >/dev/null"
sleep 2
echo "# after the flap the kernel has $(main_weights) (FRR's RIB: both)"
check "(g) ... and the group follows the kernel ($(want_buckets))" \
    retry 5 buckets_follow
gone=$(date +%s%N)
ip -n "$LEAF" link del fltx0
sleep 1.5
stop_pid "$dump"; dump=
J="$dir/dump2.json"
check "(g) the agent is still running" kill -0 "$agent"
check "(g) a new subscriber got samples after fltx0 went" \
    jq_any "$J" '.type == "link-sample" and .time_ns > '"$gone"
check "(g) ... and the link-event for fltx0" \
    jq_any "$J" '.type == "link-event" and .name == "fltx0" and .oper == "down"'
stop_pid "$agent"; agent=
check "(g) stopped: nothing of ours left" nothing_of_ours

stop_pid "$inject"; inject=
"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
check "lab $LAB destroyed, nothing left" test -z "$(lab_leftovers "$LAB")"
echo "# flowlet tests took $(elapsed "$t0" "$(now)") s"
if [ "$fails" -ne 0 ]; then
	echo "# agent log:"; sed 's/^/#   /' "$dir/agent.log"
fi
finish
