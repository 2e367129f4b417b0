/// The DWARF sections of one object (an ELF `.debug` file, a dSYM slice), already decompressed,
/// by name without leading punctuation: `debug_info` stands for ELF `.debug_info` and Mach-O
/// `__debug_info`. Missing sections read as empty.
public struct DWARFSections: Sendable {
    public var endian: Endian
    public private(set) var sections: [String: ByteView]

    /// The section names the reader uses.
    public static let names = ["debug_info", "debug_abbrev", "debug_line", "debug_line_str", "debug_str",
                               "debug_str_offsets", "debug_addr", "debug_ranges", "debug_rnglists", "debug_aranges"]

    public init(endian: Endian = .little, sections: [String: ByteView] = [:]) {
        self.endian = endian
        self.sections = [:]
        for (name, view) in sections { self.sections[Self.normalize(name)] = view }
    }

    /// `.debug_info`, `__debug_info` and `debug_info` all name `debug_info`.
    public static func normalize(_ name: String) -> String {
        var name = Substring(name)
        while let first = name.first, first == "." || first == "_" { name = name.dropFirst() }
        return String(name)
    }

    public subscript(_ name: String) -> ByteView {
        get { sections[Self.normalize(name)] ?? ByteView([]) }
        set { sections[Self.normalize(name)] = newValue }
    }

    public var debugInfo: ByteView { self["debug_info"] }
    public var debugAbbrev: ByteView { self["debug_abbrev"] }
    public var debugLine: ByteView { self["debug_line"] }
    public var debugLineStr: ByteView { self["debug_line_str"] }
    public var debugStr: ByteView { self["debug_str"] }
    public var debugStrOffsets: ByteView { self["debug_str_offsets"] }
    public var debugAddr: ByteView { self["debug_addr"] }
    public var debugRanges: ByteView { self["debug_ranges"] }
    public var debugRnglists: ByteView { self["debug_rnglists"] }
    public var debugAranges: ByteView { self["debug_aranges"] }
}

extension ByteReader {
    /// An unsigned LEB128; more than 10 bytes, or bits beyond 64, is an error.
    @inlinable
    public mutating func dwarfULEB128() throws(ParseError) -> UInt64 {
        let start = fileOffset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            let low = UInt64(byte & 0x7f)
            if shift >= 70 || (shift == 63 && low > 1) || (shift > 63 && low != 0) {
                throw ParseError(.invalidValue, offset: start, context: context, "LEB128 longer than 64 bits")
            }
            if shift < 64 { result |= low << shift }
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A signed LEB128; more than 10 bytes is an error.
    @inlinable
    public mutating func dwarfSLEB128() throws(ParseError) -> Int64 {
        let start = fileOffset
        var result: Int64 = 0
        var shift: UInt64 = 0
        var byte: UInt8 = 0
        repeat {
            byte = try u8()
            if shift >= 70 {
                throw ParseError(.invalidValue, offset: start, context: context, "LEB128 longer than 64 bits")
            }
            if shift < 64 { result |= Int64(byte & 0x7f) << Int64(shift) }
            shift += 7
        } while byte & 0x80 != 0
        if shift < 64 && byte & 0x40 != 0 { result |= Int64(-1) << Int64(shift) }
        return result
    }

    /// A NUL-terminated string at the cursor (UTF-8, lossy), moving past the NUL.
    public mutating func dwarfCString() throws(ParseError) -> String {
        let start = offset
        var end = start
        while true {
            guard end < view.count else {
                throw ParseError(.truncated, offset: view.fileOffset(start), context: context, "string without terminating NUL")
            }
            if try view.u8(at: end) == 0 { break }
            end += 1
        }
        let bytes = try view.bytes(at: start, count: end - start)
        offset = end + 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An unsigned value of `size` bytes (1, 2, 4 or 8).
    public mutating func dwarfUnsigned(size: Int) throws(ParseError) -> UInt64 {
        switch size {
        case 1: return UInt64(try u8())
        case 2: return UInt64(try u16())
        case 4: return UInt64(try u32())
        case 8: return try u64()
        default:
            throw ParseError(.invalidValue, offset: fileOffset, context: context, "unsupported value size \(size)")
        }
    }

    /// An initial length: 32-bit, or 0xffffffff then a 64-bit length. Returns (length, is64).
    public mutating func dwarfInitialLength() throws(ParseError) -> (length: UInt64, is64: Bool) {
        let first = try u32()
        if first == 0xffff_ffff { return (try u64(), true) }
        if first >= 0xffff_fff0 {
            throw ParseError(.invalidValue, offset: fileOffset - 4, context: context,
                             "reserved initial length 0x\(String(first, radix: 16))")
        }
        return (UInt64(first), false)
    }
}

extension ByteView {
    /// A NUL-terminated string at `offset` (UTF-8, lossy).
    func dwarfString(at offset: UInt64) throws(ParseError) -> String {
        guard offset < UInt64(count) else {
            throw ParseError(.outOfRange, offset: fileOffset(count), "string offset 0x\(String(offset, radix: 16)) past the end of the section (\(count) bytes)")
        }
        var reader = ByteReader(self, offset: Int(offset))
        return try reader.dwarfCString()
    }

    /// The part from `offset` to the end, or an out-of-range error.
    func dwarfSuffix(_ offset: UInt64, what: String) throws(ParseError) -> ByteView {
        guard offset <= UInt64(count) else {
            throw ParseError(.outOfRange, offset: fileOffset(count), "\(what) offset 0x\(String(offset, radix: 16)) past the end of the section (\(count) bytes)")
        }
        return try slice(offset: Int(offset), size: count - Int(offset), what: what)
    }
}
