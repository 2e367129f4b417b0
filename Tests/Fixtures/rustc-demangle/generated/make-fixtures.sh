#!/bin/sh
# Regenerates rustc-symbols.json and oracle-mutations.json and prints the differential report.
# Needs: rustc (stable) and a nightly toolchain with its sysroot (for rustc-demangle through
# rustc_private; no network), nm and c++filt (binutils), swiftc, python3.
# Usage: Tests/Fixtures/rustc-demangle/generated/make-fixtures.sh   (from the package root)
set -eu
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rust-demangle-fixtures.XXXXXX")
trap 'rm -rf "$work"' EXIT
nightly=${NIGHTLY_RUSTC:-$(rustup which --toolchain nightly rustc)}

"$nightly" -O --edition 2021 "$here/oracle.rs" -o "$work/oracle"
swiftc -O -wmo -parse-as-library -o "$work/ours" "$here/swift-demangle-lines.swift" \
    $(ls "$root"/Sources/Plugins/DemangleRust/*.swift | grep -v '/DemangleRust.swift$')

rustc -g -C opt-level=0 -o "$work/prog_legacy" "$here/prog.rs"
rustc -g -C opt-level=0 -C symbol-mangling-version=v0 -o "$work/prog_v0" "$here/prog.rs"
for binary in "$work/prog_legacy" "$work/prog_v0"; do nm "$binary" | awk '{print $NF}'; done \
    | grep -E '^_?_?(ZN|R)' | sort -u > "$work/program_syms.txt"
sysroot=$(rustc --print sysroot)
nm -D --defined-only "$sysroot"/lib/librustc_driver-*.so | awk '{print $NF}' \
    | grep -E '^_R' | sort -u > "$work/driver_syms.txt"
nm -D --defined-only "$sysroot"/lib/libLLVM.so.* | awk '{print $NF}' \
    | grep -E '^_ZN' | sort -u > "$work/cpp_syms.txt"
cat "$work/program_syms.txt" "$work/driver_syms.txt" > "$work/rust_syms.txt"

python3 "$here/grammar.py" 77 20000 > "$work/grammar.txt"
python3 "$here/mutate.py" 78 60000 "$work/rust_syms.txt" > "$work/mutated.txt"
python3 "$here/assemble.py" "$work/oracle" "$work" "$here"

echo "== program symbols (legacy and v0 builds)"
python3 "$here/differential.py" "$work/ours" "$work/program_syms.txt" "$work/oracle"
echo "== librustc_driver symbols"
python3 "$here/differential.py" "$work/ours" "$work/driver_syms.txt" "$work/oracle"
