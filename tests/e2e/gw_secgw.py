#!/usr/bin/python3
"""DPDK 22.11 ipsec-secgw's own sample pair, ep0.cfg and ep1.cfg, unmodified,
on two dpsec-ipsec-gw instances back to back (doc/ipsec_gw.md).

Each gateway has four sim_inline ports on pcap wires, as secgw's guide
wires them (-p 0xf -u 0x3: ESP on ports 0 and 1, clear on 2 and 3). The
wires are files, so the two gateways run one after the other:

  run A1 (ep0): clear frames in on ports 2/3   -> ESP out on ports 0/1
  run B  (ep1): A1's ESP in on 0/1 and clear in on 2/3
                -> decrypted out on 2/3, ESP out on 0/1
  run A2 (ep0): B's ESP in on 0/1              -> decrypted out on 2/3

Checked, both directions, IPv4 and IPv6 inner and outer, tunnel and
transport, AES-128-CBC + HMAC-SHA1-96:
- scapy's ESP (an independent implementation) decrypts every ESP frame a
  gateway sent back to the clear packet that went in;
- every protected and bypassed packet leaves the far gateway on the port
  ep1/ep0's routes name, byte for byte as it was sent;
- the flows of the six null/null SAs (RFC 4303 3.2 forbids them: the
  gateway refuses the file unless --skip-bad-sa, and then their policies
  discard) and a flow no policy covers are dropped and counted, never sent;
- each gateway's final counters balance and its mbufs all come back.

  gw_secgw.py <dpsec-ipsec-gw> <DPDK source dir>
"""
import os
import re
import subprocess
import sys
import tempfile

from scapy.all import IP, IPv6, UDP, Ether, Raw, rdpcap, wrpcap  # noqa
from scapy.layers.ipsec import ESP, SecurityAssociation

GW = sys.argv[1]
SECGW = os.path.join(sys.argv[2], "examples", "ipsec-secgw")
TMP = tempfile.mkdtemp(prefix="dpsec-gw-secgw-")
N = 12                                  # packets per flow

# ep0/ep1's keys (the files' own bytes).
def key(b, n):
    return bytes([b]) * n

SAS = {  # spi: (key byte, mode, outer src, outer dst) as ep0 sends them
    5: (0x00, "tunnel", "172.16.1.5", "172.16.2.5"),
    6: (0xa0, "tunnel", "172.16.1.6", "172.16.2.6"),
    10: (0xa1, "transport", None, None),
    11: (0xb2, "transport", None, None),
    25: (0xc3, "tunnel", "1111:1111:1111:1111:1111:1111:1111:5555",
         "2222:2222:2222:2222:2222:2222:2222:5555"),
    26: (0x4d, "tunnel", "1111:1111:1111:1111:1111:1111:1111:6666",
         "2222:2222:2222:2222:2222:2222:2222:6666"),
}
# ep1 sends with spi+100, endpoints swapped, same keys.
for spi in list(SAS):
    k, mode, s, d = SAS[spi]
    SAS[spi + 100] = (k, mode, d, s)


def scapy_sa(spi):
    k, mode, s, d = SAS[spi]
    kw = dict(crypt_algo="AES-CBC", crypt_key=key(k, 16),
              auth_algo="HMAC-SHA1-96", auth_key=key(k, 20))
    if mode == "tunnel":
        kw["tunnel_header"] = IP(src=s, dst=d) if ":" not in s else \
            IPv6(src=s, dst=d)
    return SecurityAssociation(ESP, spi=spi, **kw)


