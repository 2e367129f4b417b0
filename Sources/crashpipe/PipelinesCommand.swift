import ArgumentParser
import Bundled
import CrashpipeCore

/// `crashpipe pipelines`: work with pipeline files.
struct PipelinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "Work with pipeline files.",
        subcommands: [Validate.self]
    )

    /// `crashpipe pipelines validate FILE...`: loads each file as a run would, printing every
    /// problem as file:line:column; exits 2 when any file is invalid.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check pipeline files without running them."
        )

        @Argument(help: "Pipeline files.")
        var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one pipeline file") }
        }

        func run() async throws {
            var failures = 0
            for file in files {
                do {
                    let pipeline = try loadPipeline(file)
                    print("\(file): ok (\(pipeline.stages.map(\.id).joined(separator: " -> ")))")
                } catch let error as CLIError {
                    printError(error.message)
                    failures += 1
                }
            }
            if failures > 0 {
                throw CLIError.usage("\(failures) of \(files.count) pipeline file\(files.count == 1 ? "" : "s") invalid")
            }
        }
    }
}

/// `crashpipe plugins`: the registered plugins, their kinds and options.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List the registered plugins with their kind and options."
    )

    func run() async throws {
        let registry: PluginRegistry
        do { registry = try Bundled.registry() } catch { throw CLIError.usage("plugin registration failed: \(error)") }
        for plugin in registry.descriptors {
            print("\(plugin.id)  [\(plugin.kind)]  \(plugin.summary)")
            if !plugin.requires.isEmpty {
                print("    requires: \(plugin.requires.map(\.rawValue).joined(separator: ", "))")
            }
            for option in plugin.options {
                let fallback = option.defaultValue.map { ", default \($0)" } ?? ", required"
                print("    \(option.name) (\(option.type)\(fallback)): \(option.help)")
            }
        }
    }
}
