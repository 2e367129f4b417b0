import ArgumentParser
import Bundled
import CrashpipeCore
import Minidump

/// `crashpipe dump`: every structure and stream of a minidump.
struct DumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print every stream of a minidump (like Breakpad's minidump_dump), or JSON with --json."
    )

    @Argument(help: "The minidump file.")
    var minidump: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let bytes = try mapInput(minidump)
        let contents: MinidumpContents
        do {
            contents = try MinidumpContents(bytes: bytes, contexts: try Bundled.registry().contextFormats)
        } catch {
            throw CLIError.processing("\(minidump): \(error)")
        }
        if json {
            write(try JSONOutput.string(MinidumpDump.document(contents)))
        } else {
            write(MinidumpDump.text(contents))
        }
    }
}
