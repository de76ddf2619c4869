#!/usr/bin/python3
"""dpsec-ipsec-gw's run-time control (doc/ipsec_gw.md, "Control"), driven
the way a key manager's script drives it: dpdk-telemetry.py against the
running gateway, under traffic that never stops (the protected port
replays clear packets without end, net_sim_inline's infinite_rx).

Checked:
- make-before-break rekey: an outbound SA added with the policy's reqid
  takes the traffic over at once (its packets grow, the old SA's stop),
  the old SA is then deleted; not one packet is dropped on the way (the
  port counters: every packet received left as ESP);
- sp/replace swaps a policy in one commit (the new rule in sp/list, the
  traffic goes on to the SA it names, no drop);
- nonsense gets an error naming what is wrong and changes nothing: bad
  rules, unknown SAs and policies, duplicate ids, a policy id for
  replace that does not exist, deleting an SA a policy still names;
- the gateway stops cleanly at the end, every mbuf back.

  gw_control.py <dpsec-ipsec-gw>
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from scapy.all import IP, UDP, Ether, Raw, wrpcap

GW = sys.argv[1]
TELEMETRY = '/usr/bin/dpdk-telemetry.py'
TMP = tempfile.mkdtemp(prefix='dpsec-gw-ctl-')
PREFIX = 'dpsec-gw-ctl-%d' % os.getpid()
K1 = ':'.join('%02x' % b for b in range(0x10, 0x24))
K2 = ':'.join('%02x' % b for b in range(0x40, 0x54))
TUN = 'mode ipv4-tunnel src 192.0.2.1 dst 198.51.100.1'
CFG = f"""sa out 100 aead_algo aes-128-gcm aead_key {K1} {TUN} reqid 7
sa in 200 aead_algo aes-128-gcm aead_key {K1} \\
mode ipv4-tunnel src 198.51.100.1 dst 192.0.2.1
sp ipv4 out esp protect reqid 7 id 1 pri 1 dst 10.2.0.0/16
sp ipv4 in esp protect 200 id 2 pri 1 src 10.2.0.0/16
rt ipv4 dst 10.1.0.0/16 port 1
rt ipv4 dst 198.51.100.0/24 port 0
"""


def ctl(cmd):
    """One command; the gateway's answer ({'ok': ...} or {'error': ...})."""
    r = subprocess.run(['/usr/bin/python3', TELEMETRY, '-f', PREFIX],
                       input=cmd + '\n', capture_output=True, text=True,
                       timeout=30, env=dict(os.environ,
                                            RUNTIME_DIRECTORY=RUN))
    line = [ln for ln in r.stdout.splitlines() if ln.startswith('{')]
    if not line:
        return {'error': 'no answer: ' + r.stdout + r.stderr}
    v = json.loads(line[-1]).get(cmd.split(',')[0])
    return v if isinstance(v, dict) else {'error': 'answer %r' % v}


def sa_packets(spi):
    v = ctl('/dpsec_gw/sa/list').get('out_%d' % spi)
    return int(re.search(r'packets (\d+)', v).group(1)) if v else None


def ports():
    p = ctl('/dpsec_gw/ports')
    return {k: [int(x) for x in re.findall(r'(?:rx|tx|dropped) (\d+)', v)]
            for k, v in p.items()}


RUN = os.path.join(TMP, 'run')


