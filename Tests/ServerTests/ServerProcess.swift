import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import CIngestTestCodecs
import TestSupport
import Testing

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
        /// The `Content-Type` response header.
        var contentType: String? = nil
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
        let http = response as! HTTPURLResponse
        return Reply(status: http.statusCode, body: data, contentType: http.value(forHTTPHeaderField: "Content-Type"))
    }

    /// POSTs `body` to the default project's upload URL (the key in the query).
    func upload(_ body: Data, contentType: String?, headers: [String: String] = [:]) async throws -> Reply {
        var all = headers
        if let contentType { all["Content-Type"] = contentType }
        return try await send("POST", uploadURL, headers: all, body: body)
    }

    /// POSTs a multipart form to the default project's upload URL.
    func upload(_ form: Multipart, headers: [String: String] = [:]) async throws -> Reply {
        try await upload(form.finished(), contentType: form.contentType, headers: headers)
    }

    /// Polls until the event with this id (as the upload answered it, hyphenated or not) is
    /// stored, and returns the API's reply: its body is the stored event's JSON text.
    func storedEvent(_ id: String, project: String = "default", timeout: TimeInterval = 30) async throws -> Reply {
        let deadline = Date().addingTimeInterval(timeout)
        var last: Reply?
        while Date() < deadline {
            let reply = try await api("/api/0/projects/\(project)/events/\(id)/")
            if reply.status == 200 { return reply }
            last = reply
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw HarnessError(message: "event \(id) was not stored within \(timeout) s; last reply: \(last?.status ?? 0) \(last?.text ?? "")")
    }

    /// The stored event with this id, parsed.
    func event(_ id: String, project: String = "default") async throws -> [String: Any] {
        let reply = try await storedEvent(id, project: project)
        guard let event = try reply.json() as? [String: Any] else {
            throw HarnessError(message: "event \(id) is not a JSON object: \(reply.text)")
        }
        return event
    }

    /// The one event of a project (groups → the group's events → the event), for a server
    /// that received exactly one upload.
    func onlyEvent(project: String = "default") async throws -> [String: Any] {
        let groups = try await waitForEvents(1, project: project)
        guard groups.count == 1, let groupId = groups[0]["id"] as? String else {
            throw HarnessError(message: "expected one group, got \(groups)")
        }
        let events = try await api("/api/0/groups/\(groupId)/events/").json() as? [[String: Any]] ?? []
        guard events.count == 1, let eventId = events[0]["event_id"] as? String else {
            throw HarnessError(message: "expected one event in group \(groupId), got \(events.count)")
        }
        return try await event(eventId, project: project)
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

/// A suite trait that starts one server for the whole suite and stops it at the end; the
/// suite's tests reach it through `SharedServer.current`. (Starting a server costs about half a
/// second; the suite using it should be `.serialized` when its tests count what it stored.)
struct SharedServer: SuiteTrait, TestScoping {
    @TaskLocal static var current: ServerProcess?

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        try await Self.$current.withValue(server) { try await function() }
    }

    /// The suite's server (fails the test outside a suite with the trait).
    static func server() throws -> ServerProcess {
        guard let server = current else { throw ServerProcess.HarnessError(message: "no shared server: add .sharedServer to the suite") }
        return server
    }
}

extension Trait where Self == SharedServer {
    /// One `crashpipe serve` for every test of the suite.
    static var sharedServer: SharedServer { SharedServer() }
}

/// Compressors from the system libraries (the test-only `CIngestTestCodecs` shim).
enum Compress {
    static func with(_ codec: cingest_test_codec, _ bytes: Data) -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let input = [UInt8](bytes)
        let rc = input.withUnsafeBufferPointer { cingest_test_compress(Int32(codec.rawValue), $0.baseAddress, $0.count, &out, &size) }
        precondition(rc == 0, "compression failed")
        defer { cingest_test_free(out) }
        return Data(UnsafeBufferPointer(start: out, count: size))
    }

    static func gzip(_ b: Data) -> Data { with(CINGEST_TEST_GZIP, b) }
    static func zlib(_ b: Data) -> Data { with(CINGEST_TEST_ZLIB, b) }
    static func rawDeflate(_ b: Data) -> Data { with(CINGEST_TEST_DEFLATE_RAW, b) }
    static func xz(_ b: Data) -> Data { with(CINGEST_TEST_XZ, b) }
    static func bzip2(_ b: Data) -> Data { with(CINGEST_TEST_BZIP2, b) }
    static func zstd(_ b: Data) -> Data { with(CINGEST_TEST_ZSTD, b) }
    static func brotli(_ b: Data) -> Data { with(CINGEST_TEST_BROTLI, b) }

    /// A gzip stream of `count` zeros, made by streaming (a decompression bomb).
    static func gzipZeros(_ count: UInt64) -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        precondition(cingest_test_gzip_zeros(count, &out, &size) == 0)
        defer { cingest_test_free(out) }
        return Data(UnsafeBufferPointer(start: out, count: size))
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
