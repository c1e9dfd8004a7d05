#!/bin/sh
# fabric-inject against two other BGP implementations, GoBGP 3 and BIRD 2,
# each in its own network namespace and each asked to RECEIVE ADD-PATH:
#
#   injector ns --veth 10.98.1.0/31, fd98:1::/127-- gobgp ns (eBGP, AS 65002)
#   injector ns --veth 10.98.2.0/31, fd98:2::/127-- bird ns  (eBGP, AS 65003
#                                     over IPv4 and iBGP, AS 65001, over IPv6)
#
# Through the peers' own CLIs (gobgp -j, birdc): the sessions come up;
# every path of every prefix arrives (ADD-PATH), with the next-hop of the
# file, the link-bandwidth extended community that `fabric-inject --check`
# planned, the standard and large communities of the file (plus
# NO_ADVERTISE), AS_PATH = fabric-inject's AS on eBGP and empty on iBGP,
# LOCAL_PREF on iBGP only.  SIGHUP with a changed file (a path removed, a
# weight changed, prefixes removed): the peers follow.  SIGTERM: both log
# the Cease (with its RFC 9003 message), withdraw every route, and
# fabric-inject exits 0.
. "$(dirname "$0")/lib.sh"

lab_skip_unless_root
lab_require "run tools/setup.sh" ip jq gobgpd gobgp bird birdc

INJECT="$abs_top_builddir/bgp/fabric-inject"
LOCAL_AS=65001
GOBGP_AS=65002
BIRD_AS=65003
GOBGP_API=127.0.0.1:50071
tag=fabtest-interop-$$
NS_INJ=$tag-inj
NS_GB=$tag-gobgp
NS_BD=$tag-bird
dir=$(mktemp -d /tmp/fabtest-interop.XXXXXX)
inject_pid=
gobgpd_pid=
bird_pid=

# Only what this script started: the pids it recorded, then anything
# still inside the namespaces it created, then those namespaces.
cleanup() {
	lab_stop 0.3 "$inject_pid" "$gobgpd_pid" "$bird_pid"
	lab_netns_del_made
	rm -rf "$dir"
}
lab_on_exit cleanup

# ---- the network ------------------------------------------------------

setup_net() {
	for ns in "$NS_INJ" "$NS_GB" "$NS_BD"; do
		lab_netns_add "$ns" || return 1
	done
	# created inside the namespaces: no name in the host's namespace
	ip link add name to-gobgp netns "$NS_INJ" type veth \
	    peer name to-inj netns "$NS_GB" || return 1
	ip link add name to-bird netns "$NS_INJ" type veth \
	    peer name to-inj netns "$NS_BD" || return 1
	ip -n "$NS_INJ" addr add 10.98.1.0/31 dev to-gobgp &&
	ip -n "$NS_INJ" addr add fd98:1::/127 dev to-gobgp nodad &&
	ip -n "$NS_GB" addr add 10.98.1.1/31 dev to-inj &&
	ip -n "$NS_GB" addr add fd98:1::1/127 dev to-inj nodad &&
	ip -n "$NS_INJ" addr add 10.98.2.0/31 dev to-bird &&
	ip -n "$NS_INJ" addr add fd98:2::/127 dev to-bird nodad &&
	ip -n "$NS_BD" addr add 10.98.2.1/31 dev to-inj &&
	ip -n "$NS_BD" addr add fd98:2::1/127 dev to-inj nodad || return 1
	# BIRD accepts a next-hop on a directly connected subnet only
	# ("gateway direct"): give its link the subnet the routes use.
	ip -n "$NS_BD" addr add 10.98.100.1/24 dev to-inj &&
	ip -n "$NS_BD" addr add fd98:100::1/64 dev to-inj nodad || return 1
	ip -n "$NS_INJ" link set to-gobgp up &&
	ip -n "$NS_INJ" link set to-bird up &&
	ip -n "$NS_GB" link set to-inj up &&
	ip -n "$NS_BD" link set to-inj up || return 1
	ip netns exec "$NS_INJ" ping -c 1 -W 2 10.98.1.1 >/dev/null &&
	ip netns exec "$NS_INJ" ping -c 1 -W 2 10.98.2.1 >/dev/null &&
	ip netns exec "$NS_INJ" ping -c 1 -W 2 fd98:2::1 >/dev/null
}

# ---- the peers ----------------------------------------------------------

