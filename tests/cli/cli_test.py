#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dpsec-cli driven by command files (suite cli).

    cli_test.py CLI-BINARY CASE

Each case writes a command file into a fresh temporary directory, runs
dpsec-cli on two ring-wired net_sim_inline ports with --no-interactive,
and checks the exit status, the error lines and the JSON that "show ...
json" prints (one JSON document per line). Cases: ipsec_fwd, sw_fwd,
io_fwd, errors, save_load, faults, tls, tls_keyupdate, move_stress,
capture.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

CLI = None
TMP = None

KEY_GCM = "4c:80:cd:ef:bb:5d:10:da:90:6a:c7:3c:36:13:a6:34:ca:fe:ba:be"
KEY_CBC = "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f"
KEY_SHA = ":".join("%02x" % (0x20 + i) for i in range(32))

# The tunnel between 192.0.2.1 (port 0) and 198.51.100.1 (port 1) for
# 10.1/16 -> 10.2/16, which "set txpkts" sends by default.
TUNNEL = "mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1"
POLICIES = """sp add ipv4 out esp protect 4096 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp add ipv4 in esp protect 4096 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp commit
"""


class Fail(Exception):
    pass


def check(cond, msg, out=None):
    if not cond:
        if out is not None:
            sys.stderr.write("----- output -----\n%s\n----- end -----\n" % out)
        raise Fail(msg)


def run(name, commands, want_rc=0):
    """Run the CLI on a command file; return (stdout, stderr)."""
    path = os.path.join(TMP, name + ".cmd")
    with open(path, "w") as f:
        f.write(commands)
    args = [CLI, "-l", "0,1",
            "--vdev", "net_sim_inline0,wire=ring,peer=net_sim_inline1",
            "--vdev", "net_sim_inline1,wire=ring,peer=net_sim_inline0",
            "--log-level=lib.eal:warning",
            "--", "--cmdfile", path, "--no-interactive"]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, text=True, timeout=120,
                       cwd=TMP)
    both = p.stdout + "\n" + p.stderr
    check(p.returncode == want_rc, "%s: exit status %d, want %d"
          % (name, p.returncode, want_rc), both)
    return p.stdout, p.stderr


def check_errors(err, want, labels=None):
    """The "error: " lines of @err match @want's patterns, one each, in
    order (@labels: what each line answers, for the message)."""
    errs = [l for l in err.splitlines() if l.startswith("error: ")]
    check(len(errs) == len(want), "%d error lines, want %d"
          % (len(errs), len(want)), err)
    for i, (w, g) in enumerate(zip(want, errs)):
        check(re.search(w, g), "%sgot %r, want /%s/"
              % ("%r: " % labels[i] if labels else "", g, w), err)


def jsons(out):
    """The JSON documents printed, one per line, in order."""
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def doc(out, key, nth=-1):
    docs = [d for d in jsons(out) if key in d]
    check(docs, "no JSON with key %r" % key, out)
    return docs[nth]


def sa_entry(d, direction, spi, key="sa_stats"):
    for e in d[key]:
        if e["dir"] == direction and e["spi"] == spi:
            return e
    raise Fail("no SA %s %d in %s" % (direction, spi, d))


def xstat(out, port, name, nth=-1):
    docs = [d for d in jsons(out) if "ports" in d and d["ports"] and
            "xstats" in d["ports"][0]]
    check(docs, "no xstats JSON", out)
    for p in docs[nth]["ports"]:
        if p["port"] == port:
            return p["xstats"][name]
    raise Fail("no xstats for port %d" % port)


def fwd_checks(out, name):
    """After stop: every injected packet was drained, none dropped."""
    fwd = doc(out, "total")
    t = fwd["total"]
    check(fwd["mode"] == "ipsec" or fwd["mode"] == "io", name + ": mode", out)
    check(t["injected"] == 4 * 32, "%s: injected %d, want 128"
          % (name, t["injected"]), out)
    reasons = {}
    for p in fwd["ports"]:
        for r, n in p["drops"].items():
            reasons[r] = reasons.get(r, 0) + n
    check(t["dropped"] == 0 and t["tx_refused"] == 0 and t["not_ip"] == 0,
          "%s: packets dropped: %s, by reason %s" % (name, t, reasons), out)
    check(t["drained"] == t["injected"] and t["unaccounted"] == 0,
          "%s: lost packets: %s" % (name, t), out)
    return fwd


