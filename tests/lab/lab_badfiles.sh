#!/bin/sh
# Every malformed topology in tests/data/clab/bad is refused by
# `fabricctl lab deploy' with exit status 1, an error naming the file and
# line (the text after "# expect:" on the fixture's first line), and no
# namespace left behind.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_runnable

bad="$abs_top_srcdir/tests/data/clab/bad"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The namespaces a lab of this name could have made, under any prefix.
lab_namespaces() {
	ip netns list | awk '{print $1}' | grep -F -- "${1:-/}" | sort
}

n=0
for f in "$bad"/*.clab.yml; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	base=$(basename "$f")
	expect=$(sed -n '1s/^# expect: //p' "$f")
	lab=$(lab_name "$f")
	before=$(lab_namespaces "$lab")
	"$FABRICCTL" lab deploy -t "$f" >"$out" 2>&1
	rc=$?
	after=$(lab_namespaces "$lab")
	check "$base: refused with exit 1 (got $rc)" test "$rc" -eq 1
	if [ -n "$expect" ] && grep -qF -- "$expect" "$out"; then
		ok "$base: says '$expect'"
	else
		not_ok "$base: expected '$expect' in: $(cat "$out")"
	fi
	check "$base: no namespace created" test "$before" = "$after"
done
check "bad fixtures found ($n)" test "$n" -ge 10
finish
