#!/bin/sh
# fabric-probe against real FRR: a copy of examples/pod-2s4l-unnumbered
# deployed as lab "prb2s4l" (a name of its own: other labs may be up).
# The leaves hash ECMP on L4 (fib_multipath_hash_policy=1, as RoCE
# fabrics do) and the switches do not rate-limit ICMP (icmp_ratelimit=0).
# fabric-probe responds on h4 (--allow 10.1.1.0/24: h1 only) and probes
# h4 from h1, publishing signed TMSG_T_PATH reports that
# fabric-telemetry-dump (the controller's ingest) reads.  Checked:
#   (a) discovery finds exactly as many paths as spines, each named by
#       its spine's address (10.0.0.s)
#   (b) an nftables drop of UDP 4791 in one spine (BGP untouched): that
#       path, and only it, is failed within the stated bound
#       (fail-after x interval + timeout + 50 ms); removed: it recovers
#   (c) an nftables rule that rewrites 4 payload octets in one spine:
#       integrity failures on that path, not loss; removed: recovers
#   (d) malformed probes (each defect), spoofed ones (header port !=
#       UDP port; a source not allowed) at the responder, and forged
#       replies at the sender: rejected, each counted exactly
#   (e) the reports arrive signed and are accepted; under the wrong key
#       every one is rejected (bad-mac)
#   (e2) the fabric moves a port, nothing fails: leaf1's route to h4's
#       subnet is set to spine2 alone (as when a controller takes spine1
#       out); the periodic re-trace (--retrace, 1 s) sees the spine1
#       path's port cross spine2: that path is gone (re-mapped), no
#       failure said, the spine2 path untouched; the route restored, a
#       later discovery finds the spine1 path again
#   (f) SIGHUP re-maps: the same paths, the same ids; SIGTERM: exit 0
#   (g) the same discovery and black-hole checks on a copy of
#       examples/pod-4s8l-numbered ("prb4s8l": 4 spines, each named by
#       its address on leaf1's link, 10.2.s.0); then with the switches'
#       default ICMP rate limits, a black hole still fails its path within
#       the bound plus one timeout
#   (h) nothing of either lab is left behind
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable

PROBE="$abs_top_builddir/gpu-probe/fabric-probe"
DUMP="$abs_top_builddir/telemetry/fabric-telemetry-dump"
RAW="$abs_top_srcdir/tests/lab/probe_raw.py"
for t in nft python3 openssl "$PROBE" "$DUMP"; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "FAIL: $t not found"
		exit 1
	}
done

INTERVAL=20	# ms per path
TIMEOUT=100	# ms
FAIL_AFTER=5
RECOVER_AFTER=10
BOUND=$((FAIL_AFTER * INTERVAL + TIMEOUT + 50))	# ms, stated

tmp=$(mktemp -d /tmp/fabtest-probe.XXXXXX)
topo=
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	[ -n "$topo" ] && "$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ns() { echo "clab-$NAME-$1"; }