def case_ipsec_fwd():
    """Inline-protocol SAs on both NICs, moved to software and back while
    the packets loop; no packet lost, the NIC did the work while on it."""
    cmds = f"""set fwd ipsec
sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type inline-protocol-offload port_id 0 esn
sa add in 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type inline-protocol-offload port_id 1 esn replay_window 1024
{POLICIES}sa show json
set txport 0
start tx_first 4
sleep 300
show sa stats json
sa move out 4096 sw
sa move in 4096 sw
sa show json
sleep 300
show sa stats json
show port xstats 0 json
sa move out 4096 nic
sa move in 4096 nic
sleep 300
stop
sa show json
show sa stats json
show port xstats 0 json
show fwd stats json
show sp stats json
quit
"""
    out, err = run("ipsec_fwd", cmds)
    check(err.count("error") == 0, "errors printed", err)
    fwd_checks(out, "ipsec_fwd")
    shows = [d for d in jsons(out) if "sas" in d]
    check(len(shows) == 3, "three 'sa show json'", out)
    for i, (pl, reason) in enumerate([("inline-protocol", "NONE"),
                                      ("sw", "MOVED"),
                                      ("inline-protocol", "NONE")]):
        for d in ("out", "in"):
            e = sa_entry(shows[i], d, 4096, "sas")
            check(e["placement"] == pl and e["reason"] == reason,
                  "show %d, SA %s: %s/%s, want %s/%s" %
                  (i, d, e["placement"], e["reason"], pl, reason), out)
    st = [d for d in jsons(out) if "sa_stats" in d]
    check(len(st) == 3, "three 'show sa stats json'", out)
    # Packets kept flowing through every phase (before, on software, after).
    prev = 0
    for i, s in enumerate(st):
        o = sa_entry(s, "out", 4096)
        n = sa_entry(s, "in", 4096)
        check(o["packets"] > prev, "phase %d: outbound SA did not advance" % i,
              out)
        check(n["drops_total"] == 0 and o["drops_total"] == 0,
              "phase %d: SA drops" % i, out)
        prev = o["packets"]
    # The NIC encrypted frames while the SA was on it.
    check(xstat(out, 0, "sec_tx_packets", 0) > 0,
          "no sec_tx_packets while on the NIC", out)
    final = sa_entry(st[-1], "out", 4096)
    check(final["packets"] >= 128, "outbound SA packets", out)
    sp = doc(out, "sp_stats")
    for e in sp["sp_stats"]:
        check(e["misses"] == 0 and e["drops_total"] == 0 and
              e["protect"] == e["lookups"] and e["lookups"] > 0,
              "SPD %s counters: %s" % (e["dir"], e), out)


def case_sw_fwd():
    """Software SAs (AES-CBC + HMAC-SHA256, reqid policies): same loop."""
    cmds = f"""set fwd ipsec
sa add out 4096 cipher_algo aes-128-cbc cipher_key {KEY_CBC} auth_algo sha256-hmac auth_key {KEY_SHA} {TUNNEL} type no-offload reqid 7
sa add in 4096 cipher_algo aes-128-cbc cipher_key {KEY_CBC} auth_algo sha256-hmac auth_key {KEY_SHA} {TUNNEL} type no-offload reqid 7 replay_window 64
sp add ipv4 out esp protect reqid 7 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp add ipv4 in esp protect reqid 7 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp add ipv4 out esp discard pri 20 src 10.1.0.0/16 dst 10.3.0.0/16
sp commit
set txport 0
start tx_first 4
sleep 300
stop
sa show json
show sa stats json
show port xstats 0 json
show fwd stats json
"""
    out, err = run("sw_fwd", cmds)
    fwd_checks(out, "sw_fwd")
    for d in ("out", "in"):
        e = sa_entry(doc(out, "sas"), d, 4096, "sas")
        check(e["placement"] == "sw" and e["reason"] == "OFFLOAD_NONE",
              "SA %s placement %s" % (d, e), out)
        check(sa_entry(doc(out, "sa_stats"), d, 4096)["packets"] > 0,
              "SA %s did not count" % d, out)
    check(xstat(out, 0, "sec_tx_packets") == 0,
          "the NIC saw offloaded frames for software SAs", out)


def case_io_fwd():
    cmds = """set fwd io
set burst 32
set txpkts 200
set txport 0
start tx_first 4
sleep 200
stop
show fwd stats json
show port stats all json
"""
    out, err = run("io_fwd", cmds)
    fwd = fwd_checks(out, "io_fwd")
    check(fwd["ports"][1]["rx"] > 0 and fwd["ports"][0]["tx"] > 128,
          "io: nothing forwarded", out)
    ps = doc(out, "ports", -1)["ports"]
    check(ps[0]["opackets"] == fwd["ports"][0]["tx"],
          "port 0 opackets %d != forwarded %d" %
          (ps[0]["opackets"], fwd["ports"][0]["tx"]), out)
    check(ps[0]["obytes"] == ps[0]["opackets"] * (200 + 14),
          "port 0 obytes: frames are not 214 bytes", out)


# Each bad line and the error it must print (a regular expression).
ERRORS = [
    ("foo", r"error: command: word 1 'foo': expected a command"),
    ("sa bogus 1", r"error: sa: word 2 'bogus': expected one of add del show update move"),
    ("sa add out 0", r"error: sa add: word 2 '0': expected an SPI \(1\.\.4294967295\)"),
    ("sa add sideways 4096", r"error: sa add: word 1 'sideways': expected a direction \(in\|out\)"),
    (f"sa add out 4096 aead_algo aes-999 aead_key {KEY_GCM} {TUNNEL}",
     r"error: sa add: word 4 'aes-999': expected an AEAD \(aes-128-gcm\|aes-256-gcm\|chacha20-poly1305\)"),
    ("sa add out 4096 aead_algo aes-128-gcm aead_key zz:01 " + TUNNEL,
     r"error: sa add: word 6 'zz:01': expected a key"),
    (f"sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} mode ipv4-tunnel src 1.2.3 dst 1.2.3.4",
     r"error: sa add: word 10 '1\.2\.3': expected an IPv4 address"),
    (f"sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} mode ipv4-tunnel src 1.2.3.4",
     r"error: sa add: end of line: expected src and dst for a tunnel SA"),
    (f"sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} fallback lookaside-none",
     r"error: sa add: fallback needs type inline-crypto-offload"),
    # A 16-byte GCM key lacks its salt: the library refuses the SA.
    ("sa add out 4097 aead_algo aes-128-gcm aead_key " + KEY_CBC + " " + TUNNEL,
     r"error: sa add: dpsec_sa_create: "),
    ("sa del out 9999", r"error: sa del: word 2 '9999': expected the SPI of an existing SA"),
    ("sa move out 4096 moon", r"error: sa move: word 3 'moon': expected where to \(nic\|sw\)"),
    ("sp add ipv4 out esp protect 5000", r"error: sp add: protect 5000: no out SA with that SPI"),
    ("sp add ipv4 out esp protect 4096 src 10.0.0.0/33",
     r"error: sp add: word 7 '10\.0\.0\.0/33': expected an IPv4 prefix"),
    ("sp add ipv4 out esp protect 4096 sport 9:1",
     r"error: sp add: word 7 '9:1': expected a port range"),
    ("sp add ipv4 out esp bypass id 1", r"error: sp add: policy out 1 exists already"),
    ("sp del out 77", r"error: sp del: word 2 '77': expected the id of an existing policy"),
    ("sa del out 4096", r"error: sa del: SA out 4096 is used by policy out 1"),
    ("set fwd warp", r"error: set fwd: word 1 'warp': expected a forwarding mode \(io\|ipsec\|tls\)"),
    ("set burst 0", r"error: set burst: word 1 '0': expected a burst size \(1\.\.512\)"),
    ("set txpkts 20", r"error: set txpkts: word 1 '20': expected a packet length"),
    ("set fault 0 drop 1.5", r"error: set fault: word 3 '1\.5': expected a rate \(probability 0\.\.1\)"),
    ("set fault 0 lightning 1", r"error: set fault: word 2 'lightning': expected a fault kind"),
    ("set fault 7 drop 0.1", r"error: set fault: word 1 '7': expected an existing port"),
    ("show port stats 9", r"error: show port: word 2 '9': expected an existing port"),
    ("port info", r"error: port: arguments: port info <port>"),
    ("stop", r"error: stop: forwarding is not running"),
    ("quit now", r"error: quit: takes no arguments"),
    ("load /nonexistent/x.conf", r"error: /nonexistent/x\.conf: No such file"),
    ("help nothing", r"error: help: word 1 'nothing': expected a command noun"),
]


