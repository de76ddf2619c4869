#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Merge bench results (schema dpsec-bench/1) into one report.

  /usr/bin/python3 bench/report.py DIR|FILE... [--out DIR]

Reads every *.json of schema "dpsec-bench/1" in the DIRs (and the FILEs),
and the run.json bench/run.sh writes (which programs ran, failed or were
missing). Writes into --out (default: the first DIR):
  results.json  every result and target, each with its program
  results.md    one Markdown table per table id: the cell keys as columns,
                the contender, median and min..max per row; the table's
                targets with PASS/MISS and a count; the machines; what
                was missing
  plot-<table>.png/.svg (python3-matplotlib):
                a table whose cell has a numeric axis with 3 values or
                more (sas, rules, lcores, size, ...): scaling curves, one
                line per contender (and other cell keys), log x when the
                axis spans two decades or more;
                other tables: bars by size (or cell) and contender, one
                panel per direction/algorithm (the other cell keys).
Exit status: 0, 1 when no results were found, 3 when matplotlib is missing
(results.md and results.json are still written).
"""

import argparse
import datetime
import glob
import json
import math
import os
import re
import sys

SCHEMA = 'dpsec-bench/1'
# Preferred scaling axes, in this order, when a cell has several numeric keys.
AXES = ('sas', 'rules', 'lcores', 'records', 'record', 'flows', 'size')


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return '{:,}'.format(v) if abs(v) >= 10000 else str(v)
    if not isinstance(v, float):
        return str(v)
    a = abs(v)
    if a >= 10000:
        return '{:,.0f}'.format(v)
    if a >= 10:
        return '%.1f' % v
    if a >= 1:
        return '%.2f' % v
    if a == 0:
        return '0'
    return '%.3g' % v


def cell_str(v):
    return fmt(v) if not isinstance(v, str) else v


def load(paths):
    """(docs, run-status list, warnings)."""
    docs, runs, warn = [], [], []
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(glob.glob(os.path.join(p, '*.json')))
        else:
            files.append(p)
    for f in files:
        base = os.path.basename(f)
        if base == 'results.json':
            continue
        try:
            with open(f) as fh:
                d = json.load(fh)
        except (OSError, ValueError) as e:
            warn.append('%s: unreadable (%s)' % (f, e))
            continue
        if not isinstance(d, dict):
            warn.append('%s: not a results object' % f)
        elif d.get('schema') == 'dpsec-bench-run/1':
            runs += d.get('programs', [])
        elif d.get('schema') != SCHEMA:
            warn.append('%s: schema %r, not %s: ignored'
                        % (f, d.get('schema'), SCHEMA))
        else:
            d['_file'] = f
            docs.append(d)
    return docs, runs, warn


def merge(docs):
    results, targets, sources = [], [], []
    for d in docs:
        prog = d.get('program', os.path.basename(d['_file']))
        sources.append({'file': d['_file'], 'program': prog,
                        'machine': d.get('machine', {}),
                        'settings': d.get('settings', {})})
        for r in d.get('results') or []:
            if isinstance(r, dict) and 'table' in r:
                results.append(dict(r, program=prog))
        for t in d.get('targets') or []:
            if isinstance(t, dict):
                targets.append(dict(t, program=prog))
    return results, targets, sources


def tables_of(results):
    """{table: [results]} in order of first appearance."""
    tabs = {}
    for r in results:
        tabs.setdefault(r['table'], []).append(r)
    return tabs


def keys_of(rows):
    keys = []
    for r in rows:
        for k in (r.get('cell') or {}):
            if k not in keys:
                keys.append(k)
    return keys


def md_escape(s):
    return str(s).replace('|', '\\|')


def target_verdict(t):
    p = t.get('pass')
    if p is None:
        try:
            v, y = float(t['value']), float(t['target'])
            p = v <= y if t.get('op') == '<=' else v >= y
        except (KeyError, TypeError, ValueError):
            return '?'
    return 'PASS' if p else 'MISS'


def write_md(path, results, targets, sources, runs, warn, plots):
    tabs = tables_of(results)
    out = ['# dpsec benchmark results', '',
           'Generated %s by bench/report.py from %d result file(s).'
           % (datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
              len(sources)), '']
    npass = sum(target_verdict(t) == 'PASS' for t in targets)
    nmiss = sum(target_verdict(t) == 'MISS' for t in targets)
    out += ['**Targets: %d PASS, %d MISS** (of %d)' % (npass, nmiss,
                                                      len(targets)), '']
    if runs:
        out += ['## Programs', '',
                '| program | status | elapsed s | arguments |',
                '|---|---|---|---|']
        for p in runs:
            out.append('| %s | %s | %s | `%s` |' % (
                md_escape(p.get('program', '?')),
                md_escape(p.get('status', '?')),
                fmt(p.get('elapsed_s')), md_escape(p.get('args', ''))))
        out.append('')
    missing = [p for p in runs if p.get('status') != 'ok']
    if missing:
        out += ['Not measured: ' + ', '.join(
            '%s (%s)' % (p.get('program'), p.get('status'))
            for p in missing), '']
    if sources:
        out += ['## Machine and settings', '',
                '| program | cpu | dpdk | ipsec_mb | dpsec | settings |',
                '|---|---|---|---|---|---|']
        for s in sources:
            m = s['machine'] if isinstance(s['machine'], dict) else {}
            st = s['settings'] if isinstance(s['settings'], dict) else {}
            out.append('| %s | %s | %s | %s | %s | %s |' % (
                md_escape(s['program']), md_escape(m.get('cpu', '?')),
                md_escape(m.get('dpdk', '?')),
                md_escape(m.get('ipsec_mb', '?')),
                md_escape(m.get('dpsec', '?')),
                md_escape(', '.join('%s=%s' % (k, json.dumps(v))
                                    for k, v in st.items()))))
        out.append('')
    for name, rows in tabs.items():
        keys = keys_of(rows)
        progs = sorted({r['program'] for r in rows})
        out += ['## Table `%s` (%s)' % (name, ', '.join(progs)), '']
        if name in plots:
            out += ['![%s](%s)' % (name, os.path.basename(plots[name])), '']
        out.append('| ' + ' | '.join(keys + ['contender', 'median',
                                            'min..max', 'unit', 'runs'])
                   + ' |')
        out.append('|' + '---|' * (len(keys) + 5))
        for r in rows:
            c = r.get('cell') or {}
            out.append('| ' + ' | '.join(
                [md_escape(cell_str(c.get(k, ''))) for k in keys] +
                [md_escape(r.get('contender', '?')), fmt(r.get('median')),
                 '%s..%s' % (fmt(r.get('min')), fmt(r.get('max'))),
                 md_escape(r.get('unit', '')),
                 str(len(r.get('runs') or []))]) + ' |')
        out.append('')
        tt = [t for t in targets if t.get('table') == name]
        if tt:
            out += md_targets(tt, '### Targets of `%s`' % name)
    other = [t for t in targets if t.get('table') not in tabs]
    if other:
        out += md_targets(other, '## Other targets (no results table)')
    if not results:
        out += ['No results.', '']
    if warn:
        out += ['## Warnings', ''] + ['- ' + md_escape(w) for w in warn] + ['']
    with open(path, 'w') as f:
        f.write('\n'.join(out))


def md_targets(tt, title):
    keys = keys_of(tt)
    out = [title, '',
           '| ' + ' | '.join(keys + ['what', 'value', 'target', 'result'])
           + ' |', '|' + '---|' * (len(keys) + 4)]
    for t in tt:
        c = t.get('cell') or {}
        out.append('| ' + ' | '.join(
            [md_escape(cell_str(c.get(k, ''))) for k in keys] +
            [md_escape(t.get('what', '')), fmt(t.get('value')),
             '%s %s' % (t.get('op', '?'), fmt(t.get('target'))),
             target_verdict(t)]) + ' |')
    p = sum(target_verdict(t) == 'PASS' for t in tt)
    m = sum(target_verdict(t) == 'MISS' for t in tt)
    out += ['', '%d PASS, %d MISS' % (p, m), '']
    return out


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def label(d):
    return ', '.join('%s=%s' % (k, cell_str(v)) for k, v in d) or 'all'


def plot_table(plt, name, rows, outdir):
    """One figure per table; returns the PNG path or None."""
    keys = keys_of(rows)
    nums = [k for k in keys
            if all(is_num((r.get('cell') or {}).get(k)) for r in rows)]
    distinct = {k: sorted({r['cell'][k] for r in rows}) for k in nums}
    # A scaling axis: a known one (but size) with 2 values or more, or any
    # numeric key with 3 or more; size with 2 values (64, 1420) gives bars.
    axis = None
    cands = [k for k in nums if len(distinct[k]) >= 3 or
             (k in AXES and k != 'size' and len(distinct[k]) >= 2)]
    for k in AXES:
        if k in cands:
            axis = k
            break
    if axis is None and cands:
        axis = max(cands, key=lambda k: len(distinct[k]))
    if axis is None and 'size' in nums:
        axis_bars = 'size'
    elif axis is None and nums:
        axis_bars = nums[0]
    else:
        axis_bars = None

    # Panels: one per unit and the cell keys other than the axis (for bar
    # charts: other than the bar axis) that vary; scaling: the other keys
    # make separate lines within the panel instead when few enough.
    x_key = axis or axis_bars
    rest = [k for k in keys if k != x_key]
    vary = [k for k in rest
            if len({json.dumps((r.get('cell') or {}).get(k))
                    for r in rows}) > 1]
    panel_keys = vary if axis is None else [k for k in vary if k in
                                            ('dir', 'algo', 'family', 'op')]
    line_keys = [k for k in vary if k not in panel_keys]
    panels = {}
    for r in rows:
        c = r.get('cell') or {}
        pk = (r.get('unit', ''),) + tuple((k, c.get(k)) for k in panel_keys)
        panels.setdefault(pk, []).append(r)
    n = len(panels)
    if n == 0:
        return None
    ncols = 1 if n == 1 else 2
    nrows = math.ceil(n / ncols)
    fig, axs = plt.subplots(nrows, ncols, squeeze=False,
                            figsize=(6.4 * ncols, 3.8 * nrows))
    for i, (pk, prs) in enumerate(panels.items()):
        ax = axs[i // ncols][i % ncols]
        unit, pkv = pk[0], pk[1:]
        ax.set_title('%s: %s' % (name, label(pkv)), fontsize=9)
        ax.set_ylabel(unit)
        if axis is not None:
            plot_lines(ax, prs, axis, line_keys)
        else:
            plot_bars(ax, prs, x_key, line_keys)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    for j in range(n, nrows * ncols):
        axs[j // ncols][j % ncols].axis('off')
    fig.tight_layout()
    base = os.path.join(outdir, 'plot-' + re.sub(r'[^\w.-]+', '_', name))
    fig.savefig(base + '.png', dpi=100)
    fig.savefig(base + '.svg')
    plt.close(fig)
    return base + '.png'


def series_key(r, line_keys):
    c = r.get('cell') or {}
    s = r.get('contender', '?')
    extra = label(tuple((k, c.get(k)) for k in line_keys))
    return s if not line_keys else '%s (%s)' % (s, extra)


def plot_lines(ax, rows, axis, line_keys):
    series = {}
    for r in rows:
        series.setdefault(series_key(r, line_keys), []).append(r)
    xs_all = []
    for sname, srs in series.items():
        srs = sorted(srs, key=lambda r: r['cell'][axis])
        xs = [r['cell'][axis] for r in srs]
        ys = [r.get('median') for r in srs]
        lo = [max(0, (r.get('median') or 0) - (r.get('min') or 0))
              if r.get('min') is not None else 0 for r in srs]
        hi = [max(0, (r.get('max') or 0) - (r.get('median') or 0))
              if r.get('max') is not None else 0 for r in srs]
        ax.errorbar(xs, ys, yerr=[lo, hi], marker='o', capsize=3,
                    label=sname)
        xs_all += xs
    pos = [x for x in xs_all if x > 0]
    if pos and max(pos) / min(pos) >= 100 and len(pos) == len(xs_all):
        ax.set_xscale('log')
    ax.set_xlabel(axis)
    ax.set_ylim(bottom=0)


def plot_bars(ax, rows, x_key, line_keys):
    xs = []
    for r in rows:
        x = (r.get('cell') or {}).get(x_key) if x_key else None
        if x not in xs:
            xs.append(x)
    if x_key and all(is_num(x) for x in xs):
        xs.sort()
    series = {}
    for r in rows:
        series.setdefault(series_key(r, line_keys), {})[
            (r.get('cell') or {}).get(x_key) if x_key else None] = r
    w = 0.8 / max(1, len(series))
    for i, (sname, byx) in enumerate(series.items()):
        pos, ys, lo, hi = [], [], [], []
        for j, x in enumerate(xs):
            r = byx.get(x)
            if r is None or r.get('median') is None:
                continue
            m = r['median']
            pos.append(j + (i - (len(series) - 1) / 2) * w)
            ys.append(m)
            lo.append(max(0, m - r['min']) if r.get('min') is not None
                      else 0)
            hi.append(max(0, r['max'] - m) if r.get('max') is not None
                      else 0)
        ax.bar(pos, ys, w, yerr=[lo, hi], capsize=2, label=sname)
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels(['%s B' % x if x_key == 'size' else cell_str(x)
                        for x in xs])
    ax.set_xlabel(x_key or '')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('paths', nargs='+', metavar='DIR|FILE')
    ap.add_argument('--out', help='output directory (default: the first '
                    'DIR, or the directory of the first FILE)')
    args = ap.parse_args()
    out = args.out or (args.paths[0] if os.path.isdir(args.paths[0])
                       else os.path.dirname(args.paths[0]) or '.')
    os.makedirs(out, exist_ok=True)
    docs, runs, warn = load(args.paths)
    results, targets, sources = merge(docs)
    status = 0

    plots = {}
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
        warn.append('python3-matplotlib missing: no plots '
                    '(devtools/setup.sh installs it)')
        status = 3
    if plt is not None:
        for name, rows in tables_of(results).items():
            try:
                p = plot_table(plt, name, rows, out)
            except (KeyError, TypeError, ValueError) as e:
                warn.append('table %s: no plot (%s)' % (name, e))
                continue
            if p:
                plots[name] = p

    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump({'schema': 'dpsec-bench-merged/1', 'sources': sources,
                   'programs': runs, 'results': results,
                   'targets': targets}, f, indent=1)
        f.write('\n')
    write_md(os.path.join(out, 'results.md'), results, targets, sources,
             runs, warn, plots)
    npass = sum(target_verdict(t) == 'PASS' for t in targets)
    nmiss = sum(target_verdict(t) == 'MISS' for t in targets)
    for w in warn:
        print('report.py: warning: %s' % w, file=sys.stderr)
    print('report.py: %d results in %d tables, targets %d PASS %d MISS, '
          '%d plots -> %s' % (len(results), len(tables_of(results)), npass,
                              nmiss, len(plots),
                              os.path.join(out, 'results.md')))
    if not results:
        return 1
    return status


if __name__ == '__main__':
    sys.exit(main())
