#!/bin/sh
# tshark decodes every message type the speaker sends, with no malformed
# packet and no expert error.  fabric-inject listens in a private
# namespace; tests/lab/bgp_raw plays the peer; tshark captures lo there.
# The speaker is made to send:
#   OPEN (every capability it has), KEEPALIVE;
#   UPDATE: IPv4 with ADD-PATH ids, communities, link bandwidth, large
#   communities; IPv6 in MP_REACH_NLRI (global next-hop); IPv4 over an
#   IPv6 next-hop (RFC 8950); withdrawals, classic and MP_UNREACH_NLRI
#   (SIGHUP with fewer routes); End-of-RIB for IPv4 and IPv6;
#   NOTIFICATION 3/2 whose data is a 300-octet attribute (RFC 4271 6.3)
#   and the Cease 6/2 with an RFC 9003 message (SIGTERM).
# (It never sends ROUTE-REFRESH: it only answers one.)
. "$(dirname "$0")/lib.sh"

lab_skip_unless_root
if ! command -v tshark >/dev/null 2>&1; then
	echo "SKIP: tshark not installed (tools/setup.sh installs it)"
	exit 77
fi
INJECT="$abs_top_builddir/bgp/fabric-inject"
RAW="$abs_top_builddir/tests/lab/bgp_raw"
lab_require "make check builds tests/lab/bgp_raw" ip "$INJECT" "$RAW"

NS=fabtest-tshark-$$
dir=$(mktemp -d /tmp/fabtest-tshark.XXXXXX)
chmod 755 "$dir"
inject_pid=
tshark_pid=

cleanup() {
	lab_stop 0.2 "$inject_pid" "$tshark_pid"
	lab_netns_del_made
	[ "${KEEP:-0}" = 1 ] && echo "# kept $dir" || rm -rf "$dir"
}
lab_on_exit cleanup