# Flows: (name, inner dst, SPI that must carry it or None, far port or
# None when the near gateway must drop it, why).
A_FLOWS = [
    ("v4 sa5", "192.168.105.10", 5, 2), ("v4 sa6", "192.168.106.10", 6, 3),
    ("v4 sa10 transport", "192.168.175.10", 10, 2),
    ("v4 sa11 transport", "192.168.176.10", 11, 3),
    ("v4 sa25 v6-tunnel", "192.168.55.10", 25, 2),
    ("v4 sa26 v6-tunnel", "192.168.56.10", 26, 3),
    ("v4 bypass", "192.168.240.10", None, 2),
    ("v4 bypass", "192.168.241.10", None, 3),
    ("v4 sa15 null", "192.168.200.10", None, None),
    ("v4 no policy", "192.168.99.10", None, None),
    ("v6 sa5", "::5555:5555:0:10", 5, 2), ("v6 sa6", "::6666:6666:0:10", 6, 3),
    ("v6 sa10 transport", "0:0:1111:1111::10", 10, 2),
    ("v6 sa11 transport", "0:0:1111:1111:1111:1111:0:10", 11, 3),
    ("v6 sa25", "::aaaa:aaaa:0:10", 25, 2), ("v6 sa26", "::bbbb:bbbb:0:10", 26, 3),
]
B_FLOWS = [
    ("v4 sa105", "192.168.115.10", 105, 2), ("v4 sa106", "192.168.116.10", 106, 3),
    ("v4 sa110 transport", "192.168.185.10", 110, 2),
    ("v4 sa111 transport", "192.168.186.10", 111, 3),
    ("v4 sa125 v6-tunnel", "192.168.65.10", 125, 2),
    ("v4 sa126 v6-tunnel", "192.168.66.10", 126, 3),
    ("v4 bypass", "192.168.245.10", None, 2),
    ("v4 bypass", "192.168.246.10", None, 3),
    ("v4 sa115 null", "192.168.210.10", None, None),
    ("v6 sa110 transport", "ffff:0:1111:1111::10", 110, 2),
    ("v6 sa111 transport", "ffff:0:1111:1111:1111:1111:0:10", 111, 3),
    ("v6 sa125", "ffff::aaaa:aaaa:0:10", 125, 2),
    ("v6 sa126", "ffff::bbbb:bbbb:0:10", 126, 3),
]

failures = []


def check(ok, what, detail=""):
    if not ok:
        failures.append(what)
        print("FAIL: " + what + ("\n" + detail if detail else ""))


