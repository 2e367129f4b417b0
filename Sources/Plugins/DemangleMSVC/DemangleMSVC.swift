import CrashpipeCore

/// C++ names in Microsoft Visual C++'s decoration (`?name@scope@@...`), as MSVC and
/// clang-cl emit them into PDBs and Breakpad symbol files.
///
/// Consumes: symbols starting `?` (functions, data, operators, special members, vftables,
/// RTTI records, guards, thunks, `??_C@_` string literals, `??@` MD5 names) and RTTI type
/// descriptor names starting `.?A` (`.?AVGURL@@`). Trailing whitespace is ignored.
///
/// Produces, by `DemangleOptions`:
/// - `full: true`: the complete declaration as llvm-undname prints it, e.g.
///   `public: static void __cdecl gin::V8Initializer::LoadV8Snapshot(void)`.
/// - `parameters: true, full: false`: symbolic's (Sentry's) style: the qualified name and
///   parameter list, no access, return type or calling convention, `const&` hugging its
///   type, e.g. `operator!=(GURL const&, GURL const&)`, `f(void)` for empty lists.
/// - `parameters: false, full: false`: the qualified name only, e.g. `operator delete`.
///
/// Returns nil for anything that is not a complete, valid decoration. Work is bounded:
/// inputs over 128 KiB are refused, recursion is limited, and output (including names
/// rendered for back-references) is capped at 256 KiB, so hostile input returns nil fast.
/// The grammar follows LLVM's MicrosoftDemangle; the code is crashpipe's own.
public struct MSVCDemangler: Demangler {
    public let language = "msvc"

    public init() {}

    public func recognizes(_ symbol: String) -> Bool {
        var utf8 = symbol.utf8[...]
        while let last = utf8.last, Self.isWhitespace(last) { utf8 = utf8.dropLast() }
        guard let first = utf8.first else { return false }
        if first == UInt8(ascii: "?") { return utf8.count > 1 }
        return utf8.starts(with: ".?A".utf8)
    }

    public func demangle(_ symbol: String, options: DemangleOptions) -> String? {
        let style: MSVCPrinter.Style = options.full ? .undname : .simple(parameters: options.parameters)
        var copy = symbol
        return copy.withUTF8 { bytes -> String? in
            var end = bytes.count
            while end > 0, Self.isWhitespace(bytes[end - 1]) { end -= 1 }
            guard end > 0, end <= MSVCLimits.maxInputBytes else { return nil }
            let trimmed = UnsafeBufferPointer(rebasing: bytes[0..<end])
            return Self.render(trimmed, style: style)
        }
    }

    /// Parses all of `bytes` and prints the result; nil on any error or limit. (Invalid input
    /// is the common case and never throws; only the printer's limits do.)
    static func render(_ bytes: UnsafeBufferPointer<UInt8>, style: MSVCPrinter.Style) -> String? {
        let parser = MSVCParser(bytes)
        // The tree points into the parser's storage (rendered back-reference names).
        return withExtendedLifetime(parser) { () -> String? in
            guard let symbol = parser.parseSymbol(), parser.atEnd else { return nil }
            let printer = MSVCPrinter(style: style, budget: parser.budget)
            do {
                try printer.symbol(symbol)
            } catch {
                return nil
            }
            return printer.string()
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}

/// Registers the MSVC demangler under the language name `msvc`.
public enum DemangleMSVCPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(demangler: MSVCDemangler())
    }
}