write_gobgpd_conf() {
	cat >"$dir/gobgpd.toml" <<EOF
[global.config]
  as = $GOBGP_AS
  router-id = "10.98.1.1"
  port = 179
  local-address-list = ["10.98.1.1"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.98.1.0"
    peer-as = $LOCAL_AS
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.add-paths.config]
      receive = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.add-paths.config]
      receive = true
EOF
}

# Two sessions from one BIRD: eBGP over IPv4, iBGP over IPv6 (same AS as
# the injector, so LOCAL_PREF is sent and AS_PATH stays empty).
write_bird_conf() {
	cat >"$dir/bird.conf" <<EOF
log "$dir/bird.log" all;
router id 10.98.2.1;
protocol device { scan time 10; }
protocol bgp inj_ebgp {
  local 10.98.2.1 as $BIRD_AS;
  neighbor 10.98.2.0 as $LOCAL_AS;
  hold time 9;
  connect retry time 1;
  ipv4 { add paths rx; import all; export none; };
  ipv6 { add paths rx; import all; export none; };
}
protocol bgp inj_ibgp {
  local fd98:2::1 as $LOCAL_AS;
  neighbor fd98:2:: as $LOCAL_AS;
  direct;
  hold time 9;
  connect retry time 1;
  ipv4 { add paths rx; import all; export none; };
  ipv6 { add paths rx; import all; export none; };
}
EOF
}

start_peers() {
	write_gobgpd_conf
	write_bird_conf
	ip netns exec "$NS_GB" gobgpd -f "$dir/gobgpd.toml" -p \
	    --api-hosts="$GOBGP_API" --pprof-disable \
	    >"$dir/gobgpd.log" 2>&1 &
	gobgpd_pid=$!
	ip netns exec "$NS_BD" bird -f -c "$dir/bird.conf" \
	    -s "$dir/bird.ctl" >"$dir/bird.out" 2>&1 &
	bird_pid=$!
	retry 10 gb neighbor && retry 10 bc show status
}

start_inject() {
	ip netns exec "$NS_INJ" "$INJECT" --local-as "$LOCAL_AS" \
	    --router-id 10.98.0.1 --holdtime 9 --connect-retry 1 \
	    --peer "10.98.1.1,remote-as=$GOBGP_AS,name=gobgp" \
	    --peer "10.98.2.1,remote-as=$BIRD_AS,name=bird-ebgp" \
	    --peer "fd98:2::1,name=bird-ibgp" \
	    --routes "$dir/routes" >>"$dir/inject.log" 2>&1 &
	inject_pid=$!
}

gb() {
	ip netns exec "$NS_GB" gobgp -u "${GOBGP_API%:*}" -p "${GOBGP_API#*:}" "$@"
}

bc() {
	birdc -s "$dir/bird.ctl" "$@"
}

# ---- tables ---------------------------------------------------------------
#
# A view of the routes, one line per path, fields separated by a space:
#   PREFIX NEXTHOP LB AS_PATH LOCAL_PREF COMMUNITIES LARGE_COMMUNITIES
# LB is "AS:BYTES_PER_SECOND" of each link-bandwidth extended community;
# lists are comma separated; "-" is none.

# Sorts the items of the comma lists, then the lines.
normalize() {
	awk '
	function sortlist(s,	a, n, i, j, t, out) {
		if (s == "-")
			return s
		n = split(s, a, ",")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		out = a[1]
		for (i = 2; i <= n; i++)
			out = out "," a[i]
		return out
	}
	{ $3 = sortlist($3); $6 = sortlist($6); $7 = sortlist($7); print }' |
	    LC_ALL=C sort
}

