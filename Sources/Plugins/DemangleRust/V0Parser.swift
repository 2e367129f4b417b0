/// Why a v0 symbol could not be read: rustc-demangle's `ParseError`.
enum V0ParseError {
    /// The symbol does not follow the v0 grammar.
    case invalid
    /// Nesting (including backreferences followed) went past ``V0Parser/maximumDepth``.
    case recursedTooDeep

    /// What the printer shows where the error was met.
    var message: StaticString {
        switch self {
        case .invalid: return "{invalid syntax}"
        case .recursedTooDeep: return "{recursion limit reached}"
        }
    }
}

/// An identifier: ASCII text, or a Punycode-encoded Unicode name (`u` prefix) split into the
/// basic (ASCII) part and the insertion codes, both as byte ranges of the symbol.
struct V0Identifier {
    var ascii: ByteSpan
    var punycode: ByteSpan

    var isEmpty: Bool { ascii.isEmpty && punycode.isEmpty }
}

/// A position in a v0 symbol (the text after `_R`) and the nesting depth reached there: the
/// grammar's terminals (bytes, base-62 numbers, identifiers, backreferences). The printer
/// drives one of these; following a backreference is a second one at an earlier position.
///
/// A step that fails returns nil (or false) and leaves the reason in ``error``. (Not Swift
/// `throw`: failing is the common case for non-Rust input, and test runners hook every throw
/// to record a backtrace.)
struct V0Parser {
    /// rustc-demangle's `MAX_DEPTH`: nesting of paths, types, consts and followed
    /// backreferences deeper than this is an error.
    static var maximumDepth: UInt32 { 500 }

    let symbol: SymbolText
    var next: Int
    var depth: UInt32
    /// Why the last step that returned nil or false failed.
    private(set) var error = V0ParseError.invalid

    init(symbol: SymbolText, next: Int = 0, depth: UInt32 = 0) {
        self.symbol = symbol
        self.next = next
        self.depth = depth
    }

    @inline(__always)
    private mutating func fail(_ reason: V0ParseError) {
        error = reason
    }

    @inline(__always)
    mutating func pushDepth() -> Bool {
        depth += 1
        if depth > V0Parser.maximumDepth {
            fail(.recursedTooDeep)
            return false
        }
        return true
    }

    @inline(__always)
    mutating func popDepth() {
        if depth > 0 { depth -= 1 }
    }

    @_transparent
    func peek() -> UInt8? {
        next < symbol.count ? symbol[next] : nil
    }

    @_transparent
    mutating func eat(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        next += 1
        return true
    }

    @inline(__always)
    mutating func nextByte() -> UInt8? {
        guard let byte = peek() else {
            fail(.invalid)
            return nil
        }
        next += 1
        return byte
    }

    /// Lower-case hex digits up to a `_` (consumed, not included).
    mutating func hexNibbles() -> ByteSpan? {
        let start = next
        while let byte = nextByte() {
            if isDecimalDigit(byte) || byte &- 0x61 < 6 { continue }
            if byte == UInt8(ascii: "_") { return ByteSpan(start: start, end: next - 1) }
            fail(.invalid)
            return nil
        }
        return nil
    }

    private mutating func digit10() -> UInt8? {
        guard let byte = peek(), isDecimalDigit(byte) else { return nil }
        next += 1
        return byte &- 0x30
    }

    private mutating func digit62() -> UInt64? {
        guard let byte = peek() else { return nil }
        let value: UInt8
        if byte &- 0x30 < 10 {
            value = byte &- 0x30
        } else if byte &- 0x61 < 26 {
            value = byte &- 0x61 &+ 10
        } else if byte &- 0x41 < 26 {
            value = byte &- 0x41 &+ 36
        } else {
            return nil
        }
        next += 1
        return UInt64(value)
    }

    /// A base-62 number ended by `_`; `_` alone is 0, otherwise the digits' value plus one.
    mutating func integer62() -> UInt64? {
        if eat(UInt8(ascii: "_")) { return 0 }
        var value: UInt64 = 0
        while !eat(UInt8(ascii: "_")) {
            guard let digit = digit62() else {
                fail(.invalid)
                return nil
            }
            let (times62, overflow1) = value.multipliedReportingOverflow(by: 62)
            let (sum, overflow2) = times62.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else {
                fail(.invalid)
                return nil
            }
            value = sum
        }
        let (result, overflow) = value.addingReportingOverflow(1)
        guard !overflow else {
            fail(.invalid)
            return nil
        }
        return result
    }

