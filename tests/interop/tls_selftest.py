#!/usr/bin/python3
"""tls_selftest.py: proves tls_decrypt.py, and runs the TLS peer interop.

  tls_selftest.py kat
      Known answers: RFC 8448 section 3 (traffic keys from the published
      secrets; the client's Finished, the client's application data at
      record 0 and the server's at record 1, opened and re-sealed byte for
      byte; wrong record number, wrong key, a flipped bit must fail), the
      TLS 1.2 PRF vector (IETF TLS WG, P_SHA256), and cross-checks against
      OpenSSL's own KDFs (`openssl kdf TLS1-PRF` for P_SHA256/P_SHA384 and
      key blocks, `openssl kdf TLS13-KDF` for HKDF-Expand-Label with
      SHA-256/SHA-384 and the "traffic upd" KeyUpdate derivation).
  tls_selftest.py tshark --pcap F --keylog F [--out DIR]
      tls_decrypt.py and tshark (-z follow,tls,raw) must give the same
      plaintext for every direction of every TLS connection.
  tls_selftest.py peers [--keep DIR] [--case NAME]...
      (tls_capture.py needs root: as another user it runs it through
      `sudo -n`, and fails if that is refused)
      tls_capture.py captures every case (OpenSSL and GnuTLS peers); for
      each: tls_decrypt.py with the key log must give back exactly what
      each side sent with the intended suite, tshark must agree, the key
      lines it dumps must decrypt the capture again (--key-lines mode),
      and negative controls must fail: a flipped ciphertext bit, a
      missing segment, an expected file one bit off; a capture with its frames
      shuffled and retransmitted must still decrypt; for three cases, 60
      captures with random bytes changed or frames cut short must make
      tls_decrypt report errors, never crash.

Prints "ok: ..." / "FAIL: ..." per check and "N passed, N failed"; exit 0
only if nothing failed. Nothing is skipped: a missing tool is a failure.
"""
import argparse
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tls_decrypt as td  # noqa: E402
import tls_capture  # noqa: E402

PY = sys.executable or "/usr/bin/python3"
# The peers cases whose captures also go through mutate_check().
MUTATE_CASES = ("openssl-tls12-aes-128-gcm", "gnutls-tls13-aes-256-gcm",
                "openssl-tls13-chacha20-poly1305-padding")