# expected_table ROUTES AS_PATH LOCAL_PREF: what a peer should see, from
# the file (next-hops, communities) and fabric-inject's own plan (LB).
expected_table() {
	"$INJECT" --check -j --routes "$1" | jq -r '.[] | .prefix as $p |
	    .paths[] | "\($p) \(.nexthop) \(.lb_mbps * 125000)"' \
	    >"$dir/plan" || return 1
	awk -v asp="$2" -v lp="$3" -v las="$LOCAL_AS" '
	NR == FNR { lb[$1 " " $2] = $3; next }
	{ sub(/#.*/, "") }
	NF >= 3 && ($1 " " $2) in lb {
		comms = ""; large = ""
		for (i = 4; i <= NF; i++) {
			t = $i
			if (t == "no-export") t = "65535:65281"
			if (t == "no-advertise") t = "65535:65282"
			if (split(t, f, ":") == 3)
				large = large (large == "" ? "" : ",") t
			else
				comms = comms (comms == "" ? "" : ",") t
		}
		# NO_ADVERTISE: fabric-inject runs without --advertise
		comms = comms (comms == "" ? "" : ",") "65535:65282"
		print $1, $2, las ":" lb[$1 " " $2], asp, lp, comms,
		    (large == "" ? "-" : large)
	}' "$dir/plan" "$1" | normalize
}

gobgp_table() {
	{ gb global rib -a ipv4 -j && gb global rib -a ipv6 -j; } |
	    jq -r 'def list: if length == 0 then "-" else join(",") end;
	    .[][] | [.nlri.prefix,
	    ([.attrs[] | select(.type == 3 or .type == 14) | .nexthop][0]
		// "-"),
	    ([.attrs[] | select(.type == 16) | .value[] |
		if .type == 64 and .subtype == 4
		then "\(.asn):\(.bandwidth)" else "other-ext" end] | list),
	    ([.attrs[] | select(.type == 2) | .as_paths[].asns[] |
		tostring] | list),
	    ([.attrs[] | select(.type == 5) | .value | tostring][0] // "-"),
	    ([.attrs[] | select(.type == 8) | .communities[] |
		"\(. / 65536 | floor):\(. % 65536)"] | list),
	    ([.attrs[] | select(.type == 32) | .value[] |
		"\(.ASN):\(.LocalData1):\(.LocalData2)"] | list)] |
	    join(" ")' | normalize
}

# BIRD prints the link-bandwidth community as "(unknown 0x4004, AS, N)"
# (2.0.12) or "(generic, 0x4004XXXX, 0xNNNNNNNN)"; N is the IEEE-754
# float32, decoded here to bytes/s.  A route BIRD could not resolve
# (unreachable) gets a "!" before its next-hop so that it never matches.
bird_table() {
	bc show route all protocol "$1" | awk '
	function hex(s,	i, v) {
		s = tolower(s); sub(/^0x/, "", s); v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef",
			    substr(s, i, 1)) - 1
		return v
	}
	function f32(v,	e, m, x) {
		e = int(v / 8388608) % 256
		m = v % 8388608
		x = e == 0 ? m * 2 ^ -149 : (1 + m / 8388608) * 2 ^ (e - 127)
		return sprintf("%.17g", v >= 2147483648 ? -x : x)
	}
	function ext(s,	out, item, f, n) {
		out = ""
		while (match(s, /\([^)]*\)/)) {
			item = substr(s, RSTART + 1, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
			n = split(item, f, /, */)
			if (n == 3 && f[1] == "unknown 0x4004")
				item = f[2] ":" f32(f[3] + 0)
			else if (n == 3 && f[1] == "generic" &&
			    int(hex(f[2]) / 65536) == 16388)
				item = (hex(f[2]) % 65536) ":" f32(hex(f[3]))
			else
				item = "other-ext"
			out = out (out == "" ? "" : ",") item
		}
		return out
	}
	function list(s) {	# "(a,b) (c,d)" or "(a, b, c)"
		gsub(/, /, ":", s); gsub(/,/, ":", s)
		gsub(/\) \(/, " ", s); gsub(/[()]/, "", s)
		gsub(/ /, ",", s)
		return s
	}
	function flush() {
		if (pfx != "" && nh != "")
			print pfx, bad nh, v(lb), v(asp), v(lp), v(comm),
			    v(large)
		nh = lb = asp = lp = comm = large = bad = ""
	}
	function v(s) { return s == "" ? "-" : s }
	function rest(s) { sub(/^[ \t]*[^ ]+: */, "", s); return s }
	/\[[^ ]+ [0-9:.]+/ {	# a route: "PFX  unicast [proto time ..."
		flush()
		if ($0 ~ /^[0-9a-fA-F]/)
			pfx = $1
		if ($0 !~ /(^|[ \t])unicast \[/)
			bad = "!"
		next
	}
	/^\tBGP\.next_hop:/ { split(rest($0), a, " "); nh = a[1]; next }
	/^\tBGP\.as_path:/ { asp = rest($0); gsub(/ +/, ",", asp); next }
	/^\tBGP\.local_pref:/ { lp = rest($0); next }
	/^\tBGP\.community:/ { comm = list(rest($0)); next }
	/^\tBGP\.large_community:/ { large = list(rest($0)); next }
	/^\tBGP\.ext_community:/ { lb = ext(rest($0)); next }
	END { flush() }' | normalize
}

# view PEER: gobgp, bird-ebgp or bird-ibgp
view() {
	case $1 in
	gobgp) gobgp_table ;;
	bird-ebgp) bird_table inj_ebgp ;;
	bird-ibgp) bird_table inj_ibgp ;;
	esac
}

# What each peer should see: eBGP has our AS in AS_PATH and no
# LOCAL_PREF; BIRD shows its own default (100) for eBGP routes; iBGP
# carries fabric-inject's LOCAL_PREF (200).
expect_for() {	# PEER ROUTES
	case $1 in
	gobgp) expected_table "$2" "$LOCAL_AS" - ;;
	bird-ebgp) expected_table "$2" "$LOCAL_AS" 100 ;;
	bird-ibgp) expected_table "$2" - 200 ;;
	esac
}

