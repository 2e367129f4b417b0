// The reference: rustc-demangle as shipped inside the Rust sysroot (std depends on it), reached
// with `rustc_private` on a nightly toolchain, so no network is needed. For each input line it
// prints `OK<TAB>{}<TAB>{:#}` (backslash, tab and newline escaped) or `ERR` (try_demangle failed).
#![feature(rustc_private)]
extern crate rustc_demangle;
use std::io::{self, BufRead, Write};

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n").replace('\t', "\\t")
}

fn main() {
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        match rustc_demangle::try_demangle(&line) {
            Ok(d) => writeln!(out, "OK\t{}\t{}", escape(&format!("{}", d)), escape(&format!("{:#}", d))).unwrap(),
            Err(_) => writeln!(out, "ERR").unwrap(),
        }
    }
}
