/// Rust's legacy mangling: `_ZN` (or `ZN` as dbghelp leaves it, or Mach-O's `__ZN`), then
/// length-prefixed path elements, then `E`; the last element is normally the `h` + 16 hex digit
/// hash. Elements carry `$..$` escapes (`$LT$` for `<`, `$u7e$` for `~`) and `..` for `::`.
///
/// Mirrors rustc-demangle's `legacy.rs`: the same acceptance test (which leaves anything after
/// the `E` as the suffix for the caller to judge) and the same output, piece by piece.
enum LegacyMangling {
    /// A symbol that passed the check: where its elements start, how many there are, and where
    /// the suffix (anything after the closing `E`) starts.
    struct Parsed {
        var elementsStart: Int
        var elementCount: Int
        var suffixStart: Int
    }

    /// Checks `symbol` the way rustc-demangle does; nil when it is not legacy-mangled.
    /// Linear in the symbol's length; each element length is skipped in one step.
    static func parse(_ symbol: UnsafeBufferPointer<UInt8>) -> Parsed? {
        let start: Int
        if symbol.starts(with: "_ZN".utf8) {
            start = 3
        } else if symbol.starts(with: "ZN".utf8) {
            start = 2
        } else if symbol.starts(with: "__ZN".utf8) {
            start = 4
        } else {
            return nil
        }
        let end = symbol.count
        // Only ASCII text (the whole rest, suffix included).
        for index in start..<end where symbol[index] & 0x80 != 0 { return nil }

        var position = start
        guard position < end else { return nil }
        var current = symbol[position]
        position += 1
        var elements = 0
        while current != UInt8(ascii: "E") {
            guard isDigit(current) else { return nil }
            var length = 0
            while isDigit(current) {
                let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(current - 0x30))
                guard !overflow1, !overflow2 else { return nil }
                length = sum
                guard position < end else { return nil }
                current = symbol[position]
                position += 1
            }
            // `current` is the element's first byte (at position - 1); the byte after the
            // element becomes the next `current`.
            let (after, overflow) = (position - 1).addingReportingOverflow(length)
            guard !overflow, after < end else { return nil }
            current = symbol[after]
            position = after + 1
            elements += 1
        }
        return Parsed(elementsStart: start, elementCount: elements, suffixStart: position)
    }

    /// Writes the demangled path: `::` between elements, escapes decoded, and in the alternate
    /// form without a last element that looks like a hash (`h` and hex digits only).
    static func write(_ symbol: UnsafeBufferPointer<UInt8>, _ parsed: Parsed, alternate: Bool,
                      into out: inout DemangledText) throws(OutputLimitReached) {
        var position = parsed.elementsStart
        for element in 0..<parsed.elementCount {
            var length = 0
            while isDigit(symbol[position]) {
                length = length &* 10 &+ Int(symbol[position] - 0x30)
                position += 1
            }
            var rest = symbol[position..<(position + length)]
            position += length

            if alternate && element + 1 == parsed.elementCount && isRustHash(rest) { break }
            if element != 0 { try out.write("::") }
            if rest.starts(with: "_$".utf8) { rest = rest.dropFirst() }
            try writeElement(&rest, into: &out)
            try out.write(rest)
        }
    }

    /// Decodes `..`, `.` and `$` escapes from the front of `rest`; stops at the first escape it
    /// does not know, leaving the remainder for the caller to write verbatim.
    private static func writeElement(_ rest: inout Slice<UnsafeBufferPointer<UInt8>>,
                                     into out: inout DemangledText) throws(OutputLimitReached) {
        let dot = UInt8(ascii: "."), dollar = UInt8(ascii: "$")
        while let first = rest.first {
            if first == dot {
                if rest.dropFirst().first == dot {
                    try out.write("::")
                    rest = rest.dropFirst(2)
                } else {
                    try out.write(".")
                    rest = rest.dropFirst()
                }
            } else if first == dollar {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: dollar) else { break }
                let escape = body[body.startIndex..<close]
                let after = rest[(close + 1)...]
                if let text = plainEscape(escape) {
                    try out.write(text)
                } else if let scalar = unicodeEscape(escape) {
                    try out.write(scalar: scalar)
                } else {
                    break
                }
                rest = after
            } else if let stop = rest.firstIndex(where: { $0 == dot || $0 == dollar }) {
                try out.write(rest[rest.startIndex..<stop])
                rest = rest[stop...]
            } else {
                break
            }
        }
    }

    /// The named escapes (`$SP$` ... `$C$`).
    private static func plainEscape(_ escape: Slice<UnsafeBufferPointer<UInt8>>) -> StaticString? {
        switch escape.count {
        case 1:
            return escape.first == UInt8(ascii: "C") ? "," : nil
        case 2:
            let pair = (escape[escape.startIndex], escape[escape.startIndex + 1])
            switch pair {
            case (UInt8(ascii: "S"), UInt8(ascii: "P")): return "@"
            case (UInt8(ascii: "B"), UInt8(ascii: "P")): return "*"
            case (UInt8(ascii: "R"), UInt8(ascii: "F")): return "&"
            case (UInt8(ascii: "L"), UInt8(ascii: "T")): return "<"
            case (UInt8(ascii: "G"), UInt8(ascii: "T")): return ">"
            case (UInt8(ascii: "L"), UInt8(ascii: "P")): return "("
            case (UInt8(ascii: "R"), UInt8(ascii: "P")): return ")"
            default: return nil
            }
        default:
            return nil
        }
    }

    /// `u` + lower-case hex digits naming a code point that fits in 32 bits, is a Unicode scalar
    /// and is not a control character (`$u7e$` is `~`).
    private static func unicodeEscape(_ escape: Slice<UnsafeBufferPointer<UInt8>>) -> Unicode.Scalar? {
        guard escape.first == UInt8(ascii: "u") else { return nil }
        let digits = escape.dropFirst()
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            let nibble: UInt32
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt32(digit - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt32(digit - 0x61 + 10)
            default: return nil
            }
            let (times16, overflow) = value.multipliedReportingOverflow(by: 16)
            guard !overflow else { return nil }
            value = times16 | nibble
        }
        guard let scalar = Unicode.Scalar(value), !isControl(scalar) else { return nil }
        return scalar
    }

    /// Rust's `is_rust_hash`: `h` followed by hex digits (either case), possibly none.
    private static func isRustHash(_ element: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard element.first == UInt8(ascii: "h") else { return false }
        return element.dropFirst().allSatisfy(isHexDigit)
    }

    /// General category Cc.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- 0x61 < 6
    }
}