def case_errors():
    """Every bad line prints its precise error, changes nothing, and the
    run exits 1; the good lines around them still work."""
    good = f"""sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type inline-protocol-offload port_id 0
sp add ipv4 out esp protect 4096 id 1 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp commit
"""
    bad = "".join(line + "\n" for line, _ in ERRORS)
    tail = """sa show json
sp show json
"""
    out, err = run("errors", good + bad + tail, want_rc=1)
    check_errors(err, [pat for _, pat in ERRORS], [cmd for cmd, _ in ERRORS])
    check("dpsec-cli: %d command(s) failed" % len(ERRORS) in err,
          "failure count", err)
    # No half state: the refused SA 4097 is not there, 4096 still is and
    # still protects; one policy, committed.
    sas = doc(out, "sas")["sas"]
    check([(e["dir"], e["spi"]) for e in sas] == [("out", 4096)],
          "SAs after the errors: %s" % sas, out)
    sps = doc(out, "sps")["sps"]
    check(len(sps) == 1 and sps[0]["state"] == "committed",
          "policies after the errors: %s" % sps, out)
    # A clean file exits 0; an SA can go once its policy went.
    out, err = run("errors_ok", good + """sp del out 1
sa del out 4096
sp commit
sa del out 4096
sa show json
""", want_rc=1)
    check(err.count("error: ") == 1 and "is used by policy out 1" in err,
          "del before commit must fail once", err)
    check(doc(out, "sas")["sas"] == [], "SA not deleted", out)
    out, err = run("ok", good + "sa show\nquit\n", want_rc=0)
    check("error" not in err, "clean run printed an error", err)


SAVE_CFG = f"""sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type inline-protocol-offload port_id 0 esn reqid 1
sa add in 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type inline-crypto-offload port_id 1 esn replay_window 1024 sad_key spi-dst reqid 1
sa add out 8192 cipher_algo aes-256-cbc cipher_key {KEY_SHA} auth_algo sha512-hmac auth_key {KEY_SHA}:{KEY_SHA[3:]}:aa mode ipv6-tunnel src 2001:db8::1 dst 2001:db8::2 type auto port_id 0 copy_dscp copy_df ttl 32 seq_start 1000 soft_packets 100000 hard_packets 200000 soft_bytes 5000000 hard_bytes 9000000 soft_seconds 3600 hard_seconds 7200 userdata 42
sa add in 8193 aead_algo chacha20-poly1305 aead_key {KEY_SHA}:01:02:03:04 mode transport src 10.9.0.1 dst 10.9.0.2 type no-offload udp-encap natt_sport 4501 natt_dport 4502 replay_window 128 sad_key spi-dst-src
sa add out 300 cipher_algo null auth_algo sha1-hmac auth_key 01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14 mode transport type no-offload
sp add ipv4 out esp protect reqid 1 id 5 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16 proto udp sport 1024:65535 dport 53:53
sp add ipv4 out esp bypass id 6 pri 20 src 172.16.0.0/24 dst 172.16.1.0/24
sp add ipv4 out esp discard id 7 pri 30 src 0.0.0.0/0 dst 10.3.0.0/16 proto 1
sp add ipv6 out esp protect 8192 id 8 pri 5 src 2001:db8:1::/48 dst 2001:db8:2::/48
sp add ipv4 in esp protect 4096 id 1 pri 10 src 10.2.0.0/16 dst 10.1.0.0/16
sp add ipv4 in esp protect reqid 1 id 2 pri 11 src 10.2.0.0/16 dst 10.1.0.0/16
sp commit
"""

# What save must write for two of them (canonical form, doc/cli.md).
SAVE_EXPECT = [
    f"sa out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type inline-protocol-offload port_id 0 esn reqid 1",
    f"sa in 8193 aead_algo chacha20-poly1305 aead_key {KEY_SHA}:01:02:03:04 mode transport src 10.9.0.1 dst 10.9.0.2 type no-offload udp-encap natt_sport 4501 natt_dport 4502 sad_key spi-dst-src replay_window 128",
    "sp ipv4 out esp protect reqid 1 id 5 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16 proto 17 sport 1024:65535 dport 53:53",
    "sp ipv6 out esp protect 8192 id 8 pri 5 src 2001:db8:1::/48 dst 2001:db8:2::/48",
]


