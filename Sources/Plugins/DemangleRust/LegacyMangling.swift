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
    /// Linear in the symbol's length; each element is skipped in one step.
    static func parse(_ symbol: SymbolText) -> Parsed? {
        let start: Int
        if symbol.hasPrefix("_ZN") {
            start = 3
        } else if symbol.hasPrefix("ZN") {
            start = 2
        } else if symbol.hasPrefix("__ZN") {
            start = 4
        } else {
            return nil
        }
        let end = symbol.count
        // Only ASCII text (the whole rest, suffix included).
        guard symbol.isASCII(ByteSpan(start: start, end: end)), start < end else { return nil }

        var position = start
        var current = symbol[position]
        position += 1
        var elements = 0
        while current != UInt8(ascii: "E") {
            guard isDecimalDigit(current) else { return nil }
            var length = 0
            while isDecimalDigit(current) {
                let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(current &- 0x30))
                guard !overflow1, !overflow2, position < end else { return nil }
                length = sum
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
    /// `asciiEscapesOnly` leaves `$u..$` escapes of non-ASCII characters as written, as
    /// libiberty does.
    static func write(_ symbol: SymbolText, _ parsed: Parsed, alternate: Bool, asciiEscapesOnly: Bool = false,
                      into out: inout DemangledText) throws(OutputLimitReached) {
        var position = parsed.elementsStart
        var element = 0
        while element < parsed.elementCount {
            var length = 0
            while isDecimalDigit(symbol[position]) {
                length = length &* 10 &+ Int(symbol[position] &- 0x30)
                position += 1
            }
            var rest = ByteSpan(start: position, end: position + length)
            position += length

            if alternate && element + 1 == parsed.elementCount && isRustHash(symbol, rest) { break }
            if element != 0 { try out.write("::") }
            if rest.count >= 2 && symbol[rest.start] == UInt8(ascii: "_") && symbol[rest.start + 1] == UInt8(ascii: "$") {
                rest.start += 1
            }
            try writeElement(symbol, &rest, asciiEscapesOnly: asciiEscapesOnly, into: &out)
            try out.write(symbol, rest)
            element += 1
        }
    }

    /// Decodes `..`, `.` and `$` escapes from the front of `rest`; stops at the first escape it
    /// does not know, leaving the remainder for the caller to write verbatim.
    private static func writeElement(_ symbol: SymbolText, _ rest: inout ByteSpan, asciiEscapesOnly: Bool,
                                     into out: inout DemangledText) throws(OutputLimitReached) {
        let dot = UInt8(ascii: "."), dollar = UInt8(ascii: "$")
        while !rest.isEmpty {
            let first = symbol[rest.start]
            if first == dot {
                if rest.count >= 2 && symbol[rest.start + 1] == dot {
                    try out.write("::")
                    rest.start += 2
                } else {
                    try out.write(".")
                    rest.start += 1
                }
            } else if first == dollar {
                guard let close = symbol.firstIndex(of: dollar, from: rest.start + 1, before: rest.end) else { break }
                let escape = ByteSpan(start: rest.start + 1, end: close)
                if let text = plainEscape(symbol, escape) {
                    try out.write(text)
                } else if let scalar = unicodeEscape(symbol, escape), !asciiEscapesOnly || scalar.isASCII {
                    try out.write(scalar: scalar)
                } else {
                    break
                }
                rest.start = close + 1
            } else {
                var stop = rest.start
                while stop < rest.end && symbol[stop] != dot && symbol[stop] != dollar { stop += 1 }
                if stop == rest.end { break }
                try out.write(symbol, ByteSpan(start: rest.start, end: stop))
                rest.start = stop
            }
        }
    }

    /// The named escapes (`$SP$` ... `$C$`).
    private static func plainEscape(_ symbol: SymbolText, _ escape: ByteSpan) -> StaticString? {
        switch escape.count {
        case 1:
            return symbol[escape.start] == UInt8(ascii: "C") ? "," : nil
        case 2:
            let first = symbol[escape.start], second = symbol[escape.start + 1]
            switch first {
            case UInt8(ascii: "S"): return second == UInt8(ascii: "P") ? "@" : nil
            case UInt8(ascii: "B"): return second == UInt8(ascii: "P") ? "*" : nil
            case UInt8(ascii: "R"):
                if second == UInt8(ascii: "F") { return "&" }
                return second == UInt8(ascii: "P") ? ")" : nil
            case UInt8(ascii: "L"):
                if second == UInt8(ascii: "T") { return "<" }
                return second == UInt8(ascii: "P") ? "(" : nil
            case UInt8(ascii: "G"): return second == UInt8(ascii: "T") ? ">" : nil
            default: return nil
            }
        default:
            return nil
        }
    }

    /// `u` + lower-case hex digits naming a code point that fits in 32 bits, is a Unicode scalar
    /// and is not a control character (`$u7e$` is `~`).
    private static func unicodeEscape(_ symbol: SymbolText, _ escape: ByteSpan) -> Unicode.Scalar? {
        guard escape.count >= 2, symbol[escape.start] == UInt8(ascii: "u") else { return nil }
        var value: UInt32 = 0
        var index = escape.start + 1
        while index < escape.end {
            let digit = symbol[index]
            let nibble: UInt32
            if isDecimalDigit(digit) {
                nibble = UInt32(digit &- 0x30)
            } else if digit &- 0x61 < 6 {
                nibble = UInt32(digit &- 0x61) + 10
            } else {
                return nil
            }
            let (times16, overflow) = value.multipliedReportingOverflow(by: 16)
            guard !overflow else { return nil }
            value = times16 | nibble
            index += 1
        }
        // Not a control character (general category Cc).
        guard value >= 0x20, value < 0x7f || value > 0x9f, let scalar = Unicode.Scalar(value) else { return nil }
        return scalar
    }

    /// Rust's `is_rust_hash`: `h` followed by hex digits (either case), possibly none.
    private static func isRustHash(_ symbol: SymbolText, _ element: ByteSpan) -> Bool {
        guard !element.isEmpty, symbol[element.start] == UInt8(ascii: "h") else { return false }
        var index = element.start + 1
        while index < element.end {
            if !isHexDigit(symbol[index]) { return false }
            index += 1
        }
        return true
    }
}
