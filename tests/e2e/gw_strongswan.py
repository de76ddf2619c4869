#!/usr/bin/python3
"""dpsec-ipsec-gw against strongSwan on a real link (doc/ipsec_gw.md):
ESP between the gateway and strongSwan's userspace IPsec (charon with the
kernel-libipsec plugin: these machines' kernels have no XFRM), each way
through a round trip, counted on both sides.

  netns A                    netns G                       netns C
  charon, kernel-libipsec    dpsec-ipsec-gw                kernel, UDP echo
  203.0.113.1, .33, .65      port 0          port 1        203.0.113.129,
  198.51.100.1 === veth ===  af_packet       af_packet === veth  .161, .193
                             (198.51.100.2)

strongSwan has no manual keying, so the CHILD_SAs come from IKEv2 between
charon in A (initiator) and a second charon in G (responder); A's charon
logs the keys it derived (`chd` level 4, keymat_v2.c). Then G's charon is
killed with SIGKILL (no DELETE goes out), G's address leaves the veth, and
dpsec-ipsec-gw in G takes the SAs over with those SPIs and keys. A's clear
hosts send UDP datagrams to C's: charon encrypts (libipsec), dpsec
decrypts and forwards to C, C's kernel echoes, dpsec encrypts, charon
decrypts. One CHILD_SA per row of CHILDREN; strongSwan 5.9.8's libipsec
does ESP in UDP only (RFC 3948; "only UDP encapsulation is supported"),
so charon forces encapsulation and every SA is NAT-T on UDP 4500.

Checked: every datagram comes back once, byte for byte; charon's per-SA
packets and bytes in and out equal what was sent; the gateway's per-SA
packets, its port counters and SPD hits equal the same, with no drop, and
it stops with all mbufs back. Addresses: 198.51.100.0/24 and
203.0.113.0/24 only; IPv6 off; three network namespaces the test creates
and removes; each charon in a mount namespace of its own with a private
/run. Needs root.

  gw_strongswan.py <dpsec-ipsec-gw>
  gw_strongswan.py --client <flows>     (in netns A)
  gw_strongswan.py --echo <hosts>       (in netns C)
"""
import ipaddress
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from e2e_proc import Reader, sh  # tests/e2e/e2e_proc.py

A_IP, G_IP = "198.51.100.1", "198.51.100.2"
C_NEXTHOP = "203.0.113.254"     # the gateway, as C's kernel sees it
PORT = 7007
N = 40                          # datagrams each way per CHILD_SA
PSK = "dpsec-gw-strongswan-psk"
CHARON = "/usr/lib/ipsec/charon"
PLUGINS = "/usr/lib/ipsec/plugins/libstrongswan-"

# name, charon's esp_proposals, how swanctl --list-sas names it, dpsec's
# sa parameters (keys filled in from charon's log: ENCR, INTEG), A's
# clear host, C's host. Each CHILD_SA: A's /27 === C's /27.
CHILDREN = [
    ("gcm128", "aes128gcm16", "ESP:AES_GCM_16-128",
     "aead_algo aes-128-gcm aead_key {encr}",
     "203.0.113.1", "203.0.113.129"),
    ("cbc128sha256", "aes128-sha256",
     "ESP:AES_CBC-128/HMAC_SHA2_256_128",
     "cipher_algo aes-128-cbc cipher_key {encr} "
     "auth_algo sha256-hmac auth_key {integ}",
     "203.0.113.33", "203.0.113.161"),
    ("gcm256", "aes256gcm16", "ESP:AES_GCM_16-256",
     "aead_algo aes-256-gcm aead_key {encr}",
     "203.0.113.65", "203.0.113.193"),
]


def net27(host):
    return str(ipaddress.ip_network(host + "/27", strict=False))


def last27(host):
    """The last host address of host's /27."""
    return str(ipaddress.ip_network(host + "/27", strict=False)[-2])


def hexs(b):
    return ":".join("%02x" % x for x in b)


def payload(flow, i):
    body = bytes((flow * 31 + i * 7 + k) & 0xff for k in range(1000))
    return b"swan-%d-%04d|" % (flow, i) + body[: 10 + (i * 37) % 900]


# --- the helpers that run inside the namespaces ---------------------------

