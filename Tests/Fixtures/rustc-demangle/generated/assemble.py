#!/usr/bin/env python3
"""Writes the two JSON fixtures from symbol lists and the oracle's answers.
Usage: assemble.py ORACLE WORK OUTDIR"""
import json, random, subprocess, sys
from lineproto import run

oracle, work, outdir = sys.argv[1:4]
random.seed(20260527)


def lines(path):
    return [l.rstrip('\n') for l in open(path, encoding='utf-8') if l.strip()]


def cases(symbols):
    return [{"mangled": s, "display": a[0] if a else None, "alternate": a[1] if a else None}
            for s, a in zip(symbols, run(oracle, symbols))]


program = lines(f'{work}/program_syms.txt')
driver = sorted(random.sample(lines(f'{work}/driver_syms.txt'), 600), key=len)
cpp = sorted(random.sample(lines(f'{work}/cpp_syms.txt'), 150))
rustc_version = subprocess.run(['rustc', '--version'], capture_output=True, text=True).stdout.strip()
symbols_doc = {
    "source": {"tool": f"{rustc_version}, nm (GNU binutils 2.40)",
               "expected": "rustc-demangle 0.1.27 (the copy in the Rust nightly sysroot): "
                           "format!(\"{}\") as display, format!(\"{:#}\") as alternate, "
                           "both null where try_demangle fails"},
    "note": "Every Rust symbol of prog.rs built with the default (legacy) mangling and with "
            "-C symbol-mangling-version=v0 "
            "(its precompiled std is v0-mangled), 600 symbols sampled from librustc_driver, and "
            "150 C++ symbols from libLLVM, which must be refused. Made by make-fixtures.sh.",
    "cases": cases(program + driver + cpp),
}

grammar = lines(f'{work}/grammar.txt')
mutated = lines(f'{work}/mutated.txt')
MARKERS = ('{invalid syntax}', '{recursion limit reached}', '{size limit reached}')


def pick(rows, n):
    marked = [r for r in rows if r['display'] and any(m in r['display'] for m in MARKERS)]
    clean = [r for r in rows if r['display'] is not None and not any(m in r['display'] for m in MARKERS)]
    refused = [r for r in rows if r['display'] is None]
    chosen = []
    for group in (marked, clean, refused):
        group = [r for r in group if len(r['mangled']) < 400 and len(r['display'] or '') < 2000]
        chosen += random.sample(group, min(len(group), n // 3))
    return chosen


mutations_doc = {
    "source": {"expected": "rustc-demangle 0.1.27 (Rust nightly sysroot)"},
    "note": "Random v0 symbols from grammar.py (a quarter of them then damaged by one edit) and "
            "byte-level mutations (mutate.py: flips, truncations, duplications, digit changes, "
            "splices) of real legacy and v0 symbols: about a third each that demangle cleanly, "
            "that demangle with {invalid syntax} or {recursion limit reached} inside, and that "
            "are refused. Made by make-fixtures.sh.",
    "cases": pick(cases(grammar), 1500) + pick(cases(mutated), 1500),
}

for name, doc in (("rustc-symbols.json", symbols_doc), ("oracle-mutations.json", mutations_doc)):
    with open(f'{outdir}/{name}', 'w', encoding='utf-8') as f:
        json.dump(doc, f, ensure_ascii=False, indent=0)
        f.write('\n')
    print(name, len(doc["cases"]), "cases")
