#!/usr/bin/python3
"""dpsec-ipsec-gw's configuration and command line, bad and good
(doc/ipsec_gw.md): each bad case must fail with its precise message
(file, line, word, what was expected) and leave nothing applied; the good
file must load. Runs the gateway with --check on four sim_inline ports.

  gw_config_errors.py <dpsec-ipsec-gw>
"""
import os
import re
import subprocess
import sys
import tempfile

GW = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="dpsec-gw-cfg-")
KEY16 = ":".join(["2b"] * 16)
KEY20 = ":".join(["4d"] * 20)
GCM = ":".join(["11"] * 20)
CBC = f"cipher_algo aes-128-cbc cipher_key {KEY16} auth_algo sha256-hmac auth_key {':'.join(['5a'] * 32)}"
T4 = "mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1"

GOOD = f"""# a bit of everything dpsec's gateway takes
sa out 1000 aead_algo aes-128-gcm aead_key {GCM} {T4} \\
type inline-protocol-offload port_id 0 esn replay_window 64 reqid 7
sa in 1001 aead_algo aes-128-gcm aead_key {GCM} mode ipv4-tunnel \\
src 198.51.100.1 dst 192.0.2.1 type inline-crypto-offload port_id 0 \\
flow-direction 0 1 esn 100
sa out 1002 {CBC} mode ipv6-tunnel src 2001:db8::1 dst 2001:db8::2 \\
type cpu-crypto soft_packets 1000 hard_packets 2000
sa in 1003 aead_algo chacha20-poly1305 aead_key {':'.join(['11'] * 36)} mode transport \\
udp-encap telemetry reassembly_en mss 1400
sa out 1004 {CBC} mode transport type lookaside-protocol-offload
sa out 1005 aead_algo aes-256-gcm aead_key {':'.join(['33'] * 36)} {T4} \\
type inline-protocol-offload offload require port_id 0
sp ipv4 out esp protect 1000 pri 1 dst 203.0.113.0/24 sport 0:65535 dport 0:65535
sp ipv4 out esp protect reqid 7 pri 2 src 192.0.2.0/24 dst 203.0.113.0/25
sp ipv4 out esp bypass pri 3 dst 198.51.100.128/25
sp ipv4 in esp protect 1001 pri 1 dst 192.0.2.0/24
sp ipv6 out esp protect 1002 pri 1 dst 2001:db8:1::/48 proto udp
sp ipv6 in esp discard pri 9 src 2001:db8:dead::/48
rt ipv4 dst 198.51.100.0/24 port 0
rt ipv4 dst 192.0.2.0/24 port 2
rt ipv6 dst 2001:db8::/32 port 0
neigh port 0 02:00:00:00:00:aa
"""

GOOD_OUT = [
    r"good\.cfg: 6 SAs \(0 skipped\), 6 policies, 3 routes",
    r"good\.cfg:9: sa in 1003: mss 1400: .*; telemetry: every SA is in "
    r"dpsec's telemetry; reassembly_en: .*",
    r"good\.cfg:11: sa out 1004: type lookaside-protocol-offload: dpsec has no "
    r"lookaside engine, the SA runs in software on the lcore",
    r"good\.cfg:4: sa in 1001: flow-direction 0 1 not installed \(port 0: .*\): "
    r"its packets go where RSS puts them",
    r"configuration OK",
]

