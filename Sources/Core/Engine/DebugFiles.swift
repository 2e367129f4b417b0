/// What a debug information file (DIF) holds, as far as finding it and using it go: one entry
/// per object (a fat Mach-O has one per architecture). Debug-file format plugins produce these
/// for `crashpipe symbols inspect`, the symbol store's index and the upload APIs.
public struct DebugObject: Sendable, Hashable, Codable {
    /// The container format: "breakpad", "elf", "macho", "pe", "pdb".
    public var format: String
    /// What the object is for: "executable", "library", "debug" (split debug info, dSYM),
    /// "relocatable", "dump", "other". nil where the format does not say (Breakpad, PDB).
    public var kind: String?
    /// The CPU in symbolic's naming: "x86", "x86_64", "arm", "arm64", "arm64e", "ppc", "riscv64", ...
    public var arch: String
    /// The identifier a minidump module's debug id is matched against.
    public var debugId: DebugId?
    /// The identifier of the executable (ELF build id, Mach-O UUID, PE timestamp+size).
    public var codeId: CodeId?
    /// The name the object gives for its debug file (Breakpad's MODULE name, a PE's PDB path).
    public var debugFile: String?
    /// The preferred load address (image base, lowest segment address).
    public var loadAddress: UInt64
    public var features: DebugFeatures
    /// Where the object's own bytes lie in the file, when it is one of several (a fat Mach-O
    /// slice); nil when the object is the whole file. A store can keep the slice on its own.
    public var byteRange: Range<Int>?

    public init(format: String, kind: String? = nil, arch: String, debugId: DebugId?, codeId: CodeId? = nil,
                debugFile: String? = nil, loadAddress: UInt64 = 0, features: DebugFeatures = [], byteRange: Range<Int>? = nil) {
        self.format = format
        self.kind = kind
        self.arch = arch
        self.debugId = debugId
        self.codeId = codeId
        self.debugFile = debugFile
        self.loadAddress = loadAddress
        self.features = features
        self.byteRange = byteRange
    }
}

/// What a debug file can be used for (as `sentry-cli debug-files check` reports it).
public struct DebugFeatures: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Function names (a symbol table, PUBLIC/FUNC records).
    public static let symtab = DebugFeatures(rawValue: 1)
    /// Source files and lines (DWARF, PDB, Breakpad LINE records).
    public static let debug = DebugFeatures(rawValue: 2)
    /// Call frame information for stack walking (.eh_frame, .debug_frame, compact unwind,
    /// PE .pdata, STACK records).
    public static let unwind = DebugFeatures(rawValue: 4)
    /// Embedded source code.
    public static let sources = DebugFeatures(rawValue: 8)

    /// The names sentry-cli prints and the API answers: `symtab`, `debug`, `unwind`, `sources`.
    public var names: [String] {
        [(Self.symtab, "symtab"), (.debug, "debug"), (.unwind, "unwind"), (.sources, "sources")]
            .filter { contains($0.0) }.map(\.1)
    }
}

/// A debug-file format plugin: recognizes its files by their first bytes and lists the
/// objects in them. Registered with `PluginRegistry.register(debugFileFormat:)`.
public protocol DebugFileFormat: Sendable {
    /// The format's name, as in ``DebugObject/format``.
    var name: String { get }
    /// Whether `bytes` look like this format (cheap: magic bytes only).
    func recognizes(_ bytes: ByteView) -> Bool
    /// The objects in the file. A file that is not usable as a whole throws a ``ParseError``
    /// that says what and where (offset); an object with an unreadable part is still listed
    /// with what could be read.
    func objects(in bytes: ByteView) throws -> [DebugObject]
    /// The operating-system word of a Breakpad `MODULE` line for this format's objects
    /// (`Linux`, `Mac`, `windows`); nil when `symbols convert` cannot write one.
    var breakpadOperatingSystem: String? { get }
}

extension DebugFileFormat {
    public var breakpadOperatingSystem: String? { nil }
}

/// The result of inspecting one file with the registered formats.
public struct InspectedDebugFile: Sendable {
    public var format: String
    public var objects: [DebugObject]
}

extension PluginRegistry {
    /// The registered format that recognizes `bytes`, if any.
    public func debugFileFormat(for bytes: ByteView) -> (any DebugFileFormat)? {
        debugFileFormats.first { $0.recognizes(bytes) }
    }

    /// Sniffs and reads a debug file; nil when no registered format recognizes it.
    public func inspectDebugFile(_ bytes: ByteView) throws -> InspectedDebugFile? {
        guard let format = debugFileFormat(for: bytes) else { return nil }
        return InspectedDebugFile(format: format.name, objects: try format.objects(in: bytes))
    }
}
