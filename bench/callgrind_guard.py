#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions-per-packet regression guard (doc/benchmarks.md,
"Regression guard").

Runs dpsec-bench under callgrind with collection off at start: measure()
in bench/dpsec_bench.c switches collection on only around the contender's
calls in the timed passes and dumps once per cell, the dump named after
the cell ("desc: Trigger: Client Request: <contender> <dir> <size>B").
For the cells of dpsec (software ESP), nic-crypto and nic-proto (SA on the
NIC), out and in, 64 and 1420 B, it computes the instructions per packet
that are dpsec's OWN (every object but the IPsec-MB shared library, so the
figure does not depend on which SIMD code IPsec-MB picks on a CPU) and,
for information, the IPsec-MB part. It compares the own figures with a
committed baseline (bench/callgrind_baseline.json): a cell more than
--tolerance % (5) above its baseline fails; more than --faster % (10)
below says the baseline should be refreshed, without failing.

  /usr/bin/python3 bench/callgrind_guard.py            # check (build/)
  /usr/bin/python3 bench/callgrind_guard.py --update   # new baseline

Without --bench it first builds <build>/bench/dpsec-bench with ninja.
Exit status: 0 ok, 1 regression (or non-deterministic counts, or a cell
missing), 2 setup error (no valgrind, bench failed, baseline of another
build configuration).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = os.path.join(SRC, 'bench', 'callgrind_baseline.json')
SCHEMA = 'dpsec-callgrind-baseline/1'
CONTENDERS = ('dpsec', 'nic-crypto', 'nic-proto')
DIRS = ('out', 'in')
IMB_OBJ = re.compile(r'libIPSec_MB\.so')
CELL = re.compile(r'^(\S+) (out|in) (\d+)B(?: (.*))?$')
# The build options that change the code: a baseline of another
# configuration says nothing about this one.
CONFIG_OPTS = ('buildtype', 'optimization', 'debug', 'b_ndebug', 'b_sanitize',
               'b_lto', 'c_args')


class GuardError(Exception):
    """A setup problem: exit status 2."""


def parse_dump(path, names):
    """One callgrind dump: (desc trigger, summary,
    {(object, function): self Ir}).

    names holds the compressed-name tables ("(id) name" defines, "(id)"
    refers), shared by every dump of a run: parse the dumps in part order.
    """
    trigger = None
    summary = None
    positions = 1
    ir_idx = 0
    obj = '???'
    fn = '???'
    skip = False
    cost = {}
    kinds = {'ob': 'ob', 'cob': 'ob', 'fl': 'fl', 'fi': 'fl', 'fe': 'fl',
             'cfi': 'fl', 'cfl': 'fl', 'fn': 'fn', 'cfn': 'fn'}

    def resolve(kind, val):
        m = re.match(r'^\((\d+)\)(?: (.*))?$', val)
        if m is None:
            return val
        table = names.setdefault(kind, {})
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), '(%s)' % m.group(1))

    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line[0] == '#':
                continue
            c = line[0]
            if c.isdigit() or c in '+-*':
                if skip:	# inclusive cost of the call above
                    skip = False
                    continue
                vals = line.split()[positions:]
                if ir_idx < len(vals):
                    k = (obj, fn)
                    cost[k] = cost.get(k, 0) + int(vals[ir_idx])
                continue
            if line.startswith('calls='):
                skip = True
                continue
            key, sep, val = line.partition('=')
            if sep and key in kinds:
                name = resolve(kinds[key], val)
                if key == 'ob':
                    obj = name
                elif key == 'fn':
                    fn = name
                continue
            if line.startswith('desc: Trigger: '):
                trigger = line[len('desc: Trigger: '):]
            elif line.startswith('positions:'):
                positions = len(line.split()[1:])
            elif line.startswith('events:'):
                ev = line.split()[1:]
                if 'Ir' not in ev:
                    raise GuardError('%s: no Ir event' % path)
                ir_idx = ev.index('Ir')
            elif line.startswith('summary:'):
                summary = int(line.split()[1 + ir_idx])
    return trigger, summary, cost


