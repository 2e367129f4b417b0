/// Plugins that are not pipeline stages themselves but are used by stages: per-CPU unwinders,
/// demanglers and symbol sources. Each is registered by name in the ``PluginRegistry``.

/// Turns a mangled symbol of one language into a readable name.
public protocol Demangler: Sendable {
    /// The language name pipelines use ("itanium", "rust", "swift", "msvc", "objc").
    var language: String { get }
    /// Whether `symbol` looks like this language's mangling (cheap: prefix checks).
    func recognizes(_ symbol: String) -> Bool
    /// The readable name, or nil when `symbol` is not valid in this mangling.
    func demangle(_ symbol: String, options: DemangleOptions) -> String?
}

/// How much of a demangled name to show.
public struct DemangleOptions: Sendable, Hashable {
    /// Keep parameter lists.
    public var parameters: Bool
    /// Keep return types and other decorations; false gives the "simplified" form.
    public var full: Bool

    public init(parameters: Bool = true, full: Bool = false) {
        self.parameters = parameters
        self.full = full
    }

    public static let complete = DemangleOptions(parameters: true, full: true)
    public static let nameOnly = DemangleOptions(parameters: false, full: false)
}

/// Where symbol files come from: a local store, a symbol server, a debug-file index. A supplier
/// only finds bytes; parsing them is the job of a symbol-format plugin.
public protocol SymbolSupplier: Sendable {
    /// The symbol file for `module`, or nil when this source has none. Throws only for
    /// failures worth reporting (an unreadable file), not for absence.
    func locate(_ module: Module) async throws -> SymbolFileData?
}

/// The bytes of one symbol file and where they came from.
public struct SymbolFileData: Sendable {
    /// A path or URL, for messages and output.
    public var location: String
    public var bytes: ByteView
    /// Other files of the same module, consulted for what this one lacks (a stripped binary's
    /// unwind information next to its split debug file).
    public var companions: [SymbolFileData]

    public init(location: String, bytes: ByteView, companions: [SymbolFileData] = []) {
        self.location = location
        self.bytes = bytes
        self.companions = companions
    }
}
