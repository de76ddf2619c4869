#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Test of bench/report.py (meson test bench-report, suite bench) on the
sample results of bench/testdata/ (written by hand to the dpsec-bench/1
schema: an ESP file, a scale file, an empty TLS file, a file of another
schema and run.sh's run.json with a missing program): the Markdown has the
expected rows, targets and counts, results.json holds every result, each
plot exists as non-empty PNG and SVG."""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
failed = []


def check(cond, what):
    if not cond:
        failed.append(what)
        print('FAIL: ' + what)


with tempfile.TemporaryDirectory(prefix='dpsec-report-') as out:
    p = subprocess.run([sys.executable, os.path.join(HERE, 'report.py'),
                        os.path.join(HERE, 'testdata'), '--out', out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, check=False)
    sys.stdout.write(p.stdout + p.stderr)
    check(p.returncode == 0, 'report.py exit status %d' % p.returncode)
    with open(os.path.join(out, 'results.md')) as f:
        md = f.read()
    with open(os.path.join(out, 'results.json')) as f:
        merged = json.load(f)

    for row in (
        # cell keys as columns, contender, median, min..max, unit, runs
        '| dir | size | algo | contender | median | min..max | unit | runs |',
        '| out | 64 | aes-128-gcm | dpsec | 46.1 | 45.1..47.9 | ns/pkt | 5 |',
        '| in | 1420 | chacha20-poly1305 | rte_ipsec | 208.7 | '
        '204.5..216.9 | ns/pkt | 5 |',
        '| 1,000,000 | dpsec | 27.0 | 26.6..27.5 | ns/pkt | 5 |',
        '| ipv6 | 100,000 | dpsec | 98.0 | 98.0..98.0 | ns/pkt | 5 |',
        '| sa-create-destroy | software | dpsec | 250,000 | '
        '240,000..260,000 | ops/s | 5 |',
        # targets with their verdicts and the counts
        '| out | 1420 | aes-128-gcm | dpsec/raw time | 1.20 | <= 1.08 | MISS |',
        '| out | 64 | aes-128-gcm | dpsec/raw time | 1.20 | <= 1.35 | PASS |',
        '| in | 2 | 2 lcores / 1 lcore | 1.83 | >= 1.80 | PASS |',
        '| 1 | bytes per SA | 480 | <= 512 | PASS |',
        '4 PASS, 4 MISS',
        '**Targets: 11 PASS, 8 MISS** (of 19)',
        # what was not measured, what was ignored
        '| dpsec-bench-tls | missing (not built) |',
        "schema 'something-else/2', not dpsec-bench/1: ignored",
    ):
        check(row in md, 'results.md lacks: ' + row)
    for t in ('esp-sw', 'esp-nic', 'sad-lookup', 'spd-lookup', 'lcores',
              'control'):
        check('## Table `%s`' % t in md, 'results.md: no table ' + t)
        for ext in ('png', 'svg'):
            f = os.path.join(out, 'plot-%s.%s' % (t, ext))
            check(os.path.isfile(f) and os.path.getsize(f) > 1000,
                  'plot %s missing or empty' % f)
    check(md.count('## Table') == 6, '%d tables, not 6'
          % md.count('## Table'))
    check(len(merged['results']) == 45, 'results.json: %d results, not 45'
          % len(merged['results']))
    check(len(merged['targets']) == 19, 'results.json: %d targets, not 19'
          % len(merged['targets']))
    check({r['program'] for r in merged['results']} ==
          {'dpsec-bench', 'dpsec-bench-scale'}, 'results.json: programs')

    # No results at all: exit 1, but still a report.
    empty = os.path.join(out, 'empty')
    p = subprocess.run([sys.executable, os.path.join(HERE, 'report.py'),
                        os.path.join(HERE, 'testdata', 'tls-empty.json'),
                        '--out', empty], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, check=False)
    check(p.returncode == 1, 'no results: exit %d, not 1' % p.returncode)
    check(os.path.isfile(os.path.join(empty, 'results.md')),
          'no results: no results.md')

print('bench-report: %s' % ('FAIL (%d)' % len(failed) if failed else 'OK'))
sys.exit(1 if failed else 0)
