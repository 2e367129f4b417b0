import CrashpipeCore

/// VS_FIXEDFILEINFO: a module's version resource.
public struct FixedFileInfo: Sendable, Encodable {
    public static let signature: UInt32 = 0xfeef_04bd
    /// signature, struct_version, file_version (hi, lo), product_version (hi, lo), flags mask,
    /// flags, os, type, subtype, date (hi, lo).
    public var words: [UInt32]

    init(_ r: inout ByteReader) throws(ParseError) {
        words = try (0..<13).map { _ throws(ParseError) in try r.u32() }
    }

    /// "5.1.2600.2180", or nil when the resource is absent.
    public var fileVersion: String? {
        guard words[0] == Self.signature else { return nil }
        let hi = words[2], lo = words[3]
        return "\(hi >> 16).\(hi & 0xffff).\(lo >> 16).\(lo & 0xffff)"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(fileVersion)
    }
}

/// A module as the ModuleList (or UnloadedModuleList) stream records it, with the identifiers
/// derived from its CodeView record.
public struct RawModule: Sendable, Encodable {
    @Hex public var base: UInt64
    @Hex public var size: UInt32
    @Hex public var checksum: UInt32
    public var timeDateStamp: UInt32
    @Hex public var nameRva: UInt32
    public var versionInfo: FixedFileInfo?
    public var cvSize: UInt32
    @Hex public var cvRva: UInt32
    public var miscSize: UInt32
    @Hex public var miscRva: UInt32
    public var name: String
    public var codeView: CodeViewRecord?
    public var misc: MiscDebugRecord?
    public var problems: [String]

    /// Converts to the Core model, deriving ids per OS the way Breakpad does.
    public func module(os: OS?) -> Module {
        var module = Module(base: base, size: UInt64(size), codeFile: name)
        module.version = versionInfo?.fileVersion
        switch codeView {
        case .pdb70(let guid, let age, let pdb):
            module.debugId = DebugId(peGuid: guid, age: age)
            module.debugFile = pdb
            module.identifierSource = "pdb70"
            // Crashpad writes a Mach-O module's LC_UUID as the GUID; the UUID is its code id too.
            if os == .macOS || os == .iOS, let id = module.debugId { module.codeId = CodeId(machoUUID: id.guid) }
        case .pdb20(_, let signature, let age, let pdb):
            module.debugId = DebugId(pdb20Signature: signature, age: age)
            module.debugFile = pdb
            module.identifierSource = "pdb20"
        case .elf(let buildId):
            module.debugId = DebugId(elfBuildId: buildId)
            module.codeId = CodeId(buildId: buildId)
            module.debugFile = name
            module.identifierSource = "elf_build_id"
        case .unknown, nil:
            if let misc, misc.dataType == 1, !misc.data.isEmpty { module.debugFile = misc.data }
        }
        let windows = os == nil || os == .windows
        if windows, module.codeId == nil, timeDateStamp != 0 || size != 0, !isELF {
            module.codeId = CodeId(peTimestamp: timeDateStamp, sizeOfImage: size)
        }
        return module
    }

    private var isELF: Bool { if case .elf = codeView { return true } else { return false } }

    /// Breakpad's code identifier text: upper-case timestamp, lower-case size for PE.
    public func breakpadCodeIdentifier(os: OS?) -> String {
        if case .elf(let buildId) = codeView { return hexDigits(buildId, uppercase: false) }
        guard os == nil || os == .windows else { return "id" }
        return String(format8Hex: timeDateStamp) + String(size, radix: 16)
    }
}