def part_of(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            if line.startswith('part:'):
                return int(line.split()[1])
            if line.startswith(('events:', 'positions:')):
                break
    return 0


def run_once(args, outdir):
    """Run the bench under callgrind once: {cell: {own, ipsec_mb, ...}}."""
    out = os.path.join(outdir, 'cg.out')
    cmd = ['valgrind', '--tool=callgrind', '--collect-atstart=no',
           '--callgrind-out-file=' + out, args.bench,
           '--runs', '1', '--iters', str(args.iters),
           '--sizes', args.sizes] + args.bench_arg
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, check=False)
    elapsed = time.monotonic() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
        raise GuardError('%s exited with %d under callgrind'
                         % (os.path.basename(args.bench), p.returncode))
    m = re.search(r'(\d+) sets \((\d+) mbufs\)', p.stdout)
    if m is None:
        raise GuardError('no "<S> sets (<N> mbufs)" settings line in the '
                         "bench's output")
    pkts = args.iters * int(m.group(2))
    dumps = [os.path.join(outdir, n) for n in os.listdir(outdir)
             if n.startswith('cg.out')]
    dumps.sort(key=part_of)
    names = {}
    cells = {}
    for d in dumps:
        trigger, summary, cost = parse_dump(d, names)
        total = sum(cost.values())
        if summary is not None and total != summary:
            raise GuardError('%s: parsed %d Ir, summary says %d'
                             % (d, total, summary))
        pre = 'Client Request: '
        if trigger is None or not trigger.startswith(pre):
            continue
        cell = trigger[len(pre):]
        cm = CELL.match(cell)
        if cm is None or cm.group(1) not in CONTENDERS:
            continue
        if cell in cells:
            raise GuardError('two dumps named "%s"' % cell)
        imb = sum(v for (o, _), v in cost.items() if IMB_OBJ.search(o))
        objs, fns = {}, {}
        for (o, f), v in cost.items():
            if not IMB_OBJ.search(o):
                b = os.path.basename(o)
                objs[b] = objs.get(b, 0) + v
                fns[b + ':' + f] = fns.get(b + ':' + f, 0) + v
        cells[cell] = {'own': (total - imb) / pkts, 'ipsec_mb': imb / pkts,
                       'objects': {o: v / pkts for o, v in objs.items()},
                       'functions': {f: v / pkts for f, v in fns.items()}}
    for f in dumps:
        os.unlink(f)
    return cells, pkts, elapsed, p.stdout


def build_config(build):
    """The build options of `build` that the counts depend on."""
    info = os.path.join(build, 'meson-info')
    cfg = {}
    try:
        with open(os.path.join(info, 'intro-buildoptions.json')) as f:
            for o in json.load(f):
                if o['name'] in CONFIG_OPTS:
                    cfg[o['name']] = o['value']
        cfg['cc'] = '?'
        with open(os.path.join(build, 'meson-logs', 'meson-log.txt')) as f:
            for line in f:
                m = re.search(r'^C compiler for the host machine: '
                              r'.*?\((\w+) ([\d.]+)', line)
                if m is not None:
                    cfg['cc'] = '%s %s' % m.groups()
                    break
    except (OSError, ValueError, KeyError) as e:
        raise GuardError('cannot read the configuration of %s: %s'
                         % (build, e))
    return cfg


def expected_cells(sizes):
    return ['%s %s %sB' % (c, d, s) for s in sizes.split(',')
            for c in CONTENDERS for d in DIRS]


