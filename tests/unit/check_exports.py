#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Export control: a shared object exports its public API and nothing else.

    check_exports.py SO VERSION_MAP PUBLIC_HEADER...

Fails when
  * SO exports (nm -D --defined-only) a symbol that VERSION_MAP's global
    list does not name (an internal leaked: crypto layer, sa_*, sim_*);
  * VERSION_MAP names a symbol SO does not define (a stale map);
  * a function or variable the PUBLIC_HEADERs declare (not static inline)
    is missing from VERSION_MAP, so the map cannot forget one.
"""
import re
import subprocess
import sys


def map_globals(path):
    text = re.sub(r'#.*', '', open(path).read())
    names = set()
    for block in re.findall(r'global:(.*?)(?:local:|\})', text, re.S):
        names.update(n.strip() for n in block.split(';') if n.strip())
    if 'local: *;' not in re.sub(r'\s+', ' ', text):
        sys.exit(f'{path}: no "local: *;": everything else would be exported')
    return names


def exported(so):
    out = subprocess.run(['nm', '-D', '--defined-only', so], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        f = line.split()
        # The version node itself shows up as an absolute symbol.
        if len(f) == 3 and f[1] != 'A':
            names.add(f[2].split('@')[0])
    return names


def header_decls(path):
    """Names of the functions and variables a header declares, top level."""
    text = open(path).read()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    text = re.sub(r'\\\n', ' ', text)
    text = re.sub(r'^\s*#[^\n]*', ' ', text, flags=re.M)
    names = set()
    depth = 0
    stmt = ''
    for ch in text:
        if ch == '{':
            if depth == 0:
                # extern "C" { ... } is not a body: look inside it.
                if re.search(r'extern\s+"C"\s*$', stmt):
                    stmt = ''
                    continue
                head, stmt = stmt, ''
                if re.search(r'\bstatic\b', head) or '(' not in head:
                    depth += 1
                    continue
                depth += 1
                continue
            depth += 1
        elif ch == '}':
            if depth == 0:
                stmt = ''	# end of extern "C"
                continue
            depth -= 1
            if depth == 0:
                stmt = ''
            continue
        elif depth == 0:
            if ch == ';':
                s = ' '.join(stmt.split())
                stmt = ''
                if re.match(r'(typedef|struct|union|enum)\b', s) and \
                        '(' not in s.split('{')[0]:
                    continue
                if s.startswith('typedef') or re.search(r'\bstatic\b', s):
                    continue
                m = re.search(r'(\w+)\s*\(', s) if '(' in s else \
                    re.search(r'(\w+)\s*(\[[^]]*\])?\s*$', s)
                if m:
                    names.add(m.group(1))
                continue
            stmt += ch
    return names


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    so, vmap, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
    glob = map_globals(vmap)
    exp = exported(so)
    bad = []
    for n in sorted(exp - glob):
        bad.append(f'{so}: exports {n}, not in {vmap}')
    for n in sorted(glob - exp):
        bad.append(f'{vmap}: names {n}, which {so} does not define')
    for h in headers:
        for n in sorted(header_decls(h) - glob):
            bad.append(f'{h}: declares {n}, missing from {vmap}')
    for b in bad:
        print(b)
    print(f'{so}: {len(exp)} exported, {len(glob)} in the map, '
          f'{len(bad)} problem(s)')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