def case_save_load():
    f1 = os.path.join(TMP, "one.conf")
    f2 = os.path.join(TMP, "two.conf")
    out, err = run("save", SAVE_CFG + f"save {f1}\nsp show json\n")
    check(oct(os.stat(f1).st_mode & 0o777) == "0o600", "saved file mode")
    text = open(f1).read()
    for line in SAVE_EXPECT:
        check(line in text.splitlines(), "saved file lacks: " + line, text)
    rules = [l for l in text.splitlines() if not l.startswith("#")]
    check(len(rules) == 5 + 6, "%d rules saved, want 11" % len(rules), text)
    before = doc(out, "sps")
    out, err = run("load", f"load {f1}\nsave {f2}\nsp show json\nsa show json\n")
    check("load %s: 5 SAs, 6 policies, 0 errors" % f1 in out, "load summary",
          out)
    check(open(f2).read() == text, "save -> load -> save differs",
          text + "\n-----\n" + open(f2).read())
    check(doc(out, "sps") == before, "policies differ after load", out)
    check(len(doc(out, "sas")["sas"]) == 5, "SAs after load", out)
    # ipsec-secgw's own rules load too (rt lines are checked and ignored; a
    # policy may come before its SA; '\' continues a rule, even inside a
    # key), and a bad rule names its file and first line.
    secgw = os.path.join(TMP, "secgw.cfg")
    with open(secgw, "w") as f:
        f.write(f"""# ipsec-secgw style
sp ipv4 out esp protect 1005 pri 1 dst 192.168.105.0/24 sport 0:65535 dport 0:65535
sa out 1005 cipher_algo aes-128-cbc cipher_key {KEY_CBC} auth_algo sha1-hmac auth_key {KEY_SHA[:59]} mode ipv4-tunnel src 172.16.1.5 dst 172.16.2.5
sa in 1005 cipher_algo aes-128-cbc cipher_key {KEY_CBC} auth_algo sha1-hmac auth_key {KEY_SHA[:59]} mode ipv4-tunnel src 172.16.2.5 dst 172.16.1.5 type inline-crypto-offload port_id 1
rt ipv4 dst 172.16.2.5/32 port 0
sp ipv4 out esp protect 1005 pri 2 dst 192.168.106.0/24 sport 0:65535 dport 0:65535
sa out 1006 cipher_algo rot13
sa out 5 cipher_algo aes-128-cbc cipher_key 0:1:2:3:4:5:6:7:8:9:a:b:\\
c:d:e:f auth_algo sha1-hmac auth_key {KEY_SHA[:59]} \\
mode transport
sp ipv4 out esp protect 1007 pri 1 dst 192.168.107.0/24
sa out 7 cipher_algo null auth_algo \\
null mode transport bogus
rt ipv4 dst 172.16.2.0/33 port 0
""")
    out, err = run("secgw", f"load {secgw}\nsp show json\n", want_rc=1)
    check(re.search(r"error: .*secgw\.cfg:11: protect 1007: no out SA", err),
          "policy without its SA", err)
    check(re.search(r"error: .*secgw\.cfg:7: word 5 'rot13': expected a cipher", err),
          "bad cipher line", err)
    check(re.search(r"error: .*secgw\.cfg:12: word 10 'bogus': expected an SA parameter", err),
          "bad word after a continuation", err)
    check(re.search(r"error: .*secgw\.cfg:14: word 4 '172\.16\.2\.0/33': expected an IPv4 prefix", err),
          "bad rt line", err)
    check("3 SAs, 2 policies, 4 errors" in out,
          "secgw load summary", out)
    sp = doc(out, "sps")["sps"]
    check(len(sp) == 2 and sp[0]["sport"] == "0:65535" and
          sp[0]["dst"] == "192.168.105.0/24" and sp[0]["sa"] == "spi 1005" and
          sp[1]["dst"] == "192.168.106.0/24" and
          all(p["state"] == "committed" for p in sp),
          "secgw policies: %s" % sp, out)


def case_faults():
    """Wire drops by fault injection show up as unaccounted packets, exactly
    as many as the port's tx_fault_drop; an SA table loss is repaired (and
    port caps shows the SA back in the NIC's table)."""
    cmds = f"""set fwd io
set txport 0
set fault 0 seed 7
set fault 0 drop 0.05
port info 0
start tx_first 4
sleep 300
stop
show fwd stats json
show port xstats 0 json
set fault 0 drop 0
sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type inline-protocol-offload port_id 0
set fault 0 sa_loss 2
sa show json
port caps 0
port caps 1
"""
    out, err = run("faults", cmds)
    check("drop 0.05" in out, "port info shows the fault", out)
    t = doc(out, "total")["total"]
    drops = xstat(out, 0, "tx_fault_drop")
    check(drops > 0, "no frame dropped at rate 0.05", out)
    check(t["unaccounted"] == drops and t["dropped"] == 0,
          "unaccounted %d != tx_fault_drop %d" % (t["unaccounted"], drops),
          out)
    check("SA table lost 2 time(s), 1 SAs back on the NIC" in out,
          "sa_loss", out)
    e = sa_entry(doc(out, "sas"), "out", 4096, "sas")
    check(e["placement"] == "inline-protocol", "SA after sa_loss: %s" % e, out)
    check("port 0: IPsec SA table: 1 of 1024 in use" in out and
          "port 1: IPsec SA table: 0 of 1024 in use" in out,
          "port caps: the SA tables (the SA back on port 0)", out)


