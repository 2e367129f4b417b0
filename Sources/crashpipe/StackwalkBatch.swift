import CrashpipeCore
import Foundation

/// Batch mode of `crashpipe stackwalk`: many dumps, walked concurrently, one result file
/// each; a bad dump is counted and reported, never the end of the batch.
extension StackwalkCommand {
    struct Outcome: Sendable {
        var input: String
        var output: String?
        var failure: String?
    }

    func runBatch(outputDir: String, registry: PluginRegistry) async throws {
        let symbolPaths = symbolPathsAfterTerminator + symbolOptions
        let dumps = try collectDumps(inputs)
        guard !dumps.isEmpty else { throw CLIError.usage("no minidumps found in \(inputs.joined(separator: ", "))") }
        do {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
        } catch {
            throw CLIError.usage("cannot create \(outputDir): \(error.localizedDescription)")
        }
        let pipeline = try makePipeline(registry: registry, symbolPaths: symbolPaths)
        let names = Self.outputNames(for: dumps, extension: outputExtension)
        let width = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let progress = Progress(total: dumps.count, enabled: isatty(STDERR_FILENO) == 1)
        let clock = ContinuousClock()
        let start = clock.now
        var outcomes: [Outcome] = []
        await withTaskGroup(of: Outcome.self) { group in
            var next = 0
            func submit() {
                let index = next
                next += 1
                let dump = dumps[index]
                let output = (outputDir as NSString).appendingPathComponent(names[index])
                group.addTask { await self.process(dump, to: output, pipeline: pipeline) }
            }
            while next < min(width, dumps.count) { submit() }
            for await outcome in group {
                outcomes.append(outcome)
                progress.advance(failed: outcome.failure != nil)
                if next < dumps.count { submit() }
            }
        }
        progress.finish()
        let elapsed = clock.now - start
        let failed = outcomes.filter { $0.failure != nil }.sorted { $0.input < $1.input }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        printError("processed \(outcomes.count - failed.count) of \(outcomes.count) dumps in "
                   + String(format: "%.2f s", seconds) + " into \(outputDir); \(failed.count) failed")
        for failure in failed { printError("  \(failure.input): \(failure.failure ?? "")") }
        if !failed.isEmpty { throw CLIError.processing("\(failed.count) of \(outcomes.count) dumps failed") }
    }

    func process(_ dump: String, to output: String, pipeline: Pipeline) async -> Outcome {
        do {
            let bytes = try ByteStorage.map(path: dump).view
            let report = try await pipeline.run(PipelineInput(name: dump, bytes: bytes))
            try Data(try render(report).utf8).write(to: URL(fileURLWithPath: output))
            return Outcome(input: dump, output: output)
        } catch {
            return Outcome(input: dump, failure: "\(error)")
        }
    }

    /// Files as given, and `.dmp` files found under given directories, sorted and unique.
    func collectDumps(_ inputs: [String]) throws -> [String] {
        var found: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw CLIError.usage("\(input) does not exist")
            }
            if isDirectory.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: input)
                while let item = enumerator?.nextObject() as? String {
                    if item.hasSuffix(".dmp") { found.append((input as NSString).appendingPathComponent(item)) }
                }
            } else {
                found.append(input)
            }
        }
        return Array(Set(found)).sorted()
    }

    /// One output file name per dump: its base name with `ext`, made unique with a counter
    /// when two dumps share a name.
    static func outputNames(for dumps: [String], extension ext: String) -> [String] {
        var used: [String: Int] = [:]
        return dumps.map { dump in
            let base = ((dump as NSString).lastPathComponent as NSString).deletingPathExtension
            let count = used[base, default: 0]
            used[base] = count + 1
            return (count == 0 ? base : "\(base)-\(count)") + "." + ext
        }
    }
}

/// A one-line progress bar on standard error, redrawn in place; silent when not a terminal.
final class Progress: @unchecked Sendable {
    private let total: Int
    private let enabled: Bool
    private var done = 0
    private var failed = 0

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func advance(failed isFailure: Bool) {
        done += 1
        if isFailure { failed += 1 }
        guard enabled else { return }
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)  \(failed) failed".utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
