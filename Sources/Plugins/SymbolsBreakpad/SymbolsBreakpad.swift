import CrashpipeCore

/// The Breakpad symbols plugin: the `.sym` text format and the local symbol store.
///
/// Registers:
/// - the symbol format `breakpad` (``BreakpadSymbolFormat``), which reads `.sym` files into
///   ``BreakpadSymbols``;
/// - the symbol source type `store` (``BreakpadSymbolStore``) for the `symbols` stage:
///   `sources: [ { type: store, path: ~/.crashpipe/symbols } ]` (or `paths: [...]`).
/// - the debug-file format `breakpad` (``BreakpadDebugFileFormat``), which lists the module a
///   `.sym` file describes (ids, arch, features) without loading its records.
///
/// Writing the next symbol format plugin follows the same shape: a `SymbolFormat` whose
/// `recognizes` looks at the first bytes only, a parser that builds sorted record arrays in one
/// pass (problems are collected, never thrown, unless the file is unusable as a whole), and a
/// `ModuleSymbols` type that answers lookups by binary search. Sources are separate
/// `SymbolSupplier`s: they find bytes and never parse them.
public enum SymbolsBreakpadPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(symbolFormat: BreakpadSymbolFormat())
        try registry.register(symbolSource: storeSource)
        try registry.register(debugFileFormat: BreakpadDebugFileFormat())
    }

    /// The `store` source: Breakpad's `<debug file>/<DEBUG ID>/<name>.sym` layout in local directories.
    public static let storeSource = SymbolSourceFactory(
        type: "store",
        summary: "local directories in Breakpad's <debug file>/<DEBUG ID>/<name>.sym layout",
        options: [
            OptionSpec("path", type: "string", default: nil, help: "a symbol directory (or use paths)"),
            OptionSpec("paths", type: "list of strings", default: nil,
                       help: "symbol directories, searched in order after path"),
        ],
        make: { options, _ in
            let roots = options.directories
            guard !roots.isEmpty else {
                throw BreakpadStoreError(description: "symbol source 'store' needs 'path' or 'paths'")
            }
            return BreakpadSymbolStore(roots: roots)
        })
}

/// The Breakpad `.sym` text format.
///
/// Consumes: the bytes of a file starting with `MODULE ` (recognition looks at nothing else).
/// Produces: ``BreakpadSymbols``. Loading never throws: lines that do not parse are listed in
/// the result's `problems` and skipped, as Breakpad marks such files corrupt but still uses them.
public struct BreakpadSymbolFormat: SymbolFormat {
    public init() {}

    public var name: String { "breakpad" }

    public func recognizes(_ bytes: ByteView) -> Bool {
        let prefix: [UInt8] = Array("MODULE ".utf8)
        guard bytes.count >= prefix.count else { return false }
        return bytes.withUnsafeBytes { raw in raw.prefix(prefix.count).elementsEqual(prefix) }
    }

    public func load(_ bytes: ByteView, location: String) throws -> any ModuleSymbols {
        BreakpadSymbols(parsing: bytes)
    }
}

/// A `store` source entry that cannot be used as written.
public struct BreakpadStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
