import CrashpipeCore

/// The `minidump` parser stage.
///
/// Consumes the input bytes (an `MDMP` or `PMDM` minidump). Produces the report's system info,
/// crash, threads, modules, memory and the rest (see ``MinidumpReport``). Notes every stream
/// it could not read; throws only when the header itself is unreadable.
public struct MinidumpStage: ParserStage {
    public struct Configuration: StageConfiguration {
        /// Keep captured memory in the report for later stages (the stack walker needs it).
        public var keepMemory: Bool = true

        enum CodingKeys: String, CodingKey { case keepMemory = "keep_memory" }

        public static let options = [
            OptionSpec("keep_memory", type: "boolean", default: "true",
                       help: "keep captured memory for later stages (stack walking needs it)"),
        ]

        public init() {}
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            keepMemory = try c.decodeIfPresent(Bool.self, forKey: .keepMemory) ?? true
        }
    }

    public static let id = "minidump"
    public static let kind = StageKind.parser
    public static let summary = "reads a minidump (every stream, both byte orders) into the report"

    let configuration: Configuration
    let contexts: ContextFormats

    public init(configuration: Configuration, services: Services) {
        self.configuration = configuration
        self.contexts = services.registry.contextFormats
    }

    public static func canParse(_ input: ByteView) -> Bool { MinidumpFile.recognizes(input) }

    public func run(_ report: inout CrashReport, context: StageContext) async throws {
        let contents = try MinidumpContents(bytes: context.input.bytes, contexts: contexts)
        MinidumpReport.fill(&report, from: contents, stage: Self.id)
        if !configuration.keepMemory {
            report.memory = MemoryMap()
            for i in report.threads.indices { report.threads[i].stack = nil }
        }
    }
}

/// Registers the minidump plugin's stages.
public enum MinidumpPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(MinidumpStage.self)
    }
}
