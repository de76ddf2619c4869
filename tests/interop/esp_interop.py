#!/usr/bin/python3
"""dpsec ESP <-> scapy ESP interop (Debian's python3-scapy 2.5.0).

Usage: /usr/bin/python3 esp_interop.py /path/to/dpsec-esp-tool
       [--filter SUBSTR] [--backend mb|openssl|alternate] [-j JOBS] [-v]

For every case of the matrix
  cipher  x  mode/IP layout  x  ESN off/on  x  NAT-T off/on
  ciphers: AES-GCM-128, AES-GCM-256, CHACHA20-POLY1305,
           AES-CBC-128 + HMAC-SHA1-96, AES-CBC-256 + HMAC-SHA-256-128,
           NULL + HMAC-SHA-256-128
  layouts: tunnel 4in4, 6in6, 4in6, 6in4; transport v4, v6
two directions are checked:
  (a) out: dpsec-esp-tool --dir out encrypts 20 packets; every ESP packet
      is checked on the wire (outer header, NAT-T UDP header, SPI, SN,
      IV = 64-bit SN for AEAD, fresh IVs for CBC, ICV, RFC 4303 default
      padding 1,2,3.., minimal pad length, next header) and scapy's
      SecurityAssociation must decrypt it back to the original IP packet,
      byte for byte.
  (b) in: scapy encrypts the same packets (its own random AEAD/CBC IVs,
      sequence numbers set explicitly, mildly reordered within the replay
      window), plus one tampered packet and one replay; dpsec-esp-tool
      --dir in must deliver exactly the originals and drop the tampered
      one as AUTH and the replay as REPLAY.

ESN runs start at 2^32 - 10, so the 64-bit sequence numbers cross from
high bits 0 to high bits 1 in the middle of the 20 packets (scapy gets
esn=<high bits> per packet); dpsec's inbound SA gets the same seq_start as
its replay window's initial top. Crypto backends (IPsec-MB, OpenSSL)
alternate over the cases so that each meets every ESN/NAT-T/layout.

The matrix, the packets, the checks of (a) and the scapy 2.5.0
workarounds (NAT-T UDP length, transport-mode NAT-T decap, ESN + HMAC
ICVs) are esp_common.py's, shared with pmd_interop.py.

The last line is "N passed, N failed"; exit status is non-zero on any
failure. Nothing is skipped: missing modules are failures.
"""
import sys

import esp_common as ec   # exits with "0 passed, 1 failed" if no scapy
from esp_common import check

SPI_BASE = 0x1000


class DpsecCase(ec.Case):
    SPI_BASE = SPI_BASE

    def own_args(self, direction):
        # Inbound, seq_start is the replay window's initial top, which ESN
        # inference needs near the numbers that arrive (RFC 4303 A2.1).
        return ["--backend", self.backend,
                "--seq-start", str(self.seq_start)]


def dir_in(case, tool, tmp, plain):
    """(b) scapy encrypts, dpsec decrypts."""
    # One burst of 22: with ESN it crosses 2^32 inside the burst.
    err, pout, order = ec.scapy_in(case, tool, tmp, plain,
                                   fresh_forgery=False)
    fails = ec.stderr_lines(err, "packet ")
    want = ["packet %d: AUTH: ICV verification failed" % len(order),
            "packet %d: REPLAY: replayed or left of the window"
            % (len(order) + 1)]
    check(fails == want, "dpsec's drops %s, expected %s\n  stderr: %s"
          % (fails, want, err.strip()[-2000:]))
    ec.check_delivered(case, pout, plain, order, "dpsec")


def main():
    args = ec.parse_args(lambda ap: ap.add_argument(
        "--backend", default="alternate",
        choices=["mb", "openssl", "alternate"],
        help="alternate: IPsec-MB and OpenSSL on alternate cases (default)"))
    cases = []
    for idx, (ci, c, li, lay, esn, natt) in enumerate(ec.matrix()):
        if args.backend == "alternate":
            # every cipher x layout x ESN x NAT-T combination meets each
            # backend in some case
            be = ("mb", "openssl")[(ci + li + esn + natt) % 2]
        else:
            be = args.backend
        cases.append(DpsecCase(idx, c, lay, esn, natt, be))
    return ec.run_cases(args, cases, (("dpsec->scapy", ec.dir_out),
                                      ("scapy->dpsec", dir_in)),
                        "dpsec-interop-scapy.")


if __name__ == "__main__":
    sys.exit(main())
