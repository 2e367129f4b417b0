// The synthetic minidump builder: header, stream directory, stream bodies and the data
// they point to, laid out by `build()`.

/// Minidump stream type numbers (Microsoft `MINIDUMP_STREAM_TYPE` plus the Breakpad
/// `0x4767xxxx` and Crashpad `0x4350xxxx` extensions), written out here on purpose rather
/// than taken from the parser.
public enum SynthStreamType {
    public static let threadList: UInt32 = 3
    public static let moduleList: UInt32 = 4
    public static let memoryList: UInt32 = 5
    public static let exception: UInt32 = 6
    public static let systemInfo: UInt32 = 7
    public static let threadExList: UInt32 = 8
    public static let memory64List: UInt32 = 9
    public static let commentA: UInt32 = 10
    public static let commentW: UInt32 = 11
    public static let handleData: UInt32 = 12
    public static let unloadedModuleList: UInt32 = 14
    public static let miscInfo: UInt32 = 15
    public static let memoryInfoList: UInt32 = 16
    public static let threadInfoList: UInt32 = 17
    public static let threadNames: UInt32 = 24
    public static let breakpadInfo: UInt32 = 0x4767_0001
    public static let assertionInfo: UInt32 = 0x4767_0002
    public static let linuxCPUInfo: UInt32 = 0x4767_0003
    public static let linuxProcStatus: UInt32 = 0x4767_0004
    public static let linuxLSBRelease: UInt32 = 0x4767_0005
    public static let linuxCmdLine: UInt32 = 0x4767_0006
    public static let linuxEnviron: UInt32 = 0x4767_0007
    public static let linuxAuxv: UInt32 = 0x4767_0008
    public static let linuxMaps: UInt32 = 0x4767_0009
    public static let linuxDSODebug: UInt32 = 0x4767_000A
    public static let crashpadInfo: UInt32 = 0x4350_0001
}

/// Fixed values for a `MINIDUMP_LOCATION_DESCRIPTOR` or memory descriptor location,
/// used to point somewhere arbitrary in malformed-input tests.
public struct SynthRawLocation: Sendable, Hashable {
    public var rva: UInt32
    public var size: UInt32
    public init(rva: UInt32, size: UInt32) {
        self.rva = rva
        self.size = size
    }
}

/// One entry of the stream directory (`MINIDUMP_DIRECTORY`) and, usually, the stream body
/// it points to. Returned by every `add…` method of `SyntheticMinidump`; its properties
/// corrupt the entry or the body on purpose.
public final class SynthStream {
    enum Kind {
        /// A body generated at each `build()`.
        case generated((SynthBuildContext, SynthStream) -> ByteSection)
        /// A second directory entry for another stream's body.
        case alias(SynthStream)
        /// A directory entry with no body (only `rvaOverride`/`sizeOverride`, default 0).
        case entryOnly
    }

    /// The stream type written in the directory entry.
    public var type: UInt32
    let kind: Kind
    /// Replaces the directory entry's `rva`.
    public var rvaOverride: UInt32?
    /// Replaces the directory entry's `data_size`.
    public var sizeOverride: UInt32?
    /// For list streams: replaces the entry-count field (written at its natural width).
    public var countOverride: UInt64?
    /// For lists with a `size_of_header` field (unloaded modules, memory info, handle
    /// data): replaces that field.
    public var headerSizeOverride: UInt32?
    /// For lists with a `size_of_entry`/`size_of_descriptor` field: replaces that field.
    public var entrySizeOverride: UInt32?
    /// Extra bytes appended to the end of the generated body (counted in its size).
    public var trailingBytes: [UInt8] = []

    /// The body's file offset; `resolvedValue` is set after `build()`.
    public let rva = SynthLabel("stream.rva")
    /// The body's size; set by `build()`.
    public let size = SynthLabel("stream.size")

    init(type: UInt32, kind: Kind) {
        self.type = type
        self.kind = kind
    }

    /// The body's location as labels (valid once the dump is built).
    public var location: SynthLocation { SynthLocation(rva: rva, size: size) }
}

/// State of one `build()`: the referenced-data region that stream bodies add to.
/// Sections are placed once each, by identity, in the order first placed.
final class SynthBuildContext {
    let endian: SynthEndian
    private(set) var data: [ByteSection] = []
    private(set) var tail: [ByteSection] = []
    private var seen: Set<ObjectIdentifier> = []

    init(endian: SynthEndian) { self.endian = endian }

    func section(_ name: String = "section") -> ByteSection { ByteSection(endian: endian, name: name) }

    @discardableResult
    func place(_ section: ByteSection) -> SynthLocation {
        if seen.insert(ObjectIdentifier(section)).inserted { data.append(section) }
        return section.location
    }

    /// Places a section after all other data (the Memory64 blob goes here).
    @discardableResult
    func placeAtEnd(_ section: ByteSection) -> SynthLocation {
        if seen.insert(ObjectIdentifier(section)).inserted { tail.append(section) }
        return section.location
    }