# AS 65002: MP IPv4 and IPv6, route refresh, 4-octet AS, ADD-PATH
# receive for both, extended next-hop for IPv4 over IPv6, extended
# messages
caps=0104000100010104000200010200"4104$(printf %08x 65002)"45080001010100020101
caps=${caps}05060001000100020600
param=02$(printf %02x $((${#caps} / 2)))$caps
OPEN=$(bgp_msg 1 "04$(printf %04x%04x 65002 90)7f000002$(printf %02x $((${#param} / 2)))$param")
# an unrecognized well-known attribute of 300 octets: 3/2 with it as data
long=$(head -c 300 /dev/zero | od -An -tx1 -v | tr -d ' \n' | tr 0 a)
BAD_ATTR=5063012c$long
BAD_UPDATE=$(bgp_msg 2 "0000$(printf %04x $((4 + ${#BAD_ATTR} / 2)))40010100$BAD_ATTR")

cat >"$dir/routes" <<'EOF'
10.40.1.0/24  10.0.0.1  1  65001:1 no-export
10.40.1.0/24  10.0.0.2  3  65001:1 65001:2:3
10.40.2.0/24  10.0.0.1  1
10.40.3.0/24  fd00::1   1
fd40:1::/64   fd00::1   1  65001:2
fd40:1::/64   fd00::2   2
fd40:2::/64   fd00::1   1
EOF
grep -v -e 10.40.2.0 -e fd40:2:: "$dir/routes" >"$dir/routes.less"

check "namespace $NS" lab_netns_add "$NS"
ip netns exec "$NS" tshark -q -i lo -f "tcp port 179" -w "$dir/cap.pcapng" \
    >"$dir/tshark.log" 2>&1 &
tshark_pid=$!
check "tshark captures lo" retry 10 grep -q "Capturing on" "$dir/tshark.log"
cp "$dir/routes" "$dir/routes.now"
ip netns exec "$NS" "$INJECT" --local-as 65001 --router-id 10.0.0.1 \
    --listen 127.0.0.1:179 --peer 127.0.0.2,passive,remote-as=65002 \
    --routes "$dir/routes.now" >"$dir/inject.log" 2>&1 &
inject_pid=$!
check "fabric-inject listens on 127.0.0.1:179" \
    retry 10 lab_tcp_listens "$NS" 179

raw() {	# commands on stdin
	ip netns exec "$NS" "$RAW" -s 127.0.0.2 127.0.0.1 179
}

until_eor() {	# FILE: until bgp_raw printed the IPv4 End-of-RIB (10 s)
	for i in $(seq 100); do
		grep -q "^msg 2 23 $EOR_V4\$" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# 1: the table, then the withdrawals of a SIGHUP, then an attribute error
cp "$dir/routes.less" "$dir/routes.now"
{
	printf 'send %s\nsend %s\nwaitfor %s 10000\nwait 2000\n' "$OPEN" \
	    "$KEEPALIVE" "$EOR_V4"
	until_eor "$dir/s1.out" && kill -HUP "$inject_pid"
	printf 'wait 1000\nsend %s\nwait 1000\n' "$BAD_UPDATE"
} | raw >"$dir/s1.out"
check "session 1 ends with the speaker's NOTIFICATION" \
    grep -q "^msg 3 " "$dir/s1.out"
# 2: a Cease
{
	printf 'send %s\nsend %s\nwaitfor %s 10000\nwait 2000\n' "$OPEN" \
	    "$KEEPALIVE" "$EOR_V4"
	until_eor "$dir/s2.out" && kill -TERM "$inject_pid"
	printf 'wait 1000\n'
} | raw >"$dir/s2.out"
wait "$inject_pid"
inject_pid=
sleep 0.5
kill -INT "$tshark_pid"
wait "$tshark_pid"
tshark_pid=

# What the speaker (port 179) sent, as tshark decodes it
ts() {	# FILTER FIELD
	tshark -r "$dir/cap.pcapng" -Y "tcp.srcport == 179 && ($1)" \
	    -T fields -E occurrence=a -E separator=/s -e "$2" \
	    2>>"$dir/tshark.err"
}
ts bgp bgp.type | tr ', ' '\n\n' | sort -un | tr '\n' ' ' >"$dir/types"
check "tshark sees OPEN, UPDATE, NOTIFICATION, KEEPALIVE from the speaker (got: $(cat "$dir/types"))" \
    test "$(cat "$dir/types")" = "1 2 3 4 "
# (the peer's deliberately bad UPDATE is its own business)
nbad=$(ts '_ws.malformed || _ws.expert.severity >= 0x00600000' frame.number |
    wc -w)
check "the speaker's packets: no malformed one, no expert warning or error ($nbad)" \
    test "$nbad" -eq 0
ts "_ws.malformed || _ws.expert.severity >= 0x00600000" _ws.expert.message |
    sort -u | head -5 | sed 's/^/# expert: /'
nctl=$(tshark -r "$dir/cap.pcapng" -Y 'tcp.dstport == 179 && (_ws.malformed || _ws.expert.severity >= 0x00600000)' 2>/dev/null | wc -l)
check "... and the same filter does flag the peer's bad UPDATE ($nctl)" \
    test "$nctl" -ge 1
check "UPDATE: IPv4 NLRI with ADD-PATH ids decoded (10.40.1.0/24, path ids 1 and 2)" \
    sh -c "tshark -r $dir/cap.pcapng -Y 'tcp.srcport == 179 && bgp.type == 2' -V 2>/dev/null | \
    grep -o '10.40.1.0/24 PathId [0-9]*' | sort -u | tr '\n' , | grep -qx '10.40.1.0/24 PathId 1,10.40.1.0/24 PathId 2,'"
check "OPEN: capabilities decoded (ADD-PATH, extended next-hop, 4-octet AS, extended message)" \
    sh -c "n=\$(tshark -r $dir/cap.pcapng -Y 'tcp.srcport == 179 && bgp.type == 1' -V 2>/dev/null); \
    echo \"\$n\" | grep -q 'Support for Additional Paths' && echo \"\$n\" | grep -q 'Extended Next Hop Encoding' && \
    echo \"\$n\" | grep -q '4-octet AS number' && echo \"\$n\" | grep -q 'BGP-Extended Message'"
check "UPDATE: link bandwidth decoded" \
    sh -c "tshark -r $dir/cap.pcapng -Y 'tcp.srcport == 179 && bgp.type == 2' -V 2>/dev/null | grep -qi 'link bandwidth'"
check "UPDATE: large community decoded" \
    test -n "$(ts 'bgp.type == 2' bgp.large_communities | tr -d ' ')"
check "UPDATE: IPv6 in MP_REACH_NLRI, and IPv4 over an IPv6 next-hop" \
    sh -c "tshark -r $dir/cap.pcapng -Y 'tcp.srcport == 179 && bgp.type == 2' -V 2>/dev/null | grep -q 'fd40:1::/64' && \
    tshark -r $dir/cap.pcapng -Y 'tcp.srcport == 179 && bgp.type == 2' -V 2>/dev/null | grep -q '10.40.3.0/24'"
check "UPDATE: withdrawals, IPv4 and MP_UNREACH_NLRI" \
    sh -c "tshark -r $dir/cap.pcapng -Y 'tcp.srcport == 179 && bgp.update.withdrawn_routes.length > 0' 2>/dev/null | grep -q . && \
    tshark -r $dir/cap.pcapng -Y 'tcp.srcport == 179 && bgp.update.path_attribute.type_code == 15' -V 2>/dev/null | grep -q 'fd40:2::/64'"
check "NOTIFICATION 3/2 with the 300-octet attribute as data (length $(ts 'bgp.notify.major_error == 3' bgp.length))" \
    test "$(ts 'bgp.notify.major_error == 3' bgp.length)" = $((21 + 304))
check "NOTIFICATION 6/2 with its shutdown message" \
    sh -c "tshark -r $dir/cap.pcapng -Y 'tcp.srcport == 179 && bgp.notify.major_error == 6' -V 2>/dev/null | grep -q 'fabric-inject stopped'"
finish
