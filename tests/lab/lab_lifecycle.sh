#!/bin/sh
# The lab's life cycle beyond the happy path, on a small lab written here:
# FRR configuration from a bound directory, bound files and startup-config;
# exec and inspect; netem; deploying twice; deploys that fail half-way
# (after FRR has started) roll back completely; destroy cleans up after a
# crash that lost the lab's state.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable

dir=$(mktemp -d /tmp/fabric-lifecycle.XXXXXX)
name=lifecycle$$
topo="$dir/$name.clab.yml"
out="$dir/out"
cleanup() {
	"$FABRICCTL" lab destroy -t "$topo" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT

# $1 = router number, $2 = eth1's address, $3 = peer's address,
# $4 $5 = optional eth2 address (CIDR) and BGP peer on it
router_conf() {
	cat <<CONF
frr defaults datacenter
hostname r$1
ip forwarding
interface eth1
 ip address $2/31
interface eth2
 ${4:+ip address $4}
interface lo
 ip address 10.99.1.$1/32
router bgp 6510$1
 no bgp ebgp-requires-policy
 neighbor $3 remote-as external
 neighbor $3 timers 1 3
${5:+ neighbor $5 remote-as external}
 address-family ipv4 unicast
  network 10.99.1.$1/32
  network 10.99.2.0/24
CONF
}

mkdir -p "$dir/cfg/r1" "$dir/files" "$dir/startup"
router_conf 1 10.99.0.0 10.99.0.1 10.99.2.1/24 >"$dir/cfg/r1/frr.conf"
printf 'bgpd=yes\nospfd=no\n' >"$dir/cfg/r1/daemons"
router_conf 2 10.99.0.1 10.99.0.0 10.99.0.4/31 10.99.0.5 >"$dir/files/r2.conf"
printf 'bgpd=yes\n' >"$dir/files/r2.daemons"
router_conf 3 10.99.0.5 10.99.0.4 >"$dir/startup/r3.conf"

write_topo() {	# $1 = extra exec line for h1, $2 = r3 daemons override
	cat >"$topo" <<TOPO
name: $name
topology:
  defaults:
    kind: linux
    image: wbitt/network-multitool:alpine-minimal
  nodes:
    r1:
      image: quay.io/frrouting/frr:8.4.4
      binds: [cfg/r1:/etc/frr]
    r2:
      binds:
        - files/r2.conf:/etc/frr/frr.conf
        - files/r2.daemons:/etc/frr/daemons
    r3:
      kind: frr
      startup-config: startup/r3.conf
$2
    h1:
      mgmt-ipv4: 172.20.20.99
      exec:
        - ip addr add 10.99.2.2/24 dev eth1
        - ip route add 10.99.0.0/16 via 10.99.2.1
$1
  links:
    - endpoints: ["r1:eth1", "r2:eth1"]
    - endpoints: ["r1:eth2", "h1:eth1"]
    - endpoints: ["r2:eth2", "r3:eth1"]
TOPO
}

# 1. Deploy, converge, exec, inspect.
write_topo "" ""
check "deploy" "$FABRICCTL" lab deploy -t "$topo"
check "BGP converges" "$FABRICCTL" lab wait -t "$topo" --timeout 60
"$FABRICCTL" lab inspect -t "$topo" -j >"$out"
check "inspect -j: 4 nodes running" \
    test "$(jq '[.containers[] | select(.state == "running")] | length' "$out")" -eq 4
check "inspect -j: r1 r2 r3 are FRR with zebra and bgpd" \
    test "$(jq '[.containers[] | select(.frr and (.daemons | contains("zebra,bgpd")))] | length' "$out")" -eq 3
check "inspect -j: h1 has its mgmt-ipv4" \
    test "$(jq -r '.containers[] | select(.node == "h1") | .ipv4_address' "$out")" = 172.20.20.99/24
check "exec vtysh reaches r2's own FRR (hostname r2)" \
    sh -c "'$FABRICCTL' lab exec -t '$topo' r2 -- vtysh -c 'show running-config' | grep -q '^hostname r2'"
check "exec returns the command's status" \
    sh -c "! '$FABRICCTL' lab exec -t '$topo' h1 -- false"
check "r2 learned r3's loopback from the startup-config node" \
    retry 10 sh -c "ip -n clab-$name-r2 route show 10.99.1.3 | grep -q 'proto bgp'"
check "h1 pings r3's loopback across two routers" \
    retry 10 ip netns exec "clab-$name-h1" ping -c 1 -W 1 10.99.1.3
check "management network: h1 pings r1 over eth0" \
    ip netns exec "clab-$name-h1" ping -c 1 -W 2 172.20.20.2

# 2. netem: rate through tbf; delay needs sch_netem.
check "netem set --rate" "$FABRICCTL" lab netem set -t "$topo" -n r1 -i eth1 --rate 50000
check "tc shows tbf at 50 Mbit/s" \
    sh -c "tc -n clab-$name-r1 -j qdisc show dev eth1 | jq -e '.[0].kind == \"tbf\" and .[0].options.rate == 6250000' >/dev/null"
if tc -n "clab-$name-r1" qdisc replace dev eth2 root netem delay 1ms 2>/dev/null; then
	tc -n "clab-$name-r1" qdisc del dev eth2 root
	check "netem set --delay (kernel has netem)" \
	    "$FABRICCTL" lab netem set -t "$topo" -n r1 -i eth2 --delay 5ms
else
	"$FABRICCTL" lab netem set -t "$topo" -n r1 -i eth2 --delay 5ms >"$out" 2>&1
	rc=$?
	check "netem --delay without sch_netem: exit 1" test "$rc" -eq 1
	check "netem --delay without sch_netem: says why" grep -q "sch_netem" "$out"
fi
check "netem show -j lists the tbf" \
    sh -c "'$FABRICCTL' lab netem show -t '$topo' -n r1 -j | jq -e '[.qdiscs[] | select(.kind == \"tbf\")] | length == 1' >/dev/null"
check "netem reset" "$FABRICCTL" lab netem reset -t "$topo" -n r1 -i eth1
check "tbf gone after reset" \
    sh -c "! tc -n clab-$name-r1 qdisc show dev eth1 | grep -q tbf"
"$FABRICCTL" lab netem set -t "$topo" -n r1 -i eth9 --rate 1000 >"$out" 2>&1
check "netem on an unknown interface is refused" grep -q "has no interface 'eth9'" "$out"

# 3. Deploying twice is refused and leaves the lab as it was.
"$FABRICCTL" lab deploy -t "$topo" >"$out" 2>&1
rc=$?
check "second deploy refused (exit $rc)" test "$rc" -eq 1
check "second deploy says why" grep -q "already deployed" "$out"
check "first lab still converged" "$FABRICCTL" lab wait -t "$topo" --timeout 10
check "deploy --reconfigure" "$FABRICCTL" lab deploy -t "$topo" --reconfigure
check "converged again after --reconfigure" "$FABRICCTL" lab wait -t "$topo" --timeout 60

# 4. Destroy after a crash: daemons killed, state directory lost.
for p in /var/run/frr/clab-"$name"-r1/*.pid; do kill -9 "$(cat "$p")"; done
rm -rf "/run/fabric-lab/$name"
check "destroy after a crash" "$FABRICCTL" lab destroy -t "$topo"
left=$(lab_leftovers "$name")
check "nothing left after destroy${left:+: $left}" test -z "$left"

# 5. Deploys that fail half-way roll back everything.
write_topo "        - sh -c 'exit 3'" ""
"$FABRICCTL" lab deploy -t "$topo" >"$out" 2>&1
rc=$?
check "deploy with a failing exec fails (exit $rc)" test "$rc" -eq 1
check "... and names the node and command" grep -q "node 'h1': exec" "$out"
left=$(lab_leftovers "$name")
check "... and leaves nothing${left:+: $left}" test -z "$left"

printf 'bgpd=yes\nnosuchd=yes\npim6d=yes\n' >"$dir/r3.daemons"
write_topo "" "      binds: [$dir/r3.daemons:/etc/frr/daemons]"
if [ ! -x /usr/lib/frr/pim6d ]; then
	"$FABRICCTL" lab deploy -t "$topo" >"$out" 2>&1
	rc=$?
	check "deploy with an FRR daemon not installed fails (exit $rc)" test "$rc" -eq 1
	check "... and says which" grep -q "pim6d is enabled but" "$out"
	left=$(lab_leftovers "$name")
	check "... and leaves nothing, FRR of r1 r2 included${left:+: $left}" test -z "$left"
fi
finish
