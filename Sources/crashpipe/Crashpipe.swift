import ArgumentParser
import Foundation

/// The `crashpipe` command line: a thin layer over Core and the bundled plugins.
struct Crashpipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crashpipe",
        abstract: "Process crash reports (minidumps) through plugin pipelines.",
        subcommands: [DumpCommand.self, ProcessCommand.self, StackwalkCommand.self, DemangleCommand.self, PipelinesCommand.self, PluginsCommand.self, ServeCommand.self, ProjectsCommand.self, SymbolsCommand.self, TokensCommand.self]
    )
}

@main
enum Main {
    static func main() async {
        do {
            var command = try Crashpipe.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            printError("crashpipe: \(error.message)")
            exit(error.code)
        } catch {
            let code = Crashpipe.exitCode(for: error)
            if code == .success {
                // --help and --version arrive as "errors" with exit code 0.
                print(Crashpipe.fullMessage(for: error))
                exit(0)
            }
            let message = Crashpipe.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            printError("crashpipe: \(message) (see 'crashpipe --help')")
            exit(2)
        }
    }
}
