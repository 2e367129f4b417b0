import Logging

/// The kinds of pipeline stage, in the order a pipeline normally runs them.
public enum StageKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// Turns input bytes into a report (minidump, microdump).
    case parser
    /// Locates symbol files for modules.
    case symbols
    /// Walks thread stacks with the per-CPU unwinders.
    case stackwalk
    /// Rewrites mangled names.
    case demangle
    /// Any other rule that reads and fills in a report (Socorro's "rule").
    case rule
    /// Removes secrets and personal data.
    case scrub
    /// Computes grouping signatures.
    case signature
    /// Writes a finished report somewhere.
    case sink

    private var order: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: StageKind, rhs: StageKind) -> Bool { lhs.order < rhs.order }
}

/// One documented option of a stage, as `crashpipe plugins` lists it and pipeline validation
/// checks it.
public struct OptionSpec: Sendable, Hashable {
    /// The key as written in YAML under `with:` ("max_frames").
    public var name: String
    /// The expected type in words ("integer", "boolean", "string", "list of strings").
    public var type: String
    /// The default, as YAML text, or nil when the option is required.
    public var defaultValue: String?
    public var help: String

    public init(_ name: String, type: String, default defaultValue: String?, help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// A stage's options: decoded from the `with:` mapping of a pipeline file.
///
/// `options` must list every key the type decodes; keys not listed are rejected when the
/// pipeline loads, so a typo never silently falls back to a default.
public protocol StageConfiguration: Decodable, Sendable {
    static var options: [OptionSpec] { get }
}

/// The configuration of a stage that takes no options.
public struct NoOptions: StageConfiguration {
    public static let options: [OptionSpec] = []
    public init() {}
}

/// What the host gives every stage when it is created: logging, the registry (so a stage
/// can find unwinders or demanglers) and the data directory, if any.
public struct Services: Sendable {
    public var logger: Logger
    public var registry: PluginRegistry
    /// Where a server or batch job keeps its state (symbol store, database); nil in the CLI.
    public var dataDirectory: String?

    public init(registry: PluginRegistry, logger: Logger = Logger(label: "crashpipe"), dataDirectory: String? = nil) {
        self.registry = registry
        self.logger = logger
        self.dataDirectory = dataDirectory
    }
}

/// The input of one pipeline run: the raw report bytes and what came with them.
public struct PipelineInput: Sendable {
    /// A name for messages (file name or upload id).
    public var name: String
    public var bytes: ByteView
    /// Extra fields that arrived with the upload (form fields, for instance).
    public var metadata: [String: String]
    /// The upload this input came with, copied into the report before the first stage runs.
    public var submission: Submission?

    public init(name: String, bytes: ByteView, metadata: [String: String] = [:], submission: Submission? = nil) {
        self.name = name
        self.bytes = bytes
        self.metadata = metadata
        self.submission = submission
    }
}

/// What a running stage can see besides the report.
public struct StageContext: Sendable {
    public var input: PipelineInput
    public var logger: Logger
    /// The stage's id as written in the pipeline.
    public var stage: String

    public init(input: PipelineInput, logger: Logger, stage: String) {
        self.input = input
        self.logger = logger
        self.stage = stage
    }
}

/// One step of a pipeline.
///
/// A stage is created once per pipeline load from its decoded configuration and run once per
/// report. It reads what earlier stages filled in and adds to it. Throwing from `run` makes
/// the engine discard the stage's changes and add a note; for a parser it ends the report.
public protocol Stage: Sendable {
    associatedtype Configuration: StageConfiguration
    /// The name pipelines use for this stage ("minidump", "stackwalk", "demangle").
    static var id: String { get }
    static var kind: StageKind { get }
    /// One line on what the stage reads and fills in.
    static var summary: String { get }
    /// Kinds of stage that must run before this one.
    static var requires: [StageKind] { get }

    init(configuration: Configuration, services: Services) throws
    func run(_ report: inout CrashReport, context: StageContext) async throws
}

extension Stage {
    public static var requires: [StageKind] { [] }
}

/// A stage that turns input bytes into a report. `canParse` looks at the first bytes only.
public protocol ParserStage: Stage {
    static func canParse(_ input: ByteView) -> Bool
}

/// A stage that writes finished reports somewhere (a file, a database).
public protocol SinkStage: Stage {}

/// A stage that removes secrets and personal data from reports.
public protocol ScrubberStage: Stage {}
