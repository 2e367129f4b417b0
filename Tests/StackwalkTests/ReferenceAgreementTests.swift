import Bundled
import CrashpipeCore
import Foundation
import OutputFormats
import TestSupport
import Testing
import Yams

/// crashpipe's stack walks against the outputs of Breakpad's minidump_stackwalk,
/// rust-minidump's minidump-stackwalk and Sentry's symbolicator for the same dumps and symbols.
struct ReferenceAgreementTests {
    static func walk(_ dump: String, symbols: [String] = []) async throws -> CrashReport {
        let registry = try Bundled.registry()
        let pipeline = try StackwalkPipeline.make(registry: registry, symbolPaths: symbols.map(Fixtures.path))
        let bytes = ByteView(try Fixtures.bytes(dump))
        return try await pipeline.run(PipelineInput(name: dump, bytes: bytes))
    }

    static func text(_ path: String) throws -> String {
        String(decoding: try Fixtures.bytes(path), as: UTF8.self)
    }

    /// Compares line by line and records the first difference (with both lines) as the issue.
    static func expectSameLines(_ actual: String, _ expected: String, _ what: String) {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, (x, y)) in zip(a, e).enumerated() where x != y {
            Issue.record("\(what) line \(number + 1):\n  crashpipe: \(x)\n  expected:  \(y)")
            return
        }
        #expect(a.count == e.count, "\(what): \(a.count) lines, expected \(e.count)")
    }

    // MARK: Breakpad

    @Test func minidump2MachineReadableEqualsBreakpad() async throws {
        let report = try await Self.walk("breakpad/minidumps/minidump2.dmp", symbols: ["breakpad/symbols"])
        Self.expectSameLines(BreakpadMachineReadable.render(report),
                             try Self.text("breakpad/expected/minidump2.stackwalk.machine_readable.out"), "-m output")
    }

    @Test func minidump2HumanOutputEqualsBreakpad() async throws {
        let report = try await Self.walk("breakpad/minidumps/minidump2.dmp", symbols: ["breakpad/symbols"])
        Self.expectSameLines(BreakpadText.render(report), try Self.text("breakpad/expected/minidump2.stackwalk.out"),
                             "human output")
    }

    // MARK: rust-minidump

    /// The fields of rust-minidump's JSON that crashpipe computes, compared value for value.
    /// Not compared (crashpipe does not compute them; see README): `instruction`,
    /// `memory_accesses`, `possible_bit_flips` (disassembly-based analysis) and `soft_errors`.
    static func compareWithRustMinidump(_ report: CrashReport, expected path: String) throws {
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(MinidumpStackwalkJSON.render(report, pretty: false).utf8)) as? [String: Any])
        let theirs = try #require(try Fixtures.json(path) as? [String: Any])
        func same(_ a: Any?, _ b: Any?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case (is NSNull, nil), (nil, is NSNull), (is NSNull, is NSNull): return true
            case let (x as [String: Any], y as [String: Any]): return NSDictionary(dictionary: x).isEqual(to: y)
            case let (x as [Any], y as [Any]): return NSArray(array: x).isEqual(to: y)
            case let (x as NSObject, y as NSObject): return x.isEqual(y)
            default: return false
            }
        }
        func check(_ a: [String: Any]?, _ b: [String: Any]?, keys: [String], _ context: String) {
            for key in keys where !same(a?[key], b?[key]) {
                Issue.record("\(path) \(context).\(key): crashpipe \(String(describing: a?[key] ?? "nil")), expected \(String(describing: b?[key] ?? "nil"))")
            }
        }
        check(ours, theirs, keys: ["main_module", "pid", "process_uptime", "thread_count", "lsb_release",
                                   "linux_memory_map_count", "status", "system_info"], "")
        check(ours["crash_info"] as? [String: Any], theirs["crash_info"] as? [String: Any],
              keys: ["address", "crashing_thread", "type", "assertion"], "crash_info")
        let ourModules = ours["modules"] as? [[String: Any]] ?? [], theirModules = theirs["modules"] as? [[String: Any]] ?? []
        #expect(ourModules.count == theirModules.count)
        for (a, b) in zip(ourModules, theirModules) {
            check(a, b, keys: ["base_addr", "end_addr", "filename", "debug_file", "debug_id", "code_id", "version",
                               "loaded_symbols", "missing_symbols", "corrupt_symbols"], "modules[\(b["filename"] ?? "")]")
        }
        let frameKeys = ["frame", "trust", "module", "offset", "module_offset", "function", "function_offset", "file",
                         "line", "inlines", "missing_symbols"]
        func compareThread(_ a: [String: Any]?, _ b: [String: Any]?, _ context: String, registers: Bool) {
            check(a, b, keys: ["thread_id", "frame_count", "thread_name"], context)
            let af = a?["frames"] as? [[String: Any]] ?? [], bf = b?["frames"] as? [[String: Any]] ?? []
            for (index, (x, y)) in zip(af, bf).enumerated() {
                check(x, y, keys: frameKeys + (registers ? ["registers"] : []), "\(context).frames[\(index)]")
            }
        }
        compareThread(ours["crashing_thread"] as? [String: Any], theirs["crashing_thread"] as? [String: Any],
                      "crashing_thread", registers: true)
        let ourThreads = ours["threads"] as? [[String: Any]] ?? [], theirThreads = theirs["threads"] as? [[String: Any]] ?? []
        #expect(ourThreads.count == theirThreads.count)
        for (index, (a, b)) in zip(ourThreads, theirThreads).enumerated() {
            compareThread(a, b, "threads[\(index)]", registers: false)
        }
    }

    @Test func rustMinidumpTestDmpWithoutSymbols() async throws {
        let report = try await Self.walk("rust-minidump/minidumps/test.dmp")
        try Self.compareWithRustMinidump(report, expected: "rust-minidump/expected/test.dmp.pretty.json")
    }

    @Test func rustMinidumpTestDmpWithSymbols() async throws {
        let report = try await Self.walk("rust-minidump/minidumps/test.dmp", symbols: ["rust-minidump/symbols"])
        try Self.compareWithRustMinidump(report, expected: "rust-minidump/expected/test.dmp.symbols.pretty.json")
    }

    @Test func rustMinidumpLinuxMini() async throws {
        let report = try await Self.walk("rust-minidump/minidumps/linux-mini.dmp")
        try Self.compareWithRustMinidump(report, expected: "rust-minidump/expected/linux-mini.dmp.pretty.json")
    }

    @Test func rustMinidumpMacOSInlines() async throws {
        let report = try await Self.walk("rust-minidump/minidumps/pipeline-inlines-macos-segv.dmp", symbols: ["rust-minidump/symbols"])
        try Self.compareWithRustMinidump(report, expected: "rust-minidump/expected/pipeline-inlines-macos-segv.dmp.symbols.pretty.json")
    }

    // MARK: symbolicator

    /// Every thread's frames as symbolicator lists them: raw return address, trust, and for
    /// symbolicated frames the function, file and line.
    static func compareWithSymbolicator(_ report: CrashReport, expected path: String) throws {
        let yaml = try Yams.load(yaml: try text(path)) as? [String: Any]
        let stacks = try #require(yaml?["stacktraces"] as? [[String: Any]])
        let trustNames: [FrameTrust: String] = [.context: "context", .cfi: "cfi", .cfiScan: "cfi_scan",
                                                .framePointer: "fp", .scan: "scan", .prewalked: "prewalked", .none: "none"]
        for stack in stacks {
            let id = UInt32(stack["thread_id"] as! Int)
            let thread = try #require(report.threads.first { $0.id == id }, "thread \(id)")
            let frames = stack["frames"] as? [[String: Any]] ?? []
            #expect(thread.frames.count == frames.count, "thread \(id) frame count")
            for (index, (ours, theirs)) in zip(thread.frames, frames).enumerated() {
                let where_ = "\(path) thread \(id) frame \(index)"
                // symbolicator reports the raw return address for frames it could not
                // symbolicate, and the lookup address (return address - 1) for those it did.
                let address = theirs["function"] != nil ? ours.lookupAddress : ours.instruction
                #expect(formatHex(address) == theirs["instruction_addr"] as? String, "\(where_) address")
                #expect(trustNames[ours.trust] == theirs["trust"] as? String, "\(where_) trust")
                if let function = theirs["function"] as? String {
                    #expect(ours.function == function, "\(where_) function")
                    #expect(ours.file == theirs["abs_path"] as? String, "\(where_) file")
                    #expect(ours.line.map(Int.init) == theirs["lineno"] as? Int, "\(where_) line")
                } else {
                    #expect(ours.function == nil, "\(where_) should be unsymbolicated")
                }
            }
        }
    }

    @Test func symbolicatorLinuxWithoutSymbols() async throws {
        let report = try await Self.walk("symbolicator/minidumps/linux.dmp")
        try Self.compareWithSymbolicator(report, expected: "symbolicator/expected/linux.dmp.unsymbolicated.yaml")
    }

    @Test func symbolicatorMacOSWithoutSymbols() async throws {
        let report = try await Self.walk("symbolicator/minidumps/macos.dmp")
        try Self.compareWithSymbolicator(report, expected: "symbolicator/expected/macos.dmp.unsymbolicated.yaml")
    }

    @Test func symbolicatorWindowsWithSymbols() async throws {
        let report = try await Self.walk("symbolicator/minidumps/windows.dmp", symbols: ["stores/symbolicator-windows"])
        try Self.compareWithSymbolicator(report, expected: "symbolicator/expected/windows.dmp.symbolicated.yaml")
    }

    // MARK: Breakpad's processor through symbolic (CFI only)

    /// symbolic's old Breakpad-based processor walked linux.dmp with only the STACK CFI lines
    /// of crash.sym; the same walk must find the same frames.
    @Test func linuxDumpWithCFIOnlyMatchesBreakpadProcessor() async throws {
        let full = try Self.text("symbolic/debug-files/linux/crash.sym").split(separator: "\n", omittingEmptySubsequences: false)
        let cfiOnly = ([full[0]] + full.filter { $0.hasPrefix("STACK CFI") }).joined(separator: "\n") + "\n"
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-cfi-\(UUID().uuidString)")
        let directory = root.appendingPathComponent("crash/C0BCC3F19827FE653058404B2831D9E60")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data(cfiOnly.utf8).write(to: directory.appendingPathComponent("crash.sym"))

        let registry = try Bundled.registry()
        let pipeline = try StackwalkPipeline.make(registry: registry, symbolPaths: [root.path])
        let report = try await pipeline.run(PipelineInput(name: "linux.dmp", bytes: ByteView(try Fixtures.bytes("symbolicator/minidumps/linux.dmp"))))

        let state = try Self.text("symbolic/expected/symbolic-minidump/linux.dmp.with-crash.sym-cfi.process_state.txt")
        var expected: [(UInt64, String)] = []
        var pendingAddress: UInt64?
        for line in state.split(separator: "\n") {
            let trimmed = line.trimmingWhitespace()
            if trimmed.hasPrefix("return_address: ") {
                pendingAddress = UInt64(trimmed.dropFirst("return_address: ".count).dropLast())
            } else if trimmed.hasPrefix("trust: "), let address = pendingAddress {
                expected.append((address, String(trimmed.dropFirst("trust: ".count).dropLast())))
                pendingAddress = nil
            }
        }
        let names: [FrameTrust: String] = [.context: "Context", .cfi: "CFI", .scan: "Scan", .framePointer: "FramePointer",
                                           .cfiScan: "CFIScan"]
        let frames = report.threads[0].frames
        #expect(frames.count == expected.count)
        for (index, (frame, (address, trust))) in zip(frames, expected).enumerated() {
            #expect(frame.instruction == address, "frame \(index) address")
            #expect(names[frame.trust] == trust, "frame \(index) trust")
        }
    }
}
