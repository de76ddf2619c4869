#!/usr/bin/python3
"""dpsec-ipsec-gw under hostile traffic (doc/ipsec_gw.md, "Forwarding"):
valid ESP (scapy's) mixed with its replays, unknown SPIs, forged ICVs,
truncated and garbage ESP, NAT-T garbage, clear packets that policy wants
protected, malformed IPv4, non-IP and runt frames, and random bytes, on
the gateway's unprotected port (a pcap wire). Checked: the gateway exits
0 with all mbufs back (no crash, no leak: run it under ASan too); exactly
the valid packets come out, each once and intact; every other frame is
counted once as dropped, with the reasons expected for the kinds whose
reason is certain; the counters balance (received = sent + dropped).
Also: lifetimes' events, a stop under a flood that never ends, and
--reassemble's fragmentation of ESP packets over the MTU.

  gw_bad_traffic.py <dpsec-ipsec-gw>
"""
import os
import random
import re
import subprocess
import sys
import tempfile

from scapy.all import (ARP, IP, UDP, Ether, IPv6, IPv6ExtHdrFragment,  # noqa
                       Raw, defragment, fragment, fragment6, rdpcap, wrpcap)
from scapy.layers.ipsec import ESP, SecurityAssociation

GW = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="dpsec-gw-bad-")
KEY = bytes(range(0x10, 0x24))          # AES-128 key + 4-byte salt
KEYS = ":".join("%02x" % b for b in KEY)
CFG = f"""sa in 1001 aead_algo aes-128-gcm aead_key {KEYS} mode ipv4-tunnel \\
src 198.51.100.1 dst 192.0.2.1 replay_window 256
sa in 1002 aead_algo aes-128-gcm aead_key {KEYS} mode ipv4-tunnel \\
src 198.51.100.1 dst 192.0.2.1 udp-encap replay_window 64
sa in 1003 aead_algo aes-128-gcm aead_key {KEYS} mode ipv6-tunnel \\
src 2001:db8:2::1 dst 2001:db8:1::1 replay_window 64
sa out 2002 aead_algo aes-128-gcm aead_key {KEYS} mode ipv4-tunnel \\
src 192.0.2.1 dst 198.51.100.1
sp ipv4 in esp protect 1001 pri 1 src 10.2.0.0/16 dst 10.1.0.0/16
sp ipv4 in esp protect 1002 pri 2 src 10.3.0.0/16 dst 10.1.0.0/16
sp ipv4 in esp protect 1003 pri 3 src 10.4.0.0/16 dst 10.1.0.0/16
sp ipv4 out esp protect 2002 pri 1 dst 10.9.0.0/16
rt ipv4 dst 10.1.0.0/16 port 1
rt ipv4 dst 198.51.100.0/24 port 0
"""
rnd = random.Random(4303)
ETH = Ether(src="02:00:00:00:00:01", dst="02:53:49:4d:00:00")


def run_gw(port0, port1, cfg, *opts, timeout=120):
    """The gateway on two sim_inline pcap-wired ports (their devargs after
    "wire=pcap,"), port 0 unprotected; its output, printed."""
    cmd = [GW, "--no-huge", "--no-pci", "-m", "512", "--no-shconf",
           "-l", "0,1", "--log-level=lib.eal:warning",
           "--vdev=net_sim_inline0,wire=pcap," + port0,
           "--vdev=net_sim_inline1,wire=pcap," + port1,
           "--", "-p", "0x3", "-u", "0x1", "-f", cfg, "--stats", "0"] + \
        list(opts)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    print(r.stdout + r.stderr)
    return r


def inner(i, src="10.2.0.1"):
    p = IP(src=src, dst="10.1.0.%d" % (1 + i % 200), id=i) / \
        UDP(sport=1000 + i, dport=9) / Raw(b"ok-%05d|" % i + bytes(20 + i % 300))
    return IP(bytes(p))


