import Bundled
import CrashpipeCore
import Foundation
import Logging

/// Processes spooled uploads with a pool of workers: each entry runs through its project's
/// pipeline, becomes an event (stored with its group and processing issues in one
/// transaction), and only then leaves the spool. Entries left by a crash are found again at
/// start.
public actor Processor {
    let store: DataStore
    let spool: Spool
    let dataDirectory: URL
    let registry: PluginRegistry
    let logger: Logger
    private var pipelines: [String: Pipeline] = [:]
    private var queue: [String] = []
    private var queued: Set<String> = []
    private var waiting: [CheckedContinuation<String?, Never>] = []
    private var stopped = false
    public private(set) var processed = 0

    public init(store: DataStore, spool: Spool, dataDirectory: URL, registry: PluginRegistry, logger: Logger) {
        self.store = store
        self.spool = spool
        self.dataDirectory = dataDirectory
        self.registry = registry
        self.logger = logger
    }

    /// Queues an accepted upload (already durable in the spool).
    public func enqueue(_ id: String) {
        guard !queued.contains(id) else { return }
        queued.insert(id)
        if !waiting.isEmpty {
            waiting.removeFirst().resume(returning: id)
        } else {
            queue.append(id)
        }
    }

    /// Queues everything the spool holds (at start, after a crash).
    public func recover() {
        for id in spool.pending() { enqueue(id) }
    }

    func next() async -> String? {
        if stopped { return nil }
        if !queue.isEmpty { return queue.removeFirst() }
        return await withCheckedContinuation { waiting.append($0) }
    }

    public func stop() {
        stopped = true
        for continuation in waiting { continuation.resume(returning: nil) }
        waiting.removeAll()
    }

    /// Runs `count` workers until ``stop()``.
    public func run(workers count: Int) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, count) {
                group.addTask { await self.work() }
            }
        }
    }

    nonisolated func work() async {
        while let id = await next() {
            await process(id)
        }
    }

    func finished(_ id: String) {
        queued.remove(id)
        processed += 1
    }

    /// The pipeline a project runs (its own file, or the built-in default), loaded once.
    func pipeline(for project: DataStore.Project) throws -> Pipeline {
        let key = project.pipeline ?? "<default>"
        if let pipeline = pipelines[key] { return pipeline }
        let text: String
        let file: String
        if let path = project.pipeline {
            text = try String(contentsOfFile: path, encoding: .utf8)
            file = path
        } else {
            text = EmbeddedPipelines.files["default.yaml"] ?? ""
            file = "pipelines/default.yaml"
        }
        let expanded = text.replacingOccurrences(of: "${data_dir}", with: dataDirectory.path)
        let pipeline = try PipelineLoader(registry: registry).load(yaml: expanded, file: file)
        pipelines[key] = pipeline
        return pipeline
    }

    /// Runs the pipeline's scrub stages alone (for a report whose parser failed); a stage that
    /// fails leaves the report as it was, as in ``Pipeline/run(_:logger:)``.
    static func scrub(_ report: inout CrashReport, with pipeline: Pipeline, input: PipelineInput, logger: Logger) async {
        for configured in pipeline.stages {
            guard case .stage(.scrub) = configured.kind.kind else { continue }
            let before = report
            do {
                try await configured.stage.run(&report, context: StageContext(input: input, logger: logger, stage: configured.id))
            } catch {
                report = before
                logger.warning("scrub stage failed", metadata: ["stage": "\(configured.id)"])
            }
        }
    }

    nonisolated func process(_ id: String) async {
        do {
            let entry = try spool.read(id)
            let submission = entry.submission
            guard let projectId = submission.projectId, let project = try store.project(id: projectId) else {
                logger.error("spooled upload has no project; dropping", metadata: ["event_id": "\(id)"])
                spool.remove(id)
                await finished(id)
                return
            }
            let pipeline = try await self.pipeline(for: project)
            var report: CrashReport
            var failure: String?
            let input = PipelineInput(name: id, bytes: ByteView(entry.minidump), submission: submission)
            do {
                report = try await pipeline.run(input, logger: logger)
            } catch {
                report = CrashReport(source: id)
                report.submission = submission
                failure = error.underlying
                // The parser failed, so the pipeline's scrubbers never ran over what the client sent.
                await Self.scrub(&report, with: pipeline, input: input, logger: logger)
            }
            if failure == nil && report.threads.isEmpty && report.modules.isEmpty {
                // The parser got past the header but found nothing usable: say why.
                let reasons = report.notes.filter { $0.severity == .error }.map(\.message)
                failure = reasons.isEmpty ? "no threads or modules could be read" : reasons.joined(separator: "; ")
            }
            // The report's submission: the one the scrub stages cleaned, not the spooled original.
            let built = EventBuilder.build(report: report, submission: report.submission ?? submission, failure: failure)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = try encoder.encode(JSONValue.object(built.event))
            try store.store(eventId: submission.eventId, projectId: project.id, receivedAt: submission.receivedAt,
                            title: built.title, level: built.level, groupHash: built.groupHash, body: body,
                            missing: built.missing)
            spool.remove(id, keepIn: project.keepMinidumps ? dataDirectory.appendingPathComponent("minidumps") : nil)
            await finished(id)
        } catch {
            // Left in the spool: the next start retries it.
            logger.error("processing failed; the upload stays in the spool", metadata: ["event_id": "\(id)", "error": "\(error)"])
            await finished(id)
        }
    }
}
