#!/usr/bin/python3
"""tls_capture.py: real TLS connections between independent TLS stacks,
captured on loopback with their key logs, for dpsec's interop tests.

  tls_capture.py --out DIR [--case NAME]... [--timeout S] [--ipv4-only]
                 [--list]

Each run creates its own network namespace (dpsec-tlscap-<pid>-<random>),
brings its lo up and deletes it when done, also on errors, timeouts and
SIGTERM/SIGINT. For each case (all of them unless --case is given):

  * tcpdump (or dumpcap) captures the case's TCP port on lo into
    DIR/<case>.pcap (classic pcap, Ethernet link type: libpcap gives lo
    DLT_EN10MB with zero MACs; any other link type is converted);
  * a server and a client run inside the namespace with a throwaway RSA
    key and certificate, session tickets off (-no_ticket / --noticket),
    no resumption, the case's version and suite forced on both ends;
  * both key logs (NSS format: OpenSSL -keylogfile, GnuTLS SSLKEYLOGFILE)
    are merged into DIR/<case>.keylog;
  * the harness feeds each side's stdin with seeded random bytes in a
    fixed chunk plan (1 byte to 16384 bytes, so records of 16384 bytes and
    small ones) in lock-step: a chunk is written, then read back from the
    peer's stdout before the next one, so every chunk arrives whole and
    is checked on the way; what each side sent is saved as
    DIR/<case>_client_sent.bin and DIR/<case>_server_sent.bin;
  * the server's stdin is closed last: it sends close_notify and both end.

Cases: openssl-* (s_client <-> s_server) and gnutls-* (gnutls-cli <->
s_server: GnuTLS writes the client's records) for TLS 1.3 with
TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
TLS_CHACHA20_POLY1305_SHA256 and TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256,
ECDHE-RSA-AES256-GCM-SHA384, ECDHE-RSA-CHACHA20-POLY1305; and
gnutls-tls13-*-keyupdate, where gnutls-cli sends KeyUpdate (with
update_requested) twice and s_server answers each; and gnutlsserv-*:
s_client against gnutls-serv --echo, GnuTLS writing the server's records.
gnutls-serv's echo server handles text lines only (it echoes strlen() of
a line): in those cases the client sends lines of letters and digits (1
to 20000 characters), the server's data is their echo, and the client
closes (-no_ign_eof).

Record sizes: s_server writes what one read of its stdin returns (up to
16384 bytes: one record per chunk); s_client reads stdin 8192 bytes at a
time and gnutls-cli 4096, so their big chunks go out as several records.
OpenSSL's TLS 1.3 server also sends two NewSessionTicket records (stateful
tickets under -no_ticket) under the application keys.

The openssl-* cases run over 127.0.0.1, the gnutls-* ones over ::1
(--ipv4-only: all over 127.0.0.1);
openssl-tls13-*-padding pad every record to a multiple of 512 bytes.
openssl-*-bulk send 3.2 MB each way (200 records of 16384 bytes from the
server, twice as many of 8192 from the client).
A capture that dropped packets or lacks a SYN/FIN is taken once more.
TLSCAP_DEBUG=1 prints the capture tool's statistics.

Every case must finish within --timeout seconds (default 10). Needs root
(ip netns), iproute2, tcpdump or dumpcap, openssl, gnutls-cli for the
gnutls cases. Exit 0 when every selected case was captured, 1 otherwise.
"""
import argparse
import os
import random
import re
import secrets
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tls_decrypt  # noqa: E402  (pcap reader)

