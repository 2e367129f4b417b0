import CrashpipeCore

/// Demangles Rust symbols, legacy (`_ZN...17h<hash>E`) and v0 (`_R...`), natively in Swift with
/// exactly the results of the `rustc-demangle` crate (0.1.27).
///
/// Consumes a symbol string as found in symbol files and stack frames (with the Mach-O extra
/// `_`, the dbghelp-stripped `ZN`/`R` forms, ThinLTO `.llvm.<hex>` and LLVM `.`-suffixes).
/// Produces the readable name, or nil when the symbol is not Rust (`try_demangle` failing).
/// ``demangle(_:alternate:)`` gives either of rustc-demangle's forms; the ``Demangler``
/// entry point gives the alternate one, which is what Sentry shows.
///
/// Notes: like rustc-demangle, a v0 symbol that passes the syntax check but fails while being
/// printed (a bad lifetime index, a backreference chain past the depth limit) still demangles,
/// with `{invalid syntax}` or `{recursion limit reached}` where it failed; output stops after
/// 1,000,000 bytes with `{size limit reached}`. Work is linear in the symbol's length for the
/// check; printing is bounded by the output cap and by a cap of 2,000,000 printer steps (the
/// one limit rustc-demangle does not have, for backreferences to names that print nothing);
/// nesting is capped at 500 levels and the stack stays bounded.
public struct RustDemangler: Demangler {
    /// How ``demangle(_:options:)`` writes names.
    public enum Style: Sendable {
        /// rustc-demangle's alternate form (no hash, no crate disambiguators), as Sentry shows.
        case sentry
        /// Byte for byte what binutils' `c++filt -s rust` prints: its verbose form, with
        /// hashes and disambiguators, constants as `2: usize`, v0 `.` suffixes dropped and
        /// non-ASCII legacy escapes left as written.
        case cxxfilt
    }

    /// "rust".
    public let language = "rust"
    public let style: Style

    public init(style: Style = .sentry) {
        self.style = style
    }

    /// A cheap shape test: v0 is `_R` (or Mach-O `__R`) and an upper-case letter; legacy is
    /// `_ZN`/`__ZN`/`ZN` *and* a `17h<16 hex digits>E` hash element, which is what tells
    /// legacy Rust apart from C++ names that also start with `_ZN`.
    public func recognizes(_ symbol: String) -> Bool {
        var symbol = symbol
        return symbol.withUTF8 { buffer in
            let bytes = SymbolText(buffer)
            if bytes.hasPrefix("_R") { return bytes.count > 2 && isUpperCaseLetter(bytes[2]) }
            if bytes.hasPrefix("__R") { return bytes.count > 3 && isUpperCaseLetter(bytes[3]) }
            let pathStart: Int
            if bytes.hasPrefix("_ZN") {
                pathStart = 3
            } else if bytes.hasPrefix("__ZN") {
                pathStart = 4
            } else if bytes.hasPrefix("ZN") {
                pathStart = 2
            } else {
                return false
            }
            return Self.containsLegacyHash(bytes, from: pathStart)
        }
    }

    /// The alternate form (no hash, no crate disambiguators) whatever the options: Rust names
    /// have no parameter lists or return types to trim. (In the `cxxfilt` style, c++filt's.)
    public func demangle(_ symbol: String, options: DemangleOptions) -> String? {
        switch style {
        case .sentry: return demangle(symbol, alternate: true)
        case .cxxfilt: return cxxfiltForm(symbol)
        }
    }

    /// What binutils' `c++filt -s rust` prints for `symbol` (libiberty in verbose mode).
    public func cxxfiltForm(_ symbol: String) -> String? {
        var symbol = symbol
        return symbol.withUTF8 { RustSymbol.demangle($0, alternate: false, gnu: true) }
    }

    /// rustc-demangle's `format!("{}", demangled)` (`alternate: false`: legacy hash kept, v0
    /// crate disambiguators as `[hash]`, integer constants with their type) or
    /// `format!("{:#}", demangled)` (`alternate: true`); nil where `try_demangle` fails.
    public func demangle(_ symbol: String, alternate: Bool) -> String? {
        var symbol = symbol
        return symbol.withUTF8 { RustSymbol.demangle($0, alternate: alternate) }
    }

    /// Whether `17h` + 16 hex digits + `E` occurs at or after `start`.
    private static func containsLegacyHash(_ bytes: SymbolText, from start: Int) -> Bool {
        let shape = 20   // "17h" + 16 + "E"
        var index = start
        while index <= bytes.count - shape {
            if bytes[index] == UInt8(ascii: "1"), bytes[index + 1] == UInt8(ascii: "7"),
               bytes[index + 2] == UInt8(ascii: "h"), bytes[index + 19] == UInt8(ascii: "E") {
                var digit = index + 3
                while digit < index + 19 && isHexDigit(bytes[digit]) { digit += 1 }
                if digit == index + 19 { return true }
            }
            index += 1
        }
        return false
    }
}

/// Registers the Rust demangler (language "rust") in a plugin registry.
public enum DemangleRustPlugin {
    /// Adds ``RustDemangler``; throws if a "rust" demangler is already registered.
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(demangler: RustDemangler())
    }
}