class Runner:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok: %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL: %s%s" % (name, ": " + detail if detail else ""),
                  flush=True)
        return cond

    def done(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 and self.passed > 0 else 1


def h(s):
    return bytes.fromhex(s.replace(" ", "").replace("\n", ""))


# RFC 8448 section 3 ("Simple 1-RTT Handshake"), TLS_AES_128_GCM_SHA256.
R8448 = {
    "c_hs_secret": h("b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f"
                     "3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21"),
    "c_hs_key": h("db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01"),
    "c_hs_iv": h("5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f"),
    "c_ap_secret": h("9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52"
                     "87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5"),
    "c_ap_key": h("17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51"),
    "c_ap_iv": h("5b 78 92 3d ee 08 57 90 33 e5 23 d9"),
    "s_ap_secret": h("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32"
                     "82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43"),
    "s_ap_key": h("9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56"),
    "s_ap_iv": h("cf 78 2b 88 dd 83 54 9a ad f1 e9 84"),
    # {client} send handshake record: the Finished message and the record
    "c_finished": h("14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1"
                    "1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61"),
    "c_finished_rec": h(
        "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c"
        "56 cc 77 b0 51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac"
        "98 fc 46 de b3 84 bd 1c ae ac ab 68 67 d7 26 c4 05 46"),
    # {client} / {server} send application_data record (payload 00..31)
    "c_app_rec": h(
        "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55"
        "cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39"
        "5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd"
        "1e 3d ea e6 3a ee bb 21 69 49 15 e4"),
    "s_app_rec": h(
        "17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4"
        "a4 69 32 fc 32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df"
        "fc 60 2d cb 50 1a 59 a8 fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2"
        "ab f3 32 54 0d d0 32 e1 67 c2 95 5d"),
}
R8448_PAYLOAD = bytes(range(0x32))

# TLS 1.2 PRF (P_SHA256) vector published on the IETF TLS WG list
# (msg03416): secret, seed, label "test label", 100 bytes out.
PRF_SECRET = h("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35")
PRF_SEED = h("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c")
PRF_OUT = h("e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53"
            "c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e db 5a"
            "6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af"
            "0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab"
            "4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba"
            "a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01"
            "87 34 7b 66")


def seal13(key, iv, seq, ctype, plain, aead_cls):
    """Encrypt a TLS 1.3 record (for the re-seal check): RFC 8446 5.2."""
    inner = plain + bytes([ctype])
    hdr = struct.pack("!BHH", 23, 0x0303, len(inner) + 16)
    pad = b"\0" * 4 + struct.pack("!Q", seq)
    nonce = bytes(a ^ b for a, b in zip(iv, pad))
    return hdr + aead_cls(key).encrypt(nonce, inner, hdr)


def open_rec(version, cipher, key, iv, seq, rec):
    r = td.RecordReader(version, cipher, key, iv, seq)
    ctype, ver, length = struct.unpack_from("!BHH", rec, 0)
    if length != len(rec) - 5:
        raise td.TlsError("record length field")
    return r.open(ctype, ver, rec[5:])


def fails(fn):
    try:
        fn()
    except td.TlsError:
        return True
    return False


def openssl_kdf(args):
    r = subprocess.run(["openssl", "kdf"] + args, capture_output=True,
                       text=True, timeout=20)
    if r.returncode != 0:
        raise RuntimeError("openssl kdf %s: %s" % (" ".join(args), r.stderr))
    return bytes.fromhex(r.stdout.strip().replace(":", ""))


def run_kat(t):
    R = R8448
    # Traffic keys, RFC 8446 7.3, from the published secrets.
    for who, sec in (("client handshake", "c_hs"), ("client app", "c_ap"),
                     ("server app", "s_ap")):
        k, iv = td.tls13_traffic_keys("sha256", R[sec + "_secret"], 16)
        t.check("RFC 8448 %s traffic key/iv" % who,
                k == R[sec + "_key"] and iv == R[sec + "_iv"],
                "%s %s" % (k.hex(), iv.hex()))
    # Records.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    for name, kk, seq, rec, ctype, plain in (
            ("client Finished (handshake key, record 0)", "c_hs", 0,
             R["c_finished_rec"], 22, R["c_finished"]),
            ("client application data (record 0)", "c_ap", 0,
             R["c_app_rec"], 23, R8448_PAYLOAD),
            ("server application data (record 1)", "s_ap", 1,
             R["s_app_rec"], 23, R8448_PAYLOAD)):
        try:
            got = open_rec(0x0304, "aes-128-gcm", R[kk + "_key"],
                           R[kk + "_iv"], seq, rec)
        except td.TlsError as e:
            got = ("error", str(e))
        t.check("RFC 8448 %s opens to the published plaintext" % name,
                got == (ctype, plain), repr(got)[:200])
        t.check("RFC 8448 %s re-sealed byte for byte" % name,
                seal13(R[kk + "_key"], R[kk + "_iv"], seq, ctype, plain,
                       AESGCM) == rec)
    key, iv, rec = R["c_ap_key"], R["c_ap_iv"], R["c_app_rec"]
    t.check("RFC 8448 record at the wrong record number fails",
            all(fails(lambda s=s: open_rec(0x0304, "aes-128-gcm", key, iv,
                                           s, rec))
                for s in (1, 2, 256, (1 << 64) - 1)))
    t.check("RFC 8448 client record under the server key fails",
            fails(lambda: open_rec(0x0304, "aes-128-gcm", R["s_ap_key"],
                                   R["s_ap_iv"], 0, rec)))
    bad = bytearray(rec)
    bad[30] ^= 0x01
    t.check("RFC 8448 record with one flipped bit fails",
            fails(lambda: open_rec(0x0304, "aes-128-gcm", key, iv, 0,
                                   bytes(bad))))
    t.check("truncated records fail cleanly",
            all(fails(lambda n=n: open_rec(0x0304, "aes-128-gcm", key, iv,
                                           0, rec[:5] + rec[5:5 + n]))
                for n in (0, 1, 16)))
    # TLS 1.2 PRF.
    t.check("TLS 1.2 PRF P_SHA256 (IETF TLS WG vector)",
            td.tls12_prf("sha256", PRF_SECRET, b"test label", PRF_SEED,
                         100) == PRF_OUT)
    # Against OpenSSL's KDF implementations (independent of this code).
    rng = random.Random(8448)
    for hname in ("sha256", "sha384"):
        secret, seed = rng.randbytes(48), rng.randbytes(64)
        want = openssl_kdf(["-keylen", "136", "-kdfopt", "digest:" + hname,
                            "-kdfopt", "hexsecret:" + secret.hex(),
                            "-kdfopt", "hexseed:" +
                            (b"key expansion" + seed).hex(), "TLS1-PRF"])
        t.check("TLS 1.2 PRF P_%s = openssl kdf TLS1-PRF" % hname.upper(),
                td.tls12_prf(hname, secret, b"key expansion", seed,
                             136) == want)
    for hname, hlen, klen in (("sha256", 32, 16), ("sha384", 48, 32),
                              ("sha256", 32, 32)):
        secret = rng.randbytes(hlen)
        for label, n in ((b"key", klen), (b"iv", 12),
                         (b"traffic upd", hlen)):
            want = openssl_kdf(["-keylen", str(n), "-kdfopt",
                                "digest:" + hname, "-kdfopt",
                                "mode:EXPAND_ONLY", "-kdfopt",
                                "hexkey:" + secret.hex(), "-kdfopt",
                                "prefix:tls13 ", "-kdfopt",
                                "label:" + label.decode(), "TLS13-KDF"])
            got = (td.tls13_next_secret(hname, secret) if
                   label == b"traffic upd" else
                   td.hkdf_expand_label(hname, secret, label, b"", n))
            t.check("HKDF-Expand-Label %s \"%s\" (%d) = openssl kdf "
                    "TLS13-KDF" % (hname, label.decode(), n), got == want)
    # KeyUpdate: application_traffic_secret_N+1 (RFC 8446 7.2), the
    # SHA-384 vector of s2n-tls's tests (taken from OpenSSL s_client).
    t.check("KeyUpdate \"traffic upd\" SHA-384 vector",
            td.tls13_next_secret("sha384", h(
                "4bc28934ddd802b00f479e14a72d7725dab45d32b3b145f29e4c5b56"
                "677560eb5236b168c71c5c75aa52f3e20ee89bfb")) == h(
                "ee85dd54781bd4d8a100589a9fe6ac9a3797b811e977f549cd531be2"
                "441d7c63e2b9729d145c11d84af35957727565a4"))