def main():
    ap = argparse.ArgumentParser(
        description="dpsec's instructions per packet under callgrind "
        'against a committed baseline')
    ap.add_argument('--build', default=os.path.join(SRC, 'build'),
                    help='build directory (default: <src>/build, the plain '
                    'build the baseline is taken in)')
    ap.add_argument('--bench', help='dpsec-bench to run (default: '
                    '<build>/bench/dpsec-bench, built with ninja first)')
    ap.add_argument('--baseline', default=BASELINE)
    ap.add_argument('--update', action='store_true',
                    help='write the baseline from this run')
    ap.add_argument('--iters', type=int, default=4,
                    help='timed passes per cell (4)')
    ap.add_argument('--sizes', default='64,1420')
    ap.add_argument('--repeat', type=int, default=None,
                    help='runs; they must agree within 0.5%% '
                    '(default 1, 3 with --update)')
    ap.add_argument('--tolerance', type=float, default=5.0,
                    help='fail when a cell is more than this %% above its '
                    'baseline (5)')
    ap.add_argument('--faster', type=float, default=10.0,
                    help='say "refresh the baseline" when a cell is more '
                    'than this %% below it (10)')
    ap.add_argument('--report-only', action='store_true',
                    help='print (and --json) the counts, compare nothing')
    ap.add_argument('--json', metavar='FILE',
                    help='also write the counts in the dpsec-bench/1 '
                    'results format (bench/report.py)')
    ap.add_argument('--bench-arg', action='append', default=[],
                    help='extra dpsec-bench argument (repeatable)')
    ap.add_argument('--selftest', action='store_true',
                    help='also check the comparison on made-up baselines')
    ap.add_argument('--verbose', '-v', action='store_true',
                    help="each cell's own count per object and its "
                    'top functions')
    ap.add_argument('--functions', dest='verbose_functions', type=int,
                    default=8, help='functions shown with -v (8)')
    args = ap.parse_args()
    if args.repeat is None:
        args.repeat = 3 if args.update else 1
    if args.repeat < 1 or args.iters < 1:
        ap.error('--repeat and --iters must be >= 1')

    try:
        return guard(args)
    except GuardError as e:
        print('callgrind-guard: ERROR: %s' % e)
        return 2


