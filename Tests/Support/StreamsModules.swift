// Module list (MINIDUMP_MODULE with VS_FIXEDFILEINFO, CodeView and misc records) and
// unloaded module list.

/// A GUID as stored in minidumps (`MDGUID`): u32, u16, u16 in the dump's byte order,
/// then 8 raw bytes.
public struct SynthGUID: Sendable, Hashable {
    public var data1: UInt32
    public var data2: UInt16
    public var data3: UInt16
    public var data4: [UInt8]

    public init(data1: UInt32, data2: UInt16, data3: UInt16, data4: [UInt8]) {
        precondition(data4.count == 8, "GUID data4 must be 8 bytes")
        self.data1 = data1
        self.data2 = data2
        self.data3 = data3
        self.data4 = data4
    }

    /// From the canonical text form `"6ba7b810-9dad-11d1-80b4-00c04fd430c8"` (braces and
    /// case ignored); nil if malformed.
    public init?(_ text: String) {
        let hex = text.filter { $0.isHexDigit }
        guard hex.count == 32,
              text.filter({ !$0.isHexDigit && !"-{}".contains($0) }).isEmpty else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let b = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(b)
            index = next
        }
        func be(_ range: Range<Int>) -> UInt64 {
            var value: UInt64 = 0
            for b in bytes[range] { value = value << 8 | UInt64(b) }
            return value
        }
        self.init(data1: UInt32(be(0..<4)), data2: UInt16(be(4..<6)), data3: UInt16(be(6..<8)),
                  data4: Array(bytes[8..<16]))
    }

    /// The all-zero GUID.
    public static let zero = SynthGUID(data1: 0, data2: 0, data3: 0, data4: [UInt8](repeating: 0, count: 8))

    /// Appends the 16 GUID bytes to `section`.
    public func write(into section: ByteSection) {
        section.u32(data1).u16(data2).u16(data3).append(data4)
    }
}

/// `VS_FIXEDFILEINFO` (13 u32 fields, 52 bytes) embedded in `MINIDUMP_MODULE`.
public struct SynthVersionInfo: Sendable, Hashable {
    public var signature: UInt32
    public var structVersion: UInt32
    public var fileVersionHi: UInt32
    public var fileVersionLo: UInt32
    public var productVersionHi: UInt32
    public var productVersionLo: UInt32
    public var fileFlagsMask: UInt32
    public var fileFlags: UInt32
    public var fileOS: UInt32
    public var fileType: UInt32
    public var fileSubtype: UInt32
    public var fileDateHi: UInt32
    public var fileDateLo: UInt32

    public init(signature: UInt32 = 0xFEEF_04BD, structVersion: UInt32 = 0x0001_0000,
                fileVersionHi: UInt32 = 0, fileVersionLo: UInt32 = 0,
                productVersionHi: UInt32 = 0, productVersionLo: UInt32 = 0,
                fileFlagsMask: UInt32 = 0, fileFlags: UInt32 = 0, fileOS: UInt32 = 0,
                fileType: UInt32 = 0, fileSubtype: UInt32 = 0, fileDateHi: UInt32 = 0, fileDateLo: UInt32 = 0) {
        self.signature = signature
        self.structVersion = structVersion
        self.fileVersionHi = fileVersionHi
        self.fileVersionLo = fileVersionLo
        self.productVersionHi = productVersionHi
        self.productVersionLo = productVersionLo
        self.fileFlagsMask = fileFlagsMask
        self.fileFlags = fileFlags
        self.fileOS = fileOS
        self.fileType = fileType
        self.fileSubtype = fileSubtype
        self.fileDateHi = fileDateHi
        self.fileDateLo = fileDateLo
    }

    /// All fields zero (what Breakpad's Linux/Mac writers emit).
    public static let zero = SynthVersionInfo(signature: 0, structVersion: 0)

    /// A Windows-style record for file/product version `a.b.c.d`
    /// (hi = a<<16|b, lo = c<<16|d), VOS_NT_WINDOWS32, VFT_DLL.
    public static func windows(_ a: UInt16, _ b: UInt16, _ c: UInt16, _ d: UInt16) -> SynthVersionInfo {
        let hi = UInt32(a) << 16 | UInt32(b)
        let lo = UInt32(c) << 16 | UInt32(d)
        return SynthVersionInfo(fileVersionHi: hi, fileVersionLo: lo, productVersionHi: hi,
                                productVersionLo: lo, fileFlagsMask: 0x3F, fileOS: 0x0004_0004, fileType: 2)
    }