V13, V12 = "1.3", "1.2"
# suite -> (version, OpenSSL name, GnuTLS priority)
SUITES = {
    "tls13-aes-128-gcm": (V13, "TLS_AES_128_GCM_SHA256", "AES-128-GCM"),
    "tls13-aes-256-gcm": (V13, "TLS_AES_256_GCM_SHA384", "AES-256-GCM"),
    "tls13-chacha20-poly1305": (V13, "TLS_CHACHA20_POLY1305_SHA256",
                                "CHACHA20-POLY1305"),
    "tls12-aes-128-gcm": (V12, "ECDHE-RSA-AES128-GCM-SHA256", "AES-128-GCM"),
    "tls12-aes-256-gcm": (V12, "ECDHE-RSA-AES256-GCM-SHA384", "AES-256-GCM"),
    "tls12-chacha20-poly1305": (V12, "ECDHE-RSA-CHACHA20-POLY1305",
                                "CHACHA20-POLY1305"),
}
IMPLS = ("openssl", "gnutls")
CASES = ["%s-%s" % (i, s) for i in IMPLS for s in SUITES]
# GnuTLS's client can send KeyUpdate (gnutls-cli --inline-commands,
# "^rekey^": update_requested, so OpenSSL's server answers with its own).
KEYUPDATE = "-keyupdate"
CASES += ["gnutls-%s%s" % (s, KEYUPDATE) for s in SUITES
          if SUITES[s][0] == V13]
# GnuTLS as the server: gnutls-serv --echo against s_client. Its echo
# server handles text lines (it echoes strlen() of a line), so the client
# sends lines of letters and digits and the server's data is their echo.
ECHO = "gnutlsserv"
CASES += ["%s-%s" % (ECHO, s) for s in SUITES]
ECHO_LINES = [1, 100, 4000, 16383, 20000, 7, 300]
# OpenSSL pads its TLS 1.3 records (-record_padding, both ends): the
# inner plaintext is rounded up to a multiple of this (RFC 8446 5.4).
PADDING = "-padding"
PAD_BLOCK = 512
CASES += ["openssl-%s%s" % (s, PADDING) for s in SUITES
          if SUITES[s][0] == V13]
# Bulk: several MB each way (200 steps of 16384 bytes: 3.2 MB).
BULK = "-bulk"
BULK_STEPS = 200
CASES += ["openssl-%s%s" % (s, BULK) for s in
          ("tls13-aes-128-gcm", "tls12-aes-256-gcm",
           "tls13-chacha20-poly1305")]
# Key updates after these lock-step steps (keyupdate cases).
KEYUPDATE_AFTER = (2, 5)

# Lock-step plan: client chunk i, then server chunk i.
CLIENT_CHUNKS = [1, 16384, 7, 300, 8192, 1000, 16384, 2]
SERVER_CHUNKS = [16384, 1, 16384, 5, 16384, 1200, 16384, 3]
BASE_PORT = 20443


class CaseError(Exception):
    pass


class CaptureDropped(CaseError):
    """The capture lost packets (a busy machine) or started late
    (dumpcap reports "Capturing on" before it captures): worth one more
    try."""


def log(msg):
    print("tls_capture: %s" % msg, flush=True)


def need_tool(name):
    path = shutil.which(name)
    if path is None:
        raise CaseError("%s not found (run devtools/setup.sh: it installs "
                        "iproute2, tcpdump, openssl, gnutls-bin)" % name)
    return path


def case_suite(case):
    impl, suite = case.split("-", 1)
    for suffix in (KEYUPDATE, PADDING, BULK):
        if suite.endswith(suffix):
            suite = suite[:-len(suffix)]
    return impl, SUITES[suite]


class Proc:
    """A process in the namespace, in its own process group."""

    def __init__(self, ns, argv, stderr_path, env=None, stdin=True,
                 stdout=True):
        self.argv = argv
        self.err_path = stderr_path
        self.errf = open(stderr_path, "wb")
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", ns] + argv,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
            stderr=self.errf, env=env, start_new_session=True)
        self.got = bytearray()

    def name(self):
        return os.path.basename(self.argv[0])

    def stderr_text(self):
        self.errf.flush()
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def send(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except BrokenPipeError:
            raise CaseError("%s exited early (stdin closed):\n%s" %
                            (self.name(), self.stderr_text()))

    def close_stdin(self):
        if self.p.stdin is not None and not self.p.stdin.closed:
            try:
                self.p.stdin.close()
            except BrokenPipeError:
                pass

    def recv_exact(self, n, deadline):
        fd = self.p.stdout.fileno()
        want = len(self.got) + n
        while len(self.got) < want:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CaseError("timeout: %s received %d of %d bytes" %
                                (self.name(), len(self.got), want))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, want - len(self.got))
            if not chunk:
                raise CaseError("%s closed its output after %d of %d "
                                "bytes:\n%s" % (self.name(), len(self.got),
                                                want, self.stderr_text()))
            self.got += chunk
        return bytes(self.got[want - n:])

    def wait(self, deadline):
        try:
            return self.p.wait(timeout=max(0.01, deadline -
                                           time.monotonic()))
        except subprocess.TimeoutExpired:
            raise CaseError("timeout: %s did not exit" % self.name())

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait()
        for f in (self.p.stdin, self.p.stdout):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
        self.errf.close()


