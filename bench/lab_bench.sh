#!/bin/sh
# Times the namespace lab: deploy, convergence (every BGP session
# Established, counted from the start of deploy) and destroy, for every
# example fabric, RUNS times each (default 5); prints min / median / max.
#
# usage: bench/lab_bench.sh [RUNS]      (root; after a build)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-5}
fabricctl=controller/fabricctl
[ -x "$fabricctl" ] || { echo "build first (tools/build.sh)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }

now() { date +%s.%N; }

stats() {	# reads numbers, prints "min / median / max"
	sort -n | awk '{ v[NR] = $1 } END {
	    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	    printf "%.2f / %.2f / %.2f", v[1], m, v[NR] }'
}

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  host: $(nproc) cores, $(uname -r)," \
    "FRR $(dpkg-query -W -f='${Version}' frr 2>/dev/null || echo '?')"
printf '%-10s %5s %5s %5s  %-24s %-24s %-24s\n' lab nodes links runs \
    "deploy s (min/med/max)" "converged s" "destroy s"
for topo in examples/*/*.clab.yml; do
	tmp=$(mktemp)
	"$fabricctl" lab destroy -t "$topo" >/dev/null 2>&1 || true
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(now)
		"$fabricctl" lab deploy -t "$topo" >/dev/null 2>&1
		t1=$(now)
		"$fabricctl" lab wait -t "$topo" --timeout 120 >/dev/null 2>&1
		t2=$(now)
		"$fabricctl" lab destroy -t "$topo" >/dev/null 2>&1
		t3=$(now)
		echo "$t0 $t1 $t2 $t3" >>"$tmp"
		i=$((i + 1))
	done
	nodes=$("$fabricctl" lab inspect -t "$topo" -j 2>/dev/null |
	    jq '.containers | length')
	links=$(grep -c 'endpoints:' "$topo")
	name=$(awk '/^name:/ { print $2; exit }' "$topo")
	printf '%-10s %5s %5s %5s  %-24s %-24s %-24s\n' "$name" "$nodes" \
	    "$links" "$runs" \
	    "$(awk '{ print $2 - $1 }' "$tmp" | stats)" \
	    "$(awk '{ print $3 - $1 }' "$tmp" | stats)" \
	    "$(awk '{ print $4 - $3 }' "$tmp" | stats)"
	rm -f "$tmp"
done