def tshark_fields(path, fields, opts=()):
    """Each frame of a capture file as a tuple of tshark's @fields."""
    p = subprocess.run(["tshark", "-r", path, "-T", "fields",
                        "-E", "separator=\t"] + list(opts) +
                       sum([["-e", f] for f in fields], []),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=300)
    check(p.returncode == 0, "tshark -r %s: %s" % (path, p.stderr))
    return [tuple(l.split("\t")) for l in p.stdout.splitlines()]


def case_capture():
    """capture start/stop: a pcapng (read back by tshark and scapy) holds
    every frame forwarded and every packet dropped, each drop with its
    reason; the counts agree with show fwd stats; wrong uses are errors."""
    cmds = f"""set fwd ipsec
sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type no-offload
sa add in 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type no-offload replay_window 64
sp add ipv4 out esp protect 4096 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp add ipv4 in esp protect 4096 pri 10 src 10.1.0.0/16 dst 10.2.0.0/16
sp add ipv4 out esp discard pri 20 src 10.1.0.0/16 dst 10.3.0.0/16
sp commit
set txport 0
capture stop
capture start all.pcapng all
capture start other.pcapng
set txpkts 128 10.1.0.1 10.3.0.1
start tx_first 1
stop
set txpkts 128 10.1.0.1 10.2.0.1
set fault 0 seed 3
set fault 0 dup 0.05
start tx_first 2
sleep 50
stop
capture stop
show fwd stats json
clear stats
capture start drops.pcapng drops
start tx_first 1
sleep 20
stop
capture stop
show fwd stats json
capture start
capture start x.pcapng bogus
capture start {TMP}/no/such/dir/x.pcapng
capture stop now
"""
    out, err = run("capture", cmds, want_rc=1)
    check_errors(err, [
        r"error: capture stop: no capture is running",
        r"error: capture start: a capture is running already \(to all\.pcapng\)",
        r"error: capture: arguments: capture start <file> \[fwd\|drops\|all\]",
        r"error: capture start: word 2 'bogus': expected fwd, drops or all",
        r"error: capture start: .*no/such/dir/x\.pcapng: No such file or directory",
        r"error: capture: takes no arguments",
    ])
    res = re.findall(r"capture stopped: (\d+) forwarded, (\d+) dropped, "
                     r"(\d+) not captured", out)
    check(len(res) == 2, "two 'capture stopped' lines", out)
    fwd_docs = [d for d in jsons(out) if "total" in d]

    # all.pcapng: forwarded frames and drops, each as counted.
    st = fwd_docs[0]
    tx = sum(p["tx"] for p in st["ports"])
    want_drops = {}
    for p in st["ports"]:
        for r, n in p["drops"].items():
            want_drops[(p["port"], r)] = n
    check(want_drops.get((0, "DISCARD"), 0) == 32 and
          want_drops.get((1, "REPLAY"), 0) > 0,
          "the run did not drop 32 DISCARD on port 0 and REPLAY on 1: %s"
          % want_drops, out)
    check(res[0] == (str(tx), str(st["total"]["dropped"]), "0"),
          "capture stop says %s, the counters tx %d dropped %d"
          % (res[0], tx, st["total"]["dropped"]), out)
    frames = tshark_fields(os.path.join(TMP, "all.pcapng"),
                           ["frame.interface_id",
                            "frame.packet_flags_direction", "frame.comment",
                            "esp.spi", "ip.dst"])
    fwd = [f for f in frames if f[2] == ""]
    drops = [f for f in frames if f[2] != ""]
    check(len(fwd) == tx, "%d forwarded frames in the file, counters %d"
          % (len(fwd), tx))
    bad = [f for f in fwd if not (f[0] == "0" and int(f[1], 16) == 2 and
                                  f[3] and int(f[3], 16) == 4096 and
                                  f[4] == "198.51.100.1")]
    check(not bad, "%d forwarded frames are not outbound ESP SPI 4096 on "
          "port 0, e.g. %s" % (len(bad), bad[:3]))
    got = {}
    for f in drops:
        m = re.match(r"dpsec: ([A-Z_]+): ", f[2])
        check(m, "drop comment %r" % f[2])
        got[(int(f[0]), m.group(1))] = got.get((int(f[0]), m.group(1)), 0) + 1
        if m.group(1) == "DISCARD":
            check(int(f[1], 16) == 2 and f[4] == "10.3.0.1",
                  "DISCARD drop: %s" % (f,))
        else:
            check(int(f[1], 16) == 1 and int(f[3], 16) == 4096,
                  "REPLAY drop: %s" % (f,))
    check(got == want_drops, "drops in the file %s, counters %s"
          % (got, want_drops))

    # The forwarded frames are real ESP: scapy decrypts the first ones.
    # (scapy 2.5 warns about any pcapng comment without a newline.)
    import logging
    logging.getLogger("scapy").setLevel(logging.ERROR)
    from scapy.all import ESP, IP, SecurityAssociation, PcapNgReader, UDP
    key = bytes.fromhex(KEY_GCM.replace(":", ""))
    sa = SecurityAssociation(ESP, spi=4096, crypt_algo="AES-GCM",
                             crypt_key=key, tunnel_header=IP(
                                 src="192.0.2.1", dst="198.51.100.1"))
    n = 0
    for pkt in PcapNgReader(os.path.join(TMP, "all.pcapng")):
        if ESP not in pkt:
            continue
        inner = sa.decrypt(pkt[IP])
        check(inner[IP].dst == "10.2.0.1" and UDP in inner and
              len(inner) == 128, "decrypted frame: %r" % inner)
        n += 1
        if n == 8:
            break
    check(n == 8, "scapy found %d ESP frames" % n)

    # drops.pcapng: only drops (the dup fault still on: REPLAY on port 1).
    st = fwd_docs[1]
    check(res[1][0] == "0" and res[1][1] == str(st["total"]["dropped"]) and
          st["total"]["dropped"] > 0,
          "drops-only capture: %s, counters %s" % (res[1], st["total"]),
          out)
    frames = tshark_fields(os.path.join(TMP, "drops.pcapng"),
                           ["frame.comment"])
    check(len(frames) == st["total"]["dropped"] and
          all(f[0].startswith("dpsec: REPLAY: ") for f in frames),
          "drops.pcapng: %d frames, %d dropped"
          % (len(frames), st["total"]["dropped"]))