# ---------------------------------------------------------------- tshark

def tshark_follow(pcap, keylog):
    """{(stream, port): bytes}: tshark's decrypted TLS data per stream and
    sending port (-z follow,tls,raw)."""
    r = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e",
                        "tcp.stream"], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("tshark: %s" % r.stderr)
    streams = sorted({int(x) for x in r.stdout.split()})
    out = {}
    for s in streams:
        r = subprocess.run(["tshark", "-r", pcap, "-o",
                            "tls.keylog_file:" + keylog, "-q", "-z",
                            "follow,tls,raw,%d" % s],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("tshark: %s" % r.stderr)
        node0, data = None, {0: bytearray(), 1: bytearray()}
        body = False
        for line in r.stdout.splitlines():
            if line.startswith("Node 0: "):
                node0 = int(line.rsplit(":", 1)[1])
            elif line.startswith("Node 1: "):
                body = True
            elif line.startswith("====="):
                body = False
            elif body and line.strip():
                node = 1 if line.startswith("\t") else 0
                data[node] += bytes.fromhex(line.strip())
        out[(s, "node0")] = node0
        out[(s, 0)], out[(s, 1)] = bytes(data[0]), bytes(data[1])
    return streams, out


def compare_tshark(t, label, pcap, keylog, outdir):
    """tls_decrypt.py's conn<N>-*.bin (already in outdir) against tshark."""
    try:
        streams, follow = tshark_follow(pcap, keylog)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        t.check("%s: tshark runs" % label, False, str(e))
        return
    conns = td.read_connections(pcap)
    t.check("%s: tshark sees as many TCP streams as tls_decrypt (%d)" %
            (label, len(conns)), len(streams) == len(conns))
    for n, c in enumerate(conns):
        client, server = td.roles(c)
        for d, role in ((client, "client"), (server, "server")):
            path = os.path.join(outdir, "conn%d-%s.bin" % (n, role))
            if d is None or not os.path.exists(path):
                continue
            with open(path, "rb") as f:
                mine = f.read()
            node = 0 if follow.get((n, "node0")) == d.sport else 1
            theirs = follow.get((n, node))
            t.check("%s: conn %d %s: tshark's plaintext = tls_decrypt's "
                    "(%d bytes)" % (label, n, role, len(mine)),
                    theirs == mine and len(mine) > 0,
                    "tshark %s bytes" % (None if theirs is None else
                                         len(theirs)))


def run_decrypt(args):
    r = subprocess.run([PY, os.path.join(HERE, "tls_decrypt.py")] + args,
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


# ----------------------------------------------------------------- peers

def write_pcap(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144,
                            linktype))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)