    func write(into s: ByteSection) {
        for v in [signature, structVersion, fileVersionHi, fileVersionLo, productVersionHi, productVersionLo,
                  fileFlagsMask, fileFlags, fileOS, fileType, fileSubtype, fileDateHi, fileDateLo] {
            s.u32(v)
        }
    }
}

/// The record a module's `CvRecord` location points at.
public enum SynthCodeView: Sendable, Hashable {
    /// `CV_INFO_PDB70`: u32 'RSDS' (0x53445352), GUID, u32 age, NUL-terminated UTF-8 name.
    case pdb70(guid: SynthGUID, age: UInt32, fileName: String)
    /// `CV_INFO_PDB20`: u32 'NB10' (0x3031424e), u32 offset, u32 signature (time_t),
    /// u32 age, NUL-terminated name.
    case pdb20(offset: UInt32, signature: UInt32, age: UInt32, fileName: String)
    /// Breakpad `MDCVInfoELF`: u32 'BpEL' (0x4270454c), then the raw build-id bytes.
    case elf(buildID: [UInt8])
    /// Arbitrary bytes (unknown signatures, truncated records…).
    case raw([UInt8])

    func section(_ endian: SynthEndian) -> ByteSection {
        let s = ByteSection(endian: endian, name: "codeView")
        switch self {
        case .pdb70(let guid, let age, let name):
            s.u32(0x5344_5352)
            guid.write(into: s)
            s.u32(age).utf8(name, terminated: true)
        case .pdb20(let offset, let signature, let age, let name):
            s.u32(0x3031_424E).u32(offset).u32(signature).u32(age).utf8(name, terminated: true)
        case .elf(let buildID):
            s.u32(0x4270_454C).append(buildID)
        case .raw(let bytes):
            s.append(bytes)
        }
        return s
    }
}

/// `IMAGE_DEBUG_MISC` for a module's `MiscRecord`: u32 DataType, u32 Length (whole
/// record), u8 Unicode, 3 reserved bytes, then the data (NUL-terminated, padded to 4).
public struct SynthMiscRecord: Sendable, Hashable {
    /// `IMAGE_DEBUG_MISC_EXENAME` is 1.
    public var dataType: UInt32
    /// Data as UTF-16 (true) or 8-bit (false).
    public var unicode: Bool
    public var data: String
    /// Corruption: replaces the Length field.
    public var lengthOverride: UInt32?

    public init(dataType: UInt32 = 1, unicode: Bool = false, data: String, lengthOverride: UInt32? = nil) {
        self.dataType = dataType
        self.unicode = unicode
        self.data = data
        self.lengthOverride = lengthOverride
    }

    func section(_ endian: SynthEndian) -> ByteSection {
        let payload = ByteSection(endian: endian)
        if unicode { payload.utf16(data, terminated: true) } else { payload.utf8(data, terminated: true) }
        payload.align(4)
        let s = ByteSection(endian: endian, name: "miscRecord")
        s.u32(dataType).u32(lengthOverride ?? UInt32(12 + payload.size))
        s.u8(unicode ? 1 : 0).zeros(3).append(payload)
        return s
    }
}

/// One `MINIDUMP_MODULE` (108 bytes): base, size, checksum, timestamp, name RVA,
/// `VS_FIXEDFILEINFO`, CodeView and misc record locations, two reserved u64s.
public struct SynthModule: Sendable, Hashable {
    public var baseOfImage: UInt64
    public var sizeOfImage: UInt32
    public var checksum: UInt32
    public var timeDateStamp: UInt32
    /// Written as a `MINIDUMP_STRING` in the referenced data.
    public var name: String
    public var versionInfo: SynthVersionInfo
    public var codeView: SynthCodeView?
    public var miscRecord: SynthMiscRecord?
    public var reserved0: UInt64
    public var reserved1: UInt64
    /// Corruption: fixed ModuleNameRva instead of pointing at `name`.
    public var nameRVAOverride: UInt32?
    /// Corruption: fixed CvRecord location.
    public var codeViewLocationOverride: SynthRawLocation?
    /// Corruption: fixed MiscRecord location.
    public var miscLocationOverride: SynthRawLocation?

