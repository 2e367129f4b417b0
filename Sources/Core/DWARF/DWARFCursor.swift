/// A bounds-checked cursor over one entry of a call-frame section (`.eh_frame`/`.debug_frame`).
///
/// Offsets are relative to the section; reads never go past `limit` (the end of the current
/// entry) and errors name the absolute offset in the underlying storage (``ByteView/fileOffset(_:)``).
struct DWARFCursor {
    let view: ByteView
    let endian: Endian
    var offset: Int
    let limit: Int
    let context: String

    init(view: ByteView, endian: Endian, offset: Int, limit: Int, context: String) {
        self.view = view
        self.endian = endian
        self.offset = offset
        self.limit = min(limit, view.count)
        self.context = context
    }

    var isAtEnd: Bool { offset >= limit }

    func error(_ kind: ParseError.Kind, at position: Int? = nil, _ detail: String) -> ParseError {
        ParseError(kind, offset: view.fileOffset(position ?? offset), context: context, detail)
    }

    mutating func need(_ count: Int, _ what: String) throws(ParseError) {
        guard count >= 0, offset >= 0, count <= limit - offset else {
            throw error(.truncated, "\(what) needs \(count) bytes, \(max(0, limit - offset)) remain in the entry")
        }
    }

    mutating func u8(_ what: String = "byte") throws(ParseError) -> UInt8 {
        try need(1, what)
        let value = try view.u8(at: offset)
        offset += 1
        return value
    }

    mutating func fixed<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(ParseError) -> T {
        try need(MemoryLayout<T>.size, what)
        let value: T = try view.load(at: offset, endian: endian)
        offset += MemoryLayout<T>.size
        return value
    }

    /// An unsigned LEB128 number (``ByteReader/dwarfULEB128()``), inside the entry.
    mutating func uleb(_ what: String) throws(ParseError) -> UInt64 {
        UInt64(bitPattern: try leb(what, signed: false))
    }

    /// A signed LEB128 number (``ByteReader/dwarfSLEB128()``), inside the entry.
    mutating func sleb(_ what: String) throws(ParseError) -> Int64 {
        try leb(what, signed: true)
    }

    /// Reads a LEB128 with the shared decoder over the entry's bytes (so nothing past `limit`
    /// is read), naming `what` in its error.
    private mutating func leb(_ what: String, signed: Bool) throws(ParseError) -> Int64 {
        var reader = ByteReader(try view.slice(offset: 0, size: UInt64(limit), what: context), endian: endian,
                                offset: offset, context: context)
        do {
            let value = signed ? try reader.dwarfSLEB128() : Int64(bitPattern: try reader.dwarfULEB128())
            offset = reader.offset
            return value
        } catch {
            var named = error
            named.detail = "\(what): \(error.detail)"
            throw named
        }
    }