# fields_match FIELDS ACTUAL EXPECTED: the columns agree; the difference
# goes to the output as comments.
fields_match() {
	cut -d' ' -f"$1" "$2" | LC_ALL=C sort >"$2.cut"
	cut -d' ' -f"$1" "$3" | LC_ALL=C sort >"$3.cut"
	cmp -s "$2.cut" "$3.cut" && return 0
	diff "$3.cut" "$2.cut" | sed -n 's/^[<>]/# &/p' | head -20
	return 1
}

paths_per_prefix() {
	cut -d' ' -f1 "$1" | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' '
}

view_is() {	# PEER EXPECTED: snapshot the view into $dir/PEER.view
	view "$1" >"$dir/$1.view" 2>/dev/null
	[ -s "$2" ] && cmp -s "$dir/$1.view" "$2"
}

# ---- checks ----------------------------------------------------------------

gobgp_established() {
	[ "$(gb neighbor 10.98.1.0 -j | jq -r '.state.session_state')" = 6 ]
}

bird_established() {
	bc show protocols "$1" | grep -q "^$1 .* Established"
}

# The "down" and "empty" checks insist on an answer from the CLI: a dead
# daemon shows no session and no routes either.
gobgp_down() {
	gb neighbor 10.98.1.0 -j | jq -e '.state | type == "object" and
	    .session_state != 6' >/dev/null
}

gobgp_empty() {
	for af in ipv4 ipv6; do
		gb global rib -a "$af" -j |
		    jq -e 'type == "object" and length == 0' >/dev/null ||
		    return 1
	done
}

bird_down() {
	bc show protocols "$1" | grep -q "^$1 " && ! bird_established "$1"
}

bird_empty() {	# PROTO
	bc show route protocol "$1" >"$dir/bird.routes" &&
	    grep -q '^BIRD .* ready' "$dir/bird.routes" &&
	    ! grep -Eq '^[0-9a-f]' "$dir/bird.routes"
}

# The text form: the JSON has the capabilities only as protobuf.
gobgp_addpath_ok() {
	gb neighbor 10.98.1.0 | awk '
	/^    add-path:/ { agreed = /advertised and received/; s = "in"; next }
	s != "" && /^    [a-z]/ { s = "" }
	s != "" && /Local:/ { s = "local" }
	s != "" && /Remote:/ { s = "remote" }
	s == "local" && /ipv[46]-unicast:[ \t]*receive/ { rx++ }
	s == "remote" && /ipv[46]-unicast:.*send/ { tx++ }
	END { exit !(agreed && rx == 2 && tx == 2) }'
}

bird_addpath_ok() {	# PROTO: we RX both families, the neighbor TX both
	bc show protocols all "$1" | awk '
	/Local capabilities/ { s = "local" }
	/Neighbor capabilities/ { s = "neighbor" }
	/Session:/ { s = "" }
	s == "local" && /RX: ipv4 ipv6$/ { rx = 1 }
	s == "neighbor" && /TX: ipv4 ipv6$/ { tx = 1 }
	END { exit !(rx && tx) }'
}

inject_logged_up() {	# NAME
	grep -q "neighbor $1: session up (.*add-path" "$dir/inject.log"
}

no_routes() {	# PEER
	[ ! -s "$dir/$1.view" ]
}

