import ArgumentParser
import Bundled
import CrashpipeCore

/// `crashpipe process`: runs a pipeline over one crash report and prints the result.
struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Run a pipeline over a minidump and print the report."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json
    }

    @Argument(help: "The minidump file.")
    var minidump: String

    @Option(help: "A pipeline file (default: the built-in inspect pipeline).")
    var pipeline: String?

    @Option(help: "Output format: human or json.")
    var format: Format = .human

    func run() async throws {
        let loaded = try loadPipeline(pipeline)
        let bytes = try mapInput(minidump)
        let report: CrashReport
        do {
            report = try await loaded.run(PipelineInput(name: minidump, bytes: bytes))
        } catch {
            throw CLIError.processing("\(error)")
        }
        switch format {
        case .human: write(ReportText.render(report))
        case .json: write(try JSONOutput.string(report))
        }
    }
}

/// Loads `path`, or the built-in default pipeline when nil, with the bundled plugins.
func loadPipeline(_ path: String?) throws -> Pipeline {
    let registry: PluginRegistry
    do { registry = try Bundled.registry() } catch { throw CLIError.usage("plugin registration failed: \(error)") }
    let loader = PipelineLoader(registry: registry)
    do {
        if let path { return try loader.load(path: path) }
        let name = EmbeddedPipelines.defaultName
        return try loader.load(yaml: EmbeddedPipelines.files[name]!, file: "<built-in \(name)>")
    } catch {
        throw CLIError.usage(error.description)
    }
}