def main():
    os.mkdir(RUN, 0o700)
    cfg = os.path.join(TMP, 'gw.cfg')
    with open(cfg, 'w') as f:
        f.write(CFG)
    src = os.path.join(TMP, 'clear.pcap')
    wrpcap(src, [Ether(src='02:00:00:00:00:01', dst='02:53:49:4d:00:01') /
                 IP(src='10.1.0.1', dst='10.2.0.%d' % (1 + i)) /
                 UDP(sport=1000 + i, dport=9) / Raw(bytes(40))
                 for i in range(64)])
    empty = os.path.join(TMP, 'empty.pcap')
    wrpcap(empty, [], linktype=1)
    cmd = [GW, '--no-huge', '--no-pci', '-m', '512', '--file-prefix',
           PREFIX, '-l', '0,1', '--log-level=lib.eal:warning',
           '--vdev=net_sim_inline0,wire=pcap,rx_pcap=%s' % empty,
           '--vdev=net_sim_inline1,wire=pcap,rx_pcap=%s,infinite_rx=1' % src,
           '--', '-p', '0x3', '-u', '0x1', '-f', cfg, '--stats', '0',
           '--seconds', '60']
    log = open(os.path.join(TMP, 'gw.log'), 'w')
    gw = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                          env=dict(os.environ, RUNTIME_DIRECTORY=RUN))
    fails = []

    def expect(cmd, key, pattern):
        ans = ctl(cmd)
        if key not in ans or not re.search(pattern, ans[key]):
            fails.append('%s: %s, want %s ~ %r' % (cmd, ans, key, pattern))

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (sa_packets(100) or 0):
            if gw.poll() is not None:
                break
            time.sleep(0.2)
        if not sa_packets(100):
            fails.append('the gateway does not forward')
            raise RuntimeError
        # Make-before-break: SA 101 takes reqid 7 over.
        expect('/dpsec_gw/sa/add,out 101 aead_algo aes-128-gcm aead_key '
               f'{K2} {TUN} reqid 7', 'ok', r'sa out 101 added')
        time.sleep(0.3)
        old1, new1 = sa_packets(100), sa_packets(101)
        time.sleep(0.5)
        old2, new2 = sa_packets(100), sa_packets(101)
        if old2 != old1 or not new2 > new1 > 0:
            fails.append('after the rekey: sa 100 %s -> %s, sa 101 %s -> '
                         '%s; want 100 still, 101 growing'
                         % (old1, old2, new1, new2))
        expect('/dpsec_gw/sa/del,out 100', 'ok', r'deleted')
        # sp/replace: the policy now names SA 101 by its SPI.
        expect('/dpsec_gw/sp/replace,ipv4 out esp protect 101 id 1 pri 1 '
               'dst 10.2.0.0/16', 'ok', r'sp out 1 replaced')
        sp = ctl('/dpsec_gw/sp/list')
        if not any('protect 101 id 1' in v for v in sp.values()):
            fails.append('sp/list after replace: %s' % sp)
        # Nonsense: an error naming it, nothing changed.
        expect('/dpsec_gw/sp/replace,ipv4 out esp protect 101 pri 1 '
               'dst 10.2.0.0/16', 'error', r"needs 'id <n>'")
        expect('/dpsec_gw/sp/replace,ipv4 out esp protect 101 id 9 pri 1 '
               'dst 10.2.0.0/16', 'error', r'no policy out 9')
        expect('/dpsec_gw/sp/replace,ipv4 out esp protect 555 id 1 pri 1 '
               'dst 10.2.0.0/16', 'error', r'protect 555: no sa out 555')
        expect('/dpsec_gw/sp/replace,ipv4 out esp protect 101 id 1 '
               'dst 10.2.0.0/33', 'error', r'expected an IPv4 prefix')
        expect('/dpsec_gw/sp/add,ipv4 out esp protect 101 id 1 pri 1 '
               'dst 10.3.0.0/16', 'error', r'policy id 1 exists')
        expect('/dpsec_gw/sa/del,out 101', 'error', r'')
        expect('/dpsec_gw/sa/del,out 100', 'error', r'no sa out 100')
        expect('/dpsec_gw/sa/add,out 102 aead_algo rot13', 'error',
               r'expected an AEAD')
        expect('/dpsec_gw/sp/del,out 77', 'error', r'no policy out 77')
        expect('/dpsec_gw/sa/move,out 101 sideways', 'error', r'')
        sp2 = ctl('/dpsec_gw/sp/list')
        if sp2 != sp:
            fails.append('the policies changed on errors: %s -> %s'
                         % (sp, sp2))
        a, b = sa_packets(101), None
        time.sleep(0.3)
        b = sa_packets(101)
        if not b > a:
            fails.append('traffic stopped after the replace: %s -> %s'
                         % (a, b))
        p = ports()
        rx1, tx0 = p['port_1'][0], p['port_0'][1]
        if p['port_1'][2] != 0 or p['port_0'][2] != 0:
            fails.append('drops: %s' % p)
        if rx1 - tx0 > 4096:        # at most what is in flight
            fails.append('port 1 received %d, port 0 sent %d' % (rx1, tx0))
    except RuntimeError:
        pass
    finally:
        if gw.poll() is None:
            gw.terminate()
        try:
            rc = gw.wait(60)
        except subprocess.TimeoutExpired:
            gw.kill()
            rc = gw.wait()
        log.close()
    out = open(os.path.join(TMP, 'gw.log')).read()
    print(out)
    if rc != 0 or 'mbufs: all' not in out:
        fails.append('exit status %d, or mbufs not all back' % rc)
    if re.search(r'^drops of rx port', out, re.M):
        fails.append('drops at the end')
    for f in fails:
        print('FAIL: ' + f)
    if not fails:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
