#!/bin/sh
# Simulator speed: CPU seconds per policy on every example scenario, and
# the optimum's (GLPK's) time, as `fabricctl sim --timing' reports them.
# Each policy runs alone, RUNS times (default 5); the median is printed,
# as a Markdown table for docs/BENCHMARKS.md.
#
# usage: bench/sim_bench.sh [RUNS]   (from the top of a built tree)
set -eu

runs=${1:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
ctl=${FABRICCTL:-$top/controller/fabricctl}
policies="ecmp wcmp adaptive pinned flowlet flowlet-ca optimal"

[ -x "$ctl" ] || { echo "sim_bench: build first ($ctl missing)" >&2; exit 1; }

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The cpu_s column of POLICY's row.
cpu_of() {
	"$ctl" sim "$1" --policy "$2" --timing |
	    awk -v p="$2" '$1 == p { print $NF }'
}

printf '| scenario |'
for p in $policies; do printf ' %s |' "$p"; done
printf '\n|---|'
for p in $policies; do printf -- '---|'; done
printf '\n'
for f in "$top"/examples/scenarios/*.yml; do
	printf '| %s |' "$(basename "$f" .yml)"
	for p in $policies; do
		i=0
		while [ "$i" -lt "$runs" ]; do
			cpu_of "$f" "$p"
			i=$((i + 1))
		done | median | awk '{ printf " %.4f |", $1 }'
	done
	printf '\n'
done
