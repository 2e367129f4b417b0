/// A loaded (or unloaded) executable image: where it was in memory and how to find its symbols.
public struct Module: Sendable, Codable, Hashable {
    @Hex public var base: UInt64
    @Hex public var size: UInt64
    /// Path of the executable as the OS saw it ("c:\\test_app.exe", "/usr/lib/libc.so.6").
    public var codeFile: String
    public var codeId: CodeId?
    /// Name of the debug file (PDB path, or the module's file name for ELF/Mach-O).
    public var debugFile: String?
    public var debugId: DebugId?
    /// File version ("5.1.2600.2180"), when the dump records one.
    public var version: String?
    /// Which kind of record the identifiers came from ("pdb70", "pdb20", "elf_build_id").
    public var identifierSource: String?
    /// What the symbol stage found for this module (filled in by later stages).
    public var symbolStatus: SymbolStatus?
    /// What the module's symbol files hold, when they were read.
    public var symbolFeatures: DebugFeatures?

    public init(base: UInt64, size: UInt64, codeFile: String, codeId: CodeId? = nil, debugFile: String? = nil,
                debugId: DebugId? = nil, version: String? = nil, identifierSource: String? = nil) {
        self.base = base
        self.size = size
        self.codeFile = codeFile
        self.codeId = codeId
        self.debugFile = debugFile
        self.debugId = debugId
        self.version = version
        self.identifierSource = identifierSource
    }

    /// One past the last address of the module; saturates instead of overflowing.
    public var end: UInt64 { base.addingReportingOverflow(size).overflow ? .max : base + size }

    public func contains(_ address: UInt64) -> Bool { address >= base && address < end }

    /// The file name without directories (either separator).
    public var name: String { baseName(codeFile) }

    /// The debug file name without directories.
    public var debugName: String? { debugFile.map(baseName) }
}

/// Whether symbols were found for a module.
public enum SymbolStatus: String, Sendable, Codable, Hashable {
    case found, missing, malformed, unused
}

/// The last path component of a Windows or POSIX path.
public func baseName(_ path: String) -> String {
    guard let index = path.lastIndex(where: { $0 == "/" || $0 == "\\" }) else { return path }
    return String(path[path.index(after: index)...])
}
