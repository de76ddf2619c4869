"""What esp_interop.py (dpsec) and pmd_interop.py (the sim_inline PMD)
share: the case matrix, the packets, scapy's SA, the checks of ESP on the
wire, scapy encrypting for the tool under test, and the runner that prints
"ok: ..." / "FAIL: ..." and the final "N passed, N failed".

The matrix:
  cipher  x  mode/IP layout  x  ESN off/on  x  NAT-T off/on
  ciphers: AES-GCM-128, AES-GCM-256, CHACHA20-POLY1305,
           AES-CBC-128 + HMAC-SHA1-96, AES-CBC-256 + HMAC-SHA-256-128,
           NULL + HMAC-SHA-256-128
  layouts: tunnel 4in4, 6in6, 4in6, 6in4; transport v4, v6

ESN runs start at 2^32 - 10, so the 64-bit sequence numbers cross from
high bits 0 to high bits 1 in the middle of the 20 packets (scapy gets
esn=<high bits> per packet).

scapy 2.5.0 NAT-T over IPv4 writes a UDP length of 8 (it re-parses
IP/UDP before appending ESP): dpsec rightly drops that as BAD_UDP, so the
harness repairs the UDP length (and IPv4 checksum) before handing scapy's
packets to dpsec. For transport-mode NAT-T, scapy cannot remove the UDP
header when decrypting: the harness checks the UDP header itself and hands
scapy the equivalent IP/ESP packet.

scapy 2.5.0 limitation handled here: for ESP with a separate HMAC
(AES-CBC, NULL), scapy's AuthAlgo.sign()/verify() ignore esn_en/esn (only
AH uses them), i.e. its ICV omits the high-order SN bits that RFC 4303
2.2.1 requires. For ESN + HMAC cases the ICV is therefore computed/checked
here with python3-cryptography's HMAC over ESP || SN-high, while scapy
still does the encryption, decryption and encapsulation.

Importing this module without scapy or python3-cryptography prints a
failure and "0 passed, 1 failed" and exits 1: nothing is skipped.
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

try:
    from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest,
                           IPv6, Raw, conf, rdpcap, wrpcap)
    from scapy.layers.ipsec import ESP, SecurityAssociation
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers import (Cipher, algorithms,
                                                        modes)
    from cryptography.hazmat.primitives.ciphers.aead import (
        AESGCM, ChaCha20Poly1305)
except ImportError as e:  # never skip: the CI installs these
    print("FAIL: missing module: %s (install python3-scapy and "
          "python3-cryptography; run with /usr/bin/python3)" % e)
    print("0 passed, 1 failed")
    sys.exit(1)

conf.verb = 0
N_PKTS = 20
ESN_START = (1 << 32) - 10
NATT_SPORT, NATT_DPORT = 41234, 4500   # the tool's side; scapy binds 4500

# name, dpsec cipher, dpsec auth, scapy crypt, scapy auth, key len (incl.
# salt), auth key len, icv len, aead kind, pad alignment
CIPHERS = [
    ("aes-gcm-128", "aes-gcm-128", "none", "AES-GCM", None, 20, 0, 16,
     "gcm", 4),
    ("aes-gcm-256", "aes-gcm-256", "none", "AES-GCM", None, 36, 0, 16,
     "gcm", 4),
    ("chacha20-poly1305", "chacha20-poly1305", "none", "CHACHA20-POLY1305",
     None, 36, 0, 16, "chacha", 4),
    ("aes-cbc-128+sha1-96", "aes-cbc-128", "sha1-96", "AES-CBC",
     "HMAC-SHA1-96", 16, 20, 12, None, 16),
    ("aes-cbc-256+sha256-128", "aes-cbc-256", "sha256-128", "AES-CBC",
     "SHA2-256-128", 32, 32, 16, None, 16),
    ("null+sha256-128", "null", "sha256-128", "NULL", "SHA2-256-128", 0, 32,
     16, None, 4),
]

# mode, inner family, outer family
LAYOUTS = [
    ("tunnel", 4, 4), ("tunnel", 6, 6), ("tunnel", 4, 6), ("tunnel", 6, 4),
    ("transport", 4, 4), ("transport", 6, 6),
]

TUN_EP = {4: ("172.16.0.1", "172.16.0.2"),
          6: ("2001:db8:ffff::1", "2001:db8:ffff::2")}
HOST_EP = {4: ("10.0.0.1", "10.0.0.2"), 6: ("2001:db8::1", "2001:db8::2")}
ETH = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def matrix():
    """(cipher index, cipher, layout index, layout, esn, natt) for every
    case, in the order the cases are numbered."""
    for ci, c in enumerate(CIPHERS):
        for li, lay in enumerate(LAYOUTS):
            for esn in (False, True):
                for natt in (False, True):
                    yield ci, c, li, lay, esn, natt


class CaseFail(Exception):
    pass


class Case:
    """One case of the matrix. A subclass gives SPI_BASE, DIR_WORDS (the
    tool's --dir for "out" and "in") and own_args()."""
    SPI_BASE = 0
    DIR_WORDS = {"out": "out", "in": "in"}

    def __init__(self, idx, cipher, layout, esn, natt, backend=None):
        (self.cname, self.dcipher, self.dauth, self.scrypt, self.sauth,
         self.klen, self.aklen, self.icv, self.aead, self.align) = cipher
        self.mode, self.inner, self.outer = layout
        self.esn, self.natt, self.backend = esn, natt, backend
        self.idx = idx
        self.rnd = random.Random(4303 + idx)
        self.spi = self.SPI_BASE + idx
        self.ckey = bytes(self.rnd.getrandbits(8) for _ in range(self.klen))
        self.akey = bytes(self.rnd.getrandbits(8) for _ in range(self.aklen))
        self.seq_start = ESN_START if esn else 0
        if self.mode == "tunnel":
            self.src, self.dst = TUN_EP[self.outer]
        else:
            self.src, self.dst = HOST_EP[self.inner]

    @property
    def name(self):
        lay = ("tunnel-%din%d" % (self.inner, self.outer)
               if self.mode == "tunnel" else "transport-v%d" % self.inner)
        parts = [self.cname, lay, "esn" if self.esn else "noesn",
                 "natt" if self.natt else "nonatt"]
        if self.backend is not None:
            parts.append(self.backend)
        return "/".join(parts)

    # ---- plaintext ---------------------------------------------------
    def packets(self):
        """N_PKTS original IP packets (bytes): varied sizes and protocols,
        covering every pad length of both alignments."""
        rnd = self.rnd
        out = []
        for i in range(N_PKTS):
            if i < 16:
                plen = i            # every pad length 0..15
            else:
                plen = [100, 333, 777, 1300][i - 16]
            payload = bytes(rnd.getrandbits(8) for _ in range(plen))
            if self.mode == "transport":
                src, dst = HOST_EP[self.inner]
            elif self.inner == 4:
                src, dst = "192.168.%d.%d" % (i, 1 + i), "192.168.100.1"
            else:
                src, dst = "2001:db8:1::%x" % (i + 1), "2001:db8:2::1"
            if self.inner == 4:
                l3 = IP(src=src, dst=dst, ttl=rnd.randint(1, 255),
                        id=rnd.getrandbits(16), tos=rnd.getrandbits(8),
                        flags="DF" if i % 2 else 0)
            else:
                l3 = IPv6(src=src, dst=dst, hlim=rnd.randint(1, 255),
                          tc=rnd.getrandbits(8),
                          fl=rnd.getrandbits(20))
            kind = i % 3
            if kind == 0:
                l4 = UDP(sport=1024 + i, dport=5000 + self.idx)
            elif kind == 1:
                l4 = TCP(sport=2048 + i, dport=443, seq=rnd.getrandbits(32),
                         flags="PA", window=rnd.getrandbits(16))
            elif self.inner == 4:
                l4 = ICMP(type=8, id=self.idx, seq=i)
            else:
                l4 = ICMPv6EchoRequest(id=self.idx, seq=i)
            out.append(bytes(l3 / l4 / Raw(payload)))
        return out

    def seq(self, i):
        return self.seq_start + i + 1

    # ---- scapy SA ----------------------------------------------------
    def scapy_sa(self, for_encrypt):
        """scapy's SA. With ESN + HMAC the ICV is ours (see the module
        doc): scapy gets no auth algorithm then."""
        manual_icv = self.esn and self.aead is None
        kw = dict(crypt_algo=self.scrypt,
                  crypt_key=self.ckey if self.klen else None,
                  esn_en=self.esn)
        if not manual_icv and self.sauth:
            kw.update(auth_algo=self.sauth, auth_key=self.akey)
        if self.mode == "tunnel":
            src, dst = TUN_EP[self.outer]
            kw["tunnel_header"] = (IP(src=src, dst=dst)
                                   if self.outer == 4 else
                                   IPv6(src=src, dst=dst))
        if self.natt and for_encrypt:
            kw["nat_t_header"] = UDP(sport=NATT_DPORT, dport=NATT_SPORT)
        return SecurityAssociation(ESP, spi=self.spi, **kw)

    def hmac_icv(self, esp_bytes, seq64):
        h = hmac.HMAC(self.akey, hashes.SHA1() if self.icv == 12 else
                      hashes.SHA256())
        h.update(esp_bytes + struct.pack("!I", seq64 >> 32))
        return h.finalize()[:self.icv]

    # ---- independent raw decryption (trailer checks) -------------------
    def raw_plaintext(self, esp_bytes, seq64):
        spi_seq = esp_bytes[:8]
        if self.aead:
            iv = esp_bytes[8:16]
            body = esp_bytes[16:]
            salt, key = self.ckey[-4:], self.ckey[:-4]
            if self.esn:
                aad = spi_seq[:4] + struct.pack("!I", seq64 >> 32) + \
                    spi_seq[4:]
            else:
                aad = spi_seq
            alg = AESGCM(key) if self.aead == "gcm" else \
                ChaCha20Poly1305(key)
            return alg.decrypt(salt + iv, body, aad)
        body = esp_bytes[8:len(esp_bytes) - self.icv]
        if self.dcipher == "null":
            return body
        iv, ct = body[:16], body[16:]
        d = Cipher(algorithms.AES(self.ckey), modes.CBC(iv)).decryptor()
        return d.update(ct) + d.finalize()

    # ---- tool --------------------------------------------------------
    def tool_args(self, tool, direction, pin, pout):
        """The tool's command line for direction "out" or "in": the
        options both tools take, then own_args()."""
        a = [tool, "--dir", self.DIR_WORDS[direction], "--mode", self.mode,
             "--cipher", self.dcipher, "--auth", self.dauth,
             "--spi", str(self.spi), "--src", self.src, "--dst", self.dst,
             "-i", pin, "-o", pout]
        if self.klen:
            a += ["--ckey", self.ckey.hex()]
        if self.aklen:
            a += ["--akey", self.akey.hex()]
        if self.esn:
            a.append("--esn")
        if self.natt and direction == "out":
            a += ["--natt", "%d:%d" % (NATT_SPORT, NATT_DPORT)]
        elif self.natt:
            # inbound: ports as the packets carry them, dport is ours
            a += ["--natt", "%d:%d" % (NATT_DPORT, NATT_SPORT)]
        if direction == "in":
            a += ["--window", "64"]
        return a + self.own_args(direction)

    def own_args(self, direction):
        return []


def run_tool(args, expect_rc=0):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    out = r.stdout.decode(errors="replace")
    err = r.stderr.decode(errors="replace")
    if r.returncode != expect_rc:
        raise CaseFail("tool exited %d (expected %d)\n  cmd: %s\n"
                       "  stdout: %s\n  stderr: %s"
                       % (r.returncode, expect_rc, " ".join(args),
                          out.strip(), err.strip()[-2000:]))
    return out, err


def ip_of(b):
    return IP(b) if b[0] >> 4 == 4 else IPv6(b)


def read_frames(path):
    res = []
    for f in rdpcap(path):
        b = bytes(f)
        et = struct.unpack("!H", b[12:14])[0]
        ver = b[14] >> 4
        if (et, ver) not in ((0x0800, 4), (0x86dd, 6)):
            raise CaseFail("output frame: ethertype 0x%04x with IP "
                           "version %d" % (et, ver))
        res.append(b[14:])
    return res


def write_frames(path, packets):
    """IP packets (bytes) as Ethernet frames from ETH's addresses."""
    wrpcap(path, [Ether(**ETH) / ip_of(b) for b in packets])


def stderr_lines(err, prefix):
    """The tool's stderr lines that start with prefix, sorted."""
    return sorted(l for l in err.splitlines() if l.startswith(prefix))


def check(cond, msg):
    if not cond:
        raise CaseFail(msg)


def dir_out(case, tool, tmp, plain):
    """(a) the tool encrypts, scapy decrypts."""
    pin, pout = os.path.join(tmp, "a_in.pcap"), os.path.join(tmp, "a_out.pcap")
    write_frames(pin, plain)
    run_tool(case.tool_args(tool, "out", pin, pout))
    enc = read_frames(pout)
    check(len(enc) == len(plain), "dpsec produced %d packets, expected %d"
          % (len(enc), len(plain)))
    sa = case.scapy_sa(False)
    ivs = set()
    for i, (e, p) in enumerate(zip(enc, plain)):
        where = "packet %d" % i
        seq64 = case.seq(i)
        o = ip_of(e)
        # -- outer header
        check(o.version == case.outer, "%s: outer IP version %d"
              % (where, o.version))
        if o.version == 4:
            check(o.len == len(e), "%s: IPv4 total length %d != %d"
                  % (where, o.len, len(e)))
            ck = IP(e)
            ck.chksum = None
            check(bytes(ck)[:20] == e[:20], "%s: outer IPv4 header "
                  "checksum wrong" % where)
            proto = o.proto
            l3 = o.ihl * 4
        else:
            check(o.plen + 40 == len(e), "%s: IPv6 payload length %d, "
                  "packet %d" % (where, o.plen, len(e)))
            proto = o.nh
            l3 = 40
        if case.mode == "tunnel":
            check((o.src, o.dst) == TUN_EP[case.outer],
                  "%s: outer addresses %s -> %s" % (where, o.src, o.dst))
        else:
            po = ip_of(p)
            check((o.src, o.dst) == (po.src, po.dst),
                  "%s: transport addresses changed" % where)
        esp_off = l3
        if case.natt:
            check(proto == 17, "%s: NAT-T but IP proto %d" % (where, proto))
            sport, dport, ulen, uck = struct.unpack("!HHHH", e[l3:l3 + 8])
            check((sport, dport) == (NATT_SPORT, NATT_DPORT),
                  "%s: NAT-T ports %d:%d" % (where, sport, dport))
            check(ulen == len(e) - l3, "%s: UDP length %d != %d"
                  % (where, ulen, len(e) - l3))
            check(uck == 0, "%s: NAT-T UDP checksum %#x, RFC 3948 says 0"
                  % (where, uck))
            esp_off += 8
        else:
            check(proto == 50, "%s: IP proto %d, expected ESP" % (where, proto))
        esp = e[esp_off:]
        spi, sn = struct.unpack("!II", esp[:8])
        check(spi == case.spi, "%s: SPI %#x" % (where, spi))
        check(sn == seq64 & 0xffffffff, "%s: SN %d, expected %d"
              % (where, sn, seq64 & 0xffffffff))
        if case.aead:
            check(esp[8:16] == struct.pack("!Q", seq64),
                  "%s: AEAD IV %s is not the 64-bit SN %#x"
                  % (where, esp[8:16].hex(), seq64))
        elif case.dcipher != "null":
            ivs.add(esp[8:24])
        # -- ICV (manual only for ESN + HMAC; scapy checks the others)
        if case.esn and case.aead is None:
            icv = case.hmac_icv(esp[:-case.icv], seq64)
            check(esp[-case.icv:] == icv, "%s: ESN HMAC ICV mismatch "
                  "(SN-high not covered?)" % where)
        # -- trailer, decrypted independently
        try:
            pt = case.raw_plaintext(esp, seq64)
        except Exception as ex:  # InvalidTag etc.
            raise CaseFail("%s: python-cryptography cannot decrypt: %r"
                           % (where, ex))
        padlen, nh = pt[-2], pt[-1]
        inner_len = len(pt) - 2 - padlen
        check(pt[inner_len:-2] == bytes(range(1, padlen + 1)),
              "%s: padding %s is not 1,2,3,.." % (where,
                                                  pt[inner_len:-2].hex()))
        check(padlen < case.align and len(pt) % case.align == 0,
              "%s: pad length %d for alignment %d (payload %d)"
              % (where, padlen, case.align, len(pt)))
        po = ip_of(p)
        if case.mode == "tunnel":
            want_nh = 4 if case.inner == 4 else 41
        else:
            want_nh = po.proto if po.version == 4 else po.nh
        check(nh == want_nh, "%s: next header %d, expected %d"
              % (where, nh, want_nh))
        # -- scapy decrypts
        if case.natt and case.mode == "transport":
            # scapy 2.5.0's transport decap cannot remove a UDP header;
            # hand it the equivalent unencapsulated packet.
            h = bytearray(e[:l3])
            if case.outer == 4:
                h[9] = 50
                q = IP(bytes(h) + esp)
                q.len = None
                q.chksum = None
                q = IP(bytes(q))
            else:
                h[6] = 50
                q = IPv6(bytes(h) + esp)
                q.plen = None
                q = IPv6(bytes(q))
        else:
            q = ip_of(e)
        if case.esn and case.aead is None:
            q[ESP].data = q[ESP].data[:-case.icv]
        try:
            d = sa.decrypt(q, esn_en=case.esn, esn=seq64 >> 32)
        except Exception as ex:
            raise CaseFail("%s: scapy cannot decrypt: %r" % (where, ex))
        if bytes(d) != p:
            raise CaseFail("%s: scapy's plaintext differs from the "
                           "original\n  got  %s\n  want %s"
                           % (where, bytes(d).hex(), p.hex()))
    if case.dcipher not in ("null",) and case.aead is None:
        check(len(ivs) == len(enc), "CBC IVs repeat: %d distinct of %d"
              % (len(ivs), len(enc)))


def fix_lengths(pkt):
    """Recompute the IP (and NAT-T UDP) lengths and the IPv4 checksum of a
    packet scapy built, after an ICV was appended by hand or to repair
    scapy 2.5.0's NAT-T over IPv4, whose UDP length says 8 (it re-parses
    IP/UDP before adding ESP; see the module doc)."""
    if pkt.version == 4:
        pkt.len = None
        pkt.chksum = None
    else:
        pkt.plen = None
    if UDP in pkt:
        pkt[UDP].len = None
        pkt[UDP].chksum = 0
    return ip_of(bytes(pkt))


def seal(case, sa, p, seq64):
    """scapy encrypts the IP packet p (bytes) with SN seq64: bytes, with
    the workarounds of the module doc applied."""
    sa.seq_num = seq64 & 0xffffffff   # scapy treats seq_num=0 as unset
    sa.esn = seq64 >> 32
    e = sa.encrypt(ip_of(p), esn_en=case.esn, esn=seq64 >> 32)
    if case.esn and case.aead is None:
        e[ESP].data += case.hmac_icv(bytes(e[ESP]), seq64)
        e = fix_lengths(e)
    elif case.natt and case.outer == 4:
        e = fix_lengths(e)
    e = ip_of(bytes(e))
    if case.natt:
        check(e[UDP].len == len(e[UDP]), "harness: UDP length %d != %d"
              % (e[UDP].len, len(e[UDP])))
    return bytes(e)


def scapy_in(case, tool, tmp, plain, fresh_forgery):
    """(b), up to the tool's run: scapy encrypts plain, mildly reordered,
    then a forgery (one ciphertext bit flipped: of the last packet, or
    with fresh_forgery of that packet sealed again under the next SN) and
    a replay of the first; the tool decrypts them and must exit 1 (two
    packets failed). Returns (stderr, output pcap, order of the packets
    sealed)."""
    sa = case.scapy_sa(True)
    order = list(range(len(plain)))
    for i in range(0, len(order) - 1, 4):    # mild reordering
        order[i], order[i + 1] = order[i + 1], order[i]
    enc = [seal(case, sa, plain[i], case.seq(i)) for i in order]
    if fresh_forgery:
        forged = bytearray(seal(case, sa, plain[-1], case.seq(len(plain))))
    else:
        forged = bytearray(enc[-1])
    forged[len(forged) - case.icv - 3] ^= 0x01
    pin, pout = os.path.join(tmp, "b_in.pcap"), os.path.join(tmp, "b_out.pcap")
    write_frames(pin, enc + [bytes(forged), enc[0]])
    _, err = run_tool(case.tool_args(tool, "in", pin, pout), expect_rc=1)
    return err, pout, order


def check_delivered(case, pout, plain, order, who):
    """The tool (who) wrote exactly plain, in order, to pout."""
    dec = read_frames(pout)
    check(len(dec) == len(order), "%s delivered %d packets, expected %d"
          % (who, len(dec), len(order)))
    for k, (d, i) in enumerate(zip(dec, order)):
        if d != plain[i]:
            raise CaseFail("packet %d (SN %#x): %s's plaintext differs "
                           "from the original\n  got  %s\n  want %s"
                           % (k, case.seq(i), who, d.hex(), plain[i].hex()))


def parse_args(add_own=None):
    """The scripts' command line: TOOL [--filter S] [own] [-j N] [-v]."""
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--filter", default="")
    if add_own is not None:
        add_own(ap)
    ap.add_argument("-j", "--jobs", type=int, default=2,
                    help="cases run at once (default 2)")
    ap.add_argument("-v", "--verbose", action="store_true")
    return ap.parse_args()


def run_cases(args, cases, directions, tmp_prefix):
    """Run directions [(label, fn(case, tool, dir, plain))] of the cases
    whose name has args.filter; print the failures (and with -v the
    passes), the time taken and "N passed, N failed". Returns the exit
    status."""
    tool = os.path.abspath(args.tool)
    if not os.access(tool, os.X_OK):
        print("FAIL: %s is not an executable" % tool)
        print("0 passed, 1 failed")
        return 1

    def run_case(case):
        """Both directions of one case, in its own directory; returns
        [(label, error message or None)]."""
        res = []
        d = tempfile.mkdtemp(prefix="case%03d." % case.idx, dir=tmp)
        plain = case.packets()
        for what, fn in directions:
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
    tmp = tempfile.mkdtemp(prefix=tmp_prefix)
    passed = failed = 0
    t0 = time.monotonic()
    try:
        # Threads: the tool runs as a subprocess, so two cases overlap
        # their tool runs with each other's scapy work.
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