    /// A NUL-terminated string inside the entry.
    mutating func cString(_ what: String) throws(ParseError) -> String {
        var end = offset
        while end < limit, let byte = view[safe: end], byte != 0 { end += 1 }
        guard end < limit else { throw error(.truncated, "\(what) is not NUL-terminated within the entry") }
        let bytes = try view.bytes(at: offset, count: end - offset)
        offset = end + 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An address-sized unsigned value.
    mutating func address(size: Int, _ what: String) throws(ParseError) -> UInt64 {
        switch size {
        case 8: return try fixed(UInt64.self, what)
        case 4: return UInt64(try fixed(UInt32.self, what))
        case 2: return UInt64(try fixed(UInt16.self, what))
        case 1: return UInt64(try u8(what))
        default: throw error(.unsupported, "\(what): address size \(size) is not supported")
        }
    }

    /// Skips `count` bytes (a DWARF expression block).
    mutating func skip(_ count: UInt64, _ what: String) throws(ParseError) -> Range<Int> {
        guard count <= UInt64(max(0, limit - offset)) else {
            throw error(.truncated, "\(what) of \(count) bytes runs past the end of the entry")
        }
        let start = offset
        offset += Int(count)
        return start..<offset
    }
}

/// `DW_EH_PE_*` pointer encodings of `.eh_frame` (LSB, "Exception Frames").
public enum DWARFPointerEncoding {
    public static let omit: UInt8 = 0xff
    public static let absptr: UInt8 = 0x00
    public static let uleb128: UInt8 = 0x01
    public static let udata2: UInt8 = 0x02
    public static let udata4: UInt8 = 0x03
    public static let udata8: UInt8 = 0x04
    public static let sleb128: UInt8 = 0x09
    public static let sdata2: UInt8 = 0x0a
    public static let sdata4: UInt8 = 0x0b
    public static let sdata8: UInt8 = 0x0c
    public static let pcrel: UInt8 = 0x10
    public static let textrel: UInt8 = 0x20
    public static let datarel: UInt8 = 0x30
    public static let funcrel: UInt8 = 0x40
    public static let aligned: UInt8 = 0x50
    public static let indirect: UInt8 = 0x80
}

/// Base addresses that relative pointer encodings are computed from.
struct DWARFPointerBases {
    var section: UInt64
    var text: UInt64?
    var data: UInt64?
    var function: UInt64?
}

extension DWARFCursor {
    /// Reads a pointer in `encoding`. `applyRelative` false reads only the value format (for
    /// an FDE's address range). Returns nil for `DW_EH_PE_omit`.
    mutating func pointer(_ encoding: UInt8, addressSize: Int, bases: DWARFPointerBases, what: String,
                          applyRelative: Bool = true, allowIndirect: Bool = false) throws(ParseError) -> UInt64? {
        if encoding == DWARFPointerEncoding.omit { return nil }
        let start = offset
        let application = encoding & 0x70
        if application == DWARFPointerEncoding.aligned && applyRelative {
            let misalignment = Int((bases.section &+ UInt64(offset)) % UInt64(max(1, addressSize)))
            if misalignment != 0 { try need(addressSize - misalignment, what); offset += addressSize - misalignment }
        }
        let fieldOffset = offset
        var value: UInt64
        switch encoding & 0x0f {
        case DWARFPointerEncoding.absptr: value = try address(size: addressSize, what)
        case DWARFPointerEncoding.uleb128: value = try uleb(what)
        case DWARFPointerEncoding.udata2: value = UInt64(try fixed(UInt16.self, what))
        case DWARFPointerEncoding.udata4: value = UInt64(try fixed(UInt32.self, what))
        case DWARFPointerEncoding.udata8: value = try fixed(UInt64.self, what)
        case DWARFPointerEncoding.sleb128: value = UInt64(bitPattern: try sleb(what))
        case DWARFPointerEncoding.sdata2: value = UInt64(bitPattern: Int64(try fixed(Int16.self, what)))
        case DWARFPointerEncoding.sdata4: value = UInt64(bitPattern: Int64(try fixed(Int32.self, what)))
        case DWARFPointerEncoding.sdata8: value = try fixed(UInt64.self, what)
        default:
            throw error(.invalidValue, at: start, "\(what): unknown pointer encoding 0x\(String(encoding, radix: 16))")
        }
        if applyRelative {
            switch application {
            case 0, DWARFPointerEncoding.aligned: break
            case DWARFPointerEncoding.pcrel: value = value &+ bases.section &+ UInt64(fieldOffset)
            case DWARFPointerEncoding.textrel:
                guard let base = bases.text else {
                    throw error(.unsupported, at: start, "\(what): DW_EH_PE_textrel without a text base address")
                }
                value = value &+ base
            case DWARFPointerEncoding.datarel:
                guard let base = bases.data else {
                    throw error(.unsupported, at: start, "\(what): DW_EH_PE_datarel without a data base address")
                }
                value = value &+ base
            case DWARFPointerEncoding.funcrel:
                guard let base = bases.function else {
                    throw error(.unsupported, at: start, "\(what): DW_EH_PE_funcrel outside a function")
                }
                value = value &+ base
            default:
                throw error(.invalidValue, at: start, "\(what): unknown pointer application 0x\(String(application, radix: 16))")
            }
            if encoding & DWARFPointerEncoding.indirect != 0 && !allowIndirect {
                throw error(.unsupported, at: start, "\(what): DW_EH_PE_indirect cannot be followed here")
            }
        }
        if addressSize == 4 { value &= 0xffff_ffff }
        return value
    }
}