# (name, config, extra args, stderr regex)
BAD = [
    ("noun", "route ipv4 dst 1.2.3.0/24 port 0\n", [],
     r"bad\.cfg:1: word 1 'route': expected a rule \(sa\|sp\|rt\|neigh\)"),
    ("cipher", "sa out 5 cipher_algo rot13\n", [],
     r"bad\.cfg:1: word 5 'rot13': expected a cipher"),
    ("key", f"sa out 5 aead_algo aes-128-gcm aead_key 1:2:xyz {T4}\n", [],
     r"bad\.cfg:1: word 7 '1:2:xyz': expected a key"),
    ("spi0", f"sa out 0 aead_algo aes-128-gcm aead_key {GCM} {T4}\n", [],
     r"bad\.cfg:1: word 3 '0': expected an SPI \(1\.\."),
    ("dup-spi", f"sa out 5 aead_algo aes-128-gcm aead_key {GCM} {T4}\n"
     f"# comment\nsa out 5 aead_algo aes-128-gcm aead_key {GCM} {T4}\n", [],
     r"bad\.cfg:3: sa out 5 is defined already at .*bad\.cfg:1"),
    ("sp-no-sa", "sp ipv4 out esp protect 77 pri 1 dst 10.0.0.0/8\n", [],
     r"bad\.cfg:1: protect 77: no sa out 77 in the file"),
    ("sp-conflict", f"sa out 5 aead_algo aes-128-gcm aead_key {GCM} {T4}\n"
     "sp ipv4 out esp protect 5 pri 1 dst 10.0.0.0/8\n"
     "sp ipv4 out esp bypass pri 1 dst 10.0.0.0/8\n", [],
     r"bad\.cfg:3: same selector and priority as .*bad\.cfg:2 with another action"),
    ("sp-prefix", "sp ipv4 out esp bypass dst 10.0.0.0/40\n", [],
     r"bad\.cfg:1: word 7 '10\.0\.0\.0/40': expected an IPv4 prefix"),
    ("sp-range", "sp ipv4 out esp bypass dport 9:1\n", [],
     r"bad\.cfg:1: word 7 '9:1': expected a port range"),
    ("rt-port", "rt ipv4 dst 10.0.0.0/8 port 7\n", [],
     r"bad\.cfg:1: rt: port 7 is not an enabled port \(-p\)"),
    ("rt-prefix", "rt ipv6 dst 2001:db8::/129 port 0\n", [],
     r"bad\.cfg:1: word 4 '2001:db8::/129': expected an IPv6 prefix"),
    ("rt-missing", "rt ipv4 dst 10.0.0.0/8\n", [],
     r"bad\.cfg:1: end of line: expected port <n>"),
    ("neigh-mac", "neigh port 0 02:00:00:00:00\n", [],
     r"bad\.cfg:1: word 4 '02:00:00:00:00': expected a MAC address"),
    ("neigh-port", "neigh port 9 02:00:00:00:00:01\n", [],
     r"bad\.cfg:1: neigh port 9: port not enabled \(-p\)"),
    ("sa-port", f"sa out 5 aead_algo aes-128-gcm aead_key {GCM} {T4} "
     "type inline-protocol-offload port_id 9\n", [],
     r"bad\.cfg:1: sa out 5: port_id 9 is not an enabled port"),
    ("fdir-queue", f"sa in 5 aead_algo aes-128-gcm aead_key {GCM} {T4} "
     "flow-direction 0 5\n", [],
     r"bad\.cfg:1: sa in 5: flow-direction 0 5: no such enabled port and RX queue"),
    ("fallback", f"sa in 5 aead_algo aes-128-gcm aead_key {GCM} {T4} "
     "fallback lookaside-none\n", [],
     r"bad\.cfg:1: fallback needs type inline-crypto-offload"),
    ("null-null", "sa out 5 cipher_algo null auth_algo null mode transport\n",
     [], r"bad\.cfg:1: sa out 5: dpsec_sa_create: Invalid argument"),
    ("gcm-no-salt", f"sa out 5 aead_algo aes-128-gcm aead_key {KEY16} {T4}\n",
     [], r"bad\.cfg:1: sa out 5: dpsec_sa_create: Invalid argument"),
    ("aead-auth-key", f"sa out 5 aead_algo aes-128-gcm aead_key {GCM} "
     f"auth_key 1:2:3 {T4}\n", [],
     r"bad\.cfg:1: auth_key with aead_algo: it takes no authentication key"),
    ("null-cipher-key", "sa out 5 cipher_algo null cipher_key 1:2 "
     f"auth_algo sha1-hmac auth_key {KEY16} mode transport\n", [],
     r"bad\.cfg:1: cipher_key with cipher_algo null: it takes no key"),
    ("backslash-mid", "sa out 5 \\ aead_algo\n", [],
     r"bad\.cfg:1: '\\' must end the line"),
    ("backslash-eof", "sa out 5 \\\n", [],
     r"bad\.cfg:1: the file ends inside a '\\' continuation"),
    ("later-error", f"sa out 5 aead_algo aes-128-gcm aead_key {GCM} {T4}\n"
     "sp ipv4 out esp protect 5 pri 1 dst 10.0.0.0/8\n"
     "rt ipv4 dst 10.0.0.0/8 port 0\nsa in 6 mode sideways\n", [],
     r"bad\.cfg:4: word 5 'sideways': expected a mode"),
]