class Namespace:
    def __init__(self):
        self.name = "dpsec-tlscap-%d-%s" % (os.getpid(), secrets.token_hex(3))
        r = subprocess.run(["ip", "netns", "add", self.name],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise CaseError("ip netns add %s failed (root needed): %s" %
                            (self.name, r.stderr.strip()))
        self.created = True
        self.run(["ip", "link", "set", "lo", "up"])

    def run(self, argv):
        r = subprocess.run(["ip", "netns", "exec", self.name] + argv,
                           capture_output=True, text=True, timeout=5)
        if r.returncode != 0:
            raise CaseError("%s: %s" % (" ".join(argv), r.stderr.strip()))
        return r.stdout

    def listening(self, port):
        out = self.run(["ss", "-Hltn", "sport = :%d" % port])
        return bool(out.strip())

    def delete(self):
        if not self.created:
            return
        # Whatever of ours is still in the namespace goes first.
        r = subprocess.run(["ip", "netns", "pids", self.name],
                           capture_output=True, text=True)
        for pid in r.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", self.name],
                       capture_output=True)
        self.created = False


def log_count(path, text):
    try:
        with open(path, errors="replace") as f:
            return f.read().count(text)
    except OSError:
        return 0


def make_cert(tmp):
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=dpsec-interop"],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise CaseError("openssl req failed: %s" % r.stderr)
    return key, cert


def start_capture(ns, pcap, port, errpath, deadline):
    filt = "tcp port %d" % port
    if shutil.which("tcpdump"):
        # 32 MiB of kernel buffer: lo carries 64 KB segments and the
        # machine may be busy.
        argv = ["tcpdump", "-i", "lo", "-s", "0", "-U", "--immediate-mode",
                "-B", "32768", "-n", "-Z", "root", "-w", pcap, filt]
        ready = "listening on"
    else:
        argv = ["dumpcap", "-i", "lo", "-s", "0", "-P", "-B", "32",
                "-w", pcap, "-f", filt]
        ready = "Capturing on"
    cap = Proc(ns.name, argv, errpath, stdin=False, stdout=False)
    while ready not in cap.stderr_text():
        if cap.p.poll() is not None:
            raise CaseError("%s failed:\n%s" % (argv[0], cap.stderr_text()))
        if time.monotonic() > deadline:
            raise CaseError("timeout: %s did not start" % argv[0])
        time.sleep(0.02)
    if argv[0] == "dumpcap":
        # dumpcap says "Capturing on" a moment before it captures (a late
        # start shows as an incomplete capture, and the case runs again).
        time.sleep(0.5)
    return cap


def stop_capture(cap, deadline):
    # -U writes every packet as it comes; give the last ACK/FIN a moment.
    time.sleep(0.2)
    if cap.p.poll() is None:
        os.killpg(cap.p.pid, signal.SIGINT)
    # It was told to stop: give it its moment even past the case's time.
    cap.wait(max(deadline, time.monotonic() + 2))
    err = cap.stderr_text()
    if os.environ.get("TLSCAP_DEBUG"):
        log(err)
    for line in err.splitlines():
        # tcpdump: "N packets dropped by kernel"; dumpcap: "Packets
        # received/dropped on interface 'lo': R/D (...)"
        w = line.split()
        m = re.search(r"received/dropped on interface .*: \d+/(\d+)", line)
        if ("dropped by" in line and w and w[0].isdigit() and
                int(w[0]) != 0) or (m and int(m.group(1)) != 0):
            raise CaptureDropped("capture dropped packets: %s" % line)
    return err


