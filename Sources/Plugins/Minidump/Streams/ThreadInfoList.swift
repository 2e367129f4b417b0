import CrashpipeCore

/// MINIDUMP_THREAD_INFO_LIST (stream 17): per-thread bookkeeping Windows adds to dumps written
/// with `MiniDumpWithThreadInfo`: times, exit status, start address, affinity, and flags saying
/// which of the thread's data could not be captured.
///
/// Layout: u32 size_of_header, u32 size_of_entry, u32 number_of_entries, then 64-byte
/// MINIDUMP_THREAD_INFO entries (4 × u32, 6 × u64; times are FILETIMEs, 100 ns since 1601).
/// The report has no field for it; it fills notes only.
public struct ThreadInfoList: MinidumpStream {
    public static let streamType = StreamType.threadInfoList
    static let headerSize = 12
    static let entrySize = 64

    public struct Entry: Sendable, Encodable {
        public var threadId: UInt32
        @Hex public var dumpFlags: UInt32
        @Hex public var dumpError: UInt32
        @Hex public var exitStatus: UInt32
        @Hex public var createTime: UInt64
        @Hex public var exitTime: UInt64
        @Hex public var kernelTime: UInt64
        @Hex public var userTime: UInt64
        @Hex public var startAddress: UInt64
        @Hex public var affinity: UInt64

        /// `MINIDUMP_THREAD_INFO_*` names of `dumpFlags`.
        public var dumpFlagNames: [String] {
            let names: [(UInt32, String)] = [
                (0x01, "ERROR_THREAD"), (0x02, "WRITING_THREAD"), (0x04, "EXITED_THREAD"),
                (0x08, "INVALID_INFO"), (0x10, "INVALID_CONTEXT"), (0x20, "INVALID_TEB"),
            ]
            return names.filter { dumpFlags & $0.0 != 0 }.map { "MINIDUMP_THREAD_INFO_" + $0.1 }
        }
    }

    @Hex public var sizeOfHeader: UInt32
    public var sizeOfEntry: UInt32
    public var numberOfEntries: UInt32
    public var threads: [Entry]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ExtendedListLayout(data, endian: dump.endian, fixedHeaderSize: Self.headerSize,
                                            minimumEntrySize: Self.entrySize, what: "thread info")
        sizeOfHeader = layout.declaredHeaderSize
        sizeOfEntry = UInt32(layout.entrySize)
        numberOfEntries = UInt32(truncatingIfNeeded: layout.declaredCount)
        warnings = layout.warnings
        threads = []
        threads.reserveCapacity(layout.count)
        for index in 0..<layout.count {
            var r = dump.reader(try layout.entry(index, in: data, what: "thread info"), context: "ThreadInfoList stream")
            threads.append(Entry(threadId: try r.u32(), dumpFlags: try r.u32(), dumpError: try r.u32(),
                                 exitStatus: try r.u32(), createTime: try r.u64(), exitTime: try r.u64(),
                                 kernelTime: try r.u64(), userTime: try r.u64(), startAddress: try r.u64(),
                                 affinity: try r.u64()))
        }
    }

    /// The entry of thread `id`, if any.
    public func info(of id: UInt32) -> Entry? { threads.first { $0.threadId == id } }

    /// In the layout of rust-minidump's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpThreadInfoList", [("thread_info_count", "\(threads.count)")])
        for (i, t) in threads.enumerated() {
            out.line("thread_info[\(i)]")
            out.block("MDRawThreadInfo", [
                ("thread_id", P.hex(t.threadId)),
                ("dump_flags", P.hex(t.dumpFlags)),
                ("dump_error", P.hex(t.dumpError)),
                ("exit_status", P.hex(t.exitStatus)),
                ("create_time", P.hex(t.createTime)),
                ("exit_time", P.hex(t.exitTime)),
                ("kernel_time", P.hex(t.kernelTime)),
                ("user_time", P.hex(t.userTime)),
                ("start_address", P.hex(t.startAddress)),
                ("affinity", P.hex(t.affinity)),
            ])
        }
    }
}
