#!/bin/sh
# A misbehaving peer never crashes or stalls the speaker.  fabric-inject
# listens on 127.0.0.1 in a private namespace with two passive
# neighbors; tests/lab/bgp_raw plays them byte by byte (from 127.0.0.2,
# "bad-peer", and 127.0.0.3, "good-peer") and prints what comes back.
#
#   (a) a valid OPEN + KEEPALIVE: OPEN, KEEPALIVE, UPDATEs, End-of-RIB;
#       the IPv4 routes, decoded from the octets, carry one ADD-PATH id
#       per path and the link-bandwidth fabric-inject --check planned
#   (b) a bad marker: NOTIFICATION 1/1, closed
#   (c) OPEN from the wrong AS: 2/2          (d) hold time 1: 2/6
#   (e) length 5000 before the OPEN: 1/2 with the length as data
#   (f) ORIGIN 7 (RFC 7606: treat-as-withdraw): the session stays up,
#       answers a ROUTE-REFRESH, and the log names the neighbor
#   (g) Total Path Attribute Length past the message: 3/1; MP_REACH_NLRI
#       longer than the attribute list: 3/5; another attribute longer
#       than the list: treat-as-withdraw (RFC 7606 4), session stays
#   (h) a connection from an unconfigured address: closed, logged
#   (i) good-peer stays Established through all of it
#   (j) 1000 connect/close cycles: no descriptor leak, still answers
#   (k) UPDATE in OpenSent, OPEN in OpenConfirm, OPEN in Established:
#       5/1, 5/2, 5/3 (RFC 6608)
# and at the end SIGTERM: a Cease to good-peer and exit status 0.
# Every NOTIFICATION is judged from the octets received.
. "$(dirname "$0")/lib.sh"

lab_skip_unless_root
INJECT="$abs_top_builddir/bgp/fabric-inject"
RAW="$abs_top_builddir/tests/lab/bgp_raw"
lab_require "make check builds tests/lab/bgp_raw" ip "$INJECT" "$RAW"

NS=fabtest-robust-$$
PORT=1179
dir=$(mktemp -d /tmp/fabtest-robust.XXXXXX)
inject_pid=
good_pid=

cleanup() {
	exec 3>&-
	lab_stop 0.2 "$inject_pid" "$good_pid"
	lab_netns_del_made
	rm -rf "$dir"
}
lab_on_exit cleanup

# ---- messages, as hex ----------------------------------------------------

ROUTE_REFRESH_V4=$(bgp_msg 5 00010001)

