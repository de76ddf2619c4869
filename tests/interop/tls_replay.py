#!/usr/bin/python3
"""tls_replay.py: dpsec's TLS record path on real OpenSSL and GnuTLS traffic.

  tls_replay.py DPSEC_TLS_REPLAY [--case NAME]... [--modes sw,nic]

1. tls_capture.py records real connections (TLS 1.2 and 1.3, AES-128-GCM,
   AES-256-GCM, ChaCha20-Poly1305; OpenSSL and GnuTLS at either end, IPv4
   and IPv6, TLS 1.3 padded records, 3.2 MB each way in the -bulk cases)
   with their NSS key logs and the bytes each side sent.
2. For each capture and each mode, dpsec-tls-replay decrypts both
   directions with dpsec read contexts (--offload sw: software; nic: on the
   TLS engine of net_sim_inline, which offloads AES-GCM and leaves
   ChaCha20 to software) and sends the plaintext again with dpsec write
   contexts (--tx, same mode) into tx.pcap with fresh keys (tx.keys).
3. Checks: what dpsec decrypted equals what each peer sent, byte for byte
   (through two TLS 1.3 KeyUpdates each way in the -keyupdate captures:
   the tool steps the traffic secret and calls dpsec_tls_rekey());
   in nic mode, AES-GCM records were decrypted by the NIC and ChaCha20 ran
   in software with the reason said; tls_decrypt.py (python3-cryptography,
   no dpsec code) opens every record of tx.pcap and gets the same bytes.
4. The bulk capture edited as a lossy network would deliver it (segments
   lost and sent again later, duplicated, swapped; scapy), replayed with
   the NIC receiving: every byte still comes back, the NIC loses the
   stream (records opened in software), resyncs, and decrypts again.
Exit 0 only if every case passed. Temporary files live in a mkdtemp
directory that is removed (kept with DPSEC_KEEP_TMP=1).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"

DEFAULT_CASES = [
    "openssl-tls13-aes-128-gcm",
    "openssl-tls13-aes-256-gcm",
    "openssl-tls13-chacha20-poly1305",
    "openssl-tls12-aes-128-gcm",
    "openssl-tls12-aes-256-gcm",
    "openssl-tls12-chacha20-poly1305",
    "gnutls-tls13-aes-128-gcm",
    "gnutls-tls12-aes-256-gcm",
    "gnutls-tls12-chacha20-poly1305",
    "gnutlsserv-tls13-aes-256-gcm",
    "gnutlsserv-tls12-aes-128-gcm",
    "openssl-tls13-aes-128-gcm-padding",
    "openssl-tls13-aes-128-gcm-bulk",
    "openssl-tls12-aes-256-gcm-bulk",
    "gnutls-tls13-aes-128-gcm-keyupdate",
    "gnutls-tls13-chacha20-poly1305-keyupdate",
]

# A capture edited as a lossy network would have delivered it (scapy):
# segments lost and retransmitted later, duplicated, swapped.
LOSSY_CASE = "openssl-tls13-aes-128-gcm-bulk"


def make_lossy(src, dst):
    """Write @src's frames to @dst with, among the data segments after
    the handshake: two moved later (lost, sent again), one duplicated,
    two neighbours swapped. Returns how many segments were touched."""
    from scapy.all import TCP, rdpcap, wrpcap  # python3-scapy
    pk = list(rdpcap(src))
    data = [i for i, p in enumerate(pk)
            if TCP in p and len(bytes(p[TCP].payload)) > 0]
    if len(data) < 140:
        raise RuntimeError("%s: %d data segments, 140 wanted" % (src,
                                                                  len(data)))
    order = list(range(len(pk)))
    moves = [(data[20], data[26]), (data[100], data[130])]
    for frm, after in moves:
        order.remove(frm)
        order.insert(order.index(after) + 1, frm)
    a, b = order.index(data[60]), order.index(data[61])
    order[a], order[b] = order[b], order[a]
    order.insert(order.index(data[43]) + 1, data[40])
    wrpcap(dst, [pk[i] for i in order])
    return 6


def check_lossy(replay, cap, work, resync):
    """dpsec-tls-replay on the lossy capture, the NIC receiving: every
    byte, some records not the NIC's (lost sync), resyncs, and the NIC
    decrypting again; with device-driven resync (the NIC asks, dpsec
    answers) at least 80% of each direction's records the NIC's, as the
    tool's receive loop lags the NIC by a burst (next-record hints then
    mostly come too late: doc/tls_offload.md)."""
    errs = []
    src = os.path.join(cap, LOSSY_CASE + ".pcap")
    lossy = os.path.join(work, "lossy.pcap")
    make_lossy(src, lossy)
    out = os.path.join(work, "lossy-" + resync)
    rc, text = run([replay, "--", "--pcap", lossy, "--keylog",
                    os.path.join(cap, LOSSY_CASE + ".keylog"), "--out", out,
                    "--offload", "nic", "--rx-resync", resync], 120)
    if rc != 0:
        return ["dpsec-tls-replay exit %d:\n%s" % (rc, text[-3000:])]
    rows = [SUMMARY.match(l) for l in text.splitlines()]
    rows = [r for r in rows if r]
    if len(rows) != 2:
        return ["expected 2 summary lines:\n" + text[-2000:]]
    not_nic = resyncs = 0
    for r in rows:
        role = r.group(2)
        not_nic += int(r.group(8)) + int(r.group(9))
        resyncs += int(r.group(13))
        nic, total = int(r.group(7)), int(r.group(6))
        if nic == 0:
            errs.append("%s: no record decrypted by the NIC" % role)
        if resync == "device" and nic * 5 < total * 4:
            errs.append("%s: %d of %d records decrypted by the NIC"
                        % (role, nic, total))
        exp = os.path.join(cap, "%s_%s_sent.bin" % (LOSSY_CASE, role))
        got = os.path.join(out, "conn%s-%s.bin" % (r.group(1), role))
        if not os.path.exists(got) or not same(got, exp):
            errs.append("%s: decrypted data differ from what the peer "
                        "sent" % role)
    if not_nic == 0:
        errs.append("the NIC never lost the stream")
    if resyncs == 0:
        errs.append("no resync")
    return errs


SUMMARY = re.compile(
    r"conn (\d+) (client|server): TLS (1\.[23]) suite 0x([0-9a-f]+) "
    r"(\S+):.*records (\d+) \(nic (\d+), sw (\d+), mixed (\d+)\) "
    r"app bytes (\d+) errors (\d+) held \d+.* key updates (\d+) "
    r"resyncs (\d+)")
SENT = re.compile(r"conn (\d+) (client|server): sent again (\S+) ")


def run(argv, timeout):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, text=True)
    return p.returncode, p.stdout


def same(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def check_case(replay, cap, case, mode, work, extra):
    errs = []
    out = os.path.join(work, "%s-%s" % (case, mode))
    rc, text = run([replay, "--", "--pcap", os.path.join(cap, case + ".pcap"),
                    "--keylog", os.path.join(cap, case + ".keylog"),
                    "--out", out, "--offload", mode, "--tx", mode] + extra,
                   120)
    lines = [l for l in text.splitlines() if l.startswith("conn ")]
    if rc != 0:
        errs.append("dpsec-tls-replay exit %d:\n%s" % (rc, text[-3000:]))
    rows = [SUMMARY.match(l) for l in lines]
    rows = [r for r in rows if r]
    if len(rows) != 2:
        errs.append("expected 2 summary lines, got:\n" + "\n".join(lines))
    chacha = "chacha20" in case
    keyupdate = case.endswith("-keyupdate")
    for r in rows:
        role, nic, sw = r.group(2), int(r.group(7)), int(r.group(8))
        if int(r.group(11)) != 0:
            errs.append("%s: %s record errors" % (role, r.group(11)))
        if mode == "sw" and nic != 0:
            errs.append("%s: %d NIC records with --offload sw" % (role, nic))
        # Records after a KeyUpdate reach the NIC before the new key:
        # software opens them until the NIC is back in step.
        if mode == "nic" and not chacha and (nic == 0 or
                                             (sw != 0 and not keyupdate)):
            errs.append("%s: AES-GCM on the NIC should decrypt every record "
                        "(nic %d, sw %d)" % (role, nic, sw))
        if int(r.group(12)) != (2 if keyupdate else 0):
            errs.append("%s: %s key updates followed" % (role,
                                                        r.group(12)))
        if mode == "nic" and chacha and nic != 0:
            errs.append("%s: ChaCha20 records on the NIC" % role)
        got = os.path.join(out, "conn%s-%s.bin" % (r.group(1), role))
        exp = os.path.join(cap, "%s_%s_sent.bin" % (case, role))
        if not os.path.exists(got) or not same(got, exp):
            errs.append("%s: decrypted data differ from what the peer sent"
                        % role)
    sent = [SENT.match(l) for l in lines]
    sent = [s for s in sent if s]
    if len(sent) != 2:
        errs.append("expected 2 'sent again' lines")
    for s in sent:
        want = "nic" if mode == "nic" and not chacha else "sw"
        if s.group(3) != want:
            errs.append("%s: sent by %s, expected %s" % (s.group(2),
                                                        s.group(3), want))
    rc, text = run([PY, os.path.join(HERE, "tls_decrypt.py"), "--pcap",
                    os.path.join(out, "tx.pcap"), "--key-lines",
                    os.path.join(out, "tx.keys"), "--out",
                    os.path.join(out, "txdec"), "--expect-client",
                    os.path.join(cap, case + "_client_sent.bin"),
                    "--expect-server",
                    os.path.join(cap, case + "_server_sent.bin")], 120)
    if rc != 0:
        errs.append("tls_decrypt.py on dpsec's TX: exit %d:\n%s"
                    % (rc, text[-2000:]))
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("replay", help="path of dpsec-tls-replay")
    ap.add_argument("--case", action="append")
    ap.add_argument("--modes", default="sw,nic")
    a = ap.parse_args()
    cases = a.case or DEFAULT_CASES
    work = tempfile.mkdtemp(prefix="dpsec-tls-replay-")
    fails = 0
    try:
        cap = os.path.join(work, "cap")
        argv = [PY, os.path.join(HERE, "tls_capture.py"), "--out", cap]
        for c in cases:
            argv += ["--case", c]
        rc, text = run(argv, 600)
        if rc != 0:
            print("FAIL: tls_capture.py exit %d\n%s" % (rc, text))
            return 1
        for case in cases:
            for mode in a.modes.split(","):
                # One case also on the OpenSSL backend of dpsec's crypto.
                extra = (["--backend", "openssl"]
                         if case == cases[0] and mode == "sw" else [])
                errs = check_case(a.replay, cap, case, mode, work, extra)
                tag = "%s %s%s" % (case, mode,
                                   " (openssl backend)" if extra else "")
                if errs:
                    fails += 1
                    print("FAIL %s:\n  %s" % (tag, "\n  ".join(errs)))
                else:
                    print("ok   %s" % tag)
        for resync in ("hint", "device") if LOSSY_CASE in cases else ():
            errs = check_lossy(a.replay, cap, work, resync)
            if errs:
                fails += 1
                print("FAIL lossy %s nic, %s resync:\n  %s"
                      % (LOSSY_CASE, resync, "\n  ".join(errs)))
            else:
                print("ok   lossy %s nic, %s resync" % (LOSSY_CASE, resync))
    finally:
        if os.environ.get("DPSEC_KEEP_TMP") == "1":
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
