/// A block of the crashed process's memory captured in the dump.
public struct MemoryRegion: Sendable {
    public let base: UInt64
    public let bytes: ByteView

    public init(base: UInt64, bytes: ByteView) {
        self.base = base
        self.bytes = bytes
    }

    public var size: UInt64 { UInt64(bytes.count) }
    public var end: UInt64 { base.addingReportingOverflow(size).overflow ? .max : base + size }

    public func contains(_ address: UInt64) -> Bool { address >= base && address < end }

    /// Reads a little- or big-endian integer at `address`, or nil when any byte is outside.
    @inlinable
    public func read<T: FixedWidthInteger>(_: T.Type, at address: UInt64, endian: Endian = .little) -> T? {
        guard address >= base else { return nil }
        let (offset, overflow) = (address - base).addingReportingOverflow(0)
        guard !overflow, offset <= UInt64(Int.max), let o = Int(exactly: offset) else { return nil }
        return try? bytes.load(T.self, at: o, endian: endian)
    }
}

extension MemoryRegion: Codable {
    private enum CodingKeys: String, CodingKey { case base, size }

    /// Encodes base and size only; the bytes never leave the process.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatHex(base), forKey: .base)
        try container.encode(formatHex(size), forKey: .size)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let base = parseHex(UInt64.self, try container.decode(String.self, forKey: .base)) ?? 0
        self.init(base: base, bytes: ByteView([]))
    }
}

/// All captured memory, sorted by address, for lookups by the stack walker.
public struct MemoryMap: Sendable {
    public private(set) var regions: [MemoryRegion]

    public init(_ regions: [MemoryRegion] = []) {
        self.regions = regions.filter { $0.size > 0 }.sorted { $0.base < $1.base }
    }

    /// The region holding `address` (binary search).
    public func region(containing address: UInt64) -> MemoryRegion? {
        var low = 0, high = regions.count
        while low < high {
            let mid = (low + high) / 2
            if regions[mid].base <= address { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let candidate = regions[low - 1]
        return candidate.contains(address) ? candidate : nil
    }

    public func read<T: FixedWidthInteger>(_ type: T.Type, at address: UInt64, endian: Endian = .little) -> T? {
        region(containing: address)?.read(type, at: address, endian: endian)
    }

    public var isEmpty: Bool { regions.isEmpty }
}
