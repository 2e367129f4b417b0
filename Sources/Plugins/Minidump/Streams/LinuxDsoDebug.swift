import CrashpipeCore

/// MDRawDebug32 / MDRawDebug64 (Breakpad stream 0x4767000A): the dynamic linker's `r_debug`
/// (version, link map, breakpoint address, linker base, `_DYNAMIC`) and its list of loaded
/// objects, which tools use to turn a minidump into a core file. The raw `_DYNAMIC` section
/// follows the structure in the stream.
///
/// Layouts, by the dump CPU's word size: 32-bit `version, map, dso_count, brk, ldbase, dynamic`
/// (24 bytes) with 12-byte MDRawLinkMap32 `addr, name, ld`; 64-bit as the C structs Breakpad
/// writes on LP64, with 4 padding bytes before each u64 that follows a u32 (40-byte header,
/// 24-byte MDRawLinkMap64). A packed 64-bit layout (36/20 bytes, as rust-minidump reads it) is
/// used instead when only it yields readable names. Names are MINIDUMP_STRINGs; one that cannot
/// be read is a problem of that entry. Fills `LinuxDetails.dsoDebug`.
public struct LinuxDsoDebug: MinidumpStream {
    public static let streamType = StreamType.linuxDsoDebug

    public enum Layout: String, Sendable, Encodable {
        case bits32 = "32-bit"
        case natural64 = "64-bit"
        case packed64 = "64-bit packed"

        var wordSize: Int { self == .bits32 ? 4 : 8 }
        var headerSize: Int {
            switch self {
            case .bits32: return 24
            case .natural64: return 40
            case .packed64: return 36
            }
        }
        var linkMapSize: Int {
            switch self {
            case .bits32: return 12
            case .natural64: return 24
            case .packed64: return 20
            }
        }
        var padded: Bool { self == .natural64 }
    }

    public struct LinkMap: Sendable, Encodable {
        @Hex public var address: UInt64
        @Hex public var nameRva: UInt32
        @Hex public var ld: UInt64
        public var name: String?
        public var problem: String?
    }

    public var layout: Layout
    public var version: UInt32
    @Hex public var mapRva: UInt32
    public var dsoCount: UInt32
    @Hex public var brk: UInt64
    @Hex public var ldbase: UInt64
    @Hex public var dynamic: UInt64
    /// Bytes of the `_DYNAMIC` copy after the structure.
    public var dynamicSectionSize: Int
    public var linkMaps: [LinkMap]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var warnings: [String] = []
        let wordSize: Int
        if let cpu = dump.cpu {
            wordSize = cpu.pointerSize
        } else {
            wordSize = data.count >= Layout.natural64.headerSize ? 8 : 4
            warnings.append("no CPU in the dump; reading the \(wordSize * 8)-bit layout")
        }
        if wordSize == 4 {
            self = try Self(data: data, dump: dump, layout: .bits32)
        } else if data.count < Layout.natural64.headerSize {
            self = try Self(data: data, dump: dump, layout: .packed64)
        } else {
            let natural = try Self(data: data, dump: dump, layout: .natural64)
            let packed = try? Self(data: data, dump: dump, layout: .packed64)
            if let packed, packed.readableNames > natural.readableNames {
                self = packed
                warnings.append("read with the packed 64-bit layout: the padded one gives no readable names")
            } else {
                self = natural
            }
        }
        self.warnings = warnings + self.warnings
    }

    init(data: ByteView, dump: MinidumpFile, layout: Layout) throws(ParseError) {
        self.layout = layout
        try data.check(offset: 0, size: layout.headerSize, what: "\(layout.rawValue) DSO debug header")
        var r = dump.reader(data, context: "LinuxDsoDebug stream")
        func word(_ r: inout ByteReader) throws(ParseError) -> UInt64 {
            layout.wordSize == 8 ? try r.u64() : UInt64(try r.u32())
        }
        version = try r.u32()
        mapRva = try r.u32()
        dsoCount = try r.u32()
        if layout.padded { try r.skip(4) }
        brk = try word(&r)
        ldbase = try word(&r)
        dynamic = try word(&r)
        dynamicSectionSize = data.count - layout.headerSize
        warnings = []
        linkMaps = []
        guard dsoCount > 0 else { return }
        guard mapRva != 0, Int(mapRva) < dump.bytes.count else {
            warnings.append("link map at \(formatHex(mapRva)) for \(dsoCount) objects is outside the file")
            return
        }
        let fits = (dump.bytes.count - Int(mapRva)) / layout.linkMapSize
        var count = Int(dsoCount)
        if count > fits {
            warnings.append("dso_count is \(dsoCount) but only \(fits) link map entries fit in the file; reading \(fits)")
            count = fits
        }
        let table = try dump.bytes.slice(offset: Int(mapRva), size: count * layout.linkMapSize, what: "DSO link map")
        var m = dump.reader(table, context: "DSO link map")
        linkMaps.reserveCapacity(count)
        for _ in 0..<count {
            let address = try word(&m)
            let nameRva = try m.u32()
            if layout.padded { try m.skip(4) }
            var entry = LinkMap(address: address, nameRva: nameRva, ld: try word(&m), name: nil, problem: nil)
            do { entry.name = try dump.string(at: nameRva, what: "DSO name") } catch {
                entry.problem = "name: \(error)"
            }
            linkMaps.append(entry)
        }
    }

    var readableNames: Int { linkMaps.filter { $0.name != nil }.count }

    public var problems: [String] {
        linkMaps.enumerated().compactMap { i, m in m.problem.map { "link map \(i): \($0)" } }
    }

    /// The Core model's entries.
    public var entries: [LinuxDetails.DSOEntry] {
        linkMaps.map { LinuxDetails.DSOEntry(address: $0.address, name: $0.name ?? "", dynamic: $0.ld) }
    }

    /// In the style of Breakpad's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block(layout == .bits32 ? "MDRawDebug32" : "MDRawDebug64", [
            ("version", "\(version)"),
            ("map", P.hex(mapRva)),
            ("dso_count", "\(dsoCount)"),
            ("brk", P.hex(brk)),
            ("ldbase", P.hex(ldbase)),
            ("dynamic", P.hex(dynamic)),
            ("(dynamic_section_size)", "\(dynamicSectionSize)"),
        ])
        for (i, map) in linkMaps.enumerated() {
            out.line("link_map[\(i)]")
            var fields: [(String, String)] = [
                ("addr", P.hex(map.address)),
                ("name", P.hex(map.nameRva)),
                ("ld", P.hex(map.ld)),
                ("(name)", map.name.map(P.quoted) ?? "(null)"),
            ]
            if let problem = map.problem { fields.append(("(problem)", problem)) }
            out.block(layout == .bits32 ? "MDRawLinkMap32" : "MDRawLinkMap64", fields)
        }
    }
}
