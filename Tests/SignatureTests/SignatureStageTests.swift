import Bundled
import CrashpipeCore
import Signature
import TestSupport
import Testing

/// The `signature` stage as pipelines configure it, the client's fingerprint, and a real dump.
struct SignatureStageTests {
    static func load(_ signatureStage: String) throws(PipelineError) -> Pipeline {
        let yaml = """
            version: 1
            stages:
              - use: minidump
              - use: stackwalk
            \(signatureStage)
            """
        return try PipelineLoader(registry: try! Bundled.registry()).load(yaml: yaml, file: "group.yaml")
    }

    static func failure(_ signatureStage: String) -> PipelineError? {
        do {
            _ = try load(signatureStage)
            return nil
        } catch {
            return error
        }
    }

    /// Runs the pipeline's last stage (the signature stage) over `report`.
    static func runLast(_ pipeline: Pipeline, _ report: CrashReport) async throws -> CrashReport {
        var report = report
        let stage = try #require(pipeline.stages.last)
        #expect(stage.id == "signature")
        try await stage.stage.run(&report, context: Stacks.context)
        return report
    }

    static let stack = ["raise", "abort", "MyApp::Log::fatal(char const*)", "MyApp::Log::check(bool)",
                        "MyApp::Store::open(std::string const&)", "main"]

    @Test func registeredWithItsOptions() throws {
        let registry = try Bundled.registry()
        let factory = try #require(registry.stages["signature"])
        #expect(factory.descriptor.kind == .stage(.signature))
        #expect(factory.descriptor.options.map(\.name) == ["max_frames", "irrelevant", "extra_irrelevant", "prefix", "extra_prefix"])
        #expect(factory.descriptor.requires == [.parser, .stackwalk])
    }

    @Test func defaultsFromAPipelineFile() async throws {
        let pipeline = try Self.load("  - use: signature")
        let report = try await Self.runLast(pipeline, Stacks.report(functions: Self.stack))
        #expect(report.signature?.title == "MyApp::Log::fatal | MyApp::Log::check | MyApp::Store::open | main")
    }

    @Test func extraIrrelevantAddsToTheBuiltInList() async throws {
        let pipeline = try Self.load("""
              - use: signature
                with:
                  max_frames: 2
                  extra_irrelevant: ['MyApp::Log::']
            """)
        let report = try await Self.runLast(pipeline, Stacks.report(functions: Self.stack))
        #expect(report.signature?.title == "MyApp::Store::open | main")
    }

    @Test func irrelevantReplacesTheBuiltInList() async throws {
        let pipeline = try Self.load("""
              - use: signature
                with:
                  max_frames: 3
                  irrelevant: ['abort$', 'MyApp::Log::check$']
            """)
        let report = try await Self.runLast(pipeline, Stacks.report(functions: Self.stack))
        // `raise` is no longer irrelevant; `abort` and `check` are.
        #expect(report.signature?.title == "raise | MyApp::Log::fatal | MyApp::Store::open")
    }

    @Test func customPrefixList() async throws {
        let pipeline = try Self.load("""
              - use: signature
                with:
                  max_frames: 1
                  extra_prefix: ['MyApp::Log::']
            """)
        let report = try await Self.runLast(pipeline, Stacks.report(functions: Self.stack))
        #expect(report.signature?.title == "MyApp::Log::fatal | MyApp::Log::check | MyApp::Store::open")
    }

