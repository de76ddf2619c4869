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
(esp_common.py's, as esp_interop.py's; packets, SAs and checks shared)
two directions are checked:
  (a) PMD egress -> scapy: the NIC encrypts 20 packets (TX_SEC_OFFLOAD +
      rte_security_set_pkt_metadata); every ESP packet is checked on the
      wire (outer header, tunnel TTL/hop limit 64, Ethernet addresses kept,
      NAT-T UDP header, SPI, SN, IV = 64-bit SN for AEAD, fresh CBC IVs,
      ICV, RFC 4303 padding, next header) and scapy's SecurityAssociation
      must decrypt it back to the original IP packet, byte for byte
      (esp_common.dir_out).
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

The scapy 2.5.0 workarounds are esp_common.py's (see its module doc):
NAT-T over IPv4 UDP length repaired, transport-mode NAT-T handed to scapy
without its UDP header, ESN + HMAC ICVs computed with python3-cryptography.

The last line is "N passed, N failed"; exit status is non-zero on any
failure. Nothing is skipped: missing modules are failures.
"""
import os
import sys

import esp_common as ec   # exits with "0 passed, 1 failed" if no scapy
from esp_common import ETH, check, ip_of
from scapy.all import Ether, rdpcap

SPI_BASE = 0x3000


class PmdCase(ec.Case):
    SPI_BASE = SPI_BASE
    DIR_WORDS = {"out": "egress", "in": "ingress"}

    def own_args(self, direction):
        if not self.esn:
            return []
        # esn.value: the first SN (egress); one above the replay window's
        # initial top (ingress)
        return ["--esn-start", str(self.seq_start + 1)]


def eth_kept(path):
    """(index, bytes) of each frame of path, checked first to carry the
    Ethernet addresses of the input frames."""
    for i, f in enumerate(rdpcap(path)):
        b = bytes(f)
        e = Ether(b)
        check((e.src, e.dst) == (ETH["src"], ETH["dst"]),
              "packet %d: Ethernet addresses %s -> %s" % (i, e.src, e.dst))
        yield i, b


def egress(case, tool, tmp, plain):
    """(a) the PMD encrypts, scapy decrypts (esp_common's checks), plus
    what is the NIC's own: Ethernet header kept, tunnel TTL/hop limit."""
    ec.dir_out(case, tool, tmp, plain)
    for i, b in eth_kept(os.path.join(tmp, "a_out.pcap")):
        if case.mode == "tunnel":
            o = ip_of(b[14:])
            hl = o.ttl if o.version == 4 else o.hlim
            check(hl == 64, "packet %d: outer TTL/hop limit %d, the SA "
                  "says 64" % (i, hl))


def ingress(case, tool, tmp, plain):
    """(b) scapy encrypts, the PMD decrypts."""
    # The forgery under a fresh SN: the NIC checks the window first (RFC
    # 4303 3.4.3), so a copy of a packet it accepted would be a replay,
    # not an ICV failure.
    err, pout, order = ec.scapy_in(case, tool, tmp, plain,
                                   fresh_forgery=True)
    fails = ec.stderr_lines(err, "packet ")
    want = ["packet %d: RX_SEC_OFFLOAD_FAILED" % len(order),
            "packet %d: RX_SEC_OFFLOAD_FAILED" % (len(order) + 1)]
    check(fails == want, "the PMD's failures %s, expected %s\n  stderr: %s"
          % (fails, want, err.strip()[-2000:]))
    xs = ec.stderr_lines(err, "xstat ")
    want_xs = ["xstat rx_sec_icv_fail=1", "xstat rx_sec_replay=1"]
    check(xs == want_xs, "the PMD's error xstats %s, expected %s"
          % (xs, want_xs))
    ec.check_delivered(case, pout, plain, order, "the PMD")
    list(eth_kept(pout))


def main():
    args = ec.parse_args()
    cases = [PmdCase(idx, c, lay, esn, natt)
             for idx, (_, c, _, lay, esn, natt) in enumerate(ec.matrix())]
    # no ',' in the paths: they are devargs
    return ec.run_cases(args, cases, (("pmd->scapy", egress),
                                      ("scapy->pmd", ingress)),
                        "dpsec-interop-pmd.")


if __name__ == "__main__":
    sys.exit(main())
