#!/bin/sh
# fabric-agent -f FILE against its command line, through --check (which
# prints the configuration in effect and exits; no network, no root):
#   (a) the file's values, when the command line gives none
#   (b) an option overrides the file's value; a list given on the command
#       line replaces the file's list; the rest stays the file's
#   (c) what --check prints loads again (-f) to the same output
#   (d) a bad file: exit 1, the error names the file, the path, the rule
#   (e) neither the file nor the command line names an endpoint: refused
: "${abs_top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
A="$abs_top_builddir/telemetry/fabric-agent"
EX="$abs_top_srcdir/examples/agent/leaf1.json"
FABRIC_YANG_DIR="$abs_top_srcdir/yang"
export FABRIC_YANG_DIR
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq not found"; exit 77; }
fails=0
passes=0
tmp=$(mktemp -d /tmp/fabtest-agent-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ok() { passes=$((passes + 1)); echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }

# is WHAT JQ_FILTER WANT: the filter over $tmp/out gives WANT
is() {
	got=$(jq -c "$2" "$tmp/out")
	if [ "$got" = "$3" ]; then
		ok "$1: $3"
	else
		not_ok "$1: $2 is $got, want $3"
	fi
}

# (a)
if "$A" -f "$EX" --check >"$tmp/out" 2>"$tmp/err"; then
	ok "the example loads"
else
	not_ok "the example: $(cat "$tmp/err")"
fi
is file '.["fabric-agent:agent"]["interval-ms"]' 50
is file '.["fabric-agent:agent"].interface' '["swp1","swp2","swp3"]'
is file '.["fabric-agent:agent"].capacity[2].bandwidth' '"1600000000000"'
is file '.["fabric-agent:agent"].flowlet.prefix' '["10.1.4.0/24","2001:db8:4::/48"]'
is file '.["fabric-agent:agent"].frr.namespace' '"leaf1"'

# (b)
"$A" -f "$EX" --interval 20 --interfaces swp9,swp10 --capacity swp9=1000 \
    --flowlet-prefix 10.9.0.0/16 --flowlet-buckets 64 --id leaf9 --check \
    >"$tmp/out" 2>"$tmp/err" || not_ok "overrides: $(cat "$tmp/err")"
is override '.["fabric-agent:agent"]["interval-ms"]' 20
is override '.["fabric-agent:agent"].id' '"leaf9"'
is override '.["fabric-agent:agent"].interface' '["swp9","swp10"]'
is override '.["fabric-agent:agent"].capacity' \
    '[{"interface":"swp9","bandwidth":"1000"}]'
is override '.["fabric-agent:agent"].flowlet.prefix' '["10.9.0.0/16"]'
is override '.["fabric-agent:agent"].flowlet.buckets' 64
is "file's, kept" '.["fabric-agent:agent"].publish' \
    '"tcp://172.20.20.101:7100"'
is "file's, kept" '.["fabric-agent:agent"].flowlet.table' 4300

# (c)
cp "$tmp/out" "$tmp/again.json"
if "$A" -f "$tmp/again.json" --check >"$tmp/out2" 2>"$tmp/err" &&
    cmp -s "$tmp/out" "$tmp/out2"; then
	ok "--check's output loads to the same configuration"
else
	not_ok "round trip: $(cat "$tmp/err"; diff "$tmp/out" "$tmp/out2")"
fi

# (d)
bad="$abs_top_srcdir/tests/data/agent/bad/buckets-one.json"
"$A" -f "$bad" --check >/dev/null 2>"$tmp/err"
rc=$?
want="fabric-agent: $bad:1: /fabric-agent:agent/flowlet/buckets: a resilient group has 2 to 32768 buckets"
if [ "$rc" -eq 1 ] && [ "$(cat "$tmp/err")" = "$want" ]; then
	ok "a bad file is refused, naming file, path and rule"
else
	not_ok "bad file: rc $rc, stderr $(cat "$tmp/err")"
fi
"$A" -f "$bad" --flowlet-buckets 64 --check >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 1 ]; then
	ok "a bad file is refused even when the option overrides it"
else
	not_ok "bad file and --flowlet-buckets: rc $rc"
fi

# (e)
printf '{ "fabric-agent:agent": { "key-file": "k" } }\n' >"$tmp/nopub.json"
"$A" -f "$tmp/nopub.json" >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -qF "no publish endpoint: give --publish, or set it in the file" "$tmp/err"; then
	ok "no endpoint: refused"
else
	not_ok "no endpoint: rc $rc, stderr $(cat "$tmp/err")"
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
