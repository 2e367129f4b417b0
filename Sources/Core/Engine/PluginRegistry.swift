import Yams

/// What `crashpipe plugins` shows about one registered plugin.
public struct PluginDescriptor: Sendable, Hashable {
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        case stage(StageKind)
        case unwinder
        case demangler
        case symbolFormat
        case symbolSource
        case contextFormat
        case debugFileFormat

        public var description: String {
            switch self {
            case .stage(let kind): return "stage/\(kind.rawValue)"
            case .unwinder: return "unwinder"
            case .demangler: return "demangler"
            case .symbolFormat: return "symbol-format"
            case .symbolSource: return "symbol-source"
            case .contextFormat: return "context-format"
            case .debugFileFormat: return "debug-file-format"
            }
        }
    }

    public var id: String
    public var kind: Kind
    public var summary: String
    public var options: [OptionSpec]
    public var requires: [StageKind]
}

/// A registration that clashes with one already made.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public var id: String
    public var kind: String
    public var description: String { "a \(kind) named '\(id)' is already registered" }
}

/// Builds a configured stage from its `with:` node.
public struct StageFactory: Sendable {
    public let descriptor: PluginDescriptor
    /// Decodes the options (nil node means "no `with:`") and creates the stage.
    let make: @Sendable (Node?, Services) throws -> any Stage
    /// For parsers: whether the stage recognizes these bytes.
    public let sniff: (@Sendable (ByteView) -> Bool)?
}

/// The plugins a pipeline may use, by name. A value passed to whoever needs it; never global,
/// so parallel tests and batch jobs each have their own.
public struct PluginRegistry: Sendable {
    public private(set) var stages: [String: StageFactory] = [:]
    public private(set) var unwinders: [CPU: any CPUUnwinder] = [:]
    /// How each CPU's registers are stored in dumps; registered by architecture plugins.
    public private(set) var contextFormats = ContextFormats()
    public private(set) var demanglers: [String: any Demangler] = [:]
    /// Demangler languages in registration order (the order detection tries them).
    public private(set) var demanglerOrder: [String] = []
    /// Symbol file formats in registration order (the order sniffing tries them).
    public private(set) var symbolFormats: [any SymbolFormat] = []
    /// Factories for the `sources:` entries of the `symbols` stage, by `type`.
    public private(set) var symbolSources: [String: SymbolSourceFactory] = [:]
    /// Debug-file formats, in registration order (the first that recognizes a file reads it).
    public private(set) var debugFileFormats: [any DebugFileFormat] = []

    public init() {}

    /// Registers a stage type under its `id`. A second stage with the same id is an error.
    public mutating func register<S: Stage>(_ type: S.Type) throws {
        guard stages[S.id] == nil else { throw RegistryError(id: S.id, kind: "stage") }
        let descriptor = PluginDescriptor(id: S.id, kind: .stage(S.kind), summary: S.summary,
                                          options: S.Configuration.options, requires: S.requires)
        var sniff: (@Sendable (ByteView) -> Bool)?
        if let parser = type as? any ParserStage.Type {
            sniff = { @Sendable bytes in parser.canParse(bytes) }
        }
        stages[S.id] = StageFactory(descriptor: descriptor, make: { node, services in
            let configuration: S.Configuration = try OptionDecoder.decode(S.Configuration.self, from: node)
            return try S(configuration: configuration, services: services)
        }, sniff: sniff)
    }

    /// Registers the unwinder for its CPU. One unwinder per CPU.
    public mutating func register(unwinder: any CPUUnwinder) throws {
        let cpu = type(of: unwinder).cpu
        guard unwinders[cpu] == nil else { throw RegistryError(id: cpu.rawValue, kind: "unwinder") }
        unwinders[cpu] = unwinder
    }

    /// Registers how a CPU's context is stored in dumps. One format per CPU.
    public mutating func register(contextFormat: any CPUContextFormat) throws {
        guard contextFormats.format(for: contextFormat.cpu) == nil else {
            throw RegistryError(id: contextFormat.cpu.rawValue, kind: "context format")
        }
        contextFormats.append(contextFormat)
    }

    /// Registers a demangler under its language name.
    public mutating func register(demangler: any Demangler) throws {
        guard demanglers[demangler.language] == nil else {
            throw RegistryError(id: demangler.language, kind: "demangler")
        }
        demanglers[demangler.language] = demangler
        demanglerOrder.append(demangler.language)
    }

    /// Registers a symbol file format. One format per name.
    public mutating func register(symbolFormat: any SymbolFormat) throws {
        guard !symbolFormats.contains(where: { $0.name == symbolFormat.name }) else {
            throw RegistryError(id: symbolFormat.name, kind: "symbol format")
        }
        symbolFormats.append(symbolFormat)
    }

    /// Registers a debug-file format (for inspection, the symbol store and uploads).
    public mutating func register(debugFileFormat: any DebugFileFormat) throws {
        guard !debugFileFormats.contains(where: { $0.name == debugFileFormat.name }) else {
            throw RegistryError(id: debugFileFormat.name, kind: "debug-file format")
        }
        debugFileFormats.append(debugFileFormat)
    }

    /// Registers a kind of symbol source (`type:` in the `symbols` stage's `sources:`).
    public mutating func register(symbolSource: SymbolSourceFactory) throws {
        guard symbolSources[symbolSource.type] == nil else {
            throw RegistryError(id: symbolSource.type, kind: "symbol source")
        }
        symbolSources[symbolSource.type] = symbolSource
    }

    /// Every registered plugin, stages first (by kind, then id), then unwinders and demanglers.
    public var descriptors: [PluginDescriptor] {
        let stageList = stages.values.map(\.descriptor).sorted {
            if case .stage(let a) = $0.kind, case .stage(let b) = $1.kind, a != b { return a < b }
            return $0.id < $1.id
        }
        let unwinderList = unwinders.values.map { u in
            PluginDescriptor(id: type(of: u).cpu.rawValue, kind: .unwinder,
                             summary: "stack unwinder for \(type(of: u).cpu.rawValue)", options: [], requires: [])
        }.sorted { $0.id < $1.id }
        let demanglerList = demanglerOrder.map { language in
            PluginDescriptor(id: language, kind: .demangler, summary: "demangles \(language) symbols",
                             options: [], requires: [])
        }
        let formatList = symbolFormats.map { format in
            PluginDescriptor(id: format.name, kind: .symbolFormat, summary: "reads \(format.name) symbol files",
                             options: [], requires: [])
        }
        let sourceList = symbolSources.values.sorted { $0.type < $1.type }.map { source in
            PluginDescriptor(id: source.type, kind: .symbolSource, summary: source.summary, options: source.options,
                             requires: [])
        }
        let contextList = contextFormats.formats.map { format in
            PluginDescriptor(id: format.cpu.rawValue, kind: .contextFormat,
                             summary: "decodes \(format.cpu.rawValue) register contexts in dumps", options: [], requires: [])
        }
        let debugFileList = debugFileFormats.map { format in
            PluginDescriptor(id: format.name, kind: .debugFileFormat,
                             summary: "recognizes and inspects \(format.name) debug files", options: [], requires: [])
        }
        return stageList + unwinderList + contextList + demanglerList + formatList + sourceList + debugFileList
    }

    /// The parser stage that recognizes `bytes`, if any.
    public func parser(for bytes: ByteView) -> String? {
        stages.values.sorted { $0.descriptor.id < $1.descriptor.id }
            .first { $0.sniff?(bytes) == true }?.descriptor.id
    }
}
