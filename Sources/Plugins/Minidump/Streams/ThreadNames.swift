import CrashpipeCore

/// MINIDUMP_THREAD_NAME_LIST (stream 24): a name for some of the threads, as Windows
/// (`SetThreadDescription`) and Crashpad record them.
///
/// Layout: u32 count, then 12-byte entries of u32 thread id and an RVA64 of a MINIDUMP_STRING
/// (packed, no padding). A name that cannot be read is a problem of that entry only.
/// Fills `Thread.name` in the report, matched by thread id.
public struct ThreadNames: MinidumpStream {
    public static let streamType = StreamType.threadNames
    static let entrySize = 12

    public struct Entry: Sendable, Encodable {
        public var threadId: UInt32
        @Hex public var nameRva: UInt64
        /// The name, or nil when it could not be read (see `problem`).
        public var name: String?
        public var problem: String?
    }

    public var names: [Entry]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ListLayout(data, endian: dump.endian, elementSize: Self.entrySize, what: "thread name")
        warnings = layout.warning.map { [$0] } ?? []
        var r = dump.reader(data, context: "ThreadNames stream")
        r.offset = layout.start
        names = []
        names.reserveCapacity(layout.count)
        for _ in 0..<layout.count {
            let rvaOffset = r.fileOffset + 4
            var entry = Entry(threadId: try r.u32(), nameRva: try r.u64(), name: nil, problem: nil)
            do {
                entry.name = try StreamStrings.string(in: dump, atRVA64: entry.nameRva, fieldOffset: rvaOffset,
                                                      what: "name of thread \(entry.threadId)")
            } catch {
                entry.problem = "\(error)"
            }
            names.append(entry)
        }
    }

    /// The name of thread `id`, when the stream has a readable one.
    public func name(of id: UInt32) -> String? {
        names.first { $0.threadId == id && $0.name != nil }?.name
    }

    /// Problems of single entries, as sentences.
    public var problems: [String] {
        names.compactMap { entry in entry.problem.map { "thread \(entry.threadId): \($0)" } }
    }

    /// Breakpad's `MinidumpThreadNameList::Print`.
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpThreadNameList", [("thread_name_count", "\(names.count)")])
        for (i, entry) in names.enumerated() {
            out.line("thread_name[\(i)]")
            out.block("MDRawThreadName", [
                (P.column("thread_id", 27), P.hex(entry.threadId)),
                (P.column("thread_name_rva", 27), P.hex(entry.nameRva)),
                (P.column("thread_name", 27), entry.name.map(P.quoted) ?? "(unreadable: \(entry.problem ?? ""))"),
            ])
        }
    }
}
