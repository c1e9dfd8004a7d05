#!/bin/sh
# The optimum (fabric/sim_lp.c) for one phase at 1,000, 10,000 and
# 100,000 GPUs, beside route_compute on the same fabric; each run capped
# at 10 minutes (CAP seconds).  One line per run.
#
# METHOD: auto (sim_optimal: the fluid split where it meets a lower
# bound, else column generation; the default), colgen (column generation
# always) or paths (the full LP, every path a column: the reference).
# WORKLOADS: default "ring a2a ring-deg a2a-deg ring-mid" (lp_scale_bench.c).
# The full LP's all-to-all above 1,024 GPUs is skipped: at 10,240 it ran
# out of memory (23 GiB) after 222 s, which can take a shared machine
# down with it; A2A_MAX=10240 runs it anyway.
#
# usage: bench/lp_scale_bench.sh [GPUS ...]   (from the top of a built tree)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bench/lp_scale_bench
cap=${CAP:-600}
method=${METHOD:-auto}
workloads=${WORKLOADS:-ring a2a ring-deg a2a-deg ring-mid}
if [ "$method" = paths ]; then
	a2a_max=${A2A_MAX:-1024}
else
	a2a_max=${A2A_MAX:-102400}
fi
[ -x "$bin" ] || { echo "lp_scale_bench: build first ($bin missing)" >&2; exit 1; }
[ $# -gt 0 ] || set -- 1024 10240 102400

for g in "$@"; do
	for w in $workloads; do
		case $w in
		a2a*)	if [ "$g" -gt "$a2a_max" ]; then
				printf '%7u GPUs %s: skipped (A2A_MAX=%s)\n' \
				    "$g" "$w" "$a2a_max"
				continue
			fi;;
		esac
		start=$(date +%s)
		out=$(timeout "$cap" "$bin" "$g" "$w" "$method" 2>&1)
		rc=$?
		if [ "$rc" -eq 124 ]; then
			[ -n "$out" ] || out=$(printf '%7u GPUs %s: ' "$g" "$w")
			printf '%soptimum did not finish in %d min\n' "$out" \
			    $((cap / 60))
		elif [ "$rc" -ne 0 ]; then
			printf '%7u GPUs %s: failed (exit %d after %d s): %s\n' \
			    "$g" "$w" "$rc" $(($(date +%s) - start)) \
			    "$(echo "$out" | tail -1)"
		else
			echo "$out"
		fi
	done
done