    public init(baseOfImage: UInt64, sizeOfImage: UInt32, checksum: UInt32 = 0, timeDateStamp: UInt32 = 0,
                name: String, versionInfo: SynthVersionInfo = .zero, codeView: SynthCodeView? = nil,
                miscRecord: SynthMiscRecord? = nil, reserved0: UInt64 = 0, reserved1: UInt64 = 0) {
        self.baseOfImage = baseOfImage
        self.sizeOfImage = sizeOfImage
        self.checksum = checksum
        self.timeDateStamp = timeDateStamp
        self.name = name
        self.versionInfo = versionInfo
        self.codeView = codeView
        self.miscRecord = miscRecord
        self.reserved0 = reserved0
        self.reserved1 = reserved1
    }
}

/// One `MINIDUMP_UNLOADED_MODULE` (24 bytes): base, size, checksum, timestamp, name RVA.
public struct SynthUnloadedModule: Sendable, Hashable {
    public var baseOfImage: UInt64
    public var sizeOfImage: UInt32
    public var checksum: UInt32
    public var timeDateStamp: UInt32
    public var name: String
    /// Corruption: fixed ModuleNameRva.
    public var nameRVAOverride: UInt32?

    public init(baseOfImage: UInt64, sizeOfImage: UInt32, checksum: UInt32 = 0, timeDateStamp: UInt32 = 0,
                name: String, nameRVAOverride: UInt32? = nil) {
        self.baseOfImage = baseOfImage
        self.sizeOfImage = sizeOfImage
        self.checksum = checksum
        self.timeDateStamp = timeDateStamp
        self.name = name
        self.nameRVAOverride = nameRVAOverride
    }
}

extension SyntheticMinidump {
    /// Adds a module to the module list stream (`MINIDUMP_MODULE_LIST`: u32 count +
    /// 108-byte entries, no padding). Name string, CodeView and misc records are placed as
    /// referenced data.
    @discardableResult
    public func addModule(_ module: SynthModule) -> SynthStream {
        modules.append(module)
        return listStream(SynthStreamType.moduleList) { dump, ctx, stream in
            let body = ctx.section("moduleList")
            body.u32(UInt32(truncatingIfNeeded: stream.countOverride ?? UInt64(dump.modules.count)))
            for m in dump.modules {
                body.u64(m.baseOfImage).u32(m.sizeOfImage).u32(m.checksum).u32(m.timeDateStamp)
                if let rva = m.nameRVAOverride { body.u32(rva) } else { body.u32(ctx.string(m.name)) }
                m.versionInfo.write(into: body)
                if let raw = m.codeViewLocationOverride {
                    body.location(rva: raw.rva, size: raw.size)
                } else if let cv = m.codeView {
                    body.location(ctx.place(cv.section(ctx.endian)))
                } else {
                    body.location(rva: 0, size: 0)
                }
                if let raw = m.miscLocationOverride {
                    body.location(rva: raw.rva, size: raw.size)
                } else if let misc = m.miscRecord {
                    body.location(ctx.place(misc.section(ctx.endian)))
                } else {
                    body.location(rva: 0, size: 0)
                }
                body.u64(m.reserved0).u64(m.reserved1)
            }
            return body
        }
    }

    /// Adds a module to the unloaded module list stream (`MINIDUMP_UNLOADED_MODULE_LIST`:
    /// u32 SizeOfHeader=12, u32 SizeOfEntry=24, u32 NumberOfEntries, then entries).
    @discardableResult
    public func addUnloadedModule(_ module: SynthUnloadedModule) -> SynthStream {
        unloadedModules.append(module)
        return listStream(SynthStreamType.unloadedModuleList) { dump, ctx, stream in
            let body = ctx.section("unloadedModuleList")
            body.u32(stream.headerSizeOverride ?? 12).u32(stream.entrySizeOverride ?? 24)
            body.u32(UInt32(truncatingIfNeeded: stream.countOverride ?? UInt64(dump.unloadedModules.count)))
            for m in dump.unloadedModules {
                body.u64(m.baseOfImage).u32(m.sizeOfImage).u32(m.checksum).u32(m.timeDateStamp)
                if let rva = m.nameRVAOverride { body.u32(rva) } else { body.u32(ctx.string(m.name)) }
            }
            return body
        }
    }
}
