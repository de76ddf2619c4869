#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
References that must resolve inside the repository (meson test doc-refs):

* no source or document cites DESIGN (a file that is not in the tree);
* a line that cites a security invariant by number ("invariant 3",
  "invariants 1 and 2") names doc/security_model.md on the same line or
  the next, and the number is one of the invariants that page lists;
* every doc/<file> a source or document names exists, and so does every
  relative link of README.md and doc/*.md;
* every CMocka test (`test_xxx`) and meson test (`lib-xxx`, ...) that
  doc/security_model.md names exists.

Usage: check-doc-refs.py SOURCE_ROOT [BUILD_ROOT]
(BUILD_ROOT: for the meson test names, from meson-info/intro-tests.json.)
"""
import json
import os
import re
import sys

SCAN_DIRS = ['lib', 'drivers', 'doc', 'tests', 'examples', 'bench', 'app',
             'devtools']
SCAN_FILES = ['README.md', 'meson.build', 'meson_options.txt']
EXTS = ('.c', '.h', '.md', '.py', '.sh', '.build', '.txt', '.in')
MODEL = 'doc/security_model.md'
SELF = 'devtools/check-doc-refs.py'

DESIGN_RE = re.compile(r'\bDESIGN\b')
INV_RE = re.compile(r'\b[Ii]nvariants?\s+(\d+(?:\s*(?:,|and|or)\s*\d+)*)')
DOC_RE = re.compile(r'(?<![\w/.-])doc/[\w./-]*\w')
LINK_RE = re.compile(r'\]\(([^)#\s]+)(?:#[^)]*)?\)')
TESTFN_RE = re.compile(r'`(test_\w+)`')
MESONTEST_RE = re.compile(r'`((?:unit|pmd|lib|interop|e2e|doc)-[\w-]+)`')


def files(root):
    for f in SCAN_FILES:
        if os.path.isfile(os.path.join(root, f)):
            yield f
    for d in SCAN_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            dirnames[:] = [n for n in dirnames
                           if not n.startswith(('.', 'build'))]
            for n in sorted(filenames):
                if n.endswith(EXTS):
                    yield os.path.relpath(os.path.join(dirpath, n), root)


def invariants(root, errors):
    """The numbers of the list under '## Security invariants'."""
    nums = set()
    try:
        text = open(os.path.join(root, MODEL), encoding='utf-8').read()
    except OSError as e:
        errors.append('%s: %s' % (MODEL, e.strerror))
        return nums
    sect = re.search(r'^## Security invariants\n(.*?)(?=^## |\Z)', text,
                     re.M | re.S)
    if sect is None:
        errors.append('%s: no "## Security invariants" section' % MODEL)
        return nums
    nums = {int(n) for n in re.findall(r'^(\d+)\. ', sect.group(1), re.M)}
    if not nums:
        errors.append('%s: the invariants section lists none' % MODEL)
    return nums


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    root = sys.argv[1]
    errors = []
    nums = invariants(root, errors)

    for f in files(root):
        if f == SELF:
            continue
        with open(os.path.join(root, f), encoding='utf-8',
                  errors='replace') as fh:
            lines = fh.read().split('\n')
        for i, line in enumerate(lines, 1):
            where = '%s:%d' % (f, i)
            if DESIGN_RE.search(line):
                errors.append('%s: cites DESIGN, which is not in the '
                              'repository: %s' % (where, line.strip()))
            for m in INV_RE.finditer(line):
                if f == MODEL:
                    continue
                near = line + (lines[i] if i < len(lines) else '')
                if 'security_model.md' not in near:
                    errors.append('%s: cites an invariant without %s: %s'
                                  % (where, MODEL, line.strip()))
                for n in re.findall(r'\d+', m.group(1)):
                    if int(n) not in nums:
                        errors.append('%s: invariant %s is not in %s'
                                      % (where, n, MODEL))
            for m in DOC_RE.finditer(line):
                p = m.group(0).rstrip('.')
                if not os.path.exists(os.path.join(root, p)):
                    errors.append('%s: names %s, which does not exist'
                                  % (where, p))
            if f.endswith('.md'):
                for m in LINK_RE.finditer(line):
                    t = m.group(1)
                    if re.match(r'^[a-z]+:', t):
                        continue
                    p = os.path.normpath(os.path.join(os.path.dirname(f), t))
                    if not os.path.exists(os.path.join(root, p)):
                        errors.append('%s: link to %s, which does not exist'
                                      % (where, t))

    if os.path.isfile(os.path.join(root, MODEL)):
        text = open(os.path.join(root, MODEL), encoding='utf-8').read()
        defined = set()
        for f in files(root):
            if f.startswith('tests/') and f.endswith('.c'):
                src = open(os.path.join(root, f), encoding='utf-8').read()
                defined |= set(re.findall(r'^(test_\w+)\(', src, re.M))
        for fn in sorted(set(TESTFN_RE.findall(text))):
            if fn not in defined:
                errors.append('%s: names %s, no such test in tests/'
                              % (MODEL, fn))
        if len(sys.argv) == 3:
            intro = os.path.join(sys.argv[2], 'meson-info',
                                 'intro-tests.json')
            with open(intro, encoding='utf-8') as fh:
                names = {t['name'] for t in json.load(fh)}
            for t in sorted(set(MESONTEST_RE.findall(text))):
                if t not in names:
                    errors.append('%s: names meson test %s, which does not '
                                  'exist' % (MODEL, t))

    for e in errors:
        print('FAIL: ' + e)
    if errors:
        return 1
    print('OK: references resolve (%d invariants)' % len(nums))
    return 0


if __name__ == '__main__':
    sys.exit(main())