def check_complete(pcap, port):
    """The capture must hold the whole connection: SYN and FIN of both
    ends (a capture stopped early would not)."""
    lt, frames = tls_decrypt.read_pcap(pcap)
    seen = set()
    for fr in frames:
        t = tls_decrypt.parse_frame(lt, fr)
        if t is None:
            continue
        side = "server" if t[1] == port else "client"
        for bit, name in ((0x02, "SYN"), (0x01, "FIN")):
            if t[5] & bit:
                seen.add((side, name))
    missing = {(s, n) for s in ("client", "server")
               for n in ("SYN", "FIN")} - seen
    if missing:
        raise CaptureDropped("%s: incomplete capture, no %s" % (
            pcap, ", ".join("%s %s" % m for m in sorted(missing))))


def ensure_ethernet(pcap):
    """Rewrite the capture as DLT_EN10MB (zero MACs) if libpcap gave lo
    another link type."""
    lt, frames = tls_decrypt.read_pcap(pcap)
    if lt == 1:
        return
    out = []
    for fr in frames:
        t = tls_decrypt.parse_frame(lt, fr)
        if lt == 113:
            l3 = fr[16:]
        elif lt == 0:
            l3 = fr[4:]
        elif lt in (101, 12, 14):
            l3 = fr
        else:
            raise CaseError("%s: link type %d: cannot convert" % (pcap, lt))
        if t is None and not l3:
            continue
        et = 0x0800 if l3 and l3[0] >> 4 == 4 else 0x86dd
        out.append(b"\0" * 12 + struct.pack("!H", et) + l3)
    with open(pcap, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for fr in out:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
    log("%s: link type %d converted to Ethernet" % (pcap, lt))


IPV4_ONLY = False   # --ipv4-only


def case_host(case):
    """The gnutls cases run over IPv6, the openssl ones over IPv4."""
    if IPV4_ONLY:
        return "127.0.0.1"
    return "::1" if case.startswith("gnutls-") else "127.0.0.1"


def gnutls_priority(ver, gname):
    prio = "NORMAL:-VERS-ALL:+VERS-TLS%s:-CIPHER-ALL:+%s" % (ver, gname)
    if ver == V12:
        prio += ":-KX-ALL:+ECDHE-RSA"
    return prio


def peer_argv(case, port, key, cert, keylogs):
    """(server argv, client argv, server env, client env)"""
    impl, suite = case_suite(case)
    ver, oname, gname = suite
    host = case_host(case)
    hostport = ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)
    if impl == ECHO:
        srv = ["gnutls-serv", "--echo", "-p", str(port), "--x509keyfile",
               key, "--x509certfile", cert, "--noticket", "-a", "-q",
               "--priority", gnutls_priority(ver, gname)]
        cli = ["openssl", "s_client", "-connect", hostport, "-quiet",
               "-no_ign_eof", "-nocommands", "-no_ticket", "-keylogfile",
               keylogs[1]]
        cli += (["-tls1_3", "-ciphersuites", oname] if ver == V13 else
                ["-tls1_2", "-cipher", oname])
        return srv, cli, dict(os.environ, SSLKEYLOGFILE=keylogs[0]), None
    srv = ["openssl", "s_server", "-accept", hostport,
           "-cert", cert, "-key", key, "-naccept", "1", "-quiet",
           "-no_ticket", "-keylogfile", keylogs[0]]
    if ver == V13:
        srv += ["-tls1_3", "-ciphersuites", oname]
    else:
        srv += ["-tls1_2", "-cipher", oname]
    env = None
    if impl == "openssl":
        cli = ["openssl", "s_client", "-connect", hostport,
               "-quiet", "-no_ticket", "-keylogfile", keylogs[1]]
        cli += (["-tls1_3", "-ciphersuites", oname] if ver == V13 else
                ["-tls1_2", "-cipher", oname])
        if case.endswith(PADDING):
            srv += ["-record_padding", str(PAD_BLOCK)]
            cli += ["-record_padding", str(PAD_BLOCK)]
    else:
        prio = gnutls_priority(ver, gname)
        cli = ["gnutls-cli", "--insecure", "--noticket", "--priority", prio,
               "--logfile", keylogs[1] + ".log", "-p", str(port), host]
        env = dict(os.environ, SSLKEYLOGFILE=keylogs[1])
    return srv, cli, None, env