ARGS_BAD = [
    ("no-file", ["-p", "0xf", "-f", "/nonexistent/gw.cfg"],
     r"error: /nonexistent/gw\.cfg: No such file or directory"),
    ("no-port", ["-p", "0x1f", "-f", "GOOD"],
     r"error: -p 0x1f: port 4 does not exist \(4 ports\)"),
    ("u-not-p", ["-p", "0x3", "-u", "0x4", "-f", "GOOD"],
     r"error: -u 0x4 names ports not in -p 0x3"),
    ("config-lcore", ["-p", "0xf", "-f", "GOOD", "--config", "(0,0,0)"],
     r"error: --config \(0,0,0\): .*the lcore a worker lcore"),
    ("config-syntax", ["-p", "0xf", "-f", "GOOD", "--config", "(0,0)"],
     r"error: --config at '\(0,0\)': expected \(port,queue,lcore\)"),
    ("mask", ["-p", "xyz", "-f", "GOOD"],
     r"error: -p 'xyz': expected a hex mask"),
    ("missing", ["-u", "0x1"], r"error: -p PORTMASK and -f CONFIG are required"),
    ("reassemble", ["-p", "0xf", "-f", "GOOD", "--reassemble", "0"],
     r"error: --reassemble '0': expected a number in 1\.\.0x100000"),
]

failures = 0


def run(args):
    cmd = [GW, "--no-huge", "--no-pci", "-m", "512", "--no-shconf",
           "-l", "0,1", "--log-level=lib.eal:warning"] + \
          ["--vdev=net_sim_inline%d" % i for i in range(4)] + ["--"] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def fail(name, why, r):
    global failures
    failures += 1
    print("FAIL %s: %s\n--- stdout\n%s--- stderr\n%s" %
          (name, why, r.stdout, r.stderr))


def main():
    good = os.path.join(TMP, "good.cfg")
    with open(good, "w") as f:
        f.write(GOOD)
    std = ["-p", "0xf", "-u", "0x3", "--config",
           "(0,0,1),(0,1,1),(1,0,1),(2,0,1),(3,0,1)", "--check"]
    r = run(std + ["-f", good])
    if r.returncode != 0:
        fail("good", "exit %d" % r.returncode, r)
    for rx in GOOD_OUT:
        if not re.search(rx, r.stdout, re.M):
            fail("good", "stdout lacks /%s/" % rx, r)
    for name, cfg, extra, rx in BAD:
        path = os.path.join(TMP, "bad.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        r = run(std + ["-f", path] + extra)
        if r.returncode == 0:
            fail(name, "accepted", r)
        elif not re.search(r"error: .*" + rx, r.stderr):
            fail(name, "stderr lacks /%s/" % rx, r)
        elif "nothing applied" not in r.stderr:
            fail(name, "no 'nothing applied'", r)
        else:
            print("ok %s" % name)
    for name, args, rx in ARGS_BAD:
        args = [good if a == "GOOD" else a for a in args]
        r = run(args + ["--check"])
        if r.returncode == 0:
            fail(name, "accepted", r)
        elif not re.search(rx, r.stderr):
            fail(name, "stderr lacks /%s/" % rx, r)
        else:
            print("ok %s" % name)
    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
