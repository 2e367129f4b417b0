// `??_C@_<kind><length><crc>@<bytes>@`: string literals the compiler pools.
//
// The mangling keeps the total byte length and up to 32 encoded bytes (64 for wide
// strings); it does not say whether narrow-kind bytes are char, char16_t or char32_t, so,
// like llvm-undname, we guess from the length and the null bytes seen.

extension MSVCParser {
    func parseStringLiteral() -> MSSymbol? {
        guard consume("@_") else { return nil }
        let isWide: Bool
        switch next() {
        case UInt8(ascii: "0"): isWide = false
        case UInt8(ascii: "1"): isWide = true
        default: return nil
        }
        guard let length = parseNumber(), !length.negative, length.value >= (isWide ? 2 : 1) else { return nil }
        let byteCount = length.value
        // The CRC, up to the next `@`.
        while !consume(UInt8(ascii: "@")) {
            guard next() != nil else { return nil }
        }
        guard !atEnd else { return nil }

        var text: [UInt8] = []
        if isWide {
            let isTruncated = byteCount > 64
            var remaining = byteCount
            while !consume(UInt8(ascii: "@")) {
                guard remaining % 2 == 0, remaining != 0, input.count - pos >= 2,
                      let high = parseLiteralByte(), !atEnd, let low = parseLiteralByte() else { return nil }
                // The last character is the terminator unless the string was cut short.
                if remaining != 2 || isTruncated {
                    Self.appendEscaped(UInt32(high) << 8 | UInt32(low), to: &text)
                }
                remaining -= 2
            }
            return MSSymbol(.stringLiteral(MSStringLiteral(kind: .wchar, text: text, isTruncated: isTruncated)))
        }

        // Some compilers encode more than the 32 bytes they should; accept up to 128.
        var bytes: [UInt8] = []
        while !consume(UInt8(ascii: "@")) {
            guard !atEnd, bytes.count < 128, let byte = parseLiteralByte() else { return nil }
            bytes.append(byte)
        }
        let isTruncated = byteCount > UInt64(bytes.count)
        let width = Self.guessCharacterWidth(bytes, byteCount: byteCount)
        let kind: MSStringLiteral.CharKind = width == 1 ? .char : width == 2 ? .char16 : .char32
        let characters = bytes.count / width
        for index in 0..<characters {
            var value: UInt32 = 0
            for b in 0..<width { value |= UInt32(bytes[index * width + b]) << (8 * UInt32(b)) }
            if index + 1 < characters || isTruncated { Self.appendEscaped(value, to: &text) }
        }
        return MSSymbol(.stringLiteral(MSStringLiteral(kind: kind, text: text, isTruncated: isTruncated)))
    }

    /// One byte: itself, `?$XY` (two A-P nibbles), `?<digit>` (punctuation), `?a`-`?z`
    /// (0xE1...) or `?A`-`?Z` (0xC1...).
    func parseLiteralByte() -> UInt8? {
        guard let c = next() else { return nil }
        guard c == UInt8(ascii: "?") else { return c }
        guard let d = next() else { return nil }
        switch d {
        case UInt8(ascii: "$"):
            guard input.count - pos >= 2 else { return nil }
            let high = input[pos], low = input[pos + 1]
            let range = UInt8(ascii: "A")...UInt8(ascii: "P")
            guard range.contains(high), range.contains(low) else { return nil }
            pos += 2
            return (high - UInt8(ascii: "A")) << 4 | (low - UInt8(ascii: "A"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            let table: StaticString = ",/\\:. \n\t'-"
            return table.utf8Start[Int(d - UInt8(ascii: "0"))]
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            return 0xE1 + (d - UInt8(ascii: "a"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return 0xC1 + (d - UInt8(ascii: "A"))
        default:
            return nil
        }
    }

    /// 1, 2 or 4: odd lengths are narrow; short strings show their terminator; long ones
    /// are judged by the share of zero bytes.
    static func guessCharacterWidth(_ bytes: [UInt8], byteCount: UInt64) -> Int {
        if byteCount % 2 == 1 { return 1 }
        if byteCount < 32 {
            var trailing = 0
            for b in bytes.reversed() {
                if b != 0 { break }
                trailing += 1
            }
            if trailing >= 4 && byteCount % 4 == 0 { return 4 }
            if trailing >= 2 { return 2 }
            return 1
        }
        var zeros = 0
        for b in bytes where b == 0 { zeros += 1 }
        if zeros >= 2 * bytes.count / 3 && byteCount % 4 == 0 { return 4 }
        if zeros >= bytes.count / 3 { return 2 }
        return 1
    }

    /// Appends a character as C source would spell it inside double quotes.
    static func appendEscaped(_ value: UInt32, to out: inout [UInt8]) {
        func append(_ s: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }
        switch value {
        case 0: append("\\0")
        case 0x27: append("\\'")
        case 0x22: append("\\\"")
        case 0x5C: append("\\\\")
        case 0x07: append("\\a")
        case 0x08: append("\\b")
        case 0x0C: append("\\f")
        case 0x0A: append("\\n")
        case 0x0D: append("\\r")
        case 0x09: append("\\t")
        case 0x0B: append("\\v")
        case 0x20..<0x7F: out.append(UInt8(value))
        default:
            // \x followed by two hex digits per significant byte.
            var digits: [UInt8] = []
            var rest = value
            while rest != 0 {
                for _ in 0..<2 {
                    let nibble = UInt8(rest & 0xF)
                    digits.append(nibble < 10 ? 0x30 + nibble : 0x41 + nibble - 10)
                    rest >>= 4
                }
            }
            append("\\x")
            out.append(contentsOf: digits.reversed())
        }
    }
}