def run_case(ns, case, idx, out, tmp, key, cert, timeout):
    impl, suite = case_suite(case)
    need_tool("openssl")
    if impl == "gnutls":
        need_tool("gnutls-cli")
    if impl == ECHO:
        need_tool("gnutls-serv")
    deadline = time.monotonic() + timeout
    port = BASE_PORT + idx
    pcap = os.path.join(out, case + ".pcap")
    keylog = os.path.join(out, case + ".keylog")
    kls = [os.path.join(tmp, case + ".srv.keylog"),
           os.path.join(tmp, case + ".cli.keylog")]
    for p in [pcap, keylog] + kls:
        if os.path.exists(p):
            os.unlink(p)
    rng = random.Random("dpsec-tls-capture/" + case)
    csent = [rng.randbytes(n) for n in CLIENT_CHUNKS]
    ssent = [rng.randbytes(n) for n in SERVER_CHUNKS]
    if case.endswith(BULK):
        csent = [rng.randbytes(16384) for _ in range(BULK_STEPS)]
        ssent = [rng.randbytes(16384) for _ in range(BULK_STEPS)]
    srv_argv, cli_argv, srv_env, cli_env = peer_argv(case, port, key, cert,
                                                     kls)
    echo = impl == ECHO
    if echo:
        alnum = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        csent = [bytes(rng.choice(alnum) for _ in range(n)) + b"\n"
                 for n in ECHO_LINES]
        ssent = list(csent)
    keyupdate = case.endswith(KEYUPDATE)
    if keyupdate:
        # gnutls-cli takes "^cmd^" at the start of a line as a command:
        # no "^" in the data, and a line ends before each command.
        cli_argv.insert(1, "--inline-commands")
        csent = [c.replace(b"^", b"_") for c in csent]
        for i in KEYUPDATE_AFTER:
            csent[i] = csent[i][:-1] + b"\n"
    cli_log = kls[1] + ".log"
    procs = []
    try:
        cap = start_capture(ns, pcap, port, os.path.join(tmp, case +
                                                         ".cap.err"),
                            deadline)
        procs.append(cap)
        # gnutls-serv's stdout is its log, and it may be long.
        srv = Proc(ns.name, srv_argv, os.path.join(tmp, case + ".srv.err"),
                   env=srv_env, stdout=not echo)
        procs.append(srv)
        while not ns.listening(port):
            if srv.p.poll() is not None:
                raise CaseError("%s exited:\n%s" % (srv.name(),
                                                    srv.stderr_text()))
            if time.monotonic() > deadline:
                raise CaseError("timeout: %s is not listening" % srv.name())
            time.sleep(0.02)
        cli = Proc(ns.name, cli_argv, os.path.join(tmp, case + ".cli.err"),
                   env=cli_env)
        procs.append(cli)
        for c in csent if echo else []:
            cli.send(c)
            if cli.recv_exact(len(c), deadline) != c:
                raise CaseError("the echo differs from the client's line")
        for step, (c, s) in enumerate(zip(csent, ssent) if not echo
                                      else []):
            cli.send(c)
            if srv.recv_exact(len(c), deadline) != c:
                raise CaseError("the server received other bytes than "
                                "the client sent")
            srv.send(s)
            if cli.recv_exact(len(s), deadline) != s:
                raise CaseError("the client received other bytes than "
                                "the server sent")
            if keyupdate and step in KEYUPDATE_AFTER:
                # The command must be read on its own (gnutls-cli waits
                # in select() on its stdin): the next chunk waits a bit.
                # Its log is stdio-buffered, so it is checked at the end.
                cli.send(b"^rekey^\n")
                time.sleep(0.2)
        if echo:
            # The client closes (-no_ign_eof: close_notify at the end of
            # its input); gnutls-serv closes the connection and would
            # wait for the next one: it is stopped once it has.
            cli.close_stdin()
            cli.wait(deadline)
            time.sleep(0.2)
            srv.kill()
        else:
            # The server closes (close_notify); the client follows.
            srv.close_stdin()
            srv.wait(deadline)
            cli.close_stdin()
            cli.wait(deadline)
        if keyupdate and log_count(cli_log, "Rekey was completed") != \
           len(KEYUPDATE_AFTER):
            raise CaseError("gnutls-cli reports %d completed KeyUpdates, "
                            "not %d" % (log_count(cli_log, "Rekey was "
                                                  "completed"),
                                        len(KEYUPDATE_AFTER)))
        for p, who in ((srv, "server"), (cli, "client")):
            if p.p.stdout is None or p.p.stdout.closed:
                continue
            extra = p.p.stdout.read()
            if extra:
                raise CaseError("the %s printed %d unexpected bytes" %
                                (who, len(extra)))
        stop_capture(cap, deadline)
        ensure_ethernet(pcap)
        check_complete(pcap, port)
        with open(os.path.join(out, case + "_client_sent.bin"), "wb") as f:
            f.write(b"".join(csent))
        with open(os.path.join(out, case + "_server_sent.bin"), "wb") as f:
            f.write(b"".join(ssent))
        # One key log for the connection: both ends' lines, once each.
        lines, seen = [], set()
        for p in kls:
            if os.path.exists(p):
                with open(p) as f:
                    for line in f:
                        if line.strip() and not line.startswith("#") and \
                           line not in seen:
                            seen.add(line)
                            lines.append(line)
        if not lines:
            raise CaseError("no key log written")
        with open(keylog, "w") as f:
            f.writelines(lines)
    finally:
        for p in reversed(procs):
            p.kill()
    return sum(map(len, csent)), sum(map(len, ssent))


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Capture TLS connections between OpenSSL and GnuTLS "
                    "peers, with their key logs.")
    ap.add_argument("--out", help="output directory (created)")
    ap.add_argument("--case", action="append", choices=CASES,
                    metavar="NAME", help="a case (default: all); see --list")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="seconds per case (default 10)")
    ap.add_argument("--ipv4-only", action="store_true",
                    help="run the gnutls cases over 127.0.0.1 too")
    ap.add_argument("--list", action="store_true", help="list the cases")
    a = ap.parse_args(argv)
    global IPV4_ONLY
    IPV4_ONLY = a.ipv4_only
    if a.list:
        for c in CASES:
            impl, (ver, oname, _g) = case_suite(c)
            print("%-40s TLS %s %s, %s, %s%s" % (
                c, ver, oname, case_host(c),
                {"openssl": "s_client <-> s_server",
                 "gnutls": "gnutls-cli <-> s_server",
                 ECHO: "s_client <-> gnutls-serv --echo"}[impl],
                ", KeyUpdate x%d both ways" % len(KEYUPDATE_AFTER)
                if c.endswith(KEYUPDATE) else
                ", records padded to %d" % PAD_BLOCK
                if c.endswith(PADDING) else ""))
        return 0
    if not a.out:
        ap.error("--out is required")
    cases = a.case or CASES

    # Cleanup runs on SIGTERM/SIGINT/SIGHUP too (meson's timeout).
    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)

    failed = 0
    ns = None
    try:
        for t in ("ip", "ss", "openssl"):
            need_tool(t)
        if not (shutil.which("tcpdump") or shutil.which("dumpcap")):
            raise CaseError("neither tcpdump nor dumpcap found (run "
                            "devtools/setup.sh)")
        if os.geteuid() != 0:
            raise CaseError("root is needed (ip netns, capture on lo)")
        os.makedirs(a.out, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="dpsec-tlscap-") as tmp:
            os.chmod(tmp, 0o755)
            key, cert = make_cert(tmp)
            ns = Namespace()
            for c in cases:
                for attempt in (1, 2):
                    t0 = time.monotonic()
                    try:
                        nc, nsv = run_case(ns, c, CASES.index(c), a.out,
                                           tmp, key, cert, a.timeout)
                        log("ok: %s: client sent %d, server sent %d bytes "
                            "(%.1f s)" % (c, nc, nsv,
                                          time.monotonic() - t0))
                    except CaptureDropped as e:
                        if attempt == 1:
                            log("%s: %s; once more" % (c, e))
                            continue
                        failed += 1
                        log("FAIL: %s: %s" % (c, e))
                    except (CaseError, OSError,
                            subprocess.SubprocessError) as e:
                        failed += 1
                        log("FAIL: %s: %s" % (c, e))
                    break
    except CaseError as e:
        log("FAIL: %s" % e)
        return 1
    finally:
        if ns is not None:
            ns.delete()
    log("%d cases, %d failed" % (len(cases), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
