#!/bin/sh
# fabric-probe --payload cpu|gpu end to end on a machine with a GPU: a
# responder and a sender over 127.0.0.1, the same payload mode on both
# ends, 100000 probes clean and 100000 with --test-corrupt 7; each line
# says ok when none was lost and exactly COUNT/7 integrity failures were
# counted at the responder and on the path, and gives probes/s (from
# discovery to the end).  P: fabric-probe built with --with-cuda (default
# gpu-probe/fabric-probe); MODES (default "cpu gpu"); OUT: a scratch
# directory (default /tmp).  Needs python3.  Windows of 64 and 16 probes
# stay within the default loopback socket buffers.  docs/PROBE.md.
D=$(cd "$(dirname "$0")" && pwd)
P=${P:-$D/fabric-probe}
O=${OUT:-/tmp}
run() {	# mode size count corrupt-every window
	$P --respond --port 47911 --bind 127.0.0.1 --payload $1 -j \
	    --report 600000 -o $O/r.json & rp=$!
	sleep 1.5
	$P --target 127.0.0.1 --port 47911 --count $3 --interval 0 \
	    --max-inflight $5 --timeout 2000 --size $2 --payload $1 \
	    --test-corrupt $4 --no-corrupt-fails -j --report 600000 \
	    -o $O/s.json
	echo "sender rc=$?"
	kill $rp; wait $rp
	python3 - "$@" <<'PY'
import json, os, sys
mode, size, count, every, win = sys.argv[1:6]
o = os.environ.get("OUT", "/tmp")
s = [json.loads(l) for l in open(o + "/s.json")]
r = [json.loads(l) for l in open(o + "/r.json")]
t0 = [e["time_ns"] for e in s if e["event"] == "discovered"][0]
fin = [e for e in s if e["event"] == "final"][0]
p = fin["paths"][0]
resp = [e for e in r if e["event"] == "final"][0]["responder"]
bad = int(count) // int(every) if int(every) else 0
ok = (p["sent"] == int(count) and p["lost"] == 0 and
      p["integrity"] == bad and resp["integrity"] == bad)
print("%s %s: size %s window %s: sent %d lost %d path integrity %d "
      "responder integrity %d accepted %d (want %d failures): %.0f "
      "probes/s" % ("ok" if ok else "NOT OK", mode, size, win, p["sent"],
      p["lost"], p["integrity"], resp["integrity"], resp["accepted"], bad,
      p["sent"] * 1e9 / (fin["time_ns"] - t0)))
PY
}
for m in ${MODES:-cpu gpu}; do
	run $m 256 100000 0 64
	run $m 256 100000 7 64
	run $m 4096 100000 0 16
	run $m 4096 100000 7 16
done