check_view() {	# PEER ROUTES TAG
	p=$1
	expect_for "$p" "$2" >"$dir/$p.exp"
	check "$p$3: every path arrived: $(paths_per_prefix "$dir/$p.exp")" \
	    retry 20 view_is "$p" "$dir/$p.exp"
	a="$dir/$p.view"
	e="$dir/$p.exp"
	check "$p$3: paths per prefix as planned (ADD-PATH)" \
	    fields_match 1 "$a" "$e"
	check "$p$3: next-hops as in the file" fields_match 1,2 "$a" "$e"
	check "$p$3: link-bandwidth = planned lb_mbps x 125000 B/s" \
	    fields_match 1,2,3 "$a" "$e"
	check "$p$3: AS_PATH ($(cut -d' ' -f4 "$e" | sort -u | tr '\n' ' '))" \
	    fields_match 1,2,4 "$a" "$e"
	check "$p$3: LOCAL_PREF ($(cut -d' ' -f5 "$e" | sort -u | tr '\n' ' '))" \
	    fields_match 1,2,5 "$a" "$e"
	check "$p$3: standard communities intact" fields_match 1,2,6 "$a" "$e"
	check "$p$3: large communities intact" fields_match 1,2,7 "$a" "$e"
}

# weight 0 would drop a line; every line here is a path.
cat >"$dir/routes" <<'EOF'
# prefix      next-hop       weight  communities
10.10.1.0/24  10.98.100.10   1       65001:100
10.10.1.0/24  10.98.100.11   3       65001:100
10.10.2.0/24  10.98.100.10   1       65001:200 65001:1:2
10.10.2.0/24  10.98.100.11   2       65001:200 65001:1:2
10.10.2.0/24  10.98.100.12   4       65001:200 65001:1:2 4200000000:7:8
10.10.3.0/24  10.98.100.10   1
10.10.3.0/24  10.98.100.11   1
10.10.3.0/24  10.98.100.12   1
10.10.3.0/24  10.98.100.13   5       no-export
10.10.4.1/32  10.98.100.10   1       65001:400
10.10.4.1/32  10.98.100.13   1       65001:400
fd10:1::/64   fd98:100::10   1       65001:600 65001:6:6
fd10:1::/64   fd98:100::11   2       65001:600 65001:6:6
fd10:2::/64   fd98:100::10   3
fd10:2::/64   fd98:100::11   1
fd10:2::/64   fd98:100::12   1
fd10:3::/48   fd98:100::10   1       65001:300
fd10:3::/48   fd98:100::11   2       65001:300
fd10:3::/48   fd98:100::12   3       65001:300
fd10:3::/48   fd98:100::13   4       65001:300 65001:3:3
EOF
# After SIGHUP: 10.10.1.0/24 .10 weight 1 -> 2; 10.10.3.0/24 loses .12;
# 10.10.4.1/32 and fd10:2::/64 are gone.
cat >"$dir/routes.2" <<'EOF'
10.10.1.0/24  10.98.100.10   2       65001:100
10.10.1.0/24  10.98.100.11   3       65001:100
10.10.2.0/24  10.98.100.10   1       65001:200 65001:1:2
10.10.2.0/24  10.98.100.11   2       65001:200 65001:1:2
10.10.2.0/24  10.98.100.12   4       65001:200 65001:1:2 4200000000:7:8
10.10.3.0/24  10.98.100.10   1
10.10.3.0/24  10.98.100.11   1
10.10.3.0/24  10.98.100.13   5       no-export
fd10:1::/64   fd98:100::10   1       65001:600 65001:6:6
fd10:1::/64   fd98:100::11   2       65001:600 65001:6:6
fd10:3::/48   fd98:100::10   1       65001:300
fd10:3::/48   fd98:100::11   2       65001:300
fd10:3::/48   fd98:100::12   3       65001:300
fd10:3::/48   fd98:100::13   4       65001:300 65001:3:3
EOF

t0=$(now)
PEERS="gobgp bird-ebgp bird-ibgp"
check "namespaces $tag-{inj,gobgp,bird} wired" setup_net
check "gobgpd and bird answer their CLIs" start_peers
start_inject

check "gobgp: session with fabric-inject Established" \
    retry 30 gobgp_established
check "bird: eBGP session (IPv4) Established" \
    retry 30 bird_established inj_ebgp
