import Foundation

/// One entry of the `symbols` stage's `sources:` list. Which keys apply depends on `type`.
public struct SymbolSourceOptions: Decodable, Sendable, Hashable {
    /// The registered source type ("store", ...).
    public var type: String
    /// One local directory.
    public var path: String?
    /// Several local directories.
    public var paths: [String]?
    /// A remote location.
    public var url: String?

    public init(type: String, path: String? = nil, paths: [String]? = nil, url: String? = nil) {
        self.type = type
        self.path = path
        self.paths = paths
        self.url = url
    }

    /// Every directory named by `path` and `paths`, with a leading `~` expanded.
    public var directories: [String] {
        ((path.map { [$0] } ?? []) + (paths ?? [])).map(expandTilde)
    }
}

/// Expands a leading `~` to the home directory.
public func expandTilde(_ path: String) -> String {
    guard path == "~" || path.hasPrefix("~/") else { return path }
    let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
    return home + path.dropFirst()
}

/// Creates a symbol supplier from a `sources:` entry.
public struct SymbolSourceFactory: Sendable {
    public var type: String
    public var summary: String
    /// The keys this type reads, for `crashpipe plugins`.
    public var options: [OptionSpec]
    public var make: @Sendable (SymbolSourceOptions, Services) throws -> any SymbolSupplier

    public init(type: String, summary: String, options: [OptionSpec],
                make: @escaping @Sendable (SymbolSourceOptions, Services) throws -> any SymbolSupplier) {
        self.type = type
        self.summary = summary
        self.options = options
        self.make = make
    }
}

/// A `sources:` entry names a type nobody registered, or lacks what its type needs.
public struct SymbolSourceError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// The `symbols` stage: finds the symbol file of every module through the configured sources
/// (the first source that has a file wins) and attaches them to the report for the stack walk
/// and symbolication. Reading the files is deferred until a frame needs them.
///
/// Reads: modules. Fills: `report.symbols`.
public struct SymbolsStage: Stage {
    public struct Configuration: StageConfiguration {
        public var sources: [SymbolSourceOptions] = []
        enum CodingKeys: String, CodingKey { case sources }
        public static let options = [
            OptionSpec("sources", type: "list of {type, path|paths|url}", default: "[]",
                       help: "where symbol files come from, tried in order (see the symbol-source plugins)"),
        ]
        public init(sources: [SymbolSourceOptions] = []) { self.sources = sources }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sources = try c.decodeIfPresent([SymbolSourceOptions].self, forKey: .sources) ?? []
        }
    }

    public static let id = "symbols"
    public static let kind = StageKind.symbols
    public static let summary = "finds each module's symbol file through the configured sources"
    public static let requires: [StageKind] = [.parser]

    let suppliers: [any SymbolSupplier]
    let formats: [any SymbolFormat]
    /// Parsed symbol files kept across the reports this stage instance processes (a server's
    /// pipeline, a batch stackwalk).
    let cache: SymbolCache

    public init(configuration: Configuration, services: Services) throws {
        var suppliers: [any SymbolSupplier] = []
        for source in configuration.sources {
            guard let factory = services.registry.symbolSources[source.type] else {
                let known = services.registry.symbolSources.keys.sorted()
                var message = "unknown symbol source type '\(source.type)'"
                if let guess = closestMatch(to: source.type, in: known) { message += "; did you mean '\(guess)'?" }
                throw SymbolSourceError(description: message + " (known: \(known.joined(separator: ", ")))")
            }
            suppliers.append(try factory.make(source, services))
        }
        self.init(suppliers: suppliers, formats: services.registry.symbolFormats)
    }

    /// A stage with suppliers built elsewhere (the `stackwalk` command's symbol paths).
    public init(suppliers: [any SymbolSupplier], formats: [any SymbolFormat], cache: SymbolCache = SymbolCache()) {
        self.suppliers = suppliers
        self.formats = formats
        self.cache = cache
    }

    public func run(_ report: inout CrashReport, context: StageContext) async throws {
        report.symbols = await SymbolResolver.locate(modules: report.modules, suppliers: suppliers, formats: formats,
                                                     cache: cache)
    }
}