def main():
    sa = SecurityAssociation(ESP, spi=1001, crypt_algo="AES-GCM",
                             crypt_key=KEY, auth_algo="NULL",
                             tunnel_header=IP(src="198.51.100.1",
                                              dst="192.0.2.1"))
    natt = SecurityAssociation(ESP, spi=1002, crypt_algo="AES-GCM",
                               crypt_key=KEY, auth_algo="NULL",
                               nat_t_header=UDP(sport=4500, dport=4500),
                               tunnel_header=IP(src="198.51.100.1",
                                                dst="192.0.2.1"))
    frames, good = [], []
    want = {}

    def add(kind, pkt, n=1):
        frames.append(pkt)
        want[kind] = want.get(kind, 0) + n

    valid = []
    for i in range(60):
        p = inner(i)
        e = sa.encrypt(p, seq_num=i + 1)
        valid.append(e)
        good.append(bytes(p))
        add("valid", ETH / e)
    for i in range(20):                        # NAT-T, valid
        p = inner(1000 + i, src="10.3.0.1")
        good.append(bytes(p))
        e = natt.encrypt(p, seq_num=i + 1)
        e[UDP].len = None           # scapy leaves the header's 8 there
        e[UDP].chksum = 0
        add("valid", ETH / IP(bytes(e)))
    sa6 = SecurityAssociation(ESP, spi=1003, crypt_algo="AES-GCM",
                              crypt_key=KEY, auth_algo="NULL",
                              tunnel_header=IPv6(src="2001:db8:2::1",
                                                 dst="2001:db8:1::1"))
    for i in range(10):                        # fragmented ESP, v4 and v6
        p = inner(2000 + i)
        p = IP(bytes(IP(src="10.2.0.9", dst="10.1.0.9", id=2000 + i) /
                     UDP(sport=5, dport=6) / Raw(bytes(range(256)) * 4)))
        good.append(bytes(p))
        e = sa.encrypt(p, seq_num=61 + i)
        e.id = 3000 + i
        for fr in fragment(IP(bytes(e)), fragsize=304):
            add("fragments", ETH / fr)
        p6 = IP(bytes(IP(src="10.4.0.9", dst="10.1.0.9", id=2100 + i) /
                      UDP(sport=5, dport=6) / Raw(bytes(range(200)) * 4)))
        good.append(bytes(p6))
        e6 = sa6.encrypt(p6, seq_num=1 + i)
        unf = IPv6(src=e6.src, dst=e6.dst) / \
            IPv6ExtHdrFragment(nh=50, id=0x4000 + i) / Raw(bytes(e6[ESP]))
        for fr in fragment6(unf, 400):
            add("fragments", ETH / fr)
    for e in valid[:40]:                       # replays
        add("REPLAY", ETH / e)
    for i in range(30):                        # unknown SPI
        e = SecurityAssociation(ESP, spi=0x7777 + i, crypt_algo="AES-GCM",
                                crypt_key=KEY, auth_algo="NULL",
                                tunnel_header=IP(src="198.51.100.1",
                                                 dst="192.0.2.1"))
        add("NO_SA", ETH / e.encrypt(inner(i), seq_num=1))
    for i in range(30):                        # forged ICV
        e = bytearray(bytes(sa.encrypt(inner(i), seq_num=200 + i)))
        e[-1] ^= 0x5a
        add("AUTH", ETH / IP(bytes(e)))
    for i in range(20):                        # ESP header only, or less
        add("TRUNCATED", ETH / IP(src="198.51.100.1", dst="192.0.2.1",
                                  proto=50) / Raw(bytes([0, 0, 3, 0xe9, 0, 0, 0, i + 1])[:4 + i % 5]))
    for i in range(20):                        # clear, but policy protects
        add("POLICY", ETH / inner(i))
    for i in range(20):                        # not IP
        add("not-ip", ETH / ARP(psrc="192.0.2.9", pdst="192.0.2.1"))
    for i in range(30):                        # NAT-T port, garbage
        add("garbage", ETH / IP(src="198.51.100.1", dst="192.0.2.1") /
            UDP(sport=4500, dport=4500) /
            Raw(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 80)))))
    for i in range(30):                        # ESP, random body
        add("garbage", ETH / IP(src="198.51.100.1", dst="192.0.2.1",
                                proto=50) /
            Raw(bytes([0, 0, 3, 0xe9]) + bytes(rnd.getrandbits(8) for _ in range(rnd.randint(4, 200)))))
    for i in range(30):                        # malformed IPv4 headers
        h = bytearray(bytes(IP(src="198.51.100.1", dst="192.0.2.1",
                               proto=50) / Raw(bytes(40))))
        h[0] = 0x40 | (i % 5)                  # IHL 0..4
        if i % 2:
            h[2:4] = (9999).to_bytes(2, "big")  # longer than the frame
        add("garbage", ETH / Raw(bytes(h)))
        frames[-1].type = 0x0800
    for i in range(100):                       # random bytes, IPv4/6 type
        body = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 120)))
        f = Ether(src="02:00:00:00:00:01", dst="02:53:49:4d:00:00",
                  type=0x0800 if i % 2 else 0x86dd) / Raw(body)
        add("garbage", f)
    # Shuffled: each SA's valid packets (60 and 20, seq 1..) arrive out of
    # order, which a window of 64 takes; their replays may come first, and
    # then the original is the one dropped as a replay - either way one
    # copy of each is delivered.
    rnd.shuffle(frames)
    inp = os.path.join(TMP, "in.pcap")
    out0 = os.path.join(TMP, "out0.pcap")
    out1 = os.path.join(TMP, "out1.pcap")
    wrpcap(inp, frames)
    # port 1: 5 packets that fit the MTU once protected, 5 that do not
    inp1 = os.path.join(TMP, "in1.pcap")
    wrpcap(inp1, [ETH / IP(src="10.1.0.1", dst="10.9.0.1", id=i) /
                  UDP(sport=8, dport=8) /
                  Raw(bytes(1000 if i % 2 == 0 else 1460)) for i in range(10)])
    cfg = os.path.join(TMP, "gw.cfg")
    with open(cfg, "w") as f:
        f.write(CFG)
    r = run_gw("rx_pcap=%s,tx_pcap=%s" % (inp, out0),
               "rx_pcap=%s,tx_pcap=%s" % (inp1, out1), cfg,
               "--idle-exit", "700", "--seconds", "60",
               "--capture", os.path.join(TMP, "drops.pcapng"))
    fails = []
    if r.returncode != 0:
        fails.append("exit status %d" % r.returncode)
    if "mbufs: all" not in r.stdout:
        fails.append("mbufs not all back")
    m = re.search(r"^\s+0 unprotected\s+(\d+)\s+\S+\s+(\d+)\s+\S+\s+(\d+)$",
                  r.stdout, re.M)
    rx, tx0, dropped = (int(x) for x in m.groups()) if m else (0, 0, 0)
    m1 = re.search(r"^\s+1 protected\s+\d+\s+\S+\s+(\d+)", r.stdout, re.M)
    tx1 = int(m1.group(1)) if m1 else -1
    out = [bytes(f.payload) for f in rdpcap(out1)] if os.path.exists(out1) else []
    if tx0 != 5:
        fails.append("port 0 sent %d ESP frames, want the 5 that fit" % tx0)
    if not re.search(r"^drops of rx port 1: mtu=5$", r.stdout, re.M):
        fails.append("port 1: no 'mtu=5' drops")
    nfrag = want["fragments"]
    m = re.search(r"^port 0: (\d+) fragments in: (\d+) merged into (\d+) "
                  r"packets, (\d+) dropped \(frag\), (\d+) waiting$",
                  r.stdout, re.M)
    fin, merged, reass, _, waiting = (int(x) for x in m.groups()) \
        if m else (0, 0, 0, 0, 0)
    # the 70 fragments of the 20 valid packets, and garbage that looked
    # like fragments
    if reass != 20 or merged < nfrag or fin < nfrag:
        fails.append("port 0: fragments %s, want %d in 20 packets"
                     % (m.groups() if m else None, nfrag))
    if sorted(out) != sorted(good):
        fails.append("delivered %d packets, want the %d valid ones intact"
                     % (len(out), len(good)))
    if tx1 != len(good):
        fails.append("port 1 tx %d, want %d" % (tx1, len(good)))
    # fragments: nfrag frames in, 20 packets on
    if rx != len(frames) or rx != tx1 + dropped + merged - reass + waiting:
        fails.append("counters: rx %d (sent %d), tx %d + dropped %d + "
                     "fragments %d merged into 20"
                     % (rx, len(frames), tx1, dropped, nfrag))
    line = re.search(r"^drops of rx port 0:(.*)$", r.stdout, re.M)
    reasons = dict(kv.split("=") for kv in line.group(1).split()) if line else {}
    for k in ("REPLAY", "NO_SA", "AUTH", "POLICY", "not-ip"):
        if int(reasons.get(k, 0)) < want[k]:
            fails.append("%s drops %s, want at least %d" %
                         (k, reasons.get(k, 0), want[k]))
    all_reasons = {}
    for ln in re.findall(r"^drops of rx port \d:(.*)$", r.stdout, re.M):
        for kv in ln.split():
            k, v = kv.split("=")
            all_reasons[k] = str(int(all_reasons.get(k, 0)) + int(v))
    fails += capture_check(all_reasons,
                           sum(int(v) for v in all_reasons.values()))
    fails += lifetimes()
    fails += flood_stop()
    fails += fragment_out()
    for f in fails:
        print("FAIL: " + f)
    print("reasons: %s" % reasons)
    return 1 if fails else 0


