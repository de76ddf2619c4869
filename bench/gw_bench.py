#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""dpsec-ipsec-gw against DPDK 22.11's unmodified ipsec-secgw, side by side
(doc/benchmarks.md, "Gateway against ipsec-secgw").

Both gateways run in turn on the same two net_sim_inline ports with pcap
wires: the ingress port replays a pcap file without end (infinite_rx=1),
the egress port counts and frees what it is given. Same configuration
file (ipsec-secgw syntax: one AES-128-GCM IPv4 tunnel SA each way, one
policy, two routes), same frames, same lcores. secgw is built from the
source of the installed DPDK (apt-get source, fetched by
devtools/setup.sh) with its own Makefile, unmodified.

Cells: direction (out: clear -> ESP, in: ESP -> clear) x inner IPv4/UDP
datagram size (64, 1420 B) x flows (1, 1000), one worker lcore; then the
1000-flow cells with two. A cell's figure is the egress port's packets/s
over --time seconds after a warm-up, read from DPDK telemetry
(/ethdev/stats); median of --runs launches (the two programs'
launches alternate), min..max shown. Before the
timed runs, each direction and size goes once through each gateway, the
egress written to a pcap: every packet comes out exactly once, as ESP
that scapy decrypts to it (out), or intact (in).

  bench/gw_bench.py [--runs N] [--time S] [--sizes 64,1420] [--flows 1,1000]
                    [--dirs out,in] [--workers 1,2] [--secgw-mode M]

Environment: BUILD_DIR (default <src>/build-release), DPSEC_DPDK_SDK
(default /usr/local/share/dpsec/dpdk-sdk). Run as root (EAL, telemetry).
Exit status: 0 whatever the figures (PASS/MISS are printed), 1 if a
gateway failed to forward or its output did not check, 2 on a setup error.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from scapy.all import IP, UDP, Ether, Raw, rdpcap, wrpcap  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD_DIR', os.path.join(SRC, 'build-release'))
SDK = os.environ.get('DPSEC_DPDK_SDK', '/usr/local/share/dpsec/dpdk-sdk')

KEY = bytes(range(1, 17))
SALT = bytes([0xa0, 0xa1, 0xa2, 0xa3])
SPI = 5
TUN_SRC, TUN_DST = '192.0.2.1', '192.0.2.2'
TARGET = {64: 1.5, 1420: 1.2}       # issue 12: dpsec/secgw, one worker


def hexkey(b):
    return ':'.join('%02x' % x for x in b)


def config(sa_type, fwd=False):
    """The one file both gateways load; @fwd: a bypass policy and a route
    that send the clear traffic straight out of port 1 (plain forwarding,
    for each gateway's cost without IPsec), and only the inbound SA and
    its policy (secgw wants one with -u, and refuses an SA no policy
    uses in its library mode)."""
    k = hexkey(KEY + SALT)
    sa = ('aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel src %s '
          'dst %s type %s' % (k, TUN_SRC, TUN_DST, sa_type))
    if fwd:
        return ('sa in %d %s\n'
                'sp ipv4 in esp protect %d pri 1 dst 203.0.113.0/24 '
                'sport 0:65535 dport 0:65535\n'
                'sp ipv4 out esp bypass pri 1 dst 203.0.113.0/24 '
                'sport 0:65535 dport 0:65535\n'
                'rt ipv4 dst 203.0.113.0/24 port 1\n' % (SPI, sa, SPI))
    return ('sa out %d %s\nsa in %d %s\n'
            # ipsec-secgw: no sport/dport means 0:0 (doc/ipsec_gw.md)
            'sp ipv4 out esp protect %d pri 1 dst 203.0.113.0/24 '
            'sport 0:65535 dport 0:65535\n'
            'sp ipv4 in esp protect %d pri 1 dst 203.0.113.0/24 '
            'sport 0:65535 dport 0:65535\n'
            'rt ipv4 dst %s/32 port 1\n'
            'rt ipv4 dst 203.0.113.0/24 port 0\n'
            % (SPI, sa, SPI, sa, SPI, SPI, TUN_DST))