def flows_pkts(flows, side):
    """Clear frames per flow, alternately in on port 2 and port 3."""
    ins = {2: [], 3: []}
    for fi, (name, dst, spi, far) in enumerate(flows):
        for i in range(N):
            size = 28 + (i * 97 + fi * 31) % 1300
            tag = b"%s-%02d-%03d|" % (side, fi, i)
            payload = (tag * (size // len(tag) + 1))[:max(size, len(tag))]
            if ":" in dst:
                ip = IPv6(src="2001:db8::%x" % (fi + 1), dst=dst, hlim=64)
            else:
                ip = IP(src="192.168.%d.1" % (1 + fi), dst=dst, ttl=64,
                        id=i)
            pkt = ip / UDP(sport=1000 + fi, dport=2000 + i) / Raw(payload)
            pkt = pkt.__class__(bytes(pkt))     # checksums filled in
            # both clear ports carry every flow: with two workers, one
            # on each, every SA is used from both lcores at once
            ins[2 + (fi + i) % 2].append((fi, i, pkt))
    return ins


def frame(pkt):
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / pkt


CONFIG_1 = "(0,0,1),(0,1,1),(0,2,1),(0,3,1),(1,0,1),(2,0,1),(3,0,1)"
# Two workers on two lcores (lcore 2 shares CPU 1): the same SAs used
# from both, RSS spreading port 0's queues.
CONFIG_2 = "(0,0,1),(0,1,2),(0,2,1),(0,3,2),(1,0,2),(2,0,1),(3,0,2)"


def gw_run(name, cfg, ports, extra=(), config=CONFIG_1):
    """ports: {port: (rx pcap or None, tx pcap or None)}"""
    vdevs = []
    for p in range(4):
        rx, tx = ports[p]
        args = "net_sim_inline%d,wire=pcap" % p
        if rx:
            args += ",rx_pcap=" + rx
        if tx:
            args += ",tx_pcap=" + tx
        vdevs.append("--vdev=" + args)
    cmd = [GW, "--no-huge", "--no-pci", "-m", "512", "--no-shconf",
           "--lcores", "0@0,1@1,2@1", "--log-level=lib.eal:warning"] + \
        vdevs + \
          ["--", "-p", "0xf", "-u", "0x3", "-f", os.path.join(SECGW, cfg),
           "--config", config,
           "--stats", "0", "--idle-exit", "700", "--seconds", "60"] + \
        list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    print("== %s: %s\n%s%s" % (name, " ".join(cmd), r.stdout, r.stderr))
    return r


def write_in(path, pkts):
    wrpcap(path, [frame(p) for (_, _, p) in pkts])
    return path


def read_ip(path):
    if not os.path.exists(path):
        return []
    out = []
    for f in rdpcap(path):
        out.append(f.payload)
    return out


def port_counts(out):
    """Final per-port rx/tx from the final counters table."""
    table = out.split("-- final counters")[-1]
    res = {}
    for m in re.finditer(r"^\s+(\d)\s+(?:un)?protected\s+(\d+)\s+\S+\s+(\d+)\s+\S+\s+(\d+)$",
                         table, re.M):
        res[int(m.group(1))] = tuple(int(x) for x in m.group(2, 3, 4))
    return res


def expect_esp(flows, ins, esp_frames, side):
    """Decrypt each ESP frame with scapy: it must be one protected packet
    that went in, each exactly once."""
    sent = {}
    for port in ins:
        for fi, i, pkt in ins[port]:
            sent[bytes(pkt)] = (fi, i)
    seen = set()
    clear = 0
    for ip in esp_frames:
        inner_pl = ip.payload
        if isinstance(inner_pl, ESP) or (ip.haslayer(ESP)):
            spi = ip[ESP].spi
            if spi not in SAS:
                check(False, "%s: ESP with unknown SPI %d" % (side, spi))
                continue
            try:
                dec = scapy_sa(spi).decrypt(ip)
            except Exception as e:     # noqa: BLE001
                check(False, "%s: scapy cannot decrypt SPI %d: %s" %
                      (side, spi, e))
                continue
            key_ = bytes(dec)
            if SAS[spi][1] == "transport":
                dec = dec.__class__(bytes(dec))
                key_ = bytes(dec)
            hit = sent.get(key_)
            check(hit is not None, "%s: SPI %d decrypts to a packet never sent"
                  % (side, spi), dec.show(dump=True)[:800])
            if hit is not None:
                check(flows[hit[0]][2] == spi, "%s: flow %s went out with SPI %d"
                      % (side, flows[hit[0]][0], spi))
                check(hit not in seen, "%s: packet %s sent twice" % (side, hit))
                seen.add(hit)
        else:
            clear += 1
    want = sum(N for f in flows if f[2] is not None)
    check(len(seen) == want, "%s: %d packets went out as ESP, want %d" %
          (side, len(seen), want))
    want_clear = sum(N for f in flows if f[2] is None and f[3] is not None)
    check(clear == want_clear, "%s: %d bypass packets, want %d" %
          (side, clear, want_clear))


def expect_delivered(flows, ins, outs, side):
    """Far side: every packet of a delivered flow on its port, intact."""
    by_port = {2: [bytes(p) for p in outs[2]], 3: [bytes(p) for p in outs[3]]}
    for port in ins:
        for fi, i, pkt in ins[port]:
            far = flows[fi][3]
            raw = bytes(pkt)
            if far is None:
                for p in (2, 3):
                    check(raw not in by_port[p], "%s: flow %s (must be dropped) came out"
                          % (side, flows[fi][0]))
                continue
            check(raw in by_port[far], "%s: flow %s packet %d missing on port %d"
                  % (side, flows[fi][0], i, far))
    want = sum(N for f in flows if f[3] is not None)
    got = len(by_port[2]) + len(by_port[3])
    check(got == want, "%s: %d packets delivered, want %d" % (side, got, want))


def main():
    t = lambda n: os.path.join(TMP, n)        # noqa: E731
    a_in = flows_pkts(A_FLOWS, b"A")
    b_in = flows_pkts(B_FLOWS, b"B")

    # The file as it is: refused, with the reason, nothing applied.
    r = gw_run("ep0 without --skip-bad-sa", "ep0.cfg",
               {p: (None, t("x%d.pcap" % p)) for p in range(4)},
               ["--check"])
    check(r.returncode != 0, "ep0.cfg with null/null SAs must be refused")
    check(re.search(r"ep0\.cfg:85: sa out 15: dpsec_sa_create", r.stderr) is not None,
          "refusal names ep0.cfg:85 and SA 15", r.stderr)
    check("nothing applied" in r.stderr, "'nothing applied' missing", r.stderr)

    r = gw_run("A1 (ep0)", "ep0.cfg", {
        0: (None, t("a1_0.pcap")), 1: (None, t("a1_1.pcap")),
        2: (write_in(t("a_in2.pcap"), a_in[2]), t("a1_2.pcap")),
        3: (write_in(t("a_in3.pcap"), a_in[3]), t("a1_3.pcap"))},
        ["--skip-bad-sa"])
    check(r.returncode == 0, "A1 exit status %d" % r.returncode)
    check("ep0.cfg: 18 SAs (6 skipped), 36 policies, 26 routes" in r.stdout,
          "A1 load summary", r.stdout)
    check("mbufs: all" in r.stdout, "A1 mbufs back")
    a1 = port_counts(r.stdout)
    check(a1.get(2, (0,))[0] == len(a_in[2]) and a1.get(3, (0,))[0] == len(a_in[3]),
          "A1 rx counts %s" % a1)
    h = N // 2
    check(re.search(r"drops of rx port 2: DISCARD=%d NO_POLICY=%d$" % (h, h),
                    r.stdout, re.M) is not None and
          re.search(r"drops of rx port 3: DISCARD=%d NO_POLICY=%d$" % (h, h),
                    r.stdout, re.M) is not None,
          "A1 drops: null-SA flows DISCARD, unknown NO_POLICY", r.stdout)
    esp_a = read_ip(t("a1_0.pcap")) + read_ip(t("a1_1.pcap"))
    expect_esp(A_FLOWS, a_in, esp_a, "A->B")

    # The same with two worker lcores: scapy must find every packet once.
    r = gw_run("A1 (ep0), two workers", "ep0.cfg", {
        0: (None, t("a1w_0.pcap")), 1: (None, t("a1w_1.pcap")),
        2: (t("a_in2.pcap"), t("a1w_2.pcap")),
        3: (t("a_in3.pcap"), t("a1w_3.pcap"))},
        ["--skip-bad-sa"], config=CONFIG_2)
    check(r.returncode == 0, "A1 (2 workers) exit status %d" % r.returncode)
    check("forwarding on 2 worker lcores" in r.stdout, "A1: 2 workers")
    check("mbufs: all" in r.stdout, "A1 (2 workers) mbufs back")
    expect_esp(A_FLOWS, a_in, read_ip(t("a1w_0.pcap")) +
               read_ip(t("a1w_1.pcap")), "A->B, 2 workers")

    r = gw_run("B (ep1)", "ep1.cfg", {
        0: (t("a1_0.pcap"), t("b_0.pcap")), 1: (t("a1_1.pcap"), t("b_1.pcap")),
        2: (write_in(t("b_in2.pcap"), b_in[2]), t("b_2.pcap")),
        3: (write_in(t("b_in3.pcap"), b_in[3]), t("b_3.pcap"))},
        ["--skip-bad-sa"])
    check(r.returncode == 0, "B exit status %d" % r.returncode)
    check("mbufs: all" in r.stdout, "B mbufs back")
    expect_delivered(A_FLOWS, a_in, {2: read_ip(t("b_2.pcap")),
                                     3: read_ip(t("b_3.pcap"))}, "A->B")
    esp_b = read_ip(t("b_0.pcap")) + read_ip(t("b_1.pcap"))
    expect_esp(B_FLOWS, b_in, esp_b, "B->A")

    r = gw_run("A2 (ep0)", "ep0.cfg", {
        0: (t("b_0.pcap"), t("a2_0.pcap")), 1: (t("b_1.pcap"), t("a2_1.pcap")),
        2: (None, t("a2_2.pcap")), 3: (None, t("a2_3.pcap"))},
        ["--skip-bad-sa"])
    check(r.returncode == 0, "A2 exit status %d" % r.returncode)
    check("mbufs: all" in r.stdout, "A2 mbufs back")
    expect_delivered(B_FLOWS, b_in, {2: read_ip(t("a2_2.pcap")),
                                     3: read_ip(t("a2_3.pcap"))}, "B->A")
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("ok: ep0.cfg/ep1.cfg back to back, both directions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
