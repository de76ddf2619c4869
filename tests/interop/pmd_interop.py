#!/usr/bin/python3
"""sim_inline PMD inline IPsec <-> scapy ESP interop (Debian's
python3-scapy 2.5.0).

Usage: /usr/bin/python3 pmd_interop.py /path/to/sim-esp-tool
       [--filter SUBSTR] [-j JOBS] [-v]

sim-esp-tool runs a pcap through ONE rte_security INLINE_PROTOCOL session
of the sim_inline PMD (wire=pcap). For every case of the matrix
  cipher  x  mode/IP layout  x  ESN off/on  x  NAT-T off/on
  ciphers: AES-GCM-128, AES-GCM-256, CHACHA20-POLY1305,
           AES-CBC-128 + HMAC-SHA1-96, AES-CBC-256 + HMAC-SHA-256-128,
           NULL + HMAC-SHA-256-128
  layouts: tunnel 4in4, 6in6, 4in6, 6in4; transport v4, v6
(the same as esp_interop.py's, whose packets, SAs and checks this reuses)
two directions are checked:
  (a) PMD egress -> scapy: the NIC encrypts 20 packets (TX_SEC_OFFLOAD +
      rte_security_set_pkt_metadata); every ESP packet is checked on the
      wire (outer header, tunnel TTL/hop limit 64, Ethernet addresses kept,
      NAT-T UDP header, SPI, SN, IV = 64-bit SN for AEAD, fresh CBC IVs,
      ICV, RFC 4303 padding, next header) and scapy's SecurityAssociation
      must decrypt it back to the original IP packet, byte for byte
      (esp_interop.dir_out).
  (b) scapy -> PMD ingress: scapy encrypts the same packets (mildly
      reordered), plus one tampered packet and one replay; the NIC, with
      an rte_flow ETH / IP(dst) / ESP(SPI) -> SECURITY rule, must deliver
      exactly the originals with RX_SEC_OFFLOAD and the session userdata,
      and flag the tampered one and the replay RX_SEC_OFFLOAD_FAILED (one
      rx_sec_icv_fail, one rx_sec_replay in the xstats).

ESN runs start at 2^32 - 10 (the SA's esn.value, "first SN to use", is
2^32 - 9), so the 64-bit sequence numbers cross from high bits 0 to 1 in
the middle of the 20 packets; the ingress SA gets the same esn.value, i.e.
a replay window whose initial top is 2^32 - 10.

The scapy 2.5.0 workarounds are esp_interop.py's (see its module doc):
NAT-T over IPv4 UDP length repaired, transport-mode NAT-T handed to scapy
without its UDP header, ESN + HMAC ICVs computed with python3-cryptography.

The last line is "N passed, N failed"; exit status is non-zero on any
failure. Nothing is skipped: missing modules are failures.
"""
import argparse
import concurrent.futures
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import esp_interop as ei   # exits with "0 passed, 1 failed" if no scapy
    from esp_interop import CaseFail, check, ip_of, read_frames
    from scapy.all import UDP, Ether, rdpcap, wrpcap
    from scapy.layers.ipsec import ESP
except ImportError as e:
    print("FAIL: missing module: %s" % e)
    print("0 passed, 1 failed")
    sys.exit(1)

SPI_BASE = 0x3000
ETH = ei.ETH


class PmdCase(ei.Case):
    def __init__(self, idx, cipher, layout, esn, natt):
        super().__init__(idx, cipher, layout, esn, natt, "pmd")
        self.spi = SPI_BASE + idx

    @property
    def name(self):
        lay = ("tunnel-%din%d" % (self.inner, self.outer)
               if self.mode == "tunnel" else "transport-v%d" % self.inner)
        return "%s/%s/%s/%s" % (self.cname, lay,
                                "esn" if self.esn else "noesn",
                                "natt" if self.natt else "nonatt")

    def tool_args(self, tool, direction, pin, pout):
        a = [tool, "--dir", "egress" if direction == "out" else "ingress",
             "--mode", self.mode, "--cipher", self.dcipher,
             "--auth", self.dauth, "--spi", str(self.spi),
             "--src", self.src, "--dst", self.dst, "-i", pin, "-o", pout]
        if self.klen:
            a += ["--ckey", self.ckey.hex()]
        if self.aklen:
            a += ["--akey", self.akey.hex()]
        if self.esn:
            # esn.value: the first SN (egress); one above the replay
            # window's initial top (ingress)
            a += ["--esn", "--esn-start", str(self.seq_start + 1)]
        if self.natt and direction == "out":
            a += ["--natt", "%d:%d" % (ei.NATT_SPORT, ei.NATT_DPORT)]
        elif self.natt:
            # ingress: the ports as the packets carry them, dport is ours
            a += ["--natt", "%d:%d" % (ei.NATT_DPORT, ei.NATT_SPORT)]
        if direction == "in":
            a += ["--window", "64"]
        return a


def egress(case, tool, tmp, plain):
    """(a) the PMD encrypts, scapy decrypts (esp_interop's checks), plus
    what is the NIC's own: Ethernet header kept, tunnel TTL/hop limit."""
    ei.dir_out(case, tool, tmp, plain)
    for i, f in enumerate(rdpcap(os.path.join(tmp, "a_out.pcap"))):
        b = bytes(f)
        e = Ether(b)
        check((e.src, e.dst) == (ETH["src"], ETH["dst"]),
              "packet %d: Ethernet addresses %s -> %s" % (i, e.src, e.dst))
        if case.mode == "tunnel":
            o = ip_of(b[14:])
            hl = o.ttl if o.version == 4 else o.hlim
            check(hl == 64, "packet %d: outer TTL/hop limit %d, the SA "
                  "says 64" % (i, hl))


