/// Constants (const generic arguments, array lengths) and pattern types of v0 symbols.
///
/// Integers are hex nibbles (`j7b_` is `123usize`; the alternate form drops the type suffix),
/// `b`/`c` are bools and chars, `e` a string (UTF-8 bytes as hex), and `R`/`Q`/`A`/`T`/`V`
/// build references, arrays, tuples and ADT values. Anything that is not a literal is wrapped in
/// `{...}` when it appears as a generic argument.
extension V0Printer {
    mutating func printConst(inValue: Bool) throws(OutputLimitReached) {
        guard try enterFrame() else { return }
        defer { leaveFrame() }
        guard let tag = try parseByte(),
              try parsePushDepth()
        else { return }

        var openedBrace = false
        // Only literals may stand bare in a generic argument list; the rest needs braces.
        func openBrace(_ printer: inout V0Printer) throws(OutputLimitReached) {
            guard !inValue else { return }
            openedBrace = true
            try printer.print("{")
        }

        switch tag {
        case UInt8(ascii: "p"):
            try print("_")
            try printGNUType("_")
        case UInt8(ascii: "h"), UInt8(ascii: "t"), UInt8(ascii: "m"),
             UInt8(ascii: "y"), UInt8(ascii: "o"), UInt8(ascii: "j"):
            try printConstInteger(tag)
            try printGNUType(v0BasicType(tag))
        case UInt8(ascii: "a"), UInt8(ascii: "s"), UInt8(ascii: "l"),
             UInt8(ascii: "x"), UInt8(ascii: "n"), UInt8(ascii: "i"):
            if eat(UInt8(ascii: "n")) { try print("-") }
            try printConstInteger(tag)
            try printGNUType(v0BasicType(tag))
        case UInt8(ascii: "b"):
            guard let nibbles = try parseHexNibbles()
            else { return }
            switch unsignedValue(nibbles) {
            case 0?: try print("false")
            case 1?: try print("true")
            default: return try markInvalid()
            }
            try printGNUType("bool")
        case UInt8(ascii: "c"):
            guard let nibbles = try parseHexNibbles()
            else { return }
            guard let value = unsignedValue(nibbles), value <= UInt64(UInt32.max),
                  let scalar = Unicode.Scalar(UInt32(truncatingIfNeeded: value))
            else { return try markInvalid() }
            try printQuoted([scalar], quote: UInt8(ascii: "'"))
            try printGNUType("char")
        case UInt8(ascii: "e"):
            // A `str` value: `*"..."`, since the literal itself is a `&str`.
            try openBrace(&self)
            try print("*")
            try printConstString()
        case UInt8(ascii: "R"), UInt8(ascii: "Q"):
            if tag == UInt8(ascii: "R") && eat(UInt8(ascii: "e")) {
                try printConstString()
            } else {
                try openBrace(&self)
                try print("&")
                if tag != UInt8(ascii: "R") { try print("mut ") }
                try printConst(inValue: true)
            }
        case UInt8(ascii: "A"):
            try openBrace(&self)
            try print("[")
            _ = try printConstList()
            try print("]")
        case UInt8(ascii: "T"):
            try openBrace(&self)
            try print("(")
            let count = try printConstList()
            if count == 1 { try print(",") }
            try print(")")
        case UInt8(ascii: "V"):
            try openBrace(&self)
            try printPath(inValue: true)
            guard let kind = try parseByte()
            else { return }
            switch kind {
            case UInt8(ascii: "U"):
                break
            case UInt8(ascii: "T"):
                try print("(")
                _ = try printConstList()
                try print(")")
            case UInt8(ascii: "S"):
                try print(" { ")
                var count = 0
                while failure == nil && !parser.eat(UInt8(ascii: "E")) {
                    if count > 0 { try print(", ") }
                    try printConstField()
                    count += 1
                }
                try print(" }")
            default:
                return try markInvalid()
            }
        case UInt8(ascii: "B"):
            _ = try printBackref(.const(inValue: inValue))
        default:
            return try markInvalid()
        }
        if openedBrace { try print("}") }
        popDepth()
    }

    /// Constants up to `E`, separated by `, `; returns how many.
    private mutating func printConstList() throws(OutputLimitReached) -> Int {
        var count = 0
        while failure == nil && !parser.eat(UInt8(ascii: "E")) {
            if count > 0 { try print(", ") }
            try printConst(inValue: true)
            count += 1
        }
        return count
    }

    /// `name: value` of a struct-like ADT constant.
    private mutating func printConstField() throws(OutputLimitReached) {
        guard try parseDisambiguator() != nil,
              let name = try parseIdentifier()
        else { return }
        try print(name)
        try print(": ")
        try printConst(inValue: true)
    }

    /// An integer: decimal when it fits in 64 bits, else `0x` and the nibbles; then the type
    /// (`123usize`) unless in the alternate form.
    private mutating func printConstInteger(_ tag: UInt8) throws(OutputLimitReached) {
        guard let nibbles = try parseHexNibbles()
        else { return }
        if let value = unsignedValue(nibbles) {
            try print(decimal: value)
        } else {
            try print("0x")
            try print(nibbles)
        }
        if printing && !alternate && !gnuConstants, let type = v0BasicType(tag) { try print(type) }
    }

