#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
The /dpsec/... telemetry endpoints, read the way an operator reads them:
Debian's dpdk-telemetry.py against telemetry_app (see its header for what
it sets up). Usage: test_telemetry.py <telemetry_app>.

The EAL runtime directory (file-prefix directory, telemetry and
multi-process sockets) is in a fresh private 0700 directory under the
temporary directory (TMPDIR, else /tmp), given to both sides with
RUNTIME_DIRECTORY and removed at the end: never in the build tree, whose
path can be longer than a socket path may be (sun_path, 108 bytes), and
never shared with another process.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

TELEMETRY = '/usr/bin/dpdk-telemetry.py'
SOCKET = 'dpdk_telemetry.v2'
SUN_PATH_MAX = 108          # struct sockaddr_un.sun_path, with its NUL
SKIP = 77


def query(env, prefix, cmds):
    """Run the commands in one dpdk-telemetry.py session; one answer each."""
    res = subprocess.run(['/usr/bin/python3', TELEMETRY, '-f', prefix],
                         input='\n'.join(cmds) + '\n', env=env,
                         capture_output=True, text=True, timeout=60,
                         check=True)
    lines = [l for l in res.stdout.splitlines() if l.strip()]
    assert len(lines) == len(cmds), (cmds, res.stdout, res.stderr)
    out = []
    for cmd, line in zip(cmds, lines):
        ans = json.loads(line)
        key = cmd.split(',')[0]
        assert list(ans) == [key], (cmd, ans)
        out.append(ans[key])
    return out


def check(cond, what, data):
    if not cond:
        print('FAIL: ' + what + ': ' + json.dumps(data, indent=2))
        sys.exit(1)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if not os.access(TELEMETRY, os.X_OK):
        print('SKIP: no ' + TELEMETRY + ' (Debian package dpdk)')
        return SKIP
    app = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix='dpsec-tel-')   # mode 0700
    run = os.path.join(tmp, 'run')
    os.mkdir(run, 0o700)
    env = dict(os.environ, RUNTIME_DIRECTORY=run)
    prefix = 'dpsec-tel-%d' % os.getpid()
    sock = os.path.join(run, 'dpdk', prefix, SOCKET)
    if len(sock.encode()) >= SUN_PATH_MAX:
        shutil.rmtree(tmp, ignore_errors=True)
        check(False, 'telemetry socket path longer than sun_path (set '
              'TMPDIR to a shorter directory)', sock)
    proc = subprocess.Popen([app, prefix, tmp], env=env)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(os.path.join(tmp, 'ready')):
            check(proc.poll() is None, 'telemetry_app exited early',
                  proc.returncode)
            check(time.monotonic() < deadline, 'telemetry_app not ready',
                  None)
            time.sleep(0.05)
        rc = run_checks(env, prefix)
    finally:
        open(os.path.join(tmp, 'done'), 'w').close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    check(proc.returncode == 0, 'telemetry_app exit status',
          proc.returncode)
    return rc


def run_checks(env, prefix):
    ctxs, sas, i_out, i_in, nic, noport, stats, stats1, *bad = query(
        env, prefix, [
            '/dpsec/ctx/list',
            '/dpsec/sa/list,tel0',
            '/dpsec/sa/info,tel0,0x1001,out',
            '/dpsec/sa/info,tel0,4097,in',
            '/dpsec/sa/info,tel0,0x1002',
            '/dpsec/sa/info,tel0,0x1003',
            '/dpsec/stats,tel0',
            '/dpsec/stats,tel1',
            # bad parameters: telemetry answers null
            '/dpsec/sa/info,tel0,0x1001',       # ambiguous: both ways
            '/dpsec/sa/info,tel0,0x1001,sideways',
            '/dpsec/sa/info,tel0,0x9999',
            '/dpsec/sa/info,tel0,zz',
            '/dpsec/sa/info,tel0',
            '/dpsec/sa/info,nosuch,0x1001,out',
            '/dpsec/sa/list,nosuch',
            '/dpsec/sa/list',
            '/dpsec/stats',
            '/dpsec/stats,tel0,extra',
        ])
    check({'tel0', 'tel1', 'churn'} <= set(ctxs), 'ctx/list', ctxs)
    check(sorted(sas['out']) == [0x1001, 0x1002, 0x1003] and
          sas['in'] == [0x1001], 'sa/list', sas)

    check(i_out['spi'] == 0x1001 and i_out['spi_hex'] == '0x00001001' and
          i_out['dir'] == 'out' and i_out['mode'] == 'tunnel' and
          i_out['cipher'] == 'aes-cbc-128' and
          i_out['auth'] == 'hmac-sha1-96' and
          i_out['placement'] == 'sw' and
          i_out['place_reason'] == 'software requested (offload=none)' and
          i_out['state'] == 'active' and i_out['seq'] == 10 and
          i_out['packets'] == 10 and i_out['bytes'] == 10 * 120 and
          i_out['drops'] == {} and i_out['userdata'] == 42,
          'sa/info 0x1001 out', i_out)
    check(i_in['dir'] == 'in' and i_in['top'] == 10 and
          i_in['replay_window'] == 64 and i_in['packets'] == 10 and
          i_in['drops'] == {'REPLAY': 10} and
          i_in['userdata'] == 0x1001, 'sa/info 0x1001 in', i_in)
    check(nic['placement'] == 'inline-protocol' and
          nic['place_reason'] == 'on the NIC' and nic['port'] == 0 and
          nic['cipher'] == 'aes-gcm-128' and nic['auth'] == 'none' and
          nic['packets'] == 5, 'sa/info 0x1002 (NIC)', nic)
    check(noport['placement'] == 'sw' and noport['port'] == 5 and
          noport['place_reason'] == 'port not attached to the context',
          'sa/info 0x1003 (no port)', noport)

    check(stats['sa_out'] == 3 and stats['sa_in'] == 1 and
          stats['sa_sw'] == 3 and stats['sa_inline_crypto'] == 0 and
          stats['sa_inline_protocol'] == 1 and
          stats['sa_active'] == 4 and stats['sa_dead'] == 0 and
          stats['packets_out'] == 15 and stats['packets_in'] == 10 and
          stats['bytes_in'] == 10 * 120 and
          stats['drops'] == {'REPLAY': 10}, 'stats tel0', stats)
    check(stats1['sa_out'] == 0 and stats1['sa_in'] == 0 and
          stats1['drops'] == {}, 'stats tel1', stats1)
    check(all(b is None for b in bad), 'bad parameters answer null', bad)

    # The app creates and destroys SAs and a context meanwhile: many
    # queries must all answer (and, under ASan, touch nothing freed).
    cmds = ['/dpsec/sa/list,churn', '/dpsec/stats,churn',
            '/dpsec/sa/info,churn,0x2000,out', '/dpsec/stats,churn2',
            '/dpsec/sa/list,churn2', '/dpsec/ctx/list'] * 100
    answers = query(env, prefix, cmds)
    lists = [a for c, a in zip(cmds, answers)
             if c == '/dpsec/sa/list,churn']
    check(all(isinstance(a, dict) for a in lists), 'churn lists', lists[:3])
    print('OK: %d telemetry answers checked' % (18 + len(cmds)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
