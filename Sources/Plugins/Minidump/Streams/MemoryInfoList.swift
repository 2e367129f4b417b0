import CrashpipeCore

/// MINIDUMP_MEMORY_INFO_LIST (stream 16): every region of the address space with its state,
/// protection and type, as `VirtualQueryEx` reports them (Windows full and heap dumps, Crashpad).
///
/// Layout: u32 size_of_header, u32 size_of_entry, u64 number_of_entries, then 48-byte
/// MINIDUMP_MEMORY_INFO entries (base, allocation base, allocation protection, padding, region
/// size, state, protection, type, padding). Breakpad rejects regions that are empty or wrap; here
/// they are kept and flagged. The report has no field for it; it fills notes only.
public struct MemoryInfoList: MinidumpStream {
    public static let streamType = StreamType.memoryInfoList
    static let headerSize = 16
    static let entrySize = 48

    public struct Entry: Sendable, Encodable {
        @Hex public var baseAddress: UInt64
        @Hex public var allocationBase: UInt64
        @Hex public var allocationProtection: UInt32
        @Hex public var regionSize: UInt64
        @Hex public var state: UInt32
        @Hex public var protection: UInt32
        @Hex public var type: UInt32
        public var problem: String?

        public var stateName: String { MemoryInfoNames.state(state) }
        public var protectionName: String { MemoryInfoNames.protection(protection) }
        public var allocationProtectionName: String { MemoryInfoNames.protection(allocationProtection) }
        public var typeName: String { MemoryInfoNames.type(type) }

        /// Whether code may run from the region (Breakpad's `IsExecutable`).
        public var isExecutable: Bool { [0x10, 0x20, 0x40, 0x80].contains(protection & 0xff) }
        public var isWritable: Bool { [0x04, 0x08, 0x40, 0x80].contains(protection & 0xff) }

        enum CodingKeys: String, CodingKey {
            case baseAddress, allocationBase, allocationProtection, allocationProtectionName, regionSize
            case state, stateName, protection, protectionName, type, typeName, problem
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(formatHex(baseAddress), forKey: .baseAddress)
            try c.encode(formatHex(allocationBase), forKey: .allocationBase)
            try c.encode(formatHex(allocationProtection), forKey: .allocationProtection)
            try c.encode(allocationProtectionName, forKey: .allocationProtectionName)
            try c.encode(formatHex(regionSize), forKey: .regionSize)
            try c.encode(formatHex(state), forKey: .state)
            try c.encode(stateName, forKey: .stateName)
            try c.encode(formatHex(protection), forKey: .protection)
            try c.encode(protectionName, forKey: .protectionName)
            try c.encode(formatHex(type), forKey: .type)
            try c.encode(typeName, forKey: .typeName)
            try c.encodeIfPresent(problem, forKey: .problem)
        }
    }

    @Hex public var sizeOfHeader: UInt32
    public var sizeOfEntry: UInt32
    public var numberOfEntries: UInt64
    public var regions: [Entry]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ExtendedListLayout(data, endian: dump.endian, countIs64Bit: true, fixedHeaderSize: Self.headerSize,
                                            minimumEntrySize: Self.entrySize, what: "memory info")
        sizeOfHeader = layout.declaredHeaderSize
        sizeOfEntry = UInt32(layout.entrySize)
        numberOfEntries = layout.declaredCount
        warnings = layout.warnings
        regions = []
        regions.reserveCapacity(layout.count)
        for index in 0..<layout.count {
            var r = dump.reader(try layout.entry(index, in: data, what: "memory info"), context: "MemoryInfoList stream")
            let base = try r.u64(), allocationBase = try r.u64(), allocationProtection = try r.u32()
            try r.skip(4)
            let size = try r.u64(), state = try r.u32(), protection = try r.u32(), type = try r.u32()
            var entry = Entry(baseAddress: base, allocationBase: allocationBase, allocationProtection: allocationProtection,
                              regionSize: size, state: state, protection: protection, type: type, problem: nil)
            if size == 0 || size > UInt64.max - base {
                entry.problem = "region \(formatHex(base))+\(formatHex(size)) is empty or wraps"
            }
            regions.append(entry)
        }
    }

    /// The region holding `address`, if any.
    public func region(containing address: UInt64) -> Entry? {
        regions.first { address >= $0.baseAddress && address - $0.baseAddress < $0.regionSize }
    }

    public var problems: [String] {
        regions.enumerated().compactMap { i, r in r.problem.map { "memory info \(i): \($0)" } }
    }

    /// Breakpad's `MinidumpMemoryInfoList::Print` (names of the values are in the JSON form).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpMemoryInfoList", [("info_count", "\(regions.count)")])
        for (i, region) in regions.enumerated() {
            out.line("info[\(i)]")
            out.block("MDRawMemoryInfo", [
                ("base_address", P.hex(region.baseAddress)),
                ("allocation_base", P.hex(region.allocationBase)),
                ("allocation_protection", P.hex(region.allocationProtection)),
                ("region_size", P.hex(region.regionSize)),
                ("state", P.hex(region.state)),
                ("protection", P.hex(region.protection)),
                ("type", P.hex(region.type)),
            ])
        }
    }
}

/// Names of the MINIDUMP_MEMORY_INFO values (winnt.h `MEM_*` and `PAGE_*`).
public enum MemoryInfoNames {
    static let access: [UInt32: String] = [
        0x01: "PAGE_NOACCESS", 0x02: "PAGE_READONLY", 0x04: "PAGE_READWRITE", 0x08: "PAGE_WRITECOPY",
        0x10: "PAGE_EXECUTE", 0x20: "PAGE_EXECUTE_READ", 0x40: "PAGE_EXECUTE_READWRITE",
        0x80: "PAGE_EXECUTE_WRITECOPY",
    ]
    static let modifiers: [(UInt32, String)] = [(0x100, "PAGE_GUARD"), (0x200, "PAGE_NOCACHE"), (0x400, "PAGE_WRITECOMBINE")]

    /// "PAGE_READWRITE", "PAGE_EXECUTE_READ | PAGE_GUARD"; unknown bits in hex; "0" for none.
    public static func protection(_ value: UInt32) -> String {
        var parts: [String] = []
        var rest = value
        if let name = access[value & 0xff] {
            parts.append(name)
            rest &= ~0xff
        }
        for (bit, name) in modifiers where value & bit != 0 {
            parts.append(name)
            rest &= ~bit
        }
        if rest != 0 { parts.append(formatHex(rest)) }
        return parts.isEmpty ? "0" : parts.joined(separator: " | ")
    }

    /// "MEM_COMMIT", "MEM_RESERVE", "MEM_FREE", or the value in hex.
    public static func state(_ value: UInt32) -> String {
        switch value {
        case 0x1000: return "MEM_COMMIT"
        case 0x2000: return "MEM_RESERVE"
        case 0x10000: return "MEM_FREE"
        case 0: return "0"
        default: return formatHex(value)
        }
    }

    /// "MEM_PRIVATE", "MEM_MAPPED", "MEM_IMAGE", or the value in hex.
    public static func type(_ value: UInt32) -> String {
        switch value {
        case 0x20000: return "MEM_PRIVATE"
        case 0x40000: return "MEM_MAPPED"
        case 0x1000000: return "MEM_IMAGE"
        case 0: return "0"
        default: return formatHex(value)
        }
    }
}