def guard(args):
    if shutil.which('valgrind') is None:
        raise GuardError('valgrind not found (devtools/setup.sh installs it)')
    if args.bench is None:
        args.bench = os.path.join(args.build, 'bench', 'dpsec-bench')
        subprocess.run(['ninja', '-C', args.build, 'bench/dpsec-bench'],
                       stdout=subprocess.DEVNULL, check=True)
    if not os.access(args.bench, os.X_OK):
        raise GuardError('%s not built' % args.bench)
    cfg = build_config(args.build)

    base = None
    if not args.update and not args.report_only:
        try:
            with open(args.baseline) as f:
                base = json.load(f)
        except (OSError, ValueError) as e:
            raise GuardError('baseline %s: %s (create it with --update)'
                             % (args.baseline, e))
        if base.get('schema') != SCHEMA:
            raise GuardError('baseline %s: schema is not %s'
                             % (args.baseline, SCHEMA))
        diff = {k: (base['config'].get(k), v) for k, v in cfg.items()
                if base['config'].get(k) != v}
        if diff:
            raise GuardError(
                'the baseline was taken in another build configuration '
                '(%s); compare in a build like it, or take a new one with '
                '--update' % '; '.join('%s: baseline %r, here %r' % (k, a, b)
                                       for k, (a, b) in diff.items()))
        s = base.get('settings', {})
        if s.get('iters') != args.iters or s.get('sizes') != args.sizes or \
                s.get('bench_args', []) != args.bench_arg:
            raise GuardError('the baseline was taken with --iters %s '
                             '--sizes %s --bench-arg %s'
                             % (s.get('iters'), s.get('sizes'),
                                s.get('bench_args')))

    runs = []
    with tempfile.TemporaryDirectory(prefix='dpsec-cg-') as tmp:
        for i in range(args.repeat):
            cells, pkts, el, out = run_once(args, tmp)
            # progress in the bench programs' style (bench/run.sh)
            print('[%d/%d] callgrind run: %d cells, %d packets each ... '
                  '%.1f s' % (i + 1, args.repeat, len(cells), pkts, el),
                  file=sys.stderr, flush=True)
            runs.append(cells)
    machine = re.search(r'^CPU: (.*)$', out, re.M)
    versions = re.search(r'^(DPDK \S+), IPsec-MB (\S+) \(([^)]*)\), '
                         r'dpsec (\S+)', out, re.M)

    status = 0
    # A cell may carry more after its size ("dpsec out 64B <variant>").
    missing = [c for c in expected_cells(args.sizes)
               if not any(m == c or m.startswith(c + ' ') for m in runs[0])]
    if missing:
        print('callgrind-guard: FAIL: no dump for %s (cells renamed? see '
              'measure() in bench/dpsec_bench.c)' % ', '.join(missing))
        status = 1
    # Determinism: every run within 0.5 % of the first.
    cells = runs[0]
    for r in runs[1:]:
        for c, v in cells.items():
            w = r.get(c)
            if w is None or abs(w['own'] - v['own']) > 0.005 * v['own']:
                print('callgrind-guard: FAIL: not deterministic: %s %.1f '
                      'vs %s instr/pkt' % (c, v['own'],
                                          '%.1f' % w['own'] if w else '-'))
                status = 1

    print('%-22s %10s %10s %8s   %s' % ('cell', 'own', 'baseline', 'change',
                                       'IPsec-MB (info)'))
    verdicts = compare(cells, base['cells'] if base else None,
                       args.tolerance, args.faster)
    nfail = sum(v[2] == 'fail' for v in verdicts.values())
    nfast = sum(v[2] == 'faster' for v in verdicts.values())
    text = {'fail': 'FAIL: more than +%g%%' % args.tolerance,
            'faster': 'faster than the baseline',
            'new': 'new cell (not in the baseline)', '': ''}
    for c in sorted(cells, key=cell_order):
        v = cells[c]
        b, q, verdict = verdicts[c]
        print('%-22s %10.1f %10s %8s   %8.1f  %s'
              % (c, v['own'], '%.1f' % b if b is not None else '-',
                 '%+.1f%%' % (100 * q) if q is not None else '',
                 v['ipsec_mb'], text[verdict]))
        if args.verbose:
            for o, n in sorted(v['objects'].items(), key=lambda x: -x[1]):
                if n >= 0.05:
                    print('%24s %10.1f  %s' % ('', n, o))
            top = sorted(v['functions'].items(), key=lambda x: -x[1])
            for f, n in top[:args.verbose_functions]:
                print('%24s %10.1f    %s' % ('', n, f))
    if args.selftest and not selftest(cells, args.tolerance, args.faster):
        status = 1
    if base is not None:
        for c in base['cells']:
            if c not in cells and c not in missing:
                print('callgrind-guard: FAIL: baseline cell %s not measured'
                      % c)
                status = 1
    print('(instructions per packet; own = all but %s, which is the '
          'IPsec-MB column)' % 'libIPSec_MB')

    if args.json:
        write_json(args, cells, cfg, machine, versions)
    if args.update:
        if status != 0:
            print('callgrind-guard: baseline NOT written (see above)')
            return status
        doc = {
            'schema': SCHEMA,
            'note': 'instructions per packet of dpsec-bench cells under '
                    'callgrind; own = all objects but libIPSec_MB; '
                    'refresh with: /usr/bin/python3 bench/callgrind_guard.py'
                    ' --update',
            'config': cfg,
            'machine': {
                'cpu': machine.group(1).strip() if machine else '?',
                'ipsec_mb': '%s (%s)' % (versions.group(2),
                                         versions.group(3))
                            if versions else '?',
                'valgrind': subprocess.run(
                    ['valgrind', '--version'], stdout=subprocess.PIPE,
                    universal_newlines=True, check=False).stdout.strip(),
            },
            'settings': {'iters': args.iters, 'sizes': args.sizes,
                         'bench_args': args.bench_arg},
            'cells': {c: {'own': round(cells[c]['own'], 2),
                          'ipsec_mb': round(cells[c]['ipsec_mb'], 2)}
                      for c in sorted(cells, key=cell_order)},
        }
        with open(args.baseline, 'w') as f:
            json.dump(doc, f, indent=1)
            f.write('\n')
        print('callgrind-guard: baseline written to %s (%d runs agreed)'
              % (args.baseline, args.repeat))
        return status
    if base is None:
        return status
    if nfail:
        print('callgrind-guard: FAIL: %d cell(s) more than +%g%% above the '
              'baseline' % (nfail, args.tolerance))
        status = 1
    if nfast:
        print('callgrind-guard: %d cell(s) more than %g%% faster than the '
              'baseline, refresh it with --update' % (nfast, args.faster))
    if status == 0:
        print('callgrind-guard: OK (%d cells within +%g%%)'
              % (len(cells), args.tolerance))
    return status


