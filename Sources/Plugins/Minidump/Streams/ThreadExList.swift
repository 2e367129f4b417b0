import CrashpipeCore

/// MINIDUMP_THREAD_EX_LIST (stream 8): the thread list of dumps written with the backing-store
/// option (IA-64's register stack). Each MINIDUMP_THREAD_EX is a MINIDUMP_THREAD (48 bytes)
/// followed by the backing store's memory descriptor: 64 bytes.
///
/// Stack, backing store and context are checked against the file; one that cannot be read is a
/// problem of that thread. The report's threads come from the ThreadList stream, so this stream
/// fills nothing but notes.
public struct ThreadExList: MinidumpStream {
    public static let streamType = StreamType.threadExList
    static let entrySize = 64

    public struct Entry: Sendable, Encodable {
        public var threadId: UInt32
        public var suspendCount: UInt32
        @Hex public var priorityClass: UInt32
        @Hex public var priority: UInt32
        @Hex public var teb: UInt64
        @Hex public var stackStart: UInt64
        public var stackSize: UInt32
        @Hex public var stackRva: UInt32
        public var contextSize: UInt32
        @Hex public var contextRva: UInt32
        @Hex public var backingStoreStart: UInt64
        public var backingStoreSize: UInt32
        @Hex public var backingStoreRva: UInt32
        public var stack: ByteView?
        public var backingStore: ByteView?
        public var context: DecodedContext?
        public var problems: [String]

        enum CodingKeys: String, CodingKey {
            case threadId, suspendCount, priorityClass, priority, teb, stackStart, stackSize, stackRva
            case contextSize, contextRva, backingStoreStart, backingStoreSize, backingStoreRva, context, problems
        }
    }

    public var threads: [Entry]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ListLayout(data, endian: dump.endian, elementSize: Self.entrySize, what: "thread")
        warnings = layout.warning.map { [$0] } ?? []
        var r = dump.reader(data, context: "ThreadExList stream")
        r.offset = layout.start
        threads = []
        threads.reserveCapacity(layout.count)
        for _ in 0..<layout.count {
            var entry = Entry(threadId: try r.u32(), suspendCount: try r.u32(), priorityClass: try r.u32(),
                              priority: try r.u32(), teb: try r.u64(), stackStart: try r.u64(),
                              stackSize: try r.u32(), stackRva: try r.u32(), contextSize: try r.u32(),
                              contextRva: try r.u32(), backingStoreStart: try r.u64(),
                              backingStoreSize: try r.u32(), backingStoreRva: try r.u32(),
                              stack: nil, backingStore: nil, context: nil, problems: [])
            let id = entry.threadId
            (entry.stack, entry.context, entry.problems) = dump.threadMemory(
                id: id, stack: (entry.stackSize, entry.stackRva), context: (entry.contextSize, entry.contextRva))
            if entry.backingStoreSize > 0 {
                do {
                    entry.backingStore = try dump.location(size: entry.backingStoreSize, rva: entry.backingStoreRva,
                                                           what: "backing store of thread \(id)")
                } catch {
                    entry.problems.append("backing store: \(error)")
                }
            }
            threads.append(entry)
        }
    }

    /// Problems of single threads, as sentences.
    public var problems: [String] {
        threads.flatMap { t in t.problems.map { "thread \(t.threadId): \($0)" } }
    }

    /// In the layout of Breakpad's thread list (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpThreadExList", [("thread_count", "\(threads.count)")])
        for (i, t) in threads.enumerated() {
            out.line("thread[\(i)]")
            out.block("MDRawThreadEx", [
                ("thread_id", P.hex(t.threadId)),
                ("suspend_count", "\(t.suspendCount)"),
                ("priority_class", P.hex(t.priorityClass)),
                ("priority", P.hex(t.priority)),
                ("teb", P.hex(t.teb)),
                ("stack.start_of_memory_range", P.hex(t.stackStart)),
                ("stack.memory.data_size", P.hex(t.stackSize)),
                ("stack.memory.rva", P.hex(t.stackRva)),
                ("thread_context.data_size", P.hex(t.contextSize)),
                ("thread_context.rva", P.hex(t.contextRva)),
                ("backing_store.start_of_memory_range", P.hex(t.backingStoreStart)),
                ("backing_store.memory.data_size", P.hex(t.backingStoreSize)),
                ("backing_store.memory.rva", P.hex(t.backingStoreRva)),
            ] + t.problems.map { ("(problem)", $0) })
        }
    }
}
