#!/usr/bin/env python3
"""Hand-made probe packets for tests/lab/probe.sh: well-formed probes with
a chosen header, the same with one defect each, and forged replies sent
from a chosen UDP source port through a raw socket.  The packet layout is
gpu-probe/probe_pkt.h's; the payload is empty, so its checksum is
payload_final(0, 0) from gpu-probe/payload_algo.h."""
import argparse
import socket
import struct
import sys

M64 = (1 << 64) - 1
SALT = 0x46505242434B5331
MAGIC = 0x46505242


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def probe(sport, flags=0, seq=1, seed=0x1234, path_id=1, opcode=0x04,
          pkey=0xFFFF, version=1, magic=MAGIC):
    bth = struct.pack("!BBHII", opcode, 0, pkey, 1, seq & 0xFFFFFF)
    hdr = struct.pack("!IBBHIIQQQ", magic, version, flags, sport, path_id,
                      0, seq, 0, seed)
    csum = mix64(0 ^ 0 ^ SALT)
    return bth + hdr + struct.pack("!Q", csum) + b"\0\0\0\0"


DEFECTS = {
    "magic": lambda s: probe(s, magic=0x12345678),
    "opcode": lambda s: probe(s, opcode=0x05),
    "version": lambda s: probe(s, version=2),
    "bth": lambda s: probe(s, pkey=0x1234),
    "truncated": lambda s: probe(s)[:20],
    "length": lambda s: probe(s) + b"\0",
}


def udp_send(dst, dport, sport, data, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", sport))
    for _ in range(count):
        s.sendto(data, (dst, dport))
    s.close()


def raw_send(dst, dport, sport, data, count):
    """UDP with a source port we do not own (e.g. 4791, held by the
    responder): the kernel adds the IP header, the checksum is 0."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    for _ in range(count):
        s.sendto(udp, (dst, 0))
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", help="probe, reply, or a defect: " +
                    ", ".join(DEFECTS))
    ap.add_argument("dst")
    ap.add_argument("dport", type=int)
    ap.add_argument("--sport", type=int, default=40000)
    ap.add_argument("--hdr-sport", type=int, help="port the header claims")
    ap.add_argument("--seq", type=int, default=1)
    ap.add_argument("--path-id", type=int, default=1)
    ap.add_argument("--count", type=int, default=1)
    a = ap.parse_args()
    hdr_sport = a.hdr_sport if a.hdr_sport is not None else a.sport
    if a.kind == "probe":
        udp_send(a.dst, a.dport, a.sport, probe(hdr_sport), a.count)
    elif a.kind == "reply":
        # a reply (flag 0x01) with a seed the sender never used
        data = probe(a.dport, flags=0x01, seq=a.seq, path_id=a.path_id,
                     seed=0xBAD5EED)
        raw_send(a.dst, a.dport, a.sport, data, a.count)
    elif a.kind in DEFECTS:
        udp_send(a.dst, a.dport, a.sport, DEFECTS[a.kind](hdr_sport),
                 a.count)
    else:
        sys.exit("probe_raw.py: unknown kind %r" % a.kind)


if __name__ == "__main__":
    main()