def case_sa_update():
    """sa update: lifetimes and userdata of live SAs (dpsec_sa_update()):
    a hard limit raised before it is reached, then reached exactly under
    traffic; a soft limit below what the SA has done expires it at once;
    a dead SA refuses updates; save writes the new values."""
    cmds = f"""set fwd ipsec
sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type no-offload hard_packets 1000
sa add in 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type no-offload replay_window 1024
{POLICIES}set txport 0
sa update out 4096 hard_packets 20000 soft_packets 10000 userdata 42
start tx_first 4
sleep 300
sa update in 4096 soft_packets 1 userdata 7
stop
sa show json
show sa stats json
save upd.conf
sa update out 4096 hard_packets 0
sa update in 4096
sa update in 4096 hard_bytes
sa update in 4096 hard_bytes many
sa update in 4096 lifetime 5
sa update in 999 userdata 1
"""
    out, err = run("sa_update", cmds, want_rc=1)
    check_errors(err, [
        r"error: sa update: dpsec_sa_update: the SA is dead",
        r"error: sa update: nothing to update",
        r"error: sa update: end of line: expected a number for hard_bytes",
        r"error: sa update: word 4 'many': expected a number for hard_bytes",
        r"error: sa update: word 3 'lifetime': expected soft_packets, soft_bytes, soft_seconds, hard_packets, hard_bytes, hard_seconds or userdata",
        r"error: sa update: word 2 '999': expected the SPI of an existing SA",
    ])
    check("sa out 4096: updated, sw" in out, "update printed", out)
    o = sa_entry(doc(out, "sas"), "out", 4096, "sas")
    i = sa_entry(doc(out, "sas"), "in", 4096, "sas")
    check(o["state"] == "dead" and o["seq"] == 20000 and
          o["userdata"] == 42 and o["hard"]["packets"] == 20000 and
          o["soft"]["packets"] == 10000,
          "outbound SA after its hard limit: %s" % o, out)
    check(i["state"] == "soft-expired" and i["userdata"] == 7 and
          i["soft"]["packets"] == 1, "inbound SA after update: %s" % i, out)
    st = sa_entry(doc(out, "sa_stats"), "out", 4096)
    check(st["packets"] == 20000 and
          st["drops_total"] == sum(st["drops"].values()) > 0 and
          set(st["drops"]) <= {"SEQ_OVERFLOW", "SA_DEAD"},
          "outbound SA counted %s" % st, out)
    with open(os.path.join(TMP, "upd.conf")) as f:
        saved = f.read()
    check(re.search(r"sa out 4096 .* userdata 42 soft_packets 10000 "
                    r"hard_packets 20000", saved) and
          re.search(r"sa in 4096 .* userdata 7 soft_packets 1\b", saved),
          "save does not have the updated values", saved)


