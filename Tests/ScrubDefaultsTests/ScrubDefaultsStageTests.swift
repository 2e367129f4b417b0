import Bundled
import CrashpipeCore
import ScrubDefaults
import TestSupport
import Testing

/// The `scrub.defaults` stage over a report that leaks everywhere, with its options, as
/// pipelines configure it, and over real dumps.
struct ScrubDefaultsStageTests {
    @Test func noSecretSurvivesInTheEncodedReport() async throws {
        let leaky = LeakyReport.make()
        let before = try LeakyReport.json(leaky)
        for secret in LeakyReport.secrets {
            #expect(before.contains(secret), "the unscrubbed report must show '\(secret)' for this test to mean anything")
        }
        let scrubbed = try await LeakyReport.scrub(leaky)
        let after = try LeakyReport.json(scrubbed)
        for secret in LeakyReport.secrets {
            #expect(!after.contains(secret), "'\(secret)' survived scrubbing")
        }
        for kept in LeakyReport.keptValues {
            #expect(after.contains(kept), "'\(kept)' is not secret and must stay")
        }
        #expect(after.contains("[Filtered]"))
    }

    @Test func fieldByField() async throws {
        let report = try await LeakyReport.scrub(LeakyReport.make())
        // Keys stay, values go.
        let extra = try #require(report.submission?.extra)
        #expect(extra.keys == ["prod", "ver", "db_password", "AUTH_TOKEN", "note", "amex", "order"])
        #expect(extra["db_password"] == .string("[Filtered]"))
        #expect(extra["AUTH_TOKEN"] == .string("[Filtered]"))
        #expect(extra["note"] == .string("[Filtered]"))
        #expect(extra["prod"] == .string("MyApp"))
        let event = try #require(report.submission?.event)
        #expect(event["tags"]?["session_id"] == .string("[Filtered]"))
        #expect(event["tags"]?["server"] == .string("web-1"))
        #expect(event["request"]?["headers"] == .array([
            .array([.string("Authorization"), .string("[Filtered]")]),
            .array([.string("Accept"), .string("text/html")]),
        ]))
        #expect(event["extra"]?["deep"]?["nested"]?["PRIVATE_KEY"] == .string("[Filtered]"))
        if case .array(let crumbs)? = event["breadcrumbs"]?["values"] {
            #expect(crumbs[1]["message"] == .string("loaded /home/[user]/.config/app.ini"))
        } else {
            Issue.record("breadcrumbs lost their shape")
        }

        // Paths keep everything but the user name.
        #expect(report.source == "/home/[user]/dumps/crash.dmp")
        #expect(report.modules[0].codeFile == "/home/[user]/build/out/libapp.so")
        #expect(report.modules[0].debugFile == "C:\\Users\\[user]\\src\\app.pdb")
        #expect(report.modules[1].codeFile == "/usr/lib/x86_64-linux-gnu/libc.so.6")
        #expect(report.unloadedModules[0].codeFile == "c:/users/[user]/AppData/Local/x.dll")
        #expect(report.threads[0].frames[0].file == "/Users/[user]/src/app/main.cpp")
        #expect(report.threads[0].frames[0].inlines[0].file == "C:\\USERS\\[user]\\src\\inl.h")
        #expect(report.threads[0].frames[1].file == "/build/src/app.cpp")
        #expect(report.assertion?.file == "/home/[user]/src/load.cpp")
        #expect(report.assertion?.expression == "ptr != nullptr")
        #expect(report.linux?.maps?.first?.path == "/home/[user]/lib/libx.so")
        #expect(report.annotations?.modules[0].moduleName == "/home/[user]/lib/libapp.so")

        // Annotations.
        #expect(report.annotations?.simple == ["password": "[Filtered]", "channel": "beta"])
        #expect(report.annotations?.modules[0].simpleAnnotations == ["Authorization": "[Filtered]", "ver": "1.2.3"])
        #expect(report.annotations?.modules[0].listAnnotations == ["[Filtered]", "order 12345 shipped"])
        #expect(report.annotations?.modules[0].annotationObjects.map(\.value)
                == ["[Filtered]", "[Filtered]", "/Users/Shared/Assets/logo.png"])

        // The command line: a flag's value, a key=value argument, a path.
        #expect(report.process?.commandLine == ["/home/[user]/bin/app", "--password", "[Filtered]", "[Filtered]", "--verbose"])

        // Dropped entirely.
        #expect(report.linux?.environment == nil)
        #expect(report.linux?.commandLine == nil)
        #expect(report.linux?.procStatus == ["Name": "app", "Password": "[Filtered]"])
        #expect(report.memory.regions.isEmpty)
        #expect(report.threads.allSatisfy { $0.stack == nil })

        // One note, counts only.
        let note = try #require(report.notes.last)
        #expect(report.notes.count == 1)
        #expect(note.stage == "scrub.defaults" && note.kind == "scrubbed" && note.severity == .info)
        #expect(note.message.contains("dropped the environment (2 variable(s))"), "\(note.message)")
        #expect(note.message.contains("dropped the Linux command line"), "\(note.message)")
        #expect(note.message.contains("cleared captured memory (1 region(s), 1 thread stack(s))"), "\(note.message)")
        #expect(note.message.contains("11 user name(s) in paths replaced"), "\(note.message)")
    }

    @Test func scrubbingTwiceChangesNothingMore() async throws {
        let once = try await LeakyReport.scrub(LeakyReport.make())
        var twice = try await LeakyReport.scrub(once)
        #expect(twice.notes.last?.message == "0 value(s) replaced; 0 user name(s) in paths replaced")
        twice.notes = once.notes
        #expect(try LeakyReport.json(twice) == LeakyReport.json(once))
    }

    @Test func ipAddressesOption() async throws {
        let report = try await LeakyReport.scrub(LeakyReport.make(), .init(ipAddresses: true))
        let json = try LeakyReport.json(report)
        #expect(!json.contains("203.0.113.77"))
        #expect(!json.contains("2001:db8::7334"))
        #expect(report.submission?.event["user"]?["ip_address"] == .string("[Filtered]"))
        #expect(report.submission?.event["user"]?["id"] == .string("42"))
        #expect(report.notes.last?.message.contains("2 IP address(es) replaced") == true)
    }

    @Test func replacementKeysAndPathsOptions() async throws {
        var leaky = LeakyReport.make()
        leaky.submission?.extra["customer_ssn"] = .string("123-45-6789")
        let report = try await LeakyReport.scrub(leaky, .init(keys: ["SSN"], replacement: "<redacted>", paths: false))
        #expect(report.submission?.extra["customer_ssn"] == .string("<redacted>"))
        #expect(report.submission?.extra["db_password"] == .string("<redacted>"))
        #expect(report.modules[0].codeFile == "/home/emartinez/build/out/libapp.so")
        #expect(!(try LeakyReport.json(report)).contains("[Filtered]"))

        let defaults = try await LeakyReport.scrub(leaky)
        #expect(defaults.submission?.extra["customer_ssn"] == .string("123-45-6789"))
    }

    // MARK: - Through pipeline files

    static func load(_ stage: String) throws(PipelineError) -> Pipeline {
        let yaml = """
            version: 1
            stages:
              - use: minidump
              - use: stackwalk
            \(stage)
            """
        return try PipelineLoader(registry: try! Bundled.registry()).load(yaml: yaml, file: "privacy.yaml")
    }

    @Test func optionsFromAPipelineFile() async throws {
        let pipeline = try Self.load("""
              - use: scrub.defaults
                with:
                  keys: [ssn, ' Employee-ID ']
                  ip_addresses: true
                  replacement: '***'
                  paths: true
            """)
        let stage = try #require(pipeline.stages.last)
        #expect(stage.id == "scrub.defaults")
        var report = LeakyReport.make()
        report.submission?.extra["ssn"] = .string("123-45-6789")
        report.submission?.extra["x_employee-id_y"] = .string("E-1001")
        try await stage.stage.run(&report, context: LeakyReport.context)
        #expect(report.submission?.extra["ssn"] == .string("***"))
        #expect(report.submission?.extra["x_employee-id_y"] == .string("***"), "key words are trimmed, case ignored")
        #expect(report.submission?.event["user"]?["ip_address"] == .string("***"))
        #expect(report.modules[0].codeFile == "/home/[user]/build/out/libapp.so")
    }

    @Test func optionErrorsAtLoad() throws {
        func failure(_ stage: String) -> PipelineError? {
            do { _ = try Self.load(stage); return nil } catch { return error }
        }
        let unknown = try #require(failure("""
              - use: scrub.defaults
                with: { ip_address: true }
            """))
        #expect(unknown.line == 6 && unknown.message.contains("unknown option 'ip_address'; did you mean 'ip_addresses'?"), "\(unknown)")

        let empty = try #require(failure("""
              - use: scrub.defaults
                with:
                  keys:
                    - ssn
                    - ''
            """))
        #expect(empty.line == 9 && empty.column == 11, "\(empty)")
        #expect(empty.message.contains("option 'keys.1'") && empty.message.contains("would match every key"), "\(empty)")

        let wrongType = try #require(failure("""
              - use: scrub.defaults
                with: { paths: sometimes }
            """))
        #expect(wrongType.message.contains("option 'paths'") && wrongType.message.contains("boolean"), "\(wrongType)")
    }

    @Test func registeredAsAScrubberAfterTheStackWalk() throws {
        let registry = try Bundled.registry()
        let factory = try #require(registry.stages["scrub.defaults"])
        #expect(factory.descriptor.kind == .stage(.scrub))
        #expect(factory.descriptor.options.map(\.name) == ["keys", "ip_addresses", "replacement", "paths"])
        #expect(factory.descriptor.requires == [.parser, .stackwalk])
        do {
            _ = try PipelineLoader(registry: registry).load(yaml: "version: 1\nstages:\n  - use: minidump\n  - use: scrub.defaults\n",
                                                            file: "x.yaml")
            Issue.record("scrubbing before the stack walk loaded")
        } catch {
            #expect(error.message.contains("needs a stackwalk stage before it"), "\(error)")
        }
    }

    // MARK: - Real dumps

    static func process(_ dump: String, scrub: Bool) async throws -> CrashReport {
        let pipeline = try Self.load(scrub ? "  - use: scrub.defaults" : "")
        return try await pipeline.run(PipelineInput(name: dump, bytes: ByteView(try Fixtures.bytes(dump))))
    }

    /// Breakpad's Linux test dump carries its writer's environment, command line and home
    /// directory (`/usr/local/google/home/<user>/...`) in /proc streams and module paths.
    @Test func breakpadLinuxDumpLosesItsUserAndEnvironment() async throws {
        let dump = "breakpad/minidumps/linux_raise_sigabrt.dmp"
        let raw = try await Self.process(dump, scrub: false)
        #expect(try LeakyReport.json(raw).contains("liuandrew"))
        #expect(raw.linux?.environment?.isEmpty == false)
        #expect(raw.linux?.commandLine?.isEmpty == false)
        #expect(!raw.memory.regions.isEmpty)

        let scrubbed = try await Self.process(dump, scrub: true)
        let json = try LeakyReport.json(scrubbed)
        #expect(!json.contains("liuandrew"))
        #expect(json.contains("/usr/local/google/home/[user]/"))
        #expect(scrubbed.linux?.environment == nil)
        #expect(scrubbed.linux?.commandLine == nil)
        #expect(scrubbed.memory.regions.isEmpty)
        #expect(scrubbed.threads.allSatisfy { $0.stack == nil })
        // /proc/self/status (zero-padded masks, group lists) holds nothing secret-shaped.
        #expect(scrubbed.linux?.procStatus == raw.linux?.procStatus)
        #expect(scrubbed.notes.last?.message.hasPrefix("0 value(s) replaced; 4 user name(s) in paths replaced") == true)
        // The walk happened before the memory went.
        #expect(scrubbed.crashingThread?.frames.count == raw.crashingThread?.frames.count)
        #expect((scrubbed.crashingThread?.frames.count ?? 0) > 1)
    }

    /// rust-minidump's Crashpad dump names its macOS user in annotations and module paths.
    @Test func crashpadDumpLosesItsUser() async throws {
        let dump = "rust-minidump/minidumps/simple-crashpad.dmp"
        let raw = try await Self.process(dump, scrub: false)
        #expect(try LeakyReport.json(raw).contains("/Users/ted/"))
        let scrubbed = try await Self.process(dump, scrub: true)
        let json = try LeakyReport.json(scrubbed)
        #expect(!json.contains("/Users/ted/"))
        #expect(json.contains("/Users/[user]/"))
    }
}
