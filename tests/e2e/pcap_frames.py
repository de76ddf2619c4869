#!/usr/bin/python3
"""Helper of pcap_rx_exact.sh (Debian's python3-scapy).

  pcap_frames.py gen FILE [N]      write N (default 200) distinct frames
  pcap_frames.py compare IN OUT    exit 0 iff OUT holds IN's frames,
                                   byte for byte, in order, no more, no fewer
"""
import random
import sys

from scapy.all import IP, IPv6, TCP, UDP, Ether, Raw, rdpcap, wrpcap  # noqa


def gen(path, n):
    rnd = random.Random(4303)
    frames = []
    for i in range(n):
        size = 60 + (i * 7919) % (1500 - 60 + 1)   # 60..1500, spread out
        if i == 0:
            size = 60
        elif i == 1:
            size = 1500
        eth = Ether(src="02:00:00:00:00:%02x" % (i % 256),
                    dst="02:53:49:4d:00:%02x" % (i % 2))
        if i % 2 == 0:
            l3 = IP(src="10.0.%d.%d" % (i // 256, i % 256), dst="10.1.0.1")
        else:
            l3 = IPv6(src="fd00::%x" % (i + 1), dst="fd00::1:1")
        if (i // 2) % 2 == 0:
            l4 = UDP(sport=1024 + i, dport=5001)
        else:
            l4 = TCP(sport=1024 + i, dport=443, seq=i, flags="PA")
        hdr = eth / l3 / l4
        tag = b"dpsec-e2e-frame-%04d:" % i
        room = max(size - len(hdr) - len(tag), 0)
        payload = tag + bytes(rnd.getrandbits(8) for _ in range(room))
        frames.append(hdr / Raw(payload))
    raws = [bytes(f) for f in frames]
    assert len(set(raws)) == n, "frames are not distinct"
    assert min(map(len, raws)) >= 60 and max(map(len, raws)) <= 1500, \
        [len(r) for r in raws]
    wrpcap(path, frames)
    print("wrote %d frames (%d..%d bytes) to %s"
          % (n, min(map(len, raws)), max(map(len, raws)), path))


def compare(inp, out):
    a = [bytes(p) for p in rdpcap(inp)]
    b = [bytes(p) for p in rdpcap(out)]
    ok = True
    if len(a) != len(b):
        print("frame count differs: %s has %d, %s has %d"
              % (inp, len(a), out, len(b)))
        ok = False
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            where = next((k for k in range(min(len(x), len(y)))
                          if x[k] != y[k]), min(len(x), len(y)))
            print("frame %d differs (in: %d bytes, out: %d bytes, "
                  "first difference at byte %d)" % (i, len(x), len(y), where))
            ok = False
            break
    if ok:
        print("%d frames identical, in order" % len(a))
    return 0 if ok else 1


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 200)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