def client(flows):
    """In A: one datagram at a time per flow, each waits for its echo."""
    res = []
    end = time.time() + 40
    for f, (src, dst) in enumerate(flows):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.settimeout(1.0)
        ok, lost, bad = 0, 0, 0
        for i in range(N):
            if time.time() > end:
                lost += N - i           # out of time: the rest is lost
                break
            p = payload(f, i)
            s.sendto(p, (dst, PORT))
            try:
                d, a = s.recvfrom(4096)
            except socket.timeout:
                lost += 1
                if lost == 3 and ok == 0:     # nothing gets through
                    lost += N - i - 1
                    break
                continue
            if d == p and a == (dst, PORT):
                ok += 1
            else:
                bad += 1
        s.close()
        res.append({"src": src, "dst": dst, "ok": ok, "lost": lost,
                    "bad": bad})
    print(json.dumps(res), flush=True)


def echo(hosts):
    """In C: echo UDP on each host address (so that the reply leaves from
    the address asked) until stdin closes; say how many were echoed."""
    socks = []
    for h in hosts:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((h, PORT))
        socks.append(s)
    n = 0
    print("ready", flush=True)
    end = time.time() + 120
    while time.time() < end:
        r, _, _ = select.select(socks + [sys.stdin], [], [], 0.5)
        if sys.stdin in r:
            break                       # closed: the test is over
        for s in r:
            d, a = s.recvfrom(4096)
            s.sendto(d, a)
            n += 1
    print("echoed %d" % n, flush=True)


# --- the test ---------------------------------------------------------------

def strongswan_conf(tmp, who, chd_level):
    """charon's settings: only the plugins it needs, kernel-libipsec before
    kernel-netlink (which then only does addresses and routes), its own
    vici socket and log; no NAT-T keepalives (they would reach the
    gateway as non-ESP on UDP 4500)."""
    path = os.path.join(tmp, who + ".strongswan.conf")
    with open(path, "w") as f:
        f.write("""charon {
  load = random nonce aes sha1 sha2 hmac gcm gmp kdf kernel-libipsec \
kernel-netlink socket-default vici
  keep_alive = 0
  plugins {
    vici {
      socket = unix://%(tmp)s/%(who)s.vici
    }
  }
  filelog {
    log {
      path = %(tmp)s/%(who)s.log
      default = 1
      chd = %(chd)d
      flush_line = yes
    }
  }
  syslog {
  }
}
swanctl {
  load = random nonce
}
""" % dict(tmp=tmp, who=who, chd=chd_level))
    return path


def swanctl_conf(tmp, who, local, remote, initiator):
    d = os.path.join(tmp, who + "-swanctl")
    os.mkdir(d)
    children = []
    for name, esp, _, _, a_host, c_host in CHILDREN:
        lts, rts = net27(a_host), net27(c_host)
        if not initiator:
            lts, rts = rts, lts
        children.append("""      %s {
        local_ts = %s
        remote_ts = %s
        esp_proposals = %s
        mode = tunnel
        start_action = none
      }
""" % (name, lts, rts, esp))
    path = os.path.join(d, "swanctl.conf")
    with open(path, "w") as f:
        f.write("""connections {
  dpsec {
    version = 2
    local_addrs = %s
    remote_addrs = %s
    proposals = aes128-sha256-modp2048
    encap = yes
    local {
      auth = psk
      id = %s
    }
    remote {
      auth = psk
      id = %s
    }
    children {
%s    }
  }
}
secrets {
  ike-dpsec {
    id-a = a.example
    id-g = g.example
    secret = "%s"
  }
}
""" % (local, remote, "a.example" if initiator else "g.example",
       "g.example" if initiator else "a.example", "".join(children), PSK))
    return path


def child_keys(log):
    """The keys A's charon derived for each CHILD_SA, from its log at
    `chd` 4 (keymat_v2.c derive_child_keys(): 'encryption initiator key
    => 20 bytes @ 0x...' and a hex dump of 16 bytes a line), paired with
    the next 'CHILD_SA <name>{n} established' line."""
    keys, cur, want, got, out = {}, None, 0, b"", {}
    head = re.compile(r"\[CHD\] (encryption|integrity) (initiator|responder)"
                      r" key => (\d+) bytes")
    dump = re.compile(r"\[CHD\]\s+\d+: (.{1,47})")
    est = re.compile(r"\[IKE\] CHILD_SA (\S+)\{\d+\} established with SPIs "
                     r"([0-9a-f]{8})_i ([0-9a-f]{8})_o")
    for line in log.splitlines():
        m = head.search(line)
        if m:
            cur, want, got = (m.group(1), m.group(2)), int(m.group(3)), b""
            continue
        m = dump.search(line)
        if cur and m:
            got += bytes.fromhex(" ".join(m.group(1).split()[:16]))
            if len(got) >= want:
                keys[cur], cur = got[:want], None
            continue
        m = est.search(line)
        if m:
            out[m.group(1)] = dict(keys, spi_in=int(m.group(2), 16),
                                   spi_out=int(m.group(3), 16))
            keys = {}
    return out