    /// libiberty's verbose form follows a basic constant with `: ` and its type.
    private mutating func printGNUType(_ type: StaticString?) throws(OutputLimitReached) {
        guard gnuConstants, printing, failure == nil, let type else { return }
        try print(": ")
        try print(type)
    }

    /// A string constant, `"..."` with Rust's debug escapes; invalid UTF-8 is a syntax error.
    private mutating func printConstString() throws(OutputLimitReached) {
        guard let nibbles = try parseHexNibbles()
        else { return }
        guard let scalars = decodeUTF8(nibbles) else { return try markInvalid() }
        try printQuoted(scalars, quote: UInt8(ascii: "\""))
    }

    /// The value of hex nibbles, ignoring leading zeros; nil past 64 bits.
    private func unsignedValue(_ nibbles: ByteSpan) -> UInt64? {
        let symbol = parser.symbol
        var index = nibbles.start
        while index < nibbles.end && symbol[index] == UInt8(ascii: "0") { index += 1 }
        guard nibbles.end - index <= 16 else { return nil }
        var value: UInt64 = 0
        while index < nibbles.end {
            value = value << 4 | UInt64(hexValue(symbol[index]))
            index += 1
        }
        return value
    }

    /// Pairs of nibbles as bytes, decoded as strict UTF-8; nil for an odd count or bad UTF-8.
    private func decodeUTF8(_ nibbles: ByteSpan) -> [Unicode.Scalar]? {
        guard nibbles.count % 2 == 0 else { return nil }
        let symbol = parser.symbol
        var bytes: [UInt8] = []
        bytes.reserveCapacity(nibbles.count / 2)
        var index = nibbles.start
        while index < nibbles.end {
            bytes.append(hexValue(symbol[index]) << 4 | hexValue(symbol[index + 1]))
            index += 2
        }
        var scalars: [Unicode.Scalar] = []
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: return scalars
            case .error: return nil
            }
        }
    }

    private func hexValue(_ nibble: UInt8) -> UInt8 {
        nibble <= UInt8(ascii: "9") ? nibble - 0x30 : nibble - 0x61 + 10
    }

    /// Characters in quotes, each escaped as Rust's `char::escape_debug` does, except a quote
    /// of the other kind; every output character is one write, as in rustc-demangle.
    private mutating func printQuoted(_ scalars: [Unicode.Scalar], quote: UInt8) throws(OutputLimitReached) {
        guard printing else { return }
        try out.write(byte: quote)
        for scalar in scalars {
            if (quote == UInt8(ascii: "'") && scalar == "\"") || (quote == UInt8(ascii: "\"") && scalar == "'") {
                try out.write(scalar: scalar)
            } else {
                try writeEscapedDebug(scalar)
            }
        }
        try out.write(byte: quote)
    }

    private mutating func writeEscapedDebug(_ scalar: Unicode.Scalar) throws(OutputLimitReached) {
        let backslashed: UInt8?
        switch scalar {
        case "\0": backslashed = UInt8(ascii: "0")
        case "\t": backslashed = UInt8(ascii: "t")
        case "\r": backslashed = UInt8(ascii: "r")
        case "\n": backslashed = UInt8(ascii: "n")
        case "\\", "\"", "'": backslashed = UInt8(scalar.value)
        default: backslashed = nil
        }
        if let backslashed {
            try out.write(byte: UInt8(ascii: "\\"))
            return try out.write(byte: backslashed)
        }
        if !scalar.properties.isGraphemeExtend && RustUnicode.isPrintable(scalar) {
            return try out.write(scalar: scalar)
        }
        // `\u{hex}`, one character at a time.
        try out.write(byte: UInt8(ascii: "\\"))
        try out.write(byte: UInt8(ascii: "u"))
        try out.write(byte: UInt8(ascii: "{"))
        var shift = 28
        while shift > 0 && (scalar.value >> UInt32(shift)) & 0xf == 0 { shift -= 4 }
        while shift >= 0 {
            let nibble = UInt8((scalar.value >> UInt32(shift)) & 0xf)
            try out.write(byte: nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10)
            shift -= 4
        }
        try out.write(byte: UInt8(ascii: "}"))
    }

    // MARK: Pattern types

    /// `u32 is 1..=9`, `u32 is 1..=2 | 5..=6`, `!null`.
    mutating func printPattern() throws(OutputLimitReached) {
        guard try enterFrame() else { return }
        defer { leaveFrame() }
        guard let tag = try parseByte() else { return }
        switch tag {
        case UInt8(ascii: "R"):
            try printConst(inValue: false)
            try print("..=")
            try printConst(inValue: false)
        case UInt8(ascii: "O"):
            guard try parsePushDepth() else { return }
            try printPattern()
            while !eat(UInt8(ascii: "E")) {
                // The end of the symbol (or an error) must not loop forever.
                if failure != nil { return try markInvalid() }
                try print(" | ")
                try printPattern()
            }
            popDepth()
        case UInt8(ascii: "N"):
            try print("!null")
        default:
            try markInvalid()
        }
    }
}

/// Rust's notion of a printable character (`core::unicode::printable`): everything but the
/// general categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs, except that the space is printable.
enum RustUnicode {
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value == 0x20 { return true }
        if scalar.value < 0x7f { return scalar.value > 0x20 }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
