#!/usr/bin/python3
"""Waits until FRR bgpd instances each hold a number of paths from one
neighbor, for bench/bgp_fanout_bench.sh.

usage: frr_pfx_wait.py NEIGHBOR COUNT TIMEOUT_S NS...

It talks to each bgpd's vty socket (/var/run/frr/NS/bgpd.vty) the way
vtysh does (a command ending in NUL; the answer ends in three NULs and a
status byte), without starting a vtysh per question, and asks
`show bgp ipv4 unicast summary json' (pfxRcd) of the instances that are
not done yet, round after round.  Prints one line per instance,
"NS EPOCH PATHS", when it has them all, then "all EPOCH" (CLOCK_REALTIME,
as date +%s.%N) or "timeout DONE/TOTAL".
"""
import json
import socket
import sys
import time

CMD = b"show bgp ipv4 unicast summary json\0"


def ask(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        s.sendall(CMD)
        buf = b""
        while not (len(buf) >= 4 and buf[-4:-1] == b"\0\0\0"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf[:-4].decode(errors="replace")
    finally:
        s.close()


def paths(ns, neighbor):
    try:
        out = json.loads(ask("/var/run/frr/%s/bgpd.vty" % ns) or "{}")
    except (OSError, ValueError):
        return -1
    peer = out.get("ipv4Unicast", out).get("peers", {}).get(neighbor, {})
    return peer.get("pfxRcd", 0)


def main():
    neighbor, want, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    left = list(sys.argv[4:])
    deadline = time.time() + timeout
    last = {}
    while left and time.time() < deadline:
        for ns in list(left):
            n = paths(ns, neighbor)
            last[ns] = n
            if n >= want:
                print(ns, "%.6f" % time.time(), n, flush=True)
                left.remove(ns)
        if left:
            time.sleep(0.02)
    if left:
        print("timeout %d/%d" % (len(sys.argv[4:]) - len(left),
                                 len(sys.argv[4:])),
              " ".join("%s=%s" % (ns, last.get(ns)) for ns in left[:4]),
              flush=True)
        return 1
    print("all %.6f" % time.time(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