def compare(cells, base, tolerance, faster):
    """{cell: (baseline, change, 'fail'|'faster'|'new'|'')}."""
    res = {}
    for c, v in cells.items():
        if base is None:
            res[c] = (None, None, '')
            continue
        bc = base.get(c)
        if bc is None:
            res[c] = (None, None, 'new')
            continue
        q = v['own'] / bc['own'] - 1
        res[c] = (bc['own'], q, 'fail' if q > tolerance / 100 else
                  'faster' if q < -faster / 100 else '')
    return res


def selftest(cells, tolerance, faster):
    """The comparison against made-up baselines: the same counts pass, a
    baseline that makes every cell 1 point above the tolerance fails
    every cell, one 1 point beyond --faster says so without failing."""
    ok = True
    for name, k, want in (
            ('same', 1.0, ''),
            ('regression', 1 / (1 + (tolerance + 1) / 100), 'fail'),
            ('faster', 1 / (1 - (faster + 1) / 100), 'faster')):
        base = {c: {'own': v['own'] * k} for c, v in cells.items()}
        got = {v[2] for v in compare(cells, base, tolerance,
                                     faster).values()}
        if got != {want}:
            print('callgrind-guard: selftest FAIL: %s baseline gave %s, '
                  'not %r' % (name, sorted(got), want))
            ok = False
    if ok:
        print('callgrind-guard: selftest OK (same/regression/faster '
              'baselines judged as expected)')
    return ok


def cell_order(c):
    m = CELL.match(c)
    if m is None:
        return (9, 0, 0, c)
    return (CONTENDERS.index(m.group(1)) if m.group(1) in CONTENDERS else 9,
            int(m.group(3)), DIRS.index(m.group(2)), m.group(4) or '')


def write_json(args, cells, cfg, machine, versions):
    res = []
    for c in sorted(cells, key=cell_order):
        m = CELL.match(c)
        cell = {'dir': m.group(2), 'size': int(m.group(3))}
        if m.group(4):
            cell['variant'] = m.group(4)
        for part, name in (('own', m.group(1)),
                           ('ipsec_mb', m.group(1) + ' (IPsec-MB)')):
            v = round(cells[c][part], 2)
            if part == 'ipsec_mb' and v == 0:
                continue	# the SA on the NIC: no crypto on the CPU
            res.append({'table': 'callgrind-instr', 'cell': cell,
                        'contender': name, 'unit': 'instr/pkt',
                        'median': v, 'min': v, 'max': v, 'runs': [v]})
    doc = {
        'schema': 'dpsec-bench/1',
        'program': 'callgrind-guard',
        'machine': {
            'cpu': machine.group(1).strip() if machine else '?',
            'dpdk': versions.group(1).split()[-1] if versions else '?',
            'ipsec_mb': '%s (%s)' % (versions.group(2), versions.group(3))
                        if versions else '?',
            'dpsec': versions.group(4) if versions else '?',
        },
        'settings': {'iters': args.iters, 'sizes': args.sizes,
                     'build': cfg},
        'results': res,
        'targets': [],
    }
    with open(args.json, 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    sys.exit(main())
