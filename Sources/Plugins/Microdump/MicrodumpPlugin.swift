import CrashpipeCore

/// The `microdump` parser stage.
///
/// Consumes the input bytes: a Breakpad microdump, bare or inside an Android logcat (the
/// first one between the BEGIN and END markers). Produces system info (with the GPU), the
/// crashed thread with its context and stack, the modules, and notes for what the reader
/// accepted with reservations (see ``MicrodumpReport``). Throws when the dump is malformed,
/// naming the line.
public struct MicrodumpStage: ParserStage {
    public struct Configuration: StageConfiguration {
        /// Keep the captured stack in the report for later stages (the stack walker needs it).
        public var keepMemory: Bool = true

        enum CodingKeys: String, CodingKey { case keepMemory = "keep_memory" }

        public static let options = [
            OptionSpec("keep_memory", type: "boolean", default: "true",
                       help: "keep the captured stack for later stages (stack walking needs it)"),
        ]

        public init() {}
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            keepMemory = try c.decodeIfPresent(Bool.self, forKey: .keepMemory) ?? true
        }
    }

    public static let id = "microdump"
    public static let kind = StageKind.parser
    public static let summary = "reads a Breakpad microdump (Android logcat text) into the report"

    let configuration: Configuration
    let contexts: ContextFormats

    public init(configuration: Configuration, services: Services) {
        self.configuration = configuration
        self.contexts = services.registry.contextFormats
    }

    public static func canParse(_ input: ByteView) -> Bool { Microdump.recognizes(input) }

    public func run(_ report: inout CrashReport, context: StageContext) async throws {
        let dump = try Microdump(context.input.bytes, contexts: contexts)
        MicrodumpReport.fill(&report, from: dump, stage: Self.id)
        if !configuration.keepMemory {
            report.memory = MemoryMap()
            for i in report.threads.indices { report.threads[i].stack = nil }
        }
    }
}

/// Registers the microdump parser stage.
public enum MicrodumpPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(MicrodumpStage.self)
    }
}