def capture_check(reasons, dropped):
    """--capture: every dropped frame in the pcapng, its reason as the
    comment, as tshark reads it."""
    fails = []
    r = subprocess.run(["tshark", "-r", os.path.join(TMP, "drops.pcapng"),
                        "-T", "fields", "-e", "frame.comment"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return ["tshark cannot read the capture: " + r.stderr[-300:]]
    comments = [c for c in r.stdout.splitlines() if c]
    if len(comments) != dropped:
        fails.append("capture: %d frames, %d dropped" % (len(comments),
                                                       dropped))
    count = {}
    for c in comments:
        m = re.match(r"drop: (\S+): .+", c)
        if not m:
            fails.append("capture: comment '%s'" % c)
            continue
        count[m.group(1)] = count.get(m.group(1), 0) + 1
    if {k: str(v) for k, v in count.items()} != reasons:
        fails.append("capture: reasons %s, counters %s" % (count, reasons))
    return fails


def lifetimes():
    """An outbound SA with soft/hard packet limits: the events are logged
    as they happen, it stops at the hard limit, the rest counted."""
    cfg = os.path.join(TMP, "life.cfg")
    with open(cfg, "w") as f:
        f.write(f"""sa out 2001 aead_algo aes-128-gcm aead_key {KEYS} \\
mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1 soft_packets 10 hard_packets 20
sp ipv4 out esp protect 2001 pri 1 dst 10.2.0.0/16
rt ipv4 dst 198.51.100.0/24 port 0
""")
    inp = os.path.join(TMP, "life.pcap")
    wrpcap(inp, [ETH / IP(src="10.1.0.1", dst="10.2.0.1", id=i) /
                 UDP(sport=7, dport=7) / Raw(bytes(30)) for i in range(30)])
    r = run_gw("tx_pcap=" + os.path.join(TMP, "life0.pcap"),
               "rx_pcap=" + inp, cfg,
               "--idle-exit", "700", "--seconds", "60", "--burst", "1")
    fails = []
    for want in ("event: sa out 2001: soft-expired (rekey now)",
                 "event: sa out 2001: hard-expired (stopped)",
                 "SA events: soft-expired 1 hard-expired 1 seq-exhausted 0",
                 "drops of rx port 1: SA_DEAD=10", "mbufs: all"):
        if want not in r.stdout:
            fails.append("lifetimes: no '%s'" % want)
    out = rdpcap(os.path.join(TMP, "life0.pcap"))
    if len(out) != 20:
        fails.append("lifetimes: %d ESP frames, want 20" % len(out))
    return fails


def fragment_out():
    """--reassemble (ipsec-secgw's option): the ESP packets over the MTU
    leave as IPv4 fragments instead of being dropped; scapy puts them
    together and decrypts each to the packet that went in."""
    inp = os.path.join(TMP, "in1.pcap")           # main()'s port 1 file
    out = os.path.join(TMP, "frag0.pcap")
    empty = os.path.join(TMP, "empty.pcap")
    wrpcap(empty, [], linktype=1)
    cfg = os.path.join(TMP, "gw.cfg")
    r = run_gw("rx_pcap=%s,tx_pcap=%s" % (empty, out), "rx_pcap=" + inp,
               cfg, "--idle-exit", "700", "--seconds", "60",
               "--reassemble", "64")
    fails = []
    if r.returncode != 0 or "mbufs: all" not in r.stdout:
        fails.append("fragment: exit status %d or mbufs not all back"
                     % r.returncode)
    if not re.search(r"^port 0: 5 packets over the MTU sent as 10 "
                     r"fragments$", r.stdout, re.M):
        fails.append("fragment: no 'port 0: 5 packets over the MTU sent as "
                     "10 fragments'")
    if re.search(r"^drops of rx port 1:", r.stdout, re.M):
        fails.append("fragment: drops on port 1")
    frames = rdpcap(out) if os.path.exists(out) else []
    if any(len(f) > 1514 for f in frames):
        fails.append("fragment: a frame over the MTU")
    sa = SecurityAssociation(ESP, spi=2002, crypt_algo="AES-GCM",
                             crypt_key=KEY, auth_algo="NULL",
                             tunnel_header=IP(src="192.0.2.1",
                                              dst="198.51.100.1"))
    got = sorted(bytes(sa.decrypt(p)) for p in
                 defragment([f[IP] for f in frames]))
    want = sorted(bytes(f[IP]) for f in rdpcap(inp))
    if got != want:
        fails.append("fragment: %d packets decrypted from %d frames, want "
                     "the 10 sent, intact" % (len(got), len(frames)))
    return fails


def flood_stop():
    """A stop under traffic that never ends (the clear port replays its
    file without end, infinite_rx): the stop still comes, within the
    drain's 1 s bound, with every mbuf back."""
    cfg = os.path.join(TMP, "flood.cfg")
    with open(cfg, "w") as f:
        f.write(f"""sa out 2001 aead_algo aes-128-gcm aead_key {KEYS} \\
mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1
sp ipv4 out esp protect 2001 pri 1 dst 10.2.0.0/16
rt ipv4 dst 198.51.100.0/24 port 0
""")
    inp = os.path.join(TMP, "flood.pcap")
    wrpcap(inp, [ETH / IP(src="10.1.0.1", dst="10.2.0.1", id=i) /
                 UDP(sport=7, dport=7) / Raw(bytes(30)) for i in range(64)])
    empty = os.path.join(TMP, "empty.pcap")
    wrpcap(empty, [], linktype=1)
    r = run_gw("rx_pcap=" + empty, "rx_pcap=%s,infinite_rx=1" % inp, cfg,
               "--seconds", "1", timeout=60)
    fails = []
    if r.returncode != 0:
        fails.append("flood: exit status %d" % r.returncode)
    for want in ("(traffic still arriving after 1 s: the port stop "
                 "discards the rest)", "mbufs: all"):
        if want not in r.stdout:
            fails.append("flood: no '%s'" % want)
    m = re.search(r"^\s+0 unprotected\s+\d+\s+\S+\s+(\d+)", r.stdout, re.M)
    if not m or int(m.group(1)) < 1000:
        fails.append("flood: port 0 sent %s ESP frames, want a flood"
                     % (m.group(1) if m else None))
    return fails


if __name__ == "__main__":
    sys.exit(main())
