/// Why a v0 symbol could not be read: rustc-demangle's `ParseError`.
enum V0ParseError: Error {
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
    var ascii: Range<Int>
    var punycode: Range<Int>

    var isEmpty: Bool { ascii.isEmpty && punycode.isEmpty }
}

/// A position in a v0 symbol (the text after `_R`) and the nesting depth reached there: the
/// grammar's terminals (bytes, base-62 numbers, identifiers, backreferences). The printer
/// drives one of these; following a backreference is a second one at an earlier position.
struct V0Parser {
    /// rustc-demangle's `MAX_DEPTH`: nesting of paths, types, consts and followed
    /// backreferences deeper than this is an error.
    static let maximumDepth: UInt32 = 500

    let symbol: UnsafeBufferPointer<UInt8>
    var next: Int
    var depth: UInt32

    init(symbol: UnsafeBufferPointer<UInt8>, next: Int = 0, depth: UInt32 = 0) {
        self.symbol = symbol
        self.next = next
        self.depth = depth
    }

    mutating func pushDepth() throws(V0ParseError) {
        depth += 1
        if depth > V0Parser.maximumDepth { throw .recursedTooDeep }
    }

    mutating func popDepth() {
        if depth > 0 { depth -= 1 }
    }

    @inline(__always)
    func peek() -> UInt8? {
        next < symbol.count ? symbol[next] : nil
    }

    @inline(__always)
    mutating func eat(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        next += 1
        return true
    }

    mutating func nextByte() throws(V0ParseError) -> UInt8 {
        guard let byte = peek() else { throw .invalid }
        next += 1
        return byte
    }

    /// Lower-case hex digits up to a `_` (consumed, not included).
    mutating func hexNibbles() throws(V0ParseError) -> Range<Int> {
        let start = next
        while true {
            switch try nextByte() {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): continue
            case UInt8(ascii: "_"): return start..<(next - 1)
            default: throw .invalid
            }
        }
    }

    private mutating func digit10() -> UInt8? {
        guard let byte = peek(), LegacyMangling.isDigit(byte) else { return nil }
        next += 1
        return byte - 0x30
    }

    private mutating func digit62() throws(V0ParseError) -> UInt64 {
        let value: UInt8
        switch peek() {
        case let byte? where LegacyMangling.isDigit(byte): value = byte - 0x30
        case let byte? where (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte): value = 10 + byte - 0x61
        case let byte? where (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte): value = 36 + byte - 0x41
        default: throw .invalid
        }
        next += 1
        return UInt64(value)
    }

    /// A base-62 number ended by `_`; `_` alone is 0, otherwise the digits' value plus one.
    mutating func integer62() throws(V0ParseError) -> UInt64 {
        if eat(UInt8(ascii: "_")) { return 0 }
        var value: UInt64 = 0
        while !eat(UInt8(ascii: "_")) {
            let digit = try digit62()
            let (times62, overflow1) = value.multipliedReportingOverflow(by: 62)
            let (sum, overflow2) = times62.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw .invalid }
            value = sum
        }
        let (result, overflow) = value.addingReportingOverflow(1)
        guard !overflow else { throw .invalid }
        return result
    }

    /// 0 when `tag` is absent, otherwise the following base-62 number plus one.
    mutating func optionalInteger62(_ tag: UInt8) throws(V0ParseError) -> UInt64 {
        guard eat(tag) else { return 0 }
        let (result, overflow) = try integer62().addingReportingOverflow(1)
        guard !overflow else { throw .invalid }
        return result
    }

    mutating func disambiguator() throws(V0ParseError) -> UInt64 {
        try optionalInteger62(UInt8(ascii: "s"))
    }

    /// An upper-case namespace (closures `C`, shims `S`, ...) or nil for the lower-case,
    /// implementation-specific ones.
    mutating func namespace() throws(V0ParseError) -> UInt8? {
        let byte = try nextByte()
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return nil
        default: throw .invalid
        }
    }

    /// Reads a backreference (the `B` was just consumed) and returns a parser at its target,
    /// one level deeper. The target must lie before the `B`.
    mutating func backref() throws(V0ParseError) -> V0Parser {
        let start = next - 1
        let target = try integer62()
        guard target < UInt64(start) else { throw .invalid }
        var parser = V0Parser(symbol: symbol, next: Int(target), depth: depth)
        try parser.pushDepth()
        return parser
    }

    /// `[u] <decimal length> [_] <bytes>`; a Punycode identifier splits at its last `_`.
    mutating func identifier() throws(V0ParseError) -> V0Identifier {
        let isPunycode = eat(UInt8(ascii: "u"))
        guard var length = digit10().map(Int.init) else { throw .invalid }
        if length != 0 {
            while let digit = digit10() {
                let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(digit))
                guard !overflow1, !overflow2 else { throw .invalid }
                length = sum
            }
        }
        _ = eat(UInt8(ascii: "_"))

        let start = next
        let (end, overflow) = start.addingReportingOverflow(length)
        guard !overflow, end <= symbol.count else { throw .invalid }
        next = end

        guard isPunycode else { return V0Identifier(ascii: start..<end, punycode: end..<end) }
        let identifier: V0Identifier
        if let separator = symbol[start..<end].lastIndex(of: UInt8(ascii: "_")) {
            identifier = V0Identifier(ascii: start..<separator, punycode: (separator + 1)..<end)
        } else {
            identifier = V0Identifier(ascii: start..<start, punycode: start..<end)
        }
        guard !identifier.punycode.isEmpty else { throw .invalid }
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
