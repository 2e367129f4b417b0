#!/usr/bin/env python3
"""Compares crashpipe's Rust demangler with `c++filt -s rust` (GNU binutils; its default output
is rustc-demangle's display form, `-i` the alternate form) and, if given, with the
rustc-demangle oracle. Usage: differential.py SWIFT_TOOL SYMBOLS_FILE [ORACLE]"""
import collections, subprocess, sys
from lineproto import run

tool, path = sys.argv[1], sys.argv[2]
oracle = sys.argv[3] if len(sys.argv) > 3 else None
symbols = [l.rstrip('\n') for l in open(path, encoding='utf-8') if l.strip()]


def cxxfilt(*flags):
    data = ''.join(s + '\n' for s in symbols)
    out = subprocess.run(['c++filt', '-s', 'rust', *flags], input=data, capture_output=True, text=True)
    return out.stdout.split('\n')[:len(symbols)]


ours = run(tool, symbols)
plain, brief = cxxfilt(), cxxfilt('-i')
if oracle:
    reference = run(oracle, symbols)
    same = sum(a == b for a, b in zip(ours, reference))
    print(f'rustc-demangle oracle: {same}/{len(symbols)} identical (both forms, refusals included)')
counts, examples = collections.Counter(), collections.defaultdict(list)
for symbol, answer, c, ci in zip(symbols, ours, plain, brief):
    kind = 'legacy' if symbol.lstrip('_').startswith('ZN') else 'v0/other'
    if answer is None:
        verdict = 'both refuse' if c == symbol else 'we refuse, c++filt demangles'
    elif c == symbol:
        verdict = 'we demangle, c++filt refuses'
    else:
        display, alternate = answer
        verdict = {(True, True): 'agree in both forms', (True, False): 'agree in display form only',
                   (False, True): 'agree in alternate form only', (False, False): 'differ'}[(c == display, ci == alternate)]
    counts[kind, verdict] += 1
    if len(examples[kind, verdict]) < 3:
        examples[kind, verdict].append((symbol, answer, c, ci))
print(f'c++filt -s rust ({len(symbols)} symbols):')
for key in sorted(counts):
    print(f'  {key[0]:9} {key[1]:32} {counts[key]}')
for key in sorted(examples):
    if key[1] in ('agree in both forms', 'both refuse'):
        continue
    print('  e.g.', key)
    for symbol, answer, c, ci in examples[key]:
        print('    ', symbol[:160])
        print('       ours      :', answer[0][:200] if answer else None, '|', answer[1][:200] if answer else '')
        print('       c++filt   :', c[:200])
        print('       c++filt -i:', ci[:200])
