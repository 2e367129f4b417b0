/// The whole of rustc-demangle's `try_demangle` + `Display`: strip a ThinLTO `.llvm.<hex>`
/// suffix, try legacy then v0, accept a remaining suffix only when it is `.`-led and made of
/// visible ASCII (LLVM's `.exit.i.i`, `.0.0`), write the name (capped, see ``DemangledText``),
/// then the suffix.
enum RustSymbol {
    /// The demangled text, or nil when `symbol` is neither legacy nor v0 Rust. `gnu` writes
    /// libiberty's verbose form instead (see ``RustDemangler/Style/cxxfilt``).
    static func demangle(_ bytes: UnsafeBufferPointer<UInt8>, alternate: Bool, gnu: Bool = false) -> String? {
        let full = SymbolText(bytes)
        var symbol = full
        if let marker = firstIndex(ofLLVMMarkerIn: full) {
            // `.llvm.` and then only upper-case hex digits and `@` (possibly none).
            var index = marker + 6
            while index < full.count {
                let byte = full[index]
                guard isDecimalDigit(byte) || byte &- 0x41 < 6 || byte == UInt8(ascii: "@") else { break }
                index += 1
            }
            if index == full.count { symbol = full.prefix(marker) }
        }

        enum Style {
            case legacy(LegacyMangling.Parsed)
            case v0(V0Mangling.Parsed)
        }
        let style: Style
        let suffixStart: Int
        if let legacy = LegacyMangling.parse(symbol) {
            style = .legacy(legacy)
            suffixStart = legacy.suffixStart
        } else if let v0 = V0Mangling.parse(symbol) {
            style = .v0(v0)
            suffixStart = v0.suffixStart
        } else {
            return nil
        }

        // What LLVM IR adds (`.exit.i.i`, `.0.0`) is kept; anything else means "not a symbol".
        let suffix = ByteSpan(start: suffixStart, end: symbol.count)
        if !suffix.isEmpty {
            guard symbol[suffix.start] == UInt8(ascii: ".") else { return nil }
            var index = suffix.start
            while index < suffix.end {
                guard symbol[index] &- 0x21 < 0x5e else { return nil }   // '!' ... '~'
                index += 1
            }
        }

        var out = DemangledText(reservingCapacity: symbol.count + symbol.count / 2)
        do {
            switch style {
            case .legacy(let parsed):
                try LegacyMangling.write(symbol, parsed, alternate: alternate, asciiEscapesOnly: gnu, into: &out)
            case .v0(let parsed):
                try V0Mangling.write(symbol, parsed, alternate: alternate, gnu: gnu, into: &out)
            }
        } catch {
            out.appendUncounted("{size limit reached}")
        }
        // libiberty ignores everything from a v0 symbol's first `.`.
        if gnu, case .v0 = style { return out.string }
        out.appendUncounted(symbol, suffix)
        return out.string
    }

    /// Where `.llvm.` first occurs.
    private static func firstIndex(ofLLVMMarkerIn symbol: SymbolText) -> Int? {
        var start = 0
        while let dot = symbol.firstIndex(of: UInt8(ascii: "."), from: start, before: symbol.count - 5) {
            if symbol.dropping(dot).hasPrefix(".llvm.") { return dot }
            start = dot + 1
        }
        return nil
    }
}

/// Rust's v0 mangling (RFC 2603): `_R` (or `R` as dbghelp leaves it, or Mach-O's `__R`), a path,
/// and optionally the instantiating crate's path; the printed name is the first path only.
enum V0Mangling {
    /// A symbol whose syntax checked out: where the v0 text starts (after the prefix) and where
    /// the suffix starts, both as offsets into the whole symbol.
    struct Parsed {
        var start: Int
        var suffixStart: Int
    }

    /// Checks the syntax without following backreferences (linear in the length); nil when the
    /// symbol is not v0 or is malformed or nests too deeply.
    static func parse(_ symbol: SymbolText) -> Parsed? {
        let start: Int
        if symbol.count > 2 && symbol.hasPrefix("_R") {
            start = 2
        } else if symbol.count > 1 && symbol.hasPrefix("R") {
            start = 1
        } else if symbol.count > 3 && symbol.hasPrefix("__R") {
            start = 3
        } else {
            return nil
        }
        let inner = symbol.dropping(start)
        guard isUpperCaseLetter(inner[0]), inner.isASCII(inner.all) else { return nil }

        var checker = V0Printer(symbol: inner, printing: false, alternate: false, out: DemangledText(reservingCapacity: 0))
        // Nothing is written while not printing, so the output limit cannot be reached.
        try? checker.printPath(inValue: false)
        guard checker.failure == nil else { return nil }
        // The instantiating crate.
        if let next = checker.parser.peek(), isUpperCaseLetter(next) {
            try? checker.printPath(inValue: false)
            guard checker.failure == nil else { return nil }
        }
        return Parsed(start: start, suffixStart: start + checker.parser.next)
    }

    static func write(_ symbol: SymbolText, _ parsed: Parsed, alternate: Bool, gnu: Bool = false,
                      into out: inout DemangledText) throws(OutputLimitReached) {
        let inner = symbol.dropping(parsed.start)
        // The printer writes through its copy of `out` (they share the storage).
        var printer = V0Printer(symbol: inner, printing: true, alternate: alternate, out: out)
        printer.gnuConstants = gnu
        defer { out = printer.out }
        try printer.printPath(inValue: true)
    }

}