def inner(size, i, flows):
    f = i % flows
    ip = IP(src='198.51.100.%d' % (1 + f % 250),
            dst='203.0.113.%d' % (1 + f // 250), id=i & 0xffff, ttl=64) / \
        UDP(sport=1024 + f, dport=9)
    ip = IP(bytes(ip / Raw(b'\x5a' * (size - len(ip)))))
    assert len(ip) == size
    return ip


def sa_out():
    return SecurityAssociation(ESP, spi=SPI, crypt_algo='AES-GCM',
                               crypt_key=KEY + SALT,
                               tunnel_header=IP(src=TUN_SRC, dst=TUN_DST))


def make_traffic(tmp, size, flows):
    """clear.pcap and esp.pcap (the same inner packets, SN 1..n)."""
    n = 1024 if flows == 1 else flows
    sa = sa_out()
    clear, esp = [], []
    for i in range(n):
        ip = inner(size, i, flows)
        clear.append(Ether(src='02:00:00:00:00:01', dst='02:53:49:4d:00:00')
                     / ip)
        esp.append(Ether(src='02:00:00:00:00:02', dst='02:53:49:4d:00:01')
                   / sa.encrypt(ip, seq_num=i + 1))
    d = os.path.join(tmp, '%d-%d' % (size, flows))
    os.makedirs(d, exist_ok=True)
    wrpcap(os.path.join(d, 'clear.pcap'), clear, linktype=1)
    wrpcap(os.path.join(d, 'esp.pcap'), esp, linktype=1)
    return d


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build_dpsec():
    if not os.path.exists(os.path.join(BUILD, 'build.ninja')):
        sh(['meson', 'setup', BUILD, SRC, '--buildtype=release',
            '-Db_ndebug=true'], stdout=subprocess.DEVNULL)
    sh(['ninja', '-C', BUILD, 'examples/ipsec-gw/dpsec-ipsec-gw',
        'drivers/net/sim_inline/librte_net_sim_inline.so'],
       stdout=subprocess.DEVNULL)
    gw = os.path.join(BUILD, 'examples/ipsec-gw/dpsec-ipsec-gw')
    so = os.path.join(BUILD, 'drivers/net/sim_inline/librte_net_sim_inline.so')
    return gw, safe_plugin(so)


def safe_plugin(so):
    """EAL's -d refuses a plugin under a world-writable directory."""
    d = os.path.dirname(os.path.realpath(so))
    while d != '/':
        if os.stat(d).st_mode & 0o002:
            break
        d = os.path.dirname(d)
    else:
        return so
    dst = os.path.join(os.path.expanduser('~'), '.cache', 'dpsec', 'bench')
    os.makedirs(dst, mode=0o755, exist_ok=True)
    out = os.path.join(dst, os.path.basename(so))
    shutil.copy(os.path.realpath(so), out)
    return out


def build_secgw():
    """ipsec-secgw from the installed DPDK's source, its own Makefile."""
    src = os.path.join(SDK, 'src')
    if not os.path.isdir(os.path.join(src, 'examples', 'ipsec-secgw')):
        print('gw_bench: fetching the DPDK source (devtools/setup.sh, '
              'apt-get source dpdk)')
        sh(['sh', os.path.join(SRC, 'devtools', 'setup.sh')])
    ver = open(os.path.join(SDK, '.version')).read().strip()
    top = os.path.join(BUILD, 'ipsec-secgw-' + ver)
    exe = os.path.join(top, 'examples', 'ipsec-secgw', 'build', 'ipsec-secgw')
    if not os.access(exe, os.X_OK):
        shutil.rmtree(top, ignore_errors=True)
        for d in ('ipsec-secgw', 'common'):
            shutil.copytree(os.path.join(src, 'examples', d),
                            os.path.join(top, 'examples', d))
        sh(['make', '-C', os.path.join(top, 'examples', 'ipsec-secgw'),
            '-j2'], stdout=subprocess.DEVNULL)
    return exe, ver


class Telemetry:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        self.s.recv(16384)              # the greeting

    def get(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 16).decode())[cmd.split(',')[0]]

    def stats(self, port):
        st = self.get('/ethdev/stats,%d' % port)
        return st['ipackets'], st['opackets']

    def close(self):
        self.s.close()


class Gateway:
    """One launch of a gateway on the two ports, ingress @rx_port."""

    def __init__(self, name, argv, rundir, prefix, log):
        self.name = name
        env = dict(os.environ, RUNTIME_DIRECTORY=rundir)
        self.log = open(log, 'w')
        self.p = subprocess.Popen(argv, env=env, stdout=self.log,
                                  stderr=subprocess.STDOUT)
        self.sock = os.path.join(rundir, 'dpdk', prefix, 'dpdk_telemetry.v2')
        self.logpath = log
        self.t = None

    def wait_forwarding(self, egress, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                raise RuntimeError('%s exited (%d): see %s' % (
                    self.name, self.p.returncode, self.logpath))
            try:
                if self.t is None:
                    self.t = Telemetry(self.sock)
                if self.t.stats(egress)[1] > 0:
                    return
            except (OSError, KeyError, ValueError):
                self.t = None
            time.sleep(0.1)
        raise RuntimeError('%s does not forward: see %s' % (self.name,
                                                           self.logpath))

    def stop(self):
        if self.t is not None:
            self.t.close()
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        return self.p.returncode


class Bench:
    def __init__(self, a, tmp):
        self.a = a
        self.tmp = tmp
        self.gw, self.plugin = build_dpsec()
        self.secgw, self.dpdk_ver = build_secgw()
        self.n = 0
        self.empty = os.path.join(tmp, 'empty.pcap')
        wrpcap(self.empty, [], linktype=1)
        for t in ('cpu-crypto', 'no-offload'):
            for fwd in (False, True):
                with open(os.path.join(tmp, '%s-%s.cfg' % (
                        'fwd' if fwd else 'secgw', t)), 'w') as f:
                    f.write(config(t, fwd))

    def eal(self, prefix, lcores):
        return ['--no-huge', '--no-pci', '-m', '1024', '--file-prefix',
                prefix, '--lcores', lcores, '-n', '1']

    def ports(self, d, direction, tx_pcap=None):
        src = os.path.join(d, 'clear.pcap' if direction == 'out'
                           else 'esp.pcap')
        ing = 0 if direction == 'out' else 1
        args = []
        for p in (0, 1):
            da = 'wire=pcap,rx_pcap=%s' % (src if p == ing else self.empty)
            if p == ing and not tx_pcap:
                da += ',infinite_rx=1'
            elif p != ing and tx_pcap:
                da += ',tx_pcap=' + tx_pcap
            args += ['--vdev', 'net_sim_inline%d,%s' % (p, da)]
        return args

    def launch(self, who, d, direction, workers, mode, tx_pcap=None,
               fwd=False):
        self.n += 1
        prefix = 'gwb-%d-%d' % (os.getpid(), self.n)
        rundir = os.path.join(self.tmp, 'run%d' % self.n)
        os.makedirs(rundir, mode=0o700)
        log = os.path.join(self.tmp, '%s-%d.log' % (who, self.n))
        ports = self.ports(d, direction, tx_pcap)
        if who == 'secgw':
            sa_type, lib = mode
            cfg = os.path.join(self.tmp, '%s-%s.cfg' % (
                'fwd' if fwd else 'secgw', sa_type))
            # secgw: the main lcore is a worker too.
            lcores = '1' if workers == 1 else '0,1'
            qmap = ['(%d,0,1)' % p for p in (0, 1)] if workers == 1 else \
                ['(%d,%d,%d)' % (p, q, q) for p in (0, 1) for q in (0, 1)]
            argv = [self.secgw] + self.eal(prefix, lcores) + \
                ['-d', self.plugin] + ports + \
                ['--vdev', 'crypto_aesni_gcm0', '--',
                 '-p', '0x3', '-u', '0x2', '-P'] + (['-l'] if lib else []) + \
                ['--config', ','.join(qmap), '-f', cfg]
        else:
            cfg = os.path.join(self.tmp, '%s-cpu-crypto.cfg' % (
                'fwd' if fwd else 'secgw'))
            # dpsec: the main lcore is the control plane (mostly asleep);
            # with two workers it shares CPU 0 with the first.
            lcores = '0@0,1@1' if workers == 1 else '0@0,1@0,2@1'
            qmap = ['(%d,0,1)' % p for p in (0, 1)] if workers == 1 else \
                ['(%d,%d,%d)' % (p, q, q + 1) for p in (0, 1) for q in (0, 1)]
            argv = [self.gw] + self.eal(prefix, lcores) + ports + \
                ['--', '-p', '0x3', '-u', '0x2', '-P', '--stats', '0',
                 '--config', ','.join(qmap), '-f', cfg]
        return Gateway(who, argv, rundir, prefix, log)

    def measure(self, who, d, direction, workers, mode, fwd=False):
        egress = 1 if direction == 'out' else 0
        ingress = 1 - egress
        g = self.launch(who, d, direction, workers, mode, fwd=fwd)
        try:
            g.wait_forwarding(egress)
            time.sleep(self.a.warmup)
            t0 = time.monotonic()
            i0, _ = g.t.stats(ingress)
            _, o0 = g.t.stats(egress)
            time.sleep(self.a.time)
            i1, _ = g.t.stats(ingress)
            _, o1 = g.t.stats(egress)
            t1 = time.monotonic()
        finally:
            rc = g.stop()
        if rc not in (0, None):
            raise RuntimeError('%s exited %d: see %s' % (who, rc, g.logpath))
        rx, tx = i1 - i0, o1 - o0
        if tx < 0.99 * rx:
            raise RuntimeError('%s forwarded %d of %d packets: see %s'
                               % (who, tx, rx, g.logpath))
        return tx / (t1 - t0)

    def check_output(self, who, d, direction, size, mode):
        """The file once through the gateway (no infinite_rx), its egress
        written to a pcap: every packet comes out once, ESP that decrypts
        to it (out) or intact (in)."""
        out = os.path.join(self.tmp, 'check-%s-%s-%d.pcap' % (
            who, direction, size))
        egress = 1 if direction == 'out' else 0
        src = rdpcap(os.path.join(d, 'clear.pcap'))
        g = self.launch(who, d, direction, 1, mode, tx_pcap=out)
        try:
            g.wait_forwarding(egress)
            deadline = time.monotonic() + 30
            while g.t.stats(egress)[1] < len(src) and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            rc = g.stop()           # flushes the pcap
        if rc not in (0, None):
            raise RuntimeError('%s exited %d: see %s' % (who, rc, g.logpath))
        want = sorted(bytes(f[IP]) for f in src)
        sa = sa_out()
        got = []
        for f in rdpcap(out):
            ip = IP(bytes(f[IP]))
            if direction == 'out':
                if ip.dst != TUN_DST or ip.proto != 50:
                    raise RuntimeError('%s sent a non-ESP frame' % who)
                ip = sa.decrypt(ip)
            ip.ttl = 64             # if routing decremented it
            ip.chksum = None
            got.append(bytes(IP(bytes(ip))))
        if sorted(got) != want:
            raise RuntimeError('%s: %d packets out of %d, not each once and '
                               'intact (%s)' % (who, len(got), len(want),
                                                out))
        return len(got)


def median_fmt(v):
    m = statistics.median(v)
    return m, '%6.2f (%.2f..%.2f)' % (m / 1e6, min(v) / 1e6, max(v) / 1e6)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--time', type=float, default=2.0)
    ap.add_argument('--warmup', type=float, default=1.0)
    ap.add_argument('--sizes', default='64,1420')
    ap.add_argument('--flows', default='1,1000')
    ap.add_argument('--dirs', default='out,in')
    ap.add_argument('--workers', default='1,2')
    ap.add_argument('--secgw-mode', default='best',
                    choices=['best', 'cpu-crypto', 'no-offload'])
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(',')]
    flows = [int(x) for x in a.flows.split(',')]
    dirs = a.dirs.split(',')
    workers = [int(x) for x in a.workers.split(',')]
    if os.geteuid() != 0:
        print('gw_bench: run as root (EAL, telemetry)')
        return 2
    tmp = tempfile.mkdtemp(prefix='dpsec-gwb-')
    try:
        b = Bench(a, tmp)
    except (subprocess.CalledProcessError, OSError) as e:
        print('gw_bench: setup failed: %s' % e)
        return 2
    print('reproduce: %s %s' % (os.path.relpath(__file__), ' '.join(
        sys.argv[1:])))
    print('secgw: %s (DPDK %s, unmodified)' % (b.secgw, b.dpdk_ver))
    print('dpsec: %s' % b.gw)
    modes = {'cpu-crypto': ('cpu-crypto', True),
             'no-offload': ('no-offload', False)}
    rc = 0
    try:
        traffic = {(s, f): make_traffic(tmp, s, f) for s in sizes
                   for f in flows}
        # secgw's fastest software mode: librte_ipsec with CPU crypto, or
        # the legacy path over a lookaside cryptodev (both on
        # crypto_aesni_gcm0, Intel IPsec-MB) - picked per direction on
        # the first size, 1 flow, one run each.
        pick = {}
        for d in dirs:
            if a.secgw_mode != 'best':
                pick[d] = modes[a.secgw_mode]
                continue
            cell = traffic[(sizes[0], flows[0])]
            r = {m: b.measure('secgw', cell, d, 1, modes[m]) for m in modes}
            pick[d] = modes[max(r, key=r.get)]
            print('secgw %s: %s' % (d, ', '.join(
                '%s %.2f Mpps' % (m, v / 1e6) for m, v in r.items())))
        for d in dirs:
            for s in sizes:
                for who in ('secgw', 'dpsec'):
                    n = b.check_output(who, traffic[(s, flows[-1])], d, s,
                                       pick[d])
                    print('check %s %s %d B: the %d packets out, each '
                          'once and intact' % (who, d, s, n))
        print()
        print('%-4s %5s %5s %3s | %-24s | %-24s | %6s %6s' % (
            'dir', 'size', 'flows', 'wk', 'dpsec Mpps (min..max)',
            'secgw Mpps (min..max)', 'ratio', 'target'))
        res = {}
        for w in workers:
            for d in dirs:
                for s in sizes:
                    for f in flows:
                        if w > 1 and f != flows[-1]:
                            continue
                        # Launches alternate, so that a slow spell of
                        # this shared machine falls on both.
                        v = {'dpsec': [], 'secgw': []}
                        for _ in range(a.runs):
                            for who in ('dpsec', 'secgw'):
                                v[who].append(b.measure(
                                    who, traffic[(s, f)], d, w, pick[d]))
                        md, sd = median_fmt(v['dpsec'])
                        ms, ss = median_fmt(v['secgw'])
                        res[(w, d, s, f)] = (md, ms)
                        ratio = md / ms
                        tgt = TARGET.get(s) if w == 1 else None
                        verdict = '' if tgt is None else \
                            ('%.2fx %s' % (tgt, 'PASS' if ratio >= tgt
                                           else 'MISS'))
                        print('%-4s %5d %5d %3d | %-24s | %-24s | %5.2fx %s'
                              % (d, s, f, w, sd, ss, ratio, verdict),
                              flush=True)
        # Each gateway's own cost of IPsec: its ns per packet with the SA
        # minus its ns per packet forwarding the same frames in clear
        # (bypass policy) on the same ports - which takes out of the
        # comparison what the simulated NIC spends on the worker core for
        # the offloads each program enables (secgw: RX checksums and TX
        # IPv4 checksum; free on a real NIC).
        if 'out' in dirs and 1 in workers:
            print('\nIPsec cost over plain forwarding (out, 1 worker, %d '
                  'flows), ns/packet:' % flows[-1])
            print('%5s | %-28s | %-28s | %6s' % (
                'size', 'dpsec fwd / ipsec / cost', 'secgw fwd / ipsec / cost',
                'ratio'))
            for s in sizes:
                cost = {}
                col = {}
                fv = {'dpsec': [], 'secgw': []}
                for _ in range(a.runs):
                    for who in ('dpsec', 'secgw'):
                        fv[who].append(b.measure(
                            who, traffic[(s, flows[-1])], 'out', 1,
                            pick['out'], fwd=True))
                for who in ('dpsec', 'secgw'):
                    f = statistics.median(fv[who])
                    ip = res[(1, 'out', s, flows[-1])][0 if who == 'dpsec'
                                                       else 1]
                    cost[who] = 1e9 / ip - 1e9 / f
                    col[who] = '%6.1f / %6.1f / %6.1f' % (
                        1e9 / f, 1e9 / ip, cost[who])
                print('%5d | %-28s | %-28s | %5.2fx' % (
                    s, col['dpsec'], col['secgw'],
                    cost['secgw'] / cost['dpsec']), flush=True)
        if len(workers) > 1:
            print('\n2 workers / 1 worker (%d flows):' % flows[-1])
            for d in dirs:
                for s in sizes:
                    k1, k2 = (workers[0], d, s, flows[-1]), \
                        (workers[-1], d, s, flows[-1])
                    if k1 in res and k2 in res:
                        print('  %-3s %5d B: dpsec %.2fx, secgw %.2fx' % (
                            d, s, res[k2][0] / res[k1][0],
                            res[k2][1] / res[k1][1]))
        print('secgw mode: %s' % ', '.join(
            '%s %s%s' % (d, pick[d][0], ' -l' if pick[d][1] else '')
            for d in dirs))
    except RuntimeError as e:
        print('gw_bench: FAIL: %s' % e)
        rc = 1
    finally:
        if rc == 0:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print('gw_bench: logs kept in %s' % tmp)
    return rc


if __name__ == '__main__':
    sys.exit(main())