def case_tls_fwd():
    """set fwd tls: a TLS echo between two endpoints over both ports, the
    contexts on the NIC and in software; every record comes back intact,
    nothing is lost, the streams stay whole through stop; the software
    records on the wire open with python3-cryptography and their TCP
    checksums pass tshark; under reordering the NIC readers resynchronise
    (device-driven) and the rest is decrypted in software."""
    k1 = KEY_CBC
    k2 = KEY_SHA
    a = "192.0.2.1 40000"
    b = "198.51.100.1 443"
    cmds = f"""tls add 1 write 1.3 aes-128-gcm key {k1} iv {IV12} local {a} remote {b} type inline port_id 0
tls add 2 read 1.3 aes-128-gcm key {k1} iv {IV12} local {b} remote {a} type inline port_id 1 rx_resync device
tls add 3 write 1.3 aes-256-gcm key {k2} iv {IV12} local {b} remote {a} type no-offload port_id 1
tls add 4 read 1.3 aes-256-gcm key {k2} iv {IV12} local {a} remote {b} type inline port_id 0 rx_resync device
set fwd tls
set txport 0
capture start tls.pcapng
start tx_first 2
sleep 200
tls del 1
stop
capture stop
show fwd stats json
show tls stats json
tls show json
clear stats
set fault 0 seed 5
set fault 0 reorder 0.02
set fault 1 seed 6
set fault 1 reorder 0.02
start tx_first 1
sleep 150
tls resync 1
tls resync 2
tls resync 3
sleep 150
stop
show fwd stats json
show tls stats json
tls show json
tls add 9 read 1.3 aes-128-gcm key {k1} iv {IV12} local {a} remote {b} rx_resync sideways
"""
    out, err = run("tls_fwd", cmds, want_rc=1)
    check_errors(err, [
        r"error: tls del: not while tls forwarding runs \(stop first\)",
        r"error: tls resync: dpsec_tls_resync: the context is in software: no NIC to resynchronise",
        r"error: tls add: word 16 'sideways': expected an RX resync mode \(hint\|device\)",
    ])
    fwds = [d for d in jsons(out) if "total" in d]
    stats = [d for d in jsons(out) if "tls_stats" in d]
    shows = [d for d in jsons(out) if "tls" in d]
    check(len(fwds) == 2 and len(stats) == 2 and len(shows) == 2,
          "two rounds of JSON", out)
    for rnd in range(2):
        t = fwds[rnd]["total"]
        recs = sum(p["tls_records"] for p in fwds[rnd]["ports"])
        bad = sum(p["tls_bad"] for p in fwds[rnd]["ports"])
        check(fwds[rnd]["mode"] == "tls", "mode", out)
        check(t["injected"] == (64 if rnd == 0 else 32) and
              t["dropped"] == 0 and t["not_ip"] == 0 and
              t["tx_refused"] == 0 and t["unaccounted"] == 0 and
              t["drained"] == t["injected"],
              "round %d: lost or dropped: %s" % (rnd, t), out)
        check(recs > 1000 and bad == 0,
              "round %d: %d records echoed, %d wrong" % (rnd, recs, bad),
              out)
        s = {e["id"]: e for e in stats[rnd]["tls_stats"]}
        check(all(e["auth_failed"] == 0 and e["dropped"] == 0
                  for e in s.values()), "round %d: %s" % (rnd, s), out)
        c = {e["id"]: e for e in shows[rnd]["tls"]}
        # Every record sent was received: the streams are whole.
        check(c[1]["next_tcp_seq"] == c[2]["next_tcp_seq"] and
              c[3]["next_tcp_seq"] == c[4]["next_tcp_seq"] and
              c[1]["next_rec_seq"] == c[2]["next_rec_seq"] and
              c[3]["next_rec_seq"] == c[4]["next_rec_seq"],
              "round %d: streams differ: %s" % (rnd, c), out)
    s0 = {e["id"]: e for e in stats[0]["tls_stats"]}
    s1 = {e["id"]: e for e in stats[1]["tls_stats"]}
    # Round 1, in order: the NIC did every record of its contexts.
    check(s0[1]["records_sw"] == 0 and s0[1]["records_nic"] > 1000 and
          s0[2]["records_sw"] == 0 and s0[4]["records_sw"] == 0 and
          s0[3]["records_nic"] == 0 and s0[3]["records_sw"] > 1000,
          "round 1 placements: %s" % s0, out)
    # Round 2, reordered: the readers lost the NIC, resynchronised it
    # (requests answered ok) and were partly done in software.
    # tls resync: the requests were taken by the running contexts.
    check(s1[1]["resync_taken"] == 1 and s1[2]["resync_taken"] == 1 and
          s1[4]["resync_taken"] == 0 and
          "tls 1: resynchronisation with the NIC requested" in out,
          "tls resync: %s" % s1, out)
    for i in (2, 4):
        d = {k: s1[i][k] - s0[i][k] for k in s1[i] if k != "id"}
        check(d["rx_resync_req"] > 0 and d["rx_resync_ok"] > 0 and
              d["records_sw"] > 0 and d["records_nic"] > 0,
              "round 2, reader %d: %s" % (i, d), out)

    # The software writer's records on the wire (port 1, in order from
    # record 0) open with the key and IV, independently of dpsec.
    import logging
    logging.getLogger("scapy").setLevel(logging.ERROR)
    from scapy.all import IP, TCP, PcapNgReader
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    aead = AESGCM(bytes.fromhex(k2.replace(":", "")))
    iv = bytes.fromhex(IV12.replace(":", ""))
    n = 0
    for pkt in PcapNgReader(os.path.join(TMP, "tls.pcapng")):
        if TCP not in pkt or pkt[IP].src != "198.51.100.1":
            continue
        rec = bytes(pkt[TCP].payload)
        nonce = bytes(x ^ y for x, y in
                      zip(iv, n.to_bytes(12, "big")))
        check(rec[:3] == b"\x17\x03\x03" and
              int.from_bytes(rec[3:5], "big") == len(rec) - 5,
              "record %d header %s" % (n, rec[:5].hex()))
        pt = aead.decrypt(nonce, rec[5:], rec[:5])
        data = pt[:-1]
        tag = int.from_bytes(data[:8], "big")
        check(pt[-1] == 0x17 and all(data[i] == (tag + i) & 0xff
                                     for i in range(8, len(data))),
              "record %d: plaintext %s" % (n, pt[:16].hex()))
        n += 1
        if n == 20:
            break
    check(n == 20, "%d software records found in the capture" % n)
    # And their TCP checksums (computed by the CLI after encryption).
    f = [x for x in tshark_fields(os.path.join(TMP, "tls.pcapng"),
                                  ["ip.src", "tcp.checksum.status"],
                                  ["-o", "tcp.check_checksum:TRUE"])
         if x[0] == "198.51.100.1"]
    check(len(f) > 1000 and all(x[1] == "1" for x in f),
          "TCP checksums of the software records: %d frames, %d good"
          % (len(f), sum(x[1] == "1" for x in f)))

KEY16 = KEY_CBC
IV12 = "a0:a1:a2:a3:a4:a5:a6:a7:a8:a9:aa:ab"
CONN = "local 10.0.0.1 443 remote 10.0.0.2 50000"