# bgp_open AS HOLDTIME ROUTER_ID_HEX: IPv4 and IPv6 unicast, route
# refresh, 4-octet AS, ADD-PATH receive for both.
bgp_open() {
	as2=$1
	[ "$1" -gt 65535 ] && as2=23456
	caps=0104000100010104000200010200"4104$(printf %08x "$1")"45080001010100020101
	param=02$(printf %02x $((${#caps} / 2)))$caps
	bgp_msg 1 "04$(printf %04x%04x "$as2" "$2")$3$(printf %02x $((${#param} / 2)))$param"
}

# bgp_update WITHDRAWN ATTRS NLRI [ATTR_LEN]: ATTR_LEN overrides the
# Total Path Attribute Length (to lie about it).
bgp_update() {
	alen=${4:-$((${#2} / 2))}
	bgp_msg 2 "$(printf %04x $((${#1} / 2)))$1$(printf %04x "$alen")$2$3"
}

ORIGIN_IGP=40010100
ASPATH_65002=4002060201$(printf %08x 65002)
NEXTHOP_BAD=4003047f000002
NLRI_1=180a1401		# 10.20.1.0/24
NLRI_2=180a1402
NLRI_3=180a1403

OPEN_BAD=$(bgp_open 65002 90 7f000002)
OPEN_GOOD=$(bgp_open 65003 9 7f000003)

# ---- running bgp_raw -----------------------------------------------------

raw() {	# SOURCE [bgp_raw options]: commands on stdin
	src=$1
	shift
	ip netns exec "$NS" "$RAW" -s "$src" "$@" 127.0.0.1 "$PORT"
}

# The types of the messages received, in order: "1 4 2 2 ..."
types_of() {
	awk '$1 == "msg" { printf "%s%s", sep, $2; sep = " " }' "$1"
}

# CODE/SUBCODE of the first NOTIFICATION, from its octets; "none"
notif_of() {
	n=$(awk '$1 == "msg" && $2 == 3 { print substr($4, 39, 4); exit }' \
	    "$1")
	if [ -z "$n" ]; then
		echo none
		return
	fi
	printf '%d/%d\n' "0x$(echo "$n" | cut -c1-2)" \
	    "0x$(echo "$n" | cut -c3-4)"
}

# The NOTIFICATION's data field, as hex
notif_data_of() {
	awk '$1 == "msg" && $2 == 3 { print substr($4, 43); exit }' "$1"
}

notif_is() {	# FILE CODE/SUBCODE
	[ "$(notif_of "$1")" = "$2" ]
}

closed_by_inject() {
	tail -n 1 "$1" | grep -qx closed-by-peer
}

inject_alive() {
	kill -0 "$inject_pid" 2>/dev/null
}

has_eors() {	# FILE: End-of-RIB for IPv4 and for IPv6
	grep -q "^msg 2 23 $EOR_V4\$" "$1" &&
	    grep -Eq "^msg 2 [0-9]+ ${MARKER}00..020000....[89]00f[0-9a-f]{2,4}000201\$" "$1"
}

types_begin() {	# FILE "T1 T2 ...": the first messages are of these types
	case "$(types_of "$1") " in
	"$2 "*) return 0 ;;
	esac
	return 1
}

# The IPv4 routes of the UPDATEs in FILE (ADD-PATH ids: we announced
# receive), one a line: "PREFIX/LEN PATH_ID LB_BYTES_PER_S", where LB is
# the float32 of the link-bandwidth community (0x40 0x04) decoded.
v4_routes() {
	awk '
	function hex(s,	i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef",
			    substr(s, i, 1)) - 1
		return v
	}
	function f32(v,	e, m) {
		e = int(v / 8388608) % 256
		m = v % 8388608
		return sprintf("%.17g", (1 + m / 8388608) * 2 ^ (e - 127))
	}
	$1 == "msg" && $2 == 2 {
		h = $4
		p = 39 + 4 + 2 * hex(substr(h, 39, 4))	# past withdrawn
		end = p + 4 + 2 * hex(substr(h, p, 4))
		p += 4
		lb = "-"
		while (p < end) {
			fl = hex(substr(h, p, 2))
			t = hex(substr(h, p + 2, 2))
			if (int(fl / 16) % 2) {		# extended length
				l = hex(substr(h, p + 4, 4)); v = p + 8
			} else {
				l = hex(substr(h, p + 4, 2)); v = p + 6
			}
			if (t == 16)
				for (i = v; i < v + 2 * l; i += 16)
					if (substr(h, i, 4) == "4004")
						lb = f32(hex(substr(h, i + 8, 8)))
			p = v + 2 * l
		}
		while (p < length(h)) {
			id = hex(substr(h, p, 8))
			pl = hex(substr(h, p + 8, 2))
			nb = int((pl + 7) / 8)
			a = substr(h, p + 10, 2 * nb) "00000000"
			printf "%d.%d.%d.%d/%d %d %s\n", hex(substr(a, 1, 2)),
			    hex(substr(a, 3, 2)), hex(substr(a, 5, 2)),
			    hex(substr(a, 7, 2)), pl, id, lb
			p += 10 + 2 * nb
		}
	}' "$1"
}

# The IPv4 paths fabric-inject plans: "PREFIX LB_BYTES_PER_S"
v4_planned() {
	"$INJECT" --check -j --routes "$dir/routes" | jq -r '.[] |
	    select(.prefix | contains(":") | not) | .prefix as $p |
	    .paths[] | "\($p) \(.lb_mbps * 125000)"' | LC_ALL=C sort
}

v4_routes_as_planned() {	# FILE
	v4_routes "$1" >"$1.v4" &&
	    [ "$(awk '{ print $1, $3 }' "$1.v4" | LC_ALL=C sort)" = \
	    "$(v4_planned)" ] &&
	    [ "$(awk '{ print $1, $2 }' "$1.v4" | sort -u | wc -l)" -eq \
	    "$(wc -l <"$1.v4")" ]
}

count_eor_v4() {
	grep -c "^msg 2 23 $EOR_V4\$" "$1"
}

count_fds() {
	ls "/proc/$inject_pid/fd" | wc -l
}

# A session as far as End-of-RIB, then STEPS (lines of commands).
established_then() {	# OUT STEPS
	printf 'send %s\nsend %s\nwaitfor %s 10000\n%s\n' "$OPEN_BAD" \
	    "$KEEPALIVE" "$EOR_V4" "$2" | raw 127.0.0.2 >"$1"
}

# check_reset NAME FILE CODE/SUBCODE: NOTIFICATION, close, still running
check_reset() {
	check "$1: NOTIFICATION $3 (got $(notif_of "$2"))" notif_is "$2" "$3"
	check "$1: fabric-inject closed the connection" closed_by_inject "$2"
	check "$1: fabric-inject still running" inject_alive
}

# ---- the speaker -----------------------------------------------------------

cat >"$dir/routes" <<'EOF'
10.30.1.0/24  10.0.0.1  1  65001:1
10.30.1.0/24  10.0.0.2  3  65001:1
10.30.2.0/24  10.0.0.1  1
fd30:1::/64   fd00::1   1  65001:2:3
fd30:1::/64   fd00::2   2
EOF

check "namespace $NS" lab_netns_add "$NS"
ip netns exec "$NS" "$INJECT" --local-as 65001 --router-id 10.0.0.1 \
    --listen "127.0.0.1:$PORT" \
    --peer 127.0.0.2,passive,remote-as=65002,name=bad-peer \
    --peer 127.0.0.3,passive,remote-as=65003,name=good-peer \
    --routes "$dir/routes" -v >"$dir/inject.log" 2>&1 &
inject_pid=$!
check "fabric-inject listens on 127.0.0.1:$PORT" \
    retry 10 lab_tcp_listens "$NS" "$PORT"
t0=$(now)

# (i) good-peer: held open for the whole test, KEEPALIVE every 3 s
mkfifo "$dir/good.in"
ip netns exec "$NS" "$RAW" -s 127.0.0.3 -k 3 127.0.0.1 "$PORT" \
    <"$dir/good.in" >"$dir/good.out" 2>&1 &
good_pid=$!
exec 3>"$dir/good.in"
printf 'send %s\nsend %s\n' "$OPEN_GOOD" "$KEEPALIVE" >&3
check "(i) good-peer Established: End-of-RIB received" \
    retry 10 has_eors "$dir/good.out"
check "(i) fabric-inject logs good-peer up" \
    grep -q "neighbor good-peer: session up" "$dir/inject.log"
fds_start=$(count_fds)

# (a) a valid session
established_then "$dir/a.out" "wait 300
close"
check "(a) answers OPEN, KEEPALIVE, then UPDATEs ($(types_of "$dir/a.out" | cut -c1-40))" \
    types_begin "$dir/a.out" "1 4 2"
check "(a) its OPEN says AS 65001 (4-octet AS capability)" \
    grep -q "^msg 1 .*4104$(printf %08x 65001)" "$dir/a.out"
check "(a) End-of-RIB for IPv4 and IPv6" has_eors "$dir/a.out"
check "(a) IPv4 routes decoded from the octets: one path id per path, LB as planned ($(v4_routes "$dir/a.out" | tr '\n' ' '))" \
    v4_routes_as_planned "$dir/a.out"
check "(a) no NOTIFICATION; still open when we closed it" \
    sh -c "[ \"\$(tail -n 1 $dir/a.out)\" = closed-by-us ] && ! grep -q '^msg 3 ' $dir/a.out"

# (b) a bad marker
printf 'send %s\n' "$(printf '%032x' 0)001304" | raw 127.0.0.2 >"$dir/b.out"
check_reset "(b) bad marker" "$dir/b.out" 1/1

# (c) the wrong AS
printf 'send %s\n' "$(bgp_open 65099 90 7f000002)" | raw 127.0.0.2 \
    >"$dir/c.out"
check_reset "(c) OPEN from AS 65099" "$dir/c.out" 2/2

# (d) hold time 1
printf 'send %s\n' "$(bgp_open 65002 1 7f000002)" | raw 127.0.0.2 \
    >"$dir/d.out"
check_reset "(d) OPEN with hold time 1" "$dir/d.out" 2/6

# (e) length 5000 before any OPEN
printf 'send %s1388010400\n' "$MARKER" | raw 127.0.0.2 >"$dir/e.out"
check_reset "(e) length 5000 before negotiation" "$dir/e.out" 1/2
check "(e) the data is the bad length field (got '$(notif_data_of "$dir/e.out")')" \
    test "$(notif_data_of "$dir/e.out")" = 1388

# (k) messages out of turn: RFC 6608 names the state in the subcode
printf 'send %s\n' "$(bgp_update "" "" "")" | raw 127.0.0.2 >"$dir/k1.out"
check_reset "(k) UPDATE in OpenSent" "$dir/k1.out" 5/1
printf 'send %s\nsend %s\n' "$OPEN_BAD" "$OPEN_BAD" | raw 127.0.0.2 \
    >"$dir/k2.out"
check_reset "(k) a second OPEN (OpenConfirm)" "$dir/k2.out" 5/2
established_then "$dir/k3.out" "send $OPEN_BAD"
check_reset "(k) OPEN in Established" "$dir/k3.out" 5/3

# (f) ORIGIN 7: treat-as-withdraw; the session then answers a
# ROUTE-REFRESH with everything again, End-of-RIB included.
established_then "$dir/f.out" "send $(bgp_update "" \
    "40010107$ASPATH_65002$NEXTHOP_BAD" "$NLRI_1")
send $KEEPALIVE
send $ROUTE_REFRESH_V4
wait 1500
close"
check "(f) ORIGIN 7: no NOTIFICATION (got $(notif_of "$dir/f.out"))" \
    notif_is "$dir/f.out" none
check "(f) the session answers the ROUTE-REFRESH after it (End-of-RIB again)" \
    test "$(count_eor_v4 "$dir/f.out")" -ge 2
check "(f) still open when we closed it" \
    test "$(tail -n 1 "$dir/f.out")" = closed-by-us
check "(f) the log names the neighbor and says treated as withdrawn" \
    grep -q "neighbor bad-peer: malformed UPDATE, 1 prefixes treated as withdrawn (RFC 7606): .*ORIGIN" "$dir/inject.log"

# (g) attribute lengths
established_then "$dir/g1.out" "send $(bgp_update "" \
    "$ORIGIN_IGP$ASPATH_65002$NEXTHOP_BAD" "$NLRI_2" 80)"
check_reset "(g) Total Path Attribute Length past the message" \
    "$dir/g1.out" 3/1
established_then "$dir/g2.out" "send $(bgp_update "" \
    "800e40000101047f00000200${NLRI_2}$ORIGIN_IGP" "")"
check_reset "(g) MP_REACH_NLRI longer than the attribute list" \
    "$dir/g2.out" 3/5
established_then "$dir/g3.out" "send $(bgp_update "" \
    "$ORIGIN_IGP$ASPATH_65002${NEXTHOP_BAD}c008080000fdea" "$NLRI_3")
send $ROUTE_REFRESH_V4
wait 1500
close"
check "(g) COMMUNITIES longer than the list: no NOTIFICATION (RFC 7606 4; got $(notif_of "$dir/g3.out"))" \
    notif_is "$dir/g3.out" none
check "(g) ... the session answers a ROUTE-REFRESH after it" \
    test "$(count_eor_v4 "$dir/g3.out")" -ge 2
check "(g) ... logged as treat-as-withdraw" \
    grep -q "neighbor bad-peer: malformed UPDATE, 1 prefixes treated as withdrawn (RFC 7606): attribute list overrun" "$dir/inject.log"

# (h) not a configured neighbor
printf 'send %s\n' "$(bgp_open 65009 90 7f000009)" | raw 127.0.0.9 \
    >"$dir/h.out"
# (it may close before or after the OPEN is written: either is right)
check "(h) 127.0.0.9: closed without a word" \
    sh -c "grep -Eqx '(closed|reset)-by-peer' $dir/h.out && ! grep -Eq '^(msg|garbage|partial) ' $dir/h.out"
check "(h) ... and logged" \
    grep -q "connection from 127.0.0.9 refused: not a configured neighbor" \
    "$dir/inject.log"
check "(h) fabric-inject still running" inject_alive

# (j) 1000 connect/close cycles
fds_before=$(count_fds)
raw 127.0.0.2 -n 400 >"$dir/j.out" 2>&1
raw 127.0.0.2 -n 300 -R >>"$dir/j.out" 2>&1
raw 127.0.0.9 -n 300 >>"$dir/j.out" 2>&1
check "(j) 1000 connections made ($(grep -o 'connected [0-9]*' "$dir/j.out" | tr '\n' ' '))" \
    test "$(awk '$1 == "cycles" { n += $4 } END { print n + 0 }' "$dir/j.out")" -eq 1000
check "(j) fabric-inject still running" inject_alive
check "(j) descriptors back to $fds_before (+2 at most)" \
    retry 10 sh -c "[ \$(ls /proc/$inject_pid/fd | wc -l) -le $((fds_before + 2)) ]"
check "(j) and to $fds_start, the count before (a) to (k) (+2 at most)" \
    test "$(count_fds)" -le $((fds_start + 2))
echo "# descriptors: $fds_start at the start, $fds_before before the" \
    "cycles, $(count_fds) after"
established_then "$dir/j2.out" "wait 300
close"
check "(j) after them a new session still gets everything (End-of-RIB)" \
    has_eors "$dir/j2.out"

# (i) good-peer through all of it
eors_before=$(count_eor_v4 "$dir/good.out")
printf 'send %s\nsend %s\n' "$KEEPALIVE" "$ROUTE_REFRESH_V4" >&3
check "(i) good-peer: a ROUTE-REFRESH now is answered" \
    retry 10 sh -c "[ \$(grep -c '^msg 2 23 $EOR_V4\$' $dir/good.out) -gt $eors_before ]"
check "(i) good-peer: no NOTIFICATION, never closed" \
    sh -c "[ -s $dir/good.out ] && ! grep -Eq '^msg 3 |by-peer' $dir/good.out"
elapsed_s=$(elapsed "$t0" "$(now)")
kas=$(grep -c "^msg 4 19 $KEEPALIVE\$" "$dir/good.out")
check "(i) good-peer: fabric-inject's KEEPALIVEs kept coming ($kas in ${elapsed_s} s, hold 9)" \
    awk -v k="$kas" -v t="$elapsed_s" 'BEGIN { exit !(k >= int(t / 3)) }'
check "(i) good-peer: fabric-inject never logged it down" \
    sh -c "grep -q 'good-peer: session up' $dir/inject.log && ! grep -q 'neighbor good-peer: session down' $dir/inject.log"

# the end: SIGTERM, a Cease to good-peer, exit 0
kill -TERM "$inject_pid"
wait "$inject_pid"
rc=$?
inject_pid=
check "fabric-inject exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
exec 3>&-
wait "$good_pid"
good_pid=
check "good-peer got the Cease (6/2) from the octets (got $(notif_of "$dir/good.out"))" \
    notif_is "$dir/good.out" 6/2
check "no sanitizer or fatal report in the log" \
    lab_log_clean "$dir/inject.log"
echo "# robustness tests took $(elapsed "$t0" "$(now)") s"
finish
