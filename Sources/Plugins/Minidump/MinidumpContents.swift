import CrashpipeCore

/// Every stream of a minidump that crashpipe knows, read once, with the error for each stream
/// that could not be read. One bad stream never hides the others.
public struct MinidumpContents: Sendable {
    /// The stream types crashpipe reads, in the order minidump_dump prints them. A new stream
    /// type is one entry here plus its file under `Streams/`.
    public static let streamTypes: [any MinidumpStream.Type] = [
        ThreadList.self, ModuleList.self, MemoryList.self, ExceptionStream.self,
        SystemInfoStream.self, MiscInfo.self, BreakpadInfo.self, Memory64List.self,
    ] + additionalStreamTypes

    public let file: MinidumpFile
    /// Streams that were read, by type.
    public private(set) var streams: [StreamType: any MinidumpStream] = [:]
    /// Streams that could not be read, with why.
    public private(set) var errors: [StreamType: ParseError] = [:]

    public init(_ file: MinidumpFile) {
        self.file = file
        for type in Self.streamTypes {
            do {
                if let stream = try file.read(type) { streams[type.streamType] = stream }
            } catch {
                errors[type.streamType] = error
            }
        }
    }

    /// Parses `bytes` as a minidump and reads all its streams, decoding thread contexts with
    /// `contexts` (the registry's `contextFormats`).
    public init(bytes: ByteView, contexts: ContextFormats = ContextFormats()) throws(ParseError) {
        self.init(try MinidumpFile(bytes, contexts: contexts))
    }

    public func stream<S: MinidumpStream>(_ type: S.Type) -> S? { streams[S.streamType] as? S }

    /// Directory entries whose type crashpipe does not read (listed, never dropped).
    public var unknownEntries: [MinidumpFile.DirectoryEntry] {
        let known = Set(Self.streamTypes.map { $0.streamType })
        return file.directory.filter { $0.type != .unused && !known.contains($0.type) }
    }

    public var os: OS? { stream(SystemInfoStream.self)?.os }
}