def charon_sas(text):
    """swanctl --list-sas: per CHILD_SA its mode, proposal, and in/out
    SPI, bytes, packets."""
    sas, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"  (\S+): #\d+, reqid \d+, (\S+), (\S+), (.*)$", line)
        if m:
            cur = sas[m.group(1)] = dict(state=m.group(2), mode=m.group(3),
                                         alg=m.group(4))
            continue
        m = re.match(r"    (in|out) +([0-9a-f]{8})[^,]*, +(\d+) bytes, +"
                     r"(\d+) packets", line)
        if cur is not None and m:
            cur[m.group(1)] = (int(m.group(2), 16), int(m.group(3)),
                               int(m.group(4)))
    return sas


def gw_final(out):
    """The gateway's final counters: ports and SAs."""
    ports, sas, spd = {}, {}, None
    final = False
    for line in out.splitlines():
        if line.startswith("-- final counters"):
            final = True
            continue
        if not final:
            continue
        m = re.match(r"\s*(\d+) (unprotected|protected)\s+(\d+)\s+[\d.]+\s+"
                     r"(\d+)\s+[\d.]+\s+(\d+)$", line)
        if m:
            ports[int(m.group(1))] = tuple(int(m.group(i)) for i in (3, 4, 5))
            continue
        m = re.match(r"(in|out)\s+(\d+) (\S+)\s+(\d+)\s+(\d+)\s+(\d+) (\S+)$",
                     line)
        if m:
            sas[(m.group(1), int(m.group(2)))] = dict(
                place=m.group(3), packets=int(m.group(4)),
                bytes=int(m.group(5)), dropped=int(m.group(6)),
                state=m.group(7))
            continue
        m = re.match(r"SPD out: protect (\d+) bypass (\d+) discard (\d+) "
                     r"no-policy (\d+) \| in: protect (\d+) bypass (\d+) "
                     r"discard (\d+) no-policy (\d+)", line)
        if m:
            spd = tuple(int(x) for x in m.groups())
    return ports, sas, spd


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if os.geteuid() != 0:
        print("gw-strongswan: needs root (ip netns, mount)")
        return 1
    missing = [f for f in (CHARON, PLUGINS + "kernel-libipsec.so",
                           PLUGINS + "gcm.so") if not os.path.exists(f)]
    if missing or shutil.which("swanctl") is None:
        print("gw-strongswan: strongSwan is not installed (%s): run "
              "devtools/setup.sh" % " ".join(missing or ["swanctl"]))
        return 1
    gw = os.path.abspath(sys.argv[1])
    me = os.path.abspath(__file__)
    tmp = tempfile.mkdtemp(prefix="dpsec-gw-swan-")
    os.chmod(tmp, 0o755)
    tag = "%d" % (os.getpid() % 100000)
    ns_a, ns_g, ns_c = ("dpsec-sa" + tag, "dpsec-sg" + tag,
                        "dpsec-sc" + tag)
    if_a, if_ga, if_gc, if_c = ("dsa" + tag, "dsga" + tag, "dsgc" + tag,
                                "dsc" + tag)
    prefix = "dpsec-swan" + tag
    fails = []
    procs = []
    t0 = time.time()

    def start(argv, env=None, stdin=None):
        p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=env)
        procs.append(p)
        r = Reader(p.stdout)
        r.start()
        return p, r

    def charon(ns, conf):
        """charon in ns, in a mount namespace of its own whose /run is a
        private tmpfs: two charons must not share /run/charon.pid."""
        env = dict(os.environ, STRONGSWAN_CONF=conf)
        p, r = start(["ip", "netns", "exec", ns, "unshare", "-m",
                      "--propagation", "private", "sh", "-c",
                      "mount -t tmpfs -o size=1m tmpfs /run && "
                      "exec " + CHARON], env=env)
        return p, r, env

    def swanctl(ns, env, who, *args):
        return sh("ip", "netns", "exec", ns, "swanctl", *args, "--uri",
                  "unix://%s/%s.vici" % (tmp, who), env=env)

    def wait_vici(who, r):
        sock = os.path.join(tmp, who + ".vici")
        end = time.time() + 15
        while not os.path.exists(sock):
            if time.time() > end or (r.lines and r.lines[-1] is None):
                raise RuntimeError("charon %s did not start:\n%s" %
                                   (who, r.text()))
            time.sleep(0.05)

    def mac(ns, ifc):
        return json.loads(sh("ip", "-n", ns, "-j", "link", "show",
                             ifc))[0]["address"]

    try:
        for ns in (ns_a, ns_g, ns_c):
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", if_a, "netns", ns_a, "type", "veth",
           "peer", "name", if_ga, "netns", ns_g)
        sh("ip", "link", "add", if_gc, "netns", ns_g, "type", "veth",
           "peer", "name", if_c, "netns", ns_c)
        for ns, ifcs in ((ns_a, [if_a]), (ns_g, [if_ga, if_gc]),
                         (ns_c, [if_c])):
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.all.disable_ipv6=1")
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.default.disable_ipv6=1")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            for ifc in ifcs:
                # Whole frames with their checksums on the wire: the
                # gateway (af_packet) sees what the kernels send.
                sh("ip", "netns", "exec", ns, "ethtool", "-K", ifc, "tx",
                   "off", "tso", "off", "gso", "off", "gro", "off")
                sh("ip", "-n", ns, "link", "set", ifc, "up")
        sh("ip", "-n", ns_a, "addr", "add", A_IP + "/24", "dev", if_a)
        sh("ip", "-n", ns_g, "addr", "add", G_IP + "/24", "dev", if_ga)
        for _, _, _, _, a_host, c_host in CHILDREN:
            sh("ip", "-n", ns_a, "addr", "add", a_host + "/32", "dev", if_a)
            sh("ip", "-n", ns_c, "addr", "add", c_host + "/32", "dev", if_c)
            # kernel-libipsec routes each outbound policy through its TUN
            # from an address of the host in the local selector, and fails
            # the CHILD_SA without one: charon G gets one in each of C's
            # /27s for as long as it lives.
            sh("ip", "-n", ns_g, "addr", "add", last27(c_host) + "/32",
               "dev", if_ga)
        # C: the A side is behind the gateway, which answers no ARP.
        sh("ip", "-n", ns_c, "neigh", "add", C_NEXTHOP, "lladdr",
           mac(ns_g, if_gc), "dev", if_c, "nud", "permanent")
        sh("ip", "-n", ns_c, "route", "add", "203.0.113.0/25", "via",
           C_NEXTHOP, "dev", if_c, "onlink")

        # IKEv2 between charon A and charon G: the CHILD_SAs.
        conf_a = strongswan_conf(tmp, "a", 4)
        conf_g = strongswan_conf(tmp, "g", 1)
        ca, ra, env_a = charon(ns_a, conf_a)
        cg, rg, env_g = charon(ns_g, conf_g)
        wait_vici("a", ra)
        wait_vici("g", rg)
        swanctl(ns_g, env_g, "g", "--load-all", "--file",
                swanctl_conf(tmp, "g", G_IP, A_IP, False))
        swanctl(ns_a, env_a, "a", "--load-all", "--file",
                swanctl_conf(tmp, "a", A_IP, G_IP, True))
        for name, *_ in CHILDREN:
            swanctl(ns_a, env_a, "a", "--initiate", "--child", name,
                    "--timeout", "10")
        with open(os.path.join(tmp, "a.log")) as f:
            keys = child_keys(f.read())
        before = charon_sas(swanctl(ns_a, env_a, "a", "--list-sas"))
        print("charon A's CHILD_SAs (IKEv2 with charon G, %.1f s):" %
              (time.time() - t0))
        for name, esp, alg, _, _, _ in CHILDREN:
            sa, k = before.get(name), keys.get(name)
            if sa is None or k is None:
                raise RuntimeError("CHILD_SA %s: not established (%s), "
                                   "keys %s" % (name, sa, k and list(k)))
            print("  %s: in %08x out %08x %s %s" % (name, sa["in"][0],
                  sa["out"][0], sa["mode"], sa["alg"]))
            if (sa["state"], sa["mode"], sa["alg"]) != \
                    ("INSTALLED", "TUNNEL-in-UDP", alg):
                raise RuntimeError("CHILD_SA %s: %s %s %s, want INSTALLED "
                                   "TUNNEL-in-UDP %s" % (name, sa["state"],
                                                         sa["mode"],
                                                         sa["alg"], alg))
            if (sa["in"][0], sa["out"][0]) != (k["spi_in"], k["spi_out"]):
                raise RuntimeError("CHILD_SA %s: the log's SPIs are not "
                                   "swanctl's" % name)

        # G's charon goes without a word (SIGKILL: no DELETE), and its
        # address with it: from now on only the gateway answers there.
        with open("/proc/%d/comm" % cg.pid) as f:
            if f.read().strip() != "charon":
                raise RuntimeError("pid %d is not charon G" % cg.pid)
        cg.kill()
        cg.wait(timeout=10)
        sh("ip", "-n", ns_g, "addr", "flush", "dev", if_ga)
        sh("ip", "-n", ns_a, "neigh", "replace", G_IP, "lladdr",
           mac(ns_g, if_ga), "dev", if_a, "nud", "permanent")

        # The gateway in G with the SAs: initiator keys protect A -> G
        # (RFC 7296 §2.17), so they are the gateway's inbound ones.
        lines = ["# gw_strongswan.py: port 0 = af_packet to charon A, "
                 "port 1 = af_packet to C"]
        for name, _, _, tmpl, a_host, c_host in CHILDREN:
            k = keys[name]
            for d, spi, who, src, dst in (
                    ("in", k["spi_out"], "initiator", A_IP, G_IP),
                    ("out", k["spi_in"], "responder", G_IP, A_IP)):
                algo = tmpl.format(encr=hexs(k[("encryption", who)]),
                                   integ=hexs(k.get(("integrity", who),
                                                    b"")))
                lines.append("sa %s %d %s mode ipv4-tunnel src %s dst %s "
                             "udp-encap%s" % (d, spi, algo, src, dst,
                                              " replay_window 64"
                                              if d == "in" else ""))
            lines.append("sp ipv4 in esp protect %d pri 1 src %s dst %s" %
                         (k["spi_out"], net27(a_host), net27(c_host)))
            lines.append("sp ipv4 out esp protect %d pri 1 src %s dst %s" %
                         (k["spi_in"], net27(c_host), net27(a_host)))
        lines += ["rt ipv4 dst %s/32 port 0" % A_IP,
                  "rt ipv4 dst 203.0.113.128/25 port 1",
                  "neigh port 0 %s" % mac(ns_a, if_a),
                  "neigh port 1 %s" % mac(ns_c, if_c)]
        cfg = os.path.join(tmp, "gw.cfg")
        with open(cfg, "w") as f:
            f.write("\n".join(lines) + "\n")

        flows = [(a_host, c_host) for *_, a_host, c_host in CHILDREN]
        e, re_ = start(["ip", "netns", "exec", ns_c, sys.executable, me,
                        "--echo", json.dumps([c for _, c in flows])],
                       stdin=subprocess.PIPE)
        if not re_.wait_for(lambda ls: "ready" in ls, 10):
            raise RuntimeError("the echo server did not start:\n" +
                               re_.text())
        g, rgw = start(["ip", "netns", "exec", ns_g, gw,
                        "--no-huge", "--no-pci", "-m", "512",
                        "--no-shconf", "--file-prefix", prefix, "-l", "0,1",
                        "--log-level=lib.eal:warning",
                        "--vdev=net_af_packet0,iface=" + if_ga,
                        "--vdev=net_af_packet1,iface=" + if_gc,
                        "--", "-p", "0x3", "-u", "0x1", "-f", cfg,
                        "--stats", "0", "--seconds", "60"])
        if not rgw.wait_for(lambda ls: any(l and l.startswith(
                "forwarding on") for l in ls), 30):
            raise RuntimeError("the gateway did not start:\n" + rgw.text())

        cl = subprocess.run(["ip", "netns", "exec", ns_a, sys.executable, me,
                             "--client", json.dumps(flows)],
                            capture_output=True, text=True, timeout=120)
        after = charon_sas(swanctl(ns_a, env_a, "a", "--list-sas"))
        g.send_signal(signal.SIGTERM)
        g.wait(timeout=30)
        e.stdin.close()
        e.wait(timeout=10)
        rgw.wait_for(lambda ls: ls and ls[-1] is None, 5)
        re_.wait_for(lambda ls: ls and ls[-1] is None, 5)
        gw_out = rgw.text()
        print(gw_out)

        # The datagrams: each back once, intact.
        try:
            res = json.loads(cl.stdout)
        except ValueError:
            raise RuntimeError("the client failed (%d):\n%s%s" %
                               (cl.returncode, cl.stdout, cl.stderr))
        sent = [[payload(f, i) for i in range(N)]
                for f in range(len(CHILDREN))]
        for (name, *_), r in zip(CHILDREN, res):
            print("%s: %s -> %s: %d of %d echoed intact, %d lost, %d bad" %
                  (name, r["src"], r["dst"], r["ok"], N, r["lost"],
                   r["bad"]))
            if r["ok"] != N:
                fails.append("%s: %d of %d datagrams came back intact "
                             "(%d lost, %d bad)" % (name, r["ok"], N,
                                                    r["lost"], r["bad"]))
        m = re.search(r"echoed (\d+)", re_.text())
        if not m or int(m.group(1)) != N * len(CHILDREN):
            fails.append("C echoed %s datagrams, want %d" %
                         (m and m.group(1), N * len(CHILDREN)))

        # charon A: every request encrypted, every reply decrypted. Its
        # byte counts are of the inner IP packets (IP + UDP + payload).
        ip_bytes = [sum(28 + len(p) for p in s) for s in sent]
        for (name, *_), nb in zip(CHILDREN, ip_bytes):
            sa = after.get(name, {})
            for d in ("out", "in"):
                have = sa.get(d, (0, 0, 0))[1:]
                if have != (nb, N):
                    fails.append("charon A %s %s: %d bytes %d packets, "
                                 "want %d bytes %d packets" %
                                 ((name, d) + have + (nb, N)))

        # The gateway: the same counts, no drop, a clean stop.
        ports, sas, spd = gw_final(gw_out)
        nb_all = N * len(CHILDREN)
        for p in (0, 1):
            if ports.get(p) != (nb_all, nb_all, 0):
                fails.append("gateway port %d: rx, tx, dropped %s, want "
                             "%d, %d, 0" % (p, ports.get(p), nb_all,
                                            nb_all))
        for (name, *_), nb in zip(CHILDREN, ip_bytes):
            k = keys[name]
            for d, spi in (("in", k["spi_out"]), ("out", k["spi_in"])):
                s = sas.get((d, spi))
                if s is None or (s["packets"], s["bytes"], s["dropped"],
                                 s["state"]) != (N, nb, 0, "active"):
                    fails.append("gateway sa %s %d (%s): %s, want %d "
                                 "packets, %d bytes, 0 dropped, active" %
                                 (d, spi, name, s, N, nb))
        if spd != (nb_all, 0, 0, 0, nb_all, 0, 0, 0):
            fails.append("gateway SPD hits %s, want protect %d each way "
                         "and nothing else" % (spd, nb_all))
        if "drops of rx port" in gw_out:
            fails.append("the gateway dropped packets")
        if g.returncode != 0 or "mbufs: all" not in gw_out:
            fails.append("gateway exit %d" % g.returncode)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as ex:
        fails.append(str(ex))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                fails.append("pid %d did not end" % p.pid)
        for ns in (ns_a, ns_g, ns_c):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
        if fails and os.path.exists(os.path.join(tmp, "a.log")):
            with open(os.path.join(tmp, "a.log")) as f:
                print("charon A's log (keys left out):")
                for line in f:
                    if "[CHD]" not in line:
                        print("  " + line.rstrip())
        if os.environ.get("DPSEC_SWAN_KEEP"):
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("ok: %d datagrams each way through each of %d CHILD_SAs "
              "between strongSwan (charon, kernel-libipsec) and "
              "dpsec-ipsec-gw over a veth pair, %.1f s" %
              (N, len(CHILDREN), time.time() - t0))
    return 1 if fails else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--client":
        client(json.loads(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--echo":
        echo(json.loads(sys.argv[2]))
        sys.exit(0)
    sys.exit(main())
