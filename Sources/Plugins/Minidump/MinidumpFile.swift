import CrashpipeCore

/// A minidump's header and stream directory, over bytes that stay mapped; streams are read on
/// demand with ``read(_:)``.
///
/// Accepts little-endian (`MDMP`) and big-endian (`PMDM`) dumps. Only the header must be intact:
/// a directory that claims more entries than the file holds is cut to what fits (with a note),
/// and each stream is checked when it is read, so one bad stream does not hide the others.
public struct MinidumpFile: Sendable {
    public struct Header: Sendable, Encodable {
        @Hex public var signature: UInt32
        @Hex public var version: UInt32
        public var streamCount: UInt32
        @Hex public var streamDirectoryRva: UInt32
        @Hex public var checksum: UInt32
        public var timeDateStamp: UInt32
        @Hex public var flags: UInt64
    }

    /// One entry of the stream directory.
    public struct DirectoryEntry: Sendable, Encodable {
        /// Position in the directory.
        public var index: Int
        public var type: StreamType
        public var dataSize: UInt32
        public var rva: UInt32

        enum CodingKeys: String, CodingKey { case index, type, name, dataSize, rva }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(formatHex(type.rawValue), forKey: .type)
            try c.encode(type.name, forKey: .name)
            try c.encode(dataSize, forKey: .dataSize)
            try c.encode(formatHex(rva), forKey: .rva)
        }
    }

    /// The signature as a little-endian u32 ("MDMP").
    public static let signature: UInt32 = 0x504d_444d
    /// The low 16 bits of the header's version field.
    public static let version: UInt32 = 0xa793
    /// Size of the header and of one directory entry.
    static let headerSize = 32
    static let entrySize = 12

    public let bytes: ByteView
    public let endian: Endian
    public let header: Header
    public let directory: [DirectoryEntry]
    /// Problems found in the header and directory that did not stop parsing.
    public let notes: [String]
    /// The CPU named by the SystemInfo stream, used to pick context layouts; nil without one.
    public let cpu: CPU?
    /// The OS named by the SystemInfo stream (platform conventions of contexts); nil without one.
    public let os: OS?
    /// How thread contexts are decoded: the formats the architecture plugins registered.
    /// Without any, contexts are reported as unsupported (the rest of the dump still parses).
    public let contexts: ContextFormats

    /// Whether `bytes` start with a minidump signature in either byte order.
    public static func recognizes(_ bytes: ByteView) -> Bool {
        guard let raw = try? bytes.u32(at: 0) else { return false }
        return raw == signature || raw.byteSwapped == signature
    }

    public init(_ bytes: ByteView, contexts: ContextFormats = ContextFormats()) throws(ParseError) {
        self.bytes = bytes
        self.contexts = contexts
        guard bytes.count >= 4 else {
            throw ParseError(.truncated, offset: 0, context: "header",
                             "a minidump starts with a 32-byte header, the input has \(bytes.count) bytes")
        }
        let raw = try bytes.u32(at: 0)
        if raw == Self.signature {
            endian = .little
        } else if raw.byteSwapped == Self.signature {
            endian = .big
        } else {
            throw ParseError(.badMagic, offset: 0, context: "header",
                             "signature is 0x\(String(raw, radix: 16)), expected 'MDMP' (0x504d444d) or 'PMDM'")
        }
        var reader = ByteReader(bytes, endian: endian, context: "header")
        var notes: [String] = []
        header = Header(signature: try reader.u32(), version: try reader.u32(), streamCount: try reader.u32(),
                        streamDirectoryRva: try reader.u32(), checksum: try reader.u32(),
                        timeDateStamp: try reader.u32(), flags: try reader.u64())
        if header.version & 0xffff != Self.version {
            notes.append("header version is 0x\(String(header.version, radix: 16)), expected low 16 bits 0xa793")
        }

        // The directory: cut an impossible count to what the file holds.
        let directoryOffset = Int(header.streamDirectoryRva)
        var count = Int(header.streamCount)
        let available = max(0, bytes.count - directoryOffset) / Self.entrySize
        if directoryOffset > bytes.count {
            notes.append("stream directory at 0x\(String(directoryOffset, radix: 16)) is past the end of the file (\(bytes.count) bytes)")
            count = 0
        } else if count > available {
            notes.append("header claims \(count) streams but only \(available) directory entries fit in the file")
            count = available
        }
        var entries: [DirectoryEntry] = []
        entries.reserveCapacity(count)
        var entryReader = ByteReader(bytes, endian: endian, offset: directoryOffset, context: "stream directory")
        for index in 0..<count {
            let type = StreamType(rawValue: try entryReader.u32())
            let size = try entryReader.u32()
            let rva = try entryReader.u32()
            entries.append(DirectoryEntry(index: index, type: type, dataSize: size, rva: rva))
        }
        directory = entries

        // Repeated and overlapping streams are legal to read but worth knowing about.
        var seen = Set<StreamType>()
        for entry in entries where entry.type != .unused {
            if !seen.insert(entry.type).inserted {
                notes.append("stream \(entry.type.name) appears more than once (entry \(entry.index)); the first one is used")
            }
        }
        let ranges = entries.filter { $0.dataSize > 0 }.sorted { $0.rva < $1.rva }
        for (a, b) in zip(ranges, ranges.dropFirst()) where UInt64(a.rva) + UInt64(a.dataSize) > UInt64(b.rva) {
            notes.append("streams \(a.type.name) (entry \(a.index)) and \(b.type.name) (entry \(b.index)) overlap")
        }
        self.notes = notes
        if let info = entries.first(where: { $0.type == .systemInfo }), info.dataSize >= 2,
           let arch = try? bytes.u16(at: Int(info.rva), endian) {
            cpu = SystemInfoStream.cpu(forArchitecture: arch)
        } else {
            cpu = nil
        }
        if let info = entries.first(where: { $0.type == .systemInfo }), info.dataSize >= 24,
           let platform = try? bytes.u32(at: Int(info.rva) + 20, endian) {
            os = SystemInfoStream.os(forPlatform: platform)
        } else {
            os = nil
        }
    }

    /// The first directory entry of `type` (Breakpad and rust-minidump also use the first).
    public func entry(_ type: StreamType) -> DirectoryEntry? {
        directory.first { $0.type == type }
    }

    /// The bytes of a stream, checked against the file.
    public func data(of entry: DirectoryEntry) throws(ParseError) -> ByteView {
        try bytes.slice(offset: Int(entry.rva), size: Int(entry.dataSize), what: "\(entry.type.name) stream")
    }

    /// Reads the stream of `S.streamType`, or nil when the dump has none.
    public func read<S: MinidumpStream>(_ type: S.Type) throws(ParseError) -> S? {
        guard let entry = entry(S.streamType) else { return nil }
        do {
            return try S(data: data(of: entry), in: self)
        } catch {
            throw error.within("\(entry.type.name) stream")
        }
    }

    /// A reader over `view` in this dump's byte order.
    public func reader(_ view: ByteView, context: String) -> ByteReader {
        ByteReader(view, endian: endian, context: context)
    }

    /// The bytes a location descriptor (size, rva) points at.
    public func location(size: UInt32, rva: UInt32, what: String) throws(ParseError) -> ByteView {
        try bytes.slice(offset: Int(rva), size: Int(size), what: what)
    }

    /// A MINIDUMP_STRING at `rva`: a 32-bit byte length, then UTF-16 code units in the dump's
    /// byte order. Unpaired surrogates become U+FFFD.
    public func string(at rva: UInt32, what: String = "string") throws(ParseError) -> String {
        let length = try bytes.u32(at: Int(rva), endian)
        do {
            return try bytes.utf16String(at: Int(rva) + 4, units: Int(length) / 2, endian: endian)
        } catch {
            throw error.within(what)
        }
    }

    /// A Crashpad/Breakpad UTF-8 string at `rva`: a 32-bit byte length, then the bytes and a NUL.
    public func utf8String(at rva: UInt32, what: String = "string") throws(ParseError) -> String {
        let length = try bytes.u32(at: Int(rva), endian)
        let data = try bytes.slice(offset: Int(rva) + 4, size: Int(length), what: what)
        return String(decoding: data.array, as: UTF8.self)
    }
}

/// A stream that can be read from a minidump. One type per stream; new vendor streams plug in
/// by adopting this protocol.
public protocol MinidumpStream: Sendable, Encodable {
    static var streamType: StreamType { get }
    /// Parses the stream's bytes; `dump` gives access to data the stream points at (strings,
    /// memory, contexts) and to the byte order.
    init(data: ByteView, in dump: MinidumpFile) throws(ParseError)
    /// Writes the stream the way Breakpad's minidump_dump does.
    func dump(to out: inout DumpPrinter)
}