def ingress(case, tool, tmp, plain):
    """(b) scapy encrypts, the PMD decrypts."""
    sa = case.scapy_sa(True)
    order = list(range(len(plain)))
    for i in range(0, len(order) - 1, 4):    # mild reordering
        order[i], order[i + 1] = order[i + 1], order[i]
    def seal(i, seq64):
        sa.seq_num = seq64 & 0xffffffff   # scapy treats seq_num=0 as unset
        sa.esn = seq64 >> 32
        e = sa.encrypt(ip_of(plain[i]), esn_en=case.esn, esn=seq64 >> 32)
        if case.esn and case.aead is None:
            e[ESP].data += case.hmac_icv(bytes(e[ESP]), seq64)
            e = ei.fix_lengths(e)
        elif case.natt and case.outer == 4:
            e = ei.fix_lengths(e)
        e = ip_of(bytes(e))
        if case.natt:
            check(e[UDP].len == len(e[UDP]), "harness: UDP length %d != %d"
                  % (e[UDP].len, len(e[UDP])))
        return bytes(e)

    enc = [seal(i, case.seq(i)) for i in order]
    # A forgery (one ciphertext bit flipped) under a fresh SN: the NIC
    # checks the window first (RFC 4303 3.4.3), so a copy of a packet it
    # accepted would be a replay, not an ICV failure. Then a replay of
    # the first packet.
    forged = bytearray(seal(len(plain) - 1, case.seq(len(plain))))
    forged[len(forged) - case.icv - 3] ^= 0x01
    frames = enc + [bytes(forged), enc[0]]
    pin, pout = os.path.join(tmp, "b_in.pcap"), os.path.join(tmp, "b_out.pcap")
    wrpcap(pin, [Ether(**ETH) / ip_of(b) for b in frames])
    # exit status 1: two packets failed, as they must
    _, err = ei.run_tool(case.tool_args(tool, "in", pin, pout), expect_rc=1)
    fails = sorted(l for l in err.splitlines() if l.startswith("packet "))
    want = ["packet %d: RX_SEC_OFFLOAD_FAILED" % len(enc),
            "packet %d: RX_SEC_OFFLOAD_FAILED" % (len(enc) + 1)]
    check(fails == want, "the PMD's failures %s, expected %s\n  stderr: %s"
          % (fails, want, err.strip()[-2000:]))
    xs = sorted(l for l in err.splitlines() if l.startswith("xstat "))
    want_xs = ["xstat rx_sec_icv_fail=1", "xstat rx_sec_replay=1"]
    check(xs == want_xs, "the PMD's error xstats %s, expected %s"
          % (xs, want_xs))
    dec = read_frames(pout)
    check(len(dec) == len(enc), "the PMD delivered %d packets, expected %d"
          % (len(dec), len(enc)))
    for k, (d, i) in enumerate(zip(dec, order)):
        if d != plain[i]:
            raise CaseFail("packet %d (SN %#x): the PMD's plaintext differs "
                           "from the original\n  got  %s\n  want %s"
                           % (k, case.seq(i), d.hex(), plain[i].hex()))
    for k, f in enumerate(rdpcap(pout)):
        e = Ether(bytes(f))
        check((e.src, e.dst) == (ETH["src"], ETH["dst"]),
              "packet %d: Ethernet addresses %s -> %s" % (k, e.src, e.dst))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--filter", default="")
    ap.add_argument("-j", "--jobs", type=int, default=2,
                    help="cases run at once (default 2)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    tool = os.path.abspath(args.tool)
    if not os.access(tool, os.X_OK):
        print("FAIL: %s is not an executable" % tool)
        print("0 passed, 1 failed")
        return 1

    cases = []
    idx = 0
    for c in ei.CIPHERS:
        for lay in ei.LAYOUTS:
            for esn in (False, True):
                for natt in (False, True):
                    cases.append(PmdCase(idx, c, lay, esn, natt))
                    idx += 1

    def run_case(case):
        res = []
        d = tempfile.mkdtemp(prefix="case%03d." % case.idx, dir=tmp)
        plain = case.packets()
        for what, fn in (("pmd->scapy", egress), ("scapy->pmd", ingress)):
            label = "%s %s" % (what, case.name)
            try:
                fn(case, tool, d, plain)
            except CaseFail as ex:
                res.append((label, str(ex)))
            except Exception as ex:   # a bug here is a failure too
                res.append((label, repr(ex)))
            else:
                res.append((label, None))
        shutil.rmtree(d, ignore_errors=True)
        return res

    todo = [c for c in cases if args.filter in c.name]
    # no ',' in the paths: they are devargs
    tmp = tempfile.mkdtemp(prefix="dpsec-interop-pmd.")
    passed = failed = 0
    t0 = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            for res in ex.map(run_case, todo):
                for label, err in res:
                    if err is None:
                        passed += 1
                        if args.verbose:
                            print("ok: %s" % label, flush=True)
                    else:
                        failed += 1
                        print("FAIL: %s: %s" % (label, err), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("elapsed %.1fs" % (time.monotonic() - t0))
    if passed + failed == 0:
        print("FAIL: no case matched --filter %r" % args.filter)
        failed = 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