def tcp_payload_frames(pcap):
    lt, frames = td.read_pcap(pcap)
    idx = [i for i, fr in enumerate(frames)
           if (lambda x: x is not None and len(x[6]) > 0)(
               td.parse_frame(lt, fr))]
    return lt, frames, idx


def mutate_check(t, c, pcap, keylog, rounds=60):
    """Captures with a few bytes changed or frames cut short must make
    tls_decrypt fail with a reason (TlsError), never crash it."""
    lt, frames, idx = tcp_payload_frames(pcap)
    keys = td.read_keylog(keylog)
    rng = random.Random("mutate/" + c)
    crashes, caught = [], 0
    for _ in range(rounds):
        fr = list(frames)
        for _k in range(rng.randint(1, 3)):
            i = rng.choice(idx)
            b = bytearray(fr[i])
            b[rng.randrange(14, len(b))] = rng.randrange(256)
            if rng.random() < 0.2:
                b = b[:rng.randrange(14, len(b))]
            fr[i] = bytes(b)
        path = pcap + ".mut.pcap"
        write_pcap(path, lt, fr)
        try:
            for n, conn in enumerate(td.read_connections(path)):
                for r in td.decrypt_connection(n, conn, keys):
                    caught += r.error is not None
        except td.TlsError:
            caught += 1
        except Exception as e:  # noqa: BLE001 (the point of the check)
            crashes.append(repr(e))
    t.check("%s: %d mutated captures: no crash (%d reported errors)" %
            (c, rounds, caught), not crashes and caught > 0,
            "; ".join(crashes[:3]))