def case_tls():
    """TLS contexts: on the NIC (sim_inline's TLS offload) or in software
    as asked, shown with their sequence state, refused with the field
    named, destroyed once."""
    cmds = f"""tls add 1 write 1.3 aes-128-gcm key {KEY16} iv {IV12} {CONN} tcp_seq 1000 seq 7 type inline port_id 0
tls add 2 read 1.2 aes-256-gcm key {KEY_SHA} iv 01:02:03:04 {CONN}
tls add 3 write 1.3 aes-128-gcm key 00:01 iv {IV12} {CONN}
tls add 4 write 1.3 aes-128-gcm key {KEY16} {CONN}
tls add 5 write 1.4 aes-128-gcm
tls add 1 write 1.3 chacha20-poly1305 key {KEY_SHA} iv {IV12} {CONN}
port caps 0
tls show json
show tls stats json
tls del 1
tls del 1
tls show json
"""
    out, err = run("tls", cmds, want_rc=1)
    check_errors(err, [
        r"error: tls add: dpsec_tls_create: Invalid argument",
        r"error: tls add: end of line: expected iv",
        r"error: tls add: word 3 '1\.4': expected a TLS version \(1\.2\|1\.3\)",
        r"error: tls add: TLS context 1 exists already",
        r"error: tls del: word 1 '1': expected the id of an existing TLS context"])
    check("key: 16 bytes expected" in err, "library log names the key", err)
    check("port 0: TLS record offload: tx rx, TLS 1.2 1.3, "
          "aes-128-gcm,aes-256-gcm, contexts 1 of 64 in use" in out,
          "port caps: the TLS engine with context 1 in it", out)
    shows = [d for d in jsons(out) if "tls" in d]
    t = {e["id"]: e for e in shows[0]["tls"]}
    check(sorted(t) == [1, 2], "contexts: %s" % sorted(t), out)
    check(t[1]["dir"] == "write" and t[1]["ver"] == "1.3" and
          t[1]["placement"] == "inline-crypto" and t[1]["reason"] == "NONE" and
          t[1]["next_rec_seq"] == 7 and t[1]["next_tcp_seq"] == 1000,
          "context 1: %s" % t[1], out)
    check(t[2]["dir"] == "read" and t[2]["cipher"] == "aes-256-gcm" and
          t[2]["reason"] == "OFFLOAD_NONE", "context 2: %s" % t[2], out)
    st = doc(out, "tls_stats")["tls_stats"]
    check(len(st) == 2 and all(e["records_sw"] == 0 for e in st),
          "tls stats: %s" % st, out)
    check([e["id"] for e in shows[1]["tls"]] == [2], "after del", out)


def case_tls_keyupdate():
    """tls keyupdate: a write context takes the key of the next TLS 1.3
    secret (or a key and IV) from a record boundary; a read context only
    when dpsec_tls_rx() delivered a KeyUpdate; bad arguments named."""
    secret = ":".join(["5c"] * 32)
    cmds = f"""tls add 1 write 1.3 aes-128-gcm key {KEY16} iv {IV12} {CONN} tcp_seq 1000 seq 7
tls add 2 read 1.2 aes-256-gcm key {KEY_SHA} iv 01:02:03:04 {CONN}
tls keyupdate 1 secret {secret} tcp_seq 1000
tls keyupdate 1 tcp_seq 5
tls keyupdate 1 secret 01:02 tcp_seq 1000
tls keyupdate 9 secret {secret} tcp_seq 1
tls keyupdate 2 key {KEY_SHA} iv 05:06:07:08 tcp_seq 1
tls keyupdate 1 key {KEY16} secret {secret} tcp_seq 1000
tls show json
"""
    out, err = run("tls_keyupdate", cmds, want_rc=1)
    check("tls 1: new key from tcp_seq 1000" in out, "keyupdate 1", out + err)
    check_errors(err, [
        r"error: tls keyupdate: give tcp_seq and either secret",
        r"error: tls keyupdate: secret: 2 bytes do not fit aes-128-gcm",
        r"error: tls keyupdate: word 1 '9': expected the id of an existing TLS context",
        r"error: tls keyupdate: dpsec_tls_rekey: Invalid argument",
        r"error: tls keyupdate: give tcp_seq and either secret"])
    t = {e["id"]: e for e in doc(out, "tls")["tls"]}
    check(sorted(t) == [1, 2] and t[2]["state"] == "active",
          "contexts after keyupdate: %s" % t, out)


def case_move_stress():
    """Ten round trips NIC -> software -> NIC of an inline-protocol outbound
    SA while the packets loop (the receiver in software): no packet may be
    lost. Not registered in meson yet: it fails with REPLAY drops until
    dpsec_sa_move() hands the NIC sequence numbers no software burst still
    running can take (the sequence-number reuse is reported to the lead)."""
    moves = "".join("sleep 20\nsa move out 4096 sw\nsleep 20\nsa move out 4096 nic\n"
                    for _ in range(10))
    cmds = f"""set fwd ipsec
sa add out 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type inline-protocol-offload port_id 0
sa add in 4096 aead_algo aes-128-gcm aead_key {KEY_GCM} {TUNNEL} type no-offload replay_window 1024
{POLICIES}set txport 0
start tx_first 4
{moves}sleep 50
stop
show fwd stats json
"""
    out, err = run("move_stress", cmds)
    fwd_checks(out, "move_stress")


CASES = {
    "move_stress": case_move_stress,
    "tls": case_tls,
    "tls_keyupdate": case_tls_keyupdate,
    "ipsec_fwd": case_ipsec_fwd,
    "sw_fwd": case_sw_fwd,
    "io_fwd": case_io_fwd,
    "errors": case_errors,
    "save_load": case_save_load,
    "faults": case_faults,
    "capture": case_capture,
    "sa_update": case_sa_update,
    "tls_fwd": case_tls_fwd,
}


def main():
    global CLI, TMP
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        sys.exit("usage: cli_test.py CLI-BINARY %s" % "|".join(CASES))
    CLI = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="dpsec-cli-") as d:
        TMP = d
        try:
            CASES[sys.argv[2]]()
        except Fail as e:
            print("FAIL: cli_%s: %s" % (sys.argv[2], e))
            sys.exit(1)
    print("PASS: cli_%s" % sys.argv[2])


if __name__ == "__main__":
    main()