# lab_up EXAMPLE_DIR NAME: a copy of the example under NAME, deployed,
# L4 ECMP hashing on the leaves, no ICMP rate limit on the switches,
# converged; sets topo, nspines, nleaves, DST (the last leaf's host),
# DSTNET and SEND (the sender's JSON file).
lab_up() {
	NAME=$2
	mkdir "$tmp/$NAME"
	cp -r "$EXAMPLES/$1/." "$tmp/$NAME/"
	topo=$(ls "$tmp/$NAME"/*.clab.yml)
	sed -i "s/^name: .*/name: $NAME/" "$topo"
	[ "$(lab_name "$topo")" = "$NAME" ] || { echo "FAIL: lab name"; exit 1; }
	nspines=$(grep -c '^    spine' "$topo")
	nleaves=$(grep -c '^    leaf' "$topo")
	DST=10.1.$nleaves.11
	DSTNET=10.1.$nleaves.0/24
	SEND="$tmp/$NAME/send.json"
	"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	"$FABRICCTL" lab deploy -t "$topo" >"$tmp/$NAME/deploy.log" 2>&1
	check "lab $NAME converged" "$FABRICCTL" lab wait -t "$topo" \
	    --timeout 90
	for n in $(seq 1 "$nleaves"); do
		ip netns exec "$(ns "leaf$n")" sysctl -qw \
		    net.ipv4.fib_multipath_hash_policy=1
		ip netns exec "$(ns "leaf$n")" sysctl -qw \
		    net.ipv4.icmp_ratelimit=0
	done
	for n in $(seq 1 "$nspines"); do
		ip netns exec "$(ns "spine$n")" sysctl -qw \
		    net.ipv4.icmp_ratelimit=0
	done
	check "$NAME: leaf1 has ECMP over $nspines spines to $DSTNET" \
	    retry 30 nexthops
	check "$NAME: h1 reaches $DST" retry 10 \
	    ip netns exec "$(ns h1)" ping -c 1 -W 1 "$DST"
}
nexthops() {
	[ "$(ip -n "$(ns leaf1)" -j route show "$DSTNET" | jq '.[0].nexthops | length')" -eq "$nspines" ]
}
# lab_down: this lab's probes stopped, the lab destroyed, nothing left
lab_down() {
	for p in $pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=""
	"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	topo=
	check "nothing of lab $NAME is left" test -z "$(lab_leftovers "$NAME")"
}

lab_up pod-2s4l-unnumbered prb2s4l
spine_addr() { echo "10.0.0.$1"; }	# unnumbered: the loopback

# (a subshell: a umask of 077 would also hide the next lab's FRR configs
# from the frr user)
(
	umask 077
	openssl rand -hex 32 >"$tmp/key"
	openssl rand -hex 32 >"$tmp/wrong.key"
)

ip netns exec "$(ns h4)" "$PROBE" --respond --allow 10.1.1.0/24 -j \
    --report 200 -o "$tmp/resp.json" 2>"$tmp/resp.log" &
resp=$!
pids="$pids $resp"
ip netns exec "$(ns h1)" "$DUMP" --subscribe tcp://127.0.0.1:7650 \
    --key "$tmp/key" -j >"$tmp/dump.json" 2>"$tmp/dump.log" &
pids="$pids $!"
ip netns exec "$(ns h1)" "$DUMP" --subscribe tcp://127.0.0.1:7650 \
    --key "$tmp/wrong.key" -j >"$tmp/dump-wrong.json" 2>/dev/null &
pids="$pids $!"
sleep 0.3
ip netns exec "$(ns h1)" "$PROBE" --target "$DST" -j \
    --interval $INTERVAL --timeout $TIMEOUT --fail-after $FAIL_AFTER \
    --recover-after $RECOVER_AFTER --report 200 -o "$SEND" \
    --publish tcp://127.0.0.1:7650 --key "$tmp/key" --id h1 \
    2>"$tmp/send.log" &
sender=$!
pids="$pids $sender"

# ---- (a) discovery
disc() {	# the first discovery event
	jq -c 'select(.event == "discovered")' "$SEND" 2>/dev/null |
	    head -1
}
discovered() {
	[ -n "$(disc)" ]
}
# path_of SPINE_ADDR FIELD: the newest report's value for that path
last_report() {
	grep '"event":"report"' "$SEND" | tail -1
}
path_field() {
	last_report | jq -r --arg v "$1" ".paths[] | select(.via == [\$v]) | .$2"
}
id_of() {
	echo "$d" | jq -r --arg v "$1" '.paths[] | select(.via == [$v]) | .path_id'
}
received_over() {	# SPINE N
	[ "$(path_field "$1" received)" -gt "$2" ] 2>/dev/null
}
disc_checks() {
	check "$NAME: discovery ran" retry 10 discovered
	d=$(disc)
	echo "# discovered: $(echo "$d" | jq -c '[.paths[] | {path_id, sport, hops}]')"
	check "$NAME: discovery: $nspines paths, as many as spines" \
	    test "$(echo "$d" | jq '.paths | length')" -eq "$nspines"
	want_vias=$(for s in $(seq 1 "$nspines"); do spine_addr "$s"; done |
	    sort | tr '\n' ' ')
	got_vias=$(echo "$d" | jq -r '.paths[].via | join(",")' | sort |
	    tr '\n' ' ')
	check "$NAME: each path named by its spine ($want_vias)" \
	    test "$got_vias" = "$want_vias"
	check "$NAME: every candidate port mapped to a complete path" \
	    test "$(echo "$d" | jq '.complete')" -eq "$(echo "$d" | jq '.candidates')"
	for s in $(seq 1 "$nspines"); do
		check "$NAME: path via $(spine_addr "$s") answers" \
		    retry 10 received_over "$(spine_addr "$s")" 20
	done
}
disc_checks

# state_event ID STATE SINCE_NS: time_ns of the first such event since
state_event() {
	jq -r --argjson id "$1" --arg st "$2" --argjson t "$3" \
	    'select(.event == "path-state" and .path.path_id == $id and .path.state == $st and .time_ns >= $t) | .time_ns' \
	    "$SEND" 2>/dev/null | head -1
}
events_since() {	# ID SINCE_NS: path-state events of that path since
	jq -r --argjson id "$1" --argjson t "$2" \
	    'select(.event == "path-state" and .path.path_id == $id and .time_ns >= $t) | .path.state' \
	    "$SEND" | wc -l
}
wait_event() {	# ID STATE SINCE_NS
	n=0
	while [ -z "$(state_event "$1" "$2" "$3")" ]; do
		n=$((n + 1))
		[ "$n" -le 100 ] || return 1
		sleep 0.05
	done
}
ms_between() {
	echo $((($2 - $1) / 1000000))
}
bgp_untouched() {
	vtysh -N "$(ns leaf1)" -c 'show bgp summary json' |
	    jq -e --argjson n "$nspines" '[.ipv4Unicast.peers | to_entries[] | select(.key | test("^(eth|10[.])")) | .value.state] | length == $n and all(. == "Established")' >/dev/null &&
	    nexthops
}

nft_rule() {	# SPINE RULE...: one table of ours in that spine
	sp=$1
	shift
	ip netns exec "$(ns "$sp")" nft add table inet prbtest &&
	ip netns exec "$(ns "$sp")" nft add chain inet prbtest prbfwd \
	    '{ type filter hook forward priority 0; }' &&
	ip netns exec "$(ns "$sp")" nft add rule inet prbtest prbfwd "$@"
}
nft_clear() {
	ip netns exec "$(ns "$1")" nft delete table inet prbtest
}

# ---- (b) black hole, on each spine in turn
blackhole_case() {	# SPINE_INDEX
	s=$1
	a=$(spine_addr "$s")
	id=$(id_of "$a")
	t0=$(date +%s%N)
	nft_rule "spine$s" udp dport 4791 drop
	check "$NAME: spine$s black hole: path $id (via $a) failed" \
	    wait_event "$id" failed "$t0"
	tf=$(state_event "$id" failed "$t0")
	det=$(ms_between "$t0" "${tf:-$t0}")
	echo "# $NAME: spine$s: detected in $det ms (bound $BOUND ms)"
	check "$NAME: spine$s: detected within $BOUND ms ($det ms)" \
	    test -n "$tf" -a "$det" -le "$BOUND"
	check "$NAME: spine$s: reason is loss" test "$(jq -r --argjson id "$id" \
	    'select(.event == "path-state" and .path.path_id == $id) | .path.reason' \
	    "$SEND" | tail -1)" = loss
	sleep 0.5
	check "$NAME: spine$s: BGP did not notice (sessions up, $nspines next-hops)" \
	    bgp_untouched
	for o in $(seq 1 "$nspines"); do
		[ "$o" -eq "$s" ] && continue
		oid=$(id_of "$(spine_addr "$o")")
		check "$NAME: spine$s: the path via spine$o ($oid) stayed ok" \
		    test "$(events_since "$oid" "$t0")" -eq 0
	done
	check "$NAME: spine$s: still failed while the fault lasts" \
	    test "$(path_field "$a" state)" = failed
	t1=$(date +%s%N)
	nft_clear "spine$s"
	check "$NAME: spine$s fault removed: path $id recovers" \
	    wait_event "$id" ok "$t1"
	tr=$(state_event "$id" ok "$t1")
	echo "# $NAME: spine$s: recovered in $(ms_between "$t1" "${tr:-$t1}") ms"
}
blackhole_case 1
blackhole_case 2

# ---- (c) corruption in spine2: integrity failures, not loss
id=$(id_of 10.0.0.2)
sleep 0.5
lost0=$(path_field 10.0.0.2 lost)
int0=$(path_field 10.0.0.2 integrity)
rint0=$(grep '"event":"report"' "$tmp/resp.json" | tail -1 | jq '.responder.integrity')
t0=$(date +%s%N)
# octets 0-3 of the payload: UDP 8 + BTH 12 + probe header 40 = 60 = 480 bits
nft_rule spine2 udp dport 4791 @th,480,32 set 0xdeadbeef
check "corruption: path $id failed" wait_event "$id" failed "$t0"
check "corruption: reason is integrity" test "$(jq -r --argjson id "$id" \
    'select(.event == "path-state" and .path.path_id == $id) | .path.reason' \
    "$SEND" | tail -1)" = integrity
sleep 0.6
lost1=$(path_field 10.0.0.2 lost)
int1=$(path_field 10.0.0.2 integrity)
rint1=$(grep '"event":"report"' "$tmp/resp.json" | tail -1 | jq '.responder.integrity')
echo "# corruption: integrity $int0 -> $int1, lost $lost0 -> $lost1, responder integrity $rint0 -> $rint1"
check "corruption: counted as integrity failures" test "$int1" -gt "$((int0 + 10))"
check "corruption: not as loss" test "$lost1" -eq "$lost0"
check "corruption: the responder counted them too" test "$rint1" -gt "$((rint0 + 10))"
t1=$(date +%s%N)
nft_clear spine2
check "corruption removed: path $id recovers" wait_event "$id" ok "$t1"

# ---- (d) malformed and spoofed probes at the responder, forged replies
resp_counter() {	# JQ_PATH: from the responder's newest report
	grep '"event":"report"' "$tmp/resp.json" | tail -1 | jq -r ".responder.$1"
}
before=$(grep '"event":"report"' "$tmp/resp.json" | tail -1)
h1() { ip netns exec "$(ns h1)" "$@"; }
for k in magic opcode version bth truncated length; do
	h1 python3 "$RAW" "$k" 10.1.4.11 4791 --count 3
done
h1 python3 "$RAW" probe 10.1.4.11 4791 --sport 40001 --hdr-sport 40002 \
    --count 4
ip netns exec "$(ns h2)" python3 "$RAW" probe 10.1.4.11 4791 --count 5
sport=$(echo "$d" | jq -r '.paths[0].sport')
fid=$(echo "$d" | jq -r '.paths[0].path_id')
fvia=$(echo "$d" | jq -r '.paths[0].via[0]')
sp0=$(path_field "$fvia" spoofed)
ip netns exec "$(ns h4)" python3 "$RAW" reply 10.1.1.11 "$sport" \
    --sport 4791 --path-id "$fid" --seq 5 --count 6
sleep 0.6
after=$(grep '"event":"report"' "$tmp/resp.json" | tail -1)
delta() {	# JQ_PATH
	echo $(($(echo "$after" | jq ".responder.$1") - $(echo "$before" | jq ".responder.$1")))
}
for k in magic opcode version bth truncated length; do
	check "responder: 3 '$k' probes counted as malformed $k ($(delta "malformed_by_reason.$k"))" \
	    test "$(delta "malformed_by_reason.$k")" -eq 3
done
check "responder: 18 malformed in all ($(delta malformed))" \
    test "$(delta malformed)" -eq 18
check "responder: 9 spoofed (4 port mismatch + 5 not allowed) ($(delta spoofed))" \
    test "$(delta spoofed)" -eq 9
sp1=$(path_field "$fvia" spoofed)
check "sender: 6 forged replies counted as spoofed on path $fid ($sp0 -> $sp1)" \
    test "$((sp1 - sp0))" -eq 6
check "sender: the forged replies changed no state" \
    test "$(path_field "$fvia" state)" = ok

# ---- (e) signed reports
npath=$(jq -r 'select(.type == "path" and .agent == "h1") | .seq' "$tmp/dump.json" | wc -l)
nrej=$(jq -r 'select(.type == "rejected") | .reason' "$tmp/dump.json" | wc -l)
echo "# telemetry: $npath path reports accepted, $nrej rejected"
check "telemetry: path reports accepted ($npath)" test "$npath" -ge 20
check "telemetry: none rejected" test "$nrej" -eq 0
nbad=$(jq -r 'select(.type == "rejected" and .reason == "bad-mac") | .reason' "$tmp/dump-wrong.json" | wc -l)
nacc=$(jq -r 'select(.type == "path") | .seq' "$tmp/dump-wrong.json" | wc -l)
check "telemetry: under the wrong key all rejected as bad-mac ($nbad)" \
    test "$nbad" -ge 20 -a "$nacc" -eq 0

# ---- (e2) a FIB change moves the spine1 path's port; nothing fails
generation() {
	jq -r 'select(.event == "discovered") | .generation' "$SEND" | tail -1
}
vias_of() {	# GENERATION: that discovery's paths' spines, sorted
	jq -r --argjson g "$1" 'select(.event == "discovered" and .generation == $g) | [.paths[].via[0]] | sort | join(" ")' "$SEND"
}
# (by what jq prints, not its status: the last line may be half written)
gone_event() {	# ID SINCE_NS
	[ -n "$(jq -c --argjson id "$1" --argjson t "$2" 'select(.event == "path-gone" and .path.path_id == $id and .time_ns >= $t)' "$SEND" 2>/dev/null | head -n 1)" ]
}
failed_since() {	# ID SINCE_NS: failed or unseen said
	[ -n "$(jq -c --argjson id "$1" --argjson t "$2" 'select(.event == "path-state" and .path.path_id == $id and .path.state != "ok" and .time_ns >= $t)' "$SEND" 2>/dev/null | head -n 1)" ]
}
rj=$(ip -n "$(ns leaf1)" -j route show "$DSTNET")
v1=$(echo "$rj" | jq -r '.[0].nexthops[] | select(.dev == "eth1") | .via.host')
v2=$(echo "$rj" | jq -r '.[0].nexthops[] | select(.dev == "eth2") | .via.host')
id1=$(id_of 10.0.0.1)
id2=$(id_of 10.0.0.2)
g0=$(generation)
t0=$(date +%s%N)
ip -n "$(ns leaf1)" route replace "$DSTNET" proto bgp metric 20 \
    via inet6 "$v2" dev eth2
check "FIB change: the spine1 path ($id1) is gone within 3 s" \
    poll_until 3 gone_event "$id1" "$t0"
echo "# FIB change to path-gone: $(ms_between "$t0" "$(jq -r --argjson id "$id1" 'select(.event == "path-gone" and .path.path_id == $id) | .time_ns' "$SEND" | tail -1)") ms"
nofail() { ! failed_since "$id1" "$t0"; }
check "FIB change: no failure said for it" nofail
check "FIB change: the spine2 path ($id2) untouched" \
    test "$(events_since "$id2" "$t0")" -eq 0
ip -n "$(ns leaf1)" route replace "$DSTNET" proto bgp metric 20 \
    nexthop via inet6 "$v1" dev eth1 nexthop via inet6 "$v2" dev eth2
both_again() {
	g=$(generation)
	[ "$g" -gt "$g0" ] && [ "$(vias_of "$g")" = "10.0.0.1 10.0.0.2" ]
}
check "route restored: a later discovery finds the spine1 path again" \
    poll_until 10 both_again

# ---- (f) SIGHUP re-maps to the same paths; SIGTERM
d=$(jq -c 'select(.event == "discovered")' "$SEND" | tail -1)
g1=$(generation)
ids0=$(echo "$d" | jq -c '[.paths[] | {path_id, via}] | sort_by(.path_id)')
kill -HUP "$sender"
remapped() {
	jq -c --argjson g "$((g1 + 1))" 'select(.event == "discovered" and .generation == $g)' "$SEND" | grep -q .
}
check "SIGHUP: re-mapped" retry 10 remapped
d2=$(jq -c --argjson g "$((g1 + 1))" 'select(.event == "discovered" and .generation == $g)' "$SEND" | head -1)
check "SIGHUP: the same paths, the same ids, none added" \
    test "$(echo "$d2" | jq -c '[.paths[] | {path_id, via}] | sort_by(.path_id)')" = "$ids0" -a \
    "$(echo "$d2" | jq .added)" -eq 0
kill -TERM "$sender"
wait "$sender"
rc=$?
pids=$(echo "$pids" | sed "s/ $sender//")
check "SIGTERM: the sender exits 0" test "$rc" -eq 0
check "SIGTERM: a final snapshot" sh -c "tail -1 '$SEND' | jq -e '.event == \"final\"' >/dev/null"
kill -TERM "$resp"
wait "$resp"
rc=$?
pids=$(echo "$pids" | sed "s/ $resp//")
check "SIGTERM: the responder exits 0" test "$rc" -eq 0

lab_down

# ---- (g) four spines, numbered links: pod-4s8l-numbered as prb4s8l
lab_up pod-4s8l-numbered prb4s8l
spine_addr() { echo "10.2.$1.0"; }	# the spine's side of leaf1's link
ip netns exec "$(ns "h$nleaves")" "$PROBE" --respond \
    >/dev/null 2>"$tmp/$NAME/resp.log" &
pids="$!"
sleep 0.3
ip netns exec "$(ns h1)" "$PROBE" --target "$DST" -j \
    --interval $INTERVAL --timeout $TIMEOUT --fail-after $FAIL_AFTER \
    --recover-after $RECOVER_AFTER --report 200 -o "$SEND" \
    2>"$tmp/$NAME/send.log" &
pids="$pids $!"
disc_checks
blackhole_case 3
# The switches' ICMP limits back to Linux's default (icmp_ratelimit 1000
# ms: 6 a burst, then 1 a second per destination): the re-trace that
# confirms a failure may get no answer in time; the failure is then said
# at most a timeout late.
for n in $(seq 1 "$nleaves"); do
	ip netns exec "$(ns "leaf$n")" sysctl -qw net.ipv4.icmp_ratelimit=1000
done
for n in $(seq 1 "$nspines"); do
	ip netns exec "$(ns "spine$n")" sysctl -qw net.ipv4.icmp_ratelimit=1000
done
sleep 2
BOUND=$((BOUND + TIMEOUT))
echo "# $NAME: switches with icmp_ratelimit 1000 from here on"
blackhole_case 2

# ---- (h) clean up
lab_down
finish
