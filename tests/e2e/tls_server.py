#!/usr/bin/python3
"""tls-server: examples/tls-offload's dpsec-tls-server against an
unmodified `openssl s_client` (the kernel's TCP), on the two ends of a veth
pair, each in a network namespace this test creates and removes
(192.0.2.1 the client, 192.0.2.2 the server; IPv6 off; nothing routed).

The server's port is net_sim_inline (its TLS engine) over net_af_packet on
its veth end. For each case a new server serves one connection; the client
sends ~400 lines of random text of 1..3000 bytes in chunks, asks for TLS
1.3 KeyUpdates (s_client's interactive `K`: update_requested, `k`: not)
in the middle, waits for every line to come back, and quits (`Q`:
close_notify, FIN). Checked, per case:
  - every line came back once, in order, byte for byte;
  - the server's placement (both directions on the NIC for AES-GCM, in
    software for ChaCha20-Poly1305 with the reason) and its counters:
    records the NIC did, key updates both ways as asked, and under faults
    (frames the server sends lost, duplicated, reordered on the wire;
    client segments dropped after the NIC saw them, around KeyUpdates
    in the TLS 1.3 case; in the TLS 1.2 case good records the NIC calls
    failed, fault_spurious_fail) retransmissions and records opened in
    software or MIXED while the offload carried on;
  - the server closed the connection cleanly, exited 0, all mbufs back.
Needs root (ip netns). Usage: tls_server.py SERVER [CASE]
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

from e2e_proc import Reader, sh  # tests/e2e/e2e_proc.py

SRV_IP, CLI_IP = "192.0.2.2", "192.0.2.1"
# Our lines in s_client's output (which has base64 lines of its own).
DATA = re.compile(r"L\d{5}:")

# name, s_client args, server args, key updates ("K"/"k" in order),
# expectations
CASES = [
    ("tls13-aes128-nic", ["-tls1_3", "-ciphersuites",
                          "TLS_AES_128_GCM_SHA256"], [], "KK",
     dict(nic=True)),
    ("tls12-aes256-nic", ["-tls1_2", "-cipher",
                          "ECDHE-ECDSA-AES256-GCM-SHA384"], [], "",
     dict(nic=True)),
    ("tls13-chacha-sw", ["-tls1_3", "-ciphersuites",
                         "TLS_CHACHA20_POLY1305_SHA256"], [], "k",
     dict(nic=False)),
    ("tls13-aes256-faults-dump",
     ["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
     ["--sim-args", "fault_drop=0.02,fault_dup=0.02,fault_reorder=0.03,"
      "fault_seed=5", "--rx-drop", "0.03", "--tx-resync", "dump",
      "--rx-resync", "device"],
     "KkK", dict(nic=True, faults=True, rx_loss=True)),
    ("tls12-aes128-faults-sw",
     ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
     ["--sim-args", "fault_drop=0.01,fault_reorder=0.02,fault_seed=9,"
      "fault_spurious_fail=0.02",
      "--rx-drop", "0.03", "--tx-resync", "sw", "--rx-resync", "hint"],
     "", dict(nic=True, faults=True, rx_loss=True, nic_fail=True)),
]

fails = []


def fail(case, msg):
    fails.append("%s: %s" % (case, msg))
    print("FAIL: %s: %s" % (case, msg), flush=True)


def data_lines(seed, n):
    rnd = random.Random(seed)
    # s_client reads its input in pieces that may start inside a line and
    # takes a piece starting with Q, R, K, k, ... as a command: lower case
    # but k, and digits.
    alpha = "abcdefghijlmnopqrstuvwxyz0123456789"
    return ["L%05d:%s" % (i, "".join(rnd.choice(alpha) for _ in
                                     range(rnd.randint(1, 3000))))
            for i in range(n)]


def run_case(server, ns_s, ns_c, if_s, tmp, case):
    name, cargs, sargs, kus, want = case
    cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
    srv = subprocess.Popen(
        ["ip", "netns", "exec", ns_s, server, "-l", "0",
         "--log-level=lib.eal:warning", "--", "--iface", if_s, "--ip",
         SRV_IP, "--cert", cert, "--key", key, "--conns", "1",
         "--seconds", "120"] + sargs,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sr = Reader(srv.stdout)
    sr.start()
    cli = None
    cr = None
    checked = False
    try:
        if not sr.wait_for(lambda ls: any(l and l.startswith("listening")
                                          for l in ls), 30):
            fail(name, "the server did not start:\n  " +
                 "\n  ".join(l for l in sr.lines if l))
            return
        cli = subprocess.Popen(
            ["ip", "netns", "exec", ns_c, "openssl", "s_client",
             "-connect", "%s:4433" % SRV_IP] + cargs,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        cr = Reader(cli.stdout)
        cr.start()
        if not cr.wait_for(lambda ls: any(l and l.strip().startswith(
                "Verify return code") for l in ls), 30):
            fail(name, "no handshake:\n  " +
                 "\n  ".join(l for l in cr.lines[-20:]
                             if l and not DATA.match(l)))
            return
        lines = data_lines(zlib.crc32(name.encode()),
                           200 if want.get("faults") else 400)
        ku_at = {(i + 1) * len(lines) // (len(kus) + 1): k
                 for i, k in enumerate(kus)}
        sent = 0
        for i in range(0, len(lines), 8):
            if i in ku_at or any(i <= a < i + 8 for a in ku_at):
                a = next(a for a in ku_at if i <= a < i + 8)
                # A KeyUpdate command must be a read of its own: once
                # s_client has sent (and got back) all before it.
                cr.wait_for(lambda ls, n=sent: sum(
                    1 for l in ls if l and DATA.match(l)) >= n, 60)
                time.sleep(0.1)
                cli.stdin.write((ku_at[a] + "\n").encode())
                cli.stdin.flush()
                time.sleep(0.3)
            chunk = lines[i:i + 8]
            cli.stdin.write(("\n".join(chunk) + "\n").encode())
            cli.stdin.flush()
            sent += len(chunk)
            time.sleep(0.01)

        def echoed(ls):
            return sum(1 for l in ls if l and DATA.match(l)) >= sent
        if not cr.wait_for(echoed, 90):
            pass    # compared below
        time.sleep(0.2)
        cli.stdin.write(b"Q\n")
        cli.stdin.flush()
        try:
            cli.wait(20)
        except subprocess.TimeoutExpired:
            fail(name, "s_client did not quit")
        back = [l for l in cr.lines if l and DATA.match(l)]
        if back != lines:
            miss = [i for i, (a, b) in enumerate(zip(back, lines)) if a != b]
            at = miss[0] if miss else min(len(back), len(lines))
            fail(name, "%d lines sent, %d came back, first difference at "
                 "%d: %r" % (len(lines), len(back), at,
                             back[at][:60] if at < len(back) else None))
        nku = sum(1 for l in cr.lines if l == "KEYUPDATE")
        if nku != len(kus):
            fail(name, "s_client did %d KeyUpdates, want %d" %
                 (nku, len(kus)))
        try:
            rc = srv.wait(30)
        except subprocess.TimeoutExpired:
            srv.terminate()
            rc = srv.wait(10)
        sr.join(5)
        out = "\n".join(l for l in sr.lines if l)
        checked = True
        check_server(name, want, kus, rc, out)
    except BrokenPipeError:
        fail(name, "s_client ended early:\n  " +
             "\n  ".join(l for l in cr.lines[-50:]
                         if l and not DATA.match(l))[-2000:])
        checked = False
    finally:
        for p in (cli, srv):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    if not checked:
        sr.join(5)
        print("--- %s: server\n%s" % (name, "\n".join(
            l for l in sr.lines if l)), flush=True)


def num(pat, text, name):
    m = re.search(pat, text)
    if m is None:
        fail(name, "server output lacks /%s/" % pat)
        return None
    return [int(g) for g in m.groups()]


def check_server(name, want, kus, rc, out):
    print("--- %s: server\n%s" % (name, out), flush=True)
    if rc != 0:
        fail(name, "server exit status %d" % rc)
    if "conn 1: closed:" not in out:
        fail(name, "the connection did not close cleanly")
    if "mbufs: all" not in out:
        fail(name, "mbufs not all back")
    place = re.search(r"conn 1: (\S+) (\S+): read on (.*), write on (.*)",
                      out)
    if place is None:
        fail(name, "no placement line")
        return
    if want["nic"]:
        if place.group(3) != "the NIC" or place.group(4) != "the NIC":
            fail(name, "not on the NIC: " + place.group(0))
    else:
        if not (place.group(3).startswith("software:") and
                place.group(4).startswith("software:")):
            fail(name, "not in software: " + place.group(0))
    r = num(r"read (\d+) records \(nic (\d+), sw (\d+), mixed (\d+)\), "
            r"dropped \d+, resync ok (\d+) hints (\d+), key updates (\d+); wrote (\d+) "
            r"records \(nic (\d+), sw (\d+)\), retransmitted (\d+) segments "
            r"\(dumps (\d+), sw (\d+)\), key updates (\d+); tcp: (\d+) "
            r"segments dropped on purpose", out, name)
    if r is None:
        return
    (rd, rnic, rsw, rmix, rok, rhint, kur, wr, wnic, wsw, retx, dumps,
     tsw, kut, dropped) = r
    if kur != len(kus) or kut != kus.count("K"):
        fail(name, "key updates read %d write %d, want %d and %d" %
             (kur, kut, len(kus), kus.count("K")))
    if want["nic"]:
        if rnic == 0 or wnic == 0:
            fail(name, "no record on the NIC (read %d, write %d)" %
                 (rnic, wnic))
    elif rnic != 0 or wnic != 0:
        fail(name, "records on the NIC in software placement")
    if want.get("faults"):
        if retx == 0:
            fail(name, "no retransmission under faults")
    if want.get("nic_fail"):
        # The NIC failing good records (fault_spurious_fail): each one
        # opened in software, none lost (every line came back).
        m = re.search(r"nic port \d+:.* rx_fault_spurious_fail (\d+)", out)
        if m is None or int(m.group(1)) == 0:
            fail(name, "no record failed by the NIC")
        if re.search(r"nic port \d+:.* rx_tls_auth_fail", out):
            fail(name, "a real authentication failure on the NIC")
    if want.get("rx_loss"):
        if dropped == 0 or rsw + rmix == 0:
            fail(name, "no loss seen on the read side (dropped %d, "
                 "sw %d, mixed %d)" % (dropped, rsw, rmix))


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    only = sys.argv[2] if len(sys.argv) == 3 else None
    if os.geteuid() != 0:
        print("tls-server: needs root (ip netns); 0 passed, 1 failed")
        return 1
    server = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="dpsec-tls-server-")
    tag = "%d" % (os.getpid() % 100000)
    ns_s, ns_c = "dpsec-ts" + tag, "dpsec-tc" + tag
    if_s, if_c = "dts" + tag, "dtc" + tag
    try:
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
           "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=dpsec-test",
           "-days", "1", "-keyout", os.path.join(tmp, "k.pem"), "-out",
           os.path.join(tmp, "c.pem"))
        sh("ip", "netns", "add", ns_s)
        sh("ip", "netns", "add", ns_c)
        sh("ip", "link", "add", if_s, "netns", ns_s, "type", "veth",
           "peer", "name", if_c, "netns", ns_c)
        for ns, ifc in ((ns_s, if_s), (ns_c, if_c)):
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.all.disable_ipv6=1")
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.default.disable_ipv6=1")
            # Whole frames with their checksums on the wire: no TSO,
            # GSO or checksum offload between the kernel and the veth.
            sh("ip", "netns", "exec", ns, "ethtool", "-K", ifc, "tx",
               "off", "tso", "off", "gso", "off", "gro", "off")
            sh("ip", "-n", ns, "link", "set", ifc, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns_c, "addr", "add", CLI_IP + "/24", "dev", if_c)
        for case in CASES:
            if only is not None and case[0] != only:
                continue
            t = time.time()
            n = len(fails)
            run_case(server, ns_s, ns_c, if_s, tmp, case)
            print("%s: %s (%.1f s)" % (case[0], "ok" if len(fails) == n
                                       else "FAILED", time.time() - t),
                  flush=True)
    except RuntimeError as e:
        fail("setup", str(e))
    finally:
        for ns in (ns_s, ns_c):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    passed = len(CASES) - len({f.split(":")[0] for f in fails})
    print("%d passed, %d failed" % (max(passed, 0), len(CASES) - passed))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
