import CrashpipeCore

/// MINIDUMP_UNLOADED_MODULE_LIST (stream 14): modules the process had unloaded by the time of
/// the dump, so a stray return address into one can still be named.
///
/// Layout: u32 size_of_header, u32 size_of_entry, u32 number_of_entries, then entries of
/// u64 base, u32 size, u32 checksum, u32 time_date_stamp, u32 name RVA (24 bytes, or more in a
/// newer writer; the sizes from the header are honoured). A name that cannot be read is a
/// problem of that module. Fills `CrashReport.unloadedModules`.
public struct UnloadedModuleList: MinidumpStream {
    public static let streamType = StreamType.unloadedModuleList
    static let headerSize = 12
    static let entrySize = 24

    public struct Entry: Sendable, Encodable {
        @Hex public var base: UInt64
        @Hex public var size: UInt32
        @Hex public var checksum: UInt32
        public var timeDateStamp: UInt32
        @Hex public var nameRva: UInt32
        public var name: String
        public var problem: String?

        /// The Core model: code file and, for Windows, the PE code id (timestamp + size) that
        /// symbol servers index. Unloaded modules carry no debug identifiers.
        public func module(os: OS?) -> Module {
            var module = Module(base: base, size: UInt64(size), codeFile: name)
            if os == nil || os == .windows, timeDateStamp != 0 || size != 0 {
                module.codeId = CodeId(peTimestamp: timeDateStamp, sizeOfImage: size)
            }
            return module
        }

        /// Breakpad's code identifier: upper-case timestamp and lower-case size on Windows.
        func codeIdentifier(os: OS?) -> String {
            guard os == nil || os == .windows else { return "id" }
            return String(format8Hex: timeDateStamp) + String(size, radix: 16)
        }
    }

    @Hex public var sizeOfHeader: UInt32
    public var sizeOfEntry: UInt32
    public var numberOfEntries: UInt32
    public var modules: [Entry]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ExtendedListLayout(data, endian: dump.endian, fixedHeaderSize: Self.headerSize,
                                            minimumEntrySize: Self.entrySize, what: "unloaded module")
        sizeOfHeader = layout.declaredHeaderSize
        sizeOfEntry = UInt32(layout.entrySize)
        numberOfEntries = UInt32(truncatingIfNeeded: layout.declaredCount)
        warnings = layout.warnings
        modules = []
        modules.reserveCapacity(layout.count)
        for index in 0..<layout.count {
            var r = dump.reader(try layout.entry(index, in: data, what: "unloaded module"), context: "UnloadedModuleList stream")
            var entry = Entry(base: try r.u64(), size: try r.u32(), checksum: try r.u32(), timeDateStamp: try r.u32(),
                              nameRva: try r.u32(), name: "", problem: nil)
            do { entry.name = try dump.string(at: entry.nameRva, what: "unloaded module name") } catch {
                entry.problem = "name: \(error)"
            }
            if entry.size == 0 || UInt64(entry.size) > UInt64.max - entry.base {
                let range = "\(formatHex(entry.base))+\(formatHex(entry.size))"
                entry.problem = [entry.problem, "range \(range) is empty or wraps"].compactMap { $0 }.joined(separator: "; ")
            }
            modules.append(entry)
        }
    }

    /// Problems of single modules, as sentences.
    public var problems: [String] {
        modules.enumerated().compactMap { i, m in m.problem.map { "unloaded module \(i): \($0)" } }
    }

    /// In the layout of Breakpad's module list (Breakpad reads this stream but does not print it).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpUnloadedModuleList", [("module_count", "\(modules.count)")])
        for (i, m) in modules.enumerated() {
            out.line("module[\(i)]")
            var fields: [(String, String)] = [
                ("base_of_image", P.hex(m.base)),
                ("size_of_image", P.hex(m.size)),
                ("checksum", P.hex(m.checksum)),
                ("time_date_stamp", P.time(m.timeDateStamp)),
                ("module_name_rva", P.hex(m.nameRva)),
                ("(code_file)", P.quoted(m.name)),
                ("(code_identifier)", P.quoted(m.codeIdentifier(os: out.os))),
            ]
            if let problem = m.problem { fields.append(("(problem)", problem)) }
            out.block("MDRawUnloadedModule", fields)
        }
    }
}
