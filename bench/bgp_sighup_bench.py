#!/usr/bin/env python3
"""SIGHUP cost of fabric-inject alone: from kill(SIGHUP) to its log line
"FILE: N prefixes, M paths", when one prefix of a file of 1 + BACKGROUND
prefixes x 2 paths changed (its two weights swap every round).  No peer
(it points at 127.0.0.1:1, which refuses), so this is reading, planning
and handing the changes to the rib; bench/bgp_reaction_bench.sh times
the same change to the kernel of a leaf.  Several binaries are timed
side by side, rounds interleaved, the order reversed every other round.

usage: bench/bgp_sighup_bench.py [-n BACKGROUND] [-r ROUNDS] BINARY...
       (defaults 100000 and 20; e.g. bgp/fabric-inject and a build of an
       earlier commit)
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def write_routes(path, background, swap):
    w = (3, 1) if swap else (1, 3)
    with open(path, "w") as f:
        f.write(f"20.0.0.0/24 10.200.1.1 {w[0]}\n")
        f.write(f"20.0.0.0/24 10.200.2.1 {w[1]}\n")
        for i in range(background):
            p = f"{30 + i // 65536}.{i // 256 % 256}.{i % 256}.0/24"
            f.write(f"{p} 10.200.1.1 1\n{p} 10.200.2.1 2\n")


def wait_line(proc):
    for line in proc.stderr:
        if " prefixes, " in line:
            return
    sys.exit(f"{proc.args[0]} ended")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("-r", type=int, default=20)
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="fabbench-hup.")
    procs = []
    try:
        write_routes(f"{tmp}/a", a.n, False)
        write_routes(f"{tmp}/b", a.n, True)
        for i, b in enumerate(a.bins):
            shutil.copy(b, f"{tmp}/bin{i}")	# others rebuild the tree
            shutil.copy(f"{tmp}/a", f"{tmp}/routes{i}")
            p = subprocess.Popen([f"{tmp}/bin{i}", "--local-as", "65001",
                                  "--router-id", "10.255.0.1", "--peer",
                                  "127.0.0.1:1", "--routes",
                                  f"{tmp}/routes{i}"],
                                 stderr=subprocess.PIPE, text=True)
            procs.append(p)
            wait_line(p)
        res = [[] for _ in a.bins]
        for r in range(a.r):
            order = list(range(len(a.bins)))
            if r % 2:
                order.reverse()
            for i in order:
                shutil.copy(f"{tmp}/{'b' if r % 2 == 0 else 'a'}",
                            f"{tmp}/routes{i}")
                t0 = time.monotonic()
                procs[i].send_signal(signal.SIGHUP)
                wait_line(procs[i])
                res[i].append((time.monotonic() - t0) * 1000)
                time.sleep(0.1)
        print(f"date: {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}; "
              f"1 + {a.n} prefixes x 2 paths, one changed per round; "
              f"{a.r} rounds; ms from kill(SIGHUP) to the reload's log line")
        print("| binary | median ms | min ms | max ms |")
        print("|---|---|---|---|")
        for b, v in zip(a.bins, res):
            print(f"| {b} | {statistics.median(v):.1f} | {min(v):.1f} | "
                  f"{max(v):.1f} |")
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
