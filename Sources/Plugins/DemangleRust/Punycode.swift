/// Punycode (RFC 3492) decoding of v0 identifiers with non-ASCII characters, as rustc-demangle
/// does it: the basic part is the ASCII before the last `_`, the codes use `a`-`z` and `0`-`9`,
/// and the result is limited to 128 characters (rustc-demangle decodes into a fixed buffer of
/// that size and prints the raw `punycode{...}` form when it does not fit).
enum Punycode {
    /// rustc-demangle's `SMALL_PUNYCODE_LEN`.
    static let maximumCharacters = 128

    private static let base = 36, tMin = 1, tMax = 26, skew = 38, initialBias = 72, initialN = 0x80

    /// The decoded characters, or nil when the codes are empty, malformed, overflow, name a
    /// non-scalar, or the result exceeds ``maximumCharacters``.
    static func decode(_ symbol: SymbolText, basic: ByteSpan, codes: ByteSpan) -> [Unicode.Scalar]? {
        guard !codes.isEmpty, basic.count <= maximumCharacters else { return nil }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(maximumCharacters)
        var index = basic.start
        while index < basic.end {
            output.append(Unicode.Scalar(symbol[index]))
            index += 1
        }

        var damp = 700
        var bias = initialBias
        var i = 0
        var n = initialN
        var position = codes.start
        while true {
            // One variable-length delta.
            var delta = 0
            var weight = 1
            var k = 0
            while true {
                k += base
                // Rust computes `k.saturating_sub(bias)` on unsigned numbers, then clamps.
                let threshold = k - bias < tMin ? tMin : (k - bias > tMax ? tMax : k - bias)
                guard position < codes.end else { return nil }
                let byte = symbol[position]
                position += 1
                let digit: Int
                if byte &- 0x61 < 26 {
                    digit = Int(byte &- 0x61)
                } else if isDecimalDigit(byte) {
                    digit = 26 + Int(byte &- 0x30)
                } else {
                    return nil
                }
                let (scaled, overflow1) = digit.multipliedReportingOverflow(by: weight)
                let (sum, overflow2) = delta.addingReportingOverflow(scaled)
                guard !overflow1, !overflow2 else { return nil }
                delta = sum
                if digit < threshold { break }
                let (nextWeight, overflow3) = weight.multipliedReportingOverflow(by: base - threshold)
                guard !overflow3 else { return nil }
                weight = nextWeight
            }

            // The new character and where it goes.
            let length = output.count + 1
            let (advanced, overflow1) = i.addingReportingOverflow(delta)
            guard !overflow1 else { return nil }
            let (code, overflow2) = n.addingReportingOverflow(advanced / length)
            guard !overflow2 else { return nil }
            n = code
            i = advanced % length
            guard n <= Int(UInt32.max), let scalar = Unicode.Scalar(UInt32(n)),
                  output.count < maximumCharacters
            else { return nil }
            output.insert(scalar, at: i)
            i += 1

            if position == codes.end { return output }

            // Bias adaptation.
            delta /= damp
            damp = 2
            delta += delta / length
            k = 0
            while delta > ((base - tMin) * tMax) / 2 {
                delta /= base - tMin
                k += base
            }
            bias = k + ((base - tMin + 1) * delta) / (delta + skew)
        }
    }
}