    /// 0 when `tag` is absent, otherwise the following base-62 number plus one.
    mutating func optionalInteger62(_ tag: UInt8) -> UInt64? {
        guard eat(tag) else { return 0 }
        guard let value = integer62() else { return nil }
        let (result, overflow) = value.addingReportingOverflow(1)
        guard !overflow else {
            fail(.invalid)
            return nil
        }
        return result
    }

    mutating func disambiguator() -> UInt64? {
        optionalInteger62(UInt8(ascii: "s"))
    }

    /// An upper-case namespace (closures `C`, shims `S`, ...), or 0 for the lower-case,
    /// implementation-specific ones.
    mutating func namespace() -> UInt8? {
        guard let byte = nextByte() else { return nil }
        if isUpperCaseLetter(byte) { return byte }
        if byte &- 0x61 < 26 { return 0 }
        fail(.invalid)
        return nil
    }

    /// Reads a backreference (the `B` was just consumed) and returns a parser at its target,
    /// one level deeper. The target must lie before the `B`.
    mutating func backref() -> V0Parser? {
        let start = next - 1
        guard let target = integer62() else { return nil }
        guard target < UInt64(start) else {
            fail(.invalid)
            return nil
        }
        var parser = V0Parser(symbol: symbol, next: Int(target), depth: depth)
        guard parser.pushDepth() else {
            fail(.recursedTooDeep)
            return nil
        }
        return parser
    }

    /// `[u] <decimal length> [_] <bytes>`; a Punycode identifier splits at its last `_`.
    mutating func identifier() -> V0Identifier? {
        let isPunycode = eat(UInt8(ascii: "u"))
        guard let first = digit10() else {
            fail(.invalid)
            return nil
        }
        var length = Int(first)
        if length != 0 {
            while let digit = digit10() {
                let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(digit))
                guard !overflow1, !overflow2 else {
                    fail(.invalid)
                    return nil
                }
                length = sum
            }
        }
        _ = eat(UInt8(ascii: "_"))

        let start = next
        let (end, overflow) = start.addingReportingOverflow(length)
        guard !overflow, end <= symbol.count else {
            fail(.invalid)
            return nil
        }
        next = end

        guard isPunycode else {
            return V0Identifier(ascii: ByteSpan(start: start, end: end), punycode: ByteSpan(start: end, end: end))
        }
        var separator = end - 1
        while separator >= start && symbol[separator] != UInt8(ascii: "_") { separator -= 1 }
        // With no `_` the whole identifier is Punycode (`separator` is `start - 1` then).
        let identifier = V0Identifier(ascii: ByteSpan(start: start, end: separator < start ? start : separator),
                                      punycode: ByteSpan(start: separator + 1, end: end))
        guard !identifier.punycode.isEmpty else {
            fail(.invalid)
            return nil
        }
        return identifier
    }
}

/// The name of a basic type tag (`h` is `u8`, `p` the placeholder `_`), or nil.
func v0BasicType(_ tag: UInt8) -> StaticString? {
    switch tag {
    case UInt8(ascii: "b"): return "bool"
    case UInt8(ascii: "c"): return "char"
    case UInt8(ascii: "e"): return "str"
    case UInt8(ascii: "u"): return "()"
    case UInt8(ascii: "a"): return "i8"
    case UInt8(ascii: "s"): return "i16"
    case UInt8(ascii: "l"): return "i32"
    case UInt8(ascii: "x"): return "i64"
    case UInt8(ascii: "n"): return "i128"
    case UInt8(ascii: "i"): return "isize"
    case UInt8(ascii: "h"): return "u8"
    case UInt8(ascii: "t"): return "u16"
    case UInt8(ascii: "m"): return "u32"
    case UInt8(ascii: "y"): return "u64"
    case UInt8(ascii: "o"): return "u128"
    case UInt8(ascii: "j"): return "usize"
    case UInt8(ascii: "f"): return "f32"
    case UInt8(ascii: "d"): return "f64"
    case UInt8(ascii: "z"): return "!"
    case UInt8(ascii: "p"): return "_"
    case UInt8(ascii: "v"): return "..."
    default: return nil
    }
}
