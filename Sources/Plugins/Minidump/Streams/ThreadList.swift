import CrashpipeCore

/// MINIDUMP_THREAD_LIST: every thread with its stack memory and CPU context.
public struct ThreadList: MinidumpStream {
    public static let streamType = StreamType.threadList
    static let entrySize = 48

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
        /// The stack bytes, when the location is inside the file.
        public var stack: ByteView?
        public var context: DecodedContext?
        /// Why the stack or context could not be read.
        public var problems: [String]

        enum CodingKeys: String, CodingKey {
            case threadId, suspendCount, priorityClass, priority, teb, stackStart, stackSize, stackRva
            case contextSize, contextRva, context, problems
        }
    }

    public var threads: [Entry]
    public var warnings: [String]

    enum CodingKeys: String, CodingKey { case threads, warnings }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ListLayout(data, endian: dump.endian, elementSize: Self.entrySize, what: "thread")
        warnings = layout.warning.map { [$0] } ?? []
        var r = dump.reader(data, context: "ThreadList stream")
        r.offset = layout.start
        threads = []
        threads.reserveCapacity(layout.count)
        for _ in 0..<layout.count {
            var entry = Entry(threadId: try r.u32(), suspendCount: try r.u32(), priorityClass: try r.u32(),
                              priority: try r.u32(), teb: try r.u64(), stackStart: try r.u64(),
                              stackSize: try r.u32(), stackRva: try r.u32(), contextSize: try r.u32(),
                              contextRva: try r.u32(), stack: nil, context: nil, problems: [])
            (entry.stack, entry.context, entry.problems) = dump.threadMemory(
                id: entry.threadId, stack: (entry.stackSize, entry.stackRva), context: (entry.contextSize, entry.contextRva))
            threads.append(entry)
        }
    }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpThreadList", [("thread_count", "\(threads.count)")])
        for (i, t) in threads.enumerated() {
            out.line("thread[\(i)]")
            out.block("MDRawThread", [
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
            ])
            if let context = t.context { out.context(context) } else { out.line("  (no context)"); out.line() }
            out.line("Stack")
            if let stack = t.stack { out.line(P.hexBytes(stack)) } else { out.line("No stack") }
            out.line()
        }
    }
}

extension MinidumpFile {
    /// The stack bytes and CPU context a thread record points at, with what went wrong (as
    /// sentences) for either; one bad location never hides the other.
    func threadMemory(id: UInt32, stack: (size: UInt32, rva: UInt32), context: (size: UInt32, rva: UInt32))
        -> (ByteView?, DecodedContext?, [String]) {
        var problems: [String] = []
        var stackBytes: ByteView?
        var parsed: DecodedContext?
        do {
            stackBytes = try location(size: stack.size, rva: stack.rva, what: "stack of thread \(id)")
        } catch {
            problems.append("stack: \(error)")
        }
        do {
            let bytes = try location(size: context.size, rva: context.rva, what: "context of thread \(id)")
            parsed = try contexts.decode(bytes, endian: endian, cpu: cpu, os: os)
        } catch {
            problems.append("context: \(error)")
        }
        return (stackBytes, parsed, problems)
    }
}
