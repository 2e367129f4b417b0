import ArgumentParser
import Bundled
import CrashpipeCore
import Foundation
import Minidump
import OutputFormats

/// `crashpipe stackwalk`: a drop-in for Breakpad's `minidump_stackwalk`, plus rust-minidump's
/// JSON and a batch mode for many dumps.
struct StackwalkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackwalk",
        abstract: "Walk every thread's stack and print it like minidump_stackwalk.",
        discussion: """
            Single dump:  crashpipe stackwalk [-m | --json [--pretty]] <minidump> [symbol-path ...]
            Batch:        crashpipe stackwalk --output-dir DIR [--jobs N] <dump-or-dir>... -- <symbol-path>...
            Symbol paths are directories in Breakpad's layout <debug_file>/<DEBUG_ID>/<debug_file>.sym,
            or native debug files (ELF binaries and .debug files, Mach-O binaries, dSYM bundles),
            matched to modules by debug id.
            A dump is a minidump or a Breakpad microdump (bare or in an Android logcat); the parser is
            chosen by looking at the file.
            """
    )

    @Flag(name: .customShort("m"), help: "Breakpad's pipe-delimited machine-readable output.")
    var machineReadable = false

    @Flag(help: "rust-minidump's minidump-stackwalk JSON output.")
    var json = false

    @Flag(help: "Indent the JSON output.")
    var pretty = false

    @Option(help: "Batch mode: write one result per dump into this directory.")
    var outputDir: String?

    @Option(help: "Batch mode: dumps processed at once (default: the number of CPUs).")
    var jobs: Int?

    @Option(help: "The most frames walked per thread.")
    var maxFrames: Int = 1024

    @Flag(help: "Do not fall back to stack scanning.")
    var noScan = false

    @Option(name: .customLong("symbols"), help: "A symbol path (repeatable; the same as listing it after the dump).")
    var symbolOptions: [String] = []

    @Argument(parsing: .captureForPassthrough,
              help: "The minidump, then symbol paths; in batch mode: dumps or directories, '--', symbol paths.")
    var positionals: [String] = []

    /// Positionals before a `--`.
    var inputs: [String] {
        Array(positionals.prefix { $0 != "--" })
    }

    /// Positionals after a `--` (batch mode's symbol paths).
    var symbolPathsAfterTerminator: [String] {
        guard let split = positionals.firstIndex(of: "--") else { return [] }
        return Array(positionals[(split + 1)...])
    }

    func validate() throws {
        if let option = positionals.first(where: { $0.hasPrefix("-") && $0 != "--" }) {
            throw ValidationError("option \(option) must come before the minidump")
        }
        if inputs.isEmpty { throw ValidationError("give a minidump to walk") }
        if machineReadable && json { throw ValidationError("-m and --json are exclusive") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if maxFrames < 1 { throw ValidationError("--max-frames must be at least 1") }
    }

    enum Format { case human, machine, json(pretty: Bool) }

    var format: Format {
        if machineReadable { return .machine }
        if json { return .json(pretty: pretty) }
        return .human
    }

    func run() async throws {
        let registry: PluginRegistry
        do { registry = try Bundled.registry() } catch { throw CLIError.usage("plugin registration failed: \(error)") }
        if let outputDir {
            try await runBatch(outputDir: outputDir, registry: registry)
            return
        }
        let dump = inputs[0]
        let symbolPaths = Array(inputs.dropFirst()) + symbolPathsAfterTerminator + symbolOptions
        let pipeline = try makePipeline(registry: registry, symbolPaths: symbolPaths)
        let bytes = try mapInput(dump)
        let report: CrashReport
        do {
            report = try await pipeline.run(PipelineInput(name: dump, bytes: bytes))
        } catch {
            throw CLIError.processing("\(error)")
        }
        write(try render(report))
    }

    func makePipeline(registry: PluginRegistry, symbolPaths: [String]) throws -> Pipeline {
        for path in symbolPaths where !FileManager.default.fileExists(atPath: path) {
            throw CLIError.usage("symbol path \(path) does not exist")
        }
        do {
            return try StackwalkPipeline.make(registry: registry, symbolPaths: symbolPaths, maxFrames: maxFrames,
                                              scan: !noScan)
        } catch {
            throw CLIError.usage("\(error)")
        }
    }

    func render(_ report: CrashReport) throws -> String {
        switch format {
        case .human: return BreakpadText.render(report)
        case .machine: return BreakpadMachineReadable.render(report)
        case .json(let pretty): return try MinidumpStackwalkJSON.render(report, pretty: pretty)
        }
    }

    var outputExtension: String {
        switch format {
        case .human: return "txt"
        case .machine: return "m.txt"
        case .json: return "json"
        }
    }
}
