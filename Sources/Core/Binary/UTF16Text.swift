extension ByteView {
    /// `units` UTF-16 code units at `offset` in `endian` order, as a String; unpaired surrogates
    /// become U+FFFD. Stops at the first NUL when `stopAtNul` is set. Transcodes directly to
    /// UTF-8 (the standard library's generic UTF-16 path is several times slower).
    public func utf16String(at offset: Int, units: Int, endian: Endian, stopAtNul: Bool = false) throws(ParseError) -> String {
        let (byteCount, overflow) = units.multipliedReportingOverflow(by: 2)
        guard !overflow else {
            throw ParseError(.absurdCount, offset: fileOffset(offset), "\(units) UTF-16 units do not fit")
        }
        try check(offset: offset, size: byteCount, what: "UTF-16 string of \(units) units")
        return withUnsafeBytes { raw -> String in
            var utf8: [UInt8] = []
            utf8.reserveCapacity(units)
            var i = 0
            @inline(__always) func unit(_ index: Int) -> UInt16 {
                let value = raw.loadUnaligned(fromByteOffset: offset + index * 2, as: UInt16.self)
                return endian == .little ? UInt16(littleEndian: value) : UInt16(bigEndian: value)
            }
            while i < units {
                let u = unit(i)
                i += 1
                if stopAtNul && u == 0 { break }
                var scalar: UInt32
                if u < 0xd800 || u > 0xdfff {
                    scalar = UInt32(u)
                } else if u <= 0xdbff, i < units, case let low = unit(i), low >= 0xdc00, low <= 0xdfff {
                    scalar = 0x10000 + ((UInt32(u) - 0xd800) << 10) + (UInt32(low) - 0xdc00)
                    i += 1
                } else {
                    scalar = 0xfffd
                }
                switch scalar {
                case 0..<0x80:
                    utf8.append(UInt8(scalar))
                case 0x80..<0x800:
                    utf8.append(UInt8(0xc0 | scalar >> 6))
                    utf8.append(UInt8(0x80 | scalar & 0x3f))
                case 0x800..<0x10000:
                    utf8.append(UInt8(0xe0 | scalar >> 12))
                    utf8.append(UInt8(0x80 | (scalar >> 6) & 0x3f))
                    utf8.append(UInt8(0x80 | scalar & 0x3f))
                default:
                    utf8.append(UInt8(0xf0 | scalar >> 18))
                    utf8.append(UInt8(0x80 | (scalar >> 12) & 0x3f))
                    utf8.append(UInt8(0x80 | (scalar >> 6) & 0x3f))
                    utf8.append(UInt8(0x80 | scalar & 0x3f))
                }
            }
            return String(decoding: utf8, as: UTF8.self)
        }
    }
}
