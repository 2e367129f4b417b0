import ArgumentParser
import Foundation

/// An error that ends the command with a specific exit code and a one-line message.
///
/// Exit codes: 0 success, 1 processing error (the input could not be processed),
/// 2 usage or configuration error (bad arguments, unreadable files, invalid pipelines).
struct CLIError: Error, CustomStringConvertible {
    var code: Int32
    var message: String

    static func usage(_ message: String) -> CLIError { CLIError(code: 2, message: message) }
    static func processing(_ message: String) -> CLIError { CLIError(code: 1, message: message) }

    var description: String { message }
}

/// Writes `text` to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Writes `text` to standard output without adding a newline.
func write(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
