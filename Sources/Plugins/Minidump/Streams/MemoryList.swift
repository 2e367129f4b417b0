import CrashpipeCore

/// MINIDUMP_MEMORY_LIST: blocks of process memory (stacks, and memory around the crash).
public struct MemoryList: MinidumpStream {
    public static let streamType = StreamType.memoryList
    static let entrySize = 16

    public struct Entry: Sendable, Encodable {
        @Hex public var start: UInt64
        public var size: UInt32
        @Hex public var rva: UInt32
        public var bytes: ByteView?
        public var problem: String?

        enum CodingKeys: String, CodingKey { case start, size, rva, problem }
    }

    public var regions: [Entry]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ListLayout(data, endian: dump.endian, elementSize: Self.entrySize, what: "memory region")
        warnings = layout.warning.map { [$0] } ?? []
        var r = dump.reader(data, context: "MemoryList stream")
        r.offset = layout.start
        regions = []
        regions.reserveCapacity(layout.count)
        for _ in 0..<layout.count {
            var entry = Entry(start: try r.u64(), size: try r.u32(), rva: try r.u32(), bytes: nil, problem: nil)
            do {
                entry.bytes = try dump.location(size: entry.size, rva: entry.rva,
                                                what: "memory at \(formatHex(entry.start))")
            } catch {
                entry.problem = "\(error)"
            }
            regions.append(entry)
        }
    }

    public var memoryRegions: [MemoryRegion] {
        regions.compactMap { entry in entry.bytes.map { MemoryRegion(base: entry.start, bytes: $0) } }
    }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpMemoryList", [("region_count", "\(regions.count)")])
        for (i, region) in regions.enumerated() {
            out.line("region[\(i)]")
            out.block("MDMemoryDescriptor", [
                ("start_of_memory_range", P.hex(region.start)),
                ("memory.data_size", P.hex(region.size)),
                ("memory.rva", P.hex(region.rva)),
            ], trailingBlank: false)
            out.line("Memory")
            if let bytes = region.bytes { out.line(P.hexBytes(bytes)) } else { out.line("(unreadable: \(region.problem ?? ""))") }
            out.line()
        }
    }
}

/// MINIDUMP_MEMORY64_LIST: memory of full dumps, stored back to back from one base RVA.
public struct Memory64List: MinidumpStream {
    public static let streamType = StreamType.memory64List

    public struct Entry: Sendable, Encodable {
        @Hex public var start: UInt64
        public var size: UInt64
        @Hex public var rva: UInt64
        public var bytes: ByteView?

        enum CodingKeys: String, CodingKey { case start, size, rva }
    }

    @Hex public var baseRva: UInt64
    public var regions: [Entry]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "Memory64List stream")
        let declared = try r.u64()
        baseRva = try r.u64()
        let fits = UInt64(r.remaining / 16)
        warnings = []
        var count = declared
        if declared > fits {
            warnings.append("memory region count is \(declared) but the stream holds only \(fits); reading \(fits)")
            count = fits
        }
        regions = []
        regions.reserveCapacity(Int(count))
        var rva = baseRva
        for _ in 0..<count {
            let start = try r.u64(), size = try r.u64()
            var entry = Entry(start: start, size: size, rva: rva, bytes: nil)
            entry.bytes = try? dump.bytes.slice(offset: rva, size: size, what: "memory at \(formatHex(start))")
            if entry.bytes == nil { warnings.append("memory at \(formatHex(start)) (size \(formatHex(size))) is outside the file") }
            let (next, overflow) = rva.addingReportingOverflow(size)
            rva = overflow ? .max : next
            regions.append(entry)
        }
    }

    public var memoryRegions: [MemoryRegion] {
        regions.compactMap { entry in entry.bytes.map { MemoryRegion(base: entry.start, bytes: $0) } }
    }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpMemory64List", [("region_count", "\(regions.count)"), ("base_rva", P.hex(baseRva))])
        for (i, region) in regions.enumerated() {
            out.line("region[\(i)]")
            out.block("MDMemoryDescriptor64", [
                ("start_of_memory_range", P.hex(region.start)),
                ("data_size", P.hex(region.size)),
                ("(rva)", P.hex(region.rva)),
            ])
        }
    }
}
