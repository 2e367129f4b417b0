import Logging

/// A stage as configured by one entry of a pipeline file.
public struct ConfiguredStage: Sendable {
    public let id: String
    public let kind: PluginDescriptor
    public let stage: any Stage
    /// Where the stage's `use:` is in the pipeline file.
    public let line: Int
    public let column: Int

    /// A stage built in code rather than from a file (the `stackwalk` command does this).
    public init<S: Stage>(_ stage: S) {
        self.id = S.id
        self.kind = PluginDescriptor(id: S.id, kind: .stage(S.kind), summary: S.summary,
                                     options: S.Configuration.options, requires: S.requires)
        self.stage = stage
        self.line = 0
        self.column = 0
    }

    init(id: String, kind: PluginDescriptor, stage: any Stage, line: Int, column: Int) {
        self.id = id
        self.kind = kind
        self.stage = stage
        self.line = line
        self.column = column
    }
}

/// A report could not be produced at all (its parser failed).
public struct ProcessingError: Error, Sendable, CustomStringConvertible {
    public var stage: String
    public var input: String
    public var underlying: String

    public var description: String { "\(input): \(stage) failed: \(underlying)" }
}

/// A validated, ready-to-run list of stages. Create with ``PipelineLoader``.
public struct Pipeline: Sendable {
    public let name: String
    /// The file it was loaded from, for messages.
    public let file: String
    public let stages: [ConfiguredStage]

    public init(name: String, file: String, stages: [ConfiguredStage]) {
        self.name = name
        self.file = file
        self.stages = stages
    }

    /// Runs every stage over `input`, in order.
    ///
    /// When a parser stage fails the report cannot exist, and the run throws
    /// ``ProcessingError``. When any other stage fails, its changes are discarded, a note
    /// (stage and error kind) is added, and the next stage runs: one broken rule never loses
    /// the crash.
    public func run(_ input: PipelineInput, logger: Logger = Logger(label: "crashpipe.pipeline")) async throws(ProcessingError) -> CrashReport {
        var report = CrashReport(source: input.name)
        report.submission = input.submission
        for configured in stages {
            let context = StageContext(input: input, logger: logger, stage: configured.id)
            let before = report
            do {
                try await configured.stage.run(&report, context: context)
            } catch {
                if case .stage(.parser) = configured.kind.kind {
                    throw ProcessingError(stage: configured.id, input: input.name, underlying: "\(error)")
                }
                report = before
                report.note(configured.id, .error, kind: "stage_failed",
                            "stage '\(configured.id)' failed: \(Self.errorKind(error))")
                logger.warning("stage failed", metadata: ["stage": "\(configured.id)", "kind": "\(Self.errorKind(error))"])
            }
        }
        return report
    }

    /// A short, secret-free description of an error: its kind, not its payload.
    static func errorKind(_ error: any Error) -> String {
        if let parse = error as? ParseError { return "\(parse.kind) at offset 0x\(String(parse.offset, radix: 16))" }
        return String(describing: type(of: error))
    }
}