extension String {
    /// Eight upper-case hex digits, zero-padded.
    init(format8Hex value: UInt32) {
        let digits = String(value, radix: 16, uppercase: true)
        self = String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// MINIDUMP_MODULE_LIST: the executables and libraries loaded in the process.
public struct ModuleList: MinidumpStream {
    public static let streamType = StreamType.moduleList
    static let entrySize = 108

    public var modules: [RawModule]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ListLayout(data, endian: dump.endian, elementSize: Self.entrySize, what: "module")
        warnings = layout.warning.map { [$0] } ?? []
        var r = dump.reader(data, context: "ModuleList stream")
        r.offset = layout.start
        modules = []
        modules.reserveCapacity(layout.count)
        for _ in 0..<layout.count {
            modules.append(try Self.readModule(&r, dump: dump))
        }
    }

    static func readModule(_ r: inout ByteReader, dump: MinidumpFile) throws(ParseError) -> RawModule {
        let base = try r.u64(), size = try r.u32(), checksum = try r.u32(), stamp = try r.u32(), nameRva = try r.u32()
        let version = try FixedFileInfo(&r)
        let cvSize = try r.u32(), cvRva = try r.u32(), miscSize = try r.u32(), miscRva = try r.u32()
        try r.skip(16)
        var module = RawModule(base: base, size: size, checksum: checksum, timeDateStamp: stamp, nameRva: nameRva,
                               versionInfo: version, cvSize: cvSize, cvRva: cvRva, miscSize: miscSize,
                               miscRva: miscRva, name: "", codeView: nil, misc: nil, problems: [])
        do { module.name = try dump.string(at: nameRva, what: "module name") } catch {
            module.problems.append("name: \(error)")
        }
        if cvSize > 0 {
            do {
                module.codeView = try CodeViewRecord(dump.location(size: cvSize, rva: cvRva, what: "CodeView record"),
                                                     endian: dump.endian)
            } catch { module.problems.append("CodeView record: \(error)") }
        }
        if miscSize > 0 {
            do {
                module.misc = try MiscDebugRecord(dump.location(size: miscSize, rva: miscRva, what: "misc record"),
                                                  endian: dump.endian)
            } catch { module.problems.append("misc record: \(error)") }
        }
        return module
    }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpModuleList", [("module_count", "\(modules.count)")])
        for (i, m) in modules.enumerated() {
            out.line("module[\(i)]")
            let v = m.versionInfo?.words ?? [UInt32](repeating: 0, count: 13)
            var fields: [(String, String)] = [
                ("base_of_image", P.hex(m.base)),
                ("size_of_image", P.hex(m.size)),
                ("checksum", P.hex(m.checksum)),
                ("time_date_stamp", P.time(m.timeDateStamp)),
                ("module_name_rva", P.hex(m.nameRva)),
                ("version_info.signature", P.hex(v[0])),
                ("version_info.struct_version", P.hex(v[1])),
                ("version_info.file_version", P.hex(v[2]) + ":" + P.hex(v[3])),
                ("version_info.product_version", P.hex(v[4]) + ":" + P.hex(v[5])),
                ("version_info.file_flags_mask", P.hex(v[6])),
                ("version_info.file_flags", P.hex(v[7])),
                ("version_info.file_os", P.hex(v[8])),
                ("version_info.file_type", P.hex(v[9])),
                ("version_info.file_subtype", P.hex(v[10])),
                ("version_info.file_date", P.hex(v[11]) + ":" + P.hex(v[12])),
                ("cv_record.data_size", "\(m.cvSize)"),
                ("cv_record.rva", P.hex(m.cvRva)),
                ("misc_record.data_size", "\(m.miscSize)"),
                ("misc_record.rva", P.hex(m.miscRva)),
                ("(code_file)", P.quoted(m.name)),
                ("(code_identifier)", P.quoted(m.breakpadCodeIdentifier(os: out.os))),
            ]
            switch m.codeView {
            case .pdb70(let guid, let age, let pdb):
                fields.append(("(cv_record).cv_signature", P.hex(CodeViewRecord.pdb70Signature)))
                fields.append(("(cv_record).signature", DebugId(peGuid: guid, age: 0)?.dashed ?? ""))
                fields.append(("(cv_record).age", "\(age)"))
                fields.append(("(cv_record).pdb_file_name", P.quoted(pdb)))
            case .pdb20(let offset, let signature, let age, let pdb):
                fields.append(("(cv_record).cv_signature", P.hex(CodeViewRecord.pdb20Signature)))
                fields.append(("(cv_record).cv_offset", P.hex(offset)))
                fields.append(("(cv_record).signature", P.time(signature)))
                fields.append(("(cv_record).age", "\(age)"))
                fields.append(("(cv_record).pdb_file_name", P.quoted(pdb)))
            case .elf(let buildId):
                fields.append(("(cv_record).cv_signature", P.hex(CodeViewRecord.elfSignature)))
                fields.append(("(cv_record).build_id", hexDigits(buildId, uppercase: false)))
            case .unknown(let signature, let size):
                fields.append(("(cv_record).cv_signature", P.hex(signature)))
                fields.append(("(cv_record)", "(\(size) bytes, unknown format)"))
            case nil:
                fields.append(("(cv_record)", "(null)"))
            }
            if let misc = m.misc {
                fields.append(("(misc_record).data_type", P.hex(misc.dataType)))
                fields.append(("(misc_record).length", P.hex(misc.length)))
                fields.append(("(misc_record).unicode", misc.unicode ? "1" : "0"))
                fields.append(("(misc_record).data", P.quoted(misc.data)))
            } else {
                fields.append(("(misc_record)", "(null)"))
            }
            let model = m.module(os: out.os)
            fields.append(("(debug_file)", P.quoted(model.debugFile ?? "")))
            fields.append(("(debug_identifier)", P.quoted(model.debugId?.breakpad ?? "000000000000000000000000000000000")))
            fields.append(("(version)", P.quoted(model.version ?? "")))
            for problem in m.problems { fields.append(("(problem)", problem)) }
            out.block("MDRawModule", fields, width: 31)
        }
    }
}