check "bird: iBGP session (IPv6 transport) Established" \
    retry 30 bird_established inj_ibgp
for p in $PEERS; do
	check "fabric-inject: $p up with add-path" retry 10 inject_logged_up "$p"
done
check "gobgp: ADD-PATH agreed: it receives, fabric-inject sends (ipv4, ipv6)" \
    gobgp_addpath_ok
for proto in inj_ebgp inj_ibgp; do
	check "bird $proto: ADD-PATH agreed: it receives, fabric-inject sends (ipv4, ipv6)" \
	    bird_addpath_ok "$proto"
done

for p in $PEERS; do
	check_view "$p" "$dir/routes" ""
done
echo "# note: BIRD shows its own default LOCAL_PREF (100) on eBGP routes," \
    "so that fabric-inject sends none on eBGP is checked through GoBGP only" \
    "(BIRD would log discarding one: the log check below)"
echo "# note: neither gobgp nor birdc shows ADD-PATH path identifiers; that" \
    "each next-hop arrives as a path of its own is checked instead"
check "bird: every route resolved (no unreachable)" \
    sh -c "birdc -s $dir/bird.ctl show route | grep -q unicast && ! birdc -s $dir/bird.ctl show route | grep -q unreachable"
check "bird: logged no error about fabric-inject's UPDATEs" \
    sh -c "[ -s $dir/bird.log ] && ! grep -E '<(RMT|ERR|BUG)>' $dir/bird.log"
check "gobgpd: logged no warning or error" \
    sh -c "grep -q 'Peer Up' $dir/gobgpd.log && ! grep -E 'level=(warning|error|fatal)' $dir/gobgpd.log"

# SIGHUP with the changed file
lb_before=$(awk '$1 == "10.10.1.0/24" && $2 == "10.98.100.10" { print $3 }' \
    "$dir/gobgp.view")
cp "$dir/routes.2" "$dir/routes"
kill -HUP "$inject_pid"
for p in $PEERS; do
	check_view "$p" "$dir/routes" " after SIGHUP"
	check "$p after SIGHUP: the removed path 10.10.3.0/24 via .12 is gone" \
	    sh -c "[ -s $dir/$p.view ] && ! grep -q '^10.10.3.0/24 10.98.100.12 ' $dir/$p.view"
	check "$p after SIGHUP: the removed prefixes are gone" \
	    sh -c "[ -s $dir/$p.view ] && ! grep -qE '^(10.10.4.1/32|fd10:2::/64) ' $dir/$p.view"
	lb_after=$(awk '$1 == "10.10.1.0/24" && $2 == "10.98.100.10" \
	    { print $3 }' "$dir/$p.view")
	check "$p after SIGHUP: LB of 10.10.1.0/24 via .10 changed ($lb_before -> $lb_after)" \
	    test -n "$lb_after" -a -n "$lb_before" -a "$lb_after" != "$lb_before"
done
check "fabric-inject: no session went down on SIGHUP" \
    sh -c "grep -q 'SIGHUP: re-reading' $dir/inject.log && ! grep -q 'session down' $dir/inject.log"

# SIGTERM: Cease to everyone, clean exit, routes withdrawn
kill -TERM "$inject_pid"
wait "$inject_pid"
rc=$?
inject_pid=
check "fabric-inject exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
check "gobgp: session down" retry 10 gobgp_down
check "gobgp: logged the Cease (6/2) with its shutdown message" \
    retry 5 sh -c "grep 'Peer Down' $dir/gobgpd.log | grep -q 'code 6(cease) subcode 2' && grep -q 'Communicated-Reason=\"fabric-inject stopped\"' $dir/gobgpd.log"
check "gobgp: every route withdrawn" retry 10 gobgp_empty
check "fabric-inject: no sanitizer or fatal report in its log" \
    lab_log_clean "$dir/inject.log"
for proto in inj_ebgp inj_ibgp; do
	check "bird $proto: session down" retry 10 bird_down "$proto"
	check "bird $proto: logged the Cease (administrative shutdown) with its message" \
	    retry 5 sh -c "grep -q '$proto: Received: Administrative shutdown: \"fabric-inject stopped\"' $dir/bird.log"
	check "bird $proto: every route withdrawn" retry 10 bird_empty "$proto"
done
echo "# interop tests took $(elapsed "$t0" "$(now)") s"
finish