    /// Places a `MINIDUMP_STRING` and returns its RVA label.
    func string(_ s: String) -> SynthLabel {
        place(section("string").minidumpString(s)).rva
    }

    /// Places a Crashpad `MinidumpUTF8String` and returns its RVA label.
    func utf8String(_ s: String) -> SynthLabel {
        place(section("utf8").minidumpUTF8String(s)).rva
    }
}

/// Builds a complete synthetic minidump file, in either byte order.
///
/// Layout produced by `build()`: the 32-byte `MINIDUMP_HEADER`, the stream directory
/// (12 bytes per entry) right after it, the stream bodies in the order the streams were
/// first added (each aligned to `streamAlignment`), then every piece of data those bodies
/// point to (strings, contexts, memory, CodeView records…, aligned to `dataAlignment`),
/// and last the Memory64 data blob. List streams (threads, modules, memory…) get their
/// directory slot when their first item is added.
///
/// ```swift
/// let dump = SyntheticMinidump(endian: .big)
/// let ctx = dump.amd64Context(["rip": 0x4000_1000, "rsp": 0x7000])
/// dump.addThread(SynthThread(id: 7, stack: SynthMemory(address: 0x7000, bytes: [1, 2, 3, 4]),
///                            context: ctx))
/// dump.addModule(SynthModule(baseOfImage: 0x4000_0000, sizeOfImage: 0x10000, name: "/bin/app",
///                            codeView: .elf(buildID: [0xde, 0xad])))
/// dump.addException(SynthException(threadID: 7, code: 11, address: 0x4000_1000, context: ctx))
/// let bytes = dump.build()
/// ```
public final class SyntheticMinidump {
    /// Byte order of every multi-byte field in the file.
    public let endian: SynthEndian

    /// `MINIDUMP_HEADER.Signature` (`0x504d444d`, "MDMP" on disk when little-endian).
    public var signature: UInt32 = 0x504D_444D
    /// `MINIDUMP_HEADER.Version`: low 16 bits `0xa793`, high 16 bits implementation-specific.
    public var version: UInt32
    /// `MINIDUMP_HEADER.CheckSum`.
    public var checksum: UInt32 = 0
    /// `MINIDUMP_HEADER.TimeDateStamp` (time_t).
    public var timestamp: UInt32
    /// `MINIDUMP_HEADER.Flags` (`MINIDUMP_TYPE`).
    public var flags: UInt64

    /// Alignment of each stream body.
    public var streamAlignment: Int = 4
    /// Alignment of each piece of referenced data.
    public var dataAlignment: Int = 4

    /// Corruption: the header's stream count (default: the number of directory entries).
    public var streamCountOverride: UInt32?
    /// Corruption: the header's directory RVA (default: 32, right after the header).
    public var directoryRVAOverride: UInt32?
    /// Corruption: drop this many bytes from the end of the built file.
    public var truncateTail: Int = 0

    /// Directory entries, in directory order.
    public private(set) var streams: [SynthStream] = []
    var userData: [ByteSection] = []

    // List stream contents (see the Streams*.swift files).
    var threads: [SynthThread] = []
    var modules: [SynthModule] = []
    var unloadedModules: [SynthUnloadedModule] = []
    var memoryRanges: [SynthMemory] = []
    var memory64Ranges: [SynthMemory] = []
    var memoryInfos: [SynthMemoryInfo] = []
    var threadNames: [SynthThreadName] = []
    var handles: [SynthHandleDescriptor] = []
    var listStreams: [UInt32: SynthStream] = [:]

    /// `MINIDUMP_HANDLE_DESCRIPTOR` size in the handle data stream: 32, or 40 for
    /// `MINIDUMP_HANDLE_DESCRIPTOR_2` (adds `ObjectInfoRva` and a reserved u32).
    public var handleDescriptorSize: Int = 32

    /// Creates an empty dump. `version` is the whole header version field
    /// (`0xa793 | high bits`); `timestamp` defaults to an arbitrary fixed value.
    public init(endian: SynthEndian = .little, version: UInt32 = 0xA793,
                timestamp: UInt32 = 0x4B44_E13D, flags: UInt64 = 0) {
        self.endian = endian
        self.version = version
        self.timestamp = timestamp
        self.flags = flags
    }

    // MARK: generic building blocks

    /// A new empty section in this dump's byte order.
    public func section(_ name: String = "section") -> ByteSection {
        ByteSection(endian: endian, name: name)
    }

    /// Registers `section` as referenced data (laid out after the stream bodies) and
    /// returns its location. Registering the same section twice places it once.
    @discardableResult
    public func addData(_ section: ByteSection) -> SynthLocation {
        if !userData.contains(where: { $0 === section }) { userData.append(section) }
        return section.location
    }

    /// Adds a `MINIDUMP_STRING` (UTF-16) to the referenced data; returns its RVA label.
    public func addString(_ string: String) -> SynthLabel {
        addData(section("string").minidumpString(string)).rva
    }