    @Test func badRegexIsALoadErrorAtItsLine() throws {
        let error = try #require(Self.failure("""
              - use: signature
                with:
                  irrelevant:
                    - 'abort$'
                    - 'MyApp::(broken'
            """))
        #expect(error.file == "group.yaml")
        #expect(error.line == 9 && error.column == 11, "\(error)")
        #expect(error.message.contains("stage 'signature'"), "\(error)")
        #expect(error.message.contains("option 'irrelevant.1'"), "\(error)")
        #expect(error.message.contains("invalid regular expression 'MyApp::(broken'"), "\(error)")

        let extra = try #require(Self.failure("""
              - use: signature
                with: { extra_prefix: ['ok', '[unclosed'] }
            """))
        #expect(extra.line == 6, "\(extra)")
        #expect(extra.message.contains("option 'extra_prefix.1'") && extra.message.contains("'[unclosed'"), "\(extra)")
    }

    @Test func otherOptionErrors() throws {
        let zero = try #require(Self.failure("""
              - use: signature
                with: { max_frames: 0 }
            """))
        #expect(zero.line == 6 && zero.message.contains("max_frames must be at least 1"), "\(zero)")

        let typo = try #require(Self.failure("""
              - use: signature
                with: { max_frame: 3 }
            """))
        #expect(typo.message.contains("unknown option 'max_frame'; did you mean 'max_frames'?"), "\(typo)")

        let notAList = try #require(Self.failure("""
              - use: signature
                with: { irrelevant: 'abort' }
            """))
        #expect(notAList.message.contains("option 'irrelevant'") && notAList.message.contains("list of regular expressions"), "\(notAList)")
    }

    @Test func needsAStackWalkBeforeIt() throws {
        let yaml = """
            version: 1
            stages:
              - use: minidump
              - use: signature
            """
        let registry = try Bundled.registry()
        do {
            _ = try PipelineLoader(registry: registry).load(yaml: yaml, file: "x.yaml")
            Issue.record("a signature stage without a stack walk loaded")
        } catch {
            #expect(error.line == 4 && error.message.contains("needs a stackwalk stage before it"), "\(error)")
        }
    }

    // MARK: - The client's fingerprint

    static func withFingerprint(_ fingerprint: JSONValue?) -> CrashReport {
        var report = Stacks.report(functions: ["abort", "MyApp::foo(int)", "main"])
        var event = JSONObject([("release", .string("1.0"))])
        if let fingerprint { event["fingerprint"] = fingerprint }
        report.submission = Submission(eventId: "0123456789abcdef0123456789abcdef", receivedAt: 0, event: event)
        return report
    }

    static func signature(_ fingerprint: JSONValue?) async throws -> CrashSignature {
        let report = try await Stacks.sign(Self.withFingerprint(fingerprint))
        return try #require(report.signature)
    }

    @Test func fingerprintReplacesTheStack() async throws {
        let report = try await Stacks.sign(Self.withFingerprint(.array([.string("database-unavailable")])))
        let signature = try #require(report.signature)
        #expect(signature.fromFingerprint)
        #expect(signature.title == "database-unavailable")
        #expect(signature.frames == ["database-unavailable"])
        #expect(signature.hash == SignatureGenerator.sha256Hex("database-unavailable"))
    }

    @Test func defaultPlaceholderExpandsToTheComputedFrames() async throws {
        let plain = try await Self.signature(nil)
        let split = try await Self.signature(.array([.string("{{ default }}"), .string("checkout")]))
        #expect(split.fromFingerprint)
        #expect(split.frames == ["MyApp::foo", "main", "checkout"])
        #expect(split.title == "MyApp::foo | main | checkout")
        #expect(split.hash == SignatureGenerator.sha256Hex("MyApp::foo\nmain\ncheckout"))
        #expect(split.hash != plain.hash)

        // `{{ default }}` alone (any spacing) groups exactly as no fingerprint.
        for spelling in ["{{ default }}", "{{default}}", " {{  default }} "] {
            let alone = try await Self.signature(.array([.string(spelling)]))
            #expect(alone.hash == plain.hash, "\(spelling)")
            #expect(alone.fromFingerprint)
        }
        // Numbers count as their text.
        let numbered = try await Self.signature(.array([.string("{{ default }}"), .int(42)]))
        #expect(numbered.frames == ["MyApp::foo", "main", "42"])
    }

    @Test func unusableFingerprintsAreNotedAndIgnored() async throws {
        let plain = try await Self.signature(nil)
        for bad: JSONValue in [.string("{{ default }}"), .array([]), .array([.string("a"), .object(JSONObject())])] {
            let report = try await Stacks.sign(Self.withFingerprint(bad))
            #expect(report.signature == plain, "\(bad)")
            #expect(report.notes.map(\.kind) == ["fingerprint_ignored"], "\(bad)")
        }
        let null = try await Stacks.sign(Self.withFingerprint(.null))
        #expect(null.signature == plain)
        #expect(null.notes.isEmpty)
    }

    // MARK: - A real dump through the default pipeline's stages

    @Test func minidump2ThroughTheServerPipeline() async throws {
        let yaml = """
            version: 1
            stages:
              - use: minidump
              - use: symbols
                with: { sources: [ { type: store, path: "\(Fixtures.path("breakpad/symbols"))" } ] }
              - use: stackwalk
              - use: demangle
              - use: scrub.defaults
              - use: signature
            """
        let pipeline = try PipelineLoader(registry: try Bundled.registry()).load(yaml: yaml, file: "default.yaml")
        let input = PipelineInput(name: "minidump2.dmp", bytes: ByteView(try Fixtures.bytes("breakpad/minidumps/minidump2.dmp")))
        let report = try await pipeline.run(input)
        // Breakpad: `anonymous namespace'::CrashFunction, main, __tmainCRTStartup, BaseProcessStart.
        let signature = try #require(report.signature)
        #expect(signature.title == "(anonymous namespace)::CrashFunction | main")
        #expect(signature.hash == SignatureGenerator.sha256Hex("(anonymous namespace)::CrashFunction\nmain"))
        #expect(!report.notes.contains { $0.stage == "signature" })
    }
}
