/// A crash as crashpipe understands it: the result every pipeline stage reads and fills in.
///
/// A parser stage (minidump, microdump) fills the raw facts; later stages add frames, symbols,
/// demangled names and grouping. Stages never throw away what an earlier stage wrote; when one
/// fails it adds a ``Note``.
public struct CrashReport: Sendable, Codable {
    /// Where the input came from (a file name or upload id), for messages.
    public var source: String?
    /// The input format ("minidump", "microdump").
    public var format: String?
    /// When the dump was written, seconds since the Unix epoch.
    public var timestamp: UInt32?
    public var system: SystemInfo?
    /// The crash, or nil for a dump that was requested without one.
    public var crash: CrashReason?
    /// Index into `threads` of the thread that crashed (or asked for the dump).
    public var requestingThread: Int?
    /// The id of the crash reporter's own thread that wrote the dump, when known; stack walks
    /// skip it.
    public var dumpThreadId: UInt32?
    public var threads: [Thread]
    public var modules: [Module]
    public var unloadedModules: [Module]
    public var process: ProcessDetails?
    public var assertion: AssertionInfo?
    public var annotations: Annotations?
    public var linux: LinuxDetails?
    /// The structure of the input (streams of a minidump), for inspection.
    public var streams: [StreamEntry]
    /// Captured memory (not encoded: only region bounds are).
    public var memory: MemoryMap
    public var notes: [Note]
    /// The upload's form fields and client event data, when the report came from an upload.
    public var submission: Submission?
    /// The grouping signature (set by a `signature` stage).
    public var signature: CrashSignature?
    /// The symbol files found for the modules (set by a `symbols` stage; not encoded).
    public var symbols: SymbolResolver?

    public init(source: String? = nil) {
        self.source = source
        self.threads = []
        self.modules = []
        self.unloadedModules = []
        self.streams = []
        self.memory = MemoryMap()
        self.notes = []
    }

    /// The module containing `address` (a linear scan; stack walkers build a sorted index).
    public func moduleIndex(containing address: UInt64) -> Int? {
        modules.indices.first { modules[$0].contains(address) }
    }

    /// The thread that crashed, if any.
    public var crashingThread: Thread? {
        requestingThread.flatMap { threads.indices.contains($0) ? threads[$0] : nil }
    }

    /// Adds a note from `stage`.
    public mutating func note(_ stage: String, _ severity: Note.Severity = .warning, kind: String, _ message: String) {
        notes.append(Note(stage: stage, severity: severity, kind: kind, message: message))
    }

    private enum CodingKeys: String, CodingKey {
        case source, format, timestamp, system, crash, requestingThread, dumpThreadId, threads, modules, unloadedModules
        case process, assertion, annotations, linux, streams, memory, notes, submission, signature
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(timestamp, forKey: .timestamp)
        try c.encodeIfPresent(system, forKey: .system)
        try c.encodeIfPresent(crash, forKey: .crash)
        try c.encodeIfPresent(requestingThread, forKey: .requestingThread)
        try c.encodeIfPresent(dumpThreadId, forKey: .dumpThreadId)
        try c.encode(threads, forKey: .threads)
        try c.encode(modules, forKey: .modules)
        try c.encode(unloadedModules, forKey: .unloadedModules)
        try c.encodeIfPresent(process, forKey: .process)
        try c.encodeIfPresent(assertion, forKey: .assertion)
        try c.encodeIfPresent(annotations, forKey: .annotations)
        try c.encodeIfPresent(linux, forKey: .linux)
        try c.encode(streams, forKey: .streams)
        try c.encode(memory.regions, forKey: .memory)
        try c.encode(notes, forKey: .notes)
        try c.encodeIfPresent(submission, forKey: .submission)
        try c.encodeIfPresent(signature, forKey: .signature)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        format = try c.decodeIfPresent(String.self, forKey: .format)
        timestamp = try c.decodeIfPresent(UInt32.self, forKey: .timestamp)
        system = try c.decodeIfPresent(SystemInfo.self, forKey: .system)
        crash = try c.decodeIfPresent(CrashReason.self, forKey: .crash)
        requestingThread = try c.decodeIfPresent(Int.self, forKey: .requestingThread)
        dumpThreadId = try c.decodeIfPresent(UInt32.self, forKey: .dumpThreadId)
        threads = []
        modules = try c.decodeIfPresent([Module].self, forKey: .modules) ?? []
        unloadedModules = try c.decodeIfPresent([Module].self, forKey: .unloadedModules) ?? []
        process = try c.decodeIfPresent(ProcessDetails.self, forKey: .process)
        assertion = try c.decodeIfPresent(AssertionInfo.self, forKey: .assertion)
        annotations = try c.decodeIfPresent(Annotations.self, forKey: .annotations)
        linux = try c.decodeIfPresent(LinuxDetails.self, forKey: .linux)
        streams = try c.decodeIfPresent([StreamEntry].self, forKey: .streams) ?? []
        memory = MemoryMap()
        notes = try c.decodeIfPresent([Note].self, forKey: .notes) ?? []
        submission = try c.decodeIfPresent(Submission.self, forKey: .submission)
        signature = try c.decodeIfPresent(CrashSignature.self, forKey: .signature)
    }
}

/// One entry of an input's table of contents (a minidump stream).
public struct StreamEntry: Sendable, Codable, Hashable {
    @Hex public var type: UInt32
    /// The stream's name ("ThreadList"), or its type in hex when unknown.
    public var name: String
    @Hex public var offset: UInt64
    public var size: UInt64
    /// Whether the parser understood it (false for unknown or unreadable streams).
    public var parsed: Bool

    public init(type: UInt32, name: String, offset: UInt64, size: UInt64, parsed: Bool) {
        self.type = type
        self.name = name
        self.offset = offset
        self.size = size
        self.parsed = parsed
    }
}