def run_peers(t, cases, keep):
    tmp = keep or tempfile.mkdtemp(prefix="dpsec-tls-peers-")
    os.makedirs(tmp, exist_ok=True)
    try:
        cmd = [PY, os.path.join(HERE, "tls_capture.py"), "--out", tmp] + \
            [a for c in cases for a in ("--case", c)]
        if os.geteuid() != 0:
            # ip netns needs root: as devtools/test.sh does for setup.sh.
            cmd = ["sudo", "-n"] + cmd
        try:
            r = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=15 * len(cases) + 30)
            sys.stdout.write(r.stdout + r.stderr)
            rc, err = r.returncode, ""
        except (OSError, subprocess.SubprocessError) as e:
            rc, err = None, "%s: %s" % (cmd[0], e)
        t.check("tls_capture.py captured %d cases%s" % (
            len(cases), " (through sudo -n: not root)" if cmd[0] == "sudo"
            else ""), rc == 0, err)
        if rc is None:
            return
        for c in cases:
            pfx = os.path.join(tmp, c)
            pcap, keylog = pfx + ".pcap", pfx + ".keylog"
            missing = [p for p in (pcap, keylog, pfx + "_client_sent.bin",
                                   pfx + "_server_sent.bin")
                       if not os.path.exists(p)]
            if missing:
                t.check("%s: capture outputs present" % c, False,
                        "missing " + " ".join(missing))
                continue
            _impl, (_v, oname, _g) = tls_capture.case_suite(c)
            exp = ["--expect-client", pfx + "_client_sent.bin",
                   "--expect-server", pfx + "_server_sent.bin"]
            out = pfx + ".dec"
            rc, txt = run_decrypt(["--pcap", pcap, "--keylog", keylog,
                                   "--out", out, "--expect-suite", oname,
                                   "--dump-key-lines", pfx + ".keylines"]
                                  + exp)
            t.check("%s: tls_decrypt: both directions, suite %s, bytes "
                    "as sent" % (c, oname),
                    rc == 0 and txt.count("matches") == 2, txt)
            if c.endswith(tls_capture.PADDING):
                t.check("%s: padded records in each direction" % c,
                        txt.count(" padded records") == 2, txt)
            if c.endswith(tls_capture.KEYUPDATE):
                n = len(tls_capture.KEYUPDATE_AFTER)
                t.check("%s: %d KeyUpdates followed in each direction" %
                        (c, n), txt.count(", %d key updates" % n) == 2, txt)
            compare_tshark(t, c, pcap, keylog, out)
            rc, txt = run_decrypt(["--pcap", pcap, "--key-lines",
                                   pfx + ".keylines", "--out",
                                   pfx + ".kl"] + exp)
            if c.endswith(tls_capture.KEYUPDATE):
                # Key lines carry no secret: the KeyUpdate must stop them.
                t.check("%s: --key-lines stop at the KeyUpdate" % c,
                        rc == 1 and txt.count("KeyUpdate") == 2, txt)
            else:
                t.check("%s: --key-lines (dumped application keys) "
                        "decrypt both directions again" % c,
                        rc == 0 and txt.count("matches") == 2, txt)
            # Negative controls and reassembly.
            lt, frames, idx = tcp_payload_frames(pcap)
            big = [i for i in idx
                   if len(td.parse_frame(lt, frames[i])[6]) > 1000]
            # The last big segments carry application data (the first
            # ones the handshake: in TLS 1.2 the plaintext certificate).
            if len(big) < 4:
                t.check("%s: capture has big segments" % c, False)
                continue
            flip = list(frames)
            fr = bytearray(flip[big[-1]])
            fr[-100] ^= 0x10
            flip[big[-1]] = bytes(fr)
            write_pcap(pfx + ".flip.pcap", lt, flip)
            rc, txt = run_decrypt(["--pcap", pfx + ".flip.pcap", "--keylog",
                                   keylog, "--out", out + ".flip"])
            t.check("%s: a flipped ciphertext bit fails (bad tag)" % c,
                    rc == 1 and "bad tag" in txt, txt)
            drop = [fr for i, fr in enumerate(frames) if i != big[-2]]
            write_pcap(pfx + ".drop.pcap", lt, drop)
            rc, txt = run_decrypt(["--pcap", pfx + ".drop.pcap", "--keylog",
                                   keylog, "--out", out + ".drop"])
            t.check("%s: a missing segment fails (hole)" % c,
                    rc == 1 and "hole" in txt, txt)
            rng = random.Random(c)
            mixed = list(frames) + [frames[i] for i in
                                    rng.sample(idx, min(5, len(idx)))]
            rng.shuffle(mixed)
            write_pcap(pfx + ".mixed.pcap", lt, mixed)
            rc, txt = run_decrypt(["--pcap", pfx + ".mixed.pcap",
                                   "--keylog", keylog, "--out",
                                   out + ".mixed"] + exp)
            t.check("%s: shuffled and retransmitted frames still decrypt"
                    % c, rc == 0 and txt.count("matches") == 2, txt)
            if c in MUTATE_CASES:
                mutate_check(t, c, pcap, keylog)
            # The client's data with its last byte changed.
            with open(pfx + "_client_sent.bin", "rb") as f:
                wrong = bytearray(f.read())
            wrong[-1] ^= 0x01
            with open(pfx + ".wrong.bin", "wb") as f:
                f.write(wrong)
            rc, txt = run_decrypt(["--pcap", pcap, "--keylog", keylog,
                                   "--out", out + ".wrong",
                                   "--expect-client", pfx + ".wrong.bin"])
            t.check("%s: an expected file one bit off fails" % c,
                    rc == 1 and "differs" in txt, txt)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    sub.add_parser("kat")
    ts = sub.add_parser("tshark")
    ts.add_argument("--pcap", required=True)
    ts.add_argument("--keylog", required=True)
    ts.add_argument("--out")
    pe = sub.add_parser("peers")
    pe.add_argument("--keep", metavar="DIR",
                    help="keep the captures and outputs in DIR")
    pe.add_argument("--case", action="append", choices=tls_capture.CASES)
    a = ap.parse_args()
    t = Runner()
    if a.mode == "kat":
        try:
            run_kat(t)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            t.check("KATs ran", False, str(e))
    elif a.mode == "tshark":
        if shutil.which("tshark") is None:
            t.check("tshark found (run devtools/setup.sh)", False)
            return t.done()
        out = a.out or tempfile.mkdtemp(prefix="dpsec-tls-tshark-")
        rc, txt = run_decrypt(["--pcap", a.pcap, "--keylog", a.keylog,
                               "--out", out])
        sys.stdout.write(txt)
        t.check("tls_decrypt.py decrypts %s" % a.pcap, rc == 0)
        compare_tshark(t, os.path.basename(a.pcap), a.pcap, a.keylog, out)
        if a.out is None:
            shutil.rmtree(out, ignore_errors=True)
    else:
        if shutil.which("tshark") is None:
            t.check("tshark found (run devtools/setup.sh)", False)
            return t.done()
        run_peers(t, a.case or tls_capture.CASES, a.keep)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
