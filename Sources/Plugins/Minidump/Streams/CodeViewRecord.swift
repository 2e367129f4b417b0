import CrashpipeCore

/// The CodeView record a module points at: how to find its debug file.
public enum CodeViewRecord: Sendable, Encodable {
    /// 'RSDS': a PDB 7.0 (also used by Breakpad and Crashpad for ELF and Mach-O modules).
    case pdb70(guid: [UInt8], age: UInt32, pdbFileName: String)
    /// 'NB10': a PDB 2.0.
    case pdb20(cvOffset: UInt32, signature: UInt32, age: UInt32, pdbFileName: String)
    /// 'BpEL': Breakpad's ELF build id record.
    case elf(buildId: [UInt8])
    /// Any other signature; the bytes are kept for inspection.
    case unknown(signature: UInt32, size: Int)

    public static let pdb70Signature: UInt32 = 0x5344_5352   // "RSDS"
    public static let pdb20Signature: UInt32 = 0x3031_424e   // "NB10"
    public static let elfSignature: UInt32 = 0x4270_454c     // "BpEL" (bytes "LEpB")

    init(_ data: ByteView, endian: Endian) throws(ParseError) {
        var r = ByteReader(data, endian: endian, context: "CodeView record")
        let signature = try r.u32()
        switch signature {
        case Self.pdb70Signature:
            // The GUID's first three fields are integers in the dump's byte order; store them
            // in the little-endian layout DebugId(peGuid:) expects.
            let d1 = try r.u32(), d2 = try r.u16(), d3 = try r.u16()
            let d4 = try r.bytes(8)
            let guid = withUnsafeBytes(of: d1.littleEndian, Array.init) + withUnsafeBytes(of: d2.littleEndian, Array.init)
                + withUnsafeBytes(of: d3.littleEndian, Array.init) + d4
            let age = try r.u32()
            self = .pdb70(guid: guid, age: age, pdbFileName: try data.cString(at: r.offset))
        case Self.pdb20Signature:
            let offset = try r.u32(), sig = try r.u32(), age = try r.u32()
            self = .pdb20(cvOffset: offset, signature: sig, age: age, pdbFileName: try data.cString(at: r.offset))
        case Self.elfSignature:
            self = .elf(buildId: try r.bytes(r.remaining))
        default:
            self = .unknown(signature: signature, size: data.count)
        }
    }

    public var signature: UInt32 {
        switch self {
        case .pdb70: return Self.pdb70Signature
        case .pdb20: return Self.pdb20Signature
        case .elf: return Self.elfSignature
        case .unknown(let signature, _): return signature
        }
    }

    enum CodingKeys: String, CodingKey { case kind, signature, guid, age, pdbFileName, cvOffset, buildId, size }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatHex(signature), forKey: .signature)
        switch self {
        case .pdb70(let guid, let age, let name):
            try c.encode("pdb70", forKey: .kind)
            try c.encode(DebugId(peGuid: guid, age: 0)?.dashed, forKey: .guid)
            try c.encode(age, forKey: .age)
            try c.encode(name, forKey: .pdbFileName)
        case .pdb20(let offset, let signature, let age, let name):
            try c.encode("pdb20", forKey: .kind)
            try c.encode(offset, forKey: .cvOffset)
            try c.encode(formatHex(signature), forKey: .guid)
            try c.encode(age, forKey: .age)
            try c.encode(name, forKey: .pdbFileName)
        case .elf(let buildId):
            try c.encode("elf", forKey: .kind)
            try c.encode(hexDigits(buildId, uppercase: false), forKey: .buildId)
        case .unknown(_, let size):
            try c.encode("unknown", forKey: .kind)
            try c.encode(size, forKey: .size)
        }
    }
}

/// IMAGE_DEBUG_MISC: an older record that may name the debug file.
public struct MiscDebugRecord: Sendable, Encodable {
    public var dataType: UInt32
    public var length: UInt32
    public var unicode: Bool
    public var data: String

    init(_ view: ByteView, endian: Endian) throws(ParseError) {
        var r = ByteReader(view, endian: endian, context: "misc debug record")
        dataType = try r.u32()
        length = try r.u32()
        unicode = try r.u8() != 0
        try r.skip(3)
        let rest = try r.view(r.remaining)
        if unicode {
            var units: [UInt16] = []
            var i = 0
            while i + 1 < rest.count {
                let unit = try rest.u16(at: i, endian)
                if unit == 0 { break }
                units.append(unit)
                i += 2
            }
            data = String(decoding: units, as: UTF16.self)
        } else {
            data = try rest.cString()
        }
    }
}
