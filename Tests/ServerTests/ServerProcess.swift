import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// A real `crashpipe serve` process on a loopback port picked by the system, with its own data
/// directory, driven over HTTP by URLSession: what the server tests talk to.
final class ServerProcess: @unchecked Sendable {
    let dataDirectory: URL
    let adminToken = "test-admin-token"
    private(set) var process: Process
    private(set) var port = 0
    /// The default project's upload URL as the server printed it.
    private(set) var uploadURL = ""

    static let executable = Fixtures.crashpipeExecutable

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Extra `serve` arguments (e.g. `--config FILE`), used at every (re)start.
    let extraArguments: [String]

    /// Pass `--admin-token` (off when the token comes from a config file).
    let passAdminToken: Bool

    init(dataDirectory: URL = ServerProcess.temporaryDirectory(), workers: Int = 2, arguments: [String] = [],
         passAdminToken: Bool = true) throws {
        self.dataDirectory = dataDirectory
        extraArguments = arguments
        self.passAdminToken = passAdminToken
        process = Process()
        try start(workers: workers)
    }

    /// Starts (or restarts) the server on the same data directory.
    func start(workers: Int = 2) throws {
        let log = dataDirectory.appendingPathComponent("serve-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["serve", "--data-dir", dataDirectory.path, "--port", "0", "--workers", String(workers)]
            + (passAdminToken ? ["--admin-token", adminToken] : []) + extraArguments
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "crashpipe listening on http://127.0.0.1:") {
                let rest = text[range.upperBound...]
                if let end = rest.firstIndex(where: { !$0.isNumber }), let port = Int(rest[..<end]) {
                    self.port = port
                    if let url = text.split(separator: "\n").first(where: { $0.contains("minidump upload URL: ") }) {
                        uploadURL = String(url.split(separator: " ").last!)
                    }
                    return
                }
            }
            guard process.isRunning else { throw HarnessError(message: "crashpipe serve exited: \(text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError(message: "crashpipe serve did not start within 60 s")
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// SIGKILL: no chance to finish anything.
    func kill9() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    struct HarnessError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    struct Reply {
        var status: Int
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
    }

    /// Sends a request and returns status and body (never throws for HTTP errors).
    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: path.hasPrefix("http") ? path : base + path)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        request.timeoutInterval = 60
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as! HTTPURLResponse).statusCode, body: data)
    }

    /// GET on the JSON API with the admin token.
    func api(_ path: String) async throws -> Reply {
        try await send("GET", path, headers: ["Authorization": "Bearer \(adminToken)"])
    }

    /// Polls until the project has `count` events (processing is asynchronous).
    func waitForEvents(_ count: Int, project: String = "default", timeout: TimeInterval = 60) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var groups: [[String: Any]] = []
        while Date() < deadline {
            let reply = try await api("/api/0/projects/\(project)/groups/")
            groups = (try? reply.json() as? [[String: Any]]) ?? []
            let total = groups.compactMap { ($0["count"] as? String).flatMap(Int.init) }.reduce(0, +)
            if total >= count { return groups }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw HarnessError(message: "expected \(count) events, groups: \(groups)")
    }
}

/// A multipart/form-data body.
struct Multipart {
    let boundary = "crashpipe-boundary-\(UUID().uuidString)"
    var body = Data()

    mutating func field(_ name: String, _ value: String) {
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
    }

    mutating func file(_ name: String, fileName: String, _ bytes: Data, contentType: String = "application/octet-stream") {
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        body.append(bytes)
        body.append(Data("\r\n".utf8))
    }

    func finished() -> Data { body + Data("--\(boundary)--\r\n".utf8) }
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }
}
