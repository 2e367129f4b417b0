import CrashpipeCore
import Foundation
import Yams

/// `crashpipe serve --config FILE`: the server's settings as YAML. Every key is optional; flags
/// given on the command line win over the file.
///
/// ```yaml
/// data_dir: /var/lib/crashpipe
/// host: 0.0.0.0
/// port: 8000
/// workers: 4
/// admin_token: 5f0c...          # else the one created and printed at first start
/// limits:
///   request: 40MiB               # request body as received (Content-Encoding not undone)
///   request_decompressed: 200MiB
///   file: 100MiB                 # each part, and the minidump after its container
///   debug_file: 512MiB           # a debug-file upload (or an assembled chunked one)
/// ```
public struct ServerConfigFile: Sendable, Equatable {
    public var dataDirectory: String?
    public var host: String?
    public var port: Int?
    public var workers: Int?
    public var adminToken: String?
    public var requestLimit: Int?
    public var requestDecompressedLimit: Int?
    public var fileLimit: Int?
    public var debugFileLimit: Int?

    public init() {}

    static let keys = ["data_dir", "host", "port", "workers", "admin_token", "limits"]
    static let limitKeys = ["request", "request_decompressed", "file", "debug_file"]

    /// Reads and checks a config file; every problem names the file, line and column.
    public static func load(path: String) throws(PipelineError) -> ServerConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineError(file: path, line: 1, column: 1, message: "cannot read the config file: \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml text: String, file: String = "<config>") throws(PipelineError) -> ServerConfigFile {
        var config = ServerConfigFile()
        guard let root = try PipelineError.compose(yaml: text, file: file) else { return config }
        guard case .mapping(let pairs) = root else {
            throw PipelineError(file: file, mark: root.mark, "the config must be a mapping of settings (\(keys.joined(separator: ", ")))")
        }
        for (keyNode, value) in pairs {
            let key = keyNode.string ?? ""
            switch key {
            case "data_dir": config.dataDirectory = try string(value, key, file)
            case "host": config.host = try string(value, key, file)
            case "admin_token":
                let token = try string(value, key, file)
                guard token.count >= 8 else {
                    throw PipelineError(file: file, mark: value.mark, "'admin_token' must be at least 8 characters")
                }
                config.adminToken = token
            case "port":
                let port = try integer(value, key, file)
                guard (0...65535).contains(port) else {
                    throw PipelineError(file: file, mark: value.mark, "'port' must be 0...65535 (0 picks a free port), not \(port)")
                }
                config.port = port
            case "workers":
                let workers = try integer(value, key, file)
                guard (1...256).contains(workers) else {
                    throw PipelineError(file: file, mark: value.mark, "'workers' must be 1...256, not \(workers)")
                }
                config.workers = workers
            case "limits":
                guard case .mapping(let limits) = value else {
                    throw PipelineError(file: file, mark: value.mark,
                                        "'limits' must be a mapping (\(limitKeys.joined(separator: ", ")))")
                }
                for (limitKey, limit) in limits {
                    let name = limitKey.string ?? ""
                    let bytes = try size(limit, "limits.\(name)", file)
                    switch name {
                    case "request": config.requestLimit = bytes
                    case "request_decompressed": config.requestDecompressedLimit = bytes
                    case "file": config.fileLimit = bytes
                    case "debug_file": config.debugFileLimit = bytes
                    default: throw unknown(name, limitKey, limitKeys, file)
                    }
                }
            default:
                throw unknown(key, keyNode, keys, file)
            }
        }
        return config
    }

    /// Applies the file to a configuration (before the command-line flags are applied).
    public func apply(to configuration: inout ServerConfiguration) {
        if let dataDirectory { configuration.dataDirectory = URL(fileURLWithPath: expandTilde(dataDirectory)) }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let workers { configuration.workers = workers }
        if let adminToken { configuration.adminToken = adminToken }
        if let requestLimit { configuration.limits.requestCompressed = requestLimit }
        if let requestDecompressedLimit { configuration.limits.requestDecompressed = requestDecompressedLimit }
        if let fileLimit { configuration.limits.file = fileLimit }
        if let debugFileLimit {
            configuration.debugFileLimits.request = debugFileLimit
            configuration.debugFileLimits.file = debugFileLimit
        }
    }

    private static func unknown(_ key: String, _ node: Node, _ known: [String], _ file: String) -> PipelineError {
        var message = "unknown setting '\(key)'"
        if let guess = closestMatch(to: key, in: known) { message += "; did you mean '\(guess)'?" }
        return PipelineError(file: file, mark: node.mark, message + " (known: \(known.joined(separator: ", ")))")
    }

    private static func string(_ node: Node, _ key: String, _ file: String) throws(PipelineError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw PipelineError(file: file, mark: node.mark, "'\(key)' must be a non-empty string")
        }
        return scalar.string
    }

    private static func integer(_ node: Node, _ key: String, _ file: String) throws(PipelineError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw PipelineError(file: file, mark: node.mark, "'\(key)' must be a whole number")
        }
        return value
    }

    /// `1048576`, `512KiB`, `40MiB`, `1GiB` (also KB/MB/GB, meaning the same powers of 1024).
    static func size(_ node: Node, _ key: String, _ file: String) throws(PipelineError) -> Int {
        let units: [(String, Int)] = [("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30),
                                      ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1 << 10),
                                      ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
        if case .scalar(let scalar) = node {
            let text = scalar.string.trimmingCharacters(in: .whitespaces).lowercased()
            var number = text
            var factor = 1
            for (suffix, value) in units where text.hasSuffix(suffix) {
                number = String(text.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
                factor = value
                break
            }
            if let count = Int(number), count > 0, count <= Int.max / factor {
                return count * factor
            }
        }
        throw PipelineError(file: file, mark: node.mark,
                            "'\(key)' must be a positive size in bytes, or with a unit such as 512KiB, 40MiB, 1GiB")
    }
}
