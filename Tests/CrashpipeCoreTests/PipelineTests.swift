import Bundled
import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// Stages used only by these tests.
struct CountingRule: Stage {
    struct Configuration: StageConfiguration {
        var times: Int = 1
        var label: String = "counted"
        var tags: [String] = []
        enum CodingKeys: String, CodingKey { case times, label, tags }
        static let options = [
            OptionSpec("times", type: "integer", default: "1", help: "notes to add"),
            OptionSpec("label", type: "string", default: "counted", help: "the note's kind"),
            OptionSpec("tags", type: "list of strings", default: "[]", help: "extra text"),
        ]
        init() {}
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            times = try c.decodeIfPresent(Int.self, forKey: .times) ?? 1
            label = try c.decodeIfPresent(String.self, forKey: .label) ?? "counted"
            tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        }
    }
    static let id = "test.count"
    static let kind = StageKind.rule
    static let summary = "adds notes"
    static let requires: [StageKind] = [.parser]
    let configuration: Configuration
    init(configuration: Configuration, services: Services) throws {
        guard configuration.times >= 0 else { throw TestFailure() }
        self.configuration = configuration
    }
    func run(_ report: inout CrashReport, context: StageContext) async throws {
        for _ in 0..<configuration.times { report.note(Self.id, .info, kind: configuration.label, "ran") }
    }
}

struct TestFailure: Error {}

/// Changes the report, then fails: the engine must discard the change and add a note.
struct FailingRule: Stage {
    typealias Configuration = NoOptions
    static let id = "test.fail"
    static let kind = StageKind.rule
    static let summary = "always fails"
    init(configuration: NoOptions, services: Services) {}
    func run(_ report: inout CrashReport, context: StageContext) async throws {
        report.threads.removeAll()
        throw TestFailure()
    }
}

struct TestSink: SinkStage {
    typealias Configuration = NoOptions
    static let id = "test.sink"
    static let kind = StageKind.sink
    static let summary = "does nothing with the report"
    init(configuration: NoOptions, services: Services) {}
    func run(_ report: inout CrashReport, context: StageContext) async throws {}
}

struct PipelineTests {
    static func registry() throws -> PluginRegistry {
        var registry = try Bundled.registry()
        try registry.register(CountingRule.self)
        try registry.register(FailingRule.self)
        try registry.register(TestSink.self)
        return registry
    }

    static func load(_ yaml: String) throws(PipelineError) -> Pipeline {
        try PipelineLoader(registry: try! registry()).load(yaml: yaml, file: "test.yaml")
    }