    /// Adds a Crashpad `MinidumpUTF8String` to the referenced data; returns its RVA label.
    public func addUTF8String(_ string: String) -> SynthLabel {
        addData(section("utf8").minidumpUTF8String(string)).rva
    }

    /// Adds a stream whose body is `body` (laid out with the other stream bodies).
    @discardableResult
    public func addStream(type: UInt32, body: ByteSection) -> SynthStream {
        addGeneratedStream(type: type) { _, stream in
            let copy = ByteSection(endian: body.endian, name: "body")
            copy.append(body)
            copy.append(stream.trailingBytes)
            return copy
        }
    }

    /// Adds a stream whose body is exactly `bytes`.
    @discardableResult
    public func addRawStream(type: UInt32, bytes: [UInt8]) -> SynthStream {
        addStream(type: type, body: ByteSection(endian: endian, bytes: bytes, name: "raw"))
    }

    /// Corruption: adds a directory entry with fixed `rva`/`size` and no body.
    @discardableResult
    public func addDirectoryEntry(type: UInt32, rva: UInt32, size: UInt32) -> SynthStream {
        let stream = SynthStream(type: type, kind: .entryOnly)
        stream.rvaOverride = rva
        stream.sizeOverride = size
        streams.append(stream)
        return stream
    }

    /// Corruption: appends a second directory entry pointing at `stream`'s body (same type
    /// unless `type` is given).
    @discardableResult
    public func addDuplicateDirectoryEntry(of stream: SynthStream, type: UInt32? = nil) -> SynthStream {
        let dup = SynthStream(type: type ?? stream.type, kind: .alias(stream))
        streams.append(dup)
        return dup
    }

    /// The first directory entry of the given type, if any.
    public func stream(ofType type: UInt32) -> SynthStream? {
        streams.first { $0.type == type }
    }

    @discardableResult
    func addGeneratedStream(type: UInt32,
                            _ generate: @escaping (SynthBuildContext, SynthStream) -> ByteSection) -> SynthStream {
        let stream = SynthStream(type: type, kind: .generated(generate))
        streams.append(stream)
        return stream
    }

    /// The list stream of `type`, created (and given its directory slot) on first use.
    func listStream(_ type: UInt32,
                    _ generate: @escaping (SyntheticMinidump, SynthBuildContext, SynthStream) -> ByteSection)
        -> SynthStream {
        if let existing = listStreams[type] { return existing }
        let stream = addGeneratedStream(type: type) { [unowned self] ctx, stream in
            let body = generate(self, ctx, stream)
            body.append(stream.trailingBytes)
            return body
        }
        listStreams[type] = stream
        return stream
    }

    // MARK: layout

    /// Lays out and returns the file; stops the test process if a label cannot be
    /// resolved (a bug in the test). See `buildChecked()`.
    public func build() -> [UInt8] {
        do {
            return try buildChecked()
        } catch {
            fatalError("SyntheticMinidump.build failed: \(error)")
        }
    }

    /// Lays out and returns the file, throwing if a label cannot be resolved.
    public func buildChecked() throws(SynthLayoutError) -> [UInt8] {
        let ctx = SynthBuildContext(endian: endian)
        for data in userData { ctx.place(data) }

        var bodies: [(SynthStream, ByteSection)] = []
        for stream in streams {
            if case .generated(let generate) = stream.kind {
                bodies.append((stream, generate(ctx, stream)))
            }
        }

        let root = ByteSection(endian: endian, name: "minidump")
        let directory = SynthLabel("directory")
        root.u32(signature).u32(version)
        root.u32(streamCountOverride ?? UInt32(streams.count))
        if let rva = directoryRVAOverride { root.u32(rva) } else { root.u32(directory) }
        root.u32(checksum).u32(timestamp).u64(flags)

        root.mark(directory)
        for stream in streams {
            var source = stream
            while case .alias(let target) = source.kind { source = target }
            root.u32(stream.type)
            switch (stream.sizeOverride ?? source.sizeOverride, source.kind) {
            case (let s?, _): root.u32(s)
            case (nil, .entryOnly): root.u32(0)
            default: root.u32(source.size)
            }
            switch (stream.rvaOverride ?? source.rvaOverride, source.kind) {
            case (let r?, _): root.u32(r)
            case (nil, .entryOnly): root.u32(0)
            default: root.u32(source.rva)
            }
        }

        for (stream, body) in bodies {
            root.align(streamAlignment)
            root.mark(stream.rva)
            stream.size.set(UInt64(body.size))
            root.append(body)
        }
        for data in ctx.data {
            root.align(dataAlignment)
            root.append(data)
        }
        for data in ctx.tail {
            root.align(max(dataAlignment, 8))
            root.append(data)
        }

        var bytes = try root.resolvedContents()
        bytes.removeLast(min(truncateTail, bytes.count))
        return bytes
    }
}
