import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// Runs the real `crashpipe` executable, as a user would.
struct CLITests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let executable = Fixtures.crashpipeExecutable

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = Fixtures.repository
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            // Small inputs only: the whole text fits the pipe buffer before the child reads.
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        // Read before waiting so a large output cannot fill the pipe and block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The crashing thread's frame lines and "Found by" lines of `stackwalk`'s text output, trimmed.
    static func crashedThread(_ output: String) -> [String] {
        guard let start = output.range(of: "(crashed)\n") else { return [] }
        let rest = output[start.upperBound...]
        let end = rest.range(of: "\nThread ")?.lowerBound ?? rest.endIndex
        // Frame lines are indented (the module list that may follow is not).
        return rest[..<end].split(separator: "\n").filter { $0.hasPrefix(" ") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.first?.isNumber == true || $0.hasPrefix("Found by") }
    }

    nonisolated(unsafe) static let inventory: [String: [String: Any]] = {
        let json = try? Fixtures.json("INVENTORY.json") as? [String: Any]
        return json?["minidumps"] as? [String: [String: Any]] ?? [:]
    }()

    static let dumps: [String] = inventory.keys.sorted()

    /// `crashpipe dump` and `crashpipe process --pipeline pipelines/inspect.yaml` succeed on every
    /// inventoried dump, and what they print agrees with the inventory.
    @Test(arguments: dumps)
    func dumpAndInspectAgreeWithInventory(_ path: String) throws {
        let facts = Self.inventory[path]!
        let fixture = Fixtures.path(path)

        let text = try Self.run(["dump", fixture])
        #expect(text.status == 0, "dump failed: \(text.stderr)")
        #expect(text.stdout.hasPrefix("MDRawHeader\n"))

        let dump = try Self.run(["dump", "--json", fixture])
        #expect(dump.status == 0, "dump --json failed: \(dump.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let directory = try #require(document["directory"] as? [[String: Any]])
        let names = directory.map { ($0["type"] as? String) == "0x0" ? "0x0" : $0["name"] as? String ?? "?" }
        #expect(names == facts["streams"] as? [String])

        let processed = try Self.run(["process", fixture, "--pipeline", "pipelines/inspect.yaml", "--format", "json"])
        #expect(processed.status == 0, "process failed: \(processed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(processed.stdout.utf8)) as? [String: Any])
        let modules = report["modules"] as? [[String: Any]] ?? []
        let expected = facts["modules"] as? [[String: Any]] ?? []
        #expect(modules.count == expected.count)
        for (module, fact) in zip(modules, expected) {
            #expect(module["code_file"] as? String == fact["name"] as? String)
            #expect(module["base"] as? String == fact["base"] as? String)
            #expect(module["size"] as? String == fact["size"] as? String)
            #expect(module["debug_id"] as? String == fact["debug_id"] as? String)
        }
        let threads = report["threads"] as? [[String: Any]] ?? []
        #expect(threads.count == facts["threads"] as? Int ?? 0)
        if let exception = facts["exception"] as? [String: Any] {
            let crash = try #require(report["crash"] as? [String: Any])
            #expect(crash["code"] as? String == exception["code"] as? String)
            #expect(crash["instruction_address"] as? String == exception["address"] as? String)
        } else {
            #expect(report["crash"] == nil)
        }
        if let arch = facts["arch"] as? String {
            let system = try #require(report["system"] as? [String: Any])
            #expect(system["cpu"] as? String == (arch == "arm64_old" ? "arm64" : arch))
        }

        let human = try Self.run(["process", fixture])
        #expect(human.status == 0, "process (human) failed: \(human.stderr)")
        #expect(human.stdout.contains("Loaded modules:"))
    }

    @Test func exitCodesAndOneLineErrors() throws {
        let missing = try Self.run(["dump", "/nonexistent/file.dmp"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/file.dmp"))
        #expect(missing.stderr.split(separator: "\n").count == 1)

        let junkPath = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-junk-\(getpid()).dmp").path
        try Data("this is not a minidump".utf8).write(to: URL(fileURLWithPath: junkPath))
        defer { try? FileManager.default.removeItem(atPath: junkPath) }
        let junk = try Self.run(["process", junkPath])
        #expect(junk.status == 1)
        #expect(junk.stderr.contains("signature"))
        #expect(junk.stderr.split(separator: "\n").count == 1)
        #expect(try Self.run(["dump", junkPath]).status == 1)

        let badPipeline = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-bad-\(getpid()).yaml").path
        try Data("version: 1\nstages:\n  - use: minidmp\n".utf8).write(to: URL(fileURLWithPath: badPipeline))
        defer { try? FileManager.default.removeItem(atPath: badPipeline) }
        let invalid = try Self.run(["process", Fixtures.path("breakpad/minidumps/minidump2.dmp"), "--pipeline", badPipeline])
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("\(badPipeline):3:10: unknown stage 'minidmp'; did you mean 'minidump'?"))
        #expect(invalid.stderr.split(separator: "\n").count == 1)

        let validate = try Self.run(["pipelines", "validate", "pipelines/inspect.yaml", badPipeline])
        #expect(validate.status == 2)
        #expect(validate.stdout.contains("pipelines/inspect.yaml: ok"))
        #expect(validate.stderr.contains("unknown stage 'minidmp'"))
        #expect(try Self.run(["pipelines", "validate", "pipelines/inspect.yaml"]).status == 0)

        let usage = try Self.run(["dump"])
        #expect(usage.status == 2)
        #expect(usage.stderr.split(separator: "\n").count == 1)
        #expect(try Self.run(["frobnicate"]).status == 2)
        #expect(try Self.run(["--help"]).status == 0)
    }

    @Test func pluginsListsStagesWithOptions() throws {
        let result = try Self.run(["plugins"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("minidump  [stage/parser]"))
        #expect(result.stdout.contains("keep_memory (boolean, default true)"))
    }

    @Test func dumpTextOfMinidump2IsBreakpadsMinidumpDump() throws {
        let result = try Self.run(["dump", Fixtures.path("breakpad/minidumps/minidump2.dmp")])
        #expect(result.status == 0)
        let expected = String(decoding: try Fixtures.bytes("breakpad/expected/minidump2.dump.out"), as: UTF8.self)
        #expect(result.stdout == expected)
    }
}

/// `crashpipe stackwalk`, single and batch.
struct StackwalkCLITests {
    @Test func machineReadableOutputEqualsBreakpad() throws {
        let result = try CLITests.run(["stackwalk", "-m", Fixtures.path("breakpad/minidumps/minidump2.dmp"),
                                       Fixtures.path("breakpad/symbols")])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = String(decoding: try Fixtures.bytes("breakpad/expected/minidump2.stackwalk.machine_readable.out"), as: UTF8.self)
        #expect(result.stdout == expected)
    }

    @Test func jsonAndHumanOutputs() throws {
        let json = try CLITests.run(["stackwalk", "--json", "--pretty", Fixtures.path("rust-minidump/minidumps/linux-mini.dmp")])
        #expect(json.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((document["crashing_thread"] as? [String: Any])?["frame_count"] as? Int == 15)
        #expect(json.stdout.contains("\n  \"crash_info\": {"))
        let human = try CLITests.run(["stackwalk", Fixtures.path("rust-minidump/minidumps/linux-mini.dmp")])
        #expect(human.status == 0)
        #expect(human.stdout.contains("Thread 0 (crashed)"))
        #expect(human.stdout.contains("Found by: stack scanning"))
    }

    @Test func badArgumentsAreUsageErrors() throws {
        let missingSymbols = try CLITests.run(["stackwalk", Fixtures.path("breakpad/minidumps/minidump2.dmp"), "/nonexistent/symbols"])
        #expect(missingSymbols.status == 2 && missingSymbols.stderr.contains("/nonexistent/symbols"))
        let both = try CLITests.run(["stackwalk", "-m", "--json", Fixtures.path("breakpad/minidumps/minidump2.dmp")])
        #expect(both.status == 2)
        let late = try CLITests.run(["stackwalk", Fixtures.path("breakpad/minidumps/minidump2.dmp"), "--json"])
        #expect(late.status == 2 && late.stderr.contains("before the minidump"))
    }

    /// Batch mode walks every dump, writes one result each, and finishes despite bad inputs.
    @Test func batchModeSurvivesBadDumps() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-batch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let inputs = root.appendingPathComponent("in"), outputs = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for dump in ["breakpad/minidumps/minidump2.dmp", "rust-minidump/minidumps/linux-mini.dmp",
                     "symbolicator/minidumps/macos.dmp"] {
            try Data(try Fixtures.bytes(dump)).write(to: inputs.appendingPathComponent((dump as NSString).lastPathComponent))
        }
        try Data("garbage, not a minidump".utf8).write(to: inputs.appendingPathComponent("broken.dmp"))
        let result = try CLITests.run(["stackwalk", "-m", "--output-dir", outputs.path, "--jobs", "2", inputs.path,
                                       "--", Fixtures.path("breakpad/symbols")])
        #expect(result.status == 1, "one dump is bad")
        #expect(result.stderr.contains("processed 3 of 4 dumps"))
        #expect(result.stderr.contains("broken.dmp"))
        let written = try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
        #expect(written == ["linux-mini.m.txt", "macos.m.txt", "minidump2.m.txt"])
        let minidump2 = try String(contentsOf: outputs.appendingPathComponent("minidump2.m.txt"), encoding: .utf8)
        let expected = String(decoding: try Fixtures.bytes("breakpad/expected/minidump2.stackwalk.machine_readable.out"), as: UTF8.self)
        #expect(minidump2 == expected)
    }
}