    /// Loads `yaml` expecting an error; returns it.
    static func failure(_ yaml: String) -> PipelineError? {
        do {
            _ = try load(yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test func goodPipelinesLoad() throws {
        let pipeline = try Self.load("""
            version: 1
            name: mine
            stages:
              - use: minidump
              - use: test.count
                with: { times: 2, label: hello, tags: [a, b] }
              - use: test.sink
            """)
        #expect(pipeline.name == "mine")
        #expect(pipeline.stages.map(\.id) == ["minidump", "test.count", "test.sink"])
        #expect(pipeline.stages[1].line == 5 && pipeline.stages[1].column == 10)
    }

    @Test func shippedPipelinesLoadAndMatchTheEmbeddedCopies() throws {
        let directory = Fixtures.repository.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let path = directory.appendingPathComponent(file).path
            _ = try PipelineLoader(registry: try Bundled.registry()).load(path: path)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(EmbeddedPipelines.files[file] == text, "embedded copy of \(file) differs from pipelines/\(file)")
        }
        #expect(Set(EmbeddedPipelines.files.keys) == Set(files))
    }

    @Test func syntaxErrorsNameLineAndColumn() throws {
        let error = try #require(Self.failure("version: 1\nstages:\n  - use: minidump\n   bad: [\n"))
        #expect(error.file == "test.yaml")
        #expect(error.line == 4)
        #expect(error.description.hasPrefix("test.yaml:4:"))
        #expect(error.message.contains("syntax"))
    }

    @Test func unknownStageGetsKnownListAndSuggestion() throws {
        let error = try #require(Self.failure("version: 1\nstages:\n  - use: minidmp\n"))
        #expect(error.line == 3 && error.column == 10)
        #expect(error.message.contains("unknown stage 'minidmp'"))
        #expect(error.message.contains("did you mean 'minidump'?"))
        #expect(error.message.contains("known stages: demangle, microdump, minidump, scrub.defaults, signature, stackwalk, symbols, test.count, test.fail, test.sink"))
    }

    @Test func unknownOptionNamesKeyAndStage() throws {
        let error = try #require(Self.failure("""
            version: 1
            stages:
              - use: minidump
              - use: test.count
                with:
                  timez: 3
            """))
        #expect(error.line == 6 && error.column == 7)
        #expect(error.message.contains("stage 'test.count'"))
        #expect(error.message.contains("unknown option 'timez'"))
        #expect(error.message.contains("did you mean 'times'?"))
    }

    @Test func mistypedOptionNamesKeyStageAndExpectedType() throws {
        let error = try #require(Self.failure("""
            version: 1
            stages:
              - use: minidump
              - use: test.count
                with:
                  label: ok
                  times: lots
            """))
        #expect(error.line == 7 && error.column == 14)
        #expect(error.message.contains("stage 'test.count'"))
        #expect(error.message.contains("option 'times'"))
        #expect(error.message.contains("integer"))
        let nested = try #require(Self.failure("""
            version: 1
            stages:
              - use: minidump
              - use: test.count
                with: { tags: [a, [b]] }
            """))
        #expect(nested.message.contains("option 'tags"))
        #expect(nested.line == 5)
    }

    @Test func structuralErrors() throws {
        #expect(Self.failure("")?.message.contains("empty") == true)
        #expect(Self.failure("stages: []")?.message.contains("missing 'version'") == true)
        let version = try #require(Self.failure("version: 7\nstages:\n  - use: minidump\n"))
        #expect(version.message.contains("unsupported version '7'") && version.line == 1 && version.column == 10)
        #expect(Self.failure("version: 1\n")?.message.contains("missing 'stages'") == true)
        #expect(Self.failure("version: 1\nstages: minidump\n")?.message.contains("non-empty list") == true)
        let key = try #require(Self.failure("version: 1\nstagez: []\n"))
        #expect(key.message.contains("unknown pipeline key 'stagez'") && key.message.contains("did you mean 'stages'?"))
        #expect(key.line == 2 && key.column == 1)
        let stageKey = try #require(Self.failure("version: 1\nstages:\n  - use: minidump\n    wiht: {}\n"))
        #expect(stageKey.message.contains("unknown stage key 'wiht'") && stageKey.line == 4)
        #expect(Self.failure("version: 1\nstages:\n  - minidump\n")?.message.contains("each stage must be a mapping") == true)
        #expect(Self.failure("version: 1\nstages:\n  - with: {}\n")?.message.contains("has no 'use'") == true)
        #expect(Self.failure("version: 1\nstages:\n  - use: minidump\n    with: [1]\n")?.message.contains("'with' must be a mapping") == true)
        #expect(Self.failure("version: 1\nstages:\n  - use: minidump\n  - use: test.count\n    with: { times: -1 }\n")?
            .message.contains("cannot be set up") == true)
    }

    @Test func stageOrderIsChecked() throws {
        let parserLate = try #require(Self.failure("version: 1\nstages:\n  - use: test.sink\n  - use: minidump\n"))
        #expect(parserLate.message.contains("must be the first stage") && parserLate.line == 4)
        let afterSink = try #require(Self.failure("version: 1\nstages:\n  - use: minidump\n  - use: test.sink\n  - use: test.fail\n"))
        #expect(afterSink.message.contains("comes after sink 'test.sink'") && afterSink.line == 5)
        let missing = try #require(Self.failure("version: 1\nstages:\n  - use: test.count\n"))
        #expect(missing.message.contains("needs a parser stage before it"))
    }

    @Test func failingStageAddsNoteAndPipelineContinues() async throws {
        let pipeline = try Self.load("""
            version: 1
            stages:
              - use: minidump
              - use: test.fail
              - use: test.count
            """)
        let bytes = ByteView(try Fixtures.bytes("breakpad/minidumps/minidump2.dmp"))
        let report = try await pipeline.run(PipelineInput(name: "minidump2.dmp", bytes: bytes))
        #expect(report.threads.count == 2, "the failed stage's change must be rolled back")
        let failure = try #require(report.notes.first { $0.stage == "test.fail" })
        #expect(failure.kind == "stage_failed")
        #expect(failure.message.contains("TestFailure"))
        #expect(report.notes.contains { $0.stage == "test.count" && $0.kind == "counted" })
    }

    @Test func unparseableInputEndsWithClearError() async throws {
        let pipeline = try Self.load("version: 1\nstages:\n  - use: minidump\n  - use: test.count\n")
        do {
            _ = try await pipeline.run(PipelineInput(name: "junk.bin", bytes: ByteView(Array("hello".utf8))))
            Issue.record("junk parsed")
        } catch {
            #expect(error.stage == "minidump")
            #expect(error.description.contains("junk.bin"))
            #expect(error.description.contains("signature"))
        }
    }

    @Test func duplicateRegistrationIsAnError() throws {
        var registry = try Bundled.registry()
        try registry.register(CountingRule.self)
        #expect(throws: RegistryError.self) { try registry.register(CountingRule.self) }
        #expect(registry.parser(for: ByteView(try Fixtures.bytes("breakpad/minidumps/minidump2.dmp"))) == "minidump")
        #expect(registry.parser(for: ByteView([1, 2, 3])) == nil)
    }

    @Test func suggestionsNeedToBeClose() {
        #expect(closestMatch(to: "stackwlak", in: ["stackwalk", "symbols"]) == "stackwalk")
        #expect(closestMatch(to: "zzzzzz", in: ["stackwalk", "symbols"]) == nil)
        #expect(editDistance("kitten", "sitting") == 3)
    }
}
